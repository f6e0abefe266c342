"""Truncated or corrupt SAS files are errors that name the file, never a smaller valid dataset.

Real files are cut: the shipped SAS transport files (``data/synthetic/xpt/``, XPORT version 5,
one member each) and the SAS7BDAT files written by R haven (``tests/data/sas7bdat_minimal/``).
Before the fix, ``adae.xpt`` cut to half its bytes loaded as a valid trial with 116 of 247 AEs.

The expected sizes below follow from the XPORT v5 layout (SAS technical note TS-140): a file is
a sequence of 80-byte records; each variable's NAMESTR record gives its length and position, so
an observation of ADAE is 248 bytes; observations run on across records and only the last
record may end with blank padding. The shipped ``adae.xpt`` has 64560 bytes: 3200 bytes of
headers and the OBS header record, then 61280 bytes of data = 247 observations (61256 bytes) +
24 blanks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osteo_stats import load_sap
from osteo_stats.cli import app
from osteo_stats.load import validate_trial
from osteo_stats.load.readers import read_dataset

REPO = Path(__file__).resolve().parents[1]
XPT = REPO / "data" / "synthetic" / "xpt"
SAS7BDAT = Path(__file__).parent / "data" / "sas7bdat_minimal"
SAP = load_sap()
HINT = "Hint: copy or export the file again"


def _cut(source: Path, size: int, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    target.write_bytes(source.read_bytes()[:size])
    return target


def _only_message(path: Path) -> str:
    frame, issues = read_dataset(path.stem.upper(), path)
    assert frame is None, f"{path.name} was read with {len(frame)} rows"
    (issue,) = issues
    return str(issue)


def test_adae_cut_to_half_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = _cut(XPT / "adae.xpt", 64560 // 2, tmp_path)
    assert _only_message(path) == (
        "ADAE: file adae.xpt is truncated or corrupt: its size, 32280 bytes, is not a multiple "
        "of 80 (a SAS transport file is a sequence of 80-byte records). "
        "Hint: copy or export the file again and compare its size or checksum with the original"
    )


def test_adae_cut_at_a_record_boundary_mid_observation(tmp_path: Path) -> None:
    # 32240 = 403 records: 3280 bytes of headers, 28960 bytes of data = 116 observations of
    # 248 bytes (28768) + 192 bytes of the 117th, which are not blank padding.
    path = _cut(XPT / "adae.xpt", 32240, tmp_path)
    assert _only_message(path) == (
        "ADAE: file adae.xpt is truncated or corrupt: its data hold 28960 bytes, 116 "
        "observations of 248 bytes and 192 bytes of a cut one (only blank padding, shorter "
        "than one 80-byte record, may follow the last observation). " + HINT + " and compare "
        "its size or checksum with the original"
    )


def test_adae_cut_inside_the_headers(tmp_path: Path) -> None:
    path = _cut(XPT / "adae.xpt", 800, tmp_path)
    assert _only_message(path) == (
        "ADAE: file adae.xpt is truncated or corrupt: it ends at byte 800, inside its headers, "
        "before the observations. " + HINT + " and compare its size or checksum with the original"
    )


def _record_cuts(path: Path) -> list[int]:
    """Every 80-byte record boundary inside the data that does not fall between observations."""
    data = path.read_bytes()
    namestr = data.find(b"HEADER RECORD*******NAMESTR")
    n_vars = int(data[namestr + 54 : namestr + 58])
    records = data[namestr + 80 : namestr + 80 + 140 * n_vars]
    obs_len = max(
        int.from_bytes(records[k * 140 + 84 : k * 140 + 88], "big")
        + int.from_bytes(records[k * 140 + 4 : k * 140 + 6], "big")
        for k in range(n_vars)
    )
    start = data.find(b"HEADER RECORD*******OBS") + 80
    return [
        size
        for size in range(start + 80, len(data) - 80, 80)
        if (size - start) % obs_len >= 1  # a cut observation remains
    ]


@pytest.mark.parametrize("name", ["adsl", "adae", "adrs", "adtr", "adex", "adbm"])
def test_every_shipped_xpt_cut_anywhere_is_an_error(name: str, tmp_path: Path) -> None:
    """Cut each file 1 byte short, at half, inside the headers and at record boundaries."""
    source = XPT / f"{name}.xpt"
    size = source.stat().st_size
    boundaries = _record_cuts(source)
    assert len(boundaries) > 10
    step = max(1, len(boundaries) // 12)
    for cut in [size - 1, size // 2, 400, 81, *boundaries[::step], boundaries[-1]]:
        message = _only_message(_cut(source, cut, tmp_path))
        assert message.startswith(f"{name.upper()}: file {name}.xpt is truncated or corrupt: ")
    frame, issues = read_dataset(name.upper(), source)  # the whole file is fine
    assert issues == [] and frame is not None


def test_whole_record_of_blank_padding_is_not_allowed(tmp_path: Path) -> None:
    """Padding longer than 80 bytes cannot be the end of the last record: data are missing."""
    path = tmp_path / "adae.xpt"
    path.write_bytes((XPT / "adae.xpt").read_bytes() + b" " * 80)
    assert "of a cut one" in _only_message(path)


def test_truncated_adae_stops_validate_and_reports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(XPT, data)
    _cut(XPT / "adae.xpt", 64560 // 2, data)
    trial, issues = validate_trial(data, SAP)
    assert trial is None
    assert [str(i).split(":")[0] for i in issues] == ["ADAE"]
    result = CliRunner().invoke(app, ["validate", str(data)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "adae.xpt is truncated or corrupt" in result.stderr
    assert "valid -" not in result.stdout


@pytest.mark.parametrize("name", ["adsl", "adae"])
def test_sas7bdat_cut_at_a_page_boundary(name: str, tmp_path: Path) -> None:
    """The header states the page size and count: adae is an 8192-byte header + 2 pages of 4096."""
    size = (SAS7BDAT / f"{name}.sas7bdat").stat().st_size
    pages = (size - 8192) // 4096
    path = _cut(SAS7BDAT / f"{name}.sas7bdat", size - 4096, tmp_path)
    assert _only_message(path) == (
        f"{name.upper()}: file {name}.sas7bdat is truncated or corrupt: its header states "
        f"an 8192-byte header and {pages} pages of 4096 bytes ({size} bytes), but the file "
        f"has {size - 4096} bytes. " + HINT + " and compare its size or checksum with the original"
    )


@pytest.mark.parametrize("cut", [100, 5000, 8192, 12000, 16383])
def test_sas7bdat_cut_anywhere(cut: int, tmp_path: Path) -> None:
    message = _only_message(_cut(SAS7BDAT / "adae.sas7bdat", cut, tmp_path))
    assert message.startswith("ADAE: file adae.sas7bdat is truncated or corrupt: ")


def test_xpt_version_8_states_its_observation_count(tmp_path: Path) -> None:
    """A v8 file (pyreadstat's default) cut exactly between records still fails: OBSV8 says 4."""
    import pyreadstat
    from minimal_trial import minimal_trial

    whole = tmp_path / "whole" / "adae.xpt"
    whole.parent.mkdir()
    pyreadstat.write_xport(minimal_trial()["ADAE"], str(whole), table_name="ADAE")
    frame, issues = read_dataset("ADAE", whole)
    assert issues == [] and len(frame) == 4
    message = _only_message(_cut(whole, whole.stat().st_size - 80, tmp_path))
    assert "its OBS header states 4 observations of " in message


def test_sas7bdat_stating_more_rows_than_it_holds(tmp_path: Path) -> None:
    """The row count in the row-size subheader is enforced by ReadStat itself."""
    import struct

    data = bytearray((SAS7BDAT / "adae.sas7bdat").read_bytes())
    at = data.find(b"\xf7\xf7\xf7\xf7\x00\x00\x00\x00")  # row-size subheader (64-bit)
    assert struct.unpack("<q", data[at + 48 : at + 56]) == (4,)
    data[at + 48 : at + 56] = struct.pack("<q", 5)
    path = tmp_path / "adae.sas7bdat"
    path.write_bytes(bytes(data))
    assert _only_message(path) == (
        "ADAE: file adae.sas7bdat could not be read as a SAS7BDAT file (File did not contain "
        "the expected number of rows). Hint: export the dataset again from SAS (XPORT version 5 "
        "via PROC COPY or the XPORT engine), or provide it as CSV"
    )


def test_xpt_with_two_members_is_refused(tmp_path: Path) -> None:
    """A library of two datasets would be read as its first one only."""
    first = (XPT / "adae.xpt").read_bytes()
    second = (XPT / "adtr.xpt").read_bytes()
    path = tmp_path / "adae.xpt"
    path.write_bytes(first + second[second.find(b"HEADER RECORD*******MEMBER") :])
    assert _only_message(path) == (
        "ADAE: file adae.xpt holds more than one dataset (member); one dataset per file is "
        "expected, and only the first would be read. Hint: export each dataset to its own "
        "transport file, named after the dataset"
    )
