#!/usr/bin/env bash
# A compact re-implementation of the official mysql (8.4) / mariadb images' entrypoint contract:
# MYSQL_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD, MYSQL_ROOT_HOST
# (default %), MYSQL_DATABASE, MYSQL_USER + MYSQL_PASSWORD (ALL on MYSQL_DATABASE), MYSQL_ONETIME_PASSWORD,
# time zone tables unless MYSQL_INITDB_SKIP_TZINFO, /docker-entrypoint-initdb.d on first start.
set -Eeuo pipefail

. /usr/local/lib/lakehouse/mysql-entrypoint-lib.sh

if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi

if [ "$1" = 'mysqld' ] || [ "$1" = 'mariadbd' ]; then
  # MARIADB_* names are accepted as aliases of the MYSQL_* ones.
  for n in ROOT_PASSWORD DATABASE USER PASSWORD ALLOW_EMPTY_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST; do
    m="MARIADB_$n"; y="MYSQL_$n"
    if [ -z "${!y:-}" ] && [ -n "${!m:-}" ]; then export "$y"="${!m}"; fi
  done
  # *_FILE is read before dropping to the mysql user, as the official images do: a secret file may be
  # root-only (0400). The values go on in the environment of the re-executed script, the *_FILE names are unset.
  file_env MYSQL_ROOT_HOST '%'; file_env MYSQL_DATABASE; file_env MYSQL_USER; file_env MYSQL_PASSWORD; file_env MYSQL_ROOT_PASSWORD
  if [ "$(id -u)" = '0' ]; then
    mkdir -p /var/lib/mysql /run/mysqld; chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec gosu mysql "$BASH_SOURCE" "$@"
  fi

  datadir=/var/lib/mysql
  if [ ! -d "$datadir/mysql" ]; then
    mysql_check_first_start
    echo 'Initializing database'
    mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal --skip-test-db \
      --default-time-zone=SYSTEM --skip-log-bin >/dev/null
    # Temporary server: socket only, with the user's arguments (binlog included, as MySQL 8.4's keeps it:
    # only the root set-up below is left out of the binlog).
    mysqld --skip-networking --default-time-zone=SYSTEM --socket=/run/mysqld/mysqld.sock "${@:2}" &
    pid=$!
    mysql=(mariadb --protocol=socket -uroot -hlocalhost --socket=/run/mysqld/mysqld.sock)
    mysql_wait_ready "${mysql[@]}"
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
    mysql_init_database_and_user "${mysql[@]}"
    kill "$pid"; wait "$pid" || true
    echo 'MariaDB init process done. Ready for start up.'
  fi
fi
exec "$@"
