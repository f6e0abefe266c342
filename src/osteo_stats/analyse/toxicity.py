"""The DMC's toxicity stopping boundary (SAP 9.4): repeated significance testing, exact.

Conventions (matched to R ``clinfun::toxbdry`` / ``bdrycross.prob``, Seshan; the method is
Ivanova, Qaqish & Schell 2005, *Biometrics* 61:540-545, computed along Jennison & Turnbull 2000,
ch. 12):

* **Looks** are cumulative numbers of evaluable patients ``n_1 < ... < n_K``.
* **Nominal level per look.** For a base level :math:`\\alpha` and shape :math:`\\Delta`
  (clinfun's ``delta``: 0 = Pocock, 0.5 = O'Brien-Fleming-like), look :math:`k` tests
  :math:`H_0: p = p_{acc}` at the one-sided nominal level

  .. math::

      a_k(\\alpha) = \\Phi\\!\\left(\\Phi^{-1}(\\alpha) / t_k^{\\Delta}\\right),
      \\qquad t_k = n_k / n_K,

  and the boundary is the binomial quantile
  :math:`r_k = \\min\\{r : P(X_{n_k} > r \\mid p_{acc}) \\le a_k\\}` (R:
  ``qbinom(1 - a_k, n_k, pLo)``).
  The base level :math:`\\alpha` is searched for (``ToxicityBoundary.base_level``); it is not
  the ``alpha`` argument, which caps the crossing probability over all looks (clinfun ``cP0``).
* **Stopping rule.** ``r_k`` is the *maximum acceptable* number of patients with an
  unacceptable toxicity among the first ``n_k``; stop when the count *exceeds* it, i.e. when it
  is ``>= r_k + 1`` (clinfun prints "Stop if the number of toxicities exceeds (i.e. >) the
  boundary"). Both columns are returned: ``max_acceptable`` (clinfun's ``r``) and ``stop_at``.
* **Search.** As :math:`\\alpha` grows every :math:`r_k` can only fall, so the candidate
  boundaries form a chain and :math:`P(\\text{cross} \\mid p)` grows along it. With
  ``priority="null"`` the boundary is the most aggressive one in the chain whose crossing
  probability at ``p_acceptable`` is ``<= alpha`` (clinfun's ``hi.bdry``); with
  ``priority="alt"`` it is the least aggressive one whose crossing probability at
  ``p_unacceptable`` is ``>= power`` (clinfun's ``lo.bdry``). clinfun finds these by a
  bisection/secant search limited to ``niter`` steps; here every change point of the chain is
  enumerated, so the answer is exact and equals clinfun's whenever clinfun's search has
  converged (checked for the PROMIS settings and the clinfun help examples in
  ``tests/test_toxicity.py``).
* **Operating characteristics** (``bdrycross.prob``): ``p_cross`` = P(count crosses at some
  look, the last included), ``p_stop_early`` = P(crossing before the last look), and the
  expected number of patients ``expected_n`` = :math:`\\sum_k n_k P(\\text{first cross at }k) +
  n_K P(\\text{no cross})`: a trial that crosses at look :math:`k` is counted as having treated
  :math:`n_k` patients; patients accrued between looks are not counted.

Everything is exact: the distribution of the cumulative count, restricted to paths that have
not crossed, is carried from look to look and convolved with Binomial(``n_k - n_{k-1}``, p).
Nothing is simulated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from osteo_stats.errors import DesignError

__all__ = [
    "ToxicityBoundary",
    "boundary_crossing_probability",
    "last_reachable_look",
    "look_crossings",
    "toxicity_boundary",
]

PRIORITIES = ("null", "alt")


@dataclass(frozen=True)
class ToxicityBoundary:
    """A toxicity stopping boundary and its exact operating characteristics (SAP 9.4).

    Attributes
    ----------
    p_acceptable, p_unacceptable, alpha, power, shape, priority
        The inputs (clinfun ``pLo``, ``pHi``, ``cP0``, ``cP1``, ``delta``, ``priority``).
    looks
        Cumulative numbers of evaluable patients at each look.
    max_acceptable
        Per look, the largest number of patients with an unacceptable toxicity that does *not*
        stop the trial (clinfun's ``r``; ``hi.bdry`` for ``priority="null"``).
    stop_at
        Per look, ``max_acceptable + 1``: stop when the count is ``>= stop_at``. A value above
        the look's ``n`` means the trial cannot stop at that look.
    base_level
        The smallest base level :math:`\\alpha` that gives this boundary; every
        :math:`\\alpha` in ``[base_level, base_level_upper)`` gives the same boundary.
    base_level_upper
        See ``base_level``.
    alpha_attained
        Exact P(cross | ``p_acceptable``).
    power_attained
        Exact P(cross | ``p_unacceptable``).
    meets_alpha, meets_power
        Whether ``alpha_attained <= alpha`` and ``power_attained >= power``. The constraint named
        by ``priority`` always holds; the other one may not if the sample size is too small
        (clinfun warns "Max sample size ... may be small").
    table
        One row per look, columns: ``look`` (1, 2, ...), ``n``, ``n_new`` (patients added since
        the previous look), ``max_acceptable``, ``stop_at``, ``can_stop`` (``stop_at <= n``),
        ``nominal_level`` (:math:`a_k` at ``base_level``), ``attained_level`` (exact single-look
        :math:`P(X_{n_k} \\ge` ``stop_at`` :math:`\\mid p_{acc})`), ``p_first_cross_acceptable``
        and ``p_first_cross_unacceptable`` (probability that the boundary is first crossed at
        this look, at ``p_acceptable`` and ``p_unacceptable``).
    operating_characteristics
        One row per true rate in the grid, columns ``p``, ``p_cross``, ``p_stop_early``,
        ``expected_n`` (see :func:`boundary_crossing_probability`).
    """

    p_acceptable: float
    p_unacceptable: float
    alpha: float
    power: float
    shape: float
    priority: str
    looks: tuple[int, ...]
    max_acceptable: tuple[int, ...]
    stop_at: tuple[int, ...]
    base_level: float
    base_level_upper: float
    alpha_attained: float
    power_attained: float
    meets_alpha: bool
    meets_power: bool
    table: pd.DataFrame
    operating_characteristics: pd.DataFrame


def _check_looks(looks: Sequence[int]) -> np.ndarray:
    arr = np.asarray(looks)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"looks must be a non-empty sequence of patient counts, got {looks!r}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"looks must be whole numbers of patients, got {looks!r}")
        arr = arr.astype(np.int64)
    if arr[0] < 1 or np.any(np.diff(arr) <= 0):
        raise ValueError(
            f"looks must be positive and strictly increasing (cumulative patient counts), "
            f"got {arr.tolist()}"
        )
    return arr.astype(np.int64)


def _check_probabilities(p: float | Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(p, dtype=float))
    if arr.ndim != 1 or np.any(~np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must be probabilities in [0, 1], got {p!r}")
    return arr


def _first_crossing(max_acceptable: np.ndarray, looks: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Probability that the boundary is first crossed at each look, row by row.

    Parameters
    ----------
    max_acceptable
        ``(R, K)`` integer boundaries (one per row; stop when the count is ``> r``).
    looks
        ``(K,)`` cumulative sample sizes.
    p
        ``(R,)`` true toxicity rate for each row.

    Returns
    -------
    ``(R, K)`` array: P(count first exceeds ``max_acceptable[:, k]`` at look ``k``).

    The state ``alive[:, c]`` = P(cumulative count = c and no crossing so far); at each look it
    is convolved with the Binomial(increment, p) mass function, the mass at or above
    ``stop_at`` is the probability of first crossing there, and that mass is removed.
    """
    n_rows, n_looks = max_acceptable.shape
    n_max = int(looks[-1])
    counts = np.arange(n_max + 1)
    alive = np.zeros((n_rows, n_max + 1))
    alive[:, 0] = 1.0
    crossing = np.zeros((n_rows, n_looks))
    previous = 0
    for k in range(n_looks):
        step = int(looks[k] - previous)
        previous = int(looks[k])
        pmf = stats.binom.pmf(np.arange(step + 1)[None, :], step, p[:, None])  # (R, step+1)
        moved = np.zeros_like(alive)
        for j in range(step + 1):
            moved[:, j:] += alive[:, : n_max + 1 - j] * pmf[:, j : j + 1]
        stop = counts[None, :] > max_acceptable[:, k : k + 1]  # (R, N+1)
        crossing[:, k] = np.where(stop, moved, 0.0).sum(axis=1)
        alive = np.where(stop, 0.0, moved)
    return crossing


def _summarise(crossing: np.ndarray, looks: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    p_cross = crossing.sum(axis=1)
    p_stop_early = crossing[:, :-1].sum(axis=1)
    expected_n = crossing @ looks.astype(float) + looks[-1] * (1.0 - p_cross)
    return pd.DataFrame(
        {"p": p, "p_cross": p_cross, "p_stop_early": p_stop_early, "expected_n": expected_n}
    )


def boundary_crossing_probability(
    max_acceptable: Sequence[int],
    looks: Sequence[int],
    p: ArrayLike,
) -> pd.DataFrame:
    """Exact operating characteristics of a given toxicity boundary (clinfun ``bdrycross.prob``).

    Parameters
    ----------
    max_acceptable
        Per look, the maximum acceptable number of patients with an unacceptable toxicity
        (clinfun's ``r``): the trial stops at look ``k`` when the cumulative count is
        ``> max_acceptable[k]``. Note the argument order (boundary, looks, rates), which differs
        from clinfun's ``bdrycross.prob(n, r, ptox)``.
    looks
        Cumulative numbers of evaluable patients at the looks, strictly increasing.
    p
        One or more true rates of unacceptable toxicity.

    Returns
    -------
    pandas.DataFrame
        One row per rate (always a DataFrame, also for a scalar ``p``), columns

        ``p``
            the true rate;
        ``p_cross``
            P(the boundary is crossed at any look, the last included);
        ``p_stop_early``
            P(crossed before the last look);
        ``expected_n``
            :math:`E[N] = \\sum_k n_k P(\\text{first cross at } k) + n_K P(\\text{no cross})`.

    Examples
    --------
    >>> oc = boundary_crossing_probability([3, 4, 6, 7, 8, 10, 11, 12, 13],
    ...                                    [5, 10, 15, 20, 25, 30, 35, 40, 43], [0.2, 0.4])
    >>> oc.round(4).to_dict("list")["p_cross"]
    [0.099, 0.9176]
    """
    looks_arr = _check_looks(looks)
    p_arr = _check_probabilities(p, "p")
    r = np.asarray(max_acceptable)
    if r.shape != looks_arr.shape or not np.all(np.equal(np.mod(r, 1), 0)) or np.any(r < -1):
        raise ValueError(
            f"max_acceptable must hold one whole number >= -1 per look ({len(looks_arr)} looks), "
            f"got {list(max_acceptable)!r}"
        )
    r = r.astype(np.int64)
    crossing = _first_crossing(np.broadcast_to(r, (p_arr.size, r.size)), looks_arr, p_arr)
    return _summarise(crossing, looks_arr, p_arr)


def _boundary_chain(
    p_acceptable: float, looks: np.ndarray, shape: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct boundary reachable by varying the base level, in increasing order of it.

    Look ``k`` moves from ``r`` + 1 down to ``r`` when :math:`\\alpha` reaches
    :math:`\\Phi(t_k^{\\Delta}\\,\\Phi^{-1}(P(X_{n_k} > r \\mid p_{acc})))`. Returns the sorted
    change points (with 0 prepended, the never-stop boundary ``r_k = n_k``) and the ``(J, K)``
    boundaries valid from each change point on.
    """
    t = looks / looks[-1]
    change_points: list[np.ndarray] = []
    for n_k, t_k in zip(looks, t, strict=True):
        tail = stats.binom.sf(np.arange(n_k), n_k, p_acceptable)  # P(X > r), r = 0..n_k-1
        change_points.append(stats.norm.cdf(t_k**shape * stats.norm.ppf(tail)))
    levels = np.unique(np.concatenate([np.zeros(1), *change_points]))
    levels = levels[levels < 1.0]
    chain = np.column_stack([(cp[None, :] > levels[:, None]).sum(axis=1) for cp in change_points])
    return levels, chain


def toxicity_boundary(
    p_acceptable: float,
    p_unacceptable: float,
    looks: Sequence[int],
    alpha: float = 0.10,
    power: float = 0.90,
    shape: float = 0.0,
    *,
    priority: Literal["null", "alt"] = "null",
    grid: Sequence[float] | None = None,
) -> ToxicityBoundary:
    """Toxicity stopping boundary by repeated significance testing (SAP 9.4; clinfun ``toxbdry``).

    Parameters
    ----------
    p_acceptable
        Acceptable rate of unacceptable toxicity (clinfun ``pLo``; SAP: 0.20).
    p_unacceptable
        Unacceptable rate (clinfun ``pHi``; SAP: 0.40).
    looks
        Cumulative numbers of evaluable patients at the looks (SAP: 5, 10, ..., 40, 43).
    alpha
        Maximum crossing probability at ``p_acceptable`` (clinfun ``cP0``).
    power
        Minimum crossing probability at ``p_unacceptable`` (clinfun ``cP1``).
    shape
        Boundary shape :math:`\\Delta` in [0, 0.5]: 0 = Pocock (the same nominal level at every
        look), 0.5 = O'Brien-Fleming-like (clinfun ``delta``).
    priority
        ``"null"`` (default, as clinfun): the ``alpha`` constraint is met and the boundary is the
        most aggressive such one; ``"alt"``: the ``power`` constraint is met and the boundary is
        the least aggressive such one. Whether the other constraint also holds is reported in
        ``meets_alpha`` / ``meets_power``.
    grid
        True rates for the operating characteristics; default six equally spaced rates from
        ``p_acceptable`` to ``p_unacceptable`` (clinfun ``ngrid=6``).

    Returns
    -------
    ToxicityBoundary

    Raises
    ------
    ValueError
        Invalid arguments (the message names the argument and the allowed values).
    DesignError
        ``priority="alt"`` and no boundary of this shape reaches ``power``, not even stopping at
        the first patient with an unacceptable toxicity.

    Notes
    -----
    The boundary is the binomial quantile at the nominal level
    :math:`a_k(\\alpha) = \\Phi(\\Phi^{-1}(\\alpha)/t_k^{\\Delta})` (see the module docstring);
    :math:`\\alpha` is chosen exactly, by enumerating every :math:`\\alpha` at which the
    boundary changes, rather than by clinfun's ``niter``-limited search. The result equals
    clinfun's ``hi.bdry`` (``priority="null"``) or ``lo.bdry`` (``"alt"``) whenever clinfun's
    search converged.

    Examples
    --------
    >>> b = toxicity_boundary(0.2, 0.4, [5, 10, 15, 20, 25, 30, 35, 40, 43])
    >>> b.max_acceptable
    (3, 4, 6, 7, 8, 10, 11, 12, 13)
    """
    for name, value in (
        ("p_acceptable", p_acceptable),
        ("p_unacceptable", p_unacceptable),
        ("alpha", alpha),
        ("power", power),
    ):
        if not (isinstance(value, Real) and 0 < float(value) < 1):
            raise ValueError(
                f"{name} must be a probability strictly between 0 and 1, got {value!r}"
            )
    if not p_acceptable < p_unacceptable:
        raise ValueError(
            f"p_acceptable ({p_acceptable}) must be below p_unacceptable ({p_unacceptable})"
        )
    if not 0.0 <= float(shape) <= 0.5:
        raise ValueError(
            f"shape must lie in [0, 0.5] (0 = Pocock, 0.5 = O'Brien-Fleming-like), got {shape!r}"
        )
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}; allowed: {', '.join(PRIORITIES)}")
    looks_arr = _check_looks(looks)
    grid_arr = (
        np.linspace(p_acceptable, p_unacceptable, 6)
        if grid is None
        else _check_probabilities(grid, "grid")
    )

    levels, chain = _boundary_chain(float(p_acceptable), looks_arr, float(shape))
    anchor = p_acceptable if priority == "null" else p_unacceptable
    p_cross = _first_crossing(chain, looks_arr, np.full(len(chain), anchor)).sum(axis=1)
    if priority == "null":
        index = int(np.flatnonzero(p_cross <= alpha)[-1])  # row 0 (never stop) always qualifies
    else:
        reaching = np.flatnonzero(p_cross >= power)
        if reaching.size == 0:
            raise DesignError(
                f"no boundary with shape {shape} reaches a crossing probability of {power} at "
                f"p_unacceptable = {p_unacceptable} with looks {looks_arr.tolist()} (the most "
                f"aggressive one reaches {p_cross[-1]:.4f}). Hint: add patients or lower power."
            )
        index = int(reaching[0])

    r = chain[index]
    base_level = float(levels[index])
    base_level_upper = float(levels[index + 1]) if index + 1 < len(levels) else 1.0
    t = looks_arr / looks_arr[-1]
    nominal = stats.norm.cdf(stats.norm.ppf(base_level) / t ** float(shape))

    anchors = np.array([p_acceptable, p_unacceptable], dtype=float)
    first = _first_crossing(np.broadcast_to(r, (2, r.size)), looks_arr, anchors)
    alpha_attained, power_attained = (float(v) for v in first.sum(axis=1))
    table = pd.DataFrame(
        {
            "look": np.arange(1, looks_arr.size + 1),
            "n": looks_arr,
            "n_new": np.diff(looks_arr, prepend=0),
            "max_acceptable": r,
            "stop_at": r + 1,
            "can_stop": r + 1 <= looks_arr,
            "nominal_level": nominal,
            "attained_level": stats.binom.sf(r, looks_arr, p_acceptable),
            "p_first_cross_acceptable": first[0],
            "p_first_cross_unacceptable": first[1],
        }
    )
    oc = _summarise(
        _first_crossing(np.broadcast_to(r, (grid_arr.size, r.size)), looks_arr, grid_arr),
        looks_arr,
        grid_arr,
    )
    return ToxicityBoundary(
        p_acceptable=float(p_acceptable),
        p_unacceptable=float(p_unacceptable),
        alpha=float(alpha),
        power=float(power),
        shape=float(shape),
        priority=priority,
        looks=tuple(int(n) for n in looks_arr),
        max_acceptable=tuple(int(v) for v in r),
        stop_at=tuple(int(v) + 1 for v in r),
        base_level=base_level,
        base_level_upper=base_level_upper,
        alpha_attained=alpha_attained,
        power_attained=power_attained,
        meets_alpha=alpha_attained <= alpha,
        meets_power=power_attained >= power,
        table=table,
        operating_characteristics=oc,
    )


def last_reachable_look(
    looks: Sequence[int], n_treated: int, enrollment_complete: bool
) -> int | None:
    """The last look (1-based) that can still be reached (SAP 9.4).

    While enrollment is open every planned look can be reached. Once it is complete, only the
    ``n_treated`` SAF patients can become evaluable, so the last look is the last n_k <=
    ``n_treated``; None when even the first look cannot be reached.
    """
    if not enrollment_complete:
        return len(looks)
    reachable = [k for k, n_k in enumerate(looks, start=1) if n_k <= n_treated]
    return reachable[-1] if reachable else None


def look_crossings(
    boundary: Sequence[int],
    observed: Sequence[float],
    reached: Sequence[bool],
    observed_so_far: int,
    last_look: int | None,
) -> list[float]:
    """Has the boundary been crossed at each look (SAP 9.4)? 1.0 yes, 0.0 no, NaN not known.

    At a look reached: x_k > b_k. At a look not reached yet but reachable (k <= ``last_look``,
    1-based; None when no look can be reached): crossed for certain once ``observed_so_far``,
    the count among all evaluable patients, exceeds b_k, because counts only grow; otherwise
    not known. A look that cannot be reached is never crossed nor cleared (NaN).
    """
    reachable = 0 if last_look is None else last_look
    out = []
    for k, (b_k, x_k, r_k) in enumerate(zip(boundary, observed, reached, strict=True), start=1):
        if r_k:
            out.append(float(x_k > b_k))
        elif observed_so_far > b_k and k <= reachable:
            out.append(1.0)
        else:
            out.append(math.nan)
    return out
