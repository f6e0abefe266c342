"""Benchmark the power simulation and the batch Kaplan-Meier.

Run with one command (not part of the test suite)::

    python benchmarks/bench_simulate.py

Prints, on this machine (one process, ``jobs=1``):

* replicates per second of the simulated PROMIS trial (43 patients, Simon 3/13, 12/43, true
  2-year EFS 40%, 10% dropout), with each final analysis alone (binary landmark, KM landmark,
  one-sample log-rank) and with all three; draws, stage-1 rule and analysis included;
* the time of 10,000 replicates with the KM landmark analysis (the issue's "well under a
  second");
* the batch Kaplan-Meier (:func:`osteo_stats.analyse.batch_km.batch_km_landmark`) against a
  loop of lifelines ``KaplanMeierFitter`` fits and a loop of this package's ``kaplan_meier``
  on the same trials, as time per trial and a ratio; the estimates are checked to agree.

* scaling (issue 14): replicates per second at 1 and 2 workers, and the scaling efficiency
  (rate at J workers / (J x rate at 1)), for joblib's process pool (``jobs``) and, when the
  ``[cluster]`` extra is installed, a dask ``LocalCluster`` of single-threaded workers
  (``scheduler``); plus ``jobs`` at twice the cores, the oversubscription the CLI warns about.
  Worker start-up is excluded (pools warmed up, the cluster started beforehand); each engine's
  table is checked equal to ``jobs=1``. The best of 3 runs is shown: on a shared machine
  other load only slows a run down;
* the pickled size of one chunk task (what a cluster ships per chunk).

The Simon search timings are in ``benchmarks/bench_design.py``.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

import numpy as np

from osteo_stats.analyse.batch_km import batch_km_landmark
from osteo_stats.analyse.survival import kaplan_meier
from osteo_stats.simulate import parse_scenarios, simulate

SCENARIO = {
    "name": "promis_h1",
    "design": {"p0": 0.20, "n1": 13, "r1": 3, "n": 43, "r": 12},
    "efs": {"distribution": "exponential", "two_year": 0.40},
    "accrual": {"rate_per_month": 1.79},
    "dropout": {"proportion": 0.10, "by_month": 24},
}


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _best_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _scenario(methods: list[str]):
    entry = {**SCENARIO, "analysis": {"methods": methods}}
    return parse_scenarios({"scenarios": [entry]}, "benchmark")


def bench_simulation(reps: int = 20_000) -> None:
    print(f"Simulated 43-patient trials, {reps:,} replicates, jobs=1 (median of 5 runs)")
    for label, methods in (
        ("binary landmark (Simon rule)", ["binary"]),
        ("KM landmark (log-log bound)", ["km_landmark"]),
        ("one-sample log-rank", ["logrank"]),
        ("all three methods", ["binary", "km_landmark", "logrank"]),
    ):
        scenarios = _scenario(methods)
        simulate(scenarios, reps=2_000, seed=1)  # warm up imports
        seconds = _median_seconds(lambda s=scenarios: simulate(s, reps=reps, seed=1), 5)
        print(f"  {label:<30} {reps / seconds:>12,.0f} replicates/s")
    scenarios = _scenario(["km_landmark"])
    seconds = _median_seconds(lambda: simulate(scenarios, reps=10_000, seed=2), 5)
    print(f"  10,000 replicates, KM landmark: {seconds * 1000:.0f} ms")


def bench_batch_km(trials: int = 10_000, loop_trials: int = 300) -> None:
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(20240301)
    time_ = np.round(rng.exponential(26.0, size=(trials, 43)), 1)  # rounding creates ties
    event = rng.random((trials, 43)) < 0.7
    landmark = [24.0]

    batch_seconds = _median_seconds(lambda: batch_km_landmark(time_, event, landmark), 5)
    batch = batch_km_landmark(time_[:loop_trials], event[:loop_trials], landmark)

    def lifelines_loop() -> np.ndarray:
        out = np.empty(loop_trials)
        for i in range(loop_trials):
            fitter = KaplanMeierFitter().fit(time_[i], event[i])
            out[i] = fitter.survival_function_at_times(landmark).iloc[0]
        return out

    def package_loop() -> np.ndarray:
        return np.array(
            [
                kaplan_meier(time_[i], event[i]).survival_at(landmark)["surv"].iloc[0]
                for i in range(loop_trials)
            ]
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifelines_loop()  # warm up
        lifelines_seconds = _median_seconds(lifelines_loop, 3)
        lifelines_values = lifelines_loop()
    package_seconds = _median_seconds(package_loop, 3)
    diff_lifelines = np.nanmax(np.abs(lifelines_values - batch.surv[:, 0]))
    diff_package = np.nanmax(np.abs(package_loop() - batch.surv[:, 0]))

    per_batch = batch_seconds / trials
    per_lifelines = lifelines_seconds / loop_trials
    per_package = package_seconds / loop_trials
    print("\nKaplan-Meier S(24) with Greenwood SE and log-log CI, 43-patient trials with ties")
    print(
        f"  batch_km_landmark, {trials:,} trials:  {batch_seconds * 1000:8.1f} ms "
        f"({per_batch * 1e6:7.2f} us/trial)"
    )
    print(
        f"  lifelines KaplanMeierFitter loop:   {per_lifelines * 1e6:8.0f} us/trial "
        f"(ratio {per_lifelines / per_batch:,.0f}x; max |dS| {diff_lifelines:.1e})"
    )
    print(
        f"  osteo_stats kaplan_meier loop:      {per_package * 1e6:8.0f} us/trial "
        f"(ratio {per_package / per_batch:,.0f}x; max |dS| {diff_package:.1e})"
    )


def bench_scaling(reps: int = 200_000) -> None:
    import cloudpickle
    import pandas as pd

    from osteo_stats.simulate.runner import local_cluster, resolve_rules, run_chunk

    scenarios = _scenario(["binary", "km_landmark", "logrank"])
    cores = os.cpu_count() or 1
    print(f"\nScaling: {reps:,} replicates, all three methods, {cores} cores (best of 3 runs)")

    def rate(**engine) -> tuple[float, pd.DataFrame]:
        simulate(scenarios, reps=4_000, seed=3, **engine)  # start and warm the workers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the oversubscription warning
            # Best, not median, of 3: on a shared machine the other load only ever slows a run.
            seconds = _best_seconds(lambda: simulate(scenarios, reps=reps, seed=3, **engine), 3)
            table = simulate(scenarios, reps=reps, seed=3, **engine).table
        return reps / seconds, table

    serial, reference = rate(jobs=1)
    print(f"  jobs=1 (in-process)            {serial:>10,.0f} replicates/s")
    for jobs in (2, 2 * cores):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            speed, table = rate(jobs=jobs)
        pd.testing.assert_frame_equal(table, reference, check_exact=True)
        print(
            f"  jobs={jobs} (joblib loky)          {speed:>10,.0f} replicates/s, "
            f"efficiency {speed / (jobs * serial):.0%}"
        )
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("  dask LocalCluster: not measured (install the [cluster] extra)")
    else:
        for workers in (1, 2):
            with local_cluster(workers) as cluster:  # the cluster --scheduler local starts
                speed, table = rate(scheduler=cluster.scheduler_address)
            pd.testing.assert_frame_equal(table, reference, check_exact=True)
            print(
                f"  dask LocalCluster, {workers} worker(s)  {speed:>10,.0f} replicates/s, "
                f"efficiency {speed / (workers * serial):.0%} (of jobs=1)"
            )

    rules = resolve_rules(scenarios)
    seed = np.random.SeedSequence(3).spawn(1)[0].spawn(1)[0]
    task = cloudpickle.dumps((run_chunk, scenarios[0], rules[0], seed, 2_000))
    back = cloudpickle.dumps(run_chunk(scenarios[0], rules[0], seed, 2_000))
    print(f"  one chunk task pickled: {len(task):,} bytes; its result: {len(back):,} bytes")


if __name__ == "__main__":
    bench_simulation()
    bench_batch_km()
    bench_scaling()
