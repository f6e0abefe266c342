"""Random draws for a batch of replicate trials: arrays of shape (replicates, patients).

Everything is drawn at once from the :class:`numpy.random.Generator` passed in, always in the
same order (arrival gaps, EFS uniforms, dropout uniforms), so a chunk's results depend only on
its generator. Patients are in arrival order (column 0 is the first enrolled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from osteo_stats.simulate.scenario import Scenario

__all__ = ["TrialDraws", "draw_trials"]


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
    """

    arrival: np.ndarray
    event_time: np.ndarray
    dropout_time: np.ndarray


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
