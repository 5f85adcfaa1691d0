import * as assert from "assert";
import { at, FAKE_SECRET_MARKER, ofType, one, Plan, planStack, RecordedResource, stackPlan } from "./helpers/pulumi";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

/**
 * Where the Harbor chart 1.19.1 reads each credential: the values key naming the Secret, and the keys it reads in it
 * (fixed by the chart's templates, or named by another values key: `{ at }`). Optional: only with external data.
 */
const CHART_SECRET_READS: { secret: string; keys: (string | { at: string })[]; optional?: true }[] = [
    { secret: "existingSecretAdminPassword", keys: [{ at: "existingSecretAdminPasswordKey" }] },
    { secret: "existingSecretSecretKey", keys: ["secretKey"] },
    { secret: "core.existingSecret", keys: ["secret"] },
    { secret: "core.existingXsrfSecret", keys: [{ at: "core.existingXsrfSecretKey" }] },
    { secret: "core.secretName", keys: ["tls.crt", "tls.key"] },
    { secret: "jobservice.existingSecret", keys: [{ at: "jobservice.existingSecretKey" }] },
    { secret: "registry.existingSecret", keys: [{ at: "registry.existingSecretKey" }] },
    { secret: "registry.credentials.existingSecret", keys: ["REGISTRY_PASSWD", "REGISTRY_HTPASSWD"] },
    { secret: "persistence.imageChartStorage.s3.existingSecret", keys: ["REGISTRY_STORAGE_S3_ACCESSKEY", "REGISTRY_STORAGE_S3_SECRETKEY"] },
    { secret: "database.external.existingSecret", keys: ["password"], optional: true },
    { secret: "redis.external.existingSecret", keys: ["REDIS_PASSWORD"], optional: true },
];

/** A recorded Secret's stringData keys (the mocks record secret inputs as {<sig>, value}). */
const stringDataKeys = (r: RecordedResource): string[] => {
    const d = r.inputs.stringData as Record<string, unknown>;
    return Object.keys((d && typeof d === "object" && "value" in d ? d.value : d) as Record<string, unknown>);
};

describe("platform under mocks", function () {
    const plans: Record<string, Plan> = {};
    const recorded: Record<string, readonly RecordedResource[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod", "pr-42"]) ({ plan: plans[stack], recorded: recorded[stack] } = await stackPlan(stack));
    });

    describe("every stack", () => {
        for (const stack of ["dev", "prod", "pr-42"]) {
            it(`${stack}: the Harbor chart is a pinned helm.v3.Release, values plain and free of secrets`, () => {
                const plan = plans[stack];
                const release = one(plan, RELEASE, "harbor-release");
                assert.strictEqual(release.parent, "harbor");
                assert.strictEqual(release.inputs.chart, "harbor");
                assert.strictEqual(release.inputs.version, "1.19.1");
                assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://helm.goharbor.io" });
                assert.strictEqual(typeof release.inputs.values, "object", "values must not be a secret as a whole");
                const text = JSON.stringify(release.inputs.values);
                assert.ok(!text.includes("[secret]"), "no secret inside values");
                assert.ok(!text.includes(FAKE_SECRET_MARKER), "no generated secret inside values");
                // The rotation annotation derives from the Secrets' resourceVersions, which are not secret.
                assert.match(String(at(release.inputs.values, "core.podAnnotations.harbor-platform/secrets-revision")), /^[0-9a-f]{16}$/);
            });

            it(`${stack}: pinned secrets live in Kubernetes Secrets in Harbor's namespace, children of the Harbor component`, () => {
                const plan = plans[stack];
                const ns = String(plan.outputs.namespace);
                const names = ofType(plan, SECRET).filter((s) => s.parent === "harbor").map((s) => at(s.inputs, "metadata.name"));
                for (const n of ["harbor-admin", "harbor-secret-key", "harbor-core-secret", "harbor-core-xsrf", "harbor-token-signing",
                    "harbor-jobservice-secret", "harbor-registry-http", "harbor-registry-credentials", "harbor-s3"]) {
                    assert.ok(names.includes(n), `missing Secret ${n}`);
                }
                for (const s of ofType(plan, SECRET).filter((x) => x.parent === "harbor")) {
                    assert.strictEqual(at(s.inputs, "metadata.namespace"), ns);
                    assert.strictEqual(s.inputs.stringData, "[secret]");
                }
                assert.strictEqual(at(one(plan, SECRET, "harbor-token-signing").inputs, "type"), "kubernetes.io/tls");
                const xsrf = one(plan, "random:index/randomString:RandomString", "harbor-xsrf-key");
                assert.strictEqual(xsrf.inputs.length, 32, "CSRF key of exactly 32 characters");
                for (const n of ["harbor-secret-key", "harbor-core-secret", "harbor-jobservice-secret", "harbor-registry-http-secret"]) {
                    assert.strictEqual(one(plan, "random:index/randomString:RandomString", n).inputs.length, 16);
                }
                one(plan, "tls:index/selfSignedCert:SelfSignedCert", "harbor-token-cert");
                for (const r of plan.resources) {
                    if (r.type.startsWith("harbor-platform:")) assert.strictEqual(r.parent, null, `${r.name} is top-level`);
                    else if (r.type !== "pulumi:providers:aws") assert.ok(r.parent, `${r.type} ${r.name} has a parent component`);
                }
            });

            it(`${stack}: every Secret the chart reads a credential from exists in Harbor's namespace, with the keys the chart reads`, () => {
                const values = one(plans[stack], RELEASE, "harbor-release").inputs.values;
                const ns = String(plans[stack].outputs.namespace);
                const secrets = recorded[stack].filter((r) => r.type === SECRET && at(r.inputs, "metadata.namespace") === ns);
                let checked = 0;
                for (const read of CHART_SECRET_READS) {
                    const name = at(values, read.secret);
                    if (name === undefined && read.optional) continue;
                    assert.ok(typeof name === "string" && name, `${read.secret} names a Secret`);
                    const secret = secrets.find((r) => at(r.inputs, "metadata.name") === name);
                    assert.ok(secret, `${read.secret}: no Secret ${name} in ${ns}`);
                    for (const k of read.keys) {
                        const key = typeof k === "string" ? k : at(values, k.at);
                        assert.ok(typeof key === "string" && stringDataKeys(secret).includes(key), `Secret ${name} lacks ${String(key)} (read through ${read.secret})`);
                    }
                    checked++;
                }
                assert.ok(checked >= 9, `${checked} Secret references checked`);
                if (stack === "prod") assert.strictEqual(checked, CHART_SECRET_READS.length, "prod's external database and Redis too");
            });

            it(`${stack}: outputs, with the admin password secret`, () => {
                const o = plans[stack].outputs;
                assert.strictEqual(o.adminPassword, "[secret]");
                assert.strictEqual(o.adminUsername, "admin");
                assert.match(String(o.externalUrl), /^https:\/\//);
                for (const k of ["namespace", "bucket", "databaseEndpoint"]) assert.ok(o[k] && o[k] !== "[secret]", `${k} is a plain output`);
            });

            it(`${stack}: no generated secret appears unmasked anywhere`, () => {
                assert.ok(!JSON.stringify(plans[stack]).includes(FAKE_SECRET_MARKER));
            });
        }
    });

    describe("dev", () => {
        it("MinIO through its pinned chart with its bucket, no AWS, chart-internal data", () => {
            const plan = plans.dev;
            assert.strictEqual(ofType(plan, "harbor-platform:storage:MinioStorage").length, 1);
            assert.strictEqual(plan.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
            const minio = one(plan, RELEASE, "storage-release");
            assert.strictEqual(minio.inputs.chart, "minio");
            assert.match(String(minio.inputs.version), /^\d+\.\d+\.\d+$/);
            assert.deepStrictEqual(at(minio.inputs, "values.buckets"), [{ name: "harbor", policy: "none", purge: false }]);
            assert.strictEqual(at(minio.inputs, "values.existingSecret"), "minio-root");
            assert.ok(!JSON.stringify(minio.inputs.values).includes("[secret]"));
            // One pod on a ReadWriteOnce volume: replaced, never rolled (a second pod would fight for the volume).
            assert.deepStrictEqual(at(minio.inputs, "values.DeploymentUpdate"), { type: "Recreate" });
            assert.strictEqual(at(minio.inputs, "values.users.0.accessKey"), "harbor");
            // A rotated MinIO key must change the release (pod restart + the chart's post-upgrade user job).
            assert.match(String(at(minio.inputs, "values.podAnnotations.harbor-platform/secrets-revision")), /^[0-9a-f]{16}$/);
            const values = one(plan, RELEASE, "harbor-release").inputs.values;
            assert.strictEqual(at(values, "persistence.imageChartStorage.s3.regionendpoint"), "http://minio.harbor-minio.svc.cluster.local:9000");
            assert.strictEqual(at(values, "persistence.imageChartStorage.disableredirect"), true);
            assert.strictEqual(at(values, "database.type"), "internal");
            // The internal PostgreSQL gets a generated password (not the chart's public default), outside the values.
            assert.strictEqual(at(values, "database.internal.password"), undefined, "no password in the reviewable values");
            assert.strictEqual(one(plan, RELEASE, "harbor-release").inputs.valueYamlFiles, "[secret]");
            assert.strictEqual(one(plan, "random:index/randomPassword:RandomPassword", "harbor-internal-database").inputs.length, 32);
            assert.strictEqual(plan.outputs.databaseEndpoint, "internal");
            assert.strictEqual(plan.resources.filter((r) => r.protect).length, 0);
        });
    });

    it("dev: raising storage.minio.keyGeneration rotates Harbor's MinIO key under a new user the chart's job creates", async () => {
        const plan = await planStack("dev", { configOverride: { storage: { minio: { keyGeneration: 2 } } } });
        const minio = one(plan, RELEASE, "storage-release");
        // The chart's user job skips an existing user: only a new access key gets the new secret key into MinIO.
        assert.strictEqual(at(minio.inputs, "values.users.0.accessKey"), "harbor-g2");
        assert.deepStrictEqual(one(plan, "random:index/randomPassword:RandomPassword", "storage-harbor").inputs.keepers, { generation: "2" });
    });

    describe("prod", () => {
        it("S3: encrypted, private, TLS-only, aborts multipart uploads, protected", () => {
            const plan = plans.prod;
            const bucket = one(plan, "aws:s3/bucket:Bucket");
            assert.strictEqual(bucket.parent, "storage");
            assert.strictEqual(bucket.protect, true);
            assert.strictEqual(bucket.inputs.forceDestroy, false);
            assert.deepStrictEqual(at(one(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs, "rules.0.applyServerSideEncryptionByDefault"), { sseAlgorithm: "AES256" });
            const pab = one(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
            for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(pab[k], true, k);
            const policy = JSON.parse(String(one(plan, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy));
            assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.strictEqual(policy.Statement[0].Effect, "Deny");
            const rules = one(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as { abortIncompleteMultipartUpload?: { daysAfterInitiation: number }; noncurrentVersionExpiration?: { noncurrentDays: number } }[];
            assert.ok(rules.some((r) => (r.abortIncompleteMultipartUpload?.daysAfterInitiation ?? 0) > 0));
            // Versioned, so the runbook's "restore S3 versions" is possible, and old versions expire after 30 days.
            assert.deepStrictEqual(one(plan, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration, { status: "Enabled" });
            assert.ok(rules.some((r) => r.noncurrentVersionExpiration?.noncurrentDays === 30));
        });

        it("the registry's IAM user may touch only this bucket, and its key is secret", () => {
            const plan = plans.prod;
            const doc = JSON.parse(String(one(plan, "aws:iam/userPolicy:UserPolicy").inputs.policy));
            const arn = "arn:aws:s3:::harbor-prod-plan";
            assert.ok(Array.isArray(doc.Statement) && doc.Statement.length > 0, "the policy grants something (an empty one would pass the loop)");
            for (const st of doc.Statement) {
                assert.strictEqual(st.Effect, "Allow");
                assert.ok([arn, `${arn}/*`].includes(st.Resource), `resource ${st.Resource} is the bucket`);
                assert.ok(st.Action.every((a: string) => a.startsWith("s3:") && !a.includes("*")), "no wildcard actions");
            }
            assert.strictEqual(one(plan, SECRET, "harbor-s3").inputs.stringData, "[secret]");
        });

        it("RDS PostgreSQL: Multi-AZ, encrypted, deletion protection, final snapshot, registry DB, private", () => {
            const db = one(plans.prod, "aws:rds/instance:Instance");
            assert.strictEqual(db.parent, "data");
            assert.strictEqual(db.protect, true);
            const i = db.inputs;
            assert.strictEqual(i.engine, "postgres");
            assert.strictEqual(i.multiAz, true);
            assert.strictEqual(i.storageEncrypted, true);
            assert.strictEqual(i.deletionProtection, true);
            assert.strictEqual(i.skipFinalSnapshot, false);
            assert.ok(i.finalSnapshotIdentifier);
            assert.strictEqual(i.dbName, "registry");
            assert.strictEqual(i.publiclyAccessible, false);
            assert.strictEqual(i.password, "[secret]");
            const sg = ofType(plans.prod, "aws:ec2/securityGroup:SecurityGroup").find((s) => s.name === "data-postgres")!;
            const ingress = sg.inputs.ingress as { fromPort: number; securityGroups?: string[]; cidrBlocks?: string[] }[];
            assert.deepStrictEqual(ingress.map((r) => [r.fromPort, r.securityGroups, r.cidrBlocks]), [[5432, ["sg-0123456789abcdef0"], undefined]]);
        });

        it("ElastiCache: failover, Multi-AZ, encryption in transit and at rest, auth token", () => {
            const rg = one(plans.prod, "aws:elasticache/replicationGroup:ReplicationGroup");
            const i = rg.inputs;
            assert.strictEqual(i.automaticFailoverEnabled, true);
            assert.strictEqual(i.multiAzEnabled, true);
            assert.strictEqual(i.transitEncryptionEnabled, true);
            assert.strictEqual(i.atRestEncryptionEnabled, true);
            assert.strictEqual(i.authToken, "[secret]");
            assert.ok(Number(i.numCacheClusters) >= 2);
        });

        it("Harbor HA: replicas, PDBs, external data via existingSecret, protected namespace", () => {
            assert.strictEqual(ofType(plans.prod, "random:index/randomPassword:RandomPassword").filter((r) => r.name === "harbor-internal-database").length, 0, "no internal database in prod");
            const plan = plans.prod;
            const values = one(plan, RELEASE, "harbor-release").inputs.values;
            for (const p of ["portal", "core", "jobservice", "registry", "trivy"]) {
                assert.ok(Number(at(values, `${p}.replicas`)) >= 2, `${p} replicas`);
                assert.strictEqual(at(values, `${p}.podDisruptionBudget.enabled`), true);
            }
            assert.strictEqual(at(values, "database.external.host"), "data-postgres.plan.rds.amazonaws.com");
            assert.strictEqual(at(values, "database.external.existingSecret"), "harbor-database");
            assert.strictEqual(at(values, "redis.external.existingSecret"), "harbor-redis");
            assert.strictEqual(one(plan, SECRET, "harbor-database").inputs.stringData, "[secret]");
            assert.strictEqual(one(plan, "kubernetes:core/v1:Namespace", "harbor-ns").protect, true);
            assert.strictEqual(plan.outputs.databaseEndpoint, "data-postgres.plan.rds.amazonaws.com:5432");
            const provider = one(plan, "pulumi:providers:aws");
            assert.strictEqual(provider.inputs.region, "eu-west-1");
        });
    });

    describe("pr-<n> preview", () => {
        it("own namespace and hostname, one replica each, internal data, MinIO, nothing protected, no AWS", () => {
            const plan = plans["pr-42"];
            assert.strictEqual(plan.outputs.namespace, "harbor-pr-42");
            assert.strictEqual(plan.outputs.externalUrl, "https://pr-42.preview.example.com");
            assert.strictEqual(plan.resources.filter((r) => r.protect).length, 0);
            assert.strictEqual(plan.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").length, 0);
            const values = one(plan, RELEASE, "harbor-release").inputs.values;
            for (const p of ["portal", "core", "jobservice", "registry", "trivy", "exporter"]) assert.strictEqual(at(values, `${p}.replicas`), 1);
            assert.strictEqual(at(values, "database.type"), "internal");
            assert.strictEqual(at(values, "redis.type"), "internal");
            assert.strictEqual(at(one(plan, "kubernetes:core/v1:Namespace", "storage-ns").inputs, "metadata.name"), "harbor-pr-42-minio");
            assert.strictEqual(at(values, "core.resources.requests.cpu"), "50m");
        });
    });
});
