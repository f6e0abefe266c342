"""The osteo-stats command line: exit codes, messages, and no output from invalid data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osteo_stats.cli import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_validate_shipped_synthetic_trial_prints_summary():
    result = _invoke("validate", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert "Patients enrolled" in result.stdout
    assert "43" in result.stdout


def test_validate_reports_bad_value_and_exits_non_zero(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SHIPPED, data, ignore=shutil.ignore_patterns("xpt"))
    adae = (data / "adae.csv").read_text(encoding="utf-8").splitlines()
    header = adae[0].split(",")
    grade = header.index("AETOXGR")
    first = adae[1].split(",")
    first[grade] = "7"
    adae[1] = ",".join(first)
    (data / "adae.csv").write_text("\n".join(adae) + "\n", encoding="utf-8")

    result = _invoke("validate", str(data))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "AETOXGR" in result.stderr
    assert "7" in result.stderr


def test_validate_missing_directory(tmp_path):
    result = _invoke("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_bad_sap_file_names_the_key(tmp_path):
    sap_text = (REPO / "sap" / "sap.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "sap.yaml"
    bad.write_text(sap_text.replace("p1: 0.40", "p1: 0.10"), encoding="utf-8")
    result = _invoke("validate", str(SHIPPED), "--sap", str(bad))
    assert result.exit_code == 1
    assert "p1 (0.1) must be greater than p0" in result.stderr


def test_synth_is_byte_identical_for_a_seed(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert _invoke("synth", "--out", str(first), "--seed", "7").exit_code == 0
    assert _invoke("synth", "--out", str(second), "--seed", "7").exit_code == 0
    # Every data file is identical; the manifest differs only by the --out it records.
    files = sorted(
        p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.suffix != ".json"
    )
    assert files, "synth wrote nothing"
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert _invoke("validate", str(first)).exit_code == 0
    assert _invoke("validate", str(first / "xpt")).exit_code == 0


def test_synth_rejects_a_bad_cutoff_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = _invoke("synth", "--out", str(out), "--cutoff", "2025-02-30")
    assert result.exit_code == 2
    assert "--cutoff = '2025-02-30' is not a date" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["synth", "--help"]])
def test_help(args):
    assert _invoke(*args).exit_code == 0


def test_design_check_confirms_the_sap_design():
    result = _invoke("design", "check")
    assert result.exit_code == 0, result.output
    assert "design check passed" in result.stdout
    assert "r1/n1=3/13, r/n=12/43" in result.stdout


def test_design_check_fails_on_an_edited_sap(tmp_path):
    sap_text = (REPO / "sap" / "sap.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "sap.yaml"
    edited.write_text(sap_text.replace("n1: 13", "n1: 15"), encoding="utf-8")
    result = _invoke("design", "check", "--sap", str(edited))
    assert result.exit_code == 1
    assert "design check failed" in result.stderr
    assert "design.n1 (stated 15, computed 13)" in result.stderr


def test_design_simon_json_lists_the_frontier():
    import json

    result = _invoke("design", "simon", "--p0", "0.2", "--p1", "0.4", "--json")
    assert result.exit_code == 0
    designs = json.loads(result.stdout)["designs"]
    rules = {(d["kind"], d["r1"], d["n1"], d["r"], d["n"]) for d in designs}
    # Simon (1989) Table 1, p0=0.20, p1=0.40, alpha=0.05, beta=0.20.
    assert ("optimal", 3, 13, 12, 43) in rules
    assert ("minimax", 4, 18, 10, 33) in rules


def test_design_simon_rejects_p1_below_p0():
    result = _invoke("design", "simon", "--p0", "0.5", "--p1", "0.4")
    assert result.exit_code == 2
    assert "p1 = 0.4 must be greater than p0 = 0.5" in result.stderr


def test_design_simon_plots_pointing_at_a_file_is_a_clear_error(tmp_path, monkeypatch):
    """Issue 10, section 7: ``--plots`` naming an existing file raised a traceback."""
    monkeypatch.chdir(tmp_path)
    notes = Path("notes.txt")
    notes.write_text("keep", encoding="utf-8")
    args = ("design", "simon", "--p0", "0.2", "--p1", "0.4", "--nmax", "50")
    result = _invoke(*args, "--plots", str(notes))
    assert result.exit_code == 2
    flat = " ".join(result.stderr.replace("│", " ").split())  # the error box may wrap
    assert "Invalid value for '--plots': dir 'notes.txt' is a file." in flat
    assert "Traceback" not in result.output
    # a path below a file cannot be created either: a message, exit 1, not a traceback
    result = _invoke(*args, "--plots", str(notes / "plots"))
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert f"error: {notes / 'plots'}: {tmp_path / notes} is a file, not a directory" in flat
    assert notes.read_text(encoding="utf-8") == "keep"


def test_synth_stage1_snapshot_is_the_13th_patient_at_24_months(tmp_path):
    import pandas as pd

    out = tmp_path / "interim"
    result = _invoke("synth", "--out", str(out), "--cutoff", "stage1")
    assert result.exit_code == 0, result.output
    adsl = pd.read_csv(out / "adsl.csv", dtype=str)
    cutoff = pd.Timestamp(adsl["DCUTDT"].iloc[0])
    thirteenth = pd.to_datetime(adsl["ENRLDT"]).sort_values().iloc[12]
    # AVAL = date - ENRLDT + 1 >= ceil(24 * 30.4375) = 731 days first holds at ENRLDT + 730.
    assert cutoff == thirteenth + pd.Timedelta(days=730)
    assert _invoke("validate", str(out)).exit_code == 0


def test_synth_cutoff_before_first_enrollment_is_a_usage_error(tmp_path):
    out = tmp_path / "early"
    result = _invoke("synth", "--out", str(out), "--cutoff", "2000-01-01")
    assert result.exit_code == 2
    assert "no patient is enrolled by the cut-off 2000-01-01" in result.stderr
    assert not out.exists()
