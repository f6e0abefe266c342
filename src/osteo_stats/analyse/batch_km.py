"""Kaplan-Meier at landmark times for many small trials at once (one trial per row).

The simulation of design changes (:mod:`osteo_stats.simulate`) analyses thousands of
replicate trials; fitting them one by one is the slow part. :func:`batch_km_landmark` takes
``(trials x patients)`` arrays and returns :math:`\\hat S(t)` at the landmarks for every trial,
with the same Greenwood standard error and pointwise confidence limits as
:func:`osteo_stats.analyse.survival.kaplan_meier`.

Agreement with :func:`~osteo_stats.analyse.survival.kaplan_meier` is exact, not approximate:
per trial, the product-limit factors :math:`(n_j - d_j)/n_j` and the Greenwood increments
:math:`d_j / \\{n_j (n_j - d_j)\\}` are computed with the same floating-point operations and
accumulated in the same order (sorted distinct times; a censoring-only time contributes a
factor of exactly 1 and an increment of exactly 0, which change nothing), so
``batch_km_landmark(...).surv[i]`` equals ``kaplan_meier(time[i], event[i]).survival_at(...)``
bit for bit. The tests check this to 1e-12 on random trials with ties, censorings tied with
events and events at time 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from osteo_stats.analyse.survival import ConfType, _check_conf, _km_confint

__all__ = ["BatchLandmark", "batch_km_landmark"]


@dataclass(frozen=True, eq=False)
class BatchLandmark:
    """Kaplan-Meier estimates at landmark times for a batch of trials.

    Arrays are read-only, shaped ``(trials, landmarks)``; row ``i`` is trial ``i``, column
    ``k`` the landmark ``times[k]``. Values follow
    :meth:`~osteo_stats.analyse.survival.KaplanMeierResult.survival_at`: before the first
    observed time ``surv = lower = upper = 1`` and ``std_err = 0``; a landmark after a trial's
    last observed time (or a trial with no patient) gives ``NaN`` and ``n_risk = 0``; for
    ``log-log`` the limits are ``NaN`` where :math:`\\hat S` is 0 or 1 (as in R).

    Attributes
    ----------
    times : numpy.ndarray
        The landmark times, shape ``(landmarks,)``.
    surv, std_err, lower, upper : numpy.ndarray
        :math:`\\hat S(t)`, its Greenwood standard error and the pointwise CI limits.
    std_err_log : numpy.ndarray
        Greenwood standard error :math:`\\sigma(t)` of :math:`-\\log \\hat S(t)` (0 before the
        first observed time, ``inf`` once :math:`\\hat S = 0`, ``NaN`` beyond follow-up).
    n_risk : numpy.ndarray
        Number of patients with follow-up :math:`\\ge t` (int64).
    n : numpy.ndarray
        Number of patients per trial (the included ones), shape ``(trials,)``.
    conf_level : float
        Two-sided confidence level of ``lower``/``upper``.
    conf_type : str
        ``"log-log"``, ``"log"`` or ``"plain"``.
    """

    times: np.ndarray = field(repr=False)
    surv: np.ndarray = field(repr=False)
    std_err: np.ndarray = field(repr=False)
    std_err_log: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    n_risk: np.ndarray = field(repr=False)
    n: np.ndarray = field(repr=False)
    conf_level: float
    conf_type: str


def _readonly(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


def _check_batch(
    time: ArrayLike, event: ArrayLike, include: ArrayLike | None, landmarks: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    if t.ndim != 2:
        raise ValueError(
            f"time must be 2-dimensional (trials x patients); received shape {t.shape}. "
            "For one trial use kaplan_meier, or pass time[None, :]."
        )
    e = np.asarray(event)
    if e.shape != t.shape:
        raise ValueError(f"event must have the shape of time {t.shape}; received shape {e.shape}.")
    if e.dtype != bool:
        bad = (e != 0) & (e != 1)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"event must be 0/1 or boolean (1 = event, 0 = censored); {int(bad.sum())} "
                f"value(s) are not, first at trial {i}, patient {j} (value {e[i, j]!r}). "
                "ADaM CNSR is the opposite: use event = 1 - CNSR."
            )
    e = e.astype(bool)
    if include is None:
        inc = np.ones(t.shape, dtype=bool)
    else:
        inc = np.asarray(include)
        if inc.shape != t.shape or inc.dtype != bool:
            raise ValueError(
                f"include must be a boolean array of the shape of time {t.shape}; received "
                f"dtype {inc.dtype} and shape {inc.shape}."
            )
    bad = inc & ~(np.isfinite(t) & (t >= 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"time must be finite and >= 0 for included patients; {int(bad.sum())} value(s) "
            f"are not, first at trial {i}, patient {j} (value {t[i, j]!r}). Exclude them with "
            "include=False or correct them."
        )
    lm = np.atleast_1d(np.asarray(landmarks, dtype=float))
    if lm.ndim != 1 or lm.size == 0 or not np.all(np.isfinite(lm) & (lm >= 0)):
        raise ValueError(
            f"landmarks must be a non-empty 1-d sequence of finite times >= 0; received {lm!r}."
        )
    return t, e, inc, lm


def batch_km_landmark(
    time: ArrayLike,
    event: ArrayLike,
    landmarks: ArrayLike,
    *,
    include: ArrayLike | None = None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
) -> BatchLandmark:
    """Kaplan-Meier :math:`\\hat S(t)` with Greenwood SE and CI at landmarks, for many trials.

    For trial :math:`i`, with distinct observed times :math:`t_{ij}`, :math:`n_{ij}` at risk
    (follow-up :math:`\\ge t_{ij}`) and :math:`d_{ij}` events,

    .. math::

        \\hat S_i(t) = \\prod_{t_{ij} \\le t} \\frac{n_{ij} - d_{ij}}{n_{ij}}, \\qquad
        \\sigma_i^2(t) = \\sum_{t_{ij} \\le t} \\frac{d_{ij}}{n_{ij}(n_{ij} - d_{ij})},

    exactly as :func:`~osteo_stats.analyse.survival.kaplan_meier` (events precede censorings
    at a tied time, so a patient censored at :math:`t` is at risk for the events at
    :math:`t`), and the limits are those of its ``conf_type``.

    Vectorised over trials: each row is sorted by time; a tie group's size and event count
    come from its first and last sorted positions; the product-limit factor and the Greenwood
    increment sit on the group's last position (factor 1 and increment 0 elsewhere) and are
    accumulated with ``cumprod``/``cumsum`` along the row. The landmark value is read at the
    last position with time :math:`\\le t`. Cost: one ``argsort`` of the
    ``(trials x patients)`` array plus a few passes over it.

    Parameters
    ----------
    time : array-like of float, shape (trials, patients)
        Follow-up times. Values of excluded patients are ignored (they may be ``inf`` or
        ``NaN``).
    event : array-like of {0, 1} or bool, shape (trials, patients)
        1 = event, 0 = censored.
    landmarks : float or sequence of float
        Landmark times (finite, >= 0), in the unit of ``time``.
    include : array-like of bool, shape (trials, patients), optional
        Which patients belong to each trial (default: all). Lets trials of different sizes
        share one array, e.g. patients not yet enrolled at an interim analysis.
    conf_level : float, default 0.95
        Two-sided confidence level. A one-sided :math:`1 - \\alpha` lower bound is the lower
        limit at ``conf_level = 1 - 2 alpha``.
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Scale of the pointwise CI, as in ``kaplan_meier``.

    Returns
    -------
    BatchLandmark

    Raises
    ------
    ValueError
        Arrays of the wrong shape, event values other than 0/1, negative or non-finite times
        of included patients, invalid landmarks, or an unknown ``conf_type``.
    """
    z = _check_conf(conf_level, conf_type)
    t, e, inc, lm = _check_batch(time, event, include, landmarks)
    n_trials, width = t.shape

    # Excluded patients sort to the end of their row and never count.
    key = np.where(inc, t, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    ts = np.take_along_axis(key, order, axis=1)
    es = np.take_along_axis(e & inc, order, axis=1).astype(np.int64)
    m = inc.sum(axis=1)  # patients per trial
    position = np.arange(width)

    is_start = np.ones((n_trials, width), dtype=bool)
    is_start[:, 1:] = ts[:, 1:] != ts[:, :-1]
    is_end = np.ones((n_trials, width), dtype=bool)
    is_end[:, :-1] = is_start[:, 1:]
    start = np.maximum.accumulate(np.where(is_start, position, 0), axis=1)

    cum_events = np.cumsum(es, axis=1)
    events_before = cum_events - es  # events strictly before each sorted position
    n_event = cum_events - np.take_along_axis(events_before, start, axis=1)  # group's d
    n_risk = m[:, None] - start  # group's n (follow-up >= t)
    used = is_end & (position[None, :] < m[:, None])

    # The same operations as kaplan_meier: (n - d) / n with integers, then cumprod; and
    # d / (n * float(n - d)) where d > 0, then cumsum.
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(used, (n_risk - n_event) / n_risk, 1.0)
        increment = np.where(
            used & (n_event > 0), n_event / (n_risk * (n_risk - n_event).astype(float)), 0.0
        )
    surv_path = np.cumprod(factor, axis=1)
    se_log_path = np.sqrt(np.cumsum(increment, axis=1))

    # Last sorted position with time <= landmark (-1: before the first observed time).
    n_le = (ts[:, :, None] <= lm[None, None, :]).sum(axis=1)  # (trials, landmarks)
    n_lt = (ts[:, :, None] < lm[None, None, :]).sum(axis=1)
    pick = np.maximum(n_le - 1, 0)
    before_first = n_le == 0
    surv = np.where(before_first, 1.0, np.take_along_axis(surv_path, pick, axis=1))
    se_log = np.where(before_first, 0.0, np.take_along_axis(se_log_path, pick, axis=1))
    with np.errstate(invalid="ignore"):
        std_err = np.where(before_first, 0.0, surv * se_log)
    lower, upper = _km_confint(surv, se_log, z, conf_type)
    lower = np.where(before_first, 1.0, lower)
    upper = np.where(before_first, 1.0, upper)

    last_time = np.where(m > 0, ts[np.arange(n_trials), np.maximum(m - 1, 0)], -math.inf)
    beyond = lm[None, :] > last_time[:, None]
    for values in (surv, std_err, se_log, lower, upper):
        values[beyond] = np.nan
    at_risk = (m[:, None] - n_lt).astype(np.int64)

    return BatchLandmark(
        times=_readonly(lm.copy()),
        surv=_readonly(surv),
        std_err=_readonly(std_err),
        std_err_log=_readonly(se_log),
        lower=_readonly(lower),
        upper=_readonly(upper),
        n_risk=_readonly(at_risk),
        n=_readonly(m.astype(np.int64)),
        conf_level=float(conf_level),
        conf_type=conf_type,
    )
