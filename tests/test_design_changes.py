"""Design changes as a DMC asks them (issue 14): a fixed n or n1, re-searched assumptions.

Every expected value here is computed independently of ``osteo_stats.analyse.design``: an
exhaustive brute-force search over every rule (n1, r1, r) written with plain loops and
``scipy.stats.binom``, or hand binomial sums. No value was produced by the package.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from scipy.stats import binom
from typer.testing import CliRunner

from osteo_stats.analyse.design import simon_design_for_n
from osteo_stats.cli import app

P0, P1, ALPHA, POWER = 0.20, 0.40, 0.05, 0.80  # sap.yaml design block (SAP 5)


@cache
def _pmf(m: int, p: float) -> np.ndarray:
    return binom.pmf(np.arange(m + 1), m, p)


@cache
def _sf(m: int, p: float) -> np.ndarray:
    """_sf(m, p)[k + 1] = P(Bin(m, p) > k) for k = -1 .. m (so index 0 holds 1)."""
    return binom.sf(np.arange(-1, m + 1), m, p)


def _reject(r1: int, n1: int, r: int, n: int, p: float) -> float:
    """P(X1 > r1 and X1 + X2 > r): a hand sum over the stage-1 count, one term per x1."""
    n2 = n - n1
    total = 0.0
    for x1 in range(r1 + 1, n1 + 1):
        k = min(max(r - x1, -1), n2)  # P(X2 > k); k = -1 means X2 > -1, certain
        total += _pmf(n1, p)[x1] * _sf(n2, p)[k + 1]
    return total


@cache
def _brute_force(
    n: int,
    n1_only: int | None = None,
    p0: float = P0,
    p1: float = P1,
    alpha: float = ALPHA,
    power: float = POWER,
) -> tuple[list[tuple], list[tuple]]:
    """Every rule with maximum n (and stage-1 size n1_only if given), exhaustively.

    Returns (feasible, level): ``feasible`` the rules meeting alpha and power, ``level`` the
    rules meeting alpha, each as (en0, n1, r1, r, alpha, power).
    """
    feasible, level = [], []
    for n1 in [n1_only] if n1_only else range(1, n):
        for r1 in range(n1):
            pet0 = binom.cdf(r1, n1, p0)
            en0 = n1 + (1 - pet0) * (n - n1)
            for r in range(r1, n):
                a = _reject(r1, n1, r, n, p0)
                if a > alpha:
                    continue
                pw = _reject(r1, n1, r, n, p1)
                level.append((en0, n1, r1, r, a, pw))
                if pw >= power:
                    feasible.append((en0, n1, r1, r, a, pw))
    return feasible, level


@pytest.mark.parametrize("n", [43, 50])
def test_fixed_n_is_the_brute_force_minimum_en0(n):
    """The issue's "Done means": design simon --n 50 against an exhaustive search."""
    feasible, _ = _brute_force(n)
    best_en0 = min(f[0] for f in feasible)
    argmins = {(f[1], f[2]) for f in feasible if f[0] <= best_en0 + 1e-12}
    found = simon_design_for_n(P0, P1, ALPHA, POWER, n=n)
    d = found.design
    assert found.feasible and d is not None
    assert d.n == n
    assert d.en_p0 == pytest.approx(best_en0, abs=1e-10)
    assert (d.n1, d.r1) in argmins
    # the reported r is the smallest feasible one for that (n1, r1): the most powerful
    rs = [f[3] for f in feasible if (f[1], f[2]) == (d.n1, d.r1)]
    assert d.r == min(rs)
    assert d.alpha_attained == pytest.approx(_reject(d.r1, d.n1, d.r, n, P0), abs=1e-12)
    assert d.power_attained == pytest.approx(_reject(d.r1, d.n1, d.r, n, P1), abs=1e-12)
    assert d.pet_p0 == pytest.approx(binom.cdf(d.r1, d.n1, P0), abs=1e-12)


def test_fixed_n_43_is_the_sap_design():
    """At n = 43 the best rule is Simon's optimal design 3/13, 12/43 (Simon 1989 Table 1)."""
    d = simon_design_for_n(P0, P1, ALPHA, POWER, n=43).design
    assert (d.r1, d.n1, d.r, d.n) == (3, 13, 12, 43)
    assert d.en_p0 == pytest.approx(20.58, abs=0.005)  # Simon 1989: EN(p0) = 20.6


@pytest.mark.parametrize(("n", "n1"), [(50, 13), (50, 20), (43, 25)])
def test_fixed_n_and_n1_is_the_brute_force_minimum_en0(n, n1):
    feasible, _ = _brute_force(n, n1)
    best = min(feasible)
    d = simon_design_for_n(P0, P1, ALPHA, POWER, n=n, n1=n1).design
    assert (d.n, d.n1) == (n, n1)
    assert d.en_p0 == pytest.approx(best[0], abs=1e-10)
    assert d.r1 == best[2]
    assert d.r == min(f[3] for f in feasible if f[2] == d.r1)


def test_fixed_n_too_small_says_so_and_gives_the_best_power():
    """Below the minimax n (33, Simon 1989) nothing works: the best achievable power is shown."""
    n = 25
    feasible, level = _brute_force(n)
    assert not feasible
    top_power = max(f[5] for f in level)
    found = simon_design_for_n(P0, P1, ALPHA, POWER, n=n)
    assert not found.feasible
    assert found.design is None
    assert found.best_power is not None
    assert found.best_power.n == n
    assert found.best_power.power_attained == pytest.approx(top_power, abs=1e-12)
    assert found.best_power.alpha_attained <= ALPHA
    assert "no Simon two-stage rule with n = 25" in found.message
    assert f"{top_power:.4f}" in found.message


def test_fixed_n1_only_searches_n():
    """n1 fixed, n free: optimal = min EN0 over n, minimax = min n (brute force over n)."""
    n1 = 13
    per_n = {}
    for n in range(n1 + 1, 61):
        feasible, _ = _brute_force(n, n1)
        if feasible:
            per_n[n] = min(feasible)
    found = simon_design_for_n(P0, P1, ALPHA, POWER, n1=n1, nmax=60)
    n_opt = min(per_n, key=lambda n: (per_n[n][0], n))
    assert found.design.n == n_opt and found.design.n1 == n1
    assert found.design.en_p0 == pytest.approx(per_n[n_opt][0], abs=1e-10)
    assert found.minimax.n == min(per_n)
    assert found.minimax.en_p0 == pytest.approx(per_n[min(per_n)][0], abs=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"n": 1}, "n = 1"),
        ({"n": 501}, "MAX_N"),
        ({"n": 50, "n1": 50}, "n1 = 50"),
        ({"n1": 0}, "n1 = 0"),
    ],
)
def test_fixed_n_bad_arguments(kwargs, text):
    with pytest.raises(ValueError, match=text):
        simon_design_for_n(P0, P1, ALPHA, POWER, **kwargs)


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args))


def test_cli_design_simon_n50_json_matches_brute_force():
    feasible, _ = _brute_force(50)
    best = min(feasible)
    result = _invoke("design", "simon", "--n", "50", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["feasible"] is True
    assert out["design"]["n"] == 50
    assert out["design"]["en_p0"] == pytest.approx(best[0], abs=1e-10)
    assert (out["design"]["n1"], out["design"]["r1"]) == (best[1], best[2])
    # hypotheses default to the SAP's (sap.yaml design block)
    assert (out["p0"], out["p1"], out["alpha"], out["power"]) == (P0, P1, ALPHA, POWER)


def test_cli_design_simon_n_too_small_exits_non_zero_with_best_power():
    result = _invoke("design", "simon", "--n", "25")
    assert result.exit_code == 1
    assert "no Simon two-stage rule with n = 25" in result.output


# ----------------------------------------------------------------------------------------------
# "p1 is really 0.45", "alpha 0.10": the re-searched rule beside the planned one
# ----------------------------------------------------------------------------------------------

PLANNED = (3, 13, 12, 43)  # sap.yaml design: r1, n1, r, n


@pytest.mark.parametrize(
    ("option", "value", "p1", "alpha"),
    [("--p1", "0.45", 0.45, ALPHA), ("--alpha", "0.10", P1, 0.10)],
)
def test_cli_compare_sap_shows_planned_and_re_searched_rules(option, value, p1, alpha):
    result = _invoke("design", "simon", option, value, "--compare-sap", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rows = {row["design"]: row for row in out["comparison"]}
    planned, searched = rows["planned (sap.yaml)"], rows["re-searched (optimal)"]
    r1, n1, r, n = PLANNED
    assert (planned["r1"], planned["n1"], planned["r"], planned["n"]) == PLANNED
    # the planned rule's exact OC at the NEW assumptions, by hand binomial sums
    assert planned["alpha_attained"] == pytest.approx(_reject(r1, n1, r, n, P0), abs=1e-12)
    assert planned["power_attained"] == pytest.approx(_reject(r1, n1, r, n, p1), abs=1e-12)
    assert planned["pet_p0"] == pytest.approx(binom.cdf(r1, n1, P0), abs=1e-12)
    assert planned["en_p0"] == pytest.approx(n1 + binom.sf(r1, n1, P0) * (n - n1), abs=1e-10)
    assert planned["meets"] is bool(
        _reject(r1, n1, r, n, P0) <= alpha and _reject(r1, n1, r, n, p1) >= POWER
    )
    # the re-searched rule meets the new targets (hand sums) and is the brute-force best at its n
    s = searched
    assert _reject(s["r1"], s["n1"], s["r"], s["n"], P0) <= alpha
    assert _reject(s["r1"], s["n1"], s["r"], s["n"], p1) >= POWER
    feasible, _ = _brute_force(s["n"], None, P0, p1, alpha, POWER)
    assert s["en_p0"] == pytest.approx(min(feasible)[0], abs=1e-10)
    assert s["en_p0"] <= planned["en_p0"] + 1e-12 or not planned["meets"]
    assert s["meets"] is True


def test_cli_compare_sap_table_names_both_rules():
    result = _invoke("design", "simon", "--p1", "0.45", "--compare-sap")
    assert result.exit_code == 0, result.output
    assert "planned (sap.yaml)" in result.stdout
    assert "re-searched (optimal)" in result.stdout
    assert "3/13, r/n=12/43" in result.stdout


def test_cli_compare_sap_with_fixed_n():
    """--n 50 --compare-sap: the best n = 50 rule beside the planned one."""
    feasible, _ = _brute_force(50)
    result = _invoke("design", "simon", "--n", "50", "--compare-sap", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["design"]: row for row in json.loads(result.stdout)["comparison"]}
    assert rows["re-searched (n = 50)"]["en_p0"] == pytest.approx(min(feasible)[0], abs=1e-10)
    assert rows["planned (sap.yaml)"]["n"] == 43
