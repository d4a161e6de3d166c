// Connector secrets as Kafka Connect config-provider references (KIP-297): the builders, the provider's
// check and diff, and the worker spec that serves the referenced files.
import * as assert from "assert";
import { diffConnector, mySqlConnector, postgresConnector, secretDigest, validateInputs } from "../../../components/connector";
import { connectSpec } from "../../../components/specs/connect";

const REF = "${directory:/kafka/secrets:postgres-cdc-password}";
const PG = { hostname: "pg", user: "cdc", dbname: "customer_db", tables: ["users"] };
const MY = { hostname: "my", user: "cdc", serverId: 5, bootstrapServers: "kafka-1:19092" };

describe("connector secrets through config providers", () => {
    it("puts a password reference in config and nothing in secretConfig (Postgres and MySQL)", () => {
        const pg = postgresConnector({ ...PG, passwordReference: REF });
        assert.strictEqual(pg.config["database.password"], REF);
        assert.deepStrictEqual(pg.secretConfig, {});
        const my = mySqlConnector({ ...MY, passwordReference: "${directory:/kafka/secrets:mysql-cdc-password}" });
        assert.strictEqual(my.config["database.password"], "${directory:/kafka/secrets:mysql-cdc-password}");
        assert.deepStrictEqual(my.secretConfig, {});
    });

    it("refuses both a password and a reference, no password at all, and a reference that is not one", () => {
        assert.throws(() => postgresConnector({ ...PG, password: "pw", passwordReference: REF }), /passwordReference and password are exclusive/);
        assert.throws(() => postgresConnector({ ...PG }), /password is required/);
        assert.throws(() => mySqlConnector({ ...MY, passwordReference: "plain-password" }), /passwordReference must be a config-provider reference/);
        assert.throws(() => mySqlConnector({ ...MY, passwordReference: "${directory:/a:b} tail" }), /passwordReference must be a config-provider reference/);
    });

    it("check accepts a secret-looking key whose whole value is a reference, and still refuses a plain password", () => {
        const base = { connectUrl: "http://127.0.0.1:8083", name: "c", config: { "connector.class": "x" } };
        assert.deepStrictEqual(validateInputs({ ...base, config: { ...base.config, "database.password": REF } }).failures, []);
        const plain = validateInputs({ ...base, config: { ...base.config, "database.password": "hunter2" } }).failures;
        assert.strictEqual(plain.length, 1);
        assert.strictEqual(plain[0].property, 'config["database.password"]');
        const mixed = validateInputs({ ...base, config: { ...base.config, "database.password": `x${REF}` } }).failures;
        assert.strictEqual(mixed.length, 1);
    });

    it("diff: a rotated referenced secret is an update (not a replace); the same secret is no change", () => {
        const config = { "connector.class": "x", "database.password": REF };
        const olds = {
            connectUrl: "http://127.0.0.1:8083", name: "c", config, secretConfigKeys: [], secretConfigDigest: "",
            referencedSecretsDigest: secretDigest({ "postgres-cdc-password": "old-pw" }, "c2FsdA=="),
        };
        const same = diffConnector(olds, { connectUrl: olds.connectUrl, name: "c", config, referencedSecrets: { "postgres-cdc-password": "old-pw" } });
        assert.strictEqual(same.changes, false);
        const rotated = diffConnector(olds, { connectUrl: olds.connectUrl, name: "c", config, referencedSecrets: { "postgres-cdc-password": "new-pw" } });
        assert.strictEqual(rotated.changes, true);
        assert.deepStrictEqual(rotated.replaces, []);
        assert.ok(!JSON.stringify(olds).includes("old-pw"), "the digest holds no password");
    });

    it("the worker serves secret files read-only from /kafka/secrets through Kafka's DirectoryConfigProvider", () => {
        const spec = connectSpec({
            image: "i", hostname: "connect", bootstrapServers: "kafka-1:19092", brokerCount: 1, groupId: "g",
            storageTopicPrefix: "connect", hostPort: 8083, bindIp: "127.0.0.1", secretFiles: ["postgres-cdc-password"],
        });
        assert.strictEqual(spec.env.CONNECT_CONFIG_PROVIDERS, "directory");
        assert.strictEqual(spec.env.CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS, "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        assert.strictEqual(spec.env.CONNECT_CONFIG_PROVIDERS_DIRECTORY_PARAM_ALLOWED_PATHS, "/kafka/secrets");
        assert.deepStrictEqual(spec.uploads.map((u) => [u.file, u.permissions]), [["/kafka/secrets/postgres-cdc-password", "0444"]]);
        assert.throws(() => connectSpec({ ...spec, bootstrapServers: "k:1", brokerCount: 1, groupId: "g", storageTopicPrefix: "c", hostPort: 8083,
            bindIp: "127.0.0.1", secretFiles: ["../etc/passwd"] }), /connect.secretFiles/);
    });
});
