import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseSettings, RawConfig } from "../config";
import { readStackConfig } from "../scripts/plan";
import { program } from "../program";
import { at, FAKE_SECRET_MARKER, installMocks, ofType, one, Plan, planStack, RecordedResource, resolveOutput, SecureValue, settle, stackPlan } from "./helpers/pulumi";

const H = (t: string) => `pulumi-nodejs:dynamic/harbor:${t}`;
const ROOT = path.resolve(__dirname, "..");
const P = "harbor-platform";

/** Runs the real program for a stack under mocks and returns what was registered, with dependency URNs. */
async function record(stack: string, override: RawConfig = {}, secrets: Record<string, string> = {}): Promise<RecordedResource[]> {
    const { raw, secretKeys } = readStackConfig(stack === "dev" || stack === "prod" ? stack : "dev", ROOT);
    for (const [k, v] of Object.entries(override)) raw[k.includes(":") ? k : `${P}:${k}`] = v;
    for (const [k, v] of Object.entries(secrets)) {
        raw[`${P}:${k}`] = pulumi.secret(v);
        secretKeys.add(`${P}:${k}`);
    }
    const settings = parseSettings(stack, raw, { secretKeys });
    const { recorded } = installMocks(stack);
    const outputs = program(settings) as unknown as Record<string, unknown>;
    for (const v of Object.values(outputs)) await resolveOutput(v);
    await settle();
    return recorded;
}
const rec = (all: RecordedResource[], type: string, name: string) => {
    const found = all.filter((r) => r.type === type && r.name === name);
    assert.strictEqual(found.length, 1, `one ${type} ${name}`);
    return found[0];
};
/** Dev with directory logins: examples/auth-ldap.yaml merged over Pulumi.dev.yaml (what a team with LDAP runs). */
const LDAP_EXAMPLE = (parseYaml(fs.readFileSync(path.join(ROOT, "examples", "auth-ldap.yaml"), "utf8")) as { config: RawConfig }).config;
const dependsOn = (r: RecordedResource, name: string) => r.dependencies.some((u) => u.endsWith(`::${name}`));

describe("content layer under mocks", function () {
    this.timeout(60_000);
    const plans: Record<string, Plan> = {};
    before(async () => {
        for (const stack of ["dev", "prod", "pr-42"]) plans[stack] = (await stackPlan(stack)).plan;
        plans["dev+ldap"] = await planStack("dev", { configOverride: LDAP_EXAMPLE });
    });

    describe("dev: the workflow scenario", () => {
        it("project dev-team: auto scan, prevent critical, quota; robots only until a directory is wired in", () => {
            const plan = plans.dev;
            const project = one(plan, H("Project"), "content-dev-team");
            assert.strictEqual(project.parent, "content");
            assert.deepStrictEqual(
                { name: project.inputs.name, autoScan: project.inputs.autoScan, preventVulnerable: project.inputs.preventVulnerable, severity: project.inputs.severity, quota: project.inputs.storageQuotaGiB },
                { name: "dev-team", autoScan: true, preventVulnerable: true, severity: "critical", quota: 200 },
            );
            assert.deepStrictEqual(ofType(plan, H("ProjectMember")), [], "no members: dev needs no directory");
        });

        it("with examples/auth-ldap.yaml: developers push, operators maintain (LDAP groups)", () => {
            const roles = ofType(plans["dev+ldap"], H("ProjectMember")).map((m) => [at(m.inputs, "group.name"), m.inputs.role, m.inputs.project]);
            assert.deepStrictEqual(roles.sort(), [["developers", "developer", "dev-team"], ["operators", "maintainer", "dev-team"]]);
        });

        it("the CI robot may push and pull on dev-team only, and expires in 90 days", () => {
            const ci = one(plans.dev, H("RobotAccount"), "content-dev-team-robot-ci");
            assert.strictEqual(ci.inputs.level, "project");
            assert.strictEqual(ci.inputs.project, "dev-team");
            assert.strictEqual(ci.inputs.durationDays, 90);
            assert.deepStrictEqual(ci.inputs.permissions, [{ kind: "project", namespace: "dev-team", access: [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }] }]);
            const deploy = one(plans.dev, H("RobotAccount"), "content-dev-team-robot-deploy");
            assert.deepStrictEqual(at(deploy.inputs, "permissions.0.access"), [{ resource: "repository", action: "pull" }]);
        });

        it("v* releases are immutable; retention keeps the last 3 v* and what was pulled in 30 days, daily", () => {
            const rule = one(plans.dev, H("ImmutableTagRule"), "content-dev-team-immutable-0");
            assert.deepStrictEqual(
                [rule.inputs.project, rule.inputs.tagPattern, rule.inputs.tagDecoration, rule.inputs.repoPattern],
                ["dev-team", "v*", "matches", "**"],
            );
            const retention = one(plans.dev, H("RetentionPolicy"), "content-dev-team-retention");
            assert.strictEqual(retention.inputs.schedule, "daily");
            const rules = retention.inputs.rules as Record<string, unknown>[];
            assert.deepStrictEqual(rules.map((r) => [r.template, r.value, r.tagPattern]), [["latestPushedK", 3, "v*"], ["nDaysSinceLastPull", 30, "**"]]);
        });

        it("go-app is built from apps/go-app and pushed as <host>/dev-team/go-app:v1.0.0 with the CI robot", () => {
            const image = one(plans.dev, "docker:index/image:Image", "image-dev-team-go-app-image");
            assert.strictEqual(image.parent, "image-dev-team-go-app");
            assert.strictEqual(image.inputs.imageName, "harbor-dev.example.com/dev-team/go-app:v1.0.0");
            assert.strictEqual(at(image.inputs, "build.context"), "apps/go-app");
            assert.strictEqual(at(image.inputs, "build.dockerfile"), path.join("apps/go-app", "Dockerfile"));
            assert.strictEqual(at(image.inputs, "build.platform"), "linux/amd64");
            assert.strictEqual(at(image.inputs, "build.args.VERSION"), "v1.0.0");
            assert.deepStrictEqual(at(image.inputs, "build.cacheFrom.images"), ["harbor-dev.example.com/dev-team/go-app:v1.0.0"]);
            // Without inline cache metadata BuildKit would silently ignore the registry cache.
            assert.strictEqual(at(image.inputs, "build.args.BUILDKIT_INLINE_CACHE"), "1");
            // The registry block carries the robot's password: the SDK keeps the whole block secret.
            assert.strictEqual(image.inputs.registry, "[secret]");
            const check = one(plans.dev, H("ArtifactCheck"), "image-dev-team-go-app-check");
            assert.deepStrictEqual([check.inputs.project, check.inputs.repository, check.inputs.scanGate], ["dev-team", "go-app", "critical"]);
            assert.match(String(check.inputs.digest), /^sha256:[0-9a-f]{64}$/);
            const out = (plans.dev.outputs.images as Record<string, Record<string, string>>)["dev-team/go-app"];
            assert.strictEqual(out.ref, "harbor-dev.example.com/dev-team/go-app:v1.0.0");
            assert.match(out.repoDigest, /^harbor-dev\.example\.com\/dev-team\/go-app@sha256:[0-9a-f]{64}$/);
            assert.strictEqual(out.pull, `docker pull ${out.repoDigest}`);
        });

        it("system: Trivy default with daily scan-all, GC, audit purge, database auth, robot expiry, admin-only projects", () => {
            const plan = plans.dev;
            const sys = one(plan, H("SystemConfig"), "content-system");
            assert.deepStrictEqual(
                [sys.inputs.authMode, sys.inputs.ldap, sys.inputs.robotTokenExpirationDays, sys.inputs.projectCreationRestriction],
                ["db_auth", undefined, 90, "adminonly"],
            );
            const ldap = one(plans["dev+ldap"], H("SystemConfig"), "content-system");
            assert.deepStrictEqual([ldap.inputs.authMode, ldap.inputs.ldap], ["ldap_auth", "[secret]"], "LDAP settings secret as a whole");
            const scanner = one(plan, H("DefaultScanner"), "content-scanner");
            assert.deepStrictEqual([scanner.inputs.scannerName, scanner.inputs.scanAllSchedule], ["Trivy", "daily"]);
            assert.strictEqual(one(plan, H("GarbageCollectionSchedule"), "content-gc").inputs.schedule, "0 3 * * 6");
            assert.strictEqual(one(plan, H("PurgeAuditSchedule"), "content-audit-purge").inputs.retentionHours, 720);
        });

        it("replicates v* of dev-team to prod's prod-team through the prod stack's outputs", () => {
            const plan = plans.dev;
            const ref = one(plan, "pulumi:pulumi:StackReference");
            assert.strictEqual(ref.inputs.name, "organization/harbor-platform/prod");
            assert.strictEqual(ref.parent, "content");
            const registry = one(plan, H("Registry"), "content-prod");
            assert.deepStrictEqual(
                [registry.inputs.name, registry.inputs.type, registry.inputs.url, registry.inputs.accessKey, registry.inputs.accessSecret],
                ["prod", "harbor", "https://harbor.example.com", "robot$replication-inbound", "[secret]"],
            );
            const policy = one(plan, H("ReplicationPolicy"), "content-prod-replication");
            assert.deepStrictEqual(
                {
                    name: policy.inputs.name, direction: policy.inputs.direction, filters: policy.inputs.filters, trigger: policy.inputs.trigger,
                    destNamespace: policy.inputs.destNamespace, replace: policy.inputs.destNamespaceReplaceCount,
                },
                {
                    name: "prod-replication", direction: "push", filters: { name: "dev-team/**", tag: { pattern: "v*" } }, trigger: { type: "event_based" },
                    destNamespace: "prod-team", replace: 1,
                },
            );
            assert.strictEqual(ofType(plan, H("RobotAccount")).filter((r) => r.inputs.level === "system").length, 0, "dev has no inbound robot");
        });

        it("an explicit endpoint (instead of a stack reference) takes its password from secret config", async () => {
            const plan = await planStack("dev", {
                configOverride: {
                    replication: { outbound: { enabled: true, url: "https://harbor.example.com", username: "robot$replication-inbound", sourceProject: "dev-team", destNamespace: "prod-team", trigger: "scheduled", schedule: "30 2 * * *" } },
                    replicationPassword: new SecureValue(`${P}:replicationPassword`),
                },
            });
            assert.strictEqual(ofType(plan, "pulumi:pulumi:StackReference").length, 0);
            const registry = one(plan, H("Registry"), "content-prod");
            assert.deepStrictEqual([registry.inputs.url, registry.inputs.accessKey, registry.inputs.accessSecret], ["https://harbor.example.com", "robot$replication-inbound", "[secret]"]);
            assert.deepStrictEqual(one(plan, H("ReplicationPolicy")).inputs.trigger, { type: "scheduled", cron: "30 2 * * *" });
        });

        it("a commit adds the sha-<commit> tag to the pushed artifact", async () => {
            const plan = await planStack("dev", {
                configOverride: { images: [{ name: "go-app", project: "dev-team", version: "v1.0.1", context: "apps/go-app", commit: "0123abcd" }] },
            });
            assert.deepStrictEqual(one(plan, H("ArtifactCheck")).inputs.tags, ["sha-0123abcd"]);
            assert.strictEqual(at(one(plan, "docker:index/image:Image").inputs, "build.args.COMMIT"), "0123abcd");
            const out = (plan.outputs.images as Record<string, Record<string, string>>)["dev-team/go-app"];
            assert.strictEqual(out.commitRef, "harbor-dev.example.com/dev-team/go-app:sha-0123abcd");
        });
    });

    describe("prod", () => {
        it("has the inbound system robot: push+pull into prod-team only, no project creation, 90 days; no replication of its own", () => {
            const plan = plans.prod;
            const robot = one(plan, H("RobotAccount"), "content-replication-inbound");
            assert.strictEqual(robot.inputs.level, "system");
            assert.strictEqual(robot.inputs.durationDays, 90);
            assert.deepStrictEqual(robot.inputs.permissions, [{ kind: "project", namespace: "prod-team", access: [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }] }]);
            one(plan, H("Project"), "content-prod-team");
            assert.strictEqual(ofType(plan, H("Registry")).length + ofType(plan, H("ReplicationPolicy")).length, 0);
            assert.strictEqual(plan.outputs.replicationEndpoint, "https://harbor.example.com");
            assert.strictEqual(plan.outputs.replicationRobotName, "robot$replication-inbound");
            assert.strictEqual(plan.outputs.replicationRobotSecret, "[secret]");
        });

        it("project creation is granted only when configured", async () => {
            const plan = await planStack("prod", {
                configOverride: { replication: { inbound: { enabled: true, projects: ["prod-team", "new-team"], allowProjectCreation: true } } },
            });
            const perms = one(plan, H("RobotAccount"), "content-replication-inbound").inputs.permissions as { kind: string; namespace: string; access: { resource: string; action: string }[] }[];
            const system = perms.find((p) => p.kind === "system");
            assert.deepStrictEqual(system?.access, [{ resource: "project", action: "create" }, { resource: "project", action: "list" }]);
        });
    });

    describe("pr-<n> preview", () => {
        it("has dev's projects but no replication at all (no Registry, policy, StackReference or inbound robot)", () => {
            const plan = plans["pr-42"];
            one(plan, H("Project"), "content-dev-team");
            for (const t of [H("Registry"), H("ReplicationPolicy"), "pulumi:pulumi:StackReference"]) assert.strictEqual(ofType(plan, t).length, 0, t);
            assert.strictEqual(ofType(plan, H("RobotAccount")).filter((r) => r.inputs.level === "system").length, 0);
            assert.strictEqual(plan.outputs.replicationRobotSecret, undefined);
        });

        it("stays without replication even when dev's config turns inbound replication on", async () => {
            const plan = await planStack("pr-42", { configOverride: { replication: { inbound: { enabled: true, projects: ["dev-team"] }, outbound: { enabled: true, prodStack: "organization/harbor-platform/prod", sourceProject: "dev-team" } } } });
            assert.strictEqual(ofType(plan, H("Registry")).length + ofType(plan, H("ReplicationPolicy")).length, 0);
            assert.strictEqual(ofType(plan, H("RobotAccount")).filter((r) => r.inputs.level === "system").length, 0);
        });
    });

    describe("order of operations (recorded dependencies)", () => {
        let dev: RecordedResource[];
        before(async () => {
            dev = await record("dev", LDAP_EXAMPLE);
        });

        it("the Harbor release waits for the storage (MinIO's release creates Harbor's bucket)", () => {
            assert.ok(dependsOn(rec(dev, "kubernetes:helm.sh/v3:Release", "harbor-release"), "storage-release"));
        });

        it("Ready waits for the Harbor release; projects and system settings wait for Ready", () => {
            const ready = rec(dev, H("Ready"), "content-ready");
            assert.ok(dependsOn(ready, "harbor-release"), `Ready depends on the release: ${ready.dependencies.join(", ")}`);
            assert.ok(dependsOn(rec(dev, H("Project"), "content-dev-team"), "content-ready"));
            for (const [t, n] of [["DefaultScanner", "content-scanner"], ["SystemConfig", "content-system"], ["GarbageCollectionSchedule", "content-gc"], ["PurgeAuditSchedule", "content-audit-purge"], ["Registry", "content-prod"]]) {
                assert.ok(dependsOn(rec(dev, H(t), n), "content-ready"), `${n} after Ready`);
            }
        });

        it("robots, members, retention and immutable rules come after their project", () => {
            for (const [t, n] of [["RobotAccount", "content-dev-team-robot-ci"], ["ProjectMember", "content-dev-team-group-developers"], ["RetentionPolicy", "content-dev-team-retention"], ["ImmutableTagRule", "content-dev-team-immutable-0"]]) {
                assert.ok(dependsOn(rec(dev, H(t), n), "content-dev-team"), `${n} after the project`);
            }
            assert.ok(dependsOn(rec(dev, H("ReplicationPolicy"), "content-prod-replication"), "content-prod"), "policy after its registry");
        });

        it("the image is built after its push robot exists, pushes as that robot, and is checked after the push", () => {
            const image = rec(dev, "docker:index/image:Image", "image-dev-team-go-app-image");
            const registry = image.inputs.registry as Record<string, unknown>;
            assert.ok(pulumi.runtime.isRpcSecret(registry), "registry credentials travel as a secret");
            const creds = pulumi.runtime.unwrapRpcSecret(registry) as Record<string, unknown>;
            assert.deepStrictEqual([creds.server, creds.username], ["harbor-dev.example.com", "robot$dev-team+ci"]);
            assert.ok(pulumi.runtime.isRpcSecret(creds.password) || String(creds.password).includes(FAKE_SECRET_MARKER));
            assert.ok(dependsOn(image, "content-dev-team-robot-ci"), `image after the CI robot: ${image.dependencies.join(", ")}`);
            assert.ok(dependsOn(rec(dev, H("ArtifactCheck"), "image-dev-team-go-app-check"), "image-dev-team-go-app-image"));
        });

        it("prod's inbound robot waits for its target project", async () => {
            const prod = await record("prod");
            assert.ok(dependsOn(rec(prod, H("RobotAccount"), "content-replication-inbound"), "content-prod-team"));
        });

        it("after the admin password was changed in Harbor, the secret harborAdminPassword is what every Harbor resource logs in with", async () => {
            const all = await record("dev", {}, { harborAdminPassword: "Changed-In-The-UI-1" });
            const harborResources = all.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:"));
            assert.ok(harborResources.length > 0);
            for (const r of harborResources) {
                assert.ok(pulumi.runtime.isRpcSecret(r.inputs.connection), `${r.name}: the connection stays secret`);
                const conn = pulumi.runtime.unwrapRpcSecret(r.inputs.connection) as { username: string; password: unknown };
                assert.deepStrictEqual([conn.username, conn.password], ["admin", "Changed-In-The-UI-1"], r.name);
            }
        });

        it("an existing Harbor: content does not wait for this stack's release, and images go to its host", async () => {
            const all = await record("dev", { existingHarbor: { url: "https://registry.example.com" } }, { existingHarborPassword: "Placeholder1" });
            assert.ok(!dependsOn(rec(all, H("Ready"), "content-ready"), "harbor-release"));
            assert.match(String(rec(all, "docker:index/image:Image", "image-dev-team-go-app-image").inputs.imageName), /^registry\.example\.com\/dev-team\/go-app:v1\.0\.0$/);
        });
    });

    describe("secrets stay secret", () => {
        for (const stack of ["dev", "prod", "pr-42"]) {
            it(`${stack}: robot secrets, connections, registry credentials and the docker password are secret; nothing leaks`, () => {
                const plan = plans[stack];
                assert.strictEqual(plan.outputs.robotSecrets, "[secret]");
                const harborResources = plan.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/harbor:"));
                assert.ok(harborResources.length > 0, "the stack has Harbor resources to check");
                for (const r of harborResources) {
                    assert.strictEqual(r.inputs.connection, "[secret]", `${r.name}.connection`);
                }
                const registries = ofType(plan, H("Registry"));
                const images = ofType(plan, "docker:index/image:Image");
                // dev replicates and builds an image: the loops below must not pass over nothing there.
                if (stack === "dev") assert.ok(registries.length > 0 && images.length > 0, "dev has a Registry and an image to check");
                for (const r of registries) assert.strictEqual(r.inputs.accessSecret, "[secret]");
                for (const r of images) assert.strictEqual(r.inputs.registry, "[secret]");
                assert.ok(!JSON.stringify(plan).includes(FAKE_SECRET_MARKER), "no secret value in the plan");
                const access = JSON.stringify(plan.outputs.projects);
                assert.ok(!access.includes("[secret]"), "the per-project access output stays readable (no secret inside)");
            });
        }
    });

    describe("bad config is rejected before anything is registered, with clear errors", () => {
        const devRaw = () => readStackConfig("dev", ROOT).raw;
        const cases: { name: string; raw: RawConfig; expect: [string, RegExp][] }[] = [
            {
                name: "an image naming an undeclared project, a non-SemVer version",
                raw: { images: [{ name: "go-app", project: "library", version: "1.0", context: "apps/go-app" }] },
                expect: [[`${P}:images[0].project`, /not a project declared in projects \(declared: dev-team\)/], [`${P}:images[0].version`, /SemVer version like v1\.2\.3/]],
            },
            {
                name: "a robot with explicit permissions Harbor does not know, a robot without any",
                raw: {
                    projects: [{
                        name: "dev-team", robots: [
                            { name: "ci" },
                            { name: "odd", preset: "custom", permissions: [{ resource: "repository", action: "fly" }] },
                            { name: "empty", preset: "custom" },
                        ],
                    }],
                },
                expect: [[`${P}:projects[0].robots[1].permissions[0]`, /action "fly" is not allowed on project resource "repository"/], [`${P}:projects[0].robots[2].permissions`, /required for preset custom/]],
            },
            {
                name: "invalid project and robot names, bad cron, bad severity",
                raw: {
                    projects: [{ name: "Dev Team", preventVulnerable: "severe", robots: [{ name: "CI$bot" }], retention: { schedule: "0 0 * * * *", rules: [{ template: "latestPushedK" }] } }],
                    system: { gc: { schedule: "every night" } },
                    images: [],
                },
                expect: [
                    [`${P}:projects[0].name`, /a project name \(lower-case letters and digits/],
                    [`${P}:projects[0].robots[0].name`, /a robot name/],
                    [`${P}:projects[0].preventVulnerable`, /one of off, low, medium, high, critical/],
                    [`${P}:projects[0].retention.schedule`, /5-field cron.*it has 6 fields/],
                    [`${P}:system.gc.schedule`, /5-field cron/],
                ],
            },
            {
                name: "an image whose robot cannot push; a retention rule without its value",
                raw: {
                    projects: [{ name: "dev-team", robots: [{ name: "deploy", preset: "pull" }], retention: { rules: [{ template: "latestPushedK" }] } }],
                    images: [{ name: "go-app", project: "dev-team", version: "v1.0.0", context: "apps/go-app", robot: "deploy" }],
                },
                expect: [[`${P}:images[0].robot`, /robot deploy cannot push \(preset pull\)/], [`${P}:projects[0].retention.rules[0].value`, /is required for template latestPushedK/]],
            },
            {
                name: "replication naming undeclared projects, no prod endpoint, a per-minute schedule",
                raw: {
                    replication: {
                        inbound: { enabled: true, projects: ["prod-team"] },
                        outbound: { enabled: true, sourceProject: "qa-team", trigger: "scheduled", schedule: "* 2 * * *" },
                    },
                },
                expect: [
                    [`${P}:replication.inbound.projects[0]`, /not a project declared in projects.*allowProjectCreation/],
                    [`${P}:replication.outbound.sourceProject`, /not a project declared in projects/],
                    [`${P}:replication.outbound.schedule`, /fixed minute/],
                ],
            },
            {
                name: "outbound replication with no prod endpoint, or an explicit one without its password",
                raw: { replication: { outbound: { enabled: true, sourceProject: "dev-team", url: "https://harbor.example.com" } } },
                expect: [[`${P}:replication.outbound.username`, /is required with replication.outbound.url/], [`${P}:replicationPassword`, /pulumi config set --secret replicationPassword/]],
            },
            {
                name: "outbound replication that does not say where prod is",
                raw: { replication: { outbound: { enabled: true, sourceProject: "dev-team" } } },
                expect: [[`${P}:replication.outbound.prodStack`, /where is prod\?/]],
            },
            {
                name: "an existing Harbor without its password; OIDC without client secret",
                raw: { existingHarbor: { url: "https://registry.example.com" }, system: { auth: { mode: "oidc_auth", oidc: { endpoint: "https://sso.example.com", clientId: "harbor" } } } },
                expect: [[`${P}:existingHarborPassword`, /pulumi config set --secret existingHarborPassword/], [`${P}:oidcClientSecret`, /pulumi config set --secret oidcClientSecret/]],
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const raw = devRaw();
                for (const [k, v] of Object.entries(c.raw)) raw[`${P}:${k}`] = v;
                let err: unknown;
                try {
                    parseSettings("dev", raw, { secretKeys: new Set() });
                } catch (e) {
                    err = e;
                }
                assert.ok(err instanceof ConfigError, "a ConfigError");
                for (const [key, re] of c.expect) {
                    const issue = err.issues.find((i) => i.key === key && re.test(i.message));
                    assert.ok(issue, `expected ${key} ~ ${re}; got:\n${err.message}`);
                }
            });
        }

        it("a plaintext secret in the stack file is refused, without echoing it", () => {
            const raw = devRaw();
            raw[`${P}:replicationPassword`] = "Hunter2-plain";
            const secretKeys = new Set<string>();
            assert.throws(() => parseSettings("dev", raw, { secretKeys }), (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                const i = e.issues.find((x) => x.key === `${P}:replicationPassword`);
                assert.ok(i && /stored in plaintext/.test(i.message));
                assert.ok(!e.message.includes("Hunter2-plain"));
                return true;
            });
        });
    });
});
