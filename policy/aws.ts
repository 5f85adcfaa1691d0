/**
 * AWS policies: S3 buckets (encrypted, not public, TLS-only) and RDS (encrypted; Multi-AZ, deletion-protected
 * and final-snapshotted in production).
 *
 * AWS provider v7 splits a bucket's settings into separate resources (BucketServerSideEncryptionConfiguration,
 * BucketPublicAccessBlock, BucketPolicy, BucketAcl), so the S3 checks are stack policies that join each bucket
 * to its companions: first through the `bucket` property dependency (works in preview, when the bucket id is
 * still unknown), then by bucket name/id.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { environmentOf, isNonEmptyString, isPlainObject, read, show, UNKNOWN, withDefaults } from "./helpers";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const SSE_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy";
export const BUCKET_ACL_TYPES = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
export const RDS_INSTANCE_TYPE = "aws:rds/instance:Instance";
export const RDS_CLUSTER_TYPE = "aws:rds/cluster:Cluster";

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES = [
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];
const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** Does `companion` (an SSE config, access block, policy, ACL) configure `bucket`? */
export function configuresBucket(companion: PolicyResource, bucket: PolicyResource): boolean {
    const deps = companion.propertyDependencies?.["bucket"] ?? [];
    if (deps.some((d) => d.urn === bucket.urn)) {
        return true;
    }
    const ref = read(companion.props, ["bucket"]);
    if (!isNonEmptyString(ref)) {
        return false;
    }
    return [read(bucket.props, ["bucket"]), read(bucket.props, ["id"])].some((v) => v === ref);
}

function companionsOf(resources: PolicyResource[], bucket: PolicyResource, types: string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type) && configuresBucket(r, bucket));
}

function bucketsOf(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => BUCKET_TYPES.includes(r.type));
}

/** The SSE algorithms a v7 encryption-config resource sets (`UNKNOWN` when not known in preview). */
export function sseAlgorithms(sse: PolicyResource): string[] | typeof UNKNOWN {
    const rules = read(sse.props, ["rules"]);
    if (rules === UNKNOWN) {
        return UNKNOWN;
    }
    const out: string[] = [];
    for (const rule of Array.isArray(rules) ? rules : []) {
        const alg = read(rule, ["applyServerSideEncryptionByDefault", "sseAlgorithm"]);
        if (alg === UNKNOWN) {
            return UNKNOWN;
        }
        if (typeof alg === "string") {
            out.push(alg);
        }
    }
    return out;
}

export const s3BucketEncrypted: StackValidationPolicy = {
    name: "s3-bucket-encrypted",
    description: "Every S3 bucket has default server-side encryption (SSE-S3, SSE-KMS or DSSE-KMS).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm aws:kms or AES256.",
    validateStack: (args, report) => {
        for (const bucket of bucketsOf(args.resources)) {
            const inline = read(bucket.props, ["serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault", "sseAlgorithm"]);
            if (typeof inline === "string" && SSE_ALGORITHMS.includes(inline)) {
                continue;
            }
            const configs = companionsOf(args.resources, bucket, SSE_TYPES);
            if (configs.length === 0) {
                report(`S3 bucket "${bucket.name}" has no BucketServerSideEncryptionConfiguration; buckets must be encrypted at rest.`, bucket.urn);
                continue;
            }
            const algs = configs.map(sseAlgorithms);
            if (algs.some((a) => a === UNKNOWN)) {
                continue; // decided at deploy time, when the values are known
            }
            const found = (algs as string[][]).flat();
            if (!found.some((a) => SSE_ALGORITHMS.includes(a))) {
                report(`S3 bucket "${bucket.name}": its encryption configuration sets sseAlgorithm ${show(found)}; allowed: ${SSE_ALGORITHMS.join(", ")}.`, bucket.urn);
            }
        }
    },
};

/** Why an ACL resource (or a bucket's legacy `acl`) makes a bucket public, or undefined. */
function publicAclReason(props: Record<string, unknown>): string | undefined {
    const acl = read(props, ["acl"]);
    if (typeof acl === "string" && PUBLIC_ACLS.includes(acl)) {
        return `canned ACL "${acl}"`;
    }
    const grants = read(props, ["accessControlPolicy", "grants"]);
    for (const g of Array.isArray(grants) ? grants : []) {
        const uri = read(g, ["grantee", "uri"]);
        if (typeof uri === "string" && PUBLIC_GRANTEES.includes(uri)) {
            return `a grant to ${uri}`;
        }
    }
    return undefined;
}

export const s3BucketNotPublic: StackValidationPolicy = {
    name: "s3-bucket-not-public",
    description: "Every S3 bucket has a public access block with all four flags on, and no public ACL.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true; remove public ACLs.",
    validateStack: (args, report) => {
        for (const bucket of bucketsOf(args.resources)) {
            const legacy = publicAclReason(bucket.props);
            if (legacy) {
                report(`S3 bucket "${bucket.name}" is public through ${legacy}.`, bucket.urn);
            }
            for (const acl of companionsOf(args.resources, bucket, BUCKET_ACL_TYPES)) {
                const why = publicAclReason(acl.props);
                if (why) {
                    report(`S3 bucket "${bucket.name}" is public through ${why} in BucketAcl "${acl.name}".`, bucket.urn);
                }
            }
            const blocks = companionsOf(args.resources, bucket, [PUBLIC_ACCESS_BLOCK_TYPE]);
            if (blocks.length === 0) {
                report(`S3 bucket "${bucket.name}" has no BucketPublicAccessBlock.`, bucket.urn);
                continue;
            }
            const off = PAB_FLAGS.filter((f) => !blocks.some((b) => {
                const v = read(b.props, [f]);
                return v === true || v === UNKNOWN;
            }));
            if (off.length > 0) {
                report(`S3 bucket "${bucket.name}": its BucketPublicAccessBlock must set ${off.join(", ")} to true.`, bucket.urn);
            }
        }
    },
};

interface PolicyStatement {
    Effect?: unknown;
    Principal?: unknown;
    Action?: unknown;
    Condition?: unknown;
}

function asArray(v: unknown): unknown[] {
    return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** True when a statement denies all S3 actions to everyone over plain HTTP (aws:SecureTransport = false). */
export function deniesInsecureTransport(statement: PolicyStatement): boolean {
    if (statement.Effect !== "Deny") {
        return false;
    }
    const principal = statement.Principal;
    const everyone = principal === "*" || (isPlainObject(principal) && asArray(principal["AWS"]).includes("*"));
    const actions = asArray(statement.Action);
    const allActions = actions.includes("s3:*") || actions.includes("*");
    const cond = isPlainObject(statement.Condition) ? statement.Condition : {};
    const bool = isPlainObject(cond["Bool"]) ? cond["Bool"] : {};
    const secure = asArray(bool["aws:SecureTransport"]);
    const onHttp = secure.some((v) => v === false || v === "false");
    return everyone && allActions && onHttp;
}

/** Parses a BucketPolicy `policy` input (JSON string or object); UNKNOWN in preview, undefined if unreadable. */
export function policyStatements(policy: unknown): PolicyStatement[] | typeof UNKNOWN | undefined {
    if (policy === UNKNOWN) {
        return UNKNOWN;
    }
    let doc: unknown = policy;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch {
            return undefined;
        }
    }
    if (!isPlainObject(doc)) {
        return undefined;
    }
    return asArray(doc["Statement"]).filter(isPlainObject) as PolicyStatement[];
}

export const s3BucketTlsOnly: StackValidationPolicy = {
    name: "s3-bucket-tls-only",
    description: "Every S3 bucket has a bucket policy that denies all requests not made over TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: 'Add an aws.s3.BucketPolicy with {"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}.',
    validateStack: (args, report) => {
        for (const bucket of bucketsOf(args.resources)) {
            const policies = companionsOf(args.resources, bucket, [BUCKET_POLICY_TYPE]);
            if (policies.length === 0) {
                report(`S3 bucket "${bucket.name}" has no BucketPolicy denying non-TLS requests.`, bucket.urn);
                continue;
            }
            const docs = policies.map((p) => policyStatements(read(p.props, ["policy"])));
            if (docs.some((d) => d === UNKNOWN)) {
                continue; // the document embeds the bucket ARN; checked again at deploy time
            }
            const ok = docs.some((d) => Array.isArray(d) && d.some(deniesInsecureTransport));
            if (!ok) {
                report(`S3 bucket "${bucket.name}": no statement in its BucketPolicy denies s3:* when aws:SecureTransport is false.`, bucket.urn);
            }
        }
    },
};

export const rdsEncrypted: ResourceValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "RDS instances and clusters encrypt their storage (every environment: it costs nothing and cannot be turned on later without a restore).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== RDS_INSTANCE_TYPE && args.type !== RDS_CLUSTER_TYPE) {
            return;
        }
        const v = read(args.props, ["storageEncrypted"]);
        if (v !== true && v !== UNKNOWN) {
            report(`RDS "${args.name}": storageEncrypted is ${show(v)}; it must be true.`);
        }
    },
};

export interface ProductionConfig {
    /** Stack names treated as production. */
    productionStacks: string[];
}

export const PRODUCTION_CONFIG_SCHEMA = {
    properties: {
        productionStacks: { type: "array" as const, items: { type: "string" as const }, default: ["prod"] },
    },
};

export const rdsProductionResilience: ResourceValidationPolicy = {
    name: "rds-production-resilience",
    description: "In production, RDS instances are Multi-AZ, deletion-protected and keep a final snapshot.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: PRODUCTION_CONFIG_SCHEMA,
    validateResource: (args, report) => {
        if (args.type !== RDS_INSTANCE_TYPE) {
            return;
        }
        const cfg = withDefaults<ProductionConfig>({ productionStacks: ["prod"] }, args.getConfig<ProductionConfig>());
        if (!environmentOf(args.urn, cfg.productionStacks).production) {
            return;
        }
        const checks: [string, unknown, boolean][] = [
            ["multiAz", read(args.props, ["multiAz"]), true],
            ["deletionProtection", read(args.props, ["deletionProtection"]), true],
        ];
        for (const [key, v, want] of checks) {
            if (v !== want && v !== UNKNOWN) {
                report(`RDS "${args.name}" in production: ${key} is ${show(v)}; it must be ${want}.`);
            }
        }
        if (read(args.props, ["skipFinalSnapshot"]) === true) {
            report(`RDS "${args.name}" in production: skipFinalSnapshot is true; production databases keep a final snapshot.`);
        }
    },
};

export const awsPolicies = [s3BucketEncrypted, s3BucketNotPublic, s3BucketTlsOnly, rdsEncrypted, rdsProductionResilience];
