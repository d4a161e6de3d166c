import * as docker from "@pulumi/docker";
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { serviceContainer } from "../core/container";
import { passwordOrGenerated } from "../core/secrets";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { CertificateAuthority } from "../core/tls";
import {
    InternalReplication, KAFKA_SASL_MECHANISM, KAFKA_SECRETS, hostBootstrap, internalBootstrap, internalReplication,
    kafkaBrokerSpecs, kafkaPasswordKey, validateScramUser,
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
    /**
     * SASL/SCRAM-SHA-512 over TLS on every client listener, TLS between the controllers, a SCRAM user per
     * client (docs/security.md). Default: none (plaintext, no authentication; Lakehouse sets it with
     * `secureServices`).
     */
    security?: KafkaSecurityArgs;
}

export interface KafkaSecurityArgs {
    /** Signs each broker's certificate; clients trust its certificate. Required. */
    ca: CertificateAuthority;
    /**
     * The clients' SCRAM users, each with a password generated once (kept in state as a secret). The first is
     * the kafka provider's and the tools' (see {@link KafkaCluster.login}): the log directory is formatted with
     * it. The provider manages every other one as a kafka.UserScramCredential, so replacing its password
     * (`pulumi up --replace` of `<cluster>-scram-<user>`) rotates it. Default: ["admin", "connect", "cdc"].
     */
    clientUsers?: string[];
}

/** A client's SCRAM login over TLS. */
export interface KafkaLogin {
    user: string;
    /** A secret. */
    password: pulumi.Output<string>;
    /** SASL mechanism, as Kafka names it: "SCRAM-SHA-512". */
    mechanism: string;
    /** PEM of the CA the brokers' certificates are signed by. */
    caCertificate: pulumi.Output<string>;
    /** What a client of this login starts after: the user's credential resource (none for the admin, formatted in). */
    ready: pulumi.Resource[];
}

/** The brokers' own SCRAM user (inter-broker listener). */
export const KAFKA_BROKER_USER = "broker";
/** The SCRAM users of the clients Lakehouse wires: the provider and tools, the Connect worker, the CDC job. */
export const KAFKA_CLIENT_USERS = { admin: "admin", connect: "connect", cdc: "cdc" } as const;

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
    /** With `security`: the provider's and the tools' login (the first client user). */
    public readonly login?: KafkaLogin;
    private readonly logins: Map<string, KafkaLogin>;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kafka:KafkaCluster", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("kafka", args) };
        const security = args.security;
        const clientUsers = security?.clientUsers ?? Object.values(KAFKA_CLIENT_USERS);
        if (security) {
            if (clientUsers.length === 0) this.invalid("security.clientUsers", "must name at least one user (the provider's)");
            const all = [KAFKA_BROKER_USER, ...clientUsers];
            this.spec(() => clientUsers.forEach((u, i) => validateScramUser(`clientUsers[${i}]`, u)));
            if (new Set(all).size !== all.length) this.invalid("security.clientUsers", `names a user twice or the brokers' own (${KAFKA_BROKER_USER}): ${clientUsers.join(", ")}`);
        }
        const adminUser = clientUsers[0];
        const specs = this.spec(() => kafkaBrokerSpecs({
            image: a.image, brokerCount: a.brokerCount, clusterId: a.clusterId, hostPortBase: a.hostPortBase,
            bindIp: a.bindIp, hostnamePrefix: a.hostnamePrefix,
            security: security && { brokerUser: KAFKA_BROKER_USER, adminUser },
        }));

        // One password per SCRAM user, generated once (not a setting). The brokers' and the admin's are formatted
        // into the log directory, which keeps them; the others rotate by replacing their password resource.
        const passwords: Record<string, pulumi.Output<string>> = {};
        const clientPasswords: Record<string, pulumi.Output<string>> = {};
        this.logins = new Map();
        if (security) {
            for (const user of [KAFKA_BROKER_USER, adminUser]) {
                passwords[kafkaPasswordKey(user)] = passwordOrGenerated(this.childName(`scram-${user}`), undefined, this.childOpts());
            }
            for (const user of clientUsers.slice(1)) {
                clientPasswords[user] = passwordOrGenerated(this.childName(`scram-${user}`), undefined, this.childOpts());
            }
            this.logins.set(adminUser, { user: adminUser, password: passwords[kafkaPasswordKey(adminUser)], mechanism: KAFKA_SASL_MECHANISM, caCertificate: security.ca.certificate, ready: [] });
            this.login = this.logins.get(adminUser);
        }
        this.brokers = specs.map((spec, i) => {
            const containerName = `${a.namePrefix}-${spec.hostname}`;
            const secrets: Record<string, pulumi.Input<string>> = { ...passwords };
            if (security) {
                const cert = security.ca.issue(this.childName(`broker-${i + 1}-certificate`), {
                    commonName: spec.hostname,
                    dnsNames: [spec.hostname, containerName, "localhost"],
                    ipAddresses: [...new Set([a.bindIp, "127.0.0.1"])],
                }, this.childOpts());
                secrets[KAFKA_SECRETS.keystore] = pulumi.secret(pulumi.all([cert.key, cert.certificate]).apply(([k, c]) => k + c));
                secrets[KAFKA_SECRETS.caCertificate] = security.ca.certificate;
            }
            return serviceContainer(this.childName(`broker-${i + 1}`), {
                spec, containerName, network: a.network, component: name,
                keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds, secrets,
            }, this.childOpts()).container;
        });

        this.brokerCount = a.brokerCount;
        this.replication = internalReplication(a.brokerCount);
        this.internalBootstrapServers = internalBootstrap(a);
        this.hostBootstrapServers = hostBootstrap(a);
        // Plaintext brokers: the provider's TLS default would fail with "run out of available brokers".
        // Secured ones: the first client user's SCRAM login over TLS, verifying the brokers against the CA.
        this.provider = new kafka.Provider(this.childName("provider"), this.login ? {
            bootstrapServers: this.hostBootstrapServers,
            tlsEnabled: true,
            skipTlsVerify: false,
            caCert: this.login.caCertificate,
            saslUsername: this.login.user,
            saslPassword: this.login.password,
            saslMechanism: "scram-sha512",
            timeout: 120,
        } : {
            bootstrapServers: this.hostBootstrapServers,
            tlsEnabled: false,
            skipTlsVerify: true,
            timeout: 120,
        }, this.childOpts({ dependsOn: this.brokers }));
        // The other clients' users: managed by the provider (logged in as the admin), so a new password is an update.
        for (const [user, password] of Object.entries(clientPasswords)) {
            const credential = new kafka.UserScramCredential(this.childName(`user-${user}`), {
                username: user, scramMechanism: KAFKA_SASL_MECHANISM, password,
            }, this.childOpts({ provider: this.provider }));
            this.logins.set(user, { user, password, mechanism: KAFKA_SASL_MECHANISM, caCertificate: security!.ca.certificate, ready: [credential] });
        }
        this.registerOutputs({
            brokerCount: this.brokerCount,
            internalBootstrapServers: this.internalBootstrapServers,
            hostBootstrapServers: this.hostBootstrapServers,
        });
    }

    /** With `security`: the SCRAM login of client `user` (one of `security.clientUsers`). */
    public clientLogin(user: string): KafkaLogin {
        const login = this.logins.get(user);
        if (!login) {
            throw new pulumi.ResourceError(`kafka: no SCRAM user ${JSON.stringify(user)} (users: ${[...this.logins.keys()].join(", ") || "none: the cluster has no security"})`, this);
        }
        return login;
    }

    /** Whether the brokers take SCRAM logins over TLS only. */
    public get secured(): boolean {
        return this.logins.size > 0;
    }
}
