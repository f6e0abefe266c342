"""``osteo-stats analyze`` and ``osteo-stats report dmc|final`` from the command line."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from test_render_fixtures import fixture_outputs, key_result_rows
from typer.testing import CliRunner

import osteo_stats.tlf.build as build
from osteo_stats.cli import app
from osteo_stats.render import build_report_context, render_report_html, report_outputs
from osteo_stats.render.spec import report_spec
from osteo_stats.tlf.catalogue import SAP_TLFS

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def corrupted(tmp_path) -> Path:
    """data/synthetic with one impossible AE grade."""
    data = tmp_path / "bad"
    shutil.copytree(SHIPPED, data, ignore=shutil.ignore_patterns("xpt"))
    lines = (data / "adae.csv").read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("AETOXGR")
    cells = lines[1].split(",")
    cells[column] = "9"
    lines[1] = ",".join(cells)
    (data / "adae.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


@pytest.fixture
def fixture_catalogue(monkeypatch):
    """The catalogue replaced by the fixture TLFs, independent of which builders exist."""
    builders = {area: {} for area in build.BUILDERS}
    labels = tuple(output.tlf.label for output in fixture_outputs(30))
    builders["disposition"] = {labels: lambda ad: fixture_outputs(30)}
    monkeypatch.setattr(build, "BUILDERS", builders)


@pytest.mark.parametrize("command", [["report", "dmc"], ["report", "final"], ["analyze"]])
def test_invalid_data_prints_the_table_exits_1_and_writes_nothing(corrupted, tmp_path, command):
    out = tmp_path / "out"
    result = _invoke(*command, "--data", corrupted, "--out", out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Data validation failed: nothing was written" in " ".join(result.stderr.split())
    assert "AETOXGR" in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_cutoff_after_the_extract_is_refused(tmp_path):
    out = tmp_path / "out"
    result = _invoke("report", "dmc", "--cutoff", "2099-01-01", "--out", out)
    assert result.exit_code == 1
    assert "DCUTDT" in result.stderr
    assert not out.exists()


def test_bad_cutoff_is_a_usage_error(tmp_path):
    result = _invoke("analyze", "--cutoff", "2025-13-01", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_analyze_writes_ard_and_tlf_csv_svg_but_no_report(tmp_path, fixture_catalogue):
    out = tmp_path / "analysis"
    result = _invoke("analyze", "--out", out)
    assert result.exit_code == 0, result.output
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "ard.csv" in names and "ard.json" in names
    assert "tlfs/table_14_2_1.csv" in names  # analyze writes every TLF, efficacy included
    assert "tlfs/figure_14_3_1.svg" in names
    assert not [n for n in names if n.endswith((".pdf", ".html", ".rtf"))]


def test_report_dmc_from_the_command_line(tmp_path, fixture_catalogue, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "reports"
    result = _invoke("report", "dmc", "--out", out, "--seed", "11")
    assert result.exit_code == 0, result.output
    assert "DMC report written" in result.stdout
    # One command, one folder, both session reports (SAP 10.2), each timed apart.
    folder = out / "dmc" / "2026-04-30"
    stdout = " ".join(result.stdout.split())
    for name, session in (("dmc", "closed session"), ("dmc-open", "open session")):
        assert f"PROMIS_{name}_2026-04-30.pdf (" in stdout
        assert (folder / f"PROMIS_{name}_2026-04-30.html").is_file()
        assert re.search(rf"{session}, interim analysis\)", stdout), session
    assert re.search(
        r"Time: closed session: html [\d.]+s, pdf_layout [\d.]+s, pdf_write [\d.]+s, "
        r"pdf_wait [\d.]+s; open session: html [\d.]+s, pdf_layout [\d.]+s, pdf_write [\d.]+s, "
        r"pdf_wait [\d.]+s; files [\d.]+s",
        stdout,
    ), stdout
    pdf = out / "dmc" / "2026-04-30" / "PROMIS_dmc_2026-04-30.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Table 14.3.1" in text and "Confidential" in text
    html = (out / "dmc" / "2026-04-30" / "PROMIS_dmc_2026-04-30.html").read_text()
    assert "osteo-stats report dmc --data data/synthetic --cutoff 2026-04-30" in html
    assert "--seed 11" in html


def test_report_final_at_an_interim_cutoff_with_the_real_catalogue(tmp_path, shipped_analysis):
    """``report final`` at 2024-06-30, before the planned end of the study: an interim look.

    Expected from the SAP alone: the planned end is 2026-02-18, the 24-month date of patient 43
    (SAP 10.3; tests/test_sap_rules.py); before it ``report final`` runs an interim look, warns,
    says so in a box on the cover and on the provenance page, and records ``interim`` in every
    ARD row (SAP 10.3, 12.1). Rule F3 does not apply and there is no design-based inference
    (SAP 3.1, 7.2, 10.3). A 24-month success needs LMDT (enrollment + 24 months) on or before the
    cut-off: only the first three patients (enrolled 2022-04-28, 05-30, 06-16; the fourth on
    2022-07-12, data/synthetic/adsl.csv) can be successes; the other 40 are failures (F1, F2) or
    not yet evaluable (N1). The real catalogue goes through the whole command, PDF included;
    the DMC report (a subset of the final report's TLFs) is checked on its HTML only.
    """
    out = tmp_path / "reports"
    result = _invoke("report", "final", "--cutoff", "2024-06-30", "--out", out)
    assert result.exit_code == 0, result.output
    assert "INTERIM LOOK" in result.stderr and "--analysis final" in result.stderr
    assert "final report written" in result.stdout.lower() or "FINAL report" in result.stdout
    assert "interim analysis" in result.stdout
    folder = out / "final" / "2024-06-30"
    first = PdfReader(folder / "PROMIS_final_2024-06-30.pdf").pages[0].extract_text()
    assert "2024-06-30" in first and "Interim look" in first
    html = (folder / "PROMIS_final_2024-06-30.html").read_text(encoding="utf-8")
    assert (
        '<p class="cover-interim">Interim look: the data cut-off 2024-06-30 is before the '
        "planned end of the study, 2026-02-18 (the 24-month date of patient 43)."
    ) in html
    assert '<dd class="analysis-type">interim: Interim analysis.' in html

    ard = pd.read_csv(folder / "ard.csv", dtype=str, keep_default_na=False)
    assert set(ard["analysis_type"]) == {"interim"}
    primary = ard[(ard["analysis_id"] == "EFF-PRIM-01") & (ard["analysis_set"] == "FAS")]
    f3 = primary[primary["group"].str.contains("F3") & (primary["statistic"] == "n")]
    assert f3["value"].astype(float).eq(0).all()  # rule F3 is for the final analysis only
    design = primary.loc[primary["group"].str.contains("DESIGN"), "statistic"]
    assert set(design) == {"boundary"}  # r = 12 is shown; no UMVUE, p-value or CI

    def n(status: str) -> int:
        rows = primary[(primary["group"] == f"STATUS={status}") & (primary["statistic"] == "n")]
        return int(float(rows["value"].iloc[0]))

    success, failure, pending = n("SUCCESS"), n("FAILURE"), n("NOT EVALUABLE YET")
    assert success + failure + pending == 43
    assert success <= 3
    assert pending >= 40 - failure
    assert (
        f"Not yet available at this cut-off ({pending} of 43 patients not yet evaluable)"
    ) in html_lib.unescape(html)

    # The key-results page (SAP 10.3) shows the counts of Table 14.2.1 and withholds what SAP 7.2
    # computes only once the outcome is complete: the decision, UMVUE, CI and p-value.
    rows = {label: value for label, value, _target, _source in key_result_rows(html)}
    assert rows["Success / failure / not yet evaluable, n"] == f"{success} / {failure} / {pending}"
    design_based = [
        label
        for label in rows
        if label.startswith(("Successes / patients", "Decision", "UMVUE", "Exact 90%", "One-sided"))
    ]
    assert len(design_based) == 5
    assert {rows[label] for label in design_based} == {"not yet available at this cut-off"}
    start = html.index('<section class="key-results"')
    key_page = html[start : html.index("</section>", start)]
    assert "H0 rejected" not in key_page and "H0 not rejected" not in key_page
    assert "Primary endpoint: 2-year EFS rate (SAP 3.1, 7.2): " in html_lib.unescape(
        re.sub(r"<[^>]+>", "", key_page)
    )

    # Tables first, then every listing in the closing appendix, in SAP 11.4 order (SAP 10.3);
    # the key-results links are named destinations of the PDF.
    reader = PdfReader(folder / "PROMIS_final_2024-06-30.pdf")
    outline: list[tuple[str, int]] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                outline.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)

    def page(prefix: str) -> int:
        return next(number for title, number in outline if title.startswith(prefix))

    assert page("Key results") < page("1. ") < page("Table 14.2.1") < page("Listing 16.2.1")
    appendix = page("Appendix C. Patient listings")
    assert page("Appendix B. Data provenance") <= appendix
    listings = [(title, number) for title, number in outline if title.startswith("Listing")]
    assert [title.split()[1] for title, _ in listings] == [
        tlf.number for tlf in SAP_TLFS if tlf.kind == "Listing" and tlf.number != "16.2.7.9"
    ]  # 16.2.7.9, new since the previous DMC, is the DMC report's only (SAP 10.4)
    assert min(number for _, number in listings) >= appendix
    assert page("Listing 16.2.5") > page("Table 14.3.5")  # the long one is no longer in front
    annotations = reader.pages[page("Key results") - 1].get("/Annots") or []
    targets = {a.get_object()["/Dest"] for a in annotations}
    assert targets == {target for _l, _v, target, _s in key_result_rows(html)}
    assert targets <= set(reader.named_destinations)

    # The DMC report at the same cut-off: interim by definition (SAP 10.2), no cover box, and
    # no efficacy output but the stage-1 status (SAP 10.1).
    ad = shipped_analysis(date(2024, 6, 30))
    outputs = build.build_tlfs(ad, report_spec("dmc").areas)
    dmc = render_report_html("dmc", build_report_context(ad, ["osteo-stats"]), outputs)
    assert '<p class="cover-interim">' not in dmc
    assert '<dd class="analysis-type">interim: Interim analysis Planned end' in dmc
    shown = {o.tlf.label for o in report_outputs(report_spec("dmc"), outputs)}
    assert shown == set(report_spec("dmc").labels)
    assert [label for label in shown if " 14.2." in label] == ["Table 14.2.3"]
    # The open-session report (SAP 10.2): no boundary, futility or patient listing.
    open_html = render_report_html("dmc-open", build_report_context(ad, ["osteo-stats"]), outputs)
    for label in ("Table 14.3.5", "Figure 14.3.1", "Table 14.2.3"):
        assert label in dmc and label not in open_html, label
    # No listing is shown; two table footnotes name theirs (Tables 14.1.4, 14.3.4.5).
    assert '<section class="tlf listing' in dmc and 'id="listing-' in dmc
    assert '<section class="tlf listing' not in open_html and 'id="listing-' not in open_html
    # ... and say that it is in the closed report, which cites it as built (SAP 10.2).
    number = r"16(?:\.\d+)+"
    cited = re.findall(
        rf"(Listings? {number}(?:(?:,? and |, ){number})*)( \(closed-session report\))?", open_html
    )
    assert ("Listing 16.2.7.4", " (closed-session report)") in cited
    assert all(where for _listing, where in cited), cited
    assert "Individual deaths: Listing 16.2.7.4." in dmc and "(closed-session report)" not in dmc
    assert "futility" in dmc.lower() and "futility" not in open_html.lower()
