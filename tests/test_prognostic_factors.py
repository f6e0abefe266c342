"""Prognostic factor coding (derive/prognostic_factors.py), from the table of SAP 7.4: nodules
1 vs >= 2 (reference 1), disease-free interval < 24 vs >= 24 months (reference >= 24),
laterality (reference UNILATERAL); subgroups add sex and age < 16 vs >= 16 years. Expected values
written from the SAP before running the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.prognostic_factors import cox_factors, cut_at, subgroup_factors
from osteo_stats.sap import load_sap

SAP = load_sap()

PATIENTS = pd.DataFrame(
    {
        # 1 nodule, 2 (on the cut), 5, missing, not a number
        "NNODULE": [1, 2, 5, np.nan, "x"],
        # just under 24 months, exactly 24 (>= 24), 60, 0, missing
        "DFIMO": [23.9, 24.0, 60.0, 0.0, np.nan],
        "LATERAL": ["UNILATERAL", "BILATERAL", "UNILATERAL", None, "BILATERAL"],
        "SEX": ["F", "M", "M", "F", None],
        # 15 (< 16), 16 (on the cut), 40, missing, 15.99
        "AGE": [15, 16, 40, np.nan, 15.99],
    }
)


def coded(factors):
    return {f.key: [None if v is None else v for v in f.code(PATIENTS)] for f in factors}


def test_cox_factor_levels_and_reference_levels_follow_sap_7_4():
    factors = cox_factors(SAP)
    # levels[0] is the Cox reference level
    assert [(f.key, f.levels) for f in factors] == [
        ("NNODULE", ("1", ">=2")),
        ("DFIMO", (">=24 months", "<24 months")),
        ("LATERAL", ("UNILATERAL", "BILATERAL")),
    ]


def test_cox_factor_coding_of_each_patient():
    assert coded(cox_factors(SAP)) == {
        "NNODULE": ["1", ">=2", ">=2", None, None],
        "DFIMO": ["<24 months", ">=24 months", ">=24 months", "<24 months", None],
        "LATERAL": ["UNILATERAL", "BILATERAL", "UNILATERAL", None, "BILATERAL"],
    }


def test_subgroups_add_sex_and_age_at_16():
    got = coded(subgroup_factors(SAP))
    assert list(got) == ["NNODULE", "DFIMO", "LATERAL", "SEX", "AGE"]
    assert got["SEX"] == ["F", "M", "M", "F", None]
    assert got["AGE"] == ["<16 years", ">=16 years", ">=16 years", None, "<16 years"]


def test_cut_points_come_from_the_sap():
    # A nodules cut of 3 makes the low level "1-2" (SAP 7.4 with an edited sap.yaml).
    edited = SAP.model_copy(
        update={
            "prognostic_factors": SAP.prognostic_factors.model_copy(
                update={"nodules_cut": 3, "disease_free_interval_cut_months": 12}
            )
        }
    )
    factors = {f.key: f for f in cox_factors(edited)}
    assert factors["NNODULE"].levels == ("1-2", ">=3")
    assert factors["NNODULE"].code(PATIENTS).tolist()[:3] == ["1-2", "1-2", ">=3"]
    assert factors["DFIMO"].code(PATIENTS).tolist()[:4] == [
        ">=12 months",
        ">=12 months",
        ">=12 months",
        "<12 months",
    ]


def test_cut_at_is_at_or_above():
    values = pd.Series([9.999, 10, 10.001, None])
    assert cut_at(values, 10, "low", "high").tolist() == ["low", "high", "high", None]
