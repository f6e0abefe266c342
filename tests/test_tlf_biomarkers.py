"""Section 14.4 biomarker TLFs on the shipped synthetic trial (tlf.biomarkers).

Counts are checked against independent pandas computations on ADBM/ADSL/ADTTE; statistics
end-to-end against R 4.2.2 on the same data. The R input was written by::

    bm = adbm[BMSTAT == "DONE"].pivot_table(index=[USUBJID, PARAMCD], columns=ATPT, values=AVAL)
    bm.merge(adsl[[USUBJID, GOODRESP, ORRFL, SURGDT]]).merge(adtte[EFS][[USUBJID, AVALM, CNSR,
    ADT]]).to_csv("synthetic_bm.csv")

and the R snippets are in each test's docstring.
"""

from __future__ import annotations

import math
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.biomarkers import build_biomarker_tlfs
from osteo_stats.tlf.build import combined_ard
from osteo_stats.tlf.format import fmt_p

MARKERS = ("CD8DENS", "TLSCNT", "PDL1TPS")


@pytest.fixture(scope="module")
def ad(shipped_ad):
    return shipped_ad


@pytest.fixture(scope="module")
def outputs(ad):
    return build_biomarker_tlfs(ad)


@pytest.fixture(scope="module")
def ard(outputs):
    return combined_ard(outputs)


@pytest.fixture(scope="module")
def done(ad):
    """Independent wide frame: one row per patient and marker, DONE values only."""
    bm = ad.adbm.loc[ad.adbm["BMSTAT"].eq("DONE")]
    wide = bm.pivot_table(index=["USUBJID", "PARAMCD"], columns="ATPT", values="AVAL")
    wide = wide.reset_index().rename(columns={"PRE-SBRT": "PRE", "POST-SBRT": "POST"})
    return wide.merge(ad.adsl[["USUBJID", "GOODRESP", "ORRFL", "SURGDT"]], on="USUBJID")


def _by_number(outputs, label):
    return next(o for o in outputs if o.tlf.label == label)


# --------------------------------------------------------------------------------------------
# Catalogue and ARD structure
# --------------------------------------------------------------------------------------------


def test_outputs_are_the_sap_14_4_list(outputs):
    labels = [o.tlf.label for o in outputs]
    assert labels == [
        "Table 14.4.1",
        "Table 14.4.2",
        "Table 14.4.3",
        "Table 14.4.4",
        "Figure 14.4.1",
        "Figure 14.4.2",
        "Figure 14.4.3",
    ]
    ids = {o.tlf.number: o.tlf.analysis_ids for o in outputs if o.tlf.kind == "Table"}
    assert ids == {
        "14.4.1": ("BMK-AVAIL-01",),
        "14.4.2": ("BMK-PAIR-01",),
        "14.4.3": ("BMK-RESP-01",),
        "14.4.4": ("BMK-EFS-01",),
    }
    for o in outputs:
        assert "exploratory" in o.tlf.title.lower()
        assert o.tlf.footnotes[0].startswith("Exploratory analysis")
        assert "data cut-off 2026-04-30" in o.tlf.source and "SAP 1.0" in o.tlf.source
        if o.tlf.kind == "Figure":
            assert o.tlf.svg.lstrip().startswith("<?xml") and o.tlf.body is None
        else:
            assert o.tlf.body is not None and not o.tlf.body.isna().any().any()


def test_ard_keys_are_unique_and_tied_to_their_tlf(outputs, ard):
    keys = ["analysis_id", "analysis_set", "parameter", "group", "statistic"]
    assert not ard.frame.duplicated(keys).any()
    for o in outputs:
        assert set(o.ard.frame["tlf"]) <= {o.tlf.label}
        assert set(o.ard.frame["analysis_id"]) <= set(o.tlf.analysis_ids)
    assert set(ard.frame["analysis_set"]) == {"FAS", "FAS-PAIRED", "FAS-LANDMARK"}


def test_every_family_holds_raw_and_bh_adjusted_p(ard):
    """Each raw p has an adjusted p; within a family the adjustment is R's p.adjust("BH")."""
    frame = ard.frame.loc[ard.frame["statistic"].isin(["p_value", "p_value_adj"])]
    wide = frame.pivot_table(
        index=["analysis_id", "analysis_set", "group", "parameter"],
        columns="statistic",
        values="value",
        dropna=False,
    ).reset_index()
    assert wide["p_value_adj"].notna().sum() == wide["p_value"].notna().sum() == 3 * 19
    for _, family in wide.groupby(["analysis_id", "analysis_set", "group"]):
        assert sorted(family["parameter"]) == sorted(MARKERS)
        p = family["p_value"].to_numpy()
        m = np.isfinite(p).sum()
        # BH by definition: min over j >= rank of m/j * p_(j), capped at 1.
        order = np.sort(p[np.isfinite(p)])
        for raw, adj in zip(p, family["p_value_adj"], strict=True):
            if not math.isfinite(raw):
                assert math.isnan(adj)
                continue
            rank = int(np.sum(order <= raw))
            expected = min(1.0, min(m / j * order[j - 1] for j in range(rank, m + 1)))
            assert adj == pytest.approx(expected, rel=1e-12)
            assert adj >= raw


# --------------------------------------------------------------------------------------------
# Table 14.4.1 availability
# --------------------------------------------------------------------------------------------


def test_availability_counts_match_pandas(ad, ard):
    fas = ad.adsl.loc[ad.adsl["FASFL"].eq("Y"), "USUBJID"]
    for marker in MARKERS:
        bm = ad.adbm.loc[ad.adbm["PARAMCD"].eq(marker)]
        has = {
            atpt: set(bm.loc[bm["ATPT"].eq(atpt) & bm["BMSTAT"].eq("DONE"), "USUBJID"])
            for atpt in ("PRE-SBRT", "POST-SBRT")
        }
        both = has["PRE-SBRT"] & has["POST-SBRT"]
        expected = {
            "BOTH": len(both),
            "PRE ONLY": len(has["PRE-SBRT"] - both),
            "POST ONLY": len(has["POST-SBRT"] - both),
            "NEITHER": len(set(fas) - has["PRE-SBRT"] - has["POST-SBRT"]),
        }
        for avail, n in expected.items():
            got = ard.value("BMK-AVAIL-01", "n", parameter=marker, group={"AVAIL": avail})
            assert got == n, (marker, avail)
        assert sum(expected.values()) == len(fas) == 43
        # Why post-SBRT is missing for the pre-only patients: straight from BMSTAT/BMREASND.
        post = bm.loc[bm["ATPT"].eq("POST-SBRT") & bm["USUBJID"].isin(has["PRE-SBRT"] - both)]
        reasons = (post["BMSTAT"] + ": " + post["BMREASND"]).value_counts()
        assert reasons.to_dict() == {
            "NOT DONE: NO SURGERY": 6,
            "NOT EVALUABLE: INSUFFICIENT TISSUE": 1,
        }
        for reason, n in reasons.items():
            group = {"AVAIL": "PRE ONLY", "ATPT": "POST-SBRT", "REASON": reason}
            assert ard.value("BMK-AVAIL-01", "n", parameter=marker, group=group) == n


def test_availability_body_is_formatted_from_the_ard(outputs):
    body = _by_number(outputs, "Table 14.4.1").tlf.body
    assert body.iloc[0, 0] == "Both time points"
    assert body.iloc[0, 1] == "35 (81.4)"
    row = body.loc[body.iloc[:, 0].str.contains("Not done: no surgery")]
    assert row.iloc[0, 1:].tolist() == ["6 (14.0)"] * 3
    assert body.loc[body.iloc[:, 0].eq("Neither time point")].iloc[0, 1] == "0"


def test_surgery_pending_at_an_interim_cutoff_is_a_reason_not_an_imputation(shipped_analysis):
    ad = shipped_analysis(date(2022, 9, 1))
    outs = build_biomarker_tlfs(ad)
    ard = combined_ard(outs)
    group = {"AVAIL": "PRE ONLY", "ATPT": "POST-SBRT", "REASON": "NO RECORD: SURGERY PENDING"}
    pending = ad.adsl.loc[ad.adsl["SURGOUT"].eq("PENDING"), "USUBJID"]
    assert ard.value("BMK-AVAIL-01", "n", parameter="CD8DENS", group=group) == len(pending) > 0
    assert ard.value("BMK-PAIR-01", "N", parameter="CD8DENS") == 2


# --------------------------------------------------------------------------------------------
# Table 14.4.2 paired change
# --------------------------------------------------------------------------------------------


def test_paired_summaries_match_pandas(done, ard):
    for marker in MARKERS:
        pairs = done.loc[done["PARAMCD"].eq(marker)].dropna(subset=["PRE", "POST"])
        d = pairs["POST"] - pairs["PRE"]

        def get(stat, marker=marker, **g):
            return ard.value("BMK-PAIR-01", stat, parameter=marker, group=g or None)

        assert get("N") == len(pairs) == 35
        for atpt, series in (
            ("PRE-SBRT", pairs["PRE"]),
            ("POST-SBRT", pairs["POST"]),
            ("CHANGE", d),
        ):
            assert get("median", ATPT=atpt) == pytest.approx(series.median())
            assert get("q1", ATPT=atpt) == pytest.approx(series.quantile(0.25))
            assert get("q3", ATPT=atpt) == pytest.approx(series.quantile(0.75))
        assert get("n", ATPT="CHANGE", DIRECTION="INCREASED") == (d > 0).sum()
        assert get("n", ATPT="CHANGE", DIRECTION="UNCHANGED") == (d == 0).sum()
        assert get("est", ATPT="CHANGE", ESTIMATE="PROPORTION INCREASED") == pytest.approx(
            (d > 0).mean()
        )
        assert get("n", ATPT="CHANGE", TEST="SIGNED-RANK") == (d != 0).sum()


# R: exact conditional signed-rank p (dynamic programme over doubled mid-ranks, written in R
# independently of the Python code) and the Hodges-Lehmann shift with its order-statistic CI.
PAIRED_R = {
    "CD8DENS": (3.40239494107664e-05, 28.40, 13.45, 70.05),
    "TLSCNT": (8.97794961929321e-06, 1.5, 1.0, 1.5),
    "PDL1TPS": (0.000186443328857422, 1.0, 0.5, 2.0),
}


@pytest.mark.parametrize("marker", MARKERS)
def test_paired_statistics_match_r(ard, marker):
    """R::

    sr_exact <- function(dd) {
      dd <- dd[dd != 0]; a <- as.integer(round(2 * rank(abs(dd)))); tot <- sum(a)
      cnt <- c(1, rep(0, tot))
      for (ai in a) cnt <- cnt + c(rep(0, ai), cnt[seq_len(tot + 1 - ai)])
      s <- 0:tot; obs <- sum(a[dd > 0])
      sum(cnt[abs(2 * s - tot) >= abs(2 * obs - tot)]) / sum(cnt) }
    hl1 <- function(dd) { n <- length(dd); w <- outer(dd, dd, "+")
      w <- sort(w[!lower.tri(w)]) / 2; qu <- qsignrank(0.025, n)
      c(median(w), w[qu], w[n * (n + 1) / 2 - qu + 1]) }
    p <- d[d$PARAMCD == mk & !is.na(d$PRE.SBRT) & !is.na(d$POST.SBRT), ]
    sr_exact(p$POST.SBRT - p$PRE.SBRT); hl1(p$POST.SBRT - p$PRE.SBRT)

    (R's wilcox.test cannot be exact here: every marker has tied |differences|.)
    """
    p, est, lcl, ucl = PAIRED_R[marker]
    test = {"ATPT": "CHANGE", "TEST": "SIGNED-RANK"}
    hl = {"ATPT": "CHANGE", "ESTIMATE": "HODGES-LEHMANN"}
    assert ard.value("BMK-PAIR-01", "p_value", parameter=marker, group=test) == pytest.approx(
        p, rel=1e-9
    )
    got = [ard.value("BMK-PAIR-01", s, parameter=marker, group=hl) for s in ("est", "lcl", "ucl")]
    assert got == pytest.approx([est, lcl, ucl], rel=1e-12)


def test_paired_body_shows_raw_and_adjusted_p_from_the_ard(outputs, ard):
    body = _by_number(outputs, "Table 14.4.2").tlf.body.set_index("Statistic")
    test = {"ATPT": "CHANGE", "TEST": "SIGNED-RANK"}
    for i, marker in enumerate(MARKERS):
        raw = ard.value("BMK-PAIR-01", "p_value", parameter=marker, group=test)
        adj = ard.value("BMK-PAIR-01", "p_value_adj", parameter=marker, group=test)
        assert body.loc["Wilcoxon signed-rank p-value"].iloc[i] == fmt_p(raw)
        assert body.loc["BH-adjusted p-value"].iloc[i] == fmt_p(adj)
    assert body.loc["Hodges-Lehmann shift (95% CI)"].iloc[0] == "28.40 (13.45, 70.05)"
    assert body.loc["Increased / unchanged / decreased, n"].tolist() == [
        "26 / 0 / 9",
        "26 / 6 / 3",
        "19 / 13 / 3",
    ]


# --------------------------------------------------------------------------------------------
# Table 14.4.3 response
# --------------------------------------------------------------------------------------------

# R: exact conditional Mann-Whitney p (DP in R) and two-sample HL with CI, post-SBRT values by
# good pathological response.
RESP_R = {
    "CD8DENS": (0.0768834659963692, 95.4, -14.8, 548.6),
    "TLSCNT": (0.317274123725737, 1.0, -1.0, 3.0),
    "PDL1TPS": (0.285937615515414, -1.0, -5.0, 1.0),
}


@pytest.mark.parametrize("marker", MARKERS)
def test_response_mann_whitney_matches_r(ard, marker):
    """R::

    rs_exact <- function(x, y) {
      a <- as.integer(round(2 * rank(c(x, y)))); m <- length(x); N <- length(a); tot <- sum(a)
      cnt <- matrix(0, m + 1, tot + 1); cnt[1, 1] <- 1
      for (ai in a) for (j in m:1)
        cnt[j + 1, (ai + 1):(tot + 1)] <- cnt[j + 1, (ai + 1):(tot + 1)] + cnt[j, 1:(tot + 1 - ai)]
      s <- 0:tot; obs <- sum(a[1:m]); f <- cnt[m + 1, ]
      sum(f[abs(N * s - m * tot) >= abs(N * obs - m * tot)]) / sum(f) }
    hl2 <- function(x, y) { df <- sort(outer(x, y, "-")); qu <- qwilcox(0.025, length(x), length(y))
      c(median(df), df[qu], df[length(x) * length(y) - qu + 1]) }
    post <- d[d$PARAMCD == mk & !is.na(d$POST.SBRT), ]
    x <- post$POST.SBRT[post$GOODRESP == "Y"]; y <- post$POST.SBRT[post$GOODRESP == "N"]
    rs_exact(x, y); hl2(x, y)
    # check of rs_exact: x4/y4 of test_biomarkers.py gives 0.0792540792540792 (= combn count)
    """
    p, est, lcl, ucl = RESP_R[marker]
    base = {"ENDPOINT": "GOODRESP", "ATPT": "POST-SBRT"}
    got_p = ard.value(
        "BMK-RESP-01", "p_value", parameter=marker, group={**base, "TEST": "MANN-WHITNEY"}
    )
    assert got_p == pytest.approx(p, rel=1e-9)
    hl = {**base, "ESTIMATE": "HODGES-LEHMANN"}
    got = [ard.value("BMK-RESP-01", s, parameter=marker, group=hl) for s in ("est", "lcl", "ucl")]
    assert got == pytest.approx([est, lcl, ucl], rel=1e-12)


def test_response_counts_and_fisher_match_pandas_and_r(done, ard):
    """R::

    post <- d[d$PARAMCD == "CD8DENS" & !is.na(d$POST.SBRT), ]
    hi <- post$POST.SBRT > median(post$POST.SBRT)
    fisher.test(table(factor(hi, levels = c(TRUE, FALSE)),
                      factor(post$GOODRESP, levels = c("Y", "N"))))$p.value
    # 0.658148303309594 (high: 4/18 responders, low: 2/18)
    """
    for endpoint, flag in (("GOODRESP", "GOODRESP"), ("ORR", "ORRFL")):
        for marker in MARKERS:
            rows = done.loc[done["PARAMCD"].eq(marker)]
            for atpt, column in (("PRE-SBRT", "PRE"), ("POST-SBRT", "POST")):
                pop = rows.dropna(subset=[column])
                base = {"ENDPOINT": endpoint, "ATPT": atpt}
                cut = pop[column].median()
                assert ard.value("BMK-RESP-01", "median", parameter=marker, group=base) == cut
                for label in ("Y", "N"):
                    n = ard.value(
                        "BMK-RESP-01", "n", parameter=marker, group={**base, "RESPONSE": label}
                    )
                    assert n == pop[flag].eq(label).sum()
                high = pop.loc[pop[column] > cut]
                group = {**base, "LEVEL": "HIGH"}
                assert ard.value("BMK-RESP-01", "N", parameter=marker, group=group) == len(high)
                assert (
                    ard.value("BMK-RESP-01", "n", parameter=marker, group=group)
                    == high[flag].eq("Y").sum()
                )
    fisher = {"ENDPOINT": "GOODRESP", "ATPT": "POST-SBRT", "TEST": "FISHER"}
    assert ard.value("BMK-RESP-01", "p_value", parameter="CD8DENS", group=fisher) == pytest.approx(
        0.658148303309594, rel=1e-12
    )


def test_response_table_is_landscape_with_both_p_values(outputs):
    tlf = _by_number(outputs, "Table 14.4.3").tlf
    assert tlf.landscape and len(tlf.body) == 2 * 3 * 3
    assert {"Mann-Whitney p", "Mann-Whitney p, BH", "Fisher p", "Fisher p, BH"} <= set(
        tlf.body.columns
    )
    first = tlf.body.iloc[1]  # CD8DENS post-SBRT, good pathological response
    assert first["HL difference (95% CI)"] == "95.40 (-14.80, 548.60)"
    assert first["Responders, high: n/N (%)"] == "4/18 (22.2)"


# --------------------------------------------------------------------------------------------
# Table 14.4.4 EFS
# --------------------------------------------------------------------------------------------


def test_efs_pre_sbrt_cox_and_logrank_match_r(ard):
    """R::

    pre <- d[d$PARAMCD == "CD8DENS" & !is.na(d$PRE.SBRT), ]
    f <- coxph(Surv(AVALM, 1 - CNSR) ~ log2(PRE.SBRT + 1), data = pre, ties = "efron")
    exp(coef(f)); exp(confint(f)); summary(f)$coefficients[, "Pr(>|z|)"]
    # coef -0.0263829322833432; CI 0.743520474645018 1.27582510528335; p 0.848107229004944
    grp <- ifelse(pre$PRE.SBRT > median(pre$PRE.SBRT), "HIGH", "LOW")
    survdiff(Surv(AVALM, 1 - CNSR) ~ grp, data = pre)
    # chisq 0.00109143881135233, p 0.973645137008477
    """
    cox = {"ATPT": "PRE-SBRT", "TEST": "COX"}
    get = lambda s, g: ard.value("BMK-EFS-01", s, parameter="CD8DENS", group=g, analysis_set="FAS")  # noqa: E731
    assert get("coef", cox) == pytest.approx(-0.0263829322833432, rel=1e-6)
    assert get("est", cox) == pytest.approx(math.exp(-0.0263829322833432), rel=1e-6)
    assert get("lcl", cox) == pytest.approx(0.743520474645018, rel=1e-6)
    assert get("ucl", cox) == pytest.approx(1.27582510528335, rel=1e-6)
    assert get("p_value", cox) == pytest.approx(0.848107229004944, rel=1e-6)
    lr = {"ATPT": "PRE-SBRT", "TEST": "LOG-RANK"}
    assert get("statistic", lr) == pytest.approx(0.00109143881135233, rel=1e-8)
    assert get("p_value", lr) == pytest.approx(0.973645137008477, rel=1e-8)


def test_efs_landmark_at_surgery_matches_pandas_and_r(ad, done, ard):
    """R (landmark at surgery, SAP 7.6 point 5)::

    s <- d[d$PARAMCD == "CD8DENS" & !is.na(d$POST.SBRT) & d$SURGDT != "", ]
    ev <- 1 - s$CNSR; s <- s[!(ev == 1 & as.Date(s$ADT) <= as.Date(s$SURGDT)), ]; ev <- 1 - s$CNSR
    s$T <- pmax(as.numeric(as.Date(s$ADT) - as.Date(s$SURGDT)) + 1, 1) / 30.4375
    f <- coxph(Surv(T, ev) ~ log2(POST.SBRT + 1), data = s, ties = "efron")
    # n 32, events 19; HR 0.766471750268045 (0.591410614660492, 0.993352045763013),
    # p 0.0443905685336296
    grp <- ifelse(s$POST.SBRT > median(s$POST.SBRT), "HIGH", "LOW")
    survdiff(Surv(T, ev) ~ grp, data = s)               # p 0.417292386378903; median 75.25
    """
    efs = ad.adtte.loc[ad.adtte["PARAMCD"].eq("EFS"), ["USUBJID", "ADT", "CNSR"]]
    rows = done.loc[done["PARAMCD"].eq("CD8DENS")].dropna(subset=["POST"]).merge(efs, on="USUBJID")
    operated = rows["SURGDT"].notna()
    event_by_surgery = rows["CNSR"].eq(0) & (rows["ADT"] <= rows["SURGDT"])
    landmark = rows.loc[operated & ~event_by_surgery]
    base = {"ATPT": "POST-SBRT"}
    get = lambda s, g: ard.value(  # noqa: E731
        "BMK-EFS-01", s, parameter="CD8DENS", group=g, analysis_set="FAS-LANDMARK"
    )
    assert get("N", base) == len(landmark) == 32
    assert get("events", base) == landmark["CNSR"].eq(0).sum() == 19
    assert get("median", base) == 75.25
    cox = {**base, "TEST": "COX"}
    assert get("est", cox) == pytest.approx(0.766471750268045, rel=1e-6)
    assert get("lcl", cox) == pytest.approx(0.591410614660492, rel=1e-6)
    assert get("ucl", cox) == pytest.approx(0.993352045763013, rel=1e-6)
    # lifelines' Newton-Raphson stops a little earlier than coxph: agreement to ~1e-6.
    assert get("p_value", cox) == pytest.approx(0.0443905685336296, rel=1e-5)
    lr = {**base, "TEST": "LOG-RANK"}
    assert get("p_value", lr) == pytest.approx(0.417292386378903, rel=1e-8)


def test_km_figure_data_are_in_the_ard(outputs):
    fig = _by_number(outputs, "Figure 14.4.3")
    frame = fig.ard.frame
    assert set(frame["statistic"]) == {"time", "n_risk", "events", "censored", "surv"}
    at_zero = frame.loc[frame["group"].str.endswith("MONTH=0")]
    table = _by_number(outputs, "Table 14.4.4").ard
    for row in at_zero.itertuples():
        group = dict(part.split("=") for part in row.group.split("; "))
        del group["MONTH"]
        n = table.value("BMK-EFS-01", "n", parameter=row.parameter, group=group,
                        analysis_set=row.analysis_set)  # fmt: skip
        assert row.value == n


# --------------------------------------------------------------------------------------------
# Robustness: sparse and absent biomarker data
# --------------------------------------------------------------------------------------------


def _minimal(tmp_path, drop_adbm: bool):
    sys.path.insert(0, str(Path(__file__).parent))
    from minimal_trial import minimal_trial, write_trial

    tables = minimal_trial()
    if drop_adbm:
        del tables["ADBM"]
    sap = load_sap()
    return derive_analysis_data(load_trial(write_trial(tables, tmp_path), sap), sap)


@pytest.mark.parametrize("drop_adbm", [False, True])
def test_sparse_or_missing_adbm_gives_ne_not_an_error(tmp_path, drop_adbm):
    outs = build_biomarker_tlfs(_minimal(tmp_path, drop_adbm))
    assert len(outs) == 7
    pair = _by_number(outs, "Table 14.4.2").tlf.body.set_index("Statistic")
    assert pair.loc["Wilcoxon signed-rank p-value", "PD-L1 tumour proportion score (%)"] == "NE"
    efs = _by_number(outs, "Table 14.4.4").tlf.body
    assert (efs["HR (95% CI)"] == "NE (NE, NE)").any()
    availability = _by_number(outs, "Table 14.4.1").tlf.body
    neither = availability.loc[availability.iloc[:, 0].eq("Neither time point")].iloc[0]
    assert neither.iloc[3].startswith("3 ")  # all three patients lack PD-L1 entirely
    if drop_adbm:
        assert pd.Series(pair.loc["Patients with both values, n"]).eq("0").all()


def test_footnotes_say_when_a_rank_test_is_asymptotic(ad, outputs, monkeypatch):
    """SAP 7.6: exact or asymptotic is chosen by the cost of the computation. With the cost
    budget at 0 every rank test and CI critical value is asymptotic, and Tables 14.4.2 and
    14.4.3 say so (with the default budget the shipped trial is all exact: the footnotes
    above)."""
    import osteo_stats.analyse.biomarkers as rank_tests

    monkeypatch.setattr(rank_tests, "EXACT_MAX_CELL_UPDATES", 0)
    monkeypatch.setattr(rank_tests, "EXACT_MAX_SIGNED_RANK", 0)
    default = " ".join(_by_number(outputs, "Table 14.4.3").tlf.footnotes)
    assert "normal approximation" not in default
    asymptotic = build_biomarker_tlfs(ad)
    paired = " ".join(_by_number(asymptotic, "Table 14.4.2").tlf.footnotes)
    response = " ".join(_by_number(asymptotic, "Table 14.4.3").tlf.footnotes)
    assert "normal approximation of the critical value" in paired
    assert "Normal approximation (> 50 non-zero differences)" in paired
    assert "normal approximation with tie and continuity correction" in response
    assert "normal approximation of the critical value" in response
