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
