// `pulumi preview --policy-pack ./policies` with the real CLI (built from the Go module proxy by
// scripts/toolchain.sh), each stack on its own file backend:
//   - the program (index.ts) previewed with the exact config of Pulumi.dev.yaml (and
//     policies/config/dev.json) and of Pulumi.prod.yaml (no pack config: every policy at its
//     mandatory level), each copied to a git-ignored Pulumi.e2e-*.yaml at the repository root: both pass;
//   - the prod stack file with a deliberate mistake (ports published on 0.0.0.0) is refused at
//     preview with the policy's message, and `pulumi up` creates nothing;
//   - a small program that breaks a replication rule fails with the policy's message, creating nothing.
// Preview creates nothing, so the prod stack's official images need not exist here.
//
// No skip: without the CLI or Docker this test fails, saying what is missing.
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const PASSPHRASE = "policy-preview-test";
const CONTAINER_TYPE = "docker:index/container:Container";

interface PolicyEvent {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
}

interface EngineEvent {
    policyEvent?: PolicyEvent;
    policyAnalyzeStackSummaryEvent?: { policyPackName: string; passed?: string[]; failed?: string[] };
    policyAnalyzeSummaryEvent?: { resourceUrn: string; passed?: string[]; failed?: string[] };
    resourcePreEvent?: { metadata: { op: string; urn: string; type: string; new?: { inputs?: Record<string, any> } } };
}

/** The toolchain's environment: scripts/env.sh when present, plus the cached toolchain's bin on PATH. */
function toolchainEnv(): NodeJS.ProcessEnv {
    let env: NodeJS.ProcessEnv = { ...process.env };
    const envScript = path.join(ROOT, "scripts", "env.sh");
    if (fs.existsSync(envScript)) {
        const sourced = spawnSync("bash", ["-c", `source "${envScript}" >/dev/null && env -0`], { cwd: ROOT, encoding: "utf8" });
        if (sourced.status !== 0) {
            throw new Error(`sourcing scripts/env.sh failed:\n${sourced.stderr}`);
        }
        env = Object.fromEntries(
            sourced.stdout.split("\0").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
    }
    const cachedBin = path.join(ROOT, ".cache", "toolchain", "bin");
    return {
        ...env,
        PATH: `${cachedBin}${path.delimiter}${env.PATH ?? ""}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The dev stack file carries an encryption salt made with scripts/env.sh's passphrase.
        PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE ?? PASSPHRASE,
        // --event-log (the only machine-readable record of policy events) is a debug-commands flag.
        PULUMI_DEBUG_COMMANDS: "true",
    };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 540_000 });
    if (`${result.stdout}${result.stderr}`.includes("method RunPlugin not implemented")) {
        // Say plainly why the pack never ran, rather than fail on a missing violation later.
        throw new Error(
            "The Node.js language host on PATH has no RunPlugin, which `--policy-pack <dir>` needs to start a " +
                "Node.js pack (upstream's host runs @pulumi/pulumi/cmd/run-policy-pack there). scripts/toolchain.sh " +
                "builds the project's own host (standins/pulumi-language-nodejs), which has one: run it, and check that PATH " +
                "finds that host first.\n" + output(result),
        );
    }
    return result;
}

function output(result: SpawnSyncReturns<string>): string {
    return `exit ${result.status}${result.error ? ` (${result.error.message})` : ""}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function readEvents(file: string, result: SpawnSyncReturns<string>): EngineEvent[] {
    if (!fs.existsSync(file)) {
        throw new Error(`pulumi wrote no event log at ${file}:\n${output(result)}`);
    }
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as EngineEvent);
}

/**
 * A throwaway project directory: the repository's program and pack linked in, the stack file copied
 * (stack init writes an encryption salt into it), its own file backend. The repository stays untouched.
 */
function projectDir(workspace: string, files: Record<string, string>, links: string[]): string {
    const dir = fs.mkdtempSync(path.join(workspace, "project-"));
    for (const name of links) {
        fs.symlinkSync(path.join(ROOT, name), path.join(dir, name));
    }
    for (const [name, content] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}


/** Mandatory policy events of a run (a mandatory one fails the preview). */
function mandatory(events: EngineEvent[]): PolicyEvent[] {
    return events.flatMap((e) => (e.policyEvent && e.policyEvent.enforcementLevel === "mandatory" ? [e.policyEvent] : []));
}

/** The containers a preview plans to create, with their image input. */
function plannedContainers(events: EngineEvent[]): { urn: string; image: string }[] {
    return events.flatMap((e) => {
        const m = e.resourcePreEvent?.metadata;
        return m && m.type === CONTAINER_TYPE && m.op === "create" ? [{ urn: m.urn, image: String(m.new?.inputs?.image) }] : [];
    });
}

/** Resource policies each container passed, by URN. */
function passedPerContainer(events: EngineEvent[]): Map<string, string[]> {
    const passed = new Map<string, string[]>();
    for (const e of events) {
        const s = e.policyAnalyzeSummaryEvent;
        if (s && s.resourceUrn.includes(`$${CONTAINER_TYPE}::`)) passed.set(s.resourceUrn, [...(passed.get(s.resourceUrn) ?? []), ...(s.passed ?? [])]);
    }
    return passed;
}

/** The stack policies the pack reported as passed. */
function stackPassed(events: EngineEvent[]): string[] {
    return events.flatMap((e) => e.policyAnalyzeStackSummaryEvent?.passed ?? []);
}

const STACK_POLICIES = ["kafka-internal-topic-replication", "connect-storage-replication", "topic-replication", "cdc-sources"];
const HYGIENE_POLICIES = ["loopback-host-ports", "no-default-credentials", "pinned-image-tags"];

/** A stack the components would refuse to build: Connect storage replication 3 on one broker. */
const BROKEN_PROGRAM = `
import * as docker from "@pulumi/docker";
import { LABELS, ROLES } from "./components/core/settings";

const labels = (role: string) => [{ label: LABELS.role, value: role }, { label: LABELS.component, value: "broken" }];
const broker = new docker.Container("broken-kafka-1", {
    name: "policy-test-kafka-1",
    hostname: "policy-test-kafka-1",
    image: "pulumi-lakehouse/kafka:4.1.1",
    labels: labels(ROLES.kafkaBroker),
    envs: [
        "KAFKA_NODE_ID=1",
        "KAFKA_PROCESS_ROLES=broker,controller",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR=1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR=1",
        "KAFKA_DEFAULT_REPLICATION_FACTOR=1",
        "KAFKA_MIN_INSYNC_REPLICAS=1",
    ],
    ports: [{ internal: 39092, external: 39092, ip: "127.0.0.1" }],
});
new docker.Container("broken-connect", {
    name: "policy-test-connect",
    hostname: "policy-test-connect",
    image: "pulumi-lakehouse/connect:3.3.1.Final",
    labels: labels(ROLES.connect),
    envs: [
        "BOOTSTRAP_SERVERS=policy-test-kafka-1:19092",
        "GROUP_ID=policy-test",
        "CONFIG_STORAGE_TOPIC=policy_test_configs",
        "OFFSET_STORAGE_TOPIC=policy_test_offsets",
        "STATUS_STORAGE_TOPIC=policy_test_statuses",
        "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=3",
        "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
        "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
    ],
    ports: [{ internal: 8083, external: 38083, ip: "127.0.0.1" }],
}, { dependsOn: [broker] });
`;

// ts-node is registered once, by nodeargs (typescript: true would register it a second time).
const BROKEN_PROJECT = `name: policy-preview-broken
runtime:
  name: nodejs
  options:
    typescript: false
    nodeargs: "--require ts-node/register/transpile-only"
`;

describe("pulumi preview --policy-pack ./policies", function () {
    this.timeout(1_200_000);
    let env: NodeJS.ProcessEnv;
    let workspace: string;
    const rootStacks: string[] = [];
    const BAD_PREFIX = `lakehouse-e2e-policy-${process.pid}`;

    /** docker objects of one kind whose name starts with the prefix. */
    function dockerNames(kind: "container" | "network" | "volume", prefix: string): string[] {
        const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : [kind, "ls", "--format", "{{.Name}}"];
        const listed = run("docker", args, ROOT, env);
        assert.strictEqual(listed.status, 0, `docker ${args.join(" ")} failed (is Docker running? bash scripts/docker.sh):\n${output(listed)}`);
        return listed.stdout.split("\n").filter((n) => n.startsWith(prefix));
    }

    /**
     * A stack of the repository's own program at the repository root, from a stack file's exact config
     * (its encryption salt dropped: this backend makes its own) plus `overrides`; the stack file is
     * git-ignored (Pulumi.e2e*.yaml) and removed after the suite.
     */
    function rootStack(stack: string, stackFile: string, overrides: Record<string, string> = {}): void {
        const yaml = fs.readFileSync(path.join(ROOT, stackFile), "utf8").replace(/^encryptionsalt:.*$/m, "");
        fs.writeFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), yaml);
        rootStacks.push(stack);
        const init = run("pulumi", ["stack", "init", stack, "--non-interactive"], ROOT, env);
        assert.strictEqual(init.status, 0, output(init));
        for (const [key, value] of Object.entries(overrides)) {
            const set = run("pulumi", ["config", "set", "--stack", stack, key, value], ROOT, env);
            assert.strictEqual(set.status, 0, output(set));
        }
    }

    /** `pulumi preview` of a root stack with the pack (and a pack config, if any); its result and events. */
    function preview(stack: string, packConfig?: string): { result: SpawnSyncReturns<string>; events: EngineEvent[]; seconds: number } {
        const eventLog = path.join(workspace, `${stack}-events.jsonl`);
        const started = Date.now();
        const result = run("pulumi", [
            "preview", "--stack", stack, "--non-interactive", "--policy-pack", "./policies",
            ...(packConfig ? ["--policy-pack-config", packConfig] : []), "--event-log", eventLog,
        ], ROOT, env);
        const seconds = (Date.now() - started) / 1000;
        console.log(`      pulumi preview --stack ${stack}: exit ${result.status}, ${seconds.toFixed(0)} s`);
        return { result, events: readEvents(eventLog, result), seconds };
    }

    /** The stack file's `lakehouse:<key>` as written there. */
    function stackFileSetting(stackFile: string, key: string): unknown {
        return parseYaml(fs.readFileSync(path.join(ROOT, stackFile), "utf8")).config[`lakehouse:${key}`];
    }

    before(function () {
        env = toolchainEnv();
        const version = run("pulumi", ["version"], ROOT, env);
        if (version.status !== 0) {
            throw new Error(
                "The Pulumi CLI is not available (looked on PATH, in scripts/env.sh and .cache/toolchain/bin). " +
                    "Build it with scripts/toolchain.sh; this test does not skip.\n" + output(version),
            );
        }
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), "policy-preview-"));
        fs.mkdirSync(path.join(workspace, "state"));
        env = {
            ...env,
            PULUMI_BACKEND_URL: `file://${path.join(workspace, "state")}`,
            PULUMI_HOME: env.PULUMI_HOME ?? path.join(workspace, "home"),
        };
    });

    after(function () {
        for (const stack of rootStacks) fs.rmSync(path.join(ROOT, `Pulumi.${stack}.yaml`), { force: true });
        // Only if a refused `up` created something after all (the test has failed then).
        if (env) {
            for (const c of dockerNames("container", BAD_PREFIX)) run("docker", ["rm", "-f", c], ROOT, env);
            for (const v of dockerNames("volume", BAD_PREFIX)) run("docker", ["volume", "rm", "-f", v], ROOT, env);
            for (const n of dockerNames("network", BAD_PREFIX)) run("docker", ["network", "rm", n], ROOT, env);
        }
        if (workspace && !process.env.KEEP_POLICY_TEST_WORKSPACE) {
            fs.rmSync(workspace, { recursive: true, force: true });
        }
    });

    it("passes the program with Pulumi.dev.yaml's config and policies/config/dev.json, every policy having run", function () {
        const stack = `e2e-policy-dev-${process.pid}`;
        rootStack(stack, "Pulumi.dev.yaml");
        const { result, events } = preview(stack, "./policies/config/dev.json");
        assert.strictEqual(result.status, 0, output(result));
        assert.deepStrictEqual(mandatory(events), []);
        for (const name of STACK_POLICIES) {
            assert.ok(stackPassed(events).includes(name), `${name} did not pass (or did not run):\n${output(result)}`);
        }
        const containers = plannedContainers(events);
        const brokers = containers.filter((c) => c.urn.includes(`lakehouse:kafka:KafkaCluster$${CONTAINER_TYPE}::`));
        assert.strictEqual(brokers.length, Number(stackFileSetting("Pulumi.dev.yaml", "brokerCount")), "brokers previewed");
        // imageSet local: the images scripts/images.sh builds, under its own repository namespace.
        assert.deepStrictEqual(containers.filter((c) => !c.image.startsWith("pulumi-lakehouse/")), [], "an image that is not a local one");
        const passed = passedPerContainer(events);
        for (const c of containers) {
            assert.ok(passed.get(c.urn)?.includes("loopback-host-ports"), `${c.urn}: loopback-host-ports did not pass`);
        }
    });

    it("passes the program with Pulumi.prod.yaml's config, every policy mandatory (no pack config), official images", function () {
        const stack = `e2e-policy-prod-${process.pid}`;
        rootStack(stack, "Pulumi.prod.yaml");
        const { result, events } = preview(stack);
        assert.strictEqual(result.status, 0, output(result));
        assert.deepStrictEqual(mandatory(events), []);
        for (const name of STACK_POLICIES) {
            assert.ok(stackPassed(events).includes(name), `${name} did not pass (or did not run):\n${output(result)}`);
        }
        const containers = plannedContainers(events);
        const brokers = containers.filter((c) => c.urn.includes(`lakehouse:kafka:KafkaCluster$${CONTAINER_TYPE}::`));
        assert.strictEqual(brokers.length, 3, "Pulumi.prod.yaml's three brokers previewed");
        assert.strictEqual(brokers.length, Number(stackFileSetting("Pulumi.prod.yaml", "brokerCount")));
        // imageSet official: registry images, pinned by tag, none of the local ones.
        assert.deepStrictEqual(containers.filter((c) => c.image.startsWith("pulumi-lakehouse/") || !/:[^/]+$/.test(c.image)), [], "not an official pinned image");
        const passed = passedPerContainer(events);
        for (const c of containers) {
            for (const policy of HYGIENE_POLICIES) {
                assert.ok(passed.get(c.urn)?.includes(policy), `${c.urn}: ${policy} did not pass (passed: ${passed.get(c.urn)})`);
            }
        }
    });

    it("refuses the prod stack file with ports published on 0.0.0.0, with the policy's message, creating nothing", function () {
        const stack = `e2e-policy-prodbad-${process.pid}`;
        rootStack(stack, "Pulumi.prod.yaml", { "lakehouse:bindIp": "0.0.0.0", "lakehouse:namePrefix": BAD_PREFIX });
        const { result, events } = preview(stack);
        assert.notStrictEqual(result.status, 0, output(result));
        const refused = mandatory(events);
        assert.deepStrictEqual([...new Set(refused.map((v) => v.policyName))], ["loopback-host-ports"], JSON.stringify(refused, null, 2));
        // Every planned container that publishes a port is named, each port with its address.
        const portLine = /: ports\[\d+\]\.ip \(host port \d+ -> container port \d+\) is "0\.0\.0\.0"; allowed: one of 127\.0\.0\.1 \(the policy's allowedHostIps\)\./;
        for (const v of refused) assert.match(v.message, portLine);
        const brokers = plannedContainers(events).filter((c) => c.urn.includes(`lakehouse:kafka:KafkaCluster$${CONTAINER_TYPE}::`));
        assert.strictEqual(brokers.length, 3);
        for (const b of brokers) {
            assert.ok(refused.some((v) => v.resourceUrn === b.urn), `no violation for ${b.urn}`);
        }
        assert.ok(refused.some((v) => v.message.includes("(host port 8083 -> container port 8083)")), "Connect's REST port not reported");
        assert.match(`${result.stdout}${result.stderr}`, /is "0\.0\.0\.0"; allowed: one of 127\.0\.0\.1/);

        // `pulumi up` previews first: the mandatory violation stops it before any resource exists.
        const up = run("pulumi", ["up", "--stack", stack, "--non-interactive", "--yes", "--policy-pack", "./policies"], ROOT, env);
        assert.notStrictEqual(up.status, 0, output(up));
        assert.match(`${up.stdout}${up.stderr}`, /is "0\.0\.0\.0"; allowed: one of 127\.0\.0\.1/, output(up));
        const exported = run("pulumi", ["stack", "export", "--stack", stack], ROOT, env);
        assert.strictEqual(exported.status, 0, output(exported));
        const resources = (JSON.parse(exported.stdout).deployment?.resources ?? []) as { type: string }[];
        assert.deepStrictEqual(resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("kafka:") || r.type.startsWith("minio:")), [], "a resource was created");
        for (const kind of ["container", "network", "volume"] as const) {
            assert.deepStrictEqual(dockerNames(kind, BAD_PREFIX), [], `a ${kind} named ${BAD_PREFIX}* exists`);
        }
    });

    it("refuses the prod stack file without secureServices, naming Trino's plain-HTTP port, Connect's login-free REST API, the plaintext brokers and plain HTTP MinIO (authenticated-services)", function () {
        const stack = `e2e-policy-prodplain-${process.pid}`;
        rootStack(stack, "Pulumi.prod.yaml", { "lakehouse:secureServices": "false", "lakehouse:namePrefix": BAD_PREFIX });
        const { result, events } = preview(stack);
        assert.notStrictEqual(result.status, 0, output(result));
        const refused = mandatory(events);
        assert.deepStrictEqual([...new Set(refused.map((v) => v.policyName))], ["authenticated-services"], JSON.stringify(refused, null, 2));
        const trinoUrn = plannedContainers(events).find((c) => c.urn.includes(`lakehouse:compute:Trino$${CONTAINER_TYPE}::`))?.urn;
        assert.ok(trinoUrn, "Trino's container was not planned");
        const connectUrn = plannedContainers(events).find((c) => c.urn.includes(`lakehouse:connect:DebeziumConnect$${CONTAINER_TYPE}::`))?.urn;
        assert.ok(connectUrn, "Connect's container was not planned");
        const brokerUrns = plannedContainers(events).filter((c) => c.urn.includes(`lakehouse:kafka:KafkaCluster$${CONTAINER_TYPE}::`)).map((c) => c.urn);
        assert.strictEqual(brokerUrns.length, 3, "the prod stack file's three brokers were not planned");
        const minioUrn = plannedContainers(events).find((c) => c.urn.includes(`lakehouse:storage:ObjectStorage$${CONTAINER_TYPE}::`))?.urn;
        assert.ok(minioUrn, "MinIO's container was not planned");
        assert.ok(refused.every((v) => v.resourceUrn === trinoUrn || v.resourceUrn === connectUrn || v.resourceUrn === minioUrn || brokerUrns.includes(v.resourceUrn ?? "")), JSON.stringify(refused, null, 2));
        // MinIO on plain HTTP: the uploads' file names are known at this first preview (their content, a generated root key, is not).
        assert.ok(refused.some((v) => v.resourceUrn === minioUrn && /minio \(the S3 API and console\): \/root\/\.minio\/certs is without public\.crt and private\.key/.test(v.message)), JSON.stringify(refused, null, 2));
        // Each broker: its plaintext listeners (and no SCRAM mechanism).
        for (const urn of brokerUrns) {
            assert.ok(refused.some((v) => v.resourceUrn === urn && /kafka \(the brokers' listeners\): listener\.security\.protocol\.map \(KAFKA_LISTENER_SECURITY_PROTOCOL_MAP\) is CONTROLLER:PLAINTEXT/.test(v.message)),
                JSON.stringify(refused, null, 2));
        }
        assert.ok(refused.some((v) => /trino \(Trino's HTTP API\): ports\[0\] \(published on the host\) is container port 8080, plain HTTP without authentication/.test(v.message)),
            JSON.stringify(refused, null, 2));
        assert.ok(refused.some((v) => v.resourceUrn === connectUrn && /connect \(Kafka Connect's REST API\): rest\.extension\.classes \(CONNECT_REST_EXTENSION_CLASSES\) is not set/.test(v.message)),
            JSON.stringify(refused, null, 2));
        assert.match(`${result.stdout}${result.stderr}`, /Set lakehouse:secureServices to true/);
    });

    it("fails a stack with Connect storage replication 3 on one broker, with the policy's message, creating nothing", function () {
        const dir = projectDir(workspace, {
            "Pulumi.yaml": BROKEN_PROJECT,
            "index.ts": BROKEN_PROGRAM,
        }, ["node_modules", "components", "policies", "tsconfig.json"]);
        const init = run("pulumi", ["stack", "init", "broken", "--non-interactive"], dir, env);
        assert.strictEqual(init.status, 0, output(init));
        const expected =
            `"broken-connect" (urn:pulumi:broken::policy-preview-broken::docker:index/container:Container::broken-connect): ` +
            "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3; allowed: exactly 1 (the stack has 1 Kafka broker).";

        const events = path.join(workspace, "broken-preview-events.jsonl");
        // A single-broker stack is a dev stack: its pack config lowers what dev may relax (authenticated-services
        // among them: this Connect has no REST login), never the replication rules.
        const devPack = ["--policy-pack", "./policies", "--policy-pack-config", "./policies/config/dev.json"];
        const preview = run("pulumi", ["preview", "--stack", "broken", "--non-interactive", ...devPack, "--event-log", events], dir, env);
        assert.notStrictEqual(preview.status, 0, output(preview));
        const violations = readEvents(events, preview).flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
        const found = violations.find((v) => v.policyName === "connect-storage-replication");
        assert.ok(found, `no connect-storage-replication violation:\n${JSON.stringify(violations, null, 2)}\n${output(preview)}`);
        assert.strictEqual(found.enforcementLevel, "mandatory");
        assert.ok(found.message.includes(expected), found.message);
        assert.deepStrictEqual(
            violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName),
            ["connect-storage-replication"],
            "only the broken setting is reported",
        );
        assert.ok(`${preview.stdout}${preview.stderr}`.includes("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3"), output(preview));

        // `pulumi up` previews first: the mandatory violation stops it before any resource exists.
        const up = run("pulumi", ["up", "--stack", "broken", "--non-interactive", "--yes", ...devPack], dir, env);
        assert.notStrictEqual(up.status, 0, output(up));
        assert.ok(`${up.stdout}${up.stderr}`.includes("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3"), output(up));
        const exported = run("pulumi", ["stack", "export", "--stack", "broken"], dir, env);
        assert.strictEqual(exported.status, 0, output(exported));
        const resources = (JSON.parse(exported.stdout).deployment?.resources ?? []) as { type: string }[];
        assert.deepStrictEqual(resources.filter((r) => r.type === "docker:index/container:Container"), [], "a container was created");
        assert.deepStrictEqual(dockerNames("container", "policy-test-"), [], "a policy-test container exists");
    });
});
