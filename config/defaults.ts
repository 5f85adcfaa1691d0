/**
 * Environments: which one a stack is (from its name), the defaults of each, and the preview profile.
 * Empty strings mean "not set" (Pulumi.yaml declares "" / {} defaults for every key).
 */
import { z } from "zod";
import { deepMerge } from "./objects";
import { ResourcePart, ResourceSpec } from "./platform";
import { SectionKey, Sections } from "./sections";

export type Environment = "dev" | "prod" | "preview";

const STACK_NAME = /^(dev|prod|pr-([1-9]\d{0,6}))$/;

/** Which environment a stack name is: dev, prod, or a pr-<n> preview (with its PR number); undefined for any other name. */
export function environmentOf(stack: string): { environment: Environment; pr?: number } | undefined {
    const m = STACK_NAME.exec(stack);
    if (!m) return undefined;
    if (m[2]) return { environment: "preview", pr: Number(m[2]) };
    return { environment: m[1] as Environment };
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
type Defaults = { [K in SectionKey]?: DeepPartial<z.input<Sections[K]>> | unknown };

const res = (cpu: string, mem: string, memLimit: string, cpuLimit?: string): ResourceSpec => ({
    requests: { cpu, memory: mem },
    limits: cpuLimit ? { cpu: cpuLimit, memory: memLimit } : { memory: memLimit },
});

const smallResources: Record<ResourcePart, ResourceSpec> = {
    portal: res("10m", "32Mi", "128Mi"),
    core: res("50m", "128Mi", "512Mi"),
    jobservice: res("20m", "64Mi", "256Mi"),
    registry: res("20m", "64Mi", "512Mi"),
    registryController: res("10m", "32Mi", "128Mi"),
    trivy: res("50m", "256Mi", "1Gi"),
    exporter: res("10m", "32Mi", "128Mi"),
    database: res("50m", "128Mi", "512Mi"),
    redis: res("20m", "32Mi", "128Mi"),
};
const standardResources: Record<ResourcePart, ResourceSpec> = {
    portal: res("50m", "64Mi", "256Mi"),
    core: res("250m", "512Mi", "1Gi"),
    jobservice: res("100m", "256Mi", "1Gi"),
    registry: res("250m", "256Mi", "2Gi"),
    registryController: res("50m", "64Mi", "256Mi"),
    trivy: res("500m", "1Gi", "4Gi", "2"),
    exporter: res("50m", "64Mi", "256Mi"),
    database: res("250m", "512Mi", "2Gi"),
    redis: res("50m", "128Mi", "512Mi"),
};

const commonDefaults: Defaults = {
    platform: { enabled: true },
    previewDomain: "",
    protect: false,
    scheduling: { spreadOverZones: true, spreadOverNodes: true, priorityClassName: "" },
    ingress: {
        className: "nginx", tlsSource: "none", clusterIssuer: "", tlsSecretName: "", proxyTimeoutSeconds: 900,
        annotations: {},
    },
    storage: {
        mode: "minio", bucket: "", kmsKeyId: "", disableRedirect: false,
        minio: { chartVersion: "5.4.0", namespace: "", size: "50Gi", storageClass: "", keyGeneration: 1 },
    },
    data: {
        mode: "internal",
        postgres: {
            instanceClass: "db.m6g.large", engineVersion: "16", allocatedStorageGiB: 50, maxAllocatedStorageGiB: 500,
            backupRetentionDays: 7, host: "", port: 5432, username: "harbor", database: "registry", sslmode: "require",
            maxOpenConns: 100, maxIdleConns: 20,
        },
        redis: { nodeType: "cache.m7g.large", engineVersion: "7.1", nodes: 2, addr: "", tls: true },
    },
    aws: { region: "", vpcId: "", subnetIds: [], clusterSecurityGroupIds: [], allowedCidrBlocks: [], tags: {} },
    trivy: {
        enabled: true,
        skipUpdate: false, skipJavaDbUpdate: false, offlineScan: false, timeout: "15m0s", storageSize: "10Gi",
        storageClass: "",
    },
    metrics: {
        enabled: false, serviceMonitor: false, serviceMonitorLabels: {}, scrapeInterval: "",
        // Only with metrics.enabled. dev is noisier than prod: looser thresholds, slower to page.
        alerts: {
            enabled: true, ruleLabels: {}, storageUsagePercent: 90, p99LatencySeconds: 10, failedJobsPerHour: 10,
            unhealthyForMinutes: 10,
        },
    },
    harbor: { logLevel: "info", cacheEnabled: false, relativeUrls: false },
    projects: [],
    images: [],
    system: {
        manage: true,
        scanner: { name: "Trivy", scanAllSchedule: "daily" },
        gc: { schedule: "weekly", deleteUntagged: true, workers: 1 },
        auditLog: {
            purgeSchedule: "weekly", retentionHours: 24 * 90,
            includeEventTypes: ["create_artifact", "delete_artifact", "pull_artifact"], forwardEndpoint: "", skipDatabase: false,
        },
        auth: {
            mode: "db_auth",
            ldap: {
                url: "", searchDn: "", baseDn: "", filter: "", uid: "uid", scope: "subtree", groupBaseDn: "", groupFilter: "",
                groupAttribute: "cn", groupAdminDn: "", verifyCert: true,
            },
            oidc: {
                name: "oidc", endpoint: "", clientId: "", scope: "openid,profile,email,offline_access", groupsClaim: "groups",
                adminGroup: "", userClaim: "", autoOnboard: true, verifyCert: true,
            },
        },
        robotTokenExpirationDays: 90,
        projectCreation: "adminonly",
    },
    existingHarbor: { url: "", username: "admin", caCert: "", insecure: false },
    replication: {
        inbound: { enabled: false, robotName: "replication-inbound", projects: [], allowProjectCreation: false, durationDays: 90, rotateTrigger: "" },
        outbound: {
            enabled: false, prodStack: "", url: "", username: "", insecure: false, registryName: "prod", policyName: "prod-replication",
            sourceProject: "", tagPattern: "v*", destNamespace: "", trigger: "event_based", schedule: "", override: true,
            replicateDeletion: false, speedKbps: 0,
        },
    },
};

/** Defaults per environment; stack config overrides them key by key (objects merge, lists replace). */
export const environmentDefaults: Record<Environment, Defaults> = {
    dev: deepMerge(commonDefaults, {
        namespace: "harbor",
        replicas: { portal: 1, core: 1, jobservice: 1, registry: 1, trivy: 1, exporter: 1 },
        resources: smallResources,
    }) as Defaults,
    prod: deepMerge(commonDefaults, {
        namespace: "harbor",
        protect: true,
        replicas: { portal: 3, core: 3, jobservice: 2, registry: 3, trivy: 2, exporter: 1 },
        resources: standardResources,
        ingress: { tlsSource: "cert-manager" },
        storage: { mode: "s3" },
        data: { mode: "aws" },
        metrics: {
            enabled: true, serviceMonitor: true,
            alerts: { storageUsagePercent: 85, p99LatencySeconds: 5, failedJobsPerHour: 5, unhealthyForMinutes: 5 },
        },
        harbor: { cacheEnabled: true },
    }) as Defaults,
    preview: {},
};
environmentDefaults.preview = environmentDefaults.dev;

/**
 * The preview profile, forced on top of dev's config for a `pr-<n>` stack: its own namespace and hostname, one
 * replica of each part, chart-internal PostgreSQL and Redis, MinIO, nothing protected, small requests, no metrics.
 * No replication: a preview neither replicates to prod nor accepts replication. No `existingHarbor`: the content
 * layer configures the preview's own Harbor.
 */
export function previewProfile(pr: number, merged: Record<string, unknown>): Defaults {
    const devHost = typeof merged.hostname === "string" ? merged.hostname : "";
    const domain = (merged.previewDomain as string) || devHost.split(".").slice(1).join(".");
    return {
        // A preview deploys its own Harbor, whatever dev's file says.
        platform: { enabled: true },
        namespace: `harbor-pr-${pr}`,
        hostname: domain ? `pr-${pr}.${domain}` : "",
        protect: false,
        replicas: { portal: 1, core: 1, jobservice: 1, registry: 1, trivy: 1, exporter: 1 },
        resources: smallResources,
        storage: { mode: "minio", bucket: "", disableRedirect: true, minio: { namespace: `harbor-pr-${pr}-minio`, size: "10Gi" } },
        data: { mode: "internal" },
        metrics: { enabled: false, serviceMonitor: false },
        trivy: { storageSize: "5Gi" },
        // A preview never talks to production.
        replication: { inbound: { enabled: false }, outbound: { enabled: false } },
        // Its content layer manages the preview's own Harbor, never one dev points at (closing the PR would
        // delete that Harbor's projects).
        existingHarbor: { url: "" },
    };
}
