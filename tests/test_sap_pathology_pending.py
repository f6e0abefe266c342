"""Surgery still PENDING in Tables 14.2.7 and 14.2.8, interim and final (SAP 3.4, 8.2, 10.3).

Hand-made case, four FAS patients, cut-off 2023-06-30 (the defaults of ``test_derive_efficacy``:
enrolled 2023-01-01, surgery 2023-02-26):

- A: resected R0, necrosis 95% -> Huvos III (90 to < 100): good response, R0.
- B: resected R1, necrosis 60% -> Huvos II (50 to < 90): no good response, not R0.
- C: surgery NOT DONE (progression): not operated -> non-responder and not R0 (SAP 3.4, 8.2).
- D: surgery planned 2023-06-20, SURGOUT still PENDING at the cut-off.

Expected values, from the SAP text alone:

- Interim (SAP 3.4: "at an interim cut-off, patients with SURGOUT PENDING are shown as a separate
  row and excluded from the FAS denominator"): FAS denominator 3 (A, B, C); R0 1/3, good
  response 1/3; operated 2 (A, B): R0 1/2, good response 1/2; D shown as 1 pending, not in the
  denominator.
- Final (SAP 10.3: no outcome stays pending at the final analysis; SAP 3.4 and 8.2: no surgery =
  pathological non-responder and not R0; the FAS is the denominator): FAS denominator 4; R0
  1/4, good response 1/4; D counted as not R0 / non-responder and shown in its own row, 1 (25.0%);
  operated unchanged, 2.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_derive_efficacy import SAP, T, adsl, at, no_surgery

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.pathology import derive_pathology
from osteo_stats.tlf.efficacy import pathology_table, r0_table

CUT = "2023-06-30"


def _patients() -> pd.DataFrame:
    return adsl(
        {"USUBJID": "A", "SURGOUT": "R0", "NECRPCT": 95.0},
        {"USUBJID": "B", "SURGOUT": "R1", "NECRPCT": 60.0},
        no_surgery(USUBJID="C", SURGNDRS="PROGRESSION"),
        {"USUBJID": "D", "SURGPLDT": T("2023-06-20"), "SURGDT": pd.NaT, "SURGOUT": "PENDING",
         "NECRPCT": np.nan},
    )  # fmt: skip


def _ad(analysis_type: str) -> AnalysisData:
    rows = derive_pathology(at(CUT, _patients()), SAP.pathology, CUT, analysis_type=analysis_type)
    empty = pd.DataFrame()
    return AnalysisData(
        sap=SAP,
        cutoff=date(2023, 6, 30),
        trial=None,  # type: ignore[arg-type]  # provenance is not used by these tables
        adsl=rows.assign(PPROTFL="Y"),
        adae=empty,
        adtte=empty,
        adrs=empty,
        adtr=empty,
        adex=empty,
        adbm=empty,
        adlb=empty,
        analysis_type=analysis_type,
    )


# --- the derivation: one status per patient, with the rule and the reason ---------------------


def test_pending_surgery_is_not_yet_evaluable_at_an_interim():
    got = derive_pathology(at(CUT, _patients()), SAP.pathology, CUT).set_index("USUBJID")
    assert got["PATHRULE"].tolist() == ["P1", "P1", "P2", "P3"]
    assert got["PATHSTAT"].tolist() == ["OPERATED", "OPERATED", "NOT OPERATED", "NOT EVALUABLE YET"]
    # In the FAS denominator of Tables 14.2.7 and 14.2.8: everyone but the pending patient.
    assert got["PATHDENFL"].tolist() == ["Y", "Y", "Y", "N"]
    assert got.loc["D", "PATHREAS"] == (
        "SAP 3.4 P3 surgery pending at the interim cut-off 2023-06-30 (planned 2023-06-20): "
        "not yet evaluable, not in the FAS denominator"
    )
    assert got.loc["C", "PATHREAS"] == (
        "SAP 3.4 P2 surgery not done (PROGRESSION): pathological non-responder, not R0"
    )
    assert got.loc["A", "PATHREAS"] == "SAP 3.4 P1 operated on 2023-02-26: SURGOUT R0, Huvos III"


def test_pending_surgery_is_a_non_responder_not_r0_at_the_final_analysis():
    got = derive_pathology(at(CUT, _patients()), SAP.pathology, CUT, analysis_type="final")
    got = got.set_index("USUBJID")
    assert got["PATHRULE"].tolist() == ["P1", "P1", "P2", "P4"]
    assert got["PATHSTAT"].tolist() == ["OPERATED", "OPERATED", "NOT OPERATED", "NOT OPERATED"]
    assert got["PATHDENFL"].tolist() == ["Y", "Y", "Y", "Y"]
    assert got.loc["D", ["OPERFL", "R0FL", "GOODRESP", "COMPRESP"]].tolist() == ["N"] * 4
    assert got.loc["D", "PATHREAS"] == (
        "SAP 3.4 P4 surgery still pending at the final analysis (planned 2023-06-20): "
        "pathological non-responder, not R0"
    )


def test_unknown_analysis_type_is_refused():
    with pytest.raises(ValueError, match="analysis"):
        derive_pathology(at(CUT, _patients()), SAP.pathology, CUT, analysis_type="Final ")


# --- Table 14.2.8: R0 resection --------------------------------------------------------------


def _r0(ard, statistic: str, name: str) -> float:
    return ard.value("EFF-R0-01", statistic, parameter="R0", analysis_set=name)


def test_r0_table_at_an_interim_leaves_the_pending_patient_out():
    out = r0_table(_ad("interim"))
    assert (_r0(out.ard, "n", "FAS"), _r0(out.ard, "N", "FAS")) == (1, 3)
    assert (_r0(out.ard, "n", "FAS-OPERATED"), _r0(out.ard, "N", "FAS-OPERATED")) == (1, 2)
    keys = {"parameter": "SURGOUT", "group": {"SURGOUT": "PENDING"}}
    assert out.ard.value("EFF-R0-01", "n", **keys) == 1
    body = out.tlf.body.set_index("Statistic")
    assert body.loc["R0 resection, n (%)"].tolist() == ["1 (33.3)", "1 (50.0)"]
    assert body.loc["Surgery pending at the cut-off (not in the denominator), n"].tolist() == [
        "1",
        "",
    ]
    assert out.tlf.analysis_set.startswith("Full analysis set (N = 4)")


def test_r0_table_at_the_final_analysis_counts_the_pending_patient_as_not_r0():
    out = r0_table(_ad("final"))
    assert (_r0(out.ard, "n", "FAS"), _r0(out.ard, "N", "FAS")) == (1, 4)
    assert (_r0(out.ard, "n", "FAS-OPERATED"), _r0(out.ard, "N", "FAS-OPERATED")) == (1, 2)
    keys = {"parameter": "SURGOUT", "analysis_set": "FAS", "group": {"SURGOUT": "PENDING"}}
    assert out.ard.value("EFF-R0-01", "n", **keys) == 1
    assert out.ard.value("EFF-R0-01", "N", **keys) == 4
    assert out.ard.value("EFF-R0-01", "pct", **keys) == 25.0
    body = out.tlf.body.set_index("Statistic")
    assert body.loc["R0 resection, n (%)"].tolist() == ["1 (25.0)", "1 (50.0)"]
    row = "  Surgery still pending at the final analysis (not R0)"
    assert body.loc[row].tolist() == ["1 (25.0)", ""]
    assert not any("not in the denominator" in label for label in body.index)
    assert any(
        "still pending at the final analysis (1) are counted as not R0" in note
        for note in out.tlf.footnotes
    )
    # The exact CI follows the FAS denominator 4 (Clopper-Pearson 1/4: 0.0063-0.8059).
    lcl = out.ard.value("EFF-R0-01", "lcl", parameter="R0", analysis_set="FAS")
    ucl = out.ard.value("EFF-R0-01", "ucl", parameter="R0", analysis_set="FAS")
    assert (round(lcl, 4), round(ucl, 4)) == (0.0063, 0.8059)


# --- Table 14.2.7: pathological response ----------------------------------------------------


def _path(ard, statistic: str, parameter: str, name: str, group=None) -> float:
    return ard.value("EFF-PATH-01", statistic, parameter=parameter, analysis_set=name, group=group)


def test_pathology_table_at_an_interim_leaves_the_pending_patient_out():
    out = pathology_table(_ad("interim"))
    assert _path(out.ard, "n", "GOODRESP", "FAS") == 1
    assert _path(out.ard, "N", "GOODRESP", "FAS") == 3
    assert _path(out.ard, "N", "GOODRESP", "FAS-OPERATED") == 2
    assert _path(out.ard, "n", "HUVOS", "FAS", {"HUVOS": "NOT OPERATED"}) == 1
    assert (
        out.ard.value("EFF-PATH-01", "n", parameter="HUVOS", group={"ROW": "SURGERY PENDING"}) == 1
    )
    body = out.tlf.body.set_index("Statistic")
    good = "Good response (grade III-IV), n (%)"
    assert body.loc[good].tolist() == ["1 (33.3)", "1 (50.0)"]
    assert body.loc["Surgery pending at the cut-off (not in the denominator), n"].tolist() == [
        "1",
        "",
    ]


def test_pathology_table_at_the_final_analysis_counts_the_pending_patient_as_non_responder():
    out = pathology_table(_ad("final"))
    assert _path(out.ard, "n", "GOODRESP", "FAS") == 1
    assert _path(out.ard, "N", "GOODRESP", "FAS") == 4
    assert _path(out.ard, "n", "COMPRESP", "FAS") == 0
    assert _path(out.ard, "N", "GOODRESP", "FAS-OPERATED") == 2
    # The FAS distribution adds up to 4: II 1, III 1, not operated 1, pending 1.
    grades = {
        g: _path(out.ard, "n", "HUVOS", "FAS", {"HUVOS": g}) for g in ("I", "II", "III", "IV")
    }
    assert grades == {"I": 0, "II": 1, "III": 1, "IV": 0}
    assert _path(out.ard, "n", "HUVOS", "FAS", {"HUVOS": "NOT OPERATED"}) == 1
    assert _path(out.ard, "n", "HUVOS", "FAS", {"HUVOS": "SURGERY PENDING"}) == 1
    assert _path(out.ard, "N", "HUVOS", "FAS", {"HUVOS": "SURGERY PENDING"}) == 4
    body = out.tlf.body.set_index("Statistic")
    assert body.loc["Good response (grade III-IV), n (%)"].tolist() == ["1 (25.0)", "1 (50.0)"]
    assert body.loc["  Not operated"].tolist() == ["1 (25.0)", ""]
    row = "  Surgery still pending at the final analysis (non-responder)"
    assert body.loc[row].tolist() == ["1 (25.0)", ""]
    assert not any("not in the denominator" in label for label in body.index)
    assert any(
        "still pending at the final analysis (1) are counted as non-responders" in note
        for note in out.tlf.footnotes
    )


# --- the shipped trial: the analysis type reaches the tables ---------------------------------


@pytest.mark.parametrize(("analysis_type", "n_fas"), [("interim", 42), ("final", 43)])
def test_shipped_pending_patient_at_may_2024(shipped_analysis, analysis_type, n_fas):
    # Cut-off 2024-05-10: 43 FAS patients; 32 resected R0, 4 R1/R2, 6 not operated, and
    # PROMIS-01-023 (surgery planned 2024-04-08) still PENDING. Interim: R0 32/42 with 1 pending
    # outside the denominator; declared final (SAP 10.3): R0 32/43, the pending patient not R0.
    ad = shipped_analysis(date(2024, 5, 10), analysis_type=analysis_type)
    pending = ad.adsl.loc[ad.adsl["SURGOUT"] == "PENDING", "USUBJID"].tolist()
    assert pending == ["PROMIS-01-023"]
    r0 = r0_table(ad).ard
    assert r0.value("EFF-R0-01", "n", parameter="R0", analysis_set="FAS") == 32
    assert r0.value("EFF-R0-01", "N", parameter="R0", analysis_set="FAS") == n_fas
    assert r0.value("EFF-R0-01", "N", parameter="R0", analysis_set="FAS-OPERATED") == 36
    path = pathology_table(ad).ard
    assert path.value("EFF-PATH-01", "n", parameter="GOODRESP", analysis_set="FAS") == 6
    assert path.value("EFF-PATH-01", "N", parameter="GOODRESP", analysis_set="FAS") == n_fas
