"""Table 14.4.4: biomarkers and EFS, Cox model and log-rank test by marker group (SAP 7.6
point 5), with the Kaplan-Meier curves behind Figure 14.4.3."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from osteo_stats.analyse.survival import (
    CoxNotEstimable,
    KaplanMeierResult,
    cox_regression,
    kaplan_meier,
    logrank_test,
)
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.efficacy import compute_event_indicator
from osteo_stats.derive.surgery import operated
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.biomarkers.common import (
    CHANGE,
    COLUMN,
    EFS_ID,
    EXPLORATORY,
    MODULE,
    POST,
    PRE,
    TIMEPOINT_LABEL,
    TIMEPOINTS,
    Display,
    Family,
    add_adjusted,
    body_frame,
    confidence_level,
    count_of,
    pct_label,
    reader,
)
from osteo_stats.tlf.format import fmt_est_ci, fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line


def _time_event(ad: AnalysisData, paramcd: str) -> pd.DataFrame:
    """``USUBJID, TIME`` (AVALM) and ``EVENT`` (bool) of one ADTTE parameter, FAS patients."""
    fas = ad.population("FAS")[["USUBJID"]]
    tte = ad.adtte.loc[ad.adtte["PARAMCD"].eq(paramcd)].merge(fas, on="USUBJID", how="inner")
    return pd.DataFrame(
        {
            "USUBJID": tte["USUBJID"].to_numpy(),
            "TIME": tte["AVALM"].to_numpy(float),
            "EVENT": compute_event_indicator(tte["CNSR"]),
        }
    )


def _covariate(values: pd.DataFrame, atpt: str, log_transform: bool) -> np.ndarray:
    if not log_transform:
        return values[COLUMN[atpt]].to_numpy(dtype=float)
    if atpt == CHANGE:  # log2 fold change of (value + 1)
        return np.log2(values["POST"].to_numpy(float) + 1) - np.log2(
            values["PRE"].to_numpy(float) + 1
        )
    return np.log2(values[COLUMN[atpt]].to_numpy(dtype=float) + 1)


def _scale_label(atpt: str, log_transform: bool) -> str:
    if not log_transform:
        return "per unit"
    return "per doubling of (post+1)/(pre+1)" if atpt == CHANGE else "per doubling of (x+1)"


def _fit_cox(frame: pd.DataFrame, conf: float) -> pd.Series | None:
    """The marker term of a one-covariate Cox model; ``None`` when it is not estimable.

    A model that does not converge (e.g. monotone likelihood when the marker separates events
    from non-events) gives HR NE with a footnote; no penalisation is used to force an estimate
    (SAP 7.4, applied to SAP 7.6).
    """
    try:
        fit = cox_regression("TIME", "EVENT", ["X"], data=frame, conf_level=conf)
    except CoxNotEstimable:
        return None
    return fit.table.iloc[0]


def efs_table(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display]
) -> tuple[TLFOutput, ARD, dict[tuple[str, str], dict[str, KaplanMeierResult]]]:
    # Post-SBRT values and changes: EFS from the landmark at surgery (ADTTE EFSSURG).
    origins = {PRE: _time_event(ad, "EFS"), POST: _time_event(ad, "EFSSURG")}
    origins[CHANGE] = origins[POST]
    n_landmark = len(origins[POST])
    n_operated = int(operated(ad.population("FAS")).sum())
    b = ARDBuilder(EFS_ID, "Table 14.4.4", "FAS")
    conf = confidence_level(ad)
    fig = ARDBuilder(EFS_ID, "Figure 14.4.3", "FAS")
    curves: dict[tuple[str, str], dict[str, KaplanMeierResult]] = {}
    families: dict[tuple[str, str], Family] = {}
    not_converged: list[str] = []
    for atpt in TIMEPOINTS:
        origin = origins[atpt]
        aset = "FAS" if atpt == PRE else "FAS-LANDMARK"
        for marker, d in displays.items():
            rows = values.loc[values["PARAMCD"].eq(marker) & values[COLUMN[atpt]].notna()]
            data = rows.merge(origin, on="USUBJID", how="inner")
            x = _covariate(data, atpt, d.log_transform)
            base = {"ATPT": atpt}
            n, events = len(data), int(data["EVENT"].sum())
            cut = float(np.median(data[COLUMN[atpt]])) if n else math.nan
            b.add("N", n, parameter=marker, group=base, analysis_set=aset)
            b.add("events", events, parameter=marker, group=base, analysis_set=aset)
            b.add("median", cut, parameter=marker, group=base, analysis_set=aset)

            cox_group = {**base, "TEST": "COX"}
            coef = se = hr = lcl = ucl = p_cox = math.nan
            if events > 0 and n > 1 and np.ptp(x) > 0:
                frame = pd.DataFrame({"TIME": data["TIME"], "EVENT": data["EVENT"], "X": x})
                term = _fit_cox(frame, conf)
                if term is None:
                    not_converged.append(f"{marker} {TIMEPOINT_LABEL[atpt].lower()}")
                else:
                    coef, se, p_cox = term["coef"], term["se"], term["p_value"]
                    hr, lcl, ucl = term["hr"], term["hr_lower"], term["hr_upper"]
            b.add("coef", coef, parameter=marker, group=cox_group, analysis_set=aset)
            b.add("se", se, parameter=marker, group=cox_group, analysis_set=aset)
            b.add_ci(hr, lcl, ucl, conf, parameter=marker, group=cox_group, analysis_set=aset)
            b.add("p_value", p_cox, parameter=marker, group=cox_group, analysis_set=aset)
            families.setdefault((atpt, "COX"), []).append((marker, cox_group, p_cox))

            level = np.where(data[COLUMN[atpt]].to_numpy(float) > cut, "HIGH", "LOW")
            groups: dict[str, KaplanMeierResult] = {}
            for name in ("HIGH", "LOW"):
                mask = level == name
                group = {**base, "LEVEL": name}
                b.add("n", int(mask.sum()), parameter=marker, group=group, analysis_set=aset)
                b.add(
                    "events",
                    int(data["EVENT"].to_numpy()[mask].sum()),
                    parameter=marker,
                    group=group,
                    analysis_set=aset,
                )
                if mask.any():
                    km = kaplan_meier(data["TIME"].to_numpy()[mask], data["EVENT"].to_numpy()[mask])
                    groups[name] = km
                    _add_curve(fig, km, marker=marker, group=group, analysis_set=aset)
            curves[(marker, atpt)] = groups
            lr_group = {**base, "TEST": "LOG-RANK"}
            statistic = df = p_lr = math.nan
            if len(groups) == 2 and events > 0:
                lr = logrank_test(data["TIME"], data["EVENT"], level)
                statistic, df, p_lr = lr.statistic, lr.df, lr.p_value
            b.add("statistic", statistic, parameter=marker, group=lr_group, analysis_set=aset)
            b.add("df", df, parameter=marker, group=lr_group, analysis_set=aset)
            b.add("p_value", p_lr, parameter=marker, group=lr_group, analysis_set=aset)
            families.setdefault((atpt, "LOG-RANK"), []).append((marker, lr_group, p_lr))
    for (atpt, _), family in families.items():
        add_adjusted(b, family, "FAS" if atpt == PRE else "FAS-LANDMARK")
    ard = b.build()
    get = reader(ard, EFS_ID)

    rows: list[list[str]] = []
    for marker, d in displays.items():
        for atpt in TIMEPOINTS:
            base = {"ATPT": atpt}
            origin = "enrollment" if atpt == PRE else "surgery"
            cox = {**base, "TEST": "COX"}
            lr = {**base, "TEST": "LOG-RANK"}
            cells = [
                d.label,
                f"{TIMEPOINT_LABEL[atpt]} (from {origin})",
                f"{count_of(get('N', marker, **base))} ({count_of(get('events', marker, **base))})",
                _scale_label(atpt, d.log_transform),
                fmt_est_ci(*(get(s, marker, **cox) for s in ("est", "lcl", "ucl")), 2),
                fmt_p(get("p_value", marker, **cox)),
                fmt_p(get("p_value_adj", marker, **cox)),
                fmt_number(get("median", marker, **base), d.summary_decimals),
            ]
            for level in ("HIGH", "LOW"):
                group = {**base, "LEVEL": level}
                n, events = get("n", marker, **group), get("events", marker, **group)
                cells.append(f"{count_of(n)} ({count_of(events)})")
            cells += [fmt_p(get("p_value", marker, **lr)), fmt_p(get("p_value_adj", marker, **lr))]
            rows.append(cells)
    columns = [
        "Marker",
        "Time point (time origin)",
        "n (events)",
        "Cox covariate",
        f"HR ({pct_label(conf)} CI)",
        "Cox p",
        "Cox p, BH",
        "Cut-point (median)",
        "High: n (events)",
        "Low: n (events)",
        "Log-rank p",
        "Log-rank p, BH",
    ]
    n_fas = len(ad.population("FAS"))
    log_markers = [m for m, d in displays.items() if d.log_transform]
    footnotes = [
        EXPLORATORY,
        "Pre-SBRT values: EFS from enrollment, FAS patients with a value. Post-SBRT values and "
        "changes are measured on the resected specimen, after the time origin; to avoid "
        "immortal-time bias they are analysed from a landmark at surgery: operated patients "
        "without an EFS event on or before the surgery date, time = EFS date - surgery date + "
        f"1 day, in months (SAP 7.6 point 5). Landmark set: {n_landmark} of "
        f"{n_operated} operated patients ({n_operated - n_landmark} had an EFS event, e.g. "
        "incomplete resection, on or before surgery). A patient censored before surgery is "
        "censored at day 1 of the landmark.",
        "Cox proportional hazards model per marker (Efron ties), marker as a continuous "
        f"covariate; Wald {pct_label(conf)} CI and p-value. "
        + (
            f"Log-transformed markers ({', '.join(log_markers)}) enter as log2(value + 1) "
            "(HR per doubling) and their change as the log2 fold change "
            "log2(post + 1) - log2(pre + 1). "
            if log_markers
            else ""
        )
        + "Other markers: HR per unit, change = post - pre.",
        "KM groups: high = strictly above the median of the patients in the analysis, low = at "
        "or below (cut-point fixed by SAP 7.6 point 4). Log-rank test (rho = 0), two-sided.",
        "BH families: one per time point and test (three markers each).",
        "NE: not estimable (no events, no variation in the marker, or one group empty).",
    ]
    if not_converged:
        footnotes.append(f"Cox model did not converge (HR NE): {', '.join(not_converged)}.")
    tlf = TLF(
        kind="Table",
        number="14.4.4",
        analysis_set=(f"Full analysis set (N = {n_fas}); landmark at surgery (n = {n_landmark})"),
        footnotes=tuple(footnotes),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (EFS_ID,)),
        analysis_ids=(EFS_ID,),
        body=body_frame(rows, columns),
        landscape=True,
    )
    return TLFOutput(tlf, ard), fig.build(), curves


def _add_curve(
    b: ARDBuilder,
    km: KaplanMeierResult,
    *,
    marker: str,
    group: Mapping[str, object],
    analysis_set: str,
) -> None:
    """The KM step table behind Figure 14.4.3, one ``STEP`` per distinct time."""
    table = km.table
    for i, row in enumerate(table.itertuples(index=False)):
        step = {**group, "STEP": i + 1}
        for statistic, value in (
            ("time", row.time),
            ("n_risk", row.n_risk),
            ("events", row.n_event),
            ("censored", row.n_censor),
            ("surv", row.surv),
        ):
            b.add(statistic, value, parameter=marker, group=step, analysis_set=analysis_set)
