// The kubernetes platform's renderer (components/specs/kubernetes.ts): the Docker specs as Kubernetes
// objects. Expected values are written out (Kafka's and Connect's settings for three brokers).
import * as assert from "assert";
import {
    CONFIG_HASH_ANNOTATION, CatalogConnection, KubeObject, catalogObjects, catalogSecretTemplates, connectObjects, durationSeconds, fillSecretRefs, kafkaObjects, kubeBootstrap, kubeExternalBootstrap, localImageRef, minioObjects, mySqlObjects, postgresObjects,
    readinessProbe, SECRET_REVISION_ANNOTATION, KubeCdcJobArgs, cdcJobObjects, cdcJobSecretTemplates, readCdcJobFiles, trinoCatalogProperties, trinoObjects, trinoSecretTemplates, withPodTemplateAnnotations,
} from "../../components/specs";
import { KubernetesLakehouse } from "../../components/kubernetes/lakehouse";
import { construct, named } from "./support/mocks";

type Env = { name: string; value?: string; valueFrom?: Record<string, any> };
const byKind = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind);
const podSpec = (o: KubeObject) => (o.spec as any).template.spec;
const envOf = (o: KubeObject): Env[] => podSpec(o).containers[0].env;
const envValue = (o: KubeObject, name: string) => envOf(o).find((e) => e.name === name);

/** The catalog as Trino's pods reach it (what the component passes). */
const TRINO_CATALOG: CatalogConnection = { catalogName: "minio", catalogUri: "http://iceberg-rest:8181", warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" };
/** A properties file as a map. */
const properties = (text: string): Record<string, string> => Object.fromEntries(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

describe("kubernetes renderer", () => {
    const kafka = kafkaObjects({ namespace: "lh", image: "pulumi-lakehouse/kafka:4.3.1", brokerCount: 3, clusterId: "bGFrZWhvdXNlLWRldi0wMQ" });
    const [broker] = byKind(kafka, "StatefulSet");

    it("runs three brokers as one StatefulSet with ordinals 1..3, started in parallel, one per node", () => {
        const spec = broker.spec as any;
        assert.strictEqual(spec.replicas, 3);
        assert.deepStrictEqual(spec.ordinals, { start: 1 });
        assert.strictEqual(spec.podManagementPolicy, "Parallel");
        assert.strictEqual(spec.serviceName, "kafka-brokers");
        assert.deepStrictEqual(podSpec(broker).topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        assert.strictEqual(podSpec(broker).enableServiceLinks, false);
        assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
    });

    it("forms the KRaft quorum over the headless Service, which publishes unready pods", () => {
        assert.strictEqual(envValue(broker, "KAFKA_CONTROLLER_QUORUM_VOTERS")!.value,
            "1@kafka-1.kafka-brokers:29093,2@kafka-2.kafka-brokers:29093,3@kafka-3.kafka-brokers:29093");
        const headless = byKind(kafka, "Service").find((s) => s.metadata.name === "kafka-brokers")!;
        assert.strictEqual((headless.spec as any).clusterIP, "None");
        assert.strictEqual((headless.spec as any).publishNotReadyAddresses, true);
    });

    it("takes node id and advertised address from the pod, the name defined before it is used", () => {
        assert.deepStrictEqual(envValue(broker, "KAFKA_NODE_ID")!.valueFrom,
            { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
        // Inside: the pod's name; outside: its node's address and the broker's NodePort (30090 + node id).
        assert.strictEqual(envValue(broker, "KAFKA_ADVERTISED_LISTENERS")!.value,
            "PLAINTEXT://$(POD_NAME).kafka-brokers:19092,EXTERNAL://$(HOST_IP):3009$(KAFKA_NODE_ID)");
        assert.deepStrictEqual(envValue(broker, "HOST_IP")!.valueFrom, { fieldRef: { fieldPath: "status.hostIP" } });
        const names = envOf(broker).map((e) => e.name);
        for (const used of ["POD_NAME", "HOST_IP", "KAFKA_NODE_ID"]) {
            assert.ok(names.indexOf(used) < names.indexOf("KAFKA_ADVERTISED_LISTENERS"), `${used} defined before it is used`);
        }
        assert.strictEqual(names.length, new Set(names).size, "no variable twice");
    });

    it("keeps the Docker spec's replication for three brokers: RF 3, min ISR 2", () => {
        for (const [k, v] of Object.entries({
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3", KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "3",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "2", KAFKA_DEFAULT_REPLICATION_FACTOR: "3", KAFKA_MIN_INSYNC_REPLICAS: "2",
            KAFKA_LISTENERS: "CONTROLLER://:29093,PLAINTEXT://:19092,EXTERNAL://:9094", KAFKA_PROCESS_ROLES: "broker,controller",
        })) assert.strictEqual(envValue(broker, k)?.value, v, k);
    });

    it("opens one NodePort per broker onto that broker, and refuses bases the node id cannot spell", () => {
        const external = byKind(kafka, "Service").filter((o) => (o.spec as any).type === "NodePort");
        assert.deepStrictEqual(external.map((o) => [(o.spec as any).selector["statefulset.kubernetes.io/pod-name"], (o.spec as any).ports[0].nodePort]),
            [["kafka-1", 30091], ["kafka-2", 30092], ["kafka-3", 30093]]);
        // Every node forwards each port (the default policy): the bootstrap goes through one node address.
        for (const o of external) assert.strictEqual((o.spec as any).externalTrafficPolicy, undefined);
        assert.deepStrictEqual(kubeExternalBootstrap("10.0.0.9", 3), ["10.0.0.9:30091", "10.0.0.9:30092", "10.0.0.9:30093"]);
        for (const base of [30095, 29990, 32770]) {
            assert.throws(() => kafkaObjects({ namespace: "lh", image: "k:1", brokerCount: 3, clusterId: "bGFrZWhvdXNlLWRldi0wMQ", externalNodePortBase: base }),
                /kafka.externalNodePortBase/, String(base));
        }
    });

    it("runs Postgres from the Docker spec with its password as a root-only file from the Secret", () => {
        const objs = postgresObjects({ namespace: "lh", image: "p:1", secretName: "pg", database: "customer_db", adminUser: "admin" });
        const [sts] = byKind(objs, "StatefulSet");
        const c = podSpec(sts).containers[0];
        assert.deepStrictEqual(c.args.slice(0, 3), ["postgres", "-c", "wal_level=logical"]);
        assert.strictEqual(envValue(sts, "POSTGRES_PASSWORD"), undefined);
        assert.strictEqual(envValue(sts, "POSTGRES_PASSWORD_FILE")!.value, "/run/secrets/postgres-password");
        assert.deepStrictEqual(podSpec(sts).volumes, [{ name: "secret-files", secret: { secretName: "pg", items: [{ key: "adminPassword", path: "postgres-password", mode: 0o400 }] } }]);
        // initdb needs an empty directory, which a volume's root may not be.
        assert.strictEqual(envValue(sts, "PGDATA")!.value, "/var/lib/postgresql/data/pgdata");
        assert.deepStrictEqual((byKind(objs, "Service")[0].spec as any).ports, [{ name: "postgres", port: 5432 }]);
    });

    it("runs MySQL from the Docker spec: row binlog, its server id, root's password as a root-only file, its databases", () => {
        const objs = mySqlObjects({ namespace: "lh", image: "m:1", secretName: "my", databases: ["sales", "hr"], serverId: 7 });
        const [sts] = byKind(objs, "StatefulSet");
        const c = podSpec(sts).containers[0];
        assert.deepStrictEqual(c.args, ["--server-id=7", "--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL"]);
        assert.strictEqual(envValue(sts, "MYSQL_ROOT_PASSWORD"), undefined);
        assert.strictEqual(envValue(sts, "MYSQL_ROOT_PASSWORD_FILE")!.value, "/run/secrets/mysql-root-password");
        assert.strictEqual(envValue(sts, "MYSQL_DATABASE")!.value, "sales");
        assert.deepStrictEqual(podSpec(sts).volumes, [{ name: "secret-files", secret: { secretName: "my", items: [{ key: "rootPassword", path: "mysql-root-password", mode: 0o400 }] } }]);
        assert.deepStrictEqual((byKind(objs, "Service")[0].spec as any).ports, [{ name: "mysql", port: 3306 }]);
        assert.strictEqual(podSpec(sts).automountServiceAccountToken, false);
        assert.throws(() => mySqlObjects({ namespace: "lh", image: "m:1", secretName: "my", databases: [] }), /mysql.databases/);
    });

    it("names local images as containerd does", () => {
        assert.strictEqual(podSpec(broker).containers[0].image, "docker.io/pulumi-lakehouse/kafka:4.3.1");
        assert.strictEqual(localImageRef("apache/kafka:4.1.1"), "apache/kafka:4.1.1");
    });

    it("runs Connect as two distributed workers, each advertising its own pod address", () => {
        const objs = connectObjects({ namespace: "lh", image: "c:1", bootstrapServers: kubeBootstrap({ brokerCount: 3 }), brokerCount: 3 });
        const [deployment] = byKind(objs, "Deployment");
        assert.strictEqual((deployment.spec as any).replicas, 2);
        assert.strictEqual(envValue(deployment, "BOOTSTRAP_SERVERS")!.value,
            "kafka-1.kafka-brokers:19092,kafka-2.kafka-brokers:19092,kafka-3.kafka-brokers:19092");
        assert.strictEqual(envValue(deployment, "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR")!.value, "3");
        assert.strictEqual(envValue(deployment, "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR")!.value, "3");
        assert.deepStrictEqual(envOf(deployment).filter((e) => e.name === "ADVERTISED_HOST_NAME"),
            [{ name: "ADVERTISED_HOST_NAME", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]);
        assert.throws(() => connectObjects({ namespace: "lh", image: "c:1", bootstrapServers: "k:1", brokerCount: 3, workers: 0 }), /connect.workers/);
    });

    it("gives Connect's directory config provider its directory from a Secret, there before any connector has a file", () => {
        const [deployment] = byKind(connectObjects({ namespace: "lh", image: "c:1", bootstrapServers: "k:1", brokerCount: 3 }), "Deployment");
        // The worker refuses to start when the provider's allowed path is missing (seen on the cluster).
        const allowed = envValue(deployment, "CONNECT_CONFIG_PROVIDERS_DIRECTORY_PARAM_ALLOWED_PATHS")!.value;
        const mount = podSpec(deployment).containers[0].volumeMounts.find((m: any) => m.mountPath === allowed);
        assert.ok(mount, `nothing mounted on ${allowed}`);
        assert.deepStrictEqual(podSpec(deployment).volumes.find((v: any) => v.name === mount.name),
            { name: mount.name, secret: { secretName: "connect-secrets", optional: true, defaultMode: 0o440 } });
        // Group-readable for the worker's user (kafka, gid 1001 in images/connect/Dockerfile), nobody else.
        assert.strictEqual(podSpec(deployment).securityContext.fsGroup, 1001);
    });

    it("mounts no service-account token in any pod: none needs the API, and MinIO's /run/secrets is a Secret volume", () => {
        const all = [
            ...kafka,
            ...minioObjects({ namespace: "lh", image: "m:1", secretName: "s" }),
            ...connectObjects({ namespace: "lh", image: "c:1", bootstrapServers: "k:1", brokerCount: 3 }),
            ...trinoObjects({ namespace: "lh", image: "t:1", secretName: "trino-catalog", catalog: TRINO_CATALOG }),
        ].filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment");
        assert.strictEqual(all.length, 5);
        for (const o of all) assert.strictEqual(podSpec(o).automountServiceAccountToken, false, o.metadata.name);
    });

    it("gives MinIO its credentials as root-only files from the Secret, none in env, and its server arguments as args", () => {
        const [sts] = byKind(minioObjects({ namespace: "lh", image: "m:1", secretName: "minio-credentials" }), "StatefulSet");
        assert.strictEqual(envValue(sts, "MINIO_ROOT_PASSWORD"), undefined);
        assert.strictEqual(envValue(sts, "MINIO_ROOT_USER"), undefined);
        // MinIO reads a relative *_FILE name under /run/secrets (Docker's secrets directory).
        assert.strictEqual(envValue(sts, "MINIO_ROOT_USER_FILE")!.value, "access_key");
        assert.strictEqual(envValue(sts, "MINIO_ROOT_PASSWORD_FILE")!.value, "secret_key");
        assert.deepStrictEqual(podSpec(sts).volumes, [{
            name: "secret-files",
            secret: { secretName: "minio-credentials", items: [
                { key: "rootUser", path: "access_key", mode: 0o400 },
                { key: "rootPassword", path: "secret_key", mode: 0o400 },
            ] },
        }]);
        assert.deepStrictEqual(podSpec(sts).containers[0].args, ["server", "/data", "--console-address", ":9001"]);
        assert.deepStrictEqual(podSpec(sts).containers[0].volumeMounts,
            [{ name: "data", mountPath: "/data" }, { name: "secret-files", mountPath: "/run/secrets", readOnly: true }]);
    });

    it("publishes MinIO's S3 API on a NodePort of its own Service, and not its console", () => {
        const services = byKind(minioObjects({ namespace: "lh", image: "m:1", secretName: "s" }), "Service");
        assert.deepStrictEqual(services.map((o) => [o.metadata.name, (o.spec as any).type]), [["minio", undefined], ["minio-nodeport", "NodePort"]]);
        assert.deepStrictEqual((services[1].spec as any).ports, [{ name: "s3", port: 9000, nodePort: 30900 }]);
        assert.throws(() => minioObjects({ namespace: "lh", image: "m:1", secretName: "s", nodePort: 9000 }), /minio.nodePort: must be in the NodePort range/);
    });

    it("runs the Iceberg catalog on the warehouse with its S3 key as one credentials file from its Secret, not in env", () => {
        const args = { namespace: "lh", image: "i:1", secretName: "iceberg-rest-credentials", s3Endpoint: "http://minio:9000", warehouseBucket: "wh" };
        const objs = catalogObjects(args);
        const [sts] = byKind(objs, "StatefulSet");
        assert.strictEqual(envValue(sts, "CATALOG_WAREHOUSE")!.value, "s3://wh/");
        assert.strictEqual(envValue(sts, "CATALOG_S3_ENDPOINT")!.value, "http://minio:9000");
        assert.strictEqual(envValue(sts, "AWS_SHARED_CREDENTIALS_FILE")!.value, "/run/secrets/aws-credentials");
        assert.deepStrictEqual(podSpec(sts).volumes, [{
            name: "secret-files", secret: { secretName: "iceberg-rest-credentials", items: [{ key: "aws-credentials", path: "aws-credentials", mode: 0o444 }] },
        }]);
        assert.ok(!JSON.stringify(podSpec(sts).containers[0].env).includes("SECRET:"), "no placeholder in env");
        assert.deepStrictEqual((byKind(objs, "Service")[1].spec as any).ports, [{ name: "rest", port: 8181, nodePort: 30181 }]);
        // The Secret's one key is the file, filled in by the component.
        const templates = catalogSecretTemplates(args);
        assert.deepStrictEqual(Object.keys(templates), ["aws-credentials"]);
        const file = fillSecretRefs(templates["aws-credentials"], { accessKey: "AK", secretKey: "SK" });
        assert.match(file, /^\[default\]\naws_access_key_id = AK\naws_secret_access_key = SK\n$/);
        assert.throws(() => fillSecretRefs(templates["aws-credentials"], { accessKey: "AK" }), /no value for \$\{SECRET:secretKey\}/);
    });

    describe("Trino", () => {
        const args = { namespace: "lh", image: "pulumi-lakehouse/trino:476", secretName: "trino-catalog", catalog: TRINO_CATALOG };
        const objs = trinoObjects(args);
        const deployments = byKind(objs, "Deployment");
        const [coordinator, workers] = deployments;
        const [configMap] = byKind(objs, "ConfigMap");
        const data = configMap.data as Record<string, string>;
        const mounts = (o: KubeObject) => podSpec(o).containers[0].volumeMounts as { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
        const volume = (o: KubeObject, name: string) => podSpec(o).volumes.find((v: { name: string }) => v.name === name);
        const matches = (selector: Record<string, string>, o: KubeObject) =>
            Object.entries(selector).every(([k, v]) => (o.spec as any).template.metadata.labels[k] === v);

        it("runs a coordinator that schedules no tasks and two workers that announce themselves to its Service", () => {
            assert.deepStrictEqual(deployments.map((d) => [d.metadata.name, (d.spec as any).replicas]), [["trino", 1], ["trino-worker", 2]]);
            assert.deepStrictEqual((coordinator.spec as any).strategy, { type: "Recreate" }, "never two coordinators");
            assert.deepStrictEqual(properties(data["coordinator.properties"]), {
                coordinator: "true", "node-scheduler.include-coordinator": "false", "http-server.http.port": "8080", "discovery.uri": "http://trino:8080",
            });
            assert.deepStrictEqual(properties(data["worker.properties"]), { coordinator: "false", "http-server.http.port": "8080", "discovery.uri": "http://trino:8080" });
            // The discovery URI's Service is the coordinator's, and only the coordinator's.
            const service = byKind(objs, "Service").find((o) => o.metadata.name === "trino")!;
            assert.deepStrictEqual((service.spec as any).ports, [{ name: "http", port: 8080 }]);
            assert.ok(matches((service.spec as any).selector, coordinator), "the Service selects the coordinator");
            assert.ok(!matches((service.spec as any).selector, workers), "the Service does not select the workers");
            assert.ok(!matches((coordinator.spec as any).selector.matchLabels, workers) && !matches((workers.spec as any).selector.matchLabels, coordinator), "the Deployments' selectors overlap");
            assert.strictEqual(podSpec(workers).topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
            assert.strictEqual((trinoObjects({ ...args, workers: 3 }).find((o) => o.metadata.name === "trino-worker")!.spec as any).replicas, 3);
            for (const bad of [0, 1.5]) assert.throws(() => trinoObjects({ ...args, workers: bad }), /trino.workers: must be a whole number >= 1/, String(bad));
        });

        it("runs the Docker image as it is, its config.properties and jvm.config mounted over the image's in /etc/trino", () => {
            for (const [d, kind] of [[coordinator, "coordinator"], [workers, "worker"]] as const) {
                const c = podSpec(d).containers[0];
                assert.strictEqual(c.image, "docker.io/pulumi-lakehouse/trino:476");
                // The image's CMD (run-trino: the launcher with --etc-dir /etc/trino, node.id from the hostname).
                assert.strictEqual(c.command, undefined);
                assert.strictEqual(c.args, undefined);
                assert.deepStrictEqual(c.readinessProbe.exec, { command: ["/usr/lib/trino/bin/health-check"] });
                assert.deepStrictEqual(mounts(d), [
                    { name: "secret-files", mountPath: "/etc/trino/catalog", readOnly: true },
                    { name: "config", mountPath: "/etc/trino/config.properties", subPath: "config.properties", readOnly: true },
                    { name: "config", mountPath: "/etc/trino/jvm.config", subPath: "jvm.config", readOnly: true },
                ], d.metadata.name);
                assert.deepStrictEqual(volume(d, "config"), {
                    name: "config", configMap: { name: "trino-config", items: [{ key: `${kind}.properties`, path: "config.properties" }, { key: "jvm.config", path: "jvm.config" }] },
                });
                assert.deepStrictEqual(c.resources, { requests: { memory: "768Mi" }, limits: { memory: "1536Mi" } });
                assert.strictEqual(podSpec(d).enableServiceLinks, false);
            }
            const jvm = data["jvm.config"].trim().split("\n");
            assert.ok(jvm.includes("-Xmx640M") && jvm.includes("-XX:+UseG1GC") && jvm.includes("-XX:+ExitOnOutOfMemoryError"), jvm.join(" "));
            assert.strictEqual(jvm.filter((l) => l.startsWith("-Xmx")).length, 1);
            assert.throws(() => trinoObjects({ ...args, maxHeap: "640 MB" }), /trino.maxHeap/);
        });

        it("rolls the pods when their config changes (subPath files are not refreshed)", () => {
            const hash = (o: KubeObject) => (o.spec as any).template.metadata.annotations[CONFIG_HASH_ANNOTATION];
            assert.match(hash(coordinator), /^[0-9a-f]{64}$/);
            assert.strictEqual(hash(workers), hash(coordinator));
            const bigger = byKind(trinoObjects({ ...args, maxHeap: "1G" }), "Deployment");
            assert.notStrictEqual(hash(bigger[0]), hash(coordinator));
            assert.strictEqual(hash(byKind(trinoObjects(args), "Deployment")[0]), hash(coordinator), "the same config, the same hash");
        });

        it("adds a Secret's revision to the pod templates beside the config hash, copying the objects", () => {
            const objs = trinoObjects(args);
            const before = JSON.stringify(objs);
            const annotated = withPodTemplateAnnotations(objs, { [SECRET_REVISION_ANNOTATION]: "42" });
            assert.strictEqual(JSON.stringify(objs), before, "the rendered objects are left as they were");
            for (const d of byKind(annotated, "Deployment")) {
                assert.deepStrictEqual(Object.keys((d.spec as any).template.metadata.annotations).sort(), [CONFIG_HASH_ANNOTATION, SECRET_REVISION_ANNOTATION].sort());
                assert.strictEqual((d.spec as any).template.metadata.annotations[SECRET_REVISION_ANNOTATION], "42");
                assert.deepStrictEqual((d.spec as any).template.metadata.labels, (byKind(objs, "Deployment").find((o) => o.metadata.name === d.metadata.name)!.spec as any).template.metadata.labels);
            }
            assert.deepStrictEqual(byKind(annotated, "Service"), byKind(objs, "Service"));
            const [broker] = byKind(withPodTemplateAnnotations(kafka, { [SECRET_REVISION_ANNOTATION]: "7" }), "StatefulSet");
            assert.deepStrictEqual((broker.spec as any).template.metadata.annotations, { [SECRET_REVISION_ANNOTATION]: "7" });
        });

        it("gives Trino the Docker builder's Iceberg catalog file as one key of its Secret, readable by the trino group only, and nothing of it in the ConfigMap or env", () => {
            const templates = trinoSecretTemplates(args);
            assert.deepStrictEqual(Object.keys(templates), ["minio.properties"]);
            const file = properties(fillSecretRefs(templates["minio.properties"], { accessKey: "AK", secretKey: "SK" }));
            assert.strictEqual(file["iceberg.rest-catalog.uri"], "http://iceberg-rest:8181");
            // Docker's file, with the key filled in where Docker's upload fills its placeholders.
            assert.deepStrictEqual(file, { ...properties(trinoCatalogProperties(TRINO_CATALOG)), "s3.aws-access-key": "AK", "s3.aws-secret-key": "SK" });
            assert.throws(() => fillSecretRefs(templates["minio.properties"], { accessKey: "AK" }), /no value for \$\{SECRET:secretKey\}/);
            for (const d of deployments) {
                assert.deepStrictEqual(volume(d, "secret-files"), {
                    name: "secret-files", secret: { secretName: "trino-catalog", items: [{ key: "minio.properties", path: "minio.properties", mode: 0o440 }] },
                });
                assert.strictEqual(podSpec(d).securityContext.fsGroup, 1000);
                assert.deepStrictEqual(envOf(d), [], "no environment at all");
            }
            const text = JSON.stringify(data);
            for (const leak of ["s3.aws-", "SECRET:", "S3_ACCESS_KEY", "minio.properties"]) assert.ok(!text.includes(leak), `the ConfigMap holds ${leak}`);
        });

        it("publishes the coordinator's HTTP API on NodePort 30808, and only the coordinator's", () => {
            const nodePort = byKind(objs, "Service").find((o) => o.metadata.name === "trino-nodeport")!;
            assert.deepStrictEqual((nodePort.spec as any).ports, [{ name: "http", port: 8080, nodePort: 30808 }]);
            assert.strictEqual((nodePort.spec as any).type, "NodePort");
            assert.ok(matches((nodePort.spec as any).selector, coordinator) && !matches((nodePort.spec as any).selector, workers));
            assert.deepStrictEqual(byKind(objs, "Service").map((o) => o.metadata.name), ["trino", "trino-nodeport"]);
            assert.throws(() => trinoObjects({ ...args, nodePort: 8080 }), /trino.nodePort: must be in the NodePort range/);
        });
    });

    it("turns a Docker healthcheck into a readiness probe and rejects what it cannot run", () => {
        assert.strictEqual(durationSeconds("1m0s"), 60);
        assert.strictEqual(durationSeconds("2h0m5s"), 7205);
        assert.throws(() => durationSeconds("5 s"), /not a Go duration/);
        assert.deepStrictEqual(readinessProbe({ tests: ["CMD-SHELL", "true"], interval: "5s", timeout: "10s", retries: 30, startPeriod: "20s" }),
            { exec: { command: ["sh", "-c", "true"] }, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 30, initialDelaySeconds: 10 });
        assert.throws(() => readinessProbe({ tests: ["NONE"], interval: "5s", timeout: "1s", retries: 1, startPeriod: "0s" }), /CMD or CMD-SHELL/);
    });

    it("rejects a broker count the Docker spec rejects", () => {
        assert.throws(() => kafkaObjects({ namespace: "lh", image: "k:1", brokerCount: 0, clusterId: "bGFrZWhvdXNlLWRldi0wMQ" }), /brokerCount/);
    });
    describe("the CDC job on Spark's Kubernetes scheduler", () => {
        const args: KubeCdcJobArgs = {
            namespace: "lh", image: "pulumi-lakehouse/spark:4.1.1", secretName: "cdc-mirror-conf",
            job: {
                catalog: TRINO_CATALOG, bootstrapServers: kubeBootstrap({ brokerCount: 3 }), topics: ["dbserver1.public.users"],
                primaryKeys: { "dbserver1.public.users": ["id"] }, namespace: "cdc", tablePrefix: "", jobName: "cdc-mirror", triggerSeconds: 5,
                checkpointBucket: "checkpoints", driverMemory: "1g", jobFiles: readCdcJobFiles(), packages: [],
            },
        };
        const objs = cdcJobObjects(args);
        const [driver] = byKind(objs, "Deployment");
        const container = () => podSpec(driver).containers[0];
        /** spark-submit's `--conf k=v` pairs before the job file. */
        const submitConf = (): Record<string, string> => {
            const a: string[] = container().args;
            return Object.fromEntries(a.flatMap((x, i) => (x === "--conf" ? [a[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
        };

        it("runs spark-submit in client mode against the API server, executors on the same image, owned by the driver pod", () => {
            const a: string[] = container().args;
            assert.deepStrictEqual(container().command, ["/opt/spark/bin/spark-submit"]);
            assert.deepStrictEqual(a.slice(0, 2), ["--master", "k8s://https://kubernetes.default.svc"]);
            assert.strictEqual(a[a.indexOf("--deploy-mode") + 1], "client");
            assert.ok(a.indexOf("--deploy-mode") < a.indexOf("/opt/lakehouse/jobs/cdc_mirror.py"), "Spark's arguments before the job file");
            const conf = submitConf();
            assert.strictEqual(conf["spark.kubernetes.namespace"], "lh");
            assert.strictEqual(conf["spark.kubernetes.container.image"], "docker.io/pulumi-lakehouse/spark:4.1.1");
            assert.strictEqual(conf["spark.executor.instances"], "2");
            assert.strictEqual(conf["spark.kubernetes.driver.pod.name"], "$(POD_NAME)");
            assert.strictEqual(conf["spark.driver.host"], "$(POD_IP)");
            assert.strictEqual(conf["spark.kubernetes.authenticate.oauthTokenFile"], "/var/run/secrets/kubernetes.io/serviceaccount/token");
            // $(VAR) is expanded by the kubelet only for variables the container defines.
            const names = container().env.map((e: Env) => e.name);
            for (const v of ["POD_NAME", "POD_IP"]) assert.ok(names.includes(v), v);
            assert.strictEqual(cdcJobObjects({ ...args, executors: 3 }).length, objs.length);
            assert.strictEqual(Object.fromEntries(byKind(cdcJobObjects({ ...args, executors: 3 }), "Deployment").flatMap((d) => {
                const x: string[] = podSpec(d).containers[0].args; return x.flatMap((y, i) => (y === "--conf" ? [x[i + 1].split(/=(.*)/s).slice(0, 2)] : []));
            }))["spark.executor.instances"], "3");
            assert.throws(() => cdcJobObjects({ ...args, executors: 0 }), /cdcJob.executors/);
            assert.throws(() => cdcJobObjects({ ...args, executorMemory: "lots" }), /cdcJob.executorMemory/);
        });

        it("lets the driver's service account manage pods in its namespace only, and mounts a token in the driver alone", () => {
            const [sa] = byKind(objs, "ServiceAccount");
            const [role] = byKind(objs, "Role");
            const [binding] = byKind(objs, "RoleBinding");
            assert.strictEqual(podSpec(driver).serviceAccountName, sa.metadata.name);
            assert.strictEqual(podSpec(driver).automountServiceAccountToken, true);
            assert.deepStrictEqual((role.rules as any[]).map((r) => r.resources).flat(), ["pods", "persistentvolumeclaims", "services"]);
            // Services: only the label-selected delete Spark does on stop.
            assert.deepStrictEqual((role.rules as any[]).find((r) => r.resources.includes("services")).verbs, ["deletecollection"]);
            assert.ok(!(role.rules as any[]).some((r) => r.resources.includes("secrets") || r.verbs.includes("*")), "no Secret access, no wildcard");
            assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: "lh" }]);
            // Never two drivers on one checkpoint.
            assert.deepStrictEqual((driver.spec as any).strategy, { type: "Recreate" });
            const template = JSON.parse((byKind(objs, "ConfigMap")[0] as any).data["executor-pod.json"]);
            assert.strictEqual(template.spec.automountServiceAccountToken, false);
            assert.strictEqual(template.metadata.labels.app, undefined, "executors are not the Deployment's pods");
            assert.strictEqual(submitConf()["spark.kubernetes.executor.podTemplateFile"], "/opt/lakehouse/jobs/executor-pod.json");
        });

        it("keeps the S3 key in spark-defaults.conf, one key of the Secret over /opt/spark/conf: never in env, args or the ConfigMap", () => {
            const templates = cdcJobSecretTemplates(args);
            assert.deepStrictEqual(Object.keys(templates), ["spark-defaults.conf"]);
            const file = fillSecretRefs(templates["spark-defaults.conf"], { accessKey: "AK", secretKey: "SK" });
            assert.match(file, /^spark\.hadoop\.fs\.s3a\.secret\.key SK$/m);
            assert.match(file, /^spark\.sql\.catalog\.minio\.s3\.secret-access-key SK$/m);
            assert.ok(!file.includes("${"), file);
            assert.deepStrictEqual(podSpec(driver).volumes.find((v: any) => v.secret), {
                name: "secret-files", secret: { secretName: "cdc-mirror-conf", items: [{ key: "spark-defaults.conf", path: "spark-defaults.conf", mode: 0o440 }] },
            });
            assert.ok(container().volumeMounts.some((m: any) => m.mountPath === "/opt/spark/conf" && m.readOnly));
            assert.strictEqual(podSpec(driver).securityContext.fsGroup, 185);
            const [jobs] = byKind(objs, "ConfigMap");
            assert.deepStrictEqual(Object.keys((jobs as any).data).sort(), ["cdc_lib.py", "cdc_mirror.py", "executor-pod.json"]);
            const plain = JSON.stringify([...byKind(objs, "ConfigMap"), driver]);
            for (const leak of ["access-key-id", "secret-access-key", "s3a.secret.key", "SECRET:"]) assert.ok(!plain.includes(leak), leak);
            // Spark leaves its conf directory out of any executor ConfigMap; here there is none at all.
            assert.strictEqual(submitConf()["spark.kubernetes.executor.disableConfigMap"], "true");
        });
    });
});

describe("KubernetesLakehouse (mocked)", () => {
    it("runs the Postgres tables' DDL one at a time: concurrent grants on one schema fail with 'tuple concurrently updated'", async () => {
        const col = [{ name: "id", type: "int" }];
        const r = await construct(() => new KubernetesLakehouse("k", {
            nodeAddress: "127.0.0.1", mysql: false, catalog: false,
            postgres: { tables: ["a", "b", "c"].map((name) => ({ schema: "public", name, columns: col, primaryKey: ["id"] })) },
        }));
        const pod = "k-postgres-statefulset-postgres";
        assert.deepStrictEqual(named(r, "k-postgres-cdc-role").dependsOn, [pod]);
        assert.deepStrictEqual(named(r, "k-postgres-table-public-a").dependsOn, [pod, "k-postgres-cdc-role"]);
        assert.deepStrictEqual(named(r, "k-postgres-table-public-b").dependsOn, [pod, "k-postgres-table-public-a"]);
        assert.deepStrictEqual(named(r, "k-postgres-table-public-c").dependsOn, [pod, "k-postgres-table-public-b"]);
    });
});
