// Clients the tools (verify, bench-latency) share: docker, the sources' own CLIs inside their
// containers, Trino's HTTP API, spark-sql in the Spark container, and the stack's outputs.
import { execFile } from "child_process";
import { ParseArgsConfig, parseArgs, promisify } from "util";
import * as https from "https";
import { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import axios, { AxiosRequestConfig } from "axios";
import { Kafka, KafkaConfig, logLevel } from "kafkajs";
import type { VerifySource } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";

const execFileP = promisify(execFile);

/** The stack output `endpoints` (host side). */
export interface VerifyEndpoints {
    kafka: string;
    /** The SCRAM login over TLS of the brokers when they require one (lakehouse:secureServices); filled in by withKafkaLogin. */
    kafkaAuth?: KafkaLogin;
    connect: string;
    /** The login of Connect's REST API when it requires one (lakehouse:secureServices); filled in by withConnectLogin. */
    connectAuth?: ConnectLogin;
    /** http:// or, with lakehouse:secureServices, https://. */
    minio: string;
    /** PEM of the CA that signed MinIO's certificate when it serves HTTPS (stack output minioCaCertificate); filled in by readStackOutputs. */
    minioCa?: string;
    trino: TrinoEndpoint;
}

/** The stack's endpoints with MinIO's CA (`endpoints.minioCa`) from the output `minioCaCertificate` when MinIO serves HTTPS. */
export function withMinioCa(outputs: Record<string, any>): Record<string, any> {
    return outputs.minioCaCertificate ? { ...outputs, endpoints: { ...outputs.endpoints, minioCa: outputs.minioCaCertificate } } : outputs;
}

/**
 * An S3 client of the stack's MinIO from the host: path-style, and trusting only the stack's CA when MinIO
 * serves HTTPS (`endpoints.minioCa`).
 */
export function s3Client(endpoints: Pick<VerifyEndpoints, "minio" | "minioCa">, credentials: S3ClientConfig["credentials"], more: Partial<S3ClientConfig> = {}): S3Client {
    return new S3Client({
        endpoint: endpoints.minio, region: "us-east-1", forcePathStyle: true, credentials,
        ...(endpoints.minioCa ? { requestHandler: { httpsAgent: new https.Agent({ ca: endpoints.minioCa }) } } : {}),
        ...more,
    });
}

/** A SCRAM login of the Kafka brokers over TLS (stack outputs kafkaLogin and kafkaPassword). */
export interface KafkaLogin {
    user: string;
    password: string;
    /** "SCRAM-SHA-512". */
    mechanism: string;
    /** PEM of the CA that signed the brokers' certificates. */
    caCertificate: string;
}

/**
 * The stack's endpoints with the brokers' login filled in (`endpoints.kafkaAuth`) when they require one:
 * user, mechanism and CA from the output `kafkaLogin`, the password from the secret output `kafkaPassword`
 * (read with --show-secrets into this process only, never printed).
 */
export async function withKafkaLogin(outputs: Record<string, any>, readPassword: () => Promise<string>): Promise<Record<string, any>> {
    if (!outputs.kafkaLogin) return outputs;
    const kafkaAuth: KafkaLogin = {
        user: outputs.kafkaLogin.user, mechanism: outputs.kafkaLogin.mechanism, caCertificate: outputs.kafkaLogin.caCertificate, password: await readPassword(),
    };
    return { ...outputs, endpoints: { ...outputs.endpoints, kafkaAuth } };
}

/** kafkajs's settings of a login: SCRAM over TLS, trusting only the stack's CA. */
export function kafkaSecurity(login: KafkaLogin): Pick<KafkaConfig, "ssl" | "sasl"> {
    const mechanism = login.mechanism.toLowerCase();
    if (mechanism !== "scram-sha-512" && mechanism !== "scram-sha-256") throw new Error(`Kafka login: mechanism ${login.mechanism} is not SCRAM-SHA-256/512`);
    const credentials = { username: login.user, password: login.password };
    return { ssl: { ca: [login.caCertificate] }, sasl: mechanism === "scram-sha-512" ? { mechanism, ...credentials } : { mechanism, ...credentials } };
}

/** A kafkajs client of the stack's brokers on the host, logging in when they require it; quiet. */
export function kafkaClient(endpoints: Pick<VerifyEndpoints, "kafka" | "kafkaAuth">, clientId: string, more: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
        clientId, brokers: endpoints.kafka.split(","), logLevel: logLevel.NOTHING,
        ...(endpoints.kafkaAuth ? kafkaSecurity(endpoints.kafkaAuth) : {}), ...more,
    });
}

/** A login of Kafka Connect's REST API (HTTP basic authentication), as axios takes it. */
export interface ConnectLogin {
    username: string;
    password: string;
}

/** A Trino that authenticates (lakehouse:secureServices): HTTPS with the stack's CA, a user and its password. */
export interface TrinoLogin {
    url: string;
    user: string;
    password: string;
    /** PEM of the CA that signed Trino's certificate (stack output trinoLogin.caCertificate). */
    caCertificate: string;
}
/** Trino's URL (plain HTTP, any user: dev) or its login. */
export type TrinoEndpoint = string | TrinoLogin;

/**
 * The stack's endpoints with Trino's login filled in when its Trino authenticates: the user and CA from
 * the output `trinoLogin`, the password from the secret output `trinoPassword` (read with --show-secrets
 * into this process only, never printed).
 */
export async function withTrinoLogin(outputs: Record<string, any>, readPassword: () => Promise<string>): Promise<Record<string, any>> {
    if (!outputs.trinoLogin) return outputs;
    const login: TrinoLogin = {
        url: outputs.endpoints.trino, user: outputs.trinoLogin.user, caCertificate: outputs.trinoLogin.caCertificate, password: await readPassword(),
    };
    return { ...outputs, endpoints: { ...outputs.endpoints, trino: login } };
}

/**
 * The stack's endpoints with Connect's REST login filled in (`endpoints.connectAuth`) when its worker
 * requires one: the user from the output `connectLogin`, the password from the secret output
 * `connectPassword` (read with --show-secrets into this process only, never printed).
 */
export async function withConnectLogin(outputs: Record<string, any>, readPassword: () => Promise<string>): Promise<Record<string, any>> {
    if (!outputs.connectLogin) return outputs;
    const connectAuth: ConnectLogin = { username: outputs.connectLogin.user, password: await readPassword() };
    return { ...outputs, endpoints: { ...outputs.endpoints, connectAuth } };
}

/** axios settings for Connect's REST API: basic authentication when the endpoints carry a login, and a timeout. */
export function connectRequest(endpoints: Pick<VerifyEndpoints, "connectAuth">, timeout = 10_000): AxiosRequestConfig {
    return { timeout, ...(endpoints.connectAuth ? { auth: { ...endpoints.connectAuth } } : {}) };
}

/** The secret output `name` of `stack`, in clear, for this process only. */
export async function readSecretOutput(stack: string, name: string, env?: NodeJS.ProcessEnv): Promise<string> {
    const { stdout } = await execFileP("pulumi", ["stack", "output", name, "--show-secrets", "--stack", stack], { env: env ?? process.env });
    return stdout.replace(/\n$/, "");
}

/**
 * A tool's command line through node's util.parseArgs, strict: an unknown flag, a flag without its value
 * or a stray argument exits 2 with the parser's message (naming the flag) and `usage`, before anything runs.
 */
export type CommandLineOption = NonNullable<ParseArgsConfig["options"]>[string];
/** The values parseArgs gives: a string or boolean per flag, undefined only for a flag without a default. */
export type CommandLineValues<O extends Record<string, CommandLineOption>> = {
    [K in keyof O]: (O[K] extends { type: "boolean" } ? boolean : string) | (O[K] extends { default: string | boolean } ? never : undefined);
};
export function parseCommandLine<O extends Record<string, CommandLineOption>>(tool: string, usage: string, options: O, argv = process.argv.slice(2)): CommandLineValues<O> {
    try {
        return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as unknown as CommandLineValues<O>;
    } catch (e) {
        console.error(`${tool}: ${(e as Error).message}\nusage: ${usage}`);
        process.exit(2);
    }
}

/**
 * `pulumi stack output --json` of a deployed stack (needs scripts/env.sh's environment); exits 2 with a clear
 * message when absent. A kubernetes-platform stack's `endpoints` become its host-side ones
 * (`verifyTarget.hostEndpoints`: the NodePorts) for a tool that says it handles that platform; any other tool
 * exits 2 naming the platform.
 */
export async function readStackOutputs(stack: string, tool: string, o: { kubernetes?: boolean } = {}): Promise<Record<string, any>> {
    let outputs: Record<string, any>;
    try {
        const { stdout } = await execFileP("pulumi", ["stack", "output", "--json", "--stack", stack], { maxBuffer: 16 * 1024 * 1024 });
        outputs = JSON.parse(stdout);
    } catch (e) {
        console.error(`${tool}: cannot read the outputs of stack ${stack} (is it deployed? run \`make up\`): ${(e as Error).message}`);
        process.exit(2);
    }
    if (!outputs.endpoints || !outputs.verifyTarget) {
        console.error(`${tool}: stack ${stack} has no endpoints/verifyTarget outputs: it was deployed by an older version of the program; ` +
            "`make up` (or `pulumi up`) adds them");
        process.exit(2);
    }
    if (outputs.verifyTarget.kubernetes) {
        if (!o.kubernetes) {
            console.error(`${tool}: stack ${stack} is on the kubernetes platform, and ${tool} reaches Docker containers only ` +
                "(`make verify` and `make test-k8s` check the kubernetes platform: docs/kubernetes.md)");
            process.exit(2);
        }
        outputs = { ...outputs, endpoints: outputs.verifyTarget.hostEndpoints };
    }
    const withTrino = await withTrinoLogin(withMinioCa(outputs), () => readSecretOutput(stack, "trinoPassword"));
    const withKafka = await withKafkaLogin(withTrino, () => readSecretOutput(stack, "kafkaPassword"));
    return withConnectLogin(withKafka, () => readSecretOutput(stack, "connectPassword"));
}

export async function docker(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile("docker", args, { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`docker ${args.slice(0, 3).join(" ")} ...: ${stderr || err.message}`.trim()));
            else resolve(stdout);
        });
        if (input !== undefined) child.stdin!.end(input);
    });
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The host address a container publishes a port on (`docker port`), e.g. `127.0.0.1:5432`. */
export async function hostPort(container: string, port: number): Promise<string> {
    const out = (await docker(["port", container, String(port)])).trim().split("\n")[0];
    if (!out) throw new Error(`${container} publishes no port for ${port}`);
    return out;
}

/** A container's log, both streams (`docker logs` passes the container's stderr, where Python logs, to stderr). */
export async function containerLog(name: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("docker", ["logs", name], { maxBuffer: 256 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`docker logs ${name}: ${stderr || err.message}`.trim()));
            else resolve(`${stdout}${stderr}`);
        });
    });
}

/** A stack on the kubernetes platform: its namespace, and the kubeconfig and kubectl the program used (VerifyTarget.kubernetes). */
export interface KubernetesTarget {
    namespace: string;
    /** Default: KUBECONFIG. */
    kubeconfig?: string;
    /** Default: kubectl on PATH. */
    kubectl?: string;
}

/**
 * Runs `cmd` inside `container` and returns its stdout: a Docker container, or on Kubernetes a pod (or
 * `deployment/<name>`) of the stack's namespace, in its default container. `root` asks for uid 0 (docker
 * only: `kubectl exec` runs as the container's own user, which is root in the images that need it).
 */
export type Exec = (container: string, cmd: string[], o?: { input?: string; root?: boolean }) => Promise<string>;

export const dockerExec: Exec = (container, cmd, o = {}) =>
    docker(["exec", ...(o.input !== undefined ? ["-i"] : []), ...(o.root ? ["-u", "0"] : []), container, ...cmd], o.input);

/** kubectl against the stack's namespace. */
export async function kubectl(k: KubernetesTarget, args: string[], input?: string): Promise<string> {
    const tool = k.kubectl ?? "kubectl";
    const all = [...(k.kubeconfig ? ["--kubeconfig", k.kubeconfig] : []), "-n", k.namespace, ...args];
    return new Promise((resolve, reject) => {
        const child = execFile(tool, all, { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`kubectl ${args.slice(0, 3).join(" ")} ...: ${stderr || err.message}`.trim()));
            else resolve(stdout);
        });
        if (input !== undefined) child.stdin!.end(input);
    });
}

export function kubectlExec(k: KubernetesTarget): Exec {
    return (container, cmd, o = {}) => kubectl(k, ["exec", ...(o.input !== undefined ? ["-i"] : []), container, "--", ...cmd], o.input);
}

/** How the checks reach a stack's containers: kubectl exec for a kubernetes-platform target, docker exec otherwise. */
export function execFor(target: { kubernetes?: KubernetesTarget }): Exec {
    return target.kubernetes ? kubectlExec(target.kubernetes) : dockerExec;
}

export async function waitUntil<T>(what: string, timeoutMs: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const end = Date.now() + timeoutMs;
    let lastErr = "";
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            lastErr = (e as Error).message;
        }
        if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastErr ? `: ${lastErr}` : ""}`);
        await sleep(everyMs);
    }
}

export type Row = (string | null)[];

/** A SQL client for one captured source, run inside its container with the database's own CLI. */
export class SourceDb {
    constructor(readonly src: VerifySource & { container: string }, private readonly exec: Exec = dockerExec) {}

    async sql(sql: string): Promise<string> {
        if (this.src.kind === "postgres") {
            return (await this.exec(this.src.container, ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-tAq",
                "-U", this.src.adminUser ?? "postgres", "-d", this.src.database ?? "postgres"], { input: sql })).trim();
        }
        // The root password is read inside the container (its secret file, or its environment); it never leaves it.
        return (await this.exec(this.src.container, ["sh", "-c", `${MYSQL_ROOT_PWD_SH} exec mysql -uroot -N -B -r`], { input: sql, root: true })).trim();
    }

    qualified(t: TableSpec): string {
        return this.src.kind === "postgres" ? `"${t.schema}"."${t.name}"` : `\`${t.schema}\`.\`${t.name}\``;
    }

    /** The table's columns in the source right now, in order (a column added later is included). */
    async columns(t: TableSpec): Promise<string[]> {
        return (await this.columnTypes(t)).map((c) => c.name);
    }

    /**
     * The table's columns with their types as the source declares them right now, in order: MySQL's
     * COLUMN_TYPE (`bit(12)`, `datetime(3)`, `enum('a','b')`), Postgres' format_type (`timestamp(3) without
     * time zone`, `numeric(10,2)`, `bytea`).
     */
    async columnTypes(t: TableSpec): Promise<SourceColumn[]> {
        const out = this.src.kind === "postgres"
            ? await this.sql(`SELECT coalesce(json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum), '[]')
                FROM pg_attribute a WHERE a.attrelid = to_regclass('${this.qualified(t).replace(/'/g, "''")}') AND a.attnum > 0 AND NOT a.attisdropped;`)
            : await this.sql(`SELECT coalesce(JSON_ARRAYAGG(JSON_ARRAY(column_name, column_type)), '[]') FROM
                (SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = '${t.schema}' AND table_name = '${t.name}' ORDER BY ordinal_position) c;`);
        const cols = (JSON.parse(out || "[]") as [string, string][]).map(([name, type]) => ({ name, type }));
        if (cols.length === 0) throw new Error(`${t.schema}.${t.name} does not exist in the ${this.src.kind} source`);
        return cols;
    }

    /**
     * Every row, each column as text (NULL as null), as JSON from the database itself. A column given
     * with its type is written in the canonical text verify compares with the mirror (sourceText); a
     * bare name as the database casts it to text.
     */
    async rows(t: TableSpec, cols: (string | SourceColumn)[]): Promise<Row[]> {
        const kind = this.src.kind === "postgres" ? "postgres" : "mysql";
        const expr = (c: string | SourceColumn) => (typeof c === "string" ? sourceText(kind, { name: c, type: "" }) : sourceText(kind, c));
        const out = kind === "postgres"
            ? await this.sql(`SELECT coalesce(json_agg(json_build_array(${cols.map(expr).join(", ")})), '[]') FROM ${this.qualified(t)};`)
            // TIMESTAMP columns are read in UTC, as the mirror keeps them.
            : await this.sql(`SET time_zone = '+00:00'; SELECT coalesce(JSON_ARRAYAGG(JSON_ARRAY(${cols.map(expr).join(", ")})), '[]') FROM ${this.qualified(t)};`);
        return JSON.parse(out);
    }
}

// ---- one text per value, the same in the source, Trino and Spark ---------------------------------------
/** A source column and its type as the source declares it (SourceDb.columnTypes). */
export interface SourceColumn {
    name: string;
    type: string;
}

const MYSQL_BINARY = /^((tiny|medium|long)?blob|(var)?binary\b)/i;

/** Whether the column holds JSON text (compared as parsed JSON: key order and spacing differ by engine). */
export function isJsonColumn(c: SourceColumn): boolean {
    return /^jsonb?$/i.test(c.type.trim());
}

/**
 * SQL that reads a source column as the text verify compares: bytes as upper-case hex, BIT(1) as
 * true/false and BIT(n) as its number (the mirror's boolean and bigint), date-times with six fraction
 * digits (TIMESTAMP/timestamptz in UTC), everything else as the database's own text.
 */
export function sourceText(kind: "postgres" | "mysql", c: SourceColumn): string {
    const t = c.type.trim().toLowerCase();
    if (kind === "postgres") {
        const q = `"${c.name.replace(/"/g, '""')}"`;
        if (t === "bytea") return `upper(encode(${q}, 'hex'))`;
        if (/^timestamp(\(\d\))? with time zone$/.test(t)) return `to_char(${q} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
        if (/^timestamp(\(\d\))?( without time zone)?$/.test(t)) return `to_char(${q}, 'YYYY-MM-DD HH24:MI:SS.US')`;
        return `${q}::text`;
    }
    const q = `\`${c.name.replace(/`/g, "``")}\``;
    if (MYSQL_BINARY.test(t)) return `HEX(${q})`;
    if (/^bit\(1\)$/.test(t) || t === "bit") return `CASE CAST(${q} AS UNSIGNED) WHEN 1 THEN 'true' WHEN 0 THEN 'false' END`;
    if (/^bit\(\d+\)$/.test(t)) return `CAST(CAST(${q} AS UNSIGNED) AS CHAR)`;
    if (/^(datetime|timestamp)\b/.test(t)) return `DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f')`;
    return `CAST(${q} AS CHAR)`;
}

/**
 * SQL that reads a mirror column as the same text, for Trino or Spark SQL, by the column's type in the
 * mirror as Trino names it (information_schema.columns.data_type). Spark runs with the session time
 * zone UTC (sparkSql's first statement in verify).
 */
export function mirrorText(engine: "trino" | "spark", column: string, mirrorType: string): string {
    const t = mirrorType.trim().toLowerCase();
    if (engine === "trino") {
        const q = `"${column.replace(/"/g, '""')}"`;
        if (t === "varbinary") return `to_hex(${q})`;
        if (/^timestamp\(\d\) with time zone$/.test(t)) return `CAST(CAST(${q} AT TIME ZONE 'UTC' AS timestamp(6)) AS varchar)`;
        if (/^timestamp\(\d\)$/.test(t)) return `CAST(CAST(${q} AS timestamp(6)) AS varchar)`;
        return `CAST(${q} AS varchar)`;
    }
    const q = `\`${column.replace(/`/g, "``")}\``;
    if (t === "varbinary") return `hex(${q})`;
    if (/^timestamp\(\d\)( with time zone)?$/.test(t)) return `date_format(${q}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')`;
    return `CAST(${q} AS STRING)`;
}

/** JSON text in one canonical form (keys sorted, no spacing); text that is not JSON unchanged. */
export function canonicalJson(text: string | null): string | null {
    if (text === null) return null;
    const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort)
        : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v);
    try {
        return JSON.stringify(sort(JSON.parse(text)));
    } catch {
        return text;
    }
}

/** The axios settings of a Trino endpoint: its URL, user header and, with a login, basic auth over HTTPS trusting only the stack's CA. */
export function trinoRequest(endpoint: TrinoEndpoint): { url: string; config: AxiosRequestConfig } {
    if (typeof endpoint === "string") return { url: endpoint, config: { headers: { "X-Trino-User": "lakehouse-verify" }, timeout: 60_000 } };
    return {
        url: endpoint.url,
        config: {
            headers: { "X-Trino-User": endpoint.user },
            auth: { username: endpoint.user, password: endpoint.password },
            httpsAgent: new https.Agent({ ca: endpoint.caCertificate, keepAlive: true }),
            timeout: 60_000,
        },
    };
}

/** Trino over its HTTP API, following nextUri. */
export async function trino(endpoint: TrinoEndpoint, sql: string): Promise<any[][]> {
    const { url, config } = trinoRequest(endpoint);
    let res = await axios.post(`${url}/v1/statement`, sql, config);
    const rows: any[][] = [];
    for (;;) {
        if (res.data.error) throw new Error(`trino: ${res.data.error.message}`);
        if (res.data.data) rows.push(...res.data.data);
        if (!res.data.nextUri) return rows;
        res = await axios.get(res.data.nextUri, config);
    }
}

/** spark-sql in the Spark container; returns one JSON value per labelled query. */
export async function sparkSql(container: string, statements: string[], queries: Record<string, string>): Promise<Record<string, any>> {
    const sql = [...statements, ...Object.entries(queries).map(([label, q]) => `SELECT '@@${label}', to_json(collect_list(struct(*))) FROM (${q});`)].join("\n");
    const out = await docker(["exec", container, "/opt/spark/bin/spark-sql", "--master", "local[1]", "--driver-memory", "512m",
        "--conf", "spark.ui.enabled=false", "-S", "-e", sql]);
    const result: Record<string, any> = {};
    for (const line of out.split("\n")) {
        const m = /^@@(\S+)\t(.*)$/.exec(line);
        if (m) result[m[1]] = JSON.parse(m[2]);
    }
    for (const label of Object.keys(queries)) {
        if (!(label in result)) throw new Error(`spark-sql gave no result for ${label}: ${out.slice(-1500)}`);
    }
    return result;
}

/**
 * Shell (run as root inside a MySQL or MariaDB container) that sets MYSQL_PWD to root's password: from the
 * file MYSQL_ROOT_PASSWORD_FILE names, or from MYSQL_ROOT_PASSWORD / MARIADB_ROOT_PASSWORD.
 */
export const MYSQL_ROOT_PWD_SH =
    'if [ -n "${MYSQL_ROOT_PASSWORD_FILE:-}" ]; then MYSQL_PWD="$(cat "$MYSQL_ROOT_PASSWORD_FILE")"; ' +
    'else MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-}}"; fi; export MYSQL_PWD;';

/**
 * A secret the container's service was given: the value of `key` in its environment or, as the images'
 * `*_FILE` convention has it, the content of the file `<key>_FILE` names (read as root inside the container;
 * a relative name is under /run/secrets, as MinIO reads it; trailing newlines dropped, as the entrypoints do).
 */
export async function containerSecret(container: string, key: string, exec: Exec = dockerExec): Promise<string> {
    // Docker: the container's configured environment; a pod: the environment its main process was given.
    const env: string[] = exec === dockerExec
        ? JSON.parse(await docker(["inspect", "-f", "{{json .Config.Env}}", container]))
        : (await exec(container, ["env"])).split("\n");
    const hit = env.find((e) => e.startsWith(`${key}=`));
    if (hit !== undefined) return hit.slice(key.length + 1);
    const fileVar = env.find((e) => e.startsWith(`${key}_FILE=`));
    if (fileVar === undefined) throw new Error(`${container} has neither ${key} nor ${key}_FILE in its environment`);
    const name = fileVar.slice(key.length + "_FILE=".length);
    const file = name.startsWith("/") ? name : `/run/secrets/${name}`;
    return (await exec(container, ["cat", file], { root: true })).replace(/\n+$/, "");
}

export async function containerEnv(container: string, key: string): Promise<string> {
    const env: string[] = JSON.parse(await docker(["inspect", "-f", "{{json .Config.Env}}", container]));
    const hit = env.find((e) => e.startsWith(`${key}=`));
    if (hit === undefined) throw new Error(`${container} has no ${key} in its environment`);
    return hit.slice(key.length + 1);
}

