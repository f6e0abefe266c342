"""Efficacy tables, figures and listings (SAP 11): Tables 14.2.1 and 14.2.4-14.2.14, Figures
14.2.1-14.2.4 and Listings 16.2.6.1-16.2.6.3.

Each builder takes the :class:`~osteo_stats.derive.analysis_data.AnalysisData` of one cut-off,
computes its statistics with :mod:`osteo_stats.analyse`, records every number in an
:class:`~osteo_stats.tlf.ard.ARDBuilder` under the SAP 12.3 analysis id, and only then formats
the body **from the ARD** (via :class:`_Values`), so every shown number can be traced to one ARD
row. Figures are drawn by :mod:`osteo_stats.tlf.plots.efficacy` from the recorded values.

ARD conventions used here (SAP 12; ``group`` keys, in upper case):

- counts: ``n`` with ``N`` (the denominator) and ``pct`` (100 n / N) in the same group;
- proportions with a CI: ``n``, ``N``, ``pct`` and the triple ``est``/``lcl``/``ucl`` with
  ``conf_level`` (``est`` as a proportion in [0, 1]);
- Kaplan-Meier summaries (time in months, AVALM): ``events``/``censored`` (totals),
  ``n`` + ``pct`` per event or censoring rule (``EVENT=E1``, ``CENSOR=C1``), quantiles
  ``QUANTILE=Q1|MEDIAN|Q3`` (``est``/``lcl``/``ucl``/``conf_level`` and ``reached`` 0/1;
  not reached = empty), landmark rates ``MONTH=12`` (``est``/``lcl``/``ucl``/``conf_level`` and
  ``n_risk``), median follow-up ``FOLLOWUP=REVERSE KM``;
- Kaplan-Meier figures: the plotted curve ``PLOT=KM; ROW=i`` (``time``, ``n_risk``, ``events``,
  ``censored``, ``surv``, ``std_err``, ``lcl``, ``ucl``, ``conf_level``), the number-at-risk table
  ``PLOT=AT RISK; MONTH=t`` (``n_risk``) and the median line ``PLOT=MEDIAN`` (``est``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.analyse.proportions import binomial_ci
from osteo_stats.analyse.survival import (
    CoxNotEstimable,
    KaplanMeierResult,
    cox_regression,
    kaplan_meier,
    logrank_test,
    one_sample_logrank,
    reverse_km_followup,
)
from osteo_stats.analyse.two_stage import two_stage_inference
from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.efficacy import compute_event_indicator
from osteo_stats.derive.tte import LANDMARK_PARAMS
from osteo_stats.sap import SAP
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.format import fmt_est_ci, fmt_n_pct, fmt_number, fmt_p, fmt_pct_ci
from osteo_stats.tlf.model import TLF, TLFOutput, patient_listing, source_line
from osteo_stats.tlf.plots import efficacy as figures

MODULE = "tlf.efficacy"

#: Best overall response categories, best first (SAP 3.3).
BOR_LEVELS = ("CR", "PR", "SD", "PD", "NE")
BOR_LABELS = {
    "CR": "Complete response (CR)",
    "PR": "Partial response (PR)",
    "SD": "Stable disease (SD)",
    "PD": "Progressive disease (PD)",
    "NE": "Not evaluable (NE)",
}
HUVOS_LEVELS = ("I", "II", "III", "IV")

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
_RULE_ID = re.compile(r"\b([ECO]\d)\b")

_QUANTILES = (
    ("MEDIAN", 0.5, "Median"),
    ("Q1", 0.25, "25th percentile"),
    ("Q3", 0.75, "75th percentile"),
)

SET_NAMES = {
    "FAS": "Full analysis set",
    "PPS": "Per-protocol set",
    "FAS-OPERATED": "Operated patients (FAS)",
}


# --- small helpers ---


@dataclass(frozen=True)
class _Values:
    """Read back one analysis's ARD values: ``values("n", {"BOR": "PR"})``."""

    ard: ARD
    analysis_id: str
    parameter: str
    analysis_set: str

    def __call__(self, statistic: str, group: Mapping[str, object] | None = None) -> float:
        return self.ard.value(
            self.analysis_id,
            statistic,
            parameter=self.parameter,
            group=group,
            analysis_set=self.analysis_set,
        )

    def at(self, *, parameter: str | None = None, analysis_set: str | None = None) -> _Values:
        return _Values(
            self.ard,
            self.analysis_id,
            parameter or self.parameter,
            analysis_set or self.analysis_set,
        )

    def count(self, group: Mapping[str, object] | None = None) -> str:
        """``n (x.x)`` from the ``n`` and ``N`` of ``group``."""
        return _fmt_count(self("n", group), self("N", group))

    def rate_ci(self, group: Mapping[str, object] | None = None) -> str:
        """``x.x (l, u)`` in percent from ``est``/``lcl``/``ucl``; ``NE`` without an estimate."""
        est = self("est", group)
        if math.isnan(est):
            return "NE"
        return fmt_pct_ci(est, self("lcl", group), self("ucl", group))

    def time_ci(self, group: Mapping[str, object], missing: str = "NR") -> str:
        return fmt_est_ci(self("est", group), self("lcl", group), self("ucl", group), 1, missing)


def _fmt_count(n: float, denominator: float) -> str:
    if math.isnan(n):
        return "NE"
    if n == 0 or math.isnan(denominator) or denominator <= 0:
        return fmt_number(n, 0)
    return fmt_n_pct(int(n), int(denominator))


def _fmt_int(value: float) -> str:
    return fmt_number(value, 0)


def _label(level: float) -> str:
    """``0.95`` -> ``95%``."""
    return f"{fmt_number(100 * level, 0)}%"


def _method(name: str) -> str:
    """Display name of a proportion CI method (SAP 7.1)."""
    return {"clopper-pearson": "Clopper-Pearson", "wilson": "Wilson", "jeffreys": "Jeffreys"}.get(
        name, name
    )


def _huvos_note(sap: SAP) -> str:
    """The Huvos grade footnote, from ``pathology.huvos_grade_lower_bounds`` (SAP 3.4)."""
    b = sap.pathology.huvos_grade_lower_bounds
    top = f"IV {b['IV']:g}%" if b["IV"] == 100 else f"IV >= {b['IV']:g}%"
    return (
        "Huvos grade from percent necrosis of the resected nodules: "
        f"I < {b['II']:g}%, II {b['II']:g} to < {b['III']:g}%, "
        f"III {b['III']:g} to < {b['IV']:g}%, {top} (SAP 3.4)."
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


def _month_key(months: float) -> str:
    return f"{months:g}"


def _source(ad: AnalysisData, ids: Sequence[str], module: str = MODULE) -> str:
    return source_line(module, ad.cutoff, ad.sap.sap_version, tuple(ids))


def _listing_source(ad: AnalysisData, datasets: str) -> str:
    text = source_line(MODULE, ad.cutoff, ad.sap.sap_version, ())
    return text.removesuffix(", ARD ") + f", datasets {datasets} (listings are not in the ARD)"


def fas(ad: AnalysisData) -> pd.DataFrame:
    """FAS patients in enrollment order (ENRLDT, then USUBJID; SAP 4)."""
    return (
        ad.population("FAS")
        .sort_values(["ENRLDT", "USUBJID"], kind="stable")
        .reset_index(drop=True)
    )


def pps(ad: AnalysisData) -> pd.DataFrame:
    frame = fas(ad)
    return frame.loc[in_population(frame, "PPS")].reset_index(drop=True)


def _set_line(*parts: tuple[str, int]) -> str:
    text = "; ".join(f"{SET_NAMES[name]} (N = {n})" for name, n in parts)
    return text[0].upper() + text[1:]


def _body(rows: list[tuple[str, ...]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _add_rate(
    b: ARDBuilder,
    x: int,
    n: int,
    conf_level: float,
    method: str,
    *,
    parameter: str,
    group: Mapping[str, object] | None = None,
    analysis_set: str | None = None,
) -> None:
    """``n``, ``N``, ``pct`` and the exact CI of ``x / n`` (NE when ``n`` is 0)."""
    keys = {"parameter": parameter, "group": group, "analysis_set": analysis_set}
    b.add("n", x, **keys)
    b.add("N", n, **keys)
    if n > 0:
        ci = binomial_ci(int(x), int(n), conf_level=conf_level, method=method)  # type: ignore[arg-type]
        b.add("pct", 100.0 * x / n, **keys)
        b.add_ci(ci.estimate, ci.lower, ci.upper, conf_level, **keys)
    else:
        b.add("pct", math.nan, **keys)
        b.add_ci(math.nan, math.nan, math.nan, conf_level, **keys)


def _add_count(
    b: ARDBuilder,
    x: int,
    n: int,
    *,
    parameter: str,
    group: Mapping[str, object] | None = None,
    analysis_set: str | None = None,
) -> None:
    keys = {"parameter": parameter, "group": group, "analysis_set": analysis_set}
    b.add("n", x, **keys)
    b.add("N", n, **keys)
    b.add("pct", 100.0 * x / n if n > 0 else math.nan, **keys)


# --- time to event ---


def tte_data(ad: AnalysisData, paramcd: str, usubjids: pd.Series | None = None) -> pd.DataFrame:
    """ADTTE records of one parameter (optionally for some patients) with ``EVENT`` (bool, from
    :func:`~osteo_stats.derive.efficacy.compute_event_indicator`) and ``RULEID`` (``E1``...)."""
    frame = ad.adtte.loc[ad.adtte["PARAMCD"] == paramcd]
    if usubjids is not None:
        frame = frame.loc[frame["USUBJID"].isin(set(usubjids))]
    frame = frame.sort_values("USUBJID", kind="stable").reset_index(drop=True)
    rule_id = (
        frame["RULE"]
        .fillna("")
        .map(lambda text: m.group(1) if (m := _RULE_ID.search(text)) else "")
    )
    return frame.assign(EVENT=compute_event_indicator(frame["CNSR"]), RULEID=rule_id)


def _km(ad: AnalysisData, frame: pd.DataFrame) -> KaplanMeierResult | None:
    if frame.empty:
        return None
    inf = ad.sap.inference
    return kaplan_meier(
        frame["AVALM"].to_numpy(float),
        frame["EVENT"].to_numpy(),
        conf_level=inf.conf_level,
        conf_type=inf.km_conf_type,
    )


def _record_tte(
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
        _add_count(b, k, n, group={"EVENT": rule}, **keys)
    for rule in CENSOR_RULES[paramcd]:
        k = int((~frame["EVENT"] & (frame["RULEID"] == rule)).sum())
        _add_count(b, k, n, group={"CENSOR": rule}, **keys)

    km = _km(ad, frame)
    level = inf.conf_level
    for key, p, _ in _QUANTILES:
        q = km.quantile(p) if km is not None else None
        est, lcl, ucl = (q.estimate, q.lower, q.upper) if q else (math.nan,) * 3
        b.add_ci(est, lcl, ucl, level, group={"QUANTILE": key}, **keys)
        b.add("reached", bool(q and q.reached), group={"QUANTILE": key}, **keys)
    landmarks = list(inf.km_landmarks_months)
    rates = km.survival_at(landmarks) if km is not None else None
    for i, month in enumerate(landmarks):
        group = {"MONTH": _month_key(month)}
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


def _tte_rows(
    ad: AnalysisData,
    values: _Values,
    paramcd: str,
    *,
    follow_up: bool = True,
    censor_rules: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(label, formatted cell) rows of one KM summary, read back from the ARD.

    ``censor_rules`` lists the censoring rows to show (default: the parameter's own); a rule
    that does not apply to ``paramcd`` gets an empty cell, so that columns line up.
    """
    level = _label(ad.sap.inference.conf_level)
    n = values("N")
    rows: list[tuple[str, str]] = [
        ("Patients, N", _fmt_int(n)),
        ("Patients with an event, n (%)", _fmt_count(values("events"), n)),
    ]
    rows += [
        (f"  {RULE_LABELS[r]} ({r})", values.count({"EVENT": r})) for r in EVENT_RULES[paramcd]
    ]
    rows.append(("Censored, n (%)", _fmt_count(values("censored"), n)))
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
        group = {"MONTH": _month_key(month)}
        rows.append(
            (
                f"  {_month_key(month)} months",
                f"{values.rate_ci(group)}; {_fmt_int(values('n_risk', group))}",
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


def _tte_footnotes(ad: AnalysisData) -> tuple[str, ...]:
    inf = ad.sap.inference
    return (
        f"Time in months = days / {ad.sap.time.days_per_month:g} from enrollment (SAP 6.1).",
        f"Kaplan-Meier estimates with Greenwood variance and {_label(inf.conf_level)} pointwise "
        f"CIs on the {inf.km_conf_type} scale; quantiles with the Brookmeyer-Crowley CI on the "
        "same scale (SAP 7.3). NR = not reached. A landmark after the last observed time is NE.",
        "Number at risk = patients with follow-up >= the landmark.",
        "Median follow-up by reverse Kaplan-Meier (Schemper & Smith), SAP 7.3.6.",
        "Events are counted by the first event and the rule that decided it (SAP 3.2, 8.4).",
    )


# --- Table 14.2.1 primary endpoint ---


@dataclass(frozen=True)
class PrimaryStatus:
    """Counts behind the primary analysis and whether design-based inference is available."""

    population: pd.DataFrame  # the first n FAS patients (SAP 5.6)
    stage1: pd.DataFrame  # the first n1 of them
    available: bool
    stopped_early: bool
    reason: str


def primary_status(ad: AnalysisData) -> PrimaryStatus:
    """Decide whether design-based inference (SAP 7.2) is available at this cut-off.

    Available when (a) every patient of the first ``n1`` is evaluable and the stage-1 successes
    are at most ``r1`` (the trial stops after stage 1; the futility rule is binding, SAP 5.5), or
    (b) ``n`` patients are enrolled and all of the first ``n`` have a determined status (success
    or failure): the final analysis of SAP 10.3. Otherwise it is "not yet available".
    """
    design = ad.sap.design
    everyone = fas(ad)
    population = everyone.head(design.n)
    stage1 = population.head(design.n1)
    determined = population["PRIMSTAT"].isin(["SUCCESS", "FAILURE"])
    stage1_done = len(stage1) == design.n1 and stage1["PRIMSTAT"].isin(["SUCCESS", "FAILURE"]).all()
    stage1_success = int((stage1["PRIMSTAT"] == "SUCCESS").sum())
    if stage1_done and stage1_success <= design.r1:
        return PrimaryStatus(population, stage1, True, True, "stopped after stage 1")
    if len(population) < design.n:
        reason = f"{len(population)} of {design.n} planned patients enrolled"
        return PrimaryStatus(population, stage1, False, False, reason)
    if not determined.all():
        reason = f"{int((~determined).sum())} of {design.n} patients not yet evaluable"
        return PrimaryStatus(population, stage1, False, False, reason)
    return PrimaryStatus(population, stage1, True, False, "all patients evaluable")


def primary_endpoint_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.1: the 2-year EFS rate with design-based inference (SAP 3.1, 7.2)."""
    aid, tlf_label = "EFF-PRIM-01", "Table 14.2.1"
    design, inf = ad.sap.design, ad.sap.inference
    status = primary_status(ad)
    pop = status.population
    b = ARDBuilder(aid, tlf_label, "FAS")
    prm = {"parameter": "PRIMARY"}
    n_pop = len(pop)
    b.add("N", len(fas(ad)), **prm)
    counts = {
        s: int((pop["PRIMSTAT"] == s).sum()) for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
    }
    for s, k in counts.items():
        _add_count(b, k, n_pop, group={"STATUS": s}, **prm)
    # SAP 3.1: at the final analysis, patients still not evaluable count as failures (F3).
    f3 = int((pop["PRIMRULE"] == "F3").sum())
    _add_count(b, f3, n_pop, group={"STATUS": "FAILURE", "RULE": "F3"}, **prm)
    s1 = status.stage1
    for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET"):
        _add_count(
            b, int((s1["PRIMSTAT"] == s).sum()), len(s1), group={"STAGE": "1", "STATUS": s}, **prm
        )

    successes = counts["SUCCESS"]
    evaluable = counts["SUCCESS"] + counts["FAILURE"]
    for level in sorted({1 - 2 * design.alpha, inf.conf_level}):
        _add_rate(
            b,
            successes,
            evaluable,
            level,
            "clopper-pearson",
            group={"METHOD": "NAIVE", "LEVEL": _label(level)},
            **prm,
        )
    design_group = {"METHOD": "DESIGN-BASED"}
    b.add("boundary", design.r, group=design_group, **prm)
    if status.available:
        x = int((s1["PRIMSTAT"] == "SUCCESS").sum()) if status.stopped_early else successes
        res = two_stage_inference(x, design.r1, design.n1, design.n, design.p0, design.alpha)
        b.add("n", res.x, group=design_group, **prm)
        b.add("N", res.n_observed, group=design_group, **prm)
        b.add("umvue", res.umvue, group=design_group, **prm)
        b.add_ci(res.umvue, res.lower, res.upper, res.conf_level, group=design_group, **prm)
        b.add("p_value", res.p_value, group=design_group, **prm)
        b.add("crossed", (not res.stopped_early) and res.x > design.r, group=design_group, **prm)
    efs = tte_data(ad, "EFS", pop["USUBJID"])
    km = _km(ad, efs)
    landmark = ad.sap.primary_endpoint.landmark_months
    km_group = {"METHOD": "KAPLAN-MEIER", "MONTH": _month_key(landmark)}
    if km is not None:
        row = km.survival_at([landmark]).iloc[0]
        b.add_ci(row["surv"], row["lower"], row["upper"], inf.conf_level, group=km_group, **prm)
    else:
        b.add_ci(math.nan, math.nan, math.nan, inf.conf_level, group=km_group, **prm)
    ard = b.build()

    v = _Values(ard, aid, "PRIMARY", "FAS")
    n_txt = _fmt_int(v("N", {"STATUS": "SUCCESS"}))
    rows: list[tuple[str, str]] = [
        (f"Patients in the primary analysis (first {design.n} by enrollment), N", n_txt),
        (
            f"Success: event-free at {_month_key(landmark)} months, n (%)",
            v.count({"STATUS": "SUCCESS"}),
        ),
        ("Failure, n (%)", v.count({"STATUS": "FAILURE"})),
    ]
    if ad.analysis_type == "final":
        rows.append(
            (
                "  of which not evaluable at the final analysis (SAP 3.1 F3), n (%)",
                v.count({"STATUS": "FAILURE", "RULE": "F3"}),
            )
        )
    rows += [
        ("Not yet evaluable at this cut-off, n (%)", v.count({"STATUS": "NOT EVALUABLE YET"})),
        (
            f"Stage 1 (first {design.n1} patients): successes / failures / not yet evaluable",
            " / ".join(
                _fmt_int(v("n", {"STAGE": "1", "STATUS": s}))
                for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
            ),
        ),
    ]
    rows.append(("Design-based inference (Simon two-stage, SAP 7.2)", ""))
    if status.available:
        level = _label(v("conf_level", design_group))
        rows += [
            (
                "  Successes / patients analysed",
                f"{_fmt_int(v('n', design_group))} / {_fmt_int(v('N', design_group))}",
            ),
            ("  UMVUE (Jung & Kim 2004), %", fmt_number(100 * v("umvue", design_group), 1)),
            (
                f"  Exact {level} CI, stage-wise ordering (Koyama & Chen 2008), %",
                f"({fmt_number(100 * v('lcl', design_group), 1)}, "
                f"{fmt_number(100 * v('ucl', design_group), 1)})",
            ),
            (
                "  One-sided p-value, stage-wise ordering (H0: p <= "
                f"{fmt_number(100 * design.p0, 0)}%)",
                fmt_p(v("p_value", design_group), 4),
            ),
            (
                f"  Decision: reject H0 if successes > r = {_fmt_int(v('boundary', design_group))}",
                "H0 rejected" if v("crossed", design_group) == 1 else "H0 not rejected",
            ),
        ]
        if status.stopped_early:
            rows.append(("  Trial stopped for futility after stage 1", "Yes"))
    else:
        rows.append(
            (
                "  UMVUE, exact CI, stage-wise p-value and decision",
                f"Not yet available at this cut-off ({status.reason})",
            )
        )
    rows.append(("Naive proportion among evaluable patients (ignores the design)", ""))
    naive = [
        {"METHOD": "NAIVE", "LEVEL": _label(x)}
        for x in sorted({1 - 2 * design.alpha, inf.conf_level})
    ]
    rows.append(
        (
            "  Successes / evaluable patients",
            f"{_fmt_int(v('n', naive[0]))} / {_fmt_int(v('N', naive[0]))}",
        )
    )
    rows += [(f"  % (Clopper-Pearson {group['LEVEL']} CI)", v.rate_ci(group)) for group in naive]
    rows.append(
        (
            f"Supportive: Kaplan-Meier EFS rate at {_month_key(landmark)} months, % "
            f"({_label(inf.conf_level)} CI)",
            v.rate_ci(km_group),
        )
    )
    footnotes = (
        f"Success = alive and event-free at {_month_key(landmark)} months with adequate follow-up "
        "(SAP 3.1 rules S1/S2); leaving follow-up event-free before "
        f"{_month_key(landmark)} months is a failure (F2).",
        (
            "Final analysis (SAP 3.1, 10.3): a patient still not evaluable after the "
            f"{_month_key(landmark)}-month date (N2) is counted as a failure (F3); Table 14.2.4 "
            "shows the analysis excluding these patients."
            if ad.analysis_type == "final"
            else "Interim analysis: patients not yet evaluable are not counted; at the final "
            f"analysis those still not evaluable after the {_month_key(landmark)}-month date are "
            "failures (SAP 3.1)."
        ),
        f"Simon optimal two-stage design: stop after {design.n1} if <= {design.r1} successes; "
        f"reject H0 (p <= {design.p0:g}) if > {design.r} successes among {design.n} (SAP 5.2).",
        "Design-based inference (SAP 7.2) is computed only when the trial's outcome is complete: "
        "all patients of the primary analysis evaluable (final analysis, SAP 10.3), or stage 1 "
        "complete with a futility stop. Before then it is not shown.",
        "Naive Clopper-Pearson intervals ignore the two-stage design and are shown for "
        "transparency only; at an interim cut-off they use evaluable patients only and are "
        "biased towards failures, which are determined earlier than successes.",
        f"Exact CI level = 1 - 2 x alpha = {_label(1 - 2 * design.alpha)}, consistent with the "
        f"one-sided test at alpha = {design.alpha:g}.",
    )
    tlf = TLF(
        kind="Table",
        number="14.2.1",
        title=(
            f"Primary endpoint: {ad.sap.primary_endpoint.landmark_label} EFS rate with "
            "design-based inference"
        ),
        analysis_set=_set_line(("FAS", len(fas(ad)))),
        footnotes=footnotes,
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", "FAS"]),
    )
    return TLFOutput(tlf, ard)


# --- Table 14.2.4 primary sensitivity ---


def primary_sensitivity_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.4: primary endpoint in the PPS, and in the FAS excluding the not-yet-evaluable
    patients (naive Clopper-Pearson only; SAP 7.5)."""
    aid, tlf_label = "EFF-PRIM-03", "Table 14.2.4"
    level = ad.sap.inference.conf_level
    b = ARDBuilder(aid, tlf_label, "PPS")
    population = primary_status(ad).population
    per_protocol = population.loc[in_population(population, "PPS")]
    # The supportive analysis of SAP 3.1 excludes the patients the final analysis counts as
    # failures only because they are not evaluable (F3): here they are not evaluable.
    supportive = population.assign(
        PRIMSTAT=population["PRIMSTAT"].where(population["PRIMRULE"] != "F3", "NOT EVALUABLE YET")
    )
    sets = (("PPS", per_protocol), ("FAS", supportive))
    for name, frame in sets:
        keys = {"parameter": "PRIMARY", "analysis_set": name}
        n = len(frame)
        for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET"):
            _add_count(b, int((frame["PRIMSTAT"] == s).sum()), n, group={"STATUS": s}, **keys)
        x = int((frame["PRIMSTAT"] == "SUCCESS").sum())
        m = int(frame["PRIMSTAT"].isin(["SUCCESS", "FAILURE"]).sum())
        _add_rate(b, x, m, level, "clopper-pearson", group={"METHOD": "NAIVE"}, **keys)
    ard = b.build()

    cols: list[list[str]] = []
    for name, _ in sets:
        v = _Values(ard, aid, "PRIMARY", name)
        group = {"METHOD": "NAIVE"}
        cols.append(
            [
                _fmt_int(v("N", {"STATUS": "SUCCESS"})),
                v.count({"STATUS": "SUCCESS"}),
                v.count({"STATUS": "FAILURE"}),
                v.count({"STATUS": "NOT EVALUABLE YET"}),
                _fmt_int(v("N", group)),
                v.rate_ci(group),
            ]
        )
    labels = [
        "Patients, N",
        "Success, n (%)",
        "Failure, n (%)",
        "Not yet evaluable, n (%)",
        "Evaluable patients, n",
        f"Success rate among evaluable, % (Clopper-Pearson {_label(level)} CI)",
    ]
    rows = [(label, *(c[i] for c in cols)) for i, label in enumerate(labels)]
    n_pps, n_fas = len(per_protocol), len(population)
    tlf = TLF(
        kind="Table",
        number="14.2.4",
        title="Primary endpoint: sensitivity analyses",
        analysis_set=_set_line(("PPS", n_pps), ("FAS", n_fas)),
        footnotes=(
            "PPS: the per-protocol set, with the naive Clopper-Pearson CI; the design-based "
            "inference of SAP 7.2 applies to the FAS only (SAP 7.5).",
            "FAS excluding not-yet-evaluable patients: supportive analysis of SAP 3.1 and 7.5; "
            "identical to the primary counts when no patient is not yet evaluable. At the final "
            "analysis, patients counted as failures only because they are not evaluable (SAP 3.1 "
            "F3) are shown here as not evaluable.",
            f"Patients: the first {ad.sap.design.n} FAS patients by enrollment (SAP 5.6).",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(
            rows,
            ["Statistic", f"PPS (N = {n_pps})", f"FAS excluding not yet evaluable (N = {n_fas})"],
        ),
    )
    return TLFOutput(tlf, ard)


# --- Tables 14.2.5 and 14.2.6 response ---


def bor_pending(frame: pd.DataFrame) -> pd.Series:
    """Patients whose pre-operative window has not closed at the cut-off (SAP 3.3; derived as
    ``WINOPENFL`` by :func:`~osteo_stats.derive.response.derive_preop_window`)."""
    return frame["WINOPENFL"] == "Y"


def bor_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.5: best overall response in the pre-operative window (SAP 3.3)."""
    aid, tlf_label = "EFF-BOR-01", "Table 14.2.5"
    frame = fas(ad)
    pending = bor_pending(frame)
    evaluable = frame.loc[~pending]
    n = len(evaluable)
    b = ARDBuilder(aid, tlf_label, "FAS")
    b.add("N", len(frame), parameter="BOR")
    for level in BOR_LEVELS:
        _add_count(
            b, int((evaluable["BOR"] == level).sum()), n, parameter="BOR", group={"BOR": level}
        )
    b.add("n", int(pending.sum()), parameter="BOR", group={"BOR": "NOT YET EVALUABLE"})
    ard = b.build()

    v = _Values(ard, aid, "BOR", "FAS")
    rows = [(BOR_LABELS[level], v.count({"BOR": level})) for level in BOR_LEVELS]
    n_pending = v("n", {"BOR": "NOT YET EVALUABLE"})
    if n_pending > 0:
        rows.append(
            ("Not yet evaluable at this cut-off (not in the denominator), n", _fmt_int(n_pending))
        )
    tlf = TLF(
        kind="Table",
        number="14.2.5",
        title="Best overall response, pre-operative window (RECIST 1.1)",
        analysis_set=_set_line(("FAS", len(frame))),
        footnotes=(
            "Investigator-assessed RECIST 1.1 over the pre-operative window (enrollment to "
            "surgery; without surgery to new therapy or "
            f"{ad.sap.response.window_without_surgery_weeks:g} weeks), SAP 3.3.",
            "Confirmation of CR/PR not required (SAP setting response.confirmation_required = "
            f"{str(ad.sap.response.confirmation_required).lower()}); SD needs >= "
            f"{ad.sap.response.sd_min_days} days from enrollment, otherwise NE.",
            "Percentages: FAS patients with a closed pre-operative window; patients whose window "
            f"is still open at the cut-off are not yet evaluable ({_fmt_int(n_pending)}).",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Best overall response", f"FAS (N = {len(frame)}), n (%)"]),
    )
    return TLFOutput(tlf, ard)


def orr_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.6: ORR and DCR with exact CIs, FAS and PPS (SAP 3.3, 7.1).

    No hypothesis test: the SAP states a hypothesis (p0) for the primary endpoint only, and SAP
    7.1 tests against p0 only "where a hypothesis exists".
    """
    aid, tlf_label = "EFF-ORR-01", "Table 14.2.6"
    inf = ad.sap.inference
    b = ARDBuilder(aid, tlf_label, "FAS")
    sets = (("FAS", fas(ad)), ("PPS", pps(ad)))
    for name, frame in sets:
        pending = bor_pending(frame)
        evaluable = frame.loc[~pending]
        b.add("N", len(frame), parameter="ORR", analysis_set=name, group={"ROW": "ANALYSIS SET"})
        b.add(
            "n",
            int(pending.sum()),
            parameter="ORR",
            analysis_set=name,
            group={"ROW": "NOT YET EVALUABLE"},
        )
        for param, flag in (("ORR", "ORRFL"), ("DCR", "DCRFL")):
            x = int((evaluable[flag] == "Y").sum())
            _add_rate(
                b,
                x,
                len(evaluable),
                inf.conf_level,
                inf.proportion_ci,
                parameter=param,
                analysis_set=name,
            )
    ard = b.build()

    level = _label(inf.conf_level)
    method = _method(inf.proportion_ci)
    rows: list[tuple[str, ...]] = []
    for param, label in (
        ("ORR", "Objective response (CR + PR)"),
        ("DCR", "Disease control (CR + PR + SD)"),
    ):
        cells_n, cells_ci = [], []
        for name, _ in sets:
            v = _Values(ard, aid, param, name)
            cells_n.append(v.count())
            cells_ci.append(v.rate_ci())
        rows.append((f"{label}, n (%)", *cells_n))
        rows.append((f"  % ({level} CI, {method})", *cells_ci))
    pending_cells = [
        _fmt_int(_Values(ard, aid, "ORR", name)("n", {"ROW": "NOT YET EVALUABLE"}))
        for name, _ in sets
    ]
    if any(c != "0" for c in pending_cells):
        rows.append(("Not yet evaluable (not in the denominator), n", *pending_cells))
    n_fas, n_pps = (
        int(_Values(ard, aid, "ORR", name)("N", {"ROW": "ANALYSIS SET"})) for name, _ in sets
    )
    tlf = TLF(
        kind="Table",
        number="14.2.6",
        title="Objective response and disease control rates",
        analysis_set=_set_line(("FAS", n_fas), ("PPS", n_pps)),
        footnotes=(
            "ORR = CR + PR; DCR = CR + PR + SD; best overall response over the pre-operative "
            "window (SAP 3.3). NE and missing count as non-responders.",
            f"{method} {level} CI (SAP 7.1). No hypothesis test: the SAP states a null "
            "hypothesis for the primary endpoint only (SAP 5.1, 7.1).",
            "Denominator: patients of the analysis set whose pre-operative window has closed.",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"PPS (N = {n_pps})"]),
    )
    return TLFOutput(tlf, ard)


# --- Tables 14.2.7 and 14.2.8 pathology and R0 ---


def _surgery_sets(ad: AnalysisData) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The FAS denominator (``PATHDENFL``), the operated patients, and the count of patients
    not yet evaluable, surgery pending at an interim cut-off (rule P3; SAP 3.4)."""
    frame = fas(ad)
    return (
        frame.loc[frame["PATHDENFL"] == "Y"],
        frame.loc[frame["OPERFL"] == "Y"],
        int((frame["PATHRULE"] == "P3").sum()),
    )


def _pending_at_final(frame: pd.DataFrame) -> pd.Series:
    """Surgery still pending at the final analysis, counted as no outcome (rule P4; SAP 3.4)."""
    return frame["PATHRULE"] == "P4"


def pathology_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.7: Huvos grade, good (III-IV) and complete (IV) response (SAP 3.4)."""
    aid, tlf_label = "EFF-PATH-01", "Table 14.2.7"
    inf, path = ad.sap.inference, ad.sap.pathology
    base, operated, n_pending = _surgery_sets(ad)
    sets = (("FAS", base), ("FAS-OPERATED", operated))
    final = ad.analysis_type == "final"
    b = ARDBuilder(aid, tlf_label, "FAS")
    if not final:
        b.add("n", n_pending, parameter="HUVOS", group={"ROW": "SURGERY PENDING"})
    for name, frame in sets:
        keys = {"analysis_set": name}
        n = len(frame)
        for grade in HUVOS_LEVELS:
            _add_count(
                b,
                int((frame["HUVOS"] == grade).sum()),
                n,
                parameter="HUVOS",
                group={"HUVOS": grade},
                **keys,
            )
        missing = int(((frame["OPERFL"] == "Y") & frame["HUVOS"].isna()).sum())
        _add_count(b, missing, n, parameter="HUVOS", group={"HUVOS": "MISSING"}, **keys)
        if name == "FAS":
            _add_count(
                b,
                int((frame["PATHRULE"] == "P2").sum()),
                n,
                parameter="HUVOS",
                group={"HUVOS": "NOT OPERATED"},
                **keys,
            )
            if final:
                _add_count(
                    b,
                    int(_pending_at_final(frame).sum()),
                    n,
                    parameter="HUVOS",
                    group={"HUVOS": "SURGERY PENDING"},
                    **keys,
                )
        for param, flag in (("GOODRESP", "GOODRESP"), ("COMPRESP", "COMPRESP")):
            _add_rate(
                b,
                int((frame[flag] == "Y").sum()),
                n,
                inf.conf_level,
                inf.proportion_ci,
                parameter=param,
                **keys,
            )
    ard = b.build()

    level = _label(inf.conf_level)
    values = {name: _Values(ard, aid, "HUVOS", name) for name, _ in sets}
    rows: list[tuple[str, ...]] = [("Huvos grade, n (%)", "", "")]
    bounds = path.huvos_grade_lower_bounds
    for i, grade in enumerate(HUVOS_LEVELS):
        rows.append(
            (
                f"  {_huvos_label(bounds, i)}",
                *(values[n_].count({"HUVOS": grade}) for n_, _ in sets),
            )
        )
    rows.append(
        (
            "  Operated, necrosis missing",
            *(values[n_].count({"HUVOS": "MISSING"}) for n_, _ in sets),
        )
    )
    rows.append(("  Not operated", values["FAS"].count({"HUVOS": "NOT OPERATED"}), ""))
    n_final = values["FAS"]("n", {"HUVOS": "SURGERY PENDING"}) if final else 0.0
    if n_final > 0:
        rows.append(
            (
                "  Surgery still pending at the final analysis (non-responder)",
                values["FAS"].count({"HUVOS": "SURGERY PENDING"}),
                "",
            )
        )
    for param, label in (
        ("GOODRESP", f"Good response (grade {path.good_grades_label})"),
        ("COMPRESP", f"Complete response (grade {'-'.join(path.complete_response_grades)})"),
    ):
        vs = [values[name].at(parameter=param) for name, _ in sets]
        rows.append((f"{label}, n (%)", *(v.count() for v in vs)))
        rows.append((f"  % ({level} CI, {_method(inf.proportion_ci)})", *(v.rate_ci() for v in vs)))
    if not final and values["FAS"]("n", {"ROW": "SURGERY PENDING"}) > 0:
        rows.append(
            (
                "Surgery pending at the cut-off (not in the denominator), n",
                _fmt_int(values["FAS"]("n", {"ROW": "SURGERY PENDING"})),
                "",
            )
        )
    n_fas, n_op = len(base) + n_pending, len(operated)
    tlf = TLF(
        kind="Table",
        number="14.2.7",
        title="Pathological response (Huvos grade)",
        analysis_set=_set_line(("FAS", n_fas), ("FAS-OPERATED", n_op)),
        footnotes=(
            _huvos_note(ad.sap),
            (
                "FAS column: patients not operated are non-responders; patients whose surgery "
                f"is still pending at the final analysis ({_fmt_int(n_final)}) are counted as "
                "non-responders (SAP 3.4, 10.3). Operated = SURGOUT R0, R1 or R2."
                if final
                else "FAS column: patients not operated are non-responders; patients with "
                "surgery pending at the cut-off are excluded from the denominator. Operated = "
                "SURGOUT R0, R1 or R2."
            ),
            f"{_method(inf.proportion_ci)} {level} CI (SAP 7.1).",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"Operated (N = {n_op})"]),
    )
    return TLFOutput(tlf, ard)


def _huvos_label(bounds: Mapping[str, float], i: int) -> str:
    """``Grade II (50 to < 90% necrosis)`` from the SAP's lower bounds."""
    grade, low = HUVOS_LEVELS[i], bounds[HUVOS_LEVELS[i]]
    if i + 1 == len(HUVOS_LEVELS):
        return f"Grade {grade} ({low:g}% necrosis)"
    high = bounds[HUVOS_LEVELS[i + 1]]
    if low <= 0:
        return f"Grade {grade} (< {high:g}% necrosis)"
    return f"Grade {grade} ({low:g} to < {high:g}% necrosis)"


def r0_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.8: R0 resection rate among the FAS and among operated patients (SAP 3.4)."""
    aid, tlf_label = "EFF-R0-01", "Table 14.2.8"
    inf = ad.sap.inference
    base, operated, n_pending = _surgery_sets(ad)
    sets = (("FAS", base), ("FAS-OPERATED", operated))
    outcomes = ("R0", "R1", "R2", "NOT DONE")
    final = ad.analysis_type == "final"
    b = ARDBuilder(aid, tlf_label, "FAS")
    if not final:
        b.add("n", n_pending, parameter="SURGOUT", group={"SURGOUT": "PENDING"})
    for name, frame in sets:
        for outcome in outcomes if name == "FAS" else outcomes[:3]:
            _add_count(
                b,
                int((frame["SURGOUT"] == outcome).sum()),
                len(frame),
                parameter="SURGOUT",
                group={"SURGOUT": outcome},
                analysis_set=name,
            )
        if final and name == "FAS":
            # In the FAS denominator at the final analysis: one more outcome, "not R0".
            _add_count(
                b,
                int(_pending_at_final(frame).sum()),
                len(frame),
                parameter="SURGOUT",
                group={"SURGOUT": "PENDING"},
                analysis_set=name,
            )
        _add_rate(
            b,
            int((frame["R0FL"] == "Y").sum()),
            len(frame),
            inf.conf_level,
            inf.proportion_ci,
            parameter="R0",
            analysis_set=name,
        )
    ard = b.build()

    level = _label(inf.conf_level)
    v_fas, v_op = (_Values(ard, aid, "SURGOUT", name) for name, _ in sets)
    rows: list[tuple[str, ...]] = [("Surgical outcome, n (%)", "", "")]
    for outcome, label in (
        ("R0", "R0"),
        ("R1", "R1"),
        ("R2", "R2"),
        ("NOT DONE", "Surgery not done"),
    ):
        rows.append(
            (
                f"  {label}",
                v_fas.count({"SURGOUT": outcome}),
                v_op.count({"SURGOUT": outcome}) if outcome != "NOT DONE" else "",
            )
        )
    pending = v_fas("n", {"SURGOUT": "PENDING"})
    if final and pending > 0:
        rows.append(
            (
                "  Surgery still pending at the final analysis (not R0)",
                v_fas.count({"SURGOUT": "PENDING"}),
                "",
            )
        )
    r0 = [v.at(parameter="R0") for v in (v_fas, v_op)]
    rows.append(("R0 resection, n (%)", *(v.count() for v in r0)))
    rows.append((f"  % ({level} CI, {_method(inf.proportion_ci)})", *(v.rate_ci() for v in r0)))
    if not final and pending > 0:
        rows.append(
            ("Surgery pending at the cut-off (not in the denominator), n", _fmt_int(pending), "")
        )
    n_fas, n_op = len(base) + n_pending, len(operated)
    tlf = TLF(
        kind="Table",
        number="14.2.8",
        title="R0 resection rate",
        analysis_set=_set_line(("FAS", n_fas), ("FAS-OPERATED", n_op)),
        footnotes=(
            (
                "R0 = SURGOUT R0 (complete resection); patients whose surgery is still pending "
                f"at the final analysis ({_fmt_int(pending)}) are counted as not R0 in the FAS "
                "denominator (SAP 3.4, 10.3). Operated = SURGOUT R0, R1 or R2."
                if final
                else "R0 = SURGOUT R0 (complete resection); FAS denominator excludes patients "
                "with surgery pending at the cut-off (SAP 3.4). Operated = SURGOUT R0, R1 or R2."
            ),
            f"{_method(inf.proportion_ci)} {level} CI (SAP 7.1).",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"Operated (N = {n_op})"]),
    )
    return TLFOutput(tlf, ard)


# --- Tables 14.2.9-14.2.12 EFS and OS ---


def efs_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.9: EFS summary (SAP 3.2, 7.3)."""
    return _tte_table(ad, "EFS", "EFF-EFS-01", "14.2.9", "Event-free survival")


def os_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.11: OS summary (SAP 3.2.5, 7.3)."""
    return _tte_table(ad, "OS", "EFF-OS-01", "14.2.11", "Overall survival")


def _tte_table(ad: AnalysisData, paramcd: str, aid: str, number: str, title: str) -> TLFOutput:
    frame = fas(ad)
    b = ARDBuilder(aid, f"Table {number}", "FAS")
    _record_tte(ad, b, tte_data(ad, paramcd, frame["USUBJID"]), paramcd)
    ard = b.build()
    rows = _tte_rows(ad, _Values(ard, aid, paramcd, "FAS"), paramcd)
    tlf = TLF(
        kind="Table",
        number=number,
        title=title,
        analysis_set=_set_line(("FAS", len(frame))),
        footnotes=_tte_footnotes(ad),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", f"FAS (N = {len(frame)})"]),
    )
    return TLFOutput(tlf, ard)


def efs_sensitivity_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.10: EFS sensitivity (a), (b) in the FAS and EFS in the PPS (SAP 3.2.4, 7.5)."""
    aid, tlf_label = "EFF-EFS-02", "Table 14.2.10"
    columns = (
        ("EFSSENSA", "FAS", fas(ad), "(a) Censored at new anticancer therapy, FAS"),
        ("EFSSENSB", "FAS", fas(ad), "(b) Events after >= 2 missed assessments censored, FAS"),
        ("EFS", "PPS", pps(ad), "Primary EFS definition, PPS"),
    )
    b = ARDBuilder(aid, tlf_label, "FAS")
    for paramcd, name, frame, _ in columns:
        _record_tte(
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
            _tte_rows(
                ad, _Values(ard, aid, paramcd, name), paramcd, follow_up=False, censor_rules=censors
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
        title="Event-free survival: sensitivity analyses (a), (b), PPS",
        analysis_set=_set_line(("FAS", n_fas), ("PPS", n_pps)),
        footnotes=(
            "(a) EFS censored at the last adequate assessment on or before the start of new "
            "anticancer therapy (rule C3); (b) an event after "
            f"{_missed_note(ad.sap)} after the last adequate assessment) is censored at that "
            "assessment (rule C4), SAP 3.2.4.",
            *_tte_footnotes(ad)[:3],
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", *(label for *_, label in columns)]),
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
        group={"CONTROL": f"EFS AT {_month_key(control.landmark_months)} MONTHS"},
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
            res.z,
            res.p_one_sided,
            res.p_two_sided,
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

    v = _Values(ard, aid, "EFS", "FAS")
    landmark = _month_key(control.landmark_months)
    rows = [
        ("Patients, N", _fmt_int(v("N"))),
        (
            f"Historical control: exponential, EFS at {landmark} months, %",
            fmt_number(100 * v("est", {"CONTROL": f"EFS AT {landmark} MONTHS"}), 1),
        ),
        ("  Control hazard, per month", fmt_number(v("est", {"CONTROL": "HAZARD PER MONTH"}), 4)),
        ("Observed EFS events, O", _fmt_int(v("observed"))),
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
        title="One-sample log-rank test of EFS against the historical control",
        analysis_set=_set_line(("FAS", len(frame))),
        footnotes=(
            "E = sum over patients of lambda x t_i with t_i the EFS time in months (events and "
            "censorings) and lambda = -ln(S0) / landmark; Z < 0 favours the treatment "
            "(SAP 7.3.8). Supportive analysis.",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(rows, ["Statistic", f"FAS (N = {len(frame)})"]),
    )
    return TLFOutput(tlf, ard)


# --- Tables 14.2.13 and 14.2.14 prognostic factors ---


@dataclass(frozen=True)
class Factor:
    """A prognostic factor of SAP 7.4 with its fixed coding."""

    key: str
    label: str
    levels: tuple[str, ...]  # display order; the first is the Cox reference level
    code: Callable[[pd.DataFrame], pd.Series]


def _cut(values: pd.Series, threshold: float, below: str, at_or_above: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    out = pd.Series(
        np.where(numbers >= threshold, at_or_above, below), index=values.index, dtype=object
    )
    return out.where(numbers.notna(), None)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def cox_factors(sap: SAP) -> tuple[Factor, ...]:
    """The Cox prognostic factors with the cut-points of ``prognostic_factors`` (SAP 7.4)."""
    pf = sap.prognostic_factors
    nod, dfi = pf.nodules_cut, pf.disease_free_interval_cut_months
    few = "1" if nod == 2 else f"1-{nod - 1}"
    return (
        Factor(
            "NNODULE",
            "Number of nodules",
            (few, f">={nod}"),
            lambda d: _cut(d["NNODULE"], nod, few, f">={nod}"),
        ),
        Factor(
            "DFIMO",
            "Disease-free interval",
            (f">={dfi:g} months", f"<{dfi:g} months"),
            lambda d: _cut(d["DFIMO"], dfi, f"<{dfi:g} months", f">={dfi:g} months"),
        ),
        Factor("LATERAL", "Laterality", ("UNILATERAL", "BILATERAL"), lambda d: _text(d["LATERAL"])),
    )


def subgroup_factors(sap: SAP) -> tuple[Factor, ...]:
    """The log-rank subgroups of SAP 7.4: the Cox factors, sex and age."""
    age = sap.prognostic_factors.age_cut_years
    return (
        *cox_factors(sap),
        Factor("SEX", "Sex", ("F", "M"), lambda d: _text(d["SEX"])),
        Factor(
            "AGE",
            "Age",
            (f"<{age:g} years", f">={age:g} years"),
            lambda d: _cut(d["AGE"], age, f"<{age:g} years", f">={age:g} years"),
        ),
    )


def _cox_model(
    b: ARDBuilder, data: pd.DataFrame, factors: Sequence[Factor], model: str, level: float
) -> str:
    """Fit and record one Cox model; returns "" or the reason it is not estimable."""
    keys = {"parameter": "EFS"}
    coded = pd.DataFrame({f.key: f.code(data) for f in factors})
    complete = coded.notna().all(axis=1)
    fit_data = coded.loc[complete].assign(
        TIME=data.loc[complete, "AVALM"].to_numpy(float),
        EVENT=data.loc[complete, "EVENT"].to_numpy(int),
    )
    b.add("N", len(fit_data), group={"MODEL": model}, **keys)
    b.add("events", int(fit_data["EVENT"].sum()), group={"MODEL": model}, **keys)
    b.add("n", int((~complete).sum()), group={"MODEL": model, "ROW": "MISSING COVARIATE"}, **keys)
    reason = ""
    for f in factors:
        for lv in f.levels:
            at = fit_data[f.key] == lv
            group = {"MODEL": model, "FACTOR": f.key, "LEVEL": lv}
            b.add("n", int(at.sum()), group=group, **keys)
            b.add("events", int(fit_data.loc[at, "EVENT"].sum()), group=group, **keys)
            if fit_data.loc[at, "EVENT"].sum() == 0:
                reason = reason or f"no events in level {lv} of {f.label.lower()}"
    table = None
    lr_test = {"statistic": math.nan, "df": math.nan, "p_value": math.nan}
    if not reason:
        try:
            result = cox_regression(
                fit_data,
                "TIME",
                "EVENT",
                [f.key for f in factors],
                reference_levels={f.key: f.levels[0] for f in factors},
                conf_level=level,
            )
            table = result.table.set_index("term")
            lr_test = {"statistic": result.lr_statistic, "df": result.lr_df, "p_value": result.lr_p}
        except CoxNotEstimable as exc:
            reason = f"model not estimable ({exc.cause})"
    for statistic, value in lr_test.items():
        b.add(statistic, value, group={"MODEL": model, "ROW": "LR TEST"}, **keys)
    for f in factors:
        lv = f.levels[1]
        group = {"MODEL": model, "TERM": f"{f.key}={lv}"}
        row = table.loc[f"{f.key}={lv}"] if table is not None else None
        nan = math.nan
        b.add("coef", row["coef"] if row is not None else nan, group=group, **keys)
        b.add("se", row["se"] if row is not None else nan, group=group, **keys)
        b.add_ci(
            *(row[c] if row is not None else nan for c in ("hr", "hr_lower", "hr_upper")),
            level,
            group=group,
            **keys,
        )
        b.add("p_value", row["p"] if row is not None else nan, group=group, **keys)
    return reason


def cox_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.13: exploratory Cox regression of EFS (Efron ties) on the SAP 7.4 factors."""
    aid, tlf_label = "EFF-COX-01", "Table 14.2.13"
    level = ad.sap.inference.conf_level
    patients = fas(ad)
    prognostic = cox_factors(ad.sap)
    pf = ad.sap.prognostic_factors
    few, dfi = prognostic[0].levels[0], pf.disease_free_interval_cut_months
    min_events = pf.bivariable_min_events
    data = tte_data(ad, "EFS", patients["USUBJID"]).merge(
        patients[["USUBJID", *{f.key for f in prognostic}]], on="USUBJID", how="left"
    )
    b = ARDBuilder(aid, tlf_label, "FAS")
    models: list[tuple[str, tuple[Factor, ...], str]] = []
    for f in prognostic:
        models.append((f.key, (f,), _cox_model(b, data, (f,), f.key, level)))
    n_events = int(data["EVENT"].sum())
    bivariable = (prognostic[0], prognostic[1])
    biv_key = "NNODULE+DFIMO"
    if n_events >= min_events:
        models.append((biv_key, bivariable, _cox_model(b, data, bivariable, biv_key, level)))
    else:
        b.add("events", n_events, parameter="EFS", group={"MODEL": biv_key})
    ard = b.build()

    v = _Values(ard, aid, "EFS", "FAS")
    lv = _label(level)
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for model, factors, reason in models:
        title = "Univariable" if len(factors) == 1 else "Bivariable"
        m = {"MODEL": model}
        rows.append(
            (
                f"{title}: {' + '.join(f.label.lower() for f in factors)}",
                f"{_fmt_int(v('N', m))} / {_fmt_int(v('events', m))}",
                _fmt_int(v("n", {**m, "ROW": "MISSING COVARIATE"})),
                "",
                "",
            )
        )
        for f in factors:
            term = {**m, "TERM": f"{f.key}={f.levels[1]}"}
            hr = fmt_est_ci(v("est", term), v("lcl", term), v("ucl", term), 2)
            ref = {**m, "FACTOR": f.key, "LEVEL": f.levels[0]}
            alt = {**m, "FACTOR": f.key, "LEVEL": f.levels[1]}
            rows.append(
                (
                    f"  {f.label}: {f.levels[1]} vs {f.levels[0]} (reference)",
                    f"{_fmt_int(v('n', alt))} / {_fmt_int(v('events', alt))} vs "
                    f"{_fmt_int(v('n', ref))} / {_fmt_int(v('events', ref))}",
                    "",
                    hr,
                    fmt_p(v("p_value", term)),
                )
            )
        lr = {**m, "ROW": "LR TEST"}
        rows.append(
            (
                "  Likelihood-ratio test of the model",
                "",
                "",
                f"chi-square {fmt_number(v('statistic', lr), 2)} on {_fmt_int(v('df', lr))} df",
                fmt_p(v("p_value", lr)),
            )
        )
        if reason:
            notes.append(f"{title} model ({model}): HR not estimable, {reason}.")
    if n_events < min_events:
        rows.append(
            ("Bivariable: number of nodules + disease-free interval", "", "", "Not fitted", "")
        )
        notes.append(
            f"Bivariable model not fitted: {_fmt_int(v('events', {'MODEL': biv_key}))} EFS events, "
            f"fewer than the {min_events} required (SAP 7.4)."
        )
    tlf = TLF(
        kind="Table",
        number="14.2.13",
        title="Exploratory Cox regression of EFS on prognostic factors",
        analysis_set=_set_line(("FAS", len(patients))),
        footnotes=(
            "Cox proportional hazards, Efron ties, no penalty (SAP 7.4); Wald CI and p-value. "
            f"Cut-points fixed in the SAP: nodules {few} vs >= {pf.nodules_cut}, disease-free "
            f"interval < {dfi:g} vs >= {dfi:g} months. Exploratory, no multiplicity adjustment "
            "(SAP 7.7).",
            "Complete-case analysis: patients with a missing covariate are excluded from that "
            "model. An HR is NE when a level has no events or the fit does not converge.",
            "Likelihood-ratio test of each model against no covariates (SAP 7.4), as R "
            "summary(coxph)$logtest.",
            *notes,
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(
            rows,
            ["Model / term", "Patients / events", "Excluded (missing)", f"HR ({lv} CI)", "p-value"],
        ),
        landscape=True,
    )
    return TLFOutput(tlf, ard)


def subgroup_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.14: EFS and OS by subgroup, Kaplan-Meier medians and log-rank tests (SAP 7.4)."""
    aid, tlf_label = "EFF-SUBG-01", "Table 14.2.14"
    inf = ad.sap.inference
    patients = fas(ad)
    b = ARDBuilder(aid, tlf_label, "FAS")
    landmark = ad.sap.primary_endpoint.landmark_months
    factors = subgroup_factors(ad.sap)
    for paramcd in ("EFS", "OS"):
        data = tte_data(ad, paramcd, patients["USUBJID"]).merge(
            patients[["USUBJID", *{f.key for f in factors}]], on="USUBJID", how="left"
        )
        keys = {"parameter": paramcd}
        for f in factors:
            level = f.code(data)
            for lv in f.levels:
                sub = data.loc[level == lv]
                group = {"FACTOR": f.key, "LEVEL": lv}
                b.add("n", len(sub), group=group, **keys)
                b.add("events", int(sub["EVENT"].sum()), group=group, **keys)
                km = _km(ad, sub)
                q = km.median if km is not None else None
                b.add_ci(
                    *(q.estimate, q.lower, q.upper) if q else (math.nan,) * 3,
                    inf.conf_level,
                    group={**group, "QUANTILE": "MEDIAN"},
                    **keys,
                )
                rate = km.survival_at([landmark]).iloc[0] if km is not None else None
                b.add_ci(
                    *(rate["surv"], rate["lower"], rate["upper"])
                    if rate is not None
                    else (math.nan,) * 3,
                    inf.conf_level,
                    group={**group, "MONTH": _month_key(landmark)},
                    **keys,
                )
            known = level.notna()
            test = None
            if level[known].nunique() >= 2:
                test = logrank_test(
                    data.loc[known, "AVALM"].to_numpy(float),
                    data.loc[known, "EVENT"].to_numpy(),
                    level[known].to_numpy(),
                )
            group = {"FACTOR": f.key}
            b.add("statistic", test.chi2 if test else math.nan, group=group, **keys)
            b.add("df", test.df if test else math.nan, group=group, **keys)
            b.add("p_value", test.p if test else math.nan, group=group, **keys)
    ard = b.build()

    lv_ci = _label(inf.conf_level)
    rows: list[tuple[str, ...]] = []
    for paramcd, title in (("EFS", "Event-free survival"), ("OS", "Overall survival")):
        v = _Values(ard, aid, paramcd, "FAS")
        rows.append((title, "", "", "", "", ""))
        for f in factors:
            test = {"FACTOR": f.key}
            chi = v("statistic", test)
            test_txt = (
                f"{fmt_number(chi, 2)} ({_fmt_int(v('df', test))}); {fmt_p(v('p_value', test))}"
                if not math.isnan(chi)
                else "NE"
            )
            rows.append((f"  {f.label}", "", "", "", "", test_txt))
            for lv in f.levels:
                group = {"FACTOR": f.key, "LEVEL": lv}
                rows.append(
                    (
                        f"    {lv}",
                        _fmt_int(v("n", group)),
                        _fmt_int(v("events", group)),
                        v.time_ci({**group, "QUANTILE": "MEDIAN"}),
                        v.rate_ci({**group, "MONTH": _month_key(landmark)}),
                        "",
                    )
                )
    tlf = TLF(
        kind="Table",
        number="14.2.14",
        title="EFS and OS by subgroup (log-rank)",
        analysis_set=_set_line(("FAS", len(patients))),
        footnotes=(
            "Log-rank test (rho = 0, R survdiff), chi-square with k - 1 degrees of freedom; "
            "exploratory, no multiplicity adjustment (SAP 7.4, 7.7). NE: fewer than two "
            "subgroups with patients.",
            f"Median and {_month_key(landmark)}-month rate by Kaplan-Meier with {lv_ci} CI "
            f"({inf.km_conf_type}); NR = not reached.",
            "Patients with a missing factor value are left out of that factor's test.",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=_body(
            rows,
            [
                "Subgroup",
                "n",
                "Events",
                f"Median, months ({lv_ci} CI)",
                f"{_month_key(landmark)}-month rate, % ({lv_ci} CI)",
                "Chi-square (df); p-value",
            ],
        ),
        landscape=True,
    )
    return TLFOutput(tlf, ard)


# --- Figures 14.2.1-14.2.4 ---


def km_figure(ad: AnalysisData, paramcd: str) -> TLFOutput:
    """Figure 14.2.1 (EFS) or 14.2.2 (OS): Kaplan-Meier curve with CI band, censor marks, median
    and the number at risk at every 6-month tick (SAP 7.3.7)."""
    spec = {
        "EFS": (
            "EFF-EFS-01",
            "14.2.1",
            "Kaplan-Meier plot of EFS, with number at risk",
            "Event-free survival",
        ),
        "OS": (
            "EFF-OS-01",
            "14.2.2",
            "Kaplan-Meier plot of OS, with number at risk",
            "Overall survival",
        ),
    }
    aid, number, title, ylabel = spec[paramcd]
    inf = ad.sap.inference
    patients = fas(ad)
    frame = tte_data(ad, paramcd, patients["USUBJID"])
    km = _km(ad, frame)
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": paramcd}
    curve = km.table if km is not None else pd.DataFrame(columns=["time"])
    plotted = []
    for i, row in enumerate(curve.itertuples(index=False)):
        group = {"PLOT": "KM", "ROW": i}
        plotted.append(
            {
                "time": b.add("time", row.time, group=group, **keys),
                "n_risk": b.add("n_risk", row.n_risk, group=group, **keys),
                "events": b.add("events", row.n_event, group=group, **keys),
                "censored": b.add("censored", row.n_censor, group=group, **keys),
                "surv": b.add("surv", row.surv, group=group, **keys),
                "std_err": b.add("std_err", row.std_err, group=group, **keys),
                "lower": b.add("lcl", row.lower, group=group, **keys),
                "upper": b.add("ucl", row.upper, group=group, **keys),
            }
        )
        b.add("conf_level", inf.conf_level, group=group, **keys)
    last = float(curve["time"].max()) if len(curve) else 0.0
    ticks = figures.month_ticks(last, step=6.0)
    at_risk = [
        b.add(
            "n_risk",
            int((frame["AVALM"] >= t).sum()),
            group={"PLOT": "AT RISK", "MONTH": _month_key(t)},
            **keys,
        )
        for t in ticks
    ]
    median = b.add(
        "est", km.median.estimate if km is not None else math.nan, group={"PLOT": "MEDIAN"}, **keys
    )
    ard = b.build()
    svg = figures.draw_km(
        pd.DataFrame(
            plotted,
            columns=["time", "n_risk", "events", "censored", "surv", "std_err", "lower", "upper"],
        ),
        ticks=ticks,
        at_risk=at_risk,
        median=median,
        ylabel=f"{ylabel} probability",
        conf_label=f"{_label(inf.conf_level)} CI ({inf.km_conf_type})",
    )
    n_events = int(frame["EVENT"].sum())
    tlf = TLF(
        kind="Figure",
        number=number,
        title=title,
        analysis_set=_set_line(("FAS", len(patients))),
        footnotes=(
            f"{len(frame)} patients, {n_events} events. + = censored. Shaded: pointwise "
            f"{_label(inf.conf_level)} CI ({inf.km_conf_type}). Dashed lines: the median, "
            "when reached.",
            "Number at risk = patients with follow-up >= the tick (at the start of each interval).",
            "Time in months from enrollment (SAP 6.1, 7.3.7).",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


def waterfall_figure(ad: AnalysisData) -> TLFOutput:
    """Figure 14.2.3: waterfall of the best % change of target lesions, coloured by BOR."""
    aid, number = "EFF-TL-01", "14.2.3"
    patients = fas(ad)
    measured = patients.loc[patients["BESTPCHG"].notna()]
    measured = measured.sort_values(["BESTPCHG", "USUBJID"], ascending=[False, True], kind="stable")
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": "BESTPCHG"}
    b.add("N", len(patients), **keys)
    b.add("n", len(measured), group={"ROW": "PLOTTED"}, **keys)
    b.add("n", len(patients) - len(measured), group={"ROW": "NOT COMPUTED"}, **keys)
    for level in BOR_LEVELS:
        b.add(
            "n",
            int((measured["BOR"] == level).sum()),
            group={"ROW": "PLOTTED", "BOR": level},
            **keys,
        )
    bars = pd.DataFrame(
        {
            "usubjid": measured["USUBJID"].to_numpy(),
            "bor": measured["BOR"].to_numpy(),
            "value": [
                b.add("est", x, group={"USUBJID": u}, **keys)
                for u, x in zip(measured["USUBJID"], measured["BESTPCHG"], strict=True)
            ],
        }
    )
    ard = b.build()
    svg = figures.draw_waterfall(bars, BOR_LEVELS)
    tlf = TLF(
        kind="Figure",
        number=number,
        title="Waterfall plot of best percent change in target lesions, by BOR",
        analysis_set=_set_line(("FAS", len(patients)))
        + f"; patients with a best % change: {len(measured)}",
        footnotes=(
            "Best percent change = minimum post-baseline % change of the sum of target-lesion "
            "diameters in the pre-operative window (SAP 3.4); bars sorted from the largest "
            "increase to the largest decrease, coloured by BOR (SAP 3.3).",
            "Reference lines: +20% (progression threshold) and -30% (partial response threshold). "
            "A square on the zero line marks a best change of exactly 0%.",
            f"Not computed (baseline sum 0 or no measurement in the window): "
            f"{len(patients) - len(measured)} patients.",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


def _months(ad: AnalysisData, start: pd.Series, end: pd.Series) -> pd.Series:
    """Elapsed time in months from ``start`` (day 0 = enrollment) for the swimmer plot."""
    return (end - start).dt.days / ad.sap.time.days_per_month


def swimmer_data(ad: AnalysisData) -> pd.DataFrame:
    """One row per FAS patient with the swimmer-plot times (months from enrollment).

    Columns: ``USUBJID``, ``END`` (death or last known alive date, capped at the cut-off),
    ``ONGOING`` (alive and still on study), phase spans ``PREOP_START``/``PREOP_END``,
    ``POSTOP_START``/``POSTOP_END``, ``MAINT_START``/``MAINT_END``, ``SURGERY`` with ``SURGOUT``,
    ``BORTIME`` with ``BOR``, ``EFSEVENT``, ``DEATH``.

    Phases: pre-operative from the first dose to surgery (without surgery, to the last
    pre-operative dose + one cycle); post-operative from surgery to the last post-operative dose
    + one cycle; maintenance from the first to the last maintenance dose + one cycle; each capped
    at the next phase and at the end of the bar.
    """
    patients = fas(ad)
    cycle = pd.Timedelta(days=ad.sap.schedule.cycle_days)
    enrl = patients["ENRLDT"]
    end_date = patients["DTHDT"].fillna(patients["LSTALVDT"])
    end_date = end_date.where(end_date <= pd.Timestamp(ad.cutoff), pd.Timestamp(ad.cutoff))
    ex = ad.adex.groupby(["USUBJID", "APHASE"])["EXSTDT"].agg(["min", "max"])

    def phase(name: str, column: str) -> pd.Series:
        values = (
            ex[column].xs(name, level="APHASE")
            if name in ex.index.get_level_values(1)
            else pd.Series(dtype="datetime64[ns]")
        )
        return patients["USUBJID"].map(values)

    pre_start = phase("PRE-OPERATIVE", "min").fillna(patients["TRTSDT"])
    maint_start = phase("MAINTENANCE", "min")
    pre_end = patients["SURGDT"].fillna(phase("PRE-OPERATIVE", "max") + cycle)
    post_start = patients["SURGDT"].where(phase("POST-OPERATIVE", "min").notna())
    post_end = (phase("POST-OPERATIVE", "max") + cycle).where(post_start.notna())
    post_end = post_end.where(~(post_end > maint_start), maint_start)
    maint_end = phase("MAINTENANCE", "max") + cycle

    def capped(dates: pd.Series) -> pd.Series:
        return dates.where(~(dates > end_date), end_date)

    efs = tte_data(ad, "EFS", patients["USUBJID"]).set_index("USUBJID")
    efs_event = patients["USUBJID"].map(efs["ADT"].where(efs["EVENT"]))
    ongoing = patients["DTHDT"].isna() & ~patients["EOSSTT"].isin(["DISCONTINUED", "COMPLETED"])
    return pd.DataFrame(
        {
            "USUBJID": patients["USUBJID"],
            "END": _months(ad, enrl, end_date),
            "ONGOING": ongoing.astype(bool),
            "PREOP_START": _months(ad, enrl, capped(pre_start)),
            "PREOP_END": _months(ad, enrl, capped(pre_end.where(pre_start.notna()))),
            "POSTOP_START": _months(ad, enrl, capped(post_start)),
            "POSTOP_END": _months(ad, enrl, capped(post_end)),
            "MAINT_START": _months(ad, enrl, capped(maint_start)),
            "MAINT_END": _months(ad, enrl, capped(maint_end)),
            "SURGERY": _months(ad, enrl, patients["SURGDT"]),
            "SURGOUT": patients["SURGOUT"],
            "BORTIME": _months(ad, enrl, patients["BORDT"]),
            "BOR": patients["BOR"],
            "EFSEVENT": _months(ad, enrl, efs_event),
            "DEATH": _months(ad, enrl, patients["DTHDT"]),
        }
    )


_SWIM_TIMES = (
    "END",
    "PREOP_START",
    "PREOP_END",
    "POSTOP_START",
    "POSTOP_END",
    "MAINT_START",
    "MAINT_END",
    "SURGERY",
    "BORTIME",
    "EFSEVENT",
    "DEATH",
)


def swimmer_figure(ad: AnalysisData) -> TLFOutput:
    """Figure 14.2.4: swimmer plot of patient timelines (SAP 11.3)."""
    aid, number = "EFF-SWIM-01", "14.2.4"
    data = swimmer_data(ad)
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": "TIMELINE"}
    b.add("N", len(data), **keys)
    recorded = data.copy()
    for i, row in data.iterrows():
        for item in _SWIM_TIMES:
            if not pd.isna(row[item]):
                recorded.loc[i, item] = b.add(
                    "time", row[item], group={"USUBJID": row["USUBJID"], "ITEM": item}, **keys
                )
        b.add(
            "reached",
            0 if row["ONGOING"] else 1,
            group={"USUBJID": row["USUBJID"], "ITEM": "FOLLOW-UP ENDED"},
            **keys,
        )
    ard = b.build()
    svg = figures.draw_swimmer(
        recorded.sort_values(["END", "USUBJID"], ascending=[True, False], kind="stable")
    )
    tlf = TLF(
        kind="Figure",
        number=number,
        title="Swimmer plot of patient timelines (phases, surgery, response, events)",
        analysis_set=_set_line(("FAS", len(data))),
        footnotes=(
            "One bar per patient from enrollment to death or the last known alive date (capped "
            "at the cut-off); arrow: alive and still on study at the cut-off.",
            "Phases from the dosing records (ADEX): pre-operative from the first dose to surgery; "
            "post-operative from surgery to the last post-operative dose + one 21-day cycle; "
            "maintenance from the first to the last maintenance dose + one cycle.",
            "Markers: surgery by resection status, best overall response (pre-operative) at the "
            "date it was first documented, first EFS event, death.",
        ),
        source=_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


# --- Listings 16.2.6.x ---


def _date_text(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("").astype(object)


def bor_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.1: derived BOR with reason, primary endpoint status with reason."""
    p = fas(ad).sort_values("USUBJID", kind="stable")
    body = pd.DataFrame(
        {
            "Patient": p["USUBJID"],
            "Enrollment": _date_text(p["ENRLDT"]),
            "Window end (reason)": _date_text(p["WINENDT"]) + " (" + p["WINENDRS"].fillna("") + ")",
            "BOR": p["BOR"].fillna(""),
            "BOR provisional": np.where(bor_pending(p), "Yes", ""),
            "BOR date": _date_text(p["BORDT"]),
            "BOR reason": p["BORREAS"].fillna(""),
            "Primary status": p["PRIMSTAT"].fillna(""),
            "Primary status reason": p["PRIMREAS"].fillna(""),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.1",
        "Derived BOR with reason, primary endpoint status with reason",
        _set_line(("FAS", len(p))),
        (
            "BOR over the pre-operative window (SAP 3.3); primary status by the rules of SAP 3.1 "
            "(F1, S1, S2, F2, N1, N2; F3 at the final analysis), the first that applies deciding.",
            "BOR provisional = Yes: the pre-operative window is still open at the data cut-off "
            "(surgery pending, or the window not yet over); the BOR shown covers the assessments "
            "so far, and Tables 14.2.5 and 14.2.6 count the patient as not yet evaluable.",
        ),
        _listing_source(ad, "ADSL"),
        body,
    )


def tte_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.2: EFS and OS derivations (event/censoring date, rule)."""
    ids = set(fas(ad)["USUBJID"])
    listed = ad.adtte["USUBJID"].isin(ids) & ~ad.adtte["PARAMCD"].isin(LANDMARK_PARAMS)
    t = ad.adtte.loc[listed].sort_values(["USUBJID", "PARAMCD"], kind="stable")
    flag = t["ADTF"].fillna("")
    body = pd.DataFrame(
        {
            "Patient": t["USUBJID"],
            "Parameter": t["PARAMCD"],
            "Start": _date_text(t["STARTDT"]),
            "Date": _date_text(t["ADT"]) + np.where(flag != "", " (imputed " + flag + ")", ""),
            "Days": [fmt_number(x, 0) for x in t["AVAL"]],
            "Months": [fmt_number(x, 1) for x in t["AVALM"]],
            "Event": np.where(compute_event_indicator(t["CNSR"]), "Event", "Censored"),
            "Description": t["EVNTDESC"].fillna(t["CNSDTDSC"]).fillna(""),
            "Rule": t["RULE"].fillna(""),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.2",
        "EFS and OS derivations (event/censoring date, rule)",
        _set_line(("FAS", len(ids))),
        (
            "EFS, EFSSENSA (sensitivity a), EFSSENSB (sensitivity b) and OS; days = date - "
            f"enrollment + 1, months = days / {ad.sap.time.days_per_month:g} (SAP 6.1); rules "
            "of SAP 3.2 and 8.4.",
        ),
        _listing_source(ad, "ADTTE"),
        body,
    )


def surgery_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.3: surgery, pathology (percent necrosis, Huvos grade) and R0 status."""
    p = fas(ad).sort_values("USUBJID", kind="stable")
    body = pd.DataFrame(
        {
            "Patient": p["USUBJID"],
            "Planned surgery": _date_text(p["SURGPLDT"]),
            "Surgery": _date_text(p["SURGDT"]),
            "Outcome": p["SURGOUT"].fillna(""),
            "Reason not done": p["SURGNDRS"].fillna(""),
            "Necrosis (%)": [fmt_number(x, 1, missing="") for x in p["NECRPCT"]],
            "Huvos grade": p["HUVOS"].fillna(""),
            "Good response": p["GOODRESP"].fillna(""),
            "Complete response": p["COMPRESP"].fillna(""),
            "R0": p["R0FL"].fillna(""),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.3",
        "Surgery, pathology (percent necrosis, Huvos grade) and R0 status",
        _set_line(("FAS", len(p))),
        (
            f"Huvos grade, good ({ad.sap.pathology.good_grades_label}) and complete "
            f"({'-'.join(ad.sap.pathology.complete_response_grades)}) response, R0 (SAP 3.4).",
        ),
        _listing_source(ad, "ADSL"),
        body,
    )


# --- the builder ---


def build_efficacy_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Every efficacy table, figure and listing at this cut-off (SAP 11), in catalogue order."""
    return [
        primary_endpoint_table(ad),
        primary_sensitivity_table(ad),
        bor_table(ad),
        orr_table(ad),
        pathology_table(ad),
        r0_table(ad),
        efs_table(ad),
        efs_sensitivity_table(ad),
        os_table(ad),
        one_sample_logrank_table(ad),
        cox_table(ad),
        subgroup_table(ad),
        km_figure(ad, "EFS"),
        km_figure(ad, "OS"),
        waterfall_figure(ad),
        swimmer_figure(ad),
        bor_listing(ad),
        tte_listing(ad),
        surgery_listing(ad),
    ]
