// MinIO as quay.io/minio/minio's contract, and the catalog/engine settings that reach it.
import { ROLES } from "../core/settings";
import { ContainerSpec, SECRETS_DIR, secretRef, SpecError, healthcheck, requirePort } from "./types";

export interface MinioSpecArgs {
    image: string;
    hostname: string;
    apiHostPort: number;
    consoleHostPort: number;
    bindIp: string;
    /**
     * TLS on the S3 API and the console from a certificate of the component's secrets `tlsCertificate`,
     * `tlsKey` and `caCertificate` (MINIO_TLS_SECRETS), in MINIO_CERTS_DIR. Default: plain HTTP (dev).
     */
    tls?: boolean;
}

export const MINIO_API_PORT = 9000;
/**
 * MinIO's certificate directory with TLS (`minio server --certs-dir`): `public.crt`, `private.key` and the
 * CA in `CAs/`, MinIO's own layout. Its parent is `mc`'s configuration directory in the healthcheck, so
 * mc trusts the same `certs/CAs/`.
 */
export const MINIO_TLS_DIR = "/opt/lakehouse/minio";
export const MINIO_CERTS_DIR = `${MINIO_TLS_DIR}/certs`;
/** The component secrets a TLS MinIO's files name. */
export const MINIO_TLS_SECRETS = { certificate: "tlsCertificate", key: "tlsKey", ca: "caCertificate" } as const;
/** The root key's files under /run/secrets (MINIO_ROOT_USER_FILE / MINIO_ROOT_PASSWORD_FILE). */
export const MINIO_ROOT_FILES = { user: "access_key", password: "secret_key" } as const;
export const MINIO_CONSOLE_PORT = 9001;
/** MinIO ignores regions but every S3 client wants one. */
export const S3_REGION = "us-east-1";

export function minioSpec(args: MinioSpecArgs): ContainerSpec {
    requirePort("minio.apiHostPort", args.apiHostPort);
    requirePort("minio.consoleHostPort", args.consoleHostPort);
    if (args.apiHostPort === args.consoleHostPort) {
        throw new SpecError("minio.consoleHostPort", `must differ from minio.apiHostPort (${args.apiHostPort})`);
    }
    const tls = args.tls === true;
    const ca = `${MINIO_CERTS_DIR}/CAs/ca.pem`;
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.minio,
        // MinIO reads `*_FILE` names relative to /run/secrets (Docker secrets); these are its image's defaults.
        env: { MINIO_ROOT_USER_FILE: MINIO_ROOT_FILES.user, MINIO_ROOT_PASSWORD_FILE: MINIO_ROOT_FILES.password },
        secretEnv: {},
        secretFiles: [
            { file: `${SECRETS_DIR}/${MINIO_ROOT_FILES.user}`, content: secretRef("rootUser") },
            { file: `${SECRETS_DIR}/${MINIO_ROOT_FILES.password}`, content: secretRef("rootPassword") },
            // MinIO runs as root in its image: the key stays 0400; the certificates are public.
            ...(tls ? [
                { file: `${MINIO_CERTS_DIR}/private.key`, content: secretRef(MINIO_TLS_SECRETS.key) },
                { file: `${MINIO_CERTS_DIR}/public.crt`, content: secretRef(MINIO_TLS_SECRETS.certificate), permissions: "0444" },
                { file: ca, content: secretRef(MINIO_TLS_SECRETS.ca), permissions: "0444" },
            ] : []),
        ],
        command: ["server", "/data", "--console-address", `:${MINIO_CONSOLE_PORT}`, ...(tls ? ["--certs-dir", MINIO_CERTS_DIR] : [])],
        ports: [
            { internal: MINIO_API_PORT, external: args.apiHostPort, ip: args.bindIp },
            { internal: MINIO_CONSOLE_PORT, external: args.consoleHostPort, ip: args.bindIp },
        ],
        // The official image has `mc` and no curl; images built from the Go module may have only curl.
        healthcheck: healthcheck(["CMD-SHELL", tls
            // mc's alias `local` is plain HTTP: name the HTTPS one; mc trusts <config dir>/certs/CAs, the CA above.
            ? `MC_HOST_local=https://localhost:${MINIO_API_PORT} mc --config-dir ${MINIO_TLS_DIR} ready local >/dev/null 2>&1 || ` +
              `curl -fsS --cacert ${ca} https://localhost:${MINIO_API_PORT}/minio/health/ready >/dev/null`
            : `mc ready local >/dev/null 2>&1 || curl -fsS http://localhost:${MINIO_API_PORT}/minio/health/ready >/dev/null`], 5),
        volumes: [{ role: "data", containerPath: "/data" }],
        uploads: [],
    };
}

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens. */
export function validateBucket(field: string, bucket: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        throw new SpecError(field, `must be a valid S3 bucket name (3-63 of a-z 0-9 . -), got ${JSON.stringify(bucket)}`);
    }
    return bucket;
}
