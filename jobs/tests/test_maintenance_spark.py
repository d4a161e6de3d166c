"""Table maintenance (jobs/maintenance.py) against a real local Spark with Iceberg, while the CDC sink commits.

Same set-up as test_cdc_mirror_spark.py (a hadoop catalog in a temp dir; skipped outside the Spark
image). The sink writes batches in one thread while maintenance passes run in another: afterwards the
mirror equals the state computed here from the changes, the changelog holds every change once, and a
last pass leaves exactly `retainLast` snapshots.
"""
import argparse
import json
import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
pytest.importorskip("pyspark")

import cdc_mirror  # noqa: E402
import maintenance  # noqa: E402
import maintenance_lib as mlib  # noqa: E402
from test_cdc_lib import PG_SOURCE, USERS_FIELDS, envelope  # noqa: E402
from test_cdc_mirror_spark import KEY, USERS, _args, _batch, spark  # noqa: E402,F401

BATCHES = 8
KEYS = 12


def _changes(batch_id):
    """Batch n: keys n % KEYS .. +3 upserted, key (n*5) % KEYS deleted when n % 3 == 2; offsets from 1000*n."""
    out = []
    off = 1000 * batch_id
    for j in range(3):
        k = (batch_id + j) % KEYS + 1
        out.append((off, k, "u", {"id": k, "name": f"n{batch_id}-{j}", "email": None}))
        off += 1
    if batch_id % 3 == 2:
        k = (batch_id * 5) % KEYS + 1
        out.append((off, k, "d", None))
    return out


def _expected():
    state = {}
    for b in range(BATCHES):
        for _, k, op, after in _changes(b):
            if op == "d":
                state.pop(k, None)
            else:
                state[k] = after["name"]
    return sorted(state.items())


def _maint_args(spark_catalog="test"):
    policy = json.dumps({"default": {"minInputFiles": 2, "snapshotRetentionMinutes": 0, "retainLast": 5,
                                     "orphanOlderThanHours": 72}})
    a = maintenance.parse_args(["--catalog", spark_catalog, "--namespaces", "mcdc", "--policy", policy,
                                "--interval-seconds", "0", "--orphan-interval-seconds", "0"])
    return a


def test_maintenance_concurrent_with_the_sink_keeps_the_mirror_exact_and_honours_retention(spark):  # noqa: F811
    sink = cdc_mirror.Mirror(_args(namespace="mcdc", keys={"public.users": ["id"]}))
    sink.started("query-m")
    errors = []
    done = threading.Event()
    passes = []

    def stream():
        try:
            for b in range(BATCHES):
                # Interleave for sure, however fast either side is on this machine: batches 4.. wait for a
                # first finished pass, so a second pass overlaps the stream's last commits.
                deadline = time.monotonic() + 900
                while len(passes) < b // 4 and len(passes) < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)
                records = []
                for off, k, op, after in _changes(b):
                    before = {"id": k, "name": None, "email": None}
                    records.append((USERS, off, KEY(k), envelope(op if op == "d" else ("c" if b == 0 else "u"),
                                                                 before if op != "c" else None, after,
                                                                 {**PG_SOURCE, "lsn": 10_000 + off}, USERS_FIELDS)))
                sink(_batch(spark, records), b)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            done.set()

    m = maintenance.Maintainer(spark, _maint_args())
    t = threading.Thread(target=stream)
    t.start()
    while not done.is_set():
        passes.append(m.run_pass())
    t.join()
    assert not errors, errors
    assert len(passes) >= 2, f"maintenance must have run during the stream: {len(passes)} pass(es)"

    mirror = [(r.id, r.name) for r in spark.sql("SELECT id, name FROM test.mcdc.dbserver1_public_users ORDER BY id").collect()]
    assert mirror == _expected()
    total = sum(len(_changes(b)) for b in range(BATCHES))
    log = spark.sql("SELECT count(*) AS n, count(DISTINCT kafka_offset) AS d FROM test.mcdc.dbserver1_public_users_changelog").first()
    assert (log.n, log.d) == (total, total)

    # A last pass after the stream: compaction happened, and expiry (0 min, keep 5) leaves exactly 5 snapshots.
    final = m.run_pass()
    runs = spark.sql(f"SELECT table_name, action, ok, result FROM test.{mlib.RUNS_TABLE}").collect()
    rewrites = [json.loads(r.result) for r in runs if r.action == "rewrite_data_files" and r.ok]
    assert sum(x.get("rewritten_data_files_count", 0) for x in rewrites) > 0, runs
    assert {r["action"] for r in final} >= {"rewrite_data_files", "rewrite_manifests", "expire_snapshots", "remove_orphan_files"}
    assert [r for r in final if not r["ok"]] == [], "every action of the last pass succeeded"
    for table in ["dbserver1_public_users", "dbserver1_public_users_changelog"]:
        n = spark.sql(f"SELECT count(*) FROM test.mcdc.{table}.snapshots").first()[0]
        assert n == 5, f"{table}: {n} snapshots, retainLast is 5"
    assert [(r.id, r.name) for r in spark.sql("SELECT id, name FROM test.mcdc.dbserver1_public_users ORDER BY id").collect()] == _expected()
    # The changelog is partitioned by commit day.
    assert "PARTITIONED BY" in spark.sql("SHOW CREATE TABLE test.mcdc.dbserver1_public_users_changelog").first()[0].upper()


def test_an_unpartitioned_changelog_evolves_to_days_without_rewriting(spark):  # noqa: F811
    t = "test.evo.old_changelog"
    spark.sql("CREATE NAMESPACE IF NOT EXISTS test.evo")
    spark.sql(f"CREATE TABLE {t} (op STRING, commit_time TIMESTAMP) USING iceberg TBLPROPERTIES ('format-version'='2')")
    spark.sql(f"INSERT INTO {t} VALUES ('c', TIMESTAMP '2026-01-01 10:00:00')")
    import cdc_lib as lib
    ddl = lib.changelog_partition_ddl(spark.sql(f"SHOW CREATE TABLE {t}").first()[0], t)
    assert ddl == [f"ALTER TABLE {t} ADD PARTITION FIELD days(commit_time)"]
    for s in ddl:
        spark.sql(s)
    spark.sql(f"INSERT INTO {t} VALUES ('u', TIMESTAMP '2026-01-02 10:00:00')")
    specs = sorted(r.spec_id for r in spark.sql(f"SELECT spec_id FROM {t}.files").collect())
    assert specs == [0, 1], "the old file keeps spec 0, the new one is partitioned (spec 1)"
    assert lib.changelog_partition_ddl(spark.sql(f"SHOW CREATE TABLE {t}").first()[0], t) == []
    # Retention of 1 day relative to 2026-01-03: drops the 2026-01-01 row only.
    spark.sql(mlib.retention_delete_sql(t, 1, 1767441600.0))  # 2026-01-03T12:00Z
    assert [r.op for r in spark.sql(f"SELECT op FROM {t}").collect()] == ["u"]
