// The lakehouse on Kubernetes (platform "kubernetes", phase 2 of issue 17): Kafka (KRaft StatefulSet),
// MinIO, the Iceberg REST catalog, Trino (coordinator and workers), Kafka Connect (distributed) and the
// Postgres and MySQL sources rendered by components/specs/kubernetes.ts, created through the upstream
// @pulumi/kubernetes provider; buckets and the catalog's and Trino's MinIO users through the minio provider,
// topics through the kafka provider, connectors through the Connector resource, and the CDC mirror job on
// Spark's own Kubernetes scheduler (a driver Deployment whose spark-submit creates executor pods), with the
// job's MinIO user (docs/kubernetes.md).
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as kafkaProvider from "@pulumi/kafka";
import * as minioProvider from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { LakehouseComponent } from "../core/base";
import { Connector, mySqlConnector, postgresConnector } from "../connector";
import { passwordOrGenerated } from "../core/secrets";
import { S3A_PACKAGE_EXCLUDES, sparkPackages, sparkS3aPackages } from "../compute/engines";
import { DEV_CLUSTER_ID } from "../streaming/kafka";
import { DEFAULT_MYSQL_TABLES, schemaHistoryTopic } from "../sources/mysql";
import { DEFAULT_POSTGRES_TABLES } from "../sources/postgres";
import { StorageCredentials, minioConsumer } from "../storage/storage";
import { KafkaTopics, TopicSpec } from "../streaming/topics";
import type { VerifyTarget } from "../lakehouse";
import { cdcCheckpoint } from "../specs/cdc-job";
import {
    CATALOG_PORT, DEFAULT_CATALOG_NODE_PORT, DEFAULT_MINIO_NODE_PORT, KubeCatalogArgs, MINIO_API_PORT, SpecError, catalogObjects, catalogSecretTemplates,
    fillSecretRefs, validateBucket, DEFAULT_TRINO_NODE_PORT, KubeTrinoArgs, TRINO_PORT, catalogUri, trinoObjects, trinoSecretTemplates,
    DEFAULT_CONNECT_NODE_PORT, KubeObject, POSTGRES_PORT, TableSpec, connectObjects, connectSecretReference,
    MYSQL_PORT, kafkaObjects, kubeBootstrap, kubeExternalBootstrap, minioObjects, mySqlObjects, mySqlSetupSql, mysqlRootArgs,
    postgresCdcRoleSql, postgresObjects, postgresTableSql, psqlArgs,
    replicaIdentitySql, requireTableList, validateBrokerCount, validateTable, SECRET_REVISION_ANNOTATION, withPodTemplateAnnotations,
    KubeCdcJobArgs, cdcJobObjects, cdcJobSecretTemplates, readCdcJobFiles,
} from "../specs";
import { ImageSet, imageFor } from "../core/versions";

/** The connector secret files of the CDC passwords (keys of Connect's Secret), as on Docker. */
const CDC_SECRET = { postgres: "postgres-cdc-password", mysql: "mysql-cdc-password" } as const;

/** One word of a shell command line, quoted when it needs to be. */
function shellWord(word: string): string {
    return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

export interface KubernetesLakehouseArgs {
    /** Namespace every object goes into; created and deleted with the stack. Default: "lakehouse". */
    namespace?: string;
    /** Path of the kubeconfig to use. Default: the provider's own resolution (KUBECONFIG, ~/.kube/config). */
    kubeconfig?: string;
    /** Pinned official images (default) or the ones scripts/images.sh builds (loaded into the nodes). */
    imageSet?: ImageSet;
    /** Kafka brokers, each also a KRaft controller, one per node. Default: 3. */
    brokerCount?: number;
    /** KRaft cluster id (22 characters of base64url). Default: the project's dev id. */
    clusterId?: string;
    /** Distributed Connect workers. Default: 2. */
    connectWorkers?: number;
    /** MinIO root user. Default: "lakehouse". */
    minioRootUser?: pulumi.Input<string>;
    /** MinIO root password. Default: generated, a secret. */
    minioRootPassword?: pulumi.Input<string>;
    /**
     * An address of a cluster node that this machine reaches: the kafka provider and the Connector
     * resource use the brokers' and Connect's NodePorts on it. Default: the host of the kubeconfig's
     * API server (on `make k8s-up`'s cluster, node 0).
     */
    nodeAddress?: string;
    /** kubectl, which runs the source's SQL in its pod (`kubectl exec`). Default: "kubectl" on PATH. */
    kubectl?: string;
    /** The Postgres source with its Debezium connector, or false for none. Default: customer_db with public.users. */
    postgres?: { tables?: TableSpec[]; adminPassword?: pulumi.Input<string>; cdcPassword?: pulumi.Input<string> } | false;
    /** Debezium topic prefix of the Postgres source. Default: "dbserver1". */
    postgresTopicPrefix?: string;
    /**
     * The MySQL source (Oracle MySQL, binlog in ROW mode) with its Debezium connector, or false for none.
     * Its databases are the schemas of its tables. Default: sales.orders and hr.employees, as on Docker.
     */
    mysql?: { tables?: TableSpec[]; rootPassword?: pulumi.Input<string>; cdcPassword?: pulumi.Input<string> } | false;
    /** Debezium topic prefix of the MySQL source. Default: "mysqlserver1". */
    mysqlTopicPrefix?: string;
    /** Iceberg warehouse bucket, created through the minio provider on MinIO's NodePort. Default: "warehouse". */
    warehouseBucket?: string;
    /** Bucket of the CDC job's Spark checkpoints. Default: "checkpoints". */
    checkpointBucket?: string;
    /**
     * The Iceberg REST catalog on the warehouse bucket, with a MinIO user of its own granted that bucket
     * only, or false for none (and no buckets). Default: on.
     */
    catalog?: boolean;
    /**
     * Trino on the catalog: a coordinator (which runs no tasks) and `trinoWorkers` workers, with a MinIO
     * user of its own granted the warehouse bucket only; its HTTP API on NodePort 30808. Needs the catalog.
     * Default: on when the catalog is (`catalog: false` alone turns both off; `trino: true` with it is an error).
     */
    trino?: boolean;
    /** Trino workers beside the coordinator. Default: 2. */
    trinoWorkers?: number;
    /**
     * The CDC mirror job (jobs/cdc_mirror.py, as on Docker: a mirror and a changelog table per captured table in
     * namespace `cdc`) on Spark's own Kubernetes scheduler: a driver pod running spark-submit in client mode,
     * which creates `executors` executor pods, with a MinIO user of its own (warehouse and checkpoints buckets),
     * or false for none. Needs the catalog. Default: on when the catalog is and a source captures a table.
     */
    cdcJob?: { executors?: number; executorMemory?: string; triggerSeconds?: number } | false;
}

/** The API server's host in a kubeconfig file (its current context's cluster), or undefined. */
export function kubeconfigServerHost(file: string | undefined): string | undefined {
    if (!file || !fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, "utf8");
    const servers = [...text.matchAll(/^\s*server:\s*(\S+)\s*$/gm)].map((m) => m[1]);
    if (servers.length !== 1) return undefined;
    try {
        return new URL(servers[0]).hostname;
    } catch {
        return undefined;
    }
}

/**
 * Kafka, MinIO, the catalog, Trino and Connect in one namespace, in readiness order: Connect starts once every
 * broker is Ready, the catalog after its MinIO grant, Trino after the catalog and its own grant.
 */
export class KubernetesLakehouse extends LakehouseComponent {
    public readonly provider: k8s.Provider;
    public readonly namespace: pulumi.Output<string>;
    public readonly brokerCount: number;
    /** Bootstrap servers for pods in the namespace. */
    public readonly bootstrapServers: string;
    public readonly kafka: k8s.apps.v1.StatefulSet;
    public readonly minio: k8s.apps.v1.StatefulSet;
    public readonly connect: k8s.apps.v1.Deployment;
    /** In-cluster endpoints. */
    public readonly endpoints: Record<string, pulumi.Input<string>>;
    /** What `make verify` checks (tools/verify.ts): workloads, sources, host-side endpoints; no secrets. */
    public readonly verifyTarget: VerifyTarget;
    public readonly postgres?: k8s.apps.v1.StatefulSet;
    public readonly postgresConnector?: Connector;
    public readonly mysql?: k8s.apps.v1.StatefulSet;
    public readonly mySqlConnector?: Connector;
    private readonly namespaceName: string;
    public readonly topics?: KafkaTopics;
    /** The minio provider on MinIO's NodePort (with the root key), when the catalog is on. */
    public readonly minioProvider?: minioProvider.Provider;
    public readonly buckets: Record<string, minioProvider.S3Bucket> = {};
    public readonly catalog?: k8s.apps.v1.StatefulSet;
    /** The CDC mirror job's driver (spark-submit on Spark's Kubernetes scheduler), when it is on. */
    public readonly cdcJob?: k8s.apps.v1.Deployment;
    /** Trino's coordinator and workers, when Trino is on. */
    public readonly trino?: { coordinator: k8s.apps.v1.Deployment; workers: k8s.apps.v1.Deployment };

    constructor(name: string, args: KubernetesLakehouseArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kubernetes:Lakehouse", name, opts);
        const imageSet = args.imageSet ?? "official";
        const brokerCount = this.spec(() => validateBrokerCount(args.brokerCount ?? 3));
        const nsName = args.namespace ?? "lakehouse";
        if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(nsName)) {
            this.invalid("namespace", `must be a DNS-1123 label (lowercase letters, digits, -), got ${JSON.stringify(nsName)}`);
        }
        const withCatalog = args.catalog !== false;
        const withTrino = args.trino ?? withCatalog;
        if (withTrino && !withCatalog) {
            this.invalid("trino", "needs the Iceberg catalog, which catalog: false turns off; leave trino unset or false");
        }
        const warehouse = args.warehouseBucket ?? "warehouse";
        const checkpoints = args.checkpointBucket ?? "checkpoints";
        if (withCatalog) {
            this.spec(() => {
                validateBucket("warehouseBucket", warehouse);
                validateBucket("checkpointBucket", checkpoints);
                if (warehouse === checkpoints) throw new SpecError("checkpointBucket", `must differ from the warehouse bucket (${warehouse})`);
            });
        }
        // Trino's objects (all but its key) now: invalid args fail before anything is created.
        const trinoArgs: KubeTrinoArgs = {
            namespace: nsName, image: imageFor("trino", imageSet), secretName: "trino-catalog", workers: args.trinoWorkers,
            catalog: { catalogName: "minio", catalogUri: catalogUri("iceberg-rest"), warehouse: `s3://${warehouse}/`, s3Endpoint: `http://minio:${MINIO_API_PORT}` },
        };
        const trinoObjs = withTrino ? this.spec(() => trinoObjects(trinoArgs)) : [];
        const pgArgs = args.postgres === false ? undefined : (args.postgres ?? {});
        const myArgs = args.mysql === false ? undefined : (args.mysql ?? {});
        const pgTables = pgArgs ? this.spec(() => requireTableList(pgArgs.tables ?? DEFAULT_POSTGRES_TABLES).map((t, i) => validateTable(`postgres.tables[${i}]`, t))) : [];
        const myTables = myArgs ? this.spec(() => requireTableList(myArgs.tables ?? DEFAULT_MYSQL_TABLES).map((t, i) => validateTable(`mysql.tables[${i}]`, t))) : [];
        // The CDC job's objects (all but its key) now, as Trino's: its topics are the captured tables'.
        const pgTopicPrefix = args.postgresTopicPrefix ?? "dbserver1";
        const myTopicPrefix = args.mysqlTopicPrefix ?? "mysqlserver1";
        const captured = [
            ...pgTables.map((t) => ({ topic: `${pgTopicPrefix}.${t.schema}.${t.name}`, key: t.primaryKey })),
            ...myTables.map((t) => ({ topic: `${myTopicPrefix}.${t.schema}.${t.name}`, key: t.primaryKey })),
        ];
        if (args.cdcJob && !withCatalog) this.invalid("cdcJob", "needs the Iceberg catalog, which catalog: false turns off; leave cdcJob unset or false");
        const withCdcJob = args.cdcJob !== false && withCatalog && captured.length > 0;
        const cdcArgs: KubeCdcJobArgs = {
            namespace: nsName, image: imageFor("spark", imageSet), secretName: "cdc-mirror-conf",
            executors: args.cdcJob ? args.cdcJob.executors : undefined, executorMemory: args.cdcJob ? args.cdcJob.executorMemory : undefined,
            job: {
                catalog: { ...trinoArgs.catalog },
                bootstrapServers: kubeBootstrap({ brokerCount }),
                topics: captured.map((c) => c.topic), primaryKeys: Object.fromEntries(captured.map((c) => [c.topic, c.key])),
                namespace: "cdc", tablePrefix: "", jobName: "cdc-mirror", triggerSeconds: (args.cdcJob ? args.cdcJob.triggerSeconds : undefined) ?? 5,
                checkpointBucket: checkpoints, driverMemory: "1g", jobFiles: withCdcJob ? readCdcJobFiles() : {},
                // The official image lacks Iceberg, Kafka and S3A: the driver fetches them at start, as on Docker.
                packages: imageSet === "official" ? [...sparkPackages(), ...sparkS3aPackages()] : [],
                packageExcludes: imageSet === "official" ? S3A_PACKAGE_EXCLUDES : [],
            },
        };
        const cdcObjs = withCdcJob ? this.spec(() => cdcJobObjects(cdcArgs)) : [];
        this.brokerCount = brokerCount;
        this.bootstrapServers = kubeBootstrap({ brokerCount });

        this.provider = new k8s.Provider(this.childName("provider"), args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}, { parent: this });
        const ns = new k8s.core.v1.Namespace(this.childName("namespace"), { metadata: { name: nsName } }, { parent: this, provider: this.provider });
        this.namespace = ns.metadata.name;
        this.namespaceName = nsName;
        const inNs = (deps: pulumi.Resource[] = []) => ({ parent: this, provider: this.provider, dependsOn: [ns, ...deps] });

        const rootUser = pulumi.secret(args.minioRootUser ?? "lakehouse");
        const rootPassword = passwordOrGenerated(this.childName("minio-root-password"), args.minioRootPassword, { parent: this });
        const minioSecret = new k8s.core.v1.Secret(this.childName("minio-credentials"), {
            metadata: { name: "minio-credentials", namespace: nsName },
            stringData: { rootUser, rootPassword },
        }, inNs());

        const kafkaObjs = this.spec(() => kafkaObjects({ namespace: nsName, image: imageFor("kafka", imageSet), brokerCount, clusterId: args.clusterId ?? DEV_CLUSTER_ID }));
        const kafka = this.render("kafka", kafkaObjs, inNs());
        this.kafka = kafka.find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;

        const minioObjs = this.spec(() => minioObjects({ namespace: nsName, image: imageFor("minio", imageSet), secretName: "minio-credentials" }));
        const minio = this.render("minio", minioObjs, inNs([minioSecret]));
        this.minio = minio.find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;

        const myDatabases = [...new Set(myTables.map((t) => t.schema))];
        const pgCdcPassword = pgArgs ? passwordOrGenerated(this.childName("postgres-cdc-password"), pgArgs.cdcPassword, { parent: this }) : undefined;
        const myCdcPassword = myArgs ? passwordOrGenerated(this.childName("mysql-cdc-password"), myArgs.cdcPassword, { parent: this }) : undefined;

        // The connector passwords, as files of the worker's directory config provider: in the Secret before
        // the workers start, so the first connector finds its file.
        const connectSecret = new k8s.core.v1.Secret(this.childName("connect-secrets"), {
            metadata: { name: "connect-secrets", namespace: nsName },
            stringData: {
                ...(pgCdcPassword ? { [CDC_SECRET.postgres]: pgCdcPassword } : {}),
                ...(myCdcPassword ? { [CDC_SECRET.mysql]: myCdcPassword } : {}),
            },
        }, inNs());
        const connectObjs = this.spec(() => connectObjects({
            namespace: nsName, image: imageFor("connect", imageSet), bootstrapServers: this.bootstrapServers, brokerCount,
            workers: args.connectWorkers, secretsName: "connect-secrets",
        }));
        // The provider waits for a StatefulSet's pods to be Ready: Connect starts against a formed quorum. A change
        // of the Secret rolls the workers (awaited) before the connectors, which depend on them, restart.
        const connect = this.render("connect", this.rollOnChange(connectSecret, connectObjs), inNs([this.kafka, connectSecret]));
        this.connect = connect.find((r): r is k8s.apps.v1.Deployment => r instanceof k8s.apps.v1.Deployment)!;

        const nodeAddress = args.nodeAddress ?? kubeconfigServerHost(args.kubeconfig ?? process.env.KUBECONFIG);
        if ((pgArgs || myArgs || withCatalog) && !nodeAddress) {
            this.invalid("nodeAddress", "is needed for the kafka provider and the Connector (and the minio provider) outside the cluster, and the kubeconfig names no single API server to take it from");
        }

        let catalogReady: pulumi.CustomResource[] = [];
        if (withCatalog) {
            // Buckets and users through MinIO's NodePort with the root key, which only this provider holds.
            this.minioProvider = new minioProvider.Provider(this.childName("minio-provider"), {
                minioServer: `${nodeAddress}:${DEFAULT_MINIO_NODE_PORT}`, minioUser: rootUser, minioPassword: rootPassword,
                minioSsl: false, minioRegion: "us-east-1",
            }, { parent: this, dependsOn: minio });
            const onMinio = (deps: pulumi.Resource[] = []) => ({ parent: this, provider: this.minioProvider, dependsOn: [...minio, ...deps] });
            for (const bucket of [warehouse, checkpoints]) {
                // Deleted with its objects: the volume under it goes with the stack too (PVC retention Delete).
                this.buckets[bucket] = new minioProvider.S3Bucket(this.childName(`bucket-${bucket}`), { bucket, forceDestroy: true }, onMinio());
            }
            // The catalog's own MinIO user, granted the warehouse bucket only (as on Docker).
            const creds = minioConsumer({
                resourcePrefix: this.childName("catalog"), userName: `${nsName}-catalog`, buckets: [warehouse], parent: this,
                provider: this.minioProvider, dependsOn: [...minio, this.buckets[warehouse]],
            });
            const catalogArgs: KubeCatalogArgs = {
                namespace: nsName, image: imageFor("icebergRest", imageSet), secretName: "iceberg-rest-credentials",
                s3Endpoint: `http://minio:${MINIO_API_PORT}`, warehouseBucket: warehouse,
            };
            // Its credentials file, filled in with the user's key, as the one key of its Secret.
            const catalogSecret = this.keyFiles("iceberg-rest-credentials", catalogArgs.secretName, this.spec(() => catalogSecretTemplates(catalogArgs)), creds, inNs());
            // The catalog's S3 client reads the credentials file at start only: a new key rolls its pod (its
            // SQLite state is on the pod's volume, so the roll keeps every namespace and table).
            const catalogObjs = this.render("iceberg-rest", this.rollOnChange(catalogSecret, this.spec(() => catalogObjects(catalogArgs))),
                inNs([catalogSecret, ...creds.ready, this.buckets[warehouse], ...minio]));
            this.catalog = catalogObjs.find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;
            catalogReady = catalogObjs;

            if (withTrino) {
                // Trino's own MinIO user, the warehouse bucket only (as on Docker); its catalog file, which holds
                // the key, is a key of its Secret, filled in here.
                const trinoCreds = minioConsumer({
                    resourcePrefix: this.childName("trino"), userName: `${nsName}-trino`, buckets: [warehouse], parent: this,
                    provider: this.minioProvider, dependsOn: [...minio, this.buckets[warehouse]],
                });
                const trinoSecret = this.keyFiles("trino-catalog", trinoArgs.secretName, this.spec(() => trinoSecretTemplates(trinoArgs)), trinoCreds, inNs());
                const config = this.render("trino", trinoObjs.filter((o) => o.kind === "ConfigMap"), inNs());
                // After the catalog (Ready, which the provider awaits) and Trino's grant.
                // Trino reads its catalog file at start only: a change of the Secret (a new key) rolls the pods.
                const trino = this.render("trino", this.rollOnChange(trinoSecret, trinoObjs.filter((o) => o.kind !== "ConfigMap")),
                    inNs([...config, trinoSecret, ...trinoCreds.ready, ...catalogObjs, this.buckets[warehouse], ...minio]));
                // trinoObjects renders the coordinator's Deployment before the workers'.
                const [coordinator, workers] = trino.filter((r): r is k8s.apps.v1.Deployment => r instanceof k8s.apps.v1.Deployment);
                this.trino = { coordinator, workers };
            }
        }

        if (pgArgs || myArgs) {
            const kubectl = [args.kubectl ?? "kubectl", ...(args.kubeconfig ? ["--kubeconfig", args.kubeconfig] : []), "-n", nsName];
            const cdcUser = "debezium";
            const topics: TopicSpec[] = [];
            // Built once the topics exist (connectors wait for them); a function per source until then.
            let pgConnector: (() => Connector) | undefined;
            let myConnector: (() => Connector) | undefined;
            const connectorOpts = (ready: pulumi.Resource[]) => ({ parent: this, dependsOn: [...connect, this.topics!, ...ready] });
            const connectUrl = `http://${nodeAddress}:${DEFAULT_CONNECT_NODE_PORT}`;

            if (pgArgs) {
                const database = "customer_db";
                const adminUser = "admin";
                const topicPrefix = pgTopicPrefix;
                const src = this.database("postgres", { adminPassword: pgArgs.adminPassword }, (secretName) =>
                    postgresObjects({ namespace: nsName, image: imageFor("postgres", imageSet), secretName, database, adminUser }), inNs);
                this.postgres = src.statefulSet;
                // The source's SQL, the Docker platform's statements, run by psql inside the pod.
                const psql = [...kubectl, "exec", "-i", "postgres-0", "-c", "postgres", "--", ...psqlArgs(adminUser, database)].join(" ");
                const cdcRole = src.sql("cdc-role", psql, pulumi.secret(pulumi.output(pgCdcPassword!).apply((pw) => postgresCdcRoleSql(database, adminUser, cdcUser, pw))), []);
                // One table's DDL at a time (concurrent grants on one schema fail with "tuple concurrently updated").
                const ready: pulumi.Resource[] = [cdcRole];
                for (const t of pgTables) {
                    ready.push(src.sql(`table-${t.schema}-${t.name}`, psql,
                        [postgresTableSql(t, cdcUser), ...(t.replicaIdentityFull ?? true ? [replicaIdentitySql(t, "FULL")] : [])].join("\n"), [ready[ready.length - 1]]));
                }
                topics.push(...pgTables.map((t) => ({ name: `${topicPrefix}.${t.schema}.${t.name}` })));
                const spec = this.spec(() => postgresConnector({
                    hostname: `postgres.${nsName}.svc`, port: POSTGRES_PORT, user: cdcUser, passwordReference: connectSecretReference(CDC_SECRET.postgres),
                    dbname: database, topicPrefix, schemas: [...new Set(pgTables.map((t) => t.schema))], tables: pgTables.map((t) => `${t.schema}.${t.name}`),
                }));
                pgConnector = () => new Connector(this.childName("postgres-connector"), {
                    ...spec, connectUrl, sourceRevision: src.podUid, referencedSecrets: { [CDC_SECRET.postgres]: pgCdcPassword! },
                }, connectorOpts(ready));
            }

            if (myArgs) {
                const topicPrefix = myTopicPrefix;
                const serverId = 1;
                const src = this.database("mysql", { rootPassword: myArgs.rootPassword }, (secretName) =>
                    mySqlObjects({ namespace: nsName, image: imageFor("mysql", imageSet), secretName, databases: myDatabases, serverId }), inNs);
                this.mysql = src.statefulSet;
                // Root's client inside the pod, its password read there from root's own file (as on Docker).
                const client = [...kubectl, "exec", "-i", "mysql-0", "-c", "mysql", "--", ...mysqlRootArgs()].map(shellWord).join(" ");
                const setup = src.sql("setup", client, pulumi.secret(pulumi.output(myCdcPassword!).apply((pw) => mySqlSetupSql(myDatabases, cdcUser, pw, myTables))), []);
                topics.push(...myTables.map((t) => ({ name: `${topicPrefix}.${t.schema}.${t.name}` })),
                    { name: schemaHistoryTopic(topicPrefix), config: { "retention.ms": "-1", "cleanup.policy": "delete" } });
                const spec = this.spec(() => mySqlConnector({
                    flavour: "mysql", hostname: `mysql.${nsName}.svc`, port: MYSQL_PORT, user: cdcUser,
                    passwordReference: connectSecretReference(CDC_SECRET.mysql), serverId: serverId + 10000, topicPrefix,
                    databases: myDatabases, tables: myTables.map((t) => `${t.schema}.${t.name}`),
                    bootstrapServers: this.bootstrapServers, schemaHistoryTopic: schemaHistoryTopic(topicPrefix),
                }));
                myConnector = () => new Connector(this.childName("mysql-connector"), {
                    ...spec, connectUrl, sourceRevision: src.podUid, referencedSecrets: { [CDC_SECRET.mysql]: myCdcPassword! },
                }, connectorOpts([setup]));
            }

            // Topics through the kafka provider on the brokers' NodePorts, as on Docker.
            const provider = new kafkaProvider.Provider(this.childName("kafka-provider"), {
                bootstrapServers: kubeExternalBootstrap(nodeAddress!, brokerCount), tlsEnabled: false, skipTlsVerify: true, timeout: 120,
            }, { parent: this, dependsOn: kafka });
            // Every Kafka object, NodePort Services included: a destroy deletes the topics while the brokers
            // are still reachable from here.
            this.topics = new KafkaTopics(this.childName("topics"), { cluster: { brokerCount, provider, brokers: kafka }, topics }, { parent: this });
            this.postgresConnector = pgConnector?.();
            this.mySqlConnector = myConnector?.();
        }

        if (withCdcJob) {
            // The job's own MinIO user: the warehouse (its tables) and the checkpoints bucket (its stream's offsets).
            const cdcCreds = minioConsumer({
                resourcePrefix: this.childName("cdc"), userName: `${nsName}-cdc`, buckets: [warehouse, checkpoints], parent: this,
                provider: this.minioProvider!, dependsOn: [...minio, this.buckets[warehouse], this.buckets[checkpoints]],
            });
            const cdcSecret = this.keyFiles("cdc-mirror-conf", cdcArgs.secretName, this.spec(() => cdcJobSecretTemplates(cdcArgs)), cdcCreds, inNs());
            // RBAC and the job files first; the driver after the topics, the connectors, the catalog (Ready) and its grant.
            const setup = this.render("cdc-job", cdcObjs.filter((o) => o.kind !== "Deployment"), inNs());
            const connectors = [this.postgresConnector, this.mySqlConnector].filter((c): c is Connector => c !== undefined);
            const driver = this.render("cdc-job", this.rollOnChange(cdcSecret, cdcObjs.filter((o) => o.kind === "Deployment")), inNs([
                ...setup, cdcSecret, ...cdcCreds.ready, ...catalogReady, ...kafka, this.buckets[warehouse], this.buckets[checkpoints], ...minio,
                ...(this.topics ? [this.topics] : []), ...connectors,
            ]));
            this.cdcJob = driver[0] as k8s.apps.v1.Deployment;
        }

        this.endpoints = {
            kafka: this.bootstrapServers,
            connect: pulumi.interpolate`http://connect.${this.namespace}.svc:8083`,
            minio: pulumi.interpolate`http://minio.${this.namespace}.svc:9000`,
            ...(withCatalog ? { catalog: pulumi.interpolate`http://iceberg-rest.${this.namespace}.svc:${CATALOG_PORT}` } : {}),
            ...(withCatalog && nodeAddress ? { catalogFromHost: `http://${nodeAddress}:${DEFAULT_CATALOG_NODE_PORT}`, minioFromHost: `http://${nodeAddress}:${DEFAULT_MINIO_NODE_PORT}` } : {}),
            ...(withTrino ? { trino: pulumi.interpolate`http://trino.${this.namespace}.svc:${TRINO_PORT}` } : {}),
            ...(withCdcJob ? { cdcNamespace: "minio.cdc" } : {}),
            ...(withTrino && nodeAddress ? { trinoFromHost: `http://${nodeAddress}:${DEFAULT_TRINO_NODE_PORT}` } : {}),
            ...(nodeAddress ? { connectFromHost: `http://${nodeAddress}:${DEFAULT_CONNECT_NODE_PORT}`, kafkaFromHost: kubeExternalBootstrap(nodeAddress, brokerCount).join(",") } : {}),
        };
        // What `make verify` needs (tools/verify.ts): the workloads, the sources' pods, the host-side endpoints.
        const workload = (r: k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment) =>
            pulumi.interpolate`${r instanceof k8s.apps.v1.StatefulSet ? "statefulset" : "deployment"}/${r.metadata.name}`;
        const cdcNamespace = `${cdcArgs.job.catalog.catalogName}.${cdcArgs.job.namespace}`;
        this.verifyTarget = {
            containers: [this.kafka, this.minio, this.connect, this.postgres, this.mysql, this.catalog, this.trino?.coordinator, this.trino?.workers, this.cdcJob]
                .filter((r): r is k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment => r !== undefined).map(workload),
            sources: [
                ...(this.postgres ? [{
                    kind: "postgres" as const, container: "postgres-0", database: "customer_db", adminUser: "admin",
                    topicPrefix: pgTopicPrefix, connector: this.postgresConnector?.name, tables: pgTables,
                }] : []),
                ...(this.mysql ? [{ kind: "mysql" as const, container: "mysql-0", flavour: "mysql", topicPrefix: myTopicPrefix, connector: this.mySqlConnector?.name, tables: myTables }] : []),
            ],
            minioContainer: pulumi.interpolate`${this.minio.metadata.name}-0`,
            warehouseBucket: warehouse,
            ...(this.cdcJob ? {
                cdc: {
                    container: workload(this.cdcJob), namespace: cdcNamespace, tablePrefix: cdcArgs.job.tablePrefix ?? "",
                    checkpointLocation: cdcCheckpoint(cdcArgs.job),
                },
            } : {}),
            kubernetes: { namespace: nsName, ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.kubectl ? { kubectl: args.kubectl } : {}) },
            ...(nodeAddress ? {
                hostEndpoints: {
                    kafka: kubeExternalBootstrap(nodeAddress, brokerCount).join(","), connect: `http://${nodeAddress}:${DEFAULT_CONNECT_NODE_PORT}`,
                    minio: `http://${nodeAddress}:${DEFAULT_MINIO_NODE_PORT}`, ...(withTrino ? { trino: `http://${nodeAddress}:${DEFAULT_TRINO_NODE_PORT}` } : {}),
                },
            } : {}),
        };
        this.registerOutputs({ endpoints: this.endpoints, brokerCount, verifyTarget: this.verifyTarget });
    }

    /**
     * A source database: its superuser's password (given or generated) in a Secret `<role>-credentials`,
     * its rendered objects, and `sql(name, client, stdin, after)` to run statements through its client in the
     * pod, again whenever the pod is recreated (its uid is the trigger).
     */
    private database(role: "postgres" | "mysql", passwords: Record<string, pulumi.Input<string> | undefined>,
        objects: (secretName: string) => KubeObject[], inNs: (deps?: pulumi.Resource[]) => pulumi.CustomResourceOptions) {
        const secretName = `${role}-credentials`;
        const stringData = Object.fromEntries(Object.entries(passwords).map(([key, given]) =>
            [key, passwordOrGenerated(this.childName(`${role}-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`), given, { parent: this })]));
        const secret = new k8s.core.v1.Secret(this.childName(secretName), { metadata: { name: secretName, namespace: this.namespaceName }, stringData }, inNs());
        const statefulSet = this.render(role, this.spec(() => objects(secretName)), inNs([secret]))
            .find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;
        const podUid = statefulSet.metadata.uid;
        const sql = (name: string, client: string, stdin: pulumi.Input<string>, after: pulumi.Resource[]) =>
            new command.local.Command(this.childName(`${role}-${name}`), { create: client, stdin, triggers: [podUid], logging: "stderr" },
                { parent: this, dependsOn: [statefulSet, ...after] });
        return { statefulSet, podUid, sql };
    }

    /**
     * Secret `secretName` (resource `<component>-<role>`) whose keys are a spec's secret files, each template
     * filled in with a MinIO user's key (fillSecretRefs) as a Pulumi secret.
     */
    private keyFiles(role: string, secretName: string, templates: Record<string, string>, creds: StorageCredentials, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
        return new k8s.core.v1.Secret(this.childName(role), {
            metadata: { name: secretName, namespace: this.namespaceName },
            stringData: Object.fromEntries(Object.entries(templates).map(([key, template]) => [key,
                pulumi.secret(pulumi.all([creds.accessKey, creds.secretKey]).apply(([accessKey, secretKey]) => fillSecretRefs(template, { accessKey, secretKey })))])),
        }, opts);
    }

    /**
     * The objects with the Secret's resourceVersion on their pod templates (SECRET_REVISION_ANNOTATION): any
     * update of the Secret rolls the pods, and the provider awaits the rollout. Not a secret (no data in it).
     */
    private rollOnChange(secret: k8s.core.v1.Secret, objects: KubeObject[]): KubeObject[] {
        return withPodTemplateAnnotations(objects, { [SECRET_REVISION_ANNOTATION]: secret.metadata.resourceVersion });
    }

    /** One @pulumi/kubernetes resource per rendered object, named `<component>-<role>-<kind>-<name>`. */
    private render(role: string, objects: KubeObject[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
        return objects.map((o) => {
            const resourceName = this.childName(`${role}-${o.kind.toLowerCase()}-${o.metadata.name}`);
            const { apiVersion: _a, kind: _k, ...fields } = o;
            switch (`${o.apiVersion}/${o.kind}`) {
                case "v1/Service": return new k8s.core.v1.Service(resourceName, fields as k8s.core.v1.ServiceArgs, opts);
                case "v1/ConfigMap": return new k8s.core.v1.ConfigMap(resourceName, fields as k8s.core.v1.ConfigMapArgs, opts);
                case "apps/v1/StatefulSet": return new k8s.apps.v1.StatefulSet(resourceName, fields as k8s.apps.v1.StatefulSetArgs, opts);
                case "apps/v1/Deployment": return new k8s.apps.v1.Deployment(resourceName, fields as k8s.apps.v1.DeploymentArgs, opts);
                case "v1/ServiceAccount": return new k8s.core.v1.ServiceAccount(resourceName, fields as k8s.core.v1.ServiceAccountArgs, opts);
                case "rbac.authorization.k8s.io/v1/Role": return new k8s.rbac.v1.Role(resourceName, fields as k8s.rbac.v1.RoleArgs, opts);
                case "rbac.authorization.k8s.io/v1/RoleBinding": return new k8s.rbac.v1.RoleBinding(resourceName, fields as unknown as k8s.rbac.v1.RoleBindingArgs, opts);
                default: throw new pulumi.ResourceError(`${this.componentName}: no renderer for ${o.apiVersion} ${o.kind}`, this);
            }
        });
    }
}
