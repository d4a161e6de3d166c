#!/bin/sh
# As in quay.io/minio/minio: any command other than `minio` is taken as minio's arguments
# (`docker run <image> server /data` runs `minio server /data`); no arguments runs `minio` (its help).
set -e
if [ "$1" != "minio" ] && [ -n "$1" ]; then set -- minio "$@"; fi
exec "$@"
