"""Tables 14.3.1 (TEAE overview), 14.3.4.5 (deaths) and 14.3.4.6 (surgical complications by
Clavien-Dindo grade), SAP 9.2."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.safety import derive_worst_grade
from osteo_stats.derive.treatment import days_from_last_dose
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.format import fmt_n_pct, fmt_number
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import (
    CLAVIEN_DINDO,
    COMPONENT_LABEL,
    COMPONENTS,
    CTCAE,
    MODULE,
    operated_saf,
    teae,
)
from osteo_stats.tlf.safety.counting import (
    format_rows,
    ranked,
    record_counts,
    row_order,
    worst_ranks,
)
from osteo_stats.tlf.summary import add_n_pct, adsl_codelist, population_label, table_output

# --- Table 14.3.1 overview -------------------------------------------------------------------


def _clavien_worst(records: pd.DataFrame) -> pd.Series:
    """Per patient, the worst Clavien-Dindo rank (1 = I ... 7 = V) among ``records``."""
    graded = ranked(records.loc[records["AECLAVDN"].notna()], CLAVIEN_DINDO, "AECLAVDN")
    if graded.empty:
        return pd.Series(dtype="Int64")
    worst = derive_worst_grade(graded, ("USUBJID",))
    return worst.set_index("USUBJID")["AETOXGR"]


def overview_table(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "SAF-AE-01", "TEAE"
    te = teae(ad)
    n = len(ad.population("SAF"))
    grade = te["AETOXGR"]
    related = te[list(COMPONENTS.values())].eq("Y")

    def patients(mask: pd.Series) -> int:
        return int(te.loc[mask.fillna(False).astype(bool), "USUBJID"].nunique())

    specs: list[tuple[str, str, int]] = [
        ("Any TEAE", "ANY", patients(pd.Series(True, index=te.index))),
        ("TEAE of grade >= 3", "GRADE GE 3", patients(grade >= CTCAE.high_rank)),
        ("TEAE of grade 4", "GRADE 4", patients(grade == 4)),
        ("TEAE of grade 5 (fatal)", "GRADE 5", patients(grade == 5)),
        ("Serious TEAE", "SERIOUS", patients(te["AESER"].eq("Y"))),
        ("Treatment-related TEAE", "RELATED ANY", patients(related.any(axis=1))),
    ]
    specs += [
        (f"  Related to {COMPONENT_LABEL[c]}", f"RELATED {c}", patients(related[flag]))
        for c, flag in COMPONENTS.items()
    ]
    specs += [
        ("Immune-related TEAE", "IMMUNE-RELATED", patients(te["AEIRFL"].eq("Y"))),
        ("TEAE leading to discontinuation (drug withdrawn)", "DISCONTINUATION",
         patients(te["AEACN"].eq("DRUG WITHDRAWN"))),
        ("TEAE leading to surgery delay", "SURGERY DELAY", patients(te["AESDLYFL"].eq("Y"))),
    ]  # fmt: skip
    worst_cd = _clavien_worst(te)
    specs.append(("Surgical complication (any Clavien-Dindo grade)", "CLAVIEN-DINDO ANY",
                  len(worst_cd)))  # fmt: skip
    specs += [
        (f"  Worst Clavien-Dindo grade {code}", f"CLAVIEN-DINDO {code}",
         int(worst_cd.eq(i + 1).sum()))
        for i, code in enumerate(CLAVIEN_DINDO.grades)
    ]  # fmt: skip
    specs.append(("TEAE with missing CTCAE grade", "GRADE MISSING", patients(grade.isna())))

    b = ARDBuilder(aid, "Table 14.3.1", "SAF")
    b.add("N", n, parameter=parameter)
    for _, code, count in specs:
        add_n_pct(b, count, n, parameter=parameter, group={"ROW": code})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    rows = [
        (label, fmt_n_pct(view.count(parameter, {"ROW": code}), n_view))
        for label, code, _ in specs
        if code != "GRADE MISSING" or view.count(parameter, {"ROW": code}) > 0
    ]
    notes = [
        "Patients with at least one TEAE of the kind, n (%) of SAF N; a patient may appear in "
        "several rows. Grade rows: CTCAE v"
        f"{ad.sap.safety.ctcae_version}; a missing grade does not meet any grade criterion "
        "(SAP 8.2).",
        "Treatment-related: AERELSB, AERELPD or AERELGM = Y. Discontinuation: AEACN = DRUG "
        "WITHDRAWN. Surgery delay: AESDLYFL = Y (SAP 9.2).",
        "Surgical complications: TEAEs with a Clavien-Dindo grade; each patient once, at the "
        "worst grade (I < II < IIIa < IIIb < IVa < IVb < V). Denominator here SAF N; among "
        "operated patients see Table 14.3.4.6.",
    ]
    return table_output(
        MODULE,
        ad,
        "14.3.1",
        population_label("Safety analysis set", n_view),
        notes,
        aid,
        pd.DataFrame(rows, columns=["Category", "n (%)"], dtype=object),
        ard,
    )


# --- Table 14.3.4.5 deaths and 14.3.4.6 surgical complications -------------------------------


def deaths_table(ad: AnalysisData) -> TLFOutput:
    aid, parameter = "SAF-DTH-01", "DEATH"
    saf = ad.population("SAF")
    n = len(saf)
    dead = saf.loc[saf["DTHDT"].notna()]
    days = days_from_last_dose(dead, ad.adex, "DTHDT")
    window = ad.sap.safety.teae_window_days
    te = teae(ad)
    fatal = te.loc[te["AETOXGR"] == 5, "USUBJID"].nunique()

    b = ARDBuilder(aid, "Table 14.3.4.5", "SAF")
    b.add("N", n, parameter=parameter)
    specs: list[tuple[str, dict[str, str], int]] = [("Deaths", {"ROW": "ANY"}, len(dead))]
    specs += [
        (f"  Cause: {cause.lower()}", {"ROW": "CAUSE", "DTHCAUS": cause},
         int(dead["DTHCAUS"].eq(cause).sum()))
        for cause in adsl_codelist(ad.sap, "DTHCAUS")
    ]  # fmt: skip
    specs += [
        (f"  Within {window} days of the last dose", {"ROW": f"WITHIN {window} DAYS"},
         int(days.between(0, window).sum())),
        (f"  More than {window} days after the last dose", {"ROW": f"AFTER {window} DAYS"},
         int((days > window).sum())),
        ("Patients with a fatal (grade 5) TEAE", {"ROW": "GRADE 5 TEAE"}, int(fatal)),
    ]  # fmt: skip
    for _, group, count in specs:
        add_n_pct(b, count, n, parameter=parameter, group=group)
    v = days.dropna().to_numpy(dtype=float)
    for stat, value in (
        ("n", v.size),
        ("median", np.median(v) if v.size else math.nan),
        ("min", v.min() if v.size else math.nan),
        ("max", v.max() if v.size else math.nan),
    ):
        b.add(stat, value, parameter="DAYS FROM LAST DOSE")
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    rows = [(label, fmt_n_pct(view.count(parameter, g), n_view)) for label, g, _ in specs]
    rows.append(("Days from last dose to death: n", str(view.count("DAYS FROM LAST DOSE"))))
    rows.append(
        (
            "Days from last dose to death: median (min, max)",
            f"{fmt_number(view.get('DAYS FROM LAST DOSE', 'median'), 1)} "
            f"({fmt_number(view.get('DAYS FROM LAST DOSE', 'min'), 0)}, "
            f"{fmt_number(view.get('DAYS FROM LAST DOSE', 'max'), 0)})",
        )
    )
    notes = [
        "All deaths on or before the data cut-off in SAF patients, with the cause as recorded "
        "(DTHCAUS). Days from last dose = DTHDT - TRTEDT (calendar difference; TRTEDT, failing "
        f"that the last ADEX administration); within {window} days means 0 to {window} days "
        "(SAP 6.1, 9.2).",
        "n (%) of SAF N. Individual deaths: Listing 16.2.7.4.",
    ]
    return table_output(
        MODULE,
        ad,
        "14.3.4.5",
        population_label("Safety analysis set", n_view),
        notes,
        aid,
        pd.DataFrame(rows, columns=["Category", "n (%)"], dtype=object),
        ard,
    )


def surgical_complications_table(ad: AnalysisData) -> TLFOutput:
    aid, number, parameter = "SAF-SURG-01", "14.3.4.6", "SURGICAL COMPLICATION"
    operated = operated_saf(ad)
    n = len(operated)
    te = teae(ad)
    records = te.loc[te["AECLAVDN"].notna() & te["USUBJID"].isin(operated["USUBJID"])]
    b = ARDBuilder(aid, f"Table {number}", "SAF-OPERATED")
    b.add("N", n, parameter=parameter)
    worst = worst_ranks(ranked(records, CLAVIEN_DINDO, "AECLAVDN"))
    rows = row_order(worst)
    codes = CLAVIEN_DINDO.codes(with_missing=False)
    record_counts(b, worst, rows, codes, n, CLAVIEN_DINDO, parameter=parameter, section={})
    ard = b.build()
    view = ARDView(ard, aid)
    n_view = view.count(parameter, statistic="N")
    body = format_rows(view, rows, codes, n_view, parameter=parameter, section={},
                        any_label="Any surgical complication")  # fmt: skip
    columns = ["System organ class", "Preferred term",
               *(CLAVIEN_DINDO.label(c) for c in codes)]  # fmt: skip
    notes = [
        "Surgical complications: TEAEs with a Clavien-Dindo grade (AECLAVDN) in operated SAF "
        "patients (R0, R1 or R2 by the cut-off). A patient counts once per row at the worst "
        "grade (I < II < IIIa < IIIb < IVa < IVb < V; SAP 9.2). n (%) of operated SAF patients.",
    ]
    return table_output(
        MODULE,
        ad,
        number,
        population_label("Safety analysis set, operated patients", n_view),
        notes,
        aid,
        pd.DataFrame(body, columns=columns, dtype=object),
        ard,
        landscape=True,
    )
