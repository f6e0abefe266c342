"""Catalogue of bad inputs: each case corrupts the minimal valid trial in exactly one way.

Every case asserts the full message a statistician reads (dataset, row and USUBJID, column, the
value received, the rule) with a regular expression, and that the corruption produces exactly
the expected number of errors, so that one mistake in a file yields one clear message, not a
cascade.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import DataValidationError, load_sap
from osteo_stats.load import load_trial, validate_trial

SAP = load_sap()

Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Case:
    id: str
    expect: str  # regex, searched in str(issue) of one issue
    corrupt: Callable[[Tables], None] = lambda t: None  # change the tables before writing
    after_write: Callable[[Path], None] = lambda d: None  # change the files after writing
    errors: int = 1  # number of error-severity issues expected
    accepted: bool = False  # the trial still loads (warnings only)
    extra: Callable[..., None] | None = field(default=None)  # further assertions on the result


def setcell(dataset: str, row: int, column: str, value: str) -> Callable[[Tables], None]:
    """Set a cell; ``row`` is the 1-based data row as reported in messages."""

    def corrupt(tables: Tables) -> None:
        tables[dataset].loc[row - 1, column] = value

    return corrupt


def both(*steps: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        for step in steps:
            step(tables)

    return corrupt


def drop_column(dataset: str, column: str) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        tables[dataset] = tables[dataset].drop(columns=column)

    return corrupt


def keep_rows(dataset: str, n: int) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        tables[dataset] = tables[dataset].iloc[:n]

    return corrupt


def append_copy_of_row(dataset: str, row: int) -> Callable[[Tables], None]:
    def corrupt(tables: Tables) -> None:
        frame = tables[dataset]
        tables[dataset] = pd.concat([frame, frame.iloc[[row - 1]]], ignore_index=True)

    return corrupt


def write_bytes(name: str, data: bytes) -> Callable[[Path], None]:
    def after(directory: Path) -> None:
        (directory / name).write_bytes(data)

    return after


def replace_bytes(name: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def after(directory: Path) -> None:
        path = directory / name
        data = path.read_bytes()
        assert old in data
        path.write_bytes(data.replace(old, new, 1))

    return after


def remove(name: str) -> Callable[[Path], None]:
    def after(directory: Path) -> None:
        (directory / name).unlink()

    return after


def also_as_xpt(dataset: str) -> Callable[[Path], None]:
    def after(directory: Path) -> None:
        write_trial({dataset: minimal_trial()[dataset]}, directory, fmt="xpt")

    return after


HOSTILE = (
    '<script>alert("x")</script> =HYPERLINK("http://evil","click"), '
    "\x07\x1b[31m\nline2\t; DROP TABLE"
)


def _hostile_loaded(trial, issues) -> None:
    assert trial.adae.loc[0, "AETERM"] == HOSTILE


def _adbm_absent(trial, issues) -> None:
    assert trial.adbm.empty
    assert "AVAL" in trial.adbm.columns


def _zero_aes(trial, issues) -> None:
    assert trial.adae.empty


def _no_warnings(trial, issues) -> None:
    """An impossible value is one error, not also an eligibility warning."""
    assert [str(i) for i in issues if i.severity == "warning"] == []


def at(dataset: str, row: int, usubjid: str) -> str:
    return rf"^{dataset} row {row} \(USUBJID {re.escape(usubjid)}\): "


CASES = [
    # --- files and directory ---------------------------------------------------------------
    Case(
        "empty_file",
        r"^ADAE: file adae\.csv is empty \(0 bytes\)\. Hint: export",
        after_write=write_bytes("adae.csv", b""),
    ),
    Case(
        "blank_file",
        r"^ADRS: file adrs\.csv has no header row",
        after_write=write_bytes("adrs.csv", b"\n \n"),
    ),
    Case(
        "header_only_adsl",
        r"^ADSL: file adsl\.csv has a header but no data rows; ADSL needs one row per enrolled",
        corrupt=keep_rows("ADSL", 0),
    ),
    Case(
        "header_only_child_is_fine",
        "",
        corrupt=keep_rows("ADAE", 0),
        errors=0,
        accepted=True,
        extra=_zero_aes,
    ),
    Case(
        "non_utf8",
        r"^ADAE: file adae\.csv is not UTF-8 text: byte 0xE9 at byte offset \d+ \(line 2\) "
        r"cannot be decoded\. Hint: save the file as UTF-8",
        after_write=replace_bytes("adae.csv", b"tiredness", "fatigu\u00e9".encode("latin-1")),
    ),
    Case(
        "bom_accepted",
        "",
        errors=0,
        accepted=True,
        after_write=replace_bytes("adsl.csv", b"STUDYID", b"\xef\xbb\xbfSTUDYID"),
    ),
    Case(
        "two_formats_of_one_dataset",
        r'^ADSL: "adsl\.csv, adsl\.xpt" are 2 files for ADSL; one file per dataset is allowed',
        after_write=also_as_xpt("ADSL"),
    ),
    Case(
        "missing_dataset",
        r"^ADEX: no file found for this required dataset in .*\. Hint: add adex\.csv, adex\.xpt",
        after_write=remove("adex.csv"),
    ),
    Case(
        "optional_adbm_absent",
        "",
        errors=0,
        accepted=True,
        after_write=remove("adbm.csv"),
        extra=_adbm_absent,
    ),
    Case(
        "unreadable_xpt",
        r"^ADTR: file adtr\.xpt could not be read as a SAS transport \(XPORT\) file",
        after_write=lambda d: (
            remove("adtr.csv")(d),
            write_bytes("adtr.xpt", b"HEADER RECORD***garbage" * 5)(d),
        ),
    ),
    Case(
        "ragged_csv",
        r"^ADRS: file adrs\.csv is not a well-formed CSV file \(.*line 3",
        after_write=replace_bytes("adrs.csv", b"PRE-OPERATIVE,PR", b"PRE-OPERATIVE,PR,extra"),
    ),
    Case(
        "semicolon_separated",
        r"^ADTR: file adtr\.csv uses ';' as the separator",
        after_write=lambda d: (d / "adtr.csv").write_text(
            (d / "adtr.csv").read_text().replace(",", ";")
        ),
    ),
    # --- columns and types -------------------------------------------------------------------
    Case(
        "missing_column",
        r"^ADAE: AETOXGR is a required column but is missing from the file \(expected columns: "
        r"STUDYID, USUBJID, AESEQ, AETERM, .*, AESDLYFL\)",
        corrupt=drop_column("ADAE", "AETOXGR"),
    ),
    Case(
        "text_in_age",
        at("ADSL", 1, "PROMIS-001") + r'AGE = "thirty" is not a whole number\.',
        corrupt=setcell("ADSL", 1, "AGE", "thirty"),
    ),
    Case(
        "fractional_integer",
        at("ADAE", 2, "PROMIS-001") + r"AETOXGR = 2\.5 is not a whole number",
        corrupt=setcell("ADAE", 2, "AETOXGR", "2.5"),
    ),
    Case(
        "na_text_in_number",
        at("ADSL", 3, "PROMIS-003") + r'DFIMO = "NA" is not a number\. '
        r"Hint: DFIMO holds numbers only; leave the cell empty",
        corrupt=setcell("ADSL", 3, "DFIMO", "NA"),
    ),
    Case(
        "required_value_missing",
        at("ADSL", 2, "PROMIS-002") + r"SITEID is missing; a value is required",
        corrupt=setcell("ADSL", 2, "SITEID", ""),
    ),
    Case(
        "duplicate_key_adae",
        at("ADAE", 2, "PROMIS-001") + r'USUBJID, AESEQ = "PROMIS-001, 1" duplicates row 1; '
        r"each \(USUBJID, AESEQ\) must be unique",
        corrupt=setcell("ADAE", 2, "AESEQ", "1"),
    ),
    Case(
        "duplicate_patient_adsl",
        at("ADSL", 4, "PROMIS-001") + r'USUBJID = "PROMIS-001" duplicates row 1; each USUBJID '
        r"must be unique",
        corrupt=append_copy_of_row("ADSL", 1),
    ),
    # --- dates -------------------------------------------------------------------------------
    Case(
        "mixed_date_formats",
        at("ADSL", 2, "PROMIS-002") + r'RFICDT = "02/03/2025" is not a date in the expected '
        r"format YYYY-MM-DD\. Hint: write dates as ISO 8601",
        corrupt=setcell("ADSL", 2, "RFICDT", "02/03/2025"),
    ),
    Case(
        "impossible_date",
        at("ADRS", 2, "PROMIS-001") + r"ADT = 2025-02-30 is not a real calendar date",
        corrupt=setcell("ADRS", 2, "ADT", "2025-02-30"),
    ),
    Case(
        "partial_date_in_complete_column",
        at("ADSL", 2, "PROMIS-002") + r"ENRLDT = 2025-02 is a partial date; ENRLDT needs a "
        r"complete date YYYY-MM-DD\. Hint: .*allowed only in ADAE\.ASTDT, ADAE\.AENDT",
        corrupt=setcell("ADSL", 2, "ENRLDT", "2025-02"),
    ),
    Case(
        "impossible_partial_month",
        at("ADAE", 1, "PROMIS-001") + r"ASTDT = 2025-13 is not a real calendar date",
        corrupt=setcell("ADAE", 1, "ASTDT", "2025-13"),
    ),
    Case(
        "ambiguous_cutoff",
        r'^ADSL: DCUTDT = "2026-06-30, 2026-07-31" has 2 different values; one data cut-off',
        corrupt=setcell("ADSL", 3, "DCUTDT", "2026-07-31"),
    ),
    Case(
        "date_after_cutoff",
        at("ADEX", 4, "PROMIS-001") + r"EXSTDT = 2026-07-05 is after the data cut-off DCUTDT "
        r"2026-06-30",
        corrupt=setcell("ADEX", 4, "EXSTDT", "2026-07-05"),
    ),
    # --- controlled terms and ranges -----------------------------------------------------------
    Case(
        "grade_7",
        at("ADAE", 3, "PROMIS-002") + r"AETOXGR = 7 is outside 1-5\. Hint:",
        corrupt=setcell("ADAE", 3, "AETOXGR", "7"),
    ),
    Case(
        "unknown_response_code",
        at("ADRS", 2, "PROMIS-001") + r'AVALC = "VGPR" is not one of: CR, PR, SD, PD, NE, NED\.',
        corrupt=setcell("ADRS", 2, "AVALC", "VGPR"),
    ),
    Case(
        "unknown_sex",
        at("ADSL", 1, "PROMIS-001") + r'SEX = "U" is not one of: M, F\.',
        corrupt=setcell("ADSL", 1, "SEX", "U"),
    ),
    Case(
        "lowercase_flag",
        at("ADAE", 4, "PROMIS-003") + r'AESER = "y" is not one of: Y, N\. '
        r"Hint: use Y or N",
        corrupt=setcell("ADAE", 4, "AESER", "y"),
    ),
    Case(
        "necrosis_120",
        at("ADSL", 1, "PROMIS-001") + r"NECRPCT = 120 is outside 0-100\.",
        corrupt=setcell("ADSL", 1, "NECRPCT", "120"),
    ),
    Case(
        "nodules_zero",
        at("ADSL", 3, "PROMIS-003") + r"NNODULE = 0 must be >= 1\.",
        corrupt=setcell("ADSL", 3, "NNODULE", "0"),
    ),
    Case(
        "zero_planned_dose",
        at("ADEX", 1, "PROMIS-001") + r"EXPLDOS = 0 must be > 0\.",
        corrupt=setcell("ADEX", 1, "EXPLDOS", "0"),
    ),
    Case(
        "wrong_study",
        at("ADRS", 1, "PROMIS-001") + r'STUDYID = "PROMIS2" is not one of: PROMIS',
        corrupt=setcell("ADRS", 1, "STUDYID", "PROMIS2"),
    ),
    Case(
        "unknown_biomarker",
        at("ADBM", 1, "PROMIS-001") + r'PARAMCD = "KI67" is not one of: CD8DENS, TLSCNT, PDL1TPS',
        corrupt=setcell("ADBM", 1, "PARAMCD", "KI67"),
    ),
    Case(
        "ecog_score_out_of_scale",
        at("ADSL", 1, "PROMIS-001") + r"PSSCORE = 7 is outside 0-5, the ECOG scale",
        corrupt=setcell("ADSL", 1, "PSSCORE", "7"),
    ),
    Case(
        "lansky_not_in_steps_of_10",
        at("ADSL", 2, "PROMIS-002") + r"PSSCORE = 85 is not a Lansky score: 0-100 in steps of 10",
        corrupt=setcell("ADSL", 2, "PSSCORE", "85"),
    ),
    Case(
        "ps_type_mismatched_with_age",
        at("ADSL", 2, "PROMIS-002") + r'PSTYPE = "ECOG" does not match AGE 14: ECOG is used at '
        r"age 16 and over, LANSKY below 16",
        corrupt=both(setcell("ADSL", 2, "PSTYPE", "ECOG"), setcell("ADSL", 2, "PSSCORE", "1")),
    ),
    # --- eligibility deviations are warnings ----------------------------------------------------
    Case(
        "age_outside_10_65_is_warning",
        r"^Warning: ADSL row 2 \(USUBJID PROMIS-002\): AGE = 9 is outside the eligible age range "
        r"10-65 \(eligibility deviation",
        corrupt=setcell("ADSL", 2, "AGE", "9"),
        errors=0,
        accepted=True,
    ),
    Case(
        "ecog_3_is_warning",
        r"^Warning: ADSL row 3 \(USUBJID PROMIS-003\): PSSCORE = 3 is above the eligibility "
        r"maximum ECOG 2",
        corrupt=setcell("ADSL", 3, "PSSCORE", "3"),
        errors=0,
        accepted=True,
    ),
    Case(
        "lansky_60_is_warning",
        r"^Warning: ADSL row 2 \(USUBJID PROMIS-002\): PSSCORE = 60 is below the eligibility "
        r"minimum Lansky 70",
        corrupt=setcell("ADSL", 2, "PSSCORE", "60"),
        errors=0,
        accepted=True,
    ),
    # --- impossible values are errors (SAP 8.1), ineligible ones stay warnings ---------------
    Case(
        "age_200_is_impossible",
        at("ADSL", 1, "PROMIS-001") + r"AGE = 200 is outside 0-120\. Hint: AGE must lie between "
        r"0 and 120; correct the value from the source record",
        corrupt=setcell("ADSL", 1, "AGE", "200"),
        extra=lambda trial, issues: _no_warnings(trial, issues),
    ),
    Case(
        "age_negative_is_impossible",
        at("ADSL", 3, "PROMIS-003") + r"AGE = -1 is outside 0-120\.",
        corrupt=setcell("ADSL", 3, "AGE", "-1"),
        extra=lambda trial, issues: _no_warnings(trial, issues),
    ),
    Case(
        "age_66_is_warning",
        r"^Warning: ADSL row 1 \(USUBJID PROMIS-001\): AGE = 66 is outside the eligible age range "
        r"10-65 \(eligibility deviation",
        corrupt=setcell("ADSL", 1, "AGE", "66"),
        errors=0,
        accepted=True,
    ),
    Case(
        "age_120_is_possible",
        r"^Warning: ADSL row 1 \(USUBJID PROMIS-001\): AGE = 120 is outside the eligible age",
        corrupt=setcell("ADSL", 1, "AGE", "120"),
        errors=0,
        accepted=True,
    ),
    Case(
        "ecog_negative_is_impossible",
        at("ADSL", 3, "PROMIS-003") + r"PSSCORE = -1 is outside 0-5, the ECOG scale",
        corrupt=setcell("ADSL", 3, "PSSCORE", "-1"),
    ),
    Case(
        "lansky_110_is_impossible",
        at("ADSL", 2, "PROMIS-002") + r"PSSCORE = 110 is not a Lansky score: 0-100 in steps of 10",
        corrupt=setcell("ADSL", 2, "PSSCORE", "110"),
    ),
    Case(
        "necrosis_negative_is_impossible",
        at("ADSL", 2, "PROMIS-002") + r"NECRPCT = -5 is outside 0-100\.",
        corrupt=setcell("ADSL", 2, "NECRPCT", "-5"),
    ),
    Case(
        "date_before_1900_is_impossible",
        at("ADSL", 1, "PROMIS-001") + r"RFICDT = 1899-12-31 is before 1900-01-01, which is not a "
        r"possible date in this trial\. Hint: check the year",
        corrupt=setcell("ADSL", 1, "RFICDT", "1899-12-31"),
    ),
    Case(
        "partial_date_before_1900_is_impossible",
        at("ADAE", 2, "PROMIS-001") + r"ASTDT = 1899 is before 1900-01-01, which is not a "
        r"possible date",
        corrupt=setcell("ADAE", 2, "ASTDT", "1899"),
    ),
    Case(
        "partial_date_after_the_extract_is_impossible",
        at("ADAE", 2, "PROMIS-001") + r"ASTDT = 2026-07 is after the data cut-off DCUTDT "
        r"2026-06-30",
        corrupt=both(setcell("ADAE", 2, "ASTDT", "2026-07"), setcell("ADAE", 2, "AENDT", "")),
    ),
    Case(
        "death_after_the_extract_is_impossible",
        at("ADSL", 2, "PROMIS-002") + r"DTHDT = 2027-01-01 is after the data cut-off DCUTDT",
        corrupt=setcell("ADSL", 2, "DTHDT", "2027-01-01"),
    ),
    # --- numbers too large to hold (formerly a TypeError inside validate) ----------------------
    Case(
        "age_with_20_digits",
        at("ADSL", 1, "PROMIS-001") + r"AGE = 99999999999999999999 is too large for a whole "
        r"number \(at most 9007199254740991, 2\^53 - 1\)",
        corrupt=setcell("ADSL", 1, "AGE", "99999999999999999999"),
    ),
    Case(
        "aeseq_1e19",
        at("ADAE", 1, "PROMIS-001") + r'AESEQ = "1e19" is too large for a whole number',
        corrupt=setcell("ADAE", 1, "AESEQ", "1e19"),
    ),
    # --- identifiers: invisible characters and look-alikes ------------------------------------
    Case(
        "usubjid_with_zero_width_space",
        at("ADSL", 4, r"PROMIS-001\u200b")
        + r'USUBJID = "PROMIS-001\\u200b" contains an invisible or control character '
        r"\(U\+200B ZERO WIDTH SPACE at position 11\); identifiers must be visible text\. "
        r"Hint: retype the identifier",
        corrupt=both(
            append_copy_of_row("ADSL", 1), setcell("ADSL", 4, "USUBJID", "PROMIS-001\u200b")
        ),
    ),
    Case(
        "usubjid_in_child_with_bidi_control",
        at("ADAE", 2, r"PROMIS-\u202e001")
        + r'USUBJID = "PROMIS-\\u202e001" contains an invisible or control character '
        r"\(U\+202E RIGHT-TO-LEFT OVERRIDE at position 8\)",
        corrupt=setcell("ADAE", 2, "USUBJID", "PROMIS-\u202e001"),
    ),
    Case(
        "siteid_with_no_break_space",
        at("ADSL", 1, "PROMIS-001") + r'SITEID = "0\\xa01" contains an invisible or control '
        r"character \(U\+00A0 NO-BREAK SPACE at position 2\)",
        corrupt=setcell("ADSL", 1, "SITEID", "0\u00a01"),
    ),
    Case(
        "usubjid_fullwidth_look_alike",
        at("ADSL", 4, "\uff30ROMIS-001") + r'USUBJID = "\uff30ROMIS-001" is the same identifier as '
        r'"PROMIS-001" in row 1 once Unicode compatibility forms \(NFKC\) and case are ignored; '
        r"each patient needs a distinct USUBJID\. Hint:",
        corrupt=both(
            append_copy_of_row("ADSL", 1), setcell("ADSL", 4, "USUBJID", "\uff30ROMIS-001")
        ),
    ),
    Case(
        "usubjid_differing_only_in_case",
        at("ADSL", 4, "promis-001") + r'USUBJID = "promis-001" is the same identifier as '
        r'"PROMIS-001" in row 1',
        corrupt=both(append_copy_of_row("ADSL", 1), setcell("ADSL", 4, "USUBJID", "promis-001")),
    ),
    Case(
        "siteid_spelled_two_ways",
        at("ADSL", 3, "PROMIS-003") + r'SITEID = "site a" is the same identifier as "SITE A" in '
        r"row 1 once Unicode compatibility forms \(NFKC\) and case are ignored; one site is "
        r"spelled one way\.",
        corrupt=both(
            setcell("ADSL", 1, "SITEID", "SITE A"),
            setcell("ADSL", 2, "SITEID", "SITE A"),
            setcell("ADSL", 3, "SITEID", "site a"),
        ),
    ),
    Case(
        "usubjid_case_variant_in_a_child_is_an_orphan",
        at("ADAE", 1, "promis-001") + r'USUBJID = "promis-001" is not in ADSL',
        corrupt=setcell("ADAE", 1, "USUBJID", "promis-001"),
    ),
    Case(
        "plain_space_in_siteid_is_fine",
        "",
        corrupt=setcell("ADSL", 1, "SITEID", "SITE 01"),
        errors=0,
        accepted=True,
    ),
    Case(
        "rich_markup_in_siteid_is_data",
        "",
        corrupt=setcell("ADSL", 1, "SITEID", "[/x]"),
        errors=0,
        accepted=True,
    ),
    # --- conditional requirements --------------------------------------------------------------
    Case(
        "missing_surgery_not_done_reason",
        at("ADSL", 3, "PROMIS-003") + r"SURGNDRS is missing but SURGOUT is NOT DONE; it is "
        r"required then",
        corrupt=setcell("ADSL", 3, "SURGNDRS", ""),
    ),
    Case(
        "missing_necrosis_when_operated",
        at("ADSL", 2, "PROMIS-002") + r"NECRPCT is missing but SURGOUT is R1; it is required",
        corrupt=setcell("ADSL", 2, "NECRPCT", ""),
    ),
    Case(
        "missing_surgery_date_when_operated",
        at("ADSL", 1, "PROMIS-001") + r"SURGDT is missing but SURGOUT is R0",
        corrupt=setcell("ADSL", 1, "SURGDT", ""),
    ),
    Case(
        "surgery_date_without_surgery",
        at("ADSL", 3, "PROMIS-003") + r"SURGDT = 2025-05-02 is given but SURGOUT is NOT DONE",
        corrupt=setcell("ADSL", 3, "SURGDT", "2025-05-02"),
    ),
    Case(
        "missing_death_cause",
        at("ADSL", 2, "PROMIS-002") + r"DTHCAUS is missing but DTHDT is given",
        corrupt=setcell("ADSL", 2, "DTHCAUS", ""),
    ),
    Case(
        "missing_discontinuation_reason",
        at("ADSL", 2, "PROMIS-002") + r"DCSREAS is missing but EOSSTT is DISCONTINUED",
        corrupt=setcell("ADSL", 2, "DCSREAS", ""),
    ),
    Case(
        "biomarker_done_without_value",
        at("ADBM", 2, "PROMIS-001") + r"AVAL is missing but BMSTAT is DONE",
        corrupt=setcell("ADBM", 2, "AVAL", ""),
    ),
    # --- cross-dataset -------------------------------------------------------------------------
    Case(
        "orphan_subject",
        at("ADRS", 1, "PROMIS-009") + r'USUBJID = "PROMIS-009" is not in ADSL',
        corrupt=setcell("ADRS", 1, "USUBJID", "PROMIS-009"),
    ),
    Case(
        "ae_onset_before_consent",
        at("ADAE", 1, "PROMIS-001") + r"ASTDT = 2025-01-02 is before RFICDT 2025-01-06 "
        r"\(informed consent\) in ADSL; no adverse event onset may precede informed consent",
        corrupt=setcell("ADAE", 1, "ASTDT", "2025-01-02"),
    ),
    Case(
        "death_before_assessment",
        at("ADRS", 6, "PROMIS-002") + r"ADT = 2025-12-10 is after the patient's death "
        r"\(DTHDT 2025-12-05 in ADSL\); no tumour assessment may follow death",
        corrupt=setcell("ADRS", 6, "ADT", "2025-12-10"),
    ),
    Case(
        "dose_after_death",
        at("ADEX", 7, "PROMIS-002") + r"EXSTDT = 2025-12-06 is after the patient's death",
        corrupt=setcell("ADEX", 7, "EXSTDT", "2025-12-06"),
    ),
    Case(
        "dose_before_enrollment",
        at("ADEX", 8, "PROMIS-003") + r"EXSTDT = 2025-03-04 is before ENRLDT 2025-03-05 "
        r"\(enrollment\) in ADSL",
        corrupt=setcell("ADEX", 8, "EXSTDT", "2025-03-04"),
    ),
    Case(
        "surgery_before_enrollment",
        at("ADSL", 1, "PROMIS-001") + r"SURGDT = 2025-01-08 is not after ENRLDT 2025-01-10 "
        r"\(enrollment\)",
        corrupt=setcell("ADSL", 1, "SURGDT", "2025-01-08"),
    ),
    Case(
        "enrollment_before_consent",
        at("ADSL", 3, "PROMIS-003") + r"ENRLDT = 2025-03-01 is before RFICDT 2025-03-03",
        corrupt=setcell("ADSL", 3, "ENRLDT", "2025-03-01"),
    ),
    Case(
        "last_alive_after_death",
        at("ADSL", 2, "PROMIS-002") + r"LSTALVDT = 2025-12-20 is after DTHDT 2025-12-05; "
        r"nothing can be dated after death",
        corrupt=setcell("ADSL", 2, "LSTALVDT", "2025-12-20"),
    ),
    Case(
        "ae_resolved_before_onset",
        at("ADAE", 3, "PROMIS-002") + r"AENDT = 2025-02-10 is before the onset ASTDT 2025-02-20",
        corrupt=setcell("ADAE", 3, "AENDT", "2025-02-10"),
    ),
    Case(
        "two_baseline_rows",
        at("ADTR", 2, "PROMIS-001") + r'ABLFL = "Y" is set on 2 rows \(1, 2\) of this patient; '
        r"exactly one baseline row",
        corrupt=setcell("ADTR", 2, "ABLFL", "Y"),
    ),
    Case(
        "no_baseline_row",
        r"^ADTR \(USUBJID PROMIS-003\): ABLFL is Y on none of this patient's rows",
        corrupt=setcell("ADTR", 5, "ABLFL", "N"),
    ),
    Case(
        "dose_unit_does_not_match_treatment",
        at("ADEX", 2, "PROMIS-001") + r'EXDOSU = "mg" does not match EXTRT GEMCITABINE',
        corrupt=setcell("ADEX", 2, "EXDOSU", "mg"),
    ),
    Case(
        "recurrence_before_surgery",
        at("ADRS", 2, "PROMIS-001") + r'RECURFL = "Y" is Y on a PRE-OPERATIVE assessment',
        corrupt=setcell("ADRS", 2, "RECURFL", "Y"),
    ),
    # --- hostile text -----------------------------------------------------------------------
    Case(
        "fas_flag_n",
        at("ADSL", 2, "PROMIS-002") + r"FASFL = \"N\" is N but ADSL holds enrolled patients only",
        corrupt=setcell("ADSL", 2, "FASFL", "N"),
    ),
    Case(
        "saf_flag_n_for_a_dosed_patient",
        at("ADSL", 2, "PROMIS-002") + r"SAFFL = \"N\" is N but TRTSDT is 20\d\d-\d\d-\d\d; a "
        r"dosed patient is in the safety set \(SAP 4\.2\)",
        corrupt=setcell("ADSL", 2, "SAFFL", "N"),
    ),
    Case(
        "pps_flag_without_surgery",
        at("ADSL", 3, "PROMIS-003") + r"PPROTFL = \"Y\" is Y but the patient is not in the FAS "
        r"and SAF with surgery done \(FASFL Y, SAFFL Y, SURGOUT NOT DONE\)",
        corrupt=setcell("ADSL", 3, "PPROTFL", "Y"),
    ),
    Case(
        "hostile_text_loads_as_data",
        "",
        errors=0,
        accepted=True,
        corrupt=setcell("ADAE", 1, "AETERM", HOSTILE),
        extra=_hostile_loaded,
    ),
    Case(
        "hostile_text_is_escaped_in_messages",
        at("ADSL", 1, "PROMIS-001") + r'SEX = "\\x1b\[31mM\\nF\\x00<b>" is not one of: M, F',
        corrupt=setcell("ADSL", 1, "SEX", "\x1b[31mM\nF\x00<b>"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    tables = minimal_trial()
    case.corrupt(tables)
    write_trial(tables, tmp_path)
    case.after_write(tmp_path)

    trial, issues = validate_trial(tmp_path, SAP)

    messages = [str(issue) for issue in issues]
    errors = [i for i in issues if i.severity == "error"]
    assert len(errors) == case.errors, "\n".join(messages)
    assert (trial is not None) == case.accepted, "\n".join(messages)
    if case.expect:
        assert any(re.search(case.expect, m) for m in messages), "\n".join(messages)
    for message in messages:  # a message is one line without raw control characters
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", message), repr(message)
    if case.extra is not None:
        case.extra(trial, issues)


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case_id", ["grade_7", "orphan_subject", "non_utf8"])
def test_load_trial_raises_with_the_same_message(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == case_id)
    tables = minimal_trial()
    case.corrupt(tables)
    write_trial(tables, tmp_path)
    case.after_write(tmp_path)
    with pytest.raises(DataValidationError, match=case.expect.lstrip("^")) as raised:
        load_trial(tmp_path, SAP)
    assert len(raised.value.issues) == 1
    assert str(raised.value).startswith("1 data validation failure(s):")
