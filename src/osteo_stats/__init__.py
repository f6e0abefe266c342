"""osteo_stats: the PROMIS trial's statistical analysis plan, implemented.

Data flow: ``load`` (read + validate) -> ``derive`` -> ``analyse`` -> TLF -> render -> ``cli``.
The names below are the stable public API.
"""

from osteo_stats.analyse.design import (
    check_design,
    operating_characteristics,
    simon_designs,
    single_stage_design,
)
from osteo_stats.analyse.proportions import binomial_ci, binomial_test
from osteo_stats.analyse.survival import (
    cox_regression,
    kaplan_meier,
    logrank_test,
    one_sample_logrank,
    reverse_km_followup,
)
from osteo_stats.analyse.toxicity import (
    ToxicityBoundary,
    boundary_crossing_probability,
    toxicity_boundary,
)
from osteo_stats.analyse.two_stage import two_stage_inference
from osteo_stats.errors import DataValidationError, DesignError, OsteoStatsError, SAPConfigError
from osteo_stats.sap import SAP, load_sap

__version__ = "0.1.0"

__all__ = [
    "SAP",
    "DataValidationError",
    "DesignError",
    "OsteoStatsError",
    "SAPConfigError",
    "ToxicityBoundary",
    "binomial_ci",
    "binomial_test",
    "boundary_crossing_probability",
    "check_design",
    "cox_regression",
    "kaplan_meier",
    "load_sap",
    "logrank_test",
    "one_sample_logrank",
    "operating_characteristics",
    "reverse_km_followup",
    "simon_designs",
    "single_stage_design",
    "toxicity_boundary",
    "two_stage_inference",
]
