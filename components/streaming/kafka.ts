import * as docker from "@pulumi/docker";
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { serviceContainer } from "../core/container";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import {
    InternalReplication, hostBootstrap, internalBootstrap, internalReplication, kafkaBrokerSpecs,
} from "../specs/kafka";

export interface KafkaClusterArgs extends ServiceArgs {
    /** Brokers, each also a KRaft controller; internal-topic replication follows it. Default: 1. */
    brokerCount?: number;
    /** KRaft cluster id (22 characters of base64url). Default: a fixed dev id; set your own per stack. */
    clusterId?: string;
    /** Host port of broker 1's loopback listener; broker i uses hostPortBase + i - 1. Default: 9092. */
    hostPortBase?: number;
    /** Brokers are `<hostnamePrefix>-<i>` on the stack's network. Default: "kafka". */
    hostnamePrefix?: string;
}

/** A fixed, valid id for development stacks (16 bytes, base64url). */
export const DEV_CLUSTER_ID = "bGFrZWhvdXNlLWRldi0wMQ";

const DEFAULTS = { brokerCount: 1, clusterId: DEV_CLUSTER_ID, hostPortBase: 9092, hostnamePrefix: "kafka" };

/**
 * Kafka in KRaft mode with 1..N combined broker/controller nodes. Every internal-topic replication
 * setting and min ISR is derived from `brokerCount`. Two listeners: one for containers, one on the
 * host's loopback for the kafka provider and local clients.
 */
export class KafkaCluster extends LakehouseComponent {
    public readonly brokers: docker.Container[];
    public readonly brokerCount: number;
    public readonly replication: InternalReplication;
    /** Bootstrap servers for containers on the stack's network. */
    public readonly internalBootstrapServers: string;
    /** Bootstrap servers on the host (loopback listeners). */
    public readonly hostBootstrapServers: string[];
    /** A kafka provider that only talks to the brokers once they are healthy. */
    public readonly provider: kafka.Provider;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kafka:KafkaCluster", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("kafka", args) };
        const specs = this.spec(() => kafkaBrokerSpecs({
            image: a.image, brokerCount: a.brokerCount, clusterId: a.clusterId, hostPortBase: a.hostPortBase,
            bindIp: a.bindIp, hostnamePrefix: a.hostnamePrefix,
        }));

        this.brokers = specs.map((spec, i) => serviceContainer(this.childName(`broker-${i + 1}`), {
            spec, containerName: `${a.namePrefix}-${spec.hostname}`, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
        }, this.childOpts()).container);

        this.brokerCount = a.brokerCount;
        this.replication = internalReplication(a.brokerCount);
        this.internalBootstrapServers = internalBootstrap(a);
        this.hostBootstrapServers = hostBootstrap(a);
        // Plaintext brokers: the provider's TLS default would fail with "run out of available brokers".
        this.provider = new kafka.Provider(this.childName("provider"), {
            bootstrapServers: this.hostBootstrapServers,
            tlsEnabled: false,
            skipTlsVerify: true,
            timeout: 120,
        }, this.childOpts({ dependsOn: this.brokers }));
        this.registerOutputs({
            brokerCount: this.brokerCount,
            internalBootstrapServers: this.internalBootstrapServers,
            hostBootstrapServers: this.hostBootstrapServers,
        });
    }
}
