// Policy 4: every database a Debezium connector captures is able to serve it, and connectors do not
// share the state they must own (a replication slot, a replica server id, a schema-history topic).

import type { StackValidationPolicy } from "@pulumi/policy";
import {
    CONNECTOR_CLASSES,
    DEBEZIUM_CONFIG,
    DEBEZIUM_DEFAULTS,
    DEBEZIUM_REMOVED_CONFIG,
    MYSQL_BINLOG_FORMAT_ROW,
    MYSQL_BINLOG_ROW_IMAGE_FULL,
    MYSQL_SERVER_DEFAULTS,
    MYSQL_SERVER_OPTIONS,
    POSTGRES_SERVER_DEFAULTS,
    POSTGRES_SERVER_SETTINGS,
    POSTGRES_WAL_LEVEL_LOGICAL,
    ROLES,
} from "../components/settings";
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
import { lookupOption, parseMysqlOptions, parsePostgresOptions, ServerOptions } from "./lib/server-args";

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

function optionText(options: ServerOptions, name: string): string | true | undefined | typeof UNKNOWN_FOUND {
    const lookup = lookupOption(options, name);
    if (lookup.state === "unknown") {
        return UNKNOWN_FOUND;
    }
    return lookup.state === "set" ? lookup.value : undefined;
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

function checkPostgresServer(source: ContainerFacts, slotsNeeded: number, violations: Violation[]): void {
    const options = parsePostgresOptions(source.command);
    const walLevel = optionText(options, POSTGRES_SERVER_SETTINGS.walLevel);
    if (walLevel !== POSTGRES_WAL_LEVEL_LOGICAL) {
        const found =
            walLevel === undefined
                ? `"${POSTGRES_SERVER_DEFAULTS.wal_level}" (not set: Postgres's default)`
                : walLevel === UNKNOWN_FOUND
                  ? UNKNOWN_FOUND
                  : `"${String(walLevel)}"`;
        violations.push(
            violation(source, `server setting ${POSTGRES_SERVER_SETTINGS.walLevel}`, found, `"${POSTGRES_WAL_LEVEL_LOGICAL}" (command: -c ${POSTGRES_SERVER_SETTINGS.walLevel}=${POSTGRES_WAL_LEVEL_LOGICAL})`, "A Postgres connector captures this database."),
        );
    }
    for (const name of [POSTGRES_SERVER_SETTINGS.maxReplicationSlots, POSTGRES_SERVER_SETTINGS.maxWalSenders]) {
        const lookup = lookupOption(options, name);
        const setting = intSetting(
            lookup.state === "set" ? { state: "set", value: lookup.value === true ? "" : lookup.value } : lookup,
            POSTGRES_SERVER_DEFAULTS[name],
        );
        const value = intValue(setting);
        if (setting.state === "invalid" || (value !== undefined && value < slotsNeeded)) {
            violations.push(
                violation(source, `server setting ${name}`, describeInt(setting, "Postgres's default"), `at least ${slotsNeeded} (one per connector slot on this server)`),
            );
        }
    }
}

function checkMysqlServer(source: ContainerFacts, violations: Violation[]): number | undefined {
    const options = parseMysqlOptions(source.command);
    const logBin = optionText(options, MYSQL_SERVER_OPTIONS.logBin);
    const skipped = options.values.has(`skip-${MYSQL_SERVER_OPTIONS.logBin}`) || options.values.has(`disable-${MYSQL_SERVER_OPTIONS.logBin}`);
    if (logBin === undefined || logBin === UNKNOWN_FOUND || skipped) {
        violations.push(
            violation(
                source,
                `server option --${MYSQL_SERVER_OPTIONS.logBin}`,
                skipped ? "disabled (--skip-log-bin)" : logBin === UNKNOWN_FOUND ? UNKNOWN_FOUND : "not set (MariaDB's default is off)",
                `--${MYSQL_SERVER_OPTIONS.logBin}=<basename>`,
                "A MySQL connector reads this server's binlog.",
            ),
        );
    }
    const format = optionText(options, MYSQL_SERVER_OPTIONS.binlogFormat);
    if (typeof format !== "string" || format === UNKNOWN_FOUND || format.toUpperCase() !== MYSQL_BINLOG_FORMAT_ROW) {
        violations.push(
            violation(
                source,
                `server option --${MYSQL_SERVER_OPTIONS.binlogFormat}`,
                format === undefined ? "not set (MariaDB's default is MIXED)" : format === true ? "given without a value" : format === UNKNOWN_FOUND ? UNKNOWN_FOUND : `"${format}"`,
                MYSQL_BINLOG_FORMAT_ROW,
            ),
        );
    }
    const rowImage = optionText(options, MYSQL_SERVER_OPTIONS.binlogRowImage);
    if (rowImage !== undefined && (typeof rowImage !== "string" || rowImage === UNKNOWN_FOUND || rowImage.toUpperCase() !== MYSQL_BINLOG_ROW_IMAGE_FULL)) {
        violations.push(
            violation(source, `server option --${MYSQL_SERVER_OPTIONS.binlogRowImage}`, rowImage === UNKNOWN_FOUND ? UNKNOWN_FOUND : `"${String(rowImage)}"`, MYSQL_BINLOG_ROW_IMAGE_FULL),
        );
    }
    const serverIdLookup = lookupOption(options, MYSQL_SERVER_OPTIONS.serverId);
    const serverId = intSetting(
        serverIdLookup.state === "set" ? { state: "set", value: serverIdLookup.value === true ? "" : serverIdLookup.value } : serverIdLookup,
        MYSQL_SERVER_DEFAULTS.serverId,
    );
    const value = intValue(serverId);
    if (value === undefined || value < 1) {
        violations.push(
            violation(source, `server option --${MYSQL_SERVER_OPTIONS.serverId}`, describeInt(serverId, "the server's default"), "a positive integer unique among the servers and connectors of the stack"),
        );
        return undefined;
    }
    return value;
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
            const serverId = checkMysqlServer(source.container, violations);
            if (serverId !== undefined) {
                addOwner(serverIds, String(serverId), source.container);
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
        checkPostgresServer(source, count, violations);
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
