/**
 * Platform sections: where and how Harbor runs (hostname, namespace, replicas, resources, ingress, storage, data
 * services, AWS, Trivy, metrics, Harbor's own knobs). Values here are AFTER defaults are merged in.
 */
import { z } from "zod";
import { bool, int, obj, oneOf, optStr, str, strList, strMap } from "./validators";

/** Harbor parts that scale as Deployments/StatefulSets (the chart's `<part>.replicas`). */
export const REPLICATED_PARTS = ["portal", "core", "jobservice", "registry", "trivy", "exporter"] as const;
export type ReplicatedPart = (typeof REPLICATED_PARTS)[number];
/** Parts that must run at least twice in prod (the exporter only serves metrics; more replicas duplicate series). */
export const HA_PARTS: readonly ReplicatedPart[] = ["portal", "core", "jobservice", "registry", "trivy"];
/** Every container group that gets resource requests. */
export const RESOURCE_PARTS = [
    "portal", "core", "jobservice", "registry", "registryController", "trivy", "exporter", "database", "redis",
] as const;
export type ResourcePart = (typeof RESOURCE_PARTS)[number];

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const K8S_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/;
const SIZE = /^\d+(Mi|Gi|Ti)$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DURATION = /^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

const cpu = () => str("a CPU quantity like 100m or 2", CPU);
const memory = () => str("a memory quantity like 256Mi or 2Gi", MEMORY);
const resourceSpec = obj({
    requests: obj({ cpu: cpu(), memory: memory() }),
    limits: obj({ cpu: cpu().optional(), memory: memory() }),
});
export type ResourceSpec = z.infer<typeof resourceSpec>;

/** The platform sections, in the order they are validated and listed. */
export const platformSections = {
    /** false: a content-only stack that manages an existing Harbor (existingHarbor) and deploys no platform. */
    platform: obj({ enabled: bool() }),
    hostname: str("a DNS hostname like harbor.example.com", DNS_NAME),
    previewDomain: optStr("a DNS domain like preview.example.com, or empty", DNS_NAME),
    namespace: str("a Kubernetes namespace name (lowercase letters, digits, '-', at most 63)", K8S_NAME),
    protect: bool(),
    replicas: obj(
        Object.fromEntries(REPLICATED_PARTS.map((p) => [p, int(1, 20)])) as Record<ReplicatedPart, ReturnType<typeof int>>,
    ),
    resources: obj(
        Object.fromEntries(RESOURCE_PARTS.map((p) => [p, resourceSpec])) as Record<ResourcePart, typeof resourceSpec>,
    ),
    scheduling: obj({
        spreadOverZones: bool(),
        spreadOverNodes: bool(),
        priorityClassName: optStr("a PriorityClass name, or empty for none", DNS_SUBDOMAIN),
    }),
    ingress: obj({
        className: str("an IngressClass name", K8S_NAME),
        tlsSource: oneOf(["cert-manager", "secret", "none"] as const),
        clusterIssuer: optStr("a cert-manager ClusterIssuer name, or empty", DNS_SUBDOMAIN),
        tlsSecretName: optStr("a Secret name with tls.crt/tls.key, or empty", DNS_SUBDOMAIN),
        proxyTimeoutSeconds: int(60, 3600),
        annotations: strMap(),
    }),
    storage: obj({
        mode: oneOf(["s3", "minio"] as const),
        bucket: optStr("an S3 bucket name (3-63 lowercase letters, digits, '.', '-'), or empty to generate one", BUCKET),
        kmsKeyId: str("a KMS key ARN or id, or empty for SSE-S3 (AES256)"),
        disableRedirect: bool(),
        minio: obj({
            chartVersion: str("an exact chart version like 5.4.0", SEMVER),
            namespace: optStr("a Kubernetes namespace name, or empty for <namespace>-minio", K8S_NAME),
            size: str("a volume size like 50Gi", SIZE),
            storageClass: z.string({ error: "a StorageClass name, or empty for the default" }),
            /** Raise to rotate Harbor's MinIO key: a new key under a new MinIO user (the chart never changes an existing user's key). */
            keyGeneration: int(1, 1000),
        }),
    }),
    data: obj({
        mode: oneOf(["aws", "external", "internal"] as const),
        postgres: obj({
            instanceClass: str("an RDS instance class like db.m6g.large", /^db\.[a-z0-9]+\.[a-z0-9]+$/),
            engineVersion: str("a PostgreSQL major version from 13 to 17", /^(13|14|15|16|17)(\.\d+)?$/),
            allocatedStorageGiB: int(20, 65536),
            maxAllocatedStorageGiB: int(20, 65536),
            backupRetentionDays: int(1, 35),
            host: z.string({ error: "a hostname" }),
            port: int(1, 65535),
            username: str("a database user name", /^[A-Za-z_][A-Za-z0-9_]{0,62}$/),
            database: str("a database name", /^[A-Za-z_][A-Za-z0-9_]{0,62}$/),
            sslmode: oneOf(["disable", "require", "verify-ca", "verify-full"] as const),
            maxOpenConns: int(1, 1000),
            maxIdleConns: int(0, 1000),
        }),
        redis: obj({
            nodeType: str("an ElastiCache node type like cache.m7g.large", /^cache\.[a-z0-9]+\.[a-z0-9]+$/),
            engineVersion: str("a Redis engine version ElastiCache accepts: 6.x or 6.2, or major.minor from 7 on, like 7.1", /^(6\.(x|\d+)|([7-9]|[1-9]\d)\.\d+)$/),
            nodes: int(2, 6),
            addr: optStr("host:port, or empty", /^[A-Za-z0-9.-]+:\d{1,5}$/),
            tls: bool(),
        }),
    }),
    aws: obj({
        region: optStr("an AWS region like eu-west-1, or empty", AWS_REGION),
        vpcId: optStr("a VPC id like vpc-0abc..., or empty", /^vpc-[0-9a-f]{8,17}$/),
        subnetIds: strList("subnet ids like subnet-0abc...", /^subnet-[0-9a-f]{8,17}$/),
        clusterSecurityGroupIds: strList("security group ids like sg-0abc...", /^sg-[0-9a-f]{8,17}$/),
        allowedCidrBlocks: strList("CIDR blocks like 10.0.0.0/16", CIDR),
        tags: strMap(),
    }),
    trivy: obj({
        enabled: bool(),
        // Unset: the chart's own defaults (its public mirrors). Set them to your mirror in air-gapped clusters.
        dbRepositories: strList("OCI repositories like mirror.example.com/aquasec/trivy-db").optional(),
        javaDbRepositories: strList("OCI repositories like mirror.example.com/aquasec/trivy-java-db").optional(),
        skipUpdate: bool(),
        skipJavaDbUpdate: bool(),
        offlineScan: bool(),
        timeout: str("a Go duration like 15m0s", DURATION),
        storageSize: str("a volume size like 10Gi", SIZE),
        storageClass: z.string({ error: "a StorageClass name, or empty for the default" }),
    }),
    metrics: obj({
        enabled: bool(),
        serviceMonitor: bool(),
        serviceMonitorLabels: strMap(),
        scrapeInterval: optStr("a Prometheus duration like 30s, or empty", /^\d+[smh]$/),
        /** Alerts as code: a PrometheusRule next to the release (components/harbor/alerts.ts), when `enabled` is too. */
        alerts: obj({
            enabled: bool(),
            /** Labels the Prometheus Operator's ruleSelector matches; empty: serviceMonitorLabels, else release: prometheus. */
            ruleLabels: strMap(),
            /** A project's storage use, in percent of its quota (projects with a quota). */
            storageUsagePercent: int(1, 100),
            /** The p99 request latency of core and of the registry (blob transfers excluded), in seconds. */
            p99LatencySeconds: int(1, 600),
            /** Failed jobservice jobs of one type in the last hour: more than this alerts (0: any failure). */
            failedJobsPerHour: int(0, 100000),
            /** How long a component stays unhealthy (or Harbor's health unknown) before it alerts. */
            unhealthyForMinutes: int(1, 1440),
        }),
    }),
    harbor: obj({
        logLevel: oneOf(["debug", "info", "warning", "error", "fatal"] as const),
        cacheEnabled: bool(),
        relativeUrls: bool(),
    }),
};
