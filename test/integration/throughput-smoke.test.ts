// Smoke guard of the bulk benchmark (`make bench-bulk`, tools/bench-bulk.ts) on the shared test stack:
// 20,000 rows inserted into public.users by one INSERT ... SELECT generate_series, then deleted by one
// DELETE; each phase waits until the mirror, read through Trino, has the source's count and checksum of
// the rows. It fails when the insert's end-to-end throughput (source commit -> mirror equal) falls below
// FLOOR_ROWS_PER_SEC: a guard against regressions (e.g. a 5x slowdown), not the benchmark itself. The
// floor and the numbers behind it: docs/performance.md "Bulk throughput".
//
// The suite's rows: ids IDS_FIRST .. IDS_FIRST + ROWS - 1 in public.users (no other suite uses them:
// cdc 41000-41999, exactly-once 46000-46999, verify and bench-latency max(id) + 1). They are deleted by
// the test's own DELETE phase, or after a failure by benchBulk and this suite's after(), which waits until
// the mirror holds none of them, so the suites after it see the stack as before.
import { strict as assert } from "assert";
import { SharedStack, sharedStack } from "../support/shared-stack";
import { benchBulk, formatBulk, machine, mirrorName } from "../../tools/bench-bulk";
import { trino, waitUntil } from "../../tools/clients";

const ROWS = 20_000;
const IDS_FIRST = 3_000_000;
const IDS_LAST = IDS_FIRST + ROWS - 1;
/** rows/s, commit -> mirror equal of the 20k-row insert; why this number: docs/performance.md. */
export const FLOOR_ROWS_PER_SEC = 50;

describe("bulk throughput smoke guard: 20,000 rows into public.users, commit -> mirror equal through Trino", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    let mirror = "";

    before(async function () {
        this.timeout(3_000_000);
        stack = await sharedStack();
        const target = stack.outputs.verifyTarget;
        assert.ok(target.cdc, "the shared stack has no CDC job");
        const pg = target.sources.find((s: { kind: string }) => s.kind === "postgres");
        assert.ok(pg, "the shared stack has no Postgres source");
        assert.equal(`${pg.tables[0].schema}.${pg.tables[0].name}`, "public.users", "the Postgres source's first captured table");
        mirror = mirrorName(target, `${pg.topicPrefix}.public.users`);
    });

    after(async function () {
        this.timeout(1_200_000);
        if (!stack) return;
        // benchBulk deletes the source rows when it fails half-way; the mirror follows.
        await waitUntil(`no smoke rows left in ${mirror}`, 900_000, 2000, async () => {
            const n = Number((await trino(stack.outputs.endpoints.trino, `SELECT count(*) FROM ${mirror} WHERE id BETWEEN ${IDS_FIRST} AND ${IDS_LAST}`))[0][0]);
            return n === 0 ? true : undefined;
        });
    });

    it(`the insert reaches the mirror at >= ${FLOOR_ROWS_PER_SEC} rows/s end to end, and the delete takes the rows out again`, async function () {
        const before = machine();
        const results = await benchBulk(stack.outputs.endpoints, stack.outputs.verifyTarget, {
            rows: ROWS, phases: ["insert", "delete"], sources: ["postgres"], firstId: IDS_FIRST,
            kafka: true, sampleMs: 1000, phaseTimeoutMs: 900_000, log: (l) => console.log(`      ${l}`),
        });
        console.log(`      load before: ${before.uptime}\n      load after:  ${machine().uptime}`);
        console.log(formatBulk(results).split("\n").map((l) => `      ${l}`).join("\n"));
        const [insert, del] = results[0].phases;
        assert.equal(insert.phase, "insert");
        assert.equal(insert.count, ROWS, "the source's count after the insert");
        assert.equal(del.count, 0, "the source's count after the delete");
        assert.ok(insert.kafkaAllMs !== null, "every insert event was seen in Kafka");
        assert.ok(insert.rowsPerSec >= FLOOR_ROWS_PER_SEC,
            `bulk insert of ${ROWS} rows: ${Math.round(insert.rowsPerSec)} rows/s end to end (mirror equal ${(insert.mirrorEqualMs / 1000).toFixed(1)} s after the commit; `
            + `Kafka had every event after ${((insert.kafkaAllMs ?? 0) / 1000).toFixed(1)} s), below the floor of ${FLOOR_ROWS_PER_SEC} rows/s (docs/performance.md)`);
    });
});
