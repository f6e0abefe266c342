"""The committee reports end to end, on the synthetic trial with hand-made fixture TLFs.

Checks the PDF's text (pypdf), the HTML's structure, the files written, the DMC's exclusion of
efficacy outputs, "not yet available" sections, determinism under SOURCE_DATE_EPOCH, and that a
failed run leaves nothing behind.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from test_render_fixtures import fixture_outputs, futility_table, key_result_rows, synthetic_ad

from osteo_stats.outputs import MANIFEST_NAME
from osteo_stats.render import build_report_context, render_report_html, write_report
from osteo_stats.render.html import fit_columns
from osteo_stats.render.report import report_outputs
from osteo_stats.render.spec import (
    DMC_OPEN_REPORT,
    DMC_REPORT,
    FINAL_REPORT,
    REPORT_SETS,
    report_spec,
)
from osteo_stats.render.summary import committee_summary, key_results
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.build import build_tlfs
from osteo_stats.tlf.catalogue import SAP_TLFS
from osteo_stats.tlf.model import TLF, TLFOutput

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
ARGV = ["osteo-stats", "report", "dmc", "--data", "data/synthetic"]


@pytest.fixture(scope="module")
def dmc_runs(tmp_path_factory):
    """The DMC report rendered twice with the same SOURCE_DATE_EPOCH."""
    outputs = fixture_outputs(n_listing_rows=120)
    runs = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for i in range(2):
            out = tmp_path_factory.mktemp(f"dmc{i}") / "dmc"
            context = build_report_context(synthetic_ad(), ARGV, seed=None)
            runs.append(write_report("dmc", context, outputs, out))
    return runs


@pytest.fixture(scope="module")
def final_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("final") / "final"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        context = build_report_context(synthetic_ad(), ARGV, seed=7)
        return write_report("final", context, fixture_outputs(40), out, paper="letter")


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def _html(result) -> str:
    return result.html.read_text(encoding="utf-8")


# --- PDF text ------------------------------------------------------------------------------


def test_dmc_pdf_text(dmc_runs):
    result = dmc_runs[0]
    pages = _pdf_pages(result.pdf)
    assert len(pages) == result.pages >= 10
    text = "\n".join(pages)
    for i, page in enumerate(pages, start=1):
        assert "Confidential" in page, f"page {i} has no Confidential header"
        assert f"Page {i} of {len(pages)}" in page, f"page {i} footer"
        assert "Data cut-off 2026-04-30" in page
        assert "PROMIS (NCT06114225)" in page
    assert "Page 1 of" in pages[0]
    assert "Contents" in pages[1]
    # The contents take a page or two; the committee summary starts on the page after them.
    start = next(i for i, p in enumerate(pages) if "Summary for the committee" in p
                 and not re.search(r"Summary for the committee[ .]+\d", p))  # fmt: skip
    assert start in (2, 3) and "Contents" in pages[1]
    for section in DMC_REPORT.sections:
        assert section.title in text, section.title
    for label in (
        "Table 14.1.3",
        "Table 14.3.1",
        "Table 14.3.2",
        "Listing 16.2.7.2",
        "Figure 14.3.1",
        "Table 14.2.3",
    ):
        assert label in text
    assert "Not yet available: Table 14.3.4.3" in text
    assert "Appendix A. Methods" in text and "Appendix B. Data provenance" in text
    assert "Table 14.2.1" not in text  # efficacy is not shown at interim (SAP 10.1)


def test_dmc_pdf_outline_has_sections_and_tlfs(dmc_runs):
    reader = PdfReader(dmc_runs[0].pdf)

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    outline = list(titles(reader.outline))
    assert "Summary for the committee" in outline
    assert "6. Adverse events: overview and tables" in outline
    assert any(title.startswith("Listing 16.2.7.2") for title in outline)
    assert any(title.startswith("Figure 14.3.1") for title in outline)


def test_toc_page_numbers_point_at_the_sections(dmc_runs):
    pages = _pdf_pages(dmc_runs[0].pdf)
    toc = pages[1] + "\n" + pages[2]  # the contents may run onto a second page
    number = [s.key for s in DMC_REPORT.sections].index("toxicity-boundary") + 1
    heading = f"{number}. Toxicity stopping boundary"
    match = re.search(rf"{re.escape(heading)}[ .]*?(\d+)\s*$", toc, re.M)
    assert match, toc
    page = int(match[1])
    assert heading in pages[page - 1]


def test_long_listing_repeats_its_header_on_every_page(dmc_runs):
    pages = _pdf_pages(dmc_runs[0].pdf)
    listing_pages = [p for p in pages if "PROMIS-01-00" in p or "Neutropenia episode" in p]
    assert len(listing_pages) >= 3
    for page in listing_pages:
        assert "Verbatim term" in page and "Preferred term" in page


def test_pdf_pages_are_a4_and_landscape_for_the_listing(dmc_runs):
    reader = PdfReader(dmc_runs[0].pdf)
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {(595, 842), (842, 595)}


def test_final_report_on_letter_shows_efficacy_and_placeholders(final_run):
    pages = _pdf_pages(final_run.pdf)
    reader = PdfReader(final_run.pdf)
    assert round(float(reader.pages[0].mediabox.width)) == 612  # US Letter
    text = "\n".join(pages)
    for section in FINAL_REPORT.sections:
        assert section.title in text, section.title
    assert "Table 14.2.1" in text and "37.2 (23.0, 53.3)" in text
    assert "Not yet available: Figure 14.2.1 Kaplan-Meier plot of EFS" in text
    assert "Summary for the committee" not in text
    assert "Seed" in text and "7" in text


def test_one_dmc_run_writes_the_closed_and_the_open_session_report(dmc_runs):
    """SAP 10.2: one folder, one manifest; the closed report keeps its name and holds the
    boundary, futility and listing outputs; the open report holds none of them."""
    result = dmc_runs[0]
    closed, open_ = result.reports
    assert closed.pdf == result.pdf and closed.pdf.name == "PROMIS_dmc_2026-04-30.pdf"
    assert open_.pdf.name == "PROMIS_dmc-open_2026-04-30.pdf"
    assert open_.html.name == "PROMIS_dmc-open_2026-04-30.html"
    both = {
        f"PROMIS_{name}_2026-04-30{ext}"
        for name in ("dmc", "dmc-open")
        for ext in (".pdf", ".html", "_tlfs.rtf")
    }
    assert both <= set(result.files)
    manifests = [p.name for p in result.out_dir.iterdir() if "manifest" in p.name]
    assert manifests == [MANIFEST_NAME]
    listed = json.loads((result.out_dir / MANIFEST_NAME).read_text())["files"]
    assert both <= set(listed)

    closed_pages, open_pages = _pdf_pages(closed.pdf), _pdf_pages(open_.pdf)
    assert "Closed session" in closed_pages[0] and "Open session" not in closed_pages[0]
    assert "Open session" in open_pages[0] and "Closed session" not in open_pages[0]
    assert "Summary for the open session" in open_pages[2]
    closed_text, open_text = "\n".join(closed_pages), "\n".join(open_pages)
    closed_html, open_html = _html(result), open_.html.read_text(encoding="utf-8")
    open_rtf = (result.out_dir / "PROMIS_dmc-open_2026-04-30_tlfs.rtf").read_text()
    # Table 14.3.5 is not among the fixture TLFs: the closed report names it as not available.
    withheld = ("Table 14.3.5", "Figure 14.3.1", "Table 14.2.3", "Listing 16.2.7.2")
    for label in withheld:
        assert label in closed_text and label in closed_html, label
        assert label not in open_text and label not in open_html, label
        assert label not in open_rtf, label
    assert "Listing 16.2" not in open_html and "Listing 16.2" not in open_text
    for word in ("futility", "stopping boundary", "Stage-1"):
        assert word in closed_text, word
        assert word not in open_text, word
    for label in ("Table 14.1.3", "Table 14.3.1", "Table 14.3.2"):  # pooled summaries stay
        assert label in open_text and label in open_rtf
    assert open_.shown == ("Table 14.1.3", "Table 14.3.1", "Table 14.3.2")
    assert set(open_.timings) == {"html", "pdf_layout", "pdf_write", "pdf_wait"}


def _half_up(value: float, decimals: int) -> str:
    """SAS ROUND (half away from zero) of the decimal text of ``value``, as SAP 6.3 asks."""
    quantum = Decimal(1).scaleb(-decimals)
    return str(abs(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)))


def test_key_results_are_the_ard_rows_each_linked_to_its_table(shipped_analysis):
    """SAP 10.3: every key figure of the final report equals its ARD row, formatted as the
    tables format (SAP 6.3), and links to the table the row belongs to (the ARD's ``tlf``).

    The ARD is read back from its CSV with pandas, apart from the package's ARD lookups.
    """
    ad = shipped_analysis(None, "final")  # 2026-04-30, after the planned end: final analysis
    outputs = build_tlfs(ad, FINAL_REPORT.areas)
    html = render_report_html("final", build_report_context(ad, ARGV), outputs)
    ard = pd.read_csv(io.StringIO(ARD.concat(o.ard for o in outputs).to_csv_text()))

    def row(aid: str, aset: str, parameter: str, group: str, statistic: str):
        hit = ard[
            (ard["analysis_id"] == aid)
            & (ard["analysis_set"] == aset)
            & (ard["parameter"] == parameter)
            & (ard["group"] == group)
            & (ard["statistic"] == statistic)
        ]
        assert len(hit) == 1, (aid, aset, parameter, group, statistic)
        return hit["value"].iloc[0], hit["tlf"].iloc[0]

    def count(aid, aset, parameter, group, denominator_group="ALL"):
        n, tlf = row(aid, aset, parameter, group, "n")
        big_n, _ = row(aid, aset, parameter, denominator_group, "N")
        text = "0" if n == 0 else f"{n:.0f} ({_half_up(100 * n / big_n, 1)})"
        return text, tlf

    def ci(aid, aset, parameter, group, scale=100.0):
        values = [row(aid, aset, parameter, group, s)[0] for s in ("est", "lcl", "ucl")]
        if math.isnan(values[0]):
            return "NE", row(aid, aset, parameter, group, "est")[1]
        est, lcl, ucl = ("NR" if math.isnan(v) else _half_up(scale * v, 1) for v in values)
        return f"{est} ({lcl}, {ucl})", row(aid, aset, parameter, group, "est")[1]

    design = "METHOD=DESIGN-BASED"
    x, tlf = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "n")
    n, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "N")
    r, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "boundary")
    crossed, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "crossed")
    umvue, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "umvue")
    lcl, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "lcl")
    ucl, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "ucl")
    p_value, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", design, "p_value")
    statuses = [
        row("EFF-PRIM-01", "FAS", "PRIMARY", f"STATUS={s}", "n")[0]
        for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
    ]
    n_primary, _ = row("EFF-PRIM-01", "FAS", "PRIMARY", "STATUS=SUCCESS", "N")
    expected = [
        (f"{n_primary:.0f}", tlf),
        (" / ".join(f"{k:.0f}" for k in statuses), tlf),
        (f"{x:.0f} / {n:.0f}", tlf),
        ("H0 rejected" if crossed == 1 else "H0 not rejected", tlf),
        (_half_up(100 * umvue, 1), tlf),
        (f"({_half_up(100 * lcl, 1)}, {_half_up(100 * ucl, 1)})", tlf),
        (_half_up(p_value, 4), tlf),
    ]
    for aid, parameter in (("EFF-EFS-01", "EFS"), ("EFF-OS-01", "OS")):
        events, source = row(aid, "FAS", parameter, "ALL", "events")
        total, _ = row(aid, "FAS", parameter, "ALL", "N")
        expected.append((f"{events:.0f} ({_half_up(100 * events / total, 1)})", source))
        expected.append(ci(aid, "FAS", parameter, "QUANTILE=MEDIAN", scale=1.0))
        expected += [ci(aid, "FAS", parameter, f"MONTH={m}") for m in (12, 24, 36)]
    expected += [
        count("EFF-ORR-01", "FAS", "ORR", "ALL", "ALL"),
        ci("EFF-ORR-01", "FAS", "ORR", "ALL"),
        count("EFF-R0-01", "FAS", "R0", "ALL", "ALL"),
        ci("EFF-R0-01", "FAS", "R0", "ALL"),
        count("EFF-R0-01", "FAS-OPERATED", "R0", "ALL", "ALL"),
        ci("EFF-R0-01", "FAS-OPERATED", "R0", "ALL"),
        count("SAF-AE-01", "SAF", "TEAE", "ROW=ANY"),
        count("SAF-AE-01", "SAF", "TEAE", "ROW=GRADE GE 3"),
        count("SAF-AE-01", "SAF", "TEAE", "ROW=SERIOUS"),
        count("SAF-AE-04", "SAF", "TEAE", "RELATED=ANY; GRADE=GE3"),
        count("SAF-DTH-01", "SAF", "DEATH", "ROW=ANY"),
        count("TOX-BDRY-01", "SAF", "UTOX", "STATUS=UNACCEPTABLE TOXICITY"),
    ]
    shown = key_result_rows(html)
    assert [(value, source) for _label, value, _target, source in shown] == expected
    # The design of SAP 5.2 and the landmarks of SAP 7.3 as the page names them.
    assert r == 12 and "r = 12 of 43" in shown[3][0]
    assert [label for label, *_ in shown if label.startswith("EFS rate at")] == [
        f"EFS rate at {m} months, % (95% CI)" for m in (12, 24, 36)
    ]
    # Each link is the id of its table in this report.
    for _label, _value, target, source in shown:
        assert target == re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")
        assert html.count(f'id="{target}"') == 1, target
    assert "not yet available" not in " ".join(value for _l, value, *_ in shown)


def test_key_results_say_not_yet_available_without_their_table():
    """A key figure whose table is not in the report says so, never a placeholder number."""
    blocks = key_results(ARD.concat([]), frozenset(), synthetic_ad().sap)
    values = {line.value for block in blocks for line in block.lines}
    assert values == {"not yet available"}
    collected = key_results(
        ARD.concat([]),
        frozenset(),
        synthetic_ad().sap,
        unavailable={"Table 14.2.8": "not available: SURGOUT not collected"},
    )
    r0 = [line for block in collected for line in block.lines if line.source == "Table 14.2.8"]
    assert r0 and {line.value for line in r0} == {"not available (not collected)"}


# --- HTML structure --------------------------------------------------------------------------


def test_html_structure(dmc_runs):
    html = _html(dmc_runs[0])
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<h1 class="section-title"') == len(DMC_REPORT.sections) + 3
    for label in DMC_REPORT.labels:
        anchor = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        assert html.count(f'id="{anchor}"') == 1, label
        assert f'href="#{anchor}"' in html, label  # in the table of contents
    n_grids = html.count('<table class="tlf-grid')
    assert n_grids == html.count("<thead>") - 2  # + the methods and provenance tables
    assert html.count('<section class="tlf missing"') == len(dmc_runs[0].missing)
    assert html.count("<svg") == 1
    assert "string-set" in html  # the print CSS is inline: the HTML stands alone
    assert not re.search(r"<(link|img|script|iframe|object)\b", html)  # nothing to fetch or run


def test_html_and_provenance_content(dmc_runs):
    html = html_lib.unescape(_html(dmc_runs[0]))
    ad = synthetic_ad()
    for source in ad.trial.sources:
        assert source.sha256 in html
    assert "osteo-stats report dmc --data data/synthetic" in html
    for name in ("pandas", "lifelines", "scipy", "statsmodels", "weasyprint"):
        assert f"<dt>{name}</dt>" in html
    assert "Seed</dt><dd>none" in html
    assert "2026-01-01" in html  # report date from SOURCE_DATE_EPOCH


def test_files_written(dmc_runs):
    result = dmc_runs[0]
    files = set(result.files)
    assert {
        "PROMIS_dmc_2026-04-30.pdf",
        "PROMIS_dmc_2026-04-30.html",
        "ard.csv",
        "ard.json",
    } <= files
    for slug in ("table_14_3_1", "table_14_3_2", "listing_16_2_7_2", "table_14_1_3"):
        assert f"tlfs/{slug}.rtf" in files and f"tlfs/{slug}.csv" in files
    assert "tlfs/figure_14_3_1.svg" in files
    assert not any("14_2_1" in name for name in files)  # no efficacy file in the DMC output
    ard = ARD.from_csv_text((result.out_dir / "ard.csv").read_text())
    assert set(ard.frame["analysis_id"]) == {
        "DSP-ACCR-01",
        "SAF-AE-01",
        "SAF-AE-02",
        "TOX-BDRY-01",
        "EFF-PRIM-02",
    }
    for name in files:
        assert (result.out_dir / name).is_file()


# --- determinism -----------------------------------------------------------------------------


def test_two_runs_are_byte_identical(dmc_runs):
    first, second = dmc_runs
    assert first.files == second.files
    for name in first.files:
        a = (first.out_dir / name).read_bytes()
        b = (second.out_dir / name).read_bytes()
        assert a == b, f"{name} differs between two runs with SOURCE_DATE_EPOCH set"


def test_pdf_metadata_dates_come_from_source_date_epoch(dmc_runs):
    info = PdfReader(io.BytesIO(dmc_runs[0].pdf.read_bytes())).metadata
    assert info["/CreationDate"].startswith("D:20260101000000")
    assert info["/ModDate"].startswith("D:20260101000000")


# --- failure leaves nothing ------------------------------------------------------------------


def test_failed_report_writes_nothing_and_keeps_the_previous_one(tmp_path, monkeypatch):
    import osteo_stats.render.report as report_module

    context = build_report_context(synthetic_ad(), ARGV)
    out = tmp_path / "dmc"
    write_report("dmc", context, [futility_table()], out)
    previous = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*args, **kwargs):
        raise RuntimeError("RTF writer failed")

    monkeypatch.setattr(report_module, "tlf_to_rtf", boom)
    with pytest.raises(RuntimeError, match="RTF writer failed"):
        write_report("dmc", context, [futility_table()], out, replace=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dmc"]
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == previous


def test_duplicate_tlf_numbers_are_refused(tmp_path):
    with pytest.raises(ValueError, match="two TLF builders produced Table 14.2.3"):
        write_report(
            "dmc",
            build_report_context(synthetic_ad(), ARGV),
            [futility_table(), futility_table()],
            tmp_path / "x",
        )
    assert not (tmp_path / "x").exists()


# --- specification and summary ---------------------------------------------------------------


def test_specs_name_only_sap_tlfs_and_dmc_has_no_efficacy_estimates():
    labels = {tlf.label for tlf in SAP_TLFS}
    for kind in ("dmc", "final"):
        assert set(report_spec(kind).labels) <= labels
    dmc_efficacy = [label for label in DMC_REPORT.labels if " 14.2." in label]
    assert dmc_efficacy == ["Table 14.2.3"]  # the stage-1 status only (SAP 10.1)
    with pytest.raises(ValueError, match="unknown report 'weekly'; allowed: dmc, dmc-open, final"):
        report_spec("weekly")


def test_open_dmc_report_is_the_closed_one_without_listings_boundary_or_futility():
    """SAP 10.2: the open session sees the closed report's sections as pooled summaries only."""
    closed, open_ = DMC_REPORT.labels, DMC_OPEN_REPORT.labels
    withheld = {"Table 14.3.5", "Figure 14.3.1", "Table 14.2.3"}  # boundary, futility
    assert not [label for label in open_ if label.startswith("Listing")]
    assert not withheld & set(open_)
    # Everything else of the closed report is open, in the same order.
    assert list(open_) == [
        label for label in closed if not label.startswith("Listing") and label not in withheld
    ]
    assert DMC_OPEN_REPORT.name == "dmc-open" and DMC_OPEN_REPORT.session == "Open session"
    assert DMC_REPORT.session == "Closed session"
    assert REPORT_SETS["dmc"] == (DMC_REPORT, DMC_OPEN_REPORT)
    assert REPORT_SETS["final"] == (FINAL_REPORT,)


def _cited(number: str, *footnotes: str) -> TLFOutput:
    tlf = TLF(
        kind="Table",
        number=number,
        analysis_set="Safety analysis set (N = 42)",
        footnotes=footnotes,
        source="Source: test",
        analysis_ids=(),
        body=pd.DataFrame({"Category": ["Any death"], "n (%)": ["1 (2.4)"]}),
    )
    return TLFOutput(tlf, ARD.concat([]))


def test_open_report_says_the_listings_its_footnotes_cite_are_in_the_closed_report():
    """SAP 10.2: the open report shows no listing, so a footnote citing one says where it is;
    the closed report, which shows them, cites them as built."""
    outputs = [
        _cited(
            "14.1.4", "Percentages use FAS N as denominator. Individual patients: Listing 16.2.2."
        ),
        _cited("14.3.4.5", "n (%) of SAF N. Individual deaths: Listing 16.2.7.4."),
        _cited(
            "14.3.1", "The qualifying AEs are in Listings 16.2.7.2 and 16.2.7.3; see Table 14.3.5."
        ),
        _cited("14.3.2", "A patient is counted once per row."),
        _cited("14.3.3", "See Listing 16.2.7.1, 16.2.7.2 and 16.2.7.3."),
    ]
    opened = {o.tlf.number: o.tlf.footnotes for o in report_outputs(DMC_OPEN_REPORT, outputs)}
    assert opened == {
        "14.1.4": (
            "Percentages use FAS N as denominator. "
            "Individual patients: Listing 16.2.2 (closed-session report).",
        ),
        "14.3.4.5": (
            "n (%) of SAF N. Individual deaths: Listing 16.2.7.4 (closed-session report).",
        ),
        "14.3.1": (
            "The qualifying AEs are in Listings 16.2.7.2 and 16.2.7.3 (closed-session report); "
            "see Table 14.3.5.",
        ),
        "14.3.2": ("A patient is counted once per row.",),
        "14.3.3": ("See Listing 16.2.7.1, 16.2.7.2 and 16.2.7.3 (closed-session report).",),
    }
    # The closed report shows the TLFs as built; the TLFs themselves are not altered.
    closed = {o.tlf.number: o.tlf.footnotes for o in report_outputs(DMC_REPORT, outputs)}
    assert closed == {o.tlf.number: o.tlf.footnotes for o in outputs}
    assert outputs[1].tlf.footnotes == ("n (%) of SAF N. Individual deaths: Listing 16.2.7.4.",)


def test_final_report_puts_tables_first_and_every_listing_in_a_closing_appendix():
    """SAP 10.3: the listings of the sections form the last section, in SAP 11.4 order."""
    *body, appendix = FINAL_REPORT.sections
    assert appendix.appendix and appendix.title == "Patient listings"
    assert not any(section.appendix for section in body)
    assert not [label for s in body for label in s.tlfs if label.startswith("Listing")]
    # Every SAP 11.4 listing, in its order, but the DMC's new-since-the-previous-DMC one (10.4).
    sap_listings = [
        tlf.label for tlf in SAP_TLFS if tlf.kind == "Listing" and tlf.number != "16.2.7.9"
    ]
    assert list(appendix.tlfs) == sap_listings
    assert "Listing 16.2.5" in appendix.tlfs  # the long administration listing
    exposure = next(s for s in body if s.key == "exposure")
    assert "Listing 16.2.5" in exposure.intro  # the section says where its listing went


def test_summary_flags_boundary_and_futility_from_the_ard():
    from test_render_fixtures import accrual_table, boundary_figure, toxicity_ard

    outputs = [accrual_table(), boundary_figure(), futility_table("stop")]
    kept = [o.ard for o in outputs if o.ard.frame["analysis_id"].iloc[0] != "TOX-BDRY-01"]
    ard = ARD.concat([*kept, toxicity_ard(crossed_at_look_2=True)])
    tlfs = {o.tlf.label: o.tlf for o in outputs}
    tlfs["Table 14.3.5"] = outputs[1].tlf  # present; the summary only needs its ARD rows
    summary = committee_summary(
        ard, tlfs, 43, n_data_warnings=2, n_missing_outputs=5, n_outputs=30, accrual_shortfall=0.90
    )
    text = " ".join(summary.attention)
    assert "toxicity stopping boundary has been crossed" in text
    assert "stop for futility recommended" in text
    assert "Enrollment is behind plan: 30 enrolled against 34 planned" in text
    assert "2 data warning(s)" in text and "5 of the 30 outputs" in text
    blocks = {b.key: b for b in summary.blocks}
    assert blocks["toxicity"].status == "Boundary CROSSED" and blocks["toxicity"].attention
    lines = {line.label: line.value for line in blocks["toxicity"].lines}
    assert lines["Latest look reached: look 2 (10 patients)"] == "4 (stop if > 3)"
    assert lines["... of whom with an unacceptable toxicity"] == "4"
    fut = {line.label: line.value for line in blocks["futility"].lines}
    assert fut["Successes (stop if <= 3 of 13)"] == "2"
    assert blocks["futility"].status == "Stop for futility recommended"
    assert blocks["safety"].missing.startswith("Not yet available: Table 14.3.1")


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        ("continue", "Continue to stage 2"),
        ("pending", "Pending"),
        ("stop", "Stop for futility recommended"),
    ],
)
def test_summary_stage1_status_follows_reached_and_crossed(decision, status):
    out = futility_table(decision)
    summary = committee_summary(
        out.ard, {out.tlf.label: out.tlf}, 43, 0, 0, 30, accrual_shortfall=0.90
    )
    block = {b.key: b for b in summary.blocks}["futility"]
    assert block.status == status
    assert block.attention == (decision == "stop")
    assert any("futility" in item for item in summary.attention) == (decision == "stop")


def test_summary_does_not_flag_a_small_accrual_shortfall():
    from test_render_fixtures import accrual_table

    out = accrual_table()
    out.ard.frame.loc[out.ard.frame["statistic"] == "expected", "value"] = 31.0  # 30 of 31
    summary = committee_summary(
        out.ard, {out.tlf.label: out.tlf}, 43, 0, 0, 30, accrual_shortfall=0.90
    )
    assert not any("behind plan" in item for item in summary.attention)


@pytest.mark.parametrize(("shortfall", "flagged"), [(0.90, True), (0.85, False)])
def test_summary_accrual_threshold_is_the_sap_setting(shortfall, flagged):
    """30 enrolled against 34 planned is 88%: below a 90% threshold, above an 85% one."""
    from test_render_fixtures import accrual_table

    out = accrual_table()
    out.ard.frame.loc[out.ard.frame["statistic"] == "expected", "value"] = 34.0
    summary = committee_summary(
        out.ard, {out.tlf.label: out.tlf}, 43, 0, 0, 30, accrual_shortfall=shortfall
    )
    assert any("behind plan" in item for item in summary.attention) == flagged


def test_summary_without_any_output_says_not_yet_available():
    summary = committee_summary(ARD.concat([]), {}, 43, 0, 30, 30, accrual_shortfall=0.90)
    blocks = {b.key: b for b in summary.blocks}
    assert [line.value for line in blocks["enrollment"].lines] == [
        "not yet available",
        "not yet available",
        "43",
    ]
    assert blocks["toxicity"].status == "not yet available"
    assert blocks["futility"].status == "not yet available"


def test_summary_says_not_collected_apart_from_not_yet_available():
    """5 outputs missing of 30: 3 because the data do not hold what they need (a mapping's
    "not collected"), 2 not yet available at this cut-off: two separate attention items."""
    summary = committee_summary(
        ARD.concat([]), {}, 43, 0, 5, 30, accrual_shortfall=0.90, n_not_collected=3
    )
    outputs = [item for item in summary.attention if "outputs of this report" in item]
    assert outputs == [
        "3 of the 30 outputs of this report are not available (not collected): the data do not "
        "hold what they need; each section names the columns.",
        "2 of the 30 outputs of this report are not yet available; each is marked in its section.",
    ]
    only = committee_summary(
        ARD.concat([]), {}, 43, 0, 3, 30, accrual_shortfall=0.90, n_not_collected=3
    )
    assert not any("not yet available" in item for item in only.attention)


def test_fit_columns_gives_minimums_first_then_shares_the_rest():
    natural = [15.0, 5.0, 60.0, 40.0, 12.0]
    minimum = [15.0, 5.0, 12.0, 10.0, 12.0]
    widths = fit_columns(natural, available=80, minimum=minimum)
    assert sum(widths) == pytest.approx(100, abs=0.05)
    chars = [w / 100 * 80 for w in widths]
    for got, low, high in zip(chars, minimum, natural, strict=True):
        assert low - 0.01 <= got <= high + 0.01
    assert chars[0] == pytest.approx(15, abs=0.01)  # short columns keep their natural width
    assert fit_columns([10.0, 10.0], available=100) == [50.0, 50.0]  # fits: stretched


def test_summary_puts_fatal_events_before_the_committee():
    from osteo_stats.tlf import ARDBuilder

    b = ARDBuilder("SAF-AE-01", "Table 14.3.1", "SAF")
    b.add("n", 1, parameter="TEAE", group={"ROW": "GRADE 5"})
    deaths = ARDBuilder("SAF-DTH-01", "Table 14.3.4.5", "SAF")
    deaths.add("n", 1, parameter="DEATH", group={"ROW": "CAUSE", "DTHCAUS": "TREATMENT-RELATED"})
    summary = committee_summary(
        ARD.concat([b.build(), deaths.build()]), {}, 43, 0, 0, 30, accrual_shortfall=0.90
    )
    text = " ".join(summary.attention)
    assert "1 patient(s) with a fatal (grade 5) treatment-emergent adverse event" in text
    assert "1 treatment-related death(s) (Table 14.3.4.5)" in text

    b0 = ARDBuilder("SAF-AE-01", "Table 14.3.1", "SAF")
    b0.add("n", 0, parameter="TEAE", group={"ROW": "GRADE 5"})
    quiet = committee_summary(b0.build(), {}, 43, 0, 0, 30, accrual_shortfall=0.90)
    assert not any("fatal" in item for item in quiet.attention)
