// The program (index.ts) under each stack file: one broker vs three, and a golden snapshot of the
// dev stack's resource graph so an infrastructure change shows up as a readable diff in review.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readLakehouseConfig } from "../../components";
import { DOCKER_ONLY_KEYS, KUBERNETES_ONLY_KEYS, SHARED_KEYS } from "../../components/config";
import { MOCK_GENERATED, RecordedResource, construct, envOf, ofType, stackConfig } from "./support/mocks";

const ROOT = path.resolve(__dirname, "../..");
const GOLDEN = path.join(__dirname, "golden", "dev-stack.txt");

/** Runs index.ts afresh under mocks with a stack's config. */
async function runProgram(stack: string): Promise<RecordedResource[]> {
    return construct(() => {
        delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
        require(path.join(ROOT, "index.ts"));
    }, stackConfig(stack));
}

/** A secret env list stays readable: only the values of credential variables are masked. */
function maskEnv(envs: string[]): string[] {
    return envs.map((e) => (/^[A-Z_]*(PASSWORD|SECRET|ACCESS_KEY|ROOT_USER)[A-Z_]*=/.test(e) ? `${e.split("=")[0]}=[secret]` : e));
}

/** One line per resource: type, name, parent, dependsOn and inputs, secrets masked, sorted. */
export function renderGraph(records: RecordedResource[]): string {
    const mask = (r: RecordedResource) => Object.fromEntries(Object.entries(r.inputs)
        .filter(([k]) => !k.startsWith("__"))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, !r.secretInputs.has(k) ? v : k === "envs" ? maskEnv(v as string[]) : "[secret]"]));
    return records
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))
        .map((r) => [
            `${r.type} ${r.name}`,
            `  parent: ${r.parent ?? "-"}${r.dependsOn.length ? `  dependsOn: ${[...r.dependsOn].sort().join(", ")}` : ""}${r.provider ? `  provider: ${r.provider}` : ""}`,
            ...Object.entries(mask(r)).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
        ].join("\n"))
        .join("\n") + "\n";
}

describe("stacks", () => {
    let dev: RecordedResource[];
    let prod: RecordedResource[];
    before(async function () {
        this.timeout(180_000); // two whole programs under mocks: over 20 s on a loaded 2-core machine
        dev = await runProgram("dev");
        prod = await runProgram("prod");
    });

    it("dev runs one broker with every internal replication setting at 1, on the local images", () => {
        const brokers = ofType(dev, "docker:index/container:Container").filter((c) => c.name.includes("broker"));
        assert.strictEqual(brokers.length, 1);
        const env = envOf(brokers[0]);
        for (const k of ["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR"]) {
            assert.strictEqual(env[k], "1", k);
        }
        for (const c of ofType(dev, "docker:index/container:Container")) assert.match(c.inputs.image, /^pulumi-lakehouse\//);
    });

    it("prod runs three brokers with RF 3 and min ISR 2, topics included, on the official images", () => {
        const brokers = ofType(prod, "docker:index/container:Container").filter((c) => c.name.includes("broker"));
        assert.strictEqual(brokers.length, 3);
        for (const b of brokers) {
            assert.strictEqual(envOf(b).KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, "3");
            assert.strictEqual(envOf(b).KAFKA_MIN_INSYNC_REPLICAS, "2");
            assert.doesNotMatch(b.inputs.image, /^pulumi-lakehouse\//);
        }
        for (const t of ofType(prod, "kafka:index/topic:Topic")) {
            assert.strictEqual(t.inputs.replicationFactor, 3, t.name);
            assert.strictEqual(t.inputs.config["min.insync.replicas"], "2", t.name);
        }
        const connect = ofType(prod, "docker:index/container:Container").find((c) => c.name.endsWith("connect-container"))!;
        assert.strictEqual(envOf(connect).CONNECT_STATUS_STORAGE_REPLICATION_FACTOR, "3");
    });

    it("prod keeps volumes on destroy and uses no default credentials", () => {
        for (const v of ofType(prod, "docker:index/volume:Volume")) assert.strictEqual(v.opts.retainOnDelete, true, v.name);
        const minio = ofType(prod, "docker:index/container:Container").find((c) => c.name.endsWith("storage-container"))!;
        assert.notStrictEqual(envOf(minio).MINIO_ROOT_USER, "minioadmin");
        assert.notStrictEqual(envOf(minio).MINIO_ROOT_PASSWORD, "minioadmin");
    });

    it("never puts a password in a plain (non-secret) input", () => {
        for (const r of [...dev, ...prod]) {
            for (const [k, v] of Object.entries(r.inputs)) {
                if (r.secretInputs.has(k)) continue;
                assert.ok(!JSON.stringify(v).includes(MOCK_GENERATED), `${r.type} ${r.name} input ${k} holds a password in plain`);
            }
        }
    });

    it("matches the golden snapshot of the dev stack's resource graph (UPDATE_GOLDEN=1 rewrites it)", () => {
        const actual = renderGraph(dev);
        if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(GOLDEN, actual);
        assert.ok(fs.existsSync(GOLDEN), `missing ${GOLDEN}: run UPDATE_GOLDEN=1 npm run test:unit and review it`);
        assert.strictEqual(actual, fs.readFileSync(GOLDEN, "utf8"));
    });
});

describe("stack config: a setting the chosen platform does not read is refused", () => {
    const withConfig = <T>(config: Record<string, string>, f: () => T): T => {
        const saved = pulumi.runtime.allConfig();
        try {
            pulumi.runtime.setAllConfig(config);
            return f();
        } finally {
            pulumi.runtime.setAllConfig(saved);
        }
    };

    it("reads every stack file as it is", () => {
        for (const stack of ["dev", "prod", "k8s", "soak"]) withConfig(stackConfig(stack), () => readLakehouseConfig());
    });

    it("soak (make bench-soak's stack) captures ten tables over both sources, with a 1 s trigger and maintenance every 5 min", async function () {
        this.timeout(120_000);
        const soak = await runProgram("soak");
        const topics = ofType(soak, "kafka:index/topic:Topic").map((t) => t.inputs.name as string)
            .filter((n) => /^(dbserver1|mysqlserver1)\.[a-z]+\.[a-z_]+$/.test(n) && !n.endsWith(".debezium_signal"));
        assert.strictEqual(topics.filter((n) => n.startsWith("dbserver1.")).length, 5, topics.join(", "));
        assert.strictEqual(topics.filter((n) => n.startsWith("mysqlserver1.")).length, 5, topics.join(", "));
        const containers = ofType(soak, "docker:index/container:Container");
        const argAfter = (cmd: string[], flag: string) => cmd[cmd.indexOf(flag) + 1];
        const job = containers.find((c) => (c.inputs.command ?? []).includes("--trigger-seconds"))!;
        assert.strictEqual(argAfter(job.inputs.command, "--trigger-seconds"), "1");
        assert.strictEqual(argAfter(job.inputs.command, "--topics").split(",").length, 10);
        const maintenance = containers.find((c) => (c.inputs.command ?? []).includes("--interval-seconds"))!;
        assert.strictEqual(argAfter(maintenance.inputs.command, "--interval-seconds"), "300");
        assert.strictEqual(JSON.parse(argAfter(maintenance.inputs.command, "--policy")).default.snapshotRetentionMinutes, 5);
    });

    it("refuses HTTPS and a Trino password on kubernetes, which does not build them, rather than coming up without them", () => {
        const k8s = stackConfig("k8s");
        assert.throws(() => withConfig({ ...k8s, "lakehouse:secureServices": "true" }, () => readLakehouseConfig()),
            /^Error: lakehouse:secureServices is read on platform docker only and would do nothing on kubernetes: remove it/);
        assert.throws(() => withConfig({ ...k8s, "lakehouse:secureServices": "true", "lakehouse:trinoPassword": "x" }, () => readLakehouseConfig()),
            /^Error: lakehouse:secureServices, lakehouse:trinoPassword are read on platform docker only/);
        // Taken from the prod stack file, which the docker program honours (test above).
        const prod = stackConfig("prod");
        const dockerOnly = Object.keys(prod).filter((k) => /^lakehouse:(bindIp|namePrefix|keepVolumes|secureServices)$/.test(k));
        assert.ok(dockerOnly.length > 0);
        for (const k of dockerOnly) {
            assert.throws(() => withConfig({ ...k8s, [k]: prod[k] }, () => readLakehouseConfig()), new RegExp(`^Error: ${k} is read on platform docker only`));
        }
    });

    it("refuses a lakehouse: key it does not read, naming the closest one, and leaves other namespaces alone", () => {
        const dev = stackConfig("dev");
        assert.throws(() => withConfig({ ...dev, "lakehouse:brokercount": "3" }, () => readLakehouseConfig()),
            /^Error: lakehouse:brokercount \(did you mean lakehouse:brokerCount\?\) is not a setting of this program, which would ignore it/);
        assert.throws(() => withConfig({ ...dev, "lakehouse:keepVolume": "true", "lakehouse:shinyNewThing": "1" }, () => readLakehouseConfig()),
            /^Error: lakehouse:keepVolume \(did you mean lakehouse:keepVolumes\?\), lakehouse:shinyNewThing are not settings of this program/);
        // Another program's or provider's keys are theirs to check.
        withConfig({ ...dev, "docker:host": "unix:///var/run/docker.sock", "other:brokercount": "3" }, () => readLakehouseConfig());
    });

    it("classifies every key it reads once: shared, docker only or kubernetes only", () => {
        const all = [...SHARED_KEYS, ...DOCKER_ONLY_KEYS, ...KUBERNETES_ONLY_KEYS];
        assert.strictEqual(new Set(all).size, all.length, `listed twice: ${all.filter((k, i) => all.indexOf(k) !== i)}`);
        // Every key the reader asks pulumi.Config for, found in its source, is listed (and nothing else).
        const source = fs.readFileSync(path.join(__dirname, "../../components/config.ts"), "utf8");
        const read = new Set([...source.matchAll(/config\.(?:get|getBoolean|getNumber|getSecret|getObject)(?:<[^(]*>)?\("([A-Za-z]+)"\)/g)].map((m) => m[1]));
        assert.deepStrictEqual([...read].sort(), [...all].sort());
    });

    it("refuses the kubernetes settings on docker: worker counts and a namespace would do nothing there", () => {
        const k8s = stackConfig("k8s");
        for (const k of ["lakehouse:namespace", "lakehouse:trinoWorkers", "lakehouse:connectWorkers", "lakehouse:cdcExecutors"]) {
            assert.ok(k in k8s, k);
            assert.throws(() => withConfig({ ...stackConfig("dev"), [k]: k8s[k] }, () => readLakehouseConfig()),
                new RegExp(`^Error: ${k} is read on platform kubernetes only and would do nothing on docker`));
        }
    });
});
