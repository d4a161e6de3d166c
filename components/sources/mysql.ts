import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { ConnectorSpec, MYSQL_FLAVOURS, MySqlFlavour, mySqlConnector } from "../connector/builders";
import { signalTable } from "../connector/provider";
import { serviceContainer } from "../core/container";
import { passwordOrGenerated } from "../core/secrets";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { MYSQL_PORT, mySqlSetupSql, mySqlSpec, mysqlCommand, mysqlRootArgv } from "../specs/mysql";
import { TableSpec, requireTableList, validateTable } from "../specs/postgres";
import { SpecError, requireIdentifier } from "../specs/types";
import { CdcSource, SourceConnectorContext, SourceServerFacts, VerifySource, tableTopic } from "./source";
import { ROLES } from "../core/settings";
import { TopicSpec } from "../streaming/topics";


export interface MySqlSourceArgs extends ServiceArgs {
    /** DNS name on the stack's network. Default: "db-mysql". */
    hostname?: string;
    /** Databases captured by CDC. Default: ["sales", "hr"]. */
    databases?: string[];
    /** Binlog server id, unique among servers and connectors. Default: 1. */
    serverId?: number;
    /** Root password (a config secret). Default: generated. */
    rootPassword?: pulumi.Input<string>;
    /** User Debezium logs in as. Default: "debezium". */
    cdcUser?: string;
    /** Password of the CDC user. Default: generated. */
    cdcPassword?: pulumi.Input<string>;
    /** Tables to declare (schema = database). Default: sales.orders and hr.employees. */
    tables?: TableSpec[];
    /** Host port. Default: 3306. */
    hostPort?: number;
    /**
     * Server flavour: "mysql" (Oracle MySQL, captured by Debezium's MySqlConnector) or "mariadb" (MariaDB,
     * captured by its MariaDbConnector). Selects the image of the image set and the connector class.
     * Default: "mysql" in both image sets.
     */
    flavour?: MySqlFlavour;
    /**
     * Debezium's signaling table, `database.table` (a database of `databases`): the connector snapshots
     * tables added to capture on a running stack through it and writes its snapshot watermarks into it.
     * Not a captured table. Default: "<first database>.debezium_signal".
     */
    signalTable?: string;
}

export const DEFAULT_MYSQL_TABLES: TableSpec[] = [
    {
        schema: "sales", name: "orders",
        columns: [
            { name: "id", type: "int", notNull: true },
            { name: "customer_id", type: "int" },
            { name: "amount", type: "decimal(10,2)" },
            { name: "status", type: "varchar(32)" },
        ],
        primaryKey: ["id"],
    },
    {
        schema: "hr", name: "employees",
        columns: [
            { name: "id", type: "int", notNull: true },
            { name: "name", type: "varchar(128)" },
            { name: "department", type: "varchar(64)" },
        ],
        primaryKey: ["id"],
    },
];

const DEFAULTS = {
    hostname: "db-mysql",
    databases: ["sales", "hr"],
    serverId: 1,
    cdcUser: "debezium",
    tables: DEFAULT_MYSQL_TABLES,
    hostPort: MYSQL_PORT,
};

/** A MySQL (or MariaDB) CDC source: row binlog with full images, a unique server id, the CDC user. */
export class MySqlSource extends LakehouseComponent implements CdcSource {
    public readonly kind = "mysql";
    public readonly container: docker.Container;
    public readonly hostname: string;
    public readonly port = MYSQL_PORT;
    public readonly databases: string[];
    public readonly serverId: number;
    public readonly flavour: MySqlFlavour;
    public readonly cdcUser: string;
    public readonly cdcPassword: pulumi.Output<string>;
    public readonly rootPassword: pulumi.Output<string>;
    public readonly tables: TableSpec[];
    /** Setup done (databases, user, tables): what connectors wait for. */
    public readonly ready: pulumi.Resource[];
    /** Debezium's signaling table (`database.table`), created with the CDC user's grants. */
    public readonly signalCollection: string;
    /** argv of a SQL client inside the container that reads statements on stdin (root, password from its file). */
    public readonly sqlClient: string[];
    public readonly serverFacts: SourceServerFacts;

    constructor(name: string, args: MySqlSourceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:source:MySqlSource", name, opts);
        const flavour = args.flavour ?? "mysql";
        this.spec(() => {
            if (!(MYSQL_FLAVOURS as readonly string[]).includes(flavour)) {
                throw new SpecError("mysql.flavour", `must be one of ${MYSQL_FLAVOURS.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(flavour)}`);
            }
        });
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService(flavour === "mariadb" ? "mariadb" : "mysql", args) };
        const spec = this.spec(() => mySqlSpec({
            image: a.image, hostname: a.hostname, databases: a.databases, serverId: a.serverId,
            hostPort: a.hostPort, bindIp: a.bindIp,
        }));
        const tables = this.spec(() => requireTableList(a.tables).map((t, i) => {
            validateTable(`tables[${i}]`, t);
            if (!a.databases.includes(t.schema)) {
                throw new SpecError(`tables[${i}].schema`, `names database ${t.schema}, which is not in databases (${a.databases.join(", ")})`);
            }
            return t;
        }));
        this.spec(() => requireIdentifier("mysql.cdcUser", a.cdcUser));
        const signalCollection = args.signalTable ?? `${a.databases[0]}.debezium_signal`;
        const signal = this.spec(() => {
            if (!a.databases.includes(signalCollection.split(".")[0])) {
                throw new SpecError("mysql.signalTable", `names database ${signalCollection.split(".")[0]}, which is not in databases (${a.databases.join(", ")})`);
            }
            if (tables.some((t) => `${t.schema}.${t.name}` === signalCollection)) {
                throw new SpecError("mysql.signalTable", `is ${signalCollection}, a captured table: the signaling table must be a table of its own`);
            }
            try {
                return signalTable("mysql", signalCollection, a.cdcUser);
            } catch (err) {
                throw new SpecError("mysql.signalTable", (err as Error).message);
            }
        });

        this.rootPassword = passwordOrGenerated(this.childName("root-password"), args.rootPassword, this.childOpts());
        this.cdcPassword = passwordOrGenerated(this.childName("cdc-password"), args.cdcPassword, this.childOpts());
        const containerName = `${a.namePrefix}-${a.hostname}`;
        const { container } = serviceContainer(this.childName("container"), {
            spec, containerName, network: a.network, component: name, keepVolumes: a.keepVolumes,
            waitTimeoutSeconds: a.waitTimeoutSeconds, secrets: { rootPassword: this.rootPassword },
        }, this.childOpts());
        this.container = container;

        const setup = new command.local.Command(this.childName("setup"), {
            create: mysqlCommand(containerName),
            environment: { MYSQL_PWD: this.rootPassword },
            stdin: pulumi.secret(this.cdcPassword.apply((pw) => mySqlSetupSql(a.databases, a.cdcUser, pw, tables))),
            triggers: [container.id],
            logging: "stderr",
        }, this.childOpts({ dependsOn: [container] }));

        const signalDdl = new command.local.Command(this.childName("signal-table"), {
            create: mysqlCommand(containerName),
            environment: { MYSQL_PWD: this.rootPassword },
            stdin: signal.ddl.map((statement) => `${statement};`).join("\n"),
            triggers: [container.id],
            logging: "stderr",
        }, this.childOpts({ dependsOn: [setup] }));

        this.ready = [setup, signalDdl];
        this.signalCollection = signalCollection;
        // The root password stays in the container's own root-only file: it never reaches the provider.
        this.sqlClient = mysqlRootArgv(containerName);
        this.hostname = a.hostname;
        this.databases = a.databases;
        this.serverId = a.serverId;
        this.flavour = flavour;
        this.cdcUser = a.cdcUser;
        this.tables = tables;
        this.serverFacts = { role: ROLES.mysql, hostname: a.hostname, port: this.port };
        this.registerOutputs({ hostname: this.hostname, databases: this.databases, flavour: this.flavour });
    }

    /** The captured tables' topics, then the schema history, which must keep every record in order. */
    public cdcTopics(topicPrefix: string): TopicSpec[] {
        return [
            ...this.tables.map((t) => ({ name: tableTopic(topicPrefix, t) })),
            ...(this.tables.length > 0 ? [{ name: schemaHistoryTopic(topicPrefix), config: { "retention.ms": "-1", "cleanup.policy": "delete" } }] : []),
        ];
    }

    /** The connector's `database.server.id` (settings.serverId, required) must differ from the server's own. */
    public connectorSpec(ctx: SourceConnectorContext): ConnectorSpec {
        const serverId = ctx.settings.serverId;
        if (serverId === undefined) throw new SpecError(ctx.field("serverId"), "is required for a MySQL source");
        if (serverId === this.serverId) {
            throw new SpecError(ctx.field("serverId"), `must differ from the MySQL server's own server id (${this.serverId})`);
        }
        return mySqlConnector({
            name: ctx.settings.name, flavour: this.flavour, hostname: this.hostname, port: this.port, user: this.cdcUser,
            passwordReference: ctx.passwordReference, serverId, topicPrefix: ctx.topicPrefix,
            databases: this.databases, tables: this.tables.map((t) => `${t.schema}.${t.name}`),
            bootstrapServers: ctx.bootstrapServers, schemaHistoryTopic: schemaHistoryTopic(ctx.topicPrefix),
            schemaHistoryKafkaSecurity: ctx.kafkaClientSecurity,
            signalCollection: this.signalCollection, extraConfig: ctx.settings.extraConfig,
        });
    }

    public verifySource(topicPrefix: string, connector?: pulumi.Input<string>): VerifySource {
        return { kind: "mysql", container: this.container.name, flavour: this.flavour, topicPrefix, connector, tables: this.tables };
    }
}

/** The MySQL connector's schema history topic: one per connector, declared with infinite retention. */
export function schemaHistoryTopic(mysqlPrefix: string): string {
    return `${mysqlPrefix}.schema-history`;
}
