"""Prognostic factors of the exploratory analyses, coded with the cut-points fixed in the SAP
(SAP 7.4, ``prognostic_factors`` in sap.yaml): number of nodules, disease-free interval and
laterality for the Cox models (Table 14.2.13), and with sex and age for the log-rank subgroups
(Table 14.2.14).

A factor is coded per patient from ADSL; a missing or non-numeric value gives no level, and the
patient is left out of that factor's analysis (complete-case, SAP 7.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.sap import SAP


@dataclass(frozen=True)
class Factor:
    """A prognostic factor of SAP 7.4 with its fixed coding."""

    key: str
    label: str
    levels: tuple[str, ...]  # display order; the first is the Cox reference level
    code: Callable[[pd.DataFrame], pd.Series]


def cut_at(values: pd.Series, threshold: float, below: str, at_or_above: str) -> pd.Series:
    """``at_or_above`` where ``values >= threshold``, else ``below``; None where missing or not
    a number (such a patient is left out of that factor's analysis, SAP 7.4)."""
    numbers = pd.to_numeric(values, errors="coerce")
    out = pd.Series(
        np.where(numbers >= threshold, at_or_above, below), index=values.index, dtype=object
    )
    return out.where(numbers.notna(), None)


def as_levels(values: pd.Series) -> pd.Series:
    """A categorical variable as its recorded levels; None where missing."""
    return values.astype(object).where(values.notna(), None)


def cox_factors(sap: SAP) -> tuple[Factor, ...]:
    """The Cox prognostic factors with the cut-points of ``prognostic_factors`` (SAP 7.4)."""
    pf = sap.prognostic_factors
    nod, dfi = pf.nodules_cut, pf.disease_free_interval_cut_months
    few = "1" if nod == 2 else f"1-{nod - 1}"
    return (
        Factor(
            "NNODULE",
            "Number of nodules",
            (few, f">={nod}"),
            lambda d: cut_at(d["NNODULE"], nod, few, f">={nod}"),
        ),
        Factor(
            "DFIMO",
            "Disease-free interval",
            (f">={dfi:g} months", f"<{dfi:g} months"),
            lambda d: cut_at(d["DFIMO"], dfi, f"<{dfi:g} months", f">={dfi:g} months"),
        ),
        Factor(
            "LATERAL", "Laterality", ("UNILATERAL", "BILATERAL"), lambda d: as_levels(d["LATERAL"])
        ),
    )


def subgroup_factors(sap: SAP) -> tuple[Factor, ...]:
    """The log-rank subgroups of SAP 7.4: the Cox factors, sex and age."""
    age = sap.prognostic_factors.age_cut_years
    return (
        *cox_factors(sap),
        Factor("SEX", "Sex", ("F", "M"), lambda d: as_levels(d["SEX"])),
        Factor(
            "AGE",
            "Age",
            (f"<{age:g} years", f">={age:g} years"),
            lambda d: cut_at(d["AGE"], age, f"<{age:g} years", f">={age:g} years"),
        ),
    )
