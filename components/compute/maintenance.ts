import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { IcebergCatalog } from "../storage/catalog";
import { serviceContainer } from "../core/container";
import { sparkPackages } from "./engines";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { SECRET_PLACEHOLDER } from "../specs/engines";
import { MAINTENANCE_RUNS_TABLE, MaintenancePolicy, maintenanceSpec, readMaintenanceJobFiles } from "../specs/maintenance";
import { ObjectStorage } from "../storage/storage";

export interface TableMaintenanceArgs extends ServiceArgs {
    /** The Iceberg REST catalog of the tables. Required. */
    catalog: IcebergCatalog;
    /** The MinIO holding the table files. Required. */
    storage: ObjectStorage;
    /** Catalog name inside Spark. Default: "minio". */
    catalogName?: string;
    /** Namespaces whose every table is maintained. Default: ["cdc"] (the CDC job's mirrors and changelogs). */
    namespaces?: string[];
    /** Further `namespace.table`s, maintained when they exist. Default: ["test_db.iceberg_table"] (the seed's). */
    tables?: string[];
    /** Policy of every table (see MaintenancePolicy for each setting's default). Default: {}. */
    policy?: MaintenancePolicy;
    /** Overrides per table, by bare table name or `namespace.table`. Default: none. */
    tablePolicies?: Record<string, MaintenancePolicy>;
    /** Seconds between the starts of two maintenance passes. Default: 1800. */
    intervalSeconds?: number;
    /** Seconds between two orphan-file sweeps; at least intervalSeconds. Default: 86400. */
    orphanIntervalSeconds?: number;
    /** Spark master of the maintenance driver. Default: "local[1]" (one core, the other is the CDC job's). */
    master?: string;
    /** Driver memory. Default: "768m". */
    driverMemory?: string;
    /** DNS name on the stack's network. Default: "maintenance". */
    hostname?: string;
    /** Resources maintenance starts after, e.g. the CDC job. Default: none. */
    startAfter?: pulumi.Resource[];
}

const UPLOAD_SECRETS = { [SECRET_PLACEHOLDER.accessKey]: "accessKey", [SECRET_PLACEHOLDER.secretKey]: "secretKey" };

/**
 * Iceberg table maintenance as part of the stack: a long-lived Spark driver (the Spark image, one core)
 * that compacts data and delete files, rewrites manifests, expires snapshots and removes orphan files of
 * every mirror, changelog and named table on a cadence, retrying commits it loses to the CDC job.
 * Every run's outcome lands in `<catalog>.lakehouse_ops.maintenance_runs`. See docs/maintenance.md.
 */
export class TableMaintenance extends LakehouseComponent {
    public readonly container: docker.Container;
    public readonly containerName: string;
    /** `<catalog>.lakehouse_ops.maintenance_runs`. */
    public readonly runsTable: string;

    constructor(name: string, args: TableMaintenanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:compute:TableMaintenance", name, opts);
        const a = {
            hostname: "maintenance", catalogName: "minio", namespaces: ["cdc"], tables: ["test_db.iceberg_table"],
            policy: {}, tablePolicies: {}, intervalSeconds: 1800, orphanIntervalSeconds: 86400, master: "local[1]",
            driverMemory: "768m", ...definedOnly(args), ...resolveService("spark", args),
        };
        const { spec, secrets: trust } = this.spec(() => args.storage.javaClient(maintenanceSpec({
            image: a.image, hostname: a.hostname,
            catalog: {
                catalogName: a.catalogName, catalogUri: args.catalog.uri, warehouse: args.catalog.warehouse,
                s3Endpoint: args.storage.internalEndpoint,
            },
            namespaces: a.namespaces, tables: a.tables, policy: a.policy, tablePolicies: a.tablePolicies,
            intervalSeconds: a.intervalSeconds, orphanIntervalSeconds: a.orphanIntervalSeconds,
            master: a.master, driverMemory: a.driverMemory,
            packages: a.imageSet === "official" ? sparkPackages() : [],
            jobFiles: readMaintenanceJobFiles(),
        })));
        const s3Key = args.storage.credentialsFor("maintenance", [args.storage.warehouseBucket]);
        this.containerName = `${a.namePrefix}-${a.hostname}`;
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: this.containerName, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { accessKey: s3Key.accessKey, secretKey: s3Key.secretKey, ...trust }, uploadSecrets: UPLOAD_SECRETS,
        }, this.childOpts({ dependsOn: [args.catalog.container, args.storage.container, ...s3Key.ready, ...(args.startAfter ?? [])] })).container;
        this.runsTable = `${a.catalogName}.${MAINTENANCE_RUNS_TABLE}`;
        this.registerOutputs({ containerName: this.containerName, runsTable: this.runsTable });
    }
}
