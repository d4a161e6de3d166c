"""Pure helpers of the CDC mirror job: no Spark import, so the host's python3 tests them.

Debezium's JsonConverter (schemas.enable=true, the Connect image's default) writes each change as
``{"schema": ..., "payload": {"before", "after", "op", "source", "ts_ms"}}`` and follows a delete with a
tombstone (a null value). This module turns such a value into an event with logical values (decimals
decoded, dates and timestamps as ISO text), the table's field list as Spark SQL types, the source
position, and the row key; it picks the latest change per key and diffs a table's columns against the
field list and their types (the DDL that schema evolution needs, and the type changes Iceberg cannot take).
"""
from __future__ import annotations

import ast
import base64
import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

OPS = ("c", "u", "d", "r")
"""Debezium operations: create, update, delete, read (snapshot). Truncate ("t") and message ("m") are
not row changes and are skipped."""

# Mirror bookkeeping columns, beside the source's own.
META_COLUMNS: List[Tuple[str, str]] = [
    ("_cdc_op", "STRING"),
    ("_cdc_source_ts_ms", "BIGINT"),
    ("_cdc_position", "STRING"),
    ("_cdc_kafka_partition", "INT"),
    ("_cdc_kafka_offset", "BIGINT"),
    # The source position of the applied change (ordered_position), compared before a change is applied:
    # a change Debezium sends again after a Connect restart is older than (or equal to) the row's.
    ("_cdc_position_key", "ARRAY<BIGINT>"),
]

CHANGELOG_COLUMNS: List[Tuple[str, str]] = [
    ("op", "STRING"),
    ("before", "STRING"),
    ("after", "STRING"),
    ("source_position", "STRING"),
    ("source_ts_ms", "BIGINT"),
    ("commit_time", "TIMESTAMP"),
    ("event_ts_ms", "BIGINT"),
    ("source", "STRING"),
    ("kafka_topic", "STRING"),
    ("kafka_partition", "INT"),
    ("kafka_offset", "BIGINT"),
    ("batch_id", "BIGINT"),
    # Added in place to existing changelogs (ALTER TABLE ... ADD COLUMN, no rewrite); null in older rows.
    ("row_key", "STRING"),
    ("change_id", "STRING"),
    ("source_lsn", "BIGINT"),
    ("source_tx_id", "BIGINT"),
    ("source_file", "STRING"),
    ("source_pos", "BIGINT"),
    ("source_row", "INT"),
]

EPOCH = dt.datetime(1970, 1, 1)
EPOCH_DATE = dt.date(1970, 1, 1)


class EnvelopeError(ValueError):
    """A Kafka value that is not a Debezium change event."""


class MissingKeyError(EnvelopeError):
    """A change of a table the job has no key for (none declared, no Debezium message key, or a declared key
    column missing from the row): its table alone stops, like an incompatible schema change."""

    def __init__(self, topic: str, detail: str):
        self.topic = topic
        super().__init__(
            f"{topic}: {detail}. The job merges the mirror by a primary key, so this table's changes are no "
            "longer applied (its mirror and changelog stay as they were; other tables flow). Way out: declare "
            "the table's primaryKey in the stack (or set Debezium's message.key.columns for it), unset the "
            f"mirror's table property {STOPPED_PROPERTY} if it has one, restart the CDC job and re-snapshot the "
            "table through a Debezium incremental-snapshot signal (execute-snapshot).")


@dataclass(frozen=True)
class Field:
    """A column of the captured table, as Spark SQL sees it."""

    name: str
    sql_type: str
    optional: bool = True


@dataclass
class ChangeEvent:
    op: str
    before: Optional[Dict[str, Any]]
    after: Optional[Dict[str, Any]]
    source: Dict[str, Any]
    ts_ms: Optional[int]
    fields: List[Field]
    position: str
    position_key: List[int]
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def image(self) -> Optional[Dict[str, Any]]:
        """The row the change leaves behind, or for a delete the row it removed (its key at least)."""
        return self.before if self.op == "d" else self.after

    @property
    def source_ts_ms(self) -> Optional[int]:
        return self.source.get("ts_ms")


# ---------------------------------------------------------------------------------------------------
# Types: Kafka Connect schema -> Spark SQL type, and Debezium's encoded values -> logical values.

_SEMANTIC_TYPES = {
    "org.apache.kafka.connect.data.Date": "DATE",
    "io.debezium.time.Date": "DATE",
    "org.apache.kafka.connect.data.Timestamp": "TIMESTAMP_NTZ",
    "io.debezium.time.Timestamp": "TIMESTAMP_NTZ",
    "io.debezium.time.MicroTimestamp": "TIMESTAMP_NTZ",
    "io.debezium.time.NanoTimestamp": "TIMESTAMP_NTZ",
    "io.debezium.time.ZonedTimestamp": "TIMESTAMP",
    "io.debezium.time.Year": "INT",
}
_PRIMITIVE_TYPES = {
    "int8": "INT", "int16": "INT", "int32": "INT", "int64": "BIGINT",
    # Kafka Connect's JsonConverter writes FLOAT32 and FLOAT64 schemas as "float" and "double" (the
    # Schema.Type names float32/float64 are kept for schemas built in code).
    "float": "FLOAT", "double": "DOUBLE", "float32": "FLOAT", "float64": "DOUBLE",
    "boolean": "BOOLEAN", "string": "STRING", "bytes": "BINARY",
}


def spark_type(schema: Dict[str, Any]) -> str:
    """Spark SQL type of a Kafka Connect field schema. Iceberg has no TINYINT/SMALLINT: they widen to INT;
    MySQL BIT(n > 1) becomes the number its bits spell; times of day, JSON, enums, structs, arrays and
    maps become STRING."""
    name = schema.get("name")
    if name == "org.apache.kafka.connect.data.Decimal":
        params = schema.get("parameters") or {}
        scale = int(params.get("scale", 0))
        precision = int(params.get("connect.decimal.precision", 38))
        precision = max(1, min(precision, 38))
        return f"DECIMAL({precision},{min(scale, precision)})"
    if name in _SEMANTIC_TYPES:
        return _SEMANTIC_TYPES[name]
    if name == "io.debezium.data.Bits":
        # MySQL BIT(2..64): the bits as an unsigned number (BIT(1) arrives as a boolean).
        return "BIGINT" if int((schema.get("parameters") or {}).get("length", 64)) < 64 else "DECIMAL(20,0)"
    if name and (name.startswith("io.debezium.time.") or name.startswith("io.debezium.data.")):
        return "STRING"
    t = schema.get("type")
    if t in _PRIMITIVE_TYPES:
        return _PRIMITIVE_TYPES[t]
    return "STRING"


def logical_value(schema: Dict[str, Any], value: Any) -> Any:
    """Debezium's wire value as JSON-ready logical value: decimals and times as text Spark can CAST."""
    if value is None:
        return None
    name = schema.get("name")
    t = schema.get("type")
    if name == "org.apache.kafka.connect.data.Decimal":
        scale = int((schema.get("parameters") or {}).get("scale", 0))
        if isinstance(value, str):
            unscaled = int.from_bytes(base64.b64decode(value), "big", signed=True)
            return format(Decimal(unscaled).scaleb(-scale), "f")
        return format(Decimal(str(value)), "f")
    if name == "io.debezium.data.VariableScaleDecimal" and isinstance(value, dict):
        unscaled = int.from_bytes(base64.b64decode(value["value"]), "big", signed=True)
        return format(Decimal(unscaled).scaleb(-int(value["scale"])), "f")
    if name == "io.debezium.data.Bits":
        # Debezium sends the bits as bytes, least significant byte first.
        return int.from_bytes(base64.b64decode(value) if isinstance(value, str) else bytes(value), "little", signed=False)
    if name in ("org.apache.kafka.connect.data.Date", "io.debezium.time.Date"):
        return (EPOCH_DATE + dt.timedelta(days=int(value))).isoformat()
    if name in ("org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp"):
        return _iso(EPOCH + dt.timedelta(milliseconds=int(value)))
    if name == "io.debezium.time.MicroTimestamp":
        return _iso(EPOCH + dt.timedelta(microseconds=int(value)))
    if name == "io.debezium.time.NanoTimestamp":
        return _iso(EPOCH + dt.timedelta(microseconds=int(value) // 1000))
    if name in ("io.debezium.time.Time", "org.apache.kafka.connect.data.Time"):
        return _time_of_day(int(value) * 1000)
    if name == "io.debezium.time.MicroTime":
        return _time_of_day(int(value))
    if name == "io.debezium.time.NanoTime":
        return _time_of_day(int(value) // 1000)
    if t in ("struct", "array", "map"):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def _iso(ts: dt.datetime) -> str:
    return ts.isoformat(sep=" ", timespec="microseconds")


def _time_of_day(micros: int) -> str:
    return (dt.datetime.min + dt.timedelta(microseconds=micros)).time().isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------------------------------
# The envelope.

def parse_envelope(value: Any) -> Optional[ChangeEvent]:
    """A Debezium JSON value (text, bytes or already parsed) as a ChangeEvent; None for a tombstone or a
    non-row event (truncate, message). Accepts values with or without the schema wrapper."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        if value.strip() in ("", "null"):
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise EnvelopeError(f"not JSON: {e}") from e
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EnvelopeError("a change event must be a JSON object")
    schema = value.get("schema") if "payload" in value else None
    payload = value["payload"] if "payload" in value else value
    if payload is None:
        return None
    op = payload.get("op")
    if op not in OPS:
        if op in ("t", "m"):
            return None
        raise EnvelopeError(f"unknown op {op!r}")
    row_schemas = row_field_schemas(schema)
    before = _logical_row(payload.get("before"), row_schemas)
    after = _logical_row(payload.get("after"), row_schemas)
    source = payload.get("source") or {}
    fields = [Field(f["field"], spark_type(f), bool(f.get("optional", True))) for f in row_schemas]
    if not fields:
        # Schemaless JSON (schemas.enable=false): every column as text, names from the row itself.
        fields = [Field(k, "STRING") for k in (after or before or {})]
    label, key = source_position(source)
    return ChangeEvent(op=op, before=before, after=after, source=source, ts_ms=payload.get("ts_ms"),
                       fields=fields, position=label, position_key=key)


def row_field_schemas(schema: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The field schemas of the row struct (`after`, else `before`) in an envelope's schema."""
    if not schema:
        return []
    by_name = {f.get("field"): f for f in schema.get("fields", [])}
    row = by_name.get("after") or by_name.get("before")
    return list(row.get("fields", [])) if row else []


def _logical_row(row: Optional[Dict[str, Any]], schemas: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if row is None:
        return None
    by_name = {f["field"]: f for f in schemas}
    return {k: logical_value(by_name.get(k, {}), v) for k, v in row.items()}


_BINLOG_INDEX = re.compile(r"\.(\d+)$")


def source_position(source: Dict[str, Any]) -> Tuple[str, List[int]]:
    """The change's position in the source's log, as a label and a sortable key.

    Postgres: ``lsn`` (and ``txId``). MySQL/MariaDB: binlog ``file`` + ``pos`` + ``row``; the file's
    numeric suffix orders files. Anything else: the source's ``ts_ms``.
    """
    if source.get("lsn") is not None:
        lsn = int(source["lsn"])
        return f"lsn:{lsn}", [lsn]
    if source.get("file") is not None:
        f = str(source["file"])
        pos = int(source.get("pos") or 0)
        row = int(source.get("row") or 0)
        m = _BINLOG_INDEX.search(f)
        return f"{f}:{pos}:{row}", [int(m.group(1)) if m else 0, pos, row]
    ts = int(source.get("ts_ms") or 0)
    return f"ts:{ts}", [ts]


def _int(v: Any) -> Optional[int]:
    return None if v is None or v == "" else int(v)


def position_columns(source: Dict[str, Any]) -> Tuple[Optional[int], Optional[int], Optional[str], Optional[int], Optional[int]]:
    """The changelog's typed position columns: (source_lsn, source_tx_id, source_file, source_pos, source_row).
    Postgres fills the first two, MySQL/MariaDB the last three."""
    if source.get("lsn") is not None:
        return int(source["lsn"]), _int(source.get("txId")), None, None, None
    if source.get("file") is not None:
        return None, None, str(source["file"]), int(source.get("pos") or 0), int(source.get("row") or 0)
    return None, None, None, None, None


def ordered_position(source: Dict[str, Any]) -> Optional[List[int]]:
    """The position as a key that orders the changes of one row in source commit order, or None when the
    source has no log position (the `ts:` fallback, where two changes may share a millisecond).

    Postgres: the change's LSN (a row's changes are serialised by its lock, so a later change of the same
    row has a larger LSN). MySQL/MariaDB: binlog file number, position, row. Snapshot reads (op `r`) carry
    the snapshot's position and are never compared (see merge_sql)."""
    if source.get("lsn") is None and source.get("file") is None:
        return None
    return source_position(source)[1]


def change_id(op: str, source: Dict[str, Any], key: str, partition: int, offset: int) -> str:
    """What identifies one source change in the changelog, the same for every copy Debezium sends.

    The source position (Postgres `lsn:<lsn>` and the transaction id; MySQL/MariaDB `<file>:<pos>:<row>`),
    the op and the row's key: snapshot reads share one position and a primary-key update is a delete and a
    create at one position, so the key and op tell them apart. A source without a log position has no
    identity that survives a resend: its Kafka coordinates are used (no deduplication, no false merges)."""
    if source.get("lsn") is None and source.get("file") is None:
        return f"kafka:{partition}:{offset}"
    label = source_position(source)[0]
    tx = source.get("txId")
    return f"{label}|{'' if tx is None else tx}|{op}|{key}"


# ---------------------------------------------------------------------------------------------------
# Keys, ordering and the latest change per key.

def row_key(event: ChangeEvent, primary_key: Sequence[str], topic: str = "?") -> str:
    """The row's key as canonical JSON of its primary-key values (from `after`, or `before` for deletes)."""
    image = event.image or {}
    missing = [c for c in primary_key if c not in image]
    if missing:
        raise MissingKeyError(topic, f"primary key column(s) {missing} missing from the {event.op!r} event's row")
    return json.dumps([image[c] for c in primary_key], separators=(",", ":"), default=str)


def key_columns_from_kafka_key(key: Any) -> List[str]:
    """Primary-key columns from a Debezium message key ({schema, payload:{id:..}} or {id:..})."""
    if key is None:
        return []
    if isinstance(key, (bytes, bytearray)):
        key = key.decode("utf-8")
    if isinstance(key, str):
        key = json.loads(key)
    if isinstance(key, dict) and "payload" in key and "schema" in key:
        schema = key.get("schema") or {}
        names = [f["field"] for f in schema.get("fields", [])]
        return names or list((key.get("payload") or {}).keys())
    return list(key.keys()) if isinstance(key, dict) else []


def order_key(partition: int, offset: int, position_key: Sequence[int]) -> Tuple[int, int, Tuple[int, ...]]:
    """Sort key of a change: Kafka offset within its partition first (Debezium emits in source commit
    order, and a key always lands in one partition), the source position breaking ties."""
    return (partition, offset, tuple(position_key))


def latest_per_key(changes: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The last change of every key. Each change is a dict with `key`, `partition`, `offset` and
    `position_key`; the result keeps one change per key, in key order of first appearance."""
    best: Dict[str, Dict[str, Any]] = {}
    order: List[str] = []
    for c in changes:
        k = c["key"]
        if k not in best:
            order.append(k)
            best[k] = c
        elif order_key(c["partition"], c["offset"], c["position_key"]) > \
                order_key(best[k]["partition"], best[k]["offset"], best[k]["position_key"]):
            best[k] = c
    return [best[k] for k in order]


# ---------------------------------------------------------------------------------------------------
# Names, schema evolution and SQL text.

_IDENT = re.compile(r"[^A-Za-z0-9_]")


def kafka_client_options(text: str) -> Dict[str, str]:
    """Kafka client settings from `key=value` lines (blank lines and # comments skipped) as options of
    Spark's Kafka source, `kafka.<key>`. A line without `=` or with an empty key is an error naming its
    number only: the file holds the login, so no line is ever quoted."""
    options: Dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"Kafka client settings, line {number}: not key=value")
        options["kafka." + key.strip()] = value.strip()
    return options


def table_name(topic: str, suffix: str = "") -> str:
    """Iceberg table name of a topic: `dbserver1.public.users` -> `dbserver1_public_users`."""
    name = _IDENT.sub("_", topic).lower()
    return f"{name}_{suffix}" if suffix else name


def quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def merge_fields(field_lists: Iterable[Sequence[Field]]) -> List[Field]:
    """Union of field lists in order of first appearance; a later type of the same column wins, except
    that of two types one of which Iceberg widens to the other the wider one stays, in either order: a
    micro-batch that straddles a widening at the source (decimal(10,2) -> decimal(12,2) has field lists of
    one length, so their order is arbitrary) takes the new type, and the old values fit it."""
    out: Dict[str, Field] = {}
    for fields in field_lists:
        for f in fields:
            k = f.name.lower()
            if k not in out:
                out[k] = f
                continue
            kept = out[k]
            wider = can_widen(normalize_type(f.sql_type), normalize_type(kept.sql_type))
            out[k] = Field(kept.name, kept.sql_type if wider else f.sql_type, f.optional)
    return list(out.values())


def missing_columns(existing: Iterable[str], fields: Sequence[Field]) -> List[Field]:
    """Fields the table lacks (case-insensitive, like Spark's resolver)."""
    have = {c.lower() for c in existing}
    return [f for f in fields if f.name.lower() not in have]


def add_columns_ddl(table: str, existing: Iterable[str], fields: Sequence[Field]) -> List[str]:
    """ALTER TABLE statements that add the source's new columns (always nullable in Iceberg)."""
    return [f"ALTER TABLE {table} ADD COLUMN {quote(f.name)} {f.sql_type}" for f in missing_columns(existing, fields)]


# Type changes at the source. Iceberg changes a column's type in place (metadata only, no rewrite) for
# these promotions alone: int -> bigint, float -> double, decimal(p,s) -> decimal(p',s) with p' > p.
_TYPE_ALIASES = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint", "real": "float",
                 "decimal": "decimal(10,0)", "dec": "decimal(10,0)", "numeric": "decimal(10,0)"}
_DECIMAL = re.compile(r"^(?:decimal|dec|numeric)\((\d+)(?:,(\d+))?\)$")
_PROMOTIONS = {("int", "bigint"), ("float", "double")}
WIDENINGS = "int -> bigint, float -> double, decimal(p,s) -> decimal(p',s) with p' > p"


def normalize_type(text: str) -> str:
    """A Spark/Iceberg type as comparable text: lower case, no spaces, Spark's aliases resolved
    ('DECIMAL(10, 2)' -> 'decimal(10,2)', 'INTEGER' -> 'int', 'LONG' -> 'bigint', 'NUMERIC(5)' -> 'decimal(5,0)')."""
    t = re.sub(r"\s+", "", text).lower()
    m = _DECIMAL.match(t)
    if m:
        return f"decimal({int(m.group(1))},{int(m.group(2) or 0)})"
    return _TYPE_ALIASES.get(t, t)


def _decimal(t: str) -> Optional[Tuple[int, int]]:
    m = _DECIMAL.match(t)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else None


def can_widen(old: str, new: str) -> bool:
    """Whether Iceberg changes a column from `old` to `new` in place (normalised types, see normalize_type)."""
    if (old, new) in _PROMOTIONS:
        return True
    a, b = _decimal(old), _decimal(new)
    return a is not None and b is not None and b[1] == a[1] and b[0] > a[0]


@dataclass(frozen=True)
class Incompatible:
    """A source column whose new type Iceberg cannot take in place (narrowing, scale change, other type)."""

    table: str
    column: str
    old: str
    new: str

    @property
    def message(self) -> str:
        return incompatible_message([self])


# The mirror table property that marks a table stopped by an incompatible schema change (its value: the
# message naming table, column, old and new type and the way out). Unset it to let the table flow again.
STOPPED_PROPERTY = "lakehouse.cdc.stopped"


def incompatible_message(changes: Sequence["Incompatible"]) -> str:
    """What the operator reads (job log, heartbeat, `make status`): table, columns, old and new types, and the
    way out."""
    table = changes[0].table if changes else "?"
    cols = ", ".join(f"column {c.column} {c.old} -> {c.new}" for c in changes)
    return (f"{table}: incompatible type change at the source ({cols}); Iceberg changes a type in place only "
            f"for {WIDENINGS}. The table's changes are no longer applied (its mirror and changelog stay as "
            "they were; other tables flow). Way out: drop the mirror table (the changelog may stay), restart "
            "the CDC job and re-snapshot the table through a Debezium incremental-snapshot signal "
            "(execute-snapshot); or restore the source column's type, unset the mirror's table property "
            f"{STOPPED_PROPERTY} (ALTER TABLE ... UNSET TBLPROPERTIES), restart the CDC job and re-snapshot the "
            "table the same way (the changes made while it was stopped were skipped).")


def set_stopped_ddl(table: str, message: str) -> str:
    """`ALTER TABLE ... SET TBLPROPERTIES` marking `table` stopped with `message` (a Spark SQL string literal)."""
    literal = message.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ")
    return f"ALTER TABLE {table} SET TBLPROPERTIES ('{STOPPED_PROPERTY}' = '{literal}')"


class SchemaChangeError(Exception):
    """A topic's source schema changed in a way the mirror cannot follow: the job stops that table alone."""

    def __init__(self, changes: Sequence[Incompatible]):
        self.changes = list(changes)
        super().__init__(incompatible_message(self.changes))


def type_changes(table: str, existing: Dict[str, str], fields: Sequence[Field]) -> Tuple[List[str], List[Incompatible]]:
    """The source fields' types against the table's (`existing`: column -> type text as
    `spark.table(t).schema` gives it, e.g. 'int', 'decimal(10,2)'); compared case-insensitively, spaces
    ignored, columns matched case-insensitively. Returns the DDL of Iceberg's in-place promotions
    (`ALTER TABLE t ALTER COLUMN c TYPE new`: int -> bigint, float -> double, decimal(p,s) -> decimal(p',s)
    with p' > p) and every other change as Incompatible (narrowing such as bigint -> int, a decimal scale
    change, string -> int, int -> string, ...). Equal types and columns the table lacks (add_columns_ddl's
    business) give nothing.

    What never shows up as a change because spark_type maps both sides to one type: a longer varchar or
    char, varchar -> text, enum values (all STRING); smallint/tinyint -> int (all INT in Iceberg)."""
    have = {c.lower(): t for c, t in existing.items()}
    ddl: List[str] = []
    bad: List[Incompatible] = []
    for f in fields:
        if f.name.lower() not in have:
            continue
        old, new = normalize_type(have[f.name.lower()]), normalize_type(f.sql_type)
        if old == new or (old, new) in LEGACY_STRING_TYPES:
            continue
        if can_widen(old, new):
            ddl.append(f"ALTER TABLE {table} ALTER COLUMN {quote(f.name)} TYPE {f.sql_type}")
        else:
            bad.append(Incompatible(table, f.name, old, new))
    return ddl, bad


# Mirror columns that jobs before 2026-12-05 created as STRING for float and double source columns (they
# read Kafka Connect's "float"/"double" schema types as unknown): such a column stays STRING, its values the
# numbers' text as before, instead of stopping the table as an incompatible change. A new mirror gets
# FLOAT/DOUBLE; to convert an old one, drop it and re-snapshot the table.
LEGACY_STRING_TYPES = {("string", "float"), ("string", "double")}


def keep_legacy_string_columns(column_types: Dict[str, str], fields: Sequence[Field]) -> List[Field]:
    """`fields` with the type STRING wherever the mirror holds a legacy STRING column for a float or double
    source column (LEGACY_STRING_TYPES), so the MERGE writes text into it as before."""
    have = {c.lower(): normalize_type(t) for c, t in column_types.items()}
    return [dataclasses.replace(f, sql_type="STRING") if (have.get(f.name.lower()), normalize_type(f.sql_type)) in LEGACY_STRING_TYPES
            else f for f in fields]


def create_mirror_ddl(table: str, fields: Sequence[Field]) -> str:
    cols = [f"{quote(f.name)} {f.sql_type}" for f in fields] + [f"{quote(n)} {t}" for n, t in META_COLUMNS]
    return (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}) USING iceberg "
            "TBLPROPERTIES ('format-version'='2')")


def create_changelog_ddl(table: str) -> str:
    """The changelog, partitioned by the source's commit day: retention drops whole days' files."""
    cols = [f"{quote(n)} {t}" for n, t in CHANGELOG_COLUMNS]
    return (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}) USING iceberg "
            f"PARTITIONED BY ({CHANGELOG_PARTITION}) TBLPROPERTIES ('format-version'='2')")


CHANGELOG_PARTITION = "days(commit_time)"


def changelog_partition_ddl(show_create_table: str, table: str) -> List[str]:
    """A changelog created unpartitioned (before partitioning by day): evolve its spec in place.

    Iceberg partition evolution: files already written keep the old (unpartitioned) spec, new appends
    are partitioned by day; nothing is rewritten (maintenance's compaction rewrites old files later).
    """
    if "PARTITIONED BY" in show_create_table.upper():
        return []
    return [f"ALTER TABLE {table} ADD PARTITION FIELD {CHANGELOG_PARTITION}"]


def image_projection(fields: Sequence[Field], json_column: str = "image") -> List[str]:
    """SELECT expressions that turn the logical JSON image into typed columns: every field parsed as text
    by from_json, then CAST (base64 for BINARY)."""
    out = []
    for f in fields:
        src = f"{json_column}.{quote(f.name)}"
        if f.sql_type == "STRING":
            expr = src
        elif f.sql_type == "BINARY":
            expr = f"unbase64({src})"
        else:
            expr = f"CAST({src} AS {f.sql_type})"
        out.append(f"{expr} AS {quote(f.name)}")
    return out


def text_schema(fields: Sequence[Field]) -> str:
    """DDL schema for from_json that reads every field as text."""
    return ", ".join(f"{quote(f.name)} STRING" for f in fields)


def merge_sql(target: str, source_view: str, fields: Sequence[Field], primary_key: Sequence[str]) -> str:
    """MERGE of one micro-batch's latest change per key into the mirror.

    A change applies only if it is newer than the row's stored one: by source position when both are
    streamed changes with a log position (a change Debezium sends again after a Connect restart has a
    new Kafka offset but its old position, so it is ignored), otherwise by Kafka offset (snapshot reads,
    whose position is the snapshot's and can be above a later change's; rows written before the position
    column existed). Either way replaying a batch that was already merged (a crash between the Iceberg
    commit and the checkpoint commit) changes nothing.
    """
    on = " AND ".join(f"t.{quote(c)} = s.{quote(c)}" for c in primary_key)
    by_offset = ("(t._cdc_kafka_partition IS NULL OR s._cdc_kafka_partition <> t._cdc_kafka_partition "
                 "OR s._cdc_kafka_offset > t._cdc_kafka_offset)")
    newer = ("(CASE WHEN s._cdc_op <> 'r' AND t._cdc_op <> 'r' AND s._cdc_position_key IS NOT NULL "
             "AND t._cdc_position_key IS NOT NULL THEN s._cdc_position_key > t._cdc_position_key "
             f"ELSE {by_offset} END)")
    cols = [f.name for f in fields] + [n for n, _ in META_COLUMNS]
    sets = ", ".join(f"t.{quote(c)} = s.{quote(c)}" for c in cols)
    names = ", ".join(quote(c) for c in cols)
    values = ", ".join(f"s.{quote(c)}" for c in cols)
    return (f"MERGE INTO {target} t USING {source_view} s ON {on} "
            f"WHEN MATCHED AND s._cdc_op = 'd' AND {newer} THEN DELETE "
            f"WHEN MATCHED AND s._cdc_op <> 'd' AND {newer} THEN UPDATE SET {sets} "
            f"WHEN NOT MATCHED AND s._cdc_op <> 'd' THEN INSERT ({names}) VALUES ({values})")


# ---------------------------------------------------------------------------------------------------
# Configuration and the Kafka record -> flat row the Spark job works on.

def parse_primary_keys(text: Optional[str]) -> Dict[str, List[str]]:
    """`{"dbserver1.public.users": ["id"], "sales.orders": "id"}` -> {name: [columns]}; keys may be a
    topic or `schema.table`."""
    if not text:
        return {}
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("primary keys must be a JSON object of table -> column list")
    out = {}
    for k, v in raw.items():
        cols = [v] if isinstance(v, str) else list(v)
        if not cols or not all(isinstance(c, str) and c for c in cols):
            raise ValueError(f"primary key of {k} must be a non-empty list of column names")
        out[k] = cols
    return out


def primary_key_for(topic: str, keys: Dict[str, List[str]], kafka_key_columns: Sequence[str]) -> List[str]:
    """The configured key of a topic (by topic, or by its last two parts `schema.table`), else the
    columns of Debezium's message key."""
    if topic in keys:
        return keys[topic]
    short = ".".join(topic.split(".")[-2:])
    if short in keys:
        return keys[short]
    if kafka_key_columns:
        return list(kafka_key_columns)
    raise MissingKeyError(topic, "no primary key: none declared for the table and no Debezium message key")


FLAT_COLUMNS = [
    "topic", "partition", "offset", "op", "row_key", "image", "before", "after", "source", "position",
    "position_key", "source_ts_ms", "event_ts_ms", "fields", "key_columns",
    "change_id", "ordered_position", "source_lsn", "source_tx_id", "source_file", "source_pos", "source_row",
]


def topic_list(topics: Any) -> List[str]:
    """The job's `--topics` (comma-separated, as Spark's Kafka `subscribe` takes it) as a list; none for a
    topic pattern."""
    if not topics:
        return []
    if isinstance(topics, str):
        return [t.strip() for t in topics.split(",") if t.strip()]
    return [str(t) for t in topics]


class CheckpointError(ValueError):
    """A Structured Streaming checkpoint file the job cannot read."""


# Structured Streaming's offset log (`<checkpoint>/offsets/<batch id>`): a version line, the batch's metadata
# as JSON, then one line per source, `-` for a source without an offset yet. The Kafka source's line is
# {"<topic>": {"<partition>": <offset>, ...}, ...}. The only version Spark writes (and reads) is 1.
OFFSET_LOG_VERSION = "v1"


def offset_log_topics(text: str, name: str) -> List[str]:
    """The topics named in an offset-log file's Kafka source offsets, sorted; `name` (the file) goes into
    the CheckpointError a malformed file raises."""
    lines = text.split("\n")
    if lines[0].strip() != OFFSET_LOG_VERSION:
        raise CheckpointError(f"{name}: not a Structured Streaming offset log of version {OFFSET_LOG_VERSION} "
                              f"(first line {lines[0][:40]!r})")
    if len(lines) < 3:
        raise CheckpointError(f"{name}: offset log without a source line ({len(lines)} line(s))")
    try:
        json.loads(lines[1])
    except ValueError as e:
        raise CheckpointError(f"{name}: the offset log's metadata line is not JSON: {e}") from None
    return sorted({topic for offsets in _offset_log_sources(lines, name) for topic in offsets})


def offset_log_positions(text: str, name: str) -> Dict[str, int]:
    """Per topic, the offset (summed over partitions) an offset-log file's Kafka source offsets end at: for the
    newest committed batch, how far the job has read. Malformed files raise CheckpointError naming `name`."""
    lines = text.split("\n")
    offset_log_topics(text, name)
    out: Dict[str, int] = {}
    for offsets in _offset_log_sources(lines, name):
        for topic, partitions in offsets.items():
            out[topic] = out.get(topic, 0) + sum(o for o in partitions.values() if o >= 0)
    return out


def _offset_log_sources(lines: List[str], name: str) -> List[Dict[str, Dict[str, int]]]:
    """The Kafka source offsets of an offset-log file's source lines ({topic: {partition: offset}})."""
    out = []
    for number, line in enumerate(lines[2:], start=3):
        if line.strip() in ("", "-"):
            continue
        try:
            offsets = json.loads(line)
        except ValueError as e:
            raise CheckpointError(f"{name}: line {number} is not a source offset in JSON: {e}") from None
        if not isinstance(offsets, dict) or not all(
                isinstance(partitions, dict) and all(isinstance(o, int) for o in partitions.values())
                for partitions in offsets.values()):
            raise CheckpointError(f"{name}: line {number} is not a Kafka source offset "
                                  f"({{topic: {{partition: offset}}}}): {line[:120]!r}")
        out.append(offsets)
    return out


def newest_log_file(names: Iterable[str]) -> Optional[str]:
    """The newest batch's file among a checkpoint log directory's file names: the highest batch id. Only
    all-digit names are batch files (Spark's `.<id>.crc` checksums and `.<id>.<uuid>.tmp` files are not)."""
    batches = [n for n in names if re.fullmatch(r"[0-9]+", n)]
    return max(batches, key=int) if batches else None


def restart_batches(offset_files: Iterable[str], commit_files: Iterable[str]) -> List[str]:
    """The offset-log files whose offsets a restarted query starts from or runs to, given the file names of
    the checkpoint's `offsets` and `commits` logs: the newest committed batch's and every newer one (a
    batch planned but not committed runs again, from the committed batch's offsets to its own); all of
    them while none is committed."""
    committed = newest_log_file(commit_files)
    batches = sorted(int(n) for n in offset_files if re.fullmatch(r"[0-9]+", n))
    return [str(b) for b in batches if committed is None or b >= int(committed)]


def progress_read_offsets(progress: Optional[Dict[str, Any]]) -> Dict[str, int]:
    """Per topic, the Kafka offset (summed over partitions) up to which the last micro-batch read, from a
    streaming query's `lastProgress` (its sources' `endOffset`, the next offset to read; a JSON text or
    an object). Every record before it was read, including those the job writes nowhere (tombstones,
    changes Debezium sent again): what `make status` compares with the topic's end offset.

    PySpark 4.1.1 gives `endOffset` as JSON text; 4.1.3's SourceProgress gives the Python repr of the parsed
    offsets instead (`{'topic': {'0': 556}}`, single quotes), which json cannot read: that form is read as a
    Python literal (ast.literal_eval: literals only, nothing runs)."""
    out: Dict[str, int] = {}
    for source in (progress or {}).get("sources") or []:
        end = source.get("endOffset")
        if isinstance(end, str):
            try:
                end = json.loads(end)
            except ValueError:
                try:
                    end = ast.literal_eval(end)
                except (ValueError, SyntaxError):
                    continue
        if not isinstance(end, dict):
            continue
        for topic, partitions in end.items():
            if isinstance(partitions, dict):
                out[topic] = out.get(topic, 0) + sum(int(o) for o in partitions.values() if isinstance(o, (int, str)) and str(o).lstrip("-").isdigit() and int(o) >= 0)
    return out


def dropped_topics(checkpoint_topics: Iterable[str], subscription: Any) -> List[str]:
    """The topics the checkpoint's offsets name that the explicit subscription (`--topics`) no longer
    holds, sorted: the tables removed from capture since the checkpoint's last batch."""
    kept = set(topic_list(subscription))
    return sorted(set(checkpoint_topics) - kept)


# What the job does with the mirror and changelog of a table removed from capture (`--removed-tables`).
REMOVED_TABLES = ("keep", "drop")


def removed_table_names(removed: Iterable[str], kept: Any) -> List[Tuple[str, List[str]]]:
    """(topic, [mirror, changelog] bare table names) for each removed topic, in topic order, as the job
    names them (table_name). A name a still-captured topic maps to as well (table_name folds case and
    punctuation) is left out: dropping it would drop a table that is still mirrored."""
    live = {name for t in topic_list(kept) for name in (table_name(t), table_name(t, "changelog"))}
    out = []
    for topic in sorted(set(removed)):
        names = [n for n in (table_name(topic), table_name(topic, "changelog")) if n not in live]
        if names:
            out.append((topic, names))
    return out


# `op` of the marker row flatten_or_stop gives for a change without a key (its `image` holds the message).
STOP_OP = "!"


def flatten_or_stop(topic: str, partition: int, offset: int, key: Any, value: Any,
                    keys: Dict[str, List[str]]) -> Optional[Tuple[Any, ...]]:
    """flatten, except that a change without a usable key gives a marker row (op STOP_OP, the message in
    `image`) instead of failing the whole micro-batch: the sink stops that table alone."""
    try:
        return flatten(topic, partition, offset, key, value, keys)
    except MissingKeyError as e:
        marker = {"topic": topic, "partition": int(partition), "offset": int(offset), "op": STOP_OP, "image": str(e)}
        return tuple(marker.get(c) for c in FLAT_COLUMNS)


def flatten(topic: str, partition: int, offset: int, key: Any, value: Any,
            keys: Dict[str, List[str]]) -> Optional[Tuple[Any, ...]]:
    """One Kafka record as a flat tuple (FLAT_COLUMNS) or None for tombstones and non-row events."""
    event = parse_envelope(value)
    if event is None:
        return None
    pk = primary_key_for(topic, keys, key_columns_from_kafka_key(key) if key is not None else [])
    dumps = lambda r: None if r is None else json.dumps(r, separators=(",", ":"), default=str)  # noqa: E731
    fields = json.dumps([[f.name, f.sql_type, f.optional] for f in event.fields], separators=(",", ":"))
    key = row_key(event, pk, topic)
    return (topic, int(partition), int(offset), event.op, key, dumps(event.image),
            dumps(event.before), dumps(event.after), dumps(event.source), event.position,
            [int(x) for x in event.position_key], event.source_ts_ms, event.ts_ms, fields,
            json.dumps(pk, separators=(",", ":")),
            change_id(event.op, event.source, key, int(partition), int(offset)), ordered_position(event.source),
            *position_columns(event.source))


COMMIT_TIME_MARGIN_MS = 86_400_000


def changelog_bounds(stats: Dict[str, Any]) -> List[str]:
    """Predicates on the changelog that every row with the same change_id as one of the batch's rows
    meets, so that the insert-if-absent reads only the files that may hold them: the commit-day
    partitions (a resent change keeps its source commit time) and, through Iceberg's column bounds, the
    files of the batch's LSN or binlog-position range. `stats` holds the batch's n, min/max and null
    counts of source_ts_ms, source_lsn and source_pos. A bound is left out when a batch row lacks the value.

    The position bounds are exact (the position is part of change_id). The commit time is not: it only narrows
    the read to days, so it gets COMMIT_TIME_MARGIN_MS either side, in case a copy sent again carries another
    source time than the first (one run of the exactly-once suite logged a Postgres resend twice; the cause is
    not known yet, and a margin costs two more day partitions, still pruned by the position bounds)."""
    out = []
    if stats["n"] == 0:
        return ["false"]
    if stats["ts_nulls"] == 0:
        lo, hi = int(stats["ts_min"]) - COMMIT_TIME_MARGIN_MS, int(stats["ts_max"]) + COMMIT_TIME_MARGIN_MS
        out.append(f"commit_time BETWEEN timestamp_millis({lo}) AND timestamp_millis({hi})")
    if stats["lsn_nulls"] == 0:
        out.append(f"source_lsn BETWEEN {int(stats['lsn_min'])} AND {int(stats['lsn_max'])}")
    if stats["pos_nulls"] == 0:
        out.append(f"source_pos BETWEEN {int(stats['pos_min'])} AND {int(stats['pos_max'])}")
    return out


def fields_from_json(text: str) -> List[Field]:
    return [Field(n, t, bool(o)) for n, t, o in json.loads(text)]


def last_batch_id(summaries: Iterable[Dict[str, str]], job: str) -> Optional[int]:
    """Highest batch id this job recorded in the snapshot summaries of a table."""
    ids = [int(s[SNAPSHOT_BATCH]) for s in summaries
           if s and s.get(SNAPSHOT_JOB) == job and s.get(SNAPSHOT_BATCH) is not None]
    return max(ids) if ids else None


SNAPSHOT_JOB = "lakehouse.cdc.job"
SNAPSHOT_BATCH = "lakehouse.cdc.batch-id"
