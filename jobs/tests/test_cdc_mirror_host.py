"""The job's schema-change handling (ensure_tables, stop_topic) against a fake Spark session: host python3,
no pyspark. The whole foreachBatch sink with a real Spark is in test_cdc_mirror_spark.py."""
import argparse
import json
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


# --- Topics dropped from --topics: one batch without the data-loss guard, then the usual query ---------

ORDERS = "dbserver1.public.orders"


class FakeQuery:
    def __init__(self, events, number, sink):
        self.events, self.id, self.sink = events, f"query-{number}", sink
        self.isActive, self.lastProgress = True, {"batchId": number}

    def exception(self):
        return None

    def awaitTermination(self, timeout=None):  # noqa: N802 (pyspark's name)
        self.events.append(("await", self.id, timeout))
        return False if timeout is not None else None

    def stop(self):
        self.isActive = False
        self.events.append(("stop", self.id))


class FakeStream:
    """spark.readStream...load().writeStream...start(): records the options and the sink of every start."""

    def __init__(self, events):
        self.events, self.options, self.sink = events, {}, None

    def format(self, name):
        self.options["format"] = name
        return self

    def option(self, key, value):
        self.options[key] = value
        return self

    def load(self):
        return self

    @property
    def writeStream(self):  # noqa: N802 (pyspark's name)
        return self

    def queryName(self, name):  # noqa: N802
        return self

    def foreachBatch(self, sink):  # noqa: N802
        self.sink = sink
        return self

    def trigger(self, **kwargs):
        return self

    def start(self):
        n = len([e for e in self.events if e[0] == "start"])
        self.events.append(("start", dict(self.options), self.sink.query_started.is_set()))
        return FakeQuery(self.events, n, self.sink)


class StreamingSpark:
    def __init__(self):
        self.events = []

    @property
    def readStream(self):  # noqa: N802
        return FakeStream(self.events)


def _job_args(tmp_path, **over):
    argv = ["--bootstrap-servers", "kafka-1:19092", "--checkpoint", str(tmp_path / "checkpoint"),
            "--heartbeat-file", str(tmp_path / "heartbeat")]
    argv += over.get("argv", ["--topics", f"{TOPIC},{ORDERS}"])
    return cdc_mirror.parse_args(argv)


def test_dropped_topics_get_one_query_without_the_data_loss_guard_then_the_usual_one(tmp_path, monkeypatch, caplog):
    spark = StreamingSpark()
    args = _job_args(tmp_path, argv=["--topics", TOPIC])
    monkeypatch.setattr(cdc_mirror, "removed_topics", lambda s, checkpoint, topics: [ORDERS] if topics == TOPIC else [])
    waited = []

    def wait(s, query, checkpoint, dropped):
        waited.append((query.id, checkpoint, dropped))
        return "5"
    monkeypatch.setattr(cdc_mirror, "wait_for_batch_without", wait)
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        assert cdc_mirror.run(spark, args) == 0
    starts = [e for e in spark.events if e[0] == "start"]
    assert [s[1]["failOnDataLoss"] for s in starts] == ["false", "true"]
    assert all(s[1]["subscribe"] == TOPIC and "subscribePattern" not in s[1] for s in starts)
    assert waited == [("query-0", args.checkpoint, [ORDERS])]
    # The guard-free query is stopped before the usual one starts, which alone runs on (awaitTermination()).
    assert [e[0] if e[0] == "start" else e[:3] for e in spark.events] == \
        ["start", ("stop", "query-0"), "start", ("await", "query-1", None)]
    # Each query's batches wait for its own started(): the event is clear when the second query starts.
    assert [s[2] for s in starts] == [False, False]
    removed = [r.getMessage() for r in caplog.records if "removed from capture" in r.getMessage()]
    assert removed == [f"tables removed from capture: {ORDERS}; their topics are no longer read"]


def test_removed_tables_are_kept_unless_the_flag_says_drop_and_nothing_else_is_accepted(tmp_path, capsys):
    assert _job_args(tmp_path).removed_tables == "keep"
    assert _job_args(tmp_path, argv=["--topics", TOPIC, "--removed-tables", "drop"]).removed_tables == "drop"
    with pytest.raises(SystemExit):
        _job_args(tmp_path, argv=["--topics", TOPIC, "--removed-tables", "purge"])
    assert "invalid choice: 'purge'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _job_args(tmp_path, argv=["--topic-pattern", r"dbserver1\.[^.]+\.[^.]+", "--removed-tables", "drop"])
    assert "--removed-tables drop needs --topics" in capsys.readouterr().err


def test_with_drop_the_removed_tables_are_dropped_after_the_batch_without_them_before_the_usual_query(tmp_path, monkeypatch):
    spark = StreamingSpark()
    args = _job_args(tmp_path, argv=["--topics", TOPIC, "--removed-tables", "drop"])
    monkeypatch.setattr(cdc_mirror, "removed_topics", lambda s, checkpoint, topics: [ORDERS])
    monkeypatch.setattr(cdc_mirror, "wait_for_batch_without",
                        lambda s, query, checkpoint, dropped: spark.events.append(("committed", query.id)) or "5")
    monkeypatch.setattr(cdc_mirror.Mirror, "drop_removed", lambda self, s, removed: spark.events.append(("drop", removed)))
    assert cdc_mirror.run(spark, args) == 0
    assert [e[0] if e[0] == "start" else e[:2] for e in spark.events] == \
        ["start", ("committed", "query-0"), ("stop", "query-0"), ("drop", [ORDERS]), "start", ("await", "query-1")]


class CatalogSpark:
    """spark.catalog.tableExists and spark.sql for DROP TABLE against a set of existing table names."""

    def __init__(self, tables, fail=()):
        self.tables, self.fail, self.statements = set(tables), set(fail), []
        self.catalog = self

    def tableExists(self, name):  # noqa: N802 (pyspark's name)
        return name in self.tables

    def sql(self, statement):
        self.statements.append(statement)
        table = re.match(r"DROP TABLE IF EXISTS (\S+) PURGE$", statement).group(1)
        if table in self.fail:
            raise RuntimeError(f"catalog refused {table}")
        self.tables.discard(table)


def test_drop_removed_drops_the_removed_topics_tables_once_and_records_them(caplog):
    orders, changelog = "test.cdc.dbserver1_public_orders", "test.cdc.dbserver1_public_orders_changelog"
    spark = CatalogSpark({MIRROR, CHANGELOG, orders, changelog, "test.cdc.other"})
    keep = cdc_mirror.Mirror(_job_args_ns(removed_tables="keep"))
    assert keep.drop_removed(spark, [ORDERS]) == [] and spark.statements == []
    sink = cdc_mirror.Mirror(_job_args_ns(removed_tables="drop"))
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        assert sink.drop_removed(spark, [ORDERS]) == [orders, changelog]
    assert spark.tables == {MIRROR, CHANGELOG, "test.cdc.other"}
    assert sink.status["dropped_tables"] == [orders, changelog]
    assert [r.getMessage() for r in caplog.records] == [
        f"dropped {t}: its topic {ORDERS} was removed from capture (--removed-tables drop)" for t in (orders, changelog)]
    # Again (a table already gone): nothing is dropped, no statement, no error.
    spark.statements.clear()
    assert sink.drop_removed(spark, [ORDERS]) == [] and spark.statements == []
    assert sink.status["dropped_tables"] == [orders, changelog]
    json.dumps(sink.status)  # what the heartbeat writes


def test_a_table_the_catalog_refuses_to_drop_is_logged_with_the_way_out_and_the_others_still_go(caplog):
    orders, changelog = "test.cdc.dbserver1_public_orders", "test.cdc.dbserver1_public_orders_changelog"
    spark = CatalogSpark({orders, changelog}, fail={orders})
    sink = cdc_mirror.Mirror(_job_args_ns(removed_tables="drop"))
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        assert sink.drop_removed(spark, [ORDERS]) == [changelog]
    assert spark.tables == {orders}
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"{orders} (topic {ORDERS} removed from capture) was not dropped, drop it by hand "
                      f"(DROP TABLE {orders} PURGE): catalog refused {orders}"]


def _job_args_ns(**over):
    return argparse.Namespace(**{"catalog": "test", "namespace": "cdc", "table_prefix": "", "job_name": "t", "keys": {},
                                 "topics": TOPIC, **over})


def test_without_dropped_topics_or_with_a_topic_pattern_only_the_guarded_query_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(cdc_mirror, "wait_for_batch_without", lambda *a: pytest.fail("no dropped topic to wait for"))
    monkeypatch.setattr(cdc_mirror, "removed_topics", lambda s, checkpoint, topics: [])
    spark = StreamingSpark()
    cdc_mirror.run(spark, _job_args(tmp_path))
    assert [e[1]["failOnDataLoss"] for e in spark.events if e[0] == "start"] == ["true"]

    monkeypatch.setattr(cdc_mirror, "removed_topics", lambda *a: pytest.fail("a topic pattern reads no checkpoint"))
    spark = StreamingSpark()
    cdc_mirror.run(spark, _job_args(tmp_path, argv=["--topic-pattern", r"dbserver1\.[^.]+\.[^.]+"]))
    starts = [e[1] for e in spark.events if e[0] == "start"]
    assert [s["failOnDataLoss"] for s in starts] == ["true"] and starts[0]["subscribePattern"] == r"dbserver1\.[^.]+\.[^.]+"


def test_the_wait_ends_at_the_first_committed_batch_that_names_no_dropped_topic(monkeypatch):
    # Batch 4 was committed before the restart (dropped topic in its offsets), batch 5 is the guard-free one.
    commits = iter([None, "4", "4", "5"])
    offsets = {"4": [ORDERS, TOPIC], "5": [TOPIC]}
    monkeypatch.setattr(cdc_mirror, "newest_batch", lambda s, checkpoint, log_name: next(commits))
    monkeypatch.setattr(cdc_mirror, "batch_topics", lambda s, checkpoint, batch: offsets[batch])
    events = []
    query = FakeQuery(events, 0, None)
    assert cdc_mirror.wait_for_batch_without(None, query, "/ck", [ORDERS], poll_seconds=0.01) == "5"
    assert len(events) == 4 and all(e == ("await", "query-0", 0.01) for e in events)


def test_the_wait_fails_when_the_query_ends_or_fails_first(monkeypatch):
    monkeypatch.setattr(cdc_mirror, "newest_batch", lambda *a: "4")
    monkeypatch.setattr(cdc_mirror, "batch_topics", lambda *a: [ORDERS])
    query = FakeQuery([], 0, None)
    query.awaitTermination = lambda timeout: True
    with pytest.raises(RuntimeError, match=f"query-0 ended before a batch without {ORDERS}"):
        cdc_mirror.wait_for_batch_without(None, query, "/ck", [ORDERS], poll_seconds=0.01)

    def failed(timeout):
        raise ValueError("StreamingQueryException: Kafka down")
    query.awaitTermination = failed
    with pytest.raises(ValueError, match="Kafka down"):
        cdc_mirror.wait_for_batch_without(None, query, "/ck", [ORDERS], poll_seconds=0.01)


def test_the_heartbeat_follows_the_current_query_and_writes_nothing_without_one(tmp_path):
    import threading
    import time

    path = str(tmp_path / "heartbeat")
    current = {"query": None}
    stop = threading.Event()
    beat = threading.Thread(target=cdc_mirror.heartbeat, args=(lambda: current["query"], path, stop, {"batches": 2}, 0.01))
    beat.start()
    try:
        time.sleep(0.1)
        assert not os.path.exists(path)
        for number in (0, 1):
            current["query"] = FakeQuery([], number, None)
            deadline = time.time() + 5
            while time.time() < deadline:
                try:
                    with open(path) as f:
                        written = json.load(f)
                    if written["query_id"] == f"query-{number}":
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.01)
            assert written["query_id"] == f"query-{number}" and written["batch_id"] == number and written["batches"] == 2
    finally:
        stop.set()
        beat.join()


def test_the_heartbeats_read_offsets_start_at_the_checkpoint_and_never_go_back_on_a_progress_without_offsets(tmp_path):
    # make status counts a topic's records up to these offsets as read (tombstones included): a restarted
    # query has no progress until a batch runs, and an idle progress may carry no offsets.
    import threading
    import time

    path = str(tmp_path / "heartbeat")
    query = FakeQuery([], 0, None)
    query.lastProgress = None
    current = {"query": query}
    stop = threading.Event()
    reads = []

    def checkpoint_read():
        reads.append(1)
        return {ORDERS: 10, TOPIC: 3}

    def beat_until(expected):
        deadline = time.time() + 5
        written = None
        while time.time() < deadline:
            try:
                with open(path) as f:
                    written = json.load(f)
                if written["read_offsets"] == expected and written["query_id"] == current["query"].id:
                    return written
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        raise AssertionError(f"heartbeat {written}, expected read_offsets {expected}")

    beat = threading.Thread(target=cdc_mirror.heartbeat, args=(lambda: current["query"], path, stop, {}, 0.01, checkpoint_read))
    beat.start()
    try:
        beat_until({ORDERS: 10, TOPIC: 3})
        query.lastProgress = {"batchId": 7, "sources": [{"endOffset": json.dumps({TOPIC: {"0": 5}})}]}
        beat_until({ORDERS: 10, TOPIC: 5})
        query.lastProgress = {"batchId": 7, "sources": [{"endOffset": None}]}
        time.sleep(0.1)
        beat_until({ORDERS: 10, TOPIC: 5})
        assert len(reads) == 1, "the checkpoint is read once per query"
        current["query"] = FakeQuery([], 1, None)
        current["query"].lastProgress = None
        beat_until({ORDERS: 10, TOPIC: 3})
        assert len(reads) == 2
    finally:
        stop.set()
        beat.join()


def test_a_query_that_fails_after_committing_a_batch_without_the_dropped_topics_ends_the_wait(monkeypatch, caplog):
    # Spark 4.1.1 fails the progress report of a batch run again from the offset log, after its commit.
    monkeypatch.setattr(cdc_mirror, "newest_batch", lambda *a: "5")
    monkeypatch.setattr(cdc_mirror, "batch_topics", lambda *a: [TOPIC])
    query = FakeQuery([], 0, None)

    def failed(timeout):
        raise ValueError("NullPointerException in KafkaMicroBatchStream.metrics")
    query.awaitTermination = failed
    with caplog.at_level(logging.INFO, logger="cdc_mirror"):
        assert cdc_mirror.wait_for_batch_without(None, query, "/ck", [ORDERS], poll_seconds=0.01) == "5"
    assert "query query-0 failed after committing batch 5, which names none of the removed topics: NullPointerException" in caplog.text


# --- the topics of one batch, run side by side (Mirror.run_topics) -------------------------------------

class _Row:
    def __init__(self, topic):
        self.topic = topic


def _timed_topics(monkeypatch, parallel, fail=()):
    """run_topics over three topics whose apply_topic takes 0.3 s (or raises for those in `fail`); returns the
    (topic, thread name, start, end) of each and the exception run_topics raised, if any."""
    import threading
    import time as _time
    mirror = cdc_mirror.Mirror(argparse.Namespace(parallel_topics=parallel))
    ran = []

    def apply(spark, events, row, batch_id, several):
        start = _time.monotonic()
        _time.sleep(0.3)
        ran.append((row.topic, threading.current_thread().name, start, _time.monotonic(), several))
        if row.topic in fail:
            raise RuntimeError(f"{row.topic} failed")

    monkeypatch.setattr(mirror, "apply_topic", apply)
    try:
        mirror.run_topics(None, None, [_Row("a"), _Row("b"), _Row("c")], 7)
        return ran, None
    except RuntimeError as e:
        return ran, e


def _most_at_once(ran):
    edges = sorted([(s, 1) for _, _, s, _, _ in ran] + [(e, -1) for _, _, _, e, _ in ran], key=lambda x: (x[0], x[1]))
    now = most = 0
    for _, d in edges:
        now += d
        most = max(most, now)
    return most


def test_with_parallel_topics_the_topics_of_a_batch_run_at_once_in_threads_of_their_own(monkeypatch):
    ran, error = _timed_topics(monkeypatch, parallel=2)
    assert error is None
    assert sorted(t for t, *_ in ran) == ["a", "b", "c"]
    assert _most_at_once(ran) == 2  # two workers for three topics
    assert all(name.startswith("cdc-topic") for _, name, *_ in ran)
    assert all(several for *_, several in ran)


def test_with_one_parallel_topic_the_topics_run_one_after_the_other_in_the_batch_thread(monkeypatch):
    import threading
    ran, error = _timed_topics(monkeypatch, parallel=1)
    assert error is None
    assert [t for t, *_ in ran] == ["a", "b", "c"]
    assert _most_at_once(ran) == 1
    assert {name for _, name, *_ in ran} == {threading.current_thread().name}


def test_a_topic_that_fails_fails_the_batch_after_the_others_have_run_to_their_end(monkeypatch):
    ran, error = _timed_topics(monkeypatch, parallel=3, fail=("b",))
    assert str(error) == "b failed"
    assert sorted(t for t, *_ in ran) == ["a", "b", "c"]  # every topic ran to its end before the raise


def test_parallel_topics_below_one_is_refused_by_the_job():
    with pytest.raises(SystemExit):
        cdc_mirror.parse_args(["--bootstrap-servers", "k:9092", "--topics", "t", "--parallel-topics", "0"])
    assert cdc_mirror.parse_args(["--bootstrap-servers", "k:9092", "--topics", "t"]).parallel_topics == 1
