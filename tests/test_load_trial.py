"""The door as a whole: a valid trial loads clean, typed, with provenance; SAS transport works."""

from __future__ import annotations

import hashlib
import time
from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import CUTOFF, minimal_trial, write_trial

from osteo_stats import DataValidationError, load_sap
from osteo_stats.load import (
    SourceFile,
    TrialData,
    ValidationIssue,
    issues_frame,
    load_trial,
    validate_trial,
)

SAP = load_sap()


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    return write_trial(minimal_trial(), tmp_path / "csv")


def test_minimal_trial_validates_clean(trial_dir: Path) -> None:
    trial, issues = validate_trial(trial_dir, SAP)
    assert issues == []
    assert isinstance(trial, TrialData)
    assert trial.warnings == ()
    assert trial.cutoff == date.fromisoformat(CUTOFF)
    assert [
        len(f) for f in (trial.adsl, trial.adae, trial.adrs, trial.adtr, trial.adex, trial.adbm)
    ] == [3, 4, 8, 6, 9, 4]


def test_types_follow_the_data_model(trial_dir: Path) -> None:
    trial = load_trial(trial_dir, SAP)
    adsl, adae, adex = trial.adsl, trial.adae, trial.adex
    assert adsl["RFICDT"].dtype == "datetime64[ns]"
    assert adsl["DCUTDT"].dtype == "datetime64[ns]"
    assert (adsl["RFICDT"] == adsl["RFICDT"].dt.normalize()).all()
    assert adsl["AGE"].dtype == "int64"
    assert adsl["DFIMO"].dtype == "float64"
    assert adsl["NECRPCT"].dtype == "float64"
    assert adae["AETOXGR"].dtype == "Int64"
    assert adex["CYCLE"].dtype == "Int64"
    assert set(adsl["FASFL"]) == {"Y"}
    assert set(adae["AESER"]) <= {"Y", "N"}
    assert adsl["SURGNDRS"].isna().sum() == 2  # empty cells are missing, not ""
    assert adsl.loc[1, "DTHDT"] == pd.Timestamp("2025-12-05")
    assert list(adae.columns[adae.columns.get_loc("ASTDT") :][:2]) == ["ASTDT", "ASTDTF"]
    assert set(adae["ASTDTF"]) == {""}
    assert adsl.index.equals(pd.RangeIndex(3))


def test_sources_record_format_and_hash(trial_dir: Path) -> None:
    trial = load_trial(trial_dir, SAP)
    assert [s.dataset for s in trial.sources] == ["ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM"]
    adsl = trial.sources[0]
    assert isinstance(adsl, SourceFile)
    assert adsl.format == "csv"
    assert adsl.path == trial_dir / "adsl.csv"
    assert adsl.sha256 == hashlib.sha256((trial_dir / "adsl.csv").read_bytes()).hexdigest()


def test_results_are_frozen(trial_dir: Path) -> None:
    trial = load_trial(trial_dir, SAP)
    with pytest.raises(FrozenInstanceError):
        trial.cutoff = date(2030, 1, 1)  # type: ignore[misc]


def test_xpt_round_trip_matches_csv(tmp_path: Path) -> None:
    """The same trial as SAS transport files (dates as SAS dates with DATE format) loads equal."""
    from_csv = load_trial(write_trial(minimal_trial(), tmp_path / "csv"), SAP)
    xpt_dir = write_trial(minimal_trial(), tmp_path / "xpt", fmt="xpt")
    from_xpt = load_trial(xpt_dir, SAP)
    assert {s.format for s in from_xpt.sources} == {"xpt"}
    assert from_xpt.cutoff == from_csv.cutoff
    for name in ("adsl", "adae", "adrs", "adtr", "adex", "adbm"):
        pd.testing.assert_frame_equal(
            getattr(from_xpt, name), getattr(from_csv, name), check_dtype=True, obj=name
        )


def test_xpt_file_names_are_case_insensitive(tmp_path: Path) -> None:
    directory = write_trial(minimal_trial(), tmp_path, fmt="xpt")
    for path in directory.iterdir():
        path.rename(path.with_name(path.name.upper()))
    trial = load_trial(directory, SAP)
    assert trial.sources[0].path.name == "ADSL.XPT"


def test_xpt_errors_name_rows_like_csv(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADAE"].loc[2, "AETOXGR"] = "7"
    _, issues = validate_trial(write_trial(tables, tmp_path, fmt="xpt"), SAP)
    assert [str(i) for i in issues] == [
        "ADAE row 3 (USUBJID PROMIS-002): AETOXGR = 7 is outside 1-5. Hint: AETOXGR must lie "
        "between 1 and 5; correct the value from the source record"
    ]


def test_all_failures_are_collected_in_one_pass(tmp_path: Path) -> None:
    """One file with three different problems yields three issues, in row order."""
    tables = minimal_trial()
    adae = tables["ADAE"]
    adae.loc[0, "AETOXGR"] = "9"  # range
    adae.loc[1, "AEOUT"] = "CURED"  # controlled term
    adae.loc[3, "ASTDT"] = "20/03/2025"  # date format
    trial, issues = validate_trial(write_trial(tables, tmp_path), SAP)
    assert trial is None
    assert [(i.dataset, i.row, i.column) for i in issues] == [
        ("ADAE", 1, "AETOXGR"),
        ("ADAE", 2, "AEOUT"),
        ("ADAE", 4, "ASTDT"),
    ]


def test_problems_in_several_datasets_are_all_reported(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[0, "SEX"] = "X"
    tables["ADRS"].loc[0, "AVALC"] = "VGPR"
    tables["ADEX"].loc[0, "EXDOSE"] = "-1"
    (tmp_path / "d").mkdir()
    write_trial(tables, tmp_path / "d")
    (tmp_path / "d" / "adtr.csv").write_bytes(b"")
    with pytest.raises(DataValidationError) as raised:
        load_trial(tmp_path / "d", SAP)
    assert [(i.dataset, i.column) for i in raised.value.issues] == [
        ("ADSL", "SEX"),
        ("ADRS", "AVALC"),
        ("ADTR", None),
        ("ADEX", "EXDOSE"),
    ]


def test_warnings_do_not_block_and_are_kept(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[0, "AGE"] = "66"
    trial, issues = validate_trial(write_trial(tables, tmp_path), SAP)
    assert trial is not None
    assert trial.warnings == tuple(issues)
    assert [i.severity for i in issues] == ["warning"]
    assert str(issues[0]).startswith("Warning: ADSL row 1 (USUBJID PROMIS-001): AGE = 66 ")


def test_extra_columns_are_kept_and_names_are_case_insensitive(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"]["RACE"] = "ASIAN"
    tables["ADSL"] = tables["ADSL"].rename(columns={"SEX": "sex", "AGE": " Age "})
    trial = load_trial(write_trial(tables, tmp_path), SAP)
    assert list(trial.adsl["RACE"]) == ["ASIAN"] * 3
    assert list(trial.adsl["SEX"]) == ["M", "F", "M"]


def test_issues_frame_columns(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[0, "SEX"] = "X"
    _, issues = validate_trial(write_trial(tables, tmp_path), SAP)
    frame = issues_frame(issues)
    assert list(frame.columns) == [
        "dataset",
        "row",
        "usubjid",
        "column",
        "value",
        "rule",
        "hint",
        "severity",
    ]
    assert frame.loc[0, "row"] == 1 and frame.loc[0, "value"] == "X"
    assert issues_frame([]).empty


def test_issue_message_template() -> None:
    issue = ValidationIssue(
        "ADAE", 17, "PROMIS-007", "AETOXGR", "7", "is outside 1-5", "use CTCAE grades 1-5"
    )
    assert str(issue) == (
        "ADAE row 17 (USUBJID PROMIS-007): AETOXGR = 7 is outside 1-5. Hint: use CTCAE grades 1-5"
    )
    whole_file = ValidationIssue("DIR", None, None, None, "/data", "does not exist", "fix it")
    assert str(whole_file) == 'DIR: "/data" does not exist. Hint: fix it'


def test_missing_directory(tmp_path: Path) -> None:
    trial, issues = validate_trial(tmp_path / "nope", SAP)
    assert trial is None
    assert len(issues) == 1
    assert str(issues[0]).startswith(f'DIR: "{tmp_path / "nope"}" does not exist.')


def test_subdirectories_are_not_searched(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path / "old")
    _, issues = validate_trial(tmp_path, SAP)
    assert {i.dataset for i in issues} == {"ADSL", "ADAE", "ADRS", "ADTR", "ADEX"}


def _trial_of(n_copies: int) -> dict[str, pd.DataFrame]:
    """The minimal trial's patients copied ``n_copies`` times under new USUBJIDs."""
    base = minimal_trial()
    out = {}
    for name, frame in base.items():
        copies = []
        for k in range(n_copies):
            copy = frame.copy()
            copy["USUBJID"] = copy["USUBJID"] + f"-{k:02d}"
            copies.append(copy)
        out[name] = pd.concat(copies, ignore_index=True)
    return out


def test_43_patient_trial_validates_quickly(tmp_path: Path) -> None:
    tables = _trial_of(15)  # 45 patients, ~150 AEs + assessments + doses
    directory = write_trial(tables, tmp_path)
    validate_trial(directory, SAP)  # warm-up (imports, pandera schema construction)
    start = time.process_time()  # CPU time: robust to a busy machine
    trial, issues = validate_trial(directory, SAP)
    elapsed = time.process_time() - start
    assert trial is not None and issues == []
    assert len(trial.adsl) == 45
    assert elapsed < 2.0


def test_a_bad_term_is_reported_once_not_again_by_cross_checks(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[2, "SURGOUT"] = "R3"  # PROMIS-003, no SURGDT, SURGNDRS given
    tables["ADTR"].loc[0, "ABLFL"] = "y"  # PROMIS-001's only baseline flag
    _, issues = validate_trial(write_trial(tables, tmp_path), SAP)
    assert [(i.dataset, i.row, i.column) for i in issues] == [
        ("ADSL", 3, "SURGOUT"),
        ("ADTR", 1, "ABLFL"),
    ]


def test_planned_surgery_after_cutoff_is_allowed(tmp_path: Path) -> None:
    """A patient enrolled just before the cut-off has surgery planned after it (PENDING)."""
    tables = minimal_trial()
    tables["ADSL"].loc[0, "SURGPLDT"] = "2026-07-15"
    assert validate_trial(write_trial(tables, tmp_path), SAP)[1] == []
