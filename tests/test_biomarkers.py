"""Rank tests, Fisher's exact test and BH adjustment (analyse.biomarkers) against R 4.2.2.

Every reference value below was produced by the R snippet in the test's docstring (R 4.2.2,
``stats`` only; ``options(digits = 15)``); where R cannot give the quantity (exact p-values with
ties), the reference is a brute-force enumeration, both in R (docstring) and in the test itself.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.biomarkers import (
    EXACT_MAX_SIGNED_RANK,
    benjamini_hochberg,
    fisher_exact,
    proportion_increased,
    rank_sum_test,
    signed_rank_test,
)

TOL = {"rel": 1e-12, "abs": 1e-12}

# Hollander, Wolfe & Chicken (2014), Table 3.1: Hamilton depression scale, first/second visit.
DEPRESSION_PRE = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
DEPRESSION_POST = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


# --------------------------------------------------------------------------------------------
# Brute-force references, independent of the generating-function code
# --------------------------------------------------------------------------------------------


def _midranks(values: np.ndarray) -> np.ndarray:
    """Mid-ranks by counting (no scipy): rank = #smaller + (#equal + 1) / 2."""
    v = np.asarray(values, dtype=float)
    return np.array([np.sum(v < a) + (np.sum(v == a) + 1) / 2 for a in v])


def _brute_signed_rank_p(d: list[float]) -> float:
    """Exact conditional two-sided p over all 2^n sign vectors of the non-zero differences."""
    d = np.asarray([x for x in d if x != 0], dtype=float)
    if d.size == 0:
        return 1.0
    r = _midranks(np.abs(d))
    v = r[d > 0].sum()
    signs = np.array(list(itertools.product((0, 1), repeat=d.size)))
    null = signs @ r
    centre = r.sum() / 2
    return float(np.mean(np.abs(null - centre) >= abs(v - centre) - 1e-9))


def _brute_rank_sum_p(x: list[float], y: list[float]) -> float:
    """Exact conditional two-sided p over all C(N, m) splits of the pooled mid-ranks."""
    r = _midranks(np.concatenate([x, y]))
    m = len(x)
    observed = r[:m].sum()
    centre = m * r.sum() / r.size
    null = np.array([r[list(c)].sum() for c in itertools.combinations(range(r.size), m)])
    return float(np.mean(np.abs(null - centre) >= abs(observed - centre) - 1e-9))


# --------------------------------------------------------------------------------------------
# Signed-rank test
# --------------------------------------------------------------------------------------------


def test_signed_rank_without_ties_matches_r_exact():
    """R::

    pre  <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
    post <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)
    wilcox.test(post, pre, paired = TRUE, exact = TRUE, correct = FALSE, conf.int = TRUE)
    # V = 5, p-value = 0.0390625, (pseudo)median -0.46, 95% CI -0.786 -0.010
    """
    res = signed_rank_test(DEPRESSION_PRE, DEPRESSION_POST)
    assert res.method == "exact" and not res.ties and res.n == 9 and res.n_zero == 0
    assert res.statistic == 5
    assert res.p_value == pytest.approx(0.0390625, **TOL)
    assert res.estimate == pytest.approx(-0.46, **TOL)
    assert (res.lower, res.upper) == pytest.approx((-0.786, -0.010), **TOL)
    assert res.n_positive == 2 and res.n_negative == 7


def test_signed_rank_n20_matches_r_exact():
    """R::

    pre2 <- c(12.1, 8.4, 15.3, 9.9, 11.0, 7.2, 13.8, 10.5, 9.1, 14.6, 6.8, 12.9, 11.7, 8.8,
              10.2, 13.1, 9.5, 7.9, 12.4, 11.3)
    d2 <- c(0.9, 0.7, -0.3, 2.3, 0.45, 2.35, 0.2, -0.4, 2.7, 3.3, 0.25, 1.4, -0.5, 1.9, 3.6,
            0.15, 0.42, 2.65, 0.22, 0.75)
    wilcox.test(pre2 + d2, pre2, paired = TRUE, exact = TRUE, correct = FALSE, conf.int = TRUE)
    # V = 190, p-value = 0.000707626342773438, (pseudo)median 1.1375, CI 0.425 1.750
    """
    pre = np.array([12.1, 8.4, 15.3, 9.9, 11.0, 7.2, 13.8, 10.5, 9.1, 14.6, 6.8, 12.9, 11.7])
    pre = np.concatenate([pre, [8.8, 10.2, 13.1, 9.5, 7.9, 12.4, 11.3]])
    d = np.array([0.9, 0.7, -0.3, 2.3, 0.45, 2.35, 0.2, -0.4, 2.7, 3.3, 0.25, 1.4, -0.5, 1.9])
    d = np.concatenate([d, [3.6, 0.15, 0.42, 2.65, 0.22, 0.75]])
    res = signed_rank_test(pre, pre + d)
    assert res.method == "exact" and not res.ties
    assert res.statistic == 190
    assert res.p_value == pytest.approx(0.000707626342773438, rel=1e-12)
    assert res.estimate == pytest.approx(1.1375, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((0.425, 1.750), rel=1e-12)


def test_signed_rank_n40_matches_r_exact():
    """R::

    d7 <- ((1:40) * 0.37) %% 5.3 - 1.9      # 40 distinct non-zero |d|
    wilcox.test(d7, exact = TRUE, conf.int = TRUE)
    # V = 595, p-value = 0.0120159214529849, (pseudo)median 0.6325, CI 0.140 1.125
    # (d7 printed with sprintf("%.17g") and pasted below)
    """
    d = np.array(
        [
            -1.5299999999999998, -1.1599999999999999, -0.79000000000000004,
            -0.41999999999999993, -0.049999999999999822, 0.31999999999999984,
            0.68999999999999995, 1.0600000000000001, 1.4300000000000002, 1.8000000000000003,
            2.1700000000000004, 2.5399999999999996, 2.9099999999999997, 3.2799999999999998,
            -1.6499999999999999, -1.2799999999999998, -0.9099999999999997,
            -0.53999999999999959, -0.16999999999999948, 0.20000000000000062,
            0.56999999999999984, 0.94000000000000083, 1.3100000000000001, 1.6799999999999993,
            2.0500000000000003, 2.4199999999999995, 2.7900000000000005, 3.1599999999999997,
            -1.7699999999999991, -1.3999999999999999, -1.0299999999999989,
            -0.6599999999999997, -0.29000000000000048, 0.080000000000000515,
            0.44999999999999973, 0.82000000000000073, 1.1899999999999999, 1.5600000000000009,
            1.9300000000000002, 2.3000000000000012,
        ]
    )  # fmt: skip
    res = signed_rank_test(np.zeros(d.size), d)
    assert res.statistic == 595
    assert res.p_value == pytest.approx(0.0120159214529849, rel=1e-12)
    assert res.estimate == pytest.approx(0.6325, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((0.140, 1.125), rel=1e-12)


PRE3 = [1, 2, 0, 3, 1, 4, 2, 0, 5, 1, 2, 3]
POST3 = [3, 2, 2, 1, 4, 4, 5, 1, 5, 3, 1, 6]


def test_signed_rank_with_ties_and_zeros_exact_conditional():
    """Ties and zeros: R's wilcox.test cannot be exact; the reference is an enumeration in R.

    R::

    pre3  <- c(1, 2, 0, 3, 1, 4, 2, 0, 5, 1, 2, 3)
    post3 <- c(3, 2, 2, 1, 4, 4, 5, 1, 5, 3, 1, 6)
    d <- post3 - pre3; d <- d[d != 0]; r <- rank(abs(d)); n <- length(d)
    V <- sum(r[d > 0]); S <- as.matrix(expand.grid(rep(list(0:1), n))); Vs <- S %*% r
    E <- sum(r) / 2; mean(abs(Vs - E) >= abs(V - E) - 1e-9)           # 0.0625
    dd <- post3 - pre3; N <- length(dd); wa <- outer(dd, dd, "+")
    wa <- sort(wa[!lower.tri(wa)]) / 2
    qu <- qsignrank(0.025, N); ql <- N * (N + 1) / 2 - qu
    median(wa); c(wa[qu], wa[ql + 1]); 1 - 2 * psignrank(qu - 1, N)  # 1; 0 2.5; 0.95751953125
    """
    res = signed_rank_test(PRE3, POST3)
    assert res.method == "exact" and res.ties
    assert (res.n, res.n_zero, res.n_positive, res.n_negative) == (12, 3, 7, 2)
    assert res.statistic == 39
    assert res.p_value == pytest.approx(0.0625, **TOL)
    assert res.p_value == pytest.approx(_brute_signed_rank_p(np.subtract(POST3, PRE3)), **TOL)
    assert res.estimate == 1.0
    assert (res.lower, res.upper) == (0.0, 2.5)
    assert res.conf_level_achieved == pytest.approx(0.95751953125, **TOL)


def test_signed_rank_normal_approximation_matches_r():
    """R::

    wilcox.test(post3, pre3, paired = TRUE, exact = FALSE, correct = TRUE)$p.value
    # 0.0547366596598732
    wilcox.test(post3, pre3, paired = TRUE, exact = FALSE, correct = FALSE)$p.value
    # 0.0475923116999488
    d5 <- c(rep(c(-2, -1, 1, 2, 3, 4), 10), 0, 0)     # 60 non-zero > 50: SAP uses normal
    wilcox.test(d5, exact = FALSE, correct = TRUE)    # V = 1420, p = 0.000175343972815551
    """
    corrected = signed_rank_test(PRE3, POST3, method="normal")
    plain = signed_rank_test(PRE3, POST3, method="normal", correct=False)
    assert corrected.p_value == pytest.approx(0.0547366596598732, rel=1e-12)
    assert plain.p_value == pytest.approx(0.0475923116999488, rel=1e-12)

    d5 = np.array([-2, -1, 1, 2, 3, 4] * 10 + [0, 0], dtype=float)
    auto = signed_rank_test(np.zeros(d5.size), d5)
    assert auto.method == "normal" and 60 > EXACT_MAX_SIGNED_RANK
    assert auto.statistic == 1420
    assert auto.p_value == pytest.approx(0.000175343972815551, rel=1e-12)


def test_signed_rank_all_zero_and_single_pair():
    res = signed_rank_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert res.p_value == 1.0 and res.n_zero == 3 and res.estimate == 0.0
    one = signed_rank_test([1.0], [3.0])
    assert one.p_value == 1.0 and one.estimate == 2.0 and math.isnan(one.lower)


def test_signed_rank_rejects_bad_input():
    with pytest.raises(ValueError, match=r"post has 1 missing .* never impute"):
        signed_rank_test([1.0, 2.0], [1.0, math.nan])
    with pytest.raises(ValueError, match="got 2 pre and 3 post"):
        signed_rank_test([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="no pairs"):
        signed_rank_test([], [])
    with pytest.raises(ValueError, match=r"unknown method 'exakt'; allowed: 'auto', 'exact'"):
        signed_rank_test([1.0], [2.0], method="exakt")  # type: ignore[arg-type]


small_differences = st.lists(st.integers(-4, 4), min_size=1, max_size=11)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(small_differences)
def test_signed_rank_exact_equals_enumeration_of_all_sign_vectors(d):
    res = signed_rank_test(np.zeros(len(d)), np.asarray(d, dtype=float), method="exact")
    assert res.p_value == pytest.approx(_brute_signed_rank_p(d), abs=1e-12)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.lists(st.integers(-6, 6), min_size=1, max_size=14),
    st.sampled_from(["cube", "exp", "log1p", "affine"]),
)
def test_signed_rank_invariant_to_monotone_transform_of_magnitudes(d, transform):
    """Only signs and the order of |d| matter: g strictly increasing with g(0) = 0 keeps both."""
    g = {
        "cube": lambda a: a**3 + 0.5 * a,
        "exp": np.expm1,
        "log1p": np.log1p,
        "affine": lambda a: 7.3 * a,
    }[transform]
    d = np.asarray(d, dtype=float)
    transformed = np.sign(d) * g(np.abs(d))
    before = signed_rank_test(np.zeros(d.size), d)
    after = signed_rank_test(np.zeros(d.size), transformed)
    assert after.statistic == before.statistic
    assert after.p_value == pytest.approx(before.p_value, abs=1e-14)
    assert (after.n_zero, after.ties) == (before.n_zero, before.ties)
    normal_before = signed_rank_test(np.zeros(d.size), d, method="normal")
    normal_after = signed_rank_test(np.zeros(d.size), transformed, method="normal")
    assert normal_after.p_value == pytest.approx(normal_before.p_value, abs=1e-14)


# --------------------------------------------------------------------------------------------
# Rank-sum test
# --------------------------------------------------------------------------------------------


def test_rank_sum_without_ties_matches_r_exact():
    """R (Hollander, Wolfe & Chicken 2014, Table 4.1)::

    x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
    y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
    wilcox.test(x, y, exact = TRUE, correct = FALSE, conf.int = TRUE)
    # W = 35, p-value = 0.254412254412254, difference 0.305, CI -0.15 0.76
    """
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = rank_sum_test(x, y)
    assert res.method == "exact" and not res.ties
    assert res.statistic == 35
    assert res.p_value == pytest.approx(0.254412254412254, rel=1e-12)
    assert res.estimate == pytest.approx(0.305, **TOL)
    assert (res.lower, res.upper) == pytest.approx((-0.15, 0.76), **TOL)


def test_rank_sum_m20_n23_matches_r_exact():
    """R::

    x6 <- (1:20) * 1.7 + 0.31; y6 <- (1:23) * 1.3 + 4.07
    wilcox.test(x6, y6, exact = TRUE, conf.int = TRUE)
    # W = 210, p-value = 0.638267659021733, difference -1.51, CI -7.76 4.74
    """
    x = np.arange(1, 21) * 1.7 + 0.31
    y = np.arange(1, 24) * 1.3 + 4.07
    res = rank_sum_test(x, y)
    assert res.statistic == 210
    assert res.p_value == pytest.approx(0.638267659021733, rel=1e-12)
    assert res.estimate == pytest.approx(-1.51, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((-7.76, 4.74), rel=1e-12)


X4 = [0, 1, 1, 2, 3, 3, 5]
Y4 = [1, 2, 3, 4, 4, 6, 7, 7]


def test_rank_sum_with_ties_exact_conditional_and_normal():
    """R::

    x4 <- c(0, 1, 1, 2, 3, 3, 5); y4 <- c(1, 2, 3, 4, 4, 6, 7, 7)
    wilcox.test(x4, y4, exact = FALSE, correct = TRUE)$p.value    # 0.0795647345931905
    wilcox.test(x4, y4, exact = FALSE, correct = FALSE)$p.value   # 0.0700390947634993
    z <- c(x4, y4); r <- rank(z); m <- 7; cmb <- combn(15, m)
    Rs <- apply(cmb, 2, function(i) sum(r[i])); Rx <- sum(r[1:m]); E <- m * 16 / 2
    mean(abs(Rs - E) >= abs(Rx - E) - 1e-9)                      # 0.0792540792540792
    dif <- sort(outer(x4, y4, "-")); qu <- qwilcox(0.025, 7, 8); ql <- 56 - qu
    median(dif); c(dif[qu], dif[ql + 1]); 1 - 2 * pwilcox(qu - 1, 7, 8)
    # -2; -5 0; 0.95990675990676
    """
    res = rank_sum_test(X4, Y4)
    assert res.method == "exact" and res.ties and res.statistic == 12.5
    assert res.p_value == pytest.approx(0.0792540792540792, rel=1e-12)
    assert res.p_value == pytest.approx(_brute_rank_sum_p(X4, Y4), **TOL)
    assert (res.estimate, res.lower, res.upper) == (-2.0, -5.0, 0.0)
    assert res.conf_level_achieved == pytest.approx(0.95990675990676, rel=1e-12)
    normal = rank_sum_test(X4, Y4, method="normal")
    assert normal.p_value == pytest.approx(0.0795647345931905, rel=1e-12)
    plain = rank_sum_test(X4, Y4, method="normal", correct=False)
    assert plain.p_value == pytest.approx(0.0700390947634993, rel=1e-12)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=1, max_size=6),
)
def test_rank_sum_exact_equals_enumeration_of_all_splits(x, y):
    res = rank_sum_test(np.asarray(x, float), np.asarray(y, float), method="exact")
    assert res.p_value == pytest.approx(_brute_rank_sum_p(x, y), abs=1e-12)


def test_rank_sum_rejects_empty_group():
    with pytest.raises(ValueError, match="y is empty"):
        rank_sum_test([1.0, 2.0], [])


# --------------------------------------------------------------------------------------------
# Fisher's exact test
# --------------------------------------------------------------------------------------------

# (table, R p-value, conditional MLE odds ratio, lower, upper). p: R fisher.test. Odds ratio
# and limits: R's own fisher.test code run with uniroot(tol = 1e-13); fisher.test's default
# uniroot tolerance (about 1e-4) is too coarse for a 1e-8 comparison. See the docstring.
FISHER_CASES = [
    ((3, 1, 1, 3), 0.485714285714286, 6.408319658199671, 0.211735595446578, 626.243530588813542),
    ((5, 1, 2, 9), 0.0345022624434389, 17.34023819276774, 1.15293322001474, 1177.46931638446449),
    ((0, 6, 7, 30), 0.567134599883801, 0.0, 0.0, 4.64503236073574),
    ((6, 0, 15, 22), 0.00890091190715126, math.inf, 1.44056434942381, math.inf),
    ((4, 2, 14, 15), 0.658148303309594, 2.097484947497624, 0.253355116106161, 26.646729273420785),
    ((2, 10, 13, 3), 0.00162426526674744, 0.054014992868978, 0.0037786710177964, 0.425448739087),
]


@pytest.mark.parametrize(("cells", "p", "odds", "lower", "upper"), FISHER_CASES)
def test_fisher_matches_r(cells, p, odds, lower, upper):
    """R::

    t <- matrix(c(3, 1, 1, 3), 2, byrow = TRUE); fisher.test(t)$p.value   # etc.

    The odds ratio and CI references come from stats:::fisher.test's internal functions
    (dnhyper, mnhyper, pnhyper, mle, ncp.L, ncp.U) copied verbatim, with ``tol = 1e-13``
    added to every ``uniroot`` call; e.g. for (3, 1, 1, 3): 6.408319658199671,
    0.211735595446578, 626.243530588813542 (fisher.test itself prints 6.40830886700579,
    0.2117329, 621.9338 at its default tolerance).
    """
    res = fisher_exact(np.array(cells).reshape(2, 2))
    assert res.p_value == pytest.approx(p, rel=1e-12)
    assert res.odds_ratio == pytest.approx(odds, rel=1e-8)
    assert res.lower == pytest.approx(lower, rel=1e-8)
    assert res.upper == pytest.approx(upper, rel=1e-8)


def test_fisher_zero_margin_has_no_odds_ratio():
    res = fisher_exact([[0, 0], [3, 4]])
    assert res.p_value == 1.0 and math.isnan(res.odds_ratio)


def test_fisher_rejects_non_count_table():
    with pytest.raises(ValueError, match="2 x 2 array of non-negative integer counts"):
        fisher_exact([[1.5, 2], [3, 4]])
    with pytest.raises(ValueError, match="2 x 2 array"):
        fisher_exact([1, 2, 3, 4])


# --------------------------------------------------------------------------------------------
# Benjamini-Hochberg, proportion increased
# --------------------------------------------------------------------------------------------


def test_benjamini_hochberg_matches_r_with_ties_and_missing():
    """R::

    p.adjust(c(0.01, 0.04, 0.03, NA, 0.5, 0.04, 0.001, 0.2), "BH")
    # 0.035 0.056 0.056 NA 0.5 0.056 0.007 0.233333333333333
    """
    adj = benjamini_hochberg([0.01, 0.04, 0.03, math.nan, 0.5, 0.04, 0.001, 0.2])
    expected = [0.035, 0.056, 0.056, math.nan, 0.5, 0.056, 0.007, 0.233333333333333]
    np.testing.assert_allclose(adj, expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(benjamini_hochberg([math.nan, math.nan])).all()
    with pytest.raises(ValueError, match=r"in \[0, 1\]; got 1.2"):
        benjamini_hochberg([0.1, 1.2])


@settings(max_examples=100, derandomize=True)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_benjamini_hochberg_is_monotone_and_bounded(p):
    p = np.asarray(p)
    adj = benjamini_hochberg(p)
    assert np.all(adj >= p - 1e-15) and np.all(adj <= 1)
    order = np.argsort(p)
    assert np.all(np.diff(adj[order]) >= -1e-15)


def test_proportion_increased_counts_ties_as_not_increased():
    ci = proportion_increased([1, 2, 3, 4], [2, 2, 1, 5])
    assert (ci.x, ci.n) == (2, 4) and ci.method == "clopper-pearson"


# --------------------------------------------------------------------------------------------
# Exact or asymptotic by cost (issue 10, section 7 "Scale")
# --------------------------------------------------------------------------------------------


def test_large_rank_sum_is_asymptotic_by_cost_and_matches_r_in_bounded_memory():
    """300 against 3000 tied values (the 4,300-patient trial allocated 37.8 GiB here, in the
    exact Mann-Whitney critical value of the CI). The exact table would have ~10^9 cells, so
    both the p-value and the CI's critical value are asymptotic; the p-value is R's::

        x <- (0:299 %% 37) / 2; y <- (0:2999 %% 41) / 2
        w <- wilcox.test(x, y, exact = FALSE, correct = TRUE)
        w$statistic; w$p.value                     # 402216; 0.00238339954379699
        x2 <- c(x, 30); y2 <- (0:1999 %% 43) / 2
        wilcox.test(x2, y2, exact = FALSE, correct = TRUE)   # W = 258848, p = 8.72799702996991e-05
    """
    import time
    import tracemalloc

    x = (np.arange(300) % 37) / 2
    y = (np.arange(3000) % 41) / 2
    tracemalloc.start()
    start = time.monotonic()
    try:
        res = rank_sum_test(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - start < 10
    assert peak < 200e6
    assert (res.method, res.ci_method) == ("normal", "normal")
    assert res.statistic == 402216.0
    assert res.p_value == pytest.approx(0.00238339954379699, rel=1e-12)
    assert res.lower <= res.estimate <= res.upper
    x2, y2 = np.append(x, 30.0), (np.arange(2000) % 43) / 2
    res2 = rank_sum_test(x2, y2)
    assert res2.statistic == 258848.0
    assert res2.p_value == pytest.approx(8.72799702996991e-05, rel=1e-12)


def test_large_signed_rank_ci_is_finite_and_asymptotic():
    """1500 pairs: the exact signed-rank critical value needs 2**1500 sign vectors (beyond
    float64, the CI was NaN-based); it is now the normal approximation. P-value from R::

        pre <- (0:1499 %% 53) / 4; post <- pre + ((0:1499 %% 29) - 13) / 8
        wilcox.test(post, pre, paired = TRUE, exact = FALSE, correct = TRUE)
        # V = 592698, p-value = 1.8232517548911e-05
    """
    pre = (np.arange(1500) % 53) / 4
    post = pre + ((np.arange(1500) % 29) - 13) / 8
    res = signed_rank_test(pre, post)
    assert (res.method, res.ci_method) == ("normal", "normal")
    assert res.statistic == 592698.0
    assert res.p_value == pytest.approx(1.8232517548911e-05, rel=1e-12)
    assert np.isfinite([res.lower, res.upper]).all() and res.lower <= res.estimate <= res.upper
    assert res.conf_level_achieved == pytest.approx(0.95, abs=1e-4)


@pytest.mark.parametrize(("m", "n", "q_r"), [(40, 60, 922), (100, 150, 6403), (25, 400, 3834)])
def test_normal_mann_whitney_critical_value_is_r_qwilcox_or_at_most_two_below(m, n, q_r):
    """R ``qwilcox(0.025, m, n)``: 922, 6403, 3834. The normal approximation (continuity
    corrected) of the order statistic is never above it (the CI is never narrower than the
    exact one) and at most 2 below; a size this cheap stays exact."""
    from osteo_stats.analyse.biomarkers import (
        _classical_rank_sum_cdf,
        _lower_critical_index,
        _normal_lower_critical_index,
    )

    sd = math.sqrt(m * n * (m + n + 1) / 12)
    q_normal, _ = _normal_lower_critical_index(m * n / 2, sd, 0.05)
    assert q_r - 2 <= q_normal <= q_r
    if m == 40:
        assert _lower_critical_index(_classical_rank_sum_cdf(m, n), 0.05)[0] == q_r
        xs, ys = np.arange(m, dtype=float), np.arange(n, dtype=float) + 0.25
        assert rank_sum_test(xs, ys).ci_method == "exact"


def test_small_samples_stay_exact():
    res = rank_sum_test(X4, Y4)
    assert (res.method, res.ci_method) == ("exact", "exact")


# --------------------------------------------------------------------------------------------
# An explicit exact request: computed right up to its limit, refused beyond, never a wrong p
# --------------------------------------------------------------------------------------------


def test_signed_rank_exact_at_its_limit_of_1000_pairs_matches_r():
    """1000 pairs, every third negative (2^1000 sign vectors: float64 counts were at the edge of
    overflow). R 4.2.2::

        k <- 1:1000; d <- k * ifelse(k %% 3 == 0, -1, 1)
        wilcox.test(d, exact = TRUE)$p.value     # 2.32080388981848e-20
        k <- 1:60; d <- k * ifelse(k %% 4 == 0, -1, 1)
        wilcox.test(d, exact = TRUE)$p.value     # 0.00110525038531149
    """
    from osteo_stats.analyse.biomarkers import EXACT_LIMIT_SIGNED_RANK

    assert EXACT_LIMIT_SIGNED_RANK == 1000
    k = np.arange(1, 1001)
    res = signed_rank_test(np.zeros(1000), k * np.where(k % 3 == 0, -1.0, 1.0), method="exact")
    assert (res.method, res.ci_method) == ("exact", "exact")
    assert res.p_value == pytest.approx(2.32080388981848e-20, rel=1e-10)
    assert np.isfinite([res.lower, res.upper]).all()
    k = np.arange(1, 61)
    res = signed_rank_test(np.zeros(60), k * np.where(k % 4 == 0, -1.0, 1.0), method="exact")
    assert res.p_value == pytest.approx(0.00110525038531149, rel=1e-12)


@pytest.mark.parametrize("n", [1001, 1100, 2000])
def test_signed_rank_exact_beyond_1000_pairs_is_refused_not_a_wrong_p(n):
    """Clearly shifted pairs: main returned p = 0.0 at 1,100 (true p ~ 1e-33) and p = 1.0 at
    2,000 (2^n overflowed float64). Refused with the limit; method='auto' is the normal
    approximation, which is tiny and positive."""
    rng = np.random.default_rng(1)
    pre = rng.normal(size=n)
    post = pre + 0.3 + rng.normal(size=n)
    with pytest.raises(ValueError, match=rf"at most 1000 pairs; got {n}\..*method='normal'"):
        signed_rank_test(pre, post, method="exact")
    auto = signed_rank_test(pre, post)
    assert auto.method == "normal" and 0 < auto.p_value < 1e-10


def test_rank_sum_exact_at_its_limit_matches_r():
    """120 + 120 untied (1.68e9 cell updates, under EXACT_LIMIT_CELL_UPDATES). R 4.2.2::

    x <- (1:120) + 0.5; y <- (1:120) * 1.2
    wilcox.test(x, y, exact = TRUE)$p.value   # 0.0308995770195704
    """
    x, y = np.arange(1, 121) + 0.5, np.arange(1, 121) * 1.2
    res = rank_sum_test(x, y, method="exact")
    assert (res.method, res.ci_method) == ("exact", "exact")
    assert res.p_value == pytest.approx(0.0308995770195704, rel=1e-12)


def test_rank_sum_exact_beyond_its_limit_is_refused_in_bounded_memory():
    """2,150 + 2,150 with method='exact' tried to allocate 296 GiB. Under a 1.5 GiB address
    space (set in a child process) it is refused with the limit, not a MemoryError; 126 + 126
    is just past the limit (252 x 127 x 63,757 = 2,040,479,028 cell updates; 125 + 125 costs
    1,976,656,500)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        import numpy as np
        from osteo_stats.analyse.biomarkers import rank_sum_test
        for k in (2150, 126):
            try:
                rank_sum_test(np.arange(k) + 0.5, np.arange(k) * 1.2, method="exact")
            except ValueError as exc:
                print(exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("rank_sum_test: method='exact' with 2150 + 2150 observations")
    assert "the limit is 2,000,000,000" in lines[0] and "method='normal'" in lines[0]
    assert "126 + 126 observations needs 2,040,479,028 cell updates" in lines[1]
