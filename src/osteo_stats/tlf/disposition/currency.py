"""Table 14.1.8 (data currency at the cut-off) and Listing 16.2.9 (data currency per patient),
SAP 8.5: how up to date the data are, for the DMC. The per-patient variables are
:func:`osteo_stats.derive.currency.derive_currency`; the table counts them into the ARD and is
formatted from it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.currency import derive_currency
from osteo_stats.derive.treatment import surgery_window_days
from osteo_stats.tlf.ard import ARDBuilder, ARDView
from osteo_stats.tlf.disposition._common import MODULE, body_frame, fas_sorted, set_name
from osteo_stats.tlf.disposition.listings import _surgery_text
from osteo_stats.tlf.format import date_cells, fmt_n_pct, fmt_number
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.summary import add_n_pct, listing_output, population_label, table_output

AID, PARAMETER = "DSP-CURR-01", "CURRENCY"
#: The day counts summarised, among patients on study (parameter, label, variable).
_DAYS = (
    ("DAYS SINCE LAST ASSESSMENT", "Days since the last tumour assessment", "LASTASDY"),
    ("DAYS SINCE LAST AE UPDATE", "Days since the last AE update", "LASTAEDY"),
)


def _definitions(ad: AnalysisData) -> tuple[str, ...]:
    sap = ad.sap
    week = f"{sap.schedule.preop_assessment_week:g}"
    low, high = surgery_window_days(sap.schedule)
    return (
        "On study: alive, EOSSTT neither DISCONTINUED nor COMPLETED at the data cut-off. "
        "Tumour-assessment follow-up: on study with EFS not yet an event (SAP 3.2).",
        f"Schedule (SAP 2.2, 3.2.4): the pre-operative assessment by the end of week {week} "
        f"(study day {round(7 * sap.schedule.preop_assessment_week)}), then one every "
        f"{sap.efs.tumour_assessment_interval_days} days after the last assessment; an "
        f"assessment is missed, and the patient overdue, once its due date + "
        f"{sap.efs.assessment_window_days} days is before the cut-off.",
        f"Outstanding surgery: still pending after the protocol window (study days {low}-{high}). "
        "Outstanding pathology: operated (R0/R1/R2) without a Huvos grade (no NECRPCT).",
        "Last assessment: the latest post-baseline ADRS or ADTR date (an NE assessment counts). "
        "Last AE update: the latest AE onset or end date (ADAE holds no modification date). "
        "Days to the cut-off; patients on study with such a date (SAP 8.5).",
        "Percentages use the number of enrolled patients (FAS N) as denominator (SAP 6.4).",
    )


def currency_table(ad: AnalysisData) -> TLFOutput:
    """Table 14.1.8: patients on study, within the schedule or overdue, outstanding surgery and
    pathology, and days since the last assessment and AE update (DSP-CURR-01, SAP 8.5)."""
    fas = ad.population("FAS")
    cur = derive_currency(ad).loc[fas.index]
    n = len(fas)
    b = ARDBuilder(AID, "Table 14.1.8", "FAS")
    b.add("N", n, parameter=PARAMETER)
    on, scheduled = cur["ONSTDYFL"].eq("Y"), cur["ASSCHFL"].eq("Y")
    overdue = cur["ASOVRFL"].eq("Y")
    specs: list[tuple[str, dict[str, str], pd.Series]] = [
        ("Patients on study at the cut-off", {"STATUS": "ON STUDY"}, on),
        (
            "  In tumour-assessment follow-up (EFS not yet an event)",
            {"STATUS": "ON STUDY", "ASSESSMENT": "SCHEDULED"},
            scheduled,
        ),
        (
            "    Last assessment within the schedule",
            {"STATUS": "ON STUDY", "ASSESSMENT": "WITHIN SCHEDULE"},
            scheduled & ~overdue,
        ),
        (
            "    Overdue for a scheduled assessment",
            {"STATUS": "ON STUDY", "ASSESSMENT": "OVERDUE"},
            overdue,
        ),
        (
            "Outstanding surgery outcome (window passed)",
            {"OUTSTANDING": "SURGERY"},
            cur["SURGOSFL"].eq("Y"),
        ),
        (
            "Outstanding pathology result (operated)",
            {"OUTSTANDING": "PATHOLOGY"},
            cur["PATHOSFL"].eq("Y"),
        ),
    ]
    for _, group, mask in specs:
        add_n_pct(b, int(mask.sum()), n, parameter=PARAMETER, group=group)
    for parameter, _, column in _DAYS:
        days = cur.loc[on, column].dropna()
        b.add("n", len(days), parameter=parameter)
        for statistic, value in (
            ("median", days.median()),
            ("min", days.min()),
            ("max", days.max()),
        ):
            b.add(statistic, value if len(days) else float("nan"), parameter=parameter)
    ard = b.build()

    view = ARDView(ard, AID)
    total = view.count(PARAMETER, statistic="N")
    rows = [(label, fmt_n_pct(view.count(PARAMETER, group), total)) for label, group, _ in specs]
    for parameter, label, _ in _DAYS:
        median, low, high = (view.get(parameter, s) for s in ("median", "min", "max"))
        rows.append((f"{label}: n", str(view.count(parameter))))
        rows.append(
            (
                f"{label}: median (min, max)",
                f"{fmt_number(median, 1)} ({fmt_number(low, 0)}, {fmt_number(high, 0)})",
            )
        )
    return table_output(
        MODULE,
        ad,
        "14.1.8",
        population_label(set_name("FAS"), total),
        _definitions(ad),
        AID,
        body_frame(rows, "n (%)"),
        ard,
    )


def _status(patients: pd.DataFrame, cur: pd.DataFrame) -> pd.Series:
    """``On study``, ``On study (EFS event)``, ``Died <date>``, ``Discontinued <date>``..."""
    died = "Died " + date_cells(patients["DTHDT"], patients.get("DTHDTF"))
    ended = patients["EOSSTT"].str.capitalize() + " " + date_cells(patients["EOSDT"])
    status = pd.Series("On study", index=patients.index, dtype=object)
    status = status.where(cur["ASSCHFL"].eq("Y"), "On study (EFS event)")
    status = status.where(cur["ONSTDYFL"].eq("Y"), ended.str.strip())
    return status.where(patients["DTHDT"].isna(), died)


def _days(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else str(int(v))).astype(object)


def currency_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.9: per FAS patient, sorted by patient (SAP 8.5, 11.4)."""
    fas = fas_sorted(ad)
    cur = derive_currency(ad).loc[fas.index]
    overdue, surgery_out = cur["ASOVRFL"].eq("Y"), cur["SURGOSFL"].eq("Y")
    surgery = _surgery_text(fas).where(
        ~surgery_out,
        "OUTSTANDING: window closed "
        + date_cells(cur["SURGWEDT"])
        + " ("
        + _days(cur["SURGOSDY"])
        + " days)",
    )
    pathology = ("Huvos " + fas["HUVOS"].astype(str)).where(fas["HUVOS"].notna(), "")
    pathology = pathology.where(cur["PATHOSFL"].ne("Y"), "OUTSTANDING: no Huvos grade")
    body = pd.DataFrame(
        {
            "Patient": fas["USUBJID"].astype(str),
            "Enrollment": date_cells(fas["ENRLDT"]),
            "Status at cut-off": _status(fas, cur),
            "Last known alive": date_cells(cur["LSTALVDT"]),
            "Last assessment": date_cells(cur["LASTASDT"], missing="None after enrollment"),
            "Last AE update": date_cells(cur["LASTAEDT"], missing="No AE recorded"),
            "Next assessment due": date_cells(cur["NEXTASDT"]),
            "Days past due": _days(cur["ASOVRDY"].where(overdue)),
            "Surgery": surgery,
            "Pathology": pathology,
        },
        dtype=object,
    )
    notes = (
        "FAS patients at the data cut-off, sorted by patient. Next assessment due: patients in "
        "tumour-assessment follow-up only; days past due: from the first missed due date.",
        *_definitions(ad)[1:4],
    )
    total = len(fas)
    return listing_output(
        MODULE, ad, "16.2.9", population_label(set_name("FAS"), total), notes, body
    )


#: The data-currency TLFs, registered with the disposition area in
#: :data:`osteo_stats.tlf.build.BUILDERS`: the label each builds -> its builder.
CURRENCY_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    ("Table 14.1.8",): lambda ad: [currency_table(ad)],
    ("Listing 16.2.9",): lambda ad: [currency_listing(ad)],
}
