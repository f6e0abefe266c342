"""The final analysis of a hand-made trial with an N2 patient runs (issue 19, rule F3).

Before the fix, ``analyze --analysis final`` on this trial exited 1 with "Data validation failed
... ADSL: PRIMREAS is over 200 bytes ... shorten the value in the source data" (the F3 reason the
package derived was 233 bytes). Expected values, worked by hand from the SAP before running:

The minimal trial (tests/minimal_trial.py) at cut-off 2027-06-30, everyone known alive to mid-June
2027 except PROMIS-002 (died 2025-12-05):

- PROMIS-001, enrolled 2025-01-10: R0, no EFS event; last adequate assessment 2025-06-10 (NED).
  24-month date LMDT = ENRLDT + 730 days = 2027-01-10 (SAP 3.1), so S2 needs an adequate
  assessment on or after 2026-12-27: none. Ongoing, the cut-off is after LMDT: N2, and at the
  final analysis F3, FAILURE.
- PROMIS-002, enrolled 2025-02-07: R1 resection on 2025-04-08 (E2), AVAL = 60 + 1 = 61 days
  < 731: F1, FAILURE.
- PROMIS-003, enrolled 2025-03-05: pre-operative PD on 2025-04-15 (E1, day 42): F1, FAILURE.

Table 14.2.1 (FAS, N = 3): SUCCESS 0, FAILURE 3 (100%), NOT EVALUABLE YET 0, of which F3 1
(33.3%); Clopper-Pearson for 0/3: upper 95% limit 1 - 0.025^(1/3) = 0.707598, upper 90% limit
1 - 0.05^(1/3) = 0.631597 (SAP 7.1). Table 14.2.4 (supportive, F3 not counted): FAS SUCCESS 0,
FAILURE 2, NOT EVALUABLE YET 1; naive 0/2, upper 95% limit 1 - 0.025^(1/2) = 0.841886.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from minimal_trial import minimal_trial, write_trial
from typer.testing import CliRunner

from osteo_stats.cli import app

runner = CliRunner()


def f3_trial(directory: Path) -> Path:
    tables = minimal_trial()
    adsl = tables["ADSL"]
    adsl["DCUTDT"] = "2027-06-30"
    adsl.loc[adsl["USUBJID"] == "PROMIS-001", "LSTALVDT"] = "2027-06-15"
    adsl.loc[adsl["USUBJID"] == "PROMIS-003", "LSTALVDT"] = "2027-06-20"
    return write_trial(tables, directory)


@pytest.fixture(scope="module")
def final_out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("f3")
    data = f3_trial(base / "data")
    out = base / "out"
    result = runner.invoke(
        app, ["analyze", "--data", str(data), "--analysis", "final", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def _ard(out: Path, analysis_id: str, analysis_set: str = "FAS") -> dict[tuple[str, str], float]:
    ard = pd.read_csv(out / "ard.csv", keep_default_na=False)
    rows = ard.loc[ard["analysis_id"].eq(analysis_id) & ard["analysis_set"].eq(analysis_set)]
    cells = zip(rows["group"], rows["statistic"], rows["value"], strict=True)
    return {(g, s): float(v) for g, s, v in cells if v != ""}


def test_final_analysis_with_an_f3_patient_runs_and_states_the_rule(final_out):
    adsl = pd.read_csv(final_out / "adam" / "adsl.csv", keep_default_na=False)
    assert adsl["PRIMRULE"].tolist() == ["F3", "F1", "F1"]
    assert adsl["PRIMSTAT"].tolist() == ["FAILURE"] * 3
    assert adsl["PRIMREAS"][0] == (
        "SAP 3.1 F3 (N2 at the final analysis) in follow-up, event-free, without S2 follow-up to "
        "the 24-month date 2027-01-10 (adequate assessment from 2026-12-27, alive on 2027-01-10)"
    )
    xpt, _ = pyreadstat.read_xport(final_out / "adam" / "adsl.xpt")
    assert xpt["PRIMREAS"].tolist() == adsl["PRIMREAS"].tolist()  # whole: no continuation


def test_final_numbers_agree_with_the_hand_worked_values(final_out):
    primary = _ard(final_out, "EFF-PRIM-01")
    assert primary[("ALL", "N")] == 3
    assert primary[("STATUS=SUCCESS", "n")] == 0
    assert primary[("STATUS=FAILURE", "n")] == 3 and primary[("STATUS=FAILURE", "pct")] == 100
    assert primary[("STATUS=NOT EVALUABLE YET", "n")] == 0
    assert primary[("STATUS=FAILURE; RULE=F3", "n")] == 1
    assert primary[("STATUS=FAILURE; RULE=F3", "pct")] == pytest.approx(100 / 3)
    assert primary[("METHOD=NAIVE; LEVEL=95%", "ucl")] == pytest.approx(0.707598, abs=1e-6)
    assert primary[("METHOD=NAIVE; LEVEL=90%", "ucl")] == pytest.approx(0.631597, abs=1e-6)
    assert primary[("METHOD=NAIVE; LEVEL=95%", "lcl")] == 0
    supportive = _ard(final_out, "EFF-PRIM-03")
    assert supportive[("STATUS=SUCCESS", "n")] == 0
    assert supportive[("STATUS=FAILURE", "n")] == 2
    assert supportive[("STATUS=NOT EVALUABLE YET", "n")] == 1
    assert supportive[("METHOD=NAIVE", "N")] == 2
    assert supportive[("METHOD=NAIVE", "ucl")] == pytest.approx(0.841886, abs=1e-6)
