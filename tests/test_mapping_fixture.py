"""The public pharmaverse example ADaM (tests/data/pharmaverseadam) read through a mapping.

The AE counts of the DMC report are checked against a pandas groupby written here, on the
fixture's own files: treatment-emergent AEs as the source ADaM flags them (TRTEMFL = "Y") of
safety-set patients (SAFFL = "Y", enrolled: RANDDT present), each patient counted once per row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from osteo_stats.cli import main
from osteo_stats.load import validate_trial
from osteo_stats.sap import load_sap

FIXTURE = Path(__file__).parent / "data" / "pharmaverseadam"
EXAMPLE = "pharmaverse-example"  # a shipped mapping: admiral + three declared choices


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURE / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sap():
    return load_sap()


def test_validate_the_fixture_leaves_only_notices(sap):
    trial, issues = validate_trial(FIXTURE, sap, EXAMPLE)
    assert [str(i) for i in issues if i.severity == "error"] == []
    kinds = set()
    for issue in issues:
        if "not collected" in issue.rule:
            kinds.add("not collected")
        elif issue.severity == "note" and issue.dataset == "ADTTE":  # derived by the package
            kinds.add("ignored ADTTE")
        elif issue.column == "AGE":  # the pilot study enrolled people aged 56-88
            kinds.add("age")
        elif issue.column and issue.column.startswith("DCUTDT"):
            kinds.add("cut-off")
        else:
            kinds.add(str(issue))
    assert kinds == {"not collected", "age", "cut-off", "ignored ADTTE"}
    assert len(trial.adsl) == 35  # 40 subjects, 5 screen failures without RANDDT
    assert trial.cutoff.isoformat() == "2014-09-20"  # the latest date in the files


def test_the_admiral_mapping_alone_stops_on_what_is_not_promis(sap):
    """admiral never invents a study or a treatment: the example study CDISCPILOT01 and its
    xanomeline patch are named, so the example needs its own small mapping."""
    trial, issues = validate_trial(FIXTURE, sap, "admiral")
    assert trial is None
    errors = {(i.dataset, i.column) for i in issues if i.severity == "error"}
    assert {column for _, column in errors} == {"STUDYID", "EXTRT", "EXPLDOS"}
    assert ("ADEX", "EXTRT") in errors


def _validate_lines(capsys, mapping: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["validate", "--data", str(FIXTURE), "--mapping", mapping])
    out = capsys.readouterr()
    text = out.out + out.err
    return code, [" ".join(line.split()) for line in text.splitlines()]


def test_cli_validate_with_the_example_mapping_leaves_only_notices(capsys):
    code, lines = _validate_lines(capsys, "pharmaverse-example")
    assert code == 0
    totals = [line for line in lines if line.startswith("Totals:")]
    assert len(totals) == 1 and totals[0].startswith("Totals: 0 errors,")
    issues = [line for line in lines if re.match(r"(Warning: )?AD[A-Z]{2}: ", line)]
    assert issues and all(line.startswith("Warning: ") for line in issues)


def test_cli_validate_with_admiral_names_exactly_what_is_another_studys(capsys):
    """STUDYID CDISCPILOT01, EXTRT XANOMELINE/PLACEBO and the placebo's dose 0 are refused; the
    hint for the study and treatment says how a mapping declares another study's data."""
    code, lines = _validate_lines(capsys, "admiral")
    assert code == 1
    errors = [line for line in lines if re.match(r"AD[A-Z]{2}: ", line)]
    columns = {re.match(r"AD[A-Z]{2}: (\w+)", line).group(1) for line in errors}
    assert columns == {"STUDYID", "EXTRT", "EXPLDOS"}
    hint = (
        "Hint: this is another study's data: a mapping can declare it for a trial run, e.g. "
        "--mapping pharmaverse-example; see sap/MAPPING.md"
    )
    for line in errors:
        assert line.endswith(hint) == (" EXPLDOS " not in line), line
    assert [line for line in lines if line.startswith("Totals:")] == [
        "Totals: 436 errors, 53 warnings, 1 note; 35 patients affected."
    ]


def test_response_and_overall_survival_still_work_without_surgery_data(sap):
    from osteo_stats.derive.analysis_data import derive_analysis_data
    from osteo_stats.tlf.build import build_tlfs, unavailable

    trial = validate_trial(FIXTURE, sap, EXAMPLE)[0]
    ad = derive_analysis_data(trial, sap, None, analysis_type="interim")
    built = {o.tlf.label: o for o in build_tlfs(ad, ["efficacy"])}
    # everything else in the area needs surgery, necrosis, PPROTFL or the Cox factors
    assert set(built) == {
        "Table 14.2.5",
        "Table 14.2.6",
        "Table 14.2.11",
        "Figure 14.2.2",
        "Figure 14.2.3",
    }
    reasons = unavailable(trial)
    assert (
        reasons["Table 14.2.13"] == "not available: SURGOUT, NNODULE, DFIMO, LATERAL not collected"
    )
    assert reasons["Figure 14.2.1"] == "not available: SURGOUT not collected"
    # OS: no death recorded in the fixture (DTHDT empty), so every FAS patient is censored
    os_rows = built["Table 14.2.11"].tlf.body
    os_cells = dict(zip(os_rows.iloc[:, 0], os_rows.iloc[:, 1], strict=True))
    assert os_cells["Patients, N"] == "35"
    assert os_cells["Patients with an event, n (%)"] == "0"
    orr = built["Table 14.2.6"]
    assert [c for c in orr.tlf.body.columns if c.startswith("PPS")]
    assert set(orr.tlf.body.filter(like="PPS").iloc[:, 0]) == {"not collected (PPROTFL)"}
    assert set(orr.ard.frame["analysis_set"]) == {"FAS"}
    assert any("NON-CR/NON-PD" in note for note in built["Table 14.2.5"].tlf.footnotes)


def _n(cell: str) -> int:
    match = re.fullmatch(r"(\d+)(?: \((\d+(?:\.\d)?)\))?", cell.strip())
    assert match, cell
    return int(match.group(1))


def test_report_dmc_on_the_fixture_matches_a_pandas_groupby(tmp_path, capsys):
    code = main(
        [
            "report",
            "dmc",
            "--data",
            str(FIXTURE),
            "--mapping",
            EXAMPLE,
            "--out",
            str(tmp_path),
            "--analysis",
            "interim",
        ]
    )
    assert code == 0
    # the outputs missing for want of data are "not available (not collected)", not "not yet"
    captured = capsys.readouterr()
    printed = " ".join(captured.out.split())
    # 10 built on columns the mapping does not collect + the 3 laboratory TLFs (no ADLB file)
    assert re.search(r"\d+ TLFs shown, 13 not available \(not collected\), 0 not yet", printed)
    # the valid data's "not collected" columns are said up front, one line per dataset
    notices = [line for line in captured.err.splitlines() if "not collected" in line]
    assert [line.split(":")[1] for line in notices] == [" ADSL", " ADAE", " ADRS", " ADEX"]
    assert notices[1] == (
        "Warning: ADAE: 3 columns not collected (mapping pharmaverse-example): AECLAVDN, AEIRFL, "
        'AESDLYFL; the analyses that need them show "not available".'
    )
    [folder] = (tmp_path / "dmc").iterdir()
    tlfs = folder / "tlfs"

    adsl, adae = _read("adsl"), _read("adae")
    saf = adsl.loc[adsl["SAFFL"].eq("Y") & adsl["RANDDT"].ne(""), "USUBJID"]
    teae = adae[adae["TRTEMFL"].eq("Y") & adae["USUBJID"].isin(saf)]
    big_n = len(saf)

    overview = pd.read_csv(tlfs / "table_14_3_1.csv", dtype=str, keep_default_na=False)
    rows = dict(zip(overview["Category"].str.strip(), overview["n (%)"], strict=True))
    assert _n(rows["Any TEAE"]) == teae["USUBJID"].nunique() == 30
    assert rows["Any TEAE"] == f"30 ({100 * 30 / big_n:.1f})"
    # the example mapping declares SEVERE = grade 3
    assert (
        _n(rows["TEAE of grade >= 3"]) == teae.loc[teae["ASEV"].eq("SEVERE"), "USUBJID"].nunique()
    )
    assert _n(rows["Serious TEAE"]) == teae.loc[teae["AESER"].eq("Y"), "USUBJID"].nunique()
    related = teae["AREL"].isin(["PROBABLE", "POSSIBLE"])
    assert _n(rows["Treatment-related TEAE"]) == teae.loc[related, "USUBJID"].nunique()
    assert rows["Immune-related TEAE"] == "not collected (AEIRFL)"

    soc_pt = pd.read_csv(tlfs / "table_14_3_2.csv", dtype=str, keep_default_na=False)
    by_soc = teae.groupby("AEBODSYS")["USUBJID"].nunique()
    by_pt = teae.groupby(["AEBODSYS", "AEDECOD"])["USUBJID"].nunique()
    severe = teae[teae["ASEV"].eq("SEVERE")]
    by_pt_severe = severe.groupby(["AEBODSYS", "AEDECOD"])["USUBJID"].nunique()
    shown_soc, shown_pt, shown_pt_severe, soc = {}, {}, {}, None
    for record in soc_pt.itertuples(index=False):
        soc_cell, pt_cell, all_grades, severe_cell = record
        if soc_cell == "Any TEAE":
            continue
        if soc_cell:
            soc = soc_cell
            shown_soc[soc] = _n(all_grades)
        else:
            shown_pt[soc, pt_cell] = _n(all_grades)
            shown_pt_severe[soc, pt_cell] = _n(severe_cell)
    assert shown_soc == by_soc.to_dict()
    assert shown_pt == by_pt.to_dict()
    assert {k: v for k, v in shown_pt_severe.items() if v} == by_pt_severe.to_dict()

    # the PROMIS-specific parts say "not available", with the reason
    html = next(folder.glob("*.html")).read_text(encoding="utf-8")
    assert (
        "Table 14.1.7 Surgery: timing, delay and outcome: not available: SURGOUT not collected"
        in (html)
    )
    assert "Stage-1 futility status: not available: SURGOUT not collected" in html
    assert "not available: AECLAVDN not collected" in html
    assert not (tlfs / "table_14_1_7.csv").exists()
    assert "outputs of this report are not available (not collected)" in html
    assert "not yet available; each is marked" not in html
    # the summary blocks of the missing tables say why, not "not yet available"
    for block in ("Toxicity stopping boundary (SAP 9.4)", "Stage-1 futility status (SAP 10.1)"):
        assert f'{block}: <span class="status">not available (not collected)</span>' in html
    # the mapping and its SHA-256 are on the provenance page
    assert "Mapping pharmaverse-example" in html
    # ... and so is the admiral mapping it extends, with its own hash
    for name in ("pharmaverse-example", "admiral"):
        assert re.search(rf"{name}\.yaml</td><td>yaml</td><td class=\"hash\">[0-9a-f]{{64}}", html)


def test_analyze_on_the_fixture_writes_adrs_with_bor_rows(tmp_path, capsys):
    """analyze exports ADRS with the BOR rows; the mapped file's own extra columns (SUBJID,
    RSTESTCD, ...) are not exported (SAP 12.4) and once made the BOR rows fail to line up."""
    assert (
        main(["analyze", "--data", str(FIXTURE), "--mapping", EXAMPLE, "--out", str(tmp_path)]) == 0
    )
    adrs = pd.read_csv(tmp_path / "adam" / "adrs.csv", dtype=str, keep_default_na=False)
    source = _read("adrs")
    assert "RSTESTCD" in source and "RSTESTCD" not in adrs
    fas = _read("adsl").query("RANDDT != ''")["USUBJID"]
    assert sorted(adrs.loc[adrs["PARAMCD"].ne("OVRLRESP"), "USUBJID"]) == sorted(fas)
    assert "ADSL: 16 columns not collected" in capsys.readouterr().err
