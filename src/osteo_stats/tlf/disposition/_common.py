"""What the disposition TLFs share: ARD recording with SAP 6.3/6.4 statistics, the table and
listing shells, and the display names of treatments and phases."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.model import TLF, TLFOutput, patient_listing, source_line

MODULE = "tlf.disposition"
SURGNDRS = ("PROGRESSION", "TOXICITY", "WITHDRAWAL", "DEATH", "OTHER")
DCSREAS = (
    "PROGRESSIVE DISEASE",
    "ADVERSE EVENT",
    "DEATH",
    "WITHDRAWAL BY SUBJECT",
    "LOST TO FOLLOW-UP",
    "PHYSICIAN DECISION",
    "OTHER",
)
#: Study treatments and the phases the protocol gives them (TRIAL.md, SAP 1.3).
TREATMENT_PHASES = {
    "SBRT": ("PRE-OPERATIVE",),
    "GEMCITABINE": ("PRE-OPERATIVE", "POST-OPERATIVE"),
    "PENPULIMAB": ("PRE-OPERATIVE", "POST-OPERATIVE", "MAINTENANCE"),
}
DISPLAY = {
    "SBRT": "SBRT",
    "GEMCITABINE": "Gemcitabine",
    "PENPULIMAB": "Penpulimab",
    "PRE-OPERATIVE": "Pre-operative",
    "POST-OPERATIVE": "Post-operative",
    "MAINTENANCE": "Maintenance",
}


def set_name(code: str) -> str:
    return {"FAS": "Full analysis set", "SAF": "Safety analysis set"}[code]


def table_output(
    ad: AnalysisData,
    number: str,
    analysis_set: str,
    footnotes: Sequence[str],
    analysis_id: str,
    body: pd.DataFrame,
    ard: ARD,
    *,
    landscape: bool = False,
) -> TLFOutput:
    """Table ``number`` (title from the catalogue) showing the rows of ``analysis_id``."""
    tlf = TLF(
        kind="Table",
        number=number,
        analysis_set=analysis_set,
        footnotes=tuple(footnotes),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (analysis_id,)),
        analysis_ids=(analysis_id,),
        body=body,
        landscape=landscape,
    )
    return TLFOutput(tlf, ard)


def body_frame(rows: list[tuple[str, str]], header: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Category", header], dtype=object)


# --- Listings --------------------------------------------------------------------------------


def listing_output(
    ad: AnalysisData,
    number: str,
    analysis_set: str,
    footnotes: Sequence[str],
    body: pd.DataFrame,
) -> TLFOutput:
    """Listing ``number`` (title from the catalogue; source line without ARD ids)."""
    source = source_line(MODULE, ad.cutoff, ad.sap.sap_version, ("none (patient listing)",))
    title = expected_tlf(f"Listing {number}").title
    return patient_listing(number, title, analysis_set, tuple(footnotes), source, body)


def fas_sorted(ad: AnalysisData) -> pd.DataFrame:
    return ad.population("FAS").sort_values("USUBJID", kind="stable")
