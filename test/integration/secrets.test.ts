// No secret in clear anywhere (issue 15), on the shared test stack after `pulumi up` and `make verify`:
// every secret of the stack is searched for in every Kafka topic (all records, keys and values, Connect's
// internal connect_* topics included), `docker inspect` and the logs of every container of the stack,
// `pulumi stack export` without --show-secrets, and what the CLI printed for the deploy. Then the CDC
// passwords are rotated with `pulumi up` (they reach the Connect worker as files of its directory config
// provider): both connectors run again with the new passwords, changes still flow, and a second scan
// with the new passwords also finds nothing. A self-check first proves the scanner finds a planted value.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client as PgClient } from "pg";
import { sh } from "../support/cli";
import { MYSQL_ROOT_PWD_SH } from "../../tools/clients";
import { docker } from "../support/docker";
import { revealedValue } from "../support/pulumi";
import { SharedStack, sharedStack } from "../support/shared-stack";

/**
 * Container env entries allowed to carry a secret, by the role of their container. None: every service
 * that takes a secret reads it from a file (`*_FILE`, the catalog's AWS credentials file, Connect's
 * directory config provider). Anything in `docker inspect` is a hit.
 */
const KNOWN_ENV_SECRETS: Record<string, string[]> = {};

/** Where a secret (its first 4 characters and length) was found; `of`: its index in the list scanned for. */
interface Hit { where: string; secret: string; of: number }

describe("secrets scan on the deployed stack: no secret in topics, container inspect and logs, state export or CLI output", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    let containers: string[];
    let broker: string;

    /**
     * Every record of every topic (keys, values and headers), read from the start inside the first broker
     * by one console consumer subscribed to all topics (`--include`; Kafka's own internal topics are left
     * out by the consumer's default), which exits once nothing has come for 15 s. One JVM instead of one
     * per topic: the scan took about 110 s of CI with 8 s of idle per topic.
     */
    async function allTopicRecords(): Promise<string> {
        const topics = (await docker(["exec", broker, "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "localhost:19092", "--list"]))
            .split("\n").map((t) => t.trim()).filter((t) => t && !t.startsWith("__"));
        assert.ok(topics.includes("connect_configs"), `connect_configs among the topics: ${topics.join(", ")}`);
        const r = await sh(process.env as Record<string, string>, "docker", ["exec", broker, "/opt/kafka/bin/kafka-console-consumer.sh",
            "--bootstrap-server", "localhost:19092", "--include", ".*", "--from-beginning", "--timeout-ms", "15000",
            "--group", `secrets-scan-${crypto.randomBytes(4).toString("hex")}`,
            "--property", "print.key=true", "--property", "print.headers=true"], 300_000);
        // The consumer ends on its idle timeout, which it reports as an error, after its count of records.
        const processed = /Processed a total of (\d+) messages/.exec(r.out);
        assert.ok(processed && !r.timedOut, `the console consumer over every topic ended without its count (exit ${r.code}):\n${r.out.slice(-3000)}`);
        // Not vacuous: Connect's configs (a record per connector, with its class) were among what it read.
        assert.match(r.out, /io\.debezium\.connector\./, "a connector config from connect_configs among the records read");
        console.log(`      topics: ${topics.length} listed (besides __*), ${processed[1]} records read from all`);
        return r.out;
    }

    /** Where each secret (or its base64) occurs; `env` of the known entries above is left out and returned apart. */
    async function scan(secrets: string[]): Promise<{ hits: Hit[]; knownEnv: string[]; searched: Record<string, number> }> {
        const needles = secrets.flatMap((s, of) => [{ n: s, of }, { n: Buffer.from(s).toString("base64"), of }]);
        const hits: Hit[] = [];
        const knownEnv: string[] = [];
        const searched: Record<string, number> = {};
        const look = (where: string, text: string) => {
            searched[where.split(":")[0]] = (searched[where.split(":")[0]] ?? 0) + text.length;
            for (const { n, of } of needles) if (text.includes(n)) hits.push({ where, secret: `${n.slice(0, 4)}…(${n.length} chars)`, of });
        };
        look("topics", await allTopicRecords());
        for (const c of containers) {
            const inspect = JSON.parse(await docker(["inspect", c]))[0];
            const role: string = inspect.Config.Labels?.["lakehouse.role"] ?? "";
            const allowed = KNOWN_ENV_SECRETS[role] ?? [];
            const env: string[] = inspect.Config.Env ?? [];
            for (const e of env) {
                const name = e.split("=")[0];
                if (allowed.includes(name) && needles.some(({ n }) => e.includes(n))) knownEnv.push(`${c} ${name}`);
            }
            inspect.Config.Env = env.filter((e) => !allowed.includes(e.split("=")[0]));
            look(`inspect:${c}`, JSON.stringify(inspect));
            const logs = await sh(process.env as Record<string, string>, "docker", ["logs", c], 120_000);
            assert.strictEqual(logs.code, 0, `docker logs ${c}`);
            look(`logs:${c}`, logs.out);
        }
        look("state", await stack.pulumi("stack", "export"));
        look("outputs", await stack.pulumi("stack", "output", "--json"));
        look("cli", stack.cliOutput);
        return { hits, knownEnv, searched };
    }

    before(async () => {
        stack = await sharedStack();
        containers = stack.outputs.verifyTarget.containers;
        broker = containers.find((c: string) => /kafka-1$/.test(c))!;
        assert.ok(broker, `a broker among ${containers.join(", ")}`);
        // `make verify`'s checks of the whole CDC path, so every service has logged its work. --quick leaves
        // out the two spark-submit runs, whose output goes to the exec, not to any container's log.
        const verify = await sh(stack.env, "npx", ["ts-node", "tools/verify.ts", "--stack", stack.stack, "--quick"], 1_800_000);
        assert.strictEqual(verify.code, 0, `make verify failed:\n${verify.out.slice(-3000)}`);
    });

    /** The secrets the stack generated (command:local passwords such as each MinIO consumer's key), from its state. */
    async function generatedSecrets(): Promise<string[]> {
        const state = JSON.parse(await stack.pulumi("stack", "export", "--show-secrets"));
        return (state.deployment.resources as { type: string; urn: string; outputs?: { stdout?: unknown } }[])
            .filter((r) => r.type === "command:local:Command" && /-(secret|password)$/.test(r.urn))
            .map((r) => revealedValue(r.outputs?.stdout))
            .filter((v): v is string => typeof v === "string" && v.length >= 16);
    }

    it("finds a value planted in a topic and in a container's log (self-check), and none of the stack's secrets (set in config and generated) anywhere", async () => {
        assert.strictEqual(Object.keys(stack.secrets).length, 5);
        const generated = await generatedSecrets();
        // One key per MinIO consumer at least (catalog, spark, trino, cdc, maintenance).
        assert.ok(generated.length >= 5, `generated secrets found in the state: ${generated.length}`);
        // The scanner's self-check, in the same pass (one read of every topic): a value planted in a topic
        // and in Connect's log must be found where it was planted.
        const planted = `planted-${crypto.randomBytes(8).toString("hex")}`;
        await docker(["exec", "-i", broker, "/opt/kafka/bin/kafka-console-producer.sh", "--bootstrap-server", "localhost:19092",
            "--topic", "secrets-scan-canary"], { input: `${planted}\n` });
        const connect = containers.find((c: string) => /-connect$/.test(c))!;
        await docker(["exec", connect, "sh", "-c", `echo ${planted} > /proc/1/fd/1`]);
        const secrets = [...Object.values(stack.secrets), ...generated];
        const { hits: all, knownEnv, searched } = await scan([planted, ...secrets]);
        const isPlanted = (h: Hit) => h.of === 0;
        const plantedAt = all.filter(isPlanted).map((h) => h.where);
        assert.ok(plantedAt.includes("topics"), `planted value found in the topics: ${JSON.stringify(plantedAt)}`);
        assert.ok(plantedAt.includes(`logs:${connect}`), `planted value found in ${connect}'s log: ${JSON.stringify(plantedAt)}`);
        const hits = all.filter((h) => !isPlanted(h));
        console.log(`      searched (characters): ${JSON.stringify(searched)}`);
        assert.deepStrictEqual(knownEnv, []);
        assert.deepStrictEqual(hits, []);
        // The connector configs hold references, which the worker resolves from its files.
        const connectUrl = stack.outputs.endpoints.connect;
        for (const s of stack.outputs.verifyTarget.sources) {
            const cfg = await (await fetch(`${connectUrl}/connectors/${encodeURIComponent(s.connector)}/config`)).json() as Record<string, string>;
            assert.match(cfg["database.password"], /^\$\{directory:\/kafka\/secrets:[a-z]+-cdc-password\}$/, s.connector);
        }
    });

    it("rotates both CDC passwords with `pulumi up`: connectors RUNNING on the new ones, changes flow, still nothing in clear", async () => {
        const fresh = { postgresCdcPassword: `pgcdc2-${crypto.randomBytes(9).toString("base64url")}`, mysqlCdcPassword: `mycdc2-${crypto.randomBytes(9).toString("base64url")}` };
        for (const [k, v] of Object.entries(fresh)) await stack.pulumi("config", "set", "--secret", `lakehouse:${k}`, v);
        const started = Date.now();
        // The dev stack's policy levels with this stack's address allowed, as the shared stack's deploy uses them.
        const policy = JSON.parse(fs.readFileSync("policies/config/dev.json", "utf8"));
        policy["loopback-host-ports"] = { ...policy["loopback-host-ports"], allowedHostIps: [stack.bindIp] };
        const policyFile = path.join(os.tmpdir(), `${stack.stack}-rotation-policy.json`);
        fs.writeFileSync(policyFile, JSON.stringify(policy));
        const up = await stack.pulumi("up", "--yes", "--policy-pack", "./policies", "--policy-pack-config", policyFile)
            .finally(() => fs.rmSync(policyFile, { force: true }));
        console.log(`      rotation up: ${((Date.now() - started) / 1000).toFixed(0)} s`);
        const connectUrl = stack.outputs.endpoints.connect;
        const sources = stack.outputs.verifyTarget.sources as { kind: string; container: string; connector: string; topicPrefix: string; database?: string }[];
        for (const s of sources) {
            const status = await (await fetch(`${connectUrl}/connectors/${encodeURIComponent(s.connector)}/status`)).json() as any;
            assert.strictEqual(status.connector.state, "RUNNING", `${s.connector}: ${JSON.stringify(status)}`);
            assert.deepStrictEqual(status.tasks.map((t: any) => t.state), ["RUNNING"], s.connector);
        }
        // The databases take the new password and refuse the old one.
        const pgSrc = sources.find((s) => s.kind === "postgres")!;
        const pgAt = (await docker(["port", pgSrc.container, "5432/tcp"])).trim().split("\n")[0];
        const [host, port] = [pgAt.replace(/:\d+$/, ""), Number(pgAt.split(":").pop())];
        const login = async (password: string) => {
            const c = new PgClient({ host, port, user: "debezium", password, database: pgSrc.database });
            try { await c.connect(); await c.end(); return true; } catch { return false; }
        };
        assert.strictEqual(await login(fresh.postgresCdcPassword), true, "the new CDC password logs in");
        assert.strictEqual(await login(stack.secrets.postgresCdcPassword), false, "the old CDC password is refused");
        // Changes still flow: a new row in each source reaches its topic.
        const marker = 47_000 + (Date.now() % 900);
        await docker(["exec", "-i", pgSrc.container, "psql", "-v", "ON_ERROR_STOP=1", "-U", "admin", "-d", pgSrc.database!],
            { input: `INSERT INTO public.users (id, name, email) VALUES (${marker}, 'rotated', 'rotated-${marker}@example.com');\n` });
        const mySrc = sources.find((s) => s.kind === "mysql")!;
        await docker(["exec", "-i", "-u", "0", mySrc.container, "sh", "-c", `${MYSQL_ROOT_PWD_SH} exec mysql -uroot`],
            { input: `INSERT INTO sales.orders (id, customer_id, amount, status) VALUES (${marker}, 1, 1.00, 'rotated-${marker}');\n` });
        const topics = [`${pgSrc.topicPrefix}.public.users`, `${mySrc.topicPrefix}.sales.orders`];
        for (const topic of topics) {
            let seen = false;
            for (let i = 0; i < 12 && !seen; i++) {
                const out = await docker(["exec", broker, "/opt/kafka/bin/kafka-console-consumer.sh", "--bootstrap-server", "localhost:19092",
                    "--topic", topic, "--from-beginning", "--timeout-ms", "10000"], { timeoutMs: 120_000 }).catch((e) => String(e));
                seen = out.includes(`rotated-${marker}`);
            }
            assert.ok(seen, `the row inserted after the rotation reached ${topic}`);
        }
        stack.cliOutput += up;
        const { hits } = await scan([...Object.values(stack.secrets), ...Object.values(fresh)]);
        assert.deepStrictEqual(hits, []);
        Object.assign(stack.secrets, fresh);
    });
});
