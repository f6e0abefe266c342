"""Tests for osteo_stats.analyse.design: Simon two-stage, single-stage, OC and the design check.

Reference values come from published or independently computed sources, typed in below with
the source next to them. No expected value here was produced by this package.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.design import (
    FRONTIER_COLUMNS,
    OC_COLUMNS,
    SimonDesign,
    assert_design_agrees,
    check_design,
    operating_characteristics,
    simon_design_from_rules,
    simon_designs,
    single_stage_design,
)
from osteo_stats.errors import DesignError
from osteo_stats.sap import load_sap

# ----------------------------------------------------------------------------------------------
# Simon (1989): published designs
# ----------------------------------------------------------------------------------------------

SIMON_1989_OPTIMAL_A05_B20_DELTA20 = [
    # p0,   p1,   r1, n1, r,  n
    (0.10, 0.30, 1, 10, 5, 29),
    (0.20, 0.40, 3, 13, 12, 43),
    (0.30, 0.50, 5, 15, 18, 46),
    (0.40, 0.60, 7, 16, 23, 46),
    (0.50, 0.70, 8, 15, 26, 43),
    (0.60, 0.80, 7, 11, 30, 43),
    (0.70, 0.90, 4, 6, 22, 27),
]


@pytest.mark.parametrize(("p0", "p1", "r1", "n1", "r", "n"), SIMON_1989_OPTIMAL_A05_B20_DELTA20)
def test_simon_1989_table1_optimal_alpha05_beta20(p0, p1, r1, n1, r, n):
    """Simon (1989) Table 1, optimal designs, alpha = 0.05, beta = 0.20, p1 = p0 + 0.20.

    Source: Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin
    Trials 1989;10:1-10, Table 1 (r1/n1, r/n), as typed into the test suite of
    kkmann/BinaryTwoStageDesigns (test/test_BinaryTwoStageDesign.jl, "Simon's designs for
    beta = .2, alpha = .05, p1 = p0 + 0.2 ... (p. 4)"), p0 = 0.1 .. 0.7.
    """
    d = simon_designs(p0, p1, 0.05, 0.80).optimal
    assert (d.r1, d.n1, d.r, d.n) == (r1, n1, r, n)
    assert d.alpha_attained <= 0.05
    assert d.power_attained >= 0.80


def test_simon_1989_p0_20_p1_40_alpha05_beta20_both_designs():
    """The PROMIS hypotheses: Simon (1989) Table 1, p0 = 0.20, p1 = 0.40, alpha .05, beta .20.

    Optimal r1/n1 = 3/13, r/n = 12/43, EN(p0) = 20.6; minimax r1/n1 = 4/18, r/n = 10/33,
    EN(p0) = 22.3. Sources: Simon (1989) Table 1 as quoted by (a) kkmann/
    BinaryTwoStageDesigns' test suite (optimal rule) and (b) a public simulation test suite
    quoting "Simon (1989)'s published designs ... 3/13, 12/43, EN0 = 20.6 (minimax 4/18,
    10/33)"; PET(p0) = 0.75 for the optimal design as in the task brief and Simon's table.
    """
    f = simon_designs(0.20, 0.40, 0.05, 0.80)
    opt, mm = f.optimal, f.minimax
    assert (opt.r1, opt.n1, opt.r, opt.n) == (3, 13, 12, 43)
    assert round(opt.en_p0, 1) == 20.6
    assert round(opt.pet_p0, 2) == 0.75
    assert (mm.r1, mm.n1, mm.r, mm.n) == (4, 18, 10, 33)
    assert round(mm.en_p0, 1) == 22.3


def test_simon_1989_p0_10_p1_30_alpha05_beta20_en():
    """Simon (1989) Table 1, p0 = 0.10, p1 = 0.30, alpha .05, beta .20: optimal 1/10, 5/29,
    EN(p0) = 15.0 (quoted from Simon 1989 by the public test suite cited above)."""
    opt = simon_designs(0.10, 0.30, 0.05, 0.80).optimal
    assert (opt.r1, opt.n1, opt.r, opt.n) == (1, 10, 5, 29)
    assert round(opt.en_p0, 1) == 15.0


# R clinfun output (Seshan & Whiting), typed in from the package's rendered documentation.
# Each row: inputs, then per design (r1, n1, r, n, EN(p0), PET(p0), qLo, qHi) with the
# printed precision; q is None where only ph2simon (not twostage.admissible) was printed.
CLINFUN_FRONTIERS = {
    # ph2simon(0.2, 0.4, 0.1, 0.1) -- also Simon (1989) Table 1 (alpha .10, beta .10).
    "p0=.20 p1=.40 a=.10 b=.10": (
        (0.20, 0.40, 0.10, 0.90, 100),
        [
            ("minimax", 3, 19, 10, 36, 28.26, 0.4551, None, None),
            ("optimal", 3, 17, 10, 37, 26.02, 0.5489, None, None),
        ],
    ),
    # ph2simon(0.2, 0.35, 0.05, 0.05) with the default nmax = 100 (warns: n close to nmax).
    "p0=.20 p1=.35 a=.05 b=.05 nmax=100": (
        (0.20, 0.35, 0.05, 0.95, 100),
        [
            ("minimax", 15, 68, 25, 95, 75.44, 0.7244, None, None),
            ("optimal", 11, 53, 26, 99, 69.88, 0.6330, None, None),
        ],
    ),
    # twostage.admissible(ph2simon(0.5, 0.7, 0.05, 0.1)) -- Simon (1989) Table 1 parameters.
    "p0=.50 p1=.70 a=.05 b=.10": (
        (0.50, 0.70, 0.05, 0.90, 100),
        [
            ("minimax", 14, 27, 32, 53, 36.11440, 0.6494460, 0.285, 1.000),
            ("admissible", 12, 23, 34, 57, 34.51987, 0.6611803, 0.112, 0.285),
            ("optimal", 13, 24, 36, 61, 34.01324, 0.7293719, 0.000, 0.112),
        ],
    ),
    # twostage.admissible(ph2simon(0.05, 0.2, 0.1, 0.1)) -- clinfun vignette "Functions For
    # Clinical Trial Design" (lenvatinib example); Simon (1989) Table 2 parameters.
    "p0=.05 p1=.20 a=.10 b=.10": (
        (0.05, 0.20, 0.10, 0.90, 100),
        [
            ("minimax", 0, 18, 3, 32, 26.43900, 0.3972143, 0.640, 1.000),
            ("admissible", 0, 15, 3, 33, 24.66076, 0.4632912, 0.323, 0.640),
            ("admissible", 0, 13, 3, 35, 23.70647, 0.5133421, 0.097, 0.323),
            ("optimal", 0, 12, 3, 37, 23.49100, 0.5403601, 0.000, 0.097),
        ],
    ),
    # twostage.admissible(ph2simon(0.25, 0.45, 0.05, 0.1)) -- same clinfun vignette.
    "p0=.25 p1=.45 a=.05 b=.10": (
        (0.25, 0.45, 0.05, 0.90, 100),
        [
            ("minimax", 6, 26, 17, 49, 37.14596, 0.5153932, 0.782, 1.000),
            ("admissible", 7, 26, 17, 50, 33.55630, 0.6851542, 0.129, 0.782),
            ("optimal", 6, 22, 19, 57, 32.52206, 0.6993697, 0.000, 0.129),
        ],
    ),
}


def _decimals(x: float) -> int:
    text = repr(x)
    return len(text.split(".")[1]) if "." in text else 0


@pytest.mark.parametrize("case", list(CLINFUN_FRONTIERS))
def test_against_clinfun_output(case):
    """R clinfun::ph2simon / twostage.admissible output as printed in clinfun's documentation
    (reference pages ph2simon.html and twostage.admissible.html, and the vignette
    articles/clinical-trial-functions.md, github.com/veseshan/clinfun).

        library(clinfun)
        twostage.admissible(ph2simon(0.05, 0.2, 0.1, 0.1))   # etc., see CLINFUN_FRONTIERS

    When only ph2simon was printed, only the minimax and optimal rows are compared.
    """
    (p0, p1, alpha, power, nmax), rows = CLINFUN_FRONTIERS[case]
    f = simon_designs(p0, p1, alpha, power, nmax=nmax)
    full = rows[0][7] is not None
    got = f.designs if full else f.designs.iloc[[0, -1]]
    assert len(got) == len(rows)
    for (_, rec), (kind, r1, n1, r, n, en, pet, q_lo, q_hi) in zip(
        got.iterrows(), rows, strict=True
    ):
        assert rec["kind"] == kind
        assert (rec["r1"], rec["n1"], rec["r"], rec["n"]) == (r1, n1, r, n)
        assert rec["en_p0"] == pytest.approx(en, abs=0.51 * 10 ** -_decimals(en))
        assert rec["pet_p0"] == pytest.approx(pet, abs=0.51 * 10 ** -_decimals(pet))
        if full:
            assert rec["weight_lo"] == pytest.approx(q_lo, abs=5.1e-4)
            assert rec["weight_hi"] == pytest.approx(q_hi, abs=5.1e-4)


def test_clinfun_nmax_150_finds_a_larger_optimal():
    """clinfun docs: ph2simon(0.2, 0.35, 0.05, 0.05, nmax=150) gives optimal 11/50, 28/109,
    EN(p0) 67.07, PET(p0) 0.7107 and the same minimax 15/68, 25/95; with nmax = 100 the
    search is truncated, which the result reports as a fact."""
    f100 = simon_designs(0.20, 0.35, 0.05, 0.95, nmax=100)
    f150 = simon_designs(0.20, 0.35, 0.05, 0.95, nmax=150)
    assert f100.optimal_near_nmax
    assert not f150.optimal_near_nmax
    opt = f150.optimal
    assert (opt.r1, opt.n1, opt.r, opt.n) == (11, 50, 28, 109)
    assert opt.en_p0 == pytest.approx(67.07, abs=0.0051)
    assert opt.pet_p0 == pytest.approx(0.7107, abs=0.000051)
    mm = f150.minimax
    assert (mm.r1, mm.n1, mm.r, mm.n) == (15, 68, 25, 95)


# ----------------------------------------------------------------------------------------------
# Independent brute-force enumeration (pure Python, every r, no pruning)
# ----------------------------------------------------------------------------------------------


@cache
def _pmf_row(m: int, p: float) -> tuple[float, ...]:
    return tuple(math.comb(m, x) * p**x * (1 - p) ** (m - x) for x in range(m + 1))


@cache
def _sf_row(m: int, p: float) -> tuple[float, ...]:
    """S[k + 1] = P(Bin(m, p) > k) for k = -1..m."""
    pmf = _pmf_row(m, p)
    return tuple(sum(pmf[k + 1 :]) for k in range(-1, m + 1))


def _reject(r1: int, n1: int, r: int, n: int, p: float) -> float:
    b, s = _pmf_row(n1, p), _sf_row(n - n1, p)
    return sum(b[x] * s[min(max(r - x, -1), n - n1) + 1] for x in range(r1 + 1, n1 + 1))


def _brute_force(p0, p1, alpha, power, nmax):
    """All feasible designs with the smallest feasible r for each (n, n1, r1)."""
    out = []
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            for r1 in range(n1):
                pet = sum(_pmf_row(n1, p0)[: r1 + 1])
                for r in range(r1, n):
                    if _reject(r1, n1, r, n, p0) <= alpha and _reject(r1, n1, r, n, p1) >= power:
                        out.append((n, n1, r1, r, n1 + (1 - pet) * (n - n1)))
                        break
    return out


BRUTE_CASES = [
    (0.05, 0.25, 0.05, 0.80, 26),
    (0.10, 0.30, 0.10, 0.90, 30),
    (0.30, 0.50, 0.10, 0.80, 34),
]


@pytest.mark.parametrize(("p0", "p1", "alpha", "power", "nmax"), BRUTE_CASES)
def test_frontier_matches_brute_force(p0, p1, alpha, power, nmax):
    """Every design (n, n1, r1, smallest r) is enumerated and checked directly; the optimal
    and minimax designs and the admissible set (minimisers of q n + (1 - q) EN over a grid
    of q) must agree with the fast search."""
    designs = _brute_force(p0, p1, alpha, power, nmax)
    f = simon_designs(p0, p1, alpha, power, nmax=nmax)
    opt = min(designs, key=lambda d: (round(d[4], 12), d[0]))
    mm = min(designs, key=lambda d: (d[0], round(d[4], 12)))
    assert (f.optimal.n, f.optimal.n1, f.optimal.r1, f.optimal.r) == opt[:4]
    assert (f.minimax.n, f.minimax.n1, f.minimax.r1, f.minimax.r) == mm[:4]
    assert f.optimal.en_p0 == pytest.approx(opt[4], rel=1e-12)

    frontier = {
        (int(n), float(en)) for n, en in zip(f.designs["n"], f.designs["en_p0"], strict=True)
    }
    for q in np.linspace(0, 1, 401):
        losses = [q * d[0] + (1 - q) * d[4] for d in designs]
        best = min(losses)
        winners = {
            (d[0], d[4]) for d, loss in zip(designs, losses, strict=True) if loss <= best + 1e-9
        }
        assert any(
            any(n == wn and en == pytest.approx(wen, rel=1e-12) for n, en in frontier)
            for wn, wen in winners
        ), f"q={q}: no minimiser of the loss is on the frontier"
    for _, rec in f.designs.iterrows():
        q = 0.5 * (rec["weight_lo"] + rec["weight_hi"])
        best = min(q * d[0] + (1 - q) * d[4] for d in designs)
        assert q * rec["n"] + (1 - q) * rec["en_p0"] == pytest.approx(best, rel=1e-12)


# ----------------------------------------------------------------------------------------------
# Frontier structure
# ----------------------------------------------------------------------------------------------


def test_frontier_table_shape_and_invariants():
    f = simon_designs(0.20, 0.40, 0.05, 0.80)
    d = f.designs
    assert tuple(d.columns) == FRONTIER_COLUMNS
    assert d["kind"].iloc[0] == "minimax" and d["kind"].iloc[-1] == "optimal"
    assert (np.diff(d["n"]) > 0).all()
    assert (np.diff(d["en_p0"]) < 0).all()
    assert d["weight_hi"].iloc[0] == 1.0 and d["weight_lo"].iloc[-1] == 0.0
    np.testing.assert_allclose(
        d["weight_lo"].iloc[:-1].to_numpy(), d["weight_hi"].iloc[1:].to_numpy()
    )
    assert (d["alpha"] <= 0.05).all() and (d["power"] >= 0.80).all()
    assert isinstance(f.optimal, SimonDesign) and f.optimal.kind == "optimal"
    assert [x.kind for x in f.admissible] == list(d["kind"])
    payload = f.to_dict()
    assert payload["designs"][-1]["n"] == 43 and isinstance(payload["designs"][-1]["n"], int)


def test_single_design_frontier_is_both_minimax_and_optimal():
    """When brute force finds the minimax design is also optimal, the frontier is one row
    labelled for both roles, admissible for every weight."""
    designs = _brute_force(0.2, 0.6, 0.10, 0.80, 15)
    opt = min(designs, key=lambda d: (round(d[4], 12), d[0]))
    mm = min(designs, key=lambda d: (d[0], round(d[4], 12)))
    assert opt == mm
    f = simon_designs(0.2, 0.6, 0.10, 0.80, nmax=15)
    assert f.designs["kind"].tolist() == ["minimax/optimal"]
    assert (f.designs["weight_lo"].iloc[0], f.designs["weight_hi"].iloc[0]) == (0.0, 1.0)
    assert f.optimal.rule == f.minimax.rule


@settings(max_examples=25, deadline=None)
@given(
    p0=st.sampled_from([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6]),
    gap=st.sampled_from([0.15, 0.2, 0.25, 0.3]),
    alpha=st.sampled_from([0.05, 0.1]),
    power=st.sampled_from([0.8, 0.9]),
)
def test_frontier_properties(p0, gap, alpha, power):
    """Every reported design meets the constraints, and its reported characteristics equal
    an exact re-evaluation; n rises and EN falls along the frontier."""
    p1 = round(p0 + gap, 10)
    if p1 >= 1:
        return
    try:
        f = simon_designs(p0, p1, alpha, power, nmax=80)
    except DesignError:
        return
    d = f.designs
    assert (np.diff(d["n"]) > 0).all() and (np.diff(d["en_p0"]) < 0).all()
    for x in f.admissible:
        oc = operating_characteristics(x, [p0, p1])
        assert oc["prob_reject"].iloc[0] == pytest.approx(x.alpha_attained, abs=1e-12)
        assert oc["prob_reject"].iloc[1] == pytest.approx(x.power_attained, abs=1e-12)
        assert oc["en"].iloc[0] == pytest.approx(x.en_p0, abs=1e-9)
        assert x.alpha_attained <= alpha and x.power_attained >= power
        assert x.n1 <= x.en_p0 <= x.n


# ----------------------------------------------------------------------------------------------
# Operating characteristics
# ----------------------------------------------------------------------------------------------


def test_oc_at_p0_and_p1_equal_attained_alpha_and_power():
    """clinfun::oc.twostage.bdry-style check on the PROMIS design: the OC at p0 and p1 are the
    attained alpha and power, computed here by direct double summation."""
    sap = load_sap()
    design = sap.design
    oc = operating_characteristics(design, [design.p0, design.p1])
    direct0 = sum(
        math.comb(13, x1)
        * 0.2**x1
        * 0.8 ** (13 - x1)
        * sum(math.comb(30, x2) * 0.2**x2 * 0.8 ** (30 - x2) for x2 in range(max(0, 13 - x1), 31))
        for x1 in range(4, 14)
    )
    assert oc["prob_reject"].iloc[0] == pytest.approx(direct0, rel=1e-12)
    stated = simon_design_from_rules(3, 13, 12, 43, 0.2, 0.4)
    assert oc["prob_reject"].iloc[0] == pytest.approx(stated.alpha_attained, abs=1e-15)
    assert oc["prob_reject"].iloc[1] == pytest.approx(stated.power_attained, abs=1e-15)
    assert oc["pet"].iloc[0] == pytest.approx(
        sum(math.comb(13, x) * 0.2**x * 0.8 ** (13 - x) for x in range(4))
    )
    assert tuple(oc.columns) == OC_COLUMNS
    assert (oc["pet"] == oc["prob_early_stop"]).all()


def test_oc_grid_from_sap_and_edges():
    sap = load_sap()
    oc = operating_characteristics(sap.design, sap.design.oc_grid)
    assert len(oc) == len(sap.design.oc_grid)
    edge = operating_characteristics(sap.design, [0.0, 1.0])
    assert edge["prob_reject"].tolist() == pytest.approx([0.0, 1.0])
    assert edge["en"].tolist() == pytest.approx([13.0, 43.0])
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        operating_characteristics(sap.design, [0.5, 1.2])


rules = st.integers(2, 30).flatmap(
    lambda n1: st.tuples(
        st.just(n1),
        st.integers(0, n1 - 1),
        st.integers(1, 30),
    ).flatmap(
        lambda t: st.tuples(
            st.just(t[0]), st.just(t[1]), st.integers(t[1], t[0] + t[2] - 1), st.just(t[0] + t[2])
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(rule=rules, p=st.lists(st.floats(0, 1), min_size=2, max_size=12))
def test_oc_monotone_in_p(rule, p):
    """P(reject) is non-decreasing and PET non-increasing in the true rate; n1 <= EN <= n."""
    n1, r1, r, n = rule
    design = SimonDesign(r1, n1, r, n, 0.2, 0.4, 0, 0, 0, 0, "stated")
    oc = operating_characteristics(design, sorted(p))
    tol = 1e-12
    assert (np.diff(oc["prob_reject"]) >= -tol).all()
    assert (np.diff(oc["pet"]) <= tol).all()
    assert ((oc["en"] >= n1 - 1e-9) & (oc["en"] <= n + 1e-9)).all()
    assert ((oc["prob_reject"] >= -tol) & (oc["prob_reject"] <= 1 + tol)).all()


# ----------------------------------------------------------------------------------------------
# Single-stage design
# ----------------------------------------------------------------------------------------------


def test_single_stage_against_clinfun_ph2single():
    """clinfun vignette (Zucali et al. 2018 example): ph2single(0.4, 0.6, 0.1, 0.1) lists
    n = 41, r = 20, type I error 0.09651722 as its first (smallest-n) design."""
    d = single_stage_design(0.4, 0.6, 0.10, 0.90)
    assert (d.n, d.r) == (41, 20)
    assert d.alpha_attained == pytest.approx(0.09651722, abs=5e-9)
    assert d.power_attained >= 0.90


@settings(max_examples=40, deadline=None)
@given(
    p0=st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.5]),
    gap=st.sampled_from([0.1, 0.15, 0.2]),
    alpha=st.sampled_from([0.05, 0.1]),
    power=st.sampled_from([0.8, 0.9]),
)
def test_single_stage_is_smallest_n(p0, gap, alpha, power):
    """No smaller n has any threshold meeting both constraints (checked exhaustively)."""
    from scipy import stats

    d = single_stage_design(p0, p0 + gap, alpha, power)
    assert d.alpha_attained <= alpha and d.power_attained >= power
    for n in range(1, d.n):
        r = np.arange(n)
        ok = (stats.binom.sf(r, n, p0) <= alpha) & (stats.binom.sf(r, n, p0 + gap) >= power)
        assert not ok.any()


# ----------------------------------------------------------------------------------------------
# The 43-patient design check
# ----------------------------------------------------------------------------------------------


def test_promis_design_check_passes():
    sap = load_sap()
    check = assert_design_agrees(sap.design)
    assert check.agrees and check.mismatches == ()
    assert check.computed.rule == check.stated.rule == "r1/n1=3/13, r/n=12/43"
    assert check.stated.alpha_attained == pytest.approx(check.computed.alpha_attained)
    assert "r1/n1=3/13, r/n=12/43" in check.message


def test_edited_sap_fails_with_a_clear_message():
    sap = load_sap()
    edited = sap.design.model_copy(update={"n1": 15})
    check = check_design(edited)
    assert not check.agrees
    assert check.mismatches == ("design.n1",)
    with pytest.raises(
        DesignError,
        match=r"sap\.yaml design: n1=15, r1=3, n=43, r=12 stated; the optimal design for "
        r"p0=0\.2, p1=0\.4, alpha=0\.05, power=0\.8 \(searched n <= 100\) is r1/n1=3/13, "
        r"r/n=12/43 .*design\.n1 \(stated 15, computed 13\).*Fix: set design\.n1: 13",
    ):
        assert_design_agrees(edited)


def test_edited_kind_and_thresholds_fail():
    sap = load_sap()
    minimax = sap.design.model_copy(update={"kind": "minimax"})
    check = check_design(minimax)
    assert not check.agrees
    assert set(check.mismatches) == {"design.n1", "design.r1", "design.n", "design.r"}
    assert check.stated_meets_constraints  # 3/13, 12/43 is feasible, just not minimax
    loose = sap.design.model_copy(update={"r": 10})
    check = check_design(loose)
    assert not check.stated_meets_constraints
    assert "does not meet alpha <= 0.05" in check.message


# ----------------------------------------------------------------------------------------------
# Refusals
# ----------------------------------------------------------------------------------------------


def test_invalid_inputs_raise_value_error():
    with pytest.raises(ValueError, match=r"p1 = 0\.2 must be greater than p0 = 0\.4"):
        simon_designs(0.4, 0.2, 0.05, 0.8)
    with pytest.raises(ValueError, match="nmax"):
        simon_designs(0.2, 0.4, 0.05, 0.8, nmax=1)
    with pytest.raises(ValueError, match="unknown design kind 'best'; allowed: optimal, minimax"):
        simon_designs(0.2, 0.4, 0.05, 0.8).design("best")
    with pytest.raises(ValueError, match="invalid two-stage rule"):
        simon_design_from_rules(5, 4, 10, 20, 0.2, 0.4)


def test_infeasible_search_raises_design_error():
    with pytest.raises(
        DesignError, match=r"no Simon two-stage design with n <= 20 .*increase nmax"
    ):
        simon_designs(0.2, 0.4, 0.05, 0.8, nmax=20)
