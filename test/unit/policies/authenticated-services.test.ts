// authenticated-services on Kafka Connect's worker: its REST API must load Kafka's basic-auth extension
// with a JAAS file (lakehouse:secureServices); the prod and dev stacks themselves are in program.test.ts.
import * as assert from "assert";
import { authenticatedServices } from "../../../policies/authenticated-services";
import { connectWorker, FakeResource, messages, minio, runResourcePolicy, UNKNOWN_STRING } from "./fixtures";

// Upstream names (Kafka's connect/basic-auth-extension), written here rather than read from the code under test.
const EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
const JAAS = "-Djava.security.auth.login.config=/kafka/rest-auth/jaas.conf";
const JAAS_FILE = "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"/kafka/rest-auth/users.properties\";\n};\n";

function worker(env: Record<string, string>, uploads?: unknown): FakeResource {
    const w = connectWorker(env);
    if (uploads !== undefined) w.props.uploads = uploads;
    return w;
}

describe("policy authenticated-services on the Connect worker", () => {
    it("passes a worker with the basic-auth extension and a JAAS file with a KafkaConnect section", async () => {
        const secured = worker({ CONNECT_REST_EXTENSION_CLASSES: EXTENSION, KAFKA_OPTS: JAAS }, [{ file: "/kafka/rest-auth/jaas.conf", content: JAAS_FILE }]);
        assert.deepStrictEqual(messages(await runResourcePolicy(authenticatedServices, [secured])), []);
    });

    it("refuses a worker without the extension, naming connect and the way out (lakehouse:secureServices)", async () => {
        const found = messages(await runResourcePolicy(authenticatedServices, [worker({})]));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /"lakehouse-connect".*connect \(Kafka Connect's REST API\): rest\.extension\.classes \(CONNECT_REST_EXTENSION_CLASSES\) is not set.*allowed: org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.BasicAuthSecurityRestExtension.*Set lakehouse:secureServices to true/);
        const other = messages(await runResourcePolicy(authenticatedServices, [worker({ CONNECT_REST_EXTENSION_CLASSES: "com.example.Other" })]));
        assert.match(other[0], /is "com\.example\.Other"; allowed: org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.BasicAuthSecurityRestExtension/);
    });

    it("refuses the extension without a JAAS file, or with one that lacks the KafkaConnect section", async () => {
        const noJaas = messages(await runResourcePolicy(authenticatedServices, [worker({ CONNECT_REST_EXTENSION_CLASSES: EXTENSION })]));
        assert.strictEqual(noJaas.length, 1, noJaas.join("\n"));
        assert.match(noJaas[0], /connect \(Kafka Connect's REST API\): KAFKA_OPTS is not set, without a JAAS file/);
        const wrong = messages(await runResourcePolicy(authenticatedServices, [worker({ CONNECT_REST_EXTENSION_CLASSES: EXTENSION, KAFKA_OPTS: JAAS },
            [{ file: "/kafka/rest-auth/jaas.conf", content: "KafkaServer {\n  x required;\n};\n" }])]));
        assert.strictEqual(wrong.length, 1, wrong.join("\n"));
        assert.match(wrong[0], /\/kafka\/rest-auth\/jaas\.conf is without a KafkaConnect section/);
    });

    it("reports an extension setting unknown at preview instead of passing it", async () => {
        // An env entry computed from another resource's output: the extension may be in it.
        const w = worker({});
        w.props.envs = [...(w.props.envs as string[]), UNKNOWN_STRING];
        const found = messages(await runResourcePolicy(authenticatedServices, [w]));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /rest\.extension\.classes \(CONNECT_REST_EXTENSION_CLASSES\) is unknown at preview/);
    });
});

describe("policy authenticated-services on MinIO", () => {
    // MinIO's documented layout (min.io docs, "Network Encryption (TLS)"): public.crt and private.key in the certificate directory.
    const certs = (dir: string) => [{ file: `${dir}/public.crt`, content: "CERT" }, { file: `${dir}/private.key`, content: "KEY" }];
    function withCommand(command: unknown, uploads?: unknown): FakeResource {
        const m = minio(undefined, uploads);
        m.props.command = command;
        return m;
    }

    it("passes MinIO with a certificate and key in its --certs-dir, or in MinIO's default directory for root", async () => {
        const viaFlag = withCommand(["server", "/data", "--certs-dir", "/opt/certs"], certs("/opt/certs"));
        const viaEquals = withCommand(["server", "/data", "--certs-dir=/opt/certs/"], certs("/opt/certs"));
        const viaDefault = withCommand(["server", "/data"], certs("/root/.minio/certs"));
        for (const m of [viaFlag, viaEquals, viaDefault]) assert.deepStrictEqual(messages(await runResourcePolicy(authenticatedServices, [m])), []);
    });

    it("refuses plain HTTP MinIO, naming minio, what is missing and the way out", async () => {
        const found = messages(await runResourcePolicy(authenticatedServices, [minio(undefined, [])]));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /"lakehouse-minio".*minio \(the S3 API and console\): \/root\/\.minio\/certs is without public\.crt and private\.key \(plain HTTP.*Set lakehouse:secureServices to true/);
        const keyOnly = messages(await runResourcePolicy(authenticatedServices, [withCommand(["server", "/data", "--certs-dir", "/opt/certs"], certs("/opt/certs").slice(1))]));
        assert.match(keyOnly[0], /\/opt\/certs is without public\.crt \(/);
        // Files elsewhere do not count: MinIO reads only its certificate directory.
        const elsewhere = messages(await runResourcePolicy(authenticatedServices, [withCommand(["server", "/data", "--certs-dir", "/opt/certs"], certs("/etc/other"))]));
        assert.strictEqual(elsewhere.length, 1);
    });

    it("with uploads unknown at preview: a named --certs-dir passes, none is refused", async () => {
        assert.deepStrictEqual(messages(await runResourcePolicy(authenticatedServices, [withCommand(["server", "/data", "--certs-dir", "/opt/certs"], UNKNOWN_STRING)])), []);
        const found = messages(await runResourcePolicy(authenticatedServices, [withCommand(["server", "/data"], UNKNOWN_STRING)]));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /minio \(the S3 API and console\): command is without --certs-dir \(its uploads are unknown at preview/);
    });

    it("reports a command unknown at preview instead of passing it", async () => {
        const found = messages(await runResourcePolicy(authenticatedServices, [withCommand(["server", UNKNOWN_STRING], certs("/root/.minio/certs"))]));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /minio \(the S3 API and console\): command is unknown at preview/);
    });
});
