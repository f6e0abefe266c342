"""When the stage-1 decision of a Simon design falls, and how many are enrolled by then.

Simon's EN(p0) assumes the stage-1 outcome is known the moment the n1-th patient enrols and
that nobody else is enrolled meanwhile. PROMIS's endpoint is EFS at 24 months and accrual goes
on while stage 1 is pending (SAP 5.5), so under H0 most of the 43 patients are enrolled before
the trial can stop. This module computes that expected sample size analytically.

Model (SAP 5.5, 5.8): patient i enrols at month :math:`a_i = i / \\lambda` (the mean arrival
time of the i-th patient of a Poisson accrual of rate :math:`\\lambda`); EFS is exponential
with :math:`S(L) = p_0` (the H0 rate, as the historical control of SAP 7.3.8), so a patient's
failure is known at :math:`a_i + T_i` when :math:`T_i < L`; no dropout. Stage 1 stops for
futility as soon as :math:`n_1 - r_1` of the first :math:`n_1` patients are known failures
(never before the n1-th patient enrols), and every patient who arrived by then counts.

With :math:`K(t)` the number of known failures among the first :math:`n_1` by month t, a
Poisson-binomial count with success probabilities :math:`F(\\min(t - a_i, L))`, patient
:math:`k > n_1` is never enrolled exactly when :math:`K(a_k) \\ge n_1 - r_1`, so

.. math:: EN(p_0) = n - \\sum_{k = n_1 + 1}^{n} P\\{K(a_k) \\ge n_1 - r_1\\}.

Nothing here draws random numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

__all__ = ["Stage1Timing", "stage1_timing"]


@dataclass(frozen=True)
class Stage1Timing:
    """Stage-1 timing of a two-stage design under H0, with continuing accrual.

    Attributes
    ----------
    r1, n1, n, p0, landmark_months, accrual_per_month
        The inputs.
    pet_p0
        Probability of stopping after stage 1 under H0, :math:`B(r_1; n_1, p_0)`.
    simon_en_p0
        Simon's EN(p0): :math:`n_1 + (1 - PET)(n - n_1)` (instant stage-1 outcome).
    en_p0
        Expected number enrolled under H0 with the landmark delay and continuing accrual.
    mean_decision_month_if_stopped
        Expected calendar month (from the first enrolment's time origin) of a futility stop.
    enrolled_at_decision_if_stopped
        Expected number enrolled at a futility stop.
    month_n1_enrolled, month_n1_evaluable, month_accrual_complete
        :math:`a_{n_1}`, :math:`a_{n_1} + L` (all stage-1 outcomes known for certain) and
        :math:`a_n`.
    """

    r1: int
    n1: int
    n: int
    p0: float
    landmark_months: float
    accrual_per_month: float
    pet_p0: float
    simon_en_p0: float
    en_p0: float
    mean_decision_month_if_stopped: float
    enrolled_at_decision_if_stopped: float
    month_n1_enrolled: float
    month_n1_evaluable: float
    month_accrual_complete: float

    def arrival(self, k: int | np.ndarray) -> np.ndarray:
        """Month at which patient k (1-based) enrols."""
        return np.asarray(k, dtype=float) / self.accrual_per_month

    def prob_stopped_by(self, month: float | np.ndarray) -> np.ndarray:
        """P(the trial has stopped for futility by ``month``) under H0."""
        t = np.atleast_1d(np.asarray(month, dtype=float))
        hazard = -math.log(self.p0) / self.landmark_months
        stage1 = self.arrival(np.arange(1, self.n1 + 1))
        p = _prob_stop_known_by(t, stage1, hazard, self.landmark_months, self.n1 - self.r1)
        return np.where(t >= self.month_n1_enrolled, p, 0.0)

    def expected_enrolled_by(self, month: float | np.ndarray) -> np.ndarray:
        """Expected number enrolled by ``month`` under H0 (accrual stops at a futility stop)."""
        t = np.atleast_1d(np.asarray(month, dtype=float))
        a = self.arrival(np.arange(1, self.n + 1))
        # patient k > n1 enrols at a_k unless the stop was known before a_k
        enrols = np.ones(self.n)
        enrols[self.n1 :] = 1.0 - self.prob_stopped_by(a[self.n1 :])
        return ((a[None, :] <= t[:, None]) * enrols[None, :]).sum(axis=1)

    def sentence(self) -> str:
        """The explanation a DMC reads (printed by ``design check``)."""
        return (
            f"Expected sample size under H0: Simon's EN(p0) = {self.simon_en_p0:.1f} assumes the "
            f"stage-1 result is known as soon as patient {self.n1} enrols. With a "
            f"{self.landmark_months:g}-month endpoint and accrual continuing at "
            f"{self.accrual_per_month:.2f} patients/month, a futility stop under H0 comes on "
            f"average at month {self.mean_decision_month_if_stopped:.1f} (when "
            f"{self.n1 - self.r1} of the first {self.n1} have failed; patient {self.n1} enrols "
            f"at month {self.month_n1_enrolled:.1f}, accrual of {self.n} completes at month "
            f"{self.month_accrual_complete:.1f}), by which time "
            f"{self.enrolled_at_decision_if_stopped:.1f} patients are enrolled, so the expected "
            f"sample size under H0 is {self.en_p0:.1f}, not {self.simon_en_p0:.1f} (SAP 5.8)."
        )


def _prob_stop_known_by(
    t: np.ndarray, arrival: np.ndarray, rate: float, landmark: float, need: int
):
    """P{K(t) >= need}: at least ``need`` of the stage-1 patients are known failures by t."""
    follow = np.clip(t[:, None] - arrival[None, :], 0.0, landmark)  # (T, n1)
    q = -np.expm1(-rate * follow)  # P(failure known by t) for each patient
    dist = np.zeros((t.size, arrival.size + 1))
    dist[:, 0] = 1.0
    for j in range(arrival.size):  # Poisson-binomial by convolution, one patient at a time
        dist[:, 1:] = dist[:, 1:] * (1 - q[:, j : j + 1]) + dist[:, :-1] * q[:, j : j + 1]
        dist[:, 0] *= 1 - q[:, j]
    return dist[:, need:].sum(axis=1)


def stage1_timing(
    r1: int, n1: int, n: int, p0: float, landmark_months: float, accrual_per_month: float
) -> Stage1Timing:
    """Expected stage-1 decision month and sample size under H0 with continuing accrual.

    See the module docstring for the model and formula. The expected stop month is
    :math:`a_{n_1} + \\int_{a_{n_1}}^{a_{n_1} + L} (1 - P\\{K(t) \\ge n_1 - r_1\\} / PET)\\,dt`
    (every stage-1 outcome is known by :math:`a_{n_1} + L`), integrated with adaptive
    quadrature.

    Raises
    ------
    ValueError
        An argument is out of range.
    """
    if not (0 <= r1 < n1 < n):
        raise ValueError(f"need 0 <= r1 < n1 < n; got r1={r1}, n1={n1}, n={n}")
    if not 0 < p0 < 1:
        raise ValueError(f"p0 = {p0!r} must lie strictly between 0 and 1")
    if not (landmark_months > 0 and accrual_per_month > 0):
        raise ValueError("landmark_months and accrual_per_month must be positive")
    hazard = -math.log(p0) / landmark_months
    arrival = np.arange(1, n + 1) / accrual_per_month
    need = n1 - r1
    stage1 = arrival[:n1]

    def p_stop_by(t: np.ndarray) -> np.ndarray:
        return _prob_stop_known_by(np.atleast_1d(t), stage1, hazard, landmark_months, need)

    pet = float(p_stop_by(np.array([arrival[n1 - 1] + landmark_months]))[0])
    not_enrolled = p_stop_by(arrival[n1:])  # patient k > n1 never enrols
    en = n - float(not_enrolled.sum())
    start = arrival[n1 - 1]
    tail, _ = integrate.quad(
        lambda t: 1.0 - float(p_stop_by(np.array([t]))[0]) / pet,
        start,
        start + landmark_months,
        points=[float(a + landmark_months) for a in stage1[:-1]] or None,
        epsabs=1e-10,
        epsrel=1e-10,
        limit=200,
    )
    return Stage1Timing(
        r1=int(r1),
        n1=int(n1),
        n=int(n),
        p0=float(p0),
        landmark_months=float(landmark_months),
        accrual_per_month=float(accrual_per_month),
        pet_p0=pet,
        simon_en_p0=n1 + (1.0 - pet) * (n - n1),
        en_p0=en,
        mean_decision_month_if_stopped=float(start + tail),
        # E[N | stop] from EN(p0) = PET x E[N | stop] + (1 - PET) x n
        enrolled_at_decision_if_stopped=(en - (1.0 - pet) * n) / pet,
        month_n1_enrolled=float(start),
        month_n1_evaluable=float(start + landmark_months),
        month_accrual_complete=float(arrival[-1]),
    )
