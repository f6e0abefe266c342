"""No safety event is invisible (SAP 9.7, 10.2, 10.4): serious AEs and AEs of special interest at
any time, on a hand-made five-patient trial, and every summary count traced to its rows.

Analysis cut-off c = 2025-06-30, previous DMC cut-off p = 2024-12-31. The expected values below
were written from the SAP text before the code ran.

Patients (all operated in 2024 but 005, so four are evaluable for toxicity at p and c: no look,
which needs five, is reached):

====  ==========  ==========  ==========  ================================================
pt    enrolled    first dose  last dose   events
====  ==========  ==========  ==========  ================================================
001   2024-01-08  2024-01-10  2024-03-01  001-1 Myelodysplastic syndrome (SOC Neoplasms ...),
                                          grade 3, serious, 2025-02-01: a late SAE outside
                                          the 30-day window, new since p, AESI (second
                                          malignancy). 001-2 serious grade 2 on 2024-03-31 =
                                          last dose + 30 (inside the window, a TEAE); 001-3
                                          serious grade 2 on 2024-04-01 = last dose + 31
                                          (after the window).
002   2024-02-01  2024-02-10  2024-06-01  002-1 serious grade 3 on 2024-02-09, the day before
                                          the first dose (before first dose, phase
                                          pre-treatment); 002-2 serious grade 3 on 2024-02-10,
                                          the first dose day (a TEAE).
003   2024-01-12  2024-01-15  2024-06-15  immune-related (AEIRFL = Y), grade 1-2, not
                                          serious: 003-1 on study day 400 (2025-02-17, new,
                                          an AESI after the 90-day window); 003-2 on
                                          2024-09-13 = last dose + 90 (a TEAE); 003-3 on
                                          2024-09-14 = last dose + 91 (after the window).
004   2024-02-20  2024-03-01  2024-05-01  died 2025-03-10 of disease progression, no AE
                                          record at all; discontinued (death) that day.
005   2025-05-01  not dosed   --          005-1 serious grade 2 on 2025-05-10 (not dosed:
                                          not in the SAF, no TEAE; in the FAS).
====  ==========  ==========  ==========  ================================================

Expected:

- Listing 16.2.7.7 (every SAE of the FAS): 001-1 after, 001-2 treatment-emergent, 001-3 after,
  002-1 before first dose, 002-2 treatment-emergent, 005-1 not dosed. SAF-SAE-01 AE records:
  before 1, treatment-emergent 2, after 2, not dosed 1, outside 4, any 6; patients: before 1,
  treatment-emergent 2 (001, 002), after 1, not dosed 1, outside 3 (001, 002, 005), any 3.
  Listing 16.2.7.1 (serious TEAEs) holds only 001-2 and 002-2.
- Listing 16.2.7.8 (AESI): 001-1 (second malignancy), 003-1, 003-2, 003-3 (immune-related);
  4 records, 2 patients, 3 outside the window.
- Listing 16.2.7.4: 004, New = Y; no AE listing names 004.
- New since p (records with onset after p): 001-1, 003-1, 005-1: AE 3, of them outside the
  window 3, grade >= 3 1 (001-1), serious 2 (001-1, 005-1, both outside), AESI 2 (001-1,
  003-1), TEAE 0; deaths 1 (004), discontinuations 1 (004), unacceptable toxicities 0,
  looks 0.
- Summary attention: "4 serious AEs outside the TEAE window, in 3 patients (1 before the first
  dose, 2 after the window, 1 in a patient not dosed) ...", "4 AEs of
  special interest in 2 patients, 3 of them outside the TEAE window ...", "1 death of any
  cause in the safety analysis set (Table 14.3.4.5; Listing 16.2.7.4)".
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
import shipped
from minimal_trial import ADSL_ROWS, _ae, _ex, minimal_trial, write_trial

from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.render.report import report_outputs
from osteo_stats.render.spec import DMC_OPEN_REPORT, DMC_REPORT, FINAL_REPORT
from osteo_stats.render.summary import committee_summary
from osteo_stats.sap import load_sap
from osteo_stats.tlf.build import build_tlfs, combined_ard

SAP = load_sap()
CUTOFF = date(2025, 6, 30)
PREVIOUS = date(2024, 12, 31)
NEOPLASMS = "Neoplasms benign, malignant and unspecified (incl cysts and polyps)"
RESP = "Respiratory, thoracic and mediastinal disorders"


def _patient(n: int, enrolled: str, first: str, last: str, **kw: str) -> dict[str, str]:
    row = dict(ADSL_ROWS[0])
    row.update(
        USUBJID=f"PROMIS-00{n}", RFICDT=enrolled, ENRLDT=enrolled, TRTSDT=first, TRTEDT=last,
        NACTDT="", SMDT="", LSTALVDT="2025-09-30", DCUTDT="2025-09-30", PPROTFL="N",
        DTHDT="", DTHCAUS="", EOSSTT="ONGOING", DCSREAS="", EOSDT="",
    )  # fmt: skip
    row.update(kw)
    return row


def _operated(planned: str, done: str) -> dict[str, str]:
    return dict(SURGPLDT=planned, SURGDT=done, SURGOUT="R0", SURGNDRS="", NECRPCT="95")


PATIENTS = [
    _patient(1, "2024-01-08", "2024-01-10", "2024-03-01", **_operated("2024-03-05", "2024-03-07")),
    _patient(2, "2024-02-01", "2024-02-10", "2024-06-01", **_operated("2024-04-05", "2024-04-08")),
    _patient(3, "2024-01-12", "2024-01-15", "2024-06-15", **_operated("2024-03-08", "2024-03-11")),
    _patient(4, "2024-02-20", "2024-03-01", "2024-05-01", **_operated("2024-04-26", "2024-04-29"),
             DTHDT="2025-03-10", DTHCAUS="DISEASE PROGRESSION", LSTALVDT="2025-03-10",
             EOSSTT="DISCONTINUED", DCSREAS="DEATH", EOSDT="2025-03-10"),
    _patient(5, "2025-05-01", "", "", SURGPLDT="2025-07-01", SURGDT="", SURGOUT="PENDING",
             SURGNDRS="", NECRPCT="", SAFFL="N"),
]  # fmt: skip


def _event(n, seq, onset, grade, decod="Pleural effusion", soc=RESP, **kw):
    return _ae(f"PROMIS-00{n}", seq, f"event {n}-{seq}", decod, soc, grade, onset, "", **kw)


EVENTS = [
    _event(1, 1, "2025-02-01", "3", "Myelodysplastic syndrome", NEOPLASMS, AESER="Y"),
    _event(1, 2, "2024-03-31", "2", AESER="Y"),
    _event(1, 3, "2024-04-01", "2", AESER="Y"),
    _event(2, 1, "2024-02-09", "3", AESER="Y"),
    _event(2, 2, "2024-02-10", "3", AESER="Y"),
    _event(3, 1, "2025-02-17", "2", "Hypothyroidism", "Endocrine disorders", AEIRFL="Y"),
    _event(3, 2, "2024-09-13", "1", "Pruritus", "Skin and subcutaneous tissue disorders",
           AEIRFL="Y"),
    _event(3, 3, "2024-09-14", "1", "Pruritus", "Skin and subcutaneous tissue disorders",
           AEIRFL="Y"),
    _event(5, 1, "2025-05-10", "2", AESER="Y"),
]  # fmt: skip


def _tables() -> dict[str, pd.DataFrame]:
    tables = minimal_trial()
    tables["ADSL"] = pd.DataFrame(PATIENTS).astype(str)
    tables["ADAE"] = pd.DataFrame(EVENTS).astype(str)
    tables["ADEX"] = pd.DataFrame(
        [_ex(p["USUBJID"], "SBRT", "PRE-OPERATIVE", "", "1", p["TRTSDT"], "8", "8")
         for p in PATIENTS if p["TRTSDT"]]
    ).astype(str)  # fmt: skip
    for name in ("ADRS", "ADTR", "ADBM"):
        tables[name] = tables[name].iloc[0:0]
    return tables


@pytest.fixture(scope="module")
def ad(tmp_path_factory):
    trial = load_trial(write_trial(_tables(), tmp_path_factory.mktemp("any_time")), SAP)
    return derive_analysis_data(trial, SAP, CUTOFF, previous_cutoff=PREVIOUS)


@pytest.fixture(scope="module")
def outputs(ad):
    return {o.tlf.label: o for o in build_tlfs(ad, ("disposition", "monitoring", "safety"))}


def _rows(outputs, label, columns=("Patient", "AE no.")):
    body = outputs[label].tlf.body
    return {tuple(row) for row in body[list(columns)].itertuples(index=False)}


def _summary(outputs, spec=DMC_REPORT):
    shown = report_outputs(spec, list(outputs.values()))
    return committee_summary(
        combined_ard(shown),
        {o.tlf.label: o.tlf for o in shown},
        planned_enrollment=43,
        n_data_warnings=0,
        n_missing_outputs=0,
        n_outputs=len(shown),
        accrual_shortfall=0.0,
    )


def test_every_serious_ae_is_listed_with_its_place_against_the_window(outputs):
    assert "Serious" not in outputs["Listing 16.2.7.7"].tlf.body  # Y on every row
    key = ("Patient", "AE no.", "TEAE window", "New")
    assert _rows(outputs, "Listing 16.2.7.7", key) == {
        ("PROMIS-001", "1", "After the TEAE window", "Y"),
        ("PROMIS-001", "2", "Treatment-emergent", "N"),
        ("PROMIS-001", "3", "After the TEAE window", "N"),
        ("PROMIS-002", "1", "Before first dose", "N"),
        ("PROMIS-002", "2", "Treatment-emergent", "N"),
        ("PROMIS-005", "1", "Not dosed", "Y"),
    }
    body = outputs["Listing 16.2.7.7"].tlf.body.set_index(["Patient", "AE no."])
    assert body.loc[("PROMIS-002", "1"), "Phase"] == "Pre-treatment"
    assert body.loc[("PROMIS-002", "1"), "Study day"] == "-1"
    assert _rows(outputs, "Listing 16.2.7.1") == {("PROMIS-001", "2"), ("PROMIS-002", "2")}


def test_the_all_sae_counts_are_in_the_ard(outputs):
    ard = outputs["Listing 16.2.7.7"].ard
    events = {"BEFORE FIRST DOSE": 1, "TREATMENT-EMERGENT": 2, "AFTER THE TEAE WINDOW": 2,
              "NOT DOSED": 1, "OUTSIDE": 4, "ANY": 6}  # fmt: skip
    patients = {"BEFORE FIRST DOSE": 1, "TREATMENT-EMERGENT": 2, "AFTER THE TEAE WINDOW": 1,
                "NOT DOSED": 1, "OUTSIDE": 3, "ANY": 3}  # fmt: skip
    for status in events:
        group = {"TEAE WINDOW": status}
        assert ard.value("SAF-SAE-01", "events", group=group) == events[status], status
        assert ard.value("SAF-SAE-01", "n", group=group) == patients[status], status
    assert set(ard.frame["analysis_set"]) == {"FAS"}


def test_aesis_at_any_time_are_listed_by_category(outputs):
    key = ("Patient", "AE no.", "AESI category", "TEAE window", "New")
    assert _rows(outputs, "Listing 16.2.7.8", key) == {
        ("PROMIS-001", "1", "Second malignancy (incl. MDS, AML)", "After the TEAE window", "Y"),
        ("PROMIS-003", "1", "Immune-related AE", "After the TEAE window", "Y"),
        ("PROMIS-003", "2", "Immune-related AE", "Treatment-emergent", "N"),
        ("PROMIS-003", "3", "Immune-related AE", "After the TEAE window", "N"),
    }
    body = outputs["Listing 16.2.7.8"].tlf.body.set_index(["Patient", "AE no."])
    assert body.loc[("PROMIS-003", "1"), "Study day"] == "400"
    ard = outputs["Listing 16.2.7.8"].ard
    any_ = {"AESI": "ANY", "TEAE WINDOW": "ANY"}
    assert ard.value("SAF-AESI-01", "events", group=any_) == 4
    assert ard.value("SAF-AESI-01", "n", group=any_) == 2
    outside = {"AESI": "ANY", "TEAE WINDOW": "OUTSIDE"}
    assert ard.value("SAF-AESI-01", "events", group=outside) == 3
    immune = {"AESI": "IMMUNE_RELATED", "TEAE WINDOW": "ANY"}
    assert ard.value("SAF-AESI-01", "events", group=immune) == 3
    # The definition is in the footnote, read from sap.yaml.
    assert any("AEIRFL = Y" in note and NEOPLASMS in note for note in
               outputs["Listing 16.2.7.8"].tlf.footnotes)  # fmt: skip


def test_a_death_without_an_ae_record_is_listed_and_new(outputs):
    assert _rows(outputs, "Listing 16.2.7.4", ("Patient", "New", "Cause")) == {
        ("PROMIS-004", "Y", "DISEASE PROGRESSION")
    }
    for label in ("Listing 16.2.7.7", "Listing 16.2.7.8", "Listing 16.2.7.9"):
        assert "PROMIS-004" not in set(outputs[label].tlf.body["Patient"])


def test_the_summary_counts_them(outputs):
    summary = _summary(outputs)
    # (then the overdue tumour assessments of SAP 8.5: this trial has no ADRS)
    assert summary.attention[:3] == (
        "4 serious AEs outside the TEAE window, in 3 patients (1 before the first dose, 2 after "
        "the window, 1 in a patient not dosed): counted in no TEAE table (Listing 16.2.7.7; "
        "SAP 9.7).",
        "4 AEs of special interest in 2 patients, 3 of them outside the TEAE window "
        "(Listing 16.2.7.8; SAP 9.7).",
        "1 death of any cause in the safety analysis set (Table 14.3.4.5; Listing 16.2.7.4).",
    )
    block = next(b for b in summary.blocks if b.key == "changes")
    assert [(line.label, line.value, line.source) for line in block.lines] == [
        ("New AEs (any time, incl. 3 outside the TEAE window)", "3", "Listing 16.2.7.9"),
        ("... serious (incl. 2 outside the TEAE window)", "2", "Listing 16.2.7.7"),
        ("... CTCAE grade >= 3", "1", "Listing 16.2.7.9"),
        ("... of special interest (SAP 9.7)", "2", "Listing 16.2.7.8"),
        ("Deaths", "1", "Listing 16.2.7.4"),
        ("Discontinuations (end of study)", "1", "Listing 16.2.1"),
        ("Unacceptable toxicities (SAP 9.4)", "0", "Listing 16.2.7.6"),
        ("Toxicity looks reached", "0", "Table 14.3.5"),
    ]


def test_the_open_report_has_neither_the_listings_nor_their_items(outputs):
    """SAP 10.2: patient listings and what is read from them are closed-session material."""
    assert not {"Listing 16.2.7.7", "Listing 16.2.7.8", "Listing 16.2.7.9"} & set(
        DMC_OPEN_REPORT.labels
    )
    attention = _summary(outputs, DMC_OPEN_REPORT).attention
    assert "1 death of any cause in the safety analysis set (Table 14.3.4.5)." in attention
    assert not [item for item in attention if "Listing" in item or "special interest" in item]
    assert {"Listing 16.2.7.7", "Listing 16.2.7.8"} <= set(FINAL_REPORT.labels)
    assert "Listing 16.2.7.9" not in FINAL_REPORT.labels
    final = {o.tlf.label for o in report_outputs(FINAL_REPORT, list(outputs.values()))}
    assert {"Listing 16.2.7.7", "Listing 16.2.7.8"} <= final
    assert "Listing 16.2.7.9" not in final  # not even among "Other outputs"
    assert {"Listing 16.2.7.7", "Listing 16.2.7.8", "Listing 16.2.7.9"} <= set(DMC_REPORT.labels)


# --- Every summary count is found at the place it names ---------------------------------------


def _where(body: pd.DataFrame, label: str) -> tuple[pd.DataFrame, str]:
    """The rows of ``body`` a summary line counts, and whether it counts rows or patients: the
    New rows, by the line's label (SAP 10.4, 9.7; written from the SAP, not read from the
    code)."""
    new = body.loc[body["New"].eq("Y")] if "New" in body else body
    if label.startswith("New AEs"):
        return new, "rows"
    if label.startswith("... serious"):
        return new, "rows"
    if label == "... CTCAE grade >= 3":
        return new.loc[pd.to_numeric(new["Grade"], errors="coerce") >= 3], "rows"
    if label.startswith("... of special interest"):
        return new, "rows"
    if label in ("Deaths", "Discontinuations (end of study)", "Unacceptable toxicities (SAP 9.4)"):
        return new, "patients"
    if label == "Toxicity looks reached":
        return new, "rows"
    raise AssertionError(f"no rule to find the rows of summary line {label!r}")


def _outside(body: pd.DataFrame) -> int:
    new = body.loc[body["New"].eq("Y")] if "New" in body else body  # 16.2.7.9: all new
    return int(new["TEAE window"].ne("Treatment-emergent").sum())


def _walk(outputs) -> int:
    """Every line of the "New since" block names a TLF of the report, and that TLF holds exactly
    as many New rows (or patients) as the line says; "incl. N outside" is counted too. Every
    other line that names a table shows a number that table's body or footnotes hold. Every
    attention item that names a listing and counts AEs or deaths is found there as well.
    Returns the number of lines and items checked."""
    summary = _summary(outputs)
    tlfs = {o.tlf.label: o.tlf for o in report_outputs(DMC_REPORT, list(outputs.values()))}
    checked = 0
    block = next(b for b in summary.blocks if b.key == "changes")
    for line in block.lines:
        assert line.source in tlfs, line
        body = tlfs[line.source].body
        rows, unit = _where(body, line.label)
        found = len(rows) if unit == "rows" else rows["Patient"].nunique()
        assert str(found) == line.value, (line, found)
        if match := re.search(r"incl\. (\d+) outside", line.label):
            assert int(match.group(1)) == _outside(body), line
        checked += 1
    for block in summary.blocks:
        if block.key == "changes":
            continue
        for line in block.lines:
            if not line.source.startswith(("Table", "Listing")):
                continue  # e.g. "SAP 2.1": a plan, not a result
            assert line.source in tlfs, line
            number = re.match(r"\d+(?:\.\d+)?", line.value)
            assert number, line
            tlf = tlfs[line.source]  # its body, or its footnotes (the plan of Table 14.1.3)
            cells = [*tlf.body.astype(str).to_numpy().ravel(), *tlf.footnotes]
            tokens = {float(t) for cell in cells for t in re.findall(r"\d+(?:\.\d+)?", cell)}
            assert float(number.group()) in tokens, (line, line.source)
            checked += 1
    for item in summary.attention:
        if "Listing 16.2.7.7" in item:
            body = tlfs["Listing 16.2.7.7"].body
            outside = body.loc[body["TEAE window"].ne("Treatment-emergent")]
            assert item.startswith(f"{len(outside)} serious AE")
            assert f"in {outside['Patient'].nunique()} patient" in item
        elif "Listing 16.2.7.8" in item:
            body = tlfs["Listing 16.2.7.8"].body
            assert item.startswith(f"{len(body)} AE")
            assert f"in {body['Patient'].nunique()} patient" in item
        elif "Listing 16.2.7.4" in item and "of any cause" in item:
            body = tlfs["Listing 16.2.7.4"].body
            assert item.startswith(f"{int(body['Safety set'].eq('Y').sum())} death")
        else:
            continue
        checked += 1
    return checked


def test_every_summary_count_is_found_where_it_points(outputs):
    # 8 "new since" lines, 3 enrollment lines (the plan in the footnote of Table 14.1.3),
    # 2 toxicity lines (no look reached), 4 futility lines, 3 attention items.
    assert _walk(outputs) == 8 + 3 + 2 + 4 + 3


def test_every_summary_count_is_found_where_it_points_on_the_shipped_trial():
    """The shipped trial at 2025-06-30 with p = 2024-12-31 (issue 20): the new MDS of
    PROMIS-01-013 (serious, grade 3, outside the window, an AESI) and the new headache of
    PROMIS-01-022 (a TEAE) are both on Listing 16.2.7.9, and each count traces."""
    ad = derive_analysis_data(
        shipped.shipped_trial(), shipped.shipped_sap(), CUTOFF, previous_cutoff=PREVIOUS
    )
    outputs = {o.tlf.label: o for o in build_tlfs(ad, ("disposition", "monitoring", "safety"))}
    assert _rows(outputs, "Listing 16.2.7.9", ("Patient", "AE no.", "Preferred term")) == {
        ("PROMIS-01-013", "10", "Myelodysplastic syndrome"),
        ("PROMIS-01-022", "15", "Headache"),
    }
    assert ("PROMIS-01-013", "10") in _rows(outputs, "Listing 16.2.7.7")
    assert ("PROMIS-01-013", "10") in _rows(outputs, "Listing 16.2.7.8")
    assert _walk(outputs) >= 8 + 2


def test_a_not_collected_aesi_criterion_is_said_not_applied(tmp_path):
    """A mapping that declares AEIRFL and AECLAVDN not collected (SAP 9.7, issue 20 section 3:
    no statement rests on a not-collected variable): the immune-related and surgical categories
    are not evaluable and say so; the second malignancy of 001 is still listed."""
    from minimal_trial import load_not_collected

    trial = load_not_collected(_tables(), SAP, tmp_path, {"ADAE": ["AEIRFL", "AECLAVDN"]})
    ad = derive_analysis_data(trial, SAP, CUTOFF, previous_cutoff=PREVIOUS)
    outputs = {o.tlf.label: o for o in build_tlfs(ad, ("safety",))}
    listing = outputs["Listing 16.2.7.8"].tlf
    assert _rows(outputs, "Listing 16.2.7.8") == {("PROMIS-001", "1")}
    notes = " ".join(listing.footnotes)
    assert "Immune-related AE: AEIRFL not collected, so not evaluable here." in notes
    assert "Clavien-Dindo >= IIIa: AECLAVDN not collected, so not evaluable here." in notes
    assert "AEIRFL = Y" not in notes
