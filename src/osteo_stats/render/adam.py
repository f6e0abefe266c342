"""The derived analysis datasets as files: SAS transport (XPT v5), CSV and define-like metadata.

``write_adam`` writes, under one directory (``OUT/adam/`` inside a command's atomic output)::

    adsl.xpt, adsl.csv, ...      each dataset of osteo_stats.derive.export.export_datasets
    define.json, define.csv      datasets, variables, labels, types, lengths, SAP section and rule

XPT v5 (pyreadstat, ``file_format_version=5``): dataset and variable labels from the one table of
:mod:`osteo_stats.derive.export`; dates are SAS dates (days since 1960-01-01) with format
``DATE9.``; integers and numbers are 8-byte numerics; text is character, a missing text value is
blank (SAS has no other missing text). No limit of the format ever stops an export (SAP 12.4):
names and labels come from the package's tables, which a test holds to 8 and 40 characters, and
a text value over the 200 bytes a v5 character value can hold is kept whole by the SDTM
convention for long text (SDTMIG 4.5.3.2): its first piece in the variable itself, the rest in
numbered continuation variables (``PRIMREAS``, ``PRIMREA1``, ``PRIMREA2``, ...; the name cut to
leave room for the number), each piece at most 200 bytes, cut between characters, before a blank
where there is one in the second half (so no piece ends in a blank, which SAS drops). The CSV
holds the whole value in one column; ``define.json``/``define.csv`` say which variables hold a
split value (:func:`xpt_parts`, :func:`split_text`). The header timestamps are fixed as in
``synth`` (``SOURCE_DATE_EPOCH``, else the cut-off), so the same data give the same bytes.

CSV goes through :mod:`osteo_stats.safe_csv` (formula-like text neutralised): dates ISO
``YYYY-MM-DD``, integers without decimals, other numbers in full precision, missing = empty.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.export import DATASETS, export_datasets, is_source, variable_spec
from osteo_stats.outputs import atomic_output_dir, atomic_write_bytes, atomic_write_text
from osteo_stats.safe_csv import frame_csv_text
from osteo_stats.synth._write import fix_xpt_timestamps, xpt_timestamp

#: SAS transport v5 limits (SAS TS-140): names, labels, character values (bytes).
XPT_NAME_MAX = 8
XPT_LABEL_MAX = 40
XPT_TEXT_MAX = 200
DATE_FORMAT = "DATE9."
METADATA_FILES = ("define.json", "define.csv")

_SAS_EPOCH = pd.Timestamp("1960-01-01")
#: A SAS transport v5 name (at most XPT_NAME_MAX of them); a test holds the tables to it.
XPT_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "num"
    return "text"


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def _nbytes(text: pd.Series) -> np.ndarray:
    """The UTF-8 length of each value of ``text`` (all str): one byte per character when ASCII."""
    ascii_only = text.map(str.isascii).to_numpy(dtype=bool)
    out = text.str.len().to_numpy(dtype="int64")
    out[~ascii_only] = [len(v.encode("utf-8")) for v in text[~ascii_only]]
    return out


_WORD_END = re.compile(r"\S(?=\s)")


def split_text(value: str, limit: int = XPT_TEXT_MAX) -> list[str]:
    """``value`` in pieces of at most ``limit`` UTF-8 bytes whose concatenation is ``value``.

    Each cut is between characters, before a blank when a word ends in the second half of the
    piece, otherwise after the last non-blank character, so that no piece ends in a blank (SAS
    drops trailing blanks; leading blanks are kept). Only a run of more than ``limit`` bytes of
    blanks has to be cut inside it.
    """
    pieces: list[str] = []
    rest = value
    while len(rest.encode("utf-8")) > limit:
        cut = len(rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
        ends = [m.end() for m in _WORD_END.finditer(rest, 0, cut + 1) if m.end() > cut // 2]
        at = ends[-1] if ends else len(rest[:cut].rstrip()) or cut
        pieces.append(rest[:at])
        rest = rest[at:]
    return [*pieces, rest]


def xpt_parts(name: str, count: int) -> tuple[str, ...]:
    """The XPT variables holding a text of ``count`` pieces: ``name``, then ``name`` cut to leave
    room for the number and 1, 2, ... (SDTM convention: PRIMREAS, PRIMREA1, PRIMREA2)."""
    return (name, *(name[: XPT_NAME_MAX - len(str(k))] + str(k) for k in range(1, count)))


@dataclass(frozen=True)
class _Layout:
    """How one column goes into the XPT: its kind, the largest value in bytes (text) and the
    pieces of each value, one list per row (text over the limit only, else empty)."""

    kind: str
    length: int
    pieces: list[list[str]]

    @property
    def parts(self) -> int:
        return max(1, max((len(p) for p in self.pieces), default=1))

    def part_length(self, k: int) -> int:
        """The length of XPT variable ``k`` of the value (8 for a number): its longest piece."""
        if self.kind != "text":
            return 8
        if not self.pieces:
            return self.length
        return max(1, max(len(p[k].encode("utf-8")) for p in self.pieces if k < len(p)))


def _layout(series: pd.Series) -> _Layout:
    kind = _kind(series)
    if kind != "text":
        return _Layout(kind, 8, [])
    text = _text(series)
    nbytes = _nbytes(text) if len(text) else np.zeros(0, dtype="int64")
    length = max(1, int(nbytes.max()) if len(nbytes) else 1)
    if length <= XPT_TEXT_MAX:
        return _Layout(kind, length, [])
    pieces = [split_text(v) if n > XPT_TEXT_MAX else [v] for v, n in zip(text, nbytes, strict=True)]
    return _Layout(kind, length, pieces)


def _layouts(frame: pd.DataFrame) -> dict[str, _Layout]:
    layouts = {column: _layout(frame[column]) for column in frame.columns}
    names = [part for c, lay in layouts.items() for part in xpt_parts(c, lay.parts)]
    if len(set(names)) != len(names):  # pragma: no cover - the names test rules this out
        raise AssertionError(f"XPT continuation variables collide with a variable: {names}")
    return layouts


def _xpt_frame(
    name: str, frame: pd.DataFrame, layouts: dict[str, _Layout]
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """The XPT columns of ``frame`` (a long text in its continuation variables), their formats
    and labels."""
    data: dict[str, object] = {}
    formats: dict[str, str] = {}
    labels: dict[str, str] = {}
    for column in frame.columns:
        series, layout = frame[column], layouts[column]
        parts = xpt_parts(column, layout.parts)
        labels.update({p: _part_label(name, column, k, len(parts)) for k, p in enumerate(parts)})
        if layout.kind == "date":
            data[column] = ((series - _SAS_EPOCH).dt.days).astype("float64")  # NaT -> .
            formats[column] = DATE_FORMAT
        elif layout.kind in ("int", "num"):
            data[column] = series.astype("Float64").astype("float64")
        elif len(parts) == 1:
            data[column] = _text(series)
        else:
            for k, part in enumerate(parts):
                data[part] = [p[k] if k < len(p) else "" for p in layout.pieces]
    return pd.DataFrame(data, index=range(len(frame))), formats, labels


def _part_label(name: str, column: str, k: int, count: int) -> str:
    """The label of piece ``k`` of ``column``: the variable's own label for the first."""
    if k == 0:
        return variable_spec(name, column).label
    return f"{column} text, part {k + 1} of {count}"


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    data: dict[str, list[object]] = {}
    for column in frame.columns:
        series = frame[column]
        kind = _kind(series)
        if kind == "date":
            data[column] = [None if pd.isna(v) else f"{v:%Y-%m-%d}" for v in series]
        elif kind == "int":
            data[column] = [None if pd.isna(v) else int(v) for v in series]
        elif kind == "num":
            data[column] = [None if pd.isna(v) else float(v) for v in series]
        else:
            data[column] = list(_text(series))
    return pd.DataFrame(data, columns=list(frame.columns), dtype=object)


def _variables(
    name: str, frame: pd.DataFrame, layouts: dict[str, _Layout]
) -> list[dict[str, object]]:
    """One entry per XPT variable: ``length`` is its length in the XPT, ``value_length`` the
    longest whole value (the CSV column); ``xpt_parts`` lists the variables of a split text and
    ``files`` the files a variable is in (a continuation variable is in the XPT only)."""
    out = []
    files = f"{name.lower()}.xpt {name.lower()}.csv"
    for column in frame.columns:
        spec, layout = variable_spec(name, column), layouts[column]
        parts = xpt_parts(column, layout.parts)
        for k, part in enumerate(parts):
            out.append(
                {
                    "name": part,
                    "label": _part_label(name, column, k, len(parts)),
                    "type": "Char" if layout.kind == "text" else "Num",
                    "length": layout.part_length(k),
                    "value_length": layout.length,
                    "format": DATE_FORMAT if layout.kind == "date" else "",
                    "origin": "Source" if is_source(name, column) else "Derived",
                    "sap": spec.sap,
                    "rule": spec.rule,
                    "analysis_name": spec.analysis_name or column,
                    "xpt_parts": " ".join(parts) if len(parts) > 1 else "",
                    "files": files if k == 0 else f"{name.lower()}.xpt",
                }
            )
    return out


#: What define.json says about text over the v5 limit (SAP 12.4).
LONG_TEXT_RULE = (
    f"SAS transport v5 holds at most {XPT_TEXT_MAX} bytes in a character value. A longer text "
    "(UTF-8) is whole in the CSV; in the XPT it is split by the SDTM convention (SDTMIG "
    "4.5.3.2): the first piece in the variable, the rest in continuation variables named with "
    "1, 2, ... (PRIMREAS, PRIMREA1, ...), listed in xpt_parts; each piece is at most "
    f"{XPT_TEXT_MAX} bytes, cut between characters, before a blank where one is near the "
    "end; concatenated in order they give the value."
)


def adam_metadata(
    datasets: dict[str, pd.DataFrame], *, study: str, cutoff: date, analysis_type: str
) -> dict[str, object]:
    """The define.xml-like description of ``datasets`` (what ``define.json`` holds)."""
    return _metadata(
        datasets,
        {name: _layouts(frame) for name, frame in datasets.items()},
        study=study,
        cutoff=cutoff,
        analysis_type=analysis_type,
    )


def _metadata(
    datasets: dict[str, pd.DataFrame],
    layouts: dict[str, dict[str, _Layout]],
    *,
    study: str,
    cutoff: date,
    analysis_type: str,
) -> dict[str, object]:
    return {
        "description": "Derived analysis datasets of osteo-stats (define.xml-like metadata)",
        "study": study,
        "cutoff": f"{cutoff:%Y-%m-%d}",
        "analysis_type": analysis_type,
        "xpt_version": 5,
        "xpt_long_text": LONG_TEXT_RULE,
        "datasets": [
            {
                "name": name,
                "label": DATASETS[name].label,
                "structure": DATASETS[name].structure,
                "keys": list(DATASETS[name].keys),
                "sap": DATASETS[name].sap,
                "records": len(frame),
                "files": [f"{name.lower()}.xpt", f"{name.lower()}.csv"],
                "variables": _variables(name, frame, layouts[name]),
            }
            for name, frame in datasets.items()
        ],
    }


def _define_csv(metadata: dict[str, object]) -> str:
    rows = [
        {"dataset": ds["name"], "dataset_label": ds["label"], **var}
        for ds in metadata["datasets"]  # type: ignore[union-attr]
        for var in ds["variables"]
    ]
    return frame_csv_text(pd.DataFrame(rows))


def _write_xpt(
    name: str, frame: pd.DataFrame, layouts: dict[str, _Layout], path: Path, cutoff: date
) -> None:
    """``frame`` as SAS transport v5 at ``path``, labelled, long text split."""
    data, formats, labels = _xpt_frame(name, frame, layouts)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch) / f"{name.lower()}.xpt"
        pyreadstat.write_xport(
            data,
            str(tmp),
            file_label=DATASETS[name].label,
            column_labels=labels,
            table_name=name,
            file_format_version=5,
            variable_format=formats,
        )
        atomic_write_bytes(path, fix_xpt_timestamps(tmp.read_bytes(), xpt_timestamp(cutoff)))


def write_adam(
    datasets: dict[str, pd.DataFrame],
    directory: Path,
    *,
    study: str,
    cutoff: date,
    analysis_type: str,
) -> list[Path]:
    """Write each dataset as XPT and CSV and the metadata under ``directory``; return the paths."""
    layouts = {name: _layouts(frame) for name, frame in datasets.items()}
    written: list[Path] = []
    for name, frame in datasets.items():
        xpt = directory / f"{name.lower()}.xpt"
        _write_xpt(name, frame, layouts[name], xpt, cutoff)
        csv = directory / f"{name.lower()}.csv"
        atomic_write_text(csv, frame_csv_text(_csv_frame(frame)))
        written += [xpt, csv]
    metadata = _metadata(datasets, layouts, study=study, cutoff=cutoff, analysis_type=analysis_type)
    atomic_write_text(directory / "define.json", json.dumps(metadata, indent=2) + "\n")
    atomic_write_text(directory / "define.csv", _define_csv(metadata))
    return [*written, directory / "define.json", directory / "define.csv"]


def _write(ad: AnalysisData, datasets: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    return write_adam(
        datasets,
        directory,
        study=ad.sap.study.studyid,
        cutoff=ad.cutoff,
        analysis_type=ad.analysis_type,
    )


def adam_writer(ad: AnalysisData, *, efficacy: bool) -> Callable[[Path], list[Path]]:
    """A function writing ``ad``'s datasets to ``<output>/adam/`` (for a command's output).

    The datasets are derived now, before a report is laid out.
    """
    datasets = export_datasets(ad, efficacy=efficacy)
    return lambda output: _write(ad, datasets, output / "adam")


def export_adam(
    ad: AnalysisData, out_dir: str | Path, *, efficacy: bool = True, replace: bool = True
) -> list[str]:
    """Write ``ad``'s derived datasets (XPT, CSV, metadata) to their own output directory.

    ``out_dir`` follows the rule of :func:`osteo_stats.outputs.check_output_dir` and gets a
    manifest; returns the file names written. ``efficacy=False`` gives the DMC selection.
    """
    datasets = export_datasets(ad, efficacy=efficacy)
    command = ["osteo_stats.export_adam", f"cutoff={ad.cutoff:%Y-%m-%d}", f"efficacy={efficacy}"]
    with atomic_output_dir(out_dir, command=command, replace=replace) as scratch:
        files = _write(ad, datasets, scratch)
        names = sorted(str(path.relative_to(scratch)) for path in files)
    return names
