// Table maintenance and `make status` on the shared test stack (test/support/shared-stack.ts).
//
// 1. One maintenance pass (the deployed maintenance container's own command, once) over the users mirror
//    and changelog, with every action on (compaction from 2 files) and the retention policy written out
//    below (1 min, keep 3), runs while rows of this suite's own keys flow through Postgres: afterwards
//    the mirror equals the source exactly (Trino) with no duplicate key; each table keeps at most 3
//    snapshots committed before its expiry's cut-off (Trino's $snapshots), had more than 3 such before
//    the pass, and every snapshot younger than 1 min at expiry is still there. (One pass over the two
//    users tables: a pass over every table of namespace cdc took minutes of CI; the job runs the same
//    code per table, and jobs/tests covers the table listing and passes beside the sink.)
// 2. `make status` (tools/status.ts --json): healthy with a source position for every captured table of
//    both sources (the MySQL one read with SHOW BINARY LOG STATUS, SHOW MASTER STATUS on MariaDB); exit 1
//    and healthy=false naming the connector after Connect's stop of one connector, then naming the CDC
//    job's heartbeat while its container is paused; healthy again after each is restored.
import { strict as assert } from "assert";
import axios from "axios";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { sh } from "../support/cli";
import { docker, exec, sleep, waitFor } from "../support/docker";
import { ROOT } from "../support/pulumi";
import { trino } from "../../tools/clients";
import { spawn } from "child_process";

const MIRROR = "cdc.dbserver1_public_users";
/** Connect's REST resources consume JSON only: a request without this Content-Type is answered 415. */
const JSON_HEADERS = { headers: { Accept: "application/json", "Content-Type": "application/json" } };
const IDS = Array.from({ length: 30 }, (_, i) => 914_000 + i);

async function psql(s: SharedStack, sql: string): Promise<string> {
    const pg = s.outputs.verifyTarget.sources.find((x: any) => x.kind === "postgres");
    return (await exec(pg.container, ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-tAq", "-U", pg.adminUser, "-d", pg.database, "-c", sql])).trim();
}

interface StatusRun { code: number; json: any; stdout: string; stderr: string }

/** `tools/status.ts --json` with stdout and stderr kept apart; the whole stdout must be one JSON document. */
function status(s: SharedStack): Promise<StatusRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("npx", ["ts-node", "--transpile-only", "tools/status.ts", "--stack", s.stack, "--json"], { cwd: ROOT, env: s.env });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            let json: any;
            try {
                json = JSON.parse(stdout);
            } catch (e) {
                reject(new Error(`status --json (exit ${code}): stdout is not one JSON document (${(e as Error).message}): `
                    + `${JSON.stringify(stdout.slice(0, 400))}; stderr: ${stderr.slice(-1500)}`));
                return;
            }
            resolve({ code: code ?? -1, json, stdout, stderr });
        });
    });
}

const problems = (r: StatusRun) => `exit ${r.code}, healthy ${r.json?.healthy}: ${JSON.stringify(r.json?.problems)} ${r.stderr.slice(-500)}`;

/** Healthy: exit 0, healthy true, no problem listed, every connector and task RUNNING. */
async function waitHealthy(s: SharedStack, what: string): Promise<any> {
    return waitFor(what, async () => {
        const r = await status(s);
        if (r.code !== 0 || r.json.healthy !== true || r.json.problems.length !== 0) throw new Error(problems(r));
        for (const c of r.json.connectors) {
            if (c.state !== "RUNNING" || c.tasks.length === 0 || c.tasks.some((t: string) => t !== "RUNNING")) throw new Error(`connector ${JSON.stringify(c)}`);
        }
        return r.json;
    }, 300_000, 10_000);
}

/** Changes to `ids` in public.users (insert each, then updates and deletes) every ~300 ms until stopped. */
function startWriter(s: SharedStack, ids: number[], tag: string): { stop: () => Promise<number>; count: () => number } {
    let writing = true;
    let n = 0;
    const done = (async () => {
        while (writing) {
            const id = ids[n % ids.length];
            await psql(s, n < ids.length
                ? `INSERT INTO public.users (id, name, email) VALUES (${id}, '${tag}-${n}', '${tag}${n}@x')`
                : n % 5 === 0 ? `DELETE FROM public.users WHERE id = ${id}` : `UPDATE public.users SET name = '${tag}-${n}' WHERE id = ${id}`)
                .catch(() => undefined); // an update or delete of a deleted id changes nothing
            n++;
            await sleep(300);
        }
        return n;
    })();
    return { stop: async () => { writing = false; return done; }, count: () => n };
}

/**
 * The deployed maintenance container's own spark-submit command with `policy` over the deployed one, run
 * once; with `only`, over those tables (namespace.table) alone instead of every table of the namespaces.
 */
async function maintenancePass(s: SharedStack, policy: (deployed: any) => any, only?: string[]): Promise<string> {
    const m = s.outputs.verifyTarget.maintenance;
    const cmd: string[] = JSON.parse(await docker(["inspect", "-f", "{{json .Config.Cmd}}", m.container]));
    const i = cmd.indexOf("--policy");
    cmd[i + 1] = JSON.stringify(policy(JSON.parse(cmd[i + 1])));
    const hb = cmd.indexOf("--heartbeat-file");
    cmd[hb + 1] = "/tmp/maintenance-test.heartbeat";
    // The job logs to stderr: keep both streams. A pass on a busy 2-core machine may take minutes.
    // argparse keeps an option's last value: these override the deployed --namespaces / --tables.
    const scope = only ? ["--namespaces", "", "--tables", only.join(",")] : [];
    const quoted = [...cmd, ...scope, "--once"].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    return docker(["exec", m.container, "sh", "-c", `/opt/spark/bin/spark-submit ${quoted} 2>&1`], { timeoutMs: 1_500_000 });
}

describe("table maintenance and make status (shared stack)", function () {
    this.timeout(2_400_000);
    let s: SharedStack;
    before(async () => { s = await sharedStack(); });

    it("a pass with every action over the users tables, concurrent with streaming: the mirror equals the source; expiry honours retention (at most retainLast snapshots older than the cut-off, none younger removed)", async () => {
        assert.ok(s.outputs.verifyTarget.maintenance, "the stack declares maintenance (on by default)");
        // The policy under test, written out: snapshots older than 1 minute expire, the last 3 always stay.
        const RETENTION_S = 60;
        const RETAIN_LAST = 3;
        const trinoUrl = s.outputs.endpoints.trino;
        const watched = [MIRROR, `${MIRROR}_changelog`];
        const snaps = (table: string) => {
            const [ns, name] = table.split(".");
            return `"minio"."${ns}"."${name}$snapshots"`;
        };
        await psql(s, `DELETE FROM public.users WHERE id BETWEEN ${IDS[0]} AND ${IDS[IDS.length - 1]}`);
        // Every snapshot of the watched tables seen while the test runs: id -> committed_at (epoch s).
        const seen: Record<string, Map<string, number>> = Object.fromEntries(watched.map((t) => [t, new Map()]));
        let polling = true;
        const poller = (async () => {
            while (polling) {
                for (const t of watched) {
                    const rows = await trino(trinoUrl, `SELECT CAST(snapshot_id AS varchar), to_unixtime(committed_at) FROM ${snaps(t)}`).catch(() => []);
                    for (const [id, at] of rows) seen[t].set(id, Number(at));
                }
                await sleep(3000);
            }
        })();
        const writer = startWriter(s, IDS, "maint");
        let out: string;
        let atStart = 0;
        let changes = 0;
        try {
            // Snapshots that will be older than the cut-off when the pass expires (the CDC job commits every few seconds).
            await sleep(RETENTION_S * 1000 + 20_000);
            atStart = writer.count();
            out = await maintenancePass(s, (p) => ({
                ...p,
                default: { ...p.default, snapshotRetentionMinutes: RETENTION_S / 60, retainLast: RETAIN_LAST, minInputFiles: 2, compact: true, rewriteManifests: true },
                tables: {},
            }), watched);
        } finally {
            changes = await writer.stop();
            polling = false;
            await poller;
        }
        assert.ok(changes - atStart > 5, `the writer made ${changes - atStart} changes during the pass`);
        const runId = /pass ([0-9a-f-]+): \d+ action\(s\)/.exec(out)?.[1];
        assert.ok(runId, out.slice(-3000));

        // The mirror equals the source, with no duplicate key.
        const cols = "id, name, email";
        const source = async () => JSON.parse(await psql(s, `SELECT coalesce(json_agg(json_build_array(${cols}) ORDER BY id), '[]') FROM public.users WHERE id BETWEEN ${IDS[0]} AND ${IDS[IDS.length - 1]}`));
        const mirror = async () => (await trino(trinoUrl, `SELECT ${cols} FROM minio.${MIRROR} WHERE id BETWEEN ${IDS[0]} AND ${IDS[IDS.length - 1]} ORDER BY id`))
            .map((r) => r.map((v: unknown) => v));
        const want = await source();
        assert.ok(want.length > 0);
        await waitFor("the mirror to equal the source after the pass", async () => {
            const got = await mirror();
            if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`mirror ${JSON.stringify(got).slice(0, 300)} vs source ${JSON.stringify(want).slice(0, 300)}`);
            return true;
        }, 300_000, 3000);
        const [[rows, keys]] = await trino(trinoUrl, `SELECT count(*), count(DISTINCT id) FROM minio.${MIRROR}`);
        assert.equal(rows, keys);

        // Every action ran on the mirror, and the pass kept to the tables asked for (and the job's own runs table).
        const runs = await trino(trinoUrl, `SELECT table_name, action, ok, result, error FROM minio.lakehouse_ops.maintenance_runs WHERE run_id = '${runId}'`);
        const onMirror = new Set(runs.filter((r) => r[0] === MIRROR).map((r) => r[1]));
        for (const a of ["rewrite_data_files", "rewrite_manifests", "expire_snapshots"]) assert.ok(onMirror.has(a), `${a} ran: ${JSON.stringify(runs)}`);
        const others = [...new Set(runs.map((r) => String(r[0])))].filter((t) => !watched.includes(t) && !t.startsWith("lakehouse_ops."));
        assert.deepEqual(others, [], "the pass touched only the users mirror and changelog");

        const expiries = await trino(trinoUrl, `SELECT table_name, to_unixtime(started_at), to_unixtime(finished_at), ok, result, error
            FROM minio.lakehouse_ops.maintenance_runs WHERE run_id = '${runId}' AND action = 'expire_snapshots' ORDER BY table_name`);
        const tables = expiries.map((r) => r[0] as string);
        for (const t of watched) assert.ok(tables.includes(t), `expire_snapshots ran on ${t}: ${JSON.stringify(tables)}`);
        for (const [table, started, finished, ok, result, error] of expiries) {
            assert.equal(ok, true, `${table}: expire_snapshots failed: ${error}`);
            const now = await trino(trinoUrl, `SELECT CAST(snapshot_id AS varchar), to_unixtime(committed_at) FROM ${snaps(table)}`);
            // The job's cut-off is (its clock at the call, truncated to the second) - 60 s: within [started - 61, finished - 60].
            const older = now.filter(([, at]) => Number(at) < Number(started) - RETENTION_S - 1);
            console.log(`      ${table}: ${now.length} snapshot(s) left, ${older.length} older than the cut-off; expire result ${result}`);
            assert.ok(older.length <= RETAIN_LAST, `${table}: ${older.length} snapshots older than ${RETENTION_S} s at expiry remain, retainLast is ${RETAIN_LAST}: ${JSON.stringify(older)}`);
            if (!watched.includes(table)) continue; // the job's own runs table, maintained in every pass
            // Non-vacuous: the table had more than RETAIN_LAST snapshots past the cut-off before the pass ...
            const before = [...seen[table]].filter(([, at]) => at < Number(started) - RETENTION_S - 1);
            assert.ok(before.length > RETAIN_LAST, `${table}: only ${before.length} snapshots were older than the cut-off before the pass`);
            // ... and every snapshot younger than the retention at expiry is still there.
            const left = new Set(now.map(([id]) => id));
            const young = [...seen[table]].filter(([, at]) => at >= Number(finished) - RETENTION_S);
            assert.ok(young.length > 0, `${table}: no snapshot younger than ${RETENTION_S} s at expiry was seen`);
            const lost = young.filter(([id]) => !left.has(id));
            assert.deepEqual(lost, [], `${table}: snapshots younger than ${RETENTION_S} s at expiry were removed`);
        }
    });

    it("make status: healthy with every source position; a stopped connector and a paused CDC job are unhealthy", async () => {
        const first = await waitHealthy(s, "make status to report a healthy stack");
        const kinds = new Set<string>(s.outputs.verifyTarget.sources.map((x: any) => x.kind));
        assert.ok(kinds.has("postgres") && kinds.has("mysql"), `both source kinds are captured: ${[...kinds]}`);
        const expectedTables = s.outputs.verifyTarget.sources.reduce((n: number, x: any) => n + x.tables.length, 0);
        assert.equal(first.tables.length, expectedTables, JSON.stringify(first.tables.map((t: any) => t.source)));
        for (const t of first.tables) {
            // Postgres: lsn:<bytes>; MySQL: <binlog file>:<offset>.
            assert.match(String(t.sourcePosition), /^(lsn:\d+|[\w.-]+\.\d+:\d+)$/, `${t.source}: source position ${t.sourcePosition}`);
        }

        const connect = s.outputs.endpoints.connect;
        const mysql = s.outputs.verifyTarget.sources.find((x: any) => x.kind === "mysql" && x.connector);
        assert.ok(mysql, "a MySQL source with a connector");
        const name: string = mysql.connector;
        await axios.put(`${connect}/connectors/${encodeURIComponent(name)}/stop`, undefined, JSON_HEADERS);
        try {
            const r = await waitFor(`status to report connector ${name} stopped`, async () => {
                const r = await status(s);
                if (!r.json.connectors.some((c: any) => c.name === name && c.state === "STOPPED")) throw new Error(problems(r));
                return r;
            }, 120_000, 5000);
            assert.equal(r.code, 1, problems(r));
            assert.equal(r.json.healthy, false);
            assert.ok(r.json.problems.some((p: string) => p.includes(`connector ${name} is STOPPED`)), problems(r));
        } finally {
            await axios.put(`${connect}/connectors/${encodeURIComponent(name)}/resume`, undefined, JSON_HEADERS);
        }
        await waitHealthy(s, `connector ${name} RUNNING again`);

        const job = s.outputs.verifyTarget.cdc.container;
        await docker(["pause", job]);
        try {
            const r = await status(s);
            assert.equal(r.code, 1, problems(r));
            assert.equal(r.json.healthy, false);
            assert.ok(r.json.problems.some((p: string) => /CDC job heartbeat/.test(p)), problems(r));
        } finally {
            await docker(["unpause", job]);
        }
        await waitHealthy(s, "the CDC job healthy again after unpause");
    });
});
