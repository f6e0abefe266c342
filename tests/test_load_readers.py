"""Finding and reading files: names, formats, encodings, CSV quirks, SAS types; safe messages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.load import load_trial, validate_trial
from osteo_stats.load.issues import safe_value
from osteo_stats.sap import SAP as SAPModel

SAP = load_sap()


def messages(directory: Path, sap=SAP) -> list[str]:
    return [str(i) for i in validate_trial(directory, sap)[1]]


def test_csv_names_are_case_insensitive(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path)
    (tmp_path / "adsl.csv").rename(tmp_path / "ADSL.CSV")
    (tmp_path / "adae.csv").rename(tmp_path / "AdAe.Csv")
    trial = load_trial(tmp_path, SAP)
    assert [s.path.name for s in trial.sources[:2]] == ["ADSL.CSV", "AdAe.Csv"]


def test_unsupported_format_is_named_in_the_hint(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path)
    (tmp_path / "adex.csv").rename(tmp_path / "adex.xlsx")
    assert messages(tmp_path) == [
        f"ADEX: no file found for this required dataset in {tmp_path}. Hint: add adex.csv, "
        "adex.xpt or adex.sas7bdat (adex.xlsx is not a supported format: export it as CSV "
        "(UTF-8) or SAS transport)"
    ]


def test_unrelated_files_are_ignored(tmp_path: Path) -> None:
    """Not read; a data file gets a note saying so (test_validate_summary.py), not an error."""
    write_trial(minimal_trial(), tmp_path)
    (tmp_path / "README.txt").write_text("notes")
    (tmp_path / "adsl_old.csv").write_text("junk")
    assert messages(tmp_path) == [
        'Note: ADSL_OLD: "adsl_old.csv" is ignored: not a dataset of the PROMIS data model '
        "(sap/DATA_MODEL.md). Hint: nothing to do; the file is not read"
    ]
    assert load_trial(tmp_path, SAP).warnings == ()


def test_unreadable_sas7bdat(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path)
    (tmp_path / "adrs.csv").unlink()
    (tmp_path / "adrs.sas7bdat").write_bytes(b"\x00" * 2048)
    (only,) = messages(tmp_path)
    assert only.startswith("ADRS: file adrs.sas7bdat could not be read as a SAS7BDAT file (")


def test_duplicate_column_in_header(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path)
    path = tmp_path / "adtr.csv"
    lines = path.read_text().splitlines()
    lines = [line + (",aval" if i == 0 else ",1") for i, line in enumerate(lines)]
    path.write_text("\n".join(lines) + "\n")
    assert messages(tmp_path) == [
        "ADTR: AVAL appears twice in the header (columns 6 and 8). Hint: remove or rename the "
        "duplicate column; names are compared ignoring ASCII case"
    ]


def test_quoted_commas_and_line_breaks_keep_row_numbers(tmp_path: Path) -> None:
    """A record spanning two lines is still one row; the next record's row number is right."""
    tables = minimal_trial()
    tables["ADAE"].loc[0, "AETERM"] = 'tired, "very"\nand weak'
    tables["ADAE"].loc[1, "AETOXGR"] = "6"
    (only,) = messages(write_trial(tables, tmp_path))
    assert only.startswith("ADAE row 2 (USUBJID PROMIS-001): AETOXGR = 6 is outside 1-5.")


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    """Row n is line n + 1 of the CSV, so a statistician can find it in any editor."""
    tables = minimal_trial()
    tables["ADAE"].loc[1, "AETOXGR"] = "6"
    write_trial(tables, tmp_path)
    path = tmp_path / "adae.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], "", *lines[2:]]) + "\n")
    (only,) = messages(tmp_path)
    assert only.startswith("ADAE row 3 (USUBJID PROMIS-001): AETOXGR = 6")


def test_windows_line_endings_and_padding(tmp_path: Path) -> None:
    tables = minimal_trial()
    tables["ADSL"].loc[0, "SEX"] = " M "
    write_trial(tables, tmp_path)
    path = tmp_path / "adsl.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    trial = load_trial(tmp_path, SAP)
    assert trial.adsl.loc[0, "SEX"] == "M"


def test_sas_numbers_in_text_columns_and_unformatted_dates(tmp_path: Path) -> None:
    write_trial(minimal_trial(), tmp_path, fmt="xpt")
    adsl, _ = pyreadstat.read_xport(str(tmp_path / "adsl.xpt"))
    adsl["SITEID"] = [1.0, 1.0, 2.0]  # numeric site codes
    adsl["RFICDT"] = (pd.to_datetime(adsl["RFICDT"]) - pd.Timestamp("1960-01-01")).dt.days.astype(
        float
    )  # SAS date values without a date format
    adsl["ENRLDT"] = [pd.Timestamp(v).date() for v in adsl["ENRLDT"]]
    pyreadstat.write_xport(adsl, str(tmp_path / "adsl.xpt"), table_name="ADSL")
    found = messages(tmp_path)
    assert len(found) == 3
    assert found[0] == (
        "ADSL row 1 (USUBJID PROMIS-001): RFICDT = 23747 is a number, not a date. Hint: store "
        "RFICDT as a SAS date (a numeric variable with format DATE9.) or as text YYYY-MM-DD"
    )


def test_sap_listing_a_non_date_column_as_partial(tmp_path: Path) -> None:
    raw = SAP.model_dump()
    raw["date_imputation"]["partial_allowed"]["ADSL"].append("AGE")
    raw["date_imputation"]["rules"]["AGE"] = "first_of_period"
    sap = SAPModel.model_validate(raw)
    found = messages(write_trial(minimal_trial(), tmp_path), sap)
    assert found == [
        'SAP: date_imputation.partial_allowed.ADSL = "AGE" is not a date column of the data '
        "model. Hint: list only date columns of DATA_MODEL.md under partial_allowed"
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain", "plain"),
        ("tab\tkept", "tab\tkept"),
        ("new\nline\r", "new\\nline\\r"),
        ("bell\x07 esc\x1b nul\x00", "bell\\x07 esc\\x1b nul\\x00"),
        ("rtl\u202eoverride", "rtl\\u202eoverride"),
        ("no\u00a0break zero\u200bwidth", "no\\xa0break zero\\u200bwidth"),
        ("x" * 80, "x" * 59 + "…"),
        (7.0, "7"),
        (2.5, "2.5"),
        (float("nan"), None),
        ("", None),
        (None, None),
        (pd.Timestamp("2025-01-02"), "2025-01-02"),
    ],
)
def test_safe_value(value, shown) -> None:
    assert safe_value(value) == shown
