"""Exact single-arm phase II designs for a binary endpoint.

Simon's two-stage designs (optimal, minimax and the admissible designs between them), the
exact single-stage design, exact operating characteristics, and the "design check" that
confirms the SAP's stage sizes and thresholds are the design its hypotheses imply.

Conventions (Simon 1989; R ``clinfun::ph2simon``): stage 1 enrols :math:`n_1` patients and the
trial stops for futility if :math:`X_1 \\le r_1`; otherwise enrolment continues to :math:`n` and
H0 is rejected if :math:`X_1 + X_2 > r`. Everything is exact binomial arithmetic in float64;
nothing here reads files or draws random numbers.

References
----------
Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
1989;10:1-10.

Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for phase II cancer clinical
trials. Stat Med 2004;23:561-569.

A'Hern RP. Sample size tables for exact single-stage phase II designs. Stat Med
2001;20:859-866.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special, stats

from osteo_stats.errors import DesignError

if TYPE_CHECKING:
    from osteo_stats.sap import Design

__all__ = [
    "COMPARISON_COLUMNS",
    "FRONTIER_COLUMNS",
    "OC_COLUMNS",
    "DesignCheck",
    "FixedSizeSearch",
    "SimonDesign",
    "SimonFrontier",
    "SingleStageDesign",
    "assert_design_agrees",
    "check_design",
    "compare_rules",
    "operating_characteristics",
    "simon_design_for_n",
    "simon_design_from_rules",
    "simon_designs",
    "simon_search_seconds",
    "single_stage_design",
]

DesignKind = Literal["optimal", "minimax"]
DESIGN_KINDS: tuple[str, ...] = ("optimal", "minimax")

#: Columns of :attr:`SimonFrontier.designs`, in order.
FRONTIER_COLUMNS: tuple[str, ...] = (
    "kind",
    "r1",
    "n1",
    "r",
    "n",
    "en_p0",
    "pet_p0",
    "alpha",
    "power",
    "weight_lo",
    "weight_hi",
)

#: Columns of the table returned by :func:`operating_characteristics`, in order.
OC_COLUMNS: tuple[str, ...] = ("p", "prob_reject", "pet", "prob_early_stop", "en")

#: ``clinfun::ph2simon`` warns when the optimal n is within this many patients of ``nmax``.
NEAR_NMAX_MARGIN = 10

#: Largest total sample size of a Simon search (``nmax``) or of a two-stage rule evaluated
#: here. A search whose optimal design has n near 300 already takes about a minute (the work
#: grows like nmax**3); beyond 500 a phase II two-stage design is not a realistic question, and
#: a huge value used to hang or run out of memory. ``--nmax`` and scenario files share it.
MAX_N = 500


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimonDesign:
    """One Simon two-stage design with its exact operating characteristics under H0 and H1.

    Attributes
    ----------
    r1, n1
        Stop after stage 1 if at most ``r1`` responses among the first ``n1`` patients.
    r, n
        Reject H0 (declare the treatment promising) if more than ``r`` responses among ``n``.
    p0, p1
        Response rates under H0 and H1 at which the characteristics are evaluated.
    alpha_attained, power_attained
        Exact :math:`P(\\text{reject} \\mid p_0)` and :math:`P(\\text{reject} \\mid p_1)`.
    pet_p0, en_p0
        Probability of early termination and expected sample size under :math:`p_0`.
    kind
        ``"optimal"``, ``"minimax"``, ``"admissible"`` or ``"stated"`` (a design given by hand).
    """

    r1: int
    n1: int
    r: int
    n: int
    p0: float
    p1: float
    alpha_attained: float
    power_attained: float
    pet_p0: float
    en_p0: float
    kind: str

    @property
    def n2(self) -> int:
        """Stage-2 sample size, :math:`n - n_1`."""
        return self.n - self.n1

    @property
    def rule(self) -> str:
        """The decision rule in Simon's notation, e.g. ``"r1/n1=3/13, r/n=12/43"``."""
        return f"r1/n1={self.r1}/{self.n1}, r/n={self.r}/{self.n}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python mapping (JSON-serialisable)."""
        return {
            "kind": self.kind,
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "p0": self.p0,
            "p1": self.p1,
            "alpha_attained": self.alpha_attained,
            "power_attained": self.power_attained,
            "pet_p0": self.pet_p0,
            "en_p0": self.en_p0,
        }


@dataclass(frozen=True, eq=False)
class SimonFrontier:
    """The admissible frontier of Simon two-stage designs (Jung, Lee, Kim & George 2004).

    A design is admissible when it minimises the expected loss

    .. math:: \\rho_q = q\\, n + (1 - q)\\, EN(p_0)

    for some weight :math:`q \\in [0, 1]`. Among the designs that meet the error constraints,
    the best design for each maximum sample size :math:`n` is found; the admissible ones are
    the lower convex hull of the points :math:`(n, EN(p_0))` from the minimax design
    (:math:`q = 1`) to the optimal design (:math:`q = 0`).

    Attributes
    ----------
    p0, p1, alpha, power, nmax
        The search inputs (``alpha`` and ``power`` are the targets, not attained values).
    designs
        One row per admissible design, ordered by increasing ``n`` (so the minimax design is
        the first row and the optimal design the last). Columns, see :data:`FRONTIER_COLUMNS`:

        ``kind`` (str)
            ``"minimax"``, ``"admissible"``, ``"optimal"``, or ``"minimax/optimal"`` when one
            design is both.
        ``r1``, ``n1``, ``r``, ``n`` (int)
            The decision rule.
        ``en_p0``, ``pet_p0`` (float)
            Expected sample size and probability of early termination under :math:`p_0`.
        ``alpha``, ``power`` (float)
            Attained type I error and power.
        ``weight_lo``, ``weight_hi`` (float)
            The design minimises :math:`\\rho_q` for :math:`q \\in` [``weight_lo``,
            ``weight_hi``].
    optimal_near_nmax
        True when the optimal design's ``n`` is within 10 of ``nmax``: a larger ``nmax`` may
        find a design with a smaller EN(p0) (the same warning as ``clinfun::ph2simon``).
    """

    p0: float
    p1: float
    alpha: float
    power: float
    nmax: int
    designs: pd.DataFrame
    optimal_near_nmax: bool

    def _design(self, row: int, kind: str) -> SimonDesign:
        rec = self.designs.iloc[row]
        return SimonDesign(
            r1=int(rec["r1"]),
            n1=int(rec["n1"]),
            r=int(rec["r"]),
            n=int(rec["n"]),
            p0=self.p0,
            p1=self.p1,
            alpha_attained=float(rec["alpha"]),
            power_attained=float(rec["power"]),
            pet_p0=float(rec["pet_p0"]),
            en_p0=float(rec["en_p0"]),
            kind=kind,
        )

    @property
    def optimal(self) -> SimonDesign:
        """Simon's optimal design: minimum EN(p0); ties go to the smaller ``n``."""
        return self._design(len(self.designs) - 1, "optimal")

    @property
    def minimax(self) -> SimonDesign:
        """Simon's minimax design: minimum ``n``, then minimum EN(p0)."""
        return self._design(0, "minimax")

    @property
    def admissible(self) -> tuple[SimonDesign, ...]:
        """Every design on the frontier, minimax first, as :class:`SimonDesign` objects."""
        return tuple(self._design(i, str(k)) for i, k in enumerate(self.designs["kind"]))

    def design(self, kind: str) -> SimonDesign:
        """The ``"optimal"`` or ``"minimax"`` design.

        Raises
        ------
        ValueError
            ``kind`` is not one of ``"optimal"``, ``"minimax"``.
        """
        if kind == "optimal":
            return self.optimal
        if kind == "minimax":
            return self.minimax
        raise ValueError(f"unknown design kind {kind!r}; allowed: {', '.join(DESIGN_KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python mapping of inputs and designs (JSON-serialisable)."""
        records = [
            {
                key: (int(v) if key in ("r1", "n1", "r", "n") else v if key == "kind" else float(v))
                for key, v in rec.items()
            }
            for rec in self.designs.to_dict(orient="records")
        ]
        return {
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "nmax": self.nmax,
            "optimal_near_nmax": self.optimal_near_nmax,
            "designs": records,
        }


@dataclass(frozen=True)
class SingleStageDesign:
    """Exact single-stage design (A'Hern 2001): reject H0 if more than ``r`` responses in ``n``.

    Attributes
    ----------
    n, r
        Sample size and rejection threshold (reject if :math:`X > r`; A'Hern tabulates
        :math:`r + 1`, the minimum number of responses needed).
    p0, p1
        Response rates under H0 and H1.
    alpha_attained, power_attained
        :math:`P(X > r \\mid p_0)` and :math:`P(X > r \\mid p_1)`.
    """

    n: int
    r: int
    p0: float
    p1: float
    alpha_attained: float
    power_attained: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python mapping (JSON-serialisable)."""
        return {
            "n": self.n,
            "r": self.r,
            "p0": self.p0,
            "p1": self.p1,
            "alpha_attained": self.alpha_attained,
            "power_attained": self.power_attained,
        }


@dataclass(frozen=True, eq=False)
class DesignCheck:
    """Outcome of comparing the SAP's stated design with the recomputed one.

    Attributes
    ----------
    agrees
        True when the stated ``r1, n1, r, n`` equal the recomputed design of the SAP's kind.
    kind
        The SAP's design kind (``"optimal"`` or ``"minimax"``).
    computed
        The design recomputed from p0, p1, alpha, power and ``nmax_search``.
    stated
        The SAP's rule, with its own exact characteristics (``kind="stated"``).
    mismatches
        The SAP keys that differ, e.g. ``("design.n1",)``; empty when ``agrees``.
    stated_meets_constraints
        Whether the stated rule itself satisfies alpha and power (it may, and still not be
        the optimal/minimax design).
    frontier
        The full admissible frontier the computed design was taken from.
    message
        A one-paragraph statement for the statistician (also the :class:`DesignError` text).
    """

    agrees: bool
    kind: str
    computed: SimonDesign
    stated: SimonDesign
    mismatches: tuple[str, ...]
    stated_meets_constraints: bool
    frontier: SimonFrontier
    message: str


class _HasRules(Protocol):
    r1: int
    n1: int
    r: int
    n: int


# --------------------------------------------------------------------------------------------
# Validation of arguments
# --------------------------------------------------------------------------------------------


def _check_inputs(
    p0: float, p1: float, alpha: float, power: float, nmax: int, max_nmax: int | None = None
) -> None:
    problems = []
    if not 0 < p0 < 1:
        problems.append(f"p0 = {p0!r} must lie strictly between 0 and 1")
    if not 0 < p1 < 1:
        problems.append(f"p1 = {p1!r} must lie strictly between 0 and 1")
    if 0 < p0 < 1 and 0 < p1 < 1 and not p1 > p0:
        problems.append(f"p1 = {p1!r} must be greater than p0 = {p0!r}")
    if not 0 < alpha < 1:
        problems.append(f"alpha = {alpha!r} must lie strictly between 0 and 1")
    if not 0 < power < 1:
        problems.append(f"power = {power!r} must lie strictly between 0 and 1")
    if 0 < alpha < 1 and 0 < power < 1 and not power > alpha:
        problems.append(f"power = {power!r} must exceed alpha = {alpha!r}")
    if isinstance(nmax, bool) or not isinstance(nmax, int | np.integer) or nmax < 2:
        problems.append(f"nmax = {nmax!r} must be an integer >= 2")
    elif max_nmax is not None and nmax > max_nmax:
        problems.append(f"nmax = {nmax!r} must be at most {max_nmax} (MAX_N)")
    if problems:
        raise ValueError("invalid design inputs: " + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# Binomial tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    """Binomial tables for one response rate, for sizes m = 0..nmax.

    ``pmf[m, x] = P(Bin(m, p) = x)`` (0 for x > m); ``cdf[m, x] = P(Bin(m, p) <= x)``;
    ``sf[m, k + 1] = P(Bin(m, p) > k)`` for k = -1..nmax (so ``sf[m, 0] = 1``).
    """

    pmf: np.ndarray
    cdf: np.ndarray
    sf: np.ndarray


def _binom_pmf(x: np.ndarray, m: np.ndarray, p: Any) -> np.ndarray:
    """Binomial pmf in log space, exact at p = 0 and p = 1 and stable for tiny p.

    .. math:: b(x; m, p) = \\exp\\{\\log\\tbinom{m}{x} + x \\log p + (m - x) \\log(1 - p)\\}

    and 0 outside :math:`0 \\le x \\le m`.
    """
    x, m, p = np.broadcast_arrays(np.asarray(x), np.asarray(m), np.asarray(p, dtype=float))
    inside = (x >= 0) & (x <= m)
    xs, ms = np.where(inside, x, 0), np.where(inside, m, 0)
    log_comb = special.gammaln(ms + 1) - special.gammaln(xs + 1) - special.gammaln(ms - xs + 1)
    log_pmf = log_comb + special.xlogy(xs, p) + special.xlog1py(ms - xs, -p)
    return np.where(inside, np.exp(log_pmf), 0.0)


def _tables(p: float, nmax: int) -> _Tables:
    m = np.arange(nmax + 1)[:, None]
    x = np.arange(nmax + 1)[None, :]
    pmf = _binom_pmf(x, m, p)
    cdf = np.minimum(np.cumsum(pmf, axis=1), 1.0)
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # upper[m, x] = P(X >= x)
    sf = np.zeros((nmax + 1, nmax + 2))
    sf[:, 0] = 1.0
    sf[:, 1 : nmax + 1] = np.minimum(upper[:, 1:], 1.0)  # P(X > k) = P(X >= k + 1)
    return _Tables(pmf=pmf, cdf=cdf, sf=sf)


def _smallest_n_lower_bound(p0: float, p1: float, alpha: float, power: float, nmax: int) -> int:
    """Smallest n at which the randomised most powerful level-alpha test reaches ``power``.

    Any two-stage design with maximum sample size n is a non-randomised test of H0 based on
    n Bernoulli observations, so by the Neyman-Pearson lemma its power is at most that of the
    randomised test that rejects for large totals. That power does not decrease with n, so
    no design with a smaller n can be feasible. Returns ``nmax + 1`` if none reaches it.
    """
    n = np.arange(1, nmax + 1)
    c = _single_stage_threshold(n, p0, alpha)
    size = stats.binom.sf(c, n, p0)
    atom0 = stats.binom.pmf(c, n, p0)
    gamma = np.where(atom0 > 0, (alpha - size) / np.where(atom0 > 0, atom0, 1.0), 0.0)
    best = stats.binom.sf(c, n, p1) + np.clip(gamma, 0.0, 1.0) * stats.binom.pmf(c, n, p1)
    ok = np.flatnonzero(best >= power - 1e-12)
    return int(n[ok[0]]) if ok.size else nmax + 1


def _single_stage_threshold(n: np.ndarray, p0: float, alpha: float) -> np.ndarray:
    """Smallest r with P(Bin(n, p0) > r) <= alpha, for each n (vectorised, exact)."""
    r = stats.binom.ppf(1.0 - alpha, n, p0).astype(np.int64)
    r = np.maximum(r, 0)
    # ppf works on the cdf scale; correct any off-by-one from rounding on the sf scale.
    r = np.where(stats.binom.sf(r, n, p0) > alpha, r + 1, r)
    lower_ok = (r > 0) & (stats.binom.sf(r - 1, n, p0) <= alpha)
    return np.where(lower_ok, r - 1, r)


# --------------------------------------------------------------------------------------------
# Simon two-stage search
# --------------------------------------------------------------------------------------------


_Found = tuple[int, int, int, int, float, float, float, float]  # n, r1, n1, r, en, pet, a, pw

#: Upper limit on the elements of one working array; bounds memory at a few MB.
_BLOCK_ELEMENTS = 500_000


def _best_for_block(
    ns: np.ndarray,
    n1_max: int,
    t0: _Tables,
    t1: _Tables,
    alpha: float,
    power: float,
    en_bound: float,
) -> list[_Found]:
    """For each n in ``ns``, the design with minimum EN(p0) among those with ``n1 <= n1_max``
    that meet both error constraints and have EN(p0) < ``en_bound``.

    Three exact bounds discard most (n, n1, r1) before any convolution is summed:

    * EN(p0) depends only on (n, n1, r1), so cells with EN(p0) >= ``en_bound`` go first;
    * a two-stage rule rejects only if :math:`X_1 > r_1`, so its power is at most
      :math:`P(X_1 > r_1 \\mid p_1)`, and r1 above the largest r1 reaching the power go;
    * it also rejects only if :math:`X > r`, so only :math:`r \\le r_{hi}(n)`, the largest r
      with :math:`P(\\mathrm{Bin}(n, p_1) > r) \\ge` power, can be feasible.

    For the remaining cells, vectorised over (cell, r),

    .. math:: \\alpha(r) = \\sum_{x_1 > r_1} b(x_1; n_1, p_0)\\, S(r - x_1; n - n_1, p_0),

    the smallest r meeting alpha is taken and power is evaluated there only.
    """
    nmax = t0.pmf.shape[0] - 1
    r_hi = np.minimum(ns - 1, (t1.sf[ns, 1:] >= power).sum(axis=1) - 1)  # (N,)
    n1 = np.arange(1, n1_max + 1)  # (A,)
    r1 = np.arange(n1_max)  # (J,)
    r1_hi = (t1.sf[n1, 1:] >= power).sum(axis=1) - 1  # (A,) largest r1 with P1(X1 > r1) >= power
    pet = t0.cdf[n1[:, None], r1[None, :]]  # (A, J)
    n2 = ns[:, None] - n1[None, :]  # (N, A)
    en = n1[None, :, None] + (1.0 - pet[None]) * n2[:, :, None]  # (N, A, J)
    cand = (
        (n2[:, :, None] > 0)
        & (r1[None, None, :] < n1[None, :, None])
        & (r1[None, None, :] <= r1_hi[None, :, None])
        & (r_hi[:, None, None] >= 0)
        & (en < en_bound)
    )
    ci, ca, cj = np.nonzero(cand)
    if ci.size == 0:
        return []
    c_n, c_n1, c_r1, c_n2 = ns[ci], n1[ca], r1[cj], n2[ci, ca]
    c_en, c_pet, c_rhi = en[ci, ca, cj], pet[ca, cj], r_hi[ci]

    n_r = int(c_rhi.max()) + 1
    x1 = np.arange(n1_max + 1)  # (X,)
    r = np.arange(n_r)  # (R,)
    k = np.clip(r[None, :] - x1[:, None], -1, nmax) + 1  # (X, R) column in the sf table
    s0 = t0.sf[:, k]  # (nmax + 1, X, R): s0[m, x1, r] = S(r - x1; m, p0)
    cont = x1[None, :] > c_r1[:, None]  # (C, X): stage 1 passed
    b0 = np.where(cont, t0.pmf[c_n1[:, None], x1[None, :]], 0.0)
    b1 = np.where(cont, t1.pmf[c_n1[:, None], x1[None, :]], 0.0)

    c_rstar = np.empty(ci.size, dtype=np.int64)
    c_alpha = np.empty(ci.size)
    step = max(1, _BLOCK_ELEMENTS // (x1.size * n_r))
    for lo in range(0, ci.size, step):
        sl = slice(lo, lo + step)
        alpha_r = np.einsum("cx,cxr->cr", b0[sl], s0[c_n2[sl]])  # (c, R)
        meets = (alpha_r <= alpha) & (r[None, :] <= c_rhi[sl, None])
        first = np.where(meets.any(axis=1), meets.argmax(axis=1), n_r)
        c_rstar[sl] = np.maximum(first, c_r1[sl])  # r >= r1 loses nothing (same rule)
        c_alpha[sl] = alpha_r[np.arange(alpha_r.shape[0]), np.minimum(c_rstar[sl], n_r - 1)]
    has_r = c_rstar <= c_rhi
    r_eval = np.minimum(c_rstar, n_r - 1)
    kk = np.clip(r_eval[:, None] - x1[None, :], -1, nmax) + 1  # (C, X)
    c_power = (b1 * t1.sf[c_n2[:, None], kk]).sum(axis=1)
    ok = np.flatnonzero(has_r & (c_power >= power))
    if ok.size == 0:
        return []
    # Per n: minimum EN(p0); ties as in clinfun's loop (n1 ascending, then r1 descending).
    order = ok[np.lexsort((-c_r1[ok], c_n1[ok], c_en[ok], c_n[ok]))]
    _, first_of_n = np.unique(c_n[order], return_index=True)
    return [
        (
            int(c_n[i]),
            int(c_r1[i]),
            int(c_n1[i]),
            int(c_rstar[i]),
            float(c_en[i]),
            float(c_pet[i]),
            float(c_alpha[i]),
            float(c_power[i]),
        )
        for i in order[first_of_n]
    ]


def _lower_hull(points: list[tuple[int, float]]) -> list[int]:
    """Indices of the lower convex hull of (n, EN) points sorted by increasing n.

    Points exactly on a hull edge are kept: each minimises the loss at that edge's weight.
    """
    hull: list[int] = []
    for i, (x, y) in enumerate(points):
        while len(hull) >= 2:
            (ax, ay), (bx, by) = points[hull[-2]], points[hull[-1]]
            cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
            if cross < 0:  # b lies above the segment a -> (x, y)
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


def simon_designs(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 100
) -> SimonFrontier:
    """Every admissible Simon two-stage design, from minimax to optimal.

    Stage 1 enrols :math:`n_1` patients and stops if :math:`X_1 \\le r_1`; otherwise
    :math:`n_2 = n - n_1` more are enrolled and H0 is rejected if :math:`X_1 + X_2 > r`:

    .. math::

        P(\\text{reject} \\mid p) = \\sum_{x_1 = r_1 + 1}^{n_1} b(x_1; n_1, p)\\,
            S(r - x_1; n_2, p), \\qquad
        \\mathrm{PET}(p) = B(r_1; n_1, p),

    .. math:: EN(p) = n_1 + (1 - \\mathrm{PET}(p))\\, n_2,

    with :math:`b`, :math:`B` the binomial pmf and cdf and :math:`S(k; m, p) = P(\\mathrm{Bin}(m,
    p) > k)`. A design is feasible when :math:`P(\\text{reject} \\mid p_0) \\le \\alpha` and
    :math:`P(\\text{reject} \\mid p_1) \\ge` ``power``. The search runs over
    :math:`n \\le n_{max}`, :math:`1 \\le n_1 < n`, :math:`0 \\le r_1 < n_1` and, for each
    (n1, r1), takes the smallest :math:`r \\ge r_1` meeting the alpha constraint (it has the
    highest power, and EN does not depend on r) and then checks power.

    The optimal design minimises EN(p0) (ties: smaller n, as clinfun); the minimax design
    minimises n, then EN(p0). The admissible designs (Jung et al. 2004) minimise
    :math:`q\\,n + (1-q)\\,EN(p_0)` for some :math:`q \\in [0, 1]`; for consecutive frontier
    designs :math:`i, i+1` the switching weight is

    .. math:: q_i = \\frac{EN_i - EN_{i+1}}{(n_{i+1} - n_i) + (EN_i - EN_{i+1})}.

    Parameters
    ----------
    p0, p1
        Response rates under H0 and H1, :math:`0 < p_0 < p_1 < 1`.
    alpha
        Maximum one-sided type I error.
    power
        Minimum power at ``p1``.
    nmax
        Largest total sample size searched (clinfun's default is 100).

    Returns
    -------
    SimonFrontier
        ``.designs`` (DataFrame, :data:`FRONTIER_COLUMNS`), ``.optimal``, ``.minimax``.

    Raises
    ------
    ValueError
        An argument is out of range.
    DesignError
        No design up to ``nmax`` meets the constraints.

    Notes
    -----
    Speed: binomial pmf, cdf and survival tables are built once per rate, and blocks of n are
    searched in one vectorised pass. Exact bounds prune before any sum is formed: n starts at
    the smallest n for which the randomised most powerful test reaches the power (no design
    can do better, by the Neyman-Pearson lemma); once a design with EN(p0) = E is known, only
    cells with :math:`n_1 < E` and EN(p0) < E remain (others are dominated); power is at most
    :math:`P(X_1 > r_1 \\mid p_1)` and :math:`P(X > r \\mid p_1)`, which bounds r1 and r.

    Which r: within (n, n1, r1) every r between the smallest r meeting alpha and the largest
    r meeting power is feasible, with the same EN. This reports the smallest (Simon's
    description; it has the highest power). ``clinfun::ph2simon`` scans r downwards and keeps
    the largest. They coincide whenever only one r is feasible, as in every published design
    the tests compare with.
    """
    _check_inputs(p0, p1, alpha, power, nmax, max_nmax=MAX_N)
    nmax = int(nmax)
    t0, t1 = _tables(p0, nmax), _tables(p1, nmax)
    n_start = max(2, _smallest_n_lower_bound(p0, p1, alpha, power, nmax))

    # The staircase: for increasing n, the best design whenever it beats every smaller n.
    # Blocks of n share one vectorised pass; the EN bound is refreshed between blocks, and a
    # design found within a block is kept only if it beats the running minimum.
    staircase: list[_Found] = []
    en_best = np.inf
    n = n_start
    while n <= nmax:
        if np.isfinite(en_best):  # n1 < EN(p0) for every design, so n1 < en_best suffices
            n1_max = max(1, min(int(np.ceil(en_best)) - 1, nmax - 1))
            width = max(1, _BLOCK_ELEMENTS // (n1_max * n1_max * 8))
        else:  # until the first feasible n (the minimax), one n at a time, n1 unrestricted
            n1_max, width = n - 1, 1
        ns = np.arange(n, min(n + width, nmax + 1))
        for found in _best_for_block(ns, n1_max, t0, t1, alpha, power, en_best):
            if found[4] < en_best:
                staircase.append(found)
                en_best = found[4]
        n = int(ns[-1]) + 1

    if not staircase:
        raise DesignError(
            f"no Simon two-stage design with n <= {nmax} has alpha <= {alpha:g} at p0 = {p0:g} "
            f"and power >= {power:g} at p1 = {p1:g}. Fix: increase nmax, or revisit p0/p1/"
            "alpha/power."
        )

    hull = _lower_hull([(d[0], d[4]) for d in staircase])
    chosen = [staircase[i] for i in hull]
    q = [
        (a[4] - b[4]) / ((b[0] - a[0]) + (a[4] - b[4]))
        for a, b in zip(chosen[:-1], chosen[1:], strict=True)
    ]
    rows = []
    last = len(chosen) - 1
    for i, (n, r1, n1, r, en0, pet0, a_att, p_att) in enumerate(chosen):
        if last == 0:
            kind = "minimax/optimal"
        else:
            kind = "minimax" if i == 0 else "optimal" if i == last else "admissible"
        rows.append(
            {
                "kind": kind,
                "r1": r1,
                "n1": n1,
                "r": r,
                "n": n,
                "en_p0": en0,
                "pet_p0": pet0,
                "alpha": a_att,
                "power": p_att,
                "weight_lo": q[i] if i < last else 0.0,
                "weight_hi": q[i - 1] if i > 0 else 1.0,
            }
        )
    designs = pd.DataFrame(rows, columns=list(FRONTIER_COLUMNS))
    optimal_n = int(designs["n"].iloc[-1])
    return SimonFrontier(
        p0=float(p0),
        p1=float(p1),
        alpha=float(alpha),
        power=float(power),
        nmax=nmax,
        designs=designs,
        optimal_near_nmax=optimal_n > nmax - NEAR_NMAX_MARGIN,
    )


# --------------------------------------------------------------------------------------------
# Operating characteristics
# --------------------------------------------------------------------------------------------


def _check_rule(r1: int, n1: int, r: int, n: int) -> None:
    if n > MAX_N:
        raise ValueError(
            f"invalid two-stage rule r1={r1}, n1={n1}, r={r}, n={n}: n must be at most {MAX_N} "
            "(MAX_N, the largest phase II design evaluated)"
        )
    if not (0 <= r1 < n1 < n and 0 <= r < n):
        raise ValueError(
            f"invalid two-stage rule r1={r1}, n1={n1}, r={r}, n={n}: need 0 <= r1 < n1 < n and "
            "0 <= r < n"
        )


def operating_characteristics(design: SimonDesign | _HasRules, p: ArrayLike) -> pd.DataFrame:
    """Exact operating characteristics of a two-stage rule at any true response rates.

    .. math::

        P(\\text{reject} \\mid p) = \\sum_{x_1 = r_1 + 1}^{n_1} b(x_1; n_1, p)\\,
            S(r - x_1; n - n_1, p), \\qquad
        \\mathrm{PET}(p) = B(r_1; n_1, p), \\qquad
        EN(p) = n_1 + (1 - \\mathrm{PET}(p))(n - n_1).

    Parameters
    ----------
    design
        A :class:`SimonDesign`, or any object with integer attributes ``r1, n1, r, n`` (for
        example the SAP's ``design`` block).
    p
        One true response rate or a sequence of them, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per rate, in the order given, with columns (:data:`OC_COLUMNS`):
        ``p``; ``prob_reject`` (probability of declaring the treatment promising);
        ``pet`` and ``prob_early_stop`` (the same number: probability of stopping after
        stage 1); ``en`` (expected number of patients).

    Raises
    ------
    ValueError
        A rate is outside [0, 1] or not finite, or the rule is not a valid two-stage rule.
    """
    r1, n1, r, n = int(design.r1), int(design.n1), int(design.r), int(design.n)
    _check_rule(r1, n1, r, n)
    rates = np.atleast_1d(np.asarray(p, dtype=float))
    if rates.ndim != 1:
        raise ValueError(f"p must be a number or a 1-d sequence, got shape {rates.shape}")
    bad = ~np.isfinite(rates) | (rates < 0) | (rates > 1)
    if bad.any():
        raise ValueError(f"p must lie in [0, 1]; got {rates[bad].tolist()}")
    n2 = n - n1
    pr = rates[:, None]
    b1 = _binom_pmf(np.arange(n1 + 1)[None, :], n1, pr)  # (P, n1 + 1)
    b2 = _binom_pmf(np.arange(n2 + 1)[None, :], n2, pr)  # (P, n2 + 1)
    sf2 = np.concatenate(
        [np.cumsum(b2[:, ::-1], axis=1)[:, ::-1], np.zeros((len(rates), 1))], axis=1
    )
    x1 = np.arange(r1 + 1, n1 + 1)
    need = np.clip(r + 1 - x1, 0, n2 + 1)  # X2 >= r + 1 - x1
    reject = np.minimum((b1[:, x1] * sf2[:, need]).sum(axis=1), 1.0)
    pet = np.minimum(b1[:, : r1 + 1].sum(axis=1), 1.0)
    return pd.DataFrame(
        {
            "p": rates,
            "prob_reject": reject,
            "pet": pet,
            "prob_early_stop": pet,
            "en": n1 + (1.0 - pet) * n2,
        },
        columns=list(OC_COLUMNS),
    )


def simon_design_from_rules(
    r1: int, n1: int, r: int, n: int, p0: float, p1: float, kind: str = "stated"
) -> SimonDesign:
    """A :class:`SimonDesign` for a given rule, with its exact characteristics at p0 and p1.

    Parameters
    ----------
    r1, n1, r, n
        The rule: stop if :math:`X_1 \\le r_1` of :math:`n_1`; reject H0 if more than
        :math:`r` of :math:`n`.
    p0, p1
        Response rates under H0 and H1.
    kind
        Label carried into the result (default ``"stated"``).

    Raises
    ------
    ValueError
        The rule is not a valid two-stage rule or a rate is outside (0, 1).
    """
    for name, value in (("p0", p0), ("p1", p1)):
        if not 0 < value < 1:
            raise ValueError(f"{name} = {value!r} must lie strictly between 0 and 1")
    _check_rule(int(r1), int(n1), int(r), int(n))
    rule = SimonDesign(int(r1), int(n1), int(r), int(n), float(p0), float(p1), 0, 0, 0, 0, kind)
    oc = operating_characteristics(rule, [p0, p1])
    return SimonDesign(
        r1=int(r1),
        n1=int(n1),
        r=int(r),
        n=int(n),
        p0=float(p0),
        p1=float(p1),
        alpha_attained=float(oc["prob_reject"].iloc[0]),
        power_attained=float(oc["prob_reject"].iloc[1]),
        pet_p0=float(oc["pet"].iloc[0]),
        en_p0=float(oc["en"].iloc[0]),
        kind=kind,
    )


# --------------------------------------------------------------------------------------------
# A fixed maximum n or stage-1 n (design changes a DMC asks about)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixedSizeSearch:
    """The best Simon rule when the maximum ``n``, the stage-1 ``n1``, or both are fixed.

    Attributes
    ----------
    p0, p1, alpha, power
        The hypotheses and targets searched.
    n, n1
        The fixed sizes (``None``: searched).
    nmax
        Largest n searched when ``n`` is not fixed.
    design
        The rule with minimum EN(p0) among the feasible ones (``None`` if none is; see
        :attr:`feasible`).
    minimax
        With ``n`` free (only ``n1`` fixed): the feasible rule with the smallest n, then the
        smallest EN(p0). With ``n`` fixed every rule has the same maximum size, so the minimax
        criterion is moot and this is ``design``.
    best_power
        The most powerful rule with these sizes whose type I error is at most ``alpha`` (ties:
        smaller EN(p0)), so a statistician sees what the fixed size can achieve; ``None`` only
        when no rule meets alpha at all.
    message
        One sentence for the statistician.
    """

    p0: float
    p1: float
    alpha: float
    power: float
    n: int | None
    n1: int | None
    nmax: int
    design: SimonDesign | None
    minimax: SimonDesign | None
    best_power: SimonDesign | None
    message: str

    @property
    def feasible(self) -> bool:
        """Whether any rule with these sizes meets alpha and power."""
        return self.design is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python mapping (JSON-serialisable)."""

        def rec(d: SimonDesign | None) -> dict[str, Any] | None:
            return None if d is None else d.to_dict()

        return {
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "n": self.n,
            "n1": self.n1,
            "nmax": self.nmax,
            "feasible": self.feasible,
            "design": rec(self.design),
            "minimax": rec(self.minimax),
            "best_power": rec(self.best_power),
            "message": self.message,
        }


#: One rule with its exact characteristics: (en0, n1, r1, r, pet0, alpha, power).
_Rule = tuple[float, int, int, int, float, float, float]


def _reject_table(n1: int, n2: int, k: np.ndarray, p: float) -> np.ndarray:
    """``out[r1, r] = P(X1 > r1, X1 + X2 > r)``; ``k[x1, r] = r - x1`` clipped to [-1, n2]."""
    upper = np.cumsum(_binom_pmf(np.arange(n2 + 1), n2, p)[::-1])[::-1]  # P(X2 >= j)
    sf2 = np.concatenate([[1.0], upper[1:], [0.0]])  # sf2[k + 1] = P(X2 > k)
    terms = _binom_pmf(np.arange(n1 + 1), n1, p)[:, None] * sf2[k + 1]
    tail = np.cumsum(terms[::-1], axis=0)[::-1]  # tail[x] = sum over x1 >= x
    return np.minimum(tail[1:], 1.0)  # row r1: sum over x1 > r1


def _rules_at_level(p0: float, p1: float, alpha: float, n: int, n1s: range | list[int]) -> list:
    """For each (n1, r1) with n1 in ``n1s``: the smallest r >= r1 whose exact type I error is
    at most ``alpha`` (it is the most powerful of them; EN(p0) does not depend on r).

    For one n1 the whole (r1, r) table of rejection probabilities is one reverse cumulative sum
    over the stage-1 count of :math:`b(x_1; n_1, p)\\,S(r - x_1; n - n_1, p)`.
    """
    found: list[_Rule] = []
    r = np.arange(n)
    for n1 in n1s:
        n2 = n - n1
        x1 = np.arange(n1 + 1)
        k = np.clip(r[None, :] - x1[:, None], -1, n2)  # (X, R): need X2 > k

        a0, a1 = _reject_table(n1, n2, k, p0), _reject_table(n1, n2, k, p1)
        r1 = np.arange(n1)
        meets = (a0 <= alpha) & (r[None, :] >= r1[:, None])
        pet0 = np.minimum(np.cumsum(_binom_pmf(x1, n1, p0))[:n1], 1.0)
        for j in np.flatnonzero(meets.any(axis=1)):
            rr = int(meets[j].argmax())
            en0 = n1 + (1.0 - pet0[j]) * n2
            found.append((float(en0), n1, int(j), rr, float(pet0[j]), a0[j, rr], a1[j, rr]))
    return found


def simon_search_seconds(
    p0: float, p1: float, alpha: float, power: float, *, nmax: int = 100, n: int | None = None
) -> float:
    """A rough upper estimate, in seconds on one core, of :func:`simon_designs` (``n`` None)
    or :func:`simon_design_for_n` (``n`` fixed), computed without searching.

    Used to refuse, before starting, a scenario grid whose searches would run for hours
    (issue 24). The free search scans n upwards from the Neyman-Pearson lower bound m (the
    first n any design can reach the power; none if m > nmax) and its work grows like m**4:
    3e-9 m**4 s bounds 0.33 s at m = 114 and 88 s at m = 427 (p0 0.2, p1 0.25, nmax 500). A
    search at a fixed n costs about 9 (n/500)**3 s (9 s at n = 500, 0.74 s at 200), at least
    0.3 s. Measured on the development machine; a slower core scales all of them alike.
    """
    if n is not None:
        return max(0.3, 9.0 * (n / 500) ** 3)
    m = _smallest_n_lower_bound(p0, p1, alpha, power, int(nmax))
    return 0.05 if m > nmax else max(0.05, 3e-9 * float(m) ** 4)


def simon_design_for_n(
    p0: float,
    p1: float,
    alpha: float,
    power: float,
    n: int | None = None,
    n1: int | None = None,
    nmax: int = 100,
) -> FixedSizeSearch:
    """The best Simon two-stage rule with a fixed maximum ``n`` and/or stage-1 size ``n1``.

    "Enrol 50 instead of 43": among every rule :math:`(r_1, n_1, r)` with maximum sample size
    exactly ``n`` that meets :math:`P(\\text{reject} \\mid p_0) \\le \\alpha` and
    :math:`P(\\text{reject} \\mid p_1) \\ge` ``power``, the one with minimum EN(p0) (Simon's
    optimality criterion restricted to that n). With n fixed, Simon's minimax criterion
    (minimum n) is moot: every candidate has the same n. Ties in EN(p0) go to the smaller
    ``n1`` then the larger ``r1`` (clinfun's loop order), and r is the smallest feasible one
    (the most powerful), as in :func:`simon_designs`.

    With ``n1`` fixed as well only that stage-1 size is searched. With ``n1`` fixed and ``n``
    free, every n from ``n1 + 1`` to ``nmax`` is searched: ``design`` is the minimum-EN(p0)
    rule (ties: smaller n) and ``minimax`` the smallest n.

    When no rule meets both constraints the result says so (``feasible`` False) and
    ``best_power`` holds the most powerful rule with type I error at most alpha.

    The search is exhaustive and exact (binomial sums in float64), O(n^3) per n: about 10 ms
    for n = 50.

    Raises
    ------
    ValueError
        An argument is out of range (n, n1 or nmax not an integer in range, n > MAX_N).
    """
    if n is None and n1 is None:
        raise ValueError("give n, n1 or both (for a free search use simon_designs)")
    if n is not None and (isinstance(n, bool) or not 2 <= int(n) <= MAX_N):
        raise ValueError(f"n = {n!r} must be an integer from 2 to {MAX_N} (MAX_N)")
    _check_inputs(p0, p1, alpha, power, int(nmax) if n is None else int(n), MAX_N)
    if n1 is not None:
        top = (int(n) if n is not None else int(nmax)) - 1
        if isinstance(n1, bool) or not 1 <= int(n1) <= top:
            raise ValueError(f"n1 = {n1!r} must be an integer from 1 to {top} (below n)")
    ns = [int(n)] if n is not None else list(range(int(n1) + 1, int(nmax) + 1))  # type: ignore[arg-type]

    def as_design(rule: _Rule, m: int, kind: str) -> SimonDesign:
        en0, k1, r1, r, pet0, a, pw = rule
        return SimonDesign(r1, k1, r, m, float(p0), float(p1), a, pw, pet0, en0, kind)

    best: list[tuple[float, int, int, int, _Rule]] = []  # (en0, n, n1, -r1, rule)
    top_power: tuple | None = None
    for m in ns:
        rules = _rules_at_level(p0, p1, alpha, m, [int(n1)] if n1 is not None else range(1, m))
        ok = [rule for rule in rules if rule[6] >= power]
        if ok:
            rule = min(ok, key=lambda q: (q[0], q[1], -q[2]))
            best.append((rule[0], m, rule[1], -rule[2], rule))
        if rules:
            strongest = max(rules, key=lambda q: (q[6], -q[0]))
            if top_power is None or strongest[6] > top_power[0][6]:
                top_power = (strongest, m)

    sizes = f"n = {n}" if n1 is None else f"n1 = {n1}" if n is None else f"n = {n}, n1 = {n1}"
    target = f"alpha <= {alpha:g} at p0 = {p0:g} and power >= {power:g} at p1 = {p1:g}"
    strongest_design = None if top_power is None else as_design(*top_power, "best power")
    sought = (float(p0), float(p1), float(alpha), float(power), n, n1, int(nmax))
    if not best:
        reach = (
            "no rule even meets alpha"
            if strongest_design is None
            else f"the most powerful rule meeting alpha is {strongest_design.rule} with power "
            f"{strongest_design.power_attained:.4f} (alpha {strongest_design.alpha_attained:.4f})"
        )
        where = "" if n is not None else f" (searched n <= {nmax})"
        message = (
            f"no Simon two-stage rule with {sizes}{where} has {target}; {reach}. Fix: a larger "
            "n, or revisit p1/alpha/power."
        )
        return FixedSizeSearch(*sought, None, None, strongest_design, message)
    optimal = min(best)
    minimax = min(best, key=lambda b: (b[1], b[0], b[2], b[3]))
    label = f"optimal ({sizes})"
    design = as_design(optimal[4], optimal[1], label)
    minimax_design = design if n is not None else as_design(minimax[4], minimax[1], "minimax")
    message = (
        f"best rule with {sizes} meeting {target}: {_describe(design)}"
        + ("; the minimax criterion is moot at a fixed n" if n is not None else "")
        + "."
    )
    return FixedSizeSearch(*sought, design, minimax_design, strongest_design, message)


#: Columns of :func:`compare_rules`, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "design",
    "rule",
    "r1",
    "n1",
    "r",
    "n",
    "alpha_attained",
    "power_attained",
    "pet_p0",
    "en_p0",
    "meets",
)


def compare_rules(
    rules: dict[str, _HasRules], p0: float, p1: float, alpha: float, power: float
) -> pd.DataFrame:
    """Several two-stage rules side by side, each with its exact OC at the same assumptions.

    "p1 is really 0.45": the planned rule and the re-searched one are both evaluated at the new
    p0, p1 and judged against the new alpha and power, so the table answers "what does the rule
    we planned do now, and what would we choose instead".

    Parameters
    ----------
    rules
        Label -> rule (any object with ``r1, n1, r, n``), in display order.
    p0, p1, alpha, power
        The assumptions every rule is evaluated at.

    Returns
    -------
    pandas.DataFrame
        One row per rule, columns :data:`COMPARISON_COLUMNS`; ``meets`` is whether the exact
        type I error is at most ``alpha`` and the power at least ``power``.
    """
    rows = []
    for label, rule in rules.items():
        d = simon_design_from_rules(rule.r1, rule.n1, rule.r, rule.n, p0, p1, kind=label)
        rows.append(
            {
                "design": label,
                "rule": d.rule,
                "r1": d.r1,
                "n1": d.n1,
                "r": d.r,
                "n": d.n,
                "alpha_attained": d.alpha_attained,
                "power_attained": d.power_attained,
                "pet_p0": d.pet_p0,
                "en_p0": d.en_p0,
                "meets": bool(d.alpha_attained <= alpha and d.power_attained >= power),
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


# --------------------------------------------------------------------------------------------
# Single-stage design
# --------------------------------------------------------------------------------------------


def single_stage_design(
    p0: float, p1: float, alpha: float, power: float, nmax: int = 1000
) -> SingleStageDesign:
    """The exact single-stage design (A'Hern 2001): the smallest n that works.

    For each n the threshold is the smallest r with

    .. math:: P(X > r \\mid n, p_0) \\le \\alpha,

    and the design is the smallest n for which :math:`P(X > r \\mid n, p_1) \\ge` ``power``.
    Exact binomial feasibility is not monotone in n, so a larger n can fail where a smaller
    one succeeded; this returns the smallest, as A'Hern tabulates and as the first row of
    ``clinfun::ph2single``.

    Parameters
    ----------
    p0, p1
        Response rates under H0 and H1, :math:`0 < p_0 < p_1 < 1`.
    alpha
        Maximum one-sided type I error.
    power
        Minimum power at ``p1``.
    nmax
        Largest n searched.

    Raises
    ------
    ValueError
        An argument is out of range.
    DesignError
        No n up to ``nmax`` works.
    """
    _check_inputs(p0, p1, alpha, power, nmax)
    n = np.arange(1, int(nmax) + 1)
    r = _single_stage_threshold(n, p0, alpha)
    size = stats.binom.sf(r, n, p0)
    pw = stats.binom.sf(r, n, p1)
    ok = np.flatnonzero((r < n) & (size <= alpha) & (pw >= power))
    if not ok.size:
        raise DesignError(
            f"no single-stage design with n <= {nmax} has alpha <= {alpha:g} at p0 = {p0:g} "
            f"and power >= {power:g} at p1 = {p1:g}. Fix: increase nmax."
        )
    i = int(ok[0])
    return SingleStageDesign(
        n=int(n[i]),
        r=int(r[i]),
        p0=float(p0),
        p1=float(p1),
        alpha_attained=float(size[i]),
        power_attained=float(pw[i]),
    )


# --------------------------------------------------------------------------------------------
# The design check
# --------------------------------------------------------------------------------------------


def _describe(d: SimonDesign) -> str:
    return (
        f"{d.rule} (attained alpha {d.alpha_attained:.4f}, power {d.power_attained:.4f}, "
        f"PET(p0) {d.pet_p0:.3f}, EN(p0) {d.en_p0:.2f})"
    )


def check_design(design: Design) -> DesignCheck:
    """Recompute the SAP's design from its hypotheses and compare it with the stated rule.

    The design of the SAP's ``kind`` (optimal or minimax) is recomputed with
    :func:`simon_designs` from ``p0``, ``p1``, ``alpha``, ``power`` and ``nmax_search``, and
    compared key by key with the stated ``n1``, ``r1``, ``n``, ``r``.

    Parameters
    ----------
    design
        The SAP's ``design`` block (:class:`osteo_stats.sap.Design`), or any object with the
        attributes ``kind, p0, p1, alpha, power, n1, r1, n, r, nmax_search``.

    Returns
    -------
    DesignCheck
        ``agrees``, ``computed``, ``stated``, ``mismatches`` and a ``message``; never raises
        for a disagreement (see :func:`assert_design_agrees`).

    Raises
    ------
    ValueError
        ``design.kind`` is not ``"optimal"`` or ``"minimax"``, or an input is out of range.
    DesignError
        No design up to ``nmax_search`` meets the constraints.
    """
    kind = str(design.kind)
    if kind not in DESIGN_KINDS:
        raise ValueError(f"unknown design kind {kind!r}; allowed: {', '.join(DESIGN_KINDS)}")
    p0, p1 = float(design.p0), float(design.p1)
    alpha, power = float(design.alpha), float(design.power)
    nmax = int(design.nmax_search)
    frontier = simon_designs(p0, p1, alpha, power, nmax=nmax)
    computed = frontier.design(kind)
    stated = simon_design_from_rules(design.r1, design.n1, design.r, design.n, p0, p1)

    mismatches = tuple(
        f"design.{key}"
        for key in ("n1", "r1", "n", "r")
        if getattr(stated, key) != getattr(computed, key)
    )
    meets = stated.alpha_attained <= alpha and stated.power_attained >= power
    target = (
        f"the {kind} design for p0={p0:g}, p1={p1:g}, alpha={alpha:g}, power={power:g} "
        f"(searched n <= {nmax})"
    )
    stated_keys = f"n1={stated.n1}, r1={stated.r1}, n={stated.n}, r={stated.r}"
    if not mismatches:
        message = f"sap.yaml design: {stated_keys} stated; this is {target}: {_describe(computed)}."
    else:
        diffs = ", ".join(
            f"{key} (stated {getattr(stated, key[7:])}, computed {getattr(computed, key[7:])})"
            for key in mismatches
        )
        constraint = (
            "it meets alpha and power but is not the " + kind + " design"
            if meets
            else "it does not meet "
            + " and ".join(
                s
                for s, bad in (
                    (f"alpha <= {alpha:g}", stated.alpha_attained > alpha),
                    (f"power >= {power:g}", stated.power_attained < power),
                )
                if bad
            )
        )
        fixes = ", ".join(f"{key}: {getattr(computed, key[7:])}" for key in mismatches)
        message = (
            f"sap.yaml design: {stated_keys} stated; {target} is {_describe(computed)}. "
            f"Differs in {diffs}. The stated rule has attained alpha "
            f"{stated.alpha_attained:.4f}, power {stated.power_attained:.4f}, EN(p0) "
            f"{stated.en_p0:.2f}; {constraint}. Fix: set {fixes} in sap/sap.yaml (and "
            "study.planned_enrollment if n changes), or correct design.kind/p0/p1/alpha/power "
            "if the stated rule is the intended one."
        )
    return DesignCheck(
        agrees=not mismatches,
        kind=kind,
        computed=computed,
        stated=stated,
        mismatches=mismatches,
        stated_meets_constraints=meets,
        frontier=frontier,
        message=message,
    )


def assert_design_agrees(design: Design) -> DesignCheck:
    """Like :func:`check_design`, but raise when the SAP and the computation disagree.

    Returns
    -------
    DesignCheck
        The (agreeing) check, for printing the OC table.

    Raises
    ------
    DesignError
        The stated rule is not the recomputed design; the message names the SAP keys, the
        stated and computed values, and the fix.
    """
    check = check_design(design)
    if not check.agrees:
        raise DesignError(check.message)
    return check
