// The CDC job's own Python tests (jobs/tests: the pure tests of cdc_lib and the foreachBatch sink
// against a real local Spark with Iceberg) run with pytest inside the local Spark image, where pyspark
// and Iceberg's Spark runtime are; a skipped test counts as a failure here, never as a pass.
import { strict as assert } from "assert";
import * as path from "path";
import { imageExists, runToCompletion } from "../support/docker";
import { imagesFor } from "../../components/core/versions";

const SPARK = imagesFor("local").spark;
const JOBS = path.resolve(__dirname, "../../jobs");

describe("CDC job tests (pytest jobs/tests in the Spark image)", function () {
    // 2 minutes alone; several times that beside the shared stack's Spark job and Trino on 2 cores.
    this.timeout(2_400_000);

    it("passes every test of jobs/tests, none skipped", async function () {
        if (!imageExists(SPARK)) throw new Error(`image ${SPARK} is missing: build it with \`make images\` (scripts/images.sh)`);
        // Read-only sources: no bytecode, no pytest cache written next to them. A failing test makes
        // pytest exit non-zero, which runToCompletion turns into an error carrying the output.
        const out = await runToCompletion({
            name: `lh-jobs-pytest-${process.pid}`, image: SPARK,
            volumes: [`${JOBS}:/jobs:ro`], env: { PYTHONDONTWRITEBYTECODE: "1" },
            args: ["python3", "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", "--durations=5", "/jobs/tests"],
        }, 2_300_000);
        const summary = out.trim().split("\n").pop() ?? "";
        const counts = Object.fromEntries([...summary.matchAll(/(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|deselected)/g)].map((m) => [m[2], Number(m[1])]));
        assert.ok((counts.passed ?? 0) > 0, `no test passed:\n${out.slice(-4000)}`);
        assert.deepEqual(Object.keys(counts).filter((k) => k !== "passed"), [], `not all passed: ${summary}\n${out.slice(-4000)}`);
        // The Spark sink tests ran, not only the pure ones.
        assert.match(out, /^PASSED \S*test_cdc_mirror_spark\.py::/m, out.slice(-4000));
        console.log(`      pytest: ${summary}`);
    });
});
