#!/usr/bin/env bash
# Installs Debian's docker.io if missing, starts dockerd on its unix socket if it is not running,
# and waits until `docker info` answers. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p "$CACHE/logs"
  nohup dockerd --host=unix:///var/run/docker.sock >"$CACHE/logs/dockerd.log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then log "docker is up"; exit 0; fi
  sleep 1
done
die "dockerd did not answer within 60s; see $CACHE/logs/dockerd.log"
