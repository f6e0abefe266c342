"""Atomic output: a failed run leaves neither partial nor stale files."""

from __future__ import annotations

import pytest

from osteo_stats.outputs import atomic_output_dir, atomic_write_text


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
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]

    # A second successful run leaves no stale file from the first.
    with atomic_output_dir(target) as scratch:
        (scratch / "b.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b.csv"]


def test_failed_run_keeps_previous_output_and_leaves_no_scratch(tmp_path):
    target = tmp_path / "report"
    with atomic_output_dir(target) as scratch:
        (scratch / "good.csv").write_text("ok")
    with pytest.raises(RuntimeError), atomic_output_dir(target) as scratch:
        (scratch / "half.csv").write_text("partial")
        raise RuntimeError("analysis failed")
    assert sorted(p.name for p in target.iterdir()) == ["good.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_failed_first_run_creates_nothing(tmp_path):
    target = tmp_path / "report"
    with pytest.raises(ValueError), atomic_output_dir(target):
        raise ValueError("bad data")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
