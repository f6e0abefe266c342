"""Benchmark ``osteo-stats report dmc`` on the synthetic trial, step by step.

Run with one command (not part of the test suite)::

    python benchmarks/bench_report.py [--kind dmc|final] [--repeats 3]

Prints the median time of each step: load + validate, derive, TLF build (the registered
catalogue), HTML render, WeasyPrint layout, PDF write, and the ARD/RTF/CSV/SVG files; then the
share of the run spent outside layout (issue 6: everything else should cost less than half of
the layout time).

Second part: layout time of a long adverse-event listing at 100, 200, 400 and 800 rows, as
seconds per page, to check that layout grows linearly in pages (WeasyPrint issues #1296 and
#1104 describe super-linear cases; the report CSS uses fixed table layout with explicit column
widths, simple selectors and one table per listing, with the header repeated by the browser).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.render.context import build_report_context
from osteo_stats.render.html import render_html, tlf_view
from osteo_stats.render.pdf import html_to_pdf
from osteo_stats.render.report import template_context, write_report
from osteo_stats.render.spec import report_spec
from osteo_stats.sap import load_sap
from osteo_stats.tlf.build import build_tlfs
from osteo_stats.tlf.model import TLF

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "synthetic"


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench_report(kind: str, repeats: int) -> None:
    steps: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        steps.setdefault(name, []).append(seconds)

    pages = 0
    n_tlfs = 0
    for _ in range(repeats):
        sap, seconds = _timed(load_sap)
        trial, seconds2 = _timed(lambda: load_trial(DATA, sap))  # noqa: B023
        record("load + validate", seconds + seconds2)
        ad, seconds = _timed(lambda: derive_analysis_data(trial, sap))  # noqa: B023
        record("derive", seconds)
        areas = report_spec(kind).areas
        outputs, seconds = _timed(lambda: build_tlfs(ad, areas))  # noqa: B023
        record("TLF build", seconds)
        n_tlfs = len(outputs)
        with tempfile.TemporaryDirectory() as tmp:
            context, seconds = _timed(lambda: build_report_context(ad, ["bench"]))  # noqa: B023
            result = write_report(kind, context, outputs, Path(tmp) / kind)
        pages = result.pages
        record("HTML render", result.timings["html"] + seconds)
        record("WeasyPrint layout", result.timings["pdf_layout"])
        record("PDF write", result.timings["pdf_write"])
        record("ARD/RTF/CSV/SVG files", result.timings["files"])

    medians = {name: statistics.median(values) for name, values in steps.items()}
    total = sum(medians.values())
    print(f"report {kind}: {pages} pages, {n_tlfs} TLFs from the catalogue, median of {repeats}")
    for name, seconds in medians.items():
        print(f"  {name:<24} {seconds:7.2f} s  {100 * seconds / total:5.1f}%")
    print(f"  {'total':<24} {total:7.2f} s")
    layout = medians["WeasyPrint layout"]
    outside = total - layout - medians["PDF write"]
    print(
        f"  everything but WeasyPrint (layout + write): {outside:.2f} s = "
        f"{outside / layout:.2f} x layout (target < 0.5)"
    )


def _listing(n_rows: int) -> TLF:
    rows = [
        {
            "Patient": f"PROMIS-{1 + i // 6:02d}-{i:03d}",
            "AE no.": str(i % 6 + 1),
            "Verbatim term": f"Neutropenia episode {i} with a verbatim description",
            "Preferred term": "Neutrophil count decreased",
            "System organ class": "Investigations",
            "Onset (day)": f"2025-0{1 + i % 9}-1{i % 10} ({i + 3})",
            "End": "2025-10-01",
            "Grade": str(3 + i % 2),
            "Serious": "N",
            "Related": "SBRT; gemcitabine",
            "Outcome": "RECOVERED/RESOLVED",
        }
        for i in range(n_rows)
    ]
    return TLF(
        kind="Listing",
        number="16.2.7.2",
        title="Adverse events of grade >= 3",
        analysis_set="Safety analysis set",
        footnotes=(),
        source="Source: benchmark",
        analysis_ids=("SAF-AE-02",),
        body=pd.DataFrame(rows),
        landscape=True,
    )


def bench_listing_scaling() -> None:
    sap = load_sap()
    ad = derive_analysis_data(load_trial(DATA, sap), sap)
    spec = report_spec("dmc")
    base = template_context(spec, build_report_context(ad, ["bench"]), [])
    print("listing layout scaling (one long listing appended to the DMC report):")
    baseline = None
    for n_rows in (0, 100, 200, 400, 800):
        context = dict(base)
        if n_rows:
            view = tlf_view(_listing(n_rows))
            section = base["sections"][-1]
            context["sections"] = [
                *base["sections"][:-1],
                type(section)(**{**section.__dict__, "items": (*section.items, view)}),
            ]
        html = render_html("dmc.html.j2", context)
        result = html_to_pdf(html)
        if baseline is None:
            baseline = result
            layout = result.layout_seconds
            print(f"  {'no listing':>10}: {result.pages:3d} pages, layout {layout:6.2f} s")
            continue
        extra_pages = result.pages - baseline.pages
        extra_time = result.layout_seconds - baseline.layout_seconds
        print(
            f"  {n_rows:>5} rows: {result.pages:3d} pages (+{extra_pages}), layout "
            f"{result.layout_seconds:6.2f} s, "
            f"{extra_time / max(extra_pages, 1):.3f} s per listing page"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("dmc", "final"), default="dmc")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-scaling", action="store_true", help="skip the listing scaling part")
    args = parser.parse_args(argv)
    bench_report(args.kind, args.repeats)
    if not args.no_scaling:
        bench_listing_scaling()
    return 0


if __name__ == "__main__":
    sys.exit(main())
