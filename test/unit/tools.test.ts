// The pure parts of tools/verify.ts and tools/bench-latency.ts: row comparison, values for verify rows,
// order statistics. Their runs against a deployed stack are in test/integration/stack.test.ts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { recovery, stats } from "../../tools/bench-latency";
import { bulkSql, mirrorName, parseBulkArgs } from "../../tools/bench-bulk";
import { decimalText, decodeDecimals, rowDiff, sortRows, valueFor } from "../../tools/verify";
import { canonicalJson, parseCommandLine, sourceText } from "../../tools/clients";
import { stoppedTableProblems } from "../../tools/status";
import { batchRecords, passRecords, soakStatement } from "../../tools/bench-soak";
import { benchTablesConfig } from "../../tools/bench-tables-stack";

describe("tools/verify: comparing source and mirror rows", () => {
    const cols = ["id", "name", "amount"];

    it("sorts by the key numerically, not as text, and turns values into text", () => {
        const rows = sortRows([[10, "b", 1.5] as any, ["9", "a", null], ["100", null, "2"]], cols, ["id"]);
        assert.deepEqual(rows, [["9", "a", null], ["10", "b", "1.5"], ["100", null, "2"]]);
    });

    it("finds no difference between equal row lists and names the first difference otherwise", () => {
        const a = [["1", "ada", "10.50"], ["2", null, "-0.07"]];
        assert.equal(rowDiff(a, a.map((r) => [...r])), undefined);
        assert.match(rowDiff(a, [a[0]])!, /2 source rows, 1 mirror rows/);
        assert.match(rowDiff(a, [a[0], ["2", "", "-0.07"]])!, /row 1: source \["2",null,"-0.07"\], mirror \["2","","-0.07"\]/);
        assert.match(rowDiff(a, [["1", "ada", "10.5"], a[1]])!, /row 0/);
    });

    it("makes values for text, integer and decimal columns and none for other types", () => {
        assert.equal(valueFor("text", "verify-x", 7), "verify-x");
        assert.equal(valueFor("varchar(32)", "verify-x", 7), "verify-x");
        assert.equal(valueFor("integer", "t", 7), "7");
        assert.equal(valueFor("INT", "t", 7), "7");
        assert.equal(valueFor("bigint", "t", 7), "7");
        assert.equal(valueFor("decimal(10,2)", "t", 7), "12.34");
        // as the source writes it back, with the column's scale (MySQL DECIMAL(12,3) returns 12.340)
        assert.equal(valueFor("decimal(12,3)", "t", 7, "mysql"), "12.340");
        assert.equal(valueFor("numeric(8, 1)", "t", 7), "12.3");
        assert.equal(valueFor("decimal(5)", "t", 7, "mysql"), "12");
        assert.equal(valueFor("decimal", "t", 7, "mysql"), "12");
        assert.equal(valueFor("numeric", "t", 7, "postgres"), "12.34");
        assert.equal(valueFor("enum('text','x')", "t", 7, "mysql"), undefined);
        assert.equal(valueFor("timestamp", "t", 7), undefined);
        assert.equal(valueFor("interval", "t", 7), undefined);
    });
});

describe("tools/clients: one text per value in source and mirror", () => {
    it("compares JSON by value: key order and spacing do not matter, nesting and arrays do", () => {
        assert.equal(canonicalJson(`{"b": [1, 2], "a": {"y": 1, "x": "\u00fc"}}`), canonicalJson(`{"a":{"x":"\u00fc","y":1},"b":[1,2]}`));
        assert.notEqual(canonicalJson(`{"b": [2, 1]}`), canonicalJson(`{"b": [1, 2]}`));
        assert.equal(canonicalJson("not json"), "not json");
        assert.equal(canonicalJson(null), null);
    });

    it("reads MySQL bytes and bits as hex and numbers, not as text the mirror cannot cast", () => {
        assert.match(sourceText("mysql", { name: "c_blob", type: "blob" }), /^HEX\(`c_blob`\)$/);
        assert.match(sourceText("mysql", { name: "b", type: "varbinary(16)" }), /^HEX\(/);
        assert.match(sourceText("mysql", { name: "c_bit12", type: "bit(12)" }), /UNSIGNED/);
        assert.match(sourceText("postgres", { name: "raw", type: "bytea" }), /encode\("raw", 'hex'\)/);
        assert.equal(sourceText("postgres", { name: "name", type: "text" }), `"name"::text`);
    });
});

describe("tools/verify: Debezium decimals", () => {
    it("decodes Kafka Connect Decimal bytes with the field's scale, negative values included", () => {
        assert.equal(decimalText("BNI=", 2), "12.34");
        assert.equal(decimalText(Buffer.from([0xff, 0xf9]).toString("base64"), 2), "-0.07");
        assert.equal(decimalText(Buffer.from([0x00]).toString("base64"), 2), "0.00");
        assert.equal(decimalText(Buffer.from([0x07, 0x5b, 0xcd, 0x15]).toString("base64"), 0), "123456789");
        assert.equal(decimalText(Buffer.from([0x0b, 0xc6, 0x14, 0x4d]).toString("base64"), 2), "1975307.01");
    });

    it("rewrites only the Decimal fields a row's schema names", () => {
        const schema = { fields: [{ field: "id", name: undefined }, { field: "amount", name: "org.apache.kafka.connect.data.Decimal", parameters: { scale: "2" } }] };
        assert.deepEqual(decodeDecimals({ id: 1, amount: "BNI=", note: "BNI=" }, schema), { id: 1, amount: "12.34", note: "BNI=" });
        assert.equal(decodeDecimals(null, schema), null);
        assert.deepEqual(decodeDecimals({ amount: "BNI=" }, undefined), { amount: "BNI=" });
    });
});

describe("tools/bench-latency: statistics", () => {
    it("gives min, median (mean of the middle two for an even count), p95, max and mean", () => {
        const s = stats([5, 1, 4, 2, 3, 6]);
        assert.deepEqual(s, { n: 6, min: 1, median: 3.5, p95: 6, p99: 6, max: 6, mean: 3.5 });
        assert.equal(stats([7]).median, 7);
        const hundred = stats(Array.from({ length: 100 }, (_, i) => i + 1));
        assert.equal(hundred.median, 50.5);
        assert.equal(hundred.p95, 95);
        assert.equal(hundred.p99, 99);
        assert.equal(stats(Array.from({ length: 1000 }, (_, i) => 1000 - i)).p99, 990);
        assert.equal(hundred.max, 100);
    });

    it("refuses an empty sample", () => {
        assert.throws(() => stats([]), /no values/);
    });
});

describe("tools/bench-latency: recovery after a restart", () => {
    // One change a second from t = 0; the restart at t = 10 000 ms.
    const run = (latencies: number[]) => latencies.map((trino, i) => ({ commit: i * 1000, trino }));

    it("ends when the first change of the tail that stays within 10 s became visible", () => {
        // Changes at 10 s and 11 s wait 25 s and 24 s; from 12 s on every one takes 3 s.
        const r = recovery(run([2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 25_000, 24_000, 3000, 3000, 3000]), 10_000, 14_000);
        assert.equal(r.recoveredFromCommit, 12_000);
        assert.equal(r.recoveryMs, 12_000 + 3000 - 10_000);
        assert.equal(r.worstAfterRestartMs, 25_000);
        assert.equal(r.restartedAt, 14_000);
    });

    it("the backlog is gone when the first change committed after the restart returned is within the worst latency shown before it", () => {
        // Shown before the restart at 6 s: the changes at 0-3 s (worst 2.5 s). The restart returns at 8 s. The
        // changes at 4 and 5 s are shown after it (late, not part of the envelope); from 6 s on: 9, 8, 3, 2.4,
        // 2, 12, 1 s.
        const r = recovery(run([1500, 2500, 2000, 2500, 9000, 8500, 9000, 8000, 3000, 2400, 2000, 12_000, 1000]), 6000, 8000);
        assert.equal(r.envelopeMs, 2500);
        // The change at 9 s (2.4 s) is the first at or after 8 s within 2.5 s: shown at 11.4 s.
        assert.equal(r.steadyMs, 9000 + 2400 - 6000);
        // The first change committed from 8 s on to be shown at all: the one at 8 s, at 11 s.
        assert.equal(r.resumedMs, 8000 + 3000 - 6000);
        // 12 s at 11 s: under 10 s for good only from the change at 12 s, shown at 13 s.
        assert.equal(r.recoveryMs, 12_000 + 1000 - 6000);
        assert.equal(recovery(run([20_000, 30_000]), 0, 500).steadyMs, null, "nothing shown before the restart: no envelope");
    });

    it("is 0 when no change after the restart was late, and ignores the changes before it", () => {
        const r = recovery(run([30_000, 30_000, 4000, 4000, 4000]), 2000, 3000);
        assert.equal(r.recoveryMs, 0);
        assert.equal(r.worstAfterRestartMs, 4000);
    });

    it("a late change after a good one restarts the tail; none when the stream ends late", () => {
        const r = recovery(run([1000, 1000, 20_000, 1000, 15_000, 2000, 2000]), 1000, 2000);
        assert.equal(r.recoveredFromCommit, 5000);
        assert.equal(r.recoveryMs, 5000 + 2000 - 1000);
        const never = recovery(run([1000, 1000, 20_000, 30_000]), 1000, 2000);
        assert.equal(never.recoveryMs, null);
        assert.equal(never.recoveredFromCommit, null);
    });
});

describe("tools: the command line (parseCommandLine, node's util.parseArgs)", () => {
    const options = { stack: { type: "string", default: "dev" }, json: { type: "boolean", default: false }, out: { type: "string" } } as const;

    /** Runs it with process.exit and console.error caught: the exit code and what it printed, or the values. */
    function run(argv: string[]): { values?: unknown; code?: number; err: string } {
        const exit = process.exit;
        const error = console.error;
        let err = "";
        console.error = (m: string) => { err += m; };
        (process as any).exit = (code: number) => { throw Object.assign(new Error("exit"), { code }); };
        try {
            return { values: { ...parseCommandLine("status", "status [--stack dev] [--json] [--out f]", options, argv) }, err };
        } catch (e) {
            return { code: (e as any).code, err };
        } finally {
            process.exit = exit;
            console.error = error;
        }
    }

    it("gives each flag's value, its default when absent, and accepts --flag=value", () => {
        assert.deepEqual(run([]).values, { stack: "dev", json: false });
        assert.deepEqual(run(["--stack", "e2e", "--json", "--out=x.json"]).values, { stack: "e2e", json: true, out: "x.json" });
    });

    it("exits 2 naming an unknown flag, a flag without its value and a stray argument, with the usage", () => {
        for (const [argv, msg] of [
            [["--stak", "e2e"], /Unknown option '--stak'/],
            [["--stack"], /Option '--stack <value>' argument missing/],
            [["e2e"], /Unexpected argument 'e2e'/],
        ] as const) {
            const r = run([...argv]);
            assert.equal(r.code, 2, JSON.stringify(r));
            assert.match(r.err, msg);
            assert.match(r.err, /^status: .*\nusage: status \[--stack dev\]/s);
        }
    });
});

describe("tools/status: the CDC job's heartbeat", () => {
    it("makes each table the job stopped for an incompatible type change a problem, with its message", () => {
        const message = "minio.cdc.dbserver1_public_users: incompatible type change at the source (column id bigint -> int); ...";
        const hb = { time: 1, batch_id: 7, stopped_tables: { "mysqlserver1.sales.orders": "m2", "dbserver1.public.users": message } };
        assert.deepEqual(stoppedTableProblems(hb), [
            `CDC job stopped table dbserver1.public.users: ${message}`,
            "CDC job stopped table mysqlserver1.sales.orders: m2",
        ]);
    });

    it("finds no problem when nothing is stopped or the heartbeat predates stopped_tables", () => {
        assert.deepEqual(stoppedTableProblems({ time: 1, stopped_tables: {} }), []);
        assert.deepEqual(stoppedTableProblems({ time: 1 }), []);
        assert.deepEqual(stoppedTableProblems(undefined), []);
        assert.deepEqual(stoppedTableProblems({ stopped_tables: ["x"] }), []);
    });
});

describe("tools/bench-bulk: SQL of a bulk run and its command line", () => {
    const users = { schema: "public", name: "users", primaryKey: ["id"], columns: [
        { name: "id", type: "integer", notNull: true }, { name: "name", type: "text" }, { name: "email", type: "text" }] };
    const usersCols = [{ name: "id", type: "integer" }, { name: "name", type: "text" }, { name: "email", type: "text" }, { name: "doc", type: "jsonb" }];
    const types = new Map([["id", "integer"], ["name", "varchar"], ["email", "varchar"], ["doc", "varchar"]]);

    it("inserts with one generate_series statement in Postgres, updates the first text column and checksums the same text on both sides", () => {
        const sql = bulkSql("postgres", users, usersCols);
        assert.equal(sql.updateColumn, "name");
        assert.deepEqual(sql.checksumColumns, ["id", "name", "email"], "JSON is left out of the checksum");
        assert.equal(sql.insert(10, 19), `INSERT INTO "public"."users" ("id", "name", "email") SELECT g, 'bulk-' || g::text, 'bulk-' || g::text FROM generate_series(10, 19) g`);
        assert.equal(sql.update(10, 19), `UPDATE "public"."users" SET "name" = 'bulk-u-' || "id"::text WHERE "id" BETWEEN 10 AND 19`);
        assert.equal(sql.delete(10, 19), `DELETE FROM "public"."users" WHERE "id" BETWEEN 10 AND 19`);
        assert.match(sql.check(10, 19), /^SELECT count\(\*\), coalesce\(sum\(\('x' \|\| substr\(encode\(sha256\(convert_to\(concat_ws\('\|', coalesce\("id"::text, '~'\)/);
        assert.match(sql.mirrorCheck("minio.cdc.t", types, 10, 19), /from_base\(substr\(to_hex\(sha256\(to_utf8\(concat_ws\('\|', coalesce\(CAST\("id" AS varchar\), '~'\)/);
        assert.throws(() => sql.mirrorCheck("minio.cdc.t", new Map([["id", "integer"]]), 10, 19), /the mirror has no column name, email/);
        assert.match(sql.mirrorProgress("minio.cdc.t", 10, 19), /count_if\("name" LIKE 'bulk-u-%'\) FROM minio\.cdc\.t WHERE "id" BETWEEN 10 AND 19$/);
    });

    it("numbers the MySQL rows from cross-joined digits, as many as the row count needs", () => {
        const orders = { schema: "sales", name: "orders", primaryKey: ["id"], columns: [
            { name: "id", type: "int", notNull: true }, { name: "customer_id", type: "int" }, { name: "amount", type: "decimal(10,2)" }, { name: "status", type: "varchar(32)" }] };
        const cols = orders.columns.map((c) => ({ name: c.name, type: c.type }));
        const sql = bulkSql("mysql", orders, cols);
        const ins = sql.insert(100, 1099);
        assert.match(ins, /^INSERT INTO `sales`\.`orders` \(`id`, `customer_id`, `amount`, `status`\) SELECT g, \(g % 1000\), \(\(g % 1000\) \+ 0\.25\), CONCAT\('bulk-', g\)/);
        assert.equal((ins.match(/CROSS JOIN/g) ?? []).length, 2, "1000 rows need three digits");
        assert.match(ins, /d0\.d \* 1 \+ d1\.d \* 10 \+ d2\.d \* 100 AS n .* WHERE n <= 999\) gs$/);
        assert.equal(sql.updateColumn, "status");
        assert.equal(sql.update(1, 2), "UPDATE `sales`.`orders` SET `status` = CONCAT('bulk-u-', `id`) WHERE `id` BETWEEN 1 AND 2");
    });

    it("refuses a table it cannot fill or update, before anything runs", () => {
        const t = (columns: { name: string; type: string; notNull?: boolean }[], primaryKey = ["id"]) => ({ schema: "s", name: "t", primaryKey, columns });
        assert.throws(() => bulkSql("postgres", t([{ name: "id", type: "uuid" }, { name: "v", type: "text" }]), [{ name: "id", type: "uuid" }, { name: "v", type: "text" }] ), /integer primary key, got uuid/);
        assert.throws(() => bulkSql("postgres", t([{ name: "id", type: "integer" }]), [{ name: "id", type: "integer" }] ), /text or integer column besides the key/);
        assert.throws(() => bulkSql("postgres", t([{ name: "id", type: "integer" }, { name: "at", type: "date", notNull: true }, { name: "v", type: "text" }]),
            [{ name: "id", type: "integer" }, { name: "at", type: "date" }, { name: "v", type: "text" }] ), /s\.t\.at: NOT NULL of a type bench-bulk cannot fill \(date\)/);
    });

    it("names the mirror as the CDC job does and reads its flags", () => {
        assert.equal(mirrorName({ cdc: { namespace: "minio.cdc", tablePrefix: "", container: "", checkpointLocation: "" } } as any, "dbserver1.public.users"), "minio.cdc.dbserver1_public_users");
        const cli = parseBulkArgs(["--rows", "1000000", "--label", "before", "--sources", "postgres,mysql", "--phases", "insert,delete", "--kafka", "false"]);
        assert.deepEqual({ ...cli.options, log: undefined }, { rows: 1_000_000, phases: ["insert", "delete"], sources: ["postgres", "mysql"], firstId: undefined,
            kafka: false, sampleMs: 1000, phaseTimeoutMs: 1_800_000, log: undefined });
        assert.equal(cli.json, "docs/bench/bulk-before.json");
        assert.equal(parseBulkArgs([]).options.rows, 100_000);
    });
});

describe("tools/bench-soak: the CDC job's batches from its log", () => {
    it("reads each batch's id, changes, topics and seconds with the log's time, and nothing from other lines", () => {
        // Lines as the soak stack's job wrote them (2026-12-07), among Spark's own.
        const log = [
            "2026-12-07 15:32:29,328 INFO cdc_mirror: batch 9: 84 change(s) in 9 topic(s), 28.0s (read 5.5s, changelog+MERGE 22.4s, slowest dbserver1.public.soak_a 1.4+3.7s)",
            "26/12/07 15:27:49 INFO SparkContext: Running Spark version 4.1.3",
            "2026-12-07 15:28:09,979 INFO cdc_mirror: batch 0: 0 change(s) in 0 topic(s), 3.8s (read 2.4s)",
        ].join("\n");
        assert.deepEqual(batchRecords(log), [
            { at: "2026-12-07T15:32:29.328Z", id: 9, changes: 84, topics: 9, seconds: 28 },
            { at: "2026-12-07T15:28:09.979Z", id: 0, changes: 0, topics: 0, seconds: 3.8 },
        ]);
    });
});

describe("tools/bench-soak: the writer's statements", () => {
    const users = { schema: "public", name: "users", primaryKey: ["id"], columns: [
        { name: "id", type: "integer", notNull: true }, { name: "name", type: "text" }, { name: "email", type: "text" }] };
    const orders = { schema: "sales", name: "orders", primaryKey: ["id"], columns: [
        { name: "id", type: "int", notNull: true }, { name: "customer_id", type: "int" }, { name: "status", type: "varchar(32)" }] };
    const keyOnly = { schema: "public", name: "k", primaryKey: ["id"], columns: [{ name: "id", type: "integer", notNull: true }] };

    it("upserts the key and the first text-like column in each dialect", () => {
        assert.equal(soakStatement("postgres", users, 700001, 3),
            `INSERT INTO "public"."users" ("id", "name") VALUES (700001, 'soak-3') ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"`);
        assert.equal(soakStatement("mysql", orders, 700002, 4),
            "INSERT INTO `sales`.`orders` (`id`, `status`) VALUES (700002, 'soak-4') ON DUPLICATE KEY UPDATE `status` = VALUES(`status`)");
    });

    it("deletes every tenth, and upserts a table without a text column by its key alone", () => {
        assert.equal(soakStatement("mysql", orders, 700003, 19), "DELETE FROM `sales`.`orders` WHERE `id` = 700003");
        assert.equal(soakStatement("postgres", keyOnly, 5, 0), `INSERT INTO "public"."k" ("id") VALUES (5) ON CONFLICT ("id") DO UPDATE SET "id" = EXCLUDED."id"`);
    });
});

describe("tools/bench-soak: maintenance passes from its log", () => {
    it("reads each pass's actions, tables, failures and seconds with the log's time", () => {
        // As the soak stack's maintenance container wrote it (2026-12-07): its first pass, before any table existed.
        const log = "26/12/07 15:58:40 INFO SparkContext: Running Spark version 4.1.3\n" +
            "2026-12-07 15:59:20,904 INFO maintenance: pass d695878a-49c4-4b77-ae1c-6a3cbe77514a: 0 action(s) on 0 table(s), 0 failed, 34.3s\n";
        assert.deepEqual(passRecords(log), [{ at: "2026-12-07T15:59:20.904Z", actions: 0, tables: 0, failed: 0, seconds: 34.3 }]);
    });
});

describe("tools/bench-tables-stack: the scale-with-tables stack", () => {
    it("captures users and orders, which the latency bench writes to, and idle Postgres tables up to the count", () => {
        for (const n of [2, 10, 50]) {
            const c = benchTablesConfig(n);
            const pg = c["lakehouse:postgresTables"] as { schema: string; name: string }[];
            const my = c["lakehouse:mysqlTables"] as { schema: string; name: string }[];
            assert.equal(pg.length + my.length, n);
            assert.equal(`${pg[0].schema}.${pg[0].name}`, "public.users");
            assert.deepEqual(my.map((t) => `${t.schema}.${t.name}`), ["sales.orders"]);
            assert.equal(new Set(pg.map((t) => t.name)).size, pg.length);
        }
    });

    it("keeps the dev stack file's settings, under a name prefix of its own", () => {
        const dev = YAML.parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.dev.yaml"), "utf8")).config;
        const c = benchTablesConfig(10);
        for (const [k, v] of Object.entries(dev)) if (k !== "lakehouse:namePrefix") assert.deepEqual(c[k], v, k);
        assert.notEqual(c["lakehouse:namePrefix"], dev["lakehouse:namePrefix"]);
    });

    it("refuses fewer than the two tables that change", () => {
        assert.throws(() => benchTablesConfig(1), /at least 2/);
        assert.throws(() => benchTablesConfig(2.5), /whole number/);
    });
});
