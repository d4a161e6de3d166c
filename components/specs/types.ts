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
