// Policy 1: the replication of Kafka's internal topics must fit the brokers the stack declares.

import type { StackValidationPolicy } from "@pulumi/policy";
import { KAFKA_INTERNAL_MIN_ISR, KAFKA_INTERNAL_REPLICATION, LABELS } from "../components/core/settings";
import { ContainerFacts, lookupEnv, stackFacts } from "./lib/facts";
import { kafkaReplicationDefaults } from "./lib/image-defaults";
import {
    CheckResult,
    checkMinIsr,
    checkReplicationFactor,
    countBrokers,
    intSetting,
    intValue,
    reportAll,
    undeterminedRoleViolations,
    Violation,
} from "./lib/report";

/**
 * Every broker's internal-topic replication factors (offsets, transaction state log, share
 * coordinator state, default) lie within 1..brokerCount, exactly 1 on one broker, and each min ISR
 * is no larger than its replication factor. The broker count is the number of kafka-broker
 * containers in the stack. A missing setting is judged at what the broker's image uses for it.
 */
export function checkKafkaInternalReplication(containers: readonly ContainerFacts[]): CheckResult {
    const count = countBrokers(containers);
    const violations: Violation[] = undeterminedRoleViolations(count, LABELS.role);
    if (count.count === 0) {
        return violations.length > 0 ? { violations } : { violations, notApplicable: "the stack declares no Kafka broker container" };
    }
    for (const broker of count.brokers) {
        const defaults = kafkaReplicationDefaults(broker);
        const replication = new Map<string, number | undefined>();
        for (const name of Object.values(KAFKA_INTERNAL_REPLICATION)) {
            const setting = intSetting(lookupEnv(broker.env, name), defaults.values[name]);
            const found = checkReplicationFactor(broker, name, setting, count.count, defaults.source);
            if (found) {
                violations.push(found);
            }
            replication.set(name, intValue(setting));
        }
        for (const [isrName, replicationName] of Object.entries(KAFKA_INTERNAL_MIN_ISR)) {
            const isr = intSetting(lookupEnv(broker.env, isrName), defaults.values[isrName]);
            const found = checkMinIsr(broker, isrName, isr, replicationName, replication.get(replicationName), defaults.source);
            if (found) {
                violations.push(found);
            }
        }
    }
    return { violations };
}

export const kafkaInternalTopicReplication: StackValidationPolicy = {
    name: "kafka-internal-topic-replication",
    description:
        "Kafka internal-topic replication factors (offsets, transaction state, share coordinator state, default) " +
        "fit the number of kafka-broker containers in the stack (exactly 1 on one broker), and each min ISR is " +
        "no larger than its replication factor.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const result = checkKafkaInternalReplication(stackFacts(args.resources).containers);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
