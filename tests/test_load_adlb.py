"""ADLB in the data model (DATA_MODEL.md, SAP 9.6): optional, typed, and each rule worded.

The minimal 3-patient trial (``minimal_trial.py``) gets a small ADLB here; each test breaks it
in one way and checks the message names the dataset, row, patient, column, value and rule.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.load import validate_trial

SAP = load_sap()


def _lab(usubjid, paramcd, adt, aval, unit, lo, hi, visit="SCREENING"):
    return dict(STUDYID="PROMIS", USUBJID=usubjid, PARAMCD=paramcd, PARAM=paramcd,
                AVISIT=visit, ADT=adt, AVAL=aval, AVALU=unit, ANRLO=lo, ANRHI=hi)  # fmt: skip


ROWS = [
    _lab("PROMIS-001", "NEUT", "2025-01-08", "3.1", "10^9/L", "1.8", "7.5"),
    _lab("PROMIS-001", "NEUT", "2025-01-27", "0.9", "10^9/L", "1.8", "7.5", "C1D15"),
    _lab("PROMIS-001", "ALT", "2025-01-08", "22", "U/L", "7", "40"),
    _lab("PROMIS-001", "TSH", "2025-01-08", "2.1", "mU/L", "0.4", "4.0"),
]


def _issues(tmp_path: Path, **change) -> list:
    tables = minimal_trial()
    adlb = pd.DataFrame(ROWS).astype(str)
    for (row, column), value in change.get("cells", {}).items():
        adlb.loc[row, column] = value
    tables["ADLB"] = adlb
    trial, issues = validate_trial(write_trial(tables, tmp_path), SAP)
    return [i for i in issues if i.severity == "error"], trial


def test_a_valid_adlb_is_read_and_typed(tmp_path):
    errors, trial = _issues(tmp_path)
    assert errors == []
    assert len(trial.adlb) == 4 and "ADLB" in {s.dataset for s in trial.sources}
    assert str(trial.adlb["ADT"].dtype) == "datetime64[ns]"
    assert trial.adlb["AVAL"].tolist() == [3.1, 0.9, 22.0, 2.1]


def test_adlb_is_optional(tmp_path):
    trial, issues = validate_trial(write_trial(minimal_trial(), tmp_path), SAP)
    assert [i for i in issues if i.severity == "error"] == []
    assert trial.adlb.empty and "ADLB" not in {s.dataset for s in trial.sources}
    assert {"PARAMCD", "AVAL", "ANRLO", "ANRHI", "ADT"} <= set(trial.adlb.columns)


@pytest.mark.parametrize(
    ("cells", "column", "value", "rule", "hint"),
    [
        ({(0, "PARAMCD"): "ANC"}, "PARAMCD", "ANC",
         "is not one of: NEUT, PLAT, HGB, WBC, LYMPH, ALT, AST, BILI, CREAT, TSH",
         "use one of the listed values"),
        ({(2, "AVALU"): "IU/L"}, "AVALU", "IU/L", "is not one of", "use one of the listed"),
        ({(2, "AVALU"): "umol/L"}, "AVALU", "umol/L",
         "does not match PARAMCD ALT, which is recorded in U/L", "convert AVAL, ANRLO and ANRHI"),
        ({(1, "ANRLO"): "8.0"}, "ANRLO", "8.0", "is above ANRHI 7.5", "LLN and ULN may be swapped"),
        ({(1, "USUBJID"): "PROMIS-999"}, "USUBJID", "PROMIS-999", "is not in ADSL",
         "correct the USUBJID"),
        ({(1, "ADT"): "2026-07-01"}, "ADT", "2026-07-01", "is after the data cut-off",
         "remove records after the cut-off"),
        ({(1, "AVAL"): "-1"}, "AVAL", "-1", "must be >= 0", "correct the value"),
        ({(1, "ADT"): "2025-01-08", (1, "AVAL"): "3.0"}, None, None, "", ""),  # duplicate key
    ],
)  # fmt: skip
def test_each_rule_names_row_column_value_and_hint(tmp_path, cells, column, value, rule, hint):
    errors, trial = _issues(tmp_path, cells=cells)
    assert trial is None and errors, "bad ADLB must block the analysis"
    hit = errors[0]
    assert hit.dataset == "ADLB"
    if column is None:
        assert "key" in hit.rule or "USUBJID, PARAMCD, ADT" in hit.rule
        return
    index = next(row for row, col in cells if col == column)
    assert (hit.row, hit.column, hit.value) == (index + 1, column, value)  # rows are 1-based
    assert rule in hit.rule and hint in hit.hint
