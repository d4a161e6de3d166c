// Mocha's spec reporter plus one plain closing line, "mocha: N passed, N failed, N pending", which CI
// (.ci/run) reads to count the tests that ran. Pending (skipped) tests are always counted on that line
// and fail the run, even under a config without forbidPending: a skip is never a pass.
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats;
            process.stdout.write(`\nmocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} pending\n`);
            if (s.pending > 0) {
                process.stdout.write(`mocha: ${s.pending} pending test(s) count as a failure\n`);
                process.exitCode = 1;
            }
        });
    }
}

module.exports = SummaryReporter;
