"""Scenario grids (issue 14): expansion, inheritance, validation, and the grid outputs."""

from __future__ import annotations

import re

import pytest

from osteo_stats.simulate import load_scenarios, parse_scenarios
from osteo_stats.simulate.scenario import MAX_SCENARIOS, ScenarioError

DEFAULTS = {
    "design": {"p0": 0.2, "n1": 13, "r1": 3, "n": 43, "r": 12},
    "efs": {"distribution": "exponential", "two_year": 0.4},
    "accrual": {"rate_per_month": 1.79, "ramp_up_months": 2.0, "pause_for_stage1": False},
    "dropout": {"proportion": 0.1, "by_month": 24},
}
RULE_50 = {"p0": 0.2, "n1": 13, "r1": 3, "n": 50, "r": 14}


def _grid(vary, **extra):
    return {"defaults": DEFAULTS, "grids": [{"vary": vary, **extra}]}


# --------------------------------------------------------------------------------------------
# Expansion
# --------------------------------------------------------------------------------------------


def test_grid_expands_to_the_product_with_readable_names_in_axis_order():
    raw = _grid(
        {
            "efs.two_year": [0.2, 0.25, 0.3],
            "design": [DEFAULTS["design"], RULE_50],
            "accrual.rate_per_month": [1.0, 1.8],
            "accrual.pause_for_stage1": [False, True],
        }
    )
    scenarios = parse_scenarios(raw)
    assert len(scenarios) == 3 * 2 * 2 * 2
    names = [s.name for s in scenarios]
    # The first axis varies slowest; one number of decimals per axis; booleans read on/off.
    assert names[:3] == [
        "efs=0.20 n=43 rate=1.0 pause=off",
        "efs=0.20 n=43 rate=1.0 pause=on",
        "efs=0.20 n=43 rate=1.8 pause=off",
    ]
    assert names[-1] == "efs=0.30 n=50 rate=1.8 pause=on"
    assert len(set(names)) == len(names)
    point = next(s for s in scenarios if s.name == "efs=0.30 n=50 rate=1.8 pause=on")
    assert point.grid_point == {"efs": 0.3, "n": 50, "rate": 1.8, "pause": True}
    assert (point.design.n1, point.design.r1, point.design.n, point.design.r) == (13, 3, 50, 14)
    assert point.efs.two_year == 0.3
    assert point.accrual.rate_per_month == 1.8 and point.accrual.pause_for_stage1 is True


def test_a_grid_point_inherits_everything_it_does_not_vary():
    raw = _grid({"accrual.rate_per_month": [1.0, 1.8]})
    slow, fast = parse_scenarios(raw)
    for point in (slow, fast):
        # Not restated anywhere in the grid, so from defaults.
        assert point.accrual.ramp_up_months == 2.0
        assert point.accrual.pause_for_stage1 is False
        assert point.dropout.proportion == 0.1
        assert point.efs.two_year == 0.4
        assert point.design.n == 43
    assert (slow.accrual.rate_per_month, fast.accrual.rate_per_month) == (1.0, 1.8)
    assert [slow.name, fast.name] == ["rate=1.0", "rate=1.8"]


def test_a_varied_efs_key_keeps_the_inherited_distribution_and_grid_sections_apply():
    raw = {
        "defaults": DEFAULTS,
        "grids": [
            {
                "name": "weib",
                "efs": {"distribution": "weibull", "shape": 0.7, "two_year": 0.4},
                "dropout": {"proportion": 0.0},
                "vary": {"efs.two_year": [0.2, 0.4]},
            }
        ],
        "scenarios": [{"name": "planned"}],
    }
    planned, low, high = parse_scenarios(raw)
    assert planned.name == "planned" and planned.grid is None and planned.grid_point == {}
    assert [low.name, high.name] == ["weib efs=0.2", "weib efs=0.4"]
    assert low.grid == "weib"
    assert low.efs.distribution == "weibull" and low.efs.shape == 0.7
    assert low.true_efs_landmark == pytest.approx(0.2)
    assert low.dropout.proportion == 0.0  # the grid's own section
    assert low.dropout.by_month == 24  # ... merged key by key with defaults
    assert low.accrual.ramp_up_months == 2.0


def test_the_shipped_example_is_a_4_axis_grid_of_at_least_40_scenarios():
    scenarios = load_scenarios("scenarios/grid_example.yaml")
    assert len(scenarios) >= 40
    assert all(len(s.grid_point) == 4 for s in scenarios)
    assert "efs=0.30 n=50 rate=1.8 pause=on" in {s.name for s in scenarios}


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (
            {"accrual.rate": [1.0, 2.0]},
            r"grids\[0\]\.vary\.accrual\.rate: unknown key 'rate' of accrual; allowed: "
            r"pause_for_stage1, ramp_up_months, rate_per_month",
        ),
        ({"efficacy.two_year": [0.2]}, r"grids\[0\]\.vary\.efficacy\.two_year: unknown section"),
        (
            {"design.n": [43, 50]},
            r"grids\[0\]\.vary\.design\.n: a design with another n needs its own rule",
        ),
        ({"efs.two_year": []}, r"grids\[0\]\.vary\.efs\.two_year: must be a non-empty list"),
        ({"efs.two_year": [0.2, 0.2]}, r"grids\[0\]\.vary\.efs\.two_year: values must not repeat"),
        ({"accrual": [{"rate_per_month": 1.0}]}, r"grids\[0\]\.vary\.accrual: vary one key"),
    ],
)
def test_a_bad_grid_axis_names_the_key(vary, message):
    with pytest.raises(ScenarioError, match=message):
        parse_scenarios(_grid(vary))


def test_an_invalid_grid_point_names_the_point_and_key():
    with pytest.raises(ScenarioError) as caught:
        parse_scenarios(_grid({"efs.two_year": [0.3, 1.5]}))
    assert re.search(
        r"grids\[0\] point 'efs=1.5': efs\.exponential\.two_year = 1\.5: Input should be less",
        str(caught.value),
    )
    assert "'efs=0.3'" not in str(caught.value)


def test_unknown_grid_key_and_missing_vary_are_reported():
    raw = {"defaults": DEFAULTS, "grids": [{"axes": {"efs.two_year": [0.2]}}]}
    with pytest.raises(ScenarioError) as caught:
        parse_scenarios(raw)
    text = str(caught.value)
    assert "grids[0]: axes: unknown key(s); allowed: name, description, vary" in text
    assert "grids[0].vary: required" in text


def test_the_grid_size_is_bounded_before_expanding():
    # 11 x 10 x 10 = 1,100 points; with 10**6 values on one axis it must not expand either.
    too_big = _grid(
        {
            "efs.two_year": [round(0.05 + 0.05 * i, 2) for i in range(11)],
            "accrual.rate_per_month": [float(r) for r in range(1, 11)],
            "dropout.proportion": [i / 100 for i in range(10)],
        }
    )
    with pytest.raises(ScenarioError, match=r"describes 1,100 scenarios .*11 x 10 x 10.*at most "):
        parse_scenarios(too_big)
    huge = _grid({"accrual.rate_per_month": [1.0 + i / 10**6 for i in range(10**6)]})
    with pytest.raises(ScenarioError, match=r"MAX_SCENARIOS"):
        parse_scenarios(huge)
    assert MAX_SCENARIOS == 1_000
