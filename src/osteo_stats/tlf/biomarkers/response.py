"""Table 14.4.3: biomarkers and response, pathological and ORR (SAP 7.6 points 3-4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from osteo_stats.analyse.biomarkers import fisher_exact, rank_sum_test
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.biomarkers import ENDPOINTS
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.biomarkers.common import (
    COLUMN,
    EXPLORATORY,
    MODULE,
    RESP_ID,
    TIMEPOINT_LABEL,
    TIMEPOINTS,
    Display,
    Family,
    add_adjusted,
    add_summary,
    body_frame,
    confidence_level,
    count_of,
    endpoint_label,
    median_iqr,
    normal_ci_note,
    pct_label,
    reader,
    response_population,
)
from osteo_stats.tlf.format import fmt_est_ci, fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line


def _fraction(x: float, n: float) -> str:
    """``x/n (pct)`` with SAP 6.3 percent rules; ``0/0`` when the denominator is empty."""
    x, n = count_of(x), count_of(n)
    if n == 0:
        return "0/0"
    if x == 0:
        return f"0/{n}"
    return f"{x}/{n} (100)" if x == n else f"{x}/{n} ({fmt_number(100 * x / n, 1)})"


def response_table(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display]
) -> TLFOutput:
    b = ARDBuilder(RESP_ID, "Table 14.4.3", "FAS")
    conf = confidence_level(ad)
    families: dict[tuple[str, str, str], Family] = {}
    mw_methods: dict[str, str] = {}
    mw_ci_methods: dict[str, str] = {}
    for endpoint in ENDPOINTS:
        for atpt in TIMEPOINTS:
            for marker in displays:
                pop = response_population(values, marker, atpt)
                v = pop[COLUMN[atpt]].to_numpy()
                responder = pop[endpoint].to_numpy()
                base = {"ENDPOINT": endpoint, "ATPT": atpt}
                cut = float(np.median(v)) if v.size else math.nan
                b.add("N", v.size, parameter=marker, group=base)
                b.add("median", cut, parameter=marker, group=base)
                for flag, label in ((True, "Y"), (False, "N")):
                    group = {**base, "RESPONSE": label}
                    add_summary(b, v[responder == flag], parameter=marker, group=group)

                mw_group = {**base, "TEST": "MANN-WHITNEY"}
                hl_group = {**base, "ESTIMATE": "HODGES-LEHMANN"}
                if responder.any() and (~responder).any():
                    mw = rank_sum_test(v[responder], v[~responder], conf_level=conf)
                    stat, p_mw = mw.statistic, mw.p_value
                    if mw.method == "normal":
                        mw_methods[marker] = "normal"
                    if mw.ci_method == "normal":
                        mw_ci_methods[marker] = "normal"
                    hl = (mw.estimate, mw.lower, mw.upper)
                else:
                    stat, p_mw, hl = math.nan, math.nan, (math.nan,) * 3
                b.add("statistic", stat, parameter=marker, group=mw_group)
                b.add("p_value", p_mw, parameter=marker, group=mw_group)
                b.add_ci(*hl, conf, parameter=marker, group=hl_group)
                families.setdefault((endpoint, atpt, "MANN-WHITNEY"), []).append(
                    (marker, mw_group, p_mw)
                )

                high = v > cut
                for level, mask in (("HIGH", high), ("LOW", ~high)):
                    group = {**base, "LEVEL": level}
                    n_level, x_level = int(mask.sum()), int(responder[mask].sum())
                    b.add("N", n_level, parameter=marker, group=group)
                    b.add("n", x_level, parameter=marker, group=group)
                    b.add(
                        "pct",
                        100 * x_level / n_level if n_level else math.nan,
                        parameter=marker,
                        group=group,
                    )
                fisher_group = {**base, "TEST": "FISHER"}
                if v.size:
                    table = [
                        [int(responder[high].sum()), int((~responder[high]).sum())],
                        [int(responder[~high].sum()), int((~responder[~high]).sum())],
                    ]
                    p_f = fisher_exact(table).p_value
                else:
                    p_f = math.nan
                b.add("p_value", p_f, parameter=marker, group=fisher_group)
                families.setdefault((endpoint, atpt, "FISHER"), []).append(
                    (marker, fisher_group, p_f)
                )
    for family in families.values():
        add_adjusted(b, family)
    ard = b.build()
    get = reader(ard, RESP_ID)

    rows: list[list[str]] = []
    for endpoint in ENDPOINTS:
        label_of_endpoint = endpoint_label(ad, endpoint)
        first = True
        for marker, d in displays.items():
            for atpt in TIMEPOINTS:
                base = {"ENDPOINT": endpoint, "ATPT": atpt}
                dec = d.summary_decimals
                cells = [label_of_endpoint if first else "", d.label, TIMEPOINT_LABEL[atpt]]
                first = False
                for label in ("Y", "N"):
                    n = count_of(get("n", marker, **base, RESPONSE=label))
                    cells.append(str(n))
                    cells.append(
                        median_iqr(get, marker, dec, **base, RESPONSE=label) if n else "NE"
                    )
                cells.append(
                    fmt_est_ci(
                        *(
                            get(s, marker, **base, ESTIMATE="HODGES-LEHMANN")
                            for s in ("est", "lcl", "ucl")
                        ),
                        dec,
                    )
                )
                cells.append(fmt_p(get("p_value", marker, **base, TEST="MANN-WHITNEY")))
                cells.append(fmt_p(get("p_value_adj", marker, **base, TEST="MANN-WHITNEY")))
                cells.append(fmt_number(get("median", marker, **base), dec))
                for level in ("HIGH", "LOW"):
                    cells.append(
                        _fraction(
                            get("n", marker, **base, LEVEL=level),
                            get("N", marker, **base, LEVEL=level),
                        )
                    )
                cells.append(fmt_p(get("p_value", marker, **base, TEST="FISHER")))
                cells.append(fmt_p(get("p_value_adj", marker, **base, TEST="FISHER")))
                rows.append(cells)
    columns = [
        "Endpoint",
        "Marker",
        "Time point",
        "Responders n",
        "Responders median (Q1, Q3)",
        "Non-responders n",
        "Non-responders median (Q1, Q3)",
        f"HL difference ({pct_label(conf)} CI)",
        "Mann-Whitney p",
        "Mann-Whitney p, BH",
        "Cut-point (median)",
        "Responders, high: n/N (%)",
        "Responders, low: n/N (%)",
        "Fisher p",
        "Fisher p, BH",
    ]
    n_fas = len(ad.population("FAS"))
    footnotes = (
        EXPLORATORY,
        f"Responders: good pathological response = Huvos grade "
        f"{ad.sap.pathology.good_grades_label} (patients without surgery are non-responders); "
        "objective response = best overall response CR or PR in the pre-operative window (NE "
        "and missing are non-responders). FAS patients with a value at the time point (change: "
        "both values); no imputation.",
        "Mann-Whitney test, two-sided, exact conditional distribution given the mid-ranks"
        + (
            f"; normal approximation with tie and continuity correction (exact computation too "
            f"costly, SAP 7.6) for {', '.join(sorted(mw_methods))}"
            if mw_methods
            else ""
        )
        + ". HL difference = Hodges-Lehmann estimate of responders minus non-responders (median "
        f"of all pairwise differences) with the order-statistic {pct_label(conf)} CI"
        + normal_ci_note(mw_ci_methods)
        + " (SAP 7.6).",
        "Fisher's exact test, two-sided, of response by marker group: high = strictly above the "
        "median of the patients in the analysis, low = at or below; the cut-point is fixed by "
        "the SAP (7.6 point 4), not chosen from the data's p-values.",
        "BH families: one per endpoint, time point and test (three markers each).",
        "NE: not estimable (a response group is empty).",
    )
    tlf = TLF(
        kind="Table",
        number="14.4.3",
        analysis_set=f"Full analysis set (N = {n_fas}), patients with a value",
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (RESP_ID,)),
        analysis_ids=(RESP_ID,),
        body=body_frame(rows, columns),
        landscape=True,
    )
    return TLFOutput(tlf, ard)
