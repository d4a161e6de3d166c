// What a container's image uses for a setting its environment leaves out. A missing variable is
// judged by that value, not by the service's textbook default: the Debezium Connect image, for one,
// starts from Kafka's example worker config (storage replication 1), not from Connect's default (3).

import {
    CONNECT_STORAGE_REPLICATION_DEFAULT,
    DEBEZIUM_CONNECT_STORAGE_REPLICATION_DEFAULT,
    IMAGE_REPOSITORIES,
    KAFKA_IMAGE_DEFAULT_FILE_REPLICATION,
    KAFKA_NON_PROPERTY_ENV,
    KAFKA_REPLICATION_DEFAULTS,
} from "../../components/core/settings";
import { ContainerFacts } from "./facts";
import { isUnknown, Known, UNKNOWN } from "./known";

/** The defaults an image applies, and how a message names where they come from. */
export interface ImageDefaults {
    values: Readonly<Record<string, number>>;
    source: string;
}

/**
 * The repository of an image reference without tag, digest or Docker Hub's implied host and
 * `library/` prefix: `docker.io/apache/kafka:4.1.1` -> `apache/kafka`.
 */
export function imageRepository(reference: string): string {
    let name = reference.split("@")[0];
    const lastSlash = name.lastIndexOf("/");
    const colon = name.indexOf(":", lastSlash + 1);
    if (colon >= 0) {
        name = name.slice(0, colon);
    }
    for (const prefix of ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]) {
        if (name.startsWith(prefix)) {
            name = name.slice(prefix.length);
        }
    }
    return name.startsWith("library/") ? name.slice("library/".length) : name;
}

function isOneOf(image: string | undefined, repositories: readonly string[]): boolean {
    return image !== undefined && repositories.includes(imageRepository(image));
}

/** Storage replication a Connect worker gets when CONNECT_*_STORAGE_REPLICATION_FACTOR is absent. */
export function connectStorageDefault(worker: ContainerFacts): Known<{ value: number; source: string }> {
    if (isUnknown(worker.image)) {
        return UNKNOWN;
    }
    if (isOneOf(worker.image, IMAGE_REPOSITORIES.debeziumConnect)) {
        return {
            value: DEBEZIUM_CONNECT_STORAGE_REPLICATION_DEFAULT,
            source: "the Debezium Connect image's default, from Kafka's example connect-distributed.properties",
        };
    }
    return { value: CONNECT_STORAGE_REPLICATION_DEFAULT, source: "Kafka Connect's default" };
}

/** True when the environment (fully known) carries no KAFKA_* variable that becomes a server property. */
function noKafkaServerSetting(broker: ContainerFacts): boolean {
    if (broker.env.opaque) {
        return false;
    }
    const nonProperty: readonly string[] = KAFKA_NON_PROPERTY_ENV;
    return ![...broker.env.values.keys()].some((name) => name.startsWith("KAFKA_") && !nonProperty.includes(name));
}

/**
 * Replication settings a broker gets when its environment omits them: the apache/kafka image with no
 * KAFKA_* server setting runs its default single-node server.properties; given any, it builds the file
 * from the environment alone and Kafka's own defaults fill the rest.
 */
export function kafkaReplicationDefaults(broker: ContainerFacts): ImageDefaults {
    if (!isUnknown(broker.image) && isOneOf(broker.image, IMAGE_REPOSITORIES.apacheKafka) && noKafkaServerSetting(broker)) {
        return {
            values: KAFKA_IMAGE_DEFAULT_FILE_REPLICATION,
            source: "the apache/kafka image's default server.properties, used when no KAFKA_* setting is given",
        };
    }
    return { values: KAFKA_REPLICATION_DEFAULTS, source: "Kafka's default" };
}
