"""Power simulation for design changes: scenarios, conduct rules, reproducibility, validation.

The simulation is validated against the exact Simon operating characteristics
(:func:`osteo_stats.analyse.design.operating_characteristics`, itself checked against Simon's
1989 table in ``tests/test_design.py``) where both exist: binomial outcomes (no dropout,
everyone followed to 24 months). The KM landmark and log-rank decisions are checked trial by
trial against the one-trial library functions (``kaplan_meier``, ``one_sample_logrank``).
Seeds are fixed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from osteo_stats.analyse.design import operating_characteristics
from osteo_stats.analyse.survival import kaplan_meier, one_sample_logrank
from osteo_stats.cli import app
from osteo_stats.errors import OutputRefused
from osteo_stats.outputs import MANIFEST_NAME
from osteo_stats.simulate import (
    SIMULATION_COLUMNS,
    ScenarioError,
    TrialDraws,
    analyse_trials,
    draw_trials,
    load_scenarios,
    parse_scenarios,
    simulate,
    write_simulation,
)
from osteo_stats.simulate.scenario import Rules

REPO = Path(__file__).resolve().parents[1]
PROMIS = {"p0": 0.20, "n1": 13, "r1": 3, "n": 43, "r": 12}


def _scenarios(*entries, **defaults):
    base = {"design": PROMIS, "accrual": {"rate_per_month": 1.79}}
    base.update(defaults)
    return parse_scenarios({"defaults": base, "scenarios": list(entries)}, "test.yaml")


# --------------------------------------------------------------------------------------------
# Scenario file
# --------------------------------------------------------------------------------------------


def test_example_scenario_file_loads():
    scenarios = load_scenarios(REPO / "scenarios" / "promis.yaml")
    names = [s.name for s in scenarios]
    assert names[:2] == ["planned_h0", "planned_h1"]
    assert {s.efs.distribution for s in scenarios} == {
        "exponential",
        "weibull",
        "piecewise_exponential",
        "cure_mixture",
    }
    redesign = next(s for s in scenarios if s.name == "historical25_redesign_h1")
    rules = redesign.design.resolve()
    assert rules.n is not None and rules.n1 is not None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "a", "efs": {"two_year": 1.2}}, r"scenarios\[0\] 'a': efs\..*two_year = 1.2"),
        (
            {"name": "a", "efs": {"two_year": 0.4}, "accrual": {"rate": 2}},
            r"scenarios\[0\] 'a': accrual.rate: unknown key",
        ),
        (
            {"name": "a", "efs": {"two_year": 0.4}, "accrual": {"rate_per_month": -1}},
            r"accrual.rate_per_month = -1: outside its plausible range 0\.1 <= value <= 1000 ",
        ),
        (
            {"name": "a", "efs": {"distribution": "weibull", "shape": 2}},
            r"give exactly one of two_year, scale_months",
        ),
        ({"name": "a", "efs": {"distribution": "gompertz"}}, r"efs: Input tag 'gompertz'"),
        (
            {
                "name": "a",
                "efs": {"two_year": 0.4},
                "design": {"p0": 0.2, "n": 9, "r": 2, "p1": 0.4},
            },
            r"design: give either the rule .* not both",
        ),
        (
            {"name": "a", "efs": {"two_year": 0.4}, "design": {"p0": 0.2, "p1": 0.4}},
            r"a Simon search needs p1, alpha and power; missing alpha, power",
        ),
        ({"efs": {"two_year": 0.4}}, r"scenarios\[0\]: name: required key is missing"),
        (
            {"name": "a", "efs": {"two_year": 0.4}, "analysis": {"methods": ["cox"]}},
            r"analysis.methods.0 = 'cox'",
        ),
        (
            {
                "name": "a",
                "efs": {
                    "distribution": "piecewise_exponential",
                    "breaks_months": [6, 3],
                    "rates_per_month": [0.1, 0.1, 0.1],
                },
            },
            r"breaks_months must be finite, > 0 and increasing",
        ),
    ],
)
def test_invalid_scenarios_name_the_scenario_and_key(entry, message):
    with pytest.raises(ScenarioError, match=message):
        _scenarios(entry)


def test_design_and_efs_replace_the_defaults_as_a_whole():
    """A single-stage rule must not inherit the default n1/r1; other sections merge by key."""
    (scenario,) = _scenarios(
        {
            "name": "single",
            "efs": {"median_months": 12},
            "design": {"p0": 0.2, "n": 30, "r": 8},
            "accrual": {"ramp_up_months": 3},
        },
        efs={"distribution": "weibull", "shape": 2, "two_year": 0.4},
    )
    assert scenario.design.resolve() == Rules(n1=None, r1=None, n=30, r=8)
    assert scenario.efs.distribution == "exponential"
    assert (scenario.accrual.rate_per_month, scenario.accrual.ramp_up_months) == (1.79, 3)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ScenarioError, match=r"\(3 problem\(s\)\)") as info:
        _scenarios(
            {"name": "a", "efs": {"two_year": 2}},
            {"name": "a", "efs": {"two_year": 0.4}, "dropout": {"proportion": 1.5}},
        )
    assert "'a' is already used by scenarios[0]" in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenarios(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenarios(bad)


# --- Hostile and broken scenario files (issue 10, section 7 "Config files") ---

SCENARIO_LAUGHS = """\
defaults:
  design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}
  efs: {two_year: 0.4}
  accrual: {rate_per_month: 1.79}
scenarios:
  - name: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  - name: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  - name: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  - name: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  - name: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  - name: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  - name: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  - name: [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""

GOOD_SCENARIO = """\
scenarios:
  - name: planned
    design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}
    efs: {two_year: 0.4}
    accrual: {rate_per_month: 1.79}
"""


def _file(tmp_path, text):
    path = tmp_path / "scenarios.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_billion_laughs_in_a_scenario_name_is_refused_up_front(tmp_path):
    assert len(SCENARIO_LAUGHS) < 1024
    with pytest.raises(
        ScenarioError, match=r"scenario file: scenarios\[0\]\.name: YAML anchor &a at line 6"
    ):
        load_scenarios(_file(tmp_path, SCENARIO_LAUGHS))


def test_cli_simulate_refuses_billion_laughs(tmp_path):
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    path = _file(tmp_path, SCENARIO_LAUGHS)
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "YAML anchor &a" in result.output
    assert not (tmp_path / "o").exists()


def test_duplicate_scenario_key_is_refused_naming_it(tmp_path):
    text = GOOD_SCENARIO.replace(
        "    efs: {two_year: 0.4}\n", "    efs: {two_year: 0.4}\n    efs: {two_year: 0.2}\n"
    )
    with pytest.raises(
        ScenarioError, match=r"scenarios\[0\]\.efs: duplicate key \(lines 4 and 5\)"
    ):
        load_scenarios(_file(tmp_path, text))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "two_year: 0.4",
            "two_year: .nan",
            r"efs\.exponential\.two_year = nan: Input should be a finite",
        ),
        (
            "rate_per_month: 1.79",
            "rate_per_month: .inf",
            r"accrual\.rate_per_month = inf: Input should be a finite number",
        ),
        (
            "efs: {two_year: 0.4}",
            "efs: {distribution: weibull, shape: .inf, two_year: 0.4}",
            r"efs\.weibull\.shape = inf: Input should be a finite number",
        ),
        (
            "efs: {two_year: 0.4}",
            "efs: {distribution: piecewise_exponential, breaks_months: [12, 6], "
            "rates_per_month: [0.1, 0.1, 0.1]}",
            r"breaks_months must be finite, > 0 and increasing; received \[12\.0, 6\.0\]",
        ),
    ],
)
def test_non_finite_and_reversed_scenario_values_name_the_key(tmp_path, old, new, message):
    text = GOOD_SCENARIO.replace(old, new)
    assert text != GOOD_SCENARIO
    with pytest.raises(ScenarioError, match=message):
        load_scenarios(_file(tmp_path, text))


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp, r"scenario file: is a directory, not a YAML file"),
        (lambda tmp: _file(tmp, "\n"), r"scenario file: file is empty"),
    ],
)
def test_directory_or_empty_scenario_file_is_a_clear_error(tmp_path, setup, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenarios(setup(tmp_path))


def test_efs_distributions_invert_their_survival_function():
    scenarios = _scenarios(
        {"name": "exp", "efs": {"two_year": 0.4}},
        {"name": "wei", "efs": {"distribution": "weibull", "shape": 0.7, "two_year": 0.4}},
        {
            "name": "pw",
            "efs": {
                "distribution": "piecewise_exponential",
                "breaks_months": [6, 12],
                "rates_per_month": [0.06, 0.0, 0.0305],
            },
        },
        {
            "name": "cure",
            "efs": {
                "distribution": "cure_mixture",
                "cure_fraction": 0.3,
                "uncured": {"distribution": "exponential", "median_months": 9},
            },
        },
    )
    u = np.linspace(0.01, 0.99, 99)
    for scenario in scenarios:
        t = scenario.efs.isf(u)
        finite = np.isfinite(t)
        np.testing.assert_allclose(scenario.efs.survival(t[finite]), u[finite], atol=1e-12)
    exp, wei, pw, cure = scenarios
    assert exp.true_efs_landmark == pytest.approx(0.4, abs=1e-14)
    assert wei.true_efs_landmark == pytest.approx(0.4, abs=1e-14)
    # Hand calculation: H(24) = 0.06 * 6 + 0 * 6 + 0.0305 * 12.
    assert pw.true_efs_landmark == pytest.approx(math.exp(-(0.36 + 0.366)), abs=1e-14)
    assert cure.true_efs_landmark == pytest.approx(0.3 + 0.7 * 2 ** (-24 / 9), abs=1e-14)
    # Cured patients never have an event.
    assert np.isinf(cure.efs.isf(np.array([0.1, 0.3]))).all()


def test_draws_follow_the_scenario():
    (scenario,) = _scenarios(
        {
            "name": "s",
            "efs": {"two_year": 0.4},
            "accrual": {"rate_per_month": 2.0, "ramp_up_months": 4},
            "dropout": {"proportion": 0.15, "by_month": 24},
        }
    )
    draws = draw_trials(scenario, 43, 20_000, np.random.default_rng(1))
    assert np.all(np.diff(draws.arrival, axis=1) > 0)
    assert np.mean(draws.event_time > 24) == pytest.approx(0.4, abs=4 * 0.0035)
    assert np.mean(draws.dropout_time <= 24) == pytest.approx(0.15, abs=4 * 0.0025)
    # Ramp-up: expected arrivals by month 4 are 2 * 4 / 2 = 4, then 2 per month.
    assert np.mean((draws.arrival <= 4).sum(axis=1)) == pytest.approx(4.0, abs=0.05)
    assert np.mean((draws.arrival <= 10).sum(axis=1)) == pytest.approx(16.0, abs=0.1)


# --------------------------------------------------------------------------------------------
# Conduct rules on hand-made trials
# --------------------------------------------------------------------------------------------


def _tiny(pause: bool):
    (scenario,) = _scenarios(
        {
            "name": "tiny",
            "efs": {"two_year": 0.4},
            "design": {"p0": 0.2, "n1": 2, "r1": 0, "n": 4, "r": 1},
            "accrual": {"rate_per_month": 1.0, "pause_for_stage1": pause},
        }
    )
    inf = np.inf
    draws = TrialDraws(
        arrival=np.array([[0.0, 1, 2, 3], [0, 1, 2, 30], [0, 1, 2, 3]]),
        event_time=np.array([[5.0, inf, inf, inf], [5, 3, inf, inf], [inf, inf, inf, inf]]),
        dropout_time=np.full((3, 4), inf),
    )
    return analyse_trials(scenario, scenario.design.resolve(), draws)


def test_stage1_decision_enrolment_and_duration_by_hand():
    """n1 = 2, r1 = 0, n = 4, r = 1, landmark 24, final analysis 24 months after the last.

    Trial 0: patient 0 fails at 5, patient 1 is a success known at 1 + 24 = 25: continue at 25;
    3 successes > 1: reject; analysis at 3 + 24 = 27. Trial 1: both stage-1 patients fail,
    known at 5 and 1 + 3 = 4: stop at 5; patients arrived by then: 3. Trial 2: no events;
    the first success is known at 0 + 24 = 24: continue; analysis at 27.
    """
    result = _tiny(pause=False)
    assert result.stopped.tolist() == [False, True, False]
    np.testing.assert_array_equal(result.stage1_decision, [25.0, 5.0, 24.0])
    assert result.n_enrolled.tolist() == [4, 3, 4]
    np.testing.assert_array_equal(result.duration, [27.0, 5.0, 27.0])
    assert result.reject["binary"].tolist() == [True, False, True]


def test_pause_for_stage1_delays_stage2_and_gives_simon_sample_size():
    """With the pause, stage 2 starts at the decision with the same gaps: trial 2's patients
    2 and 3 enrol at 24 + 1 and 24 + 2, so the analysis is at 26 + 24 = 50."""
    result = _tiny(pause=True)
    assert result.n_enrolled.tolist() == [4, 2, 4]
    np.testing.assert_array_equal(result.duration, [25 + 2 + 24, 5.0, 50.0])


def test_km_and_logrank_decisions_agree_with_the_one_trial_functions():
    """Recompute each trial's analysis data by the documented rule (calendar cut at month 30,
    15% dropout) and test it with kaplan_meier / one_sample_logrank."""
    (scenario,) = _scenarios(
        {
            "name": "check",
            "efs": {"distribution": "weibull", "shape": 0.8, "two_year": 0.35},
            "design": {"p0": 0.2, "n": 30, "r": 8},
            "dropout": {"proportion": 0.15},
            "analysis": {"timing": "calendar", "months": 40},
        }
    )
    rules = scenario.design.resolve()
    draws = draw_trials(scenario, rules.n, 150, np.random.default_rng(11))
    result = analyse_trials(scenario, rules, draws)
    cut = 40.0
    for i in range(150):
        enrolled = draws.arrival[i] <= cut
        follow = cut - draws.arrival[i][enrolled]
        t_event, t_drop = draws.event_time[i][enrolled], draws.dropout_time[i][enrolled]
        time = np.minimum(np.minimum(t_event, t_drop), follow)
        event = t_event <= np.minimum(t_drop, follow)
        lower = kaplan_meier(time, event, conf_level=0.90).survival_at([24.0])["lower"].iloc[0]
        assert result.reject["km_landmark"][i] == (not np.isnan(lower) and lower > 0.2)
        p = one_sample_logrank(time, event, survival_at=0.2, landmark=24).p_value
        assert result.reject["logrank"][i] == (p < 0.05)
        successes = np.sum((t_event >= 24) & (t_drop >= 24) & (follow >= 24))
        assert result.reject["binary"][i] == (successes > rules.r)
        assert result.n_enrolled[i] == enrolled.sum()
    assert np.isnan(result.stage1_decision).all() and not result.stopped.any()
    assert 0 < result.reject["km_landmark"].sum() < 150


# --------------------------------------------------------------------------------------------
# Validation against the exact operating characteristics
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.20, 0.30, 0.40])
def test_simulation_agrees_with_exact_simon_oc(p):
    """Binomial outcomes (no dropout, everyone followed to 24 months, accrual paused for
    stage 1 so that a stopped trial has n1 patients): the simulated reject rate, PET and EN
    must be within 4 Monte-Carlo SEs of the exact values (fixed seed)."""
    scenarios = _scenarios(
        {
            "name": "binomial",
            "efs": {"two_year": p},
            "accrual": {"rate_per_month": 1.79, "pause_for_stage1": True},
            "analysis": {"methods": ["binary"]},
        }
    )
    reps = 20_000
    row = simulate(scenarios, reps=reps, seed=20240301).table.iloc[0]
    exact = operating_characteristics(Rules(n1=13, r1=3, n=43, r=12), p).iloc[0]
    assert row["exact_reject"] == pytest.approx(exact["prob_reject"], abs=1e-12)
    assert abs(row["reject_rate"] - exact["prob_reject"]) <= 4 * row["reject_mc_se"]
    assert abs(row["pet"] - exact["pet"]) <= 4 * row["pet_mc_se"]
    assert abs(row["expected_n"] - exact["en"]) <= 4 * row["expected_n_mc_se"]
    assert row["exact_en"] == pytest.approx(exact["en"], abs=1e-12)


def test_dropout_counts_as_failure_in_the_binary_analysis():
    """With 15% dropout by 24 months the binary success probability is 0.4 * 0.85 = 0.34 and
    the simulation matches the exact OC at 0.34."""
    scenarios = _scenarios(
        {"name": "drop", "efs": {"two_year": 0.4}, "dropout": {"proportion": 0.15}}
    )
    row = simulate(scenarios, reps=20_000, seed=5).table.set_index("method").loc["binary"]
    assert row["p_success"] == pytest.approx(0.34, abs=1e-12)
    exact = operating_characteristics(Rules(n1=13, r1=3, n=43, r=12), 0.34).iloc[0]
    assert abs(row["reject_rate"] - exact["prob_reject"]) <= 4 * row["reject_mc_se"]
    assert math.isnan(row["exact_en"])  # accrual not paused: EN is not Simon's


def test_without_a_pause_accrual_continues_while_stage1_is_pending():
    """SAP 5.5: stage 1 takes about two years to read out, so under H0 most of the 43 are
    enrolled before the futility decision; the expected N far exceeds Simon's EN(p0) = 20.6."""
    scenarios = _scenarios({"name": "h0", "efs": {"two_year": 0.2}})
    row = simulate(scenarios, reps=4_000, seed=3).table.iloc[0]
    assert row["expected_n"] > 30
    assert row["mean_stage1_decision_months"] > 13 / 1.79


# --------------------------------------------------------------------------------------------
# Reproducibility and parallelism
# --------------------------------------------------------------------------------------------


def test_results_do_not_depend_on_jobs():
    scenarios = _scenarios(
        {"name": "h0", "efs": {"two_year": 0.2}},
        {"name": "h1", "efs": {"two_year": 0.4}, "dropout": {"proportion": 0.1}},
    )
    serial = simulate(scenarios, reps=3_000, seed=42, jobs=1, chunk_size=1_000)
    parallel = simulate(scenarios, reps=3_000, seed=42, jobs=2, chunk_size=1_000)
    pd.testing.assert_frame_equal(serial.table, parallel.table, check_exact=True)
    other = simulate(scenarios, reps=3_000, seed=43, jobs=1, chunk_size=1_000)
    assert not serial.table["reject_rate"].equals(other.table["reject_rate"])


def test_adding_a_scenario_does_not_change_the_others_and_progress_is_reported():
    one = _scenarios({"name": "h1", "efs": {"two_year": 0.4}})
    two = _scenarios(
        {"name": "h1", "efs": {"two_year": 0.4}}, {"name": "x", "efs": {"two_year": 0.3}}
    )
    seen: list[int] = []
    first = simulate(one, reps=2_500, seed=9, chunk_size=1_000, progress=seen.append)
    both = simulate(two, reps=2_500, seed=9, chunk_size=1_000)
    assert seen == [1_000, 1_000, 500]
    pd.testing.assert_frame_equal(first.table, both.table.iloc[:3], check_exact=True)
    assert list(first.table.columns) == list(SIMULATION_COLUMNS)


def test_simulate_refuses_bad_arguments():
    scenarios = _scenarios({"name": "h1", "efs": {"two_year": 0.4}})
    with pytest.raises(ValueError, match="reps must be an integer >= 2"):
        simulate(scenarios, reps=1, seed=1)
    with pytest.raises(ValueError, match="jobs must be a non-zero integer"):
        simulate(scenarios, reps=10, seed=1, jobs=0)


# --------------------------------------------------------------------------------------------
# Output and CLI
# --------------------------------------------------------------------------------------------


def test_write_simulation_is_atomic_and_refuses_a_foreign_directory(tmp_path):
    scenarios = _scenarios({"name": "h1", "efs": {"two_year": 0.4}})
    result = simulate(scenarios, reps=500, seed=1)
    out = tmp_path / "sim"
    written = write_simulation(result, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in written] + [MANIFEST_NAME]
    )
    table = pd.read_csv(out / "simulation_results.csv")
    assert list(table.columns) == list(SIMULATION_COLUMNS)
    write_simulation(result, out)  # a previous run is replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputRefused, match="not written by osteo-stats"):
        write_simulation(result, foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_cli_simulate_writes_results(tmp_path):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(
        "defaults:\n"
        "  design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}\n"
        "  accrual: {rate_per_month: 1.79}\n"
        "scenarios:\n"
        "  - {name: h1, efs: {two_year: 0.4}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["simulate", str(scenario_file), "--reps", "300", "--seed", "1", "--out", str(out)]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (out / "simulation_results.csv").is_file()
    assert (out / "simulation_power.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")

    scenario_file.write_text("scenarios:\n  - {name: h1, efs: {two_year: 0.4}}\n", "utf-8")
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "design: required key is missing" in result.output


def test_cli_design_simon_plots_are_deterministic(tmp_path):
    runner = CliRunner()
    args = ["design", "simon", "--p0", "0.2", "--p1", "0.4", "--plots", str(tmp_path / "p")]
    assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    first = {
        name: (tmp_path / "p" / name).read_text("utf-8")
        for name in ("simon_frontier.svg", "simon_oc.svg")
    }
    assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    for name, text in first.items():
        assert text == (tmp_path / "p" / name).read_text("utf-8")
        assert "<svg" in text


# --------------------------------------------------------------------------------------------
# No bias from time arithmetic (issue 10, section 4)
# --------------------------------------------------------------------------------------------


def _simon_reject(r1: int, n1: int, r: int, n: int, p: float) -> float:
    """P(X1 > r1 and X1 + X2 > r), X1 ~ Bin(n1, p), X2 ~ Bin(n - n1, p), by direct sums."""

    def pmf(k: int, size: int) -> float:
        return math.comb(size, k) * p**k * (1 - p) ** (size - k)

    return sum(
        pmf(x1, n1) * sum(pmf(x2, n - n1) for x2 in range(max(r - x1 + 1, 0), n - n1 + 1))
        for x1 in range(r1 + 1, n1 + 1)
    )


@pytest.mark.parametrize(
    ("r1", "n1", "r", "n", "p", "r_value"),
    [
        (2, 10, 7, 22, 0.25, 0.1433776930),
        (2, 10, 7, 22, 0.45, 0.8064638902),
        (3, 13, 12, 43, 0.20, 0.0495814497),
        (3, 13, 12, 43, 0.40, 0.8002143562),
    ],
)
def test_simulated_rejection_rate_is_unbiased_without_censoring(r1, n1, r, n, p, r_value):
    """No dropout, final analysis 24 months after the last enrolment: every patient's binary
    status is known, so P(reject) is the exact Simon value. 10^6 replicates give an MC SE of
    at most 0.0005; the bias of the old float arithmetic (the last patient's follow-up
    ``(t + 24) - t`` rounding below 24 in ~13% of trials: 0.8016 vs 0.8065 for 2/10, 7/22 at
    0.45; 0.0479 vs 0.0496 for 3/13, 12/43 at 0.20) is 7 to 12 SEs and fails this test.

    Reference values from R 4.2 (base ``dbinom``/``pbinom``; what ``clinfun::oc.twostage.bdry``
    sums), also recomputed here by hand-coded binomial sums::

        oc <- function(r1, n1, r, n, p) {
          x1 <- (r1 + 1):n1
          sum(dbinom(x1, n1, p) * pbinom(r - x1, n - n1, p, lower.tail = FALSE))
        }
        sprintf("%.10f", oc(2, 10, 7, 22, 0.45))   # 0.8064638902
    """
    exact = _simon_reject(r1, n1, r, n, p)
    assert exact == pytest.approx(r_value, abs=1e-10)
    (scenario,) = _scenarios(
        {
            "name": "binomial",
            "design": {"p0": 0.2, "n1": n1, "r1": r1, "n": n, "r": r},
            "efs": {"two_year": p},
            "analysis": {"methods": ["binary"], "timing": "min_followup", "months": 24},
        }
    )
    reps = 1_000_000
    row = simulate([scenario], reps=reps, seed=20241129).table.iloc[0]
    se = math.sqrt(exact * (1 - exact) / reps)
    assert abs(row["reject_rate"] - exact) <= 3.5 * se, (row["reject_rate"], exact, se)


def test_last_patient_followed_exactly_to_the_landmark_counts_as_a_success():
    """One-patient-per-row trials enrolled at awkward float times: analysed 24 months after
    enrolment, an event-free patient is a known success (r = 0: one success rejects)."""
    (scenario,) = _scenarios(
        {
            "name": "tie",
            "design": {"p0": 0.2, "n": 2, "r": 1},
            "efs": {"two_year": 0.4},
            "analysis": {"methods": ["binary"]},
        }
    )
    starts = np.array([0.1, 23.3, 21.460580527450777, 9.247280056072501, 5.7])
    arrival = np.column_stack([np.zeros_like(starts), starts])
    assert np.any((starts + 24) - starts < 24)  # the raw float trap is present in these inputs
    draws = TrialDraws(
        arrival=arrival,
        event_time=np.full(arrival.shape, np.inf),
        dropout_time=np.full(arrival.shape, np.inf),
    )
    result = analyse_trials(scenario, scenario.design.resolve(), draws)
    assert result.reject["binary"].all()


def test_huge_reps_is_refused_up_front_and_memory_does_not_grow_with_reps(tmp_path):
    """`simulate --reps 1000000000000` used to spawn 5 * 10**8 seeds and keep every replicate
    (out of memory after minutes). It is now refused at once, naming the option and the limit;
    and a run's summary state does not grow with reps (chunks are summarised as they finish)."""
    import time

    from osteo_stats.simulate.runner import MAX_REPS

    scenarios = _scenarios({"name": "h1", "efs": {"two_year": 0.4}})
    with pytest.raises(ValueError, match=r"reps must be an integer >= 2 and <= 10,000,000"):
        simulate(scenarios, reps=MAX_REPS + 1, seed=1)
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(
        "defaults:\n"
        "  design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}\n"
        "  accrual: {rate_per_month: 1.79}\n"
        "scenarios:\n"
        "  - {name: h1, efs: {two_year: 0.4}}\n",
        encoding="utf-8",
    )
    args = ["simulate", str(scenario_file), "--reps", "1000000000000", "--out", str(tmp_path / "o")]
    start = time.monotonic()
    result = CliRunner().invoke(app, args)
    assert time.monotonic() - start < 10
    assert result.exit_code == 2
    assert "--reps" in result.output and "10000000" in result.output
    assert not (tmp_path / "o").exists()


def test_streamed_summary_equals_the_summary_of_all_replicates():
    """Merging chunk summaries gives the mean and SE of the pooled replicates."""
    from osteo_stats.simulate.runner import ChunkSummary, run_chunk, summarise

    (scenario,) = _scenarios({"name": "h1", "efs": {"two_year": 0.4}})
    rules = scenario.design.resolve()
    seeds = np.random.SeedSequence(5).spawn(3)
    parts = [
        analyse_trials(
            scenario, rules, draw_trials(scenario, rules.n, size, np.random.default_rng(sd))
        )
        for size, sd in zip((700, 700, 301), seeds, strict=True)
    ]
    merged = ChunkSummary()
    for size, sd in zip((700, 700, 301), seeds, strict=True):
        merged = merged.merge(run_chunk(scenario, rules, sd, size))
    row = summarise(scenario, rules, merged).iloc[0]
    n_enrolled = np.concatenate([p.n_enrolled for p in parts]).astype(float)
    duration = np.concatenate([p.duration for p in parts])
    assert row["reps"] == 1701
    assert row["expected_n"] == pytest.approx(n_enrolled.mean(), rel=1e-12)
    assert row["expected_n_mc_se"] == pytest.approx(
        n_enrolled.std(ddof=1) / math.sqrt(1701), rel=1e-9
    )
    assert row["duration_mc_se"] == pytest.approx(duration.std(ddof=1) / math.sqrt(1701), rel=1e-9)
    stopped = np.concatenate([p.stopped for p in parts])
    assert row["pet"] == pytest.approx(stopped.mean(), abs=0)


@pytest.mark.parametrize(
    ("section", "key", "value", "shown", "plausible"),
    [
        # main: OverflowError
        ("efs", "rate_per_month", 1e-300, "1e-300", "0.0001 <= value <= 100 per month"),
        # main: silently a rate of 1 per month
        ("efs", "rate_per_month", True, "True", "0.0001 <= value <= 100 per month"),
        # main: ValueError from numpy
        ("accrual", "ramp_up_months", 1e308, "1e+308", "0 <= value <= 240 months"),
        # main: inf written into simulation_results.csv
        ("analysis", "months", 1e308, "1e+308", "0 < value <= 240 months"),
        ("analysis", "months", 240.001, "240.001", "0 < value <= 240 months"),
        ("accrual", "rate_per_month", "2", "'2'", "0.1 <= value <= 1000 patients per month"),
        ("accrual", "pause_for_stage1", 1, "1", None),
        ("design", "n", 43.0, "43.0", "1 <= value <= 500 patients"),
    ],
)
def test_a_scenario_number_outside_its_plausible_range_names_key_value_and_range(
    section, key, value, shown, plausible
):
    entry = {"name": "a", "efs": {"two_year": 0.4}}
    if section == "efs":
        entry["efs"] = {key: value}
    elif section == "design":
        entry["design"] = {**PROMIS, key: value}
    else:
        entry[section] = (
            {"rate_per_month": 1.79, key: value} if section == "accrual" else {key: value}
        )
    with pytest.raises(ScenarioError) as info:
        _scenarios(entry)
    message = str(info.value)
    assert message.startswith("test.yaml: the scenario file is invalid")
    assert f"scenarios[0] 'a': {section}." in message and f".{key} = {shown}: " in message
    if plausible is not None:
        assert f"plausible range {plausible}" in message or f"range is {plausible}" in message


@pytest.mark.parametrize(
    "section, key, value", [("analysis", "months", 240), ("efs", "rate_per_month", 1e-4)]
)
def test_a_scenario_number_at_the_end_of_its_range_is_accepted(section, key, value):
    entry = {"name": "a", "efs": {"two_year": 0.4}, section: {key: value}}
    (scenario,) = _scenarios(entry)
    assert getattr(getattr(scenario, section), key) == value


@pytest.mark.parametrize("jobs", ["99999999999999999999", "4097", "-4097"])
def test_jobs_beyond_its_bound_is_a_usage_error_not_an_overflow(tmp_path, jobs):
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(REPO / "scenarios/promis.yaml"),
            "--reps",
            "2",
            "--jobs",
            jobs,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "Invalid value for '--jobs'" in text and "4096" in text
    assert not (tmp_path / "out").exists()


def test_every_number_of_a_scenario_file_has_a_documented_plausible_range():
    import typing

    from osteo_stats.plausible import plausible_range
    from osteo_stats.simulate.scenario import (
        AccrualSpec,
        AnalysisSpec,
        CureMixtureEFS,
        DesignSpec,
        DropoutSpec,
        ExponentialEFS,
        PiecewiseExponentialEFS,
        WeibullEFS,
    )

    def numeric(annotation):
        args = typing.get_args(annotation)
        return annotation in (int, float) or any(numeric(a) for a in args)

    models = (AccrualSpec, AnalysisSpec, CureMixtureEFS, DesignSpec, DropoutSpec)
    models += (ExponentialEFS, PiecewiseExponentialEFS, WeibullEFS)
    keys = [(m, k) for m in models for k, f in m.model_fields.items() if numeric(f.annotation)]
    assert len(keys) >= 25
    assert [f"{m.__name__}.{k}" for m, k in keys if plausible_range(m, (k,)) is None] == []
