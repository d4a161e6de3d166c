// MySQL as a CDC source, as the official mysql image's contract (MariaDB's image honours the same):
// row binlog with full row images, a unique server id, the CDC user and its grants.
import { ROLES } from "../core/settings";
import { TableSpec } from "./postgres";
import { ContainerSpec, SECRETS_DIR, secretRef, SpecError, healthcheck, requireIdentifier, requirePort, sqlLiteral } from "./types";

export interface MySqlSpecArgs {
    image: string;
    hostname: string;
    /** Databases to create; the first is MYSQL_DATABASE. */
    databases: string[];
    /** Unique across every MySQL server and connector reading the same binlog. */
    serverId: number;
    hostPort: number;
    bindIp: string;
}

export const MYSQL_PORT = 3306;
/** Root's password, as a root-only file the entrypoint reads (MYSQL_ROOT_PASSWORD_FILE; MariaDB's image too). */
export const MYSQL_ROOT_PASSWORD_FILE = `${SECRETS_DIR}/mysql-root-password`;

export function mySqlSpec(args: MySqlSpecArgs): ContainerSpec {
    if (args.databases.length === 0) throw new SpecError("mysql.databases", "must name at least one database");
    args.databases.forEach((d, i) => requireIdentifier(`mysql.databases[${i}]`, d));
    if (!Number.isInteger(args.serverId) || args.serverId < 1 || args.serverId > 4294967295) {
        throw new SpecError("mysql.serverId", `must be a whole number from 1 to 4294967295, got ${args.serverId}`);
    }
    requirePort("mysql.hostPort", args.hostPort);
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.mysql,
        env: { MYSQL_DATABASE: args.databases[0], MYSQL_ROOT_PASSWORD_FILE: MYSQL_ROOT_PASSWORD_FILE },
        secretEnv: {},
        secretFiles: [{ file: MYSQL_ROOT_PASSWORD_FILE, content: secretRef("rootPassword") }],
        command: [
            `--server-id=${args.serverId}`,
            "--log-bin=mysql-bin",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
        ],
        ports: [{ internal: MYSQL_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"], 15),
        volumes: [{ role: "data", containerPath: "/var/lib/mysql" }],
        uploads: [],
    };
}

/** Idempotent: databases, the CDC user with Debezium's grants, and the declared tables. */
export function mySqlSetupSql(databases: string[], cdcUser: string, cdcPassword: string, tables: TableSpec[]): string {
    requireIdentifier("mysql.cdcUser", cdcUser);
    const pw = sqlLiteral(cdcPassword);
    return [
        ...databases.map((d) => `CREATE DATABASE IF NOT EXISTS ${d};`),
        `CREATE USER IF NOT EXISTS '${cdcUser}'@'%' IDENTIFIED BY ${pw};`,
        `ALTER USER '${cdcUser}'@'%' IDENTIFIED BY ${pw};`,
        `GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${cdcUser}'@'%';`,
        ...tables.map(mySqlTableSql),
        "FLUSH PRIVILEGES;",
    ].join("\n");
}

export function mySqlTableSql(table: TableSpec): string {
    const cols = table.columns.map((c) => `${c.name} ${c.type}${c.notNull ? " NOT NULL" : ""}`);
    return `CREATE TABLE IF NOT EXISTS ${table.schema}.${table.name} (${[...cols, `PRIMARY KEY (${table.primaryKey.join(", ")})`].join(", ")});`;
}

/** Shell command that pipes SQL from stdin into the mysql client inside the container as root. */
/** argv of root's mysql client inside the container, its password read there from root's own file (never passed in). */
export function mysqlRootArgv(container: string): string[] {
    return ["docker", "exec", "-i", container, ...mysqlRootArgs()];
}

/** Root's mysql client reading stdin, its password read from root's own file: whatever runs it inside the database's container. */
export function mysqlRootArgs(): string[] {
    return ["sh", "-c", `MYSQL_PWD="$(cat ${MYSQL_ROOT_PASSWORD_FILE})" exec mysql -uroot`];
}

export function mysqlCommand(container: string): string {
    return `docker exec -i -e MYSQL_PWD ${container} mysql -uroot`;
}
