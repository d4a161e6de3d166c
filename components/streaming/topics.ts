import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { KafkaCluster } from "./kafka";
import { TOPIC_MIN_ISR } from "../core/settings";
import { SpecError } from "../specs/types";

/** One Kafka topic. */
export interface TopicSpec {
    /** Topic name. Required. */
    name: string;
    /** Default: 1. Partitions can only grow. */
    partitions?: number;
    /** Default: the cluster's internal replication factor (1 on one broker, 3 from three). */
    replicationFactor?: number;
    /** Topic configs; `min.insync.replicas` defaults to the cluster's min ISR. Default: {}. */
    config?: Record<string, string>;
}

export interface KafkaTopicsArgs {
    /**
     * The cluster the topics live on; its provider is used and its brokers are waited for. Required. A
     * KafkaCluster, or any cluster described the same way (the kubernetes platform's StatefulSet).
     */
    cluster: Pick<KafkaCluster, "brokerCount" | "provider"> & { brokers: pulumi.Resource[] };
    /** The topics. Required. */
    topics: TopicSpec[];
}

/** Validates one topic against the broker count and fills its defaults. Pure. */
export function resolveTopic(field: string, t: TopicSpec, brokerCount: number): Required<TopicSpec> {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(t.name)) {
        throw new SpecError(`${field}.name`, `must be 1-249 of [A-Za-z0-9._-], got ${JSON.stringify(t.name)}`);
    }
    const replication = Math.min(3, brokerCount);
    const replicationFactor = t.replicationFactor ?? replication;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > brokerCount) {
        throw new SpecError(`${field}.replicationFactor`, `${replicationFactor} is above brokerCount (${brokerCount}) or below 1`);
    }
    const partitions = t.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) {
        throw new SpecError(`${field}.partitions`, `must be a whole number of at least 1, got ${partitions}`);
    }
    const config = { [TOPIC_MIN_ISR]: String(Math.max(1, Math.min(replicationFactor - 1, 2))), ...(t.config ?? {}) };
    const minIsr = Number(config[TOPIC_MIN_ISR]);
    if (!Number.isInteger(minIsr) || minIsr < 1 || minIsr > replicationFactor) {
        throw new SpecError(`${field}.config.${TOPIC_MIN_ISR}`, `${config[TOPIC_MIN_ISR]} must be from 1 to the replication factor (${replicationFactor})`);
    }
    return { name: t.name, partitions, replicationFactor, config };
}

/** A set of Kafka topics, created through the cluster's provider once its brokers are healthy. */
export class KafkaTopics extends LakehouseComponent {
    public readonly topics: Record<string, kafka.Topic>;

    constructor(name: string, args: KafkaTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kafka:KafkaTopics", name, opts);
        const names = new Set<string>();
        const resolved = this.spec(() => args.topics.map((t, i) => {
            if (names.has(t.name)) throw new SpecError(`topics[${i}].name`, `${t.name} is declared twice`);
            names.add(t.name);
            return resolveTopic(`topics[${i}]`, t, args.cluster.brokerCount);
        }));
        this.topics = {};
        for (const t of resolved) {
            this.topics[t.name] = new kafka.Topic(this.childName(t.name), {
                name: t.name,
                partitions: t.partitions,
                replicationFactor: t.replicationFactor,
                config: t.config,
            }, this.childOpts({ provider: args.cluster.provider, dependsOn: args.cluster.brokers }));
        }
        this.registerOutputs({ topics: Object.keys(this.topics) });
    }
}
