"""Tables 14.2.9-14.2.12: EFS and OS Kaplan-Meier summaries, the EFS sensitivity analyses and
the one-sample log-rank test (SAP 3.2, 7.3, 7.5)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from osteo_stats.analyse.survival import (
    KaplanMeierResult,
    one_sample_logrank,
    reverse_km_followup,
)
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.sap import SAP
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    Values,
    add_count,
    fas,
    fmt_count,
    fmt_int,
    km_fit,
    month_key,
    pct_label,
    pps,
    set_line,
    table_body,
    tlf_source,
    tte_data,
)
from osteo_stats.tlf.format import fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput

#: Row labels of the event and censoring rules (SAP 3.2, 8.4); the rule id is the ARD key.
EVENT_RULES: dict[str, tuple[str, ...]] = {
    "EFS": ("E1", "E2", "E3", "E4", "E5", "E6"),
    "EFSSENSA": ("E1", "E2", "E3", "E4", "E5", "E6"),
    "EFSSENSB": ("E1", "E2", "E3", "E4", "E5", "E6"),
    "OS": ("O1",),
}
CENSOR_RULES: dict[str, tuple[str, ...]] = {
    "EFS": ("C1", "C2"),
    "EFSSENSA": ("C1", "C2", "C3"),
    "EFSSENSB": ("C1", "C2", "C4"),
    "OS": ("C5", "C6"),
}
RULE_LABELS = {
    "E1": "Pre-operative progression (RECIST 1.1 PD)",
    "E2": "Incomplete resection (R1/R2)",
    "E3": "Surgery not done because of progression",
    "E4": "Post-operative recurrence or new metastasis",
    "E5": "Second malignancy",
    "E6": "Death from any cause",
    "O1": "Death from any cause",
    "C1": "At last adequate tumour assessment",
    "C2": "No adequate post-baseline assessment (day 1)",
    "C3": "New anticancer therapy before an event",
    "C4": "Event after >= 2 missed assessments",
    "C5": "At last known alive date",
    "C6": "Alive after the cut-off (at the cut-off)",
}
_QUANTILES = (
    ("MEDIAN", 0.5, "Median"),
    ("Q1", 0.25, "25th percentile"),
    ("Q3", 0.75, "75th percentile"),
)


def _missed_note(sap: SAP) -> str:
    """Sensitivity (b) of SAP 3.2.4: the gap that means missed assessments."""
    e = sap.efs
    k, every, window = (
        e.missed_assessments_for_censoring,
        e.tumour_assessment_interval_days,
        e.assessment_window_days,
    )
    many = "two" if k == 2 else str(k)
    return (
        f"{many} or more consecutive missed assessments (more than {k} x {every} + {window} = "
        f"{k * every + window} days"
    )


def record_tte(
    ad: AnalysisData,
    b: ARDBuilder,
    frame: pd.DataFrame,
    paramcd: str,
    *,
    parameter: str | None = None,
    analysis_set: str | None = None,
    follow_up: bool = True,
) -> KaplanMeierResult | None:
    """Record the SAP 7.3 summary of one curve (events by rule, censored by rule, quantiles,
    landmark rates, reverse-KM follow-up); returns the KM fit (``None`` with no patients)."""
    keys = {"parameter": parameter or paramcd, "analysis_set": analysis_set}
    inf = ad.sap.inference
    n = len(frame)
    n_events = int(frame["EVENT"].sum())
    b.add("N", n, **keys)
    b.add("events", n_events, **keys)
    b.add("censored", n - n_events, **keys)
    b.add("pct", 100.0 * n_events / n if n else math.nan, group={"ROW": "EVENTS"}, **keys)
    b.add("pct", 100.0 * (n - n_events) / n if n else math.nan, group={"ROW": "CENSORED"}, **keys)
    for rule in EVENT_RULES[paramcd]:
        k = int((frame["EVENT"] & (frame["RULEID"] == rule)).sum())
        add_count(b, k, n, group={"EVENT": rule}, **keys)
    for rule in CENSOR_RULES[paramcd]:
        k = int((~frame["EVENT"] & (frame["RULEID"] == rule)).sum())
        add_count(b, k, n, group={"CENSOR": rule}, **keys)

    km = km_fit(ad, frame)
    level = inf.conf_level
    for key, p, _ in _QUANTILES:
        q = km.quantile(p) if km is not None else None
        est, lcl, ucl = (q.estimate, q.lower, q.upper) if q else (math.nan,) * 3
        b.add_ci(est, lcl, ucl, level, group={"QUANTILE": key}, **keys)
        b.add("reached", bool(q and q.reached), group={"QUANTILE": key}, **keys)
    landmarks = list(inf.km_landmarks_months)
    rates = km.survival_at(landmarks) if km is not None else None
    for i, month in enumerate(landmarks):
        group = {"MONTH": month_key(month)}
        if rates is None:
            b.add_ci(math.nan, math.nan, math.nan, level, group=group, **keys)
            b.add("n_risk", 0, group=group, **keys)
            continue
        row = rates.iloc[i]
        b.add_ci(row["surv"], row["lower"], row["upper"], level, group=group, **keys)
        b.add("n_risk", row["n_risk"], group=group, **keys)
    if follow_up:
        group = {"FOLLOWUP": "REVERSE KM"}
        if n:
            fu = reverse_km_followup(
                frame["AVALM"].to_numpy(float),
                frame["EVENT"].to_numpy(),
                conf_level=level,
                conf_type=inf.km_conf_type,
            )
            b.add_ci(fu.estimate, fu.lower, fu.upper, level, group=group, **keys)
        else:
            b.add_ci(math.nan, math.nan, math.nan, level, group=group, **keys)
    return km


def tte_rows(
    ad: AnalysisData,
    values: Values,
    paramcd: str,
    *,
    follow_up: bool = True,
    censor_rules: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(label, formatted cell) rows of one KM summary, read back from the ARD.

    ``censor_rules`` lists the censoring rows to show (default: the parameter's own); a rule
    that does not apply to ``paramcd`` gets an empty cell, so that columns line up.
    """
    level = pct_label(ad.sap.inference.conf_level)
    n = values("N")
    rows: list[tuple[str, str]] = [
        ("Patients, N", fmt_int(n)),
        ("Patients with an event, n (%)", fmt_count(values("events"), n)),
    ]
    rows += [
        (f"  {RULE_LABELS[r]} ({r})", values.count({"EVENT": r})) for r in EVENT_RULES[paramcd]
    ]
    rows.append(("Censored, n (%)", fmt_count(values("censored"), n)))
    rows += [
        (
            f"  {RULE_LABELS[r]} ({r})",
            values.count({"CENSOR": r}) if r in CENSOR_RULES[paramcd] else "",
        )
        for r in (censor_rules or CENSOR_RULES[paramcd])
    ]
    rows.append((f"Kaplan-Meier time to event, months ({level} CI)", ""))
    rows += [(f"  {label}", values.time_ci({"QUANTILE": key})) for key, _, label in _QUANTILES]
    rows.append((f"Kaplan-Meier rate, % ({level} CI); number at risk", ""))
    for month in ad.sap.inference.km_landmarks_months:
        group = {"MONTH": month_key(month)}
        rows.append(
            (
                f"  {month_key(month)} months",
                f"{values.rate_ci(group)}; {fmt_int(values('n_risk', group))}",
            )
        )
    if follow_up:
        rows.append(
            (
                f"Median follow-up (reverse Kaplan-Meier), months ({level} CI)",
                values.time_ci({"FOLLOWUP": "REVERSE KM"}),
            )
        )
    return rows


def tte_footnotes(ad: AnalysisData) -> tuple[str, ...]:
    inf = ad.sap.inference
    return (
        f"Time in months = days / {ad.sap.time.days_per_month:g} from enrollment (SAP 6.1).",
        f"Kaplan-Meier estimates with Greenwood variance and {pct_label(inf.conf_level)} pointwise "
        f"CIs on the {inf.km_conf_type} scale; quantiles with the Brookmeyer-Crowley CI on the "
        "same scale (SAP 7.3). NR = not reached. A landmark after the last observed time is NE.",
        "Number at risk = patients with follow-up >= the landmark.",
        "Median follow-up by reverse Kaplan-Meier (Schemper & Smith), SAP 7.3.6.",
        "Events are counted by the first event and the rule that decided it (SAP 3.2, 8.4).",
    )


# --- Tables 14.2.9-14.2.12 EFS and OS ---


def efs_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.9: EFS summary (SAP 3.2, 7.3)."""
    return _tte_table(ad, "EFS", "EFF-EFS-01", "14.2.9")


def os_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.11: OS summary (SAP 3.2.5, 7.3)."""
    return _tte_table(ad, "OS", "EFF-OS-01", "14.2.11")


def _tte_table(ad: AnalysisData, paramcd: str, aid: str, number: str) -> TLFOutput:
    frame = fas(ad)
    b = ARDBuilder(aid, f"Table {number}", "FAS")
    record_tte(ad, b, tte_data(ad, paramcd, frame["USUBJID"]), paramcd)
    ard = b.build()
    rows = tte_rows(ad, Values(ard, aid, paramcd, "FAS"), paramcd)
    tlf = TLF(
        kind="Table",
        number=number,
        analysis_set=set_line(("FAS", len(frame))),
        footnotes=tte_footnotes(ad),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", f"FAS (N = {len(frame)})"]),
    )
    return TLFOutput(tlf, ard)


def efs_sensitivity_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.10: EFS sensitivity (a), (b) in the FAS and EFS in the PPS (SAP 3.2.4, 7.5)."""
    aid, tlf_label = "EFF-EFS-02", "Table 14.2.10"
    columns = (
        ("EFSSENSA", "FAS", fas(ad), "(a) Censored at new anticancer therapy, FAS"),
        (
            "EFSSENSB",
            "FAS",
            fas(ad),
            f"(b) Events after >= {ad.sap.efs.missed_assessments_for_censoring} missed "
            "assessments censored, FAS",
        ),
        ("EFS", "PPS", pps(ad), "Primary EFS definition, PPS"),
    )
    b = ARDBuilder(aid, tlf_label, "FAS")
    for paramcd, name, frame, _ in columns:
        record_tte(
            ad,
            b,
            tte_data(ad, paramcd, frame["USUBJID"]),
            paramcd,
            analysis_set=name,
            follow_up=False,
        )
    ard = b.build()
    censors = ("C1", "C2", "C3", "C4")  # every column shows every rule row, so rows line up
    cells = [
        dict(
            tte_rows(
                ad, Values(ard, aid, paramcd, name), paramcd, follow_up=False, censor_rules=censors
            )
        )
        for paramcd, name, _, _ in columns
    ]
    order = list(cells[0])
    rows = [(label, *(c.get(label, "") for c in cells)) for label in order]
    n_fas, n_pps = len(fas(ad)), len(pps(ad))
    tlf = TLF(
        kind="Table",
        number="14.2.10",
        analysis_set=set_line(("FAS", n_fas), ("PPS", n_pps)),
        footnotes=(
            "(a) EFS censored at the last adequate assessment on or before the start of new "
            "anticancer therapy (rule C3); (b) an event after "
            f"{_missed_note(ad.sap)} after the last adequate assessment) is censored at that "
            "assessment (rule C4), SAP 3.2.4.",
            *tte_footnotes(ad)[:3],
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", *(label for *_, label in columns)]),
        landscape=True,
    )
    return TLFOutput(tlf, ard)


def one_sample_logrank_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.12: one-sample log-rank test of EFS against the exponential historical
    control (SAP 7.3.8)."""
    aid, tlf_label = "EFF-EFS-03", "Table 14.2.12"
    control = ad.sap.inference.historical_control
    frame = tte_data(ad, "EFS", fas(ad)["USUBJID"])
    b = ARDBuilder(aid, tlf_label, "FAS")
    keys = {"parameter": "EFS"}
    b.add("N", len(frame), **keys)
    b.add(
        "est",
        control.survival_at_landmark,
        group={"CONTROL": f"EFS AT {month_key(control.landmark_months)} MONTHS"},
        **keys,
    )
    total_time = float(frame["AVALM"].sum())
    if len(frame) and total_time > 0:
        res = one_sample_logrank(
            frame["AVALM"].to_numpy(float),
            frame["EVENT"].to_numpy(),
            survival_at=control.survival_at_landmark,
            landmark=control.landmark_months,
        )
        values = (
            res.rate,
            res.observed,
            res.expected,
            res.smr,
            res.statistic,
            res.p_value,
            res.p_value_two_sided,
        )
    else:
        values = (math.nan,) * 7
    rate, observed, expected, ratio, z, p1, p2 = values
    b.add("est", rate, group={"CONTROL": "HAZARD PER MONTH"}, **keys)
    b.add("observed", observed, **keys)
    b.add("expected", expected, **keys)
    b.add("est", ratio, group={"RATIO": "O/E"}, **keys)
    b.add("z", z, **keys)
    b.add("p_value", p1, group={"SIDED": "ONE (BENEFIT)"}, **keys)
    b.add("p_value", p2, group={"SIDED": "TWO"}, **keys)
    ard = b.build()

    v = Values(ard, aid, "EFS", "FAS")
    landmark = month_key(control.landmark_months)
    rows = [
        ("Patients, N", fmt_int(v("N"))),
        (
            f"Historical control: exponential, EFS at {landmark} months, %",
            fmt_number(100 * v("est", {"CONTROL": f"EFS AT {landmark} MONTHS"}), 1),
        ),
        ("  Control hazard, per month", fmt_number(v("est", {"CONTROL": "HAZARD PER MONTH"}), 4)),
        ("Observed EFS events, O", fmt_int(v("observed"))),
        ("Expected events under the control, E", fmt_number(v("expected"), 2)),
        ("O / E", fmt_number(v("est", {"RATIO": "O/E"}), 2)),
        ("Z = (O - E) / sqrt(E)", fmt_number(v("z"), 2)),
        (
            "One-sided p-value (EFS better than control)",
            fmt_p(v("p_value", {"SIDED": "ONE (BENEFIT)"})),
        ),
        ("Two-sided p-value", fmt_p(v("p_value", {"SIDED": "TWO"}))),
    ]
    tlf = TLF(
        kind="Table",
        number="14.2.12",
        analysis_set=set_line(("FAS", len(frame))),
        footnotes=(
            "E = sum over patients of lambda x t_i with t_i the EFS time in months (events and "
            "censorings) and lambda = -ln(S0) / landmark; Z < 0 favours the treatment "
            "(SAP 7.3.8). Supportive analysis.",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", f"FAS (N = {len(frame)})"]),
    )
    return TLFOutput(tlf, ard)
