"""The previous DMC report a DMC report compares with (SAP 10.4).

``--previous-cutoff`` names it; without the option it is the archived DMC report with the latest
cut-off before this one in the same output folder: ``OUT/dmc/<YYYY-MM-DD>/`` holding an
osteo-stats manifest (:func:`osteo_stats.outputs.read_manifest`) written by ``osteo-stats report
dmc`` (:func:`osteo_stats.render.report.write_report` names the folder by its cut-off). No such
report is not an error: nothing is flagged as new.

A folder's name is not trusted: the cut-off is the one the report recorded itself (``--cutoff``
in its manifest's command, the same date its ARD and provenance page state), and the report is
used only while its files are the ones the manifest lists, by SHA-256, with no symbolic link. A
report copied to another date's folder, edited, or with a file replaced by a link is named in a
warning and not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from osteo_stats.outputs import MANIFEST_NAME, output_sha256, read_manifest

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class PreviousDMC:
    """The previous DMC cut-off (None: none known) and where it came from."""

    cutoff: date | None
    source: str
    #: Archived reports not used, each "<folder>: <why>" (printed as warnings).
    passed_over: tuple[str, ...] = ()

    @property
    def statement(self) -> str:
        """One line for the console and the provenance page."""
        skipped = f"; not used: {'; '.join(self.passed_over)}" if self.passed_over else ""
        if self.cutoff is None:
            return (
                f"no previous DMC report found ({self.source}{skipped}): nothing is flagged as new"
            )
        return f"{self.cutoff:%Y-%m-%d} ({self.source}{skipped})"


def _iso(text: object) -> date | None:
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def recorded_cutoff(manifest: dict) -> date | None:
    """The cut-off a DMC report recorded: the value of ``--cutoff`` in its manifest's command
    (``report dmc`` always writes it there, as its ARD and provenance page state it)."""
    command = manifest.get("command")
    if not isinstance(command, list):
        return None
    values = [command[i + 1] for i, arg in enumerate(command[:-1]) if arg == "--cutoff"]
    return _iso(values[0]) if len(values) == 1 else None


def manifest_mismatches(folder: Path, manifest: dict) -> list[str]:
    """What in ``folder`` no longer matches its manifest: a symbolic link, a listed file that is
    missing or whose SHA-256 differs, a file the manifest does not list. Empty: it matches."""
    listed = manifest["files"]
    problems: list[str] = []
    present = {
        path.relative_to(folder).as_posix(): path
        for path in folder.rglob("*")
        if path.is_symlink() or path.is_file()
    }
    for name, path in sorted(present.items()):
        if path.is_symlink():
            problems.append(f"{name} is a symbolic link")
        elif name != MANIFEST_NAME and name not in listed:
            problems.append(f"{name} is not in its manifest")
    for name, digest in sorted(listed.items()):
        parts = PurePosixPath(str(name)).parts
        if not parts or ".." in parts or PurePosixPath(str(name)).is_absolute():
            problems.append(f"its manifest lists {name!r}, outside the folder")
        elif name not in present:
            problems.append(f"{name} is missing")
        elif not present[name].is_symlink() and output_sha256(present[name]) != digest:
            problems.append(f"{name} changed since osteo-stats wrote it (SHA-256)")
    return problems


def _judge(folder: Path, named: date) -> tuple[date | None, str | None]:
    """(the report's cut-off, None) when ``folder`` holds a trustworthy DMC report; (None, why)
    when it holds one that cannot be trusted; (None, None) when it holds no DMC report."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("written_by") != "osteo-stats":
        return None, None
    command = manifest.get("command") or []
    if list(command[1:3]) != ["report", "dmc"]:
        return None, None
    if folder.is_symlink():
        return None, "the folder is a symbolic link"
    recorded = recorded_cutoff(manifest)
    if recorded is None:
        return None, "its manifest records no --cutoff"
    if recorded != named:
        return None, (
            f"it is the report at {recorded:%Y-%m-%d} (its recorded cut-off), in a folder named "
            f"{named:%Y-%m-%d}"
        )
    problems = manifest_mismatches(folder, manifest)
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; and {len(problems) - 3} more" if problems[3:] else ""
        )
        return None, f"its files no longer match its manifest ({shown})"
    return recorded, None


def find_previous_dmc(dmc_dir: Path, before: date) -> PreviousDMC:
    """The archived DMC report in ``dmc_dir`` (``OUT/dmc``) with the latest recorded cut-off
    strictly before ``before``; a :class:`PreviousDMC` without a cut-off when there is none.
    Reports dated before ``before`` that cannot be trusted are listed in ``passed_over``."""
    found: list[tuple[date, Path]] = []
    passed: list[str] = []
    for folder in sorted(dmc_dir.iterdir()) if dmc_dir.is_dir() else []:
        named = _iso(folder.name)
        if named is None or not folder.is_dir() or named >= before:
            continue
        cutoff, why = _judge(folder, named)
        if why is not None:
            passed.append(f"{folder} ({why})")
        elif cutoff is not None:
            found.append((cutoff, folder))
    if not found:
        return PreviousDMC(None, f"none before {before:%Y-%m-%d} in {dmc_dir}", tuple(passed))
    cutoff, folder = max(found)
    return PreviousDMC(cutoff, f"the DMC report in {folder}", tuple(passed))


def given_previous(cutoff: date) -> PreviousDMC:
    """The previous cut-off the user gave with ``--previous-cutoff``."""
    return PreviousDMC(cutoff, "given with --previous-cutoff")
