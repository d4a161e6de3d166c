// Markdown for a pull-request comment from `pulumi preview --json` and the engine event log
// (`pulumi preview --event-log`, or the Automation API's onEvent). Pure functions: text in, text out.
// The preview JSON carries the steps but no policy events; the event log carries both.
import type { EngineEvent, PolicyEvent } from "@pulumi/pulumi/automation";

/** Hidden marker that identifies the one preview comment the workflow keeps updated. */
export const COMMENT_MARKER = "<!-- pulumi-lakehouse-preview -->";

/** GitHub rejects comments above 65,536 characters. */
export const MAX_COMMENT_CHARS = 60_000;

/** The operations the summary counts, in display order. */
export const COUNTED_OPS = ["create", "update", "replace", "delete", "same"] as const;
export type CountedOp = (typeof COUNTED_OPS)[number];

/** Steps that are parts of one replacement. */
const REPLACE_FAMILY = new Set(["replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement", "read-replacement"]);

/** One property diff; the preview JSON names the kind `kind`, the event log `diffKind`. */
export interface PropertyDiff {
    kind?: string;
    diffKind?: string;
    inputDiff?: boolean;
}

/** A resource's state as the preview JSON (apitype.ResourceV3) or the event log shows it. */
export interface ResourceState {
    urn?: string;
    type?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    protect?: boolean;
    retainOnDelete?: boolean;
}

/** A step of `pulumi preview --json` (display.PreviewStep). */
export interface PreviewStep {
    op: string;
    urn: string;
    provider?: string;
    oldState?: ResourceState;
    newState?: ResourceState;
    diffReasons?: string[];
    replaceReasons?: string[];
    detailedDiff?: Record<string, PropertyDiff> | null;
}

/** The document `pulumi preview --json` prints (display.PreviewDigest). */
export interface PreviewDigest {
    config?: Record<string, string>;
    steps?: PreviewStep[];
    diagnostics?: { urn?: string; prefix?: string; message?: string; severity?: string }[];
    duration?: number;
    changeSummary?: Record<string, number>;
    maybeCorrupt?: boolean;
}

export interface PolicyViolation {
    policyName: string;
    policyPackName: string;
    policyPackVersion?: string;
    enforcementLevel: string;
    severity?: string;
    resourceUrn?: string;
    message: string;
}

/** A replaced or deleted resource and why. */
export interface Callout {
    op: "replace" | "delete";
    urn: string;
    /** Properties forcing the replacement (replaceReasons / keys, else detailed diffs of a *-replace kind). */
    forcedBy: { path: string; kind?: string; before?: string; after?: string }[];
    /** The delete happens before the new resource is created (deleteBeforeReplace). */
    deleteFirst?: boolean;
    retained?: boolean;
}

export interface StackPreview {
    stack: string;
    counts: Record<string, number>;
    callouts: Callout[];
    /** Every non-same step, with the properties it changes. */
    changes: { op: string; urn: string; properties: string[] }[];
    violations: PolicyViolation[];
    /** Policy packs that ran (`name@version`, from the summary event); undefined without a summary event. */
    policyPacks?: string[];
    errors: string[];
    /** The preview produced neither JSON steps nor a summary (it failed before planning). */
    incomplete: boolean;
}

export interface StackInput {
    stack: string;
    /** Text of `pulumi preview --json` (may be empty when the preview failed early). */
    previewJson?: string;
    /** Text of the event log: one JSON event a line, or a JSON array of onEvent events. */
    eventLog?: string;
    /** The CLI's stderr: `error:` lines are reported (a policy pack that failed to start lands only there). */
    stderr?: string;
}

/** Parses preview JSON; tolerates empty output and text before the document. */
export function parsePreviewJson(text: string | undefined): PreviewDigest | undefined {
    if (!text || text.trim() === "") return undefined;
    const start = text.indexOf("{");
    if (start < 0) return undefined;
    try {
        return JSON.parse(text.slice(start)) as PreviewDigest;
    } catch {
        return undefined;
    }
}

/** Parses an event log: JSON lines (`--event-log`), or one JSON array (events collected from onEvent). */
export function parseEventLog(text: string | undefined): EngineEvent[] {
    if (!text || text.trim() === "") return [];
    const trimmed = text.trim();
    if (trimmed.startsWith("[")) return JSON.parse(trimmed) as EngineEvent[];
    // The CLI may leave a partly written last line when it is killed: skip what does not parse.
    return trimmed.split("\n").flatMap((line) => {
        try {
            return line.trim() ? [JSON.parse(line) as EngineEvent] : [];
        } catch {
            return [];
        }
    });
}

export function policyViolations(events: EngineEvent[]): PolicyViolation[] {
    const seen = new Set<string>();
    const out: PolicyViolation[] = [];
    for (const e of events) {
        const p = e.policyEvent as (PolicyEvent & { severity?: string }) | undefined;
        if (!p) continue;
        const key = [p.policyPackName, p.policyName, p.resourceUrn, p.message].join("\u0000");
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
            policyName: p.policyName, policyPackName: p.policyPackName, policyPackVersion: p.policyPackVersion,
            enforcementLevel: p.enforcementLevel, severity: p.severity || undefined, resourceUrn: p.resourceUrn || undefined,
            message: p.message.trim(),
        });
    }
    const rank = (level: string) => (level === "mandatory" ? 0 : level === "remediate" ? 1 : 2);
    return out.sort((a, b) => rank(a.enforcementLevel) - rank(b.enforcementLevel));
}

/** Steps from the event log's resourcePreEvents, shaped like the preview JSON's (for a preview without JSON). */
export function stepsFromEvents(events: EngineEvent[]): PreviewStep[] {
    return events.flatMap((e) => {
        const m = e.resourcePreEvent?.metadata;
        if (!m) return [];
        return [{
            op: m.op, urn: m.urn, provider: m.provider,
            oldState: m.old ?? undefined, newState: m.new ?? undefined,
            diffReasons: m.diffs, replaceReasons: m.keys, detailedDiff: m.detailedDiff,
        } as PreviewStep];
    });
}

/** `name@version` of the packs that ran; the event log spells the field `PolicyPacks`. */
function policyPacksOf(summary: object): string[] {
    const packs = (summary as { PolicyPacks?: Record<string, string>; policyPacks?: Record<string, string> });
    // Keys are `<name>|<kind>|<location>` (e.g. `lakehouse-policies|local|/path/to/pack`).
    return Object.entries(packs.PolicyPacks ?? packs.policyPacks ?? {}).map(([key, version]) => `${key.split("|")[0]}@${version}`).sort();
}

function diffKind(d: PropertyDiff): string | undefined {
    return d.kind ?? d.diffKind;
}

/** Reads `a.b[0].c` out of an inputs object. */
function valueAt(obj: Record<string, unknown> | undefined, path: string): unknown {
    let cur: unknown = obj;
    for (const part of path.replace(/\[(\d+|"[^"]*")\]/g, ".$1").split(".").filter(Boolean)) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[part.replace(/^"|"$/g, "")];
    }
    return cur;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A short, safe rendering of a property value for review (secrets masked). */
export function showValue(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    const masked = JSON.stringify(value, (_k, v) =>
        v !== null && typeof v === "object" && SECRET_SIG in v ? "[secret]" : v);
    if (masked === undefined) return undefined;
    return masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
}

function forcedBy(step: PreviewStep): Callout["forcedBy"] {
    const detailed = step.detailedDiff ?? {};
    const paths = new Set<string>(step.replaceReasons ?? []);
    for (const [path, d] of Object.entries(detailed)) {
        if (diffKind(d)?.endsWith("-replace")) paths.add(path);
    }
    return [...paths].sort().map((path) => {
        const top = path.split(/[.[]/)[0];
        const kind = diffKind(detailed[path] ?? detailed[top] ?? {});
        return {
            path, kind,
            before: showValue(valueAt(step.oldState?.inputs, path)),
            after: showValue(valueAt(step.newState?.inputs, path)),
        };
    });
}

function changedProperties(step: PreviewStep): string[] {
    return [...new Set([...(step.diffReasons ?? []), ...Object.keys(step.detailedDiff ?? {})])].sort();
}

/** Counts by operation: the engine's own summary when there is one, else the steps (a replacement once). */
function countOps(steps: PreviewStep[], summary: Record<string, number> | undefined): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(COUNTED_OPS.map((op) => [op, 0]));
    if (summary && Object.keys(summary).length > 0) {
        for (const [op, n] of Object.entries(summary)) {
            // The halves of a replacement are counted under "replace" already.
            if (REPLACE_FAMILY.has(op) && op !== "replace") continue;
            counts[op] = (counts[op] ?? 0) + n;
        }
        return counts;
    }
    const replaced = new Set<string>();
    for (const s of steps) {
        if (REPLACE_FAMILY.has(s.op)) {
            if (!replaced.has(s.urn)) counts.replace++;
            replaced.add(s.urn);
        } else {
            counts[s.op] = (counts[s.op] ?? 0) + 1;
        }
    }
    return counts;
}

/** Folds a stack's preview JSON, event log and stderr into what the comment shows. */
export function summarizeStack(input: StackInput): StackPreview {
    const digest = parsePreviewJson(input.previewJson);
    const events = parseEventLog(input.eventLog);
    const steps = digest?.steps ?? stepsFromEvents(events);
    const summaryEvent = events.find((e) => e.summaryEvent)?.summaryEvent;
    const counts = countOps(steps, digest?.changeSummary ?? summaryEvent?.resourceChanges as Record<string, number> | undefined);

    // deleteBeforeReplace shows as a delete-replaced step ahead of the others of its URN; the preview
    // JSON keeps only the "replace" step (without --show-replacement-steps), the event log has all three.
    const eventSteps = stepsFromEvents(events);
    const deleteFirst = new Set<string>();
    const stepSeen = new Set<string>();
    for (const s of eventSteps.length > 0 ? eventSteps : steps) {
        if (s.op === "delete-replaced" && !stepSeen.has(s.urn)) deleteFirst.add(s.urn);
        stepSeen.add(s.urn);
    }
    const byUrn = new Map<string, PreviewStep>();
    for (const s of steps) {
        if (REPLACE_FAMILY.has(s.op)) {
            // Keep the "replace" step: it carries the reasons; the others are its halves.
            if (s.op === "replace" || !byUrn.has(s.urn)) byUrn.set(s.urn, s);
        } else if (s.op !== "same") {
            byUrn.set(s.urn, s);
        }
    }
    // Riskiest first, then by URN: the engine's step order varies from run to run.
    const rank = (op: string) => { const i = ["replace", "delete", "update", "create"].indexOf(op); return i < 0 ? 4 : i; };
    const changes = [...byUrn.values()].map((s) => ({
        op: REPLACE_FAMILY.has(s.op) ? "replace" : s.op, urn: s.urn, properties: changedProperties(s),
    })).sort((a, b) => rank(a.op) - rank(b.op) || a.urn.localeCompare(b.urn));
    const callouts: Callout[] = [...byUrn.values()]
        .filter((s) => REPLACE_FAMILY.has(s.op) || s.op === "delete")
        .map((s) => REPLACE_FAMILY.has(s.op)
            ? { op: "replace" as const, urn: s.urn, forcedBy: forcedBy(s), deleteFirst: deleteFirst.has(s.urn) || undefined }
            : { op: "delete" as const, urn: s.urn, forcedBy: [], retained: s.oldState?.retainOnDelete || undefined })
        .sort((a, b) => a.op.localeCompare(b.op) || a.urn.localeCompare(b.urn));

    const errors = [
        ...(digest?.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => (d.message ?? "").trim()),
        ...events.map((e) => e.diagnosticEvent).filter((d) => d?.severity === "error").map((d) => `${d!.prefix ?? ""}${d!.message}`.trim()),
        ...(input.stderr ?? "").split("\n").filter((l) => /^error: /.test(l)).map((l) => l.trim()),
    ];
    return {
        stack: input.stack,
        counts,
        callouts,
        changes,
        violations: policyViolations(events),
        policyPacks: summaryEvent ? policyPacksOf(summaryEvent) : undefined,
        errors: [...new Set(errors.map((e) => e.replace(/^error: /, "")))].filter(Boolean),
        incomplete: steps.length === 0 && !digest?.changeSummary && !summaryEvent,
    };
}

// ---- Markdown ----

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** `type::name` of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`). */
export function shortUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) return urn;
    const types = parts[2].split("$");
    return `${types[types.length - 1]}::${parts.slice(3).join("::")}`;
}

function code(text: string): string {
    const ticks = text.includes("`") ? "``" : "`";
    return `${ticks}${text}${ticks}`;
}

export function countsLine(counts: Record<string, number>): string {
    const label: Record<string, string> = { create: "to create", update: "to update", replace: "to replace", delete: "to delete", same: "unchanged" };
    const ops = [...COUNTED_OPS, ...Object.keys(counts).filter((op) => !(COUNTED_OPS as readonly string[]).includes(op)).sort()];
    return ops.filter((op) => op === "same" || counts[op] > 0)
        .map((op) => `${counts[op] ?? 0} ${label[op] ?? op}`).join(", ");
}

function status(p: StackPreview): string {
    if (p.errors.length > 0 || p.incomplete || p.violations.some((v) => v.enforcementLevel === "mandatory")) return "❌";
    if (p.callouts.length > 0 || p.violations.length > 0) return "⚠️";
    return "✅";
}

export function renderStack(p: StackPreview): string {
    const out: string[] = [`### ${status(p)} \`${p.stack}\``, ""];
    if (p.incomplete) {
        out.push("The preview stopped before planning: no steps and no summary.", "");
    } else {
        out.push(`| ${COUNTED_OPS.map((op) => op).join(" | ")} |`, `|${COUNTED_OPS.map(() => "---:").join("|")}|`,
            `| ${COUNTED_OPS.map((op) => String(p.counts[op] ?? 0)).join(" | ")} |`, "");
    }
    if (p.errors.length > 0) {
        out.push("**Errors**", "", ...p.errors.map((e) => `- ${cell(e)}`), "");
    }
    const mandatory = p.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    if (p.violations.length > 0) {
        out.push(`**Policy violations** (${p.violations.length}, ${mandatory} mandatory)`, "",
            "| level | policy | resource | message |", "|---|---|---|---|",
            ...p.violations.map((v) => `| ${v.enforcementLevel}${v.severity ? ` (${v.severity})` : ""} | ${code(`${v.policyPackName}/${v.policyName}`)} | ${v.resourceUrn ? code(v.resourceUrn) : "stack"} | ${cell(v.message)} |`),
            "");
    } else if (p.policyPacks === undefined || p.policyPacks.length === 0) {
        out.push(p.policyPacks === undefined ? "Policies: no summary event, so no word on whether any policy pack ran." : "Policies: no policy pack ran.", "");
    } else {
        out.push(`No policy violations (${p.policyPacks.map(code).join(", ")}).`, "");
    }
    if (p.callouts.length > 0) {
        out.push("**Replacements and deletions**", "");
        for (const c of p.callouts) {
            if (c.op === "delete") {
                out.push(`- **delete** ${code(shortUrn(c.urn))}: no longer in the program${c.retained ? " (retainOnDelete: only removed from state)" : ""}`);
                continue;
            }
            const reasons = c.forcedBy.length === 0 ? "the provider asked for it without naming a property"
                : c.forcedBy.map((f) => `${code(f.path)}${f.before !== undefined || f.after !== undefined ? ` ${cell(f.before ?? "∅")} → ${cell(f.after ?? "∅")}` : ""}`).join(", ");
            out.push(`- **replace** ${code(shortUrn(c.urn))}${c.deleteFirst ? " (deleted before its replacement is created)" : ""}, forced by ${reasons}`);
        }
        out.push("");
    }
    if (p.changes.length > 0) {
        out.push(`<details><summary>All ${p.changes.length} changes</summary>`, "", "| op | resource | properties |", "|---|---|---|",
            ...p.changes.map((c) => `| ${c.op} | ${code(shortUrn(c.urn))} | ${c.properties.map(code).join(", ")} |`),
            "", "</details>", "");
    }
    return out.join("\n");
}

export interface CommentOptions {
    /** Heading of the comment. */
    title?: string;
    /** A line under the heading, e.g. the commit previewed. */
    subtitle?: string;
}

/** The whole comment: marker, heading, one section per stack, cut to GitHub's size limit. */
export function renderComment(stacks: StackPreview[], opts: CommentOptions = {}): string {
    const head = [COMMENT_MARKER, `## ${opts.title ?? "Pulumi preview"}`, ""];
    if (opts.subtitle) head.push(opts.subtitle, "");
    head.push(...stacks.map((s) => `- ${status(s)} \`${s.stack}\`: ${s.incomplete ? "preview failed" : countsLine(s.counts)}${s.violations.length ? `; ${s.violations.length} policy violation${s.violations.length > 1 ? "s" : ""}` : ""}`), "");
    const body = [...head, ...stacks.map(renderStack)].join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
    if (body.length <= MAX_COMMENT_CHARS) return body;
    return body.slice(0, MAX_COMMENT_CHARS) + "\n\n…cut to fit a GitHub comment; the workflow's artifacts hold the full preview.\n";
}

/** Convenience: inputs to Markdown. */
export function renderPreviewMarkdown(inputs: StackInput[], opts: CommentOptions = {}): string {
    return renderComment(inputs.map(summarizeStack), opts);
}
