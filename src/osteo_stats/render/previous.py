"""The previous DMC report a DMC report compares with (SAP 10.4).

``--previous-cutoff`` names it; without the option it is the archived DMC report with the latest
cut-off before this one in the same output folder: ``OUT/dmc/<YYYY-MM-DD>/`` holding an
osteo-stats manifest (:func:`osteo_stats.outputs.read_manifest`) written by ``osteo-stats report
dmc`` (:func:`osteo_stats.render.report.write_report` names the folder by its cut-off). No such
report is not an error: nothing is flagged as new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from osteo_stats.outputs import read_manifest


@dataclass(frozen=True)
class PreviousDMC:
    """The previous DMC cut-off (None: none known) and where it came from."""

    cutoff: date | None
    source: str

    @property
    def statement(self) -> str:
        """One line for the console and the provenance page."""
        if self.cutoff is None:
            return f"no previous DMC report found ({self.source}): nothing is flagged as new"
        return f"{self.cutoff:%Y-%m-%d} ({self.source})"


def _report_cutoff(folder: Path) -> date | None:
    """The cut-off of the DMC report archived in ``folder``, or None when it holds none."""
    try:
        cutoff = date.fromisoformat(folder.name)
    except ValueError:
        return None
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("written_by") != "osteo-stats":
        return None
    command = manifest.get("command") or []
    return cutoff if list(command[1:3]) == ["report", "dmc"] else None


def find_previous_dmc(dmc_dir: Path, before: date) -> PreviousDMC:
    """The archived DMC report in ``dmc_dir`` (``OUT/dmc``) with the latest cut-off strictly
    before ``before``; a :class:`PreviousDMC` without a cut-off when there is none."""
    found = [
        (cutoff, folder)
        for folder in (sorted(dmc_dir.iterdir()) if dmc_dir.is_dir() else [])
        if folder.is_dir() and (cutoff := _report_cutoff(folder)) is not None and cutoff < before
    ]
    if not found:
        return PreviousDMC(None, f"none before {before:%Y-%m-%d} in {dmc_dir}")
    cutoff, folder = max(found)
    return PreviousDMC(cutoff, f"the DMC report in {folder}")


def given_previous(cutoff: date) -> PreviousDMC:
    """The previous cut-off the user gave with ``--previous-cutoff``."""
    return PreviousDMC(cutoff, "given with --previous-cutoff")
