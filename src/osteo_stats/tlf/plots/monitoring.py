"""Drawing of Figure 14.3.1, the toxicity stopping boundary with the observed count (SAP 9.4).

Numbers in, SVG out: the looks, the boundary and the counts were recorded in the ARD by
:mod:`osteo_stats.tlf.monitoring`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from osteo_stats.tlf.plots.style import PALETTE, figure_style, figure_to_svg, new_figure


def draw_toxicity_boundary(
    n_k: Sequence[int], b_k: Sequence[int], x_k: Sequence[float], steps: Sequence[int]
) -> str:
    """A step plot of b_k against n_k, the stop region above it, the cumulative count after each
    evaluable patient (``steps``) and x_k at the looks reached (NaN: not reached)."""
    with figure_style():
        figure = new_figure(7.0, 4.5)
        axes = figure.add_subplot()
        edges = [0, *n_k]
        xs = np.repeat(edges, 2)[1:-1]
        ys = np.repeat(b_k, 2)
        axes.plot(xs, ys, color=PALETTE["red"], label="Boundary b_k (stop if above)")
        axes.fill_between(xs, ys, max(n_k[-1], 1) * 0.6, color=PALETTE["red"], alpha=0.08,
                          linewidth=0, label="Stop region (x > b_k)")  # fmt: skip
        if steps:
            axes.step(range(0, len(steps) + 1), [0, *steps], where="post",
                      color=PALETTE["blue"], label="Observed cumulative count")  # fmt: skip
        hit = [(n, x) for n, x in zip(n_k, x_k, strict=True) if not math.isnan(x)]
        if hit:
            axes.plot(*zip(*hit, strict=True), "o", color=PALETTE["blue"],
                      label="Observed x_k at looks reached")  # fmt: skip
        axes.set_xlim(0, n_k[-1] + 1)
        axes.set_ylim(0, max(max(b_k) + 3, (max(steps) if steps else 0) + 2))
        axes.set_xticks(n_k)
        axes.set_xlabel("Evaluable patients (ordered by EVALDT)")
        axes.set_ylabel("Patients with unacceptable toxicity")
        axes.legend(loc="upper left", frameon=False)
        return figure_to_svg(figure)
