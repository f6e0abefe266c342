"""Data currency at the cut-off: how up to date each patient's data are (SAP 8.5).

For the DMC's "what changed since the last meeting" review: per patient, the last tumour
assessment, the last AE update and the last contact known at the cut-off c; whether a scheduled
tumour assessment is overdue; and whether a surgery outcome or a pathology result is
outstanding. Everything is read from the analysis data at c (the SAP 6.2 cut is applied once, in
:mod:`~osteo_stats.derive.cutoff`); only the schedule compares dates with c.

The rules used here have their homes elsewhere and are called, not restated: alive and on study
(:func:`~osteo_stats.derive.endpoint_status.on_study`), the assessment schedule and what "missed"
means (:func:`~osteo_stats.derive.tte.missed_assessments`, SAP 3.2.4), the surgery window
(:func:`~osteo_stats.derive.treatment.surgery_window_days`, SAP 2.2), a surgery still pending
(:func:`~osteo_stats.derive.endpoint_status.surgery_pending`, SAP 3.4), operated
(:func:`~osteo_stats.derive.surgery.operated`) and the Huvos grade
(:func:`~osteo_stats.derive.pathology.derive_pathology`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.efficacy import adrs_post_baseline, compute_event_indicator
from osteo_stats.derive.endpoint_status import on_study, surgery_pending
from osteo_stats.derive.surgery import operated
from osteo_stats.derive.treatment import surgery_window_days
from osteo_stats.derive.tte import missed_assessments

#: The per-patient variables of :func:`derive_currency`, with their meaning (SAP 8.5).
CURRENCY_VARIABLES: dict[str, str] = {
    "ONSTDYFL": "alive and on study at the cut-off",
    "ASSCHFL": "on study with EFS not yet an event: tumour assessments scheduled",
    "LASTASDT": "last post-baseline tumour assessment (ADRS or ADTR)",
    "LASTAEDT": "last AE update: latest AE onset or end date",
    "LSTALVDT": "last known alive (ADSL, as at the cut-off)",
    "LASTASDY": "days from the last assessment to the cut-off",
    "LASTAEDY": "days from the last AE update to the cut-off",
    "NEXTASDT": "the next scheduled assessment's due date (ASSCHFL = Y)",
    "ASMISSN": "scheduled assessments missed by the cut-off",
    "ASOVRFL": "overdue: at least one scheduled assessment missed",
    "ASOVRDY": "days from the first missed due date to the cut-off (overdue patients)",
    "SURGWEDT": "last day of the protocol surgery window",
    "SURGOSFL": "outstanding surgery: still pending after the surgery window",
    "SURGOSDY": "days from the window's last day to the cut-off (outstanding surgery)",
    "PATHOSFL": "outstanding pathology: operated without a Huvos grade",
}


def _yn(mask: pd.Series) -> np.ndarray:
    return np.where(mask, "Y", "N")


def _days_to(cut: pd.Timestamp, dates: pd.Series) -> pd.Series:
    """Calendar days from ``dates`` to the cut-off (0 on the cut-off day; NaN if missing)."""
    return (cut - dates).dt.days.astype(float)


def _latest(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per USUBJID, the latest of ``columns`` over the rows of ``frame``."""
    if frame.empty:
        return pd.Series(dtype="datetime64[ns]")
    stacked = frame.melt(id_vars="USUBJID", value_vars=columns, value_name="DATE")
    return stacked.dropna(subset=["DATE"]).groupby("USUBJID")["DATE"].max()


def derive_currency(ad: AnalysisData) -> pd.DataFrame:
    """One row per ADSL row of ``ad`` (in its order) with the data-currency variables of
    :data:`CURRENCY_VARIABLES` (SAP 8.5).

    - Last assessment: the latest post-baseline ADRS record (any response, NE included: the
      visit took place) or ADTR measurement (``ABLFL`` not ``Y``, after enrollment).
    - Last AE update: the latest AE onset (``ASTDT``) or end (``AENDT``) date at the cut-off; the
      data model holds no modification date, so the latest clinical date stands for it.
    - Scheduled assessments: for patients on study whose EFS is not yet an event (ADTTE
      ``EFS``, ``CNSR = 1``). Without a post-baseline assessment the next one due is the
      pre-operative assessment, by the last day of protocol week
      ``schedule.preop_assessment_week`` (study day 42); after one, the last assessment +
      ``efs.tumour_assessment_interval_days``. Overdue when one or more are missed
      (:func:`~osteo_stats.derive.tte.missed_assessments`: its tolerance
      ``efs.assessment_window_days`` has passed before the cut-off); ``ASOVRDY`` = cut-off -
      the first missed due date.
    - Outstanding surgery: surgery still pending at the cut-off after the last day of the
      protocol window (study day 63), whatever the patient's status.
    - Outstanding pathology: operated (R0/R1/R2) without a Huvos grade (no NECRPCT).
    """
    sap, adsl = ad.sap, ad.adsl
    cut = pd.Timestamp(ad.cutoff)
    offset = pd.Timedelta(days=sap.time.day_one_offset)
    ids = adsl["USUBJID"]

    rs = adrs_post_baseline(ad.adrs, adsl)
    tr = ad.adtr.merge(adsl[["USUBJID", "ENRLDT"]], on="USUBJID", how="inner")
    tr = tr.loc[(tr["ABLFL"] != "Y") & (tr["ADT"] > tr["ENRLDT"])]
    assessed = pd.concat([rs[["USUBJID", "ADT"]], tr[["USUBJID", "ADT"]]])
    last_assessment = ids.map(_latest(assessed, ["ADT"])).astype("datetime64[ns]")
    last_ae = ids.map(_latest(ad.adae[["USUBJID", "ASTDT", "AENDT"]], ["ASTDT", "AENDT"]))
    last_ae = last_ae.astype("datetime64[ns]")

    alive = on_study(adsl)
    efs = ad.adtte.loc[ad.adtte["PARAMCD"] == "EFS"].set_index("USUBJID")["CNSR"]
    event = pd.Series(compute_event_indicator(efs), index=efs.index)
    efs_event = ids.map(event).fillna(False).astype(bool)
    scheduled = alive & ~efs_event
    week_end = round(7 * sap.schedule.preop_assessment_week)
    preop_due = adsl["ENRLDT"] + pd.Timedelta(days=week_end) - offset
    interval = pd.Timedelta(days=sap.efs.tumour_assessment_interval_days)
    due = (last_assessment + interval).fillna(preop_due).where(scheduled)
    missed = missed_assessments(due, pd.Series(cut, index=adsl.index), sap.efs)
    overdue = scheduled & (missed > 0)

    _, window_last_day = surgery_window_days(sap.schedule)
    window_end = adsl["ENRLDT"] + pd.Timedelta(days=window_last_day) - offset
    final = ad.analysis_type == "final"
    surgery_out = surgery_pending(adsl, final=final) & (window_end < cut)
    pathology_out = operated(adsl) & adsl["HUVOS"].isna()

    return pd.DataFrame(
        {
            "USUBJID": ids,
            "ONSTDYFL": _yn(alive),
            "ASSCHFL": _yn(scheduled),
            "LASTASDT": last_assessment,
            "LASTAEDT": last_ae,
            "LSTALVDT": adsl["LSTALVDT"],
            "LASTASDY": _days_to(cut, last_assessment),
            "LASTAEDY": _days_to(cut, last_ae),
            "NEXTASDT": due,
            "ASMISSN": missed.where(scheduled, 0),
            "ASOVRFL": _yn(overdue),
            "ASOVRDY": _days_to(cut, due).where(overdue),
            "SURGWEDT": window_end,
            "SURGOSFL": _yn(surgery_out),
            "SURGOSDY": _days_to(cut, window_end).where(surgery_out),
            "PATHOSFL": _yn(pathology_out),
        },
        index=adsl.index,
    )
