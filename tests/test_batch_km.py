"""Batch Kaplan-Meier at landmarks: exact agreement with ``kaplan_meier`` trial by trial.

The reference for every trial is :func:`osteo_stats.analyse.survival.kaplan_meier`, itself
tested against R ``survival`` 3.5.3 in ``tests/test_survival.py``; agreement is required to
1e-12 (it is in fact bit-for-bit: the same floating-point operations in the same order). One
test also checks R output directly (the 6-MP trial, values from ``tests/test_survival.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_stats.analyse.batch_km import batch_km_landmark
from osteo_stats.analyse.survival import CONF_TYPES, kaplan_meier

SIXMP = (
    [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35],
    [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
)
PLACEBO = (
    [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23],
    [1] * 21,
)
TOL = 1e-12


def _assert_matches_kaplan_meier(time, event, include, landmarks, conf_type, conf_level):
    batch = batch_km_landmark(
        time, event, landmarks, include=include, conf_type=conf_type, conf_level=conf_level
    )
    for i in range(time.shape[0]):
        keep = include[i]
        if not keep.any():
            assert np.isnan(batch.surv[i]).all() and (batch.n_risk[i] == 0).all()
            continue
        ref = kaplan_meier(
            time[i][keep], event[i][keep], conf_type=conf_type, conf_level=conf_level
        ).survival_at(landmarks)
        for column in ("surv", "std_err", "lower", "upper"):
            got, want = getattr(batch, column)[i], ref[column].to_numpy()
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=column)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=column)
        np.testing.assert_array_equal(batch.n_risk[i], ref["n_risk"].to_numpy())
        assert batch.n[i] == keep.sum()


@pytest.mark.parametrize("conf_type", CONF_TYPES)
def test_random_trials_with_ties_and_censoring_at_event_times(conf_type):
    """Integer times force ties among events, among censorings, and between the two."""
    rng = np.random.default_rng(20240301)
    trials, width = 400, 15
    time = rng.integers(0, 9, size=(trials, width)).astype(float)
    event = rng.integers(0, 2, size=(trials, width))
    include = rng.random((trials, width)) < 0.8
    include[0] = False  # an empty trial
    include[1] = True
    event[1] = 1  # every patient has an event: S drops to 0
    landmarks = [0.0, 0.5, 1.0, 3.0, 4.5, 8.0, 8.5]  # at, between, beyond observed times
    _assert_matches_kaplan_meier(time, event, include, landmarks, conf_type, 0.95)


def test_continuous_times_one_sided_level():
    rng = np.random.default_rng(7)
    time = rng.exponential(20.0, size=(300, 43))
    event = rng.random((300, 43)) < 0.7
    include = np.ones_like(event)
    _assert_matches_kaplan_meier(time, event, include, [12.0, 24.0, 36.0], "log-log", 0.90)


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.lists(
            st.tuples(st.integers(0, 6), st.booleans(), st.booleans()), min_size=6, max_size=6
        ),
        min_size=1,
        max_size=8,
    ),
    conf_type=st.sampled_from(CONF_TYPES),
)
def test_property_agrees_with_kaplan_meier(data, conf_type):
    array = np.array(data, dtype=float)  # (trials, patients, 3)
    time, event, include = array[..., 0], array[..., 1], array[..., 2].astype(bool)
    _assert_matches_kaplan_meier(time, event, include, [0.0, 2.0, 3.5, 6.0], conf_type, 0.95)


def test_sixmp_against_r_and_trials_of_different_sizes():
    """R 4.2.2, survival 3.5.3 (values as in tests/test_survival.py)::

        fit <- survfit(Surv(time, status) ~ 1, data = sixmp, conf.type = "log-log")
        summary(fit, times = c(10, 22))   # surv, std.err, lower, upper, n.risk

    The placebo arm has no censoring, so S(8) = 8/21 (13 events among 21 by week 8).
    """
    width = 23
    time = np.zeros((2, width))
    event = np.zeros((2, width))
    include = np.zeros((2, width), dtype=bool)
    time[0, :21], event[0, :21], include[0, :21] = SIXMP[0], SIXMP[1], True
    time[1, :21], event[1, :21], include[1, :21] = PLACEBO[0], PLACEBO[1], True
    time[:, 21:] = np.nan  # excluded patients may hold anything
    batch = batch_km_landmark(time, event, [10, 22, 8], include=include)
    np.testing.assert_allclose(batch.surv[0, :2], [0.752941176470588, 0.53781512605042], atol=1e-12)
    np.testing.assert_allclose(
        batch.std_err[0, :2], [0.0963496529943205, 0.128233751693034], atol=1e-12
    )
    np.testing.assert_allclose(
        batch.lower[0, :2], [0.503199510799957, 0.267778936767135], atol=1e-12
    )
    np.testing.assert_allclose(
        batch.upper[0, :2], [0.889361835169265, 0.746790717635394], atol=1e-12
    )
    assert batch.n_risk[0, :2].tolist() == [15, 7]
    assert batch.surv[1, 2] == pytest.approx(8 / 21, abs=1e-15)
    assert batch.n.tolist() == [21, 21]


def test_before_first_time_and_beyond_last_time():
    time = np.array([[2.0, 3.0, 5.0]])
    event = np.array([[1, 0, 1]])
    batch = batch_km_landmark(time, event, [1.0, 5.0, 5.1])
    assert batch.surv[0, 0] == 1 and batch.std_err[0, 0] == 0 and batch.lower[0, 0] == 1
    assert batch.surv[0, 1] == 0  # last patient has the event at 5
    assert np.isnan(batch.surv[0, 2]) and batch.n_risk[0, 2] == 0
    assert batch.n_risk[0].tolist() == [3, 1, 0]


def test_results_are_read_only():
    batch = batch_km_landmark(np.ones((2, 3)), np.ones((2, 3)), [1.0])
    with pytest.raises(ValueError, match="read-only"):
        batch.surv[0, 0] = 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": np.ones(3), "event": np.ones(3)}, "2-dimensional"),
        ({"time": np.ones((2, 3)), "event": np.ones((2, 2))}, "shape of time"),
        ({"time": np.ones((2, 3)), "event": np.full((2, 3), 2)}, "first at trial 0, patient 0"),
        ({"time": -np.ones((2, 3)), "event": np.ones((2, 3))}, "finite and >= 0"),
        ({"time": np.ones((2, 3)), "event": np.ones((2, 3)), "landmarks": [np.inf]}, "landmarks"),
        ({"time": np.ones((2, 3)), "event": np.ones((2, 3)), "conf_type": "logit"}, "allowed"),
        (
            {"time": np.ones((2, 3)), "event": np.ones((2, 3)), "include": np.ones((2, 3))},
            "boolean",
        ),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(kwargs, message):
    kwargs.setdefault("landmarks", [1.0])
    with pytest.raises(ValueError, match=message):
        batch_km_landmark(**kwargs)
