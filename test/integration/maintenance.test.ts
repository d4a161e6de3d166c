// Table maintenance and `make status` on the shared test stack (test/support/shared-stack.ts).
//
// 1. A maintenance pass (the deployed maintenance container's own command, once, with retention 0 min /
//    keep 5 and compaction from 2 files) runs while rows of this suite's own keys flow through Postgres:
//    afterwards the mirror equals the source exactly (Trino), and no mirror snapshot older than the pass's
//    expiry is left beyond the 5 kept.
// 2. `tools/status.ts --json` reports the stack healthy (exit 0); a stopped connector makes it exit 1
//    naming the connector; a paused CDC job (docker pause: a stalled job) makes it exit 1 naming the
//    heartbeat; both are restored and status is healthy again, so later suites see a normal stack.
import { strict as assert } from "assert";
import axios from "axios";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { sh } from "../support/cli";
import { docker, exec, sleep, waitFor } from "../support/docker";
import { trino } from "../../tools/clients";

const MIRROR = "cdc.dbserver1_public_users";
const IDS = Array.from({ length: 30 }, (_, i) => 914_000 + i);

async function psql(s: SharedStack, sql: string): Promise<string> {
    const pg = s.outputs.verifyTarget.sources.find((x: any) => x.kind === "postgres");
    return (await exec(pg.container, ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-tAq", "-U", pg.adminUser, "-d", pg.database, "-c", sql])).trim();
}

async function status(s: SharedStack): Promise<{ code: number; json: any; out: string }> {
    const r = await sh(s.env, "npx", ["ts-node", "--transpile-only", "tools/status.ts", "--stack", s.stack, "--json"], 300_000);
    const start = r.out.indexOf("{\n");
    let json: any;
    try { json = JSON.parse(r.out.slice(start)); } catch { json = undefined; }
    return { code: r.code, json, out: r.out };
}

describe("table maintenance and make status (shared stack)", function () {
    this.timeout(2_400_000);
    let s: SharedStack;
    before(async () => { s = await sharedStack(); });

    it("a maintenance pass concurrent with streaming leaves the mirror equal to the source; expiry keeps only the last 5", async () => {
        const m = s.outputs.verifyTarget.maintenance;
        assert.ok(m, "the stack declares maintenance (on by default)");
        const trinoUrl = s.outputs.endpoints.trino;
        await psql(s, `DELETE FROM public.users WHERE id BETWEEN ${IDS[0]} AND ${IDS[IDS.length - 1]}`);
        // The deployed container's own spark-submit command, once, with a test policy.
        const cmd: string[] = JSON.parse(await docker(["inspect", "-f", "{{json .Config.Cmd}}", m.container]));
        const i = cmd.indexOf("--policy");
        const policy = JSON.parse(cmd[i + 1]);
        cmd[i + 1] = JSON.stringify({ ...policy, default: { ...policy.default, snapshotRetentionMinutes: 0, retainLast: 5, minInputFiles: 2 } });
        const hb = cmd.indexOf("--heartbeat-file");
        cmd[hb + 1] = "/tmp/maintenance-test.heartbeat";
        let writing = true;
        const writer = (async () => {
            let n = 0;
            while (writing) {
                const id = IDS[n % IDS.length];
                await psql(s, n < IDS.length
                    ? `INSERT INTO public.users (id, name, email) VALUES (${id}, 'maint-${n}', 'm${n}@x')`
                    : n % 5 === 0 ? `DELETE FROM public.users WHERE id = ${id}` : `UPDATE public.users SET name = 'maint-${n}' WHERE id = ${id}`)
                    .catch(() => undefined); // an update or delete of a deleted id changes nothing
                n++;
                await sleep(300);
            }
            return n;
        })();
        await sleep(15_000);
        const passStart = Date.now();
        const out = await exec(m.container, ["/opt/spark/bin/spark-submit", ...cmd, "--once"]);
        writing = false;
        const changes = await writer;
        assert.ok(changes > IDS.length, `the writer made ${changes} changes during the pass`);
        assert.match(out, /pass [0-9a-f-]+: \d+ action\(s\)/, out.slice(-3000));

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
        // No duplicate keys in the mirror.
        const [[rows, keys]] = await trino(trinoUrl, `SELECT count(*), count(DISTINCT id) FROM minio.${MIRROR}`);
        assert.equal(rows, keys);

        const runs = await trino(trinoUrl, `SELECT action, ok, result FROM minio.lakehouse_ops.maintenance_runs WHERE table_name = '${MIRROR}' AND started_at >= from_unixtime(${Math.floor(passStart / 1000) - 5})`);
        const actions = new Set(runs.map((r) => r[0]));
        for (const a of ["rewrite_data_files", "rewrite_manifests", "expire_snapshots"]) assert.ok(actions.has(a), `${a} ran: ${JSON.stringify(runs)}`);
        const expire = runs.find((r) => r[0] === "expire_snapshots")!;
        assert.equal(expire[1], true, JSON.stringify(expire));
        // Retention 0 min / keep 5: of the snapshots committed before the pass began, at most 5 remain.
        const [[older]] = await trino(trinoUrl, `SELECT count(*) FROM minio.cdc."dbserver1_public_users$snapshots" WHERE committed_at < from_unixtime(${Math.floor(passStart / 1000)})`);
        assert.ok(Number(older) <= 5, `${older} snapshots older than the pass remain, retainLast is 5`);
    });

    it("make status is healthy, then unhealthy with a stopped connector and with a stalled CDC job, then healthy again", async () => {
        const connect = s.outputs.endpoints.connect;
        const connector = s.outputs.verifyTarget.sources.find((x: any) => x.kind === "postgres").connector;
        const job = s.outputs.verifyTarget.cdc.container;
        const healthy = await waitFor("make status to report healthy", async () => {
            const r = await status(s);
            if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.json?.problems?.join("; ") ?? r.out.slice(-2000)}`);
            return r.json;
        }, 300_000, 10_000);
        assert.equal(healthy.healthy, true);
        const users = healthy.tables.find((t: any) => t.mirror === MIRROR);
        assert.ok(users && users.snapshots > 0 && users.dataFiles > 0 && /^lsn:/.test(users.sourcePosition), JSON.stringify(users));

        await axios.put(`${connect}/connectors/${encodeURIComponent(connector)}/stop`);
        try {
            const stopped = await waitFor("status to see the stopped connector", async () => {
                const r = await status(s);
                if (r.code !== 1 || !r.json?.problems?.some((p: string) => p.includes(`connector ${connector} is STOPPED`))) throw new Error(`exit ${r.code}: ${r.out.slice(-1500)}`);
                return r.json;
            }, 120_000, 5000);
            assert.equal(stopped.healthy, false);
        } finally {
            await axios.put(`${connect}/connectors/${encodeURIComponent(connector)}/resume`);
        }

        await docker(["pause", job]);
        try {
            const r = await status(s);
            assert.equal(r.code, 1, r.out.slice(-2000));
            assert.ok(r.json.problems.some((p: string) => /CDC job heartbeat/.test(p) || p.includes(job)), JSON.stringify(r.json.problems));
        } finally {
            await docker(["unpause", job]);
        }
        await waitFor("make status healthy again after restoring both", async () => {
            const r = await status(s);
            if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.json?.problems?.join("; ") ?? r.out.slice(-2000)}`);
            return true;
        }, 300_000, 10_000);
    });
});
