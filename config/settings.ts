/**
 * Settings: what the program and components consume, and how parsed sections become them (secrets become
 * secret Outputs here).
 */
import * as pulumi from "@pulumi/pulumi";
import { Environment } from "./defaults";
import { ReplicatedPart, ResourcePart, ResourceSpec } from "./platform";
import { Parsed } from "./sections";

export type IngressTls =
    | { source: "cert-manager"; clusterIssuer: string; secretName: string }
    | { source: "secret"; secretName: string }
    | { source: "none" };

export type StorageSettings =
    | { mode: "s3"; bucket?: string; region: string; kmsKeyId?: string; disableRedirect: boolean }
    | {
          mode: "minio"; bucket: string; namespace: string; chartVersion: string; size: string; storageClass?: string;
          keyGeneration: number; disableRedirect: true;
      };

export interface PostgresSettings {
    instanceClass: string; engineVersion: string; allocatedStorageGiB: number; maxAllocatedStorageGiB: number;
    backupRetentionDays: number; host: string; port: number; username: string; database: string;
    sslmode: "disable" | "require" | "verify-ca" | "verify-full"; maxOpenConns: number; maxIdleConns: number;
}
export interface RedisSettings { nodeType: string; engineVersion: string; nodes: number; addr: string; tls: boolean }

export type DataSettings =
    | { mode: "aws"; postgres: PostgresSettings; redis: RedisSettings }
    | {
          mode: "external"; postgres: PostgresSettings; redis: RedisSettings;
          /** Secret Outputs from `pulumi config set --secret`. */
          databasePassword: pulumi.Output<string>; redisPassword?: pulumi.Output<string>;
      }
    | { mode: "internal"; postgres: PostgresSettings };

export interface Settings {
    /** Stack name: dev, prod or pr-<n>. */
    stack: string;
    environment: Environment;
    /** PR number for preview stacks. */
    pr?: number;
    /**
     * false: a content-only stack. It manages the Harbor `content.existingHarbor` names and registers no storage,
     * database, namespace, Secret or Helm release; the platform settings below are defaults it does not use.
     */
    platformEnabled: boolean;
    hostname: string;
    /** Exactly what clients use, scheme included (Harbor's token realm depends on it). */
    externalUrl: string;
    namespace: string;
    protect: boolean;
    replicas: Record<ReplicatedPart, number>;
    resources: Record<ResourcePart, ResourceSpec>;
    scheduling: { spreadOverZones: boolean; spreadOverNodes: boolean; priorityClassName?: string };
    ingress: { className: string; tls: IngressTls; proxyTimeoutSeconds: number; annotations: Record<string, string> };
    storage: StorageSettings;
    data: DataSettings;
    aws: {
        region: string; vpcId: string; subnetIds: string[]; clusterSecurityGroupIds: string[];
        allowedCidrBlocks: string[]; tags: Record<string, string>;
    };
    trivy: Parsed["trivy"];
    metrics: Parsed["metrics"];
    harbor: Parsed["harbor"];
    /** What lives inside Harbor: projects, system settings, replication, and how to connect. */
    content: ContentSettings;
    /** Images to build, push and verify. */
    images: ImageSettings[];
}

export type ProjectSettings = Parsed["projects"][number];
export type RobotSettings = ProjectSettings["robots"][number];
export type MemberSettings = ProjectSettings["members"][number];
export type ImageSettings = Parsed["images"][number];
export type SystemSettings = Parsed["system"];

/** A Harbor this stack did not deploy (config `existingHarbor` + secret `existingHarborPassword`). */
export interface ExistingHarborSettings {
    url: string;
    username: string;
    /** Secret. */
    password: pulumi.Output<string>;
    caCert?: string;
    insecure: boolean;
}

/** prod: the system robot dev's Harbor pushes with. */
export type InboundReplicationSettings = Parsed["replication"]["inbound"];

/** dev: where prod is (a StackReference, or an explicit endpoint) and the push policy. */
export type OutboundReplicationSettings = Omit<Parsed["replication"]["outbound"], "enabled" | "prodStack" | "url" | "username"> & {
    /** Where prod's endpoint and robot credentials come from. */
    endpoint:
        | { kind: "stackReference"; stack: string }
        | { kind: "explicit"; url: string; username: string; /** Secret. */ password: pulumi.Output<string> };
    sourceProject: string;
};

export interface ContentSettings {
    projects: ProjectSettings[];
    system: SystemSettings;
    /** Set: manage this Harbor instead of the one the stack deploys. */
    existingHarbor?: ExistingHarborSettings;
    replication: { inbound?: InboundReplicationSettings; outbound?: OutboundReplicationSettings };
    /** Secret directory credentials for system.auth. */
    authSecrets: { ldapSearchPassword?: pulumi.Output<string>; oidcClientSecret?: pulumi.Output<string> };
    /**
     * Secret: the admin password to log in with after it was changed in Harbor (UI or API). Unset: the initial one
     * this stack generated (the chart only sets the first password; Harbor keeps later ones in its database).
     */
    adminPassword?: pulumi.Output<string>;
}

export function toSettings(stack: string, env: { environment: Environment; pr?: number }, p: Parsed): Settings {
    const tls: IngressTls =
        p.ingress.tlsSource === "cert-manager"
            ? { source: "cert-manager", clusterIssuer: p.ingress.clusterIssuer, secretName: p.ingress.tlsSecretName || "harbor-ingress-tls" }
            : p.ingress.tlsSource === "secret"
              ? { source: "secret", secretName: p.ingress.tlsSecretName }
              : { source: "none" };
    const storage: StorageSettings =
        p.storage.mode === "s3"
            ? {
                  mode: "s3", bucket: p.storage.bucket || undefined, region: p.aws.region,
                  kmsKeyId: p.storage.kmsKeyId || undefined, disableRedirect: p.storage.disableRedirect,
              }
            : {
                  mode: "minio", bucket: p.storage.bucket || "harbor", namespace: p.storage.minio.namespace || `${p.namespace}-minio`,
                  chartVersion: p.storage.minio.chartVersion, size: p.storage.minio.size,
                  storageClass: p.storage.minio.storageClass || undefined, keyGeneration: p.storage.minio.keyGeneration, disableRedirect: true,
              };
    const postgres = p.data.postgres as PostgresSettings;
    const data: DataSettings =
        p.data.mode === "aws"
            ? { mode: "aws", postgres, redis: p.data.redis }
            : p.data.mode === "external"
              ? {
                    mode: "external", postgres, redis: p.data.redis,
                    databasePassword: pulumi.secret(p.externalDatabasePassword as pulumi.Input<string>),
                    redisPassword: p.externalRedisPassword === undefined ? undefined : pulumi.secret(p.externalRedisPassword as pulumi.Input<string>),
                }
              : { mode: "internal", postgres };
    return {
        stack,
        environment: env.environment,
        pr: env.pr,
        platformEnabled: p.platform.enabled,
        hostname: p.hostname,
        externalUrl: `https://${p.hostname}`,
        namespace: p.namespace,
        protect: p.protect,
        replicas: p.replicas,
        resources: p.resources as Record<ResourcePart, ResourceSpec>,
        scheduling: { ...p.scheduling, priorityClassName: p.scheduling.priorityClassName || undefined },
        ingress: { className: p.ingress.className, tls, proxyTimeoutSeconds: p.ingress.proxyTimeoutSeconds, annotations: p.ingress.annotations },
        storage,
        data,
        aws: p.aws,
        trivy: p.trivy,
        metrics: p.metrics,
        harbor: p.harbor,
        content: toContentSettings(p),
        images: p.images,
    };
}

const secretOf = (v: unknown): pulumi.Output<string> | undefined => (v === undefined ? undefined : pulumi.secret(v as pulumi.Input<string>));

function toContentSettings(p: Parsed): ContentSettings {
    const { inbound, outbound } = p.replication;
    const { enabled: _on, prodStack, url, username, ...policy } = outbound;
    return {
        projects: p.projects,
        system: p.system,
        existingHarbor: p.existingHarbor.url
            ? {
                  url: p.existingHarbor.url, username: p.existingHarbor.username, password: secretOf(p.existingHarborPassword)!,
                  caCert: p.existingHarbor.caCert || undefined, insecure: p.existingHarbor.insecure,
              }
            : undefined,
        replication: {
            inbound: inbound.enabled ? inbound : undefined,
            outbound: outbound.enabled
                ? {
                      ...policy,
                      endpoint: prodStack
                          ? { kind: "stackReference", stack: prodStack }
                          : { kind: "explicit", url, username, password: secretOf(p.replicationPassword)! },
                  }
                : undefined,
        },
        authSecrets: { ldapSearchPassword: secretOf(p.ldapSearchPassword), oidcClientSecret: secretOf(p.oidcClientSecret) },
        adminPassword: secretOf(p.harborAdminPassword),
    };
}
