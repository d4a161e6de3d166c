// The `kubernetes` platform: the same container specs rendered as Kubernetes objects (plain data, no
// Pulumi). Kafka brokers become one StatefulSet, MinIO a one-replica StatefulSet, Connect a Deployment
// of distributed workers, Trino a coordinator and a Deployment of workers. components/kubernetes/ hands
// these objects to @pulumi/kubernetes.
import { createHash } from "crypto";
import * as path from "path";
import { K8S_LABELS } from "../core/settings";
import { CONNECT_PORT, CONNECT_SECRETS_DIR, connectSpec } from "./connect";
import {
    KAFKA_CONTROLLER_PORT, KAFKA_INTERNAL_PORT, KAFKA_MAX_BROKERS, kafkaBrokerSpecs, range, validateBrokerCount,
} from "./kafka";
import { MYSQL_PORT, mySqlSpec } from "./mysql";
import { POSTGRES_PORT, postgresSpec } from "./postgres";
import { MINIO_API_PORT, MINIO_CONSOLE_PORT, minioSpec } from "./storage";
import { CATALOG_PORT, catalogSpec } from "./catalog";
import {
    CatalogConnection, SPARK_HOME, TRINO_CATALOG_DIR, TRINO_ETC_DIR, TRINO_PORT, placeholdersAsSecretRefs, trinoJvmConfig, trinoNodeConfigProperties, trinoSpec,
} from "./engines";
import { CDC_JOB_DIR, CdcJobSpecArgs, cdcJobSpec } from "./cdc-job";
import { ContainerSpec, HealthcheckSpec, SECRETS_DIR, SECRET_FILE_MODE, SecretFileSpec, SpecError } from "./types";

/** The platforms a lakehouse renders to. */
export type Platform = "docker" | "kubernetes";
export const PLATFORMS: readonly Platform[] = ["docker", "kubernetes"];

/** A Kubernetes object as plain data (what `kubectl apply` reads). */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: unknown;
}

/** Label every object of the lakehouse carries, with the component's role as value. */
export const K8S_ROLE_LABEL = K8S_LABELS.role;
/** The pod label a StatefulSet sets to the pod's ordinal (Kubernetes >= 1.28). */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/**
 * Pod template annotation: the `metadata.resourceVersion` of the Secret whose files a workload reads at start
 * (Connect's connector passwords, Trino's catalog file). A change to the Secret changes the template, so the
 * pods roll and the rollout is awaited before what depends on the workload (the Connector) updates; the kubelet
 * alone would refresh the files within a minute, after the connector restarted. No secret material in it.
 */
export const SECRET_REVISION_ANNOTATION = "lakehouse.io/secret-revision";

/**
 * The objects with `annotations` added to the pod template of each Deployment and StatefulSet (others as they
 * are), copied, not changed. Values are whatever the caller renders annotations from (a Pulumi output, say).
 */
export function withPodTemplateAnnotations(objects: KubeObject[], annotations: Record<string, unknown>): KubeObject[] {
    return objects.map((o) => {
        if (o.kind !== "Deployment" && o.kind !== "StatefulSet") return o;
        const spec = o.spec as { template: { metadata?: { annotations?: Record<string, unknown> } } };
        const metadata = spec.template.metadata ?? {};
        return {
            ...o,
            spec: { ...spec, template: { ...spec.template, metadata: { ...metadata, annotations: { ...metadata.annotations, ...annotations } } } },
        };
    });
}

/** Spark's conf directory, where the image's spark-submit reads spark-defaults.conf. */
const SPARK_CONF_DIR = `${SPARK_HOME}/conf`;

/** Parses the Go durations the container specs carry ("5s", "1m0s") into whole seconds. */
export function durationSeconds(d: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
    if (!m || d === "") throw new SpecError("healthcheck", `not a Go duration: ${JSON.stringify(d)}`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * A container's Docker healthcheck as a readiness probe: CMD-SHELL runs through `sh -c`, CMD as is.
 * Docker's start period becomes the initial delay; retries become the failure threshold.
 */
export function readinessProbe(hc: HealthcheckSpec): Record<string, unknown> {
    const [kind, ...rest] = hc.tests;
    let command: string[];
    if (kind === "CMD-SHELL" && rest.length === 1) command = ["sh", "-c", rest[0]];
    else if (kind === "CMD" && rest.length > 0) command = rest;
    else throw new SpecError("healthcheck", `cannot run ${JSON.stringify(hc.tests)} as a probe (CMD or CMD-SHELL only)`);
    return {
        exec: { command },
        periodSeconds: Math.max(1, durationSeconds(hc.interval)),
        timeoutSeconds: Math.max(1, durationSeconds(hc.timeout)),
        failureThreshold: hc.retries,
        initialDelaySeconds: Math.min(durationSeconds(hc.startPeriod), 10),
    };
}

/** An env list: plain values, then secret references, then whatever the caller adds (may use `$(VAR)`). */
function envList(spec: ContainerSpec, secretName: string | undefined, extra: Record<string, unknown>[] = []): Record<string, unknown>[] {
    const secretEnv = Object.entries(spec.secretEnv);
    if (secretEnv.length > 0 && !secretName) throw new SpecError("secretName", `${spec.hostname} has secret variables and no Secret`);
    return [
        ...Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
        ...secretEnv.map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } })),
        ...extra,
    ];
}

/** Name of the pod volume that holds a spec's secret files (SecretFileSpec), projected from its Secret. */
export const SECRET_FILES_VOLUME = "secret-files";

/**
 * The Secret key a spec's secret file comes from: the secret's own key when the file is exactly
 * `${SECRET:<key>}`, else (a template such as an AWS credentials file) the file's name, under which the
 * caller stores the filled-in file (fillSecretRefs).
 */
export function secretFileKey(f: SecretFileSpec): string {
    const single = /^\$\{SECRET:([A-Za-z0-9_]+)\}$/.exec(f.content)?.[1];
    if (single) return single;
    const name = path.posix.basename(f.file);
    if (!/^[-._a-zA-Z0-9]+$/.test(name)) throw new SpecError("secretFiles", `${f.file}: its name is not a Secret key`);
    return name;
}

/**
 * The spec's secret files as one Secret volume mounted on `dir` (/run/secrets unless the service reads its
 * files elsewhere, as Trino its catalogs): each file is one key of the Secret (secretFileKey), with the
 * file's mode. Empty when the spec has none.
 */
export function secretFileVolumes(spec: ContainerSpec, secretName: string | undefined, dir = SECRETS_DIR): { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[] } {
    const files = spec.secretFiles ?? [];
    if (files.length === 0) return { volumes: [], mounts: [] };
    if (!secretName) throw new SpecError("secretName", `${spec.hostname} has secret files and no Secret`);
    const items = files.map((f) => {
        if (path.posix.dirname(f.file) !== dir) throw new SpecError("secretFiles", `${f.file} is not in ${dir}`);
        return { key: secretFileKey(f), path: path.posix.basename(f.file), mode: parseInt(f.permissions ?? SECRET_FILE_MODE, 8) };
    });
    return {
        volumes: [{ name: SECRET_FILES_VOLUME, secret: { secretName, items } }],
        mounts: [{ name: SECRET_FILES_VOLUME, mountPath: dir, readOnly: true }],
    };
}

/** The spec's secret files as the keys of its Secret (secretFileKey) with their templates, to fill with fillSecretRefs. */
function secretTemplates(spec: ContainerSpec): Record<string, string> {
    return Object.fromEntries((spec.secretFiles ?? []).map((f) => [secretFileKey(f), f.content]));
}

/** The pod's container from a spec: Docker's command is Kubernetes' args, its entrypoint the command. */
export function podContainer(spec: ContainerSpec, opts: {
    name: string; ports: { name: string; port: number }[]; secretName?: string;
    extraEnv?: Record<string, unknown>[]; memory?: { request: string; limit: string };
    /** Directory of the spec's secret files (secretFileVolumes). Default: /run/secrets. */
    secretDir?: string;
}): Record<string, unknown> {
    return {
        name: opts.name,
        image: localImageRef(spec.image),
        imagePullPolicy: "IfNotPresent",
        ...(spec.entrypoint ? { command: spec.entrypoint } : {}),
        ...(spec.command ? { args: spec.command } : {}),
        env: envList(spec, opts.secretName, opts.extraEnv),
        ports: opts.ports.map((p) => ({ name: p.name, containerPort: p.port })),
        readinessProbe: readinessProbe(spec.healthcheck),
        volumeMounts: [
            ...spec.volumes.map((v) => ({ name: v.role, mountPath: v.containerPath })),
            ...secretFileVolumes(spec, opts.secretName, opts.secretDir).mounts,
        ],
        ...(opts.memory ? { resources: { requests: { memory: opts.memory.request }, limits: { memory: opts.memory.limit } } } : {}),
    };
}

/**
 * `pulumi-lakehouse/kafka:4.3.1` is what Docker calls it; containerd (the kubelet's runtime) names the
 * same image `docker.io/pulumi-lakehouse/kafka:4.3.1`. Official images are left as they are.
 */
export function localImageRef(image: string): string {
    return image.startsWith("pulumi-lakehouse/") ? `docker.io/${image}` : image;
}

export interface KubeKafkaArgs {
    namespace: string;
    image: string;
    brokerCount: number;
    clusterId: string;
    /** StatefulSet name; brokers are pods `<name>-1` .. `<name>-<brokerCount>`. Default: "kafka". */
    name?: string;
    /** Size of each broker's volume. Default: "1Gi". */
    storage?: string;
    /** Broker JVM heap. Default: "-Xms384m -Xmx384m" (three brokers beside the rest on 24 GiB). */
    heapOpts?: string;
    /**
     * NodePorts of the brokers' external listener (for the kafka provider and clients outside the
     * cluster): broker i is `<its node's address>:<base + i>`. A multiple of 10 from 30000 to 32750, so
     * the advertised port can be spelt from the node id. Default: 30090 (brokers on 30091..).
     */
    externalNodePortBase?: number;
}

/** Container port of the brokers' external listener (reached through a NodePort per broker). */
export const KAFKA_EXTERNAL_PORT = 9094;
export const DEFAULT_KAFKA_NODE_PORT_BASE = 30090;
/** Connect's REST API on every node, for the Connector resource outside the cluster. */
export const DEFAULT_CONNECT_NODE_PORT = 30083;

/** The NodePort base the brokers' external ports derive from, checked. */
export function kafkaNodePortBase(base: number, brokerCount: number): number {
    if (!Number.isInteger(base) || base % 10 !== 0 || base < 30000 || base + brokerCount > 32767 || brokerCount > KAFKA_MAX_BROKERS) {
        throw new SpecError("kafka.externalNodePortBase", `must be a multiple of 10 from 30000 with base + brokerCount within the NodePort range (30000-32767), got ${base}`);
    }
    return base;
}

/** `<address>:<base+1>,...`: the brokers as seen from outside the cluster through their NodePorts. */
export function kubeExternalBootstrap(nodeAddress: string, brokerCount: number, base = DEFAULT_KAFKA_NODE_PORT_BASE): string[] {
    // Any node forwards a NodePort; the broker then advertises its own node's address.
    return range(brokerCount).map((i) => `${nodeAddress}:${kafkaNodePortBase(base, brokerCount) + i}`);
}

/** Headless Service the brokers find one another through (KRaft voters, inter-broker listener). */
export function brokersServiceName(name: string): string {
    return `${name}-brokers`;
}

/** `kafka-1.kafka-brokers:19092,...`: the bootstrap servers of pods in the namespace. */
export function kubeBootstrap(args: { name?: string; brokerCount: number }): string {
    const name = args.name ?? "kafka";
    return range(args.brokerCount).map((i) => `${name}-${i}.${brokersServiceName(name)}:${KAFKA_INTERNAL_PORT}`).join(",");
}

/**
 * Kafka brokers (KRaft, each also a controller) as one StatefulSet whose ordinals start at 1, so pod
 * `kafka-<i>` is node id i as on Docker. The environment is the Docker spec's (internal-topic
 * replication derived from brokerCount); only the per-broker parts come from the pod: node id from the
 * pod-index label, the advertised address from the pod's name. Pods start in parallel (a KRaft quorum
 * needs its voters up together) and spread one per node.
 */
export function kafkaObjects(args: KubeKafkaArgs): KubeObject[] {
    const name = args.name ?? "kafka";
    const headless = brokersServiceName(name);
    validateBrokerCount(args.brokerCount);
    const nodePortBase = kafkaNodePortBase(args.externalNodePortBase ?? DEFAULT_KAFKA_NODE_PORT_BASE, args.brokerCount);
    const [first] = kafkaBrokerSpecs({
        image: args.image, brokerCount: args.brokerCount, clusterId: args.clusterId,
        hostPortBase: 9092, bindIp: "127.0.0.1", hostnamePrefix: name,
    });
    const perBroker = ["KAFKA_NODE_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"];
    const env = Object.fromEntries(Object.entries(first.env).filter(([k]) => !perBroker.includes(k)));
    const spec: ContainerSpec = {
        ...first,
        env: {
            ...env,
            KAFKA_CONTROLLER_QUORUM_VOTERS: range(args.brokerCount)
                .map((i) => `${i}@${name}-${i}.${headless}:${KAFKA_CONTROLLER_PORT}`).join(","),
            KAFKA_LISTENERS: `CONTROLLER://:${KAFKA_CONTROLLER_PORT},PLAINTEXT://:${KAFKA_INTERNAL_PORT},EXTERNAL://:${KAFKA_EXTERNAL_PORT}`,
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT",
            KAFKA_HEAP_OPTS: args.heapOpts ?? "-Xms384m -Xmx384m",
        },
    };
    const labels = { app: name, [K8S_ROLE_LABEL]: first.role };
    const container = podContainer(spec, {
        name: "kafka",
        ports: [{ name: "kafka", port: KAFKA_INTERNAL_PORT }, { name: "controller", port: KAFKA_CONTROLLER_PORT }],
        extraEnv: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "KAFKA_NODE_ID", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${POD_INDEX_LABEL}']` } } },
            { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
            // External: the node's address and the broker's own NodePort, base + node id spelt as digits
            // (base is a multiple of 10, node ids are 1..9).
            { name: "KAFKA_ADVERTISED_LISTENERS", value: `PLAINTEXT://$(POD_NAME).${headless}:${KAFKA_INTERNAL_PORT},EXTERNAL://$(HOST_IP):${nodePortBase / 10}$(KAFKA_NODE_ID)` },
        ],
        memory: { request: "640Mi", limit: "1Gi" },
    });
    // The probe starts a JVM: every 15 s rather than Docker's 5 s, three brokers on two cores.
    container.readinessProbe = { ...(container.readinessProbe as object), periodSeconds: 15, timeoutSeconds: 30 };
    const ports = [{ name: "kafka", port: KAFKA_INTERNAL_PORT }, { name: "controller", port: KAFKA_CONTROLLER_PORT }];
    (container.ports as unknown[]).push({ name: "external", containerPort: KAFKA_EXTERNAL_PORT });
    return [
        {
            apiVersion: "v1", kind: "Service", metadata: { name: headless, namespace: args.namespace, labels },
            // Voters must resolve one another before any is Ready: publish addresses of unready pods.
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: labels, ports },
        },
        {
            apiVersion: "v1", kind: "Service", metadata: { name, namespace: args.namespace, labels },
            spec: { selector: labels, ports: [{ name: "kafka", port: KAFKA_INTERNAL_PORT }] },
        },
        // One NodePort per broker for its external listener, on every node (externalTrafficPolicy Cluster):
        // a client bootstraps through any one node address, then reaches each broker at the address it
        // advertises (its own node's). Local would drop a bootstrap to a broker living on another node.
        ...range(args.brokerCount).map((i): KubeObject => ({
            apiVersion: "v1", kind: "Service", metadata: { name: `${name}-external-${i}`, namespace: args.namespace, labels },
            spec: {
                type: "NodePort",
                selector: { ...labels, "statefulset.kubernetes.io/pod-name": `${name}-${i}` },
                ports: [{ name: "external", port: KAFKA_EXTERNAL_PORT, targetPort: KAFKA_EXTERNAL_PORT, nodePort: nodePortBase + i }],
            },
        })),
        {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: args.namespace, labels },
            spec: {
                serviceName: headless,
                replicas: args.brokerCount,
                ordinals: { start: 1 },
                podManagementPolicy: "Parallel",
                selector: { matchLabels: labels },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
                template: {
                    metadata: { labels },
                    spec: {
                        // Service links would add KAFKA_PORT & co., which the image turns into broker settings.
                        enableServiceLinks: false,
                        // None of these pods talks to the API server: no service-account token in them (least
                        // privilege), and none shadowing a Secret volume on /run/secrets (MinIO's files).
                        automountServiceAccountToken: false,
                        securityContext: { fsGroup: 1000 },
                        terminationGracePeriodSeconds: 30,
                        topologySpreadConstraints: [{
                            maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule",
                            labelSelector: { matchLabels: labels },
                        }],
                        containers: [container],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data" },
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storage ?? "1Gi" } } },
                }],
            },
        },
    ];
}

export interface KubeMinioArgs {
    namespace: string;
    image: string;
    /** Secret holding `rootUser` and `rootPassword`. */
    secretName: string;
    /** Service and StatefulSet name. Default: "minio". */
    name?: string;
    storage?: string;
    /** NodePort of the S3 API, for the minio provider outside the cluster (buckets, users). Default: 30900. */
    nodePort?: number;
}

/** MinIO's S3 API on every node, for the minio provider outside the cluster. */
export const DEFAULT_MINIO_NODE_PORT = 30900;

/**
 * MinIO as a one-replica StatefulSet with its volume, behind a Service on 9000 (S3) and 9001 (console);
 * the S3 port is also published on every node (Service `minio-nodeport`; the console is not).
 */
export function minioObjects(args: KubeMinioArgs): KubeObject[] {
    const name = args.name ?? "minio";
    const spec = minioSpec({ image: args.image, hostname: name, apiHostPort: MINIO_API_PORT, consoleHostPort: MINIO_CONSOLE_PORT, bindIp: "127.0.0.1" });
    return singleReplicaObjects(spec, {
        ...args, name, storage: args.storage ?? "2Gi",
        ports: [{ name: "s3", port: MINIO_API_PORT }, { name: "console", port: MINIO_CONSOLE_PORT }],
        nodePorts: { s3: args.nodePort ?? DEFAULT_MINIO_NODE_PORT },
    });
}

export interface KubeCatalogArgs {
    namespace: string;
    image: string;
    /** Secret holding the catalog's S3 credentials file under key `aws-credentials` (secretFileKey). */
    secretName: string;
    /** MinIO's S3 endpoint inside the namespace, e.g. http://minio:9000. */
    s3Endpoint: string;
    warehouseBucket: string;
    /** Service and StatefulSet name. Default: "iceberg-rest". */
    name?: string;
    storage?: string;
    /** NodePort of the REST API, for clients outside the cluster. Default: 30181. */
    nodePort?: number;
}

/** The Iceberg REST catalog's API on every node. */
export const DEFAULT_CATALOG_NODE_PORT = 30181;

/**
 * The Iceberg REST catalog as a one-replica StatefulSet: the Docker spec (its SQLite database on the
 * volume, S3FileIO on MinIO with the catalog's own key from a credentials file in its Secret).
 */
export function catalogObjects(args: KubeCatalogArgs): KubeObject[] {
    const name = args.name ?? "iceberg-rest";
    return singleReplicaObjects(kubeCatalogSpec(args), {
        ...args, name, ports: [{ name: "rest", port: CATALOG_PORT }], nodePorts: { rest: args.nodePort ?? DEFAULT_CATALOG_NODE_PORT },
    });
}

function kubeCatalogSpec(args: KubeCatalogArgs): ContainerSpec {
    return catalogSpec({
        image: args.image, hostname: args.name ?? "iceberg-rest", s3Endpoint: args.s3Endpoint, warehouseBucket: args.warehouseBucket,
        hostPort: CATALOG_PORT, bindIp: "127.0.0.1",
    });
}

/** The catalog's secret files as the keys of its Secret (secretFileKey) with their templates, to fill with fillSecretRefs. */
export function catalogSecretTemplates(args: KubeCatalogArgs): Record<string, string> {
    return secretTemplates(kubeCatalogSpec(args));
}

export interface KubeConnectArgs {
    namespace: string;
    image: string;
    /** Bootstrap servers inside the namespace (kubeBootstrap). */
    bootstrapServers: string;
    brokerCount: number;
    /** Distributed workers in one group. Default: 2. */
    workers?: number;
    /** Deployment and Service name. Default: "connect". */
    name?: string;
    groupId?: string;
    storageTopicPrefix?: string;
    heapOpts?: string;
    /** Secret whose keys are the connector secret files under /kafka/secrets. Default: "<name>-secrets". */
    secretsName?: string;
    /** NodePort of the REST API. Default: 30083. */
    nodePort?: number;
}

/** The Connect image's user group (kafka, images/connect/Dockerfile). */
export const CONNECT_GID = 1001;

/** The Connect pod volume of connector secret files (the worker's directory config provider reads them). */
export const CONNECTOR_SECRETS_VOLUME = "connector-secrets";

/**
 * Kafka Connect in distributed mode: a Deployment of workers sharing one group and its storage topics
 * (replication derived from brokerCount, as on Docker), each advertising its own pod address so that
 * requests forwarded to the group's leader reach it.
 */
export function connectObjects(args: KubeConnectArgs): KubeObject[] {
    const name = args.name ?? "connect";
    const workers = args.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new SpecError("connect.workers", `must be a whole number >= 1, got ${workers}`);
    const spec = connectSpec({
        image: args.image, hostname: name, bootstrapServers: args.bootstrapServers, brokerCount: args.brokerCount,
        groupId: args.groupId ?? "lakehouse-connect", storageTopicPrefix: args.storageTopicPrefix ?? "lakehouse_connect",
        hostPort: CONNECT_PORT, bindIp: "127.0.0.1",
    });
    const { ADVERTISED_HOST_NAME: _shared, ...env } = spec.env;
    const labels = { app: name, [K8S_ROLE_LABEL]: spec.role };
    // The worker's directory config provider must find its directory at start-up ("Path /kafka/secrets
    // does not exist" stops it otherwise): the Secret of connector passwords, empty until a connector has one.
    const secretsName = args.secretsName ?? `${name}-secrets`;
    const container = podContainer({ ...spec, env: { ...env, HEAP_OPTS: args.heapOpts ?? "-Xms256m -Xmx512m" } }, {
        name: "connect", ports: [{ name: "rest", port: CONNECT_PORT }],
        extraEnv: [{ name: "ADVERTISED_HOST_NAME", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
        memory: { request: "512Mi", limit: "1Gi" },
    });
    container.volumeMounts = [...(container.volumeMounts as unknown[]), { name: CONNECTOR_SECRETS_VOLUME, mountPath: CONNECT_SECRETS_DIR, readOnly: true }];
    return [
        {
            apiVersion: "v1", kind: "Service", metadata: { name, namespace: args.namespace, labels },
            // A NodePort too: the Connector resource runs outside the cluster.
            spec: { type: "NodePort", selector: labels, ports: [{ name: "rest", port: CONNECT_PORT, nodePort: args.nodePort ?? DEFAULT_CONNECT_NODE_PORT }] },
        },
        {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: args.namespace, labels },
            spec: {
                replicas: workers, selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        enableServiceLinks: false,
                        // None of these pods talks to the API server: no service-account token in them (least
                        // privilege), and none shadowing a Secret volume on /run/secrets (MinIO's files).
                        automountServiceAccountToken: false,
                        topologySpreadConstraints: [{
                            maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: labels },
                        }],
                        containers: [container],
                        // Readable by the worker's group (kafka, gid 1001) only, not by everyone as 0444 on Docker.
                        securityContext: { fsGroup: CONNECT_GID },
                        volumes: [{ name: CONNECTOR_SECRETS_VOLUME, secret: { secretName: secretsName, optional: true, defaultMode: 0o440 } }],
                    },
                },
            },
        },
    ];
}

export interface KubeDatabaseArgs {
    namespace: string;
    image: string;
    /** Secret holding the spec's secret files' values (the superuser's password). */
    secretName: string;
    /** Service and StatefulSet name; the pod is `<name>-0`. */
    name?: string;
    storage?: string;
}

export interface KubePostgresArgs extends KubeDatabaseArgs {
    database: string;
    adminUser: string;
    maxReplicationSlots?: number;
    maxWalSenders?: number;
}

export interface KubeMySqlArgs extends KubeDatabaseArgs {
    /** Databases to create; the first is MYSQL_DATABASE. */
    databases: string[];
    /** The server's own id (the connector's must differ). Default: 1. */
    serverId?: number;
}

/** A port in Kubernetes' default NodePort range. */
function requireNodePort(field: string, nodePort: number): number {
    if (!Number.isInteger(nodePort) || nodePort < 30000 || nodePort > 32767) throw new SpecError(field, `must be in the NodePort range 30000-32767, got ${nodePort}`);
    return nodePort;
}

/**
 * A one-replica StatefulSet from a Docker spec (server settings as args, passwords as root-only files from
 * the Secret, its volume, no service-account token), behind a Service of the same name: MinIO and the
 * source databases (whose Service connectors use as database.hostname).
 */
function singleReplicaObjects(spec: ContainerSpec, args: KubeDatabaseArgs & {
    name: string; ports: { name: string; port: number }[]; extraEnv?: Record<string, unknown>[];
    /** Ports also published on every node (by port name): the Service is then a NodePort one. */
    nodePorts?: Record<string, number>;
}): KubeObject[] {
    const labels = { app: args.name, [K8S_ROLE_LABEL]: spec.role };
    const ports = args.ports;
    const container = podContainer(spec, { name: spec.role, ports, secretName: args.secretName, extraEnv: args.extraEnv, memory: { request: "256Mi", limit: "1Gi" } });
    const nodePorts = args.nodePorts ?? {};
    for (const [port, nodePort] of Object.entries(nodePorts)) {
        if (!ports.some((p) => p.name === port)) throw new SpecError(`${args.name}.nodePorts`, `names no port ${port}`);
        requireNodePort(`${args.name}.nodePort`, nodePort);
    }
    // The published ports in a Service of their own: the in-cluster one stays as it was, and a port not
    // named (MinIO's console) gets no node port.
    const published: KubeObject[] = Object.keys(nodePorts).length === 0 ? [] : [{
        apiVersion: "v1", kind: "Service", metadata: { name: `${args.name}-nodeport`, namespace: args.namespace, labels },
        spec: { type: "NodePort", selector: labels, ports: ports.filter((p) => nodePorts[p.name]).map((p) => ({ ...p, nodePort: nodePorts[p.name] })) },
    }];
    return [
        { apiVersion: "v1", kind: "Service", metadata: { name: args.name, namespace: args.namespace, labels }, spec: { selector: labels, ports } },
        ...published,
        {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: args.name, namespace: args.namespace, labels },
            spec: {
                serviceName: args.name, replicas: 1, selector: { matchLabels: labels },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
                template: {
                    metadata: { labels },
                    spec: {
                        enableServiceLinks: false,
                        automountServiceAccountToken: false,
                        containers: [container],
                        volumes: secretFileVolumes(spec, args.secretName).volumes,
                    },
                },
                volumeClaimTemplates: spec.volumes.map((v) => ({
                    metadata: { name: v.role },
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storage ?? "1Gi" } } },
                })),
            },
        },
    ];
}

/** The Postgres source (wal_level=logical) on the cluster; see singleReplicaObjects. */
export function postgresObjects(args: KubePostgresArgs): KubeObject[] {
    const name = args.name ?? "postgres";
    const spec = postgresSpec({
        image: args.image, hostname: name, database: args.database, adminUser: args.adminUser, hostPort: POSTGRES_PORT,
        bindIp: "127.0.0.1", maxReplicationSlots: args.maxReplicationSlots ?? 10, maxWalSenders: args.maxWalSenders ?? 10,
    });
    // initdb wants an empty directory: the volume's root holds lost+found on some provisioners.
    return singleReplicaObjects(spec, { ...args, name, ports: [{ name: spec.role, port: POSTGRES_PORT }], extraEnv: [{ name: "PGDATA", value: `${spec.volumes[0].containerPath}/pgdata` }] });
}

/** The MySQL source (row binlog, full row images, its server id) on the cluster; see singleReplicaObjects. */
export function mySqlObjects(args: KubeMySqlArgs): KubeObject[] {
    const name = args.name ?? "mysql";
    const spec = mySqlSpec({ image: args.image, hostname: name, databases: args.databases, serverId: args.serverId ?? 1, hostPort: MYSQL_PORT, bindIp: "127.0.0.1" });
    return singleReplicaObjects(spec, { ...args, name, ports: [{ name: spec.role, port: MYSQL_PORT }] });
}

export interface KubeTrinoArgs {
    namespace: string;
    image: string;
    /** Secret holding the Iceberg catalog file under key `<catalogName>.properties` (trinoSecretTemplates), filled by the component. */
    secretName: string;
    /** The Iceberg REST catalog and MinIO as the pods reach them (names in the namespace). */
    catalog: CatalogConnection;
    /** Workers; the coordinator runs no tasks. Default: 2. */
    workers?: number;
    /** The coordinator's Deployment and Service; the workers' Deployment is `<name>-worker`, the ConfigMap `<name>-config`. Default: "trino". */
    name?: string;
    /** JVM heap of each node (coordinator and workers). Default: "640M". */
    maxHeap?: string;
    /** NodePort of the coordinator's HTTP API, for clients outside the cluster. Default: 30808. */
    nodePort?: number;
}

/** Trino's HTTP API (the coordinator's) on every node. */
export const DEFAULT_TRINO_NODE_PORT = 30808;
/** The Trino image's user group (trino, images/trino/Dockerfile and trinodb/trino). */
export const TRINO_GID = 1000;
/** Pod template annotation: the hash of the node config files, so that a change rolls the pods (subPath mounts are not refreshed). */
export const CONFIG_HASH_ANNOTATION = "lakehouse.io/config-sha256";

/**
 * The Docker spec with its catalog file (the S3 key in it) turned into a secret file: one key of the pod's
 * Secret, readable by the image's group only (0440 with fsGroup), mounted over the catalog directory.
 */
function kubeTrinoSpec(args: KubeTrinoArgs): ContainerSpec {
    const spec = trinoSpec({ image: args.image, hostname: args.name ?? "trino", catalog: args.catalog, hostPort: TRINO_PORT, bindIp: "127.0.0.1" });
    const other = spec.uploads.find((u) => path.posix.dirname(u.file) !== TRINO_CATALOG_DIR);
    if (other) throw new SpecError("trino.uploads", `${other.file}: only catalog files have a Kubernetes rendering`);
    return {
        ...spec,
        uploads: [],
        secretFiles: spec.uploads.map((u) => ({ file: u.file, content: placeholdersAsSecretRefs(u.content), permissions: "0440" })),
    };
}

/** Trino's catalog files as the keys of its Secret (secretFileKey) with their templates, to fill with fillSecretRefs. */
export function trinoSecretTemplates(args: KubeTrinoArgs): Record<string, string> {
    return secretTemplates(kubeTrinoSpec(args));
}

/**
 * Trino as a cluster: a coordinator (one pod, scheduling no tasks on itself) behind Service `<name>`, which
 * is also the discovery URI every node announces itself to, and a Deployment of workers. Both run the Docker
 * spec's image and catalog file; the image reads /etc/trino, so config.properties (coordinator or worker)
 * and jvm.config (a small heap) are files of a ConfigMap mounted over the image's, and the catalog file, which
 * holds the S3 key, comes from the Secret. The image's node.properties (node.id is the pod's hostname, set by
 * its run-trino) and log.properties stay. The coordinator's HTTP API is also on a NodePort.
 */
export function trinoObjects(args: KubeTrinoArgs): KubeObject[] {
    const name = args.name ?? "trino";
    const workers = args.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new SpecError("trino.workers", `must be a whole number >= 1 (the coordinator runs no tasks), got ${workers}`);
    const nodePort = requireNodePort("trino.nodePort", args.nodePort ?? DEFAULT_TRINO_NODE_PORT);
    const spec = kubeTrinoSpec(args);
    const configName = `${name}-config`;
    const discoveryUri = `http://${name}:${TRINO_PORT}`;
    const files: Record<string, string> = {
        "coordinator.properties": trinoNodeConfigProperties({ coordinator: true, discoveryUri }),
        "worker.properties": trinoNodeConfigProperties({ coordinator: false, discoveryUri }),
        "jvm.config": trinoJvmConfig(args.maxHeap ?? "640M"),
    };
    const configHash = createHash("sha256").update(JSON.stringify(files)).digest("hex");
    const coordinatorLabels = { app: name, [K8S_ROLE_LABEL]: spec.role };
    const ports = [{ name: "http", port: TRINO_PORT }];

    const node = (kind: "coordinator" | "worker"): KubeObject => {
        const deployment = kind === "coordinator" ? name : `${name}-worker`;
        const labels = { app: deployment, [K8S_ROLE_LABEL]: spec.role };
        const container = podContainer(spec, {
            name: "trino", ports, secretName: args.secretName, secretDir: TRINO_CATALOG_DIR, memory: { request: "768Mi", limit: "1536Mi" },
        });
        // Single files over the image's, so the rest of /etc/trino (node.properties, the catalog directory) stays.
        container.volumeMounts = [...(container.volumeMounts as unknown[]),
            ...["config.properties", "jvm.config"].map((file) => ({ name: "config", mountPath: `${TRINO_ETC_DIR}/${file}`, subPath: file, readOnly: true }))];
        return {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: deployment, namespace: args.namespace, labels },
            spec: {
                replicas: kind === "coordinator" ? 1 : workers,
                selector: { matchLabels: labels },
                // Never two coordinators, each with workers announcing to it.
                ...(kind === "coordinator" ? { strategy: { type: "Recreate" } } : {}),
                template: {
                    metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash } },
                    spec: {
                        enableServiceLinks: false,
                        automountServiceAccountToken: false,
                        // The catalog file is 0440: readable by the image's group (trino), nobody else.
                        securityContext: { fsGroup: TRINO_GID },
                        ...(kind === "worker" ? {
                            topologySpreadConstraints: [{
                                maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels },
                            }],
                        } : {}),
                        containers: [container],
                        volumes: [
                            {
                                name: "config",
                                configMap: { name: configName, items: [{ key: `${kind}.properties`, path: "config.properties" }, { key: "jvm.config", path: "jvm.config" }] },
                            },
                            ...secretFileVolumes(spec, args.secretName, TRINO_CATALOG_DIR).volumes,
                        ],
                    },
                },
            },
        };
    };

    return [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: configName, namespace: args.namespace, labels: coordinatorLabels }, data: files },
        { apiVersion: "v1", kind: "Service", metadata: { name, namespace: args.namespace, labels: coordinatorLabels }, spec: { selector: coordinatorLabels, ports } },
        {
            apiVersion: "v1", kind: "Service", metadata: { name: `${name}-nodeport`, namespace: args.namespace, labels: coordinatorLabels },
            spec: { type: "NodePort", selector: coordinatorLabels, ports: ports.map((p) => ({ ...p, nodePort })) },
        },
        node("coordinator"),
        node("worker"),
    ];
}

export interface KubeCdcJobArgs {
    namespace: string;
    /** The Spark image (its distribution carries spark-kubernetes and the fabric8 client), for the driver and the executors. */
    image: string;
    /** Secret holding spark-defaults.conf (cdcJobSecretTemplates), filled in with the job's MinIO key by the component. */
    secretName: string;
    /**
     * The Docker job's settings (topics, keys, catalog, checkpoint; packages for an image without the jars, which
     * the driver resolves and serves to its executors); master and the Kubernetes settings are set here.
     */
    job: Omit<CdcJobSpecArgs, "image" | "hostname" | "master" | "submitArgs">;
    /** Spark executors the driver asks the API server for. Default: 2. */
    executors?: number;
    /** Memory of each executor's JVM (spark.executor.memory). Default: "512m". */
    executorMemory?: string;
    /** Deployment, ServiceAccount, Role and ConfigMap name. Default: "cdc-mirror". */
    name?: string;
}

/** The API server as pods reach it: spark-submit's master for Spark's own Kubernetes scheduler. */
export const KUBERNETES_SPARK_MASTER = "k8s://https://kubernetes.default.svc";
/** Where a pod finds its service-account token and the cluster's CA (the kubelet's projected volume). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The Spark image's user and group (spark, 185, as apache/spark). */
export const SPARK_UID = 185;
/** The driver's RPC and block-manager ports, fixed so executors reach them on the driver pod's address. */
export const SPARK_DRIVER_PORTS = { driver: 7078, blockManager: 7079 } as const;
/** The executors' pod template inside the driver pod (a key of the job's ConfigMap). */
const EXECUTOR_POD_TEMPLATE = "executor-pod.json";

/**
 * spark-submit's Kubernetes settings, on the command line (nothing secret in them): client mode from a driver
 * pod whose service account may create the executor pods; executors on the same image, owned by the driver
 * pod (deleted with it), no executor ConfigMap (nothing of the conf directory leaves the Secret), a pod
 * template without a service-account token.
 */
function kubeCdcSubmitArgs(args: KubeCdcJobArgs, name: string): string[] {
    const executors = args.executors ?? 2;
    if (!Number.isInteger(executors) || executors < 1) throw new SpecError("cdcJob.executors", `must be a whole number >= 1, got ${executors}`);
    const executorMemory = args.executorMemory ?? "512m";
    if (!/^\d+[mg]$/.test(executorMemory)) throw new SpecError("cdcJob.executorMemory", `must look like 512m or 1g, got ${JSON.stringify(executorMemory)}`);
    const conf: Record<string, string> = {
        "spark.kubernetes.namespace": args.namespace,
        "spark.kubernetes.container.image": localImageRef(args.image),
        "spark.kubernetes.container.image.pullPolicy": "IfNotPresent",
        "spark.kubernetes.authenticate.caCertFile": `${SERVICE_ACCOUNT_DIR}/ca.crt`,
        "spark.kubernetes.authenticate.oauthTokenFile": `${SERVICE_ACCOUNT_DIR}/token`,
        // Executors are owned by the driver pod: a rollout or a destroy takes them with it.
        "spark.kubernetes.driver.pod.name": "$(POD_NAME)",
        "spark.kubernetes.executor.podNamePrefix": name,
        "spark.kubernetes.executor.disableConfigMap": "true",
        "spark.kubernetes.executor.podTemplateFile": `${CDC_JOB_DIR}/${EXECUTOR_POD_TEMPLATE}`,
        "spark.kubernetes.executor.request.cores": "250m",
        "spark.executor.instances": String(executors),
        "spark.executor.cores": "1",
        "spark.executor.memory": executorMemory,
        "spark.driver.host": "$(POD_IP)",
        "spark.driver.bindAddress": "0.0.0.0",
        "spark.driver.port": String(SPARK_DRIVER_PORTS.driver),
        "spark.driver.blockManager.port": String(SPARK_DRIVER_PORTS.blockManager),
    };
    return ["--deploy-mode", "client", ...Object.entries(conf).flatMap(([k, v]) => ["--conf", `${k}=${v}`])];
}

/**
 * The Docker job's spec with Spark's Kubernetes scheduler as master; its spark-defaults.conf (the S3 key in
 * it) a secret file of the pod's Secret over the conf directory, readable by the spark group only; the job
 * files stay uploads (the component puts them in a ConfigMap: code, no secret).
 */
function kubeCdcJobSpec(args: KubeCdcJobArgs): ContainerSpec {
    const name = args.name ?? "cdc-mirror";
    const spec = cdcJobSpec({
        ...args.job, image: args.image, hostname: name, master: KUBERNETES_SPARK_MASTER, submitArgs: kubeCdcSubmitArgs(args, name),
    });
    const conf = spec.uploads.filter((u) => path.posix.dirname(u.file) === SPARK_CONF_DIR);
    return {
        ...spec,
        uploads: spec.uploads.filter((u) => !conf.includes(u)),
        secretFiles: conf.map((u) => ({ file: u.file, content: placeholdersAsSecretRefs(u.content), permissions: "0440" })),
    };
}

/** The job's spark-defaults.conf as the key of its Secret (secretFileKey) with its template, to fill with fillSecretRefs. */
export function cdcJobSecretTemplates(args: KubeCdcJobArgs): Record<string, string> {
    return secretTemplates(kubeCdcJobSpec(args));
}

/**
 * The CDC mirror job on Spark's own Kubernetes scheduler: a ServiceAccount with a Role to create, watch and
 * delete pods in the namespace (and nothing else), the driver as a one-replica Deployment (Recreate: never two
 * drivers on one checkpoint) running spark-submit in client mode, which asks the API server for `executors`
 * executor pods on the same image. The job files and the executors' pod template are a ConfigMap; the
 * spark-defaults.conf with the job's S3 key is the Secret's, mounted over /opt/spark/conf. Ready while the
 * streaming query writes its heartbeat, as on Docker.
 */
export function cdcJobObjects(args: KubeCdcJobArgs): KubeObject[] {
    const name = args.name ?? "cdc-mirror";
    const spec = kubeCdcJobSpec(args);
    const labels = { app: name, [K8S_ROLE_LABEL]: spec.role };
    const files = Object.fromEntries(spec.uploads.map((u) => {
        if (path.posix.dirname(u.file) !== CDC_JOB_DIR) throw new SpecError("cdcJob.uploads", `${u.file}: only job files have a Kubernetes rendering`);
        return [path.posix.basename(u.file), u.content];
    }));
    // Executors talk to the driver only, never to the API server.
    files[EXECUTOR_POD_TEMPLATE] = JSON.stringify({
        apiVersion: "v1", kind: "Pod", metadata: { labels: { [K8S_ROLE_LABEL]: spec.role } },
        spec: { automountServiceAccountToken: false, enableServiceLinks: false },
    });
    const container = podContainer(spec, {
        name: "driver", ports: [{ name: "driver", port: SPARK_DRIVER_PORTS.driver }, { name: "block-manager", port: SPARK_DRIVER_PORTS.blockManager }],
        secretName: args.secretName, secretDir: SPARK_CONF_DIR, memory: { request: "1Gi", limit: "2Gi" },
        extraEnv: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
    });
    container.volumeMounts = [...(container.volumeMounts as unknown[]), { name: "job-files", mountPath: CDC_JOB_DIR, readOnly: true }];
    // The heartbeat comes once Spark, the executors and the first batch are up: give it minutes, as on Docker.
    container.readinessProbe = { ...(container.readinessProbe as object), initialDelaySeconds: 30 };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: args.namespace, labels } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace: args.namespace, labels },
            rules: [
                { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "delete", "deletecollection", "patch"] },
                // Spark looks for executor claims to reuse (none here), and on stop deletes the app's Services and
                // claims by label: refused, it logs a 403 per kind at every stop (seen on the cluster).
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "deletecollection"] },
                { apiGroups: [""], resources: ["services"], verbs: ["deletecollection"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name, namespace: args.namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name, namespace: args.namespace }],
        },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-jobs`, namespace: args.namespace, labels }, data: files },
        {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: args.namespace, labels },
            spec: {
                replicas: 1, selector: { matchLabels: labels }, strategy: { type: "Recreate" },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: name,
                        // The one pod that talks to the API server: spark-submit's scheduler creates the executors.
                        automountServiceAccountToken: true,
                        enableServiceLinks: false,
                        securityContext: { fsGroup: SPARK_UID },
                        containers: [container],
                        volumes: [
                            { name: "job-files", configMap: { name: `${name}-jobs` } },
                            ...secretFileVolumes(spec, args.secretName, SPARK_CONF_DIR).volumes,
                        ],
                    },
                },
            },
        },
    ];
}
