"""Adverse-event tables and listings (SAP 9.1, 9.2; Tables 14.3.1-14.3.4.6, Listings 16.2.7.x).

Counting rules (SAP 9.2), applied to treatment-emergent AEs (``TRTEMFL = "Y"``) of safety-set
patients, with SAF N as denominator:

- a patient counts once per row, at the worst grade for that row: per preferred term, per SOC
  (worst over the SOC's terms) and for "any TEAE" (worst over everything), via
  :func:`~osteo_stats.derive.safety.derive_worst_grade`;
- a missing grade never outranks a recorded one; a patient whose every AE in the row lacks a
  grade is counted under "Missing" and "Any grade", never under "grade >= 3";
- SOCs by decreasing number of patients (any grade), ties alphabetical; preferred terms within
  a SOC the same way.

Each count goes into the ARD first (SAP 12); the table body is then formatted from the ARD rows.
ARD groups are ``[section keys; ]AEBODSYS=...; AEDECOD=...; GRADE=g`` with ``g`` in ``1``-``5``,
``MISSING``, ``ANY``, ``GE3`` (Clavien-Dindo: ``I`` ... ``V``, ``ANY``, ``GEIIIA``); the "any
TEAE" row has no AEBODSYS/AEDECOD key.

Listings show the records themselves: verbatim terms as plain text (never interpreted), imputed
dates with their SAP 8.3 flag; they add no ARD rows (SAP 11.4 gives them no analysis id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.safety import PHASE_UNKNOWN, PHASES, derive_worst_grade
from osteo_stats.derive.treatment import last_dose, operated
from osteo_stats.tlf.ard import ARD, ARD_COLUMNS, ARDBuilder, ARDView
from osteo_stats.tlf.format import fmt_n_pct, fmt_number
from osteo_stats.tlf.model import TLF, TLFOutput, source_line

__all__ = ["build_safety_tlfs"]

_MODULE = "tlf.safety"
#: Relatedness flags by study-treatment component (SAP 9.1), in display order.
_COMPONENTS = {"SBRT": "AERELSB", "PENPULIMAB": "AERELPD", "GEMCITABINE": "AERELGM"}
_COMPONENT_LABEL = {"SBRT": "SBRT", "PENPULIMAB": "Penpulimab", "GEMCITABINE": "Gemcitabine"}
_PHASE_LABEL = {
    "PRE-OPERATIVE": "Pre-operative",
    "PERI-OPERATIVE": "Peri-operative",
    "POST-OPERATIVE/MAINTENANCE": "Post-operative/maintenance",
    PHASE_UNKNOWN: "Unknown (onset missing)",
}
_DEATH_CAUSES = ("DISEASE PROGRESSION", "TREATMENT-RELATED", "OTHER")

Group = Mapping[str, object] | None
#: A table row: SOC (None for the "any" row) and preferred term (None for a SOC row).
RowKey = tuple[str | None, str | None]


@dataclass(frozen=True)
class _Scale:
    """A grading scale: ordered grade codes (rank = position + 1) and the "high" threshold."""

    grades: tuple[str, ...]
    labels: tuple[str, ...]
    high_rank: int
    high_code: str
    high_label: str

    def codes(self, with_missing: bool = True) -> tuple[str, ...]:
        middle = ("MISSING",) if with_missing else ()
        return (*self.grades, *middle, "ANY", self.high_code)

    def label(self, code: str) -> str:
        if code in self.grades:
            return self.labels[self.grades.index(code)]
        return {"MISSING": "Grade missing", "ANY": "Any grade", self.high_code: self.high_label}[
            code
        ]


CTCAE = _Scale(
    grades=("1", "2", "3", "4", "5"),
    labels=("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5"),
    high_rank=3,
    high_code="GE3",
    high_label="Grade >= 3",
)
CLAVIEN_DINDO = _Scale(
    grades=("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
    labels=("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"),
    high_rank=3,
    high_code="GEIIIA",
    high_label=">= IIIa",
)


# --- ARD helpers -----------------------------------------------------------------------------


def _add_n_pct(b: ARDBuilder, n: int, denominator: int, *, parameter: str, group: Group) -> None:
    b.add("n", int(n), parameter=parameter, group=group)
    b.add("pct", 100.0 * n / denominator if denominator else math.nan, parameter=parameter,
          group=group)  # fmt: skip


def _row_group(section: Mapping[str, object], key: RowKey, code: str) -> dict[str, object]:
    soc, pt = key
    group = dict(section)
    if soc is not None:
        group["AEBODSYS"] = soc
    if pt is not None:
        group["AEDECOD"] = pt
    group["GRADE"] = code
    return group


def _teae(ad: AnalysisData) -> pd.DataFrame:
    """TEAE records of safety-set patients (SAP 9.1)."""
    saf_ids = ad.population("SAF")["USUBJID"]
    adae = ad.adae
    return adae.loc[adae["TRTEMFL"].eq("Y") & adae["USUBJID"].isin(saf_ids)].reset_index(drop=True)


def _population(name: str, n: int) -> str:
    return f"{name} (N = {n})"


def _output(
    ad: AnalysisData,
    kind: str,
    number: str,
    title: str,
    analysis_set: str,
    footnotes: Sequence[str],
    analysis_ids: tuple[str, ...],
    body: pd.DataFrame,
    ard: ARD,
    *,
    landscape: bool = False,
) -> TLFOutput:
    ids_text = analysis_ids or ("none (patient listing)",)
    tlf = TLF(
        kind=kind,  # type: ignore[arg-type]
        number=number,
        title=title,
        analysis_set=analysis_set,
        footnotes=tuple(footnotes),
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, ids_text),
        analysis_ids=analysis_ids,
        body=body,
        landscape=landscape,
    )
    return TLFOutput(tlf, ard)


# --- counting by worst grade -----------------------------------------------------------------


def _ranked(records: pd.DataFrame, scale: _Scale, column: str) -> pd.DataFrame:
    """Records with the grade as its rank on ``scale`` in ``AETOXGR`` (missing stays missing)."""
    ranks = {code: i + 1 for i, code in enumerate(scale.grades)}
    rank = records[column].astype("string").map(ranks).astype("Int64")
    return records[["USUBJID", "AEBODSYS", "AEDECOD"]].assign(AETOXGR=rank)


def _worst_ranks(ranked: pd.DataFrame) -> dict[RowKey, pd.Series]:
    """Per row key, one worst rank per patient (``derive_worst_grade`` at three levels)."""
    out: dict[RowKey, pd.Series] = {}
    if ranked.empty:
        return {(None, None): pd.Series(dtype="Int64")}
    out[(None, None)] = derive_worst_grade(ranked, ("USUBJID",))["AETOXGR"]
    soc = derive_worst_grade(ranked, ("USUBJID", "AEBODSYS"))
    for name, part in soc.groupby("AEBODSYS", sort=False):
        out[(str(name), None)] = part["AETOXGR"]
    pt = derive_worst_grade(ranked, ("USUBJID", "AEBODSYS", "AEDECOD"))
    for (name, term), part in pt.groupby(["AEBODSYS", "AEDECOD"], sort=False):
        out[(str(name), str(term))] = part["AETOXGR"]
    return out


def _row_order(worst: Mapping[RowKey, pd.Series]) -> list[RowKey]:
    """Any row, then SOCs and their terms by decreasing patients, ties alphabetical (SAP 9.2)."""
    socs = sorted((k for k in worst if k[0] is not None and k[1] is None),
                  key=lambda k: (-len(worst[k]), k[0]))  # fmt: skip
    rows: list[RowKey] = [(None, None)]
    for soc_key in socs:
        rows.append(soc_key)
        terms = [k for k in worst if k[0] == soc_key[0] and k[1] is not None]
        rows += sorted(terms, key=lambda k: (-len(worst[k]), k[1]))
    return rows


def _tally(ranks: pd.Series, code: str, scale: _Scale) -> int:
    if code == "ANY":
        return len(ranks)
    if code == "MISSING":
        return int(ranks.isna().sum())
    if code == scale.high_code:
        return int((ranks >= scale.high_rank).fillna(False).sum())
    return int(ranks.eq(scale.grades.index(code) + 1).fillna(False).sum())


def _record_counts(
    b: ARDBuilder,
    worst: Mapping[RowKey, pd.Series],
    rows: Sequence[RowKey],
    codes: Sequence[str],
    n: int,
    scale: _Scale,
    *,
    parameter: str,
    section: Mapping[str, object],
) -> None:
    empty = pd.Series(dtype="Int64")
    for key in rows:
        ranks = worst.get(key, empty)
        for code in codes:
            group = _row_group(section, key, code)
            _add_n_pct(b, _tally(ranks, code, scale), n, parameter=parameter, group=group)


def _format_rows(
    view: ARDView,
    rows: Sequence[RowKey],
    codes: Sequence[str],
    n: int,
    *,
    parameter: str,
    section: Mapping[str, object],
    any_label: str,
) -> list[list[str]]:
    out = []
    for key in rows:
        soc, pt = key
        first = any_label if soc is None else ("" if pt is not None else soc)
        cells = [
            fmt_n_pct(view.count(parameter, _row_group(section, key, code)), n) for code in codes
        ]
        out.append([first, pt or "", *cells])
    return out


def _missing_note(records: pd.DataFrame, column: str = "AETOXGR") -> str | None:
    missing = records.loc[records[column].isna()]
    if missing.empty:
        return None
    return (
        f"{len(missing)} AE record(s) in {missing['USUBJID'].nunique()} patient(s) have no "
        "CTCAE grade: counted under Any grade, and under Grade missing only when the patient "
        "has no graded AE in that row; never under grade >= 3 (SAP 9.2, 8.2)."
    )


_COUNT_NOTE = (
    "A patient is counted once per row at the worst grade: per preferred term, per SOC (worst "
    "over the SOC) and for any TEAE (SAP 9.2). n (%) of SAF N. SOCs, and terms within a SOC, "
    "by decreasing frequency, ties alphabetical. CTCAE v{ctcae}; MedDRA-style coding."
)


def _by_grade_table(
    ad: AnalysisData,
    *,
    analysis_id: str,
    number: str,
    title: str,
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
        worst = _worst_ranks(_ranked(records, CTCAE, "AETOXGR"))
        rows = _row_order(worst)
        _record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter, section=section)
        layouts.append((heading, section, rows))
    ard = b.build()

    view = ARDView(ard, analysis_id)
    n_view = view.count(parameter, statistic="N")
    shown = CTCAE.codes(with_missing=show_missing)
    body_rows: list[list[str]] = []
    for heading, section, rows in layouts:
        if heading:
            body_rows.append([heading, "", *([""] * len(shown))])
        body_rows += _format_rows(
            view, rows, shown, n_view, parameter=parameter, section=section,
            any_label="Any TEAE",
        )  # fmt: skip
    columns = ["System organ class", "Preferred term", *(CTCAE.label(c) for c in shown)]
    all_records = pd.concat([r for _, _, r in sections], ignore_index=True)
    notes = [_COUNT_NOTE.format(ctcae=ad.sap.safety.ctcae_version), *extra_notes]
    missing = _missing_note(all_records)
    if missing:
        notes.append(missing)
    return _output(
        ad,
        "Table",
        number,
        title,
        _population("Safety analysis set", n_view),
        notes,
        (analysis_id,),
        pd.DataFrame(body_rows, columns=columns, dtype=object),
        ard,
        landscape=True,
    )


def _any_and_high_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.2: SOC/PT, all grades and grade >= 3."""
    aid, number, parameter = "SAF-AE-02", "14.3.2", "TEAE"
    te = _teae(ad)
    n = len(ad.population("SAF"))
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    b.add("N", n, parameter=parameter)
    worst = _worst_ranks(_ranked(te, CTCAE, "AETOXGR"))
    rows = _row_order(worst)
    codes = ("ANY", "GE3")
    _record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter, section={})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    body = _format_rows(view, rows, codes, n_view, parameter=parameter, section={},
                        any_label="Any TEAE")  # fmt: skip
    notes = [_COUNT_NOTE.format(ctcae=ad.sap.safety.ctcae_version)]
    missing = _missing_note(te)
    if missing:
        notes.append(missing)
    return _output(
        ad,
        "Table",
        number,
        "TEAEs by SOC and preferred term: all grades and grade >= 3",
        _population("Safety analysis set", n_view),
        notes,
        (aid,),
        pd.DataFrame(
            body,
            columns=["System organ class", "Preferred term", "All grades", "Grade >= 3"],
            dtype=object,
        ),
        ard,
    )


def _phase_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.3.4.4: TEAEs by phase, any grade and grade >= 3 per phase."""
    aid, number, parameter = "SAF-AE-07", "14.3.4.4", "TEAE"
    te = _teae(ad)
    n = len(ad.population("SAF"))
    phases = list(PHASES) + ([PHASE_UNKNOWN] if te["APHASE"].eq(PHASE_UNKNOWN).any() else [])
    b = ARDBuilder(aid, f"Table {number}", "SAF")
    b.add("N", n, parameter=parameter)
    rows = _row_order(_worst_ranks(_ranked(te, CTCAE, "AETOXGR")))
    codes = ("ANY", "GE3")
    for phase in phases:
        worst = _worst_ranks(_ranked(te.loc[te["APHASE"].eq(phase)], CTCAE, "AETOXGR"))
        _record_counts(b, worst, rows, codes, n, CTCAE, parameter=parameter,
                       section={"APHASE": phase})  # fmt: skip
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    per_phase = [
        _format_rows(
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
        columns += [f"{_PHASE_LABEL[phase]}: any grade", f"{_PHASE_LABEL[phase]}: grade >= 3"]
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
    missing = _missing_note(te)
    if missing:
        notes.append(missing)
    return _output(
        ad,
        "Table",
        number,
        "TEAEs by phase (pre-operative, peri-operative, post-operative/maintenance)",
        _population("Safety analysis set", n_view),
        notes,
        (aid,),
        pd.DataFrame(body, columns=columns, dtype=object),
        ard,
        landscape=True,
    )


# --- Table 14.3.1 overview -------------------------------------------------------------------


def _clavien_worst(records: pd.DataFrame) -> pd.Series:
    """Per patient, the worst Clavien-Dindo rank (1 = I ... 7 = V) among ``records``."""
    ranked = _ranked(records.loc[records["AECLAVDN"].notna()], CLAVIEN_DINDO, "AECLAVDN")
    if ranked.empty:
        return pd.Series(dtype="Int64")
    worst = derive_worst_grade(ranked, ("USUBJID",))
    return worst.set_index("USUBJID")["AETOXGR"]


def _overview(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "SAF-AE-01", "TEAE"
    te = _teae(ad)
    n = len(ad.population("SAF"))
    grade = te["AETOXGR"]
    related = te[list(_COMPONENTS.values())].eq("Y")

    def patients(mask: pd.Series) -> int:
        return int(te.loc[mask.fillna(False).astype(bool), "USUBJID"].nunique())

    specs: list[tuple[str, str, int]] = [
        ("Any TEAE", "ANY", patients(pd.Series(True, index=te.index))),
        ("TEAE of grade >= 3", "GRADE GE 3", patients(grade >= 3)),
        ("TEAE of grade 4", "GRADE 4", patients(grade == 4)),
        ("TEAE of grade 5 (fatal)", "GRADE 5", patients(grade == 5)),
        ("Serious TEAE", "SERIOUS", patients(te["AESER"].eq("Y"))),
        ("Treatment-related TEAE", "RELATED ANY", patients(related.any(axis=1))),
    ]
    specs += [
        (f"  Related to {_COMPONENT_LABEL[c]}", f"RELATED {c}", patients(related[flag]))
        for c, flag in _COMPONENTS.items()
    ]
    specs += [
        ("Immune-related TEAE", "IMMUNE-RELATED", patients(te["AEIRFL"].eq("Y"))),
        ("TEAE leading to discontinuation (drug withdrawn)", "DISCONTINUATION",
         patients(te["AEACN"].eq("DRUG WITHDRAWN"))),
        ("TEAE leading to surgery delay", "SURGERY DELAY", patients(te["AESDLYFL"].eq("Y"))),
    ]  # fmt: skip
    worst_cd = _clavien_worst(te)
    specs.append(("Surgical complication (any Clavien-Dindo grade)", "CLAVIEN-DINDO ANY",
                  len(worst_cd)))  # fmt: skip
    specs += [
        (f"  Worst Clavien-Dindo grade {code}", f"CLAVIEN-DINDO {code}",
         int(worst_cd.eq(i + 1).sum()))
        for i, code in enumerate(CLAVIEN_DINDO.grades)
    ]  # fmt: skip
    specs.append(("TEAE with missing CTCAE grade", "GRADE MISSING", patients(grade.isna())))

    b = ARDBuilder(aid, "Table 14.3.1", "SAF")
    b.add("N", n, parameter=parameter)
    for _, code, count in specs:
        _add_n_pct(b, count, n, parameter=parameter, group={"ROW": code})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    rows = [
        (label, fmt_n_pct(view.count(parameter, {"ROW": code}), n_view))
        for label, code, _ in specs
        if code != "GRADE MISSING" or view.count(parameter, {"ROW": code}) > 0
    ]
    notes = [
        "Patients with at least one TEAE of the kind, n (%) of SAF N; a patient may appear in "
        "several rows. Grade rows: CTCAE v"
        f"{ad.sap.safety.ctcae_version}; a missing grade does not meet any grade criterion "
        "(SAP 8.2).",
        "Treatment-related: AERELSB, AERELPD or AERELGM = Y. Discontinuation: AEACN = DRUG "
        "WITHDRAWN. Surgery delay: AESDLYFL = Y (SAP 9.2).",
        "Surgical complications: TEAEs with a Clavien-Dindo grade; each patient once, at the "
        "worst grade (I < II < IIIa < IIIb < IVa < IVb < V). Denominator here SAF N; among "
        "operated patients see Table 14.3.4.6.",
    ]
    return _output(
        ad,
        "Table",
        "14.3.1",
        "Overview of treatment-emergent adverse events",
        _population("Safety analysis set", n_view),
        notes,
        (aid,),
        pd.DataFrame(rows, columns=["Category", "n (%)"], dtype=object),
        ard,
    )


# --- Table 14.3.4.5 deaths and 14.3.4.6 surgical complications -------------------------------


def _deaths(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "SAF-DTH-01", "DEATH"
    saf = ad.population("SAF")
    n = len(saf)
    dead = saf.loc[saf["DTHDT"].notna()]
    days = (dead["DTHDT"] - last_dose(dead, ad.adex)).dt.days
    window = ad.sap.safety.teae_window_days
    te = _teae(ad)
    fatal = te.loc[te["AETOXGR"] == 5, "USUBJID"].nunique()

    b = ARDBuilder(aid, "Table 14.3.4.5", "SAF")
    b.add("N", n, parameter=parameter)
    specs: list[tuple[str, dict[str, str], int]] = [("Deaths", {"ROW": "ANY"}, len(dead))]
    specs += [
        (f"  Cause: {cause.lower()}", {"ROW": "CAUSE", "DTHCAUS": cause},
         int(dead["DTHCAUS"].eq(cause).sum()))
        for cause in _DEATH_CAUSES
    ]  # fmt: skip
    specs += [
        (f"  Within {window} days of the last dose", {"ROW": f"WITHIN {window} DAYS"},
         int(days.between(0, window).sum())),
        (f"  More than {window} days after the last dose", {"ROW": f"AFTER {window} DAYS"},
         int((days > window).sum())),
        ("Patients with a fatal (grade 5) TEAE", {"ROW": "GRADE 5 TEAE"}, int(fatal)),
    ]  # fmt: skip
    for _, group, count in specs:
        _add_n_pct(b, count, n, parameter=parameter, group=group)
    v = days.dropna().to_numpy(dtype=float)
    for stat, value in (
        ("n", v.size),
        ("median", np.median(v) if v.size else math.nan),
        ("min", v.min() if v.size else math.nan),
        ("max", v.max() if v.size else math.nan),
    ):
        b.add(stat, value, parameter="DAYS FROM LAST DOSE")
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    rows = [(label, fmt_n_pct(view.count(parameter, g), n_view)) for label, g, _ in specs]
    rows.append(("Days from last dose to death: n", str(view.count("DAYS FROM LAST DOSE"))))
    rows.append(
        (
            "Days from last dose to death: median (min, max)",
            f"{fmt_number(view.get('DAYS FROM LAST DOSE', 'median'), 1)} "
            f"({fmt_number(view.get('DAYS FROM LAST DOSE', 'min'), 0)}, "
            f"{fmt_number(view.get('DAYS FROM LAST DOSE', 'max'), 0)})",
        )
    )
    notes = [
        "All deaths on or before the data cut-off in SAF patients, with the cause as recorded "
        "(DTHCAUS). Days from last dose = DTHDT - TRTEDT (calendar difference; TRTEDT, failing "
        f"that the last ADEX administration); within {window} days means 0 to {window} days "
        "(SAP 6.1, 9.2).",
        "n (%) of SAF N. Individual deaths: Listing 16.2.7.4.",
    ]
    return _output(
        ad,
        "Table",
        "14.3.4.5",
        "Deaths",
        _population("Safety analysis set", n_view),
        notes,
        (aid,),
        pd.DataFrame(rows, columns=["Category", "n (%)"], dtype=object),
        ard,
    )


def _operated_saf(ad: AnalysisData) -> pd.DataFrame:
    saf = ad.population("SAF")
    return saf.loc[operated(saf)]


def _surgical_complications(ad: AnalysisData) -> TLFOutput:
    aid, number, parameter = "SAF-SURG-01", "14.3.4.6", "SURGICAL COMPLICATION"
    operated = _operated_saf(ad)
    n = len(operated)
    te = _teae(ad)
    records = te.loc[te["AECLAVDN"].notna() & te["USUBJID"].isin(operated["USUBJID"])]
    b = ARDBuilder(aid, f"Table {number}", "SAF-OPERATED")
    b.add("N", n, parameter=parameter)
    worst = _worst_ranks(_ranked(records, CLAVIEN_DINDO, "AECLAVDN"))
    rows = _row_order(worst)
    codes = CLAVIEN_DINDO.codes(with_missing=False)
    _record_counts(b, worst, rows, codes, n, CLAVIEN_DINDO, parameter=parameter, section={})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    body = _format_rows(view, rows, codes, n_view, parameter=parameter, section={},
                        any_label="Any surgical complication")  # fmt: skip
    columns = ["System organ class", "Preferred term",
               *(CLAVIEN_DINDO.label(c) for c in codes)]  # fmt: skip
    notes = [
        "Surgical complications: TEAEs with a Clavien-Dindo grade (AECLAVDN) in operated SAF "
        "patients (R0, R1 or R2 by the cut-off). A patient counts once per row at the worst "
        "grade (I < II < IIIa < IIIb < IVa < IVb < V; SAP 9.2). n (%) of operated SAF patients.",
    ]
    return _output(
        ad,
        "Table",
        number,
        "Surgical complications by Clavien-Dindo grade",
        _population("Safety analysis set, operated patients", n_view),
        notes,
        (aid,),
        pd.DataFrame(body, columns=columns, dtype=object),
        ard,
        landscape=True,
    )


# --- listings --------------------------------------------------------------------------------


def _fmt_date(value: object, flag: object = None) -> str:
    if value is None or pd.isna(value):
        return "Missing"
    text = f"{pd.Timestamp(value):%Y-%m-%d}"
    if isinstance(flag, str) and flag.strip():
        text += f" ({flag.strip()})"
    return text


def _text(value: object) -> str:
    """A cell as plain text; free text is kept exactly as recorded."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


_DATE_NOTE = (
    "Imputed dates carry their SAP 8.3 flag: (D) day imputed, (M) month and day imputed. "
    "Missing onset: treatment-emergent, phase unknown (SAP 8.3). End date missing or after the "
    "cut-off: ongoing."
)


def _ae_listing_frame(ad: AnalysisData, records: pd.DataFrame, clavien: bool) -> pd.DataFrame:
    cut = pd.Timestamp(ad.cutoff)
    ordered = records.sort_values(["USUBJID", "ASTDT", "AESEQ"], na_position="last")
    surgery = ordered["USUBJID"].map(ad.adsl.set_index("USUBJID")["SURGDT"])
    rows = []
    for (_, r), surg in zip(ordered.iterrows(), surgery, strict=True):
        end = r["AENDT"]
        ongoing = pd.isna(end) or end > cut
        related = [_COMPONENT_LABEL[c] for c, flag in _COMPONENTS.items() if r[flag] == "Y"]
        row = {
            "Patient": _text(r["USUBJID"]),
            "AE no.": _text(r["AESEQ"]),
            "Verbatim term": _text(r["AETERM"]),
            "Preferred term": _text(r["AEDECOD"]),
            "System organ class": _text(r["AEBODSYS"]),
            "Grade": "Missing" if pd.isna(r["AETOXGR"]) else str(int(r["AETOXGR"])),
            "Onset": _fmt_date(r["ASTDT"], r.get("ASTDTF")),
            "Study day": _text(r["ASTDY"]),
            "End": "Ongoing" if ongoing else _fmt_date(end, r.get("AENDTF")),
            "Serious": _text(r["AESER"]),
            "Related to": ", ".join(related) or "None",
            "Immune-related": _text(r["AEIRFL"]),
            "Action taken": _text(r["AEACN"]),
            "Outcome": _text(r["AEOUT"]),
            "Phase": _PHASE_LABEL.get(r["APHASE"], _text(r["APHASE"])),
        }
        if clavien:
            row["Clavien-Dindo"] = _text(r["AECLAVDN"])
            row["Surgery"] = _fmt_date(surg) if pd.notna(surg) else ""
            row["Days from surgery"] = (
                str((r["ASTDT"] - surg).days) if pd.notna(surg) and pd.notna(r["ASTDT"]) else ""
            )
        rows.append(row)
    columns = list(rows[0]) if rows else _AE_COLUMNS + (_CD_COLUMNS if clavien else [])
    return pd.DataFrame(rows, columns=columns, dtype=object)


_AE_COLUMNS = ["Patient", "AE no.", "Verbatim term", "Preferred term", "System organ class",
               "Grade", "Onset", "Study day", "End", "Serious", "Related to", "Immune-related",
               "Action taken", "Outcome", "Phase"]  # fmt: skip
_CD_COLUMNS = ["Clavien-Dindo", "Surgery", "Days from surgery"]


def _empty_ard() -> ARD:
    return ARD(pd.DataFrame(columns=list(ARD_COLUMNS)))


def _ae_listing(
    ad: AnalysisData,
    number: str,
    title: str,
    records: pd.DataFrame,
    *,
    selection: str,
    clavien: bool = False,
) -> TLFOutput:
    n = len(_operated_saf(ad)) if clavien else len(ad.population("SAF"))
    body = _ae_listing_frame(ad, records, clavien)
    population = (
        _population("Safety analysis set, operated patients", n)
        if clavien
        else _population("Safety analysis set", n)
    )
    notes = [
        f"{selection} Treatment-emergent AEs (SAP 9.1) of SAF patients, sorted by patient and "
        "onset. Verbatim terms as recorded.",
        _DATE_NOTE,
    ]
    if body.empty:
        notes.insert(0, "No records at this data cut-off.")
    return _output(ad, "Listing", number, title, population, notes, (), body, _empty_ard(),
                   landscape=True)  # fmt: skip


def _death_listing(ad: AnalysisData) -> TLFOutput:
    fas = ad.population("FAS")
    dead = fas.loc[fas["DTHDT"].notna()].sort_values(["USUBJID", "DTHDT"])
    last = last_dose(dead, ad.adex)
    window = ad.sap.safety.teae_window_days
    te = _teae(ad)
    fatal = (
        te.loc[te["AETOXGR"] == 5]
        .groupby("USUBJID")["AEDECOD"]
        .apply(lambda s: "; ".join(sorted(map(str, s))))
    )
    rows = []
    in_saf = in_population(dead, "SAF")
    for (_, r), dose_date, saf in zip(dead.iterrows(), last, in_saf, strict=True):
        days = (r["DTHDT"] - dose_date).days if pd.notna(dose_date) else None
        rows.append(
            {
                "Patient": _text(r["USUBJID"]),
                "Safety set": "Y" if saf else "N",
                "Date of death": _fmt_date(r["DTHDT"], r.get("DTHDTF")),
                "Cause": _text(r["DTHCAUS"]),
                "Last dose": _fmt_date(dose_date) if pd.notna(dose_date) else "Not dosed",
                "Days from last dose": "" if days is None else str(days),
                f"Within {window} days of last dose": (
                    "" if days is None else ("Y" if 0 <= days <= window else "N")
                ),
                "Fatal TEAE (preferred term)": fatal.get(r["USUBJID"], ""),
            }
        )
    columns = ["Patient", "Safety set", "Date of death", "Cause", "Last dose",
               "Days from last dose", f"Within {window} days of last dose",
               "Fatal TEAE (preferred term)"]  # fmt: skip
    body = pd.DataFrame(rows, columns=columns, dtype=object)
    notes = [
        "All deaths on or before the data cut-off in the FAS, sorted by patient. Days from last "
        "dose = DTHDT - TRTEDT (failing TRTEDT, the last ADEX administration).",
        _DATE_NOTE,
    ]
    if body.empty:
        notes.insert(0, "No records at this data cut-off.")
    return _output(ad, "Listing", "16.2.7.4", "Deaths",
                   _population("Full analysis set", len(fas)), notes, (), body, _empty_ard(),
                   landscape=True)  # fmt: skip


def _utox_listing(ad: AnalysisData) -> TLFOutput:
    saf = ad.population("SAF")
    hit = saf.loc[saf["UTOXFL"].eq("Y")].sort_values("USUBJID")
    body = pd.DataFrame(
        [
            {
                "Patient": _text(r["USUBJID"]),
                "Enrollment": _fmt_date(r["ENRLDT"]),
                "Evaluable from (EVALDT)": _fmt_date(r["EVALDT"]),
                "First unacceptable toxicity": _fmt_date(r["UTOXDT"]),
                "Criteria met (SAP 9.4)": _text(r["UTOXREAS"]),
            }
            for _, r in hit.iterrows()
        ],
        columns=[
            "Patient",
            "Enrollment",
            "Evaluable from (EVALDT)",
            "First unacceptable toxicity",
            "Criteria met (SAP 9.4)",
        ],  # fmt: skip
        dtype=object,
    )
    tm = ad.sap.toxicity_monitoring
    notes = [
        "Unacceptable toxicity (SAP 9.4): immune-related TEAE grade >= "
        f"{tm.irae_min_grade}; treatment-related non-haematological TEAE grade >= "
        f"{tm.related_nonhaematological_min_grade}; treatment-related death; surgery delayed "
        f"more than {tm.surgery_delay_days} days by toxicity. Date = earliest qualifying event.",
        "The qualifying AEs are in Listings 16.2.7.2 and 16.2.7.3; the boundary is in Table "
        "14.3.5.",
    ]
    if body.empty:
        notes.insert(0, "No records at this data cut-off.")
    return _output(ad, "Listing", "16.2.7.6", "Unacceptable toxicities (SAP 9.4 components)",
                   _population("Safety analysis set", len(saf)), notes, (), body, _empty_ard(),
                   landscape=True)  # fmt: skip


# --- builder ---------------------------------------------------------------------------------


def build_safety_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.3.1-14.3.4.6 and Listings 16.2.7.1-16.2.7.6 at the cut-off of ``ad``.

    Parameters
    ----------
    ad
        The analysis data at one cut-off (ADAE with ``TRTEMFL`` and ``APHASE``).

    Returns
    -------
    list of TLFOutput
        In SAP 11 order. Tables carry their ARD rows (SAF-AE-01 ... SAF-SURG-01); listings
        carry an empty ARD.
    """
    te = _teae(ad)
    related_any = te[list(_COMPONENTS.values())].eq("Y").any(axis=1)
    related_sections = [("Related to any component", {"RELATED": "ANY"}, te.loc[related_any])]
    related_sections += [
        (f"Related to {_COMPONENT_LABEL[c]}", {"RELATED": c}, te.loc[te[flag].eq("Y")])
        for c, flag in _COMPONENTS.items()
    ]
    irae, serious = te.loc[te["AEIRFL"].eq("Y")], te.loc[te["AESER"].eq("Y")]
    return [
        _overview(ad),
        _any_and_high_table(ad),
        _by_grade_table(
            ad,
            analysis_id="SAF-AE-03",
            number="14.3.3",
            title="TEAEs by SOC, preferred term and maximum grade",
            sections=[("", {}, te)],
        ),
        _by_grade_table(
            ad,
            analysis_id="SAF-AE-04",
            number="14.3.4.1",
            title="Treatment-related TEAEs by SOC, preferred term and maximum grade "
            "(any and by component)",
            sections=related_sections,
            extra_notes=[
                "Treatment-related: AERELSB (SBRT), AERELPD (penpulimab) or AERELGM "
                "(gemcitabine) = Y; an AE related to several components appears in each."
            ],
        ),
        _by_grade_table(
            ad,
            analysis_id="SAF-AE-05",
            number="14.3.4.2",
            title="Immune-related TEAEs by SOC, preferred term and maximum grade",
            sections=[("", {}, irae)],
            extra_notes=[
                "Immune-related: AEIRFL = Y (TEAE window last dose + "
                f"{ad.sap.safety.teae_window_days_immune} days)."
            ],
        ),
        _by_grade_table(
            ad,
            analysis_id="SAF-AE-06",
            number="14.3.4.3",
            title="Serious TEAEs by SOC, preferred term and maximum grade",
            sections=[("", {}, serious)],
            extra_notes=["Serious: AESER = Y."],
        ),
        _phase_table(ad),
        _deaths(ad),
        _surgical_complications(ad),
        _ae_listing(ad, "16.2.7.1", "Serious adverse events", serious,
                    selection="Serious (AESER = Y)."),
        _ae_listing(ad, "16.2.7.2", "Adverse events of grade >= 3",
                    te.loc[(te["AETOXGR"] >= 3).fillna(False).astype(bool)],
                    selection="CTCAE grade >= 3 (a missing grade does not qualify)."),
        _ae_listing(ad, "16.2.7.3", "Immune-related adverse events", irae,
                    selection="Immune-related (AEIRFL = Y)."),
        _death_listing(ad),
        _ae_listing(ad, "16.2.7.5", "Surgical complications (Clavien-Dindo)",
                    te.loc[te["AECLAVDN"].notna()],
                    selection="Surgical complications (Clavien-Dindo grade present).",
                    clavien=True),
        _utox_listing(ad),
    ]  # fmt: skip
