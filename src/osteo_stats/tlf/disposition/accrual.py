"""Table 14.1.3 and Figure 14.1.1: enrollment against the linear accrual plan (SAP 2.1, 7.8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.disposition._common import (
    MODULE,
    set_name,
)
from osteo_stats.tlf.format import fmt_number
from osteo_stats.tlf.model import TLF, TLFOutput, source_line
from osteo_stats.tlf.plots.disposition import draw_accrual
from osteo_stats.tlf.summary import population_label, table_output


def _planned_cumulative(when: pd.Series | pd.Timestamp, start: pd.Timestamp, ad: AnalysisData):
    r"""The linear accrual plan (SAP 2.1) evaluated at dates ``when``.

    .. math:: \mathrm{plan}(t) = N \min\{1, (t - t_0) / (M \cdot D)\}

    with N = ``study.planned_enrollment``, M = ``study.planned_accrual_months``,
    D = ``time.days_per_month``, t_0 the first
    enrollment and t - t_0 the calendar difference in days.
    """
    study = ad.sap.study
    span_days = study.planned_accrual_months * ad.sap.time.days_per_month
    elapsed = (when - start) / pd.Timedelta(days=1)
    return study.planned_enrollment * np.clip(elapsed / span_days, 0.0, 1.0)


def accrual_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    aid = "DSP-ACCR-01"
    adsl = ad.population("FAS")
    n_fas = len(adsl)
    study = ad.sap.study
    cut = pd.Timestamp(ad.cutoff)
    enrl = adsl["ENRLDT"].sort_values()
    start = enrl.iloc[0] if n_fas else cut
    # Months shown: from the first enrollment month up to the cut-off month while accrual is
    # open, or up to the month of the last enrollment once the plan is reached.
    last = enrl.iloc[-1] if n_fas >= study.planned_enrollment else cut
    months = pd.period_range(start.to_period("M"), last.to_period("M"), freq="M")
    per_month = enrl.dt.to_period("M").value_counts()

    b = ARDBuilder(aid, "Table 14.1.3", "FAS")
    b.add("N", n_fas, parameter="ENROLLED")
    b.add("N", study.planned_enrollment, parameter="PLANNED ENROLLMENT")
    b.add(
        "expected",
        study.planned_enrollment / study.planned_accrual_months,
        parameter="PLANNED RATE PER MONTH",
    )
    cumulative = 0
    for month in months:
        group = {"MONTH": str(month)}
        n_month = int(per_month.get(month, 0))
        cumulative += n_month
        month_end = min(month.to_timestamp(how="end").normalize(), cut)
        b.add("n", n_month, parameter="ENROLLED", group=group)
        b.add("n", cumulative, parameter="CUMULATIVE ENROLLED", group=group)
        b.add(
            "expected",
            float(_planned_cumulative(month_end, start, ad)),
            parameter="CUMULATIVE ENROLLED",
            group=group,
        )
    # The plan at the cut-off itself: the months shown stop at the last enrollment once the
    # planned number is reached, but the plan runs on to its end (SAP 2.1).
    at_cut = {"AT": "DATA CUT-OFF"}
    b.add("n", n_fas, parameter="CUMULATIVE ENROLLED", group=at_cut)
    b.add(
        "expected",
        float(_planned_cumulative(cut, start, ad)),
        parameter="CUMULATIVE ENROLLED",
        group=at_cut,
    )
    ard = b.build()
    view = ARDView(ard, aid)
    rows = []
    for month in months:
        group = {"MONTH": str(month)}
        rows.append(
            (
                str(month),
                str(view.count("ENROLLED", group)),
                str(view.count("CUMULATIVE ENROLLED", group)),
                fmt_number(view.get("CUMULATIVE ENROLLED", "expected", group), 1),
            )
        )
    rows.append(
        (
            "Total at the data cut-off",
            str(view.count("CUMULATIVE ENROLLED", at_cut)),
            "",
            fmt_number(view.get("CUMULATIVE ENROLLED", "expected", at_cut), 1),
        )
    )
    body = pd.DataFrame(
        rows,
        columns=["Month", "Enrolled", "Cumulative enrolled", "Planned cumulative"],
        dtype=object,
    )
    rate = fmt_number(view.get("PLANNED RATE PER MONTH", "expected"), 2)
    planned_n = view.count("PLANNED ENROLLMENT", statistic="N")
    footnotes = (
        f"Plan: {planned_n} patients in {fmt_number(study.planned_accrual_months, 0)} months, "
        f"linear from the first enrollment ({rate} patients per month; SAP 2.1). Planned "
        "cumulative is evaluated at the end of each month (at the data cut-off for the "
        f"cut-off month), with months of {ad.sap.time.days_per_month} days; the total row "
        "gives the plan at the data cut-off.",
    )
    table = table_output(
        MODULE,
        ad,
        "14.1.3",
        population_label(set_name("FAS"), n_fas),
        footnotes,
        aid,
        body,
        ard,
    )
    return [table, _accrual_figure(ad, adsl, start)]


def _accrual_figure(ad: AnalysisData, adsl: pd.DataFrame, start: pd.Timestamp) -> TLFOutput:
    """Figure 14.1.1; its ARD rows are per enrollment date (the table's are per month)."""
    aid = "DSP-ACCR-01"
    study = ad.sap.study
    cut = pd.Timestamp(ad.cutoff)
    b = ARDBuilder(aid, "Figure 14.1.1", "FAS")
    dates = adsl["ENRLDT"].value_counts().sort_index()
    cumulative = dates.cumsum()
    for when, n in cumulative.items():
        b.add("n", int(n), parameter="CUMULATIVE ENROLLED", group={"DATE": f"{when:%Y-%m-%d}"})
    plan_end = start + pd.Timedelta(days=study.planned_accrual_months * ad.sap.time.days_per_month)
    plan_points = sorted({start, plan_end, max(cut, start)})
    for when in plan_points:
        b.add(
            "expected",
            float(_planned_cumulative(when, start, ad)),
            parameter="CUMULATIVE ENROLLED",
            group={"DATE": f"{when:%Y-%m-%d}", "LINE": "PLAN"},
        )
    ard = b.build()
    view = ARDView(ard, aid)
    xs = [pd.Timestamp(d) for d in (f"{w:%Y-%m-%d}" for w in cumulative.index)]
    ys = [view.count("CUMULATIVE ENROLLED", {"DATE": f"{w:%Y-%m-%d}"}) for w in xs]
    plan_x = list(plan_points)
    plan_y = [
        view.get("CUMULATIVE ENROLLED", "expected", {"DATE": f"{w:%Y-%m-%d}", "LINE": "PLAN"})
        for w in plan_x
    ]
    svg = draw_accrual(
        xs,
        ys,
        plan_x,
        plan_y,
        start=start,
        cutoff=cut,
        y_max=max(study.planned_enrollment, len(adsl)),
    )
    tlf = TLF(
        kind="Figure",
        number="14.1.1",
        analysis_set=population_label(set_name("FAS"), len(adsl)),
        footnotes=(
            f"Dashed line: planned accrual, {study.planned_enrollment} patients in "
            f"{fmt_number(study.planned_accrual_months, 0)} months from the first enrollment. "
            "Monthly counts are in Table 14.1.3.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)
