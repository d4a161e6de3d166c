import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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

        describe("the incremental snapshot signal for added tables", () => {
            let dir: string;
            beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "signal-")); });
            afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

            /** A "SQL client" that appends what it reads on stdin to a file (or fails, with a message on stderr). */
            function client(fail = false): string[] {
                const out = path.join(dir, "stdin.sql");
                return ["sh", "-c", fail ? "cat >/dev/null; echo 'ERROR: relation does not exist' >&2; exit 3" : `cat >> '${out}'`];
            }
            const sent = () => (fs.existsSync(path.join(dir, "stdin.sql")) ? fs.readFileSync(path.join(dir, "stdin.sql"), "utf8") : "");
            const withSignal = (url: string, tables: string, command: string[]) => ({
                ...inputs(url, tables), signal: { collection: "public.debezium_signal", command },
            });

            it("after the tasks run the new include list, inserts one execute-snapshot signal for exactly the added tables", async () => {
                const provider = createConnectorProvider(fast);
                const created = await provider.create(withSignal(fake.url, "public.a", client()));
                assert.strictEqual(sent(), "", "create sends no signal: the connector's initial snapshot covers its tables");
                fake.staleTaskConfigs = 3;
                const updated = await provider.update!(created.id, created.outs, withSignal(fake.url, "public.a,public.b,public.c", client()));
                assert.strictEqual(fake.staleTaskConfigs, 0, "the provider waited until the tasks had the new config");
                const lines = sent().trim().split("\n");
                assert.strictEqual(lines.length, 1);
                const m = /^INSERT INTO public\.debezium_signal \(id, type, data\) VALUES \('([^']+)', 'execute-snapshot', '(.*)'\);$/.exec(lines[0]);
                assert.ok(m, lines[0]);
                assert.deepStrictEqual(JSON.parse(m![2]), { "data-collections": ["public.b", "public.c"], type: "INCREMENTAL" });
                assert.deepStrictEqual(updated.outs.snapshotSignal, { id: m![1], tables: ["public.b", "public.c"] });
                assert.ok(m![1].length <= 42, "fits the signaling table's id column");
            });

            it("sends nothing when tables are only removed or nothing about capture changed, and keeps the last signal", async () => {
                const provider = createConnectorProvider(fast);
                const created = await provider.create(withSignal(fake.url, "public.a,public.b", client()));
                const added = await provider.update!(created.id, created.outs, withSignal(fake.url, "public.a,public.b,public.c", client()));
                const before = sent();
                const removed = await provider.update!(created.id, added.outs, withSignal(fake.url, "public.a", client()));
                const other = { ...withSignal(fake.url, "public.a", client()) };
                other.config = { ...other.config, "poll.interval.ms": "200" };
                const changed = await provider.update!(created.id, removed.outs, other);
                assert.strictEqual(sent(), before, "no signal without an added table");
                assert.deepStrictEqual(changed.outs.snapshotSignal, added.outs.snapshotSignal);
            });

            it("a failed insert fails the update naming the tables, and leaves the old include list in state so the next up retries", async () => {
                const provider = createConnectorProvider(fast);
                const created = await provider.create(withSignal(fake.url, "public.a", client(true)));
                const error: any = await provider.update!(created.id, created.outs, withSignal(fake.url, "public.a,public.b", client(true))).then(
                    () => assert.fail("the update should fail"), (e) => e);
                assert.match(error.message, /tables public\.b are captured from now on, but their existing rows were not snapshotted/);
                assert.match(error.message, /relation does not exist/);
                assert.match(error.message, /pulumi up/);
                assert.strictEqual(error.id, "inventory-connector");
                assert.strictEqual(error.properties.config["table.include.list"], "public.a");
                assert.strictEqual(fake.connectors.get("inventory-connector")!.config["table.include.list"], "public.a,public.b", "the worker has the new config");
                const retry = diffConnector(error.properties, withSignal(fake.url, "public.a,public.b", client()));
                assert.strictEqual(retry.changes, true, "the next preview shows the include list again");
            });

            it("check refuses a signal channel that does not match signal.data.collection or has no command", async () => {
                const provider = createConnectorProvider(fast);
                const news = withSignal(fake.url, "public.a", []);
                news.config = { ...news.config, "signal.data.collection": "public.other" } as any;
                const { failures } = await provider.check!({}, { ...news, validate: false });
                const props = failures!.map((f) => f.property).sort();
                assert.deepStrictEqual(props, ["signal.collection", "signal.command"]);
            });
        });
    });
});
