"""Binomial confidence intervals and the exact binomial test against R.

Reference values were produced with R 4.2.2 (base ``stats`` only) by the snippets in each
test's docstring; tests never call R.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.proportions import (
    ALTERNATIVES,
    CI_METHODS,
    BinomialCI,
    BinomialTest,
    binomial_ci,
    binomial_test,
)

TOL = 1e-10

# (x, n, conf_level, clopper-pearson, wilson, jeffreys)
# fmt: off
R_INTERVALS = [
    (0, 10, 0.95, (0, 0.30849710781876083), (0, 0.27753279986288915), (0, 0.21719626750921051)),
    (10, 10, 0.95, (0.69150289218123917, 1), (0.72246720013711085, 1), (0.78280373249078949, 1)),
    (
        1, 10, 0.95,
        (0.0025285785444617865, 0.44501611702819543),
        (0.017876213095072892, 0.40415002679523837),
        (0.011011673763161155, 0.38131477106661638),
    ),
    (
        7, 43, 0.95,
        (0.068052094461469148, 0.30701087236490987),
        (0.081166273470620082, 0.29972405893747162),
        (0.075892325187084914, 0.29325988317982854),
    ),
    (
        13, 43, 0.95,
        (0.17182499248521346, 0.46125330573403234),
        (0.18602000135848176, 0.45105364177729601),
        (0.18124527077469263, 0.44901905139179599),
    ),
    (
        3, 13, 0.95,
        (0.050381073491151528, 0.53813153923404089),
        (0.081795287184985632, 0.50256375946727494),
        (0.06965666863961642, 0.49737212197534619),
    ),
    (0, 1, 0.95, (0, 0.97499999999999998), (0, 0.79345068562276255), (0, 0.85325368369042476)),
    (1, 1, 0.95, (0.025000000000000022, 1), (0.2065493143772375, 1), (0.14674631630957519, 1)),
    (
        5, 20, 0.95,
        (0.086571469101434567, 0.49104587170795755),
        (0.11186170140766569, 0.46870087761874396),
        (0.10239848568304515, 0.46419462924086796),
    ),
    (
        13, 43, 0.90,
        (0.18900882145510084, 0.43711523959747767),
        (0.20167643784977635, 0.42637743230988967),
        (0.19883823682815438, 0.42489287568077649),
    ),
    (
        50, 200, 0.99,
        (0.17543924688829868, 0.33681386102928357),
        (0.18002137781390665, 0.33603325939926487),
        (0.17762144499281834, 0.33411668708996567),
    ),
    (0, 43, 0.90, (0, 0.067296753413867871), (0, 0.059195083345037487), (0, 0.043436626691545577)),
    (43, 43, 0.90, (0.93270324658613213, 1), (0.94080491665496246, 1), (0.95656337330845442, 1)),
]
# fmt: on


@pytest.mark.parametrize(("x", "n", "conf", "cp", "wilson", "jeffreys"), R_INTERVALS)
def test_intervals_match_r(x, n, conf, cp, wilson, jeffreys):
    """Clopper-Pearson, Wilson and Jeffreys limits agree with R to 1e-10.

    R 4.2.2::

        a <- 1 - cl
        binom.test(x, n, conf.level = cl)$conf.int                  # Clopper-Pearson
        prop.test(x, n, correct = FALSE, conf.level = cl)$conf.int  # Wilson, no correction
        c(if (x == 0) 0 else qbeta(a/2, x + .5, n - x + .5),        # Jeffreys, Brown-Cai-
          if (x == n) 1 else qbeta(1 - a/2, x + .5, n - x + .5))    # DasGupta boundary rule
    """
    for method, (lower, upper) in zip(CI_METHODS, (cp, wilson, jeffreys), strict=True):
        ci = binomial_ci(x, n, conf_level=conf, method=method)
        assert ci.lower == pytest.approx(lower, abs=TOL), method
        assert ci.upper == pytest.approx(upper, abs=TOL), method
        assert ci.estimate == x / n
        assert (ci.x, ci.n, ci.conf_level, ci.method) == (x, n, conf, method)


def test_boundaries_are_exact_zero_and_one():
    """At x = 0 the lower limit is exactly 0 and at x = n the upper limit is exactly 1."""
    for method in CI_METHODS:
        assert binomial_ci(0, 17, method=method).lower == 0.0
        assert binomial_ci(17, 17, method=method).upper == 1.0


def test_default_is_exact_95():
    ci = binomial_ci(7, 43)
    assert (ci.method, ci.conf_level) == ("clopper-pearson", 0.95)


# (x, n, p0, greater, less, two-sided)
R_TESTS = [
    (13, 43, 0.20, 0.073321342544167806, 0.96377198828353006, 0.12389315087180069),
    (12, 43, 0.20, 0.13554241360998365, 0.92667865745583222, 0.18611422193761654),
    (2, 43, 0.20, 0.99920033643773576, 0.004640600778884299, 0.0071906832226621593),
    (8, 43, 0.20, 0.65030413179733726, 0.50028131750480276, 1),
    (9, 43, 0.20, 0.49971868249519724, 0.64668383765966242, 0.84941455069785998),
    (3, 10, 0.50, 0.9453125, 0.17187500000000006, 0.34375000000000011),
    (7, 10, 0.50, 0.17187500000000006, 0.9453125, 0.34375000000000011),
    (0, 10, 0.30, 1, 0.028247524899999987, 0.038839603299999984),
    (10, 10, 0.30, 5.9048999999999915e-06, 1, 5.9048999999999915e-06),
    (5, 20, 0.25, 0.58515849746981985, 0.61717265438710489, 1),
    (1, 1, 0.50, 0.5, 1, 1),
    (30, 43, 0.20, 2.4086034184807251e-12, 0.99999999999975053, 2.4086034184807251e-12),
]


@pytest.mark.parametrize(("x", "n", "p0", "greater", "less", "two_sided"), R_TESTS)
def test_binomial_test_matches_r(x, n, p0, greater, less, two_sided):
    """Exact p-values agree with R ``binom.test`` (all three alternatives) to 1e-10.

    The symmetric cases (3 and 7 of 10 at 0.5) exercise R's relative tolerance on ties.

    R 4.2.2::

        binom.test(x, n, p0, alternative = "greater")$p.value
        binom.test(x, n, p0, alternative = "less")$p.value
        binom.test(x, n, p0, alternative = "two.sided")$p.value
    """
    expected = {"greater": greater, "less": less, "two-sided": two_sided}
    for alternative in ALTERNATIVES:
        res = binomial_test(x, n, p0, alternative=alternative)
        assert res.p_value == pytest.approx(expected[alternative], abs=TOL, rel=1e-9)
        assert (res.x, res.n, res.p0, res.alternative) == (x, n, p0, alternative)


def test_binomial_test_default_is_one_sided_greater():
    assert binomial_test(13, 43, 0.2).alternative == "greater"


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["clopper", "Wilson", "wald", "exact", "", None])
def test_unknown_method_lists_allowed_names(method):
    with pytest.raises(
        ValueError, match=r"unknown method .*'clopper-pearson', 'wilson', 'jeffreys'"
    ):
        binomial_ci(3, 10, method=method)


@pytest.mark.parametrize("alternative", ["two.sided", "g", "Greater"])
def test_unknown_alternative_lists_allowed_names(alternative):
    with pytest.raises(ValueError, match=r"allowed: 'greater', 'less', 'two-sided'"):
        binomial_test(3, 10, 0.2, alternative=alternative)


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        (5, 3, r"0 <= x <= n; got x=5, n=3"),
        (-1, 3, r"0 <= x <= n; got x=-1, n=3"),
        (0, 0, r"n \(number of trials\) must be >= 1; got n=0"),
        (2.0, 5, r"x must be an integer count; got 2\.0"),
        (2, 5.5, r"n must be an integer count; got 5\.5"),
        (True, 5, r"x must be an integer count; got True"),
    ],
)
def test_invalid_counts_are_rejected(x, n, message):
    with pytest.raises(ValueError, match=message):
        binomial_ci(x, n)
    with pytest.raises(ValueError, match=message):
        binomial_test(x, n, 0.2)


@pytest.mark.parametrize("conf", [0, 1, 1.5, -0.1, float("nan")])
def test_invalid_conf_level(conf):
    with pytest.raises(ValueError, match="conf_level must lie in"):
        binomial_ci(3, 10, conf_level=conf)


@pytest.mark.parametrize("p0", [-0.1, 1.1, float("nan")])
def test_invalid_p0(p0):
    with pytest.raises(ValueError, match="p0 must lie in"):
        binomial_test(3, 10, p0)


def test_numpy_integers_accepted():
    np = pytest.importorskip("numpy")
    ci = binomial_ci(np.int64(3), np.int32(10))
    assert isinstance(ci.x, int) and isinstance(ci.n, int)


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        binomial_ci(3, 10).lower = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        binomial_test(3, 10, 0.2).p_value = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

counts = st.integers(min_value=1, max_value=300).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
conf_levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


@settings(max_examples=200, derandomize=True, deadline=None)
@given(xn=counts, conf=conf_levels, method=st.sampled_from(CI_METHODS))
def test_ci_bounds_in_unit_interval_and_contain_estimate(xn, conf, method):
    x, n = xn
    ci = binomial_ci(x, n, conf_level=conf, method=method)
    assert isinstance(ci, BinomialCI)
    assert 0.0 <= ci.lower <= ci.estimate <= ci.upper <= 1.0


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=120), conf=conf_levels, method=st.sampled_from(CI_METHODS)
)
def test_ci_bounds_monotone_in_x(n, conf, method):
    cis = [binomial_ci(x, n, conf_level=conf, method=method) for x in range(n + 1)]
    for a, b in zip(cis, cis[1:], strict=False):
        assert a.lower <= b.lower
        assert a.upper <= b.upper


@settings(max_examples=60, derandomize=True, deadline=None)
@given(n=st.integers(min_value=1, max_value=120), conf=conf_levels)
def test_ci_nested_in_confidence_level(n, conf):
    """A higher confidence level never gives a shorter Clopper-Pearson interval."""
    for x in range(0, n + 1, max(1, n // 7)):
        narrow = binomial_ci(x, n, conf_level=conf)
        wide = binomial_ci(x, n, conf_level=min(0.999, conf + 0.005))
        assert wide.lower <= narrow.lower and narrow.upper <= wide.upper


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    xn=counts,
    p0=st.floats(min_value=0.01, max_value=0.99),
    alternative=st.sampled_from(ALTERNATIVES),
)
def test_p_value_is_a_probability(xn, p0, alternative):
    x, n = xn
    res = binomial_test(x, n, p0, alternative=alternative)
    assert isinstance(res, BinomialTest)
    assert 0.0 <= res.p_value <= 1.0


@settings(max_examples=40, derandomize=True, deadline=None)
@given(n=st.integers(min_value=1, max_value=80), p0=st.floats(min_value=0.01, max_value=0.99))
def test_greater_p_value_non_increasing_in_x(n, p0):
    p = [binomial_test(x, n, p0).p_value for x in range(n + 1)]
    assert all(a >= b for a, b in zip(p, p[1:], strict=False))
