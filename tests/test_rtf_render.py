"""The RTF TLFs as a word processor lays them out (issue 13): LibreOffice renders them to PDF.

A long landscape listing and a wide AE table, each alone and together in the combined RTF, are
converted with ``soffice --headless --convert-to pdf`` (private profile, so parallel runs do not
clash) and read back with pypdf: the page count, the title and the running header on every page,
and no patient ID or ``n (%)`` cell broken across lines.

LibreOffice is required: ``.ci/run`` installs it when missing. Without it the test fails, unless
``OSTEO_STATS_SKIP_SOFFICE=1`` is set on purpose.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from osteo_stats.render.rtf import RunningText, combine_rtf, id_columns, panels, tlf_to_rtf
from osteo_stats.tlf.model import TLF

RUNNING = RunningText(
    protocol="PROMIS (NCT06114225)",
    cutoff=date(2025, 6, 30),
    program="osteo-stats 0.0 report dmc",
    run_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
)
N_ROWS = 100
PATIENT = re.compile(r"PROMIS-\d\d-\d\d\d")


def _listing() -> TLF:
    """100 one-line AE records of 13 columns: IDs and dates that must not wrap."""
    rows = [
        {
            "Patient": f"PROMIS-{1 + i // 25:02d}-{i:03d}",
            "AE no.": str(i % 6 + 1),
            "Preferred term": "Neutrophil count decreased",
            "System organ class": "Investigations",
            "Grade": str(3 + i % 2),
            "Onset": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "Study day": str(10 + i),
            "End": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "Serious": "Y" if i % 5 == 0 else "N",
            "Related to": "Gemcitabine",
            "Action taken": "DOSE REDUCED",
            "Outcome": "RECOVERED/RESOLVED",
            "Phase": "Post-operative/maintenance",
        }
        for i in range(N_ROWS)
    ]
    return TLF(
        kind="Listing",
        number="16.2.7.2",
        analysis_set="Safety analysis set (N = 43)",
        footnotes=("Grades by CTCAE v5.0.",),
        source="Source: test listing",
        analysis_ids=(),
        body=pd.DataFrame(rows),
        landscape=True,
    )


def _ae_table() -> TLF:
    """A 10-column TEAE table (portrait) whose ``n (%)`` cells must not wrap."""
    terms = ["Any TEAE"] + [f"Preferred term {i}" for i in range(11)]
    body = pd.DataFrame(
        {
            "System organ class": ["Investigations"] * len(terms),
            "Preferred term": terms,
            **{f"Grade {g}": ["15 (35.7)"] * len(terms) for g in range(1, 6)},
            "Grade missing": ["0"] * len(terms),
            "Any grade": ["41 (97.6)"] * len(terms),
            "Grade >= 3": ["21 (50.0)"] * len(terms),
        }
    )
    return TLF(
        kind="Table",
        number="14.3.3",
        analysis_set="Safety analysis set (N = 42)",
        footnotes=("Percentages of the safety analysis set.",),
        source="Source: test table",
        analysis_ids=("SAF-AE-03",),
        body=body,
    )


def _soffice() -> str:
    found = shutil.which("soffice")
    if found:
        return found
    if os.environ.get("OSTEO_STATS_SKIP_SOFFICE") == "1":
        pytest.skip("OSTEO_STATS_SKIP_SOFFICE=1: the LibreOffice rendering check is skipped")
    pytest.fail(
        "soffice (LibreOffice) is not installed, so the RTF cannot be checked as rendered. "
        "Hint: apt-get install -y libreoffice-writer-nogui (.ci/run does this as root), or set "
        "OSTEO_STATS_SKIP_SOFFICE=1 to skip this test on purpose."
    )


def _render(tmp_path: Path, documents: dict[str, str]) -> dict[str, list[str]]:
    """Each RTF converted by LibreOffice; the text of each PDF page."""
    for name, text in documents.items():
        (tmp_path / f"{name}.rtf").write_text(text, encoding="ascii")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *(str(tmp_path / f"{name}.rtf") for name in documents),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {
        name: [page.extract_text() for page in PdfReader(tmp_path / f"{name}.pdf").pages]
        for name in documents
    }


def _planned_pages(rtf_text: str) -> int:
    """The pages osteo-stats cut the document into (its explicit page breaks)."""
    return rtf_text.count("\\page") + 1


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    listing, table = tlf_to_rtf(_listing(), "A4", RUNNING), tlf_to_rtf(_ae_table(), "A4", RUNNING)
    return {"listing": listing, "table": table, "combined": combine_rtf([table, listing])}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, documents) -> dict[str, list[str]]:
    wanted = {name: documents[name] for name in ("listing", "combined")}
    return _render(tmp_path_factory.mktemp("rtf"), wanted)


def _check_page(text: str, number: int, total: int, title: str) -> None:
    flat = " ".join(text.split())
    assert title in flat, f"page {number}: no title {title!r}"
    assert "Protocol PROMIS (NCT06114225)" in flat, f"page {number}: no protocol"
    assert f"Page {number} of {total}" in flat, f"page {number}: no 'Page {number} of {total}'"
    assert "Data cut-off 2025-06-30" in flat and "CONFIDENTIAL" in flat
    assert "Program: osteo-stats 0.0 report dmc" in flat and "Run 2026-01-02 03:04 UTC" in flat


def test_long_listing_pages_title_header_and_unbroken_ids(rendered, documents):
    pages = rendered["listing"]
    # Landscape A4 (8.27 in high) less 1.2 + 0.9 in margins is 444 pt; less the two title lines
    # (about 41 pt) and the column header, at most about 30 one-line rows of 9 pt fit a page,
    # so 100 records need at least 4 pages. Its wrapped rows (preferred term, outcome, phase)
    # need more. LibreOffice must lay out exactly the pages osteo-stats cut: a page it broke
    # itself would carry no title (issue 13).
    assert len(pages) == _planned_pages(documents["listing"])
    assert len(pages) >= math.ceil(N_ROWS / 30)
    for number, text in enumerate(pages, start=1):
        _check_page(text, number, len(pages), "Listing 16.2.7.2 Adverse events of grade >= 3")
        assert "Patient" in text and "Outcome" in text, f"page {number}: no column header"
    ids = [match for text in pages for match in PATIENT.findall(text)]
    expected = [f"PROMIS-{1 + i // 25:02d}-{i:03d}" for i in range(N_ROWS)]
    assert ids == expected  # every ID whole, on one line, once, in order
    dates = re.findall(r"\d{4}-\d\d-\d\d", " ".join(pages))
    # Onset and end of each record whole, plus the cut-off and run dates of each page.
    assert len(dates) == 2 * N_ROWS + 2 * len(pages)


def test_combined_rtf_keeps_each_part_orientation_titles_and_numbering(rendered, documents):
    pages = rendered["combined"]
    # The portrait AE table (12 rows, one page) then the listing's pages; page numbers run
    # through the file.
    assert _planned_pages(documents["table"]) == 1
    total = 1 + _planned_pages(documents["listing"])
    assert len(pages) == total
    _check_page(pages[0], 1, total, "Table 14.3.3 TEAEs by SOC, preferred term and maximum grade")
    # Every "15 (35.7)" cell whole: 12 rows x 5 grade columns.
    assert len(re.findall(r"15 \(35\.7\)", pages[0])) == 12 * 5
    for number, text in enumerate(pages[1:], start=2):
        _check_page(text, number, total, "Listing 16.2.7.2 Adverse events of grade >= 3")
    ids = [match for text in pages[1:] for match in PATIENT.findall(text)]
    assert len(ids) == N_ROWS


def test_combined_rtf_sections_carry_their_orientation(documents):
    listing, combined = documents["listing"], documents["combined"]
    sections = combined.split("\\sect\n")
    assert len(sections) == 2
    # A4 is 8.27 x 11.69 in: 11909 x 16834 twips as rtflite rounds.
    assert "\\lndscpsxn" not in sections[0] and "\\pgwsxn11909\\pghsxn16834" in sections[0]
    assert "\\pgwsxn16834\\pghsxn11909\\lndscpsxn" in sections[1]
    assert sections[0].count("{\\header") == sections[1].count("{\\header") == 1
    assert "\\trowd\\trhdr" in listing  # the column header repeats if a reader breaks a page


# --- listings too wide for the page: column panels (SAP 11.1, RTF conventions) ---------------

WIDE_COLUMNS = (
    "Patient",
    "AE no.",
    "Verbatim term",
    "Preferred term",
    "System organ class",
    "Grade",
    "Onset",
    "Study day",
    "End",
    "Serious",
    "Related to",
    "Immune-related",
    "Action taken",
    "Outcome",
    "Phase",
    "Clavien-Dindo",
    "Surgery",
    "Days from surgery",
)
N_WIDE = 40


def _wide_listing() -> TLF:
    """Listing 16.2.7.5's 18 columns: 40 complications, two per patient (so the patient ID
    alone does not identify a row; the AE number with it does)."""
    rows = [
        dict(
            zip(
                WIDE_COLUMNS,
                (
                    f"PROMIS-{1 + i // 20:02d}-{i // 2:03d}",
                    str(1 + i % 2),
                    "Post-operative wound infection",
                    "Wound infection",
                    "Infections and infestations",
                    str(1 + i % 3),
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    str(40 + i),
                    f"2024-{1 + i % 12:02d}-{2 + i % 27:02d}",
                    "N",
                    "Surgery",
                    "N",
                    "NOT APPLICABLE",
                    "RECOVERED/RESOLVED",
                    "Peri-operative",
                    "IIIa",
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    str(i % 30),
                ),
                strict=True,
            )
        )
        for i in range(N_WIDE)
    ]
    return TLF(
        kind="Listing",
        number="16.2.7.5",
        analysis_set="Safety analysis set (N = 43)",
        footnotes=("Clavien-Dindo classification of surgical complications.",),
        source="Source: test listing",
        analysis_ids=(),
        body=pd.DataFrame(rows),
        landscape=True,
    )


def test_panels_split_only_a_listing_too_wide_and_repeat_the_id_columns():
    wide = _wide_listing().body
    # At 7 pt with no word broken the 18 columns need more than landscape A4's 9.69 in: two
    # panels, each led by Patient and AE no. (together the row's key), the other 16 columns in
    # their order, each column in exactly one panel.
    assert id_columns(wide) == 2
    split = panels(wide, 11.69 - 2.0)
    assert len(split) == 2
    assert all(panel[:2] == [0, 1] for panel in split)
    assert [i for panel in split for i in panel[2:]] == list(range(2, len(WIDE_COLUMNS)))
    # A listing that fits (the 13-column one above) stays one panel; a patient-keyed listing
    # repeats the patient column only.
    narrow = _listing().body
    assert panels(narrow, 11.69 - 2.0) == [list(range(narrow.shape[1]))]
    assert id_columns(wide.drop_duplicates("Patient")) == 1


def test_wide_listing_panels_as_rendered(tmp_path):
    document = tlf_to_rtf(_wide_listing(), "A4", RUNNING)
    pages = _render(tmp_path, {"wide": document})["wide"]
    assert len(pages) == _planned_pages(document)
    title = "Listing 16.2.7.5 Surgical complications (Clavien-Dindo)"
    seen: dict[int, list[str]] = {1: [], 2: []}
    columns: set[str] = set()
    expected_ids = [f"PROMIS-{1 + i // 20:02d}-{i // 2:03d}" for i in range(N_WIDE)]
    for number, text in enumerate(pages, start=1):
        _check_page(text, number, len(pages), title)
        flat = re.sub(r"-\s+", "-", " ".join(text.split()))
        panel = re.findall(r"\(Panel (\d) of 2\)", flat)
        assert len(panel) == 1, f"page {number}: no 'Panel k of 2' under the title"
        assert "Patient" in flat and "AE no." in flat, f"page {number}: no ID columns"
        seen[int(panel[0])] += PATIENT.findall(text)
        columns |= {name for name in WIDE_COLUMNS if name in flat}
    # Each panel has every record, its patient ID whole, in order; every column is shown.
    assert seen[1] == expected_ids and seen[2] == expected_ids
    assert columns == set(WIDE_COLUMNS)


def test_rtf_control_words_entities_and_bidi_in_ae_terms_read_as_typed(tmp_path):
    """Terms that look like RTF or XML show as typed in Word; a right-to-left override is shown
    as ``<U+202E>`` (issues 19 section 4, 24): raw, LibreOffice reverses the rest of the cell."""
    terms = ["{\\rtf1 \\par}", "\\'e9", '&amp; <!ENTITY x SYSTEM "file:///etc/passwd">']
    body = pd.DataFrame(
        {"Preferred term": [*terms, "Fatigue\u202e reversed"], "n": ["1", "2", "3", "4"]}
    )
    tlf = TLF(
        kind="Table",
        number="14.3.2",
        title="TEAEs by preferred term",
        analysis_set="Safety analysis set (N = 3)",
        footnotes=(),
        source="Source: test",
        analysis_ids=("SAF-AE-02",),
        body=body,
    )
    text = " ".join(_render(tmp_path, {"terms": tlf_to_rtf(tlf, "A4", RUNNING)})["terms"])
    for term in terms:
        assert term in text, term
    assert "Fatigue<U+202E> reversed" in text
    assert "\u202e" not in text and "desrever" not in text
