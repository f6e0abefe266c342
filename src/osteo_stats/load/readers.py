"""Find and read one file per dataset: CSV, SAS transport (.xpt) or SAS7BDAT, by extension.

Readers only read. They return the cells as received (CSV: every cell a string, ``""`` for
empty; SAS: numbers, dates or strings as pyreadstat gives them) so that types are checked by
:mod:`osteo_stats.load.coerce`, never guessed by pandas. The frame index is the 1-based data row
number in the file (first record after the header = 1), which is what every issue reports.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat

from osteo_stats.load.issues import ValidationIssue, safe_text
from osteo_stats.load.sasfiles import sas7bdat_problem, xpt_problem
from osteo_stats.userfiles import MAX_DATA_BYTES, UserFileError, read_user_file

FileFormat = Literal["csv", "xpt", "sas7bdat"]

FORMATS: dict[str, FileFormat] = {".csv": "csv", ".xpt": "xpt", ".sas7bdat": "sas7bdat"}
_BOM = b"\xef\xbb\xbf"
_PATH_CHARS = 300  # paths are shown whole (still escaped), unlike cell values

#: Standard ADaM datasets the SAP does not use, with the reason a note gives when one is present.
NOT_USED: dict[str, str] = {
    "ADTTE": "the package derives its own time-to-event data (EFS, its sensitivity analyses and "
    "OS) from ADSL and ADRS by the SAP rules (SAP 3.2.6), so a supplied ADTTE is not read",
    "ADVS": "vital signs are not analysed in the SAP",
    "ADEG": "ECG data are not analysed in the SAP",
    "ADCM": "concomitant medications are not analysed in the SAP",
    "ADMH": "medical history is not analysed in the SAP",
}
_NOT_IN_MODEL = "not a dataset of the PROMIS data model (sap/DATA_MODEL.md)"


@dataclass(frozen=True)
class SourceFile:
    """Provenance of one dataset: which file, in which format, with which content hash."""

    dataset: str
    path: Path
    format: FileFormat
    sha256: str


def find_dataset_files(
    data_dir: Path, datasets: Iterable[str], required: Iterable[str]
) -> tuple[dict[str, Path], list[ValidationIssue]]:
    """Map each dataset name to its file in ``data_dir`` (not its subdirectories).

    File names are matched case-insensitively (``adsl.csv``, ``ADSL.XPT``). Two files for one
    dataset, or a required dataset without a file, are issues; the package never guesses. A
    data file (CSV, XPT, SAS7BDAT) of no model dataset is not read, and gets a note saying why
    (:data:`NOT_USED` for the standard ADaM datasets the SAP does not use, such as ADTTE).
    """
    issues: list[ValidationIssue] = []
    if not data_dir.is_dir():
        what = "is not a directory" if data_dir.exists() else "does not exist"
        issues.append(
            ValidationIssue(
                "DIR",
                None,
                None,
                None,
                safe_text(str(data_dir), _PATH_CHARS),
                f"{what}",
                "pass the folder that holds adsl.csv (or .xpt/.sas7bdat), adae, adrs, adtr, adex",
            )
        )
        return {}, issues
    wanted = {name.lower(): name for name in datasets}
    found: dict[str, list[Path]] = {name: [] for name in wanted.values()}
    unsupported: dict[str, list[Path]] = {name: [] for name in wanted.values()}
    for path in sorted(data_dir.iterdir()):
        stem, suffix = _split_name(path.name)
        # A pipe, device or folder named like a dataset file is found, so that reading it says
        # what it is (read_source), rather than "no file found".
        if not path.is_file() and not (stem in wanted and suffix in FORMATS):
            continue
        if stem not in wanted:
            if suffix in FORMATS:
                issues.append(_ignored(path, stem.upper()))
            continue
        if suffix in FORMATS:
            found[wanted[stem]].append(path)
        else:
            unsupported[wanted[stem]].append(path)
    files: dict[str, Path] = {}
    for name, paths in found.items():
        if len(paths) > 1:
            listed = ", ".join(p.name for p in paths)
            issues.append(
                ValidationIssue(
                    name,
                    None,
                    None,
                    None,
                    listed,
                    f"are {len(paths)} files for {name}; one file per dataset is allowed",
                    "keep only the authoritative file in the folder; the package never guesses "
                    "which format to trust",
                )
            )
        elif paths:
            files[name] = paths[0]
        elif name in set(required):
            other = unsupported[name]
            hint = f"add {name.lower()}.csv, {name.lower()}.xpt or {name.lower()}.sas7bdat"
            if other:
                hint += (
                    f" ({', '.join(p.name for p in other)} is not a supported format: "
                    "export it as CSV (UTF-8) or SAS transport)"
                )
            issues.append(
                ValidationIssue(
                    name,
                    None,
                    None,
                    None,
                    None,
                    "no file found for this required dataset in "
                    + safe_text(str(data_dir), _PATH_CHARS),
                    hint,
                )
            )
    return files, issues


def _ignored(path: Path, dataset: str) -> ValidationIssue:
    return ValidationIssue(
        safe_text(dataset),
        None,
        None,
        None,
        safe_text(path.name, _PATH_CHARS),
        f"is ignored: {NOT_USED.get(dataset, _NOT_IN_MODEL)}",
        "nothing to do; the file is not read",
        "note",
    )


def _split_name(name: str) -> tuple[str, str]:
    lower = name.lower()
    stem, dot, suffix = lower.partition(".")
    return stem, (dot + suffix) if dot else ""


def read_dataset(dataset: str, path: Path) -> tuple[pd.DataFrame | None, list[ValidationIssue]]:
    """Read one dataset file; ``(None, issues)`` when the file cannot be read at all.

    Column names are stripped and upper-cased; the index is the 1-based data row number.
    """
    _source, frame, issues = read_source(dataset, path)
    return frame, issues


def read_source(
    dataset: str, path: Path
) -> tuple[SourceFile | None, pd.DataFrame | None, list[ValidationIssue]]:
    """Read one dataset file once: its provenance (the SHA-256 of the bytes read), its frame
    (``None`` when it cannot be read at all) and the issues.

    The file must be a regular file of at most :data:`~osteo_stats.userfiles.MAX_DATA_BYTES`
    (:func:`~osteo_stats.userfiles.read_user_file`): a pipe, a device or a larger file is an
    issue naming the file, what it is and the limit, and is not read.
    """
    fmt = FORMATS[_split_name(path.name)[1]]
    try:
        data = read_user_file(path, "a data file", MAX_DATA_BYTES)
    except UserFileError as exc:
        return None, None, [_file_issue(dataset, path, exc.rule, exc.hint)]
    source = SourceFile(dataset, path, fmt, hashlib.sha256(data).hexdigest())
    if not data:
        return source, None, [_file_issue(dataset, path, "is empty (0 bytes)", _EXPORT_AGAIN)]
    if fmt == "csv":
        frame, issues = _read_csv(dataset, path, data)
    else:
        frame, issues = _read_sas(dataset, path, fmt, data)
    del data  # the frame holds the values; the bytes need not stay in memory
    if frame is None:
        return source, None, issues
    frame, column_issues = _normalise_columns(dataset, frame)
    return source, frame, issues + column_issues


_EXPORT_AGAIN = "export the dataset again, with its header row"


def _file_issue(dataset: str, path: Path, rule: str, hint: str) -> ValidationIssue:
    return ValidationIssue(
        dataset, None, None, None, None, f"file {safe_text(path.name)} {rule}", hint
    )


def _utf8_error(data: bytes) -> UnicodeDecodeError | None:
    """The first UTF-8 decoding error in ``data``, checked a block at a time (never a second
    copy of the whole file), with its offset in the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _BLOCK):
        try:
            decoder.decode(view[start : start + _BLOCK], final=start + _BLOCK >= len(data))
        except UnicodeDecodeError:
            break
    else:
        return None
    try:  # an invalid file: decode it whole once, for the exact offset of the first bad byte
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None  # pragma: no cover - the block decoder and the whole decode agree


_BLOCK = 1 << 20


def _read_csv(
    dataset: str, path: Path, data: bytes
) -> tuple[pd.DataFrame | None, list[ValidationIssue]]:
    bom = len(_BOM) if data.startswith(_BOM) else 0
    exc = _utf8_error(data)
    if exc is not None:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end]
        return None, [
            _file_issue(
                dataset,
                path,
                f"is not UTF-8 text: byte 0x{bad.hex().upper()} at byte offset {exc.start} "
                f"(line {line}) cannot be decoded",
                "save the file as UTF-8 (in Excel: Save As > 'CSV UTF-8'); the package does not "
                "guess encodings",
            )
        ]
    head = data[bom : bom + _BLOCK]
    if not head.decode("utf-8", "ignore").strip() and not data[bom:].decode("utf-8").strip():
        return None, [
            _file_issue(dataset, path, "has no header row (only blank space)", _EXPORT_AGAIN)
        ]
    # Decoded a block at a time as the parser reads: the text never exists whole beside the bytes.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        table = pd.read_csv(
            stream,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="python",  # the python engine keeps NUL characters
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        return None, [_malformed(dataset, path, data, exc)]
    table = table.fillna("")
    header = [str(v) for v in table.iloc[0]]
    frame = table.iloc[1:]
    frame.columns = header
    blank = (frame == "").all(axis=1)
    frame = frame.loc[~blank]
    if len(header) == 1 and ";" in header[0]:
        return None, [
            _file_issue(
                dataset,
                path,
                "uses ';' as the separator; comma-separated values are expected",
                "save as 'CSV UTF-8 (comma delimited)'",
            )
        ]
    return frame, []


def _malformed(dataset: str, path: Path, data: bytes, exc: Exception) -> ValidationIssue:
    """The issue for a CSV file the parser rejects; a value over the CSV reader's field limit
    is named as such, with its line, not as a quoting problem."""
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(exc):
        line = _overlong_line(data, limit)
        where = f" on line {line:,}" if line is not None else ""
        return _file_issue(
            dataset,
            path,
            f"has a value{where} longer than {limit:,} characters, the limit for one CSV value",
            "no variable of the data model holds a text this long: check that every opening "
            "double quote is closed, or shorten the value in the source data",
        )
    return _file_issue(
        dataset,
        path,
        f"is not a well-formed CSV file ({safe_text(str(exc), 120)})",
        "a value that contains a comma, quote or line break must be enclosed in double "
        "quotes; every row needs as many fields as the header",
    )


def _overlong_line(data: bytes, limit: int) -> int | None:
    """The line (1-based, of the file) where the CSV reader meets a value over ``limit``."""
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
    try:
        for _row in reader:
            pass
    except csv.Error:
        return reader.line_num
    return None


def _read_sas(
    dataset: str, path: Path, fmt: FileFormat, data: bytes
) -> tuple[pd.DataFrame | None, list[ValidationIssue]]:
    reader = pyreadstat.read_xport if fmt == "xpt" else pyreadstat.read_sas7bdat
    kind = "a SAS transport (XPORT) file" if fmt == "xpt" else "a SAS7BDAT file"
    check = xpt_problem if fmt == "xpt" else sas7bdat_problem
    problem = check(data)
    if problem is not None:
        return None, [_file_issue(dataset, path, *problem)]
    try:
        frame, _meta = reader(io.BytesIO(data))  # the bytes read and hashed, not the path again
    except Exception as exc:  # pyreadstat raises its own ReadstatError and others
        return None, [
            _file_issue(
                dataset,
                path,
                f"could not be read as {kind} ({safe_text(str(exc), 120)})",
                "export the dataset again from SAS (XPORT version 5 via PROC COPY or the "
                "XPORT engine), or provide it as CSV",
            )
        ]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, []


_ASCII_SPACE = " \t\r\n\f\v"
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def _normalise_columns(
    dataset: str, frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[ValidationIssue]]:
    # ASCII case folding only: str.upper() would silently make "usubj\u0131d" (dotless i) USUBJID
    # and "\u017fex" (long s) SEX; other lookalikes are named by the missing-column hint.
    names = [
        str(name).strip(_ASCII_SPACE).translate(_ASCII_UPPER) or f"UNNAMED{pos}"
        for pos, name in enumerate(frame.columns, 1)
    ]
    issues: list[ValidationIssue] = []
    seen: dict[str, int] = {}
    keep: list[int] = []
    for pos, name in enumerate(names):
        if name in seen:
            issues.append(
                ValidationIssue(
                    dataset,
                    None,
                    None,
                    name,
                    None,
                    f"appears twice in the header (columns {seen[name] + 1} and {pos + 1})",
                    "remove or rename the duplicate column; names are compared ignoring ASCII case",
                )
            )
        else:
            seen[name] = pos
            keep.append(pos)
    frame = frame.iloc[:, keep].copy()
    frame.columns = [names[pos] for pos in keep]
    return frame, issues
