// The program: read the stack's config, build one Lakehouse on the chosen platform, export its endpoints.
import { Lakehouse, lakehouseArgsFromConfig, readLakehouseConfig } from "./components";

const config = readLakehouseConfig();

function onDocker() {
    const lakehouse = new Lakehouse("lakehouse", lakehouseArgsFromConfig(config));
    return {
        endpoints: lakehouse.endpoints,
        brokerCount: lakehouse.kafka.brokerCount,
        topicPrefixes: lakehouse.topicPrefixes,
        verifyTarget: lakehouse.verifyTarget,
        trinoLogin: lakehouse.trino.login && { user: lakehouse.trino.login.user, caCertificate: lakehouse.trino.login.caCertificate },
        trinoPassword: lakehouse.trino.login?.password,
        connectLogin: lakehouse.connect.login && { user: lakehouse.connect.login.user },
        connectPassword: lakehouse.connect.login?.password,
        kafkaLogin: lakehouse.kafka.login && {
            user: lakehouse.kafka.login.user, mechanism: lakehouse.kafka.login.mechanism, caCertificate: lakehouse.kafka.login.caCertificate,
        },
        kafkaPassword: lakehouse.kafka.login?.password,
        minioCaCertificate: lakehouse.storage.caCertificate,
    };
}

/** Phase 2 of issue 17: Kafka, MinIO with its buckets, the Iceberg catalog, Trino, Connect, the Postgres and MySQL sources with their connectors and the CDC job on Spark's Kubernetes scheduler (docs/kubernetes.md). */
function onKubernetes() {
    // Loaded only on this platform, so Docker stacks never load @pulumi/kubernetes.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KubernetesLakehouse } = require("./components/kubernetes/lakehouse");
    const lakehouse = new KubernetesLakehouse("lakehouse", {
        namespace: config.namespace, kubeconfig: config.kubeconfig, imageSet: config.imageSet,
        brokerCount: config.brokerCount, clusterId: config.clusterId, connectWorkers: config.connectWorkers,
        trinoWorkers: config.trinoWorkers, cdcJob: config.cdcExecutors === undefined ? undefined : { executors: config.cdcExecutors },
        minioRootUser: config.minioRootUser, minioRootPassword: config.minioRootPassword, nodeAddress: config.nodeAddress,
        postgres: { adminPassword: config.postgresAdminPassword, cdcPassword: config.postgresCdcPassword, tables: config.postgresTables },
        mysql: { rootPassword: config.mysqlRootPassword, cdcPassword: config.mysqlCdcPassword, tables: config.mysqlTables },
    });
    return {
        endpoints: lakehouse.endpoints, brokerCount: lakehouse.brokerCount as number, topicPrefixes: undefined, verifyTarget: lakehouse.verifyTarget,
        trinoLogin: undefined, trinoPassword: undefined, connectLogin: undefined, connectPassword: undefined,
        kafkaLogin: undefined, kafkaPassword: undefined, minioCaCertificate: undefined,
    };
}

const program = config.platform === "kubernetes" ? onKubernetes() : onDocker();

export const endpoints = program.endpoints;
export const brokerCount = program.brokerCount;
export const topicPrefixes = program.topicPrefixes;
/** Container (kubernetes: workload and pod) names, tables, topics and host-side endpoints for `make verify` (tools/verify.ts); no secrets. */
export const verifyTarget = program.verifyTarget;
/** With lakehouse:secureServices: Trino's user and the CA certificate that signs its HTTPS certificate (public). */
export const trinoLogin = program.trinoLogin;
/** With lakehouse:secureServices: Trino's password, a secret (`pulumi stack output trinoPassword --show-secrets`). */
export const trinoPassword = program.trinoPassword;
/** With lakehouse:secureServices: the user of Kafka Connect's REST API (HTTP basic authentication). */
export const connectLogin = program.connectLogin;
/** With lakehouse:secureServices: the password of Kafka Connect's REST API, a secret (`pulumi stack output connectPassword --show-secrets`). */
export const connectPassword = program.connectPassword;
/** With lakehouse:secureServices: the SCRAM user of the kafka provider and the tools, its mechanism and the CA certificate the brokers' certificates are signed by (public). */
export const kafkaLogin = program.kafkaLogin;
/** With lakehouse:secureServices: that user's Kafka password, a secret (`pulumi stack output kafkaPassword --show-secrets`). */
export const kafkaPassword = program.kafkaPassword;
/** With lakehouse:secureServices: the CA certificate MinIO's HTTPS certificate is signed by (public); `endpoints.minio` is then https://. */
export const minioCaCertificate = program.minioCaCertificate;
