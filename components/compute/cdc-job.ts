import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { IcebergCatalog } from "../storage/catalog";
import { serviceContainer } from "../core/container";
import { S3A_PACKAGE_EXCLUDES, sparkPackages, sparkS3aPackages } from "./engines";
import { KAFKA_CLIENT_USERS, KafkaCluster } from "../streaming/kafka";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { CDC_KAFKA_SECRETS, RemovedTables, cdcCheckpoint, cdcJobSpec, parseS3aLocation, readCdcJobFiles } from "../specs/cdc-job";
import { scramJaasConfig } from "../specs/kafka";
import { SECRET_PLACEHOLDER } from "../specs/engines";
import { ObjectStorage } from "../storage/storage";

export interface CdcMirrorJobArgs extends ServiceArgs {
    /** The Kafka cluster holding Debezium's change topics. Required. */
    kafka: KafkaCluster;
    /** The Iceberg REST catalog the mirror and changelog tables live in. Required. */
    catalog: IcebergCatalog;
    /** The MinIO holding the warehouse files and, by default, the checkpoint (in its checkpointBucket). Required. */
    storage: ObjectStorage;
    /** Debezium topics to mirror, one per captured table; exclusive with topicPattern. Required unless topicPattern is given. */
    topics?: string[];
    /** Java regex of the topics to mirror (new topics are picked up); exclusive with topics. Default: none. */
    topicPattern?: string;
    /** Primary-key columns per topic or `schema.table`. Default: the columns of Debezium's message key. */
    primaryKeys?: Record<string, string[]>;
    /** Catalog name inside Spark. Default: "minio". */
    catalogName?: string;
    /** Iceberg namespace of the mirror and changelog tables. Default: "cdc". */
    namespace?: string;
    /** Prefix before `<topic prefix>_<schema>_<table>` in table names. Default: "" (none). */
    tablePrefix?: string;
    /** Job name: Spark app name, checkpoint folder and the snapshot-summary tag that makes replays skip. Default: "cdc-mirror". */
    jobName?: string;
    /** Micro-batch interval in seconds. Default: 5. */
    triggerSeconds?: number;
    /**
     * Topics of one micro-batch the job writes at once, each its changelog append and MERGE (two Iceberg
     * commits), in threads of the driver; 1 writes them one after the other. More pays only when the job
     * has cores to spare (a larger `master` than local[2]); a whole number from 1 to 64. Default: 1
     * (docs/performance.md, topics in parallel).
     */
    parallelTopics?: number;
    /** Spark master. Default: "local[2]". */
    master?: string;
    /** Driver memory (the job runs in the driver with local[N]). Default: "1g". */
    driverMemory?: string;
    /**
     * Where Spark keeps the stream's offsets and commits, which make restarts resume exactly once:
     * `s3a://<bucket>/<path>` in one of the storage's buckets, or a path under `/opt/spark/work-dir/` on a
     * docker volume of the job's own. Default: `s3a://<storage.checkpointBucket>/<jobName>` on MinIO.
     * The local images carry hadoop-aws; with the official ones Spark fetches it at start (spark.jars.packages).
     */
    checkpointLocation?: string;
    /** DNS name on the stack's network. Default: "cdc-mirror". */
    hostname?: string;
    /**
     * A table removed from capture (its topic gone from `topics`): "keep" leaves its mirror and changelog
     * tables as they were; "drop" drops both (`DROP TABLE ... PURGE`, data files included) when the job
     * restarts without it, once the batch that leaves its topic behind has committed. Not with topicPattern
     * (the job cannot tell a removed topic from a quiet one). Default: "keep".
     */
    removedTables?: RemovedTables;
    /** Resources the job starts after, e.g. the Debezium connectors and the topics. Default: none. */
    startAfter?: pulumi.Resource[];
    /** The SCRAM user the job logs in to a secured `kafka` as (KafkaClusterArgs.security). Default: "cdc". */
    kafkaUser?: string;
    /**
     * Tests only: the job exits at a kill point (after a topic's changelog append, or between two topics
     * of a batch) when a test writes a request to `/tmp/cdc-test-kill.json` in its container. Default: false.
     */
    testHooks?: boolean;
}

const UPLOAD_SECRETS = { [SECRET_PLACEHOLDER.accessKey]: "accessKey", [SECRET_PLACEHOLDER.secretKey]: "secretKey" };

/**
 * The Spark Structured Streaming job that turns Debezium's append-only change topics into Iceberg
 * tables: a mirror per captured table (MERGE on the primary key in source order) and a changelog.
 * The Iceberg Kafka Connect sink only appends (apache/iceberg#17542), hence a job of our own.
 */
export class CdcMirrorJob extends LakehouseComponent {
    public readonly container: docker.Container;
    public readonly containerName: string;
    /** The Iceberg namespace, as `<catalog>.<namespace>`. */
    public readonly namespace: string;
    /** The checkpoint location, e.g. `s3a://checkpoints/cdc-mirror`. */
    public readonly checkpointLocation: string;

    constructor(name: string, args: CdcMirrorJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:compute:CdcMirrorJob", name, opts);
        const a = {
            hostname: "cdc-mirror", catalogName: "minio", namespace: "cdc", tablePrefix: "", jobName: "cdc-mirror",
            triggerSeconds: 5, master: "local[2]", driverMemory: "1g", primaryKeys: {},
            ...definedOnly(args), ...resolveService("spark", args),
        };
        if (args.topics?.length && args.topicPattern) {
            this.invalid("topics", "give either topics or topicPattern, not both");
        }
        const checkpointBucket = args.storage.checkpointBucket;
        const checkpoint = cdcCheckpoint({ checkpointBucket, checkpointLocation: a.checkpointLocation, jobName: a.jobName });
        // S3A does not create buckets: an s3a:// checkpoint must be in a bucket the storage declares, and the
        // job starts after that bucket exists.
        const s3a = parseS3aLocation(checkpoint);
        const bucket = s3a && args.storage.buckets[s3a.bucket];
        if (s3a && !bucket) {
            this.invalid("checkpointLocation", `bucket ${s3a.bucket} is not one of the storage's buckets (${Object.keys(args.storage.buckets).join(", ")})`);
        }
        // The job writes the warehouse and, for an s3a:// checkpoint, its checkpoint bucket.
        const s3Key = args.storage.credentialsFor("cdc", [args.storage.warehouseBucket, ...(bucket && s3a ? [s3a.bucket] : [])]);
        const official = a.imageSet === "official";
        const kafkaLogin = args.kafka.secured ? args.kafka.clientLogin(args.kafkaUser ?? KAFKA_CLIENT_USERS.cdc) : undefined;
        const { spec, secrets: trust } = this.spec(() => args.storage.javaClient(cdcJobSpec({
            image: a.image, hostname: a.hostname,
            catalog: {
                catalogName: a.catalogName, catalogUri: args.catalog.uri, warehouse: args.catalog.warehouse,
                s3Endpoint: args.storage.internalEndpoint,
            },
            bootstrapServers: args.kafka.internalBootstrapServers,
            topics: a.topics, topicPattern: a.topicPattern, primaryKeys: a.primaryKeys,
            namespace: a.namespace, tablePrefix: a.tablePrefix, jobName: a.jobName, triggerSeconds: a.triggerSeconds,
            checkpointBucket, checkpointLocation: a.checkpointLocation, master: a.master, driverMemory: a.driverMemory,
            // The official image lacks hadoop-aws: Spark fetches it at start, for an s3a:// checkpoint only.
            packages: official ? [...sparkPackages(), ...(s3a ? sparkS3aPackages() : [])] : [],
            packageExcludes: official && s3a ? S3A_PACKAGE_EXCLUDES : [],
            jobFiles: readCdcJobFiles(), testHooks: a.testHooks, removedTables: a.removedTables, parallelTopics: a.parallelTopics,
            kafkaSecurity: kafkaLogin !== undefined,
        })));
        const kafkaSecrets: Record<string, pulumi.Input<string>> = kafkaLogin ? {
            [CDC_KAFKA_SECRETS.jaas]: pulumi.secret(kafkaLogin.password.apply((p) => scramJaasConfig(kafkaLogin.user, p))),
            [CDC_KAFKA_SECRETS.caCertificate]: kafkaLogin.caCertificate,
        } : {};
        this.containerName = `${a.namePrefix}-${a.hostname}`;
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: this.containerName, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { accessKey: s3Key.accessKey, secretKey: s3Key.secretKey, ...kafkaSecrets, ...trust }, uploadSecrets: UPLOAD_SECRETS,
        }, this.childOpts({
            dependsOn: [args.catalog.container, args.storage.container, ...(bucket ? [bucket] : []), ...s3Key.ready, ...args.kafka.brokers, ...(kafkaLogin?.ready ?? []), ...(args.startAfter ?? [])],
        })).container;
        this.namespace = `${a.catalogName}.${a.namespace}`;
        this.checkpointLocation = checkpoint;
        this.registerOutputs({ containerName: this.containerName, namespace: this.namespace, checkpointLocation: this.checkpointLocation });
    }
}
