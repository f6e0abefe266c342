"""Laboratory toxicity: CTCAE v5.0 grade, baseline, phase and worst grade of ADLB (SAP 9.6).

The grading rules are data, not code: ``osteo_stats/data/ctcae_v5_lab.csv`` holds one row per
parameter, direction and grade with the CTCAE v5.0 term and threshold (absolute, or a multiple
of the normal range's LLN or ULN). :func:`grade_values` applies it to whole columns.

ADLB here is at the data cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`): a value
sampled after the cut-off does not exist, so nothing filters by date.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd

from osteo_stats.derive.safety import PHASE_PRETREATMENT, treatment_phase
from osteo_stats.sap import Safety

__all__ = [
    "GRADING_FILE",
    "derive_adlb",
    "grade_values",
    "graded_parameters",
    "grading_criteria",
    "worst_post_baseline",
]

#: The CTCAE v5.0 laboratory grading table shipped in the package.
GRADING_FILE = "ctcae_v5_lab.csv"
#: Phase label of the baseline and other pre-dose values (not post-baseline).
PHASE_BASELINE = PHASE_PRETREATMENT

_REFERENCES = {"ABS", "LLN", "ULN"}
_OPERATORS = {"<": "LOW", ">": "HIGH"}


@functools.cache
def grading_criteria() -> pd.DataFrame:
    """The CTCAE v5.0 laboratory grading table (one row per PARAMCD, DIRECTION, GRADE).

    Raises ``ValueError`` if the table is not well formed: a direction that does not match its
    operator, an unknown reference, or a grade listed twice.
    """
    path = resources.files("osteo_stats") / "data" / GRADING_FILE
    with resources.as_file(path) as file:
        table = pd.read_csv(file, comment="#", dtype={"PARAMCD": str, "TERM": str})
    bad = table.loc[
        ~table["REFERENCE"].isin(_REFERENCES)
        | table["OPERATOR"].map(_OPERATORS).ne(table["DIRECTION"])
        | table.duplicated(["PARAMCD", "DIRECTION", "GRADE"])
        | ~table["GRADE"].between(1, 4)
    ]
    if len(bad):
        raise ValueError(f"{GRADING_FILE}: malformed grading rows:\n{bad.to_string()}")
    return table


def graded_parameters() -> dict[str, str]:
    """PARAMCD -> CTCAE term, for the parameters the table grades, in table order."""
    table = grading_criteria()
    return dict(zip(table["PARAMCD"], table["TERM"], strict=False))


def grade_values(adlb: pd.DataFrame) -> pd.DataFrame:
    """The CTCAE v5.0 grade of every value: ``ATOXGR`` (0-4) and its direction ``ATOXDIR``.

    Parameters
    ----------
    adlb
        Rows with ``PARAMCD``, ``AVAL``, ``ANRLO`` and ``ANRHI`` (in the data-model units).

    Returns
    -------
    pandas.DataFrame
        ``adlb`` with ``ATOXGR`` (``Int64``: the highest grade whose criterion holds, 0 when
        none does; missing for a parameter the table does not grade, such as TSH, or a missing
        value) and ``ATOXDIR`` (``"LOW"``/``"HIGH"`` for a graded parameter, else missing).
    """
    out = adlb.copy()
    table = grading_criteria()
    grade = pd.Series(0, index=out.index, dtype="Int64")
    for row in table.itertuples(index=False):
        reference = {"ABS": 1.0, "LLN": out["ANRLO"], "ULN": out["ANRHI"]}[row.REFERENCE]
        limit = row.FACTOR * reference
        value = out["AVAL"]
        met = (value < limit) if row.OPERATOR == "<" else (value > limit)
        hit = met.fillna(False).astype(bool) & out["PARAMCD"].eq(row.PARAMCD)
        grade = grade.mask(hit & (grade < row.GRADE), row.GRADE)
    direction = out["PARAMCD"].map(dict(zip(table["PARAMCD"], table["DIRECTION"], strict=False)))
    graded = direction.notna() & out["AVAL"].notna()
    out["ATOXGR"] = grade.where(graded, pd.NA).astype("Int64")
    out["ATOXDIR"] = direction.where(graded)
    return out


def derive_adlb(adlb: pd.DataFrame, adsl: pd.DataFrame, sap_safety: Safety) -> pd.DataFrame:
    """ADLB with grade, baseline, phase and the analysis flag (SAP 9.6).

    Adds ``ATOXGR``/``ATOXDIR`` (:func:`grade_values`), ``ANRIND`` (``LOW``/``NORMAL``/
    ``HIGH`` against ANRLO/ANRHI), ``ABLFL`` (``Y`` on the baseline: the last value of the
    patient and parameter on or before the first dose, TRTSDT), ``BTOXGR`` and ``BNRIND`` (the
    baseline's grade and range indicator, on every row of the patient and parameter),
    ``APHASE`` (the SAP 9.2 phase of the sample date, :func:`~osteo_stats.derive.safety.
    treatment_phase`; ``PRE-TREATMENT`` on or before the first dose) and ``ONTRTFL``
    (``Y`` for a post-baseline value: after TRTSDT and on or before TRTEDT + the SAP 9.1
    window, open while TRTEDT is missing).
    """
    out = grade_values(adlb.reset_index(drop=True))
    out["ANRIND"] = np.select(
        [out["AVAL"] < out["ANRLO"], out["AVAL"] > out["ANRHI"], out["AVAL"].notna()],
        ["LOW", "HIGH", "NORMAL"],
        default=None,
    )
    out.loc[out["AVAL"].isna(), "ANRIND"] = np.nan
    by_id = adsl.drop_duplicates("USUBJID").set_index("USUBJID")
    first = out["USUBJID"].map(by_id["TRTSDT"])
    last = out["USUBJID"].map(by_id["TRTEDT"])
    pre_dose = out["ADT"].le(first) & out["AVAL"].notna()
    candidates = out.loc[pre_dose].sort_values(["USUBJID", "PARAMCD", "ADT"])
    baseline_rows = candidates.groupby(["USUBJID", "PARAMCD"]).tail(1).index
    out["ABLFL"] = np.where(out.index.isin(baseline_rows), "Y", None)
    keys = ["USUBJID", "PARAMCD"]
    base = out.loc[baseline_rows].set_index(keys)
    index = pd.MultiIndex.from_frame(out[keys])
    out["BTOXGR"] = pd.array(base["ATOXGR"].reindex(index).to_numpy(), dtype="Int64")
    out["BNRIND"] = base["ANRIND"].reindex(index).to_numpy()
    phase = treatment_phase(out["ADT"], out, adsl, sap_safety)
    out["APHASE"] = np.where(out["ADT"].le(first), PHASE_BASELINE, phase)
    window_end = last + pd.Timedelta(days=sap_safety.teae_window_days)
    on_treatment = out["ADT"].gt(first) & (last.isna() | out["ADT"].le(window_end))
    out["ONTRTFL"] = np.where(on_treatment & out["AVAL"].notna(), "Y", "N")
    return out


def worst_post_baseline(adlb: pd.DataFrame) -> pd.DataFrame:
    """One row per patient and graded parameter with a post-baseline value (``ONTRTFL = Y``):
    ``WORSTGR``, the worst (highest) post-baseline grade, and ``BTOXGR``, the baseline grade
    (missing without a baseline value)."""
    post = adlb.loc[adlb["ONTRTFL"].eq("Y") & adlb["ATOXGR"].notna()]
    grouped = post.groupby(["USUBJID", "PARAMCD"], sort=True)
    out = grouped.agg(WORSTGR=("ATOXGR", "max"), BTOXGR=("BTOXGR", "first")).reset_index()
    out["WORSTGR"] = out["WORSTGR"].astype("Int64")
    out["BTOXGR"] = out["BTOXGR"].astype("Int64")
    return out
