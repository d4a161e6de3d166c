// `make bench-bulk`: bulk throughput of the CDC path on a deployed stack (the outputs `endpoints` and
// `verifyTarget`), issue 13's bulk goal (>= 20,000 rows/s end to end for 1M rows).
//
// For each chosen source (Postgres, and the MySQL-family source with --sources postgres,mysql) it writes
// --rows rows into the source's first captured table, in three phases, each ONE statement in its own
// transaction, and waits after each until the mirror agrees before the next:
//   insert  INSERT ... SELECT over generate_series (Postgres) or a numbers table of cross-joined digits (MySQL);
//   update  UPDATE of all of them (the first text column becomes 'bulk-u-<id>', else the first integer column < 0);
//   delete  DELETE of all of them.
// Per phase, from the host clock when the statement returned (= its commit, a few ms after):
//   kafka   commit -> the first and the last of the phase's change events seen by a consumer (--kafka false to skip);
//   mirror  commit -> the mirror, read through Trino, first showing progress, and equal to the source: the
//           same row count in the id range and the same checksum (a sum over the rows of a 32-bit piece of
//           SHA-256 over each row's values in the text verify compares, tools/clients.ts sourceText/mirrorText);
//   samples every --sample-ms: mirror progress (rows in, updated, or gone), change events seen, load average.
// rows/s end to end = rows / (commit -> mirror equal). The JSON goes to --json (default
// docs/bench/bulk-<label>.json); tools/bench-plot-bulk.py draws the PNGs from it (the Makefile runs both).
// A failure deletes the rows it made from the source (the mirror follows on its own).
//
//   npx ts-node tools/bench-bulk.ts [--stack dev] [--rows 100000] [--label run] [--sources postgres]
//       [--phases insert,update,delete] [--first-id N] [--kafka true] [--sample-ms 1000] [--timeout-s 1800] [--json FILE]
//       [--outputs FILE]   (the stack's `pulumi stack output --json` saved in a file, e.g. of a test harness's stack)
import * as fs from "fs";
import * as os from "os";
import { execFileSync } from "child_process";
import { Kafka } from "kafkajs";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";
import {
    SourceColumn, SourceDb, TrinoEndpoint, VerifyEndpoints, containerSecret, docker, isJsonColumn, kafkaClient, mirrorText, parseCommandLine, readStackOutputs,
    sleep, sourceText, trino,
} from "./clients";

export type Phase = "insert" | "update" | "delete";
export const PHASES: Phase[] = ["insert", "update", "delete"];
type Kind = "postgres" | "mysql";

export interface BulkOptions {
    rows: number;
    phases: Phase[];
    sources: Kind[];
    /** First id of the rows (then first .. first + rows - 1); default: the table's max id + 1. The range must be empty. */
    firstId?: number;
    /** Count the phase's change events in Kafka. */
    kafka: boolean;
    sampleMs: number;
    /** The longest one phase may take from its commit until the mirror is equal (ms). */
    phaseTimeoutMs: number;
    log?: (line: string) => void;
}

export interface BulkSample {
    /** ms since the phase's commit. */
    t: number;
    /** Mirror rows of the phase done: inserted, updated or gone. */
    mirror: number;
    /** The phase's change events seen in Kafka so far (null without --kafka). */
    kafka: number | null;
    load1: number;
}

export interface PhaseResult {
    phase: Phase;
    rows: number;
    /** The statement's own time in the source (send -> commit returned). */
    statementMs: number;
    /** Epoch ms of the commit (the statement's return). */
    commitAt: number;
    kafkaFirstMs: number | null;
    kafkaAllMs: number | null;
    mirrorFirstMs: number | null;
    mirrorEqualMs: number;
    /** rows / (commit -> mirror equal). */
    rowsPerSec: number;
    /** rows / (commit -> last change event in Kafka). */
    kafkaRowsPerSec: number | null;
    /** Last change event in Kafka -> mirror equal (ms): the job's share. */
    kafkaToMirrorMs: number | null;
    /** Count and checksum the source and the mirror agreed on. */
    count: number;
    checksum: string;
    load1Start: number;
    load1End: number;
    samples: BulkSample[];
}

export interface SourceResult {
    source: string;
    kind: Kind;
    table: string;
    topic: string;
    mirror: string;
    firstId: number;
    lastId: number;
    phases: PhaseResult[];
}

interface BulkSource {
    kind: Kind;
    name: string;
    table: TableSpec;
    topic: string;
    mirror: string;
    key: string;
    /** One statement, autocommit: one transaction. */
    exec(sql: string): Promise<void>;
    /** Rows of a query, each value as the driver gives it. */
    query(sql: string): Promise<unknown[][]>;
    close(): Promise<void>;
    insertSql(first: number, last: number): string;
    updateSql(first: number, last: number): string;
    deleteSql(first: number, last: number): string;
    /** SELECT count(*), checksum, updated rows over the range, in the source's SQL. */
    checkSql(first: number, last: number): string;
    /** The same three numbers over the mirror, in Trino's SQL (after the mirror's column types). */
    mirrorCheckSql(first: number, last: number): Promise<string>;
    /** SELECT count(*), updated rows (no checksum: cheap enough to sample every second). */
    mirrorProgressSql(first: number, last: number): string;
}

const isInteger = (t: string) => /^((tiny|small|medium|big)?int(eger)?|int[248]|(small|big)?serial)\b/i.test(t.trim());
const isText = (t: string) => /char|text|string/i.test(t);
const isDecimal = (t: string) => /^(decimal|numeric)\b/i.test(t.trim());

async function hostPort(container: string, port: number): Promise<{ host: string; port: number }> {
    const out = (await docker(["port", container, String(port)])).trim().split("\n")[0];
    const m = /^(.+):(\d+)$/.exec(out);
    if (!m) throw new Error(`${container} publishes no port for ${port}`);
    return { host: m[1], port: Number(m[2]) };
}

/** `<catalog>.<namespace>.<prefix><topic>` as the CDC job names a topic's mirror. */
export function mirrorName(target: VerifyTarget, topic: string): string {
    return `${target.cdc!.namespace}.${target.cdc!.tablePrefix}${topic.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}`;
}

/**
 * The SQL pieces of a bulk run over one table: the value of each column for row `g` at insert, the
 * column the update changes and how to recognise an updated row, and the per-row hash the checksum sums.
 */
export function bulkSql(kind: Kind, t: TableSpec, cols: SourceColumn[]) {
    if (t.primaryKey.length !== 1) throw new Error(`${t.schema}.${t.name}: bench-bulk needs a one-column primary key`);
    const key = t.primaryKey[0];
    const keyType = cols.find((c) => c.name === key)?.type ?? "";
    if (!isInteger(keyType)) throw new Error(`${t.schema}.${t.name}: bench-bulk needs an integer primary key, got ${keyType || "none"}`);
    const q = kind === "postgres" ? (c: string) => `"${c.replace(/"/g, '""')}"` : (c: string) => `\`${c.replace(/`/g, "``")}\``;
    const tq = (c: string) => `"${c.replace(/"/g, '""')}"`;
    const concat = (parts: string[]) => (kind === "postgres" ? parts.join(" || ") : `CONCAT(${parts.join(", ")})`);
    const notNull = new Set(t.columns.filter((c) => c.notNull).map((c) => c.name));
    const value = (c: SourceColumn): string | undefined => {
        if (c.name === key) return "g";
        if (isText(c.type)) return concat(["'bulk-'", kind === "postgres" ? "g::text" : "g"]);
        if (isInteger(c.type)) return "(g % 1000)";
        if (isDecimal(c.type)) return "((g % 1000) + 0.25)";
        if (notNull.has(c.name)) throw new Error(`${t.schema}.${t.name}.${c.name}: NOT NULL of a type bench-bulk cannot fill (${c.type})`);
        return undefined;
    };
    const filled = cols.map((c) => [c, value(c)] as const).filter((x): x is readonly [SourceColumn, string] => x[1] !== undefined);
    const upd = cols.find((c) => c.name !== key && isText(c.type)) ?? cols.find((c) => c.name !== key && isInteger(c.type));
    if (!upd) throw new Error(`${t.schema}.${t.name}: bench-bulk needs a text or integer column besides the key to update`);
    const updText = isText(upd.type);
    const setUpd = updText ? concat(["'bulk-u-'", kind === "postgres" ? `${q(key)}::text` : q(key)]) : `-1 - (${q(key)} % 1000)`;
    const updated = (col: string) => (updText ? `${col} LIKE 'bulk-u-%'` : `${col} < 0`);
    // The checksum's columns: the source's, JSON left out (its text differs by engine).
    const sumCols = cols.filter((c) => !isJsonColumn(c));
    const table = kind === "postgres" ? `"${t.schema}"."${t.name}"` : `\`${t.schema}\`.\`${t.name}\``;
    const range = (col: string, a: number, b: number) => `${col} BETWEEN ${a} AND ${b}`;
    const srcHash = kind === "postgres"
        ? `('x' || substr(encode(sha256(convert_to(concat_ws('|', ${sumCols.map((c) => `coalesce(${sourceText(kind, c)}, '~')`).join(", ")}), 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint`
        : `CAST(CONV(SUBSTR(SHA2(CONCAT_WS('|', ${sumCols.map((c) => `coalesce(${sourceText(kind, c)}, '~')`).join(", ")}), 256), 1, 8), 16, 10) AS UNSIGNED)`;
    // The mirror's side needs its column types (Trino's information_schema), known once the job made it.
    const mirHash = (mirrorTypes: Map<string, string>) => {
        const missing = sumCols.filter((c) => !mirrorTypes.has(c.name.toLowerCase()));
        if (missing.length > 0) throw new Error(`the mirror has no column ${missing.map((c) => c.name).join(", ")} (yet)`);
        return `from_base(substr(to_hex(sha256(to_utf8(concat_ws('|', ${sumCols.map((c) => `coalesce(${mirrorText("trino", c.name, mirrorTypes.get(c.name.toLowerCase())!)}, '~')`).join(", ")})))), 1, 8), 16)`;
    };
    const numbers = (n: number) => {
        if (kind === "postgres") return "";
        const levels = Math.max(1, Math.ceil(Math.log10(n)));
        const digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
        const from = Array.from({ length: levels }, (_, i) => `${digits} d${i}`).join(" CROSS JOIN ");
        return `(SELECT ${Array.from({ length: levels }, (_, i) => `d${i}.d * ${10 ** i}`).join(" + ")} AS n FROM ${from}) numbers`;
    };
    return {
        key,
        updateColumn: upd.name,
        checksumColumns: sumCols.map((c) => c.name),
        insert: (a: number, b: number) => kind === "postgres"
            ? `INSERT INTO ${table} (${filled.map(([c]) => q(c.name)).join(", ")}) SELECT ${filled.map(([, v]) => v).join(", ")} FROM generate_series(${a}, ${b}) g`
            : `INSERT INTO ${table} (${filled.map(([c]) => q(c.name)).join(", ")}) SELECT ${filled.map(([, v]) => v).join(", ")} FROM (SELECT n + ${a} AS g FROM ${numbers(b - a + 1)} WHERE n <= ${b - a}) gs`,
        update: (a: number, b: number) => `UPDATE ${table} SET ${q(upd.name)} = ${setUpd} WHERE ${range(q(key), a, b)}`,
        delete: (a: number, b: number) => `DELETE FROM ${table} WHERE ${range(q(key), a, b)}`,
        check: (a: number, b: number) => `SELECT count(*), coalesce(sum(${srcHash}), 0), count(CASE WHEN ${updated(q(upd.name))} THEN 1 END) FROM ${table} WHERE ${range(q(key), a, b)}`,
        mirrorCheck: (mirror: string, mirrorTypes: Map<string, string>, a: number, b: number) => `SELECT count(*), coalesce(sum(${mirHash(mirrorTypes)}), 0), count_if(${updated(tq(upd.name))}) FROM ${mirror} WHERE ${range(tq(key), a, b)}`,
        mirrorProgress: (mirror: string, a: number, b: number) => `SELECT count(*), count_if(${updated(tq(upd.name))}) FROM ${mirror} WHERE ${range(tq(key), a, b)}`,
    };
}

/** The mirror's columns and their Trino types (none while the job has not made the mirror: an empty table's). */
async function mirrorColumnTypes(trinoUrl: TrinoEndpoint, mirror: string): Promise<Map<string, string>> {
    const [catalog, schema, table] = mirror.split(".");
    const rows = await trino(trinoUrl, `SELECT column_name, data_type FROM ${catalog}.information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}'`);
    return new Map(rows.map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
}

async function openSource(s: VerifySource & { container: string }, target: VerifyTarget, trinoUrl: TrinoEndpoint): Promise<BulkSource> {
    const t = s.tables[0];
    const topic = `${s.topicPrefix}.${t.schema}.${t.name}`;
    const mirror = mirrorName(target, topic);
    const cols = await new SourceDb(s).columnTypes(t);
    const sql = bulkSql(s.kind === "postgres" ? "postgres" : "mysql", t, cols);
    const common = {
        name: `${s.kind} ${t.schema}.${t.name}`, table: t, topic, mirror, key: sql.key,
        insertSql: sql.insert, updateSql: sql.update, deleteSql: sql.delete, checkSql: sql.check,
        mirrorCheckSql: async (a: number, b: number) => sql.mirrorCheck(mirror, await mirrorColumnTypes(trinoUrl, mirror), a, b),
        mirrorProgressSql: (a: number, b: number) => sql.mirrorProgress(mirror, a, b),
    };
    if (s.kind === "postgres") {
        const { host, port } = await hostPort(s.container, 5432);
        const pg = new PgClient({ host, port, user: s.adminUser, database: s.database, password: await containerSecret(s.container, "POSTGRES_PASSWORD") });
        await pg.connect();
        return {
            ...common, kind: "postgres",
            exec: async (q) => { await pg.query(q); },
            query: async (q) => (await pg.query({ text: q, rowMode: "array" })).rows,
            close: () => pg.end(),
        };
    }
    const { host, port } = await hostPort(s.container, 3306);
    const my = await mysql.createConnection({ host, port, user: "root", password: await containerSecret(s.container, "MYSQL_ROOT_PASSWORD") });
    return {
        ...common, kind: "mysql",
        exec: async (q) => { await my.query(q); },
        query: async (q) => ((await my.query({ sql: q, rowsAsArray: true })) as any)[0],
        close: () => my.end(),
    };
}

const big = (v: unknown) => BigInt(String(v ?? 0).replace(/\.0*$/, ""));

/** Counts each topic's change events by operation over an id range, from the topics' ends when it starts. */
class ChangeCounter {
    private counts = new Map<string, number>();
    private first = new Map<string, number>();
    private reached = new Map<string, number>();
    private want = new Map<string, { n: number; lo: number; hi: number; key: string }>();
    private consumer;
    private kafka: Kafka;

    constructor(endpoints: Pick<VerifyEndpoints, "kafka" | "kafkaAuth">) {
        this.kafka = kafkaClient(endpoints, "lakehouse-bench-bulk");
        this.consumer = this.kafka.consumer({ groupId: `lakehouse-bench-bulk-${Date.now().toString(36)}`, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 32 * 1024 * 1024 });
    }

    async start(topics: string[]): Promise<void> {
        const admin = this.kafka.admin();
        await admin.connect();
        const start = await Promise.all(topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })));
        await admin.disconnect();
        await this.consumer.connect();
        await this.consumer.subscribe({ topics, fromBeginning: false });
        await this.consumer.run({
            eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
                for (const m of batch.messages) {
                    if (m.value) this.seen(batch.topic, m.value);
                    resolveOffset(m.offset);
                }
                await heartbeat();
            },
        });
        for (const s of start) for (const p of s.offsets) this.consumer.seek({ topic: s.topic, partition: p.partition, offset: p.offset });
    }

    private seen(topic: string, value: Buffer): void {
        const now = Date.now();
        let p: any;
        try {
            const v = JSON.parse(value.toString());
            p = v.payload ?? v;
        } catch {
            return;
        }
        const k = `${topic}/${p?.op}`;
        const w = this.want.get(k);
        if (!w) return;
        const row = p.after ?? p.before;
        const id = Number(row?.[w.key]);
        if (!(id >= w.lo && id <= w.hi)) return;
        const n = (this.counts.get(k) ?? 0) + 1;
        this.counts.set(k, n);
        if (n === 1) this.first.set(k, now);
        if (n === w.n) this.reached.set(k, now);
    }

    /** Count `op` events (c, u, d) of ids lo..hi from now on. */
    expect(topic: string, op: string, key: string, lo: number, hi: number): void {
        const k = `${topic}/${op}`;
        this.want.set(k, { n: hi - lo + 1, lo, hi, key });
        this.counts.set(k, 0);
        this.first.delete(k);
        this.reached.delete(k);
    }

    state(topic: string, op: string): { count: number; first?: number; all?: number } {
        const k = `${topic}/${op}`;
        return { count: this.counts.get(k) ?? 0, first: this.first.get(k), all: this.reached.get(k) };
    }

    async stop(): Promise<void> {
        await this.consumer.disconnect().catch(() => undefined);
    }
}

const OP: Record<Phase, string> = { insert: "c", update: "u", delete: "d" };

export async function benchBulk(endpoints: VerifyEndpoints, target: VerifyTarget, o: BulkOptions): Promise<SourceResult[]> {
    const log = o.log ?? ((l: string) => console.log(l));
    if (!target.cdc) throw new Error("the stack has no CDC mirror job: nothing to measure in Iceberg");
    const chosen = target.sources.filter((s) => o.sources.includes(s.kind === "postgres" ? "postgres" : "mysql"));
    const missing = o.sources.filter((k) => !target.sources.some((s) => (s.kind === "postgres" ? "postgres" : "mysql") === k));
    if (missing.length > 0) throw new Error(`the stack has no ${missing.join(", ")} source`);
    const results: SourceResult[] = [];
    const counter = o.kafka ? new ChangeCounter(endpoints) : undefined;
    const sources: BulkSource[] = [];
    try {
        for (const s of chosen) sources.push(await openSource(s as VerifySource & { container: string }, target, endpoints.trino));
        if (counter) await counter.start(sources.map((s) => s.topic));
        for (const s of sources) results.push(await benchSource(s, endpoints.trino, counter, o, log));
        return results;
    } finally {
        await counter?.stop();
        await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    }
}

async function benchSource(s: BulkSource, trinoUrl: TrinoEndpoint, counter: ChangeCounter | undefined, o: BulkOptions, log: (l: string) => void): Promise<SourceResult> {
    const first = o.firstId ?? Number((await s.query(`SELECT coalesce(max(${s.kind === "postgres" ? `"${s.key}"` : `\`${s.key}\``}), 0) FROM ${s.kind === "postgres" ? `"${s.table.schema}"."${s.table.name}"` : `\`${s.table.schema}\`.\`${s.table.name}\``}`))[0][0]) + 1;
    const last = first + o.rows - 1;
    const already = Number((await s.query(s.checkSql(first, last)))[0][0]);
    if (already !== 0) throw new Error(`${s.name}: ${already} rows already in the id range ${first}..${last}; choose another --first-id`);
    const result: SourceResult = { source: s.name, kind: s.kind, table: `${s.table.schema}.${s.table.name}`, topic: s.topic, mirror: s.mirror, firstId: first, lastId: last, phases: [] };
    log(`bench-bulk: ${s.name}, ids ${first}..${last} (${o.rows} rows), phases ${o.phases.join(", ")}; mirror ${s.mirror}`);
    let dirty = false;
    try {
        for (const phase of o.phases) {
            const sql = phase === "insert" ? s.insertSql(first, last) : phase === "update" ? s.updateSql(first, last) : s.deleteSql(first, last);
            counter?.expect(s.topic, OP[phase], s.key, first, last);
            const load1Start = os.loadavg()[0];
            const sent = Date.now();
            if (phase === "insert") dirty = true;
            await s.exec(sql);
            const commitAt = Date.now();
            const [cnt, sum, upd] = (await s.query(s.checkSql(first, last)))[0];
            const want = { count: Number(cnt), checksum: big(sum).toString(), updated: Number(upd) };
            // Rows done: inserted, updated or gone; all of them in the source at its commit.
            const doneIn = (count: number, updated: number) => (phase === "insert" ? count : phase === "update" ? updated : o.rows - count);
            if (doneIn(want.count, want.updated) !== o.rows) {
                throw new Error(`${s.name} ${phase}: the source shows ${JSON.stringify(want)} after the commit, not all ${o.rows} rows ${({ insert: "inserted", update: "updated", delete: "deleted" } as const)[phase]}`);
            }
            if (phase === "delete") dirty = false;
            log(`bench-bulk: ${s.name} ${phase}: statement ${commitAt - sent} ms; waiting for the mirror (count ${want.count}, checksum ${want.checksum})`);
            const samples: BulkSample[] = [];
            let mirrorFirst: number | null = null;
            let equalAt = 0;
            const deadline = commitAt + o.phaseTimeoutMs;
            for (;;) {
                const began = Date.now();
                let done = 0;
                let count = -1;
                try {
                    const [c, u] = (await trino(trinoUrl, s.mirrorProgressSql(first, last)))[0];
                    count = Number(c);
                    done = doneIn(count, Number(u));
                } catch (e) {
                    // A table that was empty has no mirror until the job's first batch with its rows.
                    const m = (e as Error).message;
                    if (!/does not exist/i.test(m) || samples.length % 30 === 0) log(`bench-bulk: trino: ${m}`);
                }
                const now = Date.now();
                const k = counter?.state(s.topic, OP[phase]);
                samples.push({ t: now - commitAt, mirror: done, kafka: k ? k.count : null, load1: os.loadavg()[0] });
                if (done > 0 && mirrorFirst === null) mirrorFirst = now;
                if (count === want.count && done === o.rows) {
                    const [c2, sum2, u2] = (await trino(trinoUrl, await s.mirrorCheckSql(first, last)))[0];
                    if (Number(c2) === want.count && big(sum2).toString() === want.checksum && Number(u2) === want.updated) {
                        equalAt = now;
                        break;
                    }
                    log(`bench-bulk: ${s.name} ${phase}: counts agree but the mirror's checksum is ${big(sum2)} (source ${want.checksum}), updated ${u2}; waiting`);
                }
                if (now > deadline) {
                    throw new Error(`${s.name} ${phase}: the mirror was not equal ${o.phaseTimeoutMs / 1000} s after the commit (last sample ${JSON.stringify(samples[samples.length - 1])})`);
                }
                await sleep(Math.max(0, o.sampleMs - (Date.now() - began)));
            }
            const k = counter?.state(s.topic, OP[phase]);
            const kafkaAllMs = k?.all !== undefined ? k.all - commitAt : null;
            const mirrorEqualMs = equalAt - commitAt;
            const r: PhaseResult = {
                phase, rows: o.rows, statementMs: commitAt - sent, commitAt,
                kafkaFirstMs: k?.first !== undefined ? k.first - commitAt : null, kafkaAllMs,
                mirrorFirstMs: mirrorFirst !== null ? mirrorFirst - commitAt : null, mirrorEqualMs,
                rowsPerSec: o.rows / (Math.max(1, mirrorEqualMs) / 1000),
                kafkaRowsPerSec: kafkaAllMs !== null ? o.rows / (Math.max(1, kafkaAllMs) / 1000) : null,
                kafkaToMirrorMs: kafkaAllMs !== null ? mirrorEqualMs - kafkaAllMs : null,
                count: want.count, checksum: want.checksum, load1Start, load1End: os.loadavg()[0], samples,
            };
            log(`bench-bulk: ${s.name} ${phase}: ${describePhase(r)}`);
            result.phases.push(r);
        }
        return result;
    } finally {
        if (dirty) await s.exec(s.deleteSql(first, last)).catch((e) => log(`bench-bulk: cleanup of ${s.name} failed: ${(e as Error).message}`));
    }
}

const secs = (ms: number | null) => (ms === null ? "-" : (ms / 1000).toFixed(1));
function describePhase(r: PhaseResult): string {
    return `mirror equal ${secs(r.mirrorEqualMs)} s after the commit = ${Math.round(r.rowsPerSec)} rows/s end to end; `
        + `Kafka first/all ${secs(r.kafkaFirstMs)}/${secs(r.kafkaAllMs)} s${r.kafkaRowsPerSec !== null ? ` (${Math.round(r.kafkaRowsPerSec)} events/s)` : ""}, `
        + `mirror first ${secs(r.mirrorFirstMs)} s, Kafka all -> mirror equal ${secs(r.kafkaToMirrorMs)} s; statement ${r.statementMs} ms; load ${r.load1Start.toFixed(1)} -> ${r.load1End.toFixed(1)}`;
}

export function formatBulk(results: SourceResult[]): string {
    const lines = ["| source | phase | rows | statement s | commit -> Kafka all s | Kafka events/s | commit -> mirror first s | commit -> mirror equal s | Kafka all -> mirror equal s | rows/s end to end | load 1 min |",
        "|---|---|---|---|---|---|---|---|---|---|---|"];
    for (const s of results) {
        for (const r of s.phases) {
            lines.push(`| ${s.source} | ${r.phase} | ${r.rows} | ${secs(r.statementMs)} | ${secs(r.kafkaAllMs)} | ${r.kafkaRowsPerSec === null ? "-" : Math.round(r.kafkaRowsPerSec)} | ${secs(r.mirrorFirstMs)} | ${secs(r.mirrorEqualMs)} | ${secs(r.kafkaToMirrorMs)} | ${Math.round(r.rowsPerSec)} | ${r.load1Start.toFixed(1)}-${r.load1End.toFixed(1)} |`);
        }
    }
    return lines.join("\n");
}

/** The machine's state for the JSON: cores and `uptime`'s load line. */
export function machine(): { cpus: number; uptime: string; loadavg: number[] } {
    let uptime = "";
    try {
        uptime = execFileSync("uptime", { encoding: "utf8" }).trim();
    } catch {
        uptime = "";
    }
    return { cpus: os.cpus().length, uptime, loadavg: os.loadavg() };
}

export interface BulkCli {
    stack: string;
    label: string;
    json: string;
    /** A file with the stack's outputs (`pulumi stack output --json`) instead of asking the CLI. */
    outputs: string;
    options: BulkOptions;
}

/** The command line, checked before anything runs; a bad value exits 2 naming the flag. */
export function parseBulkArgs(argv: string[]): BulkCli {
    const a = parseCommandLine("bench-bulk",
        "npx ts-node tools/bench-bulk.ts [--stack dev] [--rows 100000] [--label run] [--sources postgres[,mysql]] [--phases insert,update,delete] [--first-id N] [--kafka true|false] [--sample-ms 1000] [--timeout-s 1800] [--json FILE] [--outputs FILE]", {
            stack: { type: "string", default: "dev" },
            rows: { type: "string", default: "100000" },
            label: { type: "string", default: "run" },
            sources: { type: "string", default: "postgres" },
            phases: { type: "string", default: PHASES.join(",") },
            "first-id": { type: "string", default: "" },
            kafka: { type: "string", default: "true" },
            "sample-ms": { type: "string", default: "1000" },
            "timeout-s": { type: "string", default: "1800" },
            json: { type: "string", default: "" },
            outputs: { type: "string", default: "" },
        }, argv);
    const fail = (msg: string): never => {
        console.error(`bench-bulk: ${msg}`);
        process.exit(2);
    };
    const int = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${v}`);
        return n;
    };
    const list = <T extends string>(name: string, v: string, allowed: readonly T[]): T[] => {
        const items = v.split(",").map((x) => x.trim()).filter((x) => x);
        const bad = items.filter((x) => !allowed.includes(x as T));
        if (items.length === 0 || bad.length > 0) fail(`--${name} takes a comma-separated list of ${allowed.join(", ")}, got ${v}`);
        return [...new Set(items)] as T[];
    };
    if (!/^[A-Za-z0-9_.-]+$/.test(a.label)) fail(`--label must be letters, digits, '.', '_' or '-', got ${a.label}`);
    if (a.kafka !== "true" && a.kafka !== "false") fail(`--kafka must be true or false, got ${a.kafka}`);
    const phases = list("phases", a.phases, PHASES);
    // Each phase works on the rows the one before left: an update or delete needs the insert first.
    if (phases[0] !== "insert" || phases.some((p, i) => i > 0 && PHASES.indexOf(p) <= PHASES.indexOf(phases[i - 1]))) {
        fail(`--phases must start with insert and keep the order insert, update, delete, got ${a.phases}`);
    }
    return {
        stack: a.stack, label: a.label, json: a.json || `docs/bench/bulk-${a.label}.json`, outputs: a.outputs,
        options: {
            rows: int("rows", a.rows, 1), phases, sources: list("sources", a.sources, ["postgres", "mysql"] as const),
            firstId: a["first-id"] === "" ? undefined : int("first-id", a["first-id"], 1),
            kafka: a.kafka === "true", sampleMs: int("sample-ms", a["sample-ms"], 100), phaseTimeoutMs: int("timeout-s", a["timeout-s"], 1) * 1000,
        },
    };
}

async function main(): Promise<void> {
    const cli = parseBulkArgs(process.argv.slice(2));
    const outputs = cli.outputs ? JSON.parse(fs.readFileSync(cli.outputs, "utf8")) : await readStackOutputs(cli.stack, "bench-bulk");
    const before = machine();
    const at = new Date().toISOString();
    // One source at a time, the JSON rewritten after each: a failure keeps what was measured before it.
    const results: SourceResult[] = [];
    const write = (error?: string) => fs.writeFileSync(cli.json, JSON.stringify({ label: cli.label, stack: cli.stack, at, ...cli.options, log: undefined,
        machine: { before, after: machine() }, results, ...(error ? { error } : {}) }, null, 2) + "\n");
    try {
        for (const source of cli.options.sources) {
            results.push(...await benchBulk(outputs.endpoints, outputs.verifyTarget, { ...cli.options, sources: [source] }));
            write();
        }
    } catch (e) {
        write((e as Error).message);
        console.log(formatBulk(results));
        throw e;
    }
    console.log(formatBulk(results));
    console.log(`bench-bulk: wrote ${cli.json}`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`bench-bulk: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
