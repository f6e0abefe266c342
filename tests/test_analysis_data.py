"""derive_analysis_data: every analysis dataset at a cut-off, from the shipped synthetic trial."""

from __future__ import annotations

from datetime import date

import pytest

from osteo_stats import DataValidationError, load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data


@pytest.fixture(scope="module")
def trial(shipped_trial):
    return shipped_trial


def test_final_cutoff_has_every_patient_and_parameter(trial, shipped_ad):
    ad = shipped_ad
    assert ad.cutoff == trial.cutoff
    assert len(ad.adsl) == 43
    assert set(ad.adtte["PARAMCD"]) == {"EFS", "EFSSENSA", "EFSSENSB", "OS", "EFSSURG"}
    sizes = ad.adtte.groupby("PARAMCD").size()
    assert sizes.drop("EFSSURG").eq(43).all()
    # EFSSURG (SAP 7.6 point 5): the operated patients without an EFS event on or before SURGDT.
    efs = ad.adtte.loc[ad.adtte["PARAMCD"].eq("EFS")].merge(ad.adsl[["USUBJID", "SURGDT"]])
    by_surgery = efs["CNSR"].eq(0) & (efs["ADT"] <= efs["SURGDT"])
    assert sizes["EFSSURG"] == (efs["SURGDT"].notna() & ~by_surgery).sum()
    assert {"BOR", "PRIMSTAT", "HUVOS", "BESTPCHG", "UTOXFL"} <= set(ad.adsl.columns)
    assert {"TRTEMFL", "APHASE"} <= set(ad.adae.columns)


def test_interim_cutoff_drops_everything_after_it(shipped_analysis):
    cut = date(2023, 6, 30)
    ad = shipped_analysis(cut)
    stamp = str(cut)
    assert (ad.adsl["ENRLDT"] <= stamp).all()
    assert len(ad.adsl) < 43
    for frame, column in ((ad.adrs, "ADT"), (ad.adex, "EXSTDT"), (ad.adtte, "ADT")):
        assert (frame[column] <= stamp).all(), column
    assert (ad.adae["ASTDT"].dropna() <= stamp).all()
    assert not ad.adsl["PRIMSTAT"].eq("SUCCESS").any()  # nobody has 24 months of follow-up yet


def test_cutoff_after_the_extract_is_refused(trial):
    with pytest.raises(DataValidationError, match="on or before the extract's DCUTDT"):
        derive_analysis_data(trial, load_sap(), date(2030, 1, 1))


def test_sets_and_ae_ends_are_as_known_at_the_cutoff(trial, shipped_analysis):
    ad = shipped_analysis(date(2023, 6, 30))
    adsl = ad.adsl
    assert not (adsl["SAFFL"].eq("Y") & adsl["TRTSDT"].isna()).any()
    assert adsl.loc[adsl["PPROTFL"].eq("Y"), "SURGOUT"].isin(["R0", "R1", "R2"]).all()
    assert (ad.adae["AENDT"].dropna() <= "2023-06-30").all()
    # The extract itself has PPS patients whose surgery came after 2023-06-30.
    full = trial.adsl
    later = (
        full["PPROTFL"].eq("Y") & (full["SURGDT"] > "2023-06-30") & (full["ENRLDT"] <= "2023-06-30")
    )
    assert later.any()
