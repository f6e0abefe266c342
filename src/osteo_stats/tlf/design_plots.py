"""Design and simulation figures as deterministic SVG text.

Numbers in, SVG out: each function takes results that were already computed (a
:class:`~osteo_stats.analyse.design.SimonFrontier`, a simulation table) and only draws them,
with the shared style of :mod:`osteo_stats.tlf.figure`.

* :func:`simon_frontier_svg`: expected sample size under H0 against the maximum sample size
  for the admissible Simon designs (``design simon --plots``: ``simon_frontier.svg``).
* :func:`simon_oc_svg`: probability of rejecting H0 and of early termination against the
  true rate, optimal and minimax designs (``simon_oc.svg``).
* :func:`simulation_power_svg`, :func:`simulation_conduct_svg`: the ``simulate`` results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osteo_stats.analyse.design import SimonFrontier, operating_characteristics
from osteo_stats.tlf.figure import PALETTE, figure_style, figure_to_svg, new_figure

__all__ = [
    "simon_frontier_svg",
    "simon_oc_svg",
    "simulation_conduct_svg",
    "simulation_power_svg",
]

_DESIGN_COLOURS = {"optimal": PALETTE["blue"], "minimax": PALETTE["orange"]}
_METHOD_STYLE = {
    "binary": (PALETTE["blue"], "o", "Binary landmark (Simon rule)"),
    "km_landmark": (PALETTE["orange"], "s", "KM landmark, log-log lower bound"),
    "logrank": (PALETTE["green"], "D", "One-sample log-rank"),
}


def simon_frontier_svg(frontier: SimonFrontier) -> str:
    """EN(p0) against n for the admissible designs, optimal and minimax labelled."""
    designs = frontier.designs
    n = designs["n"].to_numpy()
    en = designs["en_p0"].to_numpy()
    with figure_style():
        figure = new_figure(6.5, 4.2)
        axes = figure.add_subplot()
        axes.plot(n, en, color=PALETTE["grey"], linewidth=1, zorder=1)
        axes.scatter(n, en, color=PALETTE["grey"], s=18, zorder=2, label="admissible")
        for row in designs.itertuples(index=False):
            if row.kind == "admissible":
                axes.annotate(
                    f"{row.r1}/{row.n1}, {row.r}/{row.n}",
                    (row.n, row.en_p0),
                    textcoords="offset points",
                    xytext=(0, -12),
                    ha="center",
                    fontsize=7,
                    color=PALETTE["grey"],
                )
        for kind, design in (("minimax", frontier.minimax), ("optimal", frontier.optimal)):
            axes.scatter(
                [design.n],
                [design.en_p0],
                color=_DESIGN_COLOURS[kind],
                s=60,
                zorder=3,
                label=f"{kind}: {design.rule}",
            )
            axes.annotate(
                f"{kind}\n{design.r1}/{design.n1}, {design.r}/{design.n}\nEN = {design.en_p0:.2f}",
                (design.n, design.en_p0),
                textcoords="offset points",
                xytext=(8, 8) if kind == "minimax" else (-6, -10),
                ha="left" if kind == "minimax" else "right",
                va="bottom" if kind == "minimax" else "top",
                fontsize=8,
                color=_DESIGN_COLOURS[kind],
            )
        pad = max(1.0, 0.15 * (n.max() - n.min()))
        axes.set_xlim(n.min() - pad, n.max() + pad)
        spread = max(en.max() - en.min(), 0.5)
        axes.set_ylim(en.min() - 0.4 * spread, en.max() + 0.9 * spread)
        axes.set_xlabel("Maximum sample size n")
        axes.set_ylabel("Expected sample size under H0, EN(p0)")
        axes.set_title(
            f"Admissible Simon two-stage designs: p0 = {frontier.p0:g}, p1 = {frontier.p1:g}, "
            f"alpha = {frontier.alpha:g}, power = {frontier.power:g}",
            fontsize=9,
        )
        axes.legend(frameon=False, fontsize=8, loc="upper center")
        axes.grid(alpha=0.3, linewidth=0.5)
        return figure_to_svg(figure)


def simon_oc_svg(frontier: SimonFrontier, p: Sequence[float] | None = None) -> str:
    """P(reject H0) and PET against the true rate for the optimal and minimax designs.

    ``p`` is the grid of true rates (default: 201 points from 0 to :math:`\\min(1, p_1 + 0.35)`).
    """
    if p is None:
        grid = np.linspace(0.0, min(1.0, frontier.p1 + 0.35), 201)
    else:
        grid = np.asarray(p, dtype=float)
    with figure_style():
        figure = new_figure(6.5, 4.2)
        axes = figure.add_subplot()
        for kind, design in (("optimal", frontier.optimal), ("minimax", frontier.minimax)):
            oc = operating_characteristics(design, grid)
            colour = _DESIGN_COLOURS[kind]
            axes.plot(
                grid,
                oc["prob_reject"],
                color=colour,
                linewidth=1.6,
                label=f"P(reject H0), {kind} {design.rule}",
            )
            axes.plot(
                grid, oc["pet"], color=colour, linewidth=1.2, linestyle="--", label=f"PET, {kind}"
            )
        for value, name in ((frontier.p0, "p0"), (frontier.p1, "p1")):
            axes.axvline(value, color=PALETTE["grey"], linewidth=0.8, linestyle=":")
            axes.annotate(
                f"{name} = {value:g}",
                (value, 1.02),
                xycoords=("data", "axes fraction"),
                ha="center",
                fontsize=8,
                color=PALETTE["grey"],
            )
        for value, name in ((frontier.alpha, "alpha"), (frontier.power, "power")):
            axes.axhline(value, color=PALETTE["grey"], linewidth=0.5)
            axes.annotate(
                f"{name} = {value:g}",
                (0.005, value),
                xycoords=("axes fraction", "data"),
                xytext=(0, 2),
                textcoords="offset points",
                fontsize=7,
                color=PALETTE["grey"],
            )
        axes.set_xlim(grid.min(), grid.max())
        axes.set_ylim(0, 1)
        axes.set_xlabel("True response (2-year EFS) rate p")
        axes.set_ylabel("Probability")
        axes.set_title("Operating characteristics (exact)", fontsize=9, pad=14)
        axes.legend(frameon=False, fontsize=7.5, loc="center right")
        axes.grid(alpha=0.3, linewidth=0.5)
        return figure_to_svg(figure)


def simulation_power_svg(table: pd.DataFrame) -> str:
    """Rejection rate with a 95% Monte-Carlo interval, per scenario and method.

    ``table`` is :attr:`~osteo_stats.simulate.runner.SimulationResult.table`.
    """
    scenarios = list(dict.fromkeys(table["scenario"]))
    methods = list(dict.fromkeys(table["method"]))
    y_of = {name: len(scenarios) - 1 - i for i, name in enumerate(scenarios)}
    offset = {m: (k - (len(methods) - 1) / 2) * 0.22 for k, m in enumerate(methods)}
    with figure_style():
        figure = new_figure(7.0, 1.2 + 0.45 * len(scenarios))
        axes = figure.add_subplot()
        for method in methods:
            rows = table[table["method"] == method]
            colour, marker, label = _METHOD_STYLE.get(method, (PALETTE["black"], "o", method))
            y = np.array([y_of[s] for s in rows["scenario"]]) + offset[method]
            rate = rows["reject_rate"].to_numpy()
            half = 1.96 * rows["reject_mc_se"].to_numpy()
            axes.errorbar(
                rate,
                y,
                xerr=half,
                fmt=marker,
                color=colour,
                markersize=4,
                capsize=2,
                linewidth=0.8,
                label=label,
            )
        exact = table.dropna(subset=["exact_reject"])
        if len(exact):
            axes.scatter(
                exact["exact_reject"],
                [y_of[s] + offset["binary"] for s in exact["scenario"]],
                marker="|",
                s=120,
                color=PALETTE["black"],
                zorder=4,
                label="exact Simon OC (binary)",
            )
        axes.set_yticks([y_of[s] for s in scenarios], scenarios)
        axes.set_xlim(0, 1)
        axes.set_ylim(-0.6, len(scenarios) - 0.4)
        axes.axvline(0.05, color=PALETTE["grey"], linewidth=0.5, linestyle=":")
        axes.axvline(0.80, color=PALETTE["grey"], linewidth=0.5, linestyle=":")
        axes.set_xlabel(
            "Probability of rejecting H0 (power or type I error), 95% Monte-Carlo interval"
        )
        axes.set_title("Simulated rejection rates by scenario and analysis", fontsize=9)
        figure.legend(frameon=False, fontsize=7.5, loc="outside upper center", ncol=2)
        axes.grid(axis="x", alpha=0.3, linewidth=0.5)
        return figure_to_svg(figure)


def simulation_conduct_svg(table: pd.DataFrame) -> str:
    """Expected sample size, PET and mean trial duration per scenario (one row per scenario)."""
    per = table.drop_duplicates("scenario")
    scenarios = list(per["scenario"])
    y = np.arange(len(scenarios))[::-1]
    panels = (
        ("expected_n", "expected_n_mc_se", "Expected N"),
        ("pet", "pet_mc_se", "P(stop at stage 1)"),
        ("mean_duration_months", "duration_mc_se", "Duration (months)"),
        (
            "mean_stage1_decision_months",
            "stage1_decision_mc_se",
            "Stage-1 decision\n(calendar month)",
        ),
    )
    with figure_style():
        figure = new_figure(7.5, 1.3 + 0.4 * len(scenarios))
        grid = figure.subplots(1, len(panels), sharey=True)
        for axes, (column, se, title) in zip(grid, panels, strict=True):
            values = per[column].to_numpy(dtype=float)
            half = 1.96 * per[se].to_numpy(dtype=float)
            axes.barh(
                y,
                np.nan_to_num(values),
                xerr=np.nan_to_num(half),
                color=PALETTE["sky"],
                error_kw={"linewidth": 0.8, "capsize": 2},
            )
            axes.set_title(title, fontsize=8)
            axes.grid(axis="x", alpha=0.3, linewidth=0.5)
            axes.tick_params(axis="x", labelsize=7.5)
        grid[0].set_yticks(y, scenarios)
        figure.suptitle("Trial conduct by scenario (means, 95% Monte-Carlo intervals)", fontsize=9)
        return figure_to_svg(figure)
