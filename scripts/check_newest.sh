#!/usr/bin/env bash
# Drift check (issue 19): install the newest versions pyproject.toml allows -- no lock -- into a
# fresh virtual environment and run the whole suite, so that a release that breaks the package
# is seen before the lock is moved to it (README, "Locked environment"). Not part of .ci/run:
# CI installs from the lock.
#
#   scripts/check_newest.sh                 # pytest -q -n auto
#   scripts/check_newest.sh -q -p no:xdist  # other pytest arguments, e.g. on a busy machine
#
# Prints each installed version that differs from requirements-test.lock, then pytest's summary;
# exits with pytest's status.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(mktemp -d "${TMPDIR:-/tmp}/osteo-stats-newest.XXXXXX")
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager ".[test,cluster]"

echo "check_newest: installed versions that differ from requirements-test.lock:"
"$venv/bin/python" - requirements-test.lock <<'PY'
import re
import sys
from importlib import metadata


def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # no longer a dependency of the newest set
        return "not installed"


pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", open(sys.argv[1]).read(), re.M)
newer = [(n, v, installed(n)) for n, v in pins if installed(n) != v]
for name, locked, now in newer:
    print(f"  {name}: {locked} in the lock, {now} installed")
print(f"  {len(newer)} of {len(pins)} locked packages differ")
PY

if [ $# -eq 0 ]; then
    set -- -q -n auto
fi
"$venv/bin/python" -m pytest "$@"
