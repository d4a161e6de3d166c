// MinIO as quay.io/minio/minio's contract, and the catalog/engine settings that reach it.
import { ROLES } from "../settings";
import { ContainerSpec, SpecError, healthcheck, requirePort } from "./types";

export interface MinioSpecArgs {
    image: string;
    hostname: string;
    apiHostPort: number;
    consoleHostPort: number;
    bindIp: string;
}

export const MINIO_API_PORT = 9000;
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
        env: {},
        secretEnv: { MINIO_ROOT_USER: "rootUser", MINIO_ROOT_PASSWORD: "rootPassword" },
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
