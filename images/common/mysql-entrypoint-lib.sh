# Shared by the Oracle MySQL (images/mysql) and MariaDB (images/mariadb) entrypoints: the parts of the
# official mysql/mariadb images' contract that do not depend on the server. Sourced, not run.
# scripts/images.sh copies it into both build contexts (and hashes it with each).

# VAR or VAR_FILE (exclusive) into VAR, with a default; VAR_FILE is unset afterwards.
file_env() {
  local var="$1" fileVar="${1}_FILE" val="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1; fi
  if [ -n "${!var:-}" ]; then val="${!var}"; elif [ -n "${!fileVar:-}" ]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"; unset "$fileVar"
}

# The official images' checks before a first initialisation, and MYSQL_RANDOM_ROOT_PASSWORD.
mysql_check_first_start() {
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    echo >&2 'error: database is uninitialized and password option is not specified'
    echo >&2 '  You need to specify one of the following as an environment variable:'
    echo >&2 '  - MYSQL_ROOT_PASSWORD'
    echo >&2 '  - MYSQL_ALLOW_EMPTY_PASSWORD'
    echo >&2 '  - MYSQL_RANDOM_ROOT_PASSWORD'
    exit 1
  fi
  if [ "$MYSQL_USER" = root ]; then
    echo >&2 'error: MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
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
}

# A value for a single-quoted SQL literal.
q() { printf '%s' "$1" | sed "s/'/''/g; s/\\\\/\\\\\\\\/g"; }

# Waits up to 60 s for the temporary server behind the client command "$@".
mysql_wait_ready() {
  for _ in $(seq 1 60); do "$@" -e 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 1; done
  "$@" -e 'SELECT 1' >/dev/null || { echo >&2 'init: server did not start'; exit 1; }
}

# MYSQL_DATABASE, MYSQL_USER with ALL on it, /docker-entrypoint-initdb.d, MYSQL_ONETIME_PASSWORD; the
# client command "$@" logs in as root.
mysql_init_database_and_user() {
  if [ -n "$MYSQL_DATABASE" ]; then "$@" -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`"; fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    "$@" -e "CREATE USER IF NOT EXISTS '$(q "$MYSQL_USER")'@'%' IDENTIFIED BY '$(q "$MYSQL_PASSWORD")'"
    if [ -n "$MYSQL_DATABASE" ]; then "$@" -e "GRANT ALL ON \`${MYSQL_DATABASE//_/\\_}\`.* TO '$(q "$MYSQL_USER")'@'%'"; fi
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "$0: running $f"; "$@" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} <"$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "$@" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
      *.sql.bz2) echo "$0: running $f"; bunzip2 -c "$f" | "$@" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
      *.sql.xz) echo "$0: running $f"; xzcat "$f" | "$@" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
      *.sql.zst) echo "$0: running $f"; zstd -dc "$f" | "$@" ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  if [ -n "${MYSQL_ONETIME_PASSWORD:-}" ]; then "$@" -e "ALTER USER 'root'@'%' PASSWORD EXPIRE"; fi
}
