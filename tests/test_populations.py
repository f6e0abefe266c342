"""SAP 4 analysis sets from their one definition, ``AnalysisData.population``.

The 3-patient minimal trial (tests/minimal_trial.py), by hand from SAP 4 and the ADSL dates:

========== ======== ======== ===================== ======= ========
patient    ENRLDT   TRTSDT   SURGDT / SURGOUT      PPROTFL note
========== ======== ======== ===================== ======= ========
PROMIS-001 01-10    01-13    2025-03-10 R0         Y
PROMIS-002 02-07    02-10    2025-04-08 R1         N       major deviation / incomplete regimen
PROMIS-003 03-05    03-10    NOT DONE              N       not operated
========== ======== ======== ===================== ======= ========

- FAS = all enrolled by the cut-off; SAF = dosed by the cut-off; PPS = PPROTFL = Y among FAS and
  SAF patients operated (R0-R2) by the cut-off (SAP 4, 4.2, 6.2).
- Final cut-off (DCUTDT 2026-06-30): FAS {1, 2, 3}, SAF {1, 2, 3}, PPS {1}.
- Cut-off 2025-03-07: patient 3 enrolled (03-05) but first dose 03-10 is later, so not in the
  SAF; patient 1 not yet operated (03-10), so not in the PPS: FAS {1, 2, 3}, SAF {1, 2}, PPS {}.
- Cut-off 2025-03-10: patient 3 dosed and patient 1 operated on the cut-off day (on or before
  counts): FAS {1, 2, 3}, SAF {1, 2, 3}, PPS {1}.
- Cut-off 2025-02-08: patient 3 not enrolled yet; patient 2 enrolled (02-07), dosed 02-10:
  FAS {1, 2}, SAF {1}, PPS {}.
"""

from __future__ import annotations

from datetime import date

import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import POPULATIONS, derive_analysis_data
from osteo_stats.load import load_trial

P1, P2, P3 = "PROMIS-001", "PROMIS-002", "PROMIS-003"


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    return load_trial(write_trial(minimal_trial(), tmp_path_factory.mktemp("pop")), load_sap())


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        (None, {"FAS": {P1, P2, P3}, "SAF": {P1, P2, P3}, "PPS": {P1}}),
        (date(2025, 3, 7), {"FAS": {P1, P2, P3}, "SAF": {P1, P2}, "PPS": set()}),
        (date(2025, 3, 10), {"FAS": {P1, P2, P3}, "SAF": {P1, P2, P3}, "PPS": {P1}}),
        (date(2025, 2, 8), {"FAS": {P1, P2}, "SAF": {P1}, "PPS": set()}),
    ],
    ids=["final", "2025-03-07", "2025-03-10", "2025-02-08"],
)
def test_membership_matches_sap_4(trial, cutoff, expected):
    ad = derive_analysis_data(trial, load_sap(), cutoff)
    got = {name: set(ad.population(name)["USUBJID"]) for name in POPULATIONS}
    assert got == expected


def test_population_rows_are_adsl_rows(trial):
    ad = derive_analysis_data(trial, load_sap(), date(2025, 3, 7))
    saf = ad.population("SAF")
    assert list(saf.columns) == list(ad.adsl.columns)
    assert saf.equals(ad.adsl.loc[saf.index])


def test_unknown_population_lists_the_allowed_ones(trial):
    ad = derive_analysis_data(trial, load_sap())
    with pytest.raises(ValueError, match=r"'ITT'.*FAS, SAF, PPS"):
        ad.population("ITT")
    with pytest.raises(ValueError, match="FAS, SAF, PPS"):
        ad.population("fas")
