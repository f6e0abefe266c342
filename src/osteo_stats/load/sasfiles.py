"""Cross-check what a SAS file states about itself against its bytes, before trusting a reader.

ReadStat (behind pyreadstat) reads a SAS transport file up to its end, so a file cut by an
interrupted copy loads as a smaller, valid-looking dataset. These checks find the cut:

- XPORT (SAS technical note TS-140): the file is a sequence of 80-byte records; each variable's
  NAMESTR record gives its length and position, hence the observation length; observations run
  on across records, and only the last record may end with blank padding (shorter than one
  record). Version 8 files also state the number of observations in the OBS header.
- SAS7BDAT: the header states its own length, the page size and the page count, so the file
  size is known.

Neither format can reveal a cut that falls exactly between two observations on a record
boundary (XPORT v5) or exactly between pages when the page count was also lost; the SHA-256 of
every source file is recorded in the provenance for that reason.
"""

from __future__ import annotations

import struct

RECORD = 80
_HEADER = b"HEADER RECORD*******"
_BLANK = ord(" ")

# SAS7BDAT: the 32-byte magic number that opens every file (Shotwell, "SAS7BDAT Database
# Binary Format"; ReadStat readstat_sas.c).
_CUT = "is truncated or corrupt: "
_COPY = "copy or export the file again and compare its size or checksum with the original"

_SAS7BDAT_MAGIC = bytes.fromhex("000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011")


def xpt_problem(data: bytes) -> tuple[str, str] | None:
    """Why the bytes of a SAS transport file cannot be read as one whole dataset, or ``None``.

    Returns ``(rule, hint)`` in the words of the validation message.

    Files that do not start like a transport file are left to the reader to reject.
    """
    if not data.startswith(_HEADER + b"LIB"):
        return None
    cut = _xpt_cut(data)
    if cut == _MANY:
        return (
            "holds more than one dataset (member); one dataset per file is expected, and only "
            "the first would be read",
            "export each dataset to its own transport file, named after the dataset",
        )
    return None if cut is None else (_CUT + cut, _COPY)


_MANY = "more than one member"


def _xpt_cut(data: bytes) -> str | None:
    if len(data) % RECORD:
        return (
            f"its size, {len(data)} bytes, is not a multiple of 80 (a SAS transport file is a "
            "sequence of 80-byte records)"
        )
    ends_early = f"it ends at byte {len(data)}, inside its headers, before the observations"
    member = _find_record(data, b"MEMB", 3 * RECORD)
    if member is None:
        return ends_early
    namestr_len = _digits(data[member + 74 : member + 78]) or 140
    names = member + 4 * RECORD  # MEMBER, DSCRPTR and two descriptor records come first
    header = data[names : names + RECORD]
    if not header.startswith(_HEADER + b"NAM"):
        return ends_early
    v8 = header.startswith(_HEADER + b"NAMSTV8")
    start = names + RECORD
    # The descriptions fill whole records up to the next header (OBS, or LABELV8/9), with less
    # than one record of padding: a NAMESTR (136 or 140 bytes) is longer than a record.
    after = _find_record(data, b"", start)
    if after is None:
        return ends_early
    n_vars = (after - start) // namestr_len
    descriptions = data[start : start + n_vars * namestr_len]
    if n_vars == 0:
        return ends_early
    obs_len = max(
        struct.unpack(">i", descriptions[k + 84 : k + 88])[0]
        + struct.unpack(">h", descriptions[k + 4 : k + 6])[0]
        for k in range(0, len(descriptions), namestr_len)
    )
    obs_header = _find_record(data, b"OBS", start + len(descriptions))
    if obs_header is None or obs_len <= 0:
        return ends_early
    first = obs_header + RECORD
    following = _find_record(data, b"MEMB", first)
    if following is not None:
        return _MANY
    size = len(data) - first
    stated = _digits(data[obs_header + 48 : obs_header + 63]) if v8 else 0
    whole = stated or size // obs_len
    rest = size - whole * obs_len
    if stated and rest < 0:
        return (
            f"its OBS header states {stated} observations of {obs_len} bytes, but its data hold "
            f"only {size} bytes"
        )
    if rest >= RECORD or any(b != _BLANK for b in data[len(data) - rest :]):
        return (
            f"its data hold {size} bytes, {whole} observations of {obs_len} bytes and {rest} "
            "bytes of a cut one (only blank padding, shorter than one 80-byte record, may "
            "follow the last observation)"
        )
    return None


def _find_record(data: bytes, kind: bytes, start: int) -> int | None:
    """Offset of the next header record of ``kind`` (MEMB, OBS, ...) on a record boundary."""
    needle = _HEADER + kind
    at = data.find(needle, start)
    while at != -1 and at % RECORD:
        at = data.find(needle, at + 1)
    return None if at == -1 else at


def _digits(field: bytes) -> int:
    text = field.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else 0


def sas7bdat_problem(data: bytes) -> tuple[str, str] | None:
    """Why the bytes of a SAS7BDAT file cannot be the whole file: ``(rule, hint)``, or ``None``."""
    if not data.startswith(_SAS7BDAT_MAGIC):
        return None
    if len(data) < 256:
        return _CUT + f"it ends at byte {len(data)}, inside its header", _COPY
    u64 = data[32] == 0x33  # 64-bit layout: the page count is 8 bytes
    shift = 4 if data[35] == 0x33 else 0
    order = "<" if data[37] == 0x01 else ">"
    header_len, page_size = struct.unpack(order + "ii", data[196 + shift : 204 + shift])
    count_at = 204 + shift
    (pages,) = struct.unpack(
        order + ("q" if u64 else "i"), data[count_at : count_at + (8 if u64 else 4)]
    )
    expected = header_len + page_size * pages
    if len(data) < expected:
        return (
            _CUT + f"its header states an {header_len}-byte header and {pages} pages of "
            f"{page_size} bytes ({expected} bytes), but the file has {len(data)} bytes",
            _COPY,
        )
    return None
