// Server options as given on a container's command line: Postgres `-c name=value` (or
// `--name=value`), MySQL/MariaDB `--name=value`. Names are normalised the way each server does.

import { isUnknown, Known } from "./known";
import { Lookup } from "./facts";

/** Parsed options; `opaque` when part of the command is unknown, so an absent option may be set. */
export interface ServerOptions {
    values: ReadonlyMap<string, string | true>;
    opaque: boolean;
}

function parse(command: Known<Known<string>[]>, normalise: (name: string) => string, postgres: boolean): ServerOptions {
    const values = new Map<string, string | true>();
    if (isUnknown(command)) {
        return { values, opaque: true };
    }
    let opaque = false;
    for (let index = 0; index < command.length; index++) {
        const token = command[index];
        if (isUnknown(token)) {
            opaque = true;
            continue;
        }
        let option: string | undefined;
        if (postgres && token === "-c") {
            const next = command[index + 1];
            index++;
            if (isUnknown(next)) {
                opaque = true;
                continue;
            }
            option = next;
        } else if (postgres && token.startsWith("-c") && !token.startsWith("--")) {
            option = token.slice(2);
        } else if (token.startsWith("--")) {
            option = token.slice(2);
        }
        if (option === undefined || option === "") {
            continue;
        }
        const separator = option.indexOf("=");
        if (separator < 0) {
            values.set(normalise(option), true);
        } else {
            values.set(normalise(option.slice(0, separator)), option.slice(separator + 1));
        }
    }
    return { values, opaque };
}

/** Postgres accepts dashes for underscores in option names. */
export function parsePostgresOptions(command: Known<Known<string>[]>): ServerOptions {
    return parse(command, (name) => name.trim().toLowerCase().replace(/-/g, "_"), true);
}

/** mysqld accepts underscores for dashes in option names. */
export function parseMysqlOptions(command: Known<Known<string>[]>): ServerOptions {
    return parse(command, (name) => name.trim().toLowerCase().replace(/_/g, "-"), false);
}

export function lookupOption(options: ServerOptions, name: string): Lookup<string | true> {
    const value = options.values.get(name);
    if (value !== undefined) {
        return { state: "set", value };
    }
    return options.opaque ? { state: "unknown" } : { state: "unset" };
}
