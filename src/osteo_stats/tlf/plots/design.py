"""Design figures for the questions a DMC asks (issue 14), as deterministic SVG text.

* :func:`stage1_timing_svg`: enrolled patients against calendar month under H0 with the
  stage-1 decision marked (``design check --plots``: ``stage1_timing.svg``). It shows why the
  expected sample size under H0 is about 38, not Simon's 20.6.

Numbers in, SVG out: the function only draws an already computed
:class:`~osteo_stats.analyse.design_timing.Stage1Timing`.
"""

from __future__ import annotations

import numpy as np

from osteo_stats.analyse.design_timing import Stage1Timing
from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

__all__ = ["stage1_timing_svg"]


def stage1_timing_svg(timing: Stage1Timing) -> str:
    """Planned and expected (under H0) enrolment against month, stage-1 decision marked."""
    end = timing.month_n1_evaluable + 2.0
    months = np.linspace(0.0, end, 801)
    planned = np.minimum(np.floor(months * timing.accrual_per_month + 1e-9), timing.n)
    expected = timing.expected_enrolled_by(months)
    stopped = timing.prob_stopped_by(months)
    with figure_style():
        figure = new_figure(7.0, 4.4)
        axes = figure.add_subplot()
        axes.plot(months, planned, color=PALETTE["grey"], linewidth=1.2, label="Planned enrolment")
        axes.plot(
            months,
            expected,
            color=PALETTE["blue"],
            linewidth=1.8,
            label=f"Expected enrolled under H0 (p0 = {timing.p0:g})",
        )
        marks = (
            (
                timing.month_n1_enrolled,
                f"patient {timing.n1} enrols (Simon assumes the decision here)",
                ":",
            ),
            (
                timing.mean_decision_month_if_stopped,
                f"mean futility stop under H0, month {timing.mean_decision_month_if_stopped:.1f}",
                "--",
            ),
            (
                timing.month_n1_evaluable,
                f"patient {timing.n1} reaches {timing.landmark_months:g} months",
                ":",
            ),
        )
        for month, text, style in marks:
            axes.axvline(month, color=PALETTE["black"], linewidth=0.8, linestyle=style)
            axes.annotate(
                text,
                (month, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                rotation=90,
                fontsize=7,
                va="bottom",
            )
        for value, text, colour in (
            (timing.simon_en_p0, f"Simon EN(p0) = {timing.simon_en_p0:.1f}", PALETTE["orange"]),
            (timing.en_p0, f"EN(p0) with the delay = {timing.en_p0:.1f}", PALETTE["blue"]),
        ):
            axes.axhline(value, color=colour, linewidth=0.8, linestyle="--")
            axes.annotate(
                text,
                (end, value),
                xytext=(-3, 2),
                textcoords="offset points",
                ha="right",
                fontsize=7,
                color=colour,
            )
        right = axes.twinx()
        right.plot(
            months,
            stopped,
            color=PALETTE["red"],
            linewidth=1.2,
            linestyle="-.",
            label="P(stopped for futility by month), H0",
        )
        right.set_ylim(0, 1)
        right.set_ylabel("Probability stopped (H0)")
        right.spines["right"].set_visible(True)
        axes.set_xlim(0, end)
        axes.set_ylim(0, timing.n + 2)
        axes.set_xlabel("Months since accrual opened")
        axes.set_ylabel("Patients enrolled")
        axes.set_title(
            f"Stage 1 ({timing.r1}/{timing.n1}) with a {timing.landmark_months:g}-month endpoint "
            f"and accrual of {timing.accrual_per_month:.2f}/month continuing",
            fontsize=9,
        )
        handles = axes.get_legend_handles_labels()
        extra = right.get_legend_handles_labels()
        axes.legend(
            handles[0] + extra[0],
            handles[1] + extra[1],
            frameon=False,
            fontsize=7.5,
            loc="upper left",
        )
        axes.grid(alpha=0.3, linewidth=0.5)
        return figure_to_svg(figure)
