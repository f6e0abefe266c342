"""Biomarker values per patient and marker, with availability and the reasons for missing
samples (SAP 7.6 point 1): the input of the Section 14.4 analyses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: ADBM time points (ATPT): the diagnostic biopsy and the resected specimen.
PRE, POST = "PRE-SBRT", "POST-SBRT"

#: Response endpoints (column of the result) -> ADSL flag (SAP 3.3, 3.4).
ENDPOINTS: dict[str, str] = {"GOODRESP": "GOODRESP", "ORR": "ORRFL"}


def _missing_reason(status: object, reason: object, *, no_record: str) -> str:
    if pd.isna(status):
        return no_record
    text = str(reason).strip() if not pd.isna(reason) else ""
    return f"{status}: {text}" if text else f"{status}: REASON NOT RECORDED"


def derive_marker_values(
    fas: pd.DataFrame, adbm: pd.DataFrame, markers: Sequence[str]
) -> pd.DataFrame:
    """One row per FAS patient and marker: values (``BMSTAT = DONE`` only) and why missing.

    Parameters
    ----------
    fas
        The FAS rows of ADSL at the cut-off (``USUBJID``, ``SURGOUT`` and the flags of
        :data:`ENDPOINTS`).
    adbm
        ADBM at the cut-off.
    markers
        PARAMCDs (``sap.biomarkers.markers``), in display order.

    Returns
    -------
    pandas.DataFrame
        Columns ``USUBJID, PARAMCD, PRE, POST, PRE_REASON, POST_REASON, CHANGE, AVAIL,
        GOODRESP, ORR`` (the last two boolean). ``*_REASON`` is ``None`` when the value exists,
        else ``"BMSTAT: BMREASND"`` or ``"NO RECORD"`` (no sample row by the cut-off; for the
        post-SBRT sample of a patient whose surgery is pending, ``"NO RECORD: SURGERY
        PENDING"``). ``AVAIL``: BOTH, PRE ONLY, POST ONLY or NEITHER. Nothing is imputed.
    """
    grid = pd.MultiIndex.from_product([fas["USUBJID"], list(markers)], names=["USUBJID", "PARAMCD"])
    out = grid.to_frame(index=False)
    bm = adbm.set_index(["USUBJID", "PARAMCD", "ATPT"])
    pending = set(fas.loc[fas["SURGOUT"].eq("PENDING"), "USUBJID"])
    for atpt, column in ((PRE, "PRE"), (POST, "POST")):
        # a mask, not xs(): early cut-offs may have no sample at this time point yet
        rows = bm.loc[bm.index.get_level_values("ATPT") == atpt].droplevel("ATPT")
        rows = rows.reindex(grid)
        done = rows["BMSTAT"].eq("DONE").to_numpy()
        out[column] = np.where(done, rows["AVAL"].to_numpy(dtype=float), np.nan)
        reasons = []
        for usubjid, status, reason, ok in zip(
            out["USUBJID"], rows["BMSTAT"], rows["BMREASND"], done, strict=True
        ):
            no_record = "NO RECORD"
            if atpt == POST and usubjid in pending:
                no_record = "NO RECORD: SURGERY PENDING"
            reasons.append(None if ok else _missing_reason(status, reason, no_record=no_record))
        out[f"{column}_REASON"] = reasons
    out["CHANGE"] = out["POST"] - out["PRE"]
    has_pre, has_post = out["PRE"].notna(), out["POST"].notna()
    out["AVAIL"] = np.select(
        [has_pre & has_post, has_pre, has_post], ["BOTH", "PRE ONLY", "POST ONLY"], "NEITHER"
    )
    flags = fas.set_index("USUBJID")
    for endpoint, flag in ENDPOINTS.items():
        out[endpoint] = out["USUBJID"].map(flags[flag].eq("Y")).astype(bool)
    return out
