import * as assert from "assert";
import { captureChanges, capturedTables, createConnectorProvider, diffConnector, incrementalSnapshotSignal, signalInsertSql, signalTable } from "../../../components/connector/provider";
import { FakeConnect } from "./fakeConnect";

const fast = { retry: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 3000 }, pollIntervalMs: 20, stablePolls: 2 };

function inputs(url: string, tables: string): any {
    return {
        connectUrl: url,
        name: "inventory-connector",
        config: { "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "topic.prefix": "dbserver1", "table.include.list": tables },
    };
}

describe("connector: tables added to and removed from capture (issue 16)", () => {
    it("capturedTables reads table.include.list, trimmed, empty entries dropped", () => {
        assert.deepStrictEqual(capturedTables({ "table.include.list": " public.a, public.b,," }), ["public.a", "public.b"]);
        assert.deepStrictEqual(capturedTables({}), []);
        assert.deepStrictEqual(capturedTables(undefined), []);
    });

    it("captureChanges gives exactly the added and the removed tables, never the unchanged ones", () => {
        const olds = { "table.include.list": "public.customers,public.orders" };
        assert.deepStrictEqual(captureChanges(olds, { "table.include.list": "public.customers,public.orders,public.items" }),
            { added: ["public.items"], removed: [] });
        assert.deepStrictEqual(captureChanges(olds, { "table.include.list": "public.orders" }),
            { added: [], removed: ["public.customers"] });
        assert.deepStrictEqual(captureChanges(olds, { "table.include.list": "public.orders, public.customers" }), { added: [], removed: [] });
    });

    it("incrementalSnapshotSignal is Debezium's execute-snapshot INCREMENTAL signal for exactly the given tables", () => {
        const signal = incrementalSnapshotSignal("add-1", ["inventory.items"]);
        assert.strictEqual(signal.type, "execute-snapshot");
        assert.deepStrictEqual(JSON.parse(signal.data), { "data-collections": ["inventory.items"], type: "INCREMENTAL" });
        assert.throws(() => incrementalSnapshotSignal("none", []), /at least one table/);
    });

    it("signalTable gives idempotent DDL with the connector user's grants and the config keys, per source kind", () => {
        const pg = signalTable("postgres", "signal.debezium_signal", "debezium");
        assert.deepStrictEqual(pg.config, { "signal.enabled.channels": "source", "signal.data.collection": "signal.debezium_signal" });
        assert.ok(pg.ddl.every((s) => !/^CREATE/.test(s) || /IF NOT EXISTS/.test(s)));
        assert.ok(pg.ddl.includes("GRANT SELECT, INSERT, UPDATE, DELETE ON signal.debezium_signal TO debezium"));
        const my = signalTable("mysql", "inventory.debezium_signal", "debezium");
        assert.ok(my.ddl.some((s) => s.startsWith("CREATE TABLE IF NOT EXISTS inventory.debezium_signal (id VARCHAR(42) PRIMARY KEY")));
        assert.ok(my.ddl.includes("GRANT SELECT, INSERT, UPDATE, DELETE ON inventory.debezium_signal TO 'debezium'@'%'"));
        assert.throws(() => signalTable("postgres", "no_schema", "debezium"), /must be <schema\|database>\.<table>/);
        assert.throws(() => signalTable("postgres", "signal.t; DROP TABLE x", "debezium"), /signal collection/);
        assert.throws(() => signalTable("mysql", "inventory.t", "bad'user"), /signal table user/);
    });

    it("signalInsertSql inserts the INCREMENTAL signal for exactly the added tables, quoted", () => {
        const { added } = captureChanges({ "table.include.list": "public.a" }, { "table.include.list": "public.a,public.b" });
        const sql = signalInsertSql("signal.debezium_signal", "it's-1", added);
        assert.strictEqual(sql, `INSERT INTO signal.debezium_signal (id, type, data) VALUES ('it''s-1', 'execute-snapshot', '{"data-collections":["public.b"],"type":"INCREMENTAL"}')`);
        assert.throws(() => signalInsertSql("signal.s", "x", []), /at least one table/);
    });

    it("a changed table.include.list is an update in place (no replacement)", () => {
        const diff = diffConnector(
            { name: "inventory-connector", connectUrl: "http://c:8083", config: inputs("http://c:8083", "public.a").config } as any,
            inputs("http://c:8083", "public.a,public.b"));
        assert.strictEqual(diff.changes, true);
        assert.deepStrictEqual(diff.replaces, []);
        assert.strictEqual(diff.deleteBeforeReplace, false);
    });

    describe("against a Connect worker", () => {
        let fake: FakeConnect;
        beforeEach(async () => { fake = await new FakeConnect().start(); });
        afterEach(async () => fake.stop());

        it("the update PUTs the new include list to the same connector: no DELETE, no offsets reset", async () => {
            const provider = createConnectorProvider(fast);
            const created = await provider.create(inputs(fake.url, "public.a"));
            fake.requests.length = 0;
            await provider.update!(created.id, created.outs, inputs(fake.url, "public.a,public.b"));
            const writes = fake.requests.filter((r) => r.method !== "GET");
            assert.deepStrictEqual(writes.map((r) => `${r.method} ${r.path}`), ["PUT /connectors/inventory-connector/config"]);
            assert.strictEqual((writes[0].body as any)["table.include.list"], "public.a,public.b");
        });
    });
});
