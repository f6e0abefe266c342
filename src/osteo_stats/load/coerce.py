"""Typing: turn the cells as received into the data model's types, reporting what does not fit.

CSV cells are all strings; SAS cells are numbers, dates or strings. Each column is converted by
its ``kind`` (see :class:`~osteo_stats.load.schemas.Col`); a cell that cannot be converted is
reported once here (``"is not a whole number"``, ``"is not a date in the expected format ..."``)
and becomes missing, with its position marked in ``reported`` so that later checks do not report
the same cell again as missing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from osteo_stats.load.dates import ParsedDates, parse_dates
from osteo_stats.load.issues import (
    ValidationIssue,
    is_invisible,
    missing_column_issue,
    safe_value,
)
from osteo_stats.load.schemas import KIND_DTYPES, Col, DatasetSpec


@dataclass
class Coerced:
    """One dataset after typing (index = 1-based data row number in the file)."""

    typed: pd.DataFrame
    raw: pd.DataFrame
    dates: dict[str, ParsedDates]
    reported: pd.DataFrame  # bool, one column per model column: cell already has an issue
    issues: list[ValidationIssue]


def coerce_dataset(
    raw: pd.DataFrame, spec: DatasetSpec, partial_columns: set[str], partial_text: str
) -> Coerced:
    """Type every model column of ``raw``; missing model columns are reported and added empty."""
    issues: list[ValidationIssue] = []
    raw = raw.copy()
    missing_cols = [c for c in spec.names if c not in raw.columns]
    for name in missing_cols:
        issues.append(missing_column_issue(spec.name, name, spec.names, raw.columns))
        raw[name] = ""
    reported = pd.DataFrame(False, index=raw.index, columns=spec.names)
    for name in missing_cols:
        reported[name] = True

    ids = raw["USUBJID"].map(_text_value) if "USUBJID" not in missing_cols else None
    typed = raw.copy()
    dates: dict[str, ParsedDates] = {}
    for col in spec.columns:
        cells = raw[col.name]
        problems: dict[object, tuple[str, str]]
        if col.kind == "date":
            parsed = parse_dates(
                cells,
                partial_allowed=col.name in partial_columns,
                column=col.name,
                partial_columns=partial_text,
            )
            dates[col.name] = parsed
            typed[col.name] = parsed.lo
            problems = parsed.problems
        elif col.kind in ("int", "number"):
            typed[col.name], problems = _numbers(cells, col)
        else:
            typed[col.name] = cells.map(_free_value if col.kind == "free" else _text_value)
            typed[col.name] = typed[col.name].astype(KIND_DTYPES[col.kind])
            problems = _invisible_characters(typed[col.name]) if col.identifier else {}
            if spec.name == "ADSL" and col.name in _LOOK_ALIKE_RULES:
                problems.update(_look_alikes(typed[col.name], problems, col.name))
            if problems:
                typed[col.name] = typed[col.name].mask(typed.index.isin(list(problems)))
        for idx, (rule, hint) in problems.items():
            reported.at[idx, col.name] = True
            usubjid = safe_value(ids.at[idx]) if ids is not None else None
            issues.append(
                ValidationIssue(
                    spec.name, int(idx), usubjid, col.name, safe_value(cells.at[idx]), rule, hint
                )
            )
    issues.sort(key=lambda i: (i.row or 0, spec.names.index(i.column) if i.column else 0))
    return Coerced(typed, raw, dates, reported, issues)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # SAS numerics: SITEID 101.0 -> "101"
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _text_value(value: object) -> object:
    """Controlled or short text: surrounding blanks removed; empty -> missing."""
    return np.nan if _is_missing(value) else _as_text(value).strip()


def _free_value(value: object) -> object:
    """Verbatim text (AETERM): kept exactly, whatever it contains; empty -> missing."""
    if value is None or (isinstance(value, str) and value == ""):
        return np.nan
    return value if isinstance(value, str) else (np.nan if _is_missing(value) else _as_text(value))


_IDENTIFIER_HINT = (
    "retype the identifier; invisible characters (zero-width and no-break spaces, control and "
    "direction marks, often pasted from e-mail or word processors) make two different "
    "identifiers look the same"
)


def _invisible_characters(values: pd.Series) -> dict[object, tuple[str, str]]:
    """Cells of an identifier column holding a character a reader cannot see (first one named)."""
    problems: dict[object, tuple[str, str]] = {}
    for idx, value in values.dropna().items():
        position = next((k for k, c in enumerate(value, 1) if is_invisible(c)), None)
        if position is None:
            continue
        char = value[position - 1]
        name = unicodedata.name(char, "unnamed character")
        problems[idx] = (
            f"contains an invisible or control character (U+{ord(char):04X} {name} at position "
            f"{position}); identifiers must be visible text",
            _IDENTIFIER_HINT,
        )
    return problems


#: ADSL identifiers whose spellings must differ in more than Unicode form or case: the rule
#: completing "... once Unicode compatibility forms (NFKC) and case are ignored; ", and a hint.
_LOOK_ALIKE_RULES = {
    "USUBJID": (
        "each patient needs a distinct USUBJID",
        "use one spelling for one patient; if these are two patients, give them identifiers "
        "that differ in visible characters",
    ),
    "SITEID": (
        "one site is spelled one way",
        "use the same SITEID for every patient of a site; if these are two sites, give them "
        "identifiers that differ in visible characters",
    ),
}


def _look_alikes(
    values: pd.Series, already: dict[object, tuple[str, str]], column: str
) -> dict[object, tuple[str, str]]:
    """Values that differ from an earlier row's only by Unicode compatibility form or case.

    Exact repeats are left to the key check (a repeated USUBJID is a duplicate, not a
    look-alike; a repeated SITEID is another patient of the same site).
    """
    rule, hint = _LOOK_ALIKE_RULES[column]
    problems: dict[object, tuple[str, str]] = {}
    first: dict[str, tuple[object, str]] = {}
    for idx, value in values.dropna().items():
        if idx in already:
            continue
        folded = unicodedata.normalize("NFKC", value).casefold()
        if folded not in first:
            first[folded] = (idx, value)
            continue
        row, seen = first[folded]
        if seen != value:
            problems[idx] = (
                f'is the same identifier as "{safe_value(seen)}" in row {row} once Unicode '
                f"compatibility forms (NFKC) and case are ignored; {rule}",
                hint,
            )
    return problems


#: Whole numbers are held exactly up to 2^53 - 1 (SAS stores every number as a double).
_LARGEST_WHOLE = 2**53 - 1


def _numbers(cells: pd.Series, col: Col) -> tuple[pd.Series, dict[object, tuple[str, str]]]:
    problems: dict[object, tuple[str, str]] = {}
    missing = cells.map(_is_missing).astype(bool)
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        values = cells.astype("float64")
    else:
        as_text = cells.map(lambda v: v.strip() if isinstance(v, str) else v)
        values = pd.to_numeric(as_text.where(~missing, np.nan), errors="coerce").astype("float64")
    not_number = ~missing & (values.isna() | np.isinf(values))
    noun = "a whole number" if col.kind == "int" else "a number"
    plural = "whole numbers" if col.kind == "int" else "numbers"
    for idx in cells.index[not_number]:
        problems[idx] = (
            f"is not {noun}",
            f"{col.name} holds {plural} only; leave the cell empty if the value is missing "
            "(do not write NA, '.', or text)",
        )
    values = values.where(~not_number)
    if col.kind == "int":
        fractional = values.notna() & (values != np.floor(values))
        for idx in cells.index[fractional]:
            problems[idx] = (f"is not {noun}", f"{col.name} must be an integer")
        huge = values.abs() > _LARGEST_WHOLE
        for idx in cells.index[huge]:
            problems[idx] = (
                f"is too large for a whole number (at most {_LARGEST_WHOLE}, 2^53 - 1)",
                f"correct {col.name} from the source record",
            )
        values = values.where(~fractional & ~huge)
        return values.round().astype("Int64"), problems
    return values, problems
