/**
 * The program: Settings → components → outputs. No config is read here (see config.ts), so tests and the offline
 * plan run it once per stack in one process. The content layer extends `buildPlatform`'s result.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseRef, RedisRef } from "./components/common";
import { AwsDatabase } from "./components/data";
import { Harbor } from "./components/harbor";
import { MinioStorage, S3Storage } from "./components/storage";
import { Settings } from "./config";

/** Stack outputs. */
export interface PlatformOutputs {
    environment: string;
    externalUrl: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    adminUsername: pulumi.Output<string>;
    /** Secret. */
    adminPassword: pulumi.Output<string>;
    bucket: pulumi.Output<string>;
    /** `host:port`, or `internal` for the chart's own PostgreSQL. */
    databaseEndpoint: pulumi.Output<string>;
}

/** The platform's components, for layers built on top (content, images). */
export interface Platform {
    settings: Settings;
    storage: S3Storage | MinioStorage;
    data?: AwsDatabase;
    harbor: Harbor;
    outputs: PlatformOutputs;
}

export function buildPlatform(settings: Settings): Platform {
    const tags = { "app.kubernetes.io/part-of": "harbor", "harbor-platform/stack": settings.stack, ...settings.aws.tags };
    const needsAws = settings.storage.mode === "s3" || settings.data.mode === "aws";
    // An explicit provider: the region comes from our validated settings, and every AWS resource gets the tags.
    const awsProvider = needsAws
        ? new aws.Provider("aws", { region: settings.aws.region as aws.Region, defaultTags: { tags } })
        : undefined;
    const awsOpts: pulumi.ComponentResourceOptions = awsProvider ? { providers: { aws: awsProvider } } : {};

    const storage =
        settings.storage.mode === "s3"
            ? new S3Storage("storage", {
                  region: settings.storage.region,
                  bucket: settings.storage.bucket,
                  bucketPrefix: `harbor-${settings.stack}-`,
                  kmsKeyId: settings.storage.kmsKeyId,
                  protect: settings.protect,
                  disableRedirect: settings.storage.disableRedirect,
              }, awsOpts)
            : new MinioStorage("storage", {
                  namespace: settings.storage.namespace,
                  chartVersion: settings.storage.chartVersion,
                  bucket: settings.storage.bucket,
                  size: settings.storage.size,
                  storageClass: settings.storage.storageClass,
                  // The MinIO chart requests 16Gi by default; a single dev/preview instance needs far less.
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
              });

    let data: AwsDatabase | undefined;
    let database: DatabaseRef | undefined;
    let redis: RedisRef | undefined;
    const d = settings.data;
    if (d.mode === "aws") {
        data = new AwsDatabase("data", {
            vpcId: settings.aws.vpcId,
            subnetIds: settings.aws.subnetIds,
            clusterSecurityGroupIds: settings.aws.clusterSecurityGroupIds,
            allowedCidrBlocks: settings.aws.allowedCidrBlocks,
            postgres: d.postgres,
            redis: d.redis,
            protect: settings.protect,
        }, awsOpts);
        database = data.database;
        redis = data.redis;
    } else if (d.mode === "external") {
        database = {
            host: pulumi.output(d.postgres.host), port: pulumi.output(d.postgres.port), username: d.postgres.username,
            database: d.postgres.database, sslmode: d.postgres.sslmode, password: d.databasePassword,
        };
        redis = { addr: pulumi.output(d.redis.addr), tls: d.redis.tls, password: d.redisPassword };
    }

    const harbor = new Harbor("harbor", {
        namespace: settings.namespace,
        settings,
        storage: storage.ref,
        database,
        redis,
        protect: settings.protect,
    });

    const outputs: PlatformOutputs = {
        environment: settings.environment,
        externalUrl: harbor.externalUrl,
        namespace: harbor.namespace,
        adminUsername: harbor.adminUsername,
        adminPassword: harbor.adminPassword,
        bucket: storage.ref.bucket,
        databaseEndpoint: database ? pulumi.interpolate`${database.host}:${database.port}` : pulumi.output("internal"),
    };
    return { settings, storage, data, harbor, outputs };
}

/** The whole program for one stack: returns the stack outputs. */
export function program(settings: Settings): PlatformOutputs {
    return buildPlatform(settings).outputs;
}
