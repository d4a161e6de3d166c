"""The maintenance job's pure helpers (no Spark)."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import maintenance_lib as lib  # noqa: E402


def test_policy_defaults_and_per_table_overrides():
    p = lib.parse_policy(json.dumps({"default": {"retainLast": 20}, "tables": {"users": {"compact": False},
                                                                               "cdc.users": {"retainLast": 7}}}))
    assert lib.policy_for(p, "cdc.orders")["retainLast"] == 20
    assert lib.policy_for(p, "cdc.orders")["snapshotRetentionMinutes"] == 60
    u = lib.policy_for(p, "cdc.users")
    assert (u["compact"], u["retainLast"]) == (False, 7)
    with pytest.raises(ValueError):
        lib.parse_policy('{"defaults": {}}')


def test_retries_only_commit_conflicts():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("org.apache.iceberg.exceptions.ValidationException: Found conflicting files")
        return "ok"

    slept = []
    assert lib.with_retries(flaky, sleep=slept.append) == ("ok", 3)
    assert slept == [2.0, 4.0]

    def broken():
        raise RuntimeError("Table does not exist")

    with pytest.raises(RuntimeError) as e:
        lib.with_retries(broken, sleep=slept.append)
    assert e.value.attempts == 1


def test_procedure_arguments():
    p = lib.parse_policy("{}")["default"]
    now = 1767441600.0  # 2026-01-03T12:00:00Z
    assert lib.expire_args("cdc.t", p, now) == "table => 'cdc.t', older_than => TIMESTAMP '2026-01-03 11:00:00', retain_last => 10"
    assert lib.orphan_args("cdc.t", p, now) == "table => 'cdc.t', older_than => TIMESTAMP '2025-12-31 12:00:00', prefix_listing => true"
    assert "'delete-file-threshold', '1'" in lib.rewrite_data_files_args("cdc.t", p)
    assert "'partial-progress.enabled', 'true'" in lib.rewrite_data_files_args("cdc.t", p)
    assert lib.retention_delete_sql("minio.cdc.t_changelog", 7, now) == \
        "DELETE FROM minio.cdc.t_changelog WHERE commit_time < TIMESTAMP '2025-12-27 00:00:00'"
    assert "'history.expire.min-snapshots-to-keep'='10'" in lib.properties_ddl("minio.cdc.t", p)
