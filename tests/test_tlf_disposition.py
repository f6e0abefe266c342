"""Disposition, analysis sets, accrual, baseline, exposure and surgery TLFs (SAP 7.8, 9.5).

Each count is checked against a direct computation on ADSL/ADEX written here, at the final and
the 2025-01-01 cut-off; the eligibility checks also on a hand-made trial whose expected counts
are worked out by hand. Listings are checked for their rows and sort order (SAP 11.4).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.disposition import build_disposition_tlfs


@pytest.fixture(scope="module", params=[None, date(2025, 1, 1)], ids=["final", "2025-01-01"])
def ad(request, shipped_analysis):
    return shipped_analysis(request.param)


@pytest.fixture(scope="module")
def tlfs(ad):
    return {o.tlf.label: o for o in build_disposition_tlfs(ad)}


def test_catalogue_numbers_titles_and_sources(ad, tlfs):
    expected = {
        "Table 14.1.1": ("Patient disposition", "DSP-DISP-01"),
        "Table 14.1.2": ("Analysis sets", "DSP-SETS-01"),
        "Table 14.1.3": ("Enrollment and accrual against plan", "DSP-ACCR-01"),
        "Figure 14.1.1": ("Cumulative enrollment against plan", "DSP-ACCR-01"),
        "Table 14.1.4": ("Eligibility and protocol deviations", "DSP-DEV-01"),
        "Table 14.1.5": ("Demographic and baseline characteristics", "BSL-DEM-01"),
        "Table 14.1.6": ("Exposure to SBRT, gemcitabine and penpulimab", "EXP-TRT-01"),
        "Table 14.1.7": ("Surgery: timing, delay and outcome", "EXP-SURG-01"),
        "Listing 16.2.1": ("Discontinued patients", None),
        "Listing 16.2.2": ("Eligibility and protocol deviations; analysis-set exclusions", None),
        "Listing 16.2.4": ("Demographic and baseline data", None),
        "Listing 16.2.5": ("Study treatment administration", None),
    }
    assert list(tlfs) == list(expected)
    for label, (title, aid) in expected.items():
        out = tlfs[label]
        assert out.tlf.title == title == expected_tlf(label).title  # SAP 11 / render.spec
        assert f"data cut-off {ad.cutoff:%Y-%m-%d}" in out.tlf.source
        if aid is None:  # a patient listing: no statistics, so no ARD rows (SAP 12)
            assert out.tlf.analysis_ids == ()
            assert out.tlf.source.endswith("ARD none (patient listing)")
            assert out.ard.frame.empty
            assert out.tlf.landscape
        else:
            assert out.tlf.analysis_ids == (aid,) and aid in out.tlf.source
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


def test_sets_at_a_cut_off_before_the_first_dose_and_before_surgery(shipped_analysis):
    """At 2022-04-28 the first patient is enrolled but not dosed (TRTSDT 2022-05-04): not in
    the SAF, although the extract's SAFFL is Y. At 2023-06-30 two of the extract's PPS patients
    are not yet operated: not in the PPS at that cut-off (SAP 4.2)."""
    early = shipped_analysis(date(2022, 4, 28))
    out = {o.tlf.label: o for o in build_disposition_tlfs(early)}
    assert _v(out["Table 14.1.1"], "n", "DISPOSITION", CATEGORY="ENROLLED") == 1
    assert _v(out["Table 14.1.1"], "n", "DISPOSITION", CATEGORY="TREATED") == 0
    assert out["Table 14.1.6"].tlf.analysis_set == "Safety analysis set (N = 0)"
    mid = shipped_analysis(date(2023, 6, 30))
    sets = next(o for o in build_disposition_tlfs(mid) if o.tlf.number == "14.1.2")
    operated_pps = (mid.adsl["PPROTFL"] == "Y") & mid.adsl["SURGOUT"].isin(["R0", "R1", "R2"])
    assert _v(sets, "n", "ANALYSIS SET", SET="PPS") == operated_pps.sum()
    assert operated_pps.sum() == (mid.adsl["PPROTFL"] == "Y").sum()  # derived at the cut-off


# --- Table 14.1.4 and the listings ------------------------------------------------------------

_OPERATED = ["R0", "R1", "R2"]


def _eligibility_by_hand(adsl: pd.DataFrame) -> dict[str, pd.Series]:
    """SAP 4.1 with its limits written out: age 10-65, ECOG at 16 and over, ECOG <= 2,
    Lansky >= 70."""
    age, pstype, score = adsl["AGE"], adsl["PSTYPE"], adsl["PSSCORE"]
    checks = {
        "BELOW": age < 10,
        "ABOVE": age > 65,
        "PS SCALE": (age >= 16) != (pstype == "ECOG"),
        "ECOG": (pstype == "ECOG") & (score > 2),
        "LANSKY": (pstype == "LANSKY") & (score < 70),
    }
    checks["ANY"] = pd.concat(checks.values(), axis=1).any(axis=1)
    return checks


def _completed_preop_by_hand(adex: pd.DataFrame) -> set[str]:
    """5 SBRT fractions and 2 pre-operative cycles of each drug with EXDOSE > 0 (as above)."""
    pre = adex[(adex["APHASE"] == "PRE-OPERATIVE") & (adex["EXDOSE"] > 0)]
    ok = pre[pre["EXTRT"] == "SBRT"].groupby("USUBJID").size() >= 5
    done = set(ok[ok].index)
    for drug in ("GEMCITABINE", "PENPULIMAB"):
        cyc = pre[pre["EXTRT"] == drug].groupby("USUBJID")["CYCLE"].nunique() >= 2
        done &= set(cyc[cyc].index)
    return done


def _deviation_counts(out) -> dict[tuple[str, str], int]:
    groups = {
        ("ELIGIBILITY DEVIATION", "ANY"): {"CHECK": "ANY"},
        ("ELIGIBILITY DEVIATION", "AGE"): {"CHECK": "AGE"},
        ("ELIGIBILITY DEVIATION", "BELOW"): {"CHECK": "AGE", "LIMIT": "BELOW"},
        ("ELIGIBILITY DEVIATION", "ABOVE"): {"CHECK": "AGE", "LIMIT": "ABOVE"},
        ("ELIGIBILITY DEVIATION", "PS SCALE"): {"CHECK": "PS SCALE"},
        ("ELIGIBILITY DEVIATION", "ECOG"): {"CHECK": "ECOG"},
        ("ELIGIBILITY DEVIATION", "LANSKY"): {"CHECK": "LANSKY"},
        ("ELIGIBILITY DEVIATION", "IN PPS"): {"CHECK": "ANY", "SET": "PPS"},
        ("PPS EXCLUSION", "ANY"): {"REASON": "ANY"},
        ("PPS EXCLUSION", "NOT DOSED"): {"REASON": "NOT DOSED"},
        ("PPS EXCLUSION", "NOT OPERATED"): {"REASON": "NOT OPERATED"},
        ("PPS EXCLUSION", "INCOMPLETE"): {"REASON": "INCOMPLETE PRE-OPERATIVE THERAPY"},
        ("PPS EXCLUSION", "OTHER"): {"REASON": "OTHER"},
    }
    return {key: int(_v(out, "n", key[0], **group)) for key, group in groups.items()}


def _deviation_counts_by_hand(adsl: pd.DataFrame, adex: pd.DataFrame) -> dict:
    elig = _eligibility_by_hand(adsl)
    in_pps = adsl["PPROTFL"] == "Y"  # adsl_at_cutoff: N when not dosed/operated by the cut-off
    not_dosed = ~in_pps & adsl["TRTSDT"].isna()
    not_operated = ~in_pps & ~not_dosed & ~adsl["SURGOUT"].isin(_OPERATED)
    rest = ~in_pps & ~not_dosed & ~not_operated
    incomplete = rest & ~adsl["USUBJID"].isin(_completed_preop_by_hand(adex))
    counts = {("ELIGIBILITY DEVIATION", k): int(v.sum()) for k, v in elig.items()}
    counts[("ELIGIBILITY DEVIATION", "AGE")] = int((elig["BELOW"] | elig["ABOVE"]).sum())
    counts[("ELIGIBILITY DEVIATION", "IN PPS")] = int((elig["ANY"] & in_pps).sum())
    counts[("PPS EXCLUSION", "ANY")] = int((~in_pps).sum())
    counts[("PPS EXCLUSION", "NOT DOSED")] = int(not_dosed.sum())
    counts[("PPS EXCLUSION", "NOT OPERATED")] = int(not_operated.sum())
    counts[("PPS EXCLUSION", "INCOMPLETE")] = int(incomplete.sum())
    counts[("PPS EXCLUSION", "OTHER")] = int((rest & ~incomplete).sum())
    return counts


def test_deviation_counts_equal_a_direct_computation(ad, tlfs):
    out = tlfs["Table 14.1.4"]
    counts = _deviation_counts(out)
    assert counts == _deviation_counts_by_hand(ad.adsl, ad.adex)
    assert _v(out, "N", "FAS") == len(ad.adsl)
    reasons = ("NOT DOSED", "NOT OPERATED", "INCOMPLETE", "OTHER")
    assert sum(counts[("PPS EXCLUSION", r)] for r in reasons) == counts[("PPS EXCLUSION", "ANY")]
    # the same exclusions as Table 14.1.2 (not operated + operated-but-excluded)
    sets = tlfs["Table 14.1.2"]
    assert counts[("PPS EXCLUSION", "ANY")] == _v(
        sets, "n", "ANALYSIS SET", SET="PPS", EXCLUDED="NOT OPERATED"
    ) + _v(sets, "n", "ANALYSIS SET", SET="PPS", EXCLUDED="DEVIATION")
    # the shipped extract has no eligibility deviation; the loader agrees (no warnings)
    assert counts[("ELIGIBILITY DEVIATION", "ANY")] == 0 and ad.trial.warnings == ()
    body = dict(zip(out.tlf.body["Category"], out.tlf.body["n (%)"], strict=True))
    n_ex, n = counts[("PPS EXCLUSION", "ANY")], len(ad.adsl)
    assert body["Patients excluded from the per-protocol set"] == f"{n_ex} ({100 * n_ex / n:.1f})"
    assert body["Patients with any eligibility deviation"] == "0"


@pytest.fixture(scope="module")
def deviant(tmp_path_factory):
    """The 3-patient minimal trial with PROMIS-002 aged 9 (Lansky 90) and PROMIS-001 at ECOG 3.

    By hand: PROMIS-001 (ECOG 3, R0, PPROTFL = Y) stays in the PPS with a deviation;
    PROMIS-002 (age 9, R1, one SBRT fraction only, PPROTFL = N) is excluded from the PPS for an
    incomplete pre-operative regimen; PROMIS-003 (surgery NOT DONE) is excluded as not operated.
    """
    tables = minimal_trial()
    adsl = tables["ADSL"]
    adsl.loc[adsl["USUBJID"] == "PROMIS-002", "AGE"] = "9"
    adsl.loc[adsl["USUBJID"] == "PROMIS-001", "PSSCORE"] = "3"
    trial = load_trial(write_trial(tables, tmp_path_factory.mktemp("deviant")), load_sap())
    ad = derive_analysis_data(trial, load_sap())
    return ad, {o.tlf.label: o for o in build_disposition_tlfs(ad)}


def test_deviation_counts_on_a_hand_made_trial(deviant):
    ad, tlfs = deviant
    warned = {(i.usubjid, i.column) for i in ad.trial.warnings}
    assert {("PROMIS-002", "AGE"), ("PROMIS-001", "PSSCORE")} <= warned  # valid data, warned
    assert all(i.severity == "warning" for i in ad.trial.warnings)
    counts = _deviation_counts(tlfs["Table 14.1.4"])
    assert counts == _deviation_counts_by_hand(ad.adsl, ad.adex)
    assert counts == {
        ("ELIGIBILITY DEVIATION", "ANY"): 2,
        ("ELIGIBILITY DEVIATION", "AGE"): 1,
        ("ELIGIBILITY DEVIATION", "BELOW"): 1,
        ("ELIGIBILITY DEVIATION", "ABOVE"): 0,
        ("ELIGIBILITY DEVIATION", "PS SCALE"): 0,
        ("ELIGIBILITY DEVIATION", "ECOG"): 1,
        ("ELIGIBILITY DEVIATION", "LANSKY"): 0,
        ("ELIGIBILITY DEVIATION", "IN PPS"): 1,
        ("PPS EXCLUSION", "ANY"): 2,
        ("PPS EXCLUSION", "NOT DOSED"): 0,
        ("PPS EXCLUSION", "NOT OPERATED"): 1,
        ("PPS EXCLUSION", "INCOMPLETE"): 1,
        ("PPS EXCLUSION", "OTHER"): 0,
    }
    body = dict(zip(*tlfs["Table 14.1.4"].tlf.body.T.to_numpy(), strict=True))
    assert body["Patients with any eligibility deviation"] == "2 (66.7)"
    assert body["    Age < 10 years"] == "1 (33.3)"
    assert body["  ECOG > 2"] == "1 (33.3)"

    listing = tlfs["Listing 16.2.2"].tlf.body.set_index("Patient")
    assert list(listing.index) == ["PROMIS-001", "PROMIS-002", "PROMIS-003"]
    assert listing.loc["PROMIS-001", "Eligibility deviation(s)"] == "ECOG 3 > 2"
    assert listing.loc["PROMIS-001", ["SAF", "PPS"]].tolist() == ["Y", "Y"]
    assert listing.loc["PROMIS-002", "Eligibility deviation(s)"] == "Age 9 outside 10-65 years"
    assert listing.loc["PROMIS-002", "Analysis-set exclusion(s)"] == (
        "PPS: operated, pre-operative therapy incomplete"
    )
    assert listing.loc["PROMIS-003", "Eligibility deviation(s)"] == "None"
    assert listing.loc["PROMIS-003", "Analysis-set exclusion(s)"] == (
        "PPS: not operated (surgery NOT DONE, PROGRESSION)"
    )


def _plain(body: pd.DataFrame) -> bool:
    """No leading blanks (which the renderer turns into indents): plain, linear rows."""
    return not any(cell[:1].isspace() for cell in body.to_numpy().ravel())


def test_discontinued_listing(ad, tlfs):
    body = tlfs["Listing 16.2.1"].tlf.body
    dc = ad.adsl[ad.adsl["EOSSTT"] == "DISCONTINUED"].sort_values("USUBJID")
    assert body["Patient"].tolist() == dc["USUBJID"].tolist() and len(body) > 0
    assert body["End of study"].tolist() == dc["EOSDT"].dt.strftime("%Y-%m-%d").tolist()
    assert body["Reason for discontinuation"].tolist() == dc["DCSREAS"].tolist()
    dead = dc["DTHDT"].notna().to_numpy()
    assert (body["Date of death"].to_numpy()[dead] != "").all()
    assert (body["Date of death"].to_numpy()[~dead] == "").all()
    assert list(body.columns) == ["Patient", "Site", "Enrollment", "End of study",
                                  "Reason for discontinuation", "Last dose", "Surgery outcome",
                                  "Date of death"]  # fmt: skip
    assert _plain(body)


def test_deviation_listing_rows(ad, tlfs):
    body = tlfs["Listing 16.2.2"].tlf.body
    adsl = ad.adsl
    listed = _eligibility_by_hand(adsl)["ANY"] | (adsl["SAFFL"] != "Y") | (adsl["PPROTFL"] != "Y")
    assert body["Patient"].tolist() == sorted(adsl.loc[listed, "USUBJID"])
    not_treated = set(adsl.loc[adsl["TRTSDT"].isna(), "USUBJID"])
    assert set(body.loc[body["SAF"] == "N", "Patient"]) == not_treated
    assert (body["PPS"] == "N").sum() == (adsl["PPROTFL"] != "Y").sum()
    assert _plain(body)


def test_baseline_listing(ad, tlfs):
    body = tlfs["Listing 16.2.4"].tlf.body
    adsl = ad.adsl.sort_values("USUBJID")
    assert body["Patient"].tolist() == adsl["USUBJID"].tolist()
    assert body["Age (years)"].tolist() == adsl["AGE"].astype(str).tolist()
    assert body["PS score"].tolist() == adsl["PSSCORE"].astype(str).tolist()
    assert body["Nodules"].tolist() == adsl["NNODULE"].astype(str).tolist()
    assert pd.to_numeric(body["DFI (months)"]).tolist() == pytest.approx(adsl["DFIMO"].tolist())
    assert body["Laterality"].str.upper().tolist() == adsl["LATERAL"].tolist()
    assert _plain(body)


def test_administration_listing(ad, tlfs):
    out = tlfs["Listing 16.2.5"]
    body = out.tlf.body
    saf = ad.adsl.loc[(ad.adsl["SAFFL"] == "Y") & ad.adsl["TRTSDT"].notna(), "USUBJID"]
    ex = ad.adex[ad.adex["USUBJID"].isin(saf)]
    assert len(body) == len(ex) > 1000
    assert out.tlf.analysis_set == f"Safety analysis set (N = {len(saf)})"
    ex = ex.sort_values(["USUBJID", "EXSTDT", "EXTRT"])
    assert body["Patient"].tolist() == ex["USUBJID"].tolist()
    assert body["Date"].tolist() == ex["EXSTDT"].dt.strftime("%Y-%m-%d").tolist()
    assert body["Treatment"].str.upper().tolist() == ex["EXTRT"].tolist()
    assert pd.to_numeric(body["Actual dose"]).tolist() == ex["EXDOSE"].tolist()
    assert pd.to_numeric(body["Planned dose"]).tolist() == ex["EXPLDOS"].tolist()
    assert body["Unit"].tolist() == ex["EXDOSU"].tolist()
    sbrt = (ex["EXTRT"] == "SBRT").to_numpy()
    assert (body["Cycle"].to_numpy()[sbrt] == "").all()
    assert (body["Fraction"].to_numpy()[~sbrt] == "").all()
    assert _plain(body)


def test_listings_and_deviations_before_the_first_dose(shipped_analysis):
    """At 2022-04-28 the only enrolled patient is not yet dosed: excluded from the PPS as not
    dosed, listed in 16.2.2, and Listing 16.2.5 has no rows."""
    early = shipped_analysis(date(2022, 4, 28))
    out = {o.tlf.label: o for o in build_disposition_tlfs(early)}
    assert _v(out["Table 14.1.4"], "n", "PPS EXCLUSION", REASON="NOT DOSED") == 1
    assert out["Listing 16.2.5"].tlf.body.empty
    assert out["Listing 16.2.5"].tlf.footnotes[0] == "No records at this data cut-off."
    assert out["Listing 16.2.1"].tlf.body.empty
    dev = out["Listing 16.2.2"].tlf.body
    assert dev["Analysis-set exclusion(s)"].tolist() == [
        "SAF: no study treatment by the cut-off; PPS: not dosed"
    ]
