// MinIO with TLS (lakehouse:secureServices, issue 15): the spec, the JVM clients' trust script run for
// real with the JDK's keytool, the CA file the minio provider reads, and the components under setMocks.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse } from "../../components";
import { CA_SCRIPT, certificateFile } from "../../components/core/tls";
import { CATALOG_START } from "../../components/specs/catalog";
import { TRINO_START } from "../../components/specs/engines";
import {
    JAVA_TRUSTSTORE, JAVA_TRUSTSTORE_PASSWORD, JAVA_TRUST_ALIAS, JAVA_TRUST_CA_FILE, JAVA_TRUST_SCRIPT, JAVA_TRUST_SCRIPT_FILE, withJavaTrust,
} from "../../components/specs/java-trust";
import { MINIO_CERTS_DIR, minioSpec } from "../../components/specs/storage";
import { ContainerSpec, SpecError } from "../../components/specs/types";
import { RecordedResource, construct, envOf, isSecret, mockKeyPair, named, ofType } from "./support/mocks";

const base = { image: "minio:x", hostname: "minio", apiHostPort: 9000, consoleHostPort: 9001, bindIp: "127.0.0.1" };
/** The JDK on this machine (the images' JVMs run the same script with theirs). */
const JAVA_HOME = ["/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/temurin-25-jdk-amd64"].find((d) => fs.existsSync(`${d}/bin/keytool`));

function certOf(pem: string): string {
    return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem)![0];
}

describe("MinIO with TLS", () => {
    describe("minioSpec", () => {
        const plain = minioSpec(base);
        const tls = minioSpec({ ...base, tls: true });

        it("serves from a certificate directory holding the key, certificate and CA as secret files; the key unreadable but by root", () => {
            assert.deepStrictEqual(tls.command!.slice(-2), ["--certs-dir", MINIO_CERTS_DIR]);
            const files = new Map((tls.secretFiles ?? []).map((f) => [f.file, f]));
            assert.strictEqual(files.get(`${MINIO_CERTS_DIR}/private.key`)!.content, "${SECRET:tlsKey}");
            assert.strictEqual(files.get(`${MINIO_CERTS_DIR}/private.key`)!.permissions, undefined, "the key keeps the 0400 default");
            assert.strictEqual(files.get(`${MINIO_CERTS_DIR}/public.crt`)!.content, "${SECRET:tlsCertificate}");
            assert.strictEqual(files.get(`${MINIO_CERTS_DIR}/CAs/ca.pem`)!.content, "${SECRET:caCertificate}");
        });

        it("checks health over HTTPS against the CA (mc first, as in the official image, then curl)", () => {
            const test = tls.healthcheck.tests[1];
            assert.match(test, /MC_HOST_local=https:\/\/localhost:9000 mc --config-dir \/opt\/lakehouse\/minio ready local/);
            assert.match(test, new RegExp(`curl -fsS --cacert ${MINIO_CERTS_DIR}/CAs/ca.pem https://localhost:9000/minio/health/ready`));
            assert.ok(!/--insecure|-k /.test(test));
        });

        it("without tls is the plain HTTP MinIO it was (no certificate directory, no extra files)", () => {
            assert.ok(!plain.command!.includes("--certs-dir"));
            assert.strictEqual(plain.secretFiles!.length, 2);
            assert.match(plain.healthcheck.tests[1], /http:\/\/localhost:9000/);
        });
    });

    describe("withJavaTrust", () => {
        const spec: ContainerSpec = {
            hostname: "job", image: "spark:x", role: "r", env: { A: "1" }, secretEnv: {}, entrypoint: ["/opt/spark/bin/spark-submit"], command: ["--master", "local[1]", "job.py"],
            ports: [], healthcheck: { tests: ["CMD", "true"], interval: "5s", timeout: "10s", retries: 3, startPeriod: "0s" }, volumes: [], uploads: [],
        };

        it("starts the container through the trust script with its own entrypoint and command as arguments", () => {
            const t = withJavaTrust(spec);
            assert.deepStrictEqual(t.entrypoint, ["sh", JAVA_TRUST_SCRIPT_FILE]);
            assert.deepStrictEqual(t.command, ["/opt/spark/bin/spark-submit", "--master", "local[1]", "job.py"]);
            assert.match(t.env.JAVA_TOOL_OPTIONS, new RegExp(`-Djavax.net.ssl.trustStore=${JAVA_TRUSTSTORE} `));
            assert.strictEqual(t.env.A, "1");
            assert.deepStrictEqual(t.uploads.map((u) => [u.file, u.permissions]), [[JAVA_TRUST_SCRIPT_FILE, "0555"]]);
            assert.deepStrictEqual(t.secretFiles, [{ file: JAVA_TRUST_CA_FILE, content: "${SECRET:storageCaCertificate}", permissions: "0444" }]);
        });

        it("needs the image's command when the spec sets no entrypoint, and refuses a JAVA_TOOL_OPTIONS of the spec's own", () => {
            const imageDefault = { ...spec, entrypoint: undefined, command: undefined };
            assert.throws(() => withJavaTrust(imageDefault), (e: Error) => e instanceof SpecError && /own command is needed/.test(e.message));
            assert.deepStrictEqual(withJavaTrust(imageDefault, TRINO_START).command, TRINO_START);
            assert.throws(() => withJavaTrust({ ...spec, env: { JAVA_TOOL_OPTIONS: "-Xmx1g" } }), /JAVA_TOOL_OPTIONS is set already/);
        });
    });

    describe("the trust script (real keytool, real openssl CA)", function () {
        this.timeout(60_000);
        let dir: string;
        let script: string;
        before(function () {
            assert.ok(JAVA_HOME, "a JDK with keytool is needed (Debian's openjdk-17 is part of this machine's toolchain)");
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "java-trust-"));
            const ca = execFileSync("/bin/sh", ["-c", CA_SCRIPT], { env: { ...process.env, CA_NAME: "test CA" } }).toString();
            fs.writeFileSync(path.join(dir, "ca.pem"), certOf(ca));
            fs.writeFileSync(path.join(dir, "bad.pem"), "not a certificate\n");
            // The same script with this test's paths in place of the container's.
            script = JAVA_TRUST_SCRIPT.split(JAVA_TRUST_CA_FILE).join(path.join(dir, "ca.pem")).split(JAVA_TRUSTSTORE).join(path.join(dir, "store.p12"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const env = () => ({ PATH: `${JAVA_HOME}/bin:/usr/bin:/bin`, JAVA_TOOL_OPTIONS: "-Djavax.net.ssl.trustStore=/nonexistent" });

        it("builds a PKCS#12 truststore with the JVM's default CAs and the stack's CA as a trusted entry, then runs the command", () => {
            const out = execFileSync("/bin/sh", ["-c", script, "java-trust", "echo", "ran", "with args"], { env: env() }).toString();
            assert.strictEqual(out, "ran with args\n");
            const list = execFileSync(`${JAVA_HOME}/bin/keytool`, ["-list", "-keystore", path.join(dir, "store.p12"), "-storepass", JAVA_TRUSTSTORE_PASSWORD, "-storetype", "PKCS12"]).toString();
            assert.match(list, new RegExp(`${JAVA_TRUST_ALIAS},.*trustedCertEntry`));
            const entries = Number(/contains (\d+) entr/.exec(list)![1]);
            assert.ok(entries > 10, `the JVM's default CAs are kept (${entries} entries)`);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["bad.pem", "ca.pem", "store.p12"], "no temporary file is left");
        });

        it("stops with keytool's message, running nothing, when the CA is not a certificate", () => {
            const bad = script.split(path.join(dir, "ca.pem")).join(path.join(dir, "bad.pem"));
            const r = spawnSync("/bin/sh", ["-c", bad, "java-trust", "echo", "ran"], { env: env() });
            assert.notStrictEqual(r.status, 0);
            assert.strictEqual(r.stdout.toString(), "");
            assert.match(r.stderr.toString(), /keytool error/i);
        });
    });

    describe("certificateFile (the minio provider's CA path)", () => {
        it("writes the certificate to a path named by its digest, the same path on every call", async () => {
            const pem = certOf(mockKeyPair("file-test"));
            const file = await new Promise<string>((resolve) => certificateFile(pem).apply(resolve));
            assert.strictEqual(path.dirname(file), os.tmpdir());
            assert.strictEqual(fs.readFileSync(file, "utf8"), pem);
            fs.rmSync(file);
            const again = await new Promise<string>((resolve) => certificateFile(pem).apply(resolve));
            assert.strictEqual(again, file);
            assert.strictEqual(fs.readFileSync(file, "utf8"), pem, "written again when it is gone");
            fs.rmSync(file);
        });
    });

    describe("Lakehouse with secureServices", () => {
        let r: RecordedResource[];
        let lh: Lakehouse;
        before(async () => { r = await construct(() => { lh = new Lakehouse("lh", { secureServices: true, bindIp: "127.0.0.4" }); }); });
        const caPem = () => certOf(mockKeyPair("lh-ca-ca"));

        it("issues MinIO a certificate from the stack's CA for its network name, container name and host addresses", () => {
            const cert = named(r, "lh-storage-certificate");
            assert.strictEqual(cert.inputs.stdin, mockKeyPair("lh-ca-ca"));
            assert.deepStrictEqual(cert.inputs.environment, { COMMON_NAME: "minio", SAN: "DNS:minio,DNS:lakehouse-minio,DNS:localhost,IP:127.0.0.4,IP:127.0.0.1" });
        });

        it("runs MinIO on HTTPS with that key and certificate as secret files", () => {
            const minio = named(r, "lh-storage-container");
            assert.ok(minio.inputs.command.includes("--certs-dir"));
            const uploads = new Map<string, string>(minio.inputs.uploads.map((u: any) => [u.file, u.content]));
            assert.strictEqual(uploads.get(`${MINIO_CERTS_DIR}/private.key`), /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(mockKeyPair("lh-storage-certificate"))![0]);
            assert.strictEqual(uploads.get(`${MINIO_CERTS_DIR}/public.crt`), certOf(mockKeyPair("lh-storage-certificate")));
            assert.strictEqual(uploads.get(`${MINIO_CERTS_DIR}/CAs/ca.pem`), caPem());
            assert.strictEqual(isSecret(minio, "uploads"), true);
        });

        it("gives the minio provider SSL and a CA file holding the stack's CA", () => {
            const provider = ofType(r, "pulumi:providers:minio")[0];
            assert.strictEqual(String(provider.inputs.minioSsl), "true"); // provider inputs reach the engine as strings
            assert.strictEqual(fs.readFileSync(provider.inputs.minioCacertFile, "utf8"), caPem());
        });

        it("makes every JVM client trust the CA: catalog, Spark, Trino, the CDC job and maintenance, each with its own command kept", () => {
            const expected: Record<string, string[]> = {
                "lh-catalog-container": CATALOG_START, "lh-trino-container": TRINO_START, "lh-spark-container": ["sleep", "infinity"],
            };
            for (const name of ["lh-catalog-container", "lh-spark-container", "lh-trino-container", "lh-cdc-job-container", "lh-maintenance-container"]) {
                const c = named(r, name);
                assert.deepStrictEqual(c.inputs.entrypoints, ["sh", JAVA_TRUST_SCRIPT_FILE], name);
                if (expected[name]) assert.deepStrictEqual(c.inputs.command, expected[name], name);
                else assert.strictEqual(c.inputs.command[0], "/opt/spark/bin/spark-submit", name);
                assert.match(envOf(c).JAVA_TOOL_OPTIONS, /javax\.net\.ssl\.trustStore=/, name);
                const uploads = new Map<string, string>(c.inputs.uploads.map((u: any) => [u.file, u.content]));
                assert.strictEqual(uploads.get(JAVA_TRUST_CA_FILE), caPem(), name);
                assert.strictEqual(uploads.get(JAVA_TRUST_SCRIPT_FILE), JAVA_TRUST_SCRIPT, name);
            }
        });

        it("points every client at https://minio:9000 and the tools at https on the bind address", async () => {
            const spark = named(r, "lh-spark-container");
            const defaults = spark.inputs.uploads.find((u: any) => u.file.endsWith("spark-defaults.conf")).content as string;
            assert.match(defaults, /\.s3\.endpoint https:\/\/minio:9000\n/);
            assert.ok(!/http:\/\/minio/.test(JSON.stringify(r.map((x) => x.inputs))), "no client is left on plain HTTP");
            assert.strictEqual(lh.endpoints.minio, "https://127.0.0.4:9000");
            assert.strictEqual(await new Promise((resolve) => pulumi.output(lh.storage.caCertificate).apply(resolve)), caPem());
        });

        it("leaves dev (no secureServices) and `storage.tls: false` on plain HTTP with no MinIO certificate and untouched clients", async () => {
            for (const args of [{}, { secureServices: true, storage: { tls: false as const } }]) {
                const plain = await construct(() => new Lakehouse("lh", args));
                assert.ok(!plain.some((x) => x.name === "lh-storage-certificate"), JSON.stringify(args));
                assert.ok(!named(plain, "lh-storage-container").inputs.command.includes("--certs-dir"));
                assert.strictEqual(String(ofType(plain, "pulumi:providers:minio")[0].inputs.minioSsl), "false");
                for (const c of ofType(plain, "docker:index/container:Container")) {
                    assert.ok(!("JAVA_TOOL_OPTIONS" in envOf(c)), c.name);
                    assert.ok(!(c.inputs.entrypoints ?? []).includes(JAVA_TRUST_SCRIPT_FILE), c.name);
                }
            }
        });
    });
});
