"""Listings 16.2.6.1-16.2.6.3: derived BOR and primary status, EFS/OS derivations, surgery
and pathology (SAP 11.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.efficacy import compute_event_indicator
from osteo_stats.derive.endpoint_status import bor_pending
from osteo_stats.derive.tte import LANDMARK_PARAMS
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.efficacy.common import (
    fas,
    listing_source,
    set_line,
)
from osteo_stats.tlf.format import date_cells, fmt_number, text_cells
from osteo_stats.tlf.model import TLFOutput, patient_listing

# --- Listings 16.2.6.x ---


def _title(number: str) -> str:
    return expected_tlf(f"Listing {number}").title


def bor_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.1: derived BOR with reason, primary endpoint status with reason."""
    p = fas(ad).sort_values("USUBJID", kind="stable")
    body = pd.DataFrame(
        {
            "Patient": p["USUBJID"],
            "Enrollment": date_cells(p["ENRLDT"]),
            "Window end (reason)": (
                date_cells(p["WINENDT"]) + " (" + text_cells(p["WINENDRS"]) + ")"
            ),
            "BOR": text_cells(p["BOR"]),
            "BOR provisional": np.where(bor_pending(p), "Yes", ""),
            "BOR date": date_cells(p["BORDT"]),
            "BOR reason": text_cells(p["BORREAS"]),
            "Primary status": text_cells(p["PRIMSTAT"]),
            "Primary status reason": text_cells(p["PRIMREAS"]),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.1",
        _title("16.2.6.1"),
        set_line(("FAS", len(p))),
        (
            "BOR over the pre-operative window (SAP 3.3); primary status by the rules of SAP 3.1 "
            "(F1, S1, S2, F2, N1, N2; F3 at the final analysis), the first that applies deciding.",
            "BOR provisional = Yes: the pre-operative window is still open at the data cut-off "
            "(surgery pending, or the window not yet over); the BOR shown covers the assessments "
            "so far, and Tables 14.2.5 and 14.2.6 count the patient as not yet evaluable.",
        ),
        listing_source(ad, "ADSL"),
        body,
    )


def tte_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.2: EFS and OS derivations (event/censoring date, rule)."""
    ids = set(fas(ad)["USUBJID"])
    listed = ad.adtte["USUBJID"].isin(ids) & ~ad.adtte["PARAMCD"].isin(LANDMARK_PARAMS)
    t = ad.adtte.loc[listed].sort_values(["USUBJID", "PARAMCD"], kind="stable")
    flag = t["ADTF"].fillna("")
    body = pd.DataFrame(
        {
            "Patient": t["USUBJID"],
            "Parameter": t["PARAMCD"],
            "Start": date_cells(t["STARTDT"]),
            "Date": date_cells(t["ADT"]) + np.where(flag != "", " (imputed " + flag + ")", ""),
            "Days": [fmt_number(x, 0) for x in t["AVAL"]],
            "Months": [fmt_number(x, 1) for x in t["AVALM"]],
            "Event": np.where(compute_event_indicator(t["CNSR"]), "Event", "Censored"),
            "Description": t["EVNTDESC"].fillna(t["CNSDTDSC"]).fillna(""),
            "Rule": text_cells(t["RULE"]),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.2",
        _title("16.2.6.2"),
        set_line(("FAS", len(ids))),
        (
            "EFS, EFSSENSA (sensitivity a), EFSSENSB (sensitivity b) and OS; days = date - "
            f"enrollment + 1, months = days / {ad.sap.time.days_per_month:g} (SAP 6.1); rules "
            "of SAP 3.2 and 8.4.",
        ),
        listing_source(ad, "ADTTE"),
        body,
    )


def surgery_listing(ad: AnalysisData) -> TLFOutput:
    """Listing 16.2.6.3: surgery, pathology (percent necrosis, Huvos grade) and R0 status."""
    p = fas(ad).sort_values("USUBJID", kind="stable")
    body = pd.DataFrame(
        {
            "Patient": p["USUBJID"],
            "Planned surgery": date_cells(p["SURGPLDT"]),
            "Surgery": date_cells(p["SURGDT"]),
            "Outcome": text_cells(p["SURGOUT"]),
            "Reason not done": text_cells(p["SURGNDRS"]),
            "Necrosis (%)": [fmt_number(x, 1, missing="") for x in p["NECRPCT"]],
            "Huvos grade": text_cells(p["HUVOS"]),
            "Good response": text_cells(p["GOODRESP"]),
            "Complete response": text_cells(p["COMPRESP"]),
            "R0": text_cells(p["R0FL"]),
        }
    ).reset_index(drop=True)
    return patient_listing(
        "16.2.6.3",
        _title("16.2.6.3"),
        set_line(("FAS", len(p))),
        (
            f"Huvos grade, good ({ad.sap.pathology.good_grades_label}) and complete "
            f"({'-'.join(ad.sap.pathology.complete_response_grades)}) response, R0 (SAP 3.4).",
        ),
        listing_source(ad, "ADSL"),
        body,
    )
