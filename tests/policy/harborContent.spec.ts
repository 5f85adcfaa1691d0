import { strict as assert } from "assert";
import {
    adminGrants, DOCKER_BUILD_IMAGE_TYPE, DOCKER_IMAGE_TYPE, DOCKER_REGISTRY_IMAGE_TYPE, DOCKER_TAG_TYPE,
    IMMUTABLE_RULE_TYPE, imageVersionSemver, PROJECT_TYPE, projectHasImmutableReleaseTags, projectHasRetention,
    RETENTION_TYPE, ROBOT_TYPE, robotAccountExpires, robotAccountNotAdmin, SYSTEM_CONFIG_TYPE,
} from "../../policy/policies";
import { FakeResource, runStackPolicy, stackViolations, unknown, violations } from "./harness";

const pushRobot = {
    name: "ci-push",
    level: "project",
    project: "dev-team",
    durationDays: 90,
    permissions: [{ kind: "project", namespace: "dev-team", access: [{ resource: "repository", action: "push" }, { resource: "repository", action: "pull" }] }],
};

describe("policy: harbor-robot-expires", () => {
    it("passes a robot that expires within 90 days", async () => {
        assert.deepEqual(await violations(robotAccountExpires, ROBOT_TYPE, pushRobot), []);
    });

    it("flags a robot that never expires", async () => {
        const v = await violations(robotAccountExpires, ROBOT_TYPE, { ...pushRobot, durationDays: -1 }, { name: "ci" });
        assert.deepEqual(v, ['Robot account "ci": durationDays is -1 (never expires); at most 90 days are allowed.']);
    });

    it("flags a lifetime over the limit, and an unset or fractional one", async () => {
        assert.match((await violations(robotAccountExpires, ROBOT_TYPE, { ...pushRobot, durationDays: 365 }))[0], /365; at most 90 days/);
        assert.match((await violations(robotAccountExpires, ROBOT_TYPE, { ...pushRobot, durationDays: undefined }))[0], /durationDays is unset/);
        assert.match((await violations(robotAccountExpires, ROBOT_TYPE, { ...pushRobot, durationDays: 1.5 }))[0], /whole number of days/);
    });

    it("takes the limit from the policy config", async () => {
        assert.deepEqual(await violations(robotAccountExpires, ROBOT_TYPE, { ...pushRobot, durationDays: 180 }, { config: { maxDurationDays: 180 } }), []);
        assert.equal((await violations(robotAccountExpires, ROBOT_TYPE, pushRobot, { config: { maxDurationDays: 30 } })).length, 1);
    });

    it("also bounds the system-wide default robot lifetime", async () => {
        assert.deepEqual(await violations(robotAccountExpires, SYSTEM_CONFIG_TYPE, { authMode: "oidc_auth" }), []);
        const v = await violations(robotAccountExpires, SYSTEM_CONFIG_TYPE, { robotTokenExpirationDays: -1 }, { name: "config" });
        assert.match(v[0], /system config "config": robotTokenExpirationDays is -1/);
    });
});

describe("policy: harbor-robot-no-system-admin", () => {
    const systemAdmin = {
        name: "ops",
        level: "system",
        durationDays: 30,
        permissions: [
            { kind: "system", namespace: "/", access: [{ resource: "user", action: "create" }, { resource: "registry", action: "list" }] },
            { kind: "project", namespace: "*", access: [{ resource: "repository", action: "pull" }] },
        ],
    };

    it("passes a project-scoped push robot and a system robot that only reads", async () => {
        assert.deepEqual(await violations(robotAccountNotAdmin, ROBOT_TYPE, pushRobot), []);
        const reader = { ...systemAdmin, permissions: [{ kind: "system", namespace: "/", access: [{ resource: "audit-log", action: "list" }, { resource: "registry", action: "read" }] }] };
        assert.deepEqual(await violations(robotAccountNotAdmin, ROBOT_TYPE, reader), []);
    });

    it("flags admin grants and names them", async () => {
        const v = await violations(robotAccountNotAdmin, ROBOT_TYPE, systemAdmin, { name: "ops" });
        assert.equal(v.length, 1);
        assert.match(v[0], /Robot account "ops" holds admin permissions: system \/ user:create\./);
    });

    it("treats wildcards and all-project membership management as admin, and ignores deny", () => {
        assert.deepEqual(adminGrants([{ kind: "project", namespace: "dev", access: [{ resource: "*", action: "*" }] }]), ["project dev *:*"]);
        assert.deepEqual(adminGrants([{ kind: "project", namespace: "*", access: [{ resource: "member", action: "create" }] }]), ["project * member:create"]);
        assert.deepEqual(adminGrants([{ kind: "system", namespace: "/", access: [{ resource: "user", action: "delete", effect: "deny" }] }]), []);
    });

    it("allows robots listed in the policy config", async () => {
        assert.deepEqual(await violations(robotAccountNotAdmin, ROBOT_TYPE, systemAdmin, { config: { allowedAdminRobots: ["ops"] } }), []);
        assert.equal((await violations(robotAccountNotAdmin, ROBOT_TYPE, systemAdmin, { config: { allowedAdminRobots: ["other"] } })).length, 1);
    });
});

const project = (name: string, extra: Record<string, unknown> = {}): FakeResource => ({ type: PROJECT_TYPE, name: `p-${name}`, props: { name, public: false, ...extra } });
const retention = (resName: string, projectRef: Record<string, unknown>, rules: unknown = [{ template: "latestPushedK", value: 10, tagPattern: "**", disabled: false }]): FakeResource =>
    ({ type: RETENTION_TYPE, name: resName, props: { ...projectRef, schedule: "daily", rules } });
const immutable = (resName: string, projectRef: Record<string, unknown>, rule: Record<string, unknown> = {}): FakeResource =>
    ({ type: IMMUTABLE_RULE_TYPE, name: resName, props: { ...projectRef, tagPattern: "v*", tagDecoration: "matches", repoPattern: "**", repoDecoration: "repoMatches", disabled: false, ...rule } });

describe("policy: harbor-project-retention", () => {
    it("passes when each project has a retention policy (joined by name or by dependency)", async () => {
        const rs = [project("dev-team"), project("ops"), retention("r1", { project: "dev-team" })];
        rs.push({ ...retention("r2", { project: unknown.string }), dependsOn: { project: ["p-ops"] } });
        assert.deepEqual(await stackViolations(projectHasRetention, rs), []);
    });

    it("flags a project without one, by its Harbor name", async () => {
        const v = await stackViolations(projectHasRetention, [project("dev-team"), project("ops"), retention("r1", { project: "dev-team" })]);
        assert.equal(v.length, 1);
        assert.match(v[0], /project "ops" has no RetentionPolicy/);
    });

    it("flags a retention policy whose rules are all disabled", async () => {
        const v = await stackViolations(projectHasRetention, [project("a"), retention("r", { project: "a" }, [{ template: "always", disabled: true }])]);
        assert.match(v[0], /no enabled rule/);
    });

    it("exempts proxy-cache projects (Harbor gives them their own policy)", async () => {
        assert.deepEqual(await stackViolations(projectHasRetention, [project("dockerhub", { registryId: 3 })]), []);
    });
});

describe("policy: harbor-project-immutable-release-tags", () => {
    it("passes a v* rule (and accepts brace patterns)", async () => {
        assert.deepEqual(await stackViolations(projectHasImmutableReleaseTags, [project("a"), immutable("i", { project: "a" })]), []);
        assert.deepEqual(await stackViolations(projectHasImmutableReleaseTags, [project("a"), immutable("i", { project: "a" }, { tagPattern: "{v,}[0-9]*.*" })]), []);
    });

    it("flags a project without an immutable rule", async () => {
        const v = await stackViolations(projectHasImmutableReleaseTags, [project("a"), project("b"), immutable("i", { project: "a" })]);
        assert.equal(v.length, 1);
        assert.match(v[0], /project "b" has no ImmutableTagRule/);
    });

    it("flags rules that do not protect release tags (disabled, wrong pattern, excluded repos)", async () => {
        for (const rule of [{ disabled: true }, { tagPattern: "nightly-*" }, { tagPattern: "**", tagDecoration: "excludes" }, { repoDecoration: "repoExcludes" }]) {
            const v = await stackViolations(projectHasImmutableReleaseTags, [project("a"), immutable("i", { project: "a" }, rule)]);
            assert.equal(v.length, 1, JSON.stringify(rule));
            assert.match(v[0], /no enabled ImmutableTagRule matches a release tag/);
        }
    });

    it("does not block previews where the pattern is computed", async () => {
        const run = await runStackPolicy(projectHasImmutableReleaseTags, [project("a"), immutable("i", { project: "a" }, { tagPattern: unknown.string })]);
        assert.deepEqual(run, { violations: [], blockedByUnknown: false });
    });
});

describe("policy: image-version-semver", () => {
    it("passes SemVer tags on built, tagged and pushed images", async () => {
        assert.deepEqual(await violations(imageVersionSemver, DOCKER_IMAGE_TYPE, { imageName: "harbor.example.com/dev-team/go-app:v1.0.0" }), []);
        assert.deepEqual(await violations(imageVersionSemver, DOCKER_TAG_TYPE, { sourceImage: "go-app", targetImage: "harbor.example.com:8443/dev-team/go-app:1.2.3-rc.1" }), []);
        assert.deepEqual(await violations(imageVersionSemver, DOCKER_BUILD_IMAGE_TYPE, { tags: ["harbor.example.com/a/b:2.0.0", "harbor.example.com/a/b:2.0.0+build.7"] }), []);
    });

    for (const ref of ["harbor.example.com/dev-team/go-app:latest", "harbor.example.com/dev-team/go-app", "harbor.example.com:8443/dev-team/go-app", "harbor.example.com/dev-team/go-app:1.2", "harbor.example.com/dev-team/go-app:main-abc123"]) {
        it(`flags ${ref}`, async () => {
            const v = await violations(imageVersionSemver, DOCKER_REGISTRY_IMAGE_TYPE, { name: ref });
            assert.equal(v.length, 1);
            assert.match(v[0], /is not SemVer/);
        });
    }

    it("rejects the v prefix when configured to", async () => {
        const v = await violations(imageVersionSemver, DOCKER_IMAGE_TYPE, { imageName: "harbor.example.com/a/b:v1.0.0" }, { config: { allowVPrefix: false } });
        assert.equal(v.length, 1);
    });
});
