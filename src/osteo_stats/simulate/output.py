"""Write a simulation run: the tidy results table, the plots and a provenance record.

The output directory is assembled in a scratch directory and swapped in only when complete
(:func:`osteo_stats.outputs.atomic_output_dir`), so a failed run leaves nothing half-written.
Because that swap replaces the whole directory, an existing non-empty directory is replaced only
if it holds a previous run (``simulation.json``); anything else is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from osteo_stats.outputs import atomic_output_dir
from osteo_stats.safe_csv import frame_csv_text
from osteo_stats.simulate.runner import SimulationResult
from osteo_stats.simulate.scenario import ScenarioError

__all__ = ["OUTPUT_FILES", "write_simulation"]

#: Files written by :func:`write_simulation`.
OUTPUT_FILES: tuple[str, ...] = (
    "simulation_results.csv",
    "simulation_power.svg",
    "simulation_conduct.svg",
    "simulation.json",
)


def write_simulation(result: SimulationResult, out: str | Path) -> list[Path]:
    """Write :data:`OUTPUT_FILES` into ``out`` (replaced atomically as a whole).

    Raises
    ------
    ScenarioError
        ``out`` exists, is not empty and does not hold a previous simulation run.
    """
    from osteo_stats import __version__
    from osteo_stats.tlf.design_plots import simulation_conduct_svg, simulation_power_svg

    out = Path(out)
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / "simulation.json").is_file())
    ):
        raise ScenarioError(
            f"{out}: refusing to replace it: it exists and is not an earlier 'osteo-stats "
            "simulate' output directory (no simulation.json). Choose a new or empty directory."
        )
    provenance = {
        "package": "osteo_stats",
        "version": __version__,
        "seed": result.seed,
        "reps": result.reps,
        "chunk_size": result.chunk_size,
        "scenarios": [
            {**scenario.model_dump(mode="json"), "resolved_rule": rules.label}
            for scenario, rules in zip(result.scenarios, result.rules, strict=True)
        ],
    }
    with atomic_output_dir(out) as scratch:
        (scratch / OUTPUT_FILES[0]).write_text(frame_csv_text(result.table), "utf-8")
        (scratch / OUTPUT_FILES[1]).write_text(simulation_power_svg(result.table), "utf-8")
        (scratch / OUTPUT_FILES[2]).write_text(simulation_conduct_svg(result.table), "utf-8")
        (scratch / OUTPUT_FILES[3]).write_text(
            json.dumps(provenance, indent=2, sort_keys=False) + "\n", "utf-8"
        )
    return [out / name for name in OUTPUT_FILES]
