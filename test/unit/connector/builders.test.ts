import * as assert from "assert";
import { mySqlConnector, postgresConnector } from "../../../components/connector";

describe("postgresConnector", () => {
    const base = { hostname: "lh-postgres", user: "admin", password: "pw", dbname: "customer_db", tables: ["users"] };

    it("builds the seed's inventory-connector plus a unique slot, a filtered publication and the table list", () => {
        const spec = postgresConnector(base);
        assert.strictEqual(spec.name, "inventory-connector");
        assert.deepStrictEqual(spec.config, {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "tasks.max": "1",
            "database.hostname": "lh-postgres",
            "database.port": "5432",
            "database.user": "admin",
            "database.dbname": "customer_db",
            "topic.prefix": "dbserver1",
            "schema.include.list": "public",
            "table.include.list": "public.users",
            "plugin.name": "pgoutput",
            "slot.name": "debezium_inventory_connector",
            "publication.name": "dbz_publication_inventory_connector",
            "publication.autocreate.mode": "filtered",
        });
    });

    it("puts the password in secretConfig only", () => {
        const spec = postgresConnector(base);
        assert.deepStrictEqual(spec.secretConfig, { "database.password": "pw" });
        assert.ok(!JSON.stringify(spec.config).includes("pw\""));
    });

    it("derives a different slot and publication for each connector name", () => {
        const a = postgresConnector({ ...base, name: "orders-cdc" });
        const b = postgresConnector({ ...base, name: "Inventory.Connector" });
        assert.strictEqual(a.config["slot.name"], "debezium_orders_cdc");
        assert.strictEqual(b.config["slot.name"], "debezium_inventory_connector");
        assert.strictEqual(a.config["publication.name"], "dbz_publication_orders_cdc");
        assert.notStrictEqual(a.config["slot.name"], postgresConnector(base).config["slot.name"]);
    });

    it("passes a non-string secret (a Pulumi Output) through untouched", () => {
        const output = { opaque: true };
        assert.strictEqual(postgresConnector({ ...base, password: output }).secretConfig["database.password"], output);
    });

    it("keeps qualified tables and checks their schema", () => {
        const spec = postgresConnector({ ...base, schemas: ["public", "crm"], tables: ["crm.accounts", "users"] });
        assert.strictEqual(spec.config["table.include.list"], "crm.accounts,public.users");
        assert.throws(() => postgresConnector({ ...base, tables: ["sales.orders"] }), /postgresConnector: tables has "sales.orders", whose schema is not in schemas/);
    });

    it("rejects invalid inputs with the field's name", () => {
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ hostname: "" }, /postgresConnector: hostname must be a non-empty string/],
            [{ port: 70000 }, /postgresConnector: port must be an integer port/],
            [{ password: "" }, /postgresConnector: password is required/],
            [{ tables: [] }, /postgresConnector: tables must be a non-empty list/],
            [{ tables: ["users", "users"] }, /postgresConnector: tables has duplicates/],
            [{ topicPrefix: "bad prefix" }, /postgresConnector: topicPrefix has an invalid value/],
            [{ slotName: "Bad-Slot" }, /postgresConnector: slotName has an invalid value/],
            [{ name: "a/b" }, /postgresConnector: name has an invalid value/],
            [{ heartbeatIntervalMs: -5 }, /postgresConnector: heartbeatIntervalMs must be a positive integer/],
            [{ extraConfig: { "database.password": "x" } }, /extraConfig\["database.password"\] is secret/],
        ];
        for (const [override, message] of cases) {
            assert.throws(() => postgresConnector({ ...base, ...override } as any), message);
        }
    });

    it("applies extraConfig last", () => {
        const spec = postgresConnector({ ...base, snapshotMode: "initial", heartbeatIntervalMs: 10000, extraConfig: { "tasks.max": "1", "decimal.handling.mode": "string" } });
        assert.strictEqual(spec.config["snapshot.mode"], "initial");
        assert.strictEqual(spec.config["heartbeat.interval.ms"], "10000");
        assert.strictEqual(spec.config["decimal.handling.mode"], "string");
    });
});

describe("mySqlConnector", () => {
    const base = { hostname: "lh-mysql", user: "cdc", password: "pw", serverId: 184054, bootstrapServers: "kafka:19092" };

    it("builds a MySQL connector for sales and hr with a unique server id and history topic", () => {
        const spec = mySqlConnector(base);
        assert.strictEqual(spec.name, "mysql-connector");
        assert.deepStrictEqual(spec.config, {
            "connector.class": "io.debezium.connector.mysql.MySqlConnector",
            "tasks.max": "1",
            "database.hostname": "lh-mysql",
            "database.port": "3306",
            "database.user": "cdc",
            "database.server.id": "184054",
            "topic.prefix": "mysqlserver1",
            "database.include.list": "sales,hr",
            "schema.history.internal.kafka.bootstrap.servers": "kafka:19092",
            "schema.history.internal.kafka.topic": "schema-changes.mysqlserver1",
            "driver.allowPublicKeyRetrieval": "true",
        });
        assert.deepStrictEqual(spec.secretConfig, { "database.password": "pw" });
    });

    it("uses MariaDB's connector class for the mariadb flavour", () => {
        const spec = mySqlConnector({ ...base, flavour: "mariadb", topicPrefix: "mariadb1" });
        assert.strictEqual(spec.name, "mariadb-connector");
        assert.strictEqual(spec.config["connector.class"], "io.debezium.connector.mariadb.MariaDbConnector");
        assert.strictEqual(spec.config["schema.history.internal.kafka.topic"], "schema-changes.mariadb1");
        assert.ok(!("driver.allowPublicKeyRetrieval" in spec.config));
    });

    it("accepts a list of bootstrap servers and a table list inside the databases", () => {
        const spec = mySqlConnector({ ...base, bootstrapServers: ["kafka-1:19092", "kafka-2:19092"], tables: ["sales.orders"] });
        assert.strictEqual(spec.config["schema.history.internal.kafka.bootstrap.servers"], "kafka-1:19092,kafka-2:19092");
        assert.strictEqual(spec.config["table.include.list"], "sales.orders");
    });

    it("rejects invalid inputs with the field's name", () => {
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ serverId: 0 }, /mySqlConnector: serverId must be an integer between 1 and 4294967295/],
            [{ serverId: 1.5 }, /mySqlConnector: serverId/],
            [{ flavour: "postgres" }, /mySqlConnector: flavour must be "mysql" or "mariadb"/],
            [{ bootstrapServers: "kafka" }, /mySqlConnector: bootstrapServers\[0\] has an invalid value "kafka"/],
            [{ databases: [] }, /mySqlConnector: databases must be a non-empty list/],
            [{ tables: ["crm.accounts"] }, /mySqlConnector: tables has "crm.accounts", whose database is not in databases/],
            [{ user: undefined }, /mySqlConnector: user must be a non-empty string/],
        ];
        for (const [override, message] of cases) {
            assert.throws(() => mySqlConnector({ ...base, ...override } as any), message);
        }
    });
});
