"""The data cut-off applied once (SAP 6.2, ``osteo_stats.derive.cutoff``).

Hand-made case, cut-off c = 2024-06-30. Expected values come from the SAP 6.2 table alone
("a rule applies where the date is after c; a missing date is never after c"):

ADSL (patients A-E):

- A: enrolled 2024-07-01, after c -> ``patient`` rule: not in the snapshot, and neither are its
  AE, assessment, measurement, administration or sample.
- B: enrolled 2024-01-10, first dose 2024-07-05 and last dose 2024-09-01, both after c ->
  ``blank``: TRTSDT and TRTEDT missing, TRTSCUFL = TRTECUFL = Y; not dosed by c, so SAFFL N.
- C: enrolled 2024-01-02, dosed 2024-01-05 to 2024-06-30 (on c: kept, TRTECUFL N). Everything
  else after c: surgery 2024-07-15 (imputed day, SURGDTF D) R0 with 95% necrosis -> SURGDT and
  SURGDTF cleared, SURGOUT PENDING, NECRPCT missing, SURGCUFL Y and, not operated by c, PPROTFL
  N; new therapy 2024-07-01 -> NACTDT missing, NACTCUFL Y; second malignancy 2024-12-01 -> SMDT
  missing, SMCUFL Y; death 2024-08-01 from disease -> DTHDT and DTHCAUS missing, DTHCUFL Y; end of
  study 2024-08-01 (DISCONTINUED, DEATH) -> EOSDT missing, EOSSTT ONGOING, DCSREAS missing,
  EOSCUFL Y; last known alive 2024-08-01 -> ``clip`` to c, ALVCUFL Y.
- D: enrolled on c itself (kept: on or before c), dosed on c, surgery NOT DONE with a plan on
  2024-09-01 (a plan is kept), died on c (kept, DTHCUFL N), last known alive on c (ALVCUFL N).
  PPROTFL was Y in the extract, but D was not operated by c: N.
- E: enrolled 2024-01-03, operated R1 on c (kept: SURGOUT R1, PPROTFL stays Y, SURGCUFL N),
  nothing missing is touched (NACTDT, SMDT, DTHDT, EOSDT missing stay missing, flags N).

Children (patients A, C, D):

- ADAE: C onset on c ending 2024-07-10 (AENDTF D) -> kept, AENDT and AENDTF cleared, AENDCUFL Y;
  C onset 2024-07-01 -> dropped; C missing onset -> kept (SAP 8.3), AENDCUFL N; A onset
  2024-06-01 -> dropped with its patient; D onset 2024-06-10 ending on c -> kept unchanged.
- ADRS, ADTR: C on c kept; C on 2024-07-01 dropped; A on 2024-06-01 dropped.
- ADEX: C administered on c kept, on 2024-07-01 dropped.
- ADBM: C sample without a date kept; C sample 2024-07-01 dropped; D sample on c kept.
- ADLB: C sample on c kept; C sample 2024-07-01 dropped; A (not enrolled) dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

import osteo_stats.derive.analysis_data as analysis_data_module
import osteo_stats.derive.cutoff as cutoff_module
import osteo_stats.derive.safety as safety_module
from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.derive.cutoff import (
    CUT_KINDS,
    CUT_RULES,
    DATASETS,
    CutRule,
    adsl_at_cutoff,
    cut_trial,
    enrolled_by,
)
from osteo_stats.load import load_trial

C = "2024-06-30"
T = pd.Timestamp
NAT = pd.NaT
ROOT = Path(__file__).resolve().parents[1]

_ADSL_DATES = ("ENRLDT", "TRTSDT", "TRTEDT", "SURGPLDT", "SURGDT", "NACTDT", "SMDT", "DTHDT",
               "LSTALVDT", "EOSDT")  # fmt: skip
_DEFAULTS = {
    "STUDYID": "PROMIS", "TRTSDT": NAT, "TRTEDT": NAT, "SURGPLDT": NAT, "SURGDT": NAT,
    "SURGDTF": "", "SURGOUT": "PENDING", "NECRPCT": np.nan, "NACTDT": NAT, "SMDT": NAT,
    "DTHDT": NAT, "DTHCAUS": np.nan, "LSTALVDT": T(C), "EOSSTT": "ONGOING", "DCSREAS": np.nan,
    "EOSDT": NAT, "FASFL": "Y", "SAFFL": "Y", "PPROTFL": "Y",
}  # fmt: skip


def _adsl() -> pd.DataFrame:
    rows = [
        {"USUBJID": "A", "ENRLDT": T("2024-07-01")},
        {"USUBJID": "B", "ENRLDT": T("2024-01-10"), "TRTSDT": T("2024-07-05"),
         "TRTEDT": T("2024-09-01")},
        {"USUBJID": "C", "ENRLDT": T("2024-01-02"), "TRTSDT": T("2024-01-05"), "TRTEDT": T(C),
         "SURGPLDT": T("2024-07-10"), "SURGDT": T("2024-07-15"), "SURGDTF": "D",
         "SURGOUT": "R0", "NECRPCT": 95.0, "NACTDT": T("2024-07-01"), "SMDT": T("2024-12-01"),
         "DTHDT": T("2024-08-01"), "DTHCAUS": "DISEASE PROGRESSION",
         "LSTALVDT": T("2024-08-01"), "EOSSTT": "DISCONTINUED", "DCSREAS": "DEATH",
         "EOSDT": T("2024-08-01")},
        {"USUBJID": "D", "ENRLDT": T(C), "TRTSDT": T(C), "SURGPLDT": T("2024-09-01"),
         "SURGOUT": "NOT DONE", "DTHDT": T(C), "DTHCAUS": "DISEASE PROGRESSION",
         "LSTALVDT": T(C)},
        {"USUBJID": "E", "ENRLDT": T("2024-01-03"), "TRTSDT": T("2024-01-04"), "SURGDT": T(C),
         "SURGOUT": "R1", "NECRPCT": 60.0, "LSTALVDT": T("2024-06-01")},
    ]  # fmt: skip
    frame = pd.DataFrame([{**_DEFAULTS, **row} for row in rows])
    for column in _ADSL_DATES:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _frame(rows: list[tuple], columns: list[str], dates: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _snapshot():
    adae = _frame(
        [("C", "on c, ends later", C, "2024-07-10", "D"),
         ("C", "after c", "2024-07-01", None, ""),
         ("C", "no onset", None, None, ""),
         ("A", "patient not enrolled", "2024-06-01", "2024-06-02", ""),
         ("D", "ends on c", "2024-06-10", C, "")],
        ["USUBJID", "AETERM", "ASTDT", "AENDT", "AENDTF"], ["ASTDT", "AENDT"],
    )  # fmt: skip
    visits = [("C", "on c", C), ("C", "after c", "2024-07-01"), ("A", "not enrolled", "2024-06-01")]
    adrs = _frame(visits, ["USUBJID", "AVISIT", "ADT"], ["ADT"])
    adtr = _frame(visits, ["USUBJID", "AVISIT", "ADT"], ["ADT"])
    adex = _frame([("C", "on c", C), ("C", "after c", "2024-07-01")],
                  ["USUBJID", "EXTRT", "EXSTDT"], ["EXSTDT"])  # fmt: skip
    adbm = _frame([("C", "no date", None), ("C", "after c", "2024-07-01"), ("D", "on c", C)],
                  ["USUBJID", "ATPT", "ADT"], ["ADT"])  # fmt: skip
    adlb = _frame([("C", "on c", C), ("C", "after c", "2024-07-01"), ("A", "not enrolled", C)],
                  ["USUBJID", "AVISIT", "ADT"], ["ADT"])  # fmt: skip
    return cut_trial(
        cutoff=C, adsl=_adsl(), adae=adae, adrs=adrs, adtr=adtr, adex=adex, adbm=adbm, adlb=adlb
    )


@pytest.fixture(scope="module")
def snap():
    return _snapshot()


@pytest.fixture(scope="module")
def adsl(snap):
    return snap.adsl.set_index("USUBJID")


def test_patient_enrolled_after_the_cutoff_is_not_in_any_dataset(snap):
    assert snap.adsl["USUBJID"].tolist() == ["B", "C", "D", "E"]  # D enrolled on c: kept
    for name in ("adae", "adrs", "adtr", "adex", "adbm", "adlb"):
        assert "A" not in set(getattr(snap, name)["USUBJID"]), name
    assert enrolled_by(_adsl(), C)["USUBJID"].tolist() == ["B", "C", "D", "E"]


def test_doses_after_the_cutoff_are_blanked_and_the_safety_set_restated(adsl):
    assert pd.isna(adsl.loc["B", "TRTSDT"]) and pd.isna(adsl.loc["B", "TRTEDT"])
    assert adsl.loc["B", ["TRTSCUFL", "TRTECUFL", "SAFFL"]].tolist() == ["Y", "Y", "N"]
    assert adsl.loc["C", "TRTEDT"] == T(C) and adsl.loc["C", "TRTECUFL"] == "N"
    assert adsl.loc["D", ["TRTSDT", "SAFFL"]].tolist() == [T(C), "Y"]


def test_surgery_after_the_cutoff_is_pending(adsl):
    row = adsl.loc["C"]
    assert pd.isna(row["SURGDT"]) and row["SURGDTF"] == ""
    assert row["SURGOUT"] == "PENDING" and pd.isna(row["NECRPCT"])
    assert row["SURGCUFL"] == "Y" and row["PPROTFL"] == "N"
    assert row["SURGPLDT"] == T("2024-07-10")  # a plan is not cut
    # Operated on c: kept, still in the per-protocol set; a NOT DONE surgery keeps its plan.
    assert adsl.loc["E", ["SURGDT", "SURGOUT", "NECRPCT", "SURGCUFL", "PPROTFL"]].tolist() == [
        T(C), "R1", 60.0, "N", "Y",
    ]  # fmt: skip
    assert adsl.loc["D", ["SURGOUT", "SURGPLDT", "PPROTFL"]].tolist() == [
        "NOT DONE", T("2024-09-01"), "N",
    ]  # fmt: skip


def test_new_therapy_and_second_malignancy_after_the_cutoff_do_not_exist(adsl):
    assert pd.isna(adsl.loc["C", "NACTDT"]) and pd.isna(adsl.loc["C", "SMDT"])
    assert adsl.loc["C", ["NACTCUFL", "SMCUFL"]].tolist() == ["Y", "Y"]
    assert adsl.loc["E", ["NACTCUFL", "SMCUFL"]].tolist() == ["N", "N"]  # missing stays missing


def test_death_after_the_cutoff_is_cleared_and_a_death_on_it_kept(adsl):
    assert pd.isna(adsl.loc["C", "DTHDT"]) and pd.isna(adsl.loc["C", "DTHCAUS"])
    assert adsl.loc["C", "DTHCUFL"] == "Y"
    assert adsl.loc["D", ["DTHDT", "DTHCAUS", "DTHCUFL"]].tolist() == [
        T(C), "DISEASE PROGRESSION", "N",
    ]  # fmt: skip


def test_end_of_study_after_the_cutoff_is_ongoing(adsl):
    row = adsl.loc["C"]
    assert pd.isna(row["EOSDT"]) and pd.isna(row["DCSREAS"])
    assert [row["EOSSTT"], row["EOSCUFL"]] == ["ONGOING", "Y"]


def test_known_alive_after_the_cutoff_is_clipped_to_it(adsl):
    assert adsl["LSTALVDT"].tolist() == [T(C), T(C), T(C), T("2024-06-01")]
    assert adsl["ALVCUFL"].tolist() == ["N", "Y", "N", "N"]  # B and D were last seen on c


def test_adverse_events_are_dropped_after_the_cutoff_and_open_at_it(snap):
    adae = snap.adae.set_index("AETERM")
    assert adae.index.tolist() == ["on c, ends later", "no onset", "ends on c"]
    assert pd.isna(adae.loc["on c, ends later", "AENDT"])
    assert adae.loc["on c, ends later", ["AENDTF", "AENDCUFL"]].tolist() == ["", "Y"]
    assert adae.loc["ends on c", ["AENDT", "AENDCUFL"]].tolist() == [T(C), "N"]
    assert adae.loc["no onset", "AENDCUFL"] == "N"


def test_assessments_measurements_doses_and_samples_after_the_cutoff_are_dropped(snap):
    assert snap.adrs["AVISIT"].tolist() == ["on c"]
    assert snap.adtr["AVISIT"].tolist() == ["on c"]
    assert snap.adex["EXTRT"].tolist() == ["on c"]
    assert snap.adbm["ATPT"].tolist() == ["no date", "on c"]
    assert snap.adlb["AVISIT"].tolist() == ["on c"]  # a value sampled after c is not yet known
    assert snap.adae.index.tolist() == [0, 1, 2]  # new 0..n-1 index, as the derivations expect


def test_the_snapshot_is_frozen_and_adsl_at_cutoff_is_its_adsl(snap):
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.cutoff = T("2030-01-01")  # type: ignore[misc]
    assert snap.cutoff == T(C)
    pd.testing.assert_frame_equal(adsl_at_cutoff(_adsl(), C), snap.adsl)


def test_cutting_twice_changes_nothing(snap):
    again = cut_trial(cutoff=C, **{n.lower(): getattr(snap, n.lower()) for n in DATASETS})
    for name in DATASETS:
        first, second = getattr(snap, name.lower()), getattr(again, name.lower())
        flags = [c for c in first.columns if c.endswith("CUFL")]
        # The flags say what the first cut changed; a second cut finds nothing after c.
        pd.testing.assert_frame_equal(first.drop(columns=flags), second.drop(columns=flags))
        assert all((second[f] == "N").all() for f in flags)


# --- the table in the code is the table in SAP 6.2 --------------------------------------------


def _sap_table() -> set[tuple[str, str, str, str]]:
    text = (ROOT / "sap" / "SAP.md").read_text(encoding="utf-8")
    section = text.split("### 6.2 Data cut-off", 1)[1].split("\n### ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("dataset", "---"):
            continue
        for dataset in cells[0].split(", "):
            rows.add((dataset, cells[1], cells[2], cells[4]))
    return rows


def test_every_rule_has_its_row_in_sap_6_2():
    code = {(r.dataset, r.column, r.kind, r.flag or "") for r in CUT_RULES}
    assert _sap_table() == code
    assert {r.kind for r in CUT_RULES} == set(CUT_KINDS)
    assert {r.dataset for r in CUT_RULES} == set(DATASETS)


def test_a_rule_must_be_one_of_the_kinds_and_flag_what_it_changes():
    with pytest.raises(ValueError, match="ADSL.X: unknown cut kind 'trim'"):
        CutRule("ADSL", "X", "trim", "")
    with pytest.raises(ValueError, match="a blank cut needs a flag column"):
        CutRule("ADSL", "X", "blank", "")
    with pytest.raises(ValueError, match="a drop cut needs a flag column exactly when"):
        CutRule("ADAE", "X", "drop", "", "XCUFL")


# --- cut once -----------------------------------------------------------------------------------


def test_derive_analysis_data_cuts_once_and_flags_teaes_once(tmp_path, monkeypatch):
    trial = load_trial(write_trial(minimal_trial(), tmp_path), load_sap())
    cuts: Counter[str] = Counter()
    teae_calls = []
    real_cut, real_teae = cutoff_module.cut_dataset, safety_module.derive_teae

    def counting_cut(name, frame, cutoff):
        cuts[name] += 1
        return real_cut(name, frame, cutoff)

    def counting_teae(*args, **kwargs):
        teae_calls.append(1)
        return real_teae(*args, **kwargs)

    monkeypatch.setattr(cutoff_module, "cut_dataset", counting_cut)
    monkeypatch.setattr(safety_module, "derive_teae", counting_teae)
    monkeypatch.setattr(analysis_data_module, "derive_teae", counting_teae)
    ad = derive_analysis_data(trial, load_sap())
    assert cuts == Counter(DATASETS)  # each dataset cut exactly once
    assert len(teae_calls) == 1
    assert len(ad.adsl) == 3


# --- no date filter outside the cut ---------------------------------------------------------------

#: Comparisons with the cut-off that remain in derive/, each a use of the date as a VALUE.
VALUE_USES = {
    ("analysis_data.py", "return self.planned_end is None or self.cutoff < self.planned_end"):
        "SAP 10.3: is the cut-off before the planned end of the study",
    ("analysis_data.py", "if end is not None and cutoff >= end:"):
        "SAP 10.3: a final analysis only from the planned end",
    ("response.py", "capped = (end > cut) | (awaiting_surgery & ~final)"):
        "SAP 3.3: a window still open at c ends at c",
    ("tte.py", 'not_done = not_done.loc[not_done["E3DT"] <= cut]'):
        "SAP 3.2 E3: a date derived from the plan, not a record the cut could see",
    ("tte.py", 'late = efs.loc[efs["ADT"] > cut, "USUBJID"].tolist()'):
        "a check that ADTTE was derived at the same c (raises)",
    ("tte.py", '("N1", pd.Series(cut < lmdt, index=m.index), "NOT EVALUABLE YET",'):
        "SAP 3.1 N1: the landmark not reached by c",
    ("currency.py", "surgery_out = surgery_pending(adsl, final=final) & (window_end < cut)"):
        "SAP 8.5: the planned surgery window closed before c (a date from the plan)",
    ("changes.py", "if previous >= cutoff:"):
        "SAP 10.4: the previous DMC cut-off p < c, an error otherwise",
}  # fmt: skip

_COMPARISON = re.compile(
    r"(<=|>=|<|>)\s*(self\.)?(cut|cutoff)\b|\b(cut|cutoff)\s*(<=|>=|<(?!<)|>(?!>))"
)


def test_no_date_filter_is_left_in_derive_outside_the_cut():
    derive = ROOT / "src" / "osteo_stats" / "derive"
    found = set()
    for path in sorted(derive.glob("*.py")):
        if path.name == "cutoff.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0].strip()
            if _COMPARISON.search(code) and not code.startswith(('"', "'", "``", "-")):
                found.add((path.name, code))
            # The cut itself is called only by derive_analysis_data (and the enrolment count).
            if re.search(r"\b(adsl_at_cutoff|cut_dataset|cut_trial|snapshot_of)\(", code):
                found.add((path.name, code))
    allowed_calls = {
        ("analysis_data.py", "snap = snapshot_of(trial, cutoff)"),
        # SAP 10.4: what was known at the previous DMC cut-off p is the same cut at p.
        ("changes.py", "before = snapshot_of(trial, previous)"),
    }
    assert found - allowed_calls == set(VALUE_USES)
