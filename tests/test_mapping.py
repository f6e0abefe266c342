"""A declared mapping from a standard ADaM to the PROMIS model (issue 12, sap/MAPPING.md).

Each feature is checked on the 3-patient minimal trial, rewritten the way a standard ADaM holds
it; the expected result is worked out from the mapping's rule and written in the test.
"""

from __future__ import annotations

import re
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


# -------------------------------------------------------------------------------- extends

PARENT = """\
name: parent
description: the parent
also_accept_studyid: [STUDYA]
cutoff: {latest_of: [ADSL.LSTALVDT]}
datasets:
  ADSL:
    keep_present: [RANDDT]
    rename: {RANDDT: ENRLDT}
    not_collected: [SURGOUT, NECRPCT]
  ADAE:
    values:
      AEACN: {"": UNKNOWN, NONE: DOSE NOT CHANGED}
    derive:
      - {kind: relatedness, source: AREL, related: [PROBABLE], not_related: [NONE]}
    rename: {ATOXGR: AETOXGR}
    not_collected: [AETOXGR, AEIRFL]
    footnotes: {AEACN: parent's AEACN note, AERELSB: parent's AREL note}
  ADEX:
    keep: {PARAMCD: [DOSE]}
"""

CHILD = """\
name: child
extends: parent.yaml
also_accept_studyid: [STUDYB, STUDYA]
datasets:
  ADSL:
    not_collected: [NECRPCT, DFIMO]
  ADAE:
    values:
      AEACN: {NONE: DRUG WITHDRAWN}
      AESER: {"": N}
    derive:
      - {kind: grade_from_severity, source: ASEV, grades: {MILD: 1}, footnote: Mild is grade 1.}
    footnotes: {AEACN: child's AEACN note}
  ADEX:
    keep: {EXTRT: [DRUGX], PARAMCD: [DOSE, PLDOSE]}
  ADTR:
    keep: {PARAMCD: [SDIAM]}
"""


def test_extends_merges_dataset_keys_as_documented(tmp_path):
    """The rules of sap/MAPPING.md ("extends"), one by one, on a hand-made parent and child."""
    (tmp_path / "parent.yaml").write_text(PARENT, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text(
        CHILD.replace("extends: parent.yaml", "extends: ../parent.yaml"), encoding="utf-8"
    )
    source = load_mapping(tmp_path / "sub" / "child.yaml")  # extends relative to the child
    merged = source.mapping
    # top level: the child's name; studies add up; cutoff and description not overridden
    assert (merged.name, merged.extends) == ("child", "../parent.yaml")
    assert merged.description == ""
    assert merged.also_accept_studyid == ("STUDYA", "STUDYB")
    assert merged.cutoff.latest_of == ("ADSL.LSTALVDT",)
    adsl, adae, adex = (merged.datasets[n] for n in ("ADSL", "ADAE", "ADEX"))
    # lists add up (no repeats), dicts untouched by the child stay
    assert adsl.not_collected == ("SURGOUT", "NECRPCT", "DFIMO")
    assert (adsl.keep_present, adsl.rename) == (("RANDDT",), {"RANDDT": "ENRLDT"})
    # values: entries of the same column merge, the child's wins for the same value
    assert adae.values == {
        "AEACN": {"": "UNKNOWN", "NONE": "DRUG WITHDRAWN"},
        "AESER": {"": "N"},
    }
    # AETOXGR is now derived by the child: the parent's rename and not_collected for it go;
    # the parent's relatedness (other targets) stays, the child's derivation comes after it
    assert [d.kind for d in adae.derive] == ["relatedness", "grade_from_severity"]
    assert adae.rename == {}
    assert adae.not_collected == ("AEIRFL",)
    assert adae.footnotes == {"AEACN": "child's AEACN note", "AERELSB": "parent's AREL note"}
    # keep: the child's list replaces the parent's for the same column, other columns add
    assert adex.keep == {"PARAMCD": ("DOSE", "PLDOSE"), "EXTRT": ("DRUGX",)}
    # a dataset only the child maps is the child's
    assert merged.datasets["ADTR"].keep == {"PARAMCD": ("SDIAM",)}
    # provenance: both files, each with its own hash
    assert [m.name for m in source.chain] == ["child", "parent"]
    assert source.parent.path == (tmp_path / "sub" / ".." / "parent.yaml")
    assert source.sha256 != source.parent.sha256 and len(source.parent.sha256) == 64


def test_a_child_rename_replaces_the_parents_way_to_the_same_column(tmp_path):
    (tmp_path / "parent.yaml").write_text(PARENT, encoding="utf-8")
    child = _mapping(
        tmp_path,
        "name: c\nextends: parent.yaml\ndatasets:\n  ADAE:\n    rename: {AETOXGRN: AETOXGR}\n",
    )
    adae = load_mapping(child).mapping.datasets["ADAE"]
    assert adae.rename == {"AETOXGRN": "AETOXGR"}
    assert adae.not_collected == ("AEIRFL",)  # the parent's fallback for AETOXGR is dropped


def test_a_mapping_extends_a_shipped_one_by_name(tmp_path):
    child = _mapping(tmp_path, "name: mine\nextends: admiral\nalso_accept_studyid: [X1]\n")
    source = load_mapping(child)
    admiral = load_mapping("admiral")
    assert source.mapping.datasets == admiral.mapping.datasets
    assert source.mapping.also_accept_studyid == ("X1",)
    assert [m.name for m in source.chain] == ["mine", "admiral"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"map.yaml": "name: t\nextends: admirall\n"},
            r"map\.yaml: extends = 'admirall': no such file and no shipped mapping of that name\. "
            r"Hint: .*relative to the extending file.* one of: admiral",
        ),
        (
            {"map.yaml": "name: t\nextends: nowhere/p.yaml\n"},
            r"map\.yaml: extends = 'nowhere/p\.yaml': no such file",
        ),
        (
            {"map.yaml": "name: t\nextends: map.yaml\n"},
            r"map\.yaml: extends = 'map\.yaml' makes a cycle \(map\.yaml -> map\.yaml\)\. "
            r"Hint: a mapping cannot build on itself",
        ),
        (
            {"map.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "name: b\nextends: map.yaml\n"},
            r"b\.yaml: extends = 'map\.yaml' makes a cycle \(map\.yaml -> b\.yaml -> map\.yaml\)",
        ),
        (
            {"map.yaml": "name: t\nextends: 3\n"},
            r"map\.yaml: the mapping is invalid .*\n  extends = 3: Input should be a valid string",
        ),
        (  # the merge is validated again: the parent derives PPROTFL, the child says not
            # collected (PPROTFL, not FASFL: an analysis-set flag FASFL is a key column, refused
            # in the child alone)
            {
                "map.yaml": "name: c\nextends: p.yaml\ndatasets:\n  ADSL:\n"
                "    not_collected: [PPROTFL]\n",
                "p.yaml": "name: p\ndatasets:\n  ADSL:\n"
                "    derive: [{kind: constant, to: PPROTFL, value: 'N'}]\n",
            },
            r"map\.yaml \(extends p\): the mapping is invalid .*\n  datasets\.ADSL: "
            r"\['PPROTFL'\] are both derived and declared not_collected",
        ),
        (  # a bad parent is named as the parent's own file
            {"map.yaml": "name: c\nextends: p.yaml\n", "p.yaml": "name: p\nrenmae: {}\n"},
            r"p\.yaml: the mapping is invalid .*\n  renmae: ",
        ),
    ],
)
def test_bad_extends_messages(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_mapping(tmp_path / "map.yaml")
    assert re.search(expected, str(info.value)), str(info.value)


def test_the_pharmaverse_example_mapping_is_admiral_plus_three_choices():
    example, admiral = load_mapping("pharmaverse-example"), load_mapping("admiral")
    assert example.mapping.extends == "admiral"
    assert example.parent.path == admiral.path
    assert example.mapping.also_accept_studyid == ("CDISCPILOT01",)
    changed = {
        name
        for name, spec in example.mapping.datasets.items()
        if spec != admiral.mapping.datasets[name]
    }
    assert changed == {"ADAE", "ADEX"}
    adae = example.mapping.datasets["ADAE"]
    [grade] = [d for d in adae.derive if d.kind == "grade_from_severity"]
    assert grade.grades == {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
    assert "AETOXGR" not in adae.not_collected and adae.rename == {}
    assert example.mapping.datasets["ADEX"].keep == {
        "PARAMCD": ("DOSE",),
        "EXTRT": ("XANOMELINE",),
    }


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
