"""The TLF catalogue: every builder, in SAP 11 order.

Each analysis area exposes ``build_<area>_tlfs(ad) -> list[TLFOutput]``; this module only
collects them, so the reports and ``osteo-stats analyze`` see one list.
"""

from __future__ import annotations

from collections.abc import Callable

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.model import TLFOutput

Builder = Callable[[AnalysisData], list[TLFOutput]]

BUILDERS: tuple[Builder, ...] = ()


def build_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Every TLF the package can produce at this cut-off, in catalogue order."""
    outputs: list[TLFOutput] = []
    for build in BUILDERS:
        outputs.extend(build(ad))
    return outputs


def combined_ard(outputs: list[TLFOutput]) -> ARD:
    """The one ARD behind all the TLFs (SAP 12)."""
    return ARD.concat(output.ard for output in outputs)
