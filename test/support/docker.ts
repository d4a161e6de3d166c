// Reusable Docker helpers for integration tests: run containers on a user-defined network with ports
// published on 127.0.0.1 only, wait for health or for a condition, exec, and clean up.
// They shell out to the docker CLI (no extra dependency) and never pull an image.
import * as net from "net";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";

const execFileP = promisify(execFile);

export interface RunOptions {
    /** Container name (also its DNS name on the network). */
    name: string;
    image: string;
    network?: string;
    /** Extra network aliases. */
    aliases?: string[];
    env?: Record<string, string>;
    /** Ports to publish: container port -> host port; always bound to 127.0.0.1. */
    ports?: Record<number, number>;
    /** Volumes: "name-or-host-path:/container/path[:ro]". */
    volumes?: string[];
    entrypoint?: string;
    /** Arguments after the image (the command). */
    args?: string[];
    user?: string;
    /** Extra raw `docker run` flags. */
    flags?: string[];
}

/** Runs `docker ARGS...` and returns stdout; throws with stderr on failure. */
export async function docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    if (opts.input !== undefined) {
        return new Promise((resolve, reject) => {
            const child = execFile("docker", args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000 },
                (err, stdout, stderr) => err ? reject(new Error(`docker ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout));
            child.stdin?.end(opts.input);
        });
    }
    try {
        const { stdout } = await execFileP("docker", args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000 });
        return stdout;
    } catch (e: any) {
        // What the command printed on stdout is kept too (pytest reports its failures there), and a kill
        // by the timeout is said as such.
        const killed = e.killed ? ` (killed after ${(opts.timeoutMs ?? 600_000) / 1000} s, signal ${e.signal})` : "";
        const stdout = typeof e.stdout === "string" && e.stdout ? `\n--- stdout (end):\n${e.stdout.slice(-6000)}` : "";
        throw new Error(`docker ${args.join(" ")}${killed}: ${e.stderr || e.message}${stdout}`);
    }
}

/** True when the image exists locally (a test fails, naming `make images`, on one scripts/images.sh has not built). */
export function imageExists(image: string): boolean {
    try {
        execFileSync("docker", ["image", "inspect", image], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** Creates a user-defined bridge network (idempotent) and returns its name. */
export async function createNetwork(name: string): Promise<string> {
    await docker(["network", "rm", name]).catch(() => undefined);
    await docker(["network", "create", name]);
    return name;
}

export async function removeNetwork(name: string): Promise<void> {
    await docker(["network", "rm", name]).catch(() => undefined);
}

/** Starts a detached container (removing any stale one of the same name) and returns its id. */
export async function run(o: RunOptions): Promise<string> {
    await rm(o.name);
    const args = ["run", "-d", "--name", o.name, "--label", "pulumi-lakehouse.test=1"];
    if (o.network) args.push("--network", o.network);
    for (const a of o.aliases ?? []) args.push("--network-alias", a);
    for (const [k, v] of Object.entries(o.env ?? {})) args.push("-e", `${k}=${v}`);
    for (const [c, h] of Object.entries(o.ports ?? {})) args.push("-p", `127.0.0.1:${h}:${c}`);
    for (const v of o.volumes ?? []) args.push("-v", v);
    if (o.entrypoint !== undefined) args.push("--entrypoint", o.entrypoint);
    if (o.user) args.push("--user", o.user);
    args.push(...(o.flags ?? []), o.image, ...(o.args ?? []));
    return (await docker(args)).trim();
}

/**
 * `run` with its host port picked at the moment of the run: `build(port)` gets a loopback port that was free
 * a moment ago, and a run Docker refuses because the port got taken since ("port is already allocated":
 * any socket can take it, an outgoing connection's included) is retried with another. Returns the port.
 * A port picked long before its run (in a suite's `before`) is what raced in CI.
 */
export async function runOnFreePort(build: (port: number) => RunOptions, attempts = 5): Promise<number> {
    for (let i = 1; ; i++) {
        const port = await freePort();
        const o = build(port);
        try {
            await run(o);
            return port;
        } catch (e) {
            if (i >= attempts || !/port is already allocated|address already in use/i.test(String(e))) throw e;
            await rm(o.name);
        }
    }
}

/** Runs a container to completion (`docker run --rm`) and returns its output; throws on a non-zero exit. */
export async function runToCompletion(o: RunOptions, timeoutMs = 900_000): Promise<string> {
    const args = ["run", "--rm", "--name", o.name, "--label", "pulumi-lakehouse.test=1"];
    if (o.network) args.push("--network", o.network);
    for (const [k, v] of Object.entries(o.env ?? {})) args.push("-e", `${k}=${v}`);
    for (const v of o.volumes ?? []) args.push("-v", v);
    if (o.entrypoint !== undefined) args.push("--entrypoint", o.entrypoint);
    if (o.user) args.push("--user", o.user);
    args.push(...(o.flags ?? []), o.image, ...(o.args ?? []));
    return docker(args, { timeoutMs });
}

/** Removes a container (force) if it exists. */
export async function rm(name: string): Promise<void> {
    await docker(["rm", "-f", "-v", name]).catch(() => undefined);
}

export async function removeVolume(name: string): Promise<void> {
    await docker(["volume", "rm", "-f", name]).catch(() => undefined);
}

/** `docker exec NAME CMD...`, returning stdout. */
export async function exec(name: string, cmd: string[], input?: string): Promise<string> {
    return docker(input !== undefined ? ["exec", "-i", name, ...cmd] : ["exec", name, ...cmd], { input });
}

export async function logs(name: string, tail = 80): Promise<string> {
    try {
        const { stdout, stderr } = await execFileP("docker", ["logs", "--tail", String(tail), name], { maxBuffer: 16 * 1024 * 1024 });
        return stdout + stderr;
    } catch (e: any) {
        return String(e.message);
    }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container's health status ("healthy", "starting", "unhealthy", "none") or its state if it stopped. */
export async function health(name: string): Promise<string> {
    const out = await docker(["inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", name]);
    const [state, h] = out.trim().split(" ");
    return state === "running" ? h : state;
}

/** Waits until the image's HEALTHCHECK reports healthy; fails early (with logs) if the container exits. */
export async function waitHealthy(name: string, timeoutMs = 240_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < end) {
        last = await health(name);
        if (last === "healthy") return;
        if (last === "exited" || last === "dead") break;
        await sleep(1000);
    }
    throw new Error(`${name} not healthy (${last}) after ${timeoutMs} ms; logs:\n${await logs(name)}`);
}

/** Retries `check` until it resolves truthy or the time runs out; returns its last value. */
export async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs = 120_000, everyMs = 1000): Promise<T> {
    const end = Date.now() + timeoutMs;
    let lastErr: unknown;
    while (Date.now() < end) {
        try {
            const v = await check();
            if (v) return v;
        } catch (e) {
            lastErr = e;
        }
        await sleep(everyMs);
    }
    throw new Error(`timed out waiting for ${what}: ${lastErr instanceof Error ? lastErr.message : String(lastErr ?? "")}`);
}

/** A TCP port free on 127.0.0.1 right now, for publishing a test container. */
export async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}
