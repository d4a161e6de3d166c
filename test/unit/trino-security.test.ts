// Trino with HTTPS and password authentication (lakehouse:secureServices, issue 15): the spec, the
// certificate authority's real openssl scripts, and the component under pulumi.runtime.setMocks.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { X509Certificate } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse, lakehouseArgsFromConfig, readLakehouseConfig } from "../../components";
import { TRINO_HTTPS_PORT, trinoPasswordHash, trinoSpec } from "../../components/specs/engines";
import { SpecError } from "../../components/specs/types";
import { CA_SCRIPT, SERVER_SCRIPT, subjectAltName } from "../../components/core/tls";
import { MOCK_GENERATED, RecordedResource, construct, isSecret, mockKeyPair, named, ofType } from "./support/mocks";

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const catalog = { catalogName: "minio", catalogUri: "http://iceberg-rest:8181", warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" };
const base = { image: "trino:x", hostname: "trino", catalog, hostPort: 8443, bindIp: "127.0.0.1" };

/** A properties file as a map (the format Trino reads: key=value per line). */
function properties(text: string): Record<string, string> {
    return Object.fromEntries(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("Trino security", () => {
    describe("trinoSpec with security", () => {
        const plain = trinoSpec(base);
        const secured = trinoSpec({ ...base, security: { user: "analyst" } });

        it("publishes the HTTPS port only (8443 inside), never the plain HTTP port", () => {
            assert.deepStrictEqual(plain.ports.map((p) => p.internal), [8080]);
            assert.deepStrictEqual(secured.ports, [{ internal: 8443, external: 8443, ip: "127.0.0.1" }]);
        });

        it("serves HTTPS from the PEM keystore, authenticates by password file, and names the shared secret as a secret", () => {
            const files = new Map((secured.secretFiles ?? []).map((f) => [f.file, f]));
            const config = properties(files.get("/etc/trino/config.properties")!.content);
            assert.strictEqual(config["http-server.https.enabled"], "true");
            assert.strictEqual(config["http-server.https.port"], String(TRINO_HTTPS_PORT));
            assert.strictEqual(config["http-server.https.keystore.path"], "/etc/trino/trino-tls.pem");
            assert.strictEqual(config["http-server.authentication.type"], "PASSWORD");
            assert.strictEqual(config["internal-communication.shared-secret"], "${SECRET:sharedSecret}");
            // Insecure password logins over HTTP stay off (Trino's default): the property must not be turned on.
            assert.ok(!("http-server.authentication.allow-insecure-over-http" in config));
            assert.strictEqual(files.get("/etc/trino/password.db")!.content, "analyst:${SECRET:passwordHash}\n");
            assert.strictEqual(files.get("/etc/trino/trino-tls.pem")!.content, "${SECRET:tlsKey}${SECRET:tlsCertificate}");
            // Read by the trino user: root-owned uploads must be world-readable, and nothing writable.
            for (const f of files.values()) assert.strictEqual(f.permissions, "0444", f.file);
            const authenticator = secured.uploads.find((u) => u.file === "/etc/trino/password-authenticator.properties")!;
            assert.deepStrictEqual(properties(authenticator.content), { "password-authenticator.name": "file", "file.password-file": "/etc/trino/password.db" });
            assert.ok(secured.uploads.every((u) => !u.content.includes("${SECRET:")), "a plain upload names a secret");
        });

        it("refuses a user name the password file cannot hold", () => {
            assert.throws(() => trinoSpec({ ...base, security: { user: "a:b" } }), (e: Error) =>
                e instanceof SpecError && /trino\.security\.user/.test(e.message) && /"a:b"/.test(e.message));
            assert.throws(() => trinoSpec({ ...base, security: { user: "" } }), SpecError);
        });
    });

    describe("trinoPasswordHash", () => {
        it("writes Trino's PBKDF2 form <iterations>:<salt hex>:<20-byte hash hex>, stable per salt, different per salt and password", () => {
            const h = trinoPasswordHash("s3cret", "salt-one");
            const [iterations, salt, hash] = h.split(":");
            assert.strictEqual(Number(iterations) >= 1000, true);
            assert.strictEqual(Buffer.from(salt, "hex").toString("utf8"), "salt-one");
            assert.match(hash, /^[0-9a-f]{40}$/);
            assert.strictEqual(trinoPasswordHash("s3cret", "salt-one"), h);
            assert.notStrictEqual(trinoPasswordHash("s3cret", "salt-two"), h);
            assert.notStrictEqual(trinoPasswordHash("s3cret!", "salt-one"), h);
            assert.ok(!h.includes("s3cret"));
        });

        it("refuses fewer than Trino's 1000 iterations and an empty password", () => {
            assert.throws(() => trinoPasswordHash("p", "s", 999), /at least 1000/);
            assert.throws(() => trinoPasswordHash("", "s"), /must not be empty/);
        });
    });

    describe("the certificate scripts (real openssl)", () => {
        let caPem: string;
        let serverPem: string;
        before(function () {
            this.timeout(60_000);
            caPem = execFileSync("/bin/sh", ["-c", CA_SCRIPT], { env: { ...process.env, CA_NAME: "unit-test CA" } }).toString();
            serverPem = execFileSync("/bin/sh", ["-c", SERVER_SCRIPT], {
                input: caPem, env: { ...process.env, COMMON_NAME: "trino", SAN: subjectAltName({ commonName: "trino", dnsNames: ["trino", "localhost"], ipAddresses: ["127.0.0.4"] }) },
            }).toString();
        });
        const cert = (pem: string) => new X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----")));

        it("print a private key and then a certificate, nothing else", () => {
            for (const pem of [caPem, serverPem]) {
                assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
            }
        });

        it("make a CA certificate, and a server certificate it signs for exactly the names asked", () => {
            const ca = cert(caPem);
            const server = cert(serverPem);
            assert.strictEqual(ca.ca, true);
            assert.strictEqual(server.ca, false);
            assert.strictEqual(server.verify(ca.publicKey), true);
            assert.strictEqual(server.checkIssued(ca), true);
            assert.strictEqual(server.checkHost("trino"), "trino");
            assert.strictEqual(server.checkHost("localhost"), "localhost");
            assert.strictEqual(server.checkIP("127.0.0.4"), "127.0.0.4");
            assert.strictEqual(server.checkIP("127.0.0.1"), undefined);
            assert.strictEqual(server.checkHost("minio"), undefined);
        });

        it("fail with openssl's message on a bad CA, printing no key", () => {
            assert.throws(() => execFileSync("/bin/sh", ["-c", SERVER_SCRIPT], {
                input: "not a CA", env: { ...process.env, COMMON_NAME: "trino", SAN: "DNS:trino" }, stdio: ["pipe", "pipe", "pipe"],
            }), (e: any) => e.status !== 0 && !String(e.stdout).includes("PRIVATE KEY") && String(e.stderr).length > 0);
        });

        it("subjectAltName refuses a name that could inject into openssl's extension file", () => {
            assert.throws(() => subjectAltName({ commonName: "t", dnsNames: ["a\nbasicConstraints=CA:TRUE"], ipAddresses: [] }), /certificate name/);
        });
    });

    describe("Lakehouse with secureServices", () => {
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new Lakehouse("lh", { secureServices: true, bindIp: "127.0.0.4" })); });

        it("makes one certificate authority and a Trino certificate it signs for Trino's names and the bind address", () => {
            const commands = ofType(r, COMMAND);
            const ca = commands.find((c) => c.name === "lh-ca-ca")!;
            assert.ok(ca, commands.map((c) => c.name).join());
            const cert = named(r, "lh-trino-certificate");
            assert.strictEqual(cert.inputs.stdin, mockKeyPair("lh-ca-ca"), "the CA's key and certificate go in on stdin");
            assert.strictEqual(isSecret(cert, "stdin"), true);
            assert.deepStrictEqual(cert.inputs.environment, { COMMON_NAME: "trino", SAN: "DNS:trino,DNS:lakehouse-trino,DNS:localhost,IP:127.0.0.4,IP:127.0.0.1" });
            assert.strictEqual(cert.inputs.logging, "none");
        });

        it("runs Trino on HTTPS with the certificate, a hashed password and a shared secret, all as secrets", () => {
            const trino = named(r, "lh-trino-container");
            assert.deepStrictEqual(trino.inputs.ports.map((p: any) => [p.ip, p.internal, p.external]), [["127.0.0.4", 8443, 8443]]);
            const uploads = new Map<string, string>(trino.inputs.uploads.map((u: any) => [u.file, u.content]));
            assert.strictEqual(uploads.get("/etc/trino/trino-tls.pem"), mockKeyPair("lh-trino-certificate"));
            const config = properties(uploads.get("/etc/trino/config.properties")!);
            assert.strictEqual(config["internal-communication.shared-secret"], MOCK_GENERATED);
            const [user, hash] = uploads.get("/etc/trino/password.db")!.trim().split(/:(.*)/s);
            assert.strictEqual(user, "lakehouse");
            assert.ok(!hash.includes(MOCK_GENERATED), "the password file holds a hash, not the password");
            assert.strictEqual(isSecret(trino, "uploads"), true);
            assert.ok(!JSON.stringify(trino.inputs.envs ?? []).includes(MOCK_GENERATED));
        });

        it("gives Trino's URL as https on the bind address", async () => {
            const lh = await new Promise<Lakehouse>((resolve) => { construct(() => resolve(new Lakehouse("lh", { secureServices: true, bindIp: "127.0.0.4" }))); });
            assert.strictEqual(lh.trino.url, "https://127.0.0.4:8443");
            assert.ok(lh.trino.login);
            assert.strictEqual(lh.trino.login!.user, "lakehouse");
            assert.strictEqual(await new Promise((resolve) => pulumi.isSecret(lh.trino.login!.password).then(resolve)), true);
        });

        it("leaves a stack without it on plain HTTP, with no CA, certificate or password", async () => {
            const plain = await construct(() => new Lakehouse("lh"));
            assert.ok(!plain.some((x) => /-ca-ca$|trino-certificate$|trino-password/.test(x.name)));
            assert.deepStrictEqual(named(plain, "lh-trino-container").inputs.ports.map((p: any) => p.internal), [8080]);
        });

        it("stack config: lakehouse:secureServices turns it on; lakehouse:trinoPassword alone is refused", () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setConfig("lakehouse:secureServices", "true");
                assert.strictEqual(lakehouseArgsFromConfig(readLakehouseConfig()).secureServices, true);
                pulumi.runtime.setAllConfig({ ...saved, "lakehouse:trinoPassword": "x" });
                assert.throws(() => readLakehouseConfig(), /lakehouse:trinoPassword is set but lakehouse:secureServices is not true/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
            assert.strictEqual("secureServices" in lakehouseArgsFromConfig(readLakehouseConfig()), false);
        });
    });
});
