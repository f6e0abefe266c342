"""HTML to PDF with WeasyPrint, fetching nothing but the package's template assets.

Layout (``render``) and PDF writing (``write_pdf``) are timed separately because layout is the
floor of a report's run time (issue 6, performance). A report lays out its PDF in a second
process started before the data are loaded (:func:`start_pdf_layout`), so WeasyPrint is
imported there, beside the analysis, and never by the command's own process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from osteo_stats.render.beside import Beside
from osteo_stats.render.html import templates_dir


@dataclass(frozen=True)
class PDFResult:
    pdf: bytes
    pages: int
    layout_seconds: float
    write_seconds: float
    refused_urls: tuple[str, ...] = field(default_factory=tuple)


def html_to_pdf(html: str) -> PDFResult:
    """Lay out ``html`` and write the PDF.

    The document's creation and modification dates come from its ``dcterms.created`` /
    ``dcterms.modified`` meta elements (set from ``SOURCE_DATE_EPOCH`` when it is set), so the
    same HTML always gives the same PDF bytes.
    """
    import weasyprint

    from osteo_stats.render.assets import TemplateAssetFetcher

    fetcher = TemplateAssetFetcher()
    # Relative URLs resolve inside the templates directory, where the fetcher serves assets.
    base_url = templates_dir().resolve().as_uri() + "/"
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # refused URLs are reported through the fetcher instead
    try:
        started = time.perf_counter()
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        laid_out = time.perf_counter()
        pdf = document.write_pdf()
        written = time.perf_counter()
    finally:
        logger.setLevel(previous)
    return PDFResult(
        pdf=pdf,
        pages=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=written - laid_out,
        refused_urls=tuple(fetcher.refused),
    )


def _import_weasyprint() -> None:
    import weasyprint  # noqa: F401

    import osteo_stats.render.assets  # noqa: F401


def start_pdf_layout() -> Beside[PDFResult]:
    """A process that imports WeasyPrint now and runs :func:`html_to_pdf` on the HTML it is
    sent (:meth:`Beside.send`); :meth:`Beside.result` is the :class:`PDFResult`."""
    return Beside(html_to_pdf, "laying out the PDF (WeasyPrint)", prepare=_import_weasyprint)
