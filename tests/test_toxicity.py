"""The toxicity stopping boundary (SAP 9.4) against R clinfun::toxbdry / bdrycross.prob.

Reference source. clinfun is not installable here (CRAN unreachable, no Debian package), so
the R reference values were produced with R 4.2.2 by ``source()``-ing clinfun's own
``R/toxbdry.R`` (github.com/veseshan/clinfun, commit c2ce51b7, the 1.1.x code that defines
``getBoundary``, ``bdrycross.prob`` and ``toxbdry``), unchanged. The sourced code reproduces,
digit for digit, the output printed in clinfun's published help page (pkgdown ``toxbdry.html``)
for its four examples, which are also checked here directly. The R snippets are kept in each
test's docstring; the tests never call R.

clinfun searches for the base level by bisection/secant with at most ``niter = 10`` steps;
``toxicity_boundary`` enumerates the base levels at which the boundary changes, so it returns
the same boundary whenever clinfun's search has converged (``sum(hi.bdry - lo.bdry) <= 1``) and
a tighter, still valid one when it has not (see ``test_exact_search_where_clinfun_stops_early``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.toxicity import (
    ToxicityBoundary,
    boundary_crossing_probability,
    toxicity_boundary,
)
from osteo_stats.errors import DesignError
from osteo_stats.sap import load_sap

PROMIS_LOOKS = [5, 10, 15, 20, 25, 30, 35, 40, 43]


def test_promis_looks_come_from_the_sap():
    tm = load_sap().toxicity_monitoring
    assert tm.looks == PROMIS_LOOKS
    assert (tm.p_acceptable, tm.p_unacceptable, tm.type1, tm.power, tm.shape) == (
        0.2,
        0.4,
        0.1,
        0.9,
        0.0,
    )


def test_promis_pocock_boundary_matches_clinfun():
    """PROMIS settings, Pocock shape.

    R (clinfun R/toxbdry.R, see module docstring)::

        looks <- c(seq(5, 40, 5), 43)
        x <- toxbdry(0.2, 0.4, looks, cP0 = 0.1, cP1 = 0.9, delta = 0)
        x$hi.bdry    # 3 4 6 7 8 10 11 12 13
        x$lo.bdry    # 2 4 5 7 8 9 11 12 13   (search stopped at niter; see below)
        x$bdry.alpha # 0.0611111111111 0.0562934712501
        x$bdry.oc[, c("ptox", "pcross.hi", "pstop.hi", "ess.hi")]
        # 0.20 0.0989684940454 0.095698770875 40.8302339716
        # 0.24 0.2360679042442 0.226418686992 38.1715451160
        # 0.28 0.4324297296950 0.414690460938 34.2490247655
        # 0.32 0.6411638992757 0.618783898710 29.5250236946
        # 0.36 0.8105716243606 0.790046864618 24.7126869680
        # 0.40 0.9176074475635 0.903452138382 20.4170512376
        1 - pbinom(x$hi.bdry, looks, 0.2)
        # 0.00672 0.0327934976 0.0180588069847 0.0321426630809 0.0467742421778
        # 0.0256162553353 0.0343574006955 0.0432416223763 0.0362280117165
    """
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS, alpha=0.10, power=0.90, shape=0.0)
    assert isinstance(b, ToxicityBoundary)
    assert b.looks == tuple(PROMIS_LOOKS)
    assert b.max_acceptable == (3, 4, 6, 7, 8, 10, 11, 12, 13)
    assert b.stop_at == (4, 5, 7, 8, 9, 11, 12, 13, 14)
    assert b.table["max_acceptable"].tolist() == list(b.max_acceptable)
    assert b.table["stop_at"].tolist() == list(b.stop_at)
    assert b.table["can_stop"].all()

    oc = b.operating_characteristics
    np.testing.assert_allclose(oc["p"], [0.20, 0.24, 0.28, 0.32, 0.36, 0.40])
    np.testing.assert_allclose(
        oc["p_cross"],
        [
            0.0989684940454,
            0.2360679042442,
            0.4324297296950,
            0.6411638992757,
            0.8105716243606,
            0.9176074475635,
        ],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["p_stop_early"],
        [
            0.095698770875,
            0.226418686992,
            0.414690460938,
            0.618783898710,
            0.790046864618,
            0.903452138382,
        ],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["expected_n"],
        [40.8302339716, 38.1715451160, 34.2490247655, 29.5250236946, 24.7126869680, 20.4170512376],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        b.table["attained_level"],
        [
            0.00672,
            0.0327934976,
            0.0180588069847,
            0.0321426630809,
            0.0467742421778,
            0.0256162553353,
            0.0343574006955,
            0.0432416223763,
            0.0362280117165,
        ],
        rtol=1e-10,
    )
    assert b.alpha_attained == pytest.approx(0.0989684940454, rel=1e-10)
    assert b.power_attained == pytest.approx(0.9176074475635, rel=1e-10)
    assert b.meets_alpha and b.meets_power
    # clinfun's final base level for hi.bdry gives the same boundary:
    assert b.base_level <= 0.0562934712501 < b.base_level_upper


def test_promis_pocock_base_level_and_first_crossing_by_look():
    """Independent R (base R only, written from the method, not from clinfun)::

    looks <- c(seq(5, 40, 5), 43); t <- looks / 43
    # base levels at which some look's boundary changes (delta = 0):
    al <- sort(unique(unlist(lapply(seq_along(looks), function(k)
            pnorm(t[k]^0 * qnorm(1 - pbinom(0:(looks[k] - 1), looks[k], 0.2)))))))
    # boundary 3 4 6 7 8 10 11 12 13 holds for al in [0.0467742421778, 0.05792)

    # first-crossing probability per look, via clinfun bdrycross.prob on leading looks:
    r <- c(3, 4, 6, 7, 8, 10, 11, 12, 13)
    cum <- sapply(2:9, function(k) bdrycross.prob(looks[1:k], r[1:k], c(.2, .4))[, "pcross"])
    cum <- cbind(1 - pbinom(r[1], 5, c(.2, .4)), cum)
    t(apply(cum, 1, function(x) diff(c(0, x))))
    """
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS)
    assert b.base_level == pytest.approx(0.0467742421778, rel=1e-10)
    assert b.base_level_upper == pytest.approx(0.05792, rel=1e-10)
    np.testing.assert_allclose(b.table["nominal_level"], 0.0467742421778, rtol=1e-10)
    np.testing.assert_allclose(
        b.table["p_first_cross_acceptable"],
        [
            0.00672,
            0.0281706496,
            0.00642970025984,
            0.014625948314,
            0.0182725486682,
            0.0035424462314,
            0.00791521253795,
            0.0100222652636,
            0.00326972317037,
        ],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        b.table["p_first_cross_unacceptable"],
        [
            0.08704,
            0.2858287104,
            0.09767655309312,
            0.160604304007,
            0.1292834432611,
            0.0364356020166,
            0.05874469174783,
            0.0478388338557,
            0.01415530918181,
        ],
        rtol=1e-9,
    )
    assert b.table["n_new"].tolist() == [5, 5, 5, 5, 5, 5, 5, 5, 3]


def test_promis_obrien_fleming_like_boundary_matches_clinfun():
    """PROMIS settings, shape 0.5.

    R (clinfun R/toxbdry.R)::

        x <- toxbdry(0.2, 0.4, c(seq(5, 40, 5), 43), delta = 0.5)
        x$hi.bdry    # 5 6 7 8 9 10 11 12 12
        x$bdry.alpha # 0.0962422362911 0.0944444444444
        x$bdry.oc[, c("ptox", "pcross.hi", "pstop.hi", "ess.hi")]
        # 0.20 0.0827741158362 0.0580488653075 42.2549078887
        # 0.24 0.2304812880011 0.1710146029625 40.7588673842
        # 0.28 0.4463358905756 0.3546890835753 38.0706714211
        # 0.32 0.6679728996083 0.5690167637804 34.3698279843
        # 0.36 0.8365577273111 0.7576377566247 30.2144173898
        # 0.40 0.9345920263720 0.8866536654325 26.2084465161

    Independent base-R enumeration (as in the Pocock test, ``t[k]^0.5``): the boundary holds
    for base levels in [0.0733213425442, 0.0954177549631); nominal levels at the lower end
    ``pnorm(qnorm(0.0733213425442) / sqrt(looks / 43))``.
    """
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS, shape=0.5)
    assert b.max_acceptable == (5, 6, 7, 8, 9, 10, 11, 12, 12)
    # 6 of 5 cannot happen: no stopping at the first look with this shape.
    assert b.table["can_stop"].tolist() == [False] + [True] * 8
    oc = b.operating_characteristics
    np.testing.assert_allclose(
        oc["p_cross"],
        [
            0.0827741158362,
            0.2304812880011,
            0.4463358905756,
            0.6679728996083,
            0.8365577273111,
            0.9345920263720,
        ],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["p_stop_early"],
        [
            0.0580488653075,
            0.1710146029625,
            0.3546890835753,
            0.5690167637804,
            0.7576377566247,
            0.8866536654325,
        ],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["expected_n"],
        [42.2549078887, 40.7588673842, 38.0706714211, 34.3698279843, 30.2144173898, 26.2084465161],
        rtol=1e-10,
    )
    assert b.base_level == pytest.approx(0.0733213425442, rel=1e-10)
    assert b.base_level_upper == pytest.approx(0.0954177549631, rel=1e-10)
    assert b.base_level <= 0.0944444444444 < b.base_level_upper
    np.testing.assert_allclose(
        b.table["nominal_level"],
        [
            1.03773828913e-05,
            1.30675661372e-03,
            6.99429314812e-03,
            1.66558509168e-02,
            2.84801742709e-02,
            4.11270175539e-02,
            5.38247598249e-02,
            6.61697813958e-02,
            7.33213425442e-02,
        ],
        rtol=1e-9,
    )


def test_promis_priority_alt_matches_clinfun_lo_bdry():
    """R (clinfun R/toxbdry.R)::

    x <- toxbdry(0.2, 0.4, c(seq(5, 40, 5), 43), priority = "alt")
    x$lo.bdry                           # 3 4 6 7 9 10 11 13 13
    x$bdry.oc[c(1, 6), "pcross.lo"]     # 0.0864935571549 0.9068781068974
    """
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS, priority="alt")
    assert b.max_acceptable == (3, 4, 6, 7, 9, 10, 11, 13, 13)
    assert b.alpha_attained == pytest.approx(0.0864935571549, rel=1e-10)
    assert b.power_attained == pytest.approx(0.9068781068974, rel=1e-10)


def test_bdrycross_prob_matches_clinfun():
    """R (clinfun R/toxbdry.R)::

    bdrycross.prob(c(seq(5, 40, 5), 43), c(3, 4, 6, 7, 8, 10, 11, 12, 13),
                   c(0.1, 0.2, 0.3, 0.4, 0.5))
    #  ptox pcross           pstop            ess
    #  0.1  0.00251935046936 0.00251349807639 42.9224052436
    #  0.2  0.09896849404540 0.09569877087503 40.8302339716
    #  0.3  0.53887631209287 0.51808041891451 31.9440882600
    #  0.4  0.91760744756349 0.90345213838167 20.4170512376
    #  0.5  0.99595192844060 0.99419617719559 13.1939293053
    """
    oc = boundary_crossing_probability(
        [3, 4, 6, 7, 8, 10, 11, 12, 13], PROMIS_LOOKS, [0.1, 0.2, 0.3, 0.4, 0.5]
    )
    assert list(oc.columns) == ["p", "p_cross", "p_stop_early", "expected_n"]
    np.testing.assert_allclose(
        oc["p_cross"],
        [0.00251935046936, 0.09896849404540, 0.53887631209287, 0.91760744756349, 0.99595192844060],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["p_stop_early"],
        [0.00251349807639, 0.09569877087503, 0.51808041891451, 0.90345213838167, 0.99419617719559],
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        oc["expected_n"],
        [42.9224052436, 40.8302339716, 31.9440882600, 20.4170512376, 13.1939293053],
        rtol=1e-10,
    )


def test_scalar_rate_still_returns_a_frame():
    oc = boundary_crossing_probability([3, 4], [5, 10], 0.2)
    assert isinstance(oc, pd.DataFrame) and len(oc) == 1


# --- The clinfun help-page examples (published output, 3 decimals) ---------------------------


def _oc3(b: ToxicityBoundary) -> np.ndarray:
    return b.operating_characteristics[["p_cross", "p_stop_early"]].to_numpy().round(3)


def test_clinfun_help_example_four_looks():
    """clinfun help ``?toxbdry``, published output::

    toxbdry(0.2, 0.35, c(20,40,60,75))
    #  High boundary:   7/20   12/40   17/60   21/75
    #  pcross.hi pstop.hi ess.hi
    #  0.088 0.079 72.0 | 0.214 0.188 68.1 | 0.406 0.354 62.1
    #  0.619 0.548 54.7 | 0.797 0.727 47.0 | 0.911 0.859 39.9
    """
    b = toxicity_boundary(0.2, 0.35, [20, 40, 60, 75])
    assert b.max_acceptable == (7, 12, 17, 21)
    np.testing.assert_array_equal(
        _oc3(b),
        [
            [0.088, 0.079],
            [0.214, 0.188],
            [0.406, 0.354],
            [0.619, 0.548],
            [0.797, 0.727],
            [0.911, 0.859],
        ],
    )
    np.testing.assert_array_equal(
        b.operating_characteristics["expected_n"].round(1), [72.0, 68.1, 62.1, 54.7, 47.0, 39.9]
    )


def test_clinfun_help_example_small_sample_warns_as_a_fact():
    """clinfun help, published output (with "Warning: Max sample size 75 may be small")::

    toxbdry(0.2, 0.3, c(20,40,60,75), cP0=0.15, cP1=0.8)
    #  High boundary:   7/20   12/40   16/60   20/75
    #  pcross.hi: 0.117 0.213 0.341 0.487 0.632 0.758
    #  ess.hi:    71.6  69.0  65.4  61.0  56.1  51.0
    """
    b = toxicity_boundary(0.2, 0.3, [20, 40, 60, 75], alpha=0.15, power=0.8)
    assert b.max_acceptable == (7, 12, 16, 20)
    np.testing.assert_array_equal(
        b.operating_characteristics["p_cross"].round(3), [0.117, 0.213, 0.341, 0.487, 0.632, 0.758]
    )
    np.testing.assert_array_equal(
        b.operating_characteristics["expected_n"].round(1), [71.6, 69.0, 65.4, 61.0, 56.1, 51.0]
    )
    assert b.meets_alpha and not b.meets_power  # clinfun's warning, as a fact in the result


def test_clinfun_help_example_continuous_monitoring():
    """clinfun help, published output::

        toxbdry(0.1, 0.3, 2:30)
        #  High boundary:   1/3   2/8   3/13   4/19   5/26   6/30
        #  pcross.hi: 0.097 0.245 0.441 0.638 0.795 0.898
        #  pstop.hi:  0.096 0.239 0.430 0.624 0.781 0.888

    clinfun prints "r/n" at the last n before the boundary steps up: r is the maximum
    acceptable count up to and including n. From ``x$hi.bdry``: 1 for n = 2-3, 2 for 4-8,
    3 for 9-13, 4 for 14-19, 5 for 20-26, 6 for 27-30.
    """
    b = toxicity_boundary(0.1, 0.3, list(range(2, 31)))
    assert list(b.max_acceptable) == [1] * 2 + [2] * 5 + [3] * 5 + [4] * 6 + [5] * 7 + [6] * 4
    np.testing.assert_array_equal(
        _oc3(b),
        [
            [0.097, 0.096],
            [0.245, 0.239],
            [0.441, 0.430],
            [0.638, 0.624],
            [0.795, 0.781],
            [0.898, 0.888],
        ],
    )


def test_clinfun_help_example_priority_alt():
    """clinfun help, published output::

    toxbdry(0.1, 0.3, 2:25, priority="alt")
    #  Low boundary:   1/4   2/10   3/16   4/23   5/25
    #  pcross.lo: 0.146 0.312 0.504 0.679 0.813 0.902
    #  ess.lo:    22.8  20.5  17.8  15.0  12.5  10.3
    """
    b = toxicity_boundary(0.1, 0.3, list(range(2, 26)), priority="alt")
    # 1 for n = 2-4, 2 for 5-10, 3 for 11-16, 4 for 17-23, 5 for 24-25
    assert list(b.max_acceptable) == [1] * 3 + [2] * 6 + [3] * 6 + [4] * 7 + [5] * 2
    np.testing.assert_array_equal(
        b.operating_characteristics["p_cross"].round(3), [0.146, 0.312, 0.504, 0.679, 0.813, 0.902]
    )
    np.testing.assert_array_equal(
        b.operating_characteristics["expected_n"].round(1), [22.8, 20.5, 17.8, 15.0, 12.5, 10.3]
    )
    assert b.meets_power and not b.meets_alpha


def test_exact_search_where_clinfun_stops_early():
    """clinfun's niter-limited search can stop far from the target; ours does not.

    R (clinfun R/toxbdry.R)::

        n <- c(5, 10, 15, 20, 25, 30, 35)
        x <- toxbdry(0.08, 0.36, n, delta = 0.5)   # 11 iterations, not converged
        x$hi.bdry                                   # 5 6 6 6 6 6 7
        bdrycross.prob(n, x$hi.bdry, c(0.08, 0.36))[, "pcross"]     # 0.009678742 0.973695613
        bdrycross.prob(n, c(3, 3, 3, 4, 4, 5, 5), c(0.08, 0.36))
        #  ptox pcross     pstop      ess
        #  0.08 0.07926296 0.06011761 34.09328
        #  0.36 0.99654450 0.98753502 13.49468
    """
    b = toxicity_boundary(0.08, 0.36, [5, 10, 15, 20, 25, 30, 35], shape=0.5)
    assert b.max_acceptable == (3, 3, 3, 4, 4, 5, 5)
    assert b.alpha_attained == pytest.approx(0.07926296, rel=1e-6)
    assert b.power_attained == pytest.approx(0.99654450, rel=1e-6)
    oc = boundary_crossing_probability(b.max_acceptable, b.looks, [0.08, 0.36])
    np.testing.assert_allclose(oc["p_stop_early"], [0.06011761, 0.98753502], rtol=1e-6)
    np.testing.assert_allclose(oc["expected_n"], [34.09328, 13.49468], rtol=1e-6)


# --- Properties ---------------------------------------------------------------------------------


def _brute_force(bounds: list[int], looks: list[int], p: float) -> tuple[float, float, float]:
    """P(cross), P(stop early), E[N] by listing every 0/1 toxicity sequence (no recursion)."""
    n = looks[-1]
    p_cross = p_early = expected = 0.0
    for seq in itertools.product((0, 1), repeat=n):
        weight = p ** sum(seq) * (1 - p) ** (n - sum(seq))
        stopped_at = None
        for k, (look, r) in enumerate(zip(looks, bounds, strict=True)):
            if sum(seq[:look]) > r:
                stopped_at = k
                break
        if stopped_at is None:
            expected += weight * n
        else:
            p_cross += weight
            p_early += weight * (stopped_at < len(looks) - 1)
            expected += weight * looks[stopped_at]
    return p_cross, p_early, expected


@st.composite
def _small_designs(draw):
    increments = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    looks = list(itertools.accumulate(increments))
    if looks[-1] > 11:
        looks = [n for n in looks if n <= 11] or [11]
    bounds = [draw(st.integers(-1, n)) for n in looks]
    p = draw(st.floats(0.0, 1.0))
    return bounds, looks, p


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_small_designs())
def test_recursion_equals_brute_force_enumeration(design):
    bounds, looks, p = design
    oc = boundary_crossing_probability(bounds, looks, p).iloc[0]
    want = _brute_force(bounds, looks, p)
    np.testing.assert_allclose(
        [oc["p_cross"], oc["p_stop_early"], oc["expected_n"]], want, rtol=1e-9, atol=1e-12
    )


@st.composite
def _settings(draw):
    p_lo = draw(st.sampled_from([0.05, 0.1, 0.15, 0.2, 0.25, 0.3]))
    p_hi = p_lo + draw(st.sampled_from([0.1, 0.15, 0.2, 0.3]))
    step = draw(st.integers(3, 10))
    n_looks = draw(st.integers(1, 8))
    looks = [step * (k + 1) for k in range(n_looks)]
    looks[-1] += draw(st.integers(0, 4))
    alpha = draw(st.sampled_from([0.05, 0.1, 0.15]))
    shape = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5]))
    return p_lo, p_hi, looks, alpha, shape


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_settings())
def test_alpha_is_respected_and_crossing_grows_with_p(case):
    p_lo, p_hi, looks, alpha, shape = case
    b = toxicity_boundary(p_lo, p_hi, looks, alpha=alpha, shape=shape)
    assert b.alpha_attained <= alpha
    assert b.meets_alpha
    grid = np.linspace(0.0, 1.0, 41)
    oc = boundary_crossing_probability(b.max_acceptable, looks, grid)
    assert np.all(np.diff(oc["p_cross"]) >= -1e-12)
    assert np.all(np.diff(oc["expected_n"]) <= 1e-9)
    assert np.all(oc["p_stop_early"] <= oc["p_cross"] + 1e-15)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_settings())
def test_pocock_boundaries_never_decrease_with_n(case):
    p_lo, p_hi, looks, alpha, _ = case
    b = toxicity_boundary(p_lo, p_hi, looks, alpha=alpha, shape=0.0)
    assert all(np.diff(b.max_acceptable) >= 0)


@pytest.mark.parametrize("shape", [0.0, 0.1, 0.25, 0.5])
def test_promis_boundaries_never_decrease_with_n(shape):
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS, shape=shape)
    assert all(np.diff(b.max_acceptable) >= 0)
    assert b.alpha_attained <= 0.10


def test_result_is_frozen():
    b = toxicity_boundary(0.2, 0.4, PROMIS_LOOKS)
    with pytest.raises(AttributeError):
        b.shape = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p_acceptable": 0.4, "p_unacceptable": 0.2}, "must be below p_unacceptable"),
        ({"p_acceptable": 0.0}, "p_acceptable must be a probability"),
        ({"alpha": 1.2}, "alpha must be a probability"),
        ({"shape": 0.7}, r"shape must lie in \[0, 0.5\]"),
        ({"priority": "power"}, "unknown priority 'power'; allowed: null, alt"),
        ({"looks": [10, 5]}, "strictly increasing"),
        ({"looks": [0, 5]}, "strictly increasing"),
        ({"looks": [5.5, 10]}, "whole numbers"),
        ({"grid": [0.2, 1.5]}, r"grid must be probabilities in \[0, 1\]"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, message):
    args = {"p_acceptable": 0.2, "p_unacceptable": 0.4, "looks": PROMIS_LOOKS} | kwargs
    with pytest.raises(ValueError, match=message):
        toxicity_boundary(**args)


def test_bad_boundary_length_is_refused():
    with pytest.raises(ValueError, match="one whole number >= -1 per look"):
        boundary_crossing_probability([1, 2], [5, 10, 15], 0.2)


def test_unreachable_power_is_a_design_error():
    with pytest.raises(DesignError, match="no boundary with shape 0.0 reaches"):
        toxicity_boundary(0.2, 0.25, [1, 2], power=0.99, priority="alt")
