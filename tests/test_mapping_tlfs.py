"""What the TLFs show when a mapping declares columns "not collected" (issue 12).

The minimal 3-patient trial with the surgery columns removed and declared not collected, as a
generic ADaM would be: the tables built on surgery are not available, the rows of mixed tables
that depend on it say "not collected" (and their ARD rows are gone), the rest is unchanged.
"""

from __future__ import annotations

import pytest

from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.sap import load_sap
from osteo_stats.tlf.build import build_tlfs, unavailable
from tests.minimal_trial import load_not_collected, minimal_trial, write_trial

SURGERY = ["SURGOUT", "SURGDT", "SURGNDRS", "NECRPCT", "PPROTFL"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    sap = load_sap()
    tables = minimal_trial()
    tables["ADSL"] = tables["ADSL"].drop(columns=SURGERY)
    tables["ADAE"] = tables["ADAE"].drop(columns=["AEIRFL"])
    root = tmp_path_factory.mktemp("mapped")
    data = write_trial(tables, root / "data")
    mapping = root / "map.yaml"
    mapping.write_text(
        "name: no-surgery\ndatasets:\n"
        f"  ADSL:\n    not_collected: [{', '.join(SURGERY)}]\n"
        "  ADAE:\n    not_collected: [AEIRFL]\n",
        encoding="utf-8",
    )
    trial = load_trial(data, sap, mapping)
    ad = derive_analysis_data(trial, sap, None, analysis_type="interim")
    built = build_tlfs(ad, ("disposition", "safety"))
    return trial, {output.tlf.label: output for output in built}


def test_tlfs_built_on_surgery_are_not_available(outputs):
    trial, built = outputs
    reasons = unavailable(trial)
    assert reasons["Table 14.1.7"] == "not available: SURGOUT not collected"
    assert reasons["Table 14.3.4.2"] == "not available: AEIRFL not collected"
    assert reasons["Table 14.3.5"] == "not available: AEIRFL not collected"
    assert "Table 14.1.7" not in built and "Table 14.3.4.2" not in built
    assert "Table 14.3.2" in built and "Table 14.1.1" in built


def test_disposition_rows_on_surgery_say_not_collected(outputs):
    _, built = outputs
    output = built["Table 14.1.1"]
    body = output.tlf.body
    rows = dict(zip(body.iloc[:, 0].str.strip(), body.iloc[:, 1], strict=False))
    # 3 enrolled, all dosed; 001 and 003 ongoing, 002 discontinued (minimal_trial docstring)
    assert rows["Enrolled"] == "3 (100)"
    assert rows["Treated (safety analysis set)"] == "3 (100)"
    assert rows["Study status: ongoing"] == "2 (66.7)"
    assert rows["Study status: discontinued"] == "1 (33.3)"
    for label in ("Operated", "R0 resection", "Surgery not done", "Surgery pending at cut-off"):
        assert rows[label] == "not collected (SURGOUT)"
    assert any("not collected" in note and "SURGOUT" in note for note in output.tlf.footnotes)
    groups = set(output.ard.frame["group"])
    assert "CATEGORY=ENROLLED" in groups
    assert not any("OPERATED" in g or "SURGERY" in g for g in groups)


def test_teae_overview_marks_only_the_immune_related_row(outputs):
    _, built = outputs
    output = built["Table 14.3.1"]
    rows = dict(
        zip(output.tlf.body.iloc[:, 0].str.strip(), output.tlf.body.iloc[:, 1], strict=True)
    )
    assert rows["Immune-related TEAE"] == "not collected (AEIRFL)"
    assert rows["Any TEAE"] != "not collected (AEIRFL)"
    assert "ROW=IMMUNE-RELATED" not in set(output.ard.frame["group"])
    assert "ROW=ANY" in set(output.ard.frame["group"])


def test_every_registry_entry_builds_exactly_the_tlfs_it_lists(shipped_ad):
    """The per-TLF lists of tlf/build.py are the one list the gate reads: an entry's labels must
    be what its builder returns (else a TLF could be skipped, or built, behind the gate's back),
    and together they are the SAP 11 catalogue, each TLF once."""
    from osteo_stats.tlf.build import BUILDERS
    from osteo_stats.tlf.catalogue import SAP_TLFS

    listed = []
    for area, entries in BUILDERS.items():
        for labels, build in entries.items():
            assert [o.tlf.label for o in build(shipped_ad)] == list(labels), (area, labels)
            listed += labels
    assert sorted(listed) == sorted(t.label for t in SAP_TLFS)


def test_without_the_prognostic_factors_only_the_cox_tables_are_not_built(tmp_path):
    """NNODULE, DFIMO and LATERAL not collected, surgery collected: SAP 7.4 codes the factors
    for the Cox model (Table 14.2.13) and the subgroup table (14.2.14) only, so every other
    efficacy TLF is built as usual; the gate skips just those two, before running them."""
    from osteo_stats.tlf import efficacy

    sap = load_sap()
    factors = ["NNODULE", "DFIMO", "LATERAL"]
    trial = load_not_collected(minimal_trial(), sap, tmp_path, {"ADSL": factors})
    ad = derive_analysis_data(trial, sap, None, analysis_type="interim")
    built = [o.tlf.label for o in build_tlfs(ad, ("efficacy",))]
    every = [label for labels in efficacy.EFFICACY_TLFS for label in labels]
    assert sorted(built) == sorted(set(every) - {"Table 14.2.13", "Table 14.2.14"})
    assert unavailable(trial)["Table 14.2.13"] == (
        "not available: NNODULE, DFIMO, LATERAL not collected"
    )
