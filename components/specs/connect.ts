// Kafka Connect with Debezium, as quay.io/debezium/connect's environment contract.
import { CONNECT_STORAGE_REPLICATION, ROLES } from "../settings";
import { internalReplication } from "./kafka";
import { ContainerSpec, SpecError, healthcheck, requirePort } from "./types";

export interface ConnectSpecArgs {
    image: string;
    hostname: string;
    /** Internal bootstrap servers, e.g. `kafka-1:19092`. */
    bootstrapServers: string;
    brokerCount: number;
    groupId: string;
    /** Prefix of the worker's config, offset and status storage topics. */
    storageTopicPrefix: string;
    hostPort: number;
    bindIp: string;
    /** Replication of the storage topics; derived from brokerCount unless given. */
    storageReplicationFactor?: number;
}

export const CONNECT_PORT = 8083;

/** `scheduled.rebalance.max.delay.ms` of the worker (Kafka's default: 300000). */
export const CONNECT_REBALANCE_DELAY_MS = 10_000;

export function connectSpec(args: ConnectSpecArgs): ContainerSpec {
    requirePort("connect.hostPort", args.hostPort);
    const derived = internalReplication(args.brokerCount).replicationFactor;
    const rf = args.storageReplicationFactor ?? derived;
    if (!Number.isInteger(rf) || rf < 1 || rf > args.brokerCount) {
        throw new SpecError(
            "connect.storageReplicationFactor",
            `must be a whole number from 1 to brokerCount (${args.brokerCount}), got ${rf}`,
        );
    }
    if (!/^[A-Za-z0-9._-]+$/.test(args.storageTopicPrefix)) {
        throw new SpecError("connect.storageTopicPrefix", `must be a legal Kafka topic prefix, got ${JSON.stringify(args.storageTopicPrefix)}`);
    }
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.connect,
        env: {
            BOOTSTRAP_SERVERS: args.bootstrapServers,
            GROUP_ID: args.groupId,
            CONFIG_STORAGE_TOPIC: `${args.storageTopicPrefix}_configs`,
            OFFSET_STORAGE_TOPIC: `${args.storageTopicPrefix}_offsets`,
            STATUS_STORAGE_TOPIC: `${args.storageTopicPrefix}_statuses`,
            // Only the CONNECT_-prefixed names reach the worker; the un-prefixed ones are ignored.
            [CONNECT_STORAGE_REPLICATION.config]: String(rf),
            [CONNECT_STORAGE_REPLICATION.offset]: String(rf),
            [CONNECT_STORAGE_REPLICATION.status]: String(rf),
            // The Debezium image writes ADVERTISED_HOST_NAME (default: the container's IP) over any
            // CONNECT_REST_ADVERTISED_HOST_NAME, so only the named variable takes effect.
            ADVERTISED_HOST_NAME: args.hostname,
            CONNECT_TOPIC_CREATION_ENABLE: "true",
            // Connect holds a lost worker's connectors for up to 5 min (its default) before it assigns them
            // again; after a broker or worker comes back that is 5 min without CDC. 10 s is enough to wait.
            CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS: String(CONNECT_REBALANCE_DELAY_MS),
        },
        secretEnv: {},
        ports: [{ internal: CONNECT_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD-SHELL", `curl -fsS http://localhost:${CONNECT_PORT}/health >/dev/null`], 20, 60),
        volumes: [],
        uploads: [],
    };
}
