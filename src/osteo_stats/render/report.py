"""The committee reports end to end: select the TLFs a report specifies, render, write.

``write_report`` produces, in one directory written atomically (:mod:`osteo_stats.outputs`)::

    <out_dir>/<STUDY>_<name>_<cutoff>.pdf     the report
    <out_dir>/<STUDY>_<name>_<cutoff>.html    the same report as one self-contained HTML file
    <out_dir>/<STUDY>_<name>_<cutoff>_tlfs.rtf every TLF of the report in one RTF, in report order
    <out_dir>/ard.csv, ard.json               the ARD behind every number shown
    <out_dir>/ard_metadata.json               the software that computed it, and its lock
    <out_dir>/tlfs/<slug>.rtf, <slug>.csv     each table and listing
    <out_dir>/tlfs/<slug>.svg, <slug>.rtf     each figure
    <out_dir>/adam/                           the derived datasets (XPT, CSV, define.json)

plus ``osteo-stats-manifest.json``. ``report dmc`` writes two reports (``spec.REPORT_SETS``,
SAP 10.2): the PDF, HTML and combined RTF of the closed-session report (name ``dmc``) and of the
open-session report (``dmc-open``); the open report's TLFs are a subset of the closed report's, so
one ARD and one ``tlfs/`` serve both. If anything fails, nothing is written and an earlier report
in ``out_dir`` is left as it was. A report is a record: an earlier one in ``out_dir`` is replaced
only when the caller says so (``replace=True``, the CLI's ``--force``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteo_stats.outputs import (
    atomic_output_dir,
    atomic_write_bytes,
    atomic_write_text,
    check_output_dir,
)
from osteo_stats.render.beside import Beside
from osteo_stats.render.context import ReportContext, analysis_statement
from osteo_stats.render.csv_export import tlf_to_csv
from osteo_stats.render.html import MissingView, TLFView, anchor_for, render_html, tlf_view
from osteo_stats.render.methods import methods_text
from osteo_stats.render.pdf import PDFResult, start_pdf_layout
from osteo_stats.render.provenance import LockedEnvironment, environment_record
from osteo_stats.render.rtf import PAPER_INCHES, RunningText, combine_rtf, tlf_to_rtf
from osteo_stats.render.spec import REPORT_SETS, ReportSpec, SectionSpec, report_spec
from osteo_stats.render.summary import committee_summary, key_results
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.model import TLFOutput

StepCallback = Callable[[str], None]
ExtraFiles = Callable[[Path], list[Path]]
PAPERS: tuple[str, ...] = tuple(PAPER_INCHES)


@dataclass(frozen=True)
class SectionView:
    key: str
    anchor: str
    title: str
    sap: tuple[str, ...]
    intro: str
    items: tuple[TLFView | MissingView, ...]


@dataclass(frozen=True)
class RenderedReport:
    """One report of a run: its files, pages, TLFs and the seconds of each rendering step."""

    name: str
    #: The session it is for ("Closed session", "Open session"), else its short title.
    title: str
    pdf: Path
    html: Path
    pages: int
    shown: tuple[str, ...]
    missing: tuple[str, ...]
    timings: dict[str, float]


@dataclass
class _Rendered:
    """A report rendered to HTML; ``pdf`` is set when its layout process returns it."""

    spec: ReportSpec
    shown: list[TLFOutput]
    missing: list[str]
    html: str
    timings: dict[str, float]
    pdf: PDFResult | None = None


@dataclass(frozen=True)
class ReportResult:
    """What a run wrote and how long each step took (seconds, summed over its reports).

    ``pdf``, ``html``, ``pages``, ``shown`` and ``missing`` are those of the main report (the
    closed DMC report, the final report); ``reports`` holds every report the run wrote.
    """

    out_dir: Path
    pdf: Path
    html: Path
    files: tuple[str, ...]
    pages: int
    shown: tuple[str, ...]
    #: Outputs of the report not shown: not yet available, or not collected (below).
    missing: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)
    refused_urls: tuple[str, ...] = ()
    #: Those of ``missing`` the data cannot give: a mapping declares what they need not collected.
    not_collected: tuple[str, ...] = ()
    reports: tuple[RenderedReport, ...] = ()

    @property
    def not_yet_available(self) -> tuple[str, ...]:
        return tuple(label for label in self.missing if label not in self.not_collected)


def _index(outputs: Iterable[TLFOutput]) -> dict[str, TLFOutput]:
    index: dict[str, TLFOutput] = {}
    for output in outputs:
        label = output.tlf.label
        if label in index:
            raise ValueError(f"two TLF builders produced {label}; TLF numbers must be unique")
        index[label] = output
    return index


def report_outputs(spec: ReportSpec, outputs: list[TLFOutput]) -> list[TLFOutput]:
    """The outputs a report shows, in report order (unplaced ones last, if the spec wants them).

    The DMC report never takes a TLF its sections do not name (SAP 10.1).
    """
    index = _index(outputs)
    chosen = [index[label] for label in dict.fromkeys(spec.labels) if label in index]
    if spec.include_unplaced:
        placed = set(spec.labels)
        left_out = placed | set(spec.leaves_out)
        chosen += [output for output in outputs if output.tlf.label not in left_out]
    if spec.listings_elsewhere:
        shown = {output.tlf.label for output in chosen}
        chosen = [_cite_elsewhere(output, shown, spec.listings_elsewhere) for output in chosen]
    return chosen


#: "Listing 16.2.2", "Listings 16.2.7.2 and 16.2.7.3": a footnote's citation of listings.
_LISTING_CITATION = re.compile(r"\bListings? 16(?:\.\d+)+(?:(?:,? and |, )16(?:\.\d+)+)*")
_LISTING_NUMBER = re.compile(r"16(?:\.\d+)+")


def _cite_elsewhere(output: TLFOutput, shown: set[str], where: str) -> TLFOutput:
    """``output`` with each listing its footnotes cite but the report does not show followed
    by `` (where)``; the TLF itself (its CSV, RTF file and ARD rows) is unchanged."""

    def cite(match: re.Match[str]) -> str:
        numbers = _LISTING_NUMBER.findall(match[0])
        absent = [number for number in numbers if f"Listing {number}" not in shown]
        if not absent:
            return match[0]
        if len(absent) == len(numbers):
            return f"{match[0]} ({where})"
        return _LISTING_NUMBER.sub(
            lambda m: f"{m[0]} ({where})" if m[0] in absent else m[0], match[0]
        )

    footnotes = tuple(_LISTING_CITATION.sub(cite, note) for note in output.tlf.footnotes)
    if footnotes == output.tlf.footnotes:
        return output
    return dataclasses.replace(output, tlf=dataclasses.replace(output.tlf, footnotes=footnotes))


def _section_view(
    section: SectionSpec,
    index: dict[str, TLFOutput],
    views: dict[str, TLFView],
    reasons: dict[str, str],
) -> SectionView:
    items: list[TLFView | MissingView] = []
    for label in section.tlfs:
        if label in index:
            items.append(views[label])
        else:
            title = expected_tlf(label).title
            items.append(MissingView(label, title, anchor_for(label), reasons.get(label, "")))
    return SectionView(
        key=section.key,
        anchor=f"sec-{section.key}",
        title=section.title,
        sap=section.sap,
        intro=section.intro,
        items=tuple(items),
    )


def template_context(
    spec: ReportSpec,
    context: ReportContext,
    outputs: list[TLFOutput],
    paper: str = "A4",
) -> dict[str, Any]:
    """Everything the report template needs; every number already formatted by a TLF."""
    if paper not in PAPER_INCHES:
        raise ValueError(f"unknown paper size {paper!r}; allowed: {', '.join(PAPERS)}")
    shown = report_outputs(spec, outputs)
    index = _index(shown)
    views = {label: tlf_view(output.tlf) for label, output in index.items()}
    reasons = context.unavailable
    sections = [
        _section_view(section, index, views, reasons)
        for section in spec.sections
        if not section.appendix
    ]
    appendices = [
        _section_view(section, index, views, reasons)
        for section in spec.sections
        if section.appendix
    ]
    unplaced = [label for label in index if label not in set(spec.labels)]
    if unplaced:
        sections.append(
            SectionView(
                key="other",
                anchor="sec-other",
                title="Other outputs",
                sap=("11",),
                intro="Outputs produced by the package that no section above names.",
                items=tuple(views[label] for label in unplaced),
            )
        )
    labels = list(dict.fromkeys(spec.labels))
    missing = [label for label in labels if label not in index]
    summary = None
    if spec.committee_summary:
        raw = committee_summary(
            ARD.concat(output.ard for output in shown),
            {label: output.tlf for label, output in index.items()},
            planned_enrollment=context.sap.study.planned_enrollment,
            n_data_warnings=len(context.data_warnings),
            n_missing_outputs=len(missing),
            n_outputs=len(labels),
            accrual_shortfall=context.sap.dmc_report.accrual_shortfall_fraction,
            unavailable=reasons,
            n_not_collected=sum(1 for label in missing if label in reasons),
        )
        # The template shows a TLF inside the summary through the same view as in its section.
        blocks = tuple(
            dataclasses.replace(block, tlf=views[block.tlf.label] if block.tlf else None)
            for block in raw.blocks
            if spec.summary_blocks is None or block.key in spec.summary_blocks
        )
        summary = dataclasses.replace(raw, blocks=blocks)
    key = None
    if spec.key_results:
        key = key_results(
            ARD.concat(output.ard for output in shown),
            frozenset(index),
            context.sap,
            unavailable=reasons,
        )
    methods = [
        {"title": section.title, "sap": section.sap, "text": methods_text(section.key, context.sap)}
        for section in spec.sections
    ]
    return {
        "report": spec,
        "study": context.sap.study,
        "cutoff": context.cutoff,
        "paper": paper,
        "sections": sections,
        "appendices": appendices,
        "summary": summary,
        "key_results": key,
        "methods": [row for row in methods if row["text"]],
        "provenance": context.provenance,
        "analysis": analysis_statement(context, spec.kind),
        "missing": missing,
    }


def render_report_html(
    kind: str,
    context: ReportContext,
    outputs: list[TLFOutput],
    paper: str = "A4",
) -> str:
    """The report as one self-contained HTML document (CSS inline, figures as inline SVG).

    ``kind`` is a report name of :data:`osteo_stats.render.spec.REPORTS` (``"dmc-open"`` too).
    """
    spec = report_spec(kind)
    return render_html(f"{spec.kind}.html.j2", template_context(spec, context, outputs, paper))


def report_name(name: str, context: ReportContext) -> str:
    """File stem such as ``PROMIS_dmc_2026-04-30`` (``name``: ``ReportSpec.name``)."""
    study = re.sub(r"[^A-Za-z0-9_-]+", "_", context.sap.study.studyid) or "study"
    return f"{study}_{name}_{context.cutoff:%Y-%m-%d}"


def running_text(kind: str, context: ReportContext) -> RunningText:
    """The RTF running header and footer of a report's TLFs (SAP 11.1, RTF conventions)."""
    study = context.sap.study
    return RunningText(
        protocol=f"{study.studyid} ({study.registry_id})",
        cutoff=context.cutoff,
        program=f"osteo-stats {context.provenance.package_version} report {kind}",
        run_at=context.provenance.generated_at,
    )


def write_tlf_files(
    outputs: list[TLFOutput],
    directory: Path,
    *,
    rtf: bool,
    paper: str = "A4",
    running: RunningText | None = None,
) -> list[Path]:
    """Each table/listing as CSV, each figure as SVG, and each TLF as RTF if asked (with the
    running header and footer ``running``), under ``directory``."""
    return _write_tlf_files(outputs, directory, rtf=rtf, paper=paper, running=running)[0]


def _write_tlf_files(
    outputs: list[TLFOutput],
    directory: Path,
    *,
    rtf: bool,
    paper: str,
    running: RunningText | None,
) -> tuple[list[Path], list[str]]:
    """:func:`write_tlf_files`, and the RTF documents written, in the order of ``outputs``."""
    written, documents = [], []
    for output in outputs:
        tlf = output.tlf
        if tlf.kind == "Figure":
            if tlf.svg is None:
                raise ValueError(f"{tlf.label} is a figure without SVG")
            path = directory / f"{tlf.slug}.svg"
            atomic_write_text(path, tlf.svg)
            written.append(path)
        else:
            path = directory / f"{tlf.slug}.csv"
            atomic_write_text(path, tlf_to_csv(tlf))
            written.append(path)
        if rtf:
            path = directory / f"{tlf.slug}.rtf"
            documents.append(tlf_to_rtf(tlf, paper, running))
            atomic_write_text(path, documents[-1])
            written.append(path)
    return written, documents


def write_report_files(
    kind: str,
    context: ReportContext,
    reports: Sequence[tuple[str, list[TLFOutput]]],
    directory: Path,
    paper: str,
    extra_files: ExtraFiles | None,
) -> list[Path]:
    """The files of a set of reports besides their PDF and HTML, in ``directory``: one ARD and
    each TLF once (CSV/SVG and RTF; an open-session report's TLFs are a subset of the closed
    report's), each report's combined RTF ``<name>_tlfs.rtf`` (``reports`` gives the names and
    TLFs in order) and ``extra_files``."""
    by_label: dict[str, TLFOutput] = {}
    for _name, shown in reports:
        for output in shown:
            by_label.setdefault(output.tlf.label, output)
    outputs = list(by_label.values())
    files = write_ard(
        ARD.concat(o.ard for o in outputs),
        directory,
        context.analysis_type,
        context.provenance.environment,
    )
    running = running_text(kind, context)
    tlf_files, documents = _write_tlf_files(
        outputs, directory / "tlfs", rtf=True, paper=paper, running=running
    )
    files += tlf_files
    rtf_of = dict(zip(by_label, documents, strict=True))
    for name, shown in reports:
        if shown:
            # A TLF that this report cites differently (SAP 10.2) is rendered again for it.
            combined = combine_rtf(
                [
                    rtf_of[output.tlf.label]
                    if output is by_label[output.tlf.label]
                    else tlf_to_rtf(output.tlf, paper, running)
                    for output in shown
                ]
            )
            atomic_write_text(directory / f"{name}_tlfs.rtf", combined)
            files.append(directory / f"{name}_tlfs.rtf")
    files += extra_files(directory) if extra_files is not None else []
    return files


def write_ard(
    ard: ARD,
    directory: Path,
    analysis_type: str | None = None,
    environment: LockedEnvironment | None = None,
) -> list[Path]:
    """``ard.csv``, ``ard.json`` and their metadata record ``ard_metadata.json`` (SAP 12.1): the
    package, Python and key package versions that computed the ARD, and the locked set with
    whether the environment was that set (``environment``: as the report's provenance states it;
    by default looked up now)."""
    atomic_write_text(directory / "ard.csv", ard.to_csv_text(analysis_type))
    atomic_write_text(directory / "ard.json", ard.to_json_text(analysis_type))
    metadata = {
        "description": "The software that computed ard.csv and ard.json (SAP 12.1)",
        "analysis_type": analysis_type,
        **environment_record(environment),
    }
    atomic_write_text(directory / "ard_metadata.json", json.dumps(metadata, indent=2) + "\n")
    return [directory / "ard.csv", directory / "ard.json", directory / "ard_metadata.json"]


def write_analysis(
    outputs: list[TLFOutput],
    out_dir: Path,
    analysis_type: str | None = None,
    *,
    command: Sequence[str] = (),
    keep_out: Mapping[Path, str] | None = None,
    extra_files: ExtraFiles | None = None,
) -> list[str]:
    """``osteo-stats analyze``: the ARD and every TLF as CSV/SVG, no report.

    ``out_dir`` is written by the rule of :func:`osteo_stats.outputs.check_output_dir`; an
    earlier analysis there is replaced, anything else is refused. ``extra_files`` (the derived
    datasets, :func:`osteo_stats.render.adam.adam_writer`) writes into the same directory.
    """
    with atomic_output_dir(out_dir, command=command, keep_out=keep_out) as scratch:
        files = write_ard(ARD.concat(output.ard for output in outputs), scratch, analysis_type)
        files += write_tlf_files(outputs, scratch / "tlfs", rtf=False)
        files += extra_files(scratch) if extra_files is not None else []
        names = sorted(str(path.relative_to(scratch)) for path in files)
    return names


def write_report(
    kind: str,
    context: ReportContext,
    outputs: list[TLFOutput],
    out_dir: Path,
    *,
    paper: str = "A4",
    on_step: StepCallback | None = None,
    replace: bool = False,
    keep_out: Mapping[Path, str] | None = None,
    extra_files: ExtraFiles | None = None,
    pdf_layout: Beside[PDFResult] | None = None,
    root: Path | None = None,
) -> ReportResult:
    """Render and write a committee report (see the module docstring for the files).

    Parameters
    ----------
    kind
        ``"dmc"`` (the closed- and the open-session report, SAP 10.2) or ``"final"``.
    context, outputs
        What the report knows about the analysis, with its provenance
        (:func:`osteo_stats.render.context.build_report_context`), and the TLFs built at that
        cut-off (any subset of the SAP 11 catalogue; missing ones are shown as not yet
        available).
    out_dir
        Written atomically when every file is complete. It may not hold an earlier report
        unless ``replace`` is true, nor anything osteo-stats did not write
        (:func:`osteo_stats.outputs.check_output_dir`, with ``keep_out``).
    paper
        ``"A4"`` (default) or ``"letter"``.
    on_step
        Called with a short description before each step (the CLI shows progress with it).
    extra_files
        Writes more files into the report directory (given the scratch directory, returns the
        paths): the derived datasets, :func:`osteo_stats.render.adam.adam_writer`.
    pdf_layout
        The process that lays out the PDF beside the files, started early by the caller
        (:func:`osteo_stats.render.pdf.start_pdf_layout`, as the CLI does before loading the
        data); by default started here.
    root
        The ``--out`` folder ``out_dir`` lies in (``OUT/dmc/<cut-off>``): the folders between
        are osteo-stats' own and never a symbolic link
        (:func:`osteo_stats.outputs.check_output_dir`).
    """
    step = on_step or (lambda _description: None)
    # Refuse before the slow layout, not after; atomic_output_dir checks again at the swap.
    check_output_dir(out_dir, replace=replace, keep_out=keep_out, root=root)
    specs = REPORT_SETS[report_spec(kind).kind]
    rendered: list[_Rendered] = []
    for spec in specs:
        label = f" ({spec.session.lower()})" if spec.session else ""
        timings: dict[str, float] = {}
        shown = report_outputs(spec, outputs)
        step(f"Rendering HTML{label}")
        started = time.perf_counter()
        template = template_context(spec, context, outputs, paper)
        html = render_html(f"{spec.kind}.html.j2", template)
        timings["html"] = time.perf_counter() - started
        rendered.append(_Rendered(spec, shown, template["missing"], html, timings))

    with ExitStack() as stack:
        scratch = stack.enter_context(
            atomic_output_dir(
                out_dir, command=context.argv, replace=replace, keep_out=keep_out, root=root
            )
        )
        # Each report is laid out by WeasyPrint in its own process while this one writes the
        # files, which do not depend on the PDFs.
        layouts = []
        for index, report in enumerate(rendered):
            layout = pdf_layout if index == 0 and pdf_layout is not None else start_pdf_layout()
            stack.enter_context(layout)
            layout.send(report.html)
            layouts.append(layout)
        step("Writing ARD, RTF, CSV and SVG files; WeasyPrint lays out the PDF beside")
        started = time.perf_counter()
        files = write_report_files(
            kind,
            context,
            [(report_name(report.spec.name, context), report.shown) for report in rendered],
            scratch,
            paper,
            extra_files,
        )
        files_seconds = time.perf_counter() - started
        for report, layout in zip(rendered, layouts, strict=True):
            label = f" ({report.spec.session.lower()})" if report.spec.session else ""
            step(f"Laying out the PDF{label} (WeasyPrint)")
            started = time.perf_counter()
            report.pdf = layout.result()
            report.timings["pdf_layout"] = report.pdf.layout_seconds
            report.timings["pdf_write"] = report.pdf.write_seconds
            # How long the command waited for this PDF once the files were written.
            report.timings["pdf_wait"] = time.perf_counter() - started
            name = report_name(report.spec.name, context)
            atomic_write_bytes(scratch / f"{name}.pdf", report.pdf.pdf)
            atomic_write_text(scratch / f"{name}.html", report.html)
            files += [scratch / f"{name}.pdf", scratch / f"{name}.html"]
        names = tuple(sorted(str(path.relative_to(scratch)) for path in files))

    out_dir = Path(out_dir).resolve()
    reports = tuple(
        RenderedReport(
            name=report.spec.name,
            title=report.spec.session or report.spec.short_title,
            pdf=out_dir / f"{report_name(report.spec.name, context)}.pdf",
            html=out_dir / f"{report_name(report.spec.name, context)}.html",
            pages=report.pdf.pages,
            shown=tuple(output.tlf.label for output in report.shown),
            missing=tuple(report.missing),
            timings=report.timings,
        )
        for report in rendered
    )
    main = reports[0]
    totals = {
        step_name: sum(report.timings[step_name] for report in reports)
        for step_name in ("html", "pdf_layout", "pdf_write", "pdf_wait")
    }
    return ReportResult(
        out_dir=out_dir,
        pdf=main.pdf,
        html=main.html,
        files=names,
        pages=main.pages,
        shown=main.shown,
        missing=main.missing,
        timings={**totals, "files": files_seconds},
        refused_urls=tuple(
            dict.fromkeys(url for report in rendered for url in report.pdf.refused_urls)
        ),
        not_collected=tuple(label for label in main.missing if label in context.unavailable),
        reports=reports,
    )
