// Kafka Connect with Debezium, as quay.io/debezium/connect's environment contract.
import { CONNECT_REST_AUTH, CONNECT_STORAGE_REPLICATION, ROLES } from "../core/settings";
import { internalReplication, kafkaClientSecurity } from "./kafka";
import { ContainerSpec, SpecError, healthcheck, requirePort, secretRef } from "./types";

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
    /**
     * Names of the secret files the worker's directory config provider serves from {@link CONNECT_SECRETS_DIR}
     * (one file per secret, its content the value). Default: none.
     */
    secretFiles?: string[];
    /**
     * HTTP basic authentication on the REST API for this user (its password is the component's secret
     * {@link CONNECT_REST_SECRETS}): Kafka's BasicAuthSecurityRestExtension with a JAAS file and a users file,
     * and a healthcheck that logs in from a file. Default: none (the API answers anyone who reaches it).
     */
    restAuth?: { user: string };
    /**
     * The brokers take SCRAM logins over TLS (KafkaSpecArgs.security): the worker, its producers, consumers
     * and admin client log in from the secret file {@link CONNECT_KAFKA_JAAS_FILE} (resolved by the worker's
     * directory config provider, so the worker config holds a reference) and trust the CA in
     * {@link CONNECT_KAFKA_CA_FILE} (the component's secret {@link CONNECT_KAFKA_SECRETS}). Default: false.
     */
    kafkaSecurity?: boolean;
}

/** The worker's secret file (in {@link CONNECT_SECRETS_DIR}) holding its Kafka login, a `sasl.jaas.config` value. */
export const CONNECT_KAFKA_JAAS_FILE = "kafka-client-jaas";
/** The stack's CA certificate, which the worker trusts for the brokers. */
export const CONNECT_KAFKA_CA_FILE = "/kafka/tls/kafka-ca.pem";
/** The component's secrets for the Kafka login: the JAAS value and the CA certificate (public, known late). */
export const CONNECT_KAFKA_SECRETS = { jaas: "kafkaJaas", caCertificate: "kafkaCaCertificate" } as const;
/** Where the worker passes Kafka client settings: its own clients, then its producers, consumers and admin clients. */
const CONNECT_CLIENT_PREFIXES = ["CONNECT_", "CONNECT_PRODUCER_", "CONNECT_CONSUMER_", "CONNECT_ADMIN_"] as const;

/**
 * The Kafka client settings of a SCRAM login over TLS for anything on the worker (a connector's schema
 * history, say): the login is the worker's secret file, by reference.
 */
export function connectKafkaClientSecurity(): Record<string, string> {
    return kafkaClientSecurity(connectSecretReference(CONNECT_KAFKA_JAAS_FILE), CONNECT_KAFKA_CA_FILE);
}

/** The worker's environment for connectKafkaClientSecurity, at every client prefix. */
function connectKafkaEnv(): Record<string, string> {
    const settings = Object.entries(connectKafkaClientSecurity());
    return Object.fromEntries(CONNECT_CLIENT_PREFIXES.flatMap((prefix) =>
        settings.map(([k, v]) => [`${prefix}${k.toUpperCase().replace(/\./g, "_")}`, v])));
}

export const CONNECT_PORT = 8083;

/**
 * The component's secrets the REST login files are made of, each the whole file already escaped for its
 * reader (see {@link connectUsersFile} and {@link connectCurlConfig}).
 */
export const CONNECT_REST_SECRETS = { usersFile: "restUsersFile", curlConfig: "restCurlConfig" } as const;
/** A REST user name: what a properties key and basic authentication (no ":") take without escaping. */
const REST_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Java properties escaping of a value (Properties.load reads ISO-8859-1 with backslash escapes). */
function propertiesValue(text: string): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        const code = text.charCodeAt(i);
        if (ch === "\\") out += "\\\\";
        else if (ch === " " && i === 0) out += "\\ ";
        else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
        else out += ch;
    }
    return out;
}

/** The users file of PropertyFileLoginModule: one `user: password` line, the password escaped as Java properties read it. */
export function connectUsersFile(user: string, password: string): string {
    if (!REST_USER.test(user)) throw new SpecError("connect.restAuth.user", `must be letters, digits, . _ - (at most 64), got ${JSON.stringify(user)}`);
    // An empty users file lets every request through (PropertyFileLoginModule): never write one.
    if (password.length === 0) throw new SpecError("connect.restAuth.password", "must not be empty");
    return `${user}: ${propertiesValue(password)}\n`;
}

/** curl's config file (`curl -K`) with the login in a quoted `user` line, so no password is on a command line. */
export function connectCurlConfig(user: string, password: string): string {
    if (!REST_USER.test(user)) throw new SpecError("connect.restAuth.user", `must be letters, digits, . _ - (at most 64), got ${JSON.stringify(user)}`);
    const quoted = `${user}:${password}`.replace(/[\\"\t\n\r\v]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r", "\v": "\\v" })[c]!);
    return `user = "${quoted}"\n`;
}

/** The JAAS file naming the login module and the users file (no secret in it). */
export function connectJaasFile(): string {
    return `${CONNECT_REST_AUTH.jaasSection} {\n  ${CONNECT_REST_AUTH.loginModule} required\n  file="${CONNECT_REST_AUTH.files.users}";\n};\n`;
}

/**
 * Where the worker's secret files live, and the one directory its config provider may read
 * (`allowed.paths`, KIP-993): a connector config can reference nothing else on the worker's disk.
 */
export const CONNECT_SECRETS_DIR = "/kafka/secrets";
/** Name of the worker's config provider (`config.providers`); Kafka's DirectoryConfigProvider. */
export const CONNECT_SECRETS_PROVIDER = "directory";
export const CONNECT_DIRECTORY_PROVIDER_CLASS = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
/**
 * Mode of the uploaded secret files: owned by root (the docker provider uploads as the container's root,
 * like `docker cp`), readable by the worker (user kafka, 1001), writable by no one but root.
 */
export const CONNECT_SECRET_FILE_MODE = "0444";
const SECRET_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A connector setting that the worker resolves from its secret file `name` when it starts the connector. */
export function connectSecretReference(name: string): string {
    if (!SECRET_FILE_NAME.test(name)) throw new SpecError("connect.secretFiles", `invalid secret file name ${JSON.stringify(name)}`);
    return `\${${CONNECT_SECRETS_PROVIDER}:${CONNECT_SECRETS_DIR}:${name}}`;
}

/** The placeholder in a secret file's upload that the component replaces with the secret's value. */
export function connectSecretPlaceholder(name: string): string {
    return `\${CONNECT_SECRET:${name}}`;
}

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
    const secretFiles = args.secretFiles ?? [];
    for (const name of secretFiles) {
        if (!SECRET_FILE_NAME.test(name)) {
            throw new SpecError("connect.secretFiles", `must be file names (letters, digits, . _ -), got ${JSON.stringify(name)}`);
        }
    }
    if (new Set(secretFiles).size !== secretFiles.length) throw new SpecError("connect.secretFiles", "has duplicates");
    if (args.kafkaSecurity && secretFiles.includes(CONNECT_KAFKA_JAAS_FILE)) {
        throw new SpecError("connect.secretFiles", `${CONNECT_KAFKA_JAAS_FILE} is the worker's own Kafka login; name the secret otherwise`);
    }
    if (args.restAuth && !REST_USER.test(args.restAuth.user)) {
        throw new SpecError("connect.restAuth.user", `must be letters, digits, . _ - (at most 64), got ${JSON.stringify(args.restAuth.user)}`);
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
            // Connector secrets stay out of the REST body and the connect_configs topic: a connector config
            // holds `${directory:/kafka/secrets:<file>}` and the worker reads the file when it starts the
            // connector (and puts the reference back into the task configs it stores, KIP-297).
            CONNECT_CONFIG_PROVIDERS: CONNECT_SECRETS_PROVIDER,
            CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS: CONNECT_DIRECTORY_PROVIDER_CLASS,
            CONNECT_CONFIG_PROVIDERS_DIRECTORY_PARAM_ALLOWED_PATHS: CONNECT_SECRETS_DIR,
            // The worker's own config resolves the reference too (KIP-421): no password in the worker file.
            ...(args.kafkaSecurity ? connectKafkaEnv() : {}),
            ...(args.restAuth ? {
                // Every REST request needs the login but the workers' own (task configs, fencing), which Connect signs.
                [CONNECT_REST_AUTH.extensionEnv]: CONNECT_REST_AUTH.extensionClass,
                [CONNECT_REST_AUTH.jvmOptionsEnv]: `-D${CONNECT_REST_AUTH.jaasProperty}=${CONNECT_REST_AUTH.files.jaas}`,
            } : {}),
        },
        secretEnv: {},
        ports: [{ internal: CONNECT_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD-SHELL", args.restAuth
            ? `curl -fsS -K ${CONNECT_REST_AUTH.files.curl} http://localhost:${CONNECT_PORT}/health >/dev/null`
            : `curl -fsS http://localhost:${CONNECT_PORT}/health >/dev/null`], 20, 60),
        volumes: [],
        uploads: [
            ...secretFiles.map((name) => ({
                file: `${CONNECT_SECRETS_DIR}/${name}`, content: connectSecretPlaceholder(name), permissions: CONNECT_SECRET_FILE_MODE,
            })),
            ...(args.restAuth ? [{ file: CONNECT_REST_AUTH.files.jaas, content: connectJaasFile(), permissions: CONNECT_SECRET_FILE_MODE }] : []),
        ],
        // Read by the worker and the healthcheck, which run as user kafka: root-owned, readable, like the connector secrets.
        secretFiles: args.restAuth || args.kafkaSecurity ? [
            ...(args.restAuth ? [
                { file: CONNECT_REST_AUTH.files.users, content: secretRef(CONNECT_REST_SECRETS.usersFile), permissions: CONNECT_SECRET_FILE_MODE },
                { file: CONNECT_REST_AUTH.files.curl, content: secretRef(CONNECT_REST_SECRETS.curlConfig), permissions: CONNECT_SECRET_FILE_MODE },
            ] : []),
            ...(args.kafkaSecurity ? [
                { file: `${CONNECT_SECRETS_DIR}/${CONNECT_KAFKA_JAAS_FILE}`, content: secretRef(CONNECT_KAFKA_SECRETS.jaas), permissions: CONNECT_SECRET_FILE_MODE },
                { file: CONNECT_KAFKA_CA_FILE, content: secretRef(CONNECT_KAFKA_SECRETS.caCertificate), permissions: CONNECT_SECRET_FILE_MODE },
            ] : []),
        ] : undefined,
    };
}
