"""All drawing: every figure of the TLFs and of the design and simulation commands.

Numbers in, SVG out: a plotting function takes results that were already derived and analysed,
and draws them with the one shared style of :mod:`osteo_stats.tlf.plots.style`.
"""
