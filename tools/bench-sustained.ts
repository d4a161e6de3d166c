// `make bench-sustained`: issue 13's sustained goal (>= 10,000 changes/s for 10 minutes across >= 3 tables
// with commit -> Trino-visible lag p99 <= 10 s) on a deployed stack (the outputs `endpoints` and
// `verifyTarget`), and the rate where the lag stops being bounded.
//
// Writers: a steady rate of changes over the chosen captured tables (default: every captured table of the
// stack; the dev stack has Postgres public.users, MySQL sales.orders and hr.employees), dealt out evenly.
// Every --tick-ms (100) each table gets one transaction with its share of the tick: inserts of new ids,
// updates and deletes of rows the writer itself made (--mix 60,30,10 over the run), and, last, an update of
// the table's heartbeat row (one of the writer's rows) whose marker column becomes `hb-<seq>`; the heartbeat
// counts as one of the changes. Pooled connections (pg, mysql2) on the sources' published ports; a writer
// that falls behind catches up tick by tick and drops what is still due a tick after the step's end (the
// achieved rate shows it).
// Ramp: one step per rate in --rates (changes/s, all tables together), each --step-s seconds. A step is cut
// short once the worst lag passes --abort-lag-s; the ramp stops after a step whose lag grew through its
// tail and ended above --stop-lag-s. Then the writers stop and the run waits for the drain.
// Sampler, every --sample-ms (2000): one Trino query reads every table's heartbeat row in the mirror; the
// lag of a table = the answer's host time - the host time the shown tick's COMMIT returned. It also
// records per table the changes committed and those up to the shown tick (what the mirror applied), the
// topic's end offset (admin fetchTopicOffsets) and the 1-min load.
// Per step (tools/bench-sustained-plan.ts summarizeStep): offered rate, achieved source rate, Kafka and
// mirror rates, lag p50/p95/p99/max, and whether the lag stayed bounded (the least-squares line through the
// last third of the step's worst-table lag rises by at most max(5 s, 0.05 s/s)); meets the goal: bounded,
// >= 95 % of the rate written, p99 <= 10 s.
// At the end the mirror must equal the source over each table's id range (count and checksum, as
// bench-bulk compares), then the writer deletes its rows and waits until the mirror has dropped them.
// A failure deletes the rows too (the mirror follows on its own). JSON to docs/bench/sustained-<label>.json;
// tools/bench-plot-sustained.py draws the PNGs from it (the Makefile runs both).
//
//   npx ts-node tools/bench-sustained.ts [--stack dev] [--label run] [--rates 250,500,1000,2000,4000,8000]
//       [--step-s 120] [--tables schema.table,...] [--mix 60,30,10] [--tick-ms 100] [--sample-ms 2000]
//       [--stop-lag-s 60] [--abort-lag-s 120] [--timeout-s 1800] [--json FILE] [--outputs FILE]
//   npx ts-node tools/bench-sustained.ts --from-json docs/bench/sustained-<label>.json   (its step summaries again from its samples)
import * as fs from "fs";
import * as os from "os";
import * as mysql from "mysql2/promise";
import { Pool as PgPool } from "pg";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";
import { bulkSql, machine, mirrorName } from "./bench-bulk";
import { BatchRecord, PassRecord, batchRecords, passRecords } from "./bench-soak";
import {
    DEFAULT_MIX, DEFAULT_RULE, IdPool, Kind, Sample, StepSummary, StepWindow, SustainedOptions, TableSample, finding, formatSteps, heartbeatSeq, parseMix,
    parseRates, percentile, planTick, summarizeStep, stopRamp, sustainedSql, tickChanges, ticksPerStep,
} from "./bench-sustained-plan";
import {
    SourceDb, TrinoEndpoint, VerifyEndpoints, containerLog, containerSecret, hostPort, kafkaClient, parseCommandLine, readStackOutputs, sleep, trino,
} from "./clients";

interface Conn {
    /** One transaction (the statements of `sql`). */
    exec(sql: string): Promise<void>;
    query(sql: string): Promise<unknown[][]>;
    close(): Promise<void>;
}

async function openConn(s: VerifySource & { container: string }, size: number): Promise<Conn> {
    const [host, port] = (await hostPort(s.container, s.kind === "postgres" ? 5432 : 3306)).split(/:(?=\d+$)/);
    if (s.kind === "postgres") {
        const pool = new PgPool({ host, port: Number(port), user: s.adminUser, database: s.database, password: await containerSecret(s.container, "POSTGRES_PASSWORD"), max: size });
        // A simple query of several statements is one transaction in Postgres (an error rolls back all of it).
        return {
            exec: async (sql) => { await pool.query(sql); },
            query: async (sql) => (await pool.query({ text: sql, rowMode: "array" })).rows,
            close: () => pool.end(),
        };
    }
    const pool = mysql.createPool({
        host, port: Number(port), user: "root", password: await containerSecret(s.container, "MYSQL_ROOT_PASSWORD"),
        connectionLimit: size, multipleStatements: true,
    });
    return {
        exec: async (sql) => {
            const c = await pool.getConnection();
            try {
                await c.query(sql);
            } catch (e) {
                await c.query("ROLLBACK").catch(() => undefined);
                throw e;
            } finally {
                c.release();
            }
        },
        query: async (sql) => ((await pool.query({ sql, rowsAsArray: true })) as any)[0],
        close: () => pool.end(),
    };
}

interface Writer {
    name: string;
    kind: Kind;
    table: TableSpec;
    topic: string;
    mirror: string;
    source: VerifySource & { container: string };
    conn: Conn;
    sql: ReturnType<typeof sustainedSql>;
    heartbeatId: number;
    nextId: number;
    pool: IdPool;
    /** The last committed tick, its commit time (host ms) and the writer's cumulative changes after each. */
    seq: number;
    commitAt: number[];
    cumAt: number[];
    committed: number;
    /** Changes of the mix so far (heartbeats not counted). */
    mixed: number;
    ops: { insert: number; update: number; delete: number; heartbeat: number };
}

/** The topic and the mirror of a captured table (the CDC job's naming). */
function topicOf(s: VerifySource, t: TableSpec): string {
    return `${s.topicPrefix}.${t.schema}.${t.name}`;
}

/** The mirror's columns and their Trino types. */
async function mirrorColumnTypes(trinoUrl: TrinoEndpoint, mirror: string): Promise<Map<string, string>> {
    const [catalog, schema, table] = mirror.split(".");
    const rows = await trino(trinoUrl, `SELECT column_name, data_type FROM ${catalog}.information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}'`);
    return new Map(rows.map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
}

const big = (v: unknown) => BigInt(String(v ?? 0).replace(/\.0*$/, ""));

export interface SustainedRun {
    label: string;
    stack: string;
    at: string;
    /** Epoch ms the run's clock starts at (every `t` and `startT` counts from it). */
    startedAt?: number;
    options: SustainedOptions;
    cdc: VerifyTarget["cdc"];
    machine: { before: ReturnType<typeof machine>; after?: ReturnType<typeof machine> };
    tables: { name: string; kind: Kind; table: string; topic: string; mirror: string; markerColumn: string; heartbeatId: number; lastId: number; ops: Writer["ops"] }[];
    windows: StepWindow[];
    steps: StepSummary[];
    samples: Sample[];
    /** Writers stopped at (ms since the run began); all heartbeats in the mirror at; null when not within the timeout. */
    drain?: { stoppedT: number; caughtUpT: number | null; seconds: number | null };
    comparison?: { table: string; equal: boolean; count: number; checksum: string; mirrorCount: number; mirrorChecksum: string; seconds: number }[];
    cleanup?: { rows: number; seconds: number | null; mirrorEmpty: boolean };
    /** The CDC job's micro-batches during the run (its log), `t` in ms since the run began. */
    batches?: (BatchRecord & { t: number })[];
    /** Table maintenance passes that ended during the run or after it began (its log), `t` their end in ms since the run began. */
    maintenancePasses?: (PassRecord & { t: number })[];
    finding?: ReturnType<typeof finding>;
    error?: string;
}

export async function benchSustained(endpoints: VerifyEndpoints, target: VerifyTarget, o: SustainedOptions, run: SustainedRun, save: () => void,
    log: (l: string) => void = (l) => console.log(l)): Promise<void> {
    if (!target.cdc) throw new Error("the stack has no CDC mirror job: nothing to measure in Iceberg");
    const all = target.sources.flatMap((s) => s.tables.map((t) => ({ s: s as VerifySource & { container: string }, t })));
    const chosen = o.tables.length === 0 ? all : o.tables.map((n) => {
        const hit = all.find((x) => `${x.t.schema}.${x.t.name}` === n);
        if (!hit) throw new Error(`no captured table ${n}; the stack captures ${all.map((x) => `${x.t.schema}.${x.t.name}`).join(", ")}`);
        return hit;
    });
    if (chosen.length < 3) log(`bench-sustained: ${chosen.length} table(s): issue 13's goal asks for at least 3`);
    const conns = new Map<VerifySource, Conn>();
    const writers: Writer[] = [];
    const kafka = kafkaClient(endpoints, "lakehouse-bench-sustained");
    const admin = kafka.admin();
    const runStart = Date.now();
    run.startedAt = runStart;
    let cleaned = false;
    let samplerStop = false;
    let sampler: Promise<void> | undefined;
    let currentStep: number | null = null;
    let abortStep = false;
    let interrupted = false;
    const onSigint = () => {
        if (interrupted) process.exit(130);
        log("bench-sustained: interrupted: ending the ramp, then drain, comparison and clean-up (Ctrl-C again to exit at once)");
        interrupted = true;
        abortStep = true;
    };
    process.on("SIGINT", onSigint);
    try {
        for (const { s, t } of chosen) {
            if (!conns.has(s)) conns.set(s, await openConn(s, 4));
            const conn = conns.get(s)!;
            const kind: Kind = s.kind === "postgres" ? "postgres" : "mysql";
            const sql = sustainedSql(kind, t);
            const topic = topicOf(s, t);
            const max = Number((await conn.query(sql.maxId))[0][0]);
            // A fresh id range above everything in the table; its first id is the heartbeat row.
            const heartbeatId = max + 1;
            writers.push({
                name: `${s.kind} ${t.schema}.${t.name}`, kind, table: t, topic, mirror: mirrorName(target, topic), source: s, conn, sql,
                heartbeatId, nextId: heartbeatId + 1, pool: new IdPool(), seq: 0, commitAt: [], cumAt: [], committed: 0, mixed: 0,
                ops: { insert: 0, update: 0, delete: 0, heartbeat: 0 },
            });
        }
        const syncTables = () => {
            run.tables = writers.map((w) => ({
                name: w.name, kind: w.kind, table: `${w.table.schema}.${w.table.name}`, topic: w.topic, mirror: w.mirror, markerColumn: w.sql.markerColumn,
                heartbeatId: w.heartbeatId, lastId: w.nextId - 1, ops: { ...w.ops },
            }));
        };
        await admin.connect();
        // The heartbeat rows (tick 0), then the warm-up: every mirror shows its heartbeat.
        for (const w of writers) {
            await w.conn.exec(w.sql.heartbeatInsert(w.heartbeatId));
            w.commitAt[0] = Date.now();
            w.committed = 1;
            w.cumAt[0] = 1;
            w.ops.insert++;
            log(`bench-sustained: ${w.name}: ids from ${w.heartbeatId} (heartbeat row), marker ${w.sql.markerColumn}; topic ${w.topic}, mirror ${w.mirror}`);
        }
        syncTables();
        save();
        const markerSql = writers.map((w, i) => w.sql.mirrorMarker(w.mirror, w.heartbeatId, i)).join(" UNION ALL ");

        const sampleOnce = async (): Promise<Sample | undefined> => {
            const began = Date.now();
            const [rows, offsets] = await Promise.all([
                trino(endpoints.trino, markerSql),
                Promise.all(writers.map((w) => admin.fetchTopicOffsets(w.topic).then((p) => p.reduce((s, x) => s + Number(x.high ?? x.offset), 0)).catch(() => null))),
            ]);
            const now = Date.now();
            const seen = new Map<number, number | null>(rows.map((r) => [Number(r[0]), heartbeatSeq(r[1])]));
            const tables: Record<string, TableSample> = {};
            writers.forEach((w, i) => {
                let seq = seen.get(i) ?? null;
                if (seq !== null && seq > w.seq) seq = w.seq;
                const at = seq !== null ? w.commitAt[seq] : undefined;
                tables[w.name] = {
                    seq, lagMs: at !== undefined ? now - at : null, committed: w.committed, applied: seq !== null ? w.cumAt[seq] ?? 0 : 0, kafka: offsets[i],
                };
            });
            return { t: now - runStart, step: currentStep, trinoMs: now - began, load1: os.loadavg()[0], tables };
        };
        const samplerLoop = async () => {
            let n = 0;
            while (!samplerStop) {
                const began = Date.now();
                try {
                    const s = await sampleOnce();
                    if (s) {
                        run.samples.push(s);
                        const worst = Math.max(...Object.values(s.tables).map((x) => x.lagMs ?? 0));
                        if (currentStep !== null && worst > o.abortLagS * 1000 && !abortStep) {
                            log(`bench-sustained: lag ${(worst / 1000).toFixed(1)} s passed --abort-lag-s ${o.abortLagS}: cutting the step short`);
                            abortStep = true;
                        }
                        if (++n % 5 === 0) {
                            log(`bench-sustained: t=${(s.t / 1000).toFixed(0)} s step ${s.step ?? "-"}: lag ${Object.entries(s.tables).map(([k, x]) => `${k.split(" ")[1]} ${x.lagMs === null ? "-" : (x.lagMs / 1000).toFixed(1)}`).join(", ")} s; load ${s.load1.toFixed(1)}; trino ${s.trinoMs} ms`);
                        }
                    }
                } catch (e) {
                    log(`bench-sustained: sample failed: ${(e as Error).message}`);
                }
                await sleep(Math.max(0, o.sampleMs - (Date.now() - began)));
            }
        };

        const warmEnd = Date.now() + o.drainTimeoutMs;
        for (;;) {
            const s = await sampleOnce().catch((e) => { log(`bench-sustained: warm-up: ${(e as Error).message}`); return undefined; });
            if (s && Object.values(s.tables).every((x) => x.seq === 0)) break;
            if (Date.now() > warmEnd) throw new Error(`the heartbeat rows were not in the mirror ${o.drainTimeoutMs / 1000} s after their insert`);
            await sleep(2000);
        }
        log(`bench-sustained: warm-up done: every mirror shows its heartbeat row (${((Date.now() - writers[0].commitAt[0]) / 1000).toFixed(1)} s)`);
        sampler = samplerLoop();

        const tick = async (w: Writer, n: number) => {
            const plan = planTick(n, w.mixed, w.pool.size, o.mix);
            const deletes = w.pool.take(plan.delete);
            const updates = w.pool.pick(plan.update);
            const inserts = Array.from({ length: plan.insert }, (_, j) => w.nextId + j);
            w.nextId += plan.insert;
            const seq = w.seq + 1;
            await w.conn.exec(w.sql.tick({ seq, heartbeatId: w.heartbeatId, inserts, updates, deletes }));
            w.commitAt[seq] = Date.now();
            w.seq = seq;
            w.committed += n;
            w.cumAt[seq] = w.committed;
            w.mixed += n - 1;
            w.ops.insert += plan.insert;
            w.ops.update += plan.update;
            w.ops.delete += plan.delete;
            w.ops.heartbeat += plan.heartbeat;
            w.pool.add(inserts);
        };
        const writeLoop = async (w: Writer, i: number, rate: number, start: number) => {
            const ticks = ticksPerStep(o.stepMs, o.tickMs);
            for (let k = 0; k < ticks && !abortStep; k++) {
                const due = start + k * o.tickMs;
                const now = Date.now();
                // Behind by more than a tick at the step's end: what is still due is dropped (the achieved rate shows it).
                if (now > start + o.stepMs + o.tickMs) break;
                if (due > now) await sleep(due - now);
                const n = tickChanges(rate, o.tickMs, writers.length, i, k);
                if (n > 0) await tick(w, n);
            }
        };

        for (let index = 0; index < o.rates.length && !interrupted; index++) {
            const rate = o.rates[index];
            const start = Date.now();
            const before = new Map(writers.map((w) => [w.name, { committed: w.committed, ...w.ops }]));
            abortStep = false;
            currentStep = index;
            log(`bench-sustained: step ${index + 1}/${o.rates.length}: ${rate} changes/s over ${writers.length} table(s) for ${o.stepMs / 1000} s`);
            await Promise.all(writers.map((w, i) => writeLoop(w, i, rate, start)));
            const end = Date.now();
            currentStep = null;
            const window: StepWindow = {
                index, rate, startT: start - runStart, endT: end - runStart, aborted: abortStep && !interrupted,
                tables: Object.fromEntries(writers.map((w) => {
                    const b = before.get(w.name)!;
                    return [w.name, {
                        committedStart: b.committed, committedEnd: w.committed, insert: w.ops.insert - b.insert, update: w.ops.update - b.update,
                        delete: w.ops.delete - b.delete, heartbeat: w.ops.heartbeat - b.heartbeat,
                    }];
                })),
            };
            // The samples of the step's last sampling period are in: the sampler runs on.
            const summary = summarizeStep(window, run.samples, o.rule);
            run.windows.push(window);
            run.steps.push(summary);
            syncTables();
            save();
            log(`bench-sustained: step ${index + 1}: offered ${rate}, source ${Math.round(summary.sourceRate)}, Kafka ${summary.kafkaRate === null ? "-" : Math.round(summary.kafkaRate)}, `
                + `mirror ${summary.mirrorRate === null ? "-" : Math.round(summary.mirrorRate)} changes/s; lag p50 ${fmt(summary.lagMs.p50)} p99 ${fmt(summary.lagMs.p99)} max ${fmt(summary.lagMs.max)} s; `
                + `${summary.decision.bounded ? "bounded" : "NOT bounded"} (${summary.decision.reason})${summary.meetsGoal ? "; meets the goal" : ""}`);
            if (stopRamp(summary, o.stopLagS)) {
                log(`bench-sustained: the lag is clearly unbounded at ${rate} changes/s (last ${fmt(summary.lastLagMs)} s): stopping the ramp`);
                break;
            }
        }

        // Drain: every table's last tick in the mirror.
        const stoppedT = Date.now() - runStart;
        log(`bench-sustained: writers stopped; waiting for the mirror to catch up (last ticks ${writers.map((w) => `${w.name.split(" ")[1]} ${w.seq}`).join(", ")})`);
        let caughtUpT: number | null = null;
        const drainEnd = Date.now() + o.drainTimeoutMs;
        while (Date.now() < drainEnd) {
            const last = run.samples[run.samples.length - 1];
            if (last && last.t > stoppedT && writers.every((w) => last.tables[w.name]?.seq === w.seq)) {
                caughtUpT = last.t;
                break;
            }
            await sleep(500);
        }
        run.drain = { stoppedT, caughtUpT, seconds: caughtUpT === null ? null : (caughtUpT - stoppedT) / 1000 };
        samplerStop = true;
        await sampler;
        syncTables();
        save();
        log(`bench-sustained: drain ${caughtUpT === null ? `not done within ${o.drainTimeoutMs / 1000} s` : `${run.drain.seconds!.toFixed(1)} s`}`);

        // The mirror equals the source over each writer's id range (count and checksum as bench-bulk compares).
        run.comparison = [];
        for (const w of writers) {
            const cols = await new SourceDb(w.source).columnTypes(w.table);
            const b = bulkSql(w.kind, w.table, cols);
            const a = w.heartbeatId;
            const z = w.nextId - 1;
            const [cnt, sum] = (await w.conn.query(b.check(a, z)))[0];
            const want = { count: Number(cnt), checksum: big(sum).toString() };
            const began = Date.now();
            let got = { count: -1, checksum: "" };
            while (Date.now() - began < o.drainTimeoutMs) {
                const [c2, s2] = (await trino(endpoints.trino, b.mirrorCheck(w.mirror, await mirrorColumnTypes(endpoints.trino, w.mirror), a, z)))[0];
                got = { count: Number(c2), checksum: big(s2).toString() };
                if (got.count === want.count && got.checksum === want.checksum) break;
                await sleep(2000);
            }
            const equal = got.count === want.count && got.checksum === want.checksum;
            run.comparison.push({ table: w.name, equal, count: want.count, checksum: want.checksum, mirrorCount: got.count, mirrorChecksum: got.checksum, seconds: (Date.now() - began) / 1000 });
            log(`bench-sustained: ${w.name} ids ${a}..${z}: source ${want.count} rows, checksum ${want.checksum}; mirror ${got.count}, ${got.checksum}: ${equal ? "equal" : "NOT EQUAL"}`);
        }
        save();

        // Clean-up: the writer's rows go, and the mirror follows.
        const cleanStart = Date.now();
        const rows = await deleteRows(writers);
        cleaned = true;
        let mirrorEmpty = false;
        while (Date.now() - cleanStart < o.drainTimeoutMs) {
            const counts = await Promise.all(writers.map(async (w) => Number((await trino(endpoints.trino, w.sql.mirrorCount(w.mirror, w.heartbeatId, w.nextId - 1)))[0][0])));
            if (counts.every((c) => c === 0)) {
                mirrorEmpty = true;
                break;
            }
            await sleep(5000);
        }
        run.cleanup = { rows, seconds: mirrorEmpty ? (Date.now() - cleanStart) / 1000 : null, mirrorEmpty };
        log(`bench-sustained: clean-up: ${rows} row(s) deleted; mirror ${mirrorEmpty ? `empty over the ranges after ${run.cleanup.seconds!.toFixed(1)} s` : "NOT empty within the timeout"}`);
        if (run.comparison.some((c) => !c.equal)) throw new Error(`the mirror differs from the source: ${run.comparison.filter((c) => !c.equal).map((c) => c.table).join(", ")}`);
        if (!mirrorEmpty) throw new Error(`the mirror still holds the writer's rows ${o.drainTimeoutMs / 1000} s after the clean-up`);
    } finally {
        process.off("SIGINT", onSigint);
        samplerStop = true;
        abortStep = true;
        await sampler?.catch(() => undefined);
        if (!cleaned && writers.length > 0) {
            await deleteRows(writers).catch((e) => log(`bench-sustained: clean-up failed: ${(e as Error).message}`));
        }
        await admin.disconnect().catch(() => undefined);
        await Promise.all([...conns.values()].map((c) => c.close().catch(() => undefined)));
        // The job's micro-batches of the run, from its log.
        try {
            const since = new Date(runStart).toISOString();
            run.batches = batchRecords(await containerLog(target.cdc.container as string)).filter((b) => b.at >= since).map((b) => ({ ...b, t: Date.parse(b.at) - runStart }));
        } catch (e) {
            log(`bench-sustained: the job's log: ${(e as Error).message}`);
        }
        if (target.maintenance) {
            try {
                run.maintenancePasses = maintenancePasses(await containerLog(target.maintenance.container), runStart, Date.now() - runStart);
            } catch (e) {
                log(`bench-sustained: the maintenance log: ${(e as Error).message}`);
            }
        }
    }
}

/**
 * The maintenance passes of a log that overlap the run: ended after `runStart` (epoch ms) and began (end less
 * duration) before `endT` (ms since runStart), when given.
 */
export function maintenancePasses(log: string, runStart: number, endT?: number): (PassRecord & { t: number })[] {
    return passRecords(log).map((p) => ({ ...p, t: Date.parse(p.at) - runStart }))
        .filter((p) => p.t >= 0 && (endT === undefined || p.t - p.seconds * 1000 <= endT));
}

/** Deletes each writer's id range in chunks of 50,000 ids (one transaction each); the number of rows deleted is counted before. */
async function deleteRows(writers: Writer[]): Promise<number> {
    let rows = 0;
    for (const w of writers) {
        const z = w.nextId - 1;
        rows += Number((await w.conn.query(`SELECT count(*) FROM ${w.sql.table} WHERE ${w.kind === "postgres" ? `"${w.sql.key}"` : `\`${w.sql.key}\``} BETWEEN ${w.heartbeatId} AND ${z}`))[0][0]);
        for (let a = w.heartbeatId; a <= z; a += 50_000) await w.conn.exec(w.sql.deleteRange(a, Math.min(z, a + 49_999)));
    }
    return rows;
}

const fmt = (ms: number | null) => (ms === null ? "-" : (ms / 1000).toFixed(1));

/** The job's batches per step: how many, and their median duration and size. */
export function batchesPerStep(run: Pick<SustainedRun, "windows" | "batches">): { index: number; n: number; medianSeconds: number | null; medianChanges: number | null; maxSeconds: number | null }[] {
    return run.windows.map((w) => {
        const b = (run.batches ?? []).filter((x) => x.t >= w.startT && x.t <= w.endT);
        return {
            index: w.index, n: b.length, medianSeconds: percentile(b.map((x) => x.seconds), 0.5), medianChanges: percentile(b.map((x) => x.changes), 0.5),
            maxSeconds: b.length ? Math.max(...b.map((x) => x.seconds)) : null,
        };
    });
}

export interface SustainedCli {
    stack: string;
    label: string;
    json: string;
    outputs: string;
    options: SustainedOptions;
}

/** The command line, checked before anything runs; a bad value exits 2 naming the flag. */
export function parseSustainedArgs(argv: string[]): SustainedCli {
    const a = parseCommandLine("bench-sustained",
        "npx ts-node tools/bench-sustained.ts [--stack dev] [--label run] [--rates 250,500,1000,2000,4000,8000] [--step-s 120] [--tables schema.table,...] "
        + "[--mix 60,30,10] [--tick-ms 100] [--sample-ms 2000] [--stop-lag-s 60] [--abort-lag-s 120] [--timeout-s 1800] [--json FILE] [--outputs FILE]", {
            stack: { type: "string", default: "dev" },
            label: { type: "string", default: "run" },
            rates: { type: "string", default: "250,500,1000,2000,4000,8000" },
            "step-s": { type: "string", default: "120" },
            tables: { type: "string", default: "" },
            mix: { type: "string", default: "60,30,10" },
            "tick-ms": { type: "string", default: "100" },
            "sample-ms": { type: "string", default: "2000" },
            "stop-lag-s": { type: "string", default: "60" },
            "abort-lag-s": { type: "string", default: "120" },
            "timeout-s": { type: "string", default: "1800" },
            json: { type: "string", default: "" },
            outputs: { type: "string", default: "" },
        }, argv);
    const fail = (msg: string): never => {
        console.error(`bench-sustained: ${msg}`);
        process.exit(2);
    };
    const int = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${v}`);
        return n;
    };
    if (!/^[A-Za-z0-9_.-]+$/.test(a.label)) fail(`--label must be letters, digits, '.', '_' or '-', got ${a.label}`);
    const rates = parseRates(a.rates);
    if (typeof rates === "string") fail(`--rates: ${rates}`);
    const mix = parseMix(a.mix);
    if (typeof mix === "string") fail(`--mix: ${mix}`);
    const tables = a.tables.split(",").map((x) => x.trim()).filter((x) => x);
    const badTable = tables.find((x) => !/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(x));
    if (badTable !== undefined) fail(`--tables takes schema.table names, got ${badTable}`);
    const stopLagS = int("stop-lag-s", a["stop-lag-s"], 1);
    const abortLagS = int("abort-lag-s", a["abort-lag-s"], 1);
    if (abortLagS < stopLagS) fail(`--abort-lag-s (${abortLagS}) must be at least --stop-lag-s (${stopLagS})`);
    return {
        stack: a.stack, label: a.label, json: a.json || `docs/bench/sustained-${a.label}.json`, outputs: a.outputs,
        options: {
            rates: rates as number[], stepMs: int("step-s", a["step-s"], 1) * 1000, tickMs: int("tick-ms", a["tick-ms"], 10),
            sampleMs: int("sample-ms", a["sample-ms"], 200), mix: mix as typeof DEFAULT_MIX, tables: [...new Set(tables)], stopLagS, abortLagS,
            drainTimeoutMs: int("timeout-s", a["timeout-s"], 1) * 1000, rule: DEFAULT_RULE,
        },
    };
}

/** The steps, the finding and the batches per step again from a run's JSON (its windows and samples), e.g. after a change of the summary. */
export function resummarize(run: SustainedRun): SustainedRun & { batchesPerStep: ReturnType<typeof batchesPerStep> } {
    const steps = run.windows.map((w) => summarizeStep(w, run.samples, run.options.rule));
    const again = { ...run, steps, finding: finding(steps) };
    return { ...again, batchesPerStep: batchesPerStep(again) };
}

async function main(): Promise<void> {
    const from = process.argv.indexOf("--from-json");
    if (from >= 0) {
        // npx ts-node tools/bench-sustained.ts --from-json docs/bench/sustained-<label>.json: the JSON's summary recomputed in place.
        // --maintenance-log FILE (`docker logs` of the maintenance container, saved): its passes into the JSON.
        const file = process.argv[from + 1];
        const ml = process.argv.indexOf("--maintenance-log");
        const old = JSON.parse(fs.readFileSync(file, "utf8")) as SustainedRun;
        if (ml >= 0) old.maintenancePasses = maintenancePasses(fs.readFileSync(process.argv[ml + 1], "utf8"), old.startedAt ?? Date.parse(old.at), old.samples[old.samples.length - 1]?.t);
        const run = resummarize(old);
        fs.writeFileSync(file, JSON.stringify(run, null, 1) + "\n");
        console.log(formatSteps(run.steps));
        console.log(`bench-sustained: ${file}: ${JSON.stringify(run.finding)}`);
        return;
    }
    const cli = parseSustainedArgs(process.argv.slice(2));
    const outputs = cli.outputs ? JSON.parse(fs.readFileSync(cli.outputs, "utf8")) : await readStackOutputs(cli.stack, "bench-sustained");
    const target = outputs.verifyTarget as VerifyTarget;
    const run: SustainedRun = {
        label: cli.label, stack: cli.stack, at: new Date().toISOString(), options: cli.options, cdc: target.cdc,
        machine: { before: machine() }, tables: [], windows: [], steps: [], samples: [],
    };
    const write = () => {
        run.machine.after = machine();
        run.finding = finding(run.steps);
        fs.writeFileSync(cli.json, JSON.stringify({ ...run, batchesPerStep: batchesPerStep(run) }, null, 1) + "\n");
    };
    try {
        await benchSustained(outputs.endpoints, target, cli.options, run, write);
    } catch (e) {
        run.error = (e as Error).message;
        write();
        console.log(formatSteps(run.steps));
        throw e;
    }
    write();
    const f = run.finding!;
    console.log(formatSteps(run.steps));
    console.log(`bench-sustained: highest rate with bounded lag ${f.highestBounded ?? "none"}, highest meeting the goal (p99 <= ${cli.options.rule.goalP99S} s) ${f.highestMeetsGoal ?? "none"}, first unbounded ${f.firstUnbounded ?? "none"}`);
    console.log(`bench-sustained: wrote ${cli.json}`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`bench-sustained: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
