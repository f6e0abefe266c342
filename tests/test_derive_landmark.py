"""ADTTE parameter EFSSURG: EFS from a landmark at surgery (SAP 7.6 point 5), on hand-made cases.

SAP 7.6 point 5: post-SBRT biomarker values are measured on the resected specimen, so they are
analysed from a landmark at surgery: operated patients with no EFS event on or before SURGDT, time
from SURGDT, AVAL = date - SURGDT + 1. Everyone is enrolled on 2023-01-01 and operated on
2023-02-26 (study day 57) unless the row says otherwise; the study day of a 2023 date is its day
of the year (Feb 12 = 43, May 27 = 147, Oct 10 = 283, Dec 1 = 335), so AVAL from surgery is
study day - 57 + 1. Expected values are worked out by hand here, not printed by the code.
"""

from __future__ import annotations

import pandas as pd
from test_derive_efficacy import SAP, adrs, adsl, expect, no_surgery

from osteo_stats.derive.cutoff import cut_dataset
from osteo_stats.derive.tte import RULES, derive_adtte

T = pd.Timestamp
CUTOFF = "2025-06-30"


def landmark(adsl_frame: pd.DataFrame, adrs_frame: pd.DataFrame) -> pd.DataFrame:
    # the SAP 6.2 cut first, as derive_analysis_data does; the derivation never cuts again
    cut_adsl = cut_dataset("ADSL", adsl_frame, CUTOFF)
    cut_adrs = cut_dataset("ADRS", adrs_frame, CUTOFF)
    out = derive_adtte(cut_adsl, cut_adrs, SAP, CUTOFF, paramcds=["EFSSURG"])
    return out.sort_values("USUBJID", kind="stable").reset_index(drop=True)


def test_efs_from_surgery_keeps_operated_patients_event_free_at_surgery():
    patients = adsl(
        {"USUBJID": "P1"},  # recurrence on Oct 10 (day 283): event, 283 - 57 + 1 = 227 days
        {"USUBJID": "P2"},  # last adequate assessment Dec 1 (day 335): censored, 279 days
        {"USUBJID": "P3", "SURGOUT": "R1"},  # E2 incomplete resection ON SURGDT: not in the set
        {"USUBJID": "P4"},  # pre-operative PD on Feb 12, before surgery: not in the set
        no_surgery(USUBJID="P5"),  # not operated: not in the set
        {"USUBJID": "P6"},  # censored on Feb 12, before surgery: censored at day 1 of the landmark
        {"USUBJID": "P7", "DTHDT": T("2023-05-27")},  # death on day 147: event, 91 days
        {  # operated after the cut-off: not operated at the cut-off, not in the set
            "USUBJID": "P8",
            "ENRLDT": T("2025-05-01"),
            "SURGPLDT": T("2025-07-10"),
            "SURGDT": T("2025-07-15"),
        },
    )
    assessments = adrs(
        ("P1", "2023-05-27", "NED"),
        ("P1", "2023-10-10", "PD", "Y"),
        ("P2", "2023-05-27", "NED"),
        ("P2", "2023-12-01", "NED"),
        ("P4", "2023-02-12", "PD"),
        ("P6", "2023-02-12", "SD"),
    )
    got = landmark(patients, assessments)
    expect(
        got,
        pd.DataFrame(
            {
                "USUBJID": ["P1", "P2", "P6", "P7"],
                "PARAMCD": "EFSSURG",
                "STARTDT": T("2023-02-26"),
                "ADT": ["2023-10-10", "2023-12-01", "2023-02-26", "2023-05-27"],
                "AVAL": [227.0, 279.0, 1.0, 91.0],
                "AVALM": [227 / 30.4375, 279 / 30.4375, 1 / 30.4375, 91 / 30.4375],
                "CNSR": [0, 1, 1, 0],
            }
        ),
    )
    # The rule names the landmark and, for a record carried over from EFS, the EFS rule behind it.
    assert got["RULE"].tolist() == [
        f"{RULES['L1']}: {RULES['E4']}",
        f"{RULES['L1']}: {RULES['C1']}",
        RULES["L2"],
        f"{RULES['L1']}: {RULES['E6']}",
    ]
    assert got["RULE"].str.startswith("SAP 7.6").all()
    assert got["EVNTDESC"].tolist()[0] == "Post-operative recurrence"
    assert (got["SRCDOM"].tolist()[2], got["SRCVAR"].tolist()[2]) == ("ADSL", "SURGDT")


def test_efs_from_surgery_event_on_the_surgery_day_excludes_censoring_does_not():
    # SAP 7.6: "no EFS event on or before SURGDT". A death on the surgery day is an event on
    # SURGDT: excluded. An adequate assessment on the surgery day without an event is a
    # censoring on SURGDT: kept, AVAL = 0 + 1 = 1 day, censored.
    patients = adsl(
        {"USUBJID": "Q1", "DTHDT": T("2023-02-26")},
        {"USUBJID": "Q2"},
    )
    got = landmark(patients, adrs(("Q2", "2023-02-26", "SD")))
    expect(
        got,
        pd.DataFrame({"USUBJID": ["Q2"], "ADT": ["2023-02-26"], "AVAL": [1.0], "CNSR": [1]}),
    )
