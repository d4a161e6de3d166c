// Plain facts about the stack's resources, read once from the policy server's arguments. The checks
// take these facts, never the server's objects, so unit tests can build them by hand.

import { DEBEZIUM_CONFIG, K8S_LABELS, LABELS } from "../../components/core/settings";
import { isUnknown, Known, readProp, UNKNOWN } from "./known";

/** Pulumi type tokens of the resources the pack inspects. */
export const RESOURCE_TYPES = {
    container: "docker:index/container:Container",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    topic: "kafka:index/topic:Topic",
    /** Dynamic resources: `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<Type>` when named. */
    dynamic: "pulumi-nodejs:dynamic:Resource",
    /** The kubernetes platform's workloads (their pods are the services) and the Services that name them. */
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
} as const;

/** True for every dynamic-provider resource, whatever module and type name it registers under. */
export function isDynamicType(type: string): boolean {
    return type === RESOURCE_TYPES.dynamic || type.startsWith("pulumi-nodejs:dynamic/");
}

/** The part of a policy resource the pack needs; matches both ResourceValidationArgs and PolicyResource. */
export interface ResourceLike {
    type: string;
    urn: string;
    name: string;
    props: Record<string, unknown>;
}

/** Identifies a resource in messages. */
export interface ResourceRef {
    urn: string;
    name: string;
}

/** A container's environment: known entries by name, and whether some entries are unknown at preview. */
export interface EnvVars {
    values: ReadonlyMap<string, string>;
    /** True when the list, or an entry of it, is unknown: an absent name may then still be set. */
    opaque: boolean;
    /** Names set to a value the pack cannot read (a Kubernetes `valueFrom`: a Secret, a field of the pod). */
    unreadable?: ReadonlySet<string>;
}

export type Lookup<T> = { state: "set"; value: T } | { state: "unset" } | { state: "unknown" };

export interface PortFacts {
    internal: Known<number | undefined>;
    external: Known<number | undefined>;
    ip: Known<string | undefined>;
}

export interface ContainerFacts extends ResourceRef {
    role: Known<string | undefined>;
    /** The label the role was read from (default {@link LABELS.role}; a Kubernetes workload's {@link K8S_LABELS.role}). */
    roleLabel?: string;
    /** How many run: a container 1 (the default), a workload its `spec.replicas`. */
    replicas?: Known<number>;
    component: Known<string | undefined>;
    /** Known DNS names of the container: its `hostname`, `name` and network aliases. */
    hostnames: string[];
    env: EnvVars;
    /** Server arguments; an element (or the whole list) may be unknown. */
    command: Known<Known<string>[]>;
    image: Known<string | undefined>;
    ports: Known<PortFacts[]>;
    /** Files uploaded into the container (`uploads`), by path; a content may be unknown; `opaque` if some path is. */
    files: { contents: Map<string, Known<string>>; opaque: boolean };
}

export interface TopicFacts extends ResourceRef {
    topicName: Known<string | undefined>;
    replicationFactor: Known<unknown>;
    config: Known<Record<string, unknown>>;
}

export interface ConnectorFacts extends ResourceRef {
    connectorName: Known<string | undefined>;
    config: Record<string, unknown>;
    /** Secret half of the config (kept apart by the connector resource); never printed. */
    secretConfig: Known<Record<string, unknown>>;
    /** Secrets the config references through the worker's config providers, by key; never printed. */
    referencedSecrets: Known<Record<string, unknown>>;
}

export interface StackFacts {
    containers: ContainerFacts[];
    topics: TopicFacts[];
    connectors: ConnectorFacts[];
}

function asString(value: unknown): Known<string | undefined> {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    if (value === undefined || value === null) {
        return undefined;
    }
    return String(value);
}

function asNumber(value: unknown): Known<number | undefined> {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    if (value === undefined || value === null || value === "") {
        return undefined;
    }
    return Number(value);
}

function asRecord(value: unknown): Known<Record<string, unknown>> {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asList(value: unknown): Known<unknown[]> {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    return Array.isArray(value) ? value : [];
}

/** Parses Docker's `KEY=VALUE` list; a later entry wins, as in Docker. */
export function parseEnv(value: unknown): EnvVars {
    const list = asList(value);
    if (isUnknown(list)) {
        return { values: new Map(), opaque: true };
    }
    const values = new Map<string, string>();
    let opaque = false;
    for (const entry of list) {
        if (isUnknown(entry) || typeof entry !== "string") {
            opaque = true;
            continue;
        }
        const separator = entry.indexOf("=");
        if (separator > 0) {
            values.set(entry.slice(0, separator), entry.slice(separator + 1));
        }
    }
    return { values, opaque };
}

/** Docker's secrets directory: where MinIO (and Docker itself) put a `*_FILE` name that is not a path. */
const SECRETS_DIR = "/run/secrets";

/**
 * A credential the way the images read it: `KEY` from the environment or, when unset, the content of the
 * file `KEY_FILE` names (an uploaded file; a relative name is under /run/secrets; trailing newlines dropped,
 * as the entrypoints' `$(<file)` does). A `KEY_FILE` naming no uploaded file (mounted some other way) is unknown.
 */
export function lookupCredential(container: Pick<ContainerFacts, "env" | "files">, key: string): Lookup<string> {
    const direct = lookupEnv(container.env, key);
    if (direct.state !== "unset") return direct;
    const fileVar = lookupEnv(container.env, `${key}_FILE`);
    if (fileVar.state !== "set") return fileVar;
    const file = fileVar.value.startsWith("/") ? fileVar.value : `${SECRETS_DIR}/${fileVar.value}`;
    const content = container.files.contents.get(file);
    if (content === undefined || isUnknown(content)) return { state: "unknown" };
    return { state: "set", value: content.replace(/\n+$/, "") };
}

function parseFiles(value: unknown): ContainerFacts["files"] {
    const list = asList(value);
    const contents = new Map<string, Known<string>>();
    if (isUnknown(list)) return { contents, opaque: true };
    let opaque = false;
    for (const entry of list) {
        const record = asRecord(entry);
        if (isUnknown(record) || isUnknown(record.file) || typeof record.file !== "string") {
            opaque = true;
            continue;
        }
        contents.set(record.file, isUnknown(record.content) ? UNKNOWN : String(record.content ?? ""));
    }
    return { contents, opaque };
}

export function lookupEnv(env: EnvVars, key: string): Lookup<string> {
    if (env.unreadable?.has(key)) {
        return { state: "unknown" };
    }
    const value = env.values.get(key);
    if (value !== undefined) {
        return { state: "set", value };
    }
    return env.opaque ? { state: "unknown" } : { state: "unset" };
}

function labelValue(labels: Known<unknown[]>, key: string): Known<string | undefined> {
    if (isUnknown(labels)) {
        return UNKNOWN;
    }
    let sawUnknown = false;
    for (const entry of labels) {
        const record = asRecord(entry);
        if (isUnknown(record) || isUnknown(record.label)) {
            sawUnknown = true;
            continue;
        }
        if (record.label === key) {
            return asString(record.value);
        }
    }
    return sawUnknown ? UNKNOWN : undefined;
}

export function containerFacts(resource: ResourceLike): ContainerFacts {
    const props = resource.props;
    const labels = asList(readProp(props, "labels"));
    const hostnames: string[] = [];
    for (const key of ["hostname", "name"]) {
        const value = asString(readProp(props, key));
        if (typeof value === "string" && value !== "") {
            hostnames.push(value);
        }
    }
    const networks = asList(readProp(props, "networksAdvanced"));
    if (!isUnknown(networks)) {
        for (const network of networks) {
            const record = asRecord(network);
            const aliases = isUnknown(record) ? [] : asList(record.aliases);
            if (!isUnknown(aliases)) {
                hostnames.push(...aliases.filter((alias): alias is string => typeof alias === "string"));
            }
        }
    }
    const command = asList(readProp(props, "command"));
    const ports = asList(readProp(props, "ports"));
    return {
        urn: resource.urn,
        name: resource.name,
        role: labelValue(labels, LABELS.role),
        component: labelValue(labels, LABELS.component),
        hostnames,
        env: parseEnv(readProp(props, "envs")),
        command: isUnknown(command) ? UNKNOWN : command.map((arg) => (isUnknown(arg) ? UNKNOWN : String(arg))),
        image: asString(readProp(props, "image")),
        files: parseFiles(readProp(props, "uploads")),
        ports: isUnknown(ports)
            ? UNKNOWN
            : ports.map((port) => {
                  const record = asRecord(port);
                  if (isUnknown(record)) {
                      return { internal: UNKNOWN, external: UNKNOWN, ip: UNKNOWN };
                  }
                  return { internal: asNumber(record.internal), external: asNumber(record.external), ip: asString(record.ip) };
              }),
    };
}

/**
 * The inputs of every kafka.Topic the resource-level analysis saw in this run of the pack (one analyzer
 * process per preview or update): see {@link recordTopicInputs} and {@link topicProps}.
 */
const topicInputs = new Map<string, Record<string, unknown>>();

/** Records a kafka.Topic's inputs (called by preview-unknowns, which sees every resource's inputs). */
export function recordTopicInputs(resource: ResourceLike): void {
    if (resource.type === RESOURCE_TYPES.topic) topicInputs.set(resource.urn, resource.props);
}

/** Forgets what recordTopicInputs saw (tests). */
export function clearTopicInputs(): void {
    topicInputs.clear();
}

/**
 * A topic's properties for a stack policy. Stack policies get each resource's outputs; at a preview in which
 * the topic's provider has configuration that is still unknown (a kafka provider logging in with a generated
 * password, say), the engine does not call the provider and the topic's outputs are empty. Its inputs are
 * known all the same (the resource-level analysis gets them), so those are used instead. An empty bag with
 * no recorded inputs stays empty (every property reads as not set).
 */
export function topicProps(resource: ResourceLike): Record<string, unknown> {
    if (Object.keys(resource.props ?? {}).length > 0) return resource.props;
    return topicInputs.get(resource.urn) ?? resource.props;
}

export function topicFacts(resource: ResourceLike): TopicFacts {
    const props = topicProps(resource);
    resource = { ...resource, props };
    return {
        urn: resource.urn,
        name: resource.name,
        topicName: asString(readProp(resource.props, "name")),
        replicationFactor: readProp(resource.props, "replicationFactor"),
        config: asRecord(readProp(resource.props, "config")),
    };
}

/**
 * A dynamic resource is a connector when its config names a connector class. A connector whose whole
 * config is unknown cannot be recognised (documented in the README).
 */
export function connectorFacts(resource: ResourceLike): ConnectorFacts | undefined {
    const config = asRecord(readProp(resource.props, "config"));
    if (isUnknown(config) || config[DEBEZIUM_CONFIG.connectorClass] === undefined) {
        return undefined;
    }
    const secretConfig = asRecord(readProp(resource.props, "secretConfig"));
    const referencedSecrets = asRecord(readProp(resource.props, "referencedSecrets"));
    return {
        urn: resource.urn,
        name: resource.name,
        connectorName: asString(readProp(resource.props, "name")),
        config,
        secretConfig,
        referencedSecrets,
    };
}

/** A Kubernetes Service: where it is and the pod labels it selects (undefined when they are unknown). */
interface ServiceFacts {
    name: string;
    namespace: string | undefined;
    selector: Record<string, string>;
}

function serviceFacts(resource: ResourceLike): ServiceFacts | undefined {
    const metadata = asRecord(readProp(resource.props, "metadata"));
    const spec = asRecord(readProp(resource.props, "spec"));
    if (isUnknown(metadata) || isUnknown(spec) || typeof metadata.name !== "string") return undefined;
    const selector = asRecord(spec.selector);
    if (isUnknown(selector) || Object.values(selector).some((v) => typeof v !== "string")) return undefined;
    return { name: metadata.name, namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined, selector: selector as Record<string, string> };
}

/** A pod container's `env` list (`{name, value}` or `{name, valueFrom}`); a later entry wins, as in Kubernetes. */
export function parsePodEnv(value: unknown): EnvVars {
    const list = asList(value);
    if (isUnknown(list)) {
        return { values: new Map(), opaque: true };
    }
    const values = new Map<string, string>();
    const unreadable = new Set<string>();
    let opaque = false;
    for (const entry of list) {
        const record = asRecord(entry);
        if (isUnknown(record) || typeof record.name !== "string" || isUnknown(record.value)) {
            opaque = true;
            continue;
        }
        if (record.valueFrom !== undefined) {
            values.delete(record.name);
            unreadable.add(record.name);
        } else {
            unreadable.delete(record.name);
            values.set(record.name, record.value === undefined || record.value === null ? "" : String(record.value));
        }
    }
    return { values, opaque, unreadable };
}

/**
 * A StatefulSet or Deployment of the kubernetes platform as the pack's container: the role from its pod
 * template's {@link K8S_LABELS.role} label, `replicas` pods, its first container's image, args (Docker's
 * `command`), env and ports, and as hostnames the DNS names of every Service in its namespace whose selector
 * its pods match (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`). Files come from Secrets and
 * ConfigMaps, which the pack does not read: they are opaque.
 */
export function workloadFacts(resource: ResourceLike, services: readonly ServiceFacts[]): ContainerFacts {
    const metadata = asRecord(readProp(resource.props, "metadata"));
    const spec = asRecord(readProp(resource.props, "spec"));
    const template = isUnknown(spec) ? UNKNOWN : asRecord(spec.template);
    const podMetadata = isUnknown(template) ? UNKNOWN : asRecord(template.metadata);
    const labels = isUnknown(podMetadata) ? UNKNOWN : asRecord(podMetadata.labels);
    const podSpec = isUnknown(template) ? UNKNOWN : asRecord(template.spec);
    const containers = isUnknown(podSpec) ? UNKNOWN : asList(podSpec.containers);
    const main = isUnknown(containers) ? UNKNOWN : containers.length > 0 ? asRecord(containers[0]) : {};
    const namespace = isUnknown(metadata) || typeof metadata.namespace !== "string" ? undefined : metadata.namespace;
    const hostnames: string[] = [];
    if (!isUnknown(labels)) {
        for (const svc of services) {
            const selects = Object.entries(svc.selector);
            if (svc.namespace !== namespace || selects.length === 0 || !selects.every(([k, v]) => labels[k] === v)) continue;
            const ns = svc.namespace ?? "default";
            hostnames.push(svc.name, `${svc.name}.${ns}`, `${svc.name}.${ns}.svc`, `${svc.name}.${ns}.svc.cluster.local`);
        }
    }
    const args = isUnknown(main) ? UNKNOWN : asList(main.args);
    const ports = isUnknown(main) ? UNKNOWN : asList(main.ports);
    return {
        urn: resource.urn,
        name: resource.name,
        role: isUnknown(labels) ? UNKNOWN : asString(labels[K8S_LABELS.role]),
        roleLabel: K8S_LABELS.role,
        replicas: isUnknown(spec) || isUnknown(spec.replicas) ? UNKNOWN : spec.replicas === undefined || spec.replicas === null ? 1 : Number(spec.replicas),
        component: undefined,
        hostnames,
        env: isUnknown(main) ? { values: new Map(), opaque: true } : parsePodEnv(main.env),
        command: isUnknown(args) ? UNKNOWN : args.map((arg) => (isUnknown(arg) ? UNKNOWN : String(arg))),
        image: isUnknown(main) ? UNKNOWN : asString(main.image),
        files: { contents: new Map(), opaque: true },
        ports: isUnknown(ports)
            ? UNKNOWN
            : ports.map((port) => {
                  const record = asRecord(port);
                  return isUnknown(record)
                      ? { internal: UNKNOWN, external: undefined, ip: undefined }
                      : { internal: asNumber(record.containerPort), external: undefined, ip: undefined };
              }),
    };
}

export function stackFacts(resources: readonly ResourceLike[]): StackFacts {
    const facts: StackFacts = { containers: [], topics: [], connectors: [] };
    const services = resources.filter((r) => r.type === RESOURCE_TYPES.service).map(serviceFacts)
        .filter((svc): svc is ServiceFacts => svc !== undefined);
    for (const resource of resources) {
        if (resource.type === RESOURCE_TYPES.statefulSet || resource.type === RESOURCE_TYPES.deployment) {
            facts.containers.push(workloadFacts(resource, services));
        } else if (resource.type === RESOURCE_TYPES.container) {
            facts.containers.push(containerFacts(resource));
        } else if (resource.type === RESOURCE_TYPES.topic) {
            facts.topics.push(topicFacts(resource));
        } else if (isDynamicType(resource.type)) {
            const connector = connectorFacts(resource);
            if (connector) {
                facts.connectors.push(connector);
            }
        }
    }
    return facts;
}

/** Containers with the given role label. A container whose role label is unknown is reported apart. */
export function withRole(containers: readonly ContainerFacts[], role: string): ContainerFacts[] {
    return containers.filter((container) => container.role === role);
}
