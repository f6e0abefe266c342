"""Tables 14.1.1 (disposition), 14.1.2 (analysis sets) and 14.1.4 (eligibility and protocol
deviations): patient counts of the FAS (SAP 4, 4.1, 7.8)."""

from __future__ import annotations

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.baseline import (
    AGE_ABOVE,
    AGE_BELOW,
    ECOG,
    LANSKY,
    PS_SCALE,
    eligibility_deviations,
)
from osteo_stats.derive.treatment import (
    completed_preop,
    operated,
    pps_exclusion_reason,
    started_postop,
)
from osteo_stats.load.schemas import RESECTION_OUTCOMES
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.disposition._common import (
    MODULE,
    body_frame,
    set_name,
)
from osteo_stats.tlf.format import fmt_n_pct
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.summary import add_n_pct, adsl_codelist, population_label, table_output


def disposition_table(ad: AnalysisData) -> TLFOutput:
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
        for code in RESECTION_OUTCOMES
    ]
    specs.append(("Surgery not done", {"CATEGORY": "SURGERY NOT DONE"}, surgout.eq("NOT DONE")))
    codes = adsl_codelist(ad.sap, "SURGNDRS")
    reasons = list(codes) + sorted(set(ndrs.dropna()[surgout.eq("NOT DONE")]) - set(codes))
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
    codes = adsl_codelist(ad.sap, "DCSREAS")
    dc_reasons = list(codes) + sorted(set(dcs.dropna()[eos.eq("DISCONTINUED")]) - set(codes))
    specs += [
        (
            f"  {reason.capitalize()}",
            {"CATEGORY": "DISCONTINUED", "DCSREAS": reason},
            eos.eq("DISCONTINUED") & dcs.eq(reason),
        )
        for reason in dc_reasons
    ]
    for _, group, mask in specs:
        add_n_pct(b, int(mask.sum()), n_fas, parameter=parameter, group=group)
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
    return table_output(
        MODULE,
        ad,
        "14.1.1",
        population_label(set_name("FAS"), n),
        footnotes,
        aid,
        body_frame(rows, "n (%)"),
        ard,
    )


# --- Table 14.1.2 analysis sets --------------------------------------------------------------


def analysis_sets_table(ad: AnalysisData) -> TLFOutput:
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
        add_n_pct(b, int(mask.sum()), n_fas, parameter=parameter, group=group)
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
    return table_output(
        MODULE,
        ad,
        "14.1.2",
        population_label(set_name("FAS"), n),
        footnotes,
        aid,
        body_frame(rows, "n (%)"),
        ard,
    )


# --- Table 14.1.4 eligibility and protocol deviations ----------------------------------------


def deviations_table(ad: AnalysisData) -> TLFOutput:
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
        add_n_pct(b, int(mask.sum()), n, parameter=parameter, group=group)
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
    return table_output(
        MODULE,
        ad,
        "14.1.4",
        population_label(set_name("FAS"), n_view),
        footnotes,
        aid,
        body_frame(rows, "n (%)"),
        ard,
    )
