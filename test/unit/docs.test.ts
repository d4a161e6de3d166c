// The docs match the code: the args reference is generated from TSDoc, every arg states its
// default (or that it is required), and every stack config key is documented.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS } from "../../components/config";
import { REFERENCE_END, REFERENCE_START, collectArgDocs, renderReference } from "../../components/core/reference";

const ROOT = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("docs", () => {
    it("README's component arguments section is what the args interfaces' TSDoc generates", () => {
        const start = readme.indexOf(REFERENCE_START) + REFERENCE_START.length;
        const end = readme.indexOf(REFERENCE_END);
        assert.ok(start > REFERENCE_START.length && end > start, "README lacks the config-reference markers");
        const expected = renderReference(collectArgDocs(path.join(ROOT, "components")));
        assert.strictEqual(readme.slice(start, end).trim(), expected.trim(), "run `npm run docs:reference`");
    });

    it("documents every arg with its default or as required", () => {
        const missing = collectArgDocs(path.join(ROOT, "components")).filter((d) => !/Default|Required/.test(d.doc));
        assert.deepStrictEqual(missing.map((d) => `${d.iface}.${d.name}`), []);
    });

    it("documents every config key the stack files set", () => {
        for (const stack of ["dev", "prod"]) {
            const config = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
            for (const key of Object.keys(config)) {
                const short = key.replace(/^lakehouse:/, "");
                assert.ok(readme.includes(`\`${key}\``) || readme.includes(`\`${short}\``), `${key} of Pulumi.${stack}.yaml is not in README`);
            }
        }
    });

    it("documents every config key the program reads", () => {
        const section = readme.slice(readme.indexOf("## Stacks and configuration"), readme.indexOf("### Component arguments"));
        const missing = CONFIG_KEYS.filter((k) => !new RegExp(`\`(lakehouse:)?${k}\``).test(section));
        assert.deepStrictEqual(missing, [], "keys missing from README's Stacks and configuration");
    });

    it("README gives exactly the two set-up commands, make up and make test", () => {
        const setup = readme.slice(readme.indexOf("## Set up"), readme.indexOf("## What gets created"));
        const block = setup.match(/```bash\n([\s\S]*?)```/);
        assert.ok(block, "no bash block in Set up");
        const commands = block![1].split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
        assert.deepStrictEqual(commands, ["make up", "make test"]);
    });
});
