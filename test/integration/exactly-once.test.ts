// Exactly-once changelog on the shared test stack (issue 13): one changelog row per source change and a
// mirror equal to the source after
//   1. a Connect kill (SIGKILL) right after the changes reached Kafka, before Connect stored its offsets,
//      so Debezium sends them again on restart (the test checks that it did: Kafka holds more messages
//      than there were changes);
//   2. a job kill between a topic's changelog append and its MERGE;
//   3. a job kill between two topics of one micro-batch.
// The job kill points are the job's test hooks (CDC_TEST_HOOKS, set on the shared stack through
// `lakehouse:cdcTestHooks`): a kill request in /tmp/cdc-test-kill.json inside the job's container, obeyed
// once. The suite writes rows of its own (ids in [LO, HI)) into public.users (Postgres) and sales.orders
// (MySQL/MariaDB), counts its changes as it makes them, and leaves every container healthy.
import { strict as assert } from "assert";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import { Kafka, logLevel } from "kafkajs";
import { docker, exec, health, logs, sleep, waitFor, waitHealthy } from "../support/docker";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { trino as trinoQuery } from "../../tools/clients";

const LO = 46_000;
const HI = 47_000;
const OWN = `id >= ${LO} AND id < ${HI}`;
const KILL_FILE = "/tmp/cdc-test-kill.json";
const WAIT_MS = Number(process.env.CDC_WAIT_MS ?? 900_000);

describe("exactly-once changelog: one row per source change after a Connect kill and job kills (shared stack)", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    let pg: PgClient;
    let my: mysql.Connection;
    let jobName = "";
    let connectName = "";
    let connectUrl = "";
    let trinoUrl = "";
    let kafka: Kafka;
    let TOPICS: { users: string; orders: string };
    let TABLES: { users: string; orders: string };
    // Each test's own source changes per table, counted as they are made (one per row a statement
    // changes), and the changelog rows of the suite's ids when the test began.
    const changes = { users: 0, orders: 0 };
    let logged = { users: 0, orders: 0 };
    let nextId = LO;
    const trino = (sql: string) => trinoQuery(trinoUrl, sql);

    async function published(container: string, port: number): Promise<{ host: string; port: number }> {
        const out = (await docker(["port", container, `${port}/tcp`])).trim().split("\n")[0];
        const m = /^(.+):(\d+)$/.exec(out);
        assert.ok(m, `no published port ${port} on ${container}: ${out}`);
        return { host: m![1], port: Number(m![2]) };
    }

    /** 10 inserts, 4 updates and 2 deletes in each table: 16 changes each, written out. */
    async function writeChanges(): Promise<void> {
        const first = nextId;
        nextId += 10;
        const ids = Array.from({ length: 10 }, (_, i) => first + i);
        await pg.query(`INSERT INTO public.users (id, name, email) SELECT g, 'eo-' || g, NULL FROM generate_series(${first}, ${first + 9}) g`);
        changes.users += 10;
        await pg.query(`UPDATE public.users SET name = name || '-u' WHERE id BETWEEN ${first} AND ${first + 3}`);
        changes.users += 4;
        await pg.query(`DELETE FROM public.users WHERE id BETWEEN ${first + 8} AND ${first + 9}`);
        changes.users += 2;
        await my.query(`INSERT INTO sales.orders VALUES ${ids.map((i) => `(${i}, 1, 1.00, 'new')`).join(", ")}`);
        changes.orders += 10;
        await my.query(`UPDATE sales.orders SET status = 'paid' WHERE id BETWEEN ${first} AND ${first + 3}`);
        changes.orders += 4;
        await my.query(`DELETE FROM sales.orders WHERE id BETWEEN ${first + 8} AND ${first + 9}`);
        changes.orders += 2;
    }

    async function endOffsets(): Promise<{ users: number; orders: number }> {
        const admin = kafka.admin();
        await admin.connect();
        try {
            const sum = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
            return { users: await sum(TOPICS.users), orders: await sum(TOPICS.orders) };
        } finally {
            await admin.disconnect();
        }
    }

    /** Waits until Kafka holds at least `min` more messages per topic than `from` (Debezium sent the changes). */
    async function inKafka(from: { users: number; orders: number }, min: { users: number; orders: number }): Promise<void> {
        await waitFor("the changes in Kafka", async () => {
            const now = await endOffsets();
            return now.users - from.users >= min.users && now.orders - from.orders >= min.orders;
        }, 300_000, 250);
    }

    async function sourceRows(): Promise<{ users: string[][]; orders: string[][] }> {
        const users = (await pg.query(`SELECT id, name FROM public.users WHERE ${OWN} ORDER BY id`)).rows.map((r) => [String(r.id), String(r.name)]);
        const [orders] = await my.query(`SELECT id, status FROM sales.orders WHERE ${OWN} ORDER BY id`) as any;
        return { users, orders: orders.map((r: any) => [String(r.id), String(r.status)]) };
    }

    async function mirrorRows(): Promise<{ users: string[][]; orders: string[][] }> {
        const q = async (table: string, col: string) => (await trino(`SELECT CAST(id AS varchar), ${col} FROM ${table} WHERE ${OWN} ORDER BY id`))
            .map((r) => r.map(String));
        return { users: await q(TABLES.users, "name"), orders: await q(TABLES.orders, "status") };
    }

    /** Changelog rows of the suite's ids (the key is in `after`, or in `before` for a delete). */
    async function changelogCounts(): Promise<{ users: number; orders: number }> {
        const own = `CAST(coalesce(json_extract_scalar(after, '$.id'), json_extract_scalar(before, '$.id')) AS integer) BETWEEN ${LO} AND ${HI - 1}`;
        // A fresh stack has no table before the job's first batch of that topic: nothing logged yet.
        const n = async (t: string) => Number((await trino(`SELECT count(*) FROM ${t}_changelog WHERE ${own}`)
            .catch((e: Error) => { if (/does not exist/.test(e.message)) return [[0]]; throw e; }))[0][0]);
        return { users: await n(TABLES.users), orders: await n(TABLES.orders) };
    }

    /** Waits for mirror == source, then asserts one changelog row per counted change. */
    async function assertExact(what: string): Promise<void> {
        let last: unknown;
        try {
            await waitFor(`${what}: mirror equal to the source`, async () => {
                const [src, dst] = [await sourceRows(), await mirrorRows()];
                last = { src, dst };
                return JSON.stringify(src) === JSON.stringify(dst);
            }, WAIT_MS, 2000);
        } catch (e) {
            throw new Error(`${(e as Error).message}\nlast: ${JSON.stringify(last)}\njob logs:\n${await logs(jobName, 60)}`);
        }
        // The mirror can be equal before a changelog resent in a later batch lands: give the job two triggers.
        await sleep(5000);
        const now = await changelogCounts();
        const counts = { users: now.users - logged.users, orders: now.orders - logged.orders };
        console.log(`      ${what}: source changes ${JSON.stringify(changes)}, new changelog rows ${JSON.stringify(counts)}`);
        if (JSON.stringify(counts) !== JSON.stringify(changes)) {
            // What the next look needs: the change ids logged more than once, with each copy's Kafka offset,
            // batch and position, and the job's log.
            const own = `CAST(coalesce(json_extract_scalar(after, '$.id'), json_extract_scalar(before, '$.id')) AS integer) BETWEEN ${LO} AND ${HI - 1}`;
            const twice = async (t: string) => (await trino(`SELECT change_id, array_join(array_agg(format('offset %s batch %s lsn %s ts %s', kafka_offset, batch_id, source_lsn, source_ts_ms)), '; ')
                FROM ${t}_changelog WHERE ${own} GROUP BY change_id HAVING count(*) > 1 LIMIT 20`)).map((r) => r.join(" -> ")).join("\n");
            throw new Error(`${what}: new changelog rows ${JSON.stringify(counts)} != source changes ${JSON.stringify(changes)}\n` +
                `users logged more than once:\n${await twice(TABLES.users)}\norders logged more than once:\n${await twice(TABLES.orders)}\n` +
                `job logs:\n${await logs(jobName, 80)}`);
        }
    }

    async function restartCount(name: string): Promise<number> {
        return Number((await docker(["inspect", "-f", "{{.RestartCount}}", name])).trim());
    }

    /** Waits until Docker restarted the container after it exited on its own, then until it is healthy. */
    async function waitRestarted(name: string, before: number): Promise<void> {
        await waitFor(`${name} restarted by Docker`, async () => (await restartCount(name)) > before, WAIT_MS, 1000);
        await waitFor(`${name} healthy after its restart`, async () => (await health(name)) === "healthy", WAIT_MS, 1000);
    }

    async function requestKill(point: "after-changelog" | "between-topics", topic: string): Promise<void> {
        await exec(jobName, ["rm", "-f", `${KILL_FILE}.fired`]);
        await exec(jobName, ["sh", "-c", `cat > ${KILL_FILE}`], JSON.stringify({ point, topic }));
    }

    async function connectorsRunning(): Promise<boolean> {
        const names: string[] = await (await fetch(`${connectUrl}/connectors`)).json() as string[];
        if (names.length === 0) return false;
        for (const n of names) {
            const s: any = await (await fetch(`${connectUrl}/connectors/${encodeURIComponent(n)}/status`)).json();
            if (s.connector?.state !== "RUNNING" || !(s.tasks ?? []).length || s.tasks.some((t: any) => t.state !== "RUNNING")) return false;
        }
        return true;
    }

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        const target = stack.outputs.verifyTarget;
        assert.ok(target.cdc, "the shared stack has no CDC job");
        jobName = target.cdc.container;
        connectName = (target.containers as string[]).find((n) => n === `${stack.prefix}-connect`)!;
        assert.ok(connectName, `no ${stack.prefix}-connect in ${target.containers}`);
        connectUrl = stack.outputs.endpoints.connect;
        trinoUrl = stack.outputs.endpoints.trino;
        kafka = new Kafka({ clientId: "exactly-once-test", brokers: stack.outputs.endpoints.kafka.split(","), logLevel: logLevel.NOTHING });
        const prefixes = stack.outputs.topicPrefixes;
        TOPICS = { users: `${prefixes.postgres}.public.users`, orders: `${prefixes.mysql}.sales.orders` };
        const table = (topic: string) => `${target.cdc.namespace}.${target.cdc.tablePrefix}${topic.replace(/\./g, "_")}`;
        TABLES = { users: table(TOPICS.users), orders: table(TOPICS.orders) };
        await Promise.all((target.containers as string[]).map((name) => waitHealthy(name, 900_000)));
        const source = (kind: string) => target.sources.find((s: { kind: string }) => s.kind === kind);
        pg = new PgClient({ ...await published(source("postgres").container, 5432), user: source("postgres").adminUser,
            password: stack.secrets.postgresAdminPassword, database: source("postgres").database });
        await pg.connect();
        my = await mysql.createConnection({ ...await published(source("mysql").container, 3306), user: "root",
            password: stack.secrets.mysqlRootPassword, multipleStatements: true });
        // The job's test hook is on in the shared stack (lakehouse:cdcTestHooks) and nothing is pending.
        const [job] = JSON.parse(await docker(["inspect", jobName]));
        assert.ok((job.Config.Env as string[]).includes("CDC_TEST_HOOKS=1"), "the job's test hooks are off: set lakehouse:cdcTestHooks");
        await exec(jobName, ["rm", "-f", KILL_FILE, `${KILL_FILE}.fired`]);
    });

    beforeEach(async () => {
        changes.users = 0;
        changes.orders = 0;
        logged = await changelogCounts();
    });

    after(async function () {
        this.timeout(1_200_000);
        // Leave the stack as found: no kill request pending, every container healthy.
        if (jobName) await exec(jobName, ["rm", "-f", KILL_FILE, `${KILL_FILE}.fired`]).catch(() => undefined);
        for (const name of (stack?.outputs.verifyTarget.containers ?? []) as string[]) {
            if ((await health(name)) === "exited") await docker(["start", name]);
        }
        for (const name of (stack?.outputs.verifyTarget.containers ?? []) as string[]) await waitHealthy(name, 900_000);
        await pg?.end().catch(() => undefined);
        await my?.end().catch(() => undefined);
    });

    it("logs each change once and keeps the mirror exact after Connect is killed and sends changes again", async () => {
        await writeChanges();
        await assertExact("before the kill");
        // Kill Connect as soon as the next changes are in Kafka: Connect stores its source offsets every
        // 60 s (offset.flush.interval.ms), so on restart Debezium sends them again. A flush can fall in
        // between; then the round is repeated (at most 3 times) until Kafka shows a resend.
        let resent = 0;
        for (let round = 1; round <= 3 && resent === 0; round++) {
            const from = await endOffsets();
            await writeChanges();
            // 16 changes per table (and the deletes' tombstones).
            await inKafka(from, { users: 16, orders: 16 });
            const sent = await endOffsets();
            await docker(["kill", "--signal", "KILL", connectName]);
            await sleep(2000);
            if ((await health(connectName)) === "exited") await docker(["start", connectName]);
            await waitHealthy(connectName, 600_000);
            await waitFor("the connectors running again", connectorsRunning, 600_000, 2000);
            // One marker change per table after the restart shows that streaming resumed.
            const markerId = nextId++;
            await pg.query(`INSERT INTO public.users (id, name, email) VALUES (${markerId}, 'marker', NULL)`);
            changes.users += 1;
            await my.query(`INSERT INTO sales.orders VALUES (${markerId}, 1, 1.00, 'marker')`);
            changes.orders += 1;
            await inKafka(sent, { users: 1, orders: 1 });
            await sleep(5000);
            const now = await endOffsets();
            resent = Math.min(now.users - sent.users - 1, now.orders - sent.orders - 1);
            console.log(`      round ${round}: Kafka messages after the kill beyond the markers: users ${now.users - sent.users - 1}, orders ${now.orders - sent.orders - 1}`);
        }
        assert.ok(resent > 0, "Debezium sent nothing again after three Connect kills: the test proved nothing");
        await assertExact("after the Connect kill");
    });

    it("logs each change once and keeps the mirror exact after the job dies between a changelog append and its MERGE", async () => {
        const restarts = await restartCount(jobName);
        await requestKill("after-changelog", TOPICS.users);
        await writeChanges();
        await waitRestarted(jobName, restarts);
        const fired = await exec(jobName, ["sh", "-c", `test -f ${KILL_FILE}.fired && echo fired`]).catch(() => "");
        assert.match(fired, /fired/, "the job restarted without its kill point firing");
        assert.match(await logs(jobName, 2000), /test kill point after-changelog after /);
        await assertExact("after the kill between append and MERGE");
    });

    it("logs each change once and keeps the mirror exact after the job dies between two topics of one batch", async () => {
        // The job stopped while both sources change, so that its next batch holds both topics.
        const from = await endOffsets();
        await docker(["stop", "-t", "30", jobName]);
        await writeChanges();
        await inKafka(from, { users: 16, orders: 16 });
        await docker(["start", jobName]);
        const restarts = await restartCount(jobName);
        await requestKill("between-topics", TOPICS.users);
        await waitRestarted(jobName, restarts);
        assert.match(await logs(jobName, 2000), /test kill point between-topics after /);
        await assertExact("after the kill between two topics");
    });
});
