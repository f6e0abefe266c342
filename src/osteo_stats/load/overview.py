"""A plain description of a validated trial extract: what was read and who is in it.

This is what ``osteo-stats validate`` prints after a clean validation, so the statistician can
see at a glance that the right extract was loaded before any analysis runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from osteo_stats.load import TrialData


@dataclass(frozen=True)
class DataOverview:
    """Counts describing one data extract.

    Attributes
    ----------
    cutoff
        The extract's data cut-off (ADSL.DCUTDT).
    datasets
        One row per dataset: ``dataset, format, file, records, patients``.
    patients
        One row per characteristic: ``characteristic, value`` (text, already formatted).
    n_warnings
        Eligibility deviations and other non-blocking findings.
    """

    cutoff: date
    datasets: pd.DataFrame
    patients: pd.DataFrame
    n_warnings: int


def _counts(series: pd.Series) -> str:
    counts = series.fillna("(missing)").value_counts().sort_index()
    return "; ".join(f"{level}: {count}" for level, count in counts.items())


def summarise_trial(data: TrialData) -> DataOverview:
    """Describe a validated extract: records per dataset and the patients it holds."""
    frames = {
        "ADSL": data.adsl,
        "ADAE": data.adae,
        "ADRS": data.adrs,
        "ADTR": data.adtr,
        "ADEX": data.adex,
        "ADBM": data.adbm,
        "ADLB": data.adlb,
    }
    by_name = {source.dataset: source for source in data.sources}
    datasets = pd.DataFrame(
        [
            {
                "dataset": name,
                "format": by_name[name].format if name in by_name else "absent",
                "file": by_name[name].path.name if name in by_name else "",
                "records": len(frame),
                "patients": frame["USUBJID"].nunique() if "USUBJID" in frame else 0,
            }
            for name, frame in frames.items()
        ]
    )

    adsl = data.adsl
    enrolled = adsl["ENRLDT"]
    age = adsl["AGE"].astype(float)
    rows = [
        ("Patients enrolled", f"{len(adsl)}"),
        ("Enrollment period", f"{enrolled.min():%Y-%m-%d} to {enrolled.max():%Y-%m-%d}"),
        ("Sites", _counts(adsl["SITEID"])),
        (
            "FAS / SAF / PPS",
            " / ".join(str(int((adsl[f] == "Y").sum())) for f in ("FASFL", "SAFFL", "PPROTFL")),
        ),
        ("Age, median (range)", f"{age.median():.1f} ({age.min():.0f}-{age.max():.0f})"),
        ("Sex", _counts(adsl["SEX"])),
        ("Performance status scale", _counts(adsl["PSTYPE"])),
        ("Surgery outcome", _counts(adsl["SURGOUT"])),
        ("End-of-study status", _counts(adsl["EOSSTT"])),
        ("Deaths", f"{int(adsl['DTHDT'].notna().sum())}"),
        ("Adverse events (records)", f"{len(data.adae)}"),
        ("Tumour assessments (records)", f"{len(data.adrs)}"),
    ]
    imputed = sum(
        int(frame[column].isin(["D", "M"]).sum())
        for frame in frames.values()
        for column in frame.columns
        if column.endswith("DTF")
    )
    rows.append(("Partial dates imputed (SAP 8.3)", f"{imputed}"))
    patients = pd.DataFrame(rows, columns=["characteristic", "value"])
    return DataOverview(
        cutoff=data.cutoff, datasets=datasets, patients=patients, n_warnings=len(data.warnings)
    )
