// The `CdcSource` seam: what Lakehouse needs of a captured database, whatever its kind. Postgres
// (postgres.ts) and MySQL/MariaDB (mysql.ts) implement it; Lakehouse loops over its sources for
// topics, Connect secret files, connectors, the CDC job's topics and keys, readiness and `make verify`.
//
// The sources share this folder (moved here from the flat components/ without changing a type token,
// `lakehouse:source:*`, a resource name or a parent), so no existing stack sees a change and no `aliases`
// are needed; consumers import the package root, whose exports did not change. The registry of kinds is
// one map in sources.ts.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ConnectorSpec } from "../connector/builders";
import { TableSpec } from "../specs/postgres";
import { TopicSpec } from "../streaming/topics";

/** One captured source database, as `make verify` (tools/verify.ts) reaches it. */
export interface VerifySource {
    kind: "postgres" | "mysql";
    /** Container name; the checks run the database's own client inside it. */
    container: pulumi.Input<string>;
    /** Postgres: the database and the superuser `psql` connects as. */
    database?: string;
    adminUser?: string;
    /** MySQL: "mysql" or "mariadb" (which client binary to run). */
    flavour?: string;
    topicPrefix: string;
    connector?: pulumi.Input<string>;
    tables: TableSpec[];
}

/**
 * Per-source connector settings from the stack. `name` and `extraConfig` hold for every kind; a kind
 * reads its own further keys (MySQL: `serverId`, the connector's `database.server.id`).
 */
export interface SourceConnectorSettings {
    /** Connector name on the Connect worker. Default: the kind's own (see each source). */
    name?: string;
    /** Further Debezium settings, applied last. Default: none. */
    extraConfig?: Record<string, string>;
    /** MySQL only: the connector's `database.server.id`; must differ from the server's own. */
    serverId?: number;
}

/** What Lakehouse hands a source to build its Debezium connector config. */
export interface SourceConnectorContext {
    topicPrefix: string;
    /** The Connect worker's `${directory:…}` reference to the source's CDC password file. */
    passwordReference: string;
    /** Kafka as the Connect worker sees it (MySQL's schema history topic). */
    bootstrapServers: string;
    /**
     * With secured brokers: the Kafka client settings a connector's own Kafka clients need (MySQL's schema
     * history), logging in as the worker does by reference (DebeziumConnect.kafkaClientSecurity). Default: none.
     */
    kafkaClientSecurity?: Record<string, string>;
    settings: SourceConnectorSettings;
    /** The stack field a setting came from, for error messages (e.g. "connectors.mySqlServerId"). */
    field(setting: keyof SourceConnectorSettings): string;
}

/** Server facts the policy pack checks the container against (policies/cdc-sources.ts). */
export interface SourceServerFacts {
    /** The container's `lakehouse.role` label (ROLES in settings.ts). */
    role: string;
    /** DNS name on the stack's network: the connector's `database.hostname`. */
    hostname: string;
    port: number;
}

/** A CDC source database of the lakehouse. */
export interface CdcSource {
    /** Registry key (sources.ts): "postgres" or "mysql". */
    readonly kind: string;
    readonly componentName: string;
    readonly container: docker.Container;
    /** The captured tables; each goes to `<topicPrefix>.<schema>.<table>`. */
    readonly tables: TableSpec[];
    /** The CDC user's password: a Connect worker secret file, referenced by the connector. */
    readonly cdcPassword: pulumi.Output<string>;
    /** Resolves once the source can be captured (user, grants, tables, signal table). */
    readonly ready: pulumi.Resource[];
    /** Debezium's signaling table; captured implicitly, so it has a topic too. */
    readonly signalCollection: string;
    /** argv of a SQL client inside the container that reads statements on stdin (signals go through it). */
    readonly sqlClient: string[];
    readonly serverFacts: SourceServerFacts;
    /** The topics the source's connector writes: one per captured table, plus the kind's own (MySQL's schema history). */
    cdcTopics(topicPrefix: string): TopicSpec[];
    /** The Debezium connector (connector/builders.ts); throws a plain Error or a SpecError on invalid settings. */
    connectorSpec(context: SourceConnectorContext): ConnectorSpec;
    /** How `make verify`, `make status` and the benches reach the source. */
    verifySource(topicPrefix: string, connector?: pulumi.Input<string>): VerifySource;
}

/** `<prefix>.<schema>.<table>`: Debezium's topic of a captured table. */
export function tableTopic(topicPrefix: string, table: { schema: string; name: string }): string {
    return `${topicPrefix}.${table.schema}.${table.name}`;
}

/** The Connect worker's secret file of a source's CDC password: `<source>-cdc-password`. */
export function cdcSecretFile(sourceName: string): string {
    return `${sourceName}-cdc-password`;
}
