"""Benchmark printing validation issues (issue 10: 100,000 issues took 80 s to print).

Run with one command (not part of the test suite)::

    python benchmarks/bench_print_issues.py [N ...]

For each N (default 1,000, 10,000 and 100,000) prints the time ``osteo-stats`` takes to print N
issues as its grouped summary (issue 12: the same plain lines to a log and to a terminal), and
the size of the output. Every issue, one row each, goes to ``validate --issues FILE`` instead.
"""

from __future__ import annotations

import io
import sys
import time

from rich.console import Console

import osteo_stats.cli as cli
from osteo_stats.load.issues import ValidationIssue


def _issues(n: int) -> list[ValidationIssue]:
    return [
        ValidationIssue(
            "ADAE",
            k,
            f"PROMIS-{k % 43:03d}",
            "AETOXGR",
            str(7 + k % 3),
            "is outside 1-5",
            "AETOXGR must lie between 1 and 5; correct the value from the source record",
        )
        for k in range(1, n + 1)
    ]


def main(sizes: list[int]) -> None:
    for n in sizes:
        issues = _issues(n)
        for where, terminal in (("log", False), ("terminal", True)):
            out = io.StringIO()
            cli.err_console = Console(file=out, force_terminal=terminal, width=200)
            start = time.perf_counter()
            cli._print_issues(issues, title="data validation failed")
            seconds = time.perf_counter() - start
            print(
                f"{n:>7} issues to a {where:<8}: {seconds:6.2f} s, {len(out.getvalue()):>9} chars"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
