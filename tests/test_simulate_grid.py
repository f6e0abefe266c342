"""Scenario grids (issue 14): expansion, inheritance, validation, and the grid outputs."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from osteo_stats.simulate import (
    SIMULATION_COLUMNS,
    load_scenarios,
    parse_scenarios,
    simulate,
    write_simulation,
)
from osteo_stats.simulate.runner import ChunkSummary, _Moments, summarise
from osteo_stats.simulate.scenario import MAX_SCENARIOS, Rules, ScenarioError

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
        r"grids\[0\] point 'efs=1.5': efs\.exponential\.two_year = 1\.5: outside its plausible "
        r"range 0 < value < 1",
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


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------

SMALL_GRID = {
    "defaults": DEFAULTS,
    "grids": [
        {
            "name": "g",
            "description": 'Hostile <script>alert("grid")</script> & co',
            "vary": {
                "efs.two_year": [0.2, 0.3],
                "accrual.rate_per_month": [1.0, 1.8],
                "accrual.pause_for_stage1": [False, True],
            },
        }
    ],
}


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    result = simulate(parse_scenarios(SMALL_GRID), reps=300, seed=7, chunk_size=150)
    out = tmp_path_factory.mktemp("grid") / "sim"
    write_simulation(result, out)
    return result, out


def test_mc_se_of_each_rate_by_hand():
    """Fixed case: 400 replicates, 80 rejections, 100 stopped at stage 1, enrolled 13, 13, 43,
    43 (in a 4-replicate mean). By hand: SE(reject) = sqrt(0.2 * 0.8 / 400) = 0.02;
    SE(PET) = sqrt(0.25 * 0.75 / 400) = 0.0216506; SE(mean n) = SD/sqrt(4) with
    SD = sqrt(4 * 15**2 / 3) = 17.3205, so 8.6603."""
    scenario = parse_scenarios({"defaults": DEFAULTS, "scenarios": [{"name": "s"}]})[0]
    summary = ChunkSummary(
        reps=400,
        stopped=100,
        reject={"binary": 80},
        n_enrolled=_Moments.of(np.array([13.0, 13.0, 43.0, 43.0])),
        duration=_Moments.of(np.array([30.0, 30.0, 50.0, 50.0])),
        stage1_decision=_Moments.of(np.array([20.0, 20.0, 20.0, 20.0])),
    )
    row = summarise(scenario, Rules(13, 3, 43, 12), summary).iloc[0]
    assert row["reject_rate"] == 0.2 and row["reject_mc_se"] == pytest.approx(0.02, abs=1e-12)
    assert row["pet"] == 0.25 and row["pet_mc_se"] == pytest.approx(0.0216506351, abs=1e-9)
    assert row["expected_n_mc_se"] == pytest.approx(8.6602540378, abs=1e-9)
    assert row["duration_mc_se"] == pytest.approx(5.7735026919, abs=1e-9)
    assert row["stage1_decision_mc_se"] == 0.0


def test_tidy_table_has_every_rate_with_its_mc_se_and_the_grid_axes(grid_run):
    result, out = grid_run
    table = pd.read_csv(out / "simulation_results.csv")
    assert list(table.columns) == [
        *SIMULATION_COLUMNS,
        "grid",
        "grid_efs",
        "grid_rate",
        "grid_pause",
    ]
    assert len(table) == 8 * 3  # 8 grid points x 3 methods, one row each
    assert set(table["grid"]) == {"g"}
    row = table[
        (table["scenario"] == "g efs=0.3 rate=1.8 pause=on") & (table["method"] == "binary")
    ].iloc[0]
    assert (row["grid_efs"], row["grid_rate"], bool(row["grid_pause"])) == (0.3, 1.8, True)
    for rate, se in (("reject_rate", "reject_mc_se"), ("pet", "pet_mc_se")):
        p = table[rate]
        assert np.allclose(table[se], np.sqrt(p * (1 - p) / 300), rtol=1e-12, atol=0)
    for se in ("expected_n_mc_se", "duration_mc_se", "stage1_decision_mc_se"):
        assert table[se].notna().all()


def test_heatmaps_and_curves_are_written_with_the_axis_values(grid_run):
    _, out = grid_run
    # Text is drawn as paths; matplotlib keeps each string as an XML comment next to it.
    power = (out / "simulation_heatmap_power.svg").read_text("utf-8")
    for text in ("0.2", "0.3", "1.0", "1.8", "efs", "rate", "pause=off", "pause=on"):
        assert f"<!-- {text} -->" in power, text
    assert "<image" not in power  # vector cells, no embedded PNG
    duration = (out / "simulation_heatmap_duration.svg").read_text("utf-8")
    assert "<!-- pause=on -->" in duration and "<!-- 1.8 -->" in duration
    curves = (out / "simulation_power_curves.svg").read_text("utf-8")
    # One line per design and per value of the axes other than the true rate.
    assert "<!-- 3/13, 12/43 rate=1.8 pause=on -->" in curves
    assert "<!-- True landmark (2-year) EFS rate -->" in curves


def test_grid_outputs_are_deterministic(grid_run, tmp_path):
    result, out = grid_run
    write_simulation(result, tmp_path / "again")
    for name in ("simulation_heatmap_power.svg", "simulation_power_curves.svg"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()


def test_html_summary_escapes_a_hostile_scenario_name_and_description(grid_run, tmp_path):
    result, out = grid_run
    html = (out / "simulation_summary.html").read_text("utf-8")
    assert "<script" not in html
    assert "Hostile &lt;script&gt;alert(&#34;grid&#34;)&lt;/script&gt; &amp; co" in html
    assert "g efs=0.3 rate=1.8 pause=on" in html
    assert "<svg" in html and "efs.two_year" in html
    # A name that no scenario file accepts, put straight into the results, is still escaped.
    hostile = '<img src=x onerror="alert(1)">'
    listed = simulate(parse_scenarios({"defaults": DEFAULTS, "scenarios": [{"name": "s"}]}), 50, 1)
    table = listed.table.assign(scenario=hostile)
    write_simulation(dataclasses.replace(listed, table=table), tmp_path / "hostile")
    html = (tmp_path / "hostile" / "simulation_summary.html").read_text("utf-8")
    assert "<img" not in html and 'onerror="' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_cli_runs_a_grid_file_beside_listed_scenarios_and_writes_the_pdf(tmp_path):
    from typer.testing import CliRunner

    from osteo_stats.cli import app
    from osteo_stats.simulate.output import GRID_FILES, OUTPUT_FILES

    scenario_file = tmp_path / "grid.yaml"
    scenario_file.write_text(
        "defaults:\n"
        "  design: {p0: 0.2, n1: 13, r1: 3, n: 43, r: 12}\n"
        "  efs: {two_year: 0.4}\n"
        "  accrual: {rate_per_month: 1.79}\n"
        "scenarios:\n"
        "  - {name: planned}\n"
        "grids:\n"
        "  - vary:\n"
        "      efs.two_year: [0.2, 0.4]\n"
        "      design: [{p0: 0.2, n1: 13, r1: 3, n: 43, r: 12},"
        " {p0: 0.2, n1: 13, r1: 3, n: 50, r: 14}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["simulate", str(scenario_file), "--reps", "100", "--seed", "3", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--pdf"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {*OUTPUT_FILES, *GRID_FILES, "simulation_summary.pdf"} <= names
    assert (out / "simulation_summary.pdf").read_bytes().startswith(b"%PDF-")
    table = pd.read_csv(out / "simulation_results.csv")
    assert len(table) == 5 * 3
    planned = table[table["scenario"] == "planned"]
    assert planned["grid"].isna().all() and planned["grid_n"].isna().all()
    point = table[table["scenario"] == "efs=0.4 n=50"].iloc[0]
    assert (point["grid"], point["grid_efs"], point["grid_n"], point["design"]) == (
        "grids[0]",
        0.4,
        50,
        "3/13, 14/50",
    )


# --------------------------------------------------------------------------------------------
# Bounded up front: Simon searches, huge axes, long echoes (issue 24)
# --------------------------------------------------------------------------------------------

_RULE = {"p0": 0.2, "n1": 13, "r1": 3, "n": 43, "r": 12}


def _grid_file(vary, design=None):
    from osteo_stats.simulate.scenario import parse_scenarios

    defaults = {"design": design or _RULE, "accrual": {"rate_per_month": 1.79}}
    return parse_scenarios({"defaults": defaults, "grids": [{"vary": vary}]}, "g.yaml")


def _no_search(*args, **kwargs):
    raise AssertionError("a Simon search ran before the file was refused")


def test_a_grid_of_costly_simon_searches_is_refused_before_any_search(monkeypatch):
    """100 values of design.p1 near p0 (nmax 500) x 10 EFS values: main searched for about an
    hour, silently, while reading the file. The estimate (3e-9 m**4 s per search, m the
    Neyman-Pearson lower bound of n: 427 at p1 = 0.25, about 88 s measured) is refused
    against MAX_SEARCH_SECONDS before any search, naming the count, estimate and bound."""
    import osteo_stats.analyse.design as design

    monkeypatch.setattr(design, "simon_designs", _no_search)
    monkeypatch.setattr(design, "simon_design_for_n", _no_search)
    search = {"p0": 0.2, "p1": 0.25, "alpha": 0.05, "power": 0.8, "nmax": 500}
    p1 = [round(0.25 + i / 1000, 3) for i in range(100)]
    efs = [round(0.1 + i / 20, 2) for i in range(10)]
    with pytest.raises(ScenarioError) as info:
        _grid_file({"design.p1": p1, "efs.two_year": efs}, design=search)
    message = str(info.value)
    found = re.search(
        r"asks for 100 distinct Simon searches, estimated at ([\d,]+) s; at most 300", message
    )
    assert found and int(found.group(1).replace(",", "")) > 300, message


def test_simon_searches_report_progress_once_per_distinct_design():
    calls = []
    search = {"p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8}
    from osteo_stats.simulate.scenario import parse_scenarios

    defaults = {"design": search, "accrual": {"rate_per_month": 1.79}}
    raw = {
        "defaults": defaults,
        "grids": [{"vary": {"design.n": [43, 50], "efs.two_year": [0.2, 0.4]}}],
    }
    scenarios = parse_scenarios(raw, "g.yaml", progress=lambda *a: calls.append(a))
    assert len(scenarios) == 4
    assert [c[:2] for c in calls] == [(0, 2), (1, 2), (2, 2)]
    assert calls[0][2] == pytest.approx(0.6)  # two fixed-n searches at the 0.3 s floor


def test_an_axis_of_a_million_values_is_refused_quickly_naming_its_length(monkeypatch):
    """10^6 axis values: refused by the axis length before anything is expanded or formatted
    (main formatted every value first, 8 s). Asserted by work, not time: no value is
    formatted."""
    import osteo_stats.simulate.scenario as scenario

    monkeypatch.setattr(scenario, "axis_decimals", _no_search)
    with pytest.raises(
        ScenarioError,
        match=r"vary\.efs\.two_year: 1,000,000 values; a file "
        r"describes at most 1,000 scenarios",
    ):
        _grid_file({"efs.two_year": [i / 1e6 for i in range(1, 10**6 + 1)]})


def test_repeated_axis_values_are_named_not_echoed_whole():
    """245,000 repeated values were echoed whole (1.2 MB); more than 1,000 are now refused by
    the axis length, and up to 1,000 the repeated values are named with their counts."""
    with pytest.raises(ScenarioError) as info:
        _grid_file({"efs.two_year": [0.3] * 990 + [0.2, 0.2]})
    message = str(info.value)
    assert len(message) < 400, len(message)
    assert "values must not repeat; repeated: 0.3 (990 times), 0.2 (2 times)." in message


def test_probabilities_outside_0_1_on_an_axis_name_the_point_value_and_range():
    with pytest.raises(ScenarioError) as info:
        _grid_file({"efs.two_year": [1.5, -0.2, 0.3]})
    message = str(info.value)
    assert "point 'efs=1.5': efs.exponential.two_year = 1.5: outside its plausible range " in (
        message
    )
    assert "point 'efs=-0.2': efs.exponential.two_year = -0.2: outside its plausible range " in (
        message
    )
    assert "0 < value < 1" in message
