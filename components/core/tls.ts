// The stack's own certificate authority and the server certificates it signs, made with openssl by the
// command provider (as components/core/secrets.ts makes passwords): generated once, kept in state, keys as
// Pulumi secrets. No registry serves a maintained TLS provider here (terraform-provider-tls is not on the
// Go module proxy), and openssl is on every machine that runs the stack.
import * as command from "@pulumi/command";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** A PEM certificate (public) and its PKCS#8 private key (a Pulumi secret). */
export interface KeyPair {
    certificate: pulumi.Output<string>;
    key: pulumi.Output<string>;
}

/** Days a certificate is valid: about ten years for the CA, two for a server (renew by replacing the resource). */
export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 825;

// Both scripts print the key, then the certificate; nothing else reaches stdout, the work files are in a
// private temporary directory removed on exit.
const PRELUDE = "set -eu; umask 077; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT;";

export const CA_SCRIPT = PRELUDE +
    ` openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days ${CA_VALIDITY_DAYS} -subj "/CN=$CA_NAME"` +
    " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign" +
    ' -keyout "$d/key" -out "$d/cert" 2>"$d/err" || { cat "$d/err" >&2; exit 1; };' +
    ' cat "$d/key" "$d/cert"';

// stdin: the CA's key and certificate. SAN: "DNS:a,DNS:b,IP:127.0.0.1".
export const SERVER_SCRIPT = PRELUDE +
    ' cat > "$d/ca"; openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$COMMON_NAME"' +
    ' -keyout "$d/key" -out "$d/csr" 2>"$d/err" || { cat "$d/err" >&2; exit 1; };' +
    ' printf "subjectAltName=%s\\nextendedKeyUsage=serverAuth\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nbasicConstraints=critical,CA:FALSE\\n" "$SAN" > "$d/ext";' +
    ` openssl x509 -req -sha256 -days ${SERVER_VALIDITY_DAYS} -in "$d/csr" -CA "$d/ca" -CAkey "$d/ca" -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')"` +
    ' -extfile "$d/ext" -out "$d/cert" 2>"$d/err" || { cat "$d/err" >&2; exit 1; };' +
    ' cat "$d/key" "$d/cert"';

/** Splits "key PEM + certificate PEM" (the scripts' stdout) into a KeyPair; the certificate is public. */
export function splitKeyPair(pem: pulumi.Output<string>): KeyPair {
    const parts = pem.apply((text) => {
        const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
        const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
        // Unknown during a first preview: the empty strings never reach a resource.
        return { key: key ?? "", cert: cert ?? "" };
    });
    return { certificate: pulumi.unsecret(parts.apply((p) => p.cert)), key: pulumi.secret(parts.apply((p) => p.key)) };
}

/** The names and addresses a server certificate is valid for. */
export interface ServerNames {
    commonName: string;
    dnsNames: string[];
    ipAddresses: string[];
}

/** The subjectAltName value of `names`, in a stable order (a change re-issues the certificate). */
export function subjectAltName(names: ServerNames): string {
    const valid = /^[A-Za-z0-9.*:-]+$/;
    for (const n of [names.commonName, ...names.dnsNames, ...names.ipAddresses]) {
        if (!valid.test(n)) throw new Error(`certificate name ${JSON.stringify(n)}: letters, digits, '.', '-', ':' and '*' only`);
    }
    return [...new Set(names.dnsNames)].map((n) => `DNS:${n}`).concat([...new Set(names.ipAddresses)].map((a) => `IP:${a}`)).join(",");
}

/**
 * The stack's certificate authority: an RSA key and a self-signed CA certificate, generated on create and
 * kept in state (the key a Pulumi secret). Clients trust `certificate` (stack output `caCertificate`).
 */
export class CertificateAuthority extends pulumi.ComponentResource {
    public readonly certificate: pulumi.Output<string>;
    /** The CA's private key and certificate, one PEM text (a secret): what signs server certificates. */
    private readonly signer: pulumi.Output<string>;

    constructor(name: string, args: { commonName: string }, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:security:CertificateAuthority", name, {}, opts);
        const ca = new command.local.Command(`${name}-ca`, {
            create: CA_SCRIPT,
            environment: { CA_NAME: args.commonName },
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout"] });
        const pair = splitKeyPair(ca.stdout);
        this.certificate = pair.certificate;
        this.signer = pulumi.secret(pulumi.all([pair.key, pair.certificate]).apply(([k, c]) => k + c));
        this.registerOutputs({ certificate: this.certificate });
    }

    /**
     * A server certificate signed by this CA for `names`, generated on create and re-issued when the names
     * change; its key is a Pulumi secret.
     */
    issue(name: string, names: ServerNames, opts: pulumi.CustomResourceOptions): KeyPair {
        const san = subjectAltName(names);
        const cert = new command.local.Command(name, {
            create: SERVER_SCRIPT,
            stdin: this.signer,
            environment: { COMMON_NAME: names.commonName, SAN: san },
            logging: "none",
        }, { ...opts, additionalSecretOutputs: ["stdout"] });
        return splitKeyPair(cert.stdout);
    }
}

/**
 * A file holding `certificate` on the machine that runs the program, for a provider that takes a CA as a
 * path (pulumi-minio's `minioCacertFile`). Named by the certificate's SHA-256 under the OS's temporary
 * directory: the same path on every run (no provider diff) for the same CA, and written by every run
 * that needs it, so a fresh clone or a cleaned /tmp gets it back. Public content only. Unknown while the
 * certificate is (a first preview), like any provider input that is.
 */
export function certificateFile(certificate: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(certificate).apply((pem) => {
        if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error("certificateFile: not a PEM certificate");
        const digest = crypto.createHash("sha256").update(pem).digest("hex").slice(0, 24);
        const file = path.join(os.tmpdir(), `pulumi-lakehouse-ca-${digest}.pem`);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (current !== pem) {
            const tmp = `${file}.${process.pid}`;
            fs.writeFileSync(tmp, pem, { mode: 0o644 });
            fs.renameSync(tmp, file);
        }
        return file;
    });
}
