"""Laboratory toxicity: CTCAE v5.0 grade, baseline, phase and worst grade of ADLB (SAP 9.6).

The grading rules are data, not code: ``osteo_stats/data/ctcae_v5_lab.csv`` holds one row per
parameter, direction and grade with the CTCAE v5.0 term and threshold (absolute, or a multiple
of the normal range's LLN or ULN). :func:`grade_values` applies it to whole columns.

Every limit is compared in exact decimal arithmetic (SAP 9.6): a value equal to a limit belongs to
the lower grade, and in binary floating point 3.0 x 23.9 is 71.69999999999999, so bilirubin 71.7
after a baseline of 23.9 would be "above 3 x baseline". Each number is read as the decimal it was
recorded as (the shortest decimal that gives the stored float, what ``str()`` shows), and value,
factor and reference are compared as integers scaled by a common power of ten
(:func:`exceeds`), vectorised.

ADLB here is at the data cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`): a value
sampled after the cut-off does not exist, so nothing filters by date.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from importlib import resources

import numpy as np
import pandas as pd

from osteo_stats.derive.safety import PHASE_PRETREATMENT, treatment_phase
from osteo_stats.sap import Safety

__all__ = [
    "GRADING_FILE",
    "derive_adlb",
    "exceeds",
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
    grade = np.zeros(len(out), dtype="int64")
    base = pd.Series(np.nan, index=out.index) if baseline is None else baseline
    abnormal = (base.to_numpy() > out["ANRHI"].to_numpy()) & base.notna().to_numpy()
    # AVAL, LLN, ULN, baseline and 1 (an absolute limit) as exact decimal integers, one scale
    columns = (out["AVAL"], out["ANRLO"], out["ANRHI"], base)
    floats = [np.asarray(c, dtype="float64") for c in columns]
    value, lln, uln, base_value, one = decimal_integers(*floats, np.ones(len(out)))
    known = dict(zip(("AVAL", "LLN", "ULN", "BASE"), map(np.isfinite, floats), strict=True))
    known["ABS"] = np.ones(len(out), dtype=bool)
    references = {"ABS": one, "LLN": lln, "ULN": uln}
    codes, names = pd.factorize(out["PARAMCD"])
    for row in table.itertuples(index=False):
        rows = codes == (names.get_loc(row.PARAMCD) if row.PARAMCD in names else -2)
        if not rows.any():
            continue
        met = exceeds(value[rows], row.OPERATOR, row.FACTOR, references[row.REFERENCE][rows])
        met &= known["AVAL"][rows] & known[row.REFERENCE][rows]
        if pd.notna(row.BASE_FACTOR):
            by_base = exceeds(value[rows], row.BASE_OPERATOR, row.BASE_FACTOR, base_value[rows])
            by_base &= known["AVAL"][rows] & known["BASE"][rows]
            met = np.where(abnormal[rows], by_base, met)
        grade[rows] = np.where(met, np.maximum(grade[rows], row.GRADE), grade[rows])
    direction = out["PARAMCD"].map(dict(zip(table["PARAMCD"], table["DIRECTION"], strict=False)))
    graded = direction.notna() & out["AVAL"].notna()
    out["ATOXGR"] = pd.Series(grade, index=out.index, dtype="Int64").where(graded, pd.NA)
    out["ATOXDIR"] = direction.where(graded)
    return out


#: Decimals a recorded value may have for the int64 path (more: exact Python integers).
_MAX_DECIMALS = 9
#: Scaled integers below this stay exact through float rounding and int64 products.
_EXACT_BELOW = 2.0**51


def _decimals(values: np.ndarray) -> int | None:
    """The most decimals any finite value needs to be written as its shortest decimal (``str``),
    or None when one needs more than :data:`_MAX_DECIMALS` or is too large for int64."""
    finite = values[np.isfinite(values)]
    left = finite
    for k in range(_MAX_DECIMALS + 1):
        scale = 10.0**k
        left = left[np.rint(left * scale) / scale != left]
        if left.size == 0:
            return None if finite.size and np.abs(finite).max() * scale >= _EXACT_BELOW else k
    return None


def decimal_integers(*columns: np.ndarray) -> list[np.ndarray]:
    """Each float column as the integers N with value = N / 10^k exactly, one k for all, each
    value read as the decimal it was recorded as (its shortest decimal, what ``str`` shows); 0
    where missing. int64 when every value has at most 9 decimals and is below 2^51 / 10^k,
    else Python integers (exact, slower)."""
    k = _decimals(np.concatenate(columns))
    if k is not None:
        return [
            np.where(np.isfinite(c), np.rint(np.nan_to_num(c) * 10.0**k), 0).astype("int64")
            for c in columns
        ]
    decimals = [
        [Decimal(repr(float(v))) if np.isfinite(v) else Decimal(0) for v in c] for c in columns
    ]
    k = max([0, *(-int(d.as_tuple().exponent) for c in decimals for d in c)])
    return [np.array([int(d.scaleb(k)) for d in c], dtype=object) for c in decimals]


def exceeds(value: np.ndarray, operator: str, factor: float, reference: np.ndarray) -> np.ndarray:
    """``value <operator> factor x reference`` row by row (``<``, ``>``, ``>=``) in exact
    decimal arithmetic, on the integers of :func:`decimal_integers` (one call, so one scale for
    both); ``factor`` is read as its shortest decimal. Missing values are the caller's to mask.
    """
    sign, digits, exponent = Decimal(repr(float(factor))).as_tuple()
    places = max(0, -int(exponent))
    f = (-1) ** sign * int("".join(map(str, digits))) * 10 ** max(0, int(exponent))
    if value.dtype != object and (abs(f) >= 2**11 or places > 3):
        value, reference = value.astype(object), reference.astype(object)  # no int64 overflow
    left = value * 10**places  # value x 10^(k + places)
    right = reference * f  # factor x reference x 10^(k + places)
    held = {"<": left < right, ">": left > right, ">=": left >= right}[operator]
    return np.asarray(held, dtype=bool)


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
