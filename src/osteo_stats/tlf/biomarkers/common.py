"""Shared input and helpers of the Section 14.4 biomarker TLFs (SAP 7.6).

:func:`marker_values` turns ADBM into one row per FAS patient and marker; the helpers write
summaries and Benjamini-Hochberg adjusted p-values into the ARD and read them back for display.

Group keys used in the ARD (SAP 12.1): ``AVAIL`` (BOTH, PRE ONLY, POST ONLY, NEITHER),
``ATPT`` (PRE-SBRT, POST-SBRT, CHANGE), ``REASON`` (``BMSTAT: BMREASND`` or ``NO RECORD``),
``ENDPOINT`` (GOODRESP, ORR), ``RESPONSE`` (Y, N), ``LEVEL`` (HIGH, LOW: above / at or below
the cut-point), ``TEST`` (SIGNED-RANK, MANN-WHITNEY, FISHER, COX, LOG-RANK), ``ESTIMATE``
(HODGES-LEHMANN, PROPORTION INCREASED, HR), ``DIRECTION`` (INCREASED, UNCHANGED, DECREASED);
KM curves of Figure 14.4.3 use ``STEP`` (row of the KM table) and ``MONTH`` (number at risk).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from osteo_stats.analyse.biomarkers import benjamini_hochberg
from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.derive.biomarkers import POST, PRE, derive_marker_values
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.format import fmt_number

#: The module named in every source line of Section 14.4 (SAP 11.1).
MODULE = "tlf.biomarkers"

AVAIL_ID = "BMK-AVAIL-01"
PAIR_ID = "BMK-PAIR-01"
RESP_ID = "BMK-RESP-01"
EFS_ID = "BMK-EFS-01"

CHANGE = "CHANGE"
TIMEPOINTS = (PRE, POST, CHANGE)
TIMEPOINT_LABEL = {PRE: "Pre-SBRT", POST: "Post-SBRT", CHANGE: "Change (post - pre)"}
COLUMN = {PRE: "PRE", POST: "POST", CHANGE: "CHANGE"}


def endpoint_label(ad: AnalysisData, endpoint: str) -> str:
    if endpoint == "GOODRESP":
        return f"Good pathological response (Huvos {ad.sap.pathology.good_grades_label})"
    return "Objective response (CR or PR)"


EXPLORATORY = (
    "Exploratory analysis (SAP 7.6): p-values are descriptive; Benjamini-Hochberg (BH) "
    "adjustment across markers within each family (SAP 7.7)."
)


# --------------------------------------------------------------------------------------------
# Patient-level input
# --------------------------------------------------------------------------------------------


def marker_values(ad: AnalysisData) -> pd.DataFrame:
    """One row per FAS patient and marker, in the SAP's marker order
    (:func:`~osteo_stats.derive.biomarkers.derive_marker_values`)."""
    markers = list(ad.sap.biomarkers.markers)
    return derive_marker_values(ad.population("FAS"), ad.adbm, markers)


def _recorded_decimals(values: pd.Series | np.ndarray) -> int:
    """Decimals the data are recorded with (SAP 6.3), from the shortest repr; at most 4."""
    places = 0
    for v in np.asarray(values, dtype=float):
        if math.isfinite(v):
            exponent = Decimal(repr(float(v))).normalize().as_tuple().exponent
            places = max(places, -int(exponent) if isinstance(exponent, int) else 0)
    return min(places, 4)


def _summary(values: np.ndarray) -> dict[str, float]:
    """n, median, Q1, Q3 (numpy linear = R type 7, SAP 6.3), min, max; NaN when empty."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"n": 0, **dict.fromkeys(("median", "q1", "q3", "min", "max"), math.nan)}
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    return {"n": v.size, "median": median, "q1": q1, "q3": q3, "min": v.min(), "max": v.max()}


@dataclass(frozen=True)
class Display:
    """How one marker is shown: label and decimals (recorded; summaries one more)."""

    label: str
    log_transform: bool
    decimals: int

    @property
    def summary_decimals(self) -> int:
        return self.decimals + 1


def marker_displays(ad: AnalysisData, values: pd.DataFrame) -> dict[str, Display]:
    out = {}
    for code, marker in ad.sap.biomarkers.markers.items():
        rows = values.loc[values["PARAMCD"].eq(code)]
        decimals = _recorded_decimals(pd.concat([rows["PRE"], rows["POST"]]))
        out[code] = Display(marker.label, marker.log_transform, decimals)
    return out


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def confidence_level(ad: AnalysisData) -> float:
    """The two-sided confidence level of every interval here (SAP 7.1, ``inference.conf_level``)."""
    return ad.sap.inference.conf_level


def pct_label(level: float) -> str:
    """``0.95`` -> ``"95%"``."""
    return f"{100 * level:g}%"


def fas_line(ad: AnalysisData, extra: str = "") -> str:
    n = len(ad.population("FAS"))
    return f"Full analysis set (N = {n}){extra}"


def reader(ard: ARD, analysis_id: str) -> Callable[..., float]:
    def get(statistic: str, parameter: str, **group: object) -> float:
        return ard.value(analysis_id, statistic, parameter=parameter, group=group or None)

    return get


def median_iqr(get: Callable[..., float], parameter: str, decimals: int, **group: object) -> str:
    return (
        f"{fmt_number(get('median', parameter, **group), decimals)} "
        f"({fmt_number(get('q1', parameter, **group), decimals)}, "
        f"{fmt_number(get('q3', parameter, **group), decimals)})"
    )


def count_of(value: float) -> int:
    return 0 if math.isnan(value) else int(value)


def add_summary(
    b: ARDBuilder, values: np.ndarray, *, parameter: str, group: Mapping[str, object]
) -> None:
    for statistic, value in _summary(values).items():
        b.add(statistic, value, parameter=parameter, group=group)


Family = list[tuple[str, Mapping[str, object], float]]


def add_adjusted(b: ARDBuilder, family: Family, analysis_set: str | None = None) -> None:
    """BH-adjust one family (SAP 7.6 point 6): entries (marker, group, raw p); NaN stays NaN."""
    adjusted = benjamini_hochberg([p for _, _, p in family])
    for (parameter, group, _), p_adj in zip(family, adjusted, strict=True):
        b.add("p_value_adj", p_adj, parameter=parameter, group=group, analysis_set=analysis_set)


def body_frame(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def normal_ci_note(ci_methods: dict[str, str]) -> str:
    """Footnote clause naming the markers whose CI critical value is asymptotic (SAP 7.6)."""
    normal = sorted({m for m, method in ci_methods.items() if method == "normal"})
    if not normal:
        return ""
    return (
        f"; normal approximation of the critical value (exact computation too costly, "
        f"SAP 7.6) for {', '.join(normal)}"
    )


def response_population(values: pd.DataFrame, marker: str, atpt: str) -> pd.DataFrame:
    rows = values.loc[values["PARAMCD"].eq(marker)]
    return rows.loc[rows[COLUMN[atpt]].notna()]
