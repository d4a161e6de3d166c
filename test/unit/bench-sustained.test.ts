// The pure parts of `make bench-sustained` (tools/bench-sustained-plan.ts, tools/bench-sustained.ts's command
// line): the rate schedule and its ticks, the operation mix, the writer's id pool, a tick's SQL, percentiles,
// the bounded-lag decision and the per-step summary. Nothing here connects to a stack.
import { strict as assert } from "assert";
import {
    DEFAULT_RULE, IdPool, Sample, StepWindow, boundedLag, lagTroughs, dueBy, finding, formatSteps, heartbeatSeq, heartbeatText, linearFit, parseMix, parseRates,
    percentile, planTick, stopRamp, summarizeStep, sustainedSql, tickChanges, ticksPerStep,
} from "../../tools/bench-sustained-plan";
import { batchesPerStep, maintenancePasses, parseSustainedArgs } from "../../tools/bench-sustained";
import { DEFAULT_MYSQL_TABLES } from "../../components/sources/mysql";
import { DEFAULT_POSTGRES_TABLES } from "../../components/sources/postgres";

/** A seeded generator, so that the pool's draws repeat. */
function lcg(seed = 7): () => number {
    let x = seed;
    return () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x / 2147483648;
    };
}

describe("tools/bench-sustained: rate schedule and ticks", () => {
    it("writes exactly floor(rate * elapsed) changes after any number of ticks, over all tables", () => {
        for (const rate of [250, 333, 1000, 8000, 7.5]) {
            for (const tables of [1, 3, 4]) {
                let sum = 0;
                for (let k = 0; k < 1200; k++) {
                    for (let i = 0; i < tables; i++) sum += tickChanges(rate, 100, tables, i, k);
                    assert.equal(sum, dueBy(rate, 100, k + 1), `rate ${rate}, ${tables} tables, tick ${k}`);
                }
                assert.equal(sum, Math.floor(rate * 120), `rate ${rate}: 120 s`);
            }
        }
    });

    it("deals the changes evenly: no two tables differ by more than one at any tick", () => {
        const cum = [0, 0, 0];
        for (let k = 0; k < 500; k++) {
            for (let i = 0; i < 3; i++) cum[i] += tickChanges(1000, 100, 3, i, k);
            assert.ok(Math.max(...cum) - Math.min(...cum) <= 1, `tick ${k}: ${cum}`);
        }
        assert.deepEqual(cum, [16667, 16667, 16666]);
    });

    it("spreads a low rate over the ticks instead of bunching it", () => {
        // 25 changes/s over 1 table at 100 ms: 2 or 3 per tick, 25 a second.
        const ticks = Array.from({ length: 10 }, (_, k) => tickChanges(25, 100, 1, 0, k));
        assert.equal(ticks.reduce((a, b) => a + b, 0), 25);
        assert.ok(ticks.every((n) => n === 2 || n === 3), String(ticks));
        assert.equal(ticksPerStep(120_000, 100), 1200);
        assert.equal(ticksPerStep(1050, 100), 11);
    });
});

describe("tools/bench-sustained: the operation mix of a tick", () => {
    it("makes one heartbeat per tick with changes and splits the rest 60/30/10 over the run", () => {
        let before = 0;
        const tot = { insert: 0, update: 0, delete: 0, heartbeat: 0 };
        let pool = 1000;
        for (let k = 0; k < 1000; k++) {
            const p = planTick(11, before, pool);
            assert.equal(p.insert + p.update + p.delete + p.heartbeat, 11);
            before += 10;
            pool += p.insert - p.delete;
            tot.insert += p.insert;
            tot.update += p.update;
            tot.delete += p.delete;
            tot.heartbeat += p.heartbeat;
        }
        assert.deepEqual(tot, { insert: 6000, update: 3000, delete: 1000, heartbeat: 1000 });
        // From an empty pool, the first tick's update and delete become inserts.
        assert.deepEqual(planTick(11, 0, 0), { insert: 10, update: 0, delete: 0, heartbeat: 1 });
    });

    it("turns updates and deletes the pool cannot take into inserts, and nothing into a tick of zero", () => {
        assert.deepEqual(planTick(0, 0, 0), { insert: 0, update: 0, delete: 0, heartbeat: 0 });
        assert.deepEqual(planTick(1, 0, 0), { insert: 0, update: 0, delete: 0, heartbeat: 1 });
        assert.deepEqual(planTick(11, 0, 0), { insert: 10, update: 0, delete: 0, heartbeat: 1 });
        assert.deepEqual(planTick(11, 0, 2), { insert: 8, update: 1, delete: 1, heartbeat: 1 });
        assert.deepEqual(planTick(11, 0, 100), { insert: 6, update: 3, delete: 1, heartbeat: 1 });
        const p = planTick(101, 0, 100, { insert: 0, update: 0.5, delete: 0.5 });
        assert.deepEqual(p, { insert: 0, update: 50, delete: 50, heartbeat: 1 });
    });

    it("draws distinct ids from the pool: deletes leave it, updates stay", () => {
        const pool = new IdPool(lcg());
        pool.add(Array.from({ length: 100 }, (_, i) => i + 1));
        const del = pool.take(30);
        assert.equal(new Set(del).size, 30);
        assert.equal(pool.size, 70);
        const upd = pool.pick(70);
        assert.equal(new Set(upd).size, 70);
        assert.ok(upd.every((id) => !del.includes(id)));
        assert.equal(pool.size, 70);
        assert.throws(() => pool.take(71), /has 70 ids, not 71/);
    });
});

describe("tools/bench-sustained: a tick's SQL", () => {
    const users = DEFAULT_POSTGRES_TABLES[0];
    const orders = DEFAULT_MYSQL_TABLES[0];

    it("Postgres: one simple query (one transaction), the heartbeat last, values per column type", () => {
        const s = sustainedSql("postgres", users);
        assert.equal(s.markerColumn, "name");
        const sql = s.tick({ seq: 7, heartbeatId: 100, inserts: [101, 102], updates: [103], deletes: [104, 105] });
        assert.equal(sql, [
            `INSERT INTO "public"."users" ("id", "name", "email") VALUES (101, 's-101', 's-101'), (102, 's-102', 's-102');`,
            `UPDATE "public"."users" SET "name" = 'u-7' WHERE "id" IN (103);`,
            `DELETE FROM "public"."users" WHERE "id" IN (104, 105);`,
            `UPDATE "public"."users" SET "name" = 'hb-7' WHERE "id" = 100;`,
        ].join("\n"));
        assert.equal(s.heartbeatInsert(100), `INSERT INTO "public"."users" ("id", "name", "email") VALUES (100, 'hb-0', 's-100')`);
        assert.equal(s.mirrorMarker("iceberg.cdc.t", 100, 2), `SELECT 2 AS i, CAST("name" AS varchar) AS v FROM iceberg.cdc.t WHERE "id" = 100`);
    });

    it("MySQL: START TRANSACTION ... COMMIT, integers and decimals filled, the first text column as marker", () => {
        const s = sustainedSql("mysql", orders);
        assert.equal(s.markerColumn, "status");
        const sql = s.tick({ seq: 3, heartbeatId: 50, inserts: [1234], updates: [], deletes: [] });
        assert.equal(sql, "START TRANSACTION;\nINSERT INTO `sales`.`orders` (`id`, `customer_id`, `amount`, `status`) VALUES (1234, 234, 234.25, 's-1234');\n"
            + "UPDATE `sales`.`orders` SET `status` = 'hb-3' WHERE `id` = 50;\nCOMMIT;");
        assert.equal(s.deleteRange(50, 99), "DELETE FROM `sales`.`orders` WHERE `id` BETWEEN 50 AND 99");
    });

    it("refuses tables it cannot write and reads the tick back from a marker", () => {
        assert.throws(() => sustainedSql("postgres", { schema: "s", name: "t", columns: [{ name: "id", type: "integer" }, { name: "n", type: "integer" }], primaryKey: ["id"] }), /text column/);
        assert.throws(() => sustainedSql("postgres", { schema: "s", name: "t", columns: [{ name: "id", type: "uuid" }, { name: "n", type: "text" }], primaryKey: ["id"] }), /integer primary key/);
        assert.equal(heartbeatSeq(heartbeatText(42)), 42);
        assert.equal(heartbeatSeq("u-42"), null);
        assert.equal(heartbeatSeq(null), null);
    });
});

describe("tools/bench-sustained: statistics and the bounded-lag decision", () => {
    it("percentiles are nearest-rank, null for no values", () => {
        const v = Array.from({ length: 100 }, (_, i) => 100 - i);
        assert.equal(percentile(v, 0.5), 50);
        assert.equal(percentile(v, 0.99), 99);
        assert.equal(percentile(v, 1), 100);
        assert.equal(percentile([3], 0.99), 3);
        assert.equal(percentile([], 0.5), null);
        const f = linearFit([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])!;
        assert.ok(Math.abs(f.slope - 2) < 1e-12 && Math.abs(f.intercept - 1) < 1e-12);
        assert.equal(linearFit([{ x: 1, y: 1 }, { x: 1, y: 2 }]), null);
    });

    const series = (f: (t: number) => number, seconds = 120) => Array.from({ length: seconds / 2 }, (_, i) => ({ t: i * 2, lag: f(i * 2) }));
    const step = (seconds = 120) => ({ start: 0, end: seconds });

    it("troughs that stay level are bounded, whatever the step's start did", () => {
        const d = boundedLag(series(() => 4), step());
        assert.equal(d.bounded, true, d.reason);
        assert.equal(d.tailSeconds, 60);
        assert.equal(d.tailBatches, 30);
        // up from 5 s to 25 s in the first 40 s (the job catching up with the new rate), then level
        assert.equal(boundedLag(series((t) => Math.min(25, 5 + t / 2)), step()).bounded, true);
    });

    it("troughs that keep rising are not bounded; a longer tail allows less slope", () => {
        const growing = boundedLag(series((t) => 5 + 0.2 * t), step());
        assert.equal(growing.bounded, false);
        assert.match(growing.reason, /growing/);
        assert.ok(Math.abs(growing.tailSlope! - 0.2) < 1e-9, String(growing.tailSlope));
        // 0.08 s/s over a 300 s tail is more than 0.05 s/s; 0.03 is not
        assert.equal(boundedLag(series((t) => 5 + 0.08 * t, 600), step(600)).bounded, false);
        assert.equal(boundedLag(series((t) => 5 + 0.03 * t, 600), step(600)).bounded, true);
    });

    it("uses the whole step when the tail saw fewer than two commits; a step cut short or with one commit is unbounded", () => {
        const d = boundedLag([{ t: 10, lag: 30 }, { t: 50, lag: 31 }, { t: 90, lag: 30 }], step());
        assert.equal(d.bounded, true, d.reason);
        assert.equal(d.tailSeconds, 120);
        assert.equal(boundedLag(series(() => 4), step(), DEFAULT_RULE, true).bounded, false);
        assert.match(boundedLag([{ t: 10, lag: 30 }, { t: 10, lag: 31 }], step()).reason, /fewer than two commits/);
    });

    it("finds the troughs: each table's lag where its shown tick changes", () => {
        const mk = (t: number, a: number | null, b: number | null): Sample => ({
            t: t * 1000, step: 0, trinoMs: 1, load1: 1, tables: {
                a: { seq: a, lagMs: 1000 * t, committed: 0, applied: 0, kafka: 0 },
                b: { seq: b, lagMs: 500 * t, committed: 0, applied: 0, kafka: 0 },
            },
        });
        const before = mk(0, 1, 1);
        const tr = lagTroughs([mk(2, 1, 2), mk(4, 3, 2), mk(6, 3, 2), mk(8, 4, null)], ["a", "b"], before);
        assert.deepEqual(tr, [{ t: 2, lag: 1, table: "b" }, { t: 4, lag: 4, table: "a" }, { t: 8, lag: 8, table: "a" }]);
        assert.equal(lagTroughs([mk(2, 1, 1)], ["a", "b"]).length, 2);
    });
});

describe("tools/bench-sustained: the per-step summary", () => {
    const names = ["postgres public.users", "mysql sales.orders"];
    /** Samples every 2 s of a 60 s step at `rate` changes/s (half a table), the mirror `lag(t)` s behind; Kafka gets 1.1 messages a change (tombstones). */
    function run(lag: (t: number) => number, rate = 1000) {
        const samples: Sample[] = [];
        for (let t = 0; t <= 60_000; t += 2000) {
            const tables: Sample["tables"] = {};
            for (const n of names) {
                const l = lag(t / 1000) * 1000;
                const committed = (rate / 2) * (t / 1000);
                tables[n] = {
                    seq: t / 100, lagMs: l, committed, applied: Math.max(0, (rate / 2) * ((t - l) / 1000)),
                    kafka: 5000 + Math.round((rate / 2) * (t / 1000) * 1.1),
                };
            }
            samples.push({ t: 10_000 + t, step: 0, trinoMs: 300, load1: 3 + t / 60_000, tables });
        }
        const w: StepWindow = {
            index: 0, rate, startT: 10_000, endT: 70_000, aborted: false,
            tables: Object.fromEntries(names.map((n) => [n, { committedStart: 0, committedEnd: rate / 2 * 60, insert: 0, update: 0, delete: rate / 2 * 60 * 0.1, heartbeat: 600 }])),
        };
        return { w, samples };
    }

    it("rates of source, Kafka (less the tombstones) and mirror, lag percentiles over every table, and the goal", () => {
        const { w, samples } = run((t) => 4 + (t % 6));
        const s = summarizeStep(w, [...samples, { ...samples[0], t: 5000 }]);
        assert.equal(s.seconds, 60);
        assert.equal(s.sourceRate, 1000);
        assert.ok(Math.abs(s.kafkaMessagesRate! - 1100) < 1, String(s.kafkaMessagesRate));
        assert.ok(Math.abs(s.kafkaRate! - 1000) < 1, String(s.kafkaRate));
        assert.ok(Math.abs(s.mirrorRate! - 1000) < 100, String(s.mirrorRate));
        assert.equal(s.lagMs.n, 62);
        assert.equal(s.lagMs.p50, 6000);
        assert.equal(s.lagMs.max, 8000);
        assert.equal(s.perTable[names[0]].n, 31);
        assert.equal(s.decision.bounded, true);
        assert.equal(s.meetsGoal, true);
        assert.deepEqual(s.load1, { min: 3, max: 4 });
        assert.equal(stopRamp(s, 60), false);
        assert.match(formatSteps([s]), /\| 1,000 \| 60 \| 1,000 \| 1,000 \| \d[\d,]* \| 6\.0 \/ 8\.0 \/ 8\.0 \/ 8\.0 \| .* \| yes \| yes \| 3\.0-4\.0 \|/);
    });

    it("a sawtooth of batches longer than the tail is bounded when its troughs stay level", () => {
        // one commit every 30 s: the lag climbs from 3 s to 31 s between them; seq advances only at the commits
        const { w, samples } = run((t) => 3 + (t % 30));
        samples.forEach((s) => Object.values(s.tables).forEach((x) => { x.seq = Math.floor((s.t - 10_000) / 30_000); }));
        const s = summarizeStep(w, samples);
        assert.equal(s.decision.bounded, true, s.decision.reason);
        assert.equal(s.decision.tailBatches, 2);
        assert.equal(s.meetsGoal, false);
    });

    it("a bounded step above 10 s p99 does not meet the goal; a writer short of the rate does not either", () => {
        const slow = run((t) => 14 + (t % 6));
        const s = summarizeStep(slow.w, slow.samples);
        assert.equal(s.decision.bounded, true);
        assert.equal(s.meetsGoal, false);
        const short = run((t) => 4 + (t % 6));
        for (const n of names) short.w.tables[n].committedEnd = 500 / 2 * 60;
        assert.equal(summarizeStep(short.w, short.samples).meetsGoal, false);
    });

    it("a growing lag is unbounded and stops the ramp once past the limit; the finding names the knee", () => {
        const up = run((t) => 5 + 1.2 * t, 4000);
        const s = summarizeStep(up.w, up.samples);
        assert.equal(s.decision.bounded, false);
        assert.equal(s.meetsGoal, false);
        assert.equal(s.lastLagMs, 77_000);
        assert.equal(stopRamp(s, 60), true);
        assert.equal(stopRamp(s, 90), false);
        const ok = summarizeStep(run((t) => 4 + (t % 6)).w, run((t) => 4 + (t % 6)).samples);
        const slow = summarizeStep(run((t) => 14 + (t % 6), 2000).w, run((t) => 14 + (t % 6), 2000).samples);
        assert.deepEqual(finding([ok, slow, s]), { highestBounded: 2000, highestMeetsGoal: 1000, firstUnbounded: 4000 });
        assert.deepEqual(finding([]), { highestBounded: null, highestMeetsGoal: null, firstUnbounded: null });
    });

    it("counts the job's batches per step", () => {
        const w = run((t) => 5).w;
        const b = batchesPerStep({
            windows: [w], batches: [
                { at: "", id: 1, changes: 10, topics: 2, seconds: 5, t: 9000 },
                { at: "", id: 2, changes: 300, topics: 2, seconds: 6, t: 20_000 },
                { at: "", id: 3, changes: 500, topics: 3, seconds: 8, t: 30_000 },
            ],
        });
        assert.deepEqual(b, [{ index: 0, n: 2, medianSeconds: 6, medianChanges: 300, maxSeconds: 8 }]);
    });
});

describe("tools/bench-sustained: maintenance passes during a run", () => {
    it("keeps the passes that ended after the run began, timed from its start", () => {
        const log = [
            "2026-12-07 22:26:21,220 INFO maintenance: pass a: 0 action(s) on 0 table(s), 0 failed, 45.5s",
            "2026-12-07 23:00:35,719 INFO maintenance: pass b: 35 action(s) on 7 table(s), 0 failed, 300.0s",
        ].join("\n");
        const p = maintenancePasses(log, Date.parse("2026-12-07T22:48:18.959Z"));
        assert.equal(p.length, 1);
        assert.equal(p[0].t, 736_760);
        assert.equal(p[0].seconds, 300);
        assert.equal(p[0].actions, 35);
        // a run that ended before the pass began has none
        assert.equal(maintenancePasses(log, Date.parse("2026-12-07T22:33:07Z"), 600_000).length, 0);
    });
});

describe("tools/bench-sustained: command line", () => {
    it("has the ramp's defaults and takes RATES, STEP_S, TABLES and the mix", () => {
        const d = parseSustainedArgs([]);
        assert.deepEqual(d.options.rates, [250, 500, 1000, 2000, 4000, 8000]);
        assert.equal(d.options.stepMs, 120_000);
        assert.equal(d.json, "docs/bench/sustained-run.json");
        assert.deepEqual(d.options.mix, { insert: 0.6, update: 0.3, delete: 0.1 });
        const c = parseSustainedArgs(["--rates", "10000", "--step-s", "600", "--tables", "public.users,sales.orders", "--label", "goal", "--mix", "50,40,10"]);
        assert.deepEqual(c.options.rates, [10000]);
        assert.equal(c.options.stepMs, 600_000);
        assert.deepEqual(c.options.tables, ["public.users", "sales.orders"]);
        assert.equal(c.json, "docs/bench/sustained-goal.json");
        assert.deepEqual(c.options.mix, { insert: 0.5, update: 0.4, delete: 0.1 });
    });

    it("checks rates and the mix", () => {
        assert.deepEqual(parseRates("250 500,1000"), [250, 500, 1000]);
        assert.match(parseRates("250,-1") as string, /positive/);
        assert.match(parseRates("") as string, /no rate/);
        assert.match(parseMix("60,30") as string, /three percentages/);
        assert.match(parseMix("60,30,20") as string, /sum to 100/);
    });
});
