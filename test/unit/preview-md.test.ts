// The pull-request preview comment, rendered from output RECORDED with the real CLI and policy pack
// (test/fixtures/preview-program/record.sh): dev previews a replacement, an update, a delete, two
// creates and an advisory violation; prod the same with the violation mandatory (the preview fails);
// staging changes nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseArgs } from "../../tools/preview-md";
import {
    COMMENT_MARKER, MAX_COMMENT_CHARS, StackInput, StackPreview, cell, parseEventLog, renderComment, renderPreviewMarkdown,
    shortUrn, summarizeStack,
} from "../../tools/preview-md/render";

const FIXTURES = path.resolve(__dirname, "../fixtures/preview");
const EXPECTED = path.join(FIXTURES, "expected-comment.md");

function recorded(stack: string): StackInput {
    const read = (ext: string) => fs.readFileSync(path.join(FIXTURES, `${stack}.${ext}`), "utf8");
    return { stack, previewJson: read("preview.json"), eventLog: read("events.jsonl"), stderr: read("stderr.txt") };
}

const APP = "urn:pulumi:dev::preview-fixture::docker:index/container:Container::app";
const CACHE = "urn:pulumi:dev::preview-fixture::docker:index/volume:Volume::cache";
const SIDECAR = (stack: string) => `urn:pulumi:${stack}::preview-fixture::docker:index/container:Container::sidecar`;

describe("preview-md", () => {
    let dev: StackPreview;
    let prod: StackPreview;
    let staging: StackPreview;
    before(() => {
        dev = summarizeStack(recorded("dev"));
        prod = summarizeStack(recorded("prod"));
        staging = summarizeStack(recorded("staging"));
    });

    describe("on the recorded previews", () => {
        it("counts steps by operation as the engine summarised them", () => {
            assert.deepStrictEqual(dev.counts, { create: 2, update: 1, replace: 1, delete: 1, same: 2 });
            assert.deepStrictEqual(staging.counts, { create: 0, update: 0, replace: 0, delete: 0, same: 5 });
        });

        it("calls out the replacement with the property forcing it, its old and new value, and delete-first", () => {
            const replace = dev.callouts.find((c) => c.op === "replace");
            assert.deepStrictEqual(replace, {
                op: "replace", urn: APP, deleteFirst: true,
                forcedBy: [{ path: "image", kind: "update-replace", before: "\"pulumi-lakehouse/debian:bookworm\"", after: "\"pulumi-lakehouse/debian:trixie\"" }],
            });
        });

        it("calls out the delete of a resource gone from the program", () => {
            assert.deepStrictEqual(dev.callouts.filter((c) => c.op === "delete").map((c) => c.urn), [CACHE]);
        });

        it("lists every change with the properties it touches, the update's included", () => {
            const worker = dev.changes.find((c) => c.urn.endsWith("::worker"));
            assert.deepStrictEqual(worker, { op: "update", urn: "urn:pulumi:dev::preview-fixture::docker:index/container:Container::worker", properties: ["destroyGraceSeconds"] });
            assert.strictEqual(dev.changes.length, 5);
            assert.deepStrictEqual(staging.changes, []);
        });

        it("takes policy violations from the event log: policy, resource URN, message and enforcement level", () => {
            assert.strictEqual(dev.violations.length, 1);
            const v = dev.violations[0];
            assert.strictEqual(v.policyName, "loopback-host-ports");
            assert.strictEqual(v.policyPackName, "lakehouse-policies");
            assert.strictEqual(v.enforcementLevel, "advisory");
            assert.strictEqual(v.resourceUrn, SIDECAR("dev"));
            assert.match(v.message, /ports\[0\]\.ip \(host port 19090 -> container port 9090\) is "0\.0\.0\.0"/);
            assert.strictEqual(prod.violations[0].enforcementLevel, "mandatory");
            assert.deepStrictEqual(staging.violations, []);
            assert.deepStrictEqual(staging.policyPacks, ["lakehouse-policies@0.1.0"]);
        });

        it("reports the failed preview of a mandatory violation as an error", () => {
            const exitCode = (stack: string) => fs.readFileSync(path.join(FIXTURES, `${stack}.exit-code`), "utf8").trim();
            assert.deepStrictEqual(["dev", "prod", "staging"].map(exitCode), ["0", "1", "0"], "as the CLI exited when recorded");
            assert.deepStrictEqual(prod.errors, ["preview failed"]);
            assert.deepStrictEqual(dev.errors, []);
        });

        it("gives the same summary from the event log alone, as collected from the Automation API's onEvent", () => {
            // onEvent hands over the same EngineEvent objects; collected, they make a JSON array.
            const events = parseEventLog(recorded("dev").eventLog);
            const fromEvents = summarizeStack({ stack: "dev", eventLog: JSON.stringify(events) });
            assert.deepStrictEqual(fromEvents.counts, dev.counts);
            assert.deepStrictEqual(fromEvents.callouts, dev.callouts);
            assert.deepStrictEqual(fromEvents.violations, dev.violations);
            assert.deepStrictEqual(fromEvents.changes.map((c) => c.urn).sort(), dev.changes.map((c) => c.urn).sort());
        });
    });

    describe("Markdown", () => {
        let markdown: string;
        before(() => { markdown = renderPreviewMarkdown(["dev", "prod", "staging"].map(recorded)); });

        it("starts with the hidden marker the workflow finds its comment by, once", () => {
            assert.ok(markdown.startsWith(`${COMMENT_MARKER}\n`));
            assert.strictEqual(markdown.split(COMMENT_MARKER).length, 2);
        });

        it("has one section per stack with its status and counts", () => {
            assert.match(markdown, /^- ⚠️ `dev`: 2 to create, 1 to update, 1 to replace, 1 to delete, 2 unchanged; 1 policy violation$/m);
            assert.match(markdown, /^- ❌ `prod`: .*; 1 policy violation$/m);
            assert.match(markdown, /^- ✅ `staging`: 5 unchanged$/m);
            for (const stack of ["dev", "prod", "staging"]) assert.match(markdown, new RegExp(`^### .* \`${stack}\`$`, "m"));
        });

        it("shows the replacement's forcing property and each violation as a table row", () => {
            assert.ok(markdown.includes('- **replace** `docker:index/container:Container::app` (deleted before its replacement is created), forced by `image` "pulumi-lakehouse/debian:bookworm" → "pulumi-lakehouse/debian:trixie"'));
            assert.ok(markdown.includes("- **delete** `docker:index/volume:Volume::cache`: no longer in the program"));
            assert.match(markdown, new RegExp(`^\\| mandatory \\(high\\) \\| \`lakehouse-policies/loopback-host-ports\` \\| \`${SIDECAR("prod").replace(/[/:]/g, "\\$&")}\` \\| Published .*<br>.* \\|$`, "m"));
        });

        it("matches the reviewed rendering of the recorded previews (UPDATE_GOLDEN=1 rewrites it)", () => {
            if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(EXPECTED, markdown);
            assert.strictEqual(markdown, fs.readFileSync(EXPECTED, "utf8"));
        });

        it("keeps table cells on one line and pipes literal", () => {
            assert.strictEqual(cell("a | b\nc"), "a \\| b<br>c");
            assert.strictEqual(shortUrn("urn:pulumi:dev::p::lakehouse:kafka:KafkaCluster$docker:index/container:Container::kafka-broker-1"),
                "docker:index/container:Container::kafka-broker-1");
        });

        it("stays under GitHub's comment size limit", () => {
            const many = summarizeStack(recorded("dev"));
            many.changes = Array.from({ length: 2000 }, (_, i) => ({ op: "create", urn: `urn:pulumi:dev::p::docker:index/volume:Volume::v${i}`, properties: [] }));
            const long = renderComment([many]);
            assert.ok(long.length < 65_536 && long.length > MAX_COMMENT_CHARS);
            assert.match(long, /cut to fit a GitHub comment/);
        });
    });

    describe("failures", () => {
        it("reports a preview that stopped before planning, with the CLI's error from stderr", () => {
            // The JSON and stderr of a real run whose policy pack could not start (the toolchain's host before RunPlugin).
            const failed = summarizeStack({
                stack: "dev",
                previewJson: JSON.stringify({ diagnostics: [{ message: "warning: using pulumi-resource-docker from $PATH\n", severity: "warning" }] }),
                stderr: 'error: policy pack "/work/main/policies" failed to start: could not read plugin [/work/main/policies]: method RunPlugin not implemented\n',
            });
            assert.strictEqual(failed.incomplete, true);
            assert.deepStrictEqual(failed.errors, ['policy pack "/work/main/policies" failed to start: could not read plugin [/work/main/policies]: method RunPlugin not implemented']);
            const md = renderComment([failed]);
            assert.match(md, /^- ❌ `dev`: preview failed$/m);
            assert.ok(!md.includes("No policy violations"), "a preview whose pack never ran must not claim it passed");
        });

        it("renders empty inputs without throwing", () => {
            const empty = summarizeStack({ stack: "dev", previewJson: "", eventLog: "" });
            assert.strictEqual(empty.incomplete, true);
            assert.match(renderComment([empty]), /preview failed/);
        });
    });

    describe("CLI arguments", () => {
        it("attaches files to the stack named before them and reads missing files as empty", () => {
            const { stacks, out } = parseArgs([
                "--stack", "dev", "--preview", path.join(FIXTURES, "dev.preview.json"), "--events", path.join(FIXTURES, "absent.jsonl"),
                "--stack", "prod", "--out", "comment.md",
            ]);
            assert.deepStrictEqual(stacks.map((s) => s.stack), ["dev", "prod"]);
            assert.ok(stacks[0].previewJson!.includes("\"changeSummary\""));
            assert.strictEqual(stacks[0].eventLog, "");
            assert.strictEqual(out, "comment.md");
        });

        it("rejects a file given before any stack, and unknown flags", () => {
            assert.throws(() => parseArgs(["--preview", "x.json"]), /before any --stack/);
            assert.throws(() => parseArgs(["--stack", "dev", "--verbose", "1"]), /unknown argument --verbose/);
        });
    });

    describe("the pull-request workflow", () => {
        const workflow = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../.github/workflows/preview.yml"), "utf8"));
        const steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[] = workflow.jobs.preview.steps;
        const preview = steps.find((s) => s.name === "Preview dev and prod")!.run!;

        it("runs on pull requests: Node 20, npm ci, unit tests, then the toolchain build", () => {
            assert.ok("pull_request" in workflow.on);
            assert.strictEqual(steps.find((s) => s.uses?.startsWith("actions/setup-node"))!.with!["node-version"], 20);
            const runs = steps.map((s) => s.run ?? "");
            const order = ["npm ci", "npm run test:unit", "bash scripts/toolchain.sh"].map((cmd) => runs.findIndex((r) => r.startsWith(cmd)));
            assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `steps out of order: ${order}`);
        });

        it("previews dev and prod with JSON, the event log and the policy pack, and renders them with preview:md", () => {
            assert.strictEqual(workflow.jobs.preview.env.PULUMI_DEBUG_COMMANDS, "true", "--event-log needs debug commands");
            assert.match(preview, /for stack in dev prod; do/);
            for (const flag of ["--diff", "--json", "--event-log", "--policy-pack"]) assert.ok(preview.includes(flag), flag);
            assert.match(preview, /npm run --silent preview:md -- /);
        });

        it("keeps one comment, found by the renderer's marker, updated or created", () => {
            const script = String(steps.find((s) => s.uses?.startsWith("actions/github-script"))!.with!.script);
            assert.ok(script.includes(COMMENT_MARKER));
            assert.match(script, /updateComment/);
            assert.match(script, /createComment/);
            assert.ok(workflow.permissions["pull-requests"] === "write");
        });
    });
});
