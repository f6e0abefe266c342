"""The validation issue: one record, one message template, used for every failure.

Every problem the loader finds becomes a :class:`ValidationIssue`, and every issue renders
with the same template::

    <DATASET> [row <n>] [(USUBJID <id>)]: <COLUMN> [= <value>] <rule>. Hint: <hint>

that is: where (dataset, row, patient, column), the value received, what is allowed, and how to
fix it. Statisticians read these messages; they never see pandera check names or tracebacks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Literal

import pandas as pd

MAX_VALUE_CHARS = 60

Severity = Literal["error", "warning", "note"]

ISSUE_COLUMNS = ["dataset", "row", "usubjid", "column", "value", "rule", "hint", "severity"]

#: The rule of a model column absent from a file; the summary prints one line per such column.
MISSING_COLUMN_RULE = "is a required column but is missing from the file"

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in the input data.

    Attributes
    ----------
    dataset
        ``"ADSL"``, ``"ADAE"``, ...; ``"DIR"`` for problems with the data directory as a whole
        and ``"SAP"`` for problems with the SAP configuration as applied to the data.
    row
        1-based data row in the file (the first record after the header is row 1), or ``None``
        when the problem is not about one row.
    usubjid
        The patient, when known.
    column
        The column, when the problem is about one column.
    value
        The value received, already made safe for display by :func:`safe_value`.
    rule
        What is allowed, phrased to follow ``"<COLUMN> = <value>"``, e.g. ``"is outside 1-5"``.
    hint
        How to fix it.
    severity
        ``"error"`` blocks the analysis; ``"warning"`` (eligibility deviations) is reported only;
        ``"note"`` says what the loader left aside (a file it does not read), and why.
    """

    dataset: str
    row: int | None
    usubjid: str | None
    column: str | None
    value: str | None
    rule: str
    hint: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.dataset
        if self.row is not None:
            where += f" row {self.row}"
        if self.usubjid:
            where += f" (USUBJID {self.usubjid})"
        what = ""
        if self.column:
            what = self.column
            if self.value is not None:
                what += f" = {shown_value(self.value)}"
            what += " "
        elif self.value is not None:
            what = f"{shown_value(self.value)} "
        prefix = {"warning": "Warning: ", "note": "Note: "}.get(self.severity, "")
        text = f"{prefix}{where}: {what}{self.rule.rstrip('.')}."
        if self.hint:
            text += f" Hint: {self.hint}"
        return text


#: The hint of a missing column; a lookalike header in the file replaces it (summary prints it).
LOOKALIKE_HINT_START = "the file has a column"
MISSING_COLUMN_HINT = (
    "add the column with this name (names are matched ignoring ASCII case only; extra columns "
    "are allowed and kept)"
)


def missing_column_issue(
    dataset: str, column: str, expected: Iterable[str], present: Iterable[str] = ()
) -> ValidationIssue:
    """A model column absent from the file (the expected columns are named in the rule); when a
    header of the file only looks like it (``present``), the hint names the odd characters."""
    return ValidationIssue(
        dataset,
        None,
        None,
        column,
        None,
        f"{MISSING_COLUMN_RULE} (expected columns: {', '.join(expected)})",
        lookalike_hint(column, present) or MISSING_COLUMN_HINT,
    )


def lookalike_hint(column: str, present: Iterable[str]) -> str | None:
    """A hint when a header differs from ``column`` only by non-ASCII or invisible characters
    (Cyrillic \u0406 for I, a trailing zero-width space, dotless \u0131): headers are matched
    after ASCII upper-casing and nothing else, so such a header is never taken silently."""
    for name in present:
        if name.isascii():
            continue  # matched exactly after ASCII upper-casing, or a different column
        visible = [c for c in name if not is_invisible(c)]
        foreign = sum(not c.isascii() for c in visible)
        if len(visible) != len(column) or 2 * foreign > len(column):
            continue
        if all(not a.isascii() or a.upper() == b for a, b in zip(visible, column, strict=True)):
            odd = ", ".join(
                f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"
                for c in dict.fromkeys(name)
                if not c.isascii()
            )
            return (
                f'{LOOKALIKE_HINT_START} "{safe_text(name)}" that looks like {column} but holds '
                f"{odd}; headers are matched ignoring ASCII case only, never folding other "
                f"characters: rename it to {column} in plain ASCII"
            )
    return None


def shown_value(value: str) -> str:
    """Numbers and ISO-looking dates bare, everything else in double quotes."""
    if _NUMBER.fullmatch(value) or re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
        return value
    return f'"{value}"'


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def is_invisible(char: str) -> bool:
    """Control, format, unassigned and private characters, and every space but U+0020.

    These are exactly Python's non-printable characters (Unicode "Other" and "Separator",
    except the ASCII space).
    """
    return not char.isprintable()


def _escape_char(char: str) -> str:
    if char == "\t" or not is_invisible(char):
        return char
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe_text(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """Escape invisible characters (except tab) and truncate to ``limit`` characters.

    Control (ESC, NUL, CR), format (zero-width space, bidi overrides) and space characters other
    than U+0020 (no-break space) are shown as ``\\x1b``, ``\\u200b``, ... so that a message shows
    exactly what the cell holds and a terminal never interprets it.
    """
    escaped = text if text.isprintable() else "".join(_escape_char(c) for c in text)
    if len(escaped) > limit:
        escaped = escaped[: limit - 1] + "…"
    return escaped


def safe_value(value: object) -> str | None:
    """Render a received cell value for a message: never raw control characters, ~60 chars.

    Missing values (``None``, NaN, NaT, ``""``) give ``None``; dates render as ``YYYY-MM-DD``;
    whole floats render without a trailing ``.0`` (SAS stores every number as a double).
    """
    if value is None:
        return None
    if isinstance(value, str):
        return safe_text(value) if value != "" else None
    if isinstance(value, bytes):
        return safe_text(repr(value))
    if isinstance(value, (pd.Timestamp, datetime)):
        if pd.isna(value):
            return None
        if value.hour or value.minute or value.second:  # type: ignore[union-attr]
            return value.isoformat(sep=" ")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    return safe_text(str(value))


def issues_frame(issues: Iterable[ValidationIssue]) -> pd.DataFrame:
    """The issues as a table, one row per issue, for listings and CSV export.

    Columns: dataset, row, usubjid, column, value, rule, hint, severity.
    """
    frame = pd.DataFrame([asdict(issue) for issue in issues], columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame
