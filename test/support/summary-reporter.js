// Mocha's spec reporter plus closing lines CI reads:
// - "mocha: N passed, N failed, N pending", which .ci/run reads to count the tests that ran. Pending
//   (skipped) tests are always counted on that line and fail the run, even under a config without
//   forbidPending: a skip is never a pass.
// - "mocha-time: <seconds> <file>" per spec file (its hooks included), slowest first, then the root
//   hooks (the shared stack's teardown), so a CI log says where its minutes went.
// - "mocha-failed: <file> :: <full title> :: <first line of the error>" per failure, last, so a CI log
//   that keeps only its tail still names what failed (the spec reporter's details come earlier).
const path = require("path");
const Mocha = require("mocha");

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_HOOK_BEGIN, EVENT_HOOK_END, EVENT_TEST_FAIL } =
    Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const started = new Map();
        const seconds = new Map();
        const add = (key, ms) => seconds.set(key, (seconds.get(key) || 0) + ms / 1000);
        const fileOf = (suite) => (suite.file ? path.relative(process.cwd(), suite.file) : undefined);
        runner.on(EVENT_SUITE_BEGIN, (suite) => {
            if (suite.parent && suite.parent.root && fileOf(suite)) started.set(suite, Date.now());
        });
        runner.on(EVENT_SUITE_END, (suite) => {
            const t = started.get(suite);
            if (t !== undefined) add(fileOf(suite), Date.now() - t);
        });
        runner.on(EVENT_HOOK_BEGIN, (hook) => {
            if (hook.parent && hook.parent.root) started.set(hook, Date.now());
        });
        runner.on(EVENT_HOOK_END, (hook) => {
            const t = started.get(hook);
            if (t !== undefined) add(`(root hook) ${hook.title}`, Date.now() - t);
        });
        const failures = [];
        runner.on(EVENT_TEST_FAIL, (test, err) => {
            const file = test.file ? path.relative(process.cwd(), test.file) : "?";
            const first = String((err && (err.message || err)) || "").split("\n").find((l) => l.trim()) || "";
            failures.push(`${file} :: ${test.fullTitle()} :: ${first.trim().slice(0, 300)}`);
        });
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats;
            const rows = [...seconds.entries()].sort((a, b) => b[1] - a[1]);
            if (rows.length > 0) process.stdout.write("\n");
            for (const [name, sec] of rows) process.stdout.write(`mocha-time: ${sec.toFixed(1).padStart(7)} s  ${name}\n`);
            if (failures.length > 0) process.stdout.write("\n");
            for (const f of failures) process.stdout.write(`mocha-failed: ${f}\n`);
            process.stdout.write(`\nmocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} pending\n`);
            if (s.pending > 0) {
                process.stdout.write(`mocha: ${s.pending} pending test(s) count as a failure\n`);
                process.exitCode = 1;
            }
        });
    }
}

module.exports = SummaryReporter;
