// The Kafka Connect dynamic provider. Pulumi serializes the provider object and every function it
// reaches by closure, so this module imports nothing at run time (types only), requires axios and
// crypto inside functions, captures no secret, and builds every HTTP body from an allow-list.
import type * as pulumi from "@pulumi/pulumi";

/** A login of the Connect REST API (HTTP basic authentication, Kafka's BasicAuthSecurityRestExtension). */
export interface ConnectAuth {
    username: string;
    password: string;
}

/** Inputs as the provider receives them (after `check`: every config value a string). */
export interface ConnectorInputs {
    connectUrl: string;
    name: string;
    config: Record<string, string>;
    secretConfig?: Record<string, string>;
    waitTimeoutSeconds?: number;
    resetOffsetsOnDelete?: boolean;
    validate?: boolean;
    /**
     * Changes whenever the source database is created or replaced (its readiness resources' ids). Never
     * diffed; while it is unknown (a preview of an update that recreates the source) validation is skipped.
     */
    sourceRevision?: string;
    /**
     * Secrets that `config` references through the worker's config providers (`${provider:path:key}`),
     * never sent: a change restarts the connector so it resolves the new value.
     */
    referencedSecrets?: Record<string, string>;
    /**
     * Debezium's source signaling channel (issue 16): the signaling table (`signal.data.collection`) and
     * the argv of a SQL client that reads statements on stdin, e.g. `docker exec -i <db> psql ...`. When
     * an update adds tables to `table.include.list`, the provider inserts an `execute-snapshot` signal
     * (incremental) for exactly those tables once the tasks run the new config. Never diffed.
     */
    signal?: SnapshotSignalChannel;
    /**
     * The login of a worker whose REST API requires one (lakehouse:secureServices): sent with every
     * request as HTTP basic authentication. Kept in the outputs (a Pulumi secret) because read and delete
     * get only the state. A change is an update that restarts nothing.
     */
    connectAuth?: ConnectAuth;
}

/** Where and how the provider sends Debezium's `execute-snapshot` signal. */
export interface SnapshotSignalChannel {
    /** The signaling table, `schema.table` (Postgres) or `database.table` (MySQL). */
    collection: string;
    /** argv of a client that runs the SQL it reads on stdin and exits non-zero on error. */
    command: string[];
}

/** Outputs the provider returns and Pulumi stores: no secret value but `connectAuth`, which the resource marks secret. */
export interface ConnectorOutputs {
    connectUrl: string;
    name: string;
    /** The REST API's login, for read and delete (which get only the state); absent when the worker needs none. */
    connectAuth?: ConnectAuth;
    /** The source database's revision the connector last ran against (its container ids); "" without one. */
    sourceRevision?: string;
    /** Only the keys the user gave, with their live values after `read`. */
    config: Record<string, string>;
    /** Names of the secret settings, never their values. */
    secretConfigKeys: string[];
    /** `scrypt:<salt>:<hash>` of the secret settings, so a changed password shows as a diff; "" if none. */
    secretConfigDigest: string;
    /** Salted digest of `referencedSecrets`, so a rotation shows as an update; "" if none. */
    referencedSecretsDigest: string;
    waitTimeoutSeconds: number;
    resetOffsetsOnDelete: boolean;
    validate: boolean;
    /** Connector state from `GET /connectors/{name}/status` (RUNNING, PAUSED, STOPPED, ...). */
    connectorState: string;
    /** Task states, by task id. */
    taskStates: string[];
    /** Worker running the connector. */
    workerId: string;
    /** `source` or `sink`. */
    connectorType: string;
    /** The last incremental-snapshot signal sent for tables added to capture (id and tables); absent if none. */
    snapshotSignal?: { id: string; tables: string[] };
}

/** Bounded exponential backoff. */
export interface RetryPolicy {
    /** First delay. Default 250 ms. */
    initialDelayMs: number;
    /** Largest delay between two attempts. Default 5 s. */
    maxDelayMs: number;
    /** Give up once this much time has passed since the first attempt. Default 180 s. */
    maxElapsedMs: number;
}

/** One retried request, reported to {@link ConnectorProviderOptions.onRetry}. */
export interface RetryEvent {
    method: string;
    path: string;
    /** The attempt that failed, from 1. */
    attempt: number;
    /** Why: an HTTP status (`409`) or a network error code (`ECONNREFUSED`). */
    reason: string;
    delayMs: number;
}

/** Tuning of the provider; the defaults suit a local Connect worker. */
export interface ConnectorProviderOptions {
    /** Backoff on 409, rebalance 500s, 502-504, bare 404s and refused connections. */
    retry?: Partial<RetryPolicy>;
    /** Interval between two status polls. Default 1000 ms. */
    pollIntervalMs?: number;
    /** Consecutive all-RUNNING polls needed (a restart after PUT can still show the old state). Default 2. */
    stablePolls?: number;
    /** Timeout of one HTTP request. Default 30 s. */
    requestTimeoutMs?: number;
    /** Timeout of the validation request in `check` (no retry there). Default 10 s. */
    checkTimeoutMs?: number;
    /**
     * How long `read` and `delete` try to reach a worker that does not answer at all before they give up
     * on it: `read` keeps the state as it was, `delete` treats the connector as gone with its worker.
     * Default 20 s.
     */
    unreachableAfterMs?: number;
    /** Called on every retry, e.g. to log or count them. Must be serializable if set. */
    onRetry?: (event: RetryEvent) => void;
}

/** Defaults of the resource inputs that are optional. */
const CONNECTOR_DEFAULTS = { waitTimeoutSeconds: 300, resetOffsetsOnDelete: false, validate: true };

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // Pulumi's marker for a value unknown during preview
const CONNECTOR_CLASS_KEY = "connector.class";
const NAME_KEY = "name";
const SECRET_LOOKING_KEY = /password|secret|jaas\.config|credential|token|sslkey$|\.key$/i;
/** A whole value that is a config-provider reference (`${provider:path:key}`, KIP-297): safe in config and state. */
const PROVIDER_REFERENCE = /^\$\{[A-Za-z0-9_.-]+:(?:[^{}:]*:)?[^{}:]+\}$/;
const RETRY_STATUS = [409, 502, 503, 504];
const RETRY_CODES = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"];
const TRACE_LIMIT = 6000;

interface Settings {
    retry: RetryPolicy;
    pollIntervalMs: number;
    stablePolls: number;
    requestTimeoutMs: number;
    checkTimeoutMs: number;
    unreachableAfterMs: number;
    onRetry?: (event: RetryEvent) => void;
}

/** A request context: where, as whom, for which connector, and which values to redact from anything shown. */
interface Context {
    url: string;
    /** The connector the requests are for, named in errors. */
    connector: string;
    auth?: ConnectAuth;
    secrets: string[];
    settings: Settings;
}

interface HttpResult {
    status: number;
    data: any;
}

/** An error of the Connect REST API (or of the network), already redacted. */
class ConnectError extends Error {
    constructor(message: string, readonly status?: number, readonly code?: string) {
        super(message);
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (value !== null && typeof value === "object") return Object.values(value).some(isUnknown);
    return false;
}

/** Replace every secret value in a text by `***`; applied to everything that leaves the provider. */
function redact(text: string, secrets: string[]): string {
    let result = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        if (secret.length > 0) result = result.split(secret).join("***");
    }
    return result;
}

function errorCodes(error: any): string[] {
    const codes = [error?.code, error?.cause?.code];
    for (const inner of error?.errors ?? error?.cause?.errors ?? []) codes.push(inner?.code);
    return codes.filter((code) => typeof code === "string");
}

function connectMessage(data: any): string {
    if (data && typeof data === "object" && typeof data.message === "string") return data.message;
    if (typeof data === "string" && data.length > 0) return data.slice(0, 500);
    return "";
}

/** One HTTP exchange with the worker; never throws on an HTTP status, only on network errors. */
async function send(ctx: Context, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<HttpResult> {
    const axios = require("axios");
    try {
        const response = await axios.request({
            baseURL: ctx.url.replace(/\/+$/, ""),
            url: path,
            method,
            data: body,
            timeout: timeoutMs ?? ctx.settings.requestTimeoutMs,
            headers: { Accept: "application/json", "Content-Type": "application/json" },
            // Basic authentication on every request when the worker requires a login (axios sets the header).
            ...(ctx.auth ? { auth: { username: ctx.auth.username, password: ctx.auth.password } } : {}),
            proxy: false, // the worker is on loopback or the project's network, never behind a proxy
            validateStatus: () => true,
        });
        return { status: response.status, data: response.data };
    } catch (error: any) {
        // Never rethrow axios' error: its config holds the request body, secrets included.
        const code = errorCodes(error)[0] ?? "ENETWORK";
        throw new ConnectError(`${method} ${ctx.url}${path}: ${code}`, undefined, code);
    }
}

function retryable(error: ConnectError | undefined, result: HttpResult | undefined): string | undefined {
    if (error) return error.code && RETRY_CODES.includes(error.code) ? error.code : undefined;
    if (result && RETRY_STATUS.includes(result.status)) return String(result.status);
    // Kafka Connect 4.x answers some requests during a rebalance with 500, not 409:
    // {"error_code":500,"message":"Request cannot be completed because a rebalance is expected"}.
    if (result && result.status === 500 && /rebalance/i.test(connectMessage(result.data))) return "500 (rebalance expected)";
    // A starting worker's HTTP server answers 404 before the REST resources exist; Connect's own 404s
    // (an unknown connector) always carry a JSON body with error_code.
    if (result && result.status === 404 && !(result.data && typeof result.data === "object" && "error_code" in result.data)) {
        return "404 (worker starting)";
    }
    return undefined;
}

/**
 * The error of a 401: the worker's basic-auth filter refused the request's credentials (or their absence).
 * Names the connector, the worker and the user, never the password.
 */
function loginRefused(ctx: Context, method: string, path: string): ConnectError {
    const why = ctx.auth
        ? `refused the credentials of user "${ctx.auth.username}" (HTTP 401 on ${method} ${path}): the password in the connector's connectAuth ` +
          "is not the one the worker was started with (one of them missed a password rotation: `pulumi up` gives both the stack's; see docs/security.md)"
        : `refused the request without credentials (HTTP 401 on ${method} ${path}): the worker requires a login, give the connector connectAuth`;
    return new ConnectError(redact(`connector ${ctx.connector}: the Kafka Connect REST API at ${ctx.url} ${why}`, ctx.secrets), 401);
}

/**
 * Sends a request, retrying with bounded exponential backoff (with jitter) on 409 (rebalance, stale
 * config), a 500 that names a rebalance (Kafka 4.x), 502-504, refused or reset connections and bare
 * 404s (a worker still starting). Returns the last
 * response, or throws the last network error, once the policy's time is spent.
 */
async function request(ctx: Context, method: string, path: string, body?: unknown): Promise<HttpResult> {
    const policy = ctx.settings.retry;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
        let error: ConnectError | undefined;
        let result: HttpResult | undefined;
        try {
            result = await send(ctx, method, path, body);
        } catch (e) {
            error = e as ConnectError;
        }
        const reason = retryable(error, result);
        if (reason === undefined) {
            if (error) throw error;
            if (result!.status === 401) throw loginRefused(ctx, method, path);
            return result!;
        }
        const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
        const delayMs = Math.round(base / 2 + (Math.random() * base) / 2);
        if (Date.now() - started + delayMs > policy.maxElapsedMs) {
            if (error) throw new ConnectError(`${error.message} (gave up after ${attempt} attempts)`, undefined, error.code);
            return result!;
        }
        ctx.settings.onRetry?.({ method, path, attempt, reason, delayMs });
        await sleep(delayMs);
    }
}

/** Throws a redacted error for an unexpected status. */
function expectStatus(ctx: Context, what: string, result: HttpResult, ok: number[]): void {
    if (ok.includes(result.status)) return;
    const detail = connectMessage(result.data);
    throw new ConnectError(redact(`${what}: HTTP ${result.status}${detail ? `: ${detail}` : ""}`, ctx.secrets), result.status);
}

function connectorPath(name: string, suffix = ""): string {
    return `/connectors/${encodeURIComponent(name)}${suffix}`;
}

function settingsOf(options: ConnectorProviderOptions): Settings {
    return {
        retry: { initialDelayMs: 250, maxDelayMs: 5000, maxElapsedMs: 180000, ...options.retry },
        pollIntervalMs: options.pollIntervalMs ?? 1000,
        stablePolls: options.stablePolls ?? 2,
        requestTimeoutMs: options.requestTimeoutMs ?? 30000,
        checkTimeoutMs: options.checkTimeoutMs ?? 10000,
        unreachableAfterMs: options.unreachableAfterMs ?? 20000,
        onRetry: options.onRetry,
    };
}

function stringMap(value: unknown): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) result[key] = String(item);
    return result;
}

/** The request body: the user's keys, the secret keys and the name, nothing else (an allow-list). */
function requestBody(inputs: ConnectorInputs): Record<string, string> {
    const body: Record<string, string> = {};
    for (const [key, value] of Object.entries(inputs.config)) body[key] = String(value);
    for (const [key, value] of Object.entries(inputs.secretConfig ?? {})) body[key] = String(value);
    body[NAME_KEY] = inputs.name;
    return body;
}

/** Digest of the secret settings with a salt, so state can tell a password change without holding it. */
export function secretDigest(secretConfig: Record<string, string> | undefined, salt?: string): string {
    const keys = Object.keys(secretConfig ?? {}).sort();
    if (keys.length === 0) return "";
    const crypto = require("crypto");
    const useSalt = salt ?? crypto.randomBytes(16).toString("base64");
    const canonical = JSON.stringify(keys.map((key) => [key, String(secretConfig![key])]));
    return `scrypt:${useSalt}:${crypto.scryptSync(canonical, useSalt, 32).toString("base64")}`;
}

function saltOf(digest: string | undefined): string | undefined {
    const parts = (digest ?? "").split(":");
    return parts.length === 3 && parts[0] === "scrypt" ? parts[1] : undefined;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
    const left = a ?? {};
    const right = b ?? {};
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) {
        if (!(key in left) || !(key in right) || String(left[key]) !== String(right[key])) return false;
    }
    return true;
}

function referencesUnchanged(olds: Partial<ConnectorOutputs>, news: ConnectorInputs): boolean {
    const refs = news.referencedSecrets ?? {};
    if (Object.keys(refs).length === 0) return !olds.referencedSecretsDigest;
    const salt = saltOf(olds.referencedSecretsDigest);
    return salt !== undefined && secretDigest(refs, salt) === olds.referencedSecretsDigest;
}

function secretsUnchanged(olds: Partial<ConnectorOutputs>, news: ConnectorInputs): boolean {
    const newKeys = Object.keys(news.secretConfig ?? {}).sort();
    const oldKeys = [...(olds.secretConfigKeys ?? [])].sort();
    if (JSON.stringify(newKeys) !== JSON.stringify(oldKeys)) return false;
    if (newKeys.length === 0) return true;
    const salt = saltOf(olds.secretConfigDigest);
    return salt !== undefined && secretDigest(news.secretConfig, salt) === olds.secretConfigDigest;
}

/** The tables a Debezium config captures (`table.include.list`, comma-separated, trimmed), in order. */
export function capturedTables(config: Record<string, unknown> | undefined): string[] {
    const list = config?.["table.include.list"];
    if (typeof list !== "string") return [];
    return list.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
}

/**
 * The tables an update adds to and removes from capture (issue 16). Only the added tables need an
 * incremental snapshot; the others keep their offsets and are never snapshotted again.
 */
export function captureChanges(oldConfig: Record<string, unknown> | undefined, newConfig: Record<string, unknown> | undefined): { added: string[]; removed: string[] } {
    const before = capturedTables(oldConfig);
    const after = capturedTables(newConfig);
    return {
        added: after.filter((t) => !before.includes(t)),
        removed: before.filter((t) => !after.includes(t)),
    };
}

/**
 * Debezium's `execute-snapshot` signal for an incremental snapshot of exactly `tables`: the row to
 * insert into the signaling table (source channel) or the value of a Kafka signal message (key: the
 * `topic.prefix`). Throws on an empty list: a signal without tables would snapshot nothing.
 */
export function incrementalSnapshotSignal(id: string, tables: string[]): { id: string; type: string; data: string } {
    if (tables.length === 0) throw new Error("an incremental snapshot signal needs at least one table");
    return { id, type: "execute-snapshot", data: JSON.stringify({ "data-collections": tables, type: "INCREMENTAL" }) };
}

/**
 * The signaling table (issue 16): Debezium's source channel needs it for incremental snapshots on
 * both connectors (Postgres and non-GTID MySQL write the open/close watermarks into it), so a Kafka
 * signal channel would not spare it. `collection` is `schema.table` (Postgres) or `database.table`
 * (MySQL); `user` is the connector's login, which inserts the watermarks. Gives the DDL plus grants,
 * idempotent, and the connector config keys that point at it. Throws on a bad name before anything runs.
 */
export function signalTable(kind: "postgres" | "mysql", collection: string, user: string, owner?: string): { ddl: string[]; config: Record<string, string> } {
    const m = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(collection);
    if (!m) throw new Error(`signal collection "${collection}" must be <schema|database>.<table> in lower-case letters, digits and _`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(user)) throw new Error(`signal table user "${user}" must be letters, digits and _`);
    if (owner !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(owner)) throw new Error(`signal table owner "${owner}" must be letters, digits and _`);
    const [, ns, table] = m;
    const columns = "id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL";
    const ddl = kind === "postgres"
        ? [`CREATE SCHEMA IF NOT EXISTS ${ns}`,
           `CREATE TABLE IF NOT EXISTS ${ns}.${table} (${columns})`,
           // A filtered publication (publication.autocreate.mode=filtered) may only name tables its role owns.
           ...(owner ? [`ALTER TABLE ${ns}.${table} OWNER TO ${owner}`] : []),
           `GRANT USAGE ON SCHEMA ${ns} TO ${user}`,
           `GRANT SELECT, INSERT, UPDATE, DELETE ON ${ns}.${table} TO ${user}`]
        : [`CREATE DATABASE IF NOT EXISTS ${ns}`,
           `CREATE TABLE IF NOT EXISTS ${ns}.${table} (${columns})`,
           `GRANT SELECT, INSERT, UPDATE, DELETE ON ${ns}.${table} TO '${user}'@'%'`];
    return { ddl, config: { "signal.enabled.channels": "source", "signal.data.collection": collection } };
}

/** The INSERT that sends `incrementalSnapshotSignal(id, tables)` through the signaling table (values quoted). */
export function signalInsertSql(collection: string, id: string, tables: string[]): string {
    const signal = incrementalSnapshotSignal(id, tables);
    const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
    return `INSERT INTO ${collection} (id, type, data) VALUES (${q(signal.id)}, ${q(signal.type)}, ${q(signal.data)})`;
}

/**
 * The diff: a new name replaces (delete first: slot names, server ids and history topics are unique
 * per connector); the config compares only the keys the user gave, so keys the worker adds never show.
 */
export function diffConnector(olds: Partial<ConnectorOutputs>, news: ConnectorInputs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    const changed: string[] = [];
    if (isUnknown(news.name) || olds.name !== news.name) replaces.push("name");
    if (isUnknown(news.config) || !sameMap(olds.config, stringMap(news.config))) changed.push("config");
    if (isUnknown(news.secretConfig) || !secretsUnchanged(olds, news)) changed.push("secretConfig");
    if (isUnknown(news.referencedSecrets) || !referencesUnchanged(olds, news)) changed.push("referencedSecrets");
    if (isUnknown(news.connectUrl) || olds.connectUrl !== news.connectUrl) changed.push("connectUrl");
    // A new REST login (a rotated password): an update that only stores it, restarting nothing.
    if (isUnknown(news.connectAuth) || !sameAuth(olds.connectAuth, news.connectAuth)) changed.push("connectAuth");
    // A replaced source database (new container id in the revision): an update that restarts failed tasks.
    // State written before the revision was kept has none: no diff for it.
    if (olds.sourceRevision !== undefined && (isUnknown(news.sourceRevision) || olds.sourceRevision !== (news.sourceRevision ?? ""))) changed.push("sourceRevision");
    const options = ["waitTimeoutSeconds", "resetOffsetsOnDelete", "validate"] as const;
    for (const option of options) {
        const oldValue = olds[option] ?? CONNECTOR_DEFAULTS[option];
        const newValue = news[option] ?? CONNECTOR_DEFAULTS[option];
        if (isUnknown(newValue) || oldValue !== newValue) changed.push(option);
    }
    return {
        changes: replaces.length + changed.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0,
    };
}

/**
 * Local validation of the inputs, as check failures ({property, reason}); a secret value never
 * appears in a reason. Returns the inputs normalised (config values as strings).
 */
export function validateInputs(news: any): { inputs: any; failures: pulumi.dynamic.CheckFailure[] } {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const inputs = { ...news };
    if (!isUnknown(news.connectUrl)) {
        let valid = typeof news.connectUrl === "string";
        try {
            valid = valid && ["http:", "https:"].includes(new URL(news.connectUrl).protocol);
        } catch {
            valid = false;
        }
        if (!valid) failures.push({ property: "connectUrl", reason: "must be an http(s) URL of the Kafka Connect REST API" });
    }
    if (!isUnknown(news.name) && (typeof news.name !== "string" || !/^[^/\\\s\x00-\x1f][^/\\\x00-\x1f]*$/.test(news.name))) {
        failures.push({ property: "name", reason: "must be a non-empty connector name without slashes or control characters" });
    }
    if (news.config === null || typeof news.config !== "object" || Array.isArray(news.config)) {
        failures.push({ property: "config", reason: "must be a map of setting names to strings" });
    } else if (!isUnknown(news.config)) {
        inputs.config = {};
        for (const [key, value] of Object.entries(news.config)) {
            if (value !== null && typeof value === "object") {
                failures.push({ property: `config["${key}"]`, reason: "must be a string, number or boolean" });
            } else {
                inputs.config[key] = String(value);
            }
            if (SECRET_LOOKING_KEY.test(key) && !PROVIDER_REFERENCE.test(String(value))) {
                failures.push({ property: `config["${key}"]`, reason: "looks like a secret: pass it in secretConfig, which never reaches state, or as a config-provider reference (${provider:path:key})" });
            }
        }
        if (!(CONNECTOR_CLASS_KEY in news.config)) {
            failures.push({ property: `config["${CONNECTOR_CLASS_KEY}"]`, reason: "is required" });
        }
        if (NAME_KEY in news.config && !isUnknown(news.name) && news.config[NAME_KEY] !== news.name) {
            failures.push({ property: `config["${NAME_KEY}"]`, reason: "must equal the connector name (or be left out)" });
        }
    }
    if (news.secretConfig !== undefined && news.secretConfig !== null && !isUnknown(news.secretConfig)) {
        if (typeof news.secretConfig !== "object" || Array.isArray(news.secretConfig)) {
            failures.push({ property: "secretConfig[*]", reason: "must be a map of setting names to strings" });
        } else {
            inputs.secretConfig = {};
            for (const [key, value] of Object.entries(news.secretConfig)) {
                if (value !== null && typeof value === "object") {
                    failures.push({ property: `secretConfig["${key}"]`, reason: "must be a string" });
                } else {
                    inputs.secretConfig[key] = String(value);
                }
                if (inputs.config && key in inputs.config) {
                    failures.push({ property: `secretConfig["${key}"]`, reason: "is also in config: give each setting once" });
                }
            }
        }
    }
    if (news.referencedSecrets !== undefined && news.referencedSecrets !== null && !isUnknown(news.referencedSecrets)) {
        if (typeof news.referencedSecrets !== "object" || Array.isArray(news.referencedSecrets)) {
            failures.push({ property: "referencedSecrets[*]", reason: "must be a map of names to strings" });
        } else {
            inputs.referencedSecrets = stringMap(news.referencedSecrets);
        }
    }
    const auth = news.connectAuth;
    if (auth !== undefined && auth !== null && !isUnknown(auth)) {
        // Basic authentication joins user and password with ":" (RFC 7617): a user name cannot hold one.
        if (typeof auth !== "object" || Array.isArray(auth)) {
            failures.push({ property: "connectAuth", reason: "must be {username, password}" });
        } else {
            if (!isUnknown(auth.username) && !(typeof auth.username === "string" && /^[^:\x00-\x1f]+$/.test(auth.username))) {
                failures.push({ property: "connectAuth.username", reason: "must be a non-empty string without ':' or control characters" });
            }
            if (!isUnknown(auth.password) && !(typeof auth.password === "string" && auth.password.length > 0)) {
                failures.push({ property: "connectAuth.password", reason: "must be a non-empty string" });
            }
        }
    }
    const w = news.waitTimeoutSeconds;
    if (w !== undefined && !isUnknown(w) && !(typeof w === "number" && w > 0 && Number.isFinite(w))) {
        failures.push({ property: "waitTimeoutSeconds", reason: "must be a positive number of seconds" });
    }
    for (const flag of ["resetOffsetsOnDelete", "validate"]) {
        if (news[flag] !== undefined && !isUnknown(news[flag]) && typeof news[flag] !== "boolean") {
            failures.push({ property: flag, reason: "must be a boolean" });
        }
    }
    const signal = news.signal;
    if (signal !== undefined && signal !== null && !isUnknown(signal)) {
        if (typeof signal !== "object" || Array.isArray(signal)) {
            failures.push({ property: "signal", reason: "must be {collection, command}" });
        } else {
            if (!isUnknown(signal.collection) && (typeof signal.collection !== "string" || !/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/.test(signal.collection))) {
                failures.push({ property: "signal.collection", reason: "must be <schema|database>.<table>" });
            }
            if (!isUnknown(signal.command) && !(Array.isArray(signal.command) && signal.command.length > 0 && signal.command.every((a: unknown) => typeof a === "string" && a.length > 0))) {
                failures.push({ property: "signal.command", reason: "must be a non-empty argv (strings) of a SQL client reading stdin" });
            }
            const signalled = inputs.config?.["signal.data.collection"];
            if (typeof signal.collection === "string" && typeof signalled === "string" && !isUnknown(signalled) && signalled !== signal.collection) {
                failures.push({ property: "signal.collection", reason: `must equal config["signal.data.collection"] (${signalled}): Debezium reads signals from that table only` });
            }
        }
    }
    return { inputs, failures };
}

/** What the worker's validation found: field failures, or why it could not judge. */
interface RemoteValidation {
    failures: pulumi.dynamic.CheckFailure[];
    /** Set when the validation was not done or not conclusive, e.g. the worker or the database did not answer. */
    skipped?: string;
}

/** Debezium's messages for a database it could not reach (Postgres JDBC, MySQL/MariaDB drivers). */
const UNREACHABLE_SOURCE = /connection attempt failed|unable to connect|communications link failure|connection refused|could not connect|unknownhost|no route to host|connect timed out|timeout.*connect|failed to establish connection/i;
/** ...unless the database answered and refused the credentials (MySQL: "Unable to connect: Access denied ..."). */
const CREDENTIALS_REFUSED = /access denied|password authentication failed|authentication failed/i;

type WorkerValidation = { errors: { field: string; errors: string[] }[] } | { skipped: string } | { rejected: string };

/**
 * `PUT /connector-plugins/{class}/config/validate`: the worker's error messages per setting (redacted),
 * or why there are none: the worker did not answer or answered 5xx/409 (`skipped`), or refused the
 * request itself, e.g. an unknown connector class (`rejected`).
 */
async function validationByWorker(ctx: Context, inputs: ConnectorInputs, timeoutMs: number): Promise<WorkerValidation> {
    const connectorClass = inputs.config[CONNECTOR_CLASS_KEY];
    const path = `/connector-plugins/${encodeURIComponent(connectorClass)}/config/validate`;
    let result: HttpResult;
    try {
        result = await send(ctx, "PUT", path, requestBody(inputs), timeoutMs);
    } catch (error: any) {
        return { skipped: `the Connect worker did not answer (${error?.code ?? "network error"})` };
    }
    if (result.status === 401) throw loginRefused(ctx, "PUT", path);
    if (result.status >= 500 || result.status === 409) {
        const detail = connectMessage(result.data) || "";
        return { skipped: redact(`the worker answered HTTP ${result.status}${detail ? `: ${detail}` : ""}`, ctx.secrets) };
    }
    if (result.status !== 200) {
        return { rejected: redact(`the worker rejected it: ${connectMessage(result.data) || `HTTP ${result.status}`}`, ctx.secrets) };
    }
    const errors: { field: string; errors: string[] }[] = [];
    for (const entry of result.data?.configs ?? []) {
        const field = entry?.value?.name;
        const messages: unknown[] = entry?.value?.errors ?? [];
        if (typeof field !== "string" || !Array.isArray(messages) || messages.length === 0) continue;
        errors.push({ field, errors: messages.map((m) => redact(String(m), ctx.secrets)) });
    }
    return { errors };
}

/**
 * Why the worker refused a connector's config, per setting: Connect answers a PUT of an invalid config
 * with a summary (400) or, for some plugins, an opaque 500 (Kafka 4.3 with Debezium's MySQL connector:
 * a NullPointerException on a validated key without a value). The validate endpoint still gives each
 * setting's messages; they replace the summary in the error. Returns undefined when it gives none.
 */
async function explainRefusedConfig(ctx: Context, inputs: ConnectorInputs): Promise<string | undefined> {
    const answer = await validationByWorker(ctx, inputs, ctx.settings.requestTimeoutMs);
    if ("skipped" in answer) return undefined;
    if ("rejected" in answer) return `  ${CONNECTOR_CLASS_KEY}: ${answer.rejected}`;
    if (answer.errors.length === 0) return undefined;
    return answer.errors.map(({ field, errors }) => `  ${field}: ${errors.join("; ")}`).join("\n");
}

/**
 * Validation by the worker: `PUT /connector-plugins/{class}/config/validate`, one failure per field
 * error. Never blocks an update it cannot judge: a worker that does not answer, or a database it cannot
 * reach (Debezium tests the connection there), gives no failure but a `skipped` reason.
 */
async function validateRemotely(ctx: Context, inputs: ConnectorInputs): Promise<RemoteValidation> {
    const answer = await validationByWorker(ctx, inputs, ctx.settings.checkTimeoutMs);
    if ("skipped" in answer) return { failures: [], skipped: answer.skipped };
    if ("rejected" in answer) return { failures: [{ property: `config["${CONNECTOR_CLASS_KEY}"]`, reason: answer.rejected }] };
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const unreachable: string[] = [];
    for (const { field, errors } of answer.errors) {
        const reachable = errors.filter((e) => !UNREACHABLE_SOURCE.test(String(e)) || CREDENTIALS_REFUSED.test(String(e)));
        if (reachable.length < errors.length) unreachable.push(field);
        if (reachable.length === 0) continue;
        const group = inputs.secretConfig && field in inputs.secretConfig ? "secretConfig" : "config";
        failures.push({ property: `${group}["${field}"]`, reason: redact(reachable.join("; "), ctx.secrets) });
    }
    const skipped = unreachable.length > 0
        ? `the worker could not reach the source database (${unreachable.join(", ")}); its connection is not validated`
        : undefined;
    return { failures, skipped };
}

/**
 * Why the worker's validation must not run for these inputs, if it must not: a source created or
 * replaced in this very update (validating against the old or missing database would block the heal),
 * or credentials that change in this update (the database learns them later in the same update).
 */
export function validationSkipReason(olds: any, inputs: any): string | undefined {
    if (isUnknown(inputs.sourceRevision)) return "its source database or its set-up (tables, grants) is created or replaced in this update";
    if (isUnknown(inputs)) return "some inputs are known only during the update";
    if (olds && typeof olds.name === "string" && Object.keys(olds).length > 0 && !secretsUnchanged(olds, inputs)) {
        return "its secret settings (credentials) change in this update";
    }
    if (olds && typeof olds.name === "string" && Object.keys(olds).length > 0 && !sameAuth(olds.connectAuth, inputs.connectAuth)) {
        return "the Connect REST API's login changes in this update (the worker that takes it is replaced later in the update)";
    }
    return undefined;
}

/**
 * Whether the worker answers at all, trying for a short while (`unreachableAfterMs`): a worker whose
 * container is gone must not hold a refresh or a destroy for the full retry budget. Returns the
 * network error code when it never answered.
 */
async function unreachableWorker(ctx: Context): Promise<string | undefined> {
    const started = Date.now();
    for (;;) {
        try {
            await send(ctx, "GET", "/", undefined, 5000);
            return undefined;
        } catch (error: any) {
            if (Date.now() - started >= ctx.settings.unreachableAfterMs) return error?.code ?? "ENETWORK";
            await sleep(1000);
        }
    }
}

/** A note on the CLI's output (a dynamic provider's stderr reaches the engine's diagnostics). */
function note(message: string): void {
    process.stderr.write(`${message}\n`);
}

interface Status {
    connector?: { state?: string; worker_id?: string; trace?: string };
    tasks?: { id: number; state: string; worker_id?: string; trace?: string }[];
    type?: string;
}

function describe(status: Status | undefined): string {
    if (!status) return "no status yet";
    const tasks = (status.tasks ?? []).map((t) => `task ${t.id} ${t.state}`).join(", ");
    return `connector ${status.connector?.state ?? "?"}${tasks ? `, ${tasks}` : ", no task yet"}`;
}

function trimTrace(trace: string | undefined): string {
    if (!trace) return "(no trace)";
    return trace.length > TRACE_LIMIT ? `${trace.slice(0, TRACE_LIMIT)}\n... (trace truncated)` : trace;
}

/**
 * Polls the status until the connector and every task are RUNNING on `stablePolls` consecutive polls.
 * Throws with the trace as soon as the connector or a task is FAILED, or when the time is up.
 */
async function waitUntilRunning(ctx: Context, name: string, timeoutSeconds: number, failedMayLingerUntil = 0): Promise<Status> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let stable = 0;
    let last: Status | undefined;
    for (;;) {
        const result = await request(ctx, "GET", connectorPath(name, "/status"));
        if (result.status === 200) {
            last = result.data as Status;
            // Right after a restart request (asynchronous in Connect) the status can still show the old FAILED states.
            const lingering = Date.now() < failedMayLingerUntil;
            if (last.connector?.state === "FAILED" && !lingering) {
                throw new ConnectError(redact(`connector ${name} FAILED on ${last.connector.worker_id}:\n${trimTrace(last.connector.trace)}`, ctx.secrets));
            }
            const failed = (last.tasks ?? []).find((task) => task.state === "FAILED");
            if (failed && !lingering) {
                throw new ConnectError(redact(`connector ${name}: task ${failed.id} FAILED on ${failed.worker_id}:\n${trimTrace(failed.trace)}`, ctx.secrets));
            }
            const tasks = last.tasks ?? [];
            const running = last.connector?.state === "RUNNING" && tasks.length > 0 && tasks.every((t) => t.state === "RUNNING");
            stable = running ? stable + 1 : 0;
            if (stable >= ctx.settings.stablePolls) return last;
        } else if (result.status !== 404) {
            expectStatus(ctx, `GET status of connector ${name}`, result, [200]);
        }
        if (Date.now() + ctx.settings.pollIntervalMs > deadline) {
            throw new ConnectError(`connector ${name} not RUNNING within ${timeoutSeconds}s (${describe(last)})`);
        }
        await sleep(ctx.settings.pollIntervalMs);
    }
}

/** Polls the status until the connector reports `state` (used before resetting offsets). */
async function waitUntilState(ctx: Context, name: string, state: string, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last: Status | undefined;
    for (;;) {
        const result = await request(ctx, "GET", connectorPath(name, "/status"));
        if (result.status === 200) {
            last = result.data as Status;
            if (last.connector?.state === state && (last.tasks ?? []).length === 0) return;
        }
        if (Date.now() + ctx.settings.pollIntervalMs > deadline) {
            throw new ConnectError(`connector ${name} not ${state} within ${timeoutSeconds}s (${describe(last)})`);
        }
        await sleep(ctx.settings.pollIntervalMs);
    }
}

function outputsOf(inputs: ConnectorInputs, digest: string, status: Status | undefined, referencesDigest = ""): ConnectorOutputs {
    return {
        connectUrl: inputs.connectUrl,
        name: inputs.name,
        config: stringMap(inputs.config),
        secretConfigKeys: Object.keys(inputs.secretConfig ?? {}).sort(),
        secretConfigDigest: digest,
        referencedSecretsDigest: referencesDigest,
        waitTimeoutSeconds: inputs.waitTimeoutSeconds ?? CONNECTOR_DEFAULTS.waitTimeoutSeconds,
        resetOffsetsOnDelete: inputs.resetOffsetsOnDelete ?? CONNECTOR_DEFAULTS.resetOffsetsOnDelete,
        validate: inputs.validate ?? CONNECTOR_DEFAULTS.validate,
        connectorState: status?.connector?.state ?? "UNKNOWN",
        taskStates: (status?.tasks ?? []).slice().sort((a, b) => a.id - b.id).map((task) => task.state),
        workerId: status?.connector?.worker_id ?? "",
        connectorType: status?.type ?? "",
        sourceRevision: typeof inputs.sourceRevision === "string" ? inputs.sourceRevision : "",
        ...(validAuth(inputs.connectAuth) ? { connectAuth: validAuth(inputs.connectAuth) } : {}),
        ...((inputs as any).snapshotSignal ? { snapshotSignal: (inputs as any).snapshotSignal } : {}),
    };
}

/**
 * After an update that added tables to capture: waits until every task runs with the new include list
 * (so no task of the old config can read the signal and drop it as "not captured"), then inserts
 * Debezium's incremental `execute-snapshot` signal for exactly the added tables through the source's own
 * SQL client. Only the added tables are snapshotted; the others keep their offsets. On failure the error
 * carries the outputs with the old include list, so the next `pulumi up` shows the change again and sends
 * the signal again (a PUT of the same config is harmless).
 */
async function sendSnapshotSignal(settings: Settings, olds: Partial<ConnectorOutputs>, news: ConnectorInputs, added: string[], outs: ConnectorOutputs): Promise<ConnectorOutputs> {
    const ctx = contextOf(settings, news, news.secretConfig, news.referencedSecrets);
    const signal = news.signal as SnapshotSignalChannel;
    const wanted = news.config["table.include.list"];
    const timeoutSeconds = news.waitTimeoutSeconds ?? CONNECTOR_DEFAULTS.waitTimeoutSeconds;
    try {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
            const tasks = await request(ctx, "GET", connectorPath(news.name, "/tasks"));
            const configs = tasks.status === 200 && Array.isArray(tasks.data) ? tasks.data.map((t: any) => t?.config?.["table.include.list"]) : [];
            if (configs.length > 0 && configs.every((c: unknown) => c === wanted)) break;
            if (Date.now() > deadline) throw new Error(`the tasks did not take the new table.include.list within ${timeoutSeconds}s`);
            await sleep(ctx.settings.pollIntervalMs);
        }
        await waitUntilRunning(ctx, news.name, timeoutSeconds);
        const crypto = require("crypto");
        const id = `lakehouse-${Date.now().toString(36)}-${crypto.randomBytes(6).toString("hex")}`;
        const childProcess = require("child_process");
        const [cmd, ...args] = signal.command;
        const run = childProcess.spawnSync(cmd, args, { input: signalInsertSql(signal.collection, id, added) + ";\n", timeout: 120_000, encoding: "utf8" });
        if (run.error || run.status !== 0) {
            const why = run.error ? String(run.error.message ?? run.error) : `exit ${run.status}: ${String(run.stderr ?? "").trim().slice(-2000)}`;
            throw new Error(`inserting the signal into ${signal.collection} failed (${why})`);
        }
        note(`connector ${news.name}: incremental snapshot signal ${id} sent for ${added.join(", ")}`);
        return { ...outs, snapshotSignal: { id, tables: added } };
    } catch (error: any) {
        const message = redact(`connector ${news.name}: tables ${added.join(", ")} are captured from now on, but their existing rows ` +
            `were not snapshotted: ${String(error?.message ?? error)}. Run \`pulumi up\` again to resend the signal.`, ctx.secrets);
        const config = { ...outs.config };
        if (typeof olds.config?.["table.include.list"] === "string") config["table.include.list"] = olds.config["table.include.list"];
        const properties: Record<string, unknown> = { ...outs, config };
        if (typeof (news as any).__provider === "string") properties.__provider = (news as any).__provider;
        throw Object.assign(new Error(message), { id: news.name, properties, reasons: [message] });
    }
}

/** Where the requests go and as whom: the connector's URL, name and login (inputs, or the state in read and delete). */
interface Target {
    connectUrl: string;
    name?: string;
    connectAuth?: ConnectAuth;
}

function contextOf(settings: Settings, target: Target, secretConfig?: Record<string, string>, referencedSecrets?: Record<string, string>): Context {
    const auth = validAuth(target.connectAuth);
    const secrets = [...Object.values(secretConfig ?? {}), ...Object.values(referencedSecrets ?? {}), ...(auth ? [auth.password] : [])].map(String);
    return { url: target.connectUrl, connector: String(target.name ?? "(unnamed)"), auth, secrets, settings };
}

/** The login as given, or undefined when none (an absent or empty value). */
function validAuth(auth: unknown): ConnectAuth | undefined {
    if (auth === undefined || auth === null || typeof auth !== "object") return undefined;
    const { username, password } = auth as Partial<ConnectAuth>;
    if (typeof username !== "string" || typeof password !== "string") return undefined;
    return { username, password };
}

/** Whether two logins are the same (both absent counts as the same). */
function sameAuth(a: unknown, b: unknown): boolean {
    const left = validAuth(a);
    const right = validAuth(b);
    if (!left || !right) return !left && !right;
    return left.username === right.username && left.password === right.password;
}

/**
 * PUTs the config and waits for RUNNING. When the PUT succeeded but the connector does not run, the
 * error carries the id and outputs, so Pulumi keeps the connector in state and retries the update.
 */
async function apply(settings: Settings, inputs: ConnectorInputs, digest: string, referencesDigest: string, mode: "put" | "restart" | "restart-failed" = "put"): Promise<ConnectorOutputs> {
    const ctx = contextOf(settings, inputs, inputs.secretConfig, inputs.referencedSecrets);
    if (mode === "put") {
        const put = await request(ctx, "PUT", connectorPath(inputs.name, "/config"), requestBody(inputs));
        if (put.status === 400 || put.status === 500) {
            const explained = await explainRefusedConfig(ctx, inputs);
            if (explained) {
                // The PUT's own message is a summary or, for a 500, a Java exception of Connect's: the per-setting list says more.
                throw new ConnectError(`connector ${inputs.name}: Kafka Connect refused its config (HTTP ${put.status}). Its validation, per setting:\n` +
                    `${explained}\nFix those settings, or check that the database is up and reachable from the Connect worker.`, put.status);
            }
        }
        expectStatus(ctx, `PUT config of connector ${inputs.name}`, put, [200, 201]);
    } else {
        // Same config, new referenced secret: the connector and its tasks resolve references when they
        // start, so restart them all (KIP-745, Kafka >= 3.0). Same config, source database replaced (a
        // heal): restart only what failed while the database was gone; Debezium gives up its binlog or
        // replication stream on a lost connection (a FAILED task), and Connect never restarts it itself.
        const onlyFailed = mode === "restart-failed";
        const restart = await request(ctx, "POST", connectorPath(inputs.name, `/restart?includeTasks=true&onlyFailed=${onlyFailed}`));
        expectStatus(ctx, `POST restart of connector ${inputs.name}`, restart, [200, 202, 204]);
    }
    try {
        const linger = mode === "put" ? 0 : Date.now() + 60_000;
        const status = await waitUntilRunning(ctx, inputs.name, inputs.waitTimeoutSeconds ?? CONNECTOR_DEFAULTS.waitTimeoutSeconds, linger);
        return outputsOf(inputs, digest, status, referencesDigest);
    } catch (error: any) {
        const message = redact(String(error?.message ?? error), ctx.secrets);
        // The properties kept in state must carry the dynamic provider's own code (`__provider`), or the
        // resource can be neither updated nor deleted afterwards ("code must be a string, not undefined").
        const properties: Record<string, unknown> = { ...outputsOf(inputs, digest, undefined, referencesDigest) };
        if (typeof (inputs as any).__provider === "string") properties.__provider = (inputs as any).__provider;
        throw Object.assign(new Error(message), { id: inputs.name, properties, reasons: [message] });
    }
}

/**
 * Creates the provider. `connectorProvider` is the instance the {@link Connector} resource uses; tests
 * create their own with shorter delays and an `onRetry` counter.
 */
export function createConnectorProvider(options: ConnectorProviderOptions = {}): pulumi.dynamic.ResourceProvider {
    const settings = settingsOf(options);
    return {
        async check(olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
            const { inputs, failures } = validateInputs(news);
            if (failures.length === 0 && inputs.validate !== false) {
                const label = typeof inputs.name === "string" ? inputs.name : "(unnamed)";
                const skip = validationSkipReason(olds, inputs);
                if (skip) {
                    if (isUnknown(inputs.sourceRevision) || !isUnknown(inputs)) note(`connector ${label}: validation by the worker skipped: ${skip}`);
                } else {
                    const ctx = contextOf(settings, inputs, inputs.secretConfig);
                    let remote: RemoteValidation;
                    try {
                        remote = await validateRemotely(ctx, inputs);
                    } catch (error: any) {
                        if (!(error instanceof ConnectError) || error.status !== 401) throw error;
                        remote = { failures: [{ property: "connectAuth", reason: error.message }] };
                    }
                    failures.push(...remote.failures);
                    if (remote.skipped) note(`connector ${label}: validation by the worker skipped: ${remote.skipped}`);
                }
            }
            return { inputs, failures };
        },

        async diff(id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
            return diffConnector(olds, news);
        },

        async create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
            const outs = await apply(settings, inputs, secretDigest(inputs.secretConfig), secretDigest(inputs.referencedSecrets));
            return { id: inputs.name, outs };
        },

        async update(id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
            // The last snapshot signal stays in the outputs until another one is sent.
            if (olds.snapshotSignal) news = { ...news, snapshotSignal: olds.snapshotSignal };
            const unchanged = olds.connectUrl === news.connectUrl && sameMap(olds.config, news.config) && secretsUnchanged(olds, news);
            const digest = secretsUnchanged(olds, news) ? olds.secretConfigDigest : secretDigest(news.secretConfig);
            const sameReferences = referencesUnchanged(olds, news);
            const referencesDigest = sameReferences ? (olds.referencedSecretsDigest ?? "") : secretDigest(news.referencedSecrets);
            if (unchanged && sameReferences) {
                if ((olds.sourceRevision ?? "") !== (news.sourceRevision ?? "")) {
                    // The source database was created again (a heal): revive the tasks that failed meanwhile.
                    return { outs: await apply(settings, news, digest, referencesDigest, "restart-failed") };
                }
                // Only provider options changed: a PUT would restart the connector for nothing.
                const ctx = contextOf(settings, news, news.secretConfig);
                const status = await waitUntilRunning(ctx, news.name, news.waitTimeoutSeconds ?? CONNECTOR_DEFAULTS.waitTimeoutSeconds);
                return { outs: outputsOf(news, digest, status, referencesDigest) };
            }
            const added = news.signal && !unchanged ? captureChanges(olds.config, news.config).added : [];
            const outs = await apply(settings, news, digest, referencesDigest, unchanged ? "restart" : "put");
            return { outs: added.length > 0 ? await sendSnapshotSignal(settings, olds, news, added, outs) : outs };
        },

        async read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
            const name: string = props?.name ?? id;
            if (!props?.connectUrl) throw new Error(`connector ${name}: reading needs connectUrl in its state`);
            const ctx = contextOf(settings, { ...props, name });
            const down = await unreachableWorker(ctx);
            if (down) {
                // The connector's config lives in Kafka, not in the worker: it comes back with a new worker.
                note(`connector ${name}: the Connect worker at ${props.connectUrl} did not answer (${down}); state kept as it was`);
                return { id, props };
            }
            const live = await request(ctx, "GET", connectorPath(name, "/config"));
            if (live.status === 404) return { id: "", props: {} };
            // The live config holds the secret values: keep them out of every message.
            ctx.secrets = [...ctx.secrets, ...(props.secretConfigKeys ?? []).filter((k: string) => k in (live.data ?? {})).map((k: string) => String(live.data[k]))];
            expectStatus(ctx, `GET config of connector ${name}`, live, [200]);
            const config: Record<string, string> = {};
            for (const key of Object.keys(props.config ?? {})) {
                if (key in live.data) config[key] = String(live.data[key]);
            }
            const secretKeys: string[] = props.secretConfigKeys ?? [];
            let digest = "";
            if (secretKeys.length > 0) {
                const liveSecrets: Record<string, string> = {};
                for (const key of secretKeys) if (key in live.data) liveSecrets[key] = String(live.data[key]);
                const complete = Object.keys(liveSecrets).length === secretKeys.length;
                digest = complete ? secretDigest(liveSecrets, saltOf(props.secretConfigDigest)) : "missing";
            }
            const statusResult = await request(ctx, "GET", connectorPath(name, "/status"));
            const status = statusResult.status === 200 ? (statusResult.data as Status) : undefined;
            const outs = outputsOf({ ...props, name, config, secretConfig: undefined }, digest, status, props.referencedSecretsDigest ?? "");
            outs.secretConfigKeys = secretKeys;
            return { id: name, props: outs };
        },

        async delete(id: string, props: any): Promise<void> {
            const name: string = props?.name ?? id;
            const ctx = contextOf(settings, { ...props, name });
            const down = await unreachableWorker(ctx);
            if (down) {
                // Nothing can be deleted through a worker that is gone; a destroy must still go on.
                note(`connector ${name}: the Connect worker at ${props.connectUrl} did not answer (${down}); treated as deleted with it`);
                return;
            }
            if (props.resetOffsetsOnDelete) {
                // Offsets outlive a delete: without the reset a recreated connector skips its snapshot.
                const stop = await request(ctx, "PUT", connectorPath(name, "/stop"));
                if (stop.status === 404) return;
                expectStatus(ctx, `PUT stop of connector ${name}`, stop, [200, 202, 204]);
                await waitUntilState(ctx, name, "STOPPED", props.waitTimeoutSeconds ?? CONNECTOR_DEFAULTS.waitTimeoutSeconds);
                const reset = await request(ctx, "DELETE", connectorPath(name, "/offsets"));
                expectStatus(ctx, `DELETE offsets of connector ${name}`, reset, [200, 202, 204]);
            }
            const deleted = await request(ctx, "DELETE", connectorPath(name));
            expectStatus(ctx, `DELETE connector ${name}`, deleted, [200, 202, 204, 404]);
        },
    };
}

/** The provider instance every {@link Connector} resource shares (default tuning). */
const connectorProvider = createConnectorProvider();
// Exported by name list, not `export const`: TypeScript would rewrite references to `exports.X`,
// and the closure serializer would then capture this whole module.
export { CONNECTOR_DEFAULTS, connectorProvider };
