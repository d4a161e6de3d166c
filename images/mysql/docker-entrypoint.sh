#!/usr/bin/env bash
# A compact re-implementation of the official mysql image's entrypoint contract for Oracle MySQL:
# MYSQL_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD, MYSQL_ROOT_HOST (default %),
# MYSQL_DATABASE, MYSQL_USER + MYSQL_PASSWORD (ALL on MYSQL_DATABASE), each also as *_FILE,
# MYSQL_ONETIME_PASSWORD, time zone tables unless MYSQL_INITDB_SKIP_TZINFO, /docker-entrypoint-initdb.d
# (*.sh, *.sql, *.sql.gz, .bz2, .xz, .zst) on first start.
set -Eeuo pipefail

. /usr/local/lib/lakehouse/mysql-entrypoint-lib.sh

if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi

if [ "$1" = 'mysqld' ]; then
  # *_FILE is read before dropping to the mysql user, as the official image does: a secret file may be
  # root-only (0400). The values go on in the environment of the re-executed script, the *_FILE names are unset.
  file_env MYSQL_ROOT_HOST '%'; file_env MYSQL_DATABASE; file_env MYSQL_USER; file_env MYSQL_PASSWORD; file_env MYSQL_ROOT_PASSWORD
  if [ "$(id -u)" = '0' ]; then
    mkdir -p /var/lib/mysql /run/mysqld; chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec gosu mysql "$BASH_SOURCE" "$@"
  fi

  datadir=/var/lib/mysql
  if [ -e "$datadir/aria_log_control" ] || [ -e "$datadir/mariadb_upgrade_info" ]; then
    # MySQL cannot open a MariaDB data directory (and would fail deep in its data dictionary upgrade).
    echo >&2 "error: $datadir holds a MariaDB data directory; Oracle MySQL cannot open it."
    echo >&2 '  Keep MariaDB on this volume (pulumi config set lakehouse:mysqlFlavour mariadb), or move the data'
    echo >&2 '  with a dump and restore into a fresh volume (docs/mysql.md).'
    exit 1
  fi
  if [ ! -d "$datadir/mysql" ]; then
    mysql_check_first_start
    echo 'Initializing database'
    mysqld --initialize-insecure --datadir="$datadir" --default-time-zone=SYSTEM
    # Temporary server: socket only, with the user's arguments.
    mysqld --skip-networking --default-time-zone=SYSTEM --socket=/run/mysqld/mysqld.sock "${@:2}" &
    pid=$!
    mysql=(mysql --protocol=socket -uroot -hlocalhost --socket=/run/mysqld/mysqld.sock)
    mysql_wait_ready "${mysql[@]}"
    if [ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" ]; then
      # Time zone tables, as the official image loads them (without binlogging them).
      { echo 'SET @@SESSION.SQL_LOG_BIN=0;'; mysql_tzinfo_to_sql /usr/share/zoneinfo 2>/dev/null; } | "${mysql[@]}" --database=mysql
    fi
    root_host=""
    if [ "$MYSQL_ROOT_HOST" != localhost ]; then
      root_host="CREATE USER 'root'@'$(q "$MYSQL_ROOT_HOST")' IDENTIFIED BY '$(q "$MYSQL_ROOT_PASSWORD")'; GRANT ALL ON *.* TO 'root'@'$(q "$MYSQL_ROOT_HOST")' WITH GRANT OPTION; GRANT PROXY ON ''@'' TO 'root'@'$(q "$MYSQL_ROOT_HOST")' WITH GRANT OPTION;"
    fi
    "${mysql[@]}" <<-SQL
	SET @@SESSION.SQL_LOG_BIN=0;
	ALTER USER 'root'@'localhost' IDENTIFIED BY '$(q "$MYSQL_ROOT_PASSWORD")';
	$root_host
	DROP DATABASE IF EXISTS test;
	FLUSH PRIVILEGES;
	SQL
    if [ -n "$MYSQL_ROOT_PASSWORD" ]; then mysql+=(-p"$MYSQL_ROOT_PASSWORD"); fi
    mysql_init_database_and_user "${mysql[@]}"
    kill "$pid"; wait "$pid" || true
    echo 'MySQL init process done. Ready for start up.'
  fi
fi
exec "$@"
