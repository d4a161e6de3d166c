import * as assert from "assert";
import { kafkaInternalTopicReplication } from "../../../policies/kafka-internal-topic-replication";
import { ROLES } from "../../../components/core/settings";
import { broker, container, envList, internalTopicEnv, lakehouse, messages, replace, runStackPolicy, UNKNOWN_STRING, urnOf, TYPES, without } from "./fixtures";

describe("policy kafka-internal-topic-replication", () => {
    it("passes a one-broker stack whose internal topics all replicate once", async () => {
        const reported = await runStackPolicy(kafkaInternalTopicReplication, lakehouse(1));
        assert.deepStrictEqual(messages(reported), []);
    });

    it("passes a three-broker stack with replication 3 and min ISR 2", async () => {
        const reported = await runStackPolicy(kafkaInternalTopicReplication, lakehouse(3));
        assert.deepStrictEqual(messages(reported), []);
    });

    it("reports Kafka's defaults of 3 on a one-broker stack, naming broker, setting, found and allowed", async () => {
        const stack = replace(lakehouse(1), broker(1, {}));
        const reported = await runStackPolicy(kafkaInternalTopicReplication, stack);
        const found = messages(reported);
        assert.strictEqual(found.length, 3, found.join("\n"));
        const offsets = reported.violations.find((v) => v.message.includes("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"))!;
        assert.strictEqual(offsets.urn, urnOf(TYPES.container, "lakehouse-kafka-1"));
        assert.match(offsets.message, /"lakehouse-kafka-1" \(urn:pulumi:dev::lakehouse::docker:index\/container:Container::lakehouse-kafka-1\)/);
        assert.match(offsets.message, /is 3 \(not set: Kafka's default\); allowed: exactly 1 \(the stack has 1 Kafka broker\)/);
        assert.ok(found.some((m) => m.includes("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR is 3")));
        assert.ok(found.some((m) => m.includes("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR is 3")));
    });

    it("passes one apache/kafka broker with no KAFKA_* server setting: the image runs its single-node default file", async () => {
        // Upstream fact (apache/kafka docker/: KafkaDockerWrapper and the image's server.properties): with no
        // KAFKA_* property in the environment the default file applies, every internal topic replicated once.
        for (const image of ["apache/kafka:4.1.1", "pulumi-lakehouse/kafka:4.3.1"]) {
            const bare = container("kafka-1", ROLES.kafkaBroker, { image, envs: envList({ KAFKA_HEAP_OPTS: "-Xmx512m", CLUSTER_ID: "5L6g3nShT-eMCtK--X86sw" }) });
            assert.deepStrictEqual(messages(await runStackPolicy(kafkaInternalTopicReplication, replace(lakehouse(1), bare))), [], image);
        }
        const other = container("kafka-1", ROLES.kafkaBroker, { image: "bitnami/kafka:4.0.0", envs: [] });
        const found = messages(await runStackPolicy(kafkaInternalTopicReplication, replace(lakehouse(1), other)));
        assert.ok(found.some((m) => /KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is 3 \(not set: Kafka's default\)/.test(m)), found.join("\n"));
    });

    it("reports a replication factor above the three brokers and a min ISR above its replication factor", async () => {
        const env = { ...internalTopicEnv(3), KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "4", KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "3", KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "2" };
        const stack = replace(lakehouse(3), broker(2, env));
        const found = messages(await runStackPolicy(kafkaInternalTopicReplication, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-kafka-2".*KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is 4; allowed: 1 to 3 \(the stack has 3 Kafka brokers\)/);
        assert.match(found[1], /KAFKA_TRANSACTION_STATE_LOG_MIN_ISR is 3; allowed: 1 to 2 \(no larger than KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR, which is 2\)/);
    });

    it("counts brokers from the stack's containers: replication 3 fails once a broker is removed", async () => {
        const stack = without(lakehouse(3), "lakehouse-kafka-3");
        const found = messages(await runStackPolicy(kafkaInternalTopicReplication, stack));
        assert.ok(found.length >= 4 * 2, found.join("\n"));
        assert.ok(found.every((m) => m.includes("allowed: 1 to 2 (the stack has 2 Kafka brokers)")), found.join("\n"));
    });

    it("reports a setting unknown at preview instead of passing it", async () => {
        const stack = lakehouse(1);
        const env = internalTopicEnv(1);
        delete (env as Record<string, string>).KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR;
        const unknownBroker = broker(1, env);
        (unknownBroker.props.envs as unknown[]).push(UNKNOWN_STRING);
        const found = messages(await runStackPolicy(kafkaInternalTopicReplication, replace(stack, unknownBroker)));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is unknown at preview .*; allowed: exactly 1/);
    });

    it("does not apply to a stack without Kafka brokers", async () => {
        const reported = await runStackPolicy(kafkaInternalTopicReplication, lakehouse(1).filter((r) => !r.name.startsWith("lakehouse-kafka")));
        assert.deepStrictEqual(messages(reported), []);
        assert.match(reported.notApplicable ?? "", /no Kafka broker/);
    });
});
