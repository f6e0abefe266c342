"""The shipped synthetic trial (``data/synthetic``), loaded once and derived once per cut-off.

Used through the session fixtures in ``conftest.py`` (and by helper modules such as
``test_render_fixtures``). Everything handed out is shared by the whole session, so it is
read-only: :class:`~osteo_stats.load.TrialData` and
:class:`~osteo_stats.derive.analysis_data.AnalysisData` are frozen, and the frames they hold
are fingerprinted when first built and checked again at the end of the session
(:func:`changed_frames`). A test that needs to change a frame works on a ``.copy()``.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, derive_analysis_data
from osteo_stats.load import TrialData, load_trial
from osteo_stats.sap import SAP, load_sap

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "synthetic"

_TRIAL_FRAMES = ("adsl", "adae", "adrs", "adtr", "adex", "adbm")
_ANALYSIS_FRAMES = ("adsl", "adae", "adtte", "adrs", "adtr", "adex", "adbm", "adlb")
Fingerprint = tuple[tuple[object, ...], tuple[str, ...], int]
_built: dict[str, tuple[pd.DataFrame, Fingerprint]] = {}


def _fingerprint(frame: pd.DataFrame) -> Fingerprint:
    values = int(pd.util.hash_pandas_object(frame, index=True).sum()) if len(frame) else 0
    return tuple(frame.columns), tuple(map(str, frame.dtypes)), values


def _remember(name: str, owner: object, frames: tuple[str, ...]) -> None:
    for attr in frames:
        frame = getattr(owner, attr)
        _built[f"{name}.{attr}"] = (frame, _fingerprint(frame))


def changed_frames() -> list[str]:
    """The shared frames whose columns, dtypes or values changed since they were built."""
    return [key for key, (frame, before) in _built.items() if _fingerprint(frame) != before]


@cache
def shipped_sap() -> SAP:
    return load_sap()


@cache
def shipped_trial() -> TrialData:
    trial = load_trial(SHIPPED, shipped_sap())
    _remember("trial", trial, _TRIAL_FRAMES)
    return trial


@cache
def shipped_analysis(cutoff: date | None = None, analysis_type: str = "interim") -> AnalysisData:
    """``derive_analysis_data`` of the shipped trial (``cutoff`` None: the extract's cut-off)."""
    ad = derive_analysis_data(shipped_trial(), shipped_sap(), cutoff, analysis_type=analysis_type)
    _remember(f"analysis({cutoff}, {analysis_type})", ad, _ANALYSIS_FRAMES)
    return ad
