#!/usr/bin/env bash
# The test command: installs the real format readers (pyaxis, pyjstat, pyarrow, DuckDB,
# frictionless) into a virtual environment outside the clone, then runs every Rust test; the
# publication tests hand each published file to those readers. It builds into the same target
# directory as `cargo run` (target/, or CARGO_TARGET_DIR when set), so the README's two commands
# share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${KELASTAT_VENV:-$HOME/.cache/kelastat-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  -r tests/readers/requirements.txt -r tests/readers/requirements-datapackage.txt
export KELASTAT_PYTHON="$VENV/bin/python"
export FRICTIONLESS="$VENV/bin/frictionless"
cargo test --locked "$@"
