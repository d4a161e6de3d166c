// Another team's stack: Kafka and Debezium Connect with the customers database already captured,
// plus a second Postgres source (orders) and its connector. Every name that two sources could share
// (hostname, host port, slot, publication, topic prefix) is set per source.
import * as pulumi from "@pulumi/pulumi";
import * as lakehouse from "pulumi-lakehouse";
import { ORDERS_TABLE } from "../support/orders-table";

const config = new pulumi.Config();
const imageSet = (config.get("imageSet") ?? "official") as lakehouse.ImageSet;
const namePrefix = config.get("namePrefix") ?? "orders-cdc";

const network = new lakehouse.Network("cdc", { networkName: `${namePrefix}-net` });
const common = { network: network.name, imageSet, namePrefix };

const kafka = new lakehouse.KafkaCluster("kafka", { ...common });
const connect = new lakehouse.DebeziumConnect("connect", { ...common, kafka });

const customers = new lakehouse.PostgresSource("customers", {
    ...common, hostname: "db-customers", database: "customer_db", hostPort: 5432,
});
const orders = new lakehouse.PostgresSource("orders", {
    ...common, hostname: "db-orders", database: "orders_db", hostPort: 5433,
    tables: [ORDERS_TABLE],
});

/** One connector per source: its own slot and publication (from the name) and topic prefix. */
function capture(source: lakehouse.PostgresSource, topicPrefix: string): lakehouse.Connector {
    const spec = lakehouse.postgresConnector({
        name: `${source.componentName}-connector`,
        hostname: source.hostname,
        user: source.cdcUser,
        password: source.cdcPassword,
        dbname: source.database,
        topicPrefix,
        tables: source.tables.map((t) => `${t.schema}.${t.name}`),
    });
    return new lakehouse.Connector(spec.name, { connectUrl: connect.url, ...spec }, {
        dependsOn: [connect.container, ...source.ready],
    });
}

export const connectors = [capture(customers, "customers"), capture(orders, "orders")].map((c) => c.name);
export const connectUrl = connect.url;
export const bootstrapServers = kafka.hostBootstrapServers;
