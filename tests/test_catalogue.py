"""The TLF catalogue is the one source of TLF numbers and titles (SAP 11)."""

from __future__ import annotations

import pandas as pd
import pytest

from osteo_stats.tlf.catalogue import SAP_TLFS, expected_tlf
from osteo_stats.tlf.format import date_cells, text_cells
from osteo_stats.tlf.model import TLF


def test_labels_are_unique_and_in_sap_order_within_each_kind():
    labels = [tlf.label for tlf in SAP_TLFS]
    assert len(labels) == len(set(labels))
    for kind in ("Table", "Figure", "Listing"):
        numbers = [tuple(map(int, t.number.split("."))) for t in SAP_TLFS if t.kind == kind]
        assert numbers == sorted(numbers)


def test_a_tlf_without_a_title_takes_the_catalogue_title():
    tlf = TLF(
        kind="Table",
        number="14.3.1",
        analysis_set="Safety analysis set (N = 1)",
        footnotes=(),
        source="Source: test",
        analysis_ids=(),
    )
    assert tlf.title == "Overview of treatment-emergent adverse events"


def test_a_label_outside_the_catalogue_needs_its_title():
    with pytest.raises(ValueError, match="not in the SAP 11 TLF lists"):
        TLF(kind="Table", number="99.1", analysis_set="", footnotes=(), source="", analysis_ids=())
    with pytest.raises(ValueError, match="not in the SAP 11 TLF lists"):
        expected_tlf("Table 14.3.99")


def test_date_cells_show_the_imputation_flag_and_the_missing_text():
    dates = pd.Series(pd.to_datetime(["2025-03-01", None, "2025-04-15"]))
    flags = pd.Series(["D", "M", None])
    assert date_cells(dates, flags).tolist() == ["2025-03-01 (D)", "", "2025-04-15"]
    assert date_cells(dates, missing="Missing").tolist() == ["2025-03-01", "Missing", "2025-04-15"]


def test_text_cells_keep_free_text_exactly_and_blank_missing():
    values = pd.Series(["=HYPERLINK(x)", None, float("nan"), "  two  spaces "])
    assert text_cells(values).tolist() == ["=HYPERLINK(x)", "", "", "  two  spaces "]
