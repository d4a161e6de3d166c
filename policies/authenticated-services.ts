// Policy 5d (hygiene): a service that clients reach from outside its network authenticates them over
// TLS. Checked so far for the services the program can secure (lakehouse:secureServices): Trino. The
// others (Kafka, Connect's REST API, the Iceberg catalog, MinIO) are still plaintext in every stack and
// come to this policy as the program learns to secure them (docs/security.md, "Open").

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ROLES, TRINO_SECURITY } from "../components/settings";
import { containerFacts, ResourceLike, RESOURCE_TYPES } from "./lib/facts";
import { isUnknown } from "./lib/known";
import { CheckResult, KNOWN_AT_PREVIEW, reportAll, UNKNOWN_FOUND, violation, Violation } from "./lib/report";

const TRINO_HTTPS_PORT = TRINO_SECURITY.httpsPort;
const TRINO_SECURITY_FILES = TRINO_SECURITY.files;
const HOW = "Set lakehouse:secureServices to true (LakehouseArgs.secureServices), see docs/security.md";

/** Properties-file text as a map; the last line of a key wins, as in Trino. */
function properties(text: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const line of text.split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0 && !line.trimStart().startsWith("#")) map.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    return map;
}

/**
 * Trino: every published port is the HTTPS port, and the container has a password authenticator and a
 * config.properties with HTTPS and PASSWORD authentication (when its content is known at preview: it
 * holds a generated shared secret, unknown on a stack's first preview; the ports and the authenticator
 * file are known then).
 */
function checkTrino(container: ReturnType<typeof containerFacts>): Violation[] {
    const service = "trino (Trino's HTTP API)";
    const violations: Violation[] = [];
    if (isUnknown(container.ports)) {
        return [violation(container, `${service}: ports`, UNKNOWN_FOUND, `only container port ${TRINO_HTTPS_PORT} (HTTPS)`, KNOWN_AT_PREVIEW + ".")];
    }
    container.ports.forEach((port, i) => {
        if (isUnknown(port.internal)) {
            violations.push(violation(container, `${service}: ports[${i}].internal`, UNKNOWN_FOUND, String(TRINO_HTTPS_PORT), KNOWN_AT_PREVIEW + "."));
        } else if (port.internal !== TRINO_HTTPS_PORT) {
            violations.push(violation(container, `${service}: ports[${i}] (published on the host)`, `container port ${port.internal}, plain HTTP without authentication`,
                `only container port ${TRINO_HTTPS_PORT} (HTTPS with password authentication)`, HOW + "."));
        }
    });
    const authenticator = container.files.contents.get(TRINO_SECURITY_FILES.authenticator);
    if (authenticator === undefined && !container.files.opaque) {
        violations.push(violation(container, `${service}: uploads`, `without ${TRINO_SECURITY_FILES.authenticator} (Trino accepts any user name without a password)`,
            "a password authenticator", HOW + "."));
    } else if (authenticator !== undefined && !isUnknown(authenticator) && !properties(authenticator).get("password-authenticator.name")) {
        violations.push(violation(container, `${service}: ${TRINO_SECURITY_FILES.authenticator}`, "without password-authenticator.name", "a password authenticator", HOW + "."));
    }
    const config = container.files.contents.get(TRINO_SECURITY_FILES.config);
    if (config !== undefined && !isUnknown(config)) {
        const p = properties(config);
        const types = (p.get("http-server.authentication.type") ?? "").split(",").map((t) => t.trim().toUpperCase());
        if (p.get("http-server.https.enabled") !== "true") {
            violations.push(violation(container, `${service}: http-server.https.enabled`, JSON.stringify(p.get("http-server.https.enabled") ?? "(not set)"), '"true"', HOW + "."));
        }
        if (!types.includes("PASSWORD")) {
            violations.push(violation(container, `${service}: http-server.authentication.type`, JSON.stringify(p.get("http-server.authentication.type") ?? "(not set)"), "PASSWORD", HOW + "."));
        }
        if (p.get("http-server.authentication.allow-insecure-over-http") === "true") {
            violations.push(violation(container, `${service}: http-server.authentication.allow-insecure-over-http`, '"true"', '"false" (Trino\'s default)', "Passwords would cross the network in clear."));
        }
    }
    return violations;
}

export function checkAuthenticatedServices(resource: ResourceLike): CheckResult {
    if (resource.type !== RESOURCE_TYPES.container) {
        return { violations: [], notApplicable: "not a container" };
    }
    const container = containerFacts(resource);
    if (container.role === ROLES.trino) return { violations: checkTrino(container) };
    return { violations: [], notApplicable: "not a service this policy checks (Trino so far)" };
}

export const authenticatedServices: ResourceValidationPolicy = {
    name: "authenticated-services",
    description:
        "Services reachable from the host authenticate their clients over TLS (Trino so far: HTTPS with password " +
        "authentication, from lakehouse:secureServices). Advisory on dev, mandatory elsewhere (see policies/README.md).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        const result = checkAuthenticatedServices(args);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
