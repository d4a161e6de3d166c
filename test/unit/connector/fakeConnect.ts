// An in-process stand-in for the Kafka Connect REST API on 127.0.0.1, with scripted failures, so the
// provider's HTTP, retry and wait logic run for real (axios, sockets) without a worker.
import * as http from "http";
import { AddressInfo } from "net";

export interface TaskStatus { id: number; state: string; worker_id: string; trace?: string }
export interface FakeStatus { connector: { state: string; worker_id: string; trace?: string }; tasks: TaskStatus[]; type: string }

/** A request as the fake saw it; `authorization` only when the request carried that header. */
export interface RecordedRequest { method: string; path: string; body: any; authorization?: string }

/** A fake worker: connectors in memory, plus knobs that script what the next requests see. */
export class FakeConnect {
    readonly requests: RecordedRequest[] = [];
    readonly connectors = new Map<string, { config: Record<string, string>; state: string; offsets: boolean }>();
    /** Answer this many next requests (any path) with 409. */
    conflicts = 0;
    /** Answer this many next requests with Kafka 4.x's rebalance 500. */
    rebalancing = 0;
    /** Answer every request with 409. */
    alwaysConflict = false;
    /** Answer this many next requests with a bare 404, as a worker does before its REST resources exist. */
    starting = 0;
    /** Statuses to serve, in order, before the default (RUNNING with one RUNNING task). */
    statusScript: Array<FakeStatus | 404> = [];
    /** Keys a real worker adds to the config it returns. */
    workerAddedKeys: Record<string, string> = { "errors.retry.timeout": "0", "key.converter": "org.apache.kafka.connect.json.JsonConverter" };
    /** GET /tasks answers with the config before the last PUT this many times (a worker still reconfiguring). */
    staleTaskConfigs = 0;
    private previousConfigs = new Map<string, Record<string, string>>();
    /** Answer PUT config with this status and body instead of storing it. */
    putFailure?: { status: number; body: any };
    /** Validation response for PUT /connector-plugins/{class}/config/validate. */
    validation: (cls: string, body: Record<string, string>) => { status: number; body: any } = () => ({ status: 200, body: { error_count: 0, configs: [] } });
    /**
     * The one login the worker accepts, as Kafka's JaasBasicAuthFilter checks it: every request without
     * exactly this basic authentication gets its 401 (the root resource included), but the workers' own
     * POST /connectors/{name}/tasks and PUT /connectors/{name}/fence. Default: none (no login needed).
     */
    requiredLogin?: { username: string; password: string };
    private server?: http.Server;
    port = 0;

    get url(): string { return `http://127.0.0.1:${this.port}`; }

    async start(port = 0): Promise<this> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(port, "127.0.0.1", () => resolve());
        });
        this.port = (this.server.address() as AddressInfo).port;
        return this;
    }

    async stop(): Promise<void> {
        if (!this.server) return;
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        this.server = undefined;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        let raw = "";
        req.on("data", (chunk) => (raw += chunk));
        req.on("end", () => {
            const body = raw ? JSON.parse(raw) : undefined;
            const path = req.url ?? "/";
            const authorization = req.headers.authorization;
            this.requests.push({ method: req.method ?? "", path, body, ...(authorization !== undefined ? { authorization } : {}) });
            const reply = (status: number, data?: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(data === undefined ? undefined : JSON.stringify(data));
            };
            if (this.requiredLogin) {
                const internal = (req.method === "POST" && /^\/?connectors\/[^/]+\/tasks\/?$/.test(path)) || (req.method === "PUT" && /^\/?connectors\/[^/]+\/fence\/?$/.test(path));
                const wanted = `Basic ${Buffer.from(`${this.requiredLogin.username}:${this.requiredLogin.password}`, "utf8").toString("base64")}`;
                if (!internal && authorization !== wanted) {
                    res.writeHead(401, { "Content-Type": "text/plain" });
                    return res.end("User cannot access the resource.");
                }
            }
            // Connect's root resource answers without the herder: no rebalance or conflict reaches it.
            if (req.method === "GET" && path === "/") return reply(200, { version: "4.3.1", commit: "fake", kafka_cluster_id: "fake" });
            if (this.starting > 0) {
                this.starting--;
                res.writeHead(404, { "Content-Type": "text/html" });
                return res.end("<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>");
            }
            if (this.rebalancing > 0) {
                this.rebalancing--;
                return reply(500, { error_code: 500, message: "Request cannot be completed because a rebalance is expected" });
            }
            if (this.alwaysConflict || this.conflicts > 0) {
                this.conflicts = Math.max(0, this.conflicts - 1);
                return reply(409, { error_code: 409, message: "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)" });
            }
            const validate = path.match(/^\/connector-plugins\/([^/]+)\/config\/validate$/);
            if (validate && req.method === "PUT") {
                const answer = this.validation(decodeURIComponent(validate[1]), body);
                return reply(answer.status, answer.body);
            }
            const match = path.split("?")[0].match(/^\/connectors\/([^/]+)(\/[a-z]+)?$/);
            if (!match) return reply(404, { error_code: 404, message: "not found" });
            const name = decodeURIComponent(match[1]);
            const sub = match[2] ?? "";
            const existing = this.connectors.get(name);
            const notFound = () => reply(404, { error_code: 404, message: `Connector ${name} not found` });
            if (req.method === "PUT" && sub === "/config") {
                if (this.putFailure) return reply(this.putFailure.status, this.putFailure.body);
                if (existing) this.previousConfigs.set(name, existing.config);
                this.connectors.set(name, { config: body, state: "RUNNING", offsets: true });
                return reply(existing ? 200 : 201, { name, config: body, tasks: [], type: "source" });
            }
            if (!existing) return notFound();
            if (req.method === "GET" && sub === "/config") return reply(200, { ...this.workerAddedKeys, ...existing.config });
            if (req.method === "GET" && sub === "/tasks") {
                const stale = this.staleTaskConfigs > 0 && this.previousConfigs.has(name);
                if (stale) this.staleTaskConfigs--;
                const config = stale ? this.previousConfigs.get(name)! : existing.config;
                return reply(200, [{ id: { connector: name, task: 0 }, config: { ...config, "task.class": "fake.Task" } }]);
            }
            if (req.method === "GET" && sub === "/status") {
                const next = this.statusScript.shift();
                if (next === 404) return notFound();
                if (next) return reply(200, { name, ...next });
                const tasks = existing.state === "STOPPED" ? [] : [{ id: 0, state: existing.state, worker_id: "fake:8083" }];
                return reply(200, { name, connector: { state: existing.state, worker_id: "fake:8083" }, tasks, type: "source" });
            }
            if (req.method === "PUT" && sub === "/stop") { existing.state = "STOPPED"; return reply(204); }
            if (req.method === "POST" && sub === "/restart") { existing.state = "RUNNING"; return reply(204); }
            if (req.method === "DELETE" && sub === "/offsets") {
                if (existing.state !== "STOPPED") return reply(400, { error_code: 400, message: "Connectors must be in the STOPPED state" });
                existing.offsets = false;
                return reply(200, { message: "The offsets for this connector have been reset successfully" });
            }
            if (req.method === "DELETE" && sub === "") { this.connectors.delete(name); return reply(204); }
            return reply(405, { error_code: 405, message: "method not allowed" });
        });
    }
}

/** A port on 127.0.0.1 that nothing listens on (yet). */
/** The database password of connectorInputs: a test asserts it appears in no output, error or state. */
export const DB_PASSWORD = "s3cr3t-Pa55word";

/** A Postgres connector's provider inputs against the worker at `url`; `overrides` replace whole fields. */
export function connectorInputs(url: string, overrides: Record<string, unknown> = {}): any {
    return {
        connectUrl: url,
        name: "inventory-connector",
        config: { "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1", "topic.prefix": "dbserver1" },
        secretConfig: { "database.password": DB_PASSWORD },
        ...overrides,
    };
}

export async function freePort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}
