import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Connector, createConnectorProvider, postgresConnector } from "../../../components/connector";
import { FakeConnect } from "./fakeConnect";

const PASSWORD = "s3cr3t-Pa55word";

/** Loads serialized provider text the way the dynamic-provider host does: a module with `handler`. */
function load(text: string): any {
    const module = { exports: {} as any };
    const projectRequire = require("module").createRequire(path.resolve(__dirname, "../../../package.json"));
    new Function("exports", "require", "module", text)(module.exports, projectRequire, module);
    return module.exports.handler();
}

describe("connector provider closure serialization", () => {
    let fake: FakeConnect;
    beforeEach(async () => (fake = await new FakeConnect().start()));
    afterEach(async () => fake.stop());

    it("serializes without capturing modules or secrets, requiring axios inside the methods", async () => {
        const provider = createConnectorProvider({ pollIntervalMs: 20 });
        const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
        assert.strictEqual(serialized.containsSecrets, false);
        assert.match(serialized.text, /const axios = require\("axios"\)/);
        assert.ok(!/require\("\.{1,2}\//.test(serialized.text), "no local module is required");
        assert.ok(!serialized.text.includes("@pulumi/pulumi"), "the provider does not drag the Pulumi SDK in");
        assert.ok(serialized.text.length < 60000, `${serialized.text.length} characters`);
    });

    it("works after a round trip through its serialized text", async () => {
        const provider = createConnectorProvider({ pollIntervalMs: 20 });
        const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
        const revived = load(serialized.text);
        const spec = postgresConnector({ hostname: "db", user: "u", password: PASSWORD, dbname: "customer_db", tables: ["users"] });
        const created = await revived.create({ connectUrl: fake.url, ...spec });
        assert.strictEqual(created.id, "inventory-connector");
        assert.strictEqual(created.outs.connectorState, "RUNNING");
        assert.ok(!JSON.stringify(created.outs).includes(PASSWORD));
        await revived.delete(created.id, created.outs);
        assert.strictEqual(fake.connectors.size, 0);
    });
});

describe("Connector resource", () => {
    it("registers as a dynamic resource with the secret input wrapped and secret outputs declared", async () => {
        const seen: { type: string; inputs: any }[] = [];
        let opts: pulumi.CustomResourceOptions | undefined;
        let secretConfigIsSecret: boolean | undefined;
        let outputName: string | undefined;
        pulumi.runtime.setMocks({
            newResource: (args) => {
                seen.push({ type: args.type, inputs: args.inputs });
                return { id: args.inputs.name, state: args.inputs };
            },
            call: (args) => args.inputs,
        }, "pulumi-lakehouse", "unit", false);
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                if (args.type.endsWith(":Connector")) {
                    opts = args.opts as pulumi.CustomResourceOptions;
                    void (args.props.secretConfig as any).isSecret.then((s: boolean) => (secretConfigIsSecret = s));
                }
                return undefined;
            });
            const spec = postgresConnector({ hostname: "db", user: "u", password: PASSWORD, dbname: "customer_db", tables: ["users"] });
            const connector = new Connector("inventory", { connectUrl: "http://127.0.0.1:8083", ...spec });
            connector.name.apply((name) => (outputName = name));
            return undefined;
        });
        const connector = () => seen.find((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:Connector");
        for (let i = 0; i < 100 && !connector(); i++) await new Promise((r) => setTimeout(r, 20));
        const registered = connector()!;
        assert.ok(registered, `registered: ${seen.map((r) => r.type).join(", ")}`);
        assert.strictEqual(registered.inputs.name, "inventory-connector");
        assert.strictEqual(typeof registered.inputs.__provider, "string");
        assert.ok(!registered.inputs.__provider.includes(PASSWORD), "the serialized provider holds no password");
        assert.deepStrictEqual(opts!.additionalSecretOutputs, ["secretConfig", "secretConfigDigest", "referencedSecrets", "referencedSecretsDigest", "connectAuth"]);
        assert.strictEqual(secretConfigIsSecret, true, "a plain password is wrapped as a secret");
        for (let i = 0; i < 50 && outputName === undefined; i++) await new Promise((r) => setTimeout(r, 20));
        assert.strictEqual(outputName, "inventory-connector", "the declared outputs resolve");
    });
});
