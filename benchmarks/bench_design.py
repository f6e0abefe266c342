"""Benchmark the exact Simon two-stage search.

Run with one command (not part of the test suite)::

    python benchmarks/bench_design.py

Prints, on this machine, the median time of ``simon_designs`` for nmax = 50, 100 and 200 at
the PROMIS hypotheses (p0 = 0.20, p1 = 0.40, alpha = 0.05, power = 0.80), and the time of a
naive search (one scipy call per probability, loops over n, n1, r1 and r, as in the classic
R/SAS macros) on a small case, with the speed-up ratio. The naive search is also checked to
find the same optimal and minimax designs.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy import stats

from osteo_stats.analyse.design import simon_designs

P0, P1, ALPHA, POWER = 0.20, 0.40, 0.05, 0.80


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_simon(p0: float, p1: float, alpha: float, power: float, nmax: int):
    """Textbook search: every (n, n1, r1), r upwards from r1 until alpha is met, scipy calls.

    Returns (optimal, minimax) as (r1, n1, r, n, EN(p0)) tuples.
    """

    def reject(r1: int, n1: int, r: int, n: int, p: float) -> float:
        x1 = np.arange(r1 + 1, n1 + 1)
        return float(np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(r - x1, n - n1, p)))

    optimal = minimax = None
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            for r1 in range(n1):
                for r in range(r1, n):
                    if reject(r1, n1, r, n, p0) <= alpha:
                        if reject(r1, n1, r, n, p1) >= power:
                            pet = float(stats.binom.cdf(r1, n1, p0))
                            design = (r1, n1, r, n, n1 + (1 - pet) * (n - n1))
                            if optimal is None or design[4] < optimal[4]:
                                optimal = design
                            if minimax is None or (n == minimax[3] and design[4] < minimax[4]):
                                minimax = design
                        break
    return optimal, minimax


def main() -> None:
    simon_designs(P0, P1, ALPHA, POWER, nmax=50)  # warm-up (imports, first allocations)
    print(f"Simon two-stage search, p0={P0}, p1={P1}, alpha={ALPHA}, power={POWER}")
    print(f"{'nmax':>6} {'median ms':>10} {'optimal':>22} {'minimax':>22}")
    for nmax in (50, 100, 200):
        seconds = _median_seconds(lambda nmax=nmax: simon_designs(P0, P1, ALPHA, POWER, nmax), 7)
        f = simon_designs(P0, P1, ALPHA, POWER, nmax)
        print(f"{nmax:>6} {seconds * 1e3:>10.1f} {f.optimal.rule:>22} {f.minimax.rule:>22}")

    small = (0.10, 0.30, 0.05, 0.80, 35)
    p0, p1, alpha, power, nmax = small
    print(f"\nNaive scipy loop vs vectorised search: p0={p0}, p1={p1}, nmax={nmax}")
    start = time.perf_counter()
    naive_opt, naive_mm = naive_simon(*small)
    naive_s = time.perf_counter() - start
    fast_s = _median_seconds(lambda: simon_designs(p0, p1, alpha, power, nmax), 7)
    f = simon_designs(p0, p1, alpha, power, nmax)
    same = naive_opt[:4] == (f.optimal.r1, f.optimal.n1, f.optimal.r, f.optimal.n) and naive_mm[
        :4
    ] == (f.minimax.r1, f.minimax.n1, f.minimax.r, f.minimax.n)
    print(f"  naive   : {naive_s * 1e3:9.1f} ms  optimal {naive_opt[:4]}  minimax {naive_mm[:4]}")
    print(f"  fast    : {fast_s * 1e3:9.1f} ms  same designs: {same}")
    print(f"  speed-up: {naive_s / fast_s:9.0f}x")


if __name__ == "__main__":
    main()
