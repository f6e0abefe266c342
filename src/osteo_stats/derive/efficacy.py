"""Conventions shared by the efficacy derivations: the data cut-off and the duration rule.

Every efficacy derivation (:mod:`~osteo_stats.derive.response`, :mod:`~osteo_stats.derive.tte`,
:mod:`~osteo_stats.derive.pathology`) sees the data through the functions here, so that the
cut-off and the day-counting rule are applied the same way everywhere:

- :func:`adsl_at_cutoff` removes from ADSL everything dated after the cut-off (TRIAL.md: "anything
  after it does not exist for that analysis"), so a derivation is correct on a full-history
  extract as well as on a snapshot.
- :func:`adrs_post_baseline` is the one definition of a post-baseline tumour assessment, of a
  pre-/post-operative assessment and of an *adequate* assessment.
- :func:`compute_aval_days` is the one place where two dates become a duration (SAP 6.1).
- :func:`compute_event_indicator` is the one place where ``CNSR`` (1 = censored) becomes an event
  indicator.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

CutoffLike = date | str | pd.Timestamp

#: The two kinds of analysis (SAP 3.1, 3.3, 10.3). Rules that differ between them -- a patient
#: still not evaluable for the primary endpoint counts as a failure, and the response
#: "not yet evaluable" category is empty -- apply at the ``"final"`` analysis only.
ANALYSIS_TYPES = ("interim", "final")


def check_analysis_type(analysis_type: str) -> str:
    """``analysis_type`` if it is one of :data:`ANALYSIS_TYPES`; otherwise a ValueError."""
    if analysis_type not in ANALYSIS_TYPES:
        raise ValueError(
            f"analysis_type: {analysis_type!r} is not an analysis type; allowed: "
            f"{', '.join(ANALYSIS_TYPES)}"
        )
    return analysis_type


#: RECIST 1.1 overall responses (plus ``NED`` after complete resection) that make an assessment
#: *adequate* (SAP 8.4): everything except ``NE`` and missing.
ADEQUATE_RESPONSES = ("CR", "PR", "SD", "PD", "NED")

#: ADSL dates that record something happening; each is removed (NaT) when after the cut-off.
_EVENT_DATES = ("TRTSDT", "TRTEDT", "SURGDT", "NACTDT", "SMDT", "DTHDT", "EOSDT")


def as_cutoff(cutoff: CutoffLike) -> pd.Timestamp:
    """The cut-off as a midnight :class:`pandas.Timestamp` (from a date, ISO text or Timestamp)."""
    stamp = pd.Timestamp(cutoff)
    if pd.isna(stamp):
        raise ValueError(f"cutoff: a data cut-off date is required, got {cutoff!r}")
    return stamp.normalize()


def compute_aval_days(start: object, end: object, offset: int) -> pd.Series | float:
    r"""Duration in days between two dates (SAP 6.1).

    .. math::

        \mathrm{AVAL} = (\mathrm{end} - \mathrm{start})_{\mathrm{days}} + \mathrm{offset}

    With ``offset = 1`` (``sap.time.day_one_offset``) an event on the start date has AVAL 1.

    Parameters
    ----------
    start, end
        Dates: scalars, arrays or Series (``datetime64``); missing gives NaN.
    offset
        ``sap.time.day_one_offset`` (0 or 1). Required, so that no caller silently uses a rule
        other than the SAP's.

    Returns
    -------
    pandas.Series or float
        Days as float (NaN where a date is missing); a Series when either input is array-like.
    """
    delta = pd.to_datetime(end) - pd.to_datetime(start)
    days = delta / pd.Timedelta(days=1) + offset
    if np.ndim(days) == 0:
        return float(days)
    return days if isinstance(days, pd.Series) else pd.Series(np.asarray(days, dtype=float))


def landmark_aval(months: float, days_per_month: float) -> int:
    """The first whole AVAL (days, SAP 6.1) whose duration in months reaches ``months``.

    ``ceil(months x days_per_month)``: 731 for 24 months of 30.4375 days (730.5 days). Rules
    that ask whether a duration reached a landmark compare AVAL with this integer, never
    AVAL / days_per_month with ``months``, so that no month value rounded in floating point can
    decide a status, and the landmark date and the event rule cannot disagree.
    """
    return math.ceil(months * days_per_month)


def compute_event_indicator(cnsr: object) -> np.ndarray:
    """Event indicator (True = event) from the ADaM censoring flag (``CNSR``: 0 event, 1 censored).

    This is the only place the package turns ``CNSR`` around.

    Raises
    ------
    ValueError
        A value other than 0 or 1 (including missing).
    """
    values = pd.to_numeric(pd.Series(cnsr), errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        shown = sorted({str(v) for v in values[bad]})
        raise ValueError(f"CNSR must be 0 (event) or 1 (censored); received {', '.join(shown)}")
    return values.to_numpy(dtype=float) == 0


def adsl_at_cutoff(adsl: pd.DataFrame, cutoff: CutoffLike) -> pd.DataFrame:
    """ADSL as it stood at the data cut-off.

    - Patients enrolled after the cut-off are dropped (they are not in the analysis).
    - ``TRTSDT, TRTEDT, SURGDT, NACTDT, SMDT, DTHDT, EOSDT`` after the cut-off become missing, with
      their imputation flag (``<COL>F``) when present.
    - Surgery after the cut-off: ``SURGOUT = "PENDING"`` and ``NECRPCT`` missing.
    - Death after the cut-off: ``DTHCAUS`` missing.
    - End of study after the cut-off: ``EOSSTT = "ONGOING"`` and ``DCSREAS`` missing.
    - ``LSTALVDT`` after the cut-off becomes the cut-off (the patient was alive then).
    - ``SAFFL = "N"`` when not dosed by the cut-off; ``PPROTFL = "N"`` when not operated by it.

    ``SURGPLDT`` (a plan, not an event) and ``SURGOUT = "NOT DONE"`` are kept; the date of the
    event a non-done surgery implies is checked against the cut-off where it is derived.
    """
    cut = as_cutoff(cutoff)
    out = adsl.loc[adsl["ENRLDT"] <= cut].copy()
    after: dict[str, pd.Series] = {}
    for col in _EVENT_DATES:
        if col not in out.columns:
            continue
        after[col] = out[col] > cut
        out.loc[after[col], col] = pd.NaT
        flag = f"{col}F"
        if flag in out.columns:
            out.loc[after[col], flag] = ""
    if "SURGDT" in after:
        out.loc[after["SURGDT"], "SURGOUT"] = "PENDING"
        if "NECRPCT" in out.columns:
            out.loc[after["SURGDT"], "NECRPCT"] = np.nan
    if "DTHDT" in after and "DTHCAUS" in out.columns:
        out.loc[after["DTHDT"], "DTHCAUS"] = np.nan
    if "EOSDT" in after:
        out.loc[after["EOSDT"], "EOSSTT"] = "ONGOING"
        if "DCSREAS" in out.columns:
            out.loc[after["EOSDT"], "DCSREAS"] = np.nan
    if "LSTALVDT" in out.columns:
        out.loc[out["LSTALVDT"] > cut, "LSTALVDT"] = cut
    # Analysis-set membership is a fact at the cut-off too (SAP 4, 4.2): not yet dosed means
    # not yet in the safety set; not yet operated means not (yet) in the per-protocol set.
    if "SAFFL" in out.columns and "TRTSDT" in out.columns:
        out.loc[out["TRTSDT"].isna(), "SAFFL"] = "N"
    if "PPROTFL" in out.columns and "SURGOUT" in out.columns:
        out.loc[~out["SURGOUT"].isin(["R0", "R1", "R2"]), "PPROTFL"] = "N"
    return out.reset_index(drop=True)


def adrs_post_baseline(
    adrs: pd.DataFrame, adsl_cut: pd.DataFrame, cutoff: CutoffLike
) -> pd.DataFrame:
    """Post-baseline tumour assessments on or before the cut-off, with their phase (SAP 3.2, 8.4).

    Kept: assessments of patients in ``adsl_cut`` with ``ENRLDT < ADT <= cutoff`` and ``AVISIT``
    other than ``SCREENING`` (screening/baseline assessments are on or before enrollment).

    Added columns:

    - ``ENRLDT``, ``SURGDT`` from ``adsl_cut`` (which must already be at the cut-off);
    - ``PREOPFL``: ``Y`` if there was no surgery by the cut-off or ``ADT <= SURGDT`` (an
      assessment on the surgery date is pre-operative), else ``N``;
    - ``ADEQFL``: ``Y`` if ``AVALC`` is CR, PR, SD, PD or NED (an *adequate* assessment), else
      ``N`` (NE or missing).

    Sorted by ``USUBJID, ADT``.
    """
    cut = as_cutoff(cutoff)
    merged = adrs.merge(adsl_cut[["USUBJID", "ENRLDT", "SURGDT"]], on="USUBJID", how="inner")
    keep = (
        (merged["ADT"] > merged["ENRLDT"])
        & (merged["ADT"] <= cut)
        & (merged["AVISIT"].fillna("").str.upper() != "SCREENING")
    )
    out = merged.loc[keep].copy()
    preop = out["SURGDT"].isna() | (out["ADT"] <= out["SURGDT"])
    out["PREOPFL"] = np.where(preop, "Y", "N")
    out["ADEQFL"] = np.where(out["AVALC"].isin(ADEQUATE_RESPONSES), "Y", "N")
    return out.sort_values(["USUBJID", "ADT"], kind="stable").reset_index(drop=True)


def add_variables(
    dataset: pd.DataFrame, derived: pd.DataFrame, by: str = "USUBJID"
) -> pd.DataFrame:
    """``dataset`` with the columns of ``derived`` merged on ``by`` (existing ones replaced)."""
    new = [c for c in derived.columns if c != by]
    return dataset.drop(columns=new, errors="ignore").merge(derived, on=by, how="left")


def format_date(value: object) -> str:
    """``YYYY-MM-DD`` for audit text (empty for a missing date)."""
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def format_dates(dates: pd.Series) -> pd.Series:
    """:func:`format_date` for a Series of dates (object dtype, also when empty)."""
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype(object)
