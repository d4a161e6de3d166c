import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allPolicies, correctnessPolicies, hygienePolicies } from "../../../policies/all";

const POLICIES_DIR = path.resolve(__dirname, "../../../policies");

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return entry.name === "node_modules" ? [] : sourceFiles(full);
        }
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

describe("policy pack lakehouse-policies", () => {
    it("gives every policy a unique kebab-case name and a description", () => {
        const names = allPolicies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const policy of allPolicies) {
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(policy.description.length > 20, policy.name);
        }
    });

    it("makes replication and CDC policies mandatory, hygiene mandatory by default, preview-unknowns advisory", () => {
        assert.ok(correctnessPolicies.every((p) => p.enforcementLevel === "mandatory"));
        assert.ok(hygienePolicies.every((p) => p.enforcementLevel === "mandatory"));
        assert.strictEqual(allPolicies.find((p) => p.name === "preview-unknowns")?.enforcementLevel, "advisory");
    });

    it("relaxes only the hygiene policies in the dev config, to advisory", () => {
        const dev = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "config", "dev.json"), "utf8")) as Record<string, unknown>;
        const hygiene = hygienePolicies.map((p) => p.name).sort();
        assert.deepStrictEqual(Object.keys(dev).sort(), hygiene);
        for (const value of Object.values(dev)) {
            const level = typeof value === "string" ? value : (value as { enforcementLevel: string }).enforcementLevel;
            assert.strictEqual(level, "advisory");
        }
    });

    it("constructs the PolicyPack in index.ts only, and imports no component class", () => {
        for (const file of sourceFiles(POLICIES_DIR)) {
            const text = fs.readFileSync(file, "utf8");
            const relative = path.relative(POLICIES_DIR, file);
            if (relative !== "index.ts") {
                assert.ok(!/new\s+PolicyPack\b/.test(text), `${relative} constructs a PolicyPack`);
            }
            for (const [, target] of text.matchAll(/from\s+"([^"]+)"/g)) {
                if (target.includes("components")) {
                    assert.match(target, /\/components\/core\/settings$/, `${relative} imports ${target}`);
                }
                assert.ok(!/^@pulumi\/(docker|kafka|minio|command)$/.test(target), `${relative} imports provider ${target}`);
            }
        }
    });
});
