"""Table 14.4.1: biomarker availability and reasons for missing samples (SAP 7.6 point 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.biomarkers.common import (
    AVAIL_ID,
    COLUMN,
    EXPLORATORY,
    MODULE,
    POST,
    PRE,
    TIMEPOINT_LABEL,
    Display,
    body_frame,
    count_of,
    fas_line,
    reader,
)
from osteo_stats.tlf.format import fmt_n_pct
from osteo_stats.tlf.model import TLF, TLFOutput, source_line

AVAIL_CATEGORIES = ("BOTH", "PRE ONLY", "POST ONLY", "NEITHER")
_AVAIL_LABEL = {
    "BOTH": "Both time points",
    "PRE ONLY": "Pre-SBRT only",
    "POST ONLY": "Post-SBRT only",
    "NEITHER": "Neither time point",
}
_MISSING_AT = {"PRE ONLY": (POST,), "POST ONLY": (PRE,), "NEITHER": (PRE, POST)}


def availability_table(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display]
) -> TLFOutput:
    b = ARDBuilder(AVAIL_ID, "Table 14.4.1", "FAS")
    n_fas = len(ad.population("FAS"))
    reason_keys: list[tuple[str, str, str]] = []
    for marker in displays:
        rows = values.loc[values["PARAMCD"].eq(marker)]
        b.add("N", n_fas, parameter=marker)
        for avail in AVAIL_CATEGORIES:
            sub = rows.loc[rows["AVAIL"].eq(avail)]
            b.add("n", len(sub), parameter=marker, group={"AVAIL": avail})
            pct = 100 * len(sub) / n_fas if n_fas else np.nan  # no FAS patient yet
            b.add("pct", pct, parameter=marker, group={"AVAIL": avail})
        for avail, missing in _MISSING_AT.items():
            sub = rows.loc[rows["AVAIL"].eq(avail)]
            for atpt in missing:
                column = f"{COLUMN[atpt]}_REASON"
                for reason, count in sub[column].value_counts().sort_index().items():
                    key = (avail, atpt, str(reason))
                    if key not in reason_keys:
                        reason_keys.append(key)
                    group = {"AVAIL": avail, "ATPT": atpt, "REASON": reason}
                    b.add("n", count, parameter=marker, group=group)
                    b.add("pct", 100 * count / n_fas, parameter=marker, group=group)
    ard = b.build()
    get = reader(ard, AVAIL_ID)

    def cell(marker: str, **group: object) -> str:
        try:
            n = count_of(get("n", marker, **group))
        except KeyError:  # this reason does not occur for this marker
            n = 0
        return fmt_n_pct(n, n_fas)

    rows_out: list[list[str]] = []
    for avail in AVAIL_CATEGORIES:
        rows_out.append([_AVAIL_LABEL[avail], *(cell(m, AVAIL=avail) for m in displays)])
        for key in sorted(k for k in reason_keys if k[0] == avail):
            _, atpt, reason = key
            label = f"    {TIMEPOINT_LABEL[atpt]} missing: {reason.capitalize()}"
            rows_out.append(
                [label, *(cell(m, AVAIL=avail, ATPT=atpt, REASON=reason) for m in displays)]
            )
    columns = ["Patients with a value", *(f"{d.label} (N = {n_fas})" for d in displays.values())]
    footnotes = (
        EXPLORATORY,
        "A value is available when the sample was analysed (BMSTAT = DONE); pre-SBRT = "
        "diagnostic biopsy, post-SBRT = resected specimen. Missing values are not imputed "
        "(SAP 7.6, 8.2).",
        "Reasons are BMSTAT and BMREASND of the sample record; 'No record' = no sample record "
        "dated on or before the data cut-off.",
        f"Percentages use the FAS (N = {n_fas}) as denominator.",
    )
    tlf = TLF(
        kind="Table",
        number="14.4.1",
        analysis_set=fas_line(ad),
        footnotes=footnotes,
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (AVAIL_ID,)),
        analysis_ids=(AVAIL_ID,),
        body=body_frame(rows_out, columns),
    )
    return TLFOutput(tlf, ard)
