"""DMC monitoring as derived counts and boundary decisions, on hand-made cases.

- SAP 9.4: looks at n_k evaluable SAF patients, ordered by EVALDT, ties by ENRLDT, then USUBJID;
  x_k = patients with an unacceptable toxicity among the first n_k evaluable; look k is reached
  when at least n_k patients are evaluable.
- SAP 3.1, 5.5, 10.1: stage 1 = the first n1 = 13 FAS patients by ENRLDT, then USUBJID; S
  successes, F failures, U not yet evaluable (including places not yet enrolled); stop for
  futility when S <= r1 = 3 is certain (S + U <= 3), continue when S >= 4, pending otherwise.

Expected values are worked out by hand in the comments, never printed by the code.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from osteo_stats.analyse.toxicity import look_crossings
from osteo_stats.analyse.two_stage import (
    STAGE1_CONTINUE,
    STAGE1_PENDING,
    STAGE1_STOP,
    stage1_decision,
)
from osteo_stats.derive.monitoring import (
    evaluable_in_order,
    observed_toxicity_counts,
    stage1_counts,
)

T = pd.Timestamp


def _patient(usubjid, enrl, evaldt, utox, saf="Y", evalfl="Y"):
    return {
        "USUBJID": usubjid,
        "FASFL": "Y",
        "SAFFL": saf,
        "ENRLDT": T(enrl),
        "EVALFL": evalfl,
        "EVALDT": T(evaldt) if evaldt else pd.NaT,
        "UTOXFL": "Y" if utox else "N",
    }


#: Rows in scrambled order. By EVALDT (then ENRLDT, then USUBJID) the evaluable SAF patients are
#: A (Mar 1, tox), B (Mar 5, no), C and D tied on Mar 9 (C enrolled first; C tox, D no),
#: E and F tied on Mar 12 and enrolled the same day (USUBJID: E no, F tox), G (Mar 20, tox).
#: X is in the SAF but not evaluable yet; Y is not in the SAF (never dosed).
MONITORING = pd.DataFrame(
    [
        _patient("G", "2023-01-20", "2023-03-20", True),
        _patient("F", "2023-01-10", "2023-03-12", True),
        _patient("D", "2023-01-08", "2023-03-09", False),
        _patient("X", "2023-01-02", None, True, evalfl="N"),
        _patient("C", "2023-01-07", "2023-03-09", True),
        _patient("Y", "2023-01-03", None, False, saf="N", evalfl="N"),
        _patient("E", "2023-01-10", "2023-03-12", False),
        _patient("B", "2023-01-05", "2023-03-05", False),
        _patient("A", "2023-01-09", "2023-03-01", True),
    ]
)


def test_evaluable_patients_in_look_order():
    assert evaluable_in_order(MONITORING)["USUBJID"].tolist() == ["A", "B", "C", "D", "E", "F", "G"]


def test_observed_counts_at_the_looks():
    # 7 evaluable. Look 1 (n = 5): A, B, C, D, E -> toxicities A, C -> x_1 = 2. Look 2 (n = 7):
    # all seven -> A, C, F, G -> x_2 = 4. Look 3 (n = 10): not reached, x_3 missing.
    # Toxicities among all evaluable so far: 4 (X is toxic but not evaluable: not counted).
    obs = observed_toxicity_counts(MONITORING, [5, 7, 10])
    assert obs["look"].tolist() == [1, 2, 3]
    assert obs["n"].tolist() == [5, 7, 10]
    assert obs["reached"].tolist() == [True, True, False]
    assert obs["observed"].tolist()[:2] == [2.0, 4.0]
    assert math.isnan(obs["observed"].iloc[2])
    assert obs["observed_so_far"].tolist() == [4, 4, 4]


def test_observed_counts_before_any_evaluable_patient():
    none_yet = MONITORING.assign(EVALFL="N", EVALDT=pd.NaT)
    obs = observed_toxicity_counts(none_yet, [5])
    assert not obs["reached"].iloc[0] and math.isnan(obs["observed"].iloc[0])
    assert obs["observed_so_far"].iloc[0] == 0


def _stage1(statuses: list[str], start: str = "2022-01-01") -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame(
        {
            "USUBJID": [f"S{i:02d}" for i in range(n)],
            "FASFL": "Y",
            "ENRLDT": T(start) + pd.to_timedelta([10 * i for i in range(n)], unit="D"),
            "PRIMSTAT": statuses,
        }
    )


S, F, U, X = "SUCCESS", "FAILURE", "NOT EVALUABLE YET", "NOT EVALUABLE"


def test_stage1_counts_first_13_by_enrollment():
    # First 13: S x4, F x5, X (lost before the landmark under the 'exclude' option: evaluable,
    # can never succeed -> a failure here), U x3. Patients 14 and 15 (S) are stage 2.
    frame = _stage1([S, F, S, F, S, F, X, F, S, F, U, U, U, S, S])
    counts = stage1_counts(frame.iloc[::-1], n1=13)  # input order must not matter
    assert counts.n1 == 13
    assert counts.enrolled == 13
    assert counts.evaluable == 10  # 13 - 3 not yet evaluable
    assert counts.successes == 4
    assert counts.failures == 6  # 5 FAILURE + 1 NOT EVALUABLE
    assert counts.pending == 3


def test_stage1_counts_while_stage1_is_accruing():
    # 11 of 13 enrolled: 2 S, 7 F, 2 U; the 2 places not yet enrolled are pending too: 2 + 2 = 4.
    counts = stage1_counts(_stage1([S, F, F, S, F, F, F, U, F, F, U]), n1=13)
    assert (counts.enrolled, counts.evaluable, counts.successes, counts.failures) == (11, 9, 2, 7)
    assert counts.pending == 4


def test_stage1_counts_tie_on_enrollment_goes_to_usubjid():
    frame = _stage1([F] * 12 + [S, F])
    frame.loc[13, "ENRLDT"] = frame.loc[12, "ENRLDT"]  # the 13th place: S12 (S) or S13 (F)?
    frame.loc[12, "USUBJID"] = "S99"  # S13 now sorts first and takes the 13th place
    assert stage1_counts(frame, n1=13).successes == 0


@pytest.mark.parametrize(
    ("successes", "pending", "decision"),
    [
        (4, 7, STAGE1_CONTINUE),  # S = 4 > r1 = 3, whatever the pending patients do
        (3, 0, STAGE1_STOP),  # all evaluable, S = 3 <= 3
        (1, 2, STAGE1_STOP),  # S + U = 3 <= 3: at most 3 successes, certain (F = 10)
        (2, 2, STAGE1_PENDING),  # S + U = 4 could exceed 3
        (3, 1, STAGE1_PENDING),  # one more success would make 4
        (0, 13, STAGE1_PENDING),  # nothing known yet
    ],
)
def test_stage1_decision(successes, pending, decision):
    assert stage1_decision(successes, pending, r1=3) == decision


def test_crossing_at_each_look():
    # SAP 9.4 with b = (3, 4, 6): stop when x_k > b_k at a look reached; at a look not reached
    # (but reachable) the crossing is certain once the count among all evaluable patients
    # already exceeds b_k; otherwise open (NaN), and NaN at a look that cannot be reached.
    # Look 1 reached with x_1 = 4 > 3: crossed. 5 toxicities so far > b_2 = 4, look 2 reachable:
    # certain. 5 <= 6 at look 3: open.
    got = look_crossings([3, 4, 6], [4.0, math.nan, math.nan], [True, False, False], 5, 3)
    assert got[:2] == [1.0, 1.0] and math.isnan(got[2])
    # x_1 = 3 = b_1: not crossed; 4 so far = b_2: open; 4 > 2? look 3 is beyond the last
    # reachable look (2): NaN even though the count would exceed a small boundary there.
    got = look_crossings([3, 4, 2], [3.0, math.nan, math.nan], [True, False, False], 4, 2)
    assert got[0] == 0.0 and math.isnan(got[1]) and math.isnan(got[2])
    # No look can be reached (last look None): nothing is certain.
    got = look_crossings([3, 4], [math.nan, math.nan], [False, False], 9, None)
    assert all(math.isnan(v) for v in got)
