"""Column specification of the synthetic extract: order, type and label of every column.

The order and names follow ``sap/DATA_MODEL.md``. The labels are the SAS transport labels
(XPT v5: names <= 8 characters, labels <= 40). ``decimals`` fixes how a number is printed in
CSV so that the bytes never depend on floating-point ``repr`` noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "num", "date"]


@dataclass(frozen=True)
class Col:
    name: str
    kind: Kind
    label: str
    decimals: int = 0


def _flag(name: str, label: str) -> Col:
    return Col(name, "text", label)


_COMMON = (
    Col("STUDYID", "text", "Study Identifier"),
    Col("USUBJID", "text", "Unique Subject Identifier"),
)

COLUMNS: dict[str, tuple[Col, ...]] = {
    "ADSL": (
        *_COMMON,
        Col("SITEID", "text", "Study Site Identifier"),
        Col("AGE", "int", "Age at Consent (years)"),
        Col("SEX", "text", "Sex"),
        Col("PSTYPE", "text", "Performance Status Scale"),
        Col("PSSCORE", "int", "Baseline Performance Status Score"),
        Col("NNODULE", "int", "Baseline Number of Pulmonary Nodules"),
        Col("LATERAL", "text", "Laterality of Pulmonary Nodules"),
        Col("DFIMO", "num", "Disease-Free Interval (months)", 1),
        Col("PRIORLN", "int", "Prior Lines of Systemic Therapy"),
        Col("RFICDT", "date", "Date of Informed Consent"),
        Col("ENRLDT", "date", "Date of Enrollment"),
        Col("TRTSDT", "date", "Date of First Exposure to Treatment"),
        Col("TRTEDT", "date", "Date of Last Exposure to Treatment"),
        Col("SURGPLDT", "date", "Planned Date of Metastasectomy"),
        Col("SURGDT", "date", "Date of Metastasectomy"),
        Col("SURGOUT", "text", "Metastasectomy Outcome (Resection)"),
        Col("SURGNDRS", "text", "Reason Metastasectomy Not Done"),
        Col("NECRPCT", "num", "Necrosis in Resected Nodules (%)", 0),
        Col("NACTDT", "date", "Start Date of New Anticancer Therapy"),
        Col("SMDT", "date", "Date of Second Malignancy Diagnosis"),
        Col("DTHDT", "date", "Date of Death"),
        Col("DTHCAUS", "text", "Cause of Death"),
        Col("LSTALVDT", "date", "Date Last Known Alive"),
        Col("EOSSTT", "text", "End of Study Status"),
        Col("DCSREAS", "text", "Reason for Discontinuation from Study"),
        Col("EOSDT", "date", "End of Study Date"),
        _flag("FASFL", "Full Analysis Set Population Flag"),
        _flag("SAFFL", "Safety Population Flag"),
        _flag("PPROTFL", "Per-Protocol Population Flag"),
        Col("DCUTDT", "date", "Data Cut-off Date"),
    ),
    "ADAE": (
        *_COMMON,
        Col("AESEQ", "int", "Sequence Number"),
        Col("AETERM", "text", "Reported Term for the Adverse Event"),
        Col("AEDECOD", "text", "Dictionary-Derived Term"),
        Col("AEBODSYS", "text", "Body System or Organ Class"),
        Col("AETOXGR", "int", "Standard Toxicity Grade (CTCAE v5.0)"),
        _flag("AESER", "Serious Event"),
        _flag("AERELSB", "Related to SBRT"),
        _flag("AERELPD", "Related to Penpulimab"),
        _flag("AERELGM", "Related to Gemcitabine"),
        _flag("AEIRFL", "Immune-Related Adverse Event Flag"),
        Col("ASTDT", "date", "Analysis Start Date"),
        Col("AENDT", "date", "Analysis End Date"),
        Col("AEACN", "text", "Action Taken with Study Treatment"),
        Col("AEOUT", "text", "Outcome of Adverse Event"),
        Col("AECLAVDN", "text", "Clavien-Dindo Grade"),
        _flag("AESDLYFL", "Event Delayed Surgery Flag"),
    ),
    "ADRS": (
        *_COMMON,
        Col("PARAMCD", "text", "Parameter Code"),
        Col("AVISIT", "text", "Analysis Visit"),
        Col("ADT", "date", "Analysis Date"),
        Col("APHASE", "text", "Phase"),
        Col("AVALC", "text", "Overall Response (RECIST 1.1)"),
        _flag("RECURFL", "Recurrence in Resected Site or Lung Flag"),
        _flag("NEWLFL", "New Lesion Flag"),
    ),
    "ADTR": (
        *_COMMON,
        Col("PARAMCD", "text", "Parameter Code"),
        Col("AVISIT", "text", "Analysis Visit"),
        Col("ADT", "date", "Analysis Date"),
        Col("AVAL", "num", "Sum of Target Lesion Diameters (mm)", 0),
        _flag("ABLFL", "Baseline Record Flag"),
    ),
    "ADEX": (
        *_COMMON,
        Col("EXTRT", "text", "Name of Treatment"),
        Col("APHASE", "text", "Phase"),
        Col("CYCLE", "int", "Treatment Cycle"),
        Col("EXFRACN", "int", "SBRT Fraction Number"),
        Col("EXSTDT", "date", "Date of Administration"),
        Col("EXPLDOS", "num", "Planned Dose", 1),
        Col("EXDOSE", "num", "Actual Dose", 1),
        Col("EXDOSU", "text", "Dose Units"),
    ),
    "ADBM": (
        *_COMMON,
        Col("PARAMCD", "text", "Parameter Code"),
        Col("ATPT", "text", "Analysis Timepoint"),
        Col("ADT", "date", "Sample Date"),
        Col("AVAL", "num", "Analysis Value", 1),
        Col("BMSTAT", "text", "Biomarker Assessment Status"),
        Col("BMREASND", "text", "Reason Not Done or Not Evaluable"),
    ),
    "ADLB": (
        *_COMMON,
        Col("PARAMCD", "text", "Parameter Code"),
        Col("PARAM", "text", "Parameter"),
        Col("AVISIT", "text", "Analysis Visit"),
        Col("ADT", "date", "Analysis Date"),
        Col("AVAL", "num", "Analysis Value", 2),
        Col("AVALU", "text", "Analysis Value Unit"),
        Col("ANRLO", "num", "Analysis Normal Range Lower Limit", 2),
        Col("ANRHI", "num", "Analysis Normal Range Upper Limit", 2),
    ),
}

DATASET_LABELS: dict[str, str] = {
    "ADSL": "Subject-Level Analysis Dataset",
    "ADAE": "Adverse Events Analysis Dataset",
    "ADRS": "Tumour Response Analysis Dataset",
    "ADTR": "Tumour Measurement Analysis Dataset",
    "ADEX": "Exposure Analysis Dataset",
    "ADBM": "Biomarker Analysis Dataset",
    "ADLB": "Laboratory Analysis Dataset",
}

DATASETS: tuple[str, ...] = tuple(COLUMNS)

# Row order of each dataset in the output (the data model keys).
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "ADSL": ("USUBJID",),
    "ADAE": ("USUBJID", "AESEQ"),
    "ADRS": ("USUBJID", "ADT"),
    "ADTR": ("USUBJID", "ADT"),
    "ADEX": ("USUBJID", "EXSTDT", "EXTRT", "EXFRACN"),
    "ADBM": ("USUBJID", "PARAMCD", "ATPT"),
    "ADLB": ("USUBJID", "ADT", "PARAMCD"),
}
