// The CdcSource seam: the registry of kinds, Lakehouse's loops over every source (topics, Connect
// secret files, connectors, the CDC job's topics, verify), `sources` validation and its stack config.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CdcSource, Lakehouse, LakehouseArgs, MySqlSource, PostgresSource, SOURCE_KINDS, cdcSecretFile, lakehouseArgsFromConfig,
    readLakehouseConfig, schemaHistoryTopic, sourceKinds, tableTopic,
} from "../../components";
import { RecordedResource, construct, named, ofType } from "./support/mocks";

const CONTAINER = "docker:index/container:Container";
const TOPIC = "kafka:index/topic:Topic";
const CONNECTOR = "pulumi-nodejs:dynamic/lakehouse:Connector";

const ORDERS_TABLE = {
    schema: "public", name: "orders",
    columns: [{ name: "id", type: "integer", notNull: true }, { name: "total", type: "numeric(12,2)" }],
    primaryKey: ["id"],
};
const SHOP_TABLE = { schema: "shop", name: "carts", columns: [{ name: "id", type: "int", notNull: true }], primaryKey: ["id"] };

/** Two further sources, one of each kind, beside the built-in two. */
const FOUR_SOURCES: LakehouseArgs = {
    sources: [
        { kind: "postgres", name: "orders", topicPrefix: "ordersdb", args: { database: "orders_db", hostPort: 5433, tables: [ORDERS_TABLE] } },
        { kind: "mysql", name: "shop", connector: { serverId: 184055 }, args: { hostPort: 3307, databases: ["shop"], serverId: 2, tables: [SHOP_TABLE] } },
    ],
};

async function lakehouse(args: LakehouseArgs): Promise<{ lh: Lakehouse; records: RecordedResource[] }> {
    let lh: Lakehouse | undefined;
    const records = await construct(() => { lh = new Lakehouse("lh", args); });
    return { lh: lh!, records };
}

async function constructionError(args: unknown): Promise<Error> {
    let error: Error | undefined;
    await construct(() => {
        try { new Lakehouse("lh", args as LakehouseArgs); } catch (e) { error = e as Error; }
    });
    assert.ok(error, "construction should have failed");
    assert.ok(error instanceof pulumi.ResourceError, `a ResourceError, got ${error}`);
    return error;
}

/** Resolves an Output under the mocks. */
function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => { resolve(v as T); return v; }));
}

describe("CdcSource seam", () => {
    describe("registry", () => {
        it("builds every registered kind into a source component whose kind is its key", async () => {
            assert.deepStrictEqual(sourceKinds().sort(), ["mysql", "postgres"]);
            const built: CdcSource[] = [];
            await construct(() => {
                for (const kind of sourceKinds()) built.push(SOURCE_KINDS[kind](`src-${kind}`, { network: "n", hostname: `db-${kind}` }, {}));
            });
            assert.deepStrictEqual(built.map((s) => s.kind), sourceKinds());
            assert.ok(built[sourceKinds().indexOf("postgres")] instanceof PostgresSource);
            assert.ok(built[sourceKinds().indexOf("mysql")] instanceof MySqlSource);
            for (const s of built) {
                assert.ok(s.tables.length > 0 && s.ready.length > 0 && s.sqlClient.length > 0, s.kind);
                assert.strictEqual(s.serverFacts.hostname, `db-${s.kind}`);
            }
        });

        it("gives each kind's topics: one per table, MySQL's schema history after them", async () => {
            let pg: PostgresSource | undefined;
            let my: MySqlSource | undefined;
            await construct(() => {
                pg = new PostgresSource("pg", { network: "n" });
                my = new MySqlSource("my", { network: "n" });
            });
            assert.deepStrictEqual(pg!.cdcTopics("p").map((t) => t.name), pg!.tables.map((t) => tableTopic("p", t)));
            const names = my!.cdcTopics("m").map((t) => t.name);
            assert.deepStrictEqual(names, [...my!.tables.map((t) => tableTopic("m", t)), schemaHistoryTopic("m")]);
            assert.strictEqual(my!.cdcTopics("m").at(-1)!.config!["retention.ms"], "-1");
        });
    });

    describe("Lakehouse loops over every source", () => {
        let lh: Lakehouse;
        let records: RecordedResource[];
        before(async function () {
            this.timeout(60_000);
            ({ lh, records } = await lakehouse(FOUR_SOURCES));
        });

        it("lists the built-in sources first, then the entries, each with its topic prefix", () => {
            assert.deepStrictEqual(lh.sources.map((s) => [s.name, s.source.kind, s.topicPrefix]), [
                ["postgres", "postgres", "dbserver1"], ["mysql", "mysql", "mysqlserver1"], ["orders", "postgres", "ordersdb"], ["shop", "mysql", "shop"],
            ]);
            assert.strictEqual(lh.topicPrefixes.orders, "ordersdb");
            assert.strictEqual(lh.topicPrefixes.shop, "shop", "the prefix defaults to the name");
        });

        it("builds each entry's component under the lakehouse, its container named from db-<name>", () => {
            assert.strictEqual(named(records, "lh-orders").type, "lakehouse:source:PostgresSource");
            assert.strictEqual(named(records, "lh-orders").parent, "lh");
            assert.strictEqual(named(records, "lh-shop").type, "lakehouse:source:MySqlSource");
            const names = ofType(records, CONTAINER).map((c) => c.inputs.name);
            assert.ok(names.includes("lakehouse-db-orders") && names.includes("lakehouse-db-shop"), names.join(", "));
        });

        it("declares the topics of every source's tables and signaling table, and each MySQL schema history", () => {
            const topics = ofType(records, TOPIC).map((t) => t.inputs.name);
            for (const s of lh.sources) {
                for (const t of s.source.tables) assert.ok(topics.includes(tableTopic(s.topicPrefix, t)), `${s.name}: ${tableTopic(s.topicPrefix, t)}`);
                assert.ok(topics.includes(`${s.topicPrefix}.${s.source.signalCollection}`), `${s.name}: signal topic`);
            }
            assert.ok(topics.includes(schemaHistoryTopic("mysqlserver1")) && topics.includes(schemaHistoryTopic("shop")));
        });

        it("registers one connector per source with its own prefix, name and Connect secret file", () => {
            const connectors = ofType(records, CONNECTOR);
            assert.strictEqual(connectors.length, 4);
            assert.deepStrictEqual(connectors.map((c) => c.inputs.config["topic.prefix"]).sort(), ["dbserver1", "mysqlserver1", "ordersdb", "shop"]);
            const orders = named(records, "lh-orders-connector");
            assert.strictEqual(orders.inputs.name, "orders-connector");
            assert.strictEqual(orders.inputs.config["database.dbname"], "orders_db");
            assert.strictEqual(orders.inputs.config["database.hostname"], "db-orders");
            assert.strictEqual(orders.inputs.config["slot.name"], "debezium_orders_connector", "a slot of its own");
            assert.match(orders.inputs.config["database.password"], new RegExp(cdcSecretFile("orders")));
            assert.deepStrictEqual(Object.keys(orders.inputs.referencedSecrets), [cdcSecretFile("orders")]);
            const shop = named(records, "lh-shop-connector");
            assert.strictEqual(shop.inputs.config["database.server.id"], "184055");
            assert.strictEqual(shop.inputs.config["schema.history.internal.kafka.topic"], schemaHistoryTopic("shop"));
            assert.ok(shop.dependsOn.includes("lh-shop-setup"), "waits for its source's set-up");
            assert.strictEqual(lh.postgresConnector, lh.sources[0].connector);
            assert.strictEqual(lh.mySqlConnector, lh.sources[1].connector);
        });

        it("gives the Connect worker every source's CDC password file", () => {
            const connect = named(records, "lh-connect-container");
            const files = JSON.stringify(connect.inputs.uploads);
            for (const s of lh.sources) assert.ok(files.includes(`/kafka/secrets/${cdcSecretFile(s.name)}`), s.name);
        });

        it("mirrors every source's tables in the CDC job, keyed by their primary keys", () => {
            const job = ofType(records, CONTAINER).find((c) => (c.inputs.command ?? []).includes("--topics"))!;
            const topics = job.inputs.command[job.inputs.command.indexOf("--topics") + 1].split(",");
            assert.deepStrictEqual(topics, lh.sources.flatMap((s) => s.source.tables.map((t) => tableTopic(s.topicPrefix, t))));
            assert.ok(topics.includes("ordersdb.public.orders") && topics.includes("shop.shop.carts"));
        });

        it("hands make verify every source and its container", async () => {
            const target = lh.verifyTarget;
            assert.deepStrictEqual(target.sources.map((s) => [s.kind, s.topicPrefix]), [
                ["postgres", "dbserver1"], ["mysql", "mysqlserver1"], ["postgres", "ordersdb"], ["mysql", "shop"],
            ]);
            assert.strictEqual(await valueOf(target.sources[2].connector!), "orders-connector");
            const containers = await Promise.all(target.containers.map(valueOf));
            assert.ok(containers.includes("lakehouse-db-orders") && containers.includes("lakehouse-db-shop"));
        });
    });

    it("loops over what is left when a built-in source is off, and registers no connector when connectors are off", async () => {
        const { lh } = await lakehouse({ postgres: false, sources: [{ kind: "postgres", name: "orders", args: { hostPort: 5433 } }] });
        assert.deepStrictEqual(lh.sources.map((s) => s.name), ["mysql", "orders"]);
        assert.strictEqual(lh.postgresConnector, undefined);
        const off = await lakehouse({ connectors: { enabled: false }, sources: [{ kind: "postgres", name: "orders", args: { hostPort: 5433 } }] });
        assert.deepStrictEqual(ofType(off.records, CONNECTOR), []);
        assert.ok(ofType(off.records, TOPIC).some((t) => t.inputs.name === "orders.public.users"), "the table topics stay");
        assert.ok(!ofType(off.records, TOPIC).some((t) => t.inputs.name === "orders.public.debezium_signal"), "no signal topic without a connector");
    });

    describe("validation", () => {
        const cases: [string, unknown, RegExp][] = [
            ["a list", { sources: { kind: "postgres" } }, /lh: invalid sources: must be a list of sources/],
            ["objects", { sources: ["orders"] }, /lh: invalid sources\[0\]: must be an object with kind and name, got "orders"/],
            ["a registered kind", { sources: [{ kind: "oracle", name: "erp" }] }, /lh: invalid sources\[0\]\.kind: must be one of "postgres", "mysql", got "oracle"/],
            ["a DNS-label name", { sources: [{ kind: "postgres", name: "Orders_DB" }] }, /lh: invalid sources\[0\]\.name: must be lower-case letters, digits and dashes/],
            ["a name other than a built-in's", { sources: [{ kind: "postgres", name: "mysql" }] }, /lh: invalid sources\[0\]\.name: "mysql" is a built-in source's name/],
            ["unique names", { sources: [{ kind: "postgres", name: "a", args: { hostPort: 5433 } }, { kind: "postgres", name: "a", args: { hostPort: 5434 } }] },
                /lh: invalid sources\[1\]\.name: "a" is taken by an earlier entry/],
            ["a non-empty topic prefix", { sources: [{ kind: "postgres", name: "a", topicPrefix: "" }] }, /lh: invalid sources\[0\]\.topicPrefix: must be a non-empty string/],
            ["object args", { sources: [{ kind: "postgres", name: "a", args: "db" }] }, /lh: invalid sources\[0\]\.args: must be an object, got "db"/],
            ["a topic prefix of its own", { sources: [{ kind: "postgres", name: "a", topicPrefix: "dbserver1", args: { hostPort: 5433 } }] },
                /lh: invalid sources: postgres and a share the topic prefix "dbserver1"/],
            ["a hostname of its own", { sources: [{ kind: "postgres", name: "a", args: { hostname: "db-mysql", hostPort: 5433 } }] },
                /lh: invalid sources: mysql and a share the hostname "db-mysql"/],
            ["a MySQL connector server id", { sources: [{ kind: "mysql", name: "shop", args: { hostPort: 3307 } }] },
                /lh: invalid sources\[0\]\.connector\.serverId: is required for a MySQL source/],
            ["a MySQL connector server id other than the server's", { sources: [{ kind: "mysql", name: "shop", connector: { serverId: 7 }, args: { serverId: 7, hostPort: 3307 } }] },
                /lh: invalid sources\[0\]\.connector\.serverId: must differ from the MySQL server's own server id \(7\)/],
            ["valid connector settings", { sources: [{ kind: "postgres", name: "a", connector: { name: "" }, args: { hostPort: 5433 } }] },
                /lh: invalid sources\[0\]\.connector: /],
        ];
        for (const [what, args, message] of cases) {
            it(`requires ${what}`, async () => {
                assert.match((await constructionError(args)).message, message);
            });
        }

        it("still names the built-in MySQL connector's server id field", async () => {
            assert.match((await constructionError({ connectors: { mySqlServerId: 1 } })).message,
                /^lh: invalid connectors\.mySqlServerId: must differ from the MySQL server's own server id \(1\)/);
        });
    });

    describe("stack config lakehouse:sources", () => {
        it("reaches LakehouseArgs.sources and builds the source; absent, the args have no sources key", async () => {
            const saved = pulumi.runtime.allConfig();
            try {
                assert.strictEqual("sources" in lakehouseArgsFromConfig(readLakehouseConfig()), false);
                const list = [{ kind: "postgres", name: "orders", topicPrefix: "ordersdb", args: { hostPort: 5433, database: "orders_db" } }];
                pulumi.runtime.setConfig("lakehouse:sources", JSON.stringify(list));
                const args = lakehouseArgsFromConfig(readLakehouseConfig());
                assert.deepStrictEqual(args.sources, list);
                const { records } = await lakehouse(args);
                assert.strictEqual(named(records, "lh-orders-connector").inputs.config["topic.prefix"], "ordersdb");
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
        });

        it("refuses a malformed list with a ResourceError naming the entry", async () => {
            const saved = pulumi.runtime.allConfig();
            try {
                pulumi.runtime.setConfig("lakehouse:sources", JSON.stringify([{ kind: "postgres" }]));
                const error = await constructionError(lakehouseArgsFromConfig(readLakehouseConfig()));
                assert.match(error.message, /lh: invalid sources\[0\]\.name: must be lower-case letters/);
            } finally {
                pulumi.runtime.setAllConfig(saved);
            }
        });
    });
});
