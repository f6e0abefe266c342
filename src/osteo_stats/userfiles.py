"""The one way the package reads a file whose path came from a user.

A data file, a mapping file and what it ``extends``, a ``--sap`` file, a scenario file and an
``osteo-stats-manifest.json`` found in an output folder are all read by :func:`read_user_file`:

- only a **regular file** is opened: a named pipe (FIFO) would block the read for ever, and a
  device such as ``/dev/zero`` never ends. The kind is checked on the path (a symbolic link is
  followed, so a link to ``/dev/zero`` is refused too) before the file is opened, and again on
  the open descriptor, so a file swapped for a pipe in between is refused as well;
- the file must be at most ``limit`` bytes, and is read with that bound (``limit + 1`` bytes at
  most, so a file that grows while it is read is refused, never read without end). The bytes
  are read once: callers hash and parse the same bytes.

A refusal is a :class:`UserFileError` naming the file, what it was read as, what it is and the
limit. The limits are the module's constants (documented in the README).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from osteo_stats.errors import OsteoStatsError

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_DATA_BYTES",
    "MAX_MANIFEST_BYTES",
    "UserFileError",
    "read_user_file",
]

#: A SAP, mapping or scenario file: the SAP is about 5 KB; a megabyte is far beyond any real one.
MAX_CONFIG_BYTES = 1_000_000
#: An osteo-stats manifest: about 100 bytes per file it lists, so 10 MiB is 100,000 files.
MAX_MANIFEST_BYTES = 10 * 2**20
#: One dataset file (CSV, XPT, SAS7BDAT): 256 MiB. Validating costs about 17 bytes of memory per
#: byte of CSV (1.6 GB for 10^6 ADLB rows, 96 MiB; benchmarks/SCALE.md), so the bound keeps
#: ``validate`` within about 4.5 GB, the memory of an ordinary workstation, while admitting about
#: 2.7 million ADLB rows (97 bytes a row as CSV): the shipped 43-patient ADLB is 11,455 rows, and
#: a phase III laboratory extract a few hundred thousand to a few million.
MAX_DATA_BYTES = 256 * 2**20


class UserFileError(OsteoStatsError):
    """A user's file is not a regular file, is too large, or cannot be read.

    ``rule`` and ``hint`` are the message without the path, for callers that name the file
    their own way (a validation issue, a configuration error).
    """

    def __init__(self, path: Path, what: str, rule: str, hint: str) -> None:
        self.path = path
        self.what = what
        self.rule = rule
        self.hint = hint
        super().__init__(f"{path}: {what} {rule}. Hint: {hint}.")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: Path, what: str, mode: int) -> UserFileError:
    kind = _kind(mode)
    if path.is_symlink():
        kind = f"a symbolic link to {os.path.realpath(path)}, {kind}"
    return UserFileError(
        path,
        what,
        f"is {kind}, not a regular file; only regular files are read",
        "give the path of an ordinary file (a pipe or a device such as /dev/zero could block "
        "or never end)",
    )


def _too_large(path: Path, what: str, size: int | None, limit: int) -> UserFileError:
    size_text = f"{size:,} bytes" if size is not None else "more than that"
    return UserFileError(
        path,
        what,
        f"is {size_text}, over the {limit:,}-byte limit for {what}",
        "check that this is the right file",
    )


def _read_bounded(handle: BinaryIO, size: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes; one read of the stated size (no buffer of ``limit`` bytes
    for a small file), then more only if the file grew."""
    data = handle.read(size + 1)
    if len(data) <= size:
        return data
    chunks = [data]
    total = len(data)
    while total <= limit:
        chunk = handle.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_user_file(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, read once.

    ``what`` names the file's role in messages ("a data file", "a mapping file").

    Raises
    ------
    UserFileError
        The file does not exist, is not a regular file (a directory, a pipe, a device, or a
        symbolic link to one), is larger than ``limit`` bytes, or cannot be read.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # follows a symbolic link; never blocks, unlike open()
        if not stat.S_ISREG(mode):
            raise _not_regular(path, what, mode)
        # O_NONBLOCK: were the file swapped for a pipe since the stat, open() must not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserFileError(path, what, "does not exist", "check the path") from None
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror or exc})"
        raise UserFileError(path, what, reason, "check the path and its permissions") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, what, info.st_mode)
        if info.st_size > limit:
            raise _too_large(path, what, info.st_size, limit)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = _read_bounded(handle, info.st_size, limit)
    except OSError as exc:
        raise UserFileError(
            path, what, f"cannot be read ({exc.strerror or exc})", "check the file"
        ) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise _too_large(path, what, None, limit)
    return data
