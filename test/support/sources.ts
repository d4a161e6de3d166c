// The shared stack's source databases and captured-table config, for suites that change what is captured
// (test/integration/capture-change.test.ts, schema-contract.test.ts): SQL through each database's own client
// inside its container, the captured-table lists as stack config, and `pulumi up` as `make up` runs it.
import { strict as assert } from "assert";
import { exec } from "./docker";
import { SharedStack } from "./shared-stack";
import { MYSQL_ROOT_PWD_SH, trino } from "../../tools/clients";

export interface Table { schema: string; name: string; columns: { name: string; type: string; notNull?: boolean }[]; primaryKey: string[] }

export interface Sources {
    pg: { container: string; admin: string; database: string; tables: Table[]; connector: string; prefix: string };
    my: { container: string; tables: Table[]; connector: string; prefix: string };
    /** `<catalog>.<namespace>.<table prefix>` of the mirrors, for Trino. */
    ns: string;
    /** The stack config's captured-table lists as they were (undefined: unset, the components' defaults). */
    original: { postgresTables?: string; mysqlTables?: string };
    psql(sql: string): Promise<string>;
    mysql(sql: string): Promise<string>;
    trino(sql: string): Promise<any[][]>;
    /** `<ns><prefix>_<schema>_<table><suffix>`: a table's mirror (suffix "") or changelog ("_changelog"). */
    mirror(kind: "pg" | "my", schema: string, table: string, suffix?: string): string;
    /** Sets a captured-table list in the stack config (undefined: removes the key). */
    setTables(key: "postgresTables" | "mysqlTables", tables: Table[] | undefined): Promise<void>;
    /** Puts both lists back as they were. */
    restoreTables(): Promise<void>;
    /** `pulumi up` with the policy pack; fails on an error in its output. */
    up(what: string): Promise<string>;
}

export async function sources(stack: SharedStack): Promise<Sources> {
    const target = stack.outputs.verifyTarget;
    assert.ok(target.cdc, "the shared stack has no CDC job");
    const p = target.sources.find((s: { kind: string }) => s.kind === "postgres");
    const m = target.sources.find((s: { kind: string }) => s.kind === "mysql");
    const config = JSON.parse(await stack.pulumi("config", "--json"));
    const pg = { container: p.container, admin: p.adminUser, database: p.database, tables: p.tables, connector: p.connector, prefix: stack.outputs.topicPrefixes.postgres };
    const my = { container: m.container, tables: m.tables, connector: m.connector, prefix: stack.outputs.topicPrefixes.mysql };
    const ns = `${target.cdc.namespace}.${target.cdc.tablePrefix}`;
    const original = { postgresTables: config["lakehouse:postgresTables"]?.value, mysqlTables: config["lakehouse:mysqlTables"]?.value };
    const setTables = async (key: "postgresTables" | "mysqlTables", tables: Table[] | undefined) => {
        if (tables === undefined) await stack.pulumi("config", "rm", `lakehouse:${key}`);
        else await stack.pulumi("config", "set", `lakehouse:${key}`, JSON.stringify(tables));
    };
    return {
        pg, my, ns, original, setTables,
        psql: (sql) => exec(pg.container, ["psql", "-v", "ON_ERROR_STOP=1", "-qAt", "-U", pg.admin, "-d", pg.database], sql),
        mysql: (sql) => exec(my.container, ["sh", "-c", `${MYSQL_ROOT_PWD_SH} exec mysql -uroot -N -B`], sql),
        trino: (sql) => trino(stack.outputs.endpoints.trino, sql),
        mirror: (kind, schema, table, suffix = "") => `${ns}${kind === "pg" ? pg.prefix : my.prefix}_${schema}_${table}${suffix}`,
        restoreTables: async () => {
            await setTables("postgresTables", original.postgresTables === undefined ? undefined : JSON.parse(original.postgresTables));
            await setTables("mysqlTables", original.mysqlTables === undefined ? undefined : JSON.parse(original.mysqlTables));
        },
        up: async (what) => {
            const out = await stack.pulumi("up", "--yes", ...stack.policyPack);
            assert.doesNotMatch(out, /error:/i, `${what}: pulumi up printed an error`);
            return out;
        },
    };
}
