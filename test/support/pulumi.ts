// The environment scripts/env.sh exports, for tests that drive the real CLI through the Automation API.
import { execFileSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

/** Read by sourcing scripts/env.sh, so tests follow exactly what users get. */
export function envFromEnvSh(): Record<string, string> {
    const out = execFileSync("bash", ["-c", `source "${ROOT}/scripts/env.sh" && env -0`], { encoding: "utf8" });
    const env: Record<string, string> = {};
    for (const entry of out.split("\0")) {
        const i = entry.indexOf("=");
        if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
}

/**
 * A value of `pulumi stack export --show-secrets` as it was set: that export writes each secret as
 * `{ <signature>: ..., plaintext: "<the value as JSON>" }`; anything else is returned as it is.
 */
export function revealedValue(v: unknown): unknown {
    return v !== null && typeof v === "object" && "plaintext" in v ? JSON.parse(String((v as { plaintext: unknown }).plaintext)) : v;
}
