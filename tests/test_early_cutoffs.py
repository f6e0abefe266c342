"""Every TLF builds at any cut-off from the day before the first enrolment onwards.

Issue 10, section 7: ``analyze --cutoff 2022-05-01`` raised ``KeyError 'POST-SBRT'`` (no
post-SBRT biomarker sample exists yet) and a cut-off before the first enrolment raised an
AttributeError (the empty UTOXREAS column is float, not text), a ZeroDivisionError (percent of
an empty FAS) and a TypeError in the KM figure. Empty categories must show 0 and analyses
without data must say so, not crash.

The expected patient counts below are read off ``data/synthetic/adsl.csv`` by hand: the first
enrolments are 2022-04-28, 2022-05-30 and 2022-06-16 (treatment starts 2022-05-04, 2022-05-31
and 2022-06-20); 22 patients are enrolled by 2023-05-19, 21 of them treated.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pytest
from test_render_fixtures import SYNTHETIC, synthetic_ad
from typer.testing import CliRunner

from osteo_stats.cli import app
from osteo_stats.render.csv_export import body_frame
from osteo_stats.tlf.build import build_tlfs

#: cut-off -> (enrolled, treated) by that date
SWEEP = {
    "2022-04-27": (0, 0),  # the day before the first enrolment
    "2022-04-28": (1, 0),  # the first enrolment day
    "2022-05-01": (1, 0),  # the early look: enrolled, not yet treated
    "2022-05-04": (1, 1),  # one patient treated
    "2022-05-31": (2, 2),  # two
    "2022-06-20": (3, 3),  # three
    "2023-05-19": (22, 21),  # mid-accrual (22 of 43)
}


@cache
def _full_catalogue() -> tuple[tuple[str, str], ...]:
    return tuple((o.tlf.kind, o.tlf.number) for o in build_tlfs(synthetic_ad()))


def _cells(tlf) -> list[str]:
    frame = body_frame(tlf)
    return [*frame.columns, *(cell for row in frame.itertuples(index=False) for cell in row)]


@pytest.mark.parametrize("cutoff", list(SWEEP))
def test_whole_catalogue_builds_at_early_cutoffs(cutoff, shipped_analysis):
    ad = shipped_analysis(dt.date.fromisoformat(cutoff))
    enrolled, treated = SWEEP[cutoff]
    assert (len(ad.adsl), int(ad.adsl["SAFFL"].eq("Y").sum())) == (enrolled, treated)

    outputs = build_tlfs(ad)
    assert tuple((o.tlf.kind, o.tlf.number) for o in outputs) == _full_catalogue()
    tables = {o.tlf.number: o.tlf for o in outputs if o.tlf.kind == "Table"}
    for output in outputs:
        tlf = output.tlf
        if tlf.kind == "Figure":
            assert tlf.svg and tlf.svg.lstrip().startswith("<?xml"), tlf.label
            continue
        cells = _cells(tlf)
        assert not [c for c in cells if re.search(r"\bnan\b|\binf\b", c, re.I)], tlf.label

    # Table 14.1.1 (disposition): empty categories show 0, the counts are the hand-made ones
    disposition = dict(zip(*body_frame(tables["14.1.1"]).T.to_numpy(), strict=True))
    assert disposition["Enrolled"].split(" ")[0] == str(enrolled)
    assert disposition["Treated (safety analysis set)"].split(" ")[0] == str(treated)
    # Table 14.4.1 (biomarker availability): no post-SBRT sample yet, so no marker has both
    availability = body_frame(tables["14.4.1"])
    both = availability.loc[availability.iloc[:, 0].eq("Both time points")].iloc[0, 1:]
    if cutoff < "2022-06-28":  # the first surgery (post-SBRT sample) is on 2022-06-28
        assert disposition["Operated"] == "0"
        assert set(both) == {"0"}
    if enrolled == 0:
        primary = " ".join(_cells(tables["14.2.1"]))
        assert "Not yet available at this cut-off (0 of 43 planned patients enrolled)" in primary


def test_analyze_at_an_early_cutoff_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["analyze", "--data", str(SYNTHETIC), "--cutoff", "2022-05-01", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "data cut-off 2022-05-01" in result.output
    assert (out / "ard.csv").is_file()
    assert (out / "tlfs" / "table_14_4_1.csv").is_file()
