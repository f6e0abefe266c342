"""Endpoint status at a cut-off (derive/endpoint_status.py): hand-made cases, expected values
reasoned from the SAP text (3.1, 3.3, 3.4, 5.5, 5.6, 7.2, 10.3) before running the code.

The shipped design is used throughout: n1 = 13, r1 = 3, n = 43 (SAP 5.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from osteo_stats.derive.cutoff import cut_dataset
from osteo_stats.derive.endpoint_status import (
    bor_pending,
    enrollment_order,
    primary_status,
    supportive_primary_status,
    surgery_pending,
)
from osteo_stats.derive.pathology import derive_pathology
from osteo_stats.derive.response import derive_preop_window
from osteo_stats.derive.tte import derive_primary_endpoint
from osteo_stats.sap import load_sap

SAP = load_sap()
DESIGN = SAP.design
CUT = "2026-04-30"
T = pd.Timestamp


def fas(statuses: list[str]) -> pd.DataFrame:
    """FAS patients P01, P02, ... enrolled one week apart, with the given PRIMSTAT."""
    n = len(statuses)
    return pd.DataFrame(
        {
            "USUBJID": [f"P{i + 1:02d}" for i in range(n)],
            "ENRLDT": [T("2023-01-02") + pd.Timedelta(weeks=i) for i in range(n)],
            "PRIMSTAT": statuses,
        }
    )


S, F, U = "SUCCESS", "FAILURE", "NOT EVALUABLE YET"


def test_the_design_used_here_is_the_shipped_one():
    assert (DESIGN.n1, DESIGN.r1, DESIGN.n) == (13, 3, 43)


def test_enrollment_order_is_enrldt_then_usubjid():
    # SAP 5.5/5.6: order of enrollment, ENRLDT then USUBJID.
    frame = pd.DataFrame(
        {
            "USUBJID": ["B", "A", "C", "D"],
            "ENRLDT": [T("2024-02-01"), T("2024-02-01"), T("2024-01-15"), T("2024-03-01")],
        }
    )
    assert enrollment_order(frame)["USUBJID"].tolist() == ["C", "A", "B", "D"]


def test_stage1_futility_stop_makes_design_inference_available():
    # SAP 5.5: 13 stage-1 patients all evaluable with S = 3 <= r1 -> stop for futility; the
    # rule is binding (7.2), so inference is available although only 23 are enrolled.
    status = primary_status(fas([S] * 3 + [F] * 10 + [U] * 10), DESIGN)
    assert (status.available, status.stopped_early, status.reason) == (
        True,
        True,
        "stopped after stage 1",
    )
    assert len(status.stage1) == 13 and len(status.population) == 23
    # SAP 7.2: after a futility stop x is the stage-1 count, even if later patients succeed.
    later = primary_status(fas([S] * 3 + [F] * 10 + [S] * 5 + [U] * 5), DESIGN)
    assert (later.stopped_early, later.successes) == (True, 3)


def test_stage1_not_complete_is_not_a_stop_even_with_few_successes():
    # 12 of 13 evaluable, S = 2: the 13th may still succeed (S = 3 would still stop, but the
    # count is not known), so no design-based result yet; 20 of 43 enrolled.
    status = primary_status(fas([S] * 2 + [F] * 10 + [U] * 8), DESIGN)
    assert (status.available, status.stopped_early) == (False, False)
    assert status.reason == "20 of 43 planned patients enrolled"


def test_continuing_to_stage_2_waits_for_all_43():
    # S = 4 >= r1 + 1: continue (SAP 5.5); 30 enrolled, so not available.
    status = primary_status(fas([S] * 4 + [F] * 9 + [U] * 17), DESIGN)
    assert (status.available, status.reason) == (False, "30 of 43 planned patients enrolled")


def test_43_enrolled_with_two_not_yet_evaluable():
    status = primary_status(fas([S] * 4 + [F] * 9 + [S] * 8 + [F] * 20 + [U] * 2), DESIGN)
    assert (status.available, status.reason) == (False, "2 of 43 patients not yet evaluable")


def test_only_the_first_43_by_enrollment_count():
    # SAP 5.6: a 44th patient is reported descriptively; being not evaluable does not hold
    # back the primary analysis. The 44th is given the EARLIEST USUBJID but the latest ENRLDT.
    frame = fas([S] * 5 + [F] * 8 + [S] * 10 + [F] * 20 + [U])
    frame.loc[43, "USUBJID"] = "P00"
    status = primary_status(frame.iloc[::-1], DESIGN)  # input order must not matter
    assert status.available and status.reason == "all patients evaluable"
    assert len(status.population) == 43 and "P00" not in set(status.population["USUBJID"])
    assert status.population["USUBJID"].iloc[0] == "P01"


# --- SAP 3.1 and 10.3: an N2 patient becomes F3 at the final analysis ---------------------


def _adsl_efs(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    adsl = pd.DataFrame(
        [
            {
                "USUBJID": r["USUBJID"],
                "ENRLDT": T(r["ENRLDT"]),
                "LSTALVDT": T(r["LSTALVDT"]),
                "EOSSTT": r["EOSSTT"],
                "DCSREAS": r.get("DCSREAS", np.nan),
                "EOSDT": T(r["EOSDT"]) if r.get("EOSDT") else pd.NaT,
                "DTHDT": pd.NaT,
                "FASFL": "Y",
            }
            for r in rows
        ]
    )
    efs = pd.DataFrame(
        [
            {
                "USUBJID": r["USUBJID"],
                "PARAMCD": "EFS",
                "ADT": T(r["ADT"]),
                "AVAL": r["AVAL"],
                "AVALM": r["AVAL"] / 30.4375,
                "CNSR": 1,
                "EVNTDESC": np.nan,
            }
            for r in rows
        ]
    )
    return adsl, efs


# N2: enrolled 2024-01-02, so LMDT = 2024-01-02 + 730 days = 2026-01-01; last adequate scan
# 2025-06-30 (AVAL 546, long before LMDT - 14 days), left follow-up on 2026-02-15, after LMDT,
# without the 24-month scan. Not S2 (no scan near LMDT), not F2 (left on or after LMDT), not N1
# (the cut-off 2026-04-30 is after LMDT): N2 at an interim, F3 at the final analysis.
N2 = dict(
    USUBJID="N2",
    ENRLDT="2024-01-02",
    LSTALVDT="2026-02-15",
    EOSSTT="DISCONTINUED",
    DCSREAS="WITHDRAWAL BY SUBJECT",
    EOSDT="2026-02-15",
    ADT="2025-06-30",
    AVAL=546,
)
# N1: enrolled 2025-01-02, LMDT 2027-01-02 is after the cut-off: never F3 (SAP 3.1 choice).
N1 = dict(
    USUBJID="N1",
    ENRLDT="2025-01-02",
    LSTALVDT="2026-04-20",
    EOSSTT="ONGOING",
    ADT="2026-04-01",
    AVAL=455,
)


@pytest.mark.parametrize(
    ("analysis_type", "expected"),
    [
        ("interim", {"N2": ("N2", U), "N1": ("N1", U)}),
        ("final", {"N2": ("F3", F), "N1": ("N1", U)}),
    ],
)
def test_n2_is_a_failure_f3_only_at_the_final_analysis(analysis_type, expected):
    adsl, efs = _adsl_efs([N2, N1])
    out = derive_primary_endpoint(adsl, efs, SAP, CUT, analysis_type).set_index("USUBJID")
    got = {u: (out.loc[u, "PRIMRULE"], out.loc[u, "PRIMSTAT"]) for u in expected}
    assert got == expected


@pytest.mark.parametrize(
    ("analysis_type", "available", "reason"),
    [
        ("interim", False, "1 of 43 patients not yet evaluable"),
        ("final", True, "all patients evaluable"),
    ],
)
def test_design_inference_at_the_final_analysis_counts_n2_as_failure(
    analysis_type, available, reason
):
    # 42 determined patients enrolled before N2 plus the N2 patient as the 43rd: at the interim
    # the primary result waits for N2; declared final, N2 is F3 and the result is available.
    adsl, efs = _adsl_efs([N2])
    n2 = derive_primary_endpoint(adsl, efs, SAP, CUT, analysis_type)
    others = fas([S] * 4 + [F] * 9 + [S] * 9 + [F] * 20)
    status = primary_status(pd.concat([others, n2[["USUBJID", "ENRLDT", "PRIMSTAT"]]]), DESIGN)
    assert (status.available, status.reason) == (available, reason)
    if available:
        assert status.population["PRIMSTAT"].value_counts().to_dict() == {F: 30, S: 13}
        assert status.successes == 13


def test_a_final_analysis_still_waits_for_an_n1_patient():
    adsl, efs = _adsl_efs([N1])
    n1 = derive_primary_endpoint(adsl, efs, SAP, CUT, "final")
    others = fas([S] * 4 + [F] * 9 + [S] * 9 + [F] * 20)
    status = primary_status(pd.concat([others, n1[["USUBJID", "ENRLDT", "PRIMSTAT"]]]), DESIGN)
    assert (status.available, status.reason) == (False, "1 of 43 patients not yet evaluable")


def test_supportive_status_does_not_count_f3_failures():
    # SAP 3.1: the supportive analysis (Table 14.2.4) excludes patients counted as failures only
    # because they are not evaluable at the final analysis; F1/F2 failures stay failures.
    frame = pd.DataFrame({"PRIMSTAT": [F, F, F, S, U], "PRIMRULE": ["F1", "F2", "F3", "S2", "N1"]})
    assert supportive_primary_status(frame).tolist() == [F, F, U, S, U]


# --- SAP 3.3: a BOR is pending while the pre-operative window is open ----------------------


def _preop_adsl() -> pd.DataFrame:
    # A: operated 2026-03-01 (window closed at surgery). B: surgery planned 2026-06-01, after the
    # cut-off, alive and on study (window open at an interim, whatever the week). C: enrolled
    # 2026-04-10, not yet operated, 20 days before the cut-off (window cut by the cut-off).
    # D: like B but discontinued on 2026-04-01 (off study: the window is not open).
    def row(u, enrl, surg, eosstt="ONGOING", eosdt=pd.NaT):
        surgdt = T(surg) if surg else pd.NaT
        return {
            "USUBJID": u,
            "ENRLDT": T(enrl),
            "SURGDT": surgdt,
            "SURGOUT": "R0" if surg else "PENDING",
            "SURGPLDT": T("2026-06-01"),
            "SURGNDRS": np.nan,
            "NECRPCT": 95.0 if surg else np.nan,
            "NACTDT": pd.NaT,
            "DTHDT": pd.NaT,
            "EOSSTT": eosstt,
            "EOSDT": eosdt,
            "DCSREAS": "WITHDRAWAL BY SUBJECT" if eosstt != "ONGOING" else np.nan,
            "LSTALVDT": T("2026-04-28"),
        }

    return pd.DataFrame(
        [
            row("A", "2026-01-05", "2026-03-01"),
            row("B", "2026-01-05", "2026-06-01"),
            row("C", "2026-04-10", None),
            row("D", "2026-01-05", None, "DISCONTINUED", T("2026-04-01")),
        ]
    )


def _preop_at_cut() -> pd.DataFrame:
    """ADSL as known at the cut-off (SAP 6.2): what every derivation receives."""
    return cut_dataset("ADSL", _preop_adsl(), CUT)


@pytest.mark.parametrize(("analysis_type", "pending"), [("interim", ["B", "C"]), ("final", [])])
def test_bor_pending_while_the_window_is_open_at_an_interim_only(analysis_type, pending):
    out = derive_preop_window(_preop_at_cut(), SAP.response, CUT, analysis_type)
    assert out.loc[bor_pending(out), "USUBJID"].tolist() == pending


# --- SAP 3.4: surgery pending, P3 at an interim, P4 at the final analysis ------------------


@pytest.mark.parametrize(
    ("analysis_type", "interim_pending", "final_pending"),
    [("interim", ["B", "C", "D"], []), ("final", [], ["B", "C", "D"])],
)
def test_surgery_pending_is_p3_at_an_interim_and_p4_at_the_final(
    analysis_type, interim_pending, final_pending
):
    # B's surgery is after the cut-off (the SAP 6.2 cut makes it PENDING), C and D are not
    # operated and SURGOUT is PENDING: all three are pending. A was operated.
    out = derive_pathology(_preop_at_cut(), SAP.pathology, CUT, analysis_type)
    assert out.loc[surgery_pending(out, final=False), "USUBJID"].tolist() == interim_pending
    assert out.loc[surgery_pending(out, final=True), "USUBJID"].tolist() == final_pending
