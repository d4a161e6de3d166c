// Mocha's spec reporter plus one plain closing line, "mocha: N passed, N failed[, N skipped]",
// which CI reads to count the tests that ran.
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats;
            const skipped = s.pending ? `, ${s.pending} skipped` : "";
            process.stdout.write(`\nmocha: ${s.passes} passed, ${s.failures} failed${skipped}\n`);
        });
    }
}

module.exports = SummaryReporter;
