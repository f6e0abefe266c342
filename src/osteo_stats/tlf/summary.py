"""What the TLF areas that count patients share: n (%) with its denominator (SAP 6.4), the SAP
6.3 continuous summary, the population line and the table and listing shells (SAP 11.1, 11.4).

Every value goes to the ARD unrounded (SAP 12); the display rows are formatted from the ARD.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.load.schemas import dataset_specs
from osteo_stats.sap import SAP
from osteo_stats.tlf.ard import ARD, ARDBuilder, ARDView
from osteo_stats.tlf.catalogue import expected_tlf
from osteo_stats.tlf.format import fmt_number
from osteo_stats.tlf.model import TLF, TLFOutput, patient_listing, source_line

#: An ARD group: key-value pairs, or None for the whole population.
Group = Mapping[str, object] | None


def add_n_pct(
    b: ARDBuilder,
    n: int,
    denominator: int,
    *,
    parameter: str,
    group: Group,
    analysis_set: str | None = None,
) -> None:
    """Record ``n`` and its percentage of ``denominator`` (NaN when the denominator is 0)."""
    b.add("n", int(n), parameter=parameter, group=group, analysis_set=analysis_set)
    pct = 100.0 * n / denominator if denominator > 0 else math.nan
    b.add("pct", pct, parameter=parameter, group=group, analysis_set=analysis_set)


def add_continuous(
    b: ARDBuilder,
    values: pd.Series,
    *,
    parameter: str,
    group: Group = None,
    analysis_set: str | None = None,
) -> None:
    """n, mean, SD, median, Q1, Q3 (numpy linear = R type 7, SAP 6.3), min, max."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    n = v.size
    stats = {
        "n": n,
        "mean": v.mean() if n else math.nan,
        "sd": v.std(ddof=1) if n > 1 else math.nan,
        "median": np.median(v) if n else math.nan,
        "q1": np.quantile(v, 0.25) if n else math.nan,
        "q3": np.quantile(v, 0.75) if n else math.nan,
        "min": v.min() if n else math.nan,
        "max": v.max() if n else math.nan,
    }
    for name, value in stats.items():
        b.add(name, value, parameter=parameter, group=group, analysis_set=analysis_set)


def continuous_rows(
    view: ARDView, parameter: str, decimals: int, group: Group = None
) -> list[tuple[str, str]]:
    """SAP 6.3 display: mean, median, quartiles +1 decimal, SD +2, min/max as recorded."""

    def g(stat: str, extra: int = 0) -> str:
        return fmt_number(view.get(parameter, stat, group), decimals + extra)

    return [
        ("n", str(view.count(parameter, group))),
        ("Mean (SD)", f"{g('mean', 1)} ({g('sd', 2)})"),
        ("Median", g("median", 1)),
        ("Q1, Q3", f"{g('q1', 1)}, {g('q3', 1)}"),
        ("Min, Max", f"{g('min')}, {g('max')}"),
    ]


def population_label(name: str, n: int) -> str:
    """The population line of a TLF, ``Safety analysis set (N = 43)``."""
    return f"{name} (N = {n})"


def table_output(
    module: str,
    ad: AnalysisData,
    number: str,
    analysis_set: str,
    footnotes: Sequence[str],
    analysis_id: str,
    body: pd.DataFrame,
    ard: ARD,
    *,
    landscape: bool = False,
) -> TLFOutput:
    """Table ``number`` built by ``module`` (title from the catalogue) showing the ARD rows of
    ``analysis_id``."""
    tlf = TLF(
        kind="Table",
        number=number,
        analysis_set=analysis_set,
        footnotes=tuple(footnotes),
        source=source_line(module, ad.cutoff, ad.sap.sap_version, (analysis_id,)),
        analysis_ids=(analysis_id,),
        body=body,
        landscape=landscape,
    )
    return TLFOutput(tlf, ard)


def listing_output(
    module: str,
    ad: AnalysisData,
    number: str,
    analysis_set: str,
    footnotes: Sequence[str],
    body: pd.DataFrame,
) -> TLFOutput:
    """Listing ``number`` built by ``module`` (title from the catalogue; no ARD rows)."""
    source = source_line(module, ad.cutoff, ad.sap.sap_version, ("none (patient listing)",))
    title = expected_tlf(f"Listing {number}").title
    return patient_listing(number, title, analysis_set, tuple(footnotes), source, body)


def adsl_codelist(sap: SAP, column: str) -> tuple[str, ...]:
    """The controlled terms of an ADSL column (e.g. DCSREAS), in the order of the data
    specification (:func:`osteo_stats.load.schemas.dataset_specs`): the display order of a
    table that counts them."""
    return dataset_specs(sap)["ADSL"].col(column).allowed
