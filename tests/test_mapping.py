"""A declared mapping from a standard ADaM to the PROMIS model (issue 12, sap/MAPPING.md).

Each feature is checked on the 3-patient minimal trial, rewritten the way a standard ADaM holds
it; the expected result is worked out from the mapping's rule and written in the test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from osteo_stats.load import validate_trial
from osteo_stats.load.mapping import MappingError, load_mapping, parse_mapping
from osteo_stats.sap import load_sap
from osteo_stats.tlf.build import unavailable
from tests.minimal_trial import minimal_trial, write_trial


@pytest.fixture(scope="module")
def sap():
    return load_sap()


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _run(tmp_path, sap, tables, mapping_text):
    data = write_trial(tables, tmp_path / "data")
    return validate_trial(data, sap, _mapping(tmp_path, mapping_text))


def _errors(issues):
    return [i for i in issues if i.severity == "error"]


# ------------------------------------------------------------------------------- renames


def test_rename_keeps_the_files_row_and_column_in_the_message(tmp_path, sap):
    tables = minimal_trial()
    adae = tables["ADAE"].rename(columns={"AETOXGR": "ATOXGR"})
    adae.loc[1, "ATOXGR"] = "7"  # data row 2 of adae.csv
    tables["ADAE"] = adae
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADAE:\n    rename: {ATOXGR: AETOXGR}\n"
    )
    assert trial is None
    [bad] = _errors(issues)
    assert (bad.dataset, bad.row, bad.column, bad.value) == (
        "ADAE",
        2,
        "ATOXGR (mapped to AETOXGR)",
        "7",
    )
    assert "ADAE row 2" in str(bad) and "ATOXGR (mapped to AETOXGR) = 7" in str(bad)


def test_rename_of_the_valid_trial_gives_the_same_data(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].rename(columns={"ENRLDT": "RANDDT"})
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADSL:\n    rename: {RANDDT: ENRLDT}\n"
    )
    assert _errors(issues) == []
    assert list(trial.adsl["ENRLDT"].dt.strftime("%Y-%m-%d")) == [
        "2025-01-10",
        "2025-02-07",
        "2025-03-05",
    ]


# ------------------------------------------------------------------ PARAMCD filters, values


def _bds_adrs(tables):
    """ADRS as admiral builds it: OVR rows among BOR rows, NON-CR/NON-PD, no APHASE."""
    adrs = tables["ADRS"].copy()
    adrs["PARAMCD"] = "OVR"
    adrs.loc[4, "AVALC"] = "NON-CR/NON-PD"  # PROMIS-002 PRE-OP WEEK 6 (SD in the model trial)
    bor = adrs.drop_duplicates("USUBJID").assign(PARAMCD="BOR", AVALC="PR", ADT="")
    # BOR rows first: OVR rows become data rows 4-11 of the file
    return pd.concat([bor, adrs], ignore_index=True).drop(columns="APHASE")


ADRS_MAPPING = """\
    name: t
    datasets:
      ADRS:
        keep: {PARAMCD: [OVR]}
        values:
          PARAMCD: {OVR: OVRLRESP}
          AVALC: {NON-CR/NON-PD: SD}
        derive:
          - {kind: phase_from_dates, date: ADT}
    """


def test_paramcd_filter_value_map_and_phase_from_dates(tmp_path, sap):
    tables = minimal_trial()
    expected_phase = list(tables["ADRS"]["APHASE"])
    expected_avalc = list(tables["ADRS"]["AVALC"])  # NON-CR/NON-PD -> SD gives the model's SD
    tables["ADRS"] = _bds_adrs(tables)
    trial, issues = _run(tmp_path, sap, tables, ADRS_MAPPING)
    assert _errors(issues) == []
    assert len(trial.adrs) == 8  # the 3 BOR rows are not kept
    assert set(trial.adrs["PARAMCD"]) == {"OVRLRESP"}
    assert list(trial.adrs["AVALC"]) == expected_avalc
    # SURGDT 2025-03-10 (001), 2025-04-08 (002), none (003): after it POST-OPERATIVE
    assert list(trial.adrs["APHASE"]) == expected_phase


def test_a_filtered_dataset_reports_the_files_row_number(tmp_path, sap):
    tables = minimal_trial()
    tables["ADRS"] = _bds_adrs(tables)
    tables["ADRS"].loc[5, "AVALC"] = "XX"  # the 3rd OVR row, data row 6 of adrs.csv
    trial, issues = _run(tmp_path, sap, tables, ADRS_MAPPING)
    [bad] = _errors(issues)
    assert (bad.dataset, bad.row, bad.column, bad.value) == ("ADRS", 6, "AVALC", "XX")


def test_y_blank_flags_become_y_n(tmp_path, sap):
    tables = minimal_trial()
    tables["ADTR"]["ABLFL"] = tables["ADTR"]["ABLFL"].replace("N", "")
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADTR:\n    values: {ABLFL: {'': N}}\n"
    )
    assert _errors(issues) == []
    assert list(trial.adtr["ABLFL"]) == ["Y", "N", "Y", "N", "Y", "N"]


def test_without_the_value_map_blank_flags_are_errors(tmp_path, sap):
    tables = minimal_trial()
    tables["ADTR"]["ABLFL"] = tables["ADTR"]["ABLFL"].replace("N", "")
    trial, issues = _run(tmp_path, sap, tables, "name: t\n")
    assert trial is None
    assert {(i.dataset, i.row, i.column) for i in _errors(issues)} >= {("ADTR", 2, "ABLFL")}


# ------------------------------------------------------------------------- derivations

RELATED = """\
    name: t
    datasets:
      ADAE:
        derive:
          - kind: relatedness
            source: AREL
            related: [PROBABLE, POSSIBLE]
            not_related: [NONE, REMOTE]
    """


def test_one_arel_gives_the_three_relatedness_flags(tmp_path, sap):
    tables = minimal_trial()
    adae = tables["ADAE"].drop(columns=["AERELSB", "AERELPD", "AERELGM"])
    arel = ["PROBABLE", "NONE", "REMOTE", "POSSIBLE", "NONE", "NONE", "NONE", "NONE"]
    adae["AREL"] = arel[: len(adae)]
    tables["ADAE"] = adae
    trial, issues = _run(tmp_path, sap, tables, RELATED)
    assert _errors(issues) == []
    expected = ["Y" if a in ("PROBABLE", "POSSIBLE") else "N" for a in adae["AREL"]]
    for flag in ("AERELSB", "AERELPD", "AERELGM"):
        assert list(trial.adae[flag]) == expected


def test_an_unlisted_arel_value_is_named_with_row_and_source_column(tmp_path, sap):
    tables = minimal_trial()
    adae = tables["ADAE"].drop(columns=["AERELSB", "AERELPD", "AERELGM"])
    adae["AREL"] = "NONE"
    adae.loc[2, "AREL"] = "DEFINITE"
    tables["ADAE"] = adae
    trial, issues = _run(tmp_path, sap, tables, RELATED)
    assert trial is None
    [bad] = _errors(issues)  # one message, not one more per empty flag
    assert (bad.dataset, bad.row, bad.value) == ("ADAE", 3, "DEFINITE")
    assert bad.column == "AREL (derived AERELSB, AERELPD, AERELGM)"
    assert "neither as related nor as not_related" in bad.rule


SEVERITY = """\
    name: t
    datasets:
      ADAE:
        derive:
          - kind: grade_from_severity
            source: ASEV
            grades: {MILD: 1, MODERATE: 2, SEVERE: 3}
            footnote: Grades 1-3 stand for MILD, MODERATE, SEVERE (not CTCAE).
    """


def _severity_only(tables):
    adae = tables["ADAE"].drop(columns="AETOXGR")
    adae["ASEV"] = ["MILD", "SEVERE", "MODERATE", "MILD", "MILD", "MILD", "MILD", "MILD"][
        : len(adae)
    ]
    tables["ADAE"] = adae
    return tables


def test_severity_becomes_a_grade_only_when_the_mapping_says_how(tmp_path, sap):
    tables = _severity_only(minimal_trial())
    trial, issues = _run(tmp_path, sap, tables, SEVERITY)
    assert _errors(issues) == []
    grades = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
    assert list(trial.adae["AETOXGR"]) == [grades[s] for s in tables["ADAE"]["ASEV"]]
    assert trial.mapping.footnote("ADAE", "AETOXGR").startswith("Grades 1-3 stand for")


def test_a_severity_only_adae_is_not_graded_silently(tmp_path, sap):
    tables = _severity_only(minimal_trial())
    # no grading declared: the grade column is simply absent -> an error, not a guess
    trial, issues = _run(tmp_path, sap, tables, "name: t\n")
    assert trial is None
    assert any(i.column == "AETOXGR" for i in _errors(issues))
    # declared not collected: loads, and every table by grade says why it is not there
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADAE:\n    not_collected: [AETOXGR]\n"
    )
    assert _errors(issues) == []
    assert trial.adae["AETOXGR"].isna().all()
    reasons = unavailable(trial)
    assert reasons["Table 14.3.3"] == "not available: AETOXGR not collected"
    assert reasons["Listing 16.2.7.2"] == "not available: AETOXGR not collected"


def test_constant_and_cutoff_from_the_latest_date(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(columns=["FASFL", "DCUTDT"])
    trial, issues = _run(
        tmp_path,
        sap,
        tables,
        """\
        name: t
        cutoff: {latest_of: [ADSL.LSTALVDT, ADAE.ASTDT]}
        datasets:
          ADSL:
            derive: [{kind: constant, to: FASFL, value: "Y"}]
        """,
    )
    assert _errors(issues) == []
    assert list(trial.adsl["FASFL"]) == ["Y", "Y", "Y"]
    latest = max(
        pd.to_datetime(minimal_trial()["ADSL"]["LSTALVDT"]).max(),
        pd.to_datetime(minimal_trial()["ADAE"]["ASTDT"], errors="coerce").max(),
    )
    assert trial.cutoff == latest.date()
    [notice] = [i for i in issues if i.column and i.column.startswith("DCUTDT")]
    assert notice.severity == "warning" and notice.value == f"{latest:%Y-%m-%d}"


# --------------------------------------------------------------------------- not collected


def test_not_collected_columns_load_empty_with_one_notice_each(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(
        columns=["SURGOUT", "SURGDT", "SURGNDRS", "NECRPCT", "PPROTFL"]
    )
    trial, issues = _run(
        tmp_path,
        sap,
        tables,
        "name: t\ndatasets:\n  ADSL:\n"
        "    not_collected: [SURGOUT, SURGDT, SURGNDRS, NECRPCT, PPROTFL]\n",
    )
    assert _errors(issues) == []
    notices = [i for i in issues if "not collected" in i.rule]
    assert sorted(i.column for i in notices) == [
        "NECRPCT",
        "PPROTFL",
        "SURGDT",
        "SURGNDRS",
        "SURGOUT",
    ]
    assert trial.adsl["SURGOUT"].isna().all()
    assert ("ADSL", "SURGOUT") in trial.not_collected
    reasons = unavailable(trial)
    assert reasons["Table 14.1.7"] == "not available: SURGOUT not collected"
    assert reasons["Table 14.2.7"] == "not available: NECRPCT not collected"
    assert "Table 14.3.2" not in reasons  # AE tables do not need surgery


def test_not_collected_is_only_a_default_the_files_column_wins(tmp_path, sap):
    tables = minimal_trial()
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADSL:\n    not_collected: [SURGOUT]\n"
    )
    assert _errors(issues) == []
    assert list(trial.adsl["SURGOUT"]) == ["R0", "R1", "NOT DONE"]
    assert trial.not_collected == frozenset()


def test_the_mapping_needs_its_source_columns(tmp_path, sap):
    tables = minimal_trial()
    trial, issues = _run(
        tmp_path, sap, tables, "name: t\ndatasets:\n  ADSL:\n    rename: {RANDDT: ENRLDT}\n"
    )
    assert trial is None
    [bad] = _errors(issues)
    assert (bad.dataset, bad.column) == ("ADSL", "RANDDT")
    assert "is needed by mapping t (rename) but is not in the file" in bad.rule


# ---------------------------------------------------------------------- bad mapping files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: t\ndatasets:\n  ADSL:\n    renmae: {A: B}\n", "datasets.ADSL.renmae: "),
        ("name: t\ndatasets:\n  ADXX: {}\n", "datasets.ADXX"),
        ("name: t\ndatasets:\n  ADSL:\n    rename: {randdt: ENRLDT}\n", "'randdt'"),
        (
            "name: t\ndatasets:\n  ADAE:\n    derive: [{kind: guess, source: ASEV}]\n",
            "relatedness, grade_from_severity, phase_from_dates or constant",
        ),
        (
            "name: t\ndatasets:\n  ADAE:\n    derive:\n      - {kind: grade_from_severity, "
            "source: ASEV, grades: {SEVERE: 7}, footnote: Severe is grade seven here.}\n",
            "datasets.ADAE.derive.0.grade_from_severity.grades.SEVERE = 7",
        ),
        (
            "name: t\ndatasets:\n  ADAE:\n    derive:\n      - {kind: grade_from_severity, "
            "source: ASEV, grades: {SEVERE: 3}}\n",
            "grade_from_severity.footnote: Field required",
        ),
        (
            "name: t\ndatasets:\n  ADSL:\n    rename: {RANDDT: ENRLDT, RFSTDT: ENRLDT}\n",
            "['ENRLDT'] would be produced twice",
        ),
        ("datasets: {}\n", "name: Field required"),
        ("- a\n- b\n", "expected a mapping with keys name, datasets"),
        ("name: t\nname: u\n", "name: duplicate key (lines 1 and 2)"),
    ],
)
def test_bad_mapping_messages_name_file_key_value_and_hint(tmp_path, text, expected):
    path = _mapping(tmp_path, text)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    assert "Hint:" in message or "expected a mapping" in message


def test_unknown_mapping_name_lists_the_shipped_ones():
    with pytest.raises(MappingError, match=r"--mapping admirall: .* one of: admiral"):
        load_mapping("admirall")


def test_the_admiral_mapping_is_shipped_and_valid():
    source = load_mapping("admiral")
    assert source.name == "admiral"
    assert source.path.parent.name == "mappings" and source.path.parent.parent.name == (
        "osteo_stats"
    )
    assert len(source.sha256) == 64
    adae = source.mapping.datasets["ADAE"]
    assert adae.rename == {"ATOXGR": "AETOXGR"}
    # admiral never grades a severity: only a mapping that says how may
    assert not any(d.kind == "grade_from_severity" for d in adae.derive)


def test_parse_mapping_accepts_text():
    mapping = parse_mapping("name: t\ndatasets:\n  ADTR:\n    keep: {PARAMCD: [SDIAM]}\n")
    assert mapping.datasets["ADTR"].keep == {"PARAMCD": ("SDIAM",)}


# ------------------------------------------------------------------------------ the command


def test_cli_validate_takes_the_mapping_and_refuses_a_bad_one(tmp_path, capsys):
    from osteo_stats.cli import main

    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].rename(columns={"ENRLDT": "RANDDT"})
    data = write_trial(tables, tmp_path / "data")
    good = _mapping(tmp_path, "name: t\ndatasets:\n  ADSL:\n    rename: {RANDDT: ENRLDT}\n")
    assert main(["validate", str(data), "--mapping", str(good)]) == 0
    assert main(["validate", str(data)]) == 1  # without it, ENRLDT is missing
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\ndatasets:\n  ADSL:\n    rename: RANDDT\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(data), "--mapping", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: the mapping is invalid" in " ".join(err.split())
    assert "datasets.ADSL.rename = 'RANDDT'" in err


def test_the_mapping_reads_sas_transport_values(tmp_path, sap):
    """Dates arrive as SAS dates, numbers as doubles: filters, maps and phases work the same."""
    tables = minimal_trial()
    expected_phase = list(tables["ADRS"]["APHASE"])
    tables["ADRS"] = _bds_adrs(tables)
    tables["ADTR"]["ABLFL"] = tables["ADTR"]["ABLFL"].replace("N", "")
    data = write_trial(tables, tmp_path / "xpt", fmt="xpt")
    text = textwrap.dedent(ADRS_MAPPING) + "  ADTR:\n    values: {ABLFL: {'': N}}\n"
    trial, issues = validate_trial(data, sap, _mapping(tmp_path, text))
    assert _errors(issues) == []
    assert list(trial.adrs["APHASE"]) == expected_phase
    assert list(trial.adtr["ABLFL"]) == ["Y", "N", "Y", "N", "Y", "N"]
