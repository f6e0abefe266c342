"""Design-based inference at the end of a Simon two-stage phase II trial.

A Simon design (``n1``, ``r1``, ``n``) enrols ``n1`` patients, stops for futility if at most
``r1`` of them respond, and otherwise enrols up to ``n`` in total. The trial outcome is the
pair (stopping stage, total responses). Inference that ignores the stopping rule (``x / m``
with a Clopper-Pearson interval) is biased and miscalibrated; this module gives

* the UMVUE of Jung & Kim (2004),
* the p-value under the stage-wise ordering of the sample space
  (Jung, Owzar, George & Lee 2006; Koyama & Chen 2008), and
* the exact confidence interval under the same ordering, of two-sided level
  :math:`1 - 2\\alpha` (so that its lower limit is the one-sided :math:`1 - \\alpha` bound
  consistent with the design's one-sided test at level :math:`\\alpha`).

The binomial probabilities of the design are computed here (no dependence on the design
search module). The sample sizes are assumed to be as planned: the stage-1 analysis was
done on exactly ``n1`` patients and a continuing trial enrolled exactly ``n``.

References
----------
Jung SH, Kim KM. On the estimation of the binomial probability in multistage clinical trials.
Stat Med 2004;23:881-896.

Jung SH, Owzar K, George SL, Lee T. P-value calculation for multistage phase II cancer
clinical trials. J Biopharm Stat 2006;16:765-775.

Koyama T, Chen H. Proper inference from Simon's two-stage designs. Stat Med
2008;27:3145-3154.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import optimize, stats

from osteo_stats.analyse.proportions import (
    _require_int,
    _require_probability,
    binomial_ci,
)

__all__ = [
    "STAGE1_CONTINUE",
    "STAGE1_PENDING",
    "STAGE1_STOP",
    "TwoStageInference",
    "stage1_decision",
    "two_stage_inference",
]

# brentq absolute tolerance on the confidence limits; the limits are reported to ~1e-13.
_ROOT_XTOL = 1e-14


@dataclass(frozen=True)
class TwoStageInference:
    """Inference at the end of a Simon two-stage trial.

    Attributes
    ----------
    x : int
        Total number of responses observed (over both stages if the trial continued).
    r1, n1, n : int
        The design: stop after ``n1`` patients if at most ``r1`` respond; otherwise ``n``.
    p0 : float
        Response rate under :math:`H_0`.
    alpha : float
        One-sided significance level of the design.
    stopped_early : bool
        True when ``x <= r1``: the trial stopped after stage 1.
    n_observed : int
        Patients in the analysis, ``n1`` if stopped early, otherwise ``n``.
    naive_estimate : float
        ``x / n_observed``, ignoring the design.
    naive_lower, naive_upper : float
        Clopper-Pearson interval of two-sided level ``1 - 2 * alpha`` for ``x`` out of
        ``n_observed``, ignoring the design (shown for transparency only).
    umvue : float
        Uniformly minimum variance unbiased estimate (Jung & Kim 2004).
    p_value : float
        One-sided p-value for :math:`H_1: p > p_0` under stage-wise ordering.
    lower, upper : float
        Exact confidence interval under stage-wise ordering, two-sided level ``conf_level``.
    conf_level : float
        ``1 - 2 * alpha``.
    """

    x: int
    r1: int
    n1: int
    n: int
    p0: float
    alpha: float
    stopped_early: bool
    n_observed: int
    naive_estimate: float
    naive_lower: float
    naive_upper: float
    umvue: float
    p_value: float
    lower: float
    upper: float
    conf_level: float


def two_stage_inference(
    x: int,
    r1: int,
    n1: int,
    n: int,
    p0: float,
    alpha: float = 0.05,
) -> TwoStageInference:
    """UMVUE, stage-wise p-value and exact CI at the end of a Simon two-stage trial.

    Let :math:`n_2 = n - n_1`, :math:`b(k; m, p)` the binomial probability and
    :math:`X_1, X_2` the stage-wise response counts. The outcome is :math:`(M, X)`, the
    stopping stage and the total number of responses; :math:`M = 1` iff :math:`X_1 \\le r_1`.

    **UMVUE** (Jung & Kim 2004; Rao-Blackwellised stage-1 proportion). If :math:`M = 1`,
    :math:`\\hat p = x / n_1`; if :math:`M = 2`,

    .. math::

        \\hat p = \\frac{\\sum_{x_1} \\binom{n_1 - 1}{x_1 - 1} \\binom{n_2}{x - x_1}}
                       {\\sum_{x_1} \\binom{n_1}{x_1} \\binom{n_2}{x - x_1}},
        \\qquad x_1 = \\max(r_1 + 1, x - n_2), \\dots, \\min(n_1, x),

    evaluated in exact integer arithmetic.

    **Stage-wise ordering.** Every outcome that stops at stage 1 lies below every outcome that
    reaches stage 2; within a stage, outcomes are ordered by :math:`x`. (For a Simon design,
    whose only early stop is for futility, this is the same as ordering by total :math:`x`.)
    The probability of an outcome at least as extreme as the observed one is

    .. math::

        G(p) = P_p\\{(M, X) \\succeq (m, x)\\} =
        \\begin{cases}
            P_p(X_1 \\ge x), & m = 1, \\\\
            \\sum_{x_1 = r_1 + 1}^{n_1} b(x_1; n_1, p)\\, P_p(X_2 \\ge x - x_1), & m = 2,
        \\end{cases}

    and the probability of an outcome at most as extreme is

    .. math::

        H(p) = P_p\\{(M, X) \\preceq (m, x)\\} =
        \\begin{cases}
            P_p(X_1 \\le x), & m = 1, \\\\
            P_p(X_1 \\le r_1) + \\sum_{x_1 = r_1 + 1}^{n_1} b(x_1; n_1, p)\\,
            P_p(X_2 \\le x - x_1), & m = 2.
        \\end{cases}

    Both are monotone in :math:`p` (:math:`G` increasing, :math:`H` decreasing).

    **p-value**: :math:`G(p_0)`.

    **Confidence interval** (exact, stage-wise ordering, two-sided level :math:`1 - 2\\alpha`):
    :math:`p_L` solves :math:`G(p_L) = \\alpha` and :math:`p_U` solves :math:`H(p_U) = \\alpha`
    (root-finding by Brent's method on (0, 1)). At the smallest outcome (stopped with
    :math:`x = 0`) :math:`p_L = 0`; at the largest (:math:`x = n`) :math:`p_U = 1`. Since
    :math:`G` is increasing, :math:`p_L > p_0` exactly when the p-value is below
    :math:`\\alpha`.

    Note that Koyama & Chen's published code (and R ``clinfun::twostage.inference``) take the
    upper limit from :math:`G(p_U) = 1 - \\alpha`, i.e. :math:`P_{p_U}\\{(M,X) \\prec (m,x)\\}
    = \\alpha` with a *strict* inequality, which is narrower than the exact (guaranteed
    coverage) limit used here. The lower limits of the two conventions are identical.

    Parameters
    ----------
    x : int
        Total responses observed. The trial stopped after stage 1 iff ``x <= r1``, in which
        case ``x`` is the stage-1 count out of ``n1``.
    r1 : int
        Stage-1 futility boundary: stop if at most ``r1`` of ``n1`` respond.
    n1 : int
        Stage-1 sample size.
    n : int
        Total planned sample size (``n > n1``).
    p0 : float
        Response rate under :math:`H_0`, in (0, 1).
    alpha : float, default 0.05
        One-sided significance level of the design, in (0, 0.5).

    Returns
    -------
    TwoStageInference

    Raises
    ------
    ValueError
        If an argument is not an integer where one is required, if the design is not
        ``0 <= r1 < n1 < n``, if ``x`` is outside ``0..n``, or if ``p0``/``alpha`` are out of
        range.

    Examples
    --------
    The PROMIS design (n1=13, r1=3, n=43, r=12, p0=0.20): 13 successes reject :math:`H_0`.

    >>> res = two_stage_inference(13, r1=3, n1=13, n=43, p0=0.20)
    >>> res.p_value <= 0.05, res.lower > 0.20
    (True, True)
    """
    func = "two_stage_inference"
    x = _require_int(func, "x", x)
    r1 = _require_int(func, "r1", r1)
    n1 = _require_int(func, "n1", n1)
    n = _require_int(func, "n", n)
    if not 0 <= r1 < n1 < n:
        raise ValueError(
            f"{func}: the design must satisfy 0 <= r1 < n1 < n; got r1={r1}, n1={n1}, n={n}. "
            "Pass the stage-1 boundary r1, the stage-1 size n1 and the total size n."
        )
    if not 0 <= x <= n:
        raise ValueError(f"{func}: x (total responses) must satisfy 0 <= x <= n; got x={x}, n={n}.")
    p0 = _require_probability(func, "p0", p0)
    alpha = _require_probability(func, "alpha", alpha)
    if alpha >= 0.5:
        raise ValueError(
            f"{func}: alpha is the one-sided level and must be below 0.5; got alpha={alpha}. "
            "The interval has two-sided level 1 - 2 * alpha."
        )

    n2 = n - n1
    stopped_early = x <= r1
    n_observed = n1 if stopped_early else n
    conf_level = 1.0 - 2.0 * alpha
    naive = binomial_ci(x, n_observed, conf_level=conf_level, method="clopper-pearson")

    def at_least(p: float) -> float:
        return _prob_at_least(p, x, r1, n1, n2, stopped_early)

    def at_most(p: float) -> float:
        return _prob_at_most(p, x, r1, n1, n2, stopped_early)

    is_minimum = stopped_early and x == 0
    is_maximum = x == n
    lower = 0.0 if is_minimum else _solve(lambda p: at_least(p) - alpha)
    upper = 1.0 if is_maximum else _solve(lambda p: at_most(p) - alpha)

    return TwoStageInference(
        x=x,
        r1=r1,
        n1=n1,
        n=n,
        p0=p0,
        alpha=alpha,
        stopped_early=stopped_early,
        n_observed=n_observed,
        naive_estimate=naive.estimate,
        naive_lower=naive.lower,
        naive_upper=naive.upper,
        umvue=_umvue(x, r1, n1, n2),
        p_value=min(1.0, at_least(p0)),
        lower=lower,
        upper=upper,
        conf_level=conf_level,
    )


def _umvue(x: int, r1: int, n1: int, n2: int) -> float:
    """Jung & Kim (2004) UMVUE, exact rational arithmetic."""
    if x <= r1:
        return x / n1
    x1 = range(max(r1 + 1, x - n2), min(n1, x) + 1)
    numerator = sum(math.comb(n1 - 1, k - 1) * math.comb(n2, x - k) for k in x1)
    denominator = sum(math.comb(n1, k) * math.comb(n2, x - k) for k in x1)
    return float(Fraction(numerator, denominator))


def _prob_at_least(p: float, x: int, r1: int, n1: int, n2: int, stopped_early: bool) -> float:
    """G(p): probability of an outcome at least as extreme (stage-wise ordering)."""
    if stopped_early:
        return float(stats.binom.sf(x - 1, n1, p))
    x1 = np.arange(r1 + 1, n1 + 1)
    return float(np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(x - x1 - 1, n2, p)))


def _prob_at_most(p: float, x: int, r1: int, n1: int, n2: int, stopped_early: bool) -> float:
    """H(p): probability of an outcome at most as extreme (stage-wise ordering)."""
    if stopped_early:
        return float(stats.binom.cdf(x, n1, p))
    x1 = np.arange(r1 + 1, n1 + 1)
    stage2 = np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.cdf(x - x1, n2, p))
    return float(stats.binom.cdf(r1, n1, p) + stage2)


def _solve(f) -> float:
    """Root of a monotone function on [0, 1] that changes sign between the end points."""
    return float(optimize.brentq(f, 0.0, 1.0, xtol=_ROOT_XTOL, rtol=4 * np.finfo(float).eps))


# --- the stage-1 futility rule at an interim cut-off (SAP 5.5, 10.1) --------------------------

STAGE1_CONTINUE = "continue to stage 2"
STAGE1_STOP = "stop for futility"
STAGE1_PENDING = "pending"


def stage1_decision(successes: int, pending: int, r1: int) -> str:
    """The stage-1 status of a Simon design while its outcome may still be open (SAP 5.5).

    :data:`STAGE1_CONTINUE` once ``successes > r1``; :data:`STAGE1_STOP` once ``successes +
    pending <= r1`` (even if every pending stage-1 place succeeded, r1 would not be exceeded);
    otherwise :data:`STAGE1_PENDING`.
    """
    if successes > r1:
        return STAGE1_CONTINUE
    if successes + pending <= r1:
        return STAGE1_STOP
    return STAGE1_PENDING
