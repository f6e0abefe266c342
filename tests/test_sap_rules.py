"""Rules where the code departed from the SAP (issue 10, section 3), on hand-made cases.

Each expected value is worked out from the SAP text in the comments, before the code was changed;
each test failed on the code before the fix.

Date arithmetic used below (2024 is a leap year, 2025 is not):

- enrolled 2024-01-02: 2024-01-02 + 365 days = 2025-01-01, + 365 = 2026-01-01, so the 24-month
  date LMDT = ENRLDT + 730 days (SAP 3.1: study day 731) = 2026-01-01, and an adequate 24-month
  assessment must be on or after LMDT - 14 days = 2025-12-18.
- enrolled 2025-01-10: LMDT = 2025-01-10 + 730 = 2027-01-10 (no 29 February in between).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from minimal_trial import write_trial
from test_derive_efficacy import SAP, T, adrs, adsl, at

from osteo_stats.derive.analysis_data import (
    choose_analysis_type,
    derive_analysis_data,
    planned_end_of_study,
)
from osteo_stats.derive.response import derive_best_pct_change, derive_bor
from osteo_stats.derive.tte import derive_primary_endpoint
from osteo_stats.load import load_trial
from osteo_stats.sap import load_sap
from osteo_stats.tlf.efficacy import build_efficacy_tlfs

CUT = "2026-04-30"  # after every 24-month date below except N1's


def _efs_censored(rows: dict[str, str], enrolled: dict[str, str]) -> pd.DataFrame:
    """EFS records censored at the last adequate assessment (the only EFS input of SAP 3.1
    rules S2-N2), AVAL = ADT - ENRLDT + 1 days (SAP 6.1)."""
    ids = list(rows)
    adt = pd.to_datetime([rows[u] for u in ids])
    start = pd.to_datetime([enrolled[u] for u in ids])
    aval = (adt - start).days.to_numpy() + 1.0
    return pd.DataFrame(
        {
            "USUBJID": ids,
            "PARAMCD": "EFS",
            "ADT": adt,
            "AVAL": aval,
            "AVALM": aval / 30.4375,
            "CNSR": 1,
            "EVNTDESC": np.nan,
        }
    )


def _after_landmark_patients():
    left = {"EOSSTT": "COMPLETED", "DCSREAS": np.nan}
    rows = adsl(
        # The example: completed after the 24-month date, last adequate scan 2025-08-25
        # (< 2025-12-18): no 24-month assessment. SAP 3.1 F2 needs EOSDT < LMDT; it is not, so
        # the patient is N2 ("LMDT has passed but the 24-month assessment ... is not in the data").
        {"USUBJID": "A", "ENRLDT": T("2024-01-02"), "EOSDT": T("2026-02-15"),
         "LSTALVDT": T("2026-02-15"), **left},
        # Completed on the 24-month date itself: EOSDT < LMDT is false -> N2 as well.
        {"USUBJID": "B", "ENRLDT": T("2024-01-02"), "EOSDT": T("2026-01-01"),
         "LSTALVDT": T("2026-01-01"), **left},
        # Completed the day before the 24-month date: F2 failure (SAP 3.1 names COMPLETED).
        {"USUBJID": "C", "ENRLDT": T("2024-01-02"), "EOSDT": T("2025-12-31"),
         "LSTALVDT": T("2025-12-31"), **left},
        # Withdrew after the 24-month date without the assessment: N2.
        {"USUBJID": "D", "ENRLDT": T("2024-01-02"), "EOSSTT": "DISCONTINUED",
         "DCSREAS": "WITHDRAWAL BY SUBJECT", "EOSDT": T("2026-03-01"),
         "LSTALVDT": T("2026-03-01")},
        # Completed after the 24-month date WITH an assessment on 2025-12-20 (>= 2025-12-18)
        # and alive on 2026-01-01: S2 success whatever the analysis type.
        {"USUBJID": "E", "ENRLDT": T("2024-01-02"), "EOSDT": T("2026-02-15"),
         "LSTALVDT": T("2026-02-15"), **left},
        # Ongoing, enrolled 2025-01-10: cut-off 2026-04-30 < LMDT 2027-01-10 -> N1.
        {"USUBJID": "N", "ENRLDT": T("2025-01-10"), "LSTALVDT": T("2026-04-20")},
    )  # fmt: skip
    enrolled = {"A": "2024-01-02", "B": "2024-01-02", "C": "2024-01-02", "D": "2024-01-02",
                "E": "2024-01-02", "N": "2025-01-10"}  # fmt: skip
    efs = _efs_censored(
        {"A": "2025-08-25", "B": "2025-08-25", "C": "2025-08-25", "D": "2025-08-25",
         "E": "2025-12-20", "N": "2026-04-01"},
        enrolled,
    )  # fmt: skip
    return rows, efs


def test_leaving_follow_up_after_the_landmark_is_not_yet_evaluable_at_an_interim():
    rows, efs = _after_landmark_patients()
    got = derive_primary_endpoint(at(CUT, rows), efs, SAP, CUT)
    assert got["PRIMLMDT"].tolist() == [T("2026-01-01")] * 5 + [T("2027-01-10")]
    assert got["PRIMSTAT"].tolist() == [
        "NOT EVALUABLE YET", "NOT EVALUABLE YET", "FAILURE", "NOT EVALUABLE YET", "SUCCESS",
        "NOT EVALUABLE YET",
    ]  # fmt: skip
    assert got["PRIMRULE"].tolist() == ["N2", "N2", "F2", "N2", "S2", "N1"]
    assert got["PRIMREAS"][0] == (
        "SAP 3.1 N2 COMPLETED on 2026-02-15, event-free, without S2 follow-up to the 24-month "
        "date 2026-01-01 (adequate assessment from 2025-12-18, alive on 2026-01-01)"
    )
    assert got["PRIMREAS"][2].startswith("SAP 3.1 F2 left follow-up event-free")


def test_final_analysis_counts_the_residual_not_evaluable_patients_as_failures():
    # SAP 3.1: "If some remain under N2 (...) they are counted as failures in the primary
    # analysis" -- at the final analysis only. N1 (the 24-month date not yet reached) cannot be
    # decided and stays not evaluable; the other rules do not depend on the analysis type.
    rows, efs = _after_landmark_patients()
    got = derive_primary_endpoint(at(CUT, rows), efs, SAP, CUT, analysis_type="final")
    assert got["PRIMSTAT"].tolist() == [
        "FAILURE", "FAILURE", "FAILURE", "FAILURE", "SUCCESS", "NOT EVALUABLE YET",
    ]  # fmt: skip
    assert got["PRIMRULE"].tolist() == ["F3", "F3", "F2", "F3", "S2", "N1"]
    assert got["PRIMREAS"][0] == (
        "SAP 3.1 F3 (N2 at the final analysis) COMPLETED on 2026-02-15, event-free, without S2 "
        "follow-up to the 24-month date 2026-01-01 (adequate assessment from 2025-12-18, alive "
        "on 2026-01-01)"
    )
    with pytest.raises(ValueError, match="'provisional' is not an analysis type"):
        derive_primary_endpoint(at(CUT, rows), efs, SAP, CUT, analysis_type="provisional")


# --- SAP 3.3: the response window of a patient whose surgery is pending -----------------------

# Enrolled 2023-01-01 (the default): 12 weeks = ENRLDT + 84 days = 2023-03-26 (study day 85).
# Cut-off 2023-04-20 (day 110), past week 12.
RESP_CUT = "2023-04-20"


def _pending_patients():
    pending = {"SURGDT": pd.NaT, "SURGOUT": "PENDING", "NECRPCT": np.nan}
    rows = adsl(
        # P1: surgery PENDING at the cut-off, no new therapy, on study: the window ends at surgery,
        # which has not happened, so it is still open (SAP 3.3) -> not yet evaluable at an
        # interim; the provisional BOR covers every assessment so far (up to the cut-off):
        # SD on Feb 12 (day 43), PR on Apr 10 (day 100) -> provisional PR.
        {"USUBJID": "P1", **pending},
        # P2: the same, but discontinued on Apr 15: the window is closed by the SAP rule for
        # patients without surgery (12 weeks): SD only (the PR on day 100 is outside).
        {"USUBJID": "P2", **pending, "EOSSTT": "DISCONTINUED", "DCSREAS": "WITHDRAWAL BY SUBJECT",
         "EOSDT": T("2023-04-15")},
        # P3: pending with new anticancer therapy on Mar 20: window closed at NACTDT; SD.
        {"USUBJID": "P3", **pending, "NACTDT": T("2023-03-20")},
        # P4: operated on Feb 26 (default): window SURGERY; SD.
        {"USUBJID": "P4"},
    )  # fmt: skip
    rs = adrs(
        ("P1", "2023-02-12", "SD"), ("P1", "2023-04-10", "PR"),
        ("P2", "2023-02-12", "SD"), ("P2", "2023-04-10", "PR"),
        ("P3", "2023-02-12", "SD"), ("P3", "2023-04-10", "PR"),
        ("P4", "2023-02-12", "SD"),
    )  # fmt: skip
    return rows, rs


def test_pending_surgery_keeps_the_response_window_open_at_an_interim():
    rows, rs = _pending_patients()
    got = derive_bor(
        at(RESP_CUT, rows), at(RESP_CUT, rs, "ADRS"), SAP.response, RESP_CUT
    ).sort_values("USUBJID")
    assert got["WINENDT"].tolist() == [
        T("2023-04-20"), T("2023-03-26"), T("2023-03-20"), T("2023-02-26"),
    ]  # fmt: skip
    assert got["WINENDRS"].tolist() == [
        "DATA CUT-OFF", "12 WEEKS", "NEW ANTICANCER THERAPY", "SURGERY",
    ]  # fmt: skip
    assert got["WINOPENFL"].tolist() == ["Y", "N", "N", "N"]
    assert got["BOR"].tolist() == ["PR", "SD", "SD", "SD"]
    # The waterfall uses the same window.
    assert derive_best_pct_change(at(RESP_CUT, rows), _no_tr(), SAP.response, RESP_CUT)[
        "WINENDT"
    ].tolist()[0] == T("2023-04-20")


def test_no_response_window_is_open_at_the_final_analysis():
    # SAP 3.3: "At the final analysis this category is empty": a patient still pending is
    # scored on the rule for patients without surgery (12 weeks, 2023-03-26): SD.
    rows, rs = _pending_patients()
    got = derive_bor(
        at(RESP_CUT, rows), at(RESP_CUT, rs, "ADRS"), SAP.response, RESP_CUT, analysis_type="final"
    )
    got = got.sort_values("USUBJID")
    assert got["WINENDT"].tolist()[0] == T("2023-03-26")
    assert got["WINENDRS"].tolist()[0] == "12 WEEKS"
    assert got["WINOPENFL"].tolist() == ["N", "N", "N", "N"]
    assert got["BOR"].tolist() == ["SD", "SD", "SD", "SD"]


def test_a_window_capped_by_an_early_cutoff_is_open_for_patients_on_study():
    # Cut-off 2023-02-20 (day 51), before surgery (Feb 26) and before week 12: every window is
    # capped at the cut-off and open for the on-study patient; a patient who died on Feb 15 has
    # a closed window (no assessment can follow).
    rows = adsl({"USUBJID": "Q1"}, {"USUBJID": "Q2", "DTHDT": T("2023-02-15")})
    got = derive_bor(
        at("2023-02-20", rows), adrs(("Q1", "2023-02-12", "SD")), SAP.response, "2023-02-20"
    )
    assert got["WINENDRS"].tolist() == ["DATA CUT-OFF", "DATA CUT-OFF"]
    assert got["WINOPENFL"].tolist() == ["Y", "N"]


def _no_tr() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": pd.Series(dtype=object),
            "PARAMCD": pd.Series(dtype=object),
            "ADT": pd.Series(dtype="datetime64[ns]"),
            "AVAL": pd.Series(dtype=float),
            "ABLFL": pd.Series(dtype=object),
        }
    )


# --- the shipped trial: tables follow the derivations ----------------------------------------

SHIPPED = Path("data/synthetic")


@pytest.fixture(scope="module")
def shipped(shipped_trial):
    return shipped_trial, load_sap()


def _tlfs(ad) -> dict:
    return {o.tlf.label: o for o in build_efficacy_tlfs(ad)}


def test_orr_at_may_2024_leaves_the_pending_patient_out_of_the_denominator(shipped_analysis):
    # Cut-off 2024-05-10: 43 patients enrolled; PROMIS-01-023 (enrolled 2024-02-12, surgery
    # planned 2024-04-08) still has SURGOUT PENDING, so its window is open (SAP 3.3): it is not
    # yet evaluable, and ORR is 6 / (43 - 1) = 6/42 (issue 10: the code gave 6/43).
    ad = shipped_analysis(date(2024, 5, 10))
    tlfs = _tlfs(ad)
    bor = tlfs["Table 14.2.5"].ard
    assert bor.value("EFF-BOR-01", "n", parameter="BOR", group={"BOR": "NOT YET EVALUABLE"}) == 1
    assert bor.value("EFF-BOR-01", "N", parameter="BOR") == 43
    orr = tlfs["Table 14.2.6"].ard
    assert orr.value("EFF-ORR-01", "n", parameter="ORR", analysis_set="FAS") == 6
    assert orr.value("EFF-ORR-01", "N", parameter="ORR", analysis_set="FAS") == 42
    # Listing 16.2.6.1 marks that patient's BOR, and only that one, as provisional.
    body = tlfs["Listing 16.2.6.1"].tlf.body
    flagged = body.loc[body["BOR provisional"] == "Yes", "Patient"].tolist()
    assert flagged == ["PROMIS-01-023"]
    assert any("BOR provisional = Yes" in note for note in tlfs["Listing 16.2.6.1"].tlf.footnotes)


def _with_one_residual_n2(tmp_path: Path) -> Path:
    """The shipped trial with PROMIS-01-021's assessments from 2025-11-12 on removed.

    Enrolled 2023-11-27, its 24-month date is 2025-11-26 (2023-11-27 + 730 days, with
    2024-02-29 in between); an adequate assessment must be on or after 2025-11-12. Without the
    scans of 2025-12-01 and 2026-02-16 it is ongoing, event-free, alive on 2025-11-26 but
    without the 24-month assessment: N2 at the extract's cut-off 2026-04-30. It was a success
    (S2); the other 42 patients are 13 successes and 29 failures.
    """
    tables = {
        f.stem.upper(): pd.read_csv(f, dtype=str, keep_default_na=False)
        for f in SHIPPED.glob("*.csv")
    }
    rs = tables["ADRS"]
    drop = (rs["USUBJID"] == "PROMIS-01-021") & (rs["ADT"] >= "2025-11-12")
    assert drop.sum() == 2
    tables["ADRS"] = rs.loc[~drop]
    return write_trial(tables, tmp_path / "data")


def test_one_residual_not_evaluable_patient_no_longer_withholds_the_final_result(shipped, tmp_path):
    sap = shipped[1]
    trial = load_trial(_with_one_residual_n2(tmp_path), sap)
    interim = _tlfs(derive_analysis_data(trial, sap))["Table 14.2.1"]
    primary = {"parameter": "PRIMARY", "analysis_set": "FAS"}
    assert interim.ard.value(
        "EFF-PRIM-01", "n", group={"STATUS": "NOT EVALUABLE YET"}, **primary
    ) == 1  # fmt: skip
    body = interim.tlf.body.to_string()
    assert "Not yet available at this cut-off (1 of 43 patients not yet evaluable)" in body

    ad = derive_analysis_data(trial, sap, analysis_type="final")
    assert ad.analysis_type == "final"
    tlfs = _tlfs(ad)
    ard = tlfs["Table 14.2.1"].ard
    design = {"METHOD": "DESIGN-BASED"}
    # 13 successes among 43: more than r = 12, so H0 is rejected; the stage-wise p-value at
    # x = 13 equals the attained alpha 0.0496 (SAP 7.2).
    assert ard.value("EFF-PRIM-01", "n", group={"STATUS": "SUCCESS"}, **primary) == 13
    assert ard.value("EFF-PRIM-01", "n", group={"STATUS": "FAILURE"}, **primary) == 30
    assert ard.value("EFF-PRIM-01", "n", group={"STATUS": "FAILURE", "RULE": "F3"}, **primary) == 1
    assert ard.value("EFF-PRIM-01", "n", group=design, **primary) == 13
    assert round(ard.value("EFF-PRIM-01", "p_value", group=design, **primary), 4) == 0.0496
    assert ard.value("EFF-PRIM-01", "crossed", group=design, **primary) == 1
    # The supportive analysis excludes that patient: 13 successes among 42 evaluable.
    sens = tlfs["Table 14.2.4"].ard
    keys = {"parameter": "PRIMARY", "analysis_set": "FAS"}
    assert sens.value("EFF-PRIM-03", "n", group={"STATUS": "NOT EVALUABLE YET"}, **keys) == 1
    assert sens.value("EFF-PRIM-03", "N", group={"METHOD": "NAIVE"}, **keys) == 42
    assert sens.value("EFF-PRIM-03", "n", group={"METHOD": "NAIVE"}, **keys) == 13


def test_planned_end_of_the_shipped_study(shipped):
    # The 43rd (last) patient was enrolled on 2024-02-19; + 730 days = 2026-02-18
    # (2024-02-19 + 366 = 2025-02-19 across 2024-02-29, + 364 = 2026-02-18).
    trial, sap = shipped
    assert planned_end_of_study(trial.adsl, sap, trial.cutoff) == date(2026, 2, 18)
    # At 2023-06-30 fewer than 43 patients are enrolled: the end cannot be dated yet.
    assert planned_end_of_study(trial.adsl, sap, date(2023, 6, 30)) is None
    # report final defaults to final from the planned end on; before it, an interim look.
    final = choose_analysis_type(trial, sap, date(2026, 2, 18), None, "final")
    assert final.analysis_type == "final" and final.warning is None
    early = choose_analysis_type(trial, sap, date(2026, 2, 17), None, "final")
    assert early.analysis_type == "interim"
    assert "before the planned end of the study (2026-02-18" in early.warning
    assert "INTERIM LOOK" in early.warning and "--analysis final" in early.warning
    declared = choose_analysis_type(trial, sap, date(2026, 2, 17), "final", "final")
    assert declared.analysis_type == "final" and declared.declared
    assert choose_analysis_type(trial, sap, None, None, "interim").analysis_type == "interim"


# --- the analysis type on the cover, the provenance page, the ARD and the command line --------


def _html(ad, kind: str) -> str:
    from osteo_stats.render.context import build_report_context
    from osteo_stats.render.report import render_report_html

    return render_report_html(kind, build_report_context(ad, ["osteo-stats"]), [])


def test_final_report_before_the_planned_end_says_it_is_an_interim_look(shipped, shipped_analysis):
    trial, sap = shipped
    early = choose_analysis_type(trial, sap, date(2025, 6, 30), None, "final")
    html = _html(
        shipped_analysis(date(2025, 6, 30), analysis_type=early.analysis_type),
        "final",
    )
    assert (
        '<p class="cover-interim">Interim look: the data cut-off 2025-06-30 is before the '
        "planned end of the study, 2026-02-18 (the 24-month date of patient 43)."
    ) in html
    assert "Interim look, not the final analysis (SAP 10.3)." in html
    assert '<dd class="analysis-type">interim: Interim analysis.' in html  # provenance page

    final = _html(shipped_analysis(analysis_type="final"), "final")
    assert '<p class="cover-interim">' not in final
    assert '<dd class="analysis-type">Final analysis (SAP 10.3)' in final
    assert '<dd class="analysis-type">final: Final analysis (SAP 10.3)' in final

    declared = _html(shipped_analysis(date(2025, 6, 30), analysis_type="final"), "final")
    assert (
        "Declared final (--analysis final) before the planned end of the study, 2026-02-18"
    ) in declared


def test_analyze_records_the_analysis_type_in_the_ard_and_warns_on_an_interim_look(tmp_path):
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    runner = CliRunner()
    out = tmp_path / "early"
    result = runner.invoke(
        app, ["analyze", "--cutoff", "2025-06-30", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "this is an INTERIM LOOK, not the final analysis" in result.output
    ard = pd.read_csv(out / "ard.csv", dtype=str, keep_default_na=False)
    assert ard.columns[0] == "analysis_type" and set(ard["analysis_type"]) == {"interim"}

    out = tmp_path / "declared"
    result = runner.invoke(
        app,
        ["analyze", "--cutoff", "2025-06-30", "--analysis", "final", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "INTERIM LOOK" not in result.output
    ard = pd.read_csv(out / "ard.csv", dtype=str, keep_default_na=False)
    assert set(ard["analysis_type"]) == {"final"}
    assert '"analysis_type": "final"' in (out / "ard.json").read_text()
    for command in (["report", "dmc"], ["report", "final"], ["analyze"]):
        help_text = runner.invoke(app, [*command, "--help"]).output
        assert "--analysis" in help_text


# --- SAP 2.1: planned accrual at the data cut-off ----------------------------------------------


@pytest.mark.parametrize(
    ("cutoff", "days", "shown"),
    [
        # First enrollment 2022-04-28. Plan (SAP 2.1): 43 x min(1, days / (24 x 30.4375 = 730.5)).
        # 2023-06-30: 365 + 63 (Apr 28 -> Jun 30) = 428 days -> 43 x 428 / 730.5 = 25.19
        (date(2023, 6, 30), 428, "25.2"),
        # 2024-03-31, after the last enrollment (2024-02-19) but before the plan ends:
        # 365 + 366 (2023-04-28 -> 2024-04-28) - 28 (Mar 31 -> Apr 28) = 703 days -> 41.38.
        # (The code took the plan at the end of February 2024, 672 days: 39.6.)
        (date(2024, 3, 31), 703, "41.4"),
        # 2026-04-30: more than 730.5 days after the first enrollment -> the whole plan, 43.
        (date(2026, 4, 30), None, "43"),
    ],
)
def test_planned_accrual_is_evaluated_at_the_cutoff(shipped_analysis, cutoff, days, shown):
    from osteo_stats.render.summary import committee_summary
    from osteo_stats.tlf.disposition import build_disposition_tlfs

    outputs = {o.tlf.label: o for o in build_disposition_tlfs(shipped_analysis(cutoff))}
    table = outputs["Table 14.1.3"]
    planned = table.ard.value(
        "DSP-ACCR-01", "expected", parameter="CUMULATIVE ENROLLED", group={"AT": "DATA CUT-OFF"}
    )
    assert planned == pytest.approx(43 * days / 730.5 if days else 43.0, abs=1e-9)
    last = table.tlf.body.iloc[-1]
    # The table shows the plan with one decimal, like its monthly rows; the summary as a count.
    assert (last.iloc[0], last.iloc[3]) == ("Total at the data cut-off", f"{planned:.1f}")
    summary = committee_summary(table.ard, {}, 43, 0, 0, 1, accrual_shortfall=0.90)
    lines = {line.label: line.value for block in summary.blocks for line in block.lines}
    assert lines["Planned by the data cut-off"] == shown


# --- SAP 9.4: the last toxicity look when fewer than 43 patients are treated -----------------


def test_last_reachable_toxicity_look():
    from osteo_stats.analyse.toxicity import last_reachable_look

    looks = [5, 10, 15, 20, 25, 30, 35, 40, 43]
    # Enrollment complete with 42 treated: 43 cannot be reached; the largest n_k <= 42 is 40,
    # look 8.
    assert last_reachable_look(looks, n_treated=42, enrollment_complete=True) == 8
    assert last_reachable_look(looks, n_treated=43, enrollment_complete=True) == 9
    assert last_reachable_look(looks, n_treated=40, enrollment_complete=True) == 8
    assert last_reachable_look(looks, n_treated=39, enrollment_complete=True) == 7
    # Fewer than 5 treated: no look at all.
    assert last_reachable_look(looks, n_treated=4, enrollment_complete=True) is None
    # While enrollment is open every planned look can still be reached.
    assert last_reachable_look(looks, n_treated=12, enrollment_complete=False) == 9


def test_toxicity_table_names_the_last_look_when_43_cannot_be_reached(shipped_ad):
    # The shipped trial: 43 enrolled, 42 treated (PROMIS-02-010 never dosed), 40 evaluable at
    # the extract's cut-off. The last look is look 8 at 40 patients; the boundary there is 12
    # (tests/test_tlf_monitoring.py, R clinfun::toxbdry). Look 9 (43) can never be reached.
    from osteo_stats.tlf.monitoring import build_monitoring_tlfs

    out = {o.tlf.label: o for o in build_monitoring_tlfs(shipped_ad)}
    table = out["Table 14.3.5"]
    assert table.ard.value("TOX-BDRY-01", "N", parameter="LAST LOOK", group={"LOOK": 8}) == 40
    assert table.tlf.body["Crossed"].tolist()[8] == "Cannot be reached"
    assert (
        "Enrollment is complete with 42 patients in the safety set: the look at 43 evaluable "
        "patients cannot be reached. The last look is look 8, at 40 evaluable patients "
        "(boundary 12); it has been reached."
    ) in table.tlf.footnotes
    assert table.tlf.footnotes[0].endswith(
        "the boundary has not been crossed. This is the last look (SAP 9.4)."
    )


# --- issue 10 section 4 in derive/: durations against landmarks in whole days ----------------
#
# Audit: every time comparison in derive/ is between dates, or between whole day counts, except
# the primary-endpoint rule F1, which compared AVALM = AVAL / days_per_month with 24 while the
# landmark date used ceil(24 x days_per_month). Searching days_per_month in {30.4375, 365/12,
# 365.2425/12, 30.44, ...} and landmarks 0.25-120 months found no case where the two routes
# disagree (IEEE division is correctly rounded), so no status was wrong; F1 now compares whole
# days with the one landmark day, and the test below guards the exact boundary.


def test_an_event_exactly_24_months_after_enrollment_is_not_before_24_months():
    # A sponsor convention of 365/12 days per month: 24 months = 730 days exactly. Enrolled
    # 2023-01-01, event on 2024-12-30: AVAL = 365 + 364 + 1 = 730 days = 24 months (2023 has
    # 365 days; 2024-12-30 is day 365 of leap year 2024). SAP 3.1: F1 needs AVAL < 24 months,
    # so this is S1 (success), and LMDT, the first date at which AVAL reaches 24 months, is
    # 2024-12-30 itself. One day earlier is F1.
    time = SAP.time.model_copy(update={"days_per_month": 365 / 12})
    sap = SAP.model_copy(update={"time": time})
    rows = adsl({"USUBJID": "X1"}, {"USUBJID": "X2"})
    efs = pd.DataFrame(
        {
            "USUBJID": ["X1", "X2"],
            "PARAMCD": "EFS",
            "ADT": pd.to_datetime(["2024-12-30", "2024-12-29"]),
            "AVAL": [730.0, 729.0],
            "AVALM": [730 / (365 / 12), 729 / (365 / 12)],
            "CNSR": [0, 0],
            "EVNTDESC": ["Death", "Death"],
        }
    )
    got = derive_primary_endpoint(at("2025-06-30", rows), efs, sap, "2025-06-30")
    assert got["PRIMLMDT"].tolist() == [T("2024-12-30")] * 2
    assert got["PRIMRULE"].tolist() == ["S1", "F1"]
    assert got["PRIMSTAT"].tolist() == ["SUCCESS", "FAILURE"]


def test_landmark_day_is_one_integer_rule():
    from osteo_stats.derive.efficacy import landmark_aval

    # SAP 6.1: 24 months = 730.5 days -> the first whole AVAL reaching it is 731; 12 months =
    # 365.25 -> 366; with 365/12 days per month 24 months are exactly 730 days -> 730.
    assert landmark_aval(24, 30.4375) == 731
    assert landmark_aval(12, 30.4375) == 366
    assert landmark_aval(24, 365 / 12) == 730
    assert landmark_aval(16, 30.4375) == 487  # 16 x 30.4375 = 487 exactly
