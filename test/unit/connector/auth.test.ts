// The connector provider against a worker whose REST API requires HTTP basic authentication
// (lakehouse:secureServices): every request carries the login, read and delete take it from the state,
// a changed password restarts nothing, and a refused login fails with an error naming the connector.
import * as assert from "assert";
import { createConnectorProvider, diffConnector, validateInputs } from "../../../components/connector";
import { DB_PASSWORD, FakeConnect, RecordedRequest, connectorInputs } from "./fakeConnect";

const LOGIN = { username: "lakehouse", password: "Rest-Pa55word-1" };
const ROTATED = { username: "lakehouse", password: "Rest-Pa55word-2" };
const fast = { retry: { initialDelayMs: 20, maxDelayMs: 100, maxElapsedMs: 3000 }, pollIntervalMs: 20, stablePolls: 2, unreachableAfterMs: 500 };

/** The header RFC 7617 gives for a login: "Basic " and base64 of user:password. */
function basic(login: { username: string; password: string }): string {
    return `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
}

/** The provider tests' connector inputs with the worker's login. */
const inputs = (url: string, overrides: Record<string, unknown> = {}): any => connectorInputs(url, { connectAuth: LOGIN, ...overrides });

const unauthenticated = (requests: RecordedRequest[], login: { username: string; password: string }) =>
    requests.filter((r) => r.authorization !== basic(login)).map((r) => `${r.method} ${r.path} ${r.authorization ?? "(none)"}`);

describe("connector provider with a REST login (connectAuth)", () => {
    let fake: FakeConnect;
    let retries: number;
    let provider: ReturnType<typeof createConnectorProvider>;

    beforeEach(async () => {
        fake = await new FakeConnect().start();
        fake.requiredLogin = LOGIN;
        retries = 0;
        provider = createConnectorProvider({ ...fast, onRetry: () => retries++ });
    });
    afterEach(async () => fake.stop());

    it("sends it on every request: validation, create, status polls, update, restart, read, stop, offsets and delete", async () => {
        const checked = await provider.check!({}, inputs(fake.url));
        assert.deepStrictEqual(checked.failures, []);
        const created = await provider.create(checked.inputs);
        const updated = await provider.update!(created.id, created.outs, inputs(fake.url, { config: { ...created.outs.config, "tasks.max": "2" } }));
        const restarted = await provider.update!(created.id, updated.outs, inputs(fake.url, { config: updated.outs.config, referencedSecrets: { f: "v" } }));
        const read = await provider.read!(created.id, restarted.outs);
        await provider.delete!(created.id, { ...read.props, resetOffsetsOnDelete: true });
        assert.strictEqual(fake.connectors.size, 0, "deleted");
        const seen = new Set(fake.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, "")}`));
        for (const call of ["PUT /connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate", "PUT /connectors/inventory-connector/config",
            "GET /connectors/inventory-connector/status", "POST /connectors/inventory-connector/restart", "GET /connectors/inventory-connector/config",
            "GET /", "PUT /connectors/inventory-connector/stop", "DELETE /connectors/inventory-connector/offsets", "DELETE /connectors/inventory-connector"]) {
            assert.ok(seen.has(call), `${call} was made: ${[...seen].join(", ")}`);
        }
        assert.deepStrictEqual(unauthenticated(fake.requests, LOGIN), []);
    });

    it("keeps it in the outputs, so read and delete, which get only the state, log in", async () => {
        const created = await provider.create(inputs(fake.url));
        assert.deepStrictEqual(created.outs.connectAuth, LOGIN);
        fake.requests.length = 0;
        const read = await provider.read!(created.id, created.outs);
        assert.strictEqual(read.id, "inventory-connector");
        assert.deepStrictEqual(read.props.connectAuth, LOGIN);
        await provider.delete!(created.id, read.props);
        assert.strictEqual(fake.connectors.size, 0);
        assert.deepStrictEqual(unauthenticated(fake.requests, LOGIN), []);
    });

    it("a changed password is an update (no replace) that sends no PUT and no restart, and stores the new login", async () => {
        const created = await provider.create(inputs(fake.url));
        const news = inputs(fake.url, { connectAuth: ROTATED });
        assert.deepStrictEqual(diffConnector(created.outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.strictEqual(diffConnector(created.outs, inputs(fake.url)).changes, false, "the same login is no change");
        fake.requiredLogin = ROTATED; // the worker was replaced with the new password earlier in the update
        fake.requests.length = 0;
        const updated = await provider.update!(created.id, created.outs, news);
        assert.deepStrictEqual(fake.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`), []);
        assert.deepStrictEqual(updated.outs.connectAuth, ROTATED);
        assert.deepStrictEqual(unauthenticated(fake.requests, ROTATED), []);
    });

    it("check does not validate through a worker while the login changes (the old worker still runs then)", async () => {
        const created = await provider.create(inputs(fake.url));
        fake.requests.length = 0;
        const rotated = await provider.check!(created.outs, inputs(fake.url, { connectAuth: ROTATED }));
        assert.deepStrictEqual(rotated.failures, []);
        assert.deepStrictEqual(fake.requests.filter((r) => r.path.includes("/validate")), []);
        const same = await provider.check!(created.outs, inputs(fake.url));
        assert.deepStrictEqual(same.failures, []);
        assert.strictEqual(fake.requests.filter((r) => r.path.includes("/validate")).length, 1, "an unchanged login is validated");
    });

    it("a refused login fails create, update, read and delete at once with an error naming the connector and the REST API, never the password", async () => {
        const created = await provider.create(inputs(fake.url));
        fake.requiredLogin = ROTATED;
        const refused = /^connector inventory-connector: the Kafka Connect REST API at http:\/\/127\.0\.0\.1:\d+ refused the credentials of user "lakehouse" \(HTTP 401 on [A-Z]+ \/connectors\/inventory-connector(\/[a-z]+)?\)/;
        const attempts: [string, () => Promise<unknown>][] = [
            ["create", () => provider.create(inputs(fake.url, { name: "other" }))],
            ["update", () => provider.update!(created.id, created.outs, inputs(fake.url, { config: { ...created.outs.config, "tasks.max": "3" } }))],
            ["read", () => provider.read!(created.id, created.outs)],
            ["delete", () => provider.delete!(created.id, created.outs)],
        ];
        for (const [what, attempt] of attempts) {
            const error = await attempt().then(() => undefined, (e: Error) => e);
            assert.ok(error, `${what} succeeded with a refused login`);
            const message = error.message.replace(/^connector other:/, "connector inventory-connector:").replace("/connectors/other/", "/connectors/inventory-connector/");
            assert.match(message, refused, `${what}: ${error.message}`);
            assert.ok(!error.message.includes(LOGIN.password) && !error.message.includes(ROTATED.password), `${what} names a password`);
        }
        assert.strictEqual(retries, 0, "a 401 is not retried");
        assert.strictEqual(fake.connectors.size, 1, "nothing was deleted");
    });

    it("check reports a refused login on connectAuth; a connector without connectAuth is told the worker requires one", async () => {
        fake.requiredLogin = ROTATED;
        const checked = await provider.check!({}, inputs(fake.url));
        assert.deepStrictEqual(checked.failures!.map((f) => f.property), ["connectAuth"]);
        assert.match(checked.failures![0].reason, /refused the credentials of user "lakehouse" \(HTTP 401 on PUT \/connector-plugins\//);
        const none = await provider.create(inputs(fake.url, { connectAuth: undefined })).then(() => undefined, (e: Error) => e);
        assert.match(String(none?.message), /^connector inventory-connector: the Kafka Connect REST API at .* refused the request without credentials \(HTTP 401 on PUT \/connectors\/inventory-connector\/config\): the worker requires a login/);
    });

    it("without connectAuth (dev) sends no Authorization header and keeps no login in the outputs", async () => {
        fake.requiredLogin = undefined;
        const created = await provider.create(inputs(fake.url, { connectAuth: undefined }));
        assert.strictEqual("connectAuth" in created.outs, false);
        await provider.delete!(created.id, created.outs);
        assert.deepStrictEqual(fake.requests.filter((r) => r.authorization !== undefined), []);
        assert.ok(fake.requests.length >= 3);
    });

    it("refuses a user name with ':' and an empty password, naming neither value", () => {
        const { failures } = validateInputs(inputs("http://127.0.0.1:8083", { connectAuth: { username: "a:b", password: "" } }));
        assert.deepStrictEqual(failures.map((f) => f.property), ["connectAuth.username", "connectAuth.password"]);
        const text = JSON.stringify(failures);
        assert.ok(!text.includes("a:b"));
    });
});
