// `make verify`: the seed's manual checks, automated, against a deployed stack — and the rest of the
// CDC path. It reads the stack's outputs `endpoints` and `verifyTarget` (no secrets: the databases'
// own clients run inside their containers, MinIO's key is read from its container's environment),
// then checks, in order:
//   1. every container of the stack is healthy (kubernetes platform: every StatefulSet and Deployment
//      has all its replicas Ready; commands run through `kubectl exec`, services through the NodePorts);
//   2. every Debezium connector and its tasks are RUNNING;
//   3. every CDC topic is listed by Kafka;
//   4. inserts, an update and a delete in every captured table arrive on its topic, the update and
//      the delete with the full `before` row;
//   5. Spark writes and reads minio.test_db.iceberg_table, whose metadata files v1 and v2 are in MinIO
//      (5 and 8 need the Spark container, which the kubernetes platform has not);
//   6. the mirror tables equal the source tables exactly, read through Trino;
//   7. the changelog tables hold the changes with op, before and after, read through Trino;
//   8. Spark reads the same mirror rows and changelog;
//   9. the CDC job's checkpoint is on MinIO (when it is an s3a:// location);
//  10. the rows the checks made are deleted again and the mirror follows.
// Rows made here carry the text `verify-<run id>` and ids above the table's largest.
//
//   npx ts-node tools/verify.ts [--stack dev] [--wait-seconds 600] [--quick]    (make verify)
import axios from "axios";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";
import { Row, SourceColumn, SourceDb, VerifyEndpoints, canonicalJson, connectRequest, containerSecret, docker, execFor, kafkaClient, isJsonColumn, kubectl, mirrorText, parseCommandLine, readStackOutputs, s3Client, sparkSql, trino, waitUntil } from "./clients";

export { VerifyEndpoints };

export interface CheckResult {
    name: string;
    ok: boolean;
    seconds: number;
    detail: string;
}

export interface VerifyOptions {
    /** How long to wait for the CDC path to deliver a change (ms). Default 600 000. */
    waitMs?: number;
    /** Where progress lines go. Default: console.log. */
    log?: (line: string) => void;
    /** Run id in the rows the checks make. Default: the current time in base 36. */
    runId?: string;
    /**
     * Leave out the two checks that start Spark (the seed's table, and Spark reading the mirrors): the
     * CDC path is still checked end to end through Kafka and Trino. For repeated checks, e.g. after each
     * heal. Default false.
     */
    quick?: boolean;
}

// ---- comparing rows ------------------------------------------------------------------------------
function compareKeys(a: Row, b: Row, idx: number[]): number {
    for (const i of idx) {
        const [x, y] = [a[i], b[i]];
        if (x === y) continue;
        if (x === null) return -1;
        if (y === null) return 1;
        const [nx, ny] = [Number(x), Number(y)];
        if (!Number.isNaN(nx) && !Number.isNaN(ny) && nx !== ny) return nx - ny;
        return x < y ? -1 : 1;
    }
    return 0;
}

export function sortRows(rows: Row[], cols: string[], key: string[]): Row[] {
    const idx = key.map((k) => cols.indexOf(k));
    return [...rows].map((r) => r.map((v) => (v === null || v === undefined ? null : String(v)))).sort((a, b) => compareKeys(a, b, idx));
}

/** The first difference between two sorted row lists, or undefined when equal. */
export function rowDiff(src: Row[], dst: Row[]): string | undefined {
    if (src.length !== dst.length) return `${src.length} source rows, ${dst.length} mirror rows`;
    for (let i = 0; i < src.length; i++) {
        if (JSON.stringify(src[i]) !== JSON.stringify(dst[i])) return `row ${i}: source ${JSON.stringify(src[i])}, mirror ${JSON.stringify(dst[i])}`;
    }
    return undefined;
}

// ---- Debezium's JSON ------------------------------------------------------------------------------
/** Kafka Connect's Decimal in JSON (base64 of a big-endian two's-complement unscaled value) as text. */
export function decimalText(base64: string, scale: number): string {
    const bytes = Buffer.from(base64, "base64");
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    if (bytes.length > 0 && bytes[0] & 0x80) n -= 1n << BigInt(8 * bytes.length);
    const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, "0");
    return `${n < 0n ? "-" : ""}${scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
}

/** A before/after row with its Decimal fields turned into text, using the message's own schema. */
export function decodeDecimals(row: Record<string, unknown> | null, schema?: { fields?: { field: string; name?: string; parameters?: Record<string, string> }[] }): Record<string, unknown> | null {
    if (!row || !schema?.fields) return row;
    const out = { ...row };
    for (const f of schema.fields) {
        if (f.name === "org.apache.kafka.connect.data.Decimal" && typeof out[f.field] === "string") {
            out[f.field] = decimalText(out[f.field] as string, Number(f.parameters?.scale ?? 0));
        }
    }
    return out;
}

// ---- rows the checks make --------------------------------------------------------------------------
interface Planned {
    table: TableSpec;
    db: SourceDb;
    topic: string;
    mirror: string;
    key: string;
    ids: [number, number];
    inserted: Record<string, string | null>[];
    updated?: { column: string; value: string };
}

const isInteger = (type: string) => /^((tiny|small|medium|big)?int(eger)?|int[248]|(small|big)?serial)\b/i.test(type.trim());

/**
 * A value of a column's type for a verify row, written as the source and Debezium write it back
 * (a DECIMAL(12,3) gets 12.340); undefined when it cannot make one. A DECIMAL without scale is
 * MySQL's DECIMAL(10,0) (12); a Postgres NUMERIC without scale keeps what it is given (12.34).
 */
export function valueFor(type: string, text: string, n: number, kind: "postgres" | "mysql" = "postgres"): string | undefined {
    const t = type.trim();
    if (/^(enum|set)\s*\(/i.test(t)) return undefined;
    if (/char|text|string/i.test(t)) return text;
    if (isInteger(t)) return String(n);
    const d = /^(decimal|numeric)\s*(?:\(\s*\d+\s*(?:,\s*(\d+)\s*)?\))?/i.exec(t);
    if (d) {
        const scale = d[2] !== undefined ? Number(d[2]) : /\(/.test(t) || kind === "mysql" ? 0 : undefined;
        if (scale === undefined) return "12.34";
        return scale === 0 ? "12" : `12.${"34".padEnd(scale, "0").slice(0, scale)}`;
    }
    return undefined;
}

function plan(db: SourceDb, t: TableSpec, topicPrefix: string, target: VerifyTarget, runId: string, maxId: number): Planned {
    if (t.primaryKey.length !== 1) throw new Error(`${t.schema}.${t.name}: verify needs a one-column primary key`);
    const key = t.primaryKey[0];
    const keyCol = t.columns.find((c) => c.name === key);
    if (!keyCol || !isInteger(keyCol.type)) throw new Error(`${t.schema}.${t.name}: verify needs an integer primary key, got ${keyCol?.type}`);
    const ids: [number, number] = [maxId + 1, maxId + 2];
    const inserted = ids.map((id, i) => Object.fromEntries(t.columns.map((c) => {
        if (c.name === key) return [c.name, String(id)];
        const v = valueFor(c.type, `verify-${runId}-${i}`, 7, db.src.kind === "postgres" ? "postgres" : "mysql");
        if (v === undefined && c.notNull) throw new Error(`${t.schema}.${t.name}.${c.name}: no verify value for type ${c.type}`);
        return [c.name, v ?? null];
    })));
    const textCol = t.columns.find((c) => c.name !== key && /char|text/i.test(c.type));
    const topic = `${topicPrefix}.${t.schema}.${t.name}`;
    const cdc = target.cdc;
    const mirror = cdc ? `${cdc.namespace}.${cdc.tablePrefix}${topic.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}` : "";
    return { table: t, db, topic, mirror, key, ids, inserted, updated: textCol && { column: textCol.name, value: `verify-${runId}-0u` } };
}

const lit = (v: string | null) => (v === null ? "NULL" : `'${v.replace(/'/g, "''")}'`);
const ident = (db: SourceDb, c: string) => (db.src.kind === "postgres" ? `"${c}"` : `\`${c}\``);

// ---- the checks ----------------------------------------------------------------------------------
export async function verifyLakehouse(endpoints: VerifyEndpoints, target: VerifyTarget, o: VerifyOptions = {}): Promise<CheckResult[]> {
    const log = o.log ?? ((l: string) => console.log(l));
    const waitMs = o.waitMs ?? 600_000;
    const runId = o.runId ?? Date.now().toString(36);
    const results: CheckResult[] = [];
    const exec = execFor(target);
    const sources = target.sources.map((s) => new SourceDb(s as VerifySource & { container: string }, exec));
    let planned: Planned[] = [];

    async function check(name: string, fn: () => Promise<string>): Promise<boolean> {
        const started = Date.now();
        let r: CheckResult;
        try {
            r = { name, ok: true, seconds: 0, detail: await fn() };
        } catch (e) {
            r = { name, ok: false, seconds: 0, detail: (e as Error).message };
        }
        r.seconds = (Date.now() - started) / 1000;
        results.push(r);
        log(`  ${r.ok ? "ok  " : "FAIL"} ${name} (${r.seconds.toFixed(1)} s)${r.detail ? `: ${r.detail}` : ""}`);
        return r.ok;
    }

    const containers = (target.containers ?? []) as string[];
    const k8s = target.kubernetes;
    // On Kubernetes the "containers" are the stack's StatefulSets and Deployments (`statefulset/kafka`): each
    // must have all its replicas Ready, which its probes decide as Docker's healthchecks do.
    // A pod rescheduled or restarted (after a node was lost, say) takes a while to be Ready again: waited for,
    // up to 5 min, as the connectors' rebalance is below.
    if (k8s) await check("workloads ready", async () => {
        if (containers.length === 0) throw new Error("the stack lists no workload");
        const states = await waitUntil("every workload's replicas Ready", Math.min(waitMs, 300_000), 5000, async () => {
            const now = await Promise.all(containers.map(async (w) =>
                [w, (await kubectl(k8s, ["get", w, "-o", "jsonpath={.status.readyReplicas}/{.spec.replicas}"]).catch((e) => `missing (${e.message})`)).trim()] as const));
            const bad = now.filter(([, s]) => { const m = /^(\d+)\/(\d+)$/.exec(s); return !m || m[1] !== m[2] || m[2] === "0"; });
            if (bad.length > 0) throw new Error(bad.map(([w, s]) => `${w} ${s.replace(/^\//, "0/")}`).join("; "));
            return now;
        });
        return states.map(([w, s]) => `${w} ${s}`).join(", ");
    });
    else await check("containers healthy", async () => {
        const states = await Promise.all(containers.map(async (c) =>
            [c, (await docker(["inspect", "-f", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", c]).catch((e) => `missing (${e.message})`)).trim()] as const));
        if (states.length === 0) throw new Error("the stack lists no container");
        const bad = states.filter(([, s]) => s !== "running/healthy");
        if (bad.length > 0) throw new Error(bad.map(([c, s]) => `${c} ${s}`).join("; "));
        return `${states.length} containers`;
    });

    await check("connectors RUNNING", async () => {
        const names = sources.map((s) => s.src.connector as string | undefined).filter((n): n is string => !!n);
        if (names.length === 0) throw new Error("the stack has no connector");
        // After a broker or worker comes back, Connect rebalances: UNASSIGNED for a while is not a failure.
        let last = "";
        const states = await waitUntil("every connector and task RUNNING", Math.min(waitMs, 180_000), 2000, async () => {
            const now = await Promise.all(names.map(async (n) => {
                const { data } = await axios.get(`${endpoints.connect}/connectors/${encodeURIComponent(n)}/status`, connectRequest(endpoints));
                return `${n}=${[data.connector.state, ...data.tasks.map((t: { state: string }) => t.state)].join(",")}`;
            }));
            last = now.join("; ");
            if (now.some((s) => !/=RUNNING(,RUNNING)+$/.test(s))) throw new Error(last);
            return now;
        });
        return states.join("; ");
    });

    const kafka = kafkaClient(endpoints, "lakehouse-verify");
    const topics = sources.flatMap((s) => s.src.tables.map((t) => `${s.src.topicPrefix}.${t.schema}.${t.name}`));
    await check("CDC topics listed", async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
            const have = new Set(await admin.listTopics());
            const missing = topics.filter((t) => !have.has(t));
            if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}`);
            return topics.join(", ");
        } finally {
            await admin.disconnect();
        }
    });

    // Changes in every captured table, watched on Kafka from the offsets before them.
    const seen = new Map<string, { op: string; before: any; after: any }[]>();
    // Where each topic ended before the changes: the changelog checks read only what came after, since
    // ids of an earlier run's deleted rows may be used again.
    const startOffsets = new Map<string, { partition: number; offset: number }[]>();
    const sinceStart = (topic: string) =>
        `(${(startOffsets.get(topic) ?? []).map((o) => `(kafka_partition = ${o.partition} AND kafka_offset >= ${o.offset})`).join(" OR ") || "true"})`;
    const consumer = kafka.consumer({ groupId: `lakehouse-verify-${runId}` });
    let consuming = false;
    const changed = await check("inserts, an update and a delete in every captured table", async () => {
        const admin = kafka.admin();
        await admin.connect();
        // Right after a deploy a listed topic can still have no partition led in the client's metadata:
        // kafkajs then fails with "Cannot destructure property 'partitions' of 'high.pop(...)'" (seen on
        // the kubernetes platform right after `pulumi up`). Wait for every partition's offset instead.
        const start = await waitUntil("the end offsets of every captured topic", Math.min(waitMs, 180_000), 2000, () =>
            Promise.all(topics.map(async (topic) => {
                const [offsets, meta] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchTopicMetadata({ topics: [topic] })]);
                const partitions = meta.topics[0]?.partitions.length ?? 0;
                if (partitions === 0 || offsets.length !== partitions) throw new Error(`${topic}: offsets of ${offsets.length} of ${partitions} partitions`);
                return { topic, offsets };
            }))).finally(() => admin.disconnect());
        for (const t of start) startOffsets.set(t.topic, t.offsets.map((o) => ({ partition: o.partition, offset: Number(o.offset) })));
        await consumer.connect();
        consuming = true;
        await consumer.subscribe({ topics, fromBeginning: false });
        await consumer.run({
            eachMessage: async ({ topic, message }) => {
                if (!message.value) return;
                const v = JSON.parse(message.value.toString());
                const p = v.payload ?? v;
                if (!p || !p.op) return;
                const list = seen.get(topic) ?? [];
                const rowSchema = (field: string) => v.schema?.fields?.find((f: { field: string }) => f.field === field);
                list.push({ op: p.op, before: decodeDecimals(p.before, rowSchema("before")), after: decodeDecimals(p.after, rowSchema("after")) });
                seen.set(topic, list);
            },
        });
        for (const s of start) for (const p of s.offsets) consumer.seek({ topic: s.topic, partition: p.partition, offset: p.offset });

        planned = [];
        for (const db of sources) {
            for (const t of db.src.tables) {
                const max = await db.sql(`SELECT coalesce(max(${ident(db, t.primaryKey[0])}), 0) FROM ${db.qualified(t)};`);
                planned.push(plan(db, t, db.src.topicPrefix, target, runId, Number(max)));
            }
        }
        for (const p of planned) {
            const cols = p.table.columns.map((c) => c.name);
            const values = p.inserted.map((r) => `(${cols.map((c) => lit(r[c])).join(", ")})`).join(", ");
            const q = p.db.qualified(p.table);
            await p.db.sql(`INSERT INTO ${q} (${cols.map((c) => ident(p.db, c)).join(", ")}) VALUES ${values};`);
            if (p.updated) await p.db.sql(`UPDATE ${q} SET ${ident(p.db, p.updated.column)} = ${lit(p.updated.value)} WHERE ${ident(p.db, p.key)} = ${p.ids[0]};`);
            await p.db.sql(`DELETE FROM ${q} WHERE ${ident(p.db, p.key)} = ${p.ids[1]};`);
        }
        return planned.map((p) => `${p.table.schema}.${p.table.name} ids ${p.ids.join(",")}`).join("; ");
    });

    const ours = (p: Planned, e: { before: any; after: any }) => p.ids.map(String).includes(String((e.after ?? e.before)?.[p.key]));
    const sameRow = (row: any, want: Record<string, string | null>) =>
        row !== null && row !== undefined && Object.entries(want).every(([c, v]) => (row[c] === null || row[c] === undefined ? null : String(row[c])) === v);

    if (changed) {
        await check("the changes on Kafka, update and delete with the full before row", async () => {
            try {
                await waitUntil("the changes on Kafka", waitMs, 500, async () => {
                    for (const p of planned) {
                        const ops = (seen.get(p.topic) ?? []).filter((e) => ours(p, e)).map((e) => e.op).join("");
                        if (ops !== (p.updated ? "ccud" : "ccd")) return undefined;
                    }
                    return true;
                });
            } catch (e) {
                const got = planned.map((p) => `${p.topic}: ${(seen.get(p.topic) ?? []).filter((x) => ours(p, x)).map((x) => x.op).join("")}`);
                throw new Error(`${(e as Error).message} (saw ${got.join("; ")})`);
            }
            for (const p of planned) {
                const events = (seen.get(p.topic) ?? []).filter((e) => ours(p, e));
                const upd = events.find((e) => e.op === "u");
                if (p.updated && !sameRow(upd?.before, p.inserted[0])) throw new Error(`${p.topic}: update's before ${JSON.stringify(upd?.before)} is not the full row ${JSON.stringify(p.inserted[0])}`);
                const del = events.find((e) => e.op === "d")!;
                if (!sameRow(del.before, p.inserted[1]) || del.after !== null) throw new Error(`${p.topic}: delete's before/after ${JSON.stringify(del)}`);
            }
            return planned.map((p) => p.topic).join(", ");
        });
    }
    if (consuming) await consumer.disconnect().catch(() => undefined);

    const s3 = s3Client(endpoints, async () => ({
        accessKeyId: await containerSecret(target.minioContainer as string, "MINIO_ROOT_USER", exec),
        secretAccessKey: await containerSecret(target.minioContainer as string, "MINIO_ROOT_PASSWORD", exec),
    }));
    const list = async (bucket: string, prefix: string) =>
        ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((x) => x.Key!);

    const catalog = (target.cdc?.namespace ?? "minio.cdc").split(".")[0];
    // The kubernetes platform has no Spark container to run spark-sql in (Spark runs the CDC job there).
    const sparkContainer = target.sparkContainer;
    if (!sparkContainer && !o.quick) log("  note the stack has no Spark container: the two Spark checks are left out (the kubernetes platform runs Spark only as the CDC job)");
    if (!o.quick && sparkContainer) await check(`Spark writes and reads ${catalog}.test_db.iceberg_table; metadata v1 and v2 in MinIO`, async () => {
        const table = `${catalog}.test_db.iceberg_table`;
        const res = await sparkSql(sparkContainer, [
            `CREATE NAMESPACE IF NOT EXISTS ${catalog}.test_db;`,
            `DROP TABLE IF EXISTS ${table} PURGE;`,
            `CREATE TABLE ${table} (id BIGINT, data STRING) USING iceberg;`,
            `INSERT INTO ${table} VALUES (1, 'a'), (2, 'b');`,
        ], { rows: `SELECT * FROM ${table} ORDER BY id`, files: `SELECT file FROM ${table}.metadata_log_entries ORDER BY timestamp` });
        if (JSON.stringify(res.rows) !== JSON.stringify([{ id: 1, data: "a" }, { id: 2, data: "b" }])) throw new Error(`read back ${JSON.stringify(res.rows)}`);
        const files: string[] = res.files.map((f: { file: string }) => f.file);
        // v1 on create (00000-), v2 after the insert (00001-): the table's own metadata log, each file in MinIO.
        if (files.length !== 2 || !/\/00000-[^/]+\.metadata\.json$/.test(files[0]) || !/\/00001-[^/]+\.metadata\.json$/.test(files[1])) {
            throw new Error(`metadata log ${JSON.stringify(files)}`);
        }
        for (const f of files) {
            const m = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(f);
            if (!m) throw new Error(`metadata file ${f} is not on S3`);
            const keys = await list(m[1], m[2]);
            if (!keys.includes(m[2])) throw new Error(`${f} is not in MinIO`);
        }
        return files.map((f) => f.split("/").pop()).join(", ");
    });

    // Source and mirror rows in one text per value (tools/clients.ts sourceText and mirrorText): bytes
    // as hex, BIT as the mirror's boolean or number, date-times with six fraction digits in UTC, JSON
    // in canonical form. The mirror's column types come from Trino's information_schema.
    const mirrorTypes = async (p: Planned): Promise<Map<string, string>> => {
        const [catalog, schema, table] = p.mirror.split(".");
        const rows = await trino(endpoints.trino, `SELECT column_name, data_type FROM ${catalog}.information_schema.columns
            WHERE table_schema = '${schema}' AND table_name = '${table}'`);
        return new Map(rows.map((r) => [String(r[0]), String(r[1])]));
    };
    const canonical = (rows: Row[], cols: SourceColumn[]) =>
        rows.map((r) => r.map((v, i) => (isJsonColumn(cols[i]) && v !== null ? canonicalJson(String(v)) : v)));
    const sourceRows = async (p: Planned, cols: SourceColumn[]) => canonical(await p.db.rows(p.table, cols), cols);
    const trinoRows = async (p: Planned, cols: SourceColumn[]) => {
        const types = await mirrorTypes(p);
        const missing = cols.filter((c) => !types.has(c.name.toLowerCase()));
        if (missing.length > 0) throw new Error(`${p.mirror} has no column ${missing.map((c) => c.name).join(", ")} yet`);
        const rows = (await trino(endpoints.trino, `SELECT ${cols.map((c) => mirrorText("trino", c.name, types.get(c.name.toLowerCase())!)).join(", ")} FROM ${p.mirror}`)) as Row[];
        return canonical(rows, cols);
    };

    async function mirrorsEqual(what: string): Promise<string> {
        let last = "";
        try {
            await waitUntil(what, waitMs, 2000, async () => {
                for (const p of planned) {
                    const typed = await p.db.columnTypes(p.table);
                    const cols = typed.map((c) => c.name);
                    const diff = rowDiff(sortRows(await sourceRows(p, typed), cols, [p.key]), sortRows(await trinoRows(p, typed), cols, [p.key]));
                    if (diff) {
                        last = `${p.mirror}: ${diff}`;
                        return undefined;
                    }
                }
                return true;
            });
        } catch (e) {
            throw new Error(`${(e as Error).message}${last ? ` (last difference: ${last})` : ""}`);
        }
        const counts = await Promise.all(planned.map(async (p) => `${p.mirror} ${(await p.db.rows(p.table, [p.key])).length} rows`));
        return counts.join("; ");
    }

    const cdcOk = Boolean(target.cdc) && changed;
    if (!target.cdc) {
        await check("mirror and changelog tables", async () => {
            throw new Error("the stack has no CDC mirror job (cdcJob: false)");
        });
    }
    if (cdcOk) {
        const mirrored = await check("mirror tables equal the sources exactly (Trino)", () => mirrorsEqual("the mirror tables to equal the sources"));

        await check("changelog tables: op, full before and after (Trino)", async () => {
            for (const p of planned) {
                const rows = await trino(endpoints.trino, `SELECT op, before, after FROM ${p.mirror}_changelog
                    WHERE json_extract_scalar(coalesce(after, before), '$.${p.key}') IN (${p.ids.map((i) => `'${i}'`).join(", ")})
                    AND ${sinceStart(p.topic)} ORDER BY kafka_offset`);
                const ops = rows.map((r) => r[0]).join("");
                if (ops !== (p.updated ? "ccud" : "ccd")) throw new Error(`${p.mirror}_changelog: ops ${ops}`);
                const upd = rows.find((r) => r[0] === "u");
                if (upd && (!sameRow(JSON.parse(upd[1]), p.inserted[0]) || JSON.parse(upd[2])[p.updated!.column] !== p.updated!.value)) {
                    throw new Error(`${p.mirror}_changelog: update ${JSON.stringify(upd)}`);
                }
                const del = rows.find((r) => r[0] === "d")!;
                if (!sameRow(JSON.parse(del[1]), p.inserted[1]) || del[2] !== null) throw new Error(`${p.mirror}_changelog: delete ${JSON.stringify(del)}`);
            }
            return planned.map((p) => `${p.mirror}_changelog`).join(", ");
        });

        if (mirrored && !o.quick && sparkContainer) {
            await check("Spark reads the same mirror rows and changelog", async () => {
                const queries: Record<string, string> = {};
                const cols: Record<string, SourceColumn[]> = {};
                for (const [i, p] of planned.entries()) {
                    cols[i] = await p.db.columnTypes(p.table);
                    const types = await mirrorTypes(p);
                    queries[`m${i}`] = `SELECT array(${cols[i].map((c) => mirrorText("spark", c.name, types.get(c.name.toLowerCase()) ?? "")).join(", ")}) r FROM ${p.mirror}`;
                    queries[`c${i}`] = `SELECT op FROM ${p.mirror}_changelog WHERE get_json_object(coalesce(after, before), '$.${p.key}') IN (${p.ids.map((x) => `'${x}'`).join(", ")}) AND ${sinceStart(p.topic)} ORDER BY kafka_offset`;
                }
                const res = await sparkSql(sparkContainer, ["SET spark.sql.session.timeZone=UTC;"], queries);
                for (const [i, p] of planned.entries()) {
                    const names = cols[i].map((c) => c.name);
                    const spark = sortRows(canonical(res[`m${i}`].map((x: { r: Row }) => x.r), cols[i]), names, [p.key]);
                    const src = sortRows(await sourceRows(p, cols[i]), names, [p.key]);
                    const diff = rowDiff(src, spark);
                    if (diff) throw new Error(`${p.mirror} through Spark: ${diff}`);
                    const ops = res[`c${i}`].map((x: { op: string }) => x.op).join("");
                    if (ops !== (p.updated ? "ccud" : "ccd")) throw new Error(`${p.mirror}_changelog through Spark: ops ${ops}`);
                }
                return `${planned.length} mirror tables, ${planned.length} changelogs`;
            });
        }
    }

    const ckpt = target.cdc?.checkpointLocation ?? "";
    if (ckpt.startsWith("s3a://")) {
        await check("CDC job checkpoint on MinIO", async () => {
            const m = /^s3a:\/\/([^/]+)\/?(.*)$/.exec(ckpt)!;
            const prefix = m[2] ? `${m[2].replace(/\/$/, "")}/` : "";
            const keys = await list(m[1], prefix);
            const has = (dir: string) => keys.some((k) => k.startsWith(`${prefix}${dir}/`));
            if (!keys.includes(`${prefix}metadata`) || !has("offsets") || !has("commits")) throw new Error(`${ckpt}: ${keys.length} objects, ${keys.slice(0, 5).join(", ")}`);
            return `${ckpt}: ${keys.filter((k) => k.startsWith(`${prefix}commits/`)).length} committed batches`;
        });
    } else if (target.cdc) {
        log(`  note the CDC job's checkpoint is ${ckpt}, not on MinIO`);
    }

    if (planned.length > 0) {
        await check("the rows the checks made are deleted, and the mirror follows", async () => {
            for (const p of planned) await p.db.sql(`DELETE FROM ${p.db.qualified(p.table)} WHERE ${ident(p.db, p.key)} IN (${p.ids.join(", ")});`);
            return cdcOk ? mirrorsEqual("the mirror tables to follow the clean-up") : "deleted (no mirror job)";
        });
    }
    return results;
}

// ---- command line ----------------------------------------------------------------------------------
async function main(): Promise<void> {
    const o = parseCommandLine("verify", "npx ts-node tools/verify.ts [--stack dev] [--wait-seconds 600] [--quick]", {
        stack: { type: "string", default: "dev" },
        "wait-seconds": { type: "string", default: "600" },
        quick: { type: "boolean", default: false },
    });
    const stack = o.stack;
    const waitMs = Number(o["wait-seconds"]) * 1000;
    const quick = o.quick;
    const outputs = await readStackOutputs(stack, "verify", { kubernetes: true });
    const started = Date.now();
    console.log(`verify: stack ${stack}`);
    const results = await verifyLakehouse(outputs.endpoints, outputs.verifyTarget, { waitMs, quick });
    const failed = results.filter((r) => !r.ok).length;
    console.log(`verify: ${results.length - failed} checks passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    process.exit(failed === 0 ? 0 : 1);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`verify: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
