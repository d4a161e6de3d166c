import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { ConnectorSpec, postgresConnector } from "../connector/builders";
import { serviceContainer } from "../core/container";
import { passwordOrGenerated } from "../core/secrets";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { signalTable } from "../connector/provider";
import {
    POSTGRES_PORT, REPLICATION_GROUP, TableSpec, ifContainerRunning, postgresCdcRoleSql, postgresSpec, postgresTableSql, psqlArgv, psqlCommand,
    replicaIdentitySql, requireTableList, validateTable,
} from "../specs/postgres";
import { SpecError, requireIdentifier } from "../specs/types";
import { CdcSource, SourceConnectorContext, SourceServerFacts, VerifySource, tableTopic } from "./source";
import { ROLES } from "../core/settings";
import { TopicSpec } from "../streaming/topics";

export interface PostgresSourceArgs extends ServiceArgs {
    /** DNS name on the stack's network; connectors use it as database.hostname. Default: "db-postgres". */
    hostname?: string;
    /** Database captured by CDC. Default: "customer_db". */
    database?: string;
    /** Superuser created by the image. Default: "admin". */
    adminUser?: string;
    /** Superuser password (a config secret). Default: generated. */
    adminPassword?: pulumi.Input<string>;
    /** Role Debezium logs in as (LOGIN REPLICATION). Default: "debezium". */
    cdcUser?: string;
    /** Password of the CDC role. Default: generated. */
    cdcPassword?: pulumi.Input<string>;
    /** Tables to declare and capture. Default: `public.users` (id, name, email). */
    tables?: TableSpec[];
    /** Host port of the database. Default: 5432. */
    hostPort?: number;
    /** max_replication_slots. Default: 10. */
    maxReplicationSlots?: number;
    /** max_wal_senders. Default: 10. */
    maxWalSenders?: number;
    /**
     * Debezium's signaling table, `schema.table`: the connector snapshots tables added to capture on a
     * running stack through it (incremental snapshot) and writes its snapshot watermarks into it. Not a
     * captured table. Default: "public.debezium_signal".
     */
    signalTable?: string;
}

/** The seed's table. */
export const DEFAULT_POSTGRES_TABLES: TableSpec[] = [{
    schema: "public",
    name: "users",
    columns: [
        { name: "id", type: "integer", notNull: true },
        { name: "name", type: "text" },
        { name: "email", type: "text" },
    ],
    primaryKey: ["id"],
    replicaIdentityFull: true,
}];

const DEFAULTS = {
    hostname: "db-postgres",
    database: "customer_db",
    adminUser: "admin",
    cdcUser: "debezium",
    tables: DEFAULT_POSTGRES_TABLES,
    hostPort: POSTGRES_PORT,
    maxReplicationSlots: 10,
    maxWalSenders: 10,
    signalTable: "public.debezium_signal",
};

/**
 * A PostgreSQL CDC source: `wal_level=logical`, declared tables, REPLICA IDENTITY FULL per table as a
 * resource of its own (create sets FULL, delete restores DEFAULT), and a CDC role with its grants.
 */
export class PostgresSource extends LakehouseComponent implements CdcSource {
    public readonly kind = "postgres";
    public readonly container: docker.Container;
    public readonly hostname: string;
    public readonly port = POSTGRES_PORT;
    public readonly database: string;
    /** The superuser the image creates; `psql -U <adminUser>` inside the container needs no password. */
    public readonly adminUser: string;
    public readonly cdcUser: string;
    public readonly cdcPassword: pulumi.Output<string>;
    public readonly adminPassword: pulumi.Output<string>;
    public readonly tables: TableSpec[];
    /** Resolves once tables, grants and replica identities exist: what connectors wait for. */
    public readonly ready: pulumi.Resource[];
    /** Debezium's signaling table (`schema.table`), created with the CDC role's grants. */
    public readonly signalCollection: string;
    /** argv of a SQL client inside the container that reads statements on stdin (psql as the superuser). */
    public readonly sqlClient: string[];
    public readonly serverFacts: SourceServerFacts;

    constructor(name: string, args: PostgresSourceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:source:PostgresSource", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("postgres", args) };
        const tables = this.spec(() => {
            const seen = new Set<string>();
            return requireTableList(a.tables).map((t, i) => {
                validateTable(`tables[${i}]`, t);
                const key = `${t.schema}.${t.name}`;
                if (seen.has(key)) throw new SpecError(`tables[${i}]`, `declares ${key} twice`);
                seen.add(key);
                return t;
            });
        });
        const spec = this.spec(() => postgresSpec({
            image: a.image, hostname: a.hostname, database: a.database, adminUser: a.adminUser,
            hostPort: a.hostPort, bindIp: a.bindIp, maxReplicationSlots: a.maxReplicationSlots, maxWalSenders: a.maxWalSenders,
        }));
        this.spec(() => requireIdentifier("postgres.cdcUser", a.cdcUser));
        const signal = this.spec(() => {
            if (tables.some((t) => `${t.schema}.${t.name}` === a.signalTable)) {
                throw new SpecError("postgres.signalTable", `is ${a.signalTable}, a captured table: the signaling table must be a table of its own`);
            }
            try {
                return signalTable("postgres", a.signalTable, a.cdcUser, REPLICATION_GROUP);
            } catch (err) {
                throw new SpecError("postgres.signalTable", (err as Error).message);
            }
        });

        this.adminPassword = passwordOrGenerated(this.childName("admin-password"), args.adminPassword, this.childOpts());
        this.cdcPassword = passwordOrGenerated(this.childName("cdc-password"), args.cdcPassword, this.childOpts());
        const containerName = `${a.namePrefix}-${a.hostname}`;
        const { container } = serviceContainer(this.childName("container"), {
            spec, containerName, network: a.network, component: name, keepVolumes: a.keepVolumes,
            waitTimeoutSeconds: a.waitTimeoutSeconds, secrets: { adminPassword: this.adminPassword },
        }, this.childOpts());
        this.container = container;

        const psql = psqlCommand(containerName, a.adminUser, a.database);
        // Reruns when the container is replaced, so a fresh database gets its role again.
        const cdcRole = new command.local.Command(this.childName("cdc-role"), {
            create: psql,
            stdin: pulumi.secret(pulumi.output(this.cdcPassword).apply((pw) => postgresCdcRoleSql(a.database, a.adminUser, a.cdcUser, pw))),
            triggers: [container.id],
            logging: "stderr",
        }, this.childOpts({ dependsOn: [container] }));

        const signalDdl = new command.local.Command(this.childName("signal-table"), {
            create: psql,
            stdin: signal.ddl.map((statement) => `${statement};`).join("\n"),
            triggers: [container.id],
            logging: "stderr",
        }, this.childOpts({ dependsOn: [cdcRole] }));

        this.ready = [cdcRole, signalDdl];
        // One schema DDL at a time: two psql sessions granting on the same schema at once fail with
        // "tuple concurrently updated" (seen on the signal table beside a table's DDL). Each table's DDL
        // waits for the one before it; the signal table's comes first.
        let previousDdl: pulumi.Resource = signalDdl;
        for (const table of tables) {
            const id = `${table.schema}-${table.name}`;
            const ddl = new command.local.Command(this.childName(`table-${id}`), {
                create: psql,
                stdin: postgresTableSql(table, a.cdcUser),
                triggers: [container.id],
                logging: "stderr",
            }, this.childOpts({ dependsOn: [cdcRole, previousDdl] }));
            previousDdl = ddl;
            this.ready.push(ddl);
            if (table.replicaIdentityFull ?? true) {
                this.ready.push(new command.local.Command(this.childName(`replica-identity-${id}`), {
                    create: `${psql} <<'SQL'\n${replicaIdentitySql(table, "FULL")}\nSQL`,
                    delete: ifContainerRunning(containerName, `${psql} <<'SQL'\n${replicaIdentitySql(table, "DEFAULT")}\nSQL`,
                        `replica identity of ${table.schema}.${table.name} left as is`),
                    triggers: [container.id],
                    logging: "stderr",
                    // On replacement the old resource's delete (DEFAULT) must run before the new create (FULL).
                }, this.childOpts({ dependsOn: [ddl], deleteBeforeReplace: true })));
            }
        }

        this.hostname = a.hostname;
        this.database = a.database;
        this.adminUser = a.adminUser;
        this.cdcUser = a.cdcUser;
        this.tables = tables;
        this.signalCollection = a.signalTable;
        this.sqlClient = psqlArgv(containerName, a.adminUser, a.database);
        this.serverFacts = { role: ROLES.postgres, hostname: a.hostname, port: this.port };
        this.registerOutputs({ hostname: this.hostname, database: this.database, cdcUser: this.cdcUser });
    }

    public cdcTopics(topicPrefix: string): TopicSpec[] {
        return this.tables.map((t) => ({ name: tableTopic(topicPrefix, t) }));
    }

    /** One connector per source: its slot and publication follow from its name (default "inventory-connector"). */
    public connectorSpec(ctx: SourceConnectorContext): ConnectorSpec {
        return postgresConnector({
            name: ctx.settings.name, hostname: this.hostname, port: this.port, user: this.cdcUser,
            passwordReference: ctx.passwordReference, dbname: this.database, topicPrefix: ctx.topicPrefix,
            schemas: [...new Set(this.tables.map((t) => t.schema))], tables: this.tables.map((t) => `${t.schema}.${t.name}`),
            signalCollection: this.signalCollection, extraConfig: ctx.settings.extraConfig,
        });
    }

    public verifySource(topicPrefix: string, connector?: pulumi.Input<string>): VerifySource {
        return {
            kind: "postgres", container: this.container.name, database: this.database,
            adminUser: this.adminUser, topicPrefix, connector, tables: this.tables,
        };
    }
}
