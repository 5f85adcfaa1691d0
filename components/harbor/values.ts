/**
 * The Harbor chart's values as a PURE function of the component's args and plain references (Secret names, endpoints).
 * No secret ever goes into values: every credential reaches the chart through its existingSecret keys.
 * Every key set here exists in the official chart 1.19.1 values.yaml (tests/values.spec.ts checks that).
 */
import type * as pulumi from "@pulumi/pulumi";
import { SECRETS_REVISION_ANNOTATION } from "../common";

/** Harbor parts that run as Deployments/StatefulSets with a replica count (the chart's `<part>.replicas`). */
export type HarborPart = "portal" | "core" | "jobservice" | "registry" | "trivy" | "exporter";
/** Every container group that gets resource requests: the parts, the registry's controller, the internal data services. */
export type HarborContainerGroup = HarborPart | "registryController" | "database" | "redis";

/** Requests and limits of one container group (Kubernetes quantities, e.g. cpu 100m, memory 256Mi). */
export interface ResourceRequirements {
    requests: { cpu: string; memory: string };
    /** No CPU limit unless set (CPU throttling hurts latency more than it saves). */
    limits: { cpu?: string; memory: string };
}

/** Where the ingress's TLS certificate comes from. Never the chart's "auto" (a new CA on every render). */
export type HarborIngressTls =
    | { source: "cert-manager"; clusterIssuer: string; secretName: string }
    | { source: "secret"; secretName: string }
    | { source: "none" };

/** How Harbor runs: everything the chart values derive from besides the references (see {@link HarborValuesRefs}). */
export interface HarborValuesArgs {
    /** The host the ingress serves, e.g. harbor.example.com. */
    hostname: string;
    /** Exactly what clients use, scheme included (Harbor's token realm depends on it). */
    externalUrl: string;
    replicas: Record<HarborPart, number>;
    resources: Record<HarborContainerGroup, ResourceRequirements>;
    scheduling: {
        /** Spread each part over zones: "required" (DoNotSchedule), "preferred" (ScheduleAnyway), or false. */
        spreadOverZones: "required" | "preferred" | false;
        /** Spread each part over nodes (always preferred, never required). */
        spreadOverNodes: boolean;
        /** Absent: the cluster's default priority. */
        priorityClassName?: string;
    };
    ingress: {
        className: string;
        tls: HarborIngressTls;
        /** nginx proxy read/send timeout: long enough for large layers. */
        proxyTimeoutSeconds: number;
        /** Extra annotations; they win over the ones set here. */
        annotations: Record<string, string>;
    };
    trivy: {
        enabled: boolean;
        /** Absent: the chart's own (public) mirrors. */
        dbRepositories?: string[];
        javaDbRepositories?: string[];
        skipUpdate: boolean;
        skipJavaDbUpdate: boolean;
        offlineScan: boolean;
        /** A Go duration, e.g. 15m0s. */
        timeout: string;
        /** The vulnerability database's volume, e.g. 10Gi. */
        storageSize: string;
        /** Absent: the cluster's default StorageClass. */
        storageClass?: string;
    };
    metrics: {
        enabled: boolean;
        /** A ServiceMonitor for the Prometheus Operator (only with `enabled`). */
        serviceMonitor: boolean;
        serviceMonitorLabels: Record<string, string>;
        /** Absent: Prometheus's default scrape interval. */
        scrapeInterval?: string;
    };
    logLevel: "debug" | "info" | "warning" | "error" | "fatal";
    /** Harbor's Redis cache layer for artifacts. */
    cacheEnabled: boolean;
    /** The registry returns relative URLs (behind proxies that rewrite hosts). */
    relativeUrls: boolean;
    /** Harbor's PostgreSQL connection pool (internal or external database). */
    databasePool: { maxOpenConns: number; maxIdleConns: number };
}

/** Names of the Kubernetes Secrets the Harbor component creates, and the keys the chart reads in them. */
export const HARBOR_SECRETS = {
    admin: { name: "harbor-admin", key: "HARBOR_ADMIN_PASSWORD" },
    secretKey: { name: "harbor-secret-key", key: "secretKey" },
    core: { name: "harbor-core-secret", key: "secret" },
    xsrf: { name: "harbor-core-xsrf", key: "CSRF_KEY" },
    tokenSigning: { name: "harbor-token-signing" },
    jobservice: { name: "harbor-jobservice-secret", key: "JOBSERVICE_SECRET" },
    registryHttp: { name: "harbor-registry-http", key: "REGISTRY_HTTP_SECRET" },
    registryCredentials: { name: "harbor-registry-credentials", passwordKey: "REGISTRY_PASSWD", htpasswdKey: "REGISTRY_HTPASSWD" },
    s3: { name: "harbor-s3", accessKeyKey: "REGISTRY_STORAGE_S3_ACCESSKEY", secretKeyKey: "REGISTRY_STORAGE_S3_SECRETKEY" },
    database: { name: "harbor-database", key: "password" },
    redis: { name: "harbor-redis", key: "REDIS_PASSWORD" },
} as const;

/** The user the registry and core share (htpasswd); the chart's default name. */
export const REGISTRY_USER = "harbor_registry_user";

/** Separate keyspaces for Harbor's own data and the cache layer (the chart defaults both to DB 0). */
export const REDIS_INDEXES = {
    coreDatabaseIndex: "0", jobserviceDatabaseIndex: "1", registryDatabaseIndex: "2", trivyAdapterIndex: "5",
    harborDatabaseIndex: "6", cacheLayerDatabaseIndex: "7",
} as const;

/**
 * References the values need (Secret names aside). Endpoints may still be Outputs: they are placed in the values
 * as they are, so `values` stays a plain object in which only those leaves are unknown during a preview, and the
 * rest (replicas, TLS, existingSecret keys) can be reviewed and checked by policy before the first deploy.
 */
export interface HarborValuesRefs {
    storage: {
        bucket: pulumi.Input<string>; region: string; regionEndpoint?: pulumi.Input<string>; disableRedirect: boolean;
        encrypt: boolean; kmsKeyId?: string;
    };
    database: { kind: "internal" } | {
        kind: "external"; host: pulumi.Input<string>; port: pulumi.Input<string>; username: string; database: string;
        sslmode: "disable" | "require" | "verify-ca" | "verify-full";
    };
    redis: { kind: "internal" } | { kind: "external"; addr: pulumi.Input<string>; tls: boolean; hasPassword: boolean };
    /**
     * Changes whenever one of the pinned Secrets changes. The chart only checksums Secrets it renders itself, so
     * without this annotation a rotated existingSecret would not reach the running pods until they restart.
     */
    secretsRevision?: pulumi.Input<string>;
}

type Values = Record<string, unknown>;

export function buildHarborValues(s: HarborValuesArgs, refs: HarborValuesRefs): Values {
    const part = (p: HarborPart, extra: Values = {}): Values => ({
        replicas: s.replicas[p],
        // The chart renders a PDB only when replicas > 1; with one replica a PDB would block node drains.
        podDisruptionBudget: { enabled: s.replicas[p] > 1 && p !== "exporter", minAvailable: 1 },
        topologySpreadConstraints: spread(s),
        ...(s.scheduling.priorityClassName ? { priorityClassName: s.scheduling.priorityClassName } : {}),
        // The portal reads no Secret: it need not roll on a rotation.
        ...(refs.secretsRevision !== undefined && p !== "portal"
            ? { podAnnotations: { [SECRETS_REVISION_ANNOTATION]: refs.secretsRevision } }
            : {}),
        ...extra,
    });
    const res = (r: ResourceRequirements): Values => ({ requests: { ...r.requests }, limits: { ...r.limits } });
    const S = HARBOR_SECRETS;

    return {
        externalURL: s.externalUrl,
        logLevel: s.logLevel,
        expose: expose(s),
        persistence: {
            enabled: true,
            resourcePolicy: "keep",
            persistentVolumeClaim: {
                trivy: { size: s.trivy.storageSize, ...(s.trivy.storageClass ? { storageClass: s.trivy.storageClass } : {}) },
            },
            imageChartStorage: {
                type: "s3",
                disableredirect: refs.storage.disableRedirect,
                s3: {
                    region: refs.storage.region,
                    bucket: refs.storage.bucket,
                    existingSecret: S.s3.name,
                    ...(refs.storage.regionEndpoint ? { regionendpoint: refs.storage.regionEndpoint } : {}),
                    // `false` is dropped by the chart template anyway; only ever set true.
                    ...(refs.storage.encrypt ? { encrypt: true } : {}),
                    ...(refs.storage.kmsKeyId ? { keyid: refs.storage.kmsKeyId } : {}),
                },
            },
        },
        existingSecretAdminPassword: S.admin.name,
        existingSecretAdminPasswordKey: S.admin.key,
        existingSecretSecretKey: S.secretKey.name,
        updateStrategy: { type: "RollingUpdate" },
        cache: { enabled: s.cacheEnabled, expireHours: 24 },
        metrics: {
            enabled: s.metrics.enabled,
            serviceMonitor: {
                enabled: s.metrics.enabled && s.metrics.serviceMonitor,
                additionalLabels: s.metrics.serviceMonitorLabels,
                ...(s.metrics.scrapeInterval ? { interval: s.metrics.scrapeInterval } : {}),
            },
        },
        portal: part("portal", { resources: res(s.resources.portal) }),
        core: part("core", {
            resources: res(s.resources.core),
            existingSecret: S.core.name,
            existingXsrfSecret: S.xsrf.name,
            existingXsrfSecretKey: S.xsrf.key,
            secretName: S.tokenSigning.name,
        }),
        jobservice: part("jobservice", {
            resources: res(s.resources.jobservice),
            // Database (viewable in the UI from any replica) and stdout (log aggregation); never file: a node-local PVC.
            jobLoggers: ["database", "stdout"],
            existingSecret: S.jobservice.name,
            existingSecretKey: S.jobservice.key,
        }),
        registry: part("registry", {
            registry: { resources: res(s.resources.registry) },
            controller: { resources: res(s.resources.registryController) },
            existingSecret: S.registryHttp.name,
            existingSecretKey: S.registryHttp.key,
            relativeurls: s.relativeUrls,
            credentials: { username: REGISTRY_USER, existingSecret: S.registryCredentials.name },
        }),
        trivy: part("trivy", {
            enabled: s.trivy.enabled,
            resources: res(s.resources.trivy),
            ...(s.trivy.dbRepositories ? { dbRepository: s.trivy.dbRepositories } : {}),
            ...(s.trivy.javaDbRepositories ? { javaDBRepository: s.trivy.javaDbRepositories } : {}),
            skipUpdate: s.trivy.skipUpdate,
            skipJavaDBUpdate: s.trivy.skipJavaDbUpdate,
            offlineScan: s.trivy.offlineScan,
            timeout: s.trivy.timeout,
        }),
        exporter: part("exporter", { resources: res(s.resources.exporter) }),
        database: databaseValues(s, refs, res),
        redis: redisValues(s, refs, res),
    };
}

function expose(s: HarborValuesArgs): Values {
    const tls = s.ingress.tls;
    const timeout = String(s.ingress.proxyTimeoutSeconds);
    const annotations: Record<string, string> = {
        "ingress.kubernetes.io/ssl-redirect": "true",
        "ingress.kubernetes.io/proxy-body-size": "0",
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        // Large layers: no body limit, stream uploads instead of buffering them, long timeouts.
        "nginx.ingress.kubernetes.io/proxy-body-size": "0",
        "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
        "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
        ...(tls.source === "cert-manager" ? { "cert-manager.io/cluster-issuer": tls.clusterIssuer } : {}),
        ...s.ingress.annotations,
    };
    return {
        type: "ingress",
        tls: {
            enabled: true,
            // Never "auto": it generates a new CA on every render.
            certSource: tls.source === "none" ? "none" : "secret",
            ...(tls.source === "none" ? {} : { secret: { secretName: tls.secretName } }),
        },
        ingress: { hosts: { core: s.hostname }, className: s.ingress.className, annotations },
    };
}

function databaseValues(s: HarborValuesArgs, refs: HarborValuesRefs, res: (r: ResourceRequirements) => Values): Values {
    const pool = { maxOpenConns: s.databasePool.maxOpenConns, maxIdleConns: s.databasePool.maxIdleConns };
    if (refs.database.kind === "internal") {
        return { type: "internal", internal: { resources: res(s.resources.database) }, ...pool };
    }
    const d = refs.database;
    return {
        type: "external",
        external: {
            host: d.host,
            port: d.port,
            username: d.username,
            coreDatabase: d.database,
            existingSecret: HARBOR_SECRETS.database.name,
            sslmode: d.sslmode,
        },
        ...pool,
    };
}

function redisValues(s: HarborValuesArgs, refs: HarborValuesRefs, res: (r: ResourceRequirements) => Values): Values {
    if (refs.redis.kind === "internal") {
        return { type: "internal", internal: { resources: res(s.resources.redis), ...REDIS_INDEXES_INTERNAL } };
    }
    const r = refs.redis;
    return {
        type: "external",
        external: {
            addr: r.addr,
            tlsOptions: { enable: r.tls },
            ...REDIS_INDEXES,
            // Read by the chart with `lookup` at install/upgrade (helm.v3.Release talks to the cluster).
            ...(r.hasPassword ? { existingSecret: HARBOR_SECRETS.redis.name } : {}),
        },
    };
}

const { coreDatabaseIndex: _core, ...REDIS_INDEXES_INTERNAL } = REDIS_INDEXES;

/** Zone spread (required or preferred: single-zone dev clusters must still schedule) and node spread (preferred). */
function spread(s: HarborValuesArgs): Values[] {
    const out: Values[] = [];
    if (s.scheduling.spreadOverZones) {
        out.push({
            maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", nodeTaintsPolicy: "Honor",
            whenUnsatisfiable: s.scheduling.spreadOverZones === "required" ? "DoNotSchedule" : "ScheduleAnyway",
        });
    }
    if (s.scheduling.spreadOverNodes) {
        out.push({ maxSkew: 1, topologyKey: "kubernetes.io/hostname", nodeTaintsPolicy: "Honor", whenUnsatisfiable: "ScheduleAnyway" });
    }
    return out;
}
