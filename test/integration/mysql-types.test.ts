// MySQL column types, value for value, from Oracle MySQL through Debezium's MySqlConnector, Kafka and
// the CDC job into the Iceberg mirror, read back through Trino and Spark. Runs on the shared stack,
// which captures sales.types_it (MYSQL_TYPES_TABLE) beside the seed's tables. The expected values are
// written out here from the SQL literals the suite inserts (and the mapping documented in docs/mysql.md),
// never read from the code under test. The suite deletes its rows at the end (the mirror must follow).
import { strict as assert } from "assert";
import * as mysql from "mysql2/promise";
import { docker, waitFor } from "../support/docker";
import { MYSQL_TYPES_TABLE, SharedStack, sharedStack } from "../support/shared-stack";
import { sparkSql, trino as trinoQuery } from "../../tools/clients";
import { verifyLakehouse } from "../../tools/verify";

/** One row as the suite expects it in the mirror, column by column (Trino's text of each value). */
type Row = [id: number, decimal: string | null, datetime: string | null, timestamp: string | null, date: string | null,
    json: unknown, enumValue: string | null, tinyint1: number | null, bit1: boolean | null, bit12: number | null, blobHex: string | null];

const INSERTS = [
    `(1, 123456789.125, '2024-02-29 13:45:07.123', '2024-03-01 04:05:06.789012', '2024-02-29', '{"b": [1, 2], "a": "x"}', 'medium', 1, b'1', b'101000000101', X'00FF10')`,
    "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    `(3, -0.001, '1000-01-01 00:00:00.000', '1970-01-01 00:00:01.000000', '9999-12-31', '[]', 'x-large', 0, b'0', b'111111111111', X'')`,
];
const AFTER_INSERTS: Row[] = [
    [1, "123456789.125", "2024-02-29 13:45:07.123000", "2024-03-01 04:05:06.789012 UTC", "2024-02-29", { a: "x", b: [1, 2] }, "medium", 1, true, 2565, "00FF10"],
    [2, null, null, null, null, null, null, null, null, null, null],
    [3, "-0.001", "1000-01-01 00:00:00.000000", "1970-01-01 00:00:01.000000 UTC", "9999-12-31", [], "x-large", 0, false, 4095, ""],
];
const UPDATE = `UPDATE sales.types_it SET c_decimal = NULL, c_json = '{"k": "\u00fc"}', c_enum = 'small', c_bit12 = b'1', c_blob = NULL WHERE id = 1`;
const AFTER_UPDATE: Row[] = [
    [1, null, "2024-02-29 13:45:07.123000", "2024-03-01 04:05:06.789012 UTC", "2024-02-29", { k: "\u00fc" }, "small", 1, true, 1, null],
    AFTER_INSERTS[1], AFTER_INSERTS[2],
];

describe("MySQL column types mirrored value for value (Oracle MySQL -> MySqlConnector -> Iceberg, read by Trino and Spark)", function () {
    this.timeout(1_800_000);
    let stack: SharedStack;
    let my: mysql.Connection;
    let mirror = "";
    let trinoUrl = "";
    let sparkContainer = "";
    const trino = (sql: string) => trinoQuery(trinoUrl, sql);
    const cols = MYSQL_TYPES_TABLE.columns.map((c) => c.name);

    async function trinoRows(): Promise<Row[]> {
        const rows = await trino(`SELECT id, CAST(c_decimal AS varchar), CAST(c_datetime AS varchar),
            CAST(c_timestamp AT TIME ZONE 'UTC' AS varchar), CAST(c_date AS varchar), c_json, c_enum, c_tinyint1, c_bit1, c_bit12,
            to_hex(c_blob) FROM ${mirror} ORDER BY id`);
        return rows.map((r) => [Number(r[0]), r[1], r[2], r[3], r[4], r[5] === null ? null : JSON.parse(r[5] as string),
            r[6], r[7] === null ? null : Number(r[7]), r[8], r[9] === null ? null : Number(r[9]), r[10]] as Row);
    }

    async function mirrorBecomes(what: string, want: Row[]): Promise<void> {
        let last: unknown;
        try {
            await waitFor(what, async () => {
                last = await trinoRows().catch((e) => `trino: ${(e as Error).message}`);
                try { assert.deepStrictEqual(last, want); return true; } catch { return undefined; }
            }, 600_000, 2000);
        } catch (e) {
            throw new Error(`${(e as Error).message}\nlast mirror rows: ${JSON.stringify(last)}\nwant: ${JSON.stringify(want)}`);
        }
    }

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        const target = stack.outputs.verifyTarget;
        assert.ok(target.cdc, "the shared stack has no CDC job");
        const source = target.sources.find((s: { kind: string }) => s.kind === "mysql");
        assert.ok(source.tables.some((t: { name: string }) => t.name === "types_it"), "the shared stack does not capture sales.types_it");
        mirror = `${target.cdc.namespace}.${target.cdc.tablePrefix}${stack.outputs.topicPrefixes.mysql}_sales_types_it`;
        trinoUrl = stack.outputs.endpoints.trino;
        sparkContainer = target.sparkContainer;
        const port = (await docker(["port", source.container, "3306/tcp"])).trim().split("\n")[0];
        const m = /^(.+):(\d+)$/.exec(port)!;
        my = await mysql.createConnection({ host: m[1], port: Number(m[2]), user: "root", password: stack.secrets.mysqlRootPassword });
        await my.query("SET time_zone = '+00:00'");
        await my.query("DELETE FROM sales.types_it");
    });

    after(async () => {
        await my?.end().catch(() => undefined);
    });

    it("runs Oracle MySQL (not MariaDB) captured by Debezium's MySqlConnector", async () => {
        const [rows] = await my.query("SELECT @@version AS v, @@version_comment AS c") as any;
        assert.match(rows[0].v, /^9\.7\./);
        assert.doesNotMatch(`${rows[0].v} ${rows[0].c}`, /mariadb/i);
        const connector = stack.outputs.verifyTarget.sources.find((s: { kind: string }) => s.kind === "mysql").connector;
        const config = (await fetch(`${stack.outputs.endpoints.connect}/connectors/${connector}/config`).then((r) => r.json())) as Record<string, string>;
        assert.equal(config["connector.class"], "io.debezium.connector.mysql.MySqlConnector");
    });

    it("mirrors DECIMAL, DATETIME, TIMESTAMP, DATE, JSON, ENUM, TINYINT(1), BIT(1), BIT(12), BLOB and NULL in each, with Iceberg types to match (Trino)", async () => {
        await my.query(`INSERT INTO sales.types_it (${cols.join(", ")}) VALUES ${INSERTS.join(", ")}`);
        await mirrorBecomes("the inserted rows in the mirror", AFTER_INSERTS);
        const types = await trino(`SELECT column_name, data_type FROM ${mirror.split(".")[0]}.information_schema.columns
            WHERE table_schema = '${mirror.split(".")[1]}' AND table_name = '${mirror.split(".")[2]}' AND column_name IN (${cols.map((c) => `'${c}'`).join(", ")})
            ORDER BY ordinal_position`);
        assert.deepStrictEqual(Object.fromEntries(types), {
            id: "integer", c_decimal: "decimal(12,3)", c_datetime: "timestamp(6)", c_timestamp: "timestamp(6) with time zone",
            c_date: "date", c_json: "varchar", c_enum: "varchar", c_tinyint1: "integer", c_bit1: "boolean", c_bit12: "bigint",
            c_blob: "varbinary",
        });
    });

    it("follows an update that sets values to NULL and back, value for value", async () => {
        await my.query(UPDATE);
        await mirrorBecomes("the updated row in the mirror", AFTER_UPDATE);
    });

    it("Spark reads the same values", async () => {
        const res = await sparkSql(sparkContainer, ["SET spark.sql.session.timeZone=UTC;"], {
            rows: `SELECT id, CAST(c_decimal AS STRING) d, CAST(c_datetime AS STRING) dt, CAST(c_timestamp AS STRING) ts,
                CAST(c_date AS STRING) dd, c_json j, c_enum e, c_tinyint1 t, c_bit1 b1, c_bit12 b12, hex(c_blob) bl FROM ${mirror} ORDER BY id`,
        });
        const got = res.rows.map((r: any) => [r.id, r.d ?? null, r.dt ?? null, r.ts ?? null, r.dd ?? null, r.j === undefined ? null : JSON.parse(r.j),
            r.e ?? null, r.t ?? null, r.b1 ?? null, r.b12 ?? null, r.bl ?? null]);
        // Spark prints timestamps without trailing zero fractions and without a zone (the session's, UTC).
        assert.deepStrictEqual(got, [
            [1, null, "2024-02-29 13:45:07.123", "2024-03-01 04:05:06.789012", "2024-02-29", { k: "\u00fc" }, "small", 1, true, 1, null],
            [2, null, null, null, null, null, null, null, null, null, null],
            [3, "-0.001", "1000-01-01 00:00:00", "1970-01-01 00:00:01", "9999-12-31", [], "x-large", 0, false, 4095, ""],
        ]);
    });

    it("`make verify` compares every value of this table with its mirror, through Trino and Spark, and passes", async () => {
        // The rows above stay in the table: verify's mirror checks read them all (bytes, bits, date-times,
        // JSON) next to the rows verify makes itself. Its first CI run on this stack failed on exactly that.
        const lines: string[] = [];
        const results = await verifyLakehouse(stack.outputs.endpoints, stack.outputs.verifyTarget, { waitMs: 300_000, log: (l) => lines.push(l) });
        const failed = results.filter((r) => !r.ok);
        assert.deepStrictEqual(failed, [], lines.join("\n"));
        const names = results.map((r) => r.name);
        assert.ok(names.includes("mirror tables equal the sources exactly (Trino)") && names.includes("Spark reads the same mirror rows and changelog"), names.join("; "));
        const [left] = await my.query("SELECT id FROM sales.types_it ORDER BY id") as any;
        assert.deepStrictEqual(left.map((r: { id: number }) => r.id), [1, 2, 3], "verify left rows of its own behind");
    });

    it("deletes reach the mirror: the suite leaves the table empty", async () => {
        await my.query("DELETE FROM sales.types_it");
        await mirrorBecomes("an empty mirror", []);
    });
});
