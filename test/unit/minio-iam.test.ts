// Least privilege on MinIO (storage.minioUsers / lakehouse:minioUsers, on by default): each consumer gets a user
// and policy of its own, the root key reaches only the MinIO container and the minio provider, and each policy
// names only the consumer's buckets. With the flag set to false, consumers get the root key and no IAM resource exists.
import * as assert from "assert";
import { Lakehouse } from "../../components";
import { consumerPolicy } from "../../components/storage/storage";
import { RecordedResource, construct, isSecret, named, ofType } from "./support/mocks";

const ROOT_USER = "root-key-under-test";
const ROOT_PASSWORD = "root-password-under-test";
const CONSUMERS: Record<string, { container: string; buckets: string[] }> = {
    catalog: { container: "lh-catalog-container", buckets: ["warehouse"] },
    spark: { container: "lh-spark-container", buckets: ["spark-test", "warehouse"] },
    trino: { container: "lh-trino-container", buckets: ["warehouse"] },
    cdc: { container: "lh-cdc-job-container", buckets: ["checkpoints", "warehouse"] },
    maintenance: { container: "lh-maintenance-container", buckets: ["warehouse"] },
};

const NAMING = new Set(["name", "hostname", "labels", "volumes", "networksAdvanced", "mounts"]);

function resourcesOf(policy: string): string[] {
    return JSON.parse(policy).Statement.flatMap((s: { Resource: string[] }) => s.Resource).sort();
}

describe("MinIO users and policies per consumer (minioUsers unset: the default)", () => {
    let records: RecordedResource[];
    let prefix: string;
    before(async () => {
        records = await construct(() => new Lakehouse("lh", { storage: { rootUser: ROOT_USER, rootPassword: ROOT_PASSWORD } }));
        prefix = named(records, "lh-storage-catalog-user").inputs.name.replace(/-catalog$/, "");
    });

    it("creates a user, a policy naming only the consumer's buckets, and their attachment for each consumer", () => {
        assert.deepStrictEqual(ofType(records, "minio:index/iamUser:IamUser").map((r) => r.name).sort(),
            Object.keys(CONSUMERS).map((c) => `lh-storage-${c}-user`).sort());
        for (const [c, want] of Object.entries(CONSUMERS)) {
            const user = named(records, `lh-storage-${c}-user`);
            assert.strictEqual(user.inputs.name, `${prefix}-${c}`);
            assert.ok(isSecret(user, "secret"), `${c} secret is a Pulumi secret`);
            assert.notStrictEqual(user.inputs.secret, ROOT_PASSWORD);
            const policy = named(records, `lh-storage-${c}-policy`);
            assert.deepStrictEqual(resourcesOf(policy.inputs.policy),
                want.buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]).sort(), c);
            const grant = named(records, `lh-storage-${c}-grant`);
            assert.strictEqual(grant.inputs.userName, `${prefix}-${c}`);
            assert.strictEqual(grant.inputs.policyName, policy.inputs.name);
            assert.ok(grant.dependsOn.includes(user.name) && grant.dependsOn.includes(policy.name));
            for (const r of [user, policy, grant]) assert.strictEqual(r.provider, "lh-storage-provider", r.name);
        }
    });

    it("gives each consumer its own key (as a secret) and starts it after its grant", () => {
        for (const [c, want] of Object.entries(CONSUMERS)) {
            const container = named(records, want.container);
            // The container's own name and labels also start with the prefix: look at the other inputs.
            const inputs = Object.fromEntries(Object.entries(container.inputs).filter(([k]) => !NAMING.has(k)));
            const text = JSON.stringify(inputs);
            assert.ok(text.includes(`${prefix}-${c}`), `${c} gets its own access key`);
            for (const other of Object.keys(CONSUMERS).filter((o) => o !== c)) {
                assert.ok(!text.includes(`${prefix}-${other}"`) && !text.includes(`${prefix}-${other}\\`), `${c} must not get ${other}'s key`);
            }
            assert.ok(container.dependsOn.includes(`lh-storage-${c}-grant`), `${c} starts after its grant`);
            const carriers = Object.entries(inputs).filter(([k, v]) => isSecret(container, k) && JSON.stringify(v).includes(`${prefix}-${c}`));
            assert.ok(carriers.length > 0, `${c} gets its key in a secret input`);
        }
    });

    it("hands the root key only to the MinIO container and the minio provider", () => {
        const holders = records.filter((r) => JSON.stringify(r.inputs).includes(ROOT_PASSWORD) || JSON.stringify(r.inputs).includes(ROOT_USER))
            .map((r) => r.type).sort();
        assert.deepStrictEqual(holders, ["docker:index/container:Container", "pulumi:providers:minio"]);
        const minio = records.find((r) => r.type === "docker:index/container:Container" && JSON.stringify(r.inputs).includes(ROOT_PASSWORD));
        assert.match(minio!.name, /storage/);
    });

    it("writes a policy of read/write object actions on exactly the given buckets, no admin or other bucket", () => {
        const doc = JSON.parse(consumerPolicy(["a", "b"]));
        const actions = doc.Statement.flatMap((s: { Action: string[] }) => s.Action);
        assert.ok(actions.every((x: string) => x.startsWith("s3:") && !x.includes("*")), actions.join());
        assert.ok(!actions.some((x: string) => /Bucket(Policy|Create)|DeleteBucket|CreateBucket|ListAllMyBuckets|admin:/.test(x)));
        assert.deepStrictEqual(resourcesOf(consumerPolicy(["a", "b"])), ["arn:aws:s3:::a", "arn:aws:s3:::a/*", "arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    });
});

describe("MinIO users per consumer off (minioUsers: false)", () => {
    it("creates no IAM resource and gives every consumer the root key", async () => {
        const records = await construct(() => new Lakehouse("lh", { storage: { rootUser: ROOT_USER, rootPassword: ROOT_PASSWORD, minioUsers: false } }));
        const iam = records.filter((r) => /^minio:index\/iam/.test(r.type)).map((r) => r.name);
        assert.deepStrictEqual(iam, []);
        for (const [c, want] of Object.entries(CONSUMERS)) {
            const container = named(records, want.container);
            const inputs = Object.fromEntries(Object.entries(container.inputs).filter(([k]) => !NAMING.has(k)));
            const text = JSON.stringify(inputs);
            assert.ok(text.includes(ROOT_USER) && text.includes(ROOT_PASSWORD), `${c} gets the root key`);
            assert.ok(!container.dependsOn.some((d) => /-grant$/.test(d)), `${c} waits for no grant`);
        }
    });
});
