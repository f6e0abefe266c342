"""DMC monitoring TLFs: toxicity boundary status (SAP 9.4) and stage-1 futility (SAP 5.5)."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from osteo_stats.analyse.two_stage import (
    STAGE1_CONTINUE,
    STAGE1_PENDING,
    STAGE1_STOP,
    stage1_decision,
)
from osteo_stats.derive.monitoring import observed_toxicity_counts, stage1_counts
from osteo_stats.tlf.monitoring import build_monitoring_tlfs

LOOKS = [5, 10, 15, 20, 25, 30, 35, 40, 43]
#: clinfun::toxbdry(0.2, 0.4, c(5, 10, ..., 40, 43), cP0 = 0.1, cP1 = 0.9)$hi.bdry, as checked
#: against R in tests/test_toxicity.py (SAP 9.4 settings).
BOUNDARY = [3, 4, 6, 7, 8, 10, 11, 12, 13]


@pytest.fixture(scope="module", params=[None, date(2025, 1, 1)], ids=["final", "2025-01-01"])
def ad(request, shipped_analysis):
    return shipped_analysis(request.param)


@pytest.fixture(scope="module")
def tlfs(ad):
    return {o.tlf.label: o for o in build_monitoring_tlfs(ad)}


def independent_x(adsl: pd.DataFrame) -> list[float]:
    ev = adsl[(adsl["SAFFL"] == "Y") & (adsl["EVALFL"] == "Y")]
    ev = ev.sort_values(["EVALDT", "ENRLDT", "USUBJID"])
    flags = (ev["UTOXFL"] == "Y").to_numpy()
    return [float(flags[:n].sum()) if len(flags) >= n else math.nan for n in LOOKS]


def test_boundary_and_observed_counts_match_independent_computation(ad, tlfs):
    out = tlfs["Table 14.3.5"]
    ard = out.ard
    boundary = [ard.value("TOX-BDRY-01", "boundary", parameter="UTOX", group={"LOOK": k})
                for k in range(1, 10)]  # fmt: skip
    assert boundary == BOUNDARY
    x = [ard.value("TOX-BDRY-01", "observed", parameter="UTOX", group={"LOOK": k})
         for k in range(1, 10)]  # fmt: skip
    np.testing.assert_array_equal(x, independent_x(ad.adsl))
    for k, (xk, bk) in enumerate(zip(x, BOUNDARY, strict=True), start=1):
        crossed = ard.value("TOX-BDRY-01", "crossed", parameter="UTOX", group={"LOOK": k})
        if not math.isnan(xk):
            assert crossed == float(xk > bk)
    assert ard.value("TOX-BDRY-01", "alpha_attained", parameter="BOUNDARY",
                     group={"P": "0.20"}) <= 0.10  # fmt: skip
    assert out.tlf.body["Observed x_k"].tolist()[:9] == [
        "-" if math.isnan(v) else str(int(v)) for v in x
    ]


def test_shipped_data_status_sentence(ad, tlfs):
    """Both cut-offs: 40 evaluable (look 8 reached), x_8 = 3 <= 12: not crossed."""
    sentence = tlfs["Table 14.3.5"].tlf.footnotes[0]
    assert sentence.startswith("At the current look (look 8, 40 evaluable patients), 3 patient")
    # 42 treated: look 8 (40 patients) is also the last look that can be reached.
    assert sentence.endswith("the boundary has not been crossed. This is the last look (SAP 9.4).")
    assert tlfs["Figure 14.3.1"].tlf.footnotes[0] == sentence
    assert tlfs["Figure 14.3.1"].tlf.svg.lstrip().startswith("<?xml")
    # 42 SAF patients only: the look at 43 can never be reached
    assert any("cannot be reached" in n for n in tlfs["Table 14.3.5"].tlf.footnotes)


def _monitoring_adsl(utox: list[bool]) -> pd.DataFrame:
    """Evaluable SAF patients in EVALDT order with the given unacceptable-toxicity flags."""
    n = len(utox)
    start = pd.Timestamp("2023-01-01")
    return pd.DataFrame(
        {
            "USUBJID": [f"P{i:03d}" for i in range(n)],
            "ENRLDT": [start + pd.Timedelta(days=i) for i in range(n)],
            "FASFL": "Y",
            "SAFFL": "Y",
            "TRTSDT": [start + pd.Timedelta(days=i + 3) for i in range(n)],
            "EVALFL": "Y",
            "EVALDT": [start + pd.Timedelta(days=60 + i) for i in range(n)],
            "UTOXFL": ["Y" if u else "N" for u in utox],
            "PRIMSTAT": "NOT EVALUABLE YET",
        }
    )


@pytest.fixture(scope="module")
def base(shipped_analysis):
    """Any AnalysisData; the constructed cases replace its ADSL."""
    return shipped_analysis(date(2023, 6, 30))


def _with_adsl(base, adsl):
    return dataclasses.replace(base, adsl=adsl)


def test_constructed_case_that_crosses(base):
    # first 5 evaluable: 4 toxicities > b_1 = 3 -> crossed at look 1 (the current look)
    adsl = _monitoring_adsl([True, True, False, True, True, False, False])
    out = {o.tlf.label: o for o in build_monitoring_tlfs(_with_adsl(base, adsl))}
    table = out["Table 14.3.5"]
    assert table.ard.value("TOX-BDRY-01", "observed", parameter="UTOX", group={"LOOK": 1}) == 4
    assert table.ard.value("TOX-BDRY-01", "crossed", parameter="UTOX", group={"LOOK": 1}) == 1
    sentence = table.tlf.footnotes[0]
    assert "look 1, 5 evaluable patients), 4 patient(s)" in sentence
    assert "HAS BEEN CROSSED" in sentence
    # 4 toxicities among 7 evaluable do not exceed b_2 = 4: look 2 not certain
    assert math.isnan(
        table.ard.value("TOX-BDRY-01", "crossed", parameter="UTOX", group={"LOOK": 2})
    )


def test_constructed_case_that_does_not_cross(base):
    adsl = _monitoring_adsl([True, False, False, True, False] + [False] * 6)
    out = {o.tlf.label: o for o in build_monitoring_tlfs(_with_adsl(base, adsl))}
    table = out["Table 14.3.5"]
    sentence = table.tlf.footnotes[0]
    assert sentence.startswith("At the current look (look 2, 10 evaluable patients), 2 patient")
    assert sentence.endswith("the boundary has not been crossed.")
    assert table.ard.value("TOX-BDRY-01", "crossed", parameter="UTOX", group={"LOOK": 2}) == 0


def test_crossing_certain_before_the_look_is_reached(base):
    # look 1: 2 of 5 (not crossed); 8 evaluable with 5 toxicities > b_2 = 4: certain at look 2
    adsl = _monitoring_adsl([True, False, False, True, False, True, True, True])
    table = build_monitoring_tlfs(_with_adsl(base, adsl))[1]
    assert table.ard.value("TOX-BDRY-01", "reached", parameter="UTOX", group={"LOOK": 2}) == 0
    assert table.ard.value("TOX-BDRY-01", "crossed", parameter="UTOX", group={"LOOK": 2}) == 1
    assert (
        "crossing at look 2 (10 patients, boundary 4) is already certain"
        in (table.tlf.footnotes[0])
    )
    assert table.tlf.body.loc[1, "Crossed"] == "Yes (certain)"


def test_no_look_reached(base):
    adsl = _monitoring_adsl([True, False, False])
    table = build_monitoring_tlfs(_with_adsl(base, adsl))[1]
    assert table.tlf.footnotes[0].startswith("No toxicity look has been reached yet")


def test_observed_counts_ignore_unevaluable_and_order_ties():
    adsl = _monitoring_adsl([False] * 6)
    adsl.loc[0, "EVALFL"], adsl.loc[0, "EVALDT"] = "N", pd.NaT  # not evaluable
    adsl.loc[0, "UTOXFL"] = "Y"  # (cannot happen in derived data; must still be ignored)
    # ties on EVALDT are broken by ENRLDT: P005 (toxic) enrolled last -> sixth, outside look 1
    adsl.loc[5, "UTOXFL"] = "Y"
    adsl.loc[5, "EVALDT"] = adsl.loc[1, "EVALDT"]
    obs = observed_toxicity_counts(adsl, [5])
    assert bool(obs.loc[0, "reached"]) and obs.loc[0, "observed"] == 1


# --- stage-1 futility ------------------------------------------------------------------------


def _stage1(statuses: list[str]) -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame(
        {
            "USUBJID": [f"S{i:02d}" for i in range(n)],
            "FASFL": "Y",
            "ENRLDT": pd.Timestamp("2022-01-01") + pd.to_timedelta(np.arange(n) * 10, unit="D"),
            "PRIMSTAT": statuses,
        }
    )


S, F, U = "SUCCESS", "FAILURE", "NOT EVALUABLE YET"


@pytest.mark.parametrize(
    ("statuses", "decision", "successes", "pending"),
    [
        ([S] * 4 + [F] * 2 + [U] * 7, STAGE1_CONTINUE, 4, 7),  # 4 > r1 = 3 already
        ([S] * 3 + [F] * 10, STAGE1_STOP, 3, 0),  # all evaluable, 3 <= 3
        ([S] * 1 + [F] * 10 + [U] * 2, STAGE1_STOP, 1, 2),  # 1 + 2 pending <= 3: certain
        ([S] * 2 + [F] * 9 + [U] * 2, STAGE1_PENDING, 2, 2),  # 2 + 2 could exceed 3
        ([S] * 3 + [F] * 2, STAGE1_PENDING, 3, 8),  # only 5 of 13 enrolled
        ([S] * 3 + [F] * 10 + [S] * 5, STAGE1_STOP, 3, 0),  # patients 14+ are not stage 1
    ],
)
def test_stage1_status(statuses, decision, successes, pending):
    st = stage1_counts(_stage1(statuses), n1=13)
    assert (st.successes, st.pending) == (successes, pending)
    assert stage1_decision(st.successes, st.pending, r1=3) == decision
    assert st.evaluable + st.pending == 13


def test_stage1_uses_enrollment_order_then_usubjid():
    frame = _stage1([F] * 12 + [S, S])
    frame.loc[13, "ENRLDT"] = frame.loc[12, "ENRLDT"]  # tie: S12 and S13 same day
    frame.loc[12, "USUBJID"], frame.loc[13, "USUBJID"] = "S99", "S13"
    st = stage1_counts(frame.iloc[::-1], n1=13)  # input order must not matter
    assert st.successes == 1  # the 13th is S13 (USUBJID sorts before S99)


def test_stage1_table_on_shipped_data(ad, tlfs):
    out = tlfs["Table 14.2.3"]
    fas = ad.adsl[ad.adsl["FASFL"] == "Y"].sort_values(["ENRLDT", "USUBJID"]).head(13)
    n_success = int((fas["PRIMSTAT"] == "SUCCESS").sum())
    n_eval = int((fas["PRIMSTAT"] != "NOT EVALUABLE YET").sum())
    v = out.ard.value
    assert v("EFF-PRIM-02", "n", parameter="PRIMARY", group={"STATUS": "SUCCESS"}) == n_success
    assert v("EFF-PRIM-02", "n", parameter="PRIMARY", group={"STATUS": "EVALUABLE"}) == n_eval
    assert v("EFF-PRIM-02", "boundary", parameter="PRIMARY") == 3
    assert set(out.ard.frame["analysis_set"]) == {"FAS-STAGE1"}
    recommendation = out.tlf.body.set_index("Category").loc["Recommendation", "Value"]
    assert recommendation == STAGE1_CONTINUE  # final: 6/13 successes; 2025-01-01: 5 of 12
    assert out.tlf.title == "Stage-1 futility status"
