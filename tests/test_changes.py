"""What changed since the previous DMC report (SAP 10.4), on a hand-made six-patient trial.

The previous cut-off is p = 2024-12-31 and the analysis cut-off c = 2025-06-30. Events sit
before p, on p, between p and c, on c and after c. The expected flags below were written from
the SAP 10.4 text before the code ran: new = known at c and not at p under the SAP 6.2 cut,
so an event dated p is not new and an event dated c is.

Patients (all dosed; the toxicity looks come every 5 evaluable patients, SAP 9.4):

====  ==========  ==========================================  ===========================
pt    enrolled    end of study / death                        evaluable (EVALDT)
====  ==========  ==========================================  ===========================
001   2024-06-05  ongoing                                     surgery 2024-08-05
002   2024-07-01  died and discontinued on c, 2025-06-30      surgery 2024-09-10
003   2024-08-01  died (treatment-related) and discontinued   no surgery, last dose 09-16
                  on p, 2024-12-31
004   2025-02-01  withdrew 2025-05-15 (enrolled after p)      no surgery, last dose 04-01
005   2024-09-01  died and discontinued 2025-03-01            surgery 2024-11-05
006   2024-10-01  died and discontinued after c, 2025-07-01   surgery 2025-01-10
====  ==========  ==========================================  ===========================

AEs (TEAE window open at both cut-offs):

- 001-1 2024-10-01 grade 3 serious (before p); 001-2 2024-12-31 grade 3 serious (on p);
  001-3 2025-01-01 grade 1 (day after p); 001-4 2025-03-15 grade 3 serious immune-related;
  001-5 2025-06-30 grade 2 serious (on c); 001-6 2025-07-01 grade 4 serious (after c: not in
  the analysis); 001-7 onset missing, grade 3 (kept by every cut, SAP 6.2: never new).
- 002-1 2024-12-15 grade 4 immune-related (before p); 003-1 2024-09-01 grade 2 (before p);
  004-1 2025-02-20 grade 4 gemcitabine-related, non-haematological (new patient); 006-1
  2025-01-11 grade 2 surgical complication.

Expected at c with p:

- new TEAEs: 001-3, 001-4, 001-5, 004-1, 006-1 (5); serious: 001-4, 001-5 (2);
  grade >= 3: 001-4, 004-1 (2); immune-related: 001-4 (1); surgical complication: 006-1 (1).
- new AEs at any time (SAP 9.7): the same five, none outside the TEAE window (AE 5, AE OUTSIDE
  TEAE WINDOW 0, AE GRADE >= 3 2, SERIOUS AE 2, SERIOUS AE OUTSIDE TEAE WINDOW 0; all on
  Listing 16.2.7.9 but the serious ones, on Listing 16.2.7.7); of special interest (sap.yaml:
  AEIRFL = Y, a neoplasm SOC, pneumonitis terms, Clavien-Dindo >= IIIa): 001-4 only (AESI 1;
  002-1 is immune-related but before p; 006-1 is Clavien-Dindo II).
- new deaths: 002 (on c), 005 (2); not 003 (on p) nor 006 (after c, alive at c).
- new discontinuations: 002, 004, 005 (3); not 003 (on p) nor 006 (ongoing at c).
- looks: at p 4 patients are evaluable (001, 002, 003, 005), at c 6: look 1 (5 patients) is
  reached since p, look 2 (10) is not. New looks: (1,). Table 14.3.5 has a "New" column after
  "Look": Y on look 1, N on looks 2-9, blank on the operating-characteristics rows.
- unacceptable toxicities (SAP 9.4): new when UTOXFL = Y at c and not on the snapshot at p.
  002 (irAE grade 4 on 2024-12-15, criterion 1) and 003 (treatment-related death on p,
  criterion 3) had one at p: listed, not new. 001 (irAE grade 3 on 2025-03-15; its grade-3
  AEs up to p are neither immune- nor treatment-related) and 004 (treatment-related
  non-haematological grade 4, enrolled after p, criterion 2) are new: Listing 16.2.7.6 lists
  001-004 with New = Y for 001 and 004; DMC-NEW-01 "UNACCEPTABLE TOXICITY" = 2 patients.
  The added causes change none of the expectations above (002, 003 and 004 stay evaluable
  from the same dates, and the AE records and their new flags are the same).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import ADSL_ROWS, _ae, _ex, minimal_trial, write_trial
from pypdf import PdfReader
from test_report_cli import fixture_catalogue  # noqa: F401  (a fixture)
from typer.testing import CliRunner

from osteo_stats.cli import app
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.errors import OsteoStatsError
from osteo_stats.load import load_trial
from osteo_stats.outputs import MANIFEST_NAME
from osteo_stats.render.previous import find_previous_dmc
from osteo_stats.render.summary import committee_summary
from osteo_stats.sap import load_sap
from osteo_stats.tlf.build import build_tlfs, combined_ard

SAP = load_sap()
PREVIOUS, CUTOFF = date(2024, 12, 31), date(2025, 6, 30)
SOC = "General disorders and administration site conditions"

_ALIVE = dict(DTHDT="", DTHCAUS="", EOSSTT="ONGOING", DCSREAS="", EOSDT="")


def _patient(n: int, enrolled: str, first: str, last: str, **kw: str) -> dict[str, str]:
    row = dict(ADSL_ROWS[0])
    row.update(
        USUBJID=f"PROMIS-00{n}", RFICDT=enrolled, ENRLDT=enrolled, TRTSDT=first, TRTEDT=last,
        NACTDT="", SMDT="", LSTALVDT="2025-09-30", DCUTDT="2025-09-30", PPROTFL="N", **_ALIVE,
    )  # fmt: skip
    row.update(kw)
    return row


def _operated(planned: str, done: str) -> dict[str, str]:
    return dict(SURGPLDT=planned, SURGDT=done, SURGOUT="R0", SURGNDRS="", NECRPCT="95")


def _not_operated(planned: str, reason: str) -> dict[str, str]:
    return dict(SURGPLDT=planned, SURGDT="", SURGOUT="NOT DONE", SURGNDRS=reason, NECRPCT="")


def _died(day: str, cause: str = "DISEASE PROGRESSION") -> dict[str, str]:
    return dict(DTHDT=day, DTHCAUS=cause, LSTALVDT=day,
                EOSSTT="DISCONTINUED", DCSREAS="DEATH", EOSDT=day)  # fmt: skip


PATIENTS = [
    _patient(1, "2024-06-05", "2024-06-10", "2025-09-01", **_operated("2024-08-02", "2024-08-05")),
    _patient(2, "2024-07-01", "2024-07-03", "2024-11-20", **_operated("2024-09-06", "2024-09-10"),
             **_died("2025-06-30")),
    _patient(3, "2024-08-01", "2024-08-05", "2024-09-16", **_not_operated("2024-09-27",
             "PROGRESSION"), **_died("2024-12-31", "TREATMENT-RELATED")),
    _patient(4, "2025-02-01", "2025-02-03", "2025-04-01", **_not_operated("2025-03-28",
             "WITHDRAWAL"), LSTALVDT="2025-05-15", EOSSTT="DISCONTINUED",
             DCSREAS="WITHDRAWAL BY SUBJECT", EOSDT="2025-05-15"),
    _patient(5, "2024-09-01", "2024-09-03", "2024-12-01", **_operated("2024-11-01", "2024-11-05"),
             **_died("2025-03-01")),
    _patient(6, "2024-10-01", "2024-10-03", "2025-03-01", **_operated("2025-01-07", "2025-01-10"),
             **_died("2025-07-01")),
]  # fmt: skip


def _event(n: int, seq: int, onset: str, grade: str, **kw: str) -> dict[str, str]:
    return _ae(f"PROMIS-00{n}", seq, f"event {n}-{seq}", "Fatigue", SOC, grade, onset, "", **kw)


EVENTS = [
    _event(1, 1, "2024-10-01", "3", AESER="Y"),
    _event(1, 2, "2024-12-31", "3", AESER="Y"),
    _event(1, 3, "2025-01-01", "1"),
    _event(1, 4, "2025-03-15", "3", AESER="Y", AEIRFL="Y", AERELPD="Y"),
    _event(1, 5, "2025-06-30", "2", AESER="Y"),
    _event(1, 6, "2025-07-01", "4", AESER="Y"),
    _event(1, 7, "", "3"),
    _event(2, 1, "2024-12-15", "4", AEIRFL="Y"),
    _event(3, 1, "2024-09-01", "2"),
    _event(4, 1, "2025-02-20", "4", AERELGM="Y"),
    _event(6, 1, "2025-01-11", "2", AECLAVDN="II"),
]

NEW_AES = {("PROMIS-001", 3), ("PROMIS-001", 4), ("PROMIS-001", 5), ("PROMIS-004", 1),
           ("PROMIS-006", 1)}  # fmt: skip
EXPECTED_COUNTS = {
    "AE": 5,
    "AE OUTSIDE TEAE WINDOW": 0,
    "AE GRADE >= 3": 2,
    "SERIOUS AE": 2,
    "SERIOUS AE OUTSIDE TEAE WINDOW": 0,
    "AESI": 1,
    "TEAE": 5,
    "SERIOUS TEAE": 2,
    "TEAE GRADE >= 3": 2,
    "IMMUNE-RELATED TEAE": 1,
    "SURGICAL COMPLICATION": 1,
    "DEATH": 2,
    "DISCONTINUED": 3,
    "UNACCEPTABLE TOXICITY": 2,
    "TOXICITY LOOK REACHED": 1,
}


def _tables() -> dict[str, pd.DataFrame]:
    tables = minimal_trial()
    tables["ADSL"] = pd.DataFrame(PATIENTS).astype(str)
    tables["ADAE"] = pd.DataFrame(EVENTS).astype(str)
    tables["ADEX"] = pd.DataFrame(
        [_ex(p["USUBJID"], "SBRT", "PRE-OPERATIVE", "", "1", p["TRTSDT"], "8", "8")
         for p in PATIENTS]
    ).astype(str)  # fmt: skip
    for name in ("ADRS", "ADTR", "ADBM"):
        tables[name] = tables[name].iloc[0:0]
    return tables


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    return load_trial(write_trial(_tables(), tmp_path_factory.mktemp("changes")), SAP)


@pytest.fixture(scope="module")
def ad(trial):
    return derive_analysis_data(trial, SAP, CUTOFF, previous_cutoff=PREVIOUS)


@pytest.fixture(scope="module")
def outputs(ad):
    return {o.tlf.label: o for o in build_tlfs(ad, ("disposition", "monitoring", "safety"))}


def test_flags_exactly_the_events_after_the_previous_cutoff(ad):
    te = ad.adae.loc[ad.adae["TRTEMFL"].eq("Y")]
    new = te.loc[te["NEWFL"].eq("Y")]
    assert set(zip(new["USUBJID"], new["AESEQ"], strict=True)) == NEW_AES
    assert ("PROMIS-001", 6) not in set(zip(ad.adae["USUBJID"], ad.adae["AESEQ"], strict=True))
    flagged = ad.adsl.set_index("USUBJID")
    assert set(flagged.index[flagged["DTHNEWFL"].eq("Y")]) == {"PROMIS-002", "PROMIS-005"}
    assert set(flagged.index[flagged["DSNEWFL"].eq("Y")]) == {
        "PROMIS-002",
        "PROMIS-004",
        "PROMIS-005",
    }
    assert set(flagged.index[flagged["UTOXFL"].eq("Y")]) == {
        "PROMIS-001",
        "PROMIS-002",
        "PROMIS-003",
        "PROMIS-004",
    }
    assert set(flagged.index[flagged["UTXNEWFL"].eq("Y")]) == {"PROMIS-001", "PROMIS-004"}
    assert ad.new_looks == (1,)
    assert ad.previous_cutoff == PREVIOUS


def test_ard_counts_the_new_events_with_the_previous_cutoff(outputs):
    ard = combined_ard(list(outputs.values())).frame
    rows = ard.loc[ard["analysis_id"].eq("DMC-NEW-01")]
    assert set(rows["statistic"]) == {"n"}
    assert set(rows["group"]) == {"PREVIOUS CUTOFF=2024-12-31"}
    assert dict(zip(rows["parameter"], rows["value"], strict=True)) == EXPECTED_COUNTS
    where = dict(zip(rows["parameter"], rows["tlf"], strict=True))
    assert where["SERIOUS TEAE"] == "Listing 16.2.7.1"
    assert where["TEAE"] == where["AE"] == where["AE OUTSIDE TEAE WINDOW"] == "Listing 16.2.7.9"
    assert where["SERIOUS AE"] == "Listing 16.2.7.7"
    assert where["AESI"] == "Listing 16.2.7.8"
    assert where["DISCONTINUED"] == "Listing 16.2.1"
    assert where["UNACCEPTABLE TOXICITY"] == "Listing 16.2.7.6"
    assert where["TOXICITY LOOK REACHED"] == "Table 14.3.5"
    for label in set(rows["tlf"]):
        assert "DMC-NEW-01" in outputs[label].tlf.analysis_ids


def _new_rows(output, key=("Patient",)):
    body = output.tlf.body
    return {tuple(r) for r in body.loc[body["New"].eq("Y"), list(key)].itertuples(index=False)}


def test_listings_mark_the_new_rows(outputs):
    ae_key = ("Patient", "AE no.")
    assert _new_rows(outputs["Listing 16.2.7.1"], ae_key) == {("PROMIS-001", "4"),
                                                               ("PROMIS-001", "5")}  # fmt: skip
    assert _new_rows(outputs["Listing 16.2.7.2"], ae_key) == {("PROMIS-001", "4"),
                                                               ("PROMIS-004", "1")}  # fmt: skip
    # Listed but not new: 001-1 (before p), 001-2 (on p), 001-7 (onset missing), 002-1.
    listed = set(map(tuple, outputs["Listing 16.2.7.2"].tlf.body[list(ae_key)].to_numpy()))
    assert {("PROMIS-001", "1"), ("PROMIS-001", "2"), ("PROMIS-001", "7")} <= listed
    assert _new_rows(outputs["Listing 16.2.7.3"], ae_key) == {("PROMIS-001", "4")}
    assert _new_rows(outputs["Listing 16.2.7.7"], ae_key) == {("PROMIS-001", "4"),
                                                               ("PROMIS-001", "5")}  # fmt: skip
    assert _new_rows(outputs["Listing 16.2.7.8"], ae_key) == {("PROMIS-001", "4")}
    new_aes = outputs["Listing 16.2.7.9"].tlf.body
    assert "New" not in new_aes  # every row is new
    notes = outputs["Listing 16.2.7.9"].tlf.footnotes
    assert any("after its cut-off 2024-12-31" in note for note in notes)
    assert {
        (p, int(n)) for p, n in zip(new_aes["Patient"], new_aes["AE no."], strict=True)
    } == NEW_AES
    assert _new_rows(outputs["Listing 16.2.7.5"], ae_key) == {("PROMIS-006", "1")}
    assert _new_rows(outputs["Listing 16.2.7.4"]) == {("PROMIS-002",), ("PROMIS-005",)}
    assert _new_rows(outputs["Listing 16.2.1"]) == {("PROMIS-002",), ("PROMIS-004",),
                                                    ("PROMIS-005",)}  # fmt: skip
    body = outputs["Listing 16.2.1"].tlf.body
    assert list(body.columns[:2]) == ["Patient", "New"]
    assert any("2024-12-31" in note for note in outputs["Listing 16.2.1"].tlf.footnotes)
    utox = outputs["Listing 16.2.7.6"].tlf
    assert list(utox.body.columns[:2]) == ["Patient", "New"]
    assert dict(zip(utox.body["Patient"], utox.body["New"], strict=True)) == {
        "PROMIS-001": "Y",
        "PROMIS-002": "N",
        "PROMIS-003": "N",
        "PROMIS-004": "Y",
    }
    assert any("New = Y" in n and "2024-12-31" in n for n in utox.footnotes)


def test_boundary_table_marks_the_looks_reached_since_the_previous_cutoff(outputs):
    table = outputs["Table 14.3.5"].tlf
    assert list(table.body.columns[:2]) == ["Look", "New"]
    looks = table.body.iloc[:9]
    assert list(looks["Look"]) == [str(k) for k in range(1, 10)]
    assert list(looks["New"]) == ["Y"] + ["N"] * 8
    assert set(table.body["New"].iloc[9:]) == {""}  # the operating characteristics
    assert any("New = Y" in n and "2024-12-31" in n for n in table.footnotes)


def test_summary_block_shows_the_new_counts(outputs):
    ard = combined_ard(list(outputs.values()))
    summary = committee_summary(
        ard,
        {label: o.tlf for label, o in outputs.items()},
        planned_enrollment=43,
        n_data_warnings=0,
        n_missing_outputs=0,
        n_outputs=len(outputs),
        accrual_shortfall=0.5,
    )
    block = next(b for b in summary.blocks if b.key == "changes")
    assert "2024-12-31" in block.title
    shown = {line.label: line.value for line in block.lines}
    assert shown == {
        "New AEs (any time, incl. 0 outside the TEAE window)": "5",
        "... serious (incl. 0 outside the TEAE window)": "2",
        "... CTCAE grade >= 3": "2",
        "... of special interest (SAP 9.7)": "1",
        "Deaths": "2",
        "Discontinuations (end of study)": "3",
        "Unacceptable toxicities (SAP 9.4)": "2",
        "Toxicity looks reached": "1",
    }
    sources = [line.source for line in block.lines]
    assert sources == ["Listing 16.2.7.9", "Listing 16.2.7.7", "Listing 16.2.7.9",
                       "Listing 16.2.7.8", "Listing 16.2.7.4", "Listing 16.2.1", "Listing 16.2.7.6",
                       "Table 14.3.5"]  # fmt: skip


def test_without_a_previous_cutoff_nothing_is_flagged(trial):
    ad = derive_analysis_data(trial, SAP, CUTOFF)
    assert ad.previous_cutoff is None and "NEWFL" not in ad.adae
    outputs = build_tlfs(ad, ("disposition", "monitoring", "safety"))
    assert "DMC-NEW-01" not in set(combined_ard(outputs).frame["analysis_id"])
    assert "UTXNEWFL" not in ad.adsl
    for label in ("Listing 16.2.7.1", "Listing 16.2.7.6", "Table 14.3.5"):
        tlf = next(o.tlf for o in outputs if o.tlf.label == label)
        assert "New" not in tlf.body.columns
        assert not any("New = Y" in note for note in tlf.footnotes)
    summary = committee_summary(combined_ard(outputs), {}, 43, 0, 0, 0, accrual_shortfall=0.5)
    block = next(b for b in summary.blocks if b.key == "changes")
    assert block.missing == "No previous DMC report found: nothing is flagged as new"


def test_previous_cutoff_before_the_first_enrollment_makes_everything_new(trial):
    ad = derive_analysis_data(trial, SAP, CUTOFF, previous_cutoff=date(2024, 1, 1))
    assert ad.adae["NEWFL"].eq("Y").all()
    assert ad.adsl.loc[ad.adsl["DTHDT"].notna(), "DTHNEWFL"].eq("Y").all()
    assert ad.adsl.loc[ad.adsl["UTOXFL"].eq("Y"), "UTXNEWFL"].eq("Y").sum() == 4
    assert ad.new_looks == (1,)


@pytest.mark.parametrize("previous", [CUTOFF, date(2025, 7, 1)])
def test_previous_cutoff_not_before_the_cutoff_is_refused(trial, previous):
    with pytest.raises(OsteoStatsError) as err:
        derive_analysis_data(trial, SAP, CUTOFF, previous_cutoff=previous)
    message = str(err.value)
    assert f"{previous:%Y-%m-%d}" in message and "2025-06-30" in message
    assert "Hint:" in message and "SAP 10.4" in message


# --- Finding the previous report, and the command line ----------------------------------------

_runner = CliRunner()


def _invoke(*args: object):
    return _runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _archive(dmc: Path, name: str, command: list[str]) -> None:
    folder = dmc / name
    folder.mkdir(parents=True)
    manifest = {"written_by": "osteo-stats", "command": command, "files": {}}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")


def test_the_latest_archived_dmc_report_before_the_cutoff_is_found(tmp_path):
    dmc = tmp_path / "dmc"
    for name in ("2024-06-30", "2024-12-31", "2025-06-30", "2025-12-31"):
        _archive(dmc, name, ["osteo-stats", "report", "dmc", "--cutoff", name])
    _archive(dmc, "2025-03-31", ["osteo-stats", "analyze"])  # not a DMC report
    (dmc / "2025-04-30").mkdir()  # no manifest: not written by osteo-stats
    _archive(dmc, "latest", ["osteo-stats", "report", "dmc"])  # not named by a cut-off
    found = find_previous_dmc(dmc, date(2025, 6, 30))
    assert found.cutoff == date(2024, 12, 31)  # strictly before c: not the report at c itself
    assert str(dmc / "2024-12-31") in found.statement
    nothing = find_previous_dmc(dmc, date(2024, 6, 30))
    assert nothing.cutoff is None and "no previous DMC report found" in nothing.statement
    assert find_previous_dmc(tmp_path / "absent", date(2025, 6, 30)).cutoff is None


@pytest.mark.usefixtures("fixture_catalogue")
def test_report_dmc_finds_the_previous_report_in_the_output_folder(tmp_path):
    """Fast reports (the fixture TLFs of test_report_cli): the previous report is found and
    recorded whatever the TLFs are."""
    out = tmp_path / "reports"
    first = _invoke("report", "dmc", "--cutoff", "2024-12-31", "--out", out)
    assert first.exit_code == 0, first.output
    assert "Previous DMC cut-off: no previous DMC report found" in first.stdout
    second = _invoke("report", "dmc", "--cutoff", "2025-06-30", "--out", out)
    assert second.exit_code == 0, second.output
    folder = out / "dmc" / "2025-06-30"
    said = f"Previous DMC cut-off: 2024-12-31 (the DMC report in {out / 'dmc' / '2024-12-31'})"
    assert said in " ".join(second.stdout.split())
    html = (folder / "PROMIS_dmc_2025-06-30.html").read_text(encoding="utf-8")
    assert '<dd class="previous-dmc">2024-12-31 (the DMC report in' in html
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    command = manifest["command"]
    assert command[command.index("--previous-cutoff") + 1] == "2024-12-31"


def test_report_dmc_with_previous_cutoff_flags_the_shipped_events(tmp_path):
    """The shipped trial at c = 2025-06-30 with p = 2024-12-31, counted independently from the
    CSV files (data/synthetic): deaths with DTHDT in (p, c]: 6; EOSSTT DISCONTINUED with EOSDT
    in (p, c]: 7. Two AEs start in (p, c]: PROMIS-01-022 #15 (2025-02-09, grade 1, not serious;
    last dose 2025-01-20, inside the 30-day TEAE window) and PROMIS-01-013 #10 (2025-01-08,
    grade 3 serious, last dose 2024-03-11: outside the TEAE window), so 1 new TEAE, 0 serious,
    0 of grade >= 3. All 8 looks (5 ... 40 evaluable patients) were reached by p (the last of
    the 42 SAF patients, enrolled 2024-02-19, evaluable from 2024-03-25): 0 new looks. No
    SAP 9.4 qualifying event is dated in (p, c]: the latest AE with AEIRFL = Y and grade >= 3,
    of grade >= 4 and treatment-related, or with AESDLYFL = Y starts 2024-09-10, the one
    treatment-related death is on 2024-09-25, and no surgery is NOT DONE for TOXICITY: 0 new
    unacceptable toxicities. At any time (SAP 9.7): 2 new AEs, 1 of them (013 #10) outside the
    TEAE window, 1 of grade >= 3, 1 serious (outside the window), 1 of special interest (MDS:
    SOC Neoplasms, sap.yaml second_malignancy)."""
    out = tmp_path / "reports"
    result = _invoke(
        "report", "dmc", "--cutoff", "2025-06-30", "--previous-cutoff", "2024-12-31", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert "Previous DMC cut-off: 2024-12-31 (given with --previous-cutoff)" in result.stdout
    folder = out / "dmc" / "2025-06-30"
    ard = pd.read_csv(folder / "ard.csv", dtype=str, keep_default_na=False)
    new = ard.loc[ard["analysis_id"].eq("DMC-NEW-01")]
    assert set(new["group"]) == {"PREVIOUS CUTOFF=2024-12-31"}
    counts = {p: float(v) for p, v in zip(new["parameter"], new["value"], strict=True)}
    assert counts == {
        "AE": 2,
        "AE OUTSIDE TEAE WINDOW": 1,
        "AE GRADE >= 3": 1,
        "SERIOUS AE": 1,
        "SERIOUS AE OUTSIDE TEAE WINDOW": 1,
        "AESI": 1,
        "TEAE": 1,
        "SERIOUS TEAE": 0,
        "TEAE GRADE >= 3": 0,
        "IMMUNE-RELATED TEAE": 0,
        "SURGICAL COMPLICATION": 0,
        "DEATH": 6,
        "DISCONTINUED": 7,
        "UNACCEPTABLE TOXICITY": 0,
        "TOXICITY LOOK REACHED": 0,
    }
    listing = pd.read_csv(folder / "tlfs" / "listing_16_2_7_4.csv", dtype=str)
    assert (listing["New"] == "Y").sum() == 6
    pdf = PdfReader(folder / "PROMIS_dmc_2025-06-30.pdf")
    # The summary follows the cover and the contents (two pages with the laboratory and data-
    # currency sections); its last block may run onto the next page.
    summary = " ".join(" ".join(page.extract_text() for page in pdf.pages[:6]).split())
    assert "New since the previous DMC (cut-off 2024-12-31)" in summary
    assert "Deaths 6 Listing 16.2.7.4" in summary
    assert "New AEs (any time, incl. 1 outside the TEAE window) 2 Listing 16.2.7.9" in summary
    assert "... serious (incl. 1 outside the TEAE window) 1 Listing 16.2.7.7" in summary
    assert "1 serious AE outside the TEAE window, in 1 patient (1 after the window)" in summary
    new_aes = pd.read_csv(folder / "tlfs" / "listing_16_2_7_9.csv", dtype=str)
    rows = zip(new_aes["Patient"], new_aes["AE no."], new_aes["TEAE window"], strict=True)
    assert set(rows) == {
        ("PROMIS-01-013", "10", "After the TEAE window"),
        ("PROMIS-01-022", "15", "Treatment-emergent"),
    }


@pytest.mark.parametrize("previous", ["2025-06-30", "2025-09-01"])
def test_previous_cutoff_on_or_after_the_cutoff_exits_1_and_writes_nothing(tmp_path, previous):
    out = tmp_path / "reports"
    result = _invoke(
        "report", "dmc", "--cutoff", "2025-06-30", "--previous-cutoff", previous, "--out", out
    )
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert f"--previous-cutoff {previous} is not before the analysis cut-off 2025-06-30" in message
    assert "Hint:" in message
    assert not out.exists()
