"""Pathological response of the resected nodules and resection status (SAP 3.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.efficacy import CutoffLike, add_variables, adsl_at_cutoff
from osteo_stats.sap import Pathology

_GRADES = ("I", "II", "III", "IV")


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
    adsl: pd.DataFrame, sap_pathology: Pathology, cutoff: CutoffLike
) -> pd.DataFrame:
    """Add Huvos grade, pathological response and resection flags to ADSL (SAP 3.4).

    Surgery counts if it happened on or before the cut-off (``SURGDT``; SURGOUT R0/R1/R2).
    Patients not operated by then have no Huvos grade and are non-responders (``N``) in the FAS
    denominator; the "among resected" denominator is ``OPERFL = "Y"``.

    Parameters
    ----------
    adsl
        Validated ADSL.
    sap_pathology
        ``sap.pathology``.
    cutoff
        Data cut-off.

    Returns
    -------
    pandas.DataFrame
        ADSL at the cut-off with ``OPERFL`` (operated), ``R0FL`` (R0 resection), ``HUVOS``
        (:func:`compute_huvos`; missing if not operated), ``GOODRESP`` (grade in
        ``good_response_grades``, III-IV) and ``COMPRESP`` (grade in
        ``complete_response_grades``, IV); flags are ``Y``/``N``.
    """
    out = adsl_at_cutoff(adsl, cutoff)
    operated = out["SURGDT"].notna()
    huvos = compute_huvos(out["NECRPCT"].where(operated), sap_pathology.huvos_grade_lower_bounds)
    derived = pd.DataFrame(
        {
            "USUBJID": out["USUBJID"],
            "OPERFL": np.where(operated, "Y", "N"),
            "R0FL": np.where(operated & (out["SURGOUT"] == "R0"), "Y", "N"),
            "HUVOS": huvos,
            "GOODRESP": np.where(huvos.isin(sap_pathology.good_response_grades), "Y", "N"),
            "COMPRESP": np.where(huvos.isin(sap_pathology.complete_response_grades), "Y", "N"),
        }
    )
    return add_variables(out, derived)
