#!/usr/bin/env bash
# The Python venv the benchmark plots run in (tools/bench-plot.py): matplotlib from PyPI at the version
# versions.json pins (benchTools.matplotlib), in the machine-wide cache so that every checkout and CI's
# fresh clone reuse it. Idempotent: an existing venv with the pinned version is kept as it is.
# Prints the venv's python on stdout (everything else goes to stderr).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MPL="$(version benchTools.matplotlib)"
VENV="$CACHE_HOME/venv-bench"
PY="$VENV/bin/python"
have() { [ -x "$PY" ] && [ "$("$PY" -c 'import matplotlib; print(matplotlib.__version__)' 2>/dev/null)" = "$MPL" ]; }
if ! have; then
    log "bench venv: matplotlib $MPL into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check "matplotlib==$MPL" >&2
    have || die "bench venv: matplotlib $MPL did not install into $VENV"
fi
echo "$PY"
