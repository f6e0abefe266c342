"""Endpoint status at a cut-off: which patients and outcomes an efficacy analysis can count yet.

The per-patient outcomes are derived elsewhere -- ``PRIMSTAT``/``PRIMRULE`` by
:func:`~osteo_stats.derive.tte.derive_primary_endpoint` (SAP 3.1), ``WINOPENFL`` by
:func:`~osteo_stats.derive.response.derive_preop_window` (SAP 3.3), ``PATHRULE`` by
:func:`~osteo_stats.derive.pathology.derive_pathology` (SAP 3.4), ``RULE`` by
:func:`~osteo_stats.derive.tte.derive_adtte` (SAP 3.2, 8.4). This module turns them into the
statuses the tables count, so that each such rule is written once:

- the primary-analysis patients, the first ``n`` FAS patients by enrollment (SAP 5.6), and
  whether design-based inference is available at this cut-off (SAP 5.5, 7.2, 10.3):
  :func:`primary_status`;
- the supportive primary status that does not count F3 failures (SAP 3.1):
  :func:`supportive_primary_status`;
- a best overall response still pending (SAP 3.3): :func:`bor_pending`;
- a surgery still pending at an interim cut-off (P3) or at the final analysis (P4), SAP 3.4:
  :func:`surgery_pending`;
- alive and still on study at the cut-off (SAP 3.3, 8.5): :func:`on_study`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from osteo_stats.sap import Design

#: Primary statuses that are decided (SAP 3.1).
DETERMINED = ("SUCCESS", "FAILURE")


def enrollment_order(patients: pd.DataFrame) -> pd.DataFrame:
    """``patients`` in enrollment order, ENRLDT then USUBJID (SAP 5.5, 5.6), index reset."""
    return patients.sort_values(["ENRLDT", "USUBJID"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class PrimaryStatus:
    """Where the primary analysis stands at one cut-off (SAP 5.5, 5.6, 7.2, 10.3).

    Attributes
    ----------
    population
        The first ``n`` FAS patients by enrollment (SAP 5.6), with their ``PRIMSTAT``.
    stage1
        The first ``n1`` of them (SAP 5.5).
    available
        Whether design-based inference (SAP 7.2) can be computed.
    stopped_early
        Every stage-1 patient is evaluable and the stage-1 successes are at most ``r1``: the
        trial stops after stage 1 (the futility rule is binding, SAP 5.5).
    reason
        Why inference is or is not available, for the table.
    """

    population: pd.DataFrame
    stage1: pd.DataFrame
    available: bool
    stopped_early: bool
    reason: str

    @property
    def successes(self) -> int:
        """The success count design-based inference uses (SAP 7.2): the stage-1 successes after
        a futility stop (later patients do not count), otherwise the successes among the n."""
        counted = self.stage1 if self.stopped_early else self.population
        return int((counted["PRIMSTAT"] == "SUCCESS").sum())


def primary_status(fas: pd.DataFrame, design: Design) -> PrimaryStatus:
    """Decide whether design-based inference (SAP 7.2) is available at this cut-off.

    Available when (a) every patient of the first ``n1`` has a determined status (SUCCESS or
    FAILURE) and the stage-1 successes are at most ``r1``: the trial stops after stage 1 (SAP
    5.5); or (b) ``n`` patients are enrolled and all of the first ``n`` have a determined status:
    the final analysis of SAP 10.3. Otherwise it is "not yet available". At the final analysis
    an N2 patient is already a FAILURE (rule F3, SAP 3.1), so (b) then only waits for N1.

    Parameters
    ----------
    fas
        FAS patients (ADSL rows) with ``ENRLDT``, ``USUBJID`` and ``PRIMSTAT``, in any order.
    design
        ``sap.design`` (``n1``, ``r1``, ``n``).
    """
    population = enrollment_order(fas).head(design.n)
    stage1 = population.head(design.n1)
    determined = population["PRIMSTAT"].isin(DETERMINED)
    stage1_done = len(stage1) == design.n1 and stage1["PRIMSTAT"].isin(DETERMINED).all()
    stage1_success = int((stage1["PRIMSTAT"] == "SUCCESS").sum())
    if stage1_done and stage1_success <= design.r1:
        return PrimaryStatus(population, stage1, True, True, "stopped after stage 1")
    if len(population) < design.n:
        reason = f"{len(population)} of {design.n} planned patients enrolled"
        return PrimaryStatus(population, stage1, False, False, reason)
    if not determined.all():
        reason = f"{int((~determined).sum())} of {design.n} patients not yet evaluable"
        return PrimaryStatus(population, stage1, False, False, reason)
    return PrimaryStatus(population, stage1, True, False, "all patients evaluable")


def supportive_primary_status(patients: pd.DataFrame) -> pd.Series:
    """``PRIMSTAT`` for the supportive analysis of SAP 3.1 (Table 14.2.4): a patient counted as
    a failure only because not evaluable at the final analysis (rule F3) is not evaluable."""
    return patients["PRIMSTAT"].where(patients["PRIMRULE"] != "F3", "NOT EVALUABLE YET")


def bor_pending(patients: pd.DataFrame) -> pd.Series:
    """Patients whose pre-operative window is still open at the cut-off (``WINOPENFL = Y``): their
    BOR is provisional and they are not yet evaluable for response (SAP 3.3). Never at the final
    analysis, where no window is open."""
    return patients["WINOPENFL"] == "Y"


def surgery_pending(patients: pd.DataFrame, *, final: bool) -> pd.Series:
    """Patients whose surgery is still pending at the cut-off (SAP 3.4): at an interim analysis
    rule P3 (not yet evaluable, out of the denominator); at the final analysis rule P4 (in the
    denominator, no good pathological response and not R0)."""
    return patients["PATHRULE"] == ("P4" if final else "P3")


def on_study(patients: pd.DataFrame) -> pd.Series:
    """Patients alive and still on study at the cut-off: no death (``DTHDT``) and ``EOSSTT``
    neither ``DISCONTINUED`` nor ``COMPLETED`` (SAP 3.3 open window, SAP 8.5 data currency).
    On ADSL at a cut-off (SAP 6.2) a later death or end of study is already undone."""
    return ~patients["EOSSTT"].isin(["DISCONTINUED", "COMPLETED"]) & patients["DTHDT"].isna()
