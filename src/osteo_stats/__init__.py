"""osteo_stats: the PROMIS trial's statistical analysis plan, implemented.

Data flow: ``load`` (read + validate) -> derive -> analyse -> TLF -> render -> ``cli``.
"""

from osteo_stats.errors import DataValidationError, DesignError, OsteoStatsError, SAPConfigError
from osteo_stats.sap import SAP, load_sap

__version__ = "0.1.0"

__all__ = [
    "SAP",
    "DataValidationError",
    "DesignError",
    "OsteoStatsError",
    "SAPConfigError",
    "load_sap",
]
