// The offline toolchain end to end: the Automation API (LocalWorkspace, file backend, the environment
// of scripts/env.sh) drives test/fixtures/automation with the CLI, language host and providers that
// scripts/toolchain.sh built. `up` creates a network, a container from an image built here from a local
// base (never pulled) that must turn healthy, and a local command; a second `preview` reports no
// changes; `destroy` leaves no container or network behind. A second fixture does the same for a MinIO
// bucket and a Kafka topic (minio and kafka providers), including an in-place topic update.
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { HeadBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { envFromEnvSh } from "../support/pulumi";
import { freePort } from "../support/docker";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(ROOT, "test/fixtures/automation");
const versions = require(path.join(ROOT, "versions.json"));
const TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];
const PROVIDERS = ["docker", "command", "minio", "kafka"];

async function docker(...args: string[]): Promise<string> {
    const { stdout } = await run("docker", args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
}

function toolchainBin(env: Record<string, string>): string {
    const bin = env.PATH.split(":")[0];
    const missing = TOOLS.map((t) => path.join(bin, t)).concat(PROVIDERS.map((p) => {
        const v = versions.toolchain.providers[p];
        return path.join(env.PULUMI_HOME, "plugins", `resource-${p}-v${v}`, `pulumi-resource-${p}`);
    })).filter((f) => !fs.existsSync(f));
    if (missing.length > 0) {
        throw new Error(`the offline toolchain is missing ${missing.join(", ")}: ` +
            "run `bash scripts/toolchain.sh` (or `make up`/`make test`) first");
    }
    return bin;
}

/** A local base image: the project's Debian image, else a busybox rootfs imported here. */
async function baseImage(): Promise<string> {
    const wanted = `pulumi-lakehouse/debian:${versions.localImages?.debian ?? "bookworm"}`;
    const local = (await docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")).split("\n");
    if (local.includes(wanted)) return wanted;
    const anyDebian = local.find((r) => r.startsWith("pulumi-lakehouse/debian:"));
    if (anyDebian) return anyDebian;
    const busyboxTag = "pulumi-lakehouse/test-busybox:local";
    if (local.includes(busyboxTag)) return busyboxTag;
    // Debian's static busybox in a one-binary rootfs, imported (docker import) as a base image.
    if (!fs.existsSync("/bin/busybox")) {
        execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "busybox-static"], { stdio: "inherit" });
    }
    const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-rootfs-"));
    try {
        fs.mkdirSync(path.join(rootfs, "bin"));
        fs.mkdirSync(path.join(rootfs, "tmp"));
        fs.mkdirSync(path.join(rootfs, "etc"));
        fs.copyFileSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
        fs.chmodSync(path.join(rootfs, "bin/busybox"), 0o755);
        for (const tool of ["sh", "test", "sleep", "cat", "echo", "touch", "mkdir", "ls"]) {
            fs.symlinkSync("busybox", path.join(rootfs, "bin", tool));
        }
        execFileSync("bash", ["-c", `tar -C "${rootfs}" -c . | docker import -c 'ENV PATH=/bin' - ${busyboxTag}`]);
    } finally {
        fs.rmSync(rootfs, { recursive: true, force: true });
    }
    return busyboxTag;
}

/** Builds the tiny app image: its command marks itself healthy, then sleeps. */
async function buildAppImage(base: string, tag: string): Promise<void> {
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-app-"));
    try {
        fs.writeFileSync(path.join(ctx, "app.sh"), "#!/bin/sh\ntouch /tmp/healthy\nexec sleep 86400\n", { mode: 0o755 });
        fs.writeFileSync(path.join(ctx, "Dockerfile"),
            `FROM ${base}\nCOPY app.sh /app.sh\nCMD ["/bin/sh", "/app.sh"]\n`);
        // The classic builder never contacts a registry for a base image that exists locally.
        await run("docker", ["build", "-q", "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });
    } finally {
        fs.rmSync(ctx, { recursive: true, force: true });
    }
}

describe("offline toolchain through the Automation API", function () {
    this.timeout(15 * 60 * 1000);

    const id = randomBytes(3).toString("hex");
    const prefix = `lh-tc-${id}`;
    const imageTag = `pulumi-lakehouse/toolchain-test:${id}`;
    const stackName = `toolchain-test-${id}`;
    let env: Record<string, string>;
    let stack: Stack;
    let outputs: Record<string, string>;

    before(async function () {
        env = envFromEnvSh();
        const bin = toolchainBin(env); // throws (fails the suite) when the toolchain is missing
        await docker("info", "--format", "{{.ServerVersion}}").catch((e) => {
            throw new Error(`docker is not answering (run bash scripts/docker.sh): ${e}`);
        });
        await buildAppImage(await baseImage(), imageTag);
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: false });
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName, workDir: FIXTURE },
            { envVars: env, pulumiCommand },
        );
        await stack.setAllConfig({ prefix: { value: prefix }, image: { value: imageTag } });
    });

    after(async function () {
        if (stack) {
            await stack.destroy().catch(() => undefined);
            await stack.workspace.removeStack(stackName).catch(() => undefined);
        }
        for (const args of [["rm", "-f", `${prefix}-app`], ["network", "rm", `${prefix}-net`], ["image", "rm", imageTag]]) {
            await docker(...args).catch(() => undefined);
        }
    });

    it("uses the toolchain's pulumi binary at the pinned version", async function () {
        const { stdout } = await run(path.join(env.PATH.split(":")[0], "pulumi"), ["version"], { env });
        assert.strictEqual(stdout.trim(), `v${versions.toolchain.pulumi}`);
        assert.strictEqual(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
        assert.ok(env.PULUMI_BACKEND_URL.startsWith("file://"), env.PULUMI_BACKEND_URL);
    });

    it("up creates the network, a running healthy container and the command", async function () {
        const result = await stack.up({ onOutput: (s) => process.stdout.write(s) });
        assert.strictEqual(result.summary.result, "succeeded");
        // Providers come from the plugin cache by version, the language host from next to `pulumi`.
        assert.ok(!/from \$PATH/.test(result.stdout), `plugins were taken from $PATH:\n${result.stdout}`);
        outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        assert.strictEqual(outputs.containerName, `${prefix}-app`);
        assert.strictEqual(outputs.networkName, `${prefix}-net`);
        assert.strictEqual(outputs.greeting, `hello from ${prefix}`);
        assert.strictEqual(outputs.echoed, prefix.toUpperCase()); // the dynamic-provider host ran

        const state = JSON.parse(await docker("inspect", "--format", "{{json .State}}", `${prefix}-app`));
        assert.strictEqual(state.Running, true, `container state: ${JSON.stringify(state)}`);
        assert.strictEqual(state.Health?.Status, "healthy");
        const networks = JSON.parse(await docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", `${prefix}-app`));
        assert.deepStrictEqual(Object.keys(networks), [`${prefix}-net`]);
        assert.ok(networks[`${prefix}-net`].Aliases.includes("app"));
        assert.strictEqual(await docker("inspect", "--format", "{{.Id}}", `${prefix}-app`), outputs.containerId);
    });

    it("a second preview reports no changes, with a policy pack loaded through the language host", async function () {
        const result = await stack.preview({ diff: true, policyPacks: [path.join(FIXTURE, "policy")] });
        assert.match(result.stdout, /lakehouse-toolchain-fixture-policies/, result.stdout);
        const changed = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
        assert.deepStrictEqual(changed, [], `preview wants changes:\n${result.stdout}`);
        assert.ok((result.changeSummary.same ?? 0) >= 5, JSON.stringify(result.changeSummary));
    });

    it("destroy removes the container and the network", async function () {
        const result = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
        assert.strictEqual(result.summary.result, "succeeded");
        assert.strictEqual(await docker("ps", "-a", "-q", "--filter", `name=^/${prefix}-app$`), "");
        assert.strictEqual(await docker("network", "ls", "-q", "--filter", `name=^${prefix}-net$`), "");
    });
});

async function requireImage(tag: string): Promise<string> {
    await docker("image", "inspect", "--format", "{{.Id}}", tag).catch(() => {
        throw new Error(`local image ${tag} is missing: build it with \`make images\` (scripts/images.sh)`);
    });
    return tag;
}

describe("offline toolchain: minio and kafka providers through the Automation API", function () {
    this.timeout(20 * 60 * 1000);

    const id = randomBytes(3).toString("hex");
    const prefix = `lh-st-${id}`;
    const stackName = `toolchain-stores-${id}`;
    let env: Record<string, string>;
    let stack: Stack;
    let minioPort: number;
    let kafkaPort: number;

    async function topicState(name: string): Promise<{ partitions: number; retentionMs: string | undefined }> {
        const admin = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            const meta = await admin.fetchTopicMetadata({ topics: [name] });
            const configs = await admin.describeConfigs({
                includeSynonyms: false,
                resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ["retention.ms"] }],
            });
            const entry = configs.resources[0].configEntries.find((e) => e.configName === "retention.ms");
            return { partitions: meta.topics[0].partitions.length, retentionMs: entry?.configValue };
        } finally {
            await admin.disconnect();
        }
    }

    before(async function () {
        env = envFromEnvSh();
        const bin = toolchainBin(env);
        const minioImage = await requireImage(`pulumi-lakehouse/minio:${versions.localImages.minio}`);
        const kafkaImage = await requireImage(`pulumi-lakehouse/kafka:${versions.localImages.kafka}`);
        minioPort = await freePort();
        kafkaPort = await freePort();
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName, workDir: path.join(FIXTURE, "stores") },
            { envVars: env, pulumiCommand },
        );
        await stack.setAllConfig({
            prefix: { value: prefix }, minioImage: { value: minioImage }, kafkaImage: { value: kafkaImage },
            minioPort: { value: String(minioPort) }, kafkaPort: { value: String(kafkaPort) },
            partitions: { value: "3" }, retentionMs: { value: "3600000" },
        });
    });

    after(async function () {
        if (stack) {
            await stack.destroy().catch(() => undefined);
            await stack.workspace.removeStack(stackName).catch(() => undefined);
        }
        for (const args of [["rm", "-f", `${prefix}-minio`, `${prefix}-kafka`], ["network", "rm", `${prefix}-net`]]) {
            await docker(...args).catch(() => undefined);
        }
    });

    it("up creates a bucket in MinIO and a topic in Kafka", async function () {
        const result = await stack.up({ onOutput: (s) => process.stdout.write(s) });
        assert.strictEqual(result.summary.result, "succeeded");
        const s3 = new S3Client({
            endpoint: `http://127.0.0.1:${minioPort}`, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: "lakehouse", secretAccessKey: `pw-${prefix}-minio` },
        });
        await s3.send(new HeadBucketCommand({ Bucket: `${prefix}-bucket` }));
        // An object in the bucket: destroy must empty it (forceDestroy) before deleting it.
        await s3.send(new PutObjectCommand({ Bucket: `${prefix}-bucket`, Key: "a/b.txt", Body: "hello" }));
        s3.destroy();
        assert.deepStrictEqual(await topicState(`${prefix}.events`), { partitions: 3, retentionMs: "3600000" });
    });

    it("grows partitions and changes config in place", async function () {
        await stack.setAllConfig({ partitions: { value: "4" }, retentionMs: { value: "7200000" } });
        const result = await stack.up({ onOutput: (s) => process.stdout.write(s) });
        assert.deepStrictEqual(result.summary.resourceChanges, { same: 7, update: 1 });
        assert.deepStrictEqual(await topicState(`${prefix}.events`), { partitions: 4, retentionMs: "7200000" });
    });

    it("a second preview reports no changes", async function () {
        const result = await stack.preview();
        const changed = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
        assert.deepStrictEqual(changed, [], `preview wants changes:\n${result.stdout}`);
    });

    it("destroy removes the bucket, the topic, the containers and the network", async function () {
        // First the bucket and the topic alone, while MinIO and Kafka still run, so that their absence
        // is read from the services themselves (not inferred from the containers being gone).
        const state = await stack.exportStack();
        const urns = (state.deployment.resources as { urn: string }[]).map((r) => r.urn);
        const targets = ["::bucket", "::topic"].map((suffix) => urns.find((u) => u.endsWith(suffix)));
        assert.ok(targets.every((u) => u !== undefined), urns.join("\n"));
        const partial = await stack.destroy({ target: targets as string[], onOutput: (s) => process.stdout.write(s) });
        assert.strictEqual(partial.summary.result, "succeeded");
        const s3 = new S3Client({
            endpoint: `http://127.0.0.1:${minioPort}`, region: "us-east-1", forcePathStyle: true,
            credentials: { accessKeyId: "lakehouse", secretAccessKey: `pw-${prefix}-minio` },
        });
        await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: `${prefix}-bucket` })),
            (e: any) => e?.$metadata?.httpStatusCode === 404, "the bucket is still in MinIO");
        s3.destroy();
        const admin = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            // Kafka finishes deleting a topic in the background: listed no more within a minute.
            let topics: string[] = [];
            for (let i = 0; i < 60; i++) {
                topics = await admin.listTopics();
                if (!topics.includes(`${prefix}.events`)) break;
                await new Promise((r) => setTimeout(r, 1000));
            }
            assert.ok(!topics.includes(`${prefix}.events`), `topic still listed: ${topics.join(", ")}`);
        } finally {
            await admin.disconnect();
        }

        const result = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
        assert.strictEqual(result.summary.result, "succeeded");
        assert.strictEqual(await docker("ps", "-a", "-q", "--filter", `label=lakehouse.test=${prefix}`), "");
        assert.strictEqual(await docker("network", "ls", "-q", "--filter", `name=^${prefix}-net$`), "");
    });
});
