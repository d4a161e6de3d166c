// The lifecycle that must heal, on the shared stack (test/support/shared-stack.ts: the dev stack file,
// deployed through the CLI as `make up` drives it, preview with the policy pack first) after every other
// suite has run on it. This is the last suite of `make test` (.mocharc.all.json lists test/lifecycle after
// test/integration) and it ends the stack with `make destroy`: one deploy serves the suites and the heal
// instead of a stack of its own (CI minutes; `make up` itself is run by test/lifecycle/prod-stack.test.ts,
// which follows this suite once the shared stack is gone).
// - A preview right after the suites, and after a refresh, proposes no change: what the suites changed
//   (tables captured and released, passwords rotated, containers killed) left no drift behind.
// - A changed connector property previews as exactly one update and is applied in place.
// - All ten containers are lost by hand at once, five removed and the other five stopped; `make heal`
//   (refresh of the containers + up with its preview and the pack) brings the stack back, and `make verify
//   --quick` checks the CDC path end to end, with the rows written before the loss still there.
// - `make destroy` with containers already gone leaves nothing behind.
import * as assert from "assert";
import axios from "axios";
import { ok as cliOk, named } from "../support/cli";
import { docker } from "../support/docker";
import { SharedStack, sharedStack, sharedStackDestroyed } from "../support/shared-stack";

/**
 * Waits until every connector and task has been RUNNING on the same workers for 30 s in a row (at most
 * 5 min; the verify that follows judges the result). After Connect itself was lost, the group settles
 * only once the lost member's delayed assignments are released (scheduled.rebalance.max.delay.ms, 10 s)
 * and a task restarted by that rebalance re-sends what it had not committed: Debezium is at least once
 * there, and a changelog row per replayed event is issue 13's exactly-once work, not the heal's. Changes
 * written before the group settles can land twice (seen in CI: MariaDB's ops "ccudd" + "ccud").
 */
async function connectSettled(connectUrl: string): Promise<void> {
    const deadline = Date.now() + 300_000;
    let since = 0;
    let last = "";
    while (Date.now() < deadline) {
        let now = "";
        try {
            const { data } = await axios.get(`${connectUrl}/connectors?expand=status`, { timeout: 5_000 });
            const states = Object.values<any>(data).map((c) => c.status);
            const running = states.length > 0 && states.every((st) => st.connector.state === "RUNNING" && st.tasks.length > 0 && st.tasks.every((t: any) => t.state === "RUNNING"));
            now = running ? JSON.stringify(states.map((st) => [st.name, st.connector.worker_id, st.tasks.map((t: any) => t.worker_id)])) : "";
        } catch {
            now = "";
        }
        if (now === "" || now !== last) since = Date.now();
        last = now;
        if (now !== "" && Date.now() - since >= 30_000) return;
        await new Promise((r) => setTimeout(r, 2_000));
    }
}

describe("the shared dev stack after every suite: no drift, an in-place connector update, healed from all ten containers lost, destroyed to nothing", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    let outputs: Record<string, any>;

    const ok = (cmd: string, ...args: string[]) => cliOk(stack.env, cmd, ...args);
    const make = (target: string) => ok("make", "--no-print-directory", target, `STACK=${stack.stack}`, `POLICY_CONFIG=${stack.policyConfig}`);
    const pulumi = (...args: string[]) => ok("pulumi", ...args, "--stack", stack.stack, "--non-interactive");
    const ours = (kind: "container" | "network" | "volume") => named(stack.prefix, kind);

    before(async function () {
        stack = await sharedStack();
        outputs = stack.outputs;
        // The dev stack's ten containers: one broker, Connect, both sources, MinIO, the catalog, both
        // engines, the CDC job and the table maintenance.
        const expected = ["kafka-1", "connect", "db-postgres", "db-mysql", "minio", "iceberg-rest", "spark", "trino", "cdc-mirror", "maintenance"];
        assert.deepStrictEqual([...outputs.verifyTarget.containers].sort(), expected.map((h) => `${stack.prefix}-${h}`).sort());
    });

    it("a preview after every suite, and after a refresh, proposes no change", async function () {
        await pulumi("preview", "--expect-no-changes");
        await pulumi("refresh", "--yes");
        await pulumi("preview", "--expect-no-changes");
    });

    it("a changed connector property previews as one update and updates the connector in place", async function () {
        await pulumi("config", "set", "lakehouse:postgresConnectorConfig", JSON.stringify({ "heartbeat.interval.ms": "10000" }));
        const preview = JSON.parse(await pulumi("preview", "--json"));
        const changed = (preview.steps ?? []).filter((st: { op: string }) => st.op !== "same");
        assert.deepStrictEqual(changed.map((st: { op: string; urn: string }) => `${st.op} ${st.urn.split("::").pop()}`), ["update lakehouse-postgres-connector"]);
        await pulumi("up", "--yes", ...stack.policyPack);
        const pg = outputs.verifyTarget.sources.find((s: { kind: string }) => s.kind === "postgres");
        const { data } = await axios.get(`${outputs.endpoints.connect}/connectors/${encodeURIComponent(pg.connector)}/config`, { timeout: 10_000 });
        assert.strictEqual(data["heartbeat.interval.ms"], "10000");
    });

    it("heals from all ten containers lost at once by hand: five removed, the other five stopped", async function () {
        const containers: string[] = outputs.verifyTarget.containers;
        // Removed: a source, the broker, the object store and both Spark containers; stopped: the other five.
        // One heal recreates the five removed and starts the five stopped, in dependency order; the rows
        // written before the loss must still be there (the next case's `make verify --quick`). One heal of all ten
        // instead of one per container: CI minutes (the prod stack's suite heals a killed broker on its own).
        const removedRoles = ["kafka-1", "spark", "db-postgres", "cdc-mirror", "minio"];
        const removed = containers.filter((c) => removedRoles.some((r) => c === `${stack.prefix}-${r}`));
        const stopped = containers.filter((c) => !removed.includes(c));
        assert.deepStrictEqual([removed.length, stopped.length], [5, 5], containers.join(", "));
        await docker(["rm", "-f", ...removed]);
        await docker(["stop", ...stopped]);
        const running = (await docker(["ps", "--format", "{{.Names}}"])).split("\n").filter((n) => containers.includes(n));
        assert.deepStrictEqual(running, [], "every container of the stack lost before the heal");
        await make("heal");
        const after = (await docker(["ps", "--format", "{{.Names}}"])).split("\n").filter((n) => containers.includes(n)).sort();
        assert.deepStrictEqual(after, [...containers].sort(), "every container running after `make heal`");
        await connectSettled(outputs.endpoints.connect);
        await pulumi("preview", "--expect-no-changes");
    });

    it("`make verify --quick` passes after the heal: no row lost, the mirrors equal the sources", async function () {
        // --quick: the Spark container's own two checks are left out here; prod-stack.test.ts's `make up`
        // runs `make verify` in full (CI minutes). The healed CDC job (Spark) is checked by every mirror.
        const out = await ok("make", "--no-print-directory", "verify", `STACK=${stack.stack}`, "VERIFY_ARGS=--quick");
        // Each check's line with its seconds, in the CI log: where the minutes after a heal go.
        for (const line of out.split("\n").filter((l) => /^\s+(ok|FAIL) /.test(l))) console.log(`      ${line.trim().slice(0, 160)}`);
        assert.match(out, /verify: \d+ checks passed, 0 failed/);
    });

    it("`make destroy` leaves nothing behind even when containers are already gone", async function () {
        const containers: string[] = outputs.verifyTarget.containers;
        await docker(["rm", "-f", containers.find((c) => c.endsWith("db-postgres"))!]);
        await docker(["rm", "-f", containers.find((c) => c.endsWith("connect"))!]);
        await docker(["stop", containers.find((c) => c.endsWith("minio"))!]);
        await make("destroy");
        sharedStackDestroyed();
        assert.deepStrictEqual(await ours("container"), []);
        assert.deepStrictEqual(await ours("volume"), []);
        assert.deepStrictEqual(await ours("network"), []);
    });
});
