import { strict as assert } from "assert";
import { cell, diffPlans, diffValues, parsePlan, Plan, renderDiff } from "../scripts/lib/planDiff";
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
