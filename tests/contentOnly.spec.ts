// Content-only stacks (platform.enabled: false): the content layer of a Harbor this project did not deploy, and
// nothing else. Planned from examples/content-only.yaml as a stack file; mixing in platform settings is refused.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseSettings, RawConfig } from "../config";
import { Plan, planStack, SecureValue } from "./helpers/pulumi";

const ROOT = path.resolve(__dirname, "..");
const P = "harbor-platform";
const EXAMPLE = (parseYaml(fs.readFileSync(path.join(ROOT, "examples", "content-only.yaml"), "utf8")) as { config: RawConfig }).config;
const SECRET = { [`${P}:existingHarborPassword`]: "placeholder" };

/** The issues of a config that must be refused. */
function issuesOf(stack: string, raw: RawConfig): { key: string; message: string }[] {
    try {
        parseSettings(stack, raw, { secretKeys: new Set(Object.keys(SECRET)) });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.issues;
    }
    throw new Error("expected a ConfigError");
}

describe("content-only stacks (platform.enabled: false)", function () {
    this.timeout(30_000);
    let plan: Plan;

    before(async () => {
        // The example as prod's stack file, in a project folder of its own.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "content-only-"));
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.copyFileSync(path.join(ROOT, "examples", "content-only.yaml"), path.join(dir, "Pulumi.prod.yaml"));
            plan = await planStack("prod", { dir, configOverride: { existingHarborPassword: new SecureValue(`${P}:existingHarborPassword`) } });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("registers the content of the existing Harbor and no storage, database, namespace, Secret or Helm release", () => {
        const platformTypes = plan.resources.filter((r) => /^(kubernetes|aws|random|tls):/.test(r.type) || r.type.startsWith(`${P}:storage`) || r.type.startsWith(`${P}:harbor`) || r.type.startsWith(`${P}:data`));
        assert.deepEqual(platformTypes.map((r) => `${r.type} ${r.name}`), []);
        const harbor = plan.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:")).map((r) => r.type.split(":").pop());
        for (const t of ["Ready", "Project", "RobotAccount", "RetentionPolicy", "ImmutableTagRule", "GarbageCollectionSchedule"]) assert.ok(harbor.includes(t), `${t} registered`);
        assert.equal(harbor.filter((t) => t === "Project").length, 2);
        assert.equal(plan.outputs.externalUrl, "https://registry.example.com");
        assert.equal(plan.outputs.adminUsername, "admin");
        assert.equal(plan.outputs.namespace, undefined, "no namespace output: nothing deployed");
    });

    it("refuses platform settings in a content-only stack, naming each, and requires the existing Harbor's URL", () => {
        const issues = issuesOf("prod", {
            ...EXAMPLE, ...SECRET,
            [`${P}:replicas`]: { core: 3 }, [`${P}:storage`]: { mode: "s3" }, [`${P}:hostname`]: "harbor.example.com",
        });
        const keys = issues.map((i) => i.key).sort();
        assert.deepEqual(keys, [`${P}:hostname`, `${P}:replicas`, `${P}:storage`]);
        for (const i of issues) assert.match(i.message, /is a platform setting, and platform.enabled is false/);
        const missing = issuesOf("dev", { [`${P}:platform`]: { enabled: false } });
        assert.ok(missing.some((i) => i.key === `${P}:existingHarbor.url` && /required with platform.enabled false/.test(i.message)), JSON.stringify(missing));
    });

    it("a preview deploys its own Harbor even when dev's file is content-only", () => {
        const pr = parseSettings("pr-3", { [`${P}:platform`]: { enabled: false }, [`${P}:hostname`]: "harbor-dev.example.com" });
        assert.equal(pr.platformEnabled, true);
        assert.equal(pr.content.existingHarbor, undefined);
    });
});
