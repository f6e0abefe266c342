"""Every command that writes keeps the user's files and archives committee reports (issue 10).

Each case puts user files where a command might write, runs the command, and compares the
SHA-256 of every user file before and after. Reports go to ``OUT/<kind>/<cut-off>/`` and an
existing report at a cut-off is kept unless ``--force`` is given.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from test_outputs import sha256_tree, user_folder
from test_report_cli import fixture_catalogue  # noqa: F401  (fixture)
from typer.testing import CliRunner

import osteo_stats.outputs as outputs
from osteo_stats.cli import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"
CUTOFF = "2026-04-30"

runner = CliRunner()


def _invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _said(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A statistician's working directory: their own files and a copy of the trial data."""
    work = tmp_path / "work"
    user_folder(work)
    shutil.copytree(SHIPPED, work / "mydata", ignore=shutil.ignore_patterns("xpt"))
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(
        "defaults:\n"
        "  design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}\n"
        "  accrual: {rate_per_month: 1.79}\n"
        "scenarios:\n"
        "  - {name: h1, efs: {two_year: 0.4}}\n",
        encoding="utf-8",
    )
    return path


def test_analyze_into_the_current_directory_is_refused(workdir):
    before = sha256_tree(workdir)
    result = _invoke("analyze", "--data", "mydata", "--out", ".")
    assert result.exit_code == 1
    assert "is the current directory" in _said(result)
    assert "Traceback" not in result.output
    assert sha256_tree(workdir) == before


@pytest.mark.parametrize("out", ["mydata", "."])
def test_analyze_into_the_data_or_above_it_is_refused(workdir, out, monkeypatch):
    monkeypatch.chdir(workdir.parent)
    before = sha256_tree(workdir)
    result = _invoke("analyze", "--data", workdir / "mydata", "--out", workdir / out)
    assert result.exit_code == 1
    assert "the input data" in _said(result)
    assert sha256_tree(workdir) == before


def test_synth_into_a_users_folder_is_refused(workdir):
    before = sha256_tree(workdir)
    result = _invoke("synth", "--out", workdir / "sub")
    assert result.exit_code == 1
    assert "not written by osteo-stats" in _said(result)
    assert sha256_tree(workdir) == before


def test_synth_through_a_symlink_is_refused(workdir, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(workdir, target_is_directory=True)
    before = sha256_tree(workdir)
    result = _invoke("synth", "--out", link)
    assert result.exit_code == 1
    assert "symbolic link" in _said(result)
    assert link.is_symlink() and sha256_tree(workdir) == before


def test_synth_replaces_its_own_earlier_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _invoke("synth", "--out", "trial", "--n", "13").exit_code == 0
    assert _invoke("synth", "--out", "trial", "--n", "13", "--seed", "7").exit_code == 0
    assert (tmp_path / "trial" / outputs.MANIFEST_NAME).is_file()


def test_simulate_into_a_users_folder_is_refused(workdir, scenario_file):
    before = sha256_tree(workdir)
    result = _invoke("simulate", scenario_file, "--reps", "100", "--out", workdir / "sub")
    assert result.exit_code == 1
    assert "not written by osteo-stats" in _said(result)
    assert sha256_tree(workdir) == before


def test_design_plots_into_a_users_folder_are_refused(workdir):
    (workdir / "sub" / "simon_oc.svg").write_text("<svg>the user's own figure</svg>")
    before = sha256_tree(workdir)
    result = _invoke("design", "simon", "--p0", "0.2", "--p1", "0.4", "--plots", workdir / "sub")
    assert result.exit_code == 1
    assert "not written by osteo-stats" in _said(result)
    assert sha256_tree(workdir) == before


@pytest.mark.usefixtures("fixture_catalogue")
@pytest.mark.parametrize("kind", ["dmc", "final"])
def test_report_keeps_user_files_beside_the_archive(workdir, kind):
    user_folder(workdir / "reports" / kind)
    before = sha256_tree(workdir)
    result = _invoke("report", kind, "--data", "mydata", "--out", "reports")
    assert result.exit_code == 0, result.output
    report = workdir / "reports" / kind / CUTOFF
    assert (report / f"PROMIS_{kind}_{CUTOFF}.pdf").is_file()
    after = sha256_tree(workdir)
    assert {name: after[name] for name in before} == before
    assert str(report) in _said(result)


@pytest.mark.usefixtures("fixture_catalogue")
@pytest.mark.parametrize("kind", ["dmc", "final"])
def test_reports_at_successive_cutoffs_sit_side_by_side(tmp_path, kind, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for cutoff in ("2025-06-30", CUTOFF):
        result = _invoke("report", kind, "--data", SHIPPED, "--cutoff", cutoff, "--out", "out")
        assert result.exit_code == 0, result.output
    archive = tmp_path / "out" / kind
    assert sorted(p.name for p in archive.iterdir()) == ["2025-06-30", CUTOFF]
    assert (archive / "2025-06-30" / f"PROMIS_{kind}_2025-06-30.pdf").is_file()


@pytest.mark.usefixtures("fixture_catalogue")
@pytest.mark.parametrize("kind", ["dmc", "final"])
def test_rerun_at_the_same_cutoff_needs_force(tmp_path, kind, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _invoke("report", kind, "--data", SHIPPED, "--out", "out").exit_code == 0
    report = tmp_path / "out" / kind / CUTOFF
    sent = sha256_tree(report)

    again = _invoke("report", kind, "--data", SHIPPED, "--out", "out")
    assert again.exit_code == 1
    assert "already holds" in _said(again) and "--force" in _said(again)
    assert sha256_tree(report) == sent

    forced = _invoke("report", kind, "--data", SHIPPED, "--out", "out", "--force")
    assert forced.exit_code == 0, forced.output
    assert (report / f"PROMIS_{kind}_{CUTOFF}.pdf").is_file()
    assert sorted(p.name for p in report.parent.iterdir()) == [CUTOFF]


@pytest.mark.usefixtures("fixture_catalogue")
def test_force_never_removes_a_file_the_user_put_in_a_report_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _invoke("report", "dmc", "--data", SHIPPED, "--out", "out").exit_code == 0
    notes = tmp_path / "out" / "dmc" / CUTOFF / "dmc_minutes.docx"
    notes.write_bytes(b"minutes of the closed session")
    result = _invoke("report", "dmc", "--data", SHIPPED, "--out", "out", "--force")
    assert result.exit_code == 1
    assert "dmc_minutes.docx" in _said(result)
    assert notes.read_bytes() == b"minutes of the closed session"


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system")]
)
def test_a_full_or_read_only_disk_is_a_message(tmp_path, monkeypatch, code, words):
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", refuse)
    result = _invoke("synth", "--out", "trial", "--n", "13")
    assert result.exit_code == 1
    assert words in _said(result) and "nothing was written" in _said(result)
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_output_files_have_ordinary_permissions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        assert _invoke("synth", "--out", "trial", "--n", "13").exit_code == 0
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "trial").rglob("*")}
    assert modes["adsl.csv"] == 0o644 and modes["adsl.xpt"] == 0o644 and modes["xpt"] == 0o755
    assert (tmp_path / "trial").stat().st_mode & 0o777 == 0o755


def test_an_error_message_is_never_read_as_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "[bold]x[red]"
    odd.mkdir()
    (odd / "mine.txt").write_text("keep")
    result = _invoke("synth", "--out", odd, "--n", "13")
    assert result.exit_code == 1
    assert "[bold]x[red]" in result.output


def test_a_path_in_a_success_message_is_never_read_as_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke("synth", "--out", "[/x]", "--n", "13")
    assert result.exit_code == 0, result.output
    assert "to [/x]" in result.output
