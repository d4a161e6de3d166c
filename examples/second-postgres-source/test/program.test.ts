// The orders team's stack under mocks: two Postgres sources on one Kafka and Connect, each captured
// by its own connector with nothing shared that Debezium or Postgres needs to be unique.
import * as assert from "assert";
import * as path from "path";
import { CONNECTOR, CONTAINER, Recorded, named, ofType, record, runFile } from "../../support/recorder";

const PROJECT = "lakehouse-orders-cdc";

describe("example second-postgres-source", () => {
    let rs: Recorded[];
    before(async () => {
        rs = await record(PROJECT, { [`${PROJECT}:imageSet`]: "local" }, runFile(path.join(__dirname, "..", "index.ts")));
    });

    it("makes one network, one broker, one Connect worker and two Postgres containers", () => {
        assert.strictEqual(ofType(rs, "docker:index/network:Network").length, 1);
        const names = ofType(rs, CONTAINER).map((c) => c.inputs.name).sort();
        assert.deepStrictEqual(names, ["orders-cdc-connect", "orders-cdc-db-customers", "orders-cdc-db-orders", "orders-cdc-kafka-1"]);
        for (const c of ofType(rs, CONTAINER)) assert.match(c.inputs.image, /^pulumi-lakehouse\//, `${c.name} uses the local image set`);
    });

    it("publishes the two databases on different loopback ports", () => {
        const port = (name: string) => named(rs, `${name}-container`).inputs.ports.map((p: any) => `${p.ip}:${p.external}`);
        assert.deepStrictEqual(port("customers"), ["127.0.0.1:5432"]);
        assert.deepStrictEqual(port("orders"), ["127.0.0.1:5433"]);
    });

    it("captures each source with its own connector, slot, publication and topic prefix", () => {
        const connectors = ofType(rs, CONNECTOR);
        assert.deepStrictEqual(connectors.map((c) => c.name).sort(), ["customers-connector", "orders-connector"]);
        const customers = named(rs, "customers-connector").inputs.config;
        const orders = named(rs, "orders-connector").inputs.config;
        assert.strictEqual(customers["database.hostname"], "db-customers");
        assert.strictEqual(orders["database.hostname"], "db-orders");
        assert.strictEqual(orders["database.dbname"], "orders_db");
        assert.strictEqual(orders["table.include.list"], "public.orders");
        assert.strictEqual(orders["topic.prefix"], "orders");
        for (const key of ["slot.name", "publication.name", "topic.prefix"]) {
            assert.notStrictEqual(customers[key], orders[key], `${key} must differ between the two connectors`);
        }
        for (const c of connectors) {
            assert.strictEqual(c.inputs.connectUrl, "http://127.0.0.1:8083");
            assert.ok(!("database.password" in c.inputs.config), `${c.name} keeps the password out of config`);
            assert.ok(c.secretInputs.has("secretConfig"), `${c.name} sends the password as a secret`);
        }
    });

    it("registers each connector after Connect and after its own source's tables and grants", () => {
        const deps = named(rs, "orders-connector").dependsOn;
        assert.ok(deps.includes("connect-container"), deps.join());
        assert.ok(deps.includes("orders-cdc-role") && deps.includes("orders-table-public-orders"), deps.join());
        assert.ok(!deps.some((d) => d.startsWith("customers-")), "the orders connector does not wait for the customers source");
    });
});
