// Setting names shared by the spec builders and the policy pack. No Pulumi import here: the
// policy pack reads these constants without pulling in any component class.

/** Docker label keys the components put on every container, so policies can recognise roles. */
export const LABELS = {
    /** The service role of a container, one of {@link ROLES}. */
    role: "lakehouse.role",
    /** The Pulumi stack-level name of the component that owns the container. */
    component: "lakehouse.component",
    /** Set to "true" on volumes that `pulumi destroy` keeps. */
    keep: "lakehouse.keep",
} as const;

/** The kubernetes platform's labels (components/specs/kubernetes.ts): on every object and pod template. */
export const K8S_LABELS = {
    /** The service role, one of {@link ROLES}, as {@link LABELS.role} on Docker. */
    role: "lakehouse.io/role",
} as const;

/** Values of the {@link LABELS.role} label. */
export const ROLES = {
    kafkaBroker: "kafka-broker",
    connect: "kafka-connect",
    postgres: "postgres",
    mysql: "mysql",
    minio: "minio",
    icebergCatalog: "iceberg-catalog",
    spark: "spark",
    sparkJob: "spark-job",
    tableMaintenance: "table-maintenance",
    trino: "trino",
} as const;
export type Role = (typeof ROLES)[keyof typeof ROLES];

/** A secured Trino (lakehouse:secureServices): its HTTPS port and the files that configure it, all in the image's etc directory. */
export const TRINO_SECURITY = {
    httpsPort: 8443,
    files: {
        config: "/etc/trino/config.properties",
        authenticator: "/etc/trino/password-authenticator.properties",
        passwords: "/etc/trino/password.db",
        keystore: "/etc/trino/trino-tls.pem",
    },
} as const;

/**
 * The Connect worker's REST API behind HTTP basic authentication (lakehouse:secureServices): Kafka's
 * BasicAuthSecurityRestExtension (connect-basic-auth-extension) checks every request against the JAAS
 * section `KafkaConnect`, whose PropertyFileLoginModule reads `user: password` lines from a file. The
 * files live outside the directory config provider's allowed path, so no connector config can read them.
 */
export const CONNECT_REST_AUTH = {
    /** The worker setting (rest.extension.classes) in the image's CONNECT_* convention. */
    extensionEnv: "CONNECT_REST_EXTENSION_CLASSES",
    extensionClass: "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
    loginModule: "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule",
    jaasSection: "KafkaConnect",
    /** The JVM options variable kafka-run-class.sh passes on, and the JAAS file property it carries. */
    jvmOptionsEnv: "KAFKA_OPTS",
    jaasProperty: "java.security.auth.login.config",
    dir: "/kafka/rest-auth",
    files: {
        jaas: "/kafka/rest-auth/jaas.conf",
        users: "/kafka/rest-auth/users.properties",
        /** curl's config file (`-K`) with the login, for the healthcheck: no password on a command line. */
        curl: "/kafka/rest-auth/curl.conf",
    },
} as const;

/**
 * Kafka broker settings whose replication must follow the broker count, as the apache/kafka image's
 * environment variables (KAFKA_FOO_BAR -> foo.bar). Kafka's own defaults are 3 (and 2 for min ISR),
 * which a single broker can never satisfy.
 */
export const KAFKA_INTERNAL_REPLICATION = {
    offsets: "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
    transactionStateLog: "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    shareCoordinatorState: "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
    defaultReplication: "KAFKA_DEFAULT_REPLICATION_FACTOR",
} as const;

/** Kafka broker min-ISR settings, each paired with the replication factor it must not exceed. */
export const KAFKA_INTERNAL_MIN_ISR = {
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: KAFKA_INTERNAL_REPLICATION.transactionStateLog,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: KAFKA_INTERNAL_REPLICATION.shareCoordinatorState,
    KAFKA_MIN_INSYNC_REPLICAS: KAFKA_INTERNAL_REPLICATION.defaultReplication,
} as const;

/**
 * Kafka Connect storage-topic replication, as the Debezium Connect image reads it: only the
 * CONNECT_-prefixed names reach the worker config.
 */
export const CONNECT_STORAGE_REPLICATION = {
    config: "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR",
    offset: "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR",
    status: "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR",
} as const;

/** Un-prefixed names that the Debezium Connect image silently ignores (the seed relied on them). */
export const CONNECT_IGNORED_VARIABLES = [
    "CONFIG_STORAGE_REPLICATION_FACTOR",
    "OFFSET_STORAGE_REPLICATION_FACTOR",
    "STATUS_STORAGE_REPLICATION_FACTOR",
] as const;

/** Debezium connector classes. */
export const CONNECTOR_CLASSES = {
    postgres: "io.debezium.connector.postgresql.PostgresConnector",
    mysql: "io.debezium.connector.mysql.MySqlConnector",
    mariadb: "io.debezium.connector.mariadb.MariaDbConnector",
} as const;

/** Kafka topic config key that bounds acknowledged writes; must not exceed the replication factor. */
export const TOPIC_MIN_ISR = "min.insync.replicas";

/** Credentials that must never reach a non-development stack. */
export const DEFAULT_CREDENTIALS = [
    { user: "minioadmin", password: "minioadmin" },
    { user: "admin", password: "admin" },
    { user: "root", password: "root" },
    { user: "postgres", password: "postgres" },
] as const;

// ---------------------------------------------------------------------------------------------
// Added for the policy pack (issue 6). Defaults are the upstream ones that apply when a setting
// is absent, so a policy can judge an omitted setting as well as a wrong one.

/** Kafka's own defaults for the settings above, used by the broker when its environment omits them. */
export const KAFKA_REPLICATION_DEFAULTS: Readonly<Record<string, number>> = {
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 3,
    KAFKA_DEFAULT_REPLICATION_FACTOR: 1,
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 2,
    KAFKA_MIN_INSYNC_REPLICAS: 1,
};

/**
 * Kafka Connect's own default replication factor for its config, offset and status topics (the worker
 * config's default), which a worker gets when nothing else sets them.
 */
export const CONNECT_STORAGE_REPLICATION_DEFAULT = 3;

/**
 * Replication that stays durable when a broker is lost, as far as the brokers allow: Kafka Connect's
 * own storage default, and the internal-topic replication the stack derives (`min(3, brokers)`).
 */
export const RECOMMENDED_REPLICATION_FACTOR = 3;

// ---------------------------------------------------------------------------------------------
// What an image does with a setting its environment leaves out (issue 12): the official images and
// the local ones built from images/ agree, and the policies judge a missing variable by these values.

/** Image repositories (registry host `docker.io/` and tag ignored) that share one start-up contract. */
export const IMAGE_REPOSITORIES = {
    /** quay.io/debezium/connect and its local twin: Kafka's example connect-distributed.properties plus CONNECT_* env. */
    debeziumConnect: ["quay.io/debezium/connect", "debezium/connect", "pulumi-lakehouse/connect"],
    /** apache/kafka and its local twin: KAFKA_* env -> server.properties, else the image's default file. */
    apacheKafka: ["apache/kafka", "apache/kafka-native", "pulumi-lakehouse/kafka"],
} as const;

/**
 * The storage replication of a Debezium Connect worker whose CONNECT_*_STORAGE_REPLICATION_FACTOR is
 * absent: the image starts from Kafka's example config/connect-distributed.properties, which sets
 * config/offset/status.storage.replication.factor=1 (not Kafka Connect's own default of 3).
 */
export const DEBEZIUM_CONNECT_STORAGE_REPLICATION_DEFAULT = 1;

/**
 * The apache/kafka image's replication settings when its environment has no KAFKA_* server setting:
 * it then runs its default single-node server.properties (internal topics replicated once, min ISR 1;
 * default.replication.factor and min.insync.replicas keep Kafka's default of 1).
 */
export const KAFKA_IMAGE_DEFAULT_FILE_REPLICATION: Readonly<Record<string, number>> = {
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1,
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 1,
    KAFKA_DEFAULT_REPLICATION_FACTOR: 1,
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 1,
    KAFKA_MIN_INSYNC_REPLICAS: 1,
};

/** KAFKA_* variables the apache/kafka image never turns into server properties (JVM and logging options). */
export const KAFKA_NON_PROPERTY_ENV = [
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
] as const;

/** Debezium connector config keys that decide whether capture can work at all. */
export const DEBEZIUM_CONFIG = {
    connectorClass: "connector.class",
    hostname: "database.hostname",
    user: "database.user",
    password: "database.password",
    pluginName: "plugin.name",
    slotName: "slot.name",
    serverId: "database.server.id",
    schemaHistoryTopic: "schema.history.internal.kafka.topic",
} as const;

/** Debezium's defaults for the keys above, and the one logical decoding plugin stock Postgres ships. */
export const DEBEZIUM_DEFAULTS = {
    pluginName: "decoderbufs",
    slotName: "debezium",
    postgresPlugin: "pgoutput",
} as const;

/** Pre-2.0 Debezium keys that no longer work, each with the key that replaced it. */
export const DEBEZIUM_REMOVED_CONFIG: Readonly<Record<string, string>> = {
    "database.server.name": "topic.prefix",
    "database.history.kafka.topic": "schema.history.internal.kafka.topic",
    "database.history.kafka.bootstrap.servers": "schema.history.internal.kafka.bootstrap.servers",
};

/** Postgres server settings (given as `-c name=value`) that logical decoding needs, with defaults. */
export const POSTGRES_SERVER_SETTINGS = {
    walLevel: "wal_level",
    maxReplicationSlots: "max_replication_slots",
    maxWalSenders: "max_wal_senders",
} as const;
export const POSTGRES_SERVER_DEFAULTS = { wal_level: "replica", max_replication_slots: 10, max_wal_senders: 10 } as const;
export const POSTGRES_WAL_LEVEL_LOGICAL = "logical";

/** MySQL/MariaDB server options (given as `--name=value`) that Debezium's binlog reader needs. */
export const MYSQL_SERVER_OPTIONS = {
    serverId: "server-id",
    logBin: "log-bin",
    binlogFormat: "binlog-format",
    binlogRowImage: "binlog-row-image",
} as const;
/** MySQL 8 and MariaDB both start with server id 1 and full row images; MariaDB's format default is MIXED. */
export const MYSQL_SERVER_DEFAULTS = { serverId: 1, binlogRowImage: "FULL" } as const;
export const MYSQL_BINLOG_FORMAT_ROW = "ROW";
export const MYSQL_BINLOG_ROW_IMAGE_FULL = "FULL";

/** MinIO's root credential variables. */
export const MINIO_ENV = { rootUser: "MINIO_ROOT_USER", rootPassword: "MINIO_ROOT_PASSWORD" } as const;

/**
 * Environment variables that carry a service's credentials: a user variable (or a fixed user when the
 * image has one) paired with a password variable, the user the image assumes when unset, and the role
 * whose containers always carry the password.
 */
export const CREDENTIAL_ENVS: readonly { user?: string; fixedUser?: string; password: string; defaultUser?: string; role?: string }[] = [
    { user: MINIO_ENV.rootUser, password: MINIO_ENV.rootPassword, defaultUser: "minioadmin", role: ROLES.minio },
    { user: "POSTGRES_USER", password: "POSTGRES_PASSWORD", defaultUser: "postgres", role: ROLES.postgres },
    { fixedUser: "root", password: "MYSQL_ROOT_PASSWORD", role: ROLES.mysql },
    { fixedUser: "root", password: "MARIADB_ROOT_PASSWORD" },
    { user: "MYSQL_USER", password: "MYSQL_PASSWORD" },
];

/** Host addresses a published port may bind to unless a stack allows more (loopback only). */
export const DEFAULT_ALLOWED_HOST_IPS = ["127.0.0.1"] as const;
