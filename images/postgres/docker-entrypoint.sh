#!/usr/bin/env bash
# A compact re-implementation of the official postgres image's entrypoint contract.
set -Eeuo pipefail

file_env() { # VAR [default]: VAR or VAR_FILE (Docker secrets), as the official image does
  local var="$1" fileVar="${1}_FILE" def="${2:-}" val="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then echo >&2 "error: both $var and $fileVar are set"; exit 1; fi
  if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"; unset "$fileVar"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec gosu postgres "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
      echo >&2 'error: database is uninitialized and superuser password is not specified.'
      echo >&2 '  set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)'
      exit 1
    fi
    pwfile="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      $POSTGRES_INITDB_ARGS >/dev/null
    rm -f "$pwfile"
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    { echo; echo "host all all all $auth"; echo "host replication all all $auth"; } >>"$PGDATA/pg_hba.conf"

    # Temporary server on the unix socket only, with the user's -c args (e.g. wal_level) applied.
    pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${@:2}") -c listen_addresses='' -p 5432" -w start >/dev/null
    export PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD" PGHOST=/var/run/postgresql
    psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER")
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      if [ -z "$("${psql[@]}" --dbname postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" ]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
      fi
    fi
    psql+=(--dbname "$POSTGRES_DB")
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
        *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
  exec postgres -c listen_addresses='*' "${@:2}"
fi

exec "$@"
