"""TLF tables and listings as CSV, safe to open in a spreadsheet.

Formula injection (CWE-1236): a spreadsheet may execute a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return. Verbatim AE terms and comments are hostile text, so
every such cell (also after leading spaces, which some importers trim) is neutralised by
prefixing a single quote ``'`` (the OWASP recommendation; spreadsheets then show it as text).

Decision on numbers: a cell that is *only* a number (``-12.5``, ``+3``, ``-1e-3``), or a number
followed by one parenthesised number or pair, as the package formats estimates with their CI or
counts with their percent (``-1.2 (-3.4, 0.5)``, ``-3 (7.0)``), is left as it is. Such a cell
holds no letters, references or operators between operands, so it cannot call a function, read
another cell or reach DDE; prefixing it would corrupt genuine numbers. Everything else with a
risky first character is prefixed.

The ARD (``ard.csv``) is written by :meth:`osteo_stats.tlf.ard.ARD.to_csv_text`: its values are
numbers and its text columns are package-controlled identifiers (group labels always start with
a ``KEY=``), so it needs no neutralisation.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from osteo_stats.tlf.model import TLF

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMERIC_CELL = re.compile(rf"{_NUMBER}(?: \({_NUMBER}%?(?:, ?{_NUMBER}%?)?\))?%?")


def neutralise_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet (see the module docstring for the rule)."""
    stripped = text.lstrip(" ")  # some importers trim, so look past indentation
    if not stripped.startswith(_RISKY_START) or _NUMERIC_CELL.fullmatch(stripped):
        return text
    return "'" + text


def body_frame(tlf: TLF) -> pd.DataFrame:
    """The TLF body as text cells with flat string column names (index kept if meaningful)."""
    if tlf.body is None:
        raise ValueError(f"{tlf.label} has no body (figures are written as SVG)")
    body = tlf.body
    if not isinstance(body.index, pd.RangeIndex) or any(
        name is not None for name in body.index.names
    ):
        body = body.reset_index()
    columns = [
        " / ".join(str(level) for level in col if str(level))
        if isinstance(col, tuple)
        else str(col)
        for col in body.columns
    ]
    cells = body.astype(object).where(body.notna(), "")
    frame = pd.DataFrame(cells.to_numpy(), columns=columns)
    return frame.map(str)


def tlf_to_csv(tlf: TLF) -> str:
    """The CSV text of a table or listing: a header row, then the body, neutralised.

    Titles, footnotes and the source line are not part of the CSV (they are in the RTF and the
    report); the CSV is the grid a reviewer re-sorts or compares.
    """
    frame = body_frame(tlf)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise_cell(column) for column in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise_cell(cell) for cell in row])
    return buffer.getvalue()
