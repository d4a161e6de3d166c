// authenticated-services on Kafka Connect's worker: its REST API must load Kafka's basic-auth extension
// with a JAAS file (lakehouse:secureServices); the prod and dev stacks themselves are in program.test.ts.
import * as assert from "assert";
import { authenticatedServices } from "../../../policies/authenticated-services";
import { connectWorker, FakeResource, messages, runResourcePolicy, UNKNOWN_STRING } from "./fixtures";

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
