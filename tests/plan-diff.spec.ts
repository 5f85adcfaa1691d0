import { strict as assert } from "assert";
import { cell, diffPlans, diffValues, parsePlan, Plan, REPLACE_ON, renderDiff } from "../scripts/lib/planDiff";
import { DECLARATIONS } from "../harbor/declarations";
import { HARBOR_PROVIDERS } from "../harbor/hosted";
import * as fs from "fs";
import * as path from "path";
import { planDiffMain } from "../scripts/plan-diff";

const release = (replicas: number, extra: Record<string, unknown> = {}) => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "harbor-release",
    parent: "harbor",
    inputs: { chart: "harbor", version: "1.19.1", values: { core: { replicas }, expose: { tls: { enabled: true } } }, ...extra },
});

const base: Plan = {
    stack: "dev",
    resources: [
        { type: "harbor-platform:harbor:Harbor", name: "harbor", inputs: {} },
        release(2),
        { type: "aws:s3/bucket:Bucket", name: "images", parent: "storage", inputs: { forceDestroy: true } },
        { type: "random:index/randomPassword:RandomPassword", name: "admin", inputs: { length: 24 } },
    ],
    outputs: { externalUrl: "https://harbor.example.com", adminPassword: "[secret]" },
};

const head: Plan = {
    stack: "dev",
    resources: [
        { type: "harbor-platform:harbor:Harbor", name: "harbor", inputs: {} },
        release(3, { timeout: 900 }),
        { type: "aws:s3/bucket:Bucket", name: "images", parent: "storage", inputs: { forceDestroy: true } },
        { type: "aws:s3/bucketPolicy:BucketPolicy", name: "images-tls", parent: "storage", inputs: { policy: "[secret]" } },
    ],
    outputs: { externalUrl: "https://registry.example.com", adminPassword: "[secret]" },
};

describe("plan-diff", () => {
    it("classifies created, updated, deleted and unchanged resources", () => {
        const d = diffPlans(base, head);
        assert.deepEqual(d.added.map((r) => r.name), ["images-tls"]);
        assert.deepEqual(d.removed.map((r) => r.name), ["admin"]);
        assert.deepEqual(d.changed.map((c) => c.resource.name), ["harbor-release"]);
        assert.equal(d.unchanged, 2);
    });

    it("lists the changed input paths with before and after", () => {
        const d = diffPlans(base, head);
        assert.deepEqual(d.changed[0].changes, [
            { path: "timeout", before: undefined, after: 900 },
            { path: "values.core.replicas", before: 2, after: 3 },
        ]);
        assert.deepEqual(d.outputs, [{ path: "externalUrl", before: "https://harbor.example.com", after: "https://registry.example.com" }]);
    });

    it("diffs arrays element-wise and never prints dynamic provider code", () => {
        assert.deepEqual(diffValues({ a: [1, 2] }, { a: [1, 3, 4] }), [
            { path: "a[1]", before: 2, after: 3 },
            { path: "a[2]", before: undefined, after: 4 },
        ]);
        const changes = diffValues({ __provider: "exports.handler = v1" }, { __provider: "exports.handler = v2" });
        assert.deepEqual(changes, [{ path: "__provider", opaque: true }]);
    });

    it("renders a markdown table a reviewer can read", () => {
        const md = renderDiff(diffPlans(base, head));
        assert.match(md, /#### Plan of `dev`/);
        assert.match(md, /\*\*1 to create, 1 to update, 1 to delete\*\*, 2 unchanged\./);
        assert.match(md, /\| \+ \| `images-tls` \| `aws:s3\/bucketPolicy:BucketPolicy` \|/);
        assert.match(md, /\| ~ \| `harbor-release` \| .*`values\.core\.replicas`: `2` → `3`/);
        assert.match(md, /\| − \| `admin` \|/);
        assert.match(md, /`externalUrl`: `"https:\/\/harbor\.example\.com"` → `"https:\/\/registry\.example\.com"`/);
    });

    it("says so when nothing changes", () => {
        const md = renderDiff(diffPlans(head, head));
        assert.match(md, /\*\*0 to create, 0 to update, 0 to delete\*\*, 4 unchanged\./);
        assert.ok(!md.includes("| |"));
    });

    it("without a base plan, lists everything as new and says why", () => {
        const md = renderDiff(diffPlans(undefined, head));
        assert.match(md, /No plan of the base branch/);
        assert.match(md, /\*\*4 to create/);
    });

    it("keeps table cells intact (pipes, newlines, backticks, long values)", () => {
        assert.equal(cell("a|b"), '`"a\\|b"`');
        assert.equal(cell("x\ny"), '`"x\\ny"`');
        assert.equal(cell("run `ls`"), '<code>"run `ls`"</code>');
        assert.equal(cell("z".repeat(100), 20).length, 22);
    });

    it("caps the paths listed per resource", () => {
        const many = (n: number) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, "0")}`, n]));
        const d = diffPlans({ stack: "s", resources: [{ type: "t", name: "n", inputs: many(1) }] }, { stack: "s", resources: [{ type: "t", name: "n", inputs: many(2) }] });
        assert.match(renderDiff(d, { maxChangesPerResource: 5 }), /… and 15 more/);
    });

    it("disambiguates same type+name under different parents", () => {
        const r = (parent: string, v: number) => ({ type: "kubernetes:core/v1:Secret", name: "creds", parent, inputs: { v } });
        const d = diffPlans({ stack: "s", resources: [r("a", 1), r("b", 1)] }, { stack: "s", resources: [r("a", 1), r("b", 2)] });
        assert.equal(d.changed.length, 1);
        assert.equal(d.changed[0].resource.parent, "b");
    });

    it("rejects files that are not plans with a message naming the file", () => {
        assert.throws(() => parsePlan("{", "head-dev.json"), /head-dev\.json is not valid JSON/);
        assert.throws(() => parsePlan('{"resources": []}', "head-dev.json"), /head-dev\.json is not a plan/);
        assert.throws(() => parsePlan('{"stack":"dev","resources":[{"name":"x"}]}', "p.json"), /resources\[0\] needs string "type" and "name"/);
    });

    describe("replacements and JSON documents (issue 12.5)", () => {
        const one = (type: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
            diffPlans({ stack: "s", resources: [{ type, name: "r", inputs: before }] }, { stack: "s", resources: [{ type, name: "r", inputs: after }] });
        // Per type the program registers: an input that forces a replacement, and one that updates in place.
        const cases: [type: string, replace: [Record<string, unknown>, Record<string, unknown>], update?: [Record<string, unknown>, Record<string, unknown>]][] = [
            ["aws:s3/bucket:Bucket", [{ bucketPrefix: "harbor-dev-" }, { bucketPrefix: "harbor-stage-" }], [{ forceDestroy: false }, { forceDestroy: true }]],
            ["aws:s3/bucket:Bucket", [{ bucket: "a" }, { bucket: "b" }]],
            ["aws:s3/bucketPolicy:BucketPolicy", [{ bucket: "a" }, { bucket: "b" }], [{ policy: "{}" }, { policy: '{"Version":"2012-10-17"}' }]],
            ["aws:s3/bucketVersioning:BucketVersioning", [{ bucket: "a" }, { bucket: "b" }], [{ versioningConfiguration: { status: "Enabled" } }, { versioningConfiguration: { status: "Suspended" } }]],
            ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", [{ bucket: "a" }, { bucket: "b" }], [{ blockPublicAcls: true }, { blockPublicAcls: false }]],
            ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", [{ bucket: "a" }, { bucket: "b" }]],
            ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", [{ bucket: "a" }, { bucket: "b" }]],
            ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", [{ bucket: "a" }, { bucket: "b" }]],
            ["aws:rds/instance:Instance", [{ username: "harbor" }, { username: "registry" }], [{ instanceClass: "db.t4g.small" }, { instanceClass: "db.t4g.medium" }]],
            ["aws:rds/instance:Instance", [{ dbName: "registry" }, { dbName: "harbor" }], [{ allocatedStorage: 20 }, { allocatedStorage: 50 }]],
            ["aws:rds/subnetGroup:SubnetGroup", [{ name: "a" }, { name: "b" }], [{ subnetIds: ["s-1"] }, { subnetIds: ["s-2"] }]],
            ["aws:elasticache/subnetGroup:SubnetGroup", [{ name: "a" }, { name: "b" }], [{ subnetIds: ["s-1"] }, { subnetIds: ["s-2"] }]],
            ["aws:elasticache/replicationGroup:ReplicationGroup", [{ port: 6379 }, { port: 6380 }], [{ nodeType: "cache.t4g.small" }, { nodeType: "cache.m7g.large" }]],
            ["aws:ec2/securityGroup:SecurityGroup", [{ vpcId: "vpc-1" }, { vpcId: "vpc-2" }], [{ ingress: [{ fromPort: 5432 }] }, { ingress: [{ fromPort: 6379 }] }]],
            ["aws:iam/user:User", [{ permissionsBoundary: "a" }, { permissionsBoundary: "a" }], [{ path: "/a/" }, { path: "/b/" }]],
            ["aws:iam/accessKey:AccessKey", [{ user: "a" }, { user: "b" }]],
            ["aws:iam/userPolicy:UserPolicy", [{ user: "a" }, { user: "b" }], [{ policy: "{}" }, { policy: '{"Version":"2012-10-17"}' }]],
            ["kubernetes:core/v1:Namespace", [{ metadata: { name: "harbor" } }, { metadata: { name: "registry" } }], [{ metadata: { labels: { a: "1" } } }, { metadata: { labels: { a: "2" } } }]],
            ["kubernetes:core/v1:Secret", [{ metadata: { name: "a", namespace: "x" } }, { metadata: { name: "a", namespace: "y" } }], [{ stringData: { a: "1" } }, { stringData: { a: "2" } }]],
            ["kubernetes:helm.sh/v3:Release", [{ namespace: "harbor" }, { namespace: "registry" }], [{ values: { core: { replicas: 1 } } }, { values: { core: { replicas: 2 } } }]],
            ["random:index/randomPassword:RandomPassword", [{ length: 24 }, { length: 40 }]],
            ["random:index/randomPassword:RandomPassword", [{ special: true }, { special: false }]],
            ["random:index/randomString:RandomString", [{ length: 16 }, { length: 20 }]],
            ["tls:index/privateKey:PrivateKey", [{ algorithm: "RSA" }, { algorithm: "ECDSA" }]],
            ["tls:index/privateKey:PrivateKey", [{ rsaBits: 2048 }, { rsaBits: 4096 }]],
            ["tls:index/selfSignedCert:SelfSignedCert", [{ validityPeriodHours: 1 }, { validityPeriodHours: 2 }], [{ earlyRenewalHours: 1 }, { earlyRenewalHours: 2 }]],
            ["pulumi:pulumi:StackReference", [{ name: "org/p/prod" }, { name: "org/p/prod2" }]],
            ["pulumi-nodejs:dynamic/harbor:Project", [{ name: "web" }, { name: "api" }], [{ public: false }, { public: true }]],
            ["pulumi-nodejs:dynamic/harbor:RobotAccount", [{ project: "web" }, { project: "api" }], [{ durationDays: 30 }, { durationDays: 90 }]],
            ["pulumi-nodejs:dynamic/harbor:ProjectMember", [{ group: { name: "a" } }, { group: { name: "b" } }], [{ role: "developer" }, { role: "maintainer" }]],
            ["pulumi-nodejs:dynamic/harbor:Registry", [{ type: "harbor" }, { type: "docker-hub" }], [{ url: "https://a" }, { url: "https://b" }]],
            ["pulumi-nodejs:dynamic/harbor:ReplicationPolicy", [{ direction: "push" }, { direction: "pull" }], [{ enabled: true }, { enabled: false }]],
            ["pulumi-nodejs:dynamic/harbor:RetentionPolicy", [{ project: "a" }, { project: "b" }], [{ schedule: "daily" }, { schedule: "weekly" }]],
            ["pulumi-nodejs:dynamic/harbor:ImmutableTagRule", [{ project: "a" }, { project: "b" }], [{ tagPattern: "v*" }, { tagPattern: "r*" }]],
            ["pulumi-nodejs:dynamic/harbor:DefaultScanner", [{ scannerName: "Trivy" }, { scannerName: "Other" }], [{ scanAllSchedule: "daily" }, { scanAllSchedule: "weekly" }]],
            ["pulumi-nodejs:dynamic/harbor:ArtifactCheck", [{ digest: "sha256:a" }, { digest: "sha256:b" }]],
        ];
        for (const [type, [b, a], update] of cases) {
            const [key] = Object.keys(a);
            if (JSON.stringify(b) !== JSON.stringify(a)) {
                it(`${type}: ${key} replaces`, () => {
                    const d = one(type, b, a);
                    assert.equal(d.changed[0]?.action, "replace", JSON.stringify(d.changed[0]));
                    assert.match(renderDiff(d), /\*\*1 to create, 0 to update, 1 to delete\*\* \(1 replaced/);
                });
            }
            if (update) {
                it(`${type}: ${Object.keys(update[1])[0]} updates in place`, () => {
                    assert.equal(one(type, update[0], update[1]).changed[0]?.action, "update");
                });
            }
        }

        it("the settings, schedules and readiness of Harbor change in place", () => {
            for (const t of ["SystemConfig", "GarbageCollectionSchedule", "PurgeAuditSchedule", "Ready"]) {
                assert.equal(one(`pulumi-nodejs:dynamic/harbor:${t}`, { x: 1 }, { x: 2 }).changed[0].action, "update", t);
            }
        });

        it("a Harbor resource's change is a replacement exactly when its provider's diff replaces (every declared input)", async () => {
            for (const d of DECLARATIONS) {
                const type = `pulumi-nodejs:dynamic/harbor:${d.type}`;
                const provider = HARBOR_PROVIDERS[d.type as keyof typeof HARBOR_PROVIDERS] as { diff(id: string, olds: unknown, news: unknown): Promise<{ replaces?: string[] }> };
                for (const key of d.managed as string[]) {
                    // The provider's own diff of a change to this one input, and what the plan diff says of it.
                    const olds = { [key]: "a" };
                    const replaces = (await provider.diff("id", olds, { [key]: "b" })).replaces ?? [];
                    assert.equal(one(type, { [key]: "a" }, { [key]: "b" }).changed[0].action, replaces.includes(key) ? "replace" : "update", `${d.type}.${key}`);
                }
            }
        });

        it("an unknown type, or a property the table cannot vouch for, is marked 'may replace'", () => {
            const d = one("acme:index/widget:Widget", { size: 1 }, { size: 2 });
            assert.equal(d.changed[0].action, "may-replace");
            const md = renderDiff(d);
            assert.match(md, /may replace/);
            assert.match(md, /\*\*0 to create, 1 to update, 0 to delete\*\* \(1 may be replaced/);
            assert.equal(one("pulumi:providers:aws", { region: "eu-west-1" }, { region: "eu-central-1" }).changed[0].action, "may-replace");
        });

        it("a policy JSON string is diffed structurally and in full: every changed path, nothing cut", () => {
            const long = "arn:aws:s3:::harbor-prod-0123456789abcdefghijklmnopqrstuvwxyz/*";
            const doc = (action: string, extra: Record<string, unknown> = {}) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", action], Resource: long, ...extra }],
            });
            const d = one("aws:iam/userPolicy:UserPolicy", { user: "u", policy: doc("s3:PutObject") }, { user: "u", policy: doc("s3:DeleteObject", { Condition: { Bool: { "aws:SecureTransport": "true" } } }) });
            assert.equal(d.changed[0].action, "update");
            assert.deepEqual(d.changed[0].changes.map((c) => c.path), [
                "policy(json).Statement[0].Action[1]",
                "policy(json).Statement[0].Condition.Bool.aws:SecureTransport",
            ]);
            const md = renderDiff(d);
            assert.match(md, /`policy\(json\)\.Statement\[0\]\.Action\[1\]`: `"s3:PutObject"` → `"s3:DeleteObject"`/);
            const same = one("aws:s3/bucketPolicy:BucketPolicy", { policy: doc("a", { Resource: long + "x".repeat(80) }) }, { policy: doc("a", { Resource: long + "y".repeat(80) }) });
            assert.ok(renderDiff(same).includes("y".repeat(80)), "a changed leaf is shown whole");
            assert.deepEqual(diffValues({ p: "{not json" }, { p: "{not json!" }).map((c) => c.path), ["p"]);
        });
    });

    describe("command line", () => {
        const files: Record<string, string> = { "base.json": JSON.stringify(base), "head.json": JSON.stringify(head), "empty.json": "", "junk.json": "not json" };
        const read = (p: string) => files[p];

        it("prints the diff", () => {
            const r = planDiffMain(["--base", "base.json", "--head", "head.json"], read);
            assert.equal(r.code, 0);
            assert.match(r.out, /1 to update/);
        });

        it("treats a missing, empty or broken base as no base", () => {
            for (const b of ["missing.json", "empty.json", "junk.json"]) {
                const r = planDiffMain(["--base", b, "--head", "head.json"], read);
                assert.equal(r.code, 0, b);
                assert.match(r.out, /No plan of the base branch/, b);
            }
        });

        it("fails with exit 2 on a missing head or bad arguments", () => {
            assert.equal(planDiffMain(["--base", "base.json"], read).code, 2);
            assert.match(planDiffMain(["--head", "missing.json"], read).err, /head plan missing\.json is missing or empty/);
            assert.match(planDiffMain(["--head"], read).err, /missing value/);
            assert.match(planDiffMain(["--stack", "dev"], read).err, /unexpected argument "--stack"/);
        });
    });
});
