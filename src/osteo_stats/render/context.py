"""What a report knows about its analysis: the small, frozen context render/ works from.

render/ needs the SAP, the cut-off, the analysis type and the planned end of the study, the
number of data warnings and the provenance, never the analysis datasets themselves. The context
is built once, where the CLI hands the derived data over to the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from osteo_stats.load import ValidationIssue
from osteo_stats.render.provenance import Provenance, collect_provenance
from osteo_stats.sap import SAP, default_sap_path
from osteo_stats.tlf.build import unavailable

if TYPE_CHECKING:
    from osteo_stats.derive.analysis_data import AnalysisData


@dataclass(frozen=True)
class ReportContext:
    """The analysis a report describes (SAP 10.3) and where it came from.

    ``argv`` is the effective command line, recorded in the output manifest (the provenance
    page shows it from ``provenance.command_line``). ``unavailable`` maps a TLF label to why these
    data cannot give it ("not available: SURGOUT not collected", from a ``--mapping``).
    """

    sap: SAP
    cutoff: date
    analysis_type: str
    planned_end: date | None
    before_planned_end: bool
    data_warnings: tuple[ValidationIssue, ...]
    provenance: Provenance
    argv: tuple[str, ...]
    unavailable: Mapping[str, str] = field(default_factory=dict)


def build_report_context(
    ad: AnalysisData,
    argv: list[str],
    seed: int | None = None,
    *,
    sap_path: Path | None = None,
    previous_dmc: str = "",
) -> ReportContext:
    """The report context of ``ad``; collects the provenance (``sap_path``: the SAP whose SHA-256
    is recorded, default the packaged ``sap.yaml``; ``argv`` and ``seed`` as run;
    ``previous_dmc``: the previous DMC cut-off and its source, SAP 10.4)."""
    provenance = collect_provenance(
        ad.trial,
        Path(sap_path or default_sap_path()),
        ad.sap.sap_version,
        ad.cutoff,
        argv,
        seed,
        previous_dmc,
    )
    return ReportContext(
        sap=ad.sap,
        cutoff=ad.cutoff,
        analysis_type=ad.analysis_type,
        planned_end=ad.planned_end,
        before_planned_end=ad.before_planned_end,
        data_warnings=tuple(ad.trial.warnings),
        provenance=provenance,
        argv=tuple(argv),
        unavailable=MappingProxyType(unavailable(ad.trial)),
    )


@dataclass(frozen=True)
class AnalysisStatement:
    """The analysis type as the cover and the provenance page state it (SAP 10.3).

    ``label`` names the type; ``warning`` is set when a final report is only an interim look
    (cut-off before the planned end of the study), ``note`` when the final analysis was
    declared before the planned end.
    """

    analysis_type: str
    label: str
    planned_end: str
    warning: str = ""
    note: str = ""


def analysis_statement(context: ReportContext, report_kind: str) -> AnalysisStatement:
    """What the report says about its analysis type (SAP 3.1, 10.3)."""
    sap = context.sap
    landmark = f"{sap.primary_endpoint.landmark_months:g}-month date"
    planned_end = (
        f"{context.planned_end:%Y-%m-%d} (the {landmark} of patient {sap.design.n})"
        if context.planned_end is not None
        else f"not yet known (fewer than {sap.design.n} patients enrolled)"
    )
    if context.analysis_type == "interim":
        warning = ""
        if report_kind == "final":
            warning = (
                f"Interim look: the data cut-off {context.cutoff:%Y-%m-%d} is before the "
                f"planned end of the study, {planned_end}. This is not the final analysis "
                "(SAP 10.3): "
                "patients not yet evaluable are not counted."
            )
        return AnalysisStatement("interim", "Interim analysis", planned_end, warning=warning)
    note = ""
    if context.before_planned_end:
        note = (
            f"Declared final (--analysis final) before the planned end of the study, {planned_end}."
        )
    return AnalysisStatement(
        "final",
        "Final analysis (SAP 10.3): patients still not evaluable count as failures (SAP 3.1)",
        planned_end,
        note=note,
    )
