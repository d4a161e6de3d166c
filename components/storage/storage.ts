import * as docker from "@pulumi/docker";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { serviceContainer } from "../core/container";
import { passwordOrGenerated } from "../core/secrets";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { CertificateAuthority, certificateFile } from "../core/tls";
import { JAVA_TRUST_SECRET, withJavaTrust } from "../specs/java-trust";
import { MINIO_API_PORT, MINIO_CONSOLE_PORT, MINIO_TLS_SECRETS, minioSpec, validateBucket } from "../specs/storage";
import { ContainerSpec, SpecError } from "../specs/types";

export interface ObjectStorageArgs extends ServiceArgs {
    /** DNS name on the stack's network. Default: "minio". */
    hostname?: string;
    /** Root user (the S3 access key). Default: "lakehouse". */
    rootUser?: pulumi.Input<string>;
    /** Root password (the S3 secret key). Default: generated. */
    rootPassword?: pulumi.Input<string>;
    /** Iceberg warehouse bucket. Default: "warehouse". */
    warehouseBucket?: string;
    /** Bucket of the CDC job's Spark checkpoints (`s3a://<checkpointBucket>/<jobName>`). Default: "checkpoints". */
    checkpointBucket?: string;
    /** Further buckets. Default: ["spark-test"] (the seed's). */
    buckets?: string[];
    /** Host port of the S3 API. Default: 9000. */
    apiHostPort?: number;
    /** Host port of the console. Default: 9001. */
    consoleHostPort?: number;
    /**
     * A MinIO user, policy and attachment per consumer (catalog, spark, trino, cdc, maintenance), each
     * granted only its buckets (docs/security.md). Default true. false: every consumer gets the root key
     * and no IAM resource is created.
     */
    minioUsers?: boolean;
    /**
     * TLS on MinIO's S3 API and console with a certificate from `ca` (docs/security.md, "MinIO: TLS"); the
     * provider, the catalog, Spark, Trino, the CDC job and table maintenance then trust that CA. Default:
     * plain HTTP (dev). A Lakehouse with `secureServices` sets it.
     */
    tls?: ObjectStorageTlsArgs;
}

export interface ObjectStorageTlsArgs {
    /** The certificate authority that signs MinIO's certificate (the stack's). Required. */
    ca: CertificateAuthority;
}

/** The consumers of the object store, each with a MinIO user and policy of its own. */
export type StorageConsumer = "catalog" | "spark" | "trino" | "cdc" | "maintenance";

/** A consumer's S3 key (Pulumi secrets) and the resources that must exist before it is used. */
export interface StorageCredentials {
    accessKey: pulumi.Output<string>;
    secretKey: pulumi.Output<string>;
    /** The user's policy attachment: the consumer starts after it. */
    ready: pulumi.Resource[];
    /** The buckets the consumer's policy names. */
    buckets: string[];
}

/** Bucket-level and object-level S3 actions a consumer is granted on each of its buckets (no bucket admin). */
export const CONSUMER_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
export const CONSUMER_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/** The IAM policy document granting read/write on exactly `buckets`. */
export function consumerPolicy(buckets: string[]): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: CONSUMER_BUCKET_ACTIONS, Resource: buckets.map((b) => `arn:aws:s3:::${b}`) },
            { Effect: "Allow", Action: CONSUMER_OBJECT_ACTIONS, Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`) },
        ],
    });
}

const DEFAULTS = {
    hostname: "minio", rootUser: "lakehouse", warehouseBucket: "warehouse", checkpointBucket: "checkpoints", buckets: ["spark-test"],
    apiHostPort: MINIO_API_PORT, consoleHostPort: MINIO_CONSOLE_PORT,
};

/** MinIO holding the Iceberg warehouse, and its buckets as @pulumi/minio resources. */
export class ObjectStorage extends LakehouseComponent {
    public readonly container: docker.Container;
    public readonly provider: minio.Provider;
    public readonly buckets: Record<string, minio.S3Bucket>;
    public readonly warehouseBucket: string;
    /** The bucket of Spark checkpoints; its resource is `buckets[checkpointBucket]`. */
    public readonly checkpointBucket: string;
    /** S3 endpoint for containers on the stack's network. */
    public readonly internalEndpoint: string;
    /** S3 endpoint from the host. */
    public readonly hostEndpoint: string;
    /** The root key: only the MinIO container and the minio provider get it; consumers use `credentialsFor`. */
    public readonly accessKey: pulumi.Output<string>;
    public readonly secretKey: pulumi.Output<string>;
    /** With `tls`: the CA certificate MinIO's clients trust (public). */
    public readonly caCertificate?: pulumi.Output<string>;
    private readonly namePrefix: string;
    private readonly minioUsers: boolean;
    private readonly grants: Partial<Record<StorageConsumer, StorageCredentials>> = {};

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:storage:ObjectStorage", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("minio", args) };
        const tls = args.tls;
        if (tls !== undefined && !(tls?.ca instanceof CertificateAuthority)) this.invalid("tls.ca", "must be a CertificateAuthority (the stack's)");
        const spec = this.spec(() => minioSpec({
            image: a.image, hostname: a.hostname, apiHostPort: a.apiHostPort, consoleHostPort: a.consoleHostPort, bindIp: a.bindIp,
            tls: tls !== undefined,
        }));
        const bucketNames = this.spec(() => {
            const all = [a.warehouseBucket, a.checkpointBucket, ...a.buckets];
            all.forEach((b, i) => validateBucket(i === 0 ? "warehouseBucket" : i === 1 ? "checkpointBucket" : `buckets[${i - 2}]`, b));
            const dup = all.find((b, i) => all.indexOf(b) !== i);
            if (dup) throw new SpecError("buckets", `names ${dup} twice (the warehouse and checkpoint buckets count)`);
            return all;
        });

        this.namePrefix = a.namePrefix;
        this.minioUsers = args.minioUsers !== false;
        this.accessKey = pulumi.secret(a.rootUser);
        this.secretKey = passwordOrGenerated(this.childName("root-password"), args.rootPassword, this.childOpts());
        const containerName = `${a.namePrefix}-${a.hostname}`;
        const secrets: Record<string, pulumi.Input<string>> = { rootUser: this.accessKey, rootPassword: this.secretKey };
        if (tls) {
            // Valid for the name on the stack's network, the container's, and the host-side address.
            const cert = tls.ca.issue(this.childName("certificate"), {
                commonName: a.hostname, dnsNames: [a.hostname, containerName, "localhost"], ipAddresses: [...new Set([a.bindIp, "127.0.0.1"])],
            }, this.childOpts());
            Object.assign(secrets, { [MINIO_TLS_SECRETS.certificate]: cert.certificate, [MINIO_TLS_SECRETS.key]: cert.key, [MINIO_TLS_SECRETS.ca]: tls.ca.certificate });
            this.caCertificate = tls.ca.certificate;
        }
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds, secrets,
        }, this.childOpts()).container;

        this.hostEndpoint = `${a.bindIp}:${a.apiHostPort}`;
        this.internalEndpoint = `${tls ? "https" : "http"}://${a.hostname}:${MINIO_API_PORT}`;
        this.provider = new minio.Provider(this.childName("provider"), {
            minioServer: this.hostEndpoint,
            minioUser: this.accessKey,
            minioPassword: this.secretKey,
            minioSsl: tls !== undefined,
            // The provider takes the CA as a path on the machine running Pulumi (upstream's minio_cacert_file).
            ...(tls ? { minioCacertFile: certificateFile(tls.ca.certificate) } : {}),
            minioRegion: "us-east-1",
        }, this.childOpts({ dependsOn: [this.container] }));
        this.buckets = {};
        for (const bucket of bucketNames) {
            this.buckets[bucket] = new minio.S3Bucket(this.childName(`bucket-${bucket}`), {
                bucket,
                forceDestroy: !a.keepVolumes,
            }, this.childOpts({ provider: this.provider, dependsOn: [this.container], retainOnDelete: a.keepVolumes }));
        }
        this.warehouseBucket = a.warehouseBucket;
        this.checkpointBucket = a.checkpointBucket;
        this.registerOutputs({ hostEndpoint: this.hostEndpoint, buckets: bucketNames });
    }

    /** The S3 endpoint from the host, with its scheme. */
    public get hostUrl(): string {
        return `${this.caCertificate ? "https" : "http"}://${this.hostEndpoint}`;
    }

    /**
     * A JVM consumer's container spec and the secrets it names, trusting MinIO's CA when MinIO has TLS
     * (withJavaTrust: `start` is the image's own command when the spec sets no entrypoint); unchanged
     * without TLS.
     */
    public javaClient(spec: ContainerSpec, start?: string[]): { spec: ContainerSpec; secrets: Record<string, pulumi.Input<string>> } {
        if (!this.caCertificate) return { spec, secrets: {} };
        return { spec: withJavaTrust(spec, start), secrets: { [JAVA_TRUST_SECRET]: this.caCertificate } };
    }

    /**
     * The consumer's own MinIO user (access key `<namePrefix>-<consumer>`, generated secret) with a policy
     * granting read/write on exactly `buckets` (each one of this storage's buckets). Created once per
     * consumer; asking again with other buckets is an error. With `minioUsers: false` it returns
     * the root key and creates nothing.
     */
    public credentialsFor(consumer: StorageConsumer, buckets: string[]): StorageCredentials {
        const wanted = [...new Set(buckets)].sort();
        const existing = this.grants[consumer];
        if (existing) {
            if (existing.buckets.join(",") !== wanted.join(",")) {
                throw new SpecError(`storage.${consumer}`, `is granted ${existing.buckets.join(", ")} already, not ${wanted.join(", ")}`);
            }
            return existing;
        }
        if (wanted.length === 0) throw new SpecError(`storage.${consumer}`, "needs at least one bucket");
        for (const b of wanted) {
            if (!this.buckets[b]) throw new SpecError(`storage.${consumer}`, `bucket ${b} is not one of the storage's buckets (${Object.keys(this.buckets).join(", ")})`);
        }
        if (!this.minioUsers) {
            // Opted out: the root key, no IAM resources, nothing extra to wait for.
            const root = { accessKey: this.accessKey, secretKey: this.secretKey, ready: [], buckets: wanted };
            this.grants[consumer] = root;
            return root;
        }
        const creds = minioConsumer({
            resourcePrefix: this.childName(consumer), userName: `${this.namePrefix}-${consumer}`, buckets: wanted, parent: this, provider: this.provider,
            dependsOn: [this.container, ...wanted.map((b) => this.buckets[b])],
        });
        this.grants[consumer] = creds;
        return creds;
    }
}

/**
 * A MinIO user (a generated secret key) with a policy granting read/write on exactly `buckets`
 * (consumerPolicy), as resources `<resourcePrefix>-secret|-user|-policy|-grant`; its credentials are
 * usable once `ready`. Both platforms' consumers get theirs from here.
 */
export function minioConsumer(args: {
    resourcePrefix: string; userName: string; buckets: string[]; parent: pulumi.Resource; provider: minio.Provider; dependsOn: pulumi.Resource[];
}): StorageCredentials {
    const secret = passwordOrGenerated(`${args.resourcePrefix}-secret`, undefined, { parent: args.parent });
    const opts = { parent: args.parent, provider: args.provider, dependsOn: args.dependsOn };
    const user = new minio.IamUser(`${args.resourcePrefix}-user`, { name: args.userName, secret, forceDestroy: true }, opts);
    const policy = new minio.IamPolicy(`${args.resourcePrefix}-policy`, { name: args.userName, policy: consumerPolicy(args.buckets) }, opts);
    const attachment = new minio.IamUserPolicyAttachment(`${args.resourcePrefix}-grant`, {
        userName: user.name, policyName: policy.name,
    }, { parent: args.parent, provider: args.provider, dependsOn: [user, policy] });
    return { accessKey: pulumi.secret(user.name), secretKey: secret, ready: [attachment], buckets: args.buckets };
}
