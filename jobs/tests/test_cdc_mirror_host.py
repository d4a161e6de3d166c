"""The job's schema-change handling (ensure_tables, stop_topic) against a fake Spark session: host python3,
no pyspark. The whole foreachBatch sink with a real Spark is in test_cdc_mirror_spark.py."""
import argparse
import logging
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import cdc_lib as lib  # noqa: E402
import cdc_mirror  # noqa: E402


class _Type:
    def __init__(self, text):
        self.text = text

    def simpleString(self):  # noqa: N802 (pyspark's name)
        return self.text


class _Field:
    def __init__(self, name, text):
        self.name, self.dataType = name, _Type(text)


class _Schema:
    def __init__(self, cols):
        self.fields = [_Field(n, t) for n, t in cols.items()]


class _Table:
    def __init__(self, cols):
        self.schema = _Schema(cols)


class _Result:
    def __init__(self, rows):
        self.rows = rows

    def collect(self):
        return self.rows


class FakeSpark:
    """Records every statement; keeps column -> type per table and applies ADD COLUMN / ALTER COLUMN TYPE."""

    def __init__(self, tables):
        self.tables = {k: dict(v) for k, v in tables.items()}
        self.statements = []

    def sql(self, statement):
        self.statements.append(statement)
        m = re.match(r"ALTER TABLE (\S+) ADD COLUMN `([^`]+)` (.+)$", statement)
        if m:
            self.tables[m.group(1)][m.group(2)] = m.group(3).lower()
        m = re.match(r"ALTER TABLE (\S+) ALTER COLUMN `([^`]+)` TYPE (.+)$", statement)
        if m:
            cols = self.tables[m.group(1)]
            name = next(c for c in cols if c.lower() == m.group(2).lower())
            cols[name] = lib.normalize_type(m.group(3))
        if statement.startswith("SHOW CREATE TABLE"):
            return _Result([("CREATE TABLE x (...) USING iceberg PARTITIONED BY (days(commit_time))",)])
        return _Result([])

    def table(self, name):
        return _Table(self.tables[name])


MIRROR = "test.cdc.dbserver1_public_users"
CHANGELOG = MIRROR + "_changelog"
TOPIC = "dbserver1.public.users"


def _existing(**source_cols):
    mirror = {**source_cols, **{n: lib.normalize_type(t) for n, t in lib.META_COLUMNS}}
    return {MIRROR: mirror, CHANGELOG: {n: lib.normalize_type(t) for n, t in lib.CHANGELOG_COLUMNS}}


def _sink():
    return cdc_mirror.Mirror(argparse.Namespace(catalog="test", namespace="cdc", table_prefix="", job_name="t", keys={}))


def test_a_widened_source_type_widens_the_mirror_column_in_place(caplog):
    spark = FakeSpark(_existing(id="int", name="string", amount="decimal(10,2)"))
    sink = _sink()
    fields = [lib.Field("id", "BIGINT"), lib.Field("name", "STRING"), lib.Field("amount", "DECIMAL(12,2)"),
              lib.Field("phone", "STRING")]
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        cols = sink.ensure_tables(spark, TOPIC, fields)
    alters = [s for s in spark.statements if s.startswith(f"ALTER TABLE {MIRROR} ")]
    assert alters == [f"ALTER TABLE {MIRROR} ADD COLUMN `phone` STRING",
                      f"ALTER TABLE {MIRROR} ALTER COLUMN `id` TYPE BIGINT",
                      f"ALTER TABLE {MIRROR} ALTER COLUMN `amount` TYPE DECIMAL(12,2)"]
    assert "phone" in cols
    assert sink.column_types[TOPIC]["id"] == "bigint" and sink.column_types[TOPIC]["amount"] == "decimal(12,2)"
    assert f"schema change: ALTER TABLE {MIRROR} ALTER COLUMN `id` TYPE BIGINT" in caplog.text
    # The next batch with the same fields: nothing more to do.
    spark.statements.clear()
    sink.ensure_tables(spark, TOPIC, fields)
    assert spark.statements == []


def test_an_incompatible_change_raises_before_any_ddl_on_the_mirror():
    spark = FakeSpark(_existing(id="bigint", name="string"))
    sink = _sink()
    sink.ensure_tables(spark, TOPIC, [lib.Field("id", "BIGINT"), lib.Field("name", "STRING")])
    spark.statements.clear()
    with pytest.raises(lib.SchemaChangeError) as e:
        # A narrowed id and a new column in one batch: the column is not added either.
        sink.ensure_tables(spark, TOPIC, [lib.Field("id", "INT"), lib.Field("name", "STRING"), lib.Field("phone", "STRING")])
    assert e.value.changes == [lib.Incompatible(MIRROR, "id", "bigint", "int")]
    assert spark.statements == []
    assert spark.tables[MIRROR]["id"] == "bigint" and "phone" not in spark.tables[MIRROR]


def test_an_incompatible_change_on_first_sight_of_an_existing_mirror_raises_too():
    spark = FakeSpark(_existing(id="int", name="string"))
    with pytest.raises(lib.SchemaChangeError, match=r"column name string -> int"):
        _sink().ensure_tables(spark, TOPIC, [lib.Field("id", "INT"), lib.Field("name", "INT")])
    assert not [s for s in spark.statements if s.startswith(f"ALTER TABLE {MIRROR} ")]


def test_a_stopped_topic_is_recorded_for_the_heartbeat_and_logged_once(caplog):
    sink = _sink()
    err = lib.SchemaChangeError([lib.Incompatible(MIRROR, "id", "bigint", "int")])
    before = sink.status["stopped_tables"]
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        sink.stop_topic(TOPIC, err, 3, 7)
    assert sink.status["stopped_tables"] == {TOPIC: str(err)}
    assert before == {} and sink.status["stopped_tables"] is not before  # replaced, never mutated
    assert sink.status["stopped_changes_skipped"] == 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and TOPIC in errors[0].getMessage() and "bigint -> int" in errors[0].getMessage()
