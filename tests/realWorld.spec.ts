// What the mocks cannot catch on their own: combinations AWS rejects, IAM the registry needs for real, and dynamic
// providers loaded the way the real provider host loads them (plain node, no ts-node, cwd = project root).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseSettings, RawConfig } from "../config";
import { projectProvider, readyProvider } from "../harbor";
import { at, one, planStack } from "./helpers/pulumi";

const P = "harbor-platform";
const PROD: RawConfig = {
    [`${P}:hostname`]: "harbor.example.com",
    [`${P}:ingress`]: { tlsSource: "cert-manager", clusterIssuer: "letsencrypt" },
    [`${P}:aws`]: {
        region: "eu-west-1", vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clusterSecurityGroupIds: ["sg-0123456789abcdef0"],
    },
};
const withStorage = (allocated: number, max: number): RawConfig => ({
    ...PROD, [`${P}:data`]: { mode: "aws", postgres: { allocatedStorageGiB: allocated, maxAllocatedStorageGiB: max } },
});

describe("real-world AWS constraints", () => {
    describe("RDS storage autoscaling threshold (RDS: at least 10% above the allocated storage)", () => {
        it("rejects a threshold less than 10% above, naming the key and the smallest accepted value", () => {
            try {
                parseSettings("prod", withStorage(1000, 1050));
                assert.fail("expected a ConfigError");
            } catch (e) {
                assert.ok(e instanceof ConfigError, String(e));
                const issue = e.issues.find((i) => i.key === `${P}:data.postgres.maxAllocatedStorageGiB`);
                assert.ok(issue, e.message);
                assert.match(issue.message, /\(1000: storage autoscaling off\) or be at least 1100/);
            }
        });

        it("accepts exactly 10% above (integer math: 1000 -> 1100) and equal (autoscaling off)", () => {
            assert.strictEqual(parseSettings("prod", withStorage(1000, 1100)).data.mode, "aws");
            assert.strictEqual(parseSettings("prod", withStorage(100, 100)).data.mode, "aws");
        });

        it("equal means no autoscaling: the instance gets no maxAllocatedStorage (RDS would reject it)", async () => {
            const off = await planStack("prod", { configOverride: { data: { mode: "aws", postgres: { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 } } } });
            assert.strictEqual(one(off, "aws:rds/instance:Instance").inputs.maxAllocatedStorage, undefined);
            const on = await planStack("prod");
            assert.strictEqual(one(on, "aws:rds/instance:Instance").inputs.maxAllocatedStorage, 1000);
        });
    });

    it("Performance Insights only where RDS offers it (not on micro/small classes, which would reject the instance)", async () => {
        const small = await planStack("prod", { configOverride: { data: { mode: "aws", postgres: { instanceClass: "db.t4g.small" } } } });
        assert.strictEqual(one(small, "aws:rds/instance:Instance").inputs.performanceInsightsEnabled, false);
        assert.strictEqual(one(await planStack("prod"), "aws:rds/instance:Instance").inputs.performanceInsightsEnabled, true);
    });

    it("SSE-KMS: the registry's IAM user may use the key, only through S3 and only for this bucket", async () => {
        const key = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555";
        const plan = await planStack("prod", { configOverride: { storage: { mode: "s3", kmsKeyId: key } } });
        const doc = JSON.parse(String(one(plan, "aws:iam/userPolicy:UserPolicy").inputs.policy));
        const kms = doc.Statement.find((s: { Action: string[] }) => s.Action.some((a) => a.startsWith("kms:")));
        assert.ok(kms, "no KMS statement: PutObject with SSE-KMS would be denied");
        assert.deepStrictEqual([...kms.Action].sort(), ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert.strictEqual(kms.Resource, key);
        assert.deepStrictEqual(kms.Condition.StringEquals, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" });
        const bucketArn = String(at(one(plan, "aws:iam/userPolicy:UserPolicy").inputs, "policy")).match(/arn:aws:s3:::[a-z0-9-]+/)?.[0];
        assert.deepStrictEqual(kms.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"], [bucketArn, `${bucketArn}/*`]);
        // Without a key there is nothing to grant.
        const plain = JSON.parse(String(one(await planStack("prod"), "aws:iam/userPolicy:UserPolicy").inputs.policy));
        assert.ok(plain.Statement.every((s: { Action: string[] }) => s.Action.every((a) => a.startsWith("s3:"))));
    });
});

describe("dynamic providers in the real provider host (plain node, no ts-node, cwd = project root)", function () {
    this.timeout(30_000);
    const root = path.resolve(__dirname, "..");
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-dyn-"));
        for (const [name, provider] of Object.entries({ ready: readyProvider, project: projectProvider })) {
            const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
            fs.writeFileSync(path.join(dir, `${name}.js`), sf.text + `\nexports.handler = exports.${sf.exportName};\n`);
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("requires only builtins and packages resolvable from the project root", () => {
        for (const f of ["ready.js", "project.js"]) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
            for (const r of required) {
                assert.ok(!r.startsWith("."), `${f}: relative require ${r} cannot resolve in the provider host`);
                assert.doesNotThrow(() => require.resolve(r, { paths: [root] }), `${f}: ${r}`);
            }
        }
    });

    it("loads with the SDK's own loader (require-from-string) and performs a real HTTP call", async () => {
        // The child is plain node: no ts-node, so any TypeScript left in the text, or a .ts require, fails here.
        const script = `
            const fs = require("fs"), http = require("http"), path = require("path");
            const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
            const requireFromString = require(require.resolve("require-from-string", { paths: [sdk] }));
            const load = (f) => requireFromString(fs.readFileSync(path.join(process.argv[1], f), "utf8")).handler();
            const project = load("project.js");
            if (typeof project.create !== "function") throw new Error("project provider has no create");
            const ready = load("ready.js");
            const srv = http.createServer((req, res) => {
                res.setHeader("content-type", "application/json");
                if (req.url.endsWith("/health")) return res.end(JSON.stringify({ status: "healthy", components: [] }));
                if (req.url.endsWith("/systeminfo")) return res.end(JSON.stringify({ harbor_version: "v2.15.0" }));
                res.statusCode = 404; res.end("{}");
            }).listen(0, "127.0.0.1", async () => {
                try {
                    const connection = { url: "http://127.0.0.1:" + srv.address().port, username: "admin", password: "x" };
                    const c = await ready.check({}, { connection, timeoutSeconds: 5, intervalSeconds: 0.05 });
                    const r = await ready.create(c.inputs);
                    process.stdout.write(JSON.stringify({ healthy: r.outs.healthy, version: r.outs.version, tsNode: !!require.extensions[".ts"] }));
                } catch (e) { process.stderr.write(String(e && e.stack || e)); process.exitCode = 1; }
                srv.close();
            });`;
        const env = { ...process.env };
        for (const k of Object.keys(env)) if (k.startsWith("TS_NODE_")) delete env[k];
        delete env.NODE_OPTIONS;
        const out = await new Promise<string>((resolve, reject) =>
            execFile(process.execPath, ["-e", script, dir], { cwd: root, env, timeout: 20_000 }, (err, stdout, stderr) =>
                err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
        assert.deepStrictEqual(JSON.parse(out), { healthy: true, version: "v2.15.0", tsNode: false });
    });
});
