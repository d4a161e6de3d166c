// Policy 3: every kafka.Topic fits the stack's brokers, and its min ISR fits its replication.

import type { StackValidationPolicy } from "@pulumi/policy";
import { KAFKA_REPLICATION_DEFAULTS, LABELS, TOPIC_MIN_ISR } from "../components/core/settings";
import { kafkaReplicationDefaults } from "./lib/image-defaults";
import { ContainerFacts, lookupEnv, stackFacts, TopicFacts } from "./lib/facts";
import { isUnknown } from "./lib/known";
import {
    CheckResult,
    checkMinIsr,
    checkReplicationFactor,
    countBrokers,
    IntSetting,
    intSetting,
    intValue,
    lookupValue,
    reportAll,
    undeterminedRoleViolations,
    UNKNOWN_FOUND,
    violation,
    Violation,
} from "./lib/report";

const MIN_INSYNC_ENV = "KAFKA_MIN_INSYNC_REPLICAS";

/**
 * The min ISR a topic gets when its config omits min.insync.replicas: the largest broker-level
 * KAFKA_MIN_INSYNC_REPLICAS (Kafka's default 1 where unset), or unknown if a broker's is unknown.
 */
function brokerMinIsr(brokers: readonly ContainerFacts[]): IntSetting {
    let largest = KAFKA_REPLICATION_DEFAULTS[MIN_INSYNC_ENV];
    for (const broker of brokers) {
        const setting = intSetting(lookupEnv(broker.env, MIN_INSYNC_ENV), kafkaReplicationDefaults(broker).values[MIN_INSYNC_ENV]);
        const value = intValue(setting);
        if (value === undefined) {
            return { state: "unknown" };
        }
        largest = Math.max(largest, value);
    }
    return { state: "default", value: largest };
}

/**
 * Each topic's replicationFactor lies within 1..brokerCount (exactly 1 on one broker), and its
 * min.insync.replicas (its own, or the brokers' default) lies within 1..replicationFactor.
 */
export function checkTopicReplication(containers: readonly ContainerFacts[], topics: readonly TopicFacts[]): CheckResult {
    if (topics.length === 0) {
        return { violations: [], notApplicable: "the stack declares no kafka.Topic" };
    }
    const count = countBrokers(containers);
    const violations: Violation[] = undeterminedRoleViolations(count, LABELS.role);
    if (count.count === 0) {
        // Topics on a Kafka outside the stack: the broker count is not ours to know.
        return violations.length > 0
            ? { violations }
            : { violations, notApplicable: "the stack declares no Kafka broker container to count" };
    }
    const defaultIsr = brokerMinIsr(count.brokers);
    for (const topic of topics) {
        const replication = intSetting(lookupValue(topic.replicationFactor));
        const found = checkReplicationFactor(topic, "replicationFactor", replication, count.count, "");
        if (found) {
            violations.push(found);
        }
        if (isUnknown(topic.config)) {
            violations.push(
                violation(topic, `config (${TOPIC_MIN_ISR})`, UNKNOWN_FOUND, "a config known at preview"),
            );
            continue;
        }
        const own = lookupValue(topic.config[TOPIC_MIN_ISR]);
        if (own.state === "unset" && defaultIsr.state === "unknown") {
            continue; // the broker's unknown KAFKA_MIN_INSYNC_REPLICAS is reported by kafka-internal-topic-replication
        }
        const isr: IntSetting = own.state === "unset" ? defaultIsr : intSetting(own);
        const isrFound = checkMinIsr(
            topic,
            `config "${TOPIC_MIN_ISR}"`,
            isr,
            "replicationFactor",
            intValue(replication),
            `the brokers' ${MIN_INSYNC_ENV}`,
        );
        if (isrFound) {
            violations.push(isrFound);
        }
    }
    return { violations };
}

export const topicReplication: StackValidationPolicy = {
    name: "topic-replication",
    description:
        "Every kafka.Topic's replicationFactor fits the number of kafka-broker containers in the stack, and its " +
        "min.insync.replicas is no larger than its replication factor.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const facts = stackFacts(args.resources);
        const result = checkTopicReplication(facts.containers, facts.topics);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
