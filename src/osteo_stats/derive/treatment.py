"""The course of treatment per patient: surgery, pre- and post-operative therapy, cycle delays,
last dose, and why a patient is outside the per-protocol set (SAP 4, 7.8, 9.5).

The functions take ADSL and ADEX at the data cut-off (``AnalysisData.adsl``/``.adex``): the
records are already those known then, so none of them filters by date. Per-patient results are
aligned to the ADSL rows passed in (or indexed by USUBJID where said).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import in_population
from osteo_stats.derive.efficacy import compute_aval_days
from osteo_stats.derive.surgery import operated
from osteo_stats.sap import Schedule

#: Why a FAS patient is not in the PPS, in the order the first applicable reason is taken.
PPS_EXCLUSION_REASONS: tuple[str, ...] = (
    "NOT DOSED",
    "NOT OPERATED",
    "INCOMPLETE PRE-OPERATIVE THERAPY",
    "OTHER",
)

#: ADEX phases after surgery (SAP 1.3: post-operative cycles, then maintenance).
POSTOP_PHASES: tuple[str, ...] = ("POST-OPERATIVE", "MAINTENANCE")

#: The drugs given in cycles; SBRT is given in fractions (SAP 1.3).
CYCLED_DRUGS: tuple[str, ...] = ("GEMCITABINE", "PENPULIMAB")


def administered(adex: pd.DataFrame) -> pd.DataFrame:
    """The ADEX records of doses actually given (EXDOSE > 0; an omitted administration is
    recorded with EXDOSE = 0, SAP 9.5)."""
    return adex.loc[adex["EXDOSE"] > 0]


def completed_preop(adsl: pd.DataFrame, adex: pd.DataFrame, schedule: Schedule) -> pd.Series:
    """Per ADSL row: received the whole planned pre-operative regimen (SAP 4 PPS, SAP 7.8).

    **Choice** (the SAP names the category but not its rule): in the safety set, all
    ``schedule.sbrt_fractions`` SBRT fractions delivered (EXDOSE > 0) and, for gemcitabine and
    penpulimab, at least one administration with EXDOSE > 0 in each of the
    ``schedule.preop_cycles`` pre-operative cycles.
    """
    given = administered(adex)
    pre = given.loc[given["APHASE"].eq("PRE-OPERATIVE")]
    fractions = pre.loc[pre["EXTRT"].eq("SBRT")].groupby("USUBJID").size()
    ok = adsl["USUBJID"].map(fractions).fillna(0) >= schedule.sbrt_fractions
    for drug in CYCLED_DRUGS:
        cycles = pre.loc[pre["EXTRT"].eq(drug)].groupby("USUBJID")["CYCLE"].nunique()
        ok &= adsl["USUBJID"].map(cycles).fillna(0) >= schedule.preop_cycles
    return ok & in_population(adsl, "SAF")


def started_postop(adsl: pd.DataFrame, adex: pd.DataFrame) -> pd.Series:
    """Per ADSL row: any post-operative or maintenance administration with EXDOSE > 0
    (SAP 7.8, "started post-operative therapy")."""
    given = administered(adex)
    post = given.loc[given["APHASE"].isin(POSTOP_PHASES), "USUBJID"]
    return adsl["USUBJID"].isin(post)


def cycle_delays(adex: pd.DataFrame, schedule: Schedule) -> pd.Series:
    """Per USUBJID: the number of delayed cycles among ``adex`` (SAP 9.5).

    A cycle starts at its first administration with EXDOSE > 0. It is delayed when it starts
    more than ``schedule.cycle_days + schedule.cycle_delay_tolerance_days`` days after the start
    of the previous cycle of the same drug *in the same phase*: the gap around surgery between
    the last pre-operative and the first post-operative cycle is planned, not a delay. Records
    without a cycle number (SBRT fractions) have no cycles. Pass one drug's records to count
    that drug's delays. Patients with no administered cycle are absent.
    """
    given = administered(adex)
    if given.empty:
        return pd.Series(dtype="int64")
    keys = ["USUBJID", "EXTRT", "APHASE"]
    starts = (
        given.groupby([*keys, "CYCLE"], dropna=True)["EXSTDT"]
        .min()
        .reset_index()
        .sort_values([*keys, "CYCLE"])
    )
    gap = starts.groupby(keys)["EXSTDT"].diff().dt.days
    limit = schedule.cycle_days + schedule.cycle_delay_tolerance_days
    starts["DELAYED"] = gap > limit
    return starts.groupby("USUBJID")["DELAYED"].sum()


def last_dose(adsl: pd.DataFrame, adex: pd.DataFrame) -> pd.Series:
    """Per ADSL row: the date of the last dose (SAP 9.2 deaths, Listing 16.2.1).

    TRTEDT when recorded, else the last administration with EXDOSE > 0 (a patient still on
    treatment at the cut-off); missing when never dosed.
    """
    given = administered(adex).groupby("USUBJID")["EXSTDT"].max()
    return adsl["TRTEDT"].fillna(adsl["USUBJID"].map(given)).astype("datetime64[ns]")


def pps_exclusion_reason(adsl: pd.DataFrame, adex: pd.DataFrame, schedule: Schedule) -> pd.Series:
    """Per ADSL row: why the patient is not in the PPS, or missing when in it (SAP 4, 4.2).

    The first applicable :data:`PPS_EXCLUSION_REASONS` entry: ``NOT DOSED`` (not in the SAF at
    the cut-off); ``NOT OPERATED`` (surgery not done or pending at the cut-off); ``INCOMPLETE
    PRE-OPERATIVE THERAPY`` (operated without :func:`completed_preop`); otherwise ``OTHER``: a
    major protocol deviation recorded only in PPROTFL, which the data do not explain. Membership
    itself is :func:`~osteo_stats.derive.analysis_data.in_population`.
    """
    reason = np.select(
        [
            ~in_population(adsl, "SAF"),
            ~operated(adsl),
            ~completed_preop(adsl, adex, schedule),
        ],
        list(PPS_EXCLUSION_REASONS[:3]),
        default=PPS_EXCLUSION_REASONS[3],
    )
    return pd.Series(reason, index=adsl.index, dtype=object).where(~in_population(adsl, "PPS"))


def days_from_last_dose(adsl: pd.DataFrame, adex: pd.DataFrame, column: str) -> pd.Series:
    """Per ADSL row: calendar days from :func:`last_dose` to the date in ``column`` (e.g. DTHDT,
    SAP 9.2: DTHDT - TRTEDT), without the day-one offset, so that "within d days of the last
    dose" is 0 <= days <= d (SAP 6.1). Missing when either date is missing."""
    return (adsl[column] - last_dose(adsl, adex)).dt.days


def relative_dose_intensity(adex: pd.DataFrame) -> pd.Series:
    """Per USUBJID: 100 x sum EXDOSE / sum EXPLDOS over the records of ``adex`` (SAP 9.5; an
    omitted planned administration is recorded with EXDOSE = 0 and so lowers it). Pass one
    drug's records for that drug's intensity."""
    sums = adex.groupby("USUBJID")[["EXDOSE", "EXPLDOS"]].sum()
    return 100.0 * sums["EXDOSE"] / sums["EXPLDOS"]


def surgery_window_days(schedule: Schedule) -> tuple[int, int]:
    """The protocol surgery window as study days (SAP 2.2): study week w covers study days
    7(w - 1) + 1 to 7w, so weeks ``schedule.surgery_window_weeks`` (7, 9) are days 43-63."""
    low, high = schedule.surgery_window_weeks
    return int(7 * (low - 1) + 1), int(7 * high)


def surgery_timing(adsl: pd.DataFrame, schedule: Schedule, day_one_offset: int) -> pd.DataFrame:
    """Per ADSL row, the timing of surgery (SAP 9.5); missing (window flag False) when not
    operated.

    - ``SURGDY``: study day of surgery, SURGDT - ENRLDT + ``time.day_one_offset`` (SAP 6.1);
    - ``SURGWINFL``: ``SURGDY`` within :func:`surgery_window_days`;
    - ``SURGDLY``: SURGDT - SURGPLDT in calendar days (negative: earlier than planned).
    """
    done = operated(adsl)
    surgdt = adsl["SURGDT"].where(done)
    day = compute_aval_days(adsl["ENRLDT"], surgdt, offset=day_one_offset)
    low, high = surgery_window_days(schedule)
    return pd.DataFrame(
        {
            "SURGDY": day,
            "SURGWINFL": day.between(low, high),
            "SURGDLY": (surgdt - adsl["SURGPLDT"]).dt.days,
        },
        index=adsl.index,
    )
