"""Figures serialise to deterministic SVG."""

import re

from osteo_stats.tlf.plots.style import figure_style, figure_to_svg, new_figure


def _draw() -> str:
    with figure_style():
        figure = new_figure()
        axes = figure.add_subplot()
        axes.step([0, 1, 2], [1.0, 0.8, 0.5], where="post")
        axes.set_title("EFS")
        return figure_to_svg(figure)


def test_same_figure_gives_identical_svg():
    first, second = _draw(), _draw()
    assert first == second
    assert first.lstrip().startswith("<?xml")
    assert "<svg" in first
    assert "<dc:date>" not in first


# Data text reaches figure labels; matplotlib would parse '$...$' as mathtext (TeX) and fail
# or typeset it. Issue 10, section 7: a USUBJID containing '$' crashed the figures.
HOSTILE_IDS = ("01-$x^2$", "01-$002", "PROMIS\\01_003", "01-004$ $\\frac", "01-$x_$", "a_b^c")


def _glyphs_after(svg: str, label: str) -> int:
    """Glyphs drawn for the text whose SVG comment is ``label`` (text is drawn as paths)."""
    start = svg.index(f"<!-- {label} -->")
    end = svg.find("<!--", start + 1)
    return svg[start:end].count('<use xlink:href="#DejaVuSans')


def test_dollar_backslash_and_underscore_labels_are_literal_text():
    with figure_style():
        figure = new_figure()
        axes = figure.add_subplot()
        axes.barh(range(len(HOSTILE_IDS)), [1.0] * len(HOSTILE_IDS))
        axes.set_yticks(range(len(HOSTILE_IDS)), HOSTILE_IDS)
        axes.set_title("Swimmer $x$")
        svg = figure_to_svg(figure)
    comments = re.findall(r"<!-- (.*?) -->", svg)
    for label in (*HOSTILE_IDS, "Swimmer $x$"):
        assert label in comments
        # every character is drawn as itself: mathtext would drop the '$' and raise '2'
        assert _glyphs_after(svg, label) == len(label), label


def test_usubjid_with_dollar_reaches_the_svg_figures(tmp_path):
    import shutil

    from test_render_fixtures import SYNTHETIC
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    data = tmp_path / "data"
    shutil.copytree(SYNTHETIC, data, ignore=shutil.ignore_patterns("xpt"))
    renames = {"PROMIS-01-001": "PROMIS-01-$x_$", "PROMIS-01-003": "PROMIS-01\\03_b$"}
    for path in data.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for old, new in renames.items():
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    swimmer = [svg.read_text(encoding="utf-8") for svg in (out / "tlfs").glob("figure_*.svg")]
    # the swimmer plot shows the USUBJID without its study prefix
    assert any("<!-- 01-$x_$ -->" in svg for svg in swimmer)
    assert any("<!-- 01\\03_b$ -->" in svg for svg in swimmer)
