"""Safety derivations (SAP 9.1, 9.2, 9.4) on small hand-made ADSL/ADAE frames.

Each frame is typed as the loader delivers it: dates ``datetime64[ns]`` (NaT when missing),
flags ``"Y"``/``"N"``, ``AETOXGR`` nullable ``Int64``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from osteo_stats.derive.cutoff import cut_trial
from osteo_stats.derive.safety import (
    PHASE_PERI,
    PHASE_POST,
    PHASE_PRE,
    PHASE_PRETREATMENT,
    PHASE_UNKNOWN,
    derive_ae_phase,
    derive_teae,
    derive_unacceptable_toxicity,
    derive_worst_grade,
)
from osteo_stats.sap import load_sap

SAP = load_sap()
CUTOFF = pd.Timestamp("2026-06-30")
FIRST_DOSE = pd.Timestamp("2026-01-05")
LAST_DOSE = pd.Timestamp("2026-04-01")
PLANNED = pd.Timestamp("2026-03-02")  # protocol week 8
D = pd.Timedelta(days=1)

ENROLLED = pd.Timestamp("2026-01-02")

ADSL_DATES = ["ENRLDT", "TRTSDT", "TRTEDT", "SURGPLDT", "SURGDT", "DTHDT", "EOSDT"]


def make_adsl(*rows: dict) -> pd.DataFrame:
    """ADSL rows with study-typical defaults: dosed, operated on the planned date, alive."""
    base = {
        "STUDYID": "PROMIS",
        "ENRLDT": ENROLLED,
        "TRTSDT": FIRST_DOSE,
        "TRTEDT": LAST_DOSE,
        "SURGPLDT": PLANNED,
        "SURGDT": PLANNED,
        "SURGOUT": "R0",
        "SURGNDRS": None,
        "DTHDT": pd.NaT,
        "DTHCAUS": None,
        "EOSSTT": "ONGOING",
        "EOSDT": pd.NaT,
        "SAFFL": "Y",
    }
    frame = pd.DataFrame([base | row for row in rows])
    for column in ADSL_DATES:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def make_adae(*rows: dict) -> pd.DataFrame:
    base = {
        "STUDYID": "PROMIS",
        "AEBODSYS": "Gastrointestinal disorders",
        "AEDECOD": "Nausea",
        "AETOXGR": 1,
        "AESER": "N",
        "AERELSB": "N",
        "AERELPD": "N",
        "AERELGM": "N",
        "AEIRFL": "N",
        "ASTDTF": "",
        "AESDLYFL": "N",
    }
    frame = pd.DataFrame([base | row for row in rows])
    frame["AESEQ"] = frame.groupby("USUBJID").cumcount() + 1
    frame["AETOXGR"] = frame["AETOXGR"].astype("Int64")
    frame["ASTDT"] = pd.to_datetime(frame["ASTDT"]).astype("datetime64[ns]")
    return frame


_NONE = pd.DataFrame({"USUBJID": pd.Series([], dtype=object)})


def at_cutoff(adsl, adae, cutoff=CUTOFF, sap_safety=SAP.safety):
    """ADSL and ADAE (with TRTEMFL) as the analysis derives them: the SAP 6.2 cut first
    (:func:`osteo_stats.derive.cutoff.cut_trial`), then the TEAE flag."""
    none = dict.fromkeys(("adrs", "adtr", "adex", "adbm", "adlb"), _NONE)
    snap = cut_trial(cutoff=cutoff, adsl=adsl, adae=adae, **none)
    return snap.adsl, derive_teae(snap.adae, snap.adsl, sap_safety)


# --- TRTEMFL and ASTDY (SAP 9.1, 8.3) -----------------------------------------------------------


@pytest.fixture
def teae() -> pd.DataFrame:
    last = LAST_DOSE - 10 * D  # so that last dose + 91 days is still before the cut-off
    adsl = make_adsl(
        {"USUBJID": "P01", "TRTEDT": last},
        {"USUBJID": "P02", "TRTSDT": pd.NaT, "TRTEDT": pd.NaT, "SAFFL": "N"},
        {"USUBJID": "P03", "TRTEDT": pd.NaT},  # still on treatment: no last dose yet
        {"USUBJID": "P04", "TRTSDT": CUTOFF + D, "TRTEDT": CUTOFF + 10 * D},
    )
    adae = make_adae(
        {"USUBJID": "P01", "AETERM": "day 30", "ASTDT": last + 30 * D},
        {"USUBJID": "P01", "AETERM": "day 31", "ASTDT": last + 31 * D},
        {"USUBJID": "P01", "AETERM": "ir day 90", "ASTDT": last + 90 * D, "AEIRFL": "Y"},
        {"USUBJID": "P01", "AETERM": "ir day 91", "ASTDT": last + 91 * D, "AEIRFL": "Y"},
        {"USUBJID": "P01", "AETERM": "missing onset", "ASTDT": pd.NaT},
        {"USUBJID": "P01", "AETERM": "day before dose", "ASTDT": FIRST_DOSE - D},
        {"USUBJID": "P01", "AETERM": "first dose day", "ASTDT": FIRST_DOSE},
        {"USUBJID": "P01", "AETERM": "day 30 of study", "ASTDT": FIRST_DOSE + 29 * D},
        {"USUBJID": "P01", "AETERM": "after cut-off", "ASTDT": CUTOFF + D, "AEIRFL": "Y"},
        {"USUBJID": "P01", "AETERM": "on cut-off", "ASTDT": CUTOFF, "AEIRFL": "Y"},
        {"USUBJID": "P02", "AETERM": "never dosed", "ASTDT": FIRST_DOSE},
        {"USUBJID": "P02", "AETERM": "never dosed, no onset", "ASTDT": pd.NaT},
        {"USUBJID": "P03", "AETERM": "ongoing treatment", "ASTDT": CUTOFF - D},
        {"USUBJID": "P04", "AETERM": "dosed after cut-off", "ASTDT": CUTOFF - D},
    )
    return at_cutoff(adsl, adae)[1].set_index("AETERM")


@pytest.mark.parametrize(
    ("term", "flag"),
    [
        ("day 30", "Y"),
        ("day 31", "N"),
        ("ir day 90", "Y"),
        ("ir day 91", "N"),
        ("missing onset", "Y"),
        ("day before dose", "N"),
        ("first dose day", "Y"),
        ("never dosed", "N"),
        ("never dosed, no onset", "N"),
        ("ongoing treatment", "Y"),
        ("dosed after cut-off", "N"),
    ],
)
def test_teae_window(teae, term, flag):
    assert teae.loc[term, "TRTEMFL"] == flag


def test_records_after_the_cutoff_do_not_exist(teae):
    assert "after cut-off" not in teae.index
    assert "on cut-off" in teae.index
    assert "missing onset" in teae.index  # cannot be placed, kept (SAP 8.3)
    assert len(teae) == 13


def test_study_day_has_no_day_zero(teae):
    assert teae.loc["first dose day", "ASTDY"] == 1
    assert teae.loc["day before dose", "ASTDY"] == -1
    assert teae.loc["day 30 of study", "ASTDY"] == 30
    assert pd.isna(teae.loc["missing onset", "ASTDY"])
    assert pd.isna(teae.loc["never dosed", "ASTDY"])
    assert str(teae["ASTDY"].dtype) == "Int64"


def test_teae_keeps_the_input_columns(teae):
    assert {"ASTDTF", "AETOXGR", "AESEQ", "TRTEMFL", "ASTDY"} <= set(teae.columns)


def test_teae_window_comes_from_the_sap():
    shorter = SAP.safety.model_copy(update={"teae_window_days": 10})
    adsl = make_adsl({"USUBJID": "P01"})
    adae = make_adae({"USUBJID": "P01", "AETERM": "x", "ASTDT": LAST_DOSE + 11 * D})
    assert at_cutoff(adsl, adae, sap_safety=shorter)[1]["TRTEMFL"].tolist() == ["N"]
    assert at_cutoff(adsl, adae)[1]["TRTEMFL"].tolist() == ["Y"]


# --- APHASE (SAP 9.2) ----------------------------------------------------------------------------


def test_phases():
    surgery = PLANNED
    adsl = make_adsl(
        {"USUBJID": "P01", "SURGDT": surgery},
        {"USUBJID": "P02", "SURGDT": pd.NaT, "SURGOUT": "NOT DONE", "SURGNDRS": "PROGRESSION"},
        {"USUBJID": "P03", "SURGDT": pd.NaT, "SURGOUT": "PENDING"},
        {
            "USUBJID": "P04",
            "TRTSDT": pd.NaT,
            "TRTEDT": pd.NaT,
            "SURGDT": pd.NaT,
            "SURGOUT": "NOT DONE",
            "SURGNDRS": "WITHDRAWAL",
            "SAFFL": "N",
        },
    )
    cases = [
        ("P01", FIRST_DOSE - D, PHASE_PRETREATMENT),
        ("P01", FIRST_DOSE, PHASE_PRE),
        ("P01", surgery - D, PHASE_PRE),
        ("P01", surgery, PHASE_PERI),
        ("P01", surgery + 30 * D, PHASE_PERI),
        ("P01", surgery + 31 * D, PHASE_POST),
        ("P01", pd.NaT, PHASE_UNKNOWN),
        ("P02", surgery + 60 * D, PHASE_PRE),
        ("P03", surgery + 20 * D, PHASE_PRE),
        ("P04", FIRST_DOSE, PHASE_PRETREATMENT),
    ]
    adae = make_adae(
        *({"USUBJID": s, "AETERM": f"case {i}", "ASTDT": d} for i, (s, d, _) in enumerate(cases))
    )
    out = derive_ae_phase(adae, adsl, SAP.safety)
    assert out["APHASE"].tolist() == [phase for *_, phase in cases]
    assert out.index.equals(adae.index)


# --- Worst grade (SAP 9.2) -----------------------------------------------------------------------


@pytest.fixture
def graded() -> pd.DataFrame:
    gi, skin = "Gastrointestinal disorders", "Skin and subcutaneous tissue disorders"
    return make_adae(
        # P01: nausea twice (grade 1 then 3), and a rash in a second SOC at grade 2 and missing
        {"USUBJID": "P01", "AEBODSYS": gi, "AEDECOD": "Nausea", "AETOXGR": 1, "ASTDT": FIRST_DOSE},
        {
            "USUBJID": "P01",
            "AEBODSYS": gi,
            "AEDECOD": "Nausea",
            "AETOXGR": 3,
            "ASTDT": FIRST_DOSE + 9 * D,
        },
        {
            "USUBJID": "P01",
            "AEBODSYS": gi,
            "AEDECOD": "Diarrhoea",
            "AETOXGR": 2,
            "ASTDT": FIRST_DOSE + 2 * D,
        },
        {
            "USUBJID": "P01",
            "AEBODSYS": skin,
            "AEDECOD": "Rash",
            "AETOXGR": None,
            "ASTDT": FIRST_DOSE + 3 * D,
        },
        {
            "USUBJID": "P01",
            "AEBODSYS": skin,
            "AEDECOD": "Rash",
            "AETOXGR": 2,
            "ASTDT": FIRST_DOSE + 4 * D,
        },
        # P02: only a missing grade
        {
            "USUBJID": "P02",
            "AEBODSYS": gi,
            "AEDECOD": "Nausea",
            "AETOXGR": None,
            "ASTDT": FIRST_DOSE,
        },
        # P03: grade 5 beats everything
        {"USUBJID": "P03", "AEBODSYS": gi, "AEDECOD": "Nausea", "AETOXGR": 5, "ASTDT": FIRST_DOSE},
        {"USUBJID": "P03", "AEBODSYS": gi, "AEDECOD": "Nausea", "AETOXGR": 2, "ASTDT": FIRST_DOSE},
    )


def _independent_worst(adae: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Worst grade written independently: sort worst-first (missing last), keep the first row."""
    ordered = adae.assign(_g=adae["AETOXGR"].astype("float")).sort_values(
        "_g", ascending=False, na_position="last", kind="stable"
    )
    first = ordered.drop_duplicates(by).sort_values(by).reset_index(drop=True)
    return first[by].assign(AETOXGR=first["AETOXGR"].astype("Int64"))


def test_worst_grade_per_term(graded):
    out = derive_worst_grade(graded)
    by = ["USUBJID", "AEBODSYS", "AEDECOD"]
    assert list(out.columns) == [*by, "AETOXGR", "GRMISFL"]
    pd.testing.assert_frame_equal(out[[*by, "AETOXGR"]], _independent_worst(graded, by))
    worst = out.set_index(["USUBJID", "AEDECOD"])
    assert worst.loc[("P01", "Nausea"), "AETOXGR"] == 3  # same term at two grades
    assert worst.loc[("P01", "Rash"), "AETOXGR"] == 2  # missing never outranks a real grade
    assert worst.loc[("P01", "Rash"), "GRMISFL"] == "Y"
    assert worst.loc[("P01", "Nausea"), "GRMISFL"] == "N"
    assert pd.isna(worst.loc[("P02", "Nausea"), "AETOXGR"])  # all missing: missing
    assert worst.loc[("P02", "Nausea"), "GRMISFL"] == "Y"
    assert worst.loc[("P03", "Nausea"), "AETOXGR"] == 5
    assert str(out["AETOXGR"].dtype) == "Int64"
    assert len(out) == 5  # one row per patient per term


def test_worst_grade_per_soc(graded):
    by = ["USUBJID", "AEBODSYS"]
    out = derive_worst_grade(graded, by=by)
    pd.testing.assert_frame_equal(out[[*by, "AETOXGR"]], _independent_worst(graded, by))
    worst = out.set_index(by)["AETOXGR"]
    # the patient in two SOCs counts once in each
    assert worst.loc[("P01", "Gastrointestinal disorders")] == 3
    assert worst.loc[("P01", "Skin and subcutaneous tissue disorders")] == 2
    assert out.groupby("USUBJID").size().to_dict() == {"P01": 2, "P02": 1, "P03": 1}


def test_worst_grade_per_patient(graded):
    out = derive_worst_grade(graded, by=("USUBJID",))
    assert out["AETOXGR"].tolist() == [3, pd.NA, 5]


# --- Unacceptable toxicity and evaluability (SAP 9.4) --------------------------------------------

HAEM_SOC = "Blood and lymphatic system disorders"
REL_GM = {"AERELGM": "Y"}
ONSET = FIRST_DOSE + 20 * D  # before the planned surgery


@pytest.fixture
def utox() -> pd.DataFrame:
    # surgery pending at the cut-off, pre-operative therapy still ongoing (no last dose yet)
    not_operated = {"SURGDT": pd.NaT, "SURGOUT": "PENDING", "TRTEDT": pd.NaT}
    adsl = make_adsl(
        {"USUBJID": "IR3"},
        {"USUBJID": "IR2"},
        {"USUBJID": "REL3"},
        {"USUBJID": "HAEMSOC4"},
        {"USUBJID": "HAEMPT4"},
        {"USUBJID": "UNREL4"},
        {"USUBJID": "REL4"},
        {"USUBJID": "HAEM5"},
        {
            "USUBJID": "DTHCAUS",
            "DTHDT": PLANNED - 5 * D,
            "DTHCAUS": "TREATMENT-RELATED",
            "SURGDT": pd.NaT,
            "SURGOUT": "NOT DONE",
            "SURGNDRS": "DEATH",
            "TRTEDT": ONSET,
        },
        {"USUBJID": "DTHLATE", "DTHDT": CUTOFF + D, "DTHCAUS": "TREATMENT-RELATED"},
        {"USUBJID": "DLY28", "SURGDT": PLANNED + 28 * D},
        {"USUBJID": "DLY29", "SURGDT": PLANNED + 29 * D},
        {"USUBJID": "DLY40NOAE", "SURGDT": PLANNED + 40 * D},
        {"USUBJID": "PEND35", "SURGPLDT": CUTOFF - 35 * D, **not_operated},
        {"USUBJID": "PEND20", "SURGPLDT": CUTOFF - 20 * D, **not_operated},
        {
            "USUBJID": "CANCEL",
            "SURGDT": pd.NaT,
            "SURGOUT": "NOT DONE",
            "SURGNDRS": "TOXICITY",
            "TRTEDT": FIRST_DOSE + 30 * D,
        },
        {
            "USUBJID": "NODOSE",
            "TRTSDT": pd.NaT,
            "TRTEDT": pd.NaT,
            "SAFFL": "N",
            "SURGDT": pd.NaT,
            "SURGOUT": "NOT DONE",
            "SURGNDRS": "WITHDRAWAL",
        },
        {"USUBJID": "LATEAE"},
        {"USUBJID": "MULTI"},
        {"USUBJID": "NOGRADE"},
        {"USUBJID": "NOONSET", **not_operated},
        {
            "USUBJID": "PROGNOSURG",
            "SURGDT": pd.NaT,
            "SURGOUT": "NOT DONE",
            "SURGNDRS": "PROGRESSION",
            "TRTEDT": FIRST_DOSE + 29 * D,
        },
        {"USUBJID": "OPLATER", "SURGPLDT": CUTOFF - 5 * D, "SURGDT": CUTOFF + 3 * D},
        {"USUBJID": "LATEIR", "TRTEDT": PLANNED},
    )
    adae = make_adae(
        {
            "USUBJID": "IR3",
            "AEDECOD": "Pneumonitis",
            "AEBODSYS": "Respiratory disorders",
            "AEIRFL": "Y",
            "AETOXGR": 3,
            "ASTDT": ONSET,
        },
        {"USUBJID": "IR2", "AEDECOD": "Pneumonitis", "AEIRFL": "Y", "AETOXGR": 2, "ASTDT": ONSET},
        {"USUBJID": "REL3", "AETOXGR": 3, "ASTDT": ONSET, **REL_GM},
        {
            "USUBJID": "HAEMSOC4",
            "AEBODSYS": HAEM_SOC,
            "AEDECOD": "Febrile neutropenia",
            "AETOXGR": 4,
            "ASTDT": ONSET,
            **REL_GM,
        },
        # haematological by preferred term even though the SOC is Investigations; case differs
        {
            "USUBJID": "HAEMPT4",
            "AEBODSYS": "Investigations",
            "AEDECOD": "NEUTROPHIL COUNT DECREASED",
            "AETOXGR": 4,
            "ASTDT": ONSET,
            **REL_GM,
        },
        {"USUBJID": "UNREL4", "AETOXGR": 4, "ASTDT": ONSET},
        {"USUBJID": "REL4", "AETOXGR": 4, "ASTDT": ONSET, "AERELSB": "Y"},
        {
            "USUBJID": "HAEM5",
            "AEBODSYS": HAEM_SOC,
            "AEDECOD": "Anaemia",
            "AETOXGR": 5,
            "ASTDT": ONSET,
            "AERELPD": "Y",
        },
        {"USUBJID": "DLY28", "AESDLYFL": "Y", "ASTDT": PLANNED - 3 * D},
        {"USUBJID": "DLY29", "AESDLYFL": "Y", "ASTDT": PLANNED - 3 * D},
        {"USUBJID": "PEND35", "AESDLYFL": "Y", "ASTDT": CUTOFF - 40 * D},
        {"USUBJID": "PEND20", "AESDLYFL": "Y", "ASTDT": CUTOFF - 25 * D},
        {"USUBJID": "NODOSE", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": FIRST_DOSE},
        {"USUBJID": "LATEAE", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": CUTOFF + D},
        {"USUBJID": "MULTI", "AEIRFL": "Y", "AETOXGR": 2, "ASTDT": ONSET - 5 * D},
        {"USUBJID": "MULTI", "AEIRFL": "Y", "AETOXGR": 4, "ASTDT": ONSET, "AERELPD": "Y"},
        {"USUBJID": "MULTI", "AETOXGR": 4, "ASTDT": ONSET - 2 * D, "AERELGM": "Y"},
        {"USUBJID": "NOGRADE", "AEIRFL": "Y", "AETOXGR": None, "ASTDT": ONSET, **REL_GM},
        {"USUBJID": "NOONSET", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": pd.NaT},
        # irAE 91 days after the last dose: outside the TEAE window, not counted
        {"USUBJID": "LATEIR", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": PLANNED + 91 * D},
    )
    out = derive_unacceptable_toxicity(*at_cutoff(adsl, adae), SAP, CUTOFF)
    assert out.index.equals(adsl.index)
    return out.set_index("USUBJID")


IRAE = "IMMUNE-RELATED AE GRADE >= 3"
RELATED = "TREATMENT-RELATED NON-HAEMATOLOGICAL AE GRADE >= 4"
DEATH = "TREATMENT-RELATED DEATH"
DELAY = "SURGERY DELAYED > 28 DAYS BY TOXICITY"


@pytest.mark.parametrize(
    ("patient", "flag", "reason", "when"),
    [
        ("IR3", "Y", IRAE, ONSET),
        ("IR2", "N", "", None),
        ("REL3", "N", "", None),  # grade 3 related non-haematological: no
        ("HAEMSOC4", "N", "", None),  # grade 4 related haematological (SOC): no
        ("HAEMPT4", "N", "", None),  # grade 4 related haematological (PT): no
        ("UNREL4", "N", "", None),  # grade 4 non-haematological unrelated: no
        ("REL4", "Y", RELATED, ONSET),
        ("HAEM5", "Y", DEATH, ONSET),  # related grade 5: death, whatever the SOC
        ("DTHCAUS", "Y", DEATH, PLANNED - 5 * D),
        ("DTHLATE", "N", "", None),  # death after the cut-off does not exist yet
        ("DLY28", "N", "", None),
        ("DLY29", "Y", DELAY, PLANNED + 29 * D),
        ("DLY40NOAE", "N", "", None),  # late, but no AE delayed it
        ("PEND35", "Y", DELAY, CUTOFF - 35 * D + 29 * D),
        ("PEND20", "N", "", None),
        ("CANCEL", "Y", DELAY, PLANNED + 29 * D),
        ("NODOSE", "N", "", None),
        ("LATEAE", "N", "", None),
        ("MULTI", "Y", f"{IRAE}; {RELATED}", ONSET - 2 * D),
        ("NOGRADE", "N", "", None),
        ("NOONSET", "Y", IRAE, FIRST_DOSE),
        ("LATEIR", "N", "", None),
    ],
)
def test_unacceptable_toxicity(utox, patient, flag, reason, when):
    row = utox.loc[patient]
    assert row["UTOXFL"] == flag
    assert row["UTOXREAS"] == reason
    # criterion 4 on its own (Table 14.1.7 counts it): the delay patients above, not MULTI etc.
    assert row["UTOXDLFL"] == ("Y" if patient in ("DLY29", "PEND35", "CANCEL") else "N")
    if when is None:
        assert pd.isna(row["UTOXDT"])
    else:
        assert row["UTOXDT"] == when


@pytest.mark.parametrize(
    ("patient", "flag", "when"),
    [
        ("IR2", "Y", PLANNED),  # operated: evaluable at surgery
        ("IR3", "Y", ONSET),  # toxicity before surgery: evaluable from then on
        ("DLY29", "Y", PLANNED + 29 * D),  # the delay counts from day 29, before SURGDT
        ("PEND20", "N", None),  # surgery pending, no toxicity: not yet
        ("PEND35", "Y", CUTOFF - 6 * D),
        ("NODOSE", "N", None),
        ("PROGNOSURG", "Y", FIRST_DOSE + 29 * D),  # not operated: pre-op ended at last dose
        ("DTHCAUS", "Y", ONSET),  # not operated: last dose (ONSET) came before the death
        ("CANCEL", "Y", FIRST_DOSE + 30 * D),
        ("OPLATER", "N", None),  # operated only after the cut-off
        ("NOONSET", "Y", FIRST_DOSE),
    ],
)
def test_evaluable_for_the_boundary(utox, patient, flag, when):
    row = utox.loc[patient]
    assert row["EVALFL"] == flag
    if when is None:
        assert pd.isna(row["EVALDT"])
    else:
        assert row["EVALDT"] == when


def test_every_toxicity_is_evaluable_and_types_are_as_documented(utox):
    assert (utox.loc[utox["UTOXFL"] == "Y", "EVALFL"] == "Y").all()
    assert set(utox["UTOXFL"]) <= {"Y", "N"} and set(utox["EVALFL"]) <= {"Y", "N"}
    assert str(utox["UTOXDT"].dtype) == "datetime64[ns]"
    assert str(utox["EVALDT"].dtype) == "datetime64[ns]"
    assert (utox["UTOXDT"].dropna() <= CUTOFF).all()
    assert (utox["EVALDT"].dropna() <= CUTOFF).all()


def test_an_earlier_cutoff_sees_fewer_events():
    adsl = make_adsl({"USUBJID": "P01", "SURGDT": pd.NaT, "SURGOUT": "PENDING"})
    adae = make_adae({"USUBJID": "P01", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": ONSET})
    before = derive_unacceptable_toxicity(*at_cutoff(adsl, adae, ONSET - D), SAP, ONSET - D)
    on = derive_unacceptable_toxicity(*at_cutoff(adsl, adae, ONSET), SAP, ONSET)
    assert before[["UTOXFL", "EVALFL"]].iloc[0].tolist() == ["N", "N"]
    assert on[["UTOXFL", "EVALFL"]].iloc[0].tolist() == ["Y", "Y"]


def test_thresholds_come_from_the_sap():
    stricter = SAP.model_copy(
        update={
            "toxicity_monitoring": SAP.toxicity_monitoring.model_copy(
                update={"irae_min_grade": 2, "surgery_delay_days": 14}
            )
        }
    )
    adsl = make_adsl({"USUBJID": "P01", "SURGDT": PLANNED + 15 * D})
    adae = make_adae(
        {"USUBJID": "P01", "AEIRFL": "Y", "AETOXGR": 2, "ASTDT": ONSET},
        {"USUBJID": "P01", "AESDLYFL": "Y", "ASTDT": ONSET},
    )
    out = derive_unacceptable_toxicity(*at_cutoff(adsl, adae), stricter, CUTOFF)
    assert out["UTOXREAS"].iloc[0] == (
        "IMMUNE-RELATED AE GRADE >= 2; SURGERY DELAYED > 14 DAYS BY TOXICITY"
    )
    assert (
        derive_unacceptable_toxicity(*at_cutoff(adsl, adae), SAP, CUTOFF)["UTOXFL"].iloc[0] == "N"
    )


def test_unacceptable_toxicity_needs_the_teae_flag():
    # SAP 9.4 counts treatment-emergent AEs only: raw ADAE without TRTEMFL is refused, not
    # silently read as "no TEAE".
    adsl = make_adsl({"USUBJID": "P01"})
    adae = make_adae({"USUBJID": "P01", "AEIRFL": "Y", "AETOXGR": 3, "ASTDT": ONSET})
    with pytest.raises(ValueError, match="adae: no TRTEMFL column.*derive_teae, SAP 9.1"):
        derive_unacceptable_toxicity(adsl, adae, SAP, CUTOFF)
