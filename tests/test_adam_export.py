"""The derived analysis datasets written to ``OUT/adam/`` (SAP 12.4).

Read back from XPT (pyreadstat) and CSV, they equal the AnalysisData frames the tables were built
from; labels are present; a text over the 200 bytes of SAS transport v5 is split into numbered
continuation variables, never cut and never refused (issue 19); the metadata lists every variable
written; the DMC report's ``adam/`` holds no efficacy; the files go
through the output manifest.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from minimal_trial import minimal_trial, write_trial
from test_render_fixtures import fixture_outputs
from typer.testing import CliRunner

import osteo_stats.tlf.build as build
from osteo_stats.cli import app
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.derive.export import DATASETS, DERIVED, EXPORT_NAMES, export_datasets
from osteo_stats.load import load_trial
from osteo_stats.render.adam import (
    XPT_LABEL_MAX,
    XPT_NAME,
    XPT_NAME_MAX,
    export_adam,
    split_text,
    write_adam,
    xpt_parts,
)
from osteo_stats.safe_csv import neutralise_cell
from osteo_stats.sap import load_sap
from osteo_stats.synth._spec import COLUMNS as SOURCE_COLUMNS

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"
runner = CliRunner()

#: AnalysisData names exported shorter (SAS transport v5: 8 characters).
SHORT = {"WINOPENFL": "WINOPNFL", "PATHDENFL": "PATHDNFL"}
#: ADSL variables that disclose efficacy (SAP 3.1, 3.3, 3.4), listed by hand from the SAP.
EFFICACY_ADSL = {
    "BOR", "BORDT", "BORREAS", "ORRFL", "DCRFL", "WINENDT", "WINENDRS", "WINOPNFL",
    "PRIMLMDT", "PRIMSTAT", "PRIMRULE", "PRIMREAS", "R0FL", "HUVOS", "GOODRESP", "COMPRESP",
    "PATHSTAT", "PATHRULE", "PATHREAS", "PATHDNFL", "BASESUM", "NADIRSUM", "NADIRDT", "BESTPCHG",
    "NECRPCT", "NACTDT", "NACTDTF", "SMDT",
}  # fmt: skip


def _invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shipped_ad():
    sap = load_sap()
    return derive_analysis_data(load_trial(SHIPPED, sap), sap, analysis_type="final")


@pytest.fixture(scope="module")
def written(shipped_ad, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("adam") / "adam"
    export_adam(shipped_ad, out)
    return out


def _expected(ad) -> dict[str, pd.DataFrame]:
    """What each file must hold, built from the AnalysisData frames (not from the exporter)."""
    adsl = ad.adsl.rename(columns=SHORT)
    adtte = ad.adtte.assign(
        RULEID=ad.adtte["RULE"].str.extract(r"^SAP [\d.]+ ([A-Z]\d) ", expand=False)
    )
    bor = ad.adsl[["STUDYID", "USUBJID", "BORDT", "BOR", "BORREAS"]].rename(
        columns={"BORDT": "ADT", "BOR": "AVALC"}
    )
    fas = ad.adsl.loc[ad.adsl["FASFL"].eq("Y")]
    adprim = fas[["STUDYID", "USUBJID", "FASFL", "ENRLDT", "PRIMLMDT", "PRIMSTAT", "PRIMRULE",
                  "PRIMREAS"]]  # fmt: skip
    return {"ADSL": adsl, "ADTTE": adtte, "ADRS_OVR": ad.adrs, "ADRS_BOR": bor,
            "ADAE": ad.adae, "ADPRIM": adprim}  # fmt: skip


def _assert_column_equal(read: pd.Series, want: pd.Series, where: str) -> None:
    read = read.reset_index(drop=True)
    want = want.reset_index(drop=True)
    assert len(read) == len(want), where
    if pd.api.types.is_datetime64_any_dtype(want):
        got = pd.to_datetime(read.replace("", None))
        assert got.isna().equals(want.isna()), where
        assert (got[want.notna()] == want[want.notna()]).all(), where
    elif pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
        # float() per cell: pandas' fast text parser is not round-trip exact
        got = np.array([np.nan if v in ("", None) else float(v) for v in read], dtype="float64")
        expected = want.astype("Float64").astype("float64").to_numpy()
        assert np.array_equal(got, expected, equal_nan=True), where  # exactly, not approx
    else:
        expected = want.astype(object).where(want.notna(), "").astype(str)
        assert list(read.astype(str)) == list(expected), where


def _assert_frame_equal(read: pd.DataFrame, want: pd.DataFrame, name: str) -> None:
    assert list(read.columns[: len(want.columns)]) == list(want.columns), name
    for column in want.columns:
        _assert_column_equal(read[column], want[column], f"{name}.{column}")


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_round_trip_equals_the_analysis_data(shipped_ad, written, fmt):
    want = _expected(shipped_ad)

    def read(name: str) -> pd.DataFrame:
        path = written / f"{name.lower()}.{fmt}"
        return pyreadstat.read_xport(path)[0] if fmt == "xpt" else _read_csv(path)

    if fmt == "csv":  # the CSV contract: formula-like text gets a leading quote (SAP 12.1)

        def safe(value: object) -> object:
            return neutralise_cell(value) if isinstance(value, str) else value

        for key, frame in want.items():
            text = frame.select_dtypes(include="object").columns
            want[key] = frame.assign(**{c: frame[c].map(safe) for c in text})
    _assert_frame_equal(read("ADSL"), want["ADSL"], "ADSL")
    _assert_frame_equal(read("ADTTE"), want["ADTTE"], "ADTTE")
    _assert_frame_equal(read("ADAE"), want["ADAE"], "ADAE")
    _assert_frame_equal(read("ADPRIM"), want["ADPRIM"], "ADPRIM")
    adrs = read("ADRS")
    ovr, bor = adrs.loc[adrs["PARAMCD"].eq("OVRLRESP")], adrs.loc[adrs["PARAMCD"].eq("BOR")]
    _assert_frame_equal(ovr, want["ADRS_OVR"], "ADRS OVRLRESP")
    _assert_frame_equal(bor[list(want["ADRS_BOR"].columns)], want["ADRS_BOR"], "ADRS BOR")
    assert len(ovr) + len(bor) == len(adrs)
    # every ADTTE record names its rule by id and ADTTE has all five parameters
    rule_ids = {*(f"E{i}" for i in range(1, 7)), "O1", *(f"C{i}" for i in range(1, 7)), "L1", "L2"}
    assert set(read("ADTTE")["RULEID"]) <= rule_ids
    assert set(read("ADTTE")["PARAMCD"]) >= {"EFS", "EFSSENSA", "EFSSENSB", "EFSSURG", "OS"}


def test_xpt_has_dataset_and_variable_labels_and_dates_as_sas_dates(written):
    define = json.loads((written / "define.json").read_text(encoding="utf-8"))
    for dataset in define["datasets"]:
        name = dataset["name"]
        frame, meta = pyreadstat.read_xport(written / f"{name.lower()}.xpt")
        assert meta.table_name == name
        assert meta.file_label == DATASETS[name].label
        labels = {v["name"]: v["label"] for v in dataset["variables"]}
        assert meta.column_names_to_labels == labels
        assert all(0 < len(label) <= 40 for label in labels.values()), name
        for var in dataset["variables"]:
            if var["format"] == "DATE9.":
                # DATE9. from pyreadstat 1.3.8 on, DATE9 before: the same SAS format.
                fmt = meta.original_variable_types[var["name"]]
                assert fmt in {"DATE9", "DATE9."}, var["name"]
    adsl, _ = pyreadstat.read_xport(written / "adsl.xpt")
    assert str(adsl.loc[0, "ENRLDT"]) == "2022-04-28"  # a date, not a day count


def test_metadata_lists_every_variable_written(written):
    define = json.loads((written / "define.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in define["datasets"]] == [
        "ADSL", "ADTTE", "ADRS", "ADAE", "ADPRIM", "ADLB"
    ]  # fmt: skip
    rows = list(csv.DictReader((written / "define.csv").open(encoding="utf-8")))
    for dataset in define["datasets"]:
        name = dataset["name"]
        xpt_columns = pyreadstat.read_xport(written / f"{name.lower()}.xpt", metadataonly=True)[1]
        csv_header = _read_csv(written / f"{name.lower()}.csv").columns
        names = [v["name"] for v in dataset["variables"]]
        assert names == list(xpt_columns.column_names), name
        in_csv = [v["name"] for v in dataset["variables"] if f"{name.lower()}.csv" in v["files"]]
        assert in_csv == list(csv_header), name
        assert names == [r["name"] for r in rows if r["dataset"] == name], name
        for var in dataset["variables"]:
            assert var["type"] in ("Char", "Num") and var["length"] >= 1, var
            assert var["origin"] in ("Source", "Derived"), var
            if var["origin"] == "Derived":
                assert var["sap"] and var["rule"], var  # the SAP section and rule behind it
    adsl = {v["name"]: v for v in define["datasets"][0]["variables"]}
    assert adsl["PRIMSTAT"]["sap"] == "3.1"
    assert adsl["WINOPNFL"]["analysis_name"] == "WINOPENFL"
    assert adsl["BORREAS"]["length"] == max(
        len(v.encode()) for v in _read_csv(written / "adsl.csv")["BORREAS"]
    )


def test_every_exported_name_and_label_fits_sas_transport_v5():
    # Names and labels come from the package's tables only (a user's extra columns are not
    # exported), so the v5 limits are checked here once, not at run time.
    declared = {(spec.dataset, spec.name, spec.label) for spec in DERIVED}
    declared |= {(ds, col.name, col.label) for ds, cols in SOURCE_COLUMNS.items() for col in cols}
    for dataset, name, label in declared:
        assert XPT_NAME.fullmatch(name) and len(name) <= XPT_NAME_MAX, (dataset, name)
        assert 0 < len(label) <= XPT_LABEL_MAX, (dataset, name, label)
    for spec in DATASETS.values():
        assert len(spec.name) <= XPT_NAME_MAX and 0 < len(spec.label) <= XPT_LABEL_MAX, spec
    assert set(EXPORT_NAMES.values()) <= {name for _, name, _ in declared}
    # a continuation variable (NAME1, NAME2, ..., up to 9999 pieces) never takes the name of a
    # variable of the same dataset (ADPRIM repeats ADSL's)
    by_dataset: dict[str, set[str]] = {}
    for dataset, name, _ in declared:
        by_dataset.setdefault("ADSL" if dataset == "ADPRIM" else dataset, set()).add(name)
    for names in by_dataset.values():
        for name in names:
            assert not set(xpt_parts(name, 10_000)[1:]) & names, name


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ("x" * 200, ["x" * 200]),  # the limit itself: one piece
        ("x" * 201, ["x" * 200, "x"]),
        ("é" * 101, ["é" * 100, "é"]),  # 2 bytes each: 202 bytes
        ("x" + "€" * 67, ["x" + "€" * 66, "€"]),  # 3 bytes: never cut inside a character
        ("ab " * 70, ["ab " * 66 + "ab", " " + "ab " * 3]),  # cut before a blank
        ("a" + " " * 250 + "b", ["a", " " * 200, " " * 50 + "b"]),  # only a blank run is cut
        ("🙂" * 51, ["🙂" * 50, "🙂"]),  # 4 bytes
    ],
)
def test_split_text_pieces_are_at_most_200_bytes_and_join_to_the_value(value, pieces):
    got = split_text(value)
    assert got == pieces
    assert "".join(got) == value
    assert all(len(p.encode("utf-8")) <= 200 for p in got)


def _xpt_text(path: Path, column: str) -> list[str]:
    """The value of ``column`` read back from an XPT: the variable and its continuations joined,
    in the order the define metadata gives."""
    frame, _ = pyreadstat.read_xport(path)
    define = json.loads((path.parent / "define.json").read_text(encoding="utf-8"))
    (dataset,) = [d for d in define["datasets"] if d["name"] == path.stem.upper()]
    (var,) = [v for v in dataset["variables"] if v["name"] == column]
    parts = var["xpt_parts"].split() or [column]
    return ["".join(row) for row in frame[parts].itertuples(index=False)]


def test_a_60000_character_term_is_written_whole_not_refused(shipped_ad, tmp_path):
    # Issue 19: a source AETERM too long for one v5 value is valid data; the export carries it
    # (SDTM convention) instead of stopping the analysis.
    words = " ".join(f"wörd{i}" for i in range(10_000))[:59_999] + "x"  # 60,000 characters
    adae = export_datasets(shipped_ad)["ADAE"]
    adae.loc[3, "AETERM"] = words
    out = tmp_path / "adam"
    out.mkdir()
    write_adam({"ADAE": adae}, out, study="PROMIS", cutoff=date(2026, 4, 30), analysis_type="x")
    texts = _xpt_text(out / "adae.xpt", "AETERM")
    assert texts == [str(v) for v in adae["AETERM"]]
    assert _read_csv(out / "adae.csv")["AETERM"][3] == words
    frame, meta = pyreadstat.read_xport(out / "adae.xpt")
    define = json.loads((out / "define.json").read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in define["datasets"][0]["variables"]}
    parts = variables["AETERM"]["xpt_parts"].split()
    nbytes = len(words.encode("utf-8"))
    assert len(parts) >= -(-nbytes // 200) and parts[:3] == ["AETERM", "AETERM1", "AETERM2"]
    assert parts[-1] == f"AETER{len(parts) - 1}" and all(len(p) <= 8 for p in parts)
    assert variables["AETERM"]["value_length"] == nbytes
    assert all(variables[p]["length"] <= 200 for p in parts)
    assert variables["AETERM1"]["files"] == "adae.xpt"
    assert meta.column_names_to_labels["AETERM1"] == f"AETERM text, part 2 of {len(parts)}"
    assert "SDTM" in define["xpt_long_text"]
    assert frame["AETERM1"][0] == ""  # a short value leaves its continuations blank


def test_a_long_value_does_not_stop_analyze(tmp_path):
    tables = minimal_trial()
    tables["ADAE"].loc[0, "AETERM"] = "fatigue " * 30  # 240 bytes
    data = write_trial(tables, tmp_path / "data")
    out = tmp_path / "out"
    result = _invoke("analyze", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    assert _xpt_text(out / "adam" / "adae.xpt", "AETERM")[0] == ("fatigue " * 30).rstrip()


def test_dmc_selection_holds_no_efficacy(shipped_ad, tmp_path):
    names = export_adam(shipped_ad, tmp_path / "dmc", efficacy=False)
    assert names == ["adae.csv", "adae.xpt", "adlb.csv", "adlb.xpt", "adsl.csv", "adsl.xpt",
                     "define.csv", "define.json"]  # fmt: skip
    adlb, _ = pyreadstat.read_xport(tmp_path / "dmc" / "adlb.xpt")  # laboratory safety, SAP 9.6
    assert {"ATOXGR", "BTOXGR", "ABLFL", "ONTRTFL", "APHASE"} <= set(adlb.columns)
    adsl, _ = pyreadstat.read_xport(tmp_path / "dmc" / "adsl.xpt")
    assert not EFFICACY_ADSL & set(adsl.columns)
    assert not EFFICACY_ADSL & set(_read_csv(tmp_path / "dmc" / "adsl.csv").columns)
    assert {"FASFL", "SAFFL", "PPROTFL", "UTOXFL", "EVALFL", "SURGOUT", "DTHDT"} <= set(adsl)
    define = (tmp_path / "dmc" / "define.json").read_text(encoding="utf-8")
    assert not re.search(r'"name": "(BOR|PRIMSTAT|HUVOS|ADTTE|ADRS|ADPRIM)"', define)


@pytest.fixture
def fixture_catalogue(monkeypatch):
    """The TLF catalogue replaced by fixture TLFs: the reports render fast; data are real."""
    builders = {area: {} for area in build.BUILDERS}
    labels = tuple(output.tlf.label for output in fixture_outputs(3))
    builders["disposition"] = {labels: lambda ad: fixture_outputs(3)}
    monkeypatch.setattr(build, "BUILDERS", builders)


def test_reports_write_adam_dmc_without_efficacy_final_with(tmp_path, fixture_catalogue):
    out = tmp_path / "reports"
    for kind in ("dmc", "final"):
        assert _invoke("report", kind, "--out", out).exit_code == 0
    dmc = out / "dmc" / "2026-04-30" / "adam"
    final = out / "final" / "2026-04-30" / "adam"
    assert sorted(p.name for p in dmc.glob("*.xpt")) == ["adae.xpt", "adlb.xpt", "adsl.xpt"]
    assert sorted(p.name for p in final.glob("*.xpt")) == [
        "adae.xpt", "adlb.xpt", "adprim.xpt", "adrs.xpt", "adsl.xpt", "adtte.xpt"]  # fmt: skip
    dmc_adsl, _ = pyreadstat.read_xport(dmc / "adsl.xpt")
    assert not EFFICACY_ADSL & set(dmc_adsl.columns)
    manifest = json.loads((dmc.parent / "osteo-stats-manifest.json").read_text())
    assert {"adam/adsl.xpt", "adam/adae.csv", "adam/define.json"} <= set(manifest["files"])
    # a report is a record: the rerun is refused without --force, adam/ included
    again = _invoke("report", "dmc", "--out", out)
    assert again.exit_code == 1 and "--force" in again.stderr


def _three_patient_trial(tmp_path: Path) -> Path:
    """The minimal trial at a cut-off of 2027-03-01, PROMIS-001 followed past 24 months."""
    tables = minimal_trial()
    tables["ADSL"]["DCUTDT"] = "2027-03-01"
    tables["ADSL"].loc[tables["ADSL"]["USUBJID"].eq("PROMIS-001"), "LSTALVDT"] = "2027-02-01"
    visit = tables["ADRS"].iloc[[2]].assign(AVISIT="POST-OP MONTH 24", ADT="2027-01-05")
    tables["ADRS"] = pd.concat([tables["ADRS"], visit], ignore_index=True)
    return write_trial(tables, tmp_path / "data")


def test_primary_status_dataset_for_three_hand_made_patients(tmp_path):
    """Expected rows reasoned from SAP 3.1 before running (landmark LMDT = ENRLDT + 730 days):

    - PROMIS-001, enrolled 2025-01-10, LMDT 2027-01-10: no EFS event; last adequate assessment
      2027-01-05 is on or after LMDT - 14 days and LSTALVDT 2027-02-01 >= LMDT -> S2 success.
    - PROMIS-002, enrolled 2025-02-07, LMDT 2027-02-07: R1 resection on 2025-04-08 (E2, day 61)
      -> F1 failure.
    - PROMIS-003, enrolled 2025-03-05, LMDT 2027-03-05: pre-operative PD on 2025-04-15 (E1)
      -> F1 failure, although LMDT is after the cut-off.
    """
    expected = pd.DataFrame(
        [
            ("PROMIS", "PROMIS-001", "Y", "2025-01-10", "2027-01-10", "SUCCESS", "S2"),
            ("PROMIS", "PROMIS-002", "Y", "2025-02-07", "2027-02-07", "FAILURE", "F1"),
            ("PROMIS", "PROMIS-003", "Y", "2025-03-05", "2027-03-05", "FAILURE", "F1"),
        ],
        columns=["STUDYID", "USUBJID", "FASFL", "ENRLDT", "PRIMLMDT", "PRIMSTAT", "PRIMRULE"],
    )
    data = _three_patient_trial(tmp_path)
    out = tmp_path / "out"
    result = _invoke("analyze", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    from_xpt, meta = pyreadstat.read_xport(out / "adam" / "adprim.xpt")
    from_csv = _read_csv(out / "adam" / "adprim.csv")
    for frame in (from_xpt, from_csv):
        got = frame[list(expected.columns)].astype(str)
        pd.testing.assert_frame_equal(got, expected)
        assert [r[:10] for r in frame["PRIMREAS"]] == ["SAP 3.1 S2", "SAP 3.1 F1", "SAP 3.1 F1"]
    assert meta.file_label == "Primary Endpoint Status (2-Year EFS)"
    # the analysis directory's manifest covers adam/; an edited file blocks the next run
    manifest = json.loads((out / "osteo-stats-manifest.json").read_text())
    assert "adam/adprim.xpt" in manifest["files"]
    (out / "adam" / "adprim.csv").write_text("edited\n", encoding="utf-8")
    again = _invoke("analyze", "--data", data, "--out", out)
    assert again.exit_code == 1
    assert "adam/adprim.csv" in " ".join(again.stderr.split())


def test_worst_grade_flags_for_hand_made_adverse_events(tmp_path):
    """Expected flags reasoned from SAP 9.2 (counted once at the worst grade; a missing grade
    never outranks a recorded one; the first record at the worst grade carries the flag).

    PROMIS-001 (all TEAEs): 1 Fatigue G1 01-20, 2 Pneumonitis G3 05-02 (respiratory),
    3 Fatigue G1 03-01, 4 Cough G3 04-01 (respiratory).
      per patient: worst G3, first is AESEQ 4; per SOC: general AESEQ 1, respiratory AESEQ 4;
      per term: Fatigue AESEQ 1, Pneumonitis 2, Cough 4.
    PROMIS-002: 1 Neutrophils G4, 2 Nausea grade missing (gastrointestinal).
      per patient: AESEQ 1 only; per SOC and term: both (Nausea is its SOC's only record).
    """
    tables = minimal_trial()
    ae = tables["ADAE"]
    extra = [
        ae.iloc[0].to_dict() | {"AESEQ": "3", "ASTDT": "2025-03-01", "AENDT": "2025-03-05"},
        ae.iloc[1].to_dict() | {"AESEQ": "4", "AETERM": "cough", "AEDECOD": "Cough",
                                "ASTDT": "2025-04-01", "AENDT": "2025-04-10"},
        ae.iloc[2].to_dict() | {"AESEQ": "2", "AETERM": "nausea", "AEDECOD": "Nausea",
                                "AEBODSYS": "Gastrointestinal disorders", "AETOXGR": ""},
    ]  # fmt: skip
    tables["ADAE"] = pd.concat([ae, pd.DataFrame(extra)], ignore_index=True)
    sap = load_sap()
    ad = derive_analysis_data(load_trial(write_trial(tables, tmp_path / "data"), sap), sap)
    export_adam(ad, tmp_path / "adam")
    adae, _ = pyreadstat.read_xport(tmp_path / "adam" / "adae.xpt")
    flags = {
        (u, int(s)): (a, b, c)
        for u, s, a, b, c in adae[["USUBJID", "AESEQ", "WGRFL", "WGRSOCFL", "WGRPTFL"]].itertuples(
            index=False
        )
        if u != "PROMIS-003"
    }
    assert flags == {
        ("PROMIS-001", 1): ("N", "Y", "Y"),
        ("PROMIS-001", 2): ("N", "N", "Y"),
        ("PROMIS-001", 3): ("N", "N", "N"),
        ("PROMIS-001", 4): ("Y", "Y", "Y"),
        ("PROMIS-002", 1): ("Y", "Y", "Y"),
        ("PROMIS-002", 2): ("N", "Y", "Y"),
    }


def test_public_entry_points_import_from_the_package(tmp_path):
    from osteo_stats import (
        AnalysisData,
        TrialData,
        derive_analysis_data,
        export_adam,
        export_datasets,
        load_trial,
        validate_trial,
    )

    sap = load_sap()
    trial = load_trial(write_trial(minimal_trial(), tmp_path / "data"), sap)
    assert isinstance(trial, TrialData)
    assert validate_trial(tmp_path / "data", sap)[0] is not None
    ad = derive_analysis_data(trial, sap)
    assert isinstance(ad, AnalysisData)
    assert set(export_datasets(ad)) == {"ADSL", "ADTTE", "ADRS", "ADAE", "ADPRIM"}
    assert "adsl.xpt" in export_adam(ad, tmp_path / "adam")


def test_same_data_same_bytes_and_text_kept_as_utf8(shipped_ad, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    datasets = export_datasets(shipped_ad)
    datasets["ADAE"].loc[0, "AETERM"] = "Œdème pulmonaire – grade ≥ 3"
    for run in ("a", "b"):
        write_adam(datasets, tmp_path / run, study="PROMIS", cutoff=date(2026, 4, 30),
                   analysis_type="final")  # fmt: skip
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    adae, _ = pyreadstat.read_xport(tmp_path / "a" / "adae.xpt")
    assert adae.loc[0, "AETERM"] == "Œdème pulmonaire – grade ≥ 3"
    assert _read_csv(tmp_path / "a" / "adae.csv").loc[0, "AETERM"] == adae.loc[0, "AETERM"]


def test_every_analysis_data_column_has_a_label_and_sap_home(shipped_ad):
    """A variable added to AnalysisData must be declared in osteo_stats.derive.export.DERIVED
    (label, SAP section, rule) before it can be exported: listed here, by name."""
    from osteo_stats.derive.export import variable_spec

    undeclared = []
    for dataset, frame in {"ADSL": shipped_ad.adsl, "ADAE": shipped_ad.adae,
                           "ADTTE": shipped_ad.adtte, "ADRS": shipped_ad.adrs}.items():  # fmt: skip
        for column in frame.columns:
            try:
                variable_spec(dataset, SHORT.get(column, column))
            except KeyError:
                undeclared.append(f"{dataset}.{column}")
    assert undeclared == []
