"""Random draws for a batch of replicate trials: arrays of shape (replicates, patients).

Everything is drawn at once from the :class:`numpy.random.Generator` passed in, always in the
same order (arrival gaps, EFS uniforms, dropout uniforms), so a chunk's results depend only on
its generator. Patients are in arrival order (column 0 is the first enrolled).

Time grid. Every time (draws, landmark, analysis months) is rounded to a multiple of
:data:`TIME_QUANTUM` months by :func:`on_time_grid`. Sums and differences of such numbers below
:math:`2^{32}` months are exact in float64, so the conduct rules compare times exactly: a patient
enrolled at ``t`` and analysed at ``t + 24`` has exactly 24 months of follow-up. With raw floats
``(t + 24) - t`` falls just below 24 for about one trial in eight, which dropped the last
patient's success and biased the simulated power low (issue 10, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from osteo_stats.simulate.scenario import Scenario

__all__ = ["TIME_QUANTUM", "TrialDraws", "draw_trials", "on_time_grid"]

#: Resolution of simulated times, in months (2**-20 month, about 2.5 seconds). A power of two,
#: so that rounding to it and adding grid values are exact in binary floating point.
TIME_QUANTUM = 2.0**-20


def on_time_grid(months: Any) -> np.ndarray:
    """Round times in months to the nearest multiple of :data:`TIME_QUANTUM` (``inf`` stays)."""
    scaled = np.asarray(months, dtype=float) / TIME_QUANTUM
    return np.round(scaled) * TIME_QUANTUM


@dataclass(frozen=True, eq=False)
class TrialDraws:
    """Patient-level draws for ``reps`` trials of ``n`` patients.

    Attributes
    ----------
    arrival : numpy.ndarray
        Calendar month (since accrual opened) at which each patient would enrol with
        uninterrupted accrual; increasing along each row.
    event_time : numpy.ndarray
        Months from enrolment to the EFS event (``inf``: never, e.g. cured).
    dropout_time : numpy.ndarray
        Months from enrolment to leaving follow-up event-free (``inf``: never).

    All three are put on the time grid (:func:`on_time_grid`) when the draws are made.
    """

    arrival: np.ndarray
    event_time: np.ndarray
    dropout_time: np.ndarray

    def __post_init__(self) -> None:
        for name in ("arrival", "event_time", "dropout_time"):
            object.__setattr__(self, name, on_time_grid(getattr(self, name)))


def draw_trials(scenario: Scenario, n: int, reps: int, rng: np.random.Generator) -> TrialDraws:
    """Draw arrivals, EFS times and dropout times for ``reps`` trials of ``n`` patients.

    Arrivals: the points of a Poisson process with intensity :math:`a(t)` (see
    :meth:`AccrualSpec.inverse_cumulative`), :math:`t_i = A^{-1}(\\Gamma_i)` with
    :math:`\\Gamma_i` the cumulative sums of standard exponentials. EFS times by inversion,
    :math:`T = S^{-1}(U)`. Dropout times exponential with the scenario's dropout rate.
    """
    gaps = rng.standard_exponential(size=(reps, n))
    arrival = scenario.accrual.inverse_cumulative(np.cumsum(gaps, axis=1))
    u_event = rng.random(size=(reps, n))
    event_time = scenario.efs.isf(u_event)
    u_drop = rng.standard_exponential(size=(reps, n))
    rate = scenario.dropout.rate
    dropout_time = u_drop / rate if rate > 0 else np.full((reps, n), np.inf)
    return TrialDraws(arrival=arrival, event_time=event_time, dropout_time=dropout_time)
