// Stack configuration -> LakehouseArgs. Pure apart from reading pulumi.Config, so the program stays
// one line and the mapping is tested on its own.
import * as pulumi from "@pulumi/pulumi";
import { LakehouseArgs, LakehouseSourceArgs } from "./lakehouse";
import { PLATFORMS, Platform } from "./specs/kubernetes";
import { REMOVED_TABLES, RemovedTables } from "./specs/cdc-job";
import { MaintenancePolicy } from "./specs/maintenance";
import { TableSpec } from "./specs/postgres";
import { MYSQL_FLAVOURS, MySqlFlavour } from "./connector/builders";
import { IMAGE_SETS, ImageSet } from "./core/versions";

/** The `lakehouse:` configuration keys a stack file may set. */
export interface LakehouseConfig {
    /** "docker" (default) or "kubernetes" (docs/kubernetes.md). */
    platform?: Platform;
    /** kubernetes: the kubeconfig file. Default: KUBECONFIG. */
    kubeconfig?: string;
    /** kubernetes: the namespace of every object. Default: "lakehouse". */
    namespace?: string;
    /** kubernetes: distributed Connect workers. Default: 2. */
    connectWorkers?: number;
    /** kubernetes: Trino workers beside the coordinator. Default: 2. */
    trinoWorkers?: number;
    /** kubernetes: Spark executor pods of the CDC job (Spark's Kubernetes scheduler). Default: 2. */
    cdcExecutors?: number;
    /** kubernetes: a node address this machine reaches (NodePorts). Default: the kubeconfig's API server host. */
    nodeAddress?: string;
    imageSet?: ImageSet;
    brokerCount?: number;
    clusterId?: string;
    bindIp?: string;
    namePrefix?: string;
    keepVolumes?: boolean;
    waitTimeoutSeconds?: number;
    postgresAdminPassword?: pulumi.Output<string>;
    postgresCdcPassword?: pulumi.Output<string>;
    mysqlRootPassword?: pulumi.Output<string>;
    mysqlCdcPassword?: pulumi.Output<string>;
    /** "mysql" (Oracle MySQL, the default) or "mariadb". */
    mysqlFlavour?: MySqlFlavour;
    /** Tables of the Postgres source (TableSpec list), replacing the seed's public.users. Default: the seed's. */
    postgresTables?: TableSpec[];
    /** Tables of the MySQL source (TableSpec list, schema = database), replacing sales.orders and hr.employees. */
    mysqlTables?: TableSpec[];
    minioRootUser?: string;
    minioRootPassword?: pulumi.Output<string>;
    /** A MinIO user and policy per consumer instead of the root key (docs/security.md). Default: true. */
    minioUsers?: boolean;
    /** HTTPS and authentication on the services that support them (LakehouseArgs.secureServices). Default: false. */
    secureServices?: boolean;
    /** With secureServices: the Trino user's password. Default: generated (stack output `trinoPassword`). */
    trinoPassword?: pulumi.Output<string>;
    /** With secureServices: the password of Kafka Connect's REST API. Default: generated (stack output `connectPassword`). */
    connectPassword?: pulumi.Output<string>;
    resetConnectorOffsetsOnDelete?: boolean;
    postgresConnectorConfig?: Record<string, string>;
    mySqlConnectorConfig?: Record<string, string>;
    /**
     * Further sources (LakehouseSourceArgs list: kind, name, topicPrefix, connector, args) beside the
     * built-in postgres and mysql; Lakehouse validates the list at construction. Default: none.
     */
    sources?: LakehouseSourceArgs[];
    /** Table maintenance: false turns it off. Default: on. */
    maintenance?: boolean;
    /** Seconds between maintenance passes. Default: 1800. */
    maintenanceIntervalSeconds?: number;
    /** Policy of every table (MaintenancePolicy). Default: the documented defaults. */
    maintenancePolicy?: MaintenancePolicy;
    /** Overrides per table (bare name or namespace.table). Default: none. */
    maintenanceTablePolicies?: Record<string, MaintenancePolicy>;
    /** Changelog retention in days (drops older commit-day partitions). Default: keep everything. */
    changelogRetentionDays?: number;
    /** Tests only: the CDC job's kill points (CdcMirrorJobArgs.testHooks). Default: off. */
    cdcTestHooks?: boolean;
    /** A table removed from capture: its mirror and changelog "keep" or "drop" (CdcMirrorJobArgs.removedTables). Default: "keep". */
    cdcRemovedTables?: RemovedTables;
    /** Seconds between the CDC job's micro-batches (CdcMirrorJobArgs.triggerSeconds). Default: 5. */
    cdcTriggerSeconds?: number;
    /** Topics of a micro-batch the CDC job writes at once (CdcMirrorJobArgs.parallelTopics). Default: 1. */
    cdcParallelTopics?: number;
}

/** Settings only the kubernetes platform reads (components/kubernetes/): refused on docker, where they would do nothing. */
export const KUBERNETES_ONLY_KEYS = ["namespace", "kubeconfig", "connectWorkers", "trinoWorkers", "cdcExecutors", "nodeAddress"] as const;

/** Settings only the docker platform reads: refused on kubernetes, which does not build these yet (docs/kubernetes.md). */
export const DOCKER_ONLY_KEYS = [
    "bindIp", "namePrefix", "keepVolumes", "waitTimeoutSeconds", "mysqlFlavour", "minioUsers", "secureServices", "trinoPassword", "connectPassword",
    "resetConnectorOffsetsOnDelete", "postgresConnectorConfig", "mySqlConnectorConfig", "sources", "maintenance",
    "maintenanceIntervalSeconds", "maintenancePolicy", "maintenanceTablePolicies", "changelogRetentionDays", "cdcTestHooks", "cdcRemovedTables",
    "cdcTriggerSeconds", "cdcParallelTopics",
] as const;

/** Settings both platforms read. */
export const SHARED_KEYS = [
    "platform", "imageSet", "brokerCount", "clusterId", "postgresAdminPassword", "postgresCdcPassword", "mysqlRootPassword",
    "mysqlCdcPassword", "postgresTables", "mysqlTables", "minioRootUser", "minioRootPassword",
] as const;

/** Every `lakehouse:` key this program reads: each is in exactly one of the three lists above. */
export const CONFIG_KEYS: readonly (keyof LakehouseConfig)[] = [...SHARED_KEYS, ...DOCKER_ONLY_KEYS, ...KUBERNETES_ONLY_KEYS];

// A key added to LakehouseConfig but to none of the lists (or listed but not in LakehouseConfig) fails to compile.
type ListedKey = (typeof SHARED_KEYS)[number] | (typeof DOCKER_ONLY_KEYS)[number] | (typeof KUBERNETES_ONLY_KEYS)[number];
const everyKeyListed: [Exclude<keyof LakehouseConfig, ListedKey>, Exclude<ListedKey, keyof LakehouseConfig>] extends [never, never] ? true : never = true;
void everyKeyListed;

/** Edit distance of two short strings (for "did you mean"). */
function editDistance(a: string, b: string): number {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) {
            next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        row = next;
    }
    return row[b.length];
}

/**
 * Refuses a `<namespace>:` key this program does not read (a typo would otherwise be ignored and the
 * default used), naming the closest known key. `keys` are the raw config keys (`namespace:key`).
 */
function checkUnknownKeys(namespace: string, keys: string[]): void {
    const known = new Set<string>(CONFIG_KEYS);
    const unknown = keys.filter((k) => k.startsWith(`${namespace}:`))
        .map((k) => k.slice(namespace.length + 1).replace(/^config:/, ""))
        .filter((k) => !known.has(k)).sort();
    if (unknown.length === 0) return;
    const hint = (k: string) => {
        const best = [...known].map((c) => ({ c, d: c.toLowerCase() === k.toLowerCase() ? 0 : editDistance(c.toLowerCase(), k.toLowerCase()) }))
            .sort((x, y) => x.d - y.d)[0];
        return best.d <= Math.max(2, Math.floor(k.length / 4)) ? ` (did you mean ${namespace}:${best.c}?)` : "";
    };
    throw new Error(`${unknown.map((k) => `${namespace}:${k}${hint(k)}`).join(", ")} ${unknown.length === 1 ? "is not a setting" : "are not settings"} ` +
        `of this program, which would ignore ${unknown.length === 1 ? "it" : "them"}: README.md, "Stacks and configuration", lists the settings`);
}

/**
 * A setting the chosen platform does not read is an error, not a silent no-op: a stack asking for HTTPS
 * on Trino (secureServices) must not come up without it because it runs on Kubernetes.
 */
function checkPlatformKeys(config: pulumi.Config, platform: Platform): void {
    const [other, keys] = platform === "kubernetes" ? ["docker", DOCKER_ONLY_KEYS] as const : ["kubernetes", KUBERNETES_ONLY_KEYS] as const;
    const set = (keys as readonly string[]).filter((k) => config.get(k) !== undefined);
    if (set.length > 0) {
        throw new Error(`${set.map((k) => `lakehouse:${k}`).join(", ")} ${set.length === 1 ? "is" : "are"} read on platform ${other} only ` +
            `and would do nothing on ${platform}: remove ${set.length === 1 ? "it" : "them"} from the stack's config ` +
            `(docs/kubernetes.md lists what each platform builds)`);
    }
}

export function readLakehouseConfig(config = new pulumi.Config("lakehouse")): LakehouseConfig {
    const imageSet = config.get("imageSet");
    if (imageSet !== undefined && !IMAGE_SETS.includes(imageSet as ImageSet)) {
        throw new Error(`lakehouse:imageSet must be one of ${IMAGE_SETS.join(", ")}, got ${JSON.stringify(imageSet)}`);
    }
    const platform = config.get("platform");
    if (platform !== undefined && !PLATFORMS.includes(platform as Platform)) {
        throw new Error(`lakehouse:platform must be one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(platform)}`);
    }
    const mysqlFlavour = config.get("mysqlFlavour");
    if (mysqlFlavour !== undefined && !(MYSQL_FLAVOURS as readonly string[]).includes(mysqlFlavour)) {
        throw new Error(`lakehouse:mysqlFlavour must be one of ${MYSQL_FLAVOURS.join(", ")}, got ${JSON.stringify(mysqlFlavour)}`);
    }
    const cdcRemovedTables = config.get("cdcRemovedTables");
    if (cdcRemovedTables !== undefined && !(REMOVED_TABLES as readonly string[]).includes(cdcRemovedTables)) {
        throw new Error(`lakehouse:cdcRemovedTables must be one of ${REMOVED_TABLES.join(", ")}, got ${JSON.stringify(cdcRemovedTables)}`);
    }
    const secureServices = config.getBoolean("secureServices");
    const trinoPassword = config.getSecret("trinoPassword");
    if (trinoPassword !== undefined && !secureServices) {
        throw new Error("lakehouse:trinoPassword is set but lakehouse:secureServices is not true: Trino checks passwords only with " +
            "HTTPS (set lakehouse:secureServices to true, or remove lakehouse:trinoPassword)");
    }
    const connectPassword = config.getSecret("connectPassword");
    if (connectPassword !== undefined && !secureServices) {
        throw new Error("lakehouse:connectPassword is set but lakehouse:secureServices is not true: Kafka Connect's REST API takes a login " +
            "only with it (set lakehouse:secureServices to true, or remove lakehouse:connectPassword)");
    }
    checkUnknownKeys(config.name, Object.keys(pulumi.runtime.allConfig()));
    checkPlatformKeys(config, (platform as Platform | undefined) ?? "docker");
    return {
        platform: platform as Platform | undefined,
        kubeconfig: config.get("kubeconfig"),
        namespace: config.get("namespace"),
        connectWorkers: config.getNumber("connectWorkers"),
        trinoWorkers: config.getNumber("trinoWorkers"),
        cdcExecutors: config.getNumber("cdcExecutors"),
        nodeAddress: config.get("nodeAddress"),
        imageSet: imageSet as ImageSet | undefined,
        brokerCount: config.getNumber("brokerCount"),
        clusterId: config.get("clusterId"),
        bindIp: config.get("bindIp"),
        namePrefix: config.get("namePrefix"),
        keepVolumes: config.getBoolean("keepVolumes"),
        waitTimeoutSeconds: config.getNumber("waitTimeoutSeconds"),
        postgresAdminPassword: config.getSecret("postgresAdminPassword"),
        postgresCdcPassword: config.getSecret("postgresCdcPassword"),
        mysqlRootPassword: config.getSecret("mysqlRootPassword"),
        mysqlCdcPassword: config.getSecret("mysqlCdcPassword"),
        mysqlFlavour: mysqlFlavour as MySqlFlavour | undefined,
        postgresTables: config.getObject<TableSpec[]>("postgresTables"),
        mysqlTables: config.getObject<TableSpec[]>("mysqlTables"),
        minioRootUser: config.get("minioRootUser"),
        minioRootPassword: config.getSecret("minioRootPassword"),
        minioUsers: config.getBoolean("minioUsers"),
        secureServices,
        trinoPassword,
        connectPassword,
        resetConnectorOffsetsOnDelete: config.getBoolean("resetConnectorOffsetsOnDelete"),
        postgresConnectorConfig: config.getObject<Record<string, string>>("postgresConnectorConfig"),
        mySqlConnectorConfig: config.getObject<Record<string, string>>("mySqlConnectorConfig"),
        sources: config.getObject<LakehouseSourceArgs[]>("sources"),
        maintenance: config.getBoolean("maintenance"),
        maintenanceIntervalSeconds: config.getNumber("maintenanceIntervalSeconds"),
        maintenancePolicy: config.getObject<MaintenancePolicy>("maintenancePolicy"),
        maintenanceTablePolicies: config.getObject<Record<string, MaintenancePolicy>>("maintenanceTablePolicies"),
        changelogRetentionDays: config.getNumber("changelogRetentionDays"),
        cdcTestHooks: config.getBoolean("cdcTestHooks"),
        cdcRemovedTables: cdcRemovedTables as RemovedTables | undefined,
        cdcTriggerSeconds: config.getNumber("cdcTriggerSeconds"),
        cdcParallelTopics: config.getNumber("cdcParallelTopics"),
    };
}

export function lakehouseArgsFromConfig(c: LakehouseConfig): LakehouseArgs {
    return {
        imageSet: c.imageSet,
        bindIp: c.bindIp,
        namePrefix: c.namePrefix,
        keepVolumes: c.keepVolumes,
        waitTimeoutSeconds: c.waitTimeoutSeconds,
        kafka: { brokerCount: c.brokerCount, clusterId: c.clusterId },
        postgres: { adminPassword: c.postgresAdminPassword, cdcPassword: c.postgresCdcPassword, tables: c.postgresTables },
        mysql: { rootPassword: c.mysqlRootPassword, cdcPassword: c.mysqlCdcPassword, flavour: c.mysqlFlavour, tables: c.mysqlTables },
        ...(c.sources !== undefined ? { sources: c.sources } : {}),
        ...(c.secureServices ? { secureServices: true } : {}),
        ...(c.trinoPassword !== undefined ? { trino: { security: { password: c.trinoPassword } } } : {}),
        ...(c.connectPassword !== undefined ? { connect: { restAuth: { password: c.connectPassword } } } : {}),
        storage: { rootUser: c.minioRootUser, rootPassword: c.minioRootPassword, ...(c.minioUsers !== undefined ? { minioUsers: c.minioUsers } : {}) },
        connectors: {
            resetOffsetsOnDelete: c.resetConnectorOffsetsOnDelete,
            postgresExtraConfig: c.postgresConnectorConfig,
            mySqlExtraConfig: c.mySqlConnectorConfig,
        },
        maintenance: c.maintenance === false ? false : {
            intervalSeconds: c.maintenanceIntervalSeconds,
            policy: c.changelogRetentionDays === undefined ? c.maintenancePolicy
                : { ...c.maintenancePolicy, changelogRetentionDays: c.changelogRetentionDays },
            tablePolicies: c.maintenanceTablePolicies,
        },
        ...(c.cdcTestHooks || c.cdcRemovedTables || c.cdcTriggerSeconds !== undefined || c.cdcParallelTopics !== undefined ? {
            cdcJob: {
                ...(c.cdcTestHooks ? { testHooks: true } : {}),
                ...(c.cdcRemovedTables ? { removedTables: c.cdcRemovedTables } : {}),
                ...(c.cdcTriggerSeconds !== undefined ? { triggerSeconds: c.cdcTriggerSeconds } : {}),
                ...(c.cdcParallelTopics !== undefined ? { parallelTopics: c.cdcParallelTopics } : {}),
            },
        } : {}),
    };
}
