"""Output directories: atomic, never touching what osteo-stats did not write (issue 10, 1-2, 7).

The rule under test (README "How outputs are written"): a command replaces or removes only what
it wrote itself. Every output directory carries ``osteo-stats-manifest.json`` listing its files
with their SHA-256; a non-empty directory without it, or holding a file the manifest does not
list, or a listed file that was edited since, is refused. The current directory and the input
data (and anything containing them) are never an output directory. A symbolic link is never
written through. Records (committee reports) are not replaced unless the caller asks to.
"""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from osteo_stats.errors import OsteoStatsError, OutputRefused
from osteo_stats.outputs import (
    MANIFEST_NAME,
    atomic_output_dir,
    atomic_write_text,
    check_output_dir,
)


def sha256_tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (following nothing) with its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def user_folder(root: Path) -> dict[str, str]:
    """A user's folder with files of their own; returns their hashes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "protocol.pdf").write_bytes(b"%PDF-1.7 the user's protocol")
    (root / "notes.txt").write_text("DMC meeting notes\n")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "adsl.csv").write_text("USUBJID\nX-1\n")
    return sha256_tree(root)


# --- the basic swap ---------------------------------------------------------------------------
def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_output_dir_swapped_in_only_on_success(tmp_path):
    target = tmp_path / "report"
    with atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("1")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", MANIFEST_NAME]

    # A second run replaces only what the first wrote: no stale file from the first survives.
    with atomic_output_dir(target) as scratch:
        (scratch / "b.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b.csv", MANIFEST_NAME]


def test_manifest_lists_every_file_with_its_hash_and_the_command(tmp_path):
    target = tmp_path / "out"
    with atomic_output_dir(target, command=["osteo-stats", "analyze"]) as scratch:
        (scratch / "tlfs").mkdir()
        (scratch / "tlfs" / "t.csv").write_text("x\n")
        (scratch / "ard.csv").write_text("y\n")
    manifest = json.loads((target / MANIFEST_NAME).read_text())
    assert manifest["command"] == ["osteo-stats", "analyze"]
    assert manifest["files"] == {
        "ard.csv": hashlib.sha256(b"y\n").hexdigest(),
        "tlfs/t.csv": hashlib.sha256(b"x\n").hexdigest(),
    }


def test_failed_run_keeps_previous_output_and_leaves_no_scratch(tmp_path):
    target = tmp_path / "report"
    with atomic_output_dir(target) as scratch:
        (scratch / "good.csv").write_text("ok")
    with pytest.raises(RuntimeError), atomic_output_dir(target) as scratch:
        (scratch / "half.csv").write_text("partial")
        raise RuntimeError("analysis failed")
    assert sorted(p.name for p in target.iterdir()) == ["good.csv", MANIFEST_NAME]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_failed_first_run_creates_nothing(tmp_path):
    target = tmp_path / "report"
    with pytest.raises(ValueError), atomic_output_dir(target):
        raise ValueError("bad data")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


# --- what is refused ----------------------------------------------------------------------------
def test_a_users_non_empty_folder_is_refused_and_kept(tmp_path):
    folder = tmp_path / "mine"
    before = user_folder(folder)
    with pytest.raises(OutputRefused, match=r"not written by osteo-stats.*osteo-stats-manifest"):
        with atomic_output_dir(folder) as scratch:
            (scratch / "a.csv").write_text("1")
    assert sha256_tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_an_empty_existing_folder_is_used(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with atomic_output_dir(folder) as scratch:
        (scratch / "a.csv").write_text("1")
    assert (folder / "a.csv").read_text() == "1"


def test_a_file_the_user_added_to_an_output_folder_is_never_removed(tmp_path):
    target = tmp_path / "analysis"
    with atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("1")
    (target / "my_qc_notes.txt").write_text("QC done by JS")
    with pytest.raises(OutputRefused, match=r"my_qc_notes\.txt.*not written by osteo-stats"):
        with atomic_output_dir(target) as scratch:
            (scratch / "a.csv").write_text("2")
    assert (target / "my_qc_notes.txt").read_text() == "QC done by JS"
    assert (target / "a.csv").read_text() == "1"


def test_a_file_edited_since_it_was_written_is_not_replaced(tmp_path):
    target = tmp_path / "analysis"
    with atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("1")
    (target / "a.csv").write_text("1, annotated by the medical writer")
    with pytest.raises(OutputRefused, match=r"a\.csv.*changed since osteo-stats wrote it"):
        with atomic_output_dir(target) as scratch:
            (scratch / "a.csv").write_text("2")
    assert (target / "a.csv").read_text() == "1, annotated by the medical writer"


def test_a_regular_file_is_not_an_output_directory(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF")
    with pytest.raises(OutputRefused, match="is not a directory"):
        check_output_dir(target)
    assert target.read_bytes() == b"%PDF"


def test_a_symlinked_output_is_never_followed(tmp_path):
    real = tmp_path / "real"
    before = user_folder(real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputRefused, match="symbolic link"):
        with atomic_output_dir(link) as scratch:
            (scratch / "a.csv").write_text("1")
    assert link.is_symlink() and sha256_tree(real) == before


def test_a_symlink_to_an_osteo_stats_folder_is_refused_too(tmp_path):
    real = tmp_path / "real"
    with atomic_output_dir(real) as scratch:
        (scratch / "a.csv").write_text("1")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputRefused, match="symbolic link"):
        check_output_dir(link)


def test_the_current_directory_and_its_ancestors_are_refused(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for target in (Path("."), work, Path(".."), tmp_path):
        with pytest.raises(OutputRefused, match="current directory"):
            check_output_dir(target)
    # Even an empty current directory: writing it would swap the directory the user is in.
    assert list(work.iterdir()) == []


def test_the_data_directory_and_its_ancestors_are_refused(tmp_path):
    data = tmp_path / "study" / "data"
    data.mkdir(parents=True)
    for target in (data, tmp_path / "study", tmp_path):
        with pytest.raises(OutputRefused, match="input data"):
            check_output_dir(target, keep_out={data: "the input data"})


def test_a_record_is_not_replaced_unless_asked(tmp_path):
    target = tmp_path / "dmc" / "2025-06-30"
    with atomic_output_dir(target, replace=False) as scratch:
        (scratch / "report.pdf").write_text("first")
    with pytest.raises(OutputRefused, match=r"already holds.*--force"):
        with atomic_output_dir(target, replace=False) as scratch:
            (scratch / "report.pdf").write_text("second")
    assert (target / "report.pdf").read_text() == "first"
    with atomic_output_dir(target, replace=True) as scratch:
        (scratch / "report.pdf").write_text("second")
    assert (target / "report.pdf").read_text() == "second"


def test_refusal_is_part_of_the_package_error_tree():
    assert issubclass(OutputRefused, OsteoStatsError)


# --- permissions --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)]
)
def test_files_follow_the_users_umask(tmp_path, umask, file_mode, dir_mode):
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "single.txt", "x")
        with atomic_output_dir(tmp_path / "out") as scratch:
            atomic_write_text(scratch / "tlfs" / "t.csv", "x")
            (scratch / "plain.csv").write_text("y")
    finally:
        os.umask(old)
    assert (tmp_path / "single.txt").stat().st_mode & 0o777 == file_mode
    assert (tmp_path / "out").stat().st_mode & 0o777 == dir_mode
    assert (tmp_path / "out" / "tlfs").stat().st_mode & 0o777 == dir_mode
    for path in ("tlfs/t.csv", "plain.csv", MANIFEST_NAME):
        assert (tmp_path / "out" / path).stat().st_mode & 0o777 == file_mode, path


# --- a full or read-only disk ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system")]
)
def test_a_failing_disk_is_a_message_and_leaves_nothing(tmp_path, code, words):
    target = tmp_path / "out"
    with pytest.raises(OutputRefused, match=rf"{target}.*{words}.*nothing was written"):
        with atomic_output_dir(target) as scratch:
            (scratch / "a.csv").write_text("1")
            raise OSError(code, os.strerror(code))
    assert list(tmp_path.iterdir()) == []


# --- interrupted and concurrent runs -------------------------------------------------------------
_KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import osteo_stats.outputs as outputs

    target, stage = Path(sys.argv[1]), sys.argv[2]
    if stage == "swap":
        real_replace = os.replace
        def replace_then_die(src, dst):
            real_replace(src, dst)
            if ".old" in str(dst):  # the previous output is aside, the new one not yet in
                os.kill(os.getpid(), signal.SIGKILL)
        outputs.os.replace = replace_then_die
    with outputs.atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("new")
        if stage == "write":
            os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.parametrize("stage", ["write", "swap"])
def test_a_killed_run_is_cleaned_up_by_the_next_one(tmp_path, stage):
    target = tmp_path / "out"
    with atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("old")
    killed = subprocess.run([sys.executable, "-c", _KILLED_RUN, str(target), stage], check=False)
    assert killed.returncode == -9
    hidden = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert hidden, "the kill should have left something behind for the test to mean anything"

    # The next run finds the previous output (restored if the kill came mid-swap) and cleans up.
    check_output_dir(target)
    assert (target / "a.csv").read_text() == "old"
    with atomic_output_dir(target) as scratch:
        (scratch / "a.csv").write_text("next")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (target / "a.csv").read_text() == "next"


def test_scratch_of_a_live_run_is_left_alone(tmp_path):
    target = tmp_path / "out"
    with atomic_output_dir(target) as outer:
        (outer / "a.csv").write_text("1")
        # A second run into another folder of the same parent must not sweep the live scratch.
        with atomic_output_dir(tmp_path / "other") as inner:
            (inner / "b.csv").write_text("2")
        assert outer.is_dir()
    assert (target / "a.csv").read_text() == "1"


def _write_record(target: str, hold: float, queue) -> None:
    try:
        with atomic_output_dir(Path(target), replace=False) as scratch:
            (scratch / "report.pdf").write_text(str(os.getpid()))
            time.sleep(hold)
        queue.put(("ok", os.getpid()))
    except OutputRefused as exc:
        queue.put(("refused", str(exc)))


def test_two_concurrent_runs_into_one_record_one_wins_one_is_refused(tmp_path):
    target = tmp_path / "dmc" / "2025-06-30"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    runs = [context.Process(target=_write_record, args=(str(target), 1.0, queue)) for _ in "ab"]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    results = sorted(queue.get(timeout=5) for _ in runs)
    assert [kind for kind, _ in results] == ["ok", "refused"]
    assert "already holds" in results[1][1]
    winner = results[0][1]
    assert (target / "report.pdf").read_text() == str(winner)
    assert sorted(p.name for p in target.parent.iterdir()) == ["2025-06-30"]
