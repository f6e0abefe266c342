"""Listings 16.2.1 (discontinued patients), 16.2.2 (eligibility deviations and analysis-set
exclusions), 16.2.4 (baseline data) and 16.2.5 (study treatment administration), SAP 11.4.

Listings show records, not statistics: their ARD is empty and their source line says so, except
for the count of new records since the previous DMC report (DMC-NEW-01, SAP 10.4).
"""

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
    last_dose,
    operated,
    pps_exclusion_reason,
)
from osteo_stats.tlf.changes import DISCONTINUED, new_note, with_new_column, with_new_counts
from osteo_stats.tlf.disposition._common import (
    DISPLAY,
    MODULE,
    fas_sorted,
    set_name,
)
from osteo_stats.tlf.format import date_cells, text_cells
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.summary import listing_output, population_label


def _as_recorded(value: object) -> str:
    """A number as recorded: ``8`` rather than ``8.0``, ``7.5`` as is; missing is empty."""
    if value is None or pd.isna(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


def _recorded(values: pd.Series) -> pd.Series:
    return values.map(_as_recorded).astype(object)


def _surgery_text(adsl: pd.DataFrame) -> pd.Series:
    """``R0 (2023-01-05)``, ``NOT DONE (PROGRESSION)``, ``PENDING``."""
    out = text_cells(adsl["SURGOUT"])
    out = out.where(~operated(adsl), out + " (" + date_cells(adsl["SURGDT"]) + ")")
    not_done = adsl["SURGOUT"].eq("NOT DONE") & adsl["SURGNDRS"].notna()
    return out.where(~not_done, out + " (" + text_cells(adsl["SURGNDRS"]) + ")")


_PS_LABEL = {"ECOG": "ECOG", "LANSKY": "Lansky"}
_DATE_NOTE = "Imputed dates carry their SAP 8.3 flag: (D) day imputed, (M) month and day imputed."


def discontinued_listing(ad: AnalysisData) -> TLFOutput:
    fas = fas_sorted(ad)
    dc = fas.loc[fas["EOSSTT"].eq("DISCONTINUED")]
    last = last_dose(dc, ad.adex)
    new = dc.get("DSNEWFL", pd.Series("N", index=dc.index))
    body = pd.DataFrame(
        {
            "Patient": text_cells(dc["USUBJID"]),
            "Site": text_cells(dc["SITEID"]),
            "Enrollment": date_cells(dc["ENRLDT"]),
            "End of study": date_cells(dc["EOSDT"]),
            "Reason for discontinuation": text_cells(dc["DCSREAS"]),
            "Last dose": date_cells(last, missing="Not dosed"),
            "Surgery outcome": _surgery_text(dc),
            "Date of death": date_cells(dc["DTHDT"], dc.get("DTHDTF")),
        },
        dtype=object,
    )
    body = with_new_column(body, ad, new)
    notes = (
        "FAS patients with EOSSTT = DISCONTINUED at the data cut-off, sorted by patient. Reason "
        "as recorded (DCSREAS).",
        "Last dose: TRTEDT, or failing it the last ADEX administration with EXDOSE > 0, on or "
        "before the cut-off. Surgery outcome with the date of surgery, or the reason surgery was "
        "not done (SURGNDRS).",
        _DATE_NOTE,
        *new_note(ad, "end of study (EOSDT)"),
    )
    output = listing_output(
        MODULE, ad, "16.2.1", population_label(set_name("FAS"), len(fas)), notes, body
    )
    return with_new_counts(output, ad, {DISCONTINUED: int(new.eq("Y").sum())}, "FAS")


def deviation_listing(ad: AnalysisData) -> TLFOutput:
    fas = fas_sorted(ad)
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
    return listing_output(
        MODULE,
        ad,
        "16.2.2",
        population_label(set_name("FAS"), len(fas)),
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


def baseline_listing(ad: AnalysisData) -> TLFOutput:
    fas = fas_sorted(ad)
    body = pd.DataFrame(
        {
            "Patient": text_cells(fas["USUBJID"]),
            "Site": text_cells(fas["SITEID"]),
            "Enrollment": date_cells(fas["ENRLDT"]),
            "Age (years)": _recorded(fas["AGE"]),
            "Sex": text_cells(fas["SEX"]),
            "PS scale": fas["PSTYPE"].map(_PS_LABEL).fillna(text_cells(fas["PSTYPE"])),
            "PS score": _recorded(fas["PSSCORE"]),
            "Nodules": _recorded(fas["NNODULE"]),
            "Laterality": text_cells(fas["LATERAL"]).str.capitalize(),
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
    return listing_output(
        MODULE,
        ad,
        "16.2.4",
        population_label(set_name("FAS"), len(fas)),
        notes,
        body,
    )


def administration_listing(ad: AnalysisData) -> TLFOutput:
    saf = ad.population("SAF")
    adex = ad.adex.loc[ad.adex["USUBJID"].isin(saf["USUBJID"])]
    adex = adex.sort_values(["USUBJID", "EXSTDT", "EXTRT"], kind="stable")
    # Built column by column (no per-row formatting) so a long listing stays cheap to build
    # and renders as plain rows.
    body = pd.DataFrame(
        {
            "Patient": text_cells(adex["USUBJID"]),
            "Treatment": adex["EXTRT"].map(DISPLAY).fillna(text_cells(adex["EXTRT"])),
            "Phase": adex["APHASE"].map(DISPLAY).fillna(text_cells(adex["APHASE"])),
            "Cycle": _recorded(adex["CYCLE"]),
            "Fraction": _recorded(adex["EXFRACN"]),
            "Date": date_cells(adex["EXSTDT"]),
            "Planned dose": _recorded(adex["EXPLDOS"]),
            "Actual dose": _recorded(adex["EXDOSE"]),
            "Unit": text_cells(adex["EXDOSU"]),
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
    return listing_output(
        MODULE,
        ad,
        "16.2.5",
        population_label(set_name("SAF"), len(saf)),
        notes,
        body,
    )
