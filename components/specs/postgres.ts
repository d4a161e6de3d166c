// PostgreSQL as a CDC source, as the official postgres image's contract, plus the SQL that declares
// its tables, its CDC role and REPLICA IDENTITY.
import { ROLES } from "../core/settings";
import { ContainerSpec, SECRETS_DIR, secretRef, SpecError, healthcheck, requireIdentifier, requirePort, sqlLiteral } from "./types";

/** A column of a declared table. */
export interface ColumnSpec {
    name: string;
    /** SQL type as the source database spells it, e.g. `text`, `integer`, `timestamptz`. */
    type: string;
    /** Default false: nullable. */
    notNull?: boolean;
}

/** A table the source declares and CDC captures. */
export interface TableSpec {
    /** Schema (Postgres) or database (MySQL). */
    schema: string;
    name: string;
    columns: ColumnSpec[];
    /** Primary key columns; CDC mirrors need one. */
    primaryKey: string[];
    /** Postgres only: REPLICA IDENTITY FULL, so updates and deletes carry every column in `before`. Default true. */
    replicaIdentityFull?: boolean;
}

export interface PostgresSpecArgs {
    image: string;
    hostname: string;
    database: string;
    adminUser: string;
    hostPort: number;
    bindIp: string;
    maxReplicationSlots: number;
    maxWalSenders: number;
}

export const POSTGRES_PORT = 5432;
/** The superuser's password, as a root-only file the entrypoint reads (POSTGRES_PASSWORD_FILE). */
export const POSTGRES_PASSWORD_FILE = `${SECRETS_DIR}/postgres-password`;
/** The group role that owns captured tables, so the CDC role may create a filtered publication. */
export const REPLICATION_GROUP = "cdc_replication_group";

export function postgresSpec(args: PostgresSpecArgs): ContainerSpec {
    requireIdentifier("postgres.database", args.database);
    requireIdentifier("postgres.adminUser", args.adminUser);
    requirePort("postgres.hostPort", args.hostPort);
    for (const [field, value] of [["maxReplicationSlots", args.maxReplicationSlots], ["maxWalSenders", args.maxWalSenders]] as const) {
        if (!Number.isInteger(value) || value < 1) throw new SpecError(`postgres.${field}`, `must be a positive whole number, got ${value}`);
    }
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.postgres,
        env: { POSTGRES_USER: args.adminUser, POSTGRES_DB: args.database, POSTGRES_PASSWORD_FILE: POSTGRES_PASSWORD_FILE },
        secretEnv: {},
        secretFiles: [{ file: POSTGRES_PASSWORD_FILE, content: secretRef("adminPassword") }],
        command: [
            "postgres",
            "-c", "wal_level=logical",
            "-c", `max_replication_slots=${args.maxReplicationSlots}`,
            "-c", `max_wal_senders=${args.maxWalSenders}`,
        ],
        ports: [{ internal: POSTGRES_PORT, external: args.hostPort, ip: args.bindIp }],
        // Over TCP: the entrypoint's init-time server listens on the socket only, before the database exists.
        healthcheck: healthcheck(["CMD-SHELL", `pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${args.adminUser} -d ${args.database}`], 10),
        volumes: [{ role: "data", containerPath: "/var/lib/postgresql/data" }],
        uploads: [],
    };
}

/** The `tables` argument (or the `lakehouse:*Tables` config) is a non-empty list. */
export function requireTableList(tables: unknown): TableSpec[] {
    if (!Array.isArray(tables) || tables.length === 0) {
        throw new SpecError("tables", `must be a non-empty list of { schema, name, columns, primaryKey }, got ${JSON.stringify(tables)}`);
    }
    return tables as TableSpec[];
}

export function validateTable(field: string, table: TableSpec): TableSpec {
    if (table === null || typeof table !== "object") throw new SpecError(field, `must be a table ({ schema, name, columns, primaryKey }), got ${JSON.stringify(table)}`);
    if (!Array.isArray(table.columns)) throw new SpecError(`${field}.columns`, "must be a list of { name, type, notNull? }");
    if (!Array.isArray(table.primaryKey)) throw new SpecError(`${field}.primaryKey`, "must be a list of column names");
    requireIdentifier(`${field}.schema`, table.schema);
    requireIdentifier(`${field}.name`, table.name);
    if (table.columns.length === 0) throw new SpecError(`${field}.columns`, "must declare at least one column");
    const names = new Set<string>();
    table.columns.forEach((c, i) => {
        requireIdentifier(`${field}.columns[${i}].name`, c.name);
        // Plain SQL types, with quoted literals for ENUM/SET members: nothing that could end the statement.
        if (!/^[A-Za-z](?:[A-Za-z0-9_ (),]|'[A-Za-z0-9_ .-]*')*$/.test(c.type)) {
            throw new SpecError(`${field}.columns[${i}].type`, `is not a plain SQL type, got ${JSON.stringify(c.type)}`);
        }
        if (names.has(c.name)) throw new SpecError(`${field}.columns`, `declares ${c.name} twice`);
        names.add(c.name);
    });
    if (table.primaryKey.length === 0) throw new SpecError(`${field}.primaryKey`, "must name at least one column: CDC mirrors merge on it");
    for (const k of table.primaryKey) {
        if (!names.has(k)) throw new SpecError(`${field}.primaryKey`, `names ${k}, which is not a declared column`);
    }
    return table;
}

function columnsSql(table: TableSpec): string {
    const cols = table.columns.map((c) => `${c.name} ${c.type}${c.notNull ? " NOT NULL" : ""}`);
    return [...cols, `PRIMARY KEY (${table.primaryKey.join(", ")})`].join(", ");
}

/** Idempotent DDL: the table exists, owned by the replication group so CDC may publish it. */
export function postgresTableSql(table: TableSpec, cdcUser: string): string {
    const qualified = `${table.schema}.${table.name}`;
    return [
        `CREATE SCHEMA IF NOT EXISTS ${table.schema};`,
        `CREATE TABLE IF NOT EXISTS ${qualified} (${columnsSql(table)});`,
        `ALTER TABLE ${qualified} OWNER TO ${REPLICATION_GROUP};`,
        `GRANT USAGE ON SCHEMA ${table.schema} TO ${cdcUser};`,
        `GRANT SELECT ON ${qualified} TO ${cdcUser};`,
    ].join("\n");
}

/** REPLICA IDENTITY FULL on create, DEFAULT on delete. */
export function replicaIdentitySql(table: TableSpec, identity: "FULL" | "DEFAULT"): string {
    return `ALTER TABLE ${table.schema}.${table.name} REPLICA IDENTITY ${identity};`;
}

/**
 * The CDC role: LOGIN REPLICATION, allowed to create a publication in the database, member of the
 * group that owns captured tables. Idempotent; the password is set on every run.
 */
export function postgresCdcRoleSql(database: string, adminUser: string, cdcUser: string, cdcPassword: string): string {
    requireIdentifier("postgres.cdcUser", cdcUser);
    const pw = sqlLiteral(cdcPassword);
    return [
        `SELECT 'CREATE ROLE ${cdcUser} LOGIN REPLICATION' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${cdcUser}')\\gexec`,
        `SELECT 'CREATE ROLE ${REPLICATION_GROUP}' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${REPLICATION_GROUP}')\\gexec`,
        `ALTER ROLE ${cdcUser} WITH LOGIN REPLICATION PASSWORD ${pw};`,
        `GRANT ${REPLICATION_GROUP} TO ${adminUser};`,
        `GRANT ${REPLICATION_GROUP} TO ${cdcUser};`,
        `GRANT CONNECT, CREATE ON DATABASE ${database} TO ${cdcUser};`,
    ].join("\n");
}

/** Shell command that pipes SQL from stdin into psql inside the container, stopping at the first error. */
/**
 * Runs `script` only while the container runs; otherwise says so on stderr and succeeds. For deletes:
 * a clean-up inside a container that is already gone must not block `pulumi destroy` or a heal.
 */
export function ifContainerRunning(container: string, script: string, skipped: string): string {
    return `if [ "$(docker inspect -f '{{.State.Running}}' ${container} 2>/dev/null)" = true ]; then\n${script}\n` +
        `else\necho "${container} is not running: ${skipped}" >&2\nfi`;
}

export function psqlCommand(container: string, adminUser: string, database: string): string {
    return psqlArgv(container, adminUser, database).join(" ");
}

/** psqlCommand as an argv (for a process started without a shell, e.g. the Connector's signal channel). */
export function psqlArgv(container: string, adminUser: string, database: string): string[] {
    return ["docker", "exec", "-i", container, ...psqlArgs(adminUser, database)];
}

/** psql as the superuser reading statements on stdin, stopping at the first error: whatever runs it inside the database's container. */
export function psqlArgs(adminUser: string, database: string): string[] {
    return ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", adminUser, "-d", database];
}
