"""Biomarker values per patient and marker, with availability and reasons (SAP 7.6 point 1).

SAP 7.6: only values with BMSTAT = DONE are used, no imputation; availability per marker is
both time points, pre only, post only or neither, with the reasons (BMSTAT, BMREASND). A sample
without a record by the cut-off is "NO RECORD"; for the post-SBRT sample of a patient whose
surgery is pending, "NO RECORD: SURGERY PENDING". Expected values are worked out by hand.
"""

from __future__ import annotations

import math

import pandas as pd

from osteo_stats.derive.biomarkers import derive_marker_values

FAS = pd.DataFrame(
    {
        "USUBJID": ["P1", "P2", "P3"],
        "SURGOUT": ["R0", "PENDING", "NOT DONE"],
        "GOODRESP": ["Y", "N", "N"],
        "ORRFL": ["N", "Y", "N"],
    }
)

ADBM = pd.DataFrame(
    [
        ("P1", "M1", "PRE-SBRT", 10.0, "DONE", ""),
        ("P1", "M1", "POST-SBRT", 4.0, "DONE", ""),
        ("P1", "M2", "PRE-SBRT", math.nan, "NOT EVALUABLE", "INSUFFICIENT TISSUE"),
        ("P1", "M2", "POST-SBRT", 2.0, "DONE", ""),
        ("P2", "M1", "PRE-SBRT", 5.0, "DONE", ""),
        ("P3", "M1", "PRE-SBRT", math.nan, "NOT DONE", ""),
        ("P3", "M1", "POST-SBRT", math.nan, "NOT DONE", "NO SURGERY"),
    ],
    columns=["USUBJID", "PARAMCD", "ATPT", "AVAL", "BMSTAT", "BMREASND"],
)


def test_marker_values_availability_and_reasons():
    got = derive_marker_values(FAS, ADBM, ["M1", "M2"])
    # One row per patient and marker, patients in FAS order, markers in the given order.
    assert list(zip(got["USUBJID"], got["PARAMCD"], strict=True)) == [
        ("P1", "M1"), ("P1", "M2"), ("P2", "M1"), ("P2", "M2"), ("P3", "M1"), ("P3", "M2"),
    ]  # fmt: skip
    nan = math.nan
    pd.testing.assert_series_equal(
        got["PRE"], pd.Series([10.0, nan, 5.0, nan, nan, nan], name="PRE")
    )
    pd.testing.assert_series_equal(
        got["POST"], pd.Series([4.0, 2.0, nan, nan, nan, nan], name="POST")
    )
    # change = post - pre, only with both values
    assert got["CHANGE"].iloc[0] == -6.0 and got["CHANGE"].iloc[1:].isna().all()
    assert got["AVAIL"].tolist() == [
        "BOTH", "POST ONLY", "PRE ONLY", "NEITHER", "NEITHER", "NEITHER",
    ]  # fmt: skip
    assert got["PRE_REASON"].tolist() == [
        None,
        "NOT EVALUABLE: INSUFFICIENT TISSUE",
        None,
        "NO RECORD",
        "NOT DONE: REASON NOT RECORDED",  # BMSTAT without BMREASND
        "NO RECORD",
    ]
    assert got["POST_REASON"].tolist() == [
        None,
        None,
        "NO RECORD: SURGERY PENDING",
        "NO RECORD: SURGERY PENDING",
        "NOT DONE: NO SURGERY",
        "NO RECORD",  # surgery not done, but no sample record: not "pending"
    ]
    # response flags as booleans, per patient
    assert got["GOODRESP"].tolist() == [True, True, False, False, False, False]
    assert got["ORR"].tolist() == [False, False, True, True, False, False]
