// `make status`: the health of a deployed lakehouse, per captured table and per moving part.
//
//   npx ts-node tools/status.ts [--stack dev] [--json] [--max-lag-seconds 300]
//
// With --json, stdout is exactly one JSON document (LakehouseStatus below) and every other line (errors,
// warnings) goes to stderr, so `npx ts-node tools/status.ts --json | jq .healthy` works; `make -s status
// ARGS=--json` gives the same stdout (make's own messages go to stderr).
//
// Per captured table: the source's position (Postgres WAL LSN, MySQL/MariaDB binlog file:pos), the
// position the mirror applied (the changelog's last source position), lag in changes (Kafka end offset
// minus the last offset applied) and in seconds (how long the oldest unapplied change has waited, read as
// the age of the table's last commit while changes are pending), the last commit, data files, delete
// files and snapshots (Trino's $files and $snapshots), and the last maintenance run with what each action
// did (lakehouse_ops.maintenance_runs). Then connector and task states and the containers of the CDC job
// and maintenance. Exit 0 when healthy, 1 when anything is unhealthy (each reason listed), 2 when the
// stack cannot be read.
import axios from "axios";
import type { Kafka } from "kafkajs";
import type { VerifySource, VerifyTarget } from "../components/lakehouse";
import { SourceDb, TrinoEndpoint, VerifyEndpoints, connectRequest, docker, kafkaClient, parseCommandLine, readStackOutputs, trino } from "./clients";

export interface TableStatus {
    source: string;
    topic: string;
    mirror: string;
    sourcePosition: string | null;
    appliedPosition: string | null;
    lagChanges: number | null;
    lagSeconds: number | null;
    lastCommit: string | null;
    dataFiles: number | null;
    deleteFiles: number | null;
    snapshots: number | null;
    changelogSnapshots: number | null;
    lastMaintenance: { runId: string; finishedAt: string; actions: Record<string, { ok: boolean; result: unknown; error?: string }> } | null;
    errors: string[];
}

export interface LakehouseStatus {
    stack: string;
    time: string;
    healthy: boolean;
    /** Why the stack is unhealthy; empty when healthy. */
    problems: string[];
    /** Worth knowing, not unhealthy: a maintenance action that lost its commit races (retried next pass). */
    warnings: string[];
    connectors: { name: string; state: string; tasks: string[] }[];
    containers: { name: string; state: string }[];
    cdcJob: { heartbeat?: Record<string, unknown>; heartbeatAgeSeconds?: number } | null;
    tables: TableStatus[];
}

/**
 * A maintenance action that failed only because the CDC job's commits kept winning the race (the job
 * retried it with back-off; jobs/maintenance_lib.py CONFLICT_MARKERS): nothing is lost or doubled and the
 * next pass tries again, so it is a warning. Any other failure of an action is a problem.
 */
const LOST_COMMIT_RACE = /ValidationException|CommitFailedException|CommitStateUnknownException|Found conflicting files|Missing required files to delete|Cannot commit/;

const one = async (url: TrinoEndpoint, sql: string): Promise<any[]> => (await trino(url, sql))[0] ?? [];

/**
 * The tables the CDC job stopped because of a source type change Iceberg cannot take in place (the
 * heartbeat's `stopped_tables`, topic -> message naming the mirror table, the column, old and new type and
 * the way out; jobs/cdc_mirror.py Mirror.stop_topic): one problem each. The job keeps the other tables flowing.
 */
export function stoppedTableProblems(heartbeat: Record<string, unknown> | null | undefined): string[] {
    const stopped = heartbeat?.stopped_tables;
    if (!stopped || typeof stopped !== "object" || Array.isArray(stopped)) return [];
    return Object.entries(stopped as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))
        .map(([topic, message]) => `CDC job stopped table ${topic}: ${String(message)}`);
}

async function sourcePosition(db: SourceDb): Promise<string> {
    if (db.src.kind === "postgres") return `lsn:${await db.sql("SELECT (pg_current_wal_lsn() - '0/0')::bigint;")}`; // as the changelog's source_position
    // Oracle MySQL removed SHOW MASTER STATUS in 8.4 (SHOW BINARY LOG STATUS since 8.2); MariaDB has
    // SHOW MASTER STATUS (and SHOW BINLOG STATUS since 10.5.2) but not BINARY LOG STATUS.
    const out = await db.sql("SHOW BINARY LOG STATUS;").catch(() => db.sql("SHOW MASTER STATUS;"));
    const [file, pos] = out.split(/\s+/);
    if (!file || !/^\d+$/.test(pos ?? "")) throw new Error(`no binary log position (is log_bin on?): ${JSON.stringify(out)}`);
    return `${file}:${pos}`;
}

export async function lakehouseStatus(stack: string, endpoints: VerifyEndpoints, target: VerifyTarget, maxLagSeconds: number): Promise<LakehouseStatus> {
    const problems: string[] = [];
    const warnings: string[] = [];
    const status: LakehouseStatus = {
        stack, time: new Date().toISOString(), healthy: true, problems, warnings, connectors: [], containers: [], cdcJob: null, tables: [],
    };

    // Containers: every one of the stack running and healthy.
    for (const c of target.containers as string[]) {
        const state = (await docker(["inspect", "-f", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", c])
            .catch(() => "missing")).trim();
        status.containers.push({ name: c, state });
        if (state !== "running/healthy") problems.push(`container ${c} is ${state}`);
    }

    // Connectors and their tasks.
    for (const s of target.sources) {
        const name = s.connector as string | undefined;
        if (!name) continue;
        try {
            const { data } = await axios.get(`${endpoints.connect}/connectors/${encodeURIComponent(name)}/status`, connectRequest(endpoints));
            const tasks = (data.tasks as { state: string }[]).map((t) => t.state);
            status.connectors.push({ name, state: data.connector.state, tasks });
            if (data.connector.state !== "RUNNING") problems.push(`connector ${name} is ${data.connector.state}`);
            if (tasks.length === 0) problems.push(`connector ${name} has no task`);
            tasks.forEach((t, i) => { if (t !== "RUNNING") problems.push(`connector ${name} task ${i} is ${t}`); });
        } catch (e) {
            status.connectors.push({ name, state: "UNKNOWN", tasks: [] });
            problems.push(`connector ${name}: ${(e as Error).message}`);
        }
    }

    // The CDC job's heartbeat (written while its streaming query is active).
    if (target.cdc) {
        try {
            const hb = JSON.parse(await docker(["exec", target.cdc.container as string, "cat", "/tmp/cdc-mirror.heartbeat"]));
            const age = Math.round(Date.now() / 1000 - hb.time);
            status.cdcJob = { heartbeat: hb, heartbeatAgeSeconds: age };
            if (age > 60) problems.push(`CDC job heartbeat is ${age} s old (stalled)`);
            problems.push(...stoppedTableProblems(hb));
        } catch (e) {
            status.cdcJob = {};
            problems.push(`CDC job heartbeat unreadable (job stopped or stalled): ${(e as Error).message.split("\n")[0]}`);
        }
    }

    const kafka = kafkaClient(endpoints, "lakehouse-status");
    const admin = kafka.admin();
    await admin.connect().catch((e) => problems.push(`kafka: ${(e as Error).message}`));
    try {
        for (const s of target.sources) {
            const db = new SourceDb(s as VerifySource & { container: string });
            const position = await sourcePosition(db).catch((e) => { problems.push(`${s.kind} position: ${(e as Error).message}`); return null; });
            for (const t of s.tables) {
                const topic = `${s.topicPrefix}.${t.schema}.${t.name}`;
                const mirror = target.cdc ? `${target.cdc.namespace}.${target.cdc.tablePrefix}${topic.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}` : "";
                const read = (status.cdcJob?.heartbeat?.read_offsets as Record<string, number> | undefined)?.[topic];
                status.tables.push(await tableStatus(endpoints, target, admin, s, topic, mirror, position, maxLagSeconds, problems, warnings, read));
            }
        }
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
    status.healthy = problems.length === 0;
    return status;
}

async function tableStatus(
    endpoints: VerifyEndpoints, target: VerifyTarget, admin: ReturnType<Kafka["admin"]>, s: VerifySource, topic: string,
    mirror: string, sourcePosition: string | null, maxLagSeconds: number, problems: string[], warnings: string[],
    /** The job's read position in the topic (its heartbeat's read_offsets): records before it were read, written or not. */
    readOffset?: number,
): Promise<TableStatus> {
    const ts: TableStatus = {
        source: `${s.kind}:${topic.split(".").slice(1).join(".")}`, topic, mirror, sourcePosition, appliedPosition: null, lagChanges: null,
        lagSeconds: null, lastCommit: null, dataFiles: null, deleteFiles: null, snapshots: null, changelogSnapshots: null,
        lastMaintenance: null, errors: [],
    };
    if (!mirror) return ts;
    const url = endpoints.trino;
    const [catalog, ns, name] = mirror.split(".").slice(-3);
    const q = (t: string) => `"${catalog}"."${ns}"."${t}"`;
    const guard = async (what: string, fn: () => Promise<void>) => {
        try { await fn(); } catch (e) { ts.errors.push(`${what}: ${(e as Error).message.split("\n")[0]}`); }
    };
    let applied: number | null = null;
    await guard("changelog", async () => {
        const [pos, offset] = await one(url, `SELECT max_by(source_position, kafka_offset), max(kafka_offset) FROM ${q(`${name}_changelog`)}`);
        ts.appliedPosition = pos ?? null;
        applied = offset === null || offset === undefined ? null : Number(offset);
    });
    await guard("kafka offsets", async () => {
        const offsets = await admin.fetchTopicOffsets(topic);
        const end = offsets.reduce((n, p) => n + Number(p.high), 0);
        // One partition per CDC topic: the changes not yet applied are those after the last applied offset, or
        // after the job's read position where that is further: a tombstone or a change Debezium sent again
        // (after a connector restart) is read and written nowhere, and must not count as lag forever.
        const done = Math.max(applied === null ? 0 : applied + 1, typeof readOffset === "number" && Number.isFinite(readOffset) ? readOffset : 0);
        ts.lagChanges = Math.max(0, end - done);
    });
    await guard("snapshots", async () => {
        const [n, last] = await one(url, `SELECT count(*), CAST(max(committed_at) AS varchar) FROM ${q(`${name}$snapshots`)}`);
        ts.snapshots = Number(n);
        ts.lastCommit = last ?? null;
        const [cn] = await one(url, `SELECT count(*) FROM ${q(`${name}_changelog$snapshots`)}`);
        ts.changelogSnapshots = Number(cn);
    });
    await guard("files", async () => {
        const rows = await trino(url, `SELECT content, count(*) FROM ${q(`${name}$files`)} GROUP BY content`);
        const by = Object.fromEntries(rows.map(([c, n]) => [Number(c), Number(n)]));
        ts.dataFiles = by[0] ?? 0;
        ts.deleteFiles = (by[1] ?? 0) + (by[2] ?? 0);
    });
    if (ts.lagChanges !== null) {
        const lastMs = ts.lastCommit ? Date.parse(ts.lastCommit.replace(" ", "T").replace(/ UTC$/, "Z")) : NaN;
        ts.lagSeconds = ts.lagChanges === 0 ? 0 : Number.isNaN(lastMs) ? null : Math.round((Date.now() - lastMs) / 1000);
        if (ts.lagChanges > 0 && (ts.lagSeconds === null || ts.lagSeconds > maxLagSeconds)) {
            problems.push(`${mirror}: ${ts.lagChanges} change(s) not applied for ${ts.lagSeconds ?? "?"} s (over ${maxLagSeconds} s: the CDC job is stalled)`);
        }
    }
    if (target.maintenance) {
        await guard("maintenance runs", async () => {
            const runs = target.maintenance!.runsTable.split(".").map((p) => `"${p}"`).join(".");
            const rows = await trino(url, `SELECT run_id, CAST(finished_at AS varchar), action, ok, result, error FROM ${runs}
                WHERE table_name = '${ns}.${name}' AND run_id = (SELECT max_by(run_id, finished_at) FROM ${runs} WHERE table_name = '${ns}.${name}')`);
            if (rows.length === 0) return;
            ts.lastMaintenance = {
                runId: rows[0][0], finishedAt: rows.map((r) => r[1]).sort().pop(),
                actions: Object.fromEntries(rows.map((r) => [r[2], { ok: r[3], result: JSON.parse(r[4] ?? "{}"), ...(r[5] ? { error: r[5] } : {}) }])),
            };
            for (const [action, a] of Object.entries(ts.lastMaintenance.actions)) {
                if (a.ok) continue;
                if (LOST_COMMIT_RACE.test(a.error ?? "")) warnings.push(`${mirror}: maintenance ${action} lost its commit races to the CDC job (retried next pass): ${a.error}`);
                else problems.push(`${mirror}: maintenance ${action} failed: ${a.error}`);
            }
        });
    }
    for (const e of ts.errors) {
        // A table the job has not created yet (no change captured) is not a failure; anything else is.
        if (!/does not exist/.test(e)) problems.push(`${mirror}: ${e}`);
    }
    return ts;
}

function render(s: LakehouseStatus): string {
    const lines = [`status: stack ${s.stack} at ${s.time}: ${s.healthy ? "HEALTHY" : "UNHEALTHY"}`];
    for (const c of s.connectors) lines.push(`  connector ${c.name}: ${c.state}, tasks ${c.tasks.join(",") || "none"}`);
    if (s.cdcJob) lines.push(`  CDC job: heartbeat ${s.cdcJob.heartbeatAgeSeconds ?? "?"} s ago, batch ${s.cdcJob.heartbeat?.batch_id ?? "?"}`);
    for (const t of s.tables) {
        lines.push(`  ${t.mirror || t.topic}`);
        lines.push(`    source ${t.sourcePosition ?? "?"}, applied ${t.appliedPosition ?? "?"}; lag ${t.lagChanges ?? "?"} change(s), ${t.lagSeconds ?? "?"} s; last commit ${t.lastCommit ?? "-"}`);
        lines.push(`    ${t.dataFiles ?? "?"} data file(s), ${t.deleteFiles ?? "?"} delete file(s), ${t.snapshots ?? "?"} snapshot(s) (changelog ${t.changelogSnapshots ?? "?"})`);
        if (t.lastMaintenance) {
            const did = Object.entries(t.lastMaintenance.actions).map(([a, r]) => `${a}${r.ok ? "" : " FAILED"} ${JSON.stringify(r.result)}`);
            lines.push(`    maintenance ${t.lastMaintenance.finishedAt}: ${did.join("; ")}`);
        } else lines.push("    maintenance: no run yet");
    }
    for (const w of s.warnings) lines.push(`  warning: ${w}`);
    for (const p of s.problems) lines.push(`  UNHEALTHY: ${p}`);
    return lines.join("\n");
}

async function main(): Promise<void> {
    const o = parseCommandLine("status", "npx ts-node tools/status.ts [--stack dev] [--json] [--max-lag-seconds 300]", {
        stack: { type: "string", default: "dev" },
        json: { type: "boolean", default: false },
        "max-lag-seconds": { type: "string", default: "300" },
    });
    const stack = o.stack;
    const outputs = await readStackOutputs(stack, "status");
    const s = await lakehouseStatus(stack, outputs.endpoints, outputs.verifyTarget, Number(o["max-lag-seconds"]));
    // stdout carries the report alone (with --json: one JSON document, nothing else); anything else goes
    // to stderr. Exit only once stdout is flushed, so a reader through a pipe gets the whole document.
    process.stdout.write(`${o.json ? JSON.stringify(s, null, 2) : render(s)}\n`, () => process.exit(s.healthy ? 0 : 1));
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`status: ${(e as Error).stack ?? e}`);
        process.exit(2);
    });
}
