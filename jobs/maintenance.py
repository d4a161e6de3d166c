"""Table maintenance: Iceberg's Spark procedures on every mirror, changelog and named table, in a loop.

Each pass, for every table of the given namespaces (and the named extra tables that exist):
  * rewrite_data_files (bin-pack small files; data files carrying delete files are rewritten too) and
    rewrite_position_delete_files (compacts position deletes, drops dangling ones);
  * changelog retention: DELETE of whole commit-day partitions older than N days (when configured);
  * expire_snapshots older than the table's retention, always keeping the last `retain_last`;
  * rewrite_manifests;
  * remove_orphan_files older than `orphan_older_than_hours` (a slower cadence), listing MinIO by prefix.
A table whose current snapshot is the one maintenance left behind on its last pass is skipped: nothing
changed, and maintenance must not pile its own snapshots on an idle table (the CDC job finds the last
batch it appended in the snapshot summaries; `retain_last` always keeps that snapshot).

The streaming CDC job commits meanwhile. A commit that loses a race (Iceberg's ValidationException or
CommitFailedException) is retried with back-off; rewrites use partial progress so a conflict costs one
file group, not the pass. Every action's outcome is appended, one row per table and action, to the
runs table (`<catalog>.lakehouse_ops.maintenance_runs`), which `make status` reads.

    spark-submit --py-files maintenance_lib.py maintenance.py --catalog minio --namespaces cdc \
        --tables test_db.iceberg_table --interval-seconds 1800 --policy '{"default": {...}, "tables": {...}}'
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import maintenance_lib as lib  # noqa: E402

log = logging.getLogger("maintenance")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--catalog", default=env("MAINT_CATALOG", "minio"))
    p.add_argument("--namespaces", default=env("MAINT_NAMESPACES", "cdc"), help="comma-separated; every table in them")
    p.add_argument("--tables", default=env("MAINT_TABLES", ""), help="comma-separated namespace.table, maintained when present")
    p.add_argument("--policy", default=env("MAINT_POLICY", "{}"), help="JSON {default: {...}, tables: {name: {...}}}")
    p.add_argument("--interval-seconds", type=float, default=float(env("MAINT_INTERVAL_SECONDS", "1800")))
    p.add_argument("--orphan-interval-seconds", type=float, default=float(env("MAINT_ORPHAN_INTERVAL_SECONDS", "86400")))
    p.add_argument("--runs-table", default=env("MAINT_RUNS_TABLE", lib.RUNS_TABLE))
    p.add_argument("--heartbeat-file", default=env("MAINT_HEARTBEAT_FILE", "/tmp/maintenance.heartbeat"))
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    a = p.parse_args(argv)
    a.policy_obj = lib.parse_policy(a.policy)
    return a


class Maintainer:
    def __init__(self, spark, args: argparse.Namespace):
        self.spark = spark
        self.args = args
        # Current snapshot id each table had when maintenance last finished with it.
        self.left_at: Dict[str, Optional[int]] = {}
        self.last_orphans = 0.0
        self.props_set: set = set()
        self.status: Dict[str, Any] = {"passes": 0}

    def sql(self, statement: str):
        log.debug("%s", statement)
        return self.spark.sql(statement)

    def tables(self) -> List[str]:
        a = self.args
        found: List[str] = []
        for ns in [n for n in a.namespaces.split(",") if n]:
            try:
                found += [f"{ns}.{r.tableName}" for r in self.sql(f"SHOW TABLES IN {a.catalog}.{ns}").collect()]
            except Exception as e:  # a namespace the CDC job has not created yet
                log.info("namespace %s: %s", ns, lib.first_line(e))
        for t in [t for t in a.tables.split(",") if t]:
            ns, name = t.rsplit(".", 1)
            try:
                if any(r.tableName == name for r in self.sql(f"SHOW TABLES IN {a.catalog}.{ns}").collect()):
                    found.append(t)
            except Exception:
                pass
        found.append(a.runs_table)
        return sorted(set(found))

    def current_snapshot(self, table: str) -> Optional[int]:
        rows = self.sql(f"SELECT snapshot_id FROM {self.args.catalog}.{table}.snapshots "
                        "ORDER BY committed_at DESC LIMIT 1").collect()
        return rows[0].snapshot_id if rows else None

    def run(self, statement: str) -> List[Dict[str, Any]]:
        self.sql(statement).collect()
        return []

    def call(self, procedure: str, args: str) -> List[Dict[str, Any]]:
        return [r.asDict() for r in self.sql(f"CALL {self.args.catalog}.system.{procedure}({args})").collect()]

    def ensure_runs_table(self) -> None:
        ns = self.args.runs_table.rsplit(".", 1)[0]
        self.sql(f"CREATE NAMESPACE IF NOT EXISTS {self.args.catalog}.{ns}")
        self.sql(lib.runs_table_ddl(f"{self.args.catalog}.{self.args.runs_table}"))

    def maintain(self, table: str, orphans: bool, run_id: str) -> List[Dict[str, Any]]:
        c = self.args.catalog
        full = f"{c}.{table}"
        policy = lib.policy_for(self.args.policy_obj, table)
        rows: List[Dict[str, Any]] = []
        if not policy["enabled"]:
            return rows
        if table != self.args.runs_table and self.left_at.get(table, -1) == self.current_snapshot(table) and not orphans:
            return rows

        def act(action: str, fn) -> None:
            started = time.time()
            result, attempts, error = None, 0, None
            try:
                result, attempts = lib.with_retries(fn, sleep=time.sleep)
            except Exception as e:
                attempts, error = getattr(e, "attempts", 1), lib.first_line(e)
                log.warning("%s %s failed: %s", action, table, error)
            rows.append(lib.run_row(run_id, table, action, started, time.time(), attempts, result, error))

        # Table properties the retention depends on, set once per process.
        if table not in self.props_set:
            act("set_properties", lambda: self.run(lib.properties_ddl(full, policy)))
            self.props_set.add(table)
        if policy["compact"]:
            act("rewrite_data_files", lambda: self.call("rewrite_data_files", lib.rewrite_data_files_args(table, policy)))
            act("rewrite_position_delete_files",
                lambda: self.call("rewrite_position_delete_files", lib.rewrite_deletes_args(table)))
        if policy["changelogRetentionDays"] and lib.is_changelog(table):
            act("drop_old_partitions", lambda: self.run(lib.retention_delete_sql(full, policy["changelogRetentionDays"], time.time())))
        if policy["rewriteManifests"]:
            act("rewrite_manifests", lambda: self.call("rewrite_manifests", f"table => '{table}'"))
        if policy["expireSnapshots"]:
            act("expire_snapshots", lambda: self.call("expire_snapshots", lib.expire_args(table, policy, time.time())))
        if orphans and policy["removeOrphanFiles"]:
            act("remove_orphan_files", lambda: lib.orphan_summary(self.call("remove_orphan_files", lib.orphan_args(table, policy, time.time()))))
        self.left_at[table] = self.current_snapshot(table)
        return rows

    def run_pass(self) -> List[Dict[str, Any]]:
        run_id = str(uuid.uuid4())
        now = time.time()
        orphans = now - self.last_orphans >= self.args.orphan_interval_seconds
        self.ensure_runs_table()
        rows: List[Dict[str, Any]] = []
        for table in self.tables():
            if table == self.args.runs_table:
                continue
            rows += self.maintain(table, orphans, run_id)
        if rows:
            self.append_runs(rows)
        # The runs table last, so its own maintenance sees this pass's append.
        self.maintain(self.args.runs_table, orphans, run_id)
        if orphans:
            self.last_orphans = now
        failed = sum(1 for r in rows if not r["ok"])
        self.status.update(passes=self.status["passes"] + 1, last_run_id=run_id, last_pass_seconds=round(time.time() - now, 1),
                           last_pass_actions=len(rows), last_pass_failures=failed)
        log.info("pass %s: %s action(s) on %s table(s), %s failed, %.1fs", run_id, len(rows),
                 len({r["table_name"] for r in rows}), failed, time.time() - now)
        return rows

    def append_runs(self, rows: List[Dict[str, Any]]) -> None:
        from pyspark.sql import types as T
        schema = T.StructType([T.StructField(n, lib.spark_type(t)) for n, t in lib.RUNS_COLUMNS])
        df = self.spark.createDataFrame([tuple(r[n] for n, _ in lib.RUNS_COLUMNS) for r in rows], schema)
        lib.with_retries(lambda: df.writeTo(f"{self.args.catalog}.{self.args.runs_table}").append(), sleep=time.sleep)


def heartbeat(path: str, status: dict, stop: threading.Event, every: float = 10.0) -> None:
    while not stop.is_set():
        try:
            with open(path + ".tmp", "w") as f:
                json.dump({"time": time.time(), **status}, f)
            os.replace(path + ".tmp", path)
        except OSError as e:
            log.warning("heartbeat: %s", e)
        stop.wait(every)


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("lakehouse-maintenance").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    m = Maintainer(spark, args)
    stop = threading.Event()
    threading.Thread(target=heartbeat, args=(args.heartbeat_file, m.status, stop), daemon=True).start()
    try:
        while True:
            started = time.time()
            try:
                m.run_pass()
            except Exception as e:  # a catalog or MinIO outage: try again next pass, keep the container up
                m.status["last_pass_error"] = lib.first_line(e)
                log.exception("pass failed")
            if args.once:
                return 0
            stop.wait(max(1.0, args.interval_seconds - (time.time() - started)))
    finally:
        stop.set()


if __name__ == "__main__":
    sys.exit(main())
