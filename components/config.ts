// Stack configuration -> LakehouseArgs. Pure apart from reading pulumi.Config, so the program stays
// one line and the mapping is tested on its own.
import * as pulumi from "@pulumi/pulumi";
import { LakehouseArgs } from "./lakehouse";
import { MaintenancePolicy } from "./specs/maintenance";
import { IMAGE_SETS, ImageSet } from "./versions";

/** The `lakehouse:` configuration keys a stack file may set. */
export interface LakehouseConfig {
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
    minioRootUser?: string;
    minioRootPassword?: pulumi.Output<string>;
    resetConnectorOffsetsOnDelete?: boolean;
    postgresConnectorConfig?: Record<string, string>;
    mySqlConnectorConfig?: Record<string, string>;
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
}

export function readLakehouseConfig(config = new pulumi.Config("lakehouse")): LakehouseConfig {
    const imageSet = config.get("imageSet");
    if (imageSet !== undefined && !IMAGE_SETS.includes(imageSet as ImageSet)) {
        throw new Error(`lakehouse:imageSet must be one of ${IMAGE_SETS.join(", ")}, got ${JSON.stringify(imageSet)}`);
    }
    return {
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
        minioRootUser: config.get("minioRootUser"),
        minioRootPassword: config.getSecret("minioRootPassword"),
        resetConnectorOffsetsOnDelete: config.getBoolean("resetConnectorOffsetsOnDelete"),
        postgresConnectorConfig: config.getObject<Record<string, string>>("postgresConnectorConfig"),
        mySqlConnectorConfig: config.getObject<Record<string, string>>("mySqlConnectorConfig"),
        maintenance: config.getBoolean("maintenance"),
        maintenanceIntervalSeconds: config.getNumber("maintenanceIntervalSeconds"),
        maintenancePolicy: config.getObject<MaintenancePolicy>("maintenancePolicy"),
        maintenanceTablePolicies: config.getObject<Record<string, MaintenancePolicy>>("maintenanceTablePolicies"),
        changelogRetentionDays: config.getNumber("changelogRetentionDays"),
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
        postgres: { adminPassword: c.postgresAdminPassword, cdcPassword: c.postgresCdcPassword },
        mysql: { rootPassword: c.mysqlRootPassword, cdcPassword: c.mysqlCdcPassword },
        storage: { rootUser: c.minioRootUser, rootPassword: c.minioRootPassword },
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
    };
}
