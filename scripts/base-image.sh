#!/usr/bin/env bash
# Builds the local Debian base image pulumi-lakehouse/debian:<suite> (default localImages.debian;
# `base-image.sh trixie` for another suite) with debootstrap (minbase) from
# Debian's mirror and `docker import`. Idempotent: skips when the tag exists. Every other image in
# images/ is FROM this one; no image is ever pulled from a registry.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE="${1:-$(version localImages.debian)}"
TAG="pulumi-lakehouse/debian:$SUITE"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1 && [ "${FORCE_BASE:-0}" != 1 ]; then
  log "$TAG exists"; exit 0
fi
command -v debootstrap >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

ROOTFS="$CACHE/rootfs-$SUITE"
TARBALL="$CACHE/downloads/debian-$SUITE-rootfs.tar"
mkdir -p "$CACHE/downloads"
if [ ! -s "$TARBALL" ]; then
  rm -rf "$ROOTFS"
  log "debootstrap --variant=minbase $SUITE"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" >"$CACHE/logs/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $CACHE/logs/debootstrap.log"
  # Keep images small and apt quiet inside builds.
  chroot "$ROOTFS" apt-get clean
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/tmp/*
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$ROOTFS/etc/apt/apt.conf.d/90lakehouse"
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    >"$ROOTFS/etc/dpkg/dpkg.cfg.d/90lakehouse-nodoc"
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
    "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" "$SUITE" >"$ROOTFS/etc/apt/sources.list"
  tar -C "$ROOTFS" --numeric-owner -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$ROOTFS"
fi
log "docker import $TAG"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  "$TARBALL" "$TAG" >/dev/null
log "built $TAG"
