import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BlobStorageRef, childOf, REGISTRY_S3_ACTIONS, SECRETS_REVISION_ANNOTATION, secretsRevision, TOKEN_PREFIX } from "../common";

/** The MinIO community chart, pinned. */
export const MINIO_CHART = { name: "minio", repo: "https://charts.min.io/" } as const;

/** Arguments of {@link MinioStorage}. */
export interface MinioStorageArgs {
    /** Namespace MinIO runs in (created here). */
    namespace: string;
    /** Exact chart version, e.g. 5.4.0. */
    chartVersion: string;
    /** Bucket the chart creates for Harbor. */
    bucket: string;
    /** Volume size, e.g. 50Gi. */
    size: string;
    storageClass?: string;
    /**
     * Generation of Harbor's MinIO key (default 1). Raising it rotates the key: a new random key under a new MinIO
     * user `harbor-g<generation>`, because the chart's user job skips a user that exists and would never set its new key.
     */
    keyGeneration?: number;
    /** MinIO's own requests/limits. */
    resources: { requests: { cpu: string; memory: string }; limits: { cpu?: string; memory: string } };
}

/**
 * Image storage on a single in-cluster MinIO (dev and previews): MinIO through its Helm chart, Harbor's bucket
 * created by the chart, root and Harbor credentials from @pulumi/random in Kubernetes Secrets (never in values), and
 * a MinIO user whose policy covers only that bucket.
 */
export class MinioStorage extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;
    readonly ref: BlobStorageRef;

    constructor(name: string, args: MinioStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:storage:MinioStorage`, name, {}, opts);

        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: args.namespace } }, childOf(this));
        const rootPassword = new random.RandomPassword(`${name}-root`, { length: 32, special: false }, childOf(this));
        const generation = args.keyGeneration ?? 1;
        const harborSecret = new random.RandomPassword(`${name}-harbor`, { length: 40, special: false, keepers: { generation: String(generation) } }, childOf(this));
        // Generation 1 keeps the user earlier versions created; each later one is a new user with the new key.
        const accessKey = generation === 1 ? "harbor" : `harbor-g${generation}`;

        const rootSecret = new k8s.core.v1.Secret(`${name}-root`, {
            metadata: { name: "minio-root", namespace: ns.metadata.name },
            stringData: { rootUser: "admin", rootPassword: rootPassword.result },
        }, childOf(this));
        const userSecret = new k8s.core.v1.Secret(`${name}-harbor-user`, {
            metadata: { name: "minio-harbor-user", namespace: ns.metadata.name },
            stringData: { secretKey: harborSecret.result },
        }, childOf(this));

        const fullname = "minio";
        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: "minio",
            chart: MINIO_CHART.name,
            version: args.chartVersion,
            repositoryOpts: { repo: MINIO_CHART.repo },
            namespace: ns.metadata.name,
            values: {
                fullnameOverride: fullname,
                mode: "standalone",
                replicas: 1,
                // One pod on a ReadWriteOnce volume: a rolling update would start a second pod on the same volume
                // (stuck on the attachment, or two servers on one disk). Replace it instead.
                DeploymentUpdate: { type: "Recreate" },
                existingSecret: rootSecret.metadata.name,
                persistence: { enabled: true, size: args.size, storageClass: args.storageClass ?? "" },
                resources: args.resources,
                // A rotated root or Harbor-user key changes the values: the pod restarts with the new root key and
                // the chart's post-upgrade job sets the user's new key (a Secret change alone would do neither).
                podAnnotations: { [SECRETS_REVISION_ANNOTATION]: secretsRevision([rootSecret, userSecret]) },
                buckets: [{ name: args.bucket, policy: "none", purge: false }],
                policies: [{
                    name: "harbor-registry",
                    statements: [
                        { resources: [`arn:aws:s3:::${args.bucket}`], actions: REGISTRY_S3_ACTIONS.bucket },
                        { resources: [`arn:aws:s3:::${args.bucket}/*`], actions: REGISTRY_S3_ACTIONS.objects },
                    ],
                }],
                users: [{
                    accessKey,
                    existingSecret: userSecret.metadata.name,
                    existingSecretKey: "secretKey",
                    policy: "harbor-registry",
                }],
            },
        }, childOf(this, { dependsOn: [rootSecret, userSecret] }));

        this.namespace = ns.metadata.name;
        // Scheme included: the registry's S3 driver takes it from regionendpoint (the chart drops `secure: false`).
        this.endpoint = pulumi.interpolate`http://${fullname}.${ns.metadata.name}.svc.cluster.local:9000`;
        this.ref = {
            bucket: pulumi.output(args.bucket),
            region: "us-east-1",
            regionEndpoint: this.endpoint,
            disableRedirect: true,
            encrypt: false,
            credentials: { accessKeyId: pulumi.output(accessKey), secretAccessKey: pulumi.secret(harborSecret.result) },
        };
        this.registerOutputs({ namespace: this.namespace, endpoint: this.endpoint, bucket: args.bucket });
    }
}
