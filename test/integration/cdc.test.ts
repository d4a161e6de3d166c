// End to end: Postgres and MariaDB -> Debezium on Kafka Connect -> Kafka -> the CDC mirror job (Spark
// Structured Streaming) -> Iceberg tables on MinIO behind the REST catalog -> read by Trino and Spark.
//
// It runs on the shared test stack (test/support/shared-stack.ts): the containers, topics, buckets and
// connectors the components make through `pulumi preview` + `pulumi up` with the policy pack, as `make up`
// deploys them. The first test proves the containers are the stack's own (ids and labels from the state,
// healthchecks as the specs declare them). The suite writes rows of its own (ids SUITE_IDS) into the
// stack's captured tables and checks only those rows, so other suites on the stack do not disturb it.
// Timings are printed per step. Restarts and replays of the job (a kill between a changelog append and its
// MERGE, between two topics of one batch) are exactly-once.test.ts's, on the same stack.
import { strict as assert } from "assert";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { docker, exec, health, logs, waitFor, waitHealthy } from "../support/docker";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { containerSecret, sparkSql as sparkSqlIn, trino as trinoQuery } from "../../tools/clients";

// The suite's own rows: ids in [LO, HI) in every captured table.
const LO = 41_000;
const HI = 42_000;
const id = (n: number) => LO + n;
const OWN = `id >= ${LO} AND id < ${HI}`;

// ---- timings ---------------------------------------------------------------------------------------
const t0 = Date.now();
const timings: [string, number][] = [];
let lastMark = Date.now();
function mark(step: string): void {
    const now = Date.now();
    timings.push([step, (now - lastMark) / 1000]);
    console.log(`      [${((now - t0) / 1000).toFixed(1)}s] ${step} (+${((now - lastMark) / 1000).toFixed(1)}s)`);
    lastMark = now;
}

describe("CDC mirror job end to end on the deployed stack (Postgres + MySQL -> Debezium -> Kafka -> Spark -> Iceberg -> Trino and Spark)", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    let jobName = "";
    let sparkContainer = "";
    let trinoUrl = "";
    let s3: S3Client;
    let pg: PgClient;
    let my: mysql.Connection;
    let TABLES: { users: string; orders: string; employees: string };
    let TOPICS: { users: string; orders: string; employees: string };
    let CHECKPOINT: { bucket: string; prefix: string };
    const changelog = (t: string) => `${t}_changelog`;
    const trino = (sql: string) => trinoQuery(trinoUrl, sql);
    const sparkSql = (queries: Record<string, string>) => sparkSqlIn(sparkContainer, [], queries);

    // Health of every container of the stack, sampled through the whole suite (nothing here stops one).
    const samples: { name: string; status: string; at: string }[] = [];
    const at = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
    let sampler: NodeJS.Timeout | undefined;

    /** host:port Docker publishes for a container port. */
    async function published(container: string, port: number): Promise<{ host: string; port: number }> {
        const out = (await docker(["port", container, `${port}/tcp`])).trim().split("\n")[0];
        const m = /^(.+):(\d+)$/.exec(out);
        assert.ok(m, `no published port ${port} on ${container}: ${out}`);
        return { host: m![1], port: Number(m![2]) };
    }

    async function listKeys(bucket: string, prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
            keys.push(...(page.Contents ?? []).map((o) => o.Key!));
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys;
    }

    /** Batch ids with an object directly under `<checkpoint>/<dir>/` (S3A also leaves `dir/` markers and `.tmp` files). */
    async function checkpointBatches(dir: "offsets" | "commits"): Promise<number[]> {
        const re = new RegExp(`^${CHECKPOINT.prefix}${dir}/(\\d+)$`);
        return (await listKeys(CHECKPOINT.bucket, `${CHECKPOINT.prefix}${dir}/`))
            .map((k) => re.exec(k)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
    }

    // ---- the suite's rows, at the sources and in the mirrors ---------------------------------------
    const norm = (rows: any[], cols: string[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id))
        .map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))));

    async function columnsOf(table: "users" | "employees"): Promise<string[]> {
        if (table === "users") return (await pg.query("SELECT * FROM public.users LIMIT 0")).fields.map((f) => f.name);
        const [, fields] = await my.query("SELECT * FROM hr.employees LIMIT 0") as any;
        return fields.map((f: any) => f.name);
    }

    async function sourceRows(): Promise<Record<string, (string | null)[][]>> {
        const users = (await pg.query(`SELECT * FROM public.users WHERE ${OWN}`)).rows;
        const [orders] = await my.query(`SELECT * FROM sales.orders WHERE ${OWN}`) as any;
        const [employees] = await my.query(`SELECT * FROM hr.employees WHERE ${OWN}`) as any;
        return {
            users: norm(users, await columnsOf("users")),
            orders: norm(orders, ["id", "customer_id", "amount", "status"]),
            employees: norm(employees, await columnsOf("employees")),
        };
    }

    async function trinoMirror(): Promise<Record<string, (string | null)[][]>> {
        const out: Record<string, (string | null)[][]> = {};
        for (const [key, table] of Object.entries(TABLES)) {
            const cols = key === "orders" ? ["id", "customer_id", "amount", "status"] : await columnsOf(key as "users" | "employees");
            const rows = await trino(`SELECT ${cols.map((c) => `CAST(${c} AS varchar)`).join(", ")} FROM ${table} WHERE ${OWN} ORDER BY id`);
            out[key] = rows.map((r) => r.map((v) => (v === null ? null : String(v))));
        }
        return out;
    }

    /** The changelog rows of the suite's ids (the key is in `after`, or in `before` for a delete). */
    const ownChanges = `CAST(coalesce(json_extract_scalar(after, '$.id'), json_extract_scalar(before, '$.id')) AS integer) BETWEEN ${LO} AND ${HI - 1}`;

    // Generous: a micro-batch of Spark + Iceberg commits takes seconds on an idle 2-core machine, minutes when
    // other builds saturate it.
    async function waitForMirror(what: string, timeoutMs = Number(process.env.CDC_WAIT_MS ?? 900_000)): Promise<Record<string, (string | null)[][]>> {
        let last: unknown;
        try {
            return await waitFor<Record<string, (string | null)[][]> | undefined>(what, async () => {
                const [src, dst] = [await sourceRows(), await trinoMirror()];
                last = { src, dst };
                return JSON.stringify(src) === JSON.stringify(dst) ? src : undefined;
            }, timeoutMs, 2000) as Record<string, (string | null)[][]>;
        } catch (e) {
            throw new Error(`${(e as Error).message}\nlast comparison: ${JSON.stringify(last)}\njob logs:\n${await logs(jobName, 60)}`);
        }
    }

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        mark(`shared stack ${stack.stack} ready`);
        const target = stack.outputs.verifyTarget;
        assert.ok(target.cdc, "the shared stack has no CDC job");
        jobName = target.cdc.container;
        sparkContainer = target.sparkContainer;
        trinoUrl = stack.outputs.endpoints.trino;
        const prefixes = stack.outputs.topicPrefixes;
        TOPICS = { users: `${prefixes.postgres}.public.users`, orders: `${prefixes.mysql}.sales.orders`, employees: `${prefixes.mysql}.hr.employees` };
        const table = (topic: string) => `${target.cdc.namespace}.${target.cdc.tablePrefix}${topic.replace(/\./g, "_")}`;
        TABLES = { users: table(TOPICS.users), orders: table(TOPICS.orders), employees: table(TOPICS.employees) };
        const ckpt = /^s3a:\/\/([^/]+)\/(.+?)\/?$/.exec(target.cdc.checkpointLocation);
        assert.ok(ckpt, `checkpoint not on MinIO: ${target.cdc.checkpointLocation}`);
        CHECKPOINT = { bucket: ckpt![1], prefix: `${ckpt![2]}/` };

        // Sampling starts once every container is healthy (the job's first start included).
        await Promise.all((target.containers as string[]).map((name) => waitHealthy(name, 900_000)));
        mark("every container healthy");
        sampler = setInterval(() => {
            for (const name of target.containers as string[]) {
                health(name).then((status) => samples.push({ name, status, at: at() }),
                    (e) => samples.push({ name, status: `inspect failed: ${(e as Error).message}`, at: at() }));
            }
        }, 5000);

        const source = (kind: string) => target.sources.find((s: { kind: string }) => s.kind === kind);
        const pgAt = await published(source("postgres").container, 5432);
        pg = new PgClient({ ...pgAt, user: source("postgres").adminUser, password: stack.secrets.postgresAdminPassword, database: source("postgres").database });
        await pg.connect();
        const myAt = await published(source("mysql").container, 3306);
        my = await mysql.createConnection({ ...myAt, user: "root", password: stack.secrets.mysqlRootPassword, multipleStatements: true });
        const minioUser = await containerSecret(target.minioContainer, "MINIO_ROOT_USER");
        s3 = new S3Client({ endpoint: stack.outputs.endpoints.minio, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: minioUser, secretAccessKey: stack.secrets.minioRootPassword } });

        // The suite's first rows, written after the connectors started (the stack's tables start empty).
        await pg.query(`INSERT INTO public.users (id, name, email) VALUES (${id(1)}, 'ada', 'ada@example.org'), (${id(2)}, 'grace', 'grace@example.org'), (${id(3)}, 'edsger', NULL)`);
        await my.query(`INSERT INTO sales.orders VALUES (${id(1)}, 1, 10.50, 'new'), (${id(2)}, 2, 99.99, 'new'), (${id(3)}, 1, -0.07, 'refund')`);
        await my.query(`INSERT INTO hr.employees VALUES (${id(1)}, 'alan', 'research'), (${id(2)}, 'barbara', 'systems')`);
        mark("the suite's rows written");
    });

    after(async function () {
        if (sampler) clearInterval(sampler);
        await pg?.end().catch(() => undefined);
        await my?.end().catch(() => undefined);
        console.log("      timings (s):", JSON.stringify(Object.fromEntries(timings)));
        console.log(`      total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

    it("runs on the stack's own containers: the ids, names, labels and healthchecks `pulumi up` gave them", async () => {
        const exported = JSON.parse(await stack.pulumi("stack", "export"));
        const inState = (exported.deployment.resources as any[]).filter((r) => r.type === "docker:index/container:Container");
        const names: string[] = stack.outputs.verifyTarget.containers;
        assert.deepEqual(inState.map((r) => r.outputs.name).sort(), [...names].sort());
        assert.ok(names.includes(jobName) && names.includes(sparkContainer));
        for (const r of inState) {
            const [c] = JSON.parse(await docker(["inspect", r.outputs.name]));
            assert.equal(c.Id, r.id, `${r.outputs.name}: not the container in the stack's state`);
            assert.ok(c.Name === `/${stack.prefix}-${c.Config.Hostname}`, `${c.Name} is not named ${stack.prefix}-<hostname>`);
            const labels = Object.fromEntries((r.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
            assert.ok(labels["lakehouse.role"] && labels["lakehouse.component"], `${c.Name}: labels ${JSON.stringify(labels)}`);
            for (const [k, v] of Object.entries(labels)) assert.equal(c.Config.Labels[k], v, `${c.Name}: label ${k}`);
            // The healthcheck Docker runs is the one the spec declared, not a test's replacement.
            assert.deepEqual(c.Config.Healthcheck.Test, r.inputs.healthcheck.tests, `${c.Name}: healthcheck`);
            assert.equal(c.HostConfig.RestartPolicy.Name, "unless-stopped");
            for (const b of Object.values(c.HostConfig.PortBindings ?? {}) as { HostIp: string }[][]) {
                for (const p of b) assert.equal(p.HostIp, stack.bindIp, `${c.Name}: port bound to ${p.HostIp}`);
            }
        }
    });

    it("mirrors the suite's rows, then inserts, updates and deletes, exactly as the sources hold them (Trino)", async () => {
        await waitForMirror("the suite's first rows in the mirror");
        mark("first rows mirrored");
        await pg.query(`INSERT INTO public.users (id, name, email) VALUES (${id(4)}, 'barbara', 'bl@example.org')`);
        await pg.query(`UPDATE public.users SET email = 'ada@lovelace.org' WHERE id = ${id(1)}`);
        await pg.query(`DELETE FROM public.users WHERE id = ${id(2)}`);
        // Several changes of one key in one transaction: only the last may survive.
        await pg.query(`BEGIN; UPDATE public.users SET name = 'e1' WHERE id = ${id(3)}; UPDATE public.users SET name = 'e2' WHERE id = ${id(3)}; COMMIT`);
        await my.query(`INSERT INTO sales.orders VALUES (${id(4)}, 3, 1234567.89, 'new')`);
        await my.query(`UPDATE sales.orders SET status = 'paid', amount = 11.00 WHERE id = ${id(1)}`);
        await my.query(`DELETE FROM sales.orders WHERE id = ${id(2)}`);
        await my.query(`UPDATE hr.employees SET department = 'compilers' WHERE id = ${id(2)}`);
        await my.query(`DELETE FROM hr.employees WHERE id = ${id(1)}`);
        await my.query(`INSERT INTO hr.employees VALUES (${id(3)}, 'frances', 'research')`);
        // Delete and re-insert of one key.
        await my.query(`DELETE FROM hr.employees WHERE id = ${id(3)}; INSERT INTO hr.employees VALUES (${id(3)}, 'frances', 'theory')`);
        const rows = await waitForMirror("inserts, updates and deletes in the mirror");
        assert.deepEqual(rows.users.map((r) => r[0]), [id(1), id(3), id(4)].map(String));
        assert.deepEqual(rows.users.find((r) => r[0] === String(id(3)))?.[1], "e2");
        assert.deepEqual(rows.orders.map((r) => r[2]), ["11.00", "-0.07", "1234567.89"]);
        assert.deepEqual(rows.employees, [[String(id(2)), "barbara", "compilers"], [String(id(3)), "frances", "theory"]]);
        mark("changes mirrored (Trino)");
    });

    it("keeps a changelog with op, full before state, source position, commit time and Kafka coordinates", async () => {
        const rows = await trino(`SELECT op, before, after, source_position, source_ts_ms, commit_time, kafka_topic, kafka_partition, kafka_offset
            FROM ${changelog(TABLES.users)} WHERE ${ownChanges} ORDER BY kafka_offset`);
        assert.deepEqual(rows.map((r) => r[0]), ["c", "c", "c", "c", "u", "d", "u", "u"]);
        const update = rows.find((r) => r[0] === "u")!;
        assert.deepEqual(JSON.parse(update[1]), { id: id(1), name: "ada", email: "ada@example.org" });
        assert.deepEqual(JSON.parse(update[2]), { id: id(1), name: "ada", email: "ada@lovelace.org" });
        assert.match(update[3], /^lsn:\d+$/);
        assert.ok(Number(update[4]) > 1_700_000_000_000);
        assert.equal(update[6], TOPICS.users);
        const offsets = rows.map((r) => Number(r[8]));
        assert.deepEqual(offsets, [...new Set(offsets)].sort((a, b) => a - b));
        const del = rows.find((r) => r[0] === "d")!;
        assert.equal(del[2], null);
        assert.deepEqual(JSON.parse(del[1]), { id: id(2), name: "grace", email: "grace@example.org" });

        const orders = await trino(`SELECT before, source_position FROM ${changelog(TABLES.orders)} WHERE op = 'u' AND ${ownChanges}`);
        assert.equal(orders.length, 1);
        assert.deepEqual(JSON.parse(orders[0][0]), { id: id(1), customer_id: 1, amount: "10.50", status: "new" });
        assert.match(orders[0][1], /^mysql-bin\.\d+:\d+:\d+$/);
        const counts = await trino(`SELECT op, count(*) FROM ${changelog(TABLES.employees)} WHERE ${ownChanges} GROUP BY op ORDER BY op`);
        assert.deepEqual(counts, [["c", 4], ["d", 2], ["u", 1]]);
        mark("changelog checked (Trino)");
    });

    it("reads the same mirror and changelog through Spark", async () => {
        const src = await sourceRows();
        const own = `id >= ${LO} AND id < ${HI}`;
        const res = await sparkSql({
            users: `SELECT CAST(id AS STRING) id, name, email FROM ${TABLES.users} WHERE ${own} ORDER BY id`,
            orders: `SELECT CAST(id AS STRING) id, CAST(customer_id AS STRING) customer_id, CAST(amount AS STRING) amount, status FROM ${TABLES.orders} WHERE ${own} ORDER BY id`,
            employees: `SELECT CAST(id AS STRING) id, name, department FROM ${TABLES.employees} WHERE ${own} ORDER BY id`,
            usersLog: `SELECT op, count(*) n FROM ${changelog(TABLES.users)}
                WHERE CAST(coalesce(get_json_object(after, '$.id'), get_json_object(before, '$.id')) AS INT) BETWEEN ${LO} AND ${HI - 1}
                GROUP BY op ORDER BY op`,
        });
        assert.deepEqual(res.users.map((r: any) => [r.id, r.name ?? null, r.email ?? null]), src.users);
        assert.deepEqual(res.orders.map((r: any) => [r.id, r.customer_id, r.amount, r.status]), src.orders);
        assert.deepEqual(res.employees.map((r: any) => [r.id, r.name, r.department]), src.employees);
        assert.deepEqual(res.usersLog, [{ op: "c", n: 4 }, { op: "d", n: 1 }, { op: "u", n: 3 }]);
        mark("mirror and changelog read through Spark");
    });

    it("adds a nullable column added at the source to the mirror", async () => {
        await pg.query("ALTER TABLE public.users ADD COLUMN phone text");
        await pg.query(`INSERT INTO public.users (id, name, email, phone) VALUES (${id(5)}, 'niklaus', 'nw@example.org', '+41 1')`);
        await pg.query(`UPDATE public.users SET phone = '+44 2' WHERE id = ${id(1)}`);
        await my.query("ALTER TABLE hr.employees ADD COLUMN badge varchar(16) NULL");
        await my.query(`UPDATE hr.employees SET badge = 'B-2' WHERE id = ${id(2)}`);
        const rows = await waitForMirror("the new columns in the mirror");
        assert.deepEqual(rows.users.find((r) => r[0] === String(id(5))), [String(id(5)), "niklaus", "nw@example.org", "+41 1"]);
        assert.deepEqual(rows.users.find((r) => r[0] === String(id(4))), [String(id(4)), "barbara", "bl@example.org", null]);
        assert.deepEqual(rows.employees.find((r) => r[0] === String(id(2))), [String(id(2)), "barbara", "compilers", "B-2"]);
        mark("schema additions mirrored");
    });

    it("keeps the streaming checkpoint in MinIO: metadata, offsets and commits of every batch", async () => {
        const keys = await listKeys(CHECKPOINT.bucket, CHECKPOINT.prefix);
        assert.ok(keys.includes(`${CHECKPOINT.prefix}metadata`), keys.join("\n"));
        const [offsets, commits] = [await checkpointBatches("offsets"), await checkpointBatches("commits")];
        assert.ok(commits.length > 0, keys.join("\n"));
        assert.equal(commits[0], 0);
        // Spark writes a batch's offsets before it runs and its commit after: every commit has its offsets.
        for (const c of commits) assert.ok(offsets.includes(c), `commit ${c} without offsets (${offsets.join(",")})`);
        // The job keeps no state of its own on a volume.
        const [job] = JSON.parse(await docker(["inspect", jobName]));
        assert.deepEqual((job.Mounts ?? []).filter((m: { Type: string }) => m.Type === "volume"), []);
        mark(`checkpoint on MinIO: ${offsets.length} offsets, ${commits.length} commits`);
    });

    it("seed check, in a namespace of its own: Spark writes and reads an Iceberg table; metadata v1 and v2 are in MinIO; Trino reads it", async () => {
        const out = await exec(sparkContainer, ["/opt/spark/bin/spark-sql", "--master", "local[1]", "--driver-memory", "512m",
            "--conf", "spark.ui.enabled=false", "-S", "-e",
            "CREATE NAMESPACE IF NOT EXISTS minio.cdc_it; " +
            "CREATE TABLE minio.cdc_it.iceberg_table (id BIGINT, data STRING) USING iceberg; " +
            "INSERT INTO minio.cdc_it.iceberg_table VALUES (1, 'a'), (2, 'b'); " +
            "SELECT '@@rows', to_json(collect_list(struct(*))) FROM (SELECT * FROM minio.cdc_it.iceberg_table ORDER BY id);"]);
        const line = out.split("\n").find((l) => l.startsWith("@@rows\t"));
        assert.ok(line, out);
        assert.deepEqual(JSON.parse(line!.split("\t")[1]), [{ id: 1, data: "a" }, { id: 2, data: "b" }]);
        const keys = await listKeys(stack.outputs.verifyTarget.warehouseBucket, "cdc_it/iceberg_table/metadata/");
        // The REST catalog names metadata files <version>-<uuid>.metadata.json: 00000 on create, 00001 after the insert.
        assert.ok(keys.some((k) => /\/00000-[0-9a-f-]+\.metadata\.json$/.test(k)), keys.join("\n"));
        assert.ok(keys.some((k) => /\/00001-[0-9a-f-]+\.metadata\.json$/.test(k)), keys.join("\n"));
        mark("seed-style table written, read and listed");
        const trinoRows = await trino("SELECT id, data FROM minio.cdc_it.iceberg_table ORDER BY id");
        assert.deepEqual(trinoRows, [[1, "a"], [2, "b"]]);
    });

    it("kept every container of the stack healthy throughout the suite (sampled every 5 s)", async () => {
        const names: string[] = stack.outputs.verifyTarget.containers;
        for (const name of names) assert.ok(samples.filter((s) => s.name === name).length >= 3, `${name}: fewer than 3 samples`);
        const bad = samples.filter((s) => s.status !== "healthy");
        assert.deepEqual(bad, [], `unhealthy samples out of ${samples.length}`);
        for (const name of names) assert.equal(await health(name), "healthy", name);
        mark(`${samples.length} health samples, all healthy`);
    });
});
