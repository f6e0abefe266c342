"""Adverse-event tables and listings (SAP 9.1, 9.2; Tables 14.3.1-14.3.4.6, Listings 16.2.7.x).

One module per table family: :mod:`.by_grade` (14.3.2-14.3.4.4), :mod:`.overview` (14.3.1,
14.3.4.5, 14.3.4.6) and :mod:`.listings` (16.2.7.x); the counting rules of SAP 9.2 and the ARD
groups they record are in :mod:`.counting`.
"""

from __future__ import annotations

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import COMPONENT_LABEL, COMPONENTS, CTCAE, teae
from osteo_stats.tlf.safety.by_grade import any_and_high_table, by_grade_table, phase_table
from osteo_stats.tlf.safety.listings import ae_listing, death_listing, utox_listing
from osteo_stats.tlf.safety.overview import (
    deaths_table,
    overview_table,
    surgical_complications_table,
)

__all__ = ["build_safety_tlfs"]


def build_safety_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.3.1-14.3.4.6 and Listings 16.2.7.1-16.2.7.6 at the cut-off of ``ad``.

    Parameters
    ----------
    ad
        The analysis data at one cut-off (ADAE with ``TRTEMFL`` and ``APHASE``).

    Returns
    -------
    list of TLFOutput
        In SAP 11 order. Tables carry their ARD rows (SAF-AE-01 ... SAF-SURG-01); listings
        carry an empty ARD.
    """
    te = teae(ad)
    related_any = te[list(COMPONENTS.values())].eq("Y").any(axis=1)
    related_sections = [("Related to any component", {"RELATED": "ANY"}, te.loc[related_any])]
    related_sections += [
        (f"Related to {COMPONENT_LABEL[c]}", {"RELATED": c}, te.loc[te[flag].eq("Y")])
        for c, flag in COMPONENTS.items()
    ]
    irae, serious = te.loc[te["AEIRFL"].eq("Y")], te.loc[te["AESER"].eq("Y")]
    high = te.loc[(te["AETOXGR"] >= CTCAE.high_rank).fillna(False).astype(bool)]
    return [
        overview_table(ad),
        any_and_high_table(ad),
        by_grade_table(
            ad,
            analysis_id="SAF-AE-03",
            number="14.3.3",
            sections=[("", {}, te)],
        ),
        by_grade_table(
            ad,
            analysis_id="SAF-AE-04",
            number="14.3.4.1",
            sections=related_sections,
            extra_notes=[
                "Treatment-related: AERELSB (SBRT), AERELPD (penpulimab) or AERELGM "
                "(gemcitabine) = Y; an AE related to several components appears in each."
            ],
        ),
        by_grade_table(
            ad,
            analysis_id="SAF-AE-05",
            number="14.3.4.2",
            sections=[("", {}, irae)],
            extra_notes=[
                "Immune-related: AEIRFL = Y (TEAE window last dose + "
                f"{ad.sap.safety.teae_window_days_immune} days)."
            ],
        ),
        by_grade_table(
            ad,
            analysis_id="SAF-AE-06",
            number="14.3.4.3",
            sections=[("", {}, serious)],
            extra_notes=["Serious: AESER = Y."],
        ),
        phase_table(ad),
        deaths_table(ad),
        surgical_complications_table(ad),
        ae_listing(ad, "16.2.7.1", serious,
                    selection="Serious (AESER = Y)."),
        ae_listing(ad, "16.2.7.2", high,
                    selection="CTCAE grade >= 3 (a missing grade does not qualify)."),
        ae_listing(ad, "16.2.7.3", irae,
                    selection="Immune-related (AEIRFL = Y)."),
        death_listing(ad),
        ae_listing(ad, "16.2.7.5", te.loc[te["AECLAVDN"].notna()],
                    selection="Surgical complications (Clavien-Dindo grade present).",
                    clavien=True),
        utox_listing(ad),
    ]  # fmt: skip
