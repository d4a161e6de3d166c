// Policy 4: every database a Debezium connector captures is able to serve it, and connectors do not
// share the state they must own (a replication slot, a replica server id, a schema-history topic).

import type { StackValidationPolicy } from "@pulumi/policy";
import {
    CONNECTOR_CLASSES,
    DEBEZIUM_CONFIG,
    DEBEZIUM_DEFAULTS,
    DEBEZIUM_REMOVED_CONFIG,
    MYSQL_SERVER_OPTIONS,
    ROLES,
} from "../components/core/settings";
import { ConnectorFacts, ContainerFacts, ResourceRef, stackFacts } from "./lib/facts";
import { isUnknown } from "./lib/known";
import {
    CheckResult,
    describeInt,
    describeResource,
    intSetting,
    intValue,
    KNOWN_AT_PREVIEW,
    lookupValue,
    reportAll,
    UNKNOWN_FOUND,
    violation,
    Violation,
} from "./lib/report";
import { checkMysqlServer, checkPostgresServer } from "./lib/source-servers";

export interface CdcSourcesConfig {
    /** Database hosts outside the stack that connectors may capture (their server settings are not checked). */
    externalDatabaseHosts?: string[];
}

type SourceKind = "postgres" | "mysql";

const MYSQL_CLASSES: readonly string[] = [CONNECTOR_CLASSES.mysql, CONNECTOR_CLASSES.mariadb];

function sourceKind(connector: ConnectorFacts): SourceKind | undefined {
    const connectorClass = connector.config[DEBEZIUM_CONFIG.connectorClass];
    if (connectorClass === CONNECTOR_CLASSES.postgres) {
        return "postgres";
    }
    return MYSQL_CLASSES.includes(String(connectorClass)) ? "mysql" : undefined;
}

const ROLE_OF: Record<SourceKind, string> = { postgres: ROLES.postgres, mysql: ROLES.mysql };

function describeValue(value: unknown, defaultValue?: string, defaultSource = "Debezium's default"): string {
    if (isUnknown(value)) {
        return UNKNOWN_FOUND;
    }
    if (value === undefined || value === null) {
        return defaultValue === undefined ? "not set" : `"${defaultValue}" (not set: ${defaultSource})`;
    }
    return `"${String(value)}"`;
}

/** A captured database: a container of the stack, or an allowed external host (unchecked). */
interface Source {
    key: string;
    container?: ContainerFacts;
}

function resolveSource(
    connector: ConnectorFacts,
    kind: SourceKind,
    containers: readonly ContainerFacts[],
    externalHosts: readonly string[],
    violations: Violation[],
): Source | undefined {
    const hostname = connector.config[DEBEZIUM_CONFIG.hostname];
    const candidates = containers.filter((c) => c.role === ROLE_OF[kind]);
    const known = candidates.flatMap((c) => c.hostnames.slice(0, 1));
    const allowed =
        `the hostname of a ${ROLE_OF[kind]} container in this stack` +
        (known.length > 0 ? ` (${known.map((h) => `"${h}"`).join(", ")})` : "") +
        (externalHosts.length > 0 ? ` or an allowed external host (${externalHosts.join(", ")})` : " or a host listed in the policy's externalDatabaseHosts");
    if (isUnknown(hostname) || hostname === undefined || hostname === null || hostname === "") {
        violations.push(violation(connector, DEBEZIUM_CONFIG.hostname, describeValue(hostname), allowed));
        return undefined;
    }
    const host = String(hostname);
    const match = containers.find((c) => c.hostnames.includes(host));
    if (match && match.role === ROLE_OF[kind]) {
        return { key: match.urn, container: match };
    }
    if (match) {
        violations.push(
            violation(
                connector,
                DEBEZIUM_CONFIG.hostname,
                `"${host}", which is ${describeResource(match)} with role ${isUnknown(match.role) ? UNKNOWN_FOUND : `"${match.role}"`}`,
                allowed,
            ),
        );
        return undefined;
    }
    if (externalHosts.includes(host)) {
        return { key: `external:${host}` };
    }
    violations.push(violation(connector, DEBEZIUM_CONFIG.hostname, `"${host}" (no such container)`, allowed));
    return undefined;
}

/** Owners of one value that must be unique; reports each owner once the value has two. */
function reportDuplicates(
    owners: Map<string, ResourceRef[]>,
    setting: (value: string) => string,
    allowed: string,
    violations: Violation[],
): void {
    for (const [value, refs] of owners) {
        if (refs.length < 2) {
            continue;
        }
        for (const ref of refs) {
            const others = refs.filter((other) => other !== ref).map((other) => `"${other.name}"`);
            violations.push(violation(ref, setting(value), `"${value}", shared with ${others.join(", ")}`, allowed));
        }
    }
}

function addOwner(owners: Map<string, ResourceRef[]>, value: string, ref: ResourceRef): void {
    owners.set(value, [...(owners.get(value) ?? []), ref]);
}

/**
 * Postgres sources run wal_level=logical and their connectors use pgoutput with a slot of their own;
 * MySQL sources run a ROW binlog with a full row image, and every server id (servers and connectors)
 * is unique; every connector has its own schema-history topic where it needs one.
 */
export function checkCdcSources(
    containers: readonly ContainerFacts[],
    connectors: readonly ConnectorFacts[],
    config: CdcSourcesConfig = {},
): CheckResult {
    const externalHosts = config.externalDatabaseHosts ?? [];
    const captured = connectors.filter((c) => sourceKind(c) !== undefined);
    if (captured.length === 0) {
        return { violations: [], notApplicable: "the stack declares no Debezium Postgres or MySQL connector" };
    }
    const violations: Violation[] = [];
    const slots = new Map<string, ResourceRef[]>(); // "<source>\u0000<slot>" -> connectors
    const slotsPerServer = new Map<string, { source: ContainerFacts; count: number }>();
    const serverIds = new Map<string, ResourceRef[]>();
    const historyTopics = new Map<string, ResourceRef[]>();
    const checkedMysql = new Set<string>();

    for (const connector of captured) {
        const kind = sourceKind(connector)!;
        for (const [removed, replacement] of Object.entries(DEBEZIUM_REMOVED_CONFIG)) {
            if (connector.config[removed] !== undefined) {
                violations.push(violation(connector, removed, describeValue(connector.config[removed]), `not set; use ${replacement} (Debezium 2.0 removed ${removed})`));
            }
        }
        const source = resolveSource(connector, kind, containers, externalHosts, violations);

        const historyTopic = connector.config[DEBEZIUM_CONFIG.schemaHistoryTopic];
        if (isUnknown(historyTopic)) {
            violations.push(violation(connector, DEBEZIUM_CONFIG.schemaHistoryTopic, UNKNOWN_FOUND, "a topic name known at preview", KNOWN_AT_PREVIEW + "."));
        } else if (historyTopic !== undefined && historyTopic !== null) {
            addOwner(historyTopics, String(historyTopic), connector);
        }

        if (kind === "postgres") {
            const plugin = connector.config[DEBEZIUM_CONFIG.pluginName];
            if (plugin !== DEBEZIUM_DEFAULTS.postgresPlugin) {
                violations.push(
                    violation(connector, DEBEZIUM_CONFIG.pluginName, describeValue(plugin, DEBEZIUM_DEFAULTS.pluginName), `"${DEBEZIUM_DEFAULTS.postgresPlugin}"`, "Stock Postgres images ship no decoderbufs."),
                );
            }
            const slot = connector.config[DEBEZIUM_CONFIG.slotName];
            if (isUnknown(slot)) {
                violations.push(violation(connector, DEBEZIUM_CONFIG.slotName, UNKNOWN_FOUND, "a slot name known at preview", KNOWN_AT_PREVIEW + "."));
            } else if (source) {
                addOwner(slots, `${source.key}\u0000${slot ?? DEBEZIUM_DEFAULTS.slotName}`, connector);
                if (source.container) {
                    const entry = slotsPerServer.get(source.key) ?? { source: source.container, count: 0 };
                    entry.count++;
                    slotsPerServer.set(source.key, entry);
                }
            }
            continue;
        }

        // MySQL and MariaDB
        if (source?.container && !checkedMysql.has(source.key)) {
            checkedMysql.add(source.key);
            const server = checkMysqlServer(source.container);
            violations.push(...server.violations);
            if (server.serverId !== undefined) {
                addOwner(serverIds, String(server.serverId), source.container);
            }
        }
        const connectorServerId = intSetting(lookupValue(connector.config[DEBEZIUM_CONFIG.serverId]));
        const idValue = intValue(connectorServerId);
        if (idValue === undefined || idValue < 1) {
            violations.push(
                violation(connector, DEBEZIUM_CONFIG.serverId, describeInt(connectorServerId), "a positive integer unique among the servers and connectors of the stack"),
            );
        } else {
            addOwner(serverIds, String(idValue), connector);
        }
        if (historyTopic === undefined || historyTopic === null) {
            violations.push(violation(connector, DEBEZIUM_CONFIG.schemaHistoryTopic, "not set", "a topic name of this connector's own"));
        }
    }

    for (const { source, count } of slotsPerServer.values()) {
        violations.push(...checkPostgresServer(source, count));
    }
    // Unique per server: one slot feeds one connector.
    for (const [key, refs] of slots) {
        const slot = key.split("\u0000")[1];
        reportDuplicates(new Map([[slot, refs]]), () => DEBEZIUM_CONFIG.slotName, "a slot name no other connector on the same server uses", violations);
    }
    reportDuplicates(serverIds, () => `server id (${DEBEZIUM_CONFIG.serverId} / --${MYSQL_SERVER_OPTIONS.serverId})`, "a server id used once in the stack", violations);
    reportDuplicates(historyTopics, () => DEBEZIUM_CONFIG.schemaHistoryTopic, "a topic name of this connector's own", violations);
    return { violations };
}

export const cdcSources: StackValidationPolicy = {
    name: "cdc-sources",
    description:
        "Captured Postgres runs wal_level=logical and its connectors use pgoutput with their own slot; captured MySQL " +
        "runs a ROW binlog; server ids are unique; each connector has its own schema-history topic.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            externalDatabaseHosts: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Database hosts outside the stack that connectors may capture (not checked).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const facts = stackFacts(args.resources);
        const result = checkCdcSources(facts.containers, facts.connectors, args.getConfig<CdcSourcesConfig>());
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
