"""Shared pieces of the efficacy TLFs: ARD read-back, counts and rates recorded in the ARD,
cell formatting, the FAS in enrollment order, and the ADTTE records of one parameter.

ARD conventions used by the efficacy TLFs (SAP 12; ``group`` keys, in upper case):

- counts: ``n`` with ``N`` (the denominator) and ``pct`` (100 n / N) in the same group;
- proportions with a CI: ``n``, ``N``, ``pct`` and the triple ``est``/``lcl``/``ucl`` with
  ``conf_level`` (``est`` as a proportion in [0, 1]);
- Kaplan-Meier summaries (time in months, AVALM): ``events``/``censored`` (totals),
  ``n`` + ``pct`` per event or censoring rule (``EVENT=E1``, ``CENSOR=C1``), quantiles
  ``QUANTILE=Q1|MEDIAN|Q3`` (``est``/``lcl``/``ucl``/``conf_level`` and ``reached`` 0/1;
  not reached = empty), landmark rates ``MONTH=12`` (``est``/``lcl``/``ucl``/``conf_level`` and
  ``n_risk``), median follow-up ``FOLLOWUP=REVERSE KM``;
- Kaplan-Meier figures: the plotted curve ``PLOT=KM; ROW=i`` (``time``, ``n_risk``, ``events``,
  ``censored``, ``surv``, ``std_err``, ``lcl``, ``ucl``, ``conf_level``), the number-at-risk table
  ``PLOT=AT RISK; MONTH=t`` (``n_risk``) and the median line ``PLOT=MEDIAN`` (``est``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from osteo_stats.analyse.proportions import binomial_ci
from osteo_stats.analyse.survival import (
    KaplanMeierResult,
    kaplan_meier,
)
from osteo_stats.derive.analysis_data import AnalysisData, in_population
from osteo_stats.derive.efficacy import compute_event_indicator
from osteo_stats.derive.endpoint_status import enrollment_order
from osteo_stats.tlf.ard import ARD, ARDBuilder
from osteo_stats.tlf.format import fmt_est_ci, fmt_n_pct, fmt_number, fmt_pct_ci
from osteo_stats.tlf.model import source_line

MODULE = "tlf.efficacy"

#: Best overall response categories, best first (SAP 3.3).
BOR_LEVELS = ("CR", "PR", "SD", "PD", "NE")
BOR_LABELS = {
    "CR": "Complete response (CR)",
    "PR": "Partial response (PR)",
    "SD": "Stable disease (SD)",
    "PD": "Progressive disease (PD)",
    "NE": "Not evaluable (NE)",
}
HUVOS_LEVELS = ("I", "II", "III", "IV")

SET_NAMES = {
    "FAS": "Full analysis set",
    "PPS": "Per-protocol set",
    "FAS-OPERATED": "Operated patients (FAS)",
}


# --- small helpers ---


@dataclass(frozen=True)
class Values:
    """Read back one analysis's ARD values: ``values("n", {"BOR": "PR"})``."""

    ard: ARD
    analysis_id: str
    parameter: str
    analysis_set: str

    def __call__(self, statistic: str, group: Mapping[str, object] | None = None) -> float:
        return self.ard.value(
            self.analysis_id,
            statistic,
            parameter=self.parameter,
            group=group,
            analysis_set=self.analysis_set,
        )

    def at(self, *, parameter: str | None = None, analysis_set: str | None = None) -> Values:
        return Values(
            self.ard,
            self.analysis_id,
            parameter or self.parameter,
            analysis_set or self.analysis_set,
        )

    def count(self, group: Mapping[str, object] | None = None) -> str:
        """``n (x.x)`` from the ``n`` and ``N`` of ``group``."""
        return fmt_count(self("n", group), self("N", group))

    def rate_ci(self, group: Mapping[str, object] | None = None) -> str:
        """``x.x (l, u)`` in percent from ``est``/``lcl``/``ucl``; ``NE`` without an estimate."""
        est = self("est", group)
        if math.isnan(est):
            return "NE"
        return fmt_pct_ci(est, self("lcl", group), self("ucl", group))

    def time_ci(self, group: Mapping[str, object], missing: str = "NR") -> str:
        return fmt_est_ci(self("est", group), self("lcl", group), self("ucl", group), 1, missing)


def fmt_count(n: float, denominator: float) -> str:
    if math.isnan(n):
        return "NE"
    if n == 0 or math.isnan(denominator) or denominator <= 0:
        return fmt_number(n, 0)
    return fmt_n_pct(int(n), int(denominator))


def fmt_int(value: float) -> str:
    return fmt_number(value, 0)


def pct_label(level: float) -> str:
    """``0.95`` -> ``95%``."""
    return f"{fmt_number(100 * level, 0)}%"


def ci_method_name(name: str) -> str:
    """Display name of a proportion CI method (SAP 7.1)."""
    return {"clopper-pearson": "Clopper-Pearson", "wilson": "Wilson", "jeffreys": "Jeffreys"}.get(
        name, name
    )


def month_key(months: float) -> str:
    return f"{months:g}"


def tlf_source(ad: AnalysisData, ids: Sequence[str], module: str = MODULE) -> str:
    return source_line(module, ad.cutoff, ad.sap.sap_version, tuple(ids))


def listing_source(ad: AnalysisData, datasets: str) -> str:
    text = source_line(MODULE, ad.cutoff, ad.sap.sap_version, ())
    return text.removesuffix(", ARD ") + f", datasets {datasets} (listings are not in the ARD)"


def fas(ad: AnalysisData) -> pd.DataFrame:
    """FAS patients (SAP 4) in enrollment order (SAP 5.6)."""
    return enrollment_order(ad.population("FAS"))


def pps(ad: AnalysisData) -> pd.DataFrame:
    frame = fas(ad)
    return frame.loc[in_population(frame, "PPS")].reset_index(drop=True)


def set_line(*parts: tuple[str, int]) -> str:
    text = "; ".join(f"{SET_NAMES[name]} (N = {n})" for name, n in parts)
    return text[0].upper() + text[1:]


def table_body(rows: list[tuple[str, ...]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def add_count(
    b: ARDBuilder,
    x: int,
    n: int,
    *,
    parameter: str,
    group: Mapping[str, object] | None = None,
    analysis_set: str | None = None,
) -> None:
    """``n``, ``N`` and ``pct`` of ``x / n`` (``pct`` NE when ``n`` is 0)."""
    keys = {"parameter": parameter, "group": group, "analysis_set": analysis_set}
    b.add("n", x, **keys)
    b.add("N", n, **keys)
    b.add("pct", 100.0 * x / n if n > 0 else math.nan, **keys)


def add_rate(
    b: ARDBuilder,
    x: int,
    n: int,
    conf_level: float,
    method: str,
    *,
    parameter: str,
    group: Mapping[str, object] | None = None,
    analysis_set: str | None = None,
) -> None:
    """:func:`add_count` and the exact CI of ``x / n`` (NE when ``n`` is 0)."""
    keys = {"parameter": parameter, "group": group, "analysis_set": analysis_set}
    add_count(b, x, n, **keys)
    if n > 0:
        ci = binomial_ci(int(x), int(n), conf_level=conf_level, method=method)  # type: ignore[arg-type]
        b.add_ci(ci.estimate, ci.lower, ci.upper, conf_level, **keys)
    else:
        b.add_ci(math.nan, math.nan, math.nan, conf_level, **keys)


# --- time to event ---


def tte_data(ad: AnalysisData, paramcd: str, usubjids: pd.Series | None = None) -> pd.DataFrame:
    """ADTTE records of one parameter (optionally for some patients) with ``EVENT`` (bool, from
    :func:`~osteo_stats.derive.efficacy.compute_event_indicator`) and ``RULEID`` (``E1``...)."""
    frame = ad.adtte.loc[ad.adtte["PARAMCD"] == paramcd]
    if usubjids is not None:
        frame = frame.loc[frame["USUBJID"].isin(set(usubjids))]
    frame = frame.sort_values("USUBJID", kind="stable").reset_index(drop=True)
    return frame.assign(EVENT=compute_event_indicator(frame["CNSR"]), RULEID=frame["RULEID"])


def km_fit(ad: AnalysisData, frame: pd.DataFrame) -> KaplanMeierResult | None:
    if frame.empty:
        return None
    inf = ad.sap.inference
    return kaplan_meier(
        frame["AVALM"].to_numpy(float),
        frame["EVENT"].to_numpy(),
        conf_level=inf.conf_level,
        conf_type=inf.km_conf_type,
    )
