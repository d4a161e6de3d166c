// Shared vocabulary of the checks: a violation names the resource, the setting, the value found and
// the value allowed, always in that order, so every message reads the same way.

import type { ReportViolation } from "@pulumi/policy";
import { ROLES } from "../../components/core/settings";
import { ContainerFacts, Lookup, ResourceRef, withRole } from "./facts";
import { isUnknown } from "./known";

export interface Violation {
    urn: string;
    message: string;
}

/** What a check found: violations, notes on what it could not judge, or why it does not apply. */
export interface CheckResult {
    violations: Violation[];
    /** Set when the stack has nothing this check looks at. */
    notApplicable?: string;
}

export function describeResource(ref: ResourceRef): string {
    return `"${ref.name}" (${ref.urn})`;
}

export function violation(ref: ResourceRef, setting: string, found: string, allowed: string, why?: string): Violation {
    const reason = why ? ` ${why}` : "";
    return { urn: ref.urn, message: `${describeResource(ref)}: ${setting} is ${found}; allowed: ${allowed}.${reason}` };
}

export const UNKNOWN_FOUND = "unknown at preview (computed from another resource's output)";
export const KNOWN_AT_PREVIEW = "Set it from stack config or a literal so that this policy can check it at preview";

/** Reports a check's violations through the policy server (or a test's collector). */
export function reportAll(violations: readonly Violation[], reportViolation: ReportViolation): void {
    for (const { message, urn } of violations) {
        reportViolation(message, urn);
    }
}

/** An integer setting as found: given, defaulted, unknown at preview or not an integer. */
export type IntSetting =
    | { state: "set"; value: number }
    | { state: "default"; value: number }
    | { state: "unset" }
    | { state: "unknown" }
    | { state: "invalid"; raw: string };

export function intSetting(lookup: Lookup<unknown>, defaultValue?: number): IntSetting {
    if (lookup.state === "unknown") {
        return { state: "unknown" };
    }
    if (lookup.state === "unset") {
        return defaultValue === undefined ? { state: "unset" } : { state: "default", value: defaultValue };
    }
    return parseInteger(lookup.value);
}

export function parseInteger(raw: unknown): IntSetting {
    if (isUnknown(raw)) {
        return { state: "unknown" };
    }
    const text = String(raw).trim();
    return /^-?\d+$/.test(text) ? { state: "set", value: Number(text) } : { state: "invalid", raw: String(raw) };
}

/** Wraps a plain value (or an absent one) as a lookup. */
export function lookupValue(value: unknown): Lookup<unknown> {
    if (isUnknown(value)) {
        return { state: "unknown" };
    }
    return value === undefined || value === null ? { state: "unset" } : { state: "set", value };
}

export function describeInt(setting: IntSetting, defaultSource = "the default"): string {
    switch (setting.state) {
        case "set":
            return String(setting.value);
        case "default":
            return `${setting.value} (not set: ${defaultSource})`;
        case "unset":
            return "not set";
        case "unknown":
            return UNKNOWN_FOUND;
        case "invalid":
            return `"${setting.raw}" (not an integer)`;
    }
}

export function intValue(setting: IntSetting): number | undefined {
    return setting.state === "set" || setting.state === "default" ? setting.value : undefined;
}

/** The Kafka brokers of the stack, counted from its own containers (a StatefulSet counts its replicas). */
export interface BrokerCount {
    count: number;
    brokers: ContainerFacts[];
    /** Containers whose role label is unknown at preview (each might be a broker), and brokers whose replica count is. */
    undetermined: ContainerFacts[];
}

export function countBrokers(containers: readonly ContainerFacts[]): BrokerCount {
    const brokers = withRole(containers, ROLES.kafkaBroker);
    const count = brokers.reduce((sum, b) => sum + (b.replicas === undefined ? 1 : isUnknown(b.replicas) ? 0 : b.replicas), 0);
    const undetermined = [...containers.filter((c) => isUnknown(c.role)), ...brokers.filter((b) => isUnknown(b.replicas))];
    return { count, brokers, undetermined };
}

/** Violations for containers whose role label (or a broker workload's replica count) is unknown, which makes the broker count uncertain. */
export function undeterminedRoleViolations(count: BrokerCount, roleLabel: string): Violation[] {
    return count.undetermined.map((container) =>
        violation(
            container,
            isUnknown(container.role) ? `label ${container.roleLabel ?? roleLabel}` : "spec.replicas",
            UNKNOWN_FOUND,
            isUnknown(container.role) ? "a literal role" : "a literal replica count",
            "Without it the Kafka broker count, which bounds every replication factor, cannot be established.",
        ),
    );
}

export function replicationAllowed(brokers: number): string {
    return brokers === 1
        ? "exactly 1 (the stack has 1 Kafka broker)"
        : `1 to ${brokers} (the stack has ${brokers} Kafka brokers)`;
}

export function withinBrokers(value: number, brokers: number): boolean {
    return Number.isInteger(value) && value >= 1 && value <= brokers;
}

/**
 * Checks one replication factor against the broker count; returns a violation or undefined.
 * Unknown and malformed values are violations too: the policy must see a value to pass it.
 */
export function checkReplicationFactor(
    ref: ResourceRef,
    settingName: string,
    setting: IntSetting,
    brokers: number,
    defaultSource: string,
): Violation | undefined {
    const allowed = replicationAllowed(brokers);
    if (setting.state === "unknown") {
        return violation(ref, settingName, UNKNOWN_FOUND, allowed, KNOWN_AT_PREVIEW + ".");
    }
    if (setting.state === "unset") {
        return violation(ref, settingName, "not set", allowed);
    }
    if (setting.state === "invalid") {
        return violation(ref, settingName, describeInt(setting), allowed);
    }
    if (!withinBrokers(setting.value, brokers)) {
        return violation(ref, settingName, describeInt(setting, defaultSource), allowed);
    }
    return undefined;
}

/** Checks a min-ISR setting against the replication factor it belongs to (both already parsed). */
export function checkMinIsr(
    ref: ResourceRef,
    isrName: string,
    isr: IntSetting,
    replicationName: string,
    replication: number | undefined,
    defaultSource: string,
): Violation | undefined {
    if (replication === undefined) {
        return undefined; // the replication factor itself is already reported
    }
    const allowed = `1 to ${replication} (no larger than ${replicationName}, which is ${replication})`;
    if (isr.state === "unknown") {
        return violation(ref, isrName, UNKNOWN_FOUND, allowed, KNOWN_AT_PREVIEW + ".");
    }
    if (isr.state === "invalid") {
        return violation(ref, isrName, describeInt(isr), allowed);
    }
    const value = intValue(isr);
    if (value !== undefined && (value < 1 || value > replication)) {
        return violation(ref, isrName, describeInt(isr, defaultSource), allowed);
    }
    return undefined;
}
