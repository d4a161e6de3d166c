// The kubernetes platform on the real cluster of `make k8s-up` through the real pulumi-kubernetes
// provider (docs/kubernetes.md): `pulumi preview` and `pulumi up` of Pulumi.k8s.yaml, then the brokers'
// KRaft quorum, a topic with RF 3 / min ISR 2 written with acks=all on one broker and read on another,
// two Connect workers in one group, the Postgres and MySQL sources' row changes on their topics through
// the connectors the Connector resource registered over Connect's NodePort, the Iceberg catalog writing
// a table's metadata to the warehouse bucket with its own MinIO key (and refused another bucket), Trino's
// coordinator and workers answering SQL on an Iceberg table through the coordinator's NodePort, a node
// lost while rows flow, and `pulumi destroy` leaving no namespace and no volume. `make test-k8s`.
// The deploy is the user's: `make up STACK=k8s` (cluster ready, images loaded, `pulumi up` with the policy
// pack, `make verify`); `make verify` runs again after the node loss (every source table equals its mirror).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import axios from "axios";
import * as YAML from "yaml";
import { trino, waitUntil } from "../../tools/clients";
import { ok, sh } from "../support/cli";
import { docker } from "../support/docker";
import { ROOT, envFromEnvSh } from "../support/pulumi";
import { KUBERNETES_SERVICES, imageFor } from "../../components/core/versions";

const STACK = process.env.LAKEHOUSE_K8S_STACK ?? "k8s";
const NAMESPACE = "lakehouse-k8s"; // Pulumi.k8s.yaml's lakehouse:namespace
const CLUSTER = process.env.K8S_CLUSTER_NAME ?? "lakehouse-k8s";
const CACHE = path.join(ROOT, ".cache");
const STACK_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const KUBECTL = path.join(CACHE, "k8s", "bin", "kubectl");
const KUBECONFIG = path.join(CACHE, "k8s", `cluster-${CLUSTER}`, "admin.conf");
const versions = JSON.parse(fs.readFileSync(path.join(ROOT, "versions.json"), "utf8"));
const PLUGIN = path.join(CACHE, "pulumi-home", "plugins", `resource-kubernetes-v${versions.kubernetes.pulumiKubernetes.version}`, "pulumi-resource-kubernetes");
const IMAGES = KUBERNETES_SERVICES.map((s) => imageFor(s, "local"));

describe("kubernetes platform: Kafka, MinIO, Connect and captured Postgres and MySQL on the cluster", function () {
    let env: Record<string, string>;
    let backend: string;
    let stackFileText: string;
    const kubectl = (...args: string[]) => ok(env, KUBECTL, "--kubeconfig", KUBECONFIG, ...args);
    const inNs = (...args: string[]) => kubectl("-n", NAMESPACE, ...args);
    /** A Kafka tool inside broker `pod`, against that broker's own listener. */
    const kafkaTool = (pod: string, tool: string, ...args: string[]) =>
        inNs("exec", pod, "--", `/opt/kafka/bin/${tool}`, "--bootstrap-server", "localhost:19092", ...args);

    /**
     * Every record of `topic` from the beginning, read on broker `pod` until 30 s pass without one (how the
     * console consumer ends then, by exit code, varies: the output is what counts).
     */
    const consumeAll = async (pod: string, topic: string) => (await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", pod, "--",
        "/opt/kafka/bin/kafka-console-consumer.sh", "--bootstrap-server", "localhost:19092", "--topic", topic, "--from-beginning", "--timeout-ms", "30000"])).out;
    /** The API server's host is node 0 (scripts/k8s-cluster.sh), which the program takes as the node address. */
    const nodeAddress = () => new URL(/server:\s*(\S+)/.exec(fs.readFileSync(KUBECONFIG, "utf8"))![1]).hostname;
    /** Waits up to 3 min for the connector and its one task to be RUNNING, asked through Connect's NodePort. */
    const connectorRunning = async (name: string) => {
        let status: any;
        for (let i = 0; i < 90; i++) {
            const got = await sh(env, "curl", ["-fsS", `http://${nodeAddress()}:30083/connectors/${name}/status`]);
            status = got.code === 0 ? JSON.parse(got.out) : got.out;
            if (status?.connector?.state === "RUNNING" && status.tasks.length > 0 && status.tasks.every((t: any) => t.state === "RUNNING")) break;
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.strictEqual(status?.connector?.state, "RUNNING", JSON.stringify(status));
        assert.deepStrictEqual(status.tasks.map((t: any) => t.state), ["RUNNING"], JSON.stringify(status));
    };

    before(async function () {
        assert.ok(fs.existsSync(KUBECONFIG), `no cluster: ${KUBECONFIG} is missing (make k8s-up)`);
        assert.ok(fs.existsSync(PLUGIN), `the pulumi-kubernetes plugin is not built: ${PLUGIN} (make k8s-toolchain)`);
        // `pulumi stack init` writes an encryption salt into the stack file: put the file back afterwards.
        stackFileText = fs.readFileSync(STACK_FILE, "utf8");
        backend = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-k8s-state-"));
        const base = envFromEnvSh();
        // kubectl on PATH: the source's SQL runs through `kubectl exec` (Command resources).
        env = { ...base, PULUMI_BACKEND_URL: `file://${backend}`, KUBECONFIG, PATH: `${path.dirname(KUBECTL)}:${base.PATH ?? process.env.PATH}` };
        const ready = (await kubectl("get", "nodes", "--no-headers")).split("\n").filter((l) => / Ready /.test(l));
        assert.ok(ready.length >= 3, `the cluster needs 3 Ready nodes, has ${ready.length} (make k8s-up)`);
        for (const image of IMAGES) {
            assert.strictEqual((await sh(env, "docker", ["image", "inspect", image])).code, 0, `${image} is not built (make images)`);
        }
        await ok(env, "bash", "scripts/k8s-cluster.sh", "ensure", ...IMAGES);
        await ok(env, "pulumi", "stack", "init", STACK, "--non-interactive");
    });

    after(async function () {
        if (!env) return;
        const destroyed = await sh(env, "pulumi", ["destroy", "--stack", STACK, "--yes", "--non-interactive"]);
        await sh(env, "pulumi", ["stack", "rm", STACK, "--yes", "--force", "--preserve-config", "--non-interactive"]);
        fs.rmSync(backend, { recursive: true, force: true });
        fs.writeFileSync(STACK_FILE, stackFileText);
        assert.strictEqual(destroyed.code, 0, `pulumi destroy failed:\n${destroyed.out.slice(-4000)}`);
    });

    it("previews Pulumi.k8s.yaml with the policy pack, then `make up STACK=k8s` deploys it and `make verify` passes", async () => {
        const preview = await ok(env, "pulumi", "preview", "--stack", STACK, "--non-interactive", "--diff", "--policy-pack", "policies");
        for (const t of ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Namespace"]) {
            assert.match(preview, new RegExp(t.replace(/[/:]/g, "\\$&")), `preview shows no ${t}`);
        }
        assert.match(preview, /lakehouse-policies/, "the preview ran no policy pack");
        // The user's one command: the cluster made ready, `pulumi up` (its preview and the policy pack, all
        // rules mandatory: the k8s stack has no policies/config file), then `make verify` against the stack.
        const up = await ok(env, "make", "up", `STACK=${STACK}`);
        console.log(up.split("\n").filter((l) => /^\s+(ok|FAIL|note)\b|^verify:/.test(l)).map((l) => `      ${l.trim()}`).join("\n"));
        const verdict = /verify: (\d+) checks passed, (\d+) failed/.exec(up);
        assert.ok(verdict, `make up printed no verify result:\n${up.slice(-4000)}`);
        assert.strictEqual(verdict[2], "0", up.slice(-6000));
        for (const c of ["workloads ready", "connectors RUNNING", "mirror tables equal the sources exactly (Trino)", "changelog tables: op, full before and after (Trino)", "CDC job checkpoint on MinIO"]) {
            assert.match(up, new RegExp(`ok +${c.replace(/[()]/g, "\\$&")}`), `verify did not pass "${c}":\n${up.slice(-6000)}`);
        }
    });

    it("spreads the three brokers over three nodes and forms a KRaft quorum of all three", async () => {
        const nodes = (await inNs("get", "pods", "-l", "app=kafka", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}")).trim().split("\n");
        assert.strictEqual(new Set(nodes).size, 3, `brokers on ${nodes.join(", ")}`);
        const status = await kafkaTool("kafka-1", "kafka-metadata-quorum.sh", "describe", "--status");
        // `CurrentVoters: [{"id": 1, "endpoints": ["CONTROLLER://kafka-1.kafka-brokers:29093"]}, ...]`
        const voters = JSON.parse(/CurrentVoters:\s*(\[.*\])\s*$/m.exec(status)?.[1] ?? "[]") as { id: number }[];
        const ids = voters.map((v) => v.id).sort();
        assert.deepStrictEqual(ids, [1, 2, 3], `voters: ${status}`);
        const leader = Number(/LeaderId:\s*(\d+)/.exec(status)?.[1]);
        assert.ok([1, 2, 3].includes(leader), `leader: ${status}`);
    });

    it("keeps a topic with RF 3 and min ISR 2 in sync and serves what one broker took to another", async () => {
        await kafkaTool("kafka-1", "kafka-topics.sh", "--create", "--topic", "k8s-rf3", "--partitions", "3",
            "--replication-factor", "3", "--config", "min.insync.replicas=2");
        const described = await kafkaTool("kafka-2", "kafka-topics.sh", "--describe", "--topic", "k8s-rf3");
        const partitions = described.split("\n").filter((l) => /Partition:\s*\d/.test(l));
        assert.strictEqual(partitions.length, 3, described);
        for (const p of partitions) {
            const replicas = /Replicas:\s*([\d,]+)/.exec(p)![1].split(",");
            const isr = /Isr:\s*([\d,]+)/.exec(p)![1].split(",");
            assert.deepStrictEqual([...replicas].sort(), ["1", "2", "3"], p);
            assert.deepStrictEqual([...isr].sort(), ["1", "2", "3"], p);
        }
        const messages = Array.from({ length: 100 }, (_, i) => `k8s-message-${i}`);
        const produced = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "-i", "kafka-1", "--", "sh", "-c",
            `printf '%s\\n' ${messages.join(" ")} | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server localhost:19092 --topic k8s-rf3 --producer-property acks=all`]);
        assert.strictEqual(produced.code, 0, produced.out);
        const consumed = await kafkaTool("kafka-3", "kafka-console-consumer.sh", "--topic", "k8s-rf3", "--from-beginning",
            "--max-messages", "100", "--timeout-ms", "120000");
        const got = consumed.split("\n").filter((l) => l.startsWith("k8s-message-")).sort();
        assert.deepStrictEqual(got, [...messages].sort());
    });

    it("runs two Connect workers in one group on storage topics replicated three times", async () => {
        const ready = await inNs("get", "deployment", "connect", "-o", "jsonpath={.status.readyReplicas}");
        assert.strictEqual(ready.trim(), "2");
        for (const suffix of ["configs", "offsets", "statuses"]) {
            const d = await kafkaTool("kafka-1", "kafka-topics.sh", "--describe", "--topic", `lakehouse_connect_${suffix}`);
            assert.match(d, /ReplicationFactor:\s*3/, d);
        }
        const pods = (await inNs("get", "pods", "-l", "app=connect", "-o", "jsonpath={.items[*].metadata.name}")).trim().split(/\s+/);
        for (const pod of pods) {
            const root = JSON.parse(await inNs("exec", pod, "--", "curl", "-fsS", "http://localhost:8083/"));
            assert.strictEqual(root.kafka_cluster_id, "bGFrZWhvdXNlLWRldi0wMQ", `${pod}: ${JSON.stringify(root)}`);
        }
    });

    it("captures a Postgres row through the connector the Connector resource registered over Connect's NodePort", async () => {
        await connectorRunning("inventory-connector");
        // The topic came from the kafka provider (through the brokers' NodePorts), not from Debezium.
        const described = await kafkaTool("kafka-1", "kafka-topics.sh", "--describe", "--topic", "dbserver1.public.users");
        assert.match(described, /ReplicationFactor:\s*3/, described);
        assert.match(described, /min\.insync\.replicas=2/, described);

        // The topic holds `make verify`'s changes too: read it all (until 30 s pass without a record) and find ours.
        const marker = `k8s-${Date.now()}`;
        const inserted = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "-i", "postgres-0", "-c", "postgres", "--",
            "psql", "-v", "ON_ERROR_STOP=1", "-U", "admin", "-d", "customer_db", "-c", `INSERT INTO public.users (id, name, email) VALUES (777001, '${marker}', 'k8s@example.com')`]);
        assert.strictEqual(inserted.code, 0, inserted.out);
        const consumed = await consumeAll("kafka-2", "dbserver1.public.users");
        const event = JSON.parse(consumed.split("\n").find((l) => l.includes(marker)) ?? "null");
        assert.ok(event, `no change event with ${marker} on the topic:\n${consumed.slice(-2000)}`);
        assert.strictEqual(event.payload.op, "c");
        assert.deepStrictEqual({ id: event.payload.after.id, name: event.payload.after.name }, { id: 777001, name: marker });
        assert.strictEqual(event.payload.source.connector, "postgresql");
    });

    it("captures a MySQL row from the binlog through its connector, with the schema history on the cluster", async () => {
        await connectorRunning("mysql-connector");
        const inserted = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "-i", "mysql-0", "-c", "mysql", "--",
            "sh", "-c", `MYSQL_PWD="$(cat /run/secrets/mysql-root-password)" exec mysql -uroot -e "INSERT INTO sales.orders (id, customer_id, amount, status) VALUES (880001, 42, 12.50, 'k8s-binlog')"`]);
        assert.strictEqual(inserted.code, 0, inserted.out);
        const consumed = await consumeAll("kafka-3", "mysqlserver1.sales.orders");
        const event = JSON.parse(consumed.split("\n").find((l) => l.includes("k8s-binlog")) ?? "null");
        assert.ok(event, `no change event on the topic:\n${consumed.slice(-2000)}`);
        assert.strictEqual(event.payload.op, "c");
        assert.strictEqual(event.payload.after.id, 880001);
        assert.strictEqual(event.payload.source.connector, "mysql");
        const history = await kafkaTool("kafka-1", "kafka-topics.sh", "--describe", "--topic", "mysqlserver1.schema-history");
        assert.match(history, /ReplicationFactor:\s*3/, history);
    });

    it("creates an Iceberg table through the catalog's NodePort: metadata in the warehouse bucket, none in a bucket outside its grant", async () => {
        const catalog = axios.create({ baseURL: `http://${nodeAddress()}:30181/v1`, timeout: 60_000, validateStatus: () => true });
        const schema = { type: "struct", "schema-id": 0, fields: [{ id: 1, name: "id", required: true, type: "long" }] };
        const ns = await catalog.post("/namespaces", { namespace: ["k8s_check"] });
        assert.strictEqual(ns.status, 200, JSON.stringify(ns.data));
        const created = await catalog.post("/namespaces/k8s_check/tables", { name: "t", schema });
        assert.strictEqual(created.status, 200, JSON.stringify(created.data));
        assert.match(created.data["metadata-location"], /^s3:\/\/warehouse\/k8s_check\/t\/metadata\/.+\.metadata\.json$/);
        // Loaded again: the catalog reads the metadata file back from MinIO.
        const loaded = await catalog.get("/namespaces/k8s_check/tables/t");
        assert.strictEqual(loaded.status, 200, JSON.stringify(loaded.data));
        assert.strictEqual(loaded.data["metadata-location"], created.data["metadata-location"]);
        assert.deepStrictEqual(loaded.data.metadata.schemas[0].fields.map((f: { name: string }) => f.name), ["id"]);
        // The checkpoints bucket exists (the CDC job's) but is not the catalog's: MinIO refuses its key there.
        const outside = await catalog.post("/namespaces/k8s_check/tables", { name: "denied", schema, location: "s3://checkpoints/k8s_check/denied" });
        assert.ok(outside.status >= 400, `a table in the checkpoints bucket was created: ${outside.status} ${JSON.stringify(outside.data)}`);
        assert.match(JSON.stringify(outside.data), /Access Denied|403/i);
    });

    it("answers SQL through Trino's NodePort: an Iceberg table created, written and read back on the configured workers", async () => {
        const url = `http://${nodeAddress()}:30808`;
        const configured = Number(YAML.parse(stackFileText).config["lakehouse:trinoWorkers"] ?? 2);
        // Workers announce themselves to the coordinator's discovery service once up: wait until all are active.
        const nodes = await waitUntil(`${configured} active Trino workers`, 300_000, 3000, async () => {
            const rows = await trino(url, "SELECT node_id, coordinator, state FROM system.runtime.nodes ORDER BY node_id");
            return rows.filter((r) => r[1] === false && r[2] === "active").length >= configured ? rows : undefined;
        });
        console.log(`      trino nodes: ${nodes.map((r) => `${r[0]}${r[1] ? " (coordinator)" : ""} ${r[2]}`).join(", ")}`);
        const coordinators = nodes.filter((r) => r[1] === true);
        const workers = nodes.filter((r) => r[1] === false);
        assert.strictEqual(coordinators.length, 1, JSON.stringify(nodes));
        assert.strictEqual(workers.length, configured, JSON.stringify(nodes));
        // node.id is each pod's hostname (the image's run-trino): the coordinator's pod and the workers' pods.
        assert.match(coordinators[0][0], /^trino-[a-z0-9]+-[a-z0-9]+$/);
        for (const w of workers) assert.match(w[0], /^trino-worker-[a-z0-9]+-[a-z0-9]+$/);
        const pods = (await inNs("get", "pods", "-l", "app=trino-worker", "-o", "jsonpath={.items[*].metadata.name}")).trim().split(/\s+/).sort();
        assert.deepStrictEqual(workers.map((w) => w[0]).sort(), pods);

        await trino(url, "CREATE SCHEMA IF NOT EXISTS minio.k8s_trino");
        await trino(url, "CREATE TABLE minio.k8s_trino.users (id bigint, name varchar)");
        await trino(url, "INSERT INTO minio.k8s_trino.users VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        assert.deepStrictEqual(await trino(url, "SELECT id, name FROM minio.k8s_trino.users ORDER BY id"), [[1, "one"], [2, "two"], [3, "three"]]);
        assert.deepStrictEqual(await trino(url, "SELECT count(*), sum(id) FROM minio.k8s_trino.users WHERE id > 1"), [[2, 5]]);
        // Its data files are in the warehouse bucket (written with Trino's own key), and the catalog knows the table.
        const files = await trino(url, `SELECT file_path FROM minio.k8s_trino."users$files"`);
        assert.ok(files.length >= 1 && files.every((f) => /^s3:\/\/warehouse\/k8s_trino\/users[^/]*\/data\//.test(f[0])), JSON.stringify(files));
        const loaded = await axios.get(`http://${nodeAddress()}:30181/v1/namespaces/k8s_trino/tables/users`, { timeout: 60_000, validateStatus: () => true });
        assert.strictEqual(loaded.status, 200, JSON.stringify(loaded.data));
        await trino(url, "DROP TABLE minio.k8s_trino.users");
    });

    it("mirrors a Postgres row into Iceberg through the CDC job on Spark's Kubernetes scheduler, read back through Trino", async () => {
        // The driver (a Deployment, Ready once its streaming query writes the heartbeat) asked the API server for its executors.
        const executors = (await inNs("get", "pods", "-l", "spark-role=executor", "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.phase}={.spec.nodeName}={.metadata.ownerReferences[0].name} {end}")).trim().split(/\s+/);
        const driverPod = (await inNs("get", "pods", "-l", "app=cdc-mirror", "-o", "jsonpath={.items[0].metadata.name}")).trim();
        console.log(`      driver ${driverPod}; executors: ${executors.join(", ")}`);
        const configured = Number(YAML.parse(stackFileText).config["lakehouse:cdcExecutors"] ?? 2);
        assert.strictEqual(executors.filter((e) => e.split("=")[1] === "Running").length, configured, executors.join(" "));
        for (const e of executors) assert.strictEqual(e.split("=")[3], driverPod, `${e}: owned by the driver pod`);

        const marker = `k8s-cdc-${Date.now()}`;
        const started = Date.now();
        const inserted = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "-i", "postgres-0", "-c", "postgres", "--",
            "psql", "-v", "ON_ERROR_STOP=1", "-U", "admin", "-d", "customer_db", "-c", `INSERT INTO public.users (id, name, email) VALUES (777101, '${marker}', 'cdc@example.com')`]);
        assert.strictEqual(inserted.code, 0, inserted.out);
        const url = `http://${nodeAddress()}:30808`;
        const rows = await waitUntil("the row in the mirror", 420_000, 5000, async () => {
            const got = await trino(url, "SELECT id, name FROM minio.cdc.dbserver1_public_users WHERE id = 777101").catch(() => []);
            return got.length > 0 ? got : undefined;
        });
        console.log(`      in the mirror ${Math.round((Date.now() - started) / 1000)} s after the insert`);
        assert.deepStrictEqual(rows, [[777101, marker]]);
        const changes = await trino(url, "SELECT op FROM minio.cdc.dbserver1_public_users_changelog WHERE json_extract_scalar(after, '$.id') = '777101'").catch((e) => [[String(e)]]);
        assert.deepStrictEqual(changes, [["c"]], "one insert in the changelog");
        // Its checkpoint is in the checkpoints bucket, written with the job's own key: the driver's log names no error there.
        const log = await inNs("logs", driverPod, "--tail", "400");
        assert.doesNotMatch(log, /AccessDenied|403 Forbidden/, log.slice(-3000));
    });

    it("loses a node for a minute while rows are written: quorum kept, the connector never fails, every row on the topic and in the mirror", async () => {
        const node = nodeAddress();
        const nodeOf = async (pod: string) => (await inNs("get", "pod", pod, "-o", "jsonpath={.spec.nodeName}")).trim();
        const controlPlane = `${CLUSTER}-0`; // scripts/k8s-cluster.sh runs the API server in node 0
        const pgNode = await nodeOf("postgres-0");
        // A worker node without the source (its volume pins it to its node): the change stream's path loses a
        // broker and maybe a Connect worker, not the database.
        const victim = [`${CLUSTER}-1`, `${CLUSTER}-2`].find((n) => n !== pgNode)!;
        const brokersOn = new Map<string, string>();
        for (const b of ["kafka-1", "kafka-2", "kafka-3"]) brokersOn.set(b, await nodeOf(b));
        const lost = [...brokersOn].find(([, n]) => n === victim)?.[0];
        const survivor = [...brokersOn].find(([, n]) => n === controlPlane)![0];
        assert.ok(lost, `no broker on ${victim}: ${JSON.stringify([...brokersOn])}`);
        const before = JSON.parse((await sh(env, "curl", ["-fsS", `http://${node}:30083/connectors/inventory-connector/status`])).out);
        const workers = (await inNs("get", "pods", "-l", "app=connect", "-o", "jsonpath={range .items[*]}{.status.podIP}={.spec.nodeName} {end}")).trim();
        console.log(`      stopping ${victim} (${lost}; postgres-0 on ${pgNode}; task on worker ${before.tasks[0]?.worker_id}; workers ${workers})`);

        const states: string[] = [];
        let watching = true;
        const watcher = (async () => {
            while (watching) {
                const got = await sh(env, "curl", ["-fsS", "-m", "5", `http://${node}:30083/connectors/inventory-connector/status`]);
                states.push(got.code === 0 ? (() => { const j = JSON.parse(got.out); return [j.connector.state, ...j.tasks.map((t: any) => t.state)].join("/"); })() : "unreadable");
                await new Promise((r) => setTimeout(r, 3000));
            }
        })();
        const first = 778000;
        const rows = 60;
        // One row a second for a minute, written inside the database's pod (its node stays up).
        const writer = sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "postgres-0", "-c", "postgres", "--", "sh", "-c",
            `for i in $(seq ${first} ${first + rows - 1}); do psql -q -v ON_ERROR_STOP=1 -U admin -d customer_db -c "INSERT INTO public.users (id, name) VALUES ($i, 'node-loss-$i')" || exit 1; sleep 1; done`]);
        await new Promise((r) => setTimeout(r, 5000));
        await docker(["stop", victim]);
        try {
            await new Promise((r) => setTimeout(r, 30_000));
            // Two of three voters: the quorum still has a leader and commits.
            const quorum = await kafkaTool(survivor, "kafka-metadata-quorum.sh", "describe", "--status");
            assert.match(quorum, /LeaderId:\s*[123]/, quorum);
        } finally {
            const written = await writer;
            assert.strictEqual(written.code, 0, `the writer failed: ${written.out.slice(-2000)}`);
            await docker(["start", victim]);
        }
        // The node back: its broker Ready again and in sync.
        await kubectl("wait", "--for=condition=Ready", `node/${victim}`, "--timeout=300s");
        await inNs("wait", "--for=condition=Ready", `pod/${lost}`, "--timeout=600s");
        let described = "";
        for (let i = 0; i < 90; i++) {
            described = (await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", survivor, "--", "/opt/kafka/bin/kafka-topics.sh",
                "--bootstrap-server", "localhost:19092", "--describe", "--topic", "dbserver1.public.users"])).out;
            if (/Isr:\s*[123],[123],[123]/.test(described)) break;
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.match(described, /Isr:\s*[123],[123],[123]/, `the returned broker is not back in sync:\n${described}`);
        // The connector RUNNING again (a rebalance's UNASSIGNED is allowed), never FAILED.
        for (let i = 0; i < 60 && states[states.length - 1] !== "RUNNING/RUNNING"; i++) await new Promise((r) => setTimeout(r, 2000));
        watching = false;
        await watcher;
        console.log(`      connector states: ${[...new Set(states)].join(", ")} over ${states.length} samples`);
        assert.ok(!states.some((x) => x.includes("FAILED")), states.join(" "));
        assert.strictEqual(states[states.length - 1], "RUNNING/RUNNING", states.join(" "));
        // Every row written during the loss is on the topic, once read back from the beginning.
        const consumed = await consumeAll(survivor, "dbserver1.public.users");
        const ids = new Set<number>();
        for (const line of consumed.split("\n")) {
            if (!line.includes("node-loss-")) continue;
            const after = JSON.parse(line).payload.after;
            if (after) ids.add(after.id);
        }
        const missing = Array.from({ length: rows }, (_, i) => first + i).filter((id) => !ids.has(id));
        assert.deepStrictEqual(missing, [], `rows written while ${victim} was down are missing from the topic`);
        // And in Iceberg: `make verify` compares every source table with its mirror (the rows written during
        // the loss included), checks the changelog, and makes and removes changes of its own.
        const verified = await ok(env, "make", "verify", `STACK=${STACK}`);
        console.log(verified.split("\n").filter((l) => /^\s+(ok|FAIL|note)\b|^verify:/.test(l)).map((l) => `      ${l.trim()}`).join("\n"));
        assert.match(verified, /verify: \d+ checks passed, 0 failed/, verified.slice(-6000));
        assert.match(verified, /ok +mirror tables equal the sources exactly \(Trino\)/, verified.slice(-6000));
    });

    it("rotates the Postgres CDC password: Connect's workers roll, awaited, before the connector restarts; it captures again", async () => {
        const revision = async () => (await inNs("get", "deployment", "connect", "-o", "jsonpath={.spec.template.metadata.annotations.lakehouse\\.io/secret-revision}")).trim();
        const secretVersion = async () => (await inNs("get", "secret", "connect-secrets", "-o", "jsonpath={.metadata.resourceVersion}")).trim();
        /** Connect's pods that are not being deleted. */
        const workers = async () => (await inNs("get", "pods", "-l", "app=connect", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.deletionTimestamp}{\"\\n\"}{end}"))
            .trim().split("\n").filter((l) => l.endsWith("=")).map((l) => l.slice(0, -1)).sort();
        const before = await revision();
        assert.strictEqual(before, await secretVersion(), "the pod template carries the Secret's resourceVersion");
        const oldWorkers = await workers();
        await ok(env, "pulumi", "config", "set", "--secret", "--stack", STACK, "lakehouse:postgresCdcPassword", `rotated-${Date.now()}`);
        const started = Date.now();
        await ok(env, "pulumi", "up", "--stack", STACK, "--yes", "--skip-preview", "--non-interactive");
        console.log(`      pulumi up of the rotation: ${Math.round((Date.now() - started) / 1000)} s`);
        const after = await revision();
        assert.notStrictEqual(after, before, "the Secret's update did not reach the pod template");
        assert.strictEqual(after, await secretVersion());
        // The provider awaited the rollout: when up returns, the workers are new ones, all Ready.
        const newWorkers = await workers();
        assert.deepStrictEqual(newWorkers.filter((w) => oldWorkers.includes(w)), [], `old workers left: ${oldWorkers} -> ${newWorkers}`);
        assert.strictEqual((await inNs("get", "deployment", "connect", "-o", "jsonpath={.status.readyReplicas}")).trim(), "2");
        await connectorRunning("inventory-connector");
        const marker = `k8s-rotated-${Date.now()}`;
        const inserted = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "-n", NAMESPACE, "exec", "-i", "postgres-0", "-c", "postgres", "--",
            "psql", "-v", "ON_ERROR_STOP=1", "-U", "admin", "-d", "customer_db", "-c", `INSERT INTO public.users (id, name, email) VALUES (777301, '${marker}', 'rotated@example.com')`]);
        assert.strictEqual(inserted.code, 0, inserted.out);
        let consumed = "";
        for (let i = 0; i < 6 && !consumed.includes(marker); i++) consumed = await consumeAll("kafka-1", "dbserver1.public.users");
        assert.ok(consumed.includes(marker), `no change event with ${marker} after the rotation:\n${consumed.slice(-2000)}`);
    });

    it("destroys to nothing: no namespace, no volume of it left", async () => {
        await ok(env, "pulumi", "destroy", "--stack", STACK, "--yes", "--non-interactive");
        const ns = await sh(env, KUBECTL, ["--kubeconfig", KUBECONFIG, "get", "namespace", NAMESPACE]);
        assert.match(ns.out, /NotFound/, ns.out);
        let left = "";
        for (let i = 0; i < 60; i++) {
            left = (await kubectl("get", "pv", "-o", "jsonpath={range .items[*]}{.spec.claimRef.namespace}{\"\\n\"}{end}"))
                .split("\n").filter((n) => n === NAMESPACE).join(",");
            if (!left) break;
            await new Promise((r) => setTimeout(r, 2000));
        }
        assert.strictEqual(left, "", "volumes of the namespace are left");
    });
});
