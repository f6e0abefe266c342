"""The data cut-off, applied once: the validated trial as it was known at the cut-off (SAP 6.2).

:func:`cut_trial` turns a :class:`~osteo_stats.load.TrialData` into a :class:`CutoffSnapshot`
before any derivation, and every derivation in :mod:`osteo_stats.derive` works on the snapshot:
none of them filters by date again. Only rules that use the cut-off date as a *value* take it
(censoring at the cut-off, a pre-operative window that is still open, a surgery delay counted
up to the cut-off, the landmark not yet reached).

The model is pharmaverse ``datacutr`` (https://github.com/pharmaverse/datacutr: ``R/process_cut.R``
with ``R/pt_cut.R``, ``R/date_cut.R`` and ``R/special_dm_cut.R``): one cut per dataset, chosen
from a few kinds -- a patient cut, a date cut that drops records after the cut-off, and the
"special DM" cut that clears a death after the cut-off -- declared as a table and applied
before any ADaM derivation. Here the table is :data:`CUT_RULES`; SAP 6.2 prints the same table.
Unlike datacutr, which only flags the records it changed (``TEMP_DCUT_REMOVE``,
``DCUT_TEMP_DTHCHANGE``), the snapshot keeps the flags as ``*CUFL`` columns, so that a
derivation can say *why* a value is what it is (for example "known alive after the cut-off").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from osteo_stats.derive.surgery import operated

CutoffLike = date | str | pd.Timestamp

#: The kinds of cut (SAP 6.2).
#:
#: - ``patient``: a patient whose date is after the cut-off is not in the analysis; all of the
#:   patient's records, in every dataset, are dropped (datacutr's patient cut).
#: - ``drop``: a record dated after the cut-off is dropped; a record without a date is kept
#:   (datacutr's date cut).
#: - ``blank``: a date after the cut-off becomes missing, with its imputation flag ``<COL>F``;
#:   the rule's ``also`` columns take the values listed (datacutr's special DM cut, generalised).
#: - ``clip``: a date after the cut-off becomes the cut-off.
CUT_KINDS = ("patient", "drop", "blank", "clip")


@dataclass(frozen=True)
class CutRule:
    """One row of the cut-off table (SAP 6.2).

    ``flag`` names the ``Y``/``N`` column the snapshot adds to say where the rule changed a
    record (for ``drop`` and ``patient`` the records are gone, so there is no flag). ``also``
    lists the other columns set where the rule applies, as ``(column, value)`` pairs.
    """

    dataset: str
    column: str
    kind: str
    meaning: str
    flag: str | None = None
    also: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CUT_KINDS:
            raise ValueError(f"{self.dataset}.{self.column}: unknown cut kind {self.kind!r}")
        if (self.flag is None) != (self.kind in ("patient", "drop")):
            raise ValueError(
                f"{self.dataset}.{self.column}: a {self.kind} cut needs a flag column exactly "
                "when it changes records instead of dropping them"
            )


#: The cut-off rules, one per dataset and date column, in the order they are applied.
CUT_RULES: tuple[CutRule, ...] = (
    CutRule("ADSL", "ENRLDT", "patient", "enrolled after the cut-off: not in the analysis"),
    CutRule("ADSL", "TRTSDT", "blank", "not yet dosed at the cut-off", "TRTSCUFL"),
    CutRule("ADSL", "TRTEDT", "blank", "last dose not yet given at the cut-off", "TRTECUFL"),
    CutRule(
        "ADSL",
        "SURGDT",
        "blank",
        "surgery after the cut-off: pending at the cut-off, no pathology yet",
        "SURGCUFL",
        (("SURGOUT", "PENDING"), ("NECRPCT", np.nan)),
    ),
    CutRule("ADSL", "NACTDT", "blank", "no new anticancer therapy yet at the cut-off", "NACTCUFL"),
    CutRule("ADSL", "SMDT", "blank", "no second malignancy yet at the cut-off", "SMCUFL"),
    CutRule(
        "ADSL",
        "DTHDT",
        "blank",
        "death after the cut-off: alive at the cut-off",
        "DTHCUFL",
        (("DTHCAUS", np.nan),),
    ),
    CutRule(
        "ADSL",
        "EOSDT",
        "blank",
        "end of study after the cut-off: ongoing at the cut-off",
        "EOSCUFL",
        (("EOSSTT", "ONGOING"), ("DCSREAS", np.nan)),
    ),
    CutRule(
        "ADSL", "LSTALVDT", "clip", "known alive after the cut-off: alive at the cut-off", "ALVCUFL"
    ),
    CutRule("ADAE", "ASTDT", "drop", "AE onset after the cut-off (a missing onset is kept)"),
    CutRule(
        "ADAE",
        "AENDT",
        "blank",
        "AE resolved after the cut-off: ongoing at the cut-off",
        "AENDCUFL",
    ),
    CutRule("ADRS", "ADT", "drop", "tumour assessment after the cut-off"),
    CutRule("ADTR", "ADT", "drop", "target-lesion measurement after the cut-off"),
    CutRule("ADEX", "EXSTDT", "drop", "administration after the cut-off"),
    CutRule("ADBM", "ADT", "drop", "biomarker sample after the cut-off (a missing date is kept)"),
    CutRule("ADLB", "ADT", "drop", "laboratory sample after the cut-off: value not yet known"),
)

#: The datasets a snapshot holds, in :class:`~osteo_stats.load.TrialData` order.
DATASETS = ("ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB")


def as_cutoff(cutoff: CutoffLike) -> pd.Timestamp:
    """The cut-off as a midnight :class:`pandas.Timestamp` (from a date, ISO text or Timestamp)."""
    stamp = pd.Timestamp(cutoff)
    if pd.isna(stamp):
        raise ValueError(f"cutoff: a data cut-off date is required, got {cutoff!r}")
    return stamp.normalize()


def _rules(dataset: str) -> tuple[CutRule, ...]:
    return tuple(r for r in CUT_RULES if r.dataset == dataset)


def enrolled_by(adsl: pd.DataFrame, cutoff: CutoffLike) -> pd.DataFrame:
    """The ADSL rows of the patients in the analysis at the cut-off: the ``patient`` rule alone
    (SAP 6.2), without the other ADSL rules."""
    cut = as_cutoff(cutoff)
    keep = pd.Series(True, index=adsl.index)
    for rule in _rules("ADSL"):
        if rule.kind == "patient":
            keep &= adsl[rule.column] <= cut
    return adsl.loc[keep]


def cut_dataset(name: str, frame: pd.DataFrame, cutoff: CutoffLike) -> pd.DataFrame:
    """``frame`` (dataset ``name``, one of :data:`DATASETS`) cut by its rows of
    :data:`CUT_RULES`, on a new 0..n-1 index.

    The ``patient`` rule acts on ADSL; a child dataset is cut to the patients of the cut ADSL
    by :func:`cut_trial`. ADSL also gets its analysis-set flags restated at the cut-off (SAP 4,
    6.2): ``SAFFL = "N"`` when not dosed by then, ``PPROTFL = "N"`` when not operated
    (R0/R1/R2) by then.
    """
    cut = as_cutoff(cutoff)
    if name == "ADSL":
        frame = enrolled_by(frame, cut)
    keep = pd.Series(True, index=frame.index)
    for rule in _rules(name):
        if rule.kind == "drop" and rule.column in frame.columns:
            keep &= frame[rule.column].isna() | (frame[rule.column] <= cut)
    out = frame.loc[keep].copy()
    for rule in _rules(name):
        if rule.kind not in ("blank", "clip") or rule.column not in out.columns:
            continue
        after = out[rule.column] > cut
        if rule.kind == "clip":
            out.loc[after, rule.column] = cut
        else:
            out.loc[after, rule.column] = pd.NaT
            if f"{rule.column}F" in out.columns:
                out.loc[after, f"{rule.column}F"] = ""
            for column, value in rule.also:
                if column in out.columns:
                    out.loc[after, column] = value
        out[rule.flag] = np.where(after, "Y", "N")
    if name == "ADSL":
        if "SAFFL" in out.columns and "TRTSDT" in out.columns:
            out.loc[out["TRTSDT"].isna(), "SAFFL"] = "N"
        if "PPROTFL" in out.columns and "SURGOUT" in out.columns:
            out.loc[~operated(out), "PPROTFL"] = "N"
    return out.reset_index(drop=True)


def adsl_at_cutoff(adsl: pd.DataFrame, cutoff: CutoffLike) -> pd.DataFrame:
    """ADSL as it stood at the data cut-off: the ADSL rows of :data:`CUT_RULES` (SAP 6.2).

    - Patients enrolled after the cut-off are dropped (they are not in the analysis).
    - ``TRTSDT, TRTEDT, SURGDT, NACTDT, SMDT, DTHDT, EOSDT`` after the cut-off become missing, with
      their imputation flag (``<COL>F``) when present, and a ``*CUFL`` flag says so.
    - Surgery after the cut-off: ``SURGOUT = "PENDING"`` and ``NECRPCT`` missing.
    - Death after the cut-off: ``DTHCAUS`` missing.
    - End of study after the cut-off: ``EOSSTT = "ONGOING"`` and ``DCSREAS`` missing.
    - ``LSTALVDT`` after the cut-off becomes the cut-off (the patient was alive then);
      ``ALVCUFL = "Y"``.
    - ``SAFFL = "N"`` when not dosed by the cut-off; ``PPROTFL = "N"`` when not operated by it.

    ``SURGPLDT`` (a plan, not an event) and ``SURGOUT = "NOT DONE"`` are kept; the date of the
    event a non-done surgery implies is checked against the cut-off where it is derived.
    """
    return cut_dataset("ADSL", adsl, cutoff)


@dataclass(frozen=True)
class CutoffSnapshot:
    """What was known at the data cut-off (SAP 6.2): every dataset cut by :data:`CUT_RULES`.

    ``adsl`` holds the patients enrolled by ``cutoff``; the other datasets hold only their
    records. The ``*CUFL`` columns flag what the cut changed.
    """

    cutoff: pd.Timestamp
    adsl: pd.DataFrame
    adae: pd.DataFrame
    adrs: pd.DataFrame
    adtr: pd.DataFrame
    adex: pd.DataFrame
    adbm: pd.DataFrame
    adlb: pd.DataFrame


def cut_trial(
    *,
    cutoff: CutoffLike,
    adsl: pd.DataFrame,
    adae: pd.DataFrame,
    adrs: pd.DataFrame,
    adtr: pd.DataFrame,
    adex: pd.DataFrame,
    adbm: pd.DataFrame,
    adlb: pd.DataFrame,
) -> CutoffSnapshot:
    """Cut every dataset once (SAP 6.2): ADSL by its rules, then each child dataset to the
    patients of the cut ADSL and by its own rules. Call it as ``cut_trial(cutoff=c,
    **trial_frames)`` or through :func:`snapshot_of`."""
    cut = as_cutoff(cutoff)
    adsl_cut = cut_dataset("ADSL", adsl, cut)
    enrolled = set(adsl_cut["USUBJID"])

    def child(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        return cut_dataset(name, frame.loc[frame["USUBJID"].isin(enrolled)], cut)

    return CutoffSnapshot(
        cutoff=cut,
        adsl=adsl_cut,
        adae=child("ADAE", adae),
        adrs=child("ADRS", adrs),
        adtr=child("ADTR", adtr),
        adex=child("ADEX", adex),
        adbm=child("ADBM", adbm),
        adlb=child("ADLB", adlb),
    )


def snapshot_of(trial: object, cutoff: CutoffLike) -> CutoffSnapshot:
    """:func:`cut_trial` of a :class:`~osteo_stats.load.TrialData` (or anything with its
    dataset attributes)."""
    return cut_trial(
        cutoff=cutoff, **{name.lower(): getattr(trial, name.lower()) for name in DATASETS}
    )
