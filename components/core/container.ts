// Turns a ContainerSpec into a docker.Container (+ its volumes): the one place that knows how the
// lakehouse runs a service on Docker.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "./settings";
import { ContainerSpec, SECRET_FILE_MODE, emptyArgument, fillSecretRefs } from "../specs/types";

export interface ServiceContainerArgs {
    spec: ContainerSpec;
    /** Docker container name; fixed, so replacements delete first. */
    containerName: string;
    /** Name of the stack's docker network. */
    network: pulumi.Input<string>;
    /** Values for spec.secretEnv keys and upload placeholders, as Pulumi secrets. */
    secrets?: Record<string, pulumi.Input<string>>;
    /** Replaces `${PLACEHOLDER}` in uploads with a secret's value: placeholder -> secret key. */
    uploadSecrets?: Record<string, string>;
    /** Name of the component that owns the container, for the lakehouse.component label. */
    component: string;
    /** Keep volumes when the stack is destroyed. */
    keepVolumes: boolean;
    /** Seconds `wait: true` waits for the healthcheck on create. */
    waitTimeoutSeconds: number;
}

export interface ServiceContainer {
    container: docker.Container;
    volumes: docker.Volume[];
}

export function serviceContainer(
    name: string,
    args: ServiceContainerArgs,
    opts: pulumi.CustomResourceOptions & { dependsOn?: pulumi.Resource[] },
): ServiceContainer {
    const { spec } = args;
    const empty = emptyArgument(spec);
    if (empty) {
        throw new pulumi.ResourceError(`${args.containerName}: ${empty} is an empty string, which Docker refuses ` +
            `("values for command may not be empty"); leave the argument out instead`, opts.parent);
    }
    const secrets = args.secrets ?? {};
    const labels = [
        { label: LABELS.role, value: spec.role },
        { label: LABELS.component, value: args.component },
    ];
    const volumes = spec.volumes.map((v) => new docker.Volume(`${name}-${v.role}`, {
        name: `${args.containerName}-${v.role}`,
        labels: [...labels, { label: LABELS.keep, value: String(args.keepVolumes) }],
    }, { parent: opts.parent, retainOnDelete: args.keepVolumes }));

    const plainEnv = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
    const secretEnvEntries = Object.entries(spec.secretEnv);
    const envs: pulumi.Input<string[]> = secretEnvEntries.length === 0
        ? plainEnv
        : pulumi.secret(pulumi.all(secretEnvEntries.map(([env, key]) => pulumi.interpolate`${env}=${requireSecret(secrets, key)}`))
            .apply((secretEnv) => [...plainEnv, ...secretEnv].sort()));

    const uploads: { file: string; content: pulumi.Input<string>; permissions?: string }[] = spec.uploads.map((u) => {
        const placeholders = Object.entries(args.uploadSecrets ?? {}).filter(([p]) => u.content.includes(p));
        const mode = u.permissions === undefined ? {} : { permissions: u.permissions };
        if (placeholders.length === 0) return { file: u.file, content: u.content, ...mode };
        const content = pulumi.all(placeholders.map(([, key]) => requireSecret(secrets, key))).apply((values) =>
            placeholders.reduce((text, [p], i) => text.split(p).join(values[i]), u.content));
        return { file: u.file, content: pulumi.secret(content), ...mode };
    });

    for (const f of spec.secretFiles ?? []) {
        const keys = [...new Set([...f.content.matchAll(/\$\{SECRET:([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];
        if (keys.length === 0) throw new Error(`internal: secret file ${f.file} names no \${SECRET:key}`);
        const content = pulumi.all(keys.map((k) => requireSecret(secrets, k))).apply((values) =>
            fillSecretRefs(f.content, Object.fromEntries(keys.map((k, i) => [k, values[i]]))));
        uploads.push({ file: f.file, content: pulumi.secret(content), permissions: f.permissions ?? SECRET_FILE_MODE });
    }

    const container = new docker.Container(name, {
        name: args.containerName,
        hostname: spec.hostname,
        image: spec.image,
        envs,
        command: spec.command,
        entrypoints: spec.entrypoint,
        labels,
        ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: "tcp" })),
        healthcheck: spec.healthcheck,
        volumes: spec.volumes.map((v, i) => ({ volumeName: volumes[i].name, containerPath: v.containerPath })),
        uploads,
        networksAdvanced: [{ name: args.network, aliases: [spec.hostname] }],
        restart: "unless-stopped",
        wait: true,
        waitTimeout: args.waitTimeoutSeconds,
        mustRun: true,
    }, {
        ...opts,
        // Names and host ports are fixed: the old container must go before its replacement starts.
        deleteBeforeReplace: true,
        dependsOn: [...(opts.dependsOn ?? []), ...volumes],
    });
    return { container, volumes };
}

function requireSecret(secrets: Record<string, pulumi.Input<string>>, key: string): pulumi.Input<string> {
    const value = secrets[key];
    if (value === undefined) throw new Error(`internal: no secret named ${key} was given to serviceContainer`);
    return value;
}
