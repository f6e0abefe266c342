"""Report HTML: TLF objects turned into plain view objects, then the Jinja2 templates.

Autoescaping is on for every template. The only markup that reaches the page unescaped is the
package's own SVG, after :func:`osteo_stats.render.svg.inline_svg` has checked it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from osteo_stats.render.csv_export import body_frame
from osteo_stats.render.svg import inline_svg
from osteo_stats.safe_csv import show_invisible
from osteo_stats.tlf.model import TLF


def templates_dir() -> Path:
    """The templates shipped in the wheel or, in a source checkout, ``reports/templates``."""
    packaged = Path(__file__).resolve().parents[1] / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "reports" / "templates"


#: Usable line length in characters at 8 pt (A4 portrait, landscape) for DejaVu Sans at an
#: average 0.62 em per character, and at 7 pt in DejaVu Sans Condensed (landscape, "compact").
PORTRAIT_CHARS = 100
LANDSCAPE_CHARS = 150
COMPACT_CHARS = 190
#: A column whose natural width is at most this many characters keeps it; wider ones share
#: what is left, so identifiers and counts never wrap while verbatim text does.
SHORT_COLUMN = 16

#: The longest cell text the PDF and HTML show (SAP 11.1). Longer text is cut there, with
#: :data:`TRUNCATION_NOTE`; the CSV keeps it whole. WeasyPrint's line breaking of one long word
#: grows about as length^1.8 (a 130,000-character AE term took more than 20 minutes), and 200
#: is the most an SDTM / SAS transport text value can hold, so recorded terms are never cut.
PDF_CELL_MAX_CHARS = 200
TRUNCATION_NOTE = " \u2026 [truncated; full text in the CSV]"

_LEADING = re.compile(r"^( +|\u00a0+)")


@dataclass(frozen=True)
class Cell:
    text: str
    indent: int = 0


@dataclass(frozen=True)
class TLFView:
    """What a template needs to show one TLF; every string still unescaped text."""

    label: str
    anchor: str
    kind: str
    number: str
    title: str
    analysis_set: str
    footnotes: tuple[str, ...]
    source: str
    landscape: bool
    compact: bool
    columns: tuple[str, ...] = ()
    widths: tuple[float, ...] = ()
    #: Per column: numbers are centred, text is left-aligned (the first column is always text).
    numeric: tuple[bool, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    #: Per row: it heads a group (see :func:`group_heads`); the PDF keeps it with the next row.
    heads: tuple[bool, ...] = ()
    svg: Markup | None = None


@dataclass(frozen=True)
class MissingView:
    """A TLF the report expects but the catalogue does not produce yet."""

    label: str
    title: str
    anchor: str
    #: Why these data cannot give it ("not available: SURGOUT not collected"), if so.
    reason: str = ""


def anchor_for(label: str) -> str:
    """``"Table 14.3.4.1"`` -> ``"table-14-3-4-1"`` (HTML id and PDF destination)."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def shorten(text: str, limit: int = PDF_CELL_MAX_CHARS) -> str:
    """``text``, or its first ``limit`` characters and :data:`TRUNCATION_NOTE` if longer."""
    return text if len(text) <= limit else text[:limit] + TRUNCATION_NOTE


def _cell(text: str) -> Cell:
    """Leading spaces (nesting such as SOC > preferred term) become an indent level."""
    match = _LEADING.match(text)
    if not match:
        return Cell(text)
    return Cell(text[match.end() :], indent=min(4, max(1, len(match[0]) // 2)))


_NUMERIC = re.compile(r"^([<>≤≥]\s?)?[-+]?(\d|\.\d)|^(NE|NR|NA|n/a|-|—)$")
_WORD_SPLIT = re.compile(r"[\s/]+|(?<=[A-Za-z]-)(?=[A-Za-z])")  # breaks: spaces, /, word-word


def _text_width(text: str) -> float:
    """Width in average characters: capitals and digits are wider than the average letter."""
    wide = sum(1 for char in text if char.isupper() or char.isdigit())
    return len(text) + 0.15 * wide


def _column_widths(columns: list[str], rows: list[list[str]]) -> tuple[list[float], list[float]]:
    """Natural and minimum widths of each column, in characters (cell padding included).

    Natural: the 90th-percentile cell, or the longest header word (bold: 1.2 x). Minimum: the
    longest word in the column (capped), so a narrowed column wraps between words.
    """
    natural, minimum = [], []
    for j, column in enumerate(columns):
        cells = [row[j] for row in rows]
        widths = sorted(_text_width(cell) for cell in cells) or [0.0]
        typical = widths[min(len(widths) - 1, int(0.9 * len(widths)))]
        header_word = 1.2 * max((_text_width(w) for w in column.split()), default=1.0)
        longest_word = max(
            (_text_width(word) for cell in cells for word in _WORD_SPLIT.split(cell)), default=1.0
        )
        natural.append(max(3.0, typical, header_word) + 2.0)
        minimum.append(max(3.0, min(longest_word, 16.0), min(header_word, 10.0)) + 2.0)
    return natural, minimum


def fit_columns(
    natural: list[float], available: float, minimum: list[float] | None = None
) -> list[float]:
    """Column widths in percent of the table width.

    If the natural widths fit the line, they are stretched to fill it. Otherwise every column
    gets its minimum and the space left is shared in proportion to what each column still lacks
    of its natural width (as a browser's automatic table layout does), so identifiers and
    counts stay on one line and long text wraps between words.
    """
    minimum = [min(m, n) for m, n in zip(minimum or [0.0] * len(natural), natural, strict=True)]
    total = sum(natural)
    if total > available:
        spare = available - sum(minimum)
        lacking = [n - m for n, m in zip(natural, minimum, strict=True)]
        if spare <= 0 or sum(lacking) == 0:
            natural = minimum if sum(minimum) > 0 else natural
        else:
            share = spare / sum(lacking)
            natural = [m + share * lack for m, lack in zip(minimum, lacking, strict=True)]
        total = sum(natural)
    return [round(100 * w / total, 2) for w in natural]


def group_heads(rows: tuple[tuple[Cell, ...], ...]) -> tuple[bool, ...]:
    """Per row of a table: does it head the rows after it?

    A row heads a group when it is followed by a row that belongs to it: one whose first cell is
    blank (the rows under a system organ class, or under a laboratory parameter), or indented
    deeper (statistics under a parameter); or when only its first cell is filled (a label such
    as "Related to any component"). A page must not end on such a row (SAP 11.1).
    """
    heads = [False] * len(rows)
    for i, (row, following) in enumerate(zip(rows[:-1], rows[1:], strict=True)):
        first, below = (row or (Cell(""),))[0], (following or (Cell(""),))[0]
        heads[i] = bool(first.text) and (
            not below.text or below.indent > first.indent or not any(c.text for c in row[1:])
        )
    return tuple(heads)


def _numeric_column(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell.strip()]
    if not filled:
        return True
    numeric = sum(1 for cell in filled if _NUMERIC.match(cell.strip()))
    return numeric >= 0.9 * len(filled)


def tlf_view(tlf: TLF) -> TLFView:
    """The view of one TLF: cells as text with indents, column widths in percent, or SVG."""
    anchor = anchor_for(tlf.label)
    common = dict(
        label=tlf.label,
        anchor=anchor,
        kind=tlf.kind,
        number=tlf.number,
        title=tlf.title,
        analysis_set=tlf.analysis_set,
        footnotes=tuple(tlf.footnotes),
        source=tlf.source,
    )
    if tlf.kind == "Figure":
        if tlf.svg is None:
            raise ValueError(f"{tlf.label} is a figure without SVG")
        return TLFView(
            **common,
            landscape=tlf.landscape,
            compact=False,
            svg=inline_svg(tlf.svg, prefix=f"{anchor}-"),
        )
    frame = body_frame(tlf)
    columns = [shorten(str(column)) for column in frame.columns]
    raw_rows = [[shorten(cell) for cell in row] for row in frame.itertuples(index=False)]
    natural, minimum = _column_widths(columns, raw_rows)
    needed = sum(natural)
    landscape = tlf.landscape or needed > PORTRAIT_CHARS
    compact = needed > LANDSCAPE_CHARS
    available = COMPACT_CHARS if compact else LANDSCAPE_CHARS if landscape else PORTRAIT_CHARS
    rows = tuple(tuple(_cell(value) for value in row) for row in raw_rows)
    return TLFView(
        **common,
        landscape=landscape,
        compact=compact,
        columns=tuple(columns),
        widths=tuple(fit_columns(natural, available, minimum)),
        numeric=tuple(
            j > 0 and _numeric_column([row[j] for row in raw_rows]) for j in range(len(columns))
        ),
        rows=rows,
        # A listing's rows are records, not groups: a patient's rows may part at a page end.
        heads=group_heads(rows) if tlf.kind == "Table" else (False,) * len(rows),
    )


def _shown(value: Any) -> Any:
    # Every printed text, before autoescape: control and bidi characters made visible, as in
    # the CSV and RTF. Markup (the package's checked SVG) is not text and passes unchanged.
    if isinstance(value, str) and not isinstance(value, Markup):
        return show_invisible(value)
    return value


def template_environment() -> jinja2.Environment:
    """The one Jinja2 environment for reports: autoescape everywhere, undefined is an error,
    control and bidi format characters shown (:func:`osteo_stats.safe_csv.show_invisible`)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        finalize=_shown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = lambda value: f"{value:%Y-%m-%d}"
    env.filters["datetime"] = lambda value: f"{value:%Y-%m-%d %H:%M UTC}"
    return env


def render_html(template: str, context: dict[str, Any]) -> str:
    """Render ``template`` (e.g. ``"dmc.html.j2"``) with ``context``."""
    return template_environment().get_template(template).render(**context)
