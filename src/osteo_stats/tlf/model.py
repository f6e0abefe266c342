"""The TLF specification: an immutable description of one table, listing or figure.

A TLF holds already-formatted text (tables and listings) or an SVG string (figures); rendering
to HTML, PDF, RTF or CSV is a separate pass over these objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.catalogue import expected_tlf

TLFKind = Literal["Table", "Listing", "Figure"]


@dataclass(frozen=True, kw_only=True)
class TLF:
    """One table, listing or figure, numbered in ICH E3 style (SAP 11.1).

    Attributes
    ----------
    kind, number, title
        ``"Table"``, ``"14.3.1"``, ``"Overview of treatment-emergent adverse events"``. The
        title defaults to the catalogue's (:mod:`osteo_stats.tlf.catalogue`), so builders do not
        retype it.
    analysis_set
        The population line, e.g. ``"Safety analysis set (N = 43)"``.
    body
        Formatted cells as text (tables, listings); ``None`` for figures.
    footnotes
        Abbreviations, methods with their SAP section, denominators.
    source
        Program, data cut-off, SAP version and ARD ids (SAP 11.1).
    analysis_ids
        The ARD ids whose rows this TLF displays.
    svg
        The figure, as a standalone SVG document (figures only).
    landscape
        Wide tables and listings are laid out on landscape pages.
    """

    kind: TLFKind
    number: str
    title: str = ""
    analysis_set: str
    footnotes: tuple[str, ...]
    source: str
    analysis_ids: tuple[str, ...]
    body: pd.DataFrame | None = None
    svg: str | None = None
    landscape: bool = False

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", expected_tlf(self.label).title)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.number}"

    @property
    def slug(self) -> str:
        """A file-name stem such as ``table_14_3_1``."""
        return f"{self.kind.lower()}_{self.number.replace('.', '_')}"


@dataclass(frozen=True)
class TLFOutput:
    """A TLF together with the ARD rows it shows."""

    tlf: TLF
    ard: ARD


def source_line(module: str, cutoff: date, sap_version: str, analysis_ids: tuple[str, ...]) -> str:
    """The standard source line (SAP 11.1)."""
    from osteo_stats import __version__

    ids = ", ".join(analysis_ids)
    return (
        f"Source: osteo_stats {__version__} ({module}), data cut-off {cutoff:%Y-%m-%d}, "
        f"SAP {sap_version}, ARD {ids}"
    )


def patient_listing(
    number: str,
    title: str,
    analysis_set: str,
    footnotes: tuple[str, ...],
    source: str,
    body: pd.DataFrame,
) -> TLFOutput:
    """A patient listing (SAP 11.4): records as text on landscape pages, no ARD rows.

    An empty listing says so in its first footnote rather than showing a bare header.
    """
    if body.empty:
        footnotes = ("No records at this data cut-off.", *footnotes)
    tlf = TLF(
        kind="Listing",
        number=number,
        title=title,
        analysis_set=analysis_set,
        footnotes=footnotes,
        source=source,
        analysis_ids=(),
        body=body.reset_index(drop=True),
        landscape=True,
    )
    return TLFOutput(tlf, ARD.concat([]))
