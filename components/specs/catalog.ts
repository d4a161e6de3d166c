// The Iceberg REST catalog (apache/iceberg-rest-fixture's contract: CATALOG_FOO_BAR -> foo.bar,
// `__` -> `-`), its state on a volume so it survives a container replacement.
import { ROLES } from "../core/settings";
import { S3_REGION } from "./storage";
import { ContainerSpec, SECRETS_DIR, healthcheck, requirePort, secretRef } from "./types";

export interface CatalogSpecArgs {
    image: string;
    hostname: string;
    /** Internal S3 endpoint, e.g. http://minio:9000. */
    s3Endpoint: string;
    warehouseBucket: string;
    hostPort: number;
    bindIp: string;
}

export const CATALOG_PORT = 8181;
/** The catalog's S3 key as an AWS shared credentials file (profile `default`). */
export const CATALOG_CREDENTIALS_FILE = `${SECRETS_DIR}/aws-credentials`;
export const CATALOG_STATE_DIR = "/tmp";
/**
 * The image's own command, for a container that must start through a wrapper (MinIO's CA, withJavaTrust):
 * the REST server's main class on the classpath of /usr/lib/iceberg-rest, where apache/iceberg-rest-fixture
 * keeps its runtime jar (its CMD is `java -jar iceberg-rest-adapter.jar`, that jar's main class) and the
 * local image its jars; JAVA_OPTS is the local image's heap setting, unset in the official one.
 */
export const CATALOG_START = ["sh", "-c", "exec java $JAVA_OPTS -cp '/usr/lib/iceberg-rest/*' org.apache.iceberg.rest.RESTCatalogServer"];

export function catalogSpec(args: CatalogSpecArgs): ContainerSpec {
    requirePort("catalog.hostPort", args.hostPort);
    return {
        hostname: args.hostname,
        image: args.image,
        role: ROLES.icebergCatalog,
        env: {
            CATALOG_WAREHOUSE: `s3://${args.warehouseBucket}/`,
            CATALOG_IO__IMPL: "org.apache.iceberg.aws.s3.S3FileIO",
            CATALOG_S3_ENDPOINT: args.s3Endpoint,
            CATALOG_S3_PATH__STYLE__ACCESS: "true",
            // On the volume, so namespaces and tables survive a replacement. The volume sits on /tmp
            // because that is the one directory both the official fixture's and our image's non-root
            // user can write: a fresh named volume takes the image directory's 1777 mode.
            CATALOG_URI: `jdbc:sqlite:file:${CATALOG_STATE_DIR}/iceberg_catalog.db`,
            AWS_REGION: S3_REGION,
            // S3FileIO without a key in its properties takes the AWS SDK's default chain, which reads this file.
            AWS_SHARED_CREDENTIALS_FILE: CATALOG_CREDENTIALS_FILE,
        },
        secretEnv: {},
        // Read by the catalog's JVM as the image's non-root user at the first S3 call: world-readable, like
        // Docker's own secrets (0444), root-owned and read-only; nothing else runs in the container.
        secretFiles: [
            {
                file: CATALOG_CREDENTIALS_FILE, permissions: "0444",
                content: `[default]\naws_access_key_id = ${secretRef("accessKey")}\naws_secret_access_key = ${secretRef("secretKey")}\n`,
            },
        ],
        ports: [{ internal: CATALOG_PORT, external: args.hostPort, ip: args.bindIp }],
        healthcheck: healthcheck(["CMD-SHELL", `curl -fsS http://localhost:${CATALOG_PORT}/v1/config >/dev/null`], 10),
        volumes: [{ role: "data", containerPath: CATALOG_STATE_DIR }],
        uploads: [],
    };
}

/** The catalog's URL inside the stack's network. */
export function catalogUri(hostname: string): string {
    return `http://${hostname}:${CATALOG_PORT}`;
}
