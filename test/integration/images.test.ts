// Integration tests of the local images (scripts/images.sh): each image is started with `docker run`
// on a user-defined network, configured only through its documented contract (environment, command
// arguments, mounted files), with ports published on 127.0.0.1 only, and the real service is checked.
// An image that has not been built fails its test (make test builds them all with `bash scripts/images.sh`).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import axios from "axios";
import { Kafka, logLevel } from "kafkajs";
import { Client as PgClient } from "pg";
import * as mysql from "mysql2/promise";
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import {
    createNetwork, removeNetwork, run, rm, removeVolume, waitHealthy, waitFor, imageExists, runToCompletion, logs, docker, runOnFreePort,
} from "../support/docker";
import { AWS_SDK_VERSION, HADOOP_VERSION, imagesFor } from "../../components/core/versions";

// The tags scripts/images.sh builds, from the one place the components read them.
const IMAGES = imagesFor("local");

// Names and host ports of this suite only, so it can run beside a developer's stack.
const P = "lh-imgtest";
const NET = `${P}-net`;
const CATALOG_VOLUME = `${P}-catalog`;
// Host ports, picked free when the suite starts: fixed ones here sat in the kernel's ephemeral range
// (32768-60999) and once collided with a client socket ("bind: address already in use").
const PORT = { postgres: 0, mysql: 0, kafka: 0, connect: 0, minio: 0, catalog: 0 };
const MINIO_USER = "lakehouse";
const MINIO_PASSWORD = "lakehouse-secret-1";
const CONTAINERS = ["postgres", "mysql", "kafka", "connect", "minio", "catalog", "spark"].map((n) => `${P}-${n}`);

/** make test builds every image first: a missing one is a failure, never a skip. */
function needs(this: Mocha.Context, image: string) {
    if (!imageExists(image)) throw new Error(`image ${image} is missing: build it with \`make images\` (scripts/images.sh)`);
}

describe("local images (scripts/images.sh)", function () {
    this.timeout(900_000);
    let workDir = "";

    before(async function () {
        await docker(["info"], { timeoutMs: 30_000 }).catch((e) => {
            throw new Error(`docker is not answering (run bash scripts/docker.sh): ${e}`);
        });
        await Promise.all(CONTAINERS.map(rm));
        await removeVolume(CATALOG_VOLUME);
        await createNetwork(NET);
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lh-imgtest-"));
        fs.chmodSync(workDir, 0o755);
    });

    after(async function () {
        this.timeout(120_000);
        await Promise.all(CONTAINERS.map(rm));
        await removeVolume(CATALOG_VOLUME);
        await removeNetwork(NET);
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    describe("postgres", function () {
        it("initialises from POSTGRES_* and runs with wal_level=logical from -c args", async function () {
            needs.call(this, IMAGES.postgres);
            const name = `${P}-postgres`;
            PORT.postgres = await runOnFreePort((port) => ({
                name, image: IMAGES.postgres, network: NET, ports: { 5432: port },
                env: { POSTGRES_USER: "cdc_admin", POSTGRES_PASSWORD: "pg-secret", POSTGRES_DB: "customer_db" },
                args: ["-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10"],
            }));
            await waitHealthy(name, 120_000);
            const pg = new PgClient({ host: "127.0.0.1", port: PORT.postgres, user: "cdc_admin", password: "pg-secret", database: "customer_db" });
            await waitFor("postgres connection", () => pg.connect().then(() => true), 60_000);
            try {
                const { rows } = await pg.query("SHOW wal_level");
                assert.equal(rows[0].wal_level, "logical");
                const slots = await pg.query("SHOW max_replication_slots");
                assert.equal(slots.rows[0].max_replication_slots, "10");
            } finally {
                await pg.end();
            }
        });
    });

    describe("mysql (MariaDB)", function () {
        it("initialises from MYSQL_* and keeps a ROW binlog with the server args", async function () {
            needs.call(this, IMAGES.mysql);
            const name = `${P}-mysql`;
            PORT.mysql = await runOnFreePort((port) => ({
                name, image: IMAGES.mysql, network: NET, ports: { 3306: port },
                env: { MYSQL_ROOT_PASSWORD: "root-secret", MYSQL_DATABASE: "sales", MYSQL_USER: "app", MYSQL_PASSWORD: "app-secret" },
                args: ["--server-id=184054", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"],
            }));
            await waitHealthy(name, 120_000);
            const conn = await waitFor("mysql connection", () => mysql.createConnection({
                host: "127.0.0.1", port: PORT.mysql, user: "app", password: "app-secret", database: "sales",
            }), 60_000);
            try {
                const [rows] = await conn.query("SELECT @@binlog_format AS f, @@log_bin AS b, @@server_id AS s, @@binlog_row_image AS i") as any;
                assert.equal(rows[0].f, "ROW");
                assert.equal(Number(rows[0].b), 1);
                assert.equal(Number(rows[0].s), 184054);
                assert.equal(rows[0].i, "FULL");
            } finally {
                await conn.end();
            }
        });
    });

    describe("kafka", function () {
        it("starts a KRaft broker from KAFKA_* env and round-trips a message", async function () {
            needs.call(this, IMAGES.kafka);
            const name = `${P}-kafka`;
            PORT.kafka = await runOnFreePort((port) => ({
                name, image: IMAGES.kafka, network: NET, aliases: ["kafka"], ports: { [port]: port },
                env: {
                    CLUSTER_ID: "4L6g3nShT-eMCtK--X86sw",
                    KAFKA_NODE_ID: "1",
                    KAFKA_PROCESS_ROLES: "broker,controller",
                    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${name}:29093`,
                    KAFKA_LISTENERS: `CONTROLLER://:29093,PLAINTEXT://:19092,PLAINTEXT_HOST://:${port}`,
                    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${name}:19092,PLAINTEXT_HOST://localhost:${port}`,
                    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                    KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
                    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
                    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
                    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
                    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
                    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: "1",
                    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: "1",
                    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
                },
            }));
            await waitHealthy(name, 240_000);
            const kafka = new Kafka({ clientId: "imgtest", brokers: [`127.0.0.1:${PORT.kafka}`], logLevel: logLevel.NOTHING });
            const admin = kafka.admin();
            await admin.connect();
            const topic = "imgtest.roundtrip";
            await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
            assert.ok((await admin.listTopics()).includes(topic));
            await admin.disconnect();

            const producer = kafka.producer();
            await producer.connect();
            await producer.send({ topic, messages: [{ key: "k1", value: "hello lakehouse" }] });
            await producer.disconnect();

            const consumer = kafka.consumer({ groupId: "imgtest-group" });
            await consumer.connect();
            await consumer.subscribe({ topic, fromBeginning: true });
            const got = await new Promise<string>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error("no message within 120 s")), 120_000);
                consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(String(message.value)); } });
            });
            await consumer.disconnect();
            assert.equal(got, "hello lakehouse");
        });
    });

    describe("connect", function () {
        it("runs a distributed worker from Debezium's variables with the Postgres, MySQL and MariaDB plugins", async function () {
            needs.call(this, IMAGES.connect);
            needs.call(this, IMAGES.kafka);
            const name = `${P}-connect`;
            PORT.connect = await runOnFreePort((port) => ({
                name, image: IMAGES.connect, network: NET, ports: { 8083: port },
                env: {
                    BOOTSTRAP_SERVERS: `${P}-kafka:19092`,
                    GROUP_ID: "imgtest-connect",
                    CONFIG_STORAGE_TOPIC: "imgtest_connect_configs",
                    OFFSET_STORAGE_TOPIC: "imgtest_connect_offsets",
                    STATUS_STORAGE_TOPIC: "imgtest_connect_statuses",
                    CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: "1",
                    CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: "1",
                    CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: "1",
                },
            }));
            await waitHealthy(name, 300_000);
            const health = await axios.get(`http://127.0.0.1:${PORT.connect}/health`);
            assert.equal(health.status, 200);
            const plugins = await axios.get(`http://127.0.0.1:${PORT.connect}/connector-plugins`);
            const classes = (plugins.data as { class: string }[]).map((p) => p.class);
            for (const c of [
                "io.debezium.connector.postgresql.PostgresConnector",
                "io.debezium.connector.mysql.MySqlConnector",
                "io.debezium.connector.mariadb.MariaDbConnector",
            ]) assert.ok(classes.includes(c), `${c} missing from ${classes.join(", ")}`);
            // CONNECT_* reached the worker properties (the storage topic was created with RF 1 on one broker).
            const props = await docker(["exec", name, "cat", "/kafka/config/connect-distributed.properties"]);
            assert.match(props, /^config\.storage\.replication\.factor=1$/m);
        });
    });

    describe("minio", function () {
        it("serves S3 with MINIO_ROOT_* credentials: creates a bucket and round-trips an object", async function () {
            needs.call(this, IMAGES.minio);
            const name = `${P}-minio`;
            PORT.minio = await runOnFreePort((port) => ({
                name, image: IMAGES.minio, network: NET, ports: { 9000: port },
                env: { MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD },
                args: ["server", "/data", "--console-address", ":9001"],
            }));
            await waitHealthy(name, 120_000);
            const s3 = new S3Client({
                endpoint: `http://127.0.0.1:${PORT.minio}`, region: "us-east-1", forcePathStyle: true,
                credentials: { accessKeyId: MINIO_USER, secretAccessKey: MINIO_PASSWORD },
            });
            await s3.send(new CreateBucketCommand({ Bucket: "warehouse" }));
            await s3.send(new PutObjectCommand({ Bucket: "warehouse", Key: "probe/hello.txt", Body: "hello minio" }));
            const obj = await s3.send(new GetObjectCommand({ Bucket: "warehouse", Key: "probe/hello.txt" }));
            assert.equal(await obj.Body!.transformToString(), "hello minio");
            const buckets = await s3.send(new ListBucketsCommand({}));
            assert.ok(buckets.Buckets?.some((b) => b.Name === "warehouse"));
        });
    });

    const catalogEnv = () => ({
        CATALOG_WAREHOUSE: "s3://warehouse/",
        CATALOG_IO__IMPL: "org.apache.iceberg.aws.s3.S3FileIO",
        CATALOG_S3_ENDPOINT: `http://${P}-minio:9000`,
        CATALOG_S3_PATH__STYLE__ACCESS: "true",
        // Where the library keeps it (components/specs/catalog.ts): the image's /tmp, on a volume.
        CATALOG_URI: "jdbc:sqlite:file:/tmp/iceberg_catalog.db",
        AWS_ACCESS_KEY_ID: MINIO_USER,
        AWS_SECRET_ACCESS_KEY: MINIO_PASSWORD,
        AWS_REGION: "us-east-1",
    });
    const startCatalog = async () => {
        const name = `${P}-catalog`;
        PORT.catalog = await runOnFreePort((port) => ({
            name, image: IMAGES.icebergRest, network: NET, ports: { 8181: port },
            volumes: [`${CATALOG_VOLUME}:/tmp`], env: catalogEnv(),
        }));
        await waitHealthy(name, 120_000);
    };

    describe("iceberg-rest", function () {
        it("answers /v1/config and keeps a namespace across a container replacement", async function () {
            needs.call(this, IMAGES.icebergRest);
            await startCatalog();
            const config = await axios.get(`http://127.0.0.1:${PORT.catalog}/v1/config`);
            assert.equal(config.status, 200);
            assert.ok(config.data.defaults !== undefined && config.data.overrides !== undefined);
            await axios.post(`http://127.0.0.1:${PORT.catalog}/v1/namespaces`, { namespace: ["test_db"], properties: {} });

            await rm(`${P}-catalog`);
            await startCatalog(); // on another host port, maybe: the namespace lives in the volume
            const ns = await axios.get(`http://127.0.0.1:${PORT.catalog}/v1/namespaces`);
            assert.deepEqual(ns.data.namespaces, [["test_db"]]);
        });
    });

    // Spark writing Iceberg through the REST catalog on MinIO, Trino reading it, and a streaming checkpoint
    // on s3a:// resuming after its last commit: the same images do all of it on the shared stack
    // (cdc.test.ts: the seed check, the checkpoint; exactly-once.test.ts: the replays), so only what the
    // image ships is checked here.
    describe("spark", function () {
        it("ships hadoop-aws and the AWS SDK's s3-transfer-manager for s3a://, without the SDK bundle", async function () {
            needs.call(this, IMAGES.spark);
            const jars = await runToCompletion({ name: `${P}-spark`, image: IMAGES.spark, entrypoint: "ls", args: ["/opt/spark/jars"] });
            assert.ok(jars.split("\n").includes(`hadoop-aws-${HADOOP_VERSION}.jar`), jars);
            assert.ok(jars.split("\n").includes(`s3-transfer-manager-${AWS_SDK_VERSION}.jar`), jars);
            assert.doesNotMatch(jars, /^bundle-2\.[\d.]+\.jar$/m);
        });
    });
});
