// Policy 2: Kafka Connect's config, offset and status topics must fit the stack's brokers, set
// through the variables the Debezium Connect image actually reads.

import type { StackValidationPolicy } from "@pulumi/policy";
import {
    CONNECT_IGNORED_VARIABLES,
    CONNECT_STORAGE_REPLICATION,
    LABELS,
    RECOMMENDED_REPLICATION_FACTOR,
    ROLES,
} from "../components/core/settings";
import { ContainerFacts, lookupEnv, stackFacts, withRole } from "./lib/facts";
import { connectStorageDefault } from "./lib/image-defaults";
import { isUnknown } from "./lib/known";
import {
    CheckResult,
    checkReplicationFactor,
    countBrokers,
    describeInt,
    intSetting,
    KNOWN_AT_PREVIEW,
    replicationAllowed,
    reportAll,
    undeterminedRoleViolations,
    violation,
    Violation,
} from "./lib/report";

/** The CONNECT_-prefixed name that replaces an ignored un-prefixed one. */
function prefixedName(ignored: string): string {
    return `CONNECT_${ignored}`;
}

/**
 * Each Connect worker's storage-topic replication factors lie within 1..brokerCount (exactly 1 on
 * one broker), a missing one judged at the image's default, and no worker sets the un-prefixed names
 * the Debezium image silently ignores.
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
            const found = checkStorageReplication(worker, name, count.count);
            if (found) {
                violations.push(found);
            }
        }
    }
    return { violations };
}

/**
 * One storage replication factor: a value given is allowed within 1..brokers; a missing one is judged
 * at the worker image's own default, which must also reach the durable replication the stack derives
 * (min(3, brokers)), since nobody chose it: the Debezium image's 1 on three brokers is refused.
 */
function checkStorageReplication(worker: ContainerFacts, name: string, brokers: number): Violation | undefined {
    const lookup = lookupEnv(worker.env, name);
    if (lookup.state !== "unset") {
        return checkReplicationFactor(worker, name, intSetting(lookup), brokers, "");
    }
    const fallback = connectStorageDefault(worker);
    if (isUnknown(fallback)) {
        return violation(worker, name, "not set, and the image is unknown at preview, so its default cannot be told",
            replicationAllowed(brokers), KNOWN_AT_PREVIEW + ".");
    }
    const setting = { state: "default" as const, value: fallback.value };
    const outside = checkReplicationFactor(worker, name, setting, brokers, fallback.source);
    if (outside) {
        return outside;
    }
    const durable = Math.min(RECOMMENDED_REPLICATION_FACTOR, brokers);
    if (setting.value < durable) {
        const range = durable < brokers ? `${durable} to ${brokers}` : String(durable);
        return violation(worker, name, describeInt(setting, fallback.source),
            `${range} when left to the image (the stack has ${brokers} Kafka brokers)`,
            `With ${setting.value} ${setting.value === 1 ? "replica" : "replicas"} the connectors' configs, offsets and statuses do not survive the loss of a broker; ` +
                `set ${name} (the library derives ${durable}), or to a smaller value on purpose.`);
    }
    return undefined;
}

export const connectStorageReplication: StackValidationPolicy = {
    name: "connect-storage-replication",
    description:
        "Kafka Connect's config, offset and status storage replication factors (CONNECT_*_STORAGE_REPLICATION_FACTOR) " +
        "fit the number of kafka-broker containers in the stack (a missing one is judged at the worker image's default, " +
        "which must reach min(3, brokers)), and the un-prefixed names the Debezium image ignores are not used.",
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
