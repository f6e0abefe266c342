"""Scale benchmark: synthesise N patients, then time each command and record its peak memory.

Run with one command (not part of the test suite), from the repository root::

    python benchmarks/bench_scale.py [--n 43 430 4300] [--report-max 430] [--csv out.csv]

For each N: ``osteo-stats synth --n N`` into a scratch directory, then ``validate``, load +
derive (``derive_analysis_data``; there is no separate CLI command), ``analyze`` (validate,
derive, every TLF, the ARD) and ``report dmc`` (for N up to ``--report-max``: the PDF layout of
a 4,300-patient report is minutes of WeasyPrint). Every step runs in its own process, so the
peak resident memory (``ru_maxrss`` from ``os.wait4``) is that step's alone. Each step is run
once (the numbers are for orders of magnitude, not for a regression gate). Exit code 1 if a
step failed.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

DERIVE = (
    "import sys; from pathlib import Path; from osteo_stats.sap import load_sap; "
    "from osteo_stats.load import load_trial; "
    "from osteo_stats.derive.analysis_data import derive_analysis_data; "
    "sap = load_sap(); derive_analysis_data(load_trial(Path(sys.argv[1]), sap), sap)"
)


def _run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one child process."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(child.stderr.read().decode("utf-8", "replace")[-2000:])
    child.stderr.close()
    return seconds, usage.ru_maxrss / 1024, child.returncode


def bench(sizes: list[int], report_max: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    cli = ["-m", "osteo_stats"]
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench_scale_{n}_") as tmp:
            data, out = Path(tmp) / "data", Path(tmp) / "out"
            steps = [
                ("synth", [*cli, "synth", "--n", str(n), "--out", str(data)]),
                ("validate", [*cli, "validate", str(data)]),
                ("derive", ["-c", DERIVE, str(data)]),
                ("analyze", [*cli, "analyze", "--data", str(data), "--out", str(out / "a")]),
            ]
            if n <= report_max:
                steps.append(
                    ("report dmc", [*cli, "report", "dmc", "--data", str(data), "--out", str(out)])
                )
            for name, args in steps:
                seconds, mib, code = _run(args)
                rows.append(
                    {
                        "n": n,
                        "step": name,
                        "seconds": round(seconds, 1),
                        "peak_mib": round(mib),
                        "exit": code,
                    }
                )
                print(
                    f"N={n:>5}  {name:<11} {seconds:8.1f} s  {mib:8.0f} MiB  exit {code}",
                    flush=True,
                )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[43, 430, 4300])
    parser.add_argument("--report-max", type=int, default=430)
    parser.add_argument("--csv", type=Path, default=None, help="Also write the rows as CSV.")
    ns = parser.parse_args()
    rows = bench(ns.n, ns.report_max)
    if ns.csv is not None:
        with ns.csv.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return 1 if any(r["exit"] != 0 for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
