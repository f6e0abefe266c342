"""What is new since the previous DMC report (SAP 10.4): the flags, decided by the SAP 6.2 cut.

Something is *new since the previous cut-off p* when it is known at the current cut-off c and
was not known at p. What was known at p is the snapshot at p, cut by the same rules as every
analysis (:func:`~osteo_stats.derive.cutoff.snapshot_of`); nothing here compares dates by
itself, so p itself is not new (the cut keeps a record dated p) and c itself is new.

- ADAE ``NEWFL``: the AE record (USUBJID, AESEQ) is not in the snapshot at p: its onset is
  after p, or the patient was enrolled after p. A record with a missing onset is kept by every
  cut (SAP 6.2), so it is never new.
- ADSL ``DTHNEWFL``: dead at c, not dead at p (DTHDT in (p, c]).
- ADSL ``DSNEWFL``: discontinued the study at c (EOSSTT), not at p (EOSDT in (p, c]).
- ADSL ``UTXNEWFL``: an unacceptable toxicity (SAP 9.4, ``UTOXFL``) at c, not at p, with
  ``UTOXFL`` derived on the snapshot at p by the same rules (a patient enrolled after p is new).
- the toxicity looks (SAP 9.4) reached at c and not at p, counted by
  :func:`~osteo_stats.derive.monitoring.observed_toxicity_counts` at both cut-offs.

A serious or grade >= 3 AE is new when its record is (``NEWFL``): AESER and AETOXGR are one
value per record without a date, so a known AE that became serious later cannot be seen from
a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from osteo_stats.derive.cutoff import as_cutoff, snapshot_of
from osteo_stats.derive.monitoring import observed_toxicity_counts
from osteo_stats.derive.safety import derive_teae, derive_unacceptable_toxicity
from osteo_stats.errors import OsteoStatsError
from osteo_stats.sap import SAP

#: The new-since flags, by dataset (ADaM style: ``*FL``, ``Y``/``N``).
NEW_FLAGS: dict[str, tuple[str, ...]] = {
    "ADAE": ("NEWFL",),
    "ADSL": ("DTHNEWFL", "DSNEWFL", "UTXNEWFL"),
}


@dataclass(frozen=True)
class Changes:
    """The flags of :func:`derive_changes`: ADSL and ADAE at c with them, and the new looks."""

    previous_cutoff: date
    adsl: pd.DataFrame
    adae: pd.DataFrame
    new_looks: tuple[int, ...]


def check_previous_cutoff(previous: date, cutoff: date) -> None:
    """Raise when the previous cut-off is not before the analysis cut-off (SAP 10.4)."""
    if previous >= cutoff:
        raise OsteoStatsError(
            f"--previous-cutoff {previous:%Y-%m-%d} is not before the analysis cut-off "
            f"{cutoff:%Y-%m-%d}: nothing can be new since a cut-off on or after this one "
            "(SAP 10.4). Hint: give the cut-off of the previous DMC report, earlier than "
            "--cutoff, or leave the option out to use the previous report in the output folder."
        )


def _yn(condition: pd.Series) -> pd.Series:
    return pd.Series(np.where(condition.to_numpy(dtype=bool), "Y", "N"), index=condition.index)


def _keys(adae: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(adae[["USUBJID", "AESEQ"]].astype({"AESEQ": "int64"}))


def derive_changes(
    trial: object, sap: SAP, previous: date, adsl: pd.DataFrame, adae: pd.DataFrame
) -> Changes:
    """Flag what is new at c since ``previous`` (see the module docstring).

    Parameters
    ----------
    trial
        The validated extract (:class:`~osteo_stats.load.TrialData`), cut again at ``previous``.
    sap
        The plan (the TEAE windows and the toxicity looks).
    previous
        The previous cut-off p, before the analysis cut-off (:func:`check_previous_cutoff`).
    adsl, adae
        ADSL with ``UTOXFL``/``EVALFL`` and ADAE with ``TRTEMFL`` at c (from
        :func:`~osteo_stats.derive.analysis_data.derive_analysis_data`).
    """
    before = snapshot_of(trial, previous)
    adae = adae.assign(NEWFL=_yn(pd.Series(~_keys(adae).isin(_keys(before.adae)), adae.index)))
    then = before.adsl.set_index("USUBJID")
    dead_then = adsl["USUBJID"].map(then["DTHDT"]).notna()
    stopped_then = adsl["USUBJID"].map(then["EOSSTT"]).eq("DISCONTINUED")
    adsl = adsl.assign(
        DTHNEWFL=_yn(adsl["DTHDT"].notna() & ~dead_then),
        DSNEWFL=_yn(adsl["EOSSTT"].eq("DISCONTINUED") & ~stopped_then),
    )
    # The looks at p from the same derivation as at c (SAP 9.1, 9.4) on the snapshot at p.
    adae_then = derive_teae(before.adae, before.adsl, sap.safety)
    adsl_then = derive_unacceptable_toxicity(before.adsl, adae_then, sap, as_cutoff(previous))
    utox_then = adsl["USUBJID"].map(adsl_then.set_index("USUBJID")["UTOXFL"]).eq("Y")
    adsl = adsl.assign(UTXNEWFL=_yn(adsl["UTOXFL"].eq("Y") & ~utox_then))
    looks = sap.toxicity_monitoring.looks
    reached_then = observed_toxicity_counts(adsl_then, looks)["reached"]
    reached_now = observed_toxicity_counts(adsl, looks)["reached"]
    new_looks = tuple(
        k
        for k, (now, then_) in enumerate(zip(reached_now, reached_then, strict=True), start=1)
        if now and not then_
    )
    return Changes(previous, adsl, adae, new_looks)
