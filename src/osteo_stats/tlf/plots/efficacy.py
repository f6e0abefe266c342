"""Drawing of the efficacy and design figures (SAP 7.3.7, 11.3): Kaplan-Meier with number at risk,
waterfall, swimmer and operating-characteristic curves.

These functions only draw: every number they plot was computed (and recorded in the ARD) by the
builders in :mod:`osteo_stats.tlf.efficacy` and :mod:`osteo_stats.tlf.design`. Each returns a
deterministic SVG string (:func:`osteo_stats.tlf.plots.style.figure_to_svg`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure

#: Colour of each best overall response (Okabe-Ito; the same in the waterfall and the swimmer).
BOR_COLOURS = {
    "CR": PALETTE["green"],
    "PR": PALETTE["blue"],
    "SD": PALETTE["orange"],
    "PD": PALETTE["red"],
    "NE": PALETTE["grey"],
}


def month_ticks(last: float, step: float = 6.0) -> list[float]:
    """Ticks every ``step`` months from 0 up to the first multiple of ``step`` >= ``last``."""
    if not math.isfinite(last) or last <= 0:
        return [0.0, step]
    top = math.ceil(last / step - 1e-9) * step
    return [float(t) for t in np.arange(0.0, top + step / 2, step)]


def _tick_text(value: float) -> str:
    return f"{value:g}"


# --- Kaplan-Meier ---


def draw_km(
    curve: pd.DataFrame,
    *,
    ticks: Sequence[float],
    at_risk: Sequence[float],
    median: float,
    ylabel: str,
    conf_label: str,
    xlabel: str = "Months since enrollment",
) -> str:
    """A Kaplan-Meier plot with CI band, censor marks, median and a number-at-risk table.

    Parameters
    ----------
    curve
        One row per distinct time: ``time, censored, surv, lower, upper`` (a KM table).
    ticks, at_risk
        The x ticks (months) and the number at risk at each (follow-up >= tick); the risk table
        is drawn in an axes that shares the x axis, so each count sits under its tick.
    median
        The median (NaN when not reached: no median lines).
    """
    time = curve["time"].to_numpy(float)
    surv = curve["surv"].to_numpy(float)
    # the band is undefined where S = 1 (log-log); draw it as the point there
    lower, upper = curve["lower"].to_numpy(float), curve["upper"].to_numpy(float)
    lower = np.where(np.isnan(lower) & (surv == 1), 1.0, lower)
    upper = np.where(np.isnan(upper) & (surv == 1), 1.0, upper)
    x = np.concatenate(([0.0], time))
    with figure_style():
        fig = new_figure(7.0, 5.0)
        grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.55])
        ax = fig.add_subplot(grid[0])
        risk = fig.add_subplot(grid[1], sharex=ax)
        colour = PALETTE["blue"]
        ax.fill_between(
            x,
            np.concatenate(([1.0], lower)),
            np.concatenate(([1.0], upper)),
            step="post",
            color=colour,
            alpha=0.18,
            linewidth=0,
        )
        ax.step(x, np.concatenate(([1.0], surv)), where="post", color=colour, linewidth=1.6)
        censored = curve["censored"].to_numpy(float) > 0
        ax.plot(
            time[censored],
            surv[censored],
            linestyle="none",
            marker="+",
            markersize=7,
            markeredgewidth=1.1,
            color=PALETTE["black"],
        )
        handles = [
            Line2D([], [], color=colour, linewidth=1.6, label="Kaplan-Meier estimate"),
            Patch(facecolor=colour, alpha=0.18, label=conf_label),
            Line2D(
                [],
                [],
                color=PALETTE["black"],
                marker="+",
                linestyle="none",
                markersize=7,
                label="Censored",
            ),
        ]
        if math.isfinite(median):
            style = {"color": PALETTE["grey"], "linestyle": "--", "linewidth": 1.0}
            ax.plot([0, median], [0.5, 0.5], **style)
            ax.plot([median, median], [0, 0.5], **style)
            ax.annotate(
                f"Median {median:.1f}",
                xy=(median, 0.0),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                color=PALETTE["black"],
            )
            handles.append(Line2D([], [], **style, label="Median"))
        else:
            handles.append(Line2D([], [], linestyle="none", label="Median not reached"))
        pad = 0.03 * ticks[-1]
        ax.set_xlim(-pad, ticks[-1] + pad)
        ax.set_ylim(0, 1.04)
        ax.set_xticks(list(ticks), [_tick_text(t) for t in ticks])
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(handles=handles, loc="upper right", frameon=False, fontsize=8)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)

        for t, n in zip(ticks, at_risk, strict=True):
            risk.text(t, 0.45, _tick_text(n), ha="center", va="center", fontsize=8.5)
        risk.set_ylim(0, 1)
        risk.set_yticks([])
        risk.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
        for spine in risk.spines.values():
            spine.set_visible(False)
        risk.set_title("Number at risk", loc="left", fontsize=8.5)
        return figure_to_svg(fig)


# --- waterfall ---


def draw_waterfall(bars: pd.DataFrame, bor_levels: Sequence[str]) -> str:
    """Bars of best % change (``usubjid, bor, value``, already sorted), coloured by BOR, with
    reference lines at +20% and -30%."""
    with figure_style():
        fig = new_figure(7.0, 4.2)
        ax = fig.add_subplot()
        x = np.arange(len(bars))
        colours = [BOR_COLOURS.get(b, PALETTE["grey"]) for b in bars["bor"]]
        ax.bar(x, bars["value"].to_numpy(float), color=colours, width=0.8, linewidth=0)
        zero = bars["value"].to_numpy(float) == 0  # a 0% bar has no height: show a short mark
        ax.plot(
            x[zero],
            np.zeros(int(zero.sum())),
            linestyle="none",
            marker="s",
            markersize=3,
            color=PALETTE["black"],
        )
        ax.axhline(0, color=PALETTE["black"], linewidth=0.8)
        for level, text in ((20.0, "+20%"), (-30.0, "-30%")):
            ax.axhline(level, color=PALETTE["grey"], linestyle="--", linewidth=0.9)
            ax.annotate(
                text,
                xy=(1.0, level),
                xycoords=("axes fraction", "data"),
                xytext=(2, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        low = min(-100.0, float(np.nanmin(bars["value"])) - 5) if len(bars) else -100.0
        high = max(40.0, float(np.nanmax(bars["value"])) + 5) if len(bars) else 40.0
        ax.set_ylim(low, high)
        ax.set_xlim(-0.8, max(len(bars), 1) - 0.2)
        ax.set_xticks(x, [u.split("-", 1)[-1] for u in bars["usubjid"]], rotation=90, fontsize=6)
        ax.set_xlabel("Patient")
        ax.set_ylabel("Best % change from baseline\n(sum of target-lesion diameters)")
        present = [b for b in bor_levels if (bars["bor"] == b).any()]
        ax.legend(
            handles=[Patch(facecolor=BOR_COLOURS[b], label=b) for b in present],
            title="Best overall response",
            loc="lower left",
            frameon=False,
            fontsize=8,
            title_fontsize=8,
            ncol=len(present) or 1,
        )
        return figure_to_svg(fig)


# --- swimmer ---

_PHASES = (
    ("PREOP", "Pre-operative", PALETTE["sky"]),
    ("POSTOP", "Post-operative", PALETTE["blue"]),
    ("MAINT", "Maintenance", PALETTE["green"]),
)
#: Surgery markers: black diamonds, filled black (R0), white (R1) or grey (R2), so that they
#: do not share a colour with the BOR markers.
_SURGERY = {"R0": PALETTE["black"], "R1": "white", "R2": "#9A9A9A"}


def draw_swimmer(data: pd.DataFrame) -> str:
    """One bar per patient (rows in the order given, the first at the bottom).

    ``data`` columns (months from enrollment; NaN = none): ``USUBJID, END, ONGOING``, phase spans
    ``PREOP_START/END, POSTOP_START/END, MAINT_START/END``, ``SURGERY`` with ``SURGOUT``,
    ``BORTIME`` with ``BOR``, ``EFSEVENT``, ``DEATH``.
    """
    n = len(data)
    last = float(np.nanmax(data["END"])) if n else 6.0
    ticks = month_ticks(last, step=6.0)
    with figure_style():
        fig = new_figure(7.0, 1.9 + 0.16 * max(n, 5))
        ax = fig.add_subplot()
        y = np.arange(n)
        ax.barh(y, data["END"].to_numpy(float), height=0.64, color="#E6E6E6", linewidth=0)
        for key, _, colour in _PHASES:
            start = data[f"{key}_START"].to_numpy(float)
            width = data[f"{key}_END"].to_numpy(float) - start
            ok = np.isfinite(start) & np.isfinite(width) & (width > 0)
            ax.barh(
                y[ok], width[ok], left=start[ok], height=0.64, color=colour, alpha=0.55, linewidth=0
            )
        for outcome, colour in _SURGERY.items():
            at = (data["SURGOUT"] == outcome).to_numpy() & np.isfinite(
                data["SURGERY"].to_numpy(float)
            )
            ax.plot(
                data["SURGERY"].to_numpy(float)[at],
                y[at],
                linestyle="none",
                marker="D",
                markersize=4.2,
                markerfacecolor=colour,
                markeredgecolor=PALETTE["black"],
                markeredgewidth=0.7,
            )
        for bor, colour in BOR_COLOURS.items():
            at = (data["BOR"] == bor).to_numpy() & np.isfinite(data["BORTIME"].to_numpy(float))
            ax.plot(
                data["BORTIME"].to_numpy(float)[at],
                y[at],
                linestyle="none",
                marker="o",
                markersize=4.0,
                markerfacecolor=colour,
                markeredgecolor="white",
                markeredgewidth=0.4,
            )
        event = np.isfinite(data["EFSEVENT"].to_numpy(float))
        ax.plot(
            data["EFSEVENT"].to_numpy(float)[event],
            y[event],
            linestyle="none",
            marker="*",
            markersize=6.5,
            color=PALETTE["purple"],
            markeredgecolor=PALETTE["black"],
            markeredgewidth=0.3,
        )
        death = np.isfinite(data["DEATH"].to_numpy(float))
        ax.plot(
            data["DEATH"].to_numpy(float)[death],
            y[death],
            linestyle="none",
            marker="X",
            markersize=5.0,
            color=PALETTE["black"],
        )
        ongoing = data["ONGOING"].to_numpy(bool)
        ax.plot(
            data["END"].to_numpy(float)[ongoing] + 0.5,
            y[ongoing],
            linestyle="none",
            marker=">",
            markersize=4.5,
            color=PALETTE["grey"],
        )

        ax.set_yticks(y, [u.split("-", 1)[-1] for u in data["USUBJID"]], fontsize=6)
        ax.set_ylim(-0.8, n - 0.2)
        ax.set_xlim(0, max(ticks[-1], last + 1.2))  # room for the "ongoing" arrow
        ax.set_xticks(ticks, [_tick_text(t) for t in ticks])
        ax.set_xlabel("Months since enrollment")
        ax.set_ylabel("Patient")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
        marker = {"linestyle": "none"}
        handles = [
            *(Patch(facecolor=c, alpha=0.55, label=f"{label} phase") for _, label, c in _PHASES),
            Patch(facecolor="#E6E6E6", label="Follow-up"),
            *(
                Line2D(
                    [],
                    [],
                    marker="D",
                    markerfacecolor=c,
                    markeredgecolor=PALETTE["black"],
                    markeredgewidth=0.7,
                    markersize=4.2,
                    label=f"Surgery {o}",
                    **marker,
                )
                for o, c in _SURGERY.items()
            ),
            *(
                Line2D(
                    [],
                    [],
                    marker="o",
                    markerfacecolor=c,
                    markeredgecolor="white",
                    markersize=5,
                    label=f"BOR {b}",
                    **marker,
                )
                for b, c in BOR_COLOURS.items()
            ),
            Line2D(
                [],
                [],
                marker="*",
                color=PALETTE["purple"],
                markeredgecolor=PALETTE["black"],
                markeredgewidth=0.3,
                markersize=7,
                label="EFS event",
                **marker,
            ),
            Line2D(
                [], [], marker="X", color=PALETTE["black"], markersize=5, label="Death", **marker
            ),
            Line2D(
                [],
                [],
                marker=">",
                color=PALETTE["grey"],
                markersize=5,
                label="Alive, on study",
                **marker,
            ),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False, fontsize=7)
        return figure_to_svg(fig)


# --- operating characteristics ---


def draw_oc(curve: pd.DataFrame, *, p0: float, p1: float, alpha: float, power: float) -> str:
    """P(reject H0) and PET against the true rate (``p, prob_reject, pet``), with p0 and p1
    marked and the attained alpha and power labelled."""
    with figure_style():
        fig = new_figure(7.0, 4.2)
        ax = fig.add_subplot()
        p = curve["p"].to_numpy(float)
        ax.plot(
            p,
            curve["prob_reject"],
            color=PALETTE["blue"],
            linewidth=1.6,
            label="P(reject H0): declare promising",
        )
        ax.plot(
            p,
            curve["pet"],
            color=PALETTE["orange"],
            linewidth=1.6,
            linestyle="--",
            label="PET: stop after stage 1",
        )
        for value, name in ((p0, "p0"), (p1, "p1")):
            ax.axvline(value, color=PALETTE["grey"], linestyle=":", linewidth=1.0)
            ax.annotate(
                f"{name} = {value:g}",
                xy=(value, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -10),
                textcoords="offset points",
                fontsize=8,
            )
        ax.plot([p0, p1], [alpha, power], linestyle="none", marker="o", color=PALETTE["blue"])
        ax.annotate(
            f"alpha = {alpha:.4f}",
            xy=(p0, alpha),
            xytext=(-6, 8),
            ha="right",
            textcoords="offset points",
            fontsize=8,
        )
        ax.annotate(
            f"power = {power:.4f}",
            xy=(p1, power),
            xytext=(6, -12),
            textcoords="offset points",
            fontsize=8,
        )
        ax.set_xlim(float(p.min()), float(p.max()) + 0.01)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("True 2-year EFS rate p")
        ax.set_ylabel("Probability")
        ax.grid(color="#EEEEEE", linewidth=0.6)
        ax.legend(loc="center right", frameon=False, fontsize=8)
        return figure_to_svg(fig)
