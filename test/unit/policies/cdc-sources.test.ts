import * as assert from "assert";
import { CONNECTOR_CLASSES } from "../../../components/core/settings";
import { cdcSources } from "../../../policies/cdc-sources";
import { lakehouse, messages, mysql, mysqlConnector, postgres, postgresConnector, replace, runStackPolicy, UNKNOWN_STRING } from "./fixtures";

describe("policy cdc-sources", () => {
    it("passes the lakehouse's Postgres and MySQL capture on one and three brokers", async () => {
        for (const brokers of [1, 3] as const) {
            assert.deepStrictEqual(messages(await runStackPolicy(cdcSources, lakehouse(brokers))), []);
        }
    });

    it("reports a captured Postgres without wal_level=logical, naming the source container", async () => {
        const stack = replace(lakehouse(1), postgres(["postgres", "-c", "max_replication_slots=10"]));
        const reported = await runStackPolicy(cdcSources, stack);
        assert.deepStrictEqual(messages(reported), [
            `"lakehouse-db-postgres" (urn:pulumi:dev::lakehouse::docker:index/container:Container::lakehouse-db-postgres): ` +
                `server setting wal_level is "replica" (not set: Postgres's default); allowed: "logical" (command: -c wal_level=logical). ` +
                "A Postgres connector captures this database.",
        ]);
        assert.ok(reported.violations[0].urn?.endsWith("::lakehouse-db-postgres"));
    });

    it("reads wal_level given as -cname=value or --name=value too", async () => {
        for (const command of [["-cwal_level=logical"], ["--wal-level=logical"]]) {
            const stack = replace(lakehouse(3), postgres(command));
            assert.deepStrictEqual(messages(await runStackPolicy(cdcSources, stack)), []);
        }
    });

    it("reports a Postgres connector left on the decoderbufs default or another plugin", async () => {
        const stack = replace(lakehouse(3), postgresConnector("inventory-connector", { "plugin.name": undefined }));
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /"inventory-connector" .*: plugin.name is "decoderbufs" \(not set: Debezium's default\); allowed: "pgoutput"/);
        const wal2json = replace(lakehouse(1), postgresConnector("inventory-connector", { "plugin.name": "wal2json" }));
        assert.match(messages(await runStackPolicy(cdcSources, wal2json))[0], /plugin.name is "wal2json"; allowed: "pgoutput"/);
    });

    it("reports two Postgres connectors sharing a replication slot on the same server", async () => {
        const stack = [...lakehouse(1), postgresConnector("crm-connector", { "slot.name": "debezium_inventory-connector" })];
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"inventory-connector" .*slot.name is "debezium_inventory-connector", shared with "crm-connector"; allowed: a slot name no other connector on the same server uses/);
        assert.match(found[1], /"crm-connector" .*shared with "inventory-connector"/);
    });

    it("reports more slots on one server than max_replication_slots allows", async () => {
        const stack = [
            ...replace(lakehouse(3), postgres(["-c", "wal_level=logical", "-c", "max_replication_slots=1"])),
            postgresConnector("crm-connector"),
        ];
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /server setting max_replication_slots is 1; allowed: at least 2/);
    });

    it("reports a MySQL source without a ROW binlog", async () => {
        const stack = replace(lakehouse(1), mysql(["--server-id=1", "--binlog-format=MIXED"]));
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-db-mysql" .*server option --log-bin is not set \(MariaDB's default is off\)/);
        assert.match(found[1], /server option --binlog-format is "MIXED"; allowed: ROW/);
    });

    it("reports server ids shared by a connector and a server, or by two connectors", async () => {
        const clash = replace(lakehouse(3), mysqlConnector("sales-connector", { "database.server.id": "1" }));
        const found = messages(await runStackPolicy(cdcSources, clash));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-db-mysql" .*server id \(database.server.id \/ --server-id\) is "1", shared with "sales-connector"/);
        const twins = [...lakehouse(1), mysqlConnector("hr-connector")];
        const twinFound = messages(await runStackPolicy(cdcSources, twins));
        assert.ok(twinFound.some((m) => m.includes(`"hr-connector"`) && m.includes(`is "5401", shared with "sales-connector"`)), twinFound.join("\n"));
    });

    it("reports a MySQL connector without a server id or schema-history topic, and a shared history topic", async () => {
        const missing = replace(lakehouse(1), mysqlConnector("sales-connector", { "database.server.id": undefined, "schema.history.internal.kafka.topic": undefined }));
        const found = messages(await runStackPolicy(cdcSources, missing));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /database.server.id is not set; allowed: a positive integer unique/);
        assert.match(found[1], /schema.history.internal.kafka.topic is not set; allowed: a topic name of this connector's own/);
        const shared = [...lakehouse(3), mysqlConnector("hr-connector", { "database.server.id": "5402", "schema.history.internal.kafka.topic": "schema-changes.sales-connector" })];
        const sharedFound = messages(await runStackPolicy(cdcSources, shared));
        assert.strictEqual(sharedFound.length, 2, sharedFound.join("\n"));
        assert.ok(sharedFound.every((m) => m.includes(`schema.history.internal.kafka.topic is "schema-changes.sales-connector", shared with`)));
    });

    it("treats MariaDB's connector class as a MySQL source", async () => {
        const stack = replace(lakehouse(1), mysqlConnector("sales-connector", { "connector.class": CONNECTOR_CLASSES.mariadb, "database.server.id": undefined }));
        assert.match(messages(await runStackPolicy(cdcSources, stack))[0], /database.server.id is not set/);
    });

    it("reports a connector whose database.hostname matches no source container, unless allowed as external", async () => {
        const stack = replace(lakehouse(1), postgresConnector("inventory-connector", { "database.hostname": "db-postgress" }));
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /database.hostname is "db-postgress" \(no such container\); allowed: the hostname of a postgres container in this stack \("db-postgres"\)/);
        const external = await runStackPolicy(cdcSources, stack, { externalDatabaseHosts: ["db-postgress"] });
        assert.deepStrictEqual(messages(external), []);
    });

    it("reports pre-2.0 Debezium keys and values unknown at preview", async () => {
        const stack = replace(lakehouse(3), mysqlConnector("sales-connector", { "database.history.kafka.topic": "old", "database.hostname": UNKNOWN_STRING }));
        const found = messages(await runStackPolicy(cdcSources, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /database.history.kafka.topic is "old"; allowed: not set; use schema.history.internal.kafka.topic/);
        assert.match(found[1], /database.hostname is unknown at preview/);
    });

    it("does not apply to a stack without Debezium source connectors", async () => {
        const reported = await runStackPolicy(cdcSources, lakehouse(1).filter((r) => !r.name.endsWith("-connector")));
        assert.match(reported.notApplicable ?? "", /no Debezium/);
    });
});
