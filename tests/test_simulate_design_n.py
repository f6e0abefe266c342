"""Scenarios that fix the maximum n and let the Simon search pick the rule (issue 14, SAP 5.10).

Expected rules at p0 = 0.20, p1 = 0.40, alpha = 0.05, power = 0.80 (minimum EN(p0) among the
rules with that maximum n, SAP 5.7):

- n = 43: 3/13, 12/43 -- Simon's optimal design (Simon 1989, Table 1; SAP 5.2), which has
  n = 43, so it is also the best rule at n = 43.
- n = 50: 3/13, 14/50 -- alpha 0.0400, power 0.8067, EN(p0) 22.35, independently confirmed
  by the exhaustive loop search in ``tests/test_design_changes.py``.
- n = 25: no rule. Even the single-stage test at its smallest level-0.05 cut-off (reject if
  more than 9 of 25; P(X > 9 | 0.2) = 0.047) has power P(X > 9 | 0.4) = 0.726 < 0.80, and the
  brute force of ``tests/test_design_changes.py`` finds no two-stage rule either.
"""

from __future__ import annotations

import re

import pytest

from osteo_stats.simulate import parse_scenarios, simulate
from osteo_stats.simulate.scenario import Rules, ScenarioError

SEARCH = {"p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8}
DEFAULTS = {
    "design": SEARCH,
    "efs": {"distribution": "exponential", "two_year": 0.4},
    "accrual": {"rate_per_month": 1.79},
}
RULE_43 = Rules(n1=13, r1=3, n=43, r=12)
RULE_50 = Rules(n1=13, r1=3, n=50, r=14)


def _grid(vary, defaults=DEFAULTS, **extra):
    return {"defaults": defaults, "grids": [{"vary": vary, **extra}]}


def test_a_design_n_axis_resolves_the_best_rule_at_each_n():
    scenarios = parse_scenarios(_grid({"efs.two_year": [0.2, 0.4], "design.n": [43, 50]}))
    assert [s.name for s in scenarios] == [
        "efs=0.2 n=43",
        "efs=0.2 n=50",
        "efs=0.4 n=43",
        "efs=0.4 n=50",
    ]
    assert [s.design.resolve() for s in scenarios] == [RULE_43, RULE_50, RULE_43, RULE_50]
    assert [s.grid_point["n"] for s in scenarios] == [43, 50, 43, 50]
    assert scenarios[1].grid_keys == {"efs": "efs.two_year", "n": "design.n"}
    # The hypotheses are inherited from defaults.design; only n is set by the axis.
    assert (scenarios[1].design.p1, scenarios[1].design.alpha, scenarios[1].design.n) == (
        0.4,
        0.05,
        50,
    )


def test_a_grid_design_section_supplies_the_hypotheses_over_a_rule_default():
    rule_defaults = {**DEFAULTS, "design": {"p0": 0.2, "n1": 13, "r1": 3, "n": 43, "r": 12}}
    raw = _grid({"design.n": [43, 50]}, defaults=rule_defaults, design=SEARCH)
    assert [s.design.resolve() for s in parse_scenarios(raw)] == [RULE_43, RULE_50]


def test_a_listed_scenario_with_hypotheses_and_n_resolves_the_same():
    raw = {
        "defaults": DEFAULTS,
        "scenarios": [
            {"name": "enrol50", "design": {**SEARCH, "n": 50}},
            {"name": "planned", "design": {**SEARCH, "n": 43}},
        ],
    }
    enrol50, planned = parse_scenarios(raw)
    assert enrol50.design.resolve() == RULE_50
    assert planned.design.resolve() == RULE_43


def test_a_whole_design_axis_of_searches_at_fixed_n_is_named_by_n():
    raw = _grid({"design": [{**SEARCH, "n": 43}, {**SEARCH, "n": 50}]})
    scenarios = parse_scenarios(raw)
    assert [s.name for s in scenarios] == ["n=43", "n=50"]
    assert [s.design.resolve() for s in scenarios] == [RULE_43, RULE_50]


def test_an_impossible_n_is_refused_up_front_naming_the_key_and_the_point():
    raw = _grid({"design.n": [25, 50], "accrual.pause_for_stage1": [False, True]})
    with pytest.raises(ScenarioError) as caught:
        parse_scenarios(raw)
    text = str(caught.value)
    assert re.search(
        r"grids\[0\] point 'n=25 pause=off': design\.n = 25: no Simon two-stage rule with "
        r"n = 25 has alpha <= 0\.05 at p0 = 0\.2 and power >= 0\.8 at p1 = 0\.4",
        text,
    )
    # The same impossible design is reported once per grid, with how many points share it.
    assert "'n=25 pause=on'" not in text
    assert "1 other point of grids[0] has this design" in text
    assert "n=50" not in text
    assert "(1 problem(s))" in text


def test_an_impossible_n_in_a_listed_scenario_names_the_scenario_and_key():
    raw = {"defaults": DEFAULTS, "scenarios": [{"name": "small", "design": {**SEARCH, "n": 25}}]}
    with pytest.raises(ScenarioError, match=r"scenarios\[0\] 'small': design\.n = 25: no Simon"):
        parse_scenarios(raw)


def test_design_n_over_a_full_rule_is_refused():
    # Setting n = 50 in the rule 3/13, 12/43 would silently simulate 3/13, 12/50.
    rule_defaults = {**DEFAULTS, "design": {"p0": 0.2, "n1": 13, "r1": 3, "n": 43, "r": 12}}
    with pytest.raises(ScenarioError, match=r"grids\[0\]\.vary\.design\.n: a design with another"):
        parse_scenarios(_grid({"design.n": [43, 50]}, defaults=rule_defaults))


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ({**SEARCH, "n": 50, "nmax": 60}, r"design: with n fixed, leave out nmax"),
        ({**SEARCH, "n": 50, "kind": "minimax"}, r"design: with n fixed, leave out kind"),
        ({**SEARCH, "n": 50, "r": 14}, r"give either the rule .* or a Simon search"),
    ],
)
def test_a_fixed_n_search_refuses_keys_that_contradict_it(design, message):
    raw = {"defaults": DEFAULTS, "scenarios": [{"name": "s", "design": design}]}
    with pytest.raises(ScenarioError, match=message):
        parse_scenarios(raw)


def test_the_tidy_table_shows_the_resolved_rule():
    scenarios = parse_scenarios(_grid({"design.n": [43, 50]}))
    result = simulate(scenarios, reps=50, seed=1, chunk_size=50)
    designs = result.table.groupby("scenario")["design"].unique().map(list).to_dict()
    assert designs == {"n=43": ["3/13, 12/43"], "n=50": ["3/13, 14/50"]}


def test_the_shipped_example_searches_the_rule_at_each_n():
    from osteo_stats.simulate import load_scenarios

    scenarios = load_scenarios("scenarios/grid_example.yaml")
    rules = {s.grid_point["n"]: s.design.resolve() for s in scenarios}
    assert rules == {43: RULE_43, 50: RULE_50}
    assert {s.grid_keys["n"] for s in scenarios} == {"design.n"}
    assert "efs=0.30 n=50 rate=1.8 pause=on" in {s.name for s in scenarios}
