// Fake policy-server arguments for the pack's policies: stacks shaped like the lakehouse's
// resources (the components' contract), wrapped the way the server wraps them, without a server.

import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { CONNECTOR_CLASSES, LABELS, ROLES } from "../../../components/core/settings";

// The server's own proxy: reading an unknown value through it throws, exactly as during preview.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const serverProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(props: T): T;
    unknownStringValue: string;
    unknownArrayValue: string;
    unknownNumberValue: string;
    unknownObjectValue: string;
};

/** A string the engine cannot know during preview (the wire sentinel). */
export const UNKNOWN_STRING = serverProxy.unknownStringValue;
export const UNKNOWN_ARRAY = serverProxy.unknownArrayValue;
export const UNKNOWN_NUMBER = serverProxy.unknownNumberValue;
export const UNKNOWN_OBJECT = serverProxy.unknownObjectValue;

export const STACK = "dev";
export const PROJECT = "lakehouse";

export interface FakeResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

export const TYPES = {
    container: "docker:index/container:Container",
    topic: "kafka:index/topic:Topic",
    connector: "pulumi-nodejs:dynamic/lakehouse:Connector",
    remoteImage: "docker:index/remoteImage:RemoteImage",
} as const;

function resource(type: string, name: string, props: Record<string, unknown>): FakeResource {
    return { type, name, urn: urnOf(type, name), props };
}

export interface ContainerOptions {
    envs?: unknown;
    command?: unknown;
    image?: unknown;
    ports?: unknown;
    hostname?: string;
    /** The docker provider's `uploads` ({ file, content, permissions }). */
    uploads?: unknown;
}

export function container(name: string, role: string, options: ContainerOptions = {}): FakeResource {
    const hostname = options.hostname ?? name;
    return resource(TYPES.container, `lakehouse-${name}`, {
        name: hostname,
        hostname,
        image: options.image ?? "example/service:1.0.0",
        envs: options.envs ?? [],
        command: options.command ?? [],
        labels: [
            { label: LABELS.role, value: role },
            { label: LABELS.component, value: "lakehouse" },
        ],
        ports: options.ports ?? [],
        networksAdvanced: [{ name: "lakehouse", aliases: [hostname] }],
        ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
    });
}

/** Internal-topic replication for a broker count, as the Kafka spec derives it. */
export function internalTopicEnv(brokers: number): Record<string, string> {
    const rf = String(Math.min(3, brokers));
    const isr = String(Math.max(1, Math.min(3, brokers) - 1));
    return {
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: rf,
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: rf,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: isr,
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: rf,
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: isr,
        KAFKA_DEFAULT_REPLICATION_FACTOR: rf,
        KAFKA_MIN_INSYNC_REPLICAS: isr,
    };
}

export function envList(env: Record<string, string>): string[] {
    return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

export function broker(index: number, env: Record<string, string>): FakeResource {
    return container(`kafka-${index}`, ROLES.kafkaBroker, {
        image: "apache/kafka:4.1.1",
        envs: envList({ KAFKA_NODE_ID: String(index), KAFKA_PROCESS_ROLES: "broker,controller", ...env }),
        ports: [{ internal: 9091 + index, external: 9091 + index, ip: "127.0.0.1", protocol: "tcp" }],
    });
}

export function connectWorker(env: Record<string, string>): FakeResource {
    return container("connect", ROLES.connect, {
        image: "quay.io/debezium/connect:3.3.1.Final",
        envs: envList({
            BOOTSTRAP_SERVERS: "kafka-1:19092",
            GROUP_ID: "lakehouse",
            CONFIG_STORAGE_TOPIC: "connect_configs",
            OFFSET_STORAGE_TOPIC: "connect_offsets",
            STATUS_STORAGE_TOPIC: "connect_statuses",
            ...env,
        }),
        ports: [{ internal: 8083, external: 8083, ip: "127.0.0.1", protocol: "tcp" }],
    });
}

export function connectStorageEnv(rf: number): Record<string, string> {
    return {
        CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: String(rf),
        CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: String(rf),
        CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: String(rf),
    };
}

export function postgres(command?: string[], envs?: unknown, uploads?: unknown): FakeResource {
    return container("db-postgres", ROLES.postgres, {
        uploads,
        image: "postgres:17.6",
        hostname: "db-postgres",
        envs: envs ?? ["POSTGRES_USER=lakehouse", "POSTGRES_DB=customer_db", "POSTGRES_PASSWORD=s3cr3t-from-config"],
        command: command ?? ["postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10"],
        ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1", protocol: "tcp" }],
    });
}

export function mysql(command?: string[]): FakeResource {
    return container("db-mysql", ROLES.mysql, {
        image: "mysql:8.4.6",
        hostname: "db-mysql",
        envs: ["MYSQL_DATABASE=sales", "MYSQL_ROOT_PASSWORD=s3cr3t-from-config"],
        command: command ?? ["--server-id=1", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"],
        ports: [{ internal: 3306, external: 3306, ip: "127.0.0.1", protocol: "tcp" }],
    });
}

export function minio(envs?: unknown, uploads?: unknown): FakeResource {
    return container("minio", ROLES.minio, {
        uploads,
        image: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
        envs: envs ?? ["MINIO_ROOT_USER=lakehouse", "MINIO_ROOT_PASSWORD=generated-0123456789abcdef"],
        command: ["server", "/data", "--console-address", ":9001"],
        ports: [
            { internal: 9000, external: 9000, ip: "127.0.0.1", protocol: "tcp" },
            { internal: 9001, external: 9001, ip: "127.0.0.1", protocol: "tcp" },
        ],
    });
}

export function topic(name: string, replicationFactor: unknown, config: unknown = {}): FakeResource {
    return resource(TYPES.topic, `lakehouse-topic-${name}`, { name, partitions: 1, replicationFactor, config });
}

export function postgresConnector(name: string, config: Record<string, unknown> = {}): FakeResource {
    return resource(TYPES.connector, name, {
        connectUrl: "http://127.0.0.1:8083",
        name,
        config: {
            "connector.class": CONNECTOR_CLASSES.postgres,
            "database.hostname": "db-postgres",
            "database.port": "5432",
            "database.user": "cdc",
            "database.dbname": "customer_db",
            "topic.prefix": name,
            "plugin.name": "pgoutput",
            "slot.name": `debezium_${name}`,
            ...config,
        },
        secretConfig: { "database.password": "s3cr3t-from-config" },
    });
}

export function mysqlConnector(name: string, config: Record<string, unknown> = {}): FakeResource {
    return resource(TYPES.connector, name, {
        connectUrl: "http://127.0.0.1:8083",
        name,
        config: {
            "connector.class": CONNECTOR_CLASSES.mysql,
            "database.hostname": "db-mysql",
            "database.port": "3306",
            "database.user": "cdc",
            "topic.prefix": name,
            "database.server.id": "5401",
            "database.include.list": "sales,hr",
            "schema.history.internal.kafka.bootstrap.servers": "kafka-1:19092",
            "schema.history.internal.kafka.topic": `schema-changes.${name}`,
            ...config,
        },
        secretConfig: { "database.password": "s3cr3t-from-config" },
    });
}

/** A healthy lakehouse on `brokers` brokers, every replication setting derived from the count. */
export function lakehouse(brokers: 1 | 3): FakeResource[] {
    const rf = Math.min(3, brokers);
    return [
        ...Array.from({ length: brokers }, (_, i) => broker(i + 1, internalTopicEnv(brokers))),
        connectWorker(connectStorageEnv(rf)),
        postgres(),
        mysql(),
        minio(),
        topic("orders", rf, { "min.insync.replicas": String(Math.max(1, rf - 1)) }),
        postgresConnector("inventory-connector"),
        mysqlConnector("sales-connector"),
    ];
}

/** Replaces the resource with the given logical name (or appends it). */
export function replace(resources: FakeResource[], replacement: FakeResource): FakeResource[] {
    const index = resources.findIndex((r) => r.name === replacement.name);
    return index < 0 ? [...resources, replacement] : resources.map((r, i) => (i === index ? replacement : r));
}

export function without(resources: FakeResource[], name: string): FakeResource[] {
    return resources.filter((r) => r.name !== name);
}

export interface Reported {
    violations: { message: string; urn?: string }[];
    notApplicable?: string;
}

class NotApplicable extends Error {
    constructor(public readonly reason?: string) {
        super(reason);
    }
}

function collector(): { reported: Reported; reportViolation: ReportViolation } {
    const reported: Reported = { violations: [] };
    return { reported, reportViolation: (message: string, urn?: string) => reported.violations.push({ message, urn }) };
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

async function settle(run: () => Promise<void> | void, reported: Reported): Promise<Reported> {
    try {
        await run();
    } catch (error) {
        if (error instanceof NotApplicable) {
            reported.notApplicable = error.reason ?? "";
        } else {
            throw error;
        }
    }
    return reported;
}

/** Runs a stack policy's validateStack as the server would, with props behind the unknown-checking proxy. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: FakeResource[],
    config: object = {},
): Promise<Reported> {
    const { reported, reportViolation } = collector();
    const args: StackValidationArgs = {
        resources: resources.map(
            (r) =>
                ({
                    type: r.type,
                    name: r.name,
                    urn: r.urn,
                    props: serverProxy.unknownCheckingProxy(r.props),
                    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
                    dependencies: [],
                    propertyDependencies: {},
                    isType: () => false,
                    asType: () => undefined,
                }) as PolicyResource,
        ),
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
    return settle(() => policy.validateStack(args, reportViolation), reported);
}

/** Runs a resource policy's validateResource on each resource, collecting every report. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resources: FakeResource[],
    config: object = {},
): Promise<Reported> {
    const all: Reported = { violations: [] };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const r of resources) {
        const { reported, reportViolation } = collector();
        const props = serverProxy.unknownCheckingProxy(r.props);
        const args: ResourceValidationArgs = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            stackTags: new Map(),
            isType: () => false,
            asType: () => undefined,
            getConfig: <T extends object>() => config as T,
            notApplicable,
        };
        for (const validation of validations) {
            await settle(() => validation(args, (message, urn) => reportViolation(message, urn ?? r.urn)), reported);
        }
        all.violations.push(...reported.violations);
    }
    return all;
}

export function messages(reported: Reported): string[] {
    return reported.violations.map((v) => v.message);
}
