"""Tables 14.2.13 (Cox regression of EFS) and 14.2.14 (EFS and OS by subgroup), SAP 7.4."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from osteo_stats.analyse.survival import (
    CoxNotEstimable,
    cox_regression,
    logrank_test,
)
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.prognostic_factors import Factor, cox_factors, subgroup_factors
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.efficacy.common import (
    Values,
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
from osteo_stats.tlf.format import fmt_est_ci, fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput


def _cox_model(
    b: ARDBuilder, data: pd.DataFrame, factors: Sequence[Factor], model: str, level: float
) -> str:
    """Fit and record one Cox model; returns "" or the reason it is not estimable."""
    keys = {"parameter": "EFS"}
    coded = pd.DataFrame({f.key: f.code(data) for f in factors})
    complete = coded.notna().all(axis=1)
    fit_data = coded.loc[complete].assign(
        TIME=data.loc[complete, "AVALM"].to_numpy(float),
        EVENT=data.loc[complete, "EVENT"].to_numpy(int),
    )
    b.add("N", len(fit_data), group={"MODEL": model}, **keys)
    b.add("events", int(fit_data["EVENT"].sum()), group={"MODEL": model}, **keys)
    b.add("n", int((~complete).sum()), group={"MODEL": model, "ROW": "MISSING COVARIATE"}, **keys)
    reason = ""
    for f in factors:
        for lv in f.levels:
            at = fit_data[f.key] == lv
            group = {"MODEL": model, "FACTOR": f.key, "LEVEL": lv}
            b.add("n", int(at.sum()), group=group, **keys)
            b.add("events", int(fit_data.loc[at, "EVENT"].sum()), group=group, **keys)
            if fit_data.loc[at, "EVENT"].sum() == 0:
                reason = reason or f"no events in level {lv} of {f.label.lower()}"
    table = None
    lr_test = {"statistic": math.nan, "df": math.nan, "p_value": math.nan}
    if not reason:
        try:
            result = cox_regression(
                "TIME",
                "EVENT",
                [f.key for f in factors],
                data=fit_data,
                reference_levels={f.key: f.levels[0] for f in factors},
                conf_level=level,
            )
            table = result.table.set_index("term")
            lr = result.lr_test
            lr_test = {"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value}
        except CoxNotEstimable as exc:
            reason = f"model not estimable ({exc.cause})"
    for statistic, value in lr_test.items():
        b.add(statistic, value, group={"MODEL": model, "ROW": "LR TEST"}, **keys)
    for f in factors:
        lv = f.levels[1]
        group = {"MODEL": model, "TERM": f"{f.key}={lv}"}
        row = table.loc[f"{f.key}={lv}"] if table is not None else None
        nan = math.nan
        b.add("coef", row["coef"] if row is not None else nan, group=group, **keys)
        b.add("se", row["se"] if row is not None else nan, group=group, **keys)
        b.add_ci(
            *(row[c] if row is not None else nan for c in ("hr", "hr_lower", "hr_upper")),
            level,
            group=group,
            **keys,
        )
        b.add("p_value", row["p_value"] if row is not None else nan, group=group, **keys)
    return reason


def cox_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.13: exploratory Cox regression of EFS (Efron ties) on the SAP 7.4 factors."""
    aid, tlf_label = "EFF-COX-01", "Table 14.2.13"
    level = ad.sap.inference.conf_level
    patients = fas(ad)
    prognostic = cox_factors(ad.sap)
    pf = ad.sap.prognostic_factors
    few, dfi = prognostic[0].levels[0], pf.disease_free_interval_cut_months
    min_events = pf.bivariable_min_events
    data = tte_data(ad, "EFS", patients["USUBJID"]).merge(
        patients[["USUBJID", *{f.key for f in prognostic}]], on="USUBJID", how="left"
    )
    b = ARDBuilder(aid, tlf_label, "FAS")
    models: list[tuple[str, tuple[Factor, ...], str]] = []
    for f in prognostic:
        models.append((f.key, (f,), _cox_model(b, data, (f,), f.key, level)))
    n_events = int(data["EVENT"].sum())
    bivariable = (prognostic[0], prognostic[1])
    biv_key = "NNODULE+DFIMO"
    if n_events >= min_events:
        models.append((biv_key, bivariable, _cox_model(b, data, bivariable, biv_key, level)))
    else:
        b.add("events", n_events, parameter="EFS", group={"MODEL": biv_key})
    ard = b.build()

    v = Values(ard, aid, "EFS", "FAS")
    lv = pct_label(level)
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for model, factors, reason in models:
        title = "Univariable" if len(factors) == 1 else "Bivariable"
        m = {"MODEL": model}
        rows.append(
            (
                f"{title}: {' + '.join(f.label.lower() for f in factors)}",
                f"{fmt_int(v('N', m))} / {fmt_int(v('events', m))}",
                fmt_int(v("n", {**m, "ROW": "MISSING COVARIATE"})),
                "",
                "",
            )
        )
        for f in factors:
            term = {**m, "TERM": f"{f.key}={f.levels[1]}"}
            hr = fmt_est_ci(v("est", term), v("lcl", term), v("ucl", term), 2)
            ref = {**m, "FACTOR": f.key, "LEVEL": f.levels[0]}
            alt = {**m, "FACTOR": f.key, "LEVEL": f.levels[1]}
            rows.append(
                (
                    f"  {f.label}: {f.levels[1]} vs {f.levels[0]} (reference)",
                    f"{fmt_int(v('n', alt))} / {fmt_int(v('events', alt))} vs "
                    f"{fmt_int(v('n', ref))} / {fmt_int(v('events', ref))}",
                    "",
                    hr,
                    fmt_p(v("p_value", term)),
                )
            )
        lr = {**m, "ROW": "LR TEST"}
        rows.append(
            (
                "  Likelihood-ratio test of the model",
                "",
                "",
                f"chi-square {fmt_number(v('statistic', lr), 2)} on {fmt_int(v('df', lr))} df",
                fmt_p(v("p_value", lr)),
            )
        )
        if reason:
            notes.append(f"{title} model ({model}): HR not estimable, {reason}.")
    if n_events < min_events:
        rows.append(
            ("Bivariable: number of nodules + disease-free interval", "", "", "Not fitted", "")
        )
        notes.append(
            f"Bivariable model not fitted: {fmt_int(v('events', {'MODEL': biv_key}))} EFS events, "
            f"fewer than the {min_events} required (SAP 7.4)."
        )
    tlf = TLF(
        kind="Table",
        number="14.2.13",
        analysis_set=set_line(("FAS", len(patients))),
        footnotes=(
            "Cox proportional hazards, Efron ties, no penalty (SAP 7.4); Wald CI and p-value. "
            f"Cut-points fixed in the SAP: nodules {few} vs >= {pf.nodules_cut}, disease-free "
            f"interval < {dfi:g} vs >= {dfi:g} months. Exploratory, no multiplicity adjustment "
            "(SAP 7.7).",
            "Complete-case analysis: patients with a missing covariate are excluded from that "
            "model. An HR is NE when a level has no events or the fit does not converge.",
            "Likelihood-ratio test of each model against no covariates (SAP 7.4), as R "
            "summary(coxph)$logtest.",
            *notes,
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(
            rows,
            ["Model / term", "Patients / events", "Excluded (missing)", f"HR ({lv} CI)", "p-value"],
        ),
        landscape=True,
    )
    return TLFOutput(tlf, ard)


def subgroup_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.2.14: EFS and OS by subgroup, Kaplan-Meier medians and log-rank tests (SAP 7.4)."""
    aid, tlf_label = "EFF-SUBG-01", "Table 14.2.14"
    inf = ad.sap.inference
    patients = fas(ad)
    b = ARDBuilder(aid, tlf_label, "FAS")
    landmark = ad.sap.primary_endpoint.landmark_months
    factors = subgroup_factors(ad.sap)
    for paramcd in ("EFS", "OS"):
        data = tte_data(ad, paramcd, patients["USUBJID"]).merge(
            patients[["USUBJID", *{f.key for f in factors}]], on="USUBJID", how="left"
        )
        keys = {"parameter": paramcd}
        for f in factors:
            level = f.code(data)
            for lv in f.levels:
                sub = data.loc[level == lv]
                group = {"FACTOR": f.key, "LEVEL": lv}
                b.add("n", len(sub), group=group, **keys)
                b.add("events", int(sub["EVENT"].sum()), group=group, **keys)
                km = km_fit(ad, sub)
                q = km.median if km is not None else None
                b.add_ci(
                    *(q.estimate, q.lower, q.upper) if q else (math.nan,) * 3,
                    inf.conf_level,
                    group={**group, "QUANTILE": "MEDIAN"},
                    **keys,
                )
                rate = km.survival_at([landmark]).iloc[0] if km is not None else None
                b.add_ci(
                    *(rate["surv"], rate["lower"], rate["upper"])
                    if rate is not None
                    else (math.nan,) * 3,
                    inf.conf_level,
                    group={**group, "MONTH": month_key(landmark)},
                    **keys,
                )
            known = level.notna()
            test = None
            if level[known].nunique() >= 2:
                test = logrank_test(
                    data.loc[known, "AVALM"].to_numpy(float),
                    data.loc[known, "EVENT"].to_numpy(),
                    level[known].to_numpy(),
                )
            group = {"FACTOR": f.key}
            b.add("statistic", test.statistic if test else math.nan, group=group, **keys)
            b.add("df", test.df if test else math.nan, group=group, **keys)
            b.add("p_value", test.p_value if test else math.nan, group=group, **keys)
    ard = b.build()

    lv_ci = pct_label(inf.conf_level)
    rows: list[tuple[str, ...]] = []
    for paramcd, title in (("EFS", "Event-free survival"), ("OS", "Overall survival")):
        v = Values(ard, aid, paramcd, "FAS")
        rows.append((title, "", "", "", "", ""))
        for f in factors:
            test = {"FACTOR": f.key}
            chi = v("statistic", test)
            test_txt = (
                f"{fmt_number(chi, 2)} ({fmt_int(v('df', test))}); {fmt_p(v('p_value', test))}"
                if not math.isnan(chi)
                else "NE"
            )
            rows.append((f"  {f.label}", "", "", "", "", test_txt))
            for lv in f.levels:
                group = {"FACTOR": f.key, "LEVEL": lv}
                rows.append(
                    (
                        f"    {lv}",
                        fmt_int(v("n", group)),
                        fmt_int(v("events", group)),
                        v.time_ci({**group, "QUANTILE": "MEDIAN"}),
                        v.rate_ci({**group, "MONTH": month_key(landmark)}),
                        "",
                    )
                )
    tlf = TLF(
        kind="Table",
        number="14.2.14",
        analysis_set=set_line(("FAS", len(patients))),
        footnotes=(
            "Log-rank test (rho = 0, R survdiff), chi-square with k - 1 degrees of freedom; "
            "exploratory, no multiplicity adjustment (SAP 7.4, 7.7). NE: fewer than two "
            "subgroups with patients.",
            f"Median and {month_key(landmark)}-month rate by Kaplan-Meier with {lv_ci} CI "
            f"({inf.km_conf_type}); NR = not reached.",
            "Patients with a missing factor value are left out of that factor's test.",
        ),
        source=tlf_source(ad, (aid,)),
        analysis_ids=(aid,),
        body=table_body(
            rows,
            [
                "Subgroup",
                "n",
                "Events",
                f"Median, months ({lv_ci} CI)",
                f"{month_key(landmark)}-month rate, % ({lv_ci} CI)",
                "Chi-square (df); p-value",
            ],
        ),
        landscape=True,
    )
    return TLFOutput(tlf, ard)
