// Debezium connector config builders: pure functions, no Pulumi import. Every Debezium setting name
// the lakehouse uses appears here once; the Connector resource only moves the result over REST.
import { CONNECTOR_CLASSES } from "../core/settings";

/** Kafka Connect keys that every connector config carries. */
export const CONNECT_KEYS = {
    connectorClass: "connector.class",
    tasksMax: "tasks.max",
} as const;

/** Debezium setting names used by the builders (Debezium 2.x/3.x names; the pre-2.0 ones are gone). */
export const DEBEZIUM_KEYS = {
    hostname: "database.hostname",
    port: "database.port",
    user: "database.user",
    password: "database.password",
    dbname: "database.dbname",
    topicPrefix: "topic.prefix",
    schemaIncludeList: "schema.include.list",
    tableIncludeList: "table.include.list",
    databaseIncludeList: "database.include.list",
    pluginName: "plugin.name",
    slotName: "slot.name",
    publicationName: "publication.name",
    publicationAutocreateMode: "publication.autocreate.mode",
    snapshotMode: "snapshot.mode",
    signalEnabledChannels: "signal.enabled.channels",
    signalDataCollection: "signal.data.collection",
    heartbeatIntervalMs: "heartbeat.interval.ms",
    serverId: "database.server.id",
    schemaHistoryBootstrapServers: "schema.history.internal.kafka.bootstrap.servers",
    schemaHistoryTopic: "schema.history.internal.kafka.topic",
    schemaHistoryProducerPrefix: "schema.history.internal.producer.",
    schemaHistoryConsumerPrefix: "schema.history.internal.consumer.",
    allowPublicKeyRetrieval: "driver.allowPublicKeyRetrieval",
} as const;

/**
 * What a builder returns: spread it into the Connector resource's args
 * (`new Connector(name, { connectUrl, ...postgresConnector({...}) })`).
 * `secretConfig` holds the password only; `config` is safe to show in state and diffs.
 */
export interface ConnectorSpec<Secret = string> {
    /** The connector's name on the Connect worker. */
    name: string;
    /** Plain settings, every value a string as Kafka Connect stores them. */
    config: Record<string, string>;
    /** Secret settings (the database password), merged into the HTTP body only. */
    secretConfig: Record<string, Secret>;
}

/** Arguments of {@link postgresConnector}. `Secret` lets a Pulumi Output flow through untouched. */
export interface PostgresConnectorArgs<Secret = string> {
    /** Connector name. Default `inventory-connector` (the seed's). */
    name?: string;
    /** Postgres host as the Connect worker sees it (a container name on the Docker network). */
    hostname: string;
    /** Postgres port as the Connect worker sees it. Default 5432. */
    port?: number;
    /** Replication user (needs REPLICATION and, with `filtered` publications, table ownership). */
    user: string;
    /** The user's password; it goes to `secretConfig`, never to `config`. Exclusive with passwordReference. */
    password?: Secret;
    /**
     * A Kafka Connect config-provider reference that the worker resolves to the password, e.g.
     * `${directory:/kafka/secrets:postgres-cdc-password}` (see DebeziumConnect's `secrets`): it goes to
     * `config`, and the password itself reaches neither the REST body nor the connect_configs topic.
     */
    passwordReference?: string;
    /** Database to capture. */
    dbname: string;
    /** Kafka topic prefix: topics are `<prefix>.<schema>.<table>`. Default `dbserver1`. */
    topicPrefix?: string;
    /** Schemas to capture. Default `["public"]`. */
    schemas?: string[];
    /**
     * Tables to capture, `schema.table` or bare `table` (qualified with the first schema). They become
     * `table.include.list` and, through `publication.autocreate.mode=filtered`, the publication's tables.
     * Required: a filtered publication with no table would capture nothing.
     */
    tables: string[];
    /** Logical replication slot, unique per connector. Default `debezium_<name>` (sanitised). */
    slotName?: string;
    /** Publication name. Default `dbz_publication_<name>` (sanitised). */
    publicationName?: string;
    /** Debezium `snapshot.mode`. Default: Debezium's (`initial`). */
    snapshotMode?: string;
    /** `heartbeat.interval.ms`, useful on quiet databases so the slot's LSN advances. Default: unset. */
    heartbeatIntervalMs?: number;
    /**
     * Debezium's signaling table (`signal.data.collection`, source channel), through which tables added to
     * capture on a running stack are snapshotted incrementally. Debezium captures it implicitly. Default: none.
     */
    signalCollection?: string;
    /** Further settings, applied last (they cannot override the password, which stays secret). */
    extraConfig?: Record<string, string>;
}

/** Source flavour of {@link mySqlConnector}: MariaDB has its own Debezium connector class (≥ 2.7). */
export const MYSQL_FLAVOURS = ["mysql", "mariadb"] as const;
export type MySqlFlavour = typeof MYSQL_FLAVOURS[number];

/** Arguments of {@link mySqlConnector}. */
export interface MySqlConnectorArgs<Secret = string> {
    /** Connector name. Default `mysql-connector` (`mariadb-connector` for MariaDB). */
    name?: string;
    /** `mysql` or `mariadb`; selects the connector class. Default `mysql`. */
    flavour?: MySqlFlavour;
    /** Host as the Connect worker sees it. */
    hostname: string;
    /** Port as the Connect worker sees it. Default 3306. */
    port?: number;
    /** CDC user (SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT). */
    user: string;
    /** The user's password; it goes to `secretConfig`, never to `config`. Exclusive with passwordReference. */
    password?: Secret;
    /**
     * A Kafka Connect config-provider reference that the worker resolves to the password, e.g.
     * `${directory:/kafka/secrets:postgres-cdc-password}` (see DebeziumConnect's `secrets`): it goes to
     * `config`, and the password itself reaches neither the REST body nor the connect_configs topic.
     */
    passwordReference?: string;
    /** `database.server.id`: unique among every replica and connector of the server, 1..4294967295. */
    serverId: number;
    /** Kafka topic prefix, unique per connector. Default `mysqlserver1`. */
    topicPrefix?: string;
    /** Databases to capture. Default `["sales", "hr"]`. */
    databases?: string[];
    /** Tables to capture as `database.table`. Default: every table of `databases`. */
    tables?: string[];
    /** Kafka bootstrap servers as the Connect worker sees them, for the schema history topic. */
    bootstrapServers: string | string[];
    /** Schema history topic, unique per connector. Default `schema-changes.<topicPrefix>`. */
    schemaHistoryTopic?: string;
    /**
     * Kafka client settings of the schema history's producer and consumer, for brokers that take logins
     * (`security.protocol`, `sasl.*`, `ssl.*`): each `k` becomes `schema.history.internal.producer.k` and
     * `schema.history.internal.consumer.k`. A secret (`sasl.jaas.config`) must be a config-provider
     * reference. Default: none (plaintext brokers).
     */
    schemaHistoryKafkaSecurity?: Record<string, string>;
    /**
     * `driver.allowPublicKeyRetrieval`, which MySQL 8.4 needs without TLS. Default true for `mysql`,
     * unset for `mariadb`.
     */
    allowPublicKeyRetrieval?: boolean;
    /** Debezium `snapshot.mode`. Default: Debezium's (`initial`). */
    snapshotMode?: string;
    /**
     * Debezium's signaling table (`signal.data.collection`, source channel), through which tables added to
     * capture on a running stack are snapshotted incrementally. Debezium captures it implicitly. Default: none.
     */
    signalCollection?: string;
    /** Further settings, applied last (they cannot override the password, which stays secret). */
    extraConfig?: Record<string, string>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;
const CONNECTOR_NAME = /^[^/\\\s\x00-\x1f][^/\\\x00-\x1f]*$/;

function fail(builder: string, field: string, problem: string): never {
    throw new Error(`${builder}: ${field} ${problem}`);
}

function requireString(builder: string, field: string, value: unknown, pattern?: RegExp): string {
    if (typeof value !== "string" || value.trim() === "") fail(builder, field, "must be a non-empty string");
    if (pattern && !pattern.test(value)) fail(builder, field, `has an invalid value "${value}"`);
    return value;
}

function requirePort(builder: string, field: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
        fail(builder, field, "must be an integer port between 1 and 65535");
    }
    return value;
}

function requireList(builder: string, field: string, value: unknown, pattern: RegExp, allowEmpty = false): string[] {
    if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
        fail(builder, field, "must be a non-empty list");
    }
    value.forEach((item, index) => requireString(builder, `${field}[${index}]`, item, pattern));
    if (new Set(value).size !== value.length) fail(builder, field, "has duplicates");
    return value as string[];
}

/** A Kafka Connect config-provider reference, `${provider:path:key}` or `${provider:key}` (KIP-297), and nothing else. */
export const CONFIG_PROVIDER_REFERENCE = /^\$\{[A-Za-z0-9_.-]+:(?:[^{}:]*:)?[^{}:]+\}$/;

/** The password setting: the secret (to secretConfig) or a config-provider reference (to config), exactly one. */
function passwordSetting<Secret>(builder: string, args: { password?: Secret; passwordReference?: string }): {
    config: Record<string, string>; secretConfig: Record<string, Secret>;
} {
    const { password, passwordReference } = args;
    const given = password !== undefined && password !== null && !(typeof password === "string" && password === "");
    if (passwordReference !== undefined) {
        if (given) fail(builder, "passwordReference", "and password are exclusive: give one");
        if (typeof passwordReference !== "string" || !CONFIG_PROVIDER_REFERENCE.test(passwordReference)) {
            fail(builder, "passwordReference", `must be a config-provider reference like \${directory:/kafka/secrets:name}, got "${passwordReference}"`);
        }
        return { config: { [DEBEZIUM_KEYS.password]: passwordReference }, secretConfig: {} };
    }
    if (!given) fail(builder, "password", "is required (or passwordReference)");
    return { config: {}, secretConfig: { [DEBEZIUM_KEYS.password]: password as Secret } };
}

function extra(builder: string, config: Record<string, string> | undefined, secretKey: string): Record<string, string> {
    if (config === undefined) return {};
    for (const [key, value] of Object.entries(config)) {
        if (key === secretKey) fail(builder, `extraConfig["${key}"]`, "is secret: pass it as password");
        if (typeof value !== "string") fail(builder, `extraConfig["${key}"]`, "must be a string");
    }
    return config;
}

/** Lower-case a connector name into a Postgres identifier (slot and publication names). */
function postgresIdentifier(prefix: string, name: string): string {
    const sanitised = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
    return `${prefix}_${sanitised}`.slice(0, 63);
}

/**
 * Debezium Postgres connector config: the seed's `inventory-connector` by default (pgoutput,
 * `topic.prefix=dbserver1`, `schema.include.list=public`), plus what the seed lacked for a repeatable
 * deployment: a unique `slot.name`, a `publication.name` with `publication.autocreate.mode=filtered`
 * (`all_tables` needs a superuser) and `table.include.list` from the declared tables.
 * Throws an Error naming the field when an argument is invalid.
 */
export function postgresConnector<Secret = string>(args: PostgresConnectorArgs<Secret>): ConnectorSpec<Secret> {
    const b = "postgresConnector";
    const name = requireString(b, "name", args.name ?? "inventory-connector", CONNECTOR_NAME);
    const hostname = requireString(b, "hostname", args.hostname, HOST_NAME);
    const port = requirePort(b, "port", args.port ?? 5432);
    const user = requireString(b, "user", args.user);
    const password = passwordSetting(b, args);
    const dbname = requireString(b, "dbname", args.dbname);
    const topicPrefix = requireString(b, "topicPrefix", args.topicPrefix ?? "dbserver1", TOPIC_NAME);
    const schemas = requireList(b, "schemas", args.schemas ?? ["public"], IDENTIFIER);
    const tables = requireList(b, "tables", args.tables, /^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/)
        .map((table) => (table.includes(".") ? table : `${schemas[0]}.${table}`));
    for (const table of tables) {
        if (!schemas.includes(table.split(".")[0])) {
            fail(b, "tables", `has "${table}", whose schema is not in schemas (${schemas.join(",")})`);
        }
    }
    const slotName = requireString(b, "slotName", args.slotName ?? postgresIdentifier("debezium", name), /^[a-z0-9_]{1,63}$/);
    const publicationName = requireString(
        b, "publicationName", args.publicationName ?? postgresIdentifier("dbz_publication", name), /^[A-Za-z_][A-Za-z0-9_]{0,62}$/);
    if (args.heartbeatIntervalMs !== undefined && !(Number.isInteger(args.heartbeatIntervalMs) && args.heartbeatIntervalMs > 0)) {
        fail(b, "heartbeatIntervalMs", "must be a positive integer");
    }
    const config: Record<string, string> = {
        [CONNECT_KEYS.connectorClass]: CONNECTOR_CLASSES.postgres,
        [CONNECT_KEYS.tasksMax]: "1",
        [DEBEZIUM_KEYS.hostname]: hostname,
        [DEBEZIUM_KEYS.port]: String(port),
        [DEBEZIUM_KEYS.user]: user,
        [DEBEZIUM_KEYS.dbname]: dbname,
        [DEBEZIUM_KEYS.topicPrefix]: topicPrefix,
        [DEBEZIUM_KEYS.schemaIncludeList]: schemas.join(","),
        [DEBEZIUM_KEYS.tableIncludeList]: tables.join(","),
        [DEBEZIUM_KEYS.pluginName]: "pgoutput",
        [DEBEZIUM_KEYS.slotName]: slotName,
        [DEBEZIUM_KEYS.publicationName]: publicationName,
        [DEBEZIUM_KEYS.publicationAutocreateMode]: "filtered",
    };
    if (args.snapshotMode !== undefined) config[DEBEZIUM_KEYS.snapshotMode] = requireString(b, "snapshotMode", args.snapshotMode);
    if (args.heartbeatIntervalMs !== undefined) config[DEBEZIUM_KEYS.heartbeatIntervalMs] = String(args.heartbeatIntervalMs);
    Object.assign(config, signalSettings(b, args.signalCollection, tables));
    return {
        name,
        config: { ...config, ...extra(b, args.extraConfig, DEBEZIUM_KEYS.password), ...password.config },
        secretConfig: password.secretConfig,
    };
}

/**
 * Debezium MySQL connector config (MariaDB's connector class when `flavour` is `mariadb`): a unique
 * `database.server.id`, `database.include.list` (default `sales,hr`), and the schema history topic on
 * Kafka, unique per connector. Throws an Error naming the field when an argument is invalid.
 */
export function mySqlConnector<Secret = string>(args: MySqlConnectorArgs<Secret>): ConnectorSpec<Secret> {
    const b = "mySqlConnector";
    const flavour = args.flavour ?? "mysql";
    if (flavour !== "mysql" && flavour !== "mariadb") fail(b, "flavour", `must be "mysql" or "mariadb", not "${flavour}"`);
    const name = requireString(b, "name", args.name ?? `${flavour}-connector`, CONNECTOR_NAME);
    const hostname = requireString(b, "hostname", args.hostname, HOST_NAME);
    const port = requirePort(b, "port", args.port ?? 3306);
    const user = requireString(b, "user", args.user);
    const password = passwordSetting(b, args);
    if (!Number.isInteger(args.serverId) || args.serverId < 1 || args.serverId > 4294967295) {
        fail(b, "serverId", "must be an integer between 1 and 4294967295");
    }
    const topicPrefix = requireString(b, "topicPrefix", args.topicPrefix ?? "mysqlserver1", TOPIC_NAME);
    const databases = requireList(b, "databases", args.databases ?? ["sales", "hr"], /^[A-Za-z0-9_$]+$/);
    const tables = args.tables === undefined ? undefined : requireList(b, "tables", args.tables, /^[A-Za-z0-9_$]+\.[A-Za-z0-9_$]+$/);
    for (const table of tables ?? []) {
        if (!databases.includes(table.split(".")[0])) {
            fail(b, "tables", `has "${table}", whose database is not in databases (${databases.join(",")})`);
        }
    }
    const servers = typeof args.bootstrapServers === "string" ? args.bootstrapServers.split(",") : args.bootstrapServers;
    requireList(b, "bootstrapServers", servers, /^[A-Za-z0-9.[\]:-]+:[0-9]{1,5}$/);
    const historyTopic = requireString(b, "schemaHistoryTopic", args.schemaHistoryTopic ?? `schema-changes.${topicPrefix}`, TOPIC_NAME);
    const allowPublicKeyRetrieval = args.allowPublicKeyRetrieval ?? flavour === "mysql";
    const config: Record<string, string> = {
        [CONNECT_KEYS.connectorClass]: flavour === "mariadb" ? CONNECTOR_CLASSES.mariadb : CONNECTOR_CLASSES.mysql,
        [CONNECT_KEYS.tasksMax]: "1",
        [DEBEZIUM_KEYS.hostname]: hostname,
        [DEBEZIUM_KEYS.port]: String(port),
        [DEBEZIUM_KEYS.user]: user,
        [DEBEZIUM_KEYS.serverId]: String(args.serverId),
        [DEBEZIUM_KEYS.topicPrefix]: topicPrefix,
        [DEBEZIUM_KEYS.databaseIncludeList]: databases.join(","),
        [DEBEZIUM_KEYS.schemaHistoryBootstrapServers]: servers.join(","),
        [DEBEZIUM_KEYS.schemaHistoryTopic]: historyTopic,
    };
    if (tables !== undefined) config[DEBEZIUM_KEYS.tableIncludeList] = tables.join(",");
    for (const [key, value] of Object.entries(args.schemaHistoryKafkaSecurity ?? {})) {
        if (!/^(security|sasl|ssl)\.[a-z0-9.]+$/.test(key)) fail(b, "schemaHistoryKafkaSecurity", `takes security.*, sasl.* and ssl.* client settings, got "${key}"`);
        if (/jaas|password/.test(key) && !/^\$\{[^{}]+\}$/.test(value)) {
            fail(b, "schemaHistoryKafkaSecurity", `"${key}" must be a config-provider reference like \${directory:/kafka/secrets:name}, not the value`);
        }
        config[`${DEBEZIUM_KEYS.schemaHistoryProducerPrefix}${key}`] = value;
        config[`${DEBEZIUM_KEYS.schemaHistoryConsumerPrefix}${key}`] = value;
    }
    if (allowPublicKeyRetrieval) config[DEBEZIUM_KEYS.allowPublicKeyRetrieval] = "true";
    if (args.snapshotMode !== undefined) config[DEBEZIUM_KEYS.snapshotMode] = requireString(b, "snapshotMode", args.snapshotMode);
    if (args.signalCollection !== undefined && !databases.includes(args.signalCollection.split(".")[0])) {
        fail(b, "signalCollection", `names database ${args.signalCollection.split(".")[0]}, which is not in databases (${databases.join(",")})`);
    }
    Object.assign(config, signalSettings(b, args.signalCollection, tables ?? []));
    return {
        name,
        config: { ...config, ...extra(b, args.extraConfig, DEBEZIUM_KEYS.password), ...password.config },
        secretConfig: password.secretConfig,
    };
}

/** The source signaling channel's settings; the signaling table must not be a captured table. */
function signalSettings(b: string, collection: string | undefined, tables: string[]): Record<string, string> {
    if (collection === undefined) return {};
    requireString(b, "signalCollection", collection, /^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/);
    if (tables.includes(collection)) fail(b, "signalCollection", `is ${collection}, a captured table: the signaling table must be a table of its own`);
    return { [DEBEZIUM_KEYS.signalEnabledChannels]: "source", [DEBEZIUM_KEYS.signalDataCollection]: collection };
}
