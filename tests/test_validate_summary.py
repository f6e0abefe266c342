"""Validation output that scales (issue 12): a grouped summary, every issue to a file on request.

The expected lines below were written from the corruption each test makes, before the summary
code existed: which rule fails on which rows of the 3-patient minimal trial, grouped by
dataset x column x rule, with the count, the first three USUBJIDs and the totals.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from minimal_trial import minimal_trial, write_trial
from typer.testing import CliRunner

from osteo_stats import load_sap
from osteo_stats.cli import app
from osteo_stats.errors import OutputRefused
from osteo_stats.load import load_trial, validate_trial
from osteo_stats.load.issues import ValidationIssue
from osteo_stats.load.summary import group_issues, summary_lines, totals_line
from osteo_stats.outputs import atomic_output_file

SAP = load_sap()
runner = CliRunner()

ADSL_COLUMNS = (
    "STUDYID, USUBJID, SITEID, AGE, SEX, PSTYPE, PSSCORE, NNODULE, LATERAL, DFIMO, PRIORLN, "
    "RFICDT, ENRLDT, TRTSDT, TRTEDT, SURGPLDT, SURGDT, SURGOUT, SURGNDRS, NECRPCT, NACTDT, SMDT, "
    "DTHDT, DTHCAUS, LSTALVDT, EOSSTT, DCSREAS, EOSDT, FASFL, SAFFL, PPROTFL, DCUTDT"
)
ADTTE_REASON = (
    "the package derives its own time-to-event data (EFS, its sensitivity analyses and OS) from "
    "ADSL and ADRS by the SAP rules (SAP 3.2.6), so a supplied ADTTE is not read"
)


def _invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _corrupted(directory: Path) -> Path:
    """Two ADSL columns dropped, three bad AE grades, one unmapped response, one old patient."""
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(columns=["NNODULE", "LATERAL"])
    tables["ADSL"].loc[0, "AGE"] = "70"  # PROMIS-001, adult: ineligible but possible (warning)
    tables["ADAE"].loc[0:2, "AETOXGR"] = ["7", "9", "7"]  # PROMIS-001 twice, PROMIS-002
    tables["ADRS"].loc[1, "AVALC"] = "NON-CR/NON-PD"  # PROMIS-001
    write_trial(tables, directory)
    (directory / "adtte.csv").write_text("STUDYID,USUBJID,PARAMCD\nPROMIS,PROMIS-001,OS\n")
    return directory


def test_grouped_summary_of_a_hand_made_case(tmp_path: Path) -> None:
    data = _corrupted(tmp_path / "data")
    result = _invoke("validate", "--data", data)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{data}: data validation failed",
        f'Note: ADTTE: "adtte.csv" is ignored: {ADTTE_REASON}. Hint: nothing to do; the file is '
        "not read",
        "Missing columns (2; add each, names are matched ignoring ASCII case only and extra "
        "columns are kept):",
        f"ADSL expects: {ADSL_COLUMNS}",
        "ADSL: NNODULE is a required column but is missing from the file.",
        "ADSL: LATERAL is a required column but is missing from the file.",
        "Issues by dataset, column and rule:",
        "Warning: ADSL row 1 (USUBJID PROMIS-001): AGE = 70 is outside the eligible age range "
        "10-65 (eligibility deviation; the patient stays in the analysis). Hint: confirm the age "
        "at consent; if it is right, record the protocol deviation",
        "ADAE: AETOXGR is outside 1-5. 3 issues, 2 patients (PROMIS-001, PROMIS-002); values 7, "
        "9. Hint: AETOXGR must lie between 1 and 5; correct the value from the source record",
        'ADRS row 2 (USUBJID PROMIS-001): AVALC = "NON-CR/NON-PD" is not one of: CR, PR, SD, PD, '
        "NE, NED. Hint: use one of the listed values exactly as written (case matters)",
        "Totals: 6 errors, 1 warning, 1 note; 2 patients affected.",
        "Every issue, one row each: add --issues issues.csv (or .json)",
    ]


def _issue(dataset: str, row: int, usubjid: str, column: str, value: str, rule: str):
    return ValidationIssue(dataset, row, usubjid, column, value, rule, "fix it")


def test_first_three_usubjids_then_how_many_more() -> None:
    issues = [_issue("ADAE", k, f"P-{k}", "AESER", "X", "is not one of: Y, N") for k in (1, 2)]
    issues += [_issue("ADAE", k, f"P-{k - 1}", "AESER", "X", "is not one of: Y, N") for k in (3,)]
    issues += [_issue("ADAE", k, f"P-{k}", "AESER", "X", "is not one of: Y, N") for k in (4, 5, 6)]
    (group,) = group_issues(issues)
    assert group.line() == (
        'ADAE: AESER = "X" is not one of: Y, N. 6 issues, 5 patients (P-1, P-2, P-4 and 2 more). '
        "Hint: fix it"
    )
    assert totals_line(issues) == "Totals: 6 errors, 0 warnings; 5 patients affected."


def test_per_row_details_do_not_split_a_rule() -> None:
    """A duplicated key names the row it repeats and a date check the date it compares with."""
    issues = [
        _issue(
            "ADTR",
            2,
            "P-1",
            "USUBJID, ADT",
            "P-1, 2025-01-08",
            "duplicates row 1; each (USUBJID, ADT) must be unique",
        ),
        _issue(
            "ADTR",
            9,
            "P-2",
            "USUBJID, ADT",
            "P-2, 2025-02-05",
            "duplicates row 8; each (USUBJID, ADT) must be unique",
        ),
        _issue("ADAE", 1, "P-1", "ASTDT", "2025-01-01", "is before RFICDT 2025-01-06 (consent)"),
        _issue("ADAE", 4, "P-3", "ASTDT", "2025-02-01", "is before RFICDT 2025-03-04 (consent)"),
    ]
    assert [g.line() for g in group_issues(issues)] == [
        "ADTR: USUBJID, ADT duplicates row <n>; each (USUBJID, ADT) must be unique. 2 issues, "
        '2 patients (P-1, P-2); values "P-1, 2025-01-08", "P-2, 2025-02-05". Hint: fix it',
        "ADAE: ASTDT is before RFICDT <date> (consent). 2 issues, 2 patients (P-1, P-3); values "
        "2025-01-01, 2025-02-01. Hint: fix it",
    ]


def _without_adsl_columns(directory: Path, n: int) -> Path:
    tables = minimal_trial()
    optional = [c for c in tables["ADSL"].columns if c not in ("STUDYID", "USUBJID", "DCUTDT")]
    tables["ADSL"] = tables["ADSL"].drop(columns=optional[-n:])
    return write_trial(tables, directory)


def test_far_from_the_model_is_said_first_with_the_mapping_hint(tmp_path: Path) -> None:
    """16 of ADSL's 32 model columns missing: half of the model, far from it."""
    result = _invoke("validate", _without_adsl_columns(tmp_path / "far", 16))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[1:3] == [
        "Far from the PROMIS data model (sap/DATA_MODEL.md): ADSL lacks 16 of its 32 model "
        "columns.",
        "Hint: a standard CDISC ADaM? try --mapping admiral (see sap/MAPPING.md)",
    ]
    assert (
        sum(line.startswith("ADSL: ") and "missing from the file" in line for line in lines) == 16
    )


def test_fewer_than_half_missing_is_not_far(tmp_path: Path) -> None:
    result = _invoke("validate", _without_adsl_columns(tmp_path / "near", 15))
    assert result.exit_code == 1
    assert "--mapping" not in result.stderr and "Far from" not in result.stderr


def test_standard_adam_datasets_not_used_are_listed_as_ignored(tmp_path: Path) -> None:
    data = write_trial(minimal_trial(), tmp_path / "data")
    (data / "adtte.csv").write_text("USUBJID\nPROMIS-001\n")
    (data / "advs.xpt").write_bytes(b"not read at all")
    (data / "notes.csv").write_text("a,b\n")
    (data / "README.txt").write_text("not a data file")
    trial, issues = validate_trial(data, SAP)
    assert trial is not None  # a note never blocks
    assert [str(i) for i in issues] == [
        f'Note: ADTTE: "adtte.csv" is ignored: {ADTTE_REASON}. Hint: nothing to do; the file is '
        "not read",
        'Note: ADVS: "advs.xpt" is ignored: vital signs are not analysed in the SAP. Hint: '
        "nothing to do; the file is not read",
        'Note: NOTES: "notes.csv" is ignored: not a dataset of the PROMIS data model '
        "(sap/DATA_MODEL.md). Hint: nothing to do; the file is not read",
    ]  # in the order of the file names
    assert load_trial(data, SAP).warnings == ()
    result = _invoke("validate", data)
    assert result.exit_code == 0
    assert "Warnings and notes (not blocking)" in result.stderr
    assert "Totals: 0 errors, 0 warnings, 3 notes; 0 patients affected." in result.stderr
    listed = _invoke("validate", data, "--issues", tmp_path / "issues.csv")
    assert listed.exit_code == 0  # valid data: the file lists the notes
    rows = list(csv.reader(io.StringIO((tmp_path / "issues.csv").read_text(encoding="utf-8"))))
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == [
        ("ADTTE", "adtte.csv", "note"),
        ("ADVS", "advs.xpt", "note"),
        ("NOTES", "notes.csv", "note"),
    ]


def _hostile(directory: Path) -> Path:
    tables = minimal_trial()
    tables["ADSL"].loc[1, "SEX"] = '=HYPERLINK("http://evil.example","x")'  # PROMIS-002
    tables["ADAE"].loc[3, "AETOXGR"] = "+7"  # PROMIS-003: a number, left as it is
    return write_trial(tables, directory)


def test_issues_csv_has_every_issue_one_row_each_and_no_live_formula(tmp_path: Path) -> None:
    data = _hostile(tmp_path / "data")
    out = tmp_path / "issues.csv"
    result = _invoke("validate", data, "--issues", out)
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["dataset", "row", "usubjid", "column", "value", "rule", "hint", "severity"]
    assert [r[:5] + r[7:] for r in rows[1:]] == [
        ["ADSL", "2", "PROMIS-002", "SEX", '\'=HYPERLINK("http://evil.example","x")', "error"],
        ["ADAE", "4", "PROMIS-003", "AETOXGR", "+7", "error"],
    ]
    assert rows[1][5] == "is not one of: M, F"
    assert f"Every issue, one row each: {out} (2 rows)" in result.stderr


def test_issues_json_and_many_issues(tmp_path: Path) -> None:
    """Every issue of a long file, where the printed summary stays short."""
    tables = minimal_trial()
    many = tables["ADAE"].iloc[[0] * 500].copy()
    many["AESEQ"] = [str(k) for k in range(1, 501)]
    many["AETOXGR"] = "6"
    tables["ADAE"] = many
    data = write_trial(tables, tmp_path / "data")
    out = tmp_path / "issues.json"
    result = _invoke("validate", data, "--issues", out)
    assert result.exit_code == 1
    records = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) == 500
    assert records[499] == {
        "dataset": "ADAE",
        "row": 500,
        "usubjid": "PROMIS-001",
        "column": "AETOXGR",
        "value": "6",
        "rule": "is outside 1-5",
        "hint": "AETOXGR must lie between 1 and 5; correct the value from the source record",
        "severity": "error",
    }
    assert len(result.stderr.splitlines()) == 5


def test_issues_file_follows_the_output_rule(tmp_path: Path) -> None:
    data = _hostile(tmp_path / "data")
    out = tmp_path / "issues.csv"
    assert _invoke("validate", data, "--issues", out).exit_code == 1
    assert _invoke("validate", data, "--issues", out).exit_code == 1  # its own file: replaced
    assert json.loads((tmp_path / "issues.csv.osteo-stats-manifest.json").read_text())["command"][
        :2
    ] == ["osteo-stats", "validate"]
    out.write_text(out.read_text() + "my note\n")
    edited = _invoke("validate", data, "--issues", out)
    assert "changed since osteo-stats wrote it" in " ".join(edited.stderr.split())
    assert out.read_text().endswith("my note\n")
    mine = tmp_path / "mine.csv"
    mine.write_text("keep me\n")
    refused = _invoke("validate", data, "--issues", mine)
    assert refused.exit_code == 1 and "was not written by osteo-stats" in refused.stderr
    assert mine.read_text() == "keep me\n"
    inside = _invoke("validate", data, "--issues", data / "issues.csv")
    assert "is inside the input data" in inside.stderr and not (data / "issues.csv").exists()
    assert _invoke("validate", data, "--issues", tmp_path / "issues.txt").exit_code == 2


def test_output_file_never_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("x")
    (tmp_path / "link.csv").symlink_to(target)
    with pytest.raises(OutputRefused, match="symbolic link"):
        atomic_output_file(tmp_path / "link.csv", b"y")
    assert target.read_text() == "x"


@pytest.mark.parametrize("command", [["analyze"], ["report", "dmc"]])
def test_other_commands_print_the_same_summary_and_point_to_validate(tmp_path, command) -> None:
    data = _corrupted(tmp_path / "data")
    result = _invoke(*command, "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert (
        "ADAE: AETOXGR is outside 1-5. 3 issues, 2 patients (PROMIS-001, PROMIS-002); values 7, "
        "9. Hint: AETOXGR must lie between 1 and 5; correct the value from the source record"
        in lines
    )
    assert lines[-2:] == [
        "Totals: 6 errors, 1 warning, 1 note; 2 patients affected.",
        f"Every issue, one row each: osteo-stats validate {data} --issues issues.csv (or .json)",
    ]
    assert not (tmp_path / "out").exists()


def test_summary_lines_without_a_model_still_print_one_line_per_missing_column() -> None:
    """Where the SAP is not at hand (an error raised deep in a command), no expected list."""
    missing = [
        ValidationIssue(
            "ADAE",
            None,
            None,
            c,
            None,
            "is a required column but is missing from the file (expected columns: A, B)",
            "add it",
        )
        for c in ("A", "B")
    ]
    assert summary_lines(missing, "t") == [
        "t",
        "Missing columns (2; add each, names are matched ignoring ASCII case only and extra "
        "columns are kept):",
        "ADAE: A is a required column but is missing from the file.",
        "ADAE: B is a required column but is missing from the file.",
        "Totals: 2 errors, 0 warnings; 0 patients affected.",
    ]


def test_not_collected_columns_print_one_line_per_dataset_and_one_row_each_in_the_file(
    tmp_path: Path,
) -> None:
    """Columns a mapping declares not collected: one summary line per dataset naming them all
    (alphabetically), while --issues still holds one row per column."""
    tables = minimal_trial()
    surgery = ["SURGOUT", "SURGDT", "SURGNDRS", "NECRPCT", "PPROTFL"]
    tables["ADSL"] = tables["ADSL"].drop(columns=surgery)
    tables["ADAE"] = tables["ADAE"].drop(columns=["AEIRFL"])
    data = write_trial(tables, tmp_path / "data")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"name: nc\ndatasets:\n  ADSL:\n    not_collected: [{', '.join(surgery)}]\n"
        "  ADAE:\n    not_collected: [AEIRFL]\n",
        encoding="utf-8",
    )
    out = tmp_path / "issues.csv"
    result = _invoke("validate", data, "--mapping", mapping, "--issues", out)
    assert result.exit_code == 0
    printed = [line for line in result.stderr.splitlines() if "not collected" in line]
    assert printed == [
        "Warning: ADSL: 5 columns not collected (mapping nc): NECRPCT, PPROTFL, SURGDT, "
        'SURGNDRS, SURGOUT; the analyses that need them show "not available".',
        "Warning: ADAE: 1 column not collected (mapping nc): AEIRFL; the analyses that need it "
        'show "not available".',
    ]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["dataset"], r["column"]) for r in rows if "not collected" in r["rule"]] == [
        ("ADSL", "NECRPCT"),
        ("ADSL", "PPROTFL"),
        ("ADSL", "SURGDT"),
        ("ADSL", "SURGNDRS"),
        ("ADSL", "SURGOUT"),
        ("ADAE", "AEIRFL"),
    ]
