"""Cost of one micro-batch's changelog write: the plain append the job used to do against the
insert-if-absent it does now (anti join on change_id, pruned to the batch's days and LSN range).

Runs in the local Spark image with a hadoop catalog in a temp dir (no stack needed):

    docker run --rm -v $PWD/jobs:/jobs:ro -v $PWD/tools:/tools:ro pulumi-lakehouse/spark:<ver> \
        python3 /tools/bench_changelog_append.py [--prefill 500000] [--files 50] [--batches 1000,10000] [--repeat 3]

The changelog is prefilled with `prefill` rows of today in `files` appends (one per earlier batch, LSNs
rising as a source's do), then each batch size is written `repeat` times both ways; prints JSON with the
median seconds per batch.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, "/jobs")
import cdc_lib as lib  # noqa: E402
import cdc_mirror  # noqa: E402

TOPIC = "dbserver1.public.bench"
FIELDS = [{"type": "int32", "optional": False, "field": "id"}, {"type": "string", "optional": True, "field": "name"}]
KEY = lambda i: json.dumps({"schema": {"type": "struct", "fields": [{"field": "id"}]}, "payload": {"id": i}})  # noqa: E731


def envelope(i, lsn, ts):
    schema = {"type": "struct", "fields": [{"type": "struct", "fields": FIELDS, "field": "before", "optional": True},
                                           {"type": "struct", "fields": FIELDS, "field": "after", "optional": True}]}
    source = {"connector": "postgresql", "lsn": lsn, "txId": lsn // 100, "ts_ms": ts}
    return json.dumps({"schema": schema, "payload": {"before": None, "after": {"id": i, "name": f"n{i}"},
                                                      "source": source, "op": "c", "ts_ms": ts}})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prefill", type=int, default=500_000)
    p.add_argument("--files", type=int, default=50)
    p.add_argument("--batches", default="1000,10000")
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    wh = tempfile.mkdtemp(prefix="bench-wh-")
    spark = SparkSession.builder.master("local[2]").appName("bench-changelog") \
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2") \
        .config("spark.driver.memory", "1g") \
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions") \
        .config("spark.sql.catalog.test", "org.apache.iceberg.spark.SparkCatalog") \
        .config("spark.sql.catalog.test.type", "hadoop").config("spark.sql.catalog.test.warehouse", wh).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(lib.__file__)
    args = argparse.Namespace(catalog="test", namespace="cdc", table_prefix="", job_name="bench", keys={"public.bench": ["id"]})
    sink = cdc_mirror.Mirror(args)
    sink.started("bench")
    table = sink.table(TOPIC, "changelog")
    schema = T.StructType([T.StructField("topic", T.StringType()), T.StructField("partition", T.IntegerType()),
                           T.StructField("offset", T.LongType()), T.StructField("key", T.BinaryType()),
                           T.StructField("value", T.BinaryType())])
    now = int(time.time() * 1000)
    state = {"lsn": 1_000_000, "offset": 0, "id": 0}

    def events(n):
        rows = []
        for _ in range(n):
            state["lsn"] += 100
            state["id"] += 1
            rows.append((TOPIC, 0, state["offset"], bytearray(KEY(state["id"]).encode()),
                         bytearray(envelope(state["id"], state["lsn"], now).encode())))
            state["offset"] += 1
        df = spark.createDataFrame(rows, schema)
        flat = df.rdd.map(lambda r: lib.flatten(r.topic, r.partition, r.offset, r.key, r.value, args.keys))
        return spark.createDataFrame(flat, cdc_mirror.flat_schema()).persist()

    sink.ensure_tables(spark, TOPIC, [lib.Field("id", "INT"), lib.Field("name", "STRING")])
    per_file = a.prefill // a.files
    started = time.time()
    for b in range(a.files):
        ev = events(per_file)
        sink.append_changelog(spark, TOPIC, ev, b)
        ev.unpersist()
    prefill_s = time.time() - started
    batch_id = a.files
    out = {"prefill_rows": a.prefill, "prefill_files": a.files, "prefill_seconds": round(prefill_s, 1), "results": []}
    for size in [int(x) for x in a.batches.split(",")]:
        old, new = [], []
        for _ in range(a.repeat):
            ev = events(size)
            ev.count()
            t = time.time()
            # What the job did before: a plain append of the batch's rows.
            ev.select("op", "before", "after", F.col("position").alias("source_position"), "source_ts_ms",
                      F.timestamp_millis("source_ts_ms").alias("commit_time"), "event_ts_ms", "source",
                      F.col("topic").alias("kafka_topic"), F.col("partition").alias("kafka_partition"),
                      F.col("offset").alias("kafka_offset"), F.lit(batch_id).cast("bigint").alias("batch_id"),
                      "row_key", "change_id", "source_lsn", "source_tx_id", "source_file", "source_pos",
                      "source_row").writeTo(table).append()
            old.append(time.time() - t)
            batch_id += 1
            ev.unpersist()
            ev = events(size)
            ev.count()
            t = time.time()
            sink.append_changelog(spark, TOPIC, ev, batch_id)
            new.append(time.time() - t)
            batch_id += 1
            ev.unpersist()
        out["results"].append({"batch_rows": size, "append_s": [round(x, 3) for x in old],
                               "insert_if_absent_s": [round(x, 3) for x in new],
                               "append_median_s": round(statistics.median(old), 3),
                               "insert_if_absent_median_s": round(statistics.median(new), 3)})
    out["changelog_rows_at_end"] = spark.table(table).count()
    print("@@bench " + json.dumps(out))
    spark.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    main()
