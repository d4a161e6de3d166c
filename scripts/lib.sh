#!/usr/bin/env bash
# Shared helpers for the project's scripts: paths, the machine-wide cache and logging.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The cache lives outside any one clone so that CI's fresh clone on the same machine reuses it;
# inside the project it is reached through the git-ignored link .cache.
CACHE_HOME="${LAKEHOUSE_CACHE_DIR:-/var/cache/pulumi-lakehouse}"
mkdir -p "$CACHE_HOME"
if [ ! -e "$ROOT/.cache" ]; then ln -s "$CACHE_HOME" "$ROOT/.cache"; fi
CACHE="$ROOT/.cache"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# version KEY: read one pinned version from versions.json (the single place versions live).
version() { node -p "const v=require('$ROOT/versions.json'); '$1'.split('.').reduce((o,k)=>o[k],v)"; }
