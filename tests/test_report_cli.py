"""``osteo-stats analyze`` and ``osteo-stats report dmc|final`` from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_render_fixtures import fixture_outputs
from typer.testing import CliRunner

import osteo_stats.tlf.build as build
from osteo_stats.cli import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def corrupted(tmp_path) -> Path:
    """data/synthetic with one impossible AE grade."""
    data = tmp_path / "bad"
    shutil.copytree(SHIPPED, data, ignore=shutil.ignore_patterns("xpt"))
    lines = (data / "adae.csv").read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("AETOXGR")
    cells = lines[1].split(",")
    cells[column] = "9"
    lines[1] = ",".join(cells)
    (data / "adae.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


@pytest.fixture
def fixture_catalogue(monkeypatch):
    """The catalogue replaced by the fixture TLFs, independent of which builders exist."""
    builders = {area: (lambda ad: []) for area in build.BUILDERS}
    builders["disposition"] = lambda ad: fixture_outputs(30)
    monkeypatch.setattr(build, "BUILDERS", builders)


@pytest.mark.parametrize("command", [["report", "dmc"], ["report", "final"], ["analyze"]])
def test_invalid_data_prints_the_table_exits_1_and_writes_nothing(corrupted, tmp_path, command):
    out = tmp_path / "out"
    result = _invoke(*command, "--data", corrupted, "--out", out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Data validation failed: nothing was written" in " ".join(result.stderr.split())
    assert "AETOXGR" in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_cutoff_after_the_extract_is_refused(tmp_path):
    out = tmp_path / "out"
    result = _invoke("report", "dmc", "--cutoff", "2099-01-01", "--out", out)
    assert result.exit_code == 1
    assert "DCUTDT" in result.stderr
    assert not out.exists()


def test_bad_cutoff_is_a_usage_error(tmp_path):
    result = _invoke("analyze", "--cutoff", "2025-13-01", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_analyze_writes_ard_and_tlf_csv_svg_but_no_report(tmp_path, fixture_catalogue):
    out = tmp_path / "analysis"
    result = _invoke("analyze", "--out", out)
    assert result.exit_code == 0, result.output
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "ard.csv" in names and "ard.json" in names
    assert "tlfs/table_14_2_1.csv" in names  # analyze writes every TLF, efficacy included
    assert "tlfs/figure_14_3_1.svg" in names
    assert not [n for n in names if n.endswith((".pdf", ".html", ".rtf"))]


def test_report_dmc_from_the_command_line(tmp_path, fixture_catalogue, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "reports"
    result = _invoke("report", "dmc", "--out", out, "--seed", "11")
    assert result.exit_code == 0, result.output
    assert "DMC report written" in result.stdout
    pdf = out / "dmc" / "2026-04-30" / "PROMIS_dmc_2026-04-30.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Table 14.3.1" in text and "Confidential" in text
    html = (out / "dmc" / "2026-04-30" / "PROMIS_dmc_2026-04-30.html").read_text()
    assert "osteo-stats report dmc --data data/synthetic --cutoff 2026-04-30" in html
    assert "--seed 11" in html


def test_report_final_at_an_interim_cutoff_with_the_real_catalogue(tmp_path):
    """Whatever builders are registered today, both reports render at an interim cut-off."""
    out = tmp_path / "reports"
    for kind in ("final", "dmc"):
        result = _invoke("report", kind, "--cutoff", "2024-06-30", "--out", out)
        assert result.exit_code == 0, result.output
        pdf = out / kind / "2024-06-30" / f"PROMIS_{kind}_2024-06-30.pdf"
        first = PdfReader(pdf).pages[0].extract_text()
        assert "2024-06-30" in first
