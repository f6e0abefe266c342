"""A declared mapping from a standard CDISC ADaM to the PROMIS data model (``sap/MAPPING.md``).

A mapping is a YAML file, read with the strict reader of :mod:`osteo_stats.config_yaml` and
validated by pydantic. It says, per dataset, which rows to keep (PARAMCD filters), which values
to recode, which model columns to derive from standard variables the SAP allows (one AREL to the
three relatedness flags, a CTCAE grade from severity only where the mapping says how, the
treatment phase from dates), which columns to rename, and which model columns the data do not
hold ("not collected"). It is applied to the cells as read, **before** validation, so every
validation message still names the user's file, row and original column.

Nothing here guesses: a value that a value map or derivation does not list is left as it is
(and validation then names it), and a column declared "not collected" is empty, never filled
with an invented value; the analyses that need it say "not available: <COL> not collected".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from osteo_stats.config_yaml import ConfigFileError, parse_config_yaml
from osteo_stats.epoch import report_timestamp
from osteo_stats.errors import OsteoStatsError
from osteo_stats.load.issues import ValidationIssue, lookalike_hint, safe_value
from osteo_stats.load.schemas import ANALYSIS_SET_FLAGS, key_columns

DatasetName = Literal["ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB"]

#: The model's phases (DATA_MODEL.md, ADRS and ADEX APHASE) that dates alone can tell apart.
PRE_OPERATIVE, POST_OPERATIVE = "PRE-OPERATIVE", "POST-OPERATIVE"

_Upper = Annotated[str, Field(min_length=1, pattern=r"^[A-Z][A-Z0-9_]{0,31}$")]


class MappingError(OsteoStatsError):
    """A mapping file cannot be read or is not a valid mapping; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Relatedness(_Strict):
    """One investigator causality variable (AREL) -> the model's three relatedness flags.

    The SAP (9.2) counts an AE as related to a component when the investigator says so; a
    single AREL cannot tell the components apart, so an AE related to "study treatment" is
    related to each component (``to``). Every value of ``source`` must be listed in ``related``
    or ``not_related``.
    """

    kind: Literal["relatedness"]
    source: _Upper
    related: tuple[str, ...] = Field(min_length=1)
    not_related: tuple[str, ...] = Field(min_length=1)
    to: tuple[_Upper, ...] = ("AERELSB", "AERELPD", "AERELGM")

    @model_validator(mode="after")
    def _disjoint(self) -> Relatedness:
        both = set(self.related) & set(self.not_related)
        if both:
            raise ValueError(f"{sorted(both)} listed as both related and not_related")
        return self

    @property
    def targets(self) -> tuple[str, ...]:
        return self.to


class GradeFromSeverity(_Strict):
    """A CTCAE grade from a severity-only ADAE (MILD/MODERATE/SEVERE), declared, footnoted."""

    kind: Literal["grade_from_severity"]
    source: _Upper
    grades: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(min_length=1)
    footnote: str = Field(min_length=10)
    to: _Upper = "AETOXGR"

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.to,)


class PhaseFromDates(_Strict):
    """Treatment phase from dates: on or before the patient's ADSL.SURGDT (or no surgery date
    recorded) is PRE-OPERATIVE, after it POST-OPERATIVE (DATA_MODEL.md APHASE)."""

    kind: Literal["phase_from_dates"]
    date: _Upper
    to: _Upper = "APHASE"

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.to,)


class Constant(_Strict):
    """One value on every kept row, where the SAP defines it so: FASFL = Y on every ADSL row,
    because ADSL holds enrolled patients only (SAP 4.2)."""

    kind: Literal["constant"]
    to: _Upper
    value: str

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.to,)


Derivation = Annotated[
    Relatedness | GradeFromSeverity | PhaseFromDates | Constant, Field(discriminator="kind")
]


class DatasetMapping(_Strict):
    """How one standard dataset becomes one model dataset (all names as in the user's file,
    except ``not_collected`` and ``footnotes``, which name model columns)."""

    keep: dict[_Upper, tuple[str, ...]] = {}
    keep_present: tuple[_Upper, ...] = ()
    values: dict[_Upper, dict[str, str]] = {}
    derive: tuple[Derivation, ...] = ()
    rename: dict[_Upper, _Upper] = {}
    not_collected: tuple[_Upper, ...] = ()
    footnotes: dict[_Upper, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> DatasetMapping:
        targets = list(self.rename.values())
        for derivation in self.derive:
            targets += derivation.targets
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            raise ValueError(f"{twice} would be produced twice (by rename or derive)")
        derived = {t for d in self.derive for t in d.targets}
        clash = sorted(derived & set(self.not_collected))
        if clash:
            raise ValueError(f"{clash} are both derived and declared not_collected")
        return self


class Cutoff(_Strict):
    """DCUTDT when the data do not hold it: the latest of the listed ``DATASET.COLUMN`` dates
    (model names), stated in a notice. A DCUTDT column in ADSL always wins."""

    latest_of: tuple[Annotated[str, Field(pattern=r"^AD[A-Z]{2}\.[A-Z][A-Z0-9_]*$")], ...] = Field(
        min_length=1
    )


class Mapping(_Strict):
    """The whole mapping file (after :func:`load_mapping`, merged with what it ``extends``)."""

    name: Annotated[str, Field(min_length=1)]
    #: Another mapping this one builds on: a shipped name or a file (relative to this file).
    extends: Annotated[str, Field(min_length=1)] | None = None
    description: str = ""
    also_accept_studyid: tuple[str, ...] = ()
    cutoff: Cutoff | None = None
    datasets: dict[DatasetName, DatasetMapping] = {}


@dataclass(frozen=True)
class MappingSource:
    """The mapping as used: for the provenance page and the footnotes of the tables."""

    name: str
    path: Path
    sha256: str
    mapping: Mapping
    #: The mapping this one ``extends`` (as loaded, itself possibly extending another).
    parent: MappingSource | None = None

    @property
    def chain(self) -> tuple[MappingSource, ...]:
        """This mapping, then what it extends, and so on: every file the run depends on."""
        return (self,) + (self.parent.chain if self.parent is not None else ())

    def footnote(self, dataset: str, column: str) -> str | None:
        """The mapping's footnote for a model column (a severity-derived grade, a recoding)."""
        ds = self.mapping.datasets.get(dataset)  # type: ignore[call-overload]
        if ds is None:
            return None
        for derivation in ds.derive:
            if isinstance(derivation, GradeFromSeverity) and derivation.to == column:
                return derivation.footnote
        return ds.footnotes.get(column)


def mappings_dir() -> Path:
    """The mappings shipped with the package (``osteo_stats/mappings``)."""
    return Path(str(resources.files("osteo_stats") / "mappings"))


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in mappings_dir().glob("*.yaml"))


def load_mapping(name_or_path: str | Path) -> MappingSource:
    """Read a mapping by file path or by the name of a shipped one (``admiral``), merged with
    the mapping it ``extends`` (:func:`merge_mappings`).

    Raises
    ------
    MappingError
        The file cannot be read, is not acceptable YAML, or is not a valid mapping; or what it
        extends cannot be found or extends it back (a cycle). The message names the file, the
        key path, the value and a hint.
    """
    return _load(str(name_or_path), None, ())


def _find(text: str, base: Path | None) -> Path | None:
    """The file ``text`` names (relative to ``base``, the extending file's folder, if given),
    else the shipped mapping of that name; ``None`` when neither exists."""
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.exists() or (path.suffix and base is None):  # --mapping FILE: the reader says why
        return path
    if path.suffix:
        return None
    shipped = mappings_dir() / f"{text}.yaml"
    return shipped if shipped.is_file() else None


#: The longest chain of ``extends`` followed: a real one is two or three files deep.
MAX_EXTENDS = 16


def _load(text: str, child: Path | None, chain: tuple[Path, ...]) -> MappingSource:
    from osteo_stats.config_yaml import parse_config_bytes, read_config_file

    path = _find(text, child.parent if child is not None else None)
    if path is None:
        where = f"--mapping {text}" if child is None else f"{child}: extends = {text!r}"
        raise MappingError(
            f"{where}: no such file and no shipped mapping of that name. Hint: give a YAML "
            f"file{' (relative to the extending file)' if child else ''}, or one of: "
            f"{', '.join(shipped_mappings())}."
        )
    if path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, path.resolve()))
        raise MappingError(
            f"{child}: extends = {text!r} makes a cycle ({cycle}). Hint: a mapping cannot build "
            "on itself; remove extends from one of them."
        )
    if len(chain) >= MAX_EXTENDS:
        raise MappingError(
            f"{child}: extends = {text!r} would make a chain of more than {MAX_EXTENDS} mapping "
            f"files (from {chain[0]}), the limit. Hint: a mapping extends one or two others; "
            "merge the chain into fewer files."
        )
    try:
        data = read_config_file(path)  # read once: parsed and hashed
        raw = parse_config_bytes(data)
    except ConfigFileError as exc:
        raise MappingError(f"{path}: mapping: {exc}") from None
    mapping = parse_mapping(raw, str(path))
    parent = None
    if mapping.extends is not None:
        parent = _load(mapping.extends, path, (*chain, path.resolve()))
        mapping = merge_mappings(parent.mapping, mapping, str(path))
    digest = hashlib.sha256(data).hexdigest()
    return MappingSource(mapping.name, path, digest, mapping, parent)


def merge_mappings(parent: Mapping, child: Mapping, where: str = "mapping") -> Mapping:
    """``child`` built on ``parent`` (``extends``; the rules are in sap/MAPPING.md).

    The child's name, description and (if given) cutoff are used; its also_accept_studyid adds
    to the parent's. Per dataset, keep_present and not_collected add to the parent's lists;
    keep, rename and footnotes add entries or replace the parent's entry for the same column;
    values add entries to the parent's map of the same column (the child's entry wins for the
    same value); derive adds derivations. A model column the child produces (by rename or
    derive) is produced only the child's way: the parent's rename, derivation and
    not_collected entry for it are dropped. The merged mapping is validated again.
    """

    def union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(first + second))

    datasets: dict[str, DatasetMapping] = {}
    for name in dict.fromkeys([*parent.datasets, *child.datasets]):
        p = parent.datasets.get(name, DatasetMapping())  # type: ignore[call-overload]
        c = child.datasets.get(name, DatasetMapping())  # type: ignore[call-overload]
        produced = set(c.rename.values()) | {t for d in c.derive for t in d.targets}
        merged = {
            "keep": {**p.keep, **c.keep},
            "keep_present": union(p.keep_present, c.keep_present),
            "values": {
                col: {**p.values.get(col, {}), **c.values.get(col, {})}
                for col in dict.fromkeys([*p.values, *c.values])
            },
            "derive": tuple(d for d in p.derive if not set(d.targets) & produced) + c.derive,
            "rename": {
                **{s: t for s, t in p.rename.items() if t not in produced and s not in c.rename},
                **c.rename,
            },
            "not_collected": union(
                tuple(col for col in p.not_collected if col not in produced), c.not_collected
            ),
            "footnotes": {**p.footnotes, **c.footnotes},
        }
        try:
            datasets[name] = DatasetMapping.model_validate(merged)
        except ValidationError as exc:
            raise MappingError(
                _format_errors(f"{where} (extends {parent.name})", exc, ("datasets", name))
            ) from None
    return Mapping(
        name=child.name,
        extends=child.extends,
        description=child.description,
        also_accept_studyid=union(parent.also_accept_studyid, child.also_accept_studyid),
        cutoff=child.cutoff if child.cutoff is not None else parent.cutoff,
        datasets=datasets,  # type: ignore[arg-type]
    )


def parse_mapping(raw: Any, where: str = "mapping") -> Mapping:
    """Validate parsed YAML (or text) as a :class:`Mapping`; :class:`MappingError` names keys."""
    if isinstance(raw, str):
        try:
            raw = parse_config_yaml(raw)
        except ConfigFileError as exc:
            raise MappingError(f"{where}: {exc}") from None
    if not isinstance(raw, dict):
        raise MappingError(
            f"{where}: expected a mapping with keys name, datasets (and extends, description, "
            "cutoff, also_accept_studyid) at the top level. Hint: see sap/MAPPING.md."
        )
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(_format_errors(where, exc)) from None
    _refuse_empty_keys(mapping, where)
    return mapping


def _refuse_empty_keys(mapping: Mapping, where: str) -> None:
    """A key column (:func:`~osteo_stats.load.schemas.key_columns`) is never "not collected"
    (nor, but STUDYID and the analysis-set flags, one constant): every record would lose its
    patient, its identity, its analysis set or the date a rule places it by, and the tables
    would count nothing, with confidence ("Any TEAE 0")."""
    problems = []
    for name, spec in mapping.datasets.items():
        keys = key_columns(name)
        declared = [column for column in spec.not_collected if column in keys]
        if declared:
            problems.append(
                f"  datasets.{name}.not_collected = {', '.join(declared)}: "
                f"{'is a key column' if len(declared) == 1 else 'are key columns'} of {name} "
                f"({', '.join(keys)}), never not collected. Hint: rename the file's column "
                f"to it (rename: {{YOUR_NAME: {declared[0]}}}); if the file has no such "
                "column, the dataset cannot be read."
            )
        for pos, derivation in enumerate(spec.derive):
            # STUDYID and the analysis-set flags may be one value on every row (FASFL = Y,
            # SAP 4.2); the validation rules of SAP 4.2 still check the flags.
            settable = ("STUDYID", *ANALYSIS_SET_FLAGS.get(name, ()))
            if (
                isinstance(derivation, Constant)
                and derivation.to in keys
                and derivation.to not in settable
            ):
                problems.append(
                    f"  datasets.{name}.derive[{pos}] (constant) to = {derivation.to}: "
                    f"{derivation.to} is a key column of {name} ({', '.join(keys)}); one value "
                    "on every row would make every record the same. Hint: map the file's "
                    f"column to {derivation.to} with rename."
                )
    if problems:
        raise MappingError(
            f"{where}: the mapping is invalid ({len(problems)} problem(s))\n" + "\n".join(problems)
        )


_HINTS = {
    "missing": "add it as documented in sap/MAPPING.md",
    "extra_forbidden": "unknown key; check the spelling against sap/MAPPING.md",
    "literal_error": "see sap/MAPPING.md for the allowed values",
    "string_pattern_mismatch": "column names are upper-case letters, digits and _ (as in ADaM); "
    "cut-off dates are DATASET.COLUMN",
    "less_than_equal": "CTCAE grades are 1-5",
    "greater_than_equal": "CTCAE grades are 1-5",
    "union_tag_invalid": "a derivation's kind is relatedness, grade_from_severity, "
    "phase_from_dates or constant",
}


def _format_errors(where: str, error: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    lines = [f"{where}: the mapping is invalid ({error.error_count()} problem(s))"]
    for item in error.errors():
        key = ".".join(str(part) for part in (*prefix, *item["loc"])) or "(top level)"
        received = item.get("input")
        shown = (
            "" if isinstance(received, dict) or item["type"] == "missing" else f" = {received!r}"
        )
        message = item["msg"].removeprefix("Value error, ")
        hint = _HINTS.get(item["type"], "see sap/MAPPING.md for what this key takes")
        lines.append(f"  {key}{shown}: {message}. Hint: {hint}.")
    return "\n".join(lines)


# ---------------------------------------------------------------- applying a mapping to data


@dataclass
class Mapped:
    """The outcome of applying a mapping to the frames as read."""

    frames: dict[str, pd.DataFrame]
    #: dataset -> model column -> what the user's file calls it ("ATOXGR (mapped to AETOXGR)").
    origins: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (dataset, model column) pairs the data do not hold.
    not_collected: set[tuple[str, str]] = field(default_factory=set)
    issues: list[ValidationIssue] = field(default_factory=list)
    #: (dataset, row, model column) cells a mapping issue already names: not reported again.
    reported: set[tuple[str, int, str]] = field(default_factory=set)
    #: Datasets whose every row the mapping's keep or keep_present removed (one issue says so).
    emptied: set[str] = field(default_factory=set)


def _blank(values: pd.Series) -> pd.Series:
    return values.map(lambda v: safe_value(v) is None)


def _text(value: object) -> str:
    shown = safe_value(value)
    return "" if shown is None else str(value).strip()


def apply_mapping(frames: dict[str, pd.DataFrame], source: MappingSource) -> Mapped:
    """Apply ``source`` to the frames as read (index = the file's data row, kept throughout)."""
    mapping = source.mapping
    out = Mapped(frames=dict(frames))
    for name, spec in mapping.datasets.items():
        frame = out.frames.get(name)
        if frame is None:
            continue
        out.frames[name] = _apply_dataset(name, frame, spec, source.name, out)
    if mapping.cutoff is not None:
        _derive_cutoff(mapping.cutoff, source.name, out)
    return out


def _apply_dataset(
    name: str, frame: pd.DataFrame, spec: DatasetMapping, mapping_name: str, out: Mapped
) -> pd.DataFrame:
    origins = out.origins.setdefault(name, {})
    frame = frame.copy()

    def needs(column: str, purpose: str) -> bool:
        if column in frame.columns:
            return True
        out.issues.append(
            ValidationIssue(
                name,
                None,
                None,
                column,
                None,
                f"is needed by mapping {mapping_name} ({purpose}) but is not in the file",
                lookalike_hint(column, frame.columns)
                or "check the mapping against the file's columns, or declare the model column "
                "not_collected",
            )
        )
        return False

    rows = len(frame)
    filtered: list[str] = []  # what each filter left, for the message when none is left
    for column, kept in spec.keep.items():
        if needs(column, "keep"):
            text = frame[column].map(_text)
            held = ", ".join(safe_value(v) or '""' for v in text.unique()[:5])
            frame = frame.loc[text.isin(kept)]
            filtered.append(
                f"keep {column} in [{', '.join(kept)}] left {len(frame)} (the file's {column}: "
                f"{held}{', ...' if text.nunique() > 5 else ''})"
            )
    for column in spec.keep_present:
        if needs(column, "keep_present"):
            frame = frame.loc[~_blank(frame[column])]
            filtered.append(f"keep_present {column} left {len(frame)}")
    if name == "ADSL" and rows and frame.empty:
        out.issues.append(
            ValidationIssue(
                name,
                None,
                None,
                None,
                None,
                f"mapping {mapping_name} keeps none of the file's {rows} rows "
                f"({'; '.join(filtered)}); ADSL needs one row per enrolled patient, and no "
                "other dataset can be checked against it",
                "correct the values under keep (they are matched exactly, case included) or "
                "keep_present against the file's columns",
            )
        )
        out.emptied.add(name)
    for column, recode in spec.values.items():
        if needs(column, "values"):
            blank = recode.get("")
            frame[column] = frame[column].map(
                lambda v, r=recode, b=blank: (
                    (b if b is not None else v) if safe_value(v) is None else r.get(_text(v), v)
                )
            )
    for pos, derivation in enumerate(spec.derive):
        _derive(name, frame, derivation, mapping_name, out, pos)
    # All renames at once, as one map: {ASTDT: AENDT, AENDT: ASTDT} swaps the two columns;
    # applied one after another, the second would rename the first's result.
    renames: dict[str, str] = {}
    for source_col, model_col in spec.rename.items():
        if source_col not in frame.columns and model_col in spec.not_collected:
            continue  # the fallback: the model column is then not collected
        if needs(source_col, "rename"):
            renames[source_col] = model_col
    # A file column of a target's name that is not itself renamed away is replaced: the
    # mapping names which column is meant.
    replaced = [t for t in renames.values() if t in frame.columns and t not in renames]
    frame = frame.drop(columns=replaced).rename(columns=renames)
    for source_col, model_col in renames.items():
        origins[model_col] = f"{source_col} (mapped to {model_col})"
    for column in spec.not_collected:
        if column in frame.columns:
            continue  # the file holds it after all: use it
        frame[column] = pd.Series(None, index=frame.index, dtype=object)
        out.not_collected.add((name, column))
    return frame


def _derive(
    name: str,
    frame: pd.DataFrame,
    derivation: Derivation,
    mapping_name: str,
    out: Mapped,
    pos: int = 0,
) -> None:
    origins = out.origins.setdefault(name, {})
    if isinstance(derivation, Constant):
        if derivation.to in frame.columns:
            # A constant over the file's own values would give, say, 0 serious AEs with
            # confidence (AESER = N): it fills only a column the file lacks, or one that holds
            # that very value on every row (nothing is replaced).
            held = frame[derivation.to].map(_text)
            differ = held.ne(derivation.value)
            if differ.any():
                first = frame.index[differ.to_numpy()][0]
                out.issues.append(
                    ValidationIssue(
                        name,
                        int(first),
                        safe_value(frame.at[first, "USUBJID"]) if "USUBJID" in frame else None,
                        derivation.to,
                        safe_value(frame.at[first, derivation.to]),
                        f"is in the file, but mapping {mapping_name} (datasets.{name}.derive"
                        f"[{pos}], kind constant) would set {derivation.to} to "
                        f"{derivation.value!r} on every row ({int(differ.sum())} of {len(held)} "
                        "rows hold another value); a constant fills only a column the file does "
                        "not hold",
                        f"remove the constant from the mapping to use the file's {derivation.to}",
                    )
                )
                out.reported |= {(name, int(r), derivation.to) for r in frame.index}
            return
        frame[derivation.to] = derivation.value
        origins[derivation.to] = f"{derivation.to} (set to {derivation.value} by the mapping)"
        return
    if isinstance(derivation, PhaseFromDates):
        source_col = derivation.date
    else:
        source_col = derivation.source
    if source_col not in frame.columns:
        out.issues.append(
            ValidationIssue(
                name,
                None,
                None,
                source_col,
                None,
                f"is needed by mapping {mapping_name} ({derivation.kind}) but is not in the file",
                "check the mapping against the file's columns",
            )
        )
        return
    values = frame[source_col]
    if isinstance(derivation, Relatedness):
        text = values.map(_text)
        flag = text.map(
            lambda v: (
                "Y" if v in derivation.related else "N" if v in derivation.not_related else None
            )
        )
        unlisted = flag.isna() & text.ne("")
        out.reported |= {(name, int(r), t) for r in frame.index[unlisted] for t in derivation.to}
        out.issues += _unlisted(
            name,
            frame,
            values,
            unlisted,
            f"{source_col} (derived {', '.join(derivation.to)})",
            f"is listed neither as related nor as not_related in mapping {mapping_name}",
            "add the value to related or not_related in the mapping",
        )
        for target in derivation.to:
            frame[target] = flag.where(flag.notna(), values.where(text.eq(""), None))
            origins[target] = f"{source_col} (derived {target})"
    elif isinstance(derivation, GradeFromSeverity):
        text = values.map(_text)
        grade = text.map(derivation.grades)
        unlisted = grade.isna() & text.ne("")
        out.reported |= {(name, int(r), derivation.to) for r in frame.index[unlisted]}
        out.issues += _unlisted(
            name,
            frame,
            values,
            unlisted,
            f"{source_col} (derived {derivation.to})",
            f"has no grade in mapping {mapping_name} (grade_from_severity.grades)",
            "add the severity to grades, or correct the value",
        )
        frame[derivation.to] = grade.map(lambda g: "" if pd.isna(g) else str(int(g)))
        origins[derivation.to] = f"{source_col} (derived {derivation.to})"
    else:
        adsl = out.frames.get("ADSL")
        surgery = _surgery_dates(adsl)
        when = _dates(values)
        surgdt = frame["USUBJID"].map(_text).map(surgery) if "USUBJID" in frame else None
        phase = pd.Series(PRE_OPERATIVE, index=frame.index, dtype=object)
        if surgdt is not None:
            phase = phase.mask(when > pd.to_datetime(surgdt), POST_OPERATIVE)
        frame[derivation.to] = phase.where(when.notna(), None)
        origins[derivation.to] = f"{source_col} (derived {derivation.to})"


def _unlisted(
    name: str,
    frame: pd.DataFrame,
    values: pd.Series,
    unlisted: pd.Series,
    column: str,
    rule: str,
    hint: str,
) -> list[ValidationIssue]:
    """One issue per row whose value a derivation does not list (never guessed)."""
    return [
        ValidationIssue(
            name,
            int(row),
            safe_value(frame.at[row, "USUBJID"]) if "USUBJID" in frame else None,
            column,
            safe_value(values[row]),
            rule,
            hint,
        )
        for row in frame.index[unlisted]
    ]


def _dates(values: pd.Series) -> pd.Series:
    """Dates as read (ISO text from CSV, datetimes from SAS) -> datetime64; others NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize()
    return pd.to_datetime(values.map(_text), format="ISO8601", errors="coerce")


def _surgery_dates(adsl: pd.DataFrame | None) -> dict[str, pd.Timestamp]:
    if adsl is None or "SURGDT" not in adsl or "USUBJID" not in adsl:
        return {}
    dates = _dates(adsl["SURGDT"])
    ids = adsl["USUBJID"].map(_text)
    return {i: d for i, d in zip(ids, dates, strict=True) if pd.notna(d)}


def _derive_cutoff(cutoff: Cutoff, mapping_name: str, out: Mapped) -> None:
    adsl = out.frames.get("ADSL")
    if adsl is None or "DCUTDT" in adsl.columns:
        return
    # Nothing can be dated after the day of the run: such a date is a typo (AENDT 2099-12-31)
    # and would become the cut-off, letting every other date pass the cut-off rule (SAP 6.2).
    run_day = pd.Timestamp(_run_date())
    latest = None
    for ref in cutoff.latest_of:
        dataset, column = ref.split(".")
        frame = out.frames.get(dataset)
        if frame is None or column not in frame:
            continue
        when = _dates(frame[column])
        future = when > run_day
        for row in frame.index[future.to_numpy()]:
            out.issues.append(
                ValidationIssue(
                    dataset,
                    int(row),
                    safe_value(frame.at[row, "USUBJID"]) if "USUBJID" in frame else None,
                    column,
                    safe_value(frame.at[row, column]),
                    f"is after the date of this run ({run_day:%Y-%m-%d}); mapping "
                    f"{mapping_name} takes the cut-off DCUTDT from the latest of "
                    f"{', '.join(cutoff.latest_of)}, and no date can lie in the future",
                    "correct the date from the source record, or add DCUTDT to ADSL "
                    "(SOURCE_DATE_EPOCH, when set, is the date of the run)",
                )
            )
            out.reported.add((dataset, int(row), column))
        top = when.where(~future).max()
        if pd.notna(top) and (latest is None or top > latest):
            latest = top
    if latest is None:
        return  # validation then says DCUTDT is missing
    adsl = adsl.copy()
    adsl["DCUTDT"] = f"{latest:%Y-%m-%d}"
    out.frames["ADSL"] = adsl
    out.origins.setdefault("ADSL", {})["DCUTDT"] = "DCUTDT (derived: latest date in the data)"
    out.issues.append(
        ValidationIssue(
            "ADSL",
            None,
            None,
            "DCUTDT",
            f"{latest:%Y-%m-%d}",
            f"is not in the data; mapping {mapping_name} sets it to the latest of "
            f"{', '.join(cutoff.latest_of)}",
            "add DCUTDT to ADSL if the extract has a declared data cut-off",
            "warning",
        )
    )


def _run_date() -> date:
    """The day of the run: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today
    (UTC), as on the provenance page."""
    return report_timestamp().date()


def relabel(issue: ValidationIssue, mapped: Mapped) -> ValidationIssue:
    """The issue with the user's own column name ("ATOXGR (mapped to AETOXGR)")."""
    origin = mapped.origins.get(issue.dataset, {}).get(issue.column or "")
    if origin is None:
        return issue
    from dataclasses import replace

    return replace(issue, column=origin)


#: STUDYID and EXTRT name the study and its treatments: a mapping never recodes them by itself.
OTHER_STUDY_COLUMNS = ("STUDYID", "EXTRT")
OTHER_STUDY_HINT = (
    "this is another study's data: a mapping can declare it for a trial run, e.g. --mapping "
    "pharmaverse-example; see sap/MAPPING.md"
)


def other_study_hint(issue: ValidationIssue) -> ValidationIssue:
    """Under a mapping, a STUDYID or EXTRT outside the SAP's terms means another study's data:
    the hint says how a mapping declares it, rather than "use one of the listed values"."""
    if issue.severity != "error" or issue.column not in OTHER_STUDY_COLUMNS or issue.value is None:
        return issue
    from dataclasses import replace

    return replace(issue, hint=OTHER_STUDY_HINT)


#: The rule of a "not collected" notice; the summary groups them by dataset and mapping.
NOT_COLLECTED_RULE = (
    "not collected (declared by mapping {mapping}); the analyses that need it show 'not available'"
)
NOT_COLLECTED_PATTERN = re.compile(r"not collected \(declared by mapping (?P<mapping>.+)\);")


def not_collected_notices(mapped: Mapped, mapping_name: str) -> list[ValidationIssue]:
    """One notice per column the mapping declares not collected (severity warning); the
    printed summary groups them per dataset, ``--issues`` keeps one row each."""
    return [
        ValidationIssue(
            dataset,
            None,
            None,
            column,
            None,
            NOT_COLLECTED_RULE.format(mapping=mapping_name),
            "",
            "warning",
        )
        for dataset, column in sorted(mapped.not_collected)
    ]
