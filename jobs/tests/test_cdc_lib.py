"""Pure tests of jobs/cdc_lib.py: run with the host's python3 (`python3 -m pytest jobs/tests`), no Spark."""
import base64
import json
import os
import sys
from decimal import Decimal

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import cdc_lib as lib  # noqa: E402


# --- Debezium envelopes as the Connect image's JsonConverter writes them (schemas.enable=true) -------

def _row_schema(name, fields):
    return {"type": "struct", "optional": True, "name": name, "fields": fields}


USERS_FIELDS = [
    {"type": "int32", "optional": False, "field": "id"},
    {"type": "string", "optional": True, "field": "name"},
    {"type": "string", "optional": True, "field": "email"},
]
ORDERS_FIELDS = [
    {"type": "int32", "optional": False, "field": "id"},
    {"type": "int32", "optional": True, "field": "customer_id"},
    {"type": "bytes", "optional": True, "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
     "parameters": {"scale": "2", "connect.decimal.precision": "10"}, "field": "amount"},
    {"type": "string", "optional": True, "field": "status"},
]


def envelope(op, before, after, source, fields, name="dbserver1.public.users.Value", ts_ms=1700000000123):
    schema = {"type": "struct", "name": name.replace(".Value", ".Envelope"), "fields": [
        dict(_row_schema(name, fields), field="before"),
        dict(_row_schema(name, fields), field="after"),
        {"type": "struct", "field": "source", "fields": []},
        {"type": "string", "field": "op"},
        {"type": "int64", "optional": True, "field": "ts_ms"},
    ]}
    return json.dumps({"schema": schema, "payload": {
        "before": before, "after": after, "source": source, "op": op, "ts_ms": ts_ms}})


PG_SOURCE = {"connector": "postgresql", "db": "customer_db", "schema": "public", "table": "users",
             "lsn": 24023128, "txId": 771, "ts_ms": 1700000000000}
MY_SOURCE = {"connector": "mariadb", "db": "sales", "table": "orders", "file": "mysql-bin.000003",
             "pos": 1542, "row": 0, "ts_ms": 1700000000500}


def dec(text, scale):
    unscaled = int(Decimal(text).scaleb(scale))
    return base64.b64encode(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)).decode()


# --- parse_envelope ---------------------------------------------------------------------------------

def test_parses_a_postgres_update_with_its_full_before_state():
    e = lib.parse_envelope(envelope("u", {"id": 1, "name": "ada", "email": "a@x"},
                                    {"id": 1, "name": "ada", "email": "ada@x"}, PG_SOURCE, USERS_FIELDS))
    assert e.op == "u"
    assert e.before == {"id": 1, "name": "ada", "email": "a@x"}
    assert e.after["email"] == "ada@x"
    assert e.position == "lsn:24023128" and e.position_key == [24023128]
    assert e.source_ts_ms == 1700000000000 and e.ts_ms == 1700000000123
    assert [(f.name, f.sql_type, f.optional) for f in e.fields] == [
        ("id", "INT", False), ("name", "STRING", True), ("email", "STRING", True)]


def test_a_delete_keeps_the_removed_row_as_its_image():
    e = lib.parse_envelope(envelope("d", {"id": 7, "name": "x", "email": None}, None, PG_SOURCE, USERS_FIELDS))
    assert e.op == "d" and e.after is None and e.image == {"id": 7, "name": "x", "email": None}


@pytest.mark.parametrize("value", [None, b"", "", "null"])
def test_tombstones_are_skipped(value):
    assert lib.parse_envelope(value) is None


def test_truncate_and_message_events_are_skipped():
    assert lib.parse_envelope(json.dumps({"payload": {"op": "t", "source": {}}})) is None
    assert lib.parse_envelope(json.dumps({"payload": {"op": "m", "source": {}}})) is None


def test_rejects_values_that_are_not_change_events():
    with pytest.raises(lib.EnvelopeError):
        lib.parse_envelope("{not json")
    with pytest.raises(lib.EnvelopeError):
        lib.parse_envelope(json.dumps({"payload": {"op": "x"}}))
    with pytest.raises(lib.EnvelopeError):
        lib.parse_envelope("[1,2]")


def test_accepts_bytes_and_schemaless_json():
    e = lib.parse_envelope(json.dumps({"op": "c", "before": None, "after": {"id": 3, "name": "b"},
                                       "source": MY_SOURCE, "ts_ms": 1}).encode())
    assert e.after == {"id": 3, "name": "b"}
    assert [(f.name, f.sql_type) for f in e.fields] == [("id", "STRING"), ("name", "STRING")]


def test_decodes_precise_decimals_from_base64():
    e = lib.parse_envelope(envelope("c", None, {"id": 1, "customer_id": 9, "amount": dec("1234.50", 2), "status": "new"},
                                    MY_SOURCE, ORDERS_FIELDS, name="mysqlserver1.sales.orders.Value"))
    assert e.after["amount"] == "1234.50"
    assert [f.sql_type for f in e.fields] == ["INT", "INT", "DECIMAL(10,2)", "STRING"]
    neg = lib.logical_value(ORDERS_FIELDS[2], dec("-0.07", 2))
    assert neg == "-0.07"


def test_mysql_position_orders_binlog_files_by_number():
    label, key = lib.source_position(MY_SOURCE)
    assert label == "mysql-bin.000003:1542:0" and key == [3, 1542, 0]
    _, later = lib.source_position({**MY_SOURCE, "file": "mysql-bin.000010", "pos": 4})
    assert later > key
    assert lib.source_position({"ts_ms": 5}) == ("ts:5", [5])


@pytest.mark.parametrize("schema,value,expected", [
    ({"type": "int32", "name": "io.debezium.time.Date"}, 19723, "2024-01-01"),
    ({"type": "int64", "name": "io.debezium.time.MicroTimestamp"}, 1704067200123456, "2024-01-01 00:00:00.123456"),
    ({"type": "int64", "name": "io.debezium.time.Timestamp"}, 1704067200123, "2024-01-01 00:00:00.123000"),
    ({"type": "int64", "name": "io.debezium.time.MicroTime"}, 3723000001, "01:02:03.000001"),
    ({"type": "string", "name": "io.debezium.time.ZonedTimestamp"}, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ({"type": "struct"}, {"b": 1, "a": 2}, '{"a":2,"b":1}'),
    # MySQL BIT(12) b'101000000101' = 2565 = 0x0A05: Debezium's bytes, least significant first: 05 0A.
    ({"type": "bytes", "name": "io.debezium.data.Bits", "parameters": {"length": "12"}}, "BQo=", 2565),
    ({"type": "boolean"}, True, True),
    ({"type": "int32"}, None, None),
])
def test_logical_values(schema, value, expected):
    assert lib.logical_value(schema, value) == expected


@pytest.mark.parametrize("schema,expected", [
    ({"type": "int16"}, "INT"), ({"type": "int64"}, "BIGINT"), ({"type": "float64"}, "DOUBLE"),
    # What Kafka Connect's JsonConverter writes for FLOAT32 and FLOAT64 (Postgres real, double precision;
    # MySQL FLOAT, DOUBLE): seen on the stack, where both used to become STRING.
    ({"type": "float"}, "FLOAT"), ({"type": "double"}, "DOUBLE"),
    ({"type": "boolean"}, "BOOLEAN"), ({"type": "bytes"}, "BINARY"),
    ({"type": "int32", "name": "io.debezium.time.Date"}, "DATE"),
    ({"type": "int64", "name": "io.debezium.time.MicroTimestamp"}, "TIMESTAMP_NTZ"),
    ({"type": "string", "name": "io.debezium.time.ZonedTimestamp"}, "TIMESTAMP"),
    ({"type": "string", "name": "io.debezium.data.Json"}, "STRING"),
    ({"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": {"scale": "3"}}, "DECIMAL(38,3)"),
    ({"type": "array"}, "STRING"),
    ({"type": "bytes", "name": "io.debezium.data.Bits", "parameters": {"length": "12"}}, "BIGINT"),
    ({"type": "bytes", "name": "io.debezium.data.Bits", "parameters": {"length": "64"}}, "DECIMAL(20,0)"),
])
def test_spark_types(schema, expected):
    assert lib.spark_type(schema) == expected


# --- keys and the latest change per key -------------------------------------------------------------

def test_row_key_comes_from_after_or_from_before_on_delete():
    ins = lib.parse_envelope(envelope("c", None, {"id": 1, "name": "a", "email": None}, PG_SOURCE, USERS_FIELDS))
    dele = lib.parse_envelope(envelope("d", {"id": 1, "name": "a", "email": None}, None, PG_SOURCE, USERS_FIELDS))
    assert lib.row_key(ins, ["id"]) == lib.row_key(dele, ["id"]) == "[1]"
    with pytest.raises(lib.EnvelopeError):
        lib.row_key(ins, ["missing"])


def test_primary_key_from_config_by_topic_or_table_else_from_the_message_key():
    keys = lib.parse_primary_keys('{"dbserver1.public.users": ["id"], "sales.orders": "id"}')
    assert lib.primary_key_for("dbserver1.public.users", keys, []) == ["id"]
    assert lib.primary_key_for("mysqlserver1.sales.orders", keys, []) == ["id"]
    kafka_key = json.dumps({"schema": {"type": "struct", "fields": [{"field": "emp_no"}, {"field": "dept"}]},
                            "payload": {"emp_no": 1, "dept": "x"}})
    cols = lib.key_columns_from_kafka_key(kafka_key.encode())
    assert lib.primary_key_for("mysqlserver1.hr.employees", keys, cols) == ["emp_no", "dept"]
    with pytest.raises(lib.EnvelopeError):
        lib.primary_key_for("x.y.z", {}, [])
    with pytest.raises(ValueError):
        lib.parse_primary_keys('{"a": []}')
    assert lib.parse_primary_keys(None) == {}


def test_latest_change_per_key_follows_kafka_offset_not_arrival():
    changes = [
        {"key": "[1]", "partition": 0, "offset": 12, "position_key": [300], "op": "d"},
        {"key": "[2]", "partition": 0, "offset": 11, "position_key": [200], "op": "c"},
        {"key": "[1]", "partition": 0, "offset": 10, "position_key": [100], "op": "u"},
        {"key": "[1]", "partition": 0, "offset": 9, "position_key": [90], "op": "c"},
    ]
    latest = {c["key"]: c for c in lib.latest_per_key(changes)}
    assert latest["[1]"]["op"] == "d" and latest["[1]"]["offset"] == 12
    assert latest["[2]"]["op"] == "c"
    assert len(latest) == 2


def test_offset_wins_over_a_smaller_lsn_of_a_transaction_committed_after_a_snapshot():
    # A transaction that changed the row before the snapshot but committed after it carries a smaller
    # lsn than the snapshot's read event; Debezium still emits it later, so it must win.
    changes = [
        {"key": "[1]", "partition": 0, "offset": 5, "position_key": [150], "op": "r"},
        {"key": "[1]", "partition": 0, "offset": 6, "position_key": [90], "op": "u"},
    ]
    assert lib.latest_per_key(changes)[0]["op"] == "u"


def test_source_position_breaks_ties():
    a = {"key": "k", "partition": 0, "offset": 1, "position_key": [3, 10, 0]}
    b = {"key": "k", "partition": 0, "offset": 1, "position_key": [3, 10, 1]}
    assert lib.latest_per_key([b, a])[0] is b


# --- names, schema evolution and SQL -----------------------------------------------------------------

def test_table_names():
    assert lib.table_name("dbserver1.public.users") == "dbserver1_public_users"
    assert lib.table_name("mysqlserver1.sales.orders", "changelog") == "mysqlserver1_sales_orders_changelog"
    assert lib.table_name("a-b.C.d") == "a_b_c_d"


def test_schema_diff_adds_only_missing_columns_case_insensitively():
    fields = [lib.Field("id", "INT"), lib.Field("Name", "STRING"), lib.Field("phone", "STRING")]
    ddl = lib.add_columns_ddl("minio.cdc.t", ["id", "name", "_cdc_op"], fields)
    assert ddl == ["ALTER TABLE minio.cdc.t ADD COLUMN `phone` STRING"]
    assert lib.add_columns_ddl("t", ["id", "name", "phone"], fields) == []


def test_merge_fields_unions_in_order_and_keeps_the_latest_type():
    old = [lib.Field("id", "INT"), lib.Field("name", "STRING")]
    new = [lib.Field("id", "BIGINT"), lib.Field("name", "STRING"), lib.Field("phone", "STRING")]
    assert [(f.name, f.sql_type) for f in lib.merge_fields([old, new])] == [("id", "BIGINT"), ("name", "STRING"), ("phone", "STRING")]


def test_merge_fields_keeps_the_wider_of_two_types_iceberg_widens_in_either_order():
    old = [lib.Field("id", "INT"), lib.Field("amount", "DECIMAL(10,2)"), lib.Field("r", "FLOAT")]
    new = [lib.Field("id", "BIGINT"), lib.Field("amount", "DECIMAL(12,2)"), lib.Field("r", "DOUBLE")]
    for lists in ([old, new], [new, old]):
        assert [f.sql_type for f in lib.merge_fields(lists)] == ["BIGINT", "DECIMAL(12,2)", "DOUBLE"]
    # Not a widening: the later type wins as before (type_changes then sees it).
    assert lib.merge_fields([[lib.Field("a", "STRING")], [lib.Field("a", "INT")]])[0].sql_type == "INT"
    assert lib.merge_fields([[lib.Field("a", "DECIMAL(12,2)")], [lib.Field("a", "DECIMAL(12,3)")]])[0].sql_type == "DECIMAL(12,3)"


def test_create_ddl_includes_bookkeeping_columns():
    sql = lib.create_mirror_ddl("minio.cdc.t", [lib.Field("id", "INT"), lib.Field("amount", "DECIMAL(10,2)")])
    assert sql.startswith("CREATE TABLE IF NOT EXISTS minio.cdc.t (`id` INT, `amount` DECIMAL(10,2), `_cdc_op` STRING")
    assert "USING iceberg" in sql and "'format-version'='2'" in sql
    log = lib.create_changelog_ddl("minio.cdc.t_changelog")
    for name, _ in lib.CHANGELOG_COLUMNS:
        assert f"`{name}`" in log


def test_merge_sql_is_guarded_by_the_stored_kafka_offset():
    sql = lib.merge_sql("minio.cdc.t", "batch", [lib.Field("id", "INT"), lib.Field("name", "STRING")], ["id"])
    assert "ON t.`id` = s.`id`" in sql
    assert "WHEN MATCHED AND s._cdc_op = 'd' AND (CASE WHEN" in sql
    assert "ELSE (t._cdc_kafka_partition IS NULL" in sql
    assert "s._cdc_kafka_offset > t._cdc_kafka_offset" in sql
    assert "WHEN NOT MATCHED AND s._cdc_op <> 'd' THEN INSERT (`id`, `name`, `_cdc_op`" in sql


def test_image_projection_casts_text_to_each_type():
    fields = [lib.Field("id", "INT"), lib.Field("name", "STRING"), lib.Field("b", "BINARY")]
    assert lib.image_projection(fields) == [
        "CAST(image.`id` AS INT) AS `id`", "image.`name` AS `name`", "unbase64(image.`b`) AS `b`"]
    assert lib.text_schema(fields) == "`id` STRING, `name` STRING, `b` STRING"


# --- the flat row and idempotency --------------------------------------------------------------------

def test_flatten_a_record():
    key = json.dumps({"schema": {"type": "struct", "fields": [{"field": "id"}]}, "payload": {"id": 1}})
    value = envelope("u", {"id": 1, "name": "a", "email": None}, {"id": 1, "name": "b", "email": None}, PG_SOURCE, USERS_FIELDS)
    row = dict(zip(lib.FLAT_COLUMNS, lib.flatten("dbserver1.public.users", 0, 42, key.encode(), value.encode(), {})))
    assert row["op"] == "u" and row["row_key"] == "[1]" and row["offset"] == 42
    assert json.loads(row["image"]) == {"id": 1, "name": "b", "email": None}
    assert json.loads(row["before"])["name"] == "a"
    assert row["position"] == "lsn:24023128" and row["position_key"] == [24023128]
    assert row["source_ts_ms"] == 1700000000000 and row["event_ts_ms"] == 1700000000123
    assert [f.name for f in lib.fields_from_json(row["fields"])] == ["id", "name", "email"]
    assert json.loads(row["key_columns"]) == ["id"]
    assert lib.flatten("dbserver1.public.users", 0, 43, key, None, {}) is None


def test_last_batch_id_reads_only_this_jobs_snapshots():
    summaries = [
        {"operation": "append"},
        {lib.SNAPSHOT_JOB: "cdc", lib.SNAPSHOT_BATCH: "4"},
        {lib.SNAPSHOT_JOB: "cdc", lib.SNAPSHOT_BATCH: "12"},
        {lib.SNAPSHOT_JOB: "other", lib.SNAPSHOT_BATCH: "99"},
        None,
    ]
    assert lib.last_batch_id(summaries, "cdc") == 12
    assert lib.last_batch_id(summaries, "none") is None


# --- exactly once: the change's identity and position --------------------------------------------------

def test_change_id_is_the_source_position_transaction_op_and_key_not_the_kafka_offset():
    pg = lib.change_id("u", PG_SOURCE, "[1]", 0, 42)
    assert pg == "lsn:24023128|771|u|[1]"
    # The same change sent again after a Connect restart: a new Kafka offset, the same identity.
    assert lib.change_id("u", PG_SOURCE, "[1]", 0, 97) == pg
    assert lib.change_id("c", MY_SOURCE, "[1]", 0, 5) == "mysql-bin.000003:1542:0||c|[1]"
    # A primary-key update is a delete and a create at one position; snapshot reads share one position.
    assert lib.change_id("d", MY_SOURCE, "[1]", 0, 5) != lib.change_id("c", MY_SOURCE, "[2]", 0, 6)
    assert lib.change_id("r", PG_SOURCE, "[1]", 0, 1) != lib.change_id("r", PG_SOURCE, "[2]", 0, 2)
    # No log position: the Kafka coordinates (no deduplication, and never two changes taken for one).
    assert lib.change_id("u", {"ts_ms": 5}, "[1]", 1, 7) == "kafka:1:7"


def test_position_columns_and_ordered_position():
    assert lib.position_columns(PG_SOURCE) == (24023128, 771, None, None, None)
    assert lib.position_columns(MY_SOURCE) == (None, None, "mysql-bin.000003", 1542, 0)
    assert lib.position_columns({"ts_ms": 1}) == (None, None, None, None, None)
    assert lib.ordered_position(PG_SOURCE) == [24023128]
    assert lib.ordered_position({**MY_SOURCE, "row": 2}) == [3, 1542, 2]
    assert lib.ordered_position({"ts_ms": 1}) is None


def test_changelog_bounds_prune_to_the_batch_days_and_positions():
    stats = {"n": 3, "ts_min": 1700000000000, "ts_max": 1700000009000, "ts_nulls": 0,
             "lsn_min": 100, "lsn_max": 300, "lsn_nulls": 0, "pos_min": None, "pos_max": None, "pos_nulls": 3}
    assert lib.changelog_bounds(stats) == [
        # A day either side of the batch's commit times: 1700000000000 - 86400000, 1700000009000 + 86400000.
        "commit_time BETWEEN timestamp_millis(1699913600000) AND timestamp_millis(1700086409000)",
        "source_lsn BETWEEN 100 AND 300"]
    assert lib.changelog_bounds({**stats, "ts_nulls": 1, "lsn_nulls": 1}) == []
    assert lib.changelog_bounds({**stats, "n": 0}) == ["false"]


def test_merge_sql_compares_source_positions_of_streamed_changes():
    sql = lib.merge_sql("minio.cdc.t", "batch", [lib.Field("id", "INT")], ["id"])
    assert ("CASE WHEN s._cdc_op <> 'r' AND t._cdc_op <> 'r' AND s._cdc_position_key IS NOT NULL "
            "AND t._cdc_position_key IS NOT NULL THEN s._cdc_position_key > t._cdc_position_key ELSE") in sql


def test_flatten_carries_the_identity_and_position_columns():
    key = json.dumps({"schema": {"type": "struct", "fields": [{"field": "id"}]}, "payload": {"id": 1}})
    value = envelope("c", None, {"id": 1, "customer_id": 7, "amount": dec("1.00", 2), "status": "new"}, MY_SOURCE,
                     ORDERS_FIELDS, name="mysqlserver1.sales.orders.Value")
    row = dict(zip(lib.FLAT_COLUMNS, lib.flatten("mysqlserver1.sales.orders", 0, 9, key, value, {})))
    assert row["change_id"] == "mysql-bin.000003:1542:0||c|[1]"
    assert row["ordered_position"] == [3, 1542, 0]
    assert (row["source_lsn"], row["source_tx_id"], row["source_file"], row["source_pos"], row["source_row"]) == \
        (None, None, "mysql-bin.000003", 1542, 0)


# --- type changes at the source -----------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("DECIMAL(10, 2)", "decimal(10,2)"), ("decimal(10,2)", "decimal(10,2)"), (" Decimal ( 12 ,2 ) ", "decimal(12,2)"),
    ("NUMERIC(5)", "decimal(5,0)"), ("decimal", "decimal(10,0)"), ("INT", "int"), ("integer", "int"),
    ("long", "bigint"), ("BIGINT", "bigint"), ("String", "string"), ("TIMESTAMP_NTZ", "timestamp_ntz"),
    ("array<bigint>", "array<bigint>"),
])
def test_normalize_type(text, expected):
    assert lib.normalize_type(text) == expected


@pytest.mark.parametrize("old,new,ok", [
    ("int", "bigint", True), ("float", "double", True), ("decimal(10,2)", "decimal(12,2)", True),
    ("decimal(10,2)", "decimal(38,2)", True),
    ("bigint", "int", False), ("double", "float", False), ("decimal(12,2)", "decimal(10,2)", False),
    ("decimal(10,2)", "decimal(12,3)", False), ("decimal(10,2)", "decimal(10,3)", False),
    ("int", "decimal(20,0)", False), ("bigint", "decimal(20,0)", False), ("int", "double", False),
    ("int", "string", False), ("string", "int", False), ("timestamp_ntz", "timestamp", False),
])
def test_can_widen_only_icebergs_promotions(old, new, ok):
    assert lib.can_widen(old, new) is ok


def test_type_changes_widen_in_place_as_spark_reports_the_table():
    # `spark.table(t).schema` spells types in lower case; spark_type in upper case.
    existing = {"id": "int", "Amount": "decimal(10,2)", "ratio": "float", "name": "string", "_cdc_op": "string"}
    fields = [lib.Field("ID", "BIGINT"), lib.Field("amount", "DECIMAL(14,2)"), lib.Field("ratio", "DOUBLE"),
              lib.Field("name", "STRING")]
    ddl, bad = lib.type_changes("minio.cdc.t", existing, fields)
    assert ddl == ["ALTER TABLE minio.cdc.t ALTER COLUMN `ID` TYPE BIGINT",
                   "ALTER TABLE minio.cdc.t ALTER COLUMN `amount` TYPE DECIMAL(14,2)",
                   "ALTER TABLE minio.cdc.t ALTER COLUMN `ratio` TYPE DOUBLE"]
    assert bad == []


def test_a_legacy_string_column_of_a_float_or_double_stays_string_and_is_no_incompatible_change():
    existing = {"id": "int", "ratio": "string", "score": "string", "name": "string"}
    fields = [lib.Field("id", "INT"), lib.Field("ratio", "DOUBLE"), lib.Field("score", "FLOAT"), lib.Field("name", "INT")]
    ddl, bad = lib.type_changes("t", existing, fields)
    assert ddl == []
    assert [(b.column, b.old, b.new) for b in bad] == [("name", "string", "int")]
    kept = lib.keep_legacy_string_columns(existing, fields)
    assert [(f.name, f.sql_type) for f in kept] == [("id", "INT"), ("ratio", "STRING"), ("score", "STRING"), ("name", "INT")]
    # A mirror created with the real types keeps them.
    assert lib.keep_legacy_string_columns({"ratio": "double"}, [lib.Field("ratio", "DOUBLE")]) == [lib.Field("ratio", "DOUBLE")]


def test_type_changes_equal_types_and_new_columns_give_nothing():
    existing = {"id": "int", "amount": "decimal(10, 2)", "name": "string"}
    fields = [lib.Field("id", "INT"), lib.Field("amount", "DECIMAL(10,2)"), lib.Field("name", "STRING"),
              lib.Field("phone", "STRING")]
    assert lib.type_changes("t", existing, fields) == ([], [])


def test_a_longer_varchar_arrives_as_string_either_way():
    before = lib.spark_type({"type": "string"})  # varchar(50)
    after = lib.spark_type({"type": "string"})   # varchar(200) or text: Debezium sends a string either way
    assert lib.type_changes("t", {"name": before.lower()}, [lib.Field("name", after)]) == ([], [])
    # smallint -> int: both INT in Iceberg (Iceberg has no smallint).
    assert lib.type_changes("t", {"n": "int"}, [lib.Field("n", lib.spark_type({"type": "int32"}))]) == ([], [])
    assert lib.spark_type({"type": "int16"}) == lib.spark_type({"type": "int32"})


def test_type_changes_narrowing_scale_and_other_types_are_incompatible():
    existing = {"id": "bigint", "amount": "decimal(10,2)", "code": "string", "qty": "int", "ok": "int"}
    fields = [lib.Field("id", "INT"), lib.Field("amount", "DECIMAL(10,3)"), lib.Field("code", "INT"),
              lib.Field("qty", "STRING"), lib.Field("ok", "BIGINT")]
    ddl, bad = lib.type_changes("minio.cdc.t", existing, fields)
    assert ddl == ["ALTER TABLE minio.cdc.t ALTER COLUMN `ok` TYPE BIGINT"]
    assert bad == [lib.Incompatible("minio.cdc.t", "id", "bigint", "int"),
                   lib.Incompatible("minio.cdc.t", "amount", "decimal(10,2)", "decimal(10,3)"),
                   lib.Incompatible("minio.cdc.t", "code", "string", "int"),
                   lib.Incompatible("minio.cdc.t", "qty", "int", "string")]


def test_an_incompatible_change_names_table_column_types_and_the_way_out():
    change = lib.Incompatible("minio.cdc.dbserver1_public_users", "id", "bigint", "int")
    msg = change.message
    assert msg.startswith("minio.cdc.dbserver1_public_users: incompatible type change at the source "
                          "(column id bigint -> int)")
    assert "drop the mirror table" in msg and "incremental-snapshot signal" in msg
    assert "restore the source column's type" in msg
    err = lib.SchemaChangeError([change, lib.Incompatible("minio.cdc.dbserver1_public_users", "n", "string", "int")])
    assert err.changes[0] is change
    assert "(column id bigint -> int, column n string -> int)" in str(err)
    assert isinstance(err, Exception) and not isinstance(err, lib.EnvelopeError)


def test_the_stopped_property_ddl_quotes_the_message_as_a_spark_string_literal():
    ddl = lib.set_stopped_ddl("c.cdc.t", "it's a \\ path\nand more")
    assert ddl == "ALTER TABLE c.cdc.t SET TBLPROPERTIES ('lakehouse.cdc.stopped' = 'it\\'s a \\\\ path and more')"


def test_a_change_without_a_key_gives_a_marker_row_naming_the_table_instead_of_failing_the_batch():
    value = envelope("c", None, {"id": 1, "name": "a", "email": None}, PG_SOURCE, USERS_FIELDS)
    with pytest.raises(lib.MissingKeyError):
        lib.flatten("dbserver1.public.nokey", 0, 5, None, value, {})
    row = dict(zip(lib.FLAT_COLUMNS, lib.flatten_or_stop("dbserver1.public.nokey", 0, 5, None, value, {})))
    assert (row["topic"], row["partition"], row["offset"], row["op"]) == ("dbserver1.public.nokey", 0, 5, lib.STOP_OP)
    assert row["image"].startswith("dbserver1.public.nokey: no primary key")
    assert "primaryKey" in row["image"] and "execute-snapshot" in row["image"]
    assert [c for c, v in row.items() if v is not None] == ["topic", "partition", "offset", "op", "image"]
    # A declared key column missing from the row: the same marker, naming the column.
    missing = dict(zip(lib.FLAT_COLUMNS, lib.flatten_or_stop("dbserver1.public.nokey", 0, 6, None, value, {"dbserver1.public.nokey": ["uid"]})))
    assert missing["op"] == lib.STOP_OP and "['uid'] missing" in missing["image"]
    # A keyed change is flattened as before.
    assert lib.flatten_or_stop("dbserver1.public.users", 0, 7, None, value, {"dbserver1.public.users": ["id"]})[3] == "c"


def test_the_topic_list_is_the_comma_separated_subscribe_option():
    assert lib.topic_list("a.b.c, d.e.f,,") == ["a.b.c", "d.e.f"]
    assert lib.topic_list(None) == [] and lib.topic_list("") == []
    assert lib.topic_list(["a.b.c"]) == ["a.b.c"]


# --- Structured Streaming offset log (<checkpoint>/offsets/<batch id>), as Spark 4.1 writes it ----------

OFFSET_LOG_METADATA = json.dumps({"batchWatermarkMs": 0, "batchTimestampMs": 1796493727653, "conf": {
    "spark.sql.streaming.stateStore.providerClass":
        "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
    "spark.sql.shuffle.partitions": "200"}}, separators=(",", ":"))


def offset_log(*sources):
    """An offset-log file's text: version, metadata, one line per source (no trailing newline, as Spark)."""
    return "\n".join(["v1", OFFSET_LOG_METADATA, *sources])


def kafka_offsets(topics):
    """The Kafka source's offsets line: {topic: {partition: offset}} from {topic: [offset per partition]}."""
    return json.dumps({t: {str(p): o for p, o in enumerate(offsets)} for t, offsets in topics.items()},
                      separators=(",", ":"))


def test_the_offset_log_names_the_topics_of_the_kafka_source_offsets():
    text = offset_log(kafka_offsets({"dbserver1.public.users": [12, 7], "dbserver1.public.orders": [3]}))
    assert lib.offset_log_topics(text, "offsets/4") == ["dbserver1.public.orders", "dbserver1.public.users"]
    # A source without an offset yet is written as "-"; an empty Kafka offset names no topic.
    assert lib.offset_log_topics(offset_log("-"), "offsets/0") == []
    assert lib.offset_log_topics(offset_log("{}"), "offsets/0") == []
    assert lib.offset_log_topics(text + "\n", "offsets/4") == ["dbserver1.public.orders", "dbserver1.public.users"]


@pytest.mark.parametrize("text, message", [
    ("", r"not a Structured Streaming offset log of version v1"),
    ("v2\n{}\n{}", r"not a Structured Streaming offset log of version v1 \(first line 'v2'\)"),
    ("v1\n{}", r"offset log without a source line"),
    ("v1\n{batchWatermarkMs\n{}", r"the offset log's metadata line is not JSON"),
    ("v1\n{}\n{\"a.b.c\":{\"0\":", r"line 3 is not a source offset in JSON"),
    ("v1\n{}\n5", r"line 3 is not a Kafka source offset"),
    ("v1\n{}\n{\"a.b.c\":5}", r"line 3 is not a Kafka source offset"),
    ("v1\n{}\n{\"a.b.c\":{\"0\":\"5\"}}", r"line 3 is not a Kafka source offset"),
])
def test_a_malformed_offset_log_raises_naming_the_file(text, message):
    with pytest.raises(lib.CheckpointError, match=r"^s3a://lakehouse/checkpoints/cdc-mirror/offsets/9: " + message):
        lib.offset_log_topics(text, "s3a://lakehouse/checkpoints/cdc-mirror/offsets/9")


def test_the_newest_log_file_is_the_highest_batch_id_and_only_batch_files_count():
    names = ["0", "1", "2", "10", "9", ".10.crc", ".11.crc", ".11.3f2a6c1e-tmp.tmp", "11.tmp", "\u00b2\u00b2", "_spark_metadata"]
    assert lib.newest_log_file(names) == "10"
    assert lib.newest_log_file([".0.crc", "x"]) is None
    assert lib.newest_log_file([]) is None


def test_dropped_topics_are_those_of_the_checkpoint_the_subscription_lost():
    checkpoint = ["dbserver1.public.orders", "dbserver1.public.users", "mysqlserver1.inventory.customers"]
    assert lib.dropped_topics(checkpoint, "dbserver1.public.users, mysqlserver1.inventory.customers") == \
        ["dbserver1.public.orders"]
    # An added topic is not dropped; an unchanged list drops nothing; nothing checkpointed drops nothing.
    assert lib.dropped_topics(checkpoint, ",".join(checkpoint + ["dbserver1.public.items"])) == []
    assert lib.dropped_topics([], "dbserver1.public.users") == []
    assert lib.dropped_topics(checkpoint, "dbserver1.public.items") == checkpoint


def test_removed_table_names_are_the_jobs_names_of_the_removed_topics_and_never_a_live_ones():
    users, orders = "dbserver1.public.users", "mysqlserver1.sales.orders"
    assert lib.removed_table_names([orders, users], users) == \
        [(orders, [lib.table_name(orders), lib.table_name(orders, "changelog")])]
    assert lib.removed_table_names([orders], f"{orders},{users}") == []
    assert lib.removed_table_names([], users) == []
    # table_name folds case: a removed topic whose name a captured one shares keeps its tables.
    assert lib.removed_table_names(["dbserver1.public.Users"], users) == []
    # A removed topic named like another's changelog keeps only the name no captured topic has.
    assert lib.removed_table_names(["dbserver1.public.users_changelog"], users) == \
        [("dbserver1.public.users_changelog", ["dbserver1_public_users_changelog_changelog"])]
    assert lib.REMOVED_TABLES == ("keep", "drop")


def test_a_restart_reads_the_newest_committed_batch_and_any_batch_planned_after_it():
    offsets = ["8", "9", "10", "11", ".11.crc", ".12.5b0c.tmp"]
    commits = ["8", "9", "10", ".10.crc"]
    # Batch 11 was planned, not committed: it runs again from batch 10's offsets to its own.
    assert lib.restart_batches(offsets, commits) == ["10", "11"]
    assert lib.restart_batches(offsets, commits + ["11"]) == ["11"]
    # Nothing committed yet: every planned batch counts; no checkpoint, nothing.
    assert lib.restart_batches(["0"], []) == ["0"]
    assert lib.restart_batches([], []) == []


def test_progress_read_offsets_sums_each_topics_partitions_from_the_last_progress():
    progress = {"batchId": 7, "sources": [{"description": "KafkaV2[Subscribe[a,b]]",
                                           "startOffset": {"a": {"0": 3}}, "endOffset": {"a": {"0": 5}, "b": {"0": 2, "1": 4}}}]}
    assert lib.progress_read_offsets(progress) == {"a": 5, "b": 6}
    # PySpark may hand the offsets over as JSON text.
    assert lib.progress_read_offsets({"sources": [{"endOffset": '{"a": {"0": 9}}'}]}) == {"a": 9}
    # PySpark 4.1.3 hands them over as the Python repr of the offsets (seen from a Kafka source's lastProgress):
    # json cannot read it, and without reading it make status took every tombstone at a topic's end for lag.
    assert lib.progress_read_offsets({"sources": [{"endOffset": "{'dbserver1.public.users': {'0': 556}}"}]}) == {"dbserver1.public.users": 556}
    assert lib.progress_read_offsets({"sources": [{"endOffset": "{'a': {'0': 2}"}]}) == {}  # unreadable: skipped
    assert lib.progress_read_offsets({"sources": [{"endOffset": "__import__('os')"}]}) == {}  # no code runs
    assert lib.progress_read_offsets(None) == {}
    assert lib.progress_read_offsets({"sources": [{"endOffset": None}]}) == {}


def test_offset_log_positions_sum_each_topics_partitions_of_the_batch():
    text = "v1\n" + json.dumps({"batchWatermarkMs": 0}) + "\n" + json.dumps({"a.b.c": {"0": 7, "1": 5}, "a.b.d": {"0": 2}})
    assert lib.offset_log_positions(text, "offsets/4") == {"a.b.c": 12, "a.b.d": 2}
    with pytest.raises(lib.CheckpointError, match="offsets/5: line 3 is not a Kafka source offset"):
        lib.offset_log_positions("v1\n{}\n[1]", "offsets/5")


def test_kafka_client_options_prefix_each_setting_with_kafka_and_keep_the_value_whole():
    text = ("# a secured cluster\n"
            "security.protocol=SASL_SSL\n\n"
            'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="cdc" password="a=b";\n'
            "ssl.truststore.location = /opt/lakehouse/kafka/ca.pem\n")
    assert lib.kafka_client_options(text) == {
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="cdc" password="a=b";',
        "kafka.ssl.truststore.location": "/opt/lakehouse/kafka/ca.pem",
    }
    assert lib.kafka_client_options("") == {}


def test_kafka_client_options_name_a_bad_line_by_number_and_never_quote_it():
    with pytest.raises(ValueError) as e:
        lib.kafka_client_options("security.protocol=SASL_SSL\nsecret-without-equals\n")
    assert str(e.value) == "Kafka client settings, line 2: not key=value"
    with pytest.raises(ValueError, match="line 1"):
        lib.kafka_client_options("=x\n")
