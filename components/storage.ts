import * as docker from "@pulumi/docker";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "./base";
import { serviceContainer } from "./container";
import { passwordOrGenerated } from "./secrets";
import { ServiceArgs, definedOnly, resolveService } from "./service";
import { MINIO_API_PORT, MINIO_CONSOLE_PORT, minioSpec, validateBucket } from "./specs/storage";
import { SpecError } from "./specs/types";

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
    public readonly accessKey: pulumi.Output<string>;
    public readonly secretKey: pulumi.Output<string>;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:storage:ObjectStorage", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("minio", args) };
        const spec = this.spec(() => minioSpec({
            image: a.image, hostname: a.hostname, apiHostPort: a.apiHostPort, consoleHostPort: a.consoleHostPort, bindIp: a.bindIp,
        }));
        const bucketNames = this.spec(() => {
            const all = [a.warehouseBucket, a.checkpointBucket, ...a.buckets];
            all.forEach((b, i) => validateBucket(i === 0 ? "warehouseBucket" : i === 1 ? "checkpointBucket" : `buckets[${i - 2}]`, b));
            const dup = all.find((b, i) => all.indexOf(b) !== i);
            if (dup) throw new SpecError("buckets", `names ${dup} twice (the warehouse and checkpoint buckets count)`);
            return all;
        });

        this.accessKey = pulumi.secret(a.rootUser);
        this.secretKey = passwordOrGenerated(this.childName("root-password"), args.rootPassword, this.childOpts());
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: `${a.namePrefix}-${a.hostname}`, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { rootUser: this.accessKey, rootPassword: this.secretKey },
        }, this.childOpts()).container;

        this.hostEndpoint = `${a.bindIp}:${a.apiHostPort}`;
        this.internalEndpoint = `http://${a.hostname}:${MINIO_API_PORT}`;
        this.provider = new minio.Provider(this.childName("provider"), {
            minioServer: this.hostEndpoint,
            minioUser: this.accessKey,
            minioPassword: this.secretKey,
            minioSsl: false,
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
}
