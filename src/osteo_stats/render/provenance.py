"""Provenance: what went into a report, recorded on its last page.

Input files with their SHA-256, the SAP file, the package version and git commit (when the
package runs from a git checkout; never an error without git), the versions of the numerical
stack, the locked set of packages and whether the running environment is that set (issue 19),
the command line, the seed and the cut-off.

The lock is ``requirements.lock`` (pip-tools, hashed; README, "Locked environment"): shipped in
the wheel as ``osteo_stats/_lock/requirements.lock``, found at the repository root in a source
checkout. Every pin in it is compared with the installed version, so a report built by other
code than the locked set says so on its provenance page and in the ARD metadata.
"""

from __future__ import annotations

import hashlib
import platform
import re
import shlex
import subprocess
from dataclasses import dataclass, field
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
    "pyreadstat",
)

#: The lock file of the runtime packages; the test lock is a superset with the same pins.
LOCK_NAME = "requirements.lock"

# A pinned requirement line of pip-compile's output: ``name==version \`` (hashes follow).
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


@dataclass(frozen=True)
class InputFile:
    role: str
    path: str
    format: str
    sha256: str


@dataclass(frozen=True)
class LockedEnvironment:
    """The locked set and how the running environment compares with it."""

    lock: str
    #: SHA-256 of the lock file, or ``"not available"`` when no lock was found.
    sha256: str
    pins: tuple[tuple[str, str], ...]
    #: ``(package, locked version, installed version)`` for every pin the environment breaks.
    differences: tuple[tuple[str, str, str], ...]

    @property
    def found(self) -> bool:
        return bool(self.pins)

    @property
    def matches(self) -> bool:
        return self.found and not self.differences

    @property
    def statement(self) -> str:
        """One sentence for the provenance page."""
        if not self.found:
            return (
                f"No lock file ({self.lock}) was found beside the package: the environment "
                "could not be compared with the locked set."
            )
        if self.matches:
            return f"Every installed package is the version the lock pins ({len(self.pins)} pins)."
        listed = "; ".join(
            f"{name} {installed} (lock: {locked})" for name, locked, installed in self.differences
        )
        return (
            f"This report was built in an environment that differs from the lock in "
            f"{len(self.differences)} of {len(self.pins)} pins: {listed}."
        )

    def as_record(self) -> dict[str, object]:
        """The same for the ARD metadata (JSON)."""
        return {
            "file": self.lock,
            "sha256": self.sha256,
            "pins": len(self.pins),
            "environment_matches_lock": self.matches,
            "differences": [
                {"package": name, "locked": locked, "installed": installed}
                for name, locked, installed in self.differences
            ],
        }


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
    environment: LockedEnvironment = field(default_factory=lambda: locked_environment())


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


def lock_path() -> Path | None:
    """The lock shipped in the wheel or, in a source checkout, at the repository root."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_lock" / LOCK_NAME, package.parents[1] / LOCK_NAME):
        if candidate.is_file():
            return candidate
    return None


def locked_environment() -> LockedEnvironment:
    """The lock's pins compared with the installed versions (never an error: provenance)."""
    path = lock_path()
    try:
        data = path.read_bytes() if path is not None else b""
    except OSError:
        data = b""
    pins = tuple(_PIN.findall(data.decode("utf-8", errors="replace")))
    if not pins:
        return LockedEnvironment(LOCK_NAME, "not available", (), ())
    installed = ((name, locked, _version(name)) for name, locked in pins)
    return LockedEnvironment(
        LOCK_NAME,
        hashlib.sha256(data).hexdigest(),
        pins,
        tuple(entry for entry in installed if entry[1] != entry[2]),
    )


def environment_record(environment: LockedEnvironment | None = None) -> dict[str, object]:
    """The software behind an ARD (its metadata record): package, Python, key packages, lock."""
    from osteo_stats import __version__

    environment = environment or locked_environment()
    return {
        "osteo_stats": __version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {name: _version(name) for name in TRACKED_DISTRIBUTIONS},
        "lock": environment.as_record(),
    }


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
        environment=locked_environment(),
    )
