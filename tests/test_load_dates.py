"""Partial dates and the SAP 8.3 imputation rules, unit by unit and through the loader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.load import load_trial, validate_trial
from osteo_stats.load.dates import impute, parse_dates

SAP = load_sap()
T = pd.Timestamp


def parse(values, partial_allowed=True):
    return parse_dates(
        pd.Series(values, index=range(1, len(values) + 1), dtype=object),
        partial_allowed=partial_allowed,
        column="X",
        partial_columns="ADAE.ASTDT",
    )


def test_periods_of_complete_and_partial_dates() -> None:
    parsed = parse(["2025-03-15", "2024-02", "2025", "", None])
    assert list(parsed.precision) == ["day", "month", "year", "", ""]
    assert list(parsed.lo[:3]) == [T("2025-03-15"), T("2024-02-01"), T("2025-01-01")]
    assert list(parsed.hi[:3]) == [T("2025-03-15"), T("2024-02-29"), T("2025-12-31")]
    assert parsed.lo[4:].isna().all() and parsed.problems == {}


def test_sas_dates_and_datetimes_are_accepted_and_normalised() -> None:
    parsed = parse(
        [dt.date(2025, 1, 2), dt.datetime(2025, 1, 3, 14, 30), T("2025-01-04 08:00"), "2025-01-05"]
    )
    assert list(parsed.lo) == [T("2025-01-02"), T("2025-01-03"), T("2025-01-04"), T("2025-01-05")]
    datetimes = pd.Series(pd.to_datetime(["2025-01-02 10:00", None]))
    parsed = parse_dates(datetimes, partial_allowed=False, column="X", partial_columns="")
    assert parsed.lo[0] == T("2025-01-02") and pd.isna(parsed.lo[1])


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2025-02-30", "is not a real calendar date"),
        ("2025-13", "is not a real calendar date"),
        ("9999-12-31", "is outside the supported years 1678-2261"),
        ("03/15/2025", "is not a date in the expected format YYYY-MM-DD (or YYYY-MM / YYYY"),
        ("15MAR2025", "is not a date in the expected format"),
        ("2025-3-15", "is not a date in the expected format"),
        ("2025-03-15T10:00", "is not a date in the expected format"),
        (23743.0, "is a number, not a date"),
    ],
)
def test_bad_date_cells(value, rule) -> None:
    parsed = parse(["2025-01-01", value])
    assert list(parsed.problems) == [2]
    assert parsed.problems[2][0].startswith(rule)
    assert pd.isna(parsed.lo[2]) and parsed.precision[2] == ""


def test_partial_date_where_not_allowed() -> None:
    parsed = parse(["2025-03", "2025"], partial_allowed=False)
    assert parsed.problems[1] == (
        "is a partial date; X needs a complete date YYYY-MM-DD",
        "enter the full date from the source record (partial dates are allowed only in ADAE.ASTDT)",
    )
    assert set(parsed.problems) == {1, 2}


def test_first_and_last_of_period() -> None:
    parsed = parse(["2024-02", "2025", "2025-06-15", ""])
    first, flags = impute(parsed, "first_of_period")
    last, _ = impute(parsed, "last_of_period")
    assert list(first[:3]) == [T("2024-02-01"), T("2025-01-01"), T("2025-06-15")]
    assert list(last[:3]) == [T("2024-02-29"), T("2025-12-31"), T("2025-06-15")]
    assert pd.isna(first[4]) and pd.isna(last[4])
    assert list(flags) == ["D", "M", "", ""]


def test_first_of_period_not_before_first_dose() -> None:
    """First day of the period, unless the first dose falls inside it: then the first dose."""
    parsed = parse(["2025-01", "2025-02", "2025", "2024", "2025-01-05", ""])
    trtsdt = pd.Series(pd.to_datetime(["2025-01-13"] * 6), index=range(1, 7))
    value, flags = impute(parsed, "first_of_period_not_before_first_dose", trtsdt)
    assert list(value[:5]) == [
        T("2025-01-13"),  # dose within January 2025 -> the dose date (treatment-emergent)
        T("2025-02-01"),  # period after the dose -> its first day
        T("2025-01-13"),  # dose within 2025
        T("2024-01-01"),  # period before the dose -> first day (stays pre-treatment)
        T("2025-01-05"),  # complete dates are never changed
    ]
    assert pd.isna(value[6])  # missing onset stays missing (treatment-emergent downstream)
    assert list(flags) == ["D", "D", "M", "M", "", ""]


def test_anchor_rule_without_anchor_falls_back_to_first_of_period() -> None:
    parsed = parse(["2025-01"])
    value, _ = impute(
        parsed, "first_of_period_not_before_first_dose", pd.Series([pd.NaT], index=[1])
    )
    assert value[1] == T("2025-01-01")


def test_unknown_rule_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="allowed: first_of_period, last_of_period"):
        impute(parse(["2025"]), "middle_of_period")


# --- through the loader -------------------------------------------------------------------------


def load_with(tmp_path: Path, **cells):
    """Load the minimal trial with cells set: name ``DATASET__COLUMN__ROW`` (1-based)."""
    tables = minimal_trial()
    for key, value in cells.items():
        dataset, column, row = key.split("__")
        tables[dataset].loc[int(row) - 1, column] = value
    return validate_trial(write_trial(tables, tmp_path), SAP)


def test_ae_onset_imputation_and_flags(tmp_path: Path) -> None:
    trial, issues = load_with(
        tmp_path,
        ADAE__ASTDT__1="2025-01",  # PROMIS-001, TRTSDT 2025-01-13
        ADAE__ASTDT__2="2025-05",
        ADAE__ASTDT__3="2025",  # PROMIS-002, TRTSDT 2025-02-10
        ADAE__ASTDT__4="",  # PROMIS-003, missing onset
        ADAE__AENDT__2="2025-06",
    )
    assert issues == []
    adae = trial.adae
    assert list(adae["ASTDT"][:3]) == [T("2025-01-13"), T("2025-05-01"), T("2025-02-10")]
    assert pd.isna(adae.loc[3, "ASTDT"])
    assert list(adae["ASTDTF"]) == ["D", "D", "M", ""]
    assert adae.loc[1, "AENDT"] == T("2025-06-30") and adae.loc[1, "AENDTF"] == "D"


def test_death_and_new_therapy_imputation(tmp_path: Path) -> None:
    trial, issues = load_with(
        tmp_path,
        ADSL__DTHDT__2="2025-12",  # PROMIS-002, last known alive 2025-12-01
        ADSL__NACTDT__3="2025-05",
    )
    assert issues == []
    adsl = trial.adsl
    assert adsl.loc[1, "DTHDT"] == T("2025-12-01") and adsl.loc[1, "DTHDTF"] == "D"
    assert adsl.loc[2, "NACTDT"] == T("2025-05-01") and adsl.loc[2, "NACTDTF"] == "D"


def test_death_month_after_last_alive_month(tmp_path: Path) -> None:
    trial, _ = load_with(tmp_path, ADSL__DTHDT__2="2025-12", ADSL__LSTALVDT__2="2025-11-20")
    assert trial.adsl.loc[1, "DTHDT"] == T("2025-12-01")


def test_partial_dates_are_checked_by_their_whole_period(tmp_path: Path) -> None:
    """A partial onset in the consent month, or in the death month, is not an error."""
    trial, issues = load_with(
        tmp_path,
        ADAE__ASTDT__1="2025-01",  # consent 2025-01-06 lies in January
        ADSL__DTHDT__2="2025-12",  # imputed 2025-12-01, but a 2025-12-05 EOSDT is no conflict
        ADAE__AENDT__4="2026",  # ends within the cut-off year: not after the cut-off
    )
    assert issues == [] and trial is not None
    assert trial.adae.loc[3, "AENDT"] == T("2026-12-31")


def test_partial_onset_wholly_before_consent_is_an_error(tmp_path: Path) -> None:
    _, issues = load_with(tmp_path, ADAE__ASTDT__1="2024-12")
    assert [str(i) for i in issues] == [
        "ADAE row 1 (USUBJID PROMIS-001): ASTDT = 2024-12 is before RFICDT 2025-01-06 (informed "
        "consent) in ADSL; no adverse event onset may precede informed consent. Hint: check ASTDT "
        "and the patient's ADSL RFICDT against the source records"
    ]


def test_partial_date_wholly_after_cutoff_is_an_error(tmp_path: Path) -> None:
    _, issues = load_with(tmp_path, ADAE__AENDT__4="2027")
    assert len(issues) == 1
    assert str(issues[0]).startswith(
        "ADAE row 4 (USUBJID PROMIS-003): AENDT = 2027 is after the data cut-off DCUTDT 2026-06-30"
    )


def test_loader_owns_the_flag_column(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADAE"]["ASTDTF"] = "X"
    tables["ADAE"].loc[0, "ASTDT"] = "2025-01"
    trial = load_trial(write_trial(tables, tmp_path), SAP)
    assert list(trial.adae["ASTDTF"]) == ["D", "", "", ""]


def test_partial_dates_as_character_in_xpt(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADAE"].loc[0, "ASTDT"] = "2025-01"
    tables["ADSL"].loc[1, "DTHDT"] = "2025-12"
    trial = load_trial(write_trial(tables, tmp_path, fmt="xpt"), SAP)
    assert trial.adae.loc[0, "ASTDT"] == T("2025-01-13")
    assert trial.adsl.loc[1, "DTHDTF"] == "D"


def test_dates_before_1900_are_impossible_in_every_form() -> None:
    """Text, partial text, and SAS dates (datetime64) alike; 1900-01-01 itself is possible."""
    parsed = parse(["1899-12-31", "1899-12", "1899", "1900-01-01", "1900", dt.date(1850, 5, 1)])
    assert sorted(parsed.problems) == [1, 2, 3, 6]
    assert parsed.problems[1][0] == (
        "is before 1900-01-01, which is not a possible date in this trial"
    )
    assert parsed.lo[[1, 2, 3, 6]].isna().all()
    assert list(parsed.lo[[4, 5]]) == [T("1900-01-01"), T("1900-01-01")]
    sas = parse_dates(
        pd.Series(pd.to_datetime(["1899-06-30", "2025-01-02"]), index=[1, 2]),
        partial_allowed=False,
        column="X",
        partial_columns="",
    )
    assert list(sas.problems) == [1]
    assert sas.lo.isna().tolist() == [True, False]
