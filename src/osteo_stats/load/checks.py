"""Rules that span columns or datasets (DATA_MODEL.md, "Cross-dataset rules", SAP 8.1).

Every check is a small function ``check_*(ctx) -> list[ValidationIssue]`` working on whole
columns (no per-row loops except to word the failures). Checks run only on values that passed
typing: a cell that failed typing is missing here and was already reported.

Partial dates are compared by their period, not by the imputed day: ``A <= B`` is violated only
if the earliest day A can denote is after the latest day B can denote. An imputed day therefore
never creates an inconsistency that the recorded data do not prove.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.load.coerce import Coerced
from osteo_stats.load.issues import Severity, ValidationIssue, safe_value
from osteo_stats.load.schemas import EXPOSURE_UNITS, LAB_UNITS, RESECTION_OUTCOMES
from osteo_stats.sap import SAP


@dataclass
class Context:
    """The typed datasets of one validation run (ADSL first; any dataset may be absent)."""

    data: dict[str, Coerced]
    sap: SAP
    cutoff: pd.Timestamp | None = None

    def has(self, dataset: str) -> bool:
        return dataset in self.data

    def frame(self, dataset: str) -> pd.DataFrame:
        return self.data[dataset].typed

    def lo(self, dataset: str, column: str) -> pd.Series:
        """Earliest day a date cell can denote (the date itself when complete)."""
        return self.data[dataset].dates[column].lo

    def hi(self, dataset: str, column: str) -> pd.Series:
        """Latest day a date cell can denote."""
        return self.data[dataset].dates[column].hi

    def from_adsl(self, dataset: str, values: pd.Series) -> pd.Series:
        """ADSL ``values`` (indexed like ADSL) looked up for each row of ``dataset``."""
        adsl = self.frame("ADSL")
        keyed = pd.Series(values.to_numpy(), index=adsl["USUBJID"].to_numpy())
        keyed = keyed[keyed.index.notna() & ~keyed.index.duplicated()]
        return self.frame(dataset)["USUBJID"].map(keyed)

    def flag(
        self,
        dataset: str,
        mask: pd.Series,
        column: str | None,
        rule: str | Callable[[object], str],
        hint: str,
        severity: Severity = "error",
    ) -> list[ValidationIssue]:
        """One issue per row where ``mask`` holds; ``rule`` may word itself from the row index.

        Cells already reported by the typing step are skipped.
        """
        coerced = self.data[dataset]
        mask = mask.fillna(False).astype(bool)
        if column is not None and column in coerced.reported:
            mask &= ~coerced.reported[column]
        issues = []
        for idx in mask.index[mask.to_numpy()]:
            value = safe_value(coerced.raw.at[idx, column]) if column else None
            issues.append(
                ValidationIssue(
                    dataset,
                    int(idx),
                    safe_value(coerced.typed.at[idx, "USUBJID"]),
                    column,
                    value,
                    rule(idx) if callable(rule) else rule,
                    hint,
                    severity,
                )
            )
        return issues


def _day(value: object) -> str:
    return safe_value(value) or "(missing)"


# --- ADSL, within a row -----------------------------------------------------------------------


def check_performance_status(ctx: Context) -> list[ValidationIssue]:
    """PSSCORE on its scale; PSTYPE matching AGE; ECOG > max / Lansky < min as warnings."""
    if not ctx.has("ADSL"):
        return []
    adsl, elig = ctx.frame("ADSL"), ctx.sap.eligibility
    score, pstype, age = adsl["PSSCORE"], adsl["PSTYPE"], adsl["AGE"]
    ecog, lansky = pstype.eq("ECOG"), pstype.eq("LANSKY")
    ecog_ok = ecog & score.between(0, 5)
    lansky_ok = lansky & score.between(0, 100) & (score % 10 == 0)
    issues = ctx.flag(
        "ADSL",
        ecog & score.notna() & ~ecog_ok,
        "PSSCORE",
        "is outside 0-5, the ECOG scale (PSTYPE = ECOG)",
        "record the ECOG grade 0-5, or correct PSTYPE",
    )
    issues += ctx.flag(
        "ADSL",
        lansky & score.notna() & ~lansky_ok,
        "PSSCORE",
        "is not a Lansky score: 0-100 in steps of 10 (PSTYPE = LANSKY)",
        "record the Lansky score (0, 10, ..., 100), or correct PSTYPE",
    )
    issues += ctx.flag(
        "ADSL",
        ecog_ok & (score > elig.ecog_max),
        "PSSCORE",
        f"is above the eligibility maximum ECOG {elig.ecog_max} (eligibility "
        "deviation; the patient stays in the analysis)",
        "confirm the score; if it is right, record the protocol deviation",
        "warning",
    )
    issues += ctx.flag(
        "ADSL",
        lansky_ok & (score < elig.lansky_min),
        "PSSCORE",
        f"is below the eligibility minimum Lansky {elig.lansky_min} (eligibility "
        "deviation; the patient stays in the analysis)",
        "confirm the score; if it is right, record the protocol deviation",
        "warning",
    )
    threshold = elig.ps_scale_age_threshold
    adult = (age >= threshold).fillna(False).astype(bool)
    expected = pd.Series(np.where(adult, "ECOG", "LANSKY"), index=adsl.index)
    mismatch = (ecog | lansky) & age.notna() & pstype.ne(expected)
    issues += ctx.flag(
        "ADSL",
        mismatch,
        "PSTYPE",
        lambda i: (
            f"does not match AGE {age[i]}: ECOG is used at age {threshold} and over, "
            f"LANSKY below {threshold}"
        ),
        "score performance status on the scale for the patient's age at consent, or correct AGE",
    )
    return issues


def check_conditional_fields(ctx: Context) -> list[ValidationIssue]:
    """Fields required by another field's value (SURGNDRS, NECRPCT, SURGDT, DTHCAUS, ...)."""
    if not ctx.has("ADSL"):
        return []
    adsl = ctx.frame("ADSL")
    out, stt, dth = adsl["SURGOUT"], adsl["EOSSTT"], adsl["DTHDT"]
    operated = out.isin(RESECTION_OUTCOMES)
    issues: list[ValidationIssue] = []
    rules = [
        (
            "SURGNDRS",
            out.eq("NOT DONE"),
            "SURGOUT is NOT DONE",
            "give the reason surgery was not done "
            "(PROGRESSION, TOXICITY, WITHDRAWAL, DEATH, OTHER)",
        ),
        ("SURGDT", operated, None, "enter the date of metastasectomy"),
        ("NECRPCT", operated, None, "enter the percent tumour necrosis (0-100) from pathology"),
        (
            "DTHCAUS",
            dth.notna(),
            "DTHDT is given",
            "give the cause of death (DISEASE PROGRESSION, TREATMENT-RELATED, OTHER)",
        ),
        (
            "DCSREAS",
            stt.eq("DISCONTINUED"),
            "EOSSTT is DISCONTINUED",
            "give the reason for discontinuation",
        ),
        ("EOSDT", stt.isin(["DISCONTINUED", "COMPLETED"]), None, "enter the end-of-study date"),
    ]
    for column, condition, why, hint in rules:

        def rule(i: object, why: str | None = why, column: str = column) -> str:
            reason = why or (
                f"SURGOUT is {out[i]}" if column in ("SURGDT", "NECRPCT") else f"EOSSTT is {stt[i]}"
            )
            return f"is missing but {reason}; it is required then"

        issues += ctx.flag("ADSL", condition & adsl[column].isna(), column, rule, hint)
    issues += ctx.flag(
        "ADSL",
        ~operated & out.notna() & adsl["SURGDT"].notna(),
        "SURGDT",
        lambda i: (
            f"is given but SURGOUT is {out[i]}; a surgery date belongs only to operated "
            "patients (R0, R1, R2)"
        ),
        "correct SURGOUT, or remove SURGDT",
    )
    return issues


def check_adsl_dates(ctx: Context) -> list[ValidationIssue]:
    """RFICDT <= ENRLDT <= TRTSDT <= TRTEDT; SURGDT after ENRLDT; death is the last event."""
    if not ctx.has("ADSL"):
        return []
    issues: list[ValidationIssue] = []
    adsl = ctx.frame("ADSL")
    order = [
        ("ENRLDT", "RFICDT", "informed consent", "enrollment cannot precede consent"),
        ("TRTSDT", "ENRLDT", "enrollment", "treatment starts on or after enrollment"),
        ("TRTEDT", "TRTSDT", "first dose", "the last dose cannot precede the first dose"),
    ]
    for later, earlier, label, why in order:
        mask = ctx.hi("ADSL", later) < ctx.lo("ADSL", earlier)
        issues += ctx.flag(
            "ADSL",
            mask,
            later,
            lambda i, e=earlier, lab=label, w=why: (
                f"is before {e} {_day(adsl.at[i, e])} ({lab}); {w}"
            ),
            f"check {later} and {earlier} against the source records",
        )
    issues += ctx.flag(
        "ADSL",
        ctx.hi("ADSL", "SURGDT") <= ctx.lo("ADSL", "ENRLDT"),
        "SURGDT",
        lambda i: (
            f"is not after ENRLDT {_day(adsl.at[i, 'ENRLDT'])} (enrollment); surgery "
            "follows the pre-operative therapy"
        ),
        "check SURGDT and ENRLDT against the source records",
    )
    # Death is the last thing that happens (this includes LSTALVDT <= DTHDT).
    for column in ("RFICDT", "ENRLDT", "TRTSDT", "TRTEDT", "SURGDT", "NACTDT", "SMDT", "LSTALVDT"):
        issues += ctx.flag(
            "ADSL",
            ctx.lo("ADSL", column) > ctx.hi("ADSL", "DTHDT"),
            column,
            lambda i: (
                f"is after DTHDT {_day(ctx.data['ADSL'].raw.at[i, 'DTHDT'])}; "
                "nothing can be dated after death"
            ),
            "check this date and the death date against the source records",
        )
    return issues


def check_single_cutoff(ctx: Context) -> list[ValidationIssue]:
    """DCUTDT must hold one value for all rows; sets ``ctx.cutoff``."""
    if not ctx.has("ADSL"):
        return []
    values = ctx.frame("ADSL")["DCUTDT"].dropna().unique()
    if len(values) == 1:
        ctx.cutoff = pd.Timestamp(values[0])
        return []
    if len(values) == 0:
        return []  # every row already reported as missing
    shown = ", ".join(sorted(pd.Timestamp(v).strftime("%Y-%m-%d") for v in values))
    return [
        ValidationIssue(
            "ADSL",
            None,
            None,
            "DCUTDT",
            shown,
            f"has {len(values)} different values; one data cut-off is allowed per extract",
            "set DCUTDT to the single cut-off date of this data extract on every row",
        )
    ]


# --- across datasets --------------------------------------------------------------------------

CHILDREN = ("ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB")

# (dataset, date column, what it is): records that must lie between consent and death.
EVENT_DATES = [
    ("ADAE", "ASTDT", "adverse event onset"),
    ("ADRS", "ADT", "tumour assessment"),
    ("ADTR", "ADT", "tumour measurement"),
    ("ADEX", "EXSTDT", "study treatment administration"),
    ("ADLB", "ADT", "laboratory sample"),
]


def check_orphans(ctx: Context) -> list[ValidationIssue]:
    """Every USUBJID in a child dataset exists in ADSL."""
    if not ctx.has("ADSL"):
        return []
    known = set(ctx.frame("ADSL")["USUBJID"].dropna())
    issues: list[ValidationIssue] = []
    for ds in CHILDREN:
        if ctx.has(ds):
            ids = ctx.frame(ds)["USUBJID"]
            issues += ctx.flag(
                ds,
                ids.notna() & ~ids.isin(known),
                "USUBJID",
                "is not in ADSL; every patient in a child dataset must have an ADSL row",
                "correct the USUBJID (check spelling, zero-padding and site prefix) or add the "
                "patient to ADSL",
            )
    return issues


def check_event_dates(ctx: Context) -> list[ValidationIssue]:
    """No AE onset, assessment or dose before consent (doses: before enrollment) or after death."""
    if not ctx.has("ADSL"):
        return []
    issues: list[ValidationIssue] = []
    adsl_raw = ctx.data["ADSL"].raw
    for ds, column, what in EVENT_DATES:
        if not ctx.has(ds):
            continue
        start_col, start_label = (
            ("ENRLDT", "enrollment") if ds == "ADEX" else ("RFICDT", "informed consent")
        )
        start = ctx.from_adsl(ds, ctx.lo("ADSL", start_col))
        start_raw = ctx.from_adsl(ds, adsl_raw[start_col])
        issues += ctx.flag(
            ds,
            ctx.hi(ds, column) < start,
            column,
            lambda i, s=start_raw, c=start_col, lab=start_label, w=what: (
                f"is before {c} {_day(s[i])} ({lab}) in ADSL; no {w} may precede {lab}"
            ),
            f"check {column} and the patient's ADSL {start_col} against the source records",
        )
        death = ctx.from_adsl(ds, ctx.hi("ADSL", "DTHDT"))
        death_raw = ctx.from_adsl(ds, adsl_raw["DTHDT"])
        issues += ctx.flag(
            ds,
            ctx.lo(ds, column) > death,
            column,
            lambda i, d=death_raw, w=what: (
                f"is after the patient's death (DTHDT {_day(d[i])} in "
                f"ADSL); no {w} may follow death"
            ),
            f"check {column} and the patient's ADSL DTHDT against the source records",
        )
    return issues


#: Date columns exempt from the cut-off rule: the cut-off itself and planned (future) dates.
NOT_OBSERVATIONS = {"DCUTDT", "SURGPLDT"}


def check_cutoff(ctx: Context) -> list[ValidationIssue]:
    """Nothing observed is dated after DCUTDT (a partial date: only if its whole period is).

    The planned surgery date SURGPLDT is a plan, not an observation: a patient enrolled shortly
    before the cut-off (SURGOUT = PENDING) has it after the cut-off.
    """
    if ctx.cutoff is None:
        return []
    cutoff = ctx.cutoff
    issues: list[ValidationIssue] = []
    for ds, coerced in ctx.data.items():
        for column in coerced.dates:
            if column in NOT_OBSERVATIONS:
                continue
            issues += ctx.flag(
                ds,
                ctx.lo(ds, column) > cutoff,
                column,
                f"is after the data cut-off DCUTDT {cutoff:%Y-%m-%d}; nothing may be dated after "
                "the cut-off",
                "remove records after the cut-off from the extract, or correct the date or DCUTDT",
            )
    return issues


def check_baseline_flag(ctx: Context) -> list[ValidationIssue]:
    """ADTR: ABLFL = Y on exactly one row per patient."""
    if not ctx.has("ADTR"):
        return []
    adtr = ctx.frame("ADTR")
    known = adtr[adtr["USUBJID"].notna()]
    count = known["ABLFL"].eq("Y").groupby(known["USUBJID"]).sum()
    issues: list[ValidationIssue] = []
    unclear = set(known.loc[ctx.data["ADTR"].reported.loc[known.index, "ABLFL"], "USUBJID"])
    for usubjid in count.index[(count == 0) & ~count.index.isin(unclear)]:
        issues.append(
            ValidationIssue(
                "ADTR",
                None,
                safe_value(usubjid),
                "ABLFL",
                None,
                "is Y on none of this patient's rows; "
                "exactly one baseline row per patient is required",
                "set ABLFL = Y on the screening (baseline) measurement",
            )
        )
    many = count.index[count > 1]
    baseline_rows = known[known["ABLFL"].eq("Y") & known["USUBJID"].isin(many)]
    for usubjid, rows in baseline_rows.groupby("USUBJID").groups.items():
        listed = ", ".join(str(r) for r in rows)
        issues.append(
            ValidationIssue(
                "ADTR",
                int(rows[1]),
                safe_value(usubjid),
                "ABLFL",
                "Y",
                f"is set on {len(rows)} rows ({listed}) of this patient; "
                "exactly one baseline row per patient is allowed",
                "keep ABLFL = Y only on the baseline (screening) measurement",
            )
        )
    return issues


def check_dataset_rules(ctx: Context) -> list[ValidationIssue]:
    """Within-dataset rules of ADAE, ADRS, ADEX, ADBM and ADLB."""
    issues: list[ValidationIssue] = []
    if ctx.has("ADAE"):
        raw = ctx.data["ADAE"].raw
        issues += ctx.flag(
            "ADAE",
            ctx.hi("ADAE", "AENDT") < ctx.lo("ADAE", "ASTDT"),
            "AENDT",
            lambda i: f"is before the onset ASTDT {_day(raw.at[i, 'ASTDT'])}",
            "check the onset and resolution dates of this event",
        )
    if ctx.has("ADRS"):
        adrs = ctx.frame("ADRS")
        issues += ctx.flag(
            "ADRS",
            adrs["RECURFL"].eq("Y") & adrs["APHASE"].eq("PRE-OPERATIVE"),
            "RECURFL",
            "is Y on a PRE-OPERATIVE assessment; recurrence is recorded after surgery only",
            "correct APHASE, or leave RECURFL empty before surgery",
        )
    if ctx.has("ADEX"):
        adex = ctx.frame("ADEX")
        expected = adex["EXTRT"].map(EXPOSURE_UNITS)
        issues += ctx.flag(
            "ADEX",
            expected.notna() & adex["EXDOSU"].notna() & adex["EXDOSU"].ne(expected),
            "EXDOSU",
            lambda i: (
                f"does not match EXTRT {adex.at[i, 'EXTRT']}, which is dosed in {expected[i]}"
            ),
            "units: SBRT in Gy, PENPULIMAB in mg, GEMCITABINE in mg/m2",
        )
    if ctx.has("ADBM"):
        adbm = ctx.frame("ADBM")
        issues += ctx.flag(
            "ADBM",
            adbm["BMSTAT"].eq("DONE") & adbm["AVAL"].isna(),
            "AVAL",
            "is missing but BMSTAT is DONE; a measured marker needs its value",
            "enter the value, or set BMSTAT to NOT EVALUABLE / NOT DONE with BMREASND",
        )
    if ctx.has("ADLB"):
        issues += _lab_rules(ctx)
    return issues


def _lab_rules(ctx: Context) -> list[ValidationIssue]:
    """ADLB: the unit of each parameter (SAP 9.6 grades in these units), LLN <= ULN."""
    adlb = ctx.frame("ADLB")
    expected = adlb["PARAMCD"].map(LAB_UNITS)
    units = ", ".join(f"{p} in {u}" for p, u in LAB_UNITS.items())
    issues = ctx.flag(
        "ADLB",
        expected.notna() & adlb["AVALU"].notna() & adlb["AVALU"].ne(expected),
        "AVALU",
        lambda i: (
            f"does not match PARAMCD {adlb.at[i, 'PARAMCD']}, which is recorded in "
            f"{expected[i]}; the CTCAE grading thresholds are in that unit (SAP 9.6)"
        ),
        f"convert AVAL, ANRLO and ANRHI to the data-model unit ({units})",
    )
    issues += ctx.flag(
        "ADLB",
        adlb["ANRLO"] > adlb["ANRHI"],
        "ANRLO",
        lambda i: f"is above ANRHI {adlb.at[i, 'ANRHI']}; the normal range must have LLN <= ULN",
        "check the laboratory normal range of this sample (LLN and ULN may be swapped)",
    )
    return issues


def check_analysis_set_flags(ctx: Context) -> list[ValidationIssue]:
    """SAP 4.2: FASFL Y for every patient; SAFFL Y iff dosed; PPS within FAS, SAF and operated."""
    if not ctx.has("ADSL"):
        return []
    adsl = ctx.frame("ADSL")
    fas, saf, pps = adsl["FASFL"], adsl["SAFFL"], adsl["PPROTFL"]
    dosed = adsl["TRTSDT"].notna()
    operated = adsl["SURGOUT"].isin(RESECTION_OUTCOMES)
    issues = ctx.flag(
        "ADSL",
        fas.eq("N"),
        "FASFL",
        "is N but ADSL holds enrolled patients only, and every enrolled patient is in the "
        "full analysis set (SAP 4.2)",
        "set FASFL to Y, or remove a patient who was never enrolled",
    )
    issues += ctx.flag(
        "ADSL",
        saf.eq("Y") & ~dosed,
        "SAFFL",
        "is Y but TRTSDT is missing; the safety set is patients who received any study "
        "treatment (SAP 4.2)",
        "enter the first-dose date TRTSDT, or set SAFFL to N",
    )
    issues += ctx.flag(
        "ADSL",
        saf.eq("N") & dosed,
        "SAFFL",
        lambda i: (
            f"is N but TRTSDT is {_day(adsl.at[i, 'TRTSDT'].date())}; a dosed patient is in "
            "the safety set (SAP 4.2)"
        ),
        "set SAFFL to Y, or correct TRTSDT",
    )
    issues += ctx.flag(
        "ADSL",
        pps.eq("Y") & ~(fas.eq("Y") & saf.eq("Y") & operated),
        "PPROTFL",
        lambda i: (
            f"is Y but the patient is not in the FAS and SAF with surgery done (FASFL "
            f"{_day(fas[i])}, SAFFL {_day(saf[i])}, SURGOUT {_day(adsl.at[i, 'SURGOUT'])}); "
            "the per-protocol set requires all three (SAP 4.2)"
        ),
        "set PPROTFL to N, or correct the flags or SURGOUT",
    )
    return issues


ALL_CHECKS: tuple[Callable[[Context], list[ValidationIssue]], ...] = (
    check_single_cutoff,
    check_performance_status,
    check_conditional_fields,
    check_analysis_set_flags,
    check_adsl_dates,
    check_orphans,
    check_event_dates,
    check_baseline_flag,
    check_dataset_rules,
    check_cutoff,
)


def run_checks(ctx: Context) -> list[ValidationIssue]:
    """Every cross-column and cross-dataset check, in catalogue order."""
    issues: list[ValidationIssue] = []
    for check in ALL_CHECKS:
        issues += check(ctx)
    return issues
