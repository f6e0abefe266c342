"""Tables 14.2.5 (best overall response) and 14.2.6 (ORR, DCR), SAP 3.3, 7.1."""

from __future__ import annotations

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.endpoint_status import bor_pending
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    BOR_LABELS,
    BOR_LEVELS,
    Values,
    add_count,
    add_rate,
    ci_method_name,
    fas,
    fmt_int,
    pct_label,
    pps,
    set_line,
    table_body,
    tlf_source,
)
from osteo_stats.tlf.model import TLF, TLFOutput

# --- Tables 14.2.5 and 14.2.6 response ---


def bor_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.5: best overall response in the pre-operative window (SAP 3.3)."""
    aid, tlf_label = "EFF-BOR-01", "Table 14.2.5"
    frame = fas(ad)
    pending = bor_pending(frame)
    evaluable = frame.loc[~pending]
    n = len(evaluable)
    b = ARDBuilder(aid, tlf_label, "FAS")
    b.add("N", len(frame), parameter="BOR")
    for level in BOR_LEVELS:
        add_count(
            b, int((evaluable["BOR"] == level).sum()), n, parameter="BOR", group={"BOR": level}
        )
    b.add("n", int(pending.sum()), parameter="BOR", group={"BOR": "NOT YET EVALUABLE"})
    ard = b.build()

    v = Values(ard, aid, "BOR", "FAS")
    rows = [(BOR_LABELS[level], v.count({"BOR": level})) for level in BOR_LEVELS]
    n_pending = v("n", {"BOR": "NOT YET EVALUABLE"})
    if n_pending > 0:
        rows.append(
            ("Not yet evaluable at this cut-off (not in the denominator), n", fmt_int(n_pending))
        )
    tlf = TLF(
        kind="Table",
        number="14.2.5",
        analysis_set=set_line(("FAS", len(frame))),
        footnotes=(
            "Investigator-assessed RECIST 1.1 over the pre-operative window (enrollment to "
            "surgery; without surgery to new therapy or "
            f"{ad.sap.response.window_without_surgery_weeks:g} weeks), SAP 3.3.",
            "Confirmation of CR/PR not required (SAP setting response.confirmation_required = "
            f"{str(ad.sap.response.confirmation_required).lower()}); SD needs >= "
            f"{ad.sap.response.sd_min_days} days from enrollment, otherwise NE.",
            "Percentages: FAS patients with a closed pre-operative window; patients whose window "
            f"is still open at the cut-off are not yet evaluable ({fmt_int(n_pending)}).",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Best overall response", f"FAS (N = {len(frame)}), n (%)"]),
    )
    return TLFOutput(tlf, ard)


def orr_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.6: ORR and DCR with exact CIs, FAS and PPS (SAP 3.3, 7.1).

    No hypothesis test: the SAP states a hypothesis (p0) for the primary endpoint only, and SAP
    7.1 tests against p0 only "where a hypothesis exists".
    """
    aid, tlf_label = "EFF-ORR-01", "Table 14.2.6"
    inf = ad.sap.inference
    b = ARDBuilder(aid, tlf_label, "FAS")
    sets = (("FAS", fas(ad)), ("PPS", pps(ad)))
    for name, frame in sets:
        pending = bor_pending(frame)
        evaluable = frame.loc[~pending]
        b.add("N", len(frame), parameter="ORR", analysis_set=name, group={"ROW": "ANALYSIS SET"})
        b.add(
            "n",
            int(pending.sum()),
            parameter="ORR",
            analysis_set=name,
            group={"ROW": "NOT YET EVALUABLE"},
        )
        for param, flag in (("ORR", "ORRFL"), ("DCR", "DCRFL")):
            x = int((evaluable[flag] == "Y").sum())
            add_rate(
                b,
                x,
                len(evaluable),
                inf.conf_level,
                inf.proportion_ci,
                parameter=param,
                analysis_set=name,
            )
    ard = b.build()

    level = pct_label(inf.conf_level)
    method = ci_method_name(inf.proportion_ci)
    rows: list[tuple[str, ...]] = []
    for param, label in (
        ("ORR", "Objective response (CR + PR)"),
        ("DCR", "Disease control (CR + PR + SD)"),
    ):
        cells_n, cells_ci = [], []
        for name, _ in sets:
            v = Values(ard, aid, param, name)
            cells_n.append(v.count())
            cells_ci.append(v.rate_ci())
        rows.append((f"{label}, n (%)", *cells_n))
        rows.append((f"  % ({level} CI, {method})", *cells_ci))
    pending_cells = [
        fmt_int(Values(ard, aid, "ORR", name)("n", {"ROW": "NOT YET EVALUABLE"}))
        for name, _ in sets
    ]
    if any(c != "0" for c in pending_cells):
        rows.append(("Not yet evaluable (not in the denominator), n", *pending_cells))
    n_fas, n_pps = (
        int(Values(ard, aid, "ORR", name)("N", {"ROW": "ANALYSIS SET"})) for name, _ in sets
    )
    tlf = TLF(
        kind="Table",
        number="14.2.6",
        analysis_set=set_line(("FAS", n_fas), ("PPS", n_pps)),
        footnotes=(
            "ORR = CR + PR; DCR = CR + PR + SD; best overall response over the pre-operative "
            "window (SAP 3.3). NE and missing count as non-responders.",
            f"{method} {level} CI (SAP 7.1). No hypothesis test: the SAP states a null "
            "hypothesis for the primary endpoint only (SAP 5.1, 7.1).",
            "Denominator: patients of the analysis set whose pre-operative window has closed.",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"PPS (N = {n_pps})"]),
    )
    return TLFOutput(tlf, ard)
