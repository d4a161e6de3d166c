// Table maintenance: jobs/maintenance.py in the Spark image, a long-lived driver that runs Iceberg's
// Spark procedures over every mirror, changelog and named table on a cadence (see docs/maintenance.md).
import * as fs from "fs";
import * as path from "path";
import { ROLES } from "../core/settings";
import { CatalogConnection, validateCatalogName } from "./engines";
import { heartbeatHealthcheckCommand, sparkJobConf, sparkJobContainerSpec, sparkSubmitArgs } from "./spark-job";
import { ContainerSpec, SpecError, requireIdentifier } from "./types";

export const MAINTENANCE_JOB_DIR = "/opt/lakehouse/maintenance";
export const MAINTENANCE_JOB_FILES = ["maintenance.py", "maintenance_lib.py"] as const;
export const MAINTENANCE_HEARTBEAT_FILE = "/tmp/maintenance.heartbeat";
/** Where every run's outcome goes, one row per table and action (`make status` reads it). */
export const MAINTENANCE_RUNS_TABLE = "lakehouse_ops.maintenance_runs";

/** What maintenance does to a table. Every field is optional; defaults in DEFAULT_MAINTENANCE_POLICY. */
export interface MaintenancePolicy {
    /** Maintain this table at all. Default: true. */
    enabled?: boolean;
    /** rewrite_data_files (bin-pack; data files with deletes rewritten) and rewrite_position_delete_files. Default: true. */
    compact?: boolean;
    /** Target size of compacted data files. Default: 134217728 (128 MiB, Iceberg's). */
    targetFileSizeBytes?: number;
    /** A file group is compacted once it holds this many files. Default: 5 (Iceberg's). */
    minInputFiles?: number;
    /** rewrite_manifests. Default: true. */
    rewriteManifests?: boolean;
    /** expire_snapshots. Default: true. */
    expireSnapshots?: boolean;
    /** Snapshots older than this are expired (time travel reaches back this far). Default: 60. */
    snapshotRetentionMinutes?: number;
    /** Snapshots always kept, whatever their age; at least 5. Default: 10. */
    retainLast?: number;
    /** remove_orphan_files, on its own cadence (orphanIntervalSeconds). Default: true. */
    removeOrphanFiles?: boolean;
    /** Only files older than this may be removed as orphans; at least 1 (far above the longest commit). Default: 72 (Iceberg's 3 days). */
    orphanOlderThanHours?: number;
    /** Changelog tables: drop commit-day partitions older than this many days. Default: undefined (keep everything). */
    changelogRetentionDays?: number;
    /** Old metadata.json files kept (`write.metadata.previous-versions-max`, older ones deleted on commit). Default: 20. */
    metadataPreviousVersionsMax?: number;
}

/** The defaults (also in jobs/maintenance_lib.py's DEFAULT_POLICY; docs/maintenance.md argues them). */
export const DEFAULT_MAINTENANCE_POLICY: Required<Omit<MaintenancePolicy, "changelogRetentionDays">> & { changelogRetentionDays?: number } = {
    enabled: true,
    compact: true,
    targetFileSizeBytes: 128 * 1024 * 1024,
    minInputFiles: 5,
    rewriteManifests: true,
    expireSnapshots: true,
    snapshotRetentionMinutes: 60,
    retainLast: 10,
    removeOrphanFiles: true,
    orphanOlderThanHours: 72,
    metadataPreviousVersionsMax: 20,
};

const POLICY_KEYS = new Set<string>([...Object.keys(DEFAULT_MAINTENANCE_POLICY), "changelogRetentionDays"]);

export interface MaintenanceSpecArgs {
    image: string;
    hostname: string;
    catalog: CatalogConnection;
    /** Namespaces whose every table is maintained (the CDC job's). */
    namespaces: string[];
    /** Further `namespace.table`s, maintained when they exist (the seed's test_db.iceberg_table). */
    tables: string[];
    /** Policy of every table. */
    policy: MaintenancePolicy;
    /** Overrides per table, by `namespace.table` or bare table name. */
    tablePolicies: Record<string, MaintenancePolicy>;
    /** Seconds between the starts of two passes. */
    intervalSeconds: number;
    /** Seconds between two orphan-file sweeps (each lists every table's files in MinIO). */
    orphanIntervalSeconds: number;
    master: string;
    driverMemory: string;
    /** Maven packages Spark fetches at start; empty when the image carries the jars. */
    packages: string[];
    jobFiles: Record<string, string>;
}

export function readMaintenanceJobFiles(): Record<string, string> {
    const candidates = [path.resolve(__dirname, "../../jobs"), path.resolve(__dirname, "../../../jobs")];
    const dir = candidates.find((d) => fs.existsSync(path.join(d, MAINTENANCE_JOB_FILES[0])));
    if (!dir) throw new SpecError("maintenance.jobFiles", `jobs/${MAINTENANCE_JOB_FILES[0]} not found (looked in ${candidates.join(", ")})`);
    return Object.fromEntries(MAINTENANCE_JOB_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

function positiveInteger(field: string, v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < min || v > max) {
        throw new SpecError(field, `must be a whole number from ${min} to ${max}, got ${v}`);
    }
}

/** Checks one policy; `field` names it in errors (e.g. maintenance.tables.users). */
export function validateMaintenancePolicy(field: string, p: MaintenancePolicy): void {
    for (const k of Object.keys(p)) {
        if (!POLICY_KEYS.has(k)) throw new SpecError(`${field}.${k}`, `unknown setting (known: ${[...POLICY_KEYS].join(", ")})`);
    }
    for (const k of ["enabled", "compact", "rewriteManifests", "expireSnapshots", "removeOrphanFiles"] as const) {
        if (p[k] !== undefined && typeof p[k] !== "boolean") throw new SpecError(`${field}.${k}`, `must be true or false, got ${JSON.stringify(p[k])}`);
    }
    positiveInteger(`${field}.targetFileSizeBytes`, p.targetFileSizeBytes, 1024 * 1024);
    positiveInteger(`${field}.minInputFiles`, p.minInputFiles, 2);
    positiveInteger(`${field}.snapshotRetentionMinutes`, p.snapshotRetentionMinutes, 1);
    // The CDC job finds the last batch it appended in the changelog's snapshot summaries (replays are
    // skipped); a pass adds at most 4 snapshots of its own, so at least 5 kept always holds that append.
    positiveInteger(`${field}.retainLast`, p.retainLast, 5);
    // remove_orphan_files deletes any unreferenced file older than this: a commit still writing its
    // files would lose them. Commits take seconds; an hour is the floor, 72 h the default.
    positiveInteger(`${field}.orphanOlderThanHours`, p.orphanOlderThanHours, 1);
    positiveInteger(`${field}.changelogRetentionDays`, p.changelogRetentionDays, 1);
    positiveInteger(`${field}.metadataPreviousVersionsMax`, p.metadataPreviousVersionsMax, 1);
}

function validate(args: MaintenanceSpecArgs): void {
    validateCatalogName(args.catalog.catalogName);
    if (args.namespaces.length === 0 && args.tables.length === 0) {
        throw new SpecError("maintenance.namespaces", "name at least one namespace or table");
    }
    args.namespaces.forEach((n, i) => requireIdentifier(`maintenance.namespaces[${i}]`, n));
    args.tables.forEach((t, i) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}\.[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(t)) {
            throw new SpecError(`maintenance.tables[${i}]`, `must be namespace.table, got ${JSON.stringify(t)}`);
        }
    });
    validateMaintenancePolicy("maintenance.policy", args.policy);
    for (const [name, p] of Object.entries(args.tablePolicies)) {
        if (!/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
            throw new SpecError(`maintenance.tablePolicies`, `keys are table or namespace.table, got ${JSON.stringify(name)}`);
        }
        validateMaintenancePolicy(`maintenance.tablePolicies.${name}`, p);
    }
    if (!(Number.isInteger(args.intervalSeconds) && args.intervalSeconds >= 10 && args.intervalSeconds <= 7 * 86400)) {
        throw new SpecError("maintenance.intervalSeconds", `must be a whole number from 10 to 604800, got ${args.intervalSeconds}`);
    }
    if (!(Number.isInteger(args.orphanIntervalSeconds) && args.orphanIntervalSeconds >= args.intervalSeconds)) {
        throw new SpecError("maintenance.orphanIntervalSeconds", `must be a whole number of at least intervalSeconds (${args.intervalSeconds}), got ${args.orphanIntervalSeconds}`);
    }
    if (!/^\d+[mg]$/.test(args.driverMemory)) {
        throw new SpecError("maintenance.driverMemory", `must look like 512m or 1g, got ${JSON.stringify(args.driverMemory)}`);
    }
    for (const f of MAINTENANCE_JOB_FILES) {
        if (!args.jobFiles[f]) throw new SpecError("maintenance.jobFiles", `missing ${f}`);
    }
}

/** The policy JSON the job reads: the stack's default over the built-in one, and the per-table overrides. */
export function maintenancePolicyJson(args: Pick<MaintenanceSpecArgs, "policy" | "tablePolicies">): string {
    return JSON.stringify({ default: { ...DEFAULT_MAINTENANCE_POLICY, ...args.policy }, tables: args.tablePolicies });
}

const MAINTENANCE_DRIVER = { name: "lakehouse-maintenance", dir: MAINTENANCE_JOB_DIR, main: "maintenance.py", lib: "maintenance_lib.py" };

/** The job's own arguments (after jobs/maintenance.py). */
function maintenanceJobArgs(args: MaintenanceSpecArgs): string[] {
    return [
        "--catalog", args.catalog.catalogName,
        ...(args.namespaces.length ? ["--namespaces", args.namespaces.join(",")] : []),
        ...(args.tables.length ? ["--tables", args.tables.join(",")] : []),
        "--policy", maintenancePolicyJson(args),
        "--interval-seconds", String(args.intervalSeconds),
        "--orphan-interval-seconds", String(args.orphanIntervalSeconds),
        "--runs-table", MAINTENANCE_RUNS_TABLE,
        "--heartbeat-file", MAINTENANCE_HEARTBEAT_FILE,
    ];
}

export function maintenanceCommand(args: MaintenanceSpecArgs): string[] {
    return sparkSubmitArgs({ ...MAINTENANCE_DRIVER, master: args.master, driverMemory: args.driverMemory }, maintenanceJobArgs(args));
}

/** Healthy while the driver's heartbeat thread writes its file (a pass may take longer than a heartbeat). */
export function maintenanceHealthcheckCommand(): string {
    return heartbeatHealthcheckCommand(MAINTENANCE_HEARTBEAT_FILE, 60);
}

export function maintenanceSpec(args: MaintenanceSpecArgs): ContainerSpec {
    validate(args);
    const conf = sparkJobConf(args.catalog, {
        "spark.sql.session.timeZone": "UTC",
        // One core: maintenance must leave the other to the CDC job on a 2-core machine.
        "spark.default.parallelism": "1",
    }, args.packages);
    return sparkJobContainerSpec({
        hostname: args.hostname, image: args.image, role: ROLES.tableMaintenance,
        job: { ...MAINTENANCE_DRIVER, master: args.master, driverMemory: args.driverMemory }, jobArgs: maintenanceJobArgs(args),
        conf, files: MAINTENANCE_JOB_FILES, jobFiles: args.jobFiles, heartbeatFile: MAINTENANCE_HEARTBEAT_FILE, env: { TZ: "UTC" },
    });
}
