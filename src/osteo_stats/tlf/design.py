"""Design TLFs (SAP 5.3, 5.4): Table 14.2.2, the Simon design check with operating
characteristics and admissible designs, and Figure 14.2.5, the operating-characteristic curve.

Both record their numbers under ARD id ``DES-SIM-01`` (analysis set ``NONE``, parameter
``DESIGN``). Group keys: ``DESIGN=STATED|COMPUTED`` with ``STAGE=1`` (``n`` = n1, ``boundary``
= r1) and ``STAGE=TOTAL`` (``n`` = n, ``boundary`` = r); ``DESIGN=...; P=p`` for
``alpha_attained``/``power`` (P(reject)), ``pet`` and ``en``; the OC grid ``P=p`` (``power`` =
P(reject H0 | p), ``pet``, ``en``); the admissible frontier ``ADMISSIBLE=k`` (``n``/``boundary``
per ``STAGE``, ``alpha_attained``, ``power``, ``pet``, ``en`` at p0 and the weight range ``min``/
``max`` of q); and the figure's curve ``PLOT=OC; P=p``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.analyse.design import check_design, operating_characteristics
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.format import fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line
from osteo_stats.tlf.plots import efficacy as figures

MODULE = "tlf.design"
AID = "DES-SIM-01"
#: The true rates at which Figure 14.2.5 evaluates the design.
OC_CURVE_GRID = np.round(np.arange(0.0, 0.7001, 0.005), 3)


def _p_key(p: float) -> str:
    return f"{p:g}"


def _source(ad: AnalysisData) -> str:
    return source_line(MODULE, ad.cutoff, ad.sap.sap_version, (AID,))


def design_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.2: design check (SAP 5.3), OC grid (SAP 5.4) and the admissible designs."""
    d = ad.sap.design
    check = check_design(d)
    b = ARDBuilder(AID, "Table 14.2.2", "NONE")
    keys = {"parameter": "DESIGN"}
    for label, design in (("STATED", check.stated), ("COMPUTED", check.computed)):
        b.add("n", design.n1, group={"DESIGN": label, "STAGE": "1"}, **keys)
        b.add("boundary", design.r1, group={"DESIGN": label, "STAGE": "1"}, **keys)
        b.add("n", design.n, group={"DESIGN": label, "STAGE": "TOTAL"}, **keys)
        b.add("boundary", design.r, group={"DESIGN": label, "STAGE": "TOTAL"}, **keys)
        oc = operating_characteristics(design, [d.p0, d.p1])
        for p, row in zip((d.p0, d.p1), oc.itertuples(index=False), strict=True):
            group = {"DESIGN": label, "P": _p_key(p)}
            b.add("alpha_attained" if p == d.p0 else "power", row.prob_reject, group=group, **keys)
            b.add("pet", row.pet, group=group, **keys)
            b.add("en", row.en, group=group, **keys)
    grid = operating_characteristics(check.stated, list(d.oc_grid))
    for row in grid.itertuples(index=False):
        group = {"P": _p_key(row.p)}
        b.add("power", row.prob_reject, group=group, **keys)
        b.add("pet", row.pet, group=group, **keys)
        b.add("en", row.en, group=group, **keys)
    frontier = check.frontier.designs.reset_index(drop=True)
    for k, row in frontier.iterrows():
        base = {"ADMISSIBLE": str(k + 1)}
        b.add("n", row["n1"], group={**base, "STAGE": "1"}, **keys)
        b.add("boundary", row["r1"], group={**base, "STAGE": "1"}, **keys)
        b.add("n", row["n"], group={**base, "STAGE": "TOTAL"}, **keys)
        b.add("boundary", row["r"], group={**base, "STAGE": "TOTAL"}, **keys)
        b.add("alpha_attained", row["alpha"], group=base, **keys)
        b.add("power", row["power"], group=base, **keys)
        b.add("pet", row["pet_p0"], group=base, **keys)
        b.add("en", row["en_p0"], group=base, **keys)
        b.add("min", row["weight_lo"], group=base, **keys)
        b.add("max", row["weight_hi"], group=base, **keys)
    ard = b.build()

    def v(statistic: str, **group: str) -> float:
        return ard.value(AID, statistic, parameter="DESIGN", group=group)

    def rule(**group: str) -> str:
        return (
            f"{v('boundary', **group, STAGE='1'):.0f}/{v('n', **group, STAGE='1'):.0f}, "
            f"{v('boundary', **group, STAGE='TOTAL'):.0f}/{v('n', **group, STAGE='TOTAL'):.0f}"
        )

    p0, p1 = _p_key(d.p0), _p_key(d.p1)
    cols = ["Item", "Stated in the SAP", f"Recomputed ({d.kind})"]
    rows: list[tuple[str, ...]] = [
        ("Design check (SAP 5.3)", "", ""),
        ("  r1/n1, r/n", rule(DESIGN="STATED"), rule(DESIGN="COMPUTED")),
        (
            "  Agreement",
            "",
            "Agrees" if check.agrees else "DIFFERS: " + ", ".join(check.mismatches),
        ),
    ]
    for label, stat, p, dec in (
        (f"  Attained alpha, P(reject | p0 = {p0})", "alpha_attained", p0, 4),
        (f"  Power, P(reject | p1 = {p1})", "power", p1, 4),
        (f"  PET(p0 = {p0})", "pet", p0, 4),
        (f"  EN(p0 = {p0})", "en", p0, 2),
        (f"  PET(p1 = {p1})", "pet", p1, 4),
        (f"  EN(p1 = {p1})", "en", p1, 2),
    ):
        rows.append(
            (label, *(fmt_number(v(stat, DESIGN=s, P=p), dec) for s in ("STATED", "COMPUTED")))
        )
    body_oc = [
        (
            f"  p = {_p_key(p)}",
            fmt_p(v("power", P=_p_key(p)), 4),
            fmt_number(v("pet", P=_p_key(p)), 4),
            fmt_number(v("en", P=_p_key(p)), 1),
        )
        for p in d.oc_grid
    ]
    oc_rows = [("Operating characteristics of the stated design (SAP 5.4)", "", "", "")]
    oc_rows.append(("  True p", "P(reject H0)", "PET", "EN"))
    oc_rows += body_oc
    rows4 = [(*r, "") for r in rows]
    adm = [("Admissible designs (Jung et al. 2004), same p0, p1, alpha, power", "", "", "")]
    adm.append(("  Kind: r1/n1, r/n", "alpha; power", "PET(p0); EN(p0)", "Weight q range"))
    for k, kind in enumerate(frontier["kind"], start=1):
        g = {"ADMISSIBLE": str(k)}
        adm.append(
            (
                f"  {kind}: {rule(**g)}",
                f"{fmt_number(v('alpha_attained', **g), 4)}; {fmt_number(v('power', **g), 4)}",
                f"{fmt_number(v('pet', **g), 4)}; {fmt_number(v('en', **g), 2)}",
                f"{fmt_number(v('min', **g), 3)} to {fmt_number(v('max', **g), 3)}",
            )
        )
    body = pd.DataFrame(rows4 + oc_rows + adm, columns=[*cols, ""])
    tlf = TLF(
        kind="Table",
        number="14.2.2",
        title="Simon two-stage design check and operating characteristics",
        analysis_set="None (design)",
        footnotes=(
            f"H0: p <= {d.p0:g}, H1: p = {d.p1:g}, one-sided alpha {d.alpha:g}, power "
            f"{d.power:g} (SAP 5.1). Stop after stage 1 if <= r1 successes among n1; reject H0 "
            "if > r successes among n (SAP 5.2).",
            f"Exact binomial computation; search 1 <= n1 < n <= {d.nmax_search} (SAP 5.3). "
            "PET = probability of early termination; EN = expected sample size.",
            "Admissible designs minimise q x n + (1 - q) x EN(p0) for q in the range shown "
            "(minimax at q = 1, optimal at q = 0).",
        ),
        source=_source(ad),
        analysis_ids=(AID,),
        body=body,
    )
    return TLFOutput(tlf, ard)


def oc_figure(ad: AnalysisData) -> TLFOutput:
    """Figure 14.2.5: probability of rejecting H0 and PET against the true rate."""
    d = ad.sap.design
    oc = operating_characteristics(d, OC_CURVE_GRID)
    at = operating_characteristics(d, [d.p0, d.p1])
    b = ARDBuilder(AID, "Figure 14.2.5", "NONE")
    keys = {"parameter": "DESIGN"}
    curve = pd.DataFrame(
        [
            {
                "p": row.p,
                "prob_reject": b.add(
                    "power", row.prob_reject, group={"PLOT": "OC", "P": _p_key(row.p)}, **keys
                ),
                "pet": b.add("pet", row.pet, group={"PLOT": "OC", "P": _p_key(row.p)}, **keys),
            }
            for row in oc.itertuples(index=False)
        ]
    )
    alpha = b.add(
        "alpha_attained",
        at["prob_reject"].iloc[0],
        group={"PLOT": "MARK", "P": _p_key(d.p0)},
        **keys,
    )
    power = b.add(
        "power", at["prob_reject"].iloc[1], group={"PLOT": "MARK", "P": _p_key(d.p1)}, **keys
    )
    ard: ARD = b.build()
    svg = figures.draw_oc(curve, p0=d.p0, p1=d.p1, alpha=alpha, power=power)
    tlf = TLF(
        kind="Figure",
        number="14.2.5",
        title="Operating characteristics of the Simon design",
        analysis_set="None (design)",
        footnotes=(
            f"Stated design r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n}; exact binomial "
            "probabilities (SAP 5.2). Solid: probability of rejecting H0; dashed: probability of "
            "early termination after stage 1 (PET). Dotted lines: p0 and p1.",
        ),
        source=_source(ad),
        analysis_ids=(AID,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


def build_design_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Table 14.2.2 and Figure 14.2.5 (SAP 5.3, 5.4, 11)."""
    return [design_table(ad), oc_figure(ad)]
