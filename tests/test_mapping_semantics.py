"""Mapping semantics that must never give a confident wrong table (issues 19 section 4, 24).

Each case is the break-it finding, on the 3-patient minimal trial; the expected outcome is the
rule of sap/MAPPING.md written down before the code: key columns are never "not collected", a
constant fills only an absent column, renames are simultaneous, headers are matched ignoring
ASCII case only (lookalikes named), a keep that empties ADSL is said once, and a mapping-derived
cut-off never comes from a date after the day of the run.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from osteo_stats.cli import app
from osteo_stats.load import validate_trial
from osteo_stats.load.mapping import MappingError, parse_mapping
from osteo_stats.load.schemas import dataset_specs, key_columns
from osteo_stats.sap import load_sap
from tests.minimal_trial import minimal_trial, write_trial


@pytest.fixture(scope="module")
def sap():
    return load_sap()


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _run(tmp_path, sap, tables, mapping_text=None):
    data = write_trial(tables, tmp_path / "data")
    mapping = _mapping(tmp_path, mapping_text) if mapping_text is not None else None
    return validate_trial(data, sap, mapping)


def _errors(issues):
    return [i for i in issues if i.severity == "error"]


def _cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


# ------------------------------------------------------------- 1. key columns never absent


def test_key_columns_are_the_models_keys_and_rule_dates(sap):
    """One home: every dataset's record key is among its key columns, and the dates and flags
    written in MAPPING.md (ENRLDT, TRTSDT, TRTEDT, LSTALVDT, DCUTDT, FASFL, SAFFL; ASTDT) are
    too."""
    for name, spec in dataset_specs(sap).items():
        assert set(spec.key) | {"STUDYID", "USUBJID"} <= set(key_columns(name))
    adsl = {"ENRLDT", "TRTSDT", "TRTEDT", "LSTALVDT", "DCUTDT", "FASFL", "SAFFL"}
    assert adsl <= set(key_columns("ADSL")) and "PPROTFL" not in key_columns("ADSL")
    assert key_columns("ADAE") == ("STUDYID", "USUBJID", "AESEQ", "ASTDT")


def test_adae_usubjid_renamed_away_and_not_collected_is_refused(tmp_path, sap):
    """The finding: 192 AE records for 0 patients, "Any TEAE 0". Now the mapping is refused,
    naming the key, and analyze writes nothing."""
    tables = minimal_trial()
    tables["ADAE"] = tables["ADAE"].rename(columns={"USUBJID": "SUBJID"})
    text = "name: t\ndatasets:\n  ADAE:\n    not_collected: [USUBJID]\n"
    with pytest.raises(MappingError, match=r"datasets\.ADAE\.not_collected = USUBJID: is a key"):
        _run(tmp_path, sap, tables, text)
    out = tmp_path / "out"
    result = _cli(
        "analyze", "--data", tmp_path / "data", "--mapping", tmp_path / "map.yaml", "--out", out
    )
    assert result.exit_code == 1
    assert "datasets.ADAE.not_collected = USUBJID" in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize(
    ("dataset", "column"),
    [
        (ds, col)
        for ds in ("ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB")
        for col in key_columns(ds)
    ],
)
def test_every_key_column_is_refused_as_not_collected(dataset, column):
    text = f"name: t\ndatasets:\n  {dataset}:\n    not_collected: [{column}]\n"
    with pytest.raises(MappingError, match=rf"datasets\.{dataset}\.not_collected = {column}:"):
        parse_mapping(text, "m.yaml")


@pytest.mark.parametrize(("dataset", "column"), [("ADAE", "AENDT"), ("ADSL", "SURGDT")])
def test_a_column_next_to_the_keys_may_be_not_collected(dataset, column):
    """Just past the rule: AENDT and SURGDT are dates, but no rule needs them present."""
    mapping = parse_mapping(
        f"name: t\ndatasets:\n  {dataset}:\n    not_collected: [{column}]\n", "m.yaml"
    )
    assert mapping.datasets[dataset].not_collected == (column,)


def test_a_constant_analysis_set_flag_is_allowed():
    """FASFL = Y on every row is the SAP's own rule (4.2, the shipped admiral mapping)."""
    text = "name: t\ndatasets:\n  ADSL:\n    derive: [{kind: constant, to: FASFL, value: Y}]\n"
    assert parse_mapping(text, "m.yaml").datasets["ADSL"].derive[0].to == "FASFL"


def test_a_constant_key_is_refused():
    text = "name: t\ndatasets:\n  ADAE:\n    derive: [{kind: constant, to: AESEQ, value: '1'}]\n"
    with pytest.raises(MappingError, match=r"datasets\.ADAE\.derive\[0\] \(constant\) to = AESEQ"):
        parse_mapping(text, "m.yaml")


# ------------------------------------------------------- 2. every column not collected


@pytest.mark.parametrize("but", [None, "DCUTDT"])
def test_every_column_not_collected_says_what_is_missing(tmp_path, sap, but):
    """Was an AssertionError traceback in validate and analyze; now exit 1 naming the keys."""
    tables = minimal_trial()
    specs = dataset_specs(sap)
    lines = ["name: t", "datasets:"]
    for name, frame in tables.items():
        dropped = [c for c in specs[name].names if c != but]
        tables[name] = frame.drop(columns=[c for c in dropped if c in frame]).assign(XX="1")
        lines += [f"  {name}:", f"    not_collected: [{', '.join(dropped)}]"]
    data = write_trial(tables, tmp_path / "data")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command in (("validate", data), ("analyze", "--data", data, "--out", tmp_path / "out")):
        result = _cli(*command, "--mapping", mapping)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "AssertionError" not in result.output
        assert "datasets.ADSL.not_collected = STUDYID, USUBJID, ENRLDT" in result.output
        assert "datasets.ADAE.not_collected = STUDYID, USUBJID, AESEQ, ASTDT" in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------ 3. constants never overwrite


@pytest.mark.parametrize(
    ("column", "value", "held", "differ"), [("AESER", "N", "Y", 1), ("AETOXGR", "1", "3", 3)]
)
def test_a_constant_over_a_column_the_file_holds_is_refused(
    tmp_path, sap, column, value, held, differ
):
    """The file's AESER is N, Y, N, N and AETOXGR 1, 3, 4, 2: a constant N / 1 would give 0
    serious / 0 grade >= 3 TEAEs. Refused, naming dataset, the first row that differs (data
    row 2, PROMIS-001), the file's value there, the constant and the mapping entry."""
    text = (
        f"name: t\ndatasets:\n  ADAE:\n    derive: [{{kind: constant, to: {column}, "
        f"value: '{value}'}}]\n"
    )
    trial, issues = _run(tmp_path, sap, minimal_trial(), text)
    assert trial is None
    [error] = _errors(issues)
    assert (error.dataset, error.row, error.usubjid, error.column, error.value) == (
        "ADAE",
        2,
        "PROMIS-001",
        column,
        held,
    )
    assert f"datasets.ADAE.derive[0], kind constant) would set {column} to '{value}'" in (
        error.rule
    )
    assert f"({differ} of 4 rows hold another value)" in error.rule


def test_a_constant_equal_to_the_files_column_on_every_row_replaces_nothing(tmp_path, sap):
    """The shipped admiral mapping sets FASFL = Y; an ADSL that holds FASFL = Y is accepted."""
    text = "name: t\ndatasets:\n  ADSL:\n    derive: [{kind: constant, to: FASFL, value: 'Y'}]\n"
    trial, issues = _run(tmp_path, sap, minimal_trial(), text)
    assert _errors(issues) == [] and list(trial.adsl["FASFL"]) == ["Y", "Y", "Y"]


def test_a_constant_fills_an_absent_column(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(columns=["FASFL"])
    text = "name: t\ndatasets:\n  ADSL:\n    derive: [{kind: constant, to: FASFL, value: 'Y'}]\n"
    trial, issues = _run(tmp_path, sap, tables, text)
    assert _errors(issues) == []
    assert list(trial.adsl["FASFL"]) == ["Y", "Y", "Y"]


# ------------------------------------------------------------------ 4. simultaneous renames


def test_renames_are_applied_at_once_so_a_swap_works(tmp_path, sap):
    """A file whose ASTDT and AENDT headers are exchanged, read with the swap: the data are the
    minimal trial's own dates (was: the file's AENDT dropped, then reported missing)."""
    tables = minimal_trial()
    tables["ADAE"] = tables["ADAE"].rename(columns={"ASTDT": "AENDT", "AENDT": "ASTDT"})
    text = "name: t\ndatasets:\n  ADAE:\n    rename: {ASTDT: AENDT, AENDT: ASTDT}\n"
    trial, issues = _run(tmp_path, sap, tables, text)
    assert _errors(issues) == []
    onset = trial.adae["ASTDT"].dt.strftime("%Y-%m-%d").tolist()
    assert onset == ["2025-01-20", "2025-05-02", "2025-02-20", "2025-03-20"]
    assert trial.adae["AENDT"].isna().tolist() == [False, False, False, True]


def test_two_sources_renamed_to_one_target_are_refused():
    text = "name: t\ndatasets:\n  ADAE:\n    rename: {ASTDT: AENDT, AEENDT: AENDT}\n"
    with pytest.raises(MappingError, match=r"\['AENDT'\] would be produced twice"):
        parse_mapping(text, "m.yaml")


# ------------------------------------------------------------------- 5. lookalike headers


@pytest.mark.parametrize(
    ("dataset", "header", "column", "code"),
    [
        ("ADAE", "USUBJ\u0406D", "USUBJID", "U+0406"),  # Cyrillic capital I
        ("ADAE", "USUBJID\u200b", "USUBJID", "U+200B"),  # trailing zero-width space
        ("ADAE", "usubj\u0131d", "USUBJID", "U+0131"),  # dotless i: upper() made it USUBJID
        ("ADSL", "\u017fex", "SEX", "U+017F"),  # long s: upper() made it SEX
        ("ADSL", "SEX\u00a0", "SEX", "U+00A0"),  # no-break space: strip() removed it
    ],
)
def test_a_lookalike_header_is_named_never_folded(tmp_path, sap, dataset, header, column, code):
    tables = minimal_trial()
    tables[dataset] = tables[dataset].rename(columns={column: header})
    data = write_trial(tables, tmp_path / "data")
    trial, issues = validate_trial(data, sap)
    assert trial is None
    [missing] = [i for i in _errors(issues) if i.dataset == dataset and i.column == column]
    assert code in missing.hint and f"looks like {column}" in missing.hint
    result = _cli("validate", data)
    assert result.exit_code == 1
    assert code in result.output and "ASCII case only" in result.output


def test_a_lookalike_of_a_column_the_mapping_renames_is_named(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].rename(columns={"ENRLDT": "RANDD\u0422"})  # Cyrillic Te
    text = "name: t\ndatasets:\n  ADSL:\n    rename: {RANDDT: ENRLDT}\n"
    trial, issues = _run(tmp_path, sap, tables, text)
    assert trial is None
    [needed] = [i for i in _errors(issues) if i.column == "RANDDT"]
    assert "needed by mapping t (rename)" in needed.rule
    assert "U+0422 CYRILLIC CAPITAL LETTER TE" in needed.hint and "looks like RANDDT" in needed.hint


def test_lower_case_ascii_headers_are_still_matched(tmp_path, sap):
    """ASCII case folding is the only folding (and is said in the hint)."""
    tables = minimal_trial()
    tables["ADAE"] = tables["ADAE"].rename(columns={"USUBJID": "usubjid", "AESER": "AeSer"})
    trial, issues = validate_trial(write_trial(tables, tmp_path / "data"), sap)
    assert _errors(issues) == [] and trial is not None


def test_a_header_unlike_any_column_gets_the_plain_hint(tmp_path, sap):
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].rename(columns={"SEX": "GENDER\u0406"})
    trial, issues = validate_trial(write_trial(tables, tmp_path / "data"), sap)
    [missing] = [i for i in _errors(issues) if i.column == "SEX"]
    assert "looks like" not in missing.hint and "ASCII case only" in missing.hint


# ----------------------------------------------------------- 6. a keep that empties ADSL


def test_a_keep_that_removes_every_adsl_row_is_said_once(tmp_path, sap):
    """SEX holds M and F; keep {SEX: [m]} (case matters) keeps none of the 3 rows. One error
    says so; no child row is then reported "not in ADSL"."""
    text = "name: t\ndatasets:\n  ADSL:\n    keep: {SEX: [m]}\n"
    trial, issues = _run(tmp_path, sap, minimal_trial(), text)
    assert trial is None
    [error] = _errors(issues)
    assert error.dataset == "ADSL" and "keeps none of the file's 3 rows" in error.rule
    assert "keep SEX in [m] left 0" in error.rule and "M, F" in error.rule
    assert not any("not in ADSL" in i.rule for i in issues)


def test_a_keep_that_leaves_one_adsl_row_is_no_error_of_its_own(tmp_path, sap):
    text = "name: t\ndatasets:\n  ADSL:\n    keep: {USUBJID: [PROMIS-001]}\n"
    _trial, issues = _run(tmp_path, sap, minimal_trial(), text)
    assert not any("keeps none" in i.rule for i in issues)
    assert {i.usubjid for i in _errors(issues) if "not in ADSL" in i.rule} == {
        "PROMIS-002",
        "PROMIS-003",
    }


# ------------------------------------------- 7. a derived cut-off never from a future date


RUN_DAY = "2026-07-01"  # SOURCE_DATE_EPOCH below; the minimal trial's latest date is 2026-06-20


@pytest.fixture
def run_day(monkeypatch):
    epoch = int(datetime.fromisoformat(RUN_DAY).replace(tzinfo=UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))


def _typo(aendt: str) -> dict[str, pd.DataFrame]:
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(columns=["DCUTDT"])
    tables["ADAE"].loc[1, "AENDT"] = aendt  # data row 2 of adae.csv, PROMIS-001
    return tables


CUTOFF = "name: t\ncutoff: {latest_of: [ADSL.LSTALVDT, ADAE.AENDT]}\n"


@pytest.mark.usefixtures("run_day")
@pytest.mark.parametrize("aendt", ["2099-12-31", "2026-07-02"])
def test_a_derived_cutoff_from_a_date_after_the_run_is_refused(tmp_path, sap, aendt):
    trial, issues = _run(tmp_path, sap, _typo(aendt), CUTOFF)
    assert trial is None
    [error] = _errors(issues)
    assert (error.dataset, error.row, error.usubjid, error.column, error.value) == (
        "ADAE",
        2,
        "PROMIS-001",
        "AENDT",
        aendt,
    )
    assert f"after the date of this run ({RUN_DAY})" in error.rule
    out = tmp_path / "out"
    for command in (
        ("validate", tmp_path / "data"),
        ("analyze", "--data", tmp_path / "data", "--out", out),
    ):
        result = _cli(*command, "--mapping", tmp_path / "map.yaml")
        assert result.exit_code == 1 and "is after the date of this run" in result.output
    assert not out.exists()


@pytest.mark.usefixtures("run_day")
def test_a_derived_cutoff_on_the_day_of_the_run_is_accepted(tmp_path, sap):
    trial, issues = _run(tmp_path, sap, _typo(RUN_DAY), CUTOFF)
    assert _errors(issues) == []
    assert f"{trial.cutoff:%Y-%m-%d}" == RUN_DAY
