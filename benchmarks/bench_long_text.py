"""Benchmark the PDF layout of a listing page holding one long unbreakable AE term.

Run with one command (not part of the test suite)::

    python benchmarks/bench_long_text.py [LENGTH ...]

For each length (default 1,000, 10,000 and 130,000 characters) it builds a one-page adverse
event listing whose verbatim term is ``"X" * LENGTH`` (no break opportunity), renders it with the
report stylesheet and prints the WeasyPrint layout and write time and the page count. Before the
cell limit of SAP 11.1, WeasyPrint's line breaking made the layout time grow roughly as
length^1.8 (130,000 characters: more than 20 minutes); the PDF/HTML now shows the first
:data:`osteo_stats.render.html.PDF_CELL_MAX_CHARS` characters with a note, and the CSV keeps
the whole text.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from osteo_stats.render.html import template_environment, tlf_view
from osteo_stats.render.pdf import html_to_pdf
from osteo_stats.tlf.model import TLF

PAGE = (
    '{% import "macros.html.j2" as m %}<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<style>{% include "report.css" %}</style></head><body>{{ m.tlf(view) }}</body></html>'
)


def listing(length: int) -> TLF:
    body = pd.DataFrame(
        {
            "Patient": ["PROMIS-01-001", "PROMIS-01-002"],
            "Verbatim term": ["X" * length, "Nausea"],
            "Preferred term": ["Nausea", "Nausea"],
            "Grade": ["2", "1"],
        }
    )
    return TLF(
        kind="Listing",
        number="16.2.7.1",
        title="Adverse events",
        analysis_set="Safety analysis set (N = 2)",
        footnotes=(),
        source="Source: benchmark",
        analysis_ids=("SAF-AE-01",),
        body=body,
    )


def listing_html(length: int) -> str:
    template = template_environment().from_string(PAGE)
    return template.render(view=tlf_view(listing(length)))


def main(lengths: list[int]) -> None:
    print(f"{'length':>8} {'html s':>8} {'layout s':>9} {'write s':>8} {'pages':>6}")
    for length in lengths:
        started = time.perf_counter()
        html = listing_html(length)
        html_seconds = time.perf_counter() - started
        result = html_to_pdf(html)
        print(
            f"{length:>8} {html_seconds:>8.2f} {result.layout_seconds:>9.2f} "
            f"{result.write_seconds:>8.2f} {result.pages:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000, 130_000])
