"""Disposition, analysis sets, accrual, baseline, exposure and surgery TLFs (SAP 7.8, 9.5).

Each count is checked against a direct computation on ADSL/ADEX written here, at the final and
the 2025-01-01 cut-off.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.disposition import build_disposition_tlfs

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "synthetic"


@pytest.fixture(scope="module")
def trial():
    return load_trial(SHIPPED, load_sap())


@pytest.fixture(scope="module", params=[None, date(2025, 1, 1)], ids=["final", "2025-01-01"])
def ad(request, trial):
    return derive_analysis_data(trial, load_sap(), request.param)


@pytest.fixture(scope="module")
def tlfs(ad):
    return {o.tlf.label: o for o in build_disposition_tlfs(ad)}


def test_catalogue_numbers_titles_and_sources(ad, tlfs):
    expected = {
        "Table 14.1.1": ("Patient disposition", "DSP-DISP-01"),
        "Table 14.1.2": ("Analysis sets", "DSP-SETS-01"),
        "Table 14.1.3": ("Enrollment and accrual against plan", "DSP-ACCR-01"),
        "Figure 14.1.1": ("Cumulative enrollment against plan", "DSP-ACCR-01"),
        "Table 14.1.5": ("Demographic and baseline characteristics", "BSL-DEM-01"),
        "Table 14.1.6": ("Exposure to SBRT, gemcitabine and penpulimab", "EXP-TRT-01"),
        "Table 14.1.7": ("Surgery: timing, delay and outcome", "EXP-SURG-01"),
    }
    assert list(tlfs) == list(expected)
    for label, (title, aid) in expected.items():
        out = tlfs[label]
        assert out.tlf.title == title
        assert out.tlf.analysis_ids == (aid,)
        assert f"data cut-off {ad.cutoff:%Y-%m-%d}" in out.tlf.source and aid in out.tlf.source
        assert set(out.ard.frame["analysis_id"]) == {aid}
        if out.tlf.body is not None:
            assert all(isinstance(c, str) for c in out.tlf.body.to_numpy().ravel())


def _v(out, statistic, parameter, **group):
    return out.ard.value(out.tlf.analysis_ids[0], statistic, parameter=parameter, group=group)


def test_disposition_counts(ad, tlfs):
    out = tlfs["Table 14.1.1"]
    adsl = ad.adsl
    p = "DISPOSITION"
    assert _v(out, "n", p, CATEGORY="ENROLLED") == len(adsl)
    assert _v(out, "n", p, CATEGORY="TREATED") == (adsl["SAFFL"] == "Y").sum()
    assert _v(out, "n", p, CATEGORY="OPERATED") == adsl["SURGOUT"].isin(["R0", "R1", "R2"]).sum()
    for code in ("R0", "R1", "R2"):
        assert _v(out, "n", p, CATEGORY="OPERATED", SURGOUT=code) == (adsl["SURGOUT"] == code).sum()
    assert _v(out, "n", p, CATEGORY="SURGERY NOT DONE") == (adsl["SURGOUT"] == "NOT DONE").sum()
    for status in ("ONGOING", "COMPLETED", "DISCONTINUED"):
        assert _v(out, "n", p, CATEGORY=status) == (adsl["EOSSTT"] == status).sum()
    for reason, n in adsl.loc[adsl["EOSSTT"] == "DISCONTINUED", "DCSREAS"].value_counts().items():
        assert _v(out, "n", p, CATEGORY="DISCONTINUED", DCSREAS=reason) == n
    # completed pre-op therapy: 5 SBRT fractions and 2 cycles of each drug pre-operatively
    pre = ad.adex[(ad.adex["APHASE"] == "PRE-OPERATIVE") & (ad.adex["EXDOSE"] > 0)]
    ok = pre[pre["EXTRT"] == "SBRT"].groupby("USUBJID").size() >= 5
    ok = set(ok[ok].index)
    for drug in ("GEMCITABINE", "PENPULIMAB"):
        cyc = pre[pre["EXTRT"] == drug].groupby("USUBJID")["CYCLE"].nunique() >= 2
        ok &= set(cyc[cyc].index)
    assert _v(out, "n", p, CATEGORY="COMPLETED PRE-OPERATIVE THERAPY") == len(ok)
    post = ad.adex[
        ad.adex["APHASE"].isin(["POST-OPERATIVE", "MAINTENANCE"]) & (ad.adex["EXDOSE"] > 0)
    ]
    assert _v(out, "n", p, CATEGORY="STARTED POST-OPERATIVE THERAPY") == post["USUBJID"].nunique()
    body = dict(zip(out.tlf.body["Category"], out.tlf.body["n (%)"], strict=True))
    n_saf = int((adsl["SAFFL"] == "Y").sum())
    assert body["Treated (safety analysis set)"] == f"{n_saf} ({100 * n_saf / len(adsl):.1f})"


def test_analysis_sets(ad, tlfs):
    out = tlfs["Table 14.1.2"]
    for flag, name in (("FASFL", "FAS"), ("SAFFL", "SAF"), ("PPROTFL", "PPS")):
        assert _v(out, "n", "ANALYSIS SET", SET=name) == (ad.adsl[flag] == "Y").sum()


def test_accrual_against_plan(ad, tlfs):
    out = tlfs["Table 14.1.3"]
    enrl = ad.adsl["ENRLDT"]
    months = enrl.dt.strftime("%Y-%m").value_counts()
    for month, n in months.items():
        assert _v(out, "n", "ENROLLED", MONTH=month) == n
    last = enrl.max().strftime("%Y-%m")
    assert _v(out, "n", "CUMULATIVE ENROLLED", MONTH=last) == len(enrl)
    # plan: 43 x elapsed days / (24 x 30.4375), evaluated at the end of the month
    first = enrl.min()
    end = pd.Timestamp(f"{last}-01") + pd.offsets.MonthEnd(0)
    plan = min(43.0, 43 * (end - first).days / (24 * 30.4375))
    assert _v(out, "expected", "CUMULATIVE ENROLLED", MONTH=last) == pytest.approx(plan)
    figure = tlfs["Figure 14.1.1"]
    assert figure.tlf.svg.lstrip().startswith("<?xml")
    # figure rows are per enrollment date, so they never collide with the table's monthly rows
    assert set(figure.ard.frame["group"]).isdisjoint(out.ard.frame["group"])


def test_baseline(ad, tlfs):
    out = tlfs["Table 14.1.5"]
    age = ad.adsl["AGE"].to_numpy(float)
    assert _v(out, "mean", "AGE") == pytest.approx(age.mean())
    assert _v(out, "sd", "AGE") == pytest.approx(age.std(ddof=1))
    assert _v(out, "q1", "AGE") == pytest.approx(np.percentile(age, 25))
    assert _v(out, "n", "AGEGR", AGEGR="<16") == (age < 16).sum()
    assert _v(out, "n", "AGEGR", AGEGR="16-39") == ((age >= 16) & (age < 40)).sum()
    assert _v(out, "n", "AGEGR", AGEGR=">=40") == (age >= 40).sum()
    assert _v(out, "n", "SEX", SEX="F") == (ad.adsl["SEX"] == "F").sum()
    lansky = ad.adsl[ad.adsl["PSTYPE"] == "LANSKY"]
    for score, n in lansky["PSSCORE"].value_counts().items():
        assert _v(out, "n", "PSSCORE", PSTYPE="LANSKY", PSSCORE=score) == n
    assert _v(out, "n", "PRIORLN", PRIORLN=">=3") == (ad.adsl["PRIORLN"] >= 3).sum()
    assert _v(out, "median", "DFIMO") == pytest.approx(ad.adsl["DFIMO"].median())


def test_exposure(ad, tlfs):
    out = tlfs["Table 14.1.6"]
    saf = ad.adsl.loc[ad.adsl["SAFFL"] == "Y", "USUBJID"]
    ex = ad.adex[ad.adex["USUBJID"].isin(saf)]
    sbrt = ex[(ex["EXTRT"] == "SBRT") & (ex["EXDOSE"] > 0)]
    assert _v(out, "mean", "FRACTIONS", EXTRT="SBRT") == pytest.approx(
        sbrt.groupby("USUBJID").size().mean()
    )
    assert _v(out, "mean", "TOTAL DOSE", EXTRT="SBRT") == pytest.approx(
        sbrt.groupby("USUBJID")["EXDOSE"].sum().mean()
    )
    for drug in ("GEMCITABINE", "PENPULIMAB"):
        d = ex[ex["EXTRT"] == drug]
        sums = d.groupby("USUBJID")[["EXDOSE", "EXPLDOS"]].sum()
        rdi = 100 * sums["EXDOSE"] / sums["EXPLDOS"]
        assert _v(out, "mean", "RDI", EXTRT=drug) == pytest.approx(rdi.mean())
        reduced = d[(d["EXDOSE"] > 0) & (d["EXDOSE"] < d["EXPLDOS"])]["USUBJID"].nunique()
        assert _v(out, "n", "REDUCED", EXTRT=drug) == reduced
        pre = d[(d["APHASE"] == "PRE-OPERATIVE") & (d["EXDOSE"] > 0)]
        cycles = pre.groupby("USUBJID")["CYCLE"].nunique()
        assert _v(out, "mean", "CYCLES", EXTRT=drug, APHASE="PRE-OPERATIVE") == pytest.approx(
            cycles.mean()
        )


def test_cycle_delay_rule_on_a_constructed_patient(ad):
    """Cycle 2 starts 25 days after cycle 1 (> 21 + 3): one delay; the pre-/post-operative gap
    is not a delay; cycle 4 at +24 days is not a delay (24 is not > 24)."""
    pid = ad.adsl.loc[ad.adsl["SAFFL"] == "Y", "USUBJID"].iloc[0]
    day = pd.Timestamp("2023-01-02")

    def rec(phase, cycle, offset):
        return dict(STUDYID="PROMIS", USUBJID=pid, EXTRT="GEMCITABINE", APHASE=phase,
                    CYCLE=cycle, EXFRACN=pd.NA, EXSTDT=day + pd.Timedelta(days=offset),
                    EXPLDOS=1000.0, EXDOSE=1000.0, EXDOSU="mg/m2")  # fmt: skip

    adex = pd.DataFrame(
        [
            rec("PRE-OPERATIVE", 1, 0),
            rec("PRE-OPERATIVE", 2, 25),
            rec("POST-OPERATIVE", 3, 100),
            rec("POST-OPERATIVE", 4, 124),
        ]
    )
    small = dataclasses.replace(ad, adex=adex)
    out = next(o for o in build_disposition_tlfs(small) if o.tlf.number == "14.1.6")
    assert _v(out, "n", "DELAYED", EXTRT="GEMCITABINE") == 1


def test_surgery_timing(ad, tlfs):
    out = tlfs["Table 14.1.7"]
    op = ad.adsl[ad.adsl["SURGOUT"].isin(["R0", "R1", "R2"])]
    days = (op["SURGDT"] - op["ENRLDT"]).dt.days + 1
    assert _v(out, "N", "OPERATED") == len(op)
    assert _v(out, "median", "DAYS TO SURGERY") == pytest.approx(days.median())
    assert _v(out, "n", "IN WINDOW") == days.between(43, 63).sum()
    delay = (op["SURGDT"] - op["SURGPLDT"]).dt.days
    assert _v(out, "max", "DELAY") == delay.max()
    te = ad.adae[(ad.adae["TRTEMFL"] == "Y") & (ad.adae["AESDLYFL"] == "Y")]
    assert _v(out, "n", "DELAYED BY TOXICITY") == te["USUBJID"].nunique()
    for code in ("R0", "NOT DONE", "PENDING"):
        assert _v(out, "n", "SURGOUT", SURGOUT=code) == (ad.adsl["SURGOUT"] == code).sum()


def test_sets_at_a_cut_off_before_the_first_dose_and_before_surgery(trial):
    """At 2022-04-28 the first patient is enrolled but not dosed (TRTSDT 2022-05-04): not in
    the SAF, although the extract's SAFFL is Y. At 2023-06-30 two of the extract's PPS patients
    are not yet operated: not in the PPS at that cut-off (SAP 4.2)."""
    early = derive_analysis_data(trial, load_sap(), date(2022, 4, 28))
    out = {o.tlf.label: o for o in build_disposition_tlfs(early)}
    assert _v(out["Table 14.1.1"], "n", "DISPOSITION", CATEGORY="ENROLLED") == 1
    assert _v(out["Table 14.1.1"], "n", "DISPOSITION", CATEGORY="TREATED") == 0
    assert out["Table 14.1.6"].tlf.analysis_set == "Safety analysis set (N = 0)"
    mid = derive_analysis_data(trial, load_sap(), date(2023, 6, 30))
    sets = next(o for o in build_disposition_tlfs(mid) if o.tlf.number == "14.1.2")
    operated_pps = (mid.adsl["PPROTFL"] == "Y") & mid.adsl["SURGOUT"].isin(["R0", "R1", "R2"])
    assert _v(sets, "n", "ANALYSIS SET", SET="PPS") == operated_pps.sum()
    assert operated_pps.sum() == (mid.adsl["PPROTFL"] == "Y").sum()  # derived at the cut-off
