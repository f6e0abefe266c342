"""Swimmer-plot timelines (derive/timeline.py): two hand-made patients, times worked out by hand
as elapsed days from enrollment / 30.4375 (SAP 6.1), a dose covering one 21-day cycle (SAP 9.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from osteo_stats.derive.timeline import derive_timeline
from osteo_stats.sap import load_sap

SAP = load_sap()
T = pd.Timestamp
NAT = pd.NaT
M = 30.4375

# A: enrolled 2025-01-01, pre-op doses 01-02 and 01-23, surgery 03-01 (day 59), post-op doses
#    03-22 and 04-12 (+21 = 05-03, capped at maintenance start 05-01, day 120), maintenance
#    05-01 and 05-22 (+21 = 06-12, day 162); alive and on study, known alive after the cut-off
#    2025-10-01, so LSTALVDT is the cut-off (day 273) as the SAP 6.2 cut leaves it.
# B: enrolled 2025-02-01, pre-op doses 02-03 (day 2) and 02-24 (+21 = 03-17), no surgery, died
#    2025-03-10 (day 37): the pre-operative bar is capped at death; EFS event (death) on day 37.
PATIENTS = pd.DataFrame(
    {
        "USUBJID": ["A", "B"],
        "ENRLDT": [T("2025-01-01"), T("2025-02-01")],
        "TRTSDT": [T("2025-01-02"), T("2025-02-03")],
        "SURGDT": [T("2025-03-01"), NAT],
        "SURGOUT": ["R0", "NOT DONE"],
        "DTHDT": [NAT, T("2025-03-10")],
        "LSTALVDT": [T("2025-10-01"), T("2025-03-10")],
        "EOSSTT": ["ONGOING", "DISCONTINUED"],
        "BOR": ["PR", "PD"],
        "BORDT": [T("2025-02-20"), T("2025-03-03")],
    }
)
ADEX = pd.DataFrame(
    {
        "USUBJID": ["A"] * 6 + ["B"] * 2,
        "APHASE": ["PRE-OPERATIVE"] * 2 + ["POST-OPERATIVE"] * 2 + ["MAINTENANCE"] * 2
        + ["PRE-OPERATIVE"] * 2,
        "EXSTDT": [T(d) for d in ("2025-01-02", "2025-01-23", "2025-03-22", "2025-04-12",
                                  "2025-05-01", "2025-05-22", "2025-02-03", "2025-02-24")],
    }
)  # fmt: skip
ADTTE = pd.DataFrame(
    {
        "USUBJID": ["A", "B", "B"],
        "PARAMCD": ["EFS", "EFS", "OS"],
        "ADT": [T("2025-08-15"), T("2025-03-10"), T("2025-03-10")],
        "CNSR": [1, 0, 0],
    }
)

EXPECTED = {
    "A": dict(END=273, PREOP_START=1, PREOP_END=59, POSTOP_START=59, POSTOP_END=120,
              MAINT_START=120, MAINT_END=162, SURGERY=59, BORTIME=50, EFSEVENT=None, DEATH=None),
    "B": dict(END=37, PREOP_START=2, PREOP_END=37, POSTOP_START=None, POSTOP_END=None,
              MAINT_START=None, MAINT_END=None, SURGERY=None, BORTIME=30, EFSEVENT=37, DEATH=37),
}  # fmt: skip


@pytest.mark.parametrize("usubjid", ["A", "B"])
def test_timeline_times_in_months_from_enrollment(usubjid):
    out = derive_timeline(PATIENTS, ADEX, ADTTE, SAP).set_index("USUBJID")
    row = out.loc[usubjid]
    for column, days in EXPECTED[usubjid].items():
        if days is None:
            assert np.isnan(row[column]), column
        else:
            assert row[column] == pytest.approx(days / M, abs=1e-12), column


def test_ongoing_only_when_alive_and_on_study():
    out = derive_timeline(PATIENTS, ADEX, ADTTE, SAP)
    assert out["ONGOING"].tolist() == [True, False]
