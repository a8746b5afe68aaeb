# The build tools HiGHS needs (the `highs` crate behind disclosure control builds HiGHS with
# cmake and generates its bindings with libclang), installed from PyPI into the project's
# virtual environment outside the clone. Sourced by scripts/kelastat and scripts/test.sh; a
# plain `cargo` works after `source scripts/tools.sh`. Both exports stay the same between the
# commands, so they share one build.
VENV="${KELASTAT_VENV:-$HOME/.cache/kelastat-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/cmake" ] || ! "$VENV/bin/python" -c 'import clang' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$(dirname "${BASH_SOURCE[0]}")/build-requirements.txt"
fi
export CMAKE="$VENV/bin/cmake"
LIBCLANG_PATH="$("$VENV/bin/python" -c 'import clang, os; print(os.path.join(os.path.dirname(clang.__file__), "native"))')"
export LIBCLANG_PATH
