// The schema-change contract (issue 16, docs/e2e.md "Schema changes"), end to end on both sources: source
// DDL -> Debezium -> Kafka -> the CDC job -> the Iceberg mirror, read through Trino. On the shared stack, the
// suite adds two tables per source to capture with `pulumi up` (their rows arrive through the incremental
// snapshot), changes their schemas case by case, and removes them from capture at the end (their mirrors
// stay, and the stack is as the other suites expect it). The expected mirror columns, types and rows are
// written out here from the DDL and rows the suite sends, never read from the code under test.
import { strict as assert } from "assert";
import { docker, waitFor } from "../support/docker";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { Sources, Table, sources } from "../support/sources";

/** What each source calls the types of the contract's columns. */
const DIALECTS = {
    pg: {
        table: "public.contract_it", stopTable: "public.contract_stop", schema: "public",
        create: `CREATE TABLE public.contract_it (id integer NOT NULL PRIMARY KEY, a integer, f real, d numeric(8,2), v varchar(10), gone text, old_name text);
            CREATE TABLE public.contract_stop (id integer NOT NULL PRIMARY KEY, n bigint);`,
        addColumns: "ALTER TABLE public.contract_it ADD COLUMN c_null text, ADD COLUMN c_def integer DEFAULT 7, ADD COLUMN c_nn integer NOT NULL DEFAULT 1;",
        widen: "ALTER TABLE public.contract_it ALTER COLUMN a TYPE bigint, ALTER COLUMN f TYPE double precision, ALTER COLUMN d TYPE numeric(12,2), ALTER COLUMN v TYPE varchar(50);",
        drop: "ALTER TABLE public.contract_it DROP COLUMN gone;",
        rename: "ALTER TABLE public.contract_it RENAME COLUMN old_name TO new_name;",
        narrow: "ALTER TABLE public.contract_stop ALTER COLUMN n TYPE integer;",
        truncate: "TRUNCATE public.contract_it;",
        // Debezium's FLOAT32 for real, FLOAT64 for double precision: an Iceberg float -> double promotion.
        types: { before: { a: "integer", f: "real", d: "decimal(8,2)" }, after: { a: "bigint", f: "double", d: "decimal(12,2)" } },
    },
    my: {
        table: "sales.contract_it", stopTable: "sales.contract_stop", schema: "sales",
        create: `CREATE TABLE sales.contract_it (id int NOT NULL PRIMARY KEY, a int, f float, d decimal(8,2), v varchar(10), gone varchar(20), old_name varchar(20));
            CREATE TABLE sales.contract_stop (id int NOT NULL PRIMARY KEY, n bigint);`,
        addColumns: "ALTER TABLE sales.contract_it ADD COLUMN c_null varchar(20), ADD COLUMN c_def int DEFAULT 7, ADD COLUMN c_nn int NOT NULL DEFAULT 1;",
        widen: "ALTER TABLE sales.contract_it MODIFY a bigint, MODIFY f double, MODIFY d decimal(12,2), MODIFY v varchar(50);",
        drop: "ALTER TABLE sales.contract_it DROP COLUMN gone;",
        rename: "ALTER TABLE sales.contract_it RENAME COLUMN old_name TO new_name;",
        narrow: "ALTER TABLE sales.contract_stop MODIFY n int;",
        truncate: "TRUNCATE TABLE sales.contract_it;",
        // Debezium's FLOAT32 for FLOAT, FLOAT64 for DOUBLE (seen in the topic's schema): the same promotion.
        types: { before: { a: "integer", f: "real", d: "decimal(8,2)" }, after: { a: "bigint", f: "double", d: "decimal(12,2)" } },
    },
} as const;

const contractTable = (schema: string, kind: "pg" | "my"): Table => ({
    schema, name: "contract_it", primaryKey: ["id"],
    columns: [{ name: "id", type: kind === "pg" ? "integer" : "int", notNull: true }, { name: "a", type: kind === "pg" ? "integer" : "int" }],
});
const stopTable = (schema: string, kind: "pg" | "my"): Table => ({
    schema, name: "contract_stop", primaryKey: ["id"],
    columns: [{ name: "id", type: kind === "pg" ? "integer" : "int", notNull: true }, { name: "n", type: "bigint" }],
});

describe("schema-change contract, end to end on Postgres and MySQL (source DDL -> mirror through Trino)", function () {
    this.timeout(2_400_000);
    let stack: SharedStack;
    let s: Sources;

    /** The mirror's columns and their Trino types, in order. */
    async function columns(kind: "pg" | "my"): Promise<Record<string, string>> {
        const [catalog, schema, table] = s.mirror(kind, DIALECTS[kind].schema, "contract_it").split(".");
        const rows = await s.trino(`SELECT column_name, data_type FROM ${catalog}.information_schema.columns
            WHERE table_schema = '${schema}' AND table_name = '${table}' AND column_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY ordinal_position`);
        return Object.fromEntries(rows.map((r) => [String(r[0]), String(r[1])]));
    }

    /** Rows of the mirror as `id|col|col...` text, by id, for the columns named. */
    async function rows(kind: "pg" | "my", cols: string[]): Promise<string[]> {
        const got = await s.trino(`SELECT ${["id", ...cols].map((c) => `CAST(${c} AS varchar)`).join(", ")} FROM ${s.mirror(kind, DIALECTS[kind].schema, "contract_it")} ORDER BY id`);
        return got.map((r) => r.map((v) => (v === null ? "null" : String(v))).join("|"));
    }

    async function becomes(what: string, kind: "pg" | "my", cols: string[], want: string[]): Promise<void> {
        let last: unknown;
        try {
            await waitFor(what, async () => {
                last = await rows(kind, cols).catch((e) => `trino: ${(e as Error).message}`);
                return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
            }, 600_000, 3000);
        } catch (e) {
            throw new Error(`${(e as Error).message}\n${kind} mirror rows: ${JSON.stringify(last)}\nwant: ${JSON.stringify(want)}`);
        }
    }

    const sql = (kind: "pg" | "my", text: string) => (kind === "pg" ? s.psql(text) : s.mysql(text));

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        s = await sources(stack);
        for (const kind of ["pg", "my"] as const) {
            const d = DIALECTS[kind];
            await sql(kind, `DROP TABLE IF EXISTS ${d.table}; DROP TABLE IF EXISTS ${d.stopTable}; ${d.create}
                INSERT INTO ${d.table} (id, a, f, d, v, gone, old_name) VALUES (1, 10, 1.5, 123456.78, 'ten chars!', 'g1', 'o1'), (2, 20, 2.5, -1.25, 'v2', 'g2', 'o2');
                INSERT INTO ${d.stopTable} VALUES (1, 10);`);
        }
        // Declared with their first columns only: the stack's DDL is CREATE TABLE IF NOT EXISTS, the tables exist.
        await s.setTables("postgresTables", [...s.pg.tables, contractTable("public", "pg"), stopTable("public", "pg")]);
        await s.setTables("mysqlTables", [...s.my.tables, contractTable("sales", "my"), stopTable("sales", "my")]);
        await s.up("add the contract tables");
        for (const kind of ["pg", "my"] as const) {
            await becomes(`the ${kind} contract rows in the mirror`, kind, ["a", "v", "gone", "old_name"], ["1|10|ten chars!|g1|o1", "2|20|v2|g2|o2"]);
        }
    });

    after(async function () {
        this.timeout(1_200_000);
        if (!s) return;
        await s.restoreTables().catch(() => undefined);
        await stack.pulumi("up", "--yes", ...stack.policyPack).catch((e) => console.log(`      [schema-contract] restoring the stack: ${(e as Error).message.slice(0, 400)}`));
        for (const kind of ["pg", "my"] as const) {
            await sql(kind, `DROP TABLE IF EXISTS ${DIALECTS[kind].table}; DROP TABLE IF EXISTS ${DIALECTS[kind].stopTable};`).catch(() => undefined);
        }
    });

    for (const kind of ["pg", "my"] as const) {
        const d = DIALECTS[kind];
        const name = kind === "pg" ? "Postgres" : "MySQL";

        it(`${name}: mirrors the snapshot with the source's types`, async () => {
            const cols = await columns(kind);
            for (const [col, type] of Object.entries(d.types.before)) assert.equal(cols[col], type, `${col}: ${JSON.stringify(cols)}`);
            assert.equal(cols.v, "varchar");
        });

        it(`${name}: an added column (nullable, with a default, NOT NULL) appears as a nullable column; rows not changed since keep it null`, async () => {
            await sql(kind, `${d.addColumns}
                INSERT INTO ${d.table} (id, a, c_null, c_def, c_nn) VALUES (3, 30, 'x3', 73, 13);
                UPDATE ${d.table} SET a = 11 WHERE id = 1;`);
            await becomes("the new columns", kind, ["a", "c_null", "c_def", "c_nn"], ["1|11|null|7|1", "2|20|null|null|null", "3|30|x3|73|13"]);
            const cols = await columns(kind);
            assert.equal(cols.c_null, "varchar");
            assert.equal(cols.c_def, "integer");
            assert.equal(cols.c_nn, "integer");
        });

        it(`${name}: widened types (int -> bigint, float -> double, decimal precision up, longer varchar) are widened in place, values exact`, async () => {
            await sql(kind, `${d.widen}
                INSERT INTO ${d.table} (id, a, f, d, v) VALUES (4, 1099511627776, 0.1, 1234567890.12, '${"w".repeat(40)}');`);
            await becomes("the widened row", kind, ["a", "d", "v"], ["1|11|123456.78|ten chars!", "2|20|-1.25|v2", "3|30|null|null", `4|1099511627776|1234567890.12|${"w".repeat(40)}`]);
            const cols = await columns(kind);
            for (const [col, type] of Object.entries(d.types.after)) assert.equal(cols[col], type, `${col}: ${JSON.stringify(cols)}`);
            const [[f]] = await s.trino(`SELECT f FROM ${s.mirror(kind, d.schema, "contract_it")} WHERE id = 4`);
            assert.equal(Number(f), 0.1, "a double's value, not a float's (0.1 as float32 would read 0.10000000149...)");
        });

        it(`${name}: a dropped column stays in the mirror, null in rows inserted after the drop, kept in the others`, async () => {
            await sql(kind, `${d.drop}
                INSERT INTO ${d.table} (id, a) VALUES (5, 50);`);
            await becomes("the row after the drop", kind, ["a", "gone"], ["1|11|g1", "2|20|g2", "3|30|null", "4|1099511627776|null", "5|50|null"]);
            assert.ok("gone" in (await columns(kind)));
        });

        it(`${name}: a renamed column is a new column (null in rows not changed since) beside the old one`, async () => {
            await sql(kind, `${d.rename}
                INSERT INTO ${d.table} (id, a, new_name) VALUES (6, 60, 'n6');`);
            await becomes("the row after the rename", kind, ["old_name", "new_name"], ["1|o1|null", "2|o2|null", "3|null|null", "4|null|null", "5|null|null", "6|null|n6"]);
        });

        it(`${name}: an incompatible change (bigint -> int) stops that table alone, naming table, column, old and new type; the others flow`, async () => {
            const stopMirror = s.mirror(kind, d.schema, "contract_stop");
            await sql(kind, `${d.narrow}
                INSERT INTO ${d.stopTable} VALUES (2, 2);`);
            await sql(kind, `INSERT INTO ${d.table} (id, a) VALUES (7, 70);`);
            const job = stack.outputs.verifyTarget.cdc.container;
            const topic = `${kind === "pg" ? s.pg.prefix : s.my.prefix}.${d.stopTable}`;
            const message: string = await waitFor(`${topic} in the job's stopped tables`, async () => {
                const beat = JSON.parse(await docker(["exec", job, "cat", "/tmp/cdc-mirror.heartbeat"]));
                return (beat.stopped_tables?.[topic] as string | undefined) ?? "";
            }, 600_000, 3000);
            assert.ok(message.includes(stopMirror.split(".").slice(1).join(".")) || message.includes(stopMirror), `names the mirror table: ${message}`);
            assert.match(message, /\bn\b/, `names the column: ${message}`);
            assert.match(message, /bigint/i, `names the old type: ${message}`);
            assert.match(message, /\bint(eger)?\b/i, `names the new type: ${message}`);
            await becomes("the other table's row, flowing", kind, ["a"], ["1|11", "2|20", "3|30", "4|1099511627776", "5|50", "6|60", "7|70"].map((r) => r));
            assert.deepStrictEqual(await s.trino(`SELECT id, n FROM ${stopMirror} ORDER BY id`), [[1, 10]], "the stopped table's mirror is as it was");
        });

        it(`${name}: TRUNCATE is not applied (the mirror keeps its rows), later changes are`, async () => {
            await sql(kind, `${d.truncate}
                INSERT INTO ${d.table} (id, a) VALUES (8, 80);`);
            await becomes("the row after the truncate", kind, ["a"], ["1|11", "2|20", "3|30", "4|1099511627776", "5|50", "6|60", "7|70", "8|80"]);
        });
    }
});
