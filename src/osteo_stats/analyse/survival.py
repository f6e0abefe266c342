"""Time-to-event statistics: Kaplan-Meier, reverse-KM follow-up, log-rank tests and Cox models.

Arrays go in (or, with ``data=`` a DataFrame, the names of its columns: the same rule for
:func:`kaplan_meier`, :func:`logrank_test` and :func:`cox_regression`); a frozen result comes
out, whose test statistic is ``statistic`` and p-value ``p_value``. The reference
implementation that every function here follows, and is tested against, is R's ``survival``
package (3.5): ``survfit`` / ``summary.survfit`` / ``quantile.survfit`` for the Kaplan-Meier
estimate, ``survdiff`` for the log-rank test and ``coxph(ties = "efron")`` for the Cox model.
Where R returns ``NA`` these functions return ``NaN``; where R returns a number they return
the same number (to 1e-6 on the reference cases in ``tests/test_survival.py``).

Conventions (see each function for the details)

* ``event`` is an event indicator: 1 (or ``True``) = event, 0 = censored. ADaM's ``CNSR`` is
  the opposite; convert it once, before calling these functions.
* Events at a time ``t`` precede censorings at ``t``: a patient censored at ``t`` is at risk
  for the events at ``t`` (R, SAS and the usual Kaplan-Meier convention).
* ``std_err`` is the standard error of :math:`\\hat S(t)` (Greenwood), as in
  ``summary.survfit``; R's ``survfit(...)$std.err`` is the standard error of
  :math:`-\\log \\hat S(t)` instead.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "CONF_TYPES",
    "LANDMARK_COLUMNS",
    "TABLE_COLUMNS",
    "ChiSquareTest",
    "CoxResult",
    "ExponentialControl",
    "FollowUpResult",
    "KaplanMeierResult",
    "LogrankResult",
    "OneSampleLogrankResult",
    "SurvivalQuantile",
    "cox_regression",
    "kaplan_meier",
    "logrank_test",
    "one_sample_logrank",
    "reverse_km_followup",
]

ConfType = Literal["log-log", "log", "plain"]

CONF_TYPES: tuple[str, ...] = ("log-log", "log", "plain")
"""Names accepted by :func:`kaplan_meier` ``conf_type``; the first is the default (SAP 7.1)."""

# quantile.survfit's default tolerance for "the curve is exactly at 1 - p":
# sqrt(.Machine$double.eps).
_R_QUANTILE_TOLERANCE = math.sqrt(np.finfo(float).eps)

TABLE_COLUMNS: tuple[str, ...] = (
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "std_err",
    "lower",
    "upper",
)
LANDMARK_COLUMNS: tuple[str, ...] = ("time", "surv", "std_err", "lower", "upper", "n_risk")


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value for an error message: numpy scalars shown as plain Python values."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _as_time(time: Any, name: str = "time") -> np.ndarray:
    try:
        values = np.asarray(time, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be numeric; could not convert the values received to numbers ({exc}). "
            f"Pass a 1-D array of non-negative durations."
        ) from None
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be 1-dimensional; received an array of shape {values.shape}. "
            f"Pass one duration per patient."
        )
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name} must be finite and >= 0; {bad.size} value(s) are not, first at row {i} "
            f"(value {_show(values[i])}). Remove or correct these rows before the analysis."
        )
    return values


def _as_event(event: Any, n: int) -> np.ndarray:
    raw = np.asarray(event)
    if raw.ndim != 1:
        raise ValueError(
            f"event must be 1-dimensional; received an array of shape {raw.shape}. "
            f"Pass one 0/1 event indicator per patient."
        )
    if raw.shape[0] != n:
        raise ValueError(
            f"time and event must have the same length; received {n} times and "
            f"{raw.shape[0]} event indicators."
        )
    try:
        values = raw.astype(float)
    except (TypeError, ValueError):
        raise ValueError(
            "event must be 0/1 or boolean (1 = event, 0 = censored); received non-numeric "
            f"values such as {raw[:3].tolist()!r}. Note ADaM CNSR is the opposite (1 = censored): "
            "use event = 1 - CNSR."
        ) from None
    bad = np.flatnonzero((values != 0) & (values != 1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"event must be 0/1 or boolean (1 = event, 0 = censored); {bad.size} value(s) are "
            f"not, first at row {i} (value {_show(raw[i])}). Note ADaM CNSR is the opposite "
            "(1 = censored): use event = 1 - CNSR."
        )
    return values.astype(np.int64)


def _time_event(time: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    t = _as_time(time)
    if t.size == 0:
        raise ValueError("time is empty; a survival estimate needs at least one patient.")
    return t, _as_event(event, t.size)


def _check_conf(conf_level: float, conf_type: str) -> float:
    if conf_type not in CONF_TYPES:
        raise ValueError(
            f"Unknown conf_type {conf_type!r}; allowed: {', '.join(map(repr, CONF_TYPES))}."
        )
    if not isinstance(conf_level, numbers.Real) or not 0 < float(conf_level) < 1:
        raise ValueError(f"conf_level must be a number in (0, 1); received {conf_level!r}.")
    return float(stats.norm.ppf(1 - (1 - float(conf_level)) / 2))


def _readonly(values: np.ndarray) -> np.ndarray:
    values = np.array(values, copy=True)
    values.flags.writeable = False
    return values


def _from_data(func: str, data: pd.DataFrame | None, **arrays: Any) -> list[Any]:
    """The one rule for array arguments of :func:`kaplan_meier`, :func:`logrank_test` and
    :func:`cox_regression`: arrays, or, with ``data=`` a frame, the names of its columns."""
    if data is None:
        named = [name for name, value in arrays.items() if isinstance(value, str)]
        if named:
            raise ValueError(
                f"{func}: {', '.join(named)} given as column name(s) "
                f"({', '.join(repr(arrays[n]) for n in named)}) but no data= frame; pass "
                "data=<DataFrame>, or pass the values themselves."
            )
        return list(arrays.values())
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            f"{func}: data must be a pandas DataFrame; received {type(data).__name__}."
        )
    resolved = []
    for name, value in arrays.items():
        if not isinstance(value, str):
            raise ValueError(
                f"{func}: with data=, {name} must be a column name; received "
                f"{type(value).__name__}."
            )
        if value not in data.columns:
            raise ValueError(
                f"{func}: column {value!r} ({name}) not found in data; available: "
                f"{list(data.columns)}."
            )
        resolved.append(data[value].to_numpy())
    return resolved


# --------------------------------------------------------------------------------------------
# Kaplan-Meier
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalQuantile:
    """A quantile of the survival-time distribution, with its Brookmeyer-Crowley CI.

    Attributes
    ----------
    probability : float
        The quantile level ``p`` (not a p-value): the ``p`` quantile is the time by which a
        fraction ``p`` has had the event, i.e. where :math:`\\hat S(t)` crosses :math:`1 - p`
        (``p = 0.5``: the median).
    estimate, lower, upper : float
        The quantile and its confidence limits. ``NaN`` when not reached (the curve, or the
        confidence band, never falls to :math:`1 - p`); this is a fact, not an error.
    conf_level : float
        Two-sided confidence level of ``lower``/``upper``.
    conf_type : str
        Scale of the pointwise survival CI whose crossings give ``lower``/``upper``.
    """

    probability: float
    estimate: float
    lower: float
    upper: float
    conf_level: float
    conf_type: str

    @property
    def reached(self) -> bool:
        """Whether the point estimate was reached (``estimate`` is not ``NaN``)."""
        return not math.isnan(self.estimate)


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """The Kaplan-Meier estimate of one survival curve (see :func:`kaplan_meier`).

    The curve is stored as read-only arrays, one element per distinct observed time; the
    :attr:`table` property presents them as a DataFrame (a new one on each access).

    Attributes
    ----------
    n : int
        Number of patients.
    n_events : int
        Number of events.
    conf_level : float
        Two-sided confidence level of the pointwise CI.
    conf_type : str
        One of :data:`CONF_TYPES`.
    time, n_risk, n_event, n_censor, surv, std_err, lower, upper : numpy.ndarray
        Columns of :attr:`table`.
    std_err_log : numpy.ndarray
        Greenwood standard error of :math:`-\\log \\hat S(t)` (R's ``survfit(...)$std.err``);
        ``inf`` where :math:`\\hat S(t) = 0`. The CIs are computed from it.
    """

    n: int
    n_events: int
    conf_level: float
    conf_type: str
    time: np.ndarray = field(repr=False)
    n_risk: np.ndarray = field(repr=False)
    n_event: np.ndarray = field(repr=False)
    n_censor: np.ndarray = field(repr=False)
    surv: np.ndarray = field(repr=False)
    std_err: np.ndarray = field(repr=False)
    std_err_log: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """One row per distinct time (event or censoring), in increasing time.

        Columns: ``time``; ``n_risk`` (number with follow-up :math:`\\ge t`); ``n_event``;
        ``n_censor``; ``surv`` (:math:`\\hat S(t)`, right-continuous: it includes the events at
        ``t``); ``std_err`` (Greenwood standard error of :math:`\\hat S(t)`, as in
        ``summary.survfit``); ``lower``/``upper`` (pointwise CI on the ``conf_type`` scale).
        ``NaN`` exactly where R has ``NA``: ``std_err``, ``lower`` and ``upper`` where
        :math:`\\hat S = 0`, and for ``log-log`` also ``lower``/``upper`` where
        :math:`\\hat S = 1`.
        """
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "surv": self.surv,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            },
            columns=list(TABLE_COLUMNS),
        )

    @property
    def median(self) -> SurvivalQuantile:
        """The median survival time with its CI: ``quantile(0.5)``."""
        return self.quantile(0.5)

    def quantile(self, p: float) -> SurvivalQuantile:
        """The ``p`` quantile of survival time with the Brookmeyer-Crowley confidence interval.

        Follows R's ``quantile.survfit`` exactly. The estimate is the first time at which
        the curve falls below :math:`1 - p`:

        .. math::

            \\hat t_p = \\min\\{t : \\hat S(t) < 1 - p\\},

        except where :math:`\\hat S(t) = 1 - p` exactly (within
        :math:`\\sqrt{\\epsilon} \\approx 1.5 \\times 10^{-8}`) on a flat segment
        :math:`[t_j, t_{j+1})`: then :math:`\\hat t_p = (t_j + t_{j+1})/2`, the midpoint of the
        segment, and if the curve stays at :math:`1 - p` to the end of follow-up,
        :math:`t_{j+1}` is the last observed time. SAS PROC LIFETEST's definition
        :math:`\\tfrac12(\\inf\\{t: 1-\\hat S(t) \\ge p\\} + \\sup\\{t: 1-\\hat S(t) \\le p\\})`
        gives the same midpoint for an interior flat segment.

        The confidence limits (Brookmeyer & Crowley 1982) are the same rule applied to the
        pointwise lower and upper confidence curves: ``lower`` is where the lower curve
        crosses :math:`1 - p`, ``upper`` where the upper curve does. Hence they use the same
        ``conf_type`` scale as the curve's CI. Anything not reached is ``NaN``.

        Parameters
        ----------
        p : float
            Probability in (0, 1); 0.5 for the median, 0.25 and 0.75 for the quartiles
            (the 0.25 quantile is the time by which 25% have had the event).

        Returns
        -------
        SurvivalQuantile
        """
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < float(p) < 1:
            raise ValueError(f"p must be a number strictly between 0 and 1; received {p!r}.")
        p = float(p)
        x = np.concatenate(([0.0], self.time))
        estimate = _r_findq(x, np.concatenate(([0.0], 1 - self.surv)), p)
        lower = _r_findq(x, np.concatenate(([0.0], 1 - self.lower)), p)
        upper = _r_findq(x, np.concatenate(([0.0], 1 - self.upper)), p)
        return SurvivalQuantile(
            probability=p,
            estimate=estimate,
            lower=lower,
            upper=upper,
            conf_level=self.conf_level,
            conf_type=self.conf_type,
        )

    def survival_at(self, times: ArrayLike) -> pd.DataFrame:
        """The survival estimate at landmark times, with CI and the number at risk.

        Follows R's ``summary(fit, times = times)``: :math:`\\hat S` is the step function
        evaluated at :math:`t` (including events at :math:`t`), with the ``std_err`` and CI of
        the last row at or before :math:`t`; ``n_risk`` is the number of patients with
        follow-up :math:`\\ge t`. Before the first observed time the estimate is 1 with
        ``std_err`` 0 and ``lower = upper = 1`` (R adds this time-0 row for every
        ``conf_type``; for ``log-log`` the table's own rows with :math:`\\hat S = 1` have
        ``NaN`` limits, as in R).

        A landmark after the last observed time is not evaluable: ``surv``, ``std_err``,
        ``lower`` and ``upper`` are ``NaN`` and ``n_risk`` is 0; nothing is carried forward.
        (R's ``summary(..., extend = FALSE)`` drops such times; this returns the row so that
        every requested landmark has one.) This holds even when the curve has dropped to 0.

        Parameters
        ----------
        times : array-like of float
            Landmark times (>= 0), in the same unit as the data. Rows come back in the order
            given.

        Returns
        -------
        pandas.DataFrame
            Columns ``time, surv, std_err, lower, upper, n_risk``; one row per landmark.
        """
        t = _as_time(np.atleast_1d(np.asarray(times, dtype=object)).ravel(), name="times")
        # Rows at or before each landmark (0 = before the first observed time).
        row = np.searchsorted(self.time, t, side="right")
        before_first = row == 0
        idx = np.maximum(row - 1, 0)
        surv = np.where(before_first, 1.0, self.surv[idx])
        std_err = np.where(before_first, 0.0, self.std_err[idx])
        lower = np.where(before_first, 1.0, self.lower[idx])
        upper = np.where(before_first, 1.0, self.upper[idx])
        beyond = t > self.time[-1]
        for column in (surv, std_err, lower, upper):
            column[beyond] = np.nan
        # Number at risk at t = number with follow-up >= t = n_risk at the first time >= t.
        first_at_or_after = np.searchsorted(self.time, t, side="left")
        n_risk = np.concatenate((self.n_risk, [0]))[first_at_or_after]
        return pd.DataFrame(
            {
                "time": t,
                "surv": surv,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
                "n_risk": n_risk.astype(np.int64),
            },
            columns=list(LANDMARK_COLUMNS),
        )


def _r_findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R's ``survival:::findq`` for one probability (used by ``quantile.survfit``).

    ``x`` are times (with the start time 0 prepended), ``y`` the cumulative distribution
    :math:`1 - S` on the same rows (with 0 prepended); ``y`` may contain ``NaN`` (an ``NA``
    confidence limit) and need not be monotone (a ``plain`` upper limit can rise). The
    steps below are R's, including its handling of those two cases: keep the first row of
    each distinct ``y`` value, drop ``NaN`` rows, and use ``approx(method = "constant",
    f = 1)`` on the sorted values.
    """
    tol = _R_QUANTILE_TOLERANCE
    finite = ~np.isnan(y)
    if not finite.any() or np.max(y[finite]) < p:
        return math.nan
    x_max = x[-1]
    # duplicated(y) with NA == NA; the first occurrence of every value, in original order.
    _, first = np.unique(y, return_index=True, equal_nan=True)
    keep = np.sort(first)
    xd, yd = x[keep], y[keep]
    last_y = yd[-1]
    ok = ~np.isnan(yd)
    xd, yd = xd[ok], yd[ok]
    order = np.argsort(yd, kind="stable")
    xs, ys = xd[order], yd[order]

    def step(shifted: np.ndarray) -> float:
        # approx(shifted, 1:n, p, method = "constant", f = 1): the knot at p if p is a knot,
        # else the right-hand knot of the interval holding p; NA outside the knots.
        if p < shifted[0] or p > shifted[-1]:
            return math.nan
        k = int(np.searchsorted(shifted, p, side="left"))
        return float(xs[k])

    lo = step(ys + tol)
    hi = step(ys - tol)
    quant = (lo + hi) / 2
    if not math.isnan(last_y) and abs(p - last_y) < tol:
        quant = (lo + x_max) / 2
    return float(quant)


def _km_confint(
    surv: np.ndarray, se_log: np.ndarray, z: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI for S(t) as R's ``survival:::survfit_confint`` (``logse = TRUE``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = z * se_log * surv
            lower = np.maximum(surv - half, 0.0)
            upper = np.minimum(surv + half, 1.0)
        elif conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lower = np.exp(np.log(xx) - z * se_log)
            upper = np.minimum(np.exp(np.log(xx) + z * se_log), 1.0)
        else:  # log-log
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            half = z * se_log / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + half))
    return lower, upper


def kaplan_meier(
    time: ArrayLike | str,
    event: ArrayLike | str,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
    *,
    data: pd.DataFrame | None = None,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with Greenwood standard errors and pointwise confidence limits.

    At the distinct observed times :math:`t_1 < \\dots < t_m` (events or censorings), with
    :math:`n_j` at risk (follow-up :math:`\\ge t_j`) and :math:`d_j` events,

    .. math::

        \\hat S(t) = \\prod_{t_j \\le t} \\Bigl(1 - \\frac{d_j}{n_j}\\Bigr), \\qquad
        \\sigma^2(t) = \\sum_{t_j \\le t} \\frac{d_j}{n_j (n_j - d_j)}, \\qquad
        \\operatorname{se}\\{\\hat S(t)\\} = \\hat S(t)\\, \\sigma(t),

    where :math:`\\sigma(t)` is the Greenwood standard error of :math:`-\\log \\hat S(t)`.
    With :math:`z = \\Phi^{-1}(1 - (1 - \\text{conf\\_level})/2)` the limits are, as in R's
    ``survfit``:

    .. math::

        \\text{log-log:}\\quad & \\hat S(t)^{\\exp(\\pm z \\sigma(t) / |\\log \\hat S(t)|)}
        = \\exp\\bigl[-\\exp\\{\\log(-\\log \\hat S) \\pm z\\sigma / |\\log \\hat S|\\}\\bigr]
        \\text{ (+: lower, -: upper)} \\\\
        \\text{log:}\\quad & \\hat S(t) \\exp(\\pm z \\sigma(t)), \\text{ upper capped at 1} \\\\
        \\text{plain:}\\quad & \\hat S(t) (1 \\pm z \\sigma(t)), \\text{ clipped to } [0, 1]

    The limits are ``NaN`` where :math:`\\hat S(t) = 0` (all types) and, for ``log-log``,
    where :math:`\\hat S(t) = 1`, as R gives ``NA`` there.

    Parameters
    ----------
    time : array-like of float
        Follow-up time per patient, finite and :math:`\\ge 0`. Time 0 is allowed (an event at
        time 0 lowers :math:`\\hat S(0)`).
    event : array-like of {0, 1} or bool
        1 = event, 0 = censored (ADaM: ``1 - CNSR``). Events at a time precede censorings at
        the same time.
    conf_level : float, default 0.95
        Two-sided confidence level.
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Scale of the pointwise CI (R's ``conf.type``; SAS's ``CONFTYPE=LOGLOG | LOG |
        LINEAR``). The median and other quantiles use the same scale.
    data : pandas.DataFrame, optional
        When given, ``time`` and ``event`` are names of its columns (the same rule as
        :func:`logrank_test` and :func:`cox_regression`).

    Returns
    -------
    KaplanMeierResult
        With ``table``, ``median``, ``quantile(p)`` and ``survival_at(times)``.

    Raises
    ------
    ValueError
        If the inputs are empty, of different lengths, contain negative or non-finite times,
        event values other than 0/1, or an unknown ``conf_type``.

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481. Greenwood M (1926). Kalbfleisch JD, Prentice RL
    (2002), section 1.3 (log-log limits). Therneau TM, R package ``survival``, ``survfit``.
    """
    z = _check_conf(conf_level, conf_type)
    t, e = _time_event(*_from_data("kaplan_meier", data, time=time, event=event))
    n = t.size

    times, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    n_event = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    n_censor = counts - n_event
    n_risk = n - np.concatenate(([0], np.cumsum(counts)[:-1]))

    # (n - d) / n, not 1 - d / n: the same floating-point steps as R's survfitkm, so that a
    # curve that should sit exactly at 1 - p does (quantile.survfit tests for equality).
    surv = np.cumprod((n_risk - n_event) / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        increment = np.where(
            n_event > 0, n_event / (n_risk * (n_risk - n_event).astype(float)), 0.0
        )
    se_log = np.sqrt(np.cumsum(increment))  # inf once everyone at risk has had the event
    with np.errstate(invalid="ignore"):
        std_err = surv * se_log  # 0 * inf = NaN where S = 0, as summary.survfit
    lower, upper = _km_confint(surv, se_log, z, conf_type)

    return KaplanMeierResult(
        n=int(n),
        n_events=int(e.sum()),
        conf_level=float(conf_level),
        conf_type=conf_type,
        time=_readonly(times),
        n_risk=_readonly(n_risk.astype(np.int64)),
        n_event=_readonly(n_event),
        n_censor=_readonly(n_censor.astype(np.int64)),
        surv=_readonly(surv),
        std_err=_readonly(std_err),
        std_err_log=_readonly(se_log),
        lower=_readonly(lower),
        upper=_readonly(upper),
    )


# --------------------------------------------------------------------------------------------
# Median follow-up by reverse Kaplan-Meier
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FollowUpResult:
    """Median follow-up by the reverse Kaplan-Meier method (see :func:`reverse_km_followup`).

    Attributes
    ----------
    estimate, lower, upper : float
        Median follow-up and its confidence limits (``NaN`` if not reached).
    conf_level : float
        Two-sided confidence level.
    conf_type : str
        Scale of the CI, one of :data:`CONF_TYPES`.
    reverse_km : KaplanMeierResult
        The reverse Kaplan-Meier curve (censorings as events); its ``table`` is the
        "probability of still being followed" curve.
    """

    estimate: float
    lower: float
    upper: float
    conf_level: float
    conf_type: str
    reverse_km: KaplanMeierResult = field(repr=False)


def reverse_km_followup(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
) -> FollowUpResult:
    """Median follow-up time by the reverse Kaplan-Meier method (Schemper & Smith 1996).

    The event indicator is reversed: censoring becomes the "event" and an event censors
    follow-up. The median of that curve, with its Brookmeyer-Crowley CI, is the median
    potential follow-up:

    .. math::

        \\hat G(t) = \\prod_{t_j \\le t} \\Bigl(1 - \\frac{c_j}{n_j}\\Bigr), \\qquad
        \\text{median follow-up} = \\min\\{t : \\hat G(t) < 0.5\\},

    with :math:`c_j` censorings at :math:`t_j` and the flat-segment midpoint rule of
    :meth:`KaplanMeierResult.quantile`. Equivalent to R's
    ``quantile(survfit(Surv(time, 1 - status) ~ 1, conf.type = ...), 0.5)``. Note that with
    the reversed indicator, a censoring at the time of an event now comes first (the event at
    ``t`` no longer precedes it), exactly as in that R call.

    Parameters
    ----------
    time, event, conf_level, conf_type
        As for :func:`kaplan_meier` (``event``: 1 = event, 0 = censored; not reversed by you).

    Returns
    -------
    FollowUpResult

    References
    ----------
    Schemper M, Smith TL (1996). A note on quantifying follow-up in studies of failure time.
    Controlled Clinical Trials 17:343-346.
    """
    _check_conf(conf_level, conf_type)
    t, e = _time_event(time, event)
    curve = kaplan_meier(t, 1 - e, conf_level=conf_level, conf_type=conf_type)
    median = curve.median
    return FollowUpResult(
        estimate=median.estimate,
        lower=median.lower,
        upper=median.upper,
        conf_level=float(conf_level),
        conf_type=conf_type,
        reverse_km=curve,
    )


# --------------------------------------------------------------------------------------------
# One-sample log-rank test against an exponential historical control
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExponentialControl:
    """An exponential historical control, :math:`S_0(t) = e^{-\\lambda t}`.

    Attributes
    ----------
    rate : float
        The hazard :math:`\\lambda > 0`, per unit of the analysis time scale.

    Examples
    --------
    The PROMIS control, a 2-year EFS of 20% with time in months:

    >>> ExponentialControl.from_landmark(survival=0.20, landmark=24).rate  # doctest: +ELLIPSIS
    0.0670599...
    """

    rate: float

    def __post_init__(self) -> None:
        if not isinstance(self.rate, numbers.Real) or not (
            math.isfinite(self.rate) and self.rate > 0
        ):
            raise ValueError(
                f"The control hazard rate must be a finite number > 0; received {self.rate!r}."
            )

    @classmethod
    def from_landmark(cls, survival: float, landmark: float) -> ExponentialControl:
        """The exponential with :math:`S_0(\\text{landmark}) = \\text{survival}`.

        .. math:: \\lambda = -\\log(\\text{survival}) / \\text{landmark}
        """
        if not isinstance(survival, numbers.Real) or not 0 < survival < 1:
            raise ValueError(f"survival at the landmark must be in (0, 1); received {survival!r}.")
        if not isinstance(landmark, numbers.Real) or not (math.isfinite(landmark) and landmark > 0):
            raise ValueError(f"landmark must be a finite time > 0; received {landmark!r}.")
        return cls(rate=-math.log(survival) / float(landmark))


@dataclass(frozen=True)
class OneSampleLogrankResult:
    """The one-sample log-rank test against an exponential control.

    Attributes
    ----------
    observed : int
        :math:`O`, the number of events.
    expected : float
        :math:`E = \\sum_i \\lambda t_i`, the events expected under the control.
    statistic : float
        :math:`Z = (O - E)/\\sqrt{E}`; negative when there are fewer events than expected
        (its square is the 1-df chi-square form of the test).
    p_value : float
        :math:`\\Phi(Z)`, the one-sided p-value for the alternative "better than the control"
        (fewer events): the test the SAP specifies.
    p_value_two_sided : float
        :math:`2\\min\\{\\Phi(Z), 1 - \\Phi(Z)\\}`.
    rate : float
        The control hazard :math:`\\lambda` used.
    smr : float
        The standardised mortality (event) ratio :math:`O/E`.
    """

    observed: int
    expected: float
    statistic: float
    p_value: float
    p_value_two_sided: float
    rate: float
    smr: float


def one_sample_logrank(
    time: ArrayLike,
    event: ArrayLike,
    reference: ExponentialControl | None = None,
    *,
    rate: float | None = None,
    survival_at: float | None = None,
    landmark: float | None = None,
) -> OneSampleLogrankResult:
    """One-sample log-rank test of the observed events against an exponential control.

    Under :math:`H_0` the patients' hazard is the control's, :math:`\\lambda`. With
    :math:`O` observed events and :math:`E` the events expected from each patient's follow-up
    :math:`t_i` (the control's cumulative hazard :math:`\\Lambda_0(t_i) = \\lambda t_i`),

    .. math::

        O = \\sum_i \\delta_i, \\qquad E = \\sum_i \\lambda t_i, \\qquad
        Z = \\frac{O - E}{\\sqrt{E}}, \\qquad
        p_{\\text{one-sided}} = \\Phi(Z), \\qquad
        p_{\\text{two-sided}} = 2 \\min\\{\\Phi(Z), 1 - \\Phi(Z)\\}.

    This is the standardised form :math:`(O - E)/\\sqrt{E}` of the one-sample log-rank test
    (Breslow 1975; Woolson 1981) used by Finkelstein, Muzikansky & Schoenfeld (2003); a
    negative :math:`Z` (fewer events than expected) favours the treatment, hence the
    one-sided p-value :math:`\\Phi(Z)`. The modified statistic of Wu (2015) is not
    implemented.

    Parameters
    ----------
    time : array-like of float
        Follow-up time per patient, in the time unit of the control.
    event : array-like of {0, 1} or bool
        1 = event, 0 = censored.
    reference : ExponentialControl, optional
        The control. Alternatively give exactly one of ``rate=`` or
        ``survival_at=`` with ``landmark=`` (e.g. ``survival_at=0.20, landmark=24`` for a
        2-year survival of 20% with time in months).

    Returns
    -------
    OneSampleLogrankResult

    References
    ----------
    Breslow NE (1975). Analysis of survival data under the proportional hazards model.
    International Statistical Review 43:45-57. Woolson RF (1981). Biometrics 37:687-696.
    Finkelstein DM, Muzikansky A, Schoenfeld DA (2003). Comparing survival of a sample to that
    of a standard population. JNCI 95:1434-1439.
    """
    given = [
        name
        for name, value in (
            ("reference", reference),
            ("rate", rate),
            ("survival_at/landmark", survival_at if landmark is None else landmark),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError(
            "Give the control exactly one way: reference=ExponentialControl(...), rate=, or "
            f"survival_at= with landmark=; received {given or 'none'}."
        )
    if rate is not None:
        reference = ExponentialControl(rate=rate)
    elif reference is None:
        if survival_at is None or landmark is None:
            raise ValueError(
                "survival_at and landmark must be given together (e.g. survival_at=0.20, "
                f"landmark=24); received survival_at={survival_at!r}, landmark={landmark!r}."
            )
        reference = ExponentialControl.from_landmark(survival=survival_at, landmark=landmark)
    elif not isinstance(reference, ExponentialControl):
        raise ValueError(
            f"reference must be an ExponentialControl; received {type(reference).__name__}. "
            "Use rate= for a hazard rate."
        )

    t, e = _time_event(time, event)
    observed = int(e.sum())
    expected = float(reference.rate * t.sum())
    if expected <= 0:
        raise ValueError(
            "The total follow-up time is 0, so no events are expected under the control and "
            "the test is undefined. Check the time unit and the follow-up data."
        )
    z = (observed - expected) / math.sqrt(expected)
    return OneSampleLogrankResult(
        observed=observed,
        expected=expected,
        statistic=z,
        p_value=float(stats.norm.cdf(z)),
        p_value_two_sided=float(2 * stats.norm.sf(abs(z))),
        rate=float(reference.rate),
        smr=observed / expected,
    )


# --------------------------------------------------------------------------------------------
# k-sample log-rank test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """The k-sample log-rank test (see :func:`logrank_test`).

    Attributes
    ----------
    statistic : float
        The log-rank chi-square statistic.
    df : int
        Degrees of freedom: the number of groups with :math:`E_k > 0`, minus 1.
    p_value : float
        :math:`P(\\chi^2_{df} \\ge \\text{statistic})`; ``NaN`` when ``df`` is 0.
    table : pandas.DataFrame
        One row per group (sorted as :func:`numpy.unique` sorts the labels): ``group, n,
        observed, expected, o_minus_e, var`` (``var`` is the diagonal of the variance matrix).
    variance : numpy.ndarray
        The :math:`k \\times k` variance matrix of :math:`O - E` (R's ``survdiff(...)$var``).
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame = field(repr=False)
    variance: np.ndarray = field(repr=False)


def logrank_test(
    time: ArrayLike | str,
    event: ArrayLike | str,
    group: ArrayLike | str,
    *,
    data: pd.DataFrame | None = None,
) -> LogrankResult:
    """The log-rank test of equal survival in two or more groups (R's ``survdiff``, rho = 0).

    At each distinct event time :math:`t_j`, with :math:`n_j` at risk, :math:`d_j` events and
    :math:`n_{jk}` at risk in group :math:`k`,

    .. math::

        E_k = \\sum_j d_j \\frac{n_{jk}}{n_j}, \\qquad
        V_{kl} = \\sum_j \\frac{d_j (n_j - d_j)}{n_j - 1}
            \\frac{n_{jk}}{n_j}\\Bigl(\\delta_{kl} - \\frac{n_{jl}}{n_j}\\Bigr), \\qquad
        \\chi^2 = (O - E)_{-1}^\\top V_{-1,-1}^{-1} (O - E)_{-1},

    where :math:`-1` drops the first group (any one may be dropped) and groups with
    :math:`E_k = 0` are left out, as in R. Tied event times are handled by the hypergeometric
    variance above.

    Parameters
    ----------
    time : array-like of float
        Follow-up time per patient.
    event : array-like of {0, 1} or bool
        1 = event, 0 = censored.
    group : array-like
        Group label per patient (at least two distinct labels; no missing values).
    data : pandas.DataFrame, optional
        When given, ``time``, ``event`` and ``group`` are names of its columns (the same rule
        as :func:`kaplan_meier` and :func:`cox_regression`).

    Returns
    -------
    LogrankResult
    """
    time, event, group = _from_data("logrank_test", data, time=time, event=event, group=group)
    t, e = _time_event(time, event)
    g = np.asarray(group)
    if g.ndim != 1 or g.shape[0] != t.size:
        raise ValueError(
            f"group must be 1-dimensional with one label per patient; received shape "
            f"{g.shape} for {t.size} patients."
        )
    missing = pd.isna(g)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"group has {int(missing.sum())} missing label(s), first at row {i}. Drop these "
            "patients or give them a label before the test."
        )
    labels, g_idx = np.unique(g, return_inverse=True)
    k = labels.size
    if k < 2:
        raise ValueError(
            f"group must have at least two distinct labels; received only {labels.tolist()!r}."
        )

    times, t_idx = np.unique(t, return_inverse=True)
    cell = t_idx * k + g_idx
    size = times.size * k
    count = np.bincount(cell, minlength=size).reshape(times.size, k)
    deaths = np.bincount(cell, weights=e, minlength=size).reshape(times.size, k)
    at_risk = np.cumsum(count[::-1], axis=0)[::-1].astype(float)  # follow-up >= t, by group

    d = deaths.sum(axis=1)
    n = at_risk.sum(axis=1)
    rows = d > 0
    d, n, at_risk = d[rows], n[rows], at_risk[rows]
    share = at_risk / n[:, None]
    observed = deaths.sum(axis=0)
    expected = (d[:, None] * share).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    variance = np.einsum("j,jk,kl->kl", factor, share, np.eye(k)) - np.einsum(
        "j,jk,jl->kl", factor, share, share
    )

    used = expected > 0
    df = int(used.sum()) - 1
    if df < 1:
        statistic, p_value = 0.0, math.nan
    else:
        diff = (observed - expected)[used][1:]
        v = variance[np.ix_(used, used)][1:, 1:]
        statistic = float(diff @ np.linalg.solve(v, diff))
        p_value = float(stats.chi2.sf(statistic, df))

    table = pd.DataFrame(
        {
            "group": labels,
            "n": np.bincount(g_idx, minlength=k).astype(np.int64),
            "observed": observed.astype(np.int64),
            "expected": expected,
            "o_minus_e": observed - expected,
            "var": np.diag(variance).copy(),
        }
    )
    return LogrankResult(
        statistic=statistic, df=df, p_value=p_value, table=table, variance=_readonly(variance)
    )


# --------------------------------------------------------------------------------------------
# Cox proportional hazards regression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square test carried inside a larger result (e.g. :attr:`CoxResult.lr_test`).

    Attributes
    ----------
    statistic : float
        The chi-square statistic.
    df : int
        Its degrees of freedom.
    p_value : float
        :math:`P(\\chi^2_{df} \\ge \\text{statistic})`.
    """

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True, eq=False)
class CoxResult:
    """A Cox proportional-hazards fit (see :func:`cox_regression`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model term: ``term, coef, se, hr, hr_lower, hr_upper, p_value`` (the Wald
        test of the term). A numeric
        covariate's term is its column name; a categorical covariate gives one term per
        non-reference level, named ``"{covariate}={level}"``.
    n : int
        Number of patients in the fit.
    n_events : int
        Number of events.
    reference_levels : Mapping[str, str]
        The reference level used for each categorical covariate (read-only).
    log_likelihood : float
        The maximised partial log-likelihood (Efron).
    log_likelihood_null : float
        The partial log-likelihood at :math:`\\beta = 0` (R's ``fit$loglik[1]``).
    lr_test : ChiSquareTest
        Likelihood-ratio test of the whole model against :math:`\\beta = 0`, as R's
        ``summary(coxph)$logtest``:

        .. math:: \\chi^2 = 2\\,(\\ell(\\hat\\beta) - \\ell(0)), \\quad
                  p = P(\\chi^2_{df} \\ge \\chi^2), \\quad df = \\text{number of terms}.
    conf_level : float
        Two-sided confidence level of ``hr_lower``/``hr_upper``.
    """

    table: pd.DataFrame = field(repr=False)
    n: int
    n_events: int
    reference_levels: Mapping[str, str]
    log_likelihood: float
    log_likelihood_null: float
    lr_test: ChiSquareTest
    conf_level: float


def _is_categorical(column: pd.Series) -> bool:
    return not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ) or isinstance(column.dtype, pd.CategoricalDtype)


class CoxNotEstimable(ValueError):
    """A Cox model that cannot be estimated from these data (see :func:`cox_regression`).

    ``cause`` names what failed (``"ConvergenceWarning"``, ``"LinAlgError"``,
    ``"non-finite estimate"``, ...), for the footnote of the table that shows it.
    """

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"Cox model not estimable ({cause}){': ' + detail if detail else ''}")
        self.cause = cause


def cox_regression(
    time: ArrayLike | str,
    event: ArrayLike | str,
    covariates: pd.DataFrame | Mapping[str, ArrayLike] | Sequence[str],
    *,
    data: pd.DataFrame | None = None,
    reference_levels: Mapping[str, Any] | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox proportional-hazards regression with Efron's handling of tied event times.

    Maximises Efron's partial likelihood; for distinct event times :math:`t_j` with event
    set :math:`D_j` (:math:`d_j` events) and risk set :math:`R_j`,

    .. math::

        \\ell(\\beta) = \\sum_j \\Bigl[\\sum_{i \\in D_j} x_i^\\top\\beta
          - \\sum_{r=0}^{d_j - 1} \\log\\Bigl(\\sum_{i \\in R_j} e^{x_i^\\top\\beta}
          - \\frac{r}{d_j} \\sum_{i \\in D_j} e^{x_i^\\top\\beta}\\Bigr)\\Bigr],

    and reports, per term, :math:`\\hat\\beta`, its model-based standard error, the hazard
    ratio :math:`e^{\\hat\\beta}` with limits :math:`e^{\\hat\\beta \\pm z\\,\\mathrm{se}}` and
    the Wald p-value :math:`2\\{1 - \\Phi(|\\hat\\beta|/\\mathrm{se})\\}`. Fitted by lifelines'
    ``CoxPHFitter`` (Efron ties) with a tight convergence criterion; agrees with R's
    ``coxph(ties = "efron")``.

    A covariate is categorical if its dtype is not numeric or boolean (e.g. strings) or it is
    a pandas ``Categorical``. It is expanded into 0/1 indicators for every level but the
    reference: the level given in ``reference_levels``, otherwise the first level (the
    first in sorted order; for a pandas ``Categorical``, the first of its categories present
    in the data). Booleans and numbers enter as they are.

    Parameters
    ----------
    time, event : array-like, or str with ``data=``
        Follow-up time and event indicator (1 = event) per patient.
    covariates : mapping of name to array-like (e.g. a DataFrame), or sequence of str with ``data=``
        The covariates, in the order of the output table.
    data : pandas.DataFrame, optional
        One row per patient. When given, ``time``, ``event`` and ``covariates`` are names of
        its columns (the same rule as :func:`kaplan_meier` and :func:`logrank_test`).
    reference_levels : mapping, optional
        ``{covariate: level}`` for categorical covariates.
    conf_level : float, default 0.95
        Two-sided confidence level of the hazard-ratio limits.

    Returns
    -------
    CoxResult

    Raises
    ------
    ValueError
        On a missing column, missing values in the columns used (they are not dropped
        silently: remove those rows first), invalid time or event values, a reference level
        not present in the data, or a categorical covariate with a single level.
    """
    # imported here: lifelines is slow to import
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    if not isinstance(conf_level, numbers.Real) or not 0 < float(conf_level) < 1:
        raise ValueError(f"conf_level must be a number in (0, 1); received {conf_level!r}.")
    if data is None:
        time, event = _from_data("cox_regression", None, time=time, event=event)
        if not isinstance(covariates, (Mapping, pd.DataFrame)):
            raise ValueError(
                "cox_regression: without data=, covariates must map names to values (a dict "
                f"or a DataFrame); received {type(covariates).__name__}. To name columns, pass "
                "data=<DataFrame>."
            )
        clash = sorted({"time", "event"} & set(covariates))
        if clash:
            raise ValueError(
                f"cox_regression: covariate name(s) {clash} clash with time/event; rename them."
            )
        columns = {"time": time, "event": event, **dict(covariates.items())}
        # by position, like the arrays of kaplan_meier: a Series' own index is not aligned on
        data = pd.DataFrame(
            {
                name: values.reset_index(drop=True) if isinstance(values, pd.Series) else values
                for name, values in columns.items()
            }
        )
        time, event = "time", "event"
    elif isinstance(covariates, (Mapping, pd.DataFrame, str)):
        raise ValueError(
            "cox_regression: with data=, covariates must be a list of column names; received "
            f"{type(covariates).__name__}."
        )
    else:
        _from_data("cox_regression", data, time=time, event=event)
    covariates = list(covariates)
    if not covariates:
        raise ValueError("covariates is empty; give at least one column name.")
    reference_levels = dict(reference_levels or {})
    unknown_refs = sorted(set(reference_levels) - set(covariates))
    if unknown_refs:
        raise ValueError(
            f"reference_levels names column(s) {unknown_refs} that are not in covariates "
            f"{covariates}."
        )
    used_columns = [time, event, *covariates]
    absent = [c for c in used_columns if c not in data.columns]
    if absent:
        raise ValueError(f"Column(s) {absent} not found in data; available: {list(data.columns)}.")
    if len(set(used_columns)) != len(used_columns):
        raise ValueError(
            f"time, event and covariates must be distinct columns; received {used_columns}."
        )
    na = data[used_columns].isna()
    if na.any().any():
        bad_cols = [c for c in used_columns if na[c].any()]
        first_row = data.index[na.any(axis=1).to_numpy()][0]
        raise ValueError(
            f"Missing values in column(s) {bad_cols} (first at index {first_row!r}). The Cox "
            "model does not drop rows silently: remove or impute them before the analysis."
        )

    t, e = _time_event(data[time].to_numpy(), data[event].to_numpy())
    design: dict[str, np.ndarray] = {}
    terms: list[str] = []
    used_refs: dict[str, str] = {}
    for name in covariates:
        column = data[name]
        if not _is_categorical(column):
            design[name] = column.to_numpy(dtype=float)
            terms.append(name)
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            present = set(column.astype(object))
            levels = [level for level in column.cat.categories if level in present]
        else:
            levels = sorted(pd.unique(column.astype(object)), key=lambda v: (str(type(v)), v))
        if len(levels) < 2:
            raise ValueError(
                f"Categorical covariate {name!r} has a single level {levels!r} in the data; "
                "it cannot be estimated. Drop it from covariates."
            )
        reference = reference_levels.get(name, levels[0])
        if reference not in levels:
            raise ValueError(
                f"Reference level {reference!r} for {name!r} is not in the data; levels "
                f"present: {levels!r}."
            )
        used_refs[name] = str(reference)
        values = column.astype(object).to_numpy()
        for level in levels:
            if level == reference:
                continue
            term = f"{name}={level}"
            design[term] = (values == level).astype(float)
            terms.append(term)

    frame = pd.DataFrame(design, columns=terms)
    frame.columns = [f"x{i}" for i in range(len(terms))]  # lifelines-safe names
    frame["_time"] = t
    frame["_event"] = e
    fitter = CoxPHFitter(alpha=1 - float(conf_level))
    not_estimable = (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError, ArithmeticError)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            fitter.fit(
                frame,
                duration_col="_time",
                event_col="_event",
                fit_options={"precision": 1e-12, "r_precision": 1e-14, "max_steps": 200},
            )
        except not_estimable as exc:
            raise CoxNotEstimable(type(exc).__name__, str(exc)) from exc
    coef = fitter.params_.to_numpy()
    se = fitter.standard_errors_.to_numpy()
    if not (np.isfinite(coef).all() and np.isfinite(se).all()):
        raise CoxNotEstimable("non-finite estimate", f"coef {coef.tolist()}, se {se.tolist()}")
    z = float(stats.norm.ppf(1 - (1 - float(conf_level)) / 2))
    table = pd.DataFrame(
        {
            "term": terms,
            "coef": coef,
            "se": se,
            "hr": np.exp(coef),
            "hr_lower": np.exp(coef - z * se),
            "hr_upper": np.exp(coef + z * se),
            "p_value": 2 * stats.norm.sf(np.abs(coef / se)),
        }
    )
    lr_test = fitter.log_likelihood_ratio_test()
    log_likelihood = float(fitter.log_likelihood_)
    return CoxResult(
        table=table,
        n=int(t.size),
        n_events=int(e.sum()),
        reference_levels=MappingProxyType(used_refs),
        log_likelihood=log_likelihood,
        log_likelihood_null=log_likelihood - float(lr_test.test_statistic) / 2,
        lr_test=ChiSquareTest(
            statistic=float(lr_test.test_statistic),
            df=int(lr_test.degrees_freedom),
            p_value=float(lr_test.p_value),
        ),
        conf_level=float(conf_level),
    )
