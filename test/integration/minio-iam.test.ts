// (minioUsers is on by default, so the shared stack has a user per consumer.)
// Least privilege on MinIO, on the shared stack: each consumer's own key (read inside its container,
// never printed) reads and writes its buckets and is refused (AccessDenied) on a bucket outside its grant.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { exec } from "../support/docker";
import { SharedStack, sharedStack } from "../support/shared-stack";

/** Where each consumer's key lives in its container, and one bucket inside and one outside its grant. */
const CONSUMERS: { consumer: string; container: string; read: "file" | "spark" | "trino"; inside: string; outside: string }[] = [
    { consumer: "catalog", container: "iceberg-rest", read: "file", inside: "warehouse", outside: "checkpoints" },
    { consumer: "spark", container: "spark", read: "spark", inside: "spark-test", outside: "checkpoints" },
    { consumer: "trino", container: "trino", read: "trino", inside: "warehouse", outside: "spark-test" },
    { consumer: "cdc", container: "cdc-mirror", read: "spark", inside: "checkpoints", outside: "spark-test" },
    { consumer: "maintenance", container: "maintenance", read: "spark", inside: "warehouse", outside: "checkpoints" },
];

/** The key as the container holds it; the values never leave this function except as the returned object. */
async function keyOf(container: string, read: "file" | "spark" | "trino"): Promise<{ accessKeyId: string; secretAccessKey: string }> {
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

async function code(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return "ok";
    } catch (e) {
        return (e as { name?: string; Code?: string }).Code ?? (e as { name?: string }).name ?? String(e);
    }
}

describe("MinIO: each consumer's key reaches only its buckets (shared stack)", function () {
    this.timeout(3_600_000);
    let stack: SharedStack;
    before(async () => { stack = await sharedStack(); });

    for (const c of CONSUMERS) {
        it(`${c.consumer}: reads and writes ${c.inside}, is refused on ${c.outside}`, async () => {
            const credentials = await keyOf(`${stack.prefix}-${c.container}`, c.read);
            assert.equal(credentials.accessKeyId, `${stack.prefix}-${c.consumer}`, "the consumer's own user, not the root key");
            const s3 = new S3Client({ endpoint: stack.outputs.endpoints.minio, region: "us-east-1", forcePathStyle: true, credentials, maxAttempts: 1 });
            const key = `iam-test/${crypto.randomUUID()}`;
            try {
                assert.equal(await code(s3.send(new PutObjectCommand({ Bucket: c.inside, Key: key, Body: "x" }))), "ok");
                const got = await s3.send(new GetObjectCommand({ Bucket: c.inside, Key: key }));
                assert.equal(await got.Body!.transformToString(), "x");
                assert.equal(await code(s3.send(new PutObjectCommand({ Bucket: c.outside, Key: key, Body: "x" }))), "AccessDenied");
                assert.equal(await code(s3.send(new GetObjectCommand({ Bucket: c.outside, Key: key }))), "AccessDenied");
            } finally {
                await s3.send(new DeleteObjectCommand({ Bucket: c.inside, Key: key })).catch(() => undefined);
                s3.destroy();
            }
        });
    }
});
