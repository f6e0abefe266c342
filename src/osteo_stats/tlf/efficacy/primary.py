"""Tables 14.2.1 (primary endpoint, design-based inference) and 14.2.4 (its sensitivity
analyses), SAP 3.1, 7.2, 7.5."""

from __future__ import annotations

import math

from osteo_stats.analyse.two_stage import two_stage_inference
from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.endpoint_status import primary_status, supportive_primary_status
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    Values,
    add_count,
    add_rate,
    fas,
    fmt_int,
    km_fit,
    month_key,
    pct_label,
    set_line,
    table_body,
    tlf_source,
    tte_data,
)
from osteo_stats.tlf.format import fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput

# --- Table 14.2.1 primary endpoint ---


def primary_endpoint_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.1: the 2-year EFS rate with design-based inference (SAP 3.1, 7.2)."""
    aid, tlf_label = "EFF-PRIM-01", "Table 14.2.1"
    design, inf = ad.sap.design, ad.sap.inference
    status = primary_status(fas(ad), ad.sap.design)
    pop = status.population
    b = ARDBuilder(aid, tlf_label, "FAS")
    prm = {"parameter": "PRIMARY"}
    n_pop = len(pop)
    b.add("N", len(fas(ad)), **prm)
    counts = {
        s: int((pop["PRIMSTAT"] == s).sum()) for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
    }
    for s, k in counts.items():
        add_count(b, k, n_pop, group={"STATUS": s}, **prm)
    # SAP 3.1: at the final analysis, patients still not evaluable count as failures (F3).
    f3 = int((pop["PRIMRULE"] == "F3").sum())
    add_count(b, f3, n_pop, group={"STATUS": "FAILURE", "RULE": "F3"}, **prm)
    s1 = status.stage1
    for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET"):
        add_count(
            b, int((s1["PRIMSTAT"] == s).sum()), len(s1), group={"STAGE": "1", "STATUS": s}, **prm
        )

    successes = counts["SUCCESS"]
    evaluable = counts["SUCCESS"] + counts["FAILURE"]
    for level in sorted({1 - 2 * design.alpha, inf.conf_level}):
        add_rate(
            b,
            successes,
            evaluable,
            level,
            "clopper-pearson",
            group={"METHOD": "NAIVE", "LEVEL": pct_label(level)},
            **prm,
        )
    design_group = {"METHOD": "DESIGN-BASED"}
    b.add("boundary", design.r, group=design_group, **prm)
    if status.available:
        x = status.successes
        res = two_stage_inference(x, design.r1, design.n1, design.n, design.p0, design.alpha)
        b.add("n", res.x, group=design_group, **prm)
        b.add("N", res.n_observed, group=design_group, **prm)
        b.add("umvue", res.umvue, group=design_group, **prm)
        b.add_ci(res.umvue, res.lower, res.upper, res.conf_level, group=design_group, **prm)
        b.add("p_value", res.p_value, group=design_group, **prm)
        b.add("crossed", (not res.stopped_early) and res.x > design.r, group=design_group, **prm)
    efs = tte_data(ad, "EFS", pop["USUBJID"])
    km = km_fit(ad, efs)
    landmark = ad.sap.primary_endpoint.landmark_months
    km_group = {"METHOD": "KAPLAN-MEIER", "MONTH": month_key(landmark)}
    if km is not None:
        row = km.survival_at([landmark]).iloc[0]
        b.add_ci(row["surv"], row["lower"], row["upper"], inf.conf_level, group=km_group, **prm)
    else:
        b.add_ci(math.nan, math.nan, math.nan, inf.conf_level, group=km_group, **prm)
    ard = b.build()

    v = Values(ard, aid, "PRIMARY", "FAS")
    n_txt = fmt_int(v("N", {"STATUS": "SUCCESS"}))
    rows: list[tuple[str, str]] = [
        (f"Patients in the primary analysis (first {design.n} by enrollment), N", n_txt),
        (
            f"Success: event-free at {month_key(landmark)} months, n (%)",
            v.count({"STATUS": "SUCCESS"}),
        ),
        ("Failure, n (%)", v.count({"STATUS": "FAILURE"})),
    ]
    if ad.analysis_type == "final":
        rows.append(
            (
                "  of which not evaluable at the final analysis (SAP 3.1 F3), n (%)",
                v.count({"STATUS": "FAILURE", "RULE": "F3"}),
            )
        )
    rows += [
        ("Not yet evaluable at this cut-off, n (%)", v.count({"STATUS": "NOT EVALUABLE YET"})),
        (
            f"Stage 1 (first {design.n1} patients): successes / failures / not yet evaluable",
            " / ".join(
                fmt_int(v("n", {"STAGE": "1", "STATUS": s}))
                for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET")
            ),
        ),
    ]
    rows.append(("Design-based inference (Simon two-stage, SAP 7.2)", ""))
    if status.available:
        level = pct_label(v("conf_level", design_group))
        rows += [
            (
                "  Successes / patients analysed",
                f"{fmt_int(v('n', design_group))} / {fmt_int(v('N', design_group))}",
            ),
            ("  UMVUE (Jung & Kim 2004), %", fmt_number(100 * v("umvue", design_group), 1)),
            (
                f"  Exact {level} CI, stage-wise ordering (Koyama & Chen 2008), %",
                f"({fmt_number(100 * v('lcl', design_group), 1)}, "
                f"{fmt_number(100 * v('ucl', design_group), 1)})",
            ),
            (
                "  One-sided p-value, stage-wise ordering (H0: p <= "
                f"{fmt_number(100 * design.p0, 0)}%)",
                fmt_p(v("p_value", design_group), 4),
            ),
            (
                f"  Decision: reject H0 if successes > r = {fmt_int(v('boundary', design_group))}",
                "H0 rejected" if v("crossed", design_group) == 1 else "H0 not rejected",
            ),
        ]
        if status.stopped_early:
            rows.append(("  Trial stopped for futility after stage 1", "Yes"))
    else:
        rows.append(
            (
                "  UMVUE, exact CI, stage-wise p-value and decision",
                f"Not yet available at this cut-off ({status.reason})",
            )
        )
    rows.append(("Naive proportion among evaluable patients (ignores the design)", ""))
    naive = [
        {"METHOD": "NAIVE", "LEVEL": pct_label(x)}
        for x in sorted({1 - 2 * design.alpha, inf.conf_level})
    ]
    rows.append(
        (
            "  Successes / evaluable patients",
            f"{fmt_int(v('n', naive[0]))} / {fmt_int(v('N', naive[0]))}",
        )
    )
    rows += [(f"  % (Clopper-Pearson {group['LEVEL']} CI)", v.rate_ci(group)) for group in naive]
    rows.append(
        (
            f"Supportive: Kaplan-Meier EFS rate at {month_key(landmark)} months, % "
            f"({pct_label(inf.conf_level)} CI)",
            v.rate_ci(km_group),
        )
    )
    footnotes = (
        f"Success = alive and event-free at {month_key(landmark)} months with adequate follow-up "
        "(SAP 3.1 rules S1/S2); leaving follow-up event-free before "
        f"{month_key(landmark)} months is a failure (F2).",
        (
            "Final analysis (SAP 3.1, 10.3): a patient still not evaluable after the "
            f"{month_key(landmark)}-month date (N2) is counted as a failure (F3); Table 14.2.4 "
            "shows the analysis excluding these patients."
            if ad.analysis_type == "final"
            else "Interim analysis: patients not yet evaluable are not counted; at the final "
            f"analysis those still not evaluable after the {month_key(landmark)}-month date are "
            "failures (SAP 3.1)."
        ),
        f"Simon optimal two-stage design: stop after {design.n1} if <= {design.r1} successes; "
        f"reject H0 (p <= {design.p0:g}) if > {design.r} successes among {design.n} (SAP 5.2).",
        "Design-based inference (SAP 7.2) is computed only when the trial's outcome is complete: "
        "all patients of the primary analysis evaluable (final analysis, SAP 10.3), or stage 1 "
        "complete with a futility stop. Before then it is not shown.",
        "Naive Clopper-Pearson intervals ignore the two-stage design and are shown for "
        "transparency only; at an interim cut-off they use evaluable patients only and are "
        "biased towards failures, which are determined earlier than successes.",
        f"Exact CI level = 1 - 2 x alpha = {pct_label(1 - 2 * design.alpha)}, consistent with the "
        f"one-sided test at alpha = {design.alpha:g}.",
    )
    tlf = TLF(
        kind="Table",
        number="14.2.1",
        title=(
            f"Primary endpoint: {ad.sap.primary_endpoint.landmark_label} EFS rate with "
            "design-based inference"
        ),
        analysis_set=set_line(("FAS", len(fas(ad)))),
        footnotes=footnotes,
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", "FAS"]),
    )
    return TLFOutput(tlf, ard)


# --- Table 14.2.4 primary sensitivity ---


def primary_sensitivity_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.4: primary endpoint in the PPS, and in the FAS excluding the not-yet-evaluable
    patients (naive Clopper-Pearson only; SAP 7.5)."""
    aid, tlf_label = "EFF-PRIM-03", "Table 14.2.4"
    level = ad.sap.inference.conf_level
    b = ARDBuilder(aid, tlf_label, "PPS")
    population = primary_status(fas(ad), ad.sap.design).population
    per_protocol = population.loc[in_population(population, "PPS")]
    # The supportive analysis of SAP 3.1 excludes the patients the final analysis counts as
    # failures only because they are not evaluable (F3): here they are not evaluable.
    supportive = population.assign(PRIMSTAT=supportive_primary_status(population))
    sets = (("PPS", per_protocol), ("FAS", supportive))
    for name, frame in sets:
        keys = {"parameter": "PRIMARY", "analysis_set": name}
        n = len(frame)
        for s in ("SUCCESS", "FAILURE", "NOT EVALUABLE YET"):
            add_count(b, int((frame["PRIMSTAT"] == s).sum()), n, group={"STATUS": s}, **keys)
        x = int((frame["PRIMSTAT"] == "SUCCESS").sum())
        m = int(frame["PRIMSTAT"].isin(["SUCCESS", "FAILURE"]).sum())
        add_rate(b, x, m, level, "clopper-pearson", group={"METHOD": "NAIVE"}, **keys)
    ard = b.build()

    cols: list[list[str]] = []
    for name, _ in sets:
        v = Values(ard, aid, "PRIMARY", name)
        group = {"METHOD": "NAIVE"}
        cols.append(
            [
                fmt_int(v("N", {"STATUS": "SUCCESS"})),
                v.count({"STATUS": "SUCCESS"}),
                v.count({"STATUS": "FAILURE"}),
                v.count({"STATUS": "NOT EVALUABLE YET"}),
                fmt_int(v("N", group)),
                v.rate_ci(group),
            ]
        )
    labels = [
        "Patients, N",
        "Success, n (%)",
        "Failure, n (%)",
        "Not yet evaluable, n (%)",
        "Evaluable patients, n",
        f"Success rate among evaluable, % (Clopper-Pearson {pct_label(level)} CI)",
    ]
    rows = [(label, *(c[i] for c in cols)) for i, label in enumerate(labels)]
    n_pps, n_fas = len(per_protocol), len(population)
    analysis_set = set_line(("PPS", n_pps), ("FAS", n_fas))
    if n_fas < len(fas(ad)):
        # More enrolled than planned: both sets are cut to the first n (SAP 5.6), and say so, so
        # that no table states a FAS or PPS N other than the set's own.
        first = f", first {ad.sap.design.n} FAS patients by enrollment"
        analysis_set = (
            f"Per-protocol set{first} (N = {n_pps}); Full analysis set{first} (N = {n_fas})"
        )
    tlf = TLF(
        kind="Table",
        number="14.2.4",
        analysis_set=analysis_set,
        footnotes=(
            "PPS: the per-protocol set, with the naive Clopper-Pearson CI; the design-based "
            "inference of SAP 7.2 applies to the FAS only (SAP 7.5).",
            "FAS excluding not-yet-evaluable patients: supportive analysis of SAP 3.1 and 7.5; "
            "identical to the primary counts when no patient is not yet evaluable. At the final "
            "analysis, patients counted as failures only because they are not evaluable (SAP 3.1 "
            "F3) are shown here as not evaluable.",
            f"Patients: the first {ad.sap.design.n} FAS patients by enrollment (SAP 5.6).",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(
            rows,
            ["Statistic", f"PPS (N = {n_pps})", f"FAS excluding not yet evaluable (N = {n_fas})"],
        ),
    )
    return TLFOutput(tlf, ard)
