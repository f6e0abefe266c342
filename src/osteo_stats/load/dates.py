"""Date parsing, partial dates and the SAP 8.3 imputation rules.

A date cell may arrive as an ISO 8601 string (CSV, or a character variable in a SAS file) or
as a date/datetime (a SAS numeric with a date format, which pyreadstat converts). Columns that
the SAP lists under ``date_imputation.partial_allowed`` may also hold partial dates
(``YYYY-MM``, ``YYYY``).

Each parsed column carries the *period* a value can lie in: ``lo`` (earliest possible day) and
``hi`` (latest possible day); for a complete date both are that date. Imputation picks a day in
the period by the SAP rule; order checks use the period so that an imputed day never creates an
inconsistency that the recorded data do not prove (see :mod:`osteo_stats.load.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

# YYYY, YYYY-MM or YYYY-MM-DD, nothing else (no guessing of other formats).
_PARTS = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"

# The datetime64[ns] range, in whole years.
_FIRST_YEAR, _LAST_YEAR = 1678, 2261

#: No date of a patient in this trial can be earlier (DATA_MODEL.md, "Impossible values").
EARLIEST_POSSIBLE = pd.Timestamp("1900-01-01")
_TOO_EARLY = (
    f"is before {EARLIEST_POSSIBLE:%Y-%m-%d}, which is not a possible date in this trial",
    "check the year against the source record (a two-digit year or a SAS date value read "
    "without its format can land in the wrong century); leave the cell empty if unknown",
)

#: Flag values of the ``<COL>F`` imputation flag column.
FLAG_NONE, FLAG_DAY, FLAG_MONTH = "", "D", "M"

#: Rules that keep the imputed day from falling before an anchor date in the same period.
RULE_ANCHORS = {
    "first_of_period_not_before_first_dose": "TRTSDT",
    "first_of_period_not_before_last_alive": "LSTALVDT",
}


@dataclass(frozen=True)
class ParsedDates:
    """A parsed date column (all Series share the input's index).

    Attributes
    ----------
    lo, hi
        ``datetime64[ns]``: the first and last day the value can denote (equal for a complete
        date; ``NaT`` when missing or unparseable).
    precision
        ``"day"``, ``"month"``, ``"year"``, or ``""`` (missing or unparseable).
    problems
        ``index -> (rule, hint)`` for cells that are not acceptable dates.
    """

    lo: pd.Series
    hi: pd.Series
    precision: pd.Series
    problems: dict[object, tuple[str, str]]

    @property
    def is_partial(self) -> pd.Series:
        return self.precision.isin(["month", "year"])


def parse_dates(
    raw: pd.Series, *, partial_allowed: bool, column: str, partial_columns: str
) -> ParsedDates:
    """Parse a column of received date cells without guessing formats.

    Parameters
    ----------
    raw
        The cells as read: strings, ``datetime.date``/``datetime``/``Timestamp``, or missing.
    partial_allowed
        Whether ``YYYY-MM``/``YYYY`` are acceptable in this column.
    column
        The column name, for messages.
    partial_columns
        Human-readable list of the columns where partial dates are allowed, for hints.
    """
    index = raw.index
    problems: dict[object, tuple[str, str]] = {}
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        stamped = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        lo = stamped.astype("datetime64[ns]").dt.normalize()
        precision = pd.Series(np.where(lo.notna(), "day", ""), index=index, dtype=object)
        return _too_early(ParsedDates(lo, lo.copy(), precision, problems))

    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    text = raw[is_text].astype(str).str.strip()
    text = text[text != ""]
    others = raw[~is_text & raw.notna()]

    lo = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    precision = pd.Series("", index=index, dtype=object)
    # Fast path: complete ISO dates, the usual case.
    stamps = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    complete = stamps.notna() & text.str.len().eq(10)
    lo[complete.index[complete]] = stamps[complete]
    precision[complete.index[complete]] = "day"
    # Everything else: partial dates, impossible dates, other formats.
    rest = text[~complete]
    if len(rest):
        _parse_rest(rest, lo, precision, problems, partial_allowed)

    if len(others):
        is_datelike = others.map(lambda v: isinstance(v, (date, datetime, pd.Timestamp)))
        stamps = pd.to_datetime(others[is_datelike].map(pd.Timestamp)).astype("datetime64[ns]")
        lo[stamps.index] = stamps.dt.normalize()
        precision[stamps.index] = "day"
        for idx in others.index[~is_datelike.astype(bool)]:
            problems[idx] = (
                "is a number, not a date" if _is_number(others[idx]) else "is not a date",
                f"store {column} as a SAS date (a numeric variable with format DATE9.) or as "
                "text YYYY-MM-DD",
            )

    hi = lo.copy()
    partial = precision.isin(["month", "year"])
    if partial.any():
        if partial_allowed:
            month = precision.eq("month")
            year = precision.eq("year")
            hi[month] = lo[month] + pd.offsets.MonthEnd(0)
            hi[year] = lo[year] + pd.offsets.YearEnd(0)
        else:
            for idx in index[partial & lo.notna()]:
                problems[idx] = (
                    f"is a partial date; {column} needs a complete date YYYY-MM-DD",
                    f"enter the full date from the source record (partial dates are allowed "
                    f"only in {partial_columns})",
                )

    return _too_early(ParsedDates(lo, hi, precision, problems))


def _too_early(parsed: ParsedDates) -> ParsedDates:
    """Report dates whose whole period lies before 1900; problem cells become missing."""
    problems = dict(parsed.problems)
    for idx in parsed.hi.index[(parsed.hi < EARLIEST_POSSIBLE).to_numpy()]:
        problems.setdefault(idx, _TOO_EARLY)
    lo, hi, precision = parsed.lo, parsed.hi, parsed.precision
    if problems:
        bad = list(problems)
        lo, hi, precision = lo.copy(), hi.copy(), precision.copy()
        lo[bad] = pd.NaT
        hi[bad] = pd.NaT
        precision[bad] = ""
    return ParsedDates(lo, hi, precision, problems)


def _parse_rest(
    rest: pd.Series,
    lo: pd.Series,
    precision: pd.Series,
    problems: dict[object, tuple[str, str]],
    partial_allowed: bool,
) -> None:
    """Parse text cells that are not complete ISO dates (fills lo, precision and problems)."""
    parts = rest.str.extract(_PARTS)  # year, month, day; NaN where absent or no match
    matched = parts[0].notna()
    iso = parts[0] + "-" + parts[1].fillna("01") + "-" + parts[2].fillna("01")
    stamps = pd.to_datetime(iso[matched], format="%Y-%m-%d", errors="coerce")
    lo[stamps.index] = stamps
    precision[parts.index[matched & parts[1].notna() & parts[2].isna()]] = "month"
    precision[parts.index[matched & parts[1].isna()]] = "year"
    years = parts[0].astype(float)
    for idx in stamps.index[stamps.isna()]:
        if not _FIRST_YEAR <= years[idx] <= _LAST_YEAR:
            problems[idx] = (
                f"is outside the supported years {_FIRST_YEAR}-{_LAST_YEAR}",
                "check the year; a placeholder such as 9999-12-31 is not a date (leave the cell "
                "empty if the date is unknown)",
            )
        else:
            problems[idx] = (
                "is not a real calendar date",
                "check the day and month (for example, there is no 2025-02-30 or month 13)",
            )
    expected = "YYYY-MM-DD"
    if partial_allowed:
        expected += " (or YYYY-MM / YYYY for a partial date)"
    for idx in parts.index[~matched]:
        problems[idx] = (
            f"is not a date in the expected format {expected}",
            "write dates as ISO 8601, for example 2025-03-15; other formats such as 03/15/2025 "
            "or 15MAR2025 are not guessed",
        )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def impute(
    parsed: ParsedDates, rule: str, anchor: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    """Impute partial dates by a SAP 8.3 rule and return ``(dates, flags)``.

    Rules
    -----
    ``first_of_period``
        The first day of the month (``YYYY-MM``) or year (``YYYY``).
    ``last_of_period``
        The last day of the month or year.
    ``first_of_period_not_before_first_dose`` / ``first_of_period_not_before_last_alive``
        The first day of the period; but if the anchor date (the patient's TRTSDT, resp.
        LSTALVDT) lies within the period, the anchor date. For AE onset this is the
        conservative choice: an AE in the month of the first dose counts as treatment-emergent.

    Complete dates are returned unchanged with flag ``""``; missing dates stay missing with
    flag ``""`` (a missing ASTDT is treated as treatment-emergent downstream, SAP 8.3).
    Flags: ``"D"`` when the day was imputed, ``"M"`` when month and day were imputed.
    """
    partial = parsed.is_partial
    if rule == "first_of_period":
        value = parsed.lo.copy()
    elif rule == "last_of_period":
        value = parsed.lo.where(~partial, parsed.hi)
    elif rule in RULE_ANCHORS:
        value = parsed.lo.copy()
        if anchor is not None:
            anchor = pd.to_datetime(anchor).astype("datetime64[ns]").reindex(value.index)
            inside = partial & (anchor >= parsed.lo) & (anchor <= parsed.hi)
            value = value.where(~inside, anchor)
    else:  # the SAP loader only admits the rules above
        raise ValueError(
            f"unknown imputation rule {rule!r}; allowed: first_of_period, "
            f"last_of_period, {', '.join(RULE_ANCHORS)}"
        )
    flags = pd.Series(
        np.select(
            [parsed.precision.eq("month"), parsed.precision.eq("year")],
            [FLAG_DAY, FLAG_MONTH],
            default=FLAG_NONE,
        ),
        index=value.index,
        dtype=object,
    )
    return value.astype("datetime64[ns]"), flags
