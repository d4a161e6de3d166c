// Spark and Trino, both configured for the one Iceberg REST catalog on MinIO.
import { ROLES } from "../settings";
import { S3_REGION } from "./storage";
import { ContainerSpec, SpecError, healthcheck, requirePort } from "./types";

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
}

export const TRINO_PORT = 8080;

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
    return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

export function trinoSpec(args: TrinoSpecArgs): ContainerSpec {
    requirePort("trino.hostPort", args.hostPort);
    const name = validateCatalogName(args.catalog.catalogName);
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.trino,
        env: {},
        secretEnv: {},
        ports: [{ internal: TRINO_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD", "/usr/lib/trino/bin/health-check"], 20, 60),
        volumes: [],
        uploads: [{ file: `/etc/trino/catalog/${name}.properties`, content: trinoCatalogProperties(args.catalog) }],
    };
}
