// harbor/README.md and harbor/index.ts keep up with the resources (issue 3, item 8): every dynamic resource class
// exported from harbor/index.ts has a reference section with an example, and its provider object is exported too.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as harbor from "../../harbor";
import { HarborResource } from "../../harbor/resource";

const readme = fs.readFileSync(path.join(__dirname, "../../harbor/README.md"), "utf8");

/** The README text of `### name` up to the next heading of level 2 or 3. */
function section(name: string): string | undefined {
    const start = readme.indexOf(`\n### ${name}\n`);
    if (start < 0) return undefined;
    const rest = readme.slice(start + 1);
    const end = rest.slice(4).search(/\n##+ /);
    return end < 0 ? rest : rest.slice(0, end + 4);
}

const resourceClasses = Object.entries(harbor).filter(
    ([, v]) => typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof HarborResource,
);

describe("harbor/README.md and harbor/index.ts", () => {
    it("exports the resource classes (at least the ones issue 3 lists)", () => {
        const names = resourceClasses.map(([n]) => n);
        for (const n of ["Ready", "Project", "ProjectMember", "RobotAccount", "Registry", "ReplicationPolicy", "RetentionPolicy", "ImmutableTagRule", "DefaultScanner", "SystemConfig", "GarbageCollectionSchedule", "PurgeAuditSchedule", "Webhook", "Label", "User", "Group"]) {
            assert.ok(names.includes(n), `harbor/index.ts exports ${n}`);
        }
    });

    for (const [name] of resourceClasses) {
        it(`${name}: a reference section with an example, and its provider object exported`, () => {
            const text = section(name);
            assert.ok(text, `harbor/README.md has "### ${name}"`);
            assert.match(text!, new RegExp("```ts[\\s\\S]*new harbor\\." + name + "\\("), `the ${name} section has a \`new harbor.${name}(\` example`);
            assert.match(text!, /\b(GET|POST|PUT|PATCH|DELETE)\b/, `the ${name} section says which requests it makes`);
            const providerName = name[0].toLowerCase() + name.slice(1) + "Provider";
            const provider = (harbor as Record<string, unknown>)[providerName] as { check?: unknown; create?: unknown } | undefined;
            assert.ok(provider && typeof provider.check === "function" && typeof provider.create === "function", `harbor/index.ts exports ${providerName}`);
        });
    }

    it("has the comparison with the Terraform provider", () => {
        const i = readme.indexOf("## How it differs from the Terraform provider");
        assert.ok(i > 0);
        const bullets = readme.slice(i).split("\n").filter((l) => l.startsWith("- **"));
        assert.ok(bullets.length >= 10, `${bullets.length} differences listed`);
    });
});
