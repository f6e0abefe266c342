"""The data model (``sap/DATA_MODEL.md``) as column specifications and pandera schemas.

:func:`dataset_specs` states each dataset's columns once: type, nullability, controlled terms,
ranges and key. :func:`build_schema` turns a spec into a pandera ``DataFrameSchema`` that runs on
the *typed* frame (after :mod:`osteo_stats.load.coerce`); every check carries a key
(``error=``) into a table of statistician-readable rules and hints, so that
:func:`failures_to_issues` can translate pandera's lazy ``failure_cases`` into
:class:`~osteo_stats.load.issues.ValidationIssue` records. Users never see pandera's check names.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from osteo_stats.load.issues import Severity, ValidationIssue, safe_value
from osteo_stats.sap import SAP

Kind = Literal["text", "free", "flag", "int", "number", "date"]

#: SURGOUT values of a resection (R0, R1, R2): the patient was operated (SAP 3.4, 4).
RESECTION_OUTCOMES: tuple[str, ...] = ("R0", "R1", "R2")

KIND_DTYPES: dict[str, str] = {
    "text": "object",
    "free": "object",
    "flag": "object",
    "int": "Int64",
    "number": "float64",
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class Col:
    """One column of the data model.

    ``kind``: ``text`` (stripped, controlled or not), ``free`` (verbatim text kept exactly as
    received), ``flag`` (``Y``/``N``), ``int``, ``number``, ``date``.

    ``min``/``max`` bound what is *possible* (an error); ``warn_range`` bounds what is
    *eligible* (a warning): AGE 200 is impossible, AGE 66 only ineligible.
    """

    name: str
    kind: Kind
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    warn_range: tuple[float, float] | None = None  # outside -> eligibility warning
    identifier: bool = False  # names a study, site or patient: visible characters only
    warn_rule: str = ""
    warn_hint: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    required: bool = True

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


#: AGE in years that a living person can have; outside is an error, not an eligibility deviation.
AGE_POSSIBLE = (0, 120)

#: ADEX: the dose unit each treatment is recorded in.
EXPOSURE_UNITS = {"SBRT": "Gy", "PENPULIMAB": "mg", "GEMCITABINE": "mg/m2"}

#: ADLB: the laboratory parameters (PARAMCD -> PARAM) and the SI unit each is recorded in
#: (AVALU, ANRLO and ANRHI share it; the CTCAE thresholds of SAP 9.6 are in these units).
LAB_PARAMS = {
    "NEUT": "Neutrophils (10^9/L)",
    "PLAT": "Platelets (10^9/L)",
    "HGB": "Hemoglobin (g/L)",
    "WBC": "Leukocytes (10^9/L)",
    "LYMPH": "Lymphocytes (10^9/L)",
    "ALT": "Alanine Aminotransferase (U/L)",
    "AST": "Aspartate Aminotransferase (U/L)",
    "BILI": "Bilirubin (umol/L)",
    "CREAT": "Creatinine (umol/L)",
    "TSH": "Thyrotropin (mU/L)",
}
LAB_UNITS = {
    "NEUT": "10^9/L",
    "PLAT": "10^9/L",
    "HGB": "g/L",
    "WBC": "10^9/L",
    "LYMPH": "10^9/L",
    "ALT": "U/L",
    "AST": "U/L",
    "BILI": "umol/L",
    "CREAT": "umol/L",
    "TSH": "mU/L",
}


#: Each dataset's record key: one row per key value (the duplicate-key rule).
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "ADSL": ("USUBJID",),
    "ADAE": ("USUBJID", "AESEQ"),
    "ADRS": ("USUBJID", "ADT"),
    "ADTR": ("USUBJID", "ADT"),
    "ADEX": ("USUBJID", "EXTRT", "EXSTDT"),
    "ADBM": ("USUBJID", "PARAMCD", "ATPT"),
    "ADLB": ("USUBJID", "PARAMCD", "ADT"),
}

#: Dates a rule cannot do without, beyond the record keys: the time origin ENRLDT (SAP 7),
#: the treatment dates and the AE onset of the TEAE rule (SAP 9.1), the last date known alive
#: of every censoring (SAP 7) and the data cut-off.
RULE_DATES: dict[str, tuple[str, ...]] = {
    "ADSL": ("ENRLDT", "TRTSDT", "TRTEDT", "LSTALVDT", "DCUTDT"),
    "ADAE": ("ASTDT",),
}

#: The analysis-set flags that select the patients of every table (SAP 4): without them every
#: count would be 0 of 0. (PPROTFL only selects the PPS sensitivity columns, which then say
#: "not collected".)
ANALYSIS_SET_FLAGS: dict[str, tuple[str, ...]] = {"ADSL": ("FASFL", "SAFFL")}


def key_columns(dataset: str) -> tuple[str, ...]:
    """The columns of ``dataset`` without which a record cannot be placed: STUDYID, USUBJID,
    the record key, the dates a rule needs and the analysis-set flags. A mapping can never
    declare them not collected (an empty USUBJID would leave every AE without a patient, an
    empty SAFFL every patient outside the SAF: "Any TEAE 0")."""
    return tuple(
        dict.fromkeys(
            (
                "STUDYID",
                "USUBJID",
                *RECORD_KEYS.get(dataset, ()),
                *RULE_DATES.get(dataset, ()),
                *ANALYSIS_SET_FLAGS.get(dataset, ()),
            )
        )
    )


def _flags(*names: str, nullable: bool = False) -> tuple[Col, ...]:
    return tuple(Col(n, "flag", nullable=nullable, allowed=("Y", "N")) for n in names)


def dataset_specs(sap: SAP) -> dict[str, DatasetSpec]:
    """The datasets of DATA_MODEL.md, with SAP-driven terms (STUDYID, biomarker codes)."""
    elig = sap.eligibility
    study = (
        Col("STUDYID", "text", allowed=(sap.study.studyid,), identifier=True),
        Col("USUBJID", "text", identifier=True),
    )
    adsl = DatasetSpec(
        "ADSL",
        study
        + (
            Col("SITEID", "text", identifier=True),
            Col(
                "AGE",
                "int",
                min=AGE_POSSIBLE[0],
                max=AGE_POSSIBLE[1],
                warn_range=(elig.age_min, elig.age_max),
                warn_rule=f"is outside the eligible age range {elig.age_min}-{elig.age_max} "
                "(eligibility deviation; the patient stays in the analysis)",
                warn_hint="confirm the age at consent; if it is right, record the protocol "
                "deviation",
            ),
            Col("SEX", "text", allowed=("M", "F")),
            Col("PSTYPE", "text", allowed=("ECOG", "LANSKY")),
            Col("PSSCORE", "int"),
            Col("NNODULE", "int", min=1),
            Col("LATERAL", "text", allowed=("UNILATERAL", "BILATERAL")),
            Col("DFIMO", "number", min=0),
            Col("PRIORLN", "int", min=1),
            Col("RFICDT", "date"),
            Col("ENRLDT", "date"),
            Col("TRTSDT", "date", nullable=True),
            Col("TRTEDT", "date", nullable=True),
            Col("SURGPLDT", "date", nullable=True),
            Col("SURGDT", "date", nullable=True),
            Col("SURGOUT", "text", allowed=(*RESECTION_OUTCOMES, "NOT DONE", "PENDING")),
            Col(
                "SURGNDRS",
                "text",
                nullable=True,
                allowed=("PROGRESSION", "TOXICITY", "WITHDRAWAL", "DEATH", "OTHER"),
            ),
            Col("NECRPCT", "number", nullable=True, min=0, max=100),
            Col("NACTDT", "date", nullable=True),
            Col("SMDT", "date", nullable=True),
            Col("DTHDT", "date", nullable=True),
            Col(
                "DTHCAUS",
                "text",
                nullable=True,
                allowed=("DISEASE PROGRESSION", "TREATMENT-RELATED", "OTHER"),
            ),
            Col("LSTALVDT", "date"),
            Col("EOSSTT", "text", allowed=("ONGOING", "COMPLETED", "DISCONTINUED")),
            Col(
                "DCSREAS",
                "text",
                nullable=True,
                allowed=(
                    "PROGRESSIVE DISEASE",
                    "ADVERSE EVENT",
                    "DEATH",
                    "WITHDRAWAL BY SUBJECT",
                    "LOST TO FOLLOW-UP",
                    "PHYSICIAN DECISION",
                    "OTHER",
                ),
            ),
            Col("EOSDT", "date", nullable=True),
        )
        + _flags("FASFL", "SAFFL", "PPROTFL")
        + (Col("DCUTDT", "date"),),
        key=RECORD_KEYS["ADSL"],
    )
    adae = DatasetSpec(
        "ADAE",
        study
        + (
            Col("AESEQ", "int", min=1),
            Col("AETERM", "free"),
            Col("AEDECOD", "text"),
            Col("AEBODSYS", "text"),
            Col("AETOXGR", "int", nullable=True, min=1, max=5),
        )
        + _flags("AESER", "AERELSB", "AERELPD", "AERELGM", "AEIRFL")
        + (
            Col("ASTDT", "date", nullable=True),
            Col("AENDT", "date", nullable=True),
            Col(
                "AEACN",
                "text",
                allowed=(
                    "DOSE NOT CHANGED",
                    "DRUG INTERRUPTED",
                    "DOSE REDUCED",
                    "DRUG WITHDRAWN",
                    "NOT APPLICABLE",
                    "UNKNOWN",
                ),
            ),
            Col(
                "AEOUT",
                "text",
                allowed=(
                    "RECOVERED/RESOLVED",
                    "RECOVERING/RESOLVING",
                    "NOT RECOVERED/NOT RESOLVED",
                    "RECOVERED/RESOLVED WITH SEQUELAE",
                    "FATAL",
                    "UNKNOWN",
                ),
            ),
            Col(
                "AECLAVDN",
                "text",
                nullable=True,
                allowed=("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
            ),
        )
        + _flags("AESDLYFL"),
        key=RECORD_KEYS["ADAE"],
    )
    adrs = DatasetSpec(
        "ADRS",
        study
        + (
            Col("PARAMCD", "text", allowed=("OVRLRESP",)),
            Col("AVISIT", "text"),
            Col("ADT", "date"),
            Col("APHASE", "text", allowed=("PRE-OPERATIVE", "POST-OPERATIVE")),
            Col("AVALC", "text", allowed=("CR", "PR", "SD", "PD", "NE", "NED")),
        )
        + _flags("RECURFL", nullable=True)
        + _flags("NEWLFL"),
        key=RECORD_KEYS["ADRS"],
    )
    adtr = DatasetSpec(
        "ADTR",
        study
        + (
            Col("PARAMCD", "text", allowed=("SUMDIAM",)),
            Col("AVISIT", "text"),
            Col("ADT", "date"),
            Col("AVAL", "number", min=0),
        )
        + _flags("ABLFL"),
        key=RECORD_KEYS["ADTR"],
    )
    adex = DatasetSpec(
        "ADEX",
        study
        + (
            Col("EXTRT", "text", allowed=tuple(EXPOSURE_UNITS)),
            Col("APHASE", "text", allowed=("PRE-OPERATIVE", "POST-OPERATIVE", "MAINTENANCE")),
            Col("CYCLE", "int", nullable=True, min=1),
            Col("EXFRACN", "int", nullable=True, min=1),
            Col("EXSTDT", "date"),
            Col("EXPLDOS", "number", min=0, min_exclusive=True),
            Col("EXDOSE", "number", min=0),
            Col("EXDOSU", "text", allowed=tuple(dict.fromkeys(EXPOSURE_UNITS.values()))),
        ),
        key=RECORD_KEYS["ADEX"],
    )
    adbm = DatasetSpec(
        "ADBM",
        study
        + (
            Col("PARAMCD", "text", allowed=tuple(sap.biomarkers.markers)),
            Col("ATPT", "text", allowed=("PRE-SBRT", "POST-SBRT")),
            Col("ADT", "date", nullable=True),
            Col("AVAL", "number", nullable=True, min=0),
            Col("BMSTAT", "text", allowed=("DONE", "NOT EVALUABLE", "NOT DONE")),
            Col("BMREASND", "text", nullable=True),
        ),
        key=RECORD_KEYS["ADBM"],
        required=False,
    )
    adlb = DatasetSpec(
        "ADLB",
        study
        + (
            Col("PARAMCD", "text", allowed=tuple(LAB_PARAMS)),
            Col("PARAM", "text"),
            Col("AVISIT", "text"),
            Col("ADT", "date"),
            Col("AVAL", "number", nullable=True, min=0),
            Col("AVALU", "text", allowed=tuple(dict.fromkeys(LAB_UNITS.values()))),
            Col("ANRLO", "number", min=0),
            Col("ANRHI", "number", min=0, min_exclusive=True),
        ),
        key=RECORD_KEYS["ADLB"],
        required=False,
    )
    return {spec.name: spec for spec in (adsl, adae, adrs, adtr, adex, adbm, adlb)}


@dataclass(frozen=True)
class RuleText:
    """What a pandera check means, in the words of the message template."""

    column: str | None
    rule: str
    hint: str
    severity: Severity = "error"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def build_schema(spec: DatasetSpec) -> tuple[pa.DataFrameSchema, dict[str, RuleText]]:
    """A pandera schema for the typed frame, and the rule text behind each check's key."""
    texts: dict[str, RuleText] = {}
    columns: dict[str, pa.Column] = {}
    for col in spec.columns:
        checks: list[pa.Check] = []

        def key(suffix: str, text: RuleText, _col: Col = col) -> str:
            name = f"{spec.name}.{_col.name}.{suffix}"
            texts[name] = text
            return name

        if col.allowed:
            listed = ", ".join(col.allowed)
            hint = (
                "use Y or N"
                if col.kind == "flag"
                else ("use one of the listed values exactly as written (case matters)")
            )
            checks.append(
                pa.Check.isin(
                    list(col.allowed),
                    error=key("allowed", RuleText(col.name, f"is not one of: {listed}", hint)),
                )
            )
        if col.min is not None and col.max is not None:
            checks.append(
                pa.Check.in_range(
                    col.min,
                    col.max,
                    error=key(
                        "range",
                        RuleText(
                            col.name,
                            f"is outside {_fmt(col.min)}-{_fmt(col.max)}",
                            f"{col.name} must lie between {_fmt(col.min)} and {_fmt(col.max)}; "
                            "correct the value from the source record",
                        ),
                    ),
                )
            )
        elif col.min is not None:
            op = ">" if col.min_exclusive else ">="
            check = pa.Check.gt if col.min_exclusive else pa.Check.ge
            checks.append(
                check(
                    col.min,
                    error=key(
                        "min",
                        RuleText(
                            col.name,
                            f"must be {op} {_fmt(col.min)}",
                            "correct the value from the source record",
                        ),
                    ),
                )
            )
        if col.warn_range is not None:
            low, high = col.warn_range
            checks.append(
                pa.Check.in_range(
                    low,
                    high,
                    error=key(
                        "eligibility", RuleText(col.name, col.warn_rule, col.warn_hint, "warning")
                    ),
                )
            )
        texts[f"{spec.name}.{col.name}.missing"] = RuleText(
            col.name,
            "is missing; a value is required",
            f"fill in {col.name}; only columns marked nullable in DATA_MODEL.md may be empty",
        )
        columns[col.name] = pa.Column(
            KIND_DTYPES[col.kind], checks=checks, nullable=col.nullable, required=True
        )
    # The key's uniqueness is checked by failures_to_issues in one grouped pass, not as a
    # pandera dataframe check: pandera reshapes a failing dataframe check row by row (stack),
    # which took minutes for 10^5 duplicate rows (issue 24).
    schema = pa.DataFrameSchema(columns, name=spec.name, strict=False)
    return schema, texts


def failures_to_issues(
    spec: DatasetSpec,
    schema: pa.DataFrameSchema,
    texts: dict[str, RuleText],
    typed: pd.DataFrame,
    raw: pd.DataFrame,
    reported: pd.DataFrame,
) -> list[ValidationIssue]:
    """Validate ``typed`` lazily and translate every pandera failure into the message template.

    ``raw`` supplies the value as received; ``reported`` marks cells already reported by the
    typing step (those are not reported again as missing).
    """
    ids = typed["USUBJID"] if "USUBJID" in typed else pd.Series(index=typed.index, dtype=object)
    issues: list[ValidationIssue] = []
    try:
        with warnings.catch_warnings():  # pandera's own pandas deprecation noise
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(typed, lazy=True)
    except SchemaErrors as exc:
        issues += _failure_issues(spec, texts, exc.failure_cases, ids, raw, reported)
    issues += _duplicate_key_issues(spec, typed, raw, ids)
    # An impossible value is an error; saying it is also ineligible would only add noise.
    wrong = {(i.row, i.column) for i in issues if i.severity == "error"}
    return [i for i in issues if i.severity == "error" or (i.row, i.column) not in wrong]


def _failure_issues(
    spec: DatasetSpec,
    texts: dict[str, RuleText],
    cases: pd.DataFrame,
    ids: pd.Series,
    raw: pd.DataFrame,
    reported: pd.DataFrame,
) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        row = None if case.index is None or pd.isna(case.index) else int(case.index)
        column = case.column if isinstance(case.column, str) else None
        usubjid = safe_value(ids.get(row)) if row is not None else None
        if check == "not_nullable" and column is not None:
            if row is not None and bool(reported.at[row, column]):
                continue
            text = texts[f"{spec.name}.{column}.missing"]
            issues.append(
                ValidationIssue(spec.name, row, usubjid, column, None, text.rule, text.hint)
            )
        elif check in texts:
            text = texts[check]
            value = safe_value(raw.at[row, column]) if row is not None and column in raw else None
            issues.append(
                ValidationIssue(
                    spec.name, row, usubjid, text.column, value, text.rule, text.hint, text.severity
                )
            )
        else:  # a dtype failure would be a bug in coerce; still say something useful
            issues.append(
                ValidationIssue(
                    spec.name,
                    row,
                    usubjid,
                    column,
                    safe_value(case.failure_case),
                    f"failed the internal check {safe_value(check)}",
                    "report this to the osteo_stats maintainers with the data file",
                )
            )
    return issues


def _duplicate_key_issues(
    spec: DatasetSpec, typed: pd.DataFrame, raw: pd.DataFrame, ids: pd.Series
) -> list[ValidationIssue]:
    """One issue per row whose complete key repeats an earlier row's, naming that first row.

    One grouped pass over the frame: comparing each duplicate row with the whole frame was
    quadratic (an ADLB concatenated with itself, 22,910 rows, took minutes; issue 24). A key
    with a missing part is reported as missing, not as a duplicate.
    """
    key = list(spec.key)
    if not set(key) <= set(typed.columns):
        return []
    keys = typed[key]
    repeated = keys.duplicated(keep="first") & keys.notna().all(axis=1)
    if not repeated.any():
        return []
    first = (
        typed.index.to_series()
        .groupby([keys[col] for col in key], sort=False, dropna=True)
        .transform("first")
    )
    return [
        _duplicate_key_issue(spec, raw, row, safe_value(ids.get(row)), int(first[row]))
        for row in typed.index[repeated.to_numpy()]
    ]


def _duplicate_key_issue(
    spec: DatasetSpec, raw: pd.DataFrame, row: int | None, usubjid: str | None, first: int
) -> ValidationIssue:
    key_cols = list(spec.key)
    shown = ", ".join(safe_value(raw.at[row, c]) or "" for c in key_cols)
    label = ", ".join(key_cols)
    unit = f"({label})" if len(key_cols) > 1 else label
    return ValidationIssue(
        spec.name,
        row,
        usubjid,
        label,
        shown,
        f"duplicates row {first}; each {unit} must be unique",
        "remove the repeated record or correct its key",
    )
