"""Tables, listings and figures (TLFs) and the analysis results dataset (ARD) behind them.

Every number a TLF shows is first recorded in the ARD (SAP 12); the TLF body is then formatted
from those ARD rows, so a second programmer can check every number without scraping tables.
"""

from osteo_stats.tlf.ard import ARD, ARD_COLUMNS, ARDBuilder, group_label
from osteo_stats.tlf.model import TLF, TLFOutput

__all__ = ["ARD", "ARDBuilder", "ARD_COLUMNS", "TLF", "TLFOutput", "group_label"]
