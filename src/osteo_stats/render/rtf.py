"""TLFs as RTF in the layout of SAS ODS RTF / r2rtf output, through rtflite.

rtflite writes cell text into the RTF stream as it receives it: it does not escape ``\\``, ``{``
or ``}``, and with its default ``text_convert`` it turns ``_`` into subscript and ``^`` into
superscript. Data are hostile text, so every string is escaped here first (RTF control
characters, and every non-ASCII character as ``\\uN?``) and rtflite's conversion is switched off.
The result is plain 7-bit RTF that any reader decodes the same way.

The layout (SAP 11.1, "RTF conventions"): rtflite paginates, repeats the titles and the column
header on each of its pages, and writes the running header and footer (:class:`RunningText`).
Column widths are fitted to the text (:func:`column_widths`, measured with rtflite's own font
metrics) and the rows per page follow from the page geometry, so rtflite's page breaks are the
ones a word processor makes; a listing too wide for the page even at 7 pt is cut into column
panels with the ID columns repeated (:func:`panels`, as SAS PROC REPORT). rtflite lacks three
things, added here around its output: the ``\\trhdr`` flag on column-header rows (a reader that
breaks a page itself repeats the header), a right-aligned tab stop so one header line holds the
protocol on the left and "Page x of y" on the right, and a combined document whose parts keep
their own orientation (:func:`combine_rtf`; rtflite's ``assemble_rtf`` joins files with a bare
page break, so every part would take the first one's paper and orientation). Figures are the SVG
rendered to PNG at print resolution (resvg; cairosvg re-parses the whole SVG for each ``<use>``,
seconds per matplotlib figure) and embedded with ``RTFFigure``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from osteo_stats.render.csv_export import body_frame
from osteo_stats.safe_csv import show_invisible
from osteo_stats.tlf.model import TLF

if TYPE_CHECKING:
    import pandas as pd
    import rtflite as rtf

# rtflite (with polars) and resvg are imported where they are used: what writes no RTF (the
# analyze command, a report's PDF layout process) does not wait for them.

#: Paper sizes in inches (portrait width, height).
PAPER_INCHES = {"A4": (8.27, 11.69), "letter": (8.5, 11.0)}
#: Margins in inches: left, right, top, bottom, header, footer (rtflite's order).
MARGINS = (1.0, 1.0, 1.2, 0.9, 0.5, 0.5)
FONT = "Times New Roman"
BODY_PT = 9.0
TITLE_PT = 10.0
RUNNING_PT = 8.0
#: A line of text is 1.15 times the font size (Times New Roman / Liberation Serif); a table row
#: adds rtflite's 0.75 pt before and after and its border, in points.
LINE_SPACING = 1.15
ROW_EXTRA_PT = 2.25
#: Two title lines at TITLE_PT with rtflite's 9 pt before and after, in points.
TITLES_PT = 2 * TITLE_PT * LINE_SPACING + 18
#: The share of the page height filled: the margin for the readers' own rounding.
FILL = 0.95
#: rtflite's horizontal cell padding (``\\trgaph108``), in inches.
GAP_IN = 108 / 1440
#: rtflite's page break between the pages of one document.
PAGE_BREAK = "\n{\\pard\\fs2\\par}\\page{\\pard\\fs2\\par}\n"
#: Cell padding (rtflite's ``\\trgaph108`` on both sides) plus a little air, in inches.
CELL_PAD_IN = 0.18
#: A column whose longest cell has at most this many characters is never wrapped (IDs, dates,
#: ``15 (35.7)``); longer text shares what is left of the table width.
COMPACT_CHARS = 24
MIN_COL_IN = 0.3
#: The smallest body font (SAS programmers go down to 7 pt), and the size a listing's column
#: panels are packed at when even 7 pt cannot hold every column (:func:`panels`).
MIN_PT = BODY_PT - 2
PANEL_PT = BODY_PT - 1
FIGURE_DPI = 300
TWIPS = 1440


@dataclass(frozen=True)
class RunningText:
    """The running header and footer on every page (SAP 11.1, RTF conventions).

    ``protocol`` is the study and registry id, ``program`` the program and command that made the
    file, ``run_at`` the run time (``SOURCE_DATE_EPOCH`` when set, as the provenance page).
    """

    protocol: str
    cutoff: date
    program: str
    run_at: datetime


def rtf_escape(text: str) -> str:
    """Plain text as an RTF string literal: ``\\ { }`` escaped, non-ASCII as ``\\uN?``.

    Control and bidi format characters are shown as the CSV shows them
    (:func:`osteo_stats.safe_csv.show_invisible`): Word would apply a right-to-left override.
    """
    out: list[str] = []
    for char in show_invisible(text):
        code = ord(char)
        if char in "\\{}":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\line ")
        elif char in "\r\t":
            out.append(" ")
        elif code < 32:
            continue
        elif code < 128:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
        else:  # outside the BMP: a UTF-16 surrogate pair
            code -= 0x10000
            for unit in (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)):
                out.append(f"\\u{unit - 65536}?")
    return "".join(out)


@lru_cache(maxsize=4096)
def _text_inches(text: str, size: float = BODY_PT) -> float:
    from rtflite.strwidth import get_string_width

    return get_string_width(text, font=FONT, font_size=size, unit="in")


def _longest(values: Sequence[str], count: int = 5) -> list[str]:
    """The few longest strings (by characters), the only candidates for the widest one."""
    return sorted(set(values), key=len, reverse=True)[:count]


#: A cell that is one unbreakable item: an ID or a date (a token with a digit), a count with its
#: percentage, a number, a short code (Y, N, IIIa). Readers break lines at spaces and after ``/``
#: and ``-``: a column of atoms is never narrower than its widest cell, so its IDs and dates
#: stay on one line; words such as ``Peri-operative`` may break at their hyphen.
_ATOM = re.compile(r"[^\s/]*\d[^\s/]*|[-+<>=\d.,%]+ \([-+<>=\d.,% ]+\)|\S{1,4}")
_BREAK = re.compile(r"\s+|(?<=[/-])")


def _column_needs(body: pd.DataFrame) -> tuple[list[float], list[float], list[bool]]:
    """Per column at BODY_PT: the width of its widest cell, the width below which a word (or an
    unbreakable cell) would break, and whether all its cells are unbreakable (inches)."""
    need, floor, atoms = [], [], []
    for i, name in enumerate(body.columns):
        cells = [str(value) for value in body.iloc[:, i]]
        longest = max((_text_inches(text) for text in _longest(cells)), default=0.0)
        words = [word for text in set(cells) for word in _BREAK.split(text)]
        words += _BREAK.split(str(name))
        widest_word = max((_text_inches(word) for word in _longest(words, 8) if word), default=0.0)
        atoms.append(all(_ATOM.fullmatch(text) for text in cells if text))
        need.append(max(longest, widest_word))
        floor.append(need[-1] if atoms[-1] else widest_word)
    return need, floor, atoms


def sized(widths: list[float], size: float) -> list[float]:
    """Column widths measured at BODY_PT, set at ``size`` with the cell padding (inches)."""
    return [max(w * size / BODY_PT + CELL_PAD_IN, MIN_COL_IN) for w in widths]


def id_columns(body: pd.DataFrame, most: int = 2) -> int:
    """How many leading columns identify a row of a listing: the patient column and, if the
    patient alone does not, the next key column (``AE no.``); at most ``most``."""
    for count in range(1, min(most, body.shape[1]) + 1):
        if not body.iloc[:, :count].astype(str).duplicated().any():
            return count
    return 1


def panels(body: pd.DataFrame, table_inches: float) -> list[list[int]]:
    """The column panels of a listing too wide for the page (SAS PROC REPORT's panels).

    One panel (every column) when the listing fits at 7 pt with no word broken. Otherwise the ID
    columns (:func:`id_columns`) start every panel and the other columns follow in their order,
    as many per panel as fit at 8 pt with no word broken; each panel is then fitted on its own
    (:func:`column_widths`).
    """
    _, floor, _ = _column_needs(body)
    columns = list(range(body.shape[1]))
    if sum(sized(floor, MIN_PT)) <= table_inches or body.shape[1] < 2:
        return [columns]
    ids = columns[: id_columns(body)]
    rest = columns[len(ids) :]
    room = table_inches - sum(sized([floor[i] for i in ids], PANEL_PT))
    widths = sized([floor[i] for i in rest], PANEL_PT)
    # As few panels as greedy filling needs, then the columns shared out evenly among them.
    count, used = 1, 0.0
    for width in widths:
        if used and used + width > room:
            count, used = count + 1, 0.0
        used += width
    return [ids + [rest[i] for i in part] for part in _balanced(widths, count)]


def _balanced(widths: Sequence[float], count: int) -> list[list[int]]:
    """``count`` consecutive runs of ``widths`` (by index) whose widest sum is the smallest."""
    n = len(widths)
    prefix = [0.0]
    for width in widths:
        prefix.append(prefix[-1] + width)
    # best[k][j]: the smallest widest run when the first j widths form k runs; cut: where the
    # last of those runs starts.
    best = [[float("inf")] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for k in range(1, count + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                value = max(best[k - 1][i], prefix[j] - prefix[i])
                if value < best[k][j]:
                    best[k][j], cut[k][j] = value, i
    runs, j = [], n
    for k in range(count, 0, -1):
        runs.append(list(range(cut[k][j], j)))
        j = cut[k][j]
    return runs[::-1]


def column_widths(body: pd.DataFrame, table_inches: float) -> tuple[list[float], float]:
    """Column widths in inches that fill ``table_inches``, and the font size, fitted to the text.

    Each column needs its widest cell on one line. A column of unbreakable items (IDs, dates,
    ``15 (35.7)``) always gets that; so does every column when all fit. Otherwise the text
    columns share the rest in proportion to their need, each at least its longest word (and the
    header's longest word), so words are never broken. The table is set one or two points smaller
    (down to 7 pt), as a SAS programmer would, when that keeps every cell on one line, or else
    keeps words whole; below 7 pt only the text columns are narrowed further and the reader
    breaks their words.
    """
    need, floor, atoms = _column_needs(body)
    sizes = (BODY_PT, BODY_PT - 1, MIN_PT)

    # The largest size at which every cell fits on one line, else at which no word is broken.
    size = next(
        (size for size in sizes if sum(sized(need, size)) <= table_inches),
        next((size for size in sizes if sum(sized(floor, size)) <= table_inches), sizes[-1]),
    )
    sized_need, sized_floor = sized(need, size), sized(floor, size)
    if sum(sized_need) <= table_inches:
        spare = table_inches - sum(sized_need)
        return [w + spare * w / sum(sized_need) for w in sized_need], size
    if sum(sized_floor) >= table_inches:
        fixed = sum(w for w, atom in zip(sized_floor, atoms, strict=True) if atom)
        text = sum(sized_floor) - fixed
        if text == 0 or fixed >= table_inches:
            return [w * table_inches / sum(sized_floor) for w in sized_floor], size
        shrink = (table_inches - fixed) / text
        return [w if atom else w * shrink for w, atom in zip(sized_floor, atoms, strict=True)], size
    stretch = [n - f for n, f in zip(sized_need, sized_floor, strict=True)]
    spare = table_inches - sum(sized_floor)
    widths = [f + spare * st / sum(stretch) for f, st in zip(sized_floor, stretch, strict=True)]
    return widths, size


def _page(tlf: TLF, paper: str) -> rtf.RTFPage:
    import rtflite as rtf

    width, height = PAPER_INCHES[paper]
    if tlf.landscape:
        width, height = height, width
    left, right, _, _, _, _ = MARGINS
    return rtf.RTFPage(
        orientation="landscape" if tlf.landscape else "portrait",
        width=width,
        height=height,
        margin=list(MARGINS),
        col_width=width - left - right,
        # Pages are cut before rtflite sees them (_page_rows): one rtflite page per document.
        nrow=10**6,
        page_title="all",
        page_footnote="last",
        page_source="last",
    )


def _running(running: RunningText) -> tuple[rtf.RTFPageHeader, rtf.RTFPageFooter]:
    import rtflite as rtf

    header = rtf.RTFPageHeader(
        text=[
            rtf_escape(f"Protocol {running.protocol}")
            + "\\tab Page \\chpgn  of {\\field{\\*\\fldinst NUMPAGES }{\\fldrslt 1}}",
            rtf_escape(f"Data cut-off {running.cutoff:%Y-%m-%d}") + "\\tab CONFIDENTIAL",
        ],
        text_font_size=[RUNNING_PT],
        text_justification=["l"],
    )
    footer = rtf.RTFPageFooter(
        text=[
            rtf_escape(f"Program: {running.program}")
            + "\\tab "
            + rtf_escape(f"Run {running.run_at:%Y-%m-%d %H:%M} UTC")
        ],
        text_font_size=[RUNNING_PT],
        text_justification=["l"],
    )
    return header, footer


def _titles(tlf: TLF, panel: str | None = None) -> rtf.RTFTitle:
    import rtflite as rtf

    second = f"{tlf.analysis_set} ({panel})" if panel else tlf.analysis_set
    return rtf.RTFTitle(
        text=[rtf_escape(f"{tlf.label} {tlf.title}"), rtf_escape(second)],
        text_font_size=[TITLE_PT],
        text_convert=[False],
    )


def _notes(tlf: TLF) -> dict[str, object]:
    import rtflite as rtf

    footnotes = [rtf_escape(note) for note in tlf.footnotes]
    # Below a table the footnotes are a last table row (r2rtf); below a figure, paragraphs.
    as_table = tlf.kind != "Figure"
    return {
        "rtf_footnote": (
            rtf.RTFFootnote(
                text=footnotes,
                text_font_size=[BODY_PT],
                text_convert=[False],
                as_table=as_table,
            )
            if footnotes
            else None
        ),
        "rtf_source": rtf.RTFSource(
            text=[rtf_escape(tlf.source)], text_font_size=[BODY_PT], text_convert=[False]
        ),
    }


def _finish(text: str, page: rtf.RTFPage) -> str:
    """What rtflite lacks: ``\\trhdr`` on column-header rows, the running lines' tab stop."""
    # rtflite aligns column-header cells to the bottom (\clvertalb) and body cells to the top.
    text = re.sub(
        r"\\trowd(?=[^\n]*\n(?:\\cl[^\n]*\n)*?\\cl[^\n]*\\clvertalb)", r"\\trowd\\trhdr", text
    )
    assert page.width is not None and page.margin is not None
    tab = round((page.width - page.margin[0] - page.margin[1]) * TWIPS)
    return re.sub(r"(\{\\(?:header|footer)\{\\pard)", rf"\1\\tqr\\tx{tab}", text)


def _lines(text: str, inches: float, size: float) -> int:
    """Lines a reader needs for ``text`` in a cell ``inches`` wide: greedy wrap at the breaks."""
    room = inches - 2 * GAP_IN
    count = 0
    for paragraph in text.split("\n"):
        count += 1
        used = 0.0
        for word in re.split(r"(?<=[\s/-])", paragraph):
            width = _text_inches(word, size)
            if used and used + _text_inches(word.rstrip(), size) > room:
                count += 1 + int(width // room) if width > room else 1
                used = width % room if width > room else width
            else:
                used += width
    return count


def _row_pt(cells: Sequence[str], widths: Sequence[float], size: float) -> float:
    lines = max(_lines(text, width, size) for text, width in zip(cells, widths, strict=True))
    return lines * size * LINE_SPACING + ROW_EXTRA_PT


def _page_rows(
    heights: Sequence[float], header_pt: float, notes_pt: float, room: float
) -> list[int]:
    """Where each page starts: rows as tall as they will be laid out, greedily filled; the
    footnotes and source (``notes_pt``) follow the last row on the same page.

    rtflite breaks pages by an estimate of wrapped lines (text width over column width) that
    undercounts word wrapping, so a page of wrapped rows overflows onto a page without titles.
    """
    starts, used = [0], header_pt
    for i, height in enumerate(heights):
        if used + height > room and i > starts[-1]:
            starts.append(i)
            used = header_pt
        used += height
    if used + notes_pt > room and len(heights) - starts[-1] > 1:
        tail = header_pt + notes_pt
        split = len(heights)
        while split - 1 > starts[-1] and tail + heights[split - 1] <= room:
            split -= 1
            tail += heights[split]
        starts.append(split)
    return starts


def tlf_to_rtf(tlf: TLF, paper: str = "A4", running: RunningText | None = None) -> str:
    """The RTF document of one table, listing or figure (figures: an embedded PNG).

    ``running`` gives the page header and footer (protocol, cut-off, "Confidential", program,
    run date, "Page x of y"); without it, the pages have none. Tables and listings are cut into
    pages here (:func:`_page_rows`); each page is an rtflite document with its titles and column
    header, the footnotes and source after the last. A listing too wide for the page is cut into
    column panels (:func:`panels`), each with its own pages and "Panel k of n" under the title.
    """
    page = _page(tlf, paper)
    header, footer = _running(running) if running is not None else (None, None)
    common = {"rtf_page": page, "rtf_page_header": header, "rtf_page_footer": footer}
    common["rtf_title"] = _titles(tlf)
    if tlf.kind == "Figure":
        return _finish(_figure_rtf(tlf, page, {**common, **_notes(tlf)}), page)
    body = body_frame(tlf)
    assert page.col_width is not None
    columns = (
        panels(body, page.col_width) if tlf.kind == "Listing" else [list(range(body.shape[1]))]
    )
    texts = []
    for k, panel in enumerate(columns, start=1):
        label = f"Panel {k} of {len(columns)}" if len(columns) > 1 else None
        if label is not None:
            common["rtf_title"] = _titles(tlf, label)
        texts += _table_pages(tlf, body.iloc[:, panel], page, common)
    return _finish(_join_pages(texts), page)


def _table_pages(
    tlf: TLF, body: pd.DataFrame, page: rtf.RTFPage, common: dict[str, object]
) -> list[str]:
    """The pages of one table (or one panel of a listing), each an rtflite document with the
    titles and column header; the footnotes and source after the last."""
    import polars as pl
    import rtflite as rtf

    headers = [rtf_escape(str(column)) for column in body.columns]
    n_cols = body.shape[1]
    # Listings read left to right like a line of text; tables centre their statistics.
    justification = ["l"] * n_cols if tlf.kind == "Listing" else ["l"] + ["c"] * (n_cols - 1)
    assert page.col_width is not None and page.height is not None and page.margin is not None
    widths, size = column_widths(body, page.col_width)
    room_pt = (page.height - page.margin[2] - page.margin[3]) * 72 - TITLES_PT
    notes = _notes(tlf)
    notes_pt = sum(
        _row_pt([text], [page.col_width], BODY_PT) for text in (*tlf.footnotes, tlf.source)
    )
    heights = [_row_pt(list(map(str, row)), widths, size) for row in body.itertuples(index=False)]
    header_pt = _row_pt([str(name) for name in body.columns], widths, size)
    starts = _page_rows(heights, header_pt, notes_pt, room_pt * FILL)
    ends = [*starts[1:], len(body)]
    texts = []
    for k, (first, stop) in enumerate(zip(starts, ends, strict=True)):
        chunk = body.iloc[first:stop]
        escaped = pl.DataFrame(
            {f"c{i}": [rtf_escape(v) for v in chunk.iloc[:, i]] for i in range(n_cols)},
            schema={f"c{i}": pl.String for i in range(n_cols)},
        )
        last = k == len(starts) - 1
        document = rtf.RTFDocument(
            df=escaped,
            rtf_column_header=rtf.RTFColumnHeader(
                text=headers,
                col_rel_width=widths,
                text_justification=[justification],
                text_font_size=[size],
                text_convert=[[False]],
            ),
            rtf_body=rtf.RTFBody(
                col_rel_width=widths,
                text_justification=[justification],
                text_font_size=[size],
                text_convert=[[False]],
            ),
            **common,
            **(notes if last else {"rtf_footnote": None, "rtf_source": None}),
        )
        texts.append(document.rtf_encode())
    return texts


def _join_pages(texts: Sequence[str]) -> str:
    """rtflite documents of one TLF's pages as one document, a page break between them."""
    if len(texts) == 1:
        return texts[0]
    parts = [texts[0][: texts[0].rstrip().rfind("}")]]
    for text in texts[1:]:
        match = _GEOMETRY.search(text)
        assert match is not None
        parts.append(text[match.end() : text.rstrip().rfind("}")])
    return PAGE_BREAK.join(part.strip() for part in parts) + "\n}\n"


def svg_to_png(svg: str, dpi: int = FIGURE_DPI) -> bytes:
    """The figure as a PNG at ``dpi`` (matplotlib's SVG sizes are in points).

    The figures' text is drawn as paths (``svg.fonttype: path``), so no system font is read and
    the PNG is the same on every machine.
    """
    import resvg_py

    return bytes(
        resvg_py.svg_to_bytes(svg_string=svg, dpi=dpi, skip_system_fonts=True, background="#ffffff")
    )


def _png_inches(png: bytes, dpi: int) -> tuple[float, float]:
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return width / dpi, height / dpi


def _figure_rtf(tlf: TLF, page: rtf.RTFPage, common: dict[str, object]) -> str:
    import rtflite as rtf

    if tlf.svg is None:
        raise ValueError(f"{tlf.label} is a figure without SVG")
    png = svg_to_png(tlf.svg)
    width, height = _png_inches(png, FIGURE_DPI)
    assert page.col_width is not None and page.height is not None and page.margin is not None
    # At its drawn size, shrunk (never stretched) to the text width and to what the titles,
    # footnotes and source leave of the page height.
    room = (page.height - page.margin[2] - page.margin[3]) - 1.6
    scale = min(1.0, page.col_width / width, room / height)
    with tempfile.TemporaryDirectory(prefix="osteo-rtf-") as scratch:
        path = Path(scratch) / f"{tlf.slug}.png"
        path.write_bytes(png)
        document = rtf.RTFDocument(
            rtf_figure=rtf.RTFFigure(
                figures=[path], fig_width=width * scale, fig_height=height * scale
            ),
            **common,
        )
        return document.rtf_encode()


_GEOMETRY = re.compile(
    r"\\paperw(\d+)\\paperh(\d+)(\\landscape)?\s*\n\s*"
    r"\\margl(\d+)\\margr(\d+)\\margt(\d+)\\margb(\d+)\\headery(\d+)\\footery(\d+)"
)


def combine_rtf(documents: Sequence[str]) -> str:
    """One RTF of ``documents`` (as written by :func:`tlf_to_rtf`), each a section of its own.

    Each part keeps its paper size, orientation, margins and running header and footer (RTF
    section properties, ``\\sectd ... \\sect``); page numbers run through the whole file.
    """
    if not documents:
        raise ValueError("no RTF documents to combine")
    sections = []
    preamble = ""
    for text in documents:
        match = _GEOMETRY.search(text)
        header_at = text.find("{\\header")
        start = header_at if header_at != -1 else match.start() if match else -1
        if match is None or start == -1 or not text.rstrip().endswith("}"):
            raise ValueError("not an RTF document written by tlf_to_rtf")
        preamble = preamble or text[:start]
        running = text[start : match.start()] if header_at != -1 else ""
        content = _GEOMETRY.sub("", text[match.end() : text.rstrip().rfind("}")])
        width, height, landscape, left, right, top, bottom, head, foot = match.groups()
        orientation = "\\lndscpsxn" if landscape else ""
        properties = (
            f"\\sectd\\pgwsxn{width}\\pghsxn{height}{orientation}"
            f"\\marglsxn{left}\\margrsxn{right}\\margtsxn{top}\\margbsxn{bottom}"
            f"\\headery{head}\\footery{foot}"
        )
        sections.append(f"{properties}\n{running.strip()}\n{content.strip()}\n")
    return preamble + "\\sect\n".join(sections) + "}\n"
