import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BlobStorageRef, childOf, REGISTRY_S3_ACTIONS, TOKEN_PREFIX } from "../common";

/** Arguments of {@link S3Storage}. */
export interface S3StorageArgs {
    /** AWS region of the bucket (also what the registry is told). */
    region: string;
    /** Exact bucket name; when absent Pulumi generates one from `bucketPrefix`. */
    bucket?: string;
    /** Prefix for a generated bucket name, e.g. `harbor-prod-`. */
    bucketPrefix: string;
    /** KMS key for SSE-KMS; when absent the bucket uses SSE-S3 (AES256). */
    kmsKeyId?: string;
    /** Protect the bucket from deletion and refuse to empty it on destroy (prod). */
    protect: boolean;
    /** Days after which incomplete multipart uploads are aborted. Default 7. */
    abortIncompleteUploadsAfterDays?: number;
    /**
     * Days a replaced or deleted object version is kept (bucket versioning), so blobs deleted by mistake or by a
     * garbage collection run against a restored database can be restored. Default 30.
     */
    noncurrentVersionDays?: number;
    /** Registry redirects to presigned S3 URLs unless disabled (clients must reach S3 then). */
    disableRedirect: boolean;
    /** Tags for every AWS resource. */
    tags?: Record<string, string>;
}

/**
 * Image storage on Amazon S3: an encrypted, private, TLS-only bucket, and an IAM user whose policy is limited to
 * that bucket. Harbor 2.15's registry (distribution 2.8 with aws-sdk-go 1.15) cannot use IRSA or Pod Identity for
 * S3, so it needs static keys; they are handed to the Harbor component for `s3.existingSecret`.
 */
export class S3Storage extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    readonly iamUserName: pulumi.Output<string>;
    /** What the Harbor component needs; the secret key is a secret Output. */
    readonly ref: BlobStorageRef;

    constructor(name: string, args: S3StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:storage:S3Storage`, name, {}, opts);
        const tags = args.tags ?? {};

        this.bucket = new aws.s3.Bucket(`${name}-bucket`, {
            bucket: args.bucket,
            bucketPrefix: args.bucket ? undefined : args.bucketPrefix,
            forceDestroy: !args.protect,
            tags,
        }, childOf(this, { protect: args.protect }));
        const bucket = this.bucket;

        new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
            bucket: bucket.id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, childOf(this));

        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-sse`, {
            bucket: bucket.id,
            rules: [{
                applyServerSideEncryptionByDefault: args.kmsKeyId
                    ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyId }
                    : { sseAlgorithm: "AES256" },
                bucketKeyEnabled: args.kmsKeyId ? true : undefined,
            }],
        }, childOf(this));

        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, childOf(this));

        new aws.s3.BucketPolicy(`${name}-tls-only`, {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }],
            }),
        }, childOf(this, { dependsOn: [publicAccessBlock] }));

        // Versioning keeps what the registry overwrites or deletes for a while: the runbook's restore path
        // (docs/operations.md "Backup and restore") depends on it.
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        }, childOf(this));

        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket: bucket.id,
            rules: [
                {
                    id: "abort-incomplete-multipart-uploads",
                    status: "Enabled",
                    filter: { prefix: "" },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteUploadsAfterDays ?? 7 },
                },
                {
                    // Old versions and delete markers go after the restore window, or versioning only grows the bill.
                    id: "expire-noncurrent-versions",
                    status: "Enabled",
                    filter: { prefix: "" },
                    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
                    expiration: { expiredObjectDeleteMarker: true },
                },
            ],
        }, childOf(this, { dependsOn: [versioning] }));

        // Least privilege for the registry's S3 driver.
        const user = new aws.iam.User(`${name}-registry`, { path: "/harbor/", tags }, childOf(this));
        new aws.iam.UserPolicy(`${name}-registry`, {
            user: user.name,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "Bucket",
                        Effect: "Allow",
                        Action: REGISTRY_S3_ACTIONS.bucket,
                        Resource: bucket.arn,
                    },
                    {
                        Sid: "Objects",
                        Effect: "Allow",
                        Action: REGISTRY_S3_ACTIONS.objects,
                        Resource: pulumi.interpolate`${bucket.arn}/*`,
                    },
                    ...(args.kmsKeyId ? [kmsStatement(args.kmsKeyId, args.region, bucket.arn)] : []),
                ],
            }),
        }, childOf(this));
        const key = new aws.iam.AccessKey(`${name}-registry`, { user: user.name }, childOf(this));

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.iamUserName = user.name;
        this.ref = {
            bucket: bucket.bucket,
            region: args.region,
            disableRedirect: args.disableRedirect,
            encrypt: true,
            kmsKeyId: args.kmsKeyId,
            credentials: { accessKeyId: key.id, secretAccessKey: pulumi.secret(key.secret) },
        };
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, iamUserName: this.iamUserName });
    }
}

/**
 * With SSE-KMS, S3 calls KMS as the writer: PutObject/CreateMultipartUpload need kms:GenerateDataKey, GetObject
 * and multipart uploads kms:Decrypt, or the registry gets AccessDenied. Limited to S3 in this region acting on this
 * bucket (the encryption context is the object ARN, or the bucket ARN with a bucket key); the key itself when it is
 * given as a key ARN (an id or alias cannot name it in an IAM policy without a lookup).
 */
function kmsStatement(kmsKeyId: string, region: string, bucketArn: pulumi.Output<string>): Record<string, unknown> {
    return {
        Sid: "KmsForThisBucket",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(kmsKeyId) ? kmsKeyId : "*",
        Condition: {
            StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
            StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, pulumi.interpolate`${bucketArn}/*`] },
        },
    };
}
