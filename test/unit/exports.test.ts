// The package's public entry: another team's stack imports these names from "pulumi-lakehouse", so
// dropping or renaming one is a breaking change. The snapshot below is the contract; when you add an
// export on purpose, add it here too (and to the README if it is a component).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as entry from "../../components";

const ROOT = path.resolve(__dirname, "../..");

/** Component and resource classes of the public entry. */
const CLASSES = [
    "CdcMirrorJob", "Connector", "DebeziumConnect", "IcebergCatalog", "KafkaCluster", "KafkaTopics", "Lakehouse",
    "LakehouseComponent", "MySqlSource", "Network", "ObjectStorage", "PostgresSource", "Spark", "TableMaintenance", "Trino",
];

/** Config and spec builders and helpers of the public entry. */
const FUNCTIONS = [
    "cdcSecretFile", "cdcTopics", "consumerPolicy", "createConnectorProvider", "definedOnly", "diffConnector", "imageFor", "imagesFor",
    "lakehouseArgsFromConfig", "minioConsumer", "mySqlConnector", "postgresConnector", "readLakehouseConfig", "resolveService",
    "resolveTopic", "schemaHistoryTopic", "secretDigest", "signalTopics", "sourceKinds", "sparkPackages", "sparkS3aPackages", "tableTopic", "validateInputs",
];

function isClass(value: unknown): boolean {
    return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function exported(kind: (v: unknown) => boolean): string[] {
    return Object.entries(entry).filter(([, v]) => kind(v)).map(([k]) => k).sort();
}

describe("public entry (components/index.ts -> dist/components/index.js)", () => {
    it("exports exactly the snapshotted component classes", () => {
        assert.deepStrictEqual(exported(isClass), [...CLASSES].sort(),
            "the entry's classes changed: a dropped class breaks other teams' stacks; update the snapshot only for an intended change");
    });

    it("exports exactly the snapshotted config builders and helper functions", () => {
        assert.deepStrictEqual(exported((v) => typeof v === "function" && !isClass(v)), [...FUNCTIONS].sort(),
            "the entry's functions changed: a dropped builder breaks other teams' stacks; update the snapshot only for an intended change");
    });

    it("keeps the spec builders under the `specs` namespace", () => {
        assert.strictEqual(typeof entry.specs, "object");
        assert.ok(Object.values(entry.specs).some((v) => typeof v === "function"), "specs exports no builder");
    });

    it("points package.json main, types and exports at the compiled entry the build emits", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const build = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8"));
        assert.strictEqual(pkg.main, "dist/components/index.js");
        assert.strictEqual(pkg.types, "dist/components/index.d.ts");
        assert.deepStrictEqual(pkg.exports["."], {
            types: "./dist/components/index.d.ts",
            default: "./dist/components/index.js",
        });
        // rootDir "." and outDir "dist" are what put components/index.ts at dist/components/index.js.
        assert.strictEqual(build.compilerOptions.rootDir, ".");
        assert.strictEqual(build.compilerOptions.outDir, "dist");
        assert.ok(build.include.includes("components/**/*.ts"));
        assert.ok(pkg.files.includes("dist/components") && pkg.files.includes("dist/versions.json"),
            "the published files must carry the compiled components and the versions file they read");
        assert.match(pkg.scripts.build, /tsconfig\.build\.json/);
    });
});
