"""Tables 14.3.6.1-14.3.6.2 and Listing 16.2.8.1: laboratory toxicity (SAP 9.6).

1. A hand-made case on the minimal trial: the expected counts are reasoned from SAP 9.6 and the
   CTCAE v5.0 text before running the code.
2. An independent check on the shipped synthetic data: the shift table and the grade 3-4 by
   phase counts recomputed with a plain pandas groupby from the raw ``adlb.csv``/``adsl.csv`` and
   the grading table (not calling ``osteo_stats.derive.laboratory``), against the TLF's ARD;
   each limit compared in exact decimal arithmetic as SAP 9.6 says (Python ``Decimal`` of each
   recorded value, one value at a time).
3. Without an ADLB file the three TLFs are "not available: ADLB not supplied".
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.build import build_tlfs, unavailable
from osteo_stats.tlf.safety.laboratory import (
    grade3_listing,
    high_grade_by_phase_table,
    shift_table,
)

SAP = load_sap()
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "synthetic"
LAB_LABELS = ("Table 14.3.6.1", "Table 14.3.6.2", "Listing 16.2.8.1")


def _lab(usubjid, paramcd, adt, aval, lo, hi):
    unit = {"NEUT": "10^9/L", "PLAT": "10^9/L", "ALT": "U/L", "TSH": "mU/L"}[paramcd]
    return dict(STUDYID="PROMIS", USUBJID=usubjid, PARAMCD=paramcd, PARAM=paramcd,
                AVISIT="V", ADT=adt, AVAL=aval, AVALU=unit, ANRLO=lo, ANRHI=hi)  # fmt: skip


# PROMIS-001: first dose 2025-01-13, surgery 2025-03-10 (peri-operative to 2025-04-09), last
# dose 2025-09-01. PROMIS-002: 2025-02-10, surgery 2025-04-08. PROMIS-003: 2025-03-10, no
# surgery (all post-baseline values pre-operative), last dose 2025-04-14 (window to 05-14).
HAND = [
    _lab("PROMIS-001", "NEUT", "2025-01-08", "3.1", "1.8", "7.5"),  # baseline, grade 0
    _lab("PROMIS-001", "NEUT", "2025-01-27", "0.9", "1.8", "7.5"),  # grade 3, pre-operative
    _lab("PROMIS-001", "NEUT", "2025-03-20", "0.4", "1.8", "7.5"),  # grade 4, peri-operative
    _lab("PROMIS-001", "ALT", "2025-01-08", "22", "7", "40"),       # baseline, grade 0
    _lab("PROMIS-001", "ALT", "2025-05-01", "250", "7", "40"),      # > 5 x ULN: 3, post-op
    _lab("PROMIS-001", "TSH", "2025-01-08", "2.1", "0.4", "4.0"),
    _lab("PROMIS-001", "TSH", "2025-02-01", "5.0", "0.4", "4.0"),   # above ULN
    _lab("PROMIS-002", "NEUT", "2025-02-20", "1.2", "1.8", "7.5"),  # no baseline; grade 2
    _lab("PROMIS-002", "PLAT", "2025-02-05", "160", "150", "400"),  # baseline, grade 0
    _lab("PROMIS-002", "PLAT", "2025-04-15", "45", "150", "400"),   # grade 3, peri-operative
    _lab("PROMIS-003", "NEUT", "2025-03-05", "1.6", "1.8", "7.5"),  # baseline, grade 1
    _lab("PROMIS-003", "NEUT", "2025-03-25", "0.45", "1.8", "7.5"),  # grade 4, pre-operative
    _lab("PROMIS-003", "TSH", "2025-03-05", "2.0", "0.4", "4.0"),
    _lab("PROMIS-003", "TSH", "2025-04-01", "0.1", "0.4", "4.0"),   # below LLN
    _lab("PROMIS-003", "TSH", "2025-05-01", "9.0", "0.4", "4.0"),   # above ULN (thyroiditis)
]  # fmt: skip


@pytest.fixture(scope="module")
def hand_ad(tmp_path_factory):
    tables = minimal_trial()
    tables["ADLB"] = pd.DataFrame(HAND).astype(str)
    data = write_trial(tables, tmp_path_factory.mktemp("lab"))
    return derive_analysis_data(load_trial(data, SAP), SAP)


def _value(ard, parameter, group, statistic="n"):
    return ard.value(ard.frame["analysis_id"].iloc[0], statistic, parameter=parameter, group=group)


def test_shift_table_on_the_hand_made_case(hand_ad):
    ard = shift_table(hand_ad).ard
    # NEUT: all three patients have a post-baseline value. 001 baseline 0 -> worst 4 (0.4);
    # 002 no baseline (Missing) -> worst 2 (1.2); 003 baseline 1 (1.6 < LLN 1.8) -> worst 4.
    assert _value(ard, "NEUT", None, "N") == 3
    assert _value(ard, "NEUT", {"BTOXGR": 0, "WORSTGR": 4}) == 1
    assert _value(ard, "NEUT", {"BTOXGR": "MISSING", "WORSTGR": 2}) == 1
    assert _value(ard, "NEUT", {"BTOXGR": 1, "WORSTGR": 4}) == 1
    assert _value(ard, "NEUT", {"BTOXGR": "ANY", "WORSTGR": 4}) == 2
    assert _value(ard, "NEUT", {"BTOXGR": 0, "WORSTGR": 4}, "pct") == pytest.approx(100 / 3)
    # PLAT: 002 only, 0 -> 3. ALT: 001 only, 0 -> 3 (250 > 5 x 40). HGB: nobody (N = 0).
    assert _value(ard, "PLAT", {"BTOXGR": 0, "WORSTGR": 3}) == 1
    assert _value(ard, "ALT", {"BTOXGR": 0, "WORSTGR": 3}) == 1
    assert _value(ard, "HGB", None, "N") == 0
    # TSH (not graded): 001 above ULN; 003 below LLN then above ULN.
    assert _value(ard, "TSH", None, "N") == 2
    assert _value(ard, "TSH", {"ANRIND": "HIGH"}) == 2
    assert _value(ard, "TSH", {"ANRIND": "LOW"}) == 1
    assert _value(ard, "TSH", {"ANRIND": "LOW AND HIGH"}) == 1


def test_grade_3_4_by_phase_on_the_hand_made_case(hand_ad):
    ard = high_grade_by_phase_table(hand_ad).ard
    # Pre-operative: 001 (NEUT 01-27, grade 3), 002 (NEUT 02-20, grade 2), 003 (NEUT 03-25,
    # grade 4: no surgery) have graded values -> N 3; grade 3-4: 001 and 003.
    # Peri-operative: 001 NEUT 4 (03-20), 002 PLAT 3 (04-15) -> N 2, both.
    # Post-operative: 001 ALT 3 (05-01) -> N 1. TSH values are not graded and count nowhere.
    expected = {
        "PRE-OPERATIVE": (3, {"ANY": 2, "NEUT": 2, "PLAT": 0, "ALT": 0}),
        "PERI-OPERATIVE": (2, {"ANY": 2, "NEUT": 1, "PLAT": 1, "ALT": 0}),
        "POST-OPERATIVE/MAINTENANCE": (1, {"ANY": 1, "NEUT": 0, "PLAT": 0, "ALT": 1}),
        "ANY": (3, {"ANY": 3, "NEUT": 2, "PLAT": 1, "ALT": 1}),
    }
    for phase, (n, counts) in expected.items():
        assert _value(ard, "LAB", {"APHASE": phase}, "N") == n, phase
        for paramcd, count in counts.items():
            got = _value(ard, "LAB", {"APHASE": phase, "PARAMCD": paramcd})
            assert got == count, (phase, paramcd)


def test_listing_holds_every_grade_3_or_4_value(hand_ad):
    body = grade3_listing(hand_ad).tlf.body
    assert body[["Patient", "Date", "Grade"]].values.tolist() == [
        ["PROMIS-001", "2025-01-27", "3"],
        ["PROMIS-001", "2025-03-20", "4"],
        ["PROMIS-001", "2025-05-01", "3"],
        ["PROMIS-002", "2025-04-15", "3"],
        ["PROMIS-003", "2025-03-25", "4"],
    ]
    assert body["Baseline grade"].tolist() == ["0", "0", "0", "0", "1"]
    assert body["Study day"].tolist() == ["15", "67", "109", "65", "16"]


def test_without_adlb_the_laboratory_tlfs_are_not_available(tmp_path):
    trial = load_trial(write_trial(minimal_trial(), tmp_path), SAP)
    reasons = unavailable(trial)
    assert {label: reasons[label] for label in LAB_LABELS} == dict.fromkeys(
        LAB_LABELS, "not available: ADLB not supplied"
    )
    built = {o.tlf.label for o in build_tlfs(derive_analysis_data(trial, SAP), ["safety"])}
    assert not built & set(LAB_LABELS)
    assert "Table 14.3.1" in built


# --- independent recomputation on the shipped data (plain pandas) ------------------------------


def _exact(values, operators, factors, references) -> np.ndarray:
    """value <op> factor x reference with each number the decimal it was recorded as."""

    def holds(value, operator, factor, reference) -> bool:
        if any(pd.isna(x) for x in (value, operator, factor, reference)):
            return False
        a, limit = Decimal(str(value)), Decimal(str(factor)) * Decimal(str(reference))
        return {"<": a < limit, ">": a > limit, ">=": a >= limit}[operator]

    rows = zip(values, operators, factors, references, strict=True)
    return np.array([holds(*row) for row in rows], dtype=bool)


def _independent_worst() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grade, baseline and post-baseline window from the raw CSVs and the grading table."""
    lb = pd.read_csv(SHIPPED / "adlb.csv", parse_dates=["ADT"])
    sl = pd.read_csv(SHIPPED / "adsl.csv", parse_dates=["TRTSDT", "TRTEDT", "SURGDT"])
    sl = sl[sl["SAFFL"] == "Y"]
    path = resources.files("osteo_stats") / "data" / "ctcae_v5_lab.csv"
    crit = pd.read_csv(str(path), comment="#")
    lb = lb.merge(sl[["USUBJID", "TRTSDT", "TRTEDT", "SURGDT"]], on="USUBJID")
    bl = (
        lb[(lb.ADT <= lb.TRTSDT) & lb.AVAL.notna()]
        .sort_values("ADT")
        .groupby(["USUBJID", "PARAMCD"], as_index=False)
        .last()[["USUBJID", "PARAMCD", "AVAL"]]
        .rename(columns={"AVAL": "BL"})
    )
    lb = lb.merge(bl, on=["USUBJID", "PARAMCD"], how="left")
    m = lb.merge(crit, on="PARAMCD", how="inner")  # TSH has no criteria: not graded
    ref = np.select([m.REFERENCE == "LLN", m.REFERENCE == "ULN"], [m.ANRLO, m.ANRHI], 1.0)
    met = _exact(m.AVAL, m.OPERATOR, m.FACTOR, ref)
    # CTCAE "if baseline was abnormal": after a baseline above ULN, multiples of the baseline
    by_base = (m.BL > m.ANRHI) & m.BASE_FACTOR.notna() & (m.ADT > m.TRTSDT)
    met_base = _exact(m.AVAL, m.BASE_OPERATOR, m.BASE_FACTOR, m.BL)
    m["g"] = np.where(np.where(by_base, met_base, met), m.GRADE, 0)
    keys = ["USUBJID", "PARAMCD", "ADT", "TRTSDT", "TRTEDT", "SURGDT"]
    graded = m.groupby(keys, as_index=False, dropna=False)["g"].max()
    base = (
        graded[graded.ADT <= graded.TRTSDT]
        .sort_values("ADT")
        .groupby(["USUBJID", "PARAMCD"], as_index=False)
        .last()[["USUBJID", "PARAMCD", "g"]]
        .rename(columns={"g": "base"})
    )
    end = graded.TRTEDT + pd.Timedelta(days=30)
    post = graded[(graded.ADT > graded.TRTSDT) & (graded.TRTEDT.isna() | (graded.ADT <= end))]
    worst = post.groupby(["USUBJID", "PARAMCD"], as_index=False)["g"].max()
    worst = worst.merge(base, on=["USUBJID", "PARAMCD"], how="left")
    return worst, post


def test_shift_table_matches_an_independent_groupby(shipped_ad):
    assert (
        shipped_ad.cutoff
        == pd.Timestamp(pd.read_csv(SHIPPED / "adsl.csv")["DCUTDT"].iloc[0]).date()
    )  # the raw CSV is the extract at this cut-off
    worst, _ = _independent_worst()
    worst["b"] = worst["base"].map(lambda v: "MISSING" if pd.isna(v) else str(int(v)))
    expected = worst.groupby(["PARAMCD", "b", "g"]).size()
    ard = shift_table(shipped_ad).ard.frame
    cells = ard[(ard.statistic == "n") & ard.group.str.match(r"BTOXGR=(\d|MISSING); WORSTGR=\d$")]
    got = cells.assign(
        b=cells.group.str.extract(r"BTOXGR=(\w+);")[0],
        g=cells.group.str.extract(r"WORSTGR=(\d)")[0].astype(int),
    ).set_index(["parameter", "b", "g"])["value"]
    got = got[got > 0].astype(int)
    got.index = got.index.set_names(["PARAMCD", "b", "g"])
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    n = ard[ard.statistic == "N"].set_index("parameter")["value"]
    for paramcd, count in worst.groupby("PARAMCD").size().items():
        assert n[paramcd] == count


def test_grade_3_4_by_phase_matches_an_independent_groupby(shipped_ad):
    _, post = _independent_worst()
    pw = 30  # SAP 9.2 peri-operative window
    phase = np.select(
        [post.SURGDT.isna() | (post.ADT < post.SURGDT),
         post.ADT <= post.SURGDT + pd.Timedelta(days=pw)],
        ["PRE-OPERATIVE", "PERI-OPERATIVE"],
        "POST-OPERATIVE/MAINTENANCE",
    )  # fmt: skip
    post = post.assign(phase=phase)
    ard = high_grade_by_phase_table(shipped_ad).ard
    for ph in ("PRE-OPERATIVE", "PERI-OPERATIVE", "POST-OPERATIVE/MAINTENANCE", "ANY"):
        rows = post if ph == "ANY" else post[post.phase == ph]
        assert _value(ard, "LAB", {"APHASE": ph}, "N") == rows.USUBJID.nunique()
        high = rows[rows.g >= 3]
        assert _value(ard, "LAB", {"APHASE": ph, "PARAMCD": "ANY"}) == high.USUBJID.nunique()
        per = high.groupby("PARAMCD").USUBJID.nunique()
        for paramcd in ("NEUT", "PLAT", "HGB", "WBC", "LYMPH", "ALT", "AST", "BILI", "CREAT"):
            got = _value(ard, "LAB", {"APHASE": ph, "PARAMCD": paramcd})
            assert got == per.get(paramcd, 0), (ph, paramcd)
    assert _value(ard, "LAB", {"APHASE": "ANY", "PARAMCD": "ANY"}) > 5  # a real check, not 0=0
