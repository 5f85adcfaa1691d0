import { strict as assert } from "assert";
import {
    BUCKET_POLICY_TYPE, PUBLIC_ACCESS_BLOCK_TYPE, RDS_INSTANCE_TYPE, rdsEncrypted, rdsProductionResilience,
    s3BucketEncrypted, s3BucketNotPublic, s3BucketTlsOnly, SSE_TYPES, BUCKET_ACL_TYPES,
} from "../../policy/policies";
import { FakeResource, runStackPolicy, stackViolations, unknown, violations } from "./harness";

const BUCKET = "aws:s3/bucket:Bucket";
const tlsOnlyDoc = {
    Version: "2012-10-17",
    Statement: [
        { Sid: "AllowRegistry", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:user/harbor" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
        { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ],
};

/** A bucket with all its v7 companions, joined through the `bucket` property dependency (as in preview). */
function secureBucket(overrides: Partial<Record<"sse" | "pab" | "policy", Record<string, unknown>>> = {}): FakeResource[] {
    return [
        { type: BUCKET, name: "b", props: { forceDestroy: false } },
        { type: SSE_TYPES[0], name: "b-sse", props: { bucket: unknown.string, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }], ...overrides.sse }, dependsOn: { bucket: ["b"] } },
        { type: PUBLIC_ACCESS_BLOCK_TYPE, name: "b-pab", props: { bucket: unknown.string, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...overrides.pab }, dependsOn: { bucket: ["b"] } },
        { type: BUCKET_POLICY_TYPE, name: "b-policy", props: { bucket: unknown.string, policy: JSON.stringify(tlsOnlyDoc), ...overrides.policy }, dependsOn: { bucket: ["b"] } },
    ];
}

const without = (rs: FakeResource[], type: string) => rs.filter((r) => r.type !== type);

describe("policy: s3-bucket-encrypted", () => {
    it("passes a bucket with a KMS encryption configuration joined by property dependency", async () => {
        assert.deepEqual(await stackViolations(s3BucketEncrypted, secureBucket()), []);
    });

    it("joins by bucket name when there is no dependency (e.g. the name is a literal)", async () => {
        const rs: FakeResource[] = [
            { type: BUCKET, name: "b", props: { bucket: "harbor-images-example" } },
            { type: SSE_TYPES[1], name: "b-sse", props: { bucket: "harbor-images-example", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } },
        ];
        assert.deepEqual(await stackViolations(s3BucketEncrypted, rs), []);
    });

    it("flags a bucket without encryption configuration, naming it", async () => {
        const v = await stackViolations(s3BucketEncrypted, without(secureBucket(), SSE_TYPES[0]));
        assert.equal(v.length, 1);
        assert.match(v[0], /bucket "b" has no BucketServerSideEncryptionConfiguration/);
    });

    it("does not count another bucket's encryption configuration", async () => {
        const rs = [...secureBucket(), { type: BUCKET, name: "other", props: {} }];
        const v = await stackViolations(s3BucketEncrypted, rs);
        assert.equal(v.length, 1);
        assert.match(v[0], /"other"/);
    });

    it("flags an encryption configuration without a valid algorithm", async () => {
        const v = await stackViolations(s3BucketEncrypted, secureBucket({ sse: { rules: [{ bucketKeyEnabled: true }] } }));
        assert.equal(v.length, 1);
        assert.match(v[0], /allowed: AES256, aws:kms/);
    });

    it("does not block a preview where the rules are not known yet", async () => {
        const run = await runStackPolicy(s3BucketEncrypted, secureBucket({ sse: { rules: unknown.array } }));
        assert.deepEqual(run, { violations: [], blockedByUnknown: false });
    });
});

describe("policy: s3-bucket-not-public", () => {
    it("passes a bucket with a full public access block", async () => {
        assert.deepEqual(await stackViolations(s3BucketNotPublic, secureBucket()), []);
    });

    it("flags a bucket without a public access block", async () => {
        const v = await stackViolations(s3BucketNotPublic, without(secureBucket(), PUBLIC_ACCESS_BLOCK_TYPE));
        assert.deepEqual(v.length, 1);
        assert.match(v[0], /no BucketPublicAccessBlock/);
    });

    it("names the flags that are off", async () => {
        const v = await stackViolations(s3BucketNotPublic, secureBucket({ pab: { restrictPublicBuckets: false, ignorePublicAcls: undefined } }));
        assert.equal(v.length, 1);
        assert.match(v[0], /must set ignorePublicAcls, restrictPublicBuckets to true/);
    });

    it("flags a public canned ACL on a BucketAcl", async () => {
        const rs: FakeResource[] = [...secureBucket(), { type: BUCKET_ACL_TYPES[0], name: "b-acl", props: { bucket: unknown.string, acl: "public-read" }, dependsOn: { bucket: ["b"] } }];
        const v = await stackViolations(s3BucketNotPublic, rs);
        assert.equal(v.length, 1);
        assert.match(v[0], /canned ACL "public-read"/);
    });
});

describe("policy: s3-bucket-tls-only", () => {
    it("passes a bucket whose policy denies s3:* without SecureTransport", async () => {
        assert.deepEqual(await stackViolations(s3BucketTlsOnly, secureBucket()), []);
    });

    it("accepts the policy document as an object and the condition as a boolean", async () => {
        const doc = { Statement: [{ Effect: "Deny", Principal: { AWS: ["*"] }, Action: ["s3:*"], Condition: { Bool: { "aws:SecureTransport": false } } }] };
        assert.deepEqual(await stackViolations(s3BucketTlsOnly, secureBucket({ policy: { policy: doc } })), []);
    });

    it("flags a bucket without a bucket policy", async () => {
        const v = await stackViolations(s3BucketTlsOnly, without(secureBucket(), BUCKET_POLICY_TYPE));
        assert.equal(v.length, 1);
        assert.match(v[0], /no BucketPolicy/);
    });

    it("flags a policy whose deny statement does not cover plain HTTP", async () => {
        const doc = { Statement: [{ ...tlsOnlyDoc.Statement[1], Condition: { Bool: { "aws:SecureTransport": "true" } } }] };
        const v = await stackViolations(s3BucketTlsOnly, secureBucket({ policy: { policy: JSON.stringify(doc) } }));
        assert.equal(v.length, 1);
        assert.match(v[0], /aws:SecureTransport is false/);
    });

    it("defers a policy document that embeds a not-yet-known ARN", async () => {
        const run = await runStackPolicy(s3BucketTlsOnly, secureBucket({ policy: { policy: unknown.string } }));
        assert.deepEqual(run, { violations: [], blockedByUnknown: false });
    });
});

describe("policy: rds-storage-encrypted", () => {
    it("passes an encrypted instance", async () => {
        assert.deepEqual(await violations(rdsEncrypted, RDS_INSTANCE_TYPE, { storageEncrypted: true }), []);
    });

    it("flags an instance without storage encryption, in any environment", async () => {
        const v = await violations(rdsEncrypted, RDS_INSTANCE_TYPE, { engine: "postgres" }, { stack: "pr-7", name: "db" });
        assert.deepEqual(v, ['RDS "db": storageEncrypted is unset; it must be true.']);
    });

    it("ignores other resource types", async () => {
        assert.deepEqual(await violations(rdsEncrypted, BUCKET, {}), []);
    });
});

describe("policy: rds-production-resilience", () => {
    const resilient = { storageEncrypted: true, multiAz: true, deletionProtection: true, skipFinalSnapshot: false };

    it("passes a Multi-AZ, deletion-protected instance in prod", async () => {
        assert.deepEqual(await violations(rdsProductionResilience, RDS_INSTANCE_TYPE, resilient, { stack: "prod" }), []);
    });

    it("flags each missing safeguard in prod", async () => {
        const v = await violations(rdsProductionResilience, RDS_INSTANCE_TYPE, { multiAz: false, skipFinalSnapshot: true }, { stack: "prod", name: "db" });
        assert.deepEqual(v, [
            'RDS "db" in production: multiAz is false; it must be true.',
            'RDS "db" in production: deletionProtection is unset; it must be true.',
            'RDS "db" in production: skipFinalSnapshot is true; production databases keep a final snapshot.',
        ]);
    });

    it("does not apply to dev or previews", async () => {
        for (const stack of ["dev", "pr-12"]) {
            assert.deepEqual(await violations(rdsProductionResilience, RDS_INSTANCE_TYPE, { multiAz: false }, { stack }), []);
        }
    });

    it("honours productionStacks from the policy config", async () => {
        const v = await violations(rdsProductionResilience, RDS_INSTANCE_TYPE, { multiAz: false, deletionProtection: true }, { stack: "live", config: { productionStacks: ["live"] } });
        assert.equal(v.length, 1);
    });
});
