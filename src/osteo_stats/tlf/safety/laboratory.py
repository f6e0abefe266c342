"""Tables 14.3.6.1-14.3.6.2 and Listing 16.2.8.1: laboratory toxicity by CTCAE v5.0 (SAP 9.6).

The grades, baseline, phase and post-baseline flag come from
:func:`osteo_stats.derive.laboratory.derive_adlb` (``AnalysisData.adlb``). Every count goes to the
ARD first (SAF-LAB-01, SAF-LAB-02); the table bodies are read back from it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.laboratory import graded_parameters
from osteo_stats.derive.safety import PHASES
from osteo_stats.load.schemas import LAB_PARAMS, LAB_UNITS
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.format import date_cells, fmt_n_pct, text_cells
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import MODULE, PHASE_LABEL
from osteo_stats.tlf.summary import add_n_pct, listing_output, population_label, table_output

__all__ = ["LABORATORY_TLFS", "grade3_listing", "high_grade_by_phase_table", "shift_table"]

GRADES = (0, 1, 2, 3, 4)
MISSING = "MISSING"
#: TSH post-baseline out-of-range categories (TSH is not graded, SAP 9.6 choice c).
TSH_ROWS = (
    ("HIGH", "Post-baseline TSH above ULN"),
    ("LOW", "Post-baseline TSH below LLN"),
    ("LOW AND HIGH", "Both above ULN and below LLN (e.g. thyroiditis)"),
)


def _saf_values(ad: AnalysisData) -> pd.DataFrame:
    saf = set(ad.population("SAF")["USUBJID"])
    return ad.adlb.loc[ad.adlb["USUBJID"].isin(saf)]


def _post(ad: AnalysisData) -> pd.DataFrame:
    lb = _saf_values(ad)
    return lb.loc[lb["ONTRTFL"].eq("Y")]


def _grade_code(value: object) -> object:
    return MISSING if pd.isna(value) else int(value)  # type: ignore[call-overload]


def shift_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.6.1: baseline grade x worst post-baseline grade, per parameter; TSH out of
    range (SAP 9.6)."""
    aid, number = "SAF-LAB-01", "14.3.6.1"
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    post = _post(ad)
    graded = post.loc[post["ATOXGR"].notna()]
    worst = (
        graded.groupby(["USUBJID", "PARAMCD"])
        .agg(WORST=("ATOXGR", "max"), BASE=("BTOXGR", "first"))
        .reset_index()
    )
    terms = graded_parameters()
    for paramcd in terms:
        rows = worst.loc[worst["PARAMCD"].eq(paramcd)]
        n = len(rows)
        b.add("N", n, parameter=paramcd)
        base = rows["BASE"].map(_grade_code)
        for bcode in (*GRADES, MISSING):
            in_row = base.eq(bcode)
            for w in GRADES:
                count = int((in_row & rows["WORST"].eq(w)).sum())
                add_n_pct(b, count, n, parameter=paramcd, group={"BTOXGR": bcode, "WORSTGR": w})
            add_n_pct(b, int(in_row.sum()), n, parameter=paramcd,
                      group={"BTOXGR": bcode, "WORSTGR": "ANY"})  # fmt: skip
        for w in GRADES:
            add_n_pct(b, int(rows["WORST"].eq(w).sum()), n, parameter=paramcd,
                      group={"BTOXGR": "ANY", "WORSTGR": w})  # fmt: skip
    tsh = post.loc[post["PARAMCD"].eq("TSH") & post["ANRIND"].notna()]
    per_patient = tsh.groupby("USUBJID")["ANRIND"].agg(
        high=lambda s: s.eq("HIGH").any(), low=lambda s: s.eq("LOW").any()
    )
    n_tsh = len(per_patient)
    b.add("N", n_tsh, parameter="TSH")
    tsh_counts = {
        "HIGH": int(per_patient["high"].sum()) if n_tsh else 0,
        "LOW": int(per_patient["low"].sum()) if n_tsh else 0,
        "LOW AND HIGH": int((per_patient["high"] & per_patient["low"]).sum()) if n_tsh else 0,
    }
    for code, count in tsh_counts.items():
        add_n_pct(b, count, n_tsh, parameter="TSH", group={"ANRIND": code})
    ard = b.build()

    view = ARDView(ard, aid)
    columns = ["Parameter (CTCAE v5.0 term)", "Baseline grade",
               *(f"Worst post-baseline grade {g}" for g in GRADES), "Total"]  # fmt: skip
    body: list[list[str]] = []
    for paramcd, term in terms.items():
        n = view.count(paramcd, statistic="N")
        body.append([f"{term} ({paramcd}, {LAB_UNITS[paramcd]}), N = {n}", *[""] * 7])
        if n == 0:
            continue
        for bcode in (*GRADES, MISSING):
            label = "Missing" if bcode == MISSING else f"Grade {bcode}"
            cells = [
                fmt_n_pct(view.count(paramcd, {"BTOXGR": bcode, "WORSTGR": w}), n)
                for w in (*GRADES, "ANY")
            ]
            body.append(["", label, *cells])
        totals = [fmt_n_pct(view.count(paramcd, {"BTOXGR": "ANY", "WORSTGR": w}), n)
                  for w in GRADES]  # fmt: skip
        body.append(["", "Total", *totals, fmt_n_pct(n, n)])
    n_tsh = view.count("TSH", statistic="N")
    body.append([f"TSH (not graded by CTCAE v5.0; {LAB_UNITS['TSH']}), N = {n_tsh}", *[""] * 7])
    if n_tsh:
        for code, label in TSH_ROWS:
            count = view.count("TSH", {"ANRIND": code})
            body.append([f"    {label}", "", *[""] * 5, fmt_n_pct(count, n_tsh)])
    saf_n = len(ad.population("SAF"))
    window = ad.sap.safety.teae_window_days
    notes = [
        "CTCAE v5.0 grade of each value from AVAL and its normal range (SAP 9.6; criteria in "
        "osteo_stats/data/ctcae_v5_lab.csv). Baseline: last value on or before the first dose; "
        "Missing: no baseline value. Worst: highest grade after the first dose up to the last "
        f"dose + {window} days.",
        "N per parameter: SAF patients with >= 1 post-baseline value of that parameter; n (%) of "
        "that N. Grade 0: within the normal range in the graded direction.",
        "ALT, AST and bilirubin after a baseline above ULN: graded by multiples of the baseline "
        "value (CTCAE 'if baseline was abnormal'); creatinine by ULN only. Anaemia grade 4 is "
        "clinical: the highest laboratory grade of haemoglobin is 3.",
        "TSH has no CTCAE laboratory grade (hypo-/hyperthyroidism are graded clinically, see the "
        "AE tables): patients with a post-baseline TSH outside the normal range, of the SAF "
        "patients with a post-baseline TSH.",
    ]
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    return table_output(
        MODULE, ad, number, population_label("Safety analysis set", saf_n), notes, aid, frame,
        ard, landscape=True,
    )  # fmt: skip


def high_grade_by_phase_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.6.2: patients with a post-baseline grade 3-4 value, by phase (SAP 9.6)."""
    aid, number = "SAF-LAB-02", "14.3.6.2"
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    graded = _post(ad)
    graded = graded.loc[graded["ATOXGR"].notna()]
    high = graded.loc[graded["ATOXGR"] >= 3]
    terms = graded_parameters()
    phases = (*PHASES, "ANY")
    for phase in phases:
        in_phase = graded if phase == "ANY" else graded.loc[graded["APHASE"].eq(phase)]
        hits = high if phase == "ANY" else high.loc[high["APHASE"].eq(phase)]
        n = in_phase["USUBJID"].nunique()
        b.add("N", n, parameter="LAB", group={"APHASE": phase})
        add_n_pct(b, hits["USUBJID"].nunique(), n, parameter="LAB",
                  group={"APHASE": phase, "PARAMCD": "ANY"})  # fmt: skip
        for paramcd in terms:
            count = hits.loc[hits["PARAMCD"].eq(paramcd), "USUBJID"].nunique()
            add_n_pct(b, count, n, parameter="LAB", group={"APHASE": phase, "PARAMCD": paramcd})
    ard = b.build()

    view = ARDView(ard, aid)
    ns = {phase: view.count("LAB", {"APHASE": phase}, statistic="N") for phase in phases}
    labels = {**PHASE_LABEL, "ANY": "Any phase"}
    columns = ["CTCAE v5.0 term (parameter)",
               *(f"{labels[p]} (N = {ns[p]})" for p in phases)]  # fmt: skip

    def cells(paramcd: str) -> list[str]:
        out = []
        for phase in phases:
            count = view.count("LAB", {"APHASE": phase, "PARAMCD": paramcd})
            out.append(fmt_n_pct(count, ns[phase]) if ns[phase] else "0")
        return out

    body = [["Any laboratory parameter", *cells("ANY")]]
    body += [[f"{term} ({paramcd})", *cells(paramcd)] for paramcd, term in terms.items()]
    pw = ad.sap.safety.perioperative_window_days
    notes = [
        "Patients with >= 1 post-baseline value of CTCAE v5.0 grade 3 or 4 (SAP 9.6), counted "
        "once per row and phase; a patient may appear in several phases.",
        "Phase of the sample date (SAP 9.2): pre-operative before SURGDT (all values of a "
        f"patient without surgery); peri-operative SURGDT to SURGDT + {pw} days; "
        "post-operative/maintenance later.",
        "N per phase: SAF patients with >= 1 graded post-baseline value in that phase; n (%) of "
        "that N. TSH is not graded (SAP 9.6).",
    ]
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    saf_n = len(ad.population("SAF"))
    return table_output(
        MODULE, ad, number, population_label("Safety analysis set", saf_n), notes, aid, frame,
        ard, landscape=True,
    )  # fmt: skip


def grade3_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.8.1: every laboratory value of CTCAE grade >= 3 of SAF patients."""
    lb = _saf_values(ad)
    hit = lb.loc[(lb["ATOXGR"] >= 3).fillna(False).astype(bool)]
    hit = hit.sort_values(["USUBJID", "ADT", "PARAMCD"])
    terms = graded_parameters()
    first = hit["USUBJID"].map(ad.adsl.set_index("USUBJID")["TRTSDT"])
    elapsed = (hit["ADT"] - first).dt.days
    day = elapsed.where(elapsed < 0, elapsed + 1)
    phase = hit["APHASE"].map({**PHASE_LABEL, "PRE-TREATMENT": "Pre-treatment"})

    def number(values: pd.Series) -> pd.Series:
        return values.map(lambda v: "" if pd.isna(v) else f"{v:g}").astype(object)

    body = pd.DataFrame(
        {
            "Patient": text_cells(hit["USUBJID"]),
            "Parameter": hit["PARAMCD"].map(LAB_PARAMS).fillna(text_cells(hit["PARAMCD"])),
            "CTCAE v5.0 term": hit["PARAMCD"].map(terms),
            "Visit": text_cells(hit["AVISIT"]),
            "Date": date_cells(hit["ADT"]),
            "Study day": day.map(lambda v: "" if pd.isna(v) else str(int(v))).astype(object),
            "Phase": phase.fillna(text_cells(hit["APHASE"])),
            "Value": number(hit["AVAL"]),
            "Unit": text_cells(hit["AVALU"]),
            "LLN": number(hit["ANRLO"]),
            "ULN": number(hit["ANRHI"]),
            "Grade": hit["ATOXGR"].map(lambda v: str(int(v))).astype(object),
            "Baseline grade": hit["BTOXGR"].map(lambda v: "" if pd.isna(v) else str(int(v))),
            "Baseline": hit["ABLFL"].eq("Y").map({True: "Y", False: ""}),
            "Post-baseline": text_cells(hit["ONTRTFL"]),
        },
        dtype=object,
    )
    window = ad.sap.safety.teae_window_days
    notes = [
        "Every laboratory value of CTCAE v5.0 grade 3 or 4 (SAP 9.6) of SAF patients, sorted by "
        "patient and date. Study day 1 = first dose.",
        "Baseline: the last value on or before the first dose (ABLFL). Post-baseline: after the "
        f"first dose up to the last dose + {window} days (counted in Tables 14.3.6.1-14.3.6.2); "
        "later values are listed, not counted. Baseline grade missing: no baseline value.",
    ]
    n = len(ad.population("SAF"))
    return listing_output(
        MODULE, ad, "16.2.8.1", population_label("Safety analysis set", n), notes, body
    )


#: The laboratory TLFs (SAP 9.6), registered with the safety area by
#: :data:`osteo_stats.tlf.build.BUILDERS`; an extract without ADLB makes them "not available".
LABORATORY_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    ("Table 14.3.6.1",): lambda ad: [shift_table(ad)],
    ("Table 14.3.6.2",): lambda ad: [high_grade_by_phase_table(ad)],
    ("Listing 16.2.8.1",): lambda ad: [grade3_listing(ad)],
}
