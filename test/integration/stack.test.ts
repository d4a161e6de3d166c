// The whole program, for real: the Automation API runs `pulumi up` of index.ts with the dev stack's
// settings (local images, one broker) through the offline toolchain, then checks the lifecycle a
// user relies on: a second preview changes nothing, a connector property updates in place, a
// container removed by hand comes back with refresh + up without losing data, and destroy leaves
// no container, network or volume behind.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import axios from "axios";
import * as YAML from "yaml";
import { Kafka, logLevel } from "kafkajs";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { docker, exec, waitFor } from "../support/docker";
import { ROOT, envFromEnvSh } from "../support/pulumi";
import { verifyLakehouse } from "../../tools/verify";

const STACK = "e2e";
const PREFIX = "lakehouse-e2e";
// A loopback address of its own, so it runs beside a dev stack that `make up` left on 127.0.0.1.
const BIND_IP = "127.0.0.3";
const CONNECT = `http://${BIND_IP}:8083`;

async function connectorState(name: string): Promise<string> {
    const { data } = await axios.get(`${CONNECT}/connectors/${name}/status`, { timeout: 5000 });
    return [data.connector.state, ...data.tasks.map((t: { state: string }) => t.state)].join(",");
}

async function ours(kind: "container" | "network" | "volume"): Promise<string[]> {
    const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : [kind, "ls", "--format", "{{.Name}}"];
    return (await docker(args)).split("\n").filter((n) => n.startsWith(PREFIX));
}

function psql(sql: string): Promise<string> {
    return exec(`${PREFIX}-db-postgres`, ["psql", "-U", "admin", "-d", "customer_db", "-tA", "-c", sql]).then((out) => out.trim());
}

describe("the dev program through `pulumi up` (Automation API, offline toolchain)", function () {
    this.timeout(1_800_000);
    let stack: Stack;
    let backend: string;

    before(async function () {
        const env = envFromEnvSh();
        const bin = env.PATH.split(":")[0];
        if (!fs.existsSync(path.join(bin, "pulumi"))) throw new Error("no pulumi in the toolchain: run `bash scripts/toolchain.sh`");
        backend = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-e2e-state-"));
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: STACK, workDir: ROOT },
            { envVars: { ...env, PULUMI_BACKEND_URL: `file://${backend}` }, pulumiCommand },
        );
        const dev = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config;
        await stack.setAllConfig({
            ...Object.fromEntries(Object.entries(dev).map(([k, v]) => [k, { value: String(v) }])),
            "lakehouse:namePrefix": { value: PREFIX },
            "lakehouse:bindIp": { value: BIND_IP },
        });
    });

    after(async function () {
        if (stack) await stack.destroy().catch(() => undefined);
        for (const c of await ours("container")) await docker(["rm", "-f", c]).catch(() => undefined);
        for (const v of await ours("volume")) await docker(["volume", "rm", "-f", v]).catch(() => undefined);
        for (const n of await ours("network")) await docker(["network", "rm", n]).catch(() => undefined);
        fs.rmSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), { force: true });
        if (backend) fs.rmSync(backend, { recursive: true, force: true });
    });

    it("up creates every service healthy and both connectors RUNNING", async function () {
        const started = Date.now();
        const result = await stack.up({ onOutput: () => undefined });
        console.log(`      cold pulumi up: ${((Date.now() - started) / 1000).toFixed(0)} s, ${JSON.stringify(result.summary.resourceChanges)}`);
        assert.strictEqual(result.summary.result, "succeeded");
        assert.deepStrictEqual(result.outputs.endpoints.value.connect, CONNECT);
        const running = (await docker(["ps", "--filter", "health=healthy", "--format", "{{.Names}}"])).split("\n").filter((n) => n.startsWith(PREFIX));
        assert.deepStrictEqual(running.sort(), [
            "cdc-mirror", "connect", "db-mysql", "db-postgres", "iceberg-rest", "kafka-1", "minio", "spark", "trino",
        ].map((s) => `${PREFIX}-${s}`).sort());
        assert.strictEqual(await connectorState("inventory-connector"), "RUNNING,RUNNING");
        assert.strictEqual(await connectorState("mariadb-connector"), "RUNNING,RUNNING");
        assert.strictEqual(await psql("SELECT relreplident FROM pg_class WHERE oid = 'public.users'::regclass"), "f");
    });

    it("`make verify`'s checks pass against the deployed stack: seed checks, mirror and changelog through Trino and Spark", async function () {
        const outputs = await stack.outputs();
        // Twice: a second run on the same stack reuses the ids the first one deleted, and must still pass.
        for (const run of [1, 2]) {
            const lines: string[] = [];
            const results = await verifyLakehouse(outputs.endpoints.value, outputs.verifyTarget.value, { log: (l) => lines.push(l) });
            console.log(`      verify run ${run}:\n${lines.join("\n")}`);
            assert.deepStrictEqual(results.filter((r) => !r.ok), []);
            // Every check ran: health, connectors, topics, changes, Kafka, seed table, mirror, changelog, Spark, checkpoint, clean-up.
            assert.deepStrictEqual(results.length, 11, results.map((r) => r.name).join("\n"));
            assert.strictEqual(results.find((r) => r.name === "containers healthy")?.detail, "9 containers");
            assert.match(results.find((r) => r.name === "CDC job checkpoint on MinIO")?.detail ?? "", /^s3a:\/\/checkpoints\/cdc-mirror: \d+ committed batches$/);
        }
    });

    it("a second preview changes nothing", async function () {
        const started = Date.now();
        const preview = await stack.preview({ onOutput: () => undefined });
        console.log(`      no-op preview: ${((Date.now() - started) / 1000).toFixed(0)} s`);
        const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
        assert.deepStrictEqual(changes, []);
    });

    it("a changed connector property updates the connector in place", async function () {
        await stack.setConfig("lakehouse:postgresConnectorConfig", { value: JSON.stringify({ "heartbeat.interval.ms": "10000" }) });
        const result = await stack.up({ onOutput: () => undefined });
        assert.deepStrictEqual(result.summary.resourceChanges, { same: result.summary.resourceChanges!.same, update: 1 });
        const { data } = await axios.get(`${CONNECT}/connectors/inventory-connector/config`);
        assert.strictEqual(data["heartbeat.interval.ms"], "10000");
        await waitFor("connector RUNNING after update", async () => (await connectorState("inventory-connector")) === "RUNNING,RUNNING" || undefined);
    });

    it("a container removed by hand comes back with refresh + up, and no change is lost", async function () {
        await psql("INSERT INTO public.users VALUES (901, 'kept', 'kept@example.com')");
        await docker(["rm", "-f", `${PREFIX}-db-postgres`]);
        await stack.refresh({ onOutput: () => undefined });
        const result = await stack.up({ onOutput: () => undefined });
        assert.strictEqual(result.summary.result, "succeeded");
        assert.ok((result.summary.resourceChanges?.create ?? 0) >= 1, JSON.stringify(result.summary.resourceChanges));
        assert.strictEqual(await psql("SELECT name FROM public.users WHERE id = 901"), "kept");
        assert.strictEqual(await psql("SELECT relreplident FROM pg_class WHERE oid = 'public.users'::regclass"), "f");
        await waitFor("connector RUNNING after the source came back", async () => (await connectorState("inventory-connector")) === "RUNNING,RUNNING" || undefined, 300_000, 3000);
        await psql("INSERT INTO public.users VALUES (902, 'after', 'after@example.com')");

        const kafka = new Kafka({ brokers: [`${BIND_IP}:9092`], logLevel: logLevel.NOTHING });
        const consumer = kafka.consumer({ groupId: `e2e-${Date.now()}` });
        const seen = new Set<number>();
        try {
            await consumer.connect();
            await consumer.subscribe({ topic: "dbserver1.public.users", fromBeginning: true });
            await consumer.run({
                eachMessage: async ({ message }) => {
                    if (!message.value) return;
                    const after = JSON.parse(message.value.toString()).payload?.after;
                    if (after?.id) seen.add(after.id);
                },
            });
            await waitFor("rows 901 and 902 on dbserver1.public.users", async () => (seen.has(901) && seen.has(902)) || undefined, 180_000);
        } finally {
            await consumer.disconnect();
        }
    });

    it("destroy leaves no container, network or volume", async function () {
        const result = await stack.destroy({ onOutput: () => undefined });
        assert.strictEqual(result.summary.result, "succeeded");
        assert.deepStrictEqual(await ours("container"), []);
        assert.deepStrictEqual(await ours("network"), []);
        assert.deepStrictEqual(await ours("volume"), []);
    });
});
