"""Disposition, analysis sets, accrual, baseline, exposure and surgery TLFs (SAP 7.8, 9.5).

Every number is first recorded in the ARD (SAP 12) and the table body is then formatted from
those ARD rows, looked up by (analysis id, parameter, group, statistic); nothing is counted a
second time while formatting.

Tables 14.1.1-14.1.7 and Figure 14.1.1, and the patient listings behind them: 16.2.1
(discontinued patients), 16.2.2 (eligibility deviations and analysis-set exclusions), 16.2.4
(baseline data) and 16.2.5 (study treatment administration). Listings show records, not
statistics: their ARD is empty and their source line says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.baseline import (
    AGE_ABOVE,
    AGE_BELOW,
    ECOG,
    LANSKY,
    PS_SCALE,
    age_group_codes,
    compute_age_group,
    eligibility_deviations,
)
from osteo_stats.derive.treatment import (
    CYCLED_DRUGS,
    OPERATED_OUTCOMES,
    administered,
    completed_preop,
    cycle_delays,
    last_dose,
    operated,
    pps_exclusion_reason,
    started_postop,
)
from osteo_stats.tlf.ard import ARD, ARDBuilder, ARDView
from osteo_stats.tlf.format import fmt_n_pct, fmt_number
from osteo_stats.tlf.model import TLF, TLFOutput, patient_listing, source_line
from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

__all__ = ["build_disposition_tlfs"]

_MODULE = "tlf.disposition"
_SURGNDRS = ("PROGRESSION", "TOXICITY", "WITHDRAWAL", "DEATH", "OTHER")
_DCSREAS = (
    "PROGRESSIVE DISEASE",
    "ADVERSE EVENT",
    "DEATH",
    "WITHDRAWAL BY SUBJECT",
    "LOST TO FOLLOW-UP",
    "PHYSICIAN DECISION",
    "OTHER",
)
#: Study treatments and the phases the protocol gives them (TRIAL.md, SAP 1.3).
_TREATMENT_PHASES = {
    "SBRT": ("PRE-OPERATIVE",),
    "GEMCITABINE": ("PRE-OPERATIVE", "POST-OPERATIVE"),
    "PENPULIMAB": ("PRE-OPERATIVE", "POST-OPERATIVE", "MAINTENANCE"),
}
_DISPLAY = {
    "SBRT": "SBRT",
    "GEMCITABINE": "Gemcitabine",
    "PENPULIMAB": "Penpulimab",
    "PRE-OPERATIVE": "Pre-operative",
    "POST-OPERATIVE": "Post-operative",
    "MAINTENANCE": "Maintenance",
}
Group = Mapping[str, object] | None


# --- ARD helpers -----------------------------------------------------------------------------


def _add_n_pct(
    b: ARDBuilder,
    n: int,
    denominator: int,
    *,
    parameter: str,
    group: Group,
    analysis_set: str | None = None,
) -> None:
    b.add("n", int(n), parameter=parameter, group=group, analysis_set=analysis_set)
    pct = 100.0 * n / denominator if denominator > 0 else math.nan
    b.add("pct", pct, parameter=parameter, group=group, analysis_set=analysis_set)


def _add_continuous(
    b: ARDBuilder,
    values: pd.Series,
    *,
    parameter: str,
    group: Group = None,
    analysis_set: str | None = None,
) -> None:
    """n, mean, SD, median, Q1, Q3 (numpy linear = R type 7, SAP 6.3), min, max."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    n = v.size
    stats = {
        "n": n,
        "mean": v.mean() if n else math.nan,
        "sd": v.std(ddof=1) if n > 1 else math.nan,
        "median": np.median(v) if n else math.nan,
        "q1": np.quantile(v, 0.25) if n else math.nan,
        "q3": np.quantile(v, 0.75) if n else math.nan,
        "min": v.min() if n else math.nan,
        "max": v.max() if n else math.nan,
    }
    for name, value in stats.items():
        b.add(name, value, parameter=parameter, group=group, analysis_set=analysis_set)


def _continuous_rows(
    view: ARDView, parameter: str, decimals: int, group: Group = None
) -> list[tuple[str, str]]:
    """SAP 6.3 display: mean, median, quartiles +1 decimal, SD +2, min/max as recorded."""

    def g(stat: str, extra: int = 0) -> str:
        return fmt_number(view.get(parameter, stat, group), decimals + extra)

    return [
        ("n", str(view.count(parameter, group))),
        ("Mean (SD)", f"{g('mean', 1)} ({g('sd', 2)})"),
        ("Median", g("median", 1)),
        ("Q1, Q3", f"{g('q1', 1)}, {g('q3', 1)}"),
        ("Min, Max", f"{g('min')}, {g('max')}"),
    ]


def _population(name: str, n: int) -> str:
    return f"{name} (N = {n})"


def _set_name(code: str) -> str:
    return {"FAS": "Full analysis set", "SAF": "Safety analysis set"}[code]


def _yes(series: pd.Series) -> pd.Series:
    return series.eq("Y")


def _table(
    ad: AnalysisData,
    number: str,
    title: str,
    analysis_set: str,
    footnotes: Sequence[str],
    analysis_id: str,
    body: pd.DataFrame,
    ard: ARD,
    *,
    landscape: bool = False,
) -> TLFOutput:
    tlf = TLF(
        kind="Table",
        number=number,
        title=title,
        analysis_set=analysis_set,
        footnotes=tuple(footnotes),
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, (analysis_id,)),
        analysis_ids=(analysis_id,),
        body=body,
        landscape=landscape,
    )
    return TLFOutput(tlf, ard)


def _body(rows: list[tuple[str, str]], header: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Category", header], dtype=object)


# --- Table 14.1.1 disposition ----------------------------------------------------------------


def _disposition(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "DSP-DISP-01", "DISPOSITION"
    adsl = ad.population("FAS")
    n_fas = len(adsl)
    b = ARDBuilder(aid, "Table 14.1.1", "FAS")
    b.add("N", n_fas, parameter=parameter)

    surgout, ndrs, eos, dcs = adsl["SURGOUT"], adsl["SURGNDRS"], adsl["EOSSTT"], adsl["DCSREAS"]
    # (label, group, patients) in display order; patients=None is a heading without a count.
    specs: list[tuple[str, dict[str, str], pd.Series]] = [
        ("Enrolled", {"CATEGORY": "ENROLLED"}, pd.Series(True, index=adsl.index)),
        ("Treated (safety analysis set)", {"CATEGORY": "TREATED"}, in_population(adsl, "SAF")),
        (
            "Completed pre-operative therapy",
            {"CATEGORY": "COMPLETED PRE-OPERATIVE THERAPY"},
            completed_preop(adsl, ad.adex, ad.sap.schedule),
        ),
        ("Operated", {"CATEGORY": "OPERATED"}, operated(adsl)),
    ]
    specs += [
        (f"  {code} resection", {"CATEGORY": "OPERATED", "SURGOUT": code}, surgout.eq(code))
        for code in OPERATED_OUTCOMES
    ]
    specs.append(("Surgery not done", {"CATEGORY": "SURGERY NOT DONE"}, surgout.eq("NOT DONE")))
    reasons = list(_SURGNDRS) + sorted(set(ndrs.dropna()[surgout.eq("NOT DONE")]) - set(_SURGNDRS))
    specs += [
        (
            f"  {reason.capitalize()}",
            {"CATEGORY": "SURGERY NOT DONE", "SURGNDRS": reason},
            surgout.eq("NOT DONE") & ndrs.eq(reason),
        )
        for reason in reasons
    ]
    specs += [
        ("Surgery pending at cut-off", {"CATEGORY": "SURGERY PENDING"}, surgout.eq("PENDING")),
        (
            "Started post-operative therapy",
            {"CATEGORY": "STARTED POST-OPERATIVE THERAPY"},
            started_postop(adsl, ad.adex),
        ),
        ("Study status: ongoing", {"CATEGORY": "ONGOING"}, eos.eq("ONGOING")),
        ("Study status: completed", {"CATEGORY": "COMPLETED"}, eos.eq("COMPLETED")),
        ("Study status: discontinued", {"CATEGORY": "DISCONTINUED"}, eos.eq("DISCONTINUED")),
    ]
    dc_reasons = list(_DCSREAS) + sorted(set(dcs.dropna()[eos.eq("DISCONTINUED")]) - set(_DCSREAS))
    specs += [
        (
            f"  {reason.capitalize()}",
            {"CATEGORY": "DISCONTINUED", "DCSREAS": reason},
            eos.eq("DISCONTINUED") & dcs.eq(reason),
        )
        for reason in dc_reasons
    ]
    for _, group, mask in specs:
        _add_n_pct(b, int(mask.sum()), n_fas, parameter=parameter, group=group)
    ard = b.build()

    view = ARDView(ard, aid)
    n = view.count(parameter, statistic="N")
    rows = [(label, fmt_n_pct(view.count(parameter, group), n)) for label, group, _ in specs]
    footnotes = (
        "Percentages use the number of enrolled patients (FAS N) as denominator (SAP 6.4).",
        "Completed pre-operative therapy: all "
        f"{ad.sap.schedule.sbrt_fractions} SBRT fractions delivered and gemcitabine and "
        f"penpulimab given in each of the {ad.sap.schedule.preop_cycles} pre-operative cycles "
        "(ADEX, EXDOSE > 0).",
        "Started post-operative therapy: any post-operative or maintenance administration "
        "with EXDOSE > 0.",
        "Surgery pending: surgery not done by the data cut-off (SAP 6.2). Discontinued: "
        "reason as recorded (DCSREAS).",
    )
    return _table(
        ad,
        "14.1.1",
        "Patient disposition",
        _population(_set_name("FAS"), n),
        footnotes,
        aid,
        _body(rows, "n (%)"),
        ard,
    )


# --- Table 14.1.2 analysis sets --------------------------------------------------------------


def _analysis_sets(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "DSP-SETS-01", "ANALYSIS SET"
    adsl = ad.adsl
    fas = in_population(adsl, "FAS")
    n_fas = int(fas.sum())
    saf, pps = in_population(adsl, "SAF") & fas, in_population(adsl, "PPS") & fas
    op = operated(adsl)
    b = ARDBuilder(aid, "Table 14.1.2", "FAS")
    b.add("N", n_fas, parameter=parameter)
    specs: list[tuple[str, dict[str, str], pd.Series]] = [
        ("Full analysis set (FAS)", {"SET": "FAS"}, fas),
        ("Safety analysis set (SAF)", {"SET": "SAF"}, saf),
        ("  Excluded from SAF: no study treatment", {"SET": "SAF", "EXCLUDED": "NOT TREATED"},
         fas & ~saf),
        ("Per-protocol set (PPS)", {"SET": "PPS"}, pps),
        ("  Excluded from PPS: not operated (surgery not done or pending)",
         {"SET": "PPS", "EXCLUDED": "NOT OPERATED"}, fas & ~pps & ~op),
        ("  Excluded from PPS: operated, incomplete pre-operative therapy or major deviation",
         {"SET": "PPS", "EXCLUDED": "DEVIATION"}, fas & ~pps & op),
    ]  # fmt: skip
    for _, group, mask in specs:
        _add_n_pct(b, int(mask.sum()), n_fas, parameter=parameter, group=group)
    ard = b.build()
    view = ARDView(ard, aid)
    n = view.count(parameter, statistic="N")
    rows = [(label, fmt_n_pct(view.count(parameter, group), n)) for label, group, _ in specs]
    footnotes = (
        "FAS: all enrolled patients; SAF: patients who received any study treatment; PPS: FAS "
        "patients who completed pre-operative therapy and surgery without a major protocol "
        "deviation (SAP 4). From the ADSL flags (FASFL, SAFFL, PPROTFL) at the data cut-off: "
        "SAF requires a first dose, PPS also surgery (R0-R2), on or before the cut-off.",
        "Percentages use FAS N as denominator.",
    )
    return _table(
        ad,
        "14.1.2",
        "Analysis sets",
        _population(_set_name("FAS"), n),
        footnotes,
        aid,
        _body(rows, "n (%)"),
        ard,
    )


# --- Table 14.1.3 and Figure 14.1.1 accrual --------------------------------------------------


def _planned_cumulative(when: pd.Series | pd.Timestamp, start: pd.Timestamp, ad: AnalysisData):
    r"""The linear accrual plan (SAP 2.1) evaluated at dates ``when``.

    .. math:: \mathrm{plan}(t) = N \min\{1, (t - t_0) / (M \cdot D)\}

    with N = ``study.planned_enrollment``, M = ``study.planned_accrual_months``,
    D = ``time.days_per_month``, t_0 the first
    enrollment and t - t_0 the calendar difference in days.
    """
    study = ad.sap.study
    span_days = study.planned_accrual_months * ad.sap.time.days_per_month
    elapsed = (when - start) / pd.Timedelta(days=1)
    return study.planned_enrollment * np.clip(elapsed / span_days, 0.0, 1.0)


def _accrual(ad: AnalysisData) -> list[TLFOutput]:
    aid = "DSP-ACCR-01"
    adsl = ad.population("FAS")
    n_fas = len(adsl)
    study = ad.sap.study
    cut = pd.Timestamp(ad.cutoff)
    enrl = adsl["ENRLDT"].sort_values()
    start = enrl.iloc[0] if n_fas else cut
    # Months shown: from the first enrollment month up to the cut-off month while accrual is
    # open, or up to the month of the last enrollment once the plan is reached.
    last = enrl.iloc[-1] if n_fas >= study.planned_enrollment else cut
    months = pd.period_range(start.to_period("M"), last.to_period("M"), freq="M")
    per_month = enrl.dt.to_period("M").value_counts()

    b = ARDBuilder(aid, "Table 14.1.3", "FAS")
    b.add("N", n_fas, parameter="ENROLLED")
    b.add("N", study.planned_enrollment, parameter="PLANNED ENROLLMENT")
    b.add(
        "expected",
        study.planned_enrollment / study.planned_accrual_months,
        parameter="PLANNED RATE PER MONTH",
    )
    cumulative = 0
    for month in months:
        group = {"MONTH": str(month)}
        n_month = int(per_month.get(month, 0))
        cumulative += n_month
        month_end = min(month.to_timestamp(how="end").normalize(), cut)
        b.add("n", n_month, parameter="ENROLLED", group=group)
        b.add("n", cumulative, parameter="CUMULATIVE ENROLLED", group=group)
        b.add(
            "expected",
            float(_planned_cumulative(month_end, start, ad)),
            parameter="CUMULATIVE ENROLLED",
            group=group,
        )
    # The plan at the cut-off itself: the months shown stop at the last enrollment once the
    # planned number is reached, but the plan runs on to its end (SAP 2.1).
    at_cut = {"AT": "DATA CUT-OFF"}
    b.add("n", n_fas, parameter="CUMULATIVE ENROLLED", group=at_cut)
    b.add(
        "expected",
        float(_planned_cumulative(cut, start, ad)),
        parameter="CUMULATIVE ENROLLED",
        group=at_cut,
    )
    ard = b.build()
    view = ARDView(ard, aid)
    rows = []
    for month in months:
        group = {"MONTH": str(month)}
        rows.append(
            (
                str(month),
                str(view.count("ENROLLED", group)),
                str(view.count("CUMULATIVE ENROLLED", group)),
                fmt_number(view.get("CUMULATIVE ENROLLED", "expected", group), 1),
            )
        )
    rows.append(
        (
            "Total at the data cut-off",
            str(view.count("CUMULATIVE ENROLLED", at_cut)),
            "",
            fmt_number(view.get("CUMULATIVE ENROLLED", "expected", at_cut), 1),
        )
    )
    body = pd.DataFrame(
        rows,
        columns=["Month", "Enrolled", "Cumulative enrolled", "Planned cumulative"],
        dtype=object,
    )
    rate = fmt_number(view.get("PLANNED RATE PER MONTH", "expected"), 2)
    planned_n = view.count("PLANNED ENROLLMENT", statistic="N")
    footnotes = (
        f"Plan: {planned_n} patients in {fmt_number(study.planned_accrual_months, 0)} months, "
        f"linear from the first enrollment ({rate} patients per month; SAP 2.1). Planned "
        "cumulative is evaluated at the end of each month (at the data cut-off for the "
        f"cut-off month), with months of {ad.sap.time.days_per_month} days; the total row "
        "gives the plan at the data cut-off.",
    )
    table = _table(
        ad,
        "14.1.3",
        "Enrollment and accrual against plan",
        _population(_set_name("FAS"), n_fas),
        footnotes,
        aid,
        body,
        ard,
    )
    return [table, _accrual_figure(ad, adsl, start, table.ard)]


def _accrual_figure(
    ad: AnalysisData, adsl: pd.DataFrame, start: pd.Timestamp, table_ard: ARD
) -> TLFOutput:
    """Figure 14.1.1; its ARD rows are per enrollment date (the table's are per month)."""
    aid = "DSP-ACCR-01"
    study = ad.sap.study
    cut = pd.Timestamp(ad.cutoff)
    b = ARDBuilder(aid, "Figure 14.1.1", "FAS")
    dates = adsl["ENRLDT"].value_counts().sort_index()
    cumulative = dates.cumsum()
    for when, n in cumulative.items():
        b.add("n", int(n), parameter="CUMULATIVE ENROLLED", group={"DATE": f"{when:%Y-%m-%d}"})
    plan_end = start + pd.Timedelta(days=study.planned_accrual_months * ad.sap.time.days_per_month)
    plan_points = sorted({start, plan_end, max(cut, start)})
    for when in plan_points:
        b.add(
            "expected",
            float(_planned_cumulative(when, start, ad)),
            parameter="CUMULATIVE ENROLLED",
            group={"DATE": f"{when:%Y-%m-%d}", "LINE": "PLAN"},
        )
    ard = b.build()
    view = ARDView(ard, aid)
    xs = [pd.Timestamp(d) for d in (f"{w:%Y-%m-%d}" for w in cumulative.index)]
    ys = [view.count("CUMULATIVE ENROLLED", {"DATE": f"{w:%Y-%m-%d}"}) for w in xs]
    plan_x = list(plan_points)
    plan_y = [
        view.get("CUMULATIVE ENROLLED", "expected", {"DATE": f"{w:%Y-%m-%d}", "LINE": "PLAN"})
        for w in plan_x
    ]
    with figure_style():
        figure = new_figure(7.0, 4.0)
        axes = figure.add_subplot()
        if xs:
            axes.step(
                [start, *xs, max(cut, xs[-1])],
                [0, *ys, ys[-1]],
                where="post",
                color=PALETTE["blue"],
                label="Enrolled (cumulative)",
            )
        axes.plot(
            plan_x, plan_y, color=PALETTE["grey"], linestyle="--", label="Plan (linear, SAP 2.1)"
        )
        axes.set_xlabel("Date")
        axes.set_ylabel("Patients enrolled")
        axes.set_ylim(0, max(study.planned_enrollment, len(adsl)) * 1.05)
        axes.legend(loc="upper left", frameon=False)
        svg = figure_to_svg(figure)
    tlf = TLF(
        kind="Figure",
        number="14.1.1",
        title="Cumulative enrollment against plan",
        analysis_set=_population(_set_name("FAS"), len(adsl)),
        footnotes=(
            f"Dashed line: planned accrual, {study.planned_enrollment} patients in "
            f"{fmt_number(study.planned_accrual_months, 0)} months from the first enrollment. "
            "Monthly counts are in Table 14.1.3.",
        ),
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


# --- Table 14.1.4 eligibility and protocol deviations ----------------------------------------


def _deviations(ad: AnalysisData) -> TLFOutput:
    aid = "DSP-DEV-01"
    adsl = ad.population("FAS")
    n = len(adsl)
    elig = ad.sap.eligibility
    failed = eligibility_deviations(adsl, elig)
    excluded = pps_exclusion_reason(adsl, ad.adex, ad.sap.schedule)
    b = ARDBuilder(aid, "Table 14.1.4", "FAS")
    b.add("N", n, parameter="FAS")

    p_elig, p_pps = "ELIGIBILITY DEVIATION", "PPS EXCLUSION"
    age_range = f"{elig.age_min}-{elig.age_max}"
    # (label, parameter, group, patients) in display order
    specs: list[tuple[str, str, dict[str, str], pd.Series]] = [
        ("Patients with any eligibility deviation", p_elig, {"CHECK": "ANY"},
         failed.any(axis=1)),
        (f"  Age outside {age_range} years", p_elig, {"CHECK": "AGE"},
         failed[AGE_BELOW] | failed[AGE_ABOVE]),
        (f"    Age < {elig.age_min} years", p_elig, {"CHECK": "AGE", "LIMIT": "BELOW"},
         failed[AGE_BELOW]),
        (f"    Age > {elig.age_max} years", p_elig, {"CHECK": "AGE", "LIMIT": "ABOVE"},
         failed[AGE_ABOVE]),
        ("  Performance-status scale inconsistent with age", p_elig, {"CHECK": PS_SCALE},
         failed[PS_SCALE]),
        (f"  ECOG > {elig.ecog_max}", p_elig, {"CHECK": ECOG}, failed[ECOG]),
        (f"  Lansky < {elig.lansky_min}", p_elig, {"CHECK": LANSKY}, failed[LANSKY]),
        ("  In the per-protocol set despite an eligibility deviation", p_elig,
         {"CHECK": "ANY", "SET": "PPS"}, failed.any(axis=1) & in_population(adsl, "PPS")),
        ("Patients excluded from the per-protocol set", p_pps, {"REASON": "ANY"},
         excluded.notna()),
        ("  Not dosed (no study treatment)", p_pps, {"REASON": "NOT DOSED"},
         excluded.eq("NOT DOSED")),
        ("  Not operated (surgery not done or pending)", p_pps, {"REASON": "NOT OPERATED"},
         excluded.eq("NOT OPERATED")),
        ("  Operated, pre-operative therapy incomplete", p_pps,
         {"REASON": "INCOMPLETE PRE-OPERATIVE THERAPY"},
         excluded.eq("INCOMPLETE PRE-OPERATIVE THERAPY")),
        ("  Other major protocol deviation", p_pps, {"REASON": "OTHER"}, excluded.eq("OTHER")),
    ]  # fmt: skip
    for _, parameter, group, mask in specs:
        _add_n_pct(b, int(mask.sum()), n, parameter=parameter, group=group)
    ard = b.build()

    view = ARDView(ard, aid)
    n_view = view.count("FAS", statistic="N")
    rows = [
        (label, fmt_n_pct(view.count(parameter, group), n_view))
        for label, parameter, group, _ in specs
    ]
    footnotes = (
        f"Eligibility checks of SAP 4.1 on ADSL: age {age_range} years at consent; performance "
        f"status on the ECOG scale at age >= {elig.ps_scale_age_threshold} years and the Lansky "
        f"scale below; ECOG <= {elig.ecog_max}; Lansky >= {elig.lansky_min}. A patient may fail "
        "more than one check. Patients with a deviation stay in the FAS and SAF; a deviation in "
        "a PPS patient is a warning, not an exclusion (SAP 4.2). Other eligibility criteria are "
        "verified at the site and are not in the analysis data.",
        "A scale inconsistent with age is also a validation error (SAP 8.1), so it is 0 in data "
        "that passed validation.",
        "PPS exclusions: FAS patients not in the PPS at the data cut-off, each counted once under "
        "the first applicable reason: not dosed; not operated (R0-R2) by the cut-off; operated "
        "without the complete pre-operative regimen (rule of Table 14.1.1); otherwise a major "
        "protocol deviation recorded in PPROTFL.",
        "Percentages use FAS N as denominator. Individual patients: Listing 16.2.2.",
    )
    return _table(
        ad,
        "14.1.4",
        "Eligibility and protocol deviations",
        _population(_set_name("FAS"), n_view),
        footnotes,
        aid,
        _body(rows, "n (%)"),
        ard,
    )


# --- Table 14.1.5 baseline -------------------------------------------------------------------

#: A categorical display row: label, ARD parameter, ARD group.
_CatRow = tuple[str, str, dict[str, object]]


def _categories(
    b: ARDBuilder,
    values: pd.Series,
    levels: Sequence[tuple[str, object]],
    n: int,
    *,
    parameter: str,
) -> list[_CatRow]:
    """Record n (%) per level, plus ``Missing`` when any value is missing (SAP 6.4)."""
    out = []
    for label, level in levels:
        group = {parameter: level}
        _add_n_pct(b, int(values.eq(level).sum()), n, parameter=parameter, group=group)
        out.append((f"  {label}", parameter, group))
    missing = int(values.isna().sum())
    if missing:
        group = {parameter: "MISSING"}
        _add_n_pct(b, missing, n, parameter=parameter, group=group)
        out.append(("  Missing", parameter, group))
    return out


def _baseline(ad: AnalysisData) -> TLFOutput:
    aid = "BSL-DEM-01"
    adsl = ad.population("FAS")
    n = len(adsl)
    b = ARDBuilder(aid, "Table 14.1.5", "FAS")
    b.add("N", n, parameter="FAS")
    # (heading, parameter for a continuous block and its data decimals, categorical rows)
    sections: list[tuple[str, tuple[str, int] | None, list[_CatRow]]] = []

    age = adsl["AGE"]
    _add_continuous(b, age, parameter="AGE")
    cuts = ad.sap.baseline.age_group_cuts_years
    agegr = compute_age_group(age, cuts)
    codes = age_group_codes(cuts)
    age_levels = list(zip([f"< {cuts[0]}", *codes[1:-1], f">= {cuts[-1]}"], codes, strict=True))
    sections.append(("Age (years)", ("AGE", 0), []))
    sections.append(
        (
            "Age group (years)",
            None,
            _categories(b, agegr, age_levels, n, parameter="AGEGR"),
        )
    )
    sections.append(
        (
            "Sex",
            None,
            _categories(b, adsl["SEX"], [("Male", "M"), ("Female", "F")], n, parameter="SEX"),
        )
    )

    ps_rows: list[_CatRow] = []
    for scale, label, ascending in (("ECOG", "ECOG", True), ("LANSKY", "Lansky", False)):
        on_scale = adsl["PSTYPE"].eq(scale)
        group = {"PSTYPE": scale}
        _add_n_pct(b, int(on_scale.sum()), n, parameter="PSTYPE", group=group)
        ps_rows.append((f"  {label} scale", "PSTYPE", group))
        scores = sorted(adsl.loc[on_scale, "PSSCORE"].dropna().unique(), reverse=not ascending)
        for score in scores:
            g = {"PSTYPE": scale, "PSSCORE": int(score)}
            count = int((on_scale & adsl["PSSCORE"].eq(score)).sum())
            _add_n_pct(b, count, n, parameter="PSSCORE", group=g)
            ps_rows.append((f"    {int(score)}", "PSSCORE", g))
    sections.append(("Performance status", None, ps_rows))

    _add_continuous(b, adsl["NNODULE"], parameter="NNODULE")
    nodgr = adsl["NNODULE"].clip(upper=4).map({1: "1", 2: "2", 3: "3", 4: ">=4"})
    sections.append(("Number of pulmonary nodules", ("NNODULE", 0), []))
    sections.append(
        (
            "Number of pulmonary nodules, grouped",
            None,
            _categories(
                b, nodgr, [("1", "1"), ("2", "2"), ("3", "3"), (">= 4", ">=4")], n,
                parameter="NNODULEGR",
            ),
        )
    )  # fmt: skip
    sections.append(
        (
            "Laterality",
            None,
            _categories(
                b,
                adsl["LATERAL"],
                [("Unilateral", "UNILATERAL"), ("Bilateral", "BILATERAL")],
                n,
                parameter="LATERAL",
            ),
        )
    )
    _add_continuous(b, adsl["DFIMO"], parameter="DFIMO")
    sections.append(("Disease-free interval (months)", ("DFIMO", 1), []))
    linegr = adsl["PRIORLN"].clip(upper=3).map({1: "1", 2: "2", 3: ">=3"})
    sections.append(
        (
            "Prior lines of systemic therapy",
            None,
            _categories(b, linegr, [("1", "1"), ("2", "2"), (">= 3", ">=3")], n,
                        parameter="PRIORLN"),
        )
    )  # fmt: skip
    ard = b.build()

    view = ARDView(ard, aid)
    n_view = view.count("FAS", statistic="N")
    rows: list[tuple[str, str]] = []
    for heading, continuous, categorical in sections:
        rows.append((heading, ""))
        if continuous is not None:
            parameter, decimals = continuous
            rows += [(f"  {label}", text) for label, text in _continuous_rows(
                view, parameter, decimals)]  # fmt: skip
        for label, parameter, group in categorical:
            rows.append((label, fmt_n_pct(view.count(parameter, group), n_view)))
    footnotes = (
        "Continuous variables: n, mean (SD), median, Q1, Q3 (linear interpolation, R type 7), "
        "min, max (SAP 6.3). Categorical: n (%) of FAS N (SAP 6.4).",
        f"Performance status: ECOG for age >= {ad.sap.eligibility.ps_scale_age_threshold} years, "
        f"Lansky for age < {ad.sap.eligibility.ps_scale_age_threshold} years (SAP 4.1).",
        "Disease-free interval: months from primary surgery to pulmonary recurrence (DFIMO).",
    )
    return _table(
        ad,
        "14.1.5",
        "Demographic and baseline characteristics",
        _population(_set_name("FAS"), n_view),
        footnotes,
        aid,
        _body(rows, "All patients"),
        ard,
    )


# --- Table 14.1.6 exposure -------------------------------------------------------------------


def _exposure(ad: AnalysisData) -> TLFOutput:
    aid = "EXP-TRT-01"
    adsl = ad.population("SAF")
    ids = adsl["USUBJID"]
    n = len(adsl)
    adex = ad.adex.loc[ad.adex["USUBJID"].isin(ids)]
    given = administered(adex)
    b = ARDBuilder(aid, "Table 14.1.6", "SAF")
    b.add("N", n, parameter="SAF")
    # rows: (label, kind, parameter, group, decimals) with kind "head", "npct" or "cont".
    rows_spec: list[tuple[str, str, str, dict[str, object], int]] = []

    def per_patient(series: pd.Series, among: pd.Series) -> pd.Series:
        return among.map(series).fillna(0)

    # SBRT
    sbrt = given.loc[given["EXTRT"].eq("SBRT")]
    fractions = sbrt.groupby("USUBJID").size()
    dose = sbrt.groupby("USUBJID")["EXDOSE"].sum()
    received = ids.isin(sbrt["USUBJID"])
    planned_fr = ad.sap.schedule.sbrt_fractions
    g = {"EXTRT": "SBRT"}
    _add_n_pct(b, int(received.sum()), n, parameter="RECEIVED", group=g)
    _add_continuous(b, ids[received].map(fractions), parameter="FRACTIONS", group=g)
    all_fr = per_patient(fractions, ids) >= planned_fr
    _add_n_pct(b, int(all_fr.sum()), n, parameter="ALL FRACTIONS", group=g)
    _add_continuous(b, ids[received].map(dose), parameter="TOTAL DOSE", group=g)
    rows_spec += [
        ("SBRT", "head", "", g, 0),
        ("  Patients treated", "npct", "RECEIVED", g, 0),
        ("  Fractions delivered", "cont", "FRACTIONS", g, 0),
        (f"  All {planned_fr} fractions delivered", "npct", "ALL FRACTIONS", g, 0),
        ("  Total dose delivered (Gy)", "cont", "TOTAL DOSE", g, 1),
    ]

    for drug in CYCLED_DRUGS:
        g = {"EXTRT": drug}
        records = adex.loc[adex["EXTRT"].eq(drug)]
        drug_given = given.loc[given["EXTRT"].eq(drug)]
        received = ids.isin(drug_given["USUBJID"])
        _add_n_pct(b, int(received.sum()), n, parameter="RECEIVED", group=g)
        rows_spec += [
            (_DISPLAY[drug], "head", "", g, 0),
            ("  Patients treated", "npct", "RECEIVED", g, 0),
        ]
        for phase in _TREATMENT_PHASES[drug]:
            gp = g | {"APHASE": phase}
            in_phase = drug_given.loc[drug_given["APHASE"].eq(phase)]
            cycles = in_phase.groupby("USUBJID")["CYCLE"].nunique()
            started = ids.isin(in_phase["USUBJID"])
            _add_n_pct(b, int(started.sum()), n, parameter="RECEIVED", group=gp)
            _add_continuous(b, ids[started].map(cycles), parameter="CYCLES", group=gp)
            rows_spec += [
                (f"  {_DISPLAY[phase]}: patients treated", "npct", "RECEIVED", gp, 0),
                (f"  {_DISPLAY[phase]}: cycles received", "cont", "CYCLES", gp, 0),
            ]
        actual = records.groupby("USUBJID")["EXDOSE"].sum()
        planned = records.groupby("USUBJID")["EXPLDOS"].sum()
        rdi = (100.0 * actual / planned).reindex(ids[ids.isin(records["USUBJID"])])
        _add_continuous(b, rdi, parameter="RDI", group=g)
        reduced = records.loc[(records["EXDOSE"] > 0) & (records["EXDOSE"] < records["EXPLDOS"])]
        omitted = records.loc[records["EXDOSE"].eq(0)]
        delays = cycle_delays(drug_given, ad.sap.schedule)
        delayed = ids.map(delays).fillna(0) > 0
        _add_n_pct(b, int(ids.isin(reduced["USUBJID"]).sum()), n, parameter="REDUCED", group=g)
        _add_n_pct(b, int(ids.isin(omitted["USUBJID"]).sum()), n, parameter="OMITTED", group=g)
        _add_n_pct(b, int(delayed.sum()), n, parameter="DELAYED", group=g)
        rows_spec += [
            ("  Relative dose intensity (%)", "cont", "RDI", g, 1),
            ("  Patients with >= 1 dose reduction", "npct", "REDUCED", g, 0),
            ("  Patients with >= 1 omitted administration", "npct", "OMITTED", g, 0),
            ("  Patients with >= 1 cycle delay", "npct", "DELAYED", g, 0),
        ]
    ard = b.build()

    view = ARDView(ard, aid)
    n_view = view.count("SAF", statistic="N")
    rows: list[tuple[str, str]] = []
    for label, kind, parameter, group, decimals in rows_spec:
        if kind == "head":
            rows.append((label, ""))
        elif kind == "npct":
            rows.append((label, fmt_n_pct(view.count(parameter, group), n_view)))
        else:
            rows.append((label, ""))
            rows += [
                (f"    {stat}", text)
                for stat, text in _continuous_rows(view, parameter, decimals, group)
            ]
    footnotes = (
        "Administrations and fractions count when EXDOSE > 0. Cycles: distinct cycle numbers "
        "with at least one administration, summarised over patients treated in that phase.",
        "Relative dose intensity = 100 x sum(EXDOSE) / sum(EXPLDOS) over the administrations "
        "recorded in ADEX, per patient (SAP 9.5); an omitted administration has EXDOSE = 0.",
        "Dose reduction: 0 < EXDOSE < EXPLDOS. Cycle delay: first administration of a cycle "
        f"more than {ad.sap.schedule.cycle_days} + {ad.sap.schedule.cycle_delay_tolerance_days} "
        "days after the first administration of the previous cycle in the same phase (SAP 9.5).",
        "Percentages use SAF N as denominator.",
    )
    return _table(
        ad,
        "14.1.6",
        "Exposure to SBRT, gemcitabine and penpulimab",
        _population(_set_name("SAF"), n_view),
        footnotes,
        aid,
        _body(rows, "All patients"),
        ard,
    )


# --- Table 14.1.7 surgery --------------------------------------------------------------------


def _surgery(ad: AnalysisData) -> TLFOutput:
    aid = "EXP-SURG-01"
    adsl = ad.population("FAS")
    n = len(adsl)
    op = adsl.loc[operated(adsl)]
    n_op = len(op)
    b = ARDBuilder(aid, "Table 14.1.7", "FAS")
    b.add("N", n, parameter="FAS")
    b.add("N", n_op, parameter="OPERATED", analysis_set="FAS-OPERATED")

    specs: list[tuple[str, str, dict[str, object]]] = []
    outcomes = [("R0", "R0"), ("R1", "R1"), ("R2", "R2"), ("Not done", "NOT DONE"),
                ("Pending at cut-off", "PENDING")]  # fmt: skip
    for label, code in outcomes:
        group = {"SURGOUT": code}
        _add_n_pct(b, int(adsl["SURGOUT"].eq(code).sum()), n, parameter="SURGOUT", group=group)
        specs.append((f"  {label}", "SURGOUT", group))

    offset = ad.sap.time.day_one_offset
    days = (op["SURGDT"] - op["ENRLDT"]).dt.days + offset
    _add_continuous(b, days, parameter="DAYS TO SURGERY", analysis_set="FAS-OPERATED")
    _add_continuous(b, days / 7.0, parameter="WEEKS TO SURGERY", analysis_set="FAS-OPERATED")
    lo_week, hi_week = ad.sap.schedule.surgery_window_weeks
    lo_day, hi_day = int(7 * (lo_week - 1) + 1), int(7 * hi_week)
    in_window = int(days.between(lo_day, hi_day).sum())
    _add_n_pct(b, in_window, n_op, parameter="IN WINDOW", group=None, analysis_set="FAS-OPERATED")
    delay = (op["SURGDT"] - op["SURGPLDT"]).dt.days
    _add_continuous(b, delay, parameter="DELAY", analysis_set="FAS-OPERATED")
    limit = ad.sap.toxicity_monitoring.surgery_delay_days
    _add_n_pct(
        b, int((delay > limit).sum()), n_op, parameter="DELAY GT LIMIT",
        analysis_set="FAS-OPERATED", group=None,
    )  # fmt: skip

    te = ad.adae.loc[_yes(ad.adae["TRTEMFL"]) & _yes(ad.adae["AESDLYFL"])]
    delayed_tox = adsl["USUBJID"].isin(te["USUBJID"])
    _add_n_pct(b, int(delayed_tox.sum()), n, parameter="DELAYED BY TOXICITY", group=None)
    # astype(str): with no patient yet the empty column is float, and .str would fail
    reasons = adsl["UTOXREAS"].fillna("").astype(str)
    criterion = reasons.str.contains("SURGERY DELAYED", regex=False)
    _add_n_pct(b, int(criterion.sum()), n, parameter="DELAYED BY TOXICITY GT LIMIT", group=None)
    ard = b.build()

    view = ARDView(ard, aid)
    n_view, n_op_view = view.count("FAS", statistic="N"), view.count("OPERATED", statistic="N")
    rows: list[tuple[str, str]] = [("Surgery outcome", "")]
    rows += [(label, fmt_n_pct(view.count(p, g), n_view)) for label, p, g in specs]
    rows.append((f"Operated (R0, R1 or R2), N = {n_op_view}", ""))
    rows.append(("  Days from enrollment to surgery", ""))
    rows += [(f"    {s}", t) for s, t in _continuous_rows(view, "DAYS TO SURGERY", 0)]
    rows.append(("  Weeks from enrollment to surgery", ""))
    rows += [(f"    {s}", t) for s, t in _continuous_rows(view, "WEEKS TO SURGERY", 1)]
    rows.append(
        (
            f"  Surgery within window (study days {lo_day}-{hi_day})",
            fmt_n_pct(view.count("IN WINDOW"), n_op_view),
        )
    )
    rows.append(("  Delay from planned surgery date (days)", ""))
    rows += [(f"    {s}", t) for s, t in _continuous_rows(view, "DELAY", 0)]
    rows.append(
        (
            f"  Surgery more than {limit} days after the planned date",
            fmt_n_pct(view.count("DELAY GT LIMIT"), n_op_view),
        )
    )
    rows.append(
        (
            "Surgery delayed by toxicity (TEAE with AESDLYFL = Y)",
            fmt_n_pct(view.count("DELAYED BY TOXICITY"), n_view),
        )
    )
    rows.append(
        (
            f"Surgery delayed more than {limit} days by toxicity (SAP 9.4, criterion 4)",
            fmt_n_pct(view.count("DELAYED BY TOXICITY GT LIMIT"), n_view),
        )
    )
    footnotes = (
        "Days from enrollment to surgery = SURGDT - ENRLDT + 1 (SAP 6.1), i.e. the study day of "
        f"surgery; the protocol window is weeks {lo_week:g}-{hi_week:g} = study days "
        f"{lo_day}-{hi_day} (SAP 2.2). Delay = SURGDT - SURGPLDT (negative = early).",
        "Surgery outcome: n (%) of FAS N; timing rows: n (%) of operated patients.",
        "Criterion 4 of SAP 9.4 also counts surgery not done for toxicity and surgery not yet "
        "done more than the limit after the planned date.",
    )
    return _table(
        ad,
        "14.1.7",
        "Surgery: timing, delay and outcome",
        _population(_set_name("FAS"), n_view),
        footnotes,
        aid,
        _body(rows, "All patients"),
        ard,
    )


# --- Listings 16.2.1, 16.2.2, 16.2.4 and 16.2.5 ----------------------------------------------


def _listing(
    ad: AnalysisData,
    number: str,
    title: str,
    analysis_set: str,
    footnotes: Sequence[str],
    body: pd.DataFrame,
) -> TLFOutput:
    """A patient listing of this module (source line without ARD ids)."""
    source = source_line(_MODULE, ad.cutoff, ad.sap.sap_version, ("none (patient listing)",))
    return patient_listing(number, title, analysis_set, tuple(footnotes), source, body)


def _dates(values: pd.Series, flags: pd.Series | None = None, missing: str = "") -> pd.Series:
    """Dates as ``YYYY-MM-DD``, with the SAP 8.3 imputation flag as ``(D)`` / ``(M)``."""
    values = pd.to_datetime(values)
    text = values.dt.strftime("%Y-%m-%d").where(values.notna(), missing)
    if flags is not None:
        flag = flags.fillna("").astype(str).str.strip()
        text = text.where(flag.eq("") | values.isna(), text + " (" + flag + ")")
    return text.astype(object)


def _as_recorded(value: object) -> str:
    """A number as recorded: ``8`` rather than ``8.0``, ``7.5`` as is; missing is empty."""
    if value is None or pd.isna(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


def _recorded(values: pd.Series) -> pd.Series:
    return values.map(_as_recorded).astype(object)


def _text(values: pd.Series) -> pd.Series:
    """Text cells exactly as recorded; missing is empty."""
    return values.map(lambda v: "" if v is None or pd.isna(v) else str(v)).astype(object)


def _fas_sorted(ad: AnalysisData) -> pd.DataFrame:
    return ad.population("FAS").sort_values("USUBJID", kind="stable")


def _surgery_text(adsl: pd.DataFrame) -> pd.Series:
    """``R0 (2023-01-05)``, ``NOT DONE (PROGRESSION)``, ``PENDING``."""
    out = _text(adsl["SURGOUT"])
    out = out.where(~operated(adsl), out + " (" + _dates(adsl["SURGDT"]) + ")")
    not_done = adsl["SURGOUT"].eq("NOT DONE") & adsl["SURGNDRS"].notna()
    return out.where(~not_done, out + " (" + _text(adsl["SURGNDRS"]) + ")")


_PS_LABEL = {"ECOG": "ECOG", "LANSKY": "Lansky"}
_DATE_NOTE = "Imputed dates carry their SAP 8.3 flag: (D) day imputed, (M) month and day imputed."


def _discontinued_listing(ad: AnalysisData) -> TLFOutput:
    fas = _fas_sorted(ad)
    dc = fas.loc[fas["EOSSTT"].eq("DISCONTINUED")]
    last = last_dose(dc, ad.adex)
    body = pd.DataFrame(
        {
            "Patient": _text(dc["USUBJID"]),
            "Site": _text(dc["SITEID"]),
            "Enrollment": _dates(dc["ENRLDT"]),
            "End of study": _dates(dc["EOSDT"]),
            "Reason for discontinuation": _text(dc["DCSREAS"]),
            "Last dose": _dates(last, missing="Not dosed"),
            "Surgery outcome": _surgery_text(dc),
            "Date of death": _dates(dc["DTHDT"], dc.get("DTHDTF")),
        },
        dtype=object,
    )
    notes = (
        "FAS patients with EOSSTT = DISCONTINUED at the data cut-off, sorted by patient. Reason "
        "as recorded (DCSREAS).",
        "Last dose: TRTEDT, or failing it the last ADEX administration with EXDOSE > 0, on or "
        "before the cut-off. Surgery outcome with the date of surgery, or the reason surgery was "
        "not done (SURGNDRS).",
        _DATE_NOTE,
    )
    return _listing(
        ad, "16.2.1", "Discontinued patients", _population(_set_name("FAS"), len(fas)), notes, body
    )


def _deviation_listing(ad: AnalysisData) -> TLFOutput:
    fas = _fas_sorted(ad)
    elig = ad.sap.eligibility
    failed = eligibility_deviations(fas, elig)
    excluded = pps_exclusion_reason(fas, ad.adex, ad.sap.schedule)
    saf = in_population(fas, "SAF")
    keep = failed.any(axis=1) | ~saf | excluded.notna()
    rows = []
    for i in fas.index[keep]:
        r, f = fas.loc[i], failed.loc[i]
        age, pstype, score = _as_recorded(r["AGE"]), r["PSTYPE"], _as_recorded(r["PSSCORE"])
        deviations = []
        if f[AGE_BELOW] or f[AGE_ABOVE]:
            deviations.append(f"Age {age} outside {elig.age_min}-{elig.age_max} years")
        if f[PS_SCALE]:
            deviations.append(f"PS scale {pstype} inconsistent with age {age}")
        if f[ECOG]:
            deviations.append(f"ECOG {score} > {elig.ecog_max}")
        if f[LANSKY]:
            deviations.append(f"Lansky {score} < {elig.lansky_min}")
        exclusions = []
        if not saf.loc[i]:
            exclusions.append("SAF: no study treatment by the cut-off")
        reason = excluded.loc[i]
        if isinstance(reason, str):
            exclusions.append("PPS: " + _pps_reason_text(reason, r))
        rows.append(
            {
                "Patient": str(r["USUBJID"]),
                "Site": str(r["SITEID"]),
                "Age": age,
                "Performance status": f"{_PS_LABEL.get(pstype, pstype)} {score}",
                "Eligibility deviation(s)": "; ".join(deviations) or "None",
                "SAF": "Y" if saf.loc[i] else "N",
                "PPS": "N" if isinstance(reason, str) else "Y",
                "Analysis-set exclusion(s)": "; ".join(exclusions) or "None",
            }
        )
    columns = ["Patient", "Site", "Age", "Performance status", "Eligibility deviation(s)",
               "SAF", "PPS", "Analysis-set exclusion(s)"]  # fmt: skip
    body = pd.DataFrame(rows, columns=columns, dtype=object)
    notes = (
        "FAS patients with an eligibility deviation (SAP 4.1) or not in the SAF or the PPS at "
        "the data cut-off, sorted by patient. Eligibility checks: age "
        f"{elig.age_min}-{elig.age_max} years; ECOG at age >= {elig.ps_scale_age_threshold} "
        f"years, Lansky below; ECOG <= {elig.ecog_max}; Lansky >= {elig.lansky_min}.",
        "PPS exclusion: the first applicable reason of Table 14.1.4 (not dosed; not operated; "
        "pre-operative therapy incomplete; otherwise a major protocol deviation recorded in "
        "PPROTFL). A patient with an eligibility deviation stays in the FAS and SAF.",
    )
    return _listing(
        ad,
        "16.2.2",
        "Eligibility and protocol deviations; analysis-set exclusions",
        _population(_set_name("FAS"), len(fas)),
        notes,
        body,
    )


def _pps_reason_text(reason: str, patient: pd.Series) -> str:
    if reason == "NOT DOSED":
        return "not dosed"
    if reason == "NOT OPERATED":
        detail = str(patient["SURGOUT"])
        if patient["SURGOUT"] == "NOT DONE" and pd.notna(patient["SURGNDRS"]):
            detail += f", {patient['SURGNDRS']}"
        elif patient["SURGOUT"] == "PENDING":
            detail += " at the cut-off"
        return f"not operated (surgery {detail})"
    if reason == "INCOMPLETE PRE-OPERATIVE THERAPY":
        return "operated, pre-operative therapy incomplete"
    return "major protocol deviation (PPROTFL = N)"


def _baseline_listing(ad: AnalysisData) -> TLFOutput:
    fas = _fas_sorted(ad)
    body = pd.DataFrame(
        {
            "Patient": _text(fas["USUBJID"]),
            "Site": _text(fas["SITEID"]),
            "Enrollment": _dates(fas["ENRLDT"]),
            "Age (years)": _recorded(fas["AGE"]),
            "Sex": _text(fas["SEX"]),
            "PS scale": fas["PSTYPE"].map(_PS_LABEL).fillna(_text(fas["PSTYPE"])),
            "PS score": _recorded(fas["PSSCORE"]),
            "Nodules": _recorded(fas["NNODULE"]),
            "Laterality": _text(fas["LATERAL"]).str.capitalize(),
            "DFI (months)": _recorded(fas["DFIMO"]),
            "Prior lines": _recorded(fas["PRIORLN"]),
        },
        dtype=object,
    )
    notes = (
        "One row per FAS patient, sorted by patient. PS: performance status (ECOG at age >= "
        f"{ad.sap.eligibility.ps_scale_age_threshold} years, Lansky below). Nodules: baseline "
        "number of pulmonary nodules. DFI: disease-free interval, months from primary surgery "
        "to pulmonary recurrence. Prior lines: prior lines of systemic therapy.",
        "Summary statistics: Table 14.1.5.",
    )
    return _listing(
        ad,
        "16.2.4",
        "Demographic and baseline data",
        _population(_set_name("FAS"), len(fas)),
        notes,
        body,
    )


def _administration_listing(ad: AnalysisData) -> TLFOutput:
    saf = ad.population("SAF")
    adex = ad.adex.loc[ad.adex["USUBJID"].isin(saf["USUBJID"])]
    adex = adex.sort_values(["USUBJID", "EXSTDT", "EXTRT"], kind="stable")
    # Built column by column (no per-row formatting) so a long listing stays cheap to build
    # and renders as plain rows.
    body = pd.DataFrame(
        {
            "Patient": _text(adex["USUBJID"]),
            "Treatment": adex["EXTRT"].map(_DISPLAY).fillna(_text(adex["EXTRT"])),
            "Phase": adex["APHASE"].map(_DISPLAY).fillna(_text(adex["APHASE"])),
            "Cycle": _recorded(adex["CYCLE"]),
            "Fraction": _recorded(adex["EXFRACN"]),
            "Date": _dates(adex["EXSTDT"]),
            "Planned dose": _recorded(adex["EXPLDOS"]),
            "Actual dose": _recorded(adex["EXDOSE"]),
            "Unit": _text(adex["EXDOSU"]),
        },
        dtype=object,
    )
    notes = (
        "One row per ADEX administration on or before the data cut-off, SAF patients, sorted by "
        "patient, date and treatment. Cycle: drug cycle (empty for SBRT); fraction: SBRT "
        "fraction number (empty for drugs).",
        "Actual dose 0: administration omitted. Doses as recorded; summaries and relative dose "
        "intensity: Table 14.1.6.",
    )
    return _listing(
        ad,
        "16.2.5",
        "Study treatment administration",
        _population(_set_name("SAF"), len(saf)),
        notes,
        body,
    )


def build_disposition_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.1.1-14.1.7, Figure 14.1.1 and Listings 16.2.1-16.2.5 at the cut-off of ``ad``.

    Parameters
    ----------
    ad
        The analysis data at one cut-off (:func:`~osteo_stats.derive.derive_analysis_data`).

    Returns
    -------
    list of TLFOutput
        In SAP 11 order: Table 14.1.1, 14.1.2, 14.1.3, Figure 14.1.1, Table 14.1.4, 14.1.5,
        14.1.6, 14.1.7, Listing 16.2.1, 16.2.2, 16.2.4, 16.2.5. Each table and figure carries
        the ARD rows it displays; listings carry an empty ARD.
    """
    return [
        _disposition(ad),
        _analysis_sets(ad),
        *_accrual(ad),
        _deviations(ad),
        _baseline(ad),
        _exposure(ad),
        _surgery(ad),
        _discontinued_listing(ad),
        _deviation_listing(ad),
        _baseline_listing(ad),
        _administration_listing(ad),
    ]
