"""Design-based inference after a Simon two-stage trial (UMVUE, stage-wise p-value, exact CI).

Reference values come from sources independent of this package:

* an R script implementing the textbook formulas (dbinom/pbinom sums, ``choose`` and
  ``uniroot``), shown in :data:`R_SCRIPT` below;
* the R source of ``clinfun::twostage.inference`` (CRAN package clinfun, ``R/ph2simon.R``,
  the reference implementation of Jung & Kim 2004 and Koyama & Chen 2008), evaluated in R;
* the documented example of ``UnplanSimon::SimonAnalysis`` (CRAN package UnplanSimon,
  roxygen example "case 2").

No published table of Jung & Kim (2004) or Koyama & Chen (2008) could be retrieved as text
with confidence, so none is typed in here. All R runs: R 4.2.2; tests never call R.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.proportions import binomial_ci, binomial_test
from osteo_stats.analyse.two_stage import TwoStageInference, two_stage_inference

R_SCRIPT = r"""
ts <- function(x, r1, n1, n, p0, alpha = 0.05) {
  n2 <- n - n1
  stop1 <- x <= r1
  G <- function(p) if (stop1) pbinom(x - 1, n1, p, lower.tail = FALSE) else {
    k <- (r1 + 1):n1; sum(dbinom(k, n1, p) * pbinom(x - k - 1, n2, p, lower.tail = FALSE)) }
  H <- function(p) if (stop1) pbinom(x, n1, p) else {
    k <- (r1 + 1):n1; pbinom(r1, n1, p) + sum(dbinom(k, n1, p) * pbinom(x - k, n2, p)) }
  umvue <- if (stop1) x / n1 else {
    k <- max(r1 + 1, x - n2):min(n1, x)
    sum(choose(n1 - 1, k - 1) * choose(n2, x - k)) / sum(choose(n1, k) * choose(n2, x - k)) }
  lo <- if (stop1 && x == 0) 0 else uniroot(function(p) G(p) - alpha, c(0, 1), tol = 1e-15)$root
  up <- if (x == n) 1 else uniroot(function(p) H(p) - alpha, c(0, 1), tol = 1e-15)$root
  c(umvue = umvue, p = G(p0), lower = lo, upper = up)
}
for (x in c(0, 1, 3, 4, 8, 12, 13, 14, 20, 42, 43)) print(ts(x, 3, 13, 43, 0.2), digits = 17)
for (x in c(0, 1, 2, 5, 6, 9, 29)) print(ts(x, 1, 10, 29, 0.1), digits = 17)
"""

# PROMIS: Simon optimal design for p0=0.20, p1=0.40, alpha=0.05, power=0.80.
PROMIS = {"r1": 3, "n1": 13, "n": 43, "p0": 0.20}
PROMIS_R = 12

# (x, umvue, p-value, lower, upper) from R_SCRIPT, PROMIS design.
R_PROMIS = [
    (0, 0, 1, 0, 0.20581666518655067),
    (1, 0.076923076923076927, 0.94502441861120001, 0.0039378642276444546, 0.31633976476272985),
    (3, 0.23076923076923078, 0.4983478198272005, 0.066049567216309626, 0.49464973015136571),
    (4, 0.30769230769230771, 0.25267569049600003, 0.11266578079028222, 0.4946497303098597),
    (8, 0.32834321310157744, 0.23053201069898185, 0.13121084388647744, 0.49465575207302021),
    (12, 0.36033544350455615, 0.082466026546204454, 0.18401194408750035, 0.49666934687969355),
    (13, 0.37070920695626663, 0.049581449748052543, 0.20024998657214504, 0.50000124432707482),
    (14, 0.38219262532367232, 0.026785164568522993, 0.2173894349633109, 0.50637461559238894),
    (20, 0.47645279830748932, 7.7853272674551519e-05, 0.33458482300794201, 0.60353032368719217),
    (42, 0.97674418604651159, 1.5217240928419973e-28, 0.89436591738410598, 0.99880784387206256),
    (43, 1, 8.7960930222080585e-31, 0.93270324658613213, 1),
]

# Simon (1989) optimal design for p0=0.10, p1=0.30, alpha=0.05, beta=0.20: 1/10, 5/29.
DESIGN_2 = {"r1": 1, "n1": 10, "n": 29, "p0": 0.10}
R_DESIGN_2 = [
    (0, 0, 1, 0, 0.25886555089305235),
    (1, 0.10000000000000001, 0.65132155989999974, 0.0051161968918237025, 0.39416330243650488),
    (2, 0.20000000000000001, 0.26390107089999992, 0.036771437887465092, 0.394177729837841),
    (5, 0.24279257536530782, 0.10162023078225679, 0.080670798891971499, 0.40073577023327916),
    (6, 0.26130853296663531, 0.047086306643891331, 0.10150479365395178, 0.4126794093414865),
    (9, 0.33081562642259188, 0.001431694082712007, 0.17468202605722646, 0.4869290117581685),
    (29, 1, 1.0000000000000085e-29, 0.90185537232270419, 1),
]


def _check_against_r(res, umvue, p_value, lower, upper):
    assert res.umvue == pytest.approx(umvue, abs=1e-14)
    assert res.p_value == pytest.approx(p_value, rel=1e-10, abs=1e-14)
    assert res.lower == pytest.approx(lower, abs=1e-10)
    assert res.upper == pytest.approx(upper, abs=1e-10)


@pytest.mark.parametrize(("x", "umvue", "p_value", "lower", "upper"), R_PROMIS)
def test_promis_design_matches_independent_r(x, umvue, p_value, lower, upper):
    """UMVUE, stage-wise p-value and exact 90% CI for the PROMIS design agree with the
    independent R implementation of the textbook formulas (``R_SCRIPT``) to 1e-10."""
    _check_against_r(two_stage_inference(x, **PROMIS), umvue, p_value, lower, upper)


@pytest.mark.parametrize(("x", "umvue", "p_value", "lower", "upper"), R_DESIGN_2)
def test_second_design_matches_independent_r(x, umvue, p_value, lower, upper):
    """Same check for Simon's optimal design 1/10, 5/29 (p0 = 0.10), from ``R_SCRIPT``."""
    _check_against_r(two_stage_inference(x, **DESIGN_2), umvue, p_value, lower, upper)


# (design, x, umvue, p-value, LCL, UCL) printed by clinfun::twostage.inference.
CLINFUN = [
    (PROMIS, 1, 0.076923076923076927, 0.94502441861120001, 0.0040, 0.2058),
    (PROMIS, 3, 0.23076923076923078, 0.49834781982720044, 0.0661, 0.4100),
    (PROMIS, 4, 0.30769230769230771, 0.25267569049600003, 0.1127, 0.4946),
    (PROMIS, 8, 0.32834321310157744, 0.23053201069898185, 0.1313, 0.4946),
    (PROMIS, 12, 0.36033544350455615, 0.082466026546204441, 0.1841, 0.4952),
    (PROMIS, 13, 0.37070920695626663, 0.049581449748052543, 0.2003, 0.4966),
    (PROMIS, 14, 0.38219262532367232, 0.026785164568523, 0.2174, 0.5000),
    (PROMIS, 20, 0.47645279830748932, 7.7853272674544553e-05, 0.3346, 0.5831),
    (DESIGN_2, 1, 0.10000000000000001, 0.65132155989999974, 0.0052, 0.2588),
    (DESIGN_2, 2, 0.20000000000000001, 0.26390107089999992, 0.0368, 0.3941),
    (DESIGN_2, 5, 0.24279257536530782, 0.10162023078225681, 0.0807, 0.3957),
    (DESIGN_2, 6, 0.26130853296663531, 0.047086306643891324, 0.1016, 0.4007),
    (DESIGN_2, 9, 0.33081562642259188, 0.0014316940827119975, 0.1747, 0.4576),
]


@pytest.mark.parametrize(("design", "x", "umvue", "p_value", "lcl", "ucl"), CLINFUN)
def test_agrees_with_clinfun_twostage_inference(design, x, umvue, p_value, lcl, ucl):
    """Cross-check against the clinfun reference implementation.

    R 4.2.2, with ``twostage.inference`` as in CRAN clinfun ``R/ph2simon.R``::

        twostage.inference(x, r1 = 3, n1 = 13, n = 43, pu = 0.2, alpha = 0.05)
        twostage.inference(x, r1 = 1, n1 = 10, n = 29, pu = 0.1, alpha = 0.05)

    * UMVUE and p-value: identical formulas, agreement to 1e-12.
    * Lower limit: clinfun searches a grid of step 1e-4 and reports the first grid point
      where the p-value function exceeds alpha, so LCL lies in [lower, lower + 1e-4].
    * Upper limit: clinfun (like Koyama & Chen's own code) solves
      P(outcome >= observed) = 1 - alpha, i.e. P(outcome < observed) = alpha. This package
      solves the exact P(outcome <= observed) = alpha, as the SAP asks. The two conventions
      are related by a shift of one outcome: clinfun's UCL at x is our upper limit at x - 1,
      truncated to the 1e-4 grid. This test pins that relation so the convention is explicit.
    """
    res = two_stage_inference(x, **design)
    assert res.umvue == pytest.approx(umvue, abs=1e-12)
    assert res.p_value == pytest.approx(p_value, rel=1e-9)
    assert res.lower <= lcl <= res.lower + 1e-4 + 1e-12
    upper_one_below = two_stage_inference(x - 1, **design).upper
    assert upper_one_below - 1e-4 - 1e-12 <= ucl <= upper_one_below
    assert res.upper > ucl  # the exact interval is the wider (conservative) one


def test_unplansimon_documented_example():
    """UnplanSimon::SimonAnalysis roxygen example (case 2), documented output rounded to 3 dp::

        SimonAnalysis(2, 16, 11, 28, 2, 13, 0.077, c(0.025, 0.975), "Jung", 0.25)
        #                      UMVUE CI(lower) CI(upper) p_Val
        # Post-Trial Inference 0.429     0.257     0.568 0.019

    Stopped at stage 2 with 16 responses; n1 = 11, r1 = 2, stage-2 size 28 (n = 39),
    p0 = 0.25. SimonAnalysis orders outcomes by the UMVUE, which for this design coincides
    with the stage-wise ordering, so the p-value is comparable. Its interval ("Jung", 95%,
    UMVUE ordering) is a different construction and is not compared.
    """
    res = two_stage_inference(16, r1=2, n1=11, n=39, p0=0.25)
    assert round(res.umvue, 3) == 0.429
    assert round(res.p_value, 3) == 0.019


# --------------------------------------------------------------------------------------------
# The PROMIS trial
# --------------------------------------------------------------------------------------------


def test_promis_examples():
    """PROMIS (n1=13, r1=3, n=43, r=12, p0=0.20, one-sided alpha=0.05).

    * x = 3: stopped for futility after 13 patients; p = P(X1 >= 3) = 0.498.
    * x = 12: continued, does not reject (x <= r); p = 0.0825 > 0.05 and the lower 90%
      limit 0.184 is below p0.
    * x = 13: rejects H0 (x > r); p = 0.04958 = the attained alpha of the design, and the
      lower 90% limit 0.2002 is above p0.
    """
    stopped = two_stage_inference(3, **PROMIS)
    assert stopped.stopped_early and stopped.n_observed == 13
    assert stopped.naive_estimate == pytest.approx(3 / 13)
    assert stopped.p_value == pytest.approx(0.4983478198272005, rel=1e-10)

    not_rejecting = two_stage_inference(12, **PROMIS)
    assert not not_rejecting.stopped_early and not_rejecting.n_observed == 43
    assert not_rejecting.p_value > 0.05 and not_rejecting.lower < 0.20

    rejecting = two_stage_inference(13, **PROMIS)
    assert rejecting.p_value <= 0.05 and rejecting.lower > 0.20
    assert rejecting.conf_level == pytest.approx(0.90)
    # The naive analysis of 13/43 ignores the design: CP 90% (0.189, 0.437) includes p0.
    assert rejecting.naive_estimate == pytest.approx(13 / 43)
    assert rejecting.naive_lower == pytest.approx(0.18900882145510084, abs=1e-10)
    assert rejecting.naive_upper == pytest.approx(0.43711523959747767, abs=1e-10)


def test_promis_p_value_reproduces_the_rejection_rule():
    """Under stage-wise ordering, p <= alpha exactly when x > r, for every possible x.

    The p-value at x = r + 1 is the design's attained alpha, and at x = r it exceeds 0.05.
    R 4.2.2 (attained alpha and PET under H0)::

        k <- 4:13; 1 - (pbinom(3, 13, .2) + sum(dbinom(k, 13, .2) * pbinom(12 - k, 30, .2)))
        # 0.049581449748052675
        pbinom(3, 13, .2)   # PET(p0) = 0.74732430950399975
    """
    for x in range(PROMIS["n"] + 1):
        res = two_stage_inference(x, **PROMIS)
        assert (res.p_value <= 0.05) == (x > PROMIS_R), x
        assert (res.lower > PROMIS["p0"]) == (x > PROMIS_R), x
    attained_alpha = two_stage_inference(PROMIS_R + 1, **PROMIS).p_value
    assert attained_alpha == pytest.approx(0.049581449748052675, rel=1e-12)
    # The first stage-2 outcome (x = r1 + 1) has p-value P(X1 > r1) = 1 - PET(p0).
    first_stage2 = two_stage_inference(PROMIS["r1"] + 1, **PROMIS).p_value
    assert first_stage2 == pytest.approx(1 - 0.74732430950399975, rel=1e-12)


def test_umvue_inside_exact_interval_for_promis():
    for x in range(PROMIS["n"] + 1):
        res = two_stage_inference(x, **PROMIS)
        assert res.lower <= res.umvue <= res.upper, x


def test_stopped_trial_equals_single_stage_exact_inference():
    """A trial stopped at stage 1 is analysed like a single-stage study of n1 patients:
    the stage-wise p-value is P(X1 >= x) and the interval is Clopper-Pearson at 1 - 2 alpha."""
    for x in range(PROMIS["r1"] + 1):
        res = two_stage_inference(x, **PROMIS)
        cp = binomial_ci(x, 13, conf_level=0.90)
        assert res.lower == pytest.approx(cp.lower, abs=1e-12)
        assert res.upper == pytest.approx(cp.upper, abs=1e-12)
        assert res.p_value == pytest.approx(binomial_test(x, 13, 0.20).p_value, rel=1e-12)
        assert res.umvue == x / 13


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": 44}, r"0 <= x <= n; got x=44, n=43"),
        ({"x": -1}, r"0 <= x <= n; got x=-1"),
        ({"x": 3.0}, r"x must be an integer count"),
        ({"r1": 13}, r"0 <= r1 < n1 < n; got r1=13, n1=13, n=43"),
        ({"r1": -1}, r"0 <= r1 < n1 < n"),
        ({"n": 13}, r"0 <= r1 < n1 < n; got r1=3, n1=13, n=13"),
        ({"p0": 0.0}, r"p0 must lie in \(0, 1\)"),
        ({"p0": 1.2}, r"p0 must lie in \(0, 1\)"),
        ({"alpha": 0.5}, r"alpha is the one-sided level and must be below 0.5"),
        ({"alpha": 0.0}, r"alpha must lie in \(0, 1\)"),
    ],
)
def test_invalid_arguments(kwargs, message):
    args = {"x": 5, **PROMIS, "alpha": 0.05, **kwargs}
    with pytest.raises(ValueError, match=message):
        two_stage_inference(**args)


def test_result_is_frozen():
    res = two_stage_inference(13, **PROMIS)
    assert isinstance(res, TwoStageInference)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.p_value = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Properties over random designs
# --------------------------------------------------------------------------------------------


@st.composite
def designs(draw):
    n1 = draw(st.integers(min_value=2, max_value=20))
    r1 = draw(st.integers(min_value=0, max_value=n1 - 1))
    n = n1 + draw(st.integers(min_value=1, max_value=30))
    p0 = draw(st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.5]))
    alpha = draw(st.sampled_from([0.025, 0.05, 0.1]))
    return r1, n1, n, p0, alpha


@settings(max_examples=25, derandomize=True, deadline=None)
@given(design=designs())
def test_properties_over_all_outcomes(design):
    """For every outcome of a random design: limits in [0, 1] and ordered; p-value in [0, 1]
    and non-increasing in x; limits non-decreasing in x (to 1e-12, the root-finding
    tolerance); the lower limit exceeds p0 exactly when the p-value is below alpha."""
    r1, n1, n, p0, alpha = design
    results = [two_stage_inference(x, r1, n1, n, p0, alpha) for x in range(n + 1)]
    for res in results:
        assert 0.0 <= res.lower <= res.upper <= 1.0
        assert 0.0 <= res.p_value <= 1.0
        assert 0.0 <= res.umvue <= 1.0
        assert res.stopped_early == (res.x <= r1)
        assert (res.p_value < alpha) == (res.lower > p0)
    for a, b in zip(results, results[1:], strict=False):
        assert b.p_value <= a.p_value
        assert b.lower >= a.lower - 1e-12
        assert b.upper >= a.upper - 1e-12
