// Plain data that every spec builder returns: what a container needs, with no Pulumi in it.

/** A port published on the host. */
export interface PortSpec {
    internal: number;
    external: number;
    /** Host address the port binds to. */
    ip: string;
}

/** A Docker healthcheck; `wait: true` on the container waits for it. */
export interface HealthcheckSpec {
    tests: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
}

/** A named volume mounted into the container. */
export interface VolumeSpec {
    /** Role of the volume inside the service, e.g. "data"; the component names it. */
    role: string;
    containerPath: string;
}

/** A file written into the container before it starts. */
export interface UploadSpec {
    file: string;
    /** File content; `secretRefs` placeholders are filled by the component with secret values. */
    content: string;
    /** Octal mode of the file, e.g. "0444" (the docker provider's default is 0644, owned by root). */
    permissions?: string;
}

/**
 * A secret handed to the service as a file (the image's `*_FILE` variable, or a file the client library
 * reads) instead of an environment variable, so `docker inspect` never shows it. The component uploads the
 * secret's value to `file` before the container starts, owned by root with `permissions`.
 */
export interface SecretFileSpec {
    file: string;
    /**
     * The file's content: `${SECRET:<key>}` stands for the value of the component's secret `<key>` (as in
     * `secretEnv`); e.g. `${SECRET:adminPassword}`, or an AWS credentials file naming two.
     */
    content: string;
    /** Octal mode. Default "0400": the images read their `*_FILE` as root before dropping privileges. */
    permissions?: string;
}

/** Mode of a secret file that only root may read (the images read `*_FILE` before dropping to their user). */
export const SECRET_FILE_MODE = "0400";
/** The content of a secret file that is one secret's value. */
export function secretRef(key: string): string {
    return `\${SECRET:${key}}`;
}
/** A secret file's content (SecretFileSpec) with each `${SECRET:<key>}` replaced by `values[key]` (every key named must be given). */
export function fillSecretRefs(content: string, values: Record<string, string>): string {
    return content.replace(/\$\{SECRET:([A-Za-z0-9_]+)\}/g, (_m, key: string) => {
        if (values[key] === undefined) throw new SpecError("secretFiles", `no value for \${SECRET:${key}}`);
        return values[key];
    });
}

/** Where the images look for Docker secrets (`/run/secrets/<name>`, Docker's own mount point). */
export const SECRETS_DIR = "/run/secrets";

/** Everything a service container needs, as plain data. */
export interface ContainerSpec {
    /** DNS name inside the stack's network (also the container's network alias). */
    hostname: string;
    image: string;
    /** Value of the lakehouse.role label. */
    role: string;
    env: Record<string, string>;
    /** Environment variables whose values are secrets, mapped to the secret's key in the component. */
    secretEnv: Record<string, string>;
    command?: string[];
    entrypoint?: string[];
    ports: PortSpec[];
    healthcheck: HealthcheckSpec;
    volumes: VolumeSpec[];
    uploads: UploadSpec[];
    /** Secrets uploaded as files (see SecretFileSpec). Default: none. */
    secretFiles?: SecretFileSpec[];
}

/**
 * Docker's provider refuses an empty string in `command` or `entrypoint` ("values for command may not
 * be empty"): find one before anything is created. Returns the offending field, or undefined.
 */
export function emptyArgument(spec: Pick<ContainerSpec, "command" | "entrypoint">): string | undefined {
    for (const field of ["command", "entrypoint"] as const) {
        const i = (spec[field] ?? []).findIndex((v) => v === "");
        if (i >= 0) return `${field}[${i}]`;
    }
    return undefined;
}

/** Raised by spec builders on invalid input; components turn it into a ResourceError naming the field. */
export class SpecError extends Error {
    constructor(public readonly field: string, message: string) {
        super(`${field}: ${message}`);
        this.name = "SpecError";
    }
}

/**
 * A duration the way Docker hands it back (Go's `time.Duration.String()`: 120 s is "2m0s"); the docker
 * provider reads healthcheck durations back in this form, so any other spelling shows as a diff.
 */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new SpecError("healthcheck", `durations are whole seconds >= 0, got ${seconds}`);
    if (seconds === 0) return "0s";
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/** Shared healthcheck timing (seconds): quick polls, generous start period for JVM services. */
export function healthcheck(tests: string[], startPeriodSeconds = 20, retries = 30): HealthcheckSpec {
    return { tests, interval: goDuration(5), timeout: goDuration(10), retries, startPeriod: goDuration(startPeriodSeconds) };
}

export function requirePort(field: string, port: number): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new SpecError(field, `must be a TCP port between 1 and 65535, got ${port}`);
    }
    return port;
}

export function requireIdentifier(field: string, value: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) {
        throw new SpecError(field, `must be a plain SQL identifier (letters, digits, _), got ${JSON.stringify(value)}`);
    }
    return value;
}

/** Quotes a value as a SQL string literal (standard SQL: single quotes doubled). */
export function sqlLiteral(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}
