"""Long unbreakable text is cut in the PDF/HTML (SAP 11.1) and kept whole in the CSV.

Issue 10, section 7: one unbreakable AE term grew the WeasyPrint layout roughly as
length^1.8; a 130,000-character term ran for more than 20 minutes. Timings are in
``benchmarks/bench_long_text.py``; these tests check the rule, not the clock.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from osteo_stats.render.csv_export import tlf_to_csv
from osteo_stats.render.html import template_environment, tlf_view
from osteo_stats.render.pdf import html_to_pdf
from osteo_stats.tlf.model import TLF

NOTE = "\u2026 [truncated; full text in the CSV]"
PAGE = (
    '{% import "macros.html.j2" as m %}<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<style>{% include "report.css" %}</style></head><body>{{ m.tlf(view) }}</body></html>'
)


def _listing(term: str) -> TLF:
    body = pd.DataFrame(
        {
            "Patient": ["PROMIS-01-001", "PROMIS-01-002"],
            "Verbatim term": [term, "Nausea"],
            "Grade": ["2", "1"],
        }
    )
    return TLF(
        kind="Listing",
        number="16.2.7.1",
        title="Adverse events",
        analysis_set="Safety analysis set (N = 2)",
        footnotes=(),
        source="Source: test",
        analysis_ids=("SAF-AE-01",),
        body=body,
    )


def test_the_limit_is_200_characters():
    # SAP 11.1: a cell shows at most 200 characters, the longest SDTM / XPT text value.
    from osteo_stats.render.html import PDF_CELL_MAX_CHARS, shorten

    assert PDF_CELL_MAX_CHARS == 200
    assert shorten("A" * 200) == "A" * 200
    assert shorten("A" * 201) == "A" * 200 + " " + NOTE
    assert shorten("Nausea") == "Nausea"


@pytest.mark.parametrize("length", [1_000, 130_000])
def test_long_term_is_cut_in_the_report_and_whole_in_the_csv(length):
    term = "X" * length
    tlf = _listing(term)
    view = tlf_view(tlf)
    assert view.rows[0][1].text == "X" * 200 + " " + NOTE
    assert view.rows[1][1].text == "Nausea"

    rows = list(csv.reader(io.StringIO(tlf_to_csv(tlf), newline="")))
    assert rows[1] == ["PROMIS-01-001", term, "2"]

    html = template_environment().from_string(PAGE).render(view=view)
    assert "X" * 201 not in html
    assert NOTE in html
    result = html_to_pdf(html)
    assert result.pages == 1
    text = re.sub(
        r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    )
    assert "[truncated;fulltextintheCSV]" in text
    assert text.count("X") == 200
