"""Benchmark the synthetic-trial generator (``osteo_stats.synth.generate_trial``).

Run with one command (not part of the test suite)::

    python benchmarks/bench_synth.py [--repeats 7]

Prints, on this machine, the median in-process time of ``generate_trial`` for the SAP's 43
patients and for 430 and 4,300 (the whole command with its start-up, and the other commands, are
timed by ``benchmarks/bench_scale.py``). The test suite used to assert the 43-patient time was
under 3 s; that figure lives here now (typically about 0.2 s).
"""

from __future__ import annotations

import argparse
import statistics
import time

from osteo_stats.sap import load_sap
from osteo_stats.synth import generate_trial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sap = load_sap()
    generate_trial(sap, seed=11)  # warm-up: imports and first-call caches
    for n in (43, 430, 4300):
        times = []
        for seed in range(args.repeats):
            start = time.perf_counter()
            generate_trial(sap, n_patients=n, seed=seed)
            times.append(time.perf_counter() - start)
        print(
            f"generate_trial n={n:>5}: median {statistics.median(times):.3f} s "
            f"over {args.repeats} runs (min {min(times):.3f}, max {max(times):.3f})"
        )


if __name__ == "__main__":
    main()
