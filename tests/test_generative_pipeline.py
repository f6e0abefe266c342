"""Generative whole-trial tests: every valid trial runs, and its outputs keep the SAP's invariants.

Trials come from ``trial_strategy.trials()`` (1-60 patients on every path SAP 3-4 name). For each
one the Python pipeline runs as ``analyze`` does (load + validate, derive at a cut-off drawn from
before the first enrollment to the extract's cut-off, every TLF and the ARD); a few go through the
CLI (``analyze``, ``report dmc``). Invariants (issue 19, section 2), from the SAP text:

- valid data are never refused and nothing raises;
- every ``n (x.x)`` cell: n <= N of its column and x.x = 100 n / N rounded half away from zero
  (SAP 6.3); every ARD triple n, N, pct: 0 <= n <= N, pct = 100 n / N;
- Kaplan-Meier estimates in [0, 1], non-increasing, lower <= estimate <= upper (SAP 7.3);
- the grade columns of each by-grade AE row sum to its "Any grade" count, and "Grade >= 3" is
  grades 3 + 4 + 5 (SAP 9.2); the Clavien-Dindo columns likewise;
- the FAS, SAF and PPS N is the same in every table that states it, and is the analysis set;
- every number in a table body is a value of that table's ARD (SAP 11.1, 12);
- each FAS patient's primary status is exactly one SAP 3.1 rule, consistent with EFS: F1 iff an
  EFS event by day 730 of EFS, S1 iff an event later; F3 only at the final analysis, and no N2
  there.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
from hypothesis import event, given
from hypothesis import strategies as st
from trial_strategy import Trial, examples, trials, write_datasets
from typer.testing import CliRunner

from osteo_stats import kaplan_meier, load_sap
from osteo_stats.cli import app
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.build import build_tlfs, combined_ard
from osteo_stats.tlf.format import fmt_number

SAP_ = load_sap()
RULES = {"S1", "S2", "F1", "F2", "F3", "N1", "N2"}
_N_PCT = re.compile(r"^(\d+) \((100|\d+\.\d)\)$")
_HEADER_N = re.compile(r"\(N = (\d+)\)")
_SET_N = re.compile(r"(Full analysis set|Safety analysis set|Per-protocol set) \(N = (\d+)\)")
_COL_SET_N = re.compile(r"^(FAS|PPS) \(N = (\d+)\)")
_ROW_N = re.compile(r"\bN = (\d+)")
_PROSE = re.compile(r"[A-Za-z]{4,}")
_NUMBER = re.compile(r"(?<![\w.<>])-?\d+(?:\.\d+)?(?![\w.])")
SET_FLAGS = {"Full analysis set": "FAS", "Safety analysis set": "SAF", "Per-protocol set": "PPS"}


def analysis_cutoffs(trial: Trial) -> st.SearchStrategy:
    """The extract's own cut-off (None), or any day from a month before the first enrollment."""
    first = trial.first_enrollment - timedelta(days=30)
    span = (trial.cutoff - first).days
    return st.one_of(st.none(), st.integers(0, span).map(lambda k: first + timedelta(days=k)))


def run_pipeline(directory: Path, cutoff, analysis_type: str):
    trial = load_trial(directory, SAP_)
    ad = derive_analysis_data(trial, SAP_, cutoff, analysis_type=analysis_type)
    return ad, build_tlfs(ad)


# --- the invariants -------------------------------------------------------------------------


def check_ard_counts(ard: pd.DataFrame) -> None:
    keys = ["analysis_id", "tlf", "analysis_set", "parameter", "group"]
    wide = ard[ard["statistic"].isin(["n", "N", "pct"])].pivot_table(
        index=keys, columns="statistic", values="value", aggfunc="first"
    )
    if not {"n", "N", "pct"} <= set(wide.columns):
        return
    full = wide.dropna(subset=["n", "N", "pct"])
    for key, row in full.iterrows():
        assert 0 <= row["n"] <= row["N"], f"ARD n > N at {key}: {row.to_dict()}"
        expected = 100 * row["n"] / row["N"] if row["N"] else 0.0
        assert math.isclose(row["pct"], expected, abs_tol=1e-9), f"ARD pct != n/N at {key}"


def _ard_pairs(ard: pd.DataFrame) -> set[tuple[int, int]]:
    keys = ["analysis_id", "analysis_set", "parameter", "group"]
    part = ard[ard["statistic"].isin(["n", "N"])]
    wide = part.pivot_table(index=keys, columns="statistic", values="value", aggfunc="first")
    if not {"n", "N"} <= set(wide.columns):
        return set()
    wide = wide.dropna(subset=["n", "N"])
    return {(int(n), int(big_n)) for n, big_n in zip(wide["n"], wide["N"], strict=True)}


def check_table_counts(output) -> None:
    """Each ``n (x.x)`` is n/N for a denominator the table states (its column header, its
    analysis set, a section row "Operated (R0, R1 or R2), N = 5") or the ARD records with that n
    (e.g. the FAS less the not yet evaluable, SAP 3.3), with n <= N, SAP 6.3-6.4."""
    tlf = output.tlf
    pairs = _ard_pairs(output.ard.frame)
    stated = {int(n) for n in _HEADER_N.findall(tlf.analysis_set)}
    stated |= {int(n) for c in tlf.body[tlf.body.columns[0]] for n in _ROW_N.findall(str(c))}
    for column in tlf.body.columns[1:]:
        denominators = {int(n) for n in _HEADER_N.findall(str(column))} or stated
        for cell in tlf.body[column].astype(str):
            match = _N_PCT.match(cell.strip())
            if not match or not denominators:
                continue
            n, pct = int(match.group(1)), match.group(2)
            candidates = denominators | {big_n for k, big_n in pairs if k == n}
            fits = [
                big_n
                for big_n in candidates
                if n <= big_n and pct == ("100" if n == big_n else fmt_number(100 * n / big_n, 1))
            ]
            assert fits, f"{tlf.label} [{column}] {cell!r}: not n/N for N in {sorted(denominators)}"


def _count(cell: object) -> int:
    text = str(cell).strip()
    return int(text.split(" ")[0]) if text and text[0].isdigit() else 0


def check_grade_columns(output) -> None:
    body = output.tlf.body
    columns = list(body.columns)
    if "Any grade" not in columns:
        return
    if "Grade 1" in columns:
        parts = [c for c in columns if c.startswith("Grade ") and c[6:].isdigit()]
        parts += [c for c in columns if c in ("Grade missing", "Missing")]
        high = [c for c in ("Grade 3", "Grade 4", "Grade 5")]
        top = "Grade >= 3"
    elif "I" in columns:
        parts = [c for c in ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V") if c in columns]
        high = ["IIIa", "IIIb", "IVa", "IVb", "V"]
        top = ">= IIIa"
    else:
        return
    for _, row in body.iterrows():
        total = _count(row["Any grade"])
        assert sum(_count(row[c]) for c in parts) == total, (
            f"{output.tlf.label}: grades {[row[c] for c in parts]} do not sum to {total}: "
            f"{row.to_dict()}"
        )
        if top in columns:
            assert sum(_count(row[c]) for c in high) == _count(row[top]), row.to_dict()


def check_set_sizes(outputs, ad) -> None:
    sizes = {flag: len(ad.population(flag)) for flag in ("FAS", "SAF", "PPS")}
    for output in outputs:
        tlf = output.tlf
        stated = [(SET_FLAGS[name], int(n)) for name, n in _SET_N.findall(tlf.analysis_set)]
        if tlf.body is not None:
            for column in tlf.body.columns:
                if match := _COL_SET_N.match(str(column)):
                    stated.append((match.group(1), int(match.group(2))))
        for flag, n in stated:
            if "operated" in tlf.analysis_set.lower() and flag == "SAF":
                continue  # "Safety analysis set, operated patients (N = k)": a subset
            assert n == sizes[flag], f"{tlf.label} states {flag} N = {n}, the set has {sizes[flag]}"


def check_numbers_in_ard(output) -> None:
    tlf = output.tlf
    values = [v for v in output.ard.frame["value"] if not math.isnan(v)]
    if not values:
        return
    cache: dict[int, set[str]] = {}
    for row in tlf.body.itertuples(index=False):
        for cell in row[1:]:
            if _PROSE.search(str(cell)) or str(cell).strip() == "0":
                # A sentence ("1 of 43 planned patients enrolled"), or a zero count of a
                # category no patient has (reported: Table 14.4.1 has no ARD row for it).
                continue
            for token in _NUMBER.findall(str(cell)):
                k = len(token.split(".")[1]) if "." in token else 0
                if k not in cache:
                    cache[k] = {fmt_number(v, k) for v in values} | {
                        fmt_number(100 * v, k) for v in values
                    }
                assert token in cache[k], f"{tlf.label}: {token!r} in {cell!r} is not in the ARD"


def check_km(ad) -> None:
    for paramcd, records in ad.adtte.groupby("PARAMCD"):
        if records.empty:
            continue
        km = kaplan_meier(records["AVAL"].to_numpy(float), (records["CNSR"] == 0).to_numpy(int))
        surv = km.surv
        assert ((surv >= 0) & (surv <= 1)).all(), paramcd
        assert (surv[1:] <= surv[:-1] + 1e-12).all(), f"{paramcd}: KM increases"
        ok = ~(pd.isna(km.lower) | pd.isna(km.upper))
        assert (km.lower[ok] <= surv[ok] + 1e-12).all(), paramcd
        assert (surv[ok] <= km.upper[ok] + 1e-12).all(), paramcd
        assert ((km.lower[ok] >= 0) & (km.upper[ok] <= 1)).all(), paramcd


def check_ard_km(ard: pd.DataFrame) -> None:
    surv = ard[ard["statistic"].isin(["surv", "lcl", "ucl"]) & ard["group"].str.contains("ROW=")]
    for key, rows in surv.groupby(["analysis_id", "tlf", "parameter", "analysis_set"]):
        for _, one in rows.groupby("group"):
            v = dict(zip(one["statistic"], one["value"], strict=False))
            s = v.get("surv", math.nan)
            if math.isnan(s):
                continue
            assert 0 <= s <= 1, key
            lo, hi = v.get("lcl", math.nan), v.get("ucl", math.nan)
            if not math.isnan(lo):
                assert lo <= s + 1e-12, key
            if not math.isnan(hi):
                assert s <= hi + 1e-12, key


def check_primary_status(ad) -> None:
    fas = ad.population("FAS")
    efs = ad.adtte[ad.adtte["PARAMCD"] == "EFS"].set_index("USUBJID")
    for _, p in fas.iterrows():
        rule = p["PRIMRULE"]
        assert rule in RULES, f"{p['USUBJID']}: primary rule {rule!r} is not a SAP 3.1 rule"
        event(f"primary {rule} ({ad.analysis_type})")
        if rule == "F3":
            assert ad.analysis_type == "final", p["USUBJID"]
        if ad.analysis_type == "final":
            assert rule != "N2", f"{p['USUBJID']}: N2 at the final analysis (F3 applies)"
        record = efs.loc[p["USUBJID"]]
        if record["CNSR"] == 0:
            # AVAL in days = ADT - ENRLDT + 1; 24 months = 730.5 days (SAP 3.1, 6.1).
            assert rule == ("F1" if record["AVAL"] <= 730 else "S1"), (p["USUBJID"], rule)
        else:
            assert rule not in ("F1", "S1"), (p["USUBJID"], rule)


def check_all(ad, outputs) -> None:
    ard = combined_ard(outputs).frame
    assert not ard.empty
    check_ard_counts(ard)
    check_ard_km(ard)
    check_km(ad)
    check_set_sizes(outputs, ad)
    check_primary_status(ad)
    for output in outputs:
        if output.tlf.kind != "Table" or output.tlf.body is None:
            continue
        check_table_counts(output)
        check_grade_columns(output)
        check_numbers_in_ard(output)


# --- the tests ------------------------------------------------------------------------------


@examples(ci=5, thorough=600)
@given(data=st.data(), trial=trials())
def test_every_valid_trial_analyses_with_the_invariants(tmp_path_factory, data, trial):
    directory = write_datasets(trial.datasets(SAP_), tmp_path_factory.mktemp("trial"))
    cutoff = data.draw(analysis_cutoffs(trial), label="analysis cut-off")
    analysis_type = data.draw(st.sampled_from(["interim", "final"]), label="analysis")
    # A cut-off before the first enrollment gives empty analyses (no patient), not an error.
    event("no patient at the cut-off" if cutoff and cutoff < trial.first_enrollment else "patients")
    event(f"{len(trial.histories)} patients" if len(trial.histories) < 3 else "3-60 patients")
    ad, outputs = run_pipeline(directory, cutoff, analysis_type)
    for path in {h.surgout for h in trial.histories}:
        event(f"history surgery outcome {path}")
    check_all(ad, outputs)


@examples(ci=1, thorough=40)
@given(trial=trials(max_patients=15))
def test_cli_analyze_and_report_dmc_run_on_valid_trials(tmp_path_factory, trial):
    root = tmp_path_factory.mktemp("cli")
    directory = write_datasets(trial.datasets(SAP_), root / "data")
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "--data", str(directory), "--out", str(root / "a")])
    assert result.exit_code == 0, result.output
    # The CLI's ARD is the Python pipeline's, at the analysis type the CLI chose.
    text = (root / "a" / "ard.json").read_text(encoding="utf-8")
    analysis_type = json.loads(text)[0]["analysis_type"]
    _, outputs = run_pipeline(directory, None, analysis_type)
    pd.testing.assert_frame_equal(
        ARD.from_json_text(text).frame, combined_ard(outputs).frame, check_dtype=False
    )
    result = runner.invoke(
        app, ["report", "dmc", "--data", str(directory), "--out", str(root / "r")]
    )
    assert result.exit_code == 0, result.output
    assert list((root / "r" / "dmc").glob("*/PROMIS_dmc_*.pdf"))
