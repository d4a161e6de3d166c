// Spec builders, tested without Pulumi: all the knowledge of service settings lives there.
import * as assert from "assert";

// Written out, not imported from components/core/settings.ts: the apache/kafka image's variables for the
// internal topics' replication (upstream defaults 3, which one broker cannot satisfy), and the names
// the Debezium Connect image passes to the worker (CONNECT_ prefix; the un-prefixed ones it ignores).
const KAFKA_REPLICATION_VARIABLES = [
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "KAFKA_DEFAULT_REPLICATION_FACTOR",
];
const CONNECT_REPLICATION_VARIABLES = [
    "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR", "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR",
];
const CONNECT_IGNORED = ["CONFIG_STORAGE_REPLICATION_FACTOR", "OFFSET_STORAGE_REPLICATION_FACTOR", "STATUS_STORAGE_REPLICATION_FACTOR"];
import { resolveTopic } from "../../components/streaming/topics";
import {
    SpecError, catalogSpec, goDuration, connectSpec, internalBootstrap, internalReplication, kafkaBrokerSpecs, minioSpec,
    mySqlSetupSql, mySqlSpec, postgresCdcRoleSql, postgresSpec, postgresTableSql, sparkCatalogConf, trinoCatalogProperties,
    validateTable,
} from "../../components/specs";

const kafkaArgs = (brokerCount: number) => ({
    image: "k", brokerCount, clusterId: "bGFrZWhvdXNlLWRldi0wMQ", hostPortBase: 9092, bindIp: "127.0.0.1", hostnamePrefix: "kafka",
});

function throwsField(fn: () => unknown, field: string): void {
    assert.throws(fn, (e: unknown) => e instanceof SpecError && e.field === field, `expected a SpecError on ${field}`);
}

describe("spec builders", () => {
    describe("goDuration", () => {
        it("spells durations as Docker hands them back (Go's time.Duration.String())", () => {
            assert.strictEqual(goDuration(0), "0s");
            assert.strictEqual(goDuration(5), "5s");
            assert.strictEqual(goDuration(59), "59s");
            assert.strictEqual(goDuration(60), "1m0s");
            assert.strictEqual(goDuration(120), "2m0s");
            assert.strictEqual(goDuration(90), "1m30s");
            assert.strictEqual(goDuration(3600), "1h0m0s");
            assert.strictEqual(goDuration(3725), "1h2m5s");
            assert.throws(() => goDuration(1.5), SpecError);
        });
    });


    describe("kafka", () => {
        it("derives every internal-topic replication factor from brokerCount", () => {
            assert.deepStrictEqual(internalReplication(1), { replicationFactor: 1, minInsyncReplicas: 1 });
            assert.deepStrictEqual(internalReplication(2), { replicationFactor: 2, minInsyncReplicas: 1 });
            assert.deepStrictEqual(internalReplication(3), { replicationFactor: 3, minInsyncReplicas: 2 });
            assert.deepStrictEqual(internalReplication(5), { replicationFactor: 3, minInsyncReplicas: 2 });
        });

        it("sets every internal replication variable to 1 on one broker", () => {
            const [broker] = kafkaBrokerSpecs(kafkaArgs(1));
            for (const name of KAFKA_REPLICATION_VARIABLES) assert.strictEqual(broker.env[name], "1", name);
            assert.strictEqual(broker.env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR, "1");
            assert.strictEqual(broker.env.KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR, "1");
        });

        it("uses RF 3 and min ISR 2 on three brokers, with one KRaft voter per broker", () => {
            const brokers = kafkaBrokerSpecs(kafkaArgs(3));
            assert.strictEqual(brokers.length, 3);
            for (const b of brokers) {
                for (const name of KAFKA_REPLICATION_VARIABLES) assert.strictEqual(b.env[name], "3", name);
                assert.strictEqual(b.env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR, "2");
                assert.strictEqual(b.env.KAFKA_CONTROLLER_QUORUM_VOTERS, "1@kafka-1:29093,2@kafka-2:29093,3@kafka-3:29093");
            }
            assert.deepStrictEqual(brokers.map((b) => b.env.KAFKA_NODE_ID), ["1", "2", "3"]);
        });

        it("advertises each host listener on the port it publishes, bound to loopback", () => {
            const brokers = kafkaBrokerSpecs(kafkaArgs(3));
            brokers.forEach((b, i) => {
                const port = 9092 + i;
                assert.deepStrictEqual(b.ports, [{ internal: port, external: port, ip: "127.0.0.1" }]);
                assert.match(b.env.KAFKA_ADVERTISED_LISTENERS, new RegExp(`PLAINTEXT_HOST://127\\.0\\.0\\.1:${port}$`));
                assert.match(b.env.KAFKA_ADVERTISED_LISTENERS, new RegExp(`^PLAINTEXT://kafka-${i + 1}:19092`));
            });
            assert.strictEqual(internalBootstrap(kafkaArgs(2)), "kafka-1:19092,kafka-2:19092");
        });

        it("rejects a broker count outside 1..9 and a malformed cluster id", () => {
            throwsField(() => kafkaBrokerSpecs(kafkaArgs(0)), "brokerCount");
            throwsField(() => kafkaBrokerSpecs(kafkaArgs(1.5)), "brokerCount");
            throwsField(() => kafkaBrokerSpecs({ ...kafkaArgs(1), clusterId: "short" }), "clusterId");
            throwsField(() => kafkaBrokerSpecs({ ...kafkaArgs(3), hostPortBase: 65534 }), "hostPortBase");
        });
    });

    describe("connect", () => {
        const base = { image: "c", hostname: "connect", bootstrapServers: "kafka-1:19092", groupId: "g", storageTopicPrefix: "connect", hostPort: 8083, bindIp: "127.0.0.1" };

        it("sets storage replication through the CONNECT_ names the image honours, never the ignored ones", () => {
            const one = connectSpec({ ...base, brokerCount: 1 });
            const three = connectSpec({ ...base, brokerCount: 3 });
            for (const name of CONNECT_REPLICATION_VARIABLES) {
                assert.strictEqual(one.env[name], "1");
                assert.strictEqual(three.env[name], "3");
            }
            for (const ignored of CONNECT_IGNORED) assert.ok(!(ignored in one.env), ignored);
            assert.strictEqual(one.env.CONFIG_STORAGE_TOPIC, "connect_configs");
        });

        it("rejects a storage replication factor above brokerCount", () => {
            throwsField(() => connectSpec({ ...base, brokerCount: 1, storageReplicationFactor: 3 }), "connect.storageReplicationFactor");
        });
    });

    describe("sources", () => {
        it("runs Postgres with wal_level=logical and the slot and sender limits", () => {
            const spec = postgresSpec({ image: "p", hostname: "db-postgres", database: "customer_db", adminUser: "admin", hostPort: 5432, bindIp: "127.0.0.1", maxReplicationSlots: 10, maxWalSenders: 10 });
            assert.deepStrictEqual(spec.command, ["postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10"]);
            // The password reaches the image as POSTGRES_PASSWORD_FILE, a file only root reads (the entrypoint reads it before gosu).
            assert.deepStrictEqual(spec.secretEnv, {});
            assert.strictEqual(spec.env.POSTGRES_PASSWORD_FILE, "/run/secrets/postgres-password");
            assert.strictEqual(spec.env.POSTGRES_PASSWORD, undefined);
            assert.deepStrictEqual(spec.secretFiles, [{ file: "/run/secrets/postgres-password", content: "${SECRET:adminPassword}" }]);
        });

        it("declares tables owned by the replication group, and quotes the CDC password as a literal", () => {
            const table = { schema: "public", name: "users", columns: [{ name: "id", type: "integer", notNull: true }], primaryKey: ["id"] };
            assert.match(postgresTableSql(table, "debezium"), /CREATE TABLE IF NOT EXISTS public\.users \(id integer NOT NULL, PRIMARY KEY \(id\)\);/);
            assert.match(postgresTableSql(table, "debezium"), /OWNER TO cdc_replication_group/);
            assert.match(postgresCdcRoleSql("customer_db", "admin", "debezium", "it's"), /PASSWORD 'it''s'/);
        });

        it("rejects tables without a primary key, with an unknown key column, or with an unsafe identifier", () => {
            throwsField(() => validateTable("tables[0]", { schema: "public", name: "t", columns: [{ name: "a", type: "int" }], primaryKey: [] }), "tables[0].primaryKey");
            throwsField(() => validateTable("tables[0]", { schema: "public", name: "t", columns: [{ name: "a", type: "int" }], primaryKey: ["b"] }), "tables[0].primaryKey");
            throwsField(() => validateTable("tables[0]", { schema: "public", name: "t; drop", columns: [{ name: "a", type: "int" }], primaryKey: ["a"] }), "tables[0].name");
        });

        it("runs MySQL with row binlog, full row images and the server id", () => {
            const spec = mySqlSpec({ image: "m", hostname: "db-mysql", databases: ["sales", "hr"], serverId: 7, hostPort: 3306, bindIp: "127.0.0.1" });
            assert.deepStrictEqual(spec.command, ["--server-id=7", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"]);
            assert.strictEqual(spec.env.MYSQL_DATABASE, "sales");
            assert.strictEqual(spec.env.MYSQL_ROOT_PASSWORD_FILE, "/run/secrets/mysql-root-password");
            assert.deepStrictEqual(spec.secretEnv, {});
            assert.deepStrictEqual(spec.secretFiles, [{ file: "/run/secrets/mysql-root-password", content: "${SECRET:rootPassword}" }]);
            throwsField(() => mySqlSpec({ image: "m", hostname: "h", databases: ["sales"], serverId: 0, hostPort: 3306, bindIp: "127.0.0.1" }), "mysql.serverId");
        });

        it("grants the CDC user exactly Debezium's MySQL privileges", () => {
            const sql = mySqlSetupSql(["sales", "hr"], "debezium", "pw", []);
            assert.match(sql, /CREATE DATABASE IF NOT EXISTS hr;/);
            assert.match(sql, /GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\* TO 'debezium'@'%';/);
        });
    });

    describe("storage, catalog and engines", () => {
        const conn = { catalogName: "minio", catalogUri: "http://iceberg-rest:8181", warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" };

        it("keeps MinIO credentials out of the plain environment", () => {
            const spec = minioSpec({ image: "m", hostname: "minio", apiHostPort: 9000, consoleHostPort: 9001, bindIp: "127.0.0.1" });
            // MinIO reads a relative *_FILE name under /run/secrets; these two names are its image's defaults.
            assert.deepStrictEqual(spec.env, { MINIO_ROOT_USER_FILE: "access_key", MINIO_ROOT_PASSWORD_FILE: "secret_key" });
            assert.deepStrictEqual(spec.secretEnv, {});
            assert.deepStrictEqual(spec.secretFiles, [
                { file: "/run/secrets/access_key", content: "${SECRET:rootUser}" },
                { file: "/run/secrets/secret_key", content: "${SECRET:rootPassword}" },
            ]);
            throwsField(() => minioSpec({ image: "m", hostname: "minio", apiHostPort: 9000, consoleHostPort: 9000, bindIp: "127.0.0.1" }), "minio.consoleHostPort");
        });

        it("persists the catalog database on its volume, path-style S3", () => {
            const spec = catalogSpec({ image: "i", hostname: "iceberg-rest", s3Endpoint: "http://minio:9000", warehouseBucket: "warehouse", hostPort: 8181, bindIp: "127.0.0.1" });
            assert.strictEqual(spec.env.CATALOG_URI, "jdbc:sqlite:file:/tmp/iceberg_catalog.db");
            assert.deepStrictEqual(spec.volumes, [{ role: "data", containerPath: "/tmp" }]);
            assert.strictEqual(spec.env.CATALOG_S3_PATH__STYLE__ACCESS, "true");
        });

        it("gives the catalog its S3 key as an AWS shared credentials file, not in env", () => {
            const spec = catalogSpec({ image: "i", hostname: "iceberg-rest", s3Endpoint: "http://minio:9000", warehouseBucket: "warehouse", hostPort: 8181, bindIp: "127.0.0.1" });
            assert.deepStrictEqual(spec.secretEnv, {});
            assert.strictEqual(spec.env.AWS_SHARED_CREDENTIALS_FILE, "/run/secrets/aws-credentials");
            assert.deepStrictEqual(spec.secretFiles, [{
                file: "/run/secrets/aws-credentials", permissions: "0444",
                content: "[default]\naws_access_key_id = ${SECRET:accessKey}\naws_secret_access_key = ${SECRET:secretKey}\n",
            }]);
        });

        it("names Spark's catalog minio so the seed's minio.test_db.iceberg_table keeps its name", () => {
            const conf = sparkCatalogConf(conn);
            assert.strictEqual(conf["spark.sql.catalog.minio"], "org.apache.iceberg.spark.SparkCatalog");
            assert.strictEqual(conf["spark.sql.catalog.minio.type"], "rest");
            assert.strictEqual(conf["spark.sql.catalog.minio.s3.path-style-access"], "true");
        });

        it("gives Trino a REST Iceberg catalog with native S3 and no legacy hive.s3 keys", () => {
            const props = trinoCatalogProperties(conn);
            assert.match(props, /^connector\.name=iceberg$/m);
            assert.match(props, /^iceberg\.rest-catalog\.uri=http:\/\/iceberg-rest:8181$/m);
            assert.match(props, /^s3\.region=us-east-1$/m);
            assert.doesNotMatch(props, /hive\.s3/);
        });
    });

    describe("topics", () => {
        it("defaults replication and min ISR from the broker count", () => {
            assert.deepStrictEqual(resolveTopic("t", { name: "a" }, 1), { name: "a", partitions: 1, replicationFactor: 1, config: { "min.insync.replicas": "1" } });
            assert.strictEqual(resolveTopic("t", { name: "a" }, 3).config["min.insync.replicas"], "2");
        });

        it("rejects a replication factor above brokerCount and a min ISR above the replication factor", () => {
            throwsField(() => resolveTopic("topics[0]", { name: "a", replicationFactor: 3 }, 1), "topics[0].replicationFactor");
            throwsField(() => resolveTopic("topics[0]", { name: "a", replicationFactor: 2, config: { "min.insync.replicas": "3" } }, 3), "topics[0].config.min.insync.replicas");
            throwsField(() => resolveTopic("topics[0]", { name: "bad name" }, 1), "topics[0].name");
        });
    });
});
