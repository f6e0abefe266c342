"""Property tests: whatever lands in a cell or a file, the loader answers with messages.

It never raises, and every message stays one line without raw control characters.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.load import validate_trial

SAP = load_sap()
TABLES = minimal_trial()
CELLS = [(name, column) for name, frame in TABLES.items() for column in frame.columns]
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(directory: Path) -> None:
    trial, issues = validate_trial(directory, SAP)
    assert (trial is None) == any(i.severity == "error" for i in issues)
    for issue in issues:
        message = str(issue)
        assert not CONTROL.search(message), repr(message)
        assert issue.value is None or len(issue.value) <= 60 or issue.dataset == "DIR"


@SETTINGS
@given(cell=st.sampled_from(CELLS), row=st.integers(0, 2), text=st.text(max_size=80))
def test_any_text_in_any_cell(cell: tuple[str, str], row: int, text: str) -> None:
    tables = minimal_trial()
    dataset, column = cell
    tables[dataset].loc[row, column] = text
    with tempfile.TemporaryDirectory() as tmp:
        _check(write_trial(tables, Path(tmp)))


@SETTINGS
@given(dataset=st.sampled_from(sorted(TABLES)), data=st.binary(max_size=200))
def test_any_bytes_as_a_file(dataset: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = write_trial(minimal_trial(), Path(tmp))
        (directory / f"{dataset.lower()}.csv").write_bytes(data)
        _check(directory)
