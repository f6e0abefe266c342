"""Adverse-event tables and listings (SAP 9.1, 9.2; Tables 14.3.1-14.3.4.6, Listings 16.2.7.x).

One module per table family: :mod:`.by_grade` (14.3.2-14.3.4.4), :mod:`.overview` (14.3.1,
14.3.4.5, 14.3.4.6) and :mod:`.listings` (16.2.7.x); the counting rules of SAP 9.2 and the ARD
groups they record are in :mod:`.counting`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf import changes
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.safety._common import COMPONENT_LABEL, COMPONENTS, CTCAE, teae
from osteo_stats.tlf.safety.by_grade import any_and_high_table, by_grade_table, phase_table
from osteo_stats.tlf.safety.listings import (
    ae_listing,
    aesi_listing,
    death_listing,
    new_ae_listing,
    serious_any_time_listing,
    utox_listing,
)
from osteo_stats.tlf.safety.overview import (
    deaths_table,
    overview_table,
    surgical_complications_table,
)

__all__ = ["SAFETY_TLFS", "build_safety_tlfs"]


def _related_table(ad: AnalysisData) -> list[TLFOutput]:
    te = teae(ad)
    related_any = te[list(COMPONENTS.values())].eq("Y").any(axis=1)
    sections = [("Related to any component", {"RELATED": "ANY"}, te.loc[related_any])]
    sections += [
        (f"Related to {COMPONENT_LABEL[c]}", {"RELATED": c}, te.loc[te[flag].eq("Y")])
        for c, flag in COMPONENTS.items()
    ]
    note = (
        "Treatment-related: AERELSB (SBRT), AERELPD (penpulimab) or AERELGM (gemcitabine) = Y; "
        "an AE related to several components appears in each."
    )
    return [
        by_grade_table(
            ad, analysis_id="SAF-AE-04", number="14.3.4.1", sections=sections, extra_notes=[note]
        )
    ]


def _immune(te: pd.DataFrame) -> pd.DataFrame:
    return te.loc[te["AEIRFL"].eq("Y")]


def _serious(te: pd.DataFrame) -> pd.DataFrame:
    return te.loc[te["AESER"].eq("Y")]


def _high(te: pd.DataFrame) -> pd.DataFrame:
    return te.loc[(te["AETOXGR"] >= CTCAE.high_rank).fillna(False).astype(bool)]


#: Every safety TLF in SAP 11 order: the label(s) it builds -> its builder. The one list:
#: :func:`build_safety_tlfs` runs it, and :func:`osteo_stats.tlf.build.build_tlfs` skips, before
#: running it, an entry whose TLFs need a column the data do not hold (``NEEDS``, --mapping).
SAFETY_TLFS: dict[tuple[str, ...], Callable[[AnalysisData], list[TLFOutput]]] = {
    ("Table 14.3.1",): lambda ad: [overview_table(ad)],
    ("Table 14.3.2",): lambda ad: [any_and_high_table(ad)],
    ("Table 14.3.3",): lambda ad: [
        by_grade_table(ad, analysis_id="SAF-AE-03", number="14.3.3", sections=[("", {}, teae(ad))])
    ],
    ("Table 14.3.4.1",): _related_table,
    ("Table 14.3.4.2",): lambda ad: [
        by_grade_table(
            ad,
            analysis_id="SAF-AE-05",
            number="14.3.4.2",
            sections=[("", {}, _immune(teae(ad)))],
            extra_notes=[
                "Immune-related: AEIRFL = Y (TEAE window last dose + "
                f"{ad.sap.safety.teae_window_days_immune} days)."
            ],
        )
    ],
    ("Table 14.3.4.3",): lambda ad: [
        by_grade_table(
            ad,
            analysis_id="SAF-AE-06",
            number="14.3.4.3",
            sections=[("", {}, _serious(teae(ad)))],
            extra_notes=["Serious: AESER = Y."],
        )
    ],
    ("Table 14.3.4.4",): lambda ad: [phase_table(ad)],
    ("Table 14.3.4.5",): lambda ad: [deaths_table(ad)],
    ("Table 14.3.4.6",): lambda ad: [surgical_complications_table(ad)],
    ("Listing 16.2.7.1",): lambda ad: [
        ae_listing(ad, "16.2.7.1", _serious(teae(ad)), selection="Serious (AESER = Y).",
                   category=changes.SERIOUS)
    ],
    ("Listing 16.2.7.2",): lambda ad: [
        ae_listing(ad, "16.2.7.2", _high(teae(ad)),
                   selection="CTCAE grade >= 3 (a missing grade does not qualify).",
                   category=changes.HIGH_GRADE)
    ],
    ("Listing 16.2.7.3",): lambda ad: [
        ae_listing(ad, "16.2.7.3", _immune(teae(ad)), selection="Immune-related (AEIRFL = Y).",
                   category=changes.IMMUNE)
    ],
    ("Listing 16.2.7.4",): lambda ad: [death_listing(ad)],
    ("Listing 16.2.7.5",): lambda ad: [
        ae_listing(ad, "16.2.7.5", (te := teae(ad)).loc[te["AECLAVDN"].notna()],
                   selection="Surgical complications (Clavien-Dindo grade present).",
                   category=changes.SURGICAL, clavien=True)
    ],
    ("Listing 16.2.7.6",): lambda ad: [utox_listing(ad)],
    ("Listing 16.2.7.7",): lambda ad: [serious_any_time_listing(ad)],
    ("Listing 16.2.7.8",): lambda ad: [aesi_listing(ad)],
    ("Listing 16.2.7.9",): lambda ad: [new_ae_listing(ad)],
}  # fmt: skip


def build_safety_tlfs(ad: AnalysisData) -> list[TLFOutput]:
    """Tables 14.3.1-14.3.4.6 and Listings 16.2.7.1-16.2.7.9 at the cut-off of ``ad``.

    Parameters
    ----------
    ad
        The analysis data at one cut-off (ADAE with ``TRTEMFL`` and ``APHASE``).

    Returns
    -------
    list of TLFOutput
        In SAP 11 order. Tables carry their ARD rows (SAF-AE-01 ... SAF-SURG-01); listings
        carry only their counts (DMC-NEW-01 with a previous DMC; SAF-SAE-01, SAF-AESI-01).
    """
    return [output for build in SAFETY_TLFS.values() for output in build(ad)]
