"""Single binomial proportions: confidence intervals and the exact binomial test.

Scalar counts in, one frozen result out. Exact methods are the default. The reference
implementations these functions follow (and are tested against) are R's ``binom.test``
(Clopper-Pearson interval and exact test), ``prop.test(correct=FALSE)`` (Wilson score
interval) and ``qbeta`` (Jeffreys interval).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

__all__ = [
    "ALTERNATIVES",
    "CI_METHODS",
    "BinomialCI",
    "BinomialTest",
    "binomial_ci",
    "binomial_test",
]

CIMethod = Literal["clopper-pearson", "wilson", "jeffreys"]
Alternative = Literal["greater", "less", "two-sided"]

CI_METHODS: tuple[str, ...] = ("clopper-pearson", "wilson", "jeffreys")
"""Names accepted by :func:`binomial_ci` ``method``; the first is the default."""

ALTERNATIVES: tuple[str, ...] = ("greater", "less", "two-sided")
"""Names accepted by :func:`binomial_test` ``alternative``."""

# R's binom.test treats probabilities within this relative tolerance of dbinom(x) as
# "as extreme as" x in the two-sided p-value (stats:::binom.test, relErr <- 1 + 1e-7).
_R_RELATIVE_TOLERANCE = 1.0 + 1e-7


@dataclass(frozen=True)
class BinomialCI:
    """A confidence interval for a binomial proportion.

    Attributes
    ----------
    x, n : int
        Number of successes and number of trials.
    estimate : float
        The sample proportion :math:`\\hat p = x / n` (for every method).
    lower, upper : float
        Two-sided confidence limits, within :math:`[0, 1]`.
    conf_level : float
        Two-sided confidence level, e.g. 0.95.
    method : str
        One of :data:`CI_METHODS`.
    """

    x: int
    n: int
    estimate: float
    lower: float
    upper: float
    conf_level: float
    method: str


@dataclass(frozen=True)
class BinomialTest:
    """The exact binomial test of :math:`H_0: p = p_0`.

    Attributes
    ----------
    x, n : int
        Number of successes and number of trials.
    p0 : float
        Success probability under the null hypothesis.
    alternative : str
        One of :data:`ALTERNATIVES`.
    p_value : float
        Exact p-value, computed as R's ``binom.test`` does.
    """

    x: int
    n: int
    p0: float
    alternative: str
    p_value: float


# ---------------------------------------------------------------------------------------------
# Validation at the door. Shared with :mod:`osteo_stats.analyse.two_stage`.
# ---------------------------------------------------------------------------------------------


def _require_int(func: str, name: str, value: object) -> int:
    """Return ``value`` as ``int`` or raise ``ValueError`` naming the function and argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{func}: {name} must be an integer count; got {value!r} "
            f"(type {type(value).__name__}). Pass a whole number, e.g. int({name})."
        )
    return int(value)


def _require_counts(func: str, x: object, n: object) -> tuple[int, int]:
    """Validate ``x`` successes out of ``n`` trials: integers, ``0 <= x <= n``, ``n >= 1``."""
    x = _require_int(func, "x", x)
    n = _require_int(func, "n", n)
    if n < 1:
        raise ValueError(
            f"{func}: n (number of trials) must be >= 1; got n={n}. "
            "A proportion needs at least one patient in the denominator."
        )
    if not 0 <= x <= n:
        raise ValueError(
            f"{func}: x (number of successes) must satisfy 0 <= x <= n; got x={x}, n={n}. "
            "Check that x counts successes among the same n patients."
        )
    return x, n


def _require_probability(func: str, name: str, value: object, *, closed: bool = False) -> float:
    """Validate a probability in (0, 1), or in [0, 1] when ``closed``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{func}: {name} must be a number; got {value!r}.")
    value = float(value)
    inside = 0.0 <= value <= 1.0 if closed else 0.0 < value < 1.0
    if not inside or math.isnan(value):
        bounds = "[0, 1]" if closed else "(0, 1), exclusive"
        raise ValueError(f"{func}: {name} must lie in {bounds}; got {name}={value!r}.")
    return value


def _require_choice(func: str, name: str, value: object, allowed: tuple[str, ...]) -> str:
    """Exact-match a string option; no prefix matching, no case folding."""
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{func}: unknown {name} {value!r}; allowed: {listed}.")
    return value


# ---------------------------------------------------------------------------------------------
# Confidence intervals
# ---------------------------------------------------------------------------------------------


def binomial_ci(
    x: int,
    n: int,
    conf_level: float = 0.95,
    method: CIMethod = "clopper-pearson",
) -> BinomialCI:
    """Two-sided confidence interval for a binomial proportion.

    With :math:`\\alpha = 1 - \\text{conf\\_level}` and :math:`B(q; a, b)` the :math:`q`
    quantile of a Beta(:math:`a, b`) distribution:

    ``"clopper-pearson"`` (default; exact, as R ``binom.test``)

    .. math::

        L = B(\\alpha/2;\\, x,\\, n - x + 1), \\qquad
        U = B(1 - \\alpha/2;\\, x + 1,\\, n - x),

    with :math:`L = 0` when :math:`x = 0` and :math:`U = 1` when :math:`x = n`.

    ``"wilson"`` (score interval without continuity correction, as R
    ``prop.test(correct = FALSE)``), with :math:`z = \\Phi^{-1}(1 - \\alpha/2)`:

    .. math::

        L, U = \\frac{x + z^2/2 \\mp z \\sqrt{x (n - x)/n + z^2/4}}{n + z^2},

    with :math:`L = 0` when :math:`x = 0` and :math:`U = 1` when :math:`x = n` (as R sets them).

    ``"jeffreys"`` (equal-tailed interval of the Beta(1/2, 1/2)-prior posterior):

    .. math::

        L = B(\\alpha/2;\\, x + \\tfrac12,\\, n - x + \\tfrac12), \\qquad
        U = B(1 - \\alpha/2;\\, x + \\tfrac12,\\, n - x + \\tfrac12),

    with the boundary modification of Brown, Cai and DasGupta (2001, Stat Sci 16:101-133,
    section 4.1.2): :math:`L = 0` when :math:`x = 0` and :math:`U = 1` when :math:`x = n`.
    No other modification is made (in particular the upper limit at :math:`x = 0` is the
    unmodified posterior quantile).

    Parameters
    ----------
    x : int
        Number of successes, ``0 <= x <= n``.
    n : int
        Number of trials, ``n >= 1``.
    conf_level : float, default 0.95
        Two-sided confidence level in (0, 1).
    method : {"clopper-pearson", "wilson", "jeffreys"}
        Interval method. Names must match exactly.

    Returns
    -------
    BinomialCI
        Estimate :math:`x/n` and the limits.

    Raises
    ------
    ValueError
        If ``x``/``n`` are not integers with ``0 <= x <= n`` and ``n >= 1``, if ``conf_level``
        is outside (0, 1), or if ``method`` is not one of :data:`CI_METHODS`.

    Examples
    --------
    >>> ci = binomial_ci(7, 43)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.0681, 0.307)
    """
    func = "binomial_ci"
    x, n = _require_counts(func, x, n)
    conf_level = _require_probability(func, "conf_level", conf_level)
    method = _require_choice(func, "method", method, CI_METHODS)
    alpha = 1.0 - conf_level

    if method == "clopper-pearson":
        lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
        upper = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    elif method == "wilson":
        z = float(stats.norm.ppf(1 - alpha / 2))
        z2 = z * z
        centre = (x + z2 / 2) / (n + z2)
        half_width = z * math.sqrt(x * (n - x) / n + z2 / 4) / (n + z2)
        lower = 0.0 if x == 0 else max(centre - half_width, 0.0)
        upper = 1.0 if x == n else min(centre + half_width, 1.0)
    else:  # jeffreys
        a, b = x + 0.5, n - x + 0.5
        lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, a, b))
        upper = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, a, b))

    return BinomialCI(
        x=x,
        n=n,
        estimate=x / n,
        lower=lower,
        upper=upper,
        conf_level=conf_level,
        method=method,
    )


# ---------------------------------------------------------------------------------------------
# Exact binomial test
# ---------------------------------------------------------------------------------------------


def binomial_test(
    x: int,
    n: int,
    p0: float,
    alternative: Alternative = "greater",
) -> BinomialTest:
    """Exact binomial test of :math:`H_0: p = p_0`, following R ``binom.test``.

    With :math:`X \\sim \\text{Bin}(n, p_0)` and :math:`f(k) = P(X = k)`:

    .. math::

        p_{\\text{greater}} = P(X \\ge x), \\qquad
        p_{\\text{less}} = P(X \\le x), \\qquad
        p_{\\text{two-sided}} =
        \\min\\Bigl(1, \\sum_{k:\\, f(k) \\le f(x)(1 + 10^{-7})} f(k)\\Bigr).

    The two-sided p-value is R's: the total probability of outcomes no more likely than the
    observed one, with R's relative tolerance :math:`1 + 10^{-7}` on the comparison, and 1
    when :math:`x = n p_0` exactly.

    Parameters
    ----------
    x : int
        Number of successes, ``0 <= x <= n``.
    n : int
        Number of trials, ``n >= 1``.
    p0 : float
        Null success probability in [0, 1].
    alternative : {"greater", "less", "two-sided"}, default "greater"
        ``"greater"`` is the one-sided test of the SAP (:math:`H_1: p > p_0`). R's name for
        the two-sided test, ``"two.sided"``, is spelled ``"two-sided"`` here.

    Returns
    -------
    BinomialTest

    Raises
    ------
    ValueError
        On invalid counts, ``p0`` outside [0, 1], or an unknown ``alternative``.

    Examples
    --------
    >>> round(binomial_test(13, 43, 0.2).p_value, 6)
    0.073321
    """
    func = "binomial_test"
    x, n = _require_counts(func, x, n)
    p0 = _require_probability(func, "p0", p0, closed=True)
    alternative = _require_choice(func, "alternative", alternative, ALTERNATIVES)

    if alternative == "greater":
        p_value = float(stats.binom.sf(x - 1, n, p0))
    elif alternative == "less":
        p_value = float(stats.binom.cdf(x, n, p0))
    else:
        p_value = _two_sided_p_value(x, n, p0)

    return BinomialTest(x=x, n=n, p0=p0, alternative=alternative, p_value=min(1.0, p_value))


def _two_sided_p_value(x: int, n: int, p0: float) -> float:
    """R ``binom.test`` two-sided p-value (the 'minimum likelihood' method)."""
    d = stats.binom.pmf(x, n, p0)
    mean = n * p0
    if x == mean:
        return 1.0
    if x < mean:
        others = np.arange(math.ceil(mean), n + 1)
        y = int(np.sum(stats.binom.pmf(others, n, p0) <= d * _R_RELATIVE_TOLERANCE))
        return float(stats.binom.cdf(x, n, p0) + stats.binom.sf(n - y, n, p0))
    others = np.arange(0, math.floor(mean) + 1)
    y = int(np.sum(stats.binom.pmf(others, n, p0) <= d * _R_RELATIVE_TOLERANCE))
    return float(stats.binom.cdf(y - 1, n, p0) + stats.binom.sf(x - 1, n, p0))
