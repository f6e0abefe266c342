"""Every analysis dataset for one data cut-off, derived once and shared by all TLFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from osteo_stats.derive.cutoff import enrolled_by, snapshot_of
from osteo_stats.derive.efficacy import check_analysis_type, landmark_aval
from osteo_stats.derive.endpoint_status import enrollment_order
from osteo_stats.derive.laboratory import derive_adlb
from osteo_stats.derive.pathology import derive_pathology
from osteo_stats.derive.response import derive_best_pct_change, derive_bor
from osteo_stats.derive.safety import derive_ae_phase, derive_teae, derive_unacceptable_toxicity
from osteo_stats.derive.tte import derive_adtte, derive_primary_endpoint
from osteo_stats.errors import DataValidationError
from osteo_stats.load import TrialData
from osteo_stats.load.validate import cutoff_issues
from osteo_stats.sap import SAP

#: The analysis sets of SAP 4, by the name tables and the ARD use.
POPULATIONS: tuple[str, ...] = ("FAS", "SAF", "PPS")


def in_population(adsl: pd.DataFrame, name: str) -> pd.Series:
    """Membership of each ADSL row in the analysis set ``name`` (SAP 4): the one definition.

    - ``FAS``: FASFL = Y (all enrolled patients).
    - ``SAF``: SAFFL = Y (received any study treatment).
    - ``PPS``: PPROTFL = Y within the FAS and the SAF (completed pre-operative therapy and
      surgery without a major protocol deviation).

    On ADSL at a cut-off (:func:`~osteo_stats.derive.cutoff.adsl_at_cutoff`) the flags already
    say what was known then: SAFFL is N when not dosed by the cut-off and PPROTFL is N when not
    operated (R0/R1/R2) by it.

    Raises
    ------
    ValueError
        ``name`` is not one of :data:`POPULATIONS`.
    """
    if name not in POPULATIONS:
        raise ValueError(
            f"unknown analysis set {name!r}; expected one of {', '.join(POPULATIONS)} (SAP 4)"
        )
    fas = adsl["FASFL"].eq("Y")
    if name == "FAS":
        return fas
    saf = adsl["SAFFL"].eq("Y")
    if name == "SAF":
        return saf
    return adsl["PPROTFL"].eq("Y") & fas & saf


@dataclass(frozen=True)
class AnalysisData:
    """The derived datasets at one cut-off (SAP 6.2).

    Attributes
    ----------
    sap, cutoff, trial
        The plan, the analysis cut-off and the validated source extract (for provenance).
    adsl
        ADSL at the cut-off (patients enrolled by then; later dates removed) with BOR, primary
        endpoint status, pathology, target-lesion change and unacceptable toxicity variables.
    adae
        ADAE at the cut-off with ``TRTEMFL``, ``ASTDY`` and ``APHASE``.
    adtte
        EFS, EFSSENSA, EFSSENSB and OS records, one per patient and parameter.
    adrs, adtr, adex, adbm
        Source records at the cut-off (:func:`~osteo_stats.derive.cutoff.cut_trial`).
    adlb
        Laboratory values at the cut-off with their CTCAE v5.0 grade, baseline, phase and
        post-baseline flag (:func:`~osteo_stats.derive.laboratory.derive_adlb`, SAP 9.6).
    analysis_type
        ``"interim"`` or ``"final"`` (SAP 3.1, 3.3, 10.3): at the final analysis a patient
        still not evaluable for the primary endpoint (N2) is a failure (F3), and no response
        window is open.
    planned_end
        The planned end of the study (:func:`planned_end_of_study`), or None when fewer than
        ``design.n`` patients are enrolled by the cut-off.
    previous_cutoff, new_looks
        The previous DMC cut-off p and the toxicity looks first reached after it (SAP 10.4,
        :mod:`osteo_stats.derive.changes`); with p, ADAE has ``NEWFL`` and ADSL ``DTHNEWFL``,
        ``DSNEWFL`` and ``UTXNEWFL``. None and () when no previous cut-off is known.
    """

    sap: SAP
    cutoff: date
    trial: TrialData
    adsl: pd.DataFrame
    adae: pd.DataFrame
    adtte: pd.DataFrame
    adrs: pd.DataFrame
    adtr: pd.DataFrame
    adex: pd.DataFrame
    adbm: pd.DataFrame
    adlb: pd.DataFrame
    analysis_type: str = "interim"
    planned_end: date | None = None
    previous_cutoff: date | None = None
    new_looks: tuple[int, ...] = ()

    @property
    def before_planned_end(self) -> bool:
        """True when the cut-off is before the planned end of the study (or it is not known)."""
        return self.planned_end is None or self.cutoff < self.planned_end

    def population(self, name: str) -> pd.DataFrame:
        """The ADSL rows of the analysis set ``name`` (``"FAS"``, ``"SAF"`` or ``"PPS"``) at the
        cut-off; see :func:`in_population`."""
        return self.adsl.loc[in_population(self.adsl, name)]


def planned_end_of_study(adsl: pd.DataFrame, sap: SAP, cutoff: date) -> date | None:
    """The planned end of the study at ``cutoff`` (SAP 10.3): the date on which the last patient
    of the primary analysis -- the ``design.n``-th FAS patient by enrollment (ENRLDT, then
    USUBJID; SAP 5.6) -- reaches the primary landmark (``ENRLDT + ceil(landmark_months x
    days_per_month) - day_one_offset`` days, SAP 3.1). None when fewer than ``design.n``
    patients are enrolled by ``cutoff``: the end cannot be dated from the data yet.
    """
    enrolled = enrolled_by(adsl, cutoff)
    enrolled = enrolled.loc[in_population(enrolled, "FAS")]
    n = sap.design.n
    if len(enrolled) < n:
        return None
    last = enrollment_order(enrolled)["ENRLDT"].iloc[n - 1]
    time = sap.time
    days = landmark_aval(sap.primary_endpoint.landmark_months, time.days_per_month)
    return (last + pd.Timedelta(days=days - time.day_one_offset)).date()


@dataclass(frozen=True)
class AnalysisTypeChoice:
    """The analysis type a command runs, and why (SAP 10.3).

    ``warning`` is set when the user did not declare the type and a final report is produced at
    a cut-off before the planned end of the study: the run is an interim look.
    """

    analysis_type: str
    declared: bool
    warning: str | None = None


def choose_analysis_type(
    trial: TrialData,
    sap: SAP,
    cutoff: date | None,
    requested: str | None,
    default: str,
) -> AnalysisTypeChoice:
    """The analysis type for a run (SAP 10.3, "Declaring the final analysis").

    - ``requested`` (the user's ``--analysis``) is used as given.
    - Otherwise ``default``; a default of ``"final"`` applies only from the planned end of the
      study (:func:`planned_end_of_study`). Before it, or when it cannot be dated (fewer than
      ``design.n`` patients enrolled), the run is an interim look, with a warning saying so.
    """
    cutoff = trial.cutoff if cutoff is None else cutoff
    if requested is not None:
        return AnalysisTypeChoice(check_analysis_type(requested), declared=True)
    if check_analysis_type(default) == "interim":
        return AnalysisTypeChoice("interim", declared=False)
    end = planned_end_of_study(trial.adsl, sap, cutoff)
    if end is not None and cutoff >= end:
        return AnalysisTypeChoice("final", declared=False)
    landmark = f"{sap.primary_endpoint.landmark_months:g}-month date"
    when = (
        f"before the planned end of the study ({end:%Y-%m-%d}, the {landmark} of patient "
        f"{sap.design.n})"
        if end is not None
        else f"with fewer than {sap.design.n} patients enrolled, so the planned end of the "
        "study cannot be dated"
    )
    return AnalysisTypeChoice(
        "interim",
        declared=False,
        warning=(
            f"the data cut-off {cutoff:%Y-%m-%d} is {when}: this is an INTERIM LOOK, not the "
            "final analysis (SAP 10.3). Patients not yet evaluable stay not evaluable. To "
            "declare the final analysis anyway, run with --analysis final."
        ),
    )


def derive_analysis_data(
    trial: TrialData,
    sap: SAP,
    cutoff: date | None = None,
    *,
    analysis_type: str = "interim",
    previous_cutoff: date | None = None,
) -> AnalysisData:
    """Derive every analysis dataset at ``cutoff`` (the extract's DCUTDT by default).

    ``analysis_type`` is ``"interim"`` (default) or ``"final"``
    (:data:`~osteo_stats.derive.efficacy.ANALYSIS_TYPES`); see :class:`AnalysisData`. Which one
    a command runs is decided by :func:`choose_analysis_type`. With ``previous_cutoff`` (the
    previous DMC report's), what is new since it is flagged (SAP 10.4,
    :func:`~osteo_stats.derive.changes.derive_changes`).

    Raises
    ------
    DataValidationError
        The requested cut-off is after the extract's DCUTDT (SAP 6.2): data after the extract's
        cut-off were never collected, so such an analysis would silently under-count.
    """
    # derive.changes reads the toxicity looks of derive.monitoring, which uses in_population.
    from osteo_stats.derive.changes import check_previous_cutoff, derive_changes

    check_analysis_type(analysis_type)
    cutoff = trial.cutoff if cutoff is None else cutoff
    late = cutoff_issues(cutoff, trial.cutoff)  # the gate validate --cutoff applies too
    if late:
        raise DataValidationError(late)
    if previous_cutoff is not None:
        check_previous_cutoff(previous_cutoff, cutoff)
    # The one cut (SAP 6.2): every derivation below works on what was known at the cut-off.
    snap = snapshot_of(trial, cutoff)
    cut = snap.cutoff

    adtte = derive_adtte(snap.adsl, snap.adrs, sap, cut)
    adsl = derive_bor(snap.adsl, snap.adrs, sap.response, cut, analysis_type)
    adsl = derive_primary_endpoint(adsl, adtte, sap, cut, analysis_type)
    adsl = derive_pathology(adsl, sap.pathology, cut, analysis_type)
    adsl = derive_best_pct_change(adsl, snap.adtr, sap.response, cut, analysis_type)
    adae = derive_teae(snap.adae, adsl, sap.safety)
    adsl = derive_unacceptable_toxicity(adsl, adae, sap, cut)
    adae = derive_ae_phase(adae, adsl, sap.safety)
    new_looks: tuple[int, ...] = ()
    if previous_cutoff is not None:
        changes = derive_changes(trial, sap, previous_cutoff, adsl, adae)
        adsl, adae, new_looks = changes.adsl, changes.adae, changes.new_looks

    return AnalysisData(
        sap=sap,
        cutoff=cutoff,
        trial=trial,
        adsl=adsl,
        adae=adae,
        adtte=adtte,
        adrs=snap.adrs,
        adtr=snap.adtr,
        adex=snap.adex,
        adbm=snap.adbm,
        adlb=derive_adlb(snap.adlb, adsl, sap.safety),
        analysis_type=analysis_type,
        planned_end=planned_end_of_study(snap.adsl, sap, cutoff),
        previous_cutoff=previous_cutoff,
        new_looks=new_looks,
    )
