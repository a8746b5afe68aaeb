#!/usr/bin/env bash
# Validates a publication's datapackage.json (and every CSV it describes) with the Frictionless
# validator, as publication.md requires: `frictionless validate datapackage.json` must pass.
#
#   tests/readers/check_datapackage.sh PUBLICATION_DIR
#
# Needs the PyPI package pinned in requirements-datapackage.txt beside this script
# (pip install -r tests/readers/requirements-datapackage.txt). The validator is taken from
# $FRICTIONLESS if set, else `frictionless` on PATH, else `python3 -m frictionless`.
# Exit: 0 valid, 1 invalid, 2 usage or validator missing.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PUBLICATION_DIR" >&2
    exit 2
fi
dir=$1
if [ ! -f "$dir/datapackage.json" ]; then
    echo "$dir/datapackage.json: not found" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${FRICTIONLESS:-}" ]; then
    validator=("$FRICTIONLESS")
elif command -v frictionless >/dev/null 2>&1; then
    validator=(frictionless)
elif python3 -c 'import frictionless' >/dev/null 2>&1; then
    validator=(python3 -m frictionless)
else
    echo "frictionless is not installed: pip install -r $here/requirements-datapackage.txt" >&2
    exit 2
fi

# Resource paths are relative to the descriptor: validate from inside the publication directory.
cd "$dir"
if "${validator[@]}" validate datapackage.json; then
    echo "datapackage.json: valid"
else
    echo "datapackage.json: INVALID" >&2
    exit 1
fi
