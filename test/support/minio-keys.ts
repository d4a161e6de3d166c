// Each MinIO consumer's own key as its container holds it, and one bucket inside and one outside its grant:
// the least-privilege checks of the shared stack (test/integration/minio-iam.test.ts) and of the prod-shaped
// stack (test/lifecycle/prod-stack.test.ts).
import { exec } from "./docker";

/** Where each consumer's key lives in its container, and one bucket inside and one outside its grant. */
export const CONSUMERS: { consumer: string; container: string; read: "file" | "spark" | "trino"; inside: string; outside: string }[] = [
    { consumer: "catalog", container: "iceberg-rest", read: "file", inside: "warehouse", outside: "checkpoints" },
    { consumer: "spark", container: "spark", read: "spark", inside: "spark-test", outside: "checkpoints" },
    { consumer: "trino", container: "trino", read: "trino", inside: "warehouse", outside: "spark-test" },
    { consumer: "cdc", container: "cdc-mirror", read: "spark", inside: "checkpoints", outside: "spark-test" },
    { consumer: "maintenance", container: "maintenance", read: "spark", inside: "warehouse", outside: "checkpoints" },
];

/** The key as the container holds it; the values never leave this function except as the returned object. */
export async function keyOf(container: string, read: "file" | "spark" | "trino"): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    if (read === "file") {
        // The catalog's AWS shared credentials file (AWS_SHARED_CREDENTIALS_FILE), as its S3 client reads it.
        const file = (await exec(container, ["sh", "-c", "cat \"$AWS_SHARED_CREDENTIALS_FILE\""]));
        const field = (k: string) => {
            const m = new RegExp(`^${k}\\s*=\\s*(\\S+)`, "m").exec(file);
            if (!m) throw new Error(`${container}: no ${k} in its credentials file`);
            return m[1];
        };
        return { accessKeyId: field("aws_access_key_id"), secretAccessKey: field("aws_secret_access_key") };
    }
    const file = read === "trino" ? "/etc/trino/catalog/minio.properties" : "/opt/spark/conf/spark-defaults.conf";
    const text = await exec(container, ["cat", file]);
    const value = (re: RegExp): string => {
        const m = text.match(re);
        if (!m) throw new Error(`${container}: no S3 key in ${file}`);
        return m[1].trim();
    };
    return read === "trino"
        ? { accessKeyId: value(/^s3\.aws-access-key=(.*)$/m), secretAccessKey: value(/^s3\.aws-secret-key=(.*)$/m) }
        : { accessKeyId: value(/(?:\.s3\.access-key-id|fs\.s3a\.access\.key)\s+(\S+)/), secretAccessKey: value(/(?:\.s3\.secret-access-key|fs\.s3a\.secret\.key)\s+(\S+)/) };
}

export async function code(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return "ok";
    } catch (e) {
        return (e as { name?: string; Code?: string }).Code ?? (e as { name?: string }).name ?? String(e);
    }
}
