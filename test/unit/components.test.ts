// Every component under pulumi.runtime.setMocks: resources, key inputs, ordering edges, validation.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    DebeziumConnect, IcebergCatalog, KafkaCluster, KafkaTopics, Lakehouse, MySqlSource, Network, ObjectStorage,
    PostgresSource, Spark, Trino, lakehouseArgsFromConfig, readLakehouseConfig,
} from "../../components";
import { MOCK_GENERATED, RecordedResource, construct, envOf, isSecret, labelOf, named, ofType } from "./support/mocks";

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const net = { network: "lakehouse" };

async function constructFails(build: () => unknown): Promise<{ error: Error; records: RecordedResource[] }> {
    let error: Error | undefined;
    const records = await construct(() => {
        try { build(); } catch (e) { error = e as Error; }
    });
    assert.ok(error, "construction should have failed");
    return { error: error!, records };
}

describe("components", () => {
    it("Network makes one bridge network named as asked", async () => {
        const r = await construct(() => new Network("net", { networkName: "lakehouse-dev" }));
        const [n] = ofType(r, "docker:index/network:Network");
        assert.strictEqual(n.inputs.name, "lakehouse-dev");
        assert.strictEqual(n.inputs.driver, "bridge");
        assert.strictEqual(n.parent, "net");
    });

    describe("every service container", () => {
        let records: RecordedResource[];
        before(async () => { records = await construct(() => new Lakehouse("lh", { kafka: { brokerCount: 3 } })); });

        it("has a healthcheck, waits for it, binds ports to 127.0.0.1 and deletes before replacing", () => {
            const containers = ofType(records, CONTAINER);
            assert.strictEqual(containers.length, 12, containers.map((c) => c.name).join());
            for (const c of containers) {
                assert.ok(c.inputs.healthcheck?.tests?.length > 0, `${c.name} healthcheck`);
                assert.strictEqual(c.inputs.wait, true, `${c.name} wait`);
                assert.strictEqual((c.opts as pulumi.CustomResourceOptions).deleteBeforeReplace, true, `${c.name} deleteBeforeReplace`);
                for (const p of c.inputs.ports) assert.strictEqual(p.ip, "127.0.0.1", `${c.name} port ${p.external}`);
                assert.ok(labelOf(c, "lakehouse.role"), `${c.name} role label`);
            }
        });

        it("writes inputs the way the docker provider reads them back: no empty argument, Go-style healthcheck durations", () => {
            // Docker refuses "" in command/entrypoint, and reads durations back as Go's time.Duration.String().
            const goDuration = /^(\d+h)?(\d+m)?\d+s$/;
            for (const c of ofType(records, CONTAINER)) {
                for (const field of ["command", "entrypoints"]) {
                    assert.ok(!(c.inputs[field] ?? []).includes(""), `${c.name} ${field} has an empty value`);
                }
                for (const field of ["interval", "timeout", "startPeriod"]) {
                    const value = c.inputs.healthcheck[field];
                    assert.match(value, goDuration, `${c.name} healthcheck.${field}`);
                    assert.ok(!/^\d{3,}s$|^[6-9]\ds$/.test(value), `${c.name} healthcheck.${field} ${value}: Docker says 1m0s, not 60s`);
                }
            }
        });

        it("parents every resource under its component", () => {
            for (const r of records.filter((x) => !x.type.startsWith("pulumi:pulumi:Stack"))) {
                if (r.name === "lh") continue;
                assert.ok(r.parent, `${r.type} ${r.name} has no parent`);
            }
        });

        it("pins every image to a tag", () => {
            for (const c of ofType(records, CONTAINER)) assert.match(c.inputs.image, /:[^:/]+$/, c.name);
            for (const c of ofType(records, CONTAINER)) assert.doesNotMatch(c.inputs.image, /:latest$/, c.name);
        });
    });

    describe("KafkaCluster", () => {
        it("makes one broker container per broker, and a plaintext provider that waits for all of them", async () => {
            const r = await construct(() => new KafkaCluster("kafka", { ...net, brokerCount: 3 }));
            const brokers = ofType(r, CONTAINER);
            assert.deepStrictEqual(brokers.map((b) => b.inputs.name).sort(), ["lakehouse-kafka-1", "lakehouse-kafka-2", "lakehouse-kafka-3"]);
            for (const b of brokers) assert.strictEqual(envOf(b).KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, "3");
            const [provider] = ofType(r, "pulumi:providers:kafka");
            assert.strictEqual(provider.inputs.tlsEnabled, "false");
            assert.deepStrictEqual(provider.dependsOn.sort(), ["kafka-broker-1", "kafka-broker-2", "kafka-broker-3"]);
            assert.strictEqual(JSON.parse(provider.inputs.bootstrapServers).length, 3);
        });

        it("fails at construction, naming brokerCount, and creates nothing", async () => {
            const { error, records } = await constructFails(() => new KafkaCluster("kafka", { ...net, brokerCount: 0 }));
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error.message, /kafka: invalid brokerCount: must be a whole number from 1 to 9, got 0/);
            assert.strictEqual(ofType(records, CONTAINER).length, 0);
        });
    });

    describe("KafkaTopics", () => {
        it("creates topics through the cluster's provider, after its brokers", async () => {
            const r = await construct(() => {
                const cluster = new KafkaCluster("kafka", { ...net, brokerCount: 3 });
                new KafkaTopics("topics", { cluster, topics: [{ name: "orders", partitions: 6 }] });
            });
            const [topic] = ofType(r, "kafka:index/topic:Topic");
            assert.strictEqual(topic.inputs.name, "orders");
            assert.strictEqual(topic.inputs.replicationFactor, 3);
            assert.strictEqual(topic.inputs.partitions, 6);
            assert.deepStrictEqual(topic.inputs.config, { "min.insync.replicas": "2" });
            assert.strictEqual(topic.provider, "kafka-provider");
            assert.ok(topic.dependsOn.includes("kafka-broker-3"));
        });

        it("rejects a topic replication factor above brokerCount, naming the field", async () => {
            const { error, records } = await constructFails(() => {
                const cluster = new KafkaCluster("kafka", { ...net, brokerCount: 1 });
                new KafkaTopics("topics", { cluster, topics: [{ name: "orders", replicationFactor: 3 }] });
            });
            assert.match(error.message, /topics: invalid topics\[0\]\.replicationFactor: 3 is above brokerCount \(1\)/);
            assert.strictEqual(ofType(records, "kafka:index/topic:Topic").length, 0);
        });
    });

    describe("DebeziumConnect", () => {
        it("sets CONNECT_ storage replication from the brokers and starts after them", async () => {
            const r = await construct(() => {
                const kafka = new KafkaCluster("kafka", { ...net, brokerCount: 3 });
                new DebeziumConnect("connect", { ...net, kafka });
            });
            const c = named(r, "connect-container");
            const env = envOf(c);
            assert.strictEqual(env.CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR, "3");
            assert.strictEqual(env.BOOTSTRAP_SERVERS, "kafka-1:19092,kafka-2:19092,kafka-3:19092");
            assert.ok(!("CONFIG_STORAGE_REPLICATION_FACTOR" in env));
            assert.deepStrictEqual(c.dependsOn.sort(), ["kafka-broker-1", "kafka-broker-2", "kafka-broker-3"]);
        });

        it("rejects storage replication above brokerCount", async () => {
            const { error } = await constructFails(() => {
                const kafka = new KafkaCluster("kafka", { ...net, brokerCount: 1 });
                new DebeziumConnect("connect", { ...net, kafka, storageReplicationFactor: 3 });
            });
            assert.match(error.message, /connect: invalid connect\.storageReplicationFactor/);
        });
    });

    describe("PostgresSource", () => {
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new PostgresSource("pg", { ...net })); });

        it("runs customer_db with wal_level=logical, the password only in a root-only secret file", async () => {
            const c = named(r, "pg-container");
            assert.ok(c.inputs.command.includes("wal_level=logical"));
            assert.strictEqual(envOf(c).POSTGRES_DB, "customer_db");
            assert.strictEqual(envOf(c).POSTGRES_PASSWORD, undefined);
            assert.strictEqual(envOf(c).POSTGRES_PASSWORD_FILE, "/run/secrets/postgres-password");
            assert.ok(!JSON.stringify(c.inputs.envs).includes(MOCK_GENERATED));
            assert.deepStrictEqual(c.inputs.uploads, [{ file: "/run/secrets/postgres-password", content: MOCK_GENERATED, permissions: "0400" }]);
            assert.strictEqual(isSecret(c, "uploads"), true);
        });

        it("declares REPLICA IDENTITY FULL per table as its own resource: FULL on create, DEFAULT on delete", () => {
            const ri = named(r, "pg-replica-identity-public-users");
            assert.match(ri.inputs.create, /ALTER TABLE public\.users REPLICA IDENTITY FULL;/);
            assert.match(ri.inputs.delete, /ALTER TABLE public\.users REPLICA IDENTITY DEFAULT;/);
            assert.deepStrictEqual(ri.dependsOn, ["pg-table-public-users"]);
            // A replacement (new container id) must run DEFAULT before FULL, not after it.
            assert.strictEqual((ri.opts as pulumi.CustomResourceOptions).deleteBeforeReplace, true);
        });

        it("creates the CDC role after the container is healthy, with the password only in secret stdin", async () => {
            const role = named(r, "pg-cdc-role");
            assert.deepStrictEqual(role.dependsOn, ["pg-container"]);
            assert.match(role.inputs.stdin, /CREATE ROLE debezium LOGIN REPLICATION/);
            assert.strictEqual(isSecret(role, "stdin"), true);
            assert.ok(!role.inputs.create.includes(MOCK_GENERATED));
            assert.deepStrictEqual(named(r, "pg-table-public-users").dependsOn, ["pg-cdc-role", "pg-signal-table"]);
        });

        it("runs one schema DDL at a time: each table's after the signal table's and the table before it", async () => {
            // Concurrent GRANT USAGE ON SCHEMA from two sessions fails with "tuple concurrently updated".
            const col = [{ name: "id", type: "int" }];
            const r2 = await construct(() => new PostgresSource("pg", {
                ...net, tables: ["a", "b", "c"].map((name) => ({ schema: "public", name, columns: col, primaryKey: ["id"] })),
            }));
            assert.deepStrictEqual(named(r2, "pg-signal-table").dependsOn, ["pg-cdc-role"]);
            assert.deepStrictEqual(named(r2, "pg-table-public-a").dependsOn, ["pg-cdc-role", "pg-signal-table"]);
            assert.deepStrictEqual(named(r2, "pg-table-public-b").dependsOn, ["pg-cdc-role", "pg-table-public-a"]);
            assert.deepStrictEqual(named(r2, "pg-table-public-c").dependsOn, ["pg-cdc-role", "pg-table-public-b"]);
        });

        it("rejects a table without a primary key before creating anything", async () => {
            const { error, records } = await constructFails(() => new PostgresSource("pg", {
                ...net, tables: [{ schema: "public", name: "t", columns: [{ name: "a", type: "int" }], primaryKey: [] }],
            }));
            assert.match(error.message, /pg: invalid tables\[0\]\.primaryKey/);
            assert.strictEqual(records.filter((x) => x.type !== "lakehouse:source:PostgresSource" && x.type !== "pulumi:pulumi:Stack").length, 0);
        });

        it("uses a configured password instead of generating one", async () => {
            const r2 = await construct(() => new PostgresSource("pg", { ...net, adminPassword: "from-config" }));
            assert.strictEqual(named(r2, "pg-container").inputs.uploads[0].content, "from-config");
            assert.throws(() => named(r2, "pg-admin-password"));
        });
    });

    describe("MySqlSource", () => {
        it("runs row binlog with its server id and sets up sales, hr and the CDC user after start", async () => {
            const r = await construct(() => new MySqlSource("my", { ...net, serverId: 42 }));
            const c = named(r, "my-container");
            assert.deepStrictEqual(c.inputs.command, ["--server-id=42", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"]);
            const setup = named(r, "my-setup");
            assert.deepStrictEqual(setup.dependsOn, ["my-container"]);
            assert.match(setup.inputs.stdin, /CREATE DATABASE IF NOT EXISTS hr;/);
            assert.strictEqual(isSecret(setup, "stdin"), true);
        });

        it("rejects a table in an undeclared database", async () => {
            const { error } = await constructFails(() => new MySqlSource("my", {
                ...net, databases: ["sales"], tables: [{ schema: "hr", name: "t", columns: [{ name: "id", type: "int" }], primaryKey: ["id"] }],
            }));
            assert.match(error.message, /my: invalid tables\[0\]\.schema: names database hr/);
        });

        it("runs Oracle MySQL by default in both image sets", async () => {
            for (const [imageSet, image] of [["local", "pulumi-lakehouse/mysql:9.7.4-2"], ["official", "mysql:9.7.1"]] as const) {
                let src: MySqlSource | undefined;
                const recs = await construct(() => { src = new MySqlSource("my", { ...net, imageSet }); });
                assert.strictEqual(src!.flavour, "mysql");
                assert.strictEqual(named(recs, "my-container").inputs.image, image);
            }
        });

        it("runs MariaDB when asked, from the image set's MariaDB image", async () => {
            for (const [imageSet, image] of [["local", "pulumi-lakehouse/mysql:10.11"], ["official", "mariadb:10.11.15"]] as const) {
                let src: MySqlSource | undefined;
                const recs = await construct(() => { src = new MySqlSource("my", { ...net, imageSet, flavour: "mariadb" }); });
                assert.strictEqual(src!.flavour, "mariadb");
                assert.strictEqual(named(recs, "my-container").inputs.image, image);
            }
        });

        it("stack config: lakehouse:mysqlFlavour reaches the source; an unknown value is refused", () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setConfig("lakehouse:mysqlFlavour", "mariadb");
                const mysql = lakehouseArgsFromConfig(readLakehouseConfig()).mysql;
                assert.strictEqual(mysql && mysql.flavour, "mariadb");
                pulumi.runtime.setConfig("lakehouse:mysqlFlavour", "percona");
                assert.throws(() => readLakehouseConfig(), /lakehouse:mysqlFlavour must be one of mysql, mariadb, got "percona"/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
        });

        it("stack config: lakehouse:mysqlTables replaces the declared tables (ENUM members quoted); a malformed list is refused", async () => {
            const saved = pulumi.runtime.allConfig();
            try {
                const types = { schema: "sales", name: "kinds", columns: [{ name: "id", type: "int" }, { name: "size", type: "enum('s','m','x-large')" }], primaryKey: ["id"] };
                pulumi.runtime.setConfig("lakehouse:mysqlTables", JSON.stringify([types]));
                const args = lakehouseArgsFromConfig(readLakehouseConfig());
                const recs = await construct(() => new MySqlSource("my", { ...net, ...(args.mysql as object) }));
                const setup = named(recs, "my-setup");
                assert.match(setup.inputs.stdin, /CREATE TABLE IF NOT EXISTS sales\.kinds \(id int, size enum\('s','m','x-large'\), PRIMARY KEY \(id\)\);/);
                assert.doesNotMatch(setup.inputs.stdin, /sales\.orders/);
                pulumi.runtime.setConfig("lakehouse:mysqlTables", JSON.stringify({ schema: "sales" }));
                const malformed = lakehouseArgsFromConfig(readLakehouseConfig()).mysql as object;
                const { error } = await constructFails(() => new MySqlSource("my", { ...net, ...malformed }));
                assert.match(error.message, /my: invalid tables: must be a non-empty list of \{ schema, name, columns, primaryKey \}, got \{"schema":"sales"\}/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
        });

        it("refuses a column type that could end the statement", async () => {
            const { error } = await constructFails(() => new MySqlSource("my", {
                ...net, tables: [{ schema: "sales", name: "t", columns: [{ name: "id", type: "int); DROP TABLE x; --" }], primaryKey: ["id"] }],
            }));
            assert.match(error.message, /my: invalid tables\[0\]\.columns\[0\]\.type: is not a plain SQL type/);
        });

        it("rejects an unknown flavour before anything is created", async () => {
            const { error, records } = await constructFails(() => new MySqlSource("my", { ...net, flavour: "percona" as never }));
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error.message, /my: invalid mysql\.flavour: must be one of "mysql", "mariadb", got "percona"/);
            assert.strictEqual(ofType(records, CONTAINER).length, 0);
        });
    });

    describe("ObjectStorage, IcebergCatalog, Spark and Trino", () => {
        let r: RecordedResource[];
        before(async () => {
            r = await construct(() => {
                const storage = new ObjectStorage("s3", { ...net });
                const catalog = new IcebergCatalog("cat", { ...net, storage });
                new Spark("spark", { ...net, storage, catalog });
                new Trino("trino", { ...net, storage, catalog });
            });
        });

        it("creates the warehouse, checkpoints and spark-test buckets through a MinIO provider that waits for MinIO", () => {
            const buckets = ofType(r, "minio:index/s3Bucket:S3Bucket");
            assert.deepStrictEqual(buckets.map((b) => b.inputs.bucket).sort(), ["checkpoints", "spark-test", "warehouse"]);
            for (const b of buckets) assert.strictEqual(b.provider, "s3-provider");
            assert.deepStrictEqual(named(r, "s3-provider").dependsOn, ["s3-container"]);
        });

        it("starts the catalog after the warehouse bucket, with its database on a volume", () => {
            const c = named(r, "cat-container");
            assert.ok(c.dependsOn.includes("s3-bucket-warehouse"));
            assert.deepStrictEqual(c.inputs.volumes.map((v: any) => v.containerPath), ["/tmp"]);
        });

        it("writes the engines' catalog files with the S3 secret filled in, as secrets", async () => {
            const trino = named(r, "trino-container");
            const upload = trino.inputs.uploads[0];
            assert.strictEqual(upload.file, "/etc/trino/catalog/minio.properties");
            assert.match(upload.content, new RegExp(`s3\\.aws-secret-key=${MOCK_GENERATED}`));
            assert.strictEqual(isSecret(trino, "uploads"), true);
            const spark = named(r, "spark-container");
            assert.match(spark.inputs.uploads[0].content, /spark\.sql\.catalog\.minio\.uri http:\/\/iceberg-rest:8181/);
            assert.match(spark.inputs.uploads[0].content, /spark\.jars\.packages org\.apache\.iceberg:iceberg-spark-runtime-/);
        });

        it("rejects a bucket name S3 would refuse", async () => {
            const { error } = await constructFails(() => new ObjectStorage("s3", { ...net, buckets: ["Bad_Bucket"] }));
            assert.match(error.message, /s3: invalid buckets\[0\]: must be a valid S3 bucket name/);
        });

        it("takes another checkpoint bucket, validated like the others and not twice", async () => {
            const other = await construct(() => new ObjectStorage("s3", { ...net, checkpointBucket: "spark-state" }));
            assert.deepStrictEqual(ofType(other, "minio:index/s3Bucket:S3Bucket").map((b) => b.inputs.bucket).sort(), ["spark-state", "spark-test", "warehouse"]);
            const bad = await constructFails(() => new ObjectStorage("s3", { ...net, checkpointBucket: "ck" }));
            assert.match(bad.error.message, /s3: invalid checkpointBucket: must be a valid S3 bucket name/);
            const dup = await constructFails(() => new ObjectStorage("s3", { ...net, checkpointBucket: "warehouse" }));
            assert.match(dup.error.message, /s3: invalid buckets: names warehouse twice/);
        });
    });

    describe("Lakehouse", () => {
        it("declares a CDC topic for every captured table and signaling table, plus the MySQL schema history", async () => {
            const r = await construct(() => new Lakehouse("lh"));
            assert.deepStrictEqual(ofType(r, "kafka:index/topic:Topic").map((t) => t.inputs.name).sort(), [
                "dbserver1.public.debezium_signal", "dbserver1.public.users", "mysqlserver1.hr.employees",
                "mysqlserver1.sales.debezium_signal", "mysqlserver1.sales.orders", "mysqlserver1.schema-history",
            ]);
        });

        it("rejects a signaling table that is a captured table or outside the MySQL databases, before anything is created", async () => {
            const pg = await constructFails(() => new Lakehouse("lh", { postgres: { signalTable: "public.users" } }));
            assert.match(pg.error.message, /invalid postgres\.signalTable: is public\.users, a captured table/);
            assert.ok(!pg.records.some((x) => x.name === "lh-postgres-container"), "no database container is declared");
            const my = await constructFails(() => new Lakehouse("lh", { mysql: { signalTable: "ops.debezium_signal" } }));
            assert.match(my.error.message, /invalid mysql\.signalTable: names database ops, which is not in databases \(sales, hr\)/);
            const bad = await constructFails(() => new Lakehouse("lh", { postgres: { signalTable: "Public.Sig" } }));
            assert.match(bad.error.message, /invalid postgres\.signalTable: signal collection "Public\.Sig" must be/);
        });

        it("leaves a source out when it is set to false", async () => {
            const r = await construct(() => new Lakehouse("lh", { mysql: false }));
            assert.strictEqual(ofType(r, "lakehouse:source:MySqlSource").length, 0);
            assert.ok(!ofType(r, "kafka:index/topic:Topic").some((t) => t.inputs.name.startsWith("mysqlserver1")));
        });

        it("lets the user's args win over the defaults", async () => {
            const r = await construct(() => new Lakehouse("lh", { namePrefix: "x", bindIp: "127.0.0.2", postgres: { hostPort: 15432 } }));
            const pg = named(r, "lh-postgres-container");
            assert.strictEqual(pg.inputs.name, "x-db-postgres");
            assert.deepStrictEqual(pg.inputs.ports.map((p: any) => [p.ip, p.external]), [["127.0.0.2", 15432]]);
        });
    });
});

describe("Lakehouse connectors", () => {
    let r: RecordedResource[];
    before(async () => { r = await construct(() => new Lakehouse("lh", { imageSet: "local" })); });

    it("registers the seed's inventory-connector after Connect, Kafka, the topics and the Postgres setup", () => {
        const c = named(r, "lh-postgres-connector");
        assert.strictEqual(c.inputs.name, "inventory-connector");
        assert.strictEqual(c.inputs.config["plugin.name"], "pgoutput");
        assert.strictEqual(c.inputs.config["topic.prefix"], "dbserver1");
        assert.strictEqual(c.inputs.config["database.hostname"], "db-postgres");
        for (const dep of ["lh-connect-container", "lh-kafka-broker-1", "lh-topics", "lh-postgres-replica-identity-public-users", "lh-postgres-cdc-role"]) {
            assert.ok(c.dependsOn.includes(dep), `missing edge to ${dep}: ${c.dependsOn}`);
        }
        assert.ok(isSecret(c, "secretConfig"));
        assert.ok(!JSON.stringify(c.inputs.config).includes(MOCK_GENERATED));
    });

    it("uses Debezium's MySQL connector with the local images, a server id of its own and the declared history topic", () => {
        const c = named(r, "lh-mysql-connector");
        assert.strictEqual(c.inputs.name, "mysql-connector");
        assert.strictEqual(c.inputs.config["connector.class"], "io.debezium.connector.mysql.MySqlConnector");
        assert.strictEqual(c.inputs.config["database.server.id"], "184054");
        assert.strictEqual(c.inputs.config["schema.history.internal.kafka.topic"], "mysqlserver1.schema-history");
        assert.ok(c.dependsOn.includes("lh-mysql-setup"));
    });

    it("captures MariaDB with MariaDB's connector when the flavour says so", async () => {
        const recs = await construct(() => new Lakehouse("lh", { imageSet: "local", mysql: { flavour: "mariadb" } }));
        const c = named(recs, "lh-mysql-connector");
        assert.strictEqual(c.inputs.name, "mariadb-connector");
        assert.strictEqual(c.inputs.config["connector.class"], "io.debezium.connector.mariadb.MariaDbConnector");
        assert.strictEqual(named(recs, "lh-mysql-container").inputs.image, "pulumi-lakehouse/mysql:10.11");
    });

    it("gives both connectors Debezium's source signaling channel, after their signaling tables exist", async () => {
        const sources = [
            { connector: "lh-postgres-connector", table: "lh-postgres-signal-table", collection: "public.debezium_signal", client: /^docker exec -i lakehouse-db-postgres psql .* -U admin -d customer_db$/ },
            { connector: "lh-mysql-connector", table: "lh-mysql-signal-table", collection: "sales.debezium_signal", client: /^docker exec -i lakehouse-db-mysql sh -c MYSQL_PWD="\$\(cat \/run\/secrets\/mysql-root-password\)" exec mysql -uroot$/ },
        ];
        for (const s of sources) {
            const c = named(r, s.connector);
            assert.strictEqual(c.inputs.config["signal.enabled.channels"], "source");
            assert.strictEqual(c.inputs.config["signal.data.collection"], s.collection);
            assert.strictEqual(c.inputs.signal.collection, s.collection);
            assert.match(c.inputs.signal.command.join(" "), s.client);
            assert.ok(!c.inputs.config["table.include.list"].split(",").includes(s.collection), "the signaling table is not a captured table");
            assert.ok(c.dependsOn.includes(s.table), `${s.connector} waits for ${s.table}`);
            const ddl = named(r, s.table);
            assert.match(ddl.inputs.stdin, new RegExp(`CREATE TABLE IF NOT EXISTS ${s.collection.replace(".", "\\.")} \\(id VARCHAR\\(42\\) PRIMARY KEY`));
            assert.match(ddl.inputs.stdin, /GRANT SELECT, INSERT, UPDATE, DELETE ON \S+ TO '?debezium/);
            assert.ok(!JSON.stringify(c.inputs.signal).includes(MOCK_GENERATED), "no password in the signal channel");
        }
        assert.match(named(r, "lh-postgres-signal-table").inputs.stdin, /ALTER TABLE public\.debezium_signal OWNER TO cdc_replication_group;/);
    });

    it("passes extra Debezium settings from the stack config to the connector", async () => {
        const recs = await construct(() => new Lakehouse("lh", { connectors: { postgresExtraConfig: { "heartbeat.interval.ms": "10000" } } }));
        assert.strictEqual(named(recs, "lh-postgres-connector").inputs.config["heartbeat.interval.ms"], "10000");
    });

    it("rejects a connector server id equal to the MySQL server's", async () => {
        const { error } = await constructFails(() => new Lakehouse("lh", { connectors: { mySqlServerId: 1 } }));
        assert.match(error.message, /lh: invalid connectors\.mySqlServerId: must differ from the MySQL server's own server id \(1\)/);
    });
});
