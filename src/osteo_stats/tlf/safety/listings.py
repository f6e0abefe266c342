"""Listings 16.2.7.1-16.2.7.6: serious, grade >= 3, immune-related AEs, deaths, surgical
complications and unacceptable toxicities (SAP 9, 11.4).

Listings show the records themselves: verbatim terms as plain text (never interpreted), imputed
dates with their SAP 8.3 flag; they add no ARD rows (SAP 11.4 gives them no analysis id) except,
with a previous DMC cut-off, the count of the records marked "New" (DMC-NEW-01, SAP 10.4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.treatment import days_from_last_dose, last_dose
from osteo_stats.tlf.changes import DEATH, UTOX, new_note, with_new_column, with_new_counts
from osteo_stats.tlf.format import date_cells, text_cells
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import (
    COMPONENT_LABEL,
    COMPONENTS,
    MODULE,
    PHASE_LABEL,
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
        "Study day": text_cells(ae["ASTDY"]),
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
