"""Every analysis dataset for one data cut-off, derived once and shared by all TLFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from osteo_stats.derive.efficacy import adsl_at_cutoff, as_cutoff
from osteo_stats.derive.pathology import derive_pathology
from osteo_stats.derive.response import derive_best_pct_change, derive_bor
from osteo_stats.derive.safety import derive_ae_phase, derive_teae, derive_unacceptable_toxicity
from osteo_stats.derive.tte import derive_adtte, derive_primary_endpoint
from osteo_stats.errors import DataValidationError
from osteo_stats.load import TrialData, ValidationIssue
from osteo_stats.sap import SAP


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
        Source records dated on or before the cut-off.
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


def _on_or_before(frame: pd.DataFrame, column: str, cut: pd.Timestamp) -> pd.DataFrame:
    keep = frame[column].isna() | (frame[column] <= cut)
    return frame.loc[keep].reset_index(drop=True)


def derive_analysis_data(trial: TrialData, sap: SAP, cutoff: date | None = None) -> AnalysisData:
    """Derive every analysis dataset at ``cutoff`` (the extract's DCUTDT by default).

    Raises
    ------
    DataValidationError
        The requested cut-off is after the extract's DCUTDT (SAP 6.2): data after the extract's
        cut-off were never collected, so such an analysis would silently under-count.
    """
    cutoff = trial.cutoff if cutoff is None else cutoff
    if cutoff > trial.cutoff:
        raise DataValidationError(
            [
                ValidationIssue(
                    dataset="ADSL",
                    row=None,
                    usubjid=None,
                    column="DCUTDT",
                    value=f"{cutoff:%Y-%m-%d}",
                    rule=f"analysis cut-off must be on or before the extract's DCUTDT "
                    f"{trial.cutoff:%Y-%m-%d} (SAP 6.2)",
                    hint="choose an earlier --cutoff or use a later data extract",
                )
            ]
        )
    cut = as_cutoff(cutoff)

    adsl = adsl_at_cutoff(trial.adsl, cut)
    adtte = derive_adtte(trial.adsl, trial.adrs, sap, cut)
    adsl = derive_bor(adsl, trial.adrs, sap.response, cut)
    adsl = derive_primary_endpoint(adsl, adtte, sap, cut)
    adsl = derive_pathology(adsl, sap.pathology, cut)
    adsl = derive_best_pct_change(adsl, trial.adtr, sap.response, cut)
    adsl = derive_unacceptable_toxicity(adsl, trial.adae, sap, cut)

    enrolled = set(adsl["USUBJID"])
    adae = derive_teae(trial.adae, adsl, sap.safety, cut)
    adae = derive_ae_phase(adae, adsl, sap.safety)
    adae = adae.loc[adae["USUBJID"].isin(enrolled)].reset_index(drop=True)
    # An AE resolving after the cut-off was ongoing at the cut-off (SAP 6.2).
    resolved_later = adae["AENDT"] > cut
    adae.loc[resolved_later, "AENDT"] = pd.NaT
    if "AENDTF" in adae.columns:
        adae.loc[resolved_later, "AENDTF"] = ""

    def children(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
        frame = frame.loc[frame["USUBJID"].isin(enrolled)]
        return _on_or_before(frame, date_column, cut)

    return AnalysisData(
        sap=sap,
        cutoff=cutoff,
        trial=trial,
        adsl=adsl,
        adae=adae,
        adtte=adtte,
        adrs=children(trial.adrs, "ADT"),
        adtr=children(trial.adtr, "ADT"),
        adex=children(trial.adex, "EXSTDT"),
        adbm=children(trial.adbm, "ADT"),
    )
