// Policy 5d (hygiene): a service that clients reach from outside its network authenticates them over
// TLS. Checked so far for the services the program can secure (lakehouse:secureServices): Trino (HTTPS
// and passwords), Kafka Connect's REST API (HTTP basic authentication; TLS is still open), Kafka
// (SASL/SCRAM over TLS on every client listener, TLS between controllers) and MinIO (HTTPS; its clients
// always sign with a key). The Iceberg catalog is still plaintext in every stack and comes to this policy
// when the program can secure it (docs/security.md, "Open").

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

/** The SASL mechanisms a broker may enable: SCRAM only (PLAIN sends the password itself, even if over TLS). */
const SCRAM_MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-512"];

/**
 * Kafka: every listener maps to SASL_SSL (KAFKA_LISTENER_SECURITY_PROTOCOL_MAP), but the controllers' own,
 * which may be SSL (KRaft controllers cannot take SCRAM: their credentials live in the metadata they
 * serve); and the enabled SASL mechanisms are SCRAM only. Kafka's defaults (no map) are plaintext.
 */
function checkKafka(container: ReturnType<typeof containerFacts>): Violation[] {
    const service = "kafka (the brokers' listeners)";
    const env = (name: string) => lookupEnv(container.env, name);
    const map = env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP");
    const mapSetting = `${service}: listener.security.protocol.map (KAFKA_LISTENER_SECURITY_PROTOCOL_MAP)`;
    const want = "SASL_SSL on every listener (SSL on the controllers')";
    if (map.state === "unknown") return [violation(container, mapSetting, UNKNOWN_FOUND, want, KNOWN_AT_PREVIEW + ".")];
    if (map.state !== "set") return [violation(container, mapSetting, "not set (every listener plaintext, no authentication)", want, HOW + ".")];
    const controllers = env("KAFKA_CONTROLLER_LISTENER_NAMES");
    if (controllers.state === "unknown") return [violation(container, `${service}: KAFKA_CONTROLLER_LISTENER_NAMES`, UNKNOWN_FOUND, "the controller listener's name", KNOWN_AT_PREVIEW + ".")];
    const controllerNames = controllers.state === "set" ? controllers.value.split(",").map((n) => n.trim()) : [];
    const violations: Violation[] = [];
    const weak = map.value.split(",").map((entry) => entry.trim().split(":")).filter(([name, protocol]) => {
        const p = (protocol ?? "").trim().toUpperCase();
        return controllerNames.includes(name) ? p !== "SSL" && p !== "SASL_SSL" : p !== "SASL_SSL";
    });
    if (weak.length > 0) {
        violations.push(violation(container, mapSetting, weak.map(([n, p]) => `${n}:${p ?? "?"}`).join(", ") + " (without TLS or without authentication)", want, HOW + "."));
    }
    const mechanisms = env("KAFKA_SASL_ENABLED_MECHANISMS");
    if (mechanisms.state === "unknown") {
        violations.push(violation(container, `${service}: KAFKA_SASL_ENABLED_MECHANISMS`, UNKNOWN_FOUND, SCRAM_MECHANISMS.join(" or "), KNOWN_AT_PREVIEW + "."));
    } else {
        const enabled = mechanisms.state === "set" ? mechanisms.value.split(",").map((m) => m.trim().toUpperCase()).filter((m) => m !== "") : [];
        const other = enabled.filter((m) => !SCRAM_MECHANISMS.includes(m));
        // Kafka's default is GSSAPI (Kerberos), which the program never sets up.
        if (enabled.length === 0 || other.length > 0) {
            violations.push(violation(container, `${service}: sasl.enabled.mechanisms (KAFKA_SASL_ENABLED_MECHANISMS)`,
                enabled.length === 0 ? "not set (Kafka's default, GSSAPI)" : JSON.stringify(mechanisms.state === "set" ? mechanisms.value : ""),
                `${SCRAM_MECHANISMS.join(" or ")} only`, HOW + "."));
        }
    }
    return violations;
}

/** MinIO's own certificate directory for root (its image's user) when `--certs-dir` is not given. */
const MINIO_DEFAULT_CERTS_DIR = "/root/.minio/certs";

/**
 * MinIO: serves TLS, i.e. its certificate directory (`--certs-dir`/`-S`, else MinIO's default for root)
 * holds `public.crt` and `private.key` among the container's uploads. Its S3 API always requires a
 * signed request; without TLS the keys' signatures and every object cross the network in clear. While
 * the uploads are unknown (a first preview), a named `--certs-dir` passes and its absence is a violation.
 */
function checkMinio(container: ReturnType<typeof containerFacts>): Violation[] {
    const service = "minio (the S3 API and console)";
    const want = "HTTPS: public.crt and private.key in MinIO's certificate directory (--certs-dir)";
    if (isUnknown(container.command)) return [violation(container, `${service}: command`, UNKNOWN_FOUND, want, KNOWN_AT_PREVIEW + ".")];
    const args = container.command;
    if (args.some((a) => isUnknown(a))) return [violation(container, `${service}: command`, UNKNOWN_FOUND, want, KNOWN_AT_PREVIEW + ".")];
    const known = args as string[];
    const flag = known.findIndex((a) => a === "--certs-dir" || a === "-S");
    const inline = known.find((a) => a.startsWith("--certs-dir="));
    const given = inline ? inline.slice("--certs-dir=".length) : flag >= 0 ? known[flag + 1] : undefined;
    const dir = given ?? MINIO_DEFAULT_CERTS_DIR;
    if (container.files.opaque) {
        // Uploads unknown (a first preview: they hold a generated key): a certificate directory named on the
        // command line is taken as TLS, as the program sets it; without one nothing says TLS is on.
        return given !== undefined ? [] : [violation(container, `${service}: command`,
            `without --certs-dir (its uploads are unknown at preview, so MinIO's default ${MINIO_DEFAULT_CERTS_DIR} cannot be checked)`, want, HOW + ".")];
    }
    const missing = ["public.crt", "private.key"].filter((f) => !container.files.contents.has(`${dir.replace(/\/+$/, "")}/${f}`));
    if (missing.length === 0) return [];
    return [violation(container, `${service}: ${dir}`, `without ${missing.join(" and ")} (plain HTTP: signatures and objects in clear)`, want, HOW + ".")];
}

export function checkAuthenticatedServices(resource: ResourceLike): CheckResult {
    if (resource.type !== RESOURCE_TYPES.container) {
        return { violations: [], notApplicable: "not a container" };
    }
    const container = containerFacts(resource);
    if (container.role === ROLES.trino) return { violations: checkTrino(container) };
    if (container.role === ROLES.connect) return { violations: checkConnect(container) };
    if (container.role === ROLES.kafkaBroker) return { violations: checkKafka(container) };
    if (container.role === ROLES.minio) return { violations: checkMinio(container) };
    return { violations: [], notApplicable: "not a service this policy checks (Trino, Kafka Connect, Kafka and MinIO so far)" };
}

export const authenticatedServices: ResourceValidationPolicy = {
    name: "authenticated-services",
    description:
        "Services reachable from the host authenticate their clients over TLS (so far: Trino, HTTPS with password " +
        "authentication; Kafka Connect's REST API, HTTP basic authentication; Kafka, SASL/SCRAM over TLS; MinIO, HTTPS; all from lakehouse:secureServices). Advisory on dev, mandatory elsewhere (see policies/README.md).",
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
