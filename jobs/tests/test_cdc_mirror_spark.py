"""The job's foreachBatch sink against a real local Spark with Iceberg (a hadoop catalog in a temp dir).

Skipped unless pyspark and Iceberg's Spark runtime are importable: inside the Spark image
(`docker run --rm -v $PWD/jobs:/jobs pulumi-lakehouse/spark:<ver> python3 -m pytest /jobs/tests`, needs
pytest) or on a host with pyspark and ICEBERG_SPARK_JARS=<iceberg-spark-runtime jar>.
"""
import argparse
import glob
import json
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
pyspark = pytest.importorskip("pyspark")

import cdc_lib as lib  # noqa: E402
import cdc_mirror  # noqa: E402
from test_cdc_lib import ORDERS_FIELDS, PG_SOURCE, USERS_FIELDS, MY_SOURCE, dec, envelope  # noqa: E402


def _iceberg_jars():
    env = os.environ.get("ICEBERG_SPARK_JARS")
    if env:
        return env
    home = os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__)
    found = glob.glob(os.path.join(home, "jars", "iceberg-spark-runtime-*.jar"))
    return None if not found else ""


@pytest.fixture(scope="module")
def spark():
    jars = _iceberg_jars()
    if jars is None:
        pytest.skip("Iceberg's Spark runtime is not on the classpath (set ICEBERG_SPARK_JARS)")
    from pyspark.sql import SparkSession

    warehouse = tempfile.mkdtemp(prefix="cdc-wh-")
    b = SparkSession.builder.master("local[1]").appName("cdc-mirror-test") \
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1") \
        .config("spark.driver.memory", "512m") \
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions") \
        .config("spark.sql.catalog.test", "org.apache.iceberg.spark.SparkCatalog") \
        .config("spark.sql.catalog.test.type", "hadoop") \
        .config("spark.sql.catalog.test.warehouse", warehouse)
    if jars:
        b = b.config("spark.jars", jars)
    session = b.getOrCreate()
    # What spark-submit --py-files does for the job: the Python workers import cdc_lib too.
    session.sparkContext.addPyFile(lib.__file__)
    yield session
    session.stop()
    shutil.rmtree(warehouse, ignore_errors=True)


def _args(**over):
    # parallel_topics 4: a batch of several topics runs them in threads (the job's default is 1, one after the other).
    a = argparse.Namespace(catalog="test", namespace="cdc", table_prefix="", job_name="cdc-test", keys={}, parallel_topics=4)
    for k, v in over.items():
        setattr(a, k, v)
    return a


KEY = lambda i: json.dumps({"schema": {"type": "struct", "fields": [{"field": "id"}]}, "payload": {"id": i}})  # noqa: E731


def _batch(spark, records):
    """records: (topic, offset, key, value) -> a DataFrame shaped like Spark's Kafka source."""
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField("topic", T.StringType()), T.StructField("partition", T.IntegerType()),
                           T.StructField("offset", T.LongType()), T.StructField("key", T.BinaryType()),
                           T.StructField("value", T.BinaryType())])
    rows = [(t, 0, o, None if k is None else bytearray(k.encode()), None if v is None else bytearray(v.encode()))
            for t, o, k, v in records]
    return spark.createDataFrame(rows, schema)


USERS = "dbserver1.public.users"
ORDERS = "mysqlserver1.sales.orders"


def _users(spark):
    return [tuple(r) for r in spark.sql("SELECT id, name, email FROM test.cdc.dbserver1_public_users ORDER BY id").collect()]


def test_merges_in_order_keeps_a_changelog_and_skips_a_replayed_batch(spark):
    sink = cdc_mirror.Mirror(_args(keys={"public.users": ["id"]}))
    sink.started("query-1")
    u = lambda i, n, e=None: {"id": i, "name": n, "email": e}  # noqa: E731
    batch0 = [
        (USERS, 0, KEY(1), envelope("r", None, u(1, "ada"), PG_SOURCE, USERS_FIELDS)),
        (USERS, 1, KEY(2), envelope("r", None, u(2, "grace"), PG_SOURCE, USERS_FIELDS)),
        (USERS, 2, KEY(1), envelope("u", u(1, "ada"), u(1, "ada", "a@x"), {**PG_SOURCE, "lsn": 30}, USERS_FIELDS)),
        (USERS, 3, KEY(2), envelope("d", u(2, "grace"), None, {**PG_SOURCE, "lsn": 40}, USERS_FIELDS)),
        (USERS, 4, KEY(2), None),  # tombstone
        (ORDERS, 0, KEY(1), envelope("c", None, {"id": 1, "customer_id": 7, "amount": dec("10.50", 2), "status": "new"},
                                     MY_SOURCE, ORDERS_FIELDS, name="mysqlserver1.sales.orders.Value")),
    ]
    sink(_batch(spark, batch0), 0)
    assert _users(spark) == [(1, "ada", "a@x")]
    orders = spark.sql("SELECT id, customer_id, CAST(amount AS STRING), status FROM test.cdc.mysqlserver1_sales_orders").collect()
    assert [tuple(r) for r in orders] == [(1, 7, "10.50", "new")]
    log = spark.sql("SELECT op, before, after, source_position, kafka_offset, batch_id FROM "
                    "test.cdc.dbserver1_public_users_changelog ORDER BY kafka_offset").collect()
    assert [r.op for r in log] == ["r", "r", "u", "d"]
    assert json.loads(log[2].before) == u(1, "ada") and log[2].source_position == "lsn:30"
    assert {r.batch_id for r in log} == {0}

    # The same batch again (a crash before Spark's commit log): nothing changes.
    sink(_batch(spark, batch0), 0)
    assert spark.sql("SELECT count(*) FROM test.cdc.dbserver1_public_users_changelog").first()[0] == 4
    assert _users(spark) == [(1, "ada", "a@x")]
    assert sink.status["skipped_replays"] == 2

    # Re-insert a deleted key, and a new nullable column at the source.
    fields = USERS_FIELDS + [{"type": "string", "optional": True, "field": "phone"}]
    batch1 = [
        (USERS, 5, KEY(2), envelope("c", None, {**u(2, "grace2"), "phone": "+1"}, {**PG_SOURCE, "lsn": 50}, fields)),
        (USERS, 6, KEY(1), envelope("u", u(1, "ada", "a@x"), {**u(1, "ada", "b@x"), "phone": None}, {**PG_SOURCE, "lsn": 60}, fields)),
    ]
    sink(_batch(spark, batch1), 1)
    rows = [tuple(r) for r in spark.sql("SELECT id, name, email, phone FROM test.cdc.dbserver1_public_users ORDER BY id").collect()]
    assert rows == [(1, "ada", "b@x", None), (2, "grace2", None, "+1")]
    summaries = [r.summary for r in spark.sql("SELECT summary FROM test.cdc.dbserver1_public_users_changelog.snapshots").collect()]
    assert lib.last_batch_id(summaries, "cdc-test/query-1") == 1

    # A new checkpoint (new query id) starts again at batch 0: its batches are not taken for replays.
    fresh = cdc_mirror.Mirror(_args(keys={"public.users": ["id"]}))
    fresh.started("query-2")
    batch2 = [(USERS, 7, KEY(3), envelope("c", None, u(3, "alan"), {**PG_SOURCE, "lsn": 70}, USERS_FIELDS))]
    fresh(_batch(spark, batch2), 0)
    assert fresh.status["skipped_replays"] == 0
    assert [r[0] for r in _users(spark)] == [1, 2, 3]
    assert spark.sql("SELECT count(*) FROM test.cdc.dbserver1_public_users_changelog").first()[0] == 7


ACCOUNTS = "dbserver1.public.accounts"


def _accounts(spark):
    return [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_accounts ORDER BY id").collect()]


def _log_count(spark, table="test.cdc.dbserver1_public_accounts_changelog"):
    return spark.sql(f"SELECT count(*) FROM {table}").first()[0]


def test_changes_debezium_sends_again_are_logged_once_and_never_move_the_mirror_back(spark):
    sink = cdc_mirror.Mirror(_args(keys={"public.accounts": ["id"]}))
    sink.started("query-resend")
    u = lambda i, n: {"id": i, "name": n, "email": None}  # noqa: E731
    src = lambda lsn, tx: {**PG_SOURCE, "table": "accounts", "lsn": lsn, "txId": tx}  # noqa: E731
    c1 = envelope("c", None, u(1, "a"), src(10, 1), USERS_FIELDS)
    u1 = envelope("u", u(1, "a"), u(1, "b"), src(20, 2), USERS_FIELDS)
    c2 = envelope("c", None, u(2, "x"), src(30, 3), USERS_FIELDS)
    d2 = envelope("d", u(2, "x"), None, src(40, 4), USERS_FIELDS)
    sink(_batch(spark, [(ACCOUNTS, 0, KEY(1), c1), (ACCOUNTS, 1, KEY(1), u1), (ACCOUNTS, 2, KEY(2), c2),
                        (ACCOUNTS, 3, KEY(2), d2)]), 0)
    assert _log_count(spark) == 4 and _accounts(spark) == [(1, "b")]

    # Connect restarted and sent the last changes again (new Kafka offsets, same positions), the resend
    # cut by the batch's end: no changelog row, and the older update does not win over the applied one.
    sink(_batch(spark, [(ACCOUNTS, 4, KEY(1), c1), (ACCOUNTS, 5, KEY(1), u1)]), 1)
    assert _log_count(spark) == 4 and _accounts(spark) == [(1, "b")]
    # The rest of the resend and a new change in the next batch.
    u1b = envelope("u", u(1, "b"), u(1, "c"), src(50, 5), USERS_FIELDS)
    sink(_batch(spark, [(ACCOUNTS, 6, KEY(2), c2), (ACCOUNTS, 7, KEY(2), d2), (ACCOUNTS, 8, KEY(1), u1b)]), 2)
    assert _log_count(spark) == 5 and _accounts(spark) == [(1, "c")]
    # A newer change and a copy of an older one in one batch, the copy last: the newer one stays.
    u1c = envelope("u", u(1, "c"), u(1, "d"), src(60, 6), USERS_FIELDS)
    sink(_batch(spark, [(ACCOUNTS, 9, KEY(1), u1c), (ACCOUNTS, 10, KEY(1), u1b), (ACCOUNTS, 11, KEY(1), u1c)]), 3)
    assert _log_count(spark) == 6 and _accounts(spark) == [(1, "d")]
    ids = [r[0] for r in spark.sql("SELECT change_id FROM test.cdc.dbserver1_public_accounts_changelog").collect()]
    assert len(ids) == len(set(ids)) == 6
    row = spark.sql("SELECT row_key, source_lsn, source_tx_id, source_file, kafka_offset FROM "
                    "test.cdc.dbserver1_public_accounts_changelog WHERE source_lsn = 50").first()
    assert tuple(row) == ("[1]", 50, 5, None, 8)
    assert spark.sql("SELECT _cdc_position_key FROM test.cdc.dbserver1_public_accounts").first()[0] == [60]


def test_an_existing_changelog_and_mirror_get_the_new_columns_in_place(spark):
    # The shapes an earlier version of the job created: no identity or position columns.
    spark.sql("CREATE TABLE test.cdc.dbserver1_public_legacy (id INT, name STRING, email STRING, _cdc_op STRING, "
              "_cdc_source_ts_ms BIGINT, _cdc_position STRING, _cdc_kafka_partition INT, _cdc_kafka_offset BIGINT) "
              "USING iceberg TBLPROPERTIES ('format-version'='2')")
    spark.sql("INSERT INTO test.cdc.dbserver1_public_legacy VALUES (1, 'old', NULL, 'c', 1, 'lsn:5', 0, 0)")
    spark.sql("CREATE TABLE test.cdc.dbserver1_public_legacy_changelog (op STRING, before STRING, after STRING, "
              "source_position STRING, source_ts_ms BIGINT, commit_time TIMESTAMP, event_ts_ms BIGINT, source STRING, "
              "kafka_topic STRING, kafka_partition INT, kafka_offset BIGINT, batch_id BIGINT) USING iceberg "
              "PARTITIONED BY (days(commit_time)) TBLPROPERTIES ('format-version'='2')")
    spark.sql("INSERT INTO test.cdc.dbserver1_public_legacy_changelog VALUES ('c', NULL, '{}', 'lsn:5', 1, "
              "timestamp_millis(1), 1, '{}', 'dbserver1.public.legacy', 0, 0, 0)")
    files_before = spark.sql("SELECT count(*) FROM test.cdc.dbserver1_public_legacy_changelog.files").first()[0]
    sink = cdc_mirror.Mirror(_args(keys={"public.legacy": ["id"]}))
    sink.started("query-legacy")
    topic = "dbserver1.public.legacy"
    up = envelope("u", {"id": 1, "name": "old", "email": None}, {"id": 1, "name": "new", "email": None},
                  {**PG_SOURCE, "table": "legacy", "lsn": 70}, USERS_FIELDS)
    sink(_batch(spark, [(topic, 1, KEY(1), up), (topic, 2, KEY(1), up)]), 0)
    cols = [f.name for f in spark.table("test.cdc.dbserver1_public_legacy_changelog").schema.fields]
    assert cols == [n for n, _ in lib.CHANGELOG_COLUMNS]
    assert "_cdc_position_key" in [f.name for f in spark.table("test.cdc.dbserver1_public_legacy").schema.fields]
    assert _log_count(spark, "test.cdc.dbserver1_public_legacy_changelog") == 2
    # Added in place: the old row's file is still there, unchanged, beside the new append's.
    assert spark.sql("SELECT count(*) FROM test.cdc.dbserver1_public_legacy_changelog.files").first()[0] == files_before + 1
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_legacy").collect()] == [(1, "new")]


WIDENED = "dbserver1.public.widened"
NARROWED = "dbserver1.public.narrowed"
BYSTANDER = "dbserver1.public.bystander"


def test_a_widened_type_widens_in_place_and_an_incompatible_one_stops_its_table_alone(spark):
    keys = {"public.widened": ["id"], "public.narrowed": ["id"], "public.bystander": ["id"]}
    sink = cdc_mirror.Mirror(_args(keys=keys))
    sink.started("query-schema")
    u = lambda i, n: {"id": i, "name": n, "email": None}  # noqa: E731
    src = lambda table, lsn: {**PG_SOURCE, "table": table, "lsn": lsn, "txId": lsn}  # noqa: E731
    sink(_batch(spark, [
        (WIDENED, 0, KEY(1), envelope("c", None, u(1, "w1"), src("widened", 10), USERS_FIELDS)),
        (NARROWED, 0, KEY(1), envelope("c", None, u(1, "n1"), src("narrowed", 11), USERS_FIELDS)),
        (BYSTANDER, 0, KEY(1), envelope("c", None, u(1, "b1"), src("bystander", 12), USERS_FIELDS)),
    ]), 0)
    assert spark.table("test.cdc.dbserver1_public_widened").schema["id"].dataType.simpleString() == "int"
    assert sink.status["stopped_tables"] == {}

    # One batch: `widened`.id int -> bigint at the source (Iceberg widens in place), `narrowed`.name
    # text -> integer (no in-place change: the table stops), `bystander` as before. The stopped topic sorts
    # between the two others, so a topic after it still flows.
    wide = [{**USERS_FIELDS[0], "type": "int64"}] + USERS_FIELDS[1:]
    narrow = USERS_FIELDS[:1] + [{**USERS_FIELDS[1], "type": "int32"}] + USERS_FIELDS[2:]
    sink(_batch(spark, [
        (WIDENED, 1, KEY(3000000000), envelope("c", None, u(3000000000, "w2"), src("widened", 20), wide)),
        (NARROWED, 1, KEY(2), envelope("c", None, u(2, 42), src("narrowed", 21), narrow)),
        (BYSTANDER, 1, KEY(2), envelope("c", None, u(2, "b2"), src("bystander", 22), USERS_FIELDS)),
    ]), 1)
    widened = spark.table("test.cdc.dbserver1_public_widened")
    assert widened.schema["id"].dataType.simpleString() == "bigint"
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_widened ORDER BY id").collect()] == \
        [(1, "w1"), (3000000000, "w2")]
    assert _log_count(spark, "test.cdc.dbserver1_public_widened_changelog") == 2
    # The stopped table: neither its mirror nor its changelog took the change, and its type is unchanged.
    narrowed = spark.table("test.cdc.dbserver1_public_narrowed")
    assert narrowed.schema["name"].dataType.simpleString() == "string"
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_narrowed").collect()] == [(1, "n1")]
    assert _log_count(spark, "test.cdc.dbserver1_public_narrowed_changelog") == 1
    assert list(sink.status["stopped_tables"]) == [NARROWED]
    message = sink.status["stopped_tables"][NARROWED]
    assert "test.cdc.dbserver1_public_narrowed" in message and "column name string -> int" in message
    assert "incremental-snapshot signal" in message
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_bystander ORDER BY id").collect()] == \
        [(1, "b1"), (2, "b2")]
    json.dumps(sink.status)  # what the heartbeat writes
    assert sink.status["last_batch_id"] == 1

    # Later batches skip the stopped topic (even a change with the old types) and the others keep flowing.
    sink(_batch(spark, [
        (NARROWED, 2, KEY(3), envelope("c", None, u(3, "n3"), src("narrowed", 30), USERS_FIELDS)),
        (BYSTANDER, 2, KEY(3), envelope("c", None, u(3, "b3"), src("bystander", 31), USERS_FIELDS)),
    ]), 2)
    assert _log_count(spark, "test.cdc.dbserver1_public_narrowed_changelog") == 1
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.dbserver1_public_bystander ORDER BY id").collect()] == [1, 2, 3]
    assert sink.status["stopped_changes_skipped"] == 2
    assert list(sink.status["stopped_tables"]) == [NARROWED]

    # The stop is a property of the mirror table: a restarted job (a new sink) skips the table from its
    # first batch on, with the same message, even for a change with the old types.
    props = {r[0]: r[1] for r in spark.sql("SHOW TBLPROPERTIES test.cdc.dbserver1_public_narrowed").collect()}
    assert props[lib.STOPPED_PROPERTY] == message
    restarted = cdc_mirror.Mirror(_args(keys=keys, topics=",".join([WIDENED, NARROWED, BYSTANDER])))
    restarted.started("query-schema")
    restarted(_batch(spark, [
        (NARROWED, 3, KEY(4), envelope("c", None, u(4, "n4"), src("narrowed", 40), USERS_FIELDS)),
        (BYSTANDER, 3, KEY(4), envelope("c", None, u(4, "b4"), src("bystander", 41), USERS_FIELDS)),
    ]), 3)
    assert restarted.status["stopped_tables"] == {NARROWED: message}
    assert restarted.status["stopped_changes_skipped"] == 1
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.dbserver1_public_narrowed ORDER BY id").collect()] == [1]
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.dbserver1_public_bystander ORDER BY id").collect()] == [1, 2, 3, 4]

    # The way out (the source type restored): unset the property and restart; the table flows again.
    spark.sql(f"ALTER TABLE test.cdc.dbserver1_public_narrowed UNSET TBLPROPERTIES ('{lib.STOPPED_PROPERTY}')")
    cleared = cdc_mirror.Mirror(_args(keys=keys, topics=",".join([WIDENED, NARROWED, BYSTANDER])))
    cleared.started("query-schema")
    cleared(_batch(spark, [(NARROWED, 4, KEY(5), envelope("c", None, u(5, "n5"), src("narrowed", 50), USERS_FIELDS))]), 4)
    assert cleared.status["stopped_tables"] == {}
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.dbserver1_public_narrowed ORDER BY id").collect()] == [1, 5]


NOKEY = "dbserver1.public.nokey"
KEYED = "dbserver1.public.keyed"


def test_a_table_without_a_key_stops_alone_and_the_others_flow(spark):
    # `keyed` has a declared key; `nokey` has none and its records carry no Debezium message key.
    sink = cdc_mirror.Mirror(_args(keys={"public.keyed": ["id"]}))
    sink.started("query-nokey")
    u = lambda i, n: {"id": i, "name": n, "email": None}  # noqa: E731
    src = lambda table, lsn: {**PG_SOURCE, "table": table, "lsn": lsn, "txId": lsn}  # noqa: E731
    sink(_batch(spark, [
        (KEYED, 0, KEY(1), envelope("c", None, u(1, "k1"), src("keyed", 10), USERS_FIELDS)),
        (NOKEY, 0, None, envelope("c", None, u(1, "x1"), src("nokey", 11), USERS_FIELDS)),
        (NOKEY, 1, None, envelope("c", None, u(2, "x2"), src("nokey", 12), USERS_FIELDS)),
    ]), 0)
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.dbserver1_public_keyed").collect()] == [(1, "k1")]
    assert not spark.catalog.tableExists("test.cdc.dbserver1_public_nokey")
    assert list(sink.status["stopped_tables"]) == [NOKEY]
    assert sink.status["stopped_tables"][NOKEY].startswith("dbserver1.public.nokey: no primary key")
    assert sink.status["stopped_changes_skipped"] == 2
    assert sink.status["last_batch_id"] == 0
    sink(_batch(spark, [
        (KEYED, 1, KEY(2), envelope("c", None, u(2, "k2"), src("keyed", 20), USERS_FIELDS)),
        (NOKEY, 2, None, envelope("c", None, u(3, "x3"), src("nokey", 21), USERS_FIELDS)),
    ]), 1)
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.dbserver1_public_keyed ORDER BY id").collect()] == [1, 2]
    assert sink.status["stopped_changes_skipped"] == 3


def test_the_flat_schema_names_every_flat_column():
    assert cdc_mirror.flat_schema().fieldNames() == lib.FLAT_COLUMNS


# --- The checkpoint's offset log read through Hadoop's FileSystem, as the job does before it starts ---

def _wait_for(predicate, seconds=60):
    import time

    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def rate_checkpoint(spark):
    """A checkpoint a real streaming query wrote (rate source, no Kafka in the unit image): its offset and
    commit logs hold Spark's own files, checksums included."""
    path = tempfile.mkdtemp(prefix="cdc-ck-")
    batches = lambda log: [n for n in os.listdir(os.path.join(path, log)) if n.isdigit()]  # noqa: E731
    query = spark.readStream.format("rate").option("rowsPerSecond", 10).load().writeStream.format("noop") \
        .option("checkpointLocation", path).trigger(processingTime="200 milliseconds").start()
    try:
        _wait_for(lambda: os.path.isdir(os.path.join(path, "commits")) and len(batches("commits")) >= 12)
    finally:
        query.stop()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _write(spark, checkpoint, log, name, text):
    """A checkpoint file written through Hadoop's local FileSystem, as Spark writes it (with its `.crc`)."""
    directory, fs = cdc_mirror.checkpoint_log(spark, checkpoint, log)
    out = fs.create(spark._jvm.org.apache.hadoop.fs.Path(directory, name), True)
    try:
        out.write(bytearray(text.encode()))
    finally:
        out.close()


def _kafka_checkpoint(spark, rate_checkpoint, topics_of_batch):
    """A copy of the rate checkpoint's committed batches whose offsets' source lines hold Kafka offsets,
    Spark's version and metadata lines and its commit files kept: topics_of_batch(batch id) -> the topics
    of that batch. Returns the path and the newest committed batch id."""
    path = tempfile.mkdtemp(prefix="cdc-ck-kafka-")
    committed = int(cdc_mirror.newest_batch(spark, rate_checkpoint, "commits"))
    for batch in range(committed + 1):
        with open(os.path.join(rate_checkpoint, "offsets", str(batch))) as f:
            version, metadata, _source = f.read().split("\n")
        offsets = {t: {"0": batch * 10, "1": batch} for t in topics_of_batch(batch)}
        _write(spark, path, "offsets", str(batch), "\n".join([version, metadata, json.dumps(offsets)]))
        with open(os.path.join(rate_checkpoint, "commits", str(batch))) as f:
            _write(spark, path, "commits", str(batch), f.read())
    return path, committed


def test_the_newest_batch_is_the_highest_batch_file_of_a_log_spark_wrote(spark, rate_checkpoint):
    for log in ("offsets", "commits"):
        names = os.listdir(os.path.join(rate_checkpoint, log))
        assert any(n.endswith(".crc") for n in names)
        highest = max(int(n) for n in names if n.isdigit())
        assert highest >= 10  # so that a text sort ("9" > "10") would pick another
        assert cdc_mirror.newest_batch(spark, rate_checkpoint, log) == str(highest)
        assert cdc_mirror.newest_batch(spark, "file://" + rate_checkpoint, log) == str(highest)
    assert cdc_mirror.newest_batch(spark, os.path.join(rate_checkpoint, "absent")) is None
    assert cdc_mirror.removed_topics(spark, os.path.join(rate_checkpoint, "absent"), "dbserver1.public.users") == []


def test_a_source_line_that_is_not_kafka_offsets_fails_naming_the_file(spark, rate_checkpoint):
    newest = cdc_mirror.newest_batch(spark, rate_checkpoint)
    with pytest.raises(lib.CheckpointError, match=rf"^file:{rate_checkpoint}/offsets/{newest}: line 3 is not a Kafka source offset"):
        cdc_mirror.batch_topics(spark, rate_checkpoint, newest)


def test_removed_topics_are_those_of_the_offsets_a_restart_reads_that_the_topic_list_lost(spark, rate_checkpoint):
    users, orders, items = "dbserver1.public.users", "dbserver1.public.orders", "dbserver1.public.items"
    # Older batches name items too, the newest committed one no longer does: only it (and later) counts.
    path, committed = _kafka_checkpoint(spark, rate_checkpoint, lambda b: [users, orders] if b >= 11 else [users, orders, items])
    assert committed >= 11
    try:
        # A rename Spark left unfinished: not a batch file, though its number is higher.
        with open(os.path.join(path, "offsets", f".{committed + 1}.5b0c6a1e-7f0b-4d44-9d0a-3c8f0e2d1a7b.tmp"), "w") as f:
            f.write("v1\n{}\nnot json")
        assert cdc_mirror.batch_topics(spark, path, str(committed)) == [orders, users]
        assert cdc_mirror.removed_topics(spark, path, users) == [orders]
        assert cdc_mirror.removed_topics(spark, "file://" + path, f"{users},{items}") == [orders]
        assert cdc_mirror.removed_topics(spark, path, f"{orders},{users}") == []
        # A batch planned without orders but not committed (e.g. a restart that failed on the dropped
        # partitions) runs again from the committed batch's offsets, which still name orders.
        with open(os.path.join(rate_checkpoint, "offsets", "0")) as f:
            version, metadata, _source = f.read().split("\n")
        _write(spark, path, "offsets", str(committed + 1), "\n".join([version, metadata, json.dumps({users: {"0": 999}})]))
        assert cdc_mirror.newest_batch(spark, path) == str(committed + 1)
        assert cdc_mirror.removed_topics(spark, path, users) == [orders]
        os.makedirs(os.path.join(path, "empty", "offsets"))
        assert cdc_mirror.removed_topics(spark, os.path.join(path, "empty"), users) == []
    finally:
        shutil.rmtree(path, ignore_errors=True)


FLOATS_FIELDS = [
    {"type": "int32", "optional": False, "field": "id"},
    # Kafka Connect's JsonConverter names for FLOAT32 and FLOAT64, as Debezium's topics carry them.
    {"type": "float", "optional": True, "field": "ratio"},
    {"type": "double", "optional": True, "field": "score"},
]


def test_float_and_double_columns_are_float_and_double_and_a_legacy_string_mirror_keeps_flowing(spark):
    sink = cdc_mirror.Mirror(_args(keys={"public.floats": ["id"], "public.floats_legacy": ["id"]}))
    sink.started("query-floats")
    source = {**PG_SOURCE, "table": "floats", "lsn": 90}
    row = {"id": 1, "ratio": 1.5, "score": 0.1}
    sink(_batch(spark, [("dbserver1.public.floats", 1, KEY(1), envelope("c", None, row, source, FLOATS_FIELDS))]), 0)
    types = {f.name: f.dataType.simpleString() for f in spark.table("test.cdc.dbserver1_public_floats").schema.fields}
    assert (types["ratio"], types["score"]) == ("float", "double")
    assert [tuple(r) for r in spark.sql("SELECT id, ratio, score FROM test.cdc.dbserver1_public_floats").collect()] == [(1, 1.5, 0.1)]

    # A mirror an earlier job created with STRING for them: it stays STRING and the table does not stop.
    spark.sql("CREATE TABLE test.cdc.dbserver1_public_floats_legacy (id INT, ratio STRING, score STRING) USING iceberg "
              "TBLPROPERTIES ('format-version'='2')")
    sink(_batch(spark, [("dbserver1.public.floats_legacy", 1, KEY(1),
                         envelope("c", None, row, {**source, "table": "floats_legacy"}, FLOATS_FIELDS))]), 1)
    assert sink.status["stopped_tables"] == {}
    types = {f.name: f.dataType.simpleString() for f in spark.table("test.cdc.dbserver1_public_floats_legacy").schema.fields}
    assert (types["ratio"], types["score"]) == ("string", "string")
    assert [tuple(r) for r in spark.sql("SELECT id, ratio, score FROM test.cdc.dbserver1_public_floats_legacy").collect()] == [(1, "1.5", "0.1")]


# --- A table removed from capture: its mirror and changelog kept (default) or dropped -------------------

STAYS = "dbserver1.public.stays"
LEAVES = "dbserver1.public.leaves"


def _removed_table_run(spark, rate_checkpoint, prefix, removed_tables):
    """Both topics mirrored, then a restart whose --topics lost LEAVES: the removed topics as the job finds
    them in a checkpoint whose batches named both, then drop_removed as run() calls it once the batch
    without them committed, then one more batch of STAYS. Returns the restarted sink."""
    keys = {"public.stays": ["id"], "public.leaves": ["id"]}
    u = lambda i, n: {"id": i, "name": n, "email": None}  # noqa: E731
    src = lambda table, lsn: {**PG_SOURCE, "table": table, "lsn": lsn, "txId": lsn}  # noqa: E731
    first = cdc_mirror.Mirror(_args(keys=keys, table_prefix=prefix, topics=f"{STAYS},{LEAVES}"))
    first.started(f"query-{prefix}")
    first(_batch(spark, [(STAYS, 0, KEY(1), envelope("c", None, u(1, "s1"), src("stays", 10), USERS_FIELDS)),
                         (LEAVES, 0, KEY(1), envelope("c", None, u(1, "l1"), src("leaves", 11), USERS_FIELDS))]), 0)
    path, _ = _kafka_checkpoint(spark, rate_checkpoint, lambda b: [STAYS, LEAVES])
    try:
        removed = cdc_mirror.removed_topics(spark, path, STAYS)
    finally:
        shutil.rmtree(path, ignore_errors=True)
    assert removed == [LEAVES]
    restarted = cdc_mirror.Mirror(_args(keys=keys, table_prefix=prefix, topics=STAYS, removed_tables=removed_tables))
    restarted.started(f"query-{prefix}")
    restarted.drop_removed(spark, removed)
    restarted(_batch(spark, [(STAYS, 1, KEY(2), envelope("c", None, u(2, "s2"), src("stays", 20), USERS_FIELDS))]), 1)
    return restarted


def _tables(spark):
    return {r.tableName for r in spark.sql("SHOW TABLES IN test.cdc").collect()}


def test_with_drop_a_removed_tables_mirror_and_changelog_are_dropped_and_the_others_flow(spark, rate_checkpoint):
    sink = _removed_table_run(spark, rate_checkpoint, "drop_", "drop")
    gone = ["test.cdc.drop_dbserver1_public_leaves", "test.cdc.drop_dbserver1_public_leaves_changelog"]
    assert not any(spark.catalog.tableExists(t) for t in gone)
    assert sink.status["dropped_tables"] == gone
    tables = _tables(spark)
    assert {"drop_dbserver1_public_stays", "drop_dbserver1_public_stays_changelog"} <= tables
    assert not {t for t in tables if t.startswith("drop_dbserver1_public_leaves")}
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.drop_dbserver1_public_stays ORDER BY id").collect()] == \
        [(1, "s1"), (2, "s2")]
    assert _log_count(spark, "test.cdc.drop_dbserver1_public_stays_changelog") == 2
    # A restart that finds the tables gone (or no removed topic at all) drops nothing and fails nothing.
    again = cdc_mirror.Mirror(_args(keys={}, table_prefix="drop_", topics=STAYS, removed_tables="drop"))
    assert again.drop_removed(spark, [LEAVES]) == [] and again.drop_removed(spark, []) == []
    assert again.status["dropped_tables"] == []
    assert spark.catalog.tableExists("test.cdc.drop_dbserver1_public_stays")


def test_by_default_a_removed_tables_mirror_and_changelog_are_kept_as_they_were(spark, rate_checkpoint):
    sink = _removed_table_run(spark, rate_checkpoint, "keep_", "keep")
    assert sink.status["dropped_tables"] == []
    assert [tuple(r) for r in spark.sql("SELECT id, name FROM test.cdc.keep_dbserver1_public_leaves").collect()] == [(1, "l1")]
    assert _log_count(spark, "test.cdc.keep_dbserver1_public_leaves_changelog") == 1
    assert [r[0] for r in spark.sql("SELECT id FROM test.cdc.keep_dbserver1_public_stays ORDER BY id").collect()] == [1, 2]
    # The job's own default, as parse_args gives it when the stack passes no flag.
    assert cdc_mirror.parse_args(["--bootstrap-servers", "k:9092", "--topics", STAYS]).removed_tables == "keep"
