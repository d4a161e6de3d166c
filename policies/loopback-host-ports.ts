// Policy 5c (hygiene): published ports bind to loopback unless the stack allows another address.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ALLOWED_HOST_IPS } from "../components/core/settings";
import { containerFacts, ResourceLike, RESOURCE_TYPES } from "./lib/facts";
import { isUnknown } from "./lib/known";
import { CheckResult, KNOWN_AT_PREVIEW, reportAll, UNKNOWN_FOUND, violation, Violation } from "./lib/report";

export interface LoopbackPortsConfig {
    /** Host addresses a published port may bind to; default 127.0.0.1 only. */
    allowedHostIps?: string[];
}

/** Docker publishes on every interface when a port names no address. */
const DOCKER_DEFAULT_IP = "0.0.0.0";

export function checkLoopbackPorts(resource: ResourceLike, config: LoopbackPortsConfig = {}): CheckResult {
    if (resource.type !== RESOURCE_TYPES.container) {
        return { violations: [], notApplicable: "not a container" };
    }
    const allowedIps = config.allowedHostIps ?? [...DEFAULT_ALLOWED_HOST_IPS];
    const allowed = `one of ${allowedIps.join(", ")} (the policy's allowedHostIps)`;
    const container = containerFacts(resource);
    if (isUnknown(container.ports)) {
        return { violations: [violation(container, "ports", UNKNOWN_FOUND, allowed, KNOWN_AT_PREVIEW + ".")] };
    }
    const violations: Violation[] = [];
    container.ports.forEach((port, index) => {
        const internal = isUnknown(port.internal) ? "?" : String(port.internal);
        const external = isUnknown(port.external) ? "?" : port.external === undefined ? "random" : String(port.external);
        const setting = `ports[${index}].ip (host port ${external} -> container port ${internal})`;
        if (isUnknown(port.ip)) {
            violations.push(violation(container, setting, UNKNOWN_FOUND, allowed, KNOWN_AT_PREVIEW + "."));
            return;
        }
        const ip = port.ip === undefined || port.ip === "" ? DOCKER_DEFAULT_IP : port.ip;
        if (!allowedIps.includes(ip)) {
            const found = port.ip === undefined || port.ip === "" ? `"${ip}" (not set: Docker's default, every interface)` : `"${ip}"`;
            violations.push(violation(container, setting, found, allowed));
        }
    });
    return { violations };
}

export const loopbackHostPorts: ResourceValidationPolicy = {
    name: "loopback-host-ports",
    description:
        "Published container ports bind to 127.0.0.1 unless the policy config's allowedHostIps lists another " +
        "address. Advisory on dev, mandatory elsewhere (see policies/README.md).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            allowedHostIps: {
                type: "array",
                items: { type: "string" },
                default: [...DEFAULT_ALLOWED_HOST_IPS],
                description: "Host addresses a published port may bind to.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const result = checkLoopbackPorts(args, args.getConfig<LoopbackPortsConfig>());
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
