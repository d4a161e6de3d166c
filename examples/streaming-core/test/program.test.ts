// The streaming-core stack under mocks: Kafka, Connect and MinIO only, on one or three brokers.
import * as assert from "assert";
import * as path from "path";
import { CONTAINER, Recorded, envOf, named, ofType, record, runFile } from "../../support/recorder";

const PROJECT = "lakehouse-streaming-core";
const program = runFile(path.join(__dirname, "..", "index.ts"));

describe("example streaming-core", () => {
    let one: Recorded[];
    let three: Recorded[];
    before(async () => {
        one = await record(PROJECT, {}, program);
        three = await record(PROJECT, { [`${PROJECT}:brokerCount`]: "3" }, program);
    });

    it("imports pulumi-lakehouse from the installed package's dist, as another team would", () => {
        assert.match(require.resolve("pulumi-lakehouse"), /examples\/node_modules\/pulumi-lakehouse\/dist\/components\/index\.js$/);
    });

    it("runs Kafka, Connect and MinIO and nothing else", () => {
        assert.deepStrictEqual(ofType(one, CONTAINER).map((c) => c.inputs.name).sort(),
            ["streaming-connect", "streaming-kafka-1", "streaming-minio"]);
        assert.deepStrictEqual(ofType(one, "docker:index/network:Network").map((n) => n.inputs.name), ["streaming-net"]);
        const components = one.filter((r) => r.type.startsWith("lakehouse:")).map((r) => r.type).sort();
        assert.deepStrictEqual(components, [
            "lakehouse:connect:DebeziumConnect", "lakehouse:kafka:KafkaCluster", "lakehouse:network:Network",
            "lakehouse:storage:ObjectStorage",
        ]);
    });

    it("uses the pinned official images by default", () => {
        for (const c of ofType(one, CONTAINER)) assert.doesNotMatch(c.inputs.image, /^pulumi-lakehouse\/|:latest$/, c.name);
    });

    it("creates the warehouse and checkpoints buckets (ObjectStorage's defaults) and the team's raw-events bucket", () => {
        assert.deepStrictEqual(ofType(one, "minio:index/s3Bucket:S3Bucket").map((b) => b.inputs.bucket).sort(), ["checkpoints", "raw-events", "warehouse"]);
    });

    it("derives Connect's storage replication from the broker count", () => {
        const rf = (rs: Recorded[]) => envOf(named(rs, "connect-container")).CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR;
        assert.strictEqual(rf(one), "1");
        assert.strictEqual(rf(three), "3");
        assert.strictEqual(ofType(three, CONTAINER).filter((c) => c.name.startsWith("kafka-broker-")).length, 3);
    });
});
