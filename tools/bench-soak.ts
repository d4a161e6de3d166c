// `make bench-soak`: a steady change rate into every captured table of a deployed stack, sampling over
// time what table maintenance is meant to keep flat (docs/maintenance.md#soak-benchmark).
//
//   npx ts-node tools/bench-soak.ts --stack dev [--rate 20] [--commits 5000] [--minutes 0] [--every 30]
//       [--label maintenance-on] [--json docs/bench/soak-<label>.json]
//
// Writer: `rate` changes per second spread over the captured tables (upserts of a bounded key range, so
// the mirrors keep a steady size, and a delete in ten), through one client per source on its published port.
// Sampler, every `every` seconds: the CDC job's batch id and last batch duration (its heartbeat), per
// table the Trino point-lookup and full-scan latency, data and delete files, snapshots, the current
// metadata.json size, and the warehouse bytes in MinIO. Stops after `commits` micro-batches (the job's
// batch id advanced by that much) or `minutes`, whichever comes first. The run is labelled: run it once
// with maintenance off (lakehouse:maintenance false) and once on, then compare the two JSON files.
import * as fs from "fs";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";
import { TrinoEndpoint, containerLog, containerSecret, docker, hostPort, parseCommandLine, readStackOutputs, sleep, trino } from "./clients";

interface Sample {
    t: number;
    batchId: number | null;
    lastBatchSeconds: number | null;
    warehouseBytes: number | null;
    tables: Record<string, { pointMs: number; scanMs: number; rows: number; dataFiles: number; deleteFiles: number; snapshots: number; metadataBytes: number | null }>;
}

/** One micro-batch of the CDC job, from its log line `batch N: X change(s) in T topic(s), Ys (...)`. */
export interface BatchRecord { at: string; id: number; changes: number; topics: number; seconds: number }
/** One maintenance pass, from its log line `pass R: A action(s) on T table(s), F failed, Ys`. */
export interface PassRecord { at: string; actions: number; tables: number; failed: number; seconds: number }

/** The log's own time (Python logging's asctime, `2026-12-07 15:50:01,234`, UTC in the containers) as ISO. */
const ASCTIME = String.raw`(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})`;

/** Every micro-batch line of a CDC job log, in order (the per-batch record of jobs/cdc_mirror.py). */
export function batchRecords(log: string): BatchRecord[] {
    const re = new RegExp(String.raw`^${ASCTIME} INFO \S+: batch (\d+): (\d+) change\(s\) in (\d+) topic\(s\), ([\d.]+)s`, "gm");
    return [...log.matchAll(re)].map((m) => ({
        at: `${m[1]}T${m[2]}.${m[3]}Z`, id: Number(m[4]), changes: Number(m[5]), topics: Number(m[6]), seconds: Number(m[7]),
    }));
}

/** Every pass line of a maintenance job log (jobs/maintenance.py). */
export function passRecords(log: string): PassRecord[] {
    const re = new RegExp(String.raw`^${ASCTIME} INFO \S+: pass \S+: (\d+) action\(s\) on (\d+) table\(s\), (\d+) failed, ([\d.]+)s`, "gm");
    return [...log.matchAll(re)].map((m) => ({
        at: `${m[1]}T${m[2]}.${m[3]}Z`, actions: Number(m[4]), tables: Number(m[5]), failed: Number(m[6]), seconds: Number(m[7]),
    }));
}

interface Writer { run: (sql: string) => Promise<void>; close: () => Promise<void> }

/** A connection to a source on its published port (the password from the container's environment, kept in this process). */
async function openWriter(s: VerifySource & { container: string }): Promise<Writer> {
    if (s.kind === "postgres") {
        const [host, port] = (await hostPort(s.container, 5432)).split(/:(?=\d+$)/);
        const pg = new PgClient({ host, port: Number(port), user: s.adminUser, database: s.database, password: await containerSecret(s.container, "POSTGRES_PASSWORD") });
        await pg.connect();
        return { run: async (sql) => { await pg.query(sql); }, close: () => pg.end() };
    }
    const [host, port] = (await hostPort(s.container, 3306)).split(/:(?=\d+$)/);
    const my = await mysql.createConnection({ host, port: Number(port), user: "root", password: await containerSecret(s.container, "MYSQL_ROOT_PASSWORD") });
    return { run: async (sql) => { await my.query(sql); }, close: () => my.end() };
}

/**
 * The soak's n-th statement on a table: every tenth deletes key `id`, the others upsert it, setting the
 * table's first text-like column (name, email, status) to `soak-<n>`; the key and that column only.
 */
export function soakStatement(kind: string, t: TableSpec, id: number, n: number): string {
    const key = t.primaryKey[0];
    const text = t.columns.map((c) => c.name).find((c) => /name|email|status/.test(c));
    const pg = kind === "postgres";
    const quote = (x: string) => (pg ? `"${x}"` : `\`${x}\``);
    const q = `${quote(t.schema)}.${quote(t.name)}`;
    if (n % 10 === 9) return `DELETE FROM ${q} WHERE ${quote(key)} = ${id}`;
    const cols = [key, ...(text ? [text] : [])].map(quote).join(", ");
    const values = [String(id), ...(text ? [`'soak-${n}'`] : [])].join(", ");
    const set = text ?? key;
    return pg
        ? `INSERT INTO ${q} (${cols}) VALUES (${values}) ON CONFLICT (${quote(key)}) DO UPDATE SET ${quote(set)} = EXCLUDED.${quote(set)}`
        : `INSERT INTO ${q} (${cols}) VALUES (${values}) ON DUPLICATE KEY UPDATE ${quote(set)} = VALUES(${quote(set)})`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
    const t = Date.now();
    const v = await fn();
    return [v, Date.now() - t];
}

async function main(): Promise<void> {
    const o = parseCommandLine("bench-soak",
        "npx ts-node tools/bench-soak.ts [--stack dev] [--label run] [--commits 5000] [--minutes 0] [--rate 20] [--every 30] [--json docs/bench/soak-<label>.json]", {
            stack: { type: "string", default: "dev" },
            rate: { type: "string", default: "20" },
            commits: { type: "string", default: "5000" },
            minutes: { type: "string", default: "0" },
            every: { type: "string", default: "30" },
            label: { type: "string", default: "run" },
            json: { type: "string" },
            "job-log": { type: "string" },
            "maintenance-log": { type: "string" },
        });
    const stack = o.stack;
    const rate = Number(o.rate);
    const commits = Number(o.commits);
    const minutes = Number(o.minutes);
    const every = Number(o.every);
    const label = o.label;
    const out = o.json ?? `docs/bench/soak-${label}.json`;
    if (o["job-log"] !== undefined) {
        // Re-analysis of a run whose containers are gone: its saved logs' batches and passes into its JSON.
        const run = JSON.parse(fs.readFileSync(out, "utf8"));
        run.batchRecords = batchRecords(fs.readFileSync(o["job-log"], "utf8"));
        run.passRecords = o["maintenance-log"] ? passRecords(fs.readFileSync(o["maintenance-log"], "utf8")) : [];
        fs.writeFileSync(out, JSON.stringify(run, null, 1));
        console.log(`bench-soak: ${run.batchRecords.length} batch(es), ${run.passRecords.length} pass(es) into ${out}`);
        return;
    }
    const outputs = await readStackOutputs(stack, "bench-soak");
    const target: VerifyTarget = outputs.verifyTarget;
    const url: TrinoEndpoint = outputs.endpoints.trino;
    if (!target.cdc) throw new Error("the stack has no CDC job");
    const tables = target.sources.flatMap((s) => s.tables.map((t) => ({ s, t, mirror: `${target.cdc!.namespace}.${target.cdc!.tablePrefix}${`${s.topicPrefix}.${t.schema}.${t.name}`.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}` })));
    console.log(`bench-soak: ${tables.length} table(s), ${rate} change(s)/s, until ${commits} batches${minutes ? ` or ${minutes} min` : ""}; label ${label}`);

    // Writer: bounded key range per table (ids 700000..700999), upsert and every tenth a delete.
    let writing = true;
    let written = 0;
    const writer = (async () => {
        // One connection per source through its published port: a docker exec per statement held the
        // writer to 2-3 writes/s (the runs of 2026-12-07).
        const dbs = new Map<VerifySource, Writer>();
        for (const { s } of tables) if (!dbs.has(s)) dbs.set(s, await openWriter(s as VerifySource & { container: string }));
        try {
            let n = 0;
            while (writing) {
                const started = Date.now();
                const { s, t } = tables[n % tables.length];
                const id = 700_000 + (n * 7919) % 1000;
                const sql = soakStatement(s.kind, t, id, n);
                await dbs.get(s)!.run(sql).catch((e) => console.warn(`  write ${t.name}: ${(e as Error).message.split("\n")[0]}`));
                n++;
                written = n;
                await sleep(Math.max(0, 1000 / rate - (Date.now() - started)));
            }
        } finally {
            for (const db of dbs.values()) await db.close().catch(() => undefined);
        }
    })();

    const samples: Sample[] = [];
    const t0 = Date.now();
    let firstBatch: number | null = null;
    for (;;) {
        const sample: Sample = { t: Math.round((Date.now() - t0) / 1000), batchId: null, lastBatchSeconds: null, warehouseBytes: null, tables: {} };
        try {
            const hb = JSON.parse(await docker(["exec", target.cdc.container as string, "cat", "/tmp/cdc-mirror.heartbeat"]));
            sample.batchId = hb.batch_id ?? null;
            sample.lastBatchSeconds = hb.last_batch_seconds ?? null;
        } catch { /* job restarting */ }
        try {
            sample.warehouseBytes = Number((await docker(["exec", target.minioContainer as string, "du", "-sb", `/data/${target.warehouseBucket}`])).split(/\s+/)[0]);
        } catch { /* image without du */ }
        for (const { mirror } of tables) {
            const [catalog, ns, name] = mirror.split(".");
            const q = (x: string) => `"${catalog}"."${ns}"."${x}"`;
            try {
                const [, pointMs] = await timed(() => trino(url, `SELECT * FROM ${q(name)} WHERE id = 700001`));
                const [[rows], scanMs] = await timed(() => trino(url, `SELECT count(*), max(_cdc_kafka_offset) FROM ${q(name)}`));
                const files = await trino(url, `SELECT content, count(*) FROM ${q(`${name}$files`)} GROUP BY content`);
                const by = Object.fromEntries(files.map(([c, n]) => [Number(c), Number(n)]));
                const [[snaps]] = await trino(url, `SELECT count(*) FROM ${q(`${name}$snapshots`)}`);
                const [[metaFile]] = await trino(url, `SELECT max_by(file, timestamp) FROM ${q(`${name}$metadata_log_entries`)}`);
                let metadataBytes: number | null = null;
                const m = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(metaFile ?? "");
                if (m) metadataBytes = Number((await docker(["exec", target.minioContainer as string, "du", "-sb", `/data/${m[1]}/${m[2]}`]).catch(() => "NaN")).split(/\s+/)[0]);
                sample.tables[mirror] = { pointMs, scanMs, rows: Number(rows[0] ?? rows), dataFiles: by[0] ?? 0, deleteFiles: (by[1] ?? 0) + (by[2] ?? 0), snapshots: Number(snaps), metadataBytes };
            } catch (e) {
                console.warn(`  sample ${mirror}: ${(e as Error).message.split("\n")[0]}`);
            }
        }
        samples.push(sample);
        if (firstBatch === null && sample.batchId !== null) firstBatch = sample.batchId;
        const done = firstBatch !== null && sample.batchId !== null ? sample.batchId - firstBatch : 0;
        console.log(`  t=${sample.t}s batch ${sample.batchId} (+${done}) last ${sample.lastBatchSeconds}s, ${written} writes, warehouse ${sample.warehouseBytes} B`);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, JSON.stringify({ label, stack, rate, tables: tables.map((x) => x.mirror), startedAt: new Date(t0).toISOString(), batches: done, writes: written, samples }, null, 1));
        if (done >= commits || (minutes > 0 && Date.now() - t0 >= minutes * 60_000)) break;
        await sleep(every * 1000);
    }
    writing = false;
    await writer;
    // Every batch's duration (the heartbeat above holds only the last one) and every maintenance pass, from
    // the containers' logs; the samples' window of the run is what the plots keep.
    const jobLog = await containerLog(target.cdc.container as string);
    const maintenanceLog = target.maintenance ? await containerLog(target.maintenance.container) : "";
    const run = JSON.parse(fs.readFileSync(out, "utf8"));
    run.batchRecords = batchRecords(jobLog);
    run.passRecords = passRecords(maintenanceLog);
    fs.writeFileSync(out, JSON.stringify(run, null, 1));
    console.log(`bench-soak: wrote ${out} (${run.batchRecords.length} batch(es), ${run.passRecords.length} maintenance pass(es) from the logs)`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`bench-soak: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
