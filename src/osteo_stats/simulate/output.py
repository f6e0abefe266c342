"""Write a simulation run: the tidy results table, the plots and a provenance record.

The output directory is assembled in a scratch directory and swapped in only when complete
(:func:`osteo_stats.outputs.atomic_output_dir`), so a failed run leaves nothing half-written.
The directory may only be new, empty or an earlier osteo-stats output, the one rule of
:func:`osteo_stats.outputs.check_output_dir`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from osteo_stats.outputs import atomic_output_dir
from osteo_stats.safe_csv import frame_csv_text
from osteo_stats.simulate.runner import SimulationResult

__all__ = ["OUTPUT_FILES", "write_simulation"]

#: Files written by :func:`write_simulation`.
OUTPUT_FILES: tuple[str, ...] = (
    "simulation_results.csv",
    "simulation_power.svg",
    "simulation_conduct.svg",
    "simulation.json",
)


def write_simulation(
    result: SimulationResult, out: str | Path, *, command: Sequence[str] = ()
) -> list[Path]:
    """Write :data:`OUTPUT_FILES` into ``out`` (replaced atomically as a whole).

    Raises
    ------
    OutputRefused
        ``out`` holds anything but an earlier osteo-stats output
        (:func:`osteo_stats.outputs.check_output_dir`).
    """
    from osteo_stats import __version__
    from osteo_stats.tlf.design_plots import simulation_conduct_svg, simulation_power_svg

    out = Path(out)
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
    with atomic_output_dir(out, command=command) as scratch:
        (scratch / OUTPUT_FILES[0]).write_text(frame_csv_text(result.table), "utf-8")
        (scratch / OUTPUT_FILES[1]).write_text(simulation_power_svg(result.table), "utf-8")
        (scratch / OUTPUT_FILES[2]).write_text(simulation_conduct_svg(result.table), "utf-8")
        (scratch / OUTPUT_FILES[3]).write_text(
            json.dumps(provenance, indent=2, sort_keys=False) + "\n", "utf-8"
        )
    return [out / name for name in OUTPUT_FILES]
