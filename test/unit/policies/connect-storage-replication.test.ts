import * as assert from "assert";
import { connectStorageReplication } from "../../../policies/connect-storage-replication";
import { connectStorageEnv, connectWorker, lakehouse, messages, replace, runStackPolicy } from "./fixtures";

describe("policy connect-storage-replication", () => {
    it("passes a one-broker stack whose Connect storage topics replicate once", async () => {
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, lakehouse(1))), []);
    });

    it("passes a three-broker stack with storage replication 3, set or left to Connect's default", async () => {
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, lakehouse(3))), []);
        const defaults = replace(lakehouse(3), connectWorker({}));
        assert.deepStrictEqual(messages(await runStackPolicy(connectStorageReplication, defaults)), []);
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

    it("reports storage replication left to Connect's default of 3 on one broker", async () => {
        const found = messages(await runStackPolicy(connectStorageReplication, replace(lakehouse(1), connectWorker({}))));
        assert.strictEqual(found.length, 3);
        assert.match(found[0], /CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 3 \(not set: Kafka Connect's default\)/);
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
