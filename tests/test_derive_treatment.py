"""Treatment-course and baseline variables (derive/treatment.py, derive/baseline.py).

Each case is a few hand-made patients; the expected values are worked out from the SAP text
(SAP 4 analysis sets and "operated", 4.1 eligibility, 7.8 disposition and age groups, 9.5
exposure and cycle delays) and written here, not computed by the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from osteo_stats import load_sap
from osteo_stats.derive.baseline import (
    age_group_codes,
    compute_age_group,
    compute_count_group,
    count_group_codes,
    eligibility_deviations,
)
from osteo_stats.derive.treatment import (
    completed_preop,
    cycle_delays,
    days_from_last_dose,
    last_dose,
    operated,
    pps_exclusion_reason,
    relative_dose_intensity,
    started_postop,
    surgery_timing,
    surgery_window_days,
)

SAP = load_sap()
DAY0 = pd.Timestamp("2024-01-08")


def _adsl(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for col, value in (("FASFL", "Y"), ("SAFFL", "Y"), ("PPROTFL", "N")):
        if col not in frame:
            frame[col] = value
    return frame


def _ex(usubjid, trt, phase, cycle, day, dose=1.0, planned=1.0) -> dict:
    return dict(USUBJID=usubjid, EXTRT=trt, APHASE=phase, CYCLE=cycle,
                EXSTDT=DAY0 + pd.Timedelta(days=day), EXPLDOS=planned, EXDOSE=dose)  # fmt: skip


def _full_preop(usubjid: str, omit: tuple = ()) -> list[dict]:
    """The planned pre-operative regimen (SAP 1.3, 2.2): 5 SBRT fractions, 2 cycles of
    gemcitabine (days 1, 8) and penpulimab (day 8); ``omit`` lists (EXTRT, cycle or fraction
    number) recorded with EXDOSE = 0."""
    rows = [
        _ex(usubjid, "SBRT", "PRE-OPERATIVE", None, 2 * k, dose=0.0 if ("SBRT", k) in omit else 6.0)
        for k in range(1, 6)
    ]
    for cycle in (1, 2):
        start = 21 * (cycle - 1)
        gem_dose = 0.0 if ("GEMCITABINE", cycle) in omit else 1000.0
        pen_dose = 0.0 if ("PENPULIMAB", cycle) in omit else 200.0
        rows += [
            _ex(usubjid, "GEMCITABINE", "PRE-OPERATIVE", cycle, start, gem_dose, 1000.0),
            _ex(usubjid, "GEMCITABINE", "PRE-OPERATIVE", cycle, start + 7, gem_dose, 1000.0),
            _ex(usubjid, "PENPULIMAB", "PRE-OPERATIVE", cycle, start + 7, pen_dose, 200.0),
        ]
    return rows


# --- operated (SAP 4) ----------------------------------------------------------------------


def test_operated_is_surgout_r0_r1_r2():
    adsl = _adsl(USUBJID=list("ABCDE"), SURGOUT=["R0", "R1", "R2", "NOT DONE", "PENDING"])
    assert operated(adsl).tolist() == [True, True, True, False, False]


# --- completed pre-operative therapy and started post-operative therapy (SAP 7.8) ----------


def test_completed_preop_needs_every_fraction_and_both_cycles_of_each_drug():
    """A: the full regimen -> completed. B: fraction 3 omitted (4 of 5 delivered) -> not.
    C: gemcitabine cycle 2 omitted on both days (1 of 2 cycles) -> not. D: penpulimab cycle 1
    omitted (cycle 2 given) -> not. E: the full regimen but not in the SAF -> not (SAP 4: the
    PPS is within the SAF). F: no ADEX record at all -> not."""
    adex = pd.DataFrame(
        _full_preop("A")
        + _full_preop("B", omit=(("SBRT", 3),))
        + _full_preop("C", omit=(("GEMCITABINE", 2),))
        + _full_preop("D", omit=(("PENPULIMAB", 1),))
        + _full_preop("E")
    )
    adsl = _adsl(USUBJID=list("ABCDEF"), SAFFL=["Y", "Y", "Y", "Y", "N", "N"])
    assert completed_preop(adsl, adex, SAP.schedule).tolist() == [
        True, False, False, False, False, False,
    ]  # fmt: skip


def test_completed_preop_reads_the_planned_numbers_from_sap_yaml():
    """With 4 planned fractions (``schedule.sbrt_fractions``) patient B above completes."""
    adex = pd.DataFrame(_full_preop("B", omit=(("SBRT", 3),)))
    adsl = _adsl(USUBJID=["B"])
    assert completed_preop(adsl, adex, SAP.schedule).tolist() == [False]
    four = SAP.schedule.model_copy(update={"sbrt_fractions": 4})
    assert completed_preop(adsl, adex, four).tolist() == [True]


def test_started_postop_needs_a_dose_given_after_surgery():
    """A: maintenance penpulimab given -> started. B: a post-operative administration
    recorded as omitted (EXDOSE = 0) -> not started. C: pre-operative doses only -> not."""
    adex = pd.DataFrame(
        [
            _ex("A", "PENPULIMAB", "MAINTENANCE", 7, 200),
            _ex("B", "GEMCITABINE", "POST-OPERATIVE", 3, 90, dose=0.0),
            _ex("C", "GEMCITABINE", "PRE-OPERATIVE", 1, 0),
        ]
    )
    adsl = _adsl(USUBJID=["A", "B", "C"])
    assert started_postop(adsl, adex).tolist() == [True, False, False]


# --- cycle delays (SAP 9.5) -----------------------------------------------------------------


def _delay_case() -> pd.DataFrame:
    """Gemcitabine for patient P, cycle starts (days from DAY0):

    - cycle 1 day 0;
    - cycle 2 day 24: 24 days, not more than 21 + 3 -> on time;
    - cycle 3 day 49: 25 days after cycle 2 -> delayed;
    - post-operative cycle 4 day 150: after surgery, a new phase -> not a delay;
    - cycle 5: day-1 dose omitted on day 171 (EXDOSE 0), first dose given day 178 -> starts
      day 178, 28 days after cycle 4 -> delayed.

    Patient Q: cycle 2 at day 26 -> delayed (26 > 24).
    """
    return pd.DataFrame(
        [
            _ex("P", "GEMCITABINE", "PRE-OPERATIVE", 1, 0),
            _ex("P", "GEMCITABINE", "PRE-OPERATIVE", 1, 7),
            _ex("P", "GEMCITABINE", "PRE-OPERATIVE", 2, 24),
            _ex("P", "GEMCITABINE", "PRE-OPERATIVE", 3, 49),
            _ex("P", "GEMCITABINE", "POST-OPERATIVE", 4, 150),
            _ex("P", "GEMCITABINE", "POST-OPERATIVE", 5, 171, dose=0.0),
            _ex("P", "GEMCITABINE", "POST-OPERATIVE", 5, 178),
            _ex("Q", "GEMCITABINE", "PRE-OPERATIVE", 1, 0),
            _ex("Q", "GEMCITABINE", "PRE-OPERATIVE", 2, 26),
        ]
    )


def test_cycle_delays_by_the_sap_rule():
    delays = cycle_delays(_delay_case(), SAP.schedule)
    assert delays.to_dict() == {"P": 2, "Q": 1}


def test_cycle_delay_tolerance_comes_from_sap_yaml():
    """With ``schedule.cycle_delay_tolerance_days`` = 7 the limit is 28 days: P's cycle 3
    (25 days) and cycle 5 (28 days) and Q's cycle 2 (26 days) are on time."""
    lenient = SAP.schedule.model_copy(update={"cycle_delay_tolerance_days": 7})
    assert cycle_delays(_delay_case(), lenient).to_dict() == {"P": 0, "Q": 0}


def test_cycle_delays_do_not_mix_drugs_or_count_sbrt():
    """Penpulimab cycle 2 on day 21 and gemcitabine cycle 2 on day 22 are both on time, even
    though the two drugs' starts interleave; SBRT fractions have no cycle."""
    adex = pd.DataFrame(
        [
            _ex("R", "GEMCITABINE", "PRE-OPERATIVE", 1, 0),
            _ex("R", "PENPULIMAB", "PRE-OPERATIVE", 1, 7),
            _ex("R", "GEMCITABINE", "PRE-OPERATIVE", 2, 22),
            _ex("R", "PENPULIMAB", "PRE-OPERATIVE", 2, 28),
            _ex("R", "SBRT", "PRE-OPERATIVE", None, 40),
        ]
    )
    assert cycle_delays(adex, SAP.schedule).to_dict() == {"R": 0}
    assert cycle_delays(adex.iloc[0:0], SAP.schedule).empty


# --- last dose ------------------------------------------------------------------------------


def test_last_dose_is_trtedt_else_the_last_dose_given():
    """A: TRTEDT recorded -> TRTEDT. B: still on treatment (TRTEDT missing): the last dose
    given is day 30; the omitted day-37 record does not count. C: never dosed -> missing."""
    adex = pd.DataFrame(
        [
            _ex("A", "PENPULIMAB", "MAINTENANCE", 9, 300),
            _ex("B", "PENPULIMAB", "PRE-OPERATIVE", 1, 30),
            _ex("B", "PENPULIMAB", "PRE-OPERATIVE", 2, 37, dose=0.0),
        ]
    )
    adsl = _adsl(USUBJID=["A", "B", "C"], TRTEDT=[pd.Timestamp("2024-12-01"), pd.NaT, pd.NaT])
    got = last_dose(adsl, adex)
    assert got.iloc[0] == pd.Timestamp("2024-12-01")
    assert got.iloc[1] == DAY0 + pd.Timedelta(days=30)
    assert pd.isna(got.iloc[2])


# --- PPS exclusion reasons (SAP 4, 4.2) -----------------------------------------------------


def test_pps_exclusion_takes_the_first_applicable_reason():
    """A: in the PPS -> no reason. B: not dosed (and not operated) -> NOT DOSED first.
    C: dosed, surgery pending -> NOT OPERATED. D: dosed, surgery not done -> NOT OPERATED.
    E: R0 but a fraction omitted -> INCOMPLETE PRE-OPERATIVE THERAPY. F: R1, full regimen,
    PPROTFL = N -> OTHER (a major deviation recorded only in the flag)."""
    adex = pd.DataFrame(
        _full_preop("A")
        + _full_preop("C")
        + _full_preop("D")
        + _full_preop("E", omit=(("SBRT", 5),))
        + _full_preop("F")
    )
    adsl = _adsl(
        USUBJID=list("ABCDEF"),
        SAFFL=["Y", "N", "Y", "Y", "Y", "Y"],
        PPROTFL=["Y", "N", "N", "N", "N", "N"],
        SURGOUT=["R0", "PENDING", "PENDING", "NOT DONE", "R0", "R1"],
    )
    got = pps_exclusion_reason(adsl, adex, SAP.schedule)
    assert pd.isna(got.iloc[0])
    assert got.iloc[1:].tolist() == [
        "NOT DOSED", "NOT OPERATED", "NOT OPERATED", "INCOMPLETE PRE-OPERATIVE THERAPY", "OTHER",
    ]  # fmt: skip


# --- age groups (SAP 7.8) and eligibility (SAP 4.1) -----------------------------------------


def test_age_groups_at_the_sap_cut_points():
    """SAP 7.8: < 16, 16-39, >= 40 years (``baseline.age_group_cuts_years`` = [16, 40])."""
    assert SAP.baseline.age_group_cuts_years == [16, 40]
    age = pd.Series([10, 15, 15.9, 16, 39, 39.9, 40, 65, None])
    got = compute_age_group(age, SAP.baseline.age_group_cuts_years)
    assert got.iloc[:-1].tolist() == [
        "<16", "<16", "<16", "16-39", "16-39", "16-39", ">=40", ">=40",
    ]  # fmt: skip
    assert pd.isna(got.iloc[-1])


def test_age_groups_follow_other_cut_points():
    assert age_group_codes([12, 16, 40]) == ["<12", "12-15", "16-39", ">=40"]
    got = compute_age_group(pd.Series([11, 12, 15, 16, 40]), [12, 16, 40])
    assert got.tolist() == ["<12", "12-15", "12-15", "16-39", ">=40"]


def test_eligibility_checks_of_sap_4_1():
    """Age 10-65; ECOG at 16 and over, Lansky below; ECOG <= 2; Lansky >= 70.

    A: 9, Lansky 80 -> age below. B: 66, ECOG 1 -> age above. C: 15 on ECOG 1 -> scale.
    D: 30, ECOG 3 -> ECOG. E: 12, Lansky 60 -> Lansky. F: 10, Lansky 70 and G: 65, ECOG 2 ->
    none (limits included). H: age missing, ECOG 1 -> none (a missing value fails no check).
    """
    adsl = pd.DataFrame(
        {
            "AGE": [9, 66, 15, 30, 12, 10, 65, None],
            "PSTYPE": ["LANSKY", "ECOG", "ECOG", "ECOG", "LANSKY", "LANSKY", "ECOG", "ECOG"],
            "PSSCORE": [80, 1, 1, 3, 60, 70, 2, 1],
        }
    )
    got = eligibility_deviations(adsl, SAP.eligibility)
    failed = [sorted(got.columns[row]) for row in got.to_numpy()]
    assert failed == [
        ["AGE BELOW"], ["AGE ABOVE"], ["PS SCALE"], ["ECOG"], ["LANSKY"], [], [], [],
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["FAS", "SAF"])
def test_completed_preop_is_false_outside_the_saf_whatever_the_set(name):
    """The regimen counts only for treated patients (SAP 4: completed pre-operative therapy
    implies treatment), even when the FAS flag alone is set."""
    adsl = _adsl(USUBJID=["A"], SAFFL=["N" if name == "FAS" else "Y"])
    adex = pd.DataFrame(_full_preop("A"))
    assert completed_preop(adsl, adex, SAP.schedule).tolist() == [name == "SAF"]


# --- deaths after the last dose (SAP 6.1, 9.2), dose intensity (SAP 9.5) --------------------


def test_days_from_last_dose_is_a_calendar_difference():
    """TRTEDT 2024-05-01: a death on 2024-05-31 is 30 days after (within 30 days, SAP 6.1:
    0 <= date - X <= d, no +1); on 2024-06-01 it is 31. Never dosed -> missing."""
    adsl = _adsl(
        USUBJID=["A", "B", "C"],
        TRTEDT=pd.to_datetime(["2024-05-01", "2024-05-01", None]),
        DTHDT=pd.to_datetime(["2024-05-31", "2024-06-01", "2024-07-01"]),
    )
    adex = pd.DataFrame(columns=["USUBJID", "EXSTDT", "EXDOSE"])
    adex["EXSTDT"] = pd.to_datetime(adex["EXSTDT"])
    got = days_from_last_dose(adsl, adex, "DTHDT")
    assert got.iloc[:2].tolist() == [30, 31]
    assert pd.isna(got.iloc[2])


def test_relative_dose_intensity_counts_omitted_and_reduced_doses():
    """SAP 9.5: 100 x sum EXDOSE / sum EXPLDOS. A: planned 4 x 1000 mg/m2, given 1000, 800,
    0 (omitted) and 1000 -> 2800 / 4000 = 70%. B: every planned dose given -> 100%."""
    adex = pd.DataFrame(
        [
            _ex("A", "GEMCITABINE", "PRE-OPERATIVE", 1, 0, 1000.0, 1000.0),
            _ex("A", "GEMCITABINE", "PRE-OPERATIVE", 1, 7, 800.0, 1000.0),
            _ex("A", "GEMCITABINE", "PRE-OPERATIVE", 2, 21, 0.0, 1000.0),
            _ex("A", "GEMCITABINE", "PRE-OPERATIVE", 2, 28, 1000.0, 1000.0),
            _ex("B", "GEMCITABINE", "PRE-OPERATIVE", 1, 0, 1000.0, 1000.0),
        ]
    )
    assert relative_dose_intensity(adex).to_dict() == {"A": 70.0, "B": 100.0}


# --- surgery timing (SAP 2.2, 6.1, 9.5) -----------------------------------------------------


def test_surgery_window_is_study_days_43_to_63():
    """SAP 2.2 says it in words: weeks 7-9 from enrollment are study days 43 to 63."""
    assert surgery_window_days(SAP.schedule) == (43, 63)


def test_surgery_timing_against_the_window_and_the_plan():
    """Enrolled 2024-01-01 (study day 1). A: surgery 2024-02-11 = day 42, one day early for the
    window. B: 2024-02-12 = day 43, first day in. C: 2024-03-03 = day 63 (31 + 29 + 3 days into
    leap-year 2024), last day in. D: 2024-03-04 = day 64, out; planned 2024-02-26, so 7 days
    late. E: surgery not done: no day, not in the window, no delay."""
    adsl = _adsl(
        USUBJID=list("ABCDE"),
        SURGOUT=["R0", "R1", "R0", "R2", "NOT DONE"],
        ENRLDT=pd.to_datetime(["2024-01-01"] * 5),
        SURGDT=pd.to_datetime(["2024-02-11", "2024-02-12", "2024-03-03", "2024-03-04", None]),
        SURGPLDT=pd.to_datetime(["2024-02-26"] * 5),
    )
    got = surgery_timing(adsl, SAP.schedule, SAP.time.day_one_offset)
    assert got["SURGDY"].iloc[:4].tolist() == [42, 43, 63, 64]
    assert got["SURGWINFL"].tolist() == [False, True, True, False, False]
    assert got["SURGDLY"].iloc[:4].tolist() == [-15, -14, 6, 7]
    assert got.iloc[4][["SURGDY", "SURGDLY"]].isna().all()


def test_count_groups_of_nodules_and_prior_lines():
    """SAP 7.8 groups: nodules 1, 2, 3, >= 4 (``baseline.nodule_group_top`` = 4); prior lines
    1, 2, >= 3 (``baseline.prior_lines_group_top`` = 3). Missing stays missing."""
    assert (SAP.baseline.nodule_group_top, SAP.baseline.prior_lines_group_top) == (4, 3)
    assert count_group_codes(4) == ["1", "2", "3", ">=4"]
    nodules = compute_count_group(pd.Series([1, 2, 3, 4, 7, None]), 4)
    assert nodules.iloc[:5].tolist() == ["1", "2", "3", ">=4", ">=4"]
    assert pd.isna(nodules.iloc[5])
    lines = compute_count_group(pd.Series([1, 2, 3, 5]), 3)
    assert lines.tolist() == ["1", "2", ">=3", ">=3"]
