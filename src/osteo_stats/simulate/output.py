"""Write a simulation run: the tidy results table, the plots, an HTML summary and provenance.

The output directory is assembled in a scratch directory and swapped in only when complete
(:func:`osteo_stats.outputs.atomic_output_dir`), so a failed run leaves nothing half-written.
The directory may only be new, empty or an earlier osteo-stats output, the one rule of
:func:`osteo_stats.outputs.check_output_dir`.

Files: :data:`OUTPUT_FILES` always; with a scenario grid of at least two axes also
:data:`GRID_FILES`, the heatmaps of the first such grid (its first two axes on the map, one
panel per combination of the others; order the axes in the file to choose).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from osteo_stats.outputs import atomic_output_dir
from osteo_stats.safe_csv import frame_csv_text
from osteo_stats.simulate.runner import SimulationResult
from osteo_stats.simulate.scenario import axis_decimals

__all__ = ["GRID_FILES", "OUTPUT_FILES", "results_table", "write_simulation"]

#: Files written by :func:`write_simulation` for every run.
OUTPUT_FILES: tuple[str, ...] = (
    "simulation_results.csv",
    "simulation_power.svg",
    "simulation_conduct.svg",
    "simulation.json",
    "simulation_power_curves.svg",
    "simulation_summary.html",
)

#: Written in addition when a grid varies at least two axes.
GRID_FILES: tuple[str, ...] = ("simulation_heatmap_power.svg", "simulation_heatmap_duration.svg")

#: Columns shown in the HTML summary's table (the CSV has them all).
_SUMMARY_COLUMNS = (
    "scenario",
    "method",
    "design",
    "true_efs_landmark",
    "reject_rate",
    "reject_mc_se",
    "pet",
    "pet_mc_se",
    "expected_n",
    "expected_n_mc_se",
    "mean_duration_months",
    "duration_mc_se",
)


def results_table(result: SimulationResult) -> pd.DataFrame:
    """The tidy table: :attr:`SimulationResult.table` (every rate with its Monte-Carlo SE) and,
    when any scenario is a grid point, ``grid`` (the grid's name) and one ``grid_<label>``
    column per axis (the point's value on it; empty for listed scenarios)."""
    table = result.table
    points = [s for s in result.scenarios if s.grid is not None]
    if not points:
        return table
    labels = list(dict.fromkeys(label for s in points for label in s.grid_point))
    axes = pd.DataFrame(
        [
            {
                "scenario": s.name,
                "grid": s.grid or "",
                **{f"grid_{label}": s.grid_point.get(label) for label in labels},
            }
            for s in result.scenarios
        ]
    )
    return table.merge(axes, on="scenario", how="left", validate="many_to_one")


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """Grid values as they read in scenario names (on/off, 0.20) for the figures."""
    shown = table.copy()
    for column in shown.columns:
        if not column.startswith("grid_"):
            continue
        given = shown[column].dropna()  # listed scenarios have no grid values
        kinds = given.map(type)
        if given.empty:
            continue
        if kinds.eq(bool).all():
            shown[column] = shown[column].map({True: "on", False: "off"})
        elif kinds.eq(float).all():
            places = max(axis_decimals(value) for value in given)
            shown[column] = shown[column].map(
                lambda value, p=places: value if pd.isna(value) else f"{value:.{p}f}"
            )
    return shown


def _figures(result: SimulationResult, table: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """File name -> (title, SVG) of every figure."""
    from osteo_stats.tlf.plots.simulation import (
        simulation_conduct_svg,
        simulation_heatmap_svg,
        simulation_power_curves_svg,
        simulation_power_svg,
    )

    shown = _shown(table)
    keys: dict[str, str] = {}
    for scenario in result.scenarios:
        keys.update(scenario.grid_keys)
    # A line per design and per value of every other axis but the true rate (efs.*).
    line_by = ["design"] + [
        f"grid_{label}" for label, key in keys.items() if key.split(".")[0] not in ("efs", "design")
    ]
    figures = {
        "simulation_power.svg": (
            "Rejection rates by scenario and analysis",
            simulation_power_svg(result.table),
        ),
        "simulation_conduct.svg": (
            "Trial conduct by scenario",
            simulation_conduct_svg(result.table),
        ),
        "simulation_power_curves.svg": (
            "Power against the true 2-year EFS rate, one line per design",
            simulation_power_curves_svg(shown, line_by=line_by),
        ),
    }
    first = next((s for s in result.scenarios if len(s.grid_point) >= 2), None)
    if first is not None:
        labels = [f"grid_{label}" for label in first.grid_point]
        x, y, facets = labels[0], labels[1], labels[2:]
        mine = shown[shown["grid"] == first.grid]
        method = str(result.table["method"].iloc[0])
        figures["simulation_heatmap_power.svg"] = (
            f"P(reject H0), {method} analysis",
            simulation_heatmap_svg(
                mine[mine["method"] == method],
                x,
                y,
                "reject_rate",
                title=f"P(reject H0), {method} analysis",
                facet_by=facets,
            ),
        )
        figures["simulation_heatmap_duration.svg"] = (
            "Expected trial duration (months)",
            simulation_heatmap_svg(
                mine.drop_duplicates("scenario"),
                x,
                y,
                "mean_duration_months",
                title="Mean trial duration (months, accrual opening to stop or final analysis)",
                facet_by=facets,
                fmt="{:.1f}",
            ),
        )
    return figures


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.4f}"
    return str(value)


def summary_html(
    result: SimulationResult,
    table: pd.DataFrame,
    figures: dict[str, tuple[str, str]],
    command: Sequence[str] = (),
) -> str:
    """The HTML summary (``simulation.html.j2``): settings, grids, figures and the table."""
    from osteo_stats import __version__
    from osteo_stats.epoch import report_timestamp
    from osteo_stats.render.html import render_html
    from osteo_stats.render.svg import inline_svg

    grids: dict[str, dict[str, Any]] = {}
    for scenario in result.scenarios:
        if scenario.grid is not None:
            grid = grids.setdefault(
                scenario.grid,
                {"name": scenario.grid, "description": scenario.description, "axes": {}, "n": 0},
            )
            grid["n"] += 1
            for label, value in scenario.grid_point.items():
                key = scenario.grid_keys[label]
                grid["axes"].setdefault((label, key), {})[value] = None  # ordered set
    columns = [c for c in _SUMMARY_COLUMNS if c in table.columns]
    return render_html(
        "simulation.html.j2",
        {
            "version": __version__,
            "generated_at": report_timestamp(),
            "command": " ".join(command),
            "reps": result.reps,
            "seed": result.seed,
            "chunk_size": result.chunk_size,
            "n_scenarios": len(result.scenarios),
            "grids": [
                {
                    **grid,
                    "axes": [
                        {"label": label, "key": key, "values": [_cell(v) for v in values]}
                        for (label, key), values in grid["axes"].items()
                    ],
                }
                for grid in grids.values()
            ],
            "figures": [
                {"file": name, "title": title, "svg": inline_svg(svg, f"fig{k}-")}
                for k, (name, (title, svg)) in enumerate(figures.items())
            ],
            "columns": columns,
            "rows": [[_cell(v) for v in row] for row in table[columns].itertuples(index=False)],
        },
    )


def write_simulation(
    result: SimulationResult, out: str | Path, *, command: Sequence[str] = (), pdf: bool = False
) -> list[Path]:
    """Write :data:`OUTPUT_FILES` (and :data:`GRID_FILES` for a grid) into ``out``, replaced
    atomically as a whole; with ``pdf`` also ``simulation_summary.pdf``, the HTML summary laid
    out by WeasyPrint (about 20 s for a 56-scenario grid, hence not by default).

    Raises
    ------
    OutputRefused
        ``out`` holds anything but an earlier osteo-stats output
        (:func:`osteo_stats.outputs.check_output_dir`).
    """
    from osteo_stats import __version__

    out = Path(out)
    provenance = {
        "package": "osteo_stats",
        "version": __version__,
        "seed": result.seed,
        "reps": result.reps,
        "chunk_size": result.chunk_size,
        "scenarios": [
            {
                **scenario.model_dump(mode="json"),
                "resolved_rule": rules.label,
                **(
                    {"grid": scenario.grid, "grid_point": scenario.grid_point}
                    if scenario.grid
                    else {}
                ),
            }
            for scenario, rules in zip(result.scenarios, result.rules, strict=True)
        ],
    }
    table = results_table(result)
    figures = _figures(result, table)
    texts = {
        "simulation_results.csv": frame_csv_text(table),
        **{name: svg for name, (_, svg) in figures.items()},
        "simulation.json": json.dumps(provenance, indent=2, sort_keys=False) + "\n",
        "simulation_summary.html": summary_html(result, table, figures, command),
    }
    documents: dict[str, bytes] = {}
    if pdf:
        from osteo_stats.render.pdf import html_to_pdf

        documents["simulation_summary.pdf"] = html_to_pdf(texts["simulation_summary.html"]).pdf
    with atomic_output_dir(out, command=command) as scratch:
        for name, text in texts.items():
            (scratch / name).write_text(text, "utf-8")
        for name, data in documents.items():
            (scratch / name).write_bytes(data)
    return [out / name for name in [*texts, *documents]]
