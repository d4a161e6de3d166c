import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "./base";
import { CdcMirrorJob, CdcMirrorJobArgs } from "./cdc-job";
import { IcebergCatalog, IcebergCatalogArgs } from "./catalog";
import { DebeziumConnect, DebeziumConnectArgs } from "./connect";
import { Connector, mySqlConnector, postgresConnector } from "./connector";
import { Spark, SparkArgs, Trino, TrinoArgs } from "./engines";
import { KafkaCluster, KafkaClusterArgs } from "./kafka";
import { MySqlSource, MySqlSourceArgs } from "./mysql";
import { TableMaintenance, TableMaintenanceArgs } from "./maintenance";
import { Network } from "./network";
import { PostgresSource, PostgresSourceArgs } from "./postgres";
import { ServiceArgs } from "./service";
import { SpecError } from "./specs/types";
import { TableSpec } from "./specs/postgres";
import { ObjectStorage, ObjectStorageArgs } from "./storage";
import { KafkaTopics, TopicSpec } from "./topics";
import { ImageSet } from "./versions";

/** The Connect worker's secret files holding the CDC users' passwords (connectors reference them). */
export const CONNECT_SECRET_FILES = { postgres: "postgres-cdc-password", mysql: "mysql-cdc-password" } as const;

/** Per-service settings: the service's own args, without what Lakehouse wires itself. */
type Own<T, Wired extends keyof T = never> = Omit<T, "network" | Wired> & Partial<Pick<ServiceArgs, "image">>;

export interface LakehouseArgs {
    /** Pinned official images (default) or the images scripts/images.sh builds. Default: "official". */
    imageSet?: ImageSet;
    /** Host address every published port binds to. Default: "127.0.0.1". */
    bindIp?: string;
    /** Prefix of container, volume and network names. Default: "lakehouse". */
    namePrefix?: string;
    /** Keep data volumes and buckets on `pulumi destroy`. Default: false. */
    keepVolumes?: boolean;
    /** Seconds each container may take to become healthy. Default: 300. */
    waitTimeoutSeconds?: number;
    /** Kafka settings (see KafkaClusterArgs). Default: one broker on 127.0.0.1:9092. */
    kafka?: Own<KafkaClusterArgs>;
    /** Kafka Connect settings (see DebeziumConnectArgs). Default: REST API on 127.0.0.1:8083. */
    connect?: Own<DebeziumConnectArgs, "kafka">;
    /** The Postgres source, or false for none. Default: customer_db with public.users. */
    postgres?: Own<PostgresSourceArgs> | false;
    /** The MySQL source, or false for none. Default: sales and hr. */
    mysql?: Own<MySqlSourceArgs> | false;
    /** MinIO settings (see ObjectStorageArgs). Default: buckets warehouse, checkpoints and spark-test. */
    storage?: Own<ObjectStorageArgs>;
    /** Iceberg REST catalog settings (see IcebergCatalogArgs). Default: on 127.0.0.1:8181. */
    catalog?: Own<IcebergCatalogArgs, "storage">;
    /** Spark settings (see SparkArgs). Default: catalog `minio`. */
    spark?: Own<SparkArgs, "storage" | "catalog">;
    /** Trino settings (see TrinoArgs). Default: catalog `minio` on 127.0.0.1:8080. */
    trino?: Own<TrinoArgs, "storage" | "catalog">;
    /** Debezium topic prefixes. Default: { postgres: "dbserver1", mysql: "mysqlserver1" } (the seed's). */
    topicPrefixes?: { postgres?: string; mysql?: string };
    /** Extra topics beside the CDC topics the lakehouse declares for every captured table. Default: none. */
    topics?: TopicSpec[];
    /** The Debezium connectors of the sources (see LakehouseConnectorArgs). Default: one per source. */
    connectors?: LakehouseConnectorArgs;
    /** The Spark job mirroring every captured table into Iceberg (see CdcMirrorJobArgs), or false for none. Default: namespace `cdc` in catalog `minio`. */
    cdcJob?: Own<CdcMirrorJobArgs, "kafka" | "catalog" | "storage" | "startAfter"> | false;
    /**
     * Iceberg table maintenance of every mirror and changelog table and the seed's table (see
     * TableMaintenanceArgs and docs/maintenance.md), or false for none. Default: on, every 30 min.
     */
    maintenance?: Own<TableMaintenanceArgs, "catalog" | "storage" | "startAfter"> | false;
}

export interface LakehouseConnectorArgs {
    /** Register a connector per source. Default: true. */
    enabled?: boolean;
    /** Postgres connector name. Default: "inventory-connector" (the seed's). */
    postgresName?: string;
    /** MySQL connector name. Default: "mysql-connector" ("mariadb-connector" on MariaDB). */
    mySqlName?: string;
    /** The MySQL connector's `database.server.id`; must differ from the server's own. Default: 184054. */
    mySqlServerId?: number;
    /** Seconds create and update wait for RUNNING. Default: 300. */
    waitTimeoutSeconds?: number;
    /** Stop and reset offsets on delete, so a recreated connector snapshots again (dev stacks). Default: false. */
    resetOffsetsOnDelete?: boolean;
    /** Further Debezium settings of the Postgres connector, e.g. `heartbeat.interval.ms`. Default: none. */
    postgresExtraConfig?: Record<string, string>;
    /** Further Debezium settings of the MySQL connector. Default: none. */
    mySqlExtraConfig?: Record<string, string>;
}

export const DEFAULT_TOPIC_PREFIXES = { postgres: "dbserver1", mysql: "mysqlserver1" };

/** The MySQL connector's schema history topic: one per connector, declared with infinite retention. */
export function schemaHistoryTopic(mysqlPrefix: string): string {
    return `${mysqlPrefix}.schema-history`;
}

/** The connector builders throw plain errors; name the field they came from. */
function asSpecError<T>(field: string, build: () => T): T {
    try {
        return build();
    } catch (err) {
        throw new SpecError(field, (err as Error).message);
    }
}

/** The CDC topics of the captured tables, declared so their replication follows the brokers. */
export function cdcTopics(
    prefixes: { postgres: string; mysql: string },
    postgres: { schema: string; name: string }[],
    mysql: { schema: string; name: string }[],
): TopicSpec[] {
    return [
        ...postgres.map((t) => ({ name: `${prefixes.postgres}.${t.schema}.${t.name}` })),
        ...mysql.map((t) => ({ name: `${prefixes.mysql}.${t.schema}.${t.name}` })),
        // Debezium's MySQL schema history must keep every record, in order.
        ...(mysql.length > 0 ? [{ name: schemaHistoryTopic(prefixes.mysql), config: { "retention.ms": "-1", "cleanup.policy": "delete" } }] : []),
    ];
}

/** The topics of the sources' Debezium signaling tables (`<prefix>.<schema>.<table>`). */
export function signalTopics(prefixes: { postgres: string; mysql: string }, postgres?: string, mysql?: string): TopicSpec[] {
    return [
        ...(postgres ? [{ name: `${prefixes.postgres}.${postgres}` }] : []),
        ...(mysql ? [{ name: `${prefixes.mysql}.${mysql}` }] : []),
    ];
}

/** One captured source database, as `make verify` (tools/verify.ts) reaches it. */
export interface VerifySource {
    kind: "postgres" | "mysql";
    /** Container name; the checks run the database's own client inside it. */
    container: pulumi.Input<string>;
    /** Postgres: the database and the superuser `psql` connects as. */
    database?: string;
    adminUser?: string;
    /** MySQL: "mysql" or "mariadb" (which client binary to run). */
    flavour?: string;
    topicPrefix: string;
    connector?: pulumi.Input<string>;
    tables: TableSpec[];
}

/** Where a deployed stack's parts are, for `make verify`: names and endpoints only, never a secret. */
export interface VerifyTarget {
    /** Every container of the stack, which must all be running and healthy. */
    containers: pulumi.Input<string>[];
    sources: VerifySource[];
    sparkContainer: string;
    minioContainer: pulumi.Input<string>;
    warehouseBucket: string;
    /** The CDC mirror job, when deployed: its container, `<catalog>.<namespace>`, table prefix and checkpoint. */
    cdc?: { container: string; namespace: string; tablePrefix: string; checkpointLocation: string };
    /** Table maintenance, when deployed: its container and `<catalog>.lakehouse_ops.maintenance_runs`. */
    maintenance?: { container: string; runsTable: string };
}

/**
 * The whole CDC lakehouse from one typed args object: network, sources, Kafka, Connect, topics, MinIO
 * with buckets, the Iceberg REST catalog, Spark and Trino, created in dependency order so that no
 * provider or command talks to a service before its healthcheck passes.
 */
export class Lakehouse extends LakehouseComponent {
    public readonly network: Network;
    public readonly kafka: KafkaCluster;
    public readonly connect: DebeziumConnect;
    public readonly topics: KafkaTopics;
    public readonly postgres?: PostgresSource;
    public readonly mysql?: MySqlSource;
    public readonly storage: ObjectStorage;
    public readonly catalog: IcebergCatalog;
    public readonly spark: Spark;
    public readonly trino: Trino;
    /** The CDC mirror job, unless disabled or no table is captured. */
    public readonly cdcJob?: CdcMirrorJob;
    /** Table maintenance, unless disabled. */
    public readonly maintenance?: TableMaintenance;
    public readonly topicPrefixes: { postgres: string; mysql: string };
    public readonly postgresConnector?: Connector;
    public readonly mySqlConnector?: Connector;
    /** Endpoints on the host, for outputs and docs. */
    public readonly endpoints: Record<string, pulumi.Input<string>>;
    /** What `make verify` needs to find its way around the deployed stack (exported by index.ts). */
    public readonly verifyTarget: VerifyTarget;

    constructor(name: string, args: LakehouseArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:index:Lakehouse", name, opts);
        const namePrefix = args.namePrefix ?? "lakehouse";
        this.network = new Network(this.childName("network"), { networkName: namePrefix }, { parent: this });
        const common: ServiceArgs = {
            network: this.network.name,
            imageSet: args.imageSet,
            bindIp: args.bindIp,
            namePrefix,
            keepVolumes: args.keepVolumes,
            waitTimeoutSeconds: args.waitTimeoutSeconds,
        };
        const child = { parent: this };

        this.kafka = new KafkaCluster(this.childName("kafka"), { ...common, ...args.kafka }, child);
        if (args.postgres !== false) {
            this.postgres = new PostgresSource(this.childName("postgres"), { ...common, ...args.postgres }, child);
        }
        if (args.mysql !== false) {
            this.mysql = new MySqlSource(this.childName("mysql"), { ...common, ...args.mysql }, child);
        }
        const c = { enabled: true, mySqlServerId: 184054, ...args.connectors };
        // The CDC users' passwords reach the connectors as files of the worker (its directory config
        // provider), so the REST body, the connectors' state and connect_configs hold only references.
        const connectSecrets: Record<string, pulumi.Output<string>> = {};
        if (c.enabled && this.postgres) connectSecrets[CONNECT_SECRET_FILES.postgres] = this.postgres.cdcPassword;
        if (c.enabled && this.mysql) connectSecrets[CONNECT_SECRET_FILES.mysql] = this.mysql.cdcPassword;
        this.connect = new DebeziumConnect(this.childName("connect"), {
            ...common, ...args.connect, kafka: this.kafka, secrets: { ...connectSecrets, ...args.connect?.secrets },
        }, child);
        this.topicPrefixes = { ...DEFAULT_TOPIC_PREFIXES, ...args.topicPrefixes };
        this.topics = new KafkaTopics(this.childName("topics"), {
            cluster: this.kafka,
            topics: [
                ...cdcTopics(this.topicPrefixes, this.postgres?.tables ?? [], this.mysql?.tables ?? []),
                // Debezium captures its signaling tables implicitly: their rows (signals, snapshot watermarks) go to topics too.
                ...signalTopics(this.topicPrefixes, c.enabled ? this.postgres?.signalCollection : undefined, c.enabled ? this.mysql?.signalCollection : undefined),
                ...(args.topics ?? []),
            ],
        }, child);

        if (c.enabled) {
            const connectorOpts = (ready: pulumi.Resource[]) => ({
                parent: this,
                dependsOn: [this.connect.container, ...this.kafka.brokers, this.topics, ...ready],
            });
            const common = { connectUrl: this.connect.url, waitTimeoutSeconds: c.waitTimeoutSeconds, resetOffsetsOnDelete: c.resetOffsetsOnDelete };
            const pg = this.postgres;
            if (pg) {
                const spec = this.spec(() => asSpecError("connectors.postgres", () => postgresConnector({
                    name: c.postgresName, hostname: pg.hostname, port: pg.port, user: pg.cdcUser,
                    passwordReference: this.connect.secretReference(CONNECT_SECRET_FILES.postgres),
                    dbname: pg.database, topicPrefix: this.topicPrefixes.postgres,
                    schemas: [...new Set(pg.tables.map((t) => t.schema))], tables: pg.tables.map((t) => `${t.schema}.${t.name}`),
                    signalCollection: pg.signalCollection, extraConfig: c.postgresExtraConfig,
                })));
                this.postgresConnector = new Connector(this.childName("postgres-connector"), {
                    ...common, ...spec, sourceRevision: revisionOf([pg.container, ...pg.ready]),
                    signal: { collection: pg.signalCollection, command: pg.sqlClient },
                    referencedSecrets: { [CONNECT_SECRET_FILES.postgres]: pg.cdcPassword },
                }, connectorOpts(pg.ready));
            }
            const my = this.mysql;
            if (my) {
                if (c.mySqlServerId === my.serverId) {
                    this.invalid("connectors.mySqlServerId", `must differ from the MySQL server's own server id (${my.serverId})`);
                }
                const spec = this.spec(() => asSpecError("connectors.mysql", () => mySqlConnector({
                    name: c.mySqlName, flavour: my.flavour, hostname: my.hostname, port: my.port, user: my.cdcUser,
                    passwordReference: this.connect.secretReference(CONNECT_SECRET_FILES.mysql), serverId: c.mySqlServerId, topicPrefix: this.topicPrefixes.mysql,
                    databases: my.databases, tables: my.tables.map((t) => `${t.schema}.${t.name}`),
                    bootstrapServers: this.kafka.internalBootstrapServers, schemaHistoryTopic: schemaHistoryTopic(this.topicPrefixes.mysql),
                    signalCollection: my.signalCollection, extraConfig: c.mySqlExtraConfig,
                })));
                this.mySqlConnector = new Connector(this.childName("mysql-connector"), {
                    ...common, ...spec, sourceRevision: revisionOf([my.container, ...my.ready]),
                    signal: { collection: my.signalCollection, command: my.sqlClient },
                    referencedSecrets: { [CONNECT_SECRET_FILES.mysql]: my.cdcPassword },
                }, connectorOpts(my.ready));
            }
        }

        this.storage = new ObjectStorage(this.childName("storage"), { ...common, ...args.storage }, child);
        this.catalog = new IcebergCatalog(this.childName("catalog"), { ...common, ...args.catalog, storage: this.storage }, child);
        const engines = { storage: this.storage, catalog: this.catalog };
        this.spark = new Spark(this.childName("spark"), { ...common, ...args.spark, ...engines }, child);
        this.trino = new Trino(this.childName("trino"), { ...common, ...args.trino, ...engines }, child);

        // The CDC mirror job: after the topics, the connectors, the catalog and the storage.
        const captured = [
            ...(this.postgres?.tables ?? []).map((t) => ({ topic: `${this.topicPrefixes.postgres}.${t.schema}.${t.name}`, key: t.primaryKey })),
            ...(this.mysql?.tables ?? []).map((t) => ({ topic: `${this.topicPrefixes.mysql}.${t.schema}.${t.name}`, key: t.primaryKey })),
        ];
        if (args.cdcJob !== false && captured.length > 0) {
            const connectors = [this.postgresConnector, this.mySqlConnector].filter((x): x is Connector => x !== undefined);
            const own = args.cdcJob ?? {};
            this.cdcJob = new CdcMirrorJob(this.childName("cdc-job"), {
                ...common, topics: own.topicPattern ? undefined : captured.map((t) => t.topic),
                primaryKeys: Object.fromEntries(captured.map((t) => [t.topic, t.key])),
                ...own, kafka: this.kafka, ...engines, startAfter: [this.topics, ...connectors],
            }, child);
        }

        if (args.maintenance !== false) {
            const own = args.maintenance ?? {};
            const cdc = args.cdcJob || {};
            this.maintenance = new TableMaintenance(this.childName("maintenance"), {
                ...common, catalogName: cdc.catalogName, namespaces: [cdc.namespace ?? "cdc"],
                ...own, ...engines, startAfter: this.cdcJob ? [this.cdcJob.container] : [],
            }, child);
        }

        this.endpoints = {
            kafka: this.kafka.hostBootstrapServers.join(","),
            connect: this.connect.url,
            minio: `http://${this.storage.hostEndpoint}`,
            icebergCatalog: this.catalog.hostUri,
            trino: this.trino.url,
        };
        const sources: VerifySource[] = [];
        if (this.postgres) {
            sources.push({
                kind: "postgres", container: this.postgres.container.name, database: this.postgres.database,
                adminUser: this.postgres.adminUser, topicPrefix: this.topicPrefixes.postgres,
                connector: this.postgresConnector?.name, tables: this.postgres.tables,
            });
        }
        if (this.mysql) {
            sources.push({
                kind: "mysql", container: this.mysql.container.name, flavour: this.mysql.flavour,
                topicPrefix: this.topicPrefixes.mysql, connector: this.mySqlConnector?.name, tables: this.mysql.tables,
            });
        }
        this.verifyTarget = {
            containers: [
                ...this.kafka.brokers, this.connect.container, ...[this.postgres, this.mysql].map((x) => x?.container),
                this.storage.container, this.catalog.container, this.spark.container, this.trino.container, this.cdcJob?.container,
                this.maintenance?.container,
            ].filter((c): c is NonNullable<typeof c> => c !== undefined).map((c) => c.name),
            sources, sparkContainer: this.spark.containerName, minioContainer: this.storage.container.name,
            warehouseBucket: this.storage.warehouseBucket,
            cdc: this.cdcJob && {
                container: this.cdcJob.containerName, namespace: this.cdcJob.namespace,
                tablePrefix: (args.cdcJob || {}).tablePrefix ?? "", checkpointLocation: this.cdcJob.checkpointLocation,
            },
            maintenance: this.maintenance && { container: this.maintenance.containerName, runsTable: this.maintenance.runsTable },
        };
        this.registerOutputs({ endpoints: this.endpoints });
    }
}

/** The ids of a source's container and set-up resources: unknown in a preview that recreates any of them. */
function revisionOf(resources: pulumi.Resource[]): pulumi.Output<string> {
    const ids = resources.filter((r): r is pulumi.CustomResource => pulumi.CustomResource.isInstance(r)).map((r) => r.id);
    return pulumi.all(ids).apply((values) => values.join(","));
}
