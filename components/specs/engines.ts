// Spark and Trino, both configured for the one Iceberg REST catalog on MinIO.
import { ROLES, TRINO_SECURITY } from "../core/settings";
import { S3_REGION } from "./storage";
import * as crypto from "crypto";
import { ContainerSpec, SpecError, healthcheck, requirePort, secretRef } from "./types";

/** Where both engines find the catalog and its files. */
export interface CatalogConnection {
    /** Catalog name in both engines; `minio` keeps the seed's `minio.test_db.iceberg_table`. */
    catalogName: string;
    catalogUri: string;
    warehouse: string;
    s3Endpoint: string;
}

/** Placeholders the components fill with secret values when they upload the files. */
export const SECRET_PLACEHOLDER = { accessKey: "${S3_ACCESS_KEY}", secretKey: "${S3_SECRET_KEY}" } as const;

/**
 * A file with SECRET_PLACEHOLDER's placeholders as `${SECRET:<key>}` (secretRef, the same key names), for a
 * platform that keeps the whole file as a secret and fills it with fillSecretRefs (Kubernetes).
 */
export function placeholdersAsSecretRefs(content: string): string {
    return Object.entries(SECRET_PLACEHOLDER).reduce((text, [key, placeholder]) => text.split(placeholder).join(secretRef(key)), content);
}

export function validateCatalogName(name: string): string {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
        throw new SpecError("catalogName", `must be lowercase letters, digits and _, got ${JSON.stringify(name)}`);
    }
    return name;
}

/** Spark settings for an Iceberg REST catalog on S3 (MinIO), path-style everywhere. */
export function sparkCatalogConf(c: CatalogConnection): Record<string, string> {
    const p = `spark.sql.catalog.${validateCatalogName(c.catalogName)}`;
    return {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        [p]: "org.apache.iceberg.spark.SparkCatalog",
        [`${p}.type`]: "rest",
        [`${p}.uri`]: c.catalogUri,
        [`${p}.warehouse`]: c.warehouse,
        [`${p}.io-impl`]: "org.apache.iceberg.aws.s3.S3FileIO",
        [`${p}.s3.endpoint`]: c.s3Endpoint,
        [`${p}.s3.path-style-access`]: "true",
        [`${p}.s3.access-key-id`]: SECRET_PLACEHOLDER.accessKey,
        [`${p}.s3.secret-access-key`]: SECRET_PLACEHOLDER.secretKey,
        [`${p}.client.region`]: S3_REGION,
        "spark.sql.defaultCatalog": c.catalogName,
    };
}

export interface SparkSpecArgs {
    image: string;
    hostname: string;
    catalog: CatalogConnection;
    /** Maven coordinates Spark fetches at start; empty when the image carries the jars. */
    packages: string[];
    uiHostPort: number;
    bindIp: string;
}

export const SPARK_HOME = "/opt/spark";
export const SPARK_UI_PORT = 4040;

export function sparkDefaults(conf: Record<string, string>): string {
    return Object.entries(conf).map(([k, v]) => `${k} ${v}`).join("\n") + "\n";
}

/** A Spark client container: spark-submit and spark-sql against the catalog, jobs run through it. */
export function sparkSpec(args: SparkSpecArgs): ContainerSpec {
    requirePort("spark.uiHostPort", args.uiHostPort);
    const conf = sparkCatalogConf(args.catalog);
    if (args.packages.length > 0) conf["spark.jars.packages"] = args.packages.join(",");
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.spark,
        env: { SPARK_NO_DAEMONIZE: "true", AWS_REGION: S3_REGION },
        secretEnv: {},
        entrypoint: ["sleep"],
        command: ["infinity"],
        ports: [{ internal: SPARK_UI_PORT, external: args.uiHostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD-SHELL", `test -x ${SPARK_HOME}/bin/spark-submit && test -s ${SPARK_HOME}/conf/spark-defaults.conf`], 2, 10),
        volumes: [],
        uploads: [{ file: `${SPARK_HOME}/conf/spark-defaults.conf`, content: sparkDefaults(conf) }],
    };
}

export interface TrinoSpecArgs {
    image: string;
    hostname: string;
    catalog: CatalogConnection;
    hostPort: number;
    bindIp: string;
    /**
     * HTTPS and password authentication for `user` (TrinoSecuritySpec): the host port then publishes the
     * HTTPS port only. Default: plain HTTP without authentication (dev).
     */
    security?: TrinoSecuritySpec;
}

/** What a secured Trino needs besides its secrets (the keys of TRINO_SECURITY_SECRETS). */
export interface TrinoSecuritySpec {
    /** The one user of the password file. */
    user: string;
}

export const TRINO_PORT = 8080;
/** The image's own command (trinodb/trino's and images/trino's CMD), for a container started through a wrapper. */
export const TRINO_START = ["/usr/lib/trino/bin/run-trino"];
/** Trino's HTTPS port when secured (the port Trino's docs use). */
export const TRINO_HTTPS_PORT = TRINO_SECURITY.httpsPort;
/**
 * Secret keys a secured Trino's files name (`${SECRET:<key>}`): the PEM key and certificate of its
 * server certificate, the internal-communication shared secret (Trino requires one with authentication)
 * and the password file's hash line of the user (trinoPasswordHash).
 */
export const TRINO_SECURITY_SECRETS = ["tlsKey", "tlsCertificate", "sharedSecret", "passwordHash"] as const;
/** PBKDF2 rounds of the password file (Trino accepts at least 1000). */
export const TRINO_PBKDF2_ITERATIONS = 100_000;

/**
 * The password file's hash of `password`, in Trino's PBKDF2 form `<iterations>:<salt hex>:<hash hex>`.
 * Trino (476, io.trino.plugin.password.file.EncryptionUtil, read with javap) checks it with
 * PBKDF2WithHmacSHA1 and a key as long as the stored hash: 20 bytes, one SHA-1 block. `salt` is fixed per
 * stack so the file, and so the container, changes only with the password.
 */
export function trinoPasswordHash(password: string, salt: string, iterations = TRINO_PBKDF2_ITERATIONS): string {
    if (iterations < 1000) throw new SpecError("trino.passwordHash", `Trino needs at least 1000 PBKDF2 iterations, got ${iterations}`);
    if (password.length === 0) throw new SpecError("trino.password", "must not be empty");
    const saltBytes = Buffer.from(salt, "utf8");
    const hash = crypto.pbkdf2Sync(password, saltBytes, iterations, 20, "sha1");
    return `${iterations}:${saltBytes.toString("hex")}:${hash.toString("hex")}`;
}
/** Trino's configuration directory (trinodb/trino's image contract; images/trino has the same). */
export const TRINO_ETC_DIR = "/etc/trino";
/** Where Trino reads its catalogs, one `<name>.properties` each. */
export const TRINO_CATALOG_DIR = `${TRINO_ETC_DIR}/catalog`;

function propertiesFile(props: Record<string, string>): string {
    return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/** Trino's Iceberg catalog file; the legacy hive.s3.* keys are gone in recent Trino. */
export function trinoCatalogProperties(c: CatalogConnection): string {
    const props: Record<string, string> = {
        "connector.name": "iceberg",
        "iceberg.catalog.type": "rest",
        "iceberg.rest-catalog.uri": c.catalogUri,
        "iceberg.rest-catalog.warehouse": c.warehouse,
        "fs.native-s3.enabled": "true",
        "s3.endpoint": c.s3Endpoint,
        "s3.region": S3_REGION,
        "s3.path-style-access": "true",
        "s3.aws-access-key": SECRET_PLACEHOLDER.accessKey,
        "s3.aws-secret-key": SECRET_PLACEHOLDER.secretKey,
    };
    return propertiesFile(props);
}

/**
 * config.properties of one node of a Trino cluster (the image's own is a single node that is its own
 * coordinator and worker): the coordinator schedules no tasks on itself, every node announces itself to
 * the coordinator's discovery service at `discoveryUri`.
 */
export function trinoNodeConfigProperties(args: { coordinator: boolean; discoveryUri: string }): string {
    return propertiesFile({
        coordinator: String(args.coordinator),
        ...(args.coordinator ? { "node-scheduler.include-coordinator": "false" } : {}),
        "http-server.http.port": String(TRINO_PORT),
        "discovery.uri": args.discoveryUri,
    });
}

/**
 * jvm.config with a fixed heap: the flags of the image's file (images/trino/etc/jvm.config) and G1 named,
 * since below about 1.8 GiB of memory the JVM picks the serial collector (Trino warns without G1).
 */
export function trinoJvmConfig(maxHeap: string): string {
    if (!/^[1-9][0-9]*[MG]$/.test(maxHeap)) throw new SpecError("trino.maxHeap", `must be a JVM size such as 640M or 1G, got ${JSON.stringify(maxHeap)}`);
    return [
        "-server", `-Xmx${maxHeap}`, "-XX:InitialRAMPercentage=10", "-XX:+UseG1GC", "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:+HeapDumpOnOutOfMemoryError", "-XX:+ExitOnOutOfMemoryError", "-XX:-OmitStackTraceInFastThrow", "-XX:ReservedCodeCacheSize=256M",
        "-XX:PerMethodRecompilationCutoff=10000", "-XX:PerBytecodeRecompilationCutoff=10000", "-Djdk.attach.allowAttachSelf=true",
        "-Djdk.nio.maxCachedBufferSize=2000000", "-Dfile.encoding=UTF-8", "-XX:+EnableDynamicAgentLoading",
    ].join("\n") + "\n";
}

/** Where a secured Trino reads its files (all in the image's existing etc directory: an upload needs its directory). */
export const TRINO_SECURITY_FILES = TRINO_SECURITY.files;

/**
 * config.properties of a secured single-node Trino: the image's own settings (a coordinator that also
 * runs tasks, HTTP on 8080 for the image's health check and the node's own traffic, never published),
 * plus HTTPS on TRINO_HTTPS_PORT with a PEM keystore, password authentication and the shared secret.
 * Password authentication is refused over plain HTTP (Trino's default), so 8080 accepts no client login.
 */
export function trinoSecureConfigProperties(): string {
    return propertiesFile({
        coordinator: "true",
        "node-scheduler.include-coordinator": "true",
        "http-server.http.port": String(TRINO_PORT),
        "discovery.uri": `http://localhost:${TRINO_PORT}`,
        "http-server.https.enabled": "true",
        "http-server.https.port": String(TRINO_HTTPS_PORT),
        "http-server.https.keystore.path": TRINO_SECURITY_FILES.keystore,
        "http-server.authentication.type": "PASSWORD",
        "internal-communication.shared-secret": secretRef("sharedSecret"),
    });
}

/** The user name of a Trino password file: no colon, no white space. */
function validTrinoUser(user: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(user)) {
        throw new SpecError("trino.security.user", `must be letters, digits, '.', '_', '@' or '-' (at most 64), got ${JSON.stringify(user)}`);
    }
    return user;
}

export function trinoSpec(args: TrinoSpecArgs): ContainerSpec {
    requirePort("trino.hostPort", args.hostPort);
    const name = validateCatalogName(args.catalog.catalogName);
    const catalogFile = { file: `${TRINO_CATALOG_DIR}/${name}.properties`, content: trinoCatalogProperties(args.catalog) };
    const spec: ContainerSpec = {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.trino,
        env: {},
        secretEnv: {},
        ports: [{ internal: TRINO_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD", "/usr/lib/trino/bin/health-check"], 20, 60),
        volumes: [],
        uploads: [catalogFile],
    };
    if (!args.security) return spec;
    const user = validTrinoUser(args.security.user);
    // Read by the trino user (uid 1000); the provider's uploads are root-owned, hence read-only for all.
    const readable = "0444";
    return {
        ...spec,
        ports: [{ internal: TRINO_HTTPS_PORT, external: args.hostPort, ip: args.bindIp }],
        uploads: [catalogFile, {
            file: TRINO_SECURITY_FILES.authenticator,
            content: propertiesFile({ "password-authenticator.name": "file", "file.password-file": TRINO_SECURITY_FILES.passwords }),
        }],
        secretFiles: [
            { file: TRINO_SECURITY_FILES.config, content: trinoSecureConfigProperties(), permissions: readable },
            { file: TRINO_SECURITY_FILES.passwords, content: `${user}:${secretRef("passwordHash")}\n`, permissions: readable },
            { file: TRINO_SECURITY_FILES.keystore, content: `${secretRef("tlsKey")}${secretRef("tlsCertificate")}`, permissions: readable },
        ],
    };
}
