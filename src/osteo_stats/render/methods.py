"""The methods appendix: one paragraph per report section, citing SAP sections.

Every constant in these sentences is read from the SAP configuration, so the appendix cannot
drift from the numbers the analyses used.
"""

from __future__ import annotations

from collections.abc import Callable

from osteo_stats.sap import SAP


def _pct(p: float) -> str:
    return f"{100 * p:g}%"


def _accrual(sap: SAP) -> str:
    return (
        f"Cumulative enrollment by month against a linear plan of {sap.study.planned_enrollment} "
        f"patients over {sap.study.planned_accrual_months:g} months."
    )


def _primary(sap: SAP) -> str:
    d = sap.design
    return (
        f"{sap.primary_endpoint.landmark_label} EFS success per patient "
        f"({sap.primary_endpoint.landmark_months:g} months; "
        f"lost before the landmark without an event = {sap.primary_endpoint.lost_before_landmark})."
        f" Simon {d.kind} two-stage design, p0 = {d.p0:g}, p1 = {d.p1:g}, one-sided alpha "
        f"{d.alpha:g}, power {d.power:g}: n1 = {d.n1}, r1 = {d.r1}, n = {d.n}, r = {d.r}. "
        "Primary estimate UMVUE (Jung and Kim 2004), stage-wise ordering p-value and the "
        "Koyama-Chen exact interval; the naive Clopper-Pearson interval is shown for transparency."
    )


def _futility(sap: SAP) -> str:
    d = sap.design
    return (
        f"Successes among the first {d.n1} FAS patients evaluable for the primary endpoint, "
        f"against r1 = {d.r1}: 'stop for futility recommended', 'continue to stage 2' or "
        "'pending'. No other efficacy estimate is shown at interim."
    )


def _km(sap: SAP) -> str:
    inf = sap.inference
    landmarks = ", ".join(f"{m:g}" for m in inf.km_landmarks_months)
    return (
        f"Kaplan-Meier estimates with Greenwood variance, {inf.km_conf_type} confidence "
        f"intervals ({inf.conf_level:.0%}); median and quartiles with the Brookmeyer-Crowley "
        f"interval; landmark rates at {landmarks} months; median follow-up by reverse "
        "Kaplan-Meier. Durations in months = days / "
        f"{sap.time.days_per_month:g}."
    )


def _response(sap: SAP) -> str:
    r = sap.response
    confirmation = "required" if r.confirmation_required else "not required"
    return (
        f"{r.criteria}, investigator assessment, pre-operative window; confirmation of CR/PR "
        f"{confirmation}; SD needs at least {r.sd_min_days} days from enrollment. ORR and DCR "
        f"with exact {sap.inference.proportion_ci} {sap.inference.conf_level:.0%} intervals; "
        "denominator FAS (NE and missing are non-responders)."
    )


def _pathology(sap: SAP) -> str:
    good = ", ".join(sap.pathology.good_response_grades)
    return (
        f"Huvos grade from percent necrosis; good response = grade {good}; R0 rate among FAS "
        f"and among operated patients, {sap.inference.proportion_ci} intervals."
    )


def _safety(sap: SAP) -> str:
    s = sap.safety
    return (
        f"Treatment-emergent AEs: onset from the first dose up to {s.teae_window_days} days after "
        f"the last dose ({s.teae_window_days_immune} days for immune-related AEs), CTCAE "
        f"v{s.ctcae_version}. A patient counts once per term, at the maximum grade; denominator "
        "SAF; SOC, then preferred term by decreasing frequency, ties alphabetical."
    )


def _toxicity(sap: SAP) -> str:
    t = sap.toxicity_monitoring
    shape = "Pocock" if t.shape == 0 else f"shape {t.shape:g}"
    return (
        "Unacceptable toxicity: immune-related AE of grade >= "
        f"{t.irae_min_grade}, treatment-related non-haematological AE of grade >= "
        f"{t.related_nonhaematological_min_grade}, treatment-related death, or surgery delayed "
        f"more than {t.surgery_delay_days} days by toxicity. Exact repeated-significance "
        f"boundary ({shape}), acceptable rate {_pct(t.p_acceptable)}, unacceptable rate "
        f"{_pct(t.p_unacceptable)}, crossing probability {_pct(t.type1)} and {_pct(t.power)}; "
        f"looks after every {t.look_every} patients and at {t.max_patients}."
    )


_TEXT: dict[str, Callable[[SAP], str]] = {
    "accrual": _accrual,
    "disposition": lambda sap: (
        "Counts of enrolled patients (FAS denominator); analysis-set membership as defined in "
        "SAP 4; eligibility findings and protocol deviations as recorded."
    ),
    "data-currency": lambda sap: (
        f"Per FAS patient at the cut-off: last tumour assessment, last AE onset or end date, last "
        f"known alive; a scheduled assessment (week {sap.schedule.preop_assessment_week:g}, then "
        f"every {sap.efs.tumour_assessment_interval_days} days) is overdue once its due date + "
        f"{sap.efs.assessment_window_days} days has passed, for patients on study whose EFS is "
        "not yet an event; outstanding surgery after the protocol window; outstanding pathology."
    ),
    "baseline": lambda sap: (
        "Continuous variables: n, mean, SD, median, quartiles, range; categorical: n (%) of FAS."
    ),
    "exposure": lambda sap: (
        f"SBRT fractions (planned {sap.schedule.sbrt_fractions}), gemcitabine and penpulimab "
        f"doses among the SAF; surgery timing against the planned week "
        f"{sap.schedule.surgery_week_planned:g}."
    ),
    "primary-endpoint": _primary,
    "stage-1-futility": _futility,
    "efs": _km,
    "os": _km,
    "response": _response,
    "pathology": _pathology,
    "cox-subgroups": lambda sap: (
        "Cox proportional hazards with Efron ties; log-rank tests by subgroup. Exploratory."
    ),
    "biomarkers": lambda sap: (
        "Wilcoxon signed-rank with Hodges-Lehmann shift and interval; Mann-Whitney and Fisher "
        "exact tests against response; Cox and log-rank against EFS; Benjamini-Hochberg "
        "adjustment across markers."
    ),
    "adverse-events": _safety,
    "serious-adverse-events": lambda sap: (
        f"{_safety(sap)} Every serious AE is also listed whatever its onset, with its place "
        "against the TEAE window (before the first dose, treatment-emergent, after the window; "
        "SAP 9.7)."
    ),
    "adverse-events-of-special-interest": lambda sap: (
        "AEs of special interest at any time, whether or not treatment-emergent: "
        + "; ".join(c.label for c in sap.aesi.values())
        + " (definitions in sap.yaml, SAP 9.7)."
    ),
    "new-adverse-events": lambda sap: (
        "Every AE whose onset is after the previous DMC cut-off, on or before this one, "
        "whether or not treatment-emergent (SAP 10.4)."
    ),
    "immune-related-adverse-events": _safety,
    "surgical-complications": lambda sap: (
        "Surgical complications graded by Clavien-Dindo among operated SAF patients."
    ),
    "deaths": lambda sap: "Deaths by cause and timing relative to study treatment.",
    "toxicity-boundary": _toxicity,
}


def methods_text(section_key: str, sap: SAP) -> str:
    """The methods paragraph for one section (empty if the section has none)."""
    text = _TEXT.get(section_key)
    return text(sap) if text is not None else ""
