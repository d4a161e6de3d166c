import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "./core/base";
import { CdcMirrorJob, CdcMirrorJobArgs } from "./compute/cdc-job";
import { IcebergCatalog, IcebergCatalogArgs } from "./storage/catalog";
import { DebeziumConnect, DebeziumConnectArgs } from "./streaming/connect";
import { Connector, mySqlConnector, postgresConnector } from "./connector";
import { Spark, SparkArgs, Trino, TrinoArgs, TrinoSecurityArgs } from "./compute/engines";
import { CertificateAuthority } from "./core/tls";
import { KafkaCluster, KafkaClusterArgs, KafkaSecurityArgs } from "./streaming/kafka";
import { MySqlSource, MySqlSourceArgs } from "./sources/mysql";
import { TableMaintenance, TableMaintenanceArgs } from "./compute/maintenance";
import { Network } from "./core/network";
import { PostgresSource, PostgresSourceArgs } from "./sources/postgres";
import { ServiceArgs } from "./core/service";
import { SpecError } from "./specs/types";
import { CdcSource, SourceConnectorSettings, VerifySource, cdcSecretFile, tableTopic } from "./sources/source";
import { SOURCE_KINDS, sourceKinds } from "./sources/sources";
import { ObjectStorage, ObjectStorageArgs, ObjectStorageTlsArgs } from "./storage/storage";
import { KafkaTopics, TopicSpec } from "./streaming/topics";
import { ImageSet } from "./core/versions";

/** The Connect worker's secret files holding the CDC users' passwords (connectors reference them). */
export const CONNECT_SECRET_FILES = { postgres: cdcSecretFile("postgres"), mysql: cdcSecretFile("mysql") } as const;

/** Per-service settings: the service's own args, without what Lakehouse wires itself. */
type Own<T, Wired extends keyof T = never> = Omit<T, "network" | Wired> & Partial<Pick<ServiceArgs, "image">>;

/** Trino's own args inside Lakehouse: `security` as in TrinoArgs, its `ca` defaulting to the stack's; giving it secures Trino without `secureServices`. */
export type LakehouseTrinoArgs = Own<TrinoArgs, "storage" | "catalog" | "security"> & { security?: Partial<TrinoSecurityArgs> };

/** MinIO's own args inside Lakehouse: `tls` as in ObjectStorageArgs, its `ca` defaulting to the stack's; `false` keeps a `secureServices` stack's MinIO on plain HTTP. */
export type LakehouseStorageArgs = Own<ObjectStorageArgs, "tls"> & { tls?: Partial<ObjectStorageTlsArgs> | false };

/** Kafka's own args inside Lakehouse: `security` as in KafkaClusterArgs, its `ca` defaulting to the stack's; giving it secures Kafka without `secureServices`. */
export type LakehouseKafkaArgs = Own<KafkaClusterArgs, "security"> & { security?: Partial<KafkaSecurityArgs> | false };

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
    /**
     * Kafka settings (see KafkaClusterArgs). Default: one broker on 127.0.0.1:9092. Its `security` takes the
     * stack's CA unless given one, and `false` keeps a `secureServices` stack's brokers plaintext (the policy
     * pack refuses that outside dev).
     */
    kafka?: LakehouseKafkaArgs;
    /** Kafka Connect settings (see DebeziumConnectArgs). Default: REST API on 127.0.0.1:8083. */
    connect?: Own<DebeziumConnectArgs, "kafka">;
    /** The Postgres source, or false for none. Default: customer_db with public.users. */
    postgres?: Own<PostgresSourceArgs> | false;
    /** The MySQL source, or false for none. Default: sales and hr. */
    mysql?: Own<MySqlSourceArgs> | false;
    /**
     * MinIO settings (see ObjectStorageArgs). Default: buckets warehouse, checkpoints and spark-test. Its
     * `tls` takes the stack's CA unless given one, and `false` keeps a `secureServices` stack's MinIO on
     * plain HTTP (the policy pack refuses that outside dev).
     */
    storage?: LakehouseStorageArgs;
    /** Iceberg REST catalog settings (see IcebergCatalogArgs). Default: on 127.0.0.1:8181. */
    catalog?: Own<IcebergCatalogArgs, "storage">;
    /** Spark settings (see SparkArgs). Default: catalog `minio`. */
    spark?: Own<SparkArgs, "storage" | "catalog">;
    /** Trino settings (see TrinoArgs). Default: catalog `minio` on 127.0.0.1:8080 (8443 with `secureServices`). */
    trino?: LakehouseTrinoArgs;
    /**
     * Encryption and authentication on the services that support them so far (docs/security.md): the stack
     * gets its own certificate authority, and Trino serves HTTPS with password authentication (its
     * `security`, unless `trino.security` is given), Kafka Connect's REST API takes a login (HTTP basic
     * authentication, unless `connect.restAuth` is given), and Kafka takes SCRAM logins over TLS only, one
     * user per client (unless `kafka.security` is given), and MinIO serves HTTPS only, trusted by every client
     * (unless `storage.tls` is given). Every non-dev stack should set it; the policy pack's
     * `authenticated-services` refuses one without. Default: false (dev: plain HTTP on loopback).
     */
    secureServices?: boolean;
    /** Further CDC sources through the `CdcSource` seam (see LakehouseSourceArgs), after `postgres` and `mysql`. Default: none. */
    sources?: LakehouseSourceArgs[];
    /** Debezium topic prefixes of `postgres` and `mysql`. Default: { postgres: "dbserver1", mysql: "mysqlserver1" } (the seed's). */
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

/**
 * A further source of `LakehouseArgs.sources` (and of the stack's `lakehouse:sources` list), built by the
 * registry (sources/sources.ts). Its component is `<lakehouse>-<name>`, its connector `<lakehouse>-<name>-connector`,
 * its Connect secret file `<name>-cdc-password`: the built-in sources' own pattern.
 */
export interface LakehouseSourceArgs {
    /** Required: a registered kind (SOURCE_KINDS in sources/sources.ts), "postgres" or "mysql". */
    kind: string;
    /** Required: lower-case letters, digits and dashes, unique; not "postgres" or "mysql" (the built-in sources' names). */
    name: string;
    /** Debezium topic prefix, unique among the sources. Default: the name. */
    topicPrefix?: string;
    /** Its connector: `name`, `extraConfig`, `serverId` (MySQL: required). Default: name `<name>-connector`, no extra config. */
    connector?: SourceConnectorSettings;
    /**
     * The kind's own args (PostgresSourceArgs, MySqlSourceArgs). Default: hostname `db-<name>`, the
     * kind's other defaults, passwords generated (in the stack's config list they would be plain text).
     */
    args?: Record<string, unknown>;
}

/** A source of the lakehouse as Lakehouse wires it: the component, its topic prefix and its connector. */
export interface LakehouseSource {
    /** "postgres", "mysql" or the name of a `sources` entry. */
    name: string;
    source: CdcSource;
    topicPrefix: string;
    connector?: Connector;
}

export const DEFAULT_TOPIC_PREFIXES = { postgres: "dbserver1", mysql: "mysqlserver1" };

/** The names of the built-in sources, which `sources` entries may not take. */
const BUILT_IN_SOURCES = ["postgres", "mysql"];

/** The connector builders throw plain errors; name the field they came from (a SpecError names its own). */
function asSpecError<T>(field: string, build: () => T): T {
    try {
        return build();
    } catch (err) {
        if (err instanceof SpecError) throw err;
        throw new SpecError(field, (err as Error).message);
    }
}

/** The CDC topics of every source's captured tables (and its kind's own), declared so their replication follows the brokers. */
export function cdcTopics(sources: { source: CdcSource; topicPrefix: string }[]): TopicSpec[] {
    return sources.flatMap((s) => s.source.cdcTopics(s.topicPrefix));
}

/** The topics of the sources' Debezium signaling tables (`<prefix>.<schema>.<table>`). */
export function signalTopics(sources: { source: CdcSource; topicPrefix: string }[]): TopicSpec[] {
    return sources.map((s) => ({ name: `${s.topicPrefix}.${s.source.signalCollection}` }));
}

export type { VerifySource } from "./sources/source";

/** Where a deployed stack's parts are, for `make verify`: names and endpoints only, never a secret. */
export interface VerifyTarget {
    /**
     * Every container of the stack, which must all be running and healthy. On the kubernetes platform: its
     * StatefulSets and Deployments (`statefulset/kafka`), and the other names are pods or workloads that
     * `kubectl exec` reaches.
     */
    containers: pulumi.Input<string>[];
    sources: VerifySource[];
    /** The Spark container verify runs spark-sql in; none on the kubernetes platform. */
    sparkContainer?: string;
    minioContainer: pulumi.Input<string>;
    warehouseBucket: string;
    /** The CDC mirror job, when deployed: its container, `<catalog>.<namespace>`, table prefix and checkpoint. */
    cdc?: { container: pulumi.Input<string>; namespace: string; tablePrefix: string; checkpointLocation: string };
    /** Table maintenance, when deployed: its container and `<catalog>.lakehouse_ops.maintenance_runs`. */
    maintenance?: { container: string; runsTable: string };
    /** The kubernetes platform: the namespace, and the kubeconfig the program used (default KUBECONFIG). */
    kubernetes?: { namespace: string; kubeconfig?: string; kubectl?: string };
    /** The kubernetes platform: the endpoints a client outside the cluster uses (the NodePorts). */
    hostEndpoints?: { kafka: pulumi.Input<string>; connect: pulumi.Input<string>; minio: pulumi.Input<string>; trino?: pulumi.Input<string> };
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
    /** The stack's certificate authority, with `secureServices`. */
    public readonly certificateAuthority?: CertificateAuthority;
    /** The CDC mirror job, unless disabled or no table is captured. */
    public readonly cdcJob?: CdcMirrorJob;
    /** Table maintenance, unless disabled. */
    public readonly maintenance?: TableMaintenance;
    /** Topic prefix of each source by name: the built-in two always, then every `sources` entry. */
    public readonly topicPrefixes: { postgres: string; mysql: string } & Record<string, string>;
    /** Every source, built-in first, with its topic prefix and connector: what the loops below go over. */
    public readonly sources: LakehouseSource[];
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

        // The CA first: Kafka's brokers, MinIO and Trino take their certificates from it.
        const kafkaSecurity = args.kafka?.security === false ? undefined : args.kafka?.security ?? (args.secureServices ? {} : undefined);
        const trinoSecurity = args.trino?.security ?? (args.secureServices ? {} : undefined);
        const storageTls = args.storage?.tls === false ? undefined : args.storage?.tls ?? (args.secureServices ? {} : undefined);
        if (args.secureServices || (trinoSecurity && !trinoSecurity.ca) || (kafkaSecurity && !kafkaSecurity.ca) || (storageTls && !storageTls.ca)) {
            this.certificateAuthority = new CertificateAuthority(this.childName("ca"), { commonName: `${namePrefix} certificate authority` }, child);
        }
        this.kafka = new KafkaCluster(this.childName("kafka"), {
            ...common, ...args.kafka, security: kafkaSecurity && { ...kafkaSecurity, ca: kafkaSecurity.ca ?? this.certificateAuthority! },
        }, child);
        const c = { enabled: true, mySqlServerId: 184054, ...args.connectors };
        const extra = this.validSources(args);
        this.topicPrefixes = {
            ...DEFAULT_TOPIC_PREFIXES, ...args.topicPrefixes,
            ...Object.fromEntries(extra.map((e) => [e.name, e.topicPrefix ?? e.name])),
        };
        const sources: (LakehouseSource & { settings: SourceConnectorSettings; field: (setting: string) => string })[] = [];
        if (args.postgres !== false) {
            this.postgres = new PostgresSource(this.childName("postgres"), { ...common, ...args.postgres }, child);
            sources.push({
                name: "postgres", source: this.postgres, topicPrefix: this.topicPrefixes.postgres,
                settings: { name: c.postgresName, extraConfig: c.postgresExtraConfig }, field: () => "connectors.postgres",
            });
        }
        if (args.mysql !== false) {
            this.mysql = new MySqlSource(this.childName("mysql"), { ...common, ...args.mysql }, child);
            sources.push({
                name: "mysql", source: this.mysql, topicPrefix: this.topicPrefixes.mysql,
                settings: { name: c.mySqlName, extraConfig: c.mySqlExtraConfig, serverId: c.mySqlServerId },
                field: (setting) => (setting === "serverId" ? "connectors.mySqlServerId" : "connectors.mysql"),
            });
        }
        extra.forEach((e, i) => {
            const source = SOURCE_KINDS[e.kind](this.childName(e.name), { ...common, hostname: `db-${e.name}`, ...e.args, network: common.network }, child);
            sources.push({
                name: e.name, source, topicPrefix: this.topicPrefixes[e.name],
                settings: { name: `${e.name}-connector`, ...e.connector }, field: (setting) => `sources[${i}].connector${setting === "name" ? "" : `.${setting}`}`,
            });
        });
        this.uniqueAcrossSources(sources);
        // The CDC users' passwords reach the connectors as files of the worker (its directory config
        // provider), so the REST body, the connectors' state and connect_configs hold only references.
        const connectSecrets: Record<string, pulumi.Output<string>> = {};
        for (const s of c.enabled ? sources : []) connectSecrets[cdcSecretFile(s.name)] = s.source.cdcPassword;
        this.connect = new DebeziumConnect(this.childName("connect"), {
            ...common, ...args.connect, kafka: this.kafka, secrets: { ...connectSecrets, ...args.connect?.secrets },
            // secureServices: the REST API takes a login (docs/security.md), given to every connector below.
            restAuth: args.connect?.restAuth ?? (args.secureServices ? {} : undefined),
        }, child);
        this.topics = new KafkaTopics(this.childName("topics"), {
            cluster: this.kafka,
            topics: [
                ...cdcTopics(sources),
                // Debezium captures its signaling tables implicitly: their rows (signals, snapshot watermarks) go to topics too.
                ...(c.enabled ? signalTopics(sources) : []),
                ...(args.topics ?? []),
            ],
        }, child);

        if (c.enabled) {
            const login = this.connect.login;
            const connectorCommon = {
                connectUrl: this.connect.url, waitTimeoutSeconds: c.waitTimeoutSeconds, resetOffsetsOnDelete: c.resetOffsetsOnDelete,
                ...(login ? { connectAuth: { username: login.user, password: login.password } } : {}),
            };
            for (const s of sources) {
                const secretFile = cdcSecretFile(s.name);
                const spec = this.spec(() => asSpecError(s.field("name"), () => s.source.connectorSpec({
                    topicPrefix: s.topicPrefix, passwordReference: this.connect.secretReference(secretFile),
                    bootstrapServers: this.kafka.internalBootstrapServers, settings: s.settings,
                    kafkaClientSecurity: this.connect.kafkaClientSecurity, field: s.field,
                })));
                s.connector = new Connector(this.childName(`${s.name}-connector`), {
                    ...connectorCommon, ...spec, sourceRevision: revisionOf([s.source.container, ...s.source.ready]),
                    signal: { collection: s.source.signalCollection, command: s.source.sqlClient },
                    referencedSecrets: { [secretFile]: s.source.cdcPassword },
                }, { parent: this, dependsOn: [this.connect.container, ...this.kafka.brokers, this.topics, ...s.source.ready] });
            }
            this.postgresConnector = sources.find((s) => s.name === "postgres")?.connector;
            this.mySqlConnector = sources.find((s) => s.name === "mysql")?.connector;
        }
        this.sources = sources.map(({ name, source, topicPrefix, connector }) => ({ name, source, topicPrefix, connector }));

        this.storage = new ObjectStorage(this.childName("storage"), {
            ...common, ...args.storage, tls: storageTls && { ...storageTls, ca: storageTls.ca ?? this.certificateAuthority! },
        }, child);
        this.catalog = new IcebergCatalog(this.childName("catalog"), { ...common, ...args.catalog, storage: this.storage }, child);
        const engines = { storage: this.storage, catalog: this.catalog };
        this.spark = new Spark(this.childName("spark"), { ...common, ...args.spark, ...engines }, child);
        this.trino = new Trino(this.childName("trino"), {
            ...common, ...args.trino, ...engines,
            security: trinoSecurity && { ...trinoSecurity, ca: trinoSecurity.ca ?? this.certificateAuthority! },
        }, child);

        // The CDC mirror job: after the topics, the connectors, the catalog and the storage.
        const captured = this.sources.flatMap((s) => s.source.tables.map((t) => ({ topic: tableTopic(s.topicPrefix, t), key: t.primaryKey })));
        if (args.cdcJob !== false && captured.length > 0) {
            const connectors = this.sources.map((s) => s.connector).filter((x): x is Connector => x !== undefined);
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
            minio: this.storage.hostUrl,
            icebergCatalog: this.catalog.hostUri,
            trino: this.trino.url,
        };
        this.verifyTarget = {
            containers: [
                ...this.kafka.brokers, this.connect.container, ...this.sources.map((s) => s.source.container),
                this.storage.container, this.catalog.container, this.spark.container, this.trino.container, this.cdcJob?.container,
                this.maintenance?.container,
            ].filter((c): c is NonNullable<typeof c> => c !== undefined).map((c) => c.name),
            sources: this.sources.map((s): VerifySource => s.source.verifySource(s.topicPrefix, s.connector?.name)), sparkContainer: this.spark.containerName, minioContainer: this.storage.container.name,
            warehouseBucket: this.storage.warehouseBucket,
            cdc: this.cdcJob && {
                container: this.cdcJob.containerName, namespace: this.cdcJob.namespace,
                tablePrefix: (args.cdcJob || {}).tablePrefix ?? "", checkpointLocation: this.cdcJob.checkpointLocation,
            },
            maintenance: this.maintenance && { container: this.maintenance.containerName, runsTable: this.maintenance.runsTable },
        };
        this.registerOutputs({ endpoints: this.endpoints });
    }

    /** `sources` as given (stack config included): a list of entries of a registered kind with unique names, before any is built. */
    private validSources(args: LakehouseArgs): LakehouseSourceArgs[] {
        const list: unknown = args.sources ?? [];
        if (!Array.isArray(list)) this.invalid("sources", `must be a list of sources, got ${JSON.stringify(list)}`);
        const names = new Set<string>(BUILT_IN_SOURCES);
        return list.map((entry: unknown, i): LakehouseSourceArgs => {
            const field = `sources[${i}]`;
            if (typeof entry !== "object" || entry === null || Array.isArray(entry)) this.invalid(field, `must be an object with kind and name, got ${JSON.stringify(entry)}`);
            const e = entry as Partial<LakehouseSourceArgs>;
            if (typeof e.kind !== "string" || !(e.kind in SOURCE_KINDS)) {
                this.invalid(`${field}.kind`, `must be one of ${sourceKinds().map((k) => `"${k}"`).join(", ")}, got ${JSON.stringify(e.kind)}`);
            }
            if (typeof e.name !== "string" || !/^[a-z][a-z0-9-]{0,39}$/.test(e.name)) {
                this.invalid(`${field}.name`, `must be lower-case letters, digits and dashes starting with a letter (at most 40), got ${JSON.stringify(e.name)}`);
            }
            if (names.has(e.name)) {
                this.invalid(`${field}.name`, BUILT_IN_SOURCES.includes(e.name)
                    ? `${JSON.stringify(e.name)} is a built-in source's name (configure it through the ${e.name} args instead)`
                    : `${JSON.stringify(e.name)} is taken by an earlier entry`);
            }
            names.add(e.name);
            if (e.topicPrefix !== undefined && (typeof e.topicPrefix !== "string" || e.topicPrefix === "")) {
                this.invalid(`${field}.topicPrefix`, `must be a non-empty string, got ${JSON.stringify(e.topicPrefix)}`);
            }
            for (const key of ["connector", "args"] as const) {
                const value: unknown = e[key];
                if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
                    this.invalid(`${field}.${key}`, `must be an object, got ${JSON.stringify(value)}`);
                }
            }
            return e as LakehouseSourceArgs;
        });
    }

    /** Two sources may share neither a topic prefix (their topics would mix) nor a hostname (one container name). */
    private uniqueAcrossSources(sources: LakehouseSource[]): void {
        for (const [what, of] of [["topic prefix", (s: LakehouseSource) => s.topicPrefix], ["hostname", (s: LakehouseSource) => s.source.serverFacts.hostname]] as const) {
            const seen = new Map<string, string>();
            for (const s of sources) {
                const value = of(s);
                const other = seen.get(value);
                if (other !== undefined) this.invalid("sources", `${other} and ${s.name} share the ${what} ${JSON.stringify(value)}`);
                seen.set(value, s.name);
            }
        }
    }
}

/** The ids of a source's container and set-up resources: unknown in a preview that recreates any of them. */
function revisionOf(resources: pulumi.Resource[]): pulumi.Output<string> {
    const ids = resources.filter((r): r is pulumi.CustomResource => pulumi.CustomResource.isInstance(r)).map((r) => r.id);
    return pulumi.all(ids).apply((values) => values.join(","));
}
