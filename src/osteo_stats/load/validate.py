"""The door: read a data directory, validate everything in one pass, return typed datasets.

Order of work (every step collects issues; nothing stops at the first problem):

1. find one file per dataset (:mod:`~osteo_stats.load.readers`);
2. read it; type every column (:mod:`~osteo_stats.load.coerce`);
3. impute partial dates by the SAP 8.3 rules, adding ``<COL>F`` flags
   (:mod:`~osteo_stats.load.dates`);
4. per-dataset pandera schemas, lazily (:mod:`~osteo_stats.load.schemas`);
5. cross-column and cross-dataset rules on the values that passed typing
   (:mod:`~osteo_stats.load.checks`).

Code past this point may assume the data are valid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from osteo_stats.errors import DataValidationError
from osteo_stats.load.checks import Context, run_checks
from osteo_stats.load.coerce import Coerced, coerce_dataset
from osteo_stats.load.dates import RULE_ANCHORS, impute
from osteo_stats.load.issues import ValidationIssue
from osteo_stats.load.mapping import (
    Mapped,
    MappingSource,
    apply_mapping,
    load_mapping,
    not_collected_notices,
    other_study_hint,
    relabel,
)
from osteo_stats.load.readers import SourceFile, find_dataset_files, read_source
from osteo_stats.load.schemas import (
    KIND_DTYPES,
    DatasetSpec,
    build_schema,
    dataset_specs,
    failures_to_issues,
)
from osteo_stats.sap import SAP

DATASETS = ("ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB")


@dataclass(frozen=True)
class TrialData:
    """The validated trial: typed datasets, their provenance, warnings and the data cut-off.

    Types: dates ``datetime64[ns]`` (normalised to midnight), flags ``"Y"``/``"N"``, text as
    ``object`` (missing = NaN), integers ``int64`` (``Int64`` where the column is nullable),
    numbers ``float64``. Partial-date columns carry an imputation flag ``<COL>F`` (``"D"``,
    ``"M"`` or ``""``). Extra columns of the input are kept as received.
    """

    adsl: pd.DataFrame
    adae: pd.DataFrame
    adrs: pd.DataFrame
    adtr: pd.DataFrame
    adex: pd.DataFrame
    adbm: pd.DataFrame
    #: Laboratory values (optional, SAP 9.6): no rows when the extract has no ADLB file.
    adlb: pd.DataFrame
    sources: tuple[SourceFile, ...]
    warnings: tuple[ValidationIssue, ...]
    cutoff: date
    #: The mapping applied before validation (``--mapping``), if any, for provenance/footnotes.
    mapping: MappingSource | None = None
    #: (dataset, column) pairs the mapping declares not collected: empty, never analysed.
    not_collected: frozenset[tuple[str, str]] = frozenset()

    @property
    def supplied(self) -> frozenset[str]:
        """The datasets the extract holds a file for (an optional one may be absent)."""
        return frozenset(source.dataset for source in self.sources)


def cutoff_issues(cutoff: date | None, extract_cutoff: date) -> list[ValidationIssue]:
    """The analysis cut-off must be on or before the extract's DCUTDT (SAP 6.2): data after the
    extract's cut-off were never collected, so such an analysis would silently under-count. The
    one home of the rule: ``validate --cutoff`` and every command that analyses apply it."""
    if cutoff is None or cutoff <= extract_cutoff:
        return []
    return [
        ValidationIssue(
            dataset="ADSL",
            row=None,
            usubjid=None,
            column="DCUTDT",
            value=f"{cutoff:%Y-%m-%d}",
            rule=f"analysis cut-off must be on or before the extract's DCUTDT "
            f"{extract_cutoff:%Y-%m-%d} (SAP 6.2)",
            hint="choose an earlier --cutoff or use a later data extract",
        )
    ]


def validate_trial(
    data_dir: Path | str,
    sap: SAP,
    mapping: MappingSource | str | Path | None = None,
    *,
    cutoff: date | None = None,
) -> tuple[TrialData | None, list[ValidationIssue]]:
    """Validate a data directory and collect every issue in one pass.

    ``mapping`` (a :class:`~osteo_stats.load.mapping.MappingSource`, a mapping file or the name
    of a shipped one) is applied to the cells as read, before any check, so messages still name
    the file's rows and its own column names. ``cutoff`` is the analysis cut-off a command will
    use (``--cutoff``), checked against the extract's (:func:`cutoff_issues`), so that
    ``validate`` and the commands that analyse give the same verdict.

    Returns
    -------
    (TrialData or None, issues)
        ``None`` when any issue has severity ``"error"``; ``issues`` lists errors and warnings,
        ordered by dataset, then row.
    """
    data_dir = Path(data_dir)
    if mapping is not None and not isinstance(mapping, MappingSource):
        mapping = load_mapping(mapping)
    specs = dataset_specs(sap)
    issues = _sap_issues(specs, sap)
    files, found_issues = find_dataset_files(
        data_dir, specs, required=[n for n, s in specs.items() if s.required]
    )
    issues += found_issues

    sources: list[SourceFile] = []
    data: dict[str, Coerced] = {}
    partial = sap.date_imputation.partial_allowed
    partial_text = ", ".join(f"{ds}.{c}" for ds, cols in partial.items() for c in cols)
    raws: dict[str, pd.DataFrame] = {}
    for name in DATASETS:
        if name not in files:
            continue
        source, raw, read_issues = read_source(name, files[name])
        if source is not None:
            sources.append(source)
        issues += read_issues
        if raw is None:
            continue
        if name == "ADSL" and raw.empty:
            issues.append(
                ValidationIssue(
                    "ADSL",
                    None,
                    None,
                    None,
                    None,
                    f"file {files[name].name} has a header but no data rows; "
                    "ADSL needs one row per enrolled patient",
                    "export ADSL again with its patient rows",
                )
            )
            continue
        raws[name] = raw
    mapped = None
    if mapping is not None:
        mapped = apply_mapping(raws, mapping)
        # A dataset the mapping emptied is named once; checked further, an emptied ADSL would
        # make every child row "not in ADSL".
        raws = {n: f for n, f in mapped.frames.items() if n not in mapped.emptied}
        issues += mapped.issues
        specs = _mapped_specs(specs, mapped, mapping)
    for name, raw in raws.items():
        data[name] = coerce_dataset(raw, specs[name], set(partial.get(name, [])), partial_text)
        issues += data[name].issues

    _impute_partial_dates(data, sap)

    for name, coerced in data.items():
        schema, texts = build_schema(specs[name])
        schema_issues = failures_to_issues(
            specs[name], schema, texts, coerced.typed, coerced.raw, coerced.reported
        )
        _set_aside(coerced, schema_issues)
        issues += schema_issues

    ctx = Context(data, sap)
    if "ADSL" in data:
        issues += run_checks(ctx)
    if ctx.cutoff is not None:
        issues += cutoff_issues(cutoff, ctx.cutoff.date())

    if mapped is not None and mapping is not None:
        own = {id(i) for i in mapped.issues}  # the mapping's own messages are never dropped
        issues = [
            i
            for i in issues
            if id(i) in own
            or (
                (i.dataset, i.column) not in mapped.not_collected
                and (i.dataset, i.row, i.column) not in mapped.reported
            )
        ]
        issues = [other_study_hint(relabel(i, mapped)) for i in issues]
        issues += not_collected_notices(mapped, mapping.name)
    if ctx.cutoff is None and not any(i.severity == "error" for i in issues):
        # Defensive: no error yet no cut-off (ADSL unread, empty or without a DCUTDT value)
        # must still be a message, never an assertion (issue 19 section 4).
        issues.append(
            ValidationIssue(
                "ADSL",
                None,
                None,
                "DCUTDT",
                None,
                "holds no data cut-off date; every analysis is at a cut-off (SAP 6.2)",
                "add DCUTDT to ADSL, or give the mapping a cutoff: latest_of (sap/MAPPING.md)",
            )
        )
    issues = _ordered(issues)
    if any(i.severity == "error" for i in issues):
        return None, issues

    frames = {
        name: _finalise(data[name].typed, specs[name], sap)
        if name in data
        else _empty_frame(specs[name], sap)
        for name in DATASETS
    }
    warnings = tuple(i for i in issues if i.severity == "warning")
    trial = TrialData(
        adsl=frames["ADSL"],
        adae=frames["ADAE"],
        adrs=frames["ADRS"],
        adtr=frames["ADTR"],
        adex=frames["ADEX"],
        adbm=frames["ADBM"],
        adlb=frames["ADLB"],
        sources=tuple(sources),
        warnings=warnings,
        cutoff=ctx.cutoff.date(),
        mapping=mapping,
        not_collected=frozenset(mapped.not_collected) if mapped is not None else frozenset(),
    )
    return trial, issues


def load_trial(
    data_dir: Path | str, sap: SAP, mapping: MappingSource | str | Path | None = None
) -> TrialData:
    """Validate and return the trial data (``mapping`` as for :func:`validate_trial`).

    Raises
    ------
    DataValidationError
        When any error-severity issue is found; ``.issues`` holds every error (warnings are
        returned in ``TrialData.warnings`` on success).
    """
    trial, issues = validate_trial(data_dir, sap, mapping)
    if trial is None:
        raise DataValidationError([i for i in issues if i.severity == "error"])
    return trial


def _mapped_specs(
    specs: dict[str, DatasetSpec], mapped: Mapped, mapping: MappingSource
) -> dict[str, DatasetSpec]:
    """The model as the mapping declares it: not-collected columns may be empty, and STUDYID
    may also take the values the mapping accepts besides the SAP's."""
    out = {}
    for name, spec in specs.items():
        columns = []
        for col in spec.columns:
            if (name, col.name) in mapped.not_collected:
                col = replace(col, nullable=True)
            elif col.name == "STUDYID" and mapping.mapping.also_accept_studyid:
                col = replace(col, allowed=col.allowed + mapping.mapping.also_accept_studyid)
            columns.append(col)
        out[name] = replace(spec, columns=tuple(columns))
    return out


def _sap_issues(specs: dict[str, DatasetSpec], sap: SAP) -> list[ValidationIssue]:
    issues = []
    for ds, columns in sap.date_imputation.partial_allowed.items():
        for column in columns:
            spec = specs.get(ds)
            if spec is None or column not in spec.names or spec.col(column).kind != "date":
                issues.append(
                    ValidationIssue(
                        "SAP",
                        None,
                        None,
                        f"date_imputation.partial_allowed.{ds}",
                        column,
                        "is not a date column of the data model",
                        "list only date columns of DATA_MODEL.md under partial_allowed",
                    )
                )
    return issues


def _set_aside(coerced: Coerced, issues: list[ValidationIssue]) -> None:
    """Treat cells with an error (out of range, not an allowed term) as missing from now on.

    Cross-dataset checks then see only values that passed, so one bad cell gives one message
    (SURGOUT = "R3" is reported once, not again as "SURGDT given but SURGOUT is R3").
    """
    for issue in issues:
        if issue.severity == "error" and issue.row is not None and issue.column in coerced.reported:
            coerced.reported.at[issue.row, issue.column] = True
    for column in coerced.reported.columns:
        failed = coerced.reported[column]
        if failed.any():
            coerced.typed[column] = coerced.typed[column].mask(failed)


def _impute_partial_dates(data: dict[str, Coerced], sap: SAP) -> None:
    """Replace partial dates by their SAP 8.3 imputation and add the ``<COL>F`` flags."""
    adsl = data.get("ADSL")
    # ADSL first: ADAE's rule anchors on ADSL.TRTSDT, which is never partial itself.
    for name in sorted(data, key=lambda n: n != "ADSL"):
        coerced = data[name]
        for column in sap.date_imputation.partial_allowed.get(name, []):
            if column not in coerced.dates:
                continue
            rule = sap.date_imputation.rules[column]
            anchor = None
            anchor_col = RULE_ANCHORS.get(rule)
            if anchor_col is not None:
                if anchor_col in coerced.typed:
                    anchor = coerced.typed[anchor_col]
                elif adsl is not None and anchor_col in adsl.typed:
                    keyed = adsl.typed.drop_duplicates("USUBJID").dropna(subset=["USUBJID"])
                    anchor = coerced.typed["USUBJID"].map(keyed.set_index("USUBJID")[anchor_col])
            value, flags = impute(coerced.dates[column], rule, anchor)
            typed = coerced.typed
            typed[column] = value
            flag_col = f"{column}F"
            if flag_col in typed:
                typed.drop(columns=flag_col, inplace=True)  # the loader owns the flag
            typed.insert(typed.columns.get_loc(column) + 1, flag_col, flags)


def _finalise(typed: pd.DataFrame, spec: DatasetSpec, sap: SAP) -> pd.DataFrame:
    frame = typed.reset_index(drop=True)
    for col in spec.columns:
        if col.kind == "int" and not col.nullable:
            frame[col.name] = frame[col.name].astype("int64")
    return frame


def _empty_frame(spec: DatasetSpec, sap: SAP) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: pd.Series(dtype=KIND_DTYPES[c.kind]) for c in spec.columns})
    for column in sap.date_imputation.partial_allowed.get(spec.name, []):
        if column in frame:
            frame.insert(frame.columns.get_loc(column) + 1, f"{column}F", pd.Series(dtype=object))
    return _finalise(frame, spec, sap)


def _ordered(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    rank = {name: pos for pos, name in enumerate(("SAP", "DIR", *DATASETS))}
    return sorted(issues, key=lambda i: (rank.get(i.dataset, len(rank)), i.row or 0))
