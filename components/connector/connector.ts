// The Connector resource: a Kafka Connect connector as a Pulumi custom resource, through the dynamic
// provider in ./provider.ts (no maintained Pulumi provider for the Connect REST API exists).
import * as pulumi from "@pulumi/pulumi";
import { SnapshotSignalChannel, connectorProvider } from "./provider";

/** Arguments of {@link Connector}; typed so the outputs of the Lakehouse's services flow straight in. */
export interface ConnectorArgs {
    /** Base URL of the Kafka Connect REST API as the Pulumi program sees it, e.g. `http://127.0.0.1:8083`. */
    connectUrl: pulumi.Input<string>;
    /** Connector name on the worker; it is the resource id, and changing it replaces the connector (delete first). */
    name: pulumi.Input<string>;
    /**
     * Plain settings (`connector.class` required). Only these keys are compared in diffs: keys the worker
     * adds never cause one. A key that looks like a secret (`*password*`, `*secret*`, ...) fails `check`.
     */
    config: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Secret settings (database passwords). Always stored as a Pulumi secret, merged into the HTTP body
     * only, and never returned as an output: state keeps their key names and a salted digest (itself a
     * secret) so a changed password still shows as an update. Default: none.
     */
    secretConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** How long create and update wait for the connector and every task to be RUNNING. Default 300. */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * On delete, stop the connector and reset its offsets first (`PUT /connectors/{name}/stop`, then
     * `DELETE /connectors/{name}/offsets`, Kafka ≥ 3.6), so a connector recreated under the same name
     * takes a fresh snapshot. For development stacks; a Postgres replication slot is not dropped.
     * Default false.
     */
    resetOffsetsOnDelete?: pulumi.Input<boolean>;
    /**
     * Validate through `PUT /connector-plugins/{class}/config/validate` during `check` when the worker
     * answers (Debezium also tests the database connection there). Set false when the source itself
     * changes in the same update, e.g. a password rotation. Default true.
     */
    validate?: pulumi.Input<boolean>;
    /**
     * Any output of the source database that changes when the database is created or replaced, e.g. its
     * container id. Never diffed; while it is unknown (a preview of an update that recreates the source,
     * say to heal a removed container) the worker's validation is skipped, so the update is not blocked
     * by a database that this very update brings back. Default: none (always validate).
     */
    sourceRevision?: pulumi.Input<string>;
    /**
     * Secrets that `config` references through the worker's config providers (e.g. `database.password`:
     * `${directory:/kafka/secrets:postgres-cdc-password}`). Never sent to the worker; state keeps a salted
     * digest (a secret), and a change, such as a password rotation, restarts the connector and its tasks so
     * they resolve the new value. Default: none.
     */
    referencedSecrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Debezium's source signaling channel: the signaling table (must equal `signal.data.collection` in
     * `config`) and the argv of a SQL client that reads statements on stdin (e.g. `docker exec -i <db> psql
     * ...`), run where `pulumi up` runs. When an update adds tables to `table.include.list`, the connector
     * sends an incremental `execute-snapshot` signal for exactly those tables once its tasks run the new
     * config, so their existing rows reach Kafka and no other table is snapshotted again. Never diffed.
     * Default: none (added tables only stream their changes from the update on).
     */
    signal?: pulumi.Input<{ collection: pulumi.Input<string>; command: pulumi.Input<pulumi.Input<string>[]> }>;
    /**
     * The login of a worker whose REST API requires HTTP basic authentication (`DebeziumConnect.login`,
     * with lakehouse:secureServices): sent with every request, including the refresh's and the delete's,
     * so it is kept in state, always as a Pulumi secret. A changed password is an update that restarts
     * nothing; a worker that refuses it (HTTP 401) fails the operation with an error naming the connector.
     * Default: none (no Authorization header).
     */
    connectAuth?: pulumi.Input<{ username: pulumi.Input<string>; password: pulumi.Input<string> }>;
}

/** Type token module of the resource: `pulumi-nodejs:dynamic/lakehouse:Connector`. */
export const CONNECTOR_TYPE = { module: "lakehouse", type: "Connector" } as const;

/**
 * A Kafka Connect connector. Create and update `PUT /connectors/{name}/config` and wait until the
 * connector and every task are RUNNING (failing with the task's trace); delete tolerates a 404.
 * Requests retry with bounded backoff on 409 (rebalance) and on refused connections.
 */
export class Connector extends pulumi.dynamic.Resource {
    /** The REST API base URL used for the last create, update or read. */
    declare readonly connectUrl: pulumi.Output<string>;
    /** The connector name (also the resource id). */
    declare readonly name: pulumi.Output<string>;
    /** The user's plain settings, with their live values after a refresh. */
    declare readonly config: pulumi.Output<Record<string, string>>;
    /** Names of the secret settings (never their values). */
    declare readonly secretConfigKeys: pulumi.Output<string[]>;
    /** Salted digest of the secret settings (a Pulumi secret). */
    declare readonly secretConfigDigest: pulumi.Output<string>;
    /** Salted digest of the referenced secrets (a Pulumi secret). */
    declare readonly referencedSecretsDigest: pulumi.Output<string>;
    /** Connector state at the last create, update or refresh, e.g. RUNNING. */
    declare readonly connectorState: pulumi.Output<string>;
    /** Task states, by task id. */
    declare readonly taskStates: pulumi.Output<string[]>;
    /** The worker running the connector. */
    declare readonly workerId: pulumi.Output<string>;
    /** `source` or `sink`. */
    declare readonly connectorType: pulumi.Output<string>;
    /** The REST API's login, when the worker requires one (a Pulumi secret). */
    declare readonly connectAuth: pulumi.Output<{ username: string; password: string } | undefined>;
    /** The last incremental-snapshot signal sent for tables added to capture: its id and tables. */
    declare readonly snapshotSignal: pulumi.Output<{ id: string; tables: string[] } | undefined>;

    constructor(name: string, args: ConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            connectUrl: args.connectUrl,
            name: args.name,
            config: args.config,
            // A plain password handed in by mistake still becomes a secret.
            secretConfig: args.secretConfig === undefined ? undefined : pulumi.secret(args.secretConfig),
            waitTimeoutSeconds: args.waitTimeoutSeconds,
            resetOffsetsOnDelete: args.resetOffsetsOnDelete,
            validate: args.validate,
            sourceRevision: args.sourceRevision,
            referencedSecrets: args.referencedSecrets === undefined ? undefined : pulumi.secret(args.referencedSecrets),
            signal: args.signal,
            // A plain password handed in by mistake still becomes a secret, in the inputs and (below) the outputs.
            connectAuth: args.connectAuth === undefined ? undefined : pulumi.secret(args.connectAuth),
            snapshotSignal: undefined,
            referencedSecretsDigest: undefined,
            secretConfigKeys: undefined,
            secretConfigDigest: undefined,
            connectorState: undefined,
            taskStates: undefined,
            workerId: undefined,
            connectorType: undefined,
        };
        const secretOutputs = { additionalSecretOutputs: ["secretConfig", "secretConfigDigest", "referencedSecrets", "referencedSecretsDigest", "connectAuth"] };
        super(connectorProvider, name, props, pulumi.mergeOptions(opts, secretOutputs), CONNECTOR_TYPE.module, CONNECTOR_TYPE.type);
    }
}
