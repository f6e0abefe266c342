"""The report's files written in a forked process beside the PDF layout (render/beside.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from osteo_stats.render import beside as beside_module
from osteo_stats.render.beside import Beside

pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork"
)


@pytest.fixture
def forking(monkeypatch):
    # The test process may have imported polars already (other tests); these functions use none.
    monkeypatch.setattr(beside_module, "FORK_UNSAFE", ())


def test_the_value_comes_back_from_another_process(forking):
    with Beside(lambda: ([Path("a"), Path("b")], os.getpid()), "test") as job:
        assert job.forked
        paths, pid = job.result()
    assert paths == [Path("a"), Path("b")]
    assert pid != os.getpid()


def test_an_error_is_raised_in_the_caller_with_its_type_and_message(forking):
    def fail():
        raise ValueError("Table 14.3.1: bad cell")

    with Beside(fail, "test") as job, pytest.raises(ValueError, match="Table 14.3.1: bad cell"):
        job.result()


def test_an_exception_that_does_not_pickle_still_fails_with_its_message(forking):
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail():
        raise Local("disk full")

    with Beside(fail, "test") as job, pytest.raises(RuntimeError, match="Local: disk full"):
        job.result()


def test_a_process_that_dies_is_an_error_not_a_hang(forking):
    with (
        Beside(lambda: os._exit(3), "writing the files") as job,
        pytest.raises(RuntimeError, match=r"writing the files stopped .* \(exit code 3\)"),
    ):
        job.result()


def test_leaving_early_stops_the_process_before_anything_more_is_written(forking, tmp_path):
    marker = tmp_path / "late.txt"

    def slow():
        time.sleep(3)
        marker.write_text("written after the caller gave up")

    with pytest.raises(KeyboardInterrupt), Beside(slow, "test") as job:
        assert job.forked
        raise KeyboardInterrupt  # Ctrl-C in the caller during the layout
    time.sleep(3.5)
    assert not marker.exists()


def test_no_fork_once_polars_is_imported(monkeypatch):
    monkeypatch.setattr(beside_module, "FORK_UNSAFE", ("polars",))
    monkeypatch.setitem(sys.modules, "polars", sys.modules.get("polars") or object())
    calls = []
    with Beside(lambda: calls.append(os.getpid()) or "done", "test") as job:
        assert not job.forked
        assert calls == []  # deferred to result(), in this process
        assert job.result() == "done"
    assert calls == [os.getpid()]


def test_the_cli_parent_never_imports_polars():
    """The report command forks only if its own process has not started polars' thread pool."""
    code = (
        "import sys, osteo_stats.cli, osteo_stats.render.report, osteo_stats.render.rtf;"
        "print(sorted(m for m in ('polars', 'rtflite', 'resvg_py') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
