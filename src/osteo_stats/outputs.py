"""Atomic output: nothing half-written, nothing stale.

Files are written to a temporary sibling and renamed into place; a whole output directory is
assembled in a temporary sibling directory and swapped in only when every file is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes` (always ``\\n`` line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_output_dir(target: str | Path) -> Iterator[Path]:
    """Yield a scratch directory that replaces ``target`` only if the block completes.

    On any exception the scratch directory is removed and ``target`` is left as it was, so a
    failed run never leaves partial output behind. On success the previous contents of
    ``target`` are replaced as a whole, so no stale file from an earlier run survives.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, backup)
    try:
        os.replace(scratch, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
    # mkdtemp creates 0700; outputs are ordinary files for the user and their team.
    os.chmod(target, 0o755)
