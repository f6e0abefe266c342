"""Plain regression tests for what the generative whole-trial tests found (issue 19, section 2).

Each test is a hand-made trial (``minimal_trial``) with the expected values worked from the SAP
text, not from the package's output.
"""

from __future__ import annotations

import pandas as pd
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.tlf.build import build_tlfs


def test_toxicity_table_stop_counts_are_ard_values(tmp_path):
    """Table 14.3.5 showed "Stop at" = b_k + 1 computed in the template, a number missing from
    the ARD (SAP 11.1: every number in a table comes from the ARD). Found on a 6-patient trial
    whose look 5 showed "Stop at 9" with no ARD value 9. SAP 9.4: stop when x_k > b_k, i.e. at
    b_k + 1 patients, which cannot happen when b_k + 1 > n_k."""
    sap = load_sap()
    trial = load_trial(write_trial(minimal_trial(), tmp_path), sap)
    ad = derive_analysis_data(trial, sap, None, analysis_type="interim")
    (output,) = [o for o in build_tlfs(ad, ["monitoring"]) if o.tlf.label == "Table 14.3.5"]
    ard = output.ard
    body = output.tlf.body
    looks = body[body["Look"].str.fullmatch(r"\d+")]
    assert len(looks) == 9  # n_k = 5, 10, ..., 40, 43 (SAP 9.4)
    for _, row in looks.iterrows():
        group = {"LOOK": int(row["Look"])}
        b_k = int(row["Boundary b_k (max acceptable)"])
        n_k = int(row["Evaluable patients (n_k)"])
        stop = ard.value("TOX-BDRY-01", "boundary", parameter="STOP AT", group=group)
        if b_k + 1 <= n_k:
            assert stop == b_k + 1
            assert row["Stop at"] == str(b_k + 1)
        else:
            assert stop != stop  # NaN: no count can stop the trial at this look
            assert row["Stop at"] == "cannot stop"


def _trial_of_44(tmp_path):
    """The minimal trial plus 41 copies of PROMIS-001 (PROMIS-004 ... PROMIS-044): 44 enrolled,
    one more than planned (SAP 5.6)."""
    tables = minimal_trial()
    for name, frame in tables.items():
        base = frame[frame["USUBJID"] == "PROMIS-001"]
        copies = [base.assign(USUBJID=f"PROMIS-{k:03d}") for k in range(4, 45)]
        tables[name] = pd.concat([frame, *copies], ignore_index=True)
    return write_trial(tables, tmp_path)


def test_primary_sensitivity_table_names_the_first_43_not_the_fas(tmp_path):
    """Table 14.2.4 stated "Full analysis set (N = 43)" on a trial of 44 (found on a generated
    44-patient trial) while every other table states the FAS as N = 44. SAP 5.6: the primary
    analysis uses the first 43 FAS patients by enrollment; ties by USUBJID put PROMIS-001 and its
    41 copies (enrolled 2025-01-10) first, then PROMIS-002 (2025-02-07): 43 patients, 42 of them
    per-protocol (the copies of PROMIS-001 are PPS, PROMIS-002 is not)."""
    sap = load_sap()
    trial = load_trial(_trial_of_44(tmp_path), sap)
    ad = derive_analysis_data(trial, sap, None, analysis_type="interim")
    assert len(ad.population("FAS")) == 44
    (output,) = [o for o in build_tlfs(ad, ["efficacy"]) if o.tlf.label == "Table 14.2.4"]
    first = "first 43 FAS patients by enrollment"
    assert output.tlf.analysis_set == (
        f"Per-protocol set, {first} (N = 42); Full analysis set, {first} (N = 43)"
    )


def test_synth_never_dates_new_therapy_after_death():
    """``synth --n 41 --seed 163678749`` wrote PROMIS-01-026 with NACTDT 2024-07-25 after DTHDT
    2024-07-24, which its own loader refuses ("nothing can be dated after death", SAP 8.1): new
    therapy was drawn after progression even when death had been drawn before it."""
    from osteo_stats.synth import generate_trial

    sap = load_sap()
    adsl = generate_trial(sap, 41, 163678749)["ADSL"]
    dead = adsl[adsl["DTHDT"].notna() & adsl["NACTDT"].notna()]
    # A partial NACTDT (YYYY-MM) is compared by its first day, as the loader does (SAP 8.1).
    death = pd.to_datetime(dead["DTHDT"], format="ISO8601")
    assert (pd.to_datetime(dead["NACTDT"], format="ISO8601") <= death).all()
    assert len(adsl) == 41
