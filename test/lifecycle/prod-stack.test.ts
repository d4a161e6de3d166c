// The prod stack file (Pulumi.prod.yaml: three brokers, keepVolumes, its MinIO root user, ...) deployed
// for real through the CLI as `make up` drives it, with the local images (no registry here), its own
// loopback address (127.0.0.4), name prefix and file backend, and the policy pack at its prod levels
// (every policy mandatory; only the allowed host address is this stack's).
// Then the broker outage it is built for: changes flow into Postgres and MySQL (a row every 100 ms per
// table), the broker that leads most CDC partitions is killed for a minute and healed with `make heal`;
// the connectors and their tasks stay RUNNING throughout, no acknowledged row is lost, and the mirrors
// equal the sources. The replication the brokers really apply is read through the Kafka admin API.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";
import * as https from "https";
import axios from "axios";
import { DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Admin, ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import * as mysql from "mysql2/promise";
import { Client as PgClient } from "pg";
import type { TableSpec } from "../../components/specs/postgres";
import { ok as cliOk, named, sh } from "../support/cli";
import { docker } from "../support/docker";
import { ROOT, envFromEnvSh, revealedValue } from "../support/pulumi";
import {
    ConnectLogin, KafkaLogin, TrinoLogin, connectRequest, containerEnv, containerSecret, kafkaClient, readSecretOutput, trino, trinoRequest, waitUntil,
    s3Client, withConnectLogin, withKafkaLogin, withMinioCa, withTrinoLogin,
} from "../../tools/clients";
import { CONSUMERS, code, keyOf } from "../support/minio-keys";
import { valueFor, verifyLakehouse } from "../../tools/verify";

const STACK = "e2e-prod";
const PREFIX = "lakehouse-e2e-prod";
const BIND_IP = "127.0.0.4";
// REFERENCE.md, "Kafka single broker": "Three brokers: RF 3, min ISR 2".
const THREE_BROKERS = { replicationFactor: 3, minIsr: 2 };
const OUTAGE_MS = 60_000;
const WRITE_EVERY_MS = 100;
/** The longest a connector may show UNASSIGNED/RESTARTING at a stretch: the moment of a group rebalance. */
const MAX_NOT_RUNNING_MS = 60_000;


/** A captured table the writer changes, through a client on the source's published port. */
interface WrittenTable {
    source: "postgres" | "mysql";
    table: TableSpec;
    topic: string;
    mirror: string;
    key: string;
    text?: string;
    base: number;
    acked: number[];
    updated: number;
}

describe("the prod stack file (three brokers) through the CLI, one broker killed while changes flow", function () {
    this.timeout(5_400_000);
    let env: Record<string, string>;
    let backend: string;
    let policyConfig: string;
    let outputs: Record<string, any>;
    let upOutput = "";
    let kafka: Kafka;
    let admin: Admin;
    /** The writer's database clients, closed before the destroy (a server going away must not crash mocha). */
    const clients: { end: () => Promise<void> }[] = [];

    const ok = (cmd: string, ...args: string[]) => cliOk(env, cmd, ...args);
    const make = (target: string) => ok("make", "--no-print-directory", target, `STACK=${STACK}`, `POLICY_CONFIG=${policyConfig}`);
    const pulumi = (...args: string[]) => ok("pulumi", ...args, "--stack", STACK, "--non-interactive");

    const ours = (kind: "container" | "network" | "volume") => named(PREFIX, kind);
    /** Everything named with the prefix; keepVolumes leaves the data volumes after a destroy. */
    async function removeOurs(): Promise<void> {
        for (const c of await ours("container")) await docker(["rm", "-f", c]).catch(() => undefined);
        for (const v of await ours("volume")) await docker(["volume", "rm", "-f", v]).catch(() => undefined);
        for (const n of await ours("network")) await docker(["network", "rm", n]).catch(() => undefined);
    }

    /** The stack's broker containers by KRaft node id, as their environment says. */
    async function brokersByNode(): Promise<Map<number, string>> {
        const byNode = new Map<number, string>();
        for (const c of outputs.verifyTarget.containers as string[]) {
            const id = await containerEnv(c, "KAFKA_NODE_ID").catch(() => undefined);
            if (id !== undefined) byNode.set(Number(id), c);
        }
        return byNode;
    }

    const cdcTopics = () => (outputs.verifyTarget.sources as { topicPrefix: string; tables: TableSpec[] }[])
        .flatMap((s) => s.tables.map((t) => `${s.topicPrefix}.${t.schema}.${t.name}`));

    before(async function () {
        await removeOurs();
        backend = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-e2e-prod-state-"));
        env = { ...envFromEnvSh(), PULUMI_BACKEND_URL: `file://${backend}` };
        // Prod levels: no pack config means every policy mandatory; only the allowed address is ours.
        policyConfig = path.join(backend, "policy-config.json");
        fs.writeFileSync(policyConfig, JSON.stringify({
            "loopback-host-ports": { enforcementLevel: "mandatory", allowedHostIps: [BIND_IP] },
        }, null, 2));
        const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8").replace(/^encryptionsalt:.*$/m, "");
        fs.writeFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), prod);
        await ok("pulumi", "stack", "init", STACK, "--non-interactive");
        await pulumi("config", "set", "lakehouse:imageSet", "local");
        await pulumi("config", "set", "lakehouse:namePrefix", PREFIX);
        await pulumi("config", "set", "lakehouse:bindIp", BIND_IP);
    });

    after(async function () {
        for (const c of clients) await c.end().catch(() => undefined);
        if (admin) await admin.disconnect().catch(() => undefined);
        // A plain destroy: `make destroy` (its heal first) is the heal suite's case; here it would only add a
        // refresh and an up of twelve containers (CI minutes). removeOurs() takes whatever a failure left.
        if (outputs) await sh(env, "pulumi", ["destroy", "--yes", "--stack", STACK, "--non-interactive"], 900_000);
        await removeOurs();
        fs.rmSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), { force: true });
        if (backend) fs.rmSync(backend, { recursive: true, force: true });
    });

    it("`make up` with the prod levels of the policy pack deploys three brokers and passes `make verify`", async function () {
        const out = await make("up");
        upOutput = out;
        assert.match(out, /verify: \d+ checks passed, 0 failed/);
        const plain = JSON.parse(await pulumi("stack", "output", "--json"));
        // secureServices: Trino's password is a secret output, shown only with --show-secrets.
        assert.strictEqual(plain.trinoPassword, "[secret]");
        // ... and so is the password of Connect's REST API.
        assert.strictEqual(plain.connectPassword, "[secret]");
        assert.deepStrictEqual(plain.connectLogin, { user: "lakehouse" });
        // ... and the Kafka password of the provider's and the tools' SCRAM user.
        assert.strictEqual(plain.kafkaPassword, "[secret]");
        assert.strictEqual(plain.kafkaLogin.user, "admin");
        outputs = await withConnectLogin(await withTrinoLogin(plain, () => readSecretOutput(STACK, "trinoPassword", env)),
            () => readSecretOutput(STACK, "connectPassword", env));
        outputs = withMinioCa(await withKafkaLogin(outputs, () => readSecretOutput(STACK, "kafkaPassword", env)));
        assert.strictEqual(outputs.brokerCount, 3);
        assert.strictEqual(outputs.endpoints.kafka.split(",").length, 3);
        assert.ok(outputs.endpoints.kafka.split(",").every((b: string) => b.startsWith(`${BIND_IP}:`)), outputs.endpoints.kafka);
        assert.strictEqual((await brokersByNode()).size, 3);
        kafka = kafkaClient(outputs.endpoints, "lakehouse-e2e-prod");
        admin = kafka.admin();
        await admin.connect();
    });

    it("Kafka (secureServices) takes only SCRAM-SHA-512 logins over TLS with the stack's CA; each client has its own user", async function () {
        const login = outputs.endpoints.kafkaAuth as KafkaLogin;
        assert.ok(login && login.mechanism === "SCRAM-SHA-512" && login.password.length >= 16, "the login from the stack outputs");
        assert.match(login.caCertificate, /^-----BEGIN CERTIFICATE-----/);
        const brokers = outputs.endpoints.kafka.split(",") as string[];
        /** What listing the topics as `config` ends with: "ok", or the client's error. */
        const attempt = async (config: Record<string, unknown>): Promise<string> => {
            const a = new Kafka({
                clientId: "lakehouse-e2e-prod-refused", brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, authenticationTimeout: 5000,
                requestTimeout: 5000, retry: { retries: 0 }, ...config,
            }).admin();
            try {
                await a.connect();
                await a.listTopics();
                return "ok";
            } catch (e) {
                return `${(e as Error).name}: ${(e as Error).message}`;
            } finally {
                await a.disconnect().catch(() => undefined);
            }
        };
        const sasl = (username: string, password: string) => ({ mechanism: "scram-sha-512" as const, username, password });
        // The right login: the topics are listed (the CDC topics among them).
        assert.strictEqual(await attempt({ ssl: { ca: [login.caCertificate] }, sasl: sasl(login.user, login.password) }), "ok");
        const refused: Record<string, string> = {
            "a wrong password": await attempt({ ssl: { ca: [login.caCertificate] }, sasl: sasl(login.user, `${login.password}x`) }),
            "an unknown user": await attempt({ ssl: { ca: [login.caCertificate] }, sasl: sasl("nobody", login.password) }),
            "TLS without a login": await attempt({ ssl: { ca: [login.caCertificate] } }),
            "plaintext": await attempt({}),
            "only the public CAs trusted": await attempt({ ssl: true, sasl: sasl(login.user, login.password) }),
        };
        console.log(`      refused: ${Object.entries(refused).map(([k, v]) => `${k}: ${v.slice(0, 90)}`).join("; ")}`);
        for (const [what, result] of Object.entries(refused)) assert.notStrictEqual(result, "ok", `Kafka accepted ${what}`);
        assert.match(refused["a wrong password"], /SASL|authentication/i);
        assert.match(refused["an unknown user"], /SASL|authentication/i);
        assert.match(refused["only the public CAs trusted"], /self[- ]signed|unable to (get|verify)|certificate/i);
        // No listener of any broker is plaintext, the controllers' included.
        for (const broker of (await brokersByNode()).values()) {
            const map = await containerEnv(broker, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP");
            assert.deepStrictEqual(map.split(",").map((x) => x.split(":")[1]).sort(), ["SASL_SSL", "SASL_SSL", "SSL"], `${broker}: ${map}`);
        }
        // Connect and the CDC job log in as their own users, from files: their configuration holds no password.
        const containers = outputs.verifyTarget.containers as string[];
        const connect = containers.find((c) => c.endsWith("-connect"))!;
        const worker = await docker(["exec", connect, "cat", "/kafka/config/connect-distributed.properties"]);
        assert.match(worker, /^sasl\.jaas\.config=\$\{directory:\/kafka\/secrets:kafka-client-jaas\}$/m);
        assert.match(worker, /^producer\.security\.protocol=SASL_SSL$/m);
        const userIn = async (container: string, file: string) => /username="([^"]+)"/.exec(await docker(["exec", container, "cat", file]))?.[1];
        assert.strictEqual(await userIn(connect, "/kafka/secrets/kafka-client-jaas"), "connect");
        assert.strictEqual(await userIn(outputs.verifyTarget.cdc.container, "/opt/lakehouse/kafka/client.properties"), "cdc");
        for (const c of [connect, outputs.verifyTarget.cdc.container]) {
            assert.ok(!(await docker(["inspect", c])).includes(login.password), `the admin password in docker inspect ${c}`);
        }
    });

    it("Trino (secureServices) answers only HTTPS with the stack's certificate and its password; no plain HTTP port is published", async function () {
        const login = outputs.endpoints.trino as TrinoLogin;
        assert.ok(typeof login === "object" && login.url.startsWith(`https://${BIND_IP}:`), JSON.stringify(outputs.endpoints.trino));
        assert.match(login.caCertificate, /^-----BEGIN CERTIFICATE-----/);
        assert.ok(login.password.length >= 16);
        // The right login: a query runs.
        assert.deepStrictEqual(await trino(login, "SELECT 40 + 2"), [[42]]);
        const { url, config } = trinoRequest(login);
        const status = async (extra: Record<string, unknown>) => (await axios.post(`${url}/v1/statement`, "SELECT 1", {
            ...config, ...extra, validateStatus: () => true,
        })).status;
        // No password, a wrong one, another user: 401.
        assert.strictEqual(await status({ auth: undefined }), 401, "no credentials");
        assert.strictEqual(await status({ auth: { username: login.user, password: `${login.password}x` } }), 401, "wrong password");
        assert.strictEqual(await status({ auth: { username: "admin", password: login.password }, headers: { "X-Trino-User": "admin" } }), 401, "unknown user");
        // The certificate is the stack's own: a client trusting only the public CAs refuses it.
        await assert.rejects(axios.get(`${url}/v1/info`, { timeout: 10_000 }), /self[- ]signed|unable to (get|verify)|certificate/i);
        // Plain HTTP on the published port gets no Trino answer.
        const plainHttp = await axios.post(`${url.replace(/^https:/, "http:")}/v1/statement`, "SELECT 1", { headers: { "X-Trino-User": login.user }, timeout: 10_000, validateStatus: () => true })
            .then((r) => `${r.status} ${JSON.stringify(r.data).slice(0, 200)}`, (e: Error) => `refused: ${e.message}`);
        assert.ok(!/"nextUri"|"columns"/.test(plainHttp), `plain HTTP was answered as a query: ${plainHttp}`);
        // Only the HTTPS port is published.
        const trinoContainer = (outputs.verifyTarget.containers as string[]).find((c) => c.endsWith("-trino"))!;
        const ports = (await docker(["port", trinoContainer])).trim().split("\n");
        assert.deepStrictEqual(ports.map((p) => p.split(" -> ")[0]), ["8443/tcp"], ports.join("; "));
        // Inside the stack's network, the HTTP port takes no query without a login either.
        const inside = await docker(["exec", trinoContainer, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "-H", `X-Trino-User: ${login.user}`, "--data", "SELECT 1", "http://localhost:8080/v1/statement"]).catch((e: Error) => e.message);
        assert.notStrictEqual(inside.trim(), "200", "the internal HTTP port ran a query without a password");
    });

    it("Connect's REST API (secureServices) answers 401 without the login, with a wrong password or user, and lists the RUNNING connectors with it", async function () {
        const url = outputs.endpoints.connect as string;
        assert.ok(url.startsWith(`http://${BIND_IP}:`), url);
        const login = outputs.endpoints.connectAuth as ConnectLogin;
        assert.ok(login && login.username === "lakehouse" && login.password.length >= 16, "the login from the stack outputs");
        const connectors = (outputs.verifyTarget.sources as { connector: string }[]).map((s) => s.connector).sort();
        assert.strictEqual(connectors.length, 2);
        const status = async (method: "get" | "delete", path: string, auth?: { username: string; password: string }) =>
            (await axios.request({ method, url: `${url}${path}`, timeout: 10_000, validateStatus: () => true, ...(auth ? { auth } : {}) })).status;
        for (const path of ["/", "/connectors", `/connectors/${connectors[0]}/config`, "/connector-plugins"]) {
            assert.strictEqual(await status("get", path), 401, `GET ${path} without credentials`);
            assert.strictEqual(await status("get", path, { ...login, password: `${login.password}x` }), 401, `GET ${path} with a wrong password`);
            assert.strictEqual(await status("get", path, { username: "admin", password: login.password }), 401, `GET ${path} as another user`);
        }
        assert.strictEqual(await status("delete", `/connectors/${connectors[0]}`), 401, "DELETE without credentials");
        // With the login: every connector listed, it and its tasks RUNNING (the refused DELETE changed nothing).
        const listed = await waitUntil("both connectors RUNNING through the authenticated API", 120_000, 2000, async () => {
            const { data } = await axios.get(`${url}/connectors?expand=status`, connectRequest(outputs.endpoints));
            const states = Object.entries(data as Record<string, { status: { connector: { state: string }; tasks: { state: string }[] } }>)
                .map(([name, c]) => `${name}=${[c.status.connector.state, ...c.status.tasks.map((t) => t.state)].join(",")}`).sort();
            return states.length === connectors.length && states.every((x) => /=RUNNING(,RUNNING)+$/.test(x)) ? states : undefined;
        });
        assert.deepStrictEqual(listed.map((x) => x.split("=")[0]), connectors);
        console.log(`      ${listed.join("; ")}`);
        // The worker's healthcheck logs in (the container is healthy) with no password in its configuration.
        const connect = (outputs.verifyTarget.containers as string[]).find((c) => c.endsWith("-connect"))!;
        assert.strictEqual((await docker(["inspect", "-f", "{{.State.Health.Status}}", connect])).trim(), "healthy");
        assert.ok(!(await docker(["inspect", connect])).includes(login.password), "the password in docker inspect");
    });

    it("MinIO (secureServices) answers only HTTPS with the stack's certificate; no key or a wrong key is refused; each engine's key reaches only its buckets", async function () {
        const url = outputs.endpoints.minio as string;
        assert.ok(url.startsWith(`https://${BIND_IP}:`), url);
        const ca = outputs.endpoints.minioCa as string;
        assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
        const minio = outputs.verifyTarget.minioContainer as string;
        const root = { accessKeyId: await containerSecret(minio, "MINIO_ROOT_USER"), secretAccessKey: await containerSecret(minio, "MINIO_ROOT_PASSWORD") };
        // The root key over HTTPS with the stack's CA: the buckets are listed.
        const s3 = s3Client(outputs.endpoints, root, { maxAttempts: 1 });
        const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort();
        assert.deepStrictEqual(buckets, ["checkpoints", "spark-test", "warehouse"]);
        // A wrong secret key, and no key at all: refused.
        const wrong = s3Client(outputs.endpoints, { ...root, secretAccessKey: `${root.secretAccessKey}x` }, { maxAttempts: 1 });
        assert.strictEqual(await code(wrong.send(new ListBucketsCommand({}))), "SignatureDoesNotMatch");
        const agent = new https.Agent({ ca });
        const anonymous = await axios.get(`${url}/warehouse?list-type=2`, { httpsAgent: agent, timeout: 10_000, validateStatus: () => true });
        assert.strictEqual(anonymous.status, 403, `anonymous listing: ${anonymous.status} ${String(anonymous.data).slice(0, 200)}`);
        assert.match(String(anonymous.data), /<Code>AccessDenied<\/Code>/);
        // A client trusting only the public CAs refuses the certificate; plain HTTP on the port lists nothing.
        await assert.rejects(axios.get(`${url}/minio/health/live`, { timeout: 10_000 }), /self[- ]signed|unable to (get|verify)|certificate/i);
        const plainHttp = await axios.get(`${url.replace(/^https:/, "http:")}/warehouse?list-type=2`, { timeout: 10_000, validateStatus: () => true })
            .then((r) => `${r.status} ${String(r.data).slice(0, 200)}`, (e: Error) => `refused: ${e.message}`);
        assert.ok(!/ListBucketResult/.test(plainHttp), `plain HTTP was answered: ${plainHttp}`);
        // Every JVM client reaches MinIO over HTTPS, trusting the CA through its own truststore (make verify ran Spark, Trino,
        // the catalog and the CDC job against it); each one's key is its own and reaches only its buckets.
        for (const c of CONSUMERS) {
            const container = `${PREFIX}-${c.container}`;
            assert.match(await containerEnv(container, "JAVA_TOOL_OPTIONS"), /javax\.net\.ssl\.trustStore=/, container);
            const credentials = await keyOf(container, c.read);
            assert.strictEqual(credentials.accessKeyId, `${PREFIX}-${c.consumer}`, "the consumer's own user, not the root key");
            const own = s3Client(outputs.endpoints, credentials, { maxAttempts: 1 });
            const key = `iam-test/${crypto.randomUUID()}`;
            try {
                assert.strictEqual(await code(own.send(new PutObjectCommand({ Bucket: c.inside, Key: key, Body: "x" }))), "ok", `${c.consumer} writes ${c.inside}`);
                assert.strictEqual(await (await own.send(new GetObjectCommand({ Bucket: c.inside, Key: key }))).Body!.transformToString(), "x");
                assert.strictEqual(await code(own.send(new PutObjectCommand({ Bucket: c.outside, Key: key, Body: "x" }))), "AccessDenied", `${c.consumer} on ${c.outside}`);
                assert.strictEqual(await code(own.send(new GetObjectCommand({ Bucket: c.outside, Key: key }))), "AccessDenied", `${c.consumer} reads ${c.outside}`);
            } finally {
                await own.send(new DeleteObjectCommand({ Bucket: c.inside, Key: key })).catch(() => undefined);
                own.destroy();
            }
        }
        s3.destroy();
        wrong.destroy();
    });

    it("keeps every secret of the secured stack (Trino's password and shared secret, the CA and server keys) out of state, outputs, `make up`'s output, container config and logs", async function () {
        // What the stack generated (passwords, the shared secret, the CA and the server certificate with their
        // keys: every command's stdout, a secret) and every secret of the stack's config.
        const revealed = JSON.parse(await pulumi("stack", "export", "--show-secrets"));
        const secretValues = new Set<string>();
        for (const r of revealed.deployment.resources as { type: string; outputs?: { stdout?: unknown } }[]) {
            const out = r.type === "command:local:Command" ? revealedValue(r.outputs?.stdout) : undefined;
            if (typeof out === "string" && out.length > 0) secretValues.add(out);
        }
        const config = JSON.parse(await pulumi("config", "--show-secrets", "--json")) as Record<string, { value?: string; secret?: boolean }>;
        for (const c of Object.values(config)) if (c.secret && c.value) secretValues.add(c.value);
        // A PEM private key is searched for by its base64 lines (a certificate, public, is not a needle).
        const needles = new Set<string>();
        for (const v of secretValues) {
            const keys = [...v.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/g)];
            if (keys.length > 0) for (const k of keys) k[1].split("\n").map((l) => l.trim()).filter((l) => l.length >= 40).forEach((l) => needles.add(l));
            else if (!v.includes("-----BEGIN") && v.length >= 12) needles.add(v);
        }
        const login = outputs.endpoints.trino as TrinoLogin;
        assert.ok(needles.has(login.password), "Trino's password among the state's secrets");
        assert.ok(needles.has((outputs.endpoints.connectAuth as ConnectLogin).password), "Connect's REST password among the state's secrets");
        // The connectors keep the REST login in state (read and delete need it): as a secret, inputs and outputs alike.
        const exported = JSON.parse(await pulumi("stack", "export"));
        const connectorStates = (exported.deployment.resources as { type: string; inputs?: any; outputs?: any }[]).filter((r) => r.type.endsWith(":Connector"));
        assert.strictEqual(connectorStates.length, 2);
        for (const c of connectorStates) {
            for (const where of ["inputs", "outputs"] as const) {
                assert.strictEqual(c[where]?.connectAuth?.["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", `a connector's ${where}.connectAuth is a secret`);
            }
        }
        assert.ok([...secretValues].filter((v) => /PRIVATE KEY-----/.test(v)).length >= 2, "the CA's and Trino's keys among the state's secrets");
        const hits: string[] = [];
        const look = (where: string, text: string) => {
            for (const n of needles) if (text.includes(n)) hits.push(`${where}: ${n.slice(0, 4)}…(${n.length} chars)`);
        };
        look("state", await pulumi("stack", "export"));
        look("outputs", await pulumi("stack", "output", "--json"));
        look("make up", upOutput);
        for (const c of outputs.verifyTarget.containers as string[]) {
            look(`inspect ${c}`, await docker(["inspect", c]));
            const logs = await sh(env, "docker", ["logs", c], 120_000);
            assert.strictEqual(logs.code, 0, `docker logs ${c}`);
            look(`logs ${c}`, logs.out);
        }
        console.log(`      ${needles.size} secret values and key lines searched in state, outputs, make up and ${outputs.verifyTarget.containers.length} containers`);
        assert.deepStrictEqual(hits, []);
    });

    it("a Kafka client's SCRAM password rotates with `pulumi up --replace` of its generated password: the old is refused, the new logs in, the connectors come back RUNNING", async function () {
        const login = outputs.endpoints.kafkaAuth as KafkaLogin;
        const passwordOf = async (): Promise<{ urn: string; value: string }> => {
            const revealed = JSON.parse(await pulumi("stack", "export", "--show-secrets"));
            const r = (revealed.deployment.resources as { urn: string; type: string; outputs?: { stdout?: unknown } }[])
                .find((x) => x.type === "command:local:Command" && x.urn.endsWith("::lakehouse-kafka-scram-connect"))!;
            return { urn: r.urn, value: revealedValue(r.outputs?.stdout) as string };
        };
        const brokers = outputs.endpoints.kafka.split(",") as string[];
        const canLogIn = async (password: string): Promise<boolean> => {
            const a = new Kafka({
                clientId: "lakehouse-e2e-prod-rotation", brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, authenticationTimeout: 5000,
                retry: { retries: 0 }, ssl: { ca: [login.caCertificate] }, sasl: { mechanism: "scram-sha-512", username: "connect", password },
            }).admin();
            try {
                await a.connect();
                await a.listTopics();
                return true;
            } catch {
                return false;
            } finally {
                await a.disconnect().catch(() => undefined);
            }
        };
        const before = await passwordOf();
        assert.ok(before.value.length >= 16);
        assert.strictEqual(await canLogIn(before.value), true, "connect logs in with its password");
        await pulumi("up", "--yes", "--replace", before.urn, "--policy-pack", "./policies", "--policy-pack-config", policyConfig);
        const after = await passwordOf();
        assert.notStrictEqual(after.value, before.value);
        assert.strictEqual(await canLogIn(after.value), true, "the new password logs in");
        assert.strictEqual(await canLogIn(before.value), false, "the old password is refused");
        // The worker was replaced with the new login file; both connectors and their tasks run again.
        const connect = (outputs.verifyTarget.containers as string[]).find((c) => c.endsWith("-connect"))!;
        assert.ok((await docker(["exec", connect, "cat", "/kafka/secrets/kafka-client-jaas"])).includes(`password="${after.value}"`));
        await waitUntil("both connectors RUNNING after the rotation", 180_000, 2000, async () => {
            const { data } = await axios.get(`${outputs.endpoints.connect}/connectors?expand=status`, connectRequest(outputs.endpoints));
            const states = Object.values(data as Record<string, { status: { connector: { state: string }; tasks: { state: string }[] } }>)
                .map((c) => [c.status.connector.state, ...c.status.tasks.map((t) => t.state)]);
            return states.length === 2 && states.every((x) => x.length > 1 && x.every((st) => st === "RUNNING")) ? true : undefined;
        });
        assert.ok(!(await docker(["inspect", connect])).includes(after.value), "the new password in docker inspect");
    });

    it("a MinIO consumer's key rotates with `pulumi up --replace` of its generated secret: Trino gets the new one, the old is refused, Trino reads the mirrors", async function () {
        const secretOf = async (): Promise<{ urn: string; value: string }> => {
            const revealed = JSON.parse(await pulumi("stack", "export", "--show-secrets"));
            const r = (revealed.deployment.resources as { urn: string; type: string; outputs?: { stdout?: unknown } }[])
                .find((x) => x.type === "command:local:Command" && x.urn.endsWith("::lakehouse-storage-trino-secret"))!;
            return { urn: r.urn, value: revealedValue(r.outputs?.stdout) as string };
        };
        const trinoContainer = `${PREFIX}-trino`;
        const before = await secretOf();
        assert.strictEqual((await keyOf(trinoContainer, "trino")).secretAccessKey, before.value, "Trino holds the generated key");
        await pulumi("up", "--yes", "--replace", before.urn, "--policy-pack", "./policies", "--policy-pack-config", policyConfig);
        const after = await secretOf();
        assert.notStrictEqual(after.value, before.value);
        // The IAM user was updated and the Trino container replaced with the new key in its catalog file.
        assert.strictEqual((await keyOf(trinoContainer, "trino")).secretAccessKey, after.value);
        const user = `${PREFIX}-trino`;
        const list = (secretAccessKey: string) => code(s3Client(outputs.endpoints, { accessKeyId: user, secretAccessKey }, { maxAttempts: 1 })
            .send(new GetObjectCommand({ Bucket: "warehouse", Key: `rotation-${crypto.randomUUID()}` })));
        assert.strictEqual(await list(after.value), "NoSuchKey", "the new key is accepted (the object just does not exist)");
        assert.strictEqual(await list(before.value), "SignatureDoesNotMatch", "the old key is refused");
        // Trino reads a mirror's metadata and files from MinIO with it.
        const login = outputs.endpoints.trino as TrinoLogin;
        const namespace = outputs.verifyTarget.cdc.namespace as string;
        const tables = await trino(login, `SHOW TABLES FROM ${namespace}`);
        assert.ok(tables.length > 0, `no table in ${namespace}`);
        const [[count]] = await trino(login, `SELECT count(*) FROM ${namespace}."${tables[0][0]}"`);
        assert.ok(Number(count) >= 0);
    });

    it("the brokers apply RF 3 and min ISR 2 to the CDC topics, Connect's storage topics and the internal topics", async function () {
        const connect = (outputs.verifyTarget.containers as string[]).find((c) => c.endsWith("-connect"))!;
        const storage = await Promise.all(["CONFIG_STORAGE_TOPIC", "OFFSET_STORAGE_TOPIC", "STATUS_STORAGE_TOPIC"].map((k) => containerEnv(connect, k)));
        const prefixes = (outputs.verifyTarget.sources as { topicPrefix: string }[]).map((s) => `${s.topicPrefix}.`);
        const listed = await admin.listTopics();
        // The CDC topics, anything else under the Debezium prefixes (the schema history), Connect's and Kafka's own.
        const topics = [...new Set([...cdcTopics(), ...listed.filter((t) => prefixes.some((p) => t.startsWith(p))), ...storage, "__consumer_offsets"])];
        const missing = topics.filter((t) => !listed.includes(t));
        assert.deepStrictEqual(missing, [], "topics not on the brokers");
        const meta = await admin.fetchTopicMetadata({ topics });
        const replicas = meta.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionId}: ${p.replicas.length}`));
        assert.deepStrictEqual(replicas, meta.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionId}: ${THREE_BROKERS.replicationFactor}`)));
        const configs = await admin.describeConfigs({
            includeSynonyms: false,
            resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ["min.insync.replicas"] })),
        });
        const minIsr = configs.resources.map((r) => `${r.resourceName}: ${r.configEntries.find((e) => e.configName === "min.insync.replicas")?.configValue}`);
        assert.deepStrictEqual(minIsr.sort(), topics.map((t) => `${t}: ${THREE_BROKERS.minIsr}`).sort());
        // Topics created later (transactions, share groups) follow the brokers' settings.
        const rf = String(THREE_BROKERS.replicationFactor);
        const isr = String(THREE_BROKERS.minIsr);
        const want: Record<string, string> = {
            "offsets.topic.replication.factor": rf, "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr, "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr, "default.replication.factor": rf, "min.insync.replicas": isr,
        };
        for (const node of (await brokersByNode()).keys()) {
            const broker = await admin.describeConfigs({
                includeSynonyms: false,
                resources: [{ type: ConfigResourceTypes.BROKER, name: String(node), configNames: Object.keys(want) }],
            });
            const got = Object.fromEntries(broker.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
            assert.deepStrictEqual(got, want, `broker ${node}`);
        }
    });

    it("a broker killed for a minute while rows flow: connectors never fail and stay RUNNING but for a rebalance, no row is lost, the mirrors equal the sources", async function () {
        const target = outputs.verifyTarget;
        const sources = target.sources as { kind: "postgres" | "mysql"; container: string; database?: string; adminUser?: string; topicPrefix: string; connector: string; tables: TableSpec[] }[];

        // Clients on the published ports; the passwords come from the containers' environment.
        const pgSrc = sources.find((s) => s.kind === "postgres")!;
        const mySrc = sources.find((s) => s.kind === "mysql")!;
        const published = async (container: string, port: number) => {
            const [host, hostPort] = (await docker(["port", container, String(port)])).trim().split("\n")[0].split(/:(?=\d+$)/);
            return { host, port: Number(hostPort) };
        };
        const pg = new PgClient({ ...(await published(pgSrc.container, 5432)), user: pgSrc.adminUser, database: pgSrc.database, password: await containerSecret(pgSrc.container, "POSTGRES_PASSWORD") });
        const clientErrors: string[] = [];
        pg.on("error", (e) => clientErrors.push(`postgres client: ${e.message}`));
        await pg.connect();
        clients.push(pg);
        const my = await mysql.createConnection({ ...(await published(mySrc.container, 3306)), user: "root", password: await containerSecret(mySrc.container, "MYSQL_ROOT_PASSWORD") });
        my.on("error", (e: Error) => clientErrors.push(`mysql client: ${e.message}`));
        clients.push(my);
        const exec = (kind: string, sql: string, params: (string | null)[]) =>
            kind === "postgres" ? pg.query(sql.replace(/\?/g, ((i) => () => `$${++i}`)(0)), params) : my.query(sql, params);
        const q = (kind: string, name: string) => (kind === "postgres" ? `"${name}"` : `\`${name}\``);

        const tables: WrittenTable[] = [];
        for (const s of sources) {
            for (const t of s.tables) {
                const key = t.primaryKey[0];
                const max = s.kind === "postgres"
                    ? Number((await pg.query(`SELECT coalesce(max("${key}"), 0) AS m FROM "${t.schema}"."${t.name}"`)).rows[0].m)
                    : Number(((await my.query(`SELECT coalesce(max(\`${key}\`), 0) AS m FROM \`${t.schema}\`.\`${t.name}\``)) as any)[0][0].m);
                const topic = `${s.topicPrefix}.${t.schema}.${t.name}`;
                tables.push({
                    source: s.kind, table: t, topic, key, base: max + 1000, acked: [], updated: 0,
                    // The mirror naming rule of tools/verify.ts: <catalog>.<namespace>.<prefix><topic with _>.
                    mirror: `${target.cdc.namespace}.${target.cdc.tablePrefix}${topic.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}`,
                    text: t.columns.find((c) => c.name !== key && /char|text/i.test(c.type))?.name,
                });
            }
        }

        // The writer: every 100 ms one insert per table, and every fifth tick an update of an earlier row.
        const writeErrors: string[] = [];
        let writing = true;
        let tick = 0;
        const writer = (async () => {
            while (writing) {
                const due = Date.now() + WRITE_EVERY_MS;
                await Promise.all(tables.map(async (w) => {
                    const id = w.base + tick;
                    const cols = w.table.columns.map((c) => c.name);
                    const values = cols.map((c) => (c === w.key ? String(id) : valueFor(w.table.columns.find((x) => x.name === c)!.type, `outage-${tick}`, tick) ?? null));
                    const qt = `${q(w.source, w.table.schema)}.${q(w.source, w.table.name)}`;
                    try {
                        await exec(w.source, `INSERT INTO ${qt} (${cols.map((c) => q(w.source, c)).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, values);
                        w.acked.push(id);
                        if (w.text && tick % 5 === 4) {
                            await exec(w.source, `UPDATE ${qt} SET ${q(w.source, w.text)} = ? WHERE ${q(w.source, w.key)} = ?`, [`outage-${tick}-u`, String(id - 2)]);
                            w.updated++;
                        }
                    } catch (e) {
                        writeErrors.push(`${w.topic} id ${id}: ${(e as Error).message}`);
                    }
                }));
                tick++;
                await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
            }
        })();

        // The connectors' and tasks' states, every 2 s, for the whole outage. A broker that was the Connect
        // group's coordinator makes the worker rejoin its group, and a rebalance stops and starts what it
        // reassigns: Connect reports UNASSIGNED (or RESTARTING) for that moment. That is Connect working, so a
        // short streak of it is allowed; FAILED, an unreadable status for long, or a connector not RUNNING at
        // the end is not.
        const notRunning: string[] = [];
        const failed: string[] = [];
        const streakStart = new Map<string, number>();
        const longestStreak = new Map<string, number>();
        const lastRunning = new Map<string, boolean>();
        let watching = true;
        let polls = 0;
        const watcher = (async () => {
            while (watching) {
                for (const s of sources) {
                    const now = Date.now();
                    let running = false;
                    try {
                        const { data } = await axios.get(`${outputs.endpoints.connect}/connectors/${encodeURIComponent(s.connector)}/status`, connectRequest(outputs.endpoints));
                        const states = [data.connector.state, ...data.tasks.map((t: { state: string }) => t.state)];
                        running = data.tasks.length > 0 && states.every((x: string) => x === "RUNNING");
                        if (!running) notRunning.push(`${new Date(now).toISOString()} ${s.connector}: ${JSON.stringify(data)}`);
                        if (states.includes("FAILED")) failed.push(`${new Date(now).toISOString()} ${s.connector}: ${JSON.stringify(data)}`);
                    } catch (e) {
                        notRunning.push(`${new Date(now).toISOString()} ${s.connector}: status not readable: ${(e as Error).message}`);
                    }
                    if (running) streakStart.delete(s.connector);
                    else if (!streakStart.has(s.connector)) streakStart.set(s.connector, now);
                    const streak = running ? 0 : now - streakStart.get(s.connector)!;
                    longestStreak.set(s.connector, Math.max(longestStreak.get(s.connector) ?? 0, streak));
                    lastRunning.set(s.connector, running);
                }
                polls++;
                await new Promise((r) => setTimeout(r, 2000));
            }
        })();

        try {
            await new Promise((r) => setTimeout(r, 10_000));
            // The broker leading most partitions of the CDC topics.
            const meta = await admin.fetchTopicMetadata({ topics: cdcTopics() });
            const leads = new Map<number, number>();
            for (const t of meta.topics) for (const p of t.partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
            const [leader, led] = [...leads.entries()].sort((a, b) => b[1] - a[1])[0];
            const victim = (await brokersByNode()).get(leader)!;
            console.log(`      docker kill ${victim} (node ${leader}, leads ${led} CDC partitions), ${tick} ticks written so far`);
            await docker(["kill", victim]);
            await new Promise((r) => setTimeout(r, OUTAGE_MS));
            console.log(`      after the outage: ${tick} ticks written, ${notRunning.length} non-RUNNING observations`);
            await make("heal");
            // The healed broker back in every CDC partition's in-sync replicas.
            await waitUntil("the healed broker back in sync", 600_000, 2000, async () => {
                const now = await admin.fetchTopicMetadata({ topics: cdcTopics() });
                return now.topics.every((t) => t.partitions.every((p) => p.isr.length === THREE_BROKERS.replicationFactor)) ? true : undefined;
            });
            await new Promise((r) => setTimeout(r, 10_000));
        } finally {
            writing = false;
            await writer;
            watching = false;
            await watcher;
        }
        console.log(`      ${tick} ticks: ${tables.map((w) => `${w.topic} ${w.acked.length} rows, ${w.updated} updates`).join("; ")}; ${polls} status polls`);
        assert.deepStrictEqual([...clientErrors, ...writeErrors], [], "the sources refused writes");
        if (notRunning.length) console.log(`      not RUNNING (a rebalance's moment is allowed):\n        ${notRunning.join("\n        ")}`);
        assert.deepStrictEqual(failed, [], "a connector or task FAILED");
        for (const s of sources) {
            assert.ok((longestStreak.get(s.connector) ?? 0) <= MAX_NOT_RUNNING_MS,
                `${s.connector} was not RUNNING for ${longestStreak.get(s.connector)} ms at a stretch (at most ${MAX_NOT_RUNNING_MS}):\n${notRunning.join("\n")}`);
            assert.strictEqual(lastRunning.get(s.connector), true, `${s.connector} not RUNNING at the end:\n${notRunning.join("\n")}`);
        }
        assert.ok(tables.every((w) => w.acked.length >= (OUTAGE_MS / WRITE_EVERY_MS) / 2), "the writer wrote too little to mean anything");

        // Every acknowledged row reaches its mirror, with its last value.
        await waitUntil("every acknowledged row in the mirrors", 900_000, 5000, async () => {
            for (const w of tables) {
                const rows = await trino(outputs.endpoints.trino, `SELECT count(*) FROM ${w.mirror} WHERE "${w.key}" >= ${w.base}`);
                if (Number(rows[0][0]) !== w.acked.length) return undefined;
            }
            return true;
        });
        for (const w of tables) {
            const rows = await trino(outputs.endpoints.trino, `SELECT CAST("${w.key}" AS bigint) FROM ${w.mirror} WHERE "${w.key}" >= ${w.base} ORDER BY 1`);
            assert.deepStrictEqual(rows.map((r) => Number(r[0])), w.acked, `${w.mirror}: the writer's rows`);
        }
        // Whole tables, mirror against source, and a fresh change through the healed cluster.
        const results = await verifyLakehouse(outputs.endpoints, target, { quick: true, waitMs: 600_000, runId: "outage", log: () => undefined });
        assert.deepStrictEqual(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`), []);
    });

    it("a preview after the heal proposes no change", async function () {
        await pulumi("preview", "--expect-no-changes", "--policy-pack", "./policies", "--policy-pack-config", policyConfig);
    });
});
