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
_BASE_OPERATORS = {">", ">="}


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
        | table["BASE_FACTOR"].notna().ne(table["BASE_OPERATOR"].isin(list(_BASE_OPERATORS)))
    ]
    if len(bad):
        raise ValueError(f"{GRADING_FILE}: malformed grading rows:\n{bad.to_string()}")
    return table


def graded_parameters() -> dict[str, str]:
    """PARAMCD -> CTCAE term, for the parameters the table grades, in table order."""
    table = grading_criteria()
    return dict(zip(table["PARAMCD"], table["TERM"], strict=False))


def grade_values(adlb: pd.DataFrame, baseline: pd.Series | None = None) -> pd.DataFrame:
    """The CTCAE v5.0 grade of every value: ``ATOXGR`` (0-4) and its direction ``ATOXDIR``.

    Parameters
    ----------
    adlb
        Rows with ``PARAMCD``, ``AVAL``, ``ANRLO`` and ``ANRHI`` (in the data-model units).
    baseline
        The patient's baseline value, aligned to ``adlb``, for the rows graded against it
        (post-baseline values); missing elsewhere. Where it is above ULN, a row of the table
        with a ``BASE_FACTOR`` (ALT, AST, bilirubin) applies the CTCAE "if baseline was
        abnormal" criterion, ``AVAL <BASE_OPERATOR> BASE_FACTOR x baseline``, instead of the
        ULN criterion.

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
    value = out["AVAL"]
    base = pd.Series(np.nan, index=out.index) if baseline is None else baseline
    abnormal = (base.to_numpy() > out["ANRHI"].to_numpy()) & base.notna().to_numpy()
    for row in table.itertuples(index=False):
        reference = {"ABS": 1.0, "LLN": out["ANRLO"], "ULN": out["ANRHI"]}[row.REFERENCE]
        met = _compare(value, row.OPERATOR, row.FACTOR * reference)
        if pd.notna(row.BASE_FACTOR):
            by_base = _compare(value, row.BASE_OPERATOR, row.BASE_FACTOR * base.to_numpy())
            met = met.where(~abnormal, by_base)
        hit = met.fillna(False).astype(bool) & out["PARAMCD"].eq(row.PARAMCD)
        grade = grade.mask(hit & (grade < row.GRADE), row.GRADE)
    direction = out["PARAMCD"].map(dict(zip(table["PARAMCD"], table["DIRECTION"], strict=False)))
    graded = direction.notna() & out["AVAL"].notna()
    out["ATOXGR"] = grade.where(graded, pd.NA).astype("Int64")
    out["ATOXDIR"] = direction.where(graded)
    return out


def _compare(value: pd.Series, operator: str, limit: object) -> pd.Series:
    return {"<": value < limit, ">": value > limit, ">=": value >= limit}[operator]


def derive_adlb(adlb: pd.DataFrame, adsl: pd.DataFrame, sap_safety: Safety) -> pd.DataFrame:
    """ADLB with grade, baseline, phase and the analysis flag (SAP 9.6).

    Adds ``ATOXGR``/``ATOXDIR`` (:func:`grade_values`; a post-baseline value after a baseline
    above ULN by the CTCAE "x baseline" criteria where the table has them), ``ANRIND``
    (``LOW``/``NORMAL``/``HIGH`` against ANRLO/ANRHI), ``ABLFL`` (``Y`` on the baseline: the
    last value of the patient and parameter on or before the first dose, TRTSDT), ``BTOXGR``
    and ``BNRIND`` (the baseline's grade and range indicator, on every row of the patient and
    parameter),
    ``APHASE`` (the SAP 9.2 phase of the sample date, :func:`~osteo_stats.derive.safety.
    treatment_phase`; ``PRE-TREATMENT`` on or before the first dose) and ``ONTRTFL``
    (``Y`` for a post-baseline value: after TRTSDT and on or before TRTEDT + the SAP 9.1
    window, open while TRTEDT is missing).
    """
    out = adlb.reset_index(drop=True)
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
    index = pd.MultiIndex.from_frame(out[keys])
    base_value = pd.Series(
        out.loc[baseline_rows].set_index(keys)["AVAL"].reindex(index).to_numpy(), index=out.index
    )
    # The "x baseline" criteria grade what follows the baseline, not the baseline itself.
    out = grade_values(out, baseline=base_value.where(out["ADT"].gt(first)))
    base = out.loc[baseline_rows].set_index(keys)
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
