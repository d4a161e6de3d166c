#!/usr/bin/env bash
# A compact re-implementation of the official mysql (8.4) / mariadb images' entrypoint contract:
# MYSQL_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD, MYSQL_ROOT_HOST
# (default %), MYSQL_DATABASE, MYSQL_USER + MYSQL_PASSWORD (ALL on MYSQL_DATABASE), MYSQL_ONETIME_PASSWORD,
# time zone tables unless MYSQL_INITDB_SKIP_TZINFO, /docker-entrypoint-initdb.d on first start.
set -Eeuo pipefail

file_env() {
  local var="$1" fileVar="${1}_FILE" val="${2:-}"
  if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"; unset "$fileVar"
}

if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi

if [ "$1" = 'mysqld' ] || [ "$1" = 'mariadbd' ]; then
  if [ "$(id -u)" = '0' ]; then
    mkdir -p /var/lib/mysql /run/mysqld; chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec gosu mysql "$BASH_SOURCE" "$@"
  fi
  # MARIADB_* names are accepted as aliases of the MYSQL_* ones.
  for n in ROOT_PASSWORD DATABASE USER PASSWORD ALLOW_EMPTY_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST; do
    m="MARIADB_$n"; y="MYSQL_$n"
    if [ -z "${!y:-}" ] && [ -n "${!m:-}" ]; then export "$y"="${!m}"; fi
  done
  file_env MYSQL_ROOT_HOST '%'; file_env MYSQL_DATABASE; file_env MYSQL_USER; file_env MYSQL_PASSWORD; file_env MYSQL_ROOT_PASSWORD

  datadir=/var/lib/mysql
  if [ ! -d "$datadir/mysql" ]; then
    if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
      echo >&2 'error: database is uninitialized and password option is not specified'
      echo >&2 '  You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD'
      exit 1
    fi
    if [ "$MYSQL_USER" = root ]; then
      echo >&2 'error: MYSQL_USER="root": MYSQL_USER and MYSQL_PASSWORD configure a regular user; use MYSQL_ROOT_PASSWORD for root'
      exit 1
    fi
    if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
      echo >&2 'warning: MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created'
    elif [ -z "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
      echo >&2 'warning: MYSQL_PASSWORD specified, but missing MYSQL_USER; MYSQL_PASSWORD will be ignored'
    fi
    if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
      MYSQL_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"; echo "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
    fi
    echo 'Initializing database'
    mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal --skip-test-db \
      --default-time-zone=SYSTEM --skip-log-bin >/dev/null
    # Temporary server: socket only, with the user's arguments (binlog included, as MySQL 8.4's keeps it:
    # only the root set-up below is left out of the binlog).
    mysqld --skip-networking --default-time-zone=SYSTEM --socket=/run/mysqld/mysqld.sock "${@:2}" &
    pid=$!
    mysql=(mariadb --protocol=socket -uroot -hlocalhost --socket=/run/mysqld/mysqld.sock)
    for _ in $(seq 1 60); do "${mysql[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
    "${mysql[@]}" -e 'SELECT 1' >/dev/null || { echo >&2 'init: server did not start'; exit 1; }
    q() { printf '%s' "$1" | sed "s/'/''/g; s/\\\\/\\\\\\\\/g"; }
    if [ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" ]; then
      # Time zone tables, as the official image loads them (CONVERT_TZ with named zones works).
      mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | "${mysql[@]}" --database=mysql
    fi
    "${mysql[@]}" <<-SQL
	SET @@SESSION.SQL_LOG_BIN=0;
	DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');
	SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$(q "$MYSQL_ROOT_PASSWORD")');
	CREATE USER IF NOT EXISTS 'root'@'$(q "$MYSQL_ROOT_HOST")' IDENTIFIED BY '$(q "$MYSQL_ROOT_PASSWORD")';
	GRANT ALL ON *.* TO 'root'@'$(q "$MYSQL_ROOT_HOST")' WITH GRANT OPTION;
	DROP DATABASE IF EXISTS test;
	FLUSH PRIVILEGES;
	SQL
    if [ -n "$MYSQL_ROOT_PASSWORD" ]; then mysql+=(-p"$MYSQL_ROOT_PASSWORD"); fi
    if [ -n "$MYSQL_DATABASE" ]; then "${mysql[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`"; fi
    if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
      "${mysql[@]}" -e "CREATE USER IF NOT EXISTS '$(q "$MYSQL_USER")'@'%' IDENTIFIED BY '$(q "$MYSQL_PASSWORD")'"
      if [ -n "$MYSQL_DATABASE" ]; then "${mysql[@]}" -e "GRANT ALL ON \`${MYSQL_DATABASE//_/\\_}\`.* TO '$(q "$MYSQL_USER")'@'%'"; fi
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "$0: running $f"; "${mysql[@]}" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} <"$f" ;;
        *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${mysql[@]}" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
        *.sql.bz2) echo "$0: running $f"; bunzip2 -c "$f" | "${mysql[@]}" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
        *.sql.xz) echo "$0: running $f"; xzcat "$f" | "${mysql[@]}" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
        *.sql.zst) echo "$0: running $f"; zstd -dc "$f" | "${mysql[@]}" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    if [ -n "${MYSQL_ONETIME_PASSWORD:-}" ]; then "${mysql[@]}" -e "ALTER USER 'root'@'%' PASSWORD EXPIRE"; fi
    kill "$pid"; wait "$pid" || true
    echo 'MariaDB init process done. Ready for start up.'
  fi
fi
exec "$@"
