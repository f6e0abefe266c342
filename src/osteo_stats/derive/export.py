"""The derived analysis datasets a QC programmer receives, and their metadata (SAP 12.4).

:func:`export_datasets` turns an :class:`~osteo_stats.derive.analysis_data.AnalysisData` into
the datasets written to ``OUT/adam/``, each the frame the tables were built from:

- ``ADSL``: ``ad.adsl`` as is (analysis sets, BOR, primary status, pathology, toxicity...);
- ``ADTTE``: ``ad.adtte`` plus ``RULEID``, the id of the deciding rule (``RULE`` holds its text);
- ``ADRS``: the overall-response records of ``ad.adrs``, then one ``PARAMCD = "BOR"`` record per
  patient (``AVALC = BOR``, ``ADT = BORDT``, ``BORREAS`` the audit reason), as admiral does;
- ``ADAE``: ``ad.adae`` plus the worst-grade flags of SAP 9.2 (``WGRFL``, ``WGRSOCFL``,
  ``WGRPTFL``: the record at which a patient is counted in "any TEAE", per SOC, per term);
- ``ADPRIM``: the primary-endpoint status per FAS patient (SAP 3.1);
- ``ADLB`` (when the extract has one): ``ad.adlb`` with the CTCAE v5.0 grade ``ATOXGR``, its
  direction, ``ANRIND``, the baseline flag, grade and range indicator, ``APHASE`` and the
  post-baseline flag ``ONTRTFL`` (SAP 9.6).

Two ADSL names are longer than the 8 characters of SAS transport v5 and are exported shorter
(:data:`EXPORT_NAMES`: ``WINOPENFL`` -> ``WINOPNFL``, ``PATHDENFL`` -> ``PATHDNFL``), in the XPT
and the CSV alike; the metadata records the AnalysisData name.

The DMC report (interim) discloses no efficacy (SAP 10.1): ``efficacy=False`` drops the
datasets and the ADSL variables marked ``efficacy`` in :data:`DERIVED` and :data:`SOURCE_EFFICACY`.

Labels and SAP references live in ONE place: :data:`DATASETS` and :data:`DERIVED` below for what
this package derives; the labels of the source variables are those of the data model
(``osteo_stats.synth._spec``, the labels the shipped SAS transport files carry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.cutoff import CUT_RULES
from osteo_stats.derive.safety import derive_worst_grade
from osteo_stats.synth._spec import COLUMNS as SOURCE_COLUMNS


@dataclass(frozen=True)
class DatasetSpec:
    """One exported dataset: name (<= 8 characters), label (<= 40), structure, SAP home."""

    name: str
    label: str
    structure: str
    keys: tuple[str, ...]
    sap: str
    efficacy: bool


@dataclass(frozen=True)
class VariableSpec:
    """One variable this package derives: its label, the SAP section and rule behind it, and
    whether it discloses efficacy (then it is left out of the DMC report)."""

    dataset: str
    name: str
    label: str
    sap: str
    rule: str
    efficacy: bool = False
    #: The column's name in AnalysisData when it is longer than SAS transport v5 allows.
    analysis_name: str = ""


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("ADSL", "Subject-Level Analysis Dataset", "One record per subject",
                    ("USUBJID",), "4, 6.2", efficacy=False),
        DatasetSpec("ADTTE", "Time-to-Event Analysis Dataset", "One record per subject and "
                    "parameter", ("USUBJID", "PARAMCD"), "3.2.6, 8.4", efficacy=True),
        DatasetSpec("ADRS", "Tumour Response Analysis Dataset", "One record per subject, "
                    "parameter and assessment", ("USUBJID", "PARAMCD", "ADT"), "3.3",
                    efficacy=True),
        DatasetSpec("ADAE", "Adverse Events Analysis Dataset", "One record per adverse event",
                    ("USUBJID", "AESEQ"), "9.1, 9.2", efficacy=False),
        DatasetSpec("ADPRIM", "Primary Endpoint Status (2-Year EFS)", "One record per FAS "
                    "subject", ("USUBJID",), "3.1", efficacy=True),
        DatasetSpec("ADLB", "Laboratory Analysis Dataset", "One record per subject, parameter "
                    "and sample date", ("USUBJID", "PARAMCD", "ADT"), "9.6", efficacy=False),
    )
}  # fmt: skip

_V = VariableSpec
_EFF = True
#: Every variable the package derives (not in the source data model), by dataset.
#: Source ADSL variables that only feed efficacy endpoints: left out of the DMC report.
SOURCE_EFFICACY: frozenset[str] = frozenset({"NECRPCT", "NACTDT", "SMDT"})

DERIVED: tuple[VariableSpec, ...] = (
    _V("ADSL", "NACTDTF", "New Anticancer Therapy Date Imput. Flag", "8.3", "partial date imputed",
       _EFF),
    _V("ADSL", "DTHDTF", "Death Date Imputation Flag", "8.3", "partial date imputed"),
    _V("ADSL", "WINENDT", "Pre-operative Response Window End Date", "3.3",
       "SURGDT, else min(NACTDT, ENRLDT + response.window_without_surgery_weeks), "
       "never after cut-off", _EFF),
    _V("ADSL", "WINENDRS", "Reason Response Window Ended", "3.3", "window end rule", _EFF),
    _V("ADSL", "WINOPNFL", "Response Window Open at Cut-off Flag", "3.3",
       "window not closed at an interim cut-off", _EFF, analysis_name="WINOPENFL"),
    _V("ADSL", "BOR", "Best Overall Response (RECIST 1.1)", "3.3", "best qualifying response",
       _EFF),
    _V("ADSL", "BORDT", "Date of Best Overall Response", "3.3", "date of the deciding assessment",
       _EFF),
    _V("ADSL", "BORREAS", "Best Overall Response Reason (Audit)", "3.3", "BOR reason", _EFF),
    _V("ADSL", "ORRFL", "Objective Response (CR or PR) Flag", "3.3", "BOR in CR, PR", _EFF),
    _V("ADSL", "DCRFL", "Disease Control (CR, PR or SD) Flag", "3.3", "BOR in CR, PR, SD", _EFF),
    _V("ADSL", "PRIMLMDT", "Primary Landmark Date", "3.1",
       "first date with AVALM >= primary_endpoint.landmark_months", _EFF),
    _V("ADSL", "PRIMSTAT", "Primary Endpoint Status (2-Year EFS)", "3.1", "rules F1-F3, S1-S2, "
       "N1-N2", _EFF),
    _V("ADSL", "PRIMRULE", "Primary Endpoint Deciding Rule Id", "3.1", "first rule that applies",
       _EFF),
    _V("ADSL", "PRIMREAS", "Primary Endpoint Status Reason (Audit)", "3.1", "rule text with dates",
       _EFF),
    _V("ADSL", "OPERFL", "Operated (R0, R1 or R2) Flag", "3.4", "SURGOUT in R0, R1, R2"),
    _V("ADSL", "R0FL", "R0 Resection Flag", "3.4", "SURGOUT = R0", _EFF),
    _V("ADSL", "HUVOS", "Huvos Grade", "3.4", "grade from NECRPCT", _EFF),
    _V("ADSL", "GOODRESP", "Good Pathological Response Flag", "3.4", "Huvos III-IV", _EFF),
    _V("ADSL", "COMPRESP", "Complete Pathological Response Flag", "3.4", "Huvos IV", _EFF),
    _V("ADSL", "PATHSTAT", "Pathology Status", "3.4", "rules P1-P4", _EFF),
    _V("ADSL", "PATHRULE", "Pathology Deciding Rule Id", "3.4", "first rule that applies", _EFF),
    _V("ADSL", "PATHREAS", "Pathology Status Reason (Audit)", "3.4", "rule text with dates",
       _EFF),
    _V("ADSL", "PATHDNFL", "In Pathology FAS Denominator Flag", "3.4", "not P3", _EFF,
       analysis_name="PATHDENFL"),
    _V("ADSL", "BASESUM", "Baseline Sum of Target Diameters (mm)", "3.4", "ABLFL = Y record",
       _EFF),
    _V("ADSL", "NADIRSUM", "Nadir Sum of Target Diameters (mm)", "3.4", "minimum in window",
       _EFF),
    _V("ADSL", "NADIRDT", "Date of Nadir Sum of Target Diameters", "3.4", "date of nadir", _EFF),
    _V("ADSL", "BESTPCHG", "Best Percent Change in Target Sum", "3.4",
       "100 x (NADIRSUM - BASESUM) / BASESUM", _EFF),
    _V("ADSL", "UTOXFL", "Unacceptable Toxicity Flag", "9.4", "any of the four events"),
    _V("ADSL", "UTOXDT", "Date of First Unacceptable Toxicity", "9.4", "first qualifying event"),
    _V("ADSL", "UTOXREAS", "Unacceptable Toxicity Criteria Met", "9.4", "criteria in SAP order"),
    _V("ADSL", "UTOXDLFL", "Surgery Delay by Toxicity > Limit Flag", "9.4", "criterion 4 met"),
    _V("ADSL", "DTHNEWFL", "Death New Since Previous DMC Flag", "10.4",
       "DTHDT after the previous DMC cut-off"),
    _V("ADSL", "DSNEWFL", "Discontinued Since Previous DMC Flag", "10.4",
       "EOSSTT DISCONTINUED with EOSDT after the previous DMC cut-off"),
    _V("ADSL", "UTXNEWFL", "Unacceptable Tox New Since Prev DMC Flag", "10.4",
       "UTOXFL Y, not Y on the snapshot at the previous DMC cut-off"),
    _V("ADSL", "EVALFL", "Evaluable for Toxicity Monitoring Flag", "9.4",
       "pre-operative phase completed"),
    _V("ADSL", "EVALDT", "Date Evaluable for Toxicity Monitoring", "9.4",
       "earliest completion date"),
    _V("ADAE", "NEWFL", "New Since Previous DMC Flag", "10.4",
       "record not known at the previous DMC cut-off (onset after it)"),
    _V("ADAE", "ASTDTF", "Analysis Start Date Imputation Flag", "8.3", "partial date imputed"),
    _V("ADAE", "AENDTF", "Analysis End Date Imputation Flag", "8.3", "partial date imputed"),
    _V("ADAE", "TRTEMFL", "Treatment Emergent Analysis Flag", "9.1",
       "TRTSDT <= ASTDT <= TRTEDT + safety.teae_window_days (immune-related: "
       "teae_window_days_immune)"),
    _V("ADAE", "ASTDY", "Analysis Start Relative Day", "6.1",
       "ASTDT - TRTSDT, + 1 on or after TRTSDT (no day 0)"),
    _V("ADAE", "APHASE", "Phase (Relative to Surgery)", "9.2",
       "ASTDT against SURGDT + safety.perioperative_window_days"),
    _V("ADAE", "WGRFL", "Worst Grade TEAE per Subject Flag", "9.2",
       "first TEAE at the subject's worst grade (SAF)"),
    _V("ADAE", "WGRSOCFL", "Worst Grade TEAE per Subject-SOC Flag", "9.2",
       "first TEAE at the worst grade within SOC (SAF)"),
    _V("ADAE", "WGRPTFL", "Worst Grade TEAE per Subject-PT Flag", "9.2",
       "first TEAE at the worst grade for the term (SAF)"),
    _V("ADTTE", "STUDYID", "Study Identifier", "3.2.6", "from ADSL"),
    _V("ADTTE", "USUBJID", "Unique Subject Identifier", "3.2.6", "from ADSL"),
    _V("ADTTE", "PARAMCD", "Parameter Code", "3.2.6", "EFS, EFSSENSA, EFSSENSB, EFSSURG, OS"),
    _V("ADTTE", "PARAM", "Parameter", "3.2.6", "parameter label"),
    _V("ADTTE", "STARTDT", "Time-to-Event Origin Date", "6.1, 7.6",
       "ENRLDT (EFSSURG: SURGDT)"),
    _V("ADTTE", "ADT", "Event or Censoring Date", "3.2, 8.4", "rule in RULEID"),
    _V("ADTTE", "ADTF", "Analysis Date Imputation Flag", "8.3", "partial date imputed"),
    _V("ADTTE", "AVAL", "Analysis Value (Days)", "6.1", "ADT - STARTDT + 1"),
    _V("ADTTE", "AVALM", "Analysis Value (Months)", "6.1", "AVAL / time.days_per_month"),
    _V("ADTTE", "CNSR", "Censor (0 = Event, 1 = Censored)", "3.2, 8.4", "rule in RULEID"),
    _V("ADTTE", "EVNTDESC", "Event Description", "3.2", "event of rules E1-E6, O1"),
    _V("ADTTE", "CNSDTDSC", "Censor Date Description", "8.4", "censoring of rules C1-C6"),
    _V("ADTTE", "SRCDOM", "Source Data", "3.2.6", "ADRS or ADSL"),
    _V("ADTTE", "SRCVAR", "Source Variable", "3.2.6", "variable ADT came from"),
    _V("ADTTE", "RULE", "Deciding Rule (SAP Text)", "3.2, 8.4", "text of RULEID"),
    _V("ADTTE", "RULEID", "Deciding Rule Id", "3.2, 7.6, 8.4",
       "E1-E6, O1, C1-C6, L1-L2"),
    _V("ADRS", "BORREAS", "Best Overall Response Reason (Audit)", "3.3",
       "BOR reason (PARAMCD = BOR records)"),
    _V("ADLB", "ATOXGR", "Analysis Toxicity Grade (CTCAE v5.0)", "9.6",
       "highest grade whose criterion holds (data/ctcae_v5_lab.csv); TSH not graded"),
    _V("ADLB", "ATOXDIR", "Direction of Toxicity Grade", "9.6", "LOW or HIGH, from the table"),
    _V("ADLB", "ANRIND", "Analysis Reference Range Indicator", "9.6", "AVAL vs ANRLO, ANRHI"),
    _V("ADLB", "ABLFL", "Baseline Record Flag", "9.6", "last value on or before TRTSDT"),
    _V("ADLB", "BTOXGR", "Baseline Toxicity Grade", "9.6", "ATOXGR of the ABLFL = Y record"),
    _V("ADLB", "BNRIND", "Baseline Reference Range Indicator", "9.6",
       "ANRIND of the ABLFL = Y record"),
    _V("ADLB", "APHASE", "Phase (Relative to Surgery)", "9.2, 9.6",
       "SAP 9.2 phase of ADT; PRE-TREATMENT on or before TRTSDT"),
    _V("ADLB", "ONTRTFL", "Post-baseline (On-treatment) Flag", "9.6",
       "TRTSDT < ADT <= TRTEDT + safety.teae_window_days"),
)  # fmt: skip
# The flags of what the SAP 6.2 cut changed come from its one table, so a new cut rule is declared
# here by itself.
DERIVED += tuple(
    _V(rule.dataset, rule.flag, f"{rule.column} After Cut-off Flag", "6.2", rule.meaning,
       rule.column in SOURCE_EFFICACY)
    for rule in CUT_RULES
    if rule.flag is not None
)  # fmt: skip


#: The variables of the primary-endpoint status dataset, in order.
ADPRIM_COLUMNS: tuple[str, ...] = (
    "STUDYID", "USUBJID", "FASFL", "ENRLDT", "PRIMLMDT", "PRIMSTAT", "PRIMRULE", "PRIMREAS",
)  # fmt: skip

#: AnalysisData column -> exported name, where v5's 8 characters force a shorter one.
EXPORT_NAMES: dict[tuple[str, str], str] = {
    (spec.dataset, spec.analysis_name): spec.name for spec in DERIVED if spec.analysis_name
}

_BOR_PARAMCD = "BOR"


def variable_spec(dataset: str, name: str) -> VariableSpec:
    """The label, SAP section, rule and efficacy flag of ``dataset.name`` (the one table).

    Raises
    ------
    KeyError
        The variable is neither derived here (:data:`DERIVED`) nor in the source data model:
        it has no label, so it cannot be exported; add it to :data:`DERIVED`.
    """
    for spec in DERIVED:
        if spec.dataset == dataset and spec.name == name:
            return spec
    source = "ADSL" if dataset == "ADPRIM" else dataset
    for spec in DERIVED:  # ADPRIM repeats ADSL variables
        if spec.dataset == source and spec.name == name:
            return VariableSpec(dataset, name, spec.label, spec.sap, spec.rule, spec.efficacy)
    for col in SOURCE_COLUMNS.get(source, ()):
        if col.name == name:
            return VariableSpec(
                dataset, name, col.label, "Appendix A", "source", name in SOURCE_EFFICACY
            )
    raise KeyError(
        f"{dataset}.{name} has no label: add it to osteo_stats.derive.export.DERIVED "
        "(label, SAP section, rule) before it can be exported"
    )


def _declared(dataset: str, name: str) -> bool:
    try:
        variable_spec(dataset, name)
    except KeyError:
        return False
    return True


def is_source(dataset: str, name: str) -> bool:
    """True when ``dataset.name`` is a variable of the source data model (SAP Appendix A)."""
    source = "ADSL" if dataset == "ADPRIM" else dataset
    return any(col.name == name for col in SOURCE_COLUMNS.get(source, ()))


def _flag_first_worst(adae: pd.DataFrame, counted: pd.Series, by: list[str]) -> pd.Series:
    """``Y`` on the record at which a patient is counted per ``by`` group (SAP 9.2), else ``N``.

    The worst grade comes from :func:`~osteo_stats.derive.safety.derive_worst_grade` (a missing
    grade never outranks a recorded one); among the counted records at that grade (or all of
    them when every grade is missing) the earliest onset, then the lowest AESEQ, is flagged.
    """
    flag = pd.Series("N", index=adae.index, dtype=object)
    records = adae.loc[counted]
    if records.empty:
        return flag
    worst = derive_worst_grade(records, by).rename(columns={"AETOXGR": "_WORST"})
    merged = records.reset_index(names="_ROW").merge(worst[[*by, "_WORST"]], on=by, how="left")
    grade = merged["AETOXGR"].astype("Int64")
    at_worst = (grade == merged["_WORST"]).fillna(False) | merged["_WORST"].isna()
    candidates = merged.loc[at_worst.to_numpy(dtype=bool)]
    first = candidates.sort_values(["ASTDT", "AESEQ"], kind="stable", na_position="last")
    first = first.drop_duplicates(by, keep="first")
    flag.loc[first["_ROW"].to_numpy()] = "Y"
    return flag


def _adae(ad: AnalysisData) -> pd.DataFrame:
    adae = ad.adae.copy()
    saf = set(ad.population("SAF")["USUBJID"])
    counted = adae["TRTEMFL"].eq("Y") & adae["USUBJID"].isin(saf)
    adae["WGRFL"] = _flag_first_worst(adae, counted, ["USUBJID"])
    adae["WGRSOCFL"] = _flag_first_worst(adae, counted, ["USUBJID", "AEBODSYS"])
    adae["WGRPTFL"] = _flag_first_worst(adae, counted, ["USUBJID", "AEBODSYS", "AEDECOD"])
    return adae


def _adtte(ad: AnalysisData) -> pd.DataFrame:
    return ad.adtte.copy()


def _adrs(ad: AnalysisData) -> pd.DataFrame:
    adrs = ad.adrs.copy()
    adrs["BORREAS"] = ""
    adsl = ad.adsl
    bor = pd.DataFrame(
        {
            "STUDYID": adsl["STUDYID"].to_numpy(),
            "USUBJID": adsl["USUBJID"].to_numpy(),
            "PARAMCD": _BOR_PARAMCD,
            "AVISIT": "",
            "ADT": adsl["BORDT"].to_numpy(),
            "APHASE": "PRE-OPERATIVE",  # BOR is assessed in the pre-operative window (SAP 3.3)
            "AVALC": adsl["BOR"].to_numpy(),
            "RECURFL": "",
            "NEWLFL": "",
            "BORREAS": adsl["BORREAS"].to_numpy(),
        }
    )
    # reindex: a mapped file's own columns beyond the model (dropped below) are blank on BOR rows
    both = pd.concat([adrs, bor.reindex(columns=adrs.columns)], ignore_index=True)
    order = np.where(both["PARAMCD"].eq(_BOR_PARAMCD), 1, 0)
    both = both.assign(_ORDER=order).sort_values(["USUBJID", "_ORDER"], kind="stable")
    return both.drop(columns="_ORDER").reset_index(drop=True)


def _adprim(ad: AnalysisData) -> pd.DataFrame:
    fas = ad.adsl.loc[in_population(ad.adsl, "FAS")]
    return fas[list(ADPRIM_COLUMNS)].reset_index(drop=True)


def export_datasets(ad: AnalysisData, *, efficacy: bool = True) -> dict[str, pd.DataFrame]:
    """The derived analysis datasets at ``ad.cutoff``, by name (see the module docstring).

    ``efficacy=False`` (the DMC report, SAP 10.1) keeps ADSL without its efficacy variables and
    ADAE, and leaves out ADTTE, ADRS and ADPRIM.
    """
    out = {"ADSL": ad.adsl.copy(), "ADAE": _adae(ad)}
    if "ADLB" in {source.dataset for source in ad.trial.sources}:
        out["ADLB"] = ad.adlb.copy()  # laboratory safety (SAP 9.6): in both reports
    if efficacy:
        out.update(ADTTE=_adtte(ad), ADRS=_adrs(ad), ADPRIM=_adprim(ad))
    renamed = {}
    for name in (name for name in DATASETS if name in out):
        # Columns a user's file holds beyond the data model (kept by the loader, e.g. SUBJID of a
        # standard ADaM) are the user's, not the package's derivation: not exported (SAP 12.4).
        source = getattr(ad.trial, name.lower(), None)
        extra = [] if source is None else [c for c in source if not _declared(name, c)]
        frame = (
            out[name]
            .drop(columns=[c for c in extra if c in out[name]])
            .rename(columns={old: new for (ds, old), new in EXPORT_NAMES.items() if ds == name})
        )
        if not efficacy:
            frame = frame.drop(columns=[c for c in frame if variable_spec(name, c).efficacy])
        renamed[name] = frame
    return renamed
