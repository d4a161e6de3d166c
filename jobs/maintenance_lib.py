"""Pure helpers of the maintenance job (jobs/maintenance.py): policy, procedure arguments, retries, run rows.

No Spark import here, so jobs/tests/test_maintenance_lib.py runs with plain Python.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

RUNS_TABLE = "lakehouse_ops.maintenance_runs"

RUNS_COLUMNS: List[Tuple[str, str]] = [
    ("run_id", "string"), ("table_name", "string"), ("action", "string"),
    ("started_at", "timestamp"), ("finished_at", "timestamp"), ("ok", "boolean"), ("attempts", "int"),
    ("result", "string"), ("error", "string"),
]

# The defaults, documented in docs/maintenance.md and mirrored by components/specs/maintenance.ts.
DEFAULT_POLICY: Dict[str, Any] = {
    "enabled": True,
    "compact": True,
    "targetFileSizeBytes": 128 * 1024 * 1024,
    "minInputFiles": 5,
    "rewriteManifests": True,
    "expireSnapshots": True,
    "snapshotRetentionMinutes": 60,
    "retainLast": 10,
    "removeOrphanFiles": True,
    "orphanOlderThanHours": 72,
    "changelogRetentionDays": None,
    "metadataPreviousVersionsMax": 20,
}

CONFLICT_MARKERS = ("ValidationException", "CommitFailedException", "CommitStateUnknownException",
                    "Found conflicting files", "Missing required files to delete", "Cannot commit")


def parse_policy(text: str) -> Dict[str, Any]:
    obj = json.loads(text or "{}")
    if not isinstance(obj, dict):
        raise ValueError("--policy must be a JSON object")
    unknown = set(obj) - {"default", "tables"}
    if unknown:
        raise ValueError(f"--policy: unknown keys {sorted(unknown)}")
    return {"default": {**DEFAULT_POLICY, **obj.get("default", {})}, "tables": obj.get("tables", {})}


def policy_for(policy: Dict[str, Any], table: str) -> Dict[str, Any]:
    """The default policy with the table's overrides (by `namespace.table` or bare table name)."""
    tables = policy["tables"]
    name = table.rsplit(".", 1)[-1]
    return {**policy["default"], **tables.get(name, {}), **tables.get(table, {})}


def is_changelog(table: str) -> bool:
    return table.endswith("_changelog")


def is_conflict(err: BaseException) -> bool:
    text = str(err)
    return any(m in text for m in CONFLICT_MARKERS)


def first_line(err: BaseException) -> str:
    """The line naming the cause: a Py4J error's first line is only "An error occurred while calling ..."."""
    lines = [ln.strip().lstrip(": ") for ln in str(err).strip().splitlines() if ln.strip()]
    named = [ln for ln in lines if "Exception" in ln or "Error:" in ln]
    return ((named or lines or [type(err).__name__])[0])[:500]


def with_retries(fn: Callable[[], Any], attempts: int = 6, base_seconds: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> Tuple[Any, int]:
    """Runs fn (the session time zone is UTC, see the spec); retries a lost commit race with exponential back-off. Returns (result, attempts used)."""
    for i in range(1, attempts + 1):
        try:
            return fn(), i
        except Exception as e:
            if not is_conflict(e) or i == attempts:
                setattr(e, "attempts", i)
                raise
            sleep(min(60.0, base_seconds * 2 ** (i - 1)))
    raise AssertionError("unreachable")


def sql_ts(epoch_seconds: float) -> str:
    return "TIMESTAMP '" + dt.datetime.fromtimestamp(epoch_seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") + "'"


def options_map(options: Dict[str, Any]) -> str:
    return "map(" + ", ".join(f"'{k}', '{v}'" for k, v in options.items()) + ")"


def rewrite_data_files_args(table: str, p: Dict[str, Any]) -> str:
    options = {
        "min-input-files": p["minInputFiles"],
        "target-file-size-bytes": p["targetFileSizeBytes"],
        # A data file with any delete file against it is rewritten, which applies and drops the deletes.
        "delete-file-threshold": 1,
        # A lost race with the CDC job's MERGE costs one file group, not the whole rewrite.
        "partial-progress.enabled": "true",
        "partial-progress.max-commits": 10,
        "max-concurrent-file-group-rewrites": 1,
        "remove-dangling-deletes": "true",
    }
    return f"table => '{table}', options => {options_map(options)}"


def rewrite_deletes_args(table: str) -> str:
    return f"table => '{table}', options => {options_map({'rewrite-all': 'true'})}"


def expire_args(table: str, p: Dict[str, Any], now: float) -> str:
    older = now - p["snapshotRetentionMinutes"] * 60
    return f"table => '{table}', older_than => {sql_ts(older)}, retain_last => {int(p['retainLast'])}"


def orphan_args(table: str, p: Dict[str, Any], now: float) -> str:
    older = now - p["orphanOlderThanHours"] * 3600
    # MinIO is listed through the table's S3FileIO (no Hadoop file system for s3:// in the image).
    return f"table => '{table}', older_than => {sql_ts(older)}, prefix_listing => true"


def orphan_summary(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"orphan_files_removed": len(rows)}]


def properties_ddl(full_table: str, p: Dict[str, Any]) -> str:
    """Retention as table properties too, so any engine's expire honours it and old metadata.json files go."""
    props = {
        "history.expire.max-snapshot-age-ms": int(p["snapshotRetentionMinutes"] * 60_000),
        "history.expire.min-snapshots-to-keep": int(p["retainLast"]),
        "write.metadata.delete-after-commit.enabled": "true",
        "write.metadata.previous-versions-max": int(p["metadataPreviousVersionsMax"]),
        "commit.retry.num-retries": 10,
    }
    return f"ALTER TABLE {full_table} SET TBLPROPERTIES (" + ", ".join(f"'{k}'='{v}'" for k, v in props.items()) + ")"


def retention_cutoff_day(days: int, now: float) -> dt.date:
    """The first commit day kept: today (UTC) minus `days`; whole day partitions before it are dropped."""
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).date() - dt.timedelta(days=days)


def retention_delete_sql(full_table: str, days: int, now: float) -> str:
    # A filter on day boundaries matches whole days(commit_time) partitions: Iceberg drops their files
    # in metadata, rewriting nothing (files written before the partition spec evolved are rewritten).
    cutoff = retention_cutoff_day(days, now).isoformat()
    return f"DELETE FROM {full_table} WHERE commit_time < TIMESTAMP '{cutoff} 00:00:00'"


def runs_table_ddl(full_table: str) -> str:
    cols = ", ".join(f"{n} {t}" for n, t in RUNS_COLUMNS)
    return (f"CREATE TABLE IF NOT EXISTS {full_table} ({cols}) USING iceberg "
            "TBLPROPERTIES ('format-version'='2')")


def spark_type(name: str):
    from pyspark.sql import types as T
    return {"string": T.StringType(), "timestamp": T.TimestampType(), "boolean": T.BooleanType(),
            "int": T.IntegerType()}[name]


def _jsonable(v: Any) -> Any:
    return v if isinstance(v, (int, float, str, bool, type(None))) else str(v)


def run_row(run_id: str, table: str, action: str, started: float, finished: float, attempts: int,
            result: Optional[List[Dict[str, Any]]], error: Optional[str]) -> Dict[str, Any]:
    summary = {k: _jsonable(v) for k, v in (result[0] if result else {}).items()}
    return {
        "run_id": run_id, "table_name": table, "action": action,
        "started_at": dt.datetime.fromtimestamp(started, dt.timezone.utc).replace(tzinfo=None),
        "finished_at": dt.datetime.fromtimestamp(finished, dt.timezone.utc).replace(tzinfo=None),
        "ok": error is None, "attempts": attempts, "result": json.dumps(summary, sort_keys=True), "error": error,
    }
