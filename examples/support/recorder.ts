// What a consumer's own unit test needs from pulumi.runtime.setMocks: run a program (or build
// components) and get back every resource registered, with resolved inputs, parent and dependsOn.
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    type: string;
    name: string;
    /** Inputs as the engine receives them, secrets unwrapped. */
    inputs: Record<string, any>;
    /** Top-level inputs that travel as Pulumi secrets. */
    secretInputs: Set<string>;
    parent?: string;
    dependsOn: string[];
}

// Wire form of a secret in the mock monitor: { <sig key>: <secret sig>, value }.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: any) => v !== null && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
const hasSecret = (v: any): boolean => isSecret(v) || (v !== null && typeof v === "object" && Object.values(v).some(hasSecret));
const unwrap = (v: any): any => isSecret(v) ? unwrap(v.value)
    : Array.isArray(v) ? v.map(unwrap)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]))
    : v;

const nameOf = (r: unknown) => (r as { __name?: string }).__name ?? "<unknown>";

/**
 * Runs `program` under mocks for project/stack with the given config (keys `<project>:<key>`) and
 * returns what it registered once registrations stop arriving.
 */
export async function record(project: string, config: Record<string, string>, program: () => void): Promise<Recorded[]> {
    const records = new Map<string, Recorded>();
    const entry = (type: string, name: string) => {
        const key = `${type}::${name}`;
        if (!records.has(key)) records.set(key, { type, name, inputs: {}, secretInputs: new Set(), dependsOn: [] });
        return records.get(key)!;
    };
    pulumi.runtime.setAllConfig(config);
    pulumi.runtime.setMocks({
        newResource(args) {
            const r = entry(args.type, args.name);
            r.inputs = unwrap(args.inputs);
            r.secretInputs = new Set(Object.keys(args.inputs).filter((k) => hasSecret(args.inputs[k])));
            const state: Record<string, any> = { ...r.inputs };
            // Generated passwords (a command reading /dev/urandom) need some stdout.
            if (args.type === "command:local:Command") state.stdout = "mock-stdout";
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    }, project, "test", false);
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            const r = entry(args.type, args.name);
            const deps = args.opts.dependsOn;
            r.dependsOn = (Array.isArray(deps) ? deps : deps ? [deps] : []).map(nameOf);
            r.parent = args.opts.parent ? nameOf(args.opts.parent) : undefined;
            return undefined;
        });
        program();
        return undefined;
    });
    let last = -1;
    for (let stable = 0; stable < 3;) {
        await new Promise((r) => setTimeout(r, 25));
        const n = [...records.values()].filter((r) => Object.keys(r.inputs).length > 0).length;
        stable = n === last ? stable + 1 : 0;
        last = n;
    }
    return [...records.values()];
}

/** Runs the program file afresh (a new module instance per test). */
export function runFile(file: string): () => void {
    return () => {
        delete require.cache[require.resolve(file)];
        require(file);
    };
}

export const ofType = (rs: Recorded[], type: string) => rs.filter((r) => r.type === type);

export function named(rs: Recorded[], name: string): Recorded {
    const r = rs.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}; have ${rs.map((x) => x.name).join(", ")}`);
    return r;
}

export function envOf(r: Recorded): Record<string, string> {
    return Object.fromEntries((r.inputs.envs ?? []).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export const CONTAINER = "docker:index/container:Container";
export const CONNECTOR = "pulumi-nodejs:dynamic/lakehouse:Connector";
