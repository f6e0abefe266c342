"""Session fixtures: the shipped synthetic trial, loaded once and derived once per cut-off.

``shipped_trial`` is the validated ``data/synthetic``; ``shipped_ad`` is it derived at the
extract's own cut-off; ``shipped_analysis(cutoff, analysis_type)`` derives (once per session)
at any other cut-off. All are shared and read-only (see ``shipped.py``): the session fails if a
test changed one of their frames.
"""

from __future__ import annotations

import pytest
import shipped


@pytest.fixture(scope="session", autouse=True)
def _shipped_data_is_read_only():
    yield
    changed = shipped.changed_frames()
    assert not changed, f"a test changed the shared shipped data: {changed}; work on a .copy()"


@pytest.fixture(scope="session")
def shipped_trial():
    return shipped.shipped_trial()


@pytest.fixture(scope="session")
def shipped_ad():
    return shipped.shipped_analysis()


@pytest.fixture(scope="session")
def shipped_analysis():
    return shipped.shipped_analysis
