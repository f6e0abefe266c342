"""Figures serialise to deterministic SVG."""

from osteo_stats.tlf.figure import figure_style, figure_to_svg, new_figure


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
