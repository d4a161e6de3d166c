// examples/second-postgres under mocks: a second Postgres source added through Lakehouse's `sources`
// alone gets a container, a connector and topics of its own beside the built-in sources'.
import * as assert from "assert";
import * as path from "path";
import { CONNECTOR_CLASSES, ROLES, LABELS } from "../../components";
import { RecordedResource, construct, labelOf, ofType } from "./support/mocks";

const EXAMPLE = path.resolve(__dirname, "../../examples/second-postgres/index.ts");
const CONTAINER = "docker:index/container:Container";
const CONNECTOR = "pulumi-nodejs:dynamic/lakehouse:Connector";
const TOPIC = "kafka:index/topic:Topic";

describe("example second-postgres (a second Postgres source through the seam)", () => {
    let rs: RecordedResource[];
    before(async function () {
        this.timeout(60_000);
        rs = await construct(() => {
            delete require.cache[require.resolve(EXAMPLE)];
            require(EXAMPLE);
        });
    });

    const postgresConnectors = () => ofType(rs, CONNECTOR).filter((c) => c.inputs.config["connector.class"] === CONNECTOR_CLASSES.postgres);

    it("declares two Postgres containers with names of their own", () => {
        const names = ofType(rs, CONTAINER).filter((c) => labelOf(c, LABELS.role) === ROLES.postgres).map((c) => c.inputs.name).sort();
        assert.deepStrictEqual(names, ["orders-lakehouse-db-orders", "orders-lakehouse-db-postgres"]);
    });

    it("registers two Postgres connectors with distinct names, slots, databases and topic prefixes", () => {
        const configs = postgresConnectors().map((c) => c.inputs.config);
        assert.strictEqual(configs.length, 2);
        for (const key of ["topic.prefix", "slot.name", "publication.name", "database.hostname", "database.dbname", "database.password"]) {
            assert.notStrictEqual(configs[0][key], configs[1][key], `${key} must differ between the two connectors`);
        }
        assert.deepStrictEqual(postgresConnectors().map((c) => c.inputs.name).sort(), ["inventory-connector", "orders-connector"]);
    });

    it("declares the topics of both Postgres sources' tables and signaling tables", () => {
        const topics = ofType(rs, TOPIC).map((t) => t.inputs.name);
        for (const c of postgresConnectors()) {
            const prefix = c.inputs.config["topic.prefix"];
            for (const table of c.inputs.config["table.include.list"].split(",")) assert.ok(topics.includes(`${prefix}.${table}`), `${prefix}.${table}`);
            assert.ok(topics.includes(`${prefix}.${c.inputs.config["signal.data.collection"]}`), `${prefix}: signal topic`);
        }
        assert.ok(topics.includes("ordersdb.public.orders"));
    });

    it("mirrors the second source's table in the CDC job too", () => {
        const job = ofType(rs, CONTAINER).find((c) => (c.inputs.command ?? []).includes("--topics"))!;
        assert.ok(job.inputs.command[job.inputs.command.indexOf("--topics") + 1].split(",").includes("ordersdb.public.orders"));
    });
});
