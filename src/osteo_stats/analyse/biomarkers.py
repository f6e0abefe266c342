"""Rank tests, Fisher's exact test and false-discovery-rate control for the biomarkers (SAP 7.6).

Arrays go in; a frozen result comes out. The methods and the references they are tested against:

* :func:`signed_rank_test` -- Wilcoxon signed-rank test of paired differences with the
  Hodges-Lehmann shift and its distribution-free CI. Without ties and zeros the p-value, the
  estimate and the CI equal R's ``wilcox.test(post, pre, paired = TRUE, exact = TRUE,
  conf.int = TRUE)``. With ties among the absolute differences the p-value is the *exact
  conditional* (permutation) p-value given the mid-ranks (as ``exactRankTests::wilcox.exact``
  and ``coin::wilcoxsign_test(distribution = "exact")``), which R's ``wilcox.test`` cannot give
  (it falls back to the normal approximation); the tests check it against a brute-force
  enumeration of all :math:`2^n` sign vectors.
* :func:`rank_sum_test` -- Wilcoxon-Mann-Whitney test with the two-sample Hodges-Lehmann
  difference and CI (R ``wilcox.test(x, y, conf.int = TRUE)``; with ties the exact conditional
  p-value of ``coin::wilcox_test(distribution = "exact")``).
* :func:`fisher_exact` -- Fisher's exact test of a 2 x 2 table with the conditional maximum
  likelihood odds ratio and its exact CI (R ``fisher.test``).
* :func:`benjamini_hochberg` -- BH-adjusted p-values (R ``p.adjust(p, "BH")``).
* :func:`proportion_increased` -- the share of pairs with post > pre, Clopper-Pearson CI.

How the exact conditional distributions are computed
----------------------------------------------------
Mid-ranks are multiples of 1/2, so *doubled* mid-ranks :math:`a_i = 2 r_i` are integers. The
null distribution of a sum of a random subset of them is read off a generating function:

* signed-rank: each non-zero difference is positive with probability 1/2 independently, so the
  doubled statistic :math:`2V = \\sum_i a_i s_i` (:math:`s_i \\in \\{0, 1\\}`) has counts given by
  the coefficients of :math:`\\prod_i (1 + x^{a_i})`;
* rank-sum: the first sample is a uniformly random :math:`m`-subset of the pooled ranks, so the
  counts of the doubled rank sum are the coefficients of :math:`y^m` in
  :math:`\\prod_i (1 + y\\,x^{a_i})`.

Each product is built by one vectorised shift-and-add per observation (a convolution with a
two-term polynomial). Without ties these are the classical distributions of R's ``dsignrank``
and ``dwilcox``.

How exact and asymptotic are chosen (SAP 7.6)
---------------------------------------------
The cost of a generating function is the number of cell updates of its shift-and-add loop: for
the rank-sum counts :math:`N (k + 1)(N(N + 1) + 1)` with :math:`k = \\min(m, n)` (the smaller
sample's subsets give the same distribution, reversed), for the classical Mann-Whitney
critical value of the CI :math:`N (k + 1)(N(N + 1)/2 + 1)`, for the classical signed-rank
critical value :math:`n (n(n + 1)/2 + 1)`. ``method="auto"`` computes a distribution exactly
when its cost is at most :data:`EXACT_MAX_CELL_UPDATES` (about a second and at most ~100 MB);
above, the p-value is the normal approximation with tie and continuity correction (R
``wilcox.test(exact = FALSE, correct = TRUE)``) and the critical value of the CI is the normal
approximation of R's ``qwilcox``/``qsignrank`` with continuity correction. The result records
which (``method``, ``ci_method``).

An explicit ``method="exact"`` is refused (``ValueError`` naming the limit) beyond what can be
computed exactly in bounded time and memory, never answered with a wrong p-value: the
signed-rank distribution is held as probabilities (each factor :math:`(1 + x^{a})/2`), exact to
rounding while the smallest, :math:`2^{-n}`, is a normal float64 number, so up to
:data:`EXACT_LIMIT_SIGNED_RANK` pairs; a rank-sum generating function at most
:data:`EXACT_LIMIT_CELL_UPDATES` cell updates (a few seconds, at most ~300 MB; its integer counts
stay far below the float64 range there).

Two-sided exact p-values are :math:`P(|T - E T| \\ge |t - E T|)` under the conditional
distribution, compared in exact integer arithmetic. For the signed-rank statistic the null
distribution is symmetric, so this equals R's :math:`\\min\\{1, 2 \\min(P(T \\le t),
P(T \\ge t))\\}`; for the rank-sum statistic it is the definition of ``coin`` (with ties the
distribution need not be symmetric), and again R's without ties.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, stats

from osteo_stats.analyse.proportions import BinomialCI, binomial_ci

__all__ = [
    "EXACT_MAX_CELL_UPDATES",
    "EXACT_MAX_RANK_SUM",
    "EXACT_MAX_SIGNED_RANK",
    "EXACT_LIMIT_CELL_UPDATES",
    "EXACT_LIMIT_SIGNED_RANK",
    "RANK_METHODS",
    "FisherResult",
    "RankSumResult",
    "SignedRankResult",
    "benjamini_hochberg",
    "fisher_exact",
    "proportion_increased",
    "rank_sum_test",
    "signed_rank_test",
]

RankMethod = Literal["auto", "exact", "normal"]

RANK_METHODS: tuple[str, ...] = ("auto", "exact", "normal")
"""Names accepted by ``method`` of :func:`signed_rank_test` and :func:`rank_sum_test`."""

EXACT_MAX_SIGNED_RANK = 50
"""``method="auto"``: exact signed-rank p-value up to this many non-zero differences (SAP 7.6)."""

EXACT_MAX_CELL_UPDATES = 200_000_000
"""``method="auto"``: largest exact generating function, in cell updates (SAP 7.6).

About a second and, for the rank-sum table, at most ~100 MB; the rank-sum p-value of the trial
(N <= 43) costs under 2 million. Above it the normal approximation is used (module docstring).
"""

EXACT_LIMIT_SIGNED_RANK = 1000
"""``method="exact"``: most pairs (and non-zero differences) the exact signed-rank distribution
and its CI critical value are computed for; more is refused (module docstring). Probabilities
down to :math:`2^{-1000}` are normal float64 numbers (the smallest is :math:`2^{-1022}`)."""

EXACT_LIMIT_CELL_UPDATES = 2_000_000_000
"""``method="exact"``: largest rank-sum generating function computed on request, in cell
updates (a few seconds, at most ~300 MB); more is refused (module docstring)."""

EXACT_MAX_RANK_SUM = 200
"""Kept for compatibility: no longer used. ``method="auto"`` chooses by cost
(:data:`EXACT_MAX_CELL_UPDATES`), not by the number of observations."""

# R's fisher.test counts tables with probability within this relative tolerance of the
# observed one as "no more likely" (stats::fisher.test, relErr <- 1 + 10^(-7)).
_R_RELATIVE_TOLERANCE = 1.0 + 1e-7


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedRankResult:
    """Wilcoxon signed-rank test of ``post - pre`` with the Hodges-Lehmann shift.

    Attributes
    ----------
    n : int
        Number of pairs.
    n_zero, n_positive, n_negative : int
        Pairs with ``post == pre`` (dropped from the test), ``post > pre`` and ``post < pre``.
    statistic : float
        :math:`V`, the sum of the (mid-)ranks of the absolute non-zero differences that are
        positive (R's ``V``).
    p_value : float
        Two-sided p-value; 1 when every difference is zero.
    method : str
        ``"exact"`` (exact conditional distribution given the mid-ranks) or ``"normal"``
        (normal approximation with tie and continuity correction).
    ties : bool
        Whether the absolute non-zero differences have ties (mid-ranks were used).
    estimate : float
        Hodges-Lehmann shift: the median of the Walsh averages of all ``n`` differences.
    lower, upper : float
        Distribution-free confidence limits for the shift (order statistics of the Walsh
        averages); ``NaN`` for a single pair.
    conf_level : float
        Requested two-sided confidence level.
    conf_level_achieved : float
        Coverage of the order-statistic interval under the continuous-data null distribution
        (below ``conf_level`` when ``n`` is too small to reach it, e.g. ``n <= 5``).
    ci_method : str
        Critical value of the CI from the ``"exact"`` classical distribution (R ``qsignrank``)
        or its ``"normal"`` approximation (too costly to compute exactly).
    """

    n: int
    n_zero: int
    n_positive: int
    n_negative: int
    statistic: float
    p_value: float
    method: str
    ties: bool
    estimate: float
    lower: float
    upper: float
    conf_level: float
    conf_level_achieved: float
    ci_method: str = "exact"


@dataclass(frozen=True)
class RankSumResult:
    """Wilcoxon-Mann-Whitney test of ``x`` against ``y`` with the Hodges-Lehmann difference.

    Attributes
    ----------
    n_x, n_y : int
        Sample sizes.
    statistic : float
        :math:`W = R_x - n_x (n_x + 1) / 2`, with :math:`R_x` the sum of the mid-ranks of ``x``
        in the pooled sample (R's ``W``; the number of pairs with :math:`x_i > y_j`, ties
        counting 1/2).
    p_value : float
        Two-sided p-value.
    method : str
        ``"exact"`` (exact conditional distribution given the mid-ranks) or ``"normal"``.
    ties : bool
        Whether the pooled sample has ties.
    estimate : float
        Hodges-Lehmann difference ``x - y``: the median of all :math:`n_x n_y` differences
        :math:`x_i - y_j`.
    lower, upper : float
        Distribution-free confidence limits (order statistics of the differences).
    conf_level, conf_level_achieved : float
        Requested and achieved (continuous-data) two-sided confidence level.
    ci_method : str
        Critical value of the CI from the ``"exact"`` classical distribution (R ``qwilcox``) or
        its ``"normal"`` approximation (too costly to compute exactly).
    """

    n_x: int
    n_y: int
    statistic: float
    p_value: float
    method: str
    ties: bool
    estimate: float
    lower: float
    upper: float
    conf_level: float
    conf_level_achieved: float
    ci_method: str = "exact"


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of a 2 x 2 table ``[[a, b], [c, d]]``.

    Attributes
    ----------
    table : tuple of tuple of int
        The table as given.
    p_value : float
        Two-sided p-value (R ``fisher.test``).
    odds_ratio : float
        Conditional maximum likelihood estimate of the odds ratio (``0`` or ``inf`` at the edge
        of the support, ``NaN`` when a margin is zero).
    lower, upper : float
        Exact conditional confidence limits for the odds ratio.
    conf_level : float
        Two-sided confidence level.
    """

    table: tuple[tuple[int, int], tuple[int, int]]
    p_value: float
    odds_ratio: float
    lower: float
    upper: float
    conf_level: float


# --------------------------------------------------------------------------------------------
# Validation at the door
# --------------------------------------------------------------------------------------------


def _as_values(func: str, name: str, values: ArrayLike) -> np.ndarray:
    try:
        out = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{func}: {name} must be numeric; could not convert {values!r} to numbers. "
            "Pass a 1-D array of marker values."
        ) from None
    if out.ndim != 1:
        raise ValueError(
            f"{func}: {name} must be 1-dimensional; got shape {out.shape}. "
            "Pass one value per patient."
        )
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{func}: {name} has {bad.size} missing or non-finite value(s), first at position "
            f"{i} (value {float(out[i])!r}). Rank tests never impute: drop those patients first "
            "(SAP 7.6)."
        )
    return out


def _check_conf_level(func: str, conf_level: object) -> float:
    if (
        isinstance(conf_level, bool)
        or not isinstance(conf_level, numbers.Real)
        or not 0 < float(conf_level) < 1
    ):
        raise ValueError(f"{func}: conf_level must be a number in (0, 1); got {conf_level!r}.")
    return float(conf_level)


def _check_method(func: str, method: object) -> str:
    if not isinstance(method, str) or method not in RANK_METHODS:
        listed = ", ".join(repr(m) for m in RANK_METHODS)
        raise ValueError(f"{func}: unknown method {method!r}; allowed: {listed}.")
    return method


# --------------------------------------------------------------------------------------------
# Generating functions on doubled ranks
# --------------------------------------------------------------------------------------------


def _doubled_midranks(values: np.ndarray) -> np.ndarray:
    """Twice the mid-ranks (ties get the average rank), as exact integers."""
    return np.rint(2.0 * stats.rankdata(values, method="average")).astype(np.int64)


def _signed_rank_probabilities(doubled_ranks: np.ndarray) -> np.ndarray:
    """Coefficients of :math:`\\prod_i (1 + x^{a_i})/2`: the null probabilities of doubled V.

    Element ``s`` is the share of the :math:`2^n` sign assignments whose positive doubled ranks
    sum to ``s``. Held as probabilities, not counts, so nothing overflows: every non-zero
    element is at least :math:`2^{-n}`, a normal float64 number for n <= 1022, and the relative
    rounding error is of the order of n machine epsilons (callers keep n <=
    :data:`EXACT_LIMIT_SIGNED_RANK`).
    """
    probabilities = np.zeros(int(doubled_ranks.sum()) + 1)
    probabilities[0] = 1.0
    top = 0
    for a in doubled_ranks:
        # multiply by (1 + x^a)/2: halve, then add a shifted copy (rhs evaluated first).
        probabilities[: top + 1] *= 0.5
        probabilities[a : top + a + 1] += probabilities[: top + 1].copy()
        top += int(a)
    return probabilities


def _refuse_exact_signed_rank(func: str, n_pairs: int, what: str) -> None:
    if n_pairs > EXACT_LIMIT_SIGNED_RANK:
        raise ValueError(
            f"{func}: method='exact' is computed for at most {EXACT_LIMIT_SIGNED_RANK} {what}; "
            f"got {n_pairs}. Beyond that the exact distribution cannot be held in float64 "
            "(probabilities down to 2^-n). Hint: use method='auto' or method='normal' (the "
            "normal approximation is accurate at this size)."
        )


def _rank_sum_cost(ranks_total: int, big_n: int, m: int) -> int:
    """Cell updates of :func:`_rank_sum_counts` for ranks summing to ``ranks_total``."""
    return big_n * (min(m, big_n - m) + 1) * (ranks_total + 1)


def _rank_sum_counts(doubled_ranks: np.ndarray, m: int) -> np.ndarray:
    """Counts of the ``m``-subsets of ``doubled_ranks`` by their sum (coefficient of y^m).

    Row ``j`` of the working table is the generating function of the ``j``-subsets; multiplying
    by :math:`(1 + y\\,x^{a})` shifts every row down one and right by ``a``. The complement of
    an ``m``-subset is an ``(N - m)``-subset with sum ``total - s``, so the smaller of the two
    is computed and reversed if needed.
    """
    total = int(doubled_ranks.sum())
    if 2 * m > doubled_ranks.size:
        return _rank_sum_counts(doubled_ranks, doubled_ranks.size - m)[::-1].copy()
    table = np.zeros((m + 1, total + 1))
    table[0, 0] = 1.0
    for a in doubled_ranks:
        table[1:, a:] += table[:-1, : total + 1 - a].copy()
    return table[m]


def _classical_signed_rank_cdf(n: int) -> np.ndarray:
    """P(V <= v), v = 0..n(n+1)/2, for n untied non-zero differences (R ``psignrank``)."""
    probabilities = _signed_rank_probabilities(np.arange(1, n + 1, dtype=np.int64))
    return np.cumsum(probabilities) / probabilities.sum()


def _classical_rank_sum_cdf(n_x: int, n_y: int) -> np.ndarray:
    """P(W <= w), w = 0..n_x n_y, without ties (R ``pwilcox``)."""
    counts = _rank_sum_counts(np.arange(1, n_x + n_y + 1, dtype=np.int64), n_x)
    offset = n_x * (n_x + 1) // 2  # smallest possible rank sum
    counts = counts[offset : offset + n_x * n_y + 1]
    return np.cumsum(counts) / counts.sum()


def _normal_lower_critical_index(mean: float, sd: float, alpha: float) -> tuple[int, float]:
    """:func:`_lower_critical_index` with the null distribution of the integer statistic
    replaced by its normal approximation with continuity correction,
    :math:`P(T \\le t) \\approx \\Phi((t + 1/2 - \\mu)/\\sigma)`."""
    q = max(math.ceil(mean - 0.5 + sd * float(stats.norm.ppf(alpha / 2))), 1)
    return q, 1.0 - 2.0 * float(stats.norm.cdf((q - 1 + 0.5 - mean) / sd))


def _lower_critical_index(cdf: np.ndarray, alpha: float) -> tuple[int, float]:
    """R's ``q <- qsignrank(alpha/2, n)`` (or ``qwilcox``) with ``q = max(q, 1)``.

    Returns the 1-based order statistic of the lower limit and the achieved two-sided
    confidence level :math:`1 - 2 P(T \\le q - 1)`.
    """
    # smallest q with P(T <= q) >= alpha / 2, with R's fuzz of 10 machine epsilons.
    q = int(np.searchsorted(cdf, alpha / 2 - 10 * np.finfo(float).eps, side="left"))
    q = max(q, 1)
    return q, 1.0 - 2.0 * float(cdf[q - 1])


def _two_sided_exact_p(counts: np.ndarray, observed: int, scale: int, centre: int) -> float:
    """:math:`P(|scale\\cdot S - centre| \\ge |scale\\cdot s - centre|)`, in exact integers.

    ``counts[s]`` are the (unnormalised) null counts of the integer statistic ``S``; the
    centre is ``scale * E[S]`` (an integer by construction).
    """
    support = np.arange(counts.size, dtype=np.int64)
    distance = np.abs(scale * support - centre)
    extreme = distance >= abs(scale * observed - centre)
    return float(min(1.0, counts[extreme].sum() / counts.sum()))


def _two_sided_normal_p(z: float) -> float:
    return float(min(1.0, 2.0 * min(stats.norm.cdf(z), stats.norm.sf(z))))


def _median_sorted(values: np.ndarray) -> float:
    return float(np.median(values))


# --------------------------------------------------------------------------------------------
# Wilcoxon signed-rank test
# --------------------------------------------------------------------------------------------


def signed_rank_test(
    pre: ArrayLike,
    post: ArrayLike,
    conf_level: float = 0.95,
    method: RankMethod = "auto",
    correct: bool = True,
) -> SignedRankResult:
    """Wilcoxon signed-rank test of the paired differences ``d = post - pre`` (SAP 7.6).

    **Test.** Zero differences are dropped (Wilcoxon's method, as R ``wilcox.test``); the
    remaining :math:`n'` absolute differences are ranked with mid-ranks :math:`r_i` for ties and

    .. math::

        V = \\sum_{i:\\, d_i > 0} r_i .

    ``method="exact"`` uses the exact conditional (permutation) distribution of :math:`V` given
    the mid-ranks: under :math:`H_0` each sign is :math:`\\pm` with probability 1/2
    independently, so :math:`P(V = v) = c_v / 2^{n'}` with :math:`c_v` the coefficient of
    :math:`x^{2v}` in :math:`\\prod_i (1 + x^{2 r_i})`. The two-sided p-value is
    :math:`P(|V - E V| \\ge |v - E V|)` with :math:`E V = \\sum_i r_i / 2`. Without ties this is
    R's ``wilcox.test(exact = TRUE)``. ``method="normal"`` uses

    .. math::

        z = \\frac{V - n'(n'+1)/4 - \\tfrac12\\operatorname{sign}(\\cdot)}
                  {\\sqrt{n'(n'+1)(2n'+1)/24 - \\sum_k (t_k^3 - t_k)/48}}

    (:math:`t_k` the sizes of the tie groups; the continuity correction only if ``correct``),
    as R ``wilcox.test(exact = FALSE)``. ``method="auto"`` (default) is exact when
    :math:`n' \\le 50` (:data:`EXACT_MAX_SIGNED_RANK`) and normal above. ``method="exact"``
    with more than :data:`EXACT_LIMIT_SIGNED_RANK` pairs is refused (module docstring).

    **Hodges-Lehmann shift.** The median of the :math:`M = n(n+1)/2` Walsh averages
    :math:`(d_i + d_j)/2,\\ i \\le j` of *all* :math:`n` differences (zeros included, SAP 7.6),
    with the CI :math:`[W_{(q)}, W_{(M + 1 - q)}]` of the ordered Walsh averages, where
    :math:`q \\ge 1` is the :math:`\\alpha/2` quantile of the classical signed-rank distribution
    for :math:`n` (Hollander, Wolfe and Chicken 2014, section 3.3). Without zeros and ties this is
    exactly R's ``wilcox.test(conf.int = TRUE)``; with zeros or ties R switches to an
    asymptotic estimate and interval, this function does not (SAP 7.6).

    The test depends only on the signs of the differences and the order of their absolute
    values, so it is invariant to any strictly increasing transform of :math:`|d|`.

    Parameters
    ----------
    pre, post : array-like of float
        Paired values, one per patient, without missing values (no imputation: drop the
        patients first).
    conf_level : float, default 0.95
        Two-sided confidence level of the Hodges-Lehmann CI.
    method : {"auto", "exact", "normal"}
        P-value method (see above).
    correct : bool, default True
        Continuity correction of the normal approximation (SAP 7.6).

    Returns
    -------
    SignedRankResult

    Raises
    ------
    ValueError
        Empty, unequal-length, non-numeric or missing input; unknown ``method``; ``conf_level``
        outside (0, 1); ``method="exact"`` with more than :data:`EXACT_LIMIT_SIGNED_RANK` pairs.
    """
    func = "signed_rank_test"
    x0 = _as_values(func, "pre", pre)
    x1 = _as_values(func, "post", post)
    if x0.size != x1.size:
        raise ValueError(
            f"{func}: pre and post must have one value per patient each; got {x0.size} pre and "
            f"{x1.size} post values. Keep only patients with both values."
        )
    if x0.size == 0:
        raise ValueError(f"{func}: no pairs; the test needs at least one patient with both values.")
    conf_level = _check_conf_level(func, conf_level)
    method = _check_method(func, method)
    if method == "exact":
        # the CI's critical value uses all pairs, zeros included (SAP 7.6)
        _refuse_exact_signed_rank(func, int(x0.size), "pairs")

    d = x1 - x0
    nonzero = d[d != 0]
    n_nz = int(nonzero.size)
    ties = False
    if n_nz == 0:
        statistic, p_value = 0.0, 1.0
        used = "exact"
    else:
        doubled = _doubled_midranks(np.abs(nonzero))
        ties = bool(np.unique(doubled).size < n_nz)
        v2 = int(doubled[nonzero > 0].sum())
        statistic = v2 / 2
        used = (
            ("exact" if n_nz <= EXACT_MAX_SIGNED_RANK else "normal") if method == "auto" else method
        )
        if used == "exact":
            probabilities = _signed_rank_probabilities(doubled)
            # E[2V] = sum(doubled)/2; compare |2 * 2V - sum| in integers.
            p_value = _two_sided_exact_p(probabilities, v2, scale=2, centre=int(doubled.sum()))
        else:
            _, tie_sizes = np.unique(doubled, return_counts=True)
            z = statistic - n_nz * (n_nz + 1) / 4
            sigma = math.sqrt(
                n_nz * (n_nz + 1) * (2 * n_nz + 1) / 24
                - float(np.sum(tie_sizes**3 - tie_sizes)) / 48
            )
            if sigma == 0:
                p_value = 1.0
            else:
                correction = 0.5 * np.sign(z) if correct else 0.0
                p_value = _two_sided_normal_p((z - correction) / sigma)

    n = int(d.size)
    ci_method = "exact"
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2)
    estimate = _median_sorted(walsh)
    if n == 1:
        lower = upper = math.nan
        achieved = math.nan
    else:
        if method == "exact" or n * (n * (n + 1) // 2 + 1) <= EXACT_MAX_CELL_UPDATES:
            ci_method = "exact"
            q, achieved = _lower_critical_index(_classical_signed_rank_cdf(n), 1 - conf_level)
        else:
            ci_method = "normal"
            sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
            q, achieved = _normal_lower_critical_index(n * (n + 1) / 4, sd, 1 - conf_level)
        lower, upper = float(walsh[q - 1]), float(walsh[walsh.size - q])

    return SignedRankResult(
        n=n,
        n_zero=int(n - n_nz),
        n_positive=int(np.sum(d > 0)),
        n_negative=int(np.sum(d < 0)),
        statistic=float(statistic),
        p_value=float(p_value),
        method=used,
        ties=ties,
        estimate=estimate,
        lower=lower,
        upper=upper,
        conf_level=conf_level,
        conf_level_achieved=achieved,
        ci_method=ci_method,
    )


# --------------------------------------------------------------------------------------------
# Wilcoxon-Mann-Whitney rank-sum test
# --------------------------------------------------------------------------------------------


def rank_sum_test(
    x: ArrayLike,
    y: ArrayLike,
    conf_level: float = 0.95,
    method: RankMethod = "auto",
    correct: bool = True,
) -> RankSumResult:
    """Wilcoxon-Mann-Whitney test of ``x`` against ``y`` with the Hodges-Lehmann difference.

    **Test.** With :math:`R_x` the sum of the mid-ranks of ``x`` in the pooled sample of size
    :math:`N = m + n`,

    .. math::

        W = R_x - \\frac{m(m+1)}{2}.

    ``method="exact"`` uses the exact conditional distribution of :math:`R_x` given the pooled
    mid-ranks :math:`r_k` (``x`` is a uniformly random :math:`m`-subset under :math:`H_0`):
    the counts are the coefficients of :math:`y^m x^{2s}` in :math:`\\prod_k (1 + y\\,x^{2 r_k})`,
    over :math:`\\binom{N}{m}`. The two-sided p-value is :math:`P(|W - mn/2| \\ge |w - mn/2|)`
    (``coin::wilcox_test(distribution = "exact")``; R ``wilcox.test(exact = TRUE)`` without
    ties). ``method="normal"``:

    .. math::

        z = \\frac{W - mn/2 - \\tfrac12\\operatorname{sign}(\\cdot)}{\\sigma}, \\qquad
        \\sigma^2 = \\frac{mn}{12}\\Bigl(N + 1 - \\frac{\\sum_k (t_k^3 - t_k)}{N(N-1)}\\Bigr)

    as R ``wilcox.test(exact = FALSE)`` (continuity correction only if ``correct``).
    ``method="auto"`` (default) is exact when the generating function costs at most
    :data:`EXACT_MAX_CELL_UPDATES` cell updates (module docstring), normal above; the CI's
    critical value likewise (``ci_method``). ``method="exact"`` costing more than
    :data:`EXACT_LIMIT_CELL_UPDATES` is refused.

    **Hodges-Lehmann difference.** The median of the :math:`mn` differences
    :math:`x_i - y_j`, with the CI :math:`[D_{(q)}, D_{(mn + 1 - q)}]` of the ordered
    differences, :math:`q \\ge 1` the :math:`\\alpha/2` quantile of the classical
    Mann-Whitney distribution (R ``qwilcox``), exactly as R ``wilcox.test(conf.int = TRUE,
    exact = TRUE)`` (Hollander, Wolfe and Chicken 2014, section 4.3).

    Parameters
    ----------
    x, y : array-like of float
        The two samples (e.g. responders, non-responders), no missing values, each non-empty.
    conf_level : float, default 0.95
        Two-sided confidence level of the Hodges-Lehmann CI.
    method : {"auto", "exact", "normal"}
        P-value method (see above).
    correct : bool, default True
        Continuity correction of the normal approximation.

    Returns
    -------
    RankSumResult

    Raises
    ------
    ValueError
        An empty sample, non-numeric or missing values, unknown ``method``, ``conf_level``
        outside (0, 1), ``method="exact"`` costing more than :data:`EXACT_LIMIT_CELL_UPDATES`.
    """
    func = "rank_sum_test"
    xs = _as_values(func, "x", x)
    ys = _as_values(func, "y", y)
    for name, values in (("x", xs), ("y", ys)):
        if values.size == 0:
            raise ValueError(
                f"{func}: {name} is empty; a two-sample test needs at least one value per group."
            )
    conf_level = _check_conf_level(func, conf_level)
    method = _check_method(func, method)

    m, n = int(xs.size), int(ys.size)
    big_n = m + n
    doubled = _doubled_midranks(np.concatenate((xs, ys)))
    ties = bool(np.unique(doubled).size < big_n)
    rx2 = int(doubled[:m].sum())  # doubled rank sum of x
    if method == "exact" and (cost := _rank_sum_cost(int(doubled.sum()), big_n, m)) > (
        EXACT_LIMIT_CELL_UPDATES
    ):
        raise ValueError(
            f"{func}: method='exact' with {m} + {n} observations needs {cost:,} cell updates of "
            f"its generating function; the limit is {EXACT_LIMIT_CELL_UPDATES:,} (a few seconds "
            "and at most ~300 MB). Hint: use method='auto' or method='normal' (the normal "
            "approximation is accurate at this size)."
        )
    statistic = rx2 / 2 - m * (m + 1) / 2
    if method == "auto":
        cheap = _rank_sum_cost(int(doubled.sum()), big_n, m) <= EXACT_MAX_CELL_UPDATES
        used = "exact" if cheap else "normal"
    else:
        used = method
    if used == "exact":
        counts = _rank_sum_counts(doubled, m)
        # E[2 R_x] = m * sum(doubled) / N; compare |N * 2R_x - m * sum| in integers.
        p_value = _two_sided_exact_p(counts, rx2, scale=big_n, centre=m * int(doubled.sum()))
    else:
        _, tie_sizes = np.unique(doubled, return_counts=True)
        z = statistic - m * n / 2
        sigma = math.sqrt(
            (m * n / 12)
            * ((big_n + 1) - float(np.sum(tie_sizes**3 - tie_sizes)) / (big_n * (big_n - 1)))
        )
        if sigma == 0:
            p_value = 1.0
        else:
            correction = 0.5 * np.sign(z) if correct else 0.0
            p_value = _two_sided_normal_p((z - correction) / sigma)

    diffs = np.sort(np.subtract.outer(xs, ys).ravel())
    estimate = _median_sorted(diffs)
    if method == "exact" or _rank_sum_cost(big_n * (big_n + 1) // 2, big_n, m) <= (
        EXACT_MAX_CELL_UPDATES
    ):
        ci_method = "exact"
        q, achieved = _lower_critical_index(_classical_rank_sum_cdf(m, n), 1 - conf_level)
    else:
        ci_method = "normal"
        sd = math.sqrt(m * n * (big_n + 1) / 12)
        q, achieved = _normal_lower_critical_index(m * n / 2, sd, 1 - conf_level)
    lower, upper = float(diffs[q - 1]), float(diffs[diffs.size - q])

    return RankSumResult(
        n_x=m,
        n_y=n,
        statistic=float(statistic),
        p_value=float(p_value),
        method=used,
        ties=ties,
        estimate=estimate,
        lower=lower,
        upper=upper,
        conf_level=conf_level,
        conf_level_achieved=achieved,
        ci_method=ci_method,
    )


# --------------------------------------------------------------------------------------------
# Fisher's exact test
# --------------------------------------------------------------------------------------------


def _as_table(func: str, table: ArrayLike) -> np.ndarray:
    try:
        t = np.asarray(table)
        ok = t.shape == (2, 2) and np.all(np.asarray(t, dtype=float) == np.rint(t))
    except (TypeError, ValueError):
        ok = False
    if not ok or np.any(np.asarray(table, dtype=float) < 0):
        raise ValueError(
            f"{func}: table must be a 2 x 2 array of non-negative integer counts; got {table!r}. "
            "Rows are the marker groups (e.g. high, low), columns the outcome (yes, no)."
        )
    return np.asarray(t, dtype=np.int64)


def fisher_exact(table: ArrayLike, conf_level: float = 0.95) -> FisherResult:
    """Fisher's exact test of independence in a 2 x 2 table, two-sided, as R ``fisher.test``.

    Given the margins, the top-left count :math:`X` is hypergeometric under :math:`H_0`, and
    non-central hypergeometric with odds ratio :math:`\\psi` in general:

    .. math::

        P_\\psi(X = x) \\propto \\binom{m}{x}\\binom{n}{k - x}\\psi^x,
        \\qquad \\max(0, k - n) \\le x \\le \\min(k, m),

    (:math:`m, n` the column totals, :math:`k` the first row total). The two-sided p-value sums
    :math:`P_1(X = x)` over all tables with :math:`P_1(X = x) \\le P_1(X = x_{obs})(1 +
    10^{-7})`. The odds ratio is the conditional maximum likelihood estimate (the :math:`\\psi`
    with :math:`E_\\psi X = x_{obs}`); the limits solve :math:`P_\\psi(X \\ge x_{obs}) =
    \\alpha/2` and :math:`P_\\psi(X \\le x_{obs}) = \\alpha/2`.

    Parameters
    ----------
    table : array-like, shape (2, 2)
        Non-negative integer counts ``[[a, b], [c, d]]``.
    conf_level : float, default 0.95
        Two-sided confidence level of the odds-ratio interval.

    Returns
    -------
    FisherResult
    """
    func = "fisher_exact"
    t = _as_table(func, table)
    conf_level = _check_conf_level(func, conf_level)
    as_tuple = ((int(t[0, 0]), int(t[0, 1])), (int(t[1, 0]), int(t[1, 1])))
    m, n = int(t[:, 0].sum()), int(t[:, 1].sum())
    k, x = int(t[0, :].sum()), int(t[0, 0])
    lo, hi = max(0, k - n), min(k, m)
    support = np.arange(lo, hi + 1)
    logdc = stats.hypergeom.logpmf(support, m + n, m, k)
    d = np.exp(logdc - logdc.max())
    d /= d.sum()
    observed = d[x - lo]
    p_value = float(min(1.0, d[d <= observed * _R_RELATIVE_TOLERANCE].sum()))

    if lo == hi:  # a zero margin: the odds ratio is not identifiable
        return FisherResult(as_tuple, p_value, math.nan, math.nan, math.nan, conf_level)

    def density(psi: float) -> np.ndarray:
        logp = logdc + support * math.log(psi)
        w = np.exp(logp - logp.max())
        return w / w.sum()

    def mean(psi: float) -> float:
        return float(np.sum(support * density(psi)))

    def upper_tail(psi: float) -> float:  # P_psi(X >= x)
        return float(density(psi)[support >= x].sum())

    def lower_tail(psi: float) -> float:  # P_psi(X <= x)
        return float(density(psi)[support <= x].sum())

    def solve(f: Any, target: float) -> float:
        """Root in psi of the increasing-in-log(psi) function f - target on the log scale."""
        return float(
            math.exp(optimize.brentq(lambda u: f(math.exp(u)) - target, -700, 700, xtol=1e-12))
        )

    if x == lo:
        estimate = 0.0
    elif x == hi:
        estimate = math.inf
    else:
        estimate = solve(mean, x)
    alpha = (1 - conf_level) / 2
    lower = 0.0 if x == lo else solve(upper_tail, alpha)
    upper = math.inf if x == hi else solve(lambda psi: -lower_tail(psi), -alpha)
    return FisherResult(as_tuple, p_value, estimate, lower, upper, conf_level)


# --------------------------------------------------------------------------------------------
# Benjamini-Hochberg and the proportion increased
# --------------------------------------------------------------------------------------------


def benjamini_hochberg(p_values: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, as R ``p.adjust(p, method = "BH")``.

    With the :math:`m` non-missing p-values sorted as :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,

    .. math::

        \\tilde p_{(i)} = \\min\\Bigl(1, \\min_{j \\ge i} \\frac{m}{j} p_{(j)}\\Bigr).

    Missing values (``NaN``, e.g. a test that could not be done) stay missing and do not count
    in :math:`m`, as in R.

    Parameters
    ----------
    p_values : array-like of float
        Raw p-values in [0, 1] (or NaN), one family (SAP 7.6 point 6).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.
    """
    values = np.asarray(p_values, dtype=float)
    if values.ndim != 1:
        raise ValueError(
            f"benjamini_hochberg: p_values must be 1-dimensional; got shape {values.shape}. "
            "Pass the p-values of one family."
        )
    present = ~np.isnan(values)
    if np.any((values[present] < 0) | (values[present] > 1)):
        bad = values[present][(values[present] < 0) | (values[present] > 1)][0]
        raise ValueError(f"benjamini_hochberg: p-values must lie in [0, 1]; got {float(bad)!r}.")
    out = np.full(values.shape, math.nan)
    raw = values[present]
    m = raw.size
    if m == 0:
        return out
    order = np.argsort(raw, kind="stable")[::-1]  # decreasing
    ranks = np.arange(m, 0, -1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(m / ranks * raw[order]))
    back = np.empty(m)
    back[order] = adjusted
    out[present] = back
    return out


def proportion_increased(pre: ArrayLike, post: ArrayLike, conf_level: float = 0.95) -> BinomialCI:
    """The proportion of pairs with ``post > pre`` among all pairs, Clopper-Pearson CI.

    Ties (``post == pre``) count in the denominator as not increased (SAP 7.6).
    """
    func = "proportion_increased"
    x0 = _as_values(func, "pre", pre)
    x1 = _as_values(func, "post", post)
    if x0.size != x1.size or x0.size == 0:
        raise ValueError(
            f"{func}: pre and post must be non-empty and paired; got {x0.size} pre and "
            f"{x1.size} post values."
        )
    return binomial_ci(int(np.sum(x1 > x0)), int(x0.size), conf_level)
