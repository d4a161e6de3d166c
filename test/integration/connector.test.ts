// The connector provider against a real Kafka broker, a real Connect worker with Debezium and a real
// Postgres, all from the project's local images, on a user-defined Docker network with every port on
// 127.0.0.1. The provider's functions are called directly (a full `pulumi up` is tested elsewhere).
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Consumer, Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { createConnectorProvider, mySqlConnector, postgresConnector, RetryEvent } from "../../components/connector";
import { CONNECT_STORAGE_REPLICATION, KAFKA_INTERNAL_MIN_ISR, KAFKA_INTERNAL_REPLICATION } from "../../components/core/settings";
import { createNetwork, exec, imageExists, removeNetwork, rm, run, waitFor, freePort } from "../support/docker";

const versions = require(path.resolve(__dirname, "../../versions.json"));
const IMAGES = {
    postgres: `pulumi-lakehouse/postgres:${versions.localImages.postgres}`,
    kafka: `pulumi-lakehouse/kafka:${versions.localImages.kafka}`,
    connect: `pulumi-lakehouse/connect:${versions.localImages.debezium}`,
    mysql: `pulumi-lakehouse/mysql:${versions.localImages.mysql}`,
    mariadb: `pulumi-lakehouse/mysql:${versions.localImages.mariadb}`,
};

/** A port on 127.0.0.1 that nothing listens on, to publish a container port on. */
/** Like waitFor, for probes that throw until ready and then return a value. */
function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    return waitFor(what, probe, timeoutMs, 500) as Promise<T>;
}

interface ChangeEvent { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }

describe("Connector provider against Kafka Connect with Debezium and Postgres", function () {
    this.timeout(600000);
    const id = `${process.pid}-${randomBytes(3).toString("hex")}`;
    const network = `lh-connector-it-${id}`;
    /** Host directories mounted into the test's containers, removed with them. */
    const tempDirs: string[] = [];
    const names = { postgres: `lh-cit-postgres-${id}`, kafka: `lh-cit-kafka-${id}`, connect: `lh-cit-connect-${id}`, mysql: `lh-cit-mysql-${id}`, mariadb: `lh-cit-mariadb-${id}` };
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const topic = "dbserver1.public.users";
    const retries: RetryEvent[] = [];
    // The worker takes up to two minutes to start on a loaded machine: allow five for the first create.
    const provider = createConnectorProvider({ pollIntervalMs: 500, retry: { maxElapsedMs: 300000 }, onRetry: (event) => retries.push(event) });
    const events: ChangeEvent[] = [];
    let connectUrl = "";
    let pg: Client;
    let kafka: Kafka;
    let consumer: Consumer | undefined;
    let created: { id: string; outs?: any };
    const spec = () => postgresConnector({
        hostname: names.postgres,
        user: "admin",
        password,
        dbname: "customer_db",
        tables: ["users"],
        extraConfig: { "heartbeat.interval.ms": "5000" },
    });
    const inputs = (overrides: Record<string, unknown> = {}): any => ({ connectUrl, ...spec(), waitTimeoutSeconds: 180, ...overrides });

    async function waitForEvent(what: string, predicate: (e: ChangeEvent) => boolean, timeoutMs = 60000): Promise<ChangeEvent> {
        return until(what, timeoutMs, async () => events.find(predicate));
    }

    before(async function () {
        const missing = Object.values(IMAGES).filter((image) => !imageExists(image));
        if (missing.length > 0) throw new Error(`local images missing: ${missing.join(", ")}; build them with \`make images\` (scripts/images.sh)`);

        await createNetwork(network);
        const pgPort = await freePort();
        await run({
            name: names.postgres, image: IMAGES.postgres, network, ports: { 5432: pgPort },
            env: { POSTGRES_USER: "admin", POSTGRES_PASSWORD: password, POSTGRES_DB: "customer_db" },
            args: ["postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10"],
        });

        // Oracle MySQL, for the connector's answers to a config Connect refuses (not awaited: it starts meanwhile).
        await run({ name: names.mysql, image: IMAGES.mysql, network, env: { MYSQL_ROOT_PASSWORD: password, MYSQL_DATABASE: "sales" } });
        // MariaDB (the mariadb flavour) with the server arguments the library gives it, and a table to capture.
        const init = fs.mkdtempSync(path.join(os.tmpdir(), "lh-cit-mariadb-"));
        tempDirs.push(init);
        fs.chmodSync(init, 0o755);
        fs.writeFileSync(path.join(init, "10-orders.sql"), "CREATE TABLE orders (id int PRIMARY KEY, status varchar(32));\nINSERT INTO orders VALUES (1, 'new');\n");
        fs.chmodSync(path.join(init, "10-orders.sql"), 0o644);
        await run({
            name: names.mariadb, image: IMAGES.mariadb, network, env: { MYSQL_ROOT_PASSWORD: password, MYSQL_DATABASE: "sales" },
            volumes: [`${init}:/docker-entrypoint-initdb.d:ro`],
            args: ["--server-id=7", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"],
        });

        const kafkaPort = await freePort(); // the host listener's port must equal its advertised port
        const replication = Object.fromEntries(
            [...Object.values(KAFKA_INTERNAL_REPLICATION), ...Object.keys(KAFKA_INTERNAL_MIN_ISR)].map((v) => [v, "1"]));
        await run({
            name: names.kafka, image: IMAGES.kafka, network, ports: { [kafkaPort]: kafkaPort },
            env: {
                KAFKA_NODE_ID: "1",
                KAFKA_PROCESS_ROLES: "broker,controller",
                KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${names.kafka}:29093`,
                KAFKA_LISTENERS: `CONTROLLER://:29093,PLAINTEXT://:19092,PLAINTEXT_HOST://:${kafkaPort}`,
                KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${names.kafka}:19092,PLAINTEXT_HOST://127.0.0.1:${kafkaPort}`,
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
                KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
                CLUSTER_ID: randomBytes(16).toString("base64url"),
                ...replication,
            },
        });

        pg = await until("postgres", 120000, async () => {
            const client = new Client({ host: "127.0.0.1", port: pgPort, user: "admin", password, database: "customer_db" });
            client.on("error", () => undefined);
            await client.connect();
            await client.query("SELECT 1");
            return client;
        });
        await pg.query("CREATE TABLE public.users (id serial PRIMARY KEY, name text NOT NULL, email text, city text)");
        await pg.query("ALTER TABLE public.users REPLICA IDENTITY FULL");
        await pg.query("INSERT INTO public.users (name, email, city) VALUES ('ada', 'ada@example.org', 'London')");

        kafka = new Kafka({ clientId: "connector-it", brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
        await until("kafka", 120000, async () => {
            const admin = kafka.admin();
            await admin.connect();
            await admin.listTopics();
            await admin.disconnect();
            return true;
        });

        // Connect starts last and is not awaited: the first create has to wait for it (refused connections).
        const connectPort = await freePort();
        await run({
            name: names.connect, image: IMAGES.connect, network, ports: { 8083: connectPort },
            env: {
                BOOTSTRAP_SERVERS: `${names.kafka}:19092`,
                GROUP_ID: "connector-it",
                CONFIG_STORAGE_TOPIC: "connect_configs",
                OFFSET_STORAGE_TOPIC: "connect_offsets",
                STATUS_STORAGE_TOPIC: "connect_statuses",
                CONNECT_OFFSET_FLUSH_INTERVAL_MS: "1000",
                ...Object.fromEntries(Object.values(CONNECT_STORAGE_REPLICATION).map((v) => [v, "1"])),
            },
        });
        connectUrl = `http://127.0.0.1:${connectPort}`;
    });

    after(async function () {
        await consumer?.disconnect().catch(() => undefined);
        await pg?.end().catch(() => undefined);
        if (process.env.KEEP_CONTAINERS !== "1") {
            for (const name of Object.values(names)) await rm(name);
            await removeNetwork(network);
            for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("creates the connector while the worker starts (reset connections and bare 404s retried) and reaches RUNNING", async () => {
        const started = Date.now();
        created = await provider.create(inputs());
        console.log(`      create: ${Date.now() - started} ms, ${retries.length} retries (${[...new Set(retries.map((r) => r.reason))].join(", ")})`);
        assert.strictEqual(created.id, "inventory-connector");
        assert.strictEqual(created.outs.connectorState, "RUNNING");
        assert.deepStrictEqual(created.outs.taskStates, ["RUNNING"]);
        assert.ok(retries.some((r) => r.reason === "ECONNREFUSED" || r.reason === "ECONNRESET" || r.reason === "503"), JSON.stringify(retries));
    });

    it("streams an insert into public.users to dbserver1.public.users", async () => {
        await until(`topic ${topic}`, 60000, async () => {
            const admin = kafka.admin();
            await admin.connect();
            const topics = await admin.listTopics();
            await admin.disconnect();
            return topics.includes(topic) ? true : undefined;
        });
        consumer = kafka.consumer({ groupId: `connector-it-${id}` });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
            eachMessage: async ({ message }) => {
                if (!message.value) return; // tombstone
                const value = JSON.parse(message.value.toString());
                events.push(value.payload ?? value);
            },
        });
        await waitForEvent("snapshot of ada", (e) => e.op === "r" && e.after?.name === "ada");
        await pg.query("INSERT INTO public.users (name, email, city) VALUES ('grace', 'grace@example.org', 'Arlington')");
        const insert = await waitForEvent("insert of grace", (e) => e.op === "c" && e.after?.name === "grace");
        assert.deepStrictEqual(insert.after, { id: 2, name: "grace", email: "grace@example.org", city: "Arlington" });
    });

    it("with REPLICA IDENTITY FULL, an update's before carries every column", async () => {
        await pg.query("UPDATE public.users SET city = 'Paris' WHERE name = 'ada'");
        const update = await waitForEvent("update of ada", (e) => e.op === "u" && e.after?.name === "ada");
        assert.deepStrictEqual(update.before, { id: 1, name: "ada", email: "ada@example.org", city: "London" });
        assert.deepStrictEqual(update.after, { id: 1, name: "ada", email: "ada@example.org", city: "Paris" });
    });

    it("keeps the password out of the outputs of create and read, and read shows no diff for worker-added keys", async () => {
        const read = await provider.read!(created.id, created.outs);
        assert.strictEqual(read.id, "inventory-connector");
        for (const outs of [created.outs, read.props]) {
            assert.ok(!JSON.stringify(outs).includes(password), JSON.stringify(outs));
            assert.deepStrictEqual(outs.secretConfigKeys, ["database.password"]);
        }
        const live = await fetch(`${connectUrl}/connectors/inventory-connector/config`).then((r) => r.json());
        assert.strictEqual(live["database.password"], password, "the worker itself does hold the password");
        assert.ok(Object.keys(live).length > Object.keys(read.props.config).length, "the worker adds keys (name at least)");
        assert.deepStrictEqual(await provider.diff!(created.id, read.props, inputs()), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("passes check for a valid config and fails it with the field's message for an invalid one", async () => {
        const valid = await provider.check!({}, inputs());
        assert.deepStrictEqual(valid.failures, []);
        const invalid = await provider.check!({}, inputs({ config: { ...spec().config, "snapshot.mode": "bogus", "topic.prefix": "" } }));
        console.log(`      check failures: ${JSON.stringify(invalid.failures)}`);
        const properties = invalid.failures!.map((f) => f.property);
        assert.ok(properties.includes('config["snapshot.mode"]'), JSON.stringify(invalid.failures));
        assert.ok(properties.includes('config["topic.prefix"]'), JSON.stringify(invalid.failures));
        for (const failure of invalid.failures!) assert.ok(failure.reason.length > 0);
        const wrongPassword = await provider.check!({}, inputs({ secretConfig: { "database.password": `${password}-wrong` } }));
        console.log(`      check failures (wrong password): ${JSON.stringify(wrongPassword.failures)}`);
        assert.ok(wrongPassword.failures!.length > 0, "Debezium tests the connection during validation");
        assert.ok(!JSON.stringify(wrongPassword.failures).includes(password));
    });

    it("updates a config change in place (same id) and the change takes effect", async () => {
        const news = inputs({ config: { ...spec().config, "column.exclude.list": "public.users.email" } });
        assert.deepStrictEqual(await provider.diff!(created.id, created.outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
        const updated = await provider.update!(created.id, created.outs, news);
        assert.strictEqual(updated.outs.name, created.id);
        assert.strictEqual(updated.outs.connectorState, "RUNNING");
        assert.strictEqual(updated.outs.config["column.exclude.list"], "public.users.email");
        const read = await provider.read!(created.id, updated.outs);
        assert.strictEqual(read.id, created.id);
        await pg.query("INSERT INTO public.users (name, email, city) VALUES ('linus', 'linus@example.org', 'Helsinki')");
        const insert = await waitForEvent("insert of linus", (e) => e.op === "c" && e.after?.name === "linus");
        assert.ok(!("email" in insert.after!), `email excluded after the update: ${JSON.stringify(insert.after)}`);
        created = { id: created.id, outs: updated.outs };
    });

    it("retries the rebalance answers that concurrent updates meet, and converges to RUNNING", async () => {
        // A one-task connector's update rarely makes the worker refuse anything: Kafka Connect 4.3 queues
        // concurrent PUTs. Requests that arrive while a rebalance is pending are refused (409, or 500
        // "a rebalance is expected" in 4.x), so each wave also adds and removes a second connector while
        // readers keep the herder's queue full, until a refusal has been met and retried.
        const before = retries.length;
        const rebalances = () => retries.slice(before).filter((r) => r.reason === "409" || r.reason === "500 (rebalance expected)");
        const churnConfig = { ...spec().config, "topic.prefix": "churn", "slot.name": "debezium_churn", "publication.name": "dbz_churn" };
        let heartbeat = 6000;
        let last: any;
        let waves = 0;
        let reads = 0;
        const started = Date.now();
        while (waves < 5 && (waves === 0 || rebalances().length === 0)) {
            waves++;
            let busy = true;
            const readers = Array.from({ length: 48 }, async () => {
                while (busy) {
                    assert.strictEqual((await provider.read!(created.id, created.outs)).id, created.id);
                    reads++;
                }
            });
            const values = [1, 2, 3, 4].map(() => String((heartbeat += 1000)));
            const updates = Promise.all(values.map((ms) =>
                provider.update!(created.id, created.outs, inputs({ config: { ...created.outs.config, "heartbeat.interval.ms": ms } }))));
            const churn = (async () => {
                const extra = await provider.create(inputs({ name: "inventory-churn", config: churnConfig }));
                await provider.delete!(extra.id, extra.outs);
            })();
            try {
                const [results] = await Promise.all([updates, churn]);
                for (const result of results) assert.strictEqual(result.outs.connectorState, "RUNNING");
                last = { values, outs: results[0].outs };
            } finally {
                busy = false;
                await Promise.all(readers);
            }
        }
        const seen = retries.slice(before).map((r) => `${r.method} ${r.path.split("/").pop()} ${r.reason}`);
        console.log(`      ${waves} wave(s), ${Date.now() - started} ms, ${reads} reads, ${rebalances().length} rebalance refusals retried: ${[...new Set(seen)].join("; ")}`);
        assert.ok(rebalances().length > 0, "the worker refused at least one request for a rebalance, and it was retried");
        const live = await fetch(`${connectUrl}/connectors/inventory-connector/config`).then((r) => r.json());
        assert.ok(last.values.includes(live["heartbeat.interval.ms"]), "the last wave's concurrent updates converged on one of their values");
        const status = await fetch(`${connectUrl}/connectors/inventory-connector/status`).then((r) => r.json());
        assert.strictEqual(status.connector.state, "RUNNING");
        created = { id: created.id, outs: last.outs };
    });

    it("fails create with the task's trace when a task is FAILED (a publication that does not exist)", async () => {
        const broken = inputs({
            name: "inventory-broken",
            waitTimeoutSeconds: 120,
            config: {
                ...spec().config,
                "topic.prefix": "dbserver9",
                "slot.name": "debezium_broken",
                "publication.name": "dbz_missing",
                "publication.autocreate.mode": "disabled",
            },
        });
        try {
            const error: any = await provider.create(broken).then(() => undefined, (e) => e);
            assert.ok(error, "create must fail");
            console.log(`      ${error.message.split("\n").slice(0, 2).join(" | ")}`);
            assert.match(error.message, /inventory-broken: task 0 FAILED on .*:\n/);
            assert.match(error.message, /publication/i);
            assert.match(error.message, /\n\s+at /, "the Java stack trace is included");
            assert.ok(!error.message.includes(password));
            assert.strictEqual(error.id, "inventory-broken", "the id travels with the error so Pulumi keeps it in state");
            assert.ok(!JSON.stringify(error.properties).includes(password));
        } finally {
            await provider.delete!("inventory-broken", { connectUrl, name: "inventory-broken" });
        }
    });

    describe("the mariadb flavour: Debezium's MariaDbConnector on MariaDB", () => {
        it("snapshots the table, streams an insert and an update with the full before row, and deletes cleanly", async () => {
            const spec = {
                connectUrl, waitTimeoutSeconds: 240,
                ...mySqlConnector({
                    flavour: "mariadb", hostname: names.mariadb, user: "root", password, serverId: 184077, topicPrefix: "mariadb1",
                    databases: ["sales"], tables: ["sales.orders"], bootstrapServers: `${names.kafka}:19092`,
                }),
            };
            assert.strictEqual(spec.config["connector.class"], "io.debezium.connector.mariadb.MariaDbConnector");
            const seen: ChangeEvent[] = [];
            const mariaConsumer = kafka.consumer({ groupId: `connector-it-mariadb-${id}` });
            const made = await until("the MariaDB connector RUNNING", 300000, async () =>
                provider.create(spec).catch((e) => { if (/Access denied|connect/i.test(String(e))) return undefined; throw e; }));
            try {
                assert.strictEqual(made.outs.connectorState, "RUNNING");
                await until("topic mariadb1.sales.orders", 120000, async () => {
                    const admin = kafka.admin();
                    await admin.connect();
                    const topics = await admin.listTopics();
                    await admin.disconnect();
                    return topics.includes("mariadb1.sales.orders") ? true : undefined;
                });
                await mariaConsumer.connect();
                await mariaConsumer.subscribe({ topic: "mariadb1.sales.orders", fromBeginning: true });
                await mariaConsumer.run({ eachMessage: async ({ message }) => {
                    if (!message.value) return;
                    const value = JSON.parse(message.value.toString());
                    seen.push(value.payload ?? value);
                } });
                const event = (what: string, p: (e: ChangeEvent) => boolean) => until(what, 120000, async () => seen.find(p));
                assert.deepStrictEqual((await event("snapshot", (e) => e.op === "r")).after, { id: 1, status: "new" });
                const sql = (q: string) => exec(names.mariadb, ["mariadb", "-uroot", `-p${password}`, "sales", "-e", q]);
                await sql("INSERT INTO orders VALUES (2, 'paid'); UPDATE orders SET status = 'shipped' WHERE id = 1;");
                assert.deepStrictEqual((await event("insert", (e) => e.op === "c")).after, { id: 2, status: "paid" });
                const update = await event("update", (e) => e.op === "u");
                assert.deepStrictEqual([update.before, update.after], [{ id: 1, status: "new" }, { id: 1, status: "shipped" }]);
            } finally {
                await mariaConsumer.disconnect().catch(() => undefined);
                await provider.delete!(made.id, { ...made.outs, resetOffsetsOnDelete: true });
            }
            assert.deepStrictEqual((await fetch(`${connectUrl}/connectors`).then((r) => r.json())), []);
        });
    });

    describe("a MySQL connector config that Connect refuses (Kafka 4.3 answers its PUT with an opaque HTTP 500)", () => {
        const mySpec = (hostname: string, pw: string) => ({
            connectUrl, waitTimeoutSeconds: 60,
            ...mySqlConnector({
                name: "sales-refused", hostname, user: "root", password: pw, serverId: 184054, topicPrefix: "refused1",
                databases: ["sales"], bootstrapServers: `${names.kafka}:19092`,
            }),
        });
        const connectors = async () => (await fetch(`${connectUrl}/connectors`).then((r) => r.json())) as string[];

        before(async function () {
            // The server must be up, so that a wrong password is refused by MySQL itself.
            await until("mysql", 240000, async () => {
                const out = await fetch(`${connectUrl}/connector-plugins/io.debezium.connector.mysql.MySqlConnector/config/validate`, {
                    method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(
                        Object.fromEntries(Object.entries({ ...mySpec(names.mysql, password).config, ...mySpec(names.mysql, password).secretConfig, name: "probe" }).map(([k, v]) => [k, String(v)]))),
                }).then((r) => r.json()) as any;
                return out.configs.every((c: any) => !c.value || c.value.errors.length === 0) ? true : undefined;
            });
        });

        it("a wrong password: create fails with the validation message per setting, and leaves no connector", async () => {
            const wrong = `${password}-wrong`;
            const error: any = await provider.create(mySpec(names.mysql, wrong)).then(() => undefined, (e) => e);
            assert.ok(error, "create must fail");
            console.log(`      ${error.message.replace(/\n/g, " | ")}`);
            assert.match(error.message, /connector sales-refused: Kafka Connect refused its config \(HTTP (400|500)/);
            assert.match(error.message, /\n {2}database\.hostname: Unable to connect: Access denied for user 'root'/);
            assert.ok(!error.message.includes(password), "the password stays out of the message");
            assert.deepStrictEqual(await connectors(), []);
            // check says the same before anything is attempted (MySQL answered, so it is a real failure).
            const checked = await provider.check!({}, mySpec(names.mysql, wrong));
            assert.deepStrictEqual(checked.failures!.map((f) => f.property), ['config["database.hostname"]']);
            assert.match(checked.failures![0].reason, /Access denied/);
        });

        it("an unreachable database: create fails with the validation message per setting, and leaves no connector", async () => {
            const error: any = await provider.create(mySpec(`lh-cit-nowhere-${id}`, password)).then(() => undefined, (e) => e);
            assert.ok(error, "create must fail");
            console.log(`      ${error.message.replace(/\n/g, " | ")}`);
            assert.match(error.message, /connector sales-refused: Kafka Connect refused its config \(HTTP (400|500)/);
            assert.match(error.message, /\n {2}database\.hostname: .*(connect|connection)/i);
            assert.doesNotMatch(error.message, /ConfigValueInfo|NullPointer|Cannot invoke/);
            assert.deepStrictEqual(await connectors(), []);
        });
    });

    it("deletes with an offset reset, and a connector recreated under the same name snapshots again", async () => {
        const snapshotsBefore = events.filter((e) => e.op === "r").length;
        await provider.delete!(created.id, { ...created.outs, resetOffsetsOnDelete: true });
        const gone = await fetch(`${connectUrl}/connectors/inventory-connector`);
        assert.strictEqual(gone.status, 404);
        assert.strictEqual((await provider.read!(created.id, created.outs)).id, "");
        await provider.delete!(created.id, created.outs); // 404 counts as gone

        created = await provider.create(inputs());
        await until("a fresh snapshot", 60000, async () => (events.filter((e) => e.op === "r").length >= snapshotsBefore + 3 ? true : undefined));
        await provider.delete!(created.id, created.outs);
        assert.strictEqual((await fetch(`${connectUrl}/connectors`).then((r) => r.json())).length, 0);
    });
});
