"""Tables 14.2.7 (Huvos grade) and 14.2.8 (R0 resection), SAP 3.4."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.endpoint_status import surgery_pending
from osteo_stats.sap import SAP
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    HUVOS_LEVELS,
    Values,
    add_count,
    add_rate,
    ci_method_name,
    fas,
    fmt_int,
    pct_label,
    set_line,
    table_body,
    tlf_source,
)
from osteo_stats.tlf.model import TLF, TLFOutput


def _huvos_note(sap: SAP) -> str:
    """The Huvos grade footnote, from ``pathology.huvos_grade_lower_bounds`` (SAP 3.4)."""
    b = sap.pathology.huvos_grade_lower_bounds
    top = f"IV {b['IV']:g}%" if b["IV"] == 100 else f"IV >= {b['IV']:g}%"
    return (
        "Huvos grade from percent necrosis of the resected nodules: "
        f"I < {b['II']:g}%, II {b['II']:g} to < {b['III']:g}%, "
        f"III {b['III']:g} to < {b['IV']:g}%, {top} (SAP 3.4)."
    )


# --- Tables 14.2.7 and 14.2.8 pathology and R0 ---


def _surgery_sets(ad: AnalysisData) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The FAS denominator (``PATHDENFL``), the operated patients, and the count of patients
    not yet evaluable, surgery pending at an interim cut-off (rule P3; SAP 3.4)."""
    frame = fas(ad)
    return (
        frame.loc[frame["PATHDENFL"] == "Y"],
        frame.loc[frame["OPERFL"] == "Y"],
        int(surgery_pending(frame, final=False).sum()),
    )


def pathology_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.7: Huvos grade, good (III-IV) and complete (IV) response (SAP 3.4)."""
    aid, tlf_label = "EFF-PATH-01", "Table 14.2.7"
    inf, path = ad.sap.inference, ad.sap.pathology
    base, operated, n_pending = _surgery_sets(ad)
    sets = (("FAS", base), ("FAS-OPERATED", operated))
    final = ad.analysis_type == "final"
    b = ARDBuilder(aid, tlf_label, "FAS")
    if not final:
        b.add("n", n_pending, parameter="HUVOS", group={"ROW": "SURGERY PENDING"})
    for name, frame in sets:
        keys = {"analysis_set": name}
        n = len(frame)
        for grade in HUVOS_LEVELS:
            add_count(
                b,
                int((frame["HUVOS"] == grade).sum()),
                n,
                parameter="HUVOS",
                group={"HUVOS": grade},
                **keys,
            )
        missing = int(((frame["OPERFL"] == "Y") & frame["HUVOS"].isna()).sum())
        add_count(b, missing, n, parameter="HUVOS", group={"HUVOS": "MISSING"}, **keys)
        if name == "FAS":
            add_count(
                b,
                int((frame["PATHRULE"] == "P2").sum()),
                n,
                parameter="HUVOS",
                group={"HUVOS": "NOT OPERATED"},
                **keys,
            )
            if final:
                add_count(
                    b,
                    int(surgery_pending(frame, final=True).sum()),
                    n,
                    parameter="HUVOS",
                    group={"HUVOS": "SURGERY PENDING"},
                    **keys,
                )
        for param, flag in (("GOODRESP", "GOODRESP"), ("COMPRESP", "COMPRESP")):
            add_rate(
                b,
                int((frame[flag] == "Y").sum()),
                n,
                inf.conf_level,
                inf.proportion_ci,
                parameter=param,
                **keys,
            )
    ard = b.build()

    level = pct_label(inf.conf_level)
    values = {name: Values(ard, aid, "HUVOS", name) for name, _ in sets}
    rows: list[tuple[str, ...]] = [("Huvos grade, n (%)", "", "")]
    bounds = path.huvos_grade_lower_bounds
    for i, grade in enumerate(HUVOS_LEVELS):
        rows.append(
            (
                f"  {_huvos_label(bounds, i)}",
                *(values[n_].count({"HUVOS": grade}) for n_, _ in sets),
            )
        )
    rows.append(
        (
            "  Operated, necrosis missing",
            *(values[n_].count({"HUVOS": "MISSING"}) for n_, _ in sets),
        )
    )
    rows.append(("  Not operated", values["FAS"].count({"HUVOS": "NOT OPERATED"}), ""))
    n_final = values["FAS"]("n", {"HUVOS": "SURGERY PENDING"}) if final else 0.0
    if n_final > 0:
        rows.append(
            (
                "  Surgery still pending at the final analysis (non-responder)",
                values["FAS"].count({"HUVOS": "SURGERY PENDING"}),
                "",
            )
        )
    for param, label in (
        ("GOODRESP", f"Good response (grade {path.good_grades_label})"),
        ("COMPRESP", f"Complete response (grade {'-'.join(path.complete_response_grades)})"),
    ):
        vs = [values[name].at(parameter=param) for name, _ in sets]
        rows.append((f"{label}, n (%)", *(v.count() for v in vs)))
        rows.append(
            (f"  % ({level} CI, {ci_method_name(inf.proportion_ci)})", *(v.rate_ci() for v in vs))
        )
    if not final and values["FAS"]("n", {"ROW": "SURGERY PENDING"}) > 0:
        rows.append(
            (
                "Surgery pending at the cut-off (not in the denominator), n",
                fmt_int(values["FAS"]("n", {"ROW": "SURGERY PENDING"})),
                "",
            )
        )
    n_fas, n_op = len(base) + n_pending, len(operated)
    tlf = TLF(
        kind="Table",
        number="14.2.7",
        analysis_set=set_line(("FAS", n_fas), ("FAS-OPERATED", n_op)),
        footnotes=(
            _huvos_note(ad.sap),
            (
                "FAS column: patients not operated are non-responders; patients whose surgery "
                f"is still pending at the final analysis ({fmt_int(n_final)}) are counted as "
                "non-responders (SAP 3.4, 10.3). Operated = SURGOUT R0, R1 or R2."
                if final
                else "FAS column: patients not operated are non-responders; patients with "
                "surgery pending at the cut-off are excluded from the denominator. Operated = "
                "SURGOUT R0, R1 or R2."
            ),
            f"{ci_method_name(inf.proportion_ci)} {level} CI (SAP 7.1).",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"Operated (N = {n_op})"]),
    )
    return TLFOutput(tlf, ard)


def _huvos_label(bounds: Mapping[str, float], i: int) -> str:
    """``Grade II (50 to < 90% necrosis)`` from the SAP's lower bounds."""
    grade, low = HUVOS_LEVELS[i], bounds[HUVOS_LEVELS[i]]
    if i + 1 == len(HUVOS_LEVELS):
        return f"Grade {grade} ({low:g}% necrosis)"
    high = bounds[HUVOS_LEVELS[i + 1]]
    if low <= 0:
        return f"Grade {grade} (< {high:g}% necrosis)"
    return f"Grade {grade} ({low:g} to < {high:g}% necrosis)"


def r0_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.8: R0 resection rate among the FAS and among operated patients (SAP 3.4)."""
    aid, tlf_label = "EFF-R0-01", "Table 14.2.8"
    inf = ad.sap.inference
    base, operated, n_pending = _surgery_sets(ad)
    sets = (("FAS", base), ("FAS-OPERATED", operated))
    outcomes = ("R0", "R1", "R2", "NOT DONE")
    final = ad.analysis_type == "final"
    b = ARDBuilder(aid, tlf_label, "FAS")
    if not final:
        b.add("n", n_pending, parameter="SURGOUT", group={"SURGOUT": "PENDING"})
    for name, frame in sets:
        for outcome in outcomes if name == "FAS" else outcomes[:3]:
            add_count(
                b,
                int((frame["SURGOUT"] == outcome).sum()),
                len(frame),
                parameter="SURGOUT",
                group={"SURGOUT": outcome},
                analysis_set=name,
            )
        if final and name == "FAS":
            # In the FAS denominator at the final analysis: one more outcome, "not R0".
            add_count(
                b,
                int(surgery_pending(frame, final=True).sum()),
                len(frame),
                parameter="SURGOUT",
                group={"SURGOUT": "PENDING"},
                analysis_set=name,
            )
        add_rate(
            b,
            int((frame["R0FL"] == "Y").sum()),
            len(frame),
            inf.conf_level,
            inf.proportion_ci,
            parameter="R0",
            analysis_set=name,
        )
    ard = b.build()

    level = pct_label(inf.conf_level)
    v_fas, v_op = (Values(ard, aid, "SURGOUT", name) for name, _ in sets)
    rows: list[tuple[str, ...]] = [("Surgical outcome, n (%)", "", "")]
    for outcome, label in (
        ("R0", "R0"),
        ("R1", "R1"),
        ("R2", "R2"),
        ("NOT DONE", "Surgery not done"),
    ):
        rows.append(
            (
                f"  {label}",
                v_fas.count({"SURGOUT": outcome}),
                v_op.count({"SURGOUT": outcome}) if outcome != "NOT DONE" else "",
            )
        )
    pending = v_fas("n", {"SURGOUT": "PENDING"})
    if final and pending > 0:
        rows.append(
            (
                "  Surgery still pending at the final analysis (not R0)",
                v_fas.count({"SURGOUT": "PENDING"}),
                "",
            )
        )
    r0 = [v.at(parameter="R0") for v in (v_fas, v_op)]
    rows.append(("R0 resection, n (%)", *(v.count() for v in r0)))
    rows.append(
        (f"  % ({level} CI, {ci_method_name(inf.proportion_ci)})", *(v.rate_ci() for v in r0))
    )
    if not final and pending > 0:
        rows.append(
            ("Surgery pending at the cut-off (not in the denominator), n", fmt_int(pending), "")
        )
    n_fas, n_op = len(base) + n_pending, len(operated)
    tlf = TLF(
        kind="Table",
        number="14.2.8",
        analysis_set=set_line(("FAS", n_fas), ("FAS-OPERATED", n_op)),
        footnotes=(
            (
                "R0 = SURGOUT R0 (complete resection); patients whose surgery is still pending "
                f"at the final analysis ({fmt_int(pending)}) are counted as not R0 in the FAS "
                "denominator (SAP 3.4, 10.3). Operated = SURGOUT R0, R1 or R2."
                if final
                else "R0 = SURGOUT R0 (complete resection); FAS denominator excludes patients "
                "with surgery pending at the cut-off (SAP 3.4). Operated = SURGOUT R0, R1 or R2."
            ),
            f"{ci_method_name(inf.proportion_ci)} {level} CI (SAP 7.1).",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(rows, ["Statistic", f"FAS (N = {n_fas})", f"Operated (N = {n_op})"]),
    )
    return TLFOutput(tlf, ard)
