import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { IcebergCatalog } from "../storage/catalog";
import { serviceContainer } from "../core/container";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import {
    CatalogConnection, SECRET_PLACEHOLDER, SPARK_UI_PORT, TRINO_HTTPS_PORT, TRINO_PORT, TRINO_START, sparkSpec, trinoPasswordHash, trinoSpec,
    validateCatalogName,
} from "../specs/engines";
import { passwordOrGenerated } from "../core/secrets";
import { CertificateAuthority } from "../core/tls";
import { ObjectStorage } from "../storage/storage";
import { AWS_SDK_VERSION, HADOOP_VERSION, ICEBERG_VERSION, SCALA_VERSION, SPARK_VERSION } from "../core/versions";

/** What both engines need to reach the shared catalog and its files. */
export interface EngineArgs extends ServiceArgs {
    /** The shared Iceberg REST catalog. Required. */
    catalog: IcebergCatalog;
    /** The MinIO holding the warehouse files. Required. */
    storage: ObjectStorage;
    /** Catalog name inside the engine. Default: "minio" (keeps the seed's minio.test_db.iceberg_table). */
    catalogName?: string;
}

const UPLOAD_SECRETS = { [SECRET_PLACEHOLDER.accessKey]: "accessKey", [SECRET_PLACEHOLDER.secretKey]: "secretKey" };

function connection(args: EngineArgs, catalogName: string): CatalogConnection {
    return {
        catalogName: validateCatalogName(catalogName),
        catalogUri: args.catalog.uri,
        warehouse: args.catalog.warehouse,
        s3Endpoint: args.storage.internalEndpoint,
    };
}

/** Maven packages the official Spark image fetches at start; local images carry these jars. */
export function sparkPackages(): string[] {
    const sparkMinor = SPARK_VERSION.split(".").slice(0, 2).join(".");
    return [
        `org.apache.iceberg:iceberg-spark-runtime-${sparkMinor}_${SCALA_VERSION}:${ICEBERG_VERSION}`,
        `org.apache.iceberg:iceberg-aws-bundle:${ICEBERG_VERSION}`,
        `org.apache.spark:spark-sql-kafka-0-10_${SCALA_VERSION}:${SPARK_VERSION}`,
    ];
}

/**
 * Maven packages the official Spark image fetches at start for `s3a://` (the CDC job's checkpoint on
 * MinIO): hadoop-aws at Spark's Hadoop version and the AWS SDK's S3 transfer manager, which S3A needs
 * and Iceberg's AWS bundle lacks. The rest of the SDK comes from that bundle (see S3A_PACKAGE_EXCLUDES).
 */
export function sparkS3aPackages(): string[] {
    return [
        `org.apache.hadoop:hadoop-aws:${HADOOP_VERSION}`,
        `software.amazon.awssdk:s3-transfer-manager:${AWS_SDK_VERSION}`,
    ];
}

/**
 * What Spark leaves out when it resolves sparkS3aPackages (`spark.jars.excludes`, groupId:artifactId):
 * hadoop-aws's ~600 MB AWS SDK bundle and its optional analytics stream and OpenSSL binding, and the SDK
 * modules the transfer manager depends on, which Iceberg's AWS bundle already carries at the same version
 * (its netty is shaded; the unshaded SDK modules would bring a second netty beside Spark's).
 */
export const S3A_PACKAGE_EXCLUDES: readonly string[] = [
    "software.amazon.awssdk:bundle",
    "software.amazon.s3.analyticsaccelerator:analyticsaccelerator-s3",
    "org.wildfly.openssl:wildfly-openssl",
    ...["s3", "sdk-core", "utils", "annotations", "regions", "aws-core", "json-utils", "protocol-core", "auth", "http-client-spi"]
        .map((m) => `software.amazon.awssdk:${m}`),
];

export interface SparkArgs extends EngineArgs {
    /** DNS name on the stack's network. Default: "spark". */
    hostname?: string;
    /** Host port of the Spark UI of jobs run in the container. Default: 4040. */
    uiHostPort?: number;
}

/** A Spark client container configured for the Iceberg REST catalog on MinIO (spark-sql, spark-submit). */
export class Spark extends LakehouseComponent {
    public readonly container: docker.Container;
    public readonly containerName: string;
    public readonly catalogName: string;

    constructor(name: string, args: SparkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:compute:Spark", name, opts);
        const a = { hostname: "spark", uiHostPort: SPARK_UI_PORT, catalogName: "minio", ...definedOnly(args), ...resolveService("spark", args) };
        const { spec, secrets: trust } = this.spec(() => args.storage.javaClient(sparkSpec({
            image: a.image, hostname: a.hostname, catalog: connection(args, a.catalogName),
            packages: a.imageSet === "official" ? sparkPackages() : [], uiHostPort: a.uiHostPort, bindIp: a.bindIp,
        })));
        // Spark reads and writes the warehouse and the storage's further buckets (the seed's spark-test).
        const s3Key = args.storage.credentialsFor("spark", Object.keys(args.storage.buckets).filter((b) => b !== args.storage.checkpointBucket));
        this.containerName = `${a.namePrefix}-${a.hostname}`;
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: this.containerName, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { accessKey: s3Key.accessKey, secretKey: s3Key.secretKey, ...trust }, uploadSecrets: UPLOAD_SECRETS,
        }, this.childOpts({ dependsOn: [args.catalog.container, ...s3Key.ready] })).container;
        this.catalogName = a.catalogName;
        this.registerOutputs({ containerName: this.containerName, catalogName: this.catalogName });
    }
}

export interface TrinoArgs extends EngineArgs {
    /** DNS name on the stack's network. Default: "trino". */
    hostname?: string;
    /** Host port of the HTTP API (HTTPS when `security` is set). Default: 8080, or 8443 with `security`. */
    hostPort?: number;
    /**
     * HTTPS with a server certificate from `ca` and password authentication (docs/security.md). Default:
     * none, plain HTTP that accepts any user (dev stacks; the policy pack refuses that elsewhere).
     */
    security?: TrinoSecurityArgs;
}

export interface TrinoSecurityArgs {
    /** The stack's certificate authority, which signs Trino's server certificate. Required. */
    ca: CertificateAuthority;
    /** The user of the password file. Default: "lakehouse". */
    user?: string;
    /** That user's password, a secret. Default: generated once and kept in state as a secret. */
    password?: pulumi.Input<string>;
}

/** Trino with an Iceberg catalog over the shared REST catalog on MinIO. */
export class Trino extends LakehouseComponent {
    public readonly container: docker.Container;
    public readonly url: string;
    public readonly catalogName: string;
    /** With `security`: the user, its password (a secret) and the CA certificate clients trust. */
    public readonly login?: { user: string; password: pulumi.Output<string>; caCertificate: pulumi.Output<string> };

    constructor(name: string, args: TrinoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:compute:Trino", name, opts);
        const security = args.security;
        const a = {
            hostname: "trino", hostPort: security ? TRINO_HTTPS_PORT : TRINO_PORT, catalogName: "minio",
            ...definedOnly(args), ...resolveService("trino", args),
        };
        const user = security?.user ?? "lakehouse";
        const { spec, secrets: trust } = this.spec(() => args.storage.javaClient(trinoSpec({
            image: a.image, hostname: a.hostname, catalog: connection(args, a.catalogName), hostPort: a.hostPort, bindIp: a.bindIp,
            security: security && { user },
        }), TRINO_START));
        const s3Key = args.storage.credentialsFor("trino", [args.storage.warehouseBucket]);
        const containerName = `${a.namePrefix}-${a.hostname}`;
        const secrets: Record<string, pulumi.Input<string>> = { accessKey: s3Key.accessKey, secretKey: s3Key.secretKey, ...trust };
        if (security) {
            const child = this.childOpts();
            const password = passwordOrGenerated(this.childName("password"), security.password, child);
            // The hash's salt: generated once, so the password file (and the container) changes only with the password.
            const salt = passwordOrGenerated(this.childName("password-salt"), undefined, child);
            const cert = security.ca.issue(this.childName("certificate"), {
                commonName: a.hostname,
                dnsNames: [a.hostname, containerName, "localhost"],
                ipAddresses: [...new Set([a.bindIp, "127.0.0.1"])],
            }, child);
            Object.assign(secrets, {
                tlsKey: cert.key, tlsCertificate: cert.certificate,
                sharedSecret: passwordOrGenerated(this.childName("shared-secret"), undefined, child),
                passwordHash: pulumi.secret(pulumi.all([password, salt]).apply(([p, s]) => trinoPasswordHash(p, s))),
            });
            this.login = { user, password, caCertificate: security.ca.certificate };
        }
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets, uploadSecrets: UPLOAD_SECRETS,
        }, this.childOpts({ dependsOn: [args.catalog.container, ...s3Key.ready] })).container;
        this.url = `${security ? "https" : "http"}://${a.bindIp}:${a.hostPort}`;
        this.catalogName = a.catalogName;
        this.registerOutputs({ url: this.url, catalogName: this.catalogName });
    }
}
