import * as assert from "assert";
import { topicReplication } from "../../../policies/topic-replication";
import { broker, internalTopicEnv, lakehouse, messages, replace, runStackPolicy, topic, UNKNOWN_NUMBER } from "./fixtures";

describe("policy topic-replication", () => {
    it("passes topics that fit one broker and three brokers", async () => {
        assert.deepStrictEqual(messages(await runStackPolicy(topicReplication, lakehouse(1))), []);
        assert.deepStrictEqual(messages(await runStackPolicy(topicReplication, lakehouse(3))), []);
    });

    it("reports a topic replicated 3 times on one broker", async () => {
        const stack = replace(lakehouse(1), topic("orders", 3, { "min.insync.replicas": "1" }));
        const reported = await runStackPolicy(topicReplication, stack);
        assert.deepStrictEqual(messages(reported), [
            `"lakehouse-topic-orders" (urn:pulumi:dev::lakehouse::kafka:index/topic:Topic::lakehouse-topic-orders): replicationFactor is 3; allowed: exactly 1 (the stack has 1 Kafka broker).`,
        ]);
    });

    it("reports min.insync.replicas above the replication factor on three brokers", async () => {
        const stack = replace(lakehouse(3), topic("orders", 2, { "min.insync.replicas": "3" }));
        const found = messages(await runStackPolicy(topicReplication, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /config "min.insync.replicas" is 3; allowed: 1 to 2 \(no larger than replicationFactor, which is 2\)/);
    });

    it("judges a topic without its own min ISR by the brokers' KAFKA_MIN_INSYNC_REPLICAS", async () => {
        const stack = replace(lakehouse(3), topic("orders", 1, {}));
        const found = messages(await runStackPolicy(topicReplication, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /is 2 \(not set: the brokers' KAFKA_MIN_INSYNC_REPLICAS\); allowed: 1 to 1/);
        const relaxed = replace(replace(replace(replace(stack, broker(1, { ...internalTopicEnv(3), KAFKA_MIN_INSYNC_REPLICAS: "1" })), broker(2, { ...internalTopicEnv(3), KAFKA_MIN_INSYNC_REPLICAS: "1" })), broker(3, { ...internalTopicEnv(3), KAFKA_MIN_INSYNC_REPLICAS: "1" })), topic("orders", 1, {}));
        assert.deepStrictEqual(messages(await runStackPolicy(topicReplication, relaxed)), []);
    });

    it("reports a replication factor unknown at preview", async () => {
        const stack = replace(lakehouse(1), topic("orders", UNKNOWN_NUMBER, { "min.insync.replicas": "1" }));
        const found = messages(await runStackPolicy(topicReplication, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /replicationFactor is unknown at preview/);
    });

    it("does not apply to a stack without topics", async () => {
        const reported = await runStackPolicy(topicReplication, lakehouse(1).filter((r) => !r.name.startsWith("lakehouse-topic")));
        assert.match(reported.notApplicable ?? "", /no kafka.Topic/);
    });
});
