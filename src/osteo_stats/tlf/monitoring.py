"""DMC monitoring: the toxicity stopping boundary (SAP 9.4) and the stage-1 futility status
(SAP 5.5, 10.1).

Table 14.3.5 and Figure 14.3.1 (TOX-BDRY-01); Table 14.2.3 (EFF-PRIM-02).

The patient counts come from :mod:`osteo_stats.derive.monitoring` (x_k per look, the stage-1
counts) and the decisions from :mod:`osteo_stats.analyse.toxicity` (boundary, last look) and
:mod:`osteo_stats.analyse.two_stage` (stage-1 status). They go into the ARD; every table cell,
the plotted points and the status sentences are then read back from the ARD rows. The drawing
is in :mod:`osteo_stats.tlf.plots.monitoring`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from osteo_stats.analyse.toxicity import (
    ToxicityBoundary,
    last_reachable_look,
    look_crossings,
    toxicity_boundary,
)
from osteo_stats.analyse.two_stage import (
    STAGE1_CONTINUE,
    STAGE1_PENDING,
    STAGE1_STOP,
    stage1_decision,
)
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.monitoring import (
    evaluable_in_order,
    observed_toxicity_counts,
    stage1_counts,
)
from osteo_stats.tlf.ard import ARD, ARDBuilder, ARDView
from osteo_stats.tlf.changes import LOOK, new_note, with_new_column, with_new_counts
from osteo_stats.tlf.format import fmt_number
from osteo_stats.tlf.model import TLF, TLFOutput, source_line
from osteo_stats.tlf.plots.monitoring import draw_toxicity_boundary

__all__ = ["boundary_sentence", "build_monitoring_tlfs"]

_MODULE = "tlf.monitoring"
_TOX_ID = "TOX-BDRY-01"
_STAGE1_ID = "EFF-PRIM-02"
Group = Mapping[str, object] | None


def _int(value: float) -> int:
    return int(value)


def _sap_boundary(ad: AnalysisData) -> ToxicityBoundary:
    tm = ad.sap.toxicity_monitoring
    return toxicity_boundary(
        tm.p_acceptable, tm.p_unacceptable, tm.looks, alpha=tm.type1, power=tm.power, shape=tm.shape
    )


def boundary_sentence(
    looks: Sequence[int],
    boundary: Sequence[int],
    observed: Sequence[float],
    reached: Sequence[bool],
    n_evaluable: int,
    observed_so_far: int,
    last_look: int | None = None,
) -> str:
    """The plain-language status for the DMC (SAP 9.4): has the boundary been crossed?

    Stop (refer to the DMC) at look k when x_k > b_k. The current look is the last look
    reached. The sentence also names any earlier crossing and a crossing that is already
    certain at a look not yet reached (the count among evaluable patients exceeds its b_k).
    """
    reached_idx = [i for i, r in enumerate(reached) if r]
    crossed_before = [i for i in reached_idx if observed[i] > boundary[i]]
    # ``last_look`` (1-based; default the last planned look): looks after it cannot be reached.
    last = len(looks) if last_look is None else last_look
    certain = [
        i for i, r in enumerate(reached) if not r and i < last and observed_so_far > boundary[i]
    ]
    if not reached_idx:
        text = (
            f"No toxicity look has been reached yet: {n_evaluable} patient(s) evaluable, the "
            f"first look is at {looks[0]}; {observed_so_far} evaluable patient(s) with an "
            "unacceptable toxicity so far."
        )
    else:
        k = reached_idx[-1]
        x, b = int(observed[k]), int(boundary[k])
        verdict = (
            "the boundary HAS BEEN CROSSED: refer to the DMC (SAP 9.4)"
            if x > b
            else "the boundary has not been crossed"
        )
        text = (
            f"At the current look (look {k + 1}, {looks[k]} evaluable patients), {x} patient(s) "
            f"had an unacceptable toxicity against a boundary of {b} (stop if more than {b}): "
            f"{verdict}."
        )
        earlier = [i for i in crossed_before if i != k]
        if earlier:
            text += (
                " The boundary was also exceeded at look(s) "
                + ", ".join(str(i + 1) for i in earlier)
                + "."
            )
        if k + 1 == last:
            text += " This is the last look (SAP 9.4)."
    if certain:
        i = certain[0]
        text += (
            f" With {observed_so_far} patient(s) with an unacceptable toxicity among the "
            f"{n_evaluable} evaluable, crossing at look {i + 1} ({looks[i]} patients, boundary "
            f"{int(boundary[i])}) is already certain."
        )
    return text


def _toxicity_table(ad: AnalysisData) -> list[TLFOutput]:
    tm = ad.sap.toxicity_monitoring
    bdry = _sap_boundary(ad)
    adsl = ad.adsl
    saf = ad.population("SAF")
    obs = observed_toxicity_counts(adsl, bdry.looks)
    n_eval = int((saf["EVALFL"].eq("Y")).sum())
    complete = len(ad.population("FAS")) >= ad.sap.study.planned_enrollment
    last = last_reachable_look(bdry.looks, len(saf), complete)
    reachable_looks = 0 if last is None else last

    b = ARDBuilder(_TOX_ID, "Table 14.3.5", "SAF")
    p = "UTOX"
    b.add("N", len(saf), parameter=p)
    b.add("n", n_eval, parameter=p, group={"STATUS": "EVALUABLE"})
    b.add("n", int(obs["observed_so_far"].iloc[0]), parameter=p,
          group={"STATUS": "EVALUABLE WITH UNACCEPTABLE TOXICITY"})  # fmt: skip
    b.add("n", int(saf["UTOXFL"].eq("Y").sum()), parameter=p,
          group={"STATUS": "UNACCEPTABLE TOXICITY"})  # fmt: skip
    crossings = look_crossings(
        bdry.table["max_acceptable"].tolist(),
        obs["observed"].tolist(),
        obs["reached"].tolist(),
        int(obs["observed_so_far"].iloc[0]),
        last,
    )
    for row, look, crossed in zip(
        bdry.table.itertuples(), obs.itertuples(), crossings, strict=True
    ):
        g = {"LOOK": int(row.look)}
        b.add("N", int(row.n), parameter=p, group=g)
        b.add("boundary", int(row.max_acceptable), parameter=p, group=g)
        # The count that stops the trial, b_k + 1 (none when above n_k): shown, so in the ARD.
        stop = int(row.max_acceptable) + 1
        b.add("boundary", stop if stop <= int(row.n) else None, parameter="STOP AT", group=g)
        b.add("est", float(row.nominal_level), parameter="NOMINAL LEVEL", group=g)
        b.add("reached", bool(look.reached), parameter=p, group=g)
        b.add("observed", look.observed, parameter=p, group=g)
        b.add("crossed", crossed, parameter=p, group=g)
    if last is not None:
        b.add("N", bdry.looks[last - 1], parameter="LAST LOOK", group={"LOOK": last})
    p_acc, p_unacc = f"{tm.p_acceptable:.2f}", f"{tm.p_unacceptable:.2f}"
    b.add("alpha_attained", bdry.alpha_attained, parameter="BOUNDARY", group={"P": p_acc})
    b.add("power", bdry.power_attained, parameter="BOUNDARY", group={"P": p_unacc})
    grid = [f"{rate:.2f}" for rate in bdry.operating_characteristics["p"]]
    for rate, oc in zip(grid, bdry.operating_characteristics.itertuples(), strict=True):
        g = {"P": rate}
        b.add("est", oc.p_cross, parameter="P CROSS", group=g)
        b.add("pet", oc.p_stop_early, parameter="OC", group=g)
        b.add("en", oc.expected_n, parameter="OC", group=g)
    ard = b.build()

    v = ARDView(ard, _TOX_ID)
    looks = list(bdry.looks)
    rows, boundary, observed, reached = [], [], [], []
    for k in range(1, len(looks) + 1):
        g = {"LOOK": k}
        n_k, b_k = _int(v.get(p, "N", g)), _int(v.get(p, "boundary", g))
        x_k, r_k = v.get(p, "observed", g), bool(v.get(p, "reached", g))
        c_k = v.get(p, "crossed", g)
        boundary.append(b_k)
        observed.append(x_k)
        reached.append(r_k)
        if r_k:
            crossed_text = "Yes" if c_k == 1 else "No"
        elif k > reachable_looks:
            crossed_text = "Cannot be reached"
        else:
            crossed_text = "Yes (certain)" if c_k == 1 else "Not reached"
        rows.append(
            [
                str(k),
                str(n_k),
                str(b_k),
                fmt_number(v.get("STOP AT", "boundary", g), 0, missing="cannot stop"),
                fmt_number(v.get("NOMINAL LEVEL", "est", g), 4),
                "Yes" if r_k else "No",
                fmt_number(x_k, 0, missing="-"),
                crossed_text,
            ]
        )
    sentence = boundary_sentence(
        looks,
        boundary,
        observed,
        reached,
        _int(v.get(p, "n", {"STATUS": "EVALUABLE"})),
        _int(v.get(p, "n", {"STATUS": "EVALUABLE WITH UNACCEPTABLE TOXICITY"})),
        reachable_looks,
    )
    oc_rows = []
    for rate in grid:
        g = {"P": rate}
        oc_rows.append(
            [
                f"True rate {rate}",
                *([""] * 4),
                f"P(cross) {fmt_number(v.get('P CROSS', 'est', g), 4)}",
                f"P(stop early) {fmt_number(v.get('OC', 'pet', g), 4)}",
                f"E(N) {fmt_number(v.get('OC', 'en', g), 1)}",
            ]
        )
    columns = ["Look", "Evaluable patients (n_k)", "Boundary b_k (max acceptable)",
               "Stop at", "Nominal level", "Reached", "Observed x_k", "Crossed"]  # fmt: skip
    body = pd.DataFrame(
        [*rows, ["Operating characteristics", *([""] * 7)], *oc_rows],
        columns=columns,
        dtype=object,
    )
    # SAP 10.4: the looks first reached since the previous DMC cut-off; blank on the OC rows.
    reached_since = pd.Series("", index=body.index, dtype=object)
    reached_since.iloc[: len(looks)] = [
        "Y" if k in ad.new_looks else "N" for k in range(1, len(looks) + 1)
    ]
    body = with_new_column(body, ad, reached_since)
    alpha = v.get("BOUNDARY", "alpha_attained", {"P": p_acc})
    power = v.get("BOUNDARY", "power", {"P": p_unacc})
    notes = [
        sentence,
        f"Boundary by repeated significance testing (SAP 9.4; R clinfun::toxbdry conventions): "
        f"H0 rate {tm.p_acceptable}, unacceptable rate {tm.p_unacceptable}, shape "
        f"{tm.shape} ({'Pocock' if tm.shape == 0 else 'O-Brien-Fleming-like'}); exact "
        f"P(cross) = {fmt_number(alpha, 4)} at {tm.p_acceptable} (target <= {tm.type1}) and "
        f"{fmt_number(power, 4)} at {tm.p_unacceptable} (target >= {tm.power}).",
        "Stop (refer to the DMC) when x_k > b_k. x_k: patients with an unacceptable toxicity "
        "(by the cut-off) among the first n_k evaluable SAF patients ordered by EVALDT, then "
        "ENRLDT, then USUBJID. Crossed 'Yes (certain)': the count among all evaluable patients "
        "already exceeds b_k at a look not yet reached.",
        "Operating characteristics: exact crossing probability, probability of stopping before "
        "the last look and expected number of patients, on the toxbdry grid.",
    ]
    n_saf = _int(v.get(p, "N"))
    if reachable_looks < len(looks):
        cannot = (
            f"Enrollment is complete with {n_saf} patients in the safety set: the look at "
            f"{looks[-1]} evaluable patients cannot be reached."
        )
        if last is None:
            notes.append(f"{cannot} No look can be reached (the first is at {looks[0]}).")
        else:
            g = {"LOOK": last}
            n_last = _int(v.get("LAST LOOK", "N", g))
            status = "has been reached" if v.get(p, "reached", g) == 1 else "is not reached yet"
            notes.append(
                f"{cannot} The last look is look {last}, at {n_last} evaluable patients "
                f"(boundary {_int(v.get(p, 'boundary', g))}); it {status}."
            )
    notes.extend(new_note(ad, "look first reached"))
    if power < tm.power:
        notes.append(
            f"The crossing probability at {tm.p_unacceptable} is below the target {tm.power}."
        )
    table = TLF(
        kind="Table",
        number="14.3.5",
        analysis_set=f"Safety analysis set (N = {_int(v.get(p, 'N'))})",
        footnotes=tuple(notes),
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, (_TOX_ID,)),
        analysis_ids=(_TOX_ID,),
        body=body,
        landscape=True,
    )
    new = with_new_counts(TLFOutput(table, ard), ad, {LOOK: len(ad.new_looks)}, "SAF")
    return [new, _toxicity_figure(ad, ard, len(looks), sentence)]


def _toxicity_figure(ad: AnalysisData, table_ard: ARD, n_looks: int, sentence: str) -> TLFOutput:
    """Figure 14.3.1: b_k against n_k (step) with the observed cumulative count.

    The boundary and x_k come from the table's ARD rows; the figure's own ARD rows are the
    cumulative count after each evaluable patient (group ``EVALUABLE=i``), which the table does
    not hold.
    """
    cumulative = evaluable_in_order(ad.adsl)["UTOXFL"].eq("Y").cumsum().to_numpy()
    b = ARDBuilder(_TOX_ID, "Figure 14.3.1", "SAF")
    for i, count in enumerate(cumulative, start=1):
        b.add("observed", int(count), parameter="UTOX CUMULATIVE", group={"EVALUABLE": i})
    ard = b.build()

    t = ARDView(table_ard, _TOX_ID)
    f = ARDView(ard, _TOX_ID)
    looks = range(1, n_looks + 1)
    n_k = [_int(t.get("UTOX", "N", {"LOOK": k})) for k in looks]
    b_k = [_int(t.get("UTOX", "boundary", {"LOOK": k})) for k in looks]
    x_k = [t.get("UTOX", "observed", {"LOOK": k}) for k in looks]
    steps = [
        _int(f.get("UTOX CUMULATIVE", "observed", {"EVALUABLE": i}))
        for i in range(1, len(cumulative) + 1)
    ]
    svg = draw_toxicity_boundary(n_k, b_k, x_k, steps)
    tlf = TLF(
        kind="Figure",
        number="14.3.1",
        analysis_set=f"Safety analysis set (N = {_int(t.get('UTOX', 'N'))})",
        footnotes=(sentence, "Boundary and looks as in Table 14.3.5 (SAP 9.4)."),
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, (_TOX_ID,)),
        analysis_ids=(_TOX_ID,),
        svg=svg,
    )
    return TLFOutput(tlf, ard)


# --- stage-1 futility ------------------------------------------------------------------------


def _stage1_table(ad: AnalysisData) -> TLFOutput:
    design = ad.sap.design
    st = stage1_counts(ad.adsl, design.n1)
    decision = stage1_decision(st.successes, st.pending, design.r1)
    p = "PRIMARY"
    b = ARDBuilder(_STAGE1_ID, "Table 14.2.3", "FAS-STAGE1")
    b.add("N", st.n1, parameter=p)
    b.add("boundary", design.r1, parameter=p)
    for status, count in (
        ("ENROLLED", st.enrolled),
        ("EVALUABLE", st.evaluable),
        ("SUCCESS", st.successes),
        ("FAILURE", st.failures),
        ("PENDING", st.pending),
    ):
        b.add("n", count, parameter=p, group={"STATUS": status})
    # reached = the decision is determined; crossed = successes exceed r1 (continue).
    b.add("reached", decision != STAGE1_PENDING, parameter=p, group={"STATUS": "DECISION"})
    b.add("crossed", decision == STAGE1_CONTINUE, parameter=p, group={"STATUS": "DECISION"})
    ard = b.build()

    v = ARDView(ard, _STAGE1_ID)

    def n_of(status: str) -> int:
        return _int(v.get(p, "n", {"STATUS": status}))

    n1, r1 = _int(v.get(p, "N")), _int(v.get(p, "boundary"))
    determined = bool(v.get(p, "reached", {"STATUS": "DECISION"}))
    crossed = bool(v.get(p, "crossed", {"STATUS": "DECISION"}))
    pending = n_of("PENDING")
    recommendation = (
        (STAGE1_CONTINUE if crossed else STAGE1_STOP)
        if determined
        else f"{STAGE1_PENDING}: {pending} patients not yet evaluable"
    )
    rows = [
        ("Stage-1 patients planned (n1)", str(n1)),
        ("Enrolled by the cut-off", str(n_of("ENROLLED"))),
        ("Evaluable for the primary endpoint", str(n_of("EVALUABLE"))),
        ("  Successes", str(n_of("SUCCESS"))),
        ("  Failures", str(n_of("FAILURE"))),
        ("Not yet evaluable (including not yet enrolled)", str(pending)),
        (f"Futility boundary r1 (stop if successes <= {r1})", str(r1)),
        ("Recommendation", recommendation),
    ]
    sentence = (
        f"Of the first {n1} patients, {n_of('EVALUABLE')} are evaluable for the primary "
        f"endpoint at this cut-off, with {n_of('SUCCESS')} success(es) against r1 = {r1}: "
        f"{recommendation}."
    )
    notes = (
        sentence,
        f"Simon optimal two-stage design (SAP 5.2, 5.5): continue to stage 2 if more than {r1} "
        f"of the first {n1} FAS patients (by ENRLDT, then USUBJID) are successes; stop for "
        f"futility once at most {r1} successes are certain (failures >= {n1 - r1}). Evaluable: "
        "primary status other than NOT EVALUABLE YET (SAP 3.1).",
        "No other efficacy estimate is shown at interim (SAP 10.1).",
    )
    tlf = TLF(
        kind="Table",
        number="14.2.3",
        analysis_set=f"Full analysis set, stage 1 (N = {n1})",
        footnotes=notes,
        source=source_line(_MODULE, ad.cutoff, ad.sap.sap_version, (_STAGE1_ID,)),
        analysis_ids=(_STAGE1_ID,),
        body=pd.DataFrame(rows, columns=["Category", "Value"], dtype=object),
    )
    return TLFOutput(tlf, ard)


def build_monitoring_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Table 14.2.3 (stage-1 futility), Table 14.3.5 and Figure 14.3.1 (toxicity boundary).

    Parameters
    ----------
    ad
        The analysis data at one cut-off (ADSL with ``PRIMSTAT``, ``UTOXFL``, ``EVALFL``,
        ``EVALDT``).

    Returns
    -------
    list of TLFOutput
        Table 14.2.3, Table 14.3.5, Figure 14.3.1. The status sentences are the first
        footnote of each.
    """
    return [_stage1_table(ad), *_toxicity_table(ad)]
