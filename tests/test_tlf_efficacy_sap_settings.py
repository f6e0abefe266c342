"""Efficacy TLF text and figure settings follow sap.yaml (SAP 7.3.7, 3.2.4, 9.5): the KM
number-at-risk ticks, the missed-assessment count of EFS sensitivity (b) and the cycle length in
the swimmer-plot footnote were typed into tlf/efficacy.py before. Each case edits one SAP
setting on the shipped trial and reasons the expected text/values from the SAP."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.sap import load_sap
from osteo_stats.tlf.efficacy import efs_sensitivity_table, km_figure, swimmer_figure


@pytest.fixture(scope="module")
def ad():
    sap = load_sap()
    return derive_analysis_data(load_trial("data/synthetic", sap), sap, None)


def with_sap(ad, section: str, **changes):
    sap = ad.sap
    edited = sap.model_copy(update={section: getattr(sap, section).model_copy(update=changes)})
    return dataclasses.replace(ad, sap=edited)


def test_km_at_risk_ticks_follow_the_sap(ad):
    # SAP 7.3.7 with ticks every 4 months: number at risk at 0, 4, 8, ... = patients with
    # AVALM >= the tick, up to the first multiple of 4 at or after the last time.
    out = km_figure(with_sap(ad, "inference", km_at_risk_tick_months=4), "EFS")
    frame = out.ard.frame
    at_risk = frame.loc[frame["statistic"].eq("n_risk") & frame["group"].str.contains("AT RISK")]
    months = ad.adtte.loc[ad.adtte["PARAMCD"] == "EFS", "AVALM"].to_numpy(float)
    ticks = np.arange(0, np.ceil(months.max() / 4) * 4 + 1, 4)
    assert len(at_risk) == len(ticks)
    for t in ticks:
        group = {"PLOT": "AT RISK", "MONTH": f"{t:g}"}
        value = out.ard.value("EFF-EFS-01", "n_risk", parameter="EFS", group=group)
        assert value == int((months >= t).sum()), t


def test_sensitivity_b_label_names_the_sap_count(ad):
    # SAP 3.2.4 (b) with k = 3 missed assessments.
    out = efs_sensitivity_table(with_sap(ad, "efs", missed_assessments_for_censoring=3))
    header = " | ".join(out.tlf.body.columns)
    assert ">= 3 missed assessments" in header and ">= 2 missed" not in header


def test_swimmer_footnote_names_the_sap_cycle_length(ad):
    out = swimmer_figure(with_sap(ad, "schedule", cycle_days=28))
    notes = " ".join(out.tlf.footnotes)
    assert "one 28-day cycle" in notes and "21-day" not in notes
