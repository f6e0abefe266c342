"""A seeded generator of a realistic synthetic PROMIS trial (ADSL, ADAE, ADRS, ADTR, ADEX, ADBM,
ADLB).

**All data produced here are synthetic.** Patients, dates (accrual from 2022-03-01),
measurements and events are simulated; nothing comes from the real PROMIS trial. The data
follow ``sap/DATA_MODEL.md`` exactly and look like a plausible phase II trial of pre-operative
SBRT + penpulimab + gemcitabine followed by pulmonary metastasectomy, so that derivations,
analyses and reports can be built and reviewed before the real data exist.

How it works: the complete history of every patient is simulated first
(:mod:`osteo_stats.synth._simulate`), then a data cut-off keeps only what was known on that
date (:mod:`osteo_stats.synth._cutoff`). The same seed gives byte-identical CSV and XPT files
(:mod:`osteo_stats.synth._write`). Randomness comes only from ``numpy.random.Generator``
streams spawned from ``numpy.random.SeedSequence(seed)``; nothing touches a global generator.

Example
-------
>>> from osteo_stats import load_sap
>>> from osteo_stats.synth import generate_trial, interim_cutoff_for, write_trial
>>> sap = load_sap()
>>> final = generate_trial(sap)                                     # final analysis cut-off
>>> interim = generate_trial(sap, cutoff=interim_cutoff_for(final))  # stage-1 look
>>> write_trial(final, "data/synthetic")                            # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from osteo_stats.outputs import atomic_output_dir
from osteo_stats.sap import SAP, load_sap
from osteo_stats.synth._cutoff import datasets_at, final_cutoff
from osteo_stats.synth._lab import simulate_labs
from osteo_stats.synth._simulate import simulate_trial
from osteo_stats.synth._spec import COLUMNS, DATASET_LABELS, DATASETS
from osteo_stats.synth._write import csv_bytes, write_xpt, xpt_timestamp

DEFAULT_SEED = 20240301

__all__ = [
    "COLUMNS",
    "DATASETS",
    "DATASET_LABELS",
    "DEFAULT_SEED",
    "generate_trial",
    "interim_cutoff_for",
    "write_trial",
]


def _as_date(value: date | datetime | str | pd.Timestamp) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, datetime):  # includes pd.Timestamp
        return value.date()
    return value


def generate_trial(
    sap: SAP, n_patients: int = 43, seed: int = DEFAULT_SEED, cutoff: date | str | None = None
) -> dict[str, pd.DataFrame]:
    """Simulate the trial and extract the analysis datasets at a data cut-off.

    Parameters
    ----------
    sap
        The SAP configuration (schedule, visit interval, markers, age limits, ...).
    n_patients
        Patients to enroll, 1 to 10,000. Up to the planned enrollment (43) the trial has the
        four PROMIS sites and accrual takes ``planned_accrual_months * n /
        planned_enrollment``; a larger trial has ``ceil(n / 43)`` copies of the four-site
        network, each recruiting at the planned rate, so accrual never takes longer than the
        planned 24 months (4,300 patients: 400 sites, not two centuries of accrual).
    seed
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same data.
    cutoff
        Data cut-off. ``None`` = the final analysis cut-off: the month end about two months
        after the last patient reaches the primary landmark (24 months), so that every patient
        has had the chance of 24 months of follow-up.

    Notes
    -----
    With more than ``design.n1`` patients the trial must have passed Simon's stage-1 futility
    check, so draws whose first ``n1`` patients have ``r1`` or fewer 24-month EFS successes are
    redrawn deterministically (see :func:`osteo_stats.synth._simulate.simulate_trial`). The
    final result is not conditioned on.

    Raises
    ------
    ValueError
        The cut-off is before the first enrollment (an extract without patients).

    Returns
    -------
    dict
        ``ADSL, ADAE, ADRS, ADTR, ADEX, ADBM, ADLB`` as DataFrames with the columns of
        ``sap/DATA_MODEL.md`` in that order. Complete dates are ``datetime64[ns]``; the columns
        listed in ``sap.date_imputation.partial_allowed`` are ISO text (``YYYY-MM-DD``,
        ``YYYY-MM`` or ``YYYY``); integers are ``Int64``; text and flags are ``object`` with
        ``None`` for missing.
    """
    histories = simulate_trial(sap, n_patients, seed)
    cut = final_cutoff(histories, sap) if cutoff is None else _as_date(cutoff)
    first = min(h.baseline["ENRLDT"] for h in histories)
    if cut < first:
        raise ValueError(
            f"no patient is enrolled by the cut-off {cut.isoformat()}: the first enrollment "
            f"with seed {seed} is {first.isoformat()}; choose a later cut-off"
        )
    return datasets_at(histories, sap, cut, simulate_labs(histories, seed))


def interim_cutoff_for(
    datasets_or_adsl: Mapping[str, pd.DataFrame] | pd.DataFrame,
    nth_patient: int = 13,
    months: float = 24,
    *,
    sap: SAP | None = None,
) -> date:
    """The date on which the ``nth_patient``-th enrolled patient reaches ``months`` of follow-up.

    With the SAP's duration rule (AVAL in days = date - ENRLDT + 1, months = days / 30.4375)
    this is the first date whose follow-up is at least ``months``:

    .. math:: \\mathrm{ENRLDT}_{(n)} + \\lceil \\mathrm{months} \\times 30.4375 \\rceil - 1

    (ENRLDT + 730 days for 24 months). Patients are ordered by ENRLDT, ties by USUBJID.
    ENRLDT may be dates or ISO text (as read from CSV).
    """
    adsl = datasets_or_adsl["ADSL"] if isinstance(datasets_or_adsl, Mapping) else datasets_or_adsl
    sap = sap or load_sap()
    if nth_patient < 1 or nth_patient > len(adsl):
        raise ValueError(
            f"nth_patient must be between 1 and {len(adsl)} (patients in ADSL), got {nth_patient}"
        )
    order = pd.DataFrame(
        {"ENRLDT": pd.to_datetime(adsl["ENRLDT"]), "USUBJID": adsl["USUBJID"].astype(str)}
    )
    enrolled = order.sort_values(["ENRLDT", "USUBJID"])["ENRLDT"].iloc[nth_patient - 1]
    days = math.ceil(months * sap.time.days_per_month) - sap.time.day_one_offset
    return (enrolled + timedelta(days=days)).date()


def write_trial(
    datasets: Mapping[str, pd.DataFrame],
    out_dir: Path | str,
    *,
    command: Sequence[str] = (),
) -> list[Path]:
    """Write ``OUT/<name>.csv`` and ``OUT/xpt/<name>.xpt`` for every dataset, atomically.

    The whole directory is assembled aside and swapped in at the end
    (:func:`osteo_stats.outputs.atomic_output_dir`): a failure leaves the previous contents
    untouched, and no stale file from an earlier run survives. ``out_dir`` may only be new,
    empty or an earlier osteo-stats output (its manifest records ``command``). CSV and XPT live
    in separate folders because the loader refuses two files for one dataset in the same folder.
    XPT header timestamps come from ``SOURCE_DATE_EPOCH`` or else the data cut-off, so the
    same data give the same bytes.

    Returns the written paths (CSV files first, then XPT files), in dataset order.
    """
    names = [n for n in DATASETS if n in datasets]
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        raise ValueError(f"unknown dataset(s) {unknown}; expected some of {', '.join(DATASETS)}")
    cutoff = None
    if "ADSL" in datasets and len(datasets["ADSL"]):
        cutoff = _as_date(pd.Timestamp(datasets["ADSL"]["DCUTDT"].iloc[0]))
    stamp = xpt_timestamp(cutoff)
    out = Path(out_dir)
    csv_paths, xpt_paths = [], []
    with atomic_output_dir(out, command=command) as scratch:
        (scratch / "xpt").mkdir()
        for name in names:
            file = f"{name.lower()}.csv"
            (scratch / file).write_bytes(csv_bytes(name, datasets[name]))
            csv_paths.append(out / file)
            xfile = Path("xpt") / f"{name.lower()}.xpt"
            write_xpt(name, datasets[name], scratch / xfile, stamp)
            xpt_paths.append(out / xfile)
    return csv_paths + xpt_paths
