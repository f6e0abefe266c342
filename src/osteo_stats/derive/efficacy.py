"""Conventions shared by the efficacy derivations: the data cut-off and the duration rule.

Every efficacy derivation (:mod:`~osteo_stats.derive.response`, :mod:`~osteo_stats.derive.tte`,
:mod:`~osteo_stats.derive.pathology`) sees the data through the functions here, so that the
cut-off and the day-counting rule are applied the same way everywhere:

- The data they receive is already cut (:mod:`~osteo_stats.derive.cutoff`, SAP 6.2: "anything
  after it does not exist for that analysis"); none of them filters by date again.
- :func:`adrs_post_baseline` is the one definition of a post-baseline tumour assessment, of a
  pre-/post-operative assessment and of an *adequate* assessment.
- :func:`compute_aval_days` is the one place where two dates become a duration (SAP 6.1).
- :func:`compute_event_indicator` is the one place where ``CNSR`` (1 = censored) becomes an event
  indicator.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from osteo_stats.derive.cutoff import CutoffLike, adsl_at_cutoff, as_cutoff

__all__ = [
    "ADEQUATE_RESPONSES",
    "ANALYSIS_TYPES",
    "CutoffLike",
    "add_variables",
    "adrs_post_baseline",
    "adsl_at_cutoff",
    "as_cutoff",
    "check_analysis_type",
    "compute_aval_days",
    "compute_event_indicator",
    "format_date",
    "format_dates",
    "landmark_aval",
]

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


def adrs_post_baseline(adrs: pd.DataFrame, adsl_cut: pd.DataFrame) -> pd.DataFrame:
    """Post-baseline tumour assessments, with their phase (SAP 3.2, 8.4).

    ``adrs`` and ``adsl_cut`` are at the cut-off
    (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`). Kept: assessments of patients in
    ``adsl_cut`` with ``ENRLDT < ADT`` and ``AVISIT`` other than ``SCREENING``
    (screening/baseline assessments are on or before enrollment).

    Added columns:

    - ``ENRLDT``, ``SURGDT`` from ``adsl_cut`` (which must already be at the cut-off);
    - ``PREOPFL``: ``Y`` if there was no surgery by the cut-off or ``ADT <= SURGDT`` (an
      assessment on the surgery date is pre-operative), else ``N``;
    - ``ADEQFL``: ``Y`` if ``AVALC`` is CR, PR, SD, PD or NED (an *adequate* assessment), else
      ``N`` (NE or missing).

    Sorted by ``USUBJID, ADT``.
    """
    merged = adrs.merge(adsl_cut[["USUBJID", "ENRLDT", "SURGDT"]], on="USUBJID", how="inner")
    keep = (merged["ADT"] > merged["ENRLDT"]) & (
        merged["AVISIT"].fillna("").str.upper() != "SCREENING"
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
