import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "./base";
import { serviceContainer } from "./container";
import { KafkaCluster } from "./kafka";
import { ServiceArgs, definedOnly, resolveService } from "./service";
import { CONNECT_PORT, connectSpec } from "./specs/connect";

export interface DebeziumConnectArgs extends ServiceArgs {
    /** The Kafka cluster the worker stores its state in and writes change events to. Required. */
    kafka: KafkaCluster;
    /** DNS name on the stack's network. Default: "connect". */
    hostname?: string;
    /** Connect group id. Default: "lakehouse-connect". */
    groupId?: string;
    /** Prefix of the storage topics (`<prefix>_configs`, `_offsets`, `_statuses`). Default: "connect". */
    storageTopicPrefix?: string;
    /** Storage topic replication. Default: derived from the cluster's brokerCount. */
    storageReplicationFactor?: number;
    /** Host port of the REST API. Default: 8083. */
    hostPort?: number;
}

const DEFAULTS = { hostname: "connect", groupId: "lakehouse-connect", storageTopicPrefix: "connect", hostPort: CONNECT_PORT };

/** A Kafka Connect worker with Debezium's connectors; its storage replication follows the brokers. */
export class DebeziumConnect extends LakehouseComponent {
    public readonly container: docker.Container;
    /** REST URL from the host, for the connector provider. */
    public readonly url: string;
    public readonly hostname: string;

    constructor(name: string, args: DebeziumConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:connect:DebeziumConnect", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("connect", args) };
        const spec = this.spec(() => connectSpec({
            image: a.image, hostname: a.hostname, bootstrapServers: args.kafka.internalBootstrapServers,
            brokerCount: args.kafka.brokerCount, groupId: a.groupId, storageTopicPrefix: a.storageTopicPrefix,
            hostPort: a.hostPort, bindIp: a.bindIp, storageReplicationFactor: args.storageReplicationFactor,
        }));
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: `${a.namePrefix}-${a.hostname}`, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
        }, this.childOpts({ dependsOn: args.kafka.brokers })).container;
        this.url = `http://${a.bindIp}:${a.hostPort}`;
        this.hostname = a.hostname;
        this.registerOutputs({ url: this.url });
    }
}
