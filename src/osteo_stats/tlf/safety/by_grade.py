"""Tables 14.3.2, 14.3.3, 14.3.4.1-14.3.4.4: TEAEs by SOC and preferred term, by maximum grade,
by relatedness, immune-related, serious, and by phase (SAP 9.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.safety import PHASE_UNKNOWN, PHASES
from osteo_stats.tlf.ard import ARD, ARDBuilder, ARDView
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import (
    CTCAE,
    MODULE,
    PHASE_LABEL,
    teae,
)
from osteo_stats.tlf.safety.counting import (
    COUNT_NOTE,
    format_rows,
    missing_note,
    ranked,
    record_counts,
    row_order,
    worst_ranks,
)
from osteo_stats.tlf.summary import population_label, table_output


def _teae_table(
    ad: AnalysisData,
    number: str,
    analysis_id: str,
    n: int,
    notes: list[str],
    records: pd.DataFrame,
    body: pd.DataFrame,
    ard: ARD,
    *,
    landscape: bool = True,
) -> TLFOutput:
    """A table of TEAE counts in the SAF; the footnotes end with the missing-grade note when a
    record of ``records`` has no grade (SAP 9.2)."""
    missing = missing_note(records)
    return table_output(
        MODULE,
        ad,
        number,
        population_label("Safety analysis set", n),
        [*notes, *([missing] if missing else [])],
        analysis_id,
        body,
        ard,
        landscape=landscape,
    )


def by_grade_table(
    ad: AnalysisData,
    *,
    analysis_id: str,
    number: str,
    sections: Sequence[tuple[str, Mapping[str, object], pd.DataFrame]],
    extra_notes: Sequence[str] = (),
) -> TLFOutput:
    """A SOC/PT by maximum grade table (columns Grade 1-5, [Missing], Any, >= 3).

    ``sections`` are (heading, ARD section keys, TEAE records); one block per section.
    """
    n = len(ad.population("SAF"))
    parameter = "TEAE"
    tlf_label = f"Table {number}"
    b = ARDBuilder(analysis_id, tlf_label, "SAF")
    b.add("N", n, parameter=parameter)
    show_missing = any(records["AETOXGR"].isna().any() for _, _, records in sections)
    codes = CTCAE.codes(with_missing=True)
    layouts = []
    for heading, section, records in sections:
        worst = worst_ranks(ranked(records, CTCAE, "AETOXGR"))
        rows = row_order(worst)
        record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter, section=section)
        layouts.append((heading, section, rows))
    ard = b.build()

    view = ARDView(ard, analysis_id)
    n_view = view.count(parameter, statistic="N")
    shown = CTCAE.codes(with_missing=show_missing)
    body_rows: list[list[str]] = []
    for heading, section, rows in layouts:
        if heading:
            body_rows.append([heading, "", *([""] * len(shown))])
        body_rows += format_rows(
            view, rows, shown, n_view, parameter=parameter, section=section,
            any_label="Any TEAE",
        )  # fmt: skip
    columns = ["System organ class", "Preferred term", *(CTCAE.label(c) for c in shown)]
    all_records = pd.concat([r for _, _, r in sections], ignore_index=True)
    notes = [COUNT_NOTE.format(ctcae=ad.sap.safety.ctcae_version), *extra_notes]
    body = pd.DataFrame(body_rows, columns=columns, dtype=object)
    return _teae_table(ad, number, analysis_id, n_view, notes, all_records, body, ard)


def any_and_high_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.2: SOC/PT, all grades and grade >= 3."""
    aid, number, parameter = "SAF-AE-02", "14.3.2", "TEAE"
    te = teae(ad)
    n = len(ad.population("SAF"))
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    b.add("N", n, parameter=parameter)
    worst = worst_ranks(ranked(te, CTCAE, "AETOXGR"))
    rows = row_order(worst)
    codes = ("ANY", "GE3")
    record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter, section={})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    body = format_rows(view, rows, codes, n_view, parameter=parameter, section={},
                        any_label="Any TEAE")  # fmt: skip
    notes = [COUNT_NOTE.format(ctcae=ad.sap.safety.ctcae_version)]
    columns = ["System organ class", "Preferred term", "All grades", "Grade >= 3"]
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    return _teae_table(ad, number, aid, n_view, notes, te, frame, ard, landscape=False)


def phase_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.4.4: TEAEs by phase, any grade and grade >= 3 per phase."""
    aid, number, parameter = "SAF-AE-07", "14.3.4.4", "TEAE"
    te = teae(ad)
    n = len(ad.population("SAF"))
    phases = list(PHASES) + ([PHASE_UNKNOWN] if te["APHASE"].eq(PHASE_UNKNOWN).any() else [])
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    b.add("N", n, parameter=parameter)
    rows = row_order(worst_ranks(ranked(te, CTCAE, "AETOXGR")))
    codes = ("ANY", "GE3")
    for phase in phases:
        worst = worst_ranks(ranked(te.loc[te["APHASE"].eq(phase)], CTCAE, "AETOXGR"))
        record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter,
                       section={"APHASE": phase})  # fmt: skip
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    per_phase = [
        format_rows(
            view,
            rows,
            codes,
            n_view,
            parameter=parameter,
            section={"APHASE": phase},
            any_label="Any TEAE",
        )  # fmt: skip
        for phase in phases
    ]
    body = [
        [*per_phase[0][i][:2], *(cell for block in per_phase for cell in block[i][2:])]
        for i in range(len(rows))
    ]
    columns = ["System organ class", "Preferred term"]
    for phase in phases:
        columns += [f"{PHASE_LABEL[phase]}: any grade", f"{PHASE_LABEL[phase]}: grade >= 3"]
    pw = ad.sap.safety.perioperative_window_days
    notes = [
        f"Phase by onset (SAP 9.2): pre-operative before SURGDT; peri-operative SURGDT to "
        f"SURGDT + {pw} days; post-operative/maintenance later. Patients without surgery by the "
        "cut-off: all TEAEs are pre-operative. Onset missing: phase Unknown (column shown when "
        "present).",
        "A patient is counted once per row and phase, at the worst grade in that phase; a "
        "patient may appear in several phases. n (%) of SAF N. Rows sorted by overall frequency "
        "(any phase).",
    ]
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    return _teae_table(ad, number, aid, n_view, notes, te, frame, ard)
