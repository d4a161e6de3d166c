// What a captured database server must run with, read from its container's command line: Postgres
// for logical decoding, MySQL/MariaDB for Debezium's binlog reader.

import {
    MYSQL_BINLOG_FORMAT_ROW,
    MYSQL_BINLOG_ROW_IMAGE_FULL,
    MYSQL_SERVER_DEFAULTS,
    MYSQL_SERVER_OPTIONS,
    POSTGRES_SERVER_DEFAULTS,
    POSTGRES_SERVER_SETTINGS,
    POSTGRES_WAL_LEVEL_LOGICAL,
} from "../../components/core/settings";
import { ContainerFacts } from "./facts";
import { describeInt, IntSetting, intSetting, intValue, UNKNOWN_FOUND, violation, Violation } from "./report";
import { lookupOption, parseMysqlOptions, parsePostgresOptions, ServerOptions } from "./server-args";

/** A text option as found: its value, given bare (`--log-bin`), absent, or unknown at preview. */
type TextOption = { state: "set"; value: string } | { state: "bare" } | { state: "unset" } | { state: "unknown" };

function textOption(options: ServerOptions, name: string): TextOption {
    const lookup = lookupOption(options, name);
    if (lookup.state !== "set") {
        return lookup;
    }
    return lookup.value === true ? { state: "bare" } : { state: "set", value: lookup.value };
}

function intOption(options: ServerOptions, name: string, defaultValue: number): IntSetting {
    const lookup = lookupOption(options, name);
    if (lookup.state === "set") {
        return intSetting({ state: "set", value: lookup.value === true ? "" : lookup.value });
    }
    return intSetting(lookup, defaultValue);
}

function describeText(option: TextOption, unsetNote: string): string {
    switch (option.state) {
        case "set":
            return `"${option.value}"`;
        case "bare":
            return "given without a value";
        case "unset":
            return `not set (${unsetNote})`;
        case "unknown":
            return UNKNOWN_FOUND;
    }
}

function isValue(option: TextOption, expected: string): boolean {
    return option.state === "set" && option.value.toUpperCase() === expected.toUpperCase();
}

/** wal_level=logical, and enough replication slots and WAL senders for the connectors on the server. */
export function checkPostgresServer(source: ContainerFacts, slotsNeeded: number): Violation[] {
    const violations: Violation[] = [];
    const options = parsePostgresOptions(source.command);
    const walLevel = textOption(options, POSTGRES_SERVER_SETTINGS.walLevel);
    if (!isValue(walLevel, POSTGRES_WAL_LEVEL_LOGICAL)) {
        const found =
            walLevel.state === "unset" ? `"${POSTGRES_SERVER_DEFAULTS.wal_level}" (not set: Postgres's default)` : describeText(walLevel, "");
        const setting = POSTGRES_SERVER_SETTINGS.walLevel;
        violations.push(
            violation(
                source,
                `server setting ${setting}`,
                found,
                `"${POSTGRES_WAL_LEVEL_LOGICAL}" (command: -c ${setting}=${POSTGRES_WAL_LEVEL_LOGICAL})`,
                "A Postgres connector captures this database.",
            ),
        );
    }
    for (const name of [POSTGRES_SERVER_SETTINGS.maxReplicationSlots, POSTGRES_SERVER_SETTINGS.maxWalSenders]) {
        const setting = intOption(options, name, POSTGRES_SERVER_DEFAULTS[name]);
        const value = intValue(setting);
        if (setting.state === "invalid" || (value !== undefined && value < slotsNeeded)) {
            violations.push(
                violation(
                    source,
                    `server setting ${name}`,
                    describeInt(setting, "Postgres's default"),
                    `at least ${slotsNeeded} (one per connector slot on this server)`,
                ),
            );
        }
    }
    return violations;
}

/** A binlog in ROW format with full row images, and a positive server id (returned for uniqueness). */
export function checkMysqlServer(source: ContainerFacts): { violations: Violation[]; serverId?: number } {
    const violations: Violation[] = [];
    const options = parseMysqlOptions(source.command);
    const { logBin, binlogFormat, binlogRowImage, serverId } = MYSQL_SERVER_OPTIONS;

    const binlog = textOption(options, logBin);
    const disabled = options.values.has(`skip-${logBin}`) || options.values.has(`disable-${logBin}`);
    if (disabled || binlog.state === "unset" || binlog.state === "unknown") {
        const found = disabled ? `disabled (--skip-${logBin})` : describeText(binlog, "MariaDB's default is off");
        violations.push(
            violation(source, `server option --${logBin}`, found, `--${logBin}=<basename>`, "A MySQL connector reads this server's binlog."),
        );
    }
    const format = textOption(options, binlogFormat);
    if (!isValue(format, MYSQL_BINLOG_FORMAT_ROW)) {
        violations.push(
            violation(source, `server option --${binlogFormat}`, describeText(format, "MariaDB's default is MIXED"), MYSQL_BINLOG_FORMAT_ROW),
        );
    }
    const rowImage = textOption(options, binlogRowImage);
    if (rowImage.state !== "unset" && !isValue(rowImage, MYSQL_BINLOG_ROW_IMAGE_FULL)) {
        violations.push(violation(source, `server option --${binlogRowImage}`, describeText(rowImage, ""), MYSQL_BINLOG_ROW_IMAGE_FULL));
    }
    const id = intOption(options, serverId, MYSQL_SERVER_DEFAULTS.serverId);
    const value = intValue(id);
    if (value === undefined || value < 1) {
        violations.push(
            violation(
                source,
                `server option --${serverId}`,
                describeInt(id, "the server's default"),
                "a positive integer unique among the servers and connectors of the stack",
            ),
        );
        return { violations };
    }
    return { violations, serverId: value };
}
