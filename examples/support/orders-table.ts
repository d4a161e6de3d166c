// The orders team's table, captured by both second-Postgres examples (a TableSpec of pulumi-lakehouse,
// written as plain data so that either example may import it however it gets the package).
export const ORDERS_TABLE = {
    schema: "public",
    name: "orders",
    columns: [
        { name: "id", type: "integer", notNull: true },
        { name: "customer_id", type: "integer", notNull: true },
        { name: "total", type: "numeric(12,2)" },
    ],
    primaryKey: ["id"],
    replicaIdentityFull: true,
};
