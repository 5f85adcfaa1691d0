/**
 * The program: Settings → component Args (config/toArgs.ts) → components → outputs. No config is read here (see
 * config.ts), so tests and the offline plan run it once per stack in one process. The content layer extends `buildPlatform`'s result.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DatabaseRef, RedisRef } from "./components/common";
import { HarborAdminConnection, HarborContent, ProjectAccess } from "./components/content";
import { AppImage } from "./components/images";
import { AwsDatabase } from "./components/data";
import { Harbor } from "./components/harbor";
import { MinioStorage, S3Storage } from "./components/storage";
import { awsDatabaseArgs, awsTags, contentArgs, externalDataRefs, harborArgs, imageArgs, Settings, storageArgs } from "./config";

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
    const tags = awsTags(settings);
    const needsAws = settings.storage.mode === "s3" || settings.data.mode === "aws";
    // An explicit provider: the region comes from our validated settings, and every AWS resource gets the tags.
    const awsProvider = needsAws
        ? new aws.Provider("aws", { region: settings.aws.region as aws.Region, defaultTags: { tags } })
        : undefined;
    const awsOpts: pulumi.ComponentResourceOptions = awsProvider ? { providers: { aws: awsProvider } } : {};

    const st = storageArgs(settings);
    const storage = st.kind === "s3" ? new S3Storage("storage", st.args, awsOpts) : new MinioStorage("storage", st.args);

    let data: AwsDatabase | undefined;
    let database: DatabaseRef | undefined;
    let redis: RedisRef | undefined;
    const awsData = awsDatabaseArgs(settings);
    const external = externalDataRefs(settings);
    if (awsData) {
        data = new AwsDatabase("data", awsData, awsOpts);
        database = data.database;
        redis = data.redis;
    } else if (external) {
        ({ database, redis } = external);
    }

    const harbor = new Harbor("harbor", {
        ...harborArgs(settings),
        storage: storage.ref,
        database,
        redis,
        waitFor: [storage],
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

/** Stack outputs of the content layer (issue 4). */
export interface ContentOutputs {
    /** Per project: id, robot login names, docker login and pull commands. */
    projects: pulumi.Output<Record<string, ProjectAccess>>;
    /** Secret: "<project>/<robot>" → robot secret. */
    robotSecrets: pulumi.Output<Record<string, string>>;
    /** "<project>/<image>" → pushed references, digest and pull command. */
    images: pulumi.Output<Record<string, PushedImage>>;
    /** The public key every pushed image is signed with (`cosign verify --key`); present when the stack builds images. */
    imageSigningPublicKey?: pulumi.Output<string>;
    /** prod (inbound replication): what dev's StackReference reads. */
    replicationEndpoint?: pulumi.Output<string>;
    replicationRobotName?: pulumi.Output<string>;
    /** Secret. */
    replicationRobotSecret?: pulumi.Output<string>;
}

export interface PushedImage {
    ref: string;
    digest: string;
    repoDigest: string;
    commitRef?: string;
    pull: string;
}

/** A content-only stack has the platform's outputs that describe the existing Harbor, not the ones it would deploy. */
export type StackOutputs = ContentOutputs & Pick<PlatformOutputs, "environment" | "externalUrl" | "adminUsername"> & Partial<PlatformOutputs>;

/**
 * Content (projects, robots, system, replication) and images: on top of the platform this stack deploys, or, without
 * `harbor` (a content-only stack, or `existingHarbor`), in the existing Harbor config names.
 */
export function buildContent(settings: Settings, harbor?: Harbor): { content: HarborContent; images: AppImage[]; outputs: ContentOutputs } {
    const c = settings.content;
    const existing = c.existingHarbor;
    if (!existing && !harbor) throw new Error("buildContent: no Harbor to configure (neither this stack's platform nor existingHarbor)");
    const connection: HarborAdminConnection = existing
        ? { url: existing.url, username: existing.username, password: existing.password, caCert: existing.caCert, insecure: existing.insecure }
        : { url: harbor!.externalUrl, username: harbor!.adminUsername, password: c.adminPassword ?? harbor!.adminPassword };
    const content = new HarborContent("content", {
        connection,
        // A Harbor upgrade (new release revision) waits for health again before configuring.
        readyTrigger: existing ? undefined : harbor!.release.status.apply((s) => String(s?.revision ?? "")),
        ...contentArgs(c),
    }, existing ? {} : { dependsOn: [harbor!] });

    const host = pulumi.output(connection.url).apply((u) => new URL(u).host);
    // One signing key per stack (issue 14): private key a secret in state, public key a stack output.
    const signingKey = settings.images.length > 0 ? new tls.PrivateKey("image-signing-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: content }) : undefined;
    const images = imageArgs(settings).map(({ image: img, args, pushRobot }) => {
        const robot = content.robots[pushRobot];
        return new AppImage(`image-${img.project}-${img.name.replace(/\//g, "-")}`, {
            ...args,
            registryHost: host,
            pushRobot: { username: robot.fullName, password: robot.secret },
            connection: pulumi.secret(pulumi.output(connection)),
            signing: { privateKeyPem: signingKey!.privateKeyPem, publicKeyPem: signingKey!.publicKeyPem },
        }, { dependsOn: [robot.resource] });
    });
    const imageKeys = settings.images.map((img) => `${img.project}/${img.name}`);
    const outputs: ContentOutputs = {
        projects: content.access,
        robotSecrets: content.robotSecrets,
        images: pulumi.all(images.map((i) => pulumi.all([i.imageRef, i.digest, i.repoDigest, i.commitRef, i.pullCommand])))
            .apply((list) => Object.fromEntries(list.map(([ref, digest, repoDigest, commitRef, pull], k) =>
                [imageKeys[k], { ref, digest, repoDigest, pull, ...(commitRef ? { commitRef } : {}) }]))),
        ...(signingKey ? { imageSigningPublicKey: signingKey.publicKeyPem } : {}),
        ...(content.inbound
            ? {
                  replicationEndpoint: content.inbound.endpoint,
                  replicationRobotName: content.inbound.robotName,
                  replicationRobotSecret: content.inbound.robotSecret,
              }
            : {}),
    };
    return { content, images, outputs };
}

/** The whole program for one stack: returns the stack outputs. */
export function program(settings: Settings): StackOutputs {
    if (!settings.platformEnabled) {
        // Content only: the existing Harbor's content; no storage, database, namespace, Secret or Helm release.
        const existing = settings.content.existingHarbor!; // config requires it
        return {
            environment: settings.environment,
            externalUrl: pulumi.output(existing.url),
            adminUsername: pulumi.output(existing.username),
            ...buildContent(settings).outputs,
        };
    }
    const platform = buildPlatform(settings);
    return { ...platform.outputs, ...buildContent(settings, platform.harbor).outputs };
}
