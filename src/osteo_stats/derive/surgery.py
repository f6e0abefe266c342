"""Operated: the one definition (SAP 3.4, 4), used by every derivation and table."""

from __future__ import annotations

import pandas as pd

from osteo_stats.load.schemas import RESECTION_OUTCOMES


def operated(adsl: pd.DataFrame) -> pd.Series:
    """Per ADSL row: operated, i.e. SURGOUT in R0, R1 or R2 (SAP 3.4, 4).

    On ADSL at a cut-off a surgery after the cut-off is already ``PENDING`` (SAP 6.2,
    :mod:`~osteo_stats.derive.cutoff`), and a validated resection always has SURGDT (SAP 8.1),
    so this is also "SURGDT on or before the cut-off".
    """
    return adsl["SURGOUT"].isin(RESECTION_OUTCOMES)
