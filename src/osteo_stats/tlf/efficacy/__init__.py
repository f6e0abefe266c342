"""Efficacy tables, figures and listings (SAP 11): Tables 14.2.1 and 14.2.4-14.2.14, Figures
14.2.1-14.2.4 and Listings 16.2.6.1-16.2.6.3, one module per table family.

Each builder takes the :class:`~osteo_stats.derive.analysis_data.AnalysisData` of one cut-off,
computes its statistics with :mod:`osteo_stats.analyse`, records every number in an
:class:`~osteo_stats.tlf.ard.ARDBuilder` under the SAP 12.3 analysis id, and only then formats
the body **from the ARD** (via :class:`~osteo_stats.tlf.efficacy.common.Values`), so every shown
number can be traced to one ARD row. Figures are drawn by :mod:`osteo_stats.tlf.plots.efficacy`
from the recorded values. The ARD conventions are in :mod:`osteo_stats.tlf.efficacy.common`.
"""

from __future__ import annotations

from collections.abc import Callable

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.efficacy.figures import km_figure, swimmer_figure, waterfall_figure
from osteo_stats.tlf.efficacy.listings import bor_listing, surgery_listing, tte_listing
from osteo_stats.tlf.efficacy.pathology import pathology_table, r0_table
from osteo_stats.tlf.efficacy.primary import primary_endpoint_table, primary_sensitivity_table
from osteo_stats.tlf.efficacy.prognostic import cox_table, subgroup_table
from osteo_stats.tlf.efficacy.response import bor_table, orr_table
from osteo_stats.tlf.efficacy.time_to_event import (
    efs_sensitivity_table,
    efs_table,
    one_sample_logrank_table,
    os_table,
)
from osteo_stats.tlf.model import TLFOutput

__all__ = [
    "EFFICACY_TLFS",
    "bor_listing",
    "bor_table",
    "build_efficacy_tlfs",
    "cox_table",
    "efs_sensitivity_table",
    "efs_table",
    "km_figure",
    "one_sample_logrank_table",
    "orr_table",
    "os_table",
    "pathology_table",
    "primary_endpoint_table",
    "primary_sensitivity_table",
    "r0_table",
    "subgroup_table",
    "surgery_listing",
    "swimmer_figure",
    "tte_listing",
    "waterfall_figure",
]


#: Every efficacy TLF in catalogue order: the label(s) it builds -> its builder. The one list:
#: :func:`build_efficacy_tlfs` runs it, and :func:`osteo_stats.tlf.build.build_tlfs` skips, before
#: running it, an entry whose TLFs need a column the data do not hold (``NEEDS``, --mapping).
EFFICACY_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    ("Table 14.2.1",): lambda ad: [primary_endpoint_table(ad)],
    ("Table 14.2.4",): lambda ad: [primary_sensitivity_table(ad)],
    ("Table 14.2.5",): lambda ad: [bor_table(ad)],
    ("Table 14.2.6",): lambda ad: [orr_table(ad)],
    ("Table 14.2.7",): lambda ad: [pathology_table(ad)],
    ("Table 14.2.8",): lambda ad: [r0_table(ad)],
    ("Table 14.2.9",): lambda ad: [efs_table(ad)],
    ("Table 14.2.10",): lambda ad: [efs_sensitivity_table(ad)],
    ("Table 14.2.11",): lambda ad: [os_table(ad)],
    ("Table 14.2.12",): lambda ad: [one_sample_logrank_table(ad)],
    ("Table 14.2.13",): lambda ad: [cox_table(ad)],
    ("Table 14.2.14",): lambda ad: [subgroup_table(ad)],
    ("Figure 14.2.1",): lambda ad: [km_figure(ad, "EFS")],
    ("Figure 14.2.2",): lambda ad: [km_figure(ad, "OS")],
    ("Figure 14.2.3",): lambda ad: [waterfall_figure(ad)],
    ("Figure 14.2.4",): lambda ad: [swimmer_figure(ad)],
    ("Listing 16.2.6.1",): lambda ad: [bor_listing(ad)],
    ("Listing 16.2.6.2",): lambda ad: [tte_listing(ad)],
    ("Listing 16.2.6.3",): lambda ad: [surgery_listing(ad)],
}


def build_efficacy_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Every efficacy table, figure and listing at this cut-off (SAP 11), in catalogue order."""
    return [output for build in EFFICACY_TLFS.values() for output in build(ad)]
