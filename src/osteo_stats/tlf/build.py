"""Every TLF builder, by analysis area, run in one pass in SAP 11 order.

Each analysis area exposes ``build_<area>_tlfs(ad) -> list[TLFOutput]``; this module only
collects them, so the reports and ``osteo-stats analyze`` see one list. What each TLF is called
is :mod:`osteo_stats.tlf.catalogue`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.biomarkers import build_biomarker_tlfs
from osteo_stats.tlf.design import build_design_tlfs
from osteo_stats.tlf.disposition import build_disposition_tlfs
from osteo_stats.tlf.efficacy import build_efficacy_tlfs
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.monitoring import build_monitoring_tlfs
from osteo_stats.tlf.safety import build_safety_tlfs

Builder = Callable[[AnalysisData], list[TLFOutput]]

#: Every builder, by analysis area.
BUILDERS: dict[str, Builder] = {
    "disposition": build_disposition_tlfs,
    "design": build_design_tlfs,
    "efficacy": build_efficacy_tlfs,
    "monitoring": build_monitoring_tlfs,
    "safety": build_safety_tlfs,
    "biomarkers": build_biomarker_tlfs,
}


_KIND_ORDER = ("Table", "Figure", "Listing")


def _ich_order(output: TLFOutput) -> tuple[int, tuple[int, ...]]:
    tlf = output.tlf
    return _KIND_ORDER.index(tlf.kind), tuple(int(part) for part in tlf.number.split("."))


def build_tlfs(ad: AnalysisData, areas: Collection[str] | None = None) -> list[TLFOutput]:
    """The TLFs of ``areas`` (all by default) at this cut-off: tables, figures, listings, by number.

    A report builds only the areas it shows, so the DMC report does not wait for efficacy
    analyses it must not display (SAP 10.1).
    """
    wanted = list(BUILDERS) if areas is None else list(areas)
    unknown = [area for area in wanted if area not in BUILDERS]
    if unknown:
        raise ValueError(f"unknown TLF area(s) {unknown}; allowed: {', '.join(BUILDERS)}")
    outputs: list[TLFOutput] = []
    for area in wanted:
        outputs.extend(BUILDERS[area](ad))
    return sorted(outputs, key=_ich_order)


def combined_ard(outputs: list[TLFOutput]) -> ARD:
    """The one ARD behind all the TLFs (SAP 12)."""
    return ARD.concat(output.ard for output in outputs)
