// A long-lived PySpark driver in the Spark image, the shape the CDC mirror job (specs/cdc-job.ts) and table
// maintenance (specs/maintenance.ts) share: spark-submit of a job file with its library as --py-files,
// spark-defaults.conf and the job files uploaded, healthy while the driver rewrites its heartbeat file.
import { CatalogConnection, SPARK_HOME, sparkCatalogConf, sparkDefaults } from "./engines";
import { S3_REGION } from "./storage";
import { ContainerSpec, UploadSpec, healthcheck } from "./types";

/** A heartbeat older than this fails the healthcheck. */
export const SPARK_JOB_HEARTBEAT_MAX_AGE_SECONDS = 60;

export interface SparkDriverJob {
    /** spark-submit --master. */
    master: string;
    /** spark-submit --driver-memory (the job runs in the driver with local[N]). */
    driverMemory: string;
    /** spark-submit --name. */
    name: string;
    /** Where the job files live in the container. */
    dir: string;
    /** The job's entry file and its library (shipped as --py-files), by file name in `dir`. */
    main: string;
    lib: string;
    /** More spark-submit arguments, before the job file (e.g. --deploy-mode and --conf). Default: none. */
    submitArgs?: string[];
}

/** spark-submit's arguments: Spark's first, then the job file, then the job's own. */
export function sparkSubmitArgs(job: SparkDriverJob, jobArgs: string[]): string[] {
    return [
        "--master", job.master,
        "--driver-memory", job.driverMemory,
        "--name", job.name,
        ...(job.submitArgs ?? []),
        "--py-files", `${job.dir}/${job.lib}`,
        `${job.dir}/${job.main}`,
        ...jobArgs,
    ];
}

/**
 * spark-defaults of a driver job: the catalog's settings, two shuffle partitions and no UI, then the job's
 * own (`own`, in order), then the packages to fetch (official images) with their excludes.
 */
export function sparkJobConf(
    catalog: CatalogConnection, own: Record<string, string>, packages: readonly string[], packageExcludes: readonly string[] = [],
): Record<string, string> {
    const conf: Record<string, string> = {
        ...sparkCatalogConf(catalog),
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.enabled": "false",
        ...own,
    };
    if (packages.length > 0) {
        conf["spark.jars.packages"] = packages.join(",");
        if (packageExcludes.length > 0) conf["spark.jars.excludes"] = packageExcludes.join(",");
        conf["spark.jars.ivy"] = "/tmp/.ivy2";
    }
    return conf;
}

/** The healthcheck command: the heartbeat file exists and is younger than `maxAgeSeconds`. */
export function heartbeatHealthcheckCommand(file: string, maxAgeSeconds = SPARK_JOB_HEARTBEAT_MAX_AGE_SECONDS): string {
    return `test -f ${file} && test $(( $(date +%s) - $(stat -c %Y ${file}) )) -lt ${maxAgeSeconds}`;
}

export interface SparkJobContainerArgs {
    hostname: string;
    image: string;
    role: string;
    job: SparkDriverJob;
    /** The job's own arguments, after the job file. */
    jobArgs: string[];
    /** spark-defaults.conf (sparkJobConf). */
    conf: Record<string, string>;
    /** The job files by name, uploaded into job.dir in this order. */
    files: readonly string[];
    jobFiles: Record<string, string>;
    heartbeatFile: string;
    /** Extra environment after AWS_REGION and PYTHONUNBUFFERED. */
    env?: Record<string, string>;
    volumes?: ContainerSpec["volumes"];
    /** Secrets as files (ContainerSpec.secretFiles). Default: none. */
    secretFiles?: ContainerSpec["secretFiles"];
}

/** The container of a driver job: spark-submit as entrypoint, conf and job files uploaded, heartbeat healthcheck. */
export function sparkJobContainerSpec(a: SparkJobContainerArgs): ContainerSpec {
    const uploads: UploadSpec[] = [
        { file: `${SPARK_HOME}/conf/spark-defaults.conf`, content: sparkDefaults(a.conf) },
        ...a.files.map((f) => ({ file: `${a.job.dir}/${f}`, content: a.jobFiles[f] })),
    ];
    return {
        hostname: a.hostname,
        image: a.image,
        role: a.role,
        env: { AWS_REGION: S3_REGION, PYTHONUNBUFFERED: "1", ...a.env },
        secretEnv: {},
        entrypoint: [`${SPARK_HOME}/bin/spark-submit`],
        command: sparkSubmitArgs(a.job, a.jobArgs),
        ports: [],
        // Spark's start and the catalog round trips take a while on a small machine.
        healthcheck: healthcheck(["CMD-SHELL", heartbeatHealthcheckCommand(a.heartbeatFile)], 120, 24),
        volumes: a.volumes ?? [],
        uploads,
        ...(a.secretFiles?.length ? { secretFiles: a.secretFiles } : {}),
    };
}
