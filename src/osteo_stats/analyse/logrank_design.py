"""The one-sample log-rank test of SAP 7.3.8 as a design: power at n and n for a power.

Formula of Wu (2015), which uses the exact variance of the standard one-sample log-rank score
:math:`O - E` under the alternative (the statistic of
:func:`osteo_stats.analyse.survival.one_sample_logrank`, :math:`Z = (O - E)/\\sqrt{E}`). The
earlier formula of Finkelstein, Muzikansky & Schoenfeld (2003) uses the null variance in both
terms and underestimates n (Wu 2015, section 3); it is not implemented.

Setting (Wu 2015, section 2): the control has a Weibull cumulative hazard
:math:`\\Lambda_0(t) = -\\ln(s_L)\\,(t/L)^k` (exponential for k = 1; s_L the control's survival
at the landmark L); the alternative is proportional hazards, :math:`S_1 = S_0^{\\delta}`;
accrual is uniform over ``ta`` months and follow-up continues ``tf`` months after accrual
closes, so administrative censoring has survival :math:`G(t) = 1` for :math:`t \\le t_f` and
:math:`(t_f + t_a - t)/t_a` up to :math:`\\tau = t_a + t_f`. With

.. math::

    p_0 = \\int_0^{\\tau} S_1 G \\lambda_0\\,dt, \\quad p_1 = \\delta p_0, \\quad
    p_{00} = \\int_0^{\\tau} S_1 G \\Lambda_0 \\lambda_0\\,dt, \\quad p_{01} = \\delta p_{00},

:math:`\\omega = p_1 - p_0` and
:math:`\\sigma^2 = p_1 - p_1^2 + 2p_{00} - p_0^2 - 2p_{01} + 2p_0 p_1`,

.. math::

    n = \\frac{(\\sqrt{p_0}\\, z_{1-\\alpha} + \\sigma z_{1-\\beta})^2}{\\omega^2}, \\qquad
    \\text{power}(n) = \\Phi\\!\\left(\\frac{\\sqrt{n}\\,|\\omega| - \\sqrt{p_0}\\,
    z_{1-\\alpha}}{\\sigma}\\right).

Reference: Wu J. Sample size calculation for the one-sample log-rank test. Pharm Stat
2015;14:26-33. Finkelstein DM, Muzikansky A, Schoenfeld DA. Comparing survival of a sample to
that of a standard population. J Natl Cancer Inst 2003;95:1434-1439.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, stats

__all__ = ["SIMULATION_BLOCK_CELLS", "SIMULATION_MAX_DRAWS", "LogrankDesign", "logrank_design"]

#: Patients simulated at once by :meth:`LogrankDesign.simulated_power` (rows of n): each of its
#: half-dozen float arrays is then 16 MB, whatever n and reps (n 10,000 x 20,000 reps peaked at
#: 8 GB, x 1,000,000 would have needed 74.5 GiB). Does not change the results.
SIMULATION_BLOCK_CELLS = 2_000_000

#: Most simulated patients (n x reps) one call draws: about a minute on one core.
SIMULATION_MAX_DRAWS = 1_000_000_000


@dataclass(frozen=True)
class LogrankDesign:
    """Wu (2015) moments for one alternative; :meth:`power` and :meth:`sample_size` use them.

    Attributes
    ----------
    hazard_ratio, control_survival, control_landmark, shape, accrual_months, followup_months,
    alpha
        The inputs (alpha one-sided).
    p0, p1, p00, p01, omega, sigma
        Wu's quantities (module docstring); ``p1`` is the expected events per patient under
        the alternative.
    """

    hazard_ratio: float
    control_survival: float
    control_landmark: float
    shape: float
    accrual_months: float
    followup_months: float
    alpha: float
    p0: float
    p1: float
    p00: float
    p01: float
    omega: float
    sigma: float

    def power(self, n: int) -> float:
        """Power of the one-sided level-alpha test with ``n`` patients."""
        z = stats.norm.ppf(1 - self.alpha)
        return float(
            stats.norm.cdf((math.sqrt(n) * abs(self.omega) - math.sqrt(self.p0) * z) / self.sigma)
        )

    def sample_size(self, power: float) -> int:
        """Smallest n with at least ``power`` (Wu's formula rounded up)."""
        if not 0 < power < 1:  # NaN fails too
            raise ValueError(f"power = {power!r} must lie strictly between 0 and 1")
        za, zb = stats.norm.ppf(1 - self.alpha), stats.norm.ppf(power)
        n = (math.sqrt(self.p0) * za + self.sigma * zb) ** 2 / self.omega**2
        return math.ceil(n - 1e-9)  # an exact integer stays itself

    def simulated_power(
        self, n: int, reps: int = 20_000, seed: int = 20150101
    ) -> tuple[float, float]:
        """Power of the SAP 7.3.8 test by simulation, and its Monte-Carlo SE.

        Each trial: n entry times uniform on [0, ta]; event times from the alternative
        (:math:`\\Lambda_1 = \\delta \\Lambda_0`, by inversion); analysis at ta + tf;
        :math:`Z = (O - E)/\\sqrt{E}` with :math:`E = \\sum_i \\Lambda_0(t_i)`, as
        :func:`osteo_stats.analyse.survival.one_sample_logrank`; reject when
        :math:`\\Phi(Z) < \\alpha`. ``numpy.random.Generator(PCG64(seed))``.
        """
        if reps < 2 or n < 1:
            raise ValueError(f"need n >= 1 and reps >= 2; got n={n}, reps={reps}")
        if n * reps > SIMULATION_MAX_DRAWS:
            raise ValueError(
                f"n x reps = {n:,} x {reps:,} = {n * reps:,} simulated patients; at most "
                f"{SIMULATION_MAX_DRAWS:,} (about a minute). Hint: lower --reps (the "
                f"Monte-Carlo SE is at most 0.5/sqrt(reps)) or --n."
            )
        # The entry times are the first n x reps doubles of the stream and the event times
        # follow (as when both were drawn whole); a second generator advanced past the entry
        # times draws the events, so the trials are simulated in blocks of bounded memory with
        # exactly the numbers of a single draw.
        entry_rng = np.random.default_rng(seed)
        event_bits = np.random.PCG64(seed)
        event_bits.advance(n * reps)  # uniform(): one 64-bit draw per double
        event_rng = np.random.Generator(event_bits)
        scale, k = self._scale, self.shape
        block = max(1, SIMULATION_BLOCK_CELLS // n)
        hits = 0
        for start in range(0, reps, block):
            rows = min(block, reps - start)
            entry = entry_rng.uniform(0.0, self.accrual_months, size=(rows, n))
            t_event = (
                event_rng.standard_exponential(size=(rows, n)) / (self.hazard_ratio * scale)
            ) ** (1 / k)
            follow = self.accrual_months + self.followup_months - entry
            time = np.minimum(t_event, follow)
            observed = (t_event <= follow).sum(axis=1)
            expected = scale * (time**k).sum(axis=1)
            z = (observed - expected) / np.sqrt(expected)
            hits += int(np.count_nonzero(stats.norm.cdf(z) < self.alpha))
        p = hits / reps
        return p, math.sqrt(p * (1 - p) / reps)

    @property
    def _scale(self) -> float:
        return -math.log(self.control_survival) / self.control_landmark**self.shape

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python mapping (JSON-serialisable)."""
        return {k: float(v) for k, v in self.__dict__.items()}


def logrank_design(
    hazard_ratio: float,
    control_survival: float,
    control_landmark: float,
    shape: float,
    accrual_months: float,
    followup_months: float,
    alpha: float,
    *,
    names: Mapping[str, str] | None = None,
) -> LogrankDesign:
    """Wu (2015) design quantities for the one-sample log-rank test (see the module docstring).

    ``names`` maps a parameter to the name the caller knows it by (``{"hazard_ratio": "--hr"}``
    on the command line) for the error message.

    Raises
    ------
    ValueError
        An argument is not finite or out of range, naming it, its value and the range. The
        hazard ratio must lie in (0, 1): the test is one-sided for benefit (SAP 7.3.8: it
        rejects when fewer events occur than the control predicts), so at HR >= 1 no n reaches
        any power above alpha, and Wu's formula (symmetric in the sign of O - E) would report one.
    """
    checks = (
        (
            "hazard_ratio",
            hazard_ratio,
            0 < hazard_ratio < 1,
            "0 < HR < 1, a benefit: the test is one-sided (SAP 7.3.8), so at HR >= 1 no sample "
            "size has power above alpha",
        ),
        ("control_survival", control_survival, 0 < control_survival < 1, "0 < S < 1"),
        ("control_landmark", control_landmark, control_landmark > 0, "> 0 months"),
        ("shape", shape, shape > 0, "> 0"),
        ("accrual_months", accrual_months, accrual_months > 0, "> 0 months"),
        ("followup_months", followup_months, followup_months >= 0, ">= 0 months"),
        ("alpha", alpha, 0 < alpha < 1, "0 < alpha < 1 (one-sided)"),
    )
    label = dict(names or {})
    bad = [
        f"{label.get(name, name)} = {value!r} must be finite and {allowed}"
        for name, value, ok, allowed in checks
        if not (math.isfinite(value) and ok)
    ]
    if bad:
        raise ValueError("invalid log-rank design inputs: " + "; ".join(bad))
    delta, k, ta, tf = (
        float(hazard_ratio),
        float(shape),
        float(accrual_months),
        float(followup_months),
    )
    scale = -math.log(control_survival) / control_landmark**k  # Lambda0(t) = scale t^k
    tau = ta + tf

    def cum0(t: float) -> float:
        return scale * t**k

    def haz0(t: float) -> float:
        return scale * k * t ** (k - 1) if t > 0 else (scale if k == 1 else 0.0)

    def censor(t: float) -> float:
        return 1.0 if t <= tf else (tau - t) / ta

    def moment(power: int) -> float:
        def f(t: float) -> float:
            return math.exp(-delta * cum0(t)) * censor(t) * cum0(t) ** power * haz0(t)

        value, _ = integrate.quad(
            f,
            0.0,
            tau,
            points=[tf] if 0 < tf < tau else None,
            epsabs=1e-13,
            epsrel=1e-11,
            limit=200,
        )
        return value

    p0, p00 = moment(0), moment(1)
    p1, p01 = delta * p0, delta * p00
    sigma2 = p1 - p1**2 + 2 * p00 - p0**2 - 2 * p01 + 2 * p0 * p1
    return LogrankDesign(
        hazard_ratio=delta,
        control_survival=float(control_survival),
        control_landmark=float(control_landmark),
        shape=k,
        accrual_months=ta,
        followup_months=tf,
        alpha=float(alpha),
        p0=p0,
        p1=p1,
        p00=p00,
        p01=p01,
        omega=p1 - p0,
        sigma=math.sqrt(sigma2),
    )
