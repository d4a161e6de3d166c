#!/usr/bin/env bash
# quay.io/debezium/connect's start-up contract, re-implemented over the Kafka jars in /opt/kafka.
set -euo pipefail

: "${REST_PORT:=8083}"
: "${HOST_NAME:=$(hostname -i 2>/dev/null | awk '{print $1}')}"
: "${ADVERTISED_PORT:=$REST_PORT}"
: "${ADVERTISED_HOST_NAME:=$HOST_NAME}"
: "${KEY_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"
: "${VALUE_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"
: "${OFFSET_FLUSH_INTERVAL_MS:=60000}"
: "${OFFSET_FLUSH_TIMEOUT_MS:=5000}"
: "${SHUTDOWN_TIMEOUT:=10000}"
export KAFKA_HEAP_OPTS="${HEAP_OPTS:-${KAFKA_HEAP_OPTS:--Xms256M -Xmx1G}}"
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/kafka/config/log4j2.properties}"

case "${1:-start}" in
  start)
    for v in BOOTSTRAP_SERVERS GROUP_ID CONFIG_STORAGE_TOPIC OFFSET_STORAGE_TOPIC; do
      if [ -z "${!v:-}" ]; then echo >&2 "The $v variable must be set."; exit 1; fi
    done
    export CONNECT_BOOTSTRAP_SERVERS="$BOOTSTRAP_SERVERS"
    export CONNECT_GROUP_ID="$GROUP_ID"
    export CONNECT_CONFIG_STORAGE_TOPIC="$CONFIG_STORAGE_TOPIC"
    export CONNECT_OFFSET_STORAGE_TOPIC="$OFFSET_STORAGE_TOPIC"
    [ -n "${STATUS_STORAGE_TOPIC:-}" ] && export CONNECT_STATUS_STORAGE_TOPIC="$STATUS_STORAGE_TOPIC"
    export CONNECT_KEY_CONVERTER="${CONNECT_KEY_CONVERTER:-$KEY_CONVERTER}"
    export CONNECT_VALUE_CONVERTER="${CONNECT_VALUE_CONVERTER:-$VALUE_CONVERTER}"
    export CONNECT_LISTENERS="${CONNECT_LISTENERS:-http://0.0.0.0:$REST_PORT}"
    export CONNECT_REST_ADVERTISED_HOST_NAME="${CONNECT_REST_ADVERTISED_HOST_NAME:-$ADVERTISED_HOST_NAME}"
    export CONNECT_REST_ADVERTISED_PORT="${CONNECT_REST_ADVERTISED_PORT:-$ADVERTISED_PORT}"
    export CONNECT_PLUGIN_PATH="${CONNECT_PLUGIN_PATH:-$KAFKA_CONNECT_PLUGINS_DIR}"
    # Every bundled plugin has ServiceLoader manifests: skip the slow reflective classpath scan.
    export CONNECT_PLUGIN_DISCOVERY="${CONNECT_PLUGIN_DISCOVERY:-service_load}"
    export CONNECT_OFFSET_FLUSH_INTERVAL_MS="${CONNECT_OFFSET_FLUSH_INTERVAL_MS:-$OFFSET_FLUSH_INTERVAL_MS}"
    export CONNECT_OFFSET_FLUSH_TIMEOUT_MS="${CONNECT_OFFSET_FLUSH_TIMEOUT_MS:-$OFFSET_FLUSH_TIMEOUT_MS}"
    export CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS="${CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS:-$SHUTDOWN_TIMEOUT}"

    conf=/kafka/config/connect-distributed.properties
    : >"$conf"
    # CONNECT_FOO_BAR=value -> foo.bar=value (Debezium's rule: strip the prefix, lower case, `_` -> `.`).
    env | grep -E '^CONNECT_[A-Z0-9_]+=' | sort | while IFS= read -r line; do
      name="${line%%=*}"; value="${line#*=}"
      printf '%s=%s\n' "$(printf '%s' "${name#CONNECT_}" | tr '[:upper:]' '[:lower:]' | tr _ .)" "$value" >>"$conf"
    done
    echo "Using worker configuration $conf:"; sed -E 's/((password|secret)[^=]*=).*/\1******/I' "$conf"
    exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.connect.cli.ConnectDistributed "$conf"
    ;;
  *) exec "$@" ;;
esac
