"""CTCAE v5.0 laboratory grading, baseline, phase and worst grade (SAP 9.6).

Expected grades are written from the CTCAE v5.0 text (NCI, 27 Nov 2017), not from the code.
How the ranges are read: "<LLN - 1.5 x 10e9/L" (neutrophils, grade 1) means below LLN, down to
and including 1.5; "<1.5 - 1.0" (grade 2) below 1.5 down to and including 1.0; "<0.5"
(grade 4) below 0.5. So a value equal to a limit is of the LOWER grade: ANC 1.0 is grade 2,
0.999 is grade 3, 0.5 is grade 3, 0.49 grade 4. Increases read the same way upwards:
">ULN - 3.0 x ULN" (ALT grade 1) is above ULN up to and including 3 x ULN; ALT at exactly
3 x ULN is grade 1, just above it grade 2; at 5 x ULN grade 2, above it grade 3; above 20 x ULN
grade 4. A value at LLN (or ULN) exactly is grade 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from osteo_stats import load_sap
from osteo_stats.derive.laboratory import (
    derive_adlb,
    grade_values,
    grading_criteria,
    worst_post_baseline,
)

SAFETY = load_sap().safety

#: (PARAMCD, ANRLO, ANRHI, AVAL, expected CTCAE v5.0 grade), from the CTCAE text.
CASES = [
    # Neutrophil count decreased (10^9/L): LLN 2.0
    ("NEUT", 2.0, 7.5, 2.0, 0), ("NEUT", 2.0, 7.5, 1.99, 1), ("NEUT", 2.0, 7.5, 1.5, 1),
    ("NEUT", 2.0, 7.5, 1.49, 2), ("NEUT", 2.0, 7.5, 1.0, 2), ("NEUT", 2.0, 7.5, 0.99, 3),
    ("NEUT", 2.0, 7.5, 0.5, 3), ("NEUT", 2.0, 7.5, 0.49, 4), ("NEUT", 2.0, 7.5, 0.0, 4),
    ("NEUT", 2.0, 7.5, 9.0, 0),  # high neutrophils: not a CTCAE laboratory term
    # Platelet count decreased (10^9/L): LLN 150
    ("PLAT", 150, 400, 150, 0), ("PLAT", 150, 400, 149, 1), ("PLAT", 150, 400, 75, 1),
    ("PLAT", 150, 400, 74.9, 2), ("PLAT", 150, 400, 50, 2), ("PLAT", 150, 400, 49.9, 3),
    ("PLAT", 150, 400, 25, 3), ("PLAT", 150, 400, 24.9, 4),
    # Anemia (g/L): LLN 120; grade 4 is clinical (life-threatening), never from the value
    ("HGB", 120, 160, 120, 0), ("HGB", 120, 160, 119, 1), ("HGB", 120, 160, 100, 1),
    ("HGB", 120, 160, 99, 2), ("HGB", 120, 160, 80, 2), ("HGB", 120, 160, 79, 3),
    ("HGB", 120, 160, 40, 3),
    # White blood cell decreased (10^9/L): LLN 4.0
    ("WBC", 4.0, 10.0, 4.0, 0), ("WBC", 4.0, 10.0, 3.9, 1), ("WBC", 4.0, 10.0, 3.0, 1),
    ("WBC", 4.0, 10.0, 2.9, 2), ("WBC", 4.0, 10.0, 2.0, 2), ("WBC", 4.0, 10.0, 1.9, 3),
    ("WBC", 4.0, 10.0, 1.0, 3), ("WBC", 4.0, 10.0, 0.9, 4),
    # Lymphocyte count decreased (10^9/L): LLN 1.0
    ("LYMPH", 1.0, 4.0, 1.0, 0), ("LYMPH", 1.0, 4.0, 0.9, 1), ("LYMPH", 1.0, 4.0, 0.8, 1),
    ("LYMPH", 1.0, 4.0, 0.79, 2), ("LYMPH", 1.0, 4.0, 0.5, 2), ("LYMPH", 1.0, 4.0, 0.49, 3),
    ("LYMPH", 1.0, 4.0, 0.2, 3), ("LYMPH", 1.0, 4.0, 0.19, 4),
    # Alanine aminotransferase increased (U/L): ULN 40 -> 3x 120, 5x 200, 20x 800
    ("ALT", 7, 40, 40, 0), ("ALT", 7, 40, 41, 1), ("ALT", 7, 40, 120, 1),
    ("ALT", 7, 40, 121, 2), ("ALT", 7, 40, 200, 2), ("ALT", 7, 40, 201, 3),
    ("ALT", 7, 40, 800, 3), ("ALT", 7, 40, 801, 4), ("ALT", 7, 40, 3, 0),
    # Aspartate aminotransferase increased (U/L): ULN 35 -> 105, 175, 700
    ("AST", 8, 35, 35, 0), ("AST", 8, 35, 36, 1), ("AST", 8, 35, 105, 1),
    ("AST", 8, 35, 106, 2), ("AST", 8, 35, 175, 2), ("AST", 8, 35, 176, 3),
    ("AST", 8, 35, 700, 3), ("AST", 8, 35, 701, 4),
    # Blood bilirubin increased (umol/L): ULN 20 -> 1.5x 30, 3x 60, 10x 200
    ("BILI", 3, 20, 20, 0), ("BILI", 3, 20, 21, 1), ("BILI", 3, 20, 30, 1),
    ("BILI", 3, 20, 31, 2), ("BILI", 3, 20, 60, 2), ("BILI", 3, 20, 61, 3),
    ("BILI", 3, 20, 200, 3), ("BILI", 3, 20, 201, 4),
    # Creatinine increased (umol/L): ULN 100 -> 1.5x 150, 3x 300, 6x 600
    ("CREAT", 60, 100, 100, 0), ("CREAT", 60, 100, 101, 1), ("CREAT", 60, 100, 150, 1),
    ("CREAT", 60, 100, 151, 2), ("CREAT", 60, 100, 300, 2), ("CREAT", 60, 100, 301, 3),
    ("CREAT", 60, 100, 600, 3), ("CREAT", 60, 100, 601, 4),
]  # fmt: skip


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["PARAMCD", "ANRLO", "ANRHI", "AVAL"]).astype(
        {"ANRLO": float, "ANRHI": float, "AVAL": float}
    )


@pytest.mark.parametrize(("paramcd", "lo", "hi", "aval", "expected"), CASES)
def test_each_threshold_is_graded_as_the_ctcae_text_reads(paramcd, lo, hi, aval, expected):
    graded = grade_values(_frame([(paramcd, lo, hi, aval)]))
    assert graded["ATOXGR"].iloc[0] == expected


def test_every_graded_parameter_has_its_boundaries_covered():
    covered = {c[0] for c in CASES}
    assert covered == set(grading_criteria()["PARAMCD"])
    assert covered == {"NEUT", "PLAT", "HGB", "WBC", "LYMPH", "ALT", "AST", "BILI", "CREAT"}


def test_the_grade_follows_the_normal_range_of_the_row():
    # Grade 1 is relative to the row's own LLN/ULN: ANC 1.8 is normal where LLN is 1.8 and
    # grade 1 where LLN is 2.0; ALT 100 is grade 1 for ULN 40 (<= 3 x 40) and grade 2 for ULN 33
    # (> 3 x 33 = 99).
    graded = grade_values(
        _frame([("NEUT", 1.8, 7.5, 1.8), ("NEUT", 2.0, 7.5, 1.8), ("ALT", 7, 40, 100),
                ("ALT", 7, 33, 100)])
    )  # fmt: skip
    assert graded["ATOXGR"].tolist() == [0, 1, 1, 2]
    assert graded["ATOXDIR"].tolist() == ["LOW", "LOW", "HIGH", "HIGH"]


#: (PARAMCD, ULN, baseline value above ULN, AVAL, grade by the CTCAE "if baseline was abnormal"
#: criterion, grade by the ULN criterion). ALT ULN 40, baseline 60: grade 1 is "1.5 - 3.0 x
#: baseline" (90 included, 180 included), grade 2 "> 3.0 - 5.0 x baseline" (180-300], grade 3
#: (300-1200], grade 4 above 1200. Bilirubin ULN 20, baseline 30: grade 1 "> 1.0 - 1.5 x
#: baseline" (30-45], grade 2 (45-90], grade 3 (90-300], grade 4 above 300.
ABNORMAL_BASELINE = [
    ("ALT", 40, 60, 89, 0, 1), ("ALT", 40, 60, 90, 1, 1), ("ALT", 40, 60, 130, 1, 2),
    ("ALT", 40, 60, 180, 1, 2), ("ALT", 40, 60, 181, 2, 2), ("ALT", 40, 60, 300, 2, 3),
    ("ALT", 40, 60, 301, 3, 3), ("ALT", 40, 60, 1200, 3, 4), ("ALT", 40, 60, 1201, 4, 4),
    ("AST", 40, 60, 89, 0, 1), ("AST", 40, 60, 301, 3, 3),
    ("BILI", 20, 30, 30, 0, 1), ("BILI", 20, 30, 31, 1, 2), ("BILI", 20, 30, 45, 1, 2),
    ("BILI", 20, 30, 46, 2, 2), ("BILI", 20, 30, 90, 2, 3), ("BILI", 20, 30, 91, 3, 3),
    ("BILI", 20, 30, 300, 3, 4), ("BILI", 20, 30, 301, 4, 4),
    # creatinine keeps its ULN criteria (SAP 9.6 choice a): baseline 150 > ULN 100
    ("CREAT", 100, 150, 160, 2, 2),
]  # fmt: skip


@pytest.mark.parametrize(("paramcd", "uln", "base", "aval", "by_base", "by_uln"),
                         ABNORMAL_BASELINE)  # fmt: skip
def test_abnormal_baseline_grades_by_multiples_of_baseline(paramcd, uln, base, aval, by_base,
                                                           by_uln):  # fmt: skip
    frame = _frame([(paramcd, 1.0, uln, aval)])
    assert grade_values(frame, baseline=pd.Series([float(base)]))["ATOXGR"].iloc[0] == by_base
    assert grade_values(frame)["ATOXGR"].iloc[0] == by_uln
    # a normal baseline (at ULN) leaves the ULN criteria in force
    normal = grade_values(frame, baseline=pd.Series([float(uln)]))
    assert normal["ATOXGR"].iloc[0] == by_uln


def test_derive_adlb_uses_the_baseline_criteria_after_an_abnormal_baseline():
    adsl = _adsl().iloc[:1]
    adlb = pd.DataFrame(
        {"USUBJID": "A", "PARAMCD": "ALT", "ADT": pd.to_datetime(["2025-01-05", "2025-02-01"]),
         "AVAL": [60.0, 130.0], "ANRLO": 7.0, "ANRHI": 40.0}
    )  # fmt: skip
    out = derive_adlb(adlb, adsl, SAFETY)
    # baseline 60 (> ULN): graded by ULN, grade 1; 130 < 3 x 60: grade 1 (by ULN it would be 2).
    assert out["ATOXGR"].tolist() == [1, 1] and out["BTOXGR"].tolist() == [1, 1]
    assert out["BNRIND"].tolist() == ["HIGH", "HIGH"]


def test_tsh_and_a_missing_value_are_not_graded():
    graded = grade_values(_frame([("TSH", 0.4, 4.0, 12.0), ("NEUT", 2.0, 7.5, None)]))
    assert graded["ATOXGR"].isna().all()
    assert graded["ATOXDIR"].isna().all()


def test_every_row_of_the_table_names_its_ctcae_term():
    table = grading_criteria()
    terms = table.groupby("PARAMCD")["TERM"].unique().map(list).to_dict()
    assert terms == {
        "NEUT": ["Neutrophil count decreased"],
        "PLAT": ["Platelet count decreased"],
        "HGB": ["Anemia"],
        "WBC": ["White blood cell decreased"],
        "LYMPH": ["Lymphocyte count decreased"],
        "ALT": ["Alanine aminotransferase increased"],
        "AST": ["Aspartate aminotransferase increased"],
        "BILI": ["Blood bilirubin increased"],
        "CREAT": ["Creatinine increased"],
    }
    assert "TSH" not in set(table["PARAMCD"])
    assert not ((table["PARAMCD"] == "HGB") & (table["GRADE"] == 4)).any()


# --- baseline, phase, post-baseline window, worst grade (SAP 9.6) ------------------------------

T = pd.Timestamp


def _adsl() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["A", "B", "C"],
            "TRTSDT": [T("2025-01-10"), T("2025-01-10"), pd.NaT],
            "TRTEDT": [T("2025-06-01"), pd.NaT, pd.NaT],
            "SURGDT": [T("2025-03-10"), pd.NaT, pd.NaT],
        }
    )


def _adlb() -> pd.DataFrame:
    rows = [
        # A: two screening values; the later one (on the first-dose day) is the baseline.
        ("A", "NEUT", "2025-01-02", 1.2), ("A", "NEUT", "2025-01-10", 2.5),
        ("A", "NEUT", "2025-01-20", 0.8),   # grade 3, pre-operative
        ("A", "NEUT", "2025-03-20", 0.4),   # grade 4, peri-operative (SURGDT + 10 days)
        ("A", "NEUT", "2025-04-20", 1.7),   # grade 1, post-operative (> SURGDT + 30)
        ("A", "NEUT", "2025-07-02", 0.3),   # TRTEDT + 31 days: after the window
        # B: no baseline value; still on treatment (TRTEDT missing): window open.
        ("B", "PLAT", "2025-02-01", 40.0),  # grade 3
        # C: never dosed: nothing is post-baseline, nothing is baseline.
        ("C", "ALT", "2025-01-05", 300.0),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "ADT", "AVAL"])
    frame["ADT"] = pd.to_datetime(frame["ADT"])
    frame["ANRLO"] = frame["PARAMCD"].map({"NEUT": 2.0, "PLAT": 150.0, "ALT": 7.0})
    frame["ANRHI"] = frame["PARAMCD"].map({"NEUT": 7.5, "PLAT": 400.0, "ALT": 40.0})
    return frame


def test_baseline_phase_and_on_treatment_window():
    out = derive_adlb(_adlb(), _adsl(), SAFETY)
    assert out["ABLFL"].tolist() == [None, "Y", None, None, None, None, None, None]
    a = out.loc[out["USUBJID"].eq("A")]
    assert a["BTOXGR"].tolist() == [0] * 6  # baseline 2.5 is normal
    assert a["APHASE"].tolist() == [
        "PRE-TREATMENT", "PRE-TREATMENT", "PRE-OPERATIVE", "PERI-OPERATIVE",
        "POST-OPERATIVE/MAINTENANCE", "POST-OPERATIVE/MAINTENANCE",
    ]  # fmt: skip
    assert a["ONTRTFL"].tolist() == ["N", "N", "Y", "Y", "Y", "N"]
    b = out.loc[out["USUBJID"].eq("B")]
    assert b["BTOXGR"].isna().all() and b["ONTRTFL"].tolist() == ["Y"]
    assert out.loc[out["USUBJID"].eq("C"), "ONTRTFL"].tolist() == ["N"]


def test_worst_post_baseline_grade_per_patient_and_parameter():
    worst = worst_post_baseline(derive_adlb(_adlb(), _adsl(), SAFETY))
    # A: post-baseline grades 3, 4, 1 (the 0.3 after the window does not count) -> 4.
    # B: 3, without a baseline. C: never dosed -> no row.
    assert worst[["USUBJID", "PARAMCD"]].values.tolist() == [["A", "NEUT"], ["B", "PLAT"]]
    assert worst["WORSTGR"].tolist() == [4, 3]
    assert worst["BTOXGR"].iloc[0] == 0 and pd.isna(worst["BTOXGR"].iloc[1])


# --- every grading boundary, at, just below and just above the limit (issue 19, SAP 9.6) -------
#
# Limits are worked by hand in decimal from the CTCAE v5.0 text with normal ranges recorded to one
# decimal (as laboratories report them), chosen so that binary floating point gets the product
# wrong: 3 x 32.3 is 96.89999999999999 in float, 1.5 x 21.4 is 32.099999999999994, 3 x 23.9 is
# 71.69999999999999. A value equal to a limit belongs to the lower grade (SAP 9.6), except the
# ALT/AST "1.5 - 3.0 x baseline" grade 1, which includes 1.5 x baseline. "Just below/above" is one
# unit of the last recorded decimal. Each row: (PARAMCD, LLN, ULN, baseline or None, value, grade).

#: Decreases (no baseline criteria).
LOW_BOUNDARIES = [
    # Neutrophils, LLN 1.7: <LLN g1, <1.5 g2, <1.0 g3, <0.5 g4
    ("NEUT", 1.7, 7.5, None, 1.71, 0), ("NEUT", 1.7, 7.5, None, 1.7, 0),
    ("NEUT", 1.7, 7.5, None, 1.69, 1), ("NEUT", 1.7, 7.5, None, 1.51, 1),
    ("NEUT", 1.7, 7.5, None, 1.5, 1), ("NEUT", 1.7, 7.5, None, 1.49, 2),
    ("NEUT", 1.7, 7.5, None, 1.01, 2), ("NEUT", 1.7, 7.5, None, 1.0, 2),
    ("NEUT", 1.7, 7.5, None, 0.99, 3), ("NEUT", 1.7, 7.5, None, 0.51, 3),
    ("NEUT", 1.7, 7.5, None, 0.5, 3), ("NEUT", 1.7, 7.5, None, 0.49, 4),
    # Platelets, LLN 140.7: <LLN g1, <75 g2, <50 g3, <25 g4
    ("PLAT", 140.7, 400, None, 140.8, 0), ("PLAT", 140.7, 400, None, 140.7, 0),
    ("PLAT", 140.7, 400, None, 140.6, 1), ("PLAT", 140.7, 400, None, 75.1, 1),
    ("PLAT", 140.7, 400, None, 75, 1), ("PLAT", 140.7, 400, None, 74.9, 2),
    ("PLAT", 140.7, 400, None, 50.1, 2), ("PLAT", 140.7, 400, None, 50, 2),
    ("PLAT", 140.7, 400, None, 49.9, 3), ("PLAT", 140.7, 400, None, 25.1, 3),
    ("PLAT", 140.7, 400, None, 25, 3), ("PLAT", 140.7, 400, None, 24.9, 4),
    # Haemoglobin (g/L), LLN 118.5: <LLN g1, <100 g2, <80 g3; no laboratory grade 4
    ("HGB", 118.5, 160, None, 118.6, 0), ("HGB", 118.5, 160, None, 118.5, 0),
    ("HGB", 118.5, 160, None, 118.4, 1), ("HGB", 118.5, 160, None, 100.1, 1),
    ("HGB", 118.5, 160, None, 100, 1), ("HGB", 118.5, 160, None, 99.9, 2),
    ("HGB", 118.5, 160, None, 80.1, 2), ("HGB", 118.5, 160, None, 80, 2),
    ("HGB", 118.5, 160, None, 79.9, 3), ("HGB", 118.5, 160, None, 10, 3),
    # Leukocytes, LLN 3.9: <LLN g1, <3.0 g2, <2.0 g3, <1.0 g4
    ("WBC", 3.9, 10.0, None, 3.91, 0), ("WBC", 3.9, 10.0, None, 3.9, 0),
    ("WBC", 3.9, 10.0, None, 3.89, 1), ("WBC", 3.9, 10.0, None, 3.01, 1),
    ("WBC", 3.9, 10.0, None, 3.0, 1), ("WBC", 3.9, 10.0, None, 2.99, 2),
    ("WBC", 3.9, 10.0, None, 2.01, 2), ("WBC", 3.9, 10.0, None, 2.0, 2),
    ("WBC", 3.9, 10.0, None, 1.99, 3), ("WBC", 3.9, 10.0, None, 1.01, 3),
    ("WBC", 3.9, 10.0, None, 1.0, 3), ("WBC", 3.9, 10.0, None, 0.99, 4),
    # Lymphocytes, LLN 1.1: <LLN g1, <0.8 g2, <0.5 g3, <0.2 g4
    ("LYMPH", 1.1, 4.0, None, 1.11, 0), ("LYMPH", 1.1, 4.0, None, 1.1, 0),
    ("LYMPH", 1.1, 4.0, None, 1.09, 1), ("LYMPH", 1.1, 4.0, None, 0.81, 1),
    ("LYMPH", 1.1, 4.0, None, 0.8, 1), ("LYMPH", 1.1, 4.0, None, 0.79, 2),
    ("LYMPH", 1.1, 4.0, None, 0.51, 2), ("LYMPH", 1.1, 4.0, None, 0.5, 2),
    ("LYMPH", 1.1, 4.0, None, 0.49, 3), ("LYMPH", 1.1, 4.0, None, 0.21, 3),
    ("LYMPH", 1.1, 4.0, None, 0.2, 3), ("LYMPH", 1.1, 4.0, None, 0.19, 4),
]  # fmt: skip

#: Increases graded by ULN (no baseline, or a baseline at or below ULN: the same grades).
ULN_BOUNDARIES = [
    # ALT, ULN 32.3: >ULN g1, >3x = 96.9 g2, >5x = 161.5 g3, >20x = 646 g4
    ("ALT", 7, 32.3, None, 32.2, 0), ("ALT", 7, 32.3, None, 32.3, 0),
    ("ALT", 7, 32.3, None, 32.4, 1), ("ALT", 7, 32.3, None, 96.8, 1),
    ("ALT", 7, 32.3, None, 96.9, 1), ("ALT", 7, 32.3, None, 97.0, 2),
    ("ALT", 7, 32.3, None, 161.4, 2), ("ALT", 7, 32.3, None, 161.5, 2),
    ("ALT", 7, 32.3, None, 161.6, 3), ("ALT", 7, 32.3, None, 645.9, 3),
    ("ALT", 7, 32.3, None, 646, 3), ("ALT", 7, 32.3, None, 646.1, 4),
    # AST, ULN 33.4: >ULN g1, >3x = 100.2 g2, >5x = 167 g3, >20x = 668 g4
    ("AST", 8, 33.4, None, 33.3, 0), ("AST", 8, 33.4, None, 33.4, 0),
    ("AST", 8, 33.4, None, 33.5, 1), ("AST", 8, 33.4, None, 100.1, 1),
    ("AST", 8, 33.4, None, 100.2, 1), ("AST", 8, 33.4, None, 100.3, 2),
    ("AST", 8, 33.4, None, 166.9, 2), ("AST", 8, 33.4, None, 167, 2),
    ("AST", 8, 33.4, None, 167.1, 3), ("AST", 8, 33.4, None, 667.9, 3),
    ("AST", 8, 33.4, None, 668, 3), ("AST", 8, 33.4, None, 668.1, 4),
    # Bilirubin, ULN 21.4: >ULN g1, >1.5x = 32.1 g2, >3x = 64.2 g3, >10x = 214 g4
    ("BILI", 3, 21.4, None, 21.3, 0), ("BILI", 3, 21.4, None, 21.4, 0),
    ("BILI", 3, 21.4, None, 21.5, 1), ("BILI", 3, 21.4, None, 32.09, 1),
    ("BILI", 3, 21.4, None, 32.1, 1), ("BILI", 3, 21.4, None, 32.11, 2),
    ("BILI", 3, 21.4, None, 64.19, 2), ("BILI", 3, 21.4, None, 64.2, 2),
    ("BILI", 3, 21.4, None, 64.21, 3), ("BILI", 3, 21.4, None, 213.9, 3),
    ("BILI", 3, 21.4, None, 214, 3), ("BILI", 3, 21.4, None, 214.1, 4),
    # Creatinine, ULN 104.3: >ULN g1, >1.5x = 156.45 g2, >3x = 312.9 g3, >6x = 625.8 g4
    ("CREAT", 60, 104.3, None, 104.2, 0), ("CREAT", 60, 104.3, None, 104.3, 0),
    ("CREAT", 60, 104.3, None, 104.4, 1), ("CREAT", 60, 104.3, None, 156.44, 1),
    ("CREAT", 60, 104.3, None, 156.45, 1), ("CREAT", 60, 104.3, None, 156.46, 2),
    ("CREAT", 60, 104.3, None, 312.89, 2), ("CREAT", 60, 104.3, None, 312.9, 2),
    ("CREAT", 60, 104.3, None, 312.91, 3), ("CREAT", 60, 104.3, None, 625.79, 3),
    ("CREAT", 60, 104.3, None, 625.8, 3), ("CREAT", 60, 104.3, None, 625.81, 4),
]  # fmt: skip

#: Increases after a baseline above ULN: multiples of the baseline (SAP 9.6; creatinine keeps ULN).
BASELINE_BOUNDARIES = [
    # ALT, ULN 32.3, baseline 40.7: >=1.5x = 61.05 g1, >3x = 122.1 g2, >5x = 203.5 g3,
    # >20x = 814 g4
    ("ALT", 7, 32.3, 40.7, 61.04, 0), ("ALT", 7, 32.3, 40.7, 61.05, 1),
    ("ALT", 7, 32.3, 40.7, 61.06, 1), ("ALT", 7, 32.3, 40.7, 122.09, 1),
    ("ALT", 7, 32.3, 40.7, 122.1, 1), ("ALT", 7, 32.3, 40.7, 122.11, 2),
    ("ALT", 7, 32.3, 40.7, 203.49, 2), ("ALT", 7, 32.3, 40.7, 203.5, 2),
    ("ALT", 7, 32.3, 40.7, 203.51, 3), ("ALT", 7, 32.3, 40.7, 813.99, 3),
    ("ALT", 7, 32.3, 40.7, 814, 3), ("ALT", 7, 32.3, 40.7, 814.01, 4),
    # AST, ULN 33.4, baseline 44.9: >=1.5x = 67.35 g1, >3x = 134.7 g2, >5x = 224.5 g3,
    # >20x = 898 g4
    ("AST", 8, 33.4, 44.9, 67.34, 0), ("AST", 8, 33.4, 44.9, 67.35, 1),
    ("AST", 8, 33.4, 44.9, 67.36, 1), ("AST", 8, 33.4, 44.9, 134.69, 1),
    ("AST", 8, 33.4, 44.9, 134.7, 1), ("AST", 8, 33.4, 44.9, 134.71, 2),
    ("AST", 8, 33.4, 44.9, 224.49, 2), ("AST", 8, 33.4, 44.9, 224.5, 2),
    ("AST", 8, 33.4, 44.9, 224.51, 3), ("AST", 8, 33.4, 44.9, 897.99, 3),
    ("AST", 8, 33.4, 44.9, 898, 3), ("AST", 8, 33.4, 44.9, 898.01, 4),
    # Bilirubin, ULN 21.4, baseline 23.9 (issue 19): >1.0x = 23.9 g1, >1.5x = 35.85 g2,
    # >3x = 71.7 g3, >10x = 239 g4
    ("BILI", 3, 21.4, 23.9, 23.89, 0), ("BILI", 3, 21.4, 23.9, 23.9, 0),
    ("BILI", 3, 21.4, 23.9, 23.91, 1), ("BILI", 3, 21.4, 23.9, 35.84, 1),
    ("BILI", 3, 21.4, 23.9, 35.85, 1), ("BILI", 3, 21.4, 23.9, 35.86, 2),
    ("BILI", 3, 21.4, 23.9, 71.69, 2), ("BILI", 3, 21.4, 23.9, 71.7, 2),
    ("BILI", 3, 21.4, 23.9, 71.71, 3), ("BILI", 3, 21.4, 23.9, 238.99, 3),
    ("BILI", 3, 21.4, 23.9, 239, 3), ("BILI", 3, 21.4, 23.9, 239.01, 4),
    # Creatinine keeps its ULN criteria after a baseline of 150 > ULN 104.3 (SAP 9.6 choice a)
    ("CREAT", 60, 104.3, 150, 156.45, 1), ("CREAT", 60, 104.3, 150, 156.46, 2),
    ("CREAT", 60, 104.3, 150, 312.9, 2), ("CREAT", 60, 104.3, 150, 312.91, 3),
]  # fmt: skip


def _grade(rows) -> list[int]:
    frame = _frame([(p, lo, hi, v) for p, lo, hi, _, v, _ in rows])
    baseline = pd.Series([np.nan if b is None else float(b) for *_, b, _, _ in rows])
    return grade_values(frame, baseline=baseline)["ATOXGR"].tolist()


@pytest.mark.parametrize("case", LOW_BOUNDARIES + ULN_BOUNDARIES + BASELINE_BOUNDARIES, ids=str)
def test_every_limit_is_exact_at_just_below_and_just_above(case):
    assert _grade([case]) == [case[-1]]


@pytest.mark.parametrize("case", ULN_BOUNDARIES, ids=str)
def test_a_normal_baseline_keeps_the_uln_limits(case):
    paramcd, lo, hi, _, value, expected = case
    # a baseline at ULN is normal, below it too: the ULN criteria stay in force
    assert _grade([(paramcd, lo, hi, hi, value, expected)]) == [expected]
    assert _grade([(paramcd, lo, hi, lo, value, expected)]) == [expected]


def test_the_boundary_cases_cover_every_row_of_the_grading_table():
    table = grading_criteria()
    cases = LOW_BOUNDARIES + ULN_BOUNDARIES + BASELINE_BOUNDARIES
    for row in table.itertuples(index=False):
        # each grade of each parameter is reached, and so is the grade below it at its limit
        by_param = [c for c in cases if c[0] == row.PARAMCD]
        assert any(c[-1] == row.GRADE for c in by_param), row
        assert sum(c[-1] == row.GRADE - 1 for c in by_param) >= 2, row
        if pd.notna(row.BASE_FACTOR):
            assert any(c[3] is not None and c[-1] == row.GRADE for c in by_param), row
    assert {c[0] for c in cases} == set(table["PARAMCD"])


def test_the_grade_is_the_same_on_a_large_frame():
    # the vectorised exact comparison gives each row the grade it has alone
    cases = (LOW_BOUNDARIES + ULN_BOUNDARIES + BASELINE_BOUNDARIES) * 50
    assert _grade(cases) == [c[-1] for c in cases]


def test_a_value_with_many_decimals_is_still_compared_exactly():
    # An LLN stored as 120.00000000000001 (14 decimals, as a unit conversion may leave it) puts
    # the data on the exact path for many decimals (Python integers): 120 is below that LLN
    # (grade 1), and 32.1 is still equal to 1.5 x 21.4.
    grades = _grade([("HGB", 120.00000000000001, 160, None, 120, 1),
                     ("BILI", 3, 21.4, None, 32.1, 1), ("BILI", 3, 21.4, None, 32.1000001, 2),
                     ("BILI", 3, 21.4, 23.9, 71.7, 2)])  # fmt: skip
    assert grades == [1, 1, 2, 2]
