import * as assert from "assert";
import { loopbackHostPorts } from "../../../policies/loopback-host-ports";
import { noDefaultCredentials } from "../../../policies/no-default-credentials";
import { pinnedImageTags, unpinnedReason } from "../../../policies/pinned-image-tags";
import { previewUnknowns } from "../../../policies/preview-unknowns";
import {
    broker,
    connectWorker,
    connectStorageEnv,
    container,
    internalTopicEnv,
    lakehouse,
    messages,
    minio,
    postgres,
    postgresConnector,
    replace,
    runResourcePolicy,
    TYPES,
    UNKNOWN_ARRAY,
    UNKNOWN_OBJECT,
    UNKNOWN_STRING,
    urnOf,
} from "./fixtures";

describe("policy no-default-credentials", () => {
    it("passes stacks whose passwords come from config secrets or generation, on one and three brokers", async () => {
        for (const brokers of [1, 3] as const) {
            assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, lakehouse(brokers))), []);
        }
    });

    it("reports MinIO's minioadmin/minioadmin, naming the container and the variable", async () => {
        const stack = replace(lakehouse(1), minio(["MINIO_ROOT_USER=minioadmin", "MINIO_ROOT_PASSWORD=minioadmin"]));
        const reported = await runResourcePolicy(noDefaultCredentials, stack);
        assert.deepStrictEqual(messages(reported), [
            `"lakehouse-minio" (urn:pulumi:dev::lakehouse::docker:index/container:Container::lakehouse-minio): MINIO_ROOT_PASSWORD is the default minioadmin/minioadmin; ` +
                "allowed: a password that is not a well-known default (a Pulumi config secret or a generated password).",
        ]);
        assert.strictEqual(reported.violations[0].urn, urnOf(TYPES.container, "lakehouse-minio"));
    });

    it("reads a password from the uploaded file its *_FILE variable names (absolute, or under /run/secrets as MinIO reads it)", async () => {
        const pgFile = (content: unknown) => replace(lakehouse(1), postgres(undefined,
            ["POSTGRES_USER=admin", "POSTGRES_DB=customer_db", "POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password"],
            [{ file: "/run/secrets/postgres-password", content, permissions: "0400" }]));
        const found = messages(await runResourcePolicy(noDefaultCredentials, pgFile("admin\n")));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /"lakehouse-db-postgres" .*POSTGRES_PASSWORD is the default admin\/admin/);
        assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, pgFile("s3cr3t-from-config"))), []);
        // Unknown at preview (a generated password): skipped, and preview-unknowns says so.
        assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, pgFile(UNKNOWN_STRING))), []);
        const notes = messages(await runResourcePolicy(previewUnknowns, pgFile(UNKNOWN_STRING)));
        assert.strictEqual(notes.length, 1, notes.join("\n"));
        assert.match(notes[0], /"lakehouse-db-postgres" .*POSTGRES_PASSWORD is unknown at preview/);

        const minioFiles = replace(lakehouse(1), minio(["MINIO_ROOT_USER_FILE=access_key", "MINIO_ROOT_PASSWORD_FILE=secret_key"], [
            { file: "/run/secrets/access_key", content: "minioadmin", permissions: "0400" },
            { file: "/run/secrets/secret_key", content: "minioadmin", permissions: "0400" },
        ]));
        const minioFound = messages(await runResourcePolicy(noDefaultCredentials, minioFiles));
        assert.strictEqual(minioFound.length, 1, minioFound.join("\n"));
        assert.match(minioFound[0], /"lakehouse-minio" .*MINIO_ROOT_PASSWORD is the default minioadmin\/minioadmin/);
    });

    it("reports admin/admin on a service and postgres/postgres on a connector, on three brokers", async () => {
        const stack = [
            ...replace(lakehouse(3), postgres(undefined, ["POSTGRES_USER=admin", "POSTGRES_PASSWORD=admin"])),
            postgresConnector("crm-connector"),
        ];
        const crm = stack[stack.length - 1];
        (crm.props.secretConfig as Record<string, string>)["database.password"] = "postgres";
        (crm.props.config as Record<string, string>)["database.user"] = "postgres";
        const found = messages(await runResourcePolicy(noDefaultCredentials, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-db-postgres" .*POSTGRES_PASSWORD is the default admin\/admin/);
        assert.match(found[1], /"crm-connector" .*database.password is the default postgres\/postgres/);
    });

    it("skips a password unknown at preview (container or connector) and has preview-unknowns say so", async () => {
        const stack = replace(lakehouse(1), minio(UNKNOWN_ARRAY));
        assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, stack)), []);
        const notes = messages(await runResourcePolicy(previewUnknowns, stack));
        assert.strictEqual(notes.length, 1, notes.join("\n"));
        assert.match(notes[0], /"lakehouse-minio" .*MINIO_ROOT_PASSWORD is unknown at preview .*no-default-credentials skipped this password/);
        const generated = [...replace(lakehouse(3), postgres(undefined, UNKNOWN_ARRAY)), postgresConnector("crm-connector")];
        generated[generated.length - 1].props.secretConfig = UNKNOWN_OBJECT;
        assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, generated)), []);
        const generatedNotes = messages(await runResourcePolicy(previewUnknowns, generated));
        assert.strictEqual(generatedNotes.length, 2, generatedNotes.join("\n"));
        assert.match(generatedNotes[0], /"lakehouse-db-postgres" .*POSTGRES_PASSWORD is unknown at preview/);
        assert.match(generatedNotes[1], /"crm-connector" .*database.password is unknown at preview/);
        const partly = replace(lakehouse(3), minio(["MINIO_ROOT_USER=minioadmin", UNKNOWN_STRING]));
        assert.deepStrictEqual(messages(await runResourcePolicy(noDefaultCredentials, partly)), []);
        assert.strictEqual(messages(await runResourcePolicy(previewUnknowns, partly)).length, 1);
    });
});

describe("policy pinned-image-tags", () => {
    it("passes pinned tags and digests on one and three brokers", async () => {
        for (const brokers of [1, 3] as const) {
            assert.deepStrictEqual(messages(await runResourcePolicy(pinnedImageTags, lakehouse(brokers))), []);
        }
        assert.strictEqual(unpinnedReason("localhost:5000/lakehouse/kafka@sha256:" + "a".repeat(64)), undefined);
        assert.strictEqual(unpinnedReason("sha256:" + "b".repeat(64)), undefined);
        assert.strictEqual(unpinnedReason("localhost:5000/lakehouse/kafka:4.1.1"), undefined);
    });

    it("reports latest and a missing tag, including a registry with a port", async () => {
        const stack = replace(replace(lakehouse(1), container("minio", "minio", { image: "quay.io/minio/minio:latest" })), connectWorker(connectStorageEnv(1)));
        (stack.find((r) => r.name === "lakehouse-connect")!.props as Record<string, unknown>).image = "localhost:5000/debezium/connect";
        const found = messages(await runResourcePolicy(pinnedImageTags, stack));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-connect" .*image is "localhost:5000\/debezium\/connect", no tag \(Docker uses latest\); allowed: a pinned tag/);
        assert.match(found[1], /"lakehouse-minio" .*image is "quay.io\/minio\/minio:latest", the floating tag "latest"/);
    });

    it("checks a RemoteImage's name and notes a container image unknown at preview", async () => {
        const remote = { type: TYPES.remoteImage, name: "kafka-image", urn: urnOf(TYPES.remoteImage, "kafka-image"), props: { name: "apache/kafka" } };
        const stack = [...replace(lakehouse(3), container("kafka-1", "kafka-broker", { image: UNKNOWN_STRING, envs: Object.entries(internalTopicEnv(3)).map(([k, v]) => `${k}=${v}`) })), remote];
        const found = messages(await runResourcePolicy(pinnedImageTags, stack));
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /"kafka-image" .*name is "apache\/kafka", no tag/);
        const notes = messages(await runResourcePolicy(previewUnknowns, stack));
        assert.ok(notes.some((n) => n.includes(`"lakehouse-kafka-1"`) && n.includes("image reference is unknown at preview")), notes.join("\n"));
    });
});

describe("policy loopback-host-ports", () => {
    it("passes ports bound to 127.0.0.1 on one and three brokers", async () => {
        for (const brokers of [1, 3] as const) {
            assert.deepStrictEqual(messages(await runResourcePolicy(loopbackHostPorts, lakehouse(brokers))), []);
        }
    });

    it("reports a port on every interface, given or left to Docker's default", async () => {
        const open = broker(1, internalTopicEnv(1));
        open.props.ports = [{ internal: 9092, external: 9092, ip: "0.0.0.0" }, { internal: 19092, external: 19092 }];
        const found = messages(await runResourcePolicy(loopbackHostPorts, replace(lakehouse(1), open)));
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /"lakehouse-kafka-1" .*ports\[0\].ip \(host port 9092 -> container port 9092\) is "0.0.0.0"; allowed: one of 127.0.0.1 \(the policy's allowedHostIps\)/);
        assert.match(found[1], /ports\[1\].ip .* is "0.0.0.0" \(not set: Docker's default, every interface\)/);
    });

    it("allows the addresses listed in the policy config, and reports an address unknown at preview", async () => {
        const lan = broker(2, internalTopicEnv(3));
        lan.props.ports = [{ internal: 9093, external: 9093, ip: "192.168.1.10" }];
        const stack = replace(lakehouse(3), lan);
        assert.strictEqual(messages(await runResourcePolicy(loopbackHostPorts, stack)).length, 1);
        assert.deepStrictEqual(messages(await runResourcePolicy(loopbackHostPorts, stack, { allowedHostIps: ["127.0.0.1", "192.168.1.10"] })), []);
        lan.props.ports = [{ internal: 9093, external: 9093, ip: UNKNOWN_STRING }];
        assert.match(messages(await runResourcePolicy(loopbackHostPorts, stack))[0], /ports\[0\].ip .* is unknown at preview/);
    });
});
