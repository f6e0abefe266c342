"""Counting rules (SAP 9.2), applied to treatment-emergent AEs (``TRTEMFL = "Y"``) of safety-set
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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pandas as pd

from osteo_stats.derive.safety import derive_worst_grade
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.format import fmt_n_pct
from osteo_stats.tlf.safety._common import (
    RowKey,
    Scale,
    row_group,
)
from osteo_stats.tlf.summary import add_n_pct


def ranked(records: pd.DataFrame, scale: Scale, column: str) -> pd.DataFrame:
    """Records with the grade as its rank on ``scale`` in ``AETOXGR`` (missing stays missing)."""
    ranks = {code: i + 1 for i, code in enumerate(scale.grades)}
    rank = records[column].astype("string").map(ranks).astype("Int64")
    return records[["USUBJID", "AEBODSYS", "AEDECOD"]].assign(AETOXGR=rank)


def worst_ranks(ranked: pd.DataFrame) -> dict[RowKey, pd.Series]:
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


def row_order(worst: Mapping[RowKey, pd.Series]) -> list[RowKey]:
    """Any row, then SOCs and their terms by decreasing patients, ties alphabetical (SAP 9.2)."""
    socs = sorted((k for k in worst if k[0] is not None and k[1] is None),
                  key=lambda k: (-len(worst[k]), k[0]))  # fmt: skip
    rows: list[RowKey] = [(None, None)]
    for soc_key in socs:
        rows.append(soc_key)
        terms = [k for k in worst if k[0] == soc_key[0] and k[1] is not None]
        rows += sorted(terms, key=lambda k: (-len(worst[k]), k[1]))
    return rows


def _tallies(ranks: pd.Series, codes: Sequence[str], scale: Scale) -> list[int]:
    """Patients of one row under each code, from their worst ranks (``<NA>``: no grade).

    Counted in plain Python: a row holds at most N values, and the tables have hundreds of
    rows times codes, where pandas' per-call overhead was most of the TLF build (issue 13).
    """
    graded = [int(rank) for rank in ranks.tolist() if not pd.isna(rank)]
    per_rank = Counter(graded)
    counts = []
    for code in codes:
        if code == "ANY":
            counts.append(len(ranks))
        elif code == "MISSING":
            counts.append(len(ranks) - len(graded))
        elif code == scale.high_code:
            counts.append(sum(1 for rank in graded if rank >= scale.high_rank))
        else:
            counts.append(per_rank[scale.grades.index(code) + 1])
    return counts


def record_counts(
    b: ARDBuilder,
    worst: Mapping[RowKey, pd.Series],
    rows: Sequence[RowKey],
    codes: Sequence[str],
    n: int,
    scale: Scale,
    *,
    parameter: str,
    section: Mapping[str, object],
) -> None:
    empty = pd.Series(dtype="Int64")
    for key in rows:
        tallies = _tallies(worst.get(key, empty), codes, scale)
        for code, count in zip(codes, tallies, strict=True):
            group = row_group(section, key, code)
            add_n_pct(b, count, n, parameter=parameter, group=group)


def format_rows(
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
            fmt_n_pct(view.count(parameter, row_group(section, key, code)), n) for code in codes
        ]
        out.append([first, pt or "", *cells])
    return out


def missing_note(records: pd.DataFrame, column: str = "AETOXGR") -> str | None:
    missing = records.loc[records[column].isna()]
    if missing.empty:
        return None
    return (
        f"{len(missing)} AE record(s) in {missing['USUBJID'].nunique()} patient(s) have no "
        "CTCAE grade: counted under Any grade, and under Grade missing only when the patient "
        "has no graded AE in that row; never under grade >= 3 (SAP 9.2, 8.2)."
    )


COUNT_NOTE = (
    "A patient is counted once per row at the worst grade: per preferred term, per SOC (worst "
    "over the SOC) and for any TEAE (SAP 9.2). n (%) of SAF N. SOCs, and terms within a SOC, "
    "by decreasing frequency, ties alphabetical. CTCAE v{ctcae}; MedDRA-style coding."
)
