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

/** Raised by spec builders on invalid input; components turn it into a ResourceError naming the field. */
export class SpecError extends Error {
    constructor(public readonly field: string, message: string) {
        super(`${field}: ${message}`);
        this.name = "SpecError";
    }
}

/** Shared healthcheck timing: quick polls, generous start period for JVM services. */
export function healthcheck(tests: string[], startPeriod = "20s", retries = 30): HealthcheckSpec {
    return { tests, interval: "5s", timeout: "10s", retries, startPeriod };
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
