"""Patient counts behind the DMC monitoring rules: the toxicity looks (SAP 9.4) and stage 1 of
the Simon design (SAP 3.1, 5.5, 10.1).

The counts are derived here; the decisions on them (the boundary b_k, the last look that can be
reached, the stage-1 futility decision) are in :mod:`osteo_stats.analyse.toxicity` and
:mod:`osteo_stats.analyse.two_stage`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from osteo_stats.derive.analysis_data import in_population
from osteo_stats.derive.endpoint_status import enrollment_order

#: PRIMSTAT of a patient whose primary endpoint is still open (SAP 3.1 N1, N2).
NOT_EVALUABLE_YET = "NOT EVALUABLE YET"


def evaluable_in_order(adsl: pd.DataFrame) -> pd.DataFrame:
    """The evaluable SAF patients (``EVALFL = "Y"``) in look order: EVALDT, ENRLDT, USUBJID.

    SAP 9.4: the first n_k of them make look k.
    """
    evaluable = adsl.loc[in_population(adsl, "SAF") & adsl["EVALFL"].eq("Y")]
    return evaluable.sort_values(["EVALDT", "ENRLDT", "USUBJID"], kind="mergesort")


def observed_toxicity_counts(adsl: pd.DataFrame, looks: Sequence[int]) -> pd.DataFrame:
    """Observed cumulative number of patients with an unacceptable toxicity at each look.

    Parameters
    ----------
    adsl
        ADSL at the cut-off with ``USUBJID``, ``ENRLDT``, ``SAFFL``, ``UTOXFL``, ``EVALFL``,
        ``EVALDT`` (from :func:`~osteo_stats.derive.safety.derive_unacceptable_toxicity`).
    looks
        Cumulative numbers of evaluable patients, n_1 < ... < n_K.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look`` (1..K), ``n`` (n_k), ``reached`` (at least n_k SAF patients
        are evaluable), ``observed`` (x_k: patients with ``UTOXFL = "Y"`` among the first n_k
        evaluable patients of :func:`evaluable_in_order`; NaN when not reached).
        ``observed_so_far`` is the count among all evaluable patients (the same for every row):
        SAP 9.4 reports a crossing at an unreached look as certain when it already exceeds
        the boundary there.
    """
    cumulative = evaluable_in_order(adsl)["UTOXFL"].eq("Y").cumsum().to_numpy()
    n_eval = len(cumulative)
    total = int(cumulative[-1]) if n_eval else 0
    rows = []
    for k, n_k in enumerate(looks, start=1):
        reached = n_eval >= n_k
        rows.append(
            {
                "look": k,
                "n": int(n_k),
                "reached": reached,
                "observed": float(cumulative[n_k - 1]) if reached else math.nan,
                "observed_so_far": total,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Stage1Counts:
    """The first ``n1`` FAS patients at one cut-off (SAP 5.5, 10.1).

    Attributes
    ----------
    n1
        Stage-1 size.
    enrolled
        Stage-1 patients enrolled by the cut-off (fewer than ``n1`` while stage 1 is accruing).
    evaluable, successes, failures
        Among the enrolled stage-1 patients: status other than ``NOT EVALUABLE YET``; of those,
        ``SUCCESS``; the rest (a ``NOT EVALUABLE`` status under the ``exclude`` option counts
        here too: it can never become a success).
    pending
        Stage-1 places whose outcome is still open: enrolled but not yet evaluable, plus places
        not yet enrolled.
    """

    n1: int
    enrolled: int
    evaluable: int
    successes: int
    failures: int
    pending: int


def stage1_counts(adsl: pd.DataFrame, n1: int) -> Stage1Counts:
    """Stage-1 counts from ADSL with ``FASFL``, ``ENRLDT``, ``USUBJID`` and ``PRIMSTAT``.

    The stage-1 patients are the first ``n1`` FAS patients by ENRLDT, then USUBJID (SAP 4).
    """
    fas = enrollment_order(adsl.loc[in_population(adsl, "FAS")])
    status = fas.head(n1)["PRIMSTAT"]
    evaluable = int(status.ne(NOT_EVALUABLE_YET).sum())
    successes = int(status.eq("SUCCESS").sum())
    return Stage1Counts(
        n1=n1,
        enrolled=len(status),
        evaluable=evaluable,
        successes=successes,
        failures=evaluable - successes,
        pending=n1 - evaluable,
    )
