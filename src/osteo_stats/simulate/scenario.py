"""Scenario files: what-if trial conditions for the power simulation, loaded and validated.

A scenario file is YAML with the top-level keys ``defaults``, ``scenarios`` and ``grids``::

    defaults:            # optional; merged into every scenario (section by section)
      design:   {p0: 0.20, n1: 13, r1: 3, n: 43, r: 12}
      efs:      {distribution: exponential, two_year: 0.40}
      accrual:  {rate_per_month: 1.79}
    scenarios:
      - name: planned_h0
        efs: {two_year: 0.20}
      - name: slow_accrual
        accrual: {rate_per_month: 1.0}

Merging: the ``accrual``, ``dropout`` and ``analysis`` sections of ``defaults`` are updated key
by key with the scenario's own keys; ``design`` and ``efs`` are replaced as a whole when a
scenario gives them (mixing a default two-stage rule with a scenario's single-stage rule, or the
keys of two distributions, would be a silent error). An ``efs`` without ``distribution`` is
exponential. Times are in months, rates per month.

Grids. A ``grids:`` list (beside or instead of ``scenarios:``) declares what-if grids; each
expands to the product of its axes, first axis slowest::

    grids:
      - name: enrol50          # optional; prefixed to every point's name
        description: ...       # optional; every point's description
        accrual: {ramp_up_months: 3}   # optional sections shared by the grid's points
        design: {p0: 0.20, p1: 0.40, alpha: 0.05, power: 0.80}   # hypotheses of a search
        vary:
          efs.two_year: [0.20, 0.30, 0.40]
          design.n: [43, 50]           # the best Simon rule at each n: 3/13, 12/43; 3/13, 14/50
          accrual.rate_per_month: [1.0, 1.8]
          accrual.pause_for_stage1: [false, true]

An axis is ``section.key`` (any key of design, efs, accrual, dropout, analysis) or a whole
``design`` / ``efs`` (a list of mappings). A point sets only what its axes vary: a varied
``accrual``/``dropout``/``analysis`` key is merged with the grid's section and ``defaults`` key
by key, and a varied ``design``/``efs`` key goes into the grid's (else the default) design or
EFS, so ``efs.two_year`` keeps the inherited distribution. A new n needs a new rule, so
``design.n1/r1/r`` cannot be varied alone, nor ``design.n`` over an inherited rule: vary
``design.n`` over an inherited Simon search (``{p0, p1, alpha, power}`` in the grid's or the
default design), vary ``design`` with the full rule per value, or with a search per value.

Points are named ``label=value`` words, e.g. ``efs=0.30 n=50 rate=1.8 pause=on`` (numbers with
one number of decimals per axis, booleans on/off, a whole design by its n, or its position when
two share an n). A file describes at most :data:`MAX_SCENARIOS` scenarios, checked from the
axis lengths before anything is expanded.

Fixed-n searches ("enrol 50 instead of 43"). A design ``{p0, p1, alpha, power, n}`` (listed, in
``defaults``, a grid section or a grid point) is the best Simon rule with maximum exactly ``n``:
minimum EN(p0) among the rules meeting alpha and power
(:func:`~osteo_stats.analyse.design.simon_design_for_n`, SAP 5.7). Without ``n`` the search is
free (``kind``: optimal or minimax, ``nmax`` bounds n; both are refused beside ``n``). Every
search is resolved when the file is read, once per distinct design; the resolved rule is the
``design`` column of the results and ``resolved_rule`` in ``simulation.json``. When no rule at
some n meets alpha and power, the file is rejected naming the key and the scenario or grid
point, e.g. ``grids[0] point 'n=25': design.n = 25: no Simon two-stage rule with n = 25 has
...``; a grid reports such a design once, counting the other points that share it.

Every problem in the file is collected and reported at once, each naming the scenario and the
key, e.g. ``scenarios[2] 'slow_accrual': accrual.rate_per_month = -1.0: Input should be
greater than 0``. The file is rejected with :class:`ScenarioError`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from osteo_stats.analyse.design import MAX_N
from osteo_stats.config_yaml import ConfigFileError, load_config_yaml
from osteo_stats.errors import DesignError, OsteoStatsError
from osteo_stats.plausible import describe_number_error, plausible

__all__ = [
    "MAX_SCENARIOS",
    "MAX_SEARCH_SECONDS",
    "METHODS",
    "AccrualSpec",
    "AnalysisSpec",
    "CureMixtureEFS",
    "DesignSpec",
    "DropoutSpec",
    "ExponentialEFS",
    "PiecewiseExponentialEFS",
    "Rules",
    "Scenario",
    "ScenarioError",
    "WeibullEFS",
    "load_scenarios",
    "parse_scenarios",
]

#: Final-analysis methods, in the order results are reported.
METHODS: tuple[str, ...] = ("binary", "km_landmark", "logrank")
Method = Literal["binary", "km_landmark", "logrank"]

_LN2 = math.log(2.0)


class ScenarioError(OsteoStatsError):
    """A scenario file is missing, malformed, or describes an impossible trial."""


class _Section(BaseModel):
    # No NaN or infinity in a scenario: a NaN rate or probability would pass every "> 0" check
    # by comparing False and silently simulate nonsense.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Plausible ranges (issue 24; every number of a scenario file has one, quoted when refused).
_MONTHS = "months"
_PER_MONTH = "per month"
_MAX_MONTHS = 1200  # 100 years: any EFS median, scale or hazard break
_MAX_TRIAL_MONTHS = 240  # 20 years: a trial's ramp-up, dropout horizon, follow-up or landmark
_MIN_RATE = 1e-4  # an event rate per month: median 577 years; 1e-300 overflowed
_MAX_RATE = 100.0  # median 10 hours


def _probability(**field: Any) -> Any:
    return plausible(0, 1, low_open=True, high_open=True, **field)


def _one_of(model: BaseModel, names: Sequence[str]) -> None:
    given = [name for name in names if getattr(model, name) is not None]
    if len(given) != 1:
        raise ValueError(
            f"give exactly one of {', '.join(names)}; received "
            f"{', '.join(given) if given else 'none'}"
        )


# --------------------------------------------------------------------------------------------
# EFS distributions. Each gives S(t) and draws by inversion: T = S^{-1}(U), U ~ U(0, 1).
# T = inf means "never has an event" (cure fraction, or a zero hazard after the last break).
# --------------------------------------------------------------------------------------------


class ExponentialEFS(_Section):
    """Exponential EFS, :math:`S(t) = e^{-\\lambda t}`.

    Give ``two_year`` (:math:`S(24)`), ``median_months`` or ``rate_per_month``.
    """

    distribution: Literal["exponential"] = "exponential"
    two_year: float | None = _probability(default=None)
    median_months: float | None = plausible(0.01, _MAX_MONTHS, _MONTHS, default=None)
    rate_per_month: float | None = plausible(_MIN_RATE, _MAX_RATE, _PER_MONTH, default=None)

    @model_validator(mode="after")
    def _one_parameter(self) -> ExponentialEFS:
        _one_of(self, ("two_year", "median_months", "rate_per_month"))
        return self

    @property
    def rate(self) -> float:
        """The hazard :math:`\\lambda` per month."""
        if self.rate_per_month is not None:
            return float(self.rate_per_month)
        if self.median_months is not None:
            return _LN2 / self.median_months
        return -math.log(self.two_year) / 24.0

    def survival(self, t: Any) -> np.ndarray:
        return np.exp(-self.rate * np.asarray(t, dtype=float))

    def isf(self, u: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return -np.log(u) / self.rate


class WeibullEFS(_Section):
    """Weibull EFS, :math:`S(t) = \\exp\\{-(t/\\text{scale})^{\\text{shape}}\\}`.

    Give ``shape`` and one of ``two_year`` (:math:`S(24)`) or ``scale_months``. A shape below 1
    gives a hazard that falls with time (early relapses), above 1 one that rises.
    """

    distribution: Literal["weibull"]
    shape: float = plausible(0.05, 20)
    two_year: float | None = _probability(default=None)
    scale_months: float | None = plausible(0.01, _MAX_MONTHS, _MONTHS, default=None)

    @model_validator(mode="after")
    def _one_parameter(self) -> WeibullEFS:
        _one_of(self, ("two_year", "scale_months"))
        return self

    @property
    def scale(self) -> float:
        if self.scale_months is not None:
            return float(self.scale_months)
        return 24.0 / (-math.log(self.two_year)) ** (1.0 / self.shape)

    def survival(self, t: Any) -> np.ndarray:
        return np.exp(-((np.asarray(t, dtype=float) / self.scale) ** self.shape))

    def isf(self, u: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return self.scale * (-np.log(u)) ** (1.0 / self.shape)


class PiecewiseExponentialEFS(_Section):
    """Piecewise-constant hazard: ``rates_per_month[k]`` between consecutive breaks.

    ``breaks_months`` are the increasing change points (> 0); ``rates_per_month`` has one more
    entry (the last applies after the last break). A last rate of 0 gives a plateau.
    """

    distribution: Literal["piecewise_exponential"]
    breaks_months: list[Annotated[float, plausible(0, _MAX_MONTHS, _MONTHS, low_open=True)]] = (
        Field(min_length=1, max_length=100)
    )
    rates_per_month: list[Annotated[float, plausible(0, _MAX_RATE, _PER_MONTH)]] = Field(
        max_length=101
    )

    @model_validator(mode="after")
    def _shape(self) -> PiecewiseExponentialEFS:
        b = self.breaks_months
        if any(x <= 0 or not math.isfinite(x) for x in b) or any(
            y <= x for x, y in zip(b, b[1:], strict=False)
        ):
            raise ValueError(f"breaks_months must be finite, > 0 and increasing; received {b}")
        if len(self.rates_per_month) != len(b) + 1:
            raise ValueError(
                f"rates_per_month needs len(breaks_months) + 1 = {len(b) + 1} entries; "
                f"received {len(self.rates_per_month)}"
            )
        if not any(rate > 0 for rate in self.rates_per_month):
            raise ValueError("at least one of rates_per_month must be > 0")
        return self

    def _knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts = np.concatenate(([0.0], np.asarray(self.breaks_months, dtype=float)))
        rates = np.asarray(self.rates_per_month, dtype=float)
        cum = np.concatenate(([0.0], np.cumsum(rates[:-1] * np.diff(starts))))
        return starts, rates, cum  # cum[k] = cumulative hazard at starts[k]

    def survival(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        starts, rates, cum = self._knots()
        k = np.searchsorted(starts, t, side="right") - 1
        return np.exp(-(cum[k] + rates[k] * (t - starts[k])))

    def isf(self, u: np.ndarray) -> np.ndarray:
        starts, rates, cum = self._knots()
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.log(u)
            k = np.searchsorted(cum, h, side="right") - 1
            t = starts[k] + (h - cum[k]) / rates[k]
        # A zero-rate segment is never the one a finite h falls in, except the last: inf.
        return np.where(rates[k] > 0, t, np.inf)


Uncured = Annotated[ExponentialEFS | WeibullEFS, Field(discriminator="distribution")]


class CureMixtureEFS(_Section):
    """Cure-fraction mixture, :math:`S(t) = \\pi + (1 - \\pi) S_u(t)`.

    A fraction ``cure_fraction`` (:math:`\\pi`) never has an event; the others follow the
    ``uncured`` distribution (exponential or Weibull, e.g. ``{distribution: exponential,
    median_months: 9}``).
    """

    distribution: Literal["cure_mixture"]
    cure_fraction: float = plausible(0, 1, high_open=True)
    uncured: Uncured

    def survival(self, t: Any) -> np.ndarray:
        pi = self.cure_fraction
        return pi + (1 - pi) * self.uncured.survival(t)

    def isf(self, u: np.ndarray) -> np.ndarray:
        # S(T) = U: cured when U <= pi, else S_u(T) = (U - pi) / (1 - pi).
        pi = self.cure_fraction
        inner = np.clip((u - pi) / (1 - pi), 0.0, 1.0)
        return np.where(u <= pi, np.inf, self.uncured.isf(np.where(u <= pi, 0.5, inner)))


EFS = Annotated[
    ExponentialEFS | WeibullEFS | PiecewiseExponentialEFS | CureMixtureEFS,
    Field(discriminator="distribution"),
]


# --------------------------------------------------------------------------------------------
# Design, accrual, dropout, analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """A resolved decision rule: stop after ``n1`` if at most ``r1`` successes (two-stage
    only; ``n1 = r1 = None`` for a single-stage design); reject H0 if more than ``r``
    successes among ``n``."""

    n1: int | None
    r1: int | None
    n: int
    r: int

    @property
    def two_stage(self) -> bool:
        return self.n1 is not None

    @property
    def label(self) -> str:
        stage1 = f"{self.r1}/{self.n1}, " if self.two_stage else ""
        return f"{stage1}{self.r}/{self.n}"


class DesignSpec(_Section):
    """The design: ``p0`` and either the rule or the inputs of a Simon search.

    Give the rule ``n1, r1, n, r`` (``n1``/``r1`` may be left out together for a single-stage
    design), or ``p1, alpha, power`` to have the Simon design searched for: with ``n`` the best
    (minimum EN(p0)) rule with that maximum n
    (:func:`osteo_stats.analyse.design.simon_design_for_n`, SAP 5.7), else the ``kind``
    (optimal or minimax) design with n up to ``nmax``
    (:func:`osteo_stats.analyse.design.simon_designs`). ``p0`` is also the historical control
    of the KM landmark and log-rank analyses (2-year EFS).
    """

    p0: float = _probability()
    n1: int | None = plausible(1, MAX_N, "patients", default=None)
    r1: int | None = plausible(0, MAX_N, "responses", default=None)
    n: int | None = plausible(1, MAX_N, "patients", default=None)
    r: int | None = plausible(0, MAX_N, "responses", default=None)
    p1: float | None = _probability(default=None)
    alpha: float | None = plausible(0, 0.5, low_open=True, high_open=True, default=None)
    power: float | None = plausible(0.5, 1, low_open=True, high_open=True, default=None)
    kind: Literal["optimal", "minimax"] | None = None
    nmax: int | None = plausible(2, MAX_N, "patients", default=None)

    @property
    def searched(self) -> bool:
        """Whether the rule is found by a Simon search rather than given."""
        return self.p1 is not None

    @model_validator(mode="after")
    def _rule_or_search(self) -> DesignSpec:
        search = [
            k for k in ("p1", "alpha", "power", "kind", "nmax") if getattr(self, k) is not None
        ]
        # n alone goes with either: the rule's n, or the fixed maximum n of a search.
        rule = [k for k in ("n1", "r1", "r") if getattr(self, k) is not None]
        if rule and search:
            raise ValueError(
                f"give either the rule (n1, r1, n, r) or a Simon search (p1, alpha, power, "
                f"and n to fix the maximum n), not both; received "
                f"{', '.join(rule + ['n'] * (self.n is not None) + search)}"
            )
        if search or not rule:
            missing = [k for k in ("p1", "alpha", "power") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"a Simon search needs p1, alpha and power; missing {', '.join(missing)} "
                    "(or give the rule n1, r1, n, r)"
                )
            if self.p1 <= self.p0:
                raise ValueError(f"p1 ({self.p1}) must be greater than p0 ({self.p0})")
            moot = [k for k in ("nmax", "kind") if getattr(self, k) is not None]
            if self.n is not None and moot:
                # nmax bounds a free search and optimal/minimax choose its n: both are moot
                # once n is fixed, and silently ignoring them would hide a mistake.
                raise ValueError(
                    f"with n fixed, leave out {', '.join(moot)} (the best rule at n = {self.n} "
                    "is the one with minimum EN(p0))"
                )
            return self
        if self.n is None or self.r is None:
            raise ValueError("the rule needs n and r (and n1, r1 for a two-stage design)")
        if (self.n1 is None) != (self.r1 is None):
            raise ValueError("give n1 and r1 together (or neither, for a single-stage design)")
        if not self.r < self.n:
            raise ValueError(f"need r < n; received r={self.r}, n={self.n}")
        if self.n1 is not None and not (self.r1 < self.n1 < self.n and self.r1 <= self.r):
            raise ValueError(
                f"need r1 < n1 < n and r1 <= r; received r1={self.r1}, n1={self.n1}, "
                f"r={self.r}, n={self.n}"
            )
        return self

    def resolve(self) -> Rules:
        """The decision rule, searching for the Simon design if it was not given.

        A search runs once per distinct design (cached), so a grid of many points sharing a
        design, resolved when the file is read and again by the runner, searches once.

        Raises
        ------
        DesignError
            No design meets the constraints (at the fixed ``n``, or within ``nmax``).
        """
        if not self.searched:
            return Rules(n1=self.n1, r1=self.r1, n=self.n, r=self.r)
        return _search(self)


@functools.lru_cache(maxsize=256)
def _search(design: DesignSpec) -> Rules:
    from osteo_stats.analyse.design import simon_design_for_n, simon_designs

    if design.n is not None:
        found = simon_design_for_n(design.p0, design.p1, design.alpha, design.power, n=design.n)
        if not found.feasible:
            raise DesignError(found.message)
        chosen = found.design
    else:
        frontier = simon_designs(
            design.p0, design.p1, design.alpha, design.power, nmax=design.nmax or 100
        )
        chosen = frontier.design(design.kind or "optimal")
    return Rules(n1=chosen.n1, r1=chosen.r1, n=chosen.n, r=chosen.r)


class AccrualSpec(_Section):
    """Accrual: a Poisson process whose rate rises linearly from 0 to ``rate_per_month`` over
    ``ramp_up_months`` (0: the full rate from the start).

    With ``pause_for_stage1`` accrual stops after the n1-th patient until the stage-1
    decision and resumes where it paused; without it (the SAP 5.5 assumption) accrual goes on
    while stage 1 is pending.
    """

    rate_per_month: float = plausible(0.1, 1000, "patients per month")
    ramp_up_months: float = plausible(0, _MAX_TRIAL_MONTHS, _MONTHS, default=0.0)
    pause_for_stage1: bool = Field(default=False, strict=True)

    def inverse_cumulative(self, g: np.ndarray) -> np.ndarray:
        """Calendar time at which the expected cumulative accrual reaches ``g``.

        .. math::

            A(t) = \\begin{cases} \\lambda t^2 / (2R) & t \\le R \\\\
                   \\lambda (t - R/2) & t > R \\end{cases}
        """
        rate, ramp = self.rate_per_month, self.ramp_up_months
        if ramp == 0:
            return g / rate
        return np.where(g <= rate * ramp / 2, np.sqrt(2 * ramp * g / rate), g / rate + ramp / 2)


class DropoutSpec(_Section):
    """Dropout (leaving follow-up event-free): exponential, with ``proportion`` of patients
    lost by ``by_month`` in the absence of an event (0: no dropout)."""

    proportion: float = plausible(0, 1, high_open=True, default=0.0)
    by_month: float = plausible(0, _MAX_TRIAL_MONTHS, _MONTHS, low_open=True, default=24.0)

    @property
    def rate(self) -> float:
        return -math.log1p(-self.proportion) / self.by_month


class AnalysisSpec(_Section):
    """When and how the final analysis is done.

    ``timing``: ``min_followup`` (``months`` after the last enrolment; 24 = the SAP's final
    analysis when every patient's 24-month status is known) or ``calendar`` (``months`` after
    accrual opened). ``landmark_months``: the binary endpoint's and the KM landmark (24).
    ``alpha``: one-sided level of the KM landmark and log-rank tests. ``methods``: any of
    ``binary``, ``km_landmark``, ``logrank``.
    """

    timing: Literal["min_followup", "calendar"] = "min_followup"
    months: float = plausible(0, _MAX_TRIAL_MONTHS, _MONTHS, low_open=True, default=24.0)
    landmark_months: float = plausible(0, _MAX_TRIAL_MONTHS, _MONTHS, low_open=True, default=24.0)
    alpha: float = plausible(0, 0.5, low_open=True, high_open=True, default=0.05)
    methods: list[Method] = Field(default_factory=lambda: list(METHODS), min_length=1)

    @model_validator(mode="after")
    def _unique_methods(self) -> AnalysisSpec:
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods must not repeat; received {self.methods}")
        return self


class Scenario(_Section):
    """One what-if: the design, the true EFS, accrual, dropout and the final analysis."""

    # Words of letters, digits and ``_ . - =`` separated by single spaces: a grid point's name
    # (``efs=0.30 n=50 rate=1.8 pause=on``) is readable and still safe in a CSV, SVG or path.
    name: str = Field(
        min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.=\-]+( [A-Za-z0-9_.=\-]+)*$"
    )
    description: str = ""
    design: DesignSpec
    efs: EFS
    accrual: AccrualSpec
    dropout: DropoutSpec = DropoutSpec()
    analysis: AnalysisSpec = AnalysisSpec()
    # Set by the grid expansion, never read from the file:
    # (grid name, ((label, value), ...), ((label, key), ...)).
    _grid: tuple[str, tuple[tuple[str, Any], ...], tuple[tuple[str, str], ...]] | None = (
        PrivateAttr(default=None)
    )

    @property
    def grid(self) -> str | None:
        """The name of the grid this scenario is a point of (``None``: a listed scenario)."""
        return None if self._grid is None else self._grid[0]

    @property
    def grid_point(self) -> dict[str, Any]:
        """This point's value on each grid axis, by axis label (e.g. ``{"efs": 0.3, "n": 50,
        "rate": 1.8, "pause": True}``); empty for a listed scenario."""
        return {} if self._grid is None else dict(self._grid[1])

    @property
    def grid_keys(self) -> dict[str, str]:
        """The key each grid axis varies, by axis label (e.g. ``{"efs": "efs.two_year", "n":
        "design"}``); empty for a listed scenario."""
        return {} if self._grid is None else dict(self._grid[2])

    @property
    def true_efs_landmark(self) -> float:
        """The true :math:`S(L)` at the landmark (the 2-year EFS rate)."""
        return float(self.efs.survival(self.analysis.landmark_months))

    @property
    def p_success(self) -> float:
        """Probability that a patient is a binary success given full follow-up:
        event-free and not lost at the landmark, :math:`S(L)\\,e^{-\\delta L}`."""
        landmark = self.analysis.landmark_months
        return self.true_efs_landmark * math.exp(-self.dropout.rate * landmark)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

_MERGED_SECTIONS = ("accrual", "dropout", "analysis")


def _merge(defaults: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in scenario.items():
        base = merged.get(key)
        if key in _MERGED_SECTIONS and isinstance(base, dict) and isinstance(value, dict):
            merged[key] = {**base, **value}
        else:
            merged[key] = value
    efs = merged.get("efs")
    if isinstance(efs, dict) and "distribution" not in efs:
        merged["efs"] = {"distribution": "exponential", **efs}
    return merged


def _describe(error: ValidationError, where: str) -> list[str]:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(scenario)"
        if item["type"] == "missing":
            lines.append(f"  {where}: {key}: required key is missing.")
        elif item["type"] == "extra_forbidden":
            lines.append(f"  {where}: {key}: unknown key. Hint: check the spelling.")
        else:
            received = item.get("input")
            shown = "" if isinstance(received, dict | list) else f" = {received!r}"
            number = describe_number_error(Scenario, item)
            text = number or item["msg"].removeprefix("Value error, ")
            lines.append(f"  {where}: {key}{shown}: {text}")
    return lines


# --------------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------------

#: Most scenarios one file may describe, listed and grid points together. Checked from the axis
#: lengths before anything is expanded: 1,000 scenarios at 20,000 replicates are already hours
#: of simulation, and a typo (an extra axis) must be a message, not a job that never ends.
MAX_SCENARIOS = 1_000

_SECTIONS = ("design", "efs", "accrual", "dropout", "analysis")
#: Sections that may be varied as a whole (a list of mappings); the others only key by key.
_WHOLE_SECTIONS = ("design", "efs")
#: Short axis labels used in grid-point names; any other key is labelled by its last part.
_SHORT_LABELS = {
    "design": "n",
    "efs.two_year": "efs",
    "efs.median_months": "median",
    "accrual.rate_per_month": "rate",
    "accrual.pause_for_stage1": "pause",
    "accrual.ramp_up_months": "ramp",
    "dropout.proportion": "dropout",
    "analysis.months": "followup",
}
_RULE_KEYS = ("n1", "r1", "n", "r")
_GRID_KEYS = ("name", "description", "vary", *_SECTIONS)


def _section_keys(section: str) -> set[str]:
    if section == "efs":
        models = (ExponentialEFS, WeibullEFS, PiecewiseExponentialEFS, CureMixtureEFS)
        return {key for model in models for key in model.model_fields} - {"distribution"}
    model = {"design": DesignSpec, "accrual": AccrualSpec, "dropout": DropoutSpec}.get(
        section, AnalysisSpec
    )
    return set(model.model_fields)


@dataclass(frozen=True)
class _Axis:
    key: str  # "efs.two_year", or a whole section: "design"
    label: str  # in names and as the column of the results table
    values: tuple[Any, ...]  # what is put in the scenario
    coordinates: tuple[Any, ...]  # the point's value on the axis (design: its n)
    shown: tuple[str, ...]  # the value as written in the name


def axis_decimals(value: float) -> int:
    """Decimals needed to write ``value`` as given (0.25: 2, 1.0: 0); an axis uses its maximum."""
    text = repr(float(value))
    return 0 if "e" in text or text.endswith(".0") else len(text.split(".")[1])


def _axis(key: str, values: list[Any]) -> _Axis:
    """Label and show the values of one valid axis."""
    label = _SHORT_LABELS.get(key, key.rsplit(".", 1)[-1])
    if key == "design":
        ns = [value.get("n") for value in values]
        if all(isinstance(n, int) for n in ns) and len(set(ns)) == len(ns):
            return _Axis(key, "n", tuple(values), tuple(ns), tuple(str(n) for n in ns))
        index = tuple(range(1, len(values) + 1))
        return _Axis(key, "design", tuple(values), index, tuple(str(i) for i in index))
    if key == "efs":
        index = tuple(range(1, len(values) + 1))
        return _Axis(key, "efs", tuple(values), index, tuple(str(i) for i in index))
    if all(isinstance(value, bool) for value in values):
        shown = tuple("on" if value else "off" for value in values)
    elif all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
        # One number of decimals per axis, so 0.2, 0.25, 0.3 read 0.20, 0.25, 0.30.
        places = max(axis_decimals(value) for value in values)
        shown = tuple(f"{value:.{places}f}" for value in values)
    else:
        shown = tuple(str(value) for value in values)
    return _Axis(key, label, tuple(values), tuple(values), shown)


def _check_axis(key: Any, values: Any, where: str, design: Any) -> str | None:
    """A problem with one ``vary`` entry, or ``None``. ``design`` is the design section the
    grid's points inherit (the grid's own, else the default)."""
    at = f"{where}.vary.{key}"
    if not isinstance(key, str):
        return f"  {where}.vary: {key!r}: an axis must be a key such as efs.two_year."
    section, _, field = key.partition(".")
    if section not in _SECTIONS:
        return (
            f"  {at}: unknown section {section!r}; an axis is design, efs or section.key "
            f"with section one of {', '.join(_SECTIONS)}."
        )
    if not field and section not in _WHOLE_SECTIONS:
        example = sorted(_section_keys(section))[0]
        return f"  {at}: vary one key of {section}, e.g. {section}.{example}."
    if field and field not in _section_keys(section):
        return (
            f"  {at}: unknown key {field!r} of {section}; allowed: "
            f"{', '.join(sorted(_section_keys(section)))}. Hint: check the spelling."
        )
    # n alone may vary over an inherited Simon search (the best rule at each n is searched);
    # over an inherited rule it would silently keep that rule's r1, n1 and r at another n.
    searched = isinstance(design, dict) and "p1" in design
    if section == "design" and field in _RULE_KEYS and not (field == "n" and searched):
        return (
            f"  {at}: a design with another {field} needs its own rule. Give the grid (or "
            "defaults) design as a Simon search, e.g. design: {p0: 0.2, p1: 0.4, alpha: 0.05, "
            "power: 0.8}, to vary design.n and get the best rule at each n; or vary 'design' "
            "with the full rule per value, e.g. design: [{p0: 0.2, n1: 13, r1: 3, n: 43, "
            "r: 12}, {p0: 0.2, n1: 13, r1: 3, n: 50, r: 14}]."
        )
    if not isinstance(values, list) or not values:
        return f"  {at}: must be a non-empty list of values; received {_shown(values)}."
    if len(values) > MAX_SCENARIOS:
        return (
            f"  {at}: {len(values):,} values; a file describes at most {MAX_SCENARIOS:,} "
            "scenarios (MAX_SCENARIOS). Hint: use fewer values per axis or split the file."
        )
    if field:
        bad = [v for v in values if not isinstance(v, bool | int | float | str)]
        if bad:
            return (
                f"  {at}: values must be numbers, true/false or words; received {_shown(bad[0])}."
            )
    elif not all(isinstance(v, dict) for v in values):
        return f"  {at}: each value must be a mapping (a whole {section} section)."
    counts = Counter(repr(v) for v in values)
    repeated = [(text, k) for text, k in counts.items() if k > 1]
    if repeated:
        listed = ", ".join(f"{_shown(text, raw=True)} ({k} times)" for text, k in repeated[:5])
        more = f" and {len(repeated) - 5:,} more" if len(repeated) > 5 else ""
        return f"  {at}: values must not repeat; repeated: {listed}{more}."
    return None


#: Longest echo of a value in a message (a 245,000-value axis was echoed whole, 1.2 MB).
_ECHO_CHARS = 80


def _shown(value: Any, raw: bool = False) -> str:
    text = value if raw else repr(value)
    return (
        text if len(text) <= _ECHO_CHARS else f"{text[:_ECHO_CHARS]}... ({len(text):,} characters)"
    )


def _grid_axes(
    grid: Any, where: str, problems: list[str], defaults: dict[str, Any]
) -> list[_Axis] | None:
    """The axes of one ``grids`` entry (``None`` when it is invalid; problems appended)."""
    if not isinstance(grid, dict):
        problems.append(f"  {where}: must be a mapping with 'vary' (and name, sections).")
        return None
    found = len(problems)
    unknown = sorted(str(key) for key in set(grid) - set(_GRID_KEYS))
    if unknown:
        problems.append(
            f"  {where}: {', '.join(unknown)}: unknown key(s); allowed: {', '.join(_GRID_KEYS)}."
        )
    name = grid.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(f"  {where}.name: must be a word; received {name!r}.")
    vary = grid.get("vary")
    if not isinstance(vary, dict) or not vary:
        problems.append(
            f"  {where}.vary: required, a mapping of axis -> list of values, "
            "e.g. {efs.two_year: [0.2, 0.3], accrual.rate_per_month: [1.0, 1.8]}."
        )
        return None
    design = grid.get("design", defaults.get("design"))
    for key, values in vary.items():
        problem = _check_axis(key, values, where, design)
        if problem:
            problems.append(problem)
    if len(problems) > found:
        return None
    axes = [_axis(key, values) for key, values in vary.items()]
    labels = [axis.label for axis in axes]
    # Two axes with one short label (efs.two_year and efs as a whole): use their full keys.
    return [
        axis if labels.count(axis.label) == 1 else replace(axis, label=axis.key) for axis in axes
    ]


def _grid_points(
    grid: dict[str, Any], axes: list[_Axis], defaults: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], tuple[tuple[str, Any], ...], tuple[tuple[str, str], ...]]]:
    """Each point of the grid's product, as a scenario entry (before defaults are merged) and
    its coordinates. Only the varied keys are set: everything else comes from the grid's own
    sections and then ``defaults``."""
    prefix = grid.get("name")
    base = {key: grid[key] for key in _SECTIONS if key in grid}
    for combination in itertools.product(*(range(len(axis.values)) for axis in axes)):
        words = [f"{axis.label}={axis.shown[i]}" for axis, i in zip(axes, combination, strict=True)]
        entry: dict[str, Any] = {
            "name": " ".join([prefix, *words] if prefix else words),
            "description": grid.get("description", ""),
            **base,
        }
        for axis, i in zip(axes, combination, strict=True):
            section, _, field = axis.key.partition(".")
            value = axis.values[i]
            if not field:
                entry[section] = value
            elif section in _WHOLE_SECTIONS:
                # design and efs are whole sections: the varied key goes into the inherited one.
                inherited = entry.get(section, defaults.get(section))
                entry[section] = {
                    **(inherited if isinstance(inherited, dict) else {}),
                    field: value,
                }
            else:
                entry[section] = {**(entry.get(section) or {}), field: value}
        coordinates = tuple(
            (axis.label, axis.coordinates[i]) for axis, i in zip(axes, combination, strict=True)
        )
        yield entry, coordinates, tuple((axis.label, axis.key) for axis in axes)


def _resolve_once(
    design: DesignSpec,
    where: str,
    in_grid: bool,
    problems: list[str],
    failed: dict[tuple[str, DesignSpec], list[int]],
) -> bool:
    """Resolve a scenario's design when the file is read, so that a search with no solution
    rejects the file before any simulation. A design that fails is reported once per grid,
    at its first point; the other points sharing it are counted in that message."""
    try:
        design.resolve()
    except (OsteoStatsError, ValueError) as exc:
        key = (where.split(" ", 1)[0] if in_grid else where, design)
        if key in failed:
            failed[key][1] += 1
            return False
        # The key that decided the search: the fixed n, else the design as a whole.
        shown = f"design.n = {design.n}" if design.n is not None else "design"
        failed[key] = [len(problems), 0]
        problems.append(f"  {where}: {shown}: {exc}")
        return False
    return True


#: At most this many invalid points of one grid are listed (the others repeat the problem).
_POINT_PROBLEMS_SHOWN = 5


def _search_seconds(design: DesignSpec) -> float:
    from osteo_stats.analyse.design import simon_search_seconds

    assert design.p1 is not None and design.alpha is not None and design.power is not None
    return simon_search_seconds(
        design.p0, design.p1, design.alpha, design.power, nmax=design.nmax or 100, n=design.n
    )


#: Longest estimated time (s, :func:`osteo_stats.analyse.design.simon_search_seconds`) of the
#: Simon searches one scenario file may ask for while it is read.
MAX_SEARCH_SECONDS = 300

#: ``progress(done, total, estimated_seconds)`` while the Simon searches of a file run.
SearchProgress = Callable[[int, int, float], None]


def parse_scenarios(
    raw: Any, source: str = "<scenarios>", progress: SearchProgress | None = None
) -> tuple[Scenario, ...]:
    """Validate a parsed scenario document (see the module docstring for the layout).

    Simon searches (a ``design`` with ``p1``) run here, once per distinct design, after their
    total time is estimated: more than :data:`MAX_SEARCH_SECONDS` is refused before any
    search; ``progress`` is called before the first and after each.

    Raises
    ------
    ScenarioError
        Listing every problem, each with the scenario (or grid) and key.
    """
    if not isinstance(raw, dict):
        raise ScenarioError(
            f"{source}: expected a mapping with 'scenarios' and/or 'grids' (and 'defaults')."
        )
    problems: list[str] = []
    unknown = sorted(set(raw) - {"defaults", "scenarios", "grids"})
    if unknown:
        problems.append(
            f"  {', '.join(unknown)}: unknown top-level key(s); allowed: defaults, scenarios, "
            "grids."
        )
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("  defaults: must be a mapping of sections.")
        defaults = {}
    bad_defaults = sorted(set(defaults) - set(Scenario.model_fields) - {"name"})
    if bad_defaults:
        problems.append(f"  defaults: unknown section(s) {', '.join(bad_defaults)}.")
    grids = raw.get("grids")
    if grids is not None and (not isinstance(grids, list) or not grids):
        problems.append("  grids: must be a non-empty list of grids (each with 'vary').")
        grids = None
    entries = raw.get("scenarios")
    if entries is None and grids:
        entries = []
    elif not isinstance(entries, list) or not entries:
        problems.append("  scenarios: required (unless grids are given), a non-empty list.")
        entries = []

    expanded: list[tuple[str, dict[str, Any], Any]] = []
    grid_axes = [
        _grid_axes(grid, f"grids[{g}]", problems, defaults) for g, grid in enumerate(grids or [])
    ]
    total = len(entries) + sum(
        math.prod(len(axis.values) for axis in axes) for axes in grid_axes if axes
    )
    if total > MAX_SCENARIOS:
        sizes = " + ".join(
            " x ".join(str(len(axis.values)) for axis in axes) for axes in grid_axes if axes
        )
        raise ScenarioError(
            f"{source}: grids: the file describes {total:,} scenarios ({len(entries)} listed + "
            f"grid points {sizes}); at most {MAX_SCENARIOS:,} (MAX_SCENARIOS). Hint: use fewer "
            "values per axis or split the file."
        )

    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        expanded.append((f"scenarios[{i}]" + (f" {name!r}" if name else ""), entry, None))
    for g, axes in enumerate(grid_axes):
        if axes:
            for entry, coordinates, keys in _grid_points(grids[g], axes, defaults):
                grid_name = grids[g].get("name") or f"grids[{g}]"
                where = f"grids[{g}] point {entry['name']!r}"
                expanded.append((where, entry, (grid_name, coordinates, keys)))

    scenarios: list[Scenario] = []
    validated: list[tuple[str, Scenario, bool]] = []
    # Designs no rule satisfies: (grid, design) -> (index in problems, other points with it).
    failed: dict[tuple[str, DesignSpec], list[int]] = {}
    seen: dict[str, str] = {}
    bad_points: dict[str, int] = {}
    for where, entry, grid_point in expanded:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            problems.append(f"  {where}: must be a mapping (name, design, efs, ...).")
            continue
        if isinstance(name, str) and name in seen:
            problems.append(
                f"  {where}: name: {name!r} is already used by {seen[name]}; names must be unique."
            )
        if isinstance(name, str):
            seen.setdefault(name, where.split(" ", 1)[0])
        try:
            scenario = Scenario.model_validate(_merge(defaults, entry))
        except ValidationError as exc:
            if grid_point is not None:
                grid = where.split(" ", 1)[0]
                bad_points[grid] = bad_points.get(grid, 0) + 1
                if bad_points[grid] > _POINT_PROBLEMS_SHOWN:
                    continue
            problems.extend(_describe(exc, where))
            continue
        if grid_point is not None:
            scenario._grid = grid_point
        validated.append((where, scenario, grid_point is not None))
    # Simon searches run when the file is read (a rule no design meets rejects the file before
    # any simulation): estimate them first, refuse what would run for too long, then search
    # with progress (issue 24: 100 values of design.p1 x 10 EFS values were an hour of silence).
    searches = list(dict.fromkeys(s.design for _, s, _ in validated if s.design.searched))
    estimate = sum(_search_seconds(design) for design in searches)
    if estimate > MAX_SEARCH_SECONDS:
        problems.append(
            f"  design: the file asks for {len(searches):,} distinct Simon searches, estimated "
            f"at {estimate:,.0f} s; at most {MAX_SEARCH_SECONDS:,} s (MAX_SEARCH_SECONDS). "
            "Hint: fewer design.n or design.p1 values, a smaller nmax, or give the rules "
            "(n1, r1, n, r) directly."
        )
        validated = []
    elif progress is not None and searches:
        progress(0, len(searches), estimate)
    done: set[DesignSpec] = set()
    for where, scenario, in_grid in validated:
        if _resolve_once(scenario.design, where, in_grid, problems, failed):
            scenarios.append(scenario)
        if progress is not None and scenario.design.searched and scenario.design not in done:
            done.add(scenario.design)
            progress(len(done), len(searches), estimate)
    for (grid, _), (index, others) in failed.items():
        if others:
            points = "1 other point" if others == 1 else f"{others} other points"
            has = "has" if others == 1 else "have"
            problems[index] += f" ({points} of {grid} {has} this design.)"
    for grid, count in bad_points.items():
        if count > _POINT_PROBLEMS_SHOWN:
            problems.append(
                f"  {grid}: {count - _POINT_PROBLEMS_SHOWN} more invalid point(s), not listed."
            )
    if problems:
        raise ScenarioError(
            f"{source}: the scenario file is invalid ({len(problems)} problem(s))\n"
            + "\n".join(problems)
        )
    return tuple(scenarios)


def load_scenarios(
    path: str | Path, progress: SearchProgress | None = None
) -> tuple[Scenario, ...]:
    """Read and validate a scenario YAML file (``progress``: see :func:`parse_scenarios`).

    Raises
    ------
    ScenarioError
        The file is missing, a directory, unreadable, empty, not UTF-8, not acceptable YAML
        (anchors, aliases and duplicate keys are refused) or invalid; the message names every
        bad key.
    """
    path = Path(path)
    try:
        raw = load_config_yaml(path)
    except ConfigFileError as exc:
        raise ScenarioError(f"{path}: scenario file: {exc}") from None
    return parse_scenarios(raw, source=str(path), progress=progress)
