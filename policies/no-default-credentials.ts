// Policy 5a (hygiene): no service runs with a well-known default credential.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CREDENTIAL_ENVS, DEBEZIUM_CONFIG, DEFAULT_CREDENTIALS } from "../components/core/settings";
import { connectorFacts, containerFacts, isDynamicType, lookupCredential, ResourceLike, RESOURCE_TYPES, workloadFacts } from "./lib/facts";
import { isUnknown, UNKNOWN } from "./lib/known";
import { CheckResult, reportAll, violation, Violation } from "./lib/report";

/** A credential the check could not judge because its password is unknown at preview. */
export interface SkippedCredential {
    urn: string;
    name: string;
    setting: string;
}

export interface CredentialsResult extends CheckResult {
    /** Passwords unknown at preview (generated, or computed from outputs): their check is skipped. */
    skipped: SkippedCredential[];
}

const DEFAULT_PASSWORDS = new Set<string>(DEFAULT_CREDENTIALS.map((pair) => pair.password));
const ALLOWED = "a password that is not a well-known default (a Pulumi config secret or a generated password)";

function describePair(user: string | undefined, password: string): string {
    const pair = DEFAULT_CREDENTIALS.find((candidate) => candidate.password === password && candidate.user === user);
    return pair ? `the default ${pair.user}/${pair.password}` : `the well-known default password "${password}"${user === undefined ? "" : ` (user "${user}")`}`;
}

/**
 * A container or connector whose password is one of the well-known defaults (DEFAULT_CREDENTIALS)
 * is a violation. A password unknown at preview is skipped and listed, never passed silently.
 */
export function checkDefaultCredentials(resource: ResourceLike): CredentialsResult {
    const violations: Violation[] = [];
    const skipped: SkippedCredential[] = [];
    // A Kubernetes workload's main container is judged like a Docker container, on its literal `value`s: an
    // entry `valueFrom` a Secret (and a *_FILE mounted from one) is how that platform hands a credential,
    // which the pack does not read, so it is neither judged nor listed as skipped (it never becomes known).
    const workload = resource.type === RESOURCE_TYPES.statefulSet || resource.type === RESOURCE_TYPES.deployment;
    if (resource.type === RESOURCE_TYPES.container || workload) {
        const container = workload ? workloadFacts(resource, []) : containerFacts(resource);
        for (const credential of CREDENTIAL_ENVS) {
            const password = lookupCredential(container, credential.password);
            if (password.state === "unknown" && workload) {
                continue;
            }
            if (password.state === "unknown") {
                // An unknown entry hides its name too: note the skip where this password is expected.
                const userVisible = credential.user !== undefined &&
                    (container.env.values.has(credential.user) || container.env.values.has(`${credential.user}_FILE`));
                if (userVisible || (credential.role !== undefined && container.role === credential.role)) {
                    skipped.push({ urn: container.urn, name: container.name, setting: credential.password });
                }
                continue;
            }
            if (password.state !== "set" || !DEFAULT_PASSWORDS.has(password.value)) {
                continue;
            }
            let user: string | undefined = credential.fixedUser;
            if (credential.user) {
                const lookup = lookupCredential(container, credential.user);
                user = lookup.state === "set" ? lookup.value : lookup.state === "unset" ? credential.defaultUser : undefined;
            }
            violations.push(violation(container, credential.password, describePair(user, password.value), ALLOWED));
        }
        return { violations, skipped, notApplicable: undefined };
    }
    if (isDynamicType(resource.type)) {
        const connector = connectorFacts(resource);
        if (!connector) {
            return { violations, skipped, notApplicable: "not a connector" };
        }
        const secrets = connector.secretConfig;
        let password = isUnknown(secrets) ? UNKNOWN : (secrets[DEBEZIUM_CONFIG.password] ?? connector.config[DEBEZIUM_CONFIG.password]);
        // `${provider:path:key}`: the value is the referenced secret of that key, handed to the resource apart.
        const reference = typeof password === "string" ? /^\$\{[^{}:]+:(?:[^{}:]*:)?([^{}:]+)\}$/.exec(password) : null;
        if (reference) {
            const refs = connector.referencedSecrets;
            password = isUnknown(refs) ? UNKNOWN : refs[reference[1]];
        }
        const user = connector.config[DEBEZIUM_CONFIG.user] ?? (isUnknown(secrets) ? undefined : secrets[DEBEZIUM_CONFIG.user]);
        if (isUnknown(password)) {
            skipped.push({ urn: connector.urn, name: connector.name, setting: DEBEZIUM_CONFIG.password });
        } else if (typeof password === "string" && DEFAULT_PASSWORDS.has(password)) {
            violations.push(violation(connector, DEBEZIUM_CONFIG.password, describePair(typeof user === "string" ? user : undefined, password), ALLOWED));
        }
        return { violations, skipped };
    }
    return { violations, skipped, notApplicable: "not a container, workload or connector" };
}

export const noDefaultCredentials: ResourceValidationPolicy = {
    name: "no-default-credentials",
    description:
        "No container, Kubernetes workload or connector uses a well-known default credential (minioadmin/minioadmin, admin/admin, ...) " +
        "as a literal value (on Kubernetes, a value from a Secret is not read). " +
        "Advisory on dev, mandatory elsewhere (see policies/README.md). Passwords unknown at preview are skipped " +
        "and listed by the preview-unknowns policy.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, reportViolation) => {
        const result = checkDefaultCredentials(args);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
