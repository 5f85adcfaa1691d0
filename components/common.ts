import { createHash } from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Type-token prefix of every component in this project: `harbor-platform:<module>:<Type>`. */
export const TOKEN_PREFIX = "harbor-platform";

/**
 * Credentials a component hands to the Harbor component, which writes them into the Kubernetes Secret the chart
 * reads (the Harbor component owns the namespace, so every Secret the chart consumes lives there).
 */
export interface S3Credentials {
    accessKeyId: pulumi.Output<string>;
    /** Secret. */
    secretAccessKey: pulumi.Output<string>;
}

/** Where Harbor's registry stores blobs: the chart's `persistence.imageChartStorage.s3` settings. */
export interface BlobStorageRef {
    bucket: pulumi.Output<string>;
    region: string;
    /** Only for S3-compatible endpoints (MinIO), scheme included, e.g. `http://minio.ns.svc:9000`. */
    regionEndpoint?: pulumi.Output<string>;
    /** Presigned-URL redirects off: needed when clients cannot reach the endpoint. */
    disableRedirect: boolean;
    /** Ask the registry for SSE on writes (AWS). */
    encrypt: boolean;
    kmsKeyId?: string;
    credentials: S3Credentials;
}

/**
 * What the registry's S3 driver needs, and nothing more (S3 IAM policy and MinIO policy alike): list the bucket,
 * read/write/delete objects, multipart uploads.
 */
export const REGISTRY_S3_ACTIONS = {
    bucket: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
    objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
} as const;

/** A PostgreSQL endpoint Harbor uses (`database.external.*`). */
export interface DatabaseRef {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    username: string;
    database: string;
    sslmode: "disable" | "require" | "verify-ca" | "verify-full";
    /** Secret. */
    password: pulumi.Output<string>;
}

/** A Redis endpoint Harbor uses (`redis.external.*`). */
export interface RedisRef {
    /** host:port */
    addr: pulumi.Output<string>;
    tls: boolean;
    /** Secret; absent when Redis has no AUTH. */
    password?: pulumi.Output<string>;
}

/** Merge resource options for a child: always parented to the component. */
export function childOf(parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return { ...extra, parent };
}

/** Pod annotation that rolls a chart's pods when one of the Secrets it reads through existingSecret is rotated. */
export const SECRETS_REVISION_ANNOTATION = "harbor-platform/secrets-revision";

/**
 * A short hash of the Secrets' resourceVersions. Charts only checksum the Secrets they render themselves, so a
 * rotated existingSecret would otherwise not reach running pods (nor re-run a chart's post-upgrade hooks). The
 * resourceVersion is not secret and moves only when a Secret changes: no churn on a no-op `pulumi up`, no leak.
 */
export function secretsRevision(secrets: k8s.core.v1.Secret[]): pulumi.Output<string> {
    return pulumi
        .all(secrets.map((s) => s.metadata.resourceVersion))
        .apply((versions) => createHash("sha256").update(versions.join(",")).digest("hex").slice(0, 16));
}
