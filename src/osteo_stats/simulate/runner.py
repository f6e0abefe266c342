"""Run scenarios in reproducible chunks, in parallel through joblib, and summarise them.

Reproducibility. ``numpy.random.SeedSequence(seed)`` spawns one child per scenario (in file
order) and each child one grandchild per chunk of :data:`CHUNK_SIZE` replicates; every chunk
draws from its own ``numpy.random.default_rng(grandchild)``. The chunks, and hence the
results, are the same whatever ``jobs`` is, and adding a scenario at the end of a file does
not change the others. (Changing ``chunk_size`` or a scenario's position does.)

Memory. A chunk is summarised as soon as it is analysed (counts, and the mean and sum of squared
deviations of each per-trial quantity, merged in chunk order by Chan et al.'s pairwise update),
and chunk seeds are spawned as the chunks are dispatched, so memory does not grow with ``reps``.
``reps`` is at most :data:`MAX_REPS` per scenario.

Parallelism. Chunks are independent tasks, and their summaries are merged in task order
whatever ran them, so the results never depend on the engine. Three engines run them:

* ``jobs=1`` (default): in-process;
* ``jobs=J``: :class:`joblib.Parallel` with the loky process pool (``-1``: all cores);
* ``scheduler=ADDRESS``: a dask.distributed cluster (``pip install "osteo_stats[cluster]"``),
  driven directly with ``Client.submit``: one task per 20,000 replicates (ten consecutive
  chunks, because a dask task costs milliseconds of overhead), at most four tasks per worker
  thread in flight, results taken in task order. ``scheduler="local"`` starts a
  ``LocalCluster`` of ``jobs`` single-threaded worker processes on 127.0.0.1 for the run. Each
  chunk ships :func:`run_chunk` by reference (the workers must have the same osteo_stats
  installed, which is checked before the first task), the :class:`Scenario`, its
  :class:`Rules`, a ``SeedSequence`` and the chunk size. Pickled (``cloudpickle``) for
  ``scenarios/promis.yaml``: 1.2 to 1.4 kB for one chunk, 2.0 to 2.2 kB for a ten-chunk task
  (the scenario is pickled once), whatever ``reps``; 1.7 kB of summaries come back.

Every chunk runs with BLAS/OpenMP limited to one thread (threadpoolctl), so J workers use J
cores, not J times the BLAS pool; :func:`oversubscription_warning` says when ``jobs`` exceeds
the machine's cores (the workers then only compete for them).
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from osteo_stats.errors import OsteoStatsError
from osteo_stats.simulate.analysis import ReplicateResults, analyse_trials
from osteo_stats.simulate.draws import draw_trials, on_time_grid
from osteo_stats.simulate.scenario import Rules, Scenario, ScenarioError

__all__ = [
    "CHUNK_SIZE",
    "CONNECT_TIMEOUT",
    "WORKER_TIMEOUT",
    "ClusterError",
    "MAX_REPS",
    "SIMULATION_COLUMNS",
    "SimulationResult",
    "local_cluster",
    "oversubscription_warning",
    "resolve_rules",
    "run_chunk",
    "run_chunks",
    "simulate",
    "summarise",
]

#: Replicates per chunk (one generator per chunk). Part of what a seed reproduces.
CHUNK_SIZE = 2_000

#: Largest ``reps`` per scenario: 10 million trials take about 20 s to a minute per scenario
#: on one core and give a Monte-Carlo SE of at most 0.00016 on a rate, far below any design
#: question; more only spends hours (10**12 replicates would take weeks).
MAX_REPS = 10_000_000

#: Seconds to wait for a dask scheduler to answer.
CONNECT_TIMEOUT = 30

#: Seconds to wait for the first worker to join: a batch queue (dask-jobqueue) may hold the
#: worker jobs for minutes; the CLI shows "starting workers" meanwhile.
WORKER_TIMEOUT = 600

#: Tasks in flight per dask worker thread: enough to keep every worker busy while the
#: client merges results, few enough that memory does not grow with ``reps``.
_IN_FLIGHT_PER_THREAD = 4

#: Replicates per dask task: a task runs several consecutive chunks (each from its own seed,
#: so the results are unchanged) because a dask task costs milliseconds of scheduling and a
#: round trip, against about 20 ms for one 2,000-replicate chunk.
_DASK_TASK_REPS = 20_000


class ClusterError(OsteoStatsError):
    """The dask cluster cannot be reached or its workers cannot run osteo_stats."""


#: Columns of :attr:`SimulationResult.table`, in order.
SIMULATION_COLUMNS: tuple[str, ...] = (
    "scenario",
    "method",
    "reps",
    "design",
    "p0",
    "true_efs_landmark",
    "p_success",
    "reject_rate",
    "reject_mc_se",
    "pet",
    "pet_mc_se",
    "expected_n",
    "expected_n_mc_se",
    "mean_duration_months",
    "duration_mc_se",
    "mean_stage1_decision_months",
    "stage1_decision_mc_se",
    "exact_reject",
    "exact_pet",
    "exact_en",
)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The summary of a simulation run.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scenario and analysis method (:data:`SIMULATION_COLUMNS`):

        ``scenario``, ``method``, ``reps``; ``design`` (the rule, ``"r1/n1, r/n"``);
        ``p0``; ``true_efs_landmark`` (true :math:`S(L)`); ``p_success`` (true probability
        of a binary success with full follow-up, :math:`S(L)` times the probability of not
        dropping out by :math:`L`);
        ``reject_rate`` (power, or type I error when the truth is H0) and ``reject_mc_se``
        (Monte-Carlo SE :math:`\\sqrt{\\hat p(1 - \\hat p)/R}`); ``pet`` and ``pet_mc_se``
        (probability of stopping at stage 1); ``expected_n`` and ``expected_n_mc_se``
        (mean patients enrolled, SE = SD/:math:`\\sqrt R`); ``mean_duration_months`` and
        ``duration_mc_se`` (calendar months from accrual opening to the stage-1 stop or the
        final analysis); ``mean_stage1_decision_months`` and ``stage1_decision_mc_se``
        (``NaN`` for single-stage designs);
        ``exact_reject``, ``exact_pet``, ``exact_en``: the exact Simon operating
        characteristics at ``p_success`` where they apply, else ``NaN``. ``exact_pet``
        always applies to two-stage designs; ``exact_reject`` to the ``binary`` method when
        every patient is followed to the landmark (``min_followup`` with ``months`` at least
        the landmark); ``exact_en`` when accrual pauses for stage 1.
    reps, seed, chunk_size : int
        The run's settings (``jobs`` does not change the results, so it is not recorded).
    scenarios : tuple of Scenario
    rules : tuple of Rules
        The resolved design of each scenario.
    """

    table: pd.DataFrame
    reps: int
    seed: int
    chunk_size: int
    scenarios: tuple[Scenario, ...]
    rules: tuple[Rules, ...]


def resolve_rules(scenarios: Sequence[Scenario]) -> tuple[Rules, ...]:
    """Each scenario's decision rule (running the Simon search where one is asked for)."""
    rules = []
    for scenario in scenarios:
        try:
            rules.append(scenario.design.resolve())
        except (OsteoStatsError, ValueError) as exc:
            raise ScenarioError(f"scenario {scenario.name!r}: design: {exc}") from None
    return tuple(rules)


@dataclass(frozen=True)
class _Moments:
    """Count, mean and sum of squared deviations of a per-trial quantity (``NaN``: undefined,
    e.g. the stage-1 decision time of a single-stage design)."""

    n: int
    mean: float
    m2: float

    @classmethod
    def of(cls, values: np.ndarray) -> _Moments:
        if values.size == 0 or np.any(np.isnan(values)):
            return cls(int(values.size), math.nan, math.nan)
        mean = float(np.mean(values))
        return cls(int(values.size), mean, float(np.sum((values - mean) ** 2)))

    def merge(self, other: _Moments) -> _Moments:
        n = self.n + other.n
        if n == 0:
            return self
        delta = other.mean - self.mean
        return _Moments(
            n,
            self.mean + delta * other.n / n,
            self.m2 + other.m2 + delta**2 * self.n * other.n / n,
        )

    def mean_se(self) -> tuple[float, float]:
        if self.n == 0 or math.isnan(self.mean):
            return math.nan, math.nan
        se = math.sqrt(self.m2 / (self.n - 1) / self.n) if self.n > 1 else math.nan
        return self.mean, se


@dataclass(frozen=True)
class ChunkSummary:
    """What :func:`summarise` needs from a batch of replicates (small, whatever ``reps``)."""

    reps: int = 0
    stopped: int = 0
    reject: dict[str, int] = field(default_factory=dict)
    n_enrolled: _Moments = _Moments(0, 0.0, 0.0)
    duration: _Moments = _Moments(0, 0.0, 0.0)
    stage1_decision: _Moments = _Moments(0, 0.0, 0.0)

    @classmethod
    def of(cls, results: ReplicateResults) -> ChunkSummary:
        return cls(
            reps=results.reps,
            stopped=int(results.stopped.sum()),
            reject={m: int(r.sum()) for m, r in results.reject.items()},
            n_enrolled=_Moments.of(results.n_enrolled.astype(float)),
            duration=_Moments.of(results.duration),
            stage1_decision=_Moments.of(results.stage1_decision),
        )

    def merge(self, other: ChunkSummary) -> ChunkSummary:
        return ChunkSummary(
            reps=self.reps + other.reps,
            stopped=self.stopped + other.stopped,
            reject={m: self.reject.get(m, 0) + k for m, k in other.reject.items()},
            n_enrolled=self.n_enrolled.merge(other.n_enrolled),
            duration=self.duration.merge(other.duration),
            stage1_decision=self.stage1_decision.merge(other.stage1_decision),
        )


def run_chunk(
    scenario: Scenario, rules: Rules, seed: np.random.SeedSequence, reps: int
) -> ChunkSummary:
    """Draw, analyse and summarise ``reps`` replicate trials from one seed (one task).

    BLAS/OpenMP pools are limited to one thread while the chunk runs: the parallelism is across
    chunks, and a per-worker BLAS pool as wide as the machine would oversubscribe the cores.
    """
    rng = np.random.default_rng(seed)
    with threadpool_limits(limits=1):
        return ChunkSummary.of(
            analyse_trials(scenario, rules, draw_trials(scenario, rules.n, reps, rng))
        )


def oversubscription_warning(jobs: int, label: str | None = None) -> str | None:
    """A warning when ``jobs`` worker processes exceed this machine's cores, else ``None``.

    ``label`` names the setting in the message (default ``jobs=J``; the CLI says ``--jobs J``).
    """
    cores = os.cpu_count() or 1
    if jobs <= cores:
        return None
    return (
        f"{label or f'jobs={jobs}'} exceeds the {cores} CPU cores of this machine: the workers "
        f"only compete for the cores and the run is slower, not faster; use at most {cores} "
        "(the results do not depend on it)."
    )


def _worker_version() -> str:
    """osteo_stats version on a dask worker (run there through ``Client.run``)."""
    import osteo_stats

    return osteo_stats.__version__


@contextmanager
def local_cluster(n_workers: int) -> Iterator[Any]:
    """The ``distributed.LocalCluster`` that ``scheduler="local"`` runs on, closed after.

    ``n_workers`` single-threaded worker processes, on 127.0.0.1 only, with no dashboard and
    the scheduler's HTTP endpoint (health, metrics) on a free port, not 8787: nothing listens
    beyond this machine and parallel runs do not clash. The workers are spawned without dask's
    ``MALLOC_TRIM_THRESHOLD_=65536``: setting it turns off glibc's adaptive mmap threshold, so
    every large array is a fresh mmap, and the simulation ran 30-45 % slower with it.
    """
    import dask
    from distributed import LocalCluster

    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            # Cancelled chunks after Ctrl-C are warnings in the workers' logs: not news.
            silence_logs=logging.ERROR,
        ) as cluster,
    ):
        yield cluster


#: Largest dask handshake accepted by :func:`_probe_scheduler` (a real one is ~100 bytes; a
#: stream of other bytes read as a frame length made dask allocate about 3 EiB).
_HANDSHAKE_MAX_BYTES = 65_536

_ADDRESS_HINT = "give its address as tcp://HOST:PORT (default port 8786), or 'local'"


def _scheduler_host_port(scheduler: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address, or :class:`ClusterError` naming what is
    malformed (``foo://``, ``inproc://`` and a missing port are not a reachable scheduler)."""
    scheme, sep, rest = scheduler.partition("://")
    if not sep:
        scheme, rest = "tcp", scheduler
    if scheme not in ("tcp", "tls"):
        raise ClusterError(
            f"scheduler {scheduler!r}: malformed address: the transport {scheme + sep!r} is not "
            f"supported (tcp:// or tls://); {_ADDRESS_HINT}."
        )
    host, colon, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host  # IPv6
    if not colon or not host or not port.isascii() or not port.isdigit():
        raise ClusterError(
            f"scheduler {scheduler!r}: malformed address: no HOST:PORT after the transport; "
            f"{_ADDRESS_HINT}."
        )
    if not 1 <= int(port) <= 65535:
        raise ClusterError(
            f"scheduler {scheduler!r}: malformed address: port {port} is not in 1-65535; "
            f"{_ADDRESS_HINT}."
        )
    return scheme, host, int(port)


def _probe_scheduler(scheduler: str, timeout: float) -> None:
    """Check, within ``timeout`` seconds in all, that a dask scheduler answers at the address.

    ``distributed.Client(timeout=)`` bounds the TCP connect but not the handshake: a port that
    accepts and never answers, or an HTTP server, hung past 300 s, and a server answering other
    bytes made dask allocate a frame of about 3 EiB. A dask listener writes its handshake as
    soon as it accepts (distributed.comm.core.Listener.on_connection): an 8-byte little-endian
    length, then msgpack naming ``compression`` and ``pickle-protocol``. That is read here with
    a deadline and a size bound. (Over tls:// only the connect is checked.)
    """
    import socket
    import time

    scheme, host, port = _scheduler_host_port(scheduler)
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(deadline - time.monotonic(), 0.001)

    try:
        sock = socket.create_connection((host, port), timeout=left())
    except OSError as exc:
        raise ClusterError(
            f"scheduler {scheduler!r}: no dask scheduler answered within {timeout:g} s ({exc}); "
            f"{_ADDRESS_HINT}."
        ) from None
    with sock:
        if scheme == "tls":
            return

        def read(n: int) -> bytes:
            data = b""
            while len(data) < n:
                sock.settimeout(left())
                chunk = sock.recv(n - len(data))
                if not chunk:
                    break
                data += chunk
            return data

        not_dask = (
            f"scheduler {scheduler!r}: something listens at {host}:{port} but it is not a dask "
            "scheduler"
        )
        try:
            prefix = read(8)
            size = int.from_bytes(prefix, "little") if len(prefix) == 8 else 0
            if not 0 < size <= _HANDSHAKE_MAX_BYTES:
                raise ClusterError(
                    f"{not_dask}: it answered {prefix[:8]!r}, not a dask handshake; "
                    f"{_ADDRESS_HINT}."
                )
            payload = read(size)
        except TimeoutError:
            raise ClusterError(
                f"{not_dask}: it accepted the connection but sent no dask handshake within "
                f"{timeout:g} s (an HTTP server, or another service?); {_ADDRESS_HINT}."
            ) from None
        except OSError as exc:
            raise ClusterError(f"{not_dask}: the connection failed ({exc}).") from None
        if b"pickle-protocol" not in payload:
            raise ClusterError(
                f"{not_dask}: it answered {size} bytes that are not a dask handshake; "
                f"{_ADDRESS_HINT}."
            )


@contextmanager
def _dask_client(scheduler: str, jobs: int) -> Iterator[Any]:
    """A connected ``distributed.Client``; a :func:`local_cluster` for ``"local"``, closed after."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "scheduler: dask.distributed is not installed; install the cluster extra, "
            'pip install "osteo_stats[cluster]".'
        ) from None
    if scheduler == "local":
        from joblib import effective_n_jobs

        with (
            local_cluster(effective_n_jobs(jobs)) as cluster,
            Client(cluster, timeout=CONNECT_TIMEOUT) as client,
        ):
            yield client
        return
    _probe_scheduler(scheduler, CONNECT_TIMEOUT)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"scheduler {scheduler!r}: no dask scheduler answered within {CONNECT_TIMEOUT} s "
            f"({exc}); give its address as tcp://HOST:PORT (default port 8786), or 'local'."
        ) from None
    with client:
        yield client


def _check_workers(client: Any, scheduler: str) -> None:
    """Wait for a worker and check every worker runs this osteo_stats version."""
    import osteo_stats

    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        raise ClusterError(
            f"scheduler {scheduler!r}: no worker joined within {WORKER_TIMEOUT} s; start "
            "workers (dask worker ADDRESS) or scale the cluster."
        ) from None
    try:
        versions = client.run(_worker_version)
    except Exception as exc:  # whatever the worker raised, reported as one clear message
        raise ClusterError(
            f"scheduler {scheduler!r}: the workers cannot import osteo_stats ({exc!r}); install "
            f"osteo_stats {osteo_stats.__version__} in the workers' environment."
        ) from None
    other = {w: v for w, v in versions.items() if v != osteo_stats.__version__}
    if other:
        raise ClusterError(
            f"scheduler {scheduler!r}: workers run other osteo_stats versions {other}; this "
            f"client runs {osteo_stats.__version__}; install the same version everywhere."
        )


def _joblib_results(tasks: Iterator[tuple[Any, ...]], jobs: int) -> Iterator[ChunkSummary]:
    from joblib import Parallel, delayed

    # return_as="generator" yields in task order; closing it aborts the pending tasks.
    yield from Parallel(n_jobs=jobs, return_as="generator")(delayed(run_chunk)(*t) for t in tasks)


def run_chunks(chunks: Sequence[tuple[Scenario, Rules, np.random.SeedSequence, int]]) -> list:
    """:func:`run_chunk` on each ``(scenario, rules, seed, reps)`` in turn (one dask task)."""
    return [run_chunk(*chunk) for chunk in chunks]


def _dask_results(
    tasks: Iterator[tuple[Any, ...]], scheduler: str, jobs: int, chunk_size: int
) -> Iterator[ChunkSummary]:
    per_task = max(1, _DASK_TASK_REPS // chunk_size)
    with _dask_client(scheduler, jobs) as client:
        _check_workers(client, scheduler)
        window = _IN_FLIGHT_PER_THREAD * max(sum(client.nthreads().values()), 1)
        pending: deque[Any] = deque()
        try:
            while batch := list(islice(tasks, per_task)):
                # pure=False: every task is distinct (no hashing of the arguments).
                pending.append(client.submit(run_chunks, batch, pure=False))
                if len(pending) >= window:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            if pending:  # interrupted or failed: stop the cluster's remaining work
                client.cancel(list(pending))


def _exact(scenario: Scenario, rules: Rules) -> tuple[float, float, float]:
    """Exact (reject, PET, EN) of the Simon rule at the per-patient success probability."""
    from osteo_stats.analyse.design import operating_characteristics

    p = scenario.p_success
    if rules.two_stage:
        oc = operating_characteristics(rules, p).iloc[0]
        reject, pet, en = float(oc["prob_reject"]), float(oc["pet"]), float(oc["en"])
    else:
        reject, pet, en = float(stats.binom.sf(rules.r, rules.n, p)), 0.0, float(rules.n)
    analysis = scenario.analysis
    # Compared on the time grid, as the simulation compares them (simulate.draws).
    complete = analysis.timing == "min_followup" and on_time_grid(analysis.months) >= on_time_grid(
        analysis.landmark_months
    )
    if not complete:
        reject = math.nan
    if not rules.two_stage:
        pet = math.nan
    if rules.two_stage and not scenario.accrual.pause_for_stage1:
        en = math.nan
    return reject, pet, en


def summarise(
    scenario: Scenario, rules: Rules, results: ReplicateResults | ChunkSummary
) -> pd.DataFrame:
    """One row per method for one scenario (columns :data:`SIMULATION_COLUMNS`)."""
    if isinstance(results, ReplicateResults):
        results = ChunkSummary.of(results)
    reps = results.reps
    pet = results.stopped / reps
    expected_n, expected_n_se = results.n_enrolled.mean_se()
    duration, duration_se = results.duration.mean_se()
    decision, decision_se = results.stage1_decision.mean_se()
    exact_reject, exact_pet, exact_en = _exact(scenario, rules)
    rows = []
    for method, count in results.reject.items():
        rate = count / reps
        rows.append(
            {
                "scenario": scenario.name,
                "method": method,
                "reps": reps,
                "design": rules.label,
                "p0": scenario.design.p0,
                "true_efs_landmark": scenario.true_efs_landmark,
                "p_success": scenario.p_success,
                "reject_rate": rate,
                "reject_mc_se": math.sqrt(rate * (1 - rate) / reps),
                "pet": pet if rules.two_stage else math.nan,
                "pet_mc_se": math.sqrt(pet * (1 - pet) / reps) if rules.two_stage else math.nan,
                "expected_n": expected_n,
                "expected_n_mc_se": expected_n_se,
                "mean_duration_months": duration,
                "duration_mc_se": duration_se,
                "mean_stage1_decision_months": decision,
                "stage1_decision_mc_se": decision_se,
                "exact_reject": exact_reject if method == "binary" else math.nan,
                "exact_pet": exact_pet,
                "exact_en": exact_en,
            }
        )
    return pd.DataFrame(rows, columns=list(SIMULATION_COLUMNS))


def simulate(
    scenarios: Sequence[Scenario],
    reps: int,
    seed: int,
    jobs: int = 1,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> SimulationResult:
    """Simulate every scenario ``reps`` times and summarise.

    Parameters
    ----------
    scenarios
        Validated scenarios (:func:`~osteo_stats.simulate.scenario.load_scenarios`).
    reps
        Replicate trials per scenario.
    seed
        Root of the ``SeedSequence`` (see the module docstring).
    jobs
        joblib ``n_jobs`` (1: in-process; -1: all cores), or with ``scheduler="local"`` the
        number of dask worker processes; ignored for another ``scheduler`` (the cluster has its
        own workers). Warns (``RuntimeWarning``) when it exceeds the cores. Does not change the
        results.
    chunk_size
        Replicates per task and per generator.
    progress
        Called with the number of replicates just finished, after each chunk (in order). An
        exception it raises (``KeyboardInterrupt``) stops the run and cancels the pending
        chunks; nothing is returned.
    scheduler
        ``None``: joblib. A dask scheduler address (``tcp://host:8786``) or ``"local"``: the
        chunks run on that dask.distributed cluster (module docstring). Does not change the
        results.

    Returns
    -------
    SimulationResult
    """
    if isinstance(reps, bool) or not isinstance(reps, int) or not 2 <= reps <= MAX_REPS:
        raise ValueError(
            f"reps must be an integer >= 2 and <= {MAX_REPS:,} (MAX_REPS); received {reps!r}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; received {seed!r}.")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; received {chunk_size!r}.")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0:
        raise ValueError(f"jobs must be a non-zero integer (-1: all cores); received {jobs!r}.")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(
            f"scheduler must be a dask scheduler address or 'local'; received {scheduler!r}."
        )
    if not scenarios:
        raise ValueError("scenarios is empty; give at least one scenario.")
    if scheduler in (None, "local") and (message := oversubscription_warning(jobs)):
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    rules = resolve_rules(scenarios)

    n_chunks = math.ceil(reps / chunk_size)
    children = np.random.SeedSequence(seed).spawn(len(scenarios))

    def size(k: int) -> int:
        return min(chunk_size, reps - k * chunk_size)

    def tasks() -> Iterator[tuple[Any, ...]]:
        # Seeds are spawned as the tasks are dispatched: spawn(1) k times equals spawn(k).
        for s, child in enumerate(children):
            for k in range(n_chunks):
                yield scenarios[s], rules[s], child.spawn(1)[0], size(k)

    if scheduler is None:
        results = _joblib_results(tasks(), jobs)
    else:
        results = _dask_results(tasks(), scheduler.strip(), jobs, chunk_size)
    totals = [ChunkSummary() for _ in scenarios]
    # closing(): an exception here (Ctrl-C in progress) cancels the pending chunks and shuts a
    # local cluster down before it propagates.
    with closing(results):
        for i, part in enumerate(results):  # results come back in task order
            s, k = divmod(i, n_chunks)
            totals[s] = totals[s].merge(part)
            if progress is not None:
                progress(size(k))

    table = pd.concat(
        [summarise(sc, ru, t) for sc, ru, t in zip(scenarios, rules, totals, strict=True)],
        ignore_index=True,
    )
    return SimulationResult(
        table=table,
        reps=reps,
        seed=seed,
        chunk_size=chunk_size,
        scenarios=tuple(scenarios),
        rules=rules,
    )
