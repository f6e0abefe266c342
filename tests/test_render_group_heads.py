"""A group heading row never ends a PDF page without its first row (SAP 11.1).

Table 14.3.6.1 opens each parameter with a heading row ("Lymphocyte count decreased (LYMPH,
10^9/L), N = 42") over its baseline-grade rows; the AE tables open each SOC with a row over its
preferred terms. WeasyPrint used to leave such a heading alone at the bottom of a page.
"""

from __future__ import annotations

import io

import pandas as pd
from pypdf import PdfReader
from test_render_long_text import PAGE  # one TLF alone on a page, with the report CSS

from osteo_stats.render.html import Cell, group_heads, template_environment, tlf_view
from osteo_stats.render.pdf import html_to_pdf
from osteo_stats.tlf.model import TLF

HEADING = "Lymphocyte count decreased (LYMPH), N = 42"


def _row(*texts: str, indent: int = 0) -> tuple[Cell, ...]:
    return (Cell(texts[0], indent), *(Cell(text) for text in texts[1:]))


def test_group_heads_in_the_shapes_the_tables_use():
    rows = (
        _row("Related to any component", "", ""),  # a label over the rest: heads
        _row("Any TEAE", "", "41 (97.6)"),  # followed by a SOC, not by its own rows
        _row("Investigations", "", "35 (83.3)"),  # SOC over blank-first-cell PT rows: heads
        _row("", "Neutrophil count decreased", "27 (64.3)"),
        _row("", "Platelet count decreased", "21 (50.0)"),
        _row("Age (years)", "43"),  # a parameter over indented statistics: heads
        _row("Median", "14.0", indent=1),
        _row("Mean (SD)", "14.2 (2.1)", indent=1),
        _row(HEADING, "", ""),  # the last row heads nothing
    )
    assert group_heads(rows) == (True, False, True, False, False, True, False, False, False)
    assert group_heads(()) == ()


def _shift_table(fillers: int, groups: bool) -> TLF:
    """``fillers`` one-line rows, then (if ``groups``) a heading row and its grade rows."""
    rows = [[f"Filler {i:03d}", "", "1"] for i in range(1, fillers + 1)]
    if groups:
        rows += [[HEADING, "", ""], ["", "Grade 0", "16 (38.1)"], ["", "Grade 1", "0"]]
    return TLF(
        kind="Table",
        number="14.3.6.1",
        title="Shift table",
        analysis_set="Safety analysis set (N = 42)",
        footnotes=(),
        source="Source: test",
        analysis_ids=("SAF-LB-01",),
        body=pd.DataFrame(rows, columns=["Parameter", "Baseline grade", "Worst grade 3"]),
    )


def _page_texts(tlf: TLF) -> list[str]:
    html = template_environment().from_string(PAGE).render(view=tlf_view(tlf))
    reader = PdfReader(io.BytesIO(html_to_pdf(html).pdf))
    return [page.extract_text() for page in reader.pages]


def test_a_heading_that_would_end_the_page_moves_to_the_next_with_its_first_row():
    # How many one-line rows fill the first page; the heading then takes the last place.
    probe = _page_texts(_shift_table(120, groups=False))
    fit = sum(f"Filler {i:03d}" in probe[0] for i in range(1, 121))
    assert 20 < fit < 120

    pages = _page_texts(_shift_table(fit - 1, groups=True))
    on_page = {
        text: [k for k, page in enumerate(pages) if text in page]
        for text in (f"Filler {fit - 1:03d}", HEADING, "Grade 0")
    }
    assert on_page[f"Filler {fit - 1:03d}"] == [0]
    # Without the rule the heading ends page 1 and "Grade 0" opens page 2.
    assert on_page[HEADING] == on_page["Grade 0"] == [1]


def test_listing_rows_are_records_not_group_heads():
    listing = TLF(
        kind="Listing",
        number="16.2.8.1",
        title="Grade 3+ laboratory values",
        analysis_set="Safety analysis set (N = 42)",
        footnotes=(),
        source="Source: test",
        analysis_ids=(),
        body=pd.DataFrame([["PROMIS-01-002", "Neutrophils"], ["", "Platelets"]]),
        landscape=True,
    )
    assert tlf_view(listing).heads == (False, False)
