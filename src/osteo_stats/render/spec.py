"""What each committee report contains: its sections and the TLFs each section shows.

The reports are driven by these specifications, not by whatever the TLF catalogue happens to
produce: a section lists the TLF labels it expects (SAP 11), and a TLF that the catalogue does not
produce yet is shown as "Not yet available", never with placeholder numbers.

The DMC report shows only the TLFs its sections name. Efficacy outputs produced by the catalogue
are left out of the DMC report *and* out of its ARD/RTF/CSV files: SAP 10.1 allows no efficacy
estimate at interim other than the stage-1 futility status.

``report dmc`` writes two reports from one run (SAP 10.2): the closed-session report
(``DMC_REPORT``, everything) and the open-session report (``DMC_OPEN_REPORT``: the closed report's
sections without patient-level listings, without the toxicity-boundary and stage-1 futility
sections). ``REPORT_SETS`` says which reports each command writes. The final report puts its
tables first and every patient listing in a closing appendix (SAP 10.3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from osteo_stats.tlf.catalogue import SAP_TLFS, expected_tlf

ReportKind = Literal["dmc", "final"]
REPORT_KINDS: tuple[ReportKind, ...] = ("dmc", "final")


@dataclass(frozen=True)
class SectionSpec:
    """One report section: a heading, the SAP sections behind it, and its TLFs in order."""

    key: str
    title: str
    sap: tuple[str, ...]
    tlfs: tuple[str, ...]
    intro: str = ""
    #: Shown after the methods and provenance appendices, lettered on (SAP 10.3).
    appendix: bool = False

    def __post_init__(self) -> None:
        for label in self.tlfs:
            expected_tlf(label)  # a typo in a spec fails at import, not in a report


@dataclass(frozen=True)
class ReportSpec:
    """A whole report: its title, sections (in order) and what opens it (a committee summary,
    key results)."""

    kind: ReportKind
    title: str
    short_title: str
    sections: tuple[SectionSpec, ...]
    committee_summary: bool
    #: Show catalogue TLFs that no section names in a closing "Other outputs" section.
    include_unplaced: bool
    #: The TLF catalogue areas this report draws on (``osteo_stats.tlf.build.BUILDERS``).
    areas: tuple[str, ...]
    #: The report's part of its file names, ``<STUDY>_<name>_<cutoff>.pdf``.
    name: str = ""
    #: The DMC session it is for ("Closed session", "Open session"), said on the cover.
    session: str = ""
    #: The confidentiality note closing the cover.
    cover_note: str = ""
    summary_title: str = "Summary for the committee"
    #: The committee-summary blocks shown (``render.summary`` block keys); None: all of them.
    summary_blocks: tuple[str, ...] | None = None
    #: A key-results page after the table of contents (SAP 10.3).
    key_results: bool = False
    #: Where the patient listings its footnotes cite but it does not show are; each such
    #: citation is followed by it in parentheses (SAP 10.2). Empty: citations are left as built.
    listings_elsewhere: str = ""
    #: Catalogue TLFs this report never shows, not even among "Other outputs".
    leaves_out: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.kind)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for section in self.sections for label in section.tlfs)


def _section(key: str, title: str, sap: str, tlfs: str, intro: str = "") -> SectionSpec:
    labels = tuple(label.strip() for label in tlfs.split(",") if label.strip())
    return SectionSpec(key, title, tuple(sap.split()), labels, intro)


def _is_listing(label: str) -> bool:
    return expected_tlf(label).kind == "Listing"


def _without_listings(section: SectionSpec, note: str) -> SectionSpec:
    """``section`` without its patient listings; ``note`` says where they are (``{}``: their
    labels)."""
    listings = [label for label in section.tlfs if _is_listing(label)]
    if not listings:
        return section
    intro = " ".join(part for part in (section.intro, note.format(", ".join(listings))) if part)
    tables = tuple(label for label in section.tlfs if not _is_listing(label))
    return replace(section, tlfs=tables, intro=intro)


def _tables_then_listings(sections: tuple[SectionSpec, ...]) -> tuple[SectionSpec, ...]:
    """The sections with their tables and figures, then one appendix holding every patient
    listing they name, in SAP 11.4 order (SAP 10.3)."""
    named = {label for section in sections for label in section.tlfs if _is_listing(label)}
    listings = tuple(tlf.label for tlf in SAP_TLFS if tlf.label in named)
    body = tuple(
        _without_listings(section, "{}: see the appendix of patient listings.")
        for section in sections
    )
    body = tuple(section for section in body if section.tlfs)  # listings only: appendix only
    appendix = SectionSpec(
        "patient-listings",
        "Patient listings",
        ("11.4",),
        listings,
        "The patient listings of the sections above, in listing number order.",
        appendix=True,
    )
    return (*body, appendix)


# Sections shared by both reports (TRIAL.md "Reports"; SAP 9.3).
_ACCRUAL = _section(
    "accrual",
    "Enrollment and accrual against plan",
    "2.1 7.8",
    "Table 14.1.3, Figure 14.1.1",
)
_DISPOSITION = _section(
    "disposition",
    "Disposition and analysis sets",
    "4 7.8",
    "Table 14.1.1, Table 14.1.2, Table 14.1.4, Listing 16.2.1, Listing 16.2.2",
)
_CURRENCY = _section(
    "data-currency", "Data currency at the cut-off", "8.5", "Table 14.1.8, Listing 16.2.9"
)
_BASELINE = _section("baseline", "Baseline characteristics", "7.8", "Table 14.1.5, Listing 16.2.4")
_EXPOSURE = _section(
    "exposure",
    "Exposure and surgery timing",
    "9.5",
    "Table 14.1.6, Table 14.1.7, Listing 16.2.5",
)
# The committee reads exposure as summaries; one row per administration (over a thousand rows,
# some 30 pages) belongs to the final report's patient listings.
_EXPOSURE_DMC = _section(
    "exposure",
    "Exposure and surgery timing",
    "9.5",
    "Table 14.1.6, Table 14.1.7",
    "The administration-level listing is part of the final report.",
)
_AE = _section(
    "adverse-events",
    "Adverse events: overview and tables",
    "9.1 9.2",
    "Table 14.3.1, Table 14.3.2, Table 14.3.3, Table 14.3.4.1, Table 14.3.4.4, Listing 16.2.7.2",
)
_SAE = _section(
    "serious-adverse-events",
    "Serious adverse events",
    "9.2 9.7",
    "Table 14.3.4.3, Listing 16.2.7.1, Listing 16.2.7.7",
)
# Patient listings only: the closed DMC report and the final report's appendix (SAP 9.7, 10.2).
_AESI = _section(
    "adverse-events-of-special-interest",
    "Adverse events of special interest",
    "9.7",
    "Listing 16.2.7.8",
)
# What is new since the previous DMC report is a DMC matter (SAP 10.4): closed session only.
_NEW_AE = _section(
    "new-adverse-events",
    "Adverse events new since the previous DMC report",
    "10.4",
    "Listing 16.2.7.9",
)
_IRAE = _section(
    "immune-related-adverse-events",
    "Immune-related adverse events",
    "9.2",
    "Table 14.3.4.2, Listing 16.2.7.3",
)
_SURGERY = _section(
    "surgical-complications",
    "Surgical complications",
    "9.2",
    "Table 14.3.4.6, Listing 16.2.7.5",
)
_DEATHS = _section("deaths", "Deaths", "9.2", "Table 14.3.4.5, Listing 16.2.7.4")
_LAB = _section(
    "laboratory",
    "Laboratory toxicity (CTCAE v5)",
    "9.6",
    "Table 14.3.6.1, Table 14.3.6.2, Listing 16.2.8.1",
)
_TOXICITY = _section(
    "toxicity-boundary",
    "Toxicity stopping boundary",
    "9.4",
    "Table 14.3.5, Figure 14.3.1, Listing 16.2.7.6",
)
_FUTILITY = _section(
    "stage-1-futility",
    "Stage-1 futility status",
    "5.5 10.1",
    "Table 14.2.3",
    "No other efficacy estimate is shown at interim (SAP 10.1).",
)

# The safety sections, in the same order in both reports (SAP 9.3).
_SAFETY = (_AE, _SAE, _AESI, _IRAE, _SURGERY, _DEATHS, _LAB, _TOXICITY)

DMC_REPORT = ReportSpec(
    kind="dmc",
    title="Data Monitoring Committee report (interim, safety)",
    short_title="DMC report",
    sections=(
        _ACCRUAL,
        _DISPOSITION,
        _CURRENCY,
        _BASELINE,
        _EXPOSURE_DMC,
        _AE,
        _NEW_AE,
        *_SAFETY[1:],
        _FUTILITY,
    ),
    committee_summary=True,
    include_unplaced=False,
    areas=("disposition", "monitoring", "safety"),
    session="Closed session",
    cover_note="For the Data Monitoring Committee closed session only. Interim safety report: no "
    "efficacy estimate other than the stage-1 futility status is shown (SAP 10.1).",
)

# The open session sees the pooled summaries only (SAP 10.2): no patient-level listing, nothing
# about the toxicity boundary or the stage-1 futility rule. Sections not listed here stay closed.
_OPEN_NOTE = "Patient listings are in the closed-session report only."
DMC_OPEN_REPORT = ReportSpec(
    kind="dmc",
    name="dmc-open",
    title=DMC_REPORT.title,
    short_title="DMC report",
    sections=tuple(
        _without_listings(section, _OPEN_NOTE)
        for section in DMC_REPORT.sections
        # A section of patient listings only would be left empty.
        if section not in (_TOXICITY, _FUTILITY, _AESI, _NEW_AE)
    ),
    committee_summary=True,
    include_unplaced=False,
    areas=DMC_REPORT.areas,
    session="Open session",
    cover_note="For the sponsor, the investigators and the open session of the Data Monitoring "
    "Committee. Pooled enrollment, disposition, baseline and safety summaries only: no "
    "patient-level listing, toxicity-boundary status or efficacy result (SAP 10.2).",
    summary_title="Summary for the open session",
    summary_blocks=("enrollment", "safety"),
    listings_elsewhere="closed-session report",
)

FINAL_REPORT = ReportSpec(
    kind="final",
    title="Final study report",
    short_title="Final report",
    sections=_tables_then_listings(
        (
            _ACCRUAL,
            _DISPOSITION,
            _CURRENCY,
            _BASELINE,
            _EXPOSURE,
            _section(
                "primary-endpoint",
                "Primary endpoint: 2-year EFS rate with design-based inference",
                "3.1 5 7.2 7.5",
                "Table 14.2.1, Table 14.2.2, Table 14.2.3, Table 14.2.4, Figure 14.2.5, "
                "Listing 16.2.6.1",
            ),
            _section(
                "efs",
                "Event-free survival",
                "3.2 7.3 7.5",
                "Table 14.2.9, Figure 14.2.1, Table 14.2.10, Table 14.2.12, Listing 16.2.6.2",
            ),
            _section("os", "Overall survival", "3.2.5 7.3", "Table 14.2.11, Figure 14.2.2"),
            _section(
                "response",
                "Tumour response (RECIST 1.1)",
                "3.3 7.1",
                "Table 14.2.5, Table 14.2.6, Figure 14.2.3, Figure 14.2.4",
            ),
            _section(
                "pathology",
                "Pathological response and R0 resection",
                "3.4",
                "Table 14.2.7, Table 14.2.8, Listing 16.2.6.3",
            ),
            _section(
                "cox-subgroups",
                "Exploratory Cox regression and subgroups",
                "7.4",
                "Table 14.2.13, Table 14.2.14",
            ),
            _section(
                "biomarkers",
                "Exploratory biomarkers",
                "7.6",
                "Table 14.4.1, Table 14.4.2, Figure 14.4.1, Table 14.4.3, Figure 14.4.2, "
                "Table 14.4.4, Figure 14.4.3",
            ),
            *_SAFETY,
        )
    ),
    committee_summary=False,
    include_unplaced=True,
    areas=("disposition", "design", "efficacy", "monitoring", "safety", "biomarkers"),
    key_results=True,
    # What is new since the previous DMC report is the DMC's (SAP 10.4); the final report has
    # no previous report to compare with.
    leaves_out=("Listing 16.2.7.9",),
)

REPORTS: dict[str, ReportSpec] = {
    spec.name: spec for spec in (DMC_REPORT, DMC_OPEN_REPORT, FINAL_REPORT)
}
#: The reports one ``osteo-stats report <kind>`` run writes, the first the main one (SAP 10.2).
REPORT_SETS: dict[ReportKind, tuple[ReportSpec, ...]] = {
    "dmc": (DMC_REPORT, DMC_OPEN_REPORT),
    "final": (FINAL_REPORT,),
}


def report_spec(kind: str) -> ReportSpec:
    """The specification for ``"dmc"``, ``"dmc-open"`` or ``"final"``."""
    try:
        return REPORTS[kind]
    except KeyError:
        raise ValueError(f"unknown report {kind!r}; allowed: {', '.join(REPORTS)}") from None
