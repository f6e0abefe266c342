"""Table 14.4.2: paired change from the biopsy to the resected specimen (SAP 7.6 point 2)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from osteo_stats.analyse.biomarkers import proportion_increased, signed_rank_test
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.biomarkers.common import (
    CHANGE,
    COLUMN,
    EXPLORATORY,
    MODULE,
    PAIR_ID,
    TIMEPOINT_LABEL,
    TIMEPOINTS,
    Display,
    Family,
    add_adjusted,
    add_summary,
    body_frame,
    confidence_level,
    count_of,
    median_iqr,
    normal_ci_note,
    pct_label,
    reader,
)
from osteo_stats.tlf.format import fmt_est_ci, fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line


def paired_table(ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display]) -> TLFOutput:
    b = ARDBuilder(PAIR_ID, "Table 14.4.2", "FAS-PAIRED")
    conf = confidence_level(ad)
    family: Family = []
    methods: dict[str, str] = {}
    ci_methods: dict[str, str] = {}
    test_group = {"ATPT": CHANGE, "TEST": "SIGNED-RANK"}
    for marker in displays:
        pairs = values.loc[values["PARAMCD"].eq(marker) & values["AVAIL"].eq("BOTH")]
        pre, post = pairs["PRE"].to_numpy(), pairs["POST"].to_numpy()
        n = len(pairs)
        b.add("N", n, parameter=marker)
        for atpt in TIMEPOINTS:
            add_summary(b, pairs[COLUMN[atpt]].to_numpy(), parameter=marker, group={"ATPT": atpt})
        d = post - pre
        for direction, count in (
            ("INCREASED", np.sum(d > 0)),
            ("UNCHANGED", np.sum(d == 0)),
            ("DECREASED", np.sum(d < 0)),
        ):
            b.add("n", count, parameter=marker, group={"ATPT": CHANGE, "DIRECTION": direction})
        hl_group = {"ATPT": CHANGE, "ESTIMATE": "HODGES-LEHMANN"}
        inc_group = {"ATPT": CHANGE, "ESTIMATE": "PROPORTION INCREASED"}
        if n == 0:
            b.add_ci(math.nan, math.nan, math.nan, conf, parameter=marker, group=hl_group)
            b.add_ci(math.nan, math.nan, math.nan, conf, parameter=marker, group=inc_group)
            for statistic in ("n", "statistic", "p_value"):
                b.add(statistic, math.nan, parameter=marker, group=test_group)
            family.append((marker, test_group, math.nan))
            continue
        test = signed_rank_test(pre, post, conf_level=conf)
        methods[marker] = test.method
        ci_methods[marker] = test.ci_method
        b.add_ci(test.estimate, test.lower, test.upper, conf, parameter=marker, group=hl_group)
        inc = proportion_increased(pre, post, conf)
        b.add_ci(inc.estimate, inc.lower, inc.upper, conf, parameter=marker, group=inc_group)
        b.add("n", n - test.n_zero, parameter=marker, group=test_group)
        b.add("statistic", test.statistic, parameter=marker, group=test_group)
        b.add("p_value", test.p_value, parameter=marker, group=test_group)
        family.append((marker, test_group, test.p_value))
    add_adjusted(b, family)
    ard = b.build()
    get = reader(ard, PAIR_ID)

    def per_marker(fn: Callable[[str, Display], str]) -> list[str]:
        return [fn(m, d) for m, d in displays.items()]

    def min_max(m: str, d: Display, atpt: str) -> str:  # as recorded (SAP 6.3)
        return (
            f"{fmt_number(get('min', m, ATPT=atpt), d.decimals)}, "
            f"{fmt_number(get('max', m, ATPT=atpt), d.decimals)}"
        )

    rows: list[list[str]] = [
        ["Patients with both values, n", *per_marker(lambda m, d: f"{count_of(get('N', m))}")]
    ]
    for atpt in TIMEPOINTS:
        rows.append(
            [
                f"{TIMEPOINT_LABEL[atpt]}: median (Q1, Q3)",
                *per_marker(lambda m, d, a=atpt: median_iqr(get, m, d.summary_decimals, ATPT=a)),
            ]
        )
        rows.append(
            [
                f"{TIMEPOINT_LABEL[atpt]}: min, max",
                *per_marker(lambda m, d, a=atpt: min_max(m, d, a)),
            ]
        )
    rows.append(
        [
            "Increased / unchanged / decreased, n",
            *per_marker(
                lambda m, d: " / ".join(
                    str(count_of(get("n", m, ATPT=CHANGE, DIRECTION=k)))
                    for k in ("INCREASED", "UNCHANGED", "DECREASED")
                )
            ),
        ]
    )

    def pct_ci(m: str, group: dict[str, str]) -> str:
        est, lcl, ucl = (get(s, m, **group) for s in ("est", "lcl", "ucl"))
        if math.isnan(est):
            return "NE"
        return (
            f"{fmt_number(100 * est, 1)} ({fmt_number(100 * lcl, 1)}, {fmt_number(100 * ucl, 1)})"
        )

    rows.append(
        [
            f"Increased, % ({pct_label(conf)} CI)",
            *per_marker(
                lambda m, d: pct_ci(m, {"ATPT": CHANGE, "ESTIMATE": "PROPORTION INCREASED"})
            ),
        ]
    )
    rows.append(
        [
            f"Hodges-Lehmann shift ({pct_label(conf)} CI)",
            *per_marker(
                lambda m, d: fmt_est_ci(
                    *(
                        get(s, m, ATPT=CHANGE, ESTIMATE="HODGES-LEHMANN")
                        for s in ("est", "lcl", "ucl")
                    ),
                    d.summary_decimals,
                )
            ),
        ]
    )
    rows.append(
        [
            "Wilcoxon signed-rank p-value",
            *per_marker(lambda m, d: fmt_p(get("p_value", m, **test_group))),
        ]
    )
    rows.append(
        [
            "BH-adjusted p-value",
            *per_marker(lambda m, d: fmt_p(get("p_value_adj", m, **test_group))),
        ]
    )
    normal = [m for m, method in methods.items() if method == "normal"]
    method_note = (
        "Exact conditional p-value given the mid-ranks (all markers have <= 50 non-zero "
        "differences)."
        if not normal
        else f"Normal approximation (> 50 non-zero differences) for {', '.join(normal)}; "
        "exact conditional p-value for the others."
    )
    footnotes = (
        EXPLORATORY,
        "Patients with both a pre-SBRT (biopsy) and a post-SBRT (resected specimen) value; no "
        "imputation. Change = post - pre on the original scale. Quartiles: linear "
        "interpolation (R type 7).",
        "Wilcoxon signed-rank test, two-sided: zero differences dropped (Wilcoxon's method), "
        "tied absolute differences get mid-ranks. " + method_note + " (SAP 7.6)",
        "Hodges-Lehmann shift: median of the Walsh averages of all paired differences (zeros "
        f"included), with the distribution-free {pct_label(conf)} CI from the exact signed-rank "
        "critical values (Hollander, Wolfe and Chicken)" + normal_ci_note(ci_methods) + ".",
        "Increased: post > pre, among all patients with both values; exact Clopper-Pearson CI.",
        "BH family: the signed-rank p-values of the markers in this table.",
    )
    n_fas = len(ad.population("FAS"))
    columns = ["Statistic", *(d.label for d in displays.values())]
    tlf = TLF(
        kind="Table",
        number="14.4.2",
        analysis_set=f"Full analysis set (N = {n_fas}), patients with both values (paired)",
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (PAIR_ID,)),
        analysis_ids=(PAIR_ID,),
        body=body_frame(rows, columns),
    )
    return TLFOutput(tlf, ard)
