// Kafka Connect's REST API behind HTTP basic authentication (lakehouse:secureServices, issue 15): the
// worker spec, the files' escaping (curl reads its config file for real), the component and the
// connectors under pulumi.runtime.setMocks, and the stack config.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse, lakehouseArgsFromConfig, readLakehouseConfig } from "../../components";
import { connectCurlConfig, connectSpec, connectUsersFile } from "../../components/specs/connect";
import { SpecError } from "../../components/specs/types";
import { MOCK_GENERATED, RecordedResource, construct, envOf, isSecret, named, ofType } from "./support/mocks";

// Upstream names, written here rather than read from the code under test (Kafka's
// connect/basic-auth-extension and its docs, "REST API" security section).
const EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
const LOGIN_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule";
const CONNECTOR = "pulumi-nodejs:dynamic/lakehouse:Connector";
const base = { image: "c", hostname: "connect", bootstrapServers: "kafka-1:19092", brokerCount: 1, groupId: "g", storageTopicPrefix: "connect", hostPort: 8083, bindIp: "127.0.0.1" };

function uploadsOf(r: RecordedResource): Map<string, { content: string; permissions?: string }> {
    return new Map((r.inputs.uploads ?? []).map((u: any) => [u.file, { content: u.content, permissions: u.permissions }]));
}

/** The Authorization header curl sends when it reads `config` with -K (a real curl against a local server). */
async function curlAuthorization(config: string): Promise<string | undefined> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "connect-auth-curl-"));
    const file = path.join(dir, "curl.conf");
    fs.writeFileSync(file, config);
    let seen: string | undefined;
    const server = http.createServer((req, res) => { seen = req.headers.authorization; res.end("ok"); });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
        const port = (server.address() as AddressInfo).port;
        await new Promise<void>((resolve, reject) => execFile("curl", ["-fsS", "-K", file, `http://127.0.0.1:${port}/health`], (e) => (e ? reject(e) : resolve())));
        return seen;
    } finally {
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("Kafka Connect REST authentication", () => {
    describe("connectSpec with restAuth", () => {
        const secured = () => connectSpec({ ...base, restAuth: { user: "lakehouse" } });

        it("loads the basic-auth extension and points the JVM at a JAAS file, with no secret in env or command", () => {
            const spec = secured();
            assert.strictEqual(spec.env.CONNECT_REST_EXTENSION_CLASSES, EXTENSION);
            assert.strictEqual(spec.env.KAFKA_OPTS, "-Djava.security.auth.login.config=/kafka/rest-auth/jaas.conf");
            assert.deepStrictEqual(spec.secretEnv, {});
            assert.strictEqual(spec.command, undefined);
        });

        it("uploads a JAAS file naming the KafkaConnect section, its login module and the users file, outside /kafka/secrets", () => {
            const jaas = secured().uploads.find((u) => u.file === "/kafka/rest-auth/jaas.conf")!;
            assert.ok(jaas, "a JAAS upload");
            assert.match(jaas.content, new RegExp(`^KafkaConnect \\{\\s+${LOGIN_MODULE.replace(/\./g, "\\.")} required\\s+file="/kafka/rest-auth/users\\.properties";\\s+\\};\\s*$`));
            const files = [...secured().uploads.map((u) => u.file), ...(secured().secretFiles ?? []).map((f) => f.file)];
            assert.ok(files.every((f) => !f.startsWith("/kafka/secrets/")), files.join(", "));
        });

        it("writes the users file and curl's config as secret files the worker (user kafka) can read, owned by root", () => {
            const secretFiles = secured().secretFiles!;
            assert.deepStrictEqual(secretFiles.map((f) => [f.file, f.permissions]), [["/kafka/rest-auth/users.properties", "0444"], ["/kafka/rest-auth/curl.conf", "0444"]]);
            assert.ok(secretFiles.every((f) => /^\$\{SECRET:[A-Za-z]+\}$/.test(f.content)), "each file is one secret of the component");
        });

        it("logs the healthcheck in from curl's config file: no password on its command line", () => {
            const test = secured().healthcheck.tests.join(" ");
            assert.match(test, /curl -fsS -K \/kafka\/rest-auth\/curl\.conf http:\/\/localhost:8083\/health/);
        });

        it("without restAuth: no extension, no JAAS file, no login files, the healthcheck as before", () => {
            const plain = connectSpec(base);
            assert.strictEqual(plain.env.CONNECT_REST_EXTENSION_CLASSES, undefined);
            assert.strictEqual(plain.env.KAFKA_OPTS, undefined);
            assert.deepStrictEqual(plain.uploads, []);
            assert.strictEqual(plain.secretFiles, undefined);
            assert.deepStrictEqual(plain.healthcheck.tests, ["CMD-SHELL", "curl -fsS http://localhost:8083/health >/dev/null"]);
        });

        it("refuses a user name a users file or basic authentication cannot hold", () => {
            for (const user of ["a:b", "a b", "", "x=y"]) {
                assert.throws(() => connectSpec({ ...base, restAuth: { user } }), (e: unknown) => e instanceof SpecError && e.field === "connect.restAuth.user", user);
            }
        });
    });

    describe("the login files", () => {
        it("users file: `user: password`, the password escaped as java.util.Properties reads it", () => {
            assert.strictEqual(connectUsersFile("lakehouse", "0123abcd"), "lakehouse: 0123abcd\n");
            // A backslash is an escape, a leading space would be dropped, a non-Latin-1 character needs \uXXXX.
            assert.strictEqual(connectUsersFile("lakehouse", " a\\b:c=d#é€"), "lakehouse: \\ a\\\\b:c=d#\\u00e9\\u20ac\n");
            assert.throws(() => connectUsersFile("lakehouse", ""), /must not be empty/);
        });

        it("curl's config: curl sends exactly the login, whatever the password holds", async function () {
            this.timeout(10_000);
            for (const password of ["0123abcd", 'q"uo\\te d', "tab\tend", "é€:=#"]) {
                const header = await curlAuthorization(connectCurlConfig("lakehouse", password));
                assert.strictEqual(header, `Basic ${Buffer.from(`lakehouse:${password}`, "utf8").toString("base64")}`, JSON.stringify(password));
            }
        });
    });

    describe("Lakehouse with secureServices", () => {
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new Lakehouse("lh", { secureServices: true })); });

        it("runs the worker with the extension and the login files, the password only in secret uploads", () => {
            const worker = named(r, "lh-connect-container");
            const env = envOf(worker);
            assert.strictEqual(env.CONNECT_REST_EXTENSION_CLASSES, EXTENSION);
            assert.strictEqual(env.KAFKA_OPTS, "-Djava.security.auth.login.config=/kafka/rest-auth/jaas.conf");
            const uploads = uploadsOf(worker);
            assert.strictEqual(uploads.get("/kafka/rest-auth/users.properties")?.content, `lakehouse: ${MOCK_GENERATED}\n`);
            assert.strictEqual(uploads.get("/kafka/rest-auth/curl.conf")?.content, `user = "lakehouse:${MOCK_GENERATED}"\n`);
            assert.strictEqual(isSecret(worker, "uploads"), true);
            const plain = JSON.stringify({ envs: worker.inputs.envs, healthcheck: worker.inputs.healthcheck, command: worker.inputs.command, entrypoints: worker.inputs.entrypoints });
            assert.ok(!plain.includes(MOCK_GENERATED), "the password is in no env, healthcheck or command");
            assert.ok(named(r, "lh-connect-rest-password"), "the password is generated");
        });

        it("gives every connector the login as a secret input, which it also declares a secret output", () => {
            const connectors = ofType(r, CONNECTOR);
            assert.strictEqual(connectors.length, 2);
            for (const c of connectors) {
                assert.deepStrictEqual(c.inputs.connectAuth, { username: "lakehouse", password: MOCK_GENERATED }, c.name);
                assert.strictEqual(isSecret(c, "connectAuth"), true, c.name);
                assert.ok(((c.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []).includes("connectAuth"), c.name);
            }
        });

        it("without it: no extension, no login files, no password, and connectors without connectAuth", async () => {
            const plain = await construct(() => new Lakehouse("lh"));
            const env = envOf(named(plain, "lh-connect-container"));
            assert.strictEqual(env.CONNECT_REST_EXTENSION_CLASSES, undefined);
            assert.strictEqual(env.KAFKA_OPTS, undefined);
            assert.ok(![...uploadsOf(named(plain, "lh-connect-container")).keys()].some((f) => f.startsWith("/kafka/rest-auth/")));
            assert.ok(!plain.some((x) => x.name === "lh-connect-rest-password"));
            assert.ok(ofType(plain, CONNECTOR).every((c) => c.inputs.connectAuth === undefined));
        });

        it("takes a given password instead of generating one", async () => {
            const given = await construct(() => new Lakehouse("lh", { secureServices: true, connect: { restAuth: { password: "Given-Pa55" } } }));
            assert.ok(!given.some((x) => x.name === "lh-connect-rest-password"));
            assert.strictEqual(uploadsOf(named(given, "lh-connect-container")).get("/kafka/rest-auth/users.properties")?.content, "lakehouse: Given-Pa55\n");
            assert.ok(ofType(given, CONNECTOR).every((c) => c.inputs.connectAuth.password === "Given-Pa55"));
        });
    });

    describe("the Connector resource", () => {
        it("wraps a plain login in a secret and declares connectAuth a secret output", async () => {
            const { Connector } = await import("../../components/connector");
            const r = await construct(() => new Connector("c", {
                connectUrl: "http://127.0.0.1:8083", name: "c", config: { "connector.class": "X" },
                connectAuth: { username: "lakehouse", password: "plain-Pa55" },
            }));
            const c = named(r, "c");
            assert.strictEqual(isSecret(c, "connectAuth"), true);
            assert.ok(((c.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []).includes("connectAuth"));
        });
    });

    describe("stack config", () => {
        it("lakehouse:connectPassword goes to the worker with secureServices, and is refused without it", () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setAllConfig({ ...saved, "lakehouse:secureServices": "true", "lakehouse:connectPassword": "Given-Pa55" });
                const args = lakehouseArgsFromConfig(readLakehouseConfig());
                assert.ok(args.connect?.restAuth?.password !== undefined, "the password reaches connect.restAuth");
                pulumi.runtime.setAllConfig({ ...saved, "lakehouse:connectPassword": "Given-Pa55" });
                assert.throws(() => readLakehouseConfig(), /lakehouse:connectPassword is set but lakehouse:secureServices is not true/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
            assert.strictEqual(lakehouseArgsFromConfig(readLakehouseConfig()).connect, undefined);
        });
    });
});
