"""Section 14.4: exploratory biomarker tables and figures (SAP 7.6, ARD BMK-*).

Flow: :func:`build_biomarker_tlfs` turns ADBM into one row per FAS patient and marker
(:func:`~osteo_stats.tlf.biomarkers.common.marker_values`), runs the statistics of
:mod:`osteo_stats.analyse.biomarkers` and :mod:`osteo_stats.analyse.survival`, writes every
number into the ARD, applies the Benjamini-Hochberg adjustment per family, and only then formats
the table bodies -- by reading the ARD back, so a table can never show a number the ARD does not
hold.

========================  =======================================================  =============
TLF (module)              content                                                  ARD id
========================  =======================================================  =============
Table 14.4.1 (availability) availability per marker and reasons for missing samples BMK-AVAIL-01
Table 14.4.2 (paired)     paired change (signed-rank, Hodges-Lehmann, % increased)   BMK-PAIR-01
Table 14.4.3 (response)   marker vs pathological good response and ORR              BMK-RESP-01
Table 14.4.4 (efs)        marker vs EFS (Cox, KM groups with log-rank)              BMK-EFS-01
Figure 14.4.1 (figures)   paired pre/post values per marker, by response            BMK-PAIR-01
Figure 14.4.2 (figures)   marker values by pathological response (box plots)        BMK-RESP-01
Figure 14.4.3 (figures)   KM of EFS by marker group                                 BMK-EFS-01
========================  =======================================================  =============
"""

from __future__ import annotations

from collections.abc import Callable

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.biomarkers.availability import availability_table
from osteo_stats.tlf.biomarkers.common import marker_displays, marker_values
from osteo_stats.tlf.biomarkers.efs import efs_table
from osteo_stats.tlf.biomarkers.figures import km_figure, paired_figure, response_figure
from osteo_stats.tlf.biomarkers.paired import paired_table
from osteo_stats.tlf.biomarkers.response import response_table
from osteo_stats.tlf.model import TLFOutput

__all__ = ["BIOMARKER_TLFS", "build_biomarker_tlfs"]


def build_biomarker_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.4.1-14.4.4 and Figures 14.4.1-14.4.3 (SAP 7.6, 11), all exploratory.

    Parameters
    ----------
    ad : AnalysisData
        The analysis datasets at the cut-off (ADSL, ADTTE and ADBM are used).

    Returns
    -------
    list of TLFOutput
        Tables first, then figures, each with the ARD rows it shows (ids BMK-AVAIL-01,
        BMK-PAIR-01, BMK-RESP-01, BMK-EFS-01).
    """
    values = marker_values(ad)
    displays = marker_displays(ad, values)
    availability = availability_table(ad, values, displays)
    pair = paired_table(ad, values, displays)
    resp = response_table(ad, values, displays)
    efs, curve_ard, curves = efs_table(ad, values, displays)
    return [
        availability,
        pair,
        resp,
        efs,
        paired_figure(ad, values, displays, pair),
        response_figure(ad, values, displays, resp),
        km_figure(ad, displays, efs, curve_ard, curves),
    ]


#: The biomarker TLFs: one entry, as they are built from one computation (the marker values and
#: the statistics the figures draw). :func:`osteo_stats.tlf.build.build_tlfs` runs it unless none
#: of them can be built with the data.
BIOMARKER_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    (
        "Table 14.4.1",
        "Table 14.4.2",
        "Table 14.4.3",
        "Table 14.4.4",
        "Figure 14.4.1",
        "Figure 14.4.2",
        "Figure 14.4.3",
    ): build_biomarker_tlfs,
}
