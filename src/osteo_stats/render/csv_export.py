"""TLF tables and listings as CSV, safe to open in a spreadsheet.

The cell rules (formula injection, line breaks, control characters, numbers left as numbers)
live in :mod:`osteo_stats.safe_csv`, shared by every CSV the package writes.
"""

from __future__ import annotations

import pandas as pd

from osteo_stats.safe_csv import csv_text, neutralise_cell
from osteo_stats.tlf.model import TLF

__all__ = ["body_frame", "neutralise_cell", "tlf_to_csv"]


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
    return csv_text([list(frame.columns), *frame.itertuples(index=False)])
