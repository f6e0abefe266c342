"""Tests of the synthetic trial generator (osteo_stats.synth).

The data-model checks below are written from ``sap/DATA_MODEL.md`` directly (column lists,
controlled terms, cross-dataset rules), independently of the generator's own column table, so
they catch a generator that drifts from the specification.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from osteo_stats import load_sap
from osteo_stats.errors import OutputRefused
from osteo_stats.outputs import MANIFEST_NAME
from osteo_stats.synth import generate_trial, interim_cutoff_for, write_trial
from osteo_stats.synth._write import XPT_STAMP_OFFSETS, fix_xpt_timestamps

SEED = 20240301

# --- the specification, transcribed from sap/DATA_MODEL.md --------------------------------
EXPECTED_COLUMNS = {
    "ADSL": "STUDYID USUBJID SITEID AGE SEX PSTYPE PSSCORE NNODULE LATERAL DFIMO PRIORLN RFICDT "
    "ENRLDT TRTSDT TRTEDT SURGPLDT SURGDT SURGOUT SURGNDRS NECRPCT NACTDT SMDT DTHDT "
    "DTHCAUS LSTALVDT EOSSTT DCSREAS EOSDT FASFL SAFFL PPROTFL DCUTDT",
    "ADAE": "STUDYID USUBJID AESEQ AETERM AEDECOD AEBODSYS AETOXGR AESER AERELSB AERELPD AERELGM "
    "AEIRFL ASTDT AENDT AEACN AEOUT AECLAVDN AESDLYFL",
    "ADRS": "STUDYID USUBJID PARAMCD AVISIT ADT APHASE AVALC RECURFL NEWLFL",
    "ADTR": "STUDYID USUBJID PARAMCD AVISIT ADT AVAL ABLFL",
    "ADEX": "STUDYID USUBJID EXTRT APHASE CYCLE EXFRACN EXSTDT EXPLDOS EXDOSE EXDOSU",
    "ADBM": "STUDYID USUBJID PARAMCD ATPT ADT AVAL BMSTAT BMREASND",
}
NULLABLE = {
    "ADSL": {
        "TRTSDT",
        "TRTEDT",
        "SURGPLDT",
        "SURGDT",
        "SURGNDRS",
        "NECRPCT",
        "NACTDT",
        "SMDT",
        "DTHDT",
        "DTHCAUS",
        "DCSREAS",
        "EOSDT",
    },
    "ADAE": {"AETOXGR", "AENDT", "AECLAVDN"},
    "ADRS": {"RECURFL"},
    "ADTR": set(),
    "ADEX": {"CYCLE", "EXFRACN"},
    "ADBM": {"ADT", "AVAL", "BMREASND"},
}
TERMS = {
    ("ADSL", "SEX"): {"M", "F"},
    ("ADSL", "PSTYPE"): {"ECOG", "LANSKY"},
    ("ADSL", "LATERAL"): {"UNILATERAL", "BILATERAL"},
    ("ADSL", "SURGOUT"): {"R0", "R1", "R2", "NOT DONE", "PENDING"},
    ("ADSL", "SURGNDRS"): {"PROGRESSION", "TOXICITY", "WITHDRAWAL", "DEATH", "OTHER"},
    ("ADSL", "DTHCAUS"): {"DISEASE PROGRESSION", "TREATMENT-RELATED", "OTHER"},
    ("ADSL", "EOSSTT"): {"ONGOING", "COMPLETED", "DISCONTINUED"},
    ("ADSL", "DCSREAS"): {
        "PROGRESSIVE DISEASE",
        "ADVERSE EVENT",
        "DEATH",
        "WITHDRAWAL BY SUBJECT",
        "LOST TO FOLLOW-UP",
        "PHYSICIAN DECISION",
        "OTHER",
    },
    ("ADAE", "AEACN"): {
        "DOSE NOT CHANGED",
        "DRUG INTERRUPTED",
        "DOSE REDUCED",
        "DRUG WITHDRAWN",
        "NOT APPLICABLE",
        "UNKNOWN",
    },
    ("ADAE", "AEOUT"): {
        "RECOVERED/RESOLVED",
        "RECOVERING/RESOLVING",
        "NOT RECOVERED/NOT RESOLVED",
        "RECOVERED/RESOLVED WITH SEQUELAE",
        "FATAL",
        "UNKNOWN",
    },
    ("ADAE", "AECLAVDN"): {"I", "II", "IIIa", "IIIb", "IVa", "IVb", "V"},
    ("ADRS", "PARAMCD"): {"OVRLRESP"},
    ("ADRS", "APHASE"): {"PRE-OPERATIVE", "POST-OPERATIVE"},
    ("ADRS", "AVALC"): {"CR", "PR", "SD", "PD", "NE", "NED"},
    ("ADTR", "PARAMCD"): {"SUMDIAM"},
    ("ADEX", "EXTRT"): {"SBRT", "PENPULIMAB", "GEMCITABINE"},
    ("ADEX", "APHASE"): {"PRE-OPERATIVE", "POST-OPERATIVE", "MAINTENANCE"},
    ("ADBM", "ATPT"): {"PRE-SBRT", "POST-SBRT"},
    ("ADBM", "BMSTAT"): {"DONE", "NOT EVALUABLE", "NOT DONE"},
}
FLAGS = {
    "ADSL": ("FASFL", "SAFFL", "PPROTFL"),
    "ADAE": ("AESER", "AERELSB", "AERELPD", "AERELGM", "AEIRFL", "AESDLYFL"),
    "ADRS": ("RECURFL", "NEWLFL"),
    "ADTR": ("ABLFL",),
}
UNITS = {"SBRT": "Gy", "PENPULIMAB": "mg", "GEMCITABINE": "mg/m2"}
ONGOING = {"NOT RECOVERED/NOT RESOLVED", "RECOVERING/RESOLVING"}


def _earliest(values: pd.Series) -> pd.Series:
    """Partial-capable dates -> the earliest date they can mean (YYYY -> Jan 1, YYYY-MM -> 1st)."""

    def one(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return pd.NaT
        v = str(v)[:10] if not isinstance(v, str) else v
        return pd.Timestamp({4: v + "-01-01", 7: v + "-01"}.get(len(v), v))

    return pd.Series([one(v) for v in values], index=values.index, dtype="datetime64[ns]")


def data_model_problems(d: dict[str, pd.DataFrame], sap) -> list[str]:
    """Every rule of DATA_MODEL.md that the generated datasets break (empty = valid)."""
    bad: list[str] = []

    def check(ok, what: str) -> None:
        ok = bool(np.all(ok))
        if not ok:
            bad.append(what)

    for name, cols in EXPECTED_COLUMNS.items():
        check(list(d[name].columns) == cols.split(), f"{name} columns")
        for col in set(cols.split()) - NULLABLE[name]:
            check(d[name][col].notna(), f"{name}.{col} missing")
        check((d[name]["STUDYID"] == "PROMIS"), f"{name}.STUDYID")
    for (name, col), allowed in TERMS.items():
        check(d[name][col].dropna().isin(allowed), f"{name}.{col} term")
    for name, cols in FLAGS.items():
        for col in cols:
            check(d[name][col].dropna().isin({"Y", "N"}), f"{name}.{col} flag")

    s = d["ADSL"]
    ids = set(s.USUBJID)
    check(s.USUBJID.is_unique, "ADSL.USUBJID unique")
    check(s.DCUTDT.nunique() == 1, "one DCUTDT")
    cut = s.DCUTDT.iloc[0]
    thr = sap.eligibility.ps_scale_age_threshold
    check((s.PSTYPE == "ECOG") == (s.AGE >= thr), "PSTYPE matches AGE")
    ecog = s[s.PSTYPE == "ECOG"].PSSCORE
    lansky = s[s.PSTYPE == "LANSKY"].PSSCORE
    check(ecog.between(0, 5), "ECOG range")
    check(lansky.between(0, 100) & (lansky % 10 == 0), "Lansky range")
    check((s.NNODULE >= 1) & (s.DFIMO >= 0) & (s.PRIORLN >= 1), "ADSL numeric ranges")
    check(s.RFICDT <= s.ENRLDT, "RFICDT <= ENRLDT")
    dosed = s[s.TRTSDT.notna()]
    check((dosed.ENRLDT <= dosed.TRTSDT) & (dosed.TRTSDT <= dosed.TRTEDT), "ENRL<=TRTS<=TRTE")
    check(s.TRTSDT.isna() == s.TRTEDT.isna(), "TRTSDT/TRTEDT together")
    check((s.SAFFL == "Y") == s.TRTSDT.notna(), "SAFFL = any dose")
    check(s.FASFL == "Y", "FASFL")
    operated = s.SURGOUT.isin(["R0", "R1", "R2"])
    check(s.SURGDT.notna() == operated, "SURGDT iff R0/R1/R2")
    check(s[operated].SURGDT > s[operated].ENRLDT, "SURGDT after ENRLDT")
    check(s.SURGNDRS.notna() == (s.SURGOUT == "NOT DONE"), "SURGNDRS iff NOT DONE")
    check(s[operated].NECRPCT.between(0, 100), "NECRPCT when operated")
    check(s.DTHCAUS.notna() == s.DTHDT.notna(), "DTHCAUS with DTHDT")
    dth = _earliest(s.DTHDT)
    check(~(s.LSTALVDT > dth), "LSTALVDT <= DTHDT")
    check(~(s.LSTALVDT > s.EOSDT), "LSTALVDT <= EOSDT")
    check(s.LSTALVDT <= s.DCUTDT, "LSTALVDT <= DCUTDT")
    check(s.DCSREAS.notna() == (s.EOSSTT == "DISCONTINUED"), "DCSREAS iff DISCONTINUED")
    check(s.EOSDT.notna() == s.EOSSTT.isin(["DISCONTINUED", "COMPLETED"]), "EOSDT with EOS")
    check(~(s.PPROTFL == "Y") | operated, "PPS needs surgery")

    a = d["ADAE"]
    check(~a.duplicated(["USUBJID", "AESEQ"]) & (a.AESEQ >= 1), "ADAE key")
    check(a.AETOXGR.dropna().between(1, 5), "AETOXGR 1-5")
    ast, aen = _earliest(a.ASTDT), _earliest(a.AENDT)
    check(~(aen < ast), "AENDT >= ASTDT")
    check(a[a.AENDT.isna()].AEOUT.isin(ONGOING | {"UNKNOWN"}), "ongoing AE outcome")
    check(a[a.AEOUT == "FATAL"].AENDT.notna(), "fatal AE ends at death")
    check(a.AECLAVDN.isna() | a.AEBODSYS.notna(), "AECLAVDN")
    for name, col in (
        ("ADAE", "ASTDT"),
        ("ADRS", "ADT"),
        ("ADTR", "ADT"),
        ("ADEX", "EXSTDT"),
        ("ADBM", "ADT"),
    ):
        frame = d[name]
        check(frame.USUBJID.isin(ids), f"{name} USUBJID in ADSL")
        when = _earliest(frame[col])
        m = (
            frame[["USUBJID"]]
            .assign(when=when)
            .merge(s.assign(dth=dth)[["USUBJID", "RFICDT", "ENRLDT", "dth"]], on="USUBJID")
        )
        if name != "ADBM":
            check(~(m.when < m.RFICDT), f"{name}.{col} before RFICDT")
            check(~(m.when > m.dth), f"{name}.{col} after DTHDT")
        if name == "ADEX":
            check(m.when >= m.ENRLDT, "ADEX before ENRLDT")

    # Nothing is dated after DCUTDT (partial dates: their earliest meaning).
    for name, frame in d.items():
        for col in frame.columns:
            if col in ("DCUTDT",) or not (col.endswith("DT") or col in ("ADT", "ASTDT")):
                continue
            check(~(_earliest(frame[col]) > cut), f"{name}.{col} after DCUTDT")

    r = d["ADRS"]
    check(~r.duplicated(["USUBJID", "ADT"]), "ADRS key")
    check(r[r.AVISIT == "SCREENING"].AVALC == "NE", "screening NE")
    check(r[r.APHASE == "PRE-OPERATIVE"].RECURFL.isna(), "RECURFL pre-op null")
    check(r[r.APHASE == "POST-OPERATIVE"].RECURFL.notna(), "RECURFL post-op set")
    t = d["ADTR"]
    check(~t.duplicated(["USUBJID", "ADT"]) & (t.AVAL >= 0), "ADTR key/AVAL")
    check(
        t[t.ABLFL == "Y"].USUBJID.value_counts().eq(1).all()
        and set(t[t.ABLFL == "Y"].USUBJID) == set(t.USUBJID),
        "one ABLFL per patient",
    )
    e = d["ADEX"]
    check(~e.duplicated(["USUBJID", "EXTRT", "EXSTDT"]), "ADEX key")
    check(e.EXDOSU == e.EXTRT.map(UNITS), "EXDOSU")
    check((e.EXPLDOS > 0) & (e.EXDOSE >= 0), "EXPLDOS/EXDOSE")
    check(e.EXFRACN.notna() == (e.EXTRT == "SBRT"), "EXFRACN only SBRT")
    check(e.CYCLE.isna() == (e.EXTRT == "SBRT"), "CYCLE null for SBRT")
    span = e.groupby("USUBJID").EXSTDT.agg(["min", "max"])
    m = s.set_index("USUBJID").loc[span.index]
    check((m.TRTSDT == span["min"]) & (m.TRTEDT == span["max"]), "TRTSDT/TRTEDT = doses")
    b = d["ADBM"]
    check(~b.duplicated(["USUBJID", "PARAMCD", "ATPT"]), "ADBM key")
    check(b.PARAMCD.isin(list(sap.biomarkers.markers)), "ADBM PARAMCD")
    check(b.AVAL.isna() == (b.BMSTAT != "DONE"), "ADBM AVAL missing iff not DONE")
    check(b.AVAL.dropna() >= 0, "ADBM AVAL >= 0")
    return bad


def recist_problems(d: dict[str, pd.DataFrame]) -> list[str]:
    """Target-lesion sums agree with the RECIST 1.1 response of the same assessment."""
    t, r = d["ADTR"], d["ADRS"]
    base = t[t.ABLFL == "Y"].set_index("USUBJID").AVAL
    m = t[t.ABLFL == "N"].merge(r, on=["USUBJID", "ADT"])
    bad = []
    for row in m.itertuples():
        b = base[row.USUBJID]
        change = (row.AVAL - b) / b
        ok = {
            "CR": row.AVAL == 0,
            "PR": change <= -0.30 and row.AVAL > 0,
            "SD": -0.30 < change and not (change >= 0.20 and row.AVAL - b >= 5),
            "PD": (change >= 0.20 and row.AVAL - b >= 5) or row.NEWLFL == "Y",
        }[row.AVALC]
        if not ok:
            bad.append(f"{row.USUBJID} {row.ADT:%Y-%m-%d} {row.AVALC} {b}->{row.AVAL}")
    return bad


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sap():
    return load_sap()


@pytest.fixture(scope="module")
def final(sap):
    return generate_trial(sap, seed=SEED)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- API and reproducibility ----------------------------------------------------------------
def test_api_returns_the_seven_datasets(final):
    assert list(final) == ["ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM", "ADLB"]
    assert len(final["ADSL"]) == 43


def test_same_seed_gives_byte_identical_csv_and_xpt(sap, final, tmp_path):
    paths = write_trial(final, tmp_path / "a")
    write_trial(generate_trial(sap, seed=SEED), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(
        ["adsl.csv", "adae.csv", "adrs.csv", "adtr.csv", "adex.csv", "adbm.csv", "adlb.csv"]
        + [f"xpt/{n}.xpt" for n in ("adsl", "adae", "adrs", "adtr", "adex", "adbm", "adlb")]
        + [MANIFEST_NAME]
    )
    assert a == b
    assert [p.relative_to(tmp_path / "a").as_posix() for p in paths][:2] == ["adsl.csv", "adae.csv"]


def test_xpt_header_timestamp_is_the_cutoff_not_the_clock(final, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    write_trial(final, tmp_path)
    cut = final["ADSL"].DCUTDT.iloc[0]
    expected = f"{cut:%d}{cut:%b}".upper().encode() + f"{cut:%y}:00:00:00".encode()
    header = (tmp_path / "xpt" / "adsl.xpt").read_bytes()
    assert [header[o : o + 16] for o in XPT_STAMP_OFFSETS] == [expected] * 4


def test_source_date_epoch_sets_the_xpt_timestamp(final, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    write_trial(final, tmp_path)
    header = (tmp_path / "xpt" / "adae.xpt").read_bytes()
    assert {header[o : o + 16] for o in XPT_STAMP_OFFSETS} == {b"14NOV23:22:13:20"}


def test_timestamp_patch_refuses_an_unknown_header_layout():
    with pytest.raises(RuntimeError, match="layout changed"):
        fix_xpt_timestamps(b" " * 800, pd.Timestamp("2024-01-01").to_pydatetime())


def test_different_seed_gives_different_data(sap, final):
    other = generate_trial(sap, seed=SEED + 1)
    assert not other["ADSL"].equals(final["ADSL"])
    assert not other["ADAE"].equals(final["ADAE"])


def test_no_global_random_state_is_touched(sap):
    # Reading the legacy global state is the point here: the generator must not change it.
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    generate_trial(sap, seed=7)
    assert np.array_equal(before, np.random.get_state()[1])  # noqa: NPY002


# --- file formats ---------------------------------------------------------------------------
def test_xpt_v5_names_labels_and_types(final, tmp_path, sap):
    write_trial(final, tmp_path)
    partial = sap.date_imputation.partial_allowed
    for name, frame in final.items():
        df, meta = pyreadstat.read_xport(tmp_path / "xpt" / f"{name.lower()}.xpt")
        assert meta.table_name == name
        assert list(df.columns) == list(frame.columns)
        assert all(len(c) <= 8 for c in df.columns)
        labels = meta.column_names_to_labels
        assert all(labels[c] and len(labels[c]) <= 40 for c in df.columns), name
        for col in frame.columns:
            fmt = meta.original_variable_types[col]
            if col in partial.get(name, []):
                assert meta.readstat_variable_types[col] == "string", (name, col)
            elif pd.api.types.is_datetime64_any_dtype(frame[col]):
                # pyreadstat 1.3.8 reports the format with its period (DATE9.), earlier ones
                # without (DATE9): the same SAS format either way.
                assert fmt in {"DATE9", "DATE9."}, (name, col)
                got = pd.to_datetime(df[col])
                assert (
                    got.equals(frame[col].rename(col))
                    or (got.fillna(pd.Timestamp(0)) == frame[col].fillna(pd.Timestamp(0))).all()
                )
    adae, _ = pyreadstat.read_xport(tmp_path / "xpt" / "adae.xpt")
    assert set(adae.ASTDT) >= set(final["ADAE"].ASTDT[final["ADAE"].ASTDT.str.len() < 10])


def test_csv_numbers_have_fixed_decimals_and_dates_are_iso(final, tmp_path):
    write_trial(final, tmp_path)
    adsl = pd.read_csv(tmp_path / "adsl.csv", dtype=str, keep_default_na=False)
    assert adsl.DFIMO.str.fullmatch(r"\d+\.\d").all()
    assert adsl.ENRLDT.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    adex = pd.read_csv(tmp_path / "adex.csv", dtype=str, keep_default_na=False)
    assert adex.EXDOSE.str.fullmatch(r"\d+\.\d").all()
    raw = (tmp_path / "adae.csv").read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n")


def test_write_trial_is_atomic_and_leaves_no_stale_files(final, tmp_path):
    out = tmp_path / "out"
    write_trial(final, out)
    before = _files(out)
    broken = dict(final, ADAE=final["ADAE"].drop(columns=["AETERM"]))
    with pytest.raises(ValueError, match="ADAE columns"):
        write_trial(broken, out)
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no scratch directory left
    # A file osteo-stats did not write is never swept away with the earlier output.
    (out / "adsl.sas7bdat").write_bytes(b"the user's own file")
    with pytest.raises(OutputRefused, match="adsl.sas7bdat, not written by osteo-stats"):
        write_trial(final, out)
    assert _files(out) == {**before, "adsl.sas7bdat": b"the user's own file"}


# --- the data model -------------------------------------------------------------------------
CUTOFFS = ["2022-09-30", "interim", "2025-01-15", "final"]


def _at(sap, final, which: str) -> dict[str, pd.DataFrame]:
    if which == "final":
        return final
    cut = interim_cutoff_for(final) if which == "interim" else date.fromisoformat(which)
    return generate_trial(sap, seed=SEED, cutoff=cut)


@pytest.mark.parametrize("which", CUTOFFS)
def test_generated_data_satisfy_the_data_model(sap, final, which):
    assert data_model_problems(_at(sap, final, which), sap) == []


@pytest.mark.parametrize("n", [1, 5, 13, 100])
def test_other_trial_sizes_satisfy_the_data_model(sap, n):
    d = generate_trial(sap, n_patients=n, seed=3)
    assert len(d["ADSL"]) == n
    assert data_model_problems(d, sap) == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_other_seeds_satisfy_the_data_model(sap, seed):
    d = generate_trial(sap, seed=seed)
    assert data_model_problems(d, sap) == []
    assert recist_problems(d) == []


def test_target_lesion_sums_agree_with_recist_response(final):
    assert recist_problems(final) == []


def test_validator_accepts_csv_and_xpt(sap, final, tmp_path):
    load = pytest.importorskip("osteo_stats.load")
    interim = generate_trial(sap, seed=SEED, cutoff=interim_cutoff_for(final))
    for label, data in (("final", final), ("interim", interim)):
        write_trial(data, tmp_path / label)
        for folder in (tmp_path / label, tmp_path / label / "xpt"):
            trial = load.load_trial(folder, sap)
            assert len(trial.adsl) == len(data["ADSL"])


# --- cut-off semantics ----------------------------------------------------------------------
def test_final_cutoff_gives_everyone_24_months(final):
    s = final["ADSL"]
    cut = s.DCUTDT.iloc[0]
    assert cut == cut + pd.offsets.MonthEnd(0)  # a month end
    assert (cut - s.ENRLDT.max()).days >= 731
    assert cut < pd.Timestamp("2026-11-01")  # in the past for the reports


def test_cutoff_before_first_enrollment_is_refused(sap, final):
    first = final["ADSL"].ENRLDT.min().date()
    with pytest.raises(ValueError, match="no patient is enrolled"):
        generate_trial(sap, seed=SEED, cutoff=first - timedelta(days=1))
    assert len(generate_trial(sap, seed=SEED, cutoff=first)["ADSL"]) == 1


def test_early_cutoff_keeps_only_enrolled_patients_and_past_records(sap, final):
    cut = date(2022, 9, 30)
    early = generate_trial(sap, seed=SEED, cutoff=cut)
    s = early["ADSL"]
    expected = final["ADSL"][final["ADSL"].ENRLDT <= pd.Timestamp(cut)].USUBJID
    assert sorted(s.USUBJID) == sorted(expected)
    assert 0 < len(s) < 43
    assert (s.DCUTDT == pd.Timestamp(cut)).all()
    assert (s.LSTALVDT <= pd.Timestamp(cut)).all()
    # Same AE numbering at every cut-off: an early extract is a subset of the final one.
    keys = ["USUBJID", "AESEQ", "AEDECOD"]
    assert early["ADAE"][keys].merge(final["ADAE"][keys]).shape[0] == len(early["ADAE"])


def test_surgery_not_yet_done_is_pending(sap, final):
    s = final["ADSL"]
    p = s[s.SURGDT.notna()].iloc[5]
    cut = (p.SURGDT - pd.Timedelta(days=3)).date()
    d = generate_trial(sap, seed=SEED, cutoff=cut)
    row = d["ADSL"].set_index("USUBJID").loc[p.USUBJID]
    assert row.SURGOUT == "PENDING" and pd.isna(row.SURGDT) and pd.isna(row.NECRPCT)
    assert pd.isna(row.SURGNDRS) and row.PPROTFL == "N"
    bm = d["ADBM"][d["ADBM"].USUBJID == p.USUBJID]
    assert set(bm.ATPT) == {"PRE-SBRT"}


def test_ae_ongoing_at_cutoff_has_no_end_date(sap, final):
    a = final["ADAE"]
    ae = a[a.AENDT.notna() & a.ASTDT.str.len().eq(10)]
    ae = ae[(pd.to_datetime(ae.AENDT) - pd.to_datetime(ae.ASTDT)).dt.days >= 10].iloc[0]
    cut = (pd.Timestamp(ae.ASTDT) + pd.Timedelta(days=2)).date()
    d = generate_trial(sap, seed=SEED, cutoff=cut)
    row = d["ADAE"].set_index(["USUBJID", "AESEQ"]).loc[(ae.USUBJID, ae.AESEQ)]
    assert row.AENDT is None and row.AEOUT in ONGOING


def test_death_after_cutoff_is_not_known(sap, final):
    s = final["ADSL"]
    p = s[s.DTHCAUS == "DISEASE PROGRESSION"].iloc[0]
    cut = (pd.Timestamp(p.DTHDT) - pd.Timedelta(days=1)).date()
    d = generate_trial(sap, seed=SEED, cutoff=cut)
    row = d["ADSL"].set_index("USUBJID").loc[p.USUBJID]
    assert row.DTHDT is None and row.DTHCAUS is None
    assert row.EOSSTT == "ONGOING" and pd.isna(row.EOSDT) and row.LSTALVDT <= pd.Timestamp(cut)


def test_fatal_event_before_death_is_grade_4_and_ongoing(sap, final):
    a = final["ADAE"]
    fatal = a[a.AEOUT == "FATAL"].iloc[0]
    cut = (pd.Timestamp(fatal.ASTDT) + pd.Timedelta(days=1)).date()
    d = generate_trial(sap, seed=SEED, cutoff=cut)
    row = d["ADAE"].set_index(["USUBJID", "AESEQ"]).loc[(fatal.USUBJID, fatal.AESEQ)]
    assert row.AETOXGR == 4 and row.AEOUT == "NOT RECOVERED/NOT RESOLVED"


def test_interim_cutoff_is_13th_patient_plus_24_months(final, tmp_path):
    s = final["ADSL"].sort_values(["ENRLDT", "USUBJID"])
    expected = (s.ENRLDT.iloc[12] + timedelta(days=730)).date()
    assert interim_cutoff_for(final) == expected
    assert interim_cutoff_for(final["ADSL"]) == expected
    write_trial(final, tmp_path)
    as_read = pd.read_csv(tmp_path / "adsl.csv", dtype=str)  # ENRLDT as ISO text
    assert interim_cutoff_for(as_read) == expected
    # Day-one convention: 731 days of follow-up (date - ENRLDT + 1) = 24.02 months >= 24.
    assert ((expected - s.ENRLDT.iloc[12].date()).days + 1) / 30.4375 >= 24
    with pytest.raises(ValueError, match="nth_patient"):
        interim_cutoff_for(final, nth_patient=44)


# --- realism --------------------------------------------------------------------------------
def test_baseline_looks_like_recurrent_osteosarcoma(final):
    s = final["ADSL"]
    assert s.AGE.between(10, 65).all() and s.AGE.median() <= 25
    assert 0.45 <= (s.SEX == "M").mean() <= 0.75
    assert s.NNODULE.between(1, 6).all() and s.PRIORLN.between(1, 3).all()
    assert 8 <= s.DFIMO.median() <= 24
    assert s[s.PSTYPE == "ECOG"].PSSCORE.isin([0, 1, 2]).all()
    assert s[s.PSTYPE == "LANSKY"].PSSCORE.between(70, 100).all()
    assert 3 <= s.SITEID.nunique() <= 4
    span = (s.ENRLDT.max() - s.ENRLDT.min()).days
    assert 600 <= span <= 800  # about 24 months of accrual


def test_efficacy_looks_plausible(final):
    from lifelines import KaplanMeierFitter

    s, r = final["ADSL"], final["ADRS"]
    operated = s.SURGOUT.isin(["R0", "R1", "R2"])
    assert (s.SURGOUT == "R0").sum() / operated.sum() >= 0.7
    assert 2 <= (s.SURGNDRS == "PROGRESSION").sum() <= 4
    pre = r[r.AVISIT.str.startswith("PRE-OP")].groupby("USUBJID").AVALC.first()
    assert 0.05 <= pre.isin(["CR", "PR"]).sum() / len(s) <= 0.35
    assert (pre == "SD").sum() > pre.isin(["CR", "PR", "PD"]).sum()
    necr = s.NECRPCT.dropna()
    assert (necr == 100).any() and (necr < 50).any() and necr.between(50, 99).any()
    # EFS by the SAP events (pre-op PD, R1/R2, post-op PD, second malignancy, death).
    events = []
    for p in s.itertuples():
        pr = r[r.USUBJID == p.USUBJID]
        cand = list(pr.ADT[pr.AVALC == "PD"])
        cand += [p.SURGDT] if p.SURGOUT in ("R1", "R2") else []
        cand += [pd.Timestamp(p.DTHDT)] if p.DTHDT else []
        cand += [p.SMDT] if pd.notna(p.SMDT) else []
        last = pr.ADT[pr.AVISIT != "SCREENING"].max() if len(pr) > 1 else p.ENRLDT
        end = min(cand) if cand else last
        events.append(((end - p.ENRLDT).days + 1, bool(cand)))
    t = pd.DataFrame(events, columns=["days", "event"])
    km = KaplanMeierFitter().fit(t.days / 30.4375, t.event)
    assert 0.25 <= float(km.survival_function_at_times(24).iloc[0]) <= 0.55
    deaths = s[s.DTHDT.notna()]
    assert 5 <= len(deaths) <= 25
    assert (deaths.DTHCAUS == "DISEASE PROGRESSION").mean() >= 0.75
    # New therapy starts after progression, except the one patient it was started before it.
    progressed = set(r[r.AVALC == "PD"].USUBJID)
    assert s[s.NACTDT.notna()].USUBJID.isin(progressed).all()


def test_trial_that_reached_43_passed_simon_stage_1(final, sap):
    """More than r1 of the first n1 patients are 24-month EFS successes (else it stops)."""
    s, r = final["ADSL"].sort_values(["ENRLDT", "USUBJID"]), final["ADRS"]
    successes = 0
    for p in s.head(sap.design.n1).itertuples():
        horizon = p.ENRLDT + pd.Timedelta(days=730)
        pr = r[r.USUBJID == p.USUBJID]
        events = list(pr.ADT[pr.AVALC == "PD"])
        events += [p.SURGDT] if p.SURGOUT in ("R1", "R2") else []
        events += [pd.Timestamp(p.DTHDT)] if p.DTHDT else []
        events += [p.SMDT] if pd.notna(p.SMDT) else []
        adequate = pr.ADT.max() >= horizon - pd.Timedelta(days=sap.efs.assessment_window_days)
        successes += adequate and not any(e <= horizon for e in events)
    assert successes > sap.design.r1


def test_sensitivity_scenarios_are_present(final, sap):
    s, r = final["ADSL"], final["ADRS"]
    interval = sap.efs.tumour_assessment_interval_days
    gaps = 0
    for _, g in r[r.APHASE == "POST-OPERATIVE"].groupby("USUBJID"):
        g = g.sort_values("ADT")
        if (g.AVALC == "PD").any() and len(g) >= 2:
            if (g.ADT.iloc[-1] - g.ADT.iloc[-2]).days > 3 * interval - 30:
                gaps += 1
    assert gaps >= 1  # two consecutive missed scans before a recurrence
    assert (s.EOSSTT == "DISCONTINUED").sum() >= 3
    assert set(s.DCSREAS.dropna()) >= {"DEATH", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP"}
    assert (s.SAFFL == "N").sum() >= 1 and (s.PPROTFL == "N").sum() >= 3


def test_safety_data_look_plausible(final):
    s, a, e = final["ADSL"], final["ADAE"], final["ADEX"]
    per_patient = len(a) / (s.SAFFL == "Y").sum()
    assert 3 <= per_patient <= 12
    grades = a.AETOXGR.dropna()
    assert (grades <= 2).mean() >= 0.7 and (grades >= 3).any() and (grades == 5).sum() <= 1
    assert a.AETOXGR.isna().sum() == 1
    assert a.ASTDT.str.len().lt(10).sum() >= 3  # partial onset dates
    assert (a.AESER == "Y").sum() >= 3
    irae = a[a.AEIRFL == "Y"]
    assert (irae.AERELPD == "Y").all() and len(irae) >= 3
    surgical = a[a.AECLAVDN.notna()]
    assert len(surgical) >= 3 and (surgical.AERELGM == "N").all()
    assert (a.AETERM != a.AEDECOD).mean() > 0.3  # investigator wording differs
    delayed = s[(s.SURGDT - s.SURGPLDT).dt.days > 28].USUBJID
    assert len(delayed) >= 1
    assert a[a.USUBJID.isin(delayed)].AESDLYFL.eq("Y").any()
    gem = e[e.EXTRT == "GEMCITABINE"]
    assert (gem.EXDOSE < gem.EXPLDOS).any() and (gem.EXPLDOS == 1000).all()
    sbrt = e[e.EXTRT == "SBRT"]
    assert sbrt.groupby("USUBJID").size().eq(5).all()
    assert (sbrt.groupby("USUBJID").EXDOSE.sum().between(30, 50)).all()


def test_laboratory_values_follow_the_treatment(final):
    """ADLB (SAP 9.6): gemcitabine nadirs on days 8-15, grade 3-4 cytopenias in some patients,
    SBRT lymphopenia, lab AEs with matching values, values only while the patient is followed."""
    from osteo_stats.derive.laboratory import grade_values

    lb = grade_values(final["ADLB"])
    s = final["ADSL"].set_index("USUBJID")
    assert set(lb.PARAMCD) == {"NEUT", "PLAT", "HGB", "WBC", "LYMPH", "ALT", "AST", "BILI",
                               "CREAT", "TSH"}  # fmt: skip
    assert (lb.AVALU == lb.PARAMCD.map({"NEUT": "10^9/L", "PLAT": "10^9/L", "HGB": "g/L",
            "WBC": "10^9/L", "LYMPH": "10^9/L", "ALT": "U/L", "AST": "U/L", "BILI": "umol/L",
            "CREAT": "umol/L", "TSH": "mU/L"})).all()  # fmt: skip
    neut = lb[lb.PARAMCD == "NEUT"]
    day1 = neut[neut.AVISIT.str.endswith(" D1")].AVAL.median()
    nadir = neut[neut.AVISIT.str.endswith((" D8", " D15"))].AVAL.median()
    assert nadir < 0.75 * day1  # myelosuppression between doses, recovered by day 1
    high = lb[lb.ATOXGR >= 3].groupby("PARAMCD").USUBJID.nunique()
    assert 3 <= high.get("NEUT", 0) <= 20 and high.get("PLAT", 0) >= 1
    lymph = lb[lb.PARAMCD == "LYMPH"].copy()
    days = (lymph.ADT - lymph.USUBJID.map(s.TRTSDT)).dt.days
    screening = lymph[lymph.AVISIT == "SCREENING"].AVAL.median()
    assert lymph[days.between(7, 42)].AVAL.median() < 0.7 * screening  # after SBRT
    assert lymph[days > 180].AVAL.median() > 0.85 * screening  # recovered
    # Every immune hepatitis AE has an ALT value of its grade on its onset date.
    ae = final["ADAE"]
    hep = ae[(ae.AEDECOD == "Immune-mediated hepatitis") & ae.AETOXGR.notna()]
    assert len(hep) >= 1
    for row in hep.itertuples():
        alt = lb[(lb.USUBJID == row.USUBJID) & (lb.PARAMCD == "ALT")
                 & (lb.ADT == pd.Timestamp(row.ASTDT))]  # fmt: skip
        assert alt.ATOXGR.tolist() == [min(row.AETOXGR, 4)]
    # Nothing before consent or after death.
    assert (lb.ADT >= lb.USUBJID.map(s.RFICDT)).all()
    dth = lb.USUBJID.map(s.DTHDT)
    assert not (lb.ADT >= dth).any()


def test_adding_adlb_leaves_the_other_datasets_as_they_were(sap):
    from osteo_stats.synth._cutoff import datasets_at, final_cutoff
    from osteo_stats.synth._lab import simulate_labs
    from osteo_stats.synth._simulate import simulate_trial

    histories = simulate_trial(sap, 12, SEED)
    cut = final_cutoff(histories, sap)
    without = datasets_at(histories, sap, cut)
    with_labs = datasets_at(histories, sap, cut, simulate_labs(histories, SEED))
    assert without["ADLB"].empty and len(with_labs["ADLB"]) > 0
    for name in ("ADSL", "ADAE", "ADRS", "ADTR", "ADEX", "ADBM"):
        pd.testing.assert_frame_equal(without[name], with_labs[name])


def test_biomarkers_rise_after_sbrt_in_most_patients(final):
    b = final["ADBM"]
    done = (
        b[b.BMSTAT == "DONE"]
        .pivot(index=["USUBJID", "PARAMCD"], columns="ATPT", values="AVAL")
        .dropna()
    )
    cd8 = done.xs("CD8DENS", level="PARAMCD")
    assert (cd8["POST-SBRT"] > cd8["PRE-SBRT"]).mean() >= 0.6
    assert (b.BMREASND == "INSUFFICIENT TISSUE").any()
    no_surgery = set(final["ADSL"][final["ADSL"].SURGOUT == "NOT DONE"].USUBJID)
    post_nd = b[(b.ATPT == "POST-SBRT") & (b.BMSTAT == "NOT DONE")]
    assert set(post_nd.USUBJID) == no_surgery and (post_nd.BMREASND == "NO SURGERY").all()


# --------------------------------------------------------------------------------------------
# Scale (issue 10, section 7): more sites, not a longer accrual; huge n refused up front
# --------------------------------------------------------------------------------------------


def test_a_larger_trial_recruits_at_more_sites_within_the_planned_accrual_period(sap):
    """430 patients = 10 x the planned 43: ten copies of the 4-site network, each at the
    planned rate, so accrual still takes at most the planned 24 months (it took 240 months
    before) and every site ID is one of the 40."""
    adsl = generate_trial(sap, n_patients=430, seed=7)["ADSL"]
    enrl = pd.to_datetime(adsl["ENRLDT"])
    months = (enrl.max() - pd.Timestamp("2022-03-01")).days / sap.time.days_per_month
    assert months <= sap.study.planned_accrual_months + 1
    sites = set(adsl["SITEID"])
    assert 20 < len(sites) <= 40
    assert sites <= {f"{k:02d}" for k in range(1, 41)}
    assert adsl["USUBJID"].is_unique
    cutoff = pd.Timestamp(adsl["DCUTDT"].iloc[0])
    assert cutoff < pd.Timestamp("2027-01-01")


def test_huge_synth_n_is_refused_up_front(sap, tmp_path):
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    # Refused before anything is generated (a run would not end); the time it takes to generate
    # is measured in benchmarks/bench_synth.py, not asserted here.
    with pytest.raises(ValueError, match=r"n_patients \(--n\) must be from 1 to 10,000"):
        generate_trial(sap, n_patients=10**9, seed=1)
    result = CliRunner().invoke(app, ["synth", "--n", "1000000000", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--n" in result.output and "10000" in result.output
    assert not (tmp_path / "o").exists()
