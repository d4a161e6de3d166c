// The program (index.ts) under Pulumi.k8s.yaml, under mocks: the kubernetes platform builds Kubernetes
// objects through @pulumi/kubernetes and no Docker resource, in readiness order, secrets kept secret.
// In `make test-k8s` (it needs @pulumi/kubernetes installed, which `make test`'s unit run does not).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RecordedResource, construct, isSecret, named, ofType } from "../unit/support/mocks";

const ROOT = path.resolve(__dirname, "../..");

function stackConfig(stack: string): Record<string, string> {
    const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    return Object.fromEntries(Object.entries(file.config ?? {}).map(([k, v]) => [k, String(v)]));
}

describe("kubernetes platform: the program under Pulumi.k8s.yaml (mocks)", function () {
    this.timeout(120_000);
    let records: RecordedResource[];
    before(async () => {
        records = await construct(() => {
            delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
            require(path.join(ROOT, "index.ts"));
        }, stackConfig("k8s"));
    });

    it("creates Kubernetes objects and no Docker resource", () => {
        assert.deepStrictEqual(records.filter((r) => r.type.startsWith("docker:")).map((r) => r.name), []);
        assert.strictEqual(ofType(records, "kubernetes:core/v1:Namespace")[0].inputs.metadata.name, "lakehouse-k8s");
        assert.deepStrictEqual(ofType(records, "kubernetes:apps/v1:StatefulSet").map((r) => r.inputs.metadata.name).sort(), ["kafka", "minio"]);
        assert.deepStrictEqual(ofType(records, "kubernetes:apps/v1:Deployment").map((r) => r.inputs.metadata.name), ["connect"]);
        for (const r of records.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "pulumi:providers:kubernetes")) {
            assert.strictEqual(r.provider, "lakehouse-provider", `${r.name} uses the component's provider`);
        }
    });

    it("deploys three brokers and two Connect workers on the local images", () => {
        const kafka = named(records, "lakehouse-kafka-statefulset-kafka");
        assert.strictEqual(kafka.inputs.spec.replicas, 3);
        assert.strictEqual(kafka.inputs.spec.template.spec.containers[0].image, "docker.io/pulumi-lakehouse/kafka:4.3.1");
        const connect = named(records, "lakehouse-connect-deployment-connect");
        assert.strictEqual(connect.inputs.spec.replicas, 2);
    });

    it("starts Connect after the brokers and everything after the namespace", () => {
        assert.ok(named(records, "lakehouse-connect-deployment-connect").dependsOn.includes("lakehouse-kafka-statefulset-kafka"));
        for (const r of records.filter((x) => /^kubernetes:(apps|core)\/v1:(StatefulSet|Deployment|Service|Secret)$/.test(x.type))) {
            assert.ok(r.dependsOn.includes("lakehouse-namespace"), `${r.name} depends on the namespace`);
        }
    });

    it("keeps MinIO's credentials a secret, generated when not configured", () => {
        const secret = named(records, "lakehouse-minio-credentials");
        assert.ok(isSecret(secret, "stringData"), "stringData is a secret input");
        assert.strictEqual(secret.inputs.stringData.rootPassword, "mock-generated-password");
        const env = named(records, "lakehouse-minio-statefulset-minio").inputs.spec.template.spec.containers[0].env;
        assert.ok(env.every((e: { value?: string }) => e.value !== "mock-generated-password"), "no password in the pod spec");
    });
});
