"""The command line at the edges of the output folder and of its options (issues 19 section 4, 24).

- ``--out`` past the file system's limits: a message naming NAME_MAX or PATH_MAX, exit 1, nothing
  written. The limits count bytes, and osteo-stats first writes a folder under a hidden name
  beside it, ``.osteo-stats.<name>.<pid>.XXXXXXXX.tmp`` (README "How outputs are written"), so a
  folder name may be at most NAME_MAX - 34 bytes (PIDs have at most 7 digits on Linux).
- Dates are YYYY-MM-DD only, as every date option's help says.
- ``--force`` replaces only what osteo-stats wrote: an empty folder or a named pipe of the user's
  in a report folder is named and kept, like a file.
- Paths are printed with control characters escaped; a symbolic link under ``OUT`` is never
  written through.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_outputs import sha256_tree
from test_report_cli import fixture_catalogue  # noqa: F401  (fixture)
from typer.testing import CliRunner

import osteo_stats.outputs as outputs
from osteo_stats.cli import app
from osteo_stats.errors import OutputRefused
from osteo_stats.outputs import MANIFEST_NAME, atomic_output_dir, check_output_dir

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"

runner = CliRunner()

#: Written down from the scratch name, not from the code: ".osteo-stats." (13) + name + "." (1)
#: + a PID of at most 7 digits + "." (1) + 8 random characters + ".tmp" (4).
SCRATCH_EXTRA = 13 + 1 + 7 + 1 + 8 + 4


def _invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _said(result) -> str:
    return " ".join(result.output.split())


def _entries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# --- 1. --out past the file system's limits ---------------------------------------------------


@pytest.mark.parametrize("length", [240, 255, 300])
def test_a_long_out_name_is_refused_naming_name_max(tmp_path, monkeypatch, length):
    monkeypatch.chdir(tmp_path)
    result = _invoke("synth", "--n", "13", "--out", tmp_path / ("a" * length))
    assert result.exit_code == 1, result.output
    said = _said(result)
    assert "Traceback" not in result.output
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    assert f"NAME_MAX {name_max}" in said and f"is {length} bytes" in said
    assert f"at most {name_max - SCRATCH_EXTRA} bytes" in said
    assert result.output.startswith("error: /")  # the message follows "error:" on its line
    assert list(tmp_path.iterdir()) == []


def test_a_name_at_the_limit_is_written_one_byte_more_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    limit = os.pathconf(tmp_path, "PC_NAME_MAX") - SCRATCH_EXTRA
    over = _invoke("synth", "--n", "13", "--out", "b" * (limit + 1))
    assert over.exit_code == 1 and "NAME_MAX" in _said(over)
    assert list(tmp_path.iterdir()) == []
    at = _invoke("synth", "--n", "13", "--out", "b" * limit)
    assert at.exit_code == 0, at.output
    assert (tmp_path / ("b" * limit) / "adsl.csv").is_file()


def test_the_name_limit_counts_bytes_not_characters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    limit = os.pathconf(tmp_path, "PC_NAME_MAX") - SCRATCH_EXTRA
    name = "é" * (limit // 2 + 1)  # fewer characters than the limit, more bytes
    result = _invoke("synth", "--n", "13", "--out", name)
    assert result.exit_code == 1
    assert f"is {len(name.encode())} bytes" in _said(result)
    assert list(tmp_path.iterdir()) == []


def test_a_long_folder_above_the_report_is_refused_before_the_analysis(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke("report", "dmc", "--data", SHIPPED, "--out", tmp_path / ("c" * 300))
    assert result.exit_code == 1
    assert "is 300 bytes" in _said(result) and "NAME_MAX" in _said(result)
    assert "Loading" not in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_long_issues_file_name_is_refused_naming_name_max(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke("validate", SHIPPED, "--issues", tmp_path / ("d" * 300 + ".csv"))
    assert result.exit_code == 1
    assert "NAME_MAX" in _said(result) and "Traceback" not in result.output
    assert "valid" not in result.output  # refused before the data are validated
    assert list(tmp_path.iterdir()) == []


def test_an_out_deeper_than_path_max_is_refused_naming_path_max(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path_max = os.pathconf(tmp_path, "PC_PATH_MAX")
    deep = tmp_path.joinpath(*["d"] * (path_max // 2 + 10))
    result = _invoke("synth", "--n", "13", "--out", deep)
    assert result.exit_code == 1
    assert f"PATH_MAX {path_max}" in _said(result) and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_out_1200_folders_deep_within_path_max_is_written(tmp_path, monkeypatch):
    # Path.mkdir(parents=True) recursed once a level: a RecursionError past about 1,000.
    monkeypatch.chdir(tmp_path)
    deep = Path(*["d"] * 1200)
    try:
        result = _invoke("synth", "--n", "13", "--out", deep)
        assert result.exit_code == 0, result.output[-500:]
        assert (tmp_path / deep / "adsl.csv").is_file()
    finally:  # shutil.rmtree recurses once a level too: pytest could not remove the tree
        subprocess.run(["rm", "-rf", "--", str(tmp_path / "d")], check=True)


def test_a_name_too_long_met_while_writing_names_the_limits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def too_long(*args, **kwargs):
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", too_long)
    result = _invoke("synth", "--n", "13", "--out", "trial")
    assert result.exit_code == 1
    assert "NAME_MAX" in _said(result) and "PATH_MAX" in _said(result)
    assert "nothing was written" in _said(result)
    assert list(tmp_path.iterdir()) == []


# --- 2. dates are YYYY-MM-DD only -------------------------------------------------------------

_NOT_ISO = ["20251231", "2026-W01-1", "2026-001", "2025-12-31T00:00", "2025-1-05", "٢٠٢٥-١٢-٣١"]


@pytest.mark.parametrize("value", _NOT_ISO)
@pytest.mark.parametrize(
    "command",
    [
        ["analyze", "--cutoff"],
        ["report", "dmc", "--cutoff"],
        ["report", "final", "--cutoff"],
        ["report", "dmc", "--previous-cutoff"],
        ["synth", "--cutoff"],
    ],
)
def test_a_date_option_takes_yyyy_mm_dd_only(tmp_path, monkeypatch, command, value):
    monkeypatch.chdir(tmp_path)
    # The date is checked before the data are read: no data folder is needed to refuse it.
    data = [] if command[0] == "synth" else ["--data", tmp_path / "no-data"]
    result = _invoke(*command, value, *data, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert command[-1] in result.output and "YYYY-MM-DD" in result.output
    assert list(tmp_path.iterdir()) == []


# --- 3. --force keeps what the user put in a report folder ------------------------------------


def _our_output(target: Path) -> None:
    with atomic_output_dir(target) as scratch:
        (scratch / "tlfs").mkdir()
        (scratch / "tlfs" / "t.csv").write_text("a\n")
        (scratch / "ard.csv").write_text("b\n")


def test_an_empty_folder_of_the_user_is_named_and_kept(tmp_path):
    target = tmp_path / "out"
    _our_output(target)
    (target / "for_minutes").mkdir()
    (target / "tlfs" / "drafts").mkdir()
    with pytest.raises(OutputRefused) as refused:
        _our_output(target)
    assert "for_minutes (an empty folder)" in str(refused.value)
    assert "tlfs/drafts (an empty folder)" in str(refused.value)
    assert (target / "for_minutes").is_dir() and (target / "tlfs" / "drafts").is_dir()


def test_a_named_pipe_of_the_user_is_named_and_kept(tmp_path):
    target = tmp_path / "out"
    _our_output(target)
    os.mkfifo(target / "feed")
    with pytest.raises(OutputRefused) as refused:
        check_output_dir(target)
    assert "feed (a named pipe)" in str(refused.value)
    assert (target / "feed").exists()


def test_a_file_of_ours_replaced_by_a_link_is_not_deleted(tmp_path):
    target = tmp_path / "out"
    _our_output(target)
    kept = tmp_path / "kept.csv"
    shutil.copy(target / "ard.csv", kept)  # the same bytes: the hash alone would pass it
    (target / "ard.csv").unlink()
    (target / "ard.csv").symlink_to(kept)
    with pytest.raises(OutputRefused) as refused:
        _our_output(target)
    assert "ard.csv (a symbolic link)" in str(refused.value)
    assert (target / "ard.csv").is_symlink()


def test_an_empty_folder_is_never_delivered_so_a_rerun_replaces_the_output(tmp_path):
    target = tmp_path / "out"
    for _ in range(2):
        with atomic_output_dir(target) as scratch:
            (scratch / "figures").mkdir()  # nothing written into it
            (scratch / "ard.csv").write_text("b\n")
    assert _entries(target) == ["ard.csv", MANIFEST_NAME]


@pytest.mark.usefixtures("fixture_catalogue")
def test_force_keeps_a_users_empty_folder_pipe_and_file_in_a_report_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _invoke("report", "dmc", "--data", SHIPPED, "--out", "out").exit_code == 0
    report = tmp_path / "out" / "dmc" / "2026-04-30"
    (report / "minutes").mkdir()
    os.mkfifo(report / "pipe")
    (report / "notes.txt").write_text("mine")
    before = sha256_tree(report)
    result = _invoke("report", "dmc", "--data", SHIPPED, "--out", "out", "--force")
    assert result.exit_code == 1
    said = _said(result)
    assert "minutes (an empty folder)" in said and "pipe (a named pipe)" in said
    assert "notes.txt" in said
    assert (report / "minutes").is_dir() and (report / "pipe").exists()
    assert sha256_tree(report) == before


# --- 4. printed paths and links under OUT -----------------------------------------------------


def test_control_characters_in_an_out_path_are_printed_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    odd = "x\ny\x1b[31mz\u202e"
    result = _invoke("synth", "--n", "13", "--out", odd)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "x\\ny\\x1b[31mz\\u202e" in result.output
    assert result.output.count("\n") == 1  # one line


def test_control_characters_in_a_refused_out_path_are_printed_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "u\x1b[2Jv\nw"
    odd.mkdir()
    (odd / "mine.txt").write_text("keep")
    result = _invoke("synth", "--n", "13", "--out", odd)
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "u\\x1b[2Jv\\nw: is not empty" in result.output


@pytest.mark.parametrize("cutoff", [[], ["--cutoff", "2026-04-30"]])
def test_a_symlinked_out_dmc_is_never_written_through(tmp_path, monkeypatch, cutoff):
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "dmc").symlink_to(elsewhere, target_is_directory=True)
    result = _invoke("report", "dmc", "--data", SHIPPED, "--out", "out", *cutoff)
    assert result.exit_code == 1
    assert "out/dmc: is a symbolic link" in _said(result)
    assert "Loading" not in result.output
    assert list(elsewhere.iterdir()) == []


def test_a_link_made_under_out_while_the_report_ran_is_refused_at_the_swap(tmp_path):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    with pytest.raises(OutputRefused, match="symbolic link"):  # noqa: PT012
        with atomic_output_dir(out / "dmc" / "2026-04-30", root=out) as scratch:
            (scratch / "a.csv").write_text("x\n")
            # OUT/dmc becomes a link to where it was moved, the scratch folder still inside.
            (out / "dmc").rename(elsewhere)
            (out / "dmc").symlink_to(elsewhere, target_is_directory=True)
    assert not (elsewhere / "2026-04-30").exists()


# --- 6. sweep: --previous-cutoff at the first enrolment (SAP 10.4) ----------------------------


@pytest.mark.parametrize(
    ("previous", "ae_new", "death_new"),
    [
        # SAP 10.4: p before the first enrolment (2025-01-10) is allowed and everything is new;
        # on it and the day after, nothing had happened yet (first AE onset 2025-01-20).
        ("2024-01-01", "YYYY", "NYN"),
        ("2025-01-09", "YYYY", "NYN"),
        ("2025-01-10", "YYYY", "NYN"),
        ("2025-01-11", "YYYY", "NYN"),
        # PROMIS-002 died and discontinued on 2025-12-05: new after p = 12-04, known at p = 12-05.
        ("2025-12-04", "NNNN", "NYN"),
        ("2025-12-05", "NNNN", "NNN"),
    ],
)
def test_previous_cutoff_before_at_and_after_the_first_enrolment(
    tmp_path, previous, ae_new, death_new
):
    from datetime import date

    from minimal_trial import minimal_trial, write_trial

    import osteo_stats as os_
    from osteo_stats.derive.analysis_data import derive_analysis_data

    sap = os_.load_sap()
    trial = os_.load_trial(write_trial(minimal_trial(), tmp_path / "data"), sap)
    ad = derive_analysis_data(
        trial, sap, None, analysis_type="interim", previous_cutoff=date.fromisoformat(previous)
    )
    adae = ad.adae.sort_values(["USUBJID", "AESEQ"])
    assert "".join(adae["NEWFL"]) == ae_new
    adsl = ad.adsl.sort_values("USUBJID")
    assert "".join(adsl["DTHNEWFL"]) == death_new
    assert "".join(adsl["DSNEWFL"]) == death_new
