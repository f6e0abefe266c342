"""One gate (issue 19): ``validate`` applies every check that any command applies to its data.

Before the fix, the shipped data with one AETERM of 60,000 characters were "valid" for
``validate`` while ``report dmc`` refused them ("Data validation failed ... over 200 bytes, the SAS
transport v5 limit"): the export had a data check of its own. Now

- every check that refuses data lives in ``osteo_stats.load`` (``validate_trial``), which
  ``validate`` and every command that analyses call with the same arguments (the data, the SAP,
  the mapping and the analysis cut-off); the export limit is gone (a long text is split, SAP 12.4);
  ``test_no_data_check_outside_load`` reads the source to keep it so;
- for each rule of the bad-input catalogue (``tests/test_bad_inputs.py``, one case per rule of the
  loader) and of ADLB (``tests/test_load_adlb.py``), for the analysis cut-off (``--cutoff`` after
  DCUTDT, SAP 6.2) and for a 60,000-character AETERM, ``validate`` and ``analyze`` give the same
  verdict: both exit 1 with the same issue lines and nothing written, or both accept the data.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial
from test_bad_inputs import CASES, Case
from test_load_adlb import ROWS as ADLB_ROWS
from typer.testing import CliRunner

from osteo_stats.cli import app

SRC = Path(__file__).resolve().parents[1] / "src" / "osteo_stats"
runner = CliRunner()


def _invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _issue_lines(output: str) -> list[str]:
    """The grouped issue lines and the totals of a validation summary (title and pointer left
    out: they differ by command)."""
    lines = output.splitlines()
    title = next(i for i, line in enumerate(lines) if "data validation failed" in line.lower())
    end = next(i for i, line in enumerate(lines) if line.startswith("Totals:"))
    return lines[title + 1 : end + 1]


def _same_verdict(data: Path, out: Path, *options: str) -> None:
    checked = _invoke("validate", data, *options)
    analysed = _invoke("analyze", "--data", data, "--out", out, *options)
    assert checked.exit_code == analysed.exit_code, (checked.output, analysed.output)
    if checked.exit_code == 0:
        assert "valid" in checked.output and out.is_dir()
        return
    assert checked.exit_code == 1
    assert _issue_lines(checked.output) == _issue_lines(analysed.output)
    assert "Data validation failed: nothing was written" in analysed.output
    assert not out.exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_and_analyze_give_the_same_verdict_for_every_rule(case: Case, tmp_path):
    tables = minimal_trial()
    case.corrupt(tables)
    data = write_trial(tables, tmp_path / "data")
    case.after_write(data)
    _same_verdict(data, tmp_path / "out")


#: One corruption per ADLB rule (the cases of tests/test_load_adlb.py), and the valid ADLB.
ADLB_CASES = {
    "valid": {},
    "paramcd": {(0, "PARAMCD"): "ANC"},
    "unit_unknown": {(2, "AVALU"): "IU/L"},
    "unit_of_other_parameter": {(2, "AVALU"): "umol/L"},
    "lln_above_uln": {(1, "ANRLO"): "8.0"},
    "orphan": {(1, "USUBJID"): "PROMIS-999"},
    "after_cutoff": {(1, "ADT"): "2026-07-01"},
    "negative": {(1, "AVAL"): "-1"},
    "duplicate_key": {(1, "ADT"): "2025-01-08", (1, "AVAL"): "3.0"},
}


@pytest.mark.parametrize("cells", ADLB_CASES.values(), ids=ADLB_CASES.keys())
def test_validate_and_analyze_give_the_same_verdict_for_every_adlb_rule(cells, tmp_path):
    tables = minimal_trial()
    tables["ADLB"] = pd.DataFrame(ADLB_ROWS).astype(str)
    for (row, column), value in cells.items():
        tables["ADLB"].loc[row, column] = value
    _same_verdict(write_trial(tables, tmp_path / "data"), tmp_path / "out")


@pytest.mark.parametrize("cutoff", ["2026-06-30", "2026-07-01"])
def test_the_analysis_cut_off_is_checked_by_validate_too(cutoff, tmp_path):
    # SAP 6.2: the minimal trial's DCUTDT is 2026-06-30; a later analysis cut-off is refused by
    # both, naming the value and the rule; the extract's own cut-off is accepted by both.
    data = write_trial(minimal_trial(), tmp_path / "data")
    _same_verdict(data, tmp_path / "out", "--cutoff", cutoff)
    if cutoff == "2026-07-01":
        lines = " ".join(_issue_lines(_invoke("validate", data, "--cutoff", cutoff).output))
        assert "DCUTDT = 2026-07-01" in lines and "on or before the extract's DCUTDT" in lines


def test_a_60000_character_term_is_valid_for_validate_and_analyze(tmp_path):
    tables = minimal_trial()
    tables["ADAE"].loc[0, "AETERM"] = ("nausea " * 9000)[:59_999] + "x"
    data = write_trial(tables, tmp_path / "data")
    _same_verdict(data, tmp_path / "out")


def _raisers(path: Path) -> list[str]:
    """What in ``path`` builds a DataValidationError or a ValidationIssue (a data check)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("DataValidationError", "ValidationIssue")
    ]


def test_no_data_check_outside_load():
    outside = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[0] != "load" and (found := _raisers(path))
    }
    # derive_analysis_data re-raises the load gate's own cut-off issues for API callers
    assert outside == {"derive/analysis_data.py": ["DataValidationError"]}
    source = (SRC / "derive" / "analysis_data.py").read_text(encoding="utf-8")
    assert re.search(r"late = cutoff_issues\(cutoff, trial\.cutoff\)", source)
    # every command that reads data goes through the one gate with its cut-off
    cli = (SRC / "cli.py").read_text(encoding="utf-8")
    calls = re.findall(r"validate_trial\(([^)]*)\)", cli)
    assert len(calls) == 2 and all("cutoff=cutoff_date" in call for call in calls), calls


@pytest.mark.parametrize("case_id", ["grade_7", "missing_column", "non_utf8"])
def test_report_dmc_refuses_with_the_lines_validate_prints(case_id, tmp_path):
    # report goes through the same gate as analyze (a refusal costs no report layout)
    case = next(c for c in CASES if c.id == case_id)
    tables = minimal_trial()
    case.corrupt(tables)
    data = write_trial(tables, tmp_path / "data")
    case.after_write(data)
    checked = _invoke("validate", data, "--cutoff", "2026-06-30")
    reported = _invoke("report", "dmc", "--data", data, "--out", tmp_path / "out")
    assert checked.exit_code == reported.exit_code == 1
    assert _issue_lines(checked.output) == _issue_lines(reported.output)
    assert not (tmp_path / "out").exists()
