"""Provenance: what went into a report, recorded on its last page.

Input files with their SHA-256, the SAP file, the package version and git commit (when the
package runs from a git checkout; never an error without git), the versions of the numerical
stack, the command line, the seed and the cut-off.
"""

from __future__ import annotations

import platform
import shlex
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

from osteo_stats.epoch import report_timestamp
from osteo_stats.load import TrialData
from osteo_stats.sap import file_sha256

#: Distributions whose versions the provenance page lists (issue 6).
TRACKED_DISTRIBUTIONS: tuple[str, ...] = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "lifelines",
    "matplotlib",
    "weasyprint",
    "jinja2",
    "rtflite",
)


@dataclass(frozen=True)
class InputFile:
    role: str
    path: str
    format: str
    sha256: str


@dataclass(frozen=True)
class Provenance:
    inputs: tuple[InputFile, ...]
    package_version: str
    git_commit: str
    python_version: str
    versions: tuple[tuple[str, str], ...]
    command_line: str
    seed: int | None
    cutoff: date
    data_cutoff: date
    sap_version: str
    generated_at: datetime
    #: The previous DMC cut-off and where it came from (SAP 10.4); empty for other reports.
    previous_dmc: str = ""


def git_commit(start: Path | None = None) -> str:
    """The commit of the checkout the package runs from, or ``"not available"``.

    A modified working tree is marked ``(modified)``. Any failure (no git, not a checkout, a
    timeout) gives ``"not available"``: provenance never stops a report.
    """
    where = (start or Path(__file__)).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not available"
    if not commit:
        return "not available"
    return f"{commit} (modified)" if dirty else commit


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def collect_provenance(
    trial: TrialData,
    sap_path: Path,
    sap_version: str,
    cutoff: date,
    argv: list[str],
    seed: int | None,
    previous_dmc: str = "",
) -> Provenance:
    """Everything the provenance page shows, gathered once per run."""
    from osteo_stats import __version__

    inputs = [
        InputFile(source.dataset, str(source.path), str(source.format), source.sha256)
        for source in trial.sources
    ]
    inputs.append(InputFile("SAP", str(sap_path), "yaml", file_sha256(sap_path)))
    if trial.mapping is not None:  # applied before validation (--mapping), with what it extends
        inputs += [
            InputFile(f"Mapping {m.name}", str(m.path), "yaml", m.sha256)
            for m in trial.mapping.chain
        ]
    return Provenance(
        inputs=tuple(inputs),
        package_version=__version__,
        git_commit=git_commit(),
        python_version=f"{platform.python_implementation()} {platform.python_version()}",
        versions=tuple((name, _version(name)) for name in TRACKED_DISTRIBUTIONS),
        command_line=shlex.join(argv),
        seed=seed,
        cutoff=cutoff,
        data_cutoff=trial.cutoff,
        sap_version=sap_version,
        generated_at=report_timestamp(),
        previous_dmc=previous_dmc,
    )
