"""Patient timelines for the swimmer plot (Figure 14.2.4, SAP 11.3): treatment phases, surgery,
response, first EFS event and death, as months from enrollment.

Times are elapsed days from enrollment (day 0 = ENRLDT) divided by ``time.days_per_month``
(SAP 6.1), so that a bar starts at 0; a dose "covers" one cycle of ``schedule.cycle_days`` days
(SAP 9.5).
"""

from __future__ import annotations

import pandas as pd

from osteo_stats.derive.efficacy import compute_event_indicator
from osteo_stats.derive.endpoint_status import on_study
from osteo_stats.sap import SAP

#: The time columns of :func:`derive_timeline`, in months from enrollment.
TIMELINE_TIMES = (
    "END",
    "PREOP_START",
    "PREOP_END",
    "POSTOP_START",
    "POSTOP_END",
    "MAINT_START",
    "MAINT_END",
    "SURGERY",
    "BORTIME",
    "EFSEVENT",
    "DEATH",
)


def derive_timeline(
    patients: pd.DataFrame,
    adex: pd.DataFrame,
    adtte_efs: pd.DataFrame,
    sap: SAP,
) -> pd.DataFrame:
    """One row per patient of ``patients`` (in its order) with the swimmer-plot times.

    Columns: ``USUBJID``, ``END`` (death or last known alive date, both as known at the cut-off:
    :mod:`~osteo_stats.derive.cutoff` blanks a later death and clips LSTALVDT to it),
    ``ONGOING`` (alive and still on study), phase spans ``PREOP_START``/``PREOP_END``,
    ``POSTOP_START``/``POSTOP_END``, ``MAINT_START``/``MAINT_END``, ``SURGERY`` with ``SURGOUT``,
    ``BORTIME`` with ``BOR``, ``EFSEVENT``, ``DEATH`` (the times of :data:`TIMELINE_TIMES`).

    Phases: pre-operative from the first dose to surgery (without surgery, to the last
    pre-operative dose + one cycle); post-operative from surgery to the last post-operative dose
    + one cycle; maintenance from the first to the last maintenance dose + one cycle; each capped
    at the next phase and at the end of the bar.

    Parameters
    ----------
    patients
        ADSL rows at the cut-off with the derived ``BOR``/``BORDT``.
    adex
        Dosing records (``USUBJID``, ``APHASE``, ``EXSTDT``) at the cut-off.
    adtte_efs
        ADTTE records; the ``PARAMCD = "EFS"`` ones give the first EFS event.
    sap
        ``schedule.cycle_days`` and ``time.days_per_month``.
    """
    cycle = pd.Timedelta(days=sap.schedule.cycle_days)
    enrl = patients["ENRLDT"]
    end_date = patients["DTHDT"].fillna(patients["LSTALVDT"])
    ex = adex.groupby(["USUBJID", "APHASE"])["EXSTDT"].agg(["min", "max"])

    def months(dates: pd.Series) -> pd.Series:
        return (dates - enrl).dt.days / sap.time.days_per_month

    def phase(name: str, column: str) -> pd.Series:
        values = (
            ex[column].xs(name, level="APHASE")
            if name in ex.index.get_level_values(1)
            else pd.Series(dtype="datetime64[ns]")
        )
        return patients["USUBJID"].map(values)

    def capped(dates: pd.Series) -> pd.Series:
        return dates.where(~(dates > end_date), end_date)

    pre_start = phase("PRE-OPERATIVE", "min").fillna(patients["TRTSDT"])
    maint_start = phase("MAINTENANCE", "min")
    pre_end = patients["SURGDT"].fillna(phase("PRE-OPERATIVE", "max") + cycle)
    post_start = patients["SURGDT"].where(phase("POST-OPERATIVE", "min").notna())
    post_end = (phase("POST-OPERATIVE", "max") + cycle).where(post_start.notna())
    post_end = post_end.where(~(post_end > maint_start), maint_start)
    maint_end = phase("MAINTENANCE", "max") + cycle

    efs = adtte_efs.loc[adtte_efs["PARAMCD"] == "EFS"].set_index("USUBJID")
    efs_event = patients["USUBJID"].map(efs["ADT"].where(compute_event_indicator(efs["CNSR"])))
    ongoing = on_study(patients)
    return pd.DataFrame(
        {
            "USUBJID": patients["USUBJID"],
            "END": months(end_date),
            "ONGOING": ongoing.astype(bool),
            "PREOP_START": months(capped(pre_start)),
            "PREOP_END": months(capped(pre_end.where(pre_start.notna()))),
            "POSTOP_START": months(capped(post_start)),
            "POSTOP_END": months(capped(post_end)),
            "MAINT_START": months(capped(maint_start)),
            "MAINT_END": months(capped(maint_end)),
            "SURGERY": months(patients["SURGDT"]),
            "SURGOUT": patients["SURGOUT"],
            "BORTIME": months(patients["BORDT"]),
            "BOR": patients["BOR"],
            "EFSEVENT": months(efs_event),
            "DEATH": months(patients["DTHDT"]),
        }
    )
