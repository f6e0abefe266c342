"""Drawing of the exploratory biomarker figures 14.4.1-14.4.3 (SAP 7.6, 11.3).

These functions only draw: the values, medians, p-value texts and numbers at risk were computed
(and recorded in the ARD) by :mod:`osteo_stats.tlf.biomarkers`. Each returns a deterministic SVG
string (:func:`osteo_stats.tlf.plots.style.figure_to_svg`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from osteo_stats.analyse.survival import KaplanMeierResult
from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

#: Good pathological response (True) against the others, in every biomarker figure.
RESPONSE_COLOUR = {True: PALETTE["orange"], False: PALETTE["blue"]}
_LOG_TICKS = (0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000)
_LEVEL_COLOUR = {"HIGH": PALETTE["red"], "LOW": PALETTE["blue"]}


def _set_marker_scale(axes: Axes, log_transform: bool, top: float) -> None:
    """A log2(x + 1) y-axis for log-transformed markers, ticks in original units up to ``top``."""
    if not log_transform:
        return

    def forward(v: np.ndarray) -> np.ndarray:
        return np.log2(np.maximum(v, 0) + 1)

    def inverse(v: np.ndarray) -> np.ndarray:
        return np.power(2.0, v) - 1

    axes.set_yscale("function", functions=(forward, inverse))
    ticks = [t for t in _LOG_TICKS if t <= 1.3 * max(top, 1)]
    axes.set_yticks(ticks, [str(t) for t in ticks])


def _spread(values: np.ndarray, width: float = 0.22) -> np.ndarray:
    """Deterministic horizontal offsets so that equal values (counts) do not hide each other."""
    offsets = np.zeros(values.size)
    for value in np.unique(values):
        idx = np.flatnonzero(values == value)
        if idx.size > 1:
            offsets[idx] = np.linspace(-width / 2, width / 2, idx.size) * min(1.0, idx.size / 8)
    return offsets


@dataclass(frozen=True)
class PairedPanel:
    """One marker of Figure 14.4.1: ``pairs`` has ``PRE``, ``POST`` and ``GOODRESP`` (bool)."""

    log_transform: bool
    pairs: pd.DataFrame
    medians: tuple[float, float]
    title: str


def draw_paired(panels: Sequence[PairedPanel], legend: Sequence[tuple[str, bool]]) -> str:
    """Figure 14.4.1: one line per patient from pre to post, coloured by response; medians.

    ``legend`` pairs a label with the response flag whose colour it names.
    """
    with figure_style():
        figure = new_figure(7.0, 3.9)
        axes_all = figure.subplots(1, len(panels), squeeze=False)[0]
        for axes, panel in zip(axes_all, panels, strict=True):
            pairs = panel.pairs
            for responder in (False, True):  # responders drawn on top, more opaque
                sub = pairs.loc[pairs["GOODRESP"].eq(responder)]
                colour = RESPONSE_COLOUR[responder]
                pre, post = sub["PRE"].to_numpy(float), sub["POST"].to_numpy(float)
                x0, x1 = _spread(pre), 1 + _spread(post)
                for segment in zip(x0, x1, pre, post, strict=True):
                    axes.plot(
                        segment[:2],
                        segment[2:],
                        color=colour,
                        alpha=0.9 if responder else 0.45,
                        lw=1.3 if responder else 0.8,
                        marker="o",
                        ms=3,
                        zorder=3 if responder else 2,
                    )
            for x, median in enumerate(panel.medians):
                axes.plot(
                    [x - 0.3, x + 0.3], [median, median], color=PALETTE["black"], lw=2.4, zorder=4
                )
            axes.set_xticks([0, 1], ["Pre-SBRT\n(biopsy)", "Post-SBRT\n(resection)"])
            axes.set_xlim(-0.5, 1.5)
            top = float(np.nanmax(pairs[["PRE", "POST"]].to_numpy(float), initial=0.0))
            _set_marker_scale(axes, panel.log_transform, top)
            axes.set_title(panel.title, fontsize=8)
        handles = [
            Line2D([], [], color=RESPONSE_COLOUR[flag], marker="o", ms=3, lw=1.0, label=label)
            for label, flag in legend
        ] + [Line2D([], [], color=PALETTE["black"], lw=2.4, label="Median")]
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        figure.suptitle("Exploratory: paired pre- and post-SBRT values", fontsize=9.5)
        return figure_to_svg(figure)


@dataclass(frozen=True)
class BoxPanel:
    """One marker and time point of Figure 14.4.2: values of good responders, then others."""

    samples: tuple[np.ndarray, np.ndarray]
    log_transform: bool
    change: bool
    title: str
    ylabel: str | None


def draw_marker_boxes(rows: Sequence[Sequence[BoxPanel]], suptitle: str) -> str:
    """Figure 14.4.2: box plots with every patient as a point, one row per marker."""
    colours = (RESPONSE_COLOUR[True], RESPONSE_COLOUR[False])
    with figure_style():
        figure = new_figure(7.0, 8.0)
        grid = figure.subplots(len(rows), len(rows[0]), squeeze=False)
        for r, row in enumerate(rows):
            for c, panel in enumerate(row):
                axes = grid[r, c]
                samples = panel.samples
                nonempty = [i for i, s in enumerate(samples) if s.size]
                if nonempty:
                    boxes = axes.boxplot(
                        [samples[i] for i in nonempty],
                        positions=nonempty,
                        widths=0.5,
                        showfliers=False,
                        patch_artist=True,
                        medianprops={"color": PALETTE["black"], "lw": 1.5},
                    )
                    for patch, i in zip(boxes["boxes"], nonempty, strict=True):
                        patch.set_facecolor(colours[i])
                        patch.set_alpha(0.35)
                for i, s in enumerate(samples):
                    axes.scatter(i + _spread(s, 0.35), s, s=7, color=colours[i], zorder=3)
                axes.set_xticks(
                    [0, 1], [f"Good\nn = {samples[0].size}", f"Other\nn = {samples[1].size}"]
                )
                axes.set_xlim(-0.6, 1.6)
                if panel.change:
                    axes.axhline(0, color=PALETTE["grey"], lw=0.7, ls="--")
                else:
                    top = max((float(s.max()) for s in samples if s.size), default=0.0)
                    _set_marker_scale(axes, panel.log_transform, top)
                axes.set_title(panel.title, fontsize=8 if r == 0 else 7)
                if panel.ylabel is not None:
                    axes.set_ylabel(panel.ylabel, fontsize=8)
                axes.tick_params(labelsize=7)
        figure.suptitle(suptitle, fontsize=9.5)
        return figure_to_svg(figure)


@dataclass(frozen=True)
class KMPanel:
    """One marker and time point of Figure 14.4.3.

    ``curves`` maps HIGH/LOW to its Kaplan-Meier fit (a group may be absent); ``at_risk`` maps
    them to the numbers at risk at ``times``.
    """

    curves: dict[str, KaplanMeierResult]
    times: np.ndarray
    at_risk: dict[str, np.ndarray]
    text: str
    title: str | None
    ylabel: str | None
    xlabel: str | None


def draw_km_by_marker(rows: Sequence[Sequence[KMPanel]]) -> str:
    """Figure 14.4.3: KM curves of the high and low groups with numbers at risk per panel."""
    with figure_style():
        figure = new_figure(7.0, 9.5)
        outer = figure.add_gridspec(2 * len(rows), len(rows[0]), height_ratios=[4, 1.1] * len(rows))
        for r, row in enumerate(rows):
            for c, panel in enumerate(row):
                axes = figure.add_subplot(outer[2 * r, c])
                risk = figure.add_subplot(outer[2 * r + 1, c], sharex=axes)
                times = panel.times
                for level_row, level in enumerate(("HIGH", "LOW")):
                    km = panel.curves.get(level)
                    if km is None:
                        continue
                    colour = _LEVEL_COLOUR[level]
                    axes.step(
                        np.concatenate(([0.0], km.time)),
                        np.concatenate(([1.0], km.surv)),
                        where="post",
                        color=colour,
                        lw=1.2,
                    )
                    censored = km.n_censor > 0
                    axes.plot(
                        km.time[censored], km.surv[censored], ls="none", marker="|", ms=5,
                        color=colour,
                    )  # fmt: skip
                    for month, count in zip(times, panel.at_risk[level], strict=True):
                        risk.text(
                            month,
                            1 - level_row,
                            str(int(count)),
                            ha="center",
                            va="center",
                            fontsize=6.5,
                            color=colour,
                        )
                span = times[-1]
                axes.set_xlim(-0.05 * span, span * 1.03)
                axes.set_xticks(times)
                axes.set_ylim(0, 1.03)
                axes.tick_params(labelbottom=False, labelsize=6.5)
                risk.set_ylim(-0.6, 1.6)
                risk.set_yticks([1, 0], ["High", "Low"] if c == 0 else ["", ""], fontsize=6.5)
                risk.tick_params(axis="y", length=0, pad=6)
                risk.tick_params(axis="x", labelsize=6.5, length=2)
                for spine in ("left", "top", "right"):
                    risk.spines[spine].set_visible(False)
                if panel.ylabel is not None:
                    axes.set_ylabel(panel.ylabel, fontsize=7.5)
                    risk.set_title("Number at risk", fontsize=6.5, loc="left", pad=1)
                if panel.title is not None:
                    axes.set_title(panel.title, fontsize=8.5)
                if panel.xlabel is not None:
                    risk.set_xlabel(panel.xlabel, fontsize=7)
                axes.text(
                    0.03, 0.03, panel.text, transform=axes.transAxes, ha="left", va="bottom",
                    fontsize=6.2,
                )  # fmt: skip
        handles = [
            Line2D([], [], color=_LEVEL_COLOUR["HIGH"], lw=1.2, label="High (above the median)"),
            Line2D(
                [], [], color=_LEVEL_COLOUR["LOW"], lw=1.2, label="Low (at or below the median)"
            ),
            Line2D([], [], color=PALETTE["grey"], ls="none", marker="|", label="Censored"),
        ]
        figure.legend(
            handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=7.5
        )
        figure.suptitle("Exploratory: Kaplan-Meier estimates of EFS by marker group", fontsize=9.5)
        return figure_to_svg(figure)
