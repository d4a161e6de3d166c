// `make heal` (first half): refreshes the state of the stack's containers from Docker, so that the
// `pulumi up` that follows recreates every container that was removed or stopped by hand. The docker
// provider treats a stopped container as gone (and removes it), like a removed one. Only containers
// are refreshed: a Kafka topic or a MinIO bucket cannot be read while its broker or MinIO is gone,
// and a full `pulumi refresh` would fail on them exactly when a heal is needed.
//   npx ts-node tools/heal.ts [--stack dev]          (needs scripts/env.sh's environment)
import { execFile, spawn } from "child_process";
import { promisify } from "util";

const execFileP = promisify(execFile);
const CONTAINER = "docker:index/container:Container";

/** URNs of the stack's containers, from `pulumi stack export` (the state, no secrets decrypted). */
export function containerUrns(deployment: { deployment?: { resources?: { urn: string; type: string }[] } }): string[] {
    return (deployment.deployment?.resources ?? []).filter((r) => r.type === CONTAINER).map((r) => r.urn);
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const i = args.indexOf("--stack");
    const stack = i >= 0 && args[i + 1] ? args[i + 1] : "dev";
    const { stdout } = await execFileP("pulumi", ["stack", "export", "--stack", stack], { maxBuffer: 256 * 1024 * 1024 });
    const urns = containerUrns(JSON.parse(stdout));
    if (urns.length === 0) {
        console.log(`heal: stack ${stack} has no containers in its state; nothing to refresh`);
        return;
    }
    console.log(`heal: refreshing ${urns.length} containers of stack ${stack} from Docker`);
    const refresh = ["refresh", "--stack", stack, "--yes", "--non-interactive", ...urns.flatMap((u) => ["--target", u])];
    const code = await new Promise<number>((resolve) => {
        spawn("pulumi", refresh, { stdio: "inherit" }).on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
        console.error(`heal: pulumi refresh of the containers failed (exit ${code})`);
        process.exit(code);
    }
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`heal: ${(e as Error).stack ?? e}`);
        process.exit(1);
    });
}
