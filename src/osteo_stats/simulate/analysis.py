"""Run and analyse a batch of simulated trials, vectorised across replicates.

Conduct of each trial (all arrays are (replicates, patients); no loop over trials):

* **Binary status** (SAP 3.1). With landmark :math:`L` (24 months), a patient is a success
  when event-free and still followed at :math:`L`: :math:`T \\ge L` and :math:`D \\ge L`
  (:math:`T` the EFS time, :math:`D` the dropout time); a patient who leaves follow-up before
  :math:`L` without an event is a failure. The status is known at enrolment +
  :math:`\\min(T, D, L)`.
* **Stage 1** (two-stage designs; SAP 5.5). The first ``n1`` patients. The trial stops for
  futility when at most ``r1`` of them are successes. The decision is taken as soon as its
  outcome is certain (``r1 + 1`` successes known, or ``n1 - r1`` failures known), but never
  before the ``n1``-th patient has enrolled: stage 1 always enrols its ``n1`` patients.
* **Enrolment.** Without ``pause_for_stage1`` accrual continues while stage 1 is pending; a
  stopped trial has enrolled everyone who arrived by the decision (at least ``n1``, at most
  ``n``). With the pause, patients ``n1 + 1, ...`` enrol after the decision with the same gaps
  as without it, and a stopped trial has exactly ``n1`` patients (Simon's EN).
* **Final analysis** (continued or single-stage trials) at ``months`` after the last enrolment
  (``min_followup``) or at calendar month ``months`` (``calendar``), but not before the
  stage-1 decision. Patients enrolled by then are analysed; follow-up is administratively
  censored at the analysis: time :math:`= \\min(T, D, C)`, event :math:`= T \\le \\min(D, C)`.
* **Duration**: the stage-1 decision time for a stopped trial, else the final analysis time.
* **Time arithmetic.** The draws, the landmark and the analysis months are on the time grid of
  :func:`~osteo_stats.simulate.draws.on_time_grid`, so every sum, difference and comparison of
  times below is exact: the last patient of a ``min_followup`` analysis at 24 months has
  follow-up exactly 24 and a success is counted (never lost to rounding).

A trial stopped at stage 1 rejects H0 with no method. For a continued trial:

* ``binary``: reject when more than ``r`` of the ``n`` patients are successes known at the
  analysis (a patient without a known success, including one not yet enrolled or not yet
  followed to :math:`L`, cannot count; SAP 3.1 treats the remaining "not evaluable" as
  failures at the final analysis).
* ``km_landmark``: reject when the lower limit of the two-sided :math:`1 - 2\\alpha`
  log-log confidence interval of the Kaplan-Meier :math:`\\hat S(L)` (Greenwood variance,
  exactly as :func:`~osteo_stats.analyse.survival.kaplan_meier`) exceeds ``p0``, i.e. the
  one-sided :math:`1 - \\alpha` lower confidence bound is above ``p0``:

  .. math:: \\hat S(L)^{\\exp(z_{1-\\alpha}\\,\\sigma(L) / \\log \\hat S(L))} > p_0 .

  Where the bound is undefined it does not reject: :math:`L` beyond the last follow-up, or
  :math:`\\hat S(L) \\in \\{0, 1\\}` (R's ``log-log`` limit is ``NA`` there).
* ``logrank``: the one-sample log-rank test (SAP 7.3.8) against the exponential control with
  :math:`S_0(L) = p_0`, :math:`\\lambda_0 = -\\log(p_0)/L`: :math:`O` events,
  :math:`E = \\lambda_0 \\sum_i t_i`, :math:`Z = (O - E)/\\sqrt{E}`; reject when
  :math:`\\Phi(Z) < \\alpha`, as :func:`~osteo_stats.analyse.survival.one_sample_logrank`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy import stats

from osteo_stats.analyse.batch_km import batch_km_landmark
from osteo_stats.simulate.draws import TrialDraws, on_time_grid
from osteo_stats.simulate.scenario import Rules, Scenario

__all__ = ["ReplicateResults", "analyse_trials", "concat_replicates"]


@dataclass(frozen=True, eq=False)
class ReplicateResults:
    """Per-replicate outcomes of a batch of simulated trials (one element per replicate).

    Attributes
    ----------
    stopped : numpy.ndarray of bool
        Stopped for futility at stage 1.
    n_enrolled : numpy.ndarray of int
        Patients enrolled in the trial.
    stage1_decision : numpy.ndarray of float
        Calendar month of the stage-1 decision (``NaN`` for single-stage designs).
    duration : numpy.ndarray of float
        Calendar month at which the trial ends (stage-1 stop or final analysis).
    reject : Mapping[str, numpy.ndarray of bool]
        H0 rejected, per method.
    """

    stopped: np.ndarray
    n_enrolled: np.ndarray
    stage1_decision: np.ndarray
    duration: np.ndarray
    reject: MappingProxyType

    @property
    def reps(self) -> int:
        return int(self.stopped.size)


def concat_replicates(parts: list[ReplicateResults]) -> ReplicateResults:
    """Join chunks in order."""
    return ReplicateResults(
        stopped=np.concatenate([p.stopped for p in parts]),
        n_enrolled=np.concatenate([p.n_enrolled for p in parts]),
        stage1_decision=np.concatenate([p.stage1_decision for p in parts]),
        duration=np.concatenate([p.duration for p in parts]),
        reject=MappingProxyType(
            {m: np.concatenate([p.reject[m] for p in parts]) for m in parts[0].reject}
        ),
    )


def _stage1(
    rules: Rules, arrival: np.ndarray, success: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stage-1 stop indicator and decision time (calendar months)."""
    n1, r1 = rules.n1, rules.r1
    order = np.argsort(known[:, :n1], axis=1, kind="stable")
    when = np.take_along_axis(known[:, :n1], order, axis=1)
    ok = np.take_along_axis(success[:, :n1], order, axis=1)
    certain = (np.cumsum(ok, axis=1) >= r1 + 1) | (np.cumsum(~ok, axis=1) >= n1 - r1)
    first = np.argmax(certain, axis=1)  # one of the two always happens by the n1-th status
    decided = when[np.arange(when.shape[0]), first]
    stopped = success[:, :n1].sum(axis=1) <= r1
    return stopped, np.maximum(decided, arrival[:, n1 - 1])


def analyse_trials(scenario: Scenario, rules: Rules, draws: TrialDraws) -> ReplicateResults:
    """Conduct and analyse every replicate (see the module docstring for the rules)."""
    analysis = scenario.analysis
    landmark = float(on_time_grid(analysis.landmark_months))
    months = float(on_time_grid(analysis.months))
    arrival, t_event, t_drop = draws.arrival, draws.event_time, draws.dropout_time
    reps, n = arrival.shape
    success = (t_event >= landmark) & (t_drop >= landmark)
    status_delay = np.minimum(np.minimum(t_event, t_drop), landmark)

    if rules.two_stage:
        n1 = rules.n1
        stopped, decision = _stage1(rules, arrival, success, arrival + status_delay)
        if scenario.accrual.pause_for_stage1:
            shift = np.maximum(decision - arrival[:, n1 - 1], 0.0)
            enrol = arrival.copy()
            enrol[:, n1:] += shift[:, None]
            n_stopped = np.full(reps, n1)
        else:
            enrol = arrival
            n_stopped = np.maximum((arrival <= decision[:, None]).sum(axis=1), n1)
    else:
        stopped = np.zeros(reps, dtype=bool)
        decision = np.full(reps, np.nan)
        enrol = arrival
        n_stopped = np.zeros(reps, dtype=np.int64)

    if analysis.timing == "min_followup":
        analysis_time = enrol[:, -1] + months
    else:
        analysis_time = np.full(reps, months)
    if rules.two_stage:
        analysis_time = np.maximum(analysis_time, decision)
    included = enrol <= analysis_time[:, None]
    follow = analysis_time[:, None] - enrol
    n_enrolled = np.where(stopped, n_stopped, included.sum(axis=1)).astype(np.int64)
    duration = np.where(stopped, decision, analysis_time)
    go = ~stopped

    reject: dict[str, np.ndarray] = {}
    if "binary" in analysis.methods:
        known_success = success & included & (follow >= landmark)
        reject["binary"] = go & (known_success.sum(axis=1) > rules.r)
    if {"km_landmark", "logrank"} & set(analysis.methods):
        time = np.minimum(np.minimum(t_event, t_drop), np.where(included, follow, 0.0))
        event = (t_event <= np.minimum(t_drop, follow)) & included
    if "km_landmark" in analysis.methods:
        km = batch_km_landmark(
            time,
            event,
            [landmark],
            include=included,
            conf_level=1 - 2 * analysis.alpha,
            conf_type="log-log",
        )
        with np.errstate(invalid="ignore"):
            reject["km_landmark"] = go & (km.lower[:, 0] > scenario.design.p0)
    if "logrank" in analysis.methods:
        rate0 = -math.log(scenario.design.p0) / landmark
        observed = event.sum(axis=1)
        expected = rate0 * np.where(included, time, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (observed - expected) / np.sqrt(expected)
        reject["logrank"] = go & (expected > 0) & (stats.norm.cdf(z) < analysis.alpha)

    ordered = {m: reject[m] for m in analysis.methods}
    return ReplicateResults(
        stopped=stopped,
        n_enrolled=n_enrolled,
        stage1_decision=decision,
        duration=duration,
        reject=MappingProxyType(ordered),
    )
