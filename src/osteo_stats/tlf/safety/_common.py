"""What the safety TLFs share: grading scales, the TEAE records of the safety set, the operated
safety-set patients and the table shell (SAP 9.1, 9.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.safety import (
    PHASE_PRETREATMENT,
    PHASE_UNKNOWN,
    WINDOW_AFTER,
    WINDOW_BEFORE,
    WINDOW_NOT_DOSED,
    WINDOW_WITHIN,
    aesi_categories,
    teae_window_status,
)
from osteo_stats.derive.treatment import operated
from osteo_stats.sap import AESICategory

MODULE = "tlf.safety"
#: Relatedness flags by study-treatment component (SAP 9.1), in display order.
COMPONENTS = {"SBRT": "AERELSB", "PENPULIMAB": "AERELPD", "GEMCITABINE": "AERELGM"}
COMPONENT_LABEL = {"SBRT": "SBRT", "PENPULIMAB": "Penpulimab", "GEMCITABINE": "Gemcitabine"}
PHASE_LABEL = {
    "PRE-OPERATIVE": "Pre-operative",
    "PERI-OPERATIVE": "Peri-operative",
    "POST-OPERATIVE/MAINTENANCE": "Post-operative/maintenance",
    PHASE_UNKNOWN: "Unknown (onset missing)",
    PHASE_PRETREATMENT: "Pre-treatment",
}
#: The TEAE-window status of an AE (SAP 9.7) as the listings show it.
WINDOW_LABEL = {
    WINDOW_BEFORE: "Before first dose",
    WINDOW_WITHIN: "Treatment-emergent",
    WINDOW_AFTER: "After the TEAE window",
    WINDOW_NOT_DOSED: "Not dosed",
}

#: A table row: SOC (None for the "any" row) and preferred term (None for a SOC row).
RowKey = tuple[str | None, str | None]


@dataclass(frozen=True)
class Scale:
    """A grading scale: ordered grade codes (rank = position + 1) and the "high" threshold."""

    grades: tuple[str, ...]
    labels: tuple[str, ...]
    high_rank: int
    high_code: str
    high_label: str

    def codes(self, with_missing: bool = True) -> tuple[str, ...]:
        middle = ("MISSING",) if with_missing else ()
        return (*self.grades, *middle, "ANY", self.high_code)

    def label(self, code: str) -> str:
        if code in self.grades:
            return self.labels[self.grades.index(code)]
        return {"MISSING": "Grade missing", "ANY": "Any grade", self.high_code: self.high_label}[
            code
        ]


CTCAE = Scale(
    grades=("1", "2", "3", "4", "5"),
    labels=("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5"),
    high_rank=3,
    high_code="GE3",
    high_label="Grade >= 3",
)
CLAVIEN_DINDO = Scale(
    grades=("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
    labels=("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
    high_rank=3,
    high_code="GEIIIA",
    high_label=">= IIIa",
)


def row_group(section: Mapping[str, object], key: RowKey, code: str) -> dict[str, object]:
    soc, pt = key
    group = dict(section)
    if soc is not None:
        group["AEBODSYS"] = soc
    if pt is not None:
        group["AEDECOD"] = pt
    group["GRADE"] = code
    return group


def teae(ad: AnalysisData) -> pd.DataFrame:
    """TEAE records of safety-set patients (SAP 9.1)."""
    saf_ids = ad.population("SAF")["USUBJID"]
    adae = ad.adae
    return adae.loc[adae["TRTEMFL"].eq("Y") & adae["USUBJID"].isin(saf_ids)].reset_index(drop=True)


def evaluable_aesi(ad: AnalysisData) -> tuple[dict[str, AESICategory], list[str]]:
    """The AESI categories of ``sap.aesi`` (SAP 9.7) without the criteria these data cannot
    evaluate (an ADAE column a mapping declares not collected), and a note for each criterion
    left out: a not-collected flag never reads as "no AESI"."""
    missing = {column for dataset, column in ad.trial.not_collected if dataset == "ADAE"}
    kept: dict[str, AESICategory] = {}
    notes: list[str] = []
    for key, category in ad.sap.aesi.items():
        absent = [flag for flag in category.flags if flag in missing]
        update: dict[str, object] = {"flags": [f for f in category.flags if f not in missing]}
        if category.clavien_dindo_min is not None and "AECLAVDN" in missing:
            absent.append("AECLAVDN")
            update["clavien_dindo_min"] = None
        for column, field in (("AEBODSYS", "socs"), ("AEDECOD", "terms")):
            if getattr(category, field) and column in missing:
                absent.append(column)
                update[field] = []
        if not absent:
            kept[key] = category
            continue
        reduced = category.model_copy(update=update)
        left = reduced.socs or reduced.terms or reduced.flags or reduced.clavien_dindo_min
        if left:
            kept[key] = reduced
        notes.append(
            f"{category.label}: {', '.join(absent)} not collected, so "
            + ("only its other criteria are applied." if left else "not evaluable here.")
        )
    return kept, notes


def any_time_ae(ad: AnalysisData) -> pd.DataFrame:
    """AE records of FAS patients whatever their onset (SAP 9.7), with ``AWINDOW`` (the TEAE-
    window status, :func:`~osteo_stats.derive.safety.teae_window_status`) and ``AESICAT`` (the
    labels of the AESI categories met, ``"; "``-joined in ``sap.aesi`` order; empty for none)."""
    fas_ids = ad.population("FAS")["USUBJID"]
    ae = ad.adae.loc[ad.adae["USUBJID"].isin(fas_ids)].reset_index(drop=True)
    aesi, _ = evaluable_aesi(ad)
    hits = aesi_categories(ae, aesi)
    labels = [aesi[key].label for key in hits.columns]
    return ae.assign(
        AWINDOW=teae_window_status(ae, ad.adsl),
        AESICAT=["; ".join(lab for lab, hit in zip(labels, row, strict=True) if hit)
                 for row in hits.to_numpy()],
    )  # fmt: skip


def operated_saf(ad: AnalysisData) -> pd.DataFrame:
    """Operated safety-set patients: the denominator for surgical complications (SAP 9.2)."""
    saf = ad.population("SAF")
    return saf.loc[operated(saf)]
