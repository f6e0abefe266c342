"""Safety TLFs (SAP 9.2): every AE table reproduced from ADAE with an independent groupby.

The expected counts below are written from the SAP 9.2 counting rule, not from the package's
helpers: per row, ``groupby(row keys + USUBJID)["AETOXGR"].max()`` gives each patient's worst
grade (pandas ``max`` skips a missing grade, so a missing grade never outranks a real one and
is the worst only when every record of the row lacks a grade); the patients are then tallied by
grade. This is done on the synthetic trial at the final and the 2025-01-01 cut-off, and on
hand-made cases whose expected numbers are written out by hand.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from osteo_stats.tlf.ard import group_label
from osteo_stats.tlf.safety import build_safety_tlfs

GRADES = ("1", "2", "3", "4", "5")
CLAVIEN = ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V")


@pytest.fixture(scope="module", params=[None, date(2025, 1, 1)], ids=["final", "2025-01-01"])
def ad(request, shipped_analysis):
    return shipped_analysis(request.param)


@pytest.fixture(scope="module")
def tlfs(ad):
    return {o.tlf.label: o for o in build_safety_tlfs(ad)}


def saf_ids(ad) -> pd.Series:
    """SAF at the cut-off: SAFFL = Y and a first dose on or before it."""
    return ad.adsl.loc[(ad.adsl["SAFFL"] == "Y") & ad.adsl["TRTSDT"].notna(), "USUBJID"]


def teae(ad) -> pd.DataFrame:
    saf = saf_ids(ad)
    return ad.adae.loc[(ad.adae["TRTEMFL"] == "Y") & ad.adae["USUBJID"].isin(saf)]


def n_saf(ad) -> int:
    return len(saf_ids(ad))


# --- the independent reference ---------------------------------------------------------------


def expected_by_grade(records: pd.DataFrame, section: dict, codes=None, grade="AETOXGR"):
    """{ARD group label: n} for the any/SOC/PT rows, by the SAP 9.2 rule."""
    out = {}
    for keys in ([], ["AEBODSYS"], ["AEBODSYS", "AEDECOD"]):
        worst = records.groupby([*keys, "USUBJID"])[grade].max()
        levels = keys[0] if len(keys) == 1 else keys
        rows = worst.groupby(level=levels) if keys else [((), worst)]
        for key, ranks in rows:
            key = key if isinstance(key, tuple) else (key,)
            base = dict(section) | dict(zip(keys, key, strict=True))
            counts = {g: int((ranks == i + 1).sum()) for i, g in enumerate(codes or GRADES)}
            counts |= {"ANY": len(ranks)}
            if codes is None:
                counts |= {"MISSING": int(ranks.isna().sum()), "GE3": int((ranks >= 3).sum())}
            else:
                counts |= {"GEIIIA": int((ranks >= 3).sum())}
            for code, n in counts.items():
                out[group_label(base | {"GRADE": code})] = n
    if records.empty:
        codes_all = [*(codes or GRADES), "ANY"]
        codes_all += ["MISSING", "GE3"] if codes is None else ["GEIIIA"]
        out = {group_label(dict(section) | {"GRADE": c}): 0 for c in codes_all}
    return out


def ard_counts(output, section_key: str | None = None, section_value=None) -> dict:
    frame = output.ard.frame
    frame = frame.loc[frame["statistic"] == "n"]
    if section_key is not None:
        frame = frame.loc[frame["group"].str.startswith(f"{section_key}={section_value};")]
    return dict(zip(frame["group"], frame["value"].astype(int), strict=True))


def only(counts: dict, codes: tuple[str, ...]) -> dict:
    return {k: v for k, v in counts.items() if k.rsplit("GRADE=", 1)[1] in codes}


# --- synthetic trial, both cut-offs ----------------------------------------------------------


def test_14_3_3_matches_groupby(ad, tlfs):
    out = tlfs["Table 14.3.3"]
    assert ard_counts(out) == expected_by_grade(teae(ad), {})
    assert out.ard.value("SAF-AE-03", "N", parameter="TEAE") == n_saf(ad)
    assert out.tlf.landscape


def test_14_3_2_matches_groupby(ad, tlfs):
    expected = only(expected_by_grade(teae(ad), {}), ("ANY", "GE3"))
    assert ard_counts(tlfs["Table 14.3.2"]) == expected


def test_14_3_4_subsets_match_groupby(ad, tlfs):
    te = teae(ad)
    related = te[["AERELSB", "AERELPD", "AERELGM"]].eq("Y")
    out = tlfs["Table 14.3.4.1"]
    for name, mask in (
        ("ANY", related.any(axis=1)),
        ("SBRT", related["AERELSB"]),
        ("PENPULIMAB", related["AERELPD"]),
        ("GEMCITABINE", related["AERELGM"]),
    ):
        got = ard_counts(out, "RELATED", name)
        assert got == expected_by_grade(te.loc[mask], {"RELATED": name}), name
    irae = te.loc[te["AEIRFL"] == "Y"]
    assert ard_counts(tlfs["Table 14.3.4.2"]) == expected_by_grade(irae, {})
    serious = te.loc[te["AESER"] == "Y"]
    assert ard_counts(tlfs["Table 14.3.4.3"]) == expected_by_grade(serious, {})


def test_14_3_4_4_by_phase_matches_groupby(ad, tlfs):
    te = teae(ad)
    out = tlfs["Table 14.3.4.4"]
    n_rows = len(only(expected_by_grade(te, {}), ("ANY",)))
    for phase in ("PRE-OPERATIVE", "PERI-OPERATIVE", "POST-OPERATIVE/MAINTENANCE"):
        expected = only(expected_by_grade(te.loc[te["APHASE"] == phase], {"APHASE": phase}),
                        ("ANY", "GE3"))  # fmt: skip
        got = ard_counts(out, "APHASE", phase)
        # rows of terms not seen in this phase are present with zero counts
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
        assert len(got) == 2 * n_rows


def test_14_3_4_6_clavien_dindo_matches_groupby(ad, tlfs):
    saf = ad.adsl.loc[ad.adsl["SAFFL"] == "Y"]
    operated = saf.loc[saf["SURGOUT"].isin(["R0", "R1", "R2"]) & saf["SURGDT"].notna()]
    te = teae(ad)
    cd = te.loc[te["AECLAVDN"].notna() & te["USUBJID"].isin(operated["USUBJID"])].copy()
    cd["RANK"] = pd.Categorical(cd["AECLAVDN"], categories=CLAVIEN, ordered=True).codes + 1
    out = tlfs["Table 14.3.4.6"]
    assert ard_counts(out) == expected_by_grade(cd, {}, codes=CLAVIEN, grade="RANK")
    assert out.ard.value("SAF-SURG-01", "N", parameter="SURGICAL COMPLICATION") == len(operated)
    assert set(out.ard.frame["analysis_set"]) == {"SAF-OPERATED"}


def test_14_3_1_overview_matches_direct_counts(ad, tlfs):
    te = teae(ad)
    out = tlfs["Table 14.3.1"]

    def patients(mask):
        return te.loc[mask.fillna(False).astype(bool), "USUBJID"].nunique()

    expected = {
        "ANY": te["USUBJID"].nunique(),
        "GRADE GE 3": patients(te["AETOXGR"] >= 3),
        "GRADE 4": patients(te["AETOXGR"] == 4),
        "GRADE 5": patients(te["AETOXGR"] == 5),
        "SERIOUS": patients(te["AESER"] == "Y"),
        "RELATED ANY": patients(te[["AERELSB", "AERELPD", "AERELGM"]].eq("Y").any(axis=1)),
        "RELATED SBRT": patients(te["AERELSB"] == "Y"),
        "RELATED PENPULIMAB": patients(te["AERELPD"] == "Y"),
        "RELATED GEMCITABINE": patients(te["AERELGM"] == "Y"),
        "IMMUNE-RELATED": patients(te["AEIRFL"] == "Y"),
        "DISCONTINUATION": patients(te["AEACN"] == "DRUG WITHDRAWN"),
        "SURGERY DELAY": patients(te["AESDLYFL"] == "Y"),
        "CLAVIEN-DINDO ANY": patients(te["AECLAVDN"].notna()),
        "GRADE MISSING": patients(te["AETOXGR"].isna()),
    }
    for row, n in expected.items():
        assert out.ard.value("SAF-AE-01", "n", group={"ROW": row}) == n, row
    body = dict(zip(out.tlf.body["Category"], out.tlf.body["n (%)"], strict=True))
    n = n_saf(ad)
    assert body["Any TEAE"] == f"{expected['ANY']} ({100 * expected['ANY'] / n:.1f})"


def test_sorting_by_frequency_then_alphabetical(ad, tlfs):
    te = teae(ad)
    body = tlfs["Table 14.3.3"].tlf.body
    socs = [s for s in body["System organ class"] if s not in ("", "Any TEAE")]
    freq = te.groupby("AEBODSYS")["USUBJID"].nunique()
    assert socs == sorted(freq.index, key=lambda s: (-freq[s], s))
    pt_freq = te.groupby(["AEBODSYS", "AEDECOD"])["USUBJID"].nunique()
    current, terms = None, {}
    for soc, pt in zip(body["System organ class"], body["Preferred term"], strict=True):
        if soc and soc != "Any TEAE":
            current = soc
        elif pt:
            terms.setdefault(current, []).append(pt)
    for soc, pts in terms.items():
        assert pts == sorted(pts, key=lambda p: (-pt_freq[(soc, p)], p)), soc


def test_deaths_table(ad, tlfs):
    saf = ad.adsl.loc[ad.adsl["SAFFL"] == "Y"]
    dead = saf.loc[saf["DTHDT"].notna()]
    out = tlfs["Table 14.3.4.5"]
    assert out.ard.value("SAF-DTH-01", "n", group={"ROW": "ANY"}) == len(dead)
    for cause in ("DISEASE PROGRESSION", "TREATMENT-RELATED", "OTHER"):
        n = out.ard.value("SAF-DTH-01", "n", group={"ROW": "CAUSE", "DTHCAUS": cause})
        assert n == (dead["DTHCAUS"] == cause).sum()
    days = (dead["DTHDT"] - dead["TRTEDT"]).dt.days
    assert out.ard.value("SAF-DTH-01", "n", group={"ROW": "WITHIN 30 DAYS"}) == (
        days.between(0, 30).sum()
    )


def test_listings_are_sorted_teae_records(ad, tlfs):
    te = teae(ad)
    for label, mask in (
        ("Listing 16.2.7.1", te["AESER"] == "Y"),
        ("Listing 16.2.7.2", (te["AETOXGR"] >= 3).fillna(False).astype(bool)),
        ("Listing 16.2.7.3", te["AEIRFL"] == "Y"),
        ("Listing 16.2.7.5", te["AECLAVDN"].notna()),
    ):
        out = tlfs[label]
        body = out.tlf.body
        expected = te.loc[mask].sort_values(["USUBJID", "ASTDT", "AESEQ"], na_position="last")
        assert list(body["Patient"]) == list(expected["USUBJID"]), label
        assert list(body["AE no."]) == [str(s) for s in expected["AESEQ"]], label
        assert list(body["Verbatim term"]) == list(expected["AETERM"]), label
        assert out.ard.frame.empty
        assert all(isinstance(cell, str) for cell in body.to_numpy().ravel())
    deaths = tlfs["Listing 16.2.7.4"].tlf.body
    fas = ad.adsl.loc[ad.adsl["FASFL"] == "Y"]
    assert list(deaths["Patient"]) == sorted(fas.loc[fas["DTHDT"].notna(), "USUBJID"])
    utox = tlfs["Listing 16.2.7.6"].tlf.body
    saf = ad.adsl.loc[ad.adsl["SAFFL"] == "Y"]
    assert list(utox["Patient"]) == sorted(saf.loc[saf["UTOXFL"] == "Y", "USUBJID"])


def test_every_table_is_numbered_titled_and_sourced(ad, tlfs):
    expected = {
        "Table 14.3.1": "Overview of treatment-emergent adverse events",
        "Table 14.3.2": "TEAEs by SOC and preferred term: all grades and grade >= 3",
        "Table 14.3.3": "TEAEs by SOC, preferred term and maximum grade",
        "Table 14.3.4.5": "Deaths",
        "Table 14.3.4.6": "Surgical complications by Clavien-Dindo grade",
        "Listing 16.2.7.1": "Serious adverse events",
        "Listing 16.2.7.6": "Unacceptable toxicities (SAP 9.4 components)",
        "Listing 16.2.7.7": "Serious adverse events at any time, inside or outside the TEAE window",
        "Listing 16.2.7.8": "Adverse events of special interest, at any time",
        "Listing 16.2.7.9": "Adverse events new since the previous DMC report",
    }
    for label, title in expected.items():
        assert tlfs[label].tlf.title == title
    assert len(tlfs) == 18
    for out in tlfs.values():
        assert f"data cut-off {ad.cutoff:%Y-%m-%d}" in out.tlf.source
        for aid in out.tlf.analysis_ids:
            assert aid in out.tlf.source
            assert set(out.ard.frame["analysis_id"]) == {aid}


# --- hand-made cases -------------------------------------------------------------------------


HOSTILE = '=HYPERLINK("http://x");<script>alert(1)</script> a=b; c\\d'


def _ae(usubjid, seq, soc, pt, grade, **extra):
    row = dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        AESEQ=seq,
        AETERM=pt.lower(),
        AEDECOD=pt,
        AEBODSYS=soc,
        AETOXGR=grade,
        AESER="N",
        AERELSB="N",
        AERELPD="N",
        AERELGM="N",
        AEIRFL="N",
        ASTDT=pd.Timestamp("2023-01-10") + pd.Timedelta(days=seq),
        ASTDTF="",
        AENDT=pd.NaT,
        AENDTF="",
        AEACN="DOSE NOT CHANGED",
        AEOUT="RECOVERING/RESOLVING",
        AECLAVDN=None,
        AESDLYFL="N",
        TRTEMFL="Y",
        ASTDY=seq,
        APHASE="PRE-OPERATIVE",
    )
    row.update(extra)
    return row


GI, SKIN, GEN = (
    "Gastrointestinal disorders",
    "Skin and subcutaneous tissue disorders",
    "General disorders and administration site conditions",
)


@pytest.fixture(scope="module")
def handmade(shipped_ad):
    """Three SAF patients: A has Nausea at grades 1 and 3 (same term, two grades); B has Nausea
    grade 2 and Rash grade 1 (two SOCs); C has Nausea grade 2 plus Nausea with a missing grade,
    and Fatigue with only a missing grade. A pre-treatment AE (TRTEMFL = N) must be ignored."""
    ad = shipped_ad
    adsl = ad.adsl.loc[ad.adsl["SAFFL"] == "Y"].head(3).copy()
    a, b, c = adsl["USUBJID"]
    rows = [
        _ae(a, 1, GI, "Nausea", 1),
        _ae(a, 2, GI, "Nausea", 3, AESER="Y", AETERM=HOSTILE, ASTDTF="D"),
        _ae(b, 1, GI, "Nausea", 2),
        _ae(b, 2, SKIN, "Rash", 1),
        _ae(c, 1, GI, "Nausea", 2),
        _ae(c, 2, GI, "Nausea", None),
        _ae(c, 3, GEN, "Fatigue", None),
        _ae(c, 4, GI, "Vomiting", 4, TRTEMFL="N", APHASE="PRE-TREATMENT"),
    ]
    adae = pd.DataFrame(rows)
    adae["AETOXGR"] = adae["AETOXGR"].astype("Int64")
    small = dataclasses.replace(ad, adsl=adsl.reset_index(drop=True), adae=adae)
    return small, {o.tlf.label: o for o in build_safety_tlfs(small)}, (a, b, c)


def _n(out, **group):
    return int(out.ard.value(out.tlf.analysis_ids[0], "n", group=group))


def test_handmade_by_grade_counts_written_out(handmade):
    _, tlfs, _ = handmade
    out = tlfs["Table 14.3.3"]
    # Any TEAE: A worst 3; B worst 2; C worst 2 (the missing grades never outrank grade 2).
    assert [_n(out, GRADE=g) for g in ("1", "2", "3", "4", "5", "MISSING", "ANY", "GE3")] == [
        0, 2, 1, 0, 0, 0, 3, 1,
    ]  # fmt: skip
    nausea = {"AEBODSYS": GI, "AEDECOD": "Nausea"}
    assert [_n(out, **nausea, GRADE=g) for g in ("1", "2", "3", "MISSING", "ANY", "GE3")] == [
        0, 2, 1, 0, 3, 1,
    ]  # fmt: skip
    # B is in two SOCs: counted once in each SOC row, once in "any".
    assert _n(out, AEBODSYS=SKIN, GRADE="1") == 1
    assert _n(out, AEBODSYS=GI, GRADE="ANY") == 3
    # Fatigue has only a missing grade: Missing and Any, never >= 3.
    fatigue = {"AEBODSYS": GEN, "AEDECOD": "Fatigue"}
    assert [_n(out, **fatigue, GRADE=g) for g in ("MISSING", "ANY", "GE3")] == [1, 1, 0]
    # the pre-treatment Vomiting (TRTEMFL = N) is not counted anywhere
    assert not out.ard.frame["group"].str.contains("Vomiting").any()
    # body: sorted GI (3) then General (1) and Skin (1) alphabetically; Missing column shown
    body = out.tlf.body
    assert list(body["System organ class"]) == ["Any TEAE", GI, "", GEN, "", SKIN, ""]
    assert list(body.columns[-3:]) == ["Grade missing", "Any grade", "Grade >= 3"]
    assert body.iloc[1].tolist()[2:] == ["0", "2 (66.7)", "1 (33.3)", "0", "0", "0", "3 (100)",
                                         "1 (33.3)"]  # fmt: skip
    assert any("no CTCAE grade" in note for note in out.tlf.footnotes)


def test_handmade_matches_groupby_and_overview(handmade):
    small, tlfs, _ = handmade
    te = small.adae.loc[small.adae["TRTEMFL"] == "Y"]
    assert ard_counts(tlfs["Table 14.3.3"]) == expected_by_grade(te, {})
    overview = tlfs["Table 14.3.1"]
    assert _n(overview, ROW="ANY") == 3
    assert _n(overview, ROW="GRADE GE 3") == 1
    assert _n(overview, ROW="GRADE 4") == 0
    assert _n(overview, ROW="SERIOUS") == 1
    assert _n(overview, ROW="GRADE MISSING") == 1
    # empty subsets still give a valid table with the "any" row at zero
    irae = tlfs["Table 14.3.4.2"]
    assert _n(irae, GRADE="ANY") == 0
    assert list(irae.tlf.body["System organ class"]) == ["Any TEAE"]


def test_handmade_listing_keeps_hostile_text_and_imputation_flag(handmade):
    _, tlfs, (a, _, _) = handmade
    sae = tlfs["Listing 16.2.7.1"].tlf.body
    assert list(sae["Patient"]) == [a]
    assert sae.loc[0, "Verbatim term"] == HOSTILE
    assert sae.loc[0, "Onset"] == "2023-01-12 (D)"
    assert sae.loc[0, "End"] == "Ongoing"
    grade3 = tlfs["Listing 16.2.7.2"].tlf.body
    assert list(grade3["Grade"]) == ["3"]  # the missing grades do not qualify for >= 3


def test_patient_not_yet_dosed_is_not_in_the_saf(shipped_analysis):
    """At 2022-04-28 the only enrolled patient is dosed on 2022-05-04: SAF N = 0."""
    early = shipped_analysis(date(2022, 4, 28))
    overview = build_safety_tlfs(early)[0]
    assert overview.ard.value("SAF-AE-01", "N", parameter="TEAE") == 0
    assert overview.tlf.analysis_set == "Safety analysis set (N = 0)"
