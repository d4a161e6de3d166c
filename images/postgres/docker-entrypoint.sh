#!/usr/bin/env bash
# A compact re-implementation of the official postgres image's entrypoint contract: initdb with the
# default (trust) local rules plus one `host all all all <method>` line, the method being
# POSTGRES_HOST_AUTH_METHOD or the server's password_encryption (scram-sha-256); POSTGRES_DB created
# (default: POSTGRES_USER); init scripts run against a socket-only temporary server with the user's
# `-c` settings; then postgres in the foreground with the user's arguments only.
set -Eeo pipefail

file_env() { # VAR [default]: VAR or VAR_FILE (Docker secrets), as the official image does
  local var="$1" fileVar="${1}_FILE" val="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1; fi
  if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"; unset "$fileVar"
}

docker_process_sql() { # (the name sourced init scripts call) psql as the superuser on the temporary server, in POSTGRES_DB unless told otherwise
  local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  [ -n "$POSTGRES_DB" ] && runner+=(--dbname "$POSTGRES_DB")
  PGHOST= PGHOSTADDR= "${runner[@]}" "$@"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  # *_FILE is read before dropping to the postgres user, as the official image does: a secret file may be
  # root-only (0400). The values go on in the environment of the re-executed script, the *_FILE names are unset.
  file_env POSTGRES_PASSWORD; file_env POSTGRES_USER postgres; file_env POSTGRES_DB "$POSTGRES_USER"; file_env POSTGRES_INITDB_ARGS
  mkdir -p "$PGDATA"; chmod 00700 "$PGDATA" || :
  mkdir -p /var/run/postgresql; chmod 03775 /var/run/postgresql || :
  if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"; find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
    chmod 700 "$POSTGRES_INITDB_WALDIR"
  fi
  find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
  find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
  exec gosu postgres "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ]; then
  mkdir -p "$PGDATA"; chmod 00700 "$PGDATA" || :
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
      echo >&2 'Error: Database is uninitialized and superuser password is not specified.'
      echo >&2 '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser,'
      echo >&2 '       or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password.'
      exit 1
    fi
    initdb_args=()
    [ -n "${POSTGRES_INITDB_WALDIR:-}" ] && initdb_args+=(--waldir "$POSTGRES_INITDB_WALDIR")
    # POSTGRES_INITDB_ARGS is a shell fragment, as upstream evaluates it.
    eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "${initdb_args[@]}"'

    auth="$(postgres -C password_encryption "${@:2}")"
    : "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
    { echo; echo "host all all all $POSTGRES_HOST_AUTH_METHOD"; } >>"$PGDATA/pg_hba.conf"

    # Temporary server on the unix socket only, with the user's -c args (e.g. wal_level) applied.
    temp_args=("${@:2}" -c listen_addresses='' -p "${PGPORT:-5432}")
    PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${temp_args[@]}")" -w start
    export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      if [ -z "$(POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")" ]; then
        POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
      fi
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "$0: running $f"; docker_process_sql -f "$f" ;;
        *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | docker_process_sql ;;
        *.sql.xz) echo "$0: running $f"; xzcat "$f" | docker_process_sql ;;
        *.sql.zst) echo "$0: running $f"; zstd -dc "$f" | docker_process_sql ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  fi
fi

exec "$@"
