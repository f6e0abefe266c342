"""Table 14.1.5: demographic and baseline characteristics of the FAS (SAP 7.8)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.baseline import (
    age_group_codes,
    compute_age_group,
    compute_count_group,
    count_group_codes,
)
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.disposition._common import (
    MODULE,
    body_frame,
    set_name,
)
from osteo_stats.tlf.format import fmt_n_pct
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.summary import (
    add_continuous,
    add_n_pct,
    continuous_rows,
    population_label,
    table_output,
)

#: A categorical display row: label, ARD parameter, ARD group.
_CatRow = tuple[str, str, dict[str, object]]


def _levels(codes: Sequence[str]) -> list[tuple[str, str]]:
    """(display label, code) per group code: ``<16`` shows as ``< 16``, ``>=4`` as ``>= 4``."""
    return [(code.replace(">=", ">= ").replace("<", "< "), code) for code in codes]


def _categories(
    b: ARDBuilder,
    values: pd.Series,
    levels: Sequence[tuple[str, object]],
    n: int,
    *,
    parameter: str,
) -> list[_CatRow]:
    """Record n (%) per level, plus ``Missing`` when any value is missing (SAP 6.4)."""
    out = []
    for label, level in levels:
        group = {parameter: level}
        add_n_pct(b, int(values.eq(level).sum()), n, parameter=parameter, group=group)
        out.append((f"  {label}", parameter, group))
    missing = int(values.isna().sum())
    if missing:
        group = {parameter: "MISSING"}
        add_n_pct(b, missing, n, parameter=parameter, group=group)
        out.append(("  Missing", parameter, group))
    return out


def baseline_table(ad: AnalysisData) -> TLFOutput:
    aid = "BSL-DEM-01"
    adsl = ad.population("FAS")
    n = len(adsl)
    b = ARDBuilder(aid, "Table 14.1.5", "FAS")
    b.add("N", n, parameter="FAS")
    # (heading, parameter for a continuous block and its data decimals, categorical rows)
    sections: list[tuple[str, tuple[str, int] | None, list[_CatRow]]] = []

    age = adsl["AGE"]
    add_continuous(b, age, parameter="AGE")
    cuts = ad.sap.baseline.age_group_cuts_years
    agegr = compute_age_group(age, cuts)
    age_levels = _levels(age_group_codes(cuts))
    sections.append(("Age (years)", ("AGE", 0), []))
    sections.append(
        (
            "Age group (years)",
            None,
            _categories(b, agegr, age_levels, n, parameter="AGEGR"),
        )
    )
    sections.append(
        (
            "Sex",
            None,
            _categories(b, adsl["SEX"], [("Male", "M"), ("Female", "F")], n, parameter="SEX"),
        )
    )

    ps_rows: list[_CatRow] = []
    for scale, label, ascending in (("ECOG", "ECOG", True), ("LANSKY", "Lansky", False)):
        on_scale = adsl["PSTYPE"].eq(scale)
        group = {"PSTYPE": scale}
        add_n_pct(b, int(on_scale.sum()), n, parameter="PSTYPE", group=group)
        ps_rows.append((f"  {label} scale", "PSTYPE", group))
        scores = sorted(adsl.loc[on_scale, "PSSCORE"].dropna().unique(), reverse=not ascending)
        for score in scores:
            g = {"PSTYPE": scale, "PSSCORE": int(score)}
            count = int((on_scale & adsl["PSSCORE"].eq(score)).sum())
            add_n_pct(b, count, n, parameter="PSSCORE", group=g)
            ps_rows.append((f"    {int(score)}", "PSSCORE", g))
    sections.append(("Performance status", None, ps_rows))

    add_continuous(b, adsl["NNODULE"], parameter="NNODULE")
    top = ad.sap.baseline.nodule_group_top
    nodgr = compute_count_group(adsl["NNODULE"], top)
    sections.append(("Number of pulmonary nodules", ("NNODULE", 0), []))
    sections.append(
        (
            "Number of pulmonary nodules, grouped",
            None,
            _categories(b, nodgr, _levels(count_group_codes(top)), n, parameter="NNODULEGR"),
        )
    )  # fmt: skip
    sections.append(
        (
            "Laterality",
            None,
            _categories(
                b,
                adsl["LATERAL"],
                [("Unilateral", "UNILATERAL"), ("Bilateral", "BILATERAL")],
                n,
                parameter="LATERAL",
            ),
        )
    )
    add_continuous(b, adsl["DFIMO"], parameter="DFIMO")
    sections.append(("Disease-free interval (months)", ("DFIMO", 1), []))
    top = ad.sap.baseline.prior_lines_group_top
    linegr = compute_count_group(adsl["PRIORLN"], top)
    sections.append(
        (
            "Prior lines of systemic therapy",
            None,
            _categories(b, linegr, _levels(count_group_codes(top)), n, parameter="PRIORLN"),
        )
    )  # fmt: skip
    ard = b.build()

    view = ARDView(ard, aid)
    n_view = view.count("FAS", statistic="N")
    rows: list[tuple[str, str]] = []
    for heading, continuous, categorical in sections:
        rows.append((heading, ""))
        if continuous is not None:
            parameter, decimals = continuous
            rows += [(f"  {label}", text) for label, text in continuous_rows(
                view, parameter, decimals)]  # fmt: skip
        for label, parameter, group in categorical:
            rows.append((label, fmt_n_pct(view.count(parameter, group), n_view)))
    footnotes = (
        "Continuous variables: n, mean (SD), median, Q1, Q3 (linear interpolation, R type 7), "
        "min, max (SAP 6.3). Categorical: n (%) of FAS N (SAP 6.4).",
        f"Performance status: ECOG for age >= {ad.sap.eligibility.ps_scale_age_threshold} years, "
        f"Lansky for age < {ad.sap.eligibility.ps_scale_age_threshold} years (SAP 4.1).",
        "Disease-free interval: months from primary surgery to pulmonary recurrence (DFIMO).",
    )
    return table_output(
        MODULE,
        ad,
        "14.1.5",
        population_label(set_name("FAS"), n_view),
        footnotes,
        aid,
        body_frame(rows, "All patients"),
        ard,
    )
