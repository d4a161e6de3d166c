// The program (index.ts) under Pulumi.k8s.yaml, under mocks: the kubernetes platform builds Kubernetes
// objects through @pulumi/kubernetes and no Docker resource, in readiness order, secrets kept secret.
// In `make test`'s unit run (.mocharc.json) and in `make test-k8s`; it needs no cluster.
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesLakehouse } from "../../components/kubernetes/lakehouse";
import { RecordedResource, construct, isSecret, mockResourceVersion, named, ofType, settle, stackConfig } from "../unit/support/mocks";

const ROOT = path.resolve(__dirname, "../..");
/** Pod template annotation of a Secret's resourceVersion (SECRET_REVISION_ANNOTATION), written out. */
const SECRET_REVISION = "lakehouse.io/secret-revision";
/** A node address, as `lakehouse:nodeAddress` sets it (default: the kubeconfig's API server host). */
const NODE = "10.1.2.3";

describe("kubernetes platform: the program under Pulumi.k8s.yaml (mocks)", function () {
    this.timeout(120_000);
    let records: RecordedResource[];
    before(async () => {
        records = await construct(() => {
            delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
            require(path.join(ROOT, "index.ts"));
        }, { ...stackConfig("k8s"), "lakehouse:nodeAddress": NODE });
    });

    it("creates Kubernetes objects and no Docker resource", () => {
        assert.deepStrictEqual(records.filter((r) => r.type.startsWith("docker:")).map((r) => r.name), []);
        assert.strictEqual(ofType(records, "kubernetes:core/v1:Namespace")[0].inputs.metadata.name, "lakehouse-k8s");
        assert.deepStrictEqual(ofType(records, "kubernetes:apps/v1:StatefulSet").map((r) => r.inputs.metadata.name).sort(), ["iceberg-rest", "kafka", "minio", "mysql", "postgres"]);
        assert.deepStrictEqual(ofType(records, "kubernetes:apps/v1:Deployment").map((r) => r.inputs.metadata.name).sort(), ["cdc-mirror", "connect", "trino", "trino-worker"]);
        for (const r of records.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "pulumi:providers:kubernetes")) {
            assert.strictEqual(r.provider, "lakehouse-provider", `${r.name} uses the component's provider`);
        }
    });

    it("deploys three brokers and two Connect workers on the local images", () => {
        const kafka = named(records, "lakehouse-kafka-statefulset-kafka");
        assert.strictEqual(kafka.inputs.spec.replicas, 3);
        assert.strictEqual(kafka.inputs.spec.template.spec.containers[0].image, "docker.io/pulumi-lakehouse/kafka:4.3.1");
        const connect = named(records, "lakehouse-connect-deployment-connect");
        assert.strictEqual(connect.inputs.spec.replicas, 2);
    });

    it("starts Connect after the brokers and everything after the namespace", () => {
        assert.ok(named(records, "lakehouse-connect-deployment-connect").dependsOn.includes("lakehouse-kafka-statefulset-kafka"));
        for (const r of records.filter((x) => /^kubernetes:(apps|core)\/v1:(StatefulSet|Deployment|Service|Secret)$/.test(x.type))) {
            assert.ok(r.dependsOn.includes("lakehouse-namespace"), `${r.name} depends on the namespace`);
        }
    });

    it("keeps MinIO's credentials a secret, generated when not configured", () => {
        const secret = named(records, "lakehouse-minio-credentials");
        assert.ok(isSecret(secret, "stringData"), "stringData is a secret input");
        assert.strictEqual(secret.inputs.stringData.rootPassword, "mock-generated-password");
        const env = named(records, "lakehouse-minio-statefulset-minio").inputs.spec.template.spec.containers[0].env;
        assert.ok(env.every((e: { value?: string }) => e.value !== "mock-generated-password"), "no password in the pod spec");
    });

    it("declares the Postgres source's topics through the kafka provider on the brokers' NodePorts, RF 3", () => {
        const [provider] = ofType(records, "pulumi:providers:kafka");
        // Provider inputs are recorded JSON-encoded, as the engine sends them.
        assert.deepStrictEqual(JSON.parse(provider.inputs.bootstrapServers), [`${NODE}:30091`, `${NODE}:30092`, `${NODE}:30093`]);
        // Deleted before any Kafka object, NodePort Services included (a destroy reaches the brokers).
        assert.ok(ofType(records, "kubernetes:core/v1:Service").filter((r) => /kafka-external/.test(r.name))
            .every((svc) => provider.dependsOn.includes(svc.name)), `provider: ${provider.dependsOn}`);
        const topics = ofType(records, "kafka:index/topic:Topic");
        assert.deepStrictEqual(topics.map((t) => t.inputs.name).sort(),
            ["dbserver1.public.users", "mysqlserver1.hr.employees", "mysqlserver1.sales.orders", "mysqlserver1.schema-history"]);
        for (const topic of topics) {
            assert.ok(topic.dependsOn.includes("lakehouse-kafka-service-kafka-external-3"), `topic: ${topic.dependsOn}`);
            assert.strictEqual(topic.inputs.replicationFactor, 3);
            assert.strictEqual(topic.inputs.config["min.insync.replicas"], "2");
        }
        // Debezium's MySQL schema history is kept whole.
        assert.strictEqual(topics.find((t) => t.inputs.name === "mysqlserver1.schema-history")!.inputs.config["retention.ms"], "-1");
        // Each broker advertises its node's address and its own NodePort, the one its Service opens.
        const broker = named(records, "lakehouse-kafka-statefulset-kafka").inputs.spec.template.spec.containers[0];
        const advertised = broker.env.find((e: { name: string }) => e.name === "KAFKA_ADVERTISED_LISTENERS").value;
        assert.match(advertised, /EXTERNAL:\/\/\$\(HOST_IP\):3009\$\(KAFKA_NODE_ID\)/);
        const external = ofType(records, "kubernetes:core/v1:Service").filter((r) => r.inputs.spec.type === "NodePort" && /kafka-external/.test(r.name));
        assert.deepStrictEqual(external.map((r) => r.inputs.spec.ports[0].nodePort).sort(), [30091, 30092, 30093]);
    });

    it("registers the Postgres connector through Connect's NodePort after the workers, the topics and the source's SQL", () => {
        const c = named(records, "lakehouse-postgres-connector");
        assert.strictEqual(c.inputs.connectUrl, `http://${NODE}:30083`);
        assert.strictEqual(c.inputs.config["database.hostname"], "postgres.lakehouse-k8s.svc");
        assert.strictEqual(c.inputs.config["database.password"], "${directory:/kafka/secrets:postgres-cdc-password}");
        for (const dep of ["lakehouse-connect-deployment-connect", "lakehouse-connect-service-connect", "lakehouse-topics", "lakehouse-postgres-cdc-role", "lakehouse-postgres-table-public-users"]) {
            assert.ok(c.dependsOn.includes(dep), `missing edge to ${dep}: ${c.dependsOn}`);
        }
        const role = named(records, "lakehouse-postgres-cdc-role");
        assert.match(role.inputs.create, /^kubectl -n lakehouse-k8s exec -i postgres-0 -c postgres -- psql .* -U admin -d customer_db$/);
        assert.ok(role.dependsOn.includes("lakehouse-postgres-statefulset-postgres"));
    });

    it("registers the MySQL connector the same way: its setup SQL by root's client in the pod, its schema history on the cluster", () => {
        const c = named(records, "lakehouse-mysql-connector");
        assert.strictEqual(c.inputs.connectUrl, `http://${NODE}:30083`);
        assert.strictEqual(c.inputs.config["connector.class"], "io.debezium.connector.mysql.MySqlConnector");
        assert.strictEqual(c.inputs.config["database.hostname"], "mysql.lakehouse-k8s.svc");
        assert.strictEqual(c.inputs.config["database.password"], "${directory:/kafka/secrets:mysql-cdc-password}");
        assert.strictEqual(c.inputs.config["database.include.list"], "sales,hr");
        assert.notStrictEqual(c.inputs.config["database.server.id"], "1", "the connector's server id differs from the server's");
        assert.strictEqual(c.inputs.config["schema.history.internal.kafka.bootstrap.servers"],
            "kafka-1.kafka-brokers:19092,kafka-2.kafka-brokers:19092,kafka-3.kafka-brokers:19092");
        for (const dep of ["lakehouse-connect-deployment-connect", "lakehouse-topics", "lakehouse-mysql-setup"]) {
            assert.ok(c.dependsOn.includes(dep), `missing edge to ${dep}: ${c.dependsOn}`);
        }
        const setup = named(records, "lakehouse-mysql-setup");
        assert.strictEqual(setup.inputs.create,
            `kubectl -n lakehouse-k8s exec -i mysql-0 -c mysql -- sh -c 'MYSQL_PWD="$(cat /run/secrets/mysql-root-password)" exec mysql -uroot'`);
        assert.ok(isSecret(setup, "stdin"));
        const server = named(records, "lakehouse-mysql-statefulset-mysql").inputs.spec.template.spec.containers[0];
        assert.ok(server.args.includes("--binlog-format=ROW") && server.args.includes("--server-id=1"), server.args.join(" "));
    });

    it("keeps the CDC password a secret: in Connect's Secret, never in a pod spec or the connector's config", () => {
        const secret = named(records, "lakehouse-connect-secrets");
        assert.ok(isSecret(secret, "stringData"));
        assert.deepStrictEqual(secret.inputs.stringData, { "postgres-cdc-password": "mock-generated-password", "mysql-cdc-password": "mock-generated-password" });
        assert.ok(named(records, "lakehouse-connect-deployment-connect").dependsOn.includes("lakehouse-connect-secrets"));
        for (const r of [...ofType(records, "kubernetes:apps/v1:StatefulSet"), ...ofType(records, "kubernetes:apps/v1:Deployment")]) {
            assert.ok(!JSON.stringify(r.inputs).includes("mock-generated-password"), `${r.name} holds a password`);
        }
        for (const c of ["lakehouse-postgres-connector", "lakehouse-mysql-connector"]) {
            assert.ok(!JSON.stringify(named(records, c).inputs.config).includes("mock-generated-password"), c);
        }
        assert.ok(isSecret(named(records, "lakehouse-postgres-cdc-role"), "stdin"));
    });

    it("rolls Connect's workers, Trino's and the catalog's pods when their Secrets change, before the connectors restart", () => {
        // Each pod template carries its Secret's resourceVersion: an update of the Secret updates the Deployment,
        // whose rollout the provider awaits, and the connectors wait for the Deployment.
        const revision = (r: RecordedResource) => r.inputs.spec.template.metadata.annotations?.[SECRET_REVISION];
        const connect = named(records, "lakehouse-connect-deployment-connect");
        assert.strictEqual(revision(connect), mockResourceVersion(named(records, "lakehouse-connect-secrets").inputs));
        assert.ok(connect.dependsOn.includes("lakehouse-connect-secrets"));
        for (const name of ["lakehouse-trino-deployment-trino", "lakehouse-trino-deployment-trino-worker"]) {
            assert.strictEqual(revision(named(records, name)), mockResourceVersion(named(records, "lakehouse-trino-catalog").inputs), name);
            assert.ok(named(records, name).dependsOn.includes("lakehouse-trino-catalog"), name);
        }
        const catalog = named(records, "lakehouse-iceberg-rest-statefulset-iceberg-rest");
        assert.strictEqual(revision(catalog), mockResourceVersion(named(records, "lakehouse-iceberg-rest-credentials").inputs));
        assert.ok(catalog.dependsOn.includes("lakehouse-iceberg-rest-credentials"));
        // Metadata, not the Secret's data: the pod templates stay readable in state.
        for (const r of [connect, named(records, "lakehouse-trino-deployment-trino")]) assert.ok(!isSecret(r, "spec"), `${r.name}'s spec is a secret`);
        for (const c of ["lakehouse-postgres-connector", "lakehouse-mysql-connector"]) {
            assert.ok(named(records, c).dependsOn.includes("lakehouse-connect-deployment-connect"), c);
        }
        // Workloads that read no Secret of the kind roll only when their own spec changes.
        assert.strictEqual(revision(named(records, "lakehouse-kafka-statefulset-kafka")), undefined);
    });

    it("changes Connect's pod template, and only Connect's, when a CDC password is rotated", async () => {
        const templates = async (cdcPassword: string) => {
            const built = await construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, mysql: false, postgres: { cdcPassword } }));
            return Object.fromEntries([...ofType(built, "kubernetes:apps/v1:Deployment"), ...ofType(built, "kubernetes:apps/v1:StatefulSet")]
                .map((r) => [r.inputs.metadata.name, JSON.stringify(r.inputs.spec.template)]));
        };
        const before = await templates("first-password");
        const after = await templates("rotated-password");
        assert.deepStrictEqual(Object.keys(after).sort(), Object.keys(before).sort());
        const changed = Object.keys(before).filter((name) => before[name] !== after[name]);
        assert.deepStrictEqual(changed, ["connect"]);
        assert.ok(!after.connect.includes("rotated-password"), "the password is in Connect's pod template");
    });

    it("creates the buckets and the catalog's MinIO user through MinIO's NodePort, and starts the catalog after its grant", () => {
        const provider = ofType(records, "pulumi:providers:minio")[0];
        assert.strictEqual(provider.inputs.minioServer, `${NODE}:30900`);
        assert.deepStrictEqual(ofType(records, "minio:index/s3Bucket:S3Bucket").map((r) => r.inputs.bucket).sort(), ["checkpoints", "warehouse"]);
        const policy = JSON.parse(named(records, "lakehouse-catalog-policy").inputs.policy);
        assert.deepStrictEqual(policy.Statement.flatMap((st: { Resource: string[] }) => st.Resource), ["arn:aws:s3:::warehouse", "arn:aws:s3:::warehouse/*"]);
        const catalog = named(records, "lakehouse-iceberg-rest-statefulset-iceberg-rest");
        for (const dep of ["lakehouse-catalog-grant", "lakehouse-bucket-warehouse", "lakehouse-iceberg-rest-credentials", "lakehouse-minio-statefulset-minio"]) {
            assert.ok(catalog.dependsOn.includes(dep), `the catalog waits for ${dep}`);
        }
        const secret = named(records, "lakehouse-iceberg-rest-credentials");
        assert.ok(isSecret(secret, "stringData"), "the credentials file is a secret input");
        assert.match(secret.inputs.stringData["aws-credentials"], /aws_secret_access_key = mock-generated-password/);
        assert.ok(!JSON.stringify(catalog.inputs).includes("mock-generated-password"), "no key in the catalog's pod spec");
    });

    it("runs Trino as a coordinator and two workers on the local image, the coordinator's HTTP API on NodePort 30808", () => {
        const coordinator = named(records, "lakehouse-trino-deployment-trino");
        const workers = named(records, "lakehouse-trino-deployment-trino-worker");
        assert.strictEqual(coordinator.inputs.spec.replicas, 1);
        assert.strictEqual(workers.inputs.spec.replicas, 2);
        for (const d of [coordinator, workers]) {
            assert.strictEqual(d.inputs.spec.template.spec.containers[0].image, "docker.io/pulumi-lakehouse/trino:476");
            assert.strictEqual(d.provider, "lakehouse-provider");
        }
        const config = named(records, "lakehouse-trino-configmap-trino-config").inputs.data;
        assert.match(config["coordinator.properties"], /^node-scheduler\.include-coordinator=false$/m);
        assert.match(config["worker.properties"], /^discovery\.uri=http:\/\/trino:8080$/m);
        const nodePort = named(records, "lakehouse-trino-service-trino-nodeport");
        assert.deepStrictEqual(nodePort.inputs.spec.ports, [{ name: "http", port: 8080, nodePort: 30808 }]);
        assert.strictEqual(nodePort.inputs.spec.selector.app, "trino");
    });

    it("gives Trino a MinIO user of its own, granted the warehouse only, and starts it after the catalog and that grant", () => {
        const user = named(records, "lakehouse-trino-user");
        assert.strictEqual(user.inputs.name, "lakehouse-k8s-trino");
        assert.notStrictEqual(user.inputs.name, named(records, "lakehouse-catalog-user").inputs.name, "not the catalog's user");
        assert.strictEqual(user.provider, "lakehouse-minio-provider");
        const policy = JSON.parse(named(records, "lakehouse-trino-policy").inputs.policy);
        assert.deepStrictEqual(policy.Statement.flatMap((st: { Resource: string[] }) => st.Resource), ["arn:aws:s3:::warehouse", "arn:aws:s3:::warehouse/*"]);
        for (const name of ["lakehouse-trino-deployment-trino", "lakehouse-trino-deployment-trino-worker"]) {
            const deps = named(records, name).dependsOn;
            for (const dep of ["lakehouse-trino-grant", "lakehouse-iceberg-rest-statefulset-iceberg-rest", "lakehouse-trino-catalog",
                "lakehouse-trino-configmap-trino-config", "lakehouse-bucket-warehouse", "lakehouse-minio-statefulset-minio", "lakehouse-namespace"]) {
                assert.ok(deps.includes(dep), `${name} waits for ${dep}: ${deps}`);
            }
        }
    });

    it("keeps Trino's S3 key in its catalog file, one key of a Secret: never in a ConfigMap, env or pod spec", () => {
        const secret = named(records, "lakehouse-trino-catalog");
        assert.strictEqual(secret.type, "kubernetes:core/v1:Secret");
        assert.ok(isSecret(secret, "stringData"), "the catalog file is a secret input");
        assert.deepStrictEqual(Object.keys(secret.inputs.stringData), ["minio.properties"]);
        const file = secret.inputs.stringData["minio.properties"];
        assert.match(file, /^s3\.aws-access-key=lakehouse-k8s-trino$/m);
        assert.match(file, /^s3\.aws-secret-key=mock-generated-password$/m);
        assert.match(file, /^iceberg\.rest-catalog\.uri=http:\/\/iceberg-rest:8181$/m);
        assert.ok(!/\$\{/.test(file), `a placeholder left: ${file}`);
        const configMaps = ofType(records, "kubernetes:core/v1:ConfigMap");
        assert.ok(configMaps.length > 0);
        for (const r of configMaps) {
            const text = JSON.stringify(r.inputs);
            for (const leak of ["mock-generated-password", "s3.aws-secret-key", "s3.aws-access-key"]) assert.ok(!text.includes(leak), `${r.name} holds ${leak}`);
        }
        for (const name of ["lakehouse-trino-deployment-trino", "lakehouse-trino-deployment-trino-worker"]) {
            const pod = named(records, name).inputs.spec.template.spec;
            assert.ok(!JSON.stringify(pod).includes("mock-generated-password"), `${name} holds the key`);
            assert.deepStrictEqual(pod.containers[0].env, [], `${name} has an environment`);
            // The Secret reaches the pod as its catalog directory only.
            assert.deepStrictEqual(pod.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName), ["trino-catalog"]);
            assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.mountPath === "/etc/trino/catalog" && m.readOnly));
        }
    });

    it("runs the CDC job on Spark's Kubernetes scheduler with a MinIO user of its own (warehouse and checkpoints), after the connectors and the catalog", () => {
        const driver = named(records, "lakehouse-cdc-job-deployment-cdc-mirror");
        const pod = driver.inputs.spec.template.spec;
        assert.strictEqual(pod.containers[0].image, "docker.io/pulumi-lakehouse/spark:4.1.3");
        const args: string[] = pod.containers[0].args;
        assert.deepStrictEqual(args.slice(0, 2), ["--master", "k8s://https://kubernetes.default.svc"]);
        assert.ok(args.includes("spark.executor.instances=2"), "lakehouse:cdcExecutors");
        assert.strictEqual(args[args.indexOf("--topics") + 1], "dbserver1.public.users,mysqlserver1.sales.orders,mysqlserver1.hr.employees");
        assert.strictEqual(pod.serviceAccountName, "cdc-mirror");
        const user = named(records, "lakehouse-cdc-user");
        assert.strictEqual(user.inputs.name, "lakehouse-k8s-cdc");
        const policy = JSON.parse(named(records, "lakehouse-cdc-policy").inputs.policy);
        assert.deepStrictEqual(policy.Statement.flatMap((st: { Resource: string[] }) => st.Resource).sort(),
            ["arn:aws:s3:::checkpoints", "arn:aws:s3:::checkpoints/*", "arn:aws:s3:::warehouse", "arn:aws:s3:::warehouse/*"]);
        for (const dep of ["lakehouse-cdc-grant", "lakehouse-cdc-mirror-conf", "lakehouse-iceberg-rest-statefulset-iceberg-rest", "lakehouse-topics",
            "lakehouse-postgres-connector", "lakehouse-mysql-connector", "lakehouse-bucket-checkpoints", "lakehouse-kafka-statefulset-kafka",
            "lakehouse-cdc-job-rolebinding-cdc-mirror", "lakehouse-cdc-job-configmap-cdc-mirror-jobs"]) {
            assert.ok(driver.dependsOn.includes(dep), `the driver waits for ${dep}: ${driver.dependsOn}`);
        }
        const secret = named(records, "lakehouse-cdc-mirror-conf");
        assert.ok(isSecret(secret, "stringData"), "spark-defaults.conf is a secret input");
        assert.match(secret.inputs.stringData["spark-defaults.conf"], /^spark\.hadoop\.fs\.s3a\.access\.key lakehouse-k8s-cdc$/m);
        assert.strictEqual(driver.inputs.spec.template.metadata.annotations[SECRET_REVISION], mockResourceVersion(secret.inputs));
        for (const r of [driver, named(records, "lakehouse-cdc-job-configmap-cdc-mirror-jobs")]) {
            assert.ok(!JSON.stringify(r.inputs).includes("mock-generated-password"), `${r.name} holds the key`);
        }
        assert.deepStrictEqual(pod.containers[0].env.filter((e: { valueFrom?: any }) => e.valueFrom?.secretKeyRef), []);
        assert.strictEqual(named(records, "lakehouse-cdc-job-role-cdc-mirror").type, "kubernetes:rbac.authorization.k8s.io/v1:Role");
    });

    it("has the CDC job's driver fetch Iceberg, Kafka and S3A on the official image, and serve them to its executors", async () => {
        const official = await construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, imageSet: "official", mysql: false }));
        const conf: string = named(official, "lh-cdc-mirror-conf").inputs.stringData["spark-defaults.conf"];
        assert.match(conf, /^spark\.jars\.packages .*iceberg-spark-runtime.*spark-sql-kafka.*hadoop-aws/m);
        assert.match(conf, /^spark\.jars\.ivy \/tmp\/\.ivy2$/m);
        const args: string[] = named(official, "lh-cdc-job-deployment-cdc-mirror").inputs.spec.template.spec.containers[0].args;
        assert.ok(args.includes("spark.kubernetes.container.image=apache/spark:4.1.3-scala2.13-java17-python3-ubuntu"), args.join(" "));
        assert.ok(!named(records, "lakehouse-cdc-mirror-conf").inputs.stringData["spark-defaults.conf"].includes("spark.jars.packages"), "the local image carries the jars");
    });

    it("leaves the CDC job out without the catalog or a captured table, and refuses it asked for without the catalog", async () => {
        const noSources = await construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, postgres: false, mysql: false }));
        assert.deepStrictEqual(ofType(noSources, "kubernetes:apps/v1:Deployment").map((r) => r.inputs.metadata.name).sort(), ["connect", "trino", "trino-worker"]);
        const off = await construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, cdcJob: false }));
        assert.deepStrictEqual(ofType(off, "kubernetes:core/v1:ServiceAccount"), []);
        await assert.rejects(construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, catalog: false, cdcJob: { executors: 1 } })),
            /lh: invalid cdcJob: needs the Iceberg catalog/);
        await assert.rejects(construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, cdcJob: { executors: 0 } })), /lh: invalid cdcJob.executors/);
        assert.deepStrictEqual((await settle()).filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name), []);
    });

    it("exposes Trino in the cluster and from the host, and takes its worker count from lakehouse:trinoWorkers", async () => {
        let lakehouse: KubernetesLakehouse | undefined;
        const built = await construct(() => { lakehouse = new KubernetesLakehouse("lh", { namespace: "ns1", nodeAddress: NODE, trinoWorkers: 3, postgres: false, mysql: false }); });
        const endpoints = await new Promise<Record<string, string>>((resolve) => pulumi.output(lakehouse!.endpoints).apply((e) => resolve(e as Record<string, string>)));
        assert.strictEqual(endpoints.trino, "http://trino.ns1.svc:8080");
        assert.strictEqual(endpoints.trinoFromHost, `http://${NODE}:30808`);
        assert.strictEqual(endpoints.catalogFromHost, `http://${NODE}:30181`);
        assert.strictEqual(named(built, "lh-trino-deployment-trino-worker").inputs.spec.replicas, 3);
        const program = await construct(() => {
            delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
            require(path.join(ROOT, "index.ts"));
        }, { ...stackConfig("k8s"), "lakehouse:nodeAddress": NODE, "lakehouse:trinoWorkers": "1" });
        assert.strictEqual(named(program, "lakehouse-trino-deployment-trino-worker").inputs.spec.replicas, 1);
    });

    it("gives `make verify` its target: every workload, the sources' pods, the CDC tables and the NodePorts from the host", async () => {
        let lakehouse: KubernetesLakehouse | undefined;
        await construct(() => { lakehouse = new KubernetesLakehouse("lh", { namespace: "ns1", nodeAddress: NODE, kubeconfig: "/k/admin.conf" }); });
        const target = await new Promise<any>((resolve) => pulumi.output(lakehouse!.verifyTarget).apply(resolve));
        assert.deepStrictEqual([...target.containers].sort(), [
            "deployment/cdc-mirror", "deployment/connect", "deployment/trino", "deployment/trino-worker",
            "statefulset/iceberg-rest", "statefulset/kafka", "statefulset/minio", "statefulset/mysql", "statefulset/postgres",
        ]);
        assert.deepStrictEqual(target.kubernetes, { namespace: "ns1", kubeconfig: "/k/admin.conf" });
        assert.deepStrictEqual(target.sources.map((x: any) => [x.kind, x.container, x.topicPrefix, x.tables.map((t: any) => `${t.schema}.${t.name}`).join(",")]), [
            ["postgres", "postgres-0", "dbserver1", "public.users"], ["mysql", "mysql-0", "mysqlserver1", "sales.orders,hr.employees"],
        ]);
        assert.strictEqual(target.minioContainer, "minio-0");
        assert.strictEqual(target.sparkContainer, undefined, "no Spark container on this platform");
        assert.deepStrictEqual(target.cdc, { container: "deployment/cdc-mirror", namespace: "minio.cdc", tablePrefix: "", checkpointLocation: "s3a://checkpoints/cdc-mirror" });
        assert.deepStrictEqual(target.hostEndpoints, {
            kafka: `${NODE}:30091,${NODE}:30092,${NODE}:30093`, connect: `http://${NODE}:30083`, minio: `http://${NODE}:30900`, trino: `http://${NODE}:30808`,
        });
    });

    it("refuses Trino asked for without the catalog, naming both, before creating anything; catalog: false alone turns Trino off too", async () => {
        await assert.rejects(construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, catalog: false, trino: true })),
            /lh: invalid trino: needs the Iceberg catalog, which catalog: false turns off; leave trino unset or false/);
        const created = (await settle()).filter((r) => !r.type.startsWith("pulumi:pulumi:Stack") && r.type !== "lakehouse:kubernetes:Lakehouse");
        assert.deepStrictEqual(created.map((r) => r.name), [], "resources created before the error");
        const without = await construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, catalog: false }));
        assert.deepStrictEqual(ofType(without, "kubernetes:apps/v1:Deployment").map((r) => r.inputs.metadata.name), ["connect"]);
        assert.deepStrictEqual(ofType(without, "kubernetes:core/v1:ConfigMap"), []);
        assert.deepStrictEqual(ofType(without, "minio:index/iamUser:IamUser"), []);
        // Bad worker counts fail the same way, before anything is created.
        await assert.rejects(construct(() => new KubernetesLakehouse("lh", { nodeAddress: NODE, trinoWorkers: 0 })), /lh: invalid trino.workers: must be a whole number >= 1/);
        assert.deepStrictEqual((await settle()).filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name), []);
    });

    it("refuses a source without a node address to reach the cluster from, before creating anything", async () => {
        const saved = process.env.KUBECONFIG;
        process.env.KUBECONFIG = path.join(ROOT, "does-not-exist.conf");
        try {
            await assert.rejects(construct(() => {
                delete require.cache[require.resolve(path.join(ROOT, "index.ts"))];
                require(path.join(ROOT, "index.ts"));
            }, stackConfig("k8s")), /nodeAddress: is needed for the kafka provider and the Connector/);
        } finally {
            if (saved === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = saved;
        }
    });
});
