#!/usr/bin/env bash
# quay.io/debezium/connect's start-up contract (connect-base/<v>/docker-entrypoint.sh upstream),
# re-implemented over the Kafka jars in /opt/kafka:
# - named variables with the image's defaults, exported over any CONNECT_* of the same setting
#   (the named one wins, as upstream: CONNECT_OFFSET_FLUSH_INTERVAL_MS is overwritten by
#   OFFSET_FLUSH_INTERVAL_MS, default 60000; CONNECT_REST_ADVERTISED_HOST_NAME by ADVERTISED_HOST_NAME);
# - the worker file starts from Kafka's example connect-distributed.properties (storage replication 1)
#   copied from /kafka/config.orig unless /kafka/config already has it, then each CONNECT_FOO_BAR
#   sets foo.bar (replacing a `foo.bar=` or `#foo.bar=` line, else appended).
set -euo pipefail

if [ -z "${BOOTSTRAP_SERVERS:-}" ]; then
  # A linked container named kafka leaves KAFKA_PORT_9092_TCP=tcp://host:9092 behind.
  BOOTSTRAP_SERVERS="$(env | grep '.*PORT_9092_TCP=' | sed -e 's|.*tcp://||' | uniq | paste -sd , || true)"
fi
: "${BOOTSTRAP_SERVERS:=0.0.0.0:9092}"
echo "Using BOOTSTRAP_SERVERS=$BOOTSTRAP_SERVERS"
: "${HOST_NAME:=$(hostname -i 2>/dev/null | awk '{print $1}')}"
: "${REST_PORT:=8083}"
: "${REST_HOST_NAME:=$HOST_NAME}"
: "${ADVERTISED_PORT:=8083}"
: "${ADVERTISED_HOST_NAME:=$HOST_NAME}"
: "${GROUP_ID:=1}"
: "${OFFSET_FLUSH_INTERVAL_MS:=60000}"
: "${OFFSET_FLUSH_TIMEOUT_MS:=5000}"
: "${SHUTDOWN_TIMEOUT:=10000}"
: "${KEY_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"
: "${VALUE_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"

# rest.port and rest.host.name are gone from Kafka 4 (the worker warns and listens on `listeners`,
# default http://:8083); they are still written, as upstream writes them.
export CONNECT_REST_ADVERTISED_PORT="$ADVERTISED_PORT" CONNECT_REST_ADVERTISED_HOST_NAME="$ADVERTISED_HOST_NAME"
export CONNECT_REST_PORT="$REST_PORT" CONNECT_REST_HOST_NAME="$REST_HOST_NAME"
export CONNECT_BOOTSTRAP_SERVERS="$BOOTSTRAP_SERVERS" CONNECT_GROUP_ID="$GROUP_ID"
export CONNECT_CONFIG_STORAGE_TOPIC="${CONFIG_STORAGE_TOPIC:-}" CONNECT_OFFSET_STORAGE_TOPIC="${OFFSET_STORAGE_TOPIC:-}"
if [ -n "${STATUS_STORAGE_TOPIC:-}" ]; then export CONNECT_STATUS_STORAGE_TOPIC="$STATUS_STORAGE_TOPIC"; fi
export CONNECT_KEY_CONVERTER="$KEY_CONVERTER" CONNECT_VALUE_CONVERTER="$VALUE_CONVERTER"
export CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS="$SHUTDOWN_TIMEOUT"
export CONNECT_OFFSET_FLUSH_INTERVAL_MS="$OFFSET_FLUSH_INTERVAL_MS" CONNECT_OFFSET_FLUSH_TIMEOUT_MS="$OFFSET_FLUSH_TIMEOUT_MS"
if [ -n "${HEAP_OPTS:-}" ]; then export KAFKA_HEAP_OPTS="$HEAP_OPTS"; fi
unset HOST_NAME REST_PORT REST_HOST_NAME ADVERTISED_PORT ADVERTISED_HOST_NAME GROUP_ID OFFSET_FLUSH_INTERVAL_MS \
  OFFSET_FLUSH_TIMEOUT_MS SHUTDOWN_TIMEOUT KEY_CONVERTER VALUE_CONVERTER HEAP_OPTS
: "${CONNECT_PLUGIN_PATH:=$KAFKA_CONNECT_PLUGINS_DIR}"
export CONNECT_PLUGIN_PATH
echo "Plugins are loaded from $CONNECT_PLUGIN_PATH"
mkdir -p "$KAFKA_DATA"

case "${1:-}" in
  start)
    if [ -z "$CONNECT_BOOTSTRAP_SERVERS" ]; then echo >&2 "The BOOTSTRAP_SERVERS variable must be set."; exit 1; fi
    if [ -z "$CONNECT_GROUP_ID" ]; then echo >&2 "The GROUP_ID variable must be set."; exit 1; fi
    if [ -z "$CONNECT_CONFIG_STORAGE_TOPIC" ]; then echo >&2 "The CONFIG_STORAGE_TOPIC variable must be set."; exit 1; fi
    if [ -z "$CONNECT_OFFSET_STORAGE_TOPIC" ]; then echo >&2 "The OFFSET_STORAGE_TOPIC variable must be set."; exit 1; fi
    if [ -z "${CONNECT_STATUS_STORAGE_TOPIC:-}" ]; then
      echo "WARNING: STATUS_STORAGE_TOPIC is not set; the file's default topic 'connect-status' is used."
    fi

    # Files already in /kafka/config (a mounted volume, or a previous start) are kept.
    cp -rn "$KAFKA_HOME/config.orig/." "$KAFKA_HOME/config/"
    conf="$KAFKA_HOME/config/connect-distributed.properties"
    # CONNECT_LOG4J* drive logging, not the worker; LOG_LEVEL is read by log4j2.properties.
    env | grep -E '^CONNECT_[A-Za-z0-9_]+=' | grep -v '^CONNECT_LOG4J' | sort | while IFS= read -r line; do
      name="${line%%=*}"; value="${line#*=}"
      key="$(printf '%s' "${name#CONNECT_}" | tr '[:upper:]' '[:lower:]' | tr _ .)"
      KEY="$key" VALUE="$value" awk -v found=0 '
        BEGIN { key = ENVIRON["KEY"]; value = ENVIRON["VALUE"] }
        index($0, key "=") == 1 || index($0, "#" key "=") == 1 { print key "=" value; found = 1; next }
        { print }
        END { if (!found) print key "=" value }' "$conf" >"$conf.tmp"
      cat "$conf.tmp" >"$conf"; rm -f "$conf.tmp"
    done
    echo "Using worker configuration $conf:"; grep -v '^#' "$conf" | sed -E 's/((password|secret|jaas)[^=]*=).*/\1******/I'
    export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.properties}"
    # Kafka's connect-distributed.sh heap unless HEAP_OPTS/KAFKA_HEAP_OPTS says otherwise.
    export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}"
    exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.connect.cli.ConnectDistributed "$conf"
    ;;
esac
exec "$@"
