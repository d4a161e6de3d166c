#!/usr/bin/env bash
# Builds the project's local images, all FROM the locally made Debian base (scripts/base-image.sh),
# from package registries only: Debian packages, Maven Central jars, PyPI wheels, Go modules.
#
#   bash scripts/images.sh                 # every image, in dependency/priority order
#   bash scripts/images.sh kafka connect   # only these
#   FORCE=1 bash scripts/images.sh spark   # rebuild even when unchanged
#   FORCE=1 NO_CACHE=1 bash scripts/images.sh   # cold: no Docker layer cache (downloads stay cached)
#   FORCE_BASE=1 ...                       # also re-import the Debian base from its cached rootfs
#
# Tags: pulumi-lakehouse/<service>:<version from versions.json localImages>. An image is skipped when
# its tag exists with the same `lakehouse.hash` label: a hash of images/<service>/** (contents and relative
# paths only, so every checkout of a commit agrees), the service's
# pinned versions and the base image id. Downloads are cached in $CACHE/downloads (outside git) and
# copied into a throw-away build context in $CACHE/contexts/<service>.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL=(postgres kafka connect minio iceberg-rest mysql mariadb spark trino)
DL="$CACHE/downloads"
mkdir -p "$DL" "$CACHE/contexts" "$CACHE/logs" "$CACHE/maven"

v() { version "localImages.$1"; }

# ---- Maven Central ---------------------------------------------------------------------------------
# maven_deps NAME COORD...: resolves COORDs (g:a:v[:classifier]) with their runtime dependencies into $DL/NAME/*.jar
# through a generated pom. A COORD written managed:g:a:v is no dependency of its own: it sets the version of
# that transitive dependency (dependencyManagement). Stamped by the coordinate list, so a version change re-resolves.
maven_deps() {
  local name="$1"; shift
  local out="$DL/$name" stamp="$DL/$name.stamp" want="$*"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "maven: resolving $name ($want)"
  local dir="$CACHE/maven/$name"; mkdir -p "$dir"; rm -rf "$out"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo "<groupId>local.pulumi-lakehouse</groupId><artifactId>$name</artifactId><version>1</version><packaging>pom</packaging><dependencies>"
    local c g a ver cl
    for c in "$@"; do
      [[ "$c" == managed:* ]] && continue
      IFS=: read -r g a ver cl <<<"$c"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$ver</version>${cl:+<classifier>$cl</classifier>}</dependency>"
    done
    echo '</dependencies><dependencyManagement><dependencies>'
    for c in "$@"; do
      [[ "$c" == managed:* ]] || continue
      IFS=: read -r g a ver <<<"${c#managed:}"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$ver</version></dependency>"
    done
    echo '</dependencies></dependencyManagement></project>'
  } >"$dir/pom.xml"
  mvn -B -q -f "$dir/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$out" >"$CACHE/logs/maven-$name.log" 2>&1 || die "maven $name failed: $CACHE/logs/maven-$name.log"
  echo "$want" >"$stamp"
}

# maven_file NAME COORD: one artifact without dependencies (g:a:v[:type[:classifier]]) into $DL/NAME/.
maven_file() {
  local name="$1" coord="$2" out="$DL/$1"
  mkdir -p "$out"
  local stamp="$out/.$(echo "$coord" | tr ':/' '__').done"
  [ -f "$stamp" ] && return 0
  log "maven: $coord"
  mvn -B -q dependency:copy -Dartifact="$coord" -DoutputDirectory="$out" -Dmdep.overWriteReleases=true \
    >"$CACHE/logs/maven-$name.log" 2>&1 || die "maven $coord failed: $CACHE/logs/maven-$name.log"
  touch "$stamp"
}

# ---- per-service downloads, copied into the build context ------------------------------------------
KAFKA_LOG4J="org.apache.logging.log4j"
kafka_coords() {
  local k; k="$(v kafka)"
  echo "org.apache.kafka:kafka_$(v scala):$k org.apache.kafka:kafka-tools:$k \
org.apache.kafka:connect-runtime:$k org.apache.kafka:connect-json:$k org.apache.kafka:connect-transforms:$k \
org.apache.kafka:connect-mirror:$k org.apache.kafka:connect-basic-auth-extension:$k \
$KAFKA_LOG4J:log4j-slf4j2-impl:$(v log4j) $KAFKA_LOG4J:log4j-core:$(v log4j) org.slf4j:slf4j-api:$(v slf4j)"
}

prepare_postgres() { :; }
prepare_mysql() { :; }
prepare_mariadb() { :; }

# The Maven coordinates a service's context is made of, hashed with its files: a jar added here rebuilds the image.
coords_of() { case "$1" in kafka) kafka_coords ;; esac; }

# Files of images/common a service's build context gets beside its own (hashed with them).
common_of() { case "$1" in mysql|mariadb) echo mysql-entrypoint-lib.sh ;; esac; }

prepare_kafka() {
  # shellcheck disable=SC2046
  maven_deps "kafka-$(v kafka)" $(kafka_coords)
  mkdir -p "$1/libs"; cp -l "$DL/kafka-$(v kafka)"/*.jar "$1/libs/" 2>/dev/null || cp "$DL/kafka-$(v kafka)"/*.jar "$1/libs/"
  # Drop an old slf4j 1.x that a transitive dependency drags in; 2.x is pinned above.
  rm -f "$1"/libs/slf4j-api-1.*.jar
}

prepare_connect() {
  local c d
  mkdir -p "$1/plugins"
  for c in postgres mysql mariadb; do
    # Maven Central has no MariaDB connector after 3.5.0.Final (its metadata lists none for 3.6.x), so
    # that plugin has a pin of its own; plugin.path isolation keeps it apart from the 3.6 ones.
    d="$(v debezium)"; [ "$c" = mariadb ] && d="$(v debeziumMariadb)"
    maven_file "debezium-$d" "io.debezium:debezium-connector-$c:$d:tar.gz:plugin"
    tar -xzf "$DL/debezium-$d/debezium-connector-$c-$d-plugin.tar.gz" -C "$1/plugins/"
  done
}

prepare_minio() {
  local mod; mod="$(v minioModule)"
  local bin="$DL/minio-$mod/minio"
  if [ ! -x "$bin" ]; then
    log "go: building github.com/minio/minio@$mod (CGO_ENABLED=0)"
    mkdir -p "$DL/minio-$mod"
    local stamp; stamp="$(echo "$mod" | sed -E 's/^v0\.0\.0-([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})-([0-9a-f]{12})$/\1-\2-\3T\4:\5:\6Z \7/')"
    local ts="${stamp% *}" commit="${stamp#* }"
    ( export GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/pkg/mod" CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$DL/minio-$mod"
      nice go install -p 1 -trimpath -ldflags "-s -w \
        -X github.com/minio/minio/cmd.Version=$ts \
        -X github.com/minio/minio/cmd.ReleaseTag=$(v minio) \
        -X github.com/minio/minio/cmd.CommitID=$commit" "github.com/minio/minio@$mod" ) \
      >"$CACHE/logs/go-minio.log" 2>&1 || die "minio build failed: $CACHE/logs/go-minio.log"
  fi
  cp "$bin" "$1/minio"
}

prepare_iceberg-rest() {
  # Maven Central has no shaded iceberg-rest-fixture jar (the image's own build makes it), but it has
  # the fixture's classes (iceberg-open-api test-fixtures) and the REST servlet (iceberg-core tests):
  # resolve those with the runtime they need.
  local i j h; i="$(v iceberg)"; j="$(v jetty)"; h="$(v hadoopClient)"
  maven_deps "iceberg-rest-$i" \
    "org.apache.iceberg:iceberg-open-api:$i:test-fixtures" "org.apache.iceberg:iceberg-core:$i" \
    "org.apache.iceberg:iceberg-core:$i:tests" "org.apache.iceberg:iceberg-aws:$i" "org.apache.iceberg:iceberg-aws-bundle:$i" \
    "org.eclipse.jetty.ee10:jetty-ee10-servlet:$j" "org.eclipse.jetty.compression:jetty-compression-server:$j" \
    "org.eclipse.jetty.compression:jetty-compression-gzip:$j" \
    "org.apache.hadoop:hadoop-client-api:$h" "org.apache.hadoop:hadoop-client-runtime:$h" \
    "org.xerial:sqlite-jdbc:$(v sqliteJdbc)" "org.slf4j:slf4j-simple:$(v slf4j)"
  mkdir -p "$1/libs"; cp "$DL/iceberg-rest-$i"/*.jar "$1/libs/"
}

prepare_spark() {
  local i s sv sc; i="$(v iceberg)"; s="$(v spark)"; sv="${s%.*}"; sc="$(v scala)"
  maven_file "iceberg-$i" "org.apache.iceberg:iceberg-spark-runtime-${sv}_$sc:$i"
  maven_file "iceberg-$i" "org.apache.iceberg:iceberg-aws-bundle:$i"
  # The Kafka source at Spark's version; its token provider (Kafka delegation tokens, which no stack uses) at
  # sparkKafkaTokenProvider: Maven Central here serves no spark-token-provider-kafka 4.1.2 or 4.1.3 (404).
  maven_deps "spark-sql-kafka-$s" "org.apache.spark:spark-sql-kafka-0-10_$sc:$s" \
    "managed:org.apache.spark:spark-token-provider-kafka-0-10_$sc:$(v sparkKafkaTokenProvider)"
  # S3A for the CDC job's checkpoint on MinIO: hadoop-aws at pyspark's hadoop-client version, without
  # its ~600 MB AWS SDK bundle. The Iceberg AWS bundle above already carries SDK v2 (s3, sts, auth,
  # the apache and netty clients) at awsSdk; S3A's copy/rename also needs the transfer manager at that version.
  local h a; h="$(v hadoopClient)"; a="$(v awsSdk)"
  maven_file "hadoop-aws-$h" "org.apache.hadoop:hadoop-aws:$h"
  maven_file "awssdk-$a" "software.amazon.awssdk:s3-transfer-manager:$a"
  local jars="$1/jars"; mkdir -p "$jars"
  cp "$DL/iceberg-$i/iceberg-spark-runtime-${sv}_$sc-$i.jar" "$DL/iceberg-$i/iceberg-aws-bundle-$i.jar" "$jars/"
  cp "$DL/hadoop-aws-$h/hadoop-aws-$h.jar" "$DL/awssdk-$a/s3-transfer-manager-$a.jar" "$jars/"
  # Only the Kafka source and its direct client: pyspark already ships the rest of Spark's classpath.
  cp "$DL/spark-sql-kafka-$s"/spark-sql-kafka-0-10_*.jar "$DL/spark-sql-kafka-$s"/spark-token-provider-kafka-0-10_*.jar \
     "$DL/spark-sql-kafka-$s"/kafka-clients-*.jar "$DL/spark-sql-kafka-$s"/commons-pool2-*.jar "$jars/"
  # PyPI serves pyspark as an sdist only: build its wheel once on the host (pure Python) and cache it.
  local wheels="$DL/pyspark-$s"
  if [ ! -f "$wheels/.done" ]; then
    log "pypi: pyspark==$s py4j==$(v py4j) (download + wheel)"
    mkdir -p "$wheels"
    ( cd "$wheels" && python3 -m pip download -q --no-deps -d . "pyspark==$s" "py4j==$(v py4j)" \
      && python3 -m pip wheel -q --no-deps -w . "pyspark-$s.tar.gz" && rm -f "pyspark-$s.tar.gz" ) \
      >"$CACHE/logs/pip-pyspark.log" 2>&1 || die "pyspark download failed: $CACHE/logs/pip-pyspark.log"
    touch "$wheels/.done"
  fi
  # pytest for the jobs' own tests (jobs/tests run in this image): wheels for the image's Python (bookworm: 3.11).
  local pt; pt="$(v pytest)"
  local testwheels="$DL/pytest-$pt"
  if [ ! -f "$testwheels/.done" ]; then
    log "pypi: pytest==$pt and its dependencies (wheels for Python 3.11)"
    mkdir -p "$testwheels"
    python3 -m pip download -q -d "$testwheels" --only-binary=:all: --python-version 3.11 "pytest==$pt" \
      >"$CACHE/logs/pip-pytest.log" 2>&1 || die "pytest download failed: $CACHE/logs/pip-pytest.log"
    touch "$testwheels/.done"
  fi
  python3 -m pip install -q --no-deps --no-index --no-compile --target "$1/site-packages" "$wheels"/*.whl "$testwheels"/*.whl \
    >>"$CACHE/logs/pip-pyspark.log" 2>&1 || die "pyspark install into the context failed: $CACHE/logs/pip-pyspark.log"
  rm -rf "$1/site-packages/bin"
  mv "$jars"/*.jar "$1/site-packages/pyspark/jars/"; rmdir "$jars"
}

prepare_trino() {
  local t; t="$(v trino)"
  maven_file "trino-$t" "io.trino:trino-server-core:$t:tar.gz"
  maven_file "trino-$t" "io.trino:trino-iceberg:$t:zip"
  mkdir -p "$1/server/plugin/iceberg" "$1/zip"
  tar -xzf "$DL/trino-$t/trino-server-core-$t.tar.gz" -C "$1/server" --strip-components=1
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$DL/trino-$t/trino-iceberg-$t.zip" "$1/zip"
  mv "$1"/zip/*/* "$1/server/plugin/iceberg/"; rm -rf "$1/zip"
}

# ---- build -----------------------------------------------------------------------------------------
tag_of() {
  case "$1" in
    postgres) echo "pulumi-lakehouse/postgres:$(v postgres)" ;;
    # Oracle MySQL (Debian unstable's mysql-server); MariaDB keeps its tag of old, so stacks using it are undisturbed.
    mysql) echo "pulumi-lakehouse/mysql:$(v mysql)" ;;
    mariadb) echo "pulumi-lakehouse/mysql:$(v mariadb)" ;;
    kafka) echo "pulumi-lakehouse/kafka:$(v kafka)" ;;
    connect) echo "pulumi-lakehouse/connect:$(v debezium)" ;;
    minio) echo "pulumi-lakehouse/minio:$(v minio)" ;;
    iceberg-rest) echo "pulumi-lakehouse/iceberg-rest:$(v iceberg)" ;;
    spark) echo "pulumi-lakehouse/spark:$(v spark)" ;;
    trino) echo "pulumi-lakehouse/trino:$(v trino)" ;;
    *) die "unknown image $1 (known: ${ALL[*]})" ;;
  esac
}

# The Debian suite an image builds on: bookworm, but Trino needs Java 25, which Debian has in trixie, and
# Oracle MySQL comes from unstable's mysql-server, which installs onto trixie.
suite_of() { case "$1" in trino|mysql) v trinoDebian ;; *) v debian ;; esac; }

build_args() {
  # Every pinned version is passed to every Dockerfile that declares the ARG; undeclared ones are ignored.
  node -e "const l=require('$ROOT/versions.json').localImages; for (const [k,v] of Object.entries(l)) if (typeof v==='string' && !k.startsWith('\$')) console.log('--build-arg=' + k.toUpperCase() + '=' + v)"
}

# An image built on another of ours (rather than on the Debian base directly).
parent_of() { case "$1" in connect) echo kafka ;; esac; }

BUILT=" "  # images built or checked in this run (a parent is not rebuilt for each child)
BASES=" "  # Debian bases checked (or re-imported with FORCE_BASE=1) in this run
build_one() {
  local svc="$1" tag; tag="$(tag_of "$svc")"
  case "$BUILT" in *" $svc "*) return 0 ;; esac
  BUILT="$BUILT$svc "
  local src="$ROOT/images/$svc"; [ -d "$src" ] || die "no images/$svc"
  local suite; suite="$(suite_of "$svc")"
  # FORCE_BASE re-imports a base once per run: a second import would give the images built so far a
  # base id that is no longer the tag's, and the next run would rebuild them all.
  local force_base="${FORCE_BASE:-0}"; case "$BASES" in *" $suite "*) force_base=0 ;; esac
  FORCE_BASE="$force_base" bash "$ROOT/scripts/base-image.sh" "$suite"
  BASES="$BASES$suite "
  local base_id; base_id="$(docker image inspect -f '{{.Id}}' "pulumi-lakehouse/debian:$suite")"
  local parent; parent="$(parent_of "$svc")"
  if [ -n "$parent" ]; then
    build_one "$parent"
    base_id="$(docker image inspect -f '{{.Id}}' "$(tag_of "$parent")")"
  fi
  local common; common="$(common_of "$svc")"
  local coords; coords="$(coords_of "$svc")"
  local hash; hash="$( { (cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum); \
      for f in $common; do (cd "$ROOT/images/common" && sha256sum "$f"); done; \
      if [ -n "$coords" ]; then echo "$coords"; fi; \
      node -p "JSON.stringify(require('$ROOT/versions.json').localImages)"; echo "$base_id"; } | sha256sum | cut -c1-16)"
  local have; have="$(docker image inspect -f '{{ index .Config.Labels "lakehouse.hash" }}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$hash" ] && [ "${FORCE:-0}" != 1 ]; then log "$tag is up to date ($hash)"; return 0; fi
  local ctx="$CACHE/contexts/$svc"; rm -rf "$ctx"; mkdir -p "$ctx"; cp -a "$src/." "$ctx/"
  for f in $common; do cp -a "$ROOT/images/common/$f" "$ctx/"; done
  "prepare_$svc" "$ctx"
  log "building $tag"
  local t0=$SECONDS args; mapfile -t args < <(build_args)
  [ "${NO_CACHE:-0}" = 1 ] && args+=(--no-cache)
  DOCKER_BUILDKIT=0 docker build --label "lakehouse.hash=$hash" --label "lakehouse.service=$svc" \
    --build-arg "BASE=pulumi-lakehouse/debian:$suite" --build-arg "KAFKA_IMAGE=$(tag_of kafka)" "${args[@]}" -t "$tag" "$ctx" >"$CACHE/logs/build-$svc.log" 2>&1 \
    || { tail -30 "$CACHE/logs/build-$svc.log" >&2; die "build of $tag failed: $CACHE/logs/build-$svc.log"; }
  rm -rf "$ctx"
  local size; size="$(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
  log "built $tag in $((SECONDS - t0))s ($size)"
  printf '%s\t%s\t%ss\t%s\tno_cache=%s\n' "$(date -u +%FT%TZ)" "$tag" "$((SECONDS - t0))" "$size" "${NO_CACHE:-0}" >>"$CACHE/logs/image-times.log"
}

bash "$ROOT/scripts/docker.sh"
for svc in "${@:-${ALL[@]}}"; do build_one "$svc"; done
# A rebuilt tag leaves its previous image dangling (about 0.4-1 GB each): remove ours, never anyone else's.
docker image prune -f --filter label=lakehouse.service >/dev/null
