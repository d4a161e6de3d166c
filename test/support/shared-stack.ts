// One dev-shaped lakehouse per mocha process, deployed through the CLI as `make up` drives it: a preview
// with the policy pack (a mandatory violation stops it before anything is created), then `pulumi up`
// with the same pack. The heavy integration suites (CDC end to end, MySQL types, secrets scan, …) run on
// it instead of starting containers of their own; each uses rows and tables of its own.
//
//   const stack = await sharedStack();   // in a before(); memoised, so deployed once per process
//
// The root hook in test/support/shared-stack-hooks.ts (a `require` of .mocharc.all.json and
// .mocharc.integration.json) destroys it after the last suite and removes what is left by its prefix.
// Defaults: stack e2e-shared, name prefix lakehouse-e2e-shared, ports on 127.0.0.3; override with
// LAKEHOUSE_TEST_STACK / LAKEHOUSE_TEST_PREFIX / LAKEHOUSE_TEST_BIND_IP (one process per prefix at a time).
// A deploy that fails rejects every sharedStack() call with the end of the CLI's output (no retry).
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sh } from "./cli";
import { docker, imageExists } from "./docker";
import { ROOT, envFromEnvSh } from "./pulumi";
import { imagesFor } from "../../components/core/versions";

/**
 * The MySQL table of the column-type suite (test/integration/mysql-types.test.ts): one column per type
 * the mirror must carry value for value. The shared stack captures it beside the seed's tables.
 */
export const MYSQL_TYPES_TABLE = {
    schema: "sales", name: "types_it",
    columns: [
        { name: "id", type: "int", notNull: true },
        { name: "c_decimal", type: "decimal(12,3)" },
        { name: "c_datetime", type: "datetime(3)" },
        { name: "c_timestamp", type: "timestamp(6)" },
        { name: "c_date", type: "date" },
        { name: "c_json", type: "json" },
        { name: "c_enum", type: "enum('small','medium','x-large')" },
        { name: "c_tinyint1", type: "tinyint(1)" },
        { name: "c_bit1", type: "bit(1)" },
        { name: "c_bit12", type: "bit(12)" },
        { name: "c_blob", type: "blob" },
    ],
    primaryKey: ["id"],
};

/** The MySQL tables of the shared stack: the seed's two (as written in the seed), then the types table. */
const MYSQL_TABLES = [
    { schema: "sales", name: "orders", primaryKey: ["id"], columns: [
        { name: "id", type: "int", notNull: true }, { name: "customer_id", type: "int" },
        { name: "amount", type: "decimal(10,2)" }, { name: "status", type: "varchar(32)" }] },
    { schema: "hr", name: "employees", primaryKey: ["id"], columns: [
        { name: "id", type: "int", notNull: true }, { name: "name", type: "varchar(128)" }, { name: "department", type: "varchar(64)" }] },
    MYSQL_TYPES_TABLE,
];

export interface SharedStack {
    /** Pulumi stack name. */
    stack: string;
    /** lakehouse:namePrefix: every container, volume and network of the stack starts with it. */
    prefix: string;
    /** lakehouse:bindIp: the loopback address of every published port. */
    bindIp: string;
    /** scripts/env.sh's environment with the stack's own file backend. */
    env: Record<string, string>;
    /** `pulumi stack output --json` after the up (endpoints, verifyTarget, …; no secrets). */
    outputs: Record<string, any>;
    /** The secrets set in the stack's config (random per run), by config key without `lakehouse:`. */
    secrets: Record<string, string>;
    /** What the CLI printed for the deploy's preview and up (the secrets scan searches it). */
    cliOutput: string;
    /** Runs `pulumi <args> --stack <stack> --non-interactive`; fails with the end of its output unless it exits 0. */
    pulumi(...args: string[]): Promise<string>;
    /** The policy pack arguments of the deploy (`--policy-pack ./policies --policy-pack-config <file>`), as `make up` passes them. */
    policyPack: string[];
    /** The pack config file of the deploy, for `make <target> POLICY_CONFIG=<file>`. */
    policyConfig: string;
}

const STACK = process.env.LAKEHOUSE_TEST_STACK || "e2e-shared";
const PREFIX = process.env.LAKEHOUSE_TEST_PREFIX || "lakehouse-e2e-shared";
const BIND_IP = process.env.LAKEHOUSE_TEST_BIND_IP || "127.0.0.3";
/** The longest a preview or up may take before it counts as hung (ms); `make up` took 177 s idle. */
const DEPLOY_TIMEOUT_MS = Number(process.env.LAKEHOUSE_TEST_DEPLOY_TIMEOUT_MS || 2_400_000);

let deployed: Promise<SharedStack> | undefined;
/** Set once a deploy has begun: what the root hook must tear down. */
let state: { env: Record<string, string>; backend: string } | undefined;

/**
 * LAKEHOUSE_TEST_KEEP=1: the stack stays deployed after the run, and its backend directory is printed.
 * LAKEHOUSE_TEST_REUSE=<that directory>: suites run on that stack instead of deploying one (no preview, up
 * or destroy), to iterate on one suite in minutes. `make test` and CI use neither.
 */
const KEEP = process.env.LAKEHOUSE_TEST_KEEP === "1";
const REUSE = process.env.LAKEHOUSE_TEST_REUSE;

/** The shared stack, deployed on the first call of the process. */
export function sharedStack(): Promise<SharedStack> {
    deployed ??= REUSE ? reuse(REUSE) : deploy();
    return deployed;
}

async function reuse(backend: string): Promise<SharedStack> {
    const env = { ...envFromEnvSh(), PULUMI_BACKEND_URL: `file://${backend}` };
    const pulumi = (...args: string[]) => run(env, DEPLOY_TIMEOUT_MS, "pulumi", ...args, "--stack", STACK, "--non-interactive");
    const config = JSON.parse(await pulumi("config", "--show-secrets", "--json")) as Record<string, { value: string; secret: boolean }>;
    const secrets = Object.fromEntries(Object.entries(config).filter(([, v]) => v.secret).map(([k, v]) => [k.replace(/^lakehouse:/, ""), v.value]));
    const policyConfig = path.join(backend, "policy-config.json");
    const pack = ["--policy-pack", "./policies", "--policy-pack-config", policyConfig];
    const outputs = JSON.parse(await pulumi("stack", "output", "--json"));
    return { stack: STACK, prefix: PREFIX, bindIp: BIND_IP, env, outputs, secrets, cliOutput: "", policyPack: pack, policyConfig, pulumi };
}

/** Whether this process has started a shared stack (so the root hook has something to destroy). */
export function sharedStackStarted(): boolean {
    return state !== undefined;
}

async function run(env: Record<string, string>, timeoutMs: number, cmd: string, ...args: string[]): Promise<string> {
    const started = Date.now();
    const r = await sh(env, cmd, args, timeoutMs);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`      [shared stack ${STACK}] ${cmd} ${args.slice(0, 3).join(" ")}: exit ${r.code}, ${secs} s`);
    if (r.code !== 0) {
        const why = r.timedOut ? `killed after ${timeoutMs / 1000} s` : `exit ${r.code}`;
        throw new Error(`shared stack ${STACK}: ${cmd} ${args.join(" ")} failed (${why}):\n${r.out.slice(-6000)}`);
    }
    return r.out;
}

/** Containers, volumes and networks named `prefix` or `prefix-…`. */
export async function leftovers(prefix = PREFIX): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
    const ours = (out: string) => out.split("\n").filter((n) => n === prefix || n.startsWith(`${prefix}-`));
    return {
        containers: ours(await docker(["ps", "-a", "--format", "{{.Names}}"])),
        volumes: ours(await docker(["volume", "ls", "--format", "{{.Name}}"])),
        networks: ours(await docker(["network", "ls", "--format", "{{.Name}}"])),
    };
}

async function removeLeftovers(): Promise<string[]> {
    const left = await leftovers();
    for (const c of left.containers) await docker(["rm", "-f", "-v", c]).catch(() => undefined);
    for (const v of left.volumes) await docker(["volume", "rm", "-f", v]).catch(() => undefined);
    for (const n of left.networks) await docker(["network", "rm", n]).catch(() => undefined);
    return [...left.containers, ...left.volumes, ...left.networks];
}

async function deploy(): Promise<SharedStack> {
    // A missing image fails here, naming it and how to get it, before anything is created.
    const images = imagesFor("local");
    const missing = Object.values(images).filter((i) => !imageExists(i));
    if (missing.length > 0) {
        throw new Error(`shared stack ${STACK}: local images missing: ${missing.join(", ")}; build them with \`make images\` (scripts/images.sh)`);
    }
    // What a run killed before its root hook left behind would collide with the new containers' names.
    const stale = await removeLeftovers();
    if (stale.length > 0) console.log(`      [shared stack ${STACK}] removed leftovers of an earlier run: ${stale.join(", ")}`);

    const backend = fs.mkdtempSync(path.join(os.tmpdir(), `${STACK}-state-`));
    const env = { ...envFromEnvSh(), PULUMI_BACKEND_URL: `file://${backend}` };
    state = { env, backend };
    const pulumi = (...args: string[]) => run(env, DEPLOY_TIMEOUT_MS, "pulumi", ...args, "--stack", STACK, "--non-interactive");

    // The dev stack's policy levels (policies/config/dev.json, as `make up` uses them) with this stack's address allowed.
    const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "policies/config/dev.json"), "utf8"));
    policy["loopback-host-ports"] = { ...policy["loopback-host-ports"], allowedHostIps: [BIND_IP] };
    const policyConfig = path.join(backend, "policy-config.json");
    fs.writeFileSync(policyConfig, JSON.stringify(policy, null, 2));
    const pack = ["--policy-pack", "./policies", "--policy-pack-config", policyConfig];

    // The dev stack's config (Pulumi.dev.yaml) with this stack's prefix, address and passwords of its own.
    await run(env, 120_000, "pulumi", "stack", "init", STACK, "--non-interactive");
    const devConfig = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(/^encryptionsalt:.*$/m, "");
    fs.writeFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), devConfig);
    await pulumi("config", "set", "lakehouse:namePrefix", PREFIX);
    await pulumi("config", "set", "lakehouse:bindIp", BIND_IP);
    // The CDC job's kill points, for test/integration/exactly-once.test.ts (off in every real stack).
    await pulumi("config", "set", "lakehouse:cdcTestHooks", "true");
    // No scheduled maintenance pass while the suites run (the first one, at start, still runs): a pass
    // over every table every 30 min took a core for minutes in the middle of other suites' timings.
    // test/integration/maintenance.test.ts runs the deployed job's passes itself.
    await pulumi("config", "set", "lakehouse:maintenanceIntervalSeconds", "86400");
    await pulumi("config", "set", "lakehouse:mysqlTables", JSON.stringify(MYSQL_TABLES));
    const secrets: Record<string, string> = {};
    for (const key of ["postgresAdminPassword", "postgresCdcPassword", "mysqlRootPassword", "mysqlCdcPassword", "minioRootPassword"]) {
        secrets[key] = `${key.replace(/Password$/, "")}-${crypto.randomBytes(9).toString("base64url")}`;
        await pulumi("config", "set", "--secret", `lakehouse:${key}`, secrets[key]);
    }

    const cliOutput = (await pulumi("preview", ...pack)) + (await pulumi("up", "--yes", ...pack));
    const outputs = JSON.parse(await pulumi("stack", "output", "--json"));
    return {
        stack: STACK, prefix: PREFIX, bindIp: BIND_IP, env, outputs, secrets, cliOutput, policyPack: pack, policyConfig,
        pulumi: (...args: string[]) => run(env, DEPLOY_TIMEOUT_MS, "pulumi", ...args, "--stack", STACK, "--non-interactive"),
    };
}

/**
 * For the suite that destroys the shared stack itself (test/lifecycle: `make destroy`): removes the stack
 * file and the backend, so the root hook has nothing left to do. Later sharedStack() calls fail.
 */
export function sharedStackDestroyed(): void {
    if (!state) return;
    fs.rmSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), { force: true });
    fs.rmSync(state.backend, { recursive: true, force: true });
    state = undefined;
    deployed = Promise.reject(new Error(`shared stack ${STACK}: destroyed by test/lifecycle, the last suite`));
    deployed.catch(() => undefined);
}

/** Destroys the shared stack (if this process started one), then removes anything left with its prefix. */
export async function destroySharedStack(): Promise<void> {
    if (!state) return;
    if (KEEP) {
        console.log(`      [shared stack ${STACK}] kept (LAKEHOUSE_TEST_KEEP=1): LAKEHOUSE_TEST_REUSE=${state.backend}`);
        return;
    }
    const { env, backend } = state;
    state = undefined;
    const destroy = await sh(env, "pulumi", ["destroy", "--yes", "--stack", STACK, "--non-interactive"], 1_200_000);
    console.log(`      [shared stack ${STACK}] pulumi destroy: exit ${destroy.code}`);
    const left = await removeLeftovers();
    if (left.length > 0) console.log(`      [shared stack ${STACK}] removed after destroy: ${left.join(", ")}`);
    fs.rmSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), { force: true });
    fs.rmSync(backend, { recursive: true, force: true });
    // A destroy that fails is a bug users would meet (it hid a stand-in's bucket delete once): the run fails,
    // after the leftovers are gone so that the next run starts clean.
    if (destroy.code !== 0) {
        throw new Error(`shared stack ${STACK}: pulumi destroy failed (exit ${destroy.code}); its containers, volumes and networks were removed by prefix:\n${destroy.out.slice(-3000)}`);
    }
}
