// End to end: Postgres and MariaDB -> Debezium on Kafka Connect -> Kafka -> the CDC mirror job (Spark
// Structured Streaming) -> Iceberg tables on MinIO behind the REST catalog -> read by Trino and Spark.
//
// Every container is started from the spec the components would hand to Docker (components/specs), with
// the project's local images, on a network of its own, ports on 127.0.0.1 only. Connectors are
// registered through the project's Connector provider functions. Timings are printed per step.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Kafka, logLevel } from "kafkajs";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createConnectorProvider, mySqlConnector, postgresConnector } from "../../components/connector";
import { DEFAULT_MYSQL_TABLES } from "../../components/mysql";
import { DEFAULT_POSTGRES_TABLES } from "../../components/postgres";
import {
    ContainerSpec, SECRET_PLACEHOLDER, catalogSpec, catalogUri, cdcJobSpec, connectSpec,
    internalBootstrap, kafkaBrokerSpecs, minioSpec, mySqlSetupSql, mySqlSpec, postgresCdcRoleSql, postgresSpec,
    postgresTableSql, readCdcJobFiles, replicaIdentitySql, sparkSpec, trinoSpec,
} from "../../components/specs";
import { createNetwork, docker, exec, health, imageExists, logs, removeNetwork, removeVolume, rm, sleep, waitFor, waitHealthy, freePort } from "../support/docker";
import { imagesFor } from "../../components/versions";
import { sparkSql as sparkSqlIn, trino as trinoQuery } from "../../tools/clients";

const execFileP = promisify(execFile);
// The tags scripts/images.sh builds, from the one place the components read them.
const IMAGES = imagesFor("local");

const P = `lh-cdc-${process.pid}`;
const NET = `${P}-net`;
const SECRETS = {
    adminPassword: "pg-admin-secret-1", cdcPassword: "cdc-secret-1", rootPassword: "root-secret-1",
    accessKey: "lakehouse", secretKey: "lakehouse-secret-1",
    rootUser: "lakehouse", rootPasswordMinio: "lakehouse-secret-1",
};
const TOPICS = { users: "dbserver1.public.users", orders: "mysqlserver1.sales.orders", employees: "mysqlserver1.hr.employees" };
const TABLES = {
    users: "minio.cdc.dbserver1_public_users", orders: "minio.cdc.mysqlserver1_sales_orders",
    employees: "minio.cdc.mysqlserver1_hr_employees",
};
const changelog = (t: string) => `${t}_changelog`;
// The job's checkpoint: the spec's default, s3a://<bucket>/<jobName> on MinIO (ObjectStorage makes the bucket).
const CHECKPOINT_BUCKET = "checkpoints";
const CHECKPOINT = { bucket: CHECKPOINT_BUCKET, prefix: "cdc-mirror/" };

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

// ---- running a ContainerSpec the way serviceContainer does, with the docker CLI --------------------
const containers: string[] = [];
const volumes: string[] = [];

/** Creates the container of a spec (env with secrets, uploads with placeholders filled, volumes), then starts it. */
interface RunSpecOptions {
    /** Replaces the spec's healthcheck command (see the MinIO note below). */
    healthCmd?: string;
    /** uid:gid that gets the spec's fresh volumes before the container starts (see the catalog note below). */
    volumeOwner?: string;
}

async function runSpec(spec: ContainerSpec, secrets: Record<string, string> = {}, o: RunSpecOptions = {}): Promise<string> {
    const healthCmd = o.healthCmd;
    const name = `${P}-${spec.hostname}`;
    await rm(name);
    const args = ["create", "--name", name, "--hostname", spec.hostname, "--network", NET, "--network-alias", spec.hostname,
        "--label", "pulumi-lakehouse.test=1", "--label", `lakehouse.role=${spec.role}`];
    for (const [k, v] of Object.entries(spec.env)) args.push("-e", `${k}=${v}`);
    for (const [k, key] of Object.entries(spec.secretEnv)) args.push("-e", `${k}=${secrets[key]}`);
    for (const p of spec.ports) args.push("-p", `${p.ip}:${p.external}:${p.internal}`);
    for (const v of spec.volumes) {
        const vol = `${name}-${v.role}`;
        volumes.push(vol);
        args.push("-v", `${vol}:${v.containerPath}`);
        if (o.volumeOwner) {
            await docker(["run", "--rm", "--user", "0", "--entrypoint", "chown", "-v", `${vol}:/v`, spec.image, o.volumeOwner, "/v"]);
        }
    }
    const hc = spec.healthcheck;
    const hcCmd = healthCmd ?? (hc.tests[0] === "CMD-SHELL" ? hc.tests[1] : hc.tests.slice(1).join(" "));
    // As serviceContainer: Docker restarts a job that exits (see docs/e2e.md on the replay crash).
    args.push("--restart", "unless-stopped");
    args.push("--health-cmd", hcCmd, "--health-interval", "2s", "--health-timeout", hc.timeout, "--health-retries", "150",
        "--health-start-period", "0s");
    const entry = spec.entrypoint ?? [];
    if (entry.length > 0) args.push("--entrypoint", entry[0]);
    args.push(spec.image, ...entry.slice(1), ...(spec.command ?? []));
    await docker(args);
    containers.push(name);
    for (const u of spec.uploads) {
        const content = Object.entries({ [SECRET_PLACEHOLDER.accessKey]: secrets.accessKey, [SECRET_PLACEHOLDER.secretKey]: secrets.secretKey })
            .reduce((text, [p, v]) => (v === undefined ? text : text.split(p).join(v)), u.content);
        await upload(name, u.file, content);
    }
    await docker(["start", name]);
    return name;
}

/** Writes one file into a created container the way the docker provider does: a tar of that one path, extracted at /. */
async function upload(container: string, file: string, content: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lh-cdc-upload-"));
    try {
        const rel = file.replace(/^\//, "");
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content, { mode: 0o644 });
        const tar = path.join(dir, "upload.tar");
        await execFileP("tar", ["-C", dir, "--no-recursion", "--owner=0", "--group=0", "-cf", tar, rel]);
        await execFileP("sh", ["-c", `docker cp - ${container}:/ < "${tar}"`]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

// ---- engines ---------------------------------------------------------------------------------------
let trinoUrl = "";

/** Trino and spark-sql through the clients `make verify` uses (tools/clients.ts). */
const trino = (sql: string) => trinoQuery(trinoUrl, sql);
const sparkSql = (queries: Record<string, string>) => sparkSqlIn(`${P}-spark`, [], queries);

// ---- source rows -----------------------------------------------------------------------------------
let pg: PgClient;
let my: mysql.Connection;

const sortById = (rows: any[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
const norm = (rows: any[], cols: string[]) => sortById(rows).map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))));

async function sourceRows(): Promise<Record<string, (string | null)[][]>> {
    const users = (await pg.query("SELECT * FROM public.users")).rows;
    const [orders] = await my.query("SELECT * FROM sales.orders") as any;
    const [employees] = await my.query("SELECT * FROM hr.employees") as any;
    return {
        users: norm(users, Object.keys(users[0] ?? { id: 1, name: 1, email: 1 })),
        orders: norm(orders, ["id", "customer_id", "amount", "status"]),
        employees: norm(employees, Object.keys(employees[0] ?? { id: 1, name: 1, department: 1 })),
    };
}

async function columnsOf(table: "users" | "employees"): Promise<string[]> {
    if (table === "users") return (await pg.query("SELECT * FROM public.users LIMIT 0")).fields.map((f) => f.name);
    const [, fields] = await my.query("SELECT * FROM hr.employees LIMIT 0") as any;
    return fields.map((f: any) => f.name);
}

async function trinoMirror(): Promise<Record<string, (string | null)[][]>> {
    const out: Record<string, (string | null)[][]> = {};
    for (const [key, table] of Object.entries(TABLES)) {
        const cols = key === "orders" ? ["id", "customer_id", "amount", "status"] : await columnsOf(key as "users" | "employees");
        const rows = await trino(`SELECT ${cols.map((c) => `CAST(${c} AS varchar)`).join(", ")} FROM ${table} ORDER BY id`);
        out[key] = rows.map((r) => r.map((v) => (v === null ? null : String(v))));
    }
    return out;
}

describe("CDC mirror job end to end (Postgres + MariaDB -> Debezium -> Kafka -> Spark -> Iceberg -> Trino and Spark)", function () {
    this.timeout(3_600_000);
    const provider = createConnectorProvider({ pollIntervalMs: 500 });
    let kafkaPort = 0;
    let connectUrl = "";
    let minioPort = 0;
    let jobName = "";
    let s3: S3Client;

    /** Every key under a prefix of a bucket, all pages. */
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

    before(async function () {
        this.timeout(900_000);
        const missing = Object.values(IMAGES).filter((i) => !imageExists(i));
        // A missing image is a failure, not a skip: nothing end to end would have been tested.
        if (missing.length > 0) throw new Error(`local images missing (run bash scripts/images.sh): ${missing.join(", ")}`);
        await createNetwork(NET);
        const [pgPort, myPort, connectPort, catalogPort, trinoPort, minioConsole] = await Promise.all(
            [freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
        kafkaPort = await freePort();
        minioPort = await freePort();
        const bindIp = "127.0.0.1";

        // Sources, Kafka and MinIO first, in parallel.
        const [broker] = kafkaBrokerSpecs({ image: IMAGES.kafka, brokerCount: 1, clusterId: "4L6g3nShT-eMCtK--X86sw", hostPortBase: kafkaPort, bindIp, hostnamePrefix: "kafka" });
        await Promise.all([
            runSpec(postgresSpec({ image: IMAGES.postgres, hostname: "db-postgres", database: "customer_db", adminUser: "admin", hostPort: pgPort, bindIp, maxReplicationSlots: 10, maxWalSenders: 10 }), SECRETS),
            runSpec(mySqlSpec({ image: IMAGES.mysql, hostname: "db-mysql", databases: ["sales", "hr"], serverId: 1, hostPort: myPort, bindIp }), SECRETS),
            runSpec(broker),
            runSpec(minioSpec({ image: IMAGES.minio, hostname: "minio", apiHostPort: minioPort, consoleHostPort: minioConsole, bindIp }),
                // The spec's `mc ready local` suits the official image; the local one has no mc, so use its own check.
                { rootUser: SECRETS.accessKey, rootPassword: SECRETS.secretKey }, { healthCmd: "curl -fsS http://localhost:9000/minio/health/ready >/dev/null" }),
        ]);
        await Promise.all([`${P}-db-postgres`, `${P}-db-mysql`, `${P}-kafka-1`, `${P}-minio`].map((n) => waitHealthy(n, 300_000)));
        mark("postgres, mariadb, kafka, minio healthy");

        s3 = new S3Client({ endpoint: `http://127.0.0.1:${minioPort}`, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: SECRETS.accessKey, secretAccessKey: SECRETS.secretKey } });
        for (const bucket of ["warehouse", CHECKPOINT_BUCKET, "spark-test"]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const connection = { catalogName: "minio", catalogUri: catalogUri("iceberg-rest"), warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" };
        await Promise.all([
            runSpec(connectSpec({ image: IMAGES.connect, hostname: "connect", bootstrapServers: internalBootstrap({ hostnamePrefix: "kafka", brokerCount: 1 }),
                brokerCount: 1, groupId: "lakehouse-connect", storageTopicPrefix: "connect", hostPort: connectPort, bindIp })),
            // The local catalog image runs as iceberg (1000) and has no /var/lib/iceberg: a fresh volume there is
            // root's and SQLite cannot open its file. Hand the volume to the image's user, as a fixed image would.
            runSpec(catalogSpec({ image: IMAGES.icebergRest, hostname: "iceberg-rest", s3Endpoint: "http://minio:9000", warehouseBucket: "warehouse", hostPort: catalogPort, bindIp }),
                SECRETS, { volumeOwner: "1000:1000" }),
            runSpec(sparkSpec({ image: IMAGES.spark, hostname: "spark", catalog: connection, packages: [], uiHostPort: await freePort(), bindIp }), SECRETS),
            runSpec(trinoSpec({ image: IMAGES.trino, hostname: "trino", catalog: connection, hostPort: trinoPort, bindIp }), SECRETS),
        ]);
        connectUrl = `http://127.0.0.1:${connectPort}`;
        trinoUrl = `http://127.0.0.1:${trinoPort}`;

        // Tables, CDC users and seed rows with the project's own SQL.
        const psql = (sql: string) => exec(`${P}-db-postgres`, ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", "admin", "-d", "customer_db"], sql);
        const users = DEFAULT_POSTGRES_TABLES[0];
        await psql([postgresCdcRoleSql("customer_db", "admin", "debezium", SECRETS.cdcPassword), postgresTableSql(users, "debezium"),
            replicaIdentitySql(users, "FULL")].join("\n"));
        await exec(`${P}-db-mysql`, ["sh", "-c", `MYSQL_PWD='${SECRETS.rootPassword}' mysql -uroot`],
            mySqlSetupSql(["sales", "hr"], "debezium", SECRETS.cdcPassword, DEFAULT_MYSQL_TABLES));
        pg = new PgClient({ host: "127.0.0.1", port: pgPort, user: "admin", password: SECRETS.adminPassword, database: "customer_db" });
        await pg.connect();
        my = await mysql.createConnection({ host: "127.0.0.1", port: myPort, user: "root", password: SECRETS.rootPassword, multipleStatements: true });
        await pg.query("INSERT INTO public.users (id, name, email) VALUES (1, 'ada', 'ada@example.org'), (2, 'grace', 'grace@example.org'), (3, 'edsger', NULL)");
        await my.query("INSERT INTO sales.orders VALUES (1, 1, 10.50, 'new'), (2, 2, 99.99, 'new'), (3, 1, -0.07, 'refund')");
        await my.query("INSERT INTO hr.employees VALUES (1, 'alan', 'research'), (2, 'barbara', 'systems')");
        mark("tables, CDC users, seed rows");

        // The CDC topics exist before anything reads them, as KafkaTopics declares them in the stack.
        const kafka = new Kafka({ clientId: "cdc-it", brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        await admin.connect();
        const wanted = [...Object.values(TOPICS).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
            { topic: "mysqlserver1.schema-history", numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "retention.ms", value: "-1" }] }];
        await waitFor("CDC topics", async () => {
            const have = await admin.listTopics();
            const missing = wanted.filter((t) => !have.includes(t.topic));
            if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
            return missing.length === 0;
        }, 60_000, 1000);
        await admin.disconnect();

        await Promise.all([`${P}-connect`, `${P}-iceberg-rest`, `${P}-spark`, `${P}-trino`].map((n) => waitHealthy(n, 600_000)));
        mark("connect, iceberg-rest, spark, trino healthy");

        await provider.create({ connectUrl, waitTimeoutSeconds: 300, ...postgresConnector({
            hostname: "db-postgres", user: "debezium", password: SECRETS.cdcPassword, dbname: "customer_db",
            schemas: ["public"], tables: ["public.users"], topicPrefix: "dbserver1",
        }) } as any);
        await provider.create({ connectUrl, waitTimeoutSeconds: 300, ...mySqlConnector({
            flavour: "mariadb", hostname: "db-mysql", user: "debezium", password: SECRETS.cdcPassword, serverId: 184054,
            topicPrefix: "mysqlserver1", databases: ["sales", "hr"], tables: ["sales.orders", "hr.employees"],
            bootstrapServers: "kafka-1:19092", schemaHistoryTopic: "mysqlserver1.schema-history",
        }) } as any);
        mark("connectors RUNNING");

        const spec = cdcJobSpec({
            image: IMAGES.spark, hostname: "cdc-mirror", catalog: connection, bootstrapServers: "kafka-1:19092",
            topics: Object.values(TOPICS), primaryKeys: { [TOPICS.users]: ["id"], "sales.orders": ["id"] }, // employees: from Debezium's key
            namespace: "cdc", tablePrefix: "", jobName: "cdc-mirror", triggerSeconds: 3, master: "local[2]", driverMemory: "1g",
            checkpointBucket: CHECKPOINT_BUCKET, packages: [], jobFiles: readCdcJobFiles(),
        });
        // The default checkpoint is on MinIO, so the job has no volume of its own.
        assert.deepEqual(spec.volumes, []);
        assert.equal(spec.command![spec.command!.indexOf("--checkpoint") + 1], `s3a://${CHECKPOINT.bucket}/${CHECKPOINT.prefix.replace(/\/$/, "")}`);
        jobName = await runSpec(spec, SECRETS);
        await waitHealthy(jobName, 600_000);
        mark("cdc job healthy (heartbeat)");
    });

    after(async function () {
        this.timeout(180_000);
        await pg?.end().catch(() => undefined);
        await my?.end().catch(() => undefined);
        if (process.env.KEEP_CONTAINERS !== "1") {
            await Promise.all(containers.map(rm));
            await Promise.all(volumes.map(removeVolume));
            await removeNetwork(NET);
        }
        console.log("      timings (s):", JSON.stringify(Object.fromEntries(timings)));
        console.log(`      total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

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

    it("mirrors the snapshot, then inserts, updates and deletes, exactly as the sources hold them (Trino)", async () => {
        await waitForMirror("the snapshot in the mirror");
        mark("snapshot mirrored");
        await pg.query("INSERT INTO public.users (id, name, email) VALUES (4, 'barbara', 'bl@example.org')");
        await pg.query("UPDATE public.users SET email = 'ada@lovelace.org' WHERE id = 1");
        await pg.query("DELETE FROM public.users WHERE id = 2");
        // Several changes of one key in one transaction: only the last may survive.
        await pg.query("BEGIN; UPDATE public.users SET name = 'e1' WHERE id = 3; UPDATE public.users SET name = 'e2' WHERE id = 3; COMMIT");
        await my.query("INSERT INTO sales.orders VALUES (4, 3, 1234567.89, 'new')");
        await my.query("UPDATE sales.orders SET status = 'paid', amount = 11.00 WHERE id = 1");
        await my.query("DELETE FROM sales.orders WHERE id = 2");
        await my.query("UPDATE hr.employees SET department = 'compilers' WHERE id = 2");
        await my.query("DELETE FROM hr.employees WHERE id = 1");
        await my.query("INSERT INTO hr.employees VALUES (3, 'frances', 'research')");
        // Delete and re-insert of one key.
        await my.query("DELETE FROM hr.employees WHERE id = 3; INSERT INTO hr.employees VALUES (3, 'frances', 'theory')");
        const rows = await waitForMirror("inserts, updates and deletes in the mirror");
        assert.deepEqual(rows.users.map((r) => r[0]), ["1", "3", "4"]);
        assert.deepEqual(rows.users.find((r) => r[0] === "3")?.[1], "e2");
        assert.deepEqual(rows.orders.map((r) => r[2]), ["11.00", "-0.07", "1234567.89"]);
        mark("changes mirrored (Trino)");
    });

    it("keeps a changelog with op, full before state, source position, commit time and Kafka coordinates", async () => {
        const rows = await trino(`SELECT op, before, after, source_position, source_ts_ms, commit_time, kafka_topic, kafka_partition, kafka_offset
            FROM ${changelog(TABLES.users)} ORDER BY kafka_offset`);
        assert.deepEqual(rows.map((r) => r[0]), ["r", "r", "r", "c", "u", "d", "u", "u"]);
        const update = rows.find((r) => r[0] === "u")!;
        assert.deepEqual(JSON.parse(update[1]), { id: 1, name: "ada", email: "ada@example.org" });
        assert.deepEqual(JSON.parse(update[2]), { id: 1, name: "ada", email: "ada@lovelace.org" });
        assert.match(update[3], /^lsn:\d+$/);
        assert.ok(Number(update[4]) > 1_700_000_000_000);
        assert.equal(update[6], TOPICS.users);
        const offsets = rows.map((r) => Number(r[8]));
        assert.deepEqual(offsets, [...new Set(offsets)].sort((a, b) => a - b));
        const del = rows.find((r) => r[0] === "d")!;
        assert.equal(del[2], null);
        assert.deepEqual(JSON.parse(del[1]), { id: 2, name: "grace", email: "grace@example.org" });

        const orders = await trino(`SELECT before, source_position FROM ${changelog(TABLES.orders)} WHERE op = 'u'`);
        assert.equal(orders.length, 1);
        assert.deepEqual(JSON.parse(orders[0][0]), { id: 1, customer_id: 1, amount: "10.50", status: "new" });
        assert.match(orders[0][1], /^mysql-bin\.\d+:\d+:\d+$/);
        const counts = await trino(`SELECT op, count(*) FROM ${changelog(TABLES.employees)} GROUP BY op ORDER BY op`);
        assert.deepEqual(counts, [["c", 2], ["d", 2], ["r", 2], ["u", 1]]);
        mark("changelog checked (Trino)");
    });

    it("reads the same mirror and changelog through Spark", async () => {
        const src = await sourceRows();
        const res = await sparkSql({
            users: `SELECT CAST(id AS STRING) id, name, email FROM ${TABLES.users} ORDER BY id`,
            orders: `SELECT CAST(id AS STRING) id, CAST(customer_id AS STRING) customer_id, CAST(amount AS STRING) amount, status FROM ${TABLES.orders} ORDER BY id`,
            employees: `SELECT CAST(id AS STRING) id, name, department FROM ${TABLES.employees} ORDER BY id`,
            usersLog: `SELECT op, count(*) n FROM ${changelog(TABLES.users)} GROUP BY op ORDER BY op`,
        });
        assert.deepEqual(res.users.map((r: any) => [r.id, r.name ?? null, r.email ?? null]), src.users);
        assert.deepEqual(res.orders.map((r: any) => [r.id, r.customer_id, r.amount, r.status]), src.orders);
        assert.deepEqual(res.employees.map((r: any) => [r.id, r.name, r.department]), src.employees);
        assert.deepEqual(res.usersLog, [{ op: "c", n: 1 }, { op: "d", n: 1 }, { op: "r", n: 3 }, { op: "u", n: 3 }]);
        mark("mirror and changelog read through Spark");
    });

    it("adds a nullable column added at the source to the mirror", async () => {
        await pg.query("ALTER TABLE public.users ADD COLUMN phone text");
        await pg.query("INSERT INTO public.users (id, name, email, phone) VALUES (5, 'niklaus', 'nw@example.org', '+41 1')");
        await pg.query("UPDATE public.users SET phone = '+44 2' WHERE id = 1");
        await my.query("ALTER TABLE hr.employees ADD COLUMN badge varchar(16) NULL");
        await my.query("UPDATE hr.employees SET badge = 'B-2' WHERE id = 2");
        const rows = await waitForMirror("the new columns in the mirror");
        assert.deepEqual(rows.users.find((r) => r[0] === "5"), ["5", "niklaus", "nw@example.org", "+41 1"]);
        assert.deepEqual(rows.users.find((r) => r[0] === "4"), ["4", "barbara", "bl@example.org", null]);
        assert.deepEqual(rows.employees.find((r) => r[0] === "2"), ["2", "barbara", "compilers", "B-2"]);
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
        mark(`checkpoint on MinIO: ${offsets.length} offsets, ${commits.length} commits`);
    });

    it("resumes exactly once after a restart, and a replayed batch changes nothing", async () => {
        const count = async () => Object.fromEntries(await Promise.all(Object.entries(TABLES).map(async ([k, t]) =>
            [k, Number((await trino(`SELECT count(*) FROM ${changelog(t)}`))[0][0])] as const)));
        const dupes = async () => Promise.all(Object.values(TABLES).map(async (t) =>
            Number((await trino(`SELECT count(*) FROM (SELECT kafka_partition, kafka_offset FROM ${changelog(t)} GROUP BY 1, 2 HAVING count(*) > 1)`))[0][0])));
        const before = await count();

        // A plain restart.
        await docker(["restart", jobName]);
        await waitHealthy(jobName, 600_000);
        await pg.query("UPDATE public.users SET name = 'grace2' WHERE id = 4");
        await waitForMirror("a change after the restart");
        mark("restarted job resumed");
        const afterRestart = await count();
        assert.deepEqual(afterRestart, { ...before, users: before.users + 1 });

        // A crash between the Iceberg commits and Spark's commit log: drop the last batch's commit
        // marker from MinIO while the job is stopped, so the job replays that batch on start.
        await docker(["stop", "-t", "30", jobName]);
        const last = (await checkpointBatches("commits")).pop();
        assert.ok(last !== undefined, "no commit in the checkpoint");
        const removed = String(last);
        const commit = `${CHECKPOINT.prefix}commits/${removed}`;
        const crc = `${CHECKPOINT.prefix}commits/.${removed}.crc`;
        const present = new Set(await listKeys(CHECKPOINT.bucket, `${CHECKPOINT.prefix}commits/`));
        for (const key of [commit, crc].filter((k) => present.has(k))) await s3.send(new DeleteObjectCommand({ Bucket: CHECKPOINT.bucket, Key: key }));
        assert.equal((await checkpointBatches("commits")).includes(last), false);
        await docker(["start", jobName]);
        await waitHealthy(jobName, 600_000);
        await waitFor("the replayed batch", async () => (await logs(jobName, 400)).includes(`batch ${removed} is already in`), 900_000, 2000);
        await pg.query("DELETE FROM public.users WHERE id = 5");
        await waitForMirror("a change after the replay");
        assert.deepEqual(await count(), { ...afterRestart, users: afterRestart.users + 1 });
        assert.deepEqual(await dupes(), [0, 0, 0]);
        assert.ok((await checkpointBatches("commits")).includes(last), `batch ${removed} committed again after the replay`);
        mark(`replayed batch ${removed} skipped, no duplicates`);
    });

    it("seed check: Spark writes and reads minio.test_db.iceberg_table; metadata v1 and v2 are in MinIO", async () => {
        const out = await exec(`${P}-spark`, ["/opt/spark/bin/spark-sql", "--master", "local[1]", "--driver-memory", "512m",
            "--conf", "spark.ui.enabled=false", "-S", "-e",
            "CREATE NAMESPACE IF NOT EXISTS minio.test_db; " +
            "CREATE TABLE minio.test_db.iceberg_table (id BIGINT, data STRING) USING iceberg; " +
            "INSERT INTO minio.test_db.iceberg_table VALUES (1, 'a'), (2, 'b'); " +
            "SELECT '@@rows', to_json(collect_list(struct(*))) FROM (SELECT * FROM minio.test_db.iceberg_table ORDER BY id);"]);
        const line = out.split("\n").find((l) => l.startsWith("@@rows\t"));
        assert.ok(line, out);
        assert.deepEqual(JSON.parse(line!.split("\t")[1]), [{ id: 1, data: "a" }, { id: 2, data: "b" }]);
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: "warehouse", Prefix: "test_db/iceberg_table/metadata/" }));
        const keys = (listed.Contents ?? []).map((o) => o.Key!);
        // The REST catalog names metadata files <version>-<uuid>.metadata.json: 00000 on create, 00001 after the insert.
        assert.ok(keys.some((k) => /\/00000-[0-9a-f-]+\.metadata\.json$/.test(k)), keys.join("\n"));
        assert.ok(keys.some((k) => /\/00001-[0-9a-f-]+\.metadata\.json$/.test(k)), keys.join("\n"));
        mark("seed table written, read and listed");
        const trinoRows = await trino("SELECT id, data FROM minio.test_db.iceberg_table ORDER BY id");
        assert.deepEqual(trinoRows, [[1, "a"], [2, "b"]]);
    });

    it("reports a healthy job the whole time", async () => {
        assert.equal(await health(jobName), "healthy");
        await sleep(0);
    });
});
