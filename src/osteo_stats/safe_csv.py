"""CSV text that a spreadsheet opens as data and the ``csv`` module reads back row for row.

Every CSV the package writes (TLF tables and listings, ``ard.csv``, ``simulation_results.csv``)
goes through :func:`csv_text`. Cells come from hostile places (verbatim AE terms, comments,
identifiers, scenario names), so three rules apply to every cell, header included:

1. **Line breaks are always quoted.** Python's writer quotes only the characters of its line
   terminator, so with ``\\n`` rows a bare carriage return was written unquoted; spreadsheets and
   pandas then split the row there and the text after it became a cell of its own (a live
   formula in LibreOffice Calc). Here any cell holding ``\\r`` or ``\\n`` is quoted, and rows
   end in ``\\n``.
2. **Control characters are shown, not written.** C0 controls other than tab, line feed and
   carriage return (NUL, ESC, ...) and DEL become their Unicode "control pictures" (``␀``,
   ``␛``, ``␡``; U+2400 + code); C1 controls (U+0080-U+009F) become U+FFFD. Raw NUL bytes break
   readers and raw ESC sequences reach terminals. Invisible format characters (Unicode "Cf":
   the bidi overrides, embeddings, isolates and marks such as U+202E, zero-width spaces, soft
   hyphens) are shown as ``<U+202E>``: a right-to-left override reverses how the rest of the
   text reads ("Trojan source"), so a reader must see it. The joiners U+200C and U+200D are kept:
   they shape letters in Persian and Indic scripts and change no order. The same
   :func:`show_invisible` applies to every text of the HTML, PDF and RTF reports.
3. **No line can start a formula** (CWE-1236, OWASP: prefix with ``'``). A line of a cell (the
   whole cell, or any part after a CR, LF or CRLF) is a formula risk if, after optional
   whitespace, it starts with ``=``, ``+``, ``-`` or ``@``; a cell is also a risk if it starts,
   after spaces, with a tab or a line break. Each such line gets a single quote ``'`` in front
   (before its indentation), which spreadsheets show as text.

Decision on numbers: a line that is *only* a number (``-12.5``, ``+3``, ``-1e-3``), or a number
followed by one parenthesised number or pair, as the package formats estimates with their CI or
counts with their percent (``-1.2 (-3.4, 0.5)``, ``-3 (7.0)``), is left as it is. Such text holds
no letters, references or operators between operands, so it cannot call a function, read
another cell or reach DDE; prefixing it would corrupt genuine numbers.

So reading a file back with ``csv.reader`` gives exactly the rows written, after rules 2 and 3;
text that needs neither (all package-generated text, and ordinary data) comes back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@")
_BREAK_START = ("\t", "\r", "\n")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMERIC = re.compile(rf"{_NUMBER}(?: \({_NUMBER}%?(?:, ?{_NUMBER}%?)?\))?%?")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def show_controls(text: str) -> str:
    """``text`` with NUL, ESC and the other control characters (not tab/CR/LF) made visible."""
    return _CONTROL.sub(_picture, text)


#: Format characters that shape letters (Persian, Indic scripts, emoji) and reorder nothing.
_JOINERS = frozenset("\u200c\u200d")


def _show_format(char: str) -> str:
    if unicodedata.category(char) == "Cf" and char not in _JOINERS:
        return f"<U+{ord(char):04X}>"
    return char


def show_invisible(text: str) -> str:
    """:func:`show_controls`, and invisible format characters (bidi controls) as ``<U+202E>``."""
    if text.isprintable():  # the common case; every control and format character is not
        return text
    return show_controls("".join(map(_show_format, text)))


def _starts_formula(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(_FORMULA_START) and not _NUMERIC.fullmatch(stripped)


def neutralise_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet (see the module docstring for the rules)."""
    text = show_invisible(text)
    pieces = _LINE_BREAK.split(text)  # lines at even positions, the breaks between them odd
    for i in range(0, len(pieces), 2):
        if _starts_formula(pieces[i]):
            pieces[i] = "'" + pieces[i]
    safe = "".join(pieces)
    if not safe.startswith("'") and text.lstrip(" ").startswith(_BREAK_START):
        safe = "'" + safe
    return safe


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The CSV text of ``rows`` (cells as ``str``), neutralised, ``\\n`` line endings.

    The writer is given a CRLF terminator so that it quotes every cell holding a CR or an LF
    (Python < 3.13 otherwise leaves a bare CR unquoted); each row's terminator is then written
    as ``\\n``.
    """
    out = io.StringIO()
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        line.seek(0)
        line.truncate()
        writer.writerow([neutralise_cell(str(cell)) for cell in row])
        out.write(line.getvalue()[:-2] + "\n")
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""  # missing (None / NaN) is an empty cell, as in pandas
    if isinstance(value, float):
        return repr(value)  # full precision, shortest round-trip form
    return str(value)


def frame_csv_text(frame: pd.DataFrame) -> str:
    """:func:`csv_text` of a data frame: a header row, then its rows (the index is dropped)."""
    rows = frame.astype(object).itertuples(index=False, name=None)
    return csv_text([list(map(str, frame.columns)), *([_cell(v) for v in row] for row in rows)])
