"""Reading real SAS7BDAT files gives the same validated trial as the CSV files they came from.

The fixture in ``tests/data/sas7bdat_minimal/`` is the 3-patient minimal trial
(``tests/minimal_trial.py``) written as CSV and converted by R's haven (2.5.1, ReadStat), an
independent SAS7BDAT writer: complete ISO dates become SAS dates with format DATE, plain numbers
become numerics, everything else (partial dates, codes with leading zeros) stays character::

    library(haven)
    for (f in list.files(src, pattern = "\\\\.csv$")) {
      d <- read.csv(file.path(src, f), colClasses = "character", na.strings = "")
      for (col in names(d)) {
        x <- d[[col]]; v <- x[!is.na(x)]
        if (length(v) && all(grepl("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", v))) {
          d[[col]] <- as.Date(x)
        } else if (length(v) && all(!is.na(suppressWarnings(as.numeric(v)))) &&
                   all(as.character(as.numeric(v)) == v)) {
          d[[col]] <- as.numeric(x)
        }
      }
      write_sas(d, file.path(out, sub("\\\\.csv$", ".sas7bdat", f)))
    }
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from minimal_trial import minimal_trial, write_trial

from osteo_stats import load_sap
from osteo_stats.load import load_trial

FIXTURE = Path(__file__).parent / "data" / "sas7bdat_minimal"
DATASETS = ("adsl", "adae", "adrs", "adtr", "adex", "adbm")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    csv_dir = write_trial(minimal_trial(), tmp_path_factory.mktemp("csv"))
    sap = load_sap()
    return load_trial(csv_dir, sap), load_trial(FIXTURE, sap)


def test_fixture_is_read_as_sas7bdat(both):
    _, from_sas = both
    assert {source.format for source in from_sas.sources} == {"sas7bdat"}
    assert sorted(source.path.name for source in from_sas.sources) == sorted(
        f"{name}.sas7bdat" for name in DATASETS
    )


@pytest.mark.parametrize("name", DATASETS)
def test_sas7bdat_and_csv_give_the_same_data(both, name):
    from_csv, from_sas = (getattr(trial, name) for trial in both)
    assert list(from_sas.columns) == list(from_csv.columns)
    pd.testing.assert_frame_equal(
        from_sas.reset_index(drop=True),
        from_csv.reset_index(drop=True),
        check_dtype=False,
    )
    is_date = pd.api.types.is_datetime64_any_dtype
    for column in [c for c in from_csv.columns if is_date(from_csv[c])]:
        assert is_date(from_sas[column]), column


def test_cutoff_and_warnings_agree(both):
    from_csv, from_sas = both
    assert from_sas.cutoff == from_csv.cutoff
    assert [str(w) for w in from_sas.warnings] == [str(w) for w in from_csv.warnings]
