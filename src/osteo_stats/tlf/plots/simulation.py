"""Design and simulation figures as deterministic SVG text.

Numbers in, SVG out: each function takes results that were already computed (a
:class:`~osteo_stats.analyse.design.SimonFrontier`, a simulation table) and only draws them,
with the shared style of :mod:`osteo_stats.tlf.plots.style`.

* :func:`simon_frontier_svg`: expected sample size under H0 against the maximum sample size
  for the admissible Simon designs (``design simon --plots``: ``simon_frontier.svg``).
* :func:`simon_oc_svg`: probability of rejecting H0 and of early termination against the
  true rate, optimal and minimax designs (``simon_oc.svg``).
* :func:`simulation_power_svg`, :func:`simulation_conduct_svg`: the ``simulate`` results.
* :func:`simulation_power_curves_svg`, :func:`simulation_heatmap_svg`: power against the true
  rate, one line per design, and a value (power, expected duration) over two grid axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osteo_stats.analyse.design import SimonFrontier, operating_characteristics
from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

__all__ = [
    "simon_frontier_svg",
    "simon_oc_svg",
    "simulation_conduct_svg",
    "simulation_heatmap_svg",
    "simulation_power_curves_svg",
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


_LINE_STYLES = ("-", "--", ":", "-.")
_DESIGN_CYCLE = ("blue", "orange", "green", "red", "purple", "sky", "grey", "black")


def simulation_power_curves_svg(table: pd.DataFrame, line_by: Sequence[str] = ("design",)) -> str:
    """Rejection rate against the true landmark EFS rate, one panel per analysis method.

    One line per distinct value of the ``line_by`` columns (the design and every grid axis
    other than the true rate), coloured by design; the band is the 95% Monte-Carlo interval
    (:math:`\\pm 1.96` ``reject_mc_se``).
    """
    methods = list(dict.fromkeys(table["method"]))
    designs = list(dict.fromkeys(table["design"]))
    colour_of = {d: PALETTE[_DESIGN_CYCLE[k % len(_DESIGN_CYCLE)]] for k, d in enumerate(designs)}
    others = [column for column in line_by if column != "design"]
    with figure_style():
        figure = new_figure(3.2 * len(methods) + 0.6, 4.6)
        panels = figure.subplots(1, len(methods), sharey=True, squeeze=False)[0]
        for axes, method in zip(panels, methods, strict=True):
            rows = table[table["method"] == method]
            style_of: dict[tuple[object, ...], str] = {}
            for key, line in rows.groupby(list(line_by), sort=False, dropna=False):
                key = key if isinstance(key, tuple) else (key,)
                line = line.sort_values("true_efs_landmark")
                rest = tuple(v for c, v in zip(line_by, key, strict=True) if c != "design")
                style = style_of.setdefault(rest, _LINE_STYLES[len(style_of) % len(_LINE_STYLES)])
                design = line["design"].iloc[0]
                x = line["true_efs_landmark"].to_numpy(dtype=float)
                y = line["reject_rate"].to_numpy(dtype=float)
                half = 1.96 * line["reject_mc_se"].to_numpy(dtype=float)
                label = " ".join(
                    [str(design)]
                    + [f"{c.removeprefix('grid_')}={v}" for c, v in zip(others, rest, strict=True)]
                )
                axes.fill_between(x, y - half, y + half, color=colour_of[design], alpha=0.15)
                axes.plot(
                    x,
                    y,
                    color=colour_of[design],
                    linestyle=style,
                    marker="o",
                    markersize=2.5,
                    linewidth=1.1,
                    label=label if axes is panels[0] else None,
                )
            _, _, title = _METHOD_STYLE.get(method, (None, None, method))
            axes.set_title(title, fontsize=8.5)
            axes.set_xlabel("True landmark (2-year) EFS rate")
            axes.set_ylim(0, 1)
            axes.axhline(0.05, color=PALETTE["grey"], linewidth=0.5, linestyle=":")
            axes.axhline(0.80, color=PALETTE["grey"], linewidth=0.5, linestyle=":")
            axes.grid(alpha=0.3, linewidth=0.5)
        panels[0].set_ylabel("P(reject H0), 95% Monte-Carlo band")
        figure.suptitle("Simulated power curves, one line per design", fontsize=9)
        figure.legend(frameon=False, fontsize=7, loc="outside lower center", ncol=2)
        return figure_to_svg(figure)


#: Heatmap panels drawn at most (one per combination of the axes not on the map).
MAX_HEATMAP_PANELS = 16


def simulation_heatmap_svg(
    table: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    title: str,
    facet_by: Sequence[str] = (),
    fmt: str = "{:.2f}",
) -> str:
    """``value`` over two grid axes ``x`` and ``y`` (columns of ``table``, one row per cell),
    one panel per combination of the ``facet_by`` columns (at most
    :data:`MAX_HEATMAP_PANELS`); each cell shows its value."""
    facets = list(table.groupby(list(facet_by), sort=False)) if facet_by else [((), table)]
    shown = facets[:MAX_HEATMAP_PANELS]
    xs = list(dict.fromkeys(table[x]))
    ys = list(dict.fromkeys(table[y]))
    low = float(np.nanmin(table[value].to_numpy(dtype=float)))
    high = float(np.nanmax(table[value].to_numpy(dtype=float)))
    columns = min(len(shown), 2)
    rows = -(-len(shown) // columns)
    with figure_style():
        figure = new_figure(3.6 * columns + 0.8, 0.9 + rows * (0.5 + 0.32 * max(len(ys), 2)))
        panels = figure.subplots(rows, columns, squeeze=False)
        image = None
        for axes, (key, part) in zip(panels.flat, shown, strict=False):
            key = key if isinstance(key, tuple) else (key,)
            grid = part.pivot_table(index=y, columns=x, values=value, sort=False, dropna=False)
            grid = grid.reindex(index=ys, columns=xs)
            cells = grid.to_numpy(dtype=float)
            # Vector cells (pcolormesh), not imshow: imshow embeds a PNG, which the report's
            # inline-SVG check refuses and which is not text-searchable.
            image = axes.pcolormesh(
                np.arange(len(xs) + 1) - 0.5,
                np.arange(len(ys) + 1) - 0.5,
                cells,
                cmap="viridis",
                vmin=low,
                vmax=high,
                edgecolors="white",
                linewidth=0.5,
            )
            for (i, j), cell in np.ndenumerate(cells):
                if np.isfinite(cell):
                    dark = (cell - low) / (high - low or 1.0) < 0.6
                    axes.text(
                        j,
                        i,
                        fmt.format(cell),
                        ha="center",
                        va="center",
                        fontsize=6.5,
                        color="white" if dark else "black",
                    )
            axes.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=7)
            axes.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=7)
            axes.set_xlabel(x.removeprefix("grid_"), fontsize=8)
            axes.set_ylabel(y.removeprefix("grid_"), fontsize=8)
            axes.set_title(
                " ".join(
                    f"{c.removeprefix('grid_')}={v}" for c, v in zip(facet_by, key, strict=True)
                ),
                fontsize=8,
            )
        for axes in list(panels.flat)[len(shown) :]:
            axes.set_axis_off()
        if image is not None:
            bar = figure.colorbar(image, ax=panels, shrink=0.8, label=value)
            bar.solids.set_rasterized(False)  # matplotlib rasterises long colour bars to a PNG
        more = (
            f" (first {MAX_HEATMAP_PANELS} of {len(facets)} panels)"
            if len(facets) > len(shown)
            else ""
        )
        figure.suptitle(title + more, fontsize=9)
        return figure_to_svg(figure)
