"""Validate at 10^4, 10^5 and 10^6 ADLB rows (and as many ADAE rows): time and peak memory.

Run from the repository root (not part of the test suite)::

    python benchmarks/bench_validate_adlb.py [--rows 10000 100000 1000000] [--kind valid dup]

The data are built from the shipped trial (``data/synthetic``):

- ``valid``: ADLB (or ADAE) is the shipped file repeated with its USUBJIDs suffixed per copy
  (``PROMIS-01-001~7``), and ADSL repeated likewise, so every row is valid and every key unique
  (about 10^6 / 11,455 = 88 copies of the 43 patients for 10^6 ADLB rows);
- ``dup``: the shipped ADLB concatenated with itself until it has the rows, so every row after
  the first 11,455 duplicates a key (the case of issue 24: "concatenated twice").

Each ``osteo-stats validate`` runs in its own process; the peak resident memory is that
process's ``ru_maxrss`` (``os.wait4``). Each point is run once: orders of magnitude, not a gate.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def build(target: Path, dataset: str, rows: int, kind: str) -> None:
    """Write a data folder whose ``dataset`` (``adlb`` or ``adae``) has ``rows`` data rows."""
    target.mkdir(parents=True)
    for path in SHIPPED.glob("*.csv"):
        shutil.copy(path, target / path.name)
    header, body = _rows(SHIPPED / f"{dataset}.csv")
    copies = -(-rows // len(body))
    uid = header.index("USUBJID")
    out: list[list[str]] = []
    for copy in range(copies):
        for row in body:
            if kind == "valid" and copy:
                row = [*row[:uid], f"{row[uid]}~{copy}", *row[uid + 1 :]]
            out.append(row)
    with (target / f"{dataset}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out[:rows])
    if kind == "valid" and copies > 1:
        adsl_header, adsl = _rows(SHIPPED / "adsl.csv")
        sid = adsl_header.index("USUBJID")
        with (target / "adsl.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(adsl_header)
            for copy in range(copies):
                for row in adsl:
                    suffix = f"~{copy}" if copy else ""
                    writer.writerow([*row[:sid], row[sid] + suffix, *row[sid + 1 :]])


def run_validate(data: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS in MiB and exit code of
    ``osteo-stats validate data``. CPU time is the figure to compare on a shared machine."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "osteo_stats", "validate", str(data)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    return (
        time.perf_counter() - start,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        os.waitstatus_to_exitcode(status),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kind", nargs="+", default=["valid", "dup"], choices=["valid", "dup"])
    parser.add_argument("--dataset", nargs="+", default=["adlb", "adae"])
    args = parser.parse_args(argv)
    print("dataset,kind,rows,file_mib,exit,wall_s,cpu_s,peak_mib", flush=True)
    for dataset in args.dataset:
        for kind in args.kind:
            if dataset == "adae" and kind == "dup":
                continue  # ADAE for comparison: the valid case only
            for rows in args.rows:
                with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
                    data = Path(tmp) / "data"
                    build(data, dataset, rows, kind)
                    size = (data / f"{dataset}.csv").stat().st_size / 2**20
                    wall, cpu, mib, code = run_validate(data)
                print(
                    f"{dataset},{kind},{rows},{size:.0f},{code},{wall:.1f},{cpu:.1f},{mib:.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
