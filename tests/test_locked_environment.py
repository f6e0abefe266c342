"""The locked environment (issue 19 section 3, README "Locked environment").

Both README commands install from hashed lock files; the provenance page and ``ard_metadata.json``
record the lock and say when the running environment differs from it. The environment a test
runs in is not assumed to be the locked one (``scripts/check_newest.sh`` runs this suite on the
newest versions): the version lookup is replaced, once by the lock's own pins and once by a
differing set.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from test_render_fixtures import fixture_outputs, synthetic_ad

from osteo_stats.render import provenance
from osteo_stats.render.context import build_report_context
from osteo_stats.render.report import render_report_html, write_ard
from osteo_stats.tlf.ard import ARD

REPO = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-test.lock")
ARGV = ["osteo-stats", "report", "dmc"]


def _pins(name: str) -> dict[str, str]:
    """package -> version of a lock file. Read line by line: a requirement starts a line, its
    ``--hash`` options follow indented, comments start with ``#``."""
    pins: dict[str, str] = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            package, equals, version = line.removesuffix("\\").strip().partition("==")
            assert equals and version, f"{name}: not a pinned requirement: {line!r}"
            pins[package] = version
    return pins


def _readme_command(marker: str) -> str:
    """The command between the README's markers, as .ci/run reads it."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return "\n".join(line for line in block.strip().splitlines() if not line.startswith("```"))


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_is_pinned_with_hashes(name):
    text = (REPO / name).read_text(encoding="utf-8")
    requirements = re.split(r"\n(?=[^\s#])", text.split("\n", 1)[1])
    pinned = [block for block in requirements if not block.startswith("#")]
    assert len(pinned) == len(_pins(name)) > 0
    for block in pinned:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block.splitlines()[0]


def test_the_runtime_pins_are_the_test_locks_and_fit_pyproject():
    runtime, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    assert {name: test.get(name) for name in runtime} == runtime
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [(runtime, r) for r in project["dependencies"]] + [
        (test, r) for extra in ("test", "cluster") for r in project["optional-dependencies"][extra]
    ]
    for pins, line in declared:
        requirement = Requirement(line)
        version = pins.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in the lock"
        assert requirement.specifier.contains(version, prereleases=True), (line, version)


def test_both_readme_commands_install_from_the_lock():
    for marker, lock in (("main-command", "requirements.lock"), ("test-command", LOCKS[1])):
        command = _readme_command(marker)
        installs = re.findall(r"pip install ([^&]*)", command)
        assert f"--require-hashes -r {lock}" in installs[0], command
        # osteo_stats itself, with nothing resolved beside the lock
        assert [i.split() for i in installs[1:]] == [["-q", "--no-deps", "."]], command


def test_the_lock_ships_with_the_package_and_is_the_one_found():
    wheel = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]
    included = wheel["build"]["targets"]["wheel"]["force-include"]
    assert included["requirements.lock"] == "osteo_stats/_lock/requirements.lock"
    # In a source checkout the repository's lock, in an installed package its copy: same bytes.
    assert provenance.lock_path().read_bytes() == (REPO / "requirements.lock").read_bytes()


def _installed(monkeypatch, **changed: str) -> dict[str, str]:
    """Replace the installed-version lookup: the lock's pins, except ``changed``."""
    versions = {**_pins("requirements.lock"), **changed}
    monkeypatch.setattr(provenance, "_version", lambda name: versions[canonicalize_name(name)])
    return versions


def _recorded(tmp_path, environment) -> dict[str, object]:
    write_ard(ARD.concat([]), tmp_path, "interim", environment)
    return json.loads((tmp_path / "ard_metadata.json").read_text(encoding="utf-8"))


def test_an_environment_that_is_the_lock_says_so(monkeypatch, tmp_path):
    pins = _installed(monkeypatch)
    lock_sha256 = hashlib.sha256((REPO / "requirements.lock").read_bytes()).hexdigest()
    context = build_report_context(synthetic_ad(), ARGV)
    environment = context.provenance.environment
    assert environment.matches and environment.differences == ()
    assert environment.sha256 == lock_sha256
    html = render_report_html("dmc", context, fixture_outputs())
    lock_line = f'<dd class="lock">requirements.lock, SHA-256 <span class="hash">{lock_sha256}<'
    assert lock_line in html
    assert (
        '<dd class="environment">Every installed package is the version the lock pins '
        f"({len(pins)} pins).</dd>"
    ) in html
    for name in ("pandas", "numpy", "pyreadstat", "weasyprint"):
        assert f"<dt>{name}</dt><dd>{pins[name]}</dd>" in html
    record = _recorded(tmp_path, environment)
    assert record["analysis_type"] == "interim"
    assert record["versions"]["pandas"] == pins["pandas"]
    assert record["lock"] == {
        "file": "requirements.lock",
        "sha256": lock_sha256,
        "pins": len(pins),
        "environment_matches_lock": True,
        "differences": [],
    }


def test_an_environment_that_differs_from_the_lock_says_so(monkeypatch, tmp_path):
    pins = _pins("requirements.lock")
    _installed(monkeypatch, pandas="2.2.0", pyreadstat="not installed")
    context = build_report_context(synthetic_ad(), ARGV)
    environment = context.provenance.environment
    assert not environment.matches
    html = render_report_html("dmc", context, fixture_outputs())
    statement = re.search(r'<dd class="environment differs">([^<]*)</dd>', html)
    assert statement is not None
    assert statement.group(1) == (
        "This report was built in an environment that differs from the lock in 2 of "
        f"{len(pins)} pins: pandas 2.2.0 (lock: {pins['pandas']}); "
        f"pyreadstat not installed (lock: {pins['pyreadstat']})."
    )
    assert "<dt>pandas</dt><dd>2.2.0</dd>" in html
    record = _recorded(tmp_path, environment)
    assert record["lock"]["environment_matches_lock"] is False
    assert record["lock"]["differences"] == [
        {"package": "pandas", "locked": pins["pandas"], "installed": "2.2.0"},
        {"package": "pyreadstat", "locked": pins["pyreadstat"], "installed": "not installed"},
    ]
    # analyze writes the ARD without a report: the lookup is made there, with the same result.
    assert _recorded(tmp_path, None)["lock"] == record["lock"]


def test_without_a_lock_the_environment_is_not_said_to_match(monkeypatch, tmp_path):
    monkeypatch.setattr(provenance, "lock_path", lambda: None)
    environment = provenance.locked_environment()
    assert not environment.matches
    assert environment.statement.startswith("No lock file (requirements.lock) was found")
    assert _recorded(tmp_path, environment)["lock"]["sha256"] == "not available"
