// The pure parts of `make bench-sustained` (tools/bench-sustained.ts): the rate schedule and its split into
// ticks, tables and operations, the writer's id pool, the SQL of one tick's transaction, order statistics,
// the bounded-lag decision and the per-step summary. Nothing here connects to anything; the unit tests
// (test/unit/bench-sustained.test.ts) run it as it is.
import type { TableSpec } from "../components/specs/postgres";

/** Shares of inserts, updates and deletes among the writer's changes (they sum to 1). */
export interface Mix { insert: number; update: number; delete: number }
export const DEFAULT_MIX: Mix = { insert: 0.6, update: 0.3, delete: 0.1 };

/** Changes due in the first `ticks` ticks of a step at `rate` changes/s, ticks of `tickMs`: floor(rate * elapsed). */
export function dueBy(rate: number, tickMs: number, ticks: number): number {
    // The epsilon keeps 0.1 * 3 * 1000 and the like from landing just below a whole number.
    return Math.floor((rate * ticks * tickMs) / 1000 + 1e-9);
}

/**
 * Table `table`'s changes (of `tables`) in tick `k` (0-based, counted from the step's start) at a total of
 * `rate` changes/s: the step's total due so far is dealt out round-robin, so that after any number of ticks
 * the tables together wrote exactly floor(rate * elapsed) changes and no two differ by more than one.
 */
export function tickChanges(rate: number, tickMs: number, tables: number, table: number, k: number): number {
    const share = (ticks: number) => Math.floor((dueBy(rate, tickMs, ticks) + tables - 1 - table) / tables);
    return share(k + 1) - share(k);
}

/** The ticks of a step of `stepMs` (the last one may be shorter). */
export function ticksPerStep(stepMs: number, tickMs: number): number {
    return Math.ceil(stepMs / tickMs);
}

/** What one table's transaction of one tick does. `heartbeat` is the last statement: the marker the lag is read from. */
export interface TickPlan { insert: number; update: number; delete: number; heartbeat: 0 | 1 }

/**
 * One table's tick of `n` changes: one of them is the heartbeat update (when n >= 1), the other n - 1 are
 * split by `mix` over the table's whole run (`before`: its mixed changes so far, heartbeats not counted), so
 * the shares hold exactly over time however small the ticks. Updates and deletes need rows the writer made
 * and has not deleted (`pool`); what the pool cannot take becomes inserts.
 */
export function planTick(n: number, before: number, pool: number, mix: Mix = DEFAULT_MIX): TickPlan {
    if (n <= 0) return { insert: 0, update: 0, delete: 0, heartbeat: 0 };
    const m = n - 1;
    const cum = (c: number, share: number) => Math.floor(c * share + 1e-9);
    const ins = cum(before + m, mix.insert) - cum(before, mix.insert);
    const insUpd = cum(before + m, mix.insert + mix.update) - cum(before, mix.insert + mix.update);
    let del = Math.min(m - insUpd, pool);
    let upd = Math.min(insUpd - ins, pool - del);
    del = Math.max(0, del);
    upd = Math.max(0, upd);
    return { insert: m - upd - del, update: upd, delete: del, heartbeat: 1 };
}

/** The writer's own live rows of one table (inserted, not deleted), drawn at random for updates and deletes. */
export class IdPool {
    private ids: number[] = [];
    constructor(private readonly random: () => number = Math.random) {}

    get size(): number {
        return this.ids.length;
    }

    add(ids: number[]): void {
        for (const id of ids) this.ids.push(id);
    }

    /** Removes and returns `k` distinct ids at random (for deletes). */
    take(k: number): number[] {
        if (k > this.ids.length) throw new Error(`the pool has ${this.ids.length} ids, not ${k}`);
        const out: number[] = [];
        for (let j = 0; j < k; j++) {
            const last = this.ids.length - 1;
            const r = Math.floor(this.random() * (last + 1));
            [this.ids[r], this.ids[last]] = [this.ids[last], this.ids[r]];
            out.push(this.ids.pop()!);
        }
        return out;
    }

    /** `k` distinct ids at random, left in the pool (for updates). */
    pick(k: number): number[] {
        if (k > this.ids.length) throw new Error(`the pool has ${this.ids.length} ids, not ${k}`);
        for (let j = 0; j < k; j++) {
            const r = j + Math.floor(this.random() * (this.ids.length - j));
            [this.ids[j], this.ids[r]] = [this.ids[r], this.ids[j]];
        }
        return this.ids.slice(0, k);
    }
}

export type Kind = "postgres" | "mysql";

const isInteger = (t: string) => /^((tiny|small|medium|big)?int(eger)?|int[248]|(small|big)?serial)\b/i.test(t.trim());
const isText = (t: string) => /char|text|string/i.test(t);
const isDecimal = (t: string) => /^(decimal|numeric)\b/i.test(t.trim());

/** The text the writer puts into the marker column: `hb-<seq>` on the heartbeat row, `u-<seq>` on updated rows. */
export const heartbeatText = (seq: number) => `hb-${seq}`;
/** The tick sequence number in a heartbeat row's text, or null when it is none. */
export function heartbeatSeq(text: unknown): number | null {
    const m = /^hb-(\d+)$/.exec(String(text ?? ""));
    return m ? Number(m[1]) : null;
}

/**
 * The SQL of one table: a tick's transaction (inserts, updates and deletes of its own ids, then the heartbeat
 * row's marker), the heartbeat row's insert, the clean-up, and the marker column the lag is read from (the
 * first text column besides the key). Postgres runs the statements as one simple query, which is one
 * transaction; MySQL gets START TRANSACTION ... COMMIT (the connection allows several statements).
 */
export function sustainedSql(kind: Kind, t: TableSpec) {
    if (t.primaryKey.length !== 1) throw new Error(`${t.schema}.${t.name}: bench-sustained needs a one-column primary key`);
    const key = t.primaryKey[0];
    const keyCol = t.columns.find((c) => c.name === key);
    if (!keyCol || !isInteger(keyCol.type)) throw new Error(`${t.schema}.${t.name}: bench-sustained needs an integer primary key, got ${keyCol?.type ?? "none"}`);
    const marker = t.columns.find((c) => c.name !== key && isText(c.type));
    if (!marker) throw new Error(`${t.schema}.${t.name}: bench-sustained needs a text column besides the key for its marker`);
    const q = kind === "postgres" ? (c: string) => `"${c.replace(/"/g, '""')}"` : (c: string) => `\`${c.replace(/`/g, "``")}\``;
    const table = `${q(t.schema)}.${q(t.name)}`;
    const value = (c: TableSpec["columns"][number], id: number): string | undefined => {
        if (c.name === key) return String(id);
        if (isText(c.type)) return `'s-${id}'`;
        if (isInteger(c.type)) return String(id % 1000);
        if (isDecimal(c.type)) return `${id % 1000}.25`;
        if (c.notNull) throw new Error(`${t.schema}.${t.name}.${c.name}: NOT NULL of a type bench-sustained cannot fill (${c.type})`);
        return undefined;
    };
    const filled = t.columns.filter((c) => value(c, 1) !== undefined);
    const insert = (ids: number[]) =>
        `INSERT INTO ${table} (${filled.map((c) => q(c.name)).join(", ")}) VALUES ${ids.map((id) => `(${filled.map((c) => value(c, id)).join(", ")})`).join(", ")}`;
    const inList = (ids: number[]) => `${q(key)} IN (${ids.join(", ")})`;
    return {
        key,
        markerColumn: marker.name,
        table,
        /** One tick: its statements in one transaction, the heartbeat's marker last. */
        tick(o: { seq: number; heartbeatId: number; inserts: number[]; updates: number[]; deletes: number[] }): string {
            const st: string[] = [];
            if (o.inserts.length > 0) st.push(insert(o.inserts));
            if (o.updates.length > 0) st.push(`UPDATE ${table} SET ${q(marker.name)} = 'u-${o.seq}' WHERE ${inList(o.updates)}`);
            if (o.deletes.length > 0) st.push(`DELETE FROM ${table} WHERE ${inList(o.deletes)}`);
            st.push(`UPDATE ${table} SET ${q(marker.name)} = '${heartbeatText(o.seq)}' WHERE ${q(key)} = ${o.heartbeatId}`);
            return kind === "postgres" ? `${st.join(";\n")};` : `START TRANSACTION;\n${st.join(";\n")};\nCOMMIT;`;
        },
        /** The heartbeat row (marker hb-0), inserted before the first step. */
        heartbeatInsert: (id: number) => insert([id]).replace(`'s-${id}'`, `'${heartbeatText(0)}'`),
        /** The writer's rows, ids a..b, in one statement. */
        deleteRange: (a: number, b: number) => `DELETE FROM ${table} WHERE ${q(key)} BETWEEN ${a} AND ${b}`,
        maxId: `SELECT coalesce(max(${q(key)}), 0) FROM ${table}`,
        /** The heartbeat row's marker in the mirror, through Trino, as (i, v): the UNION ALL of every table's is one query. */
        mirrorMarker: (mirror: string, id: number, i: number) => `SELECT ${i} AS i, CAST("${marker.name.replace(/"/g, '""')}" AS varchar) AS v FROM ${mirror} WHERE "${key.replace(/"/g, '""')}" = ${id}`,
        mirrorCount: (mirror: string, a: number, b: number) => `SELECT count(*) FROM ${mirror} WHERE "${key.replace(/"/g, '""')}" BETWEEN ${a} AND ${b}`,
    };
}

// ---- statistics ----------------------------------------------------------------------------------------

/** Nearest-rank percentile (q in 0..1) of a sample; null when it is empty. */
export function percentile(values: number[], q: number): number | null {
    if (values.length === 0) return null;
    const v = [...values].sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
}

/** Least-squares line through (x, y): slope and intercept; null with fewer than two distinct x. */
export function linearFit(points: { x: number; y: number }[]): { slope: number; intercept: number } | null {
    const n = points.length;
    if (n < 2) return null;
    const mx = points.reduce((s, p) => s + p.x, 0) / n;
    const my = points.reduce((s, p) => s + p.y, 0) / n;
    const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    if (sxx === 0) return null;
    const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
    return { slope, intercept: my - slope * mx };
}

/** When a step's lag counts as bounded, and when it meets issue 13's goal. */
export interface BoundRule {
    /** The tail of the step the trend is read from (fraction of its time, the last part). Default 1/2. */
    tailFraction: number;
    /** Growth the fitted line may show over the tail, in seconds ... */
    maxGrowthS: number;
    /** ... or, for a longer tail, in seconds per second (whichever allows more). */
    maxSlope: number;
    /** Issue 13's goal: lag p99 over the step at most this (s). */
    goalP99S: number;
    /** The writer must reach this share of the offered rate for the step to count. */
    minAchieved: number;
}
export const DEFAULT_RULE: BoundRule = { tailFraction: 1 / 2, maxGrowthS: 5, maxSlope: 0.05, goalP99S: 10, minAchieved: 0.95 };

export interface BoundDecision {
    bounded: boolean;
    /** Slope of the least-squares line through the troughs of the tail (s per s); null with too few of them. */
    tailSlope: number | null;
    /** That slope times the tail's length (s). */
    tailGrowthS: number | null;
    tailSeconds: number;
    /** Troughs the line went through, and the distinct moments they fell on (micro-batches seen). */
    tailPoints: number;
    tailBatches: number;
    reason: string;
}

/**
 * Whether the lag of a step stayed bounded. The lag is a sawtooth: it grows by one second a second while a
 * micro-batch runs and drops when the batch commits, and a batch can take longer than the tail of a step.
 * So the trend is read from the troughs only (`points`: each table's lag at the first sample that shows a
 * new tick of it, i.e. just after a commit of the job): the least-squares line through the troughs of the
 * step's last `tailFraction` (of its time) may rise by at most max(maxGrowthS, maxSlope * tail length).
 * With troughs at fewer than two moments in the tail, the whole step's are used; with fewer than two in the
 * step, or when the step was cut short because its lag passed the abort limit, the lag is unbounded.
 */
export function boundedLag(points: { t: number; lag: number }[], window: { start: number; end: number }, rule: BoundRule = DEFAULT_RULE, aborted = false): BoundDecision {
    const tailStart = window.end - rule.tailFraction * (window.end - window.start);
    const moments = (p: { t: number }[]) => new Set(p.map((x) => Math.round(x.t))).size;
    let tail = points.filter((p) => p.t >= tailStart);
    let from = tailStart;
    if (moments(tail) < 2) {
        tail = points.filter((p) => p.t >= window.start);
        from = window.start;
    }
    const tailSeconds = window.end - from;
    const fit = moments(tail) >= 2 ? linearFit(tail.map((p) => ({ x: p.t, y: p.lag }))) : null;
    const base = { tailSlope: fit?.slope ?? null, tailGrowthS: fit ? fit.slope * tailSeconds : null, tailSeconds, tailPoints: tail.length, tailBatches: moments(tail) };
    if (aborted) return { bounded: false, ...base, reason: "cut short: the lag passed the abort limit" };
    if (!fit) return { bounded: false, ...base, reason: "fewer than two commits of the job in the step" };
    const growth = fit.slope * tailSeconds;
    const allowed = Math.max(rule.maxGrowthS, rule.maxSlope * tailSeconds);
    const bounded = growth <= allowed;
    return {
        bounded, ...base,
        reason: `lag after the job's commits ${bounded ? "flat" : "growing"} over the last ${tailSeconds.toFixed(0)} s (${base.tailBatches} commits): `
            + `${growth >= 0 ? "+" : ""}${growth.toFixed(1)} s (allowed ${allowed.toFixed(1)} s)`,
    };
}

/**
 * The troughs of the lag among `samples` (in time order): per table, the lag at each sample whose shown tick
 * differs from the sample before (the first sample has `before` to compare with, when there is one).
 */
export function lagTroughs(samples: Sample[], names: string[], before?: Sample): { t: number; lag: number; table: string }[] {
    const out: { t: number; lag: number; table: string }[] = [];
    for (const n of names) {
        let prev = before?.tables[n]?.seq ?? null;
        for (const s of samples) {
            const x = s.tables[n];
            if (!x) continue;
            if (x.seq !== null && x.seq !== prev && x.lagMs !== null) out.push({ t: s.t / 1000, lag: x.lagMs / 1000, table: n });
            prev = x.seq;
        }
    }
    return out.sort((a, b) => a.t - b.t);
}

// ---- samples and steps ----------------------------------------------------------------------------------

/** One table at one sample. */
export interface TableSample {
    /** The newest tick whose heartbeat the mirror shows (null: none of this run's yet). */
    seq: number | null;
    /** Sample time - commit time of that tick (ms); null before the first. */
    lagMs: number | null;
    /** The writer's changes committed so far (cumulative, heartbeats included). */
    committed: number;
    /** Of them, the changes up to and including the tick the mirror shows: applied by the job. */
    applied: number;
    /** The topic's end offset (messages: changes, tombstones after deletes). */
    kafka: number | null;
}

export interface Sample {
    /** ms since the run began (the sample's answer; the lag is measured to it). */
    t: number;
    /** The step index the sample falls in, or null (warm-up, drain). */
    step: number | null;
    trinoMs: number;
    load1: number;
    tables: Record<string, TableSample>;
}

export interface StepWindow {
    index: number;
    /** Offered changes/s, all tables together. */
    rate: number;
    /** ms since the run began. */
    startT: number;
    endT: number;
    /** The step was cut short: its lag passed the abort limit. */
    aborted: boolean;
    /** Per table: committed changes at the step's start and end, and the step's operations. */
    tables: Record<string, { committedStart: number; committedEnd: number; insert: number; update: number; delete: number; heartbeat: number }>;
}

export interface LagStats { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null }

const lagStats = (ms: number[]): LagStats => ({
    n: ms.length, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), p99: percentile(ms, 0.99), max: ms.length ? Math.max(...ms) : null,
});

export interface StepSummary {
    index: number;
    rate: number;
    seconds: number;
    aborted: boolean;
    /** Changes the writer committed per second (all tables). */
    sourceRate: number;
    /** Messages per second into the tables' topics (changes and the deletes' tombstones) ... */
    kafkaMessagesRate: number | null;
    /** ... and as changes (messages less the tombstones, at the step's share of deletes). */
    kafkaRate: number | null;
    /** Changes per second the mirror applied (through the heartbeats: the changes up to the tick it shows), from the job's first to its last commit in the step. */
    mirrorRate: number | null;
    /** Lag over the step's samples of every table (ms). */
    lagMs: LagStats;
    perTable: Record<string, LagStats>;
    /** The worst table's lag at the step's last sample (ms). */
    lastLagMs: number | null;
    decision: BoundDecision;
    /** Bounded, the writer reached minAchieved of the rate, and lag p99 <= the goal. */
    meetsGoal: boolean;
    load1: { min: number; max: number } | null;
}

/**
 * The changes per second the mirror applied during `samples`, measured from commit to commit of the job (the
 * first and the last sample of each table that show a new tick), so that the sawtooth does not bias it; the
 * tables' rates summed. Null when a table shows fewer than two commits.
 */
export function applyRate(samples: Sample[], names: string[], before?: Sample): number | null {
    let sum = 0;
    for (const n of names) {
        let prev = before?.tables[n]?.seq ?? null;
        const commits: { t: number; applied: number }[] = [];
        for (const s of samples) {
            const x = s.tables[n];
            if (!x) continue;
            if (x.seq !== null && x.seq !== prev) commits.push({ t: s.t, applied: x.applied });
            prev = x.seq;
        }
        if (commits.length < 2) return null;
        const a = commits[0];
        const b = commits[commits.length - 1];
        if (b.t <= a.t) return null;
        sum += (b.applied - a.applied) / ((b.t - a.t) / 1000);
    }
    return sum;
}

/** A step's numbers from its window and the run's samples (those with t in the window). */
export function summarizeStep(w: StepWindow, samples: Sample[], rule: BoundRule = DEFAULT_RULE): StepSummary {
    const seconds = (w.endT - w.startT) / 1000;
    const names = Object.keys(w.tables);
    const inStep = samples.filter((s) => s.t >= w.startT && s.t <= w.endT).sort((a, b) => a.t - b.t);
    const committed = names.reduce((s, n) => s + w.tables[n].committedEnd - w.tables[n].committedStart, 0);
    const deletes = names.reduce((s, n) => s + w.tables[n].delete, 0);
    const first = inStep[0];
    const last = inStep[inStep.length - 1];
    const span = first && last && last.t > first.t ? (last.t - first.t) / 1000 : 0;
    const delta = (f: (t: TableSample) => number | null): number | null => {
        if (span === 0) return null;
        let sum = 0;
        for (const n of names) {
            const a = first.tables[n] ? f(first.tables[n]) : null;
            const b = last.tables[n] ? f(last.tables[n]) : null;
            if (a === null || b === null) return null;
            sum += b - a;
        }
        return sum / span;
    };
    const kafkaMessagesRate = delta((t) => t.kafka);
    const all: number[] = [];
    const perTable: Record<string, LagStats> = {};
    for (const n of names) {
        const ms = inStep.map((s) => s.tables[n]?.lagMs).filter((x): x is number => x !== null && x !== undefined);
        perTable[n] = lagStats(ms);
        all.push(...ms);
    }
    const worst = inStep.map((s) => ({ t: s.t / 1000, lag: Math.max(...names.map((n) => s.tables[n]?.lagMs ?? -Infinity)) / 1000 }))
        .filter((p) => Number.isFinite(p.lag));
    const before = samples.filter((s) => s.t < w.startT).sort((a, b) => a.t - b.t).pop();
    const decision = boundedLag(lagTroughs(inStep, names, before), { start: w.startT / 1000, end: w.endT / 1000 }, rule, w.aborted);
    const sourceRate = seconds > 0 ? committed / seconds : 0;
    const lag = lagStats(all);
    const loads = inStep.map((s) => s.load1);
    return {
        index: w.index, rate: w.rate, seconds, aborted: w.aborted, sourceRate,
        kafkaMessagesRate,
        kafkaRate: kafkaMessagesRate === null ? null : committed + deletes > 0 ? kafkaMessagesRate * (committed / (committed + deletes)) : kafkaMessagesRate,
        mirrorRate: applyRate(inStep, names, samples.filter((s) => s.t < w.startT).sort((a, b) => a.t - b.t).pop()) ?? delta((t) => t.applied),
        lagMs: lag, perTable,
        lastLagMs: worst.length ? worst[worst.length - 1].lag * 1000 : null,
        decision,
        meetsGoal: decision.bounded && sourceRate >= rule.minAchieved * w.rate && lag.p99 !== null && lag.p99 <= rule.goalP99S * 1000,
        load1: loads.length ? { min: Math.min(...loads), max: Math.max(...loads) } : null,
    };
}

/**
 * After a step: go on to the next rate, or stop the ramp because the lag is clearly unbounded (the step was
 * cut short, or its lag grew through the tail and ended above `stopLagS`).
 */
export function stopRamp(s: StepSummary, stopLagS: number): boolean {
    return s.aborted || (!s.decision.bounded && s.lastLagMs !== null && s.lastLagMs > stopLagS * 1000);
}

/** The finding of a ramp: the highest rate with bounded lag, the highest meeting the goal, the first unbounded one (the knee lies between). */
export function finding(steps: StepSummary[]): { highestBounded: number | null; highestMeetsGoal: number | null; firstUnbounded: number | null } {
    const bounded = steps.filter((s) => s.decision.bounded && s.sourceRate >= DEFAULT_RULE.minAchieved * s.rate);
    const goal = steps.filter((s) => s.meetsGoal);
    const unb = steps.filter((s) => !s.decision.bounded);
    return {
        highestBounded: bounded.length ? Math.max(...bounded.map((s) => s.rate)) : null,
        highestMeetsGoal: goal.length ? Math.max(...goal.map((s) => s.rate)) : null,
        firstUnbounded: unb.length ? Math.min(...unb.map((s) => s.rate)) : null,
    };
}

const sec = (ms: number | null) => (ms === null ? "-" : (ms / 1000).toFixed(1));
const rate = (r: number | null) => (r === null ? "-" : Math.round(r).toLocaleString("en-US"));

/** The step table of docs/performance.md. */
export function formatSteps(steps: StepSummary[]): string {
    const lines = [
        "| offered changes/s | s | source changes/s | Kafka changes/s | mirror changes/s | lag p50 / p95 / p99 / max s | tail trend | bounded | meets goal | load 1 min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ];
    for (const s of steps) {
        lines.push(`| ${rate(s.rate)} | ${s.seconds.toFixed(0)}${s.aborted ? " (cut)" : ""} | ${rate(s.sourceRate)} | ${rate(s.kafkaRate)} | ${rate(s.mirrorRate)} | `
            + `${sec(s.lagMs.p50)} / ${sec(s.lagMs.p95)} / ${sec(s.lagMs.p99)} / ${sec(s.lagMs.max)} | `
            + `${s.decision.tailGrowthS === null ? "-" : `${s.decision.tailGrowthS >= 0 ? "+" : ""}${s.decision.tailGrowthS.toFixed(1)} s in ${s.decision.tailSeconds.toFixed(0)} s`} | `
            + `${s.decision.bounded ? "yes" : "**no**"} | ${s.meetsGoal ? "yes" : "no"} | ${s.load1 ? `${s.load1.min.toFixed(1)}-${s.load1.max.toFixed(1)}` : "-"} |`);
    }
    return lines.join("\n");
}

// ---- command line ---------------------------------------------------------------------------------------

export interface SustainedOptions {
    /** Offered changes/s, all tables together, one step each. */
    rates: number[];
    stepMs: number;
    tickMs: number;
    sampleMs: number;
    mix: Mix;
    /** `schema.table` of the captured tables to write (default: every captured table of the stack). */
    tables: string[];
    /** Stop the ramp after a step whose lag grew through its tail and ended above this (s). */
    stopLagS: number;
    /** Cut a step short once the worst lag passes this (s). */
    abortLagS: number;
    /** The longest the drain, the final comparison and the clean-up may each take (ms). */
    drainTimeoutMs: number;
    rule: BoundRule;
}

/** RATES as a list: "250,500,1000" (or spaces), each a positive number of changes/s. */
export function parseRates(v: string): number[] | string {
    const items = v.split(/[\s,]+/).filter((x) => x);
    if (items.length === 0) return "no rate given";
    const bad = items.filter((x) => !/^\d+(\.\d+)?$/.test(x) || Number(x) <= 0);
    if (bad.length) return `rates must be positive numbers of changes/s, got ${bad.join(", ")}`;
    return items.map(Number);
}

/** MIX as insert,update,delete percentages, e.g. 60,30,10; they must sum to 100. */
export function parseMix(v: string): Mix | string {
    const p = v.split(",").map((x) => x.trim());
    if (p.length !== 3 || p.some((x) => !/^\d+(\.\d+)?$/.test(x))) return `mix must be three percentages insert,update,delete, got ${v}`;
    const [i, u, d] = p.map(Number);
    if (Math.abs(i + u + d - 100) > 1e-9) return `mix must sum to 100, got ${i + u + d}`;
    return { insert: i / 100, update: u / 100, delete: d / 100 };
}
