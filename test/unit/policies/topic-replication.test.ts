import * as assert from "assert";
import { clearTopicInputs } from "../../../policies/lib/facts";
import { previewUnknowns } from "../../../policies/preview-unknowns";
import { topicReplication } from "../../../policies/topic-replication";
import { broker, internalTopicEnv, lakehouse, messages, replace, runResourcePolicy, runStackPolicy, topic, UNKNOWN_NUMBER } from "./fixtures";

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

    describe("a topic whose outputs the engine hides at preview (its provider's configuration is unknown: a generated Kafka password)", () => {
        afterEach(() => clearTopicInputs());
        /** The topic as AnalyzeStack gets it then: no outputs at all. */
        const hidden = (t: ReturnType<typeof topic>) => ({ ...t, props: {} });

        it("is judged by the inputs the resource-level analysis saw (preview-unknowns records them)", async () => {
            const bad = topic("orders", 3, { "min.insync.replicas": "1" });
            await runResourcePolicy(previewUnknowns, [bad]);
            const found = messages(await runStackPolicy(topicReplication, replace(lakehouse(1), hidden(bad))));
            assert.strictEqual(found.length, 1, found.join("\n"));
            assert.match(found[0], /lakehouse-topic-orders.*replicationFactor is 3; allowed: exactly 1/);
            const good = topic("orders", 1, { "min.insync.replicas": "1" });
            await runResourcePolicy(previewUnknowns, [good]);
            assert.deepStrictEqual(messages(await runStackPolicy(topicReplication, replace(lakehouse(1), hidden(good)))), []);
        });

        it("without recorded inputs, reads as not set and is reported", async () => {
            const found = messages(await runStackPolicy(topicReplication, replace(lakehouse(1), hidden(topic("orders", 1, {})))));
            assert.strictEqual(found.length, 1, found.join("\n"));
            assert.match(found[0], /replicationFactor is not set/);
        });
    });
});
