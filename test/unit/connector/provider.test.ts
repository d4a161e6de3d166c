import * as assert from "assert";
import { createConnectorProvider, diffConnector, RetryEvent, secretDigest } from "../../../components/connector";
import { DB_PASSWORD as PASSWORD, FakeConnect, FakeStatus, connectorInputs as inputs, freePort } from "./fakeConnect";

// Bounds on elapsed time allow this much for a loaded machine (the suites share two CPUs).
const SLACK_MS = 1500;
const fast = { retry: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 3000 }, pollIntervalMs: 20, stablePolls: 2 };

function running(): FakeStatus {
    return { connector: { state: "RUNNING", worker_id: "w:8083" }, tasks: [{ id: 0, state: "RUNNING", worker_id: "w:8083" }], type: "source" };
}

describe("connector provider", () => {
    let fake: FakeConnect;
    let retries: RetryEvent[];
    let provider: ReturnType<typeof createConnectorProvider>;

    beforeEach(async () => {
        fake = await new FakeConnect().start();
        retries = [];
        provider = createConnectorProvider({ ...fast, onRetry: (e) => retries.push(e) });
    });
    afterEach(async () => fake.stop());

    describe("create and update", () => {
        it("creates with PUT /connectors/{name}/config, merging the secret only into the body", async () => {
            const result = await provider.create(inputs(fake.url));
            assert.strictEqual(result.id, "inventory-connector");
            const put = fake.requests.find((r) => r.method === "PUT")!;
            assert.strictEqual(put.path, "/connectors/inventory-connector/config");
            assert.deepStrictEqual(put.body, {
                "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "tasks.max": "1",
                "topic.prefix": "dbserver1",
                "database.password": PASSWORD,
                name: "inventory-connector",
            });
            assert.strictEqual(result.outs.connectorState, "RUNNING");
            assert.deepStrictEqual(result.outs.taskStates, ["RUNNING"]);
        });

        it("a replaced source database (new sourceRevision, same config) restarts only the failed tasks, and waits for RUNNING", async () => {
            const created = await provider.create(inputs(fake.url, { sourceRevision: "mysql-1,setup-1" }));
            assert.strictEqual(created.outs.sourceRevision, "mysql-1,setup-1");
            fake.connectors.get("inventory-connector")!.state = "FAILED"; // the binlog reader gave up while the database was gone
            // Connect restarts asynchronously: the first status after the restart request still shows the FAILED task.
            fake.statusScript = [{ connector: { state: "RUNNING", worker_id: "w" }, tasks: [{ id: 0, state: "FAILED", worker_id: "w", trace: "EOFException" }], type: "source" }];
            fake.requests.length = 0;
            const updated = await provider.update!(created.id, created.outs, inputs(fake.url, { sourceRevision: "mysql-2,setup-2" }));
            assert.deepStrictEqual(fake.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
                ["POST /connectors/inventory-connector/restart?includeTasks=true&onlyFailed=true"]);
            assert.deepStrictEqual(updated.outs!.taskStates, ["RUNNING"]);
            assert.strictEqual(updated.outs!.sourceRevision, "mysql-2,setup-2");
        });

        it("a failed update keeps the dynamic provider's code in the properties it leaves in state, so the connector can still be deleted", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.statusScript = Array(50).fill({ connector: { state: "RUNNING", worker_id: "w" }, tasks: [{ id: 0, state: "FAILED", worker_id: "w", trace: "boom" }], type: "source" });
            const error: any = await provider.update!(created.id, created.outs, inputs(fake.url, { __provider: "exports.handler = ...", config: { ...inputs(fake.url).config, "tasks.max": "2" } }))
                .then(() => undefined, (e) => e);
            assert.ok(error, "the update must fail");
            assert.match(error.message, /task 0 FAILED/);
            assert.strictEqual(error.properties.__provider, "exports.handler = ...");
        });

        it("keeps every password out of the outputs of create and read", async () => {
            const created = await provider.create(inputs(fake.url));
            const read = await provider.read!(created.id, created.outs);
            for (const outs of [created.outs, read.props]) {
                const text = JSON.stringify(outs);
                assert.ok(!text.includes(PASSWORD), text);
                assert.deepStrictEqual(outs.secretConfigKeys, ["database.password"]);
                assert.match(outs.secretConfigDigest, /^scrypt:/);
                assert.ok(!("secretConfig" in outs));
            }
        });

        it("retries a 409 with backoff, then succeeds", async () => {
            fake.conflicts = 3;
            const result = await provider.create(inputs(fake.url));
            assert.strictEqual(result.outs.connectorState, "RUNNING");
            assert.deepStrictEqual(retries.map((r) => r.reason), ["409", "409", "409"]);
            assert.deepStrictEqual(retries.map((r) => r.attempt), [1, 2, 3]);
            assert.strictEqual(fake.requests.filter((r) => r.method === "PUT").length, 4);
        });

        it("grows the delay exponentially and caps it at maxDelayMs", async () => {
            fake.conflicts = 6;
            await provider.create(inputs(fake.url));
            const delays = retries.map((r) => r.delayMs);
            // Equal jitter: each delay lies in [base/2, base] with base = min(100, 20 * 2^(n-1)).
            delays.forEach((delay, i) => {
                const base = Math.min(100, 20 * 2 ** i);
                assert.ok(delay >= base / 2 && delay <= base, `delay ${i} = ${delay}, base ${base}`);
            });
        });

        it("retries refused connections while the worker starts", async () => {
            const port = await freePort();
            const late = new FakeConnect();
            const started = Date.now();
            setTimeout(() => void late.start(port), 400);
            try {
                const result = await provider.create(inputs(`http://127.0.0.1:${port}`));
                assert.strictEqual(result.outs.connectorState, "RUNNING");
                assert.ok(retries.length >= 1 && retries.every((r) => r.reason === "ECONNREFUSED"), JSON.stringify(retries));
                assert.ok(Date.now() - started >= 400);
            } finally {
                await late.stop();
            }
        });

        it("retries Kafka 4.x's rebalance 500, but fails at once on any other 500", async () => {
            fake.rebalancing = 2;
            const result = await provider.create(inputs(fake.url));
            assert.strictEqual(result.outs.connectorState, "RUNNING");
            assert.deepStrictEqual(retries.map((r) => r.reason), ["500 (rebalance expected)", "500 (rebalance expected)"]);
            fake.putFailure = { status: 500, body: { error_code: 500, message: "Request timed out" } };
            await assert.rejects(provider.create(inputs(fake.url)), /HTTP 500: Request timed out/);
            assert.strictEqual(retries.length, 2, "no retry of the plain 500");
        });

        it("retries the bare 404 of a worker whose REST resources are not up yet, not Connect's own 404", async () => {
            fake.starting = 2;
            const result = await provider.create(inputs(fake.url));
            assert.strictEqual(result.outs.connectorState, "RUNNING");
            assert.deepStrictEqual(retries.map((r) => r.reason), ["404 (worker starting)", "404 (worker starting)"]);
            retries.length = 0;
            const read = await provider.read!("missing", { ...result.outs, name: "missing" });
            assert.strictEqual(read.id, "");
            assert.strictEqual(retries.length, 0);
        });

        it("gives up on 409 once maxElapsedMs is spent, with the worker's message", async () => {
            fake.alwaysConflict = true;
            const bounded = createConnectorProvider({ ...fast, retry: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 600 } });
            const started = Date.now();
            await assert.rejects(bounded.create(inputs(fake.url)), /HTTP 409: Cannot complete request/);
            assert.ok(Date.now() - started < 600 + SLACK_MS, `took ${Date.now() - started} ms`);
        });

        it("gives up on refused connections once maxElapsedMs is spent", async () => {
            const port = await freePort();
            const bounded = createConnectorProvider({ ...fast, retry: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 500 } });
            const started = Date.now();
            await assert.rejects(bounded.create(inputs(`http://127.0.0.1:${port}`)), /ECONNREFUSED \(gave up after \d+ attempts\)/);
            assert.ok(Date.now() - started < 500 + SLACK_MS, `took ${Date.now() - started} ms`);
        });

        it("waits through UNASSIGNED and a missing status until everything is RUNNING", async () => {
            fake.statusScript = [404, { connector: { state: "UNASSIGNED", worker_id: "w" }, tasks: [], type: "source" },
                { ...running(), tasks: [] }, running(), running()];
            const result = await provider.create(inputs(fake.url));
            assert.strictEqual(result.outs.connectorState, "RUNNING");
            assert.strictEqual(fake.statusScript.length, 0);
        });

        it("needs stablePolls consecutive RUNNING polls: a RUNNING then RESTARTING status is not enough", async () => {
            fake.statusScript = [running(), { ...running(), tasks: [{ id: 0, state: "RESTARTING", worker_id: "w" }] }, running(), running()];
            await provider.create(inputs(fake.url));
            assert.strictEqual(fake.statusScript.length, 0);
        });

        it("fails with the FAILED task's trace, redacted, and keeps the id for Pulumi's state", async () => {
            const trace = `org.apache.kafka.connect.errors.ConnectException: password authentication failed (password=${PASSWORD})\n\tat io.debezium...`;
            fake.statusScript = [{ ...running(), tasks: [{ id: 0, state: "FAILED", worker_id: "w:8083", trace }] }];
            const error: any = await provider.create(inputs(fake.url)).then(() => undefined, (e) => e);
            assert.ok(error, "create should fail");
            assert.match(error.message, /task 0 FAILED on w:8083/);
            assert.match(error.message, /ConnectException: password authentication failed \(password=\*\*\*\)/);
            assert.ok(!error.message.includes(PASSWORD));
            assert.strictEqual(error.id, "inventory-connector");
            assert.ok(!JSON.stringify(error.properties).includes(PASSWORD));
        });

        it("fails with the connector's trace when the connector itself is FAILED", async () => {
            fake.statusScript = [{ connector: { state: "FAILED", worker_id: "w", trace: "java.lang.IllegalStateException: boom" }, tasks: [], type: "source" }];
            await assert.rejects(provider.create(inputs(fake.url)), /connector inventory-connector FAILED on w:\njava.lang.IllegalStateException: boom/);
        });

        it("times out after waitTimeoutSeconds with the last states", async () => {
            fake.statusScript = Array.from({ length: 200 }, () => ({ ...running(), tasks: [{ id: 0, state: "UNASSIGNED", worker_id: "w" }] }));
            const started = Date.now();
            await assert.rejects(provider.create(inputs(fake.url, { waitTimeoutSeconds: 0.3 })), /not RUNNING within 0.3s \(connector RUNNING, task 0 UNASSIGNED\)/);
            assert.ok(Date.now() - started < 300 + SLACK_MS);
        });

        it("never echoes a password that the worker puts in an error", async () => {
            fake.putFailure = { status: 400, body: { error_code: 400, message: `Invalid value ${PASSWORD} for configuration database.password` } };
            const error: any = await provider.create(inputs(fake.url)).then(() => undefined, (e) => e);
            assert.match(error.message, /HTTP 400: Invalid value \*\*\* for configuration database.password/);
            assert.ok(!JSON.stringify({ m: error.message, s: error.stack }).includes(PASSWORD));
        });

        it("updates in place with the same id; an options-only change sends no PUT", async () => {
            const created = await provider.create(inputs(fake.url));
            const news = inputs(fake.url, { config: { ...created.outs.config, "tasks.max": "2" } });
            const updated = await provider.update!(created.id, created.outs, news);
            assert.strictEqual(fake.connectors.get("inventory-connector")!.config["tasks.max"], "2");
            assert.strictEqual(updated.outs.secretConfigDigest, created.outs.secretConfigDigest);
            const puts = fake.requests.filter((r) => r.method === "PUT").length;
            await provider.update!(created.id, updated.outs, { ...news, waitTimeoutSeconds: 60 });
            assert.strictEqual(fake.requests.filter((r) => r.method === "PUT").length, puts);
        });
    });

    describe("read", () => {
        it("returns only the user's keys with their live values, not the keys the worker adds", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.connectors.get("inventory-connector")!.config["topic.prefix"] = "drifted";
            const read = await provider.read!(created.id, created.outs);
            assert.deepStrictEqual(Object.keys(read.props.config).sort(), ["connector.class", "tasks.max", "topic.prefix"]);
            assert.strictEqual(read.props.config["topic.prefix"], "drifted");
            assert.strictEqual(diffConnector(read.props, inputs(fake.url)).changes, true);
        });

        it("shows a password changed behind Pulumi's back as a diff, without storing it", async () => {
            const created = await provider.create(inputs(fake.url));
            const unchanged = await provider.read!(created.id, created.outs);
            assert.strictEqual(unchanged.props.secretConfigDigest, created.outs.secretConfigDigest);
            fake.connectors.get("inventory-connector")!.config["database.password"] = "changed-elsewhere";
            const drifted = await provider.read!(created.id, created.outs);
            assert.notStrictEqual(drifted.props.secretConfigDigest, created.outs.secretConfigDigest);
            assert.ok(!JSON.stringify(drifted.props).includes("changed-elsewhere"));
            assert.deepStrictEqual(diffConnector(drifted.props, inputs(fake.url)).changes, true);
        });

        it("reports a connector deleted outside Pulumi as gone (empty id)", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.connectors.clear();
            const read = await provider.read!(created.id, created.outs);
            assert.strictEqual(read.id, "");
        });
    });

    describe("delete", () => {
        it("deletes with DELETE /connectors/{name}", async () => {
            const created = await provider.create(inputs(fake.url));
            await provider.delete!(created.id, created.outs);
            assert.strictEqual(fake.connectors.size, 0);
            assert.deepStrictEqual(fake.requests.at(-1), { method: "DELETE", path: "/connectors/inventory-connector", body: undefined });
        });

        it("counts a 404 as already gone", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.connectors.clear();
            const before = fake.requests.length;
            await assert.doesNotReject(provider.delete!(created.id, created.outs));
            await assert.doesNotReject(provider.delete!(created.id, { ...created.outs, resetOffsetsOnDelete: true }));
            // Both asked the worker and took its 404 as gone: the plain delete at DELETE, the one that resets
            // offsets at its first step (stopping the connector); nothing retried, nothing recreated.
            const asked = fake.requests.slice(before).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
            assert.deepStrictEqual(asked, ["DELETE /connectors/inventory-connector", "PUT /connectors/inventory-connector/stop"]);
            assert.strictEqual(retries.filter((r) => r.method === "DELETE").length, 0);
            assert.strictEqual(fake.connectors.size, 0);
        });

        it("retries a 409 on delete", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.conflicts = 2;
            await provider.delete!(created.id, created.outs);
            assert.strictEqual(fake.connectors.size, 0);
            assert.strictEqual(retries.filter((r) => r.method === "DELETE").length, 2);
        });

        it("with resetOffsetsOnDelete: stops, waits for STOPPED, deletes the offsets, then the connector", async () => {
            const created = await provider.create(inputs(fake.url, { resetOffsetsOnDelete: true }));
            assert.strictEqual(created.outs.resetOffsetsOnDelete, true);
            fake.requests.length = 0;
            const record = fake.connectors.get("inventory-connector")!;
            await provider.delete!(created.id, created.outs);
            const calls = fake.requests.map((r) => `${r.method} ${r.path}`).filter((c) => !c.endsWith("/status") && c !== "GET /");
            assert.deepStrictEqual(calls, [
                "PUT /connectors/inventory-connector/stop",
                "DELETE /connectors/inventory-connector/offsets",
                "DELETE /connectors/inventory-connector",
            ]);
            assert.strictEqual(record.offsets, false);
        });
    });

    describe("a worker that is gone (its container removed)", () => {
        const gone = async () => `http://127.0.0.1:${await freePort()}`;

        it("read keeps the state as it was instead of failing the refresh", async () => {
            const provider = createConnectorProvider({ ...fast, unreachableAfterMs: 300 });
            const state = { connectUrl: await gone(), name: "inventory-connector", config: { "connector.class": "C" }, connectorState: "RUNNING" };
            const started = Date.now();
            const result = await provider.read!("inventory-connector", state);
            assert.strictEqual(result.id, "inventory-connector");
            assert.deepStrictEqual(result.props, state);
            assert.ok(Date.now() - started < 300 + SLACK_MS, "gives up after unreachableAfterMs, not the whole retry budget");
        });

        it("delete succeeds, so that a destroy goes on, giving up after unreachableAfterMs", async () => {
            const provider = createConnectorProvider({ ...fast, unreachableAfterMs: 300 });
            const started = Date.now();
            await assert.doesNotReject(provider.delete!("inventory-connector", { connectUrl: await gone(), name: "inventory-connector", resetOffsetsOnDelete: true }));
            assert.ok(Date.now() - started < 300 + SLACK_MS, "gives up after unreachableAfterMs, not the whole retry budget");
        });

        it("a worker that answers late is still used by read and delete", async () => {
            const provider = createConnectorProvider({ ...fast, unreachableAfterMs: 5000 });
            const created = await provider.create(inputs(fake.url));
            const port = fake.port;
            await fake.stop();
            setTimeout(() => void fake.start(port), 600);
            const read = await provider.read!(created.id, created.outs);
            assert.strictEqual(read.id, "inventory-connector");
            await provider.delete!(created.id, created.outs);
            assert.ok(fake.requests.some((r) => r.method === "DELETE" && r.path === "/connectors/inventory-connector"));
        });
    });

    describe("check", () => {
        it("reports each field error of the worker's validation as {property, reason}", async () => {
            fake.validation = (cls, body) => {
                assert.strictEqual(cls, "io.debezium.connector.postgresql.PostgresConnector");
                assert.strictEqual(body["database.password"], PASSWORD);
                return {
                    status: 200,
                    body: {
                        error_count: 2,
                        configs: [
                            { value: { name: "topic.prefix", value: "dbserver1", errors: [] } },
                            { value: { name: "snapshot.mode", value: "bogus", errors: ["Value must be one of always, initial"] } },
                            { value: { name: "database.password", value: "[hidden]", errors: [`Password ${PASSWORD} rejected`] } },
                        ],
                    },
                };
            };
            const result = await provider.check!({}, inputs(fake.url));
            assert.deepStrictEqual(result.failures, [
                { property: 'config["snapshot.mode"]', reason: "Value must be one of always, initial" },
                { property: 'secretConfig["database.password"]', reason: "Password *** rejected" },
            ]);
        });

        it("passes a valid config and normalises values to strings", async () => {
            const result = await provider.check!({}, inputs(fake.url, { config: { "connector.class": "X", "tasks.max": 1, "snapshot.lock.timeout.ms": 10 } }));
            assert.deepStrictEqual(result.failures, []);
            assert.deepStrictEqual(result.inputs!.config, { "connector.class": "X", "tasks.max": "1", "snapshot.lock.timeout.ms": "10" });
        });

        it("reports an unknown connector class on connector.class", async () => {
            fake.validation = () => ({ status: 404, body: { error_code: 404, message: "Failed to find any class that implements Connector" } });
            const result = await provider.check!({}, inputs(fake.url));
            assert.strictEqual(result.failures!.length, 1);
            assert.strictEqual(result.failures![0].property, 'config["connector.class"]');
            assert.match(result.failures![0].reason, /Failed to find any class/);
        });

        it("skips remote validation when the worker is unreachable, or when validate is false", async () => {
            const port = await freePort();
            const started = Date.now();
            const unreachable = await provider.check!({}, inputs(`http://127.0.0.1:${port}`));
            assert.deepStrictEqual(unreachable.failures, []);
            assert.ok(Date.now() - started < SLACK_MS);
            fake.validation = () => ({ status: 200, body: { error_count: 1, configs: [{ value: { name: "x", errors: ["bad"] } }] } });
            const skipped = await provider.check!({}, inputs(fake.url, { validate: false }));
            assert.deepStrictEqual(skipped.failures, []);
            assert.strictEqual(fake.requests.length, 0);
        });

        it("rejects bad inputs locally without ever naming a secret value", async () => {
            const result = await provider.check!({}, inputs("ftp://nowhere", {
                name: "a/b",
                config: { "tasks.max": "1", "database.password": "plain", "database.user": "u" },
                secretConfig: { "database.user": PASSWORD },
                waitTimeoutSeconds: -1,
            }));
            const properties = result.failures!.map((f) => f.property).sort();
            assert.deepStrictEqual(properties, [
                "connectUrl", "config[\"connector.class\"]", "config[\"database.password\"]", "name", "secretConfig[\"database.user\"]", "waitTimeoutSeconds",
            ].sort());
            assert.ok(!JSON.stringify(result.failures).includes(PASSWORD));
            assert.strictEqual(fake.requests.length, 0, "no remote validation when local checks fail");
        });

        it("does not fail on a source database the worker cannot reach, but still reports other field errors", async () => {
            fake.validation = () => ({
                status: 200,
                body: {
                    error_count: 2,
                    configs: [
                        { value: { name: "database.hostname", errors: ["Error while validating connector config: The connection attempt failed."] } },
                        { value: { name: "snapshot.mode", errors: ["Value must be one of always, initial"] } },
                    ],
                },
            });
            const result = await provider.check!({}, inputs(fake.url));
            assert.deepStrictEqual(result.failures!.map((f) => f.property), ['config["snapshot.mode"]']);
        });

        it("skips remote validation when the source is recreated in this update (sourceRevision unknown)", async () => {
            const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            fake.validation = () => ({ status: 200, body: { error_count: 1, configs: [{ value: { name: "database.hostname", errors: ["bad"] } }] } });
            const skipped = await provider.check!({}, inputs(fake.url, { sourceRevision: unknown }));
            assert.deepStrictEqual(skipped.failures, []);
            assert.strictEqual(fake.requests.length, 0);
            const validated = await provider.check!({}, inputs(fake.url, { sourceRevision: "abc,def" }));
            assert.strictEqual(validated.failures!.length, 1, "a known revision validates as usual");
        });

        it("skips remote validation when the credentials change in this update", async () => {
            const created = await provider.create(inputs(fake.url));
            fake.requests.length = 0;
            fake.validation = () => ({ status: 200, body: { error_count: 1, configs: [{ value: { name: "database.password", errors: ["password authentication failed"] } }] } });
            const rotated = await provider.check!(created.outs, inputs(fake.url, { secretConfig: { "database.password": "n3w-Pa55word" } }));
            assert.deepStrictEqual(rotated.failures, []);
            assert.strictEqual(fake.requests.filter((r) => r.path.includes("/validate")).length, 0);
            const same = await provider.check!(created.outs, inputs(fake.url));
            assert.strictEqual(same.failures!.length, 1, "unchanged credentials are validated");
        });

        it("skips remote validation while a value is unknown (preview)", async () => {
            const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            const result = await provider.check!({}, inputs(unknown));
            assert.deepStrictEqual(result.failures, []);
        });
    });
});

describe("diffConnector", () => {
    const olds = () => ({
        connectUrl: "http://127.0.0.1:8083",
        name: "inventory-connector",
        config: { "connector.class": "C", "topic.prefix": "dbserver1" },
        secretConfigKeys: ["database.password"],
        secretConfigDigest: secretDigest({ "database.password": PASSWORD }),
        waitTimeoutSeconds: 300,
        resetOffsetsOnDelete: false,
        validate: true,
    });
    const news = (overrides: Record<string, unknown> = {}): any => ({
        connectUrl: "http://127.0.0.1:8083",
        name: "inventory-connector",
        config: { "connector.class": "C", "topic.prefix": "dbserver1" },
        secretConfig: { "database.password": PASSWORD },
        ...overrides,
    });

    it("proposes an update (not a replace) when the source revision changes or is unknown; none for state kept before revisions", () => {
        assert.deepStrictEqual(diffConnector({ ...olds(), sourceRevision: "a" }, news({ sourceRevision: "b" })), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(diffConnector({ ...olds(), sourceRevision: "a" }, news({ sourceRevision: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).changes, true);
        assert.deepStrictEqual(diffConnector({ ...olds(), sourceRevision: "a" }, news({ sourceRevision: "a" })).changes, false);
        assert.deepStrictEqual(diffConnector(olds(), news({ sourceRevision: "b" })).changes, false);
    });

    it("finds no change when the user's keys and secrets are unchanged (defaults count as given)", () => {
        assert.deepStrictEqual(diffConnector(olds(), news()), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("updates in place on a changed, added or removed config key", () => {
        for (const config of [{ "connector.class": "C", "topic.prefix": "x" }, { "connector.class": "C", "topic.prefix": "dbserver1", a: "b" }, { "connector.class": "C" }]) {
            assert.deepStrictEqual(diffConnector(olds(), news({ config })), { changes: true, replaces: [], deleteBeforeReplace: false });
        }
    });

    it("replaces, deleting first, when the name changes", () => {
        assert.deepStrictEqual(diffConnector(olds(), news({ name: "other" })), { changes: true, replaces: ["name"], deleteBeforeReplace: true });
    });

    it("sees a changed password through the salted digest", () => {
        assert.strictEqual(diffConnector(olds(), news({ secretConfig: { "database.password": "new" } })).changes, true);
        assert.strictEqual(diffConnector(olds(), news({ secretConfig: {} })).changes, true);
        assert.ok(!olds().secretConfigDigest.includes(PASSWORD));
        assert.notStrictEqual(secretDigest({ p: "x" }), secretDigest({ p: "x" }), "a fresh salt each time");
    });

    it("updates when a provider option or the URL changes", () => {
        assert.strictEqual(diffConnector(olds(), news({ waitTimeoutSeconds: 10 })).changes, true);
        assert.strictEqual(diffConnector(olds(), news({ resetOffsetsOnDelete: true })).changes, true);
        assert.strictEqual(diffConnector(olds(), news({ connectUrl: "http://127.0.0.1:18083" })).changes, true);
    });

    it("treats unknown values (preview) as changes", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        assert.strictEqual(diffConnector(olds(), news({ config: { "connector.class": "C", "topic.prefix": unknown } })).changes, true);
        assert.deepStrictEqual(diffConnector(olds(), news({ name: unknown })).replaces, ["name"]);
    });
});
