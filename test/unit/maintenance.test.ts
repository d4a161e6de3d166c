// Table maintenance: its pure spec builder, and the component and its wiring into Lakehouse under mocks.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Lakehouse, lakehouseArgsFromConfig } from "../../components";
import {
    MAINTENANCE_JOB_DIR, MaintenanceSpecArgs, maintenanceSpec, readMaintenanceJobFiles,
} from "../../components/specs/maintenance";
import { RecordedResource, construct, labelOf, named, ofType } from "./support/mocks";
import { CATALOG_CONF } from "./support/expected";

const CONTAINER = "docker:index/container:Container";

function specArgs(over: Partial<MaintenanceSpecArgs> = {}): MaintenanceSpecArgs {
    return {
        image: "pulumi-lakehouse/spark:4.1.1", hostname: "maintenance",
        catalog: { catalogName: "minio", catalogUri: "http://iceberg-rest:8181", warehouse: "s3://warehouse/", s3Endpoint: "http://minio:9000" },
        namespaces: ["cdc"], tables: ["test_db.iceberg_table"], policy: {}, tablePolicies: {},
        intervalSeconds: 1800, orphanIntervalSeconds: 86400, master: "local[1]", driverMemory: "768m", packages: [],
        jobFiles: { "maintenance.py": "# job", "maintenance_lib.py": "# lib" },
        ...over,
    };
}

function argAfter(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i < 0 ? undefined : args[i + 1];
}

async function constructFails(build: () => unknown): Promise<{ error: Error; records: RecordedResource[] }> {
    let error: Error | undefined;
    const records = await construct(() => {
        try { build(); } catch (e) { error = e as Error; }
    });
    assert.ok(error, "construction should have failed");
    return { error: error!, records };
}

describe("Table maintenance", () => {
    describe("maintenanceSpec (pure)", () => {
        it("renders exactly the container deployed stacks have (command, env, healthcheck, spark-defaults written out)", () => {
            // Pinned so a refactor of the builders shows no diff on deployed stacks.
            const s = maintenanceSpec(specArgs({ packages: ["org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0"] }));
            assert.deepStrictEqual(s.entrypoint, ["/opt/spark/bin/spark-submit"]);
            assert.deepStrictEqual(s.command, [
                "--master", "local[1]", "--driver-memory", "768m", "--name", "lakehouse-maintenance",
                "--py-files", "/opt/lakehouse/maintenance/maintenance_lib.py", "/opt/lakehouse/maintenance/maintenance.py",
                "--catalog", "minio", "--namespaces", "cdc", "--tables", "test_db.iceberg_table",
                "--policy", '{"default":{"enabled":true,"compact":true,"targetFileSizeBytes":134217728,"minInputFiles":5,"rewriteManifests":true,'
                    + '"expireSnapshots":true,"snapshotRetentionMinutes":60,"retainLast":10,"removeOrphanFiles":true,"orphanOlderThanHours":72,'
                    + '"metadataPreviousVersionsMax":20},"tables":{}}',
                "--interval-seconds", "1800", "--orphan-interval-seconds", "86400", "--runs-table", "lakehouse_ops.maintenance_runs",
                "--heartbeat-file", "/tmp/maintenance.heartbeat",
            ]);
            assert.deepStrictEqual(s.env, { AWS_REGION: "us-east-1", PYTHONUNBUFFERED: "1", TZ: "UTC" });
            assert.deepStrictEqual(s.healthcheck, {
                tests: ["CMD-SHELL", "test -f /tmp/maintenance.heartbeat && test $(( $(date +%s) - $(stat -c %Y /tmp/maintenance.heartbeat) )) -lt 60"],
                interval: "5s", timeout: "10s", retries: 24, startPeriod: "2m0s",
            });
            assert.deepStrictEqual(s.uploads.map((u) => u.file), [
                "/opt/spark/conf/spark-defaults.conf", "/opt/lakehouse/maintenance/maintenance.py", "/opt/lakehouse/maintenance/maintenance_lib.py"]);
            assert.strictEqual(s.uploads[0].content, [
                ...CATALOG_CONF,
                "spark.sql.shuffle.partitions 2",
                "spark.ui.enabled false",
                "spark.sql.session.timeZone UTC",
                "spark.default.parallelism 1",
                "spark.jars.packages org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0",
                "spark.jars.ivy /tmp/.ivy2",
            ].join("\n") + "\n");
            assert.deepStrictEqual([s.role, s.hostname, s.ports, s.volumes, s.secretEnv], ["table-maintenance", "maintenance", [], [], {}]);
        });

        it("runs spark-submit of jobs/maintenance.py on one core with the documented defaults in its policy", () => {
            const s = maintenanceSpec(specArgs());
            assert.deepStrictEqual(s.entrypoint, ["/opt/spark/bin/spark-submit"]);
            const cmd = s.command!;
            assert.strictEqual(argAfter(cmd, "--master"), "local[1]");
            assert.strictEqual(argAfter(cmd, "--py-files"), `${MAINTENANCE_JOB_DIR}/maintenance_lib.py`);
            assert.strictEqual(argAfter(cmd, "--namespaces"), "cdc");
            assert.strictEqual(argAfter(cmd, "--tables"), "test_db.iceberg_table");
            assert.strictEqual(argAfter(cmd, "--interval-seconds"), "1800");
            assert.strictEqual(argAfter(cmd, "--runs-table"), "lakehouse_ops.maintenance_runs");
            const policy = JSON.parse(argAfter(cmd, "--policy")!);
            // The documented defaults (docs/maintenance.md): 60 min / last 10 snapshots, orphans older than 72 h.
            assert.strictEqual(policy.default.snapshotRetentionMinutes, 60);
            assert.strictEqual(policy.default.retainLast, 10);
            assert.strictEqual(policy.default.orphanOlderThanHours, 72);
            assert.strictEqual(policy.default.minInputFiles, 5);
            assert.strictEqual(policy.default.changelogRetentionDays, undefined);
            assert.strictEqual(s.role, "table-maintenance");
            assert.match(s.uploads[0].content, /^spark\.sql\.session\.timeZone UTC$/m);
        });

        it("the job files the component uploads are the repository's", () => {
            const files = readMaintenanceJobFiles();
            assert.match(files["maintenance.py"], /rewrite_data_files/);
            assert.match(files["maintenance_lib.py"], /expire_snapshots|retain_last/);
        });

        const bad: [string, Partial<MaintenanceSpecArgs>, RegExp][] = [
            ["retainLast below 5", { policy: { retainLast: 2 } }, /maintenance\.policy\.retainLast: must be a whole number from 5/],
            ["orphans younger than an hour", { policy: { orphanOlderThanHours: 0 } }, /orphanOlderThanHours: must be a whole number from 1/],
            ["an unknown setting", { tablePolicies: { users: { retain: 3 } as never } }, /maintenance\.tablePolicies\.users\.retain: unknown setting/],
            ["a fractional retention", { policy: { changelogRetentionDays: 1.5 } }, /changelogRetentionDays: must be a whole number from 1/],
            ["an interval under 10 s", { intervalSeconds: 5 }, /maintenance\.intervalSeconds/],
            ["orphan sweeps more often than passes", { orphanIntervalSeconds: 60 }, /maintenance\.orphanIntervalSeconds: must be a whole number of at least intervalSeconds \(1800\)/],
            ["a table without namespace", { tables: ["users"] }, /maintenance\.tables\[0\]: must be namespace\.table/],
        ];
        for (const [what, over, message] of bad) {
            it(`rejects ${what}`, () => assert.throws(() => maintenanceSpec(specArgs(over)), message));
        }
    });

    describe("in Lakehouse", function () {
        // Whole Lakehouse components under mocks: seconds each, more on a loaded machine.
        this.timeout(60_000);
        let r: RecordedResource[];
        before(async () => { r = await construct(() => new Lakehouse("lh", { imageSet: "local" })); });

        it("is on by default over the CDC namespace and the seed's table, after the CDC job", () => {
            const c = named(r, "lh-maintenance-container");
            assert.strictEqual(c.inputs.name, "lakehouse-maintenance");
            assert.strictEqual(labelOf(c, "lakehouse.role"), "table-maintenance");
            assert.strictEqual(argAfter(c.inputs.command, "--namespaces"), "cdc");
            assert.strictEqual(argAfter(c.inputs.command, "--tables"), "test_db.iceberg_table");
            assert.ok(c.dependsOn.includes("lh-cdc-job-container"), c.dependsOn.join(","));
        });

        it("follows the CDC job's namespace, takes per-table policies and a cadence, and can be turned off", async () => {
            const custom = await construct(() => new Lakehouse("lh", {
                cdcJob: { namespace: "mirror" },
                maintenance: { intervalSeconds: 60, tablePolicies: { dbserver1_public_users_changelog: { changelogRetentionDays: 30 } } },
            }));
            const cmd: string[] = named(custom, "lh-maintenance-container").inputs.command;
            assert.strictEqual(argAfter(cmd, "--namespaces"), "mirror");
            assert.strictEqual(argAfter(cmd, "--interval-seconds"), "60");
            assert.deepStrictEqual(JSON.parse(argAfter(cmd, "--policy")!).tables, { dbserver1_public_users_changelog: { changelogRetentionDays: 30 } });
            const off = await construct(() => new Lakehouse("lh", { maintenance: false }));
            assert.strictEqual(ofType(off, "lakehouse:compute:TableMaintenance").length, 0);
        });

        it("fails at construction with a ResourceError naming the field, and creates no container", async () => {
            const { error, records } = await constructFails(() => new Lakehouse("lh", { maintenance: { policy: { retainLast: 1 } } }));
            assert.ok(error instanceof pulumi.ResourceError);
            assert.match(error.message, /lh-maintenance: invalid maintenance\.policy\.retainLast: must be a whole number from 5/);
            assert.strictEqual(ofType(records, CONTAINER).filter((c) => c.inputs.name === "lakehouse-maintenance").length, 0);
        });

        it("stack config: lakehouse:maintenance false turns it off; changelogRetentionDays lands in the policy", () => {
            assert.strictEqual(lakehouseArgsFromConfig({ maintenance: false }).maintenance, false);
            const on = lakehouseArgsFromConfig({ changelogRetentionDays: 90, maintenanceIntervalSeconds: 600 });
            assert.deepStrictEqual(on.maintenance, { intervalSeconds: 600, policy: { changelogRetentionDays: 90 }, tablePolicies: undefined });
        });
    });
});
