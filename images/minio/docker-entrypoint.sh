#!/bin/sh
# As in the official image: `docker run <image> server /data` runs `minio server /data`.
set -e
if [ "${1}" != "minio" ] && [ "${1#-}" != "$1" -o "$1" = server -o "$1" = gateway ]; then set -- minio "$@"; fi
exec "$@"
