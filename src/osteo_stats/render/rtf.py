"""TLF tables and listings as RTF, through rtflite.

rtflite writes cell text into the RTF stream as it receives it: it does not escape ``\\``, ``{``
or ``}``, and with its default ``text_convert`` it turns ``_`` into subscript and ``^`` into
superscript. Data are hostile text, so every string is escaped here first (RTF control
characters, and every non-ASCII character as ``\\uN?``) and rtflite's conversion is switched off.
The result is plain 7-bit RTF that any reader decodes the same way.
"""

from __future__ import annotations

import pandas as pd
import polars as pl
import rtflite as rtf

from osteo_stats.render.csv_export import body_frame
from osteo_stats.tlf.model import TLF

#: Paper sizes in inches (portrait width, height).
PAPER_INCHES = {"A4": (8.27, 11.69), "letter": (8.5, 11.0)}


def rtf_escape(text: str) -> str:
    """Plain text as an RTF string literal: ``\\ { }`` escaped, non-ASCII as ``\\uN?``."""
    out: list[str] = []
    for char in text:
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


def _widths(body: pd.DataFrame) -> list[float]:
    """Relative column widths from the longest cell (capped), so wrapping stays reasonable."""
    widths = []
    for i, name in enumerate(body.columns):
        longest = max([len(str(name))] + [len(value) for value in body.iloc[:, i]])
        widths.append(float(min(max(longest, 4), 40)))
    return widths


def tlf_to_rtf(tlf: TLF, paper: str = "A4") -> str:
    """The RTF document for one table or listing: title, analysis set, header, body, notes."""
    body = body_frame(tlf)
    escaped = pl.DataFrame(
        {f"c{i}": [rtf_escape(value) for value in body.iloc[:, i]] for i in range(body.shape[1])},
        schema={f"c{i}": pl.String for i in range(body.shape[1])},
    )
    headers = [rtf_escape(str(column)) for column in body.columns]
    width, height = PAPER_INCHES[paper]
    orientation = "landscape" if tlf.landscape else "portrait"
    if tlf.landscape:
        width, height = height, width
    n_cols = body.shape[1]
    justification = ["l"] + ["c"] * (n_cols - 1)
    footnotes = [rtf_escape(note) for note in tlf.footnotes]
    widths = _widths(body)
    document = rtf.RTFDocument(
        df=escaped,
        rtf_page=rtf.RTFPage(orientation=orientation, width=width, height=height),
        rtf_title=rtf.RTFTitle(
            text=[rtf_escape(f"{tlf.label} {tlf.title}"), rtf_escape(tlf.analysis_set)],
            text_convert=[False],
        ),
        rtf_column_header=rtf.RTFColumnHeader(
            text=headers,
            col_rel_width=widths,
            text_justification=[justification],
            text_convert=[[False]],
        ),
        rtf_body=rtf.RTFBody(
            col_rel_width=widths,
            text_justification=[justification],
            text_convert=[[False]],
        ),
        rtf_footnote=rtf.RTFFootnote(text=footnotes, text_convert=[False]) if footnotes else None,
        rtf_source=rtf.RTFSource(text=[rtf_escape(tlf.source)], text_convert=[False]),
    )
    return document.rtf_encode()
