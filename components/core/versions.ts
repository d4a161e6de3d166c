// Image references, read from the project's single versions file.
import versions from "../../versions.json";

/** Which images the stack runs: pinned official images (default) or the ones built by scripts/images.sh. */
export type ImageSet = "official" | "local";
export const IMAGE_SETS: readonly ImageSet[] = ["official", "local"];

/** The services the lakehouse runs, one image each. */
export type Service = Exclude<keyof typeof versions.officialImages, "$comment">;

/** The local image of each service, as scripts/images.sh tags it: `pulumi-lakehouse/<dir>:<version>`. */
const LOCAL_IMAGE: Record<Service, { repo: string; version: string }> = {
    postgres: { repo: "postgres", version: versions.localImages.postgres },
    mysql: { repo: "mysql", version: versions.localImages.mysql },
    // MariaDB keeps the tag it had when it was the local "mysql" image, so stacks running it are undisturbed.
    mariadb: { repo: "mysql", version: versions.localImages.mariadb },
    kafka: { repo: "kafka", version: versions.localImages.kafka },
    connect: { repo: "connect", version: versions.localImages.debezium },
    minio: { repo: "minio", version: versions.localImages.minio },
    icebergRest: { repo: "iceberg-rest", version: versions.localImages.iceberg },
    spark: { repo: "spark", version: versions.localImages.spark },
    trino: { repo: "trino", version: versions.localImages.trino },
};

/** The pinned image reference of one service in the given image set. */
export function imageFor(service: Service, imageSet: ImageSet): string {
    if (imageSet === "local") {
        const { repo, version } = LOCAL_IMAGE[service];
        return `pulumi-lakehouse/${repo}:${version}`;
    }
    return versions.officialImages[service];
}

/** The services the kubernetes platform runs (KubernetesLakehouse): the images its nodes need. */
export const KUBERNETES_SERVICES: readonly Service[] = ["kafka", "connect", "minio", "postgres", "mysql", "icebergRest", "trino", "spark"];

/** Every image of one set, by service. */
export function imagesFor(imageSet: ImageSet): Record<Service, string> {
    const services = Object.keys(LOCAL_IMAGE) as Service[];
    return Object.fromEntries(services.map((s) => [s, imageFor(s, imageSet)])) as Record<Service, string>;
}

/** Iceberg and Spark versions the Spark job's packages must match (official images fetch them at start). */
export const ICEBERG_VERSION = versions.localImages.iceberg;
export const SCALA_VERSION = versions.localImages.scala;
export const SPARK_VERSION = versions.localImages.spark;
/** hadoop-aws must match the Hadoop client jars Spark ships (pyspark and apache/spark alike). */
export const HADOOP_VERSION = versions.localImages.hadoopClient;
/** The AWS SDK v2 inside Iceberg's AWS bundle; SDK modules added beside it must be the same version. */
export const AWS_SDK_VERSION = versions.localImages.awsSdk;
