"""Baseline classifications: age group and count groups (SAP 7.8), eligibility deviations
(SAP 4.1)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osteo_stats.sap import Eligibility

#: The SAP 4.1 checks: the columns of :func:`eligibility_deviations`.
AGE_BELOW, AGE_ABOVE = "AGE BELOW", "AGE ABOVE"
PS_SCALE, ECOG, LANSKY = "PS SCALE", "ECOG", "LANSKY"
ELIGIBILITY_CHECKS: tuple[str, ...] = (AGE_BELOW, AGE_ABOVE, PS_SCALE, ECOG, LANSKY)


def age_group_codes(cuts: Sequence[int]) -> list[str]:
    """The age-group codes for the cut-points ``baseline.age_group_cuts_years`` (SAP 7.8), in
    order: for (16, 40), ``<16``, ``16-39``, ``>=40`` (a cut-point opens its group)."""
    codes = [f"<{cuts[0]}"]
    codes += [f"{low}-{high - 1}" for low, high in zip(cuts, cuts[1:], strict=False)]
    codes.append(f">={cuts[-1]}")
    return codes


def compute_age_group(age: pd.Series, cuts: Sequence[int]) -> pd.Series:
    """Age group per value (SAP 7.8): the :func:`age_group_codes` group whose range holds
    ``age``; a group runs from its lower cut-point (included) to the next (excluded), so with
    (16, 40) age 15.9 is ``<16`` and 39.9 is ``16-39``. Missing stays missing."""
    codes = age_group_codes(cuts)
    groups = np.select([age < point for point in cuts], codes[:-1], default=codes[-1])
    return pd.Series(groups, index=age.index, dtype=object).where(age.notna())


def count_group_codes(top: int) -> list[str]:
    """The groups of a count starting at 1 with the top group open (SAP 7.8): for ``top`` = 4
    (``baseline.nodule_group_top``), ``1``, ``2``, ``3``, ``>=4``."""
    return [*(str(k) for k in range(1, top)), f">={top}"]


def compute_count_group(values: pd.Series, top: int) -> pd.Series:
    """Count group per value (:func:`count_group_codes`): ``k`` for 1 <= k < ``top``, ``>=top``
    from ``top`` up; missing (or below 1) stays missing."""
    codes = count_group_codes(top)
    return values.clip(upper=top).map(dict(zip(range(1, top + 1), codes, strict=True)))


def eligibility_deviations(adsl: pd.DataFrame, elig: Eligibility) -> pd.DataFrame:
    """Per ADSL row, ``True`` where a SAP 4.1 eligibility check fails.

    Columns (:data:`ELIGIBILITY_CHECKS`): ``AGE BELOW`` (AGE < ``age_min``), ``AGE ABOVE``
    (AGE > ``age_max``), ``PS SCALE`` (PSTYPE is not ECOG at AGE >= ``ps_scale_age_threshold``
    or LANSKY below it), ``ECOG`` (PSSCORE > ``ecog_max`` on the ECOG scale) and ``LANSKY``
    (PSSCORE < ``lansky_min`` on the Lansky scale). A missing value fails no check.
    """
    age, pstype, score = adsl["AGE"], adsl["PSTYPE"], adsl["PSSCORE"]
    expected = pd.Series(
        np.where(age >= elig.ps_scale_age_threshold, "ECOG", "LANSKY"), index=adsl.index
    )
    checks = {
        AGE_BELOW: age < elig.age_min,
        AGE_ABOVE: age > elig.age_max,
        PS_SCALE: age.notna() & pstype.notna() & pstype.ne(expected),
        ECOG: pstype.eq("ECOG") & (score > elig.ecog_max),
        LANSKY: pstype.eq("LANSKY") & (score < elig.lansky_min),
    }
    return pd.DataFrame({k: v.fillna(False).astype(bool) for k, v in checks.items()})
