// What the mocks cannot catch on their own: combinations AWS rejects and IAM the registry needs for real. (How the
// real dynamic-provider host runs the Harbor providers: tests/engine.)
import * as assert from "assert";
import { ConfigError, parseSettings, RawConfig } from "../config";
import { at, MINIMAL_PROD_CONFIG, one, planStack, stackPlan } from "./helpers/pulumi";

const P = "harbor-platform";
const PROD: RawConfig = { ...MINIMAL_PROD_CONFIG };
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
            const on = (await stackPlan("prod")).plan;
            assert.strictEqual(one(on, "aws:rds/instance:Instance").inputs.maxAllocatedStorage, 1000);
        });
    });

    it("Performance Insights only where RDS offers it (not on micro/small classes, which would reject the instance)", async () => {
        const small = await planStack("prod", { configOverride: { data: { mode: "aws", postgres: { instanceClass: "db.t4g.small" } } } });
        assert.strictEqual(one(small, "aws:rds/instance:Instance").inputs.performanceInsightsEnabled, false);
        assert.strictEqual(one((await stackPlan("prod")).plan, "aws:rds/instance:Instance").inputs.performanceInsightsEnabled, true);
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
        const plain = JSON.parse(String(one((await stackPlan("prod")).plan, "aws:iam/userPolicy:UserPolicy").inputs.policy));
        assert.ok(plain.Statement.every((s: { Action: string[] }) => s.Action.every((a) => a.startsWith("s3:"))));
    });
});
