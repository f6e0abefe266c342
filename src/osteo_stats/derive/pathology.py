"""Pathological response of the resected nodules and resection status (SAP 3.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.efficacy import (
    CutoffLike,
    add_variables,
    as_cutoff,
    check_analysis_type,
    format_date,
    format_dates,
)
from osteo_stats.derive.surgery import operated
from osteo_stats.sap import Pathology

_GRADES = ("I", "II", "III", "IV")

#: Values of ``PATHSTAT`` (SAP 3.4).
PATHOLOGY_STATUSES = ("OPERATED", "NOT OPERATED", "NOT EVALUABLE YET")


def compute_huvos(necrpct: pd.Series, lower_bounds: dict[str, float]) -> pd.Series:
    r"""Huvos grade from percent necrosis: the highest grade whose lower bound is reached (SAP 3.4).

    Bounds are lower bounds, so a non-integer percent falls in the grade below the next bound:
    with ``{I: 0, II: 50, III: 90, IV: 100}``, 89.5 and 89.9 are grade II, 99.9 is grade III and
    only 100 is grade IV.

    .. math::

        \mathrm{grade}(x) = \max\{g : x \ge b_g\}

    Parameters
    ----------
    necrpct
        Percent necrosis, 0-100; missing gives a missing grade.
    lower_bounds
        ``sap.pathology.huvos_grade_lower_bounds``.

    Returns
    -------
    pandas.Series
        ``"I"``-``"IV"`` (object dtype), missing where ``necrpct`` is missing.
    """
    bounds = np.array([lower_bounds[g] for g in _GRADES], dtype=float)
    values = pd.to_numeric(necrpct, errors="coerce").to_numpy(dtype=float)
    index = np.searchsorted(bounds, values, side="right") - 1  # last bound <= value
    known = ~np.isnan(values) & (index >= 0)
    grades = np.where(known, np.array(_GRADES, dtype=object)[np.clip(index, 0, 3)], None)
    return pd.Series(grades, index=necrpct.index, dtype=object).where(known, np.nan)


def derive_pathology(
    adsl: pd.DataFrame,
    sap_pathology: Pathology,
    cutoff: CutoffLike,
    analysis_type: str = "interim",
) -> pd.DataFrame:
    """Add Huvos grade, pathological response and resection flags to ADSL (SAP 3.4).

    Surgery counts if it happened on or before the cut-off (``SURGDT``; SURGOUT R0/R1/R2).
    Patients not operated by then have no Huvos grade and are non-responders (``N``) and not R0;
    the "among resected" denominator is ``OPERFL = "Y"``. Each patient's status for the FAS
    denominator of Tables 14.2.7 and 14.2.8 is decided by the first rule that applies
    (``PATHRULE``; ``PATHREAS`` starts with it):

    - P1 OPERATED: surgery on or before the cut-off; grade and R0 from the resection.
    - P2 NOT OPERATED: surgery not done (``SURGOUT = "NOT DONE"``): non-responder, not R0.
    - P3 NOT YET EVALUABLE, at an interim analysis: surgery still ``PENDING``; not in the FAS
      denominator, counted in its own row.
    - P4 NOT OPERATED, at the final analysis: surgery still ``PENDING``; no outcome stays
      pending at the final analysis (SAP 10.3), so the patient is a non-responder and not R0
      in the FAS denominator, like a patient without surgery (SAP 8.2), in its own row.

    Parameters
    ----------
    adsl
        ADSL at the cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`): a surgery after
        the cut-off is already ``PENDING`` there.
    sap_pathology
        ``sap.pathology``.
    cutoff
        Data cut-off (named in the P3 reason).
    analysis_type
        ``"interim"`` (default) or ``"final"``
        (:data:`~osteo_stats.derive.efficacy.ANALYSIS_TYPES`).

    Returns
    -------
    pandas.DataFrame
        ``adsl`` with ``OPERFL`` (operated), ``R0FL`` (R0 resection), ``HUVOS``
        (:func:`compute_huvos`; missing if not operated), ``GOODRESP`` (grade in
        ``good_response_grades``, III-IV) and ``COMPRESP`` (grade in
        ``complete_response_grades``, IV); flags are ``Y``/``N``. ``PATHSTAT`` (one of
        :data:`PATHOLOGY_STATUSES`), ``PATHRULE`` (P1-P4), ``PATHREAS`` (rule text with the
        dates behind it) and ``PATHDENFL`` (``Y`` when in the FAS denominator, i.e. not P3).

    Raises
    ------
    ValueError
        An unknown analysis type.
    """
    final = check_analysis_type(analysis_type) == "final"
    cut = as_cutoff(cutoff)
    out = adsl
    is_operated = operated(out)
    pending = ~is_operated & (out["SURGOUT"] == "PENDING")
    huvos = compute_huvos(out["NECRPCT"].where(is_operated), sap_pathology.huvos_grade_lower_bounds)
    planned = np.where(
        out["SURGPLDT"].notna(),
        "(planned " + format_dates(out["SURGPLDT"]) + ")",
        "(no planned date)",
    )
    rule = np.select(
        [is_operated, pending & ~final, pending & final], ["P1", "P3", "P4"], default="P2"
    )
    status = pd.Series(rule, index=out.index).map(
        {"P1": "OPERATED", "P2": "NOT OPERATED", "P3": "NOT EVALUABLE YET", "P4": "NOT OPERATED"}
    )
    not_done = "SAP 3.4 P2 surgery not done (" + out["SURGNDRS"].fillna("no reason").astype(str)
    reason = np.select(
        [rule == "P1", rule == "P3", rule == "P4"],
        [
            "SAP 3.4 P1 operated on " + format_dates(out["SURGDT"]) + ": SURGOUT "
            + out["SURGOUT"].astype(str) + ", Huvos " + huvos.fillna("grade missing").astype(str),
            "SAP 3.4 P3 surgery pending at the interim cut-off " + format_date(cut) + " "
            + planned + ": not yet evaluable, not in the FAS denominator",
            "SAP 3.4 P4 surgery still pending at the final analysis " + planned
            + ": pathological non-responder, not R0",
        ],
        default=not_done + "): pathological non-responder, not R0",
    )  # fmt: skip
    derived = pd.DataFrame(
        {
            "USUBJID": out["USUBJID"],
            "OPERFL": np.where(is_operated, "Y", "N"),
            "R0FL": np.where(is_operated & (out["SURGOUT"] == "R0"), "Y", "N"),
            "HUVOS": huvos,
            "GOODRESP": np.where(huvos.isin(sap_pathology.good_response_grades), "Y", "N"),
            "COMPRESP": np.where(huvos.isin(sap_pathology.complete_response_grades), "Y", "N"),
            "PATHSTAT": status,
            "PATHRULE": rule,
            "PATHREAS": reason,
            "PATHDENFL": np.where(rule == "P3", "N", "Y"),
        }
    )
    return add_variables(out, derived)
