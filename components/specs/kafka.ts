// Kafka (KRaft, combined broker+controller nodes) as apache/kafka's environment contract.
import { KAFKA_INTERNAL_REPLICATION as RF, ROLES } from "../core/settings";
import { ContainerSpec, SecretFileSpec, SpecError, healthcheck, requirePort, secretRef } from "./types";

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
    /**
     * SASL/SCRAM over TLS (docs/security.md): the client listeners take SCRAM-SHA-512 logins over TLS, the
     * controllers talk TLS, and the log directory is formatted with these SCRAM users. Default: none
     * (plaintext, no authentication).
     */
    security?: KafkaSecuritySpec;
}

/**
 * The users a secured cluster's log directory is formatted with; each password is the component's secret
 * {@link kafkaPasswordKey}(user). Every other user is the admin's to manage (kafka.UserScramCredential).
 */
export interface KafkaSecuritySpec {
    /** The brokers' own user, for the inter-broker listener. */
    brokerUser: string;
    /** The kafka provider's (and the tools') user, which manages the other users. */
    adminUser: string;
}

/** The one SASL mechanism a secured cluster enables: SCRAM with SHA-512 (RFC 5802, KIP-84). */
export const KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";
export const KAFKA_SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
/**
 * Where a secured broker's files go: outside the image's declared volumes (/etc/kafka/secrets,
 * /mnt/shared/config, /var/lib/kafka/data upstream), so the uploads land in the container's own layer.
 */
export const KAFKA_SECURITY_DIR = "/opt/lakehouse/kafka";
export const KAFKA_SECURITY_FILES = {
    /** Formats the log directory with the SCRAM users, then runs the image's own start-up (a secret). */
    start: `${KAFKA_SECURITY_DIR}/start`,
    /** The broker's PKCS#8 key and certificate (`ssl.keystore.type=PEM`), a secret. */
    keystore: `${KAFKA_SECURITY_DIR}/broker.pem`,
    /** The stack's CA certificate (`ssl.truststore.type=PEM`). */
    truststore: `${KAFKA_SECURITY_DIR}/ca.pem`,
} as const;
/** apache/kafka's start-up script (its CMD); the local image has it at the same path. */
export const KAFKA_IMAGE_RUN = "/etc/kafka/docker/run";
/** Root-owned, readable by the broker's user (appuser), writable by no one else. */
export const KAFKA_SECURITY_FILE_MODE = "0444";
/** The component's secret keys of a secured broker besides the passwords. */
export const KAFKA_SECRETS = { keystore: "brokerKeystore", caCertificate: "caCertificate" } as const;
/** The component's secret key of a SCRAM user's password. */
export function kafkaPasswordKey(user: string): string {
    return `scram_${user}`;
}
const SCRAM_USER = /^[a-z][a-z0-9_]{0,31}$/;
/**
 * What a SCRAM password may hold here: it sits in a JAAS string, a shell script and kafka-storage's
 * `--add-scram` syntax, so only characters none of them treats specially (the generated ones are hex).
 */
export const KAFKA_PASSWORD = /^[A-Za-z0-9._~+-]{16,128}$/;

/** A client's `sasl.jaas.config`: SCRAM login of `user` with `password`. */
export function scramJaasConfig(user: string, password: string): string {
    validateScramUser("user", user);
    if (!KAFKA_PASSWORD.test(password)) {
        throw new SpecError("kafka.security.password", `must be 16 to 128 characters of letters, digits and . _ ~ + -, got one of ${password.length} characters that does not`);
    }
    return `${KAFKA_SCRAM_LOGIN_MODULE} required username="${user}" password="${password}";`;
}

export function validateScramUser(field: string, user: string): string {
    if (!SCRAM_USER.test(user)) throw new SpecError(`kafka.security.${field}`, `must be lower-case letters, digits and _ (at most 32), got ${JSON.stringify(user)}`);
    return user;
}

/**
 * The Kafka client settings of a SCRAM user over TLS, trusting the CA in `truststore`, with the JAAS login
 * as `jaasConfig` (the value itself, or a config-provider reference to it).
 */
export function kafkaClientSecurity(jaasConfig: string, truststore: string): Record<string, string> {
    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": KAFKA_SASL_MECHANISM,
        "sasl.jaas.config": jaasConfig,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": truststore,
    };
}

/**
 * A properties file as apache/kafka's image writes server.properties from the environment: each KAFKA_FOO_BAR
 * becomes foo.bar (`___` -> `-`, `__` -> `_`), the image's own variables left out (images/kafka/bin/docker-run).
 */
export function imageServerProperties(env: Record<string, string>): string {
    const excluded = /^KAFKA_(VERSION|HEAP_OPTS|LOG4J_OPTS|OPTS|JMX_OPTS|JVM_PERFORMANCE_OPTS|GC_LOG_OPTS|LOG4J_ROOT_LOGLEVEL|LOG4J_LOGGERS|TOOLS_LOG4J_LOGLEVEL|JMX_HOSTNAME)$/;
    return Object.entries(env)
        .filter(([k]) => /^KAFKA_[A-Za-z0-9_]+$/.test(k) && !excluded.test(k))
        .map(([k, v]) => `${k.slice("KAFKA_".length).toLowerCase().replace(/_/g, ".").replace(/\.\.\./g, "-").replace(/\.\./g, "_")}=${v}`)
        .join("\n") + "\n";
}

/** Single-quotes a value for bash. */
function shellQuote(value: string): string {
    return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * A secured broker's start: the inter-broker login reaches Kafka as environment of the image's start-up
 * only (never in the container's config), the log directory is formatted once with every SCRAM user (KRaft
 * keeps SCRAM credentials in its metadata log, and `kafka-storage format --add-scram` is how they exist
 * before any broker serves), then apache/kafka's own start-up runs (its format step finds the directory
 * formatted). `${SECRET:scram_<user>}` stand for the passwords (fillSecretRefs).
 */
export function kafkaStartScript(env: Record<string, string>, security: KafkaSecuritySpec): string {
    const users = [security.brokerUser, security.adminUser];
    const jaas = `${KAFKA_SCRAM_LOGIN_MODULE} required username="${security.brokerUser}" password="${secretRef(kafkaPasswordKey(security.brokerUser))}";`;
    return [
        "#!/usr/bin/env bash",
        "# pulumi-lakehouse: SASL/SCRAM over TLS (docs/security.md). Generated; a secret.",
        "set -euo pipefail",
        ...SECURE_LISTENERS.sasl.map((l) => `export KAFKA_LISTENER_NAME_${l}_SCRAM___SHA___512_SASL_JAAS_CONFIG=${shellQuote(jaas)}`),
        "conf=\"$(mktemp)\"",
        "cat >\"$conf\" <<'LAKEHOUSE_EOF'",
        imageServerProperties(env).trimEnd(),
        "LAKEHOUSE_EOF",
        `/opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$conf" --ignore-formatted \\`,
        ...users.map((u) => `  --add-scram ${shellQuote(`${KAFKA_SASL_MECHANISM}=[name=${u},password="${secretRef(kafkaPasswordKey(u))}"]`)} \\`),
        // kafka-storage prints the bootstrap records, the users' salted SCRAM keys among them: not for the log.
        "  | { grep -v '^Bootstrap metadata' || true; }",
        "rm -f \"$conf\"",
        `exec ${KAFKA_IMAGE_RUN}`,
        "",
    ].join("\n");
}

/** Listener names of a secured broker: the controllers' (TLS) and the two SASL_SSL ones. */
const SECURE_LISTENERS = { controller: "CONTROLLER", sasl: ["INTERNAL", "HOST"] } as const;

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
    const security = args.security;
    if (security) {
        validateScramUser("brokerUser", security.brokerUser);
        validateScramUser("adminUser", security.adminUser);
        if (security.adminUser === security.brokerUser) throw new SpecError("kafka.security.adminUser", `must differ from the brokers' user (${security.brokerUser})`);
    }
    validateClusterId(args.clusterId);
    requirePort("hostPortBase", args.hostPortBase);
    requirePort("hostPortBase", args.hostPortBase + args.brokerCount - 1);
    const voters = range(args.brokerCount)
        .map((i) => `${i}@${brokerHostname(args, i)}:${KAFKA_CONTROLLER_PORT}`)
        .join(",");
    return range(args.brokerCount).map((i) => {
        const hostname = brokerHostname(args, i);
        const hostPort = args.hostPortBase + i - 1;
        // Without security the listener names are the plaintext ones the seed's compose file uses.
        const [internal, host] = security ? SECURE_LISTENERS.sasl : ["PLAINTEXT", "PLAINTEXT_HOST"];
        const env: Record<string, string> = {
            KAFKA_NODE_ID: String(i),
            KAFKA_PROCESS_ROLES: "broker,controller",
            KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
            KAFKA_LISTENERS: `CONTROLLER://:${KAFKA_CONTROLLER_PORT},${internal}://:${KAFKA_INTERNAL_PORT},${host}://:${hostPort}`,
            // The host port must equal the advertised port: clients reconnect to what is advertised.
            KAFKA_ADVERTISED_LISTENERS: `${internal}://${hostname}:${KAFKA_INTERNAL_PORT},${host}://${args.bindIp}:${hostPort}`,
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: security
                ? `CONTROLLER:SSL,${internal}:SASL_SSL,${host}:SASL_SSL`
                : "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
            KAFKA_INTER_BROKER_LISTENER_NAME: internal,
            KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
            KAFKA_LOG_DIRS: "/var/lib/kafka/data",
            ...(security ? {
                // SCRAM only (no PLAIN, no GSSAPI); the brokers log in to each other as brokerUser.
                KAFKA_SASL_ENABLED_MECHANISMS: KAFKA_SASL_MECHANISM,
                KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL: KAFKA_SASL_MECHANISM,
                // TLS on every listener, the controllers' too; the certificate names the broker (hostname
                // verification, Kafka's default `https`, stays on). No client certificates.
                KAFKA_SSL_KEYSTORE_TYPE: "PEM",
                KAFKA_SSL_KEYSTORE_LOCATION: KAFKA_SECURITY_FILES.keystore,
                KAFKA_SSL_TRUSTSTORE_TYPE: "PEM",
                KAFKA_SSL_TRUSTSTORE_LOCATION: KAFKA_SECURITY_FILES.truststore,
            } : {}),
            CLUSTER_ID: args.clusterId,
            ...internalTopicEnv(args.brokerCount),
        };
        // The CA certificate is public, but known only once the CA exists: it goes through the secret files
        // (which take values from the component) and so is kept encrypted in state like the others.
        const secretFiles: SecretFileSpec[] | undefined = security ? [
            { file: KAFKA_SECURITY_FILES.start, content: kafkaStartScript(env, security), permissions: KAFKA_SECURITY_FILE_MODE },
            { file: KAFKA_SECURITY_FILES.keystore, content: secretRef(KAFKA_SECRETS.keystore), permissions: KAFKA_SECURITY_FILE_MODE },
            { file: KAFKA_SECURITY_FILES.truststore, content: secretRef(KAFKA_SECRETS.caCertificate), permissions: KAFKA_SECURITY_FILE_MODE },
        ] : undefined;
        return {
            hostname,
            image: args.image,
            role: ROLES.kafkaBroker,
            env,
            ...(security ? { command: ["bash", KAFKA_SECURITY_FILES.start] } : {}),
            secretEnv: {},
            ports: [{ internal: hostPort, external: hostPort, ip: args.bindIp }],
            // A TCP connect to the broker listener, which Kafka opens only once the broker is unfenced and
            // serves requests. No JVM per check: kafka-broker-api-versions.sh started one every 5 s per broker
            // (about a core for three brokers on 2 cores), and under load they timed out and piled up.
            healthcheck: healthcheck(["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${KAFKA_INTERNAL_PORT}`], 15, 40),
            volumes: [{ role: "data", containerPath: "/var/lib/kafka/data" }],
            uploads: [],
            ...(secretFiles ? { secretFiles } : {}),
        };
    });
}

export function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1);
}
