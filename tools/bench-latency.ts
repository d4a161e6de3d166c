// `make bench-latency`: how long a committed source row takes to reach Kafka and the Iceberg mirror
// as Trino reads it, on a deployed stack (the outputs `endpoints` and `verifyTarget`).
//
// For each captured source (Postgres and MySQL) it inserts --changes rows, one every --interval-ms,
// each in its own transaction, into the source's first table, through a client on the published port
// (the password comes from the container's environment and stays in this process). Per row:
//   commit  = the host clock when the INSERT's autocommit returned (a few ms after the real commit);
//   kafka   = the host clock when a consumer got the Debezium change for the row;
//   trino   = the host clock when a poll of the mirror table through Trino first returned the row
//             (one poll every --poll-ms; each poll's own duration is part of the number).
// It prints min, median, p95, p99, max and mean per source and stage, and the raw numbers as JSON with
// --json FILE; then it deletes the rows it made and waits until the mirror has dropped them.
//
// Recovery (issue 13: "after a restart of the broker, Connect or the job, lag back under 10 s within
// 30 s"): with --restart broker|connect|job, the stack's container of that role is restarted (`docker
// restart`, on the Docker platform) --restart-after-s seconds into the stream, which goes on at its pace.
// Three recovery times, from the restart's start (recovery() below): until the first change committed after
// the restart returned reached Trino at all; until the backlog is gone (the first such change that reached
// Trino within the worst latency Trino showed before the restart); until the mirror shows changes within
// 10 s of their commit for good (the first change committed after the restart from which on every change
// reached Trino within 10 s, at the moment it did). Every latency is in the JSON;
// tools/bench-plot-latency.py draws them over time.
//
//   npx ts-node tools/bench-latency.ts [--stack dev] [--changes 100] [--interval-ms 1000] [--poll-ms 500]
//       [--restart broker|connect|job] [--restart-after-s 30] [--json out.json]
//   npx ts-node tools/bench-latency.ts --from-json docs/bench/latency-<label>.json   (the numbers again from its raw data)
import * as fs from "fs";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";
import { VerifyEndpoints, containerSecret, docker, hostPort, kafkaClient, parseCommandLine, readStackOutputs, sleep, trino, waitUntil } from "./clients";
import { valueFor } from "./verify";

export interface Stats { n: number; min: number; median: number; p95: number; p99: number; max: number; mean: number }

/** Order statistics of a sample (ms); the median of an even sample is the mean of the middle two; p95 and p99 are nearest-rank. */
export function stats(values: number[]): Stats {
    if (values.length === 0) throw new Error("no values");
    const v = [...values].sort((a, b) => a - b);
    const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
    const mid = v.length / 2;
    const median = v.length % 2 ? v[Math.floor(mid)] : (v[mid - 1] + v[mid]) / 2;
    return { n: v.length, min: v[0], median, p95: at(0.95), p99: at(0.99), max: v[v.length - 1], mean: v.reduce((a, b) => a + b, 0) / v.length };
}

/** The roles --restart takes, and the stack container each is (its name ends with `-<suffix>`). */
export const RESTART_ROLES = { broker: "kafka-1", connect: "connect", job: "cdc-mirror" } as const;
export type RestartRole = keyof typeof RESTART_ROLES;

export interface Recovery {
    /** Host clock when the restart was issued, and when `docker restart` returned. */
    restartAt: number;
    restartedAt: number;
    /** ms from restartAt until the mirror showed changes within thresholdMs again for good; null if it never did. */
    recoveryMs: number | null;
    /** The change from which on every latency is within the threshold (its commit time), and the worst latency of a change committed after the restart. */
    recoveredFromCommit: number | null;
    worstAfterRestartMs: number;
    thresholdMs: number;
    /** ms from restartAt until the first change committed after the restart returned was in the mirror. */
    resumedMs: number | null;
    /**
     * ms from restartAt until the backlog the restart left was gone: when the first change committed after the
     * restart returned reached the mirror within the steady envelope (the worst latency of the changes the
     * mirror showed before the restart); null without changes on either side or when none came back within it.
     */
    steadyMs: number | null;
    envelopeMs: number | null;
}

/**
 * When the lag came back under the threshold after a restart at `restartAt`: of the changes committed at
 * or after the restart, the first one from which on every change reached the mirror within `thresholdMs`;
 * the recovery ends when that change became visible (its commit + its latency). 0 when no change after
 * the restart was late; null when the last change was still late (the stream ended before recovery).
 */
export function recovery(raw: { commit: number; trino: number }[], restartAt: number, restartedAt: number, thresholdMs = 10_000): Recovery {
    const after = raw.filter((r) => r.commit >= restartAt).sort((a, b) => a.commit - b.commit);
    const worstAfterRestartMs = after.reduce((m, r) => Math.max(m, r.trino), 0);
    const before = raw.filter((r) => r.commit + r.trino < restartAt);
    const envelopeMs = before.length > 0 ? Math.max(...before.map((r) => r.trino)) : null;
    const back = envelopeMs === null ? undefined : after.find((r) => r.commit >= restartedAt && r.trino <= envelopeMs);
    const returned = after.filter((r) => r.commit >= restartedAt).map((r) => r.commit + r.trino - restartAt);
    const steady = { resumedMs: returned.length > 0 ? Math.min(...returned) : null, steadyMs: back ? back.commit + back.trino - restartAt : null, envelopeMs };
    let from = after.length;
    while (from > 0 && after[from - 1].trino <= thresholdMs) from--;
    if (from === after.length) return { restartAt, restartedAt, recoveryMs: null, recoveredFromCommit: null, worstAfterRestartMs, thresholdMs, ...steady };
    const first = after[from];
    return { restartAt, restartedAt, recoveryMs: from === 0 ? 0 : first.commit + first.trino - restartAt, recoveredFromCommit: first.commit, worstAfterRestartMs, thresholdMs, ...steady };
}

interface Source {
    name: string;
    table: TableSpec;
    topic: string;
    mirror: string;
    key: string;
    insert: (id: number, text: string) => Promise<void>;
    deleteFrom: (first: number) => Promise<void>;
    maxId: () => Promise<number>;
    close: () => Promise<void>;
}

async function openSource(s: VerifySource & { container: string }, target: VerifyTarget): Promise<Source> {
    const t = s.tables[0];
    const key = t.primaryKey[0];
    const cols = t.columns.map((c) => c.name);
    const topic = `${s.topicPrefix}.${t.schema}.${t.name}`;
    const mirror = `${target.cdc!.namespace}.${target.cdc!.tablePrefix}${topic.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}`;
    const values = (id: number, text: string) => t.columns.map((c) => (c.name === key ? String(id) : valueFor(c.type, text, 7) ?? null));
    const common = { name: `${s.kind} ${t.schema}.${t.name}`, table: t, topic, mirror, key };
    if (s.kind === "postgres") {
        const [host, port] = (await hostPort(s.container, 5432)).split(/:(?=\d+$)/);
        const pg = new PgClient({
            host, port: Number(port), user: s.adminUser, database: s.database,
            password: await containerSecret(s.container, "POSTGRES_PASSWORD"),
        });
        await pg.connect();
        const q = `"${t.schema}"."${t.name}"`;
        return {
            ...common,
            insert: async (id, text) => {
                await pg.query(`INSERT INTO ${q} (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, values(id, text));
            },
            deleteFrom: async (first) => { await pg.query(`DELETE FROM ${q} WHERE "${key}" >= $1`, [first]); },
            maxId: async () => Number((await pg.query(`SELECT coalesce(max("${key}"), 0) AS m FROM ${q}`)).rows[0].m),
            close: () => pg.end(),
        };
    }
    const [host, port] = (await hostPort(s.container, 3306)).split(/:(?=\d+$)/);
    const my = await mysql.createConnection({ host, port: Number(port), user: "root", password: await containerSecret(s.container, "MYSQL_ROOT_PASSWORD") });
    const q = `\`${t.schema}\`.\`${t.name}\``;
    return {
        ...common,
        insert: async (id, text) => {
            await my.query(`INSERT INTO ${q} (${cols.map((c) => `\`${c}\``).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, values(id, text));
        },
        deleteFrom: async (first) => { await my.query(`DELETE FROM ${q} WHERE \`${key}\` >= ?`, [first]); },
        maxId: async () => Number(((await my.query(`SELECT coalesce(max(\`${key}\`), 0) AS m FROM ${q}`)) as any)[0][0].m),
        close: () => my.end(),
    };
}

export interface LatencyResult {
    source: string;
    changes: number;
    kafkaMs: Stats;
    trinoMs: Stats;
    /** With --restart: the restarted container and how long the lag took to come back under 10 s. */
    restart?: { role: RestartRole; container: string } & Recovery;
    raw: { id: number; commit: number; kafka: number; trino: number }[];
}

/** One source's result from its raw numbers: the statistics per stage and, after a restart, the recovery. */
export function summarize(source: string, raw: LatencyResult["raw"],
    restart?: { role: RestartRole; container: string; restartAt: number; restartedAt: number }): LatencyResult {
    return {
        source, changes: raw.length, kafkaMs: stats(raw.map((r) => r.kafka)), trinoMs: stats(raw.map((r) => r.trino)),
        ...(restart ? { restart: { role: restart.role, container: restart.container, ...recovery(raw, restart.restartAt, restart.restartedAt) } } : {}),
        raw,
    };
}

export async function benchLatency(endpoints: VerifyEndpoints, target: VerifyTarget,
    o: { changes: number; intervalMs: number; pollMs: number; restart?: RestartRole; restartAfterS?: number; log?: (l: string) => void }): Promise<LatencyResult[]> {
    const log = o.log ?? ((l: string) => console.log(l));
    if (!target.cdc) throw new Error("the stack has no CDC mirror job: nothing to measure in Iceberg");
    let restartContainer = "";
    if (o.restart) {
        if (target.kubernetes) throw new Error("--restart restarts a Docker container: the stack runs on Kubernetes");
        const suffix = `-${RESTART_ROLES[o.restart]}`;
        restartContainer = ((target.containers ?? []) as string[]).find((c) => c.endsWith(suffix)) ?? "";
        if (!restartContainer) throw new Error(`--restart ${o.restart}: the stack has no container named *${suffix} (${(target.containers ?? []).join(", ")})`);
        const at = (o.restartAfterS ?? 0) * 1000;
        if (at <= 0 || at >= o.changes * o.intervalMs) throw new Error(`--restart-after-s must fall inside the stream (0 < s < ${(o.changes * o.intervalMs) / 1000})`);
    }
    const sources = await Promise.all(target.sources.map((s) => openSource(s as VerifySource & { container: string }, target)));
    const runId = Date.now().toString(36);
    const kafka = kafkaClient(endpoints, "lakehouse-bench");
    const consumer = kafka.consumer({ groupId: `lakehouse-bench-${runId}` });
    try {
        const base = new Map<Source, number>();
        for (const s of sources) base.set(s, (await s.maxId()) + 1);
        const commit = new Map<string, number>();
        const inKafka = new Map<string, number>();
        const inTrino = new Map<string, number>();
        const id = (s: Source, i: number) => `${s.topic}/${base.get(s)! + i}`;

        const admin = kafka.admin();
        await admin.connect();
        const start = await Promise.all(sources.map(async (s) => ({ topic: s.topic, offsets: await admin.fetchTopicOffsets(s.topic) })));
        await admin.disconnect();
        await consumer.connect();
        await consumer.subscribe({ topics: sources.map((s) => s.topic), fromBeginning: false });
        await consumer.run({
            eachMessage: async ({ topic, message }) => {
                const now = Date.now();
                if (!message.value) return;
                const v = JSON.parse(message.value.toString());
                const p = v.payload ?? v;
                const s = sources.find((x) => x.topic === topic);
                if (!s || p?.op !== "c" || !p.after) return;
                const k = `${topic}/${p.after[s.key]}`;
                if (!inKafka.has(k)) inKafka.set(k, now);
            },
        });
        for (const s of start) for (const p of s.offsets) consumer.seek({ topic: s.topic, partition: p.partition, offset: p.offset });

        let polling = true;
        let polls = 0;
        let pollMsTotal = 0;
        const poller = (async () => {
            while (polling) {
                const began = Date.now();
                for (const s of sources) {
                    const rows = await trino(endpoints.trino, `SELECT CAST("${s.key}" AS bigint) FROM ${s.mirror} WHERE "${s.key}" >= ${base.get(s)}`).catch(() => [] as any[][]);
                    const now = Date.now();
                    for (const [k] of rows) {
                        const key = `${s.topic}/${k}`;
                        if (commit.has(key) && !inTrino.has(key)) inTrino.set(key, now);
                    }
                }
                polls++;
                pollMsTotal += Date.now() - began;
                await sleep(Math.max(0, o.pollMs - (Date.now() - began)));
            }
        })();

        log(`bench: ${o.changes} inserts per source, one every ${o.intervalMs} ms, into ${sources.map((s) => s.name).join(" and ")}`);
        const t0 = Date.now();
        let restarted: Promise<{ at: number; done: number }> | undefined;
        if (o.restart) {
            restarted = (async () => {
                await sleep(o.restartAfterS! * 1000);
                const at = Date.now();
                log(`bench: docker restart ${restartContainer} (${o.restart}) at ${((at - t0) / 1000).toFixed(1)} s`);
                await docker(["restart", restartContainer]);
                const done = Date.now();
                log(`bench: ${restartContainer} restarted in ${((done - at) / 1000).toFixed(1)} s`);
                return { at, done };
            })();
        }
        for (let i = 0; i < o.changes; i++) {
            const due = t0 + i * o.intervalMs;
            await sleep(Math.max(0, due - Date.now()));
            await Promise.all(sources.map(async (s) => {
                await s.insert(base.get(s)! + i, `bench-${runId}-${i}`);
                commit.set(id(s, i), Date.now());
            }));
        }
        const restart = restarted ? await restarted : undefined;
        const all = sources.flatMap((s) => Array.from({ length: o.changes }, (_, i) => id(s, i)));
        await waitUntil("every bench row in Kafka and in the mirror", 900_000, 1000,
            async () => (all.every((k) => inKafka.has(k) && inTrino.has(k)) ? true : undefined));
        polling = false;
        await poller;
        log(`bench: ${polls} Trino polls, ${(pollMsTotal / Math.max(1, polls)).toFixed(0)} ms each on average`);

        const results = sources.map((s) => {
            const raw = Array.from({ length: o.changes }, (_, i) => {
                const k = id(s, i);
                return { id: base.get(s)! + i, commit: commit.get(k)!, kafka: inKafka.get(k)! - commit.get(k)!, trino: inTrino.get(k)! - commit.get(k)! };
            });
            return summarize(s.name, raw, restart && { role: o.restart!, container: restartContainer, restartAt: restart.at, restartedAt: restart.done });
        });

        // Clean up, and let the mirror follow before the next user of the stack.
        for (const s of sources) await s.deleteFrom(base.get(s)!);
        await waitUntil("the bench rows to leave the mirror", 900_000, 2000, async () => {
            for (const s of sources) {
                const n = await trino(endpoints.trino, `SELECT count(*) FROM ${s.mirror} WHERE "${s.key}" >= ${base.get(s)}`);
                if (Number(n[0][0]) !== 0) return undefined;
            }
            return true;
        });
        return results;
    } finally {
        await consumer.disconnect().catch(() => undefined);
        await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    }
}

export function formatResults(results: LatencyResult[]): string {
    const f = (ms: number) => (ms / 1000).toFixed(2);
    const lines = ["| source | stage | n | min s | median s | p95 s | p99 s | max s | mean s |", "|---|---|---|---|---|---|---|---|---|"];
    for (const r of results) {
        for (const [stage, s] of [["commit -> Kafka", r.kafkaMs], ["commit -> Iceberg (Trino)", r.trinoMs]] as const) {
            lines.push(`| ${r.source} | ${stage} | ${s.n} | ${f(s.min)} | ${f(s.median)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.max)} | ${f(s.mean)} |`);
        }
    }
    for (const r of results) {
        if (!r.restart) continue;
        const x = r.restart;
        lines.push(`${r.source}: ${x.container} restarted (docker restart took ${f(x.restartedAt - x.restartAt)} s); lag back under ${f(x.thresholdMs)} s ` +
            `${x.recoveryMs === null ? "NOT for good within the stream" : `for good ${f(x.recoveryMs)} s after the restart began`}; ` +
            `first change after it in the mirror ${x.resumedMs === null ? "never" : `${f(x.resumedMs)} s after it began`}; ` +
            `backlog gone (back within the ${x.envelopeMs === null ? "?" : f(x.envelopeMs)} s seen before it) ${x.steadyMs === null ? "not within the stream" : `${f(x.steadyMs)} s after it began`}; ` +
            `worst latency after it ${f(x.worstAfterRestartMs)} s`);
    }
    return lines.join("\n");
}

async function main(): Promise<void> {
    const a = parseCommandLine("bench-latency",
        "npx ts-node tools/bench-latency.ts [--stack dev] [--changes 100] [--interval-ms 1000] [--poll-ms 500] [--restart broker|connect|job] [--restart-after-s 30] [--json <file>]", {
            stack: { type: "string", default: "dev" },
            changes: { type: "string", default: "100" },
            "interval-ms": { type: "string", default: "1000" },
            "poll-ms": { type: "string", default: "500" },
            restart: { type: "string", default: "" },
            "restart-after-s": { type: "string", default: "30" },
            json: { type: "string", default: "" },
            "from-json": { type: "string", default: "" },
        });
    if (a["from-json"]) {
        // Re-analyse a run already made (its raw numbers and restart times), e.g. after the statistics changed.
        const run = JSON.parse(fs.readFileSync(a["from-json"], "utf8"));
        run.results = (run.results as LatencyResult[]).map((r) => summarize(r.source, r.raw, r.restart));
        console.log(formatResults(run.results));
        fs.writeFileSync(a["from-json"], JSON.stringify(run, null, 2));
        return;
    }
    const num = (name: "changes" | "interval-ms" | "poll-ms" | "restart-after-s", min: number) => {
        const v = Number(a[name]);
        if (!Number.isInteger(v) || v < min) {
            console.error(`bench-latency: --${name} must be an integer >= ${min}, got ${a[name]}`);
            process.exit(2);
        }
        return v;
    };
    const stack = a.stack;
    if (a.restart && !(a.restart in RESTART_ROLES)) {
        console.error(`bench-latency: --restart must be one of ${Object.keys(RESTART_ROLES).join(", ")}, got ${a.restart}`);
        process.exit(2);
    }
    const o = {
        changes: num("changes", 1), intervalMs: num("interval-ms", 0), pollMs: num("poll-ms", 50),
        ...(a.restart ? { restart: a.restart as RestartRole, restartAfterS: num("restart-after-s", 1) } : {}),
    };
    const outputs = await readStackOutputs(stack, "bench-latency");
    const results = await benchLatency(outputs.endpoints, outputs.verifyTarget, o);
    console.log(formatResults(results));
    const json = a.json;
    if (json) {
        const { loadavg, cpus, totalmem } = await import("os");
        fs.writeFileSync(json, JSON.stringify({ stack, ...o, at: new Date().toISOString(),
            machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg() }, results }, null, 2));
        console.log(`bench-latency: wrote ${json}`);
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`bench-latency: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
