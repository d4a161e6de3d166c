// The registry of source kinds: Lakehouse builds every source of `sources[]` (and the stack's
// `lakehouse:sources`) through it. Adding a kind is one file implementing CdcSource (source.ts) plus
// its line here; README "Adding a source" shows the diff.
import * as pulumi from "@pulumi/pulumi";
import { MySqlSource } from "./mysql";
import { PostgresSource } from "./postgres";
import { ServiceArgs } from "../core/service";
import { CdcSource } from "./source";

/** Builds a source component of one kind from its args (the kind's own *SourceArgs) and the stack's shared ones. */
export type SourceFactory = (name: string, args: ServiceArgs & Record<string, unknown>, opts: pulumi.ComponentResourceOptions) => CdcSource;

export const SOURCE_KINDS: Readonly<Record<string, SourceFactory>> = {
    postgres: (name, args, opts) => new PostgresSource(name, args, opts),
    mysql: (name, args, opts) => new MySqlSource(name, args, opts),
};

/** The registered kinds, for error messages. */
export function sourceKinds(): string[] {
    return Object.keys(SOURCE_KINDS);
}
