"""Efficacy derivations on small hand-made cases (admiral style: input and expected inline).

Every patient is enrolled on 2023-01-01 unless a test says otherwise, so the study day of a date
in 2023 is its day of the year (2023 is not a leap year; 2024 is):
Jan 1 = day 1, Feb 12 = 31+12 = day 43, Feb 26 = day 57, Mar 1 = day 60, May 27 = 120+27 = 147,
Jul 1 = 181+1 = 182, Aug 19 = 212+19 = 231, Sep 1 = 243+1 = 244, Oct 10 = 273+10 = 283,
Nov 25 = 304+25 = 329, Dec 1 = 334+1 = 335. AVAL = ADT - ENRLDT + 1 (SAP 6.1), so AVAL is the
study day. Expected values are worked out by hand in the comments, never printed by the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from osteo_stats import load_sap
from osteo_stats.derive.cutoff import adsl_at_cutoff, cut_dataset
from osteo_stats.derive.efficacy import compute_aval_days, compute_event_indicator
from osteo_stats.derive.pathology import derive_pathology
from osteo_stats.derive.response import derive_best_pct_change, derive_bor, derive_preop_window
from osteo_stats.derive.tte import RULES, derive_adtte, derive_primary_endpoint, rule_ids

SAP = load_sap()
CUTOFF = "2025-06-30"
T = pd.Timestamp
NAT = pd.NaT

_ADSL_DEFAULTS = {
    "STUDYID": "PROMIS", "SITEID": "01", "RFICDT": T("2022-12-20"), "ENRLDT": T("2023-01-01"),
    "TRTSDT": T("2023-01-02"), "TRTEDT": T("2023-06-01"), "SURGPLDT": T("2023-02-26"),
    "SURGDT": T("2023-02-26"), "SURGOUT": "R0", "SURGNDRS": np.nan, "NECRPCT": 95.0,
    "NACTDT": NAT, "NACTDTF": "", "SMDT": NAT, "DTHDT": NAT, "DTHDTF": "", "DTHCAUS": np.nan,
    "LSTALVDT": T("2025-06-01"), "EOSSTT": "ONGOING", "DCSREAS": np.nan, "EOSDT": NAT,
    "FASFL": "Y", "DCUTDT": T(CUTOFF),
}  # fmt: skip


def adsl(*rows: dict) -> pd.DataFrame:
    """ADSL with one row per dict; unspecified columns take the defaults above."""
    frame = pd.DataFrame([{**_ADSL_DEFAULTS, **row} for row in rows])
    for col in (
        "RFICDT",
        "ENRLDT",
        "TRTSDT",
        "TRTEDT",
        "SURGPLDT",
        "SURGDT",
        "NACTDT",
        "SMDT",
        "DTHDT",
        "LSTALVDT",
        "EOSDT",
        "DCUTDT",
    ):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame


def no_surgery(**row) -> dict:
    return {"SURGDT": NAT, "SURGOUT": "NOT DONE", "SURGNDRS": "TOXICITY", "NECRPCT": np.nan, **row}


def adrs(*rows: tuple) -> pd.DataFrame:
    """ADRS from ``(USUBJID, ADT, AVALC[, RECURFL[, NEWLFL]])``; ADT on or before 2023-01-01 is
    the screening visit; APHASE/AVISIT follow the default surgery date 2023-02-26."""
    records = []
    for usubjid, adt, avalc, *flags in rows:
        adt = T(adt)
        screening = adt <= T("2023-01-01")
        records.append({
            "STUDYID": "PROMIS", "USUBJID": usubjid, "PARAMCD": "OVRLRESP",
            "AVISIT": "SCREENING" if screening else "VISIT",
            "ADT": adt,
            "APHASE": "PRE-OPERATIVE" if adt <= T("2023-02-26") else "POST-OPERATIVE",
            "AVALC": avalc,
            "RECURFL": flags[0] if len(flags) > 0 else (np.nan if adt <= T("2023-02-26") else "N"),
            "NEWLFL": flags[1] if len(flags) > 1 else "N",
        })  # fmt: skip
    columns = [
        "STUDYID",
        "USUBJID",
        "PARAMCD",
        "AVISIT",
        "ADT",
        "APHASE",
        "AVALC",
        "RECURFL",
        "NEWLFL",
    ]
    frame = pd.DataFrame(records, columns=columns)
    frame["ADT"] = frame["ADT"].astype("datetime64[ns]")
    return frame


def expect(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """``actual`` restricted to the expected columns (and sorted like it) equals ``expected``."""
    got = actual[list(expected.columns)].reset_index(drop=True)
    want = expected.reset_index(drop=True)
    for col in want.columns:
        if col in ("ADT", "STARTDT", "BORDT", "WINENDT", "NADIRDT", "PRIMLMDT"):
            want[col] = pd.to_datetime(want[col]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def at(cutoff, frame, name="ADSL"):
    """``frame`` as known at ``cutoff``: the SAP 6.2 cut every analysis applies first
    (:mod:`osteo_stats.derive.cutoff`); the derivations never cut again."""
    return cut_dataset(name, frame, cutoff)


def efs(adsl_frame, adrs_frame, cutoff=CUTOFF, paramcd="EFS"):
    cut_adsl, cut_adrs = at(cutoff, adsl_frame), at(cutoff, adrs_frame, "ADRS")
    out = derive_adtte(cut_adsl, cut_adrs, SAP, cutoff, paramcds=[paramcd])
    return out.sort_values("USUBJID").reset_index(drop=True)


SCREEN = "2022-12-28"


# --- durations and CNSR ----------------------------------------------------------------------


def test_compute_aval_days_counts_the_start_day():
    start = pd.Series(pd.to_datetime(["2023-01-01", "2023-01-01", "2023-01-01", None]))
    end = pd.Series(pd.to_datetime(["2023-01-01", "2023-01-31", "2025-01-01", "2023-02-01"]))
    # same day -> 0 + 1 = 1; Jan 31 -> 30 + 1 = 31; 2025-01-01 -> 365 + 366 + 1 = 732; NaT -> NaN
    got = compute_aval_days(start, end, offset=1)
    np.testing.assert_array_equal(got.to_numpy(), [1.0, 31.0, 732.0, np.nan])
    assert compute_aval_days(T("2023-01-01"), T("2023-01-31"), offset=0) == 30.0


def test_compute_event_indicator_is_the_only_cnsr_flip():
    np.testing.assert_array_equal(compute_event_indicator([0, 1, 0]), [True, False, True])
    with pytest.raises(ValueError, match="CNSR must be 0 .* received 2"):
        compute_event_indicator([0, 2])


# --- EFS events (SAP 3.2) --------------------------------------------------------------------


def test_efs_preoperative_pd_at_the_assessment_date():
    # PD on Feb 12 (day 43) before the R0 resection of Feb 26: E1 at day 43.
    rs = adrs(("P01", SCREEN, "NE"), ("P01", "2023-02-12", "PD"), ("P01", "2023-05-27", "NED"))
    got = efs(adsl({"USUBJID": "P01"}), rs)
    expect(got, pd.DataFrame({
        "USUBJID": ["P01"], "STARTDT": ["2023-01-01"], "ADT": ["2023-02-12"], "AVAL": [43.0],
        "AVALM": [43 / 30.4375], "CNSR": [0], "SRCDOM": ["ADRS"], "SRCVAR": ["ADT"],
        "EVNTDESC": ["Pre-operative progression (RECIST 1.1 PD)"], "RULE": [RULES["E1"]],
    }))  # fmt: skip
    assert got["RULE"][0] == "SAP 3.2 E1 pre-operative PD"
    assert pd.isna(got["CNSDTDSC"][0])


def test_efs_r1_and_r2_resections_are_events_at_the_surgery_date():
    # Surgery on Feb 26 = day 57 for both; the later NED assessment does not matter.
    got = efs(
        adsl({"USUBJID": "P02", "SURGOUT": "R1"}, {"USUBJID": "P03", "SURGOUT": "R2"}),
        adrs(
            ("P02", "2023-02-12", "SD"), ("P02", "2023-05-27", "NED"), ("P03", "2023-02-12", "PR")
        ),
    )
    expect(got, pd.DataFrame({
        "USUBJID": ["P02", "P03"], "ADT": ["2023-02-26"] * 2, "AVAL": [57.0, 57.0], "CNSR": [0, 0],
        "EVNTDESC": ["Incomplete resection (R1)", "Incomplete resection (R2)"],
        "SRCDOM": ["ADSL"] * 2, "SRCVAR": ["SURGDT"] * 2, "RULE": [RULES["E2"]] * 2,
    }))  # fmt: skip


def test_efs_surgery_not_done_for_progression():
    rows = adsl(
        # PD in ADRS on Feb 12: E1 and E3 both fall on day 43; the tie is named by E1.
        no_surgery(USUBJID="P04", SURGNDRS="PROGRESSION"),
        # No PD in ADRS (SD on Feb 12): E3 at the planned surgery date Mar 1 = day 60.
        no_surgery(USUBJID="P05", SURGNDRS="PROGRESSION", SURGPLDT=T("2023-03-01")),
        # No PD, no planned date: protocol week 8 = ENRLDT + 56 days = Feb 26 = day 57.
        no_surgery(USUBJID="P06", SURGNDRS="PROGRESSION", SURGPLDT=NAT),
        # Not done for toxicity is not an event: censored at the SD of Feb 12 (C1, day 43).
        no_surgery(USUBJID="P07", SURGNDRS="TOXICITY"),
    )
    rs = adrs(
        ("P04", "2023-02-12", "PD"),
        ("P05", "2023-02-12", "SD"),
        ("P06", "2023-02-12", "SD"),
        ("P07", "2023-02-12", "SD"),
    )
    expect(efs(rows, rs), pd.DataFrame({
        "USUBJID": ["P04", "P05", "P06", "P07"],
        "ADT": ["2023-02-12", "2023-03-01", "2023-02-26", "2023-02-12"],
        "AVAL": [43.0, 60.0, 57.0, 43.0], "CNSR": [0, 0, 0, 1],
        "SRCVAR": ["ADT", "SURGPLDT", "ENRLDT", "ADT"],
        "RULE": [RULES["E1"], RULES["E3"], RULES["E3"], RULES["C1"]],
    }))  # fmt: skip


def test_efs_postoperative_recurrence_and_new_lesion():
    # P08: NED May 27, recurrence Aug 19 (day 231). P09: new lung lesion (PD, NEWLFL=Y) Sep 1
    # (day 244), without RECURFL.
    rs = adrs(
        ("P08", "2023-02-12", "PR"),
        ("P08", "2023-05-27", "NED"),
        ("P08", "2023-08-19", "PD", "Y", "N"),
        ("P09", "2023-02-12", "PR"),
        ("P09", "2023-05-27", "NED"),
        ("P09", "2023-09-01", "PD", "N", "Y"),
    )
    expect(efs(adsl({"USUBJID": "P08"}, {"USUBJID": "P09"}), rs), pd.DataFrame({
        "USUBJID": ["P08", "P09"], "ADT": ["2023-08-19", "2023-09-01"], "AVAL": [231.0, 244.0],
        "CNSR": [0, 0],
        "EVNTDESC": ["Post-operative recurrence", "New metastasis (new lesion) after surgery"],
        "RULE": [RULES["E4"]] * 2,
    }))  # fmt: skip


def test_efs_second_malignancy_and_death_without_progression():
    # P10: second malignancy Sep 1 = day 244 (NED before and after it).
    # P11: death Oct 10 = day 283, day imputed (DTHDTF = "D"), no progression before.
    rows = adsl(
        {"USUBJID": "P10", "SMDT": T("2023-09-01")},
        {
            "USUBJID": "P11",
            "DTHDT": T("2023-10-10"),
            "DTHDTF": "D",
            "DTHCAUS": "OTHER",
            "LSTALVDT": T("2023-10-10"),
        },
    )
    rs = adrs(
        ("P10", "2023-05-27", "NED"),
        ("P10", "2023-11-25", "NED"),
        ("P11", "2023-05-27", "NED"),
        ("P11", "2023-08-19", "NED"),
    )
    expect(efs(rows, rs), pd.DataFrame({
        "USUBJID": ["P10", "P11"], "ADT": ["2023-09-01", "2023-10-10"], "ADTF": ["", "D"],
        "AVAL": [244.0, 283.0], "CNSR": [0, 0], "EVNTDESC": ["Second malignancy", "Death"],
        "SRCVAR": ["SMDT", "DTHDT"], "RULE": [RULES["E5"], RULES["E6"]],
    }))  # fmt: skip


def test_efs_event_wins_a_tie_with_the_censoring_date():
    # Death on Nov 25 (day 329), the same day as an adequate NED assessment: an event.
    rows = adsl({"USUBJID": "P12", "DTHDT": T("2023-11-25"), "LSTALVDT": T("2023-11-25")})
    rs = adrs(("P12", "2023-05-27", "NED"), ("P12", "2023-11-25", "NED"))
    expect(efs(rows, rs), pd.DataFrame({
        "USUBJID": ["P12"], "ADT": ["2023-11-25"], "AVAL": [329.0], "CNSR": [0],
        "RULE": [RULES["E6"]],
    }))  # fmt: skip


def test_efs_censoring_day_one_and_last_adequate_assessment():
    rows = adsl({"USUBJID": "P13"}, {"USUBJID": "P14"}, {"USUBJID": "P15"})
    rs = adrs(
        ("P13", SCREEN, "NE"),  # screening only: censored on day 1 (ADT = STARTDT, AVAL 1)
        ("P14", SCREEN, "NE"),
        ("P14", "2023-02-12", "NE"),  # NE only: not adequate -> day 1
        # NE on Aug 19 is not adequate: censored at the NED of May 27 (day 147)
        ("P15", "2023-02-12", "PR"),
        ("P15", "2023-05-27", "NED"),
        ("P15", "2023-08-19", "NE"),
    )
    expect(efs(rows, rs), pd.DataFrame({
        "USUBJID": ["P13", "P14", "P15"], "ADT": ["2023-01-01", "2023-01-01", "2023-05-27"],
        "AVAL": [1.0, 1.0, 147.0], "CNSR": [1, 1, 1], "SRCDOM": ["ADSL", "ADSL", "ADRS"],
        "SRCVAR": ["ENRLDT", "ENRLDT", "ADT"],
        "CNSDTDSC": ["No adequate post-baseline assessment: day 1"] * 2
        + ["Last adequate tumour assessment"],
        "RULE": [RULES["C2"], RULES["C2"], RULES["C1"]],
    }))  # fmt: skip


def test_efs_ignores_everything_after_the_cutoff():
    # Cut-off Aug 18: P16's recurrence (Aug 19) and P17's death (Sep 1) do not exist; both are
    # censored at their last adequate assessment on or before Aug 18 (NED May 27, day 147).
    # P18 is enrolled after the cut-off and is not in the analysis at all.
    rows = adsl(
        {"USUBJID": "P16"},
        {"USUBJID": "P17", "DTHDT": T("2023-09-01"), "LSTALVDT": T("2023-09-01")},
        {"USUBJID": "P18", "ENRLDT": T("2023-09-01")},
    )
    rs = adrs(
        ("P16", "2023-05-27", "NED"),
        ("P16", "2023-08-19", "PD", "Y", "N"),
        ("P17", "2023-05-27", "NED"),
        ("P17", "2023-08-20", "NED"),
    )
    expect(efs(rows, rs, cutoff="2023-08-18"), pd.DataFrame({
        "USUBJID": ["P16", "P17"], "ADT": ["2023-05-27"] * 2, "AVAL": [147.0] * 2,
        "CNSR": [1, 1], "RULE": [RULES["C1"]] * 2,
    }))  # fmt: skip


def test_efs_sensitivity_a_censors_at_new_anticancer_therapy():
    rows = adsl(
        # New therapy Jul 1, recurrence Aug 19: censored at the last adequate assessment on or
        # before Jul 1 = NED May 27 (day 147). The main EFS keeps the event (day 231).
        {"USUBJID": "P19", "NACTDT": T("2023-07-01")},
        # New therapy on the day of the recurrence (Aug 19): the tie goes to the event (day 231).
        {"USUBJID": "P20", "NACTDT": T("2023-08-19")},
        # New therapy without an event: censored at the NED of May 27, not Nov 25.
        {"USUBJID": "P21", "NACTDT": T("2023-07-01")},
        # New therapy (Jan 20) before any adequate assessment: day 1.
        {"USUBJID": "P22", "NACTDT": T("2023-01-20")},
    )
    rs = adrs(
        ("P19", "2023-05-27", "NED"),
        ("P19", "2023-08-19", "PD", "Y", "N"),
        ("P20", "2023-05-27", "NED"),
        ("P20", "2023-08-19", "PD", "Y", "N"),
        ("P21", "2023-05-27", "NED"),
        ("P21", "2023-11-25", "NED"),
        ("P22", "2023-05-27", "NED"),
    )
    expect(efs(rows, rs, paramcd="EFSSENSA"), pd.DataFrame({
        "USUBJID": ["P19", "P20", "P21", "P22"],
        "ADT": ["2023-05-27", "2023-08-19", "2023-05-27", "2023-01-01"],
        "AVAL": [147.0, 231.0, 147.0, 1.0], "CNSR": [1, 0, 1, 1],
        "RULE": [RULES["C3"], RULES["E4"], RULES["C3"], RULES["C3"]],
    }))  # fmt: skip
    main = efs(rows, rs)
    assert main.loc[main["USUBJID"] == "P19", "AVAL"].item() == 231.0
    assert main.loc[main["USUBJID"] == "P21", "AVAL"].item() == 329.0


def test_efs_sensitivity_b_censors_an_event_after_two_missed_assessments():
    # Allowed gap = 2 * 84 + 14 = 182 days after the last adequate assessment.
    # P23: NED May 27 (day 147), recurrence Dec 1 (day 335): gap 188 > 182 -> censored at
    #      May 27, AVAL 147.
    # P24: NED May 27, recurrence Nov 25 (day 329): gap exactly 182 -> the event stands.
    # P25: no adequate assessment, death on Sep 1 (day 244): gap from enrollment 243 > 182 ->
    #      censored on day 1.
    rows = adsl(
        {"USUBJID": "P23"},
        {"USUBJID": "P24"},
        {"USUBJID": "P25", "DTHDT": T("2023-09-01"), "LSTALVDT": T("2023-09-01")},
    )
    rs = adrs(
        ("P23", "2023-05-27", "NED"),
        ("P23", "2023-12-01", "PD", "Y", "N"),
        ("P24", "2023-05-27", "NED"),
        ("P24", "2023-11-25", "PD", "Y", "N"),
        ("P25", "2023-02-12", "NE"),
    )
    got = efs(rows, rs, paramcd="EFSSENSB")
    expect(got, pd.DataFrame({
        "USUBJID": ["P23", "P24", "P25"], "ADT": ["2023-05-27", "2023-11-25", "2023-01-01"],
        "AVAL": [147.0, 329.0, 1.0], "CNSR": [1, 0, 1],
        "RULE": [RULES["C4"], RULES["E4"], RULES["C4"]],
    }))  # fmt: skip
    assert got["CNSDTDSC"][0].startswith("Event 188 days after last adequate assessment (> 182)")


def test_os_death_censoring_and_cap_at_cutoff():
    # Cut-off 2024-12-31 (day 365 + 366 = 731).
    rows = adsl(
        # death Oct 10 (day 283)
        {"USUBJID": "P26", "DTHDT": T("2023-10-10"), "LSTALVDT": T("2023-10-10")},
        # alive, last known alive 2024-03-31 = day 365 + 31 + 29 + 31 = 456
        {"USUBJID": "P27", "LSTALVDT": T("2024-03-31")},
        # last known alive after the cut-off: censored at the cut-off, day 731
        {"USUBJID": "P28", "LSTALVDT": T("2025-01-15")},
        # death after the cut-off is not a death: censored at LSTALVDT 2024-12-01 (day 701)
        {"USUBJID": "P29", "LSTALVDT": T("2024-12-01"), "DTHDT": T("2025-01-10")},
    )
    got = efs(rows, adrs(), cutoff="2024-12-31", paramcd="OS")
    expect(got, pd.DataFrame({
        "USUBJID": ["P26", "P27", "P28", "P29"], "PARAMCD": ["OS"] * 4,
        "ADT": ["2023-10-10", "2024-03-31", "2024-12-31", "2024-12-01"],
        "AVAL": [283.0, 456.0, 731.0, 701.0], "AVALM": [283 / 30.4375, 456 / 30.4375,
                                                       731 / 30.4375, 701 / 30.4375],
        "CNSR": [0, 1, 1, 1],
        "RULE": [RULES["O1"], RULES["C5"], RULES["C6"], RULES["C5"]],
    }))  # fmt: skip


def test_adtte_stacks_all_parameters_and_rejects_unknown_codes():
    got = derive_adtte(at(CUTOFF, adsl({"USUBJID": "P30"})), adrs(), SAP, CUTOFF)
    # P30 is operated on day 57 and censored at day 1 of EFS: EFSSURG censored on SURGDT (L2).
    assert got["PARAMCD"].tolist() == ["EFS", "EFSSENSA", "EFSSENSB", "EFSSURG", "OS"]
    assert got["STUDYID"].eq("PROMIS").all()
    with pytest.raises(ValueError, match="unknown parameter.*'PFS'.*allowed: EFS, EFSSENSA"):
        derive_adtte(at(CUTOFF, adsl({"USUBJID": "P30"})), adrs(), SAP, CUTOFF, paramcds=["PFS"])


def test_full_history_extract_gives_the_same_result_as_a_snapshot():
    # The same patient seen in a full-history extract and in the extract cut on 2023-08-18.
    full = adsl(
        {
            "USUBJID": "P31",
            "DTHDT": T("2023-10-10"),
            "LSTALVDT": T("2023-10-10"),
            "EOSSTT": "DISCONTINUED",
            "DCSREAS": "DEATH",
            "EOSDT": T("2023-10-10"),
        }
    )
    snap = adsl({"USUBJID": "P31", "LSTALVDT": T("2023-08-18")})
    rs = adrs(("P31", "2023-05-27", "NED"), ("P31", "2023-08-19", "PD", "Y", "N"))
    c = "2023-08-18"
    a = derive_adtte(at(c, full), at(c, rs, "ADRS"), SAP, c)
    b = derive_adtte(at(c, snap), at(c, rs.iloc[:1], "ADRS"), SAP, c)
    pd.testing.assert_frame_equal(
        a.drop(columns=["RULE", "RULEID", "CNSDTDSC", "SRCDOM", "SRCVAR"]),
        b.drop(columns=["RULE", "RULEID", "CNSDTDSC", "SRCDOM", "SRCVAR"]),
    )
    # Only the OS censoring rule differs: C6 (alive after the cut-off) against C5.
    assert a["RULE"].tolist()[-1] == RULES["C6"] and b["RULE"].tolist()[-1] == RULES["C5"]
    cut = adsl_at_cutoff(full, "2023-08-18")
    assert cut["EOSSTT"].item() == "ONGOING" and pd.isna(cut["DTHDT"].item())


# --- primary endpoint (SAP 3.1) --------------------------------------------------------------


def test_primary_endpoint_statuses():
    # 24 months = 24 * 30.4375 = 730.5 days; the first day with AVALM >= 24 is AVAL 731, i.e.
    # ENRLDT + 730 = 2024-12-31 (2023 has 365 days, so 2024-01-01 is +365, and +365 more is
    # 2024-12-31). Adequate follow-up: a last adequate assessment on or after
    # 2024-12-31 - 14 = 2024-12-17, and alive on 2024-12-31.
    rows = adsl(
        {"USUBJID": "S1"},  # event after 24 months (AVAL 731): success
        {"USUBJID": "S2"},  # censored at NED 2024-12-20 (AVAL 720 >= 717), alive: success
        {"USUBJID": "F1"},  # event at AVAL 730 (AVALM 23.98 < 24): failure
        {
            "USUBJID": "F2",
            "EOSSTT": "DISCONTINUED",
            "DCSREAS": "LOST TO FOLLOW-UP",
            "EOSDT": T("2024-03-01"),
            "LSTALVDT": T("2024-03-01"),
        },  # lost event-free: failure
        {"USUBJID": "N2"},  # ongoing, last NED 2024-12-16 (< 2024-12-17): not evaluable yet
        # left after the 24-month date (EOSDT 2025-02-01 >= 2024-12-31, so not F2), but the last
        # adequate assessment (2024-10-01) is before 2024-12-17: N2, not yet evaluable at an
        # interim (SAP 3.1; a failure only at the final analysis, tests/test_sap_rules.py)
        {
            "USUBJID": "N2L",
            "EOSSTT": "DISCONTINUED",
            "DCSREAS": "WITHDRAWAL BY SUBJECT",
            "EOSDT": T("2025-02-01"),
            "LSTALVDT": T("2025-02-01"),
        },
    )
    adtte = pd.DataFrame({
        "USUBJID": ["S1", "S2", "F1", "F2", "N2", "N2L"], "PARAMCD": "EFS",
        "ADT": pd.to_datetime(["2024-12-31", "2024-12-20", "2024-12-30", "2024-02-15",
                               "2024-12-16", "2024-10-01"]),
        # 2024-10-01 = day 365 + 274 + 1 (2024 is leap: Jan-Sep = 274 days) = 640
        "AVAL": [731.0, 720.0, 730.0, 411.0, 716.0, 640.0],
        "AVALM": [731 / 30.4375, 720 / 30.4375, 730 / 30.4375, 411 / 30.4375, 716 / 30.4375,
                  640 / 30.4375],
        "CNSR": [0, 1, 0, 1, 1, 1],
        "EVNTDESC": ["Post-operative recurrence", np.nan, "Death", np.nan, np.nan, np.nan],
    })  # fmt: skip
    got = derive_primary_endpoint(at(CUTOFF, rows), adtte, SAP, CUTOFF)
    expect(got, pd.DataFrame({
        "USUBJID": ["S1", "S2", "F1", "F2", "N2", "N2L"], "PRIMLMDT": ["2024-12-31"] * 6,
        "PRIMSTAT": ["SUCCESS", "SUCCESS", "FAILURE", "FAILURE", "NOT EVALUABLE YET",
                     "NOT EVALUABLE YET"],
    }))  # fmt: skip
    reasons = got["PRIMREAS"].tolist()
    assert reasons[0].startswith("SAP 3.1 S1 EFS event after 24 months")
    assert reasons[1].startswith("SAP 3.1 S2 event-free: last adequate assessment 2024-12-20")
    assert reasons[2] == "SAP 3.1 F1 EFS event before 24 months: Death on 2024-12-30 (month 24.0)"
    assert reasons[3] == (
        "SAP 3.1 F2 left follow-up event-free without follow-up to 24 months: "
        "DISCONTINUED (LOST TO FOLLOW-UP) on 2024-03-01"
    )
    assert reasons[4] == (
        "SAP 3.1 N2 in follow-up, event-free, without S2 follow-up to the 24-month date "
        "2024-12-31 (adequate assessment from 2024-12-17, alive on 2024-12-31)"
    )
    assert reasons[5] == (
        "SAP 3.1 N2 DISCONTINUED on 2025-02-01, event-free, without S2 follow-up to the 24-month "
        "date 2024-12-31 (adequate assessment from 2024-12-17, alive on 2024-12-31)"
    )


def test_primary_endpoint_not_evaluable_yet_before_the_landmark_and_exclude_setting():
    # Cut-off 2024-06-30 is before the 24-month date 2024-12-31 of an ongoing patient (N1). A
    # patient who discontinued before is a failure by default, NOT EVALUABLE if the SAP excludes.
    rows = adsl(
        {"USUBJID": "N1", "LSTALVDT": T("2024-06-01")},
        {
            "USUBJID": "F2",
            "EOSSTT": "DISCONTINUED",
            "DCSREAS": "WITHDRAWAL BY SUBJECT",
            "EOSDT": T("2024-03-01"),
            "LSTALVDT": T("2024-03-01"),
        },
    )
    adtte = pd.DataFrame({
        "USUBJID": ["N1", "F2"], "PARAMCD": "EFS",
        "ADT": pd.to_datetime(["2024-05-20", "2024-02-15"]), "AVAL": [506.0, 411.0],
        "AVALM": [506 / 30.4375, 411 / 30.4375], "CNSR": [1, 1], "EVNTDESC": [np.nan, np.nan],
    })  # fmt: skip
    got = derive_primary_endpoint(at("2024-06-30", rows), adtte, SAP, "2024-06-30")
    assert got["PRIMSTAT"].tolist() == ["NOT EVALUABLE YET", "FAILURE"]
    assert got["PRIMREAS"][0] == (
        "SAP 3.1 N1 in follow-up, event-free; cut-off before 24-month date 2024-12-31"
    )
    pe = SAP.primary_endpoint.model_copy(update={"lost_before_landmark": "exclude"})
    excluding = SAP.model_copy(update={"primary_endpoint": pe})
    got = derive_primary_endpoint(at("2024-06-30", rows), adtte, excluding, "2024-06-30")
    assert got["PRIMSTAT"].tolist() == ["NOT EVALUABLE YET", "NOT EVALUABLE"]


def test_primary_endpoint_refuses_efs_from_a_later_cutoff():
    adtte = pd.DataFrame(
        {
            "USUBJID": ["P01"],
            "PARAMCD": "EFS",
            "ADT": [T("2024-08-01")],
            "AVAL": [579.0],
            "AVALM": [579 / 30.4375],
            "CNSR": [1],
            "EVNTDESC": [np.nan],
        }
    )
    with pytest.raises(ValueError, match="after the cut-off 2024-06-30 for USUBJID \\['P01'\\]"):
        derive_primary_endpoint(
            at("2024-06-30", adsl({"USUBJID": "P01"})), adtte, SAP, "2024-06-30"
        )


# --- best overall response (SAP 3.3) ---------------------------------------------------------


def bor(adsl_frame, adrs_frame, response=SAP.response, cutoff=CUTOFF):
    cut_adsl, cut_adrs = at(cutoff, adsl_frame), at(cutoff, adrs_frame, "ADRS")
    return derive_bor(cut_adsl, cut_adrs, response, cutoff).sort_values("USUBJID")


def test_bor_without_confirmation():
    rows = adsl(
        {"USUBJID": "R1"},
        {"USUBJID": "R2"},
        {"USUBJID": "R3"},
        {"USUBJID": "R4"},
        {"USUBJID": "R5"},
        {"USUBJID": "R6"},
    )
    rs = adrs(
        ("R1", SCREEN, "NE"),
        ("R1", "2023-02-12", "PR"),  # PR on day 43
        # SD on Feb 1: day 32, only 31 days after enrollment (< 35) -> NE
        ("R2", SCREEN, "NE"),
        ("R2", "2023-02-01", "SD"),
        # SD on Feb 5: 35 days after enrollment -> SD (day 36)
        ("R3", "2023-02-05", "SD"),
        # PD on Feb 12 after an early SD: PD; NED after surgery (Feb 26) is outside the window
        ("R4", "2023-01-20", "SD"),
        ("R4", "2023-02-12", "PD"),
        ("R4", "2023-05-27", "NED"),
        ("R5", SCREEN, "NE"),  # no post-baseline assessment
        # SD on day 43, then PR on the surgery date itself (Feb 26, day 57): pre-operative -> PR
        ("R6", "2023-02-12", "SD"),
        ("R6", "2023-02-26", "PR"),
        ("R6", "2023-05-27", "CR"),
    )
    expect(bor(rows, rs), pd.DataFrame({
        "USUBJID": ["R1", "R2", "R3", "R4", "R5", "R6"],
        "BOR": ["PR", "NE", "SD", "PD", "NE", "PR"],
        "BORDT": ["2023-02-12", None, "2023-02-05", "2023-02-12", None, "2023-02-26"],
        "BORREAS": ["PR at 2023-02-12 (day 43)",
                    "SD at 2023-02-01 (day 32): 31 days from enrollment < 35 -> NE",
                    "SD at 2023-02-05 (day 36)", "PD at 2023-02-12 (day 43)",
                    "no post-baseline assessment -> NE", "PR at 2023-02-26 (day 57)"],
        "ORRFL": ["Y", "N", "N", "N", "N", "Y"], "DCRFL": ["Y", "N", "Y", "N", "N", "Y"],
        "WINENDT": ["2023-02-26"] * 6, "WINENDRS": ["SURGERY"] * 6,
    }))  # fmt: skip


def test_bor_window_without_surgery():
    # R7: no surgery: window ends 12 weeks after enrollment, ENRLDT + 84 = Mar 26 (day 85); a PR
    #     on Mar 27 (day 86) is outside, so BOR is the SD of Feb 12.
    # R8: new anticancer therapy on Mar 1 (before Mar 26) ends the window; the PR on Mar 1 counts
    #     (on the day new therapy starts), the CR on Mar 20 does not.
    # R9: a PR on Mar 26 itself (day 85, the last day of the window) counts.
    rows = adsl(
        no_surgery(USUBJID="R7"),
        no_surgery(USUBJID="R8", NACTDT=T("2023-03-01")),
        no_surgery(USUBJID="R9"),
    )
    rs = adrs(
        ("R7", "2023-02-12", "SD"),
        ("R7", "2023-03-27", "PR"),
        ("R8", "2023-02-12", "SD"),
        ("R8", "2023-03-01", "PR"),
        ("R8", "2023-03-20", "CR"),
        ("R9", "2023-02-12", "SD"),
        ("R9", "2023-03-26", "PR"),
    )
    expect(bor(rows, rs), pd.DataFrame({
        "USUBJID": ["R7", "R8", "R9"], "BOR": ["SD", "PR", "PR"],
        "WINENDT": ["2023-03-26", "2023-03-01", "2023-03-26"],
        "WINENDRS": ["12 WEEKS", "NEW ANTICANCER THERAPY", "12 WEEKS"],
    }))  # fmt: skip
    # A cut-off inside the window ends it at the cut-off.
    window = derive_preop_window(at("2023-02-20", rows), SAP.response, "2023-02-20")
    assert window["WINENDT"].tolist() == [T("2023-02-20")] * 3
    assert window["WINENDRS"].tolist() == ["DATA CUT-OFF"] * 3


def test_bor_with_confirmation_required():
    confirm = SAP.response.model_copy(update={"confirmation_required": True})
    # The window needs to be long enough for a confirmation: surgery on Apr 1 (day 91).
    late = {"SURGDT": T("2023-04-01")}
    rows = adsl(
        {"USUBJID": "C1", **late},
        {"USUBJID": "C2", **late},
        {"USUBJID": "C3", **late},
        {"USUBJID": "C4", **late},
        {"USUBJID": "C5", **late},
    )
    rs = adrs(
        # PR Feb 12, PR Mar 12: 28 days apart (16 + 12) -> confirmed PR
        ("C1", "2023-02-12", "PR"),
        ("C1", "2023-03-12", "PR"),
        # PR Feb 12, PR Mar 11: 27 days -> neither confirmed; the first, 42 days after
        # enrollment (>= 35), counts as SD
        ("C2", "2023-02-12", "PR"),
        ("C2", "2023-03-11", "PR"),
        # CR Feb 12, then PR Mar 12 (28 days): CR not confirmed as CR, confirmed as PR
        ("C3", "2023-02-12", "CR"),
        ("C3", "2023-03-12", "PR"),
        # CR Feb 12, NE Mar 1, CR Mar 12: NE in between is allowed -> confirmed CR
        ("C4", "2023-02-12", "CR"),
        ("C4", "2023-03-01", "NE"),
        ("C4", "2023-03-12", "CR"),
        # PR Jan 20 (19 days after enrollment), SD in between, PR Mar 12: the SD breaks the
        # confirmation and the PR is too early for SD; the SD on Feb 12 (42 days) gives SD
        ("C5", "2023-01-20", "PR"),
        ("C5", "2023-02-12", "SD"),
        ("C5", "2023-03-12", "PR"),
    )
    got = bor(rows, rs, response=confirm)
    expect(got, pd.DataFrame({
        "USUBJID": ["C1", "C2", "C3", "C4", "C5"], "BOR": ["PR", "SD", "PR", "CR", "SD"],
        "BORREAS": ["PR at 2023-02-12 (day 43), confirmed 2023-03-12",
                    "unconfirmed PR at 2023-02-12 (day 43) -> SD",
                    "CR at 2023-02-12 (day 43), confirmed 2023-03-12 (CR confirmed as PR)",
                    "CR at 2023-02-12 (day 43), confirmed 2023-03-12",
                    "SD at 2023-02-12 (day 43)"],
    }))  # fmt: skip
    # The same data without confirmation: C2 is a PR and C3 a CR.
    assert bor(rows, rs)["BOR"].tolist() == ["PR", "PR", "CR", "CR", "PR"]


# --- best % change (SAP 3.3) -----------------------------------------------------------------


def adtr(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "STUDYID": "PROMIS",
                "USUBJID": u,
                "PARAMCD": "SUMDIAM",
                "AVISIT": "V",
                "ADT": T(d),
                "AVAL": float(v),
                "ABLFL": f,
            }
            for u, d, v, f in rows
        ],
        columns=["STUDYID", "USUBJID", "PARAMCD", "AVISIT", "ADT", "AVAL", "ABLFL"],
    )
    frame["ADT"] = frame["ADT"].astype("datetime64[ns]")
    return frame


def test_best_pct_change_uses_the_preoperative_window():
    rows = adsl({"USUBJID": "W1"}, {"USUBJID": "W2"}, {"USUBJID": "W3"})
    tr = adtr(
        # baseline 50; 35 on Feb 12, 30 on the surgery date (nadir); 0 after resection ignored:
        # (30 - 50) / 50 = -40 %
        ("W1", SCREEN, 50, "Y"),
        ("W1", "2023-02-12", 35, "N"),
        ("W1", "2023-02-26", 30, "N"),
        ("W1", "2023-05-27", 0, "N"),
        # growth only: (44 - 40) / 40 = +10 %
        ("W2", SCREEN, 40, "Y"),
        ("W2", "2023-02-12", 44, "N"),
        ("W3", SCREEN, 25, "Y"),  # no post-baseline measurement
    )
    got = derive_best_pct_change(
        at(CUTOFF, rows), at(CUTOFF, tr, "ADTR"), SAP.response, CUTOFF
    ).sort_values("USUBJID")
    expect(got, pd.DataFrame({
        "USUBJID": ["W1", "W2", "W3"], "BASESUM": [50.0, 40.0, 25.0],
        "NADIRSUM": [30.0, 44.0, np.nan], "NADIRDT": ["2023-02-26", "2023-02-12", None],
        "BESTPCHG": [-40.0, 10.0, np.nan],
    }))  # fmt: skip


# --- pathology (SAP 3.4) ---------------------------------------------------------------------


def test_huvos_grade_boundaries_and_non_operated_patients():
    # Lower bounds I 0, II 50, III 90, IV 100: 49.9 -> I; 50 -> II; 89.5, 89.9 -> II; 90 -> III;
    # 99.9 -> III; 100 -> IV. Good response = III-IV, complete = IV.
    pcts = [49.9, 50.0, 89.5, 89.9, 90.0, 99.9, 100.0]
    rows = adsl(
        *[{"USUBJID": f"H{i}", "NECRPCT": p} for i, p in enumerate(pcts)],
        {"USUBJID": "H7", "SURGOUT": "R1", "NECRPCT": 95.0},
        no_surgery(USUBJID="H8"),
        # operated after the cut-off: not operated at the cut-off
        {"USUBJID": "H9", "SURGDT": T("2025-07-15"), "NECRPCT": 100.0},
    )
    got = derive_pathology(at(CUTOFF, rows), SAP.pathology, CUTOFF)
    expect(got, pd.DataFrame({
        "USUBJID": [f"H{i}" for i in range(10)],
        "HUVOS": ["I", "II", "II", "II", "III", "III", "IV", "III", np.nan, np.nan],
        "GOODRESP": ["N", "N", "N", "N", "Y", "Y", "Y", "Y", "N", "N"],
        "COMPRESP": ["N", "N", "N", "N", "N", "N", "Y", "N", "N", "N"],
        "R0FL": ["Y"] * 7 + ["N", "N", "N"],
        "OPERFL": ["Y"] * 8 + ["N", "N"],
    }))  # fmt: skip


def test_every_adtte_rule_text_gives_back_its_own_id():
    """RULEID is the key of the RULES text a record's RULE starts with (SAP 3.2, 7.6, 8.4)."""
    landmark = RULES["L1"] + ": " + RULES["E4"]  # L1 keeps the EFS rule after its own text
    texts = pd.Series([*RULES.values(), landmark])
    assert rule_ids(texts).tolist() == [*RULES, "L1"]
    with pytest.raises(ValueError, match="names no rule of RULES: 'no rule named'"):
        rule_ids(pd.Series(["no rule named"]))
