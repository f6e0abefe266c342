"""SOURCE_DATE_EPOCH is checked before numpy is imported (issue 24).

numpy.f2py (imported by scipy) calls ``int()`` on the variable at import, so empty, ``abc``,
``1.5e9`` or ``1e20`` ended every command with a traceback. The reproducible-builds
specification (https://reproducible-builds.org/specs/source-date-epoch/) asks for ASCII digits;
253402300799 is 9999-12-31 23:59:59 UTC, the last second a Python date can hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(args: list[str], epoch: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "SOURCE_DATE_EPOCH": epoch}
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


BAD = ["", "abc", "1.5e9", "1e20", "-1", " 1700000000", "99999999999999999999", "253402300800"]


@pytest.mark.parametrize("epoch", BAD)
def test_bad_source_date_epoch_is_a_message_and_exit_2_not_a_traceback(epoch, tmp_path):
    out = _run(["-m", "osteo_stats", "design", "check"], epoch, tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"error: SOURCE_DATE_EPOCH = {epoch!r} is ")
    assert "0 to 253402300799" in out.stderr or "after 9999-12-31" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_console_script_reports_it_the_same_way(tmp_path):
    script = tmp_path / "osteo-stats"  # what pip writes for [project.scripts]
    script.write_text("import sys\nfrom osteo_stats.cli import app\nsys.exit(app())\n")
    out = _run([str(script), "--help"], "1e20", tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: SOURCE_DATE_EPOCH = '1e20' is not whole seconds")


def test_imported_as_a_library_it_raises_the_package_error(tmp_path):
    code = (
        "try:\n    import osteo_stats\nexcept ValueError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = _run(["-c", code], "1.5e9", tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("SourceDateEpochError SOURCE_DATE_EPOCH = '1.5e9' is not")


@pytest.mark.parametrize(
    "epoch, stamp", [("0", "1970-01-01T00:00:00+00:00"), ("253402300799", "9999-12-31T23:59:59")]
)
def test_valid_values_at_both_ends_are_honoured(epoch, stamp, tmp_path):
    code = "from osteo_stats.epoch import report_timestamp\nprint(report_timestamp().isoformat())\n"
    out = _run(["-c", code], epoch, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(stamp)
