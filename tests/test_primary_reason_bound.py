"""PRIMREAS, the audit text of the primary endpoint status (SAP 3.1), is short by construction.

Issue 19: an F3 reason was 233 bytes and the export refused it. The text is built from the rule
id, dates (10 characters each), the month of an event, the SAP landmark, coded values (EOSSTT,
DCSREAS of the data model) and the EFS event descriptions of the package
(:data:`~osteo_stats.derive.tte.EVENT_DESCRIPTIONS`). This test derives the status for every rule
and every combination of those inputs -- every event description, every end-of-study status and
reason, dates at the limits of each rule and at both ends of the date range pandas holds, interim
and final analysis, both ``lost_before_landmark`` settings and three landmarks -- and checks that
every text is at most 200 UTF-8 bytes (the SAS transport v5 limit of a character value, so the
XPT needs no continuation variable for it) and starts with its rule id.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from osteo_stats.derive.tte import EVENT_DESCRIPTIONS, derive_primary_endpoint
from osteo_stats.load.schemas import dataset_specs
from osteo_stats.sap import load_sap

SAP = load_sap()
LIMIT = 200
DCSREAS = (np.nan, *dataset_specs(SAP)["ADSL"].col("DCSREAS").allowed)
#: Enrollment dates from the earliest to the latest that leave room for a landmark of 120 months
#: and a cut-off after it within pandas' datetime range (1677-09-22 to 2262-04-11).
ENROLLED = ("1678-01-01", "2025-01-10", "2250-06-30")
DAY = pd.Timedelta(days=1)


def _with(landmark: float, lost: str):
    pe = SAP.primary_endpoint.model_copy(
        update={"landmark_months": landmark, "lost_before_landmark": lost}
    )
    return SAP.model_copy(update={"primary_endpoint": pe})


def _patients(enrolled: pd.Timestamp, lmdt: pd.Timestamp, cut: pd.Timestamp):
    """ADSL and EFS rows for every path through the rules, all dated on or before ``cut``."""
    window = pd.Timedelta(days=SAP.efs.assessment_window_days)
    rows, efs = [], []

    def add(adt, cnsr, desc, eosstt, dcsreas, eosdt, alive):
        usubjid = f"P{len(rows):05d}"
        rows.append(
            {"USUBJID": usubjid, "ENRLDT": enrolled, "EOSSTT": eosstt, "DCSREAS": dcsreas,
             "EOSDT": eosdt, "LSTALVDT": alive}
        )  # fmt: skip
        aval = (adt - enrolled).days + 1.0
        efs.append(
            {"USUBJID": usubjid, "PARAMCD": "EFS", "ADT": adt, "AVAL": aval,
             "AVALM": aval / SAP.time.days_per_month, "CNSR": cnsr, "EVNTDESC": desc}
        )  # fmt: skip

    event_days = [enrolled, lmdt - DAY, lmdt, cut]
    censor_days = [enrolled, lmdt - window - DAY, lmdt - window, lmdt, cut]
    ends = [lmdt - DAY, lmdt, cut]
    for adt, desc in itertools.product(event_days, EVENT_DESCRIPTIONS):
        if adt <= cut:
            add(adt, 0, desc, "ONGOING", np.nan, pd.NaT, cut)
    for adt, alive in itertools.product(censor_days, [lmdt - DAY, lmdt, cut]):
        if adt <= cut and alive <= cut:
            add(adt, 1, np.nan, "ONGOING", np.nan, pd.NaT, max(alive, adt))
            for eosstt, dcsreas, eosdt in itertools.product(
                ("COMPLETED", "DISCONTINUED"), DCSREAS, ends
            ):
                if eosdt <= cut:
                    add(adt, 1, np.nan, eosstt, dcsreas, eosdt, max(alive, adt))
    adsl = pd.DataFrame(rows)
    for column in ("ENRLDT", "EOSDT", "LSTALVDT"):
        adsl[column] = pd.to_datetime(adsl[column]).astype("datetime64[ns]")
    adtte = pd.DataFrame(efs)
    adtte["ADT"] = pd.to_datetime(adtte["ADT"]).astype("datetime64[ns]")
    return adsl, adtte


def _reasons(landmark: float, lost: str, analysis_type: str, after_landmark: bool):
    sap = _with(landmark, lost)
    out = []
    for enrolled in map(pd.Timestamp, ENROLLED):
        probe = derive_primary_endpoint(
            pd.DataFrame({"USUBJID": ["X"], "ENRLDT": [enrolled], "EOSSTT": ["ONGOING"],
                          "DCSREAS": [np.nan], "EOSDT": [pd.NaT], "LSTALVDT": [enrolled]}),
            pd.DataFrame({"USUBJID": ["X"], "PARAMCD": ["EFS"], "ADT": [enrolled], "AVAL": [1.0],
                          "AVALM": [0.0], "CNSR": [1], "EVNTDESC": [np.nan]}),
            sap, enrolled, analysis_type,
        )  # fmt: skip
        lmdt = probe["PRIMLMDT"].iloc[0]
        cut = lmdt + pd.Timedelta(days=400) if after_landmark else lmdt - DAY
        adsl, adtte = _patients(enrolled, lmdt, cut)
        out.append(derive_primary_endpoint(adsl, adtte, sap, cut, analysis_type))
    return pd.concat(out, ignore_index=True)


@pytest.mark.parametrize("landmark", [24, 18.5, 120])
def test_every_primary_reason_fits_200_bytes_for_every_rule_and_date(landmark):
    seen: set[str] = set()
    longest = ""
    for lost, analysis_type, after in itertools.product(
        ("failure", "exclude"), ("interim", "final"), (False, True)
    ):
        got = _reasons(landmark, lost, analysis_type, after)
        starts = [
            r.startswith(f"SAP 3.1 {rule} ")
            for r, rule in zip(got.PRIMREAS, got.PRIMRULE, strict=True)
        ]
        assert all(starts)
        nbytes = got["PRIMREAS"].map(lambda v: len(v.encode("utf-8")))
        longest = max(longest, got["PRIMREAS"].iloc[int(nbytes.argmax())], key=len)
        assert nbytes.max() <= LIMIT, got["PRIMREAS"].iloc[int(nbytes.argmax())]
        seen |= set(got["PRIMRULE"])
    # every rule of SAP 3.1 was reached (X1 replaces F2 when the SAP excludes)
    assert seen == {"F1", "S1", "S2", "F2", "X1", "N1", "N2", "F3"}, seen
    assert len(longest.encode("utf-8")) > 150  # the grid reached the long texts


def test_event_descriptions_cover_every_efs_event_of_the_shipped_trial(shipped_ad):
    adtte = shipped_ad.adtte
    events = adtte.loc[adtte["CNSR"].eq(0) & adtte["PARAMCD"].eq("EFS"), "EVNTDESC"]
    assert set(events) <= set(EVENT_DESCRIPTIONS)
    assert len(set(events)) >= 3
