// MinIO as quay.io/minio/minio's contract, and the catalog/engine settings that reach it.
import { ROLES } from "../core/settings";
import { ContainerSpec, SECRETS_DIR, secretRef, SpecError, healthcheck, requirePort } from "./types";

export interface MinioSpecArgs {
    image: string;
    hostname: string;
    apiHostPort: number;
    consoleHostPort: number;
    bindIp: string;
}

export const MINIO_API_PORT = 9000;
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
        ],
        command: ["server", "/data", "--console-address", `:${MINIO_CONSOLE_PORT}`],
        ports: [
            { internal: MINIO_API_PORT, external: args.apiHostPort, ip: args.bindIp },
            { internal: MINIO_CONSOLE_PORT, external: args.consoleHostPort, ip: args.bindIp },
        ],
        // The official image has `mc` and no curl; images built from the Go module may have only curl.
        healthcheck: healthcheck(["CMD-SHELL", `mc ready local >/dev/null 2>&1 || curl -fsS http://localhost:${MINIO_API_PORT}/minio/health/ready >/dev/null`], 5),
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
