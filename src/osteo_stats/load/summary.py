"""Validation issues at scale: a grouped summary to read, and every issue as a file to work from.

A standard ADaM handed to the loader unmapped gives thousands of issues, most of them the same
rule failing on every row. Printed one per line they hide what matters, so commands print
:func:`summary_lines`:

1. a notice first when the data are far from the model (a dataset lacking at least half of its
   model columns), suggesting a mapping;
2. the notes (files the loader did not read, and why);
3. one line per missing model column, with the columns each dataset expects named once;
4. one line per dataset x column x rule, with the count, the first three USUBJIDs and the first
   three values (a rule met once prints as the issue's own message, row and value included);
   the columns a mapping declares "not collected" on one line per dataset;
5. the totals: errors, warnings, patients affected.

Every issue, one row each, is written by ``validate --issues FILE`` from :func:`issues_csv_text`
or :func:`issues_json_text`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from osteo_stats.load.issues import (
    ISSUE_COLUMNS,
    LOOKALIKE_HINT_START,
    MISSING_COLUMN_RULE,
    ValidationIssue,
    shown_value,
)
from osteo_stats.load.mapping import NOT_COLLECTED_PATTERN
from osteo_stats.load.schemas import dataset_specs
from osteo_stats.safe_csv import csv_text
from osteo_stats.sap import SAP

#: A dataset lacking at least this share of its model columns is "far from the model".
FAR_SHARE = 0.5
#: How many USUBJIDs and values a group line names before "and N more".
SHOWN = 3
MAPPING_HINT = "a standard CDISC ADaM? try --mapping admiral (see sap/MAPPING.md)"

# Per-row details inside a rule (a date compared with, the row a key duplicates) would split
# one rule into as many groups as rows; they are masked in the group's rule.
_PER_ROW = (
    (re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b"), "<date>"),
    (re.compile(r"\brow \d+\b"), "row <n>"),
)
_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True)
class IssueGroup:
    """The issues of one dataset x column x rule (x severity)."""

    dataset: str
    column: str | None
    rule: str
    severity: str
    issues: tuple[ValidationIssue, ...]

    @property
    def usubjids(self) -> list[str]:
        """The patients, in order of first appearance."""
        return list(dict.fromkeys(i.usubjid for i in self.issues if i.usubjid))

    @property
    def values(self) -> list[str]:
        """The distinct values received, in order of first appearance."""
        return list(dict.fromkeys(i.value for i in self.issues if i.value is not None))

    @property
    def not_collected_by(self) -> str | None:
        """The mapping's name when the group is a dataset's "not collected" notices."""
        found = NOT_COLLECTED_PATTERN.match(self.rule) if self.column is None else None
        return found["mapping"] if found else None

    def line(self) -> str:
        """One line: the issue's own message if it occurs once, else counts and examples; a
        dataset's "not collected" columns on one line."""
        mapping = self.not_collected_by
        if mapping is not None:
            columns = [str(i.column) for i in self.issues]
            them = "it" if len(columns) == 1 else "them"
            return (
                f"Warning: {self.dataset}: {_count(len(columns), 'column')} not collected "
                f"(mapping {mapping}): {', '.join(columns)}; the analyses that need {them} show "
                '"not available".'
            )
        if len(self.issues) == 1:
            return str(self.issues[0])
        prefix = "Warning: " if self.severity == "warning" else ""
        what = f"{self.column} " if self.column else ""
        values = self.values
        if len(values) == 1:
            what += f"= {shown_value(values[0])} "
        text = f"{prefix}{self.dataset}: {what}{self.rule.rstrip('.')}. {len(self.issues):,} issues"
        patients = self.usubjids
        if patients:
            text += f", {_count(len(patients), 'patient')} ({_first(patients)})"
        if len(values) > 1:
            text += f"; values {_first([shown_value(v) for v in values])}"
        hint = self.issues[0].hint
        return text + (f". Hint: {hint}" if hint else ".")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _first(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN:,} more" if len(items) > SHOWN else "")


@functools.lru_cache(maxsize=4096)  # rules repeat: 100,000 issues hold a few hundred rules
def rule_pattern(rule: str) -> str:
    """``rule`` with its per-row details masked: the key issues are grouped by."""
    for pattern, mask in _PER_ROW:
        rule = pattern.sub(mask, rule)
    return rule


def is_missing_column(issue: ValidationIssue) -> bool:
    return issue.rule.startswith(MISSING_COLUMN_RULE)


def group_issues(issues: Iterable[ValidationIssue]) -> list[IssueGroup]:
    """Errors and warnings by dataset x column x rule; missing columns and notes excluded, a
    dataset's "not collected" notices (one per column) in one group.

    Datasets keep the loader's order; within one, errors come before warnings, then the most
    frequent rule first.
    """
    groups: dict[tuple[str, str | None, str, str], list[ValidationIssue]] = {}
    datasets: dict[str, int] = {}
    for issue in issues:
        if issue.severity == "note" or is_missing_column(issue):
            continue
        datasets.setdefault(issue.dataset, len(datasets))
        column = None if NOT_COLLECTED_PATTERN.match(issue.rule) else issue.column
        key = (issue.dataset, column, rule_pattern(issue.rule), issue.severity)
        groups.setdefault(key, []).append(issue)
    ordered = sorted(
        groups.items(),
        key=lambda kv: (datasets[kv[0][0]], _SEVERITY_ORDER[kv[0][3]], -len(kv[1])),
    )
    return [IssueGroup(ds, col, rule, sev, tuple(found)) for (ds, col, rule, sev), found in ordered]


def not_collected_lines(issues: Iterable[ValidationIssue]) -> list[str]:
    """The columns a mapping declares "not collected", one line per dataset: what the commands
    that analyse valid data print, so the user sees them without running validate."""
    return [group.line() for group in group_issues(issues) if group.not_collected_by]


def model_columns(sap: SAP) -> dict[str, list[str]]:
    """Each dataset's model columns (sap/DATA_MODEL.md), for :func:`summary_lines`."""
    return {name: list(spec.names) for name, spec in dataset_specs(sap).items()}


def far_from_model(
    issues: Iterable[ValidationIssue], model: Mapping[str, Sequence[str]]
) -> list[str]:
    """``"ADSL lacks 21 of its 32 model columns"`` for each dataset far from the model."""
    missing: dict[str, set[str]] = {}
    for issue in issues:
        if is_missing_column(issue) and issue.column:
            missing.setdefault(issue.dataset, set()).add(issue.column)
    return [
        f"{name} lacks {len(cols)} of its {len(model[name])} model columns"
        for name, cols in missing.items()
        if name in model and len(cols) >= FAR_SHARE * len(model[name])
    ]


def summary_lines(
    issues: Sequence[ValidationIssue],
    title: str,
    model: Mapping[str, Sequence[str]] | None = None,
    pointer: str | None = None,
) -> list[str]:
    """The grouped summary of ``issues``, line by line (plain text; the caller escapes it).

    ``model`` maps each dataset to its model columns (for the far-from-model notice and the
    expected columns); ``pointer`` is the last line, saying where the full list is.
    """
    lines = [title]
    far = far_from_model(issues, model) if model else []
    if far:
        lines.append(f"Far from the PROMIS data model (sap/DATA_MODEL.md): {'; '.join(far)}.")
        lines.append(f"Hint: {MAPPING_HINT}")
    notes = [i for i in issues if i.severity == "note"]
    lines += [str(note) for note in notes]
    missing = [i for i in issues if is_missing_column(i)]
    if missing:
        lines.append(
            f"Missing columns ({len(missing):,}; add each, names are matched ignoring ASCII "
            "case only and extra columns are kept):"
        )
        for dataset in dict.fromkeys(i.dataset for i in missing):
            if model and dataset in model:
                lines.append(f"{dataset} expects: {', '.join(model[dataset])}")
            lines += [
                f"{dataset}: {i.column} {MISSING_COLUMN_RULE}."
                + (f" Hint: {i.hint}" if i.hint.startswith(LOOKALIKE_HINT_START) else "")
                for i in missing
                if i.dataset == dataset
            ]
    groups = group_issues(issues)
    if groups:
        lines.append("Issues by dataset, column and rule:")
        lines += [group.line() for group in groups]
    lines.append(totals_line(issues))
    if pointer:
        lines.append(pointer)
    return lines


def totals_line(issues: Sequence[ValidationIssue]) -> str:
    """``"Totals: 3 errors, 1 warning, 2 patients affected."`` (notes counted when present)."""
    count = {sev: sum(1 for i in issues if i.severity == sev) for sev in _SEVERITY_ORDER}
    patients = {i.usubjid for i in issues if i.usubjid and i.severity != "note"}
    parts = [_count(count["error"], "error"), _count(count["warning"], "warning")]
    if count["note"]:
        parts.append(_count(count["note"], "note"))
    return f"Totals: {', '.join(parts)}; {_count(len(patients), 'patient')} affected."


def _records(issues: Iterable[ValidationIssue]) -> list[dict[str, object]]:
    return [asdict(issue) for issue in issues]


def issues_csv_text(issues: Iterable[ValidationIssue]) -> str:
    """Every issue, one row each (columns :data:`ISSUE_COLUMNS`), through the one CSV writer."""
    rows = [[("" if r[c] is None else r[c]) for c in ISSUE_COLUMNS] for r in _records(issues)]
    return csv_text([ISSUE_COLUMNS, *rows])


def issues_json_text(issues: Iterable[ValidationIssue]) -> str:
    """Every issue as a JSON array of objects (keys :data:`ISSUE_COLUMNS`; missing = null)."""
    return json.dumps(_records(issues), ensure_ascii=False, indent=1) + "\n"
