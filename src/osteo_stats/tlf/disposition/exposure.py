"""Tables 14.1.6 (exposure to SBRT, gemcitabine and penpulimab) and 14.1.7 (surgery timing,
delay and outcome), SAP 9.5."""

from __future__ import annotations

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.treatment import (
    CYCLED_DRUGS,
    administered,
    cycle_delays,
    operated,
    relative_dose_intensity,
    surgery_timing,
    surgery_window_days,
)
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.disposition._common import (
    DISPLAY,
    MODULE,
    TREATMENT_PHASES,
    body_frame,
    set_name,
)
from osteo_stats.tlf.format import fmt_n_pct
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.summary import (
    add_continuous,
    add_n_pct,
    continuous_rows,
    population_label,
    table_output,
)


def exposure_table(ad: AnalysisData) -> TLFOutput:
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
    add_n_pct(b, int(received.sum()), n, parameter="RECEIVED", group=g)
    add_continuous(b, ids[received].map(fractions), parameter="FRACTIONS", group=g)
    all_fr = per_patient(fractions, ids) >= planned_fr
    add_n_pct(b, int(all_fr.sum()), n, parameter="ALL FRACTIONS", group=g)
    add_continuous(b, ids[received].map(dose), parameter="TOTAL DOSE", group=g)
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
        add_n_pct(b, int(received.sum()), n, parameter="RECEIVED", group=g)
        rows_spec += [
            (DISPLAY[drug], "head", "", g, 0),
            ("  Patients treated", "npct", "RECEIVED", g, 0),
        ]
        for phase in TREATMENT_PHASES[drug]:
            gp = g | {"APHASE": phase}
            in_phase = drug_given.loc[drug_given["APHASE"].eq(phase)]
            cycles = in_phase.groupby("USUBJID")["CYCLE"].nunique()
            started = ids.isin(in_phase["USUBJID"])
            add_n_pct(b, int(started.sum()), n, parameter="RECEIVED", group=gp)
            add_continuous(b, ids[started].map(cycles), parameter="CYCLES", group=gp)
            rows_spec += [
                (f"  {DISPLAY[phase]}: patients treated", "npct", "RECEIVED", gp, 0),
                (f"  {DISPLAY[phase]}: cycles received", "cont", "CYCLES", gp, 0),
            ]
        rdi = relative_dose_intensity(records).reindex(ids[ids.isin(records["USUBJID"])])
        add_continuous(b, rdi, parameter="RDI", group=g)
        reduced = records.loc[(records["EXDOSE"] > 0) & (records["EXDOSE"] < records["EXPLDOS"])]
        omitted = records.loc[records["EXDOSE"].eq(0)]
        delays = cycle_delays(drug_given, ad.sap.schedule)
        delayed = ids.map(delays).fillna(0) > 0
        add_n_pct(b, int(ids.isin(reduced["USUBJID"]).sum()), n, parameter="REDUCED", group=g)
        add_n_pct(b, int(ids.isin(omitted["USUBJID"]).sum()), n, parameter="OMITTED", group=g)
        add_n_pct(b, int(delayed.sum()), n, parameter="DELAYED", group=g)
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
                for stat, text in continuous_rows(view, parameter, decimals, group)
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
    return table_output(
        MODULE,
        ad,
        "14.1.6",
        population_label(set_name("SAF"), n_view),
        footnotes,
        aid,
        body_frame(rows, "All patients"),
        ard,
    )


# --- Table 14.1.7 surgery --------------------------------------------------------------------


def surgery_table(ad: AnalysisData) -> TLFOutput:
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
        add_n_pct(b, int(adsl["SURGOUT"].eq(code).sum()), n, parameter="SURGOUT", group=group)
        specs.append((f"  {label}", "SURGOUT", group))

    timing = surgery_timing(op, ad.sap.schedule, ad.sap.time.day_one_offset)
    days = timing["SURGDY"]
    add_continuous(b, days, parameter="DAYS TO SURGERY", analysis_set="FAS-OPERATED")
    add_continuous(b, days / 7.0, parameter="WEEKS TO SURGERY", analysis_set="FAS-OPERATED")
    lo_week, hi_week = ad.sap.schedule.surgery_window_weeks
    lo_day, hi_day = surgery_window_days(ad.sap.schedule)
    in_window = int(timing["SURGWINFL"].sum())
    add_n_pct(b, in_window, n_op, parameter="IN WINDOW", group=None, analysis_set="FAS-OPERATED")
    delay = timing["SURGDLY"]
    add_continuous(b, delay, parameter="DELAY", analysis_set="FAS-OPERATED")
    limit = ad.sap.toxicity_monitoring.surgery_delay_days
    add_n_pct(
        b, int((delay > limit).sum()), n_op, parameter="DELAY GT LIMIT",
        analysis_set="FAS-OPERATED", group=None,
    )  # fmt: skip

    te = ad.adae.loc[ad.adae["TRTEMFL"].eq("Y") & ad.adae["AESDLYFL"].eq("Y")]
    delayed_tox = adsl["USUBJID"].isin(te["USUBJID"])
    add_n_pct(b, int(delayed_tox.sum()), n, parameter="DELAYED BY TOXICITY", group=None)
    criterion = adsl["UTOXDLFL"].eq("Y")
    add_n_pct(b, int(criterion.sum()), n, parameter="DELAYED BY TOXICITY GT LIMIT", group=None)
    ard = b.build()

    view = ARDView(ard, aid)
    n_view, n_op_view = view.count("FAS", statistic="N"), view.count("OPERATED", statistic="N")
    rows: list[tuple[str, str]] = [("Surgery outcome", "")]
    rows += [(label, fmt_n_pct(view.count(p, g), n_view)) for label, p, g in specs]
    rows.append((f"Operated (R0, R1 or R2), N = {n_op_view}", ""))
    rows.append(("  Days from enrollment to surgery", ""))
    rows += [(f"    {s}", t) for s, t in continuous_rows(view, "DAYS TO SURGERY", 0)]
    rows.append(("  Weeks from enrollment to surgery", ""))
    rows += [(f"    {s}", t) for s, t in continuous_rows(view, "WEEKS TO SURGERY", 1)]
    rows.append(
        (
            f"  Surgery within window (study days {lo_day}-{hi_day})",
            fmt_n_pct(view.count("IN WINDOW"), n_op_view),
        )
    )
    rows.append(("  Delay from planned surgery date (days)", ""))
    rows += [(f"    {s}", t) for s, t in continuous_rows(view, "DELAY", 0)]
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
    return table_output(
        MODULE,
        ad,
        "14.1.7",
        population_label(set_name("FAS"), n_view),
        footnotes,
        aid,
        body_frame(rows, "All patients"),
        ard,
    )
