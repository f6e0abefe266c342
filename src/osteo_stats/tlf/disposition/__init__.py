"""Disposition, analysis sets, accrual, baseline, exposure and surgery TLFs (SAP 7.8, 9.5).

Every number is first recorded in the ARD (SAP 12) and the table body is then formatted from
those ARD rows, looked up by (analysis id, parameter, group, statistic); nothing is counted a
second time while formatting. The per-patient variables come from
:mod:`osteo_stats.derive.treatment` and :mod:`osteo_stats.derive.baseline`; the drawing of
Figure 14.1.1 from :mod:`osteo_stats.tlf.plots.disposition`.

One module per table family: :mod:`.sets` (14.1.1, 14.1.2, 14.1.4), :mod:`.accrual` (14.1.3,
Figure 14.1.1), :mod:`.baseline` (14.1.5), :mod:`.exposure` (14.1.6, 14.1.7) and
:mod:`.listings` (16.2.1, 16.2.2, 16.2.4, 16.2.5); :mod:`.currency` (14.1.8, 16.2.9, data
currency, registered beside this list in :mod:`osteo_stats.tlf.build`).
"""

from __future__ import annotations

from collections.abc import Callable

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.disposition.accrual import accrual_tlfs
from osteo_stats.tlf.disposition.baseline import baseline_table
from osteo_stats.tlf.disposition.exposure import exposure_table, surgery_table
from osteo_stats.tlf.disposition.listings import (
    administration_listing,
    baseline_listing,
    deviation_listing,
    discontinued_listing,
)
from osteo_stats.tlf.disposition.sets import (
    analysis_sets_table,
    deviations_table,
    disposition_table,
)
from osteo_stats.tlf.model import TLFOutput

__all__ = ["DISPOSITION_TLFS", "build_disposition_tlfs"]


#: Every disposition TLF in SAP 11 order: the label(s) it builds -> its builder (accrual builds
#: its table and figure from one computation). The one list: :func:`build_disposition_tlfs` runs
#: it, and :func:`osteo_stats.tlf.build.build_tlfs` skips, before running it, an entry whose TLFs
#: need a column the data do not hold (``NEEDS``, --mapping).
DISPOSITION_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    ("Table 14.1.1",): lambda ad: [disposition_table(ad)],
    ("Table 14.1.2",): lambda ad: [analysis_sets_table(ad)],
    ("Table 14.1.3", "Figure 14.1.1"): accrual_tlfs,
    ("Table 14.1.4",): lambda ad: [deviations_table(ad)],
    ("Table 14.1.5",): lambda ad: [baseline_table(ad)],
    ("Table 14.1.6",): lambda ad: [exposure_table(ad)],
    ("Table 14.1.7",): lambda ad: [surgery_table(ad)],
    ("Listing 16.2.1",): lambda ad: [discontinued_listing(ad)],
    ("Listing 16.2.2",): lambda ad: [deviation_listing(ad)],
    ("Listing 16.2.4",): lambda ad: [baseline_listing(ad)],
    ("Listing 16.2.5",): lambda ad: [administration_listing(ad)],
}


def build_disposition_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.1.1-14.1.7, Figure 14.1.1 and Listings 16.2.1-16.2.5 at the cut-off of ``ad``.

    Parameters
    ----------
    ad
        The analysis data at one cut-off (:func:`~osteo_stats.derive.derive_analysis_data`).

    Returns
    -------
    list of TLFOutput
        In SAP 11 order: Table 14.1.1, 14.1.2, 14.1.3, Figure 14.1.1, Table 14.1.4, 14.1.5,
        14.1.6, 14.1.7, Listing 16.2.1, 16.2.2, 16.2.4, 16.2.5. Each table and figure carries
        the ARD rows it displays; listings carry an empty ARD.
    """
    return [output for build in DISPOSITION_TLFS.values() for output in build(ad)]
