"""Figures 14.2.1-14.2.4: the values behind the Kaplan-Meier, waterfall and swimmer plots,
recorded in the ARD; the drawing is :mod:`osteo_stats.tlf.plots.efficacy`."""

from __future__ import annotations

import math

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.timeline import TIMELINE_TIMES, derive_timeline
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    BOR_LEVELS,
    fas,
    km_fit,
    month_key,
    pct_label,
    set_line,
    tlf_source,
    tte_data,
)
from osteo_stats.tlf.model import TLF, TLFOutput
from osteo_stats.tlf.plots import efficacy as figures

# --- Figures 14.2.1-14.2.4 ---


def km_figure(ad: AnalysisData, paramcd: str) -> TLFOutput:
    """Figure 14.2.1 (EFS) or 14.2.2 (OS): Kaplan-Meier curve with CI band, censor marks, median
    and the number at risk at every tick of ``inference.km_at_risk_tick_months`` (SAP 7.3.7)."""
    spec = {
        "EFS": (
            "EFF-EFS-01",
            "14.2.1",
            "Event-free survival",
        ),
        "OS": (
            "EFF-OS-01",
            "14.2.2",
            "Overall survival",
        ),
    }
    aid, number, ylabel = spec[paramcd]
    inf = ad.sap.inference
    patients = fas(ad)
    frame = tte_data(ad, paramcd, patients["USUBJID"])
    km = km_fit(ad, frame)
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": paramcd}
    curve = km.table if km is not None else pd.DataFrame(columns=["time"])
    plotted = []
    for i, row in enumerate(curve.itertuples(index=False)):
        group = {"PLOT": "KM", "ROW": i}
        plotted.append(
            {
                "time": b.add("time", row.time, group=group, **keys),
                "n_risk": b.add("n_risk", row.n_risk, group=group, **keys),
                "events": b.add("events", row.n_event, group=group, **keys),
                "censored": b.add("censored", row.n_censor, group=group, **keys),
                "surv": b.add("surv", row.surv, group=group, **keys),
                "std_err": b.add("std_err", row.std_err, group=group, **keys),
                "lower": b.add("lcl", row.lower, group=group, **keys),
                "upper": b.add("ucl", row.upper, group=group, **keys),
            }
        )
        b.add("conf_level", inf.conf_level, group=group, **keys)
    last = float(curve["time"].max()) if len(curve) else 0.0
    ticks = figures.month_ticks(last, step=inf.km_at_risk_tick_months)
    at_risk = [
        b.add(
            "n_risk",
            int((frame["AVALM"] >= t).sum()),
            group={"PLOT": "AT RISK", "MONTH": month_key(t)},
            **keys,
        )
        for t in ticks
    ]
    median = b.add(
        "est", km.median.estimate if km is not None else math.nan, group={"PLOT": "MEDIAN"}, **keys
    )
    ard = b.build()
    svg = figures.draw_km(
        pd.DataFrame(
            plotted,
            columns=["time", "n_risk", "events", "censored", "surv", "std_err", "lower", "upper"],
        ),
        ticks=ticks,
        at_risk=at_risk,
        median=median,
        ylabel=f"{ylabel} probability",
        conf_label=f"{pct_label(inf.conf_level)} CI ({inf.km_conf_type})",
    )
    n_events = int(frame["EVENT"].sum())
    tlf = TLF(
        kind="Figure",
        number=number,
        analysis_set=set_line(("FAS", len(patients))),
        footnotes=(
            f"{len(frame)} patients, {n_events} events. + = censored. Shaded: pointwise "
            f"{pct_label(inf.conf_level)} CI ({inf.km_conf_type}). Dashed lines: the median, "
            "when reached.",
            "Number at risk = patients with follow-up >= the tick (at the start of each interval).",
            "Time in months from enrollment (SAP 6.1, 7.3.7).",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


def waterfall_figure(ad: AnalysisData) -> TLFOutput:
    """Figure 14.2.3: waterfall of the best % change of target lesions, coloured by BOR."""
    aid, number = "EFF-TL-01", "14.2.3"
    patients = fas(ad)
    measured = patients.loc[patients["BESTPCHG"].notna()]
    measured = measured.sort_values(["BESTPCHG", "USUBJID"], ascending=[False, True], kind="stable")
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": "BESTPCHG"}
    b.add("N", len(patients), **keys)
    b.add("n", len(measured), group={"ROW": "PLOTTED"}, **keys)
    b.add("n", len(patients) - len(measured), group={"ROW": "NOT COMPUTED"}, **keys)
    for level in BOR_LEVELS:
        b.add(
            "n",
            int((measured["BOR"] == level).sum()),
            group={"ROW": "PLOTTED", "BOR": level},
            **keys,
        )
    bars = pd.DataFrame(
        {
            "usubjid": measured["USUBJID"].to_numpy(),
            "bor": measured["BOR"].to_numpy(),
            "value": [
                b.add("est", x, group={"USUBJID": u}, **keys)
                for u, x in zip(measured["USUBJID"], measured["BESTPCHG"], strict=True)
            ],
        }
    )
    ard = b.build()
    svg = figures.draw_waterfall(bars, BOR_LEVELS)
    tlf = TLF(
        kind="Figure",
        number=number,
        analysis_set=set_line(("FAS", len(patients)))
        + f"; patients with a best % change: {len(measured)}",
        footnotes=(
            "Best percent change = minimum post-baseline % change of the sum of target-lesion "
            "diameters in the pre-operative window (SAP 3.4); bars sorted from the largest "
            "increase to the largest decrease, coloured by BOR (SAP 3.3).",
            "Reference lines: +20% (progression threshold) and -30% (partial response threshold). "
            "A square on the zero line marks a best change of exactly 0%.",
            f"Not computed (baseline sum 0 or no measurement in the window): "
            f"{len(patients) - len(measured)} patients.",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


def swimmer_data(ad: AnalysisData) -> pd.DataFrame:
    """The FAS patients' timelines (:func:`~osteo_stats.derive.timeline.derive_timeline`)."""
    return derive_timeline(fas(ad), ad.adex, ad.adtte, ad.sap)


def swimmer_figure(ad: AnalysisData) -> TLFOutput:
    """Figure 14.2.4: swimmer plot of patient timelines (SAP 11.3)."""
    aid, number = "EFF-SWIM-01", "14.2.4"
    data = swimmer_data(ad)
    b = ARDBuilder(aid, f"Figure {number}", "FAS")
    keys = {"parameter": "TIMELINE"}
    b.add("N", len(data), **keys)
    recorded = data.copy()
    for i, row in data.iterrows():
        for item in TIMELINE_TIMES:
            if not pd.isna(row[item]):
                recorded.loc[i, item] = b.add(
                    "time", row[item], group={"USUBJID": row["USUBJID"], "ITEM": item}, **keys
                )
        b.add(
            "reached",
            0 if row["ONGOING"] else 1,
            group={"USUBJID": row["USUBJID"], "ITEM": "FOLLOW-UP ENDED"},
            **keys,
        )
    ard = b.build()
    svg = figures.draw_swimmer(
        recorded.sort_values(["END", "USUBJID"], ascending=[True, False], kind="stable")
    )
    tlf = TLF(
        kind="Figure",
        number=number,
        analysis_set=set_line(("FAS", len(data))),
        footnotes=(
            "One bar per patient from enrollment to death or the last known alive date (capped "
            "at the cut-off); arrow: alive and still on study at the cut-off.",
            "Phases from the dosing records (ADEX): pre-operative from the first dose to surgery; "
            "post-operative from surgery to the last post-operative dose + one "
            f"{ad.sap.schedule.cycle_days}-day cycle; "
            "maintenance from the first to the last maintenance dose + one cycle.",
            "Markers: surgery by resection status, best overall response (pre-operative) at the "
            "date it was first documented, first EFS event, death.",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)
