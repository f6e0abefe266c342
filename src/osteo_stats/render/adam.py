"""The derived analysis datasets as files: SAS transport (XPT v5), CSV and define-like metadata.

``write_adam`` writes, under one directory (``OUT/adam/`` inside a command's atomic output)::

    adsl.xpt, adsl.csv, ...      each dataset of osteo_stats.derive.export.export_datasets
    define.json, define.csv      datasets, variables, labels, types, lengths, SAP section and rule

XPT v5 (pyreadstat, ``file_format_version=5``): dataset and variable labels from the one table of
:mod:`osteo_stats.derive.export`; dates are SAS dates (days since 1960-01-01) with format
``DATE9.``; integers and numbers are 8-byte numerics; text is character, a missing text value is
blank (SAS has no other missing text). The v5 limits are checked before anything is written,
never cut silently: a name over 8 characters, a label over 40, or a text value over 200 bytes is
a :class:`~osteo_stats.errors.DataValidationError` naming dataset, patient, variable and value.
The header timestamps are fixed as in ``synth`` (``SOURCE_DATE_EPOCH``, else the cut-off), so
the same data give the same bytes.

CSV goes through :mod:`osteo_stats.safe_csv` (formula-like text neutralised): dates ISO
``YYYY-MM-DD``, integers without decimals, other numbers in full precision, missing = empty.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.export import DATASETS, export_datasets, is_source, variable_spec
from osteo_stats.errors import DataValidationError
from osteo_stats.load import ValidationIssue
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
_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


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


def _issue(dataset: str, usubjid: object, column: str | None, value: str, rule: str, hint: str):
    return ValidationIssue(
        dataset=dataset,
        row=None,
        usubjid=None if usubjid is None else str(usubjid),
        column=column,
        value=value,
        rule=rule,
        hint=hint,
    )


def check_xpt_v5(name: str, frame: pd.DataFrame) -> None:
    """Raise :class:`DataValidationError` listing every SAS transport v5 limit ``frame`` breaks
    (name over 8 characters, label over 40, text value over 200 bytes); nothing is cut."""
    issues = []
    bad_name = "must be 1-8 of A-Z, 0-9, _ (SAS transport v5)"
    long_label = f"is over {XPT_LABEL_MAX} characters, the SAS transport v5 limit for a label"
    label_hint = "shorten the label in osteo_stats.derive.export (the one table of labels)"
    if not _NAME.fullmatch(name) or len(name) > XPT_NAME_MAX:
        issues.append(_issue(name, None, None, name, f"dataset name {bad_name}", "rename it"))
    if len(DATASETS[name].label) > XPT_LABEL_MAX:
        issues.append(_issue(name, None, None, DATASETS[name].label, long_label, label_hint))
    ids = frame["USUBJID"] if "USUBJID" in frame.columns else pd.Series([None] * len(frame))
    for column in frame.columns:
        if not _NAME.fullmatch(column) or len(column) > XPT_NAME_MAX:
            issues.append(_issue(name, None, column, column, f"name {bad_name}", "rename it"))
        label = variable_spec(name, column).label
        if len(label) > XPT_LABEL_MAX:
            issues.append(_issue(name, None, column, label, long_label, label_hint))
        if _kind(frame[column]) != "text":
            continue
        nbytes = _text(frame[column]).map(lambda v: len(v.encode("utf-8")))
        for position in np.flatnonzero(nbytes.to_numpy() > XPT_TEXT_MAX):
            value = str(frame[column].iloc[position])
            issues.append(
                _issue(
                    name,
                    ids.iloc[position],
                    column,
                    f"{value[:60]}... ({nbytes.iloc[position]} bytes)",
                    f"is over {XPT_TEXT_MAX} bytes, the SAS transport v5 limit for a text value",
                    "shorten the value in the source data; osteo-stats never cuts it silently",
                )
            )
    if issues:
        raise DataValidationError(issues)


def _xpt_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    data: dict[str, pd.Series] = {}
    formats: dict[str, str] = {}
    for column in frame.columns:
        series = frame[column]
        kind = _kind(series)
        if kind == "date":
            data[column] = ((series - _SAS_EPOCH).dt.days).astype("float64")  # NaT -> .
            formats[column] = DATE_FORMAT
        elif kind in ("int", "num"):
            data[column] = series.astype("Float64").astype("float64")
        else:
            data[column] = _text(series)
    return pd.DataFrame(data, columns=list(frame.columns)), formats


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


def _variables(name: str, frame: pd.DataFrame) -> list[dict[str, object]]:
    out = []
    for column in frame.columns:
        spec = variable_spec(name, column)
        kind = _kind(frame[column])
        length = 8
        if kind == "text":
            nbytes = _text(frame[column]).map(lambda v: len(v.encode("utf-8")))
            length = max(1, int(nbytes.max()) if len(frame) else 1)
        out.append(
            {
                "name": column,
                "label": spec.label,
                "type": "Char" if kind == "text" else "Num",
                "length": length,
                "format": DATE_FORMAT if kind == "date" else "",
                "origin": "Source" if is_source(name, column) else "Derived",
                "sap": spec.sap,
                "rule": spec.rule,
                "analysis_name": spec.analysis_name or column,
            }
        )
    return out


def adam_metadata(
    datasets: dict[str, pd.DataFrame], *, study: str, cutoff: date, analysis_type: str
) -> dict[str, object]:
    """The define.xml-like description of ``datasets`` (what ``define.json`` holds)."""
    return {
        "description": "Derived analysis datasets of osteo-stats (define.xml-like metadata)",
        "study": study,
        "cutoff": f"{cutoff:%Y-%m-%d}",
        "analysis_type": analysis_type,
        "xpt_version": 5,
        "datasets": [
            {
                "name": name,
                "label": DATASETS[name].label,
                "structure": DATASETS[name].structure,
                "keys": list(DATASETS[name].keys),
                "sap": DATASETS[name].sap,
                "records": len(frame),
                "files": [f"{name.lower()}.xpt", f"{name.lower()}.csv"],
                "variables": _variables(name, frame),
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


def _write_xpt(name: str, frame: pd.DataFrame, path: Path, cutoff: date) -> None:
    """``frame`` (checked by :func:`check_xpt_v5`) as SAS transport v5 at ``path``, labelled."""
    data, formats = _xpt_frame(frame)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch) / f"{name.lower()}.xpt"
        pyreadstat.write_xport(
            data,
            str(tmp),
            file_label=DATASETS[name].label,
            column_labels={c: variable_spec(name, c).label for c in frame.columns},
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
    """Write each dataset as XPT and CSV and the metadata under ``directory``; return the paths.

    Every dataset is checked against the v5 limits before the first file is written.
    """
    for name, frame in datasets.items():
        check_xpt_v5(name, frame)
    written: list[Path] = []
    for name, frame in datasets.items():
        xpt = directory / f"{name.lower()}.xpt"
        _write_xpt(name, frame, xpt, cutoff)
        csv = directory / f"{name.lower()}.csv"
        atomic_write_text(csv, frame_csv_text(_csv_frame(frame)))
        written += [xpt, csv]
    metadata = adam_metadata(datasets, study=study, cutoff=cutoff, analysis_type=analysis_type)
    atomic_write_text(directory / "define.json", json.dumps(metadata, indent=2) + "\n")
    atomic_write_text(directory / "define.csv", _define_csv(metadata))
    return [*written, directory / "define.json", directory / "define.csv"]


def _checked_datasets(ad: AnalysisData, efficacy: bool) -> dict[str, pd.DataFrame]:
    datasets = export_datasets(ad, efficacy=efficacy)
    for name, frame in datasets.items():
        check_xpt_v5(name, frame)
    return datasets


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

    The datasets are derived and checked now, so a v5 limit is reported before a report is
    laid out.
    """
    datasets = _checked_datasets(ad, efficacy)
    return lambda output: _write(ad, datasets, output / "adam")


def export_adam(
    ad: AnalysisData, out_dir: str | Path, *, efficacy: bool = True, replace: bool = True
) -> list[str]:
    """Write ``ad``'s derived datasets (XPT, CSV, metadata) to their own output directory.

    ``out_dir`` follows the rule of :func:`osteo_stats.outputs.check_output_dir` and gets a
    manifest; returns the file names written. ``efficacy=False`` gives the DMC selection.
    """
    datasets = _checked_datasets(ad, efficacy)
    command = ["osteo_stats.export_adam", f"cutoff={ad.cutoff:%Y-%m-%d}", f"efficacy={efficacy}"]
    with atomic_output_dir(out_dir, command=command, replace=replace) as scratch:
        files = _write(ad, datasets, scratch)
        names = sorted(str(path.relative_to(scratch)) for path in files)
    return names
