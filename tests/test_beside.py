"""The report's PDF laid out in a second process beside its files (render/beside.py, issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from osteo_stats.render import beside as beside_module
from osteo_stats.render.beside import Beside

pytestmark = pytest.mark.skipif(not beside_module.can_fork(), reason="needs the fork method")


def _pid_and_double(value):
    return os.getpid(), 2 * value


def test_the_value_comes_back_from_another_process():
    with Beside(_pid_and_double, "test") as job:
        assert job.forked
        job.send(21)
        pid, doubled = job.result()
    assert doubled == 42
    assert pid != os.getpid()


def test_prepare_runs_before_the_input_arrives(tmp_path):
    marker = tmp_path / "prepared"
    with Beside(lambda _: marker.exists(), "test", prepare=marker.touch) as job:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        job.send(None)
        assert job.result() is True


def test_an_error_is_raised_in_the_caller_with_its_type_and_message():
    def fail(_):
        raise ValueError("Listing 16.2.7.5: bad cell")

    with Beside(fail, "test") as job:
        job.send(None)
        with pytest.raises(ValueError, match="Listing 16.2.7.5: bad cell"):
            job.result()


def test_an_exception_that_does_not_pickle_still_fails_with_its_message():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail(_):
        raise Local("no fonts")

    with Beside(fail, "test") as job:
        job.send(None)
        with pytest.raises(RuntimeError, match="Local: no fonts"):
            job.result()


def test_a_process_that_dies_is_an_error_not_a_hang():
    with Beside(lambda _: os._exit(3), "laying out the PDF") as job:
        job.send(None)
        with pytest.raises(RuntimeError, match=r"laying out the PDF stopped .*\(exit code 3\)"):
            job.result()


def test_leaving_early_stops_the_process(tmp_path):
    marker = tmp_path / "late.txt"

    def slow(_):
        time.sleep(3)
        marker.write_text("written after the caller gave up")

    with pytest.raises(KeyboardInterrupt), Beside(slow, "test") as job:
        job.send(None)
        raise KeyboardInterrupt  # Ctrl-C in the caller while the PDF is laid out
    assert not job._process.is_alive()
    time.sleep(3.5)
    assert not marker.exists()


def test_without_fork_the_function_runs_in_the_caller(monkeypatch):
    monkeypatch.setattr(beside_module, "can_fork", lambda: False)
    calls = []
    with Beside(lambda value: calls.append(os.getpid()) or value, "test") as job:
        assert not job.forked
        job.send("done")
        assert calls == []  # deferred to result(), in this process
        assert job.result() == "done"
    assert calls == [os.getpid()]


def test_the_command_process_never_imports_weasyprint():
    """The report command leaves WeasyPrint's import to the layout process (issue 13)."""
    code = (
        "import sys, osteo_stats.cli, osteo_stats.render.report, osteo_stats.render.pdf;"
        "print('weasyprint' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert done.stdout.strip() == "False"


# The report command, stopped by the test at a known point: once the ARD, RTF, CSV and SVG files
# are in the scratch folder and while the PDF layouts run beside, it writes one byte to the pipe
# at file descriptor FD and waits there for Ctrl-C. Every process of the command (the layouts are
# forked from it) holds that pipe open, so its end of file tells the test that all are gone.
_STOPPED_REPORT = """
import os, sys, time
from osteo_stats.cli import main
from osteo_stats.render import report

write_files = report.write_report_files

def write_then_wait(*args, **kwargs):
    files = write_files(*args, **kwargs)
    os.write({fd}, b"!")
    while True:  # Ctrl-C raises KeyboardInterrupt here
        time.sleep(0.05)

report.write_report_files = write_then_wait
sys.exit(main(["report", "dmc", "--out", sys.argv[1]]))
"""


def _read(fd: int, what: str, *, wait: bool = True) -> bytes:
    """The next byte on the pipe (b"" at its end). ``wait``: until it comes, with a generous
    bound that turns a hang into a failure; else it must be there already."""
    import select

    readable, _, _ = select.select([fd], [], [], 600 if wait else 0)
    assert readable, f"no {what}" + (" after 600 s" if wait else "")
    return os.read(fd, 1)


def test_ctrl_c_during_the_report_leaves_nothing_behind(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the files are
    written and the PDF is laid out: the command fails, no output folder or scratch folder is
    left, and the layout processes are gone with it. The test waits on events the command sends
    (a pipe), never on time, so a loaded machine cannot change its verdict."""
    import signal

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    reached, held = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", _STOPPED_REPORT.format(fd=held), str(out)],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo / "src"), "SOURCE_DATE_EPOCH": "1767225600"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=(held,),
    )
    os.close(held)  # from here only the command's processes hold the writing end
    group = os.getpgid(process.pid)
    try:
        assert _read(reached, "sign that the files were written") == b"!", (
            f"the report ended (exit code {process.wait()}) before it could be interrupted"
        )
        # Interrupted inside the atomic output: the files are in the scratch folder.
        assert any((out / "dmc").glob(".osteo-stats.*/*"))
        os.killpg(group, signal.SIGINT)
        assert process.wait(timeout=600) != 0
        # The command has ended: every process that held the pipe, the PDF layouts too, has
        # ended before it (end of file now, not later).
        assert _read(reached, "end of the layout processes with the command", wait=False) == b""
    finally:
        if process.poll() is None:  # a failed check leaves no command running
            os.killpg(group, signal.SIGKILL)
            process.wait()
        os.close(reached)
    assert not (out / "dmc").exists() or list((out / "dmc").iterdir()) == []
    with pytest.raises(ProcessLookupError):  # nor any other process of the command
        os.killpg(group, 0)


def test_a_failed_preparation_is_the_error_of_the_result():
    """WeasyPrint that cannot be imported (no Pango) fails the report with its own message."""

    def no_pango():
        raise OSError("cannot load library 'libpango-1.0-0'")

    with Beside(lambda html: html, "laying out the PDF", prepare=no_pango) as job:
        job.send("<html></html>")
        with pytest.raises(OSError, match="cannot load library 'libpango-1.0-0'"):
            job.result()
