import * as assert from "assert";
import { connectStorageReplication } from "../../../policies/connect-storage-replication";
import { connectStorageEnv, connectWorker, FakeResource, lakehouse, messages, replace, runStackPolicy, UNKNOWN_STRING } from "./fixtures";

// Upstream facts, written here rather than read from the code under test: quay.io/debezium/connect
// (connect-base/<v>/docker-entrypoint.sh in debezium/container-images) starts from Kafka's example
// config/connect-distributed.properties, whose config/offset/status.storage.replication.factor are 1;
// Kafka Connect itself (DistributedConfig) defaults them to 3.
const DEBEZIUM_IMAGE_DEFAULT = 1;
const KAFKA_CONNECT_DEFAULT = 3;

function workerOn(image: unknown, env: Record<string, string> = {}): FakeResource {
    const worker = connectWorker(env);
    worker.props.image = image;
    return worker;
}

describe("policy connect-storage-replication", () => {
    it("passes a one-broker stack whose Connect storage topics replicate once", async () => {
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, lakehouse(1))), []);
    });

    it("passes a three-broker stack with storage replication set to 3, or to 1 on purpose", async () => {
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, lakehouse(3))), []);
        const deliberate = replace(lakehouse(3), connectWorker(connectStorageEnv(1)));
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, deliberate)), []);
    });

    it("refuses a three-broker stack whose Debezium worker leaves storage replication to the image (1)", async () => {
        for (const image of ["quay.io/debezium/connect:3.6.1.Final", "pulumi-lakehouse/connect:3.6.1.Final"]) {
            const reported = await runStackPolicy(connectStorageReplication, replace(lakehouse(3), workerOn(image)));
            const found = messages(reported);
            assert.strictEqual(found.length, 3, `${image}:\n${found.join("\n")}`);
            for (const name of ["CONFIG", "OFFSET", "STATUS"]) {
                assert.ok(
                    found.some((m) => m.includes(`CONNECT_${name}_STORAGE_REPLICATION_FACTOR is ${DEBEZIUM_IMAGE_DEFAULT} (not set: the Debezium Connect image's default`) &&
                        m.includes("allowed: 3 when left to the image (the stack has 3 Kafka brokers)")),
                    found.join("\n"),
                );
            }
            assert.ok(reported.violations.every((v) => v.urn?.endsWith("::lakehouse-connect")));
        }
    });

    it("passes a one-broker stack whose Debezium worker leaves storage replication to the image (1)", async () => {
        for (const image of ["quay.io/debezium/connect:3.6.1.Final", "docker.io/debezium/connect:2.7", "pulumi-lakehouse/connect:3.6.1.Final"]) {
            assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(1), workerOn(image)))), [], image);
        }
    });

    it("reports storage replication 3 on one broker for each of config, offset and status", async () => {
        const stack = replace(lakehouse(1), connectWorker(connectStorageEnv(3)));
        const reported = await runStackPolicy(connectStorageReplication, stack);
        const found = messages(reported);
        assert.strictEqual(found.length, 3, found.join("\n"));
        for (const name of ["CONFIG", "OFFSET", "STATUS"]) {
            assert.ok(
                found.some((m) => m.includes(`"lakehouse-connect"`) && m.includes(`CONNECT_${name}_STORAGE_REPLICATION_FACTOR is 3; allowed: exactly 1 (the stack has 1 Kafka broker)`)),
                found.join("\n"),
            );
        }
        assert.ok(reported.violations.every((v) => v.urn?.endsWith("::lakehouse-connect")));
    });

    it("judges a missing variable at Kafka Connect's default of 3 on any other image", async () => {
        const other = "confluentinc/cp-kafka-connect:7.9.0";
        const found = messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(1), workerOn(other))));
        assert.strictEqual(found.length, 3, found.join("\n"));
        assert.match(found[0], new RegExp(`CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is ${KAFKA_CONNECT_DEFAULT} \\(not set: Kafka Connect's default\\); allowed: exactly 1`));
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(3), workerOn(other)))), []);
    });

    it("reports a missing variable when the worker's image is unknown at preview", async () => {
        const found = messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(1), workerOn(UNKNOWN_STRING))));
        assert.strictEqual(found.length, 3, found.join("\n"));
        assert.match(found[0], /CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is not set, and the image is unknown at preview/);
    });

    it("flags the un-prefixed variables the Debezium image ignores, on one and three brokers", async () => {
        for (const brokers of [1, 3] as const) {
            const env = { ...connectStorageEnv(Math.min(3, brokers)), CONFIG_STORAGE_REPLICATION_FACTOR: "1", STATUS_STORAGE_REPLICATION_FACTOR: "1" };
            const found = messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(brokers), connectWorker(env))));
            assert.strictEqual(found.length, 2, found.join("\n"));
            assert.match(found[0], /CONFIG_STORAGE_REPLICATION_FACTOR is "1" \(silently ignored by the Debezium Connect image\); allowed: not set; use CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR/);
        }
    });

    it("does not apply to a stack without a Connect worker", async () => {
        const reported = await runStackPolicy(connectStorageReplication, lakehouse(1).filter((r) => r.name !== "lakehouse-connect"));
        assert.match(reported.notApplicable ?? "", /no Kafka Connect worker/);
    });
});
