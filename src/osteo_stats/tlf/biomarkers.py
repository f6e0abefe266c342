"""Section 14.4: exploratory biomarker tables and figures (SAP 7.6, ARD BMK-*).

Flow: :func:`build_biomarker_tlfs` turns ADBM into one row per FAS patient and marker
(:func:`_marker_values`), runs the statistics of :mod:`osteo_stats.analyse.biomarkers` and
:mod:`osteo_stats.analyse.survival`, writes every number into the ARD, applies the
Benjamini-Hochberg adjustment per family, and only then formats the table bodies -- by reading
the ARD back, so a table can never show a number the ARD does not hold.

Outputs (SAP 11.2, 11.3)

========================  =======================================================  =============
TLF                       content                                                  ARD id
========================  =======================================================  =============
Table 14.4.1              availability per marker and reasons for missing samples   BMK-AVAIL-01
Table 14.4.2              paired change (signed-rank, Hodges-Lehmann, % increased)   BMK-PAIR-01
Table 14.4.3              marker vs pathological good response and ORR              BMK-RESP-01
Table 14.4.4              marker vs EFS (Cox, KM groups with log-rank)              BMK-EFS-01
Figure 14.4.1             paired pre/post values per marker, by response            BMK-PAIR-01
Figure 14.4.2             marker values by pathological response (box plots)        BMK-RESP-01
Figure 14.4.3             KM of EFS by marker group                                 BMK-EFS-01
========================  =======================================================  =============

Group keys used in the ARD (SAP 12.1): ``AVAIL`` (BOTH, PRE ONLY, POST ONLY, NEITHER),
``ATPT`` (PRE-SBRT, POST-SBRT, CHANGE), ``REASON`` (``BMSTAT: BMREASND`` or ``NO RECORD``),
``ENDPOINT`` (GOODRESP, ORR), ``RESPONSE`` (Y, N), ``LEVEL`` (HIGH, LOW: above / at or below
the cut-point), ``TEST`` (SIGNED-RANK, MANN-WHITNEY, FISHER, COX, LOG-RANK), ``ESTIMATE``
(HODGES-LEHMANN, PROPORTION INCREASED, HR), ``DIRECTION`` (INCREASED, UNCHANGED, DECREASED);
KM curves of Figure 14.4.3 use ``STEP`` (row of the KM table) and ``MONTH`` (number at risk).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from osteo_stats.analyse.biomarkers import (
    benjamini_hochberg,
    fisher_exact,
    proportion_increased,
    rank_sum_test,
    signed_rank_test,
)
from osteo_stats.analyse.survival import (
    CoxNotEstimable,
    KaplanMeierResult,
    cox_regression,
    kaplan_meier,
    logrank_test,
)
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.efficacy import compute_aval_days, compute_event_indicator
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.format import fmt_est_ci, fmt_n_pct, fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line
from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

__all__ = ["build_biomarker_tlfs"]

MODULE = "tlf.biomarkers"

AVAIL_ID = "BMK-AVAIL-01"
PAIR_ID = "BMK-PAIR-01"
RESP_ID = "BMK-RESP-01"
EFS_ID = "BMK-EFS-01"

PRE, POST, CHANGE = "PRE-SBRT", "POST-SBRT", "CHANGE"
TIMEPOINTS = (PRE, POST, CHANGE)
TIMEPOINT_LABEL = {PRE: "Pre-SBRT", POST: "Post-SBRT", CHANGE: "Change (post - pre)"}
_COLUMN = {PRE: "PRE", POST: "POST", CHANGE: "CHANGE"}

#: Response endpoints (ENDPOINT key) -> ADSL flag; labels from :func:`_endpoint_label`.
ENDPOINTS: dict[str, str] = {"GOODRESP": "GOODRESP", "ORR": "ORRFL"}


def _endpoint_label(ad: AnalysisData, endpoint: str) -> str:
    if endpoint == "GOODRESP":
        return f"Good pathological response (Huvos {ad.sap.pathology.good_grades_label})"
    return "Objective response (CR or PR)"


AVAIL_CATEGORIES = ("BOTH", "PRE ONLY", "POST ONLY", "NEITHER")
_AVAIL_LABEL = {
    "BOTH": "Both time points",
    "PRE ONLY": "Pre-SBRT only",
    "POST ONLY": "Post-SBRT only",
    "NEITHER": "Neither time point",
}
_MISSING_AT = {"PRE ONLY": (POST,), "POST ONLY": (PRE,), "NEITHER": (PRE, POST)}

EXPLORATORY = (
    "Exploratory analysis (SAP 7.6): p-values are descriptive; Benjamini-Hochberg (BH) "
    "adjustment across markers within each family (SAP 7.7)."
)


# --------------------------------------------------------------------------------------------
# Patient-level input
# --------------------------------------------------------------------------------------------


def _missing_reason(status: object, reason: object, *, no_record: str) -> str:
    if pd.isna(status):
        return no_record
    text = str(reason).strip() if not pd.isna(reason) else ""
    return f"{status}: {text}" if text else f"{status}: REASON NOT RECORDED"


def _marker_values(ad: AnalysisData) -> pd.DataFrame:
    """One row per FAS patient and marker: values (``BMSTAT = DONE`` only) and why missing.

    Columns ``USUBJID, PARAMCD, PRE, POST, CHANGE, PRE_REASON, POST_REASON, AVAIL,
    GOODRESP, ORR`` (the last two boolean). ``*_REASON`` is ``None`` when the value exists,
    else ``"BMSTAT: BMREASND"`` or ``"NO RECORD"`` (no sample row by the cut-off; for the
    post-SBRT sample of a patient whose surgery is pending, ``"NO RECORD: SURGERY PENDING"``).
    Nothing is imputed.
    """
    markers = list(ad.sap.biomarkers.markers)
    fas = ad.population("FAS")
    grid = pd.MultiIndex.from_product([fas["USUBJID"], markers], names=["USUBJID", "PARAMCD"])
    out = grid.to_frame(index=False)
    bm = ad.adbm.set_index(["USUBJID", "PARAMCD", "ATPT"])
    pending = set(fas.loc[fas["SURGOUT"].eq("PENDING"), "USUBJID"])
    for atpt, column in ((PRE, "PRE"), (POST, "POST")):
        # a mask, not xs(): early cut-offs may have no sample at this time point yet
        rows = bm.loc[bm.index.get_level_values("ATPT") == atpt].droplevel("ATPT")
        rows = rows.reindex(grid)
        done = rows["BMSTAT"].eq("DONE").to_numpy()
        out[column] = np.where(done, rows["AVAL"].to_numpy(dtype=float), np.nan)
        reasons = []
        for usubjid, status, reason, ok in zip(
            out["USUBJID"], rows["BMSTAT"], rows["BMREASND"], done, strict=True
        ):
            no_record = "NO RECORD"
            if atpt == POST and usubjid in pending:
                no_record = "NO RECORD: SURGERY PENDING"
            reasons.append(None if ok else _missing_reason(status, reason, no_record=no_record))
        out[f"{column}_REASON"] = reasons
    out["CHANGE"] = out["POST"] - out["PRE"]
    has_pre, has_post = out["PRE"].notna(), out["POST"].notna()
    out["AVAIL"] = np.select(
        [has_pre & has_post, has_pre, has_post], ["BOTH", "PRE ONLY", "POST ONLY"], "NEITHER"
    )
    flags = fas.set_index("USUBJID")
    for endpoint, flag in ENDPOINTS.items():
        out[endpoint] = out["USUBJID"].map(flags[flag].eq("Y")).astype(bool)
    return out


def _recorded_decimals(values: pd.Series | np.ndarray) -> int:
    """Decimals the data are recorded with (SAP 6.3), from the shortest repr; at most 4."""
    places = 0
    for v in np.asarray(values, dtype=float):
        if math.isfinite(v):
            exponent = Decimal(repr(float(v))).normalize().as_tuple().exponent
            places = max(places, -int(exponent) if isinstance(exponent, int) else 0)
    return min(places, 4)


def _summary(values: np.ndarray) -> dict[str, float]:
    """n, median, Q1, Q3 (numpy linear = R type 7, SAP 6.3), min, max; NaN when empty."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"n": 0, **dict.fromkeys(("median", "q1", "q3", "min", "max"), math.nan)}
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    return {"n": v.size, "median": median, "q1": q1, "q3": q3, "min": v.min(), "max": v.max()}


@dataclass(frozen=True)
class _Display:
    """How one marker is shown: label and decimals (recorded; summaries one more)."""

    label: str
    log_transform: bool
    decimals: int

    @property
    def summary_decimals(self) -> int:
        return self.decimals + 1


def _displays(ad: AnalysisData, values: pd.DataFrame) -> dict[str, _Display]:
    out = {}
    for code, marker in ad.sap.biomarkers.markers.items():
        rows = values.loc[values["PARAMCD"].eq(code)]
        decimals = _recorded_decimals(pd.concat([rows["PRE"], rows["POST"]]))
        out[code] = _Display(marker.label, marker.log_transform, decimals)
    return out


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _level(ad: AnalysisData) -> float:
    """The two-sided confidence level of every interval here (SAP 7.1, ``inference.conf_level``)."""
    return ad.sap.inference.conf_level


def _pct(level: float) -> str:
    """``0.95`` -> ``"95%"``."""
    return f"{100 * level:g}%"


def _fas_line(ad: AnalysisData, extra: str = "") -> str:
    n = len(ad.population("FAS"))
    return f"Full analysis set (N = {n}){extra}"


def _reader(ard: ARD, analysis_id: str) -> Callable[..., float]:
    def get(statistic: str, parameter: str, **group: object) -> float:
        return ard.value(analysis_id, statistic, parameter=parameter, group=group or None)

    return get


def _median_iqr(get: Callable[..., float], parameter: str, decimals: int, **group: object) -> str:
    return (
        f"{fmt_number(get('median', parameter, **group), decimals)} "
        f"({fmt_number(get('q1', parameter, **group), decimals)}, "
        f"{fmt_number(get('q3', parameter, **group), decimals)})"
    )


def _count(value: float) -> int:
    return 0 if math.isnan(value) else int(value)


def _fraction(x: float, n: float) -> str:
    """``x/n (pct)`` with SAP 6.3 percent rules; ``0/0`` when the denominator is empty."""
    x, n = _count(x), _count(n)
    if n == 0:
        return "0/0"
    if x == 0:
        return f"0/{n}"
    return f"{x}/{n} (100)" if x == n else f"{x}/{n} ({fmt_number(100 * x / n, 1)})"


def _add_summary(
    b: ARDBuilder, values: np.ndarray, *, parameter: str, group: Mapping[str, object]
) -> None:
    for statistic, value in _summary(values).items():
        b.add(statistic, value, parameter=parameter, group=group)


Family = list[tuple[str, Mapping[str, object], float]]


def _add_adjusted(b: ARDBuilder, family: Family, analysis_set: str | None = None) -> None:
    """BH-adjust one family (SAP 7.6 point 6): entries (marker, group, raw p); NaN stays NaN."""
    adjusted = benjamini_hochberg([p for _, _, p in family])
    for (parameter, group, _), p_adj in zip(family, adjusted, strict=True):
        b.add("p_value_adj", p_adj, parameter=parameter, group=group, analysis_set=analysis_set)


def _dataframe(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


# --------------------------------------------------------------------------------------------
# Table 14.4.1 availability
# --------------------------------------------------------------------------------------------


def _availability_output(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display]
) -> TLFOutput:
    b = ARDBuilder(AVAIL_ID, "Table 14.4.1", "FAS")
    n_fas = len(ad.population("FAS"))
    reason_keys: list[tuple[str, str, str]] = []
    for marker in displays:
        rows = values.loc[values["PARAMCD"].eq(marker)]
        b.add("N", n_fas, parameter=marker)
        for avail in AVAIL_CATEGORIES:
            sub = rows.loc[rows["AVAIL"].eq(avail)]
            b.add("n", len(sub), parameter=marker, group={"AVAIL": avail})
            pct = 100 * len(sub) / n_fas if n_fas else np.nan  # no FAS patient yet
            b.add("pct", pct, parameter=marker, group={"AVAIL": avail})
        for avail, missing in _MISSING_AT.items():
            sub = rows.loc[rows["AVAIL"].eq(avail)]
            for atpt in missing:
                column = f"{_COLUMN[atpt]}_REASON"
                for reason, count in sub[column].value_counts().sort_index().items():
                    key = (avail, atpt, str(reason))
                    if key not in reason_keys:
                        reason_keys.append(key)
                    group = {"AVAIL": avail, "ATPT": atpt, "REASON": reason}
                    b.add("n", count, parameter=marker, group=group)
                    b.add("pct", 100 * count / n_fas, parameter=marker, group=group)
    ard = b.build()
    get = _reader(ard, AVAIL_ID)

    def cell(marker: str, **group: object) -> str:
        try:
            n = _count(get("n", marker, **group))
        except KeyError:  # this reason does not occur for this marker
            n = 0
        return fmt_n_pct(n, n_fas)

    rows_out: list[list[str]] = []
    for avail in AVAIL_CATEGORIES:
        rows_out.append([_AVAIL_LABEL[avail], *(cell(m, AVAIL=avail) for m in displays)])
        for key in sorted(k for k in reason_keys if k[0] == avail):
            _, atpt, reason = key
            label = f"    {TIMEPOINT_LABEL[atpt]} missing: {reason.capitalize()}"
            rows_out.append(
                [label, *(cell(m, AVAIL=avail, ATPT=atpt, REASON=reason) for m in displays)]
            )
    columns = ["Patients with a value", *(f"{d.label} (N = {n_fas})" for d in displays.values())]
    footnotes = (
        EXPLORATORY,
        "A value is available when the sample was analysed (BMSTAT = DONE); pre-SBRT = "
        "diagnostic biopsy, post-SBRT = resected specimen. Missing values are not imputed "
        "(SAP 7.6, 8.2).",
        "Reasons are BMSTAT and BMREASND of the sample record; 'No record' = no sample record "
        "dated on or before the data cut-off.",
        f"Percentages use the FAS (N = {n_fas}) as denominator.",
    )
    tlf = TLF(
        kind="Table",
        number="14.4.1",
        title="Biomarker availability and reasons for missing samples (exploratory)",
        analysis_set=_fas_line(ad),
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (AVAIL_ID,)),
        analysis_ids=(AVAIL_ID,),
        body=_dataframe(rows_out, columns),
    )
    return TLFOutput(tlf, ard)


# --------------------------------------------------------------------------------------------
# Table 14.4.2 paired change
# --------------------------------------------------------------------------------------------


def _paired(ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display]) -> TLFOutput:
    b = ARDBuilder(PAIR_ID, "Table 14.4.2", "FAS-PAIRED")
    conf = _level(ad)
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
            _add_summary(b, pairs[_COLUMN[atpt]].to_numpy(), parameter=marker, group={"ATPT": atpt})
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
    _add_adjusted(b, family)
    ard = b.build()
    get = _reader(ard, PAIR_ID)

    def per_marker(fn: Callable[[str, _Display], str]) -> list[str]:
        return [fn(m, d) for m, d in displays.items()]

    def min_max(m: str, d: _Display, atpt: str) -> str:  # as recorded (SAP 6.3)
        return (
            f"{fmt_number(get('min', m, ATPT=atpt), d.decimals)}, "
            f"{fmt_number(get('max', m, ATPT=atpt), d.decimals)}"
        )

    rows: list[list[str]] = [
        ["Patients with both values, n", *per_marker(lambda m, d: f"{_count(get('N', m))}")]
    ]
    for atpt in TIMEPOINTS:
        rows.append(
            [
                f"{TIMEPOINT_LABEL[atpt]}: median (Q1, Q3)",
                *per_marker(lambda m, d, a=atpt: _median_iqr(get, m, d.summary_decimals, ATPT=a)),
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
                    str(_count(get("n", m, ATPT=CHANGE, DIRECTION=k)))
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
            f"Increased, % ({_pct(conf)} CI)",
            *per_marker(
                lambda m, d: pct_ci(m, {"ATPT": CHANGE, "ESTIMATE": "PROPORTION INCREASED"})
            ),
        ]
    )
    rows.append(
        [
            f"Hodges-Lehmann shift ({_pct(conf)} CI)",
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
        f"included), with the distribution-free {_pct(conf)} CI from the exact signed-rank "
        "critical values (Hollander, Wolfe and Chicken)" + _normal_ci_note(ci_methods) + ".",
        "Increased: post > pre, among all patients with both values; exact Clopper-Pearson CI.",
        "BH family: the signed-rank p-values of the markers in this table.",
    )
    n_fas = len(ad.population("FAS"))
    columns = ["Statistic", *(d.label for d in displays.values())]
    tlf = TLF(
        kind="Table",
        number="14.4.2",
        title="Biomarkers before and after SBRT: paired change (exploratory)",
        analysis_set=f"Full analysis set (N = {n_fas}), patients with both values (paired)",
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (PAIR_ID,)),
        analysis_ids=(PAIR_ID,),
        body=_dataframe(rows, columns),
    )
    return TLFOutput(tlf, ard)


# --------------------------------------------------------------------------------------------
# Table 14.4.3 response
# --------------------------------------------------------------------------------------------


def _normal_ci_note(ci_methods: dict[str, str]) -> str:
    """Footnote clause naming the markers whose CI critical value is asymptotic (SAP 7.6)."""
    normal = sorted({m for m, method in ci_methods.items() if method == "normal"})
    if not normal:
        return ""
    return (
        f"; normal approximation of the critical value (exact computation too costly, "
        f"SAP 7.6) for {', '.join(normal)}"
    )


def _response_population(values: pd.DataFrame, marker: str, atpt: str) -> pd.DataFrame:
    rows = values.loc[values["PARAMCD"].eq(marker)]
    return rows.loc[rows[_COLUMN[atpt]].notna()]


def _response(ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display]) -> TLFOutput:
    b = ARDBuilder(RESP_ID, "Table 14.4.3", "FAS")
    conf = _level(ad)
    families: dict[tuple[str, str, str], Family] = {}
    mw_methods: dict[str, str] = {}
    mw_ci_methods: dict[str, str] = {}
    for endpoint in ENDPOINTS:
        for atpt in TIMEPOINTS:
            for marker in displays:
                pop = _response_population(values, marker, atpt)
                v = pop[_COLUMN[atpt]].to_numpy()
                responder = pop[endpoint].to_numpy()
                base = {"ENDPOINT": endpoint, "ATPT": atpt}
                cut = float(np.median(v)) if v.size else math.nan
                b.add("N", v.size, parameter=marker, group=base)
                b.add("median", cut, parameter=marker, group=base)
                for flag, label in ((True, "Y"), (False, "N")):
                    group = {**base, "RESPONSE": label}
                    _add_summary(b, v[responder == flag], parameter=marker, group=group)

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
        _add_adjusted(b, family)
    ard = b.build()
    get = _reader(ard, RESP_ID)

    rows: list[list[str]] = []
    for endpoint in ENDPOINTS:
        endpoint_label = _endpoint_label(ad, endpoint)
        first = True
        for marker, d in displays.items():
            for atpt in TIMEPOINTS:
                base = {"ENDPOINT": endpoint, "ATPT": atpt}
                dec = d.summary_decimals
                cells = [endpoint_label if first else "", d.label, TIMEPOINT_LABEL[atpt]]
                first = False
                for label in ("Y", "N"):
                    n = _count(get("n", marker, **base, RESPONSE=label))
                    cells.append(str(n))
                    cells.append(
                        _median_iqr(get, marker, dec, **base, RESPONSE=label) if n else "NE"
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
        f"HL difference ({_pct(conf)} CI)",
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
        f"of all pairwise differences) with the order-statistic {_pct(conf)} CI"
        + _normal_ci_note(mw_ci_methods)
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
        title="Biomarkers and response (pathological, ORR) (exploratory)",
        analysis_set=f"Full analysis set (N = {n_fas}), patients with a value",
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (RESP_ID,)),
        analysis_ids=(RESP_ID,),
        body=_dataframe(rows, columns),
        landscape=True,
    )
    return TLFOutput(tlf, ard)


# --------------------------------------------------------------------------------------------
# Table 14.4.4 EFS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EFSData:
    """EFS per patient from enrollment (``pre``) and from the surgery landmark (``landmark``).

    Both frames have ``USUBJID, TIME`` (months) and ``EVENT`` (bool).
    """

    pre: pd.DataFrame
    landmark: pd.DataFrame
    n_operated: int
    n_event_by_surgery: int


def _efs_data(ad: AnalysisData) -> _EFSData:
    """EFS from enrollment, and from a landmark at surgery (SAP 7.6 point 5).

    Landmark: operated FAS patients without an EFS event on or before SURGDT; time
    ``ADT - SURGDT + 1`` days in months. A patient censored before surgery (no assessment after
    it yet) has no follow-up after the landmark and is censored at day 1.
    """
    fas = ad.population("FAS")[["USUBJID", "SURGDT"]]
    efs = ad.adtte.loc[ad.adtte["PARAMCD"].eq("EFS")].merge(fas, on="USUBJID", how="inner")
    event = compute_event_indicator(efs["CNSR"])
    pre = pd.DataFrame(
        {"USUBJID": efs["USUBJID"], "TIME": efs["AVALM"].astype(float), "EVENT": event}
    )
    operated = efs["SURGDT"].notna().to_numpy()
    event_by_surgery = operated & event & (efs["ADT"] <= efs["SURGDT"]).to_numpy()
    keep = operated & ~event_by_surgery
    offset = ad.sap.time.day_one_offset
    days = np.asarray(compute_aval_days(efs["SURGDT"], efs["ADT"], offset), dtype=float)
    days = np.maximum(days, 1.0)  # censored before surgery: censored at day 1 of the landmark
    landmark = pd.DataFrame(
        {
            "USUBJID": efs["USUBJID"].to_numpy()[keep],
            "TIME": days[keep] / ad.sap.time.days_per_month,
            "EVENT": event[keep],
        }
    )
    return _EFSData(pre, landmark, int(operated.sum()), int(event_by_surgery.sum()))


def _covariate(values: pd.DataFrame, atpt: str, log_transform: bool) -> np.ndarray:
    if not log_transform:
        return values[_COLUMN[atpt]].to_numpy(dtype=float)
    if atpt == CHANGE:  # log2 fold change of (value + 1)
        return np.log2(values["POST"].to_numpy(float) + 1) - np.log2(
            values["PRE"].to_numpy(float) + 1
        )
    return np.log2(values[_COLUMN[atpt]].to_numpy(dtype=float) + 1)


def _scale_label(atpt: str, log_transform: bool) -> str:
    if not log_transform:
        return "per unit"
    return "per doubling of (post+1)/(pre+1)" if atpt == CHANGE else "per doubling of (x+1)"


def _fit_cox(frame: pd.DataFrame, conf: float) -> pd.Series | None:
    """The marker term of a one-covariate Cox model; ``None`` when it is not estimable.

    A model that does not converge (e.g. monotone likelihood when the marker separates events
    from non-events) gives HR NE with a footnote; no penalisation is used to force an estimate
    (SAP 7.4, applied to SAP 7.6).
    """
    try:
        fit = cox_regression(frame, "TIME", "EVENT", ["X"], conf_level=conf)
    except CoxNotEstimable:
        return None
    return fit.table.iloc[0]


def _efs(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display]
) -> tuple[TLFOutput, ARD, dict[tuple[str, str], dict[str, KaplanMeierResult]]]:
    efs = _efs_data(ad)
    b = ARDBuilder(EFS_ID, "Table 14.4.4", "FAS")
    conf = _level(ad)
    fig = ARDBuilder(EFS_ID, "Figure 14.4.3", "FAS")
    curves: dict[tuple[str, str], dict[str, KaplanMeierResult]] = {}
    families: dict[tuple[str, str], Family] = {}
    not_converged: list[str] = []
    for atpt in TIMEPOINTS:
        origin = efs.pre if atpt == PRE else efs.landmark
        aset = "FAS" if atpt == PRE else "FAS-LANDMARK"
        for marker, d in displays.items():
            rows = values.loc[values["PARAMCD"].eq(marker) & values[_COLUMN[atpt]].notna()]
            data = rows.merge(origin, on="USUBJID", how="inner")
            x = _covariate(data, atpt, d.log_transform)
            base = {"ATPT": atpt}
            n, events = len(data), int(data["EVENT"].sum())
            cut = float(np.median(data[_COLUMN[atpt]])) if n else math.nan
            b.add("N", n, parameter=marker, group=base, analysis_set=aset)
            b.add("events", events, parameter=marker, group=base, analysis_set=aset)
            b.add("median", cut, parameter=marker, group=base, analysis_set=aset)

            cox_group = {**base, "TEST": "COX"}
            coef = se = hr = lcl = ucl = p_cox = math.nan
            if events > 0 and n > 1 and np.ptp(x) > 0:
                frame = pd.DataFrame({"TIME": data["TIME"], "EVENT": data["EVENT"], "X": x})
                term = _fit_cox(frame, conf)
                if term is None:
                    not_converged.append(f"{marker} {TIMEPOINT_LABEL[atpt].lower()}")
                else:
                    coef, se, p_cox = term["coef"], term["se"], term["p"]
                    hr, lcl, ucl = term["hr"], term["hr_lower"], term["hr_upper"]
            b.add("coef", coef, parameter=marker, group=cox_group, analysis_set=aset)
            b.add("se", se, parameter=marker, group=cox_group, analysis_set=aset)
            b.add_ci(hr, lcl, ucl, conf, parameter=marker, group=cox_group, analysis_set=aset)
            b.add("p_value", p_cox, parameter=marker, group=cox_group, analysis_set=aset)
            families.setdefault((atpt, "COX"), []).append((marker, cox_group, p_cox))

            level = np.where(data[_COLUMN[atpt]].to_numpy(float) > cut, "HIGH", "LOW")
            groups: dict[str, KaplanMeierResult] = {}
            for name in ("HIGH", "LOW"):
                mask = level == name
                group = {**base, "LEVEL": name}
                b.add("n", int(mask.sum()), parameter=marker, group=group, analysis_set=aset)
                b.add(
                    "events",
                    int(data["EVENT"].to_numpy()[mask].sum()),
                    parameter=marker,
                    group=group,
                    analysis_set=aset,
                )
                if mask.any():
                    km = kaplan_meier(data["TIME"].to_numpy()[mask], data["EVENT"].to_numpy()[mask])
                    groups[name] = km
                    _add_curve(fig, km, marker=marker, group=group, analysis_set=aset)
            curves[(marker, atpt)] = groups
            lr_group = {**base, "TEST": "LOG-RANK"}
            chi2 = df = p_lr = math.nan
            if len(groups) == 2 and events > 0:
                lr = logrank_test(data["TIME"], data["EVENT"], level)
                chi2, df, p_lr = lr.chi2, lr.df, lr.p
            b.add("statistic", chi2, parameter=marker, group=lr_group, analysis_set=aset)
            b.add("df", df, parameter=marker, group=lr_group, analysis_set=aset)
            b.add("p_value", p_lr, parameter=marker, group=lr_group, analysis_set=aset)
            families.setdefault((atpt, "LOG-RANK"), []).append((marker, lr_group, p_lr))
    for (atpt, _), family in families.items():
        _add_adjusted(b, family, "FAS" if atpt == PRE else "FAS-LANDMARK")
    ard = b.build()
    get = _reader(ard, EFS_ID)

    rows: list[list[str]] = []
    for marker, d in displays.items():
        for atpt in TIMEPOINTS:
            base = {"ATPT": atpt}
            origin = "enrollment" if atpt == PRE else "surgery"
            cox = {**base, "TEST": "COX"}
            lr = {**base, "TEST": "LOG-RANK"}
            cells = [
                d.label,
                f"{TIMEPOINT_LABEL[atpt]} (from {origin})",
                f"{_count(get('N', marker, **base))} ({_count(get('events', marker, **base))})",
                _scale_label(atpt, d.log_transform),
                fmt_est_ci(*(get(s, marker, **cox) for s in ("est", "lcl", "ucl")), 2),
                fmt_p(get("p_value", marker, **cox)),
                fmt_p(get("p_value_adj", marker, **cox)),
                fmt_number(get("median", marker, **base), d.summary_decimals),
            ]
            for level in ("HIGH", "LOW"):
                group = {**base, "LEVEL": level}
                n, events = get("n", marker, **group), get("events", marker, **group)
                cells.append(f"{_count(n)} ({_count(events)})")
            cells += [fmt_p(get("p_value", marker, **lr)), fmt_p(get("p_value_adj", marker, **lr))]
            rows.append(cells)
    columns = [
        "Marker",
        "Time point (time origin)",
        "n (events)",
        "Cox covariate",
        f"HR ({_pct(conf)} CI)",
        "Cox p",
        "Cox p, BH",
        "Cut-point (median)",
        "High: n (events)",
        "Low: n (events)",
        "Log-rank p",
        "Log-rank p, BH",
    ]
    n_fas = len(ad.population("FAS"))
    log_markers = [m for m, d in displays.items() if d.log_transform]
    footnotes = [
        EXPLORATORY,
        "Pre-SBRT values: EFS from enrollment, FAS patients with a value. Post-SBRT values and "
        "changes are measured on the resected specimen, after the time origin; to avoid "
        "immortal-time bias they are analysed from a landmark at surgery: operated patients "
        "without an EFS event on or before the surgery date, time = EFS date - surgery date + "
        f"1 day, in months (SAP 7.6 point 5). Landmark set: {len(efs.landmark)} of "
        f"{efs.n_operated} operated patients ({efs.n_event_by_surgery} had an EFS event, e.g. "
        "incomplete resection, on or before surgery). A patient censored before surgery is "
        "censored at day 1 of the landmark.",
        "Cox proportional hazards model per marker (Efron ties), marker as a continuous "
        f"covariate; Wald {_pct(conf)} CI and p-value. "
        + (
            f"Log-transformed markers ({', '.join(log_markers)}) enter as log2(value + 1) "
            "(HR per doubling) and their change as the log2 fold change "
            "log2(post + 1) - log2(pre + 1). "
            if log_markers
            else ""
        )
        + "Other markers: HR per unit, change = post - pre.",
        "KM groups: high = strictly above the median of the patients in the analysis, low = at "
        "or below (cut-point fixed by SAP 7.6 point 4). Log-rank test (rho = 0), two-sided.",
        "BH families: one per time point and test (three markers each).",
        "NE: not estimable (no events, no variation in the marker, or one group empty).",
    ]
    if not_converged:
        footnotes.append(f"Cox model did not converge (HR NE): {', '.join(not_converged)}.")
    tlf = TLF(
        kind="Table",
        number="14.4.4",
        title="Biomarkers and EFS (Cox, log-rank) (exploratory)",
        analysis_set=(
            f"Full analysis set (N = {n_fas}); landmark at surgery (n = {len(efs.landmark)})"
        ),
        footnotes=tuple(footnotes),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (EFS_ID,)),
        analysis_ids=(EFS_ID,),
        body=_dataframe(rows, columns),
        landscape=True,
    )
    return TLFOutput(tlf, ard), fig.build(), curves


def _add_curve(
    b: ARDBuilder,
    km: KaplanMeierResult,
    *,
    marker: str,
    group: Mapping[str, object],
    analysis_set: str,
) -> None:
    """The KM step table behind Figure 14.4.3, one ``STEP`` per distinct time."""
    table = km.table
    for i, row in enumerate(table.itertuples(index=False)):
        step = {**group, "STEP": i + 1}
        for statistic, value in (
            ("time", row.time),
            ("n_risk", row.n_risk),
            ("events", row.n_event),
            ("censored", row.n_censor),
            ("surv", row.surv),
        ):
            b.add(statistic, value, parameter=marker, group=step, analysis_set=analysis_set)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

_RESPONSE_COLOUR = {True: PALETTE["orange"], False: PALETTE["blue"]}
_LOG_TICKS = (0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000)


def _set_marker_scale(axes: Axes, d: _Display, top: float) -> None:
    """A log2(x + 1) y-axis for log-transformed markers, ticks in original units up to ``top``."""
    if not d.log_transform:
        return

    def forward(v: np.ndarray) -> np.ndarray:
        return np.log2(np.maximum(v, 0) + 1)

    def inverse(v: np.ndarray) -> np.ndarray:
        return np.power(2.0, v) - 1

    axes.set_yscale("function", functions=(forward, inverse))
    ticks = [t for t in _LOG_TICKS if t <= 1.3 * max(top, 1)]
    axes.set_yticks(ticks, [str(t) for t in ticks])


def _spread(values: np.ndarray, width: float = 0.22) -> np.ndarray:
    """Deterministic horizontal offsets so that equal values (counts) do not hide each other."""
    offsets = np.zeros(values.size)
    for value in np.unique(values):
        idx = np.flatnonzero(values == value)
        if idx.size > 1:
            offsets[idx] = np.linspace(-width / 2, width / 2, idx.size) * min(1.0, idx.size / 8)
    return offsets


def _p_text(get: Callable[..., float], marker: str, **group: object) -> str:
    """``p = 0.123 (BH 0.369)``, ``p < 0.001 (BH < 0.001)`` from the ARD."""

    def show(p: float) -> str:
        text = fmt_p(p)
        return text.replace("<", "< ").replace(">", "> ") if text[0] in "<>" else f"= {text}"

    raw, adj = get("p_value", marker, **group), get("p_value_adj", marker, **group)
    return f"p {show(raw)} (BH {show(adj).removeprefix('= ')})"


def _figure_paired(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display], pair: TLFOutput
) -> TLFOutput:
    get = _reader(pair.ard, PAIR_ID)
    with figure_style():
        figure = new_figure(7.0, 3.9)
        axes_all = figure.subplots(1, len(displays), squeeze=False)[0]
        for axes, (marker, d) in zip(axes_all, displays.items(), strict=True):
            pairs = values.loc[values["PARAMCD"].eq(marker) & values["AVAIL"].eq("BOTH")]
            for responder in (False, True):  # responders drawn on top, more opaque
                sub = pairs.loc[pairs["GOODRESP"].eq(responder)]
                colour = _RESPONSE_COLOUR[responder]
                pre, post = sub["PRE"].to_numpy(float), sub["POST"].to_numpy(float)
                x0, x1 = _spread(pre), 1 + _spread(post)
                for segment in zip(x0, x1, pre, post, strict=True):
                    axes.plot(
                        segment[:2],
                        segment[2:],
                        color=colour,
                        alpha=0.9 if responder else 0.45,
                        lw=1.3 if responder else 0.8,
                        marker="o",
                        ms=3,
                        zorder=3 if responder else 2,
                    )
            for x, atpt in ((0, PRE), (1, POST)):
                median = get("median", marker, ATPT=atpt)
                axes.plot(
                    [x - 0.3, x + 0.3], [median, median], color=PALETTE["black"], lw=2.4, zorder=4
                )
            axes.set_xticks([0, 1], ["Pre-SBRT\n(biopsy)", "Post-SBRT\n(resection)"])
            axes.set_xlim(-0.5, 1.5)
            top = float(np.nanmax(pairs[["PRE", "POST"]].to_numpy(float), initial=0.0))
            _set_marker_scale(axes, d, top)
            axes.set_title(
                f"{d.label}\nn = {_count(get('N', marker))} pairs\nsigned-rank "
                + _p_text(get, marker, ATPT=CHANGE, TEST="SIGNED-RANK"),
                fontsize=8,
            )
        handles = [
            Line2D([], [], color=colour, marker="o", ms=3, lw=1.0, label=label)
            for label, colour in (
                (_endpoint_label(ad, "GOODRESP"), _RESPONSE_COLOUR[True]),
                ("No good pathological response", _RESPONSE_COLOUR[False]),
            )
        ] + [Line2D([], [], color=PALETTE["black"], lw=2.4, label="Median")]
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        figure.suptitle("Exploratory: paired pre- and post-SBRT values", fontsize=9.5)
        svg = figure_to_svg(figure)
    log_labels = [d.label for d in displays.values() if d.log_transform]
    tlf = TLF(
        kind="Figure",
        number="14.4.1",
        title="Paired pre/post values per marker, by response (exploratory)",
        analysis_set=f"{_fas_line(ad)}, patients with both values (paired)",
        footnotes=(
            EXPLORATORY,
            "One line per patient from the pre-SBRT biopsy to the resected specimen, coloured by "
            f"pathological response (Huvos {ad.sap.pathology.good_grades_label} = good). Black "
            "bars: medians. Points with equal values are spread horizontally."
            + (f" On a log2(x + 1) axis: {', '.join(log_labels)}." if log_labels else ""),
            "p: Wilcoxon signed-rank test of the change (Table 14.4.2); BH: adjusted across "
            "markers.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (PAIR_ID,)),
        analysis_ids=(PAIR_ID,),
        svg=svg,
    )
    return TLFOutput(tlf, ARD.concat([]))


def _figure_boxes(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, _Display], resp: TLFOutput
) -> TLFOutput:
    get = _reader(resp.ard, RESP_ID)
    colours = (_RESPONSE_COLOUR[True], _RESPONSE_COLOUR[False])
    with figure_style():
        figure = new_figure(7.0, 8.0)
        grid = figure.subplots(len(displays), len(TIMEPOINTS), squeeze=False)
        for r, (marker, d) in enumerate(displays.items()):
            for c, atpt in enumerate(TIMEPOINTS):
                axes = grid[r, c]
                pop = _response_population(values, marker, atpt)
                samples = [
                    pop.loc[pop["GOODRESP"].eq(flag), _COLUMN[atpt]].to_numpy(float)
                    for flag in (True, False)
                ]
                nonempty = [i for i, s in enumerate(samples) if s.size]
                if nonempty:
                    boxes = axes.boxplot(
                        [samples[i] for i in nonempty],
                        positions=nonempty,
                        widths=0.5,
                        showfliers=False,
                        patch_artist=True,
                        medianprops={"color": PALETTE["black"], "lw": 1.5},
                    )
                    for patch, i in zip(boxes["boxes"], nonempty, strict=True):
                        patch.set_facecolor(colours[i])
                        patch.set_alpha(0.35)
                for i, s in enumerate(samples):
                    axes.scatter(i + _spread(s, 0.35), s, s=7, color=colours[i], zorder=3)
                axes.set_xticks(
                    [0, 1], [f"Good\nn = {samples[0].size}", f"Other\nn = {samples[1].size}"]
                )
                axes.set_xlim(-0.6, 1.6)
                if atpt == CHANGE:
                    axes.axhline(0, color=PALETTE["grey"], lw=0.7, ls="--")
                else:
                    top = max((float(s.max()) for s in samples if s.size), default=0.0)
                    _set_marker_scale(axes, d, top)
                p_line = "MW " + _p_text(
                    get, marker, ENDPOINT="GOODRESP", ATPT=atpt, TEST="MANN-WHITNEY"
                )
                if r == 0:
                    axes.set_title(f"{TIMEPOINT_LABEL[atpt]}\n{p_line}", fontsize=8)
                else:
                    axes.set_title(p_line, fontsize=7)
                if c == 0:
                    axes.set_ylabel(d.label, fontsize=8)
                axes.tick_params(labelsize=7)
        figure.suptitle(
            "Exploratory: marker values by pathological response "
            f"(Huvos {ad.sap.pathology.good_grades_label} = good)",
            fontsize=9.5,
        )
        svg = figure_to_svg(figure)
    log_labels = [d.label for d in displays.values() if d.log_transform]
    tlf = TLF(
        kind="Figure",
        number="14.4.2",
        title="Marker values by response (exploratory)",
        analysis_set=f"{_fas_line(ad)}, patients with a value",
        footnotes=(
            EXPLORATORY,
            "Boxes: median and quartiles; whiskers to the most extreme value within 1.5 IQR of "
            "the box; every patient is shown as a point. Good = good pathological response "
            f"(Huvos {ad.sap.pathology.good_grades_label}); other = Huvos "
            f"{ad.sap.pathology.other_grades_label} or no surgery."
            + (
                f" Pre- and post-SBRT on a log2(x + 1) axis: {', '.join(log_labels)}."
                if log_labels
                else ""
            ),
            "MW p: exact Mann-Whitney test (Table 14.4.3); BH: adjusted across markers. "
            "Association with ORR: Table 14.4.3.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (RESP_ID,)),
        analysis_ids=(RESP_ID,),
        svg=svg,
    )
    return TLFOutput(tlf, ARD.concat([]))


def _risk_times(max_time: float) -> np.ndarray:
    """Number-at-risk times: every 6 months (12 beyond 36), up to the last follow-up."""
    step = 6.0 if max_time <= 36 else 12.0
    end = step * max(1, math.ceil(max_time / step))
    return np.arange(0.0, end + 1e-9, step)


def _figure_km(
    ad: AnalysisData,
    displays: dict[str, _Display],
    efs: TLFOutput,
    curve_ard: ARD,
    curves: dict[tuple[str, str], dict[str, KaplanMeierResult]],
) -> TLFOutput:
    get = _reader(efs.ard, EFS_ID)
    colours = {"HIGH": PALETTE["red"], "LOW": PALETTE["blue"]}
    risk_rows = ARDBuilder(EFS_ID, "Figure 14.4.3", "FAS")
    with figure_style():
        figure = new_figure(7.0, 9.5)
        outer = figure.add_gridspec(
            2 * len(displays), len(TIMEPOINTS), height_ratios=[4, 1.1] * len(displays)
        )
        for r, (marker, d) in enumerate(displays.items()):
            for c, atpt in enumerate(TIMEPOINTS):
                aset = "FAS" if atpt == PRE else "FAS-LANDMARK"
                origin = "enrollment" if atpt == PRE else "surgery"
                axes = figure.add_subplot(outer[2 * r, c])
                risk = figure.add_subplot(outer[2 * r + 1, c], sharex=axes)
                groups = curves[(marker, atpt)]
                last = max((float(km.time[-1]) for km in groups.values()), default=12.0)
                times = _risk_times(last)
                for row, level in enumerate(("HIGH", "LOW")):
                    km = groups.get(level)
                    if km is None:
                        continue
                    axes.step(
                        np.concatenate(([0.0], km.time)),
                        np.concatenate(([1.0], km.surv)),
                        where="post",
                        color=colours[level],
                        lw=1.2,
                    )
                    censored = km.n_censor > 0
                    axes.plot(
                        km.time[censored],
                        km.surv[censored],
                        ls="none",
                        marker="|",
                        ms=5,
                        color=colours[level],
                    )
                    at_risk = km.survival_at(times)["n_risk"].to_numpy()
                    for month, count in zip(times, at_risk, strict=True):
                        risk_rows.add(
                            "n_risk",
                            count,
                            parameter=marker,
                            group={"ATPT": atpt, "LEVEL": level, "MONTH": f"{month:g}"},
                            analysis_set=aset,
                        )
                        risk.text(
                            month,
                            1 - row,
                            str(int(count)),
                            ha="center",
                            va="center",
                            fontsize=6.5,
                            color=colours[level],
                        )
                span = times[-1]
                axes.set_xlim(-0.05 * span, span * 1.03)
                axes.set_xticks(times)
                axes.set_ylim(0, 1.03)
                axes.tick_params(labelbottom=False, labelsize=6.5)
                risk.set_ylim(-0.6, 1.6)
                risk.set_yticks([1, 0], ["High", "Low"] if c == 0 else ["", ""], fontsize=6.5)
                risk.tick_params(axis="y", length=0, pad=6)
                risk.tick_params(axis="x", labelsize=6.5, length=2)
                for spine in ("left", "top", "right"):
                    risk.spines[spine].set_visible(False)
                if c == 0:
                    axes.set_ylabel(f"{d.label.split(' (')[0]}\nEFS probability", fontsize=7.5)
                    risk.set_title("Number at risk", fontsize=6.5, loc="left", pad=1)
                if r == 0:
                    axes.set_title(f"{TIMEPOINT_LABEL[atpt]}\n(from {origin})", fontsize=8.5)
                if r == len(displays) - 1:
                    risk.set_xlabel(f"Months from {origin}", fontsize=7)
                cut = fmt_number(get("median", marker, ATPT=atpt), d.summary_decimals)
                axes.text(
                    0.03,
                    0.03,
                    f"cut-point {cut}\nlog-rank "
                    + _p_text(get, marker, ATPT=atpt, TEST="LOG-RANK"),
                    transform=axes.transAxes,
                    ha="left",
                    va="bottom",
                    fontsize=6.2,
                )
        handles = [
            Line2D([], [], color=colours["HIGH"], lw=1.2, label="High (above the median)"),
            Line2D([], [], color=colours["LOW"], lw=1.2, label="Low (at or below the median)"),
            Line2D([], [], color=PALETTE["grey"], ls="none", marker="|", label="Censored"),
        ]
        figure.legend(
            handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=7.5
        )
        figure.suptitle("Exploratory: Kaplan-Meier estimates of EFS by marker group", fontsize=9.5)
        svg = figure_to_svg(figure)
    tlf = TLF(
        kind="Figure",
        number="14.4.3",
        title="Kaplan-Meier plot of EFS by marker group (exploratory)",
        analysis_set=f"{_fas_line(ad)}; landmark at surgery for post-SBRT values and changes",
        footnotes=(
            EXPLORATORY,
            "Groups split at the median of the patients in each analysis (high = above, low = "
            "at or below; SAP 7.6 point 4). Pre-SBRT: EFS from enrollment. Post-SBRT and "
            "change: landmark analysis from surgery among operated patients without an EFS "
            "event on or before surgery (Table 14.4.4). Numbers at risk below each panel.",
            "p: log-rank test (Table 14.4.4); BH: adjusted across markers.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (EFS_ID,)),
        analysis_ids=(EFS_ID,),
        svg=svg,
    )
    return TLFOutput(tlf, ARD.concat([curve_ard, risk_rows.build()]))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def build_biomarker_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.4.1-14.4.4 and Figures 14.4.1-14.4.3 (SAP 7.6, 11), all exploratory.

    Parameters
    ----------
    ad : AnalysisData
        The analysis datasets at the cut-off (ADSL, ADTTE and ADBM are used).

    Returns
    -------
    list of TLFOutput
        Tables first, then figures, each with the ARD rows it shows (ids BMK-AVAIL-01,
        BMK-PAIR-01, BMK-RESP-01, BMK-EFS-01).
    """
    values = _marker_values(ad)
    displays = _displays(ad, values)
    availability = _availability_output(ad, values, displays)
    pair = _paired(ad, values, displays)
    resp = _response(ad, values, displays)
    efs, curve_ard, curves = _efs(ad, values, displays)
    return [
        availability,
        pair,
        resp,
        efs,
        _figure_paired(ad, values, displays, pair),
        _figure_boxes(ad, values, displays, resp),
        _figure_km(ad, displays, efs, curve_ard, curves),
    ]
