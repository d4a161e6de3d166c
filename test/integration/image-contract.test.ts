// Contract tests of the images: each one started with only what a user of the OFFICIAL image would
// set, asserting the official image's defaults that the library and the policy pack rely on (upstream
// facts, written here from the upstream entrypoints and default files, never read from our images).
// They run against the local images (scripts/images.sh); CONTRACT_IMAGES=official runs them against
// the pinned official ones where a registry is reachable. One container at a time (two for Connect),
// no wait on a HEALTHCHECK (most official images have none), ports on 127.0.0.1 only.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import axios from "axios";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { docker, exec, freePort, imageExists, logs, removeVolume, rm, run, runToCompletion, sleep, waitHealthy } from "../support/docker";
import * as zlib from "zlib";
import { ImageSet, imagesFor } from "../../components/core/versions";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const versionPins = require("../../versions.json");

const IMAGE_SET = (process.env.CONTRACT_IMAGES ?? "local") as ImageSet;
const IMAGES = imagesFor(IMAGE_SET);
/** Oracle MySQL: the local image from Debian unstable's mysql-server (scripts/images.sh mysql), or the official pin. */
const ORACLE_MYSQL = IMAGES.mysql;
/** MariaDB (the `mariadb` flavour): Debian's mariadb-server locally, or the official pin. */
const MARIADB = IMAGES.mariadb;
const P = `lh-contract-${process.pid}`;

/** A missing image is a failure, never a skip: make test builds them all first. */
function needs(image: string): void {
    if (!imageExists(image)) throw new Error(`image ${image} is missing: build it with \`make images\` (scripts/images.sh)`);
}

/**
 * Retries `check` until it gives a truthy value while the container runs; fails at once (with its
 * log) if the container stops, and with its log on time-out.
 */
async function whileRunning<T>(name: string, what: string, check: () => Promise<T>, timeoutMs: number, everyMs = 2000): Promise<T> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
        const state = (await docker(["inspect", "-f", "{{.State.Status}}", name])).trim();
        if (state !== "running" && state !== "created") throw new Error(`${name} is ${state} while waiting for ${what}:\n${await logs(name, 80)}`);
        try {
            const value = await check();
            if (value) return value;
        } catch (e) {
            last = e;
        }
        await sleep(everyMs);
    }
    throw new Error(`timed out waiting for ${what} (${last instanceof Error ? last.message : String(last ?? "")}):\n${await logs(name, 80)}`);
}

/** Waits for a line in the container's log (cheap: no JVM per probe). */
function waitForLog(name: string, pattern: RegExp, timeoutMs: number): Promise<boolean> {
    return whileRunning(name, String(pattern), async () => pattern.test(await logs(name, 100_000)), timeoutMs);
}

/** A broker setting's effective value in `kafka-configs.sh --describe --all` (its synonyms list defaults too). */
function brokerSetting(described: string, key: string): string | undefined {
    const match = new RegExp(`^\\s*${key.replace(/\./g, "\\.")}=(\\S*)\\s+sensitive=`, "m").exec(described);
    return match?.[1];
}

/** The value of `key=` in a properties text (the last one wins, as in java.util.Properties). */
function property(text: string, key: string): string | undefined {
    const lines = text.split("\n").filter((l) => l.startsWith(`${key}=`));
    return lines.length ? lines[lines.length - 1].slice(key.length + 1).trim() : undefined;
}

describe(`image contracts (${IMAGE_SET} images, official defaults)`, function () {
    this.timeout(600_000);
    let workDir = "";
    const started: string[] = [];
    const volumes: string[] = [];
    const start = async (o: Parameters<typeof run>[0]) => {
        started.push(o.name);
        return run(o);
    };

    before(async function () {
        await docker(["info"], { timeoutMs: 30_000 }).catch((e) => {
            throw new Error(`docker is not answering (run bash scripts/docker.sh): ${e}`);
        });
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lh-contract-"));
        fs.chmodSync(workDir, 0o755);
    });

    afterEach(async function () {
        this.timeout(120_000);
        // Connect shares the broker's network namespace: remove it first.
        for (const name of started.splice(0).reverse()) await rm(name);
        for (const v of volumes.splice(0)) await removeVolume(v);
    });

    after(() => {
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    /** A directory of init scripts, readable by the image's own user. */
    function initDir(name: string, files: Record<string, string>): string {
        const dir = path.join(workDir, name);
        fs.mkdirSync(dir, { mode: 0o755 });
        for (const [file, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, file), content);
            fs.chmodSync(path.join(dir, file), file.endsWith(".sh") ? 0o755 : 0o644);
        }
        return dir;
    }

    describe("postgres", function () {
        it("with only POSTGRES_PASSWORD, the superuser is postgres in database postgres", async function () {
            needs(IMAGES.postgres);
            const name = `${P}-postgres`;
            const port = await freePort();
            await start({ name, image: IMAGES.postgres, ports: { 5432: port }, env: { POSTGRES_PASSWORD: "pg-secret" } });
            const pg = await whileRunning(name, "postgres on 127.0.0.1", async () => {
                const client = new PgClient({ host: "127.0.0.1", port, user: "postgres", password: "pg-secret", database: "postgres" });
                await client.connect();
                return client;
            }, 180_000);
            try {
                const { rows } = await pg.query("SELECT current_user AS u, rolsuper FROM pg_roles WHERE rolname = current_user");
                assert.deepEqual(rows[0], { u: "postgres", rolsuper: true });
            } finally {
                await pg.end();
            }
        });

        it("takes POSTGRES_PASSWORD_FILE from a file only root may read (0400), as the official image does", async function () {
            needs(IMAGES.postgres);
            const name = `${P}-postgres`;
            const port = await freePort();
            const secrets = initDir("pg-secrets", { "postgres-password": "pg-file-secret\n" });
            fs.chmodSync(path.join(secrets, "postgres-password"), 0o400);
            await start({
                name, image: IMAGES.postgres, ports: { 5432: port },
                env: { POSTGRES_PASSWORD_FILE: "/run/secrets/postgres-password" }, volumes: [`${secrets}:/run/secrets:ro`],
            });
            const pg = await whileRunning(name, "postgres on 127.0.0.1", async () => {
                const client = new PgClient({ host: "127.0.0.1", port, user: "postgres", password: "pg-file-secret", database: "postgres" });
                await client.connect();
                return client;
            }, 180_000);
            try {
                const { rows } = await pg.query("SELECT current_user AS u");
                assert.deepEqual(rows[0], { u: "postgres" });
            } finally {
                await pg.end();
            }
            const wrong = new PgClient({ host: "127.0.0.1", port, user: "postgres", password: "pg-file-secret\n", database: "postgres" });
            await assert.rejects(wrong.connect(), /password authentication failed/);
            const inspect = JSON.parse(await docker(["inspect", name]))[0];
            assert.ok(!JSON.stringify(inspect.Config.Env).includes("pg-file-secret"), "the password is not in the container's env");
        });

        it("defaults POSTGRES_DB to POSTGRES_USER, runs /docker-entrypoint-initdb.d in that database, UTF8, scram from the network, uid 999", async function () {
            needs(IMAGES.postgres);
            const name = `${P}-postgres`;
            const port = await freePort();
            const init = initDir("pg-init", {
                "10-table.sql": "CREATE TABLE contract_sql (id int PRIMARY KEY);\n",
                "20-script.sh": '#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE TABLE contract_sh (db text); INSERT INTO contract_sh VALUES (current_database())"\n',
            });
            // What a user of postgres:17 sets: a password and a user; no database, no command.
            await start({
                name, image: IMAGES.postgres, ports: { 5432: port },
                env: { POSTGRES_USER: "alice", POSTGRES_PASSWORD: "alice-secret" },
                volumes: [`${init}:/docker-entrypoint-initdb.d:ro`],
            });
            const connect = (password: string, database = "alice") => {
                const client = new PgClient({ host: "127.0.0.1", port, user: "alice", password, database });
                return client.connect().then(() => client);
            };
            const pg = await whileRunning(name, "postgres on 127.0.0.1", () => connect("alice-secret"), 180_000);
            try {
                const tables = await pg.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
                assert.deepEqual(tables.rows.map((r) => r.table_name), ["contract_sh", "contract_sql"]);
                assert.equal((await pg.query("SELECT db FROM contract_sh")).rows[0].db, "alice");
                const settings = await pg.query(
                    "SELECT pg_encoding_to_char(encoding) AS enc, datcollate, current_setting('listen_addresses') AS listen, " +
                    "current_setting('password_encryption') AS pw, current_setting('data_directory') AS dir FROM pg_database WHERE datname = 'alice'");
                assert.deepEqual(settings.rows[0], { enc: "UTF8", datcollate: "en_US.utf8", listen: "*", pw: "scram-sha-256", dir: "/var/lib/postgresql/data" });
            } finally {
                await pg.end();
            }
            // `host all all all scram-sha-256`: a connection from outside needs the password.
            await assert.rejects(connect("wrong-password"), /password authentication failed/);
            assert.equal((await exec(name, ["id", "-u", "postgres"])).trim(), "999");
        });
    });

    describe("mariadb (the mariadb flavour)", function () {
        it("creates MYSQL_DATABASE and MYSQL_USER (ALL on that database), runs the init dir there, and starts with MySQL 8.4's binlog defaults without any argument", async function () {
            needs(MARIADB);
            const name = `${P}-mariadb`;
            const port = await freePort();
            const init = initDir("mysql-init", {
                "10-table.sql": "CREATE TABLE contract_sql (id int PRIMARY KEY);\n",
                "20-script.sh": '#!/bin/bash\nset -e\necho "contract init ran for $MYSQL_DATABASE"\n',
            });
            await start({
                name, image: MARIADB, ports: { 3306: port },
                env: { MYSQL_ROOT_PASSWORD: "root-secret", MYSQL_DATABASE: "sales", MYSQL_USER: "app", MYSQL_PASSWORD: "app-secret" },
                volumes: [`${init}:/docker-entrypoint-initdb.d:ro`],
            });
            const app = await whileRunning(name, "mysql on 127.0.0.1", () => mysql.createConnection({
                host: "127.0.0.1", port, user: "app", password: "app-secret", database: "sales",
            }), 240_000);
            try {
                const [tables] = await app.query("SHOW TABLES") as any;
                assert.deepEqual(tables.map((r: Record<string, string>) => Object.values(r)[0]), ["contract_sql"]);
                const [grants] = await app.query("SHOW GRANTS FOR CURRENT_USER()") as any;
                const text = grants.map((r: Record<string, string>) => Object.values(r)[0]).join("\n");
                assert.match(text, /GRANT ALL PRIVILEGES ON `sales`\.\* TO [`']app[`']@[`']%[`']/);
                const [vars] = await app.query(
                    "SELECT @@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image, @@server_id AS id, " +
                    "@@character_set_server AS charset, CONVERT_TZ('2024-01-01 12:00:00', 'UTC', 'Europe/Paris') AS paris") as any;
                assert.equal(Number(vars[0].log_bin), 1);
                assert.deepEqual([vars[0].format, vars[0].image, Number(vars[0].id), vars[0].charset], ["ROW", "FULL", 1, "utf8mb4"]);
                // The time zone tables are loaded (MYSQL_INITDB_SKIP_TZINFO unset).
                assert.ok(vars[0].paris !== null, "CONVERT_TZ with named zones gave NULL: no time zone tables");
            } finally {
                await app.end();
            }
            // MYSQL_ROOT_HOST defaults to %: root logs in from outside the container.
            const root = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", password: "root-secret" });
            await root.end();
            assert.match(await logs(name, 100_000), /contract init ran for sales/);
            assert.equal((await exec(name, ["id", "-u", "mysql"])).trim(), "999");
        });
    });

    describe("mysql (Oracle MySQL)", function () {
        it("takes MYSQL_ROOT_PASSWORD_FILE / MYSQL_DATABASE / MYSQL_USER_FILE / MYSQL_PASSWORD_FILE, runs .sql, .sql.gz and .sh init files in MYSQL_DATABASE, listens on 3306 from outside, starts with MySQL's binlog defaults (ROW, FULL, server id 1, GTID as the server version's default) and turns healthy", async function () {
            needs(ORACLE_MYSQL);
            const name = `${P}-oracle-mysql`;
            const port = await freePort();
            const init = initDir("oracle-mysql-init", {
                "10-table.sql": "CREATE TABLE contract_sql (id int PRIMARY KEY);\n",
                "30-script.sh": '#!/bin/bash\nset -e\necho "contract init ran for $MYSQL_DATABASE"\n',
            });
            fs.writeFileSync(path.join(init, "20-gz.sql.gz"), zlib.gzipSync("CREATE TABLE contract_gz (id int PRIMARY KEY);\n"));
            fs.chmodSync(path.join(init, "20-gz.sql.gz"), 0o644);
            const secrets = initDir("oracle-mysql-secrets", { "root": "root-secret", "user": "app", "password": "app-secret" });
            // Root-only, as the stack uploads them: the entrypoint reads *_FILE before it drops to the mysql user.
            for (const f of ["root", "user", "password"]) fs.chmodSync(path.join(secrets, f), 0o400);
            await start({
                name, image: ORACLE_MYSQL, ports: { 3306: port },
                env: {
                    MYSQL_ROOT_PASSWORD_FILE: "/run/secrets/root", MYSQL_DATABASE: "sales",
                    MYSQL_USER_FILE: "/run/secrets/user", MYSQL_PASSWORD_FILE: "/run/secrets/password",
                },
                volumes: [`${init}:/docker-entrypoint-initdb.d:ro`, `${secrets}:/run/secrets:ro`],
            });
            const app = await whileRunning(name, "mysql on 127.0.0.1", () => mysql.createConnection({
                host: "127.0.0.1", port, user: "app", password: "app-secret", database: "sales",
            }), 240_000);
            try {
                const [tables] = await app.query("SHOW TABLES") as any;
                assert.deepEqual(tables.map((r: Record<string, string>) => Object.values(r)[0]).sort(), ["contract_gz", "contract_sql"]);
                const [grants] = await app.query("SHOW GRANTS FOR CURRENT_USER()") as any;
                const text = grants.map((r: Record<string, string>) => Object.values(r)[0]).join("\n");
                assert.match(text, /GRANT ALL PRIVILEGES ON `sales`\.\* TO [`']app[`']@[`']%[`']/);
                const [vars] = await app.query(
                    "SELECT @@version AS version, @@version_comment AS comment, @@port AS port, @@bind_address AS bind, " +
                    "@@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image, @@server_id AS id, " +
                    "@@gtid_mode AS gtid, @@character_set_server AS charset, " +
                    "CONVERT_TZ('2024-01-01 12:00:00', 'UTC', 'Europe/Paris') AS paris") as any;
                const v = vars[0];
                if (IMAGE_SET === "local") assert.match(v.version, /^9\.7\.4/, "the local image runs Oracle MySQL 9.7.4 (Debian 9.7.4-2)");
                assert.doesNotMatch(`${v.version} ${v.comment}`, /mariadb/i);
                assert.deepEqual([Number(v.port), v.bind], [3306, "*"]);
                // GTIDs are the server's compiled default (no image sets them): ON from MySQL 9.x (mysqld
                // --verbose --help of 9.7.4 lists gtid-mode ON, enforce-gtid-consistency ON), OFF in 8.4.
                // Both image sets run the 9.7 series.
                assert.deepEqual([Number(v.log_bin), v.format, v.image, Number(v.id), v.gtid, v.charset], [1, "ROW", "FULL", 1, "ON", "utf8mb4"]);
                assert.ok(v.paris !== null, "CONVERT_TZ with named zones gave NULL: no time zone tables");
            } finally {
                await app.end();
            }
            // MYSQL_ROOT_HOST defaults to %: root logs in from outside the container with the password from the file.
            const root = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", password: "root-secret" });
            await root.end();
            await assert.rejects(mysql.createConnection({ host: "127.0.0.1", port, user: "root", password: "wrong" }), /Access denied/);
            assert.match(await logs(name, 100_000), /contract init ran for sales/);
            assert.equal((await exec(name, ["id", "-u", "mysql"])).trim(), "999");
            if (IMAGE_SET === "local") await waitHealthy(name, 120_000);
        });

        // Our image's own guard (the official image fails deeper, in its data dictionary upgrade): local set only.
        if (IMAGE_SET === "local") it("refuses to start on a MariaDB data directory (a stack switching flavour), saying how to keep or move the data", async function () {
            needs(ORACLE_MYSQL); needs(MARIADB);
            const volume = `${P}-flavour-data`;
            volumes.push(volume);
            const maria = `${P}-flavour-mariadb`;
            await start({ name: maria, image: MARIADB, env: { MYSQL_ROOT_PASSWORD: "root-secret" }, volumes: [`${volume}:/var/lib/mysql`] });
            await waitForLog(maria, /ready for connections[\s\S]*ready for connections/, 240_000);
            await rm(maria);
            const name = `${P}-flavour-mysql`;
            await start({ name, image: ORACLE_MYSQL, env: { MYSQL_ROOT_PASSWORD: "root-secret" }, volumes: [`${volume}:/var/lib/mysql`] });
            assert.equal((await docker(["wait", name], { timeoutMs: 120_000 })).trim(), "1");
            const log = await logs(name, 100);
            assert.match(log, /holds a MariaDB data directory; Oracle MySQL cannot open it/);
            assert.match(log, /lakehouse:mysqlFlavour mariadb/);
        });
    });

    describe("kafka", function () {
        it("with no KAFKA_* variable runs its default single-node server.properties: internal topics replicated once, the default cluster id", async function () {
            needs(IMAGES.kafka);
            const name = `${P}-kafka`;
            await start({ name, image: IMAGES.kafka });
            await waitForLog(name, /Kafka Server started/, 240_000);
            const tool = (cmd: string, ...args: string[]) => exec(name, [`/opt/kafka/bin/${cmd}`, "--bootstrap-server", "localhost:9092", ...args]);
            const brokerConfig = await tool("kafka-configs.sh", "--entity-type", "brokers", "--entity-name", "1", "--describe", "--all");
            for (const key of ["offsets.topic.replication.factor", "transaction.state.log.replication.factor", "transaction.state.log.min.isr",
                "share.coordinator.state.topic.replication.factor", "share.coordinator.state.topic.min.isr"]) {
                assert.equal(brokerSetting(brokerConfig, key), "1", `${key} in\n${brokerConfig}`);
            }
            assert.match(await tool("kafka-metadata-quorum.sh", "describe", "--status"), /ClusterId:\s+5L6g3nShT-eMCtK--X86sw/);
        });

        it("given KAFKA_* variables, builds server.properties from them alone: Kafka's defaults (replication 3) fill the rest", async function () {
            needs(IMAGES.kafka);
            const name = `${P}-kafka`;
            // A single node as apache/kafka's README configures one, without the replication settings.
            await start({
                name, image: IMAGES.kafka,
                env: {
                    KAFKA_NODE_ID: "1",
                    KAFKA_PROCESS_ROLES: "broker,controller",
                    KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093",
                    KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://localhost:9092",
                    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
                    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
                },
            });
            await waitForLog(name, /Kafka Server started/, 240_000);
            const config = await exec(name, ["/opt/kafka/bin/kafka-configs.sh", "--bootstrap-server", "localhost:9092",
                "--entity-type", "brokers", "--entity-name", "1", "--describe", "--all"]);
            assert.equal(brokerSetting(config, "offsets.topic.replication.factor"), "3", config);
            assert.equal(brokerSetting(config, "transaction.state.log.replication.factor"), "3", config);
            assert.equal(brokerSetting(config, "transaction.state.log.min.isr"), "2", config);
        });
    });

    describe("connect (Debezium)", function () {
        it("starts from Kafka's example worker config: storage topics replicated once, GROUP_ID 1, JSON with schemas, named variables over CONNECT_*", async function () {
            needs(IMAGES.kafka);
            needs(IMAGES.connect);
            const kafka = `${P}-kafka`;
            const name = `${P}-connect`;
            const port = await freePort();
            // The default single-node broker advertises localhost:9092, so Connect shares its network namespace.
            await start({ name: kafka, image: IMAGES.kafka, ports: { 8083: port } });
            await waitForLog(kafka, /Kafka Server started/, 240_000);
            // What Debezium's tutorial sets, minus GROUP_ID and every *_REPLICATION_FACTOR; plus a CONNECT_*
            // setting that the image's own OFFSET_FLUSH_INTERVAL_MS (default 60000) overrides.
            await start({
                name, image: IMAGES.connect, flags: ["--network", `container:${kafka}`],
                env: {
                    BOOTSTRAP_SERVERS: "localhost:9092",
                    CONFIG_STORAGE_TOPIC: "contract_configs",
                    OFFSET_STORAGE_TOPIC: "contract_offsets",
                    STATUS_STORAGE_TOPIC: "contract_statuses",
                    CONNECT_OFFSET_FLUSH_INTERVAL_MS: "1000",
                },
            });
            const connectors = await whileRunning(name, "GET /connectors",
                () => axios.get(`http://127.0.0.1:${port}/connectors`, { timeout: 5000 }), 300_000, 3000);
            assert.equal(connectors.status, 200);
            assert.deepEqual(connectors.data, []);
            // The storage topics as Kafka's admin API describes them: one replica each.
            for (const topic of ["contract_configs", "contract_offsets", "contract_statuses"]) {
                const described = await exec(kafka, ["/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--describe", "--topic", topic]);
                assert.match(described, /ReplicationFactor:\s*1\b/, described);
            }
            const worker = await exec(name, ["cat", "/kafka/config/connect-distributed.properties"]);
            const expected: Record<string, string> = {
                "config.storage.replication.factor": "1",
                "offset.storage.replication.factor": "1",
                "status.storage.replication.factor": "1",
                "group.id": "1",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "true",
                "value.converter.schemas.enable": "true",
                "offset.flush.interval.ms": "60000",
                "config.storage.topic": "contract_configs",
            };
            for (const [key, value] of Object.entries(expected)) assert.equal(property(worker, key), value, `${key} in\n${worker}`);
            assert.equal((await exec(name, ["id", "-u"])).trim(), "1001");
        });
    });

    describe("minio", function () {
        it("hands every argument to minio (none: its help) and serves S3 as minioadmin/minioadmin when no credentials are set", async function () {
            needs(IMAGES.minio);
            // Whatever minio's exit code for its help, the text is what matters.
            const help = await runToCompletion({ name: `${P}-minio-help`, image: IMAGES.minio }, 120_000).catch((e: Error) => e.message);
            assert.match(help, /USAGE:[\s\S]*server/i, help.slice(0, 2000));
            const name = `${P}-minio`;
            const port = await freePort();
            await start({ name, image: IMAGES.minio, ports: { 9000: port }, args: ["server", "/data"] });
            const s3 = new S3Client({
                endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", forcePathStyle: true,
                credentials: { accessKeyId: "minioadmin", secretAccessKey: "minioadmin" },
            });
            await whileRunning(name, "minio S3", () => s3.send(new ListBucketsCommand({})), 120_000);
            await s3.send(new CreateBucketCommand({ Bucket: "contract" }));
            const buckets = await s3.send(new ListBucketsCommand({}));
            assert.ok(buckets.Buckets?.some((b) => b.Name === "contract"));
            s3.destroy();
        });
    });

    describe("iceberg-rest", function () {
        it("serves a JDBC catalog in SQLite at /tmp/iceberg_catalog.db, in strict mode, as user 1000, kept by a volume on /tmp", async function () {
            needs(IMAGES.icebergRest);
            const name = `${P}-catalog`;
            const volume = `${P}-catalog-tmp`;
            volumes.push(volume);
            const port = await freePort();
            const base = `http://127.0.0.1:${port}/v1`;
            const startCatalog = async () => {
                // A file warehouse of the user's; without strict mode a table could land in a missing namespace.
                await start({ name, image: IMAGES.icebergRest, ports: { 8181: port }, volumes: [`${volume}:/tmp`], env: { CATALOG_WAREHOUSE: "file:///tmp/warehouse" } });
                await whileRunning(name, "GET /v1/config", () => axios.get(`${base}/config`, { timeout: 5000 }), 180_000);
            };
            await startCatalog();
            await axios.post(`${base}/namespaces`, { namespace: ["contract"], properties: {} });
            const schema = { type: "struct", "schema-id": 0, fields: [{ id: 1, name: "id", required: true, type: "long" }] };
            const orphan = await axios.post(`${base}/namespaces/missing/tables`, { name: "t", schema }, { validateStatus: () => true });
            assert.equal(orphan.status, 404, JSON.stringify(orphan.data));
            assert.match(JSON.stringify(orphan.data), /NoSuchNamespace/);
            assert.equal((await axios.post(`${base}/namespaces/contract/tables`, { name: "t", schema })).status, 200);
            await exec(name, ["test", "-s", "/tmp/iceberg_catalog.db"]);
            assert.equal((await exec(name, ["id", "-u"])).trim(), "1000");

            await rm(name);
            await startCatalog();
            assert.deepEqual((await axios.get(`${base}/namespaces`)).data.namespaces, [["contract"]]);
            assert.deepEqual((await axios.get(`${base}/namespaces/contract/tables`)).data.identifiers.map((i: { name: string }) => i.name), ["t"]);
        });
    });

    describe("spark", function () {
        it("passes any command through /opt/entrypoint.sh as user spark (185) in /opt/spark/work-dir, with SPARK_HOME=/opt/spark", async function () {
            needs(IMAGES.spark);
            const out = await runToCompletion({
                name: `${P}-spark`, image: IMAGES.spark,
                args: ["bash", "-c", 'echo "uid=$(id -u) pwd=$PWD home=$SPARK_HOME"; test -x "$SPARK_HOME/bin/spark-submit" && test -d "$SPARK_HOME/conf" && echo tools-ok'],
            }, 120_000);
            assert.match(out, /^uid=185 pwd=\/opt\/spark\/work-dir home=\/opt\/spark$/m, out);
            assert.match(out, /^tools-ok$/m, out);
            const entrypoint = (await docker(["image", "inspect", "-f", "{{json .Config.Entrypoint}}", IMAGES.spark])).trim();
            assert.equal(entrypoint, '["/opt/entrypoint.sh"]');
        });
    });

    describe("trino", function () {
        it("starts from /etc/trino as a single-node coordinator on 8080 (node.environment docker) and answers a query", async function () {
            needs(IMAGES.trino);
            const name = `${P}-trino`;
            const port = await freePort();
            await start({ name, image: IMAGES.trino, ports: { 8080: port } });
            const info = await whileRunning(name, "trino /v1/info", async () => {
                const res = await axios.get(`http://127.0.0.1:${port}/v1/info`, { timeout: 5000 });
                return res.data.starting === false ? res.data : undefined;
            }, 300_000, 3000);
            assert.equal(info.environment, "docker");
            assert.equal(info.coordinator, true);
            const headers = { "X-Trino-User": "contract" };
            let res = await axios.post(`http://127.0.0.1:${port}/v1/statement`, "SELECT 40 + 2", { headers: { ...headers, "Content-Type": "text/plain" } });
            const rows: unknown[][] = [];
            for (;;) {
                if (res.data.error) throw new Error(`trino: ${res.data.error.message}`);
                if (res.data.data) rows.push(...res.data.data);
                if (!res.data.nextUri) break;
                res = await axios.get(res.data.nextUri, { headers });
            }
            assert.deepEqual(rows, [[42]]);
            assert.equal((await exec(name, ["id", "-u"])).trim(), "1000");
            await exec(name, ["/usr/lib/trino/bin/health-check"]);
        });
    });
});
