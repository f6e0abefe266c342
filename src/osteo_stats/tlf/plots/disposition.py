"""Drawing of the disposition figure (SAP 7.8, 11.3): cumulative enrollment against the plan.

Numbers in, SVG out: every point plotted was computed and recorded in the ARD by
:mod:`osteo_stats.tlf.disposition.accrual`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure


def draw_accrual(
    enrolled_x: Sequence[pd.Timestamp],
    enrolled_y: Sequence[int],
    plan_x: Sequence[pd.Timestamp],
    plan_y: Sequence[float],
    *,
    start: pd.Timestamp,
    cutoff: pd.Timestamp,
    y_max: float,
) -> str:
    """Figure 14.1.1: the cumulative number enrolled as a step line from ``start`` (0) to the
    cut-off, and the linear plan (dashed) through ``plan_x``/``plan_y``; y axis 0 to 105% of
    ``y_max``."""
    with figure_style():
        figure = new_figure(7.0, 4.0)
        axes = figure.add_subplot()
        if enrolled_x:
            axes.step(
                [start, *enrolled_x, max(cutoff, enrolled_x[-1])],
                [0, *enrolled_y, enrolled_y[-1]],
                where="post",
                color=PALETTE["blue"],
                label="Enrolled (cumulative)",
            )
        axes.plot(
            plan_x, plan_y, color=PALETTE["grey"], linestyle="--", label="Plan (linear, SAP 2.1)"
        )
        axes.set_xlabel("Date")
        axes.set_ylabel("Patients enrolled")
        axes.set_ylim(0, y_max * 1.05)
        axes.legend(loc="upper left", frameon=False)
        return figure_to_svg(figure)
