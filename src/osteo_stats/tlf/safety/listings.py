"""Listings 16.2.7.1-16.2.7.9: serious, grade >= 3, immune-related AEs, deaths, surgical
complications, unacceptable toxicities (SAP 9, 11.4); serious AEs and AEs of special interest at
any time, and the AEs new since the previous DMC report (SAP 9.7, 10.4).

Listings show the records themselves: verbatim terms as plain text (never interpreted), imputed
dates with their SAP 8.3 flag; they add no ARD rows (SAP 11.4 gives them no analysis id) except,
with a previous DMC cut-off, the count of the records marked "New" (DMC-NEW-01, SAP 10.4), and
the counts of serious AEs at any time and of AESIs (SAF-SAE-01, SAF-AESI-01, SAP 9.7): those
events are in no table, so their counts are recorded where they are shown.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.safety import TEAE_WINDOW_STATUSES, WINDOW_WITHIN, aesi_categories
from osteo_stats.derive.treatment import days_from_last_dose, last_dose
from osteo_stats.sap import AESICategory
from osteo_stats.tlf import changes
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.changes import (
    DEATH,
    NEW_COLUMN,
    UTOX,
    new_note,
    with_new_column,
    with_new_counts,
)
from osteo_stats.tlf.format import date_cells, text_cells
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import (
    COMPONENT_LABEL,
    COMPONENTS,
    MODULE,
    PHASE_LABEL,
    WINDOW_LABEL,
    any_time_ae,
    evaluable_aesi,
    operated_saf,
    teae,
)
from osteo_stats.tlf.summary import listing_output, population_label

_DATE_NOTE = (
    "Imputed dates carry their SAP 8.3 flag: (D) day imputed, (M) month and day imputed. "
    "Missing onset: treatment-emergent, phase unknown (SAP 8.3). End date missing or after the "
    "cut-off: ongoing."
)


def _whole_numbers(values: pd.Series, missing: str = "") -> pd.Series:
    """Whole numbers as text (``3``, ``-12``); ``missing`` where absent."""
    return values.map(lambda v: missing if pd.isna(v) else str(int(v))).astype(object)


def _ae_listing_frame(ad: AnalysisData, records: pd.DataFrame, clavien: bool) -> pd.DataFrame:
    ae = records.sort_values(["USUBJID", "ASTDT", "AESEQ"], na_position="last")
    # ADAE at the cut-off has AENDT blank when the AE resolved after it (SAP 6.2).
    ongoing = ae["AENDT"].isna()
    flags = ae[list(COMPONENTS.values())].eq("Y").to_numpy()
    labels = [COMPONENT_LABEL[c] for c in COMPONENTS]
    related = pd.Series(
        [", ".join(np.array(labels)[hit]) or "None" for hit in flags], index=ae.index, dtype=object
    )
    columns = {
        "Patient": text_cells(ae["USUBJID"]),
        "AE no.": text_cells(ae["AESEQ"]),
        "Verbatim term": text_cells(ae["AETERM"]),
        "Preferred term": text_cells(ae["AEDECOD"]),
        "System organ class": text_cells(ae["AEBODSYS"]),
        "Grade": _whole_numbers(ae["AETOXGR"], missing="Missing"),
        "Onset": date_cells(ae["ASTDT"], ae.get("ASTDTF"), missing="Missing"),
        "Study day": _whole_numbers(ae["ASTDY"]),  # Int64 with NA maps to float
        "End": date_cells(ae["AENDT"], ae.get("AENDTF")).where(~ongoing, "Ongoing"),
        "Serious": text_cells(ae["AESER"]),
        "Related to": related,
        "Immune-related": text_cells(ae["AEIRFL"]),
        "Action taken": text_cells(ae["AEACN"]),
        "Outcome": text_cells(ae["AEOUT"]),
        "Phase": ae["APHASE"].map(PHASE_LABEL).fillna(text_cells(ae["APHASE"])),
    }
    if clavien:
        surgery = ae["USUBJID"].map(ad.adsl.set_index("USUBJID")["SURGDT"])
        columns["Clavien-Dindo"] = text_cells(ae["AECLAVDN"])
        columns["Surgery"] = date_cells(surgery)
        columns["Days from surgery"] = _whole_numbers((ae["ASTDT"] - surgery).dt.days)
    return pd.DataFrame(columns, dtype=object)


def ae_listing(
    ad: AnalysisData,
    number: str,
    records: pd.DataFrame,
    *,
    selection: str,
    category: str,
    clavien: bool = False,
) -> TLFOutput:
    """An AE listing of ``records``; with a previous DMC cut-off, a "New" column and the
    DMC-NEW-01 count of ``category`` (SAP 10.4)."""
    n = len(operated_saf(ad)) if clavien else len(ad.population("SAF"))
    new = records.get("NEWFL", pd.Series("N", index=records.index))
    body = with_new_column(_ae_listing_frame(ad, records, clavien), ad, new)
    population = (
        population_label("Safety analysis set, operated patients", n)
        if clavien
        else population_label("Safety analysis set", n)
    )
    notes = [
        f"{selection} Treatment-emergent AEs (SAP 9.1) of SAF patients, sorted by patient and "
        "onset. Verbatim terms as recorded.",
        _DATE_NOTE,
        *new_note(ad, "AE onset"),
    ]
    output = listing_output(MODULE, ad, number, population, notes, body)
    return with_new_counts(output, ad, {category: int(new.eq("Y").sum())}, "SAF")


def death_listing(ad: AnalysisData) -> TLFOutput:
    fas = ad.population("FAS")
    dead = fas.loc[fas["DTHDT"].notna()].sort_values(["USUBJID", "DTHDT"])
    last = last_dose(dead, ad.adex)
    days = days_from_last_dose(dead, ad.adex, "DTHDT")
    window = ad.sap.safety.teae_window_days
    te = teae(ad)
    fatal = (
        te.loc[te["AETOXGR"] == 5]
        .groupby("USUBJID")["AEDECOD"]
        .apply(lambda s: "; ".join(sorted(map(str, s))))
    )
    within = pd.Series(np.where(days.between(0, window), "Y", "N"), index=dead.index)
    new = dead.get("DTHNEWFL", pd.Series("N", index=dead.index))
    body = pd.DataFrame(
        {
            "Patient": text_cells(dead["USUBJID"]),
            "Safety set": pd.Series(
                np.where(in_population(dead, "SAF"), "Y", "N"), index=dead.index
            ),
            "Date of death": date_cells(dead["DTHDT"], dead.get("DTHDTF"), missing="Missing"),
            "Cause": text_cells(dead["DTHCAUS"]),
            "Last dose": date_cells(last, missing="Not dosed"),
            "Days from last dose": _whole_numbers(days),
            f"Within {window} days of last dose": within.where(days.notna(), ""),
            "Fatal TEAE (preferred term)": dead["USUBJID"].map(fatal).fillna(""),
        },
        dtype=object,
    )
    body = with_new_column(body, ad, new)
    notes = [
        "All deaths on or before the data cut-off in the FAS, sorted by patient. Days from last "
        "dose = DTHDT - TRTEDT (failing TRTEDT, the last ADEX administration).",
        _DATE_NOTE,
        *new_note(ad, "death"),
    ]
    output = listing_output(
        MODULE, ad, "16.2.7.4", population_label("Full analysis set", len(fas)), notes, body
    )
    return with_new_counts(output, ad, {DEATH: int(new.eq("Y").sum())}, "FAS")


def utox_listing(ad: AnalysisData) -> TLFOutput:
    saf = ad.population("SAF")
    hit = saf.loc[saf["UTOXFL"].eq("Y")].sort_values("USUBJID")
    new = hit.get("UTXNEWFL", pd.Series("N", index=hit.index))
    body = pd.DataFrame(
        {
            "Patient": text_cells(hit["USUBJID"]),
            "Enrollment": date_cells(hit["ENRLDT"], missing="Missing"),
            "Evaluable from (EVALDT)": date_cells(hit["EVALDT"], missing="Missing"),
            "First unacceptable toxicity": date_cells(hit["UTOXDT"], missing="Missing"),
            "Criteria met (SAP 9.4)": text_cells(hit["UTOXREAS"]),
        },
        dtype=object,
    )
    body = with_new_column(body, ad, new)
    tm = ad.sap.toxicity_monitoring
    notes = [
        "Unacceptable toxicity (SAP 9.4): immune-related TEAE grade >= "
        f"{tm.irae_min_grade}; treatment-related non-haematological TEAE grade >= "
        f"{tm.related_nonhaematological_min_grade}; treatment-related death; surgery delayed "
        f"more than {tm.surgery_delay_days} days by toxicity. Date = earliest qualifying event.",
        "The qualifying AEs are in Listings 16.2.7.2 and 16.2.7.3; the boundary is in Table "
        "14.3.5.",
        *new_note(ad, "first unacceptable toxicity"),
    ]
    output = listing_output(
        MODULE, ad, "16.2.7.6", population_label("Safety analysis set", len(saf)), notes, body
    )
    return with_new_counts(output, ad, {UTOX: int(new.eq("Y").sum())}, "SAF")


# --- Any time: serious AEs, AEs of special interest, new AEs (SAP 9.7, 10.4) -----------------

_WINDOW_NOTE = (
    "TEAE window (SAP 9.1): treatment-emergent = onset from the first dose to the last dose + "
    "{days} days (+ {immune} days if immune-related); before first dose; after the TEAE window; "
    "not dosed by the cut-off. Only treatment-emergent AEs are counted in Tables 14.3.1-14.3.4."
)


def _window_note(ad: AnalysisData) -> str:
    s = ad.sap.safety
    return _WINDOW_NOTE.format(days=s.teae_window_days, immune=s.teae_window_days_immune)


def _aesi_definition(aesi: dict[str, AESICategory]) -> str:
    """The SAP 9.7 definition, from sap.yaml, as one footnote sentence."""
    parts = []
    for category in aesi.values():
        criteria = [
            *(f"SOC {soc}" for soc in category.socs),
            *(f"preferred term {term}" for term in category.terms),
            *(f"{flag} = Y" for flag in category.flags),
        ]
        if category.clavien_dindo_min is not None:
            criteria.append(f"Clavien-Dindo grade >= {category.clavien_dindo_min}")
        parts.append(f"{category.label} ({'; '.join(criteria)})")
    return "AEs of special interest (SAP 9.7), at any time: " + (
        ", ".join(parts) + "." if parts else "none defined."
    )


def _any_time_frame(
    ad: AnalysisData, records: pd.DataFrame, aesi: bool, constant: str = ""
) -> pd.DataFrame:
    """The AE listing columns, with "TEAE window" after "Study day" and, for the AESI listing,
    "AESI category" after "Patient"/"AE no." in place of "Immune-related" (one of the
    categories); without the ``constant`` column, the same on every row by the selection."""
    ae = records.sort_values(["USUBJID", "ASTDT", "AESEQ"], na_position="last")
    body = _ae_listing_frame(ad, ae, clavien=False)
    body.insert(
        list(body.columns).index("Study day") + 1,
        "TEAE window",
        ae["AWINDOW"].map(WINDOW_LABEL).astype(object),
    )
    if aesi:
        body.insert(2, "AESI category", text_cells(ae["AESICAT"]))
        body = body.drop(columns="Immune-related")
    return body.drop(columns=[constant] if constant in body else [])


def _window_counts(b: ARDBuilder, parameter: str, records: pd.DataFrame, group: dict) -> None:
    """Patients (``n``) and AE records (``events``) by TEAE-window status, outside the window
    (every status but treatment-emergent) and in all."""
    for status in (*TEAE_WINDOW_STATUSES, "OUTSIDE", "ANY"):
        if status == "ANY":
            rows = records
        elif status == "OUTSIDE":
            rows = records.loc[records["AWINDOW"].ne(WINDOW_WITHIN)]
        else:
            rows = records.loc[records["AWINDOW"].eq(status)]
        cell = {**group, "TEAE WINDOW": status}
        b.add("n", rows["USUBJID"].nunique(), parameter=parameter, group=cell)
        b.add("events", len(rows), parameter=parameter, group=cell)


def _any_time_output(
    ad: AnalysisData,
    number: str,
    records: pd.DataFrame,
    *,
    notes: list[str],
    analysis_id: str,
    counts: ARD,
    new_counts: dict[str, int],
    aesi: bool = False,
    constant: str = "",
) -> TLFOutput:
    fas = ad.population("FAS")
    body = _any_time_frame(ad, records, aesi, constant)
    new_notes: list[str] = []
    if constant != NEW_COLUMN:
        new = records.get("NEWFL", pd.Series("N", index=records.index))
        body = with_new_column(body, ad, new)
        new_notes = new_note(ad, "AE onset")
    notes = [*notes, _window_note(ad), _DATE_NOTE, *new_notes]
    output = listing_output(
        MODULE, ad, number, population_label("Full analysis set", len(fas)), notes, body
    )
    tlf = output.tlf
    if not counts.frame.empty:
        tlf = replace(
            tlf,
            analysis_ids=(analysis_id,),
            source=tlf.source.replace("ARD none (patient listing)", f"ARD {analysis_id}"),
        )
    output = TLFOutput(tlf, counts)
    return with_new_counts(output, ad, new_counts, "FAS")


def _new_outside(records: pd.DataFrame) -> tuple[int, int]:
    """New records (SAP 10.4) and, of them, those outside the TEAE window."""
    new = records.get("NEWFL", pd.Series("N", index=records.index)).eq("Y")
    return int(new.sum()), int((new & ~records["AWINDOW"].eq(WINDOW_WITHIN)).sum())


def serious_any_time_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.7.7: every serious AE of a FAS patient, whatever its onset (SAP 9.7), with
    the counts SAF-SAE-01 and, with a previous DMC, the new ones (SERIOUS AE, of them outside
    the TEAE window)."""
    ae = any_time_ae(ad)
    serious = ae.loc[ae["AESER"].eq("Y")]
    b = ARDBuilder("SAF-SAE-01", "Listing 16.2.7.7", "FAS")
    _window_counts(b, "SAE", serious, {})
    new, outside = _new_outside(serious)
    notes = [
        "Every serious AE (AESER = Y) of FAS patients with onset on or before the cut-off, "
        "whether or not treatment-emergent (SAP 9.7), sorted by patient and onset. Serious "
        "TEAEs are also in Listing 16.2.7.1 and Table 14.3.4.3."
    ]
    return _any_time_output(
        ad, "16.2.7.7", serious, notes=notes, analysis_id="SAF-SAE-01", counts=b.build(),
        new_counts={changes.SERIOUS_AE: new, changes.SERIOUS_AE_OUTSIDE: outside},
        constant="Serious",
    )  # fmt: skip


def aesi_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.7.8: every AE of special interest (SAP 9.7, ``sap.aesi``) of a FAS patient,
    whatever its onset, with the counts SAF-AESI-01 by category and TEAE-window status."""
    ae = any_time_ae(ad)
    hits = ae.loc[ae["AESICAT"].ne("")]
    aesi, not_evaluable = evaluable_aesi(ad)
    by_category = aesi_categories(hits, aesi)
    b = ARDBuilder("SAF-AESI-01", "Listing 16.2.7.8", "FAS")
    _window_counts(b, "AESI", hits, {"AESI": "ANY"})
    for key in by_category.columns:
        _window_counts(b, "AESI", hits.loc[by_category[key]], {"AESI": key.upper()})
    new, _ = _new_outside(hits)
    notes = [
        _aesi_definition(aesi),
        *not_evaluable,
        "An AE in several categories is listed once, with each category. FAS patients, onset "
        "on or before the cut-off, sorted by patient and onset.",
    ]
    return _any_time_output(
        ad, "16.2.7.8", hits, notes=notes, analysis_id="SAF-AESI-01", counts=b.build(),
        new_counts={changes.AESI: new}, aesi=True,
    )  # fmt: skip


def new_ae_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.7.9: every AE new since the previous DMC cut-off (SAP 10.4), whatever its
    onset, with the DMC-NEW-01 counts AE, AE OUTSIDE TEAE WINDOW, AE GRADE >= 3 and TEAE. No
    rows (and a note saying why) when no previous cut-off is known."""
    ae = any_time_ae(ad)
    if ad.previous_cutoff is None:
        records = ae.iloc[0:0]
        notes = ["No previous DMC report is known: nothing is flagged as new (SAP 10.4)."]
    else:
        records = ae.loc[ae["NEWFL"].eq("Y")]
        notes = [
            "Every AE of FAS patients new since the previous DMC report: onset after its "
            f"cut-off {ad.previous_cutoff:%Y-%m-%d}, on or before this cut-off "
            f"{ad.cutoff:%Y-%m-%d}, or the patient enrolled since (SAP 10.4), whether or not "
            "treatment-emergent, sorted by patient and onset."
        ]
    new, outside = _new_outside(records)
    high = (records["AETOXGR"] >= 3).fillna(False).astype(bool)
    within = records["AWINDOW"].eq(WINDOW_WITHIN)
    return _any_time_output(
        ad, "16.2.7.9", records, notes=notes, analysis_id="", counts=ARD.concat([]),
        constant=NEW_COLUMN,
        new_counts={
            changes.AE: new,
            changes.AE_OUTSIDE: outside,
            changes.AE_HIGH_GRADE: int(high.sum()),
            changes.TEAE: int(within.sum()),
        },
    )  # fmt: skip
