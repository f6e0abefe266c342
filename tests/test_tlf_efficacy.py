"""Efficacy and design tables (SAP 11.2) on the shipped synthetic trial, at the final cut-off and
at the interim cut-off 2025-01-01.

Reference counts are recomputed here with plain pandas from the analysis datasets (or from the
source columns, for Huvos grades), and reference statistics by calling the analyse functions
directly on ADTTE; the tables must show the same numbers, and every number a table body shows
must be found in that table's ARD rows.
"""

from __future__ import annotations

import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.build import combined_ard
from osteo_stats.tlf.design import build_design_tlfs
from osteo_stats.tlf.efficacy import build_efficacy_tlfs
from osteo_stats.tlf.format import fmt_number

INTERIM = date(2025, 1, 1)
ARD_KEYS = ["analysis_id", "analysis_set", "parameter", "group", "statistic"]


@pytest.fixture(scope="module")
def final(shipped_ad):
    ad = shipped_ad
    return ad, {o.tlf.label: o for o in build_efficacy_tlfs(ad) + build_design_tlfs(ad)}


@pytest.fixture(scope="module")
def interim(shipped_analysis):
    ad = shipped_analysis(INTERIM)
    return ad, {o.tlf.label: o for o in build_efficacy_tlfs(ad)}


@pytest.fixture(params=["final", "interim"])
def built(request, final, interim):
    return {"final": final, "interim": interim}[request.param]


def _fas(ad):
    return ad.adsl.loc[ad.adsl["FASFL"] == "Y"]


def _efs(ad, paramcd="EFS"):
    t = ad.adtte.loc[ad.adtte["PARAMCD"] == paramcd]
    return t["AVALM"].to_numpy(float), (t["CNSR"] == 0).to_numpy()


# --- counts against independent pandas -----------------------------------------------------------


def test_bor_counts_match_pandas(built):
    ad, out = built
    ard = out["Table 14.2.5"].ard
    fas = _fas(ad)
    expected = fas["BOR"].value_counts()
    for level in ("CR", "PR", "SD", "PD", "NE"):
        got = ard.value("EFF-BOR-01", "n", parameter="BOR", group={"BOR": level})
        assert got == expected.get(level, 0)
        assert ard.value("EFF-BOR-01", "N", parameter="BOR", group={"BOR": level}) == len(fas)


#: Clopper-Pearson 95% limits from R 4.2 ``binom.test(x, n)$conf.int`` for the (x, n) of the
#: shipped trial (ORR and DCR, FAS and PPS, at both cut-offs)::
#:
#:     for (p in list(c(6,43), c(37,43), c(6,35), c(35,35)))
#:       print(binom.test(p[1], p[2])$conf.int, digits = 15)
R_BINOM_TEST = {
    (6, 43): (0.0529765738668172, 0.279324800314149),
    (37, 43): (0.720675199685851, 0.947023426133183),
    (6, 35): (0.0656218011562507, 0.336498300018197),
    (35, 35): (0.899967564427895, 1.0),
}


def test_orr_and_dcr_counts_and_exact_ci(built):
    ad, out = built
    ard = out["Table 14.2.6"].ard
    for name, frame in (("FAS", _fas(ad)), ("PPS", _fas(ad).query("PPROTFL == 'Y'"))):
        for param, levels in (("ORR", ["CR", "PR"]), ("DCR", ["CR", "PR", "SD"])):
            x = int(frame["BOR"].isin(levels).sum())
            lower, upper = R_BINOM_TEST[(x, len(frame))]
            keys = {"parameter": param, "analysis_set": name}
            assert ard.value("EFF-ORR-01", "n", **keys) == x
            assert ard.value("EFF-ORR-01", "N", **keys) == len(frame)
            assert ard.value("EFF-ORR-01", "lcl", **keys) == pytest.approx(lower, abs=1e-12)
            assert ard.value("EFF-ORR-01", "ucl", **keys) == pytest.approx(upper, abs=1e-12)
    # no hypothesis test for ORR: the SAP has none (SAP 7.1)
    assert "p_value" not in set(ard.frame["statistic"])


def test_pathology_counts_from_percent_necrosis(built):
    """Huvos grades recomputed from NECRPCT with the SAP 3.4 bounds (I < 50, II < 90, III < 100)."""
    ad, out = built
    ard = out["Table 14.2.7"].ard
    fas = _fas(ad)
    operated = fas["SURGOUT"].isin(["R0", "R1", "R2"])
    grade = pd.cut(
        fas.loc[operated, "NECRPCT"], [0, 50, 90, 100, np.inf], right=False, labels=False
    )
    expected = {g: int((grade == i).sum()) for i, g in enumerate(["I", "II", "III", "IV"])}
    for name, n in (("FAS", len(fas)), ("FAS-OPERATED", int(operated.sum()))):
        for g, k in expected.items():
            keys = {"parameter": "HUVOS", "analysis_set": name, "group": {"HUVOS": g}}
            assert ard.value("EFF-PATH-01", "n", **keys) == k
            assert ard.value("EFF-PATH-01", "N", **keys) == n
        good = expected["III"] + expected["IV"]
        assert ard.value("EFF-PATH-01", "n", parameter="GOODRESP", analysis_set=name) == good
        assert (
            ard.value("EFF-PATH-01", "n", parameter="COMPRESP", analysis_set=name) == expected["IV"]
        )


def test_r0_counts(built):
    ad, out = built
    ard = out["Table 14.2.8"].ard
    fas = _fas(ad)
    operated = fas["SURGOUT"].isin(["R0", "R1", "R2"])
    r0 = int((fas["SURGOUT"] == "R0").sum())
    for name, n in (("FAS", len(fas)), ("FAS-OPERATED", int(operated.sum()))):
        assert ard.value("EFF-R0-01", "n", parameter="R0", analysis_set=name) == r0
        assert ard.value("EFF-R0-01", "N", parameter="R0", analysis_set=name) == n


# --- Kaplan-Meier against R survival on ADTTE ----------------------------------------------------

NA = math.nan

#: R 4.2.2, survival 3.5-3, on the shipped ADTTE (PARAMCD, AVALM, CNSR written to <tag>.csv
#: at the extract's cut-off and at 2025-01-01)::
#:
#:     fit <- survfit(Surv(AVALM, 1 - CNSR) ~ 1, data = s, conf.type = "log-log")
#:     quantile(fit, c(0.5, 0.25, 0.75))                  # (est, lower, upper)
#:     summary(fit, times = c(12, 24, 36), extend = TRUE)  # (surv, lower, n.risk)
#:     quantile(survfit(Surv(AVALM, CNSR) ~ 1, data = s, conf.type = "log-log"), 0.5)$quantile
#:
#: (the last: median follow-up by reverse Kaplan-Meier). NA = not reached. At 36 months with
#: nobody at risk, R's default (``extend = FALSE``) gives no row and ``extend = TRUE`` carries
#: the last estimate forward; the table shows the rate as not estimable (NA).
R_SURVFIT = {
    ("final", "EFS"): {
        "MEDIAN": (16.06570841889117, 13.141683778234086, 29.79876796714579),
        "Q1": (8.870636550308008, 1.7084188911704312, 13.207392197125257),
        "Q3": (NA, 18.661190965092402, NA),
        "MONTHS": {
            12: (0.6829268292682926, 0.5173900911294717, 28),
            24: (0.3569844789356984, 0.21380285534450902, 14),
            36: (NA, NA, 0),
        },
        "FOLLOWUP": 34.72689938398357,
    },
    ("final", "OS"): {
        "MEDIAN": (35.285420944558524, 29.700205338809035, NA),
        "Q1": (24.279260780287473, 14.817248459958932, 30.981519507186857),
        "Q3": (NA, NA, NA),
        "MONTHS": {
            12: (0.9268292682926829, 0.7900463055404313, 38),
            24: (0.77710027100271, 0.6151963791551055, 31),
            36: (0.47626519571690595, 0.3014268547948935, 12),
        },
        "FOLLOWUP": 36.04106776180698,
    },
    ("interim", "EFS"): {
        "MEDIAN": (18.39835728952772, 13.141683778234086, NA),
        "Q1": (8.870636550308008, 1.7084188911704312, 13.207392197125257),
        "Q3": (NA, 18.661190965092402, NA),
        "MONTHS": {
            12: (0.7030917621004168, 0.5362619040516121, 26),
            24: (0.4137424600052453, 0.23629204642998314, 4),
            36: (NA, NA, 0),
        },
        "FOLLOWUP": 20.73100616016427,
    },
    ("interim", "OS"): {
        "MEDIAN": (NA, NA, NA),
        "Q1": (NA, 14.817248459958932, NA),
        "Q3": (NA, NA, NA),
        "MONTHS": {
            12: (0.9268292682926829, 0.7900463055404313, 35),
            24: (0.7784679313459801, 0.5722383844067764, 11),
            36: (NA, NA, 0),
        },
        "FOLLOWUP": 20.303901437371664,
    },
}


@pytest.mark.parametrize(
    ("paramcd", "label", "aid"),
    [("EFS", "Table 14.2.9", "EFF-EFS-01"), ("OS", "Table 14.2.11", "EFF-OS-01")],
)
def test_km_summary_matches_r_survfit(built, paramcd, label, aid):
    ad, out = built
    ard = out[label].ard
    _, event = _efs(ad, paramcd)
    expected = R_SURVFIT[("interim" if ad.cutoff == INTERIM else "final", paramcd)]

    def same(statistic, value, group):
        got = ard.value(aid, statistic, parameter=paramcd, group=group)
        assert (math.isnan(got) and math.isnan(value)) or got == pytest.approx(value, 1e-12), (
            statistic,
            group,
        )

    assert ard.value(aid, "events", parameter=paramcd) == event.sum()
    for key in ("MEDIAN", "Q1", "Q3"):
        for stat, value in zip(("est", "lcl", "ucl"), expected[key], strict=True):
            same(stat, value, {"QUANTILE": key})
    for month, (surv, lower, n_risk) in expected["MONTHS"].items():
        same("est", surv, {"MONTH": month})
        same("lcl", lower, {"MONTH": month})
        same("n_risk", n_risk, {"MONTH": month})
    same("est", expected["FOLLOWUP"], {"FOLLOWUP": "REVERSE KM"})


def test_efs_events_by_rule_add_up(built):
    ad, out = built
    ard = out["Table 14.2.9"].ard
    efs = ad.adtte.loc[ad.adtte["PARAMCD"] == "EFS"]
    by_rule = efs.loc[efs["CNSR"] == 0, "RULE"].str.extract(r"\b(E\d)\b")[0].value_counts()
    for rule in ("E1", "E2", "E3", "E4", "E5", "E6"):
        got = ard.value("EFF-EFS-01", "n", parameter="EFS", group={"EVENT": rule})
        assert got == by_rule.get(rule, 0)


# --- the primary endpoint ------------------------------------------------------------------------


def _cells(output) -> str:
    return " | ".join(" | ".join(map(str, row)) for row in output.tlf.body.itertuples(index=False))


def test_primary_not_available_at_interim(interim):
    ad, out = interim
    primary = out["Table 14.2.1"]
    assert "not yet available at this cut-off" in _cells(primary).lower()
    assert "UMVUE (" not in _cells(primary)
    stats = set(
        primary.ard.frame.loc[primary.ard.frame["group"].str.contains("DESIGN"), "statistic"]
    )
    assert stats == {"boundary"}  # no invented design-based numbers
    pending = int((_fas(ad)["PRIMSTAT"] == "NOT EVALUABLE YET").sum())
    assert pending > 0
    assert primary.ard.value("EFF-PRIM-01", "n", group={"STATUS": "NOT EVALUABLE YET"}) == pending


def test_primary_design_based_inference_at_final(final):
    """14 successes among 43 at the extract's cut-off (13 + PROMIS-01-021, tests/test_sap_rules.py).

    UMVUE, stage-wise p-value and exact 90% CI for x = 14 in the 3/13, 12/43 design at
    p0 = 0.20 from the independent R implementation of the textbook formulas
    (``R_SCRIPT`` in tests/test_two_stage.py, R 4.2.2)."""
    ad, out = final
    primary = out["Table 14.2.1"]
    statuses = _fas(ad)["PRIMSTAT"]
    assert not (statuses == "NOT EVALUABLE YET").any()
    x = int((statuses == "SUCCESS").sum())
    assert x == 14
    umvue, p_value, lower, upper = (
        0.38219262532367232,
        0.026785164568522993,
        0.2173894349633109,
        0.50637461559238894,
    )
    group = {"METHOD": "DESIGN-BASED"}
    ard = primary.ard
    assert ard.value("EFF-PRIM-01", "n", group=group) == 14
    assert ard.value("EFF-PRIM-01", "umvue", group=group) == pytest.approx(umvue, abs=1e-14)
    assert ard.value("EFF-PRIM-01", "p_value", group=group) == pytest.approx(p_value, rel=1e-10)
    assert ard.value("EFF-PRIM-01", "lcl", group=group) == pytest.approx(lower, abs=1e-10)
    assert ard.value("EFF-PRIM-01", "ucl", group=group) == pytest.approx(upper, abs=1e-10)
    assert ard.value("EFF-PRIM-01", "crossed", group=group) == 1.0  # 14 > r = 12
    cells = _cells(primary)
    assert "38.2" in cells  # 100 x UMVUE, one decimal
    assert "H0 rejected" in cells


def test_design_table_values(final):
    """Reference: Simon (1989) Table 1 (optimal 3/13, 12/43, EN(p0) 20.6, PET(p0) 0.75) and the
    exact values printed in SAP 5.4."""
    _, out = final
    ard = out["Table 14.2.2"].ard

    def v(stat, **group):
        return ard.value("DES-SIM-01", stat, parameter="DESIGN", group=group)

    assert v("n", DESIGN="COMPUTED", STAGE="1") == 13
    assert v("boundary", DESIGN="COMPUTED", STAGE="1") == 3
    assert v("n", DESIGN="COMPUTED", STAGE="TOTAL") == 43
    assert v("boundary", DESIGN="COMPUTED", STAGE="TOTAL") == 12
    assert round(v("alpha_attained", DESIGN="STATED", P="0.2"), 4) == 0.0496
    assert round(v("power", DESIGN="STATED", P="0.4"), 4) == 0.8002
    assert round(v("en", DESIGN="STATED", P="0.2"), 2) == 20.58
    sap_5_4 = {0.1: (0.0001, 0.9658), 0.25: (0.1860, 0.5843), 0.5: (0.9526, 0.0461)}
    for p, (reject, pet) in sap_5_4.items():
        assert round(v("power", P=f"{p:g}"), 4) == reject
        assert round(v("pet", P=f"{p:g}"), 4) == pet


# --- traceability: every number in a body is an ARD value ---------------------------------------

_NUMBER = re.compile(r"(?<![\w.<>])-?\d+(?:\.\d+)?(?![\w.])")


def _decimals(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def test_every_body_number_is_an_ard_value(built):
    """Each number shown in a table cell (not the row label) equals some value of that table's ARD
    after display rounding, as itself or as a percentage."""
    _, out = built
    for label, output in out.items():
        if output.tlf.kind != "Table":
            continue
        values = [v for v in output.ard.frame["value"] if not math.isnan(v)]
        for row in output.tlf.body.itertuples(index=False):
            for cell in row[1:]:
                for token in _NUMBER.findall(str(cell)):
                    k = _decimals(token)
                    shown = {fmt_number(v, k) for v in values} | {
                        fmt_number(100 * v, k) for v in values
                    }
                    assert token in shown, f"{label}: {token!r} in {cell!r} is not in the ARD"


def test_a_few_cells_parse_back_to_ard_values(final):
    _, out = final
    efs = out["Table 14.2.9"]
    body = efs.tlf.body.set_index("Statistic")
    median = body.loc["  Median"].iloc[0]
    est = float(median.split(" ")[0])
    assert est == float(
        fmt_number(
            efs.ard.value("EFF-EFS-01", "est", parameter="EFS", group={"QUANTILE": "MEDIAN"}), 1
        )
    )
    bor = out["Table 14.2.5"].tlf.body.set_index("Best overall response")
    pr = bor.loc["Partial response (PR)"].iloc[0]
    n = int(pr.split(" ")[0])
    assert n == out["Table 14.2.5"].ard.value("EFF-BOR-01", "n", group={"BOR": "PR"})


# --- the ARD as a whole --------------------------------------------------------------------------


def test_ard_keys_are_unique_across_outputs(built):
    _, out = built
    frame = combined_ard(list(out.values())).frame
    dup = frame.duplicated(ARD_KEYS, keep=False)
    assert not dup.any(), frame.loc[dup, ARD_KEYS].head()


def test_every_output_has_a_source_line_and_its_ids(built):
    ad, out = built
    for output in out.values():
        tlf = output.tlf
        assert f"data cut-off {ad.cutoff:%Y-%m-%d}" in tlf.source
        assert set(output.ard.frame["analysis_id"]) <= set(tlf.analysis_ids)
        assert (tlf.body is None) == (tlf.kind == "Figure")


def test_degenerate_early_cutoff_does_not_crash(shipped_analysis):
    """Two patients, no events: medians not reached, nothing to fit, yet every TLF is built."""
    ad = shipped_analysis(date(2022, 6, 1))
    outputs = build_efficacy_tlfs(ad)
    efs = next(o for o in outputs if o.tlf.label == "Table 14.2.9")
    assert efs.ard.value("EFF-EFS-01", "events", parameter="EFS") == 0
    assert "NR (NR, NR)" in _cells(efs)


@settings(max_examples=25, derandomize=True, deadline=None)
@given(data=st.data())
def test_ard_round_trips_through_csv(final, data):
    _, out = final
    frame = combined_ard(list(out.values())).frame
    rows = data.draw(st.lists(st.integers(0, len(frame) - 1), min_size=1, max_size=60))
    ard = ARD(frame.iloc[rows].reset_index(drop=True))
    back = ARD.from_csv_text(ard.to_csv_text())
    assert back.frame.drop(columns="value").equals(ard.frame.drop(columns="value"))
    for a, b in zip(ard.frame["value"], back.frame["value"], strict=True):
        assert (math.isnan(a) and math.isnan(b)) or a == b


def test_whole_ard_round_trips(final):
    _, out = final
    ard = combined_ard(list(out.values()))
    back = ARD.from_csv_text(ard.to_csv_text())
    pd.testing.assert_frame_equal(back.frame, ard.frame, check_dtype=False)
