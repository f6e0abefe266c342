"""Rendering: TLF objects to HTML/PDF reports, RTF and CSV (the last layer before the CLI).

Nothing here computes a statistic; numbers arrive formatted in the TLFs, backed by the ARD.
"""

from osteo_stats.render.context import ReportContext, build_report_context
from osteo_stats.render.report import (
    ReportResult,
    render_report_html,
    report_outputs,
    write_analysis,
    write_report,
)
from osteo_stats.render.spec import (
    DMC_OPEN_REPORT,
    DMC_REPORT,
    FINAL_REPORT,
    REPORT_KINDS,
    REPORT_SETS,
    report_spec,
)

__all__ = [
    "DMC_OPEN_REPORT",
    "DMC_REPORT",
    "FINAL_REPORT",
    "REPORT_KINDS",
    "REPORT_SETS",
    "ReportContext",
    "ReportResult",
    "build_report_context",
    "render_report_html",
    "report_outputs",
    "report_spec",
    "write_analysis",
    "write_report",
]
