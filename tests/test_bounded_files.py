"""Every file opened from a user's path is a regular file under a size bound, read with the bound
(issue 19 section 4, issue 24): data files, mapping files and what they extend, ``--sap`` and
scenario files, and the ``osteo-stats-manifest.json`` of an output folder.

A pipe (FIFO) or ``/dev/zero`` (directly or through a symbolic link) is refused with a message
naming the file and what it is; a file over the bound is refused naming its size and the limit.
The commands run in a child process: its ``timeout`` is only a safety net against a hang (the
assertions are on the message and the exit code), and memory is bounded by ``RLIMIT_AS`` set in
the child.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shipped import SHIPPED

from osteo_stats.config_yaml import MAX_CONFIG_BYTES
from osteo_stats.userfiles import (
    MAX_DATA_BYTES,
    MAX_MANIFEST_BYTES,
    UserFileError,
    read_user_file,
)

REPO = Path(__file__).resolve().parents[1]
SAFETY_NET = 300  # seconds; a hang fails the test instead of the suite, the message is asserted
#: The address space a child may use: ``validate`` of the shipped trial needs about 400 MiB.
MEMORY = 1000 * 2**20


def _cli(*args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "osteo_stats", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
        preexec_fn=limit,
        check=False,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SHIPPED, data)
    return data


def _fifo(path: Path) -> Path:
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    return path


def _zero(path: Path) -> Path:
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")
    return path


# ---- the helper ---------------------------------------------------------------------------


def test_read_user_file_refuses_a_fifo_a_device_and_a_link_to_one(tmp_path):
    fifo = _fifo(tmp_path / "pipe.yaml")
    with pytest.raises(UserFileError, match=r"pipe\.yaml: a thing is a named pipe \(FIFO\)"):
        read_user_file(fifo, "a thing", 100)
    with pytest.raises(UserFileError, match=r"/dev/zero: a thing is a character device"):
        read_user_file(Path("/dev/zero"), "a thing", 100)
    link = _zero(tmp_path / "zero.yaml")
    with pytest.raises(
        UserFileError, match=r"zero\.yaml: a thing is a symbolic link to /dev/zero, a character"
    ):
        read_user_file(link, "a thing", 100)
    with pytest.raises(UserFileError, match=r"a thing is a directory, not a regular file"):
        read_user_file(tmp_path, "a thing", 100)


def test_read_user_file_reads_up_to_the_limit_and_refuses_one_byte_more(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_user_file(path, "a thing", 100) == b"x" * 100
    path.write_bytes(b"x" * 101)
    with pytest.raises(UserFileError, match=r"is 101 bytes, over the 100-byte limit for a thing"):
        read_user_file(path, "a thing", 100)


# ---- data files -----------------------------------------------------------------------------


def test_a_fifo_adsl_and_a_dev_zero_adae_are_named_not_missing(tmp_path):
    data = _data(tmp_path)
    _fifo(data / "adsl.csv")
    _zero(data / "adae.csv")
    result = _cli("validate", str(data))
    err = _one_line(result.stderr + result.stdout)
    assert result.returncode == 1, err
    assert "ADSL: file adsl.csv is a named pipe (FIFO), not a regular file" in err
    assert "ADAE: file adae.csv is a symbolic link to /dev/zero, a character device" in err
    assert "no file found" not in err
    assert "Traceback" not in err


def test_a_fifo_xpt_data_file_is_named(tmp_path):
    data = _data(tmp_path)
    (data / "adex.csv").unlink()
    _fifo(data / "adex.xpt")
    result = _cli("validate", str(data))
    err = _one_line(result.stderr + result.stdout)
    assert result.returncode == 1, err
    assert "ADEX: file adex.xpt is a named pipe (FIFO), not a regular file" in err


def _zeros_after_header(path: Path, size: int) -> None:
    """A CSV with the right header, then zero bytes up to ``size`` (sparse: no disk used)."""
    header = (SHIPPED / path.name).read_text(encoding="utf-8").splitlines()[0] + "\n"
    with path.open("wb") as handle:
        handle.write(header.encode())
        handle.truncate(size)


def test_a_1_gib_adae_of_zeros_is_refused_by_its_size_in_bounded_memory(tmp_path):
    """Issue 24: this file took validate to 7.5 GB; it is over the data-file bound, refused
    before it is read."""
    data = _data(tmp_path)
    _zeros_after_header(data / "adae.csv", 2**30)
    result = _cli("validate", str(data), memory=MEMORY)
    err = _one_line(result.stderr + result.stdout)
    assert result.returncode == 1, err
    assert (
        f"ADAE: file adae.csv is 1,073,741,824 bytes, over the {MAX_DATA_BYTES:,}-byte limit "
        "for a data file"
    ) in err


def test_a_data_file_of_zeros_under_the_bound_is_read_once_in_bounded_memory(tmp_path):
    """128 MiB of zeros after the header: read once (bytes, then parsed a block at a time), and
    refused at the first value longer than the CSV limit, within 1,000 MiB of address space."""
    data = _data(tmp_path)
    _zeros_after_header(data / "adae.csv", 128 * 2**20)
    result = _cli("validate", str(data), memory=MEMORY)
    err = _one_line(result.stderr + result.stdout)
    assert result.returncode == 1, err
    assert "ADAE: file adae.csv has a value on line 2 longer than 131,072 characters" in err
    assert "Traceback" not in err and "MemoryError" not in err


# ---- configuration files --------------------------------------------------------------------


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_sap_file_that_is_a_fifo_or_dev_zero_is_refused(tmp_path, kind):
    sap = kind(tmp_path / "sap.yaml")
    result = _cli("design", "check", "--sap", str(sap))
    err = _one_line(result.stderr)
    assert result.returncode == 1, err
    what = "a named pipe (FIFO)" if kind is _fifo else "a symbolic link to /dev/zero"
    assert f"{sap}: SAP configuration: file is {what}" in err
    assert "Traceback" not in err


def test_an_oversized_sap_file_names_its_size_and_the_limit(tmp_path):
    sap = tmp_path / "sap.yaml"
    sap.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    result = _cli("design", "check", "--sap", str(sap))
    assert result.returncode == 1
    assert (
        f"file is {MAX_CONFIG_BYTES + 1:,} bytes, over the {MAX_CONFIG_BYTES:,}-byte limit for a "
        "configuration file"
    ) in _one_line(result.stderr)


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_scenario_file_that_is_a_fifo_or_dev_zero_is_refused(tmp_path, kind):
    scenario = kind(tmp_path / "scenarios.yaml")
    out = tmp_path / "out"
    result = _cli("simulate", str(scenario), "--reps", "10", "--out", str(out))
    err = _one_line(result.stderr)
    assert result.returncode != 0, err
    assert f"{scenario}: scenario file: file is a" in err
    assert "not a regular file" in err
    assert not out.exists()


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_mapping_and_its_extends_that_are_a_fifo_or_dev_zero_are_refused(tmp_path, kind):
    mapping = kind(tmp_path / "mine.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: mine.yaml\ndatasets: {}\n", encoding="utf-8")
    for given in (mapping, child):
        result = _cli("validate", "--mapping", str(given), str(SHIPPED))
        err = _one_line(result.stderr)
        assert result.returncode == 1, err
        assert f"{mapping}: mapping: file is a" in err and "not a regular file" in err


def _chain(tmp_path: Path, length: int) -> Path:
    """``m0.yaml`` extends ``m1.yaml`` ... extends ``m<length-1>.yaml`` (the shipped admiral)."""
    for i in range(length):
        parent = f"extends: m{i + 1}.yaml\n" if i < length - 1 else "extends: admiral\n"
        (tmp_path / f"m{i}.yaml").write_text(f"name: m{i}\n{parent}", encoding="utf-8")
    return tmp_path / "m0.yaml"


def test_an_extends_chain_is_bounded_and_says_so(tmp_path):
    from osteo_stats.load.mapping import MAX_EXTENDS, MappingError, load_mapping

    assert MAX_EXTENDS == 16
    # 15 files of ours and the shipped admiral: 16 files, the limit, are read.
    ok = tmp_path / "ok"
    ok.mkdir()
    source = load_mapping(_chain(ok, 15))
    depth = 0
    while source.parent is not None:
        source, depth = source.parent, depth + 1
    assert (depth, source.name) == (15, "admiral")
    long = tmp_path / "long"
    long.mkdir()
    with pytest.raises(MappingError, match=r"would make a chain of more than 16 mapping files"):
        load_mapping(_chain(long, 1000))
    # Issue 24: 1,000 files were reported as "not valid YAML: nested too deeply".
    result = _cli("validate", "--mapping", str(long / "m0.yaml"), str(SHIPPED))
    err = _one_line(result.stderr)
    assert result.returncode == 1, err
    assert "chain of more than 16 mapping files" in err and "nested too deeply" not in err


# ---- manifests ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_manifest_in_the_out_folder_that_is_a_fifo_or_dev_zero_is_refused(tmp_path, kind):
    out = tmp_path / "out"
    out.mkdir()
    manifest = kind(out / "osteo-stats-manifest.json")
    result = _cli("design", "check", "--plots", str(out))
    err = _one_line(result.stderr)
    assert result.returncode == 1, err
    assert f"{manifest}: an osteo-stats manifest is a" in err and "not a regular file" in err
    assert sorted(p.name for p in out.iterdir()) == ["osteo-stats-manifest.json"]


def test_an_oversized_manifest_names_the_limit(tmp_path):
    from osteo_stats.outputs import read_manifest

    (tmp_path / "osteo-stats-manifest.json").write_bytes(b" " * (MAX_MANIFEST_BYTES + 1))
    with pytest.raises(UserFileError, match=rf"over the {MAX_MANIFEST_BYTES:,}-byte limit"):
        read_manifest(tmp_path)


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_manifest_beside_an_issues_file_that_is_a_fifo_or_dev_zero_is_refused(tmp_path, kind):
    issues = tmp_path / "issues.csv"
    issues.write_text("x\n", encoding="utf-8")
    kind(tmp_path / "issues.csv.osteo-stats-manifest.json")
    result = _cli("validate", str(SHIPPED), "--issues", str(issues))
    err = _one_line(result.stderr)
    assert result.returncode == 1, err
    assert "issues.csv.osteo-stats-manifest.json: an osteo-stats manifest is a" in err
    assert issues.read_text(encoding="utf-8") == "x\n"


@pytest.mark.parametrize("kind", [_fifo, _zero])
def test_a_previous_dmc_manifest_that_is_a_fifo_or_dev_zero_is_refused(tmp_path, kind):
    """A date-named folder under OUT/dmc/ is read for the previous DMC report (SAP 10.4)."""
    out = tmp_path / "out"
    previous = out / "dmc" / "2026-03-31"
    previous.mkdir(parents=True)
    manifest = kind(previous / "osteo-stats-manifest.json")
    result = _cli("report", "dmc", "--out", str(out), "--cutoff", "2026-04-30")
    err = _one_line(result.stderr)
    assert result.returncode == 1, err
    assert f"{manifest}: an osteo-stats manifest is a" in err
    assert sorted(p.name for p in (out / "dmc").iterdir()) == ["2026-03-31"]


# ---- a CSV value over the csv module's field limit (issue 24) -----------------------------


def test_a_quoted_value_over_the_csv_field_limit_names_its_line_and_the_limit(tmp_path):
    """A properly quoted 200,000-character AETERM was reported as "not well-formed ... must be
    enclosed in double quotes". The limit (the csv module's 131,072) is kept: no variable of the
    data model is near it, and the message names the line and the limit; validate and analyze
    read through the same reader and say the same."""
    data = _data(tmp_path)
    adae = data / "adae.csv"
    lines = adae.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[3].rstrip("\n").split(",")  # line 4 of the file: a row without quoted fields
    assert len(row) == len(header)
    row[header.index("AETERM")] = '"' + "a, b " * 40_000 + '"'
    lines[3] = ",".join(row) + "\n"
    adae.write_text("".join(lines), encoding="utf-8")
    expected = (
        "ADAE: file adae.csv has a value on line 4 longer than 131,072 characters, the limit for "
        "one CSV value"
    )
    validate = _cli("validate", str(data))
    assert validate.returncode == 1
    assert expected in _one_line(validate.stderr + validate.stdout)
    assert "must be enclosed in double quotes" not in _one_line(validate.stderr + validate.stdout)
    out = tmp_path / "out"
    analyze = _cli("analyze", "--data", str(data), "--out", str(out))
    assert analyze.returncode == 1
    assert expected in _one_line(analyze.stderr + analyze.stdout)
    assert not out.exists()


# ---- the duplicate-key check is one grouped pass (issue 24) -------------------------------


def test_duplicate_keys_name_the_first_row_of_their_key():
    """Rows 3 and 5 repeat row 1's key, row 4 repeats row 2's; a row with a missing key part
    is no duplicate (it is reported as missing instead)."""
    import pandas as pd
    from shipped import shipped_sap

    from osteo_stats.load.schemas import build_schema, dataset_specs, failures_to_issues

    spec = dataset_specs(shipped_sap())["ADTR"]
    raw = pd.DataFrame(
        {
            "USUBJID": ["P-1", "P-2", "P-1", "P-2", "P-1", None],
            "ADT": ["2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "x"],
        },
        index=pd.RangeIndex(1, 7),
    )
    typed = raw.assign(ADT=pd.to_datetime(raw["ADT"], errors="coerce"))
    for col in spec.columns:
        if col.name not in typed:
            typed[col.name] = pd.Series([None] * 6, index=typed.index, dtype=object)
    schema, texts = build_schema(spec)
    reported = pd.DataFrame(True, index=typed.index, columns=typed.columns)
    issues = failures_to_issues(spec, schema, texts, typed, raw, reported)
    duplicates = {i.row: i.rule for i in issues if "duplicates" in i.rule}
    assert duplicates == {
        3: "duplicates row 1; each (USUBJID, ADT) must be unique",
        4: "duplicates row 2; each (USUBJID, ADT) must be unique",
        5: "duplicates row 1; each (USUBJID, ADT) must be unique",
    }


def test_validate_of_an_adlb_concatenated_with_itself_within_a_cpu_budget(tmp_path):
    """Issue 24: the shipped ADLB twice (22,910 rows) took 153 s of validate: each duplicate row
    rescanned the whole frame, and pandera reshaped the failing key check row by row. Here it
    is five times (57,275 rows, 45,820 duplicate keys). The child's CPU time is limited
    (RLIMIT_CPU, 40 s; the grouped pass needs about 5 s) and its memory (RLIMIT_AS): past
    either the kernel stops it and the message below is never printed."""
    data = _data(tmp_path)
    adlb = (SHIPPED / "adlb.csv").read_text(encoding="utf-8")
    body = adlb.split("\n", 1)[1]
    (data / "adlb.csv").write_text(adlb + body * 4, encoding="utf-8")
    rows = body.count("\n") * 4

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (40, 40))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", "osteo_stats", "validate", str(data)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
        preexec_fn=limit,
        check=False,
    )
    err = _one_line(result.stderr + result.stdout)
    assert result.returncode == 1, (result.returncode, err[-500:])
    assert (
        "ADLB: USUBJID, PARAMCD, ADT duplicates row <n>; each (USUBJID, PARAMCD, ADT) must be "
        f"unique. {rows:,} issues"
    ) in err
