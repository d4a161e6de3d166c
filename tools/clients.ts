// Clients the tools (verify, bench-latency) share: docker, the sources' own CLIs inside their
// containers, Trino's HTTP API, spark-sql in the Spark container, and the stack's outputs.
import { execFile } from "child_process";
import { promisify } from "util";
import axios from "axios";
import type { VerifySource } from "../components/lakehouse";
import type { TableSpec } from "../components/specs/postgres";

const execFileP = promisify(execFile);

/** The stack output `endpoints` (host side). */
export interface VerifyEndpoints {
    kafka: string;
    connect: string;
    minio: string;
    trino: string;
}

/** `pulumi stack output --json` of a deployed stack (needs scripts/env.sh's environment); exits 2 with a clear message when absent. */
export async function readStackOutputs(stack: string, tool: string): Promise<Record<string, any>> {
    let outputs: Record<string, any>;
    try {
        const { stdout } = await execFileP("pulumi", ["stack", "output", "--json", "--stack", stack], { maxBuffer: 16 * 1024 * 1024 });
        outputs = JSON.parse(stdout);
    } catch (e) {
        console.error(`${tool}: cannot read the outputs of stack ${stack} (is it deployed? run \`make up\`): ${(e as Error).message}`);
        process.exit(2);
    }
    if (!outputs.endpoints || !outputs.verifyTarget) {
        console.error(`${tool}: stack ${stack} has no endpoints/verifyTarget outputs; run \`make up\` with this version of the program first`);
        process.exit(2);
    }
    return outputs;
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
    constructor(readonly src: VerifySource & { container: string }) {}

    async sql(sql: string): Promise<string> {
        if (this.src.kind === "postgres") {
            return (await docker(["exec", "-i", this.src.container, "psql", "-v", "ON_ERROR_STOP=1", "-X", "-tAq",
                "-U", this.src.adminUser ?? "postgres", "-d", this.src.database ?? "postgres"], sql)).trim();
        }
        // The root password is in the container's environment; it never leaves the container.
        return (await docker(["exec", "-i", this.src.container, "sh", "-c",
            'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mysql -uroot -N -B -r'], sql)).trim();
    }

    qualified(t: TableSpec): string {
        return this.src.kind === "postgres" ? `"${t.schema}"."${t.name}"` : `\`${t.schema}\`.\`${t.name}\``;
    }

    /** The table's columns in the source right now, in order (a column added later is included). */
    async columns(t: TableSpec): Promise<string[]> {
        const out = this.src.kind === "postgres"
            ? await this.sql(`SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '${t.schema}' AND table_name = '${t.name}';`)
            : await this.sql(`SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position SEPARATOR ',') FROM information_schema.columns WHERE table_schema = '${t.schema}' AND table_name = '${t.name}';`);
        if (!out || out === "NULL") throw new Error(`${t.schema}.${t.name} does not exist in the ${this.src.kind} source`);
        return out.split(",");
    }

    /** Every row, each column as text (NULL as null), as JSON from the database itself. */
    async rows(t: TableSpec, cols: string[]): Promise<Row[]> {
        const out = this.src.kind === "postgres"
            ? await this.sql(`SELECT coalesce(json_agg(json_build_array(${cols.map((c) => `"${c}"::text`).join(", ")})), '[]') FROM ${this.qualified(t)};`)
            : await this.sql(`SELECT coalesce(JSON_ARRAYAGG(JSON_ARRAY(${cols.map((c) => `CAST(\`${c}\` AS CHAR)`).join(", ")})), '[]') FROM ${this.qualified(t)};`);
        return JSON.parse(out);
    }
}

/** Trino over its HTTP API, following nextUri. */
export async function trino(url: string, sql: string): Promise<any[][]> {
    const headers = { "X-Trino-User": "lakehouse-verify" };
    let res = await axios.post(`${url}/v1/statement`, sql, { headers, timeout: 60_000 });
    const rows: any[][] = [];
    for (;;) {
        if (res.data.error) throw new Error(`trino: ${res.data.error.message}`);
        if (res.data.data) rows.push(...res.data.data);
        if (!res.data.nextUri) return rows;
        res = await axios.get(res.data.nextUri, { headers, timeout: 60_000 });
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

export async function containerEnv(container: string, key: string): Promise<string> {
    const env: string[] = JSON.parse(await docker(["inspect", "-f", "{{json .Config.Env}}", container]));
    const hit = env.find((e) => e.startsWith(`${key}=`));
    if (hit === undefined) throw new Error(`${container} has no ${key} in its environment`);
    return hit.slice(key.length + 1);
}

