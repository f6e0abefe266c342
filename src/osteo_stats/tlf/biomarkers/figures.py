"""Figures 14.4.1-14.4.3 (SAP 7.6, 11.3): what each shows, read from the tables' ARD rows; the
drawing is in :mod:`osteo_stats.tlf.plots.biomarkers`."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from osteo_stats.analyse.survival import KaplanMeierResult
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.biomarkers.common import (
    CHANGE,
    COLUMN,
    EFS_ID,
    EXPLORATORY,
    MODULE,
    PAIR_ID,
    POST,
    PRE,
    RESP_ID,
    TIMEPOINT_LABEL,
    TIMEPOINTS,
    Display,
    count_of,
    endpoint_label,
    fas_line,
    reader,
    response_population,
)
from osteo_stats.tlf.format import fmt_number, fmt_p
from osteo_stats.tlf.model import TLF, TLFOutput, source_line
from osteo_stats.tlf.plots.biomarkers import (
    BoxPanel,
    KMPanel,
    PairedPanel,
    draw_km_by_marker,
    draw_marker_boxes,
    draw_paired,
)


def _p_text(get: Callable[..., float], marker: str, **group: object) -> str:
    """``p = 0.123 (BH 0.369)``, ``p < 0.001 (BH < 0.001)`` from the ARD."""

    def show(p: float) -> str:
        text = fmt_p(p)
        return text.replace("<", "< ").replace(">", "> ") if text[0] in "<>" else f"= {text}"

    raw, adj = get("p_value", marker, **group), get("p_value_adj", marker, **group)
    return f"p {show(raw)} (BH {show(adj).removeprefix('= ')})"


def _log_note(displays: dict[str, Display], text: str) -> str:
    labels = [d.label for d in displays.values() if d.log_transform]
    return text.format(", ".join(labels)) if labels else ""


def paired_figure(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display], pair: TLFOutput
) -> TLFOutput:
    """Figure 14.4.1 from the rows of Table 14.4.2."""
    get = reader(pair.ard, PAIR_ID)
    panels = [
        PairedPanel(
            log_transform=d.log_transform,
            pairs=values.loc[values["PARAMCD"].eq(marker) & values["AVAIL"].eq("BOTH")],
            medians=(get("median", marker, ATPT=PRE), get("median", marker, ATPT=POST)),
            title=f"{d.label}\nn = {count_of(get('N', marker))} pairs\nsigned-rank "
            + _p_text(get, marker, ATPT=CHANGE, TEST="SIGNED-RANK"),
        )
        for marker, d in displays.items()
    ]
    legend = (
        (endpoint_label(ad, "GOODRESP"), True),
        ("No good pathological response", False),
    )
    tlf = TLF(
        kind="Figure",
        number="14.4.1",
        analysis_set=f"{fas_line(ad)}, patients with both values (paired)",
        footnotes=(
            EXPLORATORY,
            "One line per patient from the pre-SBRT biopsy to the resected specimen, coloured by "
            f"pathological response (Huvos {ad.sap.pathology.good_grades_label} = good). Black "
            "bars: medians. Points with equal values are spread horizontally."
            + _log_note(displays, " On a log2(x + 1) axis: {}."),
            "p: Wilcoxon signed-rank test of the change (Table 14.4.2); BH: adjusted across "
            "markers.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (PAIR_ID,)),
        analysis_ids=(PAIR_ID,),
        svg=draw_paired(panels, legend),
    )
    return TLFOutput(tlf, ARD.concat([]))


def response_figure(
    ad: AnalysisData, values: pd.DataFrame, displays: dict[str, Display], resp: TLFOutput
) -> TLFOutput:
    """Figure 14.4.2 from the rows of Table 14.4.3."""
    get = reader(resp.ard, RESP_ID)
    rows = []
    for r, (marker, d) in enumerate(displays.items()):
        row = []
        for c, atpt in enumerate(TIMEPOINTS):
            pop = response_population(values, marker, atpt)
            good, other = (
                pop.loc[pop["GOODRESP"].eq(flag), COLUMN[atpt]].to_numpy(float)
                for flag in (True, False)
            )
            p_line = "MW " + _p_text(
                get, marker, ENDPOINT="GOODRESP", ATPT=atpt, TEST="MANN-WHITNEY"
            )
            row.append(
                BoxPanel(
                    samples=(good, other),
                    log_transform=d.log_transform,
                    change=atpt == CHANGE,
                    title=f"{TIMEPOINT_LABEL[atpt]}\n{p_line}" if r == 0 else p_line,
                    ylabel=d.label if c == 0 else None,
                )
            )
        rows.append(row)
    svg = draw_marker_boxes(
        rows,
        "Exploratory: marker values by pathological response "
        f"(Huvos {ad.sap.pathology.good_grades_label} = good)",
    )
    tlf = TLF(
        kind="Figure",
        number="14.4.2",
        analysis_set=f"{fas_line(ad)}, patients with a value",
        footnotes=(
            EXPLORATORY,
            "Boxes: median and quartiles; whiskers to the most extreme value within 1.5 IQR of "
            "the box; every patient is shown as a point. Good = good pathological response "
            f"(Huvos {ad.sap.pathology.good_grades_label}); other = Huvos "
            f"{ad.sap.pathology.other_grades_label} or no surgery."
            + _log_note(displays, " Pre- and post-SBRT on a log2(x + 1) axis: {}."),
            "MW p: exact Mann-Whitney test (Table 14.4.3); BH: adjusted across markers. "
            "Association with ORR: Table 14.4.3.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (RESP_ID,)),
        analysis_ids=(RESP_ID,),
        svg=svg,
    )
    return TLFOutput(tlf, ARD.concat([]))


def _risk_times(max_time: float) -> np.ndarray:
    """Number-at-risk times: every 6 months (12 beyond 36), up to the last follow-up."""
    step = 6.0 if max_time <= 36 else 12.0
    end = step * max(1, math.ceil(max_time / step))
    return np.arange(0.0, end + 1e-9, step)


def km_figure(
    ad: AnalysisData,
    displays: dict[str, Display],
    efs: TLFOutput,
    curve_ard: ARD,
    curves: dict[tuple[str, str], dict[str, KaplanMeierResult]],
) -> TLFOutput:
    """Figure 14.4.3 from the rows of Table 14.4.4; its own rows are the numbers at risk."""
    get = reader(efs.ard, EFS_ID)
    risk_rows = ARDBuilder(EFS_ID, "Figure 14.4.3", "FAS")
    rows = []
    for r, (marker, d) in enumerate(displays.items()):
        row = []
        for c, atpt in enumerate(TIMEPOINTS):
            aset = "FAS" if atpt == PRE else "FAS-LANDMARK"
            origin = "enrollment" if atpt == PRE else "surgery"
            groups = curves[(marker, atpt)]
            last = max((float(km.time[-1]) for km in groups.values()), default=12.0)
            times = _risk_times(last)
            at_risk = {}
            for level, km in groups.items():
                at_risk[level] = km.survival_at(times)["n_risk"].to_numpy()
                for month, count in zip(times, at_risk[level], strict=True):
                    risk_rows.add(
                        "n_risk",
                        count,
                        parameter=marker,
                        group={"ATPT": atpt, "LEVEL": level, "MONTH": f"{month:g}"},
                        analysis_set=aset,
                    )
            cut = fmt_number(get("median", marker, ATPT=atpt), d.summary_decimals)
            row.append(
                KMPanel(
                    curves=groups,
                    times=times,
                    at_risk=at_risk,
                    text=f"cut-point {cut}\nlog-rank "
                    + _p_text(get, marker, ATPT=atpt, TEST="LOG-RANK"),
                    title=f"{TIMEPOINT_LABEL[atpt]}\n(from {origin})" if r == 0 else None,
                    ylabel=f"{d.label.split(' (')[0]}\nEFS probability" if c == 0 else None,
                    xlabel=f"Months from {origin}" if r == len(displays) - 1 else None,
                )
            )
        rows.append(row)
    tlf = TLF(
        kind="Figure",
        number="14.4.3",
        analysis_set=f"{fas_line(ad)}; landmark at surgery for post-SBRT values and changes",
        footnotes=(
            EXPLORATORY,
            "Groups split at the median of the patients in each analysis (high = above, low = "
            "at or below; SAP 7.6 point 4). Pre-SBRT: EFS from enrollment. Post-SBRT and "
            "change: landmark analysis from surgery among operated patients without an EFS "
            "event on or before surgery (Table 14.4.4). Numbers at risk below each panel.",
            "p: log-rank test (Table 14.4.4); BH: adjusted across markers.",
        ),
        source=source_line(MODULE, ad.cutoff, ad.sap.sap_version, (EFS_ID,)),
        analysis_ids=(EFS_ID,),
        svg=draw_km_by_marker(rows),
    )
    return TLFOutput(tlf, ARD.concat([curve_ard, risk_rows.build()]))
