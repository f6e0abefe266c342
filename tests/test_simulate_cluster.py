"""Simulation engines (issue 14): a real dask.distributed cluster, oversubscription, progress.

The reference for every engine is the in-process run (``jobs=1``) with the same seed: the chunks
are seeded ``SeedSequence(seed)`` -> child per scenario -> grandchild per chunk and merged in task
order, so any engine must give the identical table (``check_exact``), not a close one.

The cluster tests start a real ``distributed.LocalCluster`` (two single-threaded worker
processes on 127.0.0.1, no dashboard; nothing reaches the network) and need the ``[cluster]``
extra, which the README test command installs. The scheduler's HTTP endpoint takes a free
loopback port, so parallel test runs do not clash on 8787. Each test is guarded against hanging by
``faulthandler.dump_traceback_later`` (the process exits with a traceback after the limit).
"""

from __future__ import annotations

import faulthandler
import json
import os
import time
import warnings

import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits
from typer.testing import CliRunner

import osteo_stats
from osteo_stats.cli import app
from osteo_stats.simulate import parse_scenarios
from osteo_stats.simulate import runner as runner_module
from osteo_stats.simulate.runner import ClusterError, oversubscription_warning, simulate

distributed = pytest.importorskip("distributed")

PROMIS = {"p0": 0.20, "n1": 13, "r1": 3, "n": 43, "r": 12}
HANG_LIMIT_S = 240


def _scenarios(*entries: dict):
    base = {
        "design": PROMIS,
        "accrual": {"rate_per_month": 1.79},
        "analysis": {"methods": ["binary", "km_landmark", "logrank"]},
    }
    return parse_scenarios({"scenarios": [{**base, **e} for e in entries]}, "test")


TWO = (
    {"name": "h0", "efs": {"two_year": 0.2}},
    {"name": "h1", "efs": {"two_year": 0.4}, "dropout": {"proportion": 0.1}},
)


def _write_scenarios(path):
    base = {"design": PROMIS, "accrual": {"rate_per_month": 1.79}}
    # JSON is YAML, and spells shared values out (no anchors, which the loader refuses).
    path.write_text(json.dumps({"scenarios": [{**base, **e} for e in TWO]}), "utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_hang():
    faulthandler.dump_traceback_later(HANG_LIMIT_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as local:
        yield local


def _wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# --------------------------------------------------------------------------------------------
# A real dask.distributed cluster
# --------------------------------------------------------------------------------------------


def test_cluster_results_equal_jobs_1_exactly(cluster, monkeypatch):
    scenarios = _scenarios(*TWO)
    serial = simulate(scenarios, reps=3_000, seed=42, jobs=1, chunk_size=1_000)
    # All six chunks in one dask task (the default batching), then one chunk per task.
    batched = simulate(
        scenarios, reps=3_000, seed=42, chunk_size=1_000, scheduler=cluster.scheduler_address
    )
    pd.testing.assert_frame_equal(serial.table, batched.table, check_exact=True)

    monkeypatch.setattr(runner_module, "_DASK_TASK_REPS", 1_000)
    seen: list[int] = []
    with (
        distributed.Client(cluster.scheduler_address, timeout=30) as observer,
        distributed.get_task_stream(observer) as stream,
    ):
        on_cluster = simulate(
            scenarios,
            reps=3_000,
            seed=42,
            chunk_size=1_000,
            progress=seen.append,
            scheduler=cluster.scheduler_address,
        )
    pd.testing.assert_frame_equal(serial.table, on_cluster.table, check_exact=True)
    assert seen == [1_000] * 6  # one call per chunk, in order, from the first chunk
    tasks = [t for t in stream.data if t["key"].startswith("run_chunks")]
    assert len(tasks) == 6
    assert len({t["worker"] for t in tasks}) == 2  # both worker processes ran chunks
    other = simulate(scenarios, reps=3_000, seed=43, scheduler=cluster.scheduler_address)
    assert not other.table["reject_rate"].equals(serial.table["reject_rate"])


def test_interrupt_on_cluster_cancels_the_pending_chunks(cluster):
    scenarios = _scenarios(*TWO)

    def stop(_k: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(
            scenarios,
            reps=40_000,
            seed=1,
            chunk_size=1_000,
            progress=stop,
            scheduler=cluster.scheduler_address,
        )
    # 80 chunks were due; after the interrupt the scheduler forgets every one of them.
    assert _wait_until(lambda: len(cluster.scheduler.tasks) == 0)


def test_workers_with_another_osteo_stats_version_are_refused(cluster, monkeypatch):
    monkeypatch.setattr(osteo_stats, "__version__", "999.0")
    with pytest.raises(ClusterError, match=r"workers run other osteo_stats versions .*0\.1\.0"):
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler=cluster.scheduler_address)


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(runner_module, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ClusterError, match=r"scheduler 'tcp://127\.0\.0\.1:1': no dask scheduler"):
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="scheduler must be a dask scheduler address"):
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler=" ")


def test_local_cluster_is_loopback_only_with_single_threaded_workers(monkeypatch):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with runner_module._dask_client("local", 2) as client:
        nthreads = client.nthreads()
        link = client.dashboard_link
        scheduler = client.scheduler.address
        trim = client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    # dask's default MALLOC_TRIM_THRESHOLD_=65536 slows the simulation by a third: not set.
    assert list(trim.values()) == [None, None]
    assert list(nthreads.values()) == [1, 1]
    assert all(address.startswith("tcp://127.0.0.1:") for address in nthreads)
    assert scheduler.startswith("tcp://127.0.0.1:")
    assert link.startswith("http://127.0.0.1:") and ":8787/" not in link


def test_cli_scheduler_local_matches_jobs_1(tmp_path):
    path = _write_scenarios(tmp_path / "s.yaml")
    runner = CliRunner()
    common = ["simulate", str(path), "--reps", "3000", "--seed", "7"]
    serial = runner.invoke(app, [*common, "--out", str(tmp_path / "a")], catch_exceptions=False)
    assert serial.exit_code == 0, serial.output
    local = runner.invoke(
        app,
        [*common, "--scheduler", "local", "--jobs", "2", "--out", str(tmp_path / "b")],
        catch_exceptions=False,
    )
    assert local.exit_code == 0, local.output
    a = pd.read_csv(tmp_path / "a" / "simulation_results.csv")
    b = pd.read_csv(tmp_path / "b" / "simulation_results.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_cli_refuses_jobs_with_a_remote_scheduler(tmp_path):
    path = _write_scenarios(tmp_path / "s.yaml")
    args = ["simulate", str(path), "--out", str(tmp_path / "o"), "--jobs", "2"]
    result = CliRunner().invoke(app, [*args, "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "--jobs sets the workers on this machine" in result.output
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------------------------
# Oversubscription
# --------------------------------------------------------------------------------------------


def test_a_chunk_runs_with_one_blas_thread(monkeypatch):
    seen: list[list[int]] = []
    analyse = runner_module.analyse_trials

    def spy(*args, **kwargs):
        seen.append([lib["num_threads"] for lib in threadpool_info()])
        return analyse(*args, **kwargs)

    monkeypatch.setattr(runner_module, "analyse_trials", spy)
    scenarios = _scenarios(TWO[0])
    # Two threads outside, as a BLAS pool sized to a 2-core machine would be.
    with threadpool_limits(limits=2):
        outside = [lib["num_threads"] for lib in threadpool_info()]
        simulate(scenarios, reps=2_000, seed=1, chunk_size=1_000)
        after = [lib["num_threads"] for lib in threadpool_info()]
    assert seen and all(threads == [1] * len(outside) for threads in seen)
    assert after == outside  # the limit is lifted after the chunk


def test_jobs_above_the_cores_warns(monkeypatch, tmp_path):
    monkeypatch.setattr(runner_module.os, "cpu_count", lambda: 1)
    assert oversubscription_warning(1) is None
    assert oversubscription_warning(-1) is None
    assert oversubscription_warning(2).startswith("jobs=2 exceeds the 1 CPU cores")
    scenarios = _scenarios(TWO[0])
    with pytest.warns(RuntimeWarning, match="jobs=2 exceeds the 1 CPU cores"):
        simulate(scenarios, reps=10, seed=1, jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(scenarios, reps=10, seed=1, jobs=1)

    path = _write_scenarios(tmp_path / "s.yaml")
    args = ["simulate", str(path), "--reps", "10", "--out", str(tmp_path / "o"), "--jobs", "2"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning: --jobs 2 exceeds the 1 CPU cores of this machine" in result.output


# --------------------------------------------------------------------------------------------
# Progress and Ctrl-C
# --------------------------------------------------------------------------------------------


def test_progress_says_starting_workers_then_shows_rate_and_eta(monkeypatch, tmp_path):
    from rich.progress import Progress, TimeRemainingColumn

    made: list[Progress] = []
    descriptions: list[str] = []
    init, add_task, update = Progress.__init__, Progress.add_task, Progress.update

    def record_init(self, *columns, **kwargs):
        made.append(self)
        init(self, *columns, **kwargs)

    def record_add(self, description, *args, **kwargs):
        descriptions.append(description)
        return add_task(self, description, *args, **kwargs)

    def record_update(self, task_id, **kwargs):
        descriptions.append(kwargs.get("description"))
        update(self, task_id, **kwargs)

    monkeypatch.setattr(Progress, "__init__", record_init)
    monkeypatch.setattr(Progress, "add_task", record_add)
    monkeypatch.setattr(Progress, "update", record_update)
    path = _write_scenarios(tmp_path / "s.yaml")
    args = ["simulate", str(path), "--reps", "4000", "--out", str(tmp_path / "o"), "--jobs", "2"]
    assert CliRunner().invoke(app, args, catch_exceptions=False).exit_code == 0
    assert descriptions[0] == "starting workers"
    assert descriptions[1:] == ["simulating"] * 4  # 2 scenarios x 2 chunks, from the first
    (bar,) = made
    assert any(isinstance(c, TimeRemainingColumn) for c in bar.columns)
    task = bar.tasks[0]
    rendered = [str(c.render(task)) for c in bar.columns if hasattr(c, "render")]
    rates = [text for text in rendered if text.endswith("rep/s")]
    assert len(rates) == 1 and rates[0] != "-- rep/s"


def test_interrupt_in_progress_stops_and_writes_nothing(monkeypatch, tmp_path):
    scenarios = _scenarios(*TWO)
    calls: list[int] = []

    def stop(k: int) -> None:
        calls.append(k)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(scenarios, reps=6_000, seed=1, chunk_size=1_000, progress=stop)
    assert calls == [1_000]

    from rich.progress import Progress

    def interrupt(self, task_id, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "update", interrupt)
    path = _write_scenarios(tmp_path / "s.yaml")
    out = tmp_path / "o"
    for engine in (["--jobs", "1"], ["--jobs", "2"]):
        result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(out), *engine])
        assert result.exit_code == 130, result.output
        assert "interrupted: the simulation stopped; nothing was written." in result.output
        assert not out.exists()


def test_scheduler_without_the_cluster_extra_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ClusterError, match=r"pip install \"osteo_stats\[cluster\]\""):
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler="local")


# --------------------------------------------------------------------------------------------
# Scheduler addresses that are not a dask scheduler (issue 24): local sockets on 127.0.0.1
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fake_server():
    """Start a thread serving one behaviour on a free 127.0.0.1 port; closed after the test."""
    import socket
    import threading

    servers = []

    def start(behaviour: str) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()
        held = []

        def serve():
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                held.append(conn)
                if behaviour == "garbage":  # a frame length of ~1.8e19 bytes (3 EiB / 2)
                    conn.sendall(b"\xff" * 7 + b"\x7f" + b"not dask at all" * 10)
                elif behaviour == "http":  # answers only once a request has come
                    conn.settimeout(0.5)
                    try:
                        if conn.recv(4096):
                            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    except OSError:
                        pass
                # "silent": accept and never answer

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        servers.append((listener, stop, thread, held))
        return f"tcp://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener, stop, thread, held in servers:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize(
    "behaviour, message",
    [
        ("silent", r"accepted the connection but sent no dask handshake within 1 s"),
        ("http", r"accepted the connection but sent no dask handshake within 1 s \(an HTTP"),
        (
            "garbage",
            r"it answered b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x7f', not a dask handshake",
        ),
    ],
)
def test_a_port_that_is_not_a_dask_scheduler_is_a_message_within_the_timeout(
    monkeypatch, fake_server, behaviour, message
):
    """main: a silent port or an HTTP server hung past 300 s (Client's timeout covers the
    connect, not the handshake); garbage made dask try to allocate ~3 EiB. The timeout is
    set to 1 s here; the autouse hang guard ends the process if it is not honoured."""
    monkeypatch.setattr(runner_module, "CONNECT_TIMEOUT", 1)
    address = fake_server(behaviour)
    with pytest.raises(ClusterError) as info:
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler=address)
    text = str(info.value)
    assert text.startswith(f"scheduler {address!r}: something listens at 127.0.0.1:")
    assert "it is not a dask scheduler" in text
    assert __import__("re").search(message, text), text


@pytest.mark.parametrize(
    "address, what",
    [
        ("foo://", "the transport 'foo://' is not supported"),
        ("inproc://", "the transport 'inproc://' is not supported"),
        ("inproc://127.0.0.1/1/2", "the transport 'inproc://' is not supported"),
        ("tcp://", "no HOST:PORT after the transport"),
        ("tcp://127.0.0.1", "no HOST:PORT after the transport"),
        ("tcp://:8786", "no HOST:PORT after the transport"),
        ("tcp://127.0.0.1:99999", "port 99999 is not in 1-65535"),
        ("tcp://127.0.0.1:0", "port 0 is not in 1-65535"),
    ],
)
def test_a_malformed_scheduler_address_is_named_as_malformed(address, what):
    """main reported these as 'no dask scheduler answered within 30 s'."""
    with pytest.raises(ClusterError) as info:
        simulate(_scenarios(TWO[0]), reps=10, seed=1, scheduler=address)
    assert str(info.value).startswith(f"scheduler {address!r}: malformed address: {what}")


def test_cli_reports_a_malformed_scheduler_address(tmp_path):
    scenarios = _write_scenarios(tmp_path / "s.yaml")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["simulate", str(scenarios), "--reps", "10", "--scheduler", "foo://", "--out", str(out)],
    )
    assert result.exit_code == 1, result.output
    assert "malformed address" in result.output and "Traceback" not in result.output
    assert not out.exists()
