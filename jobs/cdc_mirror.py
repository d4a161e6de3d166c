"""CDC mirror: Debezium topics on Kafka -> Iceberg mirror and changelog tables, with Spark Structured Streaming.

For every captured table (one Debezium topic each) the job keeps
  * `<catalog>.<namespace>.<prefix>_<schema>_<table>`: the source's current state, the latest change per
    key of each micro-batch MERGEd on the primary key (inserts, updates, deletes in source order);
  * `<...>_changelog`: every change (op, before, after, source position, commit time, Kafka coordinates).

Exactly once: Spark's checkpoint fixes each micro-batch's offsets before it runs, so a restart replays
the last unfinished batch with the same records. The changelog append records the batch id in the
Iceberg snapshot summary and a replayed batch that is already there is skipped; beyond that the append
is an insert-if-absent on the change's source identity (change_id: position, transaction, op, key), so
a change Debezium sends again after a Connect restart (new Kafka offset, same source position) is not
logged twice. The mirror MERGE only applies a change newer than the row's stored one (by source
position, else by Kafka offset), so replays change nothing.

    spark-submit --py-files cdc_lib.py cdc_mirror.py --bootstrap-servers kafka-1:19092 \
        --topic-pattern '(dbserver1|mysqlserver1)\\.[^.]+\\.[^.]+' --primary-keys '{"public.users": ["id"]}' \
        --checkpoint /opt/spark/work-dir/checkpoints/cdc-mirror

Tables removed from `--topics` since the checkpoint's last batch: their partitions count as deleted for
Spark's Kafka source, so the job runs one query with failOnDataLoss=false until a committed batch no longer
names them, then the usual query (see run()). Their mirror and changelog tables are kept, or with
`--removed-tables drop` dropped with PURGE once that batch has committed (Mirror.drop_removed).

Every option also reads an environment variable (CDC_<OPTION>, e.g. CDC_BOOTSTRAP_SERVERS).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdc_lib as lib  # noqa: E402

log = logging.getLogger("cdc_mirror")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap-servers", default=env("CDC_BOOTSTRAP_SERVERS"), required=env("CDC_BOOTSTRAP_SERVERS") is None)
    p.add_argument("--topics", default=env("CDC_TOPICS"), help="comma-separated topic list (or use --topic-pattern)")
    p.add_argument("--topic-pattern", default=env("CDC_TOPIC_PATTERN"), help="Java regex of the topics to mirror")
    p.add_argument("--primary-keys", default=env("CDC_PRIMARY_KEYS", "{}"),
                   help='JSON {"<topic> or <schema.table>": ["col", ...]}; default: the columns of Debezium\'s message key')
    p.add_argument("--catalog", default=env("CDC_CATALOG", "minio"))
    p.add_argument("--namespace", default=env("CDC_NAMESPACE", "cdc"))
    p.add_argument("--table-prefix", default=env("CDC_TABLE_PREFIX", ""),
                   help="prefix of table names before `<topic prefix>_<schema>_<table>`")
    p.add_argument("--checkpoint", default=env("CDC_CHECKPOINT", "/opt/spark/work-dir/checkpoints/cdc-mirror"))
    p.add_argument("--trigger-seconds", type=float, default=float(env("CDC_TRIGGER_SECONDS", "5")))
    p.add_argument("--max-offsets-per-trigger", type=int, default=int(env("CDC_MAX_OFFSETS_PER_TRIGGER", "100000")))
    p.add_argument("--starting-offsets", default=env("CDC_STARTING_OFFSETS", "earliest"))
    p.add_argument("--job-name", default=env("CDC_JOB_NAME", "cdc-mirror"),
                   help="recorded with the query id in snapshot summaries; a replayed batch of the same query is skipped")
    p.add_argument("--parallel-topics", type=int, default=int(env("CDC_PARALLEL_TOPICS", "1")),
                   help="topics of one micro-batch written at once, each its changelog append and MERGE (two Iceberg "
                        "commits); 1 (default): one topic after the other. More helps only when the job has cores "
                        "to spare: on local[2] each topic's Spark jobs already keep both busy (docs/performance.md)")
    p.add_argument("--removed-tables", choices=lib.REMOVED_TABLES, default=env("CDC_REMOVED_TABLES", "keep"),
                   help="mirror and changelog of a topic removed from --topics: kept, or dropped with PURGE")
    p.add_argument("--heartbeat-file", default=env("CDC_HEARTBEAT_FILE", "/tmp/cdc-mirror.heartbeat"))
    p.add_argument("--kafka-properties", default=env("CDC_KAFKA_PROPERTIES"),
                   help="a file of Kafka client settings (key=value lines), each passed to the Kafka source as "
                        "kafka.<key>: a secured cluster's security.protocol, sasl.* and ssl.* (the login stays in the file)")
    p.add_argument("--test-kill-file", default=env("CDC_TEST_KILL_FILE", TEST_KILL_FILE),
                   help="tests only, with CDC_TEST_HOOKS=1: a kill request the job obeys at its kill points")
    a = p.parse_args(argv)
    a.test_hooks = env("CDC_TEST_HOOKS", "") == "1"
    if bool(a.topics) == bool(a.topic_pattern):
        p.error("give exactly one of --topics and --topic-pattern")
    if a.parallel_topics < 1:
        p.error(f"--parallel-topics must be at least 1, got {a.parallel_topics}")
    if a.topic_pattern and a.removed_tables == "drop":
        p.error("--removed-tables drop needs --topics, not --topic-pattern (a pattern has no list a removed table leaves)")
    a.keys = lib.parse_primary_keys(a.primary_keys)
    return a


class Mirror:
    """The foreachBatch sink: one changelog append and one MERGE per topic present in the batch, up to
    --parallel-topics topics at once (default 1). Each topic's tables are its own, so the commits of two
    topics never meet; the batch commits once every topic is done, so a restart replays it whole (see the
    module's doc)."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.ready_tables: Dict[str, List[str]] = {}
        # Last batch id recorded per changelog; read from the snapshot summaries once per process (replays
        # only happen right after a start), then kept up to date here.
        self.recorded: Dict[str, Optional[int]] = {}
        # Column -> type text of each mirror (`spark.table(t).schema`), read on first sight and after DDL.
        self.column_types: Dict[str, Dict[str, str]] = {}
        # Topics stopped by an incompatible schema change (topic -> message), skipped until a user clears
        # the stop; the heartbeat carries them to `make status`. Replaced, never mutated, so that the
        # heartbeat thread's json.dump never sees it change under it. The stop is also a property of the
        # mirror table (lib.STOPPED_PROPERTY), read back on a topic's first sight after a restart.
        self.checked_stops: set = set()
        self.status = {"batches": 0, "last_batch_id": None, "last_batch_rows": 0, "skipped_replays": 0,
                       "stopped_tables": {}, "stopped_changes_skipped": 0, "dropped_tables": []}
        # The streaming query's id lives in its checkpoint: batch ids only mean something per checkpoint, so
        # replays are recognised by job name and query id (a new checkpoint starts a new query id at batch 0).
        self.query_id: Optional[str] = None
        self.query_started = threading.Event()
        # The topics of a batch run in threads: counters and the stopped map change under this lock.
        self.lock = threading.Lock()
        # topic -> (changelog seconds, MERGE seconds) of the running batch, for its log line.
        self.batch_writes: Dict[str, Tuple[float, float]] = {}

    def started(self, query_id: str) -> None:
        self.query_id = query_id
        self.query_started.set()

    def stopped(self) -> None:
        """Between two queries on the checkpoint: the next query's batches wait for its started()."""
        self.query_started.clear()

    @property
    def job_key(self) -> str:
        return f"{self.args.job_name}/{self.query_id}"

    def table(self, topic: str, suffix: str = "") -> str:
        a = self.args
        return f"{a.catalog}.{a.namespace}.{a.table_prefix}{lib.table_name(topic, suffix)}"

    def __call__(self, batch_df, batch_id: int) -> None:
        if not self.query_started.wait(120):
            raise RuntimeError("the streaming query's id never arrived")
        from pyspark.sql import functions as F

        spark = batch_df.sparkSession
        keys = self.args.keys
        started = time.time()
        rdd = batch_df.select("topic", "partition", "offset", "key", "value").rdd \
            .map(lambda r: lib.flatten_or_stop(r.topic, r.partition, r.offset, r.key, r.value, keys)) \
            .filter(lambda t: t is not None)
        events = spark.createDataFrame(rdd, flat_schema()).persist()
        try:
            per_topic = events.groupBy("topic").agg(F.collect_set("fields").alias("schemas"),
                                                    F.max("key_columns").alias("key_columns"),
                                                    F.max(F.when(F.col("op") == lib.STOP_OP, F.col("image"))).alias("key_error"),
                                                    F.count(F.lit(1)).alias("n"), *bounds_columns(F)).collect()
            topics = sorted(per_topic, key=lambda r: r.topic)
            read_seconds = time.time() - started
            self.load_stops(spark, lib.topic_list(getattr(self.args, "topics", None)) + [r.topic for r in topics])
            self.batch_writes = {}
            self.run_topics(spark, events, topics, batch_id)
            n = sum(r.n for r in per_topic)
        finally:
            events.unpersist()
        self.status.update(batches=self.status["batches"] + 1, last_batch_id=batch_id, last_batch_rows=n,
                           last_batch_seconds=round(time.time() - started, 3))
        # Where the batch's time went: reading and grouping the records, then each topic's changelog append
        # and MERGE (docs/performance.md); the slowest topic is named.
        where = f"read {read_seconds:.1f}s"
        if self.batch_writes:
            slow = max(self.batch_writes, key=lambda t: sum(self.batch_writes[t]))
            c, m = self.batch_writes[slow]
            where += f", changelog+MERGE {sum(sum(w) for w in self.batch_writes.values()):.1f}s, slowest {slow} {c:.1f}+{m:.1f}s"
        log.info("batch %s: %s change(s) in %s topic(s), %.1fs (%s)", batch_id, n, len(per_topic), time.time() - started, where)

    def run_topics(self, spark, events, topics: list, batch_id: int) -> None:
        """Writes each topic of the batch (apply_topic), up to --parallel-topics at once. Every topic runs to its
        end before a failure of one is raised, which fails the batch (and the query) as before: no thread
        still writes while the query stops, and the replay after a restart finds each topic's work whole."""
        workers = min(getattr(self.args, "parallel_topics", 1), len(topics))
        several = len(topics) > 1
        if workers <= 1:
            for row in topics:
                self.apply_topic(spark, events, row, batch_id, several)
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cdc-topic") as pool:
            futures = [pool.submit(self.apply_topic, spark, events, row, batch_id, several) for row in topics]
        errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            for e in errors[1:]:
                log.error("batch %s: another topic failed too: %s", batch_id, str(e).splitlines()[0][:300] if str(e) else type(e).__name__)
            raise errors[0]

    def apply_topic(self, spark, events, row, batch_id: int, several: bool) -> None:
        """One topic of the batch: its changelog append, then its MERGE (row: the batch's per-topic aggregate)."""
        from pyspark.sql import functions as F

        if row.topic in self.status["stopped_tables"]:
            # Stopped by an incompatible schema change (logged once when it stopped): skipped.
            with self.lock:
                self.status["stopped_changes_skipped"] += row.n
            log.debug("batch %s: %s change(s) of stopped %s skipped", batch_id, row.n, row.topic)
            return
        if row.key_error is not None:
            # A change without a usable key: this table alone stops (flatten_or_stop's marker).
            self.stop_topic(row.topic, row.key_error, row.n, batch_id, spark)
            return
        # Shorter (older) field lists first: a column added at the source comes last.
        schemas = [lib.fields_from_json(s) for s in sorted(row.schemas, key=len)]
        fields = lib.merge_fields(schemas)
        topic_events = events.where(F.col("topic") == row.topic)
        try:
            t0 = time.time()
            self.ensure_tables(spark, row.topic, fields)
            fields = lib.keep_legacy_string_columns(self.column_types[row.topic], fields)
            t1 = time.time()
            self.append_changelog(spark, row.topic, topic_events, batch_id, row.asDict())
            self.test_kill_point("after-changelog", row.topic, batch_id)
            t2 = time.time()
            self.merge_mirror(spark, row.topic, topic_events, fields, json.loads(row.key_columns))
            log.debug("batch %s: %s: %s change(s), tables %.2fs, changelog %.2fs, MERGE %.2fs",
                      batch_id, row.topic, row.n, t1 - t0, t2 - t1, time.time() - t2)
            with self.lock:
                self.batch_writes[row.topic] = (t2 - t1, time.time() - t2)
            if several:
                # The batch's other topics may be done or not: the batch is not committed either way.
                self.test_kill_point("between-topics", row.topic, batch_id)
        except lib.SchemaChangeError as e:
            # This table alone stops; the batch's other topics keep flowing. Anything else fails
            # the batch (and the query) as before.
            self.stop_topic(row.topic, e, row.n, batch_id, spark)

    def stop_topic(self, topic: str, error, n: int, batch_id: int, spark=None) -> None:
        """Records a topic stopped by an incompatible schema change or a change without a key: in the
        heartbeat (stopped_tables, read by `make status`), once in the log, and as the mirror's table property lib.STOPPED_PROPERTY, so that
        it stays stopped across restarts (its skipped changes are missing from the mirror: only a
        re-snapshot makes it whole again). Its changes are skipped from now on."""
        message = str(error)
        with self.lock:
            self.status["stopped_tables"] = {**self.status["stopped_tables"], topic: message}
            self.status["stopped_changes_skipped"] += n
        log.error("batch %s: %s stopped, its %s change(s) in this batch and later ones are skipped: %s",
                  batch_id, topic, n, message)
        if spark is not None and spark.catalog.tableExists(self.table(topic)):
            # (A table stopped before its mirror exists has nothing to carry the mark: it stops again at its
            # next change after a restart, as long as the cause stays.)
            spark.sql(lib.set_stopped_ddl(self.table(topic), message))

    def load_stops(self, spark, topics: List[str]) -> None:
        """On a topic's first sight in this process: a mirror that carries lib.STOPPED_PROPERTY (stopped
        before a restart) is stopped again, with its message, before any of its changes is applied."""
        stopped = dict(self.status["stopped_tables"])
        for topic in topics:
            if topic in self.checked_stops:
                continue
            self.checked_stops.add(topic)
            mirror = self.table(topic)
            if not spark.catalog.tableExists(mirror):
                continue
            props = {r[0]: r[1] for r in spark.sql(f"SHOW TBLPROPERTIES {mirror}").collect()}
            if lib.STOPPED_PROPERTY in props and topic not in stopped:
                stopped[topic] = props[lib.STOPPED_PROPERTY]
                log.error("%s is stopped (table property %s, set at an incompatible schema change): its changes are "
                          "skipped until the property is unset and the table re-snapshotted: %s",
                          topic, lib.STOPPED_PROPERTY, props[lib.STOPPED_PROPERTY])
        if stopped != self.status["stopped_tables"]:
            self.status["stopped_tables"] = stopped

    def drop_removed(self, spark, removed: List[str]) -> List[str]:
        """With `--removed-tables drop`: drops (PURGE: the warehouse files go too, which a REST catalog's
        plain DROP leaves behind unreferenced) the mirror and changelog tables the job's naming gives the
        removed topics, never one a still-captured topic maps to; returns and records in the heartbeat
        (dropped_tables) the tables it dropped. A table already gone is skipped. Called once the batch that
        leaves the removed topics behind has committed, so no batch writes them again."""
        if getattr(self.args, "removed_tables", "keep") != "drop":
            return []
        a = self.args
        dropped = []
        for topic, names in lib.removed_table_names(removed, getattr(a, "topics", None)):
            for name in names:
                table = f"{a.catalog}.{a.namespace}.{a.table_prefix}{name}"
                if not spark.catalog.tableExists(table):
                    continue
                try:
                    spark.sql(f"DROP TABLE IF EXISTS {table} PURGE")
                except Exception as e:  # the other tables keep flowing; this one stays as with keep
                    log.error("%s (topic %s removed from capture) was not dropped, drop it by hand "
                              "(DROP TABLE %s PURGE): %s", table, topic, table, str(e).splitlines()[0][:300] if str(e) else type(e).__name__)
                    continue
                log.warning("dropped %s: its topic %s was removed from capture (--removed-tables drop)", table, topic)
                dropped.append(table)
        self.status["dropped_tables"] = self.status["dropped_tables"] + dropped
        return dropped

    def test_kill_point(self, point: str, topic: str, batch_id: int) -> None:
        """Tests only (CDC_TEST_HOOKS=1, off by default): exits the job at a kill point named in the kill
        file, `{"point": "after-changelog" | "between-topics", "topic": <topic or absent for any>}`, once
        ("between-topics": after the topic's MERGE in a batch of several topics, whose others may be done or
        not when topics run in parallel):
        the file is renamed to `<file>.fired` first, so the restarted job runs on."""
        if not getattr(self.args, "test_hooks", False):
            return
        path = self.args.test_kill_file
        try:
            with open(path) as f:
                request = json.load(f)
        except (OSError, ValueError):
            return
        if request.get("point") != point or request.get("topic") not in (None, topic):
            return
        with self.lock:  # two topics' threads may both match a request without a topic: one fires it
            try:
                os.replace(path, path + ".fired")
            except FileNotFoundError:
                return
        log.warning("test kill point %s after %s in batch %s: exiting", point, topic, batch_id)
        logging.shutdown()
        os._exit(int(request.get("exitCode", 3)))

    def ensure_tables(self, spark, topic: str, fields: List[lib.Field]) -> List[str]:
        """Creates the mirror and changelog on first sight; adds source columns the mirror lacks and the
        bookkeeping columns an older mirror or changelog lacks, and widens a source column's type the way
        Iceberg allows (int -> bigint, float -> double, decimal precision up), all in place, no rewrite.
        Raises lib.SchemaChangeError, before any DDL on the mirror, for a type change Iceberg cannot take."""
        mirror = self.table(topic)
        meta = [lib.Field(n, t) for n, t in lib.META_COLUMNS]
        if topic not in self.ready_tables:
            spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {self.args.catalog}.{self.args.namespace}")
            spark.sql(lib.create_mirror_ddl(mirror, fields))
            changelog = self.table(topic, "changelog")
            spark.sql(lib.create_changelog_ddl(changelog))
            shown = spark.sql(f"SHOW CREATE TABLE {changelog}").collect()[0][0]
            for statement in lib.changelog_partition_ddl(shown, changelog):
                log.info("partition evolution: %s", statement)
                spark.sql(statement)
            have = [f.name for f in spark.table(changelog).schema.fields]
            for statement in lib.add_columns_ddl(changelog, have, [lib.Field(n, t) for n, t in lib.CHANGELOG_COLUMNS]):
                log.info("changelog schema change: %s", statement)
                spark.sql(statement)
            self.read_mirror_columns(spark, topic, mirror)
        existing = self.ready_tables[topic]
        widen, incompatible = lib.type_changes(mirror, self.column_types[topic], fields)
        if incompatible:
            raise lib.SchemaChangeError(incompatible)
        ddl = lib.add_columns_ddl(mirror, existing, meta + fields) + widen
        for statement in ddl:
            log.info("schema change: %s", statement)
            spark.sql(statement)
        if ddl:
            self.read_mirror_columns(spark, topic, mirror)
        return self.ready_tables[topic]

    def read_mirror_columns(self, spark, topic: str, mirror: str) -> None:
        """Caches the mirror's column names and types (as `int`, `bigint`, `decimal(10,2)`, ...)."""
        schema = spark.table(mirror).schema
        self.ready_tables[topic] = [f.name for f in schema.fields]
        self.column_types[topic] = {f.name: f.dataType.simpleString() for f in schema.fields}

    def append_changelog(self, spark, topic: str, events, batch_id: int, stats: Optional[Dict[str, Any]] = None) -> None:
        """stats: the topic's row of the batch's per-topic aggregate (bounds_columns); computed here when absent."""
        from pyspark.sql import functions as F

        changelog = self.table(topic, "changelog")
        if changelog not in self.recorded:
            summaries = [r.summary for r in spark.sql(f"SELECT summary FROM {changelog}.snapshots").collect()]
            self.recorded[changelog] = lib.last_batch_id(summaries, self.job_key)
        done = self.recorded[changelog]
        if done is not None and done >= batch_id:
            with self.lock:
                self.status["skipped_replays"] += 1
            log.warning("batch %s is already in %s (last recorded %s): skipping the replay", batch_id, changelog, done)
            return
        from pyspark.sql import Window

        # Insert-if-absent on change_id: one row per source change however often Debezium sent it. Copies
        # inside the batch keep the first (lowest Kafka offset); copies already logged are found by an
        # anti join on the changelog pruned to the days and position range of the batch (the same
        # change has the same commit time and position). A plain append then, so the batch id still goes
        # into the snapshot summary and the append never conflicts with compaction.
        first = Window.partitionBy("change_id").orderBy("partition", "offset")
        rows = events.withColumn("_copy", F.row_number().over(first)).where("_copy = 1").select(
            "op", "before", "after", F.col("position").alias("source_position"), "source_ts_ms",
            F.timestamp_millis("source_ts_ms").alias("commit_time"), "event_ts_ms", "source",
            F.col("topic").alias("kafka_topic"), F.col("partition").alias("kafka_partition"),
            F.col("offset").alias("kafka_offset"), F.lit(batch_id).cast("bigint").alias("batch_id"),
            "row_key", "change_id", "source_lsn", "source_tx_id", "source_file", "source_pos", "source_row")
        # The batch's bounds come with the per-topic aggregate of __call__: one Spark job less per topic.
        s = stats if stats is not None else events.agg(F.count(F.lit(1)).alias("n"), *bounds_columns(F)).first().asDict()
        logged = spark.table(changelog)
        for predicate in lib.changelog_bounds(s):
            logged = logged.where(predicate)
        # Broadcast: after the pruning the logged side holds at most the batch's resent changes.
        fresh = rows.join(F.broadcast(logged.select("change_id").where("change_id IS NOT NULL")), "change_id", "left_anti")
        fresh = fresh.select(*[n for n, _ in lib.CHANGELOG_COLUMNS])
        fresh.writeTo(changelog) \
            .option(f"snapshot-property.{lib.SNAPSHOT_JOB}", self.job_key) \
            .option(f"snapshot-property.{lib.SNAPSHOT_BATCH}", str(batch_id)) \
            .append()
        self.recorded[changelog] = batch_id

    def merge_mirror(self, spark, topic: str, events, fields: List[lib.Field], primary_key: List[str]) -> None:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        mirror = self.table(topic)
        # A streamed change whose position is not above that of a streamed change of the same key sent
        # before it is a copy Debezium sent again (after a Connect restart): dropped, so that a resend cut
        # by the batch's end cannot move the row back. Snapshot reads are never compared by position.
        streamed = F.when((F.col("op") != "r"), F.col("ordered_position"))
        before = Window.partitionBy("row_key").orderBy("partition", "offset").rowsBetween(Window.unboundedPreceding, -1)
        current = events.withColumn("_seen", F.max(streamed).over(before)).where(
            "op = 'r' OR ordered_position IS NULL OR _seen IS NULL OR ordered_position > _seen")
        # The latest change per key: Kafka offset in its partition (Debezium emits in source commit
        # order), the source position breaking ties.
        w = Window.partitionBy("row_key").orderBy(F.col("partition").desc(), F.col("offset").desc(),
                                                  F.col("position_key").desc())
        latest = current.withColumn("_rank", F.row_number().over(w)).where("_rank = 1") \
            .withColumn("image", F.from_json("image", lib.text_schema(fields)))
        projection = lib.image_projection(fields) + [
            "op AS _cdc_op", "source_ts_ms AS _cdc_source_ts_ms", "position AS _cdc_position",
            "partition AS _cdc_kafka_partition", "offset AS _cdc_kafka_offset",
            "ordered_position AS _cdc_position_key"]
        view = f"cdc_batch_{lib.table_name(topic)}"
        latest.selectExpr(*projection).createOrReplaceTempView(view)
        merge = lib.merge_sql(mirror, view, fields, primary_key)
        # Table maintenance may replace the files this MERGE read (compaction) and win the commit: Iceberg
        # then refuses ours (ValidationException). The MERGE only applies changes newer than a row's stored
        # Kafka offset, so running it again on the new snapshot is safe; the stream never stops for it.
        for attempt in range(1, MERGE_ATTEMPTS + 1):
            try:
                spark.sql(merge)
                break
            except Exception as e:
                if attempt == MERGE_ATTEMPTS or not is_commit_conflict(e):
                    raise
                with self.lock:
                    self.status["merge_retries"] = self.status.get("merge_retries", 0) + 1
                log.warning("MERGE into %s lost a commit race (attempt %s): %s", mirror, attempt, str(e).splitlines()[0][:300])
                time.sleep(min(30.0, 1.0 * 2 ** (attempt - 1)))


def bounds_columns(F) -> list:
    """Aggregates of a topic's changes that lib.changelog_bounds reads (with the count as n): min, max and
    nulls of source_ts_ms, source_lsn and source_pos."""
    out = []
    for name, col in (("ts", "source_ts_ms"), ("lsn", "source_lsn"), ("pos", "source_pos")):
        out += [F.min(col).alias(f"{name}_min"), F.max(col).alias(f"{name}_max"),
                F.sum(F.col(col).isNull().cast("int")).alias(f"{name}_nulls")]
    return out


def flat_schema():
    """The Spark schema of lib.flatten's tuples (lib.FLAT_COLUMNS)."""
    from pyspark.sql import types as T

    return T.StructType([
        T.StructField("topic", T.StringType()), T.StructField("partition", T.IntegerType()),
        T.StructField("offset", T.LongType()), T.StructField("op", T.StringType()),
        T.StructField("row_key", T.StringType()), T.StructField("image", T.StringType()),
        T.StructField("before", T.StringType()), T.StructField("after", T.StringType()),
        T.StructField("source", T.StringType()), T.StructField("position", T.StringType()),
        T.StructField("position_key", T.ArrayType(T.LongType())), T.StructField("source_ts_ms", T.LongType()),
        T.StructField("event_ts_ms", T.LongType()), T.StructField("fields", T.StringType()),
        T.StructField("key_columns", T.StringType()), T.StructField("change_id", T.StringType()),
        T.StructField("ordered_position", T.ArrayType(T.LongType())), T.StructField("source_lsn", T.LongType()),
        T.StructField("source_tx_id", T.LongType()), T.StructField("source_file", T.StringType()),
        T.StructField("source_pos", T.LongType()), T.StructField("source_row", T.IntegerType()),
    ])


TEST_KILL_FILE = "/tmp/cdc-test-kill.json"
MERGE_ATTEMPTS = 8
COMMIT_CONFLICTS = ("ValidationException", "CommitFailedException", "Found conflicting files",
                    "Missing required files to delete")


def is_commit_conflict(err: BaseException) -> bool:
    """A commit Iceberg refused because a concurrent one (e.g. compaction) changed the files it read."""
    return any(m in str(err) for m in COMMIT_CONFLICTS)


def heartbeat(current: Callable[[], Any], path: str, stop: threading.Event, status: dict, every: float = 5.0,
              checkpoint_read: Optional[Callable[[], Dict[str, int]]] = None) -> None:
    """Touches the heartbeat file while the current query (`current()`, None between queries) is active,
    for the container's healthcheck. Its `read_offsets` are the furthest the query has read per topic: from
    the checkpoint's newest committed batch (`checkpoint_read`) when the query starts, then from each
    progress that names offsets. A restarted query has no progress until a batch runs, and a progress
    without offsets must not make status count records read before it as pending."""
    read: Dict[str, int] = {}
    query_id = None
    while not stop.is_set():
        try:
            query = current()
            if query is not None and query.isActive and query.exception() is None:
                if query.id != query_id:
                    query_id = query.id
                    read = dict(checkpoint_read() if checkpoint_read else {})
                progress = query.lastProgress or {}
                for topic, offset in lib.progress_read_offsets(progress).items():
                    read[topic] = max(offset, read.get(topic, 0))
                with open(path + ".tmp", "w") as f:
                    json.dump({"time": time.time(), "query_id": str(query.id), "batch_id": progress.get("batchId"),
                               "read_offsets": read, **status}, f)
                os.replace(path + ".tmp", path)
        except Exception as e:  # a failed probe must not kill the job
            log.warning("heartbeat: %s", e)
        stop.wait(every)


def checkpoint_log(spark, checkpoint: str, log_name: str):
    """(directory, FileSystem) of a checkpoint log (`offsets`, `commits`) through Hadoop's FileSystem API, as
    Spark itself reads the checkpoint: s3a:// on MinIO, file:// or a local path alike."""
    hadoop = spark._jvm.org.apache.hadoop.fs
    directory = hadoop.Path(hadoop.Path(checkpoint), log_name)
    return directory, directory.getFileSystem(spark._jsc.hadoopConfiguration())


def log_files(spark, checkpoint: str, log_name: str) -> List[str]:
    """The file names in a checkpoint log (`offsets`, `commits`); none before the first batch."""
    directory, fs = checkpoint_log(spark, checkpoint, log_name)
    if not fs.exists(directory):
        return []
    return [status.getPath().getName() for status in fs.listStatus(directory)]


def newest_batch(spark, checkpoint: str, log_name: str = "offsets") -> Optional[str]:
    """The file name (batch id) of the newest batch in a checkpoint log; None before the first batch."""
    return lib.newest_log_file(log_files(spark, checkpoint, log_name))


def batch_topics(spark, checkpoint: str, batch: str) -> List[str]:
    """The Kafka topics the offset-log file of a batch names."""
    text, name = offset_log_text(spark, checkpoint, batch)
    return lib.offset_log_topics(text, name)


def committed_read_offsets(spark, checkpoint: str) -> Dict[str, int]:
    """Per topic, where the checkpoint's newest committed batch ended: how far the job had read when it
    (re)started. None before the first commit."""
    batch = newest_batch(spark, checkpoint, "commits")
    if batch is None:
        return {}
    text, name = offset_log_text(spark, checkpoint, batch)
    return lib.offset_log_positions(text, name)


def offset_log_text(spark, checkpoint: str, batch: str) -> Tuple[str, str]:
    """The text of a batch's offset-log file and its path (for errors)."""
    directory, fs = checkpoint_log(spark, checkpoint, "offsets")
    path = fs.makeQualified(spark._jvm.org.apache.hadoop.fs.Path(directory, batch))
    stream = fs.open(path)
    try:
        data = bytes(stream.readAllBytes())
    finally:
        stream.close()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise lib.CheckpointError(f"{path.toString()}: not UTF-8 text: {e}") from None
    return text, path.toString()


def removed_topics(spark, checkpoint: str, topics: str) -> List[str]:
    """The topics a restart would read from the checkpoint's offsets (those of the newest committed batch
    and of a batch planned after it) that the `--topics` list no longer holds; none without a checkpoint."""
    batches = lib.restart_batches(log_files(spark, checkpoint, "offsets"), log_files(spark, checkpoint, "commits"))
    named = [t for batch in batches for t in batch_topics(spark, checkpoint, batch)]
    return lib.dropped_topics(named, topics)


def wait_for_batch_without(spark, query, checkpoint: str, dropped: List[str], poll_seconds: float = 1.0) -> str:
    """Waits until the query has committed a batch whose offsets name none of the dropped topics and returns
    its id. Spark runs such a batch unasked: its end offsets (the subscription's partitions) differ from the
    start ones (which still hold the dropped partitions). The checkpoint, not the progress, is watched: a
    batch left unfinished before the restart is run again first with its old offsets, dropped topics and all."""
    gone = set(dropped)

    def committed_without() -> Optional[str]:
        committed = newest_batch(spark, checkpoint, "commits")
        if committed is not None and not gone & set(batch_topics(spark, checkpoint, committed)):
            return committed
        return None

    while True:
        try:
            ended = query.awaitTermination(poll_seconds)  # raises the query's failure
        except Exception as e:
            # Spark 4.1.1's Kafka source can fail a batch run again from the offset log after its commit, in
            # the progress report (NullPointerException in KafkaMicroBatchStream.metrics, SPARK-55271, fixed
            # in 4.1.3, the pinned Spark; kept for images on an older one): if that batch left
            # the dropped topics behind, the usual query has what it needs.
            committed = committed_without()
            if committed is None:
                raise
            log.warning("query %s failed after committing batch %s, which names none of the removed topics: %s",
                        query.id, committed, str(e).splitlines()[0][:300] if str(e) else type(e).__name__)
            return committed
        if ended:
            raise RuntimeError(f"query {query.id} ended before a batch without {', '.join(dropped)}")
        committed = committed_without()
        if committed is not None:
            return committed


def start_query(spark, args: argparse.Namespace, mirror: Mirror, fail_on_data_loss: bool = True):
    reader = spark.readStream.format("kafka") \
        .option("kafka.bootstrap.servers", args.bootstrap_servers) \
        .option("startingOffsets", args.starting_offsets) \
        .option("maxOffsetsPerTrigger", args.max_offsets_per_trigger) \
        .option("failOnDataLoss", "true" if fail_on_data_loss else "false") \
        .option("kafka.metadata.max.age.ms", "5000")
    if args.kafka_properties:
        with open(args.kafka_properties, encoding="utf-8") as f:
            for key, value in lib.kafka_client_options(f.read()).items():
                reader = reader.option(key, value)
    reader = reader.option("subscribePattern", args.topic_pattern) if args.topic_pattern \
        else reader.option("subscribe", args.topics)
    query = reader.load().writeStream \
        .queryName(args.job_name) \
        .foreachBatch(mirror) \
        .option("checkpointLocation", args.checkpoint) \
        .trigger(processingTime=f"{args.trigger_seconds} seconds") \
        .start()
    mirror.started(str(query.id))
    return query


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName(args.job_name).getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return run(spark, args)


def run(spark, args: argparse.Namespace) -> int:
    """Runs the mirror until its query ends: the heartbeat thread, the query without the data-loss guard
    while topics dropped from `--topics` are left behind (then, with `--removed-tables drop`, their tables
    dropped), then the query that runs on."""
    mirror = Mirror(args)
    current: Dict[str, Any] = {"query": None}
    stop = threading.Event()
    beat = threading.Thread(target=heartbeat, args=(lambda: current["query"], args.heartbeat_file, stop, mirror.status, 5.0,
                                                    lambda: committed_read_offsets(spark, args.checkpoint)),
                            daemon=True)
    beat.start()
    try:
        # Topics dropped from `--topics` since the checkpoint's last batch: the Kafka source counts their
        # partitions as deleted, which failOnDataLoss=true refuses. One query with the guard off runs the
        # batch that leaves them behind; the query after it, on the same checkpoint, has the guard on again.
        dropped = [] if args.topic_pattern else removed_topics(spark, args.checkpoint, args.topics)
        if dropped:
            log.warning("tables removed from capture: %s; their topics are no longer read", ", ".join(dropped))
            current["query"] = query = start_query(spark, args, mirror, fail_on_data_loss=False)
            try:
                batch = wait_for_batch_without(spark, query, args.checkpoint, dropped)
            finally:
                current["query"] = None
                query.stop()
                mirror.stopped()
            log.info("batch %s (failOnDataLoss=false) left the removed topics behind", batch)
            mirror.drop_removed(spark, dropped)
        current["query"] = query = start_query(spark, args, mirror)
        log.info("started query %s, checkpoint %s", query.id, args.checkpoint)
        query.awaitTermination()
    finally:
        stop.set()
        try:
            os.remove(args.heartbeat_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
