// The contract between the components and the pack: the program's own stacks, registered under
// mocks (with preview unknowns where the engine would have them), pass every policy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allPolicies } from "../../../policies/all";
import { lookupEnv, stackFacts } from "../../../policies/lib/facts";
import { RecordedResource, settle, setupMocks, stackConfig } from "../support/mocks";
import { FakeResource, Reported, runResourcePolicy, runStackPolicy, UNKNOWN_ARRAY, UNKNOWN_OBJECT } from "./fixtures";

const ROOT = path.resolve(__dirname, "../../..");
/** The k8s stack takes its node address from the kubeconfig; under mocks there is none, so it is given. */
const K8S_NODE = { "lakehouse:nodeAddress": "172.30.0.2" };

/**
 * The resource as the pack sees it. On the first preview the generated passwords do not exist yet:
 * every input the components build from secrets (a container's whole env list, a connector's
 * secretConfig) is then unknown, which the mocks cannot show, so it is marked unknown here.
 */
function asPolicyResource(record: RecordedResource, stack: string, firstPreview: boolean): FakeResource {
    const props: Record<string, unknown> = { ...record.inputs };
    if (firstPreview) {
        for (const key of record.secretInputs) {
            props[key] = key === "envs" ? UNKNOWN_ARRAY : UNKNOWN_OBJECT;
        }
    }
    return { type: record.type, name: record.name, urn: `urn:pulumi:${stack}::pulumi-lakehouse::${record.type}::${record.name}`, props };
}

async function registered(stack: string, firstPreview: boolean): Promise<FakeResource[]> {
    return registeredWith(stack, {}, firstPreview);
}

async function registeredWith(stack: string, extra: Record<string, string>, firstPreview: boolean): Promise<FakeResource[]> {
    setupMocks({ ...stackConfig(stack), ...extra });
    await pulumi.runtime.runInPulumiStack(async () => {
        delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
        require(path.join(ROOT, "index.ts"));
        return undefined;
    });
    return (await settle()).filter((r) => !r.type.startsWith("pulumi:") && Object.keys(r.inputs).length > 0).map((r) => asPolicyResource(r, stack, firstPreview));
}

async function runPolicy(policy: (typeof allPolicies)[number], resources: FakeResource[]): Promise<Reported> {
    return "validateStack" in policy
        ? runStackPolicy(policy as StackValidationPolicy, resources)
        : runResourcePolicy(policy as ResourceValidationPolicy, resources);
}


/** A policy's level on a stack: its pack config (policies/config/<stack>.json, as `make up` passes it) or its own. */
function levelOn(stack: string, policy: (typeof allPolicies)[number]): string | undefined {
    const file = path.join(ROOT, "policies/config", `${stack}.json`);
    const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8"))[policy.name] : undefined;
    return typeof config === "string" ? config : config?.enforcementLevel ?? policy.enforcementLevel;
}

describe("policies against the program's own stacks", function () {
    // Each case builds whole programs under mocks: seconds each, more on a loaded machine.
    this.timeout(60_000);
    it("authenticated-services: prod's Trino, Connect, Kafka and MinIO pass; dev's plain-HTTP Trino, login-free Connect REST API, plaintext brokers and plain HTTP MinIO are reported (advisory there), naming the service", async () => {
        const policy = allPolicies.find((p) => p.name === "authenticated-services")!;
        assert.strictEqual(levelOn("prod", policy), "mandatory");
        assert.strictEqual(levelOn("dev", policy), "advisory");
        for (const preview of [false, true]) {
            assert.deepStrictEqual((await runPolicy(policy, await registered("prod", preview))).violations.map((v) => v.message), [], `prod, preview ${preview}`);
            const devResources = await registered("dev", preview);
            const all = (await runPolicy(policy, devResources)).violations.map((v) => v.message);
            const connect = all.filter((m) => m.includes("lakehouse-connect-container"));
            const brokers = all.filter((m) => m.includes("lakehouse-kafka-broker-"));
            const minio = all.filter((m) => m.includes("lakehouse-storage-container"));
            const dev = all.filter((m) => !m.includes("lakehouse-connect-container") && !m.includes("lakehouse-kafka-broker-") && !m.includes("lakehouse-storage-container"));
            // Plain HTTP MinIO; at a first preview its uploads (the generated root key) are unknown: its command names no --certs-dir.
            assert.strictEqual(minio.length, 1, minio.join("\n"));
            assert.match(minio[0], preview
                ? /minio \(the S3 API and console\): command is without --certs-dir \(its uploads are unknown at preview.*lakehouse:secureServices/
                : /minio \(the S3 API and console\): \/root\/\.minio\/certs is without public\.crt and private\.key.*lakehouse:secureServices/);
            // One broker on dev, plaintext: its protocol map and its mechanisms (none: Kafka's default) are reported.
            assert.strictEqual(brokers.length, 2, brokers.join("\n"));
            assert.match(brokers[0], /lakehouse-kafka-broker-1.*kafka \(the brokers' listeners\): listener\.security\.protocol\.map .*PLAINTEXT_HOST:PLAINTEXT.*lakehouse:secureServices/);
            assert.match(brokers[1], /sasl\.enabled\.mechanisms \(KAFKA_SASL_ENABLED_MECHANISMS\) is not set/);
            // The worker's env is plain (no secret in it), so known even at a first preview.
            assert.strictEqual(connect.length, 1, all.join("\n"));
            assert.match(connect[0], /connect \(Kafka Connect's REST API\): rest\.extension\.classes \(CONNECT_REST_EXTENSION_CLASSES\) is not set .*BasicAuthSecurityRestExtension.*lakehouse:secureServices/);
            // At a first preview the uploads (secret: the catalog file holds a generated key) are unknown; the ports are not.
            assert.strictEqual(dev.length, preview ? 1 : 2, dev.join("\n"));
            assert.match(dev[0], /lakehouse-trino-container.*trino \(Trino's HTTP API\): ports\[0\].*container port 8080, plain HTTP without authentication.*lakehouse:secureServices/);
            if (!preview) assert.match(dev[1], /trino \(Trino's HTTP API\): uploads is without \/etc\/trino\/password-authenticator\.properties/);
        }
    });

    for (const stack of ["dev", "prod", "k8s"]) {
        for (const preview of [false, true]) {
            it(`${stack} ${preview ? "at its first preview" : "after update"} violates no mandatory policy`, async function () {
                this.timeout(60_000);
                const resources = await registeredWith(stack, stack === "k8s" ? K8S_NODE : {}, preview);
                const workload = stack === "k8s" ? "kubernetes:apps/v1:StatefulSet" : "docker:index/container:Container";
                assert.ok(resources.some((r) => r.type === workload), `the program registered no ${workload}`);
                for (const policy of allPolicies) {
                    const reported = await runPolicy(policy, resources);
                    if (levelOn(stack, policy) === "mandatory") {
                        assert.deepStrictEqual(reported.violations.map((v) => v.message), [], `${policy.name} on ${stack}`);
                    }
                    if ("validateStack" in policy) {
                        // Each stack policy must have found what it checks, or the pass means nothing.
                        assert.strictEqual(reported.notApplicable, undefined, `${policy.name} on ${stack}: ${reported.notApplicable}`);
                    }
                }
                const notes = (await runPolicy(allPolicies.find((p) => p.name === "preview-unknowns")!, resources)).violations;
                if (preview && stack === "k8s") {
                    // The pods' passwords are in Secrets, which no policy reads; the connectors' are generated.
                    assert.ok(notes.length > 0 && notes.every((n) => /connector.*database\.password is unknown at preview/.test(n.message)), notes.map((n) => n.message).join("\n"));
                } else if (preview) {
                    assert.ok(notes.some((n) => /MINIO_ROOT_PASSWORD is unknown at preview/.test(n.message)), notes.map((n) => n.message).join("\n"));
                } else {
                    assert.deepStrictEqual(notes, []);
                }
            });
        }
    }
});

describe("the stack policies on the kubernetes platform", () => {
    const messages = (r: Reported) => r.violations.map((v) => v.message);
    const policy = (name: string) => allPolicies.find((p) => p.name === name)!;
    let resources: FakeResource[];
    before(async function () {
        this.timeout(60_000);
        resources = await registeredWith("k8s", K8S_NODE, false);
    });
    /** The resources with one of them changed (a deep copy, so each case starts from the program's own). */
    const edited = (name: string, edit: (props: any) => void): FakeResource[] => resources.map((r) => {
        if (r.name !== name) return r;
        const props = JSON.parse(JSON.stringify(r.props));
        edit(props);
        return { ...r, props };
    });
    const kafka = "lakehouse-kafka-statefulset-kafka";

    it("counts the brokers as the Kafka StatefulSet's replicas: one replica under RF 3 settings is refused by each replication policy", async () => {
        const one = edited(kafka, (p) => { p.spec.replicas = 1; });
        const internal = messages(await runPolicy(policy("kafka-internal-topic-replication"), one));
        assert.ok(internal.some((m) => m.includes(kafka) && /KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is 3.*exactly 1 \(the stack has 1 Kafka broker\)/.test(m)), internal.join("\n"));
        const connect = messages(await runPolicy(policy("connect-storage-replication"), one));
        assert.ok(connect.some((m) => m.includes("lakehouse-connect-deployment-connect") && /CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR/.test(m)), connect.join("\n"));
        const topics = messages(await runPolicy(policy("topic-replication"), one));
        assert.ok(topics.length > 0 && topics.every((m) => /replicationFactor is 3/.test(m)), topics.join("\n"));
        // The program's own three replicas pass all three (the loop above), so the count is what changed the verdict.
    });

    it("refuses a topic replication above the StatefulSet's replicas", async () => {
        const topic = resources.find((r) => r.type === "kafka:index/topic:Topic")!;
        const four = edited(topic.name, (p) => { p.replicationFactor = 4; });
        const found = messages(await runPolicy(policy("topic-replication"), four));
        assert.deepStrictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /replicationFactor is 4.*1 to 3 \(the stack has 3 Kafka brokers\)/);
    });

    it("finds the sources through their Services, and refuses a Postgres pod without wal_level=logical", async () => {
        const pg = "lakehouse-postgres-statefulset-postgres";
        const plain = edited(pg, (p) => { p.spec.template.spec.containers[0].args = ["postgres"]; });
        const found = messages(await runPolicy(policy("cdc-sources"), plain));
        assert.ok(found.some((m) => m.includes(pg) && /wal_level/.test(m)), found.join("\n"));
        // A Service that no longer selects the pods leaves the connector's host pointing at nothing.
        const unselected = edited("lakehouse-postgres-service-postgres", (p) => { p.spec.selector = { app: "elsewhere" }; });
        const lost = messages(await runPolicy(policy("cdc-sources"), unselected));
        assert.ok(lost.some((m) => /database\.hostname is "postgres\.lakehouse-k8s\.svc" \(no such container\)/.test(m)), lost.join("\n"));
    });
});

describe("pinned-image-tags on Kubernetes workloads", () => {
    const workload = (containers: unknown, initContainers?: unknown): FakeResource => ({
        type: "kubernetes:apps/v1:Deployment", name: "w", urn: "urn:pulumi:s::p::kubernetes:apps/v1:Deployment::w",
        props: { spec: { template: { spec: { containers, ...(initContainers ? { initContainers } : {}) } } } },
    });
    const policy = () => allPolicies.find((p) => p.name === "pinned-image-tags") as ResourceValidationPolicy;

    it("checks every container's and init container's image of the pod template, naming its path", async () => {
        const r = await runResourcePolicy(policy(), [workload([{ image: "trino:476" }, { image: "busybox" }], [{ image: "alpine:latest" }])]);
        assert.deepStrictEqual(r.violations.map((v) => /: (spec\.template\.spec\.\w+\[\d\]\.image) is "([^"]+)"/.exec(v.message)?.slice(1)), [
            ["spec.template.spec.initContainers[0].image", "alpine:latest"],
            ["spec.template.spec.containers[1].image", "busybox"],
        ]);
    });

    it("passes the k8s stack's own images, and notes a pod template unknown at preview instead of passing it", async () => {
        const resources = await registeredWith("k8s", K8S_NODE, false);
        const workloads = resources.filter((r) => /apps\/v1:(StatefulSet|Deployment)$/.test(r.type));
        assert.ok(workloads.length >= 6);
        assert.deepStrictEqual((await runResourcePolicy(policy(), workloads)).violations, []);
        const notes = await runResourcePolicy(allPolicies.find((p) => p.name === "preview-unknowns") as ResourceValidationPolicy, [workload(UNKNOWN_ARRAY)]);
        assert.strictEqual(notes.violations.length, 1);
        assert.match(notes.violations[0].message, /image reference is unknown at preview/);
    });
});

describe("no-default-credentials on Kubernetes workloads", () => {
    const minio = (env: unknown[]): FakeResource => ({
        type: "kubernetes:apps/v1:StatefulSet", name: "minio", urn: "urn:pulumi:s::p::kubernetes:apps/v1:StatefulSet::minio",
        props: { metadata: { name: "minio", namespace: "ns" }, spec: { template: {
            metadata: { labels: { "lakehouse.io/role": "minio" } }, spec: { containers: [{ image: "minio/minio:RELEASE.2025-09-07T16-13-09Z", env }] } } } },
    });
    const policy = (name: string) => allPolicies.find((p) => p.name === name) as ResourceValidationPolicy;

    it("reports a literal minioadmin/minioadmin in a workload's env, naming the workload and the variable", async () => {
        const r = await runResourcePolicy(policy("no-default-credentials"), [minio([
            { name: "MINIO_ROOT_USER", value: "minioadmin" }, { name: "MINIO_ROOT_PASSWORD", value: "minioadmin" }])]);
        assert.deepStrictEqual(r.violations.map((v) => v.message), [
            `"minio" (urn:pulumi:s::p::kubernetes:apps/v1:StatefulSet::minio): MINIO_ROOT_PASSWORD is the default minioadmin/minioadmin; ` +
                "allowed: a password that is not a well-known default (a Pulumi config secret or a generated password).",
        ]);
    });

    it("neither reports nor lists as skipped a password taken from a Secret (valueFrom), and passes a literal that is no default", async () => {
        const fromSecret = minio([{ name: "MINIO_ROOT_USER", value: "minioadmin" },
            { name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "minio", key: "password" } } }]);
        const literal = minio([{ name: "MINIO_ROOT_PASSWORD", value: "a-long-generated-one-4711" }]);
        assert.deepStrictEqual((await runResourcePolicy(policy("no-default-credentials"), [fromSecret, literal])).violations, []);
        assert.deepStrictEqual((await runResourcePolicy(policy("preview-unknowns"), [fromSecret])).violations, []);
    });

    it("passes the k8s stack's own workloads, whose passwords all come from Secrets, with no skip noted", async () => {
        const resources = await registeredWith("k8s", K8S_NODE, false);
        const workloads = resources.filter((r) => /apps\/v1:(StatefulSet|Deployment)$/.test(r.type));
        assert.ok(workloads.length >= 6);
        assert.deepStrictEqual((await runResourcePolicy(policy("no-default-credentials"), workloads)).violations, []);
        assert.deepStrictEqual((await runResourcePolicy(policy("preview-unknowns"), workloads)).violations, []);
    });
});

describe("policy facts of a Kubernetes workload", () => {
    const broker = (spec: Record<string, unknown>): FakeResource => ({
        type: "kubernetes:apps/v1:StatefulSet", name: "kafka", urn: "urn:pulumi:s::p::kubernetes:apps/v1:StatefulSet::kafka",
        props: { metadata: { name: "kafka", namespace: "ns" }, spec },
    });
    const template = (env: unknown[]) => ({ metadata: { labels: { "lakehouse.io/role": "kafka-broker" } }, spec: { containers: [{ image: "apache/kafka:4.1.1", env }] } });

    it("reads a valueFrom entry as set but unreadable, and a later entry as the one that counts", () => {
        const facts = stackFacts([broker({ replicas: 3, template: template([
            { name: "KAFKA_MIN_INSYNC_REPLICAS", value: "2" },
            { name: "KAFKA_DEFAULT_REPLICATION_FACTOR", valueFrom: { configMapKeyRef: { name: "kafka", key: "rf" } } },
            { name: "KAFKA_MIN_INSYNC_REPLICAS", value: "3" },
        ]) })]);
        const env = facts.containers[0].env;
        assert.deepStrictEqual(lookupEnv(env, "KAFKA_MIN_INSYNC_REPLICAS"), { state: "set", value: "3" });
        assert.deepStrictEqual(lookupEnv(env, "KAFKA_DEFAULT_REPLICATION_FACTOR"), { state: "unknown" });
        assert.deepStrictEqual(lookupEnv(env, "KAFKA_LOG_DIRS"), { state: "unset" });
        assert.strictEqual(facts.containers[0].replicas, 3);
    });

    it("reports a broker StatefulSet whose replica count is unknown at preview, instead of counting it", async () => {
        const unknownReplicas = broker({ replicas: UNKNOWN_OBJECT, template: template([]) });
        const reported = await runStackPolicy(allPolicies.find((p) => p.name === "kafka-internal-topic-replication") as StackValidationPolicy, [unknownReplicas]);
        assert.ok(reported.violations.some((v) => /spec\.replicas is unknown at preview.*a literal replica count/.test(v.message)), reported.violations.map((v) => v.message).join("\n"));
    });
});
