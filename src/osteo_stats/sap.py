"""The SAP configuration: ``sap/sap.yaml`` loaded into a validated, typed, frozen object.

Every statistical constant the package uses is read from here. A malformed or inconsistent
file is rejected with a :class:`~osteo_stats.errors.SAPConfigError` that names the key.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from osteo_stats.analyse.design import MAX_N
from osteo_stats.config_yaml import ConfigFileError, load_config_yaml, read_config_file
from osteo_stats.errors import SAPConfigError
from osteo_stats.plausible import describe_number_error, plausible

Probability = float  # documented alias; bounds are enforced with Field(gt=0, lt=1)


_MONTHS = "months"
_DAYS = "days"
_WEEKS = "weeks"
_YEARS = "years"
_MAX_MONTHS = 240  # 20 years: any accrual, landmark or interval of a trial
_MAX_DAYS = 3653  # 10 years
_MAX_WEEKS = 104
_MAX_AGE = 120

# list and tuple elements, each in its plausible range
_UnitInterval = Annotated[float, plausible(0, 1)]
_LandmarkMonths = Annotated[float, plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)]
_NecrosisPercent = Annotated[float, plausible(0, 100, "% necrosis")]
_StudyWeek = Annotated[float, plausible(0, _MAX_WEEKS, _WEEKS, low_open=True)]
_AgeCutYears = Annotated[int, plausible(1, _MAX_AGE, _YEARS)]


class _Section(BaseModel):
    # NaN and infinity are never a SAP setting: a NaN bound compares False with everything and
    # would silently empty a category (e.g. a Huvos grade), so they are refused by key.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Study(_Section):
    studyid: str
    registry_id: str
    sponsor: str
    planned_enrollment: int = plausible(1, MAX_N, "patients")
    planned_accrual_months: float = plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)


class Eligibility(_Section):
    age_min: int = plausible(0, _MAX_AGE, _YEARS)
    age_max: int = plausible(1, _MAX_AGE, _YEARS)
    ps_scale_age_threshold: int = plausible(1, _MAX_AGE, _YEARS)
    ecog_max: int = plausible(0, 5)
    lansky_min: int = plausible(0, 100)

    @model_validator(mode="after")
    def _age_range(self) -> Eligibility:
        if self.age_min >= self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be below age_max ({self.age_max})")
        return self


class TimeSettings(_Section):
    days_per_month: float = plausible(28, 31, _DAYS)  # a calendar month's length
    day_one_offset: int = plausible(0, 1)


ImputationRule = Literal[
    "first_of_period",
    "last_of_period",
    "first_of_period_not_before_first_dose",
    "first_of_period_not_before_last_alive",
]


class DateImputation(_Section):
    partial_allowed: dict[str, list[str]]
    rules: dict[str, ImputationRule]

    @model_validator(mode="after")
    def _every_partial_column_has_a_rule(self) -> DateImputation:
        for dataset, columns in self.partial_allowed.items():
            for column in columns:
                if column not in self.rules:
                    raise ValueError(
                        f"partial_allowed.{dataset} lists {column} but rules has no entry for it"
                    )
        return self


class Design(_Section):
    kind: Literal["optimal", "minimax"]
    p0: float = plausible(0, 1, low_open=True, high_open=True)
    p1: float = plausible(0, 1, low_open=True, high_open=True)
    alpha: float = plausible(0, 0.5, low_open=True, high_open=True)
    power: float = plausible(0.5, 1, low_open=True, high_open=True)
    n1: int = plausible(1, MAX_N, "patients")
    r1: int = plausible(0, MAX_N, "responses")
    n: int = plausible(1, MAX_N, "patients")
    r: int = plausible(0, MAX_N, "responses")
    nmax_search: int = plausible(1, MAX_N, "patients")
    oc_grid: list[_UnitInterval] = Field(max_length=1001)

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.p1 <= self.p0:
            raise ValueError(f"p1 ({self.p1}) must be greater than p0 ({self.p0})")
        if not self.r1 < self.n1 < self.n:
            raise ValueError(f"need r1 < n1 < n, got r1={self.r1}, n1={self.n1}, n={self.n}")
        if not self.r1 <= self.r < self.n:
            raise ValueError(f"need r1 <= r < n, got r1={self.r1}, r={self.r}, n={self.n}")
        if self.nmax_search < self.n:
            raise ValueError(f"nmax_search ({self.nmax_search}) is below n ({self.n})")
        if any(not 0 <= p <= 1 for p in self.oc_grid):
            raise ValueError("oc_grid values must lie in [0, 1]")
        return self


class PrimaryEndpoint(_Section):
    landmark_months: float = plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)
    lost_before_landmark: Literal["failure", "exclude"]

    @property
    def landmark_label(self) -> str:
        """The endpoint's name for its landmark: ``"2-year"`` for 24 months, else ``"18-month"``."""
        months = self.landmark_months
        return f"{months / 12:g}-year" if months % 12 == 0 else f"{months:g}-month"


class HistoricalControl(_Section):
    distribution: Literal["exponential"]
    landmark_months: float = plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)
    survival_at_landmark: float = plausible(0, 1, low_open=True, high_open=True)


class Inference(_Section):
    conf_level: float = plausible(0.5, 1, high_open=True)
    proportion_ci: Literal["clopper-pearson", "wilson", "jeffreys"]
    km_conf_type: Literal["log-log", "log", "plain"]
    km_landmarks_months: list[_LandmarkMonths] = Field(max_length=100)
    # SAP 7.3.7: at most ~500 ticks over 20 years; 1e-9 asked for 264 GiB of them
    km_at_risk_tick_months: float = plausible(0.5, 60, _MONTHS)
    historical_control: HistoricalControl

    @model_validator(mode="after")
    def _landmarks_increase(self) -> Inference:
        marks = self.km_landmarks_months
        if any(m <= 0 for m in marks) or any(
            b <= a for a, b in zip(marks, marks[1:], strict=False)
        ):
            raise ValueError(
                f"km_landmarks_months must be positive and strictly increasing, got {marks}"
            )
        return self


class PrognosticFactors(_Section):
    """Cut-points of the prognostic factors and the event threshold of SAP 7.4."""

    nodules_cut: int = plausible(2, 100, "nodules")
    disease_free_interval_cut_months: float = plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)
    age_cut_years: float = plausible(0, _MAX_AGE, _YEARS, low_open=True)
    bivariable_min_events: int = plausible(1, MAX_N, "events")


class Response(_Section):
    criteria: Literal["RECIST 1.1"]
    confirmation_required: bool
    confirmation_min_days: int = plausible(1, 365, _DAYS)
    sd_min_days: int = plausible(0, 365, _DAYS)
    window_without_surgery_weeks: float = plausible(0, _MAX_WEEKS, _WEEKS, low_open=True)


HuvosGrade = Literal["I", "II", "III", "IV"]


def _grade_range(grades: list[str]) -> str:
    ordered = sorted(grades, key=["I", "II", "III", "IV"].index)
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]}-{ordered[-1]}"


class Pathology(_Section):
    huvos_grade_lower_bounds: dict[HuvosGrade, _NecrosisPercent]
    good_response_grades: list[HuvosGrade]
    complete_response_grades: list[HuvosGrade]

    @property
    def good_grades_label(self) -> str:
        """The good-response grades as tables name them: ``III-IV``, or ``IV``."""
        return _grade_range(self.good_response_grades)

    @property
    def other_grades_label(self) -> str:
        """The grades that are not a good response: ``I-II``."""
        good = set(self.good_response_grades)
        return _grade_range([g for g in self.huvos_grade_lower_bounds if g not in good])

    @model_validator(mode="after")
    def _ordered(self) -> Pathology:
        bounds = [self.huvos_grade_lower_bounds.get(g) for g in ("I", "II", "III", "IV")]
        if None in bounds:
            raise ValueError("huvos_grade_lower_bounds needs grades I, II, III and IV")
        if bounds[0] != 0 or bounds != sorted(bounds) or len(set(bounds)) != 4 or bounds[3] > 100:
            raise ValueError(
                "huvos_grade_lower_bounds must start at 0 and increase strictly to <= 100, "
                f"got {bounds}"
            )
        return self


class EFSRules(_Section):
    tumour_assessment_interval_days: int = plausible(1, 365, _DAYS)
    missed_assessments_for_censoring: int = plausible(1, 20, "assessments")
    assessment_window_days: int = plausible(0, 365, _DAYS)


class Safety(_Section):
    ctcae_version: str
    teae_window_days: int = plausible(0, _MAX_DAYS, _DAYS)
    teae_window_days_immune: int = plausible(0, _MAX_DAYS, _DAYS)
    perioperative_window_days: int = plausible(0, 365, _DAYS)
    haematological_socs: list[str]
    haematological_terms: list[str]


#: The ADAE flags an AESI category may name (SAP 9.7, DATA_MODEL.md ADAE).
AEFlag = Literal["AESER", "AERELSB", "AERELPD", "AERELGM", "AEIRFL", "AESDLYFL"]
#: Clavien-Dindo grades, mildest first (SAP 9.2; ``typing.get_args`` gives the order).
ClavienDindoGrade = Literal["I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"]


class AESICategory(_Section):
    """One category of adverse events of special interest (SAP 9.7): an AE belongs to it when
    it meets any of the criteria given (SOC, preferred term, a flag = Y, a Clavien-Dindo grade
    at or above the minimum); SOC and term are compared ignoring case."""

    label: str = Field(min_length=1, max_length=80)
    socs: list[str] = []
    terms: list[str] = []
    flags: list[AEFlag] = []
    clavien_dindo_min: ClavienDindoGrade | None = None

    @model_validator(mode="after")
    def _has_a_criterion(self) -> AESICategory:
        if not (self.socs or self.terms or self.flags or self.clavien_dindo_min):
            raise ValueError(
                "an AESI category needs at least one of socs, terms, flags, clavien_dindo_min"
            )
        return self


class ToxicityMonitoring(_Section):
    irae_min_grade: int = plausible(1, 5, "(CTCAE grade)")
    related_nonhaematological_min_grade: int = plausible(1, 5, "(CTCAE grade)")
    surgery_delay_days: int = plausible(1, 365, _DAYS)
    p_acceptable: float = plausible(0, 1, low_open=True, high_open=True)
    p_unacceptable: float = plausible(0, 1, low_open=True, high_open=True)
    # The SAP's key, kept so that existing SAP files still load; the Python API calls it
    # alpha (toxicity_boundary(alpha=), ToxicityBoundary.alpha).
    type1: float = plausible(0, 1, low_open=True, high_open=True)
    power: float = plausible(0, 1, low_open=True, high_open=True)
    shape: float = plausible(0, 0.5)
    look_every: int = plausible(1, MAX_N, "patients")
    max_patients: int = plausible(1, MAX_N, "patients")

    @model_validator(mode="after")
    def _consistent(self) -> ToxicityMonitoring:
        if self.p_unacceptable <= self.p_acceptable:
            raise ValueError(
                f"p_unacceptable ({self.p_unacceptable}) must exceed "
                f"p_acceptable ({self.p_acceptable})"
            )
        if self.look_every > self.max_patients:
            raise ValueError("look_every exceeds max_patients")
        return self

    @property
    def looks(self) -> list[int]:
        """Cumulative patient counts at each look: every ``look_every`` and the last patient."""
        looks = list(range(self.look_every, self.max_patients + 1, self.look_every))
        if not looks or looks[-1] != self.max_patients:
            looks.append(self.max_patients)
        return looks


class Schedule(_Section):
    cycle_days: int = plausible(1, 365, _DAYS)
    preop_cycles: int = plausible(0, 52, "cycles")
    surgery_week_planned: float = plausible(0, _MAX_WEEKS, _WEEKS, low_open=True)
    surgery_window_weeks: tuple[_StudyWeek, _StudyWeek]
    postop_cycles: int = plausible(0, 52, "cycles")
    sbrt_fractions: int = plausible(1, 50, "fractions")
    preop_assessment_week: float = plausible(0, _MAX_WEEKS, _WEEKS, low_open=True)
    cycle_delay_tolerance_days: int = plausible(0, 365, _DAYS)

    @model_validator(mode="after")
    def _window_ordered(self) -> Schedule:
        low, high = self.surgery_window_weeks
        if low > high:
            raise ValueError(
                f"surgery_window_weeks must be [lower, upper] with lower <= upper, got [{low:g}, "
                f"{high:g}]"
            )
        if not low <= self.surgery_week_planned <= high:
            raise ValueError(
                f"surgery_week_planned ({self.surgery_week_planned:g}) lies outside "
                f"surgery_window_weeks [{low:g}, {high:g}]"
            )
        return self


class Baseline(_Section):
    """Baseline summaries (SAP 7.8)."""

    age_group_cuts_years: list[_AgeCutYears] = Field(min_length=1, max_length=20)
    nodule_group_top: int = plausible(2, 100, "nodules")
    prior_lines_group_top: int = plausible(2, 50, "lines")

    @model_validator(mode="after")
    def _cuts_increase(self) -> Baseline:
        cuts = self.age_group_cuts_years
        if cuts[0] <= 0 or any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            raise ValueError(
                f"age_group_cuts_years must be positive and strictly increasing, got {cuts}"
            )
        return self


class Marker(_Section):
    label: str
    log_transform: bool


class Biomarkers(_Section):
    markers: dict[str, Marker]
    cutpoint: Literal["median"]
    fdr_method: Literal["benjamini-hochberg"]


class DMCReport(_Section):
    """The DMC report's one-page summary (SAP 10.2)."""

    accrual_shortfall_fraction: float = plausible(0, 1, low_open=True)


class SAP(_Section):
    """The whole statistical analysis plan configuration (see ``sap/SAP.md``)."""

    sap_version: str
    sap_date: date
    study: Study
    eligibility: Eligibility
    time: TimeSettings
    date_imputation: DateImputation
    design: Design
    primary_endpoint: PrimaryEndpoint
    inference: Inference
    prognostic_factors: PrognosticFactors
    response: Response
    pathology: Pathology
    efs: EFSRules
    safety: Safety
    aesi: dict[str, AESICategory]
    toxicity_monitoring: ToxicityMonitoring
    schedule: Schedule
    baseline: Baseline
    dmc_report: DMCReport
    biomarkers: Biomarkers

    @model_validator(mode="after")
    def _cross_section(self) -> SAP:
        if self.design.n != self.study.planned_enrollment:
            raise ValueError(
                f"design.n ({self.design.n}) differs from study.planned_enrollment "
                f"({self.study.planned_enrollment})"
            )
        if self.toxicity_monitoring.max_patients != self.study.planned_enrollment:
            raise ValueError(
                f"toxicity_monitoring.max_patients ({self.toxicity_monitoring.max_patients}) "
                f"differs from study.planned_enrollment ({self.study.planned_enrollment})"
            )
        return self


def default_sap_path() -> Path:
    """The SAP shipped with the package (wheel) or, in a source checkout, ``sap/sap.yaml``."""
    packaged = Path(__file__).parent / "_sap" / "sap.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "sap" / "sap.yaml"


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: the SAP configuration is invalid ({error.error_count()} problem(s))"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        received = item.get("input")
        number = describe_number_error(SAP, item)
        if item["type"] == "missing":
            lines.append(f"  {key}: required key is missing. Hint: add it as documented in SAP.md.")
        elif item["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key. Hint: check the spelling against SAP.md.")
        elif number is not None:
            lines.append(f"  {key} = {received!r}: {number}. Hint: see SAP.md Appendix B.")
        else:
            shown = "" if isinstance(received, dict) else f" = {received!r}"
            lines.append(f"  {key}{shown}: {item['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def load_sap(path: str | Path | None = None) -> SAP:
    """Read and validate a SAP configuration file.

    Parameters
    ----------
    path
        A YAML file; the packaged ``sap.yaml`` when omitted.

    Raises
    ------
    SAPConfigError
        The file is missing, a directory, unreadable, empty, not UTF-8, not acceptable YAML
        (anchors, aliases and duplicate keys are refused), or fails validation; the message
        names every bad key.
    """
    path = Path(path) if path is not None else default_sap_path()
    try:
        raw = load_config_yaml(path)
    except ConfigFileError as exc:
        raise SAPConfigError(f"{path}: SAP configuration: {exc}") from None
    if not isinstance(raw, dict):
        raise SAPConfigError(f"{path}: expected a mapping of SAP sections at the top level")
    try:
        return SAP.model_validate(raw)
    except ValidationError as exc:
        raise SAPConfigError(_format_validation_error(path, exc)) from None


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a configuration file's bytes, for provenance (a regular file of at most
    :data:`~osteo_stats.userfiles.MAX_CONFIG_BYTES`, read with that bound)."""
    try:
        return hashlib.sha256(read_config_file(Path(path))).hexdigest()
    except ConfigFileError as exc:
        raise SAPConfigError(f"{path}: SAP configuration: {exc}") from None
