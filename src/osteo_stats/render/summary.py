"""The DMC's one-page committee summary (SAP 10.2), read from the ARD and the TLFs.

Nothing here computes a statistic. Each line is one ARD value (looked up by analysis id,
statistic, parameter and group), a TLF body shown as it is, or a status flag the analysis put in
the ARD as 0/1 (SAP 12.1). When the row or TLF is missing the line says "not yet available".

ARD rows read (the contract with the TLF builders; ``group`` as in SAP 12.1):

===========  =========  ======================  ===========================================
analysis id  statistic  parameter / group       meaning
===========  =========  ======================  ===========================================
DSP-ACCR-01  N          ENROLLED                patients enrolled by the cut-off
DSP-ACCR-01  N          PLANNED ENROLLMENT      planned enrollment
DSP-ACCR-01  expected   CUMULATIVE ENROLLED,    planned cumulative enrollment; the last month
                        MONTH=YYYY-MM           is the cut-off month
TOX-BDRY-01  n          UTOX, STATUS=EVALUABLE  patients evaluable for toxicity
TOX-BDRY-01  n          UTOX, STATUS=EVALUABLE  ... of whom with an unacceptable toxicity
                        WITH UNACCEPTABLE
                        TOXICITY
TOX-BDRY-01  reached,   UTOX, LOOK=k            look k reached (0/1); x_k; b_k (largest
             observed,                          acceptable count); crossed (0/1, NaN if the
             boundary,                          look is not reached and not yet certain)
             crossed
EFF-PRIM-02  N,         PRIMARY                 n1 and r1 of the Simon design
             boundary
EFF-PRIM-02  n          PRIMARY, STATUS=...     SUCCESS, FAILURE, PENDING, EVALUABLE
EFF-PRIM-02  reached,   PRIMARY,                the stage-1 decision is determined (0/1);
             crossed    STATUS=DECISION         successes exceed r1 = continue (0/1)
DMC-NEW-01   n          category, PREVIOUS      new since the previous DMC cut-off (SAP
                        CUTOFF=YYYY-MM-DD       10.4); no rows: no previous report found
DSP-CURR-01  n          CURRENCY, STATUS=ON     patients on study overdue for a scheduled
                        STUDY; ASSESSMENT=      tumour assessment (SAP 8.5)
                        OVERDUE
===========  =========  ======================  ===========================================

The key safety counts are Table 14.3.1 (TEAE overview), shown as its builder formatted it.

Enrollment is listed as needing attention when it is below ``accrual_shortfall`` (SAP 10.2,
``dmc_report.accrual_shortfall_fraction``) of the planned cumulative enrollment at the cut-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.model import TLF

NOT_AVAILABLE = "not yet available"


@dataclass(frozen=True)
class SummaryLine:
    label: str
    value: str
    source: str


@dataclass(frozen=True)
class SummaryBlock:
    """One box of the summary: lines of values, an optional TLF shown in full, a status."""

    key: str
    title: str
    lines: tuple[SummaryLine, ...] = ()
    tlf: TLF | None = None
    missing: str = ""
    status: str = ""
    attention: bool = False


@dataclass(frozen=True)
class CommitteeSummary:
    blocks: tuple[SummaryBlock, ...]
    attention: tuple[str, ...] = field(default_factory=tuple)


def _rows(ard: ARD, analysis_id: str, statistic: str, parameter: str | None = None):
    frame = ard.frame
    mask = (frame["analysis_id"] == analysis_id) & (frame["statistic"] == statistic)
    if parameter is not None:
        mask &= frame["parameter"] == parameter
    return frame.loc[mask]


def _single(
    ard: ARD, analysis_id: str, statistic: str, parameter: str, group: str = "ALL"
) -> float | None:
    """The one value at these keys, or None (no row, several rows, or missing)."""
    rows = _rows(ard, analysis_id, statistic, parameter)
    rows = rows.loc[rows["group"] == group]
    if len(rows) != 1 or math.isnan(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def _latest_reached_look(ard: ARD) -> int | None:
    rows = _rows(ard, "TOX-BDRY-01", "reached", "UTOX")
    looks = [
        int(group.removeprefix("LOOK="))
        for group, value in zip(rows["group"], rows["value"], strict=True)
        if group.startswith("LOOK=") and group[5:].isdigit() and value == 1
    ]
    return max(looks) if looks else None


def _flag(ard: ARD, analysis_id: str, statistic: str) -> bool | None:
    """True if any row is 1, False if every row is 0, None if there is no such row."""
    values = _rows(ard, analysis_id, statistic)["value"].dropna()
    if values.empty:
        return None
    return bool((values == 1).any())


def _count(value: float | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return f"{value:.1f}" if value != int(value) else f"{int(value)}"


def _status(label: str, reasons: dict[str, str]) -> str:
    """The status of a summary block whose table is missing: not collected, or not yet."""
    return "not available (not collected)" if label in reasons else NOT_AVAILABLE


def _missing(label: str, reasons: dict[str, str]) -> str:
    if label in reasons:  # the data do not hold what it needs (--mapping, not collected)
        return f"{label} {expected_tlf(label).title}: {reasons[label]}"
    return f"Not yet available: {label} {expected_tlf(label).title}"


#: The "new since the previous DMC" block (SAP 10.4): DMC-NEW-01 category -> line label.
_NEW_LINES = (
    ("TEAE", "New treatment-emergent AEs"),
    ("SERIOUS TEAE", "... serious"),
    ("TEAE GRADE >= 3", "... CTCAE grade >= 3"),
    ("DEATH", "Deaths"),
    ("DISCONTINUED", "Discontinuations (end of study)"),
    ("TOXICITY LOOK REACHED", "Toxicity looks reached"),
)


def _changes_block(ard: ARD) -> SummaryBlock:
    """What is new since the previous DMC cut-off, or that no previous report was found."""
    rows = _rows(ard, "DMC-NEW-01", "n")
    previous = sorted({g.removeprefix("PREVIOUS CUTOFF=") for g in rows["group"]})
    if len(previous) != 1:
        return SummaryBlock(
            "changes",
            "New since the previous DMC",
            missing="No previous DMC report found: nothing is flagged as new",
        )
    group = f"PREVIOUS CUTOFF={previous[0]}"
    source = dict(zip(rows["parameter"], rows["tlf"], strict=True))
    lines = tuple(
        SummaryLine(
            label,
            _count(_single(ard, "DMC-NEW-01", "n", category, group)),
            source.get(category, "SAP 10.4"),
        )
        for category, label in _NEW_LINES
    )
    return SummaryBlock(
        "changes", f"New since the previous DMC (cut-off {previous[0]})", lines=lines
    )


def committee_summary(
    ard: ARD,
    tlfs: dict[str, TLF],
    planned_enrollment: int,
    n_data_warnings: int,
    n_missing_outputs: int,
    n_outputs: int,
    *,
    accrual_shortfall: float,
    unavailable: dict[str, str] | None = None,
    n_not_collected: int = 0,
) -> CommitteeSummary:
    """The summary blocks and the list of items needing the committee's attention.

    ``n_not_collected`` of the ``n_missing_outputs`` are missing because the data do not hold
    what they need (a mapping's "not collected"): said apart from those not yet available.
    """
    attention: list[str] = []
    reasons = unavailable or {}

    # Enrollment against plan.
    enrolled = _single(ard, "DSP-ACCR-01", "N", "ENROLLED")
    planned = _single(ard, "DSP-ACCR-01", "N", "PLANNED ENROLLMENT")
    expected = _single(
        ard, "DSP-ACCR-01", "expected", "CUMULATIVE ENROLLED", group="AT=DATA CUT-OFF"
    )
    source = "Table 14.1.3"
    enrollment = SummaryBlock(
        "enrollment",
        "Enrollment against plan",
        lines=(
            SummaryLine("Enrolled by the data cut-off", _count(enrolled), source),
            SummaryLine("Planned by the data cut-off", _count(expected), source),
            SummaryLine(
                "Planned in total",
                _count(planned if planned is not None else float(planned_enrollment)),
                source if planned is not None else "SAP 2.1",
            ),
        ),
    )
    if enrolled is not None and expected is not None and enrolled < accrual_shortfall * expected:
        attention.append(
            f"Enrollment is behind plan: {_count(enrolled)} enrolled against "
            f"{_count(expected)} planned by the data cut-off (Table 14.1.3)."
        )

    # Key safety counts: the TEAE overview as built.
    overview = tlfs.get("Table 14.3.1")
    safety = SummaryBlock(
        "safety",
        "Key safety counts",
        tlf=overview,
        missing="" if overview is not None else _missing("Table 14.3.1", reasons),
    )

    # Fatal events are always put before the committee, whatever the boundary says.
    fatal = _single(ard, "SAF-AE-01", "n", "TEAE", "ROW=GRADE 5")
    if fatal:
        attention.append(
            f"{_count(fatal)} patient(s) with a fatal (grade 5) treatment-emergent adverse event "
            "(Table 14.3.1; Listing 16.2.7.4)."
        )
    related_deaths = _single(
        ard, "SAF-DTH-01", "n", "DEATH", "ROW=CAUSE; DTHCAUS=TREATMENT-RELATED"
    )
    if related_deaths:
        attention.append(
            f"{_count(related_deaths)} treatment-related death(s) (Table 14.3.4.5); each counts "
            "as an unacceptable toxicity for the stopping rule (SAP 9.4)."
        )

    # Toxicity boundary.
    tox_source = "Table 14.3.5"
    crossed = _flag(ard, "TOX-BDRY-01", "crossed")
    look = _latest_reached_look(ard)
    tox_lines = [
        SummaryLine(
            "Patients evaluable for toxicity",
            _count(_single(ard, "TOX-BDRY-01", "n", "UTOX", "STATUS=EVALUABLE")),
            tox_source,
        ),
        SummaryLine(
            "... of whom with an unacceptable toxicity",
            _count(
                _single(
                    ard,
                    "TOX-BDRY-01",
                    "n",
                    "UTOX",
                    "STATUS=EVALUABLE WITH UNACCEPTABLE TOXICITY",
                )
            ),
            tox_source,
        ),
    ]
    if look is not None:
        group = f"LOOK={look}"
        n_k = _single(ard, "TOX-BDRY-01", "N", "UTOX", group)
        x_k = _single(ard, "TOX-BDRY-01", "observed", "UTOX", group)
        b_k = _single(ard, "TOX-BDRY-01", "boundary", "UTOX", group)
        tox_lines.append(
            SummaryLine(
                f"Latest look reached: look {look} ({_count(n_k)} patients)",
                f"{_count(x_k)} (stop if > {_count(b_k)})",
                tox_source,
            )
        )
    if crossed is None:
        status = (
            "no look reached yet" if "Table 14.3.5" in tlfs else _status("Table 14.3.5", reasons)
        )
    elif crossed:
        status = "Boundary CROSSED"
        attention.append(
            "The toxicity stopping boundary has been crossed (Table 14.3.5): the committee "
            "should consider suspending accrual (SAP 9.4)."
        )
    else:
        status = "Boundary not crossed"
    toxicity = SummaryBlock(
        "toxicity",
        "Toxicity stopping boundary (SAP 9.4)",
        lines=tuple(tox_lines) if "Table 14.3.5" in tlfs or look is not None else (),
        missing="" if "Table 14.3.5" in tlfs else _missing("Table 14.3.5", reasons),
        status=status,
        attention=bool(crossed),
    )

    # Stage-1 futility: reached = decision determined; crossed = successes exceed r1.
    fut_source = "Table 14.2.3"
    decided = _single(ard, "EFF-PRIM-02", "reached", "PRIMARY", "STATUS=DECISION")
    continues = _single(ard, "EFF-PRIM-02", "crossed", "PRIMARY", "STATUS=DECISION")
    futile = False
    if decided is None or (decided == 1 and continues is None):
        futility_status = _status(fut_source, reasons)
    elif decided == 0:
        futility_status = "Pending"
    elif continues == 1:
        futility_status = "Continue to stage 2"
    else:
        futile = True
        futility_status = "Stop for futility recommended"
        attention.append(
            "The stage-1 futility rule is met: stop for futility recommended (Table 14.2.3, "
            "SAP 10.1)."
        )

    def stage1(status_: str) -> str:
        return _count(_single(ard, "EFF-PRIM-02", "n", "PRIMARY", f"STATUS={status_}"))

    n1 = _single(ard, "EFF-PRIM-02", "N", "PRIMARY")
    r1 = _single(ard, "EFF-PRIM-02", "boundary", "PRIMARY")
    futility_tlf = tlfs.get("Table 14.2.3")
    futility = SummaryBlock(
        "futility",
        "Stage-1 futility status (SAP 10.1)",
        lines=(
            SummaryLine(
                f"Evaluable of the first {_count(n1)} patients", stage1("EVALUABLE"), fut_source
            ),
            SummaryLine(
                f"Successes (stop if <= {_count(r1)} of {_count(n1)})",
                stage1("SUCCESS"),
                fut_source,
            ),
            SummaryLine("Failures", stage1("FAILURE"), fut_source),
            SummaryLine("Not yet evaluable", stage1("PENDING"), fut_source),
        )
        if futility_tlf is not None
        else (),
        missing="" if futility_tlf is not None else _missing("Table 14.2.3", reasons),
        status=futility_status,
        attention=futile,
    )

    overdue = _single(ard, "DSP-CURR-01", "n", "CURRENCY", "STATUS=ON STUDY; ASSESSMENT=OVERDUE")
    if overdue:
        attention.append(
            f"{_count(overdue)} patient(s) on study overdue for a scheduled tumour assessment "
            "at the data cut-off (Table 14.1.8; Listing 16.2.9; SAP 8.5)."
        )
    if n_data_warnings:
        attention.append(
            f"{n_data_warnings} data warning(s) were found at validation (not blocking); "
            "run osteo-stats validate on the data directory to list them."
        )
    if n_not_collected:
        attention.append(
            f"{n_not_collected} of the {n_outputs} outputs of this report are not available "
            "(not collected): the data do not hold what they need; each section names the "
            "columns."
        )
    if n_missing_outputs - n_not_collected:
        attention.append(
            f"{n_missing_outputs - n_not_collected} of the {n_outputs} outputs of this report "
            "are not yet available; each is marked in its section."
        )
    # Last, so that the blocks of every DMC report keep their place on the first page.
    blocks = (enrollment, safety, toxicity, futility, _changes_block(ard))
    return CommitteeSummary(blocks, tuple(attention))
