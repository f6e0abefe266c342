"""What is new since the previous DMC report, as the TLFs show it (SAP 10.4).

The flags are derived in :mod:`osteo_stats.derive.changes`; here they become a "New" column in
the listings (after "Patient", only when a previous cut-off is known) and ARD rows
``DMC-NEW-01`` (statistic ``n``, parameter = the category, group ``PREVIOUS CUTOFF=<p>``),
attached to the TLF that shows the new records, so the ARD of a report holds them exactly when
it shows that TLF.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.model import TLFOutput

NEW_ID = "DMC-NEW-01"
NEW_COLUMN = "New"
PREVIOUS_KEY = "PREVIOUS CUTOFF"

#: The categories of DMC-NEW-01 (ARD parameter), in the order the committee summary shows them.
#: AE records at any time, inside or outside the TEAE window (SAP 9.7).
AE = "AE"
AE_OUTSIDE = "AE OUTSIDE TEAE WINDOW"
AE_HIGH_GRADE = "AE GRADE >= 3"
SERIOUS_AE = "SERIOUS AE"
SERIOUS_AE_OUTSIDE = "SERIOUS AE OUTSIDE TEAE WINDOW"
AESI = "AESI"
#: Treatment-emergent AE records (SAP 9.1).
TEAE = "TEAE"
SERIOUS = "SERIOUS TEAE"
HIGH_GRADE = "TEAE GRADE >= 3"
IMMUNE = "IMMUNE-RELATED TEAE"
SURGICAL = "SURGICAL COMPLICATION"
DEATH = "DEATH"
DISCONTINUED = "DISCONTINUED"
UTOX = "UNACCEPTABLE TOXICITY"
LOOK = "TOXICITY LOOK REACHED"
CATEGORIES = (
    AE,
    AE_OUTSIDE,
    AE_HIGH_GRADE,
    SERIOUS_AE,
    SERIOUS_AE_OUTSIDE,
    AESI,
    TEAE,
    SERIOUS,
    HIGH_GRADE,
    IMMUNE,
    SURGICAL,
    DEATH,
    DISCONTINUED,
    UTOX,
    LOOK,
)


def previous_group(ad: AnalysisData) -> dict[str, str]:
    """The ARD group of the DMC-NEW-01 rows: the previous cut-off they count from."""
    assert ad.previous_cutoff is not None
    return {PREVIOUS_KEY: f"{ad.previous_cutoff:%Y-%m-%d}"}


def with_new_column(body: pd.DataFrame, ad: AnalysisData, flags: pd.Series) -> pd.DataFrame:
    """``body`` with the "New" column (``Y``/``N`` from the record ``flags``, aligned to the
    body's rows) after "Patient"; ``body`` unchanged when no previous cut-off is known."""
    if ad.previous_cutoff is None:
        return body
    out = body.copy()
    out.insert(1, NEW_COLUMN, flags.reindex(body.index).fillna("N").astype(object))
    return out


def new_note(ad: AnalysisData, what: str) -> list[str]:
    """The listing footnote that explains the "New" column (none without a previous cut-off)."""
    if ad.previous_cutoff is None:
        return []
    return [
        f"New = Y: {what} after the previous DMC cut-off {ad.previous_cutoff:%Y-%m-%d}, on or "
        f"before this cut-off {ad.cutoff:%Y-%m-%d} (SAP 10.4)."
    ]


def with_new_counts(
    output: TLFOutput, ad: AnalysisData, counts: dict[str, int], analysis_set: str
) -> TLFOutput:
    """``output`` with the DMC-NEW-01 rows ``counts`` (category -> n) added to its ARD, and the
    id to its analysis ids and source line; unchanged when no previous cut-off is known."""
    if ad.previous_cutoff is None:
        return output
    tlf = output.tlf
    b = ARDBuilder(NEW_ID, tlf.label, analysis_set)
    for category, n in counts.items():
        b.add("n", int(n), parameter=category, group=previous_group(ad))
    listing = "ARD none (patient listing)"
    source = (
        tlf.source.replace(listing, f"ARD {NEW_ID}")
        if listing in tlf.source
        else f"{tlf.source}, {NEW_ID}"
    )
    tlf = replace(tlf, analysis_ids=(*tlf.analysis_ids, NEW_ID), source=source)
    return TLFOutput(tlf, ARD.concat([output.ard, b.build()]))
