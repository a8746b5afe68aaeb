#!/usr/bin/env bash
# The test command: installs the real format readers (pyaxis, pyjstat, pyarrow, frictionless)
# into a virtual environment outside the clone, then runs every Rust test; the publication
# tests hand each published file to those readers.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kelastat-target}"
VENV="${KELASTAT_VENV:-$HOME/.cache/kelastat-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  -r tests/readers/requirements.txt -r tests/readers/requirements-datapackage.txt
export KELASTAT_PYTHON="$VENV/bin/python"
export FRICTIONLESS="$VENV/bin/frictionless"
cargo test --locked "$@"
