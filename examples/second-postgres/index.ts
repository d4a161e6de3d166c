// A lakehouse with a second Postgres source through the CdcSource seam: the built-in customers database
// (`postgres`) and MySQL stay as they are; `sources` adds the orders database with a container, topic
// prefix, connector (slot, publication) and Connect secret file of its own. Lakehouse loops over all
// three for topics, connectors, the CDC job's topics and `make verify`.
//
// This example lives in the repository and imports the library by path, so the root tsconfig type
// checks it and test/unit/example-second-postgres.test.ts runs it under mocks; a team's own stack
// writes `import { Lakehouse } from "pulumi-lakehouse"` (see ../second-postgres-source).
import * as pulumi from "@pulumi/pulumi";
import { ImageSet, Lakehouse } from "../../components";
import { ORDERS_TABLE } from "../support/orders-table";

const config = new pulumi.Config();

const lakehouse = new Lakehouse("lakehouse", {
    imageSet: (config.get("imageSet") ?? "official") as ImageSet,
    bindIp: config.get("bindIp"),
    namePrefix: config.get("namePrefix") ?? "orders-lakehouse",
    sources: [{
        kind: "postgres",
        name: "orders",
        topicPrefix: "ordersdb",
        connector: { name: "orders-connector" },
        // Its own hostname (container `<namePrefix>-db-orders`) and host port beside the built-in source's 5432.
        args: { hostname: "db-orders", database: "orders_db", hostPort: 5433, tables: [ORDERS_TABLE] },
    }],
});

export const endpoints = lakehouse.endpoints;
export const topicPrefixes = lakehouse.topicPrefixes;
export const connectors = lakehouse.sources.map((s) => s.connector?.name);
