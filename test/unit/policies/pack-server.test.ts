// The pack as Pulumi runs it: `@pulumi/pulumi/cmd/run-policy-pack` in policies/ (ts-node with type
// checking, modules from the root node_modules), driven over the Analyzer gRPC service the CLI uses.
// Proves what the policy-object tests cannot: the pack loads, its levels and config travel, and a
// value unknown at preview yields our mandatory violation instead of the server's silent advisory.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { broker, connectStorageEnv, connectWorker, FakeResource, internalTopicEnv, minio, UNKNOWN_ARRAY, UNKNOWN_STRING } from "./fixtures";

const ROOT = path.resolve(__dirname, "../../..");
const ENFORCEMENT = { advisory: 0, mandatory: 1 } as const;

function toAnalyzerResource(resource: FakeResource): analyzer.AnalyzerResource {
    const message = new analyzer.AnalyzerResource();
    message.setType(resource.type);
    message.setName(resource.name);
    message.setUrn(resource.urn);
    message.setProperties(Struct.fromJavaScript(resource.props as Record<string, never>));
    message.setOptions(new analyzer.AnalyzerResourceOptions());
    return message;
}

function unary<Req, Res>(client: grpc.Client, method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
        (client as unknown as Record<string, (r: Req, cb: (e: Error | null, r: Res) => void) => void>)[method](request, (error, response) =>
            error ? reject(error) : resolve(response),
        ),
    );
}

describe("policy pack server (run-policy-pack over gRPC)", function () {
    this.timeout(120_000);
    let pack: ChildProcess;
    let client: analyzerGrpc.AnalyzerClient;
    let stderr = "";

    before(async function () {
        pack = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], {
            cwd: path.join(ROOT, "policies"),
            stdio: ["ignore", "pipe", "pipe"],
        });
        pack.stderr!.on("data", (chunk) => (stderr += String(chunk)));
        const port = await new Promise<string>((resolve, reject) => {
            pack.stdout!.once("data", (chunk) => resolve(String(chunk).trim()));
            pack.once("exit", (code) => reject(new Error(`the pack exited with ${code} before serving:\n${stderr}`)));
        });
        assert.match(port, /^\d+$/, `the pack printed ${port}, not a port:\n${stderr}`);
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(function () {
        client?.close();
        pack?.kill();
    });

    it("serves every policy, with its default enforcement level", async () => {
        const info = await unary<Empty, analyzer.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "lakehouse-policies");
        const levels = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
        assert.deepStrictEqual(levels, {
            "kafka-internal-topic-replication": ENFORCEMENT.mandatory,
            "connect-storage-replication": ENFORCEMENT.mandatory,
            "topic-replication": ENFORCEMENT.mandatory,
            "authenticated-services": ENFORCEMENT.mandatory,
            "cdc-sources": ENFORCEMENT.mandatory,
            "no-default-credentials": ENFORCEMENT.mandatory,
            "pinned-image-tags": ENFORCEMENT.mandatory,
            "loopback-host-ports": ENFORCEMENT.mandatory,
            "preview-unknowns": ENFORCEMENT.advisory,
        });
    });

    it("fails a one-broker stack with Connect storage replication 3, and keeps an unknown setting mandatory", async () => {
        const kafka = broker(1, internalTopicEnv(1));
        kafka.props.envs = (kafka.props.envs as string[]).filter((e) => !e.startsWith("KAFKA_DEFAULT_REPLICATION_FACTOR=")).concat(UNKNOWN_STRING);
        const request = new analyzer.AnalyzeStackRequest();
        request.setResourcesList([kafka, connectWorker(connectStorageEnv(3)), minio(UNKNOWN_ARRAY)].map(toAnalyzerResource));
        const response = await unary<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client, "analyzeStack", request);
        const diagnostics = response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), urn: d.getUrn(), message: d.getMessage() }));
        const connect = diagnostics.filter((d) => d.policy === "connect-storage-replication");
        assert.strictEqual(connect.length, 3, JSON.stringify(diagnostics, null, 2));
        assert.ok(connect.every((d) => d.level === ENFORCEMENT.mandatory && d.urn.endsWith("::lakehouse-connect")));
        assert.ok(connect.some((d) => d.message.includes("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3; allowed: exactly 1 (the stack has 1 Kafka broker).")));
        const unknown = diagnostics.filter((d) => d.policy === "kafka-internal-topic-replication");
        assert.strictEqual(unknown.length, 1, JSON.stringify(diagnostics, null, 2));
        assert.strictEqual(unknown[0].level, ENFORCEMENT.mandatory);
        assert.match(unknown[0].message, /KAFKA_DEFAULT_REPLICATION_FACTOR is unknown at preview/);
        assert.ok(!diagnostics.some((d) => /can't run policy/.test(d.message)), "the server downgraded a policy to a can't-run advisory");
    });

    it("turns hygiene policies advisory under the dev config, keeping replication mandatory", async () => {
        const dev = require(path.join(ROOT, "policies", "config", "dev.json")) as Record<string, unknown>;
        const configure = new analyzer.ConfigureAnalyzerRequest();
        const configs = configure.getPolicyconfigMap();
        for (const [name, value] of Object.entries(dev)) {
            const entry = new analyzer.PolicyConfig();
            const { enforcementLevel, ...properties } = typeof value === "string" ? { enforcementLevel: value } : (value as { enforcementLevel: string });
            entry.setEnforcementlevel(ENFORCEMENT[enforcementLevel as keyof typeof ENFORCEMENT]);
            entry.setProperties(Struct.fromJavaScript(properties));
            configs.set(name, entry);
        }
        await unary(client, "configure", configure);
        const open = minio(["MINIO_ROOT_USER=minioadmin", "MINIO_ROOT_PASSWORD=minioadmin"]);
        open.props.image = "quay.io/minio/minio:latest";
        open.props.ports = [{ internal: 9000, external: 9000, ip: "0.0.0.0" }];
        const request = new analyzer.AnalyzeRequest();
        request.setType(open.type);
        request.setName(open.name);
        request.setUrn(open.urn);
        request.setProperties(Struct.fromJavaScript(open.props as Record<string, never>));
        request.setOptions(new analyzer.AnalyzerResourceOptions());
        const response = await unary<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client, "analyze", request);
        const levels = response.getDiagnosticsList().map((d) => `${d.getPolicyname()}:${d.getEnforcementlevel()}`).sort();
        // A plain HTTP MinIO is reported by authenticated-services too (advisory on dev).
        assert.deepStrictEqual(levels, ["authenticated-services:0", "loopback-host-ports:0", "no-default-credentials:0", "pinned-image-tags:0"]);

        const stack = new analyzer.AnalyzeStackRequest();
        stack.setResourcesList([broker(1, internalTopicEnv(1)), connectWorker(connectStorageEnv(3))].map(toAnalyzerResource));
        const stackResponse = await unary<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client, "analyzeStack", stack);
        assert.ok(stackResponse.getDiagnosticsList().length > 0);
        assert.ok(stackResponse.getDiagnosticsList().every((d) => d.getEnforcementlevel() === ENFORCEMENT.mandatory));
    });
});
