// Kafka with SASL/SCRAM over TLS (lakehouse:secureServices, issue 15): the broker spec and its start
// script (run for real by bash against a stand-in kafka-storage.sh), the clients' settings (Connect, the
// MySQL schema history, the CDC job, the kafka provider), the component under pulumi.runtime.setMocks,
// and the policy pack's rule.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lakehouse } from "../../components";
import { kafkaBrokerSpecs, kafkaStartScript, scramJaasConfig } from "../../components/specs/kafka";
import { fillSecretRefs } from "../../components/specs/types";
import { authenticatedServices } from "../../policies/authenticated-services";
import { broker, messages, runResourcePolicy } from "./policies/fixtures";
import { MOCK_GENERATED, RecordedResource, construct, envOf, isSecret, named, ofType } from "./support/mocks";

// Upstream names (Kafka's security docs: "Authentication using SASL/SCRAM", "Encryption with SSL"), written
// here rather than read from the code under test.
const SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
const base = { image: "k", brokerCount: 3, clusterId: "bGFrZWhvdXNlLWRldi0wMQ", hostPortBase: 9092, bindIp: "127.0.0.4", hostnamePrefix: "kafka" };
const security = { brokerUser: "broker", adminUser: "admin" };

function uploadsOf(r: RecordedResource): Map<string, { content: string; permissions?: string }> {
    return new Map((r.inputs.uploads ?? []).map((u: any) => [u.file, { content: u.content, permissions: u.permissions }]));
}

/** Runs `script` with bash, kafka-storage.sh and the image's start-up replaced by recorders; returns what each saw. */
async function runStartScript(script: string, env: Record<string, string>): Promise<{ format: string[]; formatConfig: string; run: Record<string, string> }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-start-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // The script calls both by absolute path: run it with those paths rewritten into the temp dir.
        fs.writeFileSync(path.join(bin, "kafka-storage.sh"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > ${dir}/format.args\nwhile [ $# -gt 0 ]; do if [ "$1" = --config ]; then cp "$2" ${dir}/format.conf; fi; shift; done\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "run"), `#!/usr/bin/env bash\nenv | grep '^KAFKA_LISTENER_NAME_' > ${dir}/run.env\n`, { mode: 0o755 });
        const rewritten = script.replace("/opt/kafka/bin/kafka-storage.sh", path.join(bin, "kafka-storage.sh")).replace("exec /etc/kafka/docker/run", `exec ${path.join(bin, "run")}`);
        fs.writeFileSync(path.join(dir, "start"), rewritten);
        await new Promise<void>((resolve, reject) => execFile("bash", [path.join(dir, "start")], { env: { PATH: process.env.PATH, ...env } }, (e, _o, stderr) => (e ? reject(new Error(stderr || e.message)) : resolve())));
        const run = Object.fromEntries(fs.readFileSync(path.join(dir, "run.env"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        return { format: fs.readFileSync(path.join(dir, "format.args"), "utf8").trim().split("\n"), formatConfig: fs.readFileSync(path.join(dir, "format.conf"), "utf8"), run };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("Kafka SASL/SCRAM over TLS", () => {
    describe("kafkaBrokerSpecs with security", () => {
        const specs = kafkaBrokerSpecs({ ...base, security });

        it("maps the client listeners to SASL_SSL and the controllers' to SSL, SCRAM-SHA-512 only, PEM key and CA files", () => {
            const env = specs[1].env;
            assert.strictEqual(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, "CONTROLLER:SSL,INTERNAL:SASL_SSL,HOST:SASL_SSL");
            assert.strictEqual(env.KAFKA_LISTENERS, "CONTROLLER://:29093,INTERNAL://:19092,HOST://:9093");
            assert.strictEqual(env.KAFKA_ADVERTISED_LISTENERS, "INTERNAL://kafka-2:19092,HOST://127.0.0.4:9093");
            assert.strictEqual(env.KAFKA_INTER_BROKER_LISTENER_NAME, "INTERNAL");
            assert.strictEqual(env.KAFKA_SASL_ENABLED_MECHANISMS, "SCRAM-SHA-512");
            assert.strictEqual(env.KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL, "SCRAM-SHA-512");
            assert.strictEqual(env.KAFKA_SSL_KEYSTORE_TYPE, "PEM");
            assert.strictEqual(env.KAFKA_SSL_TRUSTSTORE_TYPE, "PEM");
            const files = new Map((specs[1].secretFiles ?? []).map((f) => [f.file, f]));
            assert.strictEqual(files.get(env.KAFKA_SSL_KEYSTORE_LOCATION)?.content, "${SECRET:brokerKeystore}");
            assert.strictEqual(files.get(env.KAFKA_SSL_TRUSTSTORE_LOCATION)?.content, "${SECRET:caCertificate}");
            // Readable by the image's user (appuser), owned by root (the provider uploads as root).
            assert.ok([...files.values()].every((f) => f.permissions === "0444"));
            assert.ok(!JSON.stringify(env).includes("${SECRET:"), "no secret in the environment");
        });

        it("starts through its script (a secret file), which then runs the image's own start-up", () => {
            assert.deepStrictEqual(specs[0].command, ["bash", "/opt/lakehouse/kafka/start"]);
            assert.ok((specs[0].secretFiles ?? []).some((f) => f.file === "/opt/lakehouse/kafka/start"));
        });

        it("without security: the plaintext listeners, no command, no files (as before)", () => {
            const plain = kafkaBrokerSpecs(base)[0];
            assert.strictEqual(plain.env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT");
            assert.strictEqual(plain.command, undefined);
            assert.strictEqual(plain.secretFiles, undefined);
            assert.strictEqual(plain.env.KAFKA_SASL_ENABLED_MECHANISMS, undefined);
        });

        it("refuses the brokers' user as the admin, or a user the JAAS and --add-scram syntax cannot hold", () => {
            assert.throws(() => kafkaBrokerSpecs({ ...base, security: { brokerUser: "broker", adminUser: "broker" } }), /kafka\.security\.adminUser: must differ from the brokers' user/);
            assert.throws(() => kafkaBrokerSpecs({ ...base, security: { brokerUser: "broker", adminUser: 'a"b' } }), /kafka\.security\.adminUser: must be lower-case letters/);
        });
    });

    describe("the start script (bash, with kafka-storage.sh and the image's start-up as recorders)", () => {
        it("formats once with the brokers' and the admin's SCRAM users, then hands the broker's login to the image only as environment", async function () {
            this.timeout(20_000);
            const [spec] = kafkaBrokerSpecs({ ...base, security });
            const pw = (u: string) => `${u}-pass-0123456789abcdef`;
            const script = fillSecretRefs(kafkaStartScript(spec.env, security), Object.fromEntries(["broker", "admin"].map((u) => [`scram_${u}`, pw(u)])));
            const seen = await runStartScript(script, { ...spec.env, CLUSTER_ID: base.clusterId });
            assert.deepStrictEqual(seen.format.filter((a) => !a.startsWith("/")), [
                "format", "--cluster-id", base.clusterId, "--config", "--ignore-formatted",
                ...["broker", "admin"].flatMap((u) => ["--add-scram", `SCRAM-SHA-512=[name=${u},password="${pw(u)}"]`]),
            ]);
            // The format config is the image's server.properties of the same environment, no secret in it.
            assert.match(seen.formatConfig, /^listener\.security\.protocol\.map=CONTROLLER:SSL,INTERNAL:SASL_SSL,HOST:SASL_SSL$/m);
            assert.match(seen.formatConfig, /^node\.id=1$/m);
            assert.match(seen.formatConfig, /^controller\.quorum\.voters=1@kafka-1:29093,2@kafka-2:29093,3@kafka-3:29093$/m);
            assert.ok(!seen.formatConfig.includes("pass-0123"));
            const jaas = `${SCRAM_MODULE} required username="broker" password="${pw("broker")}";`;
            assert.deepStrictEqual(seen.run, {
                KAFKA_LISTENER_NAME_HOST_SCRAM___SHA___512_SASL_JAAS_CONFIG: jaas,
                KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG: jaas,
            });
        });

        it("a JAAS login refuses a password its quoting cannot hold", () => {
            assert.strictEqual(scramJaasConfig("cdc", "0123456789abcdef"), `${SCRAM_MODULE} required username="cdc" password="0123456789abcdef";`);
            assert.throws(() => scramJaasConfig("cdc", 'abc"def0123456789'), /kafka\.security\.password: must be 16 to 128 characters/);
            assert.throws(() => scramJaasConfig("cdc", "short"), (e: Error) => !e.message.includes("short"));
        });
    });

    describe("Lakehouse with secureServices", () => {
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new Lakehouse("lh", { secureServices: true })); });

        it("generates a password per SCRAM user and a certificate per broker from the stack's CA", () => {
            for (const u of ["broker", "admin", "connect", "cdc"]) assert.ok(named(r, `lh-kafka-scram-${u}`), u);
            assert.ok(named(r, "lh-kafka-broker-1-certificate"));
            const broker1 = named(r, "lh-kafka-broker-1");
            assert.strictEqual(isSecret(broker1, "uploads"), true);
            const start = uploadsOf(broker1).get("/opt/lakehouse/kafka/start")!.content;
            assert.ok(start.includes(`[name=admin,password="${MOCK_GENERATED}"]`));
            assert.ok(!start.includes("[name=connect,") && !start.includes("[name=cdc,"), "only the brokers' and the admin's users are formatted in");
            assert.ok(!JSON.stringify(broker1.inputs.envs).includes(MOCK_GENERATED));
        });

        it("manages the other clients' users through the provider (SCRAM-SHA-512, the password a secret); Connect and the job start after theirs", () => {
            const credentials = ofType(r, "kafka:index/userScramCredential:UserScramCredential");
            assert.deepStrictEqual(credentials.map((c) => c.inputs.username).sort(), ["cdc", "connect"]);
            for (const c of credentials) {
                assert.strictEqual(c.inputs.scramMechanism, "SCRAM-SHA-512");
                assert.strictEqual(c.inputs.password, MOCK_GENERATED);
                assert.strictEqual(isSecret(c, "password"), true);
                assert.strictEqual(c.provider, "lh-kafka-provider");
            }
            assert.ok(named(r, "lh-connect-container").dependsOn.includes("lh-kafka-user-connect"));
            assert.ok(named(r, "lh-cdc-job-container").dependsOn.includes("lh-kafka-user-cdc"));
        });

        it("logs the kafka provider in as admin with SCRAM-SHA-512 over verified TLS, its password a secret", () => {
            const provider = ofType(r, "pulumi:providers:kafka")[0];
            // A provider's inputs reach the engine as strings.
            assert.strictEqual(String(provider.inputs.tlsEnabled), "true");
            assert.strictEqual(String(provider.inputs.skipTlsVerify), "false");
            assert.strictEqual(provider.inputs.saslUsername, "admin");
            assert.strictEqual(provider.inputs.saslMechanism, "scram-sha512");
            assert.strictEqual(provider.inputs.saslPassword, MOCK_GENERATED);
            assert.strictEqual(isSecret(provider, "saslPassword"), true);
            assert.match(provider.inputs.caCert, /BEGIN CERTIFICATE/);
        });

        it("logs Connect in as connect from its secret file, by reference, for the worker and its producers, consumers and admin", () => {
            const worker = named(r, "lh-connect-container");
            const env = envOf(worker);
            for (const prefix of ["CONNECT_", "CONNECT_PRODUCER_", "CONNECT_CONSUMER_", "CONNECT_ADMIN_"]) {
                assert.strictEqual(env[`${prefix}SECURITY_PROTOCOL`], "SASL_SSL", prefix);
                assert.strictEqual(env[`${prefix}SASL_MECHANISM`], "SCRAM-SHA-512", prefix);
                assert.strictEqual(env[`${prefix}SASL_JAAS_CONFIG`], "${directory:/kafka/secrets:kafka-client-jaas}", prefix);
                assert.strictEqual(env[`${prefix}SSL_TRUSTSTORE_TYPE`], "PEM", prefix);
            }
            const uploads = uploadsOf(worker);
            assert.strictEqual(uploads.get("/kafka/secrets/kafka-client-jaas")?.content, `${SCRAM_MODULE} required username="connect" password="${MOCK_GENERATED}";`);
            assert.match(uploads.get(env.CONNECT_SSL_TRUSTSTORE_LOCATION)!.content, /BEGIN CERTIFICATE/);
        });

        it("gives the MySQL connector's schema history the worker's login by reference, the Postgres connector nothing", () => {
            const connectors = ofType(r, "pulumi-nodejs:dynamic/lakehouse:Connector");
            const mysqlConfig = connectors.find((c) => c.name === "lh-mysql-connector")!.inputs.config;
            for (const side of ["producer", "consumer"]) {
                assert.strictEqual(mysqlConfig[`schema.history.internal.${side}.security.protocol`], "SASL_SSL");
                assert.strictEqual(mysqlConfig[`schema.history.internal.${side}.sasl.jaas.config`], "${directory:/kafka/secrets:kafka-client-jaas}");
            }
            const pgConfig = connectors.find((c) => c.name === "lh-postgres-connector")!.inputs.config;
            assert.ok(!Object.keys(pgConfig).some((k) => k.includes("sasl")));
        });

        it("gives the CDC job its own user (cdc) in a secret properties file it names with --kafka-properties", () => {
            const job = named(r, "lh-cdc-job-container");
            const command = job.inputs.command as string[];
            assert.strictEqual(command[command.indexOf("--kafka-properties") + 1], "/opt/lakehouse/kafka/client.properties");
            const props = uploadsOf(job).get("/opt/lakehouse/kafka/client.properties")!.content;
            assert.match(props, /^security\.protocol=SASL_SSL$/m);
            assert.ok(props.includes(`sasl.jaas.config=${SCRAM_MODULE} required username="cdc" password="${MOCK_GENERATED}";\n`));
            assert.strictEqual(isSecret(job, "uploads"), true);
        });

        it("refuses client users that repeat, take the brokers' name or cannot be written, before anything is created", async () => {
            for (const [users, message] of [
                [["admin", "broker"], /security\.clientUsers: names a user twice or the brokers' own \(broker\): admin, broker/],
                [["admin", "admin"], /security\.clientUsers: names a user twice/],
                [[], /security\.clientUsers: must name at least one user/],
                [["admin", "Connect"], /clientUsers\[1\]: must be lower-case letters/],
            ] as const) {
                await assert.rejects(construct(() => new Lakehouse("lh", { secureServices: true, kafka: { security: { clientUsers: [...users] } } })), message);
            }
        });

        it("kafka.security false keeps the brokers plaintext in a secureServices stack; without secureServices there is nothing", async () => {
            for (const args of [{ secureServices: true, kafka: { security: false as const } }, {}]) {
                const plain = await construct(() => new Lakehouse("lh", args));
                assert.strictEqual(envOf(named(plain, "lh-kafka-broker-1")).KAFKA_SASL_ENABLED_MECHANISMS, undefined);
                assert.ok(!plain.some((x) => x.name.startsWith("lh-kafka-scram-") || x.name.startsWith("lh-kafka-user-")));
                assert.strictEqual(String(ofType(plain, "pulumi:providers:kafka")[0].inputs.tlsEnabled), "false");
                assert.strictEqual(envOf(named(plain, "lh-connect-container")).CONNECT_SECURITY_PROTOCOL, undefined);
            }
        });
    });

    describe("policy authenticated-services on the brokers", () => {
        const secured = kafkaBrokerSpecs({ ...base, brokerCount: 1, security })[0].env;
        it("passes SASL_SSL client listeners with an SSL controller listener and SCRAM only", async () => {
            assert.deepStrictEqual(messages(await runResourcePolicy(authenticatedServices, [broker(1, secured)])), []);
        });

        it("refuses plaintext brokers, naming kafka and the way out", async () => {
            const found = messages(await runResourcePolicy(authenticatedServices, [broker(1, kafkaBrokerSpecs({ ...base, brokerCount: 1 })[0].env)]));
            assert.ok(found.length >= 1, found.join("\n"));
            assert.match(found[0], /kafka \(the brokers' listeners\): listener\.security\.protocol\.map .*CONTROLLER:PLAINTEXT, PLAINTEXT:PLAINTEXT, PLAINTEXT_HOST:PLAINTEXT.*Set lakehouse:secureServices to true/);
        });

        it("refuses a SASL_PLAINTEXT listener, a plaintext controller listener, and PLAIN among the mechanisms", async () => {
            const weak = { ...secured, KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,INTERNAL:SASL_SSL,HOST:SASL_PLAINTEXT", KAFKA_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-512,PLAIN" };
            const found = messages(await runResourcePolicy(authenticatedServices, [broker(1, weak)]));
            assert.strictEqual(found.length, 2, found.join("\n"));
            assert.match(found.join("\n"), /CONTROLLER:PLAINTEXT, HOST:SASL_PLAINTEXT \(without TLS or without authentication\)/);
            assert.match(found.join("\n"), /sasl\.enabled\.mechanisms \(KAFKA_SASL_ENABLED_MECHANISMS\) is "SCRAM-SHA-512,PLAIN"/);
        });
    });
});
