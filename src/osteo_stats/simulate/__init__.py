"""Power simulation for design changes: what-if scenarios, simulated in vectorised batches.

The flow is one-way, like the rest of the package:
``scenario`` (load + validate a YAML file) -> ``draws`` (random patients for many trials at
once) -> ``analysis`` (conduct and final analyses, vectorised across replicates) -> ``runner``
(seeded chunks, joblib, summary table) -> ``output`` (CSV, SVG, provenance, written
atomically). The CLI front end is ``osteo-stats simulate``.
"""

from osteo_stats.simulate.analysis import ReplicateResults, analyse_trials
from osteo_stats.simulate.draws import TrialDraws, draw_trials
from osteo_stats.simulate.output import OUTPUT_FILES, write_simulation
from osteo_stats.simulate.runner import (
    CHUNK_SIZE,
    SIMULATION_COLUMNS,
    SimulationResult,
    simulate,
)
from osteo_stats.simulate.scenario import (
    METHODS,
    Rules,
    Scenario,
    ScenarioError,
    load_scenarios,
    parse_scenarios,
)

__all__ = [
    "CHUNK_SIZE",
    "METHODS",
    "OUTPUT_FILES",
    "SIMULATION_COLUMNS",
    "ReplicateResults",
    "Rules",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "TrialDraws",
    "analyse_trials",
    "draw_trials",
    "load_scenarios",
    "parse_scenarios",
    "simulate",
    "write_simulation",
]
