"""``SOURCE_DATE_EPOCH``: the one reading of the reproducible-builds timestamp.

The variable must be whole seconds since 1970-01-01 UTC, ASCII digits only
(https://reproducible-builds.org/specs/source-date-epoch/), at most 253402300799
(9999-12-31 23:59:59 UTC, the last second a date can hold). Set to anything else (empty,
``abc``, ``1.5e9``, ``1e20``, a sign or spaces) it is an error, not ignored: a report stamped
with the wrong time is not reproducible.

This module imports only the standard library because the check runs first in
``osteo_stats/__init__.py``: numpy's ``f2py`` (imported by scipy) calls ``int()`` on the
variable at import and would otherwise end every command with a traceback.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from osteo_stats.errors import SourceDateEpochError

__all__ = ["MAX_SOURCE_DATE_EPOCH", "report_timestamp", "source_date_epoch"]

MAX_SOURCE_DATE_EPOCH = 253_402_300_799
"""9999-12-31 23:59:59 UTC in seconds since the epoch."""

_NAME = "SOURCE_DATE_EPOCH"


def source_date_epoch() -> int | None:
    """The seconds in ``SOURCE_DATE_EPOCH``, or ``None`` if it is not set.

    Raises
    ------
    SourceDateEpochError
        Set, but not ASCII digits within 0..:data:`MAX_SOURCE_DATE_EPOCH`.
    """
    raw = os.environ.get(_NAME)
    if raw is None:
        return None
    shown = repr(raw) if len(raw) <= 40 else repr(raw[:40]) + f" ... ({len(raw)} characters)"
    hint = f"Hint: export {_NAME}=$(date +%s), or unset it."
    if not (raw.isascii() and raw.isdigit()):
        raise SourceDateEpochError(
            f"{_NAME} = {shown} is not whole seconds since 1970-01-01 UTC (digits only, "
            f"0 to {MAX_SOURCE_DATE_EPOCH}). {hint}"
        )
    if len(raw) > len(str(MAX_SOURCE_DATE_EPOCH)) or int(raw) > MAX_SOURCE_DATE_EPOCH:
        raise SourceDateEpochError(
            f"{_NAME} = {shown} is after 9999-12-31 23:59:59 UTC ({MAX_SOURCE_DATE_EPOCH}), the "
            f"last time a date can hold. {hint}"
        )
    return int(raw)


def report_timestamp() -> datetime:
    """The time of the run: ``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else now; UTC.

    The one home for "now" in any output or rule (provenance pages, XPT headers, simulation
    summaries, the mapping's future-date check)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.fromtimestamp(epoch, tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def check_at_import() -> None:
    """Run :func:`source_date_epoch` before anything imports numpy.

    Launched as the command (``osteo-stats`` or ``python -m osteo_stats``), print the message and
    exit 2 (a usage error) instead of a traceback; imported as a library, raise.
    """
    try:
        source_date_epoch()
    except SourceDateEpochError as exc:
        # While ``python -m`` imports the package, sys.argv[0] is "-m" (Python docs, sys.argv).
        if sys.argv and (sys.argv[0] == "-m" or Path(sys.argv[0]).name == "osteo-stats"):
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        raise
