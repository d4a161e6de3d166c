// `pulumi preview --policy-pack ./policies` with the real CLI (built from the Go module proxy by
// scripts/toolchain.sh), on a local file backend: the dev stack passes, and a stack that breaks a
// replication rule fails with the policy's message while nothing gets created.
//
// No skip: without the CLI this test fails, saying what is missing.
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const PASSPHRASE = "policy-preview-test";

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
                "Node.js pack (upstream's host runs @pulumi/pulumi/cmd/run-policy-pack there). Give the toolchain's " +
                "host a RunPlugin; tools/policy-pack-shim.sh is a stopgap that launches the pack another way.\n" + output(result),
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

/** A stack the components would refuse to build: Connect storage replication 3 on one broker. */
const BROKEN_PROGRAM = `
import * as docker from "@pulumi/docker";
import { LABELS, ROLES } from "./components/settings";

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
        if (workspace && !process.env.KEEP_POLICY_TEST_WORKSPACE) {
            fs.rmSync(workspace, { recursive: true, force: true });
        }
    });

    it("passes the dev stack, every stack policy having run at preview", function () {
        const dir = projectDir(workspace, {
            "Pulumi.yaml": fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"),
            "Pulumi.dev.yaml": fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"),
            "index.ts": fs.readFileSync(path.join(ROOT, "index.ts"), "utf8"),
        }, ["node_modules", "components", "policies", "versions.json", "tsconfig.json", "package.json"]);
        const init = run("pulumi", ["stack", "init", "dev", "--non-interactive"], dir, env);
        assert.strictEqual(init.status, 0, output(init));
        const events = path.join(workspace, "dev-events.jsonl");
        const preview = run(
            "pulumi",
            ["preview", "--stack", "dev", "--non-interactive", "--policy-pack", "./policies", "--policy-pack-config", "./policies/config/dev.json", "--event-log", events],
            dir,
            env,
        );
        assert.strictEqual(preview.status, 0, output(preview));
        const all = readEvents(events, preview);
        const mandatory = all.flatMap((e) => (e.policyEvent && e.policyEvent.enforcementLevel === "mandatory" ? [e.policyEvent] : []));
        assert.deepStrictEqual(mandatory, []);
        const summaries = all.flatMap((e) => (e.policyAnalyzeStackSummaryEvent ? [e.policyAnalyzeStackSummaryEvent] : []));
        const passed = summaries.flatMap((s) => s.passed ?? []);
        for (const name of ["kafka-internal-topic-replication", "connect-storage-replication", "topic-replication", "cdc-sources"]) {
            assert.ok(passed.includes(name), `${name} did not pass (or did not run) at preview:\n${JSON.stringify(summaries)}\n${output(preview)}`);
        }
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
        const preview = run("pulumi", ["preview", "--stack", "broken", "--non-interactive", "--policy-pack", "./policies", "--event-log", events], dir, env);
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
        const up = run("pulumi", ["up", "--stack", "broken", "--non-interactive", "--yes", "--policy-pack", "./policies"], dir, env);
        assert.notStrictEqual(up.status, 0, output(up));
        assert.ok(`${up.stdout}${up.stderr}`.includes("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3"), output(up));
        const exported = run("pulumi", ["stack", "export", "--stack", "broken"], dir, env);
        assert.strictEqual(exported.status, 0, output(exported));
        const resources = (JSON.parse(exported.stdout).deployment?.resources ?? []) as { type: string }[];
        assert.deepStrictEqual(resources.filter((r) => r.type === "docker:index/container:Container"), [], "a container was created");
        const docker = run("docker", ["ps", "-a", "--filter", "name=policy-test-", "--format", "{{.Names}}"], dir, env);
        if (docker.status === 0) {
            assert.strictEqual(docker.stdout.trim(), "", "a policy-test container exists");
        }
    });
});
