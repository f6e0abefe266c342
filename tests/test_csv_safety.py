"""Every CSV the package writes reads back row for row, and no cell can start a formula.

Issue 10, section 7: the verbatim term ``"Nausea\\r=cmd|' /C calc'!A0"`` passed the neutraliser
(it looked only at the first character) and the writer left the bare CR unquoted, so
LibreOffice Calc split the row and made ``=cmd|...`` a live formula cell; ``ard.csv`` also
carried bare CRs and raw NUL / ESC bytes. The rules are in :mod:`osteo_stats.safe_csv`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil

import pandas as pd
import pytest
from test_render_fixtures import SYNTHETIC, _tlf
from typer.testing import CliRunner

from osteo_stats.cli import app
from osteo_stats.render.csv_export import tlf_to_csv
from osteo_stats.safe_csv import csv_text, frame_csv_text, neutralise_cell
from osteo_stats.tlf.ard import ARD, ARDBuilder

PAYLOAD = "cmd|' /C calc'!A0"
BREAKS = ("\r", "\n", "\r\n")
LEADS = (" ", "\t", "  \t ")

#: Each of ``= + - @`` after each line break, and after a leading space or tab, plus NUL / ESC.
HOSTILE = (
    *(f"Nausea{br}{op}{PAYLOAD}" for br in BREAKS for op in "=+-@"),
    *(f"Nausea{br}{lead}{op}{PAYLOAD}" for br in BREAKS for lead in LEADS for op in "=+-@"),
    *(f"{lead}{op}{PAYLOAD}" for lead in LEADS for op in "=+-@"),
    "Nausea\r\n\r\n=1+1",  # an empty line between
    "\r=1+1",
    "\nplain",
    "Cough\x00=1",
    "Fever \x1b[31mred\x1b[0m",
    "\x1b]8;;http://attacker.invalid\x1b\\link\x1b]8;;\x1b\\",
    "Nausea\r-12.5",  # a number on its own line stays a number
)

_LINES = re.compile(r"\r\n|\r|\n")
#: A number, optionally with a parenthesised number or pair ("-1.2 (-3.4, 0.5)", "-3 (7.0)").
_NUMBER = re.compile(r"[-+]?[0-9.]+(e[-+]?[0-9]+)?( \([-+0-9.%]+(, ?[-+0-9.%]+)?\))?%?")


def _unsafe_lines(cell: str) -> list[str]:
    """Lines of ``cell`` a spreadsheet could read as a formula (numbers excepted)."""
    risky = []
    for line in _LINES.split(cell):
        stripped = line.lstrip()
        if stripped[:1] in ("=", "+", "-", "@") and not _NUMBER.fullmatch(stripped):
            risky.append(line)
    if cell.lstrip(" ")[:1] in ("\t", "\r", "\n"):
        risky.append(cell)
    return risky


def _assert_safe(text: str, rows_written: int) -> list[list[str]]:
    """``text`` parses to ``rows_written`` rows, with no formula line and no control bytes."""
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == rows_written
    assert len(pd.read_csv(io.StringIO(text, newline=""), dtype=str)) == rows_written - 1
    for row in rows:
        for cell in row:
            assert not _unsafe_lines(cell), repr(cell)
    return rows


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Nausea\r=cmd|' /C calc'!A0", "Nausea\r'=cmd|' /C calc'!A0"),
        ("Nausea\n  +A1", "Nausea\n'  +A1"),
        ("Nausea\n  +1", "Nausea\n  +1"),  # a signed number alone is a number
        ("Nausea\r\n\t@SUM(A1)", "Nausea\r\n'\t@SUM(A1)"),
        (" -A1", "' -A1"),
        ("\t=1", "'\t=1"),
        ("\r=1+1", "'\r'=1+1"),
        ("\nplain", "'\nplain"),
        ("Nausea\r-12.5", "Nausea\r-12.5"),
        ("Cough\x00=1", "Cough\u2400=1"),
        ("a\x1b[31m\x7f\x9b", "a\u241b[31m\u2421\ufffd"),
        ("Grade >= 3\nof 5", "Grade >= 3\nof 5"),  # a formula sign inside a line is text
    ],
)
def test_each_line_of_a_cell_is_neutralised(cell, expected):
    assert neutralise_cell(cell) == expected


def test_hostile_cells_read_back_as_the_written_rows():
    rows = [["term", "n"], *([cell, str(i)] for i, cell in enumerate(HOSTILE))]
    text = csv_text(rows)
    back = _assert_safe(text, len(rows))
    assert back == [[neutralise_cell(c) for c in row] for row in rows]
    # the line breaks themselves survive, quoted
    assert back[1][0] == "Nausea\r'=" + PAYLOAD
    assert back[HOSTILE.index("Nausea\r\n=" + PAYLOAD) + 1][0] == "Nausea\r\n'=" + PAYLOAD


def test_tlf_csv_with_hostile_terms():
    body = pd.DataFrame({"Preferred term": list(HOSTILE), "n (%)": ["1 (2.3)"] * len(HOSTILE)})
    tlf = _tlf("Listing", "16.2.7.1", "Adverse events", "SAF", ["X"], body=body)
    back = _assert_safe(tlf_to_csv(tlf), len(HOSTILE) + 1)
    assert [row[0] for row in back[1:]] == [neutralise_cell(term) for term in HOSTILE]


def _hostile_ard() -> ARD:
    b = ARDBuilder("SAF-AE-02", "Table 14.3.2", "SAF")
    for i, term in enumerate(HOSTILE):
        b.add("n", i, parameter="TEAE", group={"AEDECOD": term})
        b.add("pct", -1.5 if i % 2 else math.nan, parameter=term, group={"AEDECOD": term})
    return b.build()


def test_ard_csv_is_safe_and_json_is_exact():
    ard = _hostile_ard()
    rows = _assert_safe(ard.to_csv_text(), len(ard.frame) + 1)
    assert rows[0] == list(ard.frame.columns)
    assert [row[5] for row in rows[1:]] == ard.frame["statistic"].tolist()
    # ard.json is the exact record: control characters and line breaks round-trip
    back = ARD.from_json_text(ard.to_json_text())
    pd.testing.assert_frame_equal(back.frame, ard.frame)
    assert "\x00" not in ard.to_json_text() and "\x1b" not in ard.to_json_text()


def test_simulation_results_csv_is_neutralised():
    # Scenario names may start with '-'; "-A1" is a formula (minus cell A1) in a spreadsheet.
    frame = pd.DataFrame(
        {"scenario": ["-A1", "h1"], "reps": [10, 20], "reject_rate": [0.1, math.nan]}
    )
    text = frame_csv_text(frame)
    assert text == "scenario,reps,reject_rate\n'-A1,10,0.1\nh1,20,\n"
    _assert_safe(text, 3)


def test_analyze_csvs_read_back_with_hostile_ae_terms(tmp_path):
    """End to end: line breaks in AE terms reach the TLF CSVs and ard.csv, and stay in one cell."""
    data = tmp_path / "data"
    shutil.copytree(SYNTHETIC, data, ignore=shutil.ignore_patterns("xpt"))
    adae = pd.read_csv(data / "adae.csv", dtype=str, keep_default_na=False)
    adae.loc[0, ["AETERM", "AEDECOD"]] = "Nausea\r=cmd|' /C calc'!A0"
    adae.loc[1, ["AETERM", "AEDECOD"]] = "Cough\n @SUM(1+1)"
    adae.loc[2, ["AETERM", "AEDECOD"]] = "Pain\r\n\t+1+cmd"
    adae.to_csv(data / "adae.csv", index=False, quoting=csv.QUOTE_ALL)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["analyze", "--data", str(data), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    hits = 0
    for path in [out / "ard.csv", *sorted((out / "tlfs").glob("*.csv"))]:
        text = path.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        width = len(rows[0])
        assert all(len(row) == width for row in rows), path.name
        _assert_safe(text, len(rows))
        hits += text.count("Nausea\r'=cmd|' /C calc'!A0")
        hits += text.count("Cough\n' @SUM(1+1)")
    assert hits > 0
    ard = ARD.from_json_text((out / "ard.json").read_text(encoding="utf-8"))
    # ard.json keeps the raw term (group labels escape '=' as '\\=', SAP 12.1)
    assert any("AEDECOD=Nausea\r\\=cmd|' /C calc'!A0" in g for g in ard.frame["group"])
