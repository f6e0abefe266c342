"""osteo_stats: the PROMIS trial's statistical analysis plan, implemented.

Data flow: ``load`` (read + validate) -> ``derive`` -> ``analyse`` -> TLF -> render -> ``cli``.
The names below are the stable public API.

Data entry points (README "Python API"): ``validate_trial`` / ``load_trial`` (read and validate a
data folder), ``derive_analysis_data`` (every analysis dataset at a cut-off, an ``AnalysisData``),
``export_datasets`` (the derived datasets a QC programmer receives, as data frames) and
``export_adam`` (the same written as SAS transport v5, CSV and define-like metadata). They are
imported on first use, so ``import osteo_stats`` stays light.
"""

from typing import TYPE_CHECKING, Any

# Before numpy/scipy are imported: numpy.f2py reads SOURCE_DATE_EPOCH with int() at import.
from osteo_stats.epoch import check_at_import

check_at_import()

from osteo_stats.analyse.batch_km import BatchLandmark, batch_km_landmark
from osteo_stats.analyse.biomarkers import (
    FisherResult,
    RankSumResult,
    SignedRankResult,
    benjamini_hochberg,
    fisher_exact,
    proportion_increased,
    rank_sum_test,
    signed_rank_test,
)
from osteo_stats.analyse.design import (
    DesignCheck,
    FixedSizeSearch,
    SimonDesign,
    SimonFrontier,
    SingleStageDesign,
    check_design,
    compare_rules,
    operating_characteristics,
    simon_design_for_n,
    simon_design_from_rules,
    simon_designs,
    single_stage_design,
)
from osteo_stats.analyse.design_timing import Stage1Timing, stage1_timing
from osteo_stats.analyse.logrank_design import LogrankDesign, logrank_design
from osteo_stats.analyse.proportions import BinomialCI, BinomialTest, binomial_ci, binomial_test
from osteo_stats.analyse.survival import (
    ChiSquareTest,
    CoxNotEstimable,
    CoxResult,
    ExponentialControl,
    FollowUpResult,
    KaplanMeierResult,
    LogrankResult,
    OneSampleLogrankResult,
    SurvivalQuantile,
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
from osteo_stats.analyse.two_stage import TwoStageInference, two_stage_inference
from osteo_stats.errors import DataValidationError, DesignError, OsteoStatsError, SAPConfigError
from osteo_stats.sap import SAP, load_sap

if TYPE_CHECKING:
    from osteo_stats.derive.analysis_data import AnalysisData, derive_analysis_data
    from osteo_stats.derive.export import export_datasets
    from osteo_stats.load import TrialData, load_trial, validate_trial
    from osteo_stats.render.adam import export_adam

__version__ = "0.1.0"

#: Public name -> the module defining it (imported on first use; see the module docstring).
_DATA_API = {
    "AnalysisData": "osteo_stats.derive.analysis_data",
    "TrialData": "osteo_stats.load",
    "derive_analysis_data": "osteo_stats.derive.analysis_data",
    "export_adam": "osteo_stats.render.adam",
    "export_datasets": "osteo_stats.derive.export",
    "load_trial": "osteo_stats.load",
    "validate_trial": "osteo_stats.load",
}


def __getattr__(name: str) -> Any:
    if name in _DATA_API:
        import importlib

        return getattr(importlib.import_module(_DATA_API[name]), name)
    raise AttributeError(f"module 'osteo_stats' has no attribute {name!r}")


__all__ = [
    # data entry points
    "SAP",
    "AnalysisData",
    "TrialData",
    "derive_analysis_data",
    "export_adam",
    "export_datasets",
    "load_sap",
    "load_trial",
    "validate_trial",
    # errors
    "CoxNotEstimable",
    "DataValidationError",
    "DesignError",
    "OsteoStatsError",
    "SAPConfigError",
    # analysis results
    "BatchLandmark",
    "BinomialCI",
    "BinomialTest",
    "ChiSquareTest",
    "CoxResult",
    "DesignCheck",
    "ExponentialControl",
    "FisherResult",
    "FixedSizeSearch",
    "FollowUpResult",
    "KaplanMeierResult",
    "LogrankDesign",
    "LogrankResult",
    "OneSampleLogrankResult",
    "RankSumResult",
    "SignedRankResult",
    "SimonDesign",
    "SimonFrontier",
    "SingleStageDesign",
    "Stage1Timing",
    "SurvivalQuantile",
    "ToxicityBoundary",
    "TwoStageInference",
    # analysis functions
    "batch_km_landmark",
    "benjamini_hochberg",
    "binomial_ci",
    "binomial_test",
    "boundary_crossing_probability",
    "check_design",
    "compare_rules",
    "cox_regression",
    "fisher_exact",
    "kaplan_meier",
    "logrank_design",
    "logrank_test",
    "one_sample_logrank",
    "operating_characteristics",
    "proportion_increased",
    "rank_sum_test",
    "reverse_km_followup",
    "signed_rank_test",
    "simon_design_for_n",
    "simon_design_from_rules",
    "simon_designs",
    "single_stage_design",
    "stage1_timing",
    "toxicity_boundary",
    "two_stage_inference",
]
