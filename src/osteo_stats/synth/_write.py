"""Serialise the datasets to CSV and SAS transport (XPT v5) with reproducible bytes.

CSV: UTF-8, ``\\n`` line ends, minimal quoting, ISO dates, numbers printed with the fixed
number of decimals of :mod:`._spec` (never ``repr`` of a float), empty cell = missing.

XPT v5 (pyreadstat): complete dates are SAS date values with format DATE9.; the columns that
may hold partial dates stay character so ``2023-05`` survives; integers and numbers are
doubles; labels come from :mod:`._spec`.

Reproducible XPT: ReadStat stamps the current time into four 16-byte ``ddMMMyy:hh:mm:ss``
fields of the header (library header record 2 bytes 64-80 "created" and record 3 bytes 0-16
"modified"; member header records 2 and 3, same positions), and pyreadstat has no parameter
for it. :func:`fix_xpt_timestamps` overwrites those four fields with a fixed time: the
``SOURCE_DATE_EPOCH`` environment variable (UTC) when set, otherwise midnight of the data
cut-off (DCUTDT). It checks each field looks like a timestamp before writing, so a change in
ReadStat's layout fails loudly instead of corrupting the file.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from osteo_stats.epoch import source_date_epoch
from osteo_stats.synth._spec import COLUMNS, DATASET_LABELS, Col

# Offsets of the created/modified stamps in an XPT v5 file with one member (80-byte records):
# library header record 2 (offset 80) bytes 64-80 and record 3 (offset 160) bytes 0-16; member
# descriptor record 2 (offset 400) bytes 64-80 and record 3 (offset 480) bytes 0-16.
XPT_STAMP_OFFSETS = (144, 160, 464, 480)
_STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SAS_EPOCH = pd.Timestamp("1960-01-01")


def xpt_timestamp(cutoff: date | None) -> datetime:
    """The time written into XPT headers: SOURCE_DATE_EPOCH, else the cut-off at midnight."""
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None)
    if cutoff is None:
        raise ValueError(
            "no DCUTDT in ADSL and SOURCE_DATE_EPOCH is not set: "
            "cannot choose a reproducible XPT header timestamp"
        )
    return datetime(cutoff.year, cutoff.month, cutoff.day)


def fix_xpt_timestamps(data: bytes, stamp: datetime) -> bytes:
    """Overwrite the created/modified header stamps of an XPT v5 file (see module docstring)."""
    text = (
        f"{stamp.day:02d}{_MONTHS[stamp.month - 1]}{stamp.year % 100:02d}:"
        f"{stamp.hour:02d}:{stamp.minute:02d}:{stamp.second:02d}"
    ).encode("ascii")
    out = bytearray(data)
    for offset in XPT_STAMP_OFFSETS:
        if not _STAMP.fullmatch(bytes(out[offset : offset + 16])):
            raise RuntimeError(
                f"XPT header has no timestamp at byte {offset}: the ReadStat layout changed; "
                "update XPT_STAMP_OFFSETS in osteo_stats.synth._write"
            )
        out[offset : offset + 16] = text
    return bytes(out)


def _missing(v: object) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _cells(series: pd.Series, col: Col) -> list[str]:
    """One column as CSV text."""
    if col.kind == "date":
        return [
            "" if _missing(v) else v if isinstance(v, str) else v.strftime("%Y-%m-%d")
            for v in series
        ]
    if col.kind == "int":
        return ["" if _missing(v) else str(int(v)) for v in series]
    if col.kind == "num":
        return ["" if _missing(v) else f"{float(v):.{col.decimals}f}" for v in series]
    return ["" if _missing(v) else str(v) for v in series]


def _check_columns(name: str, df: pd.DataFrame) -> tuple[Col, ...]:
    if name not in COLUMNS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(COLUMNS)}")
    spec = COLUMNS[name]
    if list(df.columns) != [c.name for c in spec]:
        raise ValueError(
            f"{name} columns {list(df.columns)} differ from the data model {[c.name for c in spec]}"
        )
    return spec


def csv_bytes(name: str, df: pd.DataFrame) -> bytes:
    spec = _check_columns(name, df)
    columns = [_cells(df[c.name], c) for c in spec]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in spec])
    writer.writerows(zip(*columns, strict=True))
    return buf.getvalue().encode("utf-8")


def write_xpt(name: str, df: pd.DataFrame, path: Path, stamp: datetime) -> None:
    spec = _check_columns(name, df)
    data: dict[str, pd.Series] = {}
    formats: dict[str, str] = {}
    for c in spec:
        s = df[c.name]
        if c.kind == "date" and pd.api.types.is_datetime64_any_dtype(s):
            data[c.name] = ((s - _SAS_EPOCH).dt.days).astype("float64")  # SAS date, NaN = .
            formats[c.name] = "DATE9."
        elif c.kind in ("int", "num"):
            data[c.name] = pd.Series(
                [np.nan if _missing(v) else float(v) for v in s], dtype="float64"
            )
        else:  # text, flags and partial-capable dates
            data[c.name] = pd.Series(_cells(s, c), dtype=object)
    frame = pd.DataFrame(data, columns=[c.name for c in spec])
    pyreadstat.write_xport(
        frame,
        str(path),
        file_label=DATASET_LABELS[name],
        column_labels={c.name: c.label for c in spec},
        table_name=name,
        file_format_version=5,
        variable_format=formats,
    )
    path.write_bytes(fix_xpt_timestamps(path.read_bytes(), stamp))
