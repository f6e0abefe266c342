"""What the disposition TLFs share: ARD recording with SAP 6.3/6.4 statistics, the table and
listing shells, and the display names of treatments and phases."""

from __future__ import annotations

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData

MODULE = "tlf.disposition"
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


def body_frame(rows: list[tuple[str, str]], header: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Category", header], dtype=object)


def fas_sorted(ad: AnalysisData) -> pd.DataFrame:
    return ad.population("FAS").sort_values("USUBJID", kind="stable")
