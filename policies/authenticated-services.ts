// Policy 5d (hygiene): a service that clients reach from outside its network authenticates them over
// TLS. Checked so far for the services the program can secure (lakehouse:secureServices): Trino (HTTPS
// and passwords) and Kafka Connect's REST API (HTTP basic authentication; TLS is still open). The others
// (Kafka, the Iceberg catalog, MinIO) are still plaintext in every stack and come to this policy as the
// program learns to secure them (docs/security.md, "Open").

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CONNECT_REST_AUTH, ROLES, TRINO_SECURITY } from "../components/core/settings";
import { containerFacts, lookupEnv, ResourceLike, RESOURCE_TYPES } from "./lib/facts";
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

/**
 * Kafka Connect: the worker loads Kafka's BasicAuthSecurityRestExtension (rest.extension.classes, as the
 * image's CONNECT_REST_EXTENSION_CLASSES) and gets a JAAS file (KAFKA_OPTS), without which the extension
 * has no login to check; when that file's content is known, it names the KafkaConnect section.
 */
function checkConnect(container: ReturnType<typeof containerFacts>): Violation[] {
    const service = "connect (Kafka Connect's REST API)";
    const extension = lookupEnv(container.env, CONNECT_REST_AUTH.extensionEnv);
    const setting = `${service}: rest.extension.classes (${CONNECT_REST_AUTH.extensionEnv})`;
    if (extension.state === "unknown") return [violation(container, setting, UNKNOWN_FOUND, CONNECT_REST_AUTH.extensionClass, KNOWN_AT_PREVIEW + ".")];
    const classes = extension.state === "set" ? extension.value.split(",").map((c) => c.trim()) : [];
    if (!classes.includes(CONNECT_REST_AUTH.extensionClass)) {
        const found = extension.state === "set" ? JSON.stringify(extension.value) : "not set (the REST API creates, changes and deletes connectors for anyone who reaches it, without a login)";
        return [violation(container, setting, found, `${CONNECT_REST_AUTH.extensionClass} (HTTP basic authentication)`, HOW + ".")];
    }
    const options = lookupEnv(container.env, CONNECT_REST_AUTH.jvmOptionsEnv);
    const jaasSetting = `${service}: ${CONNECT_REST_AUTH.jvmOptionsEnv}`;
    if (options.state === "unknown") return [violation(container, jaasSetting, UNKNOWN_FOUND, `-D${CONNECT_REST_AUTH.jaasProperty}=<file>`, KNOWN_AT_PREVIEW + ".")];
    const jaasFile = options.state === "set" ? new RegExp(`-D${CONNECT_REST_AUTH.jaasProperty.replace(/\./g, "\\.")}=(\\S+)`).exec(options.value)?.[1] : undefined;
    if (jaasFile === undefined) {
        return [violation(container, jaasSetting, `${options.state === "set" ? JSON.stringify(options.value) : "not set"}, without a JAAS file`,
            `-D${CONNECT_REST_AUTH.jaasProperty}=<file with a ${CONNECT_REST_AUTH.jaasSection} section>`, HOW + ".")];
    }
    const jaas = container.files.contents.get(jaasFile);
    if (jaas !== undefined && !isUnknown(jaas) && !new RegExp(`^\\s*${CONNECT_REST_AUTH.jaasSection}\\s*\\{`, "m").test(jaas)) {
        return [violation(container, `${service}: ${jaasFile}`, `without a ${CONNECT_REST_AUTH.jaasSection} section`, `a ${CONNECT_REST_AUTH.jaasSection} section naming a login module`, HOW + ".")];
    }
    return [];
}

export function checkAuthenticatedServices(resource: ResourceLike): CheckResult {
    if (resource.type !== RESOURCE_TYPES.container) {
        return { violations: [], notApplicable: "not a container" };
    }
    const container = containerFacts(resource);
    if (container.role === ROLES.trino) return { violations: checkTrino(container) };
    if (container.role === ROLES.connect) return { violations: checkConnect(container) };
    return { violations: [], notApplicable: "not a service this policy checks (Trino and Kafka Connect so far)" };
}

export const authenticatedServices: ResourceValidationPolicy = {
    name: "authenticated-services",
    description:
        "Services reachable from the host authenticate their clients over TLS (so far: Trino, HTTPS with password " +
        "authentication; Kafka Connect's REST API, HTTP basic authentication; both from lakehouse:secureServices). Advisory on dev, mandatory elsewhere (see policies/README.md).",
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
