// Kafka (KRaft, combined broker+controller nodes) as apache/kafka's environment contract.
import { KAFKA_INTERNAL_REPLICATION as RF, ROLES } from "../core/settings";
import { ContainerSpec, SpecError, healthcheck, requirePort } from "./types";

export interface KafkaSpecArgs {
    image: string;
    /** Number of brokers, each also a KRaft controller. */
    brokerCount: number;
    /** KRaft cluster id: 22 characters of base64url (16 bytes). */
    clusterId: string;
    /** Host port of broker 1's host listener; broker i gets hostPortBase + i - 1. */
    hostPortBase: number;
    /** Host address the host listeners bind to and advertise. */
    bindIp: string;
    /** Hostname prefix inside the network: brokers are `<hostnamePrefix>-<i>`. */
    hostnamePrefix: string;
}

/** Replication of Kafka's internal topics, derived from the broker count, never typed by hand. */
export interface InternalReplication {
    replicationFactor: number;
    minInsyncReplicas: number;
}

export const KAFKA_INTERNAL_PORT = 19092;
export const KAFKA_CONTROLLER_PORT = 29093;
export const KAFKA_MAX_BROKERS = 9;

/** 1 and 1 on one broker; 3 and 2 from three brokers; 2 and 1 on two. */
export function internalReplication(brokerCount: number): InternalReplication {
    const replicationFactor = Math.min(3, brokerCount);
    return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}

export function validateBrokerCount(brokerCount: number): number {
    if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > KAFKA_MAX_BROKERS) {
        throw new SpecError("brokerCount", `must be a whole number from 1 to ${KAFKA_MAX_BROKERS}, got ${brokerCount}`);
    }
    return brokerCount;
}

export function validateClusterId(clusterId: string): string {
    if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
        throw new SpecError("clusterId", `must be 22 characters of base64url (16 bytes), got ${JSON.stringify(clusterId)}`);
    }
    return clusterId;
}

export function brokerHostname(args: Pick<KafkaSpecArgs, "hostnamePrefix">, index: number): string {
    return `${args.hostnamePrefix}-${index}`;
}

/** `kafka-1:19092,kafka-2:19092`: how containers on the stack's network reach the brokers. */
export function internalBootstrap(args: Pick<KafkaSpecArgs, "hostnamePrefix" | "brokerCount">): string {
    return range(args.brokerCount).map((i) => `${brokerHostname(args, i)}:${KAFKA_INTERNAL_PORT}`).join(",");
}

/** `127.0.0.1:9092,...`: how the host (and the kafka provider) reaches the brokers. */
export function hostBootstrap(args: Pick<KafkaSpecArgs, "bindIp" | "hostPortBase" | "brokerCount">): string[] {
    return range(args.brokerCount).map((i) => `${args.bindIp}:${args.hostPortBase + i - 1}`);
}

/** The environment of every internal-topic replication setting for this broker count. */
export function internalTopicEnv(brokerCount: number): Record<string, string> {
    const { replicationFactor, minInsyncReplicas } = internalReplication(brokerCount);
    const rf = String(replicationFactor);
    const isr = String(minInsyncReplicas);
    return {
        [RF.offsets]: rf,
        [RF.transactionStateLog]: rf,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: isr,
        [RF.shareCoordinatorState]: rf,
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: isr,
        [RF.defaultReplication]: rf,
        KAFKA_MIN_INSYNC_REPLICAS: isr,
    };
}

export function kafkaBrokerSpecs(args: KafkaSpecArgs): ContainerSpec[] {
    validateBrokerCount(args.brokerCount);
    validateClusterId(args.clusterId);
    requirePort("hostPortBase", args.hostPortBase);
    requirePort("hostPortBase", args.hostPortBase + args.brokerCount - 1);
    const voters = range(args.brokerCount)
        .map((i) => `${i}@${brokerHostname(args, i)}:${KAFKA_CONTROLLER_PORT}`)
        .join(",");
    return range(args.brokerCount).map((i) => {
        const hostname = brokerHostname(args, i);
        const hostPort = args.hostPortBase + i - 1;
        return {
            hostname,
            image: args.image,
            role: ROLES.kafkaBroker,
            env: {
                KAFKA_NODE_ID: String(i),
                KAFKA_PROCESS_ROLES: "broker,controller",
                KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
                KAFKA_LISTENERS: `CONTROLLER://:${KAFKA_CONTROLLER_PORT},PLAINTEXT://:${KAFKA_INTERNAL_PORT},PLAINTEXT_HOST://:${hostPort}`,
                // The host port must equal the advertised port: clients reconnect to what is advertised.
                KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${hostname}:${KAFKA_INTERNAL_PORT},PLAINTEXT_HOST://${args.bindIp}:${hostPort}`,
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
                KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
                KAFKA_LOG_DIRS: "/var/lib/kafka/data",
                CLUSTER_ID: args.clusterId,
                ...internalTopicEnv(args.brokerCount),
            },
            secretEnv: {},
            ports: [{ internal: hostPort, external: hostPort, ip: args.bindIp }],
            // A TCP connect to the broker listener, which Kafka opens only once the broker is unfenced and
            // serves requests. No JVM per check: kafka-broker-api-versions.sh started one every 5 s per broker
            // (about a core for three brokers on 2 cores), and under load they timed out and piled up.
            healthcheck: healthcheck(["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${KAFKA_INTERNAL_PORT}`], 15, 40),
            volumes: [{ role: "data", containerPath: "/var/lib/kafka/data" }],
            uploads: [],
        };
    });
}

export function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1);
}
