"""The DMC's one-page committee summary (SAP 10.2) and the final report's key results (SAP 10.3),
read from the ARD and the TLFs.

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
SAF-SAE-01   n, events  SAE, TEAE WINDOW=...    serious AEs at any time: patients, records,
                                                by TEAE-window status (SAP 9.7)
SAF-AESI-01  n, events  AESI, AESI=ANY;         AEs of special interest at any time (SAP 9.7)
                        TEAE WINDOW=...
SAF-DTH-01   n          DEATH, ROW=ANY          deaths of any cause in the SAF
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
from collections.abc import Callable
from dataclasses import dataclass, field

from osteo_stats.render.html import anchor_for
from osteo_stats.sap import SAP
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.efficacy.common import (
    Values,
    ci_method_name,
    fmt_count,
    fmt_int,
    month_key,
    pct_label,
)
from osteo_stats.tlf.format import fmt_number, fmt_p
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


#: The "new since the previous DMC" block (SAP 10.4): DMC-NEW-01 category -> line label, and
#: the category whose count the label names as outside the TEAE window (SAP 9.7).
_NEW_LINES = (
    ("AE", "New AEs (any time, incl. {} outside the TEAE window)", "AE OUTSIDE TEAE WINDOW"),
    (
        "SERIOUS AE",
        "... serious (incl. {} outside the TEAE window)",
        "SERIOUS AE OUTSIDE TEAE WINDOW",
    ),
    ("AE GRADE >= 3", "... CTCAE grade >= 3", ""),
    ("AESI", "... of special interest (SAP 9.7)", ""),
    ("DEATH", "Deaths", ""),
    ("DISCONTINUED", "Discontinuations (end of study)", ""),
    ("UNACCEPTABLE TOXICITY", "Unacceptable toxicities (SAP 9.4)", ""),
    ("TOXICITY LOOK REACHED", "Toxicity looks reached", ""),
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
            label.format(_count(_single(ard, "DMC-NEW-01", "n", outside, group)))
            if outside
            else label,
            _count(_single(ard, "DMC-NEW-01", "n", category, group)),
            source.get(category, "SAP 10.4"),
        )
        for category, label, outside in _NEW_LINES
    )
    return SummaryBlock(
        "changes", f"New since the previous DMC (cut-off {previous[0]})", lines=lines
    )


def _plural(n: float | None, word: str, words: str = "") -> str:
    """``1 patient``, ``3 patients`` (``words``: an irregular plural)."""
    return f"{_count(n)} {word if n == 1 else (words or word + 's')}"


def _any_time_items(ard: ARD, tlfs: dict[str, TLF]) -> list[str]:
    """Attention items for the events no TEAE table counts (SAP 9.7) and for every death: serious
    AEs outside the TEAE window (SAF-SAE-01), AEs of special interest (SAF-AESI-01), deaths of
    any cause (SAF-DTH-01). Read from the listings' ARD rows, so only a report that shows the
    listing (the closed session, SAP 10.2) has the first two."""
    items = []

    def window(analysis_id: str, parameter: str, statistic: str, status: str, aesi: str = ""):
        group = f"AESI={aesi}; TEAE WINDOW={status}" if aesi else f"TEAE WINDOW={status}"
        return _single(ard, analysis_id, statistic, parameter, group)

    outside = window("SAF-SAE-01", "SAE", "events", "OUTSIDE")
    if outside:
        parts = ", ".join(
            f"{_count(n)} {label}"
            for status, label in (
                ("BEFORE FIRST DOSE", "before the first dose"),
                ("AFTER THE TEAE WINDOW", "after the window"),
                ("NOT DOSED", "in a patient not dosed"),
            )
            if (n := window("SAF-SAE-01", "SAE", "events", status))
        )
        patients = window("SAF-SAE-01", "SAE", "n", "OUTSIDE")
        items.append(
            f"{_plural(outside, 'serious AE')} outside the TEAE window, in "
            f"{_plural(patients, 'patient')} ({parts}): counted in no TEAE table "
            "(Listing 16.2.7.7; SAP 9.7)."
        )
    aesi = window("SAF-AESI-01", "AESI", "events", "ANY", "ANY")
    if aesi:
        patients = window("SAF-AESI-01", "AESI", "n", "ANY", "ANY")
        outside = window("SAF-AESI-01", "AESI", "events", "OUTSIDE", "ANY")
        items.append(
            f"{_plural(aesi, 'AE')} of special interest in {_plural(patients, 'patient')}, "
            f"{_count(outside)} of them outside the TEAE window (Listing 16.2.7.8; SAP 9.7)."
        )
    deaths = _single(ard, "SAF-DTH-01", "n", "DEATH", "ROW=ANY")
    if deaths:
        listing = "; Listing 16.2.7.4" if "Listing 16.2.7.4" in tlfs else ""
        items.append(
            f"{_plural(deaths, 'death')} of any cause in the safety analysis set "
            f"(Table 14.3.4.5{listing})."
        )
    return items


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
        listing = "; Listing 16.2.7.4" if "Listing 16.2.7.4" in tlfs else ""  # if in the report
        attention.append(
            f"{_count(fatal)} patient(s) with a fatal (grade 5) treatment-emergent adverse event "
            f"(Table 14.3.1{listing})."
        )
    related_deaths = _single(
        ard, "SAF-DTH-01", "n", "DEATH", "ROW=CAUSE; DTHCAUS=TREATMENT-RELATED"
    )
    if related_deaths:
        attention.append(
            f"{_count(related_deaths)} treatment-related death(s) (Table 14.3.4.5); each counts "
            "as an unacceptable toxicity for the stopping rule (SAP 9.4)."
        )

    attention += _any_time_items(ard, tlfs)

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
        listing = "; Listing 16.2.9" if "Listing 16.2.9" in tlfs else ""
        attention.append(
            f"{_count(overdue)} patient(s) on study overdue for a scheduled tumour assessment "
            f"at the data cut-off (Table 14.1.8{listing}; SAP 8.5)."
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


# --- Key results of the final report (SAP 10.3) ---------------------------------------------


@dataclass(frozen=True)
class KeyLine:
    """One key figure, the TLF it comes from and that TLF's id in the report (its link)."""

    label: str
    value: str
    source: str
    anchor: str


@dataclass(frozen=True)
class KeyBlock:
    key: str
    title: str
    lines: tuple[KeyLine, ...]
    status: str = ""
    note: str = ""


#: The safety figures of the key-results page: label, table, and its ARD row (n; N of ALL).
_KEY_SAFETY: tuple[tuple[str, str, str, str, dict[str, str]], ...] = (
    ("Patients with any TEAE, n (%)", "Table 14.3.1", "SAF-AE-01", "TEAE", {"ROW": "ANY"}),
    ("  with a TEAE of grade >= 3", "Table 14.3.1", "SAF-AE-01", "TEAE", {"ROW": "GRADE GE 3"}),
    ("  with a serious TEAE", "Table 14.3.1", "SAF-AE-01", "TEAE", {"ROW": "SERIOUS"}),
    (
        "  with a treatment-related TEAE of grade >= 3",
        "Table 14.3.4.1",
        "SAF-AE-04",
        "TEAE",
        {"RELATED": "ANY", "GRADE": "GE3"},
    ),
    ("Deaths, n (%)", "Table 14.3.4.5", "SAF-DTH-01", "DEATH", {"ROW": "ANY"}),
    (
        "Patients with an unacceptable toxicity (SAP 9.4), n (%)",
        "Table 14.3.5",
        "TOX-BDRY-01",
        "UTOX",
        {"STATUS": "UNACCEPTABLE TOXICITY"},
    ),
)


def key_results(
    ard: ARD,
    shown: set[str] | frozenset[str],
    sap: SAP,
    *,
    unavailable: dict[str, str] | None = None,
) -> tuple[KeyBlock, ...]:
    """The key-results page: each figure one ARD value formatted as its table formats it.

    ``shown`` are the TLF labels in the report. A figure whose table is not shown, or whose row
    the analysis did not write (the design-based inference before the outcome is complete,
    SAP 7.2, 10.3), says "not yet available" ("not available (not collected)" when the data do
    not hold what its table needs).
    """
    reasons = unavailable or {}
    design, inf = sap.design, sap.inference

    def line(label: str, source: str, value: Callable[[], str]) -> KeyLine:
        if source not in shown:
            text = _status(source, reasons)
        else:
            try:
                text = value()
            except KeyError:  # no such row in the ARD: not computed at this cut-off
                text = f"{NOT_AVAILABLE} at this cut-off"
        return KeyLine(label, text, source, anchor_for(source))

    # Primary endpoint, design-based inference (Table 14.2.1, SAP 7.2).
    primary = Values(ard, "EFF-PRIM-01", "PRIMARY", "FAS")
    design_based = {"METHOD": "DESIGN-BASED"}
    t_primary = "Table 14.2.1"
    level = pct_label(1 - 2 * design.alpha)
    primary_lines = (
        line(
            "Patients in the primary analysis, N",
            t_primary,
            lambda: fmt_int(primary("N", {"STATUS": "SUCCESS"})),
        ),
        line(
            "Success / failure / not yet evaluable, n",
            t_primary,
            lambda: " / ".join(
                fmt_int(primary("n", {"STATUS": s}))
                for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
            ),
        ),
        line(
            "Successes / patients analysed (design-based)",
            t_primary,
            lambda: (
                f"{fmt_int(primary('n', design_based))} / {fmt_int(primary('N', design_based))}"
            ),
        ),
        line(
            f"Decision: reject H0 (p <= {fmt_number(100 * design.p0, 0)}%) if successes > r = "
            f"{design.r} of {design.n}",
            t_primary,
            lambda: "H0 rejected" if primary("crossed", design_based) == 1 else "H0 not rejected",
        ),
        line(
            "UMVUE (Jung & Kim 2004), %",
            t_primary,
            lambda: fmt_number(100 * primary("umvue", design_based), 1),
        ),
        line(
            f"Exact {level} CI, stage-wise ordering (Koyama & Chen 2008), %",
            t_primary,
            lambda: (
                f"({fmt_number(100 * primary('lcl', design_based), 1)}, "
                f"{fmt_number(100 * primary('ucl', design_based), 1)})"
            ),
        ),
        line(
            "One-sided p-value, stage-wise ordering",
            t_primary,
            lambda: fmt_p(primary("p_value", design_based), 4),
        ),
    )
    decision = primary_lines[3].value
    primary_block = KeyBlock(
        "primary",
        f"Primary endpoint: {sap.primary_endpoint.landmark_label} EFS rate (SAP 3.1, 7.2)",
        primary_lines,
        status=decision if decision.startswith("H0") else NOT_AVAILABLE,
        note=""
        if decision.startswith("H0")
        else "Design-based inference is computed when every patient of the primary analysis has "
        "a determined status (final analysis) or stage 1 stopped for futility (SAP 7.2, 10.3).",
    )

    conf = pct_label(inf.conf_level)

    def survival(key: str, name: str, source: str, analysis_id: str) -> KeyBlock:
        values = Values(ard, analysis_id, name, "FAS")
        lines = [
            line(
                "Patients with an event, n (%)",
                source,
                lambda: fmt_count(values("events"), values("N")),
            ),
            line(
                f"Median {name}, months ({conf} CI)",
                source,
                lambda: values.time_ci({"QUANTILE": "MEDIAN"}),
            ),
        ]
        for month in inf.km_landmarks_months:
            group = {"MONTH": month_key(month)}
            lines.append(
                line(
                    f"{name} rate at {month_key(month)} months, % ({conf} CI)",
                    source,
                    lambda group=group: values.rate_ci(group),
                )
            )
        title = "Event-free survival" if name == "EFS" else "Overall survival"
        return KeyBlock(key, f"{title} (Kaplan-Meier, SAP 7.3)", tuple(lines))

    orr = Values(ard, "EFF-ORR-01", "ORR", "FAS")
    r0 = Values(ard, "EFF-R0-01", "R0", "FAS")
    r0_operated = r0.at(analysis_set="FAS-OPERATED")
    method = ci_method_name(inf.proportion_ci)
    response = KeyBlock(
        "response",
        "Response and resection (SAP 3.3, 3.4, 7.1)",
        (
            line("Objective response (CR + PR), FAS, n (%)", "Table 14.2.6", lambda: orr.count()),
            line(f"  % ({conf} CI, {method})", "Table 14.2.6", lambda: orr.rate_ci()),
            line("R0 resection, FAS, n (%)", "Table 14.2.8", lambda: r0.count()),
            line(f"  % ({conf} CI, {method})", "Table 14.2.8", lambda: r0.rate_ci()),
            line("R0 resection, operated patients, n (%)", "Table 14.2.8", r0_operated.count),
            line(f"  % ({conf} CI, {method})", "Table 14.2.8", r0_operated.rate_ci),
        ),
    )

    def safety_count(analysis_id: str, parameter: str, group: dict[str, str]) -> Callable[[], str]:
        values = Values(ard, analysis_id, parameter, "SAF")
        return lambda: fmt_count(values("n", group), values("N"))

    safety = KeyBlock(
        "safety",
        "Safety, SAF (SAP 9)",
        tuple(
            line(label, source, safety_count(analysis_id, parameter, group))
            for label, source, analysis_id, parameter, group in _KEY_SAFETY
        ),
    )
    return (
        primary_block,
        survival("efs", "EFS", "Table 14.2.9", "EFF-EFS-01"),
        survival("os", "OS", "Table 14.2.11", "EFF-OS-01"),
        response,
        safety,
    )
