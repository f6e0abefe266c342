#!/usr/bin/env bash
# Rewrite the lock files from the version ranges in pyproject.toml (README, "Locked
# environment"), with pip-tools in a throwaway virtual environment:
#
#   scripts/lock.sh                           # keep every pin that still fits the ranges
#   scripts/lock.sh --upgrade-package pandas  # move one package to its newest allowed version
#   scripts/lock.sh --upgrade                 # move every package
#
# requirements-test.lock (runtime + test + cluster extras) is resolved first; requirements.lock
# is then resolved from it, so the runtime pins are the same in both files.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=$(mktemp -d "${TMPDIR:-/tmp}/osteo-stats-lock.XXXXXX")
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/python" -m pip install -q pip-tools

compile() {
    CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$tools/bin/pip-compile" -q --generate-hashes \
        --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links "$@" pyproject.toml
}
compile --extra test --extra cluster -o requirements-test.lock "$@"
cp requirements-test.lock requirements.lock
compile -o requirements.lock  # pip-compile keeps the pins of an existing output file
echo "lock: $(grep -c '==' requirements.lock) runtime pins, $(grep -c '==' requirements-test.lock) with the test and cluster extras"
