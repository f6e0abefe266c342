"""Efficacy and design figures (SAP 7.3.7, 11.3): SVG produced, byte-identical on a rerun, and the
numbers they plot recorded in the ARD and equal to independent computations."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_tlf_efficacy import R_SURVFIT

from osteo_stats.analyse.survival import kaplan_meier
from osteo_stats.tlf.design import oc_figure
from osteo_stats.tlf.efficacy import km_figure, swimmer_figure, waterfall_figure
from osteo_stats.tlf.plots.efficacy import month_ticks


@pytest.fixture(scope="module", params=[None, date(2025, 1, 1)], ids=["final", "interim"])
def ad(request, shipped_analysis):
    return shipped_analysis(request.param)


@pytest.fixture(scope="module")
def figures(ad):
    return {
        "EFS": km_figure(ad, "EFS"),
        "OS": km_figure(ad, "OS"),
        "waterfall": waterfall_figure(ad),
        "swimmer": swimmer_figure(ad),
        "oc": oc_figure(ad),
    }


def test_every_figure_is_an_svg_without_body(figures):
    for output in figures.values():
        assert output.tlf.kind == "Figure"
        assert output.tlf.body is None
        assert output.tlf.svg.lstrip().startswith("<?xml")
        assert "<svg" in output.tlf.svg


def test_figures_are_deterministic(ad, figures):
    assert km_figure(ad, "EFS").tlf.svg == figures["EFS"].tlf.svg
    assert swimmer_figure(ad).tlf.svg == figures["swimmer"].tlf.svg
    assert waterfall_figure(ad).tlf.svg == figures["waterfall"].tlf.svg


@pytest.mark.parametrize(("paramcd", "aid"), [("EFS", "EFF-EFS-01"), ("OS", "EFF-OS-01")])
def test_at_risk_counts_equal_follow_up_at_least_the_tick(ad, figures, paramcd, aid):
    """At risk at tick t = patients with AVALM >= t (counted at the start of the interval, as
    R's survminer / summary(fit, times) do); ticks every 6 months."""
    tte = ad.adtte.loc[ad.adtte["PARAMCD"] == paramcd]
    months = tte["AVALM"].to_numpy(float)
    ticks = np.arange(0, math.ceil(months.max() / 6) * 6 + 1, 6)
    ard = figures[paramcd].ard
    km = kaplan_meier(months, (tte["CNSR"] == 0).to_numpy())
    expected_km = km.survival_at(ticks)["n_risk"].to_numpy()
    for t, via_km in zip(ticks, expected_km, strict=True):
        got = ard.value(
            aid, "n_risk", parameter=paramcd, group={"PLOT": "AT RISK", "MONTH": f"{t:g}"}
        )
        assert got == int((months >= t).sum()) == via_km
    assert month_ticks(float(months.max())) == [float(t) for t in ticks]


@pytest.mark.parametrize(("paramcd", "aid"), [("EFS", "EFF-EFS-01"), ("OS", "EFF-OS-01")])
def test_plotted_curve_steps_through_r_survfit(ad, figures, paramcd, aid):
    """The plotted step function, read at 12, 24 and 36 months, is R's survfit estimate (and its
    log-log lower limit) there (R_SURVFIT in tests/test_tlf_efficacy.py); at every plotted time
    the number at risk is the count of patients with AVALM at least that time."""
    tte = ad.adtte.loc[ad.adtte["PARAMCD"] == paramcd]
    months = tte["AVALM"].to_numpy(float)
    rows = ard_rows(figures[paramcd].ard, aid, paramcd)
    assert rows["time"].is_monotonic_increasing
    assert rows["surv"].is_monotonic_decreasing
    for time, n_risk in zip(rows["time"], rows["n_risk"], strict=True):
        assert n_risk == int((months >= time).sum())
    expected = R_SURVFIT[("final" if ad.cutoff == ad.trial.cutoff else "interim", paramcd)]
    for month, (surv, lower, _) in expected["MONTHS"].items():
        if math.isnan(surv):
            continue  # nobody at risk: R gives no estimate
        step = rows.loc[rows["time"] <= month].iloc[-1]
        assert step["surv"] == pytest.approx(surv, abs=1e-12)
        assert step["lcl"] == pytest.approx(lower, abs=1e-12)


def ard_rows(ard, aid, paramcd) -> pd.DataFrame:
    """The plotted Kaplan-Meier rows (time, surv, n_risk, lcl) of a figure's ARD, in order."""
    frame = ard.frame
    km = frame.loc[
        (frame["analysis_id"] == aid)
        & (frame["parameter"] == paramcd)
        & frame["group"].str.startswith("PLOT=KM")
    ]
    wide = km.pivot_table(index="group", columns="statistic", values="value", aggfunc="first")
    wide["row"] = [int(g.rsplit("ROW=", 1)[1]) for g in wide.index]
    return wide.sort_values("row").reset_index(drop=True)


def test_waterfall_bars(ad, figures):
    ard = figures["waterfall"].ard
    fas = ad.adsl.loc[ad.adsl["FASFL"] == "Y"]
    measured = fas.loc[fas["BESTPCHG"].notna()]
    bars = ard.frame.loc[ard.frame["group"].str.startswith("USUBJID=")]
    assert len(bars) == len(measured)
    assert list(bars["value"]) == sorted(measured["BESTPCHG"], reverse=True)
    assert ard.value("EFF-TL-01", "n", group={"ROW": "NOT COMPUTED"}) == len(fas) - len(measured)


def test_swimmer_bar_ends_and_events(ad, figures):
    """Bar end = death date, else last known alive date (capped at the cut-off), in months."""
    ard = figures["swimmer"].ard
    fas = ad.adsl.loc[ad.adsl["FASFL"] == "Y"]
    cut = np.datetime64(ad.cutoff)
    for row in fas.itertuples():
        end = row.DTHDT if not (row.DTHDT is None or str(row.DTHDT) == "NaT") else row.LSTALVDT
        end = min(np.datetime64(end, "D"), cut)
        months = (end - np.datetime64(row.ENRLDT, "D")).astype(int) / 30.4375
        got = ard.value("EFF-SWIM-01", "time", group={"USUBJID": row.USUBJID, "ITEM": "END"})
        assert got == pytest.approx(months, abs=1e-12)
    events = ard.frame["group"].str.endswith("ITEM=EFSEVENT").sum()
    efs = ad.adtte.loc[ad.adtte["PARAMCD"] == "EFS"]
    assert events == (efs["CNSR"] == 0).sum()


def test_oc_curve_marks_sap_alpha_and_power(figures):
    """SAP 5.4: attained alpha 0.0496 at p0 = 0.20 and power 0.8002 at p1 = 0.40."""
    ard = figures["oc"].ard
    alpha = ard.value("DES-SIM-01", "alpha_attained", group={"PLOT": "MARK", "P": "0.2"})
    power = ard.value("DES-SIM-01", "power", group={"PLOT": "MARK", "P": "0.4"})
    assert (round(alpha, 4), round(power, 4)) == (0.0496, 0.8002)
    on_curve = ard.value("DES-SIM-01", "power", group={"PLOT": "OC", "P": "0.2"})
    assert on_curve == alpha
