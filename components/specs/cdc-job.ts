// The CDC mirror job: spark-submit of jobs/cdc_mirror.py in the Spark image, reading Debezium's topics
// and keeping an Iceberg mirror and changelog table per captured table (see docs/e2e.md).
import * as fs from "fs";
import * as path from "path";
import { ROLES } from "../core/settings";
import { CatalogConnection, SECRET_PLACEHOLDER, SPARK_HOME, validateCatalogName } from "./engines";
import { SparkDriverJob, heartbeatHealthcheckCommand, sparkJobConf, sparkJobContainerSpec, sparkSubmitArgs } from "./spark-job";
import { S3_REGION, validateBucket } from "./storage";
import { KAFKA_SECURITY_FILE_MODE, kafkaClientSecurity } from "./kafka";
import { ContainerSpec, SpecError, requireIdentifier, secretRef } from "./types";

/** Where the job files live inside the container. */
export const CDC_JOB_DIR = "/opt/lakehouse/jobs";
/** The job's files, by name, as they sit in the repository's `jobs/` folder. */
export const CDC_JOB_FILES = ["cdc_mirror.py", "cdc_lib.py"] as const;
/** The file the job rewrites every few seconds while its streaming query is active. */
export const CDC_HEARTBEAT_FILE = "/tmp/cdc-mirror.heartbeat";
/** The healthcheck fails once the heartbeat is older than this. */
export const CDC_HEARTBEAT_MAX_AGE_SECONDS = 60;
/**
 * A local checkpoint (a path under this folder) lives on the job's docker volume, mounted over the
 * image's work dir (owned by the spark user, so a fresh volume inherits that owner). The default is an
 * `s3a://` location on MinIO instead, which needs no volume.
 */
export const CDC_CHECKPOINT_VOLUME_PATH = `${SPARK_HOME}/work-dir`;
/** What the job does with the mirror and changelog of a table removed from capture (jobs/cdc_lib.py REMOVED_TABLES). */
export const REMOVED_TABLES = ["keep", "drop"] as const;
export type RemovedTables = (typeof REMOVED_TABLES)[number];

export interface CdcJobSpecArgs {
    image: string;
    hostname: string;
    catalog: CatalogConnection;
    /** Kafka bootstrap servers as the containers reach them. */
    bootstrapServers: string;
    /** Topics to mirror; exclusive with topicPattern. */
    topics?: string[];
    /** Java regex of topics to mirror; exclusive with topics. */
    topicPattern?: string;
    /** Primary-key columns per topic or `schema.table`; tables not named use Debezium's message key. */
    primaryKeys: Record<string, string[]>;
    namespace: string;
    tablePrefix: string;
    jobName: string;
    triggerSeconds: number;
    /** MinIO bucket of the default checkpoint, `s3a://<checkpointBucket>/<jobName>`. */
    checkpointBucket: string;
    /**
     * Checkpoint location: `s3a://<bucket>/<path>` on the catalog's MinIO, or a path under
     * CDC_CHECKPOINT_VOLUME_PATH on the job's volume; empty for the default in checkpointBucket.
     */
    checkpointLocation?: string;
    master: string;
    driverMemory: string;
    /** Maven packages Spark fetches at start; empty when the image carries the jars. */
    packages: string[];
    /** groupId:artifactId Spark leaves out when it resolves the packages (`spark.jars.excludes`). Default: none. */
    packageExcludes?: readonly string[];
    /** File contents by name (CDC_JOB_FILES); see readCdcJobFiles. */
    jobFiles: Record<string, string>;
    /** Tests only: the job obeys kill requests in CDC_TEST_KILL_FILE (CDC_TEST_HOOKS=1). Default: false. */
    testHooks?: boolean;
    /** A table removed from `topics`: its mirror and changelog are kept or dropped (`--removed-tables`). Default: "keep". */
    removedTables?: RemovedTables;
    /** Topics of one micro-batch written at once (`--parallel-topics`), 1 to 64. Default: the job's own, 1. */
    parallelTopics?: number;
    /** spark-submit arguments before the job file, beside master, memory and name (Kubernetes' scheduler settings). Default: none. */
    submitArgs?: string[];
    /**
     * The brokers take SCRAM logins over TLS: the job reads its Kafka client settings from the secret file
     * {@link CDC_KAFKA_FILES}.properties (`--kafka-properties`), the login from the component's secret
     * {@link CDC_KAFKA_SECRETS}.jaas, and trusts the CA in {@link CDC_KAFKA_FILES}.ca. Default: false.
     */
    kafkaSecurity?: boolean;
}

/** A secured Kafka's files in the job's container: client settings (a secret) and the CA certificate. */
export const CDC_KAFKA_FILES = { properties: "/opt/lakehouse/kafka/client.properties", ca: "/opt/lakehouse/kafka/ca.pem" } as const;
/** The component's secrets for a secured Kafka: the `sasl.jaas.config` value and the CA certificate (public, known late). */
export const CDC_KAFKA_SECRETS = { jaas: "kafkaJaas", caCertificate: "kafkaCaCertificate" } as const;

/** The job's Kafka client settings file: one `key=value` per line, each passed to Spark's Kafka source as `kafka.<key>`. */
export function cdcKafkaProperties(): string {
    return Object.entries(kafkaClientSecurity(secretRef(CDC_KAFKA_SECRETS.jaas), CDC_KAFKA_FILES.ca)).map(([k, v]) => `${k}=${v}\n`).join("");
}

/** Where a test writes a kill request for the job (with testHooks): `{"point": "after-changelog" | "between-topics", "topic"?: string}`. */
export const CDC_TEST_KILL_FILE = "/tmp/cdc-test-kill.json";

/** The job's Python files, read from the repository's `jobs/` folder (next to components/ or dist/). */
export function readCdcJobFiles(): Record<string, string> {
    const candidates = [path.resolve(__dirname, "../../jobs"), path.resolve(__dirname, "../../../jobs")];
    const dir = candidates.find((d) => fs.existsSync(path.join(d, CDC_JOB_FILES[0])));
    if (!dir) throw new SpecError("cdcJob.jobFiles", `jobs/${CDC_JOB_FILES[0]} not found (looked in ${candidates.join(", ")})`);
    return Object.fromEntries(CDC_JOB_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/** The default checkpoint of a job: `s3a://<bucket>/<jobName>` on MinIO. */
export function defaultCheckpoint(bucket: string, jobName: string): string {
    return `s3a://${bucket}/${jobName}`;
}

/** The job's checkpoint location: the one given, else the default. */
export function cdcCheckpoint(args: Pick<CdcJobSpecArgs, "checkpointBucket" | "checkpointLocation" | "jobName">): string {
    return args.checkpointLocation || defaultCheckpoint(args.checkpointBucket, args.jobName);
}

/** Bucket and key prefix (no leading or trailing /) of an `s3a://bucket/path` location; undefined for any other string. */
export function parseS3aLocation(location: string): { bucket: string; prefix: string } | undefined {
    const m = /^s3a:\/\/([^/\s]+)\/([^/\s]+(?:\/[^/\s]+)*)\/?$/.exec(location);
    return m ? { bucket: m[1], prefix: m[2] } : undefined;
}

/**
 * Hadoop's S3A settings for MinIO, as `spark.hadoop.*`: the catalog's endpoint, path-style requests and
 * the same key pair as the catalog's S3FileIO, filled into the uploaded file like its placeholders.
 */
export function s3aSparkConf(c: Pick<CatalogConnection, "s3Endpoint">): Record<string, string> {
    const p = "spark.hadoop.fs.s3a";
    return {
        [`${p}.endpoint`]: c.s3Endpoint,
        [`${p}.endpoint.region`]: S3_REGION,
        [`${p}.path.style.access`]: "true",
        [`${p}.aws.credentials.provider`]: "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        [`${p}.access.key`]: SECRET_PLACEHOLDER.accessKey,
        [`${p}.secret.key`]: SECRET_PLACEHOLDER.secretKey,
    };
}

/** Spark settings of the job beside the catalog's: small, local, no UI; S3A when the checkpoint is on MinIO. */
export function cdcJobSparkConf(
    args: Pick<CdcJobSpecArgs, "catalog" | "packages" | "packageExcludes" | "checkpointBucket" | "checkpointLocation" | "jobName">,
): Record<string, string> {
    return sparkJobConf(args.catalog, {
        // CDC micro-batches are small: adaptive re-planning of every MERGE stage costs more than it saves.
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.streaming.stopGracefullyOnShutdown": "true",
        ...(parseS3aLocation(cdcCheckpoint(args)) ? s3aSparkConf(args.catalog) : {}),
    }, args.packages, args.packageExcludes);
}

function validateCheckpoint(args: CdcJobSpecArgs): void {
    const field = "cdcJob.checkpointLocation";
    const location = args.checkpointLocation;
    if (!location) {
        validateBucket("cdcJob.checkpointBucket", args.checkpointBucket);
        return;
    }
    if (location.startsWith("s3a://")) {
        const s3a = parseS3aLocation(location);
        if (!s3a) throw new SpecError(field, `must look like s3a://<bucket>/<path>, got ${JSON.stringify(location)}`);
        validateBucket(field, s3a.bucket);
        return;
    }
    const volume = `${CDC_CHECKPOINT_VOLUME_PATH}/`;
    if (!location.startsWith(volume) || location.length === volume.length || /(^|\/)\.\.?(\/|$)|\s/.test(location.slice(volume.length))) {
        throw new SpecError(field, `must be s3a://<bucket>/<path> on MinIO or a path under ${volume} (the job's volume), got ${JSON.stringify(location)}`);
    }
}

function validate(args: CdcJobSpecArgs): void {
    requireIdentifier("cdcJob.namespace", args.namespace);
    if (args.tablePrefix !== "") requireIdentifier("cdcJob.tablePrefix", args.tablePrefix);
    validateCatalogName(args.catalog.catalogName);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(args.jobName)) {
        throw new SpecError("cdcJob.jobName", `must be lowercase letters, digits and -, got ${JSON.stringify(args.jobName)}`);
    }
    const hasTopics = (args.topics?.length ?? 0) > 0;
    if (hasTopics === Boolean(args.topicPattern)) {
        throw new SpecError("cdcJob.topics", "give either topics or topicPattern, not both and not neither");
    }
    if (!(args.triggerSeconds > 0 && args.triggerSeconds <= 3600)) {
        throw new SpecError("cdcJob.triggerSeconds", `must be more than 0 and at most 3600, got ${args.triggerSeconds}`);
    }
    if (args.parallelTopics !== undefined && !(Number.isInteger(args.parallelTopics) && args.parallelTopics >= 1 && args.parallelTopics <= 64)) {
        throw new SpecError("cdcJob.parallelTopics", `must be a whole number from 1 to 64, got ${args.parallelTopics}`);
    }
    if (!/^\d+[mg]$/.test(args.driverMemory)) {
        throw new SpecError("cdcJob.driverMemory", `must look like 512m or 1g, got ${JSON.stringify(args.driverMemory)}`);
    }
    for (const [table, cols] of Object.entries(args.primaryKeys)) {
        if (cols.length === 0) throw new SpecError(`cdcJob.primaryKeys.${table}`, "must name at least one column");
    }
    if (args.removedTables !== undefined && !(REMOVED_TABLES as readonly string[]).includes(args.removedTables)) {
        throw new SpecError("cdcJob.removedTables", `must be one of ${REMOVED_TABLES.join(", ")}, got ${JSON.stringify(args.removedTables)}`);
    }
    if (args.removedTables === "drop" && args.topicPattern) {
        throw new SpecError("cdcJob.removedTables", "\"drop\" needs topics, not topicPattern (a pattern has no list a removed table leaves)");
    }
    validateCheckpoint(args);
    for (const f of CDC_JOB_FILES) {
        if (!args.jobFiles[f]) throw new SpecError("cdcJob.jobFiles", `missing ${f}`);
    }
}

/** The job's own arguments (after jobs/cdc_mirror.py). */
function cdcJobArgs(args: CdcJobSpecArgs): string[] {
    return [
        "--bootstrap-servers", args.bootstrapServers,
        ...(args.topicPattern ? ["--topic-pattern", args.topicPattern] : ["--topics", (args.topics ?? []).join(",")]),
        "--primary-keys", JSON.stringify(args.primaryKeys),
        "--catalog", args.catalog.catalogName,
        "--namespace", args.namespace,
        // Docker refuses an empty argument ("values for command may not be empty"): the job's default is "".
        ...(args.tablePrefix ? ["--table-prefix", args.tablePrefix] : []),
        "--checkpoint", cdcCheckpoint(args),
        "--trigger-seconds", String(args.triggerSeconds),
        "--job-name", args.jobName,
        "--heartbeat-file", CDC_HEARTBEAT_FILE,
        ...(args.kafkaSecurity ? ["--kafka-properties", CDC_KAFKA_FILES.properties] : []),
        // "keep" is the job's default: passed only for "drop", so a stack that keeps has the same command as before.
        ...(args.removedTables === "drop" ? ["--removed-tables", "drop"] : []),
        // Passed only when set: a stack that leaves it has the same command as before (the job's default, 1).
        ...(args.parallelTopics !== undefined ? ["--parallel-topics", String(args.parallelTopics)] : []),
    ];
}

/** The spark-submit arguments: Spark's first, then the job's. */
export function cdcJobCommand(args: CdcJobSpecArgs): string[] {
    return sparkSubmitArgs(cdcDriverJob(args), cdcJobArgs(args));
}

function cdcDriverJob(args: CdcJobSpecArgs): SparkDriverJob {
    return {
        master: args.master, driverMemory: args.driverMemory, name: args.jobName, dir: CDC_JOB_DIR, main: "cdc_mirror.py", lib: "cdc_lib.py",
        ...(args.submitArgs?.length ? { submitArgs: args.submitArgs } : {}),
    };
}

/** The healthcheck: the heartbeat exists and is fresh, i.e. the streaming query is active and not failed. */
export function cdcJobHealthcheckCommand(): string {
    return heartbeatHealthcheckCommand(CDC_HEARTBEAT_FILE, CDC_HEARTBEAT_MAX_AGE_SECONDS);
}

export function cdcJobSpec(args: CdcJobSpecArgs): ContainerSpec {
    validate(args);
    return sparkJobContainerSpec({
        hostname: args.hostname, image: args.image, role: ROLES.sparkJob,
        job: cdcDriverJob(args), jobArgs: cdcJobArgs(args),
        conf: cdcJobSparkConf(args), files: CDC_JOB_FILES, jobFiles: args.jobFiles, heartbeatFile: CDC_HEARTBEAT_FILE,
        env: args.testHooks ? { CDC_TEST_HOOKS: "1", CDC_TEST_KILL_FILE } : undefined,
        // On MinIO the checkpoint needs no volume; a local one has the job's volume under it.
        volumes: parseS3aLocation(cdcCheckpoint(args)) ? [] : [{ role: "checkpoints", containerPath: CDC_CHECKPOINT_VOLUME_PATH }],
        // Read by the driver, which runs as the image's spark user: root-owned and readable, as Connect's.
        secretFiles: args.kafkaSecurity ? [
            { file: CDC_KAFKA_FILES.properties, content: cdcKafkaProperties(), permissions: KAFKA_SECURITY_FILE_MODE },
            { file: CDC_KAFKA_FILES.ca, content: secretRef(CDC_KAFKA_SECRETS.caCertificate), permissions: KAFKA_SECURITY_FILE_MODE },
        ] : undefined,
    });
}
