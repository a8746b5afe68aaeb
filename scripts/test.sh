#!/usr/bin/env bash
# The test command: installs the build tools HiGHS needs (scripts/tools.sh) and the real format
# readers (pyaxis, pyjstat, pyarrow, DuckDB, frictionless) into a virtual environment outside
# the clone, then runs every Rust test; the publication tests hand each published file to those
# readers. It builds into the same target directory as scripts/kelastat (target/, or
# CARGO_TARGET_DIR when set), so the README's two commands share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  -r tests/readers/requirements.txt -r tests/readers/requirements-datapackage.txt
export KELASTAT_PYTHON="$VENV/bin/python"
export FRICTIONLESS="$VENV/bin/frictionless"
cargo test --locked "$@"
