"""Metamorphic whole-trial tests: one trial by two routes gives the identical ARD.

- the rows of every input file shuffled;
- CSV against SAS transport (XPT v5) against SAS7BDAT (written by R's haven, as the fixture of
  ``test_load_sas7bdat.py``; skipped where R with haven is not installed);
- USUBJIDs renamed consistently (order-preserving, so that ties broken by USUBJID, e.g. the
  stage-1 patients of SAP 5.5, stay the same patients);
- ``analyze --cutoff C`` on the full data against ``analyze`` on the snapshot the synthetic
  generator writes at C (``synth --cutoff C``, the same histories cut by ``datasets_at``).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from trial_strategy import Trial, examples, trials, write_datasets

from osteo_stats import load_sap
from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.synth import generate_trial
from osteo_stats.synth import write_trial as write_synth
from osteo_stats.tlf.build import build_tlfs, combined_ard

SAP_ = load_sap()


def ard_of(directory: Path, analysis_type: str, cutoff=None) -> pd.DataFrame:
    trial = load_trial(directory, SAP_)
    ad = derive_analysis_data(trial, SAP_, cutoff, analysis_type=analysis_type)
    return combined_ard(build_tlfs(ad)).frame


def assert_same_ard(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))


analysis_types = st.sampled_from(["interim", "final"])

# Known alive after the cut-off: OS is censored at c (SAP 3.2.5 rule C6) on the full data, at the
# last contact on or before c (C5) in a snapshot, which cannot know the later contact; the swimmer
# plot ends follow-up by the same dates. Everything else is the same by SAP 6.2.
USES_LATER_CONTACTS = {"EFF-OS-01", "EFF-SWIM-01"}


def known_at_cutoff(ard: pd.DataFrame) -> pd.DataFrame:
    """The ARD rows that depend only on what was known at the cut-off."""
    later = ard["analysis_id"].isin(USES_LATER_CONTACTS) | ard["parameter"].eq("OS")
    return ard.loc[~later]


@examples(ci=1, thorough=150)
@given(trial=trials(max_patients=30), analysis_type=analysis_types, seed=st.integers(0, 2**32 - 1))
def test_shuffled_rows_give_the_same_ard(tmp_path_factory, trial, analysis_type, seed):
    root = tmp_path_factory.mktemp("shuffle")
    frames = trial.datasets(SAP_)
    shuffled = {
        name: frame.sample(frac=1, random_state=seed % (2**32 - 1)).reset_index(drop=True)
        for name, frame in frames.items()
    }
    assert_same_ard(
        ard_of(write_datasets(frames, root / "a"), analysis_type),
        ard_of(write_datasets(shuffled, root / "b"), analysis_type),
    )


def _ascii(text: str) -> str:
    return text.encode("ascii", errors="replace").decode("ascii")


def ascii_only(trial: Trial) -> Trial:
    """The trial with every text in ASCII (``?`` for other characters): SAS transport v5 holds
    ASCII text, and pyreadstat writes no other encoding into it."""
    histories = []
    for h in trial.histories:
        ae = [{**a, **{c: _ascii(a[c]) for c in ("AETERM", "AEDECOD", "AEBODSYS")}} for a in h.ae]
        baseline = {**h.baseline, "SITEID": _ascii(h.baseline["SITEID"])}
        histories.append(replace(h, usubjid=_ascii(h.usubjid), baseline=baseline, ae=ae))
    partial = {_ascii(u): text for u, text in trial.partial_death.items()}
    return replace(trial, histories=tuple(histories), partial_death=partial)


R_TO_SAS7BDAT = r"""
library(haven)
args <- commandArgs(trailingOnly = TRUE)
src <- args[1]; out <- args[2]
for (f in list.files(src, pattern = "\\.csv$")) {
  d <- read.csv(file.path(src, f), colClasses = "character", na.strings = "",
                encoding = "UTF-8", check.names = FALSE)
  for (col in names(d)) {
    x <- d[[col]]; v <- x[!is.na(x)]
    if (length(v) && all(grepl("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", v))) {
      d[[col]] <- as.Date(x)
    } else if (length(v) && all(!is.na(suppressWarnings(as.numeric(v)))) &&
               all(as.character(as.numeric(v)) == v)) {
      d[[col]] <- as.numeric(x)
    }
  }
  write_sas(d, file.path(out, sub("\\.csv$", ".sas7bdat", f)))
}
"""


def _haven() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "library(haven)"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


HAVEN = _haven()


@examples(ci=1, thorough=150)
@given(trial=trials(max_patients=30).map(ascii_only), analysis_type=analysis_types)
def test_csv_and_xpt_give_the_same_ard(tmp_path_factory, trial, analysis_type):
    root = tmp_path_factory.mktemp("formats")
    frames = trial.datasets(SAP_)
    assert_same_ard(
        ard_of(write_datasets(frames, root / "csv"), analysis_type),
        ard_of(write_datasets(frames, root / "xpt", fmt="xpt"), analysis_type),
    )


@pytest.mark.skipif(not HAVEN, reason="needs R with the haven package (apt: r-cran-haven)")
@examples(ci=1, thorough=40)
@given(trial=trials(max_patients=20).map(ascii_only), analysis_type=analysis_types)
def test_csv_and_sas7bdat_give_the_same_ard(tmp_path_factory, trial, analysis_type):
    root = tmp_path_factory.mktemp("sas7bdat")
    frames = trial.datasets(SAP_)
    csv_dir = write_datasets(frames, root / "csv")
    sas_dir = root / "sas"
    sas_dir.mkdir()
    script = root / "to_sas7bdat.R"
    script.write_text(R_TO_SAS7BDAT, encoding="utf-8")
    subprocess.run(["Rscript", str(script), str(csv_dir), str(sas_dir)], check=True)
    assert {p.suffix for p in sas_dir.iterdir()} == {".sas7bdat"}
    assert_same_ard(ard_of(csv_dir, analysis_type), ard_of(sas_dir, analysis_type))


@examples(ci=1, thorough=150)
@given(trial=trials(max_patients=30), analysis_type=analysis_types)
def test_renamed_usubjids_give_the_same_ard(tmp_path_factory, trial, analysis_type):
    root = tmp_path_factory.mktemp("rename")
    frames = trial.datasets(SAP_)
    old = sorted(frames["ADSL"]["USUBJID"])
    new = {u: f"X{k:05d}-Ä" for k, u in enumerate(old)}  # same order, another alphabet
    renamed = {name: f.assign(USUBJID=f["USUBJID"].map(new)) for name, f in frames.items()}
    left = ard_of(write_datasets(frames, root / "a"), analysis_type)
    right = ard_of(write_datasets(renamed, root / "b"), analysis_type)
    for u, v in new.items():  # a patient named in an ARD group label keeps its new name
        right["group"] = right["group"].str.replace(v, u, regex=False)
    assert_same_ard(left, right)


@examples(ci=1, thorough=150)
@given(data=st.data(), trial=trials(max_patients=30), analysis_type=analysis_types)
def test_cutoff_on_full_data_equals_the_snapshot_at_that_cutoff(
    tmp_path_factory, data, trial, analysis_type
):
    root = tmp_path_factory.mktemp("cutoff")
    span = (trial.cutoff - trial.first_enrollment).days
    cut = trial.first_enrollment + timedelta(days=data.draw(st.integers(0, span), label="C"))
    full = write_datasets(trial.datasets(SAP_), root / "full")
    snapshot = write_datasets(trial.datasets(SAP_, cutoff=cut), root / "snap")
    assert_same_ard(
        known_at_cutoff(ard_of(full, analysis_type, cut)),
        known_at_cutoff(ard_of(snapshot, analysis_type)),
    )


@pytest.mark.xfail(
    reason="open finding (reported): a SURGOUT NOT DONE decided after the cut-off has no date, "
    "so analyze --cutoff keeps it where the synth snapshot says PENDING (n=1, seed=0, C=ENRLDT)",
    strict=False,
)
@settings(examples(ci=1, thorough=60), phases=(Phase.explicit, Phase.generate))  # no shrinking
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 2**31 - 1),
    fraction=st.fractions(0, 1),
    analysis_type=analysis_types,
)
def test_cutoff_on_synth_data_equals_synth_cutoff_snapshot(
    tmp_path_factory, n, seed, fraction, analysis_type
):
    """The generator's own trials: ``synth --seed S`` analysed at C against ``synth --seed S
    --cutoff C`` analysed at its own cut-off."""
    root = tmp_path_factory.mktemp("synth")
    full = generate_trial(SAP_, n, seed)
    first = pd.Timestamp(full["ADSL"]["ENRLDT"].min()).date()
    last = pd.Timestamp(full["ADSL"]["DCUTDT"].iloc[0]).date()
    cut = first + timedelta(days=int(fraction * (last - first).days))
    write_synth(full, root / "full")
    write_synth(generate_trial(SAP_, n, seed, cutoff=cut), root / "snap")
    assert_same_ard(
        known_at_cutoff(ard_of(root / "full", analysis_type, cut)),
        known_at_cutoff(ard_of(root / "snap", analysis_type)),
    )
