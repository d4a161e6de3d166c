// Records every resource a program or component makes under pulumi.runtime.setMocks: the resolved
// inputs the engine would receive (from the mocks) and the options the SDK was given (from a stack
// transformation), so tests assert on types, names, inputs, parents and dependsOn edges.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    /** Inputs as the engine receives them (outputs resolved, secrets unwrapped). */
    inputs: Record<string, any>;
    /** Inputs as the program passed them (Outputs kept). */
    props: Record<string, any>;
    /** Top-level input names that carry a Pulumi secret anywhere inside, as the engine sees them. */
    secretInputs: Set<string>;
    parent?: string;
    dependsOn: string[];
    provider?: string;
    opts: pulumi.ResourceOptions;
}

/** Password the command-provider mock "generates": tests look for it in plain places. */
export const MOCK_GENERATED = "mock-generated-password";

const state: { records: Map<string, RecordedResource> } = { records: new Map() };

/** What the command-provider mock prints for a key-pair script (components/core/tls.ts): a key PEM, then a certificate PEM. */
export function mockKeyPair(name: string): string {
    return `-----BEGIN PRIVATE KEY-----\nmock-key-of-${name}\n-----END PRIVATE KEY-----\n` +
        `-----BEGIN CERTIFICATE-----\nmock-certificate-of-${name}\n-----END CERTIFICATE-----\n`;
}

function resourceName(r: unknown): string {
    return (r as { __name?: string }).__name ?? "<unknown>";
}

export function setupMocks(config: Record<string, string> = {}, preview = false): void {
    state.records = new Map();
    pulumi.runtime.setAllConfig(config);
    pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const key = `${args.type}::${args.name}`;
            const rec = state.records.get(key);
            const inputs = unwrapSecrets(args.inputs);
            const secretInputs = new Set(Object.keys(args.inputs).filter((k) => containsSecret(args.inputs[k])));
            if (rec) Object.assign(rec, { inputs, secretInputs });
            else state.records.set(key, { type: args.type, name: args.name, inputs, secretInputs, props: {}, dependsOn: [], opts: {} });
            const outputs: Record<string, any> = { ...inputs };
            // The API server gives every object a resourceVersion that changes with its content.
            if (args.type.startsWith("kubernetes:") && inputs.metadata) {
                outputs.metadata = { ...inputs.metadata, resourceVersion: mockResourceVersion(inputs) };
            }
            if (args.type === "command:local:Command" && args.inputs.create?.includes("openssl req")) {
                outputs.stdout = mockKeyPair(args.name);
            } else if (args.type === "command:local:Command" && args.inputs.create?.includes("/dev/urandom")) {
                outputs.stdout = MOCK_GENERATED;
            }
            return { id: `${args.name}-id`, state: outputs };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            return args.inputs;
        },
    }, "lakehouse", "dev", preview);
}

function recordOptions(): void {
        pulumi.runtime.registerStackTransformation((args) => {            const key = `${args.type}::${args.name}`;
            const deps = args.opts.dependsOn;
            const dependsOn = (Array.isArray(deps) ? deps : deps ? [deps] : []).map(resourceName);
            const rec = state.records.get(key) ?? { type: args.type, name: args.name, inputs: {}, secretInputs: new Set<string>(), props: {}, dependsOn: [], opts: {} };
            Object.assign(rec, {
                props: args.props,
                opts: args.opts,
                dependsOn,
                parent: args.opts.parent ? resourceName(args.opts.parent) : undefined,
                provider: args.opts.provider ? resourceName(args.opts.provider) : undefined,
            });
            state.records.set(key, rec);
            return undefined;
        });
}

/** The resourceVersion the mocks give a Kubernetes object: a digest of its inputs, so it changes with them. */
export function mockResourceVersion(inputs: Record<string, any>): string {
    return createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 12);
}

/** Lets the mock monitor finish registering: waits until no new resource appears for a while. */
export async function settle(): Promise<RecordedResource[]> {
    let last = -1;
    let stable = 0;
    while (stable < 3) {
        await new Promise((r) => setTimeout(r, 20));
        const count = [...state.records.values()].filter((r) => Object.keys(r.inputs).length > 0 || r.type.startsWith("lakehouse:")).length;
        stable = count === last ? stable + 1 : 0;
        last = count;
    }
    return [...state.records.values()];
}

export function ofType(records: RecordedResource[], type: string): RecordedResource[] {
    return records.filter((r) => r.type === type);
}

export function named(records: RecordedResource[], name: string): RecordedResource {
    const found = records.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have: ${records.map((r) => r.name).join(", ")}`);
    return found;
}

/** `KEY=VALUE` env list -> object. */
export function envOf(r: RecordedResource): Record<string, string> {
    return Object.fromEntries((r.inputs.envs ?? []).map((e: string) => {
        const i = e.indexOf("=");
        return [e.slice(0, i), e.slice(i + 1)];
    }));
}

export function labelOf(r: RecordedResource, key: string): string | undefined {
    return (r.inputs.labels ?? []).find((l: { label: string }) => l.label === key)?.value;
}

// The mock monitor hands secrets over in their wire form: { <signature key>: <secret sig>, value }.
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function isSecretValue(v: any): boolean {
    return v !== null && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}

function containsSecret(v: any): boolean {
    if (isSecretValue(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v !== null && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

function unwrapSecrets(v: any): any {
    if (isSecretValue(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    return v;
}

/** Whether the engine receives this input of the resource as a secret. */
export function isSecret(r: RecordedResource, input: string): boolean {
    return r.secretInputs.has(input);
}

/** Builds under fresh mocks and returns what was registered. */
export async function construct(build: () => unknown, config: Record<string, string> = {}): Promise<RecordedResource[]> {
    setupMocks(config);
    await pulumi.runtime.runInPulumiStack(async () => {
        recordOptions();
        build();
        return undefined;
    });
    return settle();
}

/**
 * A stack's config as the Pulumi CLI hands it to the program: the project's defaults (Pulumi.yaml
 * `config: <key>: default:`) for the keys the stack file does not set, then the stack file's values.
 */
export function stackConfig(stack: string): Record<string, string> {
    const root = path.resolve(__dirname, "../../..");
    const project: Record<string, { default?: unknown }> = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config ?? {};
    const defaults = Object.entries(project).filter(([, v]) => v && typeof v === "object" && v.default !== undefined).map(([k, v]) => [k, String(v.default)]);
    const file = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"));
    // As the CLI does: a key the project declares without a default must be set by the stack.
    const missing = Object.entries(project).filter(([k, v]) => !(v && typeof v === "object" && v.default !== undefined) && !(k in (file.config ?? {}))).map(([k]) => k);
    if (missing.length > 0) throw new Error(`Stack '${stack}' is missing configuration values ${missing.join(", ")} (declared in Pulumi.yaml without a default)`);
    // Structured values (table lists, policies) reach the program as JSON, as the CLI passes them.
    return { ...Object.fromEntries(defaults), ...Object.fromEntries(Object.entries(file.config ?? {}).map(([k, v]) => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)])) };
}
