#!/bin/bash
# apache/spark's /opt/entrypoint.sh contract (spark-docker <v>/scala2.13-java17-ubuntu/entrypoint.sh):
# `driver ARGS` runs spark-submit in client mode and `executor` a Kubernetes executor, both under tini
# (and as spark when started as root); any other command runs as given (pass-through mode).
set -eo pipefail

# A uid without a passwd entry (OpenShift's random uids) gets one through nss_wrapper, as upstream.
fake_passwd_entry() {
  getent passwd "$(id -u)" >/dev/null 2>&1 && return 0
  local wrapper
  for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
    if [ -s "$wrapper" ]; then
      NSS_WRAPPER_PASSWD="$(mktemp)"; NSS_WRAPPER_GROUP="$(mktemp)"
      export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
      printf 'spark:x:%s:%s:%s:%s:/bin/false\n' "$(id -u)" "$(id -g)" "${SPARK_USER_NAME:-anonymous uid}" "$SPARK_HOME" >"$NSS_WRAPPER_PASSWD"
      printf 'spark:x:%s:\n' "$(id -g)" >"$NSS_WRAPPER_GROUP"
      return 0
    fi
  done
}

as_spark() { if [ "$(id -u)" -eq 0 ]; then echo gosu spark; fi; }

classpath="${SPARK_CLASSPATH:-}:${SPARK_HOME}/jars/*"
[ -n "${SPARK_EXTRA_CLASSPATH:-}" ] && classpath="$classpath:$SPARK_EXTRA_CLASSPATH"
[ -n "${HADOOP_CONF_DIR+x}" ] && classpath="$HADOOP_CONF_DIR:$classpath"
if [ -n "${SPARK_CONF_DIR+x}" ]; then classpath="$SPARK_CONF_DIR:$classpath"; else classpath="$SPARK_HOME/conf:$classpath"; fi
classpath="$classpath:$PWD"
executor_opts=()
for v in "${!SPARK_JAVA_OPT_@}"; do executor_opts+=("${!v}"); done

case "${1:-}" in
  driver)
    shift
    fake_passwd_entry
    exec $(as_spark) /usr/bin/tini -s -- "$SPARK_HOME/bin/spark-submit" \
      --conf "spark.driver.bindAddress=${SPARK_DRIVER_BIND_ADDRESS:-}" \
      --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=${SPARK_DRIVER_BIND_ADDRESS:-}" \
      --deploy-mode client "$@"
    ;;
  executor)
    shift
    fake_passwd_entry
    exec $(as_spark) /usr/bin/tini -s -- "$JAVA_HOME/bin/java" "${executor_opts[@]}" \
      -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" -cp "$classpath:${SPARK_DIST_CLASSPATH:-}" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
      --app-id "$SPARK_APPLICATION_ID" --hostname "$SPARK_EXECUTOR_POD_IP" \
      --resourceProfileId "$SPARK_RESOURCE_PROFILE_ID" --podName "$SPARK_EXECUTOR_POD_NAME"
    ;;
esac
exec "$@"
