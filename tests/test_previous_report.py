"""The previous DMC report is trusted by what it recorded, not by its folder's name (SAP 10.4).

Each archived report here is a folder with a few files and the manifest osteo-stats writes
(``written_by``, ``command``, ``files`` with SHA-256), the digests computed with hashlib in the
test. The expected outcome is the rule of SAP 10.4: the cut-off is the report's recorded
``--cutoff``; a report copied to another date's folder, with a file edited, or with a file
replaced by a symbolic link is named and not used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from test_report_cli import fixture_catalogue  # noqa: F401  (a fixture)
from typer.testing import CliRunner

from osteo_stats.cli import app
from osteo_stats.outputs import MANIFEST_NAME
from osteo_stats.render.previous import find_previous_dmc

FILES = {"ard.csv": "analysis_id,value\nDMC-01,3\n", "tlfs/t_14_3_1.csv": "Any TEAE,30\n"}


def _report(dmc: Path, cutoff: str, folder: str | None = None) -> Path:
    """A DMC report at ``cutoff``, as ``report dmc`` archives it, in ``dmc/<folder or cutoff>``."""
    target = dmc / (folder or cutoff)
    for name, text in FILES.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")
    digests = {n: hashlib.sha256(t.encode("utf-8")).hexdigest() for n, t in FILES.items()}
    command = ["osteo-stats", "report", "dmc", "--data", "data", "--cutoff", cutoff]
    manifest = {"written_by": "osteo-stats", "command": command, "files": digests}
    (target / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return target


C = date(2026, 6, 30)  # the cut-off of the report being written


def test_a_legit_report_is_used_with_its_recorded_cutoff(tmp_path):
    dmc = tmp_path / "dmc"
    _report(dmc, "2025-12-31")
    found = find_previous_dmc(dmc, C)
    assert found.cutoff == date(2025, 12, 31) and found.passed_over == ()
    assert found.statement == f"2025-12-31 (the DMC report in {dmc / '2025-12-31'})"


def test_a_renamed_copy_is_not_taken_for_the_report_at_its_folders_date(tmp_path):
    """The copy of the 2025-12-31 report in dmc/2026-03-31 was taken as "the DMC report at
    2026-03-31"; the previous cut-off is now 2025-12-31, from the original."""
    dmc = tmp_path / "dmc"
    original = _report(dmc, "2025-12-31")
    shutil.copytree(original, dmc / "2026-03-31")
    found = find_previous_dmc(dmc, C)
    assert found.cutoff == date(2025, 12, 31)
    [skipped] = found.passed_over
    assert str(dmc / "2026-03-31") in skipped
    assert "the report at 2025-12-31 (its recorded cut-off), in a folder named 2026-03-31" in (
        skipped
    )
    assert "not used" in found.statement


def test_a_report_with_an_edited_file_is_named_and_not_used(tmp_path):
    dmc = tmp_path / "dmc"
    _report(dmc, "2025-12-31")
    edited = _report(dmc, "2026-03-31")
    (edited / "tlfs" / "t_14_3_1.csv").write_text("Any TEAE,0\n", encoding="utf-8")
    found = find_previous_dmc(dmc, C)
    assert found.cutoff == date(2025, 12, 31)
    [skipped] = found.passed_over
    assert str(edited) in skipped and "tlfs/t_14_3_1.csv changed since osteo-stats wrote it" in (
        skipped
    )


def test_a_report_with_a_file_replaced_by_a_link_is_named_and_not_used(tmp_path):
    """The link points at a file with the very bytes recorded: still not the report written."""
    dmc = tmp_path / "dmc"
    linked = _report(dmc, "2026-03-31")
    elsewhere = tmp_path / "ard.csv"
    elsewhere.write_text(FILES["ard.csv"], encoding="utf-8")
    (linked / "ard.csv").unlink()
    (linked / "ard.csv").symlink_to(elsewhere)
    found = find_previous_dmc(dmc, C)
    assert found.cutoff is None
    [skipped] = found.passed_over
    assert "ard.csv is a symbolic link" in skipped
    assert found.statement.startswith("no previous DMC report found")


def test_a_report_with_a_file_removed_or_added_is_not_used(tmp_path):
    dmc = tmp_path / "dmc"
    removed = _report(dmc, "2026-01-31")
    (removed / "ard.csv").unlink()
    added = _report(dmc, "2026-02-28")
    (added / "notes.txt").write_text("mine\n", encoding="utf-8")
    found = find_previous_dmc(dmc, C)
    assert found.cutoff is None
    first, second = found.passed_over
    assert "ard.csv is missing" in first and "notes.txt is not in its manifest" in second


def test_a_folder_name_that_is_not_a_plain_date_is_not_a_report(tmp_path):
    """date.fromisoformat accepts 20251231 and 2025-W53-3; the folder names are YYYY-MM-DD."""
    dmc = tmp_path / "dmc"
    _report(dmc, "2025-12-31", folder="20251231")
    _report(dmc, "2025-12-31", folder="2025-W53-3")
    found = find_previous_dmc(dmc, C)
    assert found.cutoff is None and found.passed_over == ()


@pytest.mark.usefixtures("fixture_catalogue")
def test_report_dmc_warns_of_a_renamed_copy_and_uses_the_original(tmp_path):
    """End to end (fast fixture TLFs, the shipped data): the report at 2024-12-31 copied to
    dmc/2025-03-31; the report at 2025-06-30 names the copy and compares with 2024-12-31."""
    out = tmp_path / "reports"

    def invoke(cutoff):
        args = ["report", "dmc", "--cutoff", cutoff, "--out", str(out)]
        return CliRunner().invoke(app, args, catch_exceptions=False)

    assert invoke("2024-12-31").exit_code == 0
    shutil.copytree(out / "dmc" / "2024-12-31", out / "dmc" / "2025-03-31")
    result = invoke("2025-06-30")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"Warning: not used as the previous DMC report: {out / 'dmc' / '2025-03-31'}" in said
    assert "it is the report at 2024-12-31 (its recorded cut-off)" in said
    assert "Previous DMC cut-off: 2024-12-31" in said
    manifest = json.loads((out / "dmc" / "2025-06-30" / MANIFEST_NAME).read_text(encoding="utf-8"))
    command = manifest["command"]
    assert command[command.index("--previous-cutoff") + 1] == "2024-12-31"
