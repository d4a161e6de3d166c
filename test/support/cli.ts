// The CLI as users drive it, for the slow suites: commands in the repo with a stack's environment,
// their output kept for the failure message, and the project's containers, networks and volumes by prefix.
import * as assert from "assert";
import { spawn } from "child_process";
import { docker } from "./docker";
import { ROOT } from "./pulumi";

export interface Run { code: number; out: string; timedOut?: boolean }

/**
 * Runs `cmd args` in the repo with `env`; never rejects. With `timeoutMs`, the command and its children
 * (its own process group) are killed when it runs longer, and the result says `timedOut`.
 */
export function sh(env: Record<string, string>, cmd: string, args: string[], timeoutMs?: number): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: ROOT, env, detached: timeoutMs !== undefined });
        let out = "";
        let timedOut = false;
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
            timedOut = true;
            try { process.kill(-child.pid!, "SIGKILL"); } catch { child.kill("SIGKILL"); }
        }, timeoutMs);
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", (e) => (out += `\n${e.message}`));
        child.on("close", (code) => {
            if (timer) clearTimeout(timer);
            resolve({ code: code ?? 1, out, timedOut });
        });
    });
}

/** Runs it, logs its exit code and seconds, and fails with the end of its output unless it exits 0. */
export async function ok(env: Record<string, string>, cmd: string, ...args: string[]): Promise<string> {
    const started = Date.now();
    const r = await sh(env, cmd, args);
    console.log(`      ${cmd} ${args.join(" ")}: exit ${r.code}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.strictEqual(r.code, 0, `${cmd} ${args.join(" ")} failed:\n${r.out.slice(-6000)}`);
    return r.out;
}

/** Names of the containers, networks or volumes whose names start with `prefix`. */
export async function named(prefix: string, kind: "container" | "network" | "volume"): Promise<string[]> {
    const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : [kind, "ls", "--format", "{{.Name}}"];
    return (await docker(args)).split("\n").filter((n) => n.startsWith(prefix));
}
