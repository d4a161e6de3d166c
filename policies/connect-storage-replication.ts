// Policy 2: Kafka Connect's config, offset and status topics must fit the stack's brokers, set
// through the variables the Debezium Connect image actually reads.

import type { StackValidationPolicy } from "@pulumi/policy";
import {
    CONNECT_IGNORED_VARIABLES,
    CONNECT_STORAGE_REPLICATION,
    CONNECT_STORAGE_REPLICATION_DEFAULT,
    LABELS,
    ROLES,
} from "../components/settings";
import { ContainerFacts, lookupEnv, stackFacts, withRole } from "./lib/facts";
import {
    CheckResult,
    checkReplicationFactor,
    countBrokers,
    intSetting,
    reportAll,
    undeterminedRoleViolations,
    violation,
    Violation,
} from "./lib/report";

const CONNECT_DEFAULT_SOURCE = "Kafka Connect's default";

/** The CONNECT_-prefixed name that replaces an ignored un-prefixed one. */
function prefixedName(ignored: string): string {
    return `CONNECT_${ignored}`;
}

/**
 * Each Connect worker's storage-topic replication factors lie within 1..brokerCount (exactly 1 on
 * one broker), and no worker sets the un-prefixed names the Debezium image silently ignores.
 */
export function checkConnectStorageReplication(containers: readonly ContainerFacts[]): CheckResult {
    const workers = withRole(containers, ROLES.connect);
    const count = countBrokers(containers);
    const violations: Violation[] = [];
    for (const worker of workers) {
        for (const ignored of CONNECT_IGNORED_VARIABLES) {
            const lookup = lookupEnv(worker.env, ignored);
            if (lookup.state === "set") {
                violations.push(
                    violation(
                        worker,
                        ignored,
                        `"${lookup.value}" (silently ignored by the Debezium Connect image)`,
                        `not set; use ${prefixedName(ignored)}`,
                    ),
                );
            }
        }
    }
    if (workers.length === 0) {
        return { violations, notApplicable: "the stack declares no Kafka Connect worker container" };
    }
    violations.push(...undeterminedRoleViolations(count, LABELS.role));
    if (count.count === 0) {
        // Workers pointed at a Kafka outside the stack: the broker count is not ours to know.
        return violations.length > 0
            ? { violations }
            : { violations, notApplicable: "the stack declares no Kafka broker container to count" };
    }
    for (const worker of workers) {
        for (const name of Object.values(CONNECT_STORAGE_REPLICATION)) {
            const setting = intSetting(lookupEnv(worker.env, name), CONNECT_STORAGE_REPLICATION_DEFAULT);
            const found = checkReplicationFactor(worker, name, setting, count.count, CONNECT_DEFAULT_SOURCE);
            if (found) {
                violations.push(found);
            }
        }
    }
    return { violations };
}

export const connectStorageReplication: StackValidationPolicy = {
    name: "connect-storage-replication",
    description:
        "Kafka Connect's config, offset and status storage replication factors (CONNECT_*_STORAGE_REPLICATION_FACTOR) " +
        "fit the number of kafka-broker containers in the stack, and the un-prefixed names the Debezium image " +
        "ignores are not used.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const result = checkConnectStorageReplication(stackFacts(args.resources).containers);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
