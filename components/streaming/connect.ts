import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { serviceContainer } from "../core/container";
import { KAFKA_CLIENT_USERS, KafkaCluster } from "./kafka";
import { passwordOrGenerated } from "../core/secrets";
import { scramJaasConfig } from "../specs/kafka";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import {
    CONNECT_KAFKA_SECRETS, CONNECT_PORT, CONNECT_REST_SECRETS, connectCurlConfig, connectKafkaClientSecurity, connectSecretPlaceholder, connectSecretReference, connectSpec, connectUsersFile,
} from "../specs/connect";

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
    /**
     * Secrets the worker serves to connector configs through its directory config provider, by file name
     * (e.g. `postgres-cdc-password`): each becomes a root-owned, read-only file in /kafka/secrets, and
     * {@link DebeziumConnect.secretReference} gives the `${directory:…}` reference a connector config holds
     * instead of the value. Changing one replaces the worker (uploads force a new container). Default: none.
     */
    secrets?: Record<string, pulumi.Input<string>>;
    /**
     * HTTP basic authentication on the REST API (Kafka's BasicAuthSecurityRestExtension; docs/security.md):
     * every request needs this login but the workers' own, and {@link DebeziumConnect.login} gives it to
     * the connectors. Changing the password replaces the worker. Default: none (Lakehouse sets it with
     * `secureServices`).
     */
    restAuth?: ConnectRestAuthArgs;
    /** The SCRAM user the worker logs in to a secured `kafka` as (KafkaClusterArgs.security). Default: "connect". */
    kafkaUser?: string;
}

/** The REST API's login. */
export interface ConnectRestAuthArgs {
    /** The user. Default: "lakehouse". */
    user?: string;
    /** Its password, a secret. Default: generated once and kept in state as a secret. */
    password?: pulumi.Input<string>;
}

const DEFAULTS = { hostname: "connect", groupId: "lakehouse-connect", storageTopicPrefix: "connect", hostPort: CONNECT_PORT };

/** A Kafka Connect worker with Debezium's connectors; its storage replication follows the brokers. */
export class DebeziumConnect extends LakehouseComponent {
    public readonly container: docker.Container;
    /** REST URL from the host, for the connector provider. */
    public readonly url: string;
    public readonly hostname: string;
    /** With `restAuth`: the REST API's user and password (a secret), for the connectors and clients. */
    public readonly login?: { user: string; password: pulumi.Output<string> };
    /**
     * With a secured `kafka`: the Kafka client settings for a connector's own Kafka clients (a schema
     * history), logging in as the worker does, by reference to its secret file.
     */
    public readonly kafkaClientSecurity?: Record<string, string>;
    private readonly secretNames: string[];

    constructor(name: string, args: DebeziumConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:connect:DebeziumConnect", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("connect", args) };
        const restUser = args.restAuth && (args.restAuth.user ?? "lakehouse");
        const kafkaLogin = args.kafka.secured ? args.kafka.clientLogin(args.kafkaUser ?? KAFKA_CLIENT_USERS.connect) : undefined;
        const spec = this.spec(() => connectSpec({
            image: a.image, hostname: a.hostname, bootstrapServers: args.kafka.internalBootstrapServers,
            brokerCount: args.kafka.brokerCount, groupId: a.groupId, storageTopicPrefix: a.storageTopicPrefix,
            hostPort: a.hostPort, bindIp: a.bindIp, storageReplicationFactor: args.storageReplicationFactor,
            secretFiles: Object.keys(args.secrets ?? {}),
            restAuth: restUser === undefined ? undefined : { user: restUser },
            kafkaSecurity: kafkaLogin !== undefined,
        }));
        this.secretNames = Object.keys(args.secrets ?? {});
        const ownSecrets: Record<string, pulumi.Output<string>> = {};
        if (restUser !== undefined) {
            const password = passwordOrGenerated(this.childName("rest-password"), args.restAuth!.password, this.childOpts());
            ownSecrets[CONNECT_REST_SECRETS.usersFile] = pulumi.secret(password.apply((p) => connectUsersFile(restUser, p)));
            ownSecrets[CONNECT_REST_SECRETS.curlConfig] = pulumi.secret(password.apply((p) => connectCurlConfig(restUser, p)));
            this.login = { user: restUser, password };
        }
        if (kafkaLogin) {
            ownSecrets[CONNECT_KAFKA_SECRETS.jaas] = pulumi.secret(kafkaLogin.password.apply((p) => scramJaasConfig(kafkaLogin.user, p)));
            ownSecrets[CONNECT_KAFKA_SECRETS.caCertificate] = kafkaLogin.caCertificate;
            this.kafkaClientSecurity = connectKafkaClientSecurity();
        }
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: `${a.namePrefix}-${a.hostname}`, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { ...args.secrets, ...ownSecrets }, uploadSecrets: Object.fromEntries(this.secretNames.map((n) => [connectSecretPlaceholder(n), n])),
        }, this.childOpts({ dependsOn: [...args.kafka.brokers, ...(kafkaLogin?.ready ?? [])] })).container;
        this.url = `http://${a.bindIp}:${a.hostPort}`;
        this.hostname = a.hostname;
        this.registerOutputs({ url: this.url });
    }

    /** The config-provider reference to the worker's secret `name`, for a connector setting such as `database.password`. */
    public secretReference(name: string): string {
        if (!this.secretNames.includes(name)) {
            throw new pulumi.ResourceError(`connect: no secret named ${JSON.stringify(name)} was given to the worker (secrets: ${this.secretNames.join(", ") || "none"})`, this);
        }
        return connectSecretReference(name);
    }
}
