// Tables added to and removed from capture by `pulumi up` on a running stack (issue 16), on the shared
// stack, through the CLI with the policy pack as `make up` drives it. Added: a Postgres and a MySQL table
// that already hold rows are declared in the stack config; the connectors are updated in place, only the
// new tables are snapshotted (Debezium's incremental snapshot, sent through the signaling table), and their
// mirrors appear with the existing rows. Removed (the default, keep): the MySQL table goes back out of the
// config; its connector stops capturing it, its mirror is kept, and every other table (the added Postgres
// one too) keeps flowing. The other tables' changelogs prove that nothing else was snapshotted again (no
// new `r` rows, no new rows at all). With `lakehouse:cdcRemovedTables: drop`, the Postgres table removed
// in turn loses its mirror and changelog (gone from Trino's SHOW TABLES) while the other tables keep
// flowing. Four `pulumi up`s in all (add, remove, remove with drop, restore): each one that changes the
// captured tables restarts the CDC job, so each costs CI minutes.
// The expected rows are the ones this suite inserts; it restores the stack config and deletes its rows.
import { strict as assert } from "assert";
import { logs, waitFor } from "../support/docker";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { Sources, Table, sources } from "../support/sources";

const PG_ROWS = 400;
const MY_ROWS = 300;
/** Ids of the marker rows this suite writes into the stack's own tables (out of every other suite's range). */
const MARK = 7_100_000;

describe("capture changes on a running stack: tables added (snapshotted alone) and removed (mirror kept, or dropped by config), by pulumi up", function () {
    this.timeout(1_800_000);
    let stack: SharedStack;
    let s: Sources;
    const pgNew: Table = { schema: "public", name: "capture_it", columns: [{ name: "id", type: "integer", notNull: true }, { name: "name", type: "text" }], primaryKey: ["id"] };
    const myNew: Table = { schema: "sales", name: "capture_it", columns: [{ name: "id", type: "int", notNull: true }, { name: "note", type: "varchar(64)" }], primaryKey: ["id"] };
    /** The stack's own tables (the MySQL types table aside: its suite empties it): their changelogs must not grow. */
    const ownTables = () => [
        ...s.pg.tables.map((t) => ({ kind: "pg" as const, t })),
        ...s.my.tables.filter((t) => t.name !== "types_it").map((t) => ({ kind: "my" as const, t })),
    ];
    const others = () => ownTables().map(({ kind, t }) => s.mirror(kind, t.schema, t.name, "_changelog"));
    const markerSql = (kind: "pg" | "my", statement: (table: string) => string) =>
        ownTables().filter((x) => x.kind === kind).map(({ t }) => statement(`${t.schema}.${t.name}`)).join("\n");

    async function connectorTables(name: string): Promise<string[]> {
        const config = await fetch(`${stack.outputs.endpoints.connect}/connectors/${name}/config`).then((r) => r.json()) as Record<string, string>;
        return (config["table.include.list"] ?? "").split(",").filter(Boolean);
    }

    /** Changelog rows per table and op of every table the suite does not add: the proof of no re-snapshot. */
    async function otherChangelogs(): Promise<Record<string, Record<string, number>>> {
        const out: Record<string, Record<string, number>> = {};
        for (const table of others()) {
            out[table] = Object.fromEntries((await s.trino(`SELECT op, count(*) FROM ${table} GROUP BY op`)).map((r) => [String(r[0]), Number(r[1])]));
        }
        return out;
    }

    async function mirrorRows(table: string): Promise<string> {
        const rows = await s.trino(`SELECT id, ${table.includes(`${s.pg.prefix}_`) ? "name" : "note"} FROM ${table} ORDER BY id`);
        return rows.map((r) => `${r[0]}:${r[1]}`).join(",");
    }

    /** Waits until the marker row of every other table has reached `id` in its mirror. */
    const markersMovedTo = (id: number) => waitFor(`the markers' key update to ${id} in every other mirror`, async () => {
        for (const table of others()) {
            const n = await s.trino(`SELECT count(*) FROM ${table.replace(/_changelog$/, "")} WHERE id = ${id}`);
            if (Number(n[0][0]) === 0) return undefined;
        }
        return true;
    }, 600_000, 3000);

    const expected = (n: number, label: string, extra: string[] = []) =>
        [...Array.from({ length: n }, (_, i) => `${i + 1}:${label} ${i + 1}`), ...extra].join(",");

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        s = await sources(stack);
        // Tables that exist, with rows, before anyone declares them: what a user adds to capture.
        await s.psql(`DROP TABLE IF EXISTS public.capture_it; CREATE TABLE public.capture_it (id integer NOT NULL PRIMARY KEY, name text);
            INSERT INTO public.capture_it SELECT g, 'pg ' || g FROM generate_series(1, ${PG_ROWS}) g;`);
        await s.mysql(`DROP TABLE IF EXISTS sales.capture_it; CREATE TABLE sales.capture_it (id int NOT NULL PRIMARY KEY, note varchar(64));
            INSERT INTO sales.capture_it WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${MY_ROWS}) SELECT n, CONCAT('my ', n) FROM g;`);
        // One change per captured table, so each has a mirror and a changelog to count.
        await s.psql(markerSql("pg", (t) => `INSERT INTO ${t} (id) VALUES (${MARK});`));
        await s.mysql(markerSql("my", (t) => `INSERT INTO ${t} (id) VALUES (${MARK});`));
        await waitFor("a changelog row of the marker in every captured table", async () => {
            for (const table of others()) {
                const n = await s.trino(`SELECT count(*) FROM ${table} WHERE row_key = '[${MARK}]'`);
                if (Number(n[0][0]) === 0) return undefined;
            }
            return true;
        }, 600_000, 3000);
    });

    after(async function () {
        this.timeout(1_200_000);
        if (!s) return;
        // The stack as the other suites expect it, whatever happened above.
        await s.restoreTables().catch(() => undefined);
        await stack.pulumi("config", "rm", "lakehouse:cdcRemovedTables").catch(() => undefined);
        await stack.pulumi("up", "--yes", ...stack.policyPack).catch((e) => console.log(`      [capture-change] restoring the stack: ${(e as Error).message.slice(0, 400)}`));
        await s.psql(markerSql("pg", (t) => `DELETE FROM ${t} WHERE id IN (${MARK}, ${MARK + 1}, ${MARK + 2});`) + "\nDROP TABLE IF EXISTS public.capture_it;").catch(() => undefined);
        await s.mysql(markerSql("my", (t) => `DELETE FROM ${t} WHERE id IN (${MARK}, ${MARK + 1}, ${MARK + 2});`) + "\nDROP TABLE IF EXISTS sales.capture_it;").catch(() => undefined);
    });

    let baseline: Record<string, Record<string, number>>;

    it("adds a Postgres and a MySQL table with rows: the connectors are updated in place, only those tables are snapshotted, their mirrors hold the existing rows", async () => {
        baseline = await otherChangelogs();
        await s.setTables("postgresTables", [...s.pg.tables, pgNew]);
        await s.setTables("mysqlTables", [...s.my.tables, myNew]);
        const preview = await stack.pulumi("preview", ...stack.policyPack);
        assert.match(preview, /~ +pulumi-nodejs:dynamic\/lakehouse:Connector[^\n]*postgres-connector[^\n]*update/, "the Postgres connector is updated, not replaced");
        assert.doesNotMatch(preview, /[+-]{2} +pulumi-nodejs:dynamic\/lakehouse:Connector|replace[^\n]*Connector/i, "no connector is replaced");
        const out = await s.up("add");
        assert.match(out, new RegExp(`connector ${s.pg.connector}: incremental snapshot signal \\S+ sent for public\\.capture_it\\b`));
        assert.match(out, new RegExp(`connector ${s.my.connector}: incremental snapshot signal \\S+ sent for sales\\.capture_it\\b`));
        assert.ok((await connectorTables(s.pg.connector)).includes("public.capture_it"));
        assert.ok((await connectorTables(s.my.connector)).includes("sales.capture_it"));

        const pgMirror = s.mirror("pg", "public", "capture_it");
        const myMirror = s.mirror("my", "sales", "capture_it");
        await waitFor(`${PG_ROWS} existing rows in ${pgMirror} and ${MY_ROWS} in ${myMirror}`, async () =>
            (await mirrorRows(pgMirror).catch(() => "")) === expected(PG_ROWS, "pg") &&
            (await mirrorRows(myMirror).catch(() => "")) === expected(MY_ROWS, "my"), 600_000, 3000);
        // Snapshot reads, once per row: the changelog holds exactly the existing rows.
        assert.deepStrictEqual(await s.trino(`SELECT op, count(*), count(DISTINCT row_key) FROM ${pgMirror}_changelog GROUP BY op`), [["r", PG_ROWS, PG_ROWS]]);
        assert.deepStrictEqual(await s.trino(`SELECT op, count(*), count(DISTINCT row_key) FROM ${myMirror}_changelog GROUP BY op`), [["r", MY_ROWS, MY_ROWS]]);

        // New changes to the added tables stream like any other table's.
        await s.psql(`INSERT INTO public.capture_it VALUES (${PG_ROWS + 1}, 'pg ${PG_ROWS + 1}'); UPDATE public.capture_it SET name = 'pg changed' WHERE id = 1;`);
        await s.mysql(`INSERT INTO sales.capture_it VALUES (${MY_ROWS + 1}, 'my ${MY_ROWS + 1}'); DELETE FROM sales.capture_it WHERE id = 2;`);
        const pgWant = expected(PG_ROWS + 1, "pg").replace(/^1:pg 1,/, "1:pg changed,");
        const myWant = expected(MY_ROWS + 1, "my").split(",").filter((r) => !r.startsWith("2:")).join(",");
        await waitFor("the new changes in both mirrors", async () =>
            (await mirrorRows(pgMirror)) === pgWant && (await mirrorRows(myMirror)) === myWant, 600_000, 3000);

        assert.deepStrictEqual(await otherChangelogs(), baseline, "another table's changelog changed: it was snapshotted again");
    });

    it("removes the MySQL table (keep): its capture stops, its mirror is kept, the other tables (the added Postgres one too) keep flowing and are not snapshotted again", async () => {
        const pgMirror = s.mirror("pg", "public", "capture_it");
        const myMirror = s.mirror("my", "sales", "capture_it");
        const keptMy = await mirrorRows(myMirror);
        await s.setTables("mysqlTables", s.my.tables);
        const out = await s.up("remove");
        assert.doesNotMatch(out, /incremental snapshot signal/, "removing a table sends no signal");
        assert.ok(!(await connectorTables(s.my.connector)).includes("sales.capture_it"));
        assert.ok((await connectorTables(s.pg.connector)).includes("public.capture_it"), "the Postgres table, still declared, left capture");

        // Changes to the removed table no longer arrive; the stack's own tables and the Postgres table still do.
        await s.mysql(`INSERT INTO sales.capture_it VALUES (${MY_ROWS + 2}, 'late');`);
        await s.psql(`INSERT INTO public.capture_it VALUES (${PG_ROWS + 2}, 'still captured');`);
        await s.psql(markerSql("pg", (t) => `UPDATE ${t} SET id = ${MARK + 1} WHERE id = ${MARK};`));
        await s.mysql(markerSql("my", (t) => `UPDATE ${t} SET id = ${MARK + 1} WHERE id = ${MARK};`));
        await markersMovedTo(MARK + 1);
        await waitFor(`the new row in ${pgMirror}`, async () =>
            Number((await s.trino(`SELECT count(*) FROM ${pgMirror} WHERE id = ${PG_ROWS + 2}`))[0][0]) === 1 || undefined, 600_000, 3000);
        assert.strictEqual(await mirrorRows(myMirror), keptMy, "the removed MySQL table's mirror changed");
        const after = await otherChangelogs();
        for (const [table, ops] of Object.entries(baseline)) {
            // The markers' key change: a delete of the old key and a create of the new one, no snapshot read.
            assert.strictEqual(after[table].r ?? 0, ops.r ?? 0, `${table}: snapshot reads after the removal`);
            const added = Object.values(after[table]).reduce((a, b) => a + b, 0) - Object.values(ops).reduce((a, b) => a + b, 0);
            assert.ok(added >= 1 && added <= 3, `${table}: ${added} new changelog rows for one key update`);
        }
        assert.deepStrictEqual(await s.trino(`SELECT op, count(*) FROM ${pgMirror}_changelog WHERE op <> 'r' GROUP BY op ORDER BY op`), [["c", 2], ["u", 1]],
            "the Postgres table's changelog: its two inserts and one update since the snapshot, nothing read again");
    });

    it("with lakehouse:cdcRemovedTables drop, the Postgres table removed from capture loses its mirror and changelog and the others keep flowing", async () => {
        const pgMirror = s.mirror("pg", "public", "capture_it");
        const shown = async () => (await s.trino(`SHOW TABLES FROM ${s.ns.replace(/\.[^.]*$/, "")}`)).map((r) => String(r[0]));
        const bare = (table: string) => table.split(".").pop()!;
        // The table streamed changes since it was added (the cases above), so the job's checkpoint names its
        // topic; drop and the removal go out in one `pulumi up`.
        assert.ok((await shown()).includes(bare(pgMirror)));
        await stack.pulumi("config", "set", "lakehouse:cdcRemovedTables", "drop");
        await s.restoreTables();
        const out = await s.up("remove with drop");
        assert.doesNotMatch(out, /incremental snapshot signal/, "removing a table sends no signal");
        assert.ok(!(await connectorTables(s.pg.connector)).includes("public.capture_it"));
        await waitFor(`${pgMirror} and its changelog gone from SHOW TABLES`, async () => {
            const tables = await shown();
            return !tables.includes(bare(pgMirror)) && !tables.includes(`${bare(pgMirror)}_changelog`);
        }, 600_000, 3000);
        // The catalog forgets a table before PURGE has deleted its files; the job logs the drop after both.
        const droppedLine = (table: string) => new RegExp(`dropped \\S+\\.${bare(table)}: its topic \\S+ was removed from capture`);
        await waitFor(`the job's log line for each dropped table`, async () => {
            const jobLog = await logs(stack.outputs.verifyTarget.cdc.container, 5000);
            return [pgMirror, `${pgMirror}_changelog`].every((table) => droppedLine(table).test(jobLog)) || undefined;
        }, 300_000, 2000);
        // Every other table is still there and still flowing; the MySQL table removed before (keep) too.
        const tables = await shown();
        for (const table of others()) assert.ok(tables.includes(bare(table)) && tables.includes(bare(table).replace(/_changelog$/, "")), `${table} is gone`);
        assert.ok(tables.includes(bare(s.mirror("my", "sales", "capture_it"))), "the MySQL table kept before was dropped");
        await s.psql(markerSql("pg", (t) => `UPDATE ${t} SET id = ${MARK + 2} WHERE id = ${MARK + 1};`));
        await s.mysql(markerSql("my", (t) => `UPDATE ${t} SET id = ${MARK + 2} WHERE id = ${MARK + 1};`));
        await markersMovedTo(MARK + 2);
    });
});
