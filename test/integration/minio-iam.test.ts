// (minioUsers is on by default, so the shared stack has a user per consumer.)
// Least privilege on MinIO, on the shared stack: each consumer's own key (read inside its container,
// never printed) reads and writes its buckets and is refused (AccessDenied) on a bucket outside its grant.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CONSUMERS, code, keyOf } from "../support/minio-keys";
import { SharedStack, sharedStack } from "../support/shared-stack";

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
