// The CDC mirror job: its pure spec builder, and the component and its wiring into Lakehouse under mocks.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CdcMirrorJob, CdcMirrorJobArgs, IcebergCatalog, KafkaCluster, Lakehouse, ObjectStorage, S3A_PACKAGE_EXCLUDES, lakehouseArgsFromConfig, readLakehouseConfig, sparkS3aPackages,
} from "../../components";
import {
    CDC_HEARTBEAT_FILE, CDC_JOB_DIR, CDC_JOB_FILES, CdcJobSpecArgs, cdcJobCommand, cdcJobSpec, parseS3aLocation, readCdcJobFiles,
} from "../../components/specs/cdc-job";
import { MOCK_GENERATED, RecordedResource, construct, isSecret, labelOf, named, ofType } from "./support/mocks";
import { CATALOG_CONF } from "./support/expected";

const CONTAINER = "docker:index/container:Container";
const net = { network: "lakehouse" };

function specArgs(over: Partial<CdcJobSpecArgs> = {}): CdcJobSpecArgs {
    return {
        image: "pulumi-lakehouse/spark:4.1.1",
        hostname: "cdc-mirror",
        catalog: { catalogName: "minio", catalogUri: "http://iceberg-rest:8181", warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" },
        bootstrapServers: "kafka-1:19092",
        topics: ["dbserver1.public.users", "mysqlserver1.sales.orders"],
        primaryKeys: { "dbserver1.public.users": ["id"] },
        namespace: "cdc",
        tablePrefix: "",
        jobName: "cdc-mirror",
        triggerSeconds: 5,
        checkpointBucket: "checkpoints",
        master: "local[2]",
        driverMemory: "1g",
        packages: [],
        jobFiles: { "cdc_mirror.py": "# job", "cdc_lib.py": "# lib" },
        ...over,
    };
}

/** The value after a flag in an argument list. */
function argAfter(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i < 0 ? undefined : args[i + 1];
}

describe("CDC mirror job", () => {
    describe("cdcJobSpec (pure)", () => {
        it("renders exactly the container deployed stacks have (command, env, healthcheck, spark-defaults written out)", () => {
            // Pinned so a refactor of the builders shows no diff on deployed stacks.
            const s = cdcJobSpec(specArgs({
                packages: ["org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0", "org.apache.hadoop:hadoop-aws:3.4.1"],
                packageExcludes: ["com.amazonaws:aws-java-sdk-bundle"],
            }));
            assert.deepStrictEqual(s.entrypoint, ["/opt/spark/bin/spark-submit"]);
            assert.deepStrictEqual(s.command, [
                "--master", "local[2]", "--driver-memory", "1g", "--name", "cdc-mirror",
                "--py-files", "/opt/lakehouse/jobs/cdc_lib.py", "/opt/lakehouse/jobs/cdc_mirror.py",
                "--bootstrap-servers", "kafka-1:19092", "--topics", "dbserver1.public.users,mysqlserver1.sales.orders",
                "--primary-keys", '{"dbserver1.public.users":["id"]}', "--catalog", "minio", "--namespace", "cdc",
                "--checkpoint", "s3a://checkpoints/cdc-mirror", "--trigger-seconds", "5", "--job-name", "cdc-mirror",
                "--heartbeat-file", "/tmp/cdc-mirror.heartbeat",
            ]);
            assert.deepStrictEqual(s.env, { AWS_REGION: "us-east-1", PYTHONUNBUFFERED: "1" });
            assert.deepStrictEqual(s.healthcheck, {
                tests: ["CMD-SHELL", "test -f /tmp/cdc-mirror.heartbeat && test $(( $(date +%s) - $(stat -c %Y /tmp/cdc-mirror.heartbeat) )) -lt 60"],
                interval: "5s", timeout: "10s", retries: 24, startPeriod: "2m0s",
            });
            assert.deepStrictEqual(s.uploads.map((u) => u.file), [
                "/opt/spark/conf/spark-defaults.conf", "/opt/lakehouse/jobs/cdc_mirror.py", "/opt/lakehouse/jobs/cdc_lib.py"]);
            assert.strictEqual(s.uploads[0].content, [
                ...CATALOG_CONF,
                "spark.sql.shuffle.partitions 2",
                "spark.ui.enabled false",
                "spark.sql.adaptive.enabled false",
                "spark.sql.streaming.stopGracefullyOnShutdown true",
                "spark.hadoop.fs.s3a.endpoint http://minio:9000",
                "spark.hadoop.fs.s3a.endpoint.region us-east-1",
                "spark.hadoop.fs.s3a.path.style.access true",
                "spark.hadoop.fs.s3a.aws.credentials.provider org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                "spark.hadoop.fs.s3a.access.key ${S3_ACCESS_KEY}",
                "spark.hadoop.fs.s3a.secret.key ${S3_SECRET_KEY}",
                "spark.jars.packages org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0,org.apache.hadoop:hadoop-aws:3.4.1",
                "spark.jars.excludes com.amazonaws:aws-java-sdk-bundle",
                "spark.jars.ivy /tmp/.ivy2",
            ].join("\n") + "\n");
        });

        it("runs spark-submit of the job with the job files uploaded and cdc_lib shipped as --py-files", () => {
            const s = cdcJobSpec(specArgs());
            assert.deepStrictEqual(s.entrypoint, ["/opt/spark/bin/spark-submit"]);
            const cmd = s.command!;
            assert.strictEqual(argAfter(cmd, "--master"), "local[2]");
            assert.strictEqual(argAfter(cmd, "--driver-memory"), "1g");
            assert.strictEqual(argAfter(cmd, "--py-files"), `${CDC_JOB_DIR}/cdc_lib.py`);
            assert.ok(cmd.indexOf(`${CDC_JOB_DIR}/cdc_mirror.py`) > cmd.indexOf("--py-files"));
            assert.deepStrictEqual(s.uploads.map((u) => u.file), [
                "/opt/spark/conf/spark-defaults.conf", `${CDC_JOB_DIR}/cdc_mirror.py`, `${CDC_JOB_DIR}/cdc_lib.py`]);
            assert.strictEqual(s.role, "spark-job");
        });

        it("leaves --table-prefix out when the prefix is empty (Docker refuses an empty argument), passes it otherwise", () => {
            const plain = cdcJobCommand(specArgs({ tablePrefix: "" }));
            assert.strictEqual(plain.includes("--table-prefix"), false);
            assert.ok(!plain.includes(""), "no empty argument");
            assert.strictEqual(argAfter(cdcJobCommand(specArgs({ tablePrefix: "raw_" })), "--table-prefix"), "raw_");
        });

        it("passes topics, primary keys, catalog, namespace, trigger and checkpoint to the job", () => {
            const cmd = cdcJobCommand(specArgs());
            assert.strictEqual(argAfter(cmd, "--bootstrap-servers"), "kafka-1:19092");
            assert.strictEqual(argAfter(cmd, "--topics"), "dbserver1.public.users,mysqlserver1.sales.orders");
            assert.deepStrictEqual(JSON.parse(argAfter(cmd, "--primary-keys")!), { "dbserver1.public.users": ["id"] });
            assert.strictEqual(argAfter(cmd, "--catalog"), "minio");
            assert.strictEqual(argAfter(cmd, "--namespace"), "cdc");
            assert.strictEqual(argAfter(cmd, "--trigger-seconds"), "5");
            assert.strictEqual(argAfter(cmd, "--checkpoint"), "s3a://checkpoints/cdc-mirror");
            assert.strictEqual(argAfter(cdcJobCommand(specArgs({ jobName: "orders", checkpointBucket: "spark-state" })), "--checkpoint"), "s3a://spark-state/orders");
            assert.strictEqual(argAfter(cdcJobCommand(specArgs({ checkpointLocation: "s3a://warehouse/ckpt/x" })), "--checkpoint"), "s3a://warehouse/ckpt/x");
            assert.strictEqual(argAfter(cmd, "--heartbeat-file"), CDC_HEARTBEAT_FILE);
            const pattern = cdcJobCommand(specArgs({ topics: undefined, topicPattern: "dbserver1\\..*" }));
            assert.strictEqual(argAfter(pattern, "--topic-pattern"), "dbserver1\\..*");
            assert.strictEqual(pattern.includes("--topics"), false);
        });

        it("keeps the checkpoint on MinIO without a volume, and a local one on its own volume over the spark user's work dir", () => {
            assert.deepStrictEqual(cdcJobSpec(specArgs()).volumes, []);
            assert.deepStrictEqual(cdcJobSpec(specArgs({ checkpointLocation: "s3a://warehouse/ckpt" })).volumes, []);
            const local = cdcJobSpec(specArgs({ checkpointLocation: "/opt/spark/work-dir/checkpoints/cdc-mirror" }));
            assert.deepStrictEqual(local.volumes, [{ role: "checkpoints", containerPath: "/opt/spark/work-dir" }]);
            assert.strictEqual(argAfter(local.command!, "--checkpoint"), "/opt/spark/work-dir/checkpoints/cdc-mirror");
        });

        it("configures S3A for MinIO with the catalog's endpoint and key pair, only for an s3a:// checkpoint", () => {
            const conf = cdcJobSpec(specArgs()).uploads[0].content;
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.endpoint http:\/\/minio:9000$/m);
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.path\.style\.access true$/m);
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.endpoint\.region us-east-1$/m);
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.aws\.credentials\.provider org\.apache\.hadoop\.fs\.s3a\.SimpleAWSCredentialsProvider$/m);
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.access\.key \$\{S3_ACCESS_KEY\}$/m);
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.secret\.key \$\{S3_SECRET_KEY\}$/m);
            const local = cdcJobSpec(specArgs({ checkpointLocation: "/opt/spark/work-dir/ckpt" })).uploads[0].content;
            assert.doesNotMatch(local, /fs\.s3a/);
        });

        it("splits an s3a:// location into bucket and key prefix", () => {
            assert.deepStrictEqual(parseS3aLocation("s3a://checkpoints/cdc-mirror"), { bucket: "checkpoints", prefix: "cdc-mirror" });
            assert.deepStrictEqual(parseS3aLocation("s3a://warehouse/a/b/"), { bucket: "warehouse", prefix: "a/b" });
            for (const bad of ["s3a://checkpoints", "s3a://checkpoints/", "s3a://b//x", "s3://b/x", "/opt/spark/work-dir/x"]) {
                assert.strictEqual(parseS3aLocation(bad), undefined, bad);
            }
        });

        it("proves the stream is alive with a heartbeat the job rewrites while its query runs", () => {
            const hc = cdcJobSpec(specArgs()).healthcheck;
            assert.strictEqual(hc.tests[0], "CMD-SHELL");
            assert.match(hc.tests[1], new RegExp(`test -f ${CDC_HEARTBEAT_FILE}`));
            assert.match(hc.tests[1], /stat -c %Y/);
        });

        it("writes the catalog settings with secret placeholders, small and without UI", () => {
            const conf = cdcJobSpec(specArgs()).uploads[0].content;
            assert.match(conf, /spark\.sql\.catalog\.minio\.uri http:\/\/iceberg-rest:8181/);
            assert.match(conf, /spark\.sql\.catalog\.minio\.s3\.secret-access-key \$\{S3_SECRET_KEY\}/);
            assert.match(conf, /spark\.sql\.shuffle\.partitions 2/);
            assert.match(conf, /spark\.ui\.enabled false/);
            assert.doesNotMatch(conf, /spark\.jars\.(packages|excludes)/);
            const official = cdcJobSpec(specArgs({ packages: ["org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0"] })).uploads[0].content;
            assert.match(official, /spark\.jars\.packages org\.apache\.iceberg:iceberg-spark-runtime-4\.1_2\.13:1\.11\.0/);
            assert.doesNotMatch(official, /spark\.jars\.excludes/);
            const excluded = cdcJobSpec(specArgs({ packages: ["a:b:1"], packageExcludes: ["software.amazon.awssdk:bundle", "x:y"] })).uploads[0].content;
            assert.match(excluded, /^spark\.jars\.excludes software\.amazon\.awssdk:bundle,x:y$/m);
        });

        for (const [what, over, message] of [
            ["both topics and a pattern", { topicPattern: "x.*" }, /cdcJob\.topics: give either topics or topicPattern/],
            ["neither topics nor a pattern", { topics: [] }, /cdcJob\.topics/],
            ["a namespace that is not an identifier", { namespace: "cdc-x" }, /cdcJob\.namespace/],
            ["a zero trigger", { triggerSeconds: 0 }, /cdcJob\.triggerSeconds/],
            ["no parallel topic", { parallelTopics: 0 }, /^SpecError: cdcJob\.parallelTopics: must be a whole number from 1 to 64, got 0$/],
            ["a fraction of a parallel topic", { parallelTopics: 1.5 }, /cdcJob\.parallelTopics: must be a whole number from 1 to 64, got 1\.5/],
            ["a driver memory Spark cannot read", { driverMemory: "lots" }, /cdcJob\.driverMemory/],
            ["an s3a checkpoint without a path", { checkpointLocation: "s3a://checkpoints" }, /cdcJob\.checkpointLocation: must look like s3a:\/\/<bucket>\/<path>/],
            ["an s3a checkpoint with an empty path segment", { checkpointLocation: "s3a://checkpoints//x" }, /cdcJob\.checkpointLocation: must look like s3a:/],
            ["an s3a checkpoint in a bucket S3 would refuse", { checkpointLocation: "s3a://Bad_Bucket/x" }, /cdcJob\.checkpointLocation: must be a valid S3 bucket name/],
            ["another scheme", { checkpointLocation: "s3://checkpoints/x" }, /cdcJob\.checkpointLocation: must be s3a:\/\/<bucket>\/<path> on MinIO or a path under \/opt\/spark\/work-dir\//],
            ["a local checkpoint off the job's volume", { checkpointLocation: "/data/ckpt" }, /cdcJob\.checkpointLocation: .*under \/opt\/spark\/work-dir\//],
            ["a local checkpoint that climbs out of the volume", { checkpointLocation: "/opt/spark/work-dir/../ckpt" }, /cdcJob\.checkpointLocation/],
            ["the volume's root as the checkpoint", { checkpointLocation: "/opt/spark/work-dir/" }, /cdcJob\.checkpointLocation/],
            ["a checkpoint bucket S3 would refuse", { checkpointBucket: "ck" }, /cdcJob\.checkpointBucket: must be a valid S3 bucket name/],
            ["an empty primary key", { primaryKeys: { "a.b": [] } }, /cdcJob\.primaryKeys\.a\.b/],
            ["a job name with spaces", { jobName: "my job" }, /cdcJob\.jobName/],
            ["removed tables neither kept nor dropped", { removedTables: "purge" as never }, /cdcJob\.removedTables: must be one of keep, drop, got "purge"/],
            ["dropping removed tables with a topic pattern", { topics: undefined, topicPattern: "x.*", removedTables: "drop" },
                /cdcJob\.removedTables: "drop" needs topics, not topicPattern/],
        ] as [string, Partial<CdcJobSpecArgs>, RegExp][]) {
            it(`rejects ${what}`, () => assert.throws(() => cdcJobSpec(specArgs(over)), message));
        }

        it("turns the test hooks on only when asked (lakehouse:cdcTestHooks): CDC_TEST_HOOKS=1 and the kill file", () => {
            assert.deepStrictEqual(cdcJobSpec(specArgs()).env, { AWS_REGION: "us-east-1", PYTHONUNBUFFERED: "1" });
            assert.deepStrictEqual(cdcJobSpec(specArgs({ testHooks: true })).env,
                { AWS_REGION: "us-east-1", PYTHONUNBUFFERED: "1", CDC_TEST_HOOKS: "1", CDC_TEST_KILL_FILE: "/tmp/cdc-test-kill.json" });
            assert.deepStrictEqual(lakehouseArgsFromConfig({ cdcTestHooks: true }).cdcJob, { testHooks: true });
            assert.strictEqual("cdcJob" in lakehouseArgsFromConfig({}), false);
        });

        it("passes --removed-tables drop only for drop: keep, the job's default, leaves the command as it was", () => {
            const before = cdcJobCommand(specArgs());
            assert.deepStrictEqual(cdcJobCommand(specArgs({ removedTables: "keep" })), before);
            assert.strictEqual(before.includes("--removed-tables"), false);
            const drop = cdcJobCommand(specArgs({ removedTables: "drop" }));
            assert.strictEqual(argAfter(drop, "--removed-tables"), "drop");
            assert.deepStrictEqual(drop.filter((x) => x !== "--removed-tables" && x !== "drop"), before);
        });

        it("stack config: lakehouse:cdcRemovedTables reaches the job's args; any other value is refused", () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setConfig("lakehouse:cdcRemovedTables", "drop");
                assert.deepStrictEqual(lakehouseArgsFromConfig(readLakehouseConfig()).cdcJob, { removedTables: "drop" });
                pulumi.runtime.setConfig("lakehouse:cdcTestHooks", "true");
                assert.deepStrictEqual(lakehouseArgsFromConfig(readLakehouseConfig()).cdcJob, { testHooks: true, removedTables: "drop" });
                pulumi.runtime.setConfig("lakehouse:cdcRemovedTables", "purge");
                assert.throws(() => readLakehouseConfig(), /^Error: lakehouse:cdcRemovedTables must be one of keep, drop, got "purge"$/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
            assert.strictEqual("cdcJob" in lakehouseArgsFromConfig(readLakehouseConfig()), false);
        });

        it("stack config: lakehouse:cdcTriggerSeconds reaches the job's args; a value that is no number is refused", () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setConfig("lakehouse:cdcTriggerSeconds", "1");
                assert.deepStrictEqual(lakehouseArgsFromConfig(readLakehouseConfig()).cdcJob, { triggerSeconds: 1 });
                pulumi.runtime.setConfig("lakehouse:cdcTriggerSeconds", "soon");
                assert.throws(() => readLakehouseConfig(), /cdcTriggerSeconds/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
        });

        it("reads both job files from the repository's jobs folder", () => {
            const files = readCdcJobFiles();
            assert.deepStrictEqual(Object.keys(files).sort(), [...CDC_JOB_FILES].sort());
            assert.match(files["cdc_mirror.py"], /foreachBatch/);
            assert.match(files["cdc_lib.py"], /def parse_envelope/);
        });
    });

    describe("CdcMirrorJob (mocks)", () => {
        let r: RecordedResource[];
        let component: CdcMirrorJob;
        before(async () => {
            r = await construct(() => {
                const kafka = new KafkaCluster("kafka", { ...net });
                const storage = new ObjectStorage("s3", { ...net });
                const catalog = new IcebergCatalog("cat", { ...net, storage });
                component = new CdcMirrorJob("cdc", { ...net, kafka, storage, catalog, topics: ["dbserver1.public.users"], imageSet: "local" });
            });
        });

        it("makes one spark-job container with the job files and a secret catalog file", () => {
            const job = named(r, "cdc-container");
            assert.strictEqual(named(r, "cdc").type, "lakehouse:compute:CdcMirrorJob");
            assert.strictEqual(job.parent, "cdc");
            assert.strictEqual(job.inputs.name, "lakehouse-cdc-mirror");
            assert.strictEqual(job.inputs.image, "pulumi-lakehouse/spark:4.1.3");
            assert.strictEqual(labelOf(job, "lakehouse.role"), "spark-job");
            assert.strictEqual(job.inputs.wait, true);
            const conf = job.inputs.uploads.find((u: any) => u.file.endsWith("spark-defaults.conf"));
            assert.match(conf.content, new RegExp(`s3\\.secret-access-key ${MOCK_GENERATED}`));
            assert.strictEqual(isSecret(job, "uploads"), true);
            const mirror = job.inputs.uploads.find((u: any) => u.file === `${CDC_JOB_DIR}/cdc_mirror.py`);
            assert.match(mirror.content, /def main/);
            assert.deepStrictEqual(job.inputs.volumes, []);
            assert.strictEqual(ofType(r, "docker:index/volume:Volume").filter((v) => v.name.startsWith("cdc-")).length, 0);
        });

        it("checkpoints to the storage's checkpoint bucket on MinIO through S3A, with the secret filled in", () => {
            const job = named(r, "cdc-container");
            assert.strictEqual(argAfter(job.inputs.command, "--checkpoint"), "s3a://checkpoints/cdc-mirror");
            assert.strictEqual(component.checkpointLocation, "s3a://checkpoints/cdc-mirror");
            const conf = job.inputs.uploads.find((u: any) => u.file.endsWith("spark-defaults.conf")).content;
            assert.match(conf, /^spark\.hadoop\.fs\.s3a\.endpoint http:\/\/minio:9000$/m);
            assert.match(conf, new RegExp(`^spark\\.hadoop\\.fs\\.s3a\\.secret\\.key ${MOCK_GENERATED}$`, "m"));
            assert.doesNotMatch(conf, /\$\{S3_/);
        });

        it("starts after the catalog, MinIO, the checkpoint bucket and every broker", () => {
            const deps = named(r, "cdc-container").dependsOn;
            for (const d of ["cat-container", "s3-container", "s3-bucket-checkpoints", "kafka-broker-1"]) assert.ok(deps.includes(d), `${d} in ${deps}`);
        });

        it("fetches hadoop-aws with the official image, without the AWS SDK bundle, for an s3a:// checkpoint only", async () => {
            const confOf = (records: RecordedResource[]) =>
                named(records, "cdc-container").inputs.uploads.find((u: any) => u.file.endsWith("spark-defaults.conf")).content as string;
            const build = (over: object) => construct(() => {
                const kafka = new KafkaCluster("kafka", { ...net });
                const storage = new ObjectStorage("s3", { ...net });
                const catalog = new IcebergCatalog("cat", { ...net, storage });
                new CdcMirrorJob("cdc", { ...net, kafka, storage, catalog, topics: ["dbserver1.public.users"], ...over });
            });
            const official = confOf(await build({ imageSet: "official" }));
            const packages = /^spark\.jars\.packages (.*)$/m.exec(official)![1].split(",");
            for (const p of sparkS3aPackages()) assert.ok(packages.includes(p), `${p} in ${packages}`);
            assert.ok(packages.includes("org.apache.hadoop:hadoop-aws:3.4.2"), packages.join(","));
            assert.ok(packages.includes("software.amazon.awssdk:s3-transfer-manager:2.44.4"), packages.join(","));
            const excludes = /^spark\.jars\.excludes (.*)$/m.exec(official)![1].split(",");
            assert.deepStrictEqual(excludes, [...S3A_PACKAGE_EXCLUDES]);
            assert.ok(excludes.includes("software.amazon.awssdk:bundle"));
            const local = await build({ imageSet: "official", checkpointLocation: "/opt/spark/work-dir/checkpoints/cdc-mirror" });
            assert.doesNotMatch(confOf(local), /hadoop-aws|spark\.jars\.excludes|fs\.s3a/);
            assert.deepStrictEqual(named(local, "cdc-container").inputs.volumes.map((v: any) => v.volumeName), ["lakehouse-cdc-mirror-checkpoints"]);
            assert.ok(named(local, "cdc-container").dependsOn.includes("cdc-container-checkpoints"));
        });

        /** Constructs the job with `over` beside a Kafka, MinIO and catalog; the error it threw and what was recorded. */
        async function constructJob(over: Partial<CdcMirrorJobArgs>): Promise<{ error?: Error; records: RecordedResource[] }> {
            let error: Error | undefined;
            const records = await construct(() => {
                const kafka = new KafkaCluster("kafka", { ...net });
                const storage = new ObjectStorage("s3", { ...net });
                const catalog = new IcebergCatalog("cat", { ...net, storage });
                try {
                    new CdcMirrorJob("cdc", { ...net, kafka, storage, catalog, topics: ["a.b.c"], ...over });
                } catch (e) { error = e as Error; }
            });
            return { error, records };
        }

        it("fails at construction when an s3a:// checkpoint is in a bucket the storage does not make", async () => {
            const { error } = await constructJob({ checkpointLocation: "s3a://elsewhere/ckpt" });
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error!.message, /cdc: invalid checkpointLocation: bucket elsewhere is not one of the storage's buckets \(warehouse, checkpoints, spark-test\)/);
        });

        it("fails at construction, naming the field, for removedTables other than keep or drop", async () => {
            const { error, records } = await constructJob({ removedTables: "delete" as never });
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error!.message, /^cdc: invalid cdcJob\.removedTables: must be one of keep, drop, got "delete"$/);
            assert.strictEqual(records.filter((x) => x.name.startsWith("cdc-")).length, 0);
        });

        it("fails at construction, naming the field, when both topics and a pattern are given", async () => {
            const { error, records } = await constructJob({ topicPattern: "a\\..*" });
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error!.message, /cdc: invalid topics: give either topics or topicPattern/);
            assert.strictEqual(records.filter((x) => x.name.startsWith("cdc-")).length, 0);
        });
    });

    describe("in Lakehouse", () => {
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new Lakehouse("lh", { imageSet: "local" })); });

        it("mirrors every captured table with its declared primary key", () => {
            const cmd: string[] = named(r, "lh-cdc-job-container").inputs.command;
            assert.strictEqual(argAfter(cmd, "--topics"), "dbserver1.public.users,mysqlserver1.sales.orders,mysqlserver1.hr.employees");
            assert.deepStrictEqual(JSON.parse(argAfter(cmd, "--primary-keys")!), {
                "dbserver1.public.users": ["id"], "mysqlserver1.sales.orders": ["id"], "mysqlserver1.hr.employees": ["id"],
            });
            assert.strictEqual(argAfter(cmd, "--bootstrap-servers"), "kafka-1:19092");
        });

        it("starts the job after the connectors, the topics, the catalog and MinIO", () => {
            const deps = named(r, "lh-cdc-job-container").dependsOn;
            for (const d of ["lh-postgres-connector", "lh-mysql-connector", "lh-topics", "lh-catalog-container", "lh-storage-container"]) {
                assert.ok(deps.includes(d), `${d} not in ${deps.join(", ")}`);
            }
            assert.strictEqual(named(r, "lh-cdc-job").parent, "lh");
        });

        it("follows the topic prefixes and can be switched off", async () => {
            const renamed = await construct(() => new Lakehouse("lh", { topicPrefixes: { postgres: "pg" }, mysql: false }));
            assert.strictEqual(argAfter(named(renamed, "lh-cdc-job-container").inputs.command, "--topics"), "pg.public.users");
            const off = await construct(() => new Lakehouse("lh", { cdcJob: false }));
            assert.strictEqual(ofType(off, "lakehouse:compute:CdcMirrorJob").length, 0);
            const none = await construct(() => new Lakehouse("lh", { postgres: false, mysql: false }));
            assert.strictEqual(ofType(none, "lakehouse:compute:CdcMirrorJob").length, 0);
        });

        it("keeps removed tables by default (no flag) and passes drop to the job when asked", async () => {
            assert.strictEqual(named(r, "lh-cdc-job-container").inputs.command.includes("--removed-tables"), false);
            const drop = await construct(() => new Lakehouse("lh", { imageSet: "local", ...lakehouseArgsFromConfig({ cdcRemovedTables: "drop" }) }));
            assert.strictEqual(argAfter(named(drop, "lh-cdc-job-container").inputs.command, "--removed-tables"), "drop");
        });

        it("passes lakehouse:cdcTriggerSeconds to the job as --trigger-seconds (5 by default), and refuses 0 at construction", async () => {
            assert.strictEqual(argAfter(named(r, "lh-cdc-job-container").inputs.command, "--trigger-seconds"), "5");
            const fast = await construct(() => new Lakehouse("lh", { imageSet: "local", ...lakehouseArgsFromConfig({ cdcTriggerSeconds: 1 }) }));
            assert.strictEqual(argAfter(named(fast, "lh-cdc-job-container").inputs.command, "--trigger-seconds"), "1");
            await assert.rejects(construct(() => new Lakehouse("lh", { imageSet: "local", ...lakehouseArgsFromConfig({ cdcTriggerSeconds: 0 }) })),
                /triggerSeconds: must be more than 0 and at most 3600, got 0/);
        });

        it("passes lakehouse:cdcParallelTopics to the job as --parallel-topics only when set, and refuses 0 at construction", async () => {
            assert.strictEqual(named(r, "lh-cdc-job-container").inputs.command.includes("--parallel-topics"), false);
            const one = await construct(() => new Lakehouse("lh", { imageSet: "local", ...lakehouseArgsFromConfig({ cdcParallelTopics: 1 }) }));
            assert.strictEqual(argAfter(named(one, "lh-cdc-job-container").inputs.command, "--parallel-topics"), "1");
            await assert.rejects(construct(() => new Lakehouse("lh", { imageSet: "local", ...lakehouseArgsFromConfig({ cdcParallelTopics: 0 }) })),
                /parallelTopics: must be a whole number from 1 to 64, got 0/);
        });

        it("takes the user's settings over the defaults, and a pattern instead of the topic list", async () => {
            const custom = await construct(() => new Lakehouse("lh", { cdcJob: { namespace: "mirror", triggerSeconds: 2, topicPattern: "dbserver1\\..*" } }));
            const cmd: string[] = named(custom, "lh-cdc-job-container").inputs.command;
            assert.strictEqual(argAfter(cmd, "--namespace"), "mirror");
            assert.strictEqual(argAfter(cmd, "--trigger-seconds"), "2");
            assert.strictEqual(argAfter(cmd, "--topic-pattern"), "dbserver1\\..*");
            assert.strictEqual(ofType(custom, CONTAINER).filter((c) => labelOf(c, "lakehouse.role") === "spark-job").length, 1);
        });
    });
});
