/**
 * Stack configuration: the one place it is read and validated.
 *
 * - `parseSettings(stackName, rawConfig)` is pure: it takes the stack name and the raw config map (keys with or
 *   without the `harbor-platform:` prefix, values as the Pulumi runtime hands them over: strings, JSON text for
 *   objects, or already-parsed values), applies the per-environment defaults, validates everything with zod, and
 *   returns typed `Settings` or throws a `ConfigError` that lists EVERY problem at once.
 * - `loadSettings()` is the thin reader for a real Pulumi run.
 *
 * Environments come from the stack name: `dev`, `prod`, and `pr-<n>` previews. A preview stack has no file of its
 * own: it takes dev's config plus the preview profile (see `previewProfile`).
 *
 * Extending: add a section schema to `sections`, its defaults to `environmentDefaults`, declare the key in
 * Pulumi.yaml and document it in the README settings reference.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { scheduleProblem } from "./harbor/cron";
import { accessProblem } from "./harbor/rbac";

export const PROJECT = "harbor-platform";

/** The official chart, pinned. Upgrading Harbor is a reviewed code change, not a config flip. */
export const HARBOR_CHART = { name: "harbor", version: "1.19.1", repo: "https://helm.goharbor.io" } as const;

export type Environment = "dev" | "prod" | "preview";

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

/** Config keys that hold secrets: set them with `pulumi config set --secret <key>`; never shown in errors. */
export const SECRET_KEYS = [
    "externalDatabasePassword", "externalRedisPassword",
    // Content layer: an existing Harbor's admin password, the prod endpoint's password (explicit replication
    // endpoint), and the directory secrets of LDAP / OIDC authentication.
    "existingHarborPassword", "replicationPassword", "ldapSearchPassword", "oidcClientSecret",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Field builders: every field says, in its error message, what is allowed.
// ---------------------------------------------------------------------------------------------------------------

const fromString = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (t === "true") return true;
    if (t === "false") return false;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    return v;
};
const int = (min: number, max: number) => {
    const error = `an integer from ${min} to ${max}`;
    return z.preprocess(fromString, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
};
const bool = () => z.preprocess(fromString, z.boolean({ error: "true or false" }));
/** A section or sub-section: unknown keys are errors (typos must not be silently ignored). */
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: "a map of settings" });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `one of ${values.join(", ")}` });
// YAML turns `engineVersion: 16` into a number; a text setting accepts it as text.
const numberAsText = (v: unknown): unknown => (typeof v === "number" ? String(v) : v);
const str = (what: string, re?: RegExp) =>
    z.preprocess(numberAsText, re ? z.string({ error: what }).regex(re, { error: what }) : z.string({ error: what }));
/** Like `str`, but empty means "not set". */
const optStr = (what: string, re: RegExp) =>
    z.preprocess(numberAsText, z.string({ error: what }).regex(new RegExp(`^$|${re.source}`), { error: what }));
const strList = (what: string, re?: RegExp) => z.array(str(what, re), { error: `a list of ${what}` });
const strMap = () => z.record(z.string(), z.string({ error: "a string" }), { error: "a map of strings" });

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

// ---------------------------------------------------------------------------------------------------------------
// Content layer (projects, system, existingHarbor, replication, images): what lives inside Harbor.
// ---------------------------------------------------------------------------------------------------------------

const NAME_RULE = "lower-case letters and digits separated by single '.', '_' or '-'";
/** Harbor's rule for project and robot names (and a replication namespace). */
export const HARBOR_NAME = /^(?=.{1,255}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REPOSITORY = /^(?=.{1,255}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
/** SemVer 2.0 (optionally v-prefixed) without build metadata: a Docker tag cannot hold '+'. */
export const IMAGE_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const COMMIT = /^[0-9a-f]{7,40}$/;
const STACK_REF = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s?#]*)?$/;
const CVE = /^CVE-\d{4}-\d{4,}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
export const SEVERITY_LEVELS = ["low", "medium", "high", "critical"] as const;
export const MEMBER_ROLE_NAMES = ["projectAdmin", "maintainer", "developer", "guest", "limitedGuest"] as const;
export const RETENTION_TEMPLATES = ["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"] as const;

const harborName = (what: string) => str(`${what} (${NAME_RULE}, at most 255)`, HARBOR_NAME);
const SCHEDULE_HINT = 'a 5-field cron like "0 2 * * *", or hourly, daily, weekly, or "" for none';
/** A schedule as users write it (5-field cron or preset); `extra` adds a rule (e.g. replication's). */
const schedule = (extra?: (s: string) => string | undefined) =>
    z.preprocess(numberAsText, z.string({ error: SCHEDULE_HINT }).superRefine((v, ctx) => {
        const problem = scheduleProblem(v) ?? extra?.(v);
        if (problem) ctx.addIssue({ code: "custom", message: `${SCHEDULE_HINT}; ${problem}` });
    }));
const gate = () => oneOf(["off", ...SEVERITY_LEVELS] as const);
const DAYS = "a number of days from 1 to 3650, or -1 for never";
const days = () => z.preprocess(fromString, z.number({ error: DAYS }).int({ error: DAYS }).refine((n) => n === -1 || (n >= 1 && n <= 3650), { error: DAYS }));
const QUOTA = "a storage quota in GiB (more than 0, at most 1048576), or -1 for unlimited";
const text = () => z.preprocess(numberAsText, z.string({ error: "a string" }));

const memberSchema = obj({
    user: str("a Harbor user name").optional(),
    group: str("a group name").optional(),
    groupType: oneOf(["ldap", "oidc", "http"] as const).optional(),
    ldapDn: str("the group's LDAP DN like cn=devs,ou=groups,dc=example,dc=com").optional(),
    role: oneOf(MEMBER_ROLE_NAMES),
});
const robotSchema = obj({
    name: harborName("a robot name"),
    /** push = push and pull on its own project; pull = pull only; custom = `permissions`. */
    preset: oneOf(["push", "pull", "custom"] as const).default("push"),
    permissions: z.array(obj({
        resource: str("a project-level resource like repository or artifact"),
        action: str("an action like pull, push, read or list"),
        effect: oneOf(["allow", "deny"] as const).default("allow"),
    }), { error: "a list of {resource, action}" }).default([]),
    durationDays: days().default(90),
    description: text().default(""),
    /** Change it (any value) to rotate the robot's secret. */
    rotateTrigger: text().default(""),
});
const retentionSchema = obj({
    schedule: schedule().default("daily"),
    rules: z.array(obj({
        template: oneOf(RETENTION_TEMPLATES),
        value: int(1, 100_000).optional(),
        tagPattern: str("a tag pattern like v* or **").default("**"),
        tagDecoration: oneOf(["matches", "excludes"] as const).default("matches"),
        untagged: bool().default(false),
        repoPattern: str("a repository pattern like ** or go-*").default("**"),
        repoDecoration: oneOf(["repoMatches", "repoExcludes"] as const).default("repoMatches"),
    }), { error: "a list of retention rules" }).min(1, { error: "at least 1 rule" }).max(15, { error: "at most 15 rules (Harbor's limit)" }),
});
const immutableSchema = obj({
    tagPattern: str("a tag pattern like v*"),
    tagDecoration: oneOf(["matches", "excludes"] as const).default("matches"),
    repoPattern: str("a repository pattern like **").default("**"),
    repoDecoration: oneOf(["repoMatches", "repoExcludes"] as const).default("repoMatches"),
});
const projectSchema = obj({
    name: harborName("a project name"),
    public: bool().default(false),
    storageQuotaGiB: z.preprocess(fromString, z.number({ error: QUOTA }).refine((n) => n === -1 || (n > 0 && n <= 1_048_576), { error: QUOTA })).default(-1),
    autoScan: bool().default(true),
    /** Block pulls of images with vulnerabilities at or above this severity ("off" = never). */
    preventVulnerable: gate().default("off"),
    cosign: bool().default(false),
    autoSbom: bool().default(false),
    cveAllowlist: strList("CVE ids like CVE-2024-12345", CVE).optional(),
    members: z.array(memberSchema, { error: "a list of {user | group, role}" }).default([]),
    robots: z.array(robotSchema, { error: "a list of robots" }).default([]),
    retention: retentionSchema.optional(),
    immutable: z.array(immutableSchema, { error: "a list of immutable tag rules" }).default([]),
    forceDestroy: bool().default(false),
});
const imageSchema = obj({
    name: str(`a repository name like go-app or team/go-app (${NAME_RULE}; '/' between parts)`, REPOSITORY),
    project: harborName("the name of a project declared in projects"),
    version: str("a SemVer version like v1.2.3 or 1.2.3 (optionally -prerelease; no +build, Docker tags cannot hold '+')", IMAGE_VERSION),
    context: str("a build context directory like apps/go-app"),
    dockerfile: str("a Dockerfile path relative to the context").default("Dockerfile"),
    platform: str("a platform like linux/amd64 or linux/arm64", PLATFORM).default("linux/amd64"),
    buildArgs: strMap().default({}),
    cache: bool().default(true),
    cacheFrom: strList("image references to use as build cache").default([]),
    commit: optStr("a git commit SHA (7 to 40 lower-case hex characters), or empty", COMMIT).default(""),
    robot: optStr("the name of a robot of the image's project, or empty for its push robot", HARBOR_NAME).default(""),
    scanGate: gate().default("off"),
    scanTimeoutSeconds: int(10, 7200).default(600),
});

const contentSections = {
    projects: z.array(projectSchema, { error: "a list of projects" }),
    images: z.array(imageSchema, { error: "a list of images" }),
    system: obj({
        manage: bool(),
        scanner: obj({ name: str("a scanner registration name like Trivy"), scanAllSchedule: schedule() }),
        gc: obj({ schedule: schedule(), deleteUntagged: bool(), workers: int(1, 10) }),
        auditLog: obj({
            purgeSchedule: schedule(),
            retentionHours: int(1, 240_000),
            includeEventTypes: strList("event types like create_artifact", /^[a-z_]+$/),
            forwardEndpoint: optStr("a syslog endpoint host:port, or empty", /^[A-Za-z0-9.-]+:\d{1,5}$/),
            skipDatabase: bool(),
        }),
        auth: obj({
            mode: oneOf(["db_auth", "ldap_auth", "oidc_auth"] as const),
            ldap: obj({
                url: optStr("an LDAP URL like ldaps://ldap.example.com, or empty", /^ldaps?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/),
                searchDn: text(), baseDn: text(), filter: text(), uid: text(),
                scope: oneOf(["base", "onelevel", "subtree"] as const),
                groupBaseDn: text(), groupFilter: text(), groupAttribute: text(), groupAdminDn: text(),
                verifyCert: bool(),
            }),
            oidc: obj({
                name: text(),
                endpoint: optStr("an https:// OIDC issuer URL, or empty", HTTP_URL),
                clientId: text(), scope: text(), groupsClaim: text(), adminGroup: text(), userClaim: text(),
                autoOnboard: bool(), verifyCert: bool(),
            }),
        }),
        robotTokenExpirationDays: int(1, 3650),
        projectCreation: oneOf(["adminonly", "everyone"] as const),
    }),
    existingHarbor: obj({
        url: optStr("an https:// URL like https://harbor.example.com, or empty (manage the Harbor this stack deploys)", HTTP_URL),
        username: str("an admin user name"),
        caCert: z.string({ error: "a PEM CA bundle, or empty" }),
        insecure: bool(),
    }),
    replication: obj({
        /** prod side: a system robot that the dev Harbor replicates with. */
        inbound: obj({
            enabled: bool(),
            robotName: harborName("a robot name"),
            projects: strList(`project names (${NAME_RULE})`, HARBOR_NAME),
            allowProjectCreation: bool(),
            durationDays: days(),
            rotateTrigger: text(),
        }),
        /** dev side: a Registry for prod and a push ReplicationPolicy. */
        outbound: obj({
            enabled: bool(),
            prodStack: optStr("a stack reference like my-org/harbor-platform/prod, or empty", STACK_REF),
            url: optStr("an https:// URL like https://harbor.example.com, or empty", HTTP_URL),
            username: text(),
            insecure: bool(),
            registryName: harborName("a registry endpoint name"),
            policyName: harborName("a replication policy name"),
            sourceProject: optStr(`a project name (${NAME_RULE}), or empty`, HARBOR_NAME),
            tagPattern: str("a tag pattern like v*"),
            destNamespace: optStr(`a project name at the destination (${NAME_RULE}), or empty to keep the source's`, HARBOR_NAME),
            trigger: oneOf(["manual", "event_based", "scheduled"] as const),
            schedule: schedule((v) => (v.trim().split(/\s+/)[0] === "*" ? 'replication schedules need a fixed minute (not "*")' : undefined)),
            override: bool(),
            replicateDeletion: bool(),
            speedKbps: int(0, 10_000_000),
        }),
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// One schema per config section (top-level key). Values here are AFTER defaults are merged in.
// ---------------------------------------------------------------------------------------------------------------

const sections = {
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
            engineVersion: str("a Redis engine version like 7.1", /^\d+(\.\d+)?$/),
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
        dbRepositories: strList("OCI repositories like mirror.example.com/aquasec/trivy-db"),
        javaDbRepositories: strList("OCI repositories like mirror.example.com/aquasec/trivy-java-db"),
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
    }),
    harbor: obj({
        logLevel: oneOf(["debug", "info", "warning", "error", "fatal"] as const),
        cacheEnabled: bool(),
        relativeUrls: bool(),
    }),
    externalDatabasePassword: z.any(),
    externalRedisPassword: z.any(),
    ...contentSections,
    existingHarborPassword: z.any(),
    replicationPassword: z.any(),
    ldapSearchPassword: z.any(),
    oidcClientSecret: z.any(),
};

type Sections = typeof sections;
export type SectionKey = keyof Sections;
export const SECTION_KEYS = Object.keys(sections) as SectionKey[];
type Parsed = { [K in SectionKey]: z.output<Sections[K]> };

/**
 * Every setting a user can write, as a dotted path (`replicas.core`, `projects[].robots[].name`), read from the
 * schema itself, so the README reference and Pulumi.yaml can be checked against it (tests/docs.spec.ts).
 */
export function settingPaths(): string[] {
    const out: string[] = [];
    const walk = (schema: z.core.$ZodType, path: string): void => {
        const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
        switch (def.type) {
            case "object":
                for (const [k, v] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) walk(v, path ? `${path}.${k}` : k);
                return;
            case "pipe": return walk(def.out as z.core.$ZodType, path);
            case "default": case "optional": case "prefault": return walk(def.innerType as z.core.$ZodType, path);
            case "array": return walk(def.element as z.core.$ZodType, `${path}[]`);
            default: out.push(path);
        }
    };
    for (const key of SECTION_KEYS) walk(sections[key] as z.core.$ZodType, key);
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-environment defaults. Empty strings mean "not set" (Pulumi.yaml declares "" / {} defaults for every key).
// ---------------------------------------------------------------------------------------------------------------

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
    previewDomain: "",
    protect: false,
    scheduling: { spreadOverZones: true, spreadOverNodes: true, priorityClassName: "" },
    ingress: {
        className: "nginx", tlsSource: "none", clusterIssuer: "", tlsSecretName: "", proxyTimeoutSeconds: 900,
        annotations: {},
    },
    storage: {
        mode: "minio", bucket: "", kmsKeyId: "", disableRedirect: false,
        minio: { chartVersion: "5.4.0", namespace: "", size: "50Gi", storageClass: "" },
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
        dbRepositories: ["mirror.gcr.io/aquasec/trivy-db", "ghcr.io/aquasecurity/trivy-db"],
        javaDbRepositories: ["mirror.gcr.io/aquasec/trivy-java-db", "ghcr.io/aquasecurity/trivy-java-db"],
        skipUpdate: false, skipJavaDbUpdate: false, offlineScan: false, timeout: "15m0s", storageSize: "10Gi",
        storageClass: "",
    },
    metrics: { enabled: false, serviceMonitor: false, serviceMonitorLabels: {}, scrapeInterval: "" },
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
        metrics: { enabled: true, serviceMonitor: true },
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

// ---------------------------------------------------------------------------------------------------------------
// Settings: what the program and components consume.
// ---------------------------------------------------------------------------------------------------------------

export type IngressTls =
    | { source: "cert-manager"; clusterIssuer: string; secretName: string }
    | { source: "secret"; secretName: string }
    | { source: "none" };

export type StorageSettings =
    | { mode: "s3"; bucket?: string; region: string; kmsKeyId?: string; disableRedirect: boolean }
    | {
          mode: "minio"; bucket: string; namespace: string; chartVersion: string; size: string; storageClass?: string;
          disableRedirect: true;
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
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

export interface ConfigIssue {
    /** The key as the user writes it, e.g. `harbor-platform:replicas.core`. */
    key: string;
    /** The offending value, rendered for humans (secrets are never rendered). */
    value: string;
    /** What is allowed / what is wrong. */
    message: string;
}

export class ConfigError extends Error {
    constructor(readonly stack: string, readonly issues: ConfigIssue[]) {
        super(
            `Invalid configuration for stack '${stack}' (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
                issues.map((i) => `  - ${i.key} = ${i.value}: ${i.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

export type RawConfig = Record<string, unknown>;
export interface ParseOptions {
    /** Keys the runtime says are stored encrypted; when given, a secret key outside this set is an error. */
    secretKeys?: ReadonlySet<string>;
}

const STACK_NAME = /^(dev|prod|pr-([1-9]\d{0,6}))$/;

export function environmentOf(stack: string): { environment: Environment; pr?: number } | undefined {
    const m = STACK_NAME.exec(stack);
    if (!m) return undefined;
    if (m[2]) return { environment: "preview", pr: Number(m[2]) };
    return { environment: m[1] as Environment };
}

/** Pure: stack name + raw config → Settings, or a ConfigError listing every problem. */
export function parseSettings(stack: string, raw: RawConfig, options: ParseOptions = {}): Settings {
    const env = environmentOf(stack);
    if (!env) {
        throw new ConfigError(stack, [{
            key: "stack", value: JSON.stringify(stack), message: "the stack name must be dev, prod or pr-<n> (n a PR number)",
        }]);
    }
    const issues: ConfigIssue[] = [];
    const user = normalizeRaw(raw, issues, options);

    let merged = deepMerge(environmentDefaults[env.environment], user) as Record<string, unknown>;
    if (env.environment === "preview") {
        merged = deepMerge(merged, previewProfile(env.pr!, merged)) as Record<string, unknown>;
        if (!merged.hostname) {
            issues.push({
                key: `${PROJECT}:previewDomain`, value: "(not set)",
                message: "is required for pr-<n> stacks (or a dev hostname to derive it from): previews are served at pr-<n>.<previewDomain>",
            });
            merged.hostname = "pr.example.com"; // placeholder so the hostname check does not repeat the problem
        }
    }

    // Each section is validated on its own, so one bad section does not hide the problems of the others.
    const parsed: Partial<Parsed> = {};
    for (const key of SECTION_KEYS) {
        const result = (sections[key] as z.ZodType).safeParse(merged[key]);
        if (result.success) (parsed as Record<string, unknown>)[key] = result.data;
        else for (const issue of result.error.issues) issues.push(...toConfigIssues(key, issue, merged));
    }
    const rawModes = { data: getPath(merged, ["data", "mode"]), storage: getPath(merged, ["storage", "mode"]) };
    const add = (path: string[], message: string) => issues.push({ key: keyOf(path), value: render(path[0], getPath(merged, path)), message });
    crossChecks(env.environment, parsed, rawModes, add);
    contentChecks(parsed, add);
    declaredProjectChecks(merged, add);
    if (issues.length > 0) throw new ConfigError(stack, dedupe(issues));
    return toSettings(stack, env, parsed as Parsed);
}

function normalizeRaw(raw: RawConfig, issues: ConfigIssue[], options: ParseOptions): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        const idx = fullKey.indexOf(":");
        if (idx >= 0 && fullKey.slice(0, idx) !== PROJECT) continue; // other namespaces (aws:region, ...) are not ours
        const key = idx >= 0 ? fullKey.slice(idx + 1) : fullKey;
        if (!(key in sections)) {
            issues.push({
                key: `${PROJECT}:${key}`, value: render(key, value),
                message: `unknown setting; known settings: ${SECTION_KEYS.join(", ")}`,
            });
            continue;
        }
        const isSecret = (SECRET_KEYS as readonly string[]).includes(key);
        if (isSecret) {
            if (value === undefined || value === "") continue;
            if (options.secretKeys && !options.secretKeys.has(`${PROJECT}:${key}`)) {
                issues.push({
                    key: `${PROJECT}:${key}`, value: "[secret]",
                    message: `is stored in plaintext; store it encrypted: pulumi config set --secret ${key}`,
                });
                continue;
            }
            out[key] = value;
            continue;
        }
        let v = value;
        if (typeof v === "string" && (v.trim().startsWith("{") || v.trim().startsWith("["))) {
            try {
                v = JSON.parse(v);
            } catch {
                issues.push({ key: `${PROJECT}:${key}`, value: render(key, value), message: "is not valid JSON/YAML structure" });
                continue;
            }
        }
        // Pulumi.yaml declares "" and {} as "use the environment default".
        if (v === "" || v === undefined || v === null) continue;
        if (isPlainObject(v) && Object.keys(v).length === 0) continue;
        out[key] = v;
    }
    return out;
}

/** Rules that span settings. Only sections that parsed are checked, so no rule trips over a bad type. */
function crossChecks(
    environment: Environment,
    v: Partial<Parsed>,
    rawModes: { data?: unknown; storage?: unknown },
    add: (path: string[], message: string) => void,
): void {
    const { data, storage, replicas, trivy, ingress, aws, metrics } = v;
    if (environment === "prod") {
        // The mode checks read the raw mode too, so they are reported even when another field of the section is bad.
        if ((data?.mode ?? rawModes.data) === "internal") {
            add(["data", "mode"], "internal (the chart's own PostgreSQL and Redis) is allowed only for dev and pr-<n> stacks; use aws or external in prod");
        }
        if ((storage?.mode ?? rawModes.storage) === "minio") {
            add(["storage", "mode"], "minio (a single in-cluster MinIO) is allowed only for dev and pr-<n> stacks; use s3 in prod");
        }
        if (replicas) {
            for (const part of HA_PARTS) {
                if (part === "trivy" && trivy && !trivy.enabled) continue;
                if (replicas[part] < 2) add(["replicas", part], "must be at least 2 in prod (high availability)");
            }
        }
    }
    if (ingress?.tlsSource === "cert-manager" && !ingress.clusterIssuer) {
        add(["ingress", "clusterIssuer"], "is required when ingress.tlsSource is cert-manager");
    }
    if (ingress?.tlsSource === "secret" && !ingress.tlsSecretName) {
        add(["ingress", "tlsSecretName"], "is required when ingress.tlsSource is secret (a Secret with tls.crt and tls.key)");
    }
    if (aws) {
        if ((storage?.mode === "s3" || data?.mode === "aws") && !aws.region) {
            add(["aws", "region"], "is required when storage.mode is s3 or data.mode is aws");
        }
        if (data?.mode === "aws") {
            if (!aws.vpcId) add(["aws", "vpcId"], "is required when data.mode is aws");
            if (aws.subnetIds.length < 2) add(["aws", "subnetIds"], "needs at least 2 private subnets in different zones when data.mode is aws");
            if (aws.clusterSecurityGroupIds.length === 0 && aws.allowedCidrBlocks.length === 0) {
                add(["aws", "clusterSecurityGroupIds"], "is required (or aws.allowedCidrBlocks) when data.mode is aws: the database must be reachable only from the cluster");
            }
        }
    }
    if (data?.mode === "external") {
        if (!data.postgres.host) add(["data", "postgres", "host"], "is required when data.mode is external");
        if (!data.redis.addr) add(["data", "redis", "addr"], "is required when data.mode is external (host:port)");
        if (v.externalDatabasePassword === undefined) {
            add(["externalDatabasePassword"], "is required when data.mode is external: pulumi config set --secret externalDatabasePassword");
        }
    }
    if (data && data.postgres.maxIdleConns > data.postgres.maxOpenConns) {
        add(["data", "postgres", "maxIdleConns"], "must not exceed data.postgres.maxOpenConns");
    }
    if (data && data.postgres.maxAllocatedStorageGiB < data.postgres.allocatedStorageGiB) {
        add(["data", "postgres", "maxAllocatedStorageGiB"], "must be at least data.postgres.allocatedStorageGiB");
    }
    if (metrics?.serviceMonitor && !metrics.enabled) add(["metrics", "serviceMonitor"], "needs metrics.enabled true");
    if (trivy?.enabled && trivy.dbRepositories.length === 0 && !trivy.skipUpdate) {
        add(["trivy", "dbRepositories"], "needs at least one repository unless trivy.skipUpdate is true");
    }
}

/** Project-level permissions a robot needs to push (and pull: docker push reads layers it mounts). */
export const PUSH_ACCESS = [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }] as const;

/** Whether a robot may push into its project. */
export function robotCanPush(r: RobotSettings): boolean {
    if (r.preset === "push") return true;
    if (r.preset === "pull") return false;
    return r.permissions.some((p) => p.resource === "repository" && p.action === "push" && p.effect === "allow");
}

/** The robot an image pushes with: the named one, else the project's first push robot. */
export function pushRobotOf(project: ProjectSettings, robotName: string): RobotSettings | undefined {
    return robotName ? project.robots.find((r) => r.name === robotName) : project.robots.find(robotCanPush);
}

const notDeclared = (declared: Iterable<string>) => {
    const names = [...declared];
    return `is not a project declared in projects (declared: ${names.length ? names.join(", ") : "none"})`;
};

/**
 * "Names a project config does not declare", read from the raw (merged) values, so it is reported even when
 * another field of the same section is invalid (every problem at once).
 */
function declaredProjectChecks(merged: Record<string, unknown>, add: (path: string[], message: string) => void): void {
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    const text = (o: unknown, k: string): string | undefined => {
        const x = isPlainObject(o) ? o[k] : undefined;
        return typeof x === "string" && HARBOR_NAME.test(x) ? x : undefined;
    };
    const on = (v: unknown) => v === true || v === "true";
    const declared = new Set(list(merged.projects).map((p) => text(p, "name")).filter((n): n is string => n !== undefined));
    list(merged.images).forEach((img, i) => {
        const p = text(img, "project");
        if (p && !declared.has(p)) add(["images", String(i), "project"], `${notDeclared(declared)}; images are pushed into a declared project, never a catch-all`);
    });
    const inbound = getPath(merged, ["replication", "inbound"]);
    if (isPlainObject(inbound) && on(inbound.enabled) && !on(inbound.allowProjectCreation)) {
        list(inbound.projects).forEach((p, i) => {
            if (typeof p === "string" && HARBOR_NAME.test(p) && !declared.has(p)) {
                add(["replication", "inbound", "projects", String(i)], `${notDeclared(declared)}; declare it so it exists before replication, or set replication.inbound.allowProjectCreation`);
            }
        });
    }
    const outbound = getPath(merged, ["replication", "outbound"]);
    const source = text(outbound, "sourceProject");
    if (isPlainObject(outbound) && on(outbound.enabled) && source && !declared.has(source)) {
        add(["replication", "outbound", "sourceProject"], notDeclared(declared));
    }
}

/** Rules across the content sections (exclusive settings, robots that can push, required secrets). */
function contentChecks(v: Partial<Parsed>, add: (path: string[], message: string) => void): void {
    const { projects, images, replication, system, existingHarbor } = v;
    const declared = new Map<string, ProjectSettings>();
    projects?.forEach((p, i) => {
        const at = (...rest: (string | number)[]) => ["projects", String(i), ...rest.map(String)];
        if (declared.has(p.name)) add(at("name"), "is declared twice; project names are unique");
        declared.set(p.name, p);
        p.members.forEach((m, j) => {
            const mp = (k: string) => at("members", j, k);
            if ((m.user === undefined) === (m.group === undefined)) add(at("members", j), "needs exactly one of user or group");
            if (m.group !== undefined && m.groupType === undefined) add(mp("groupType"), "is required for a group member: ldap, oidc or http");
            if (m.groupType === "ldap" && !m.ldapDn) add(mp("ldapDn"), "is required for an LDAP group (its DN)");
            if (m.ldapDn && m.groupType !== "ldap") add(mp("ldapDn"), "is only for groupType ldap");
            if (m.user !== undefined && m.groupType !== undefined) add(mp("groupType"), "is only for group members");
        });
        const robots = new Set<string>();
        p.robots.forEach((r, j) => {
            if (robots.has(r.name)) add(at("robots", j, "name"), `is declared twice in project ${p.name}`);
            robots.add(r.name);
            if (r.preset === "custom" && r.permissions.length === 0) add(at("robots", j, "permissions"), "is required for preset custom (a list of {resource, action})");
            if (r.preset !== "custom" && r.permissions.length > 0) add(at("robots", j, "permissions"), `must be empty for preset ${r.preset} (use preset custom for explicit permissions)`);
            r.permissions.forEach((perm, k) => {
                const problem = accessProblem("project", perm.resource, perm.action);
                if (problem) add(at("robots", j, "permissions", k), problem);
            });
        });
        p.retention?.rules.forEach((rule, j) => {
            if (rule.template !== "always" && rule.value === undefined) add(at("retention", "rules", j, "value"), `is required for template ${rule.template} (a count or a number of days)`);
            if (rule.template === "always" && rule.value !== undefined) add(at("retention", "rules", j, "value"), "must not be set for template always");
        });
    });
    if (projects && images) {
        const seen = new Set<string>();
        images.forEach((img, i) => {
            const at = (k: string) => ["images", String(i), k];
            const project = declared.get(img.project);
            if (!project) return; // reported by declaredProjectChecks
            if (seen.has(`${img.project}/${img.name}`)) add(at("name"), `is declared twice in project ${img.project}`);
            seen.add(`${img.project}/${img.name}`);
            const robot = pushRobotOf(project, img.robot);
            if (img.robot && !robot) add(at("robot"), `is not a robot of project ${img.project} (robots: ${project.robots.map((r) => r.name).join(", ") || "none"})`);
            else if (robot && !robotCanPush(robot)) add(at("robot"), `robot ${robot.name} cannot push (preset ${robot.preset}); use a robot with preset push`);
            else if (!robot) add(at("project"), `project ${img.project} has no robot that can push; add one with preset push (CI pushes with it)`);
        });
    }
    if (replication && projects) {
        const inb = replication.inbound;
        if (inb.enabled) {
            if (inb.projects.length === 0) add(["replication", "inbound", "projects"], "needs at least one target project when replication.inbound.enabled is true");
        }
        const out = replication.outbound;
        if (out.enabled) {
            const o = (k: string) => ["replication", "outbound", k];
            if (!out.sourceProject) add(o("sourceProject"), "is required when replication.outbound.enabled is true");
            if (!out.prodStack && !out.url) add(o("prodStack"), "is required (or replication.outbound.url with username and the secret replicationPassword): where is prod?");
            if (out.prodStack && out.url) add(o("url"), "must be empty when replication.outbound.prodStack is set (the endpoint comes from the prod stack's outputs)");
            if (out.url && !out.username) add(o("username"), "is required with replication.outbound.url (e.g. the prod stack's replicationRobotName)");
            if (out.url && v.replicationPassword === undefined) add(["replicationPassword"], "is required with replication.outbound.url: pulumi config set --secret replicationPassword");
            if (out.trigger === "scheduled" && !out.schedule) add(o("schedule"), "is required when replication.outbound.trigger is scheduled");
            if (out.trigger !== "scheduled" && out.schedule) add(o("schedule"), "is only used when replication.outbound.trigger is scheduled");
        }
    }
    if (system) {
        const a = system.auth;
        if (a.mode === "ldap_auth") {
            if (!a.ldap.url) add(["system", "auth", "ldap", "url"], "is required when system.auth.mode is ldap_auth");
            if (!a.ldap.baseDn) add(["system", "auth", "ldap", "baseDn"], "is required when system.auth.mode is ldap_auth");
            if (a.ldap.searchDn && v.ldapSearchPassword === undefined) add(["ldapSearchPassword"], "is required with system.auth.ldap.searchDn: pulumi config set --secret ldapSearchPassword");
        }
        if (a.mode === "oidc_auth") {
            if (!a.oidc.endpoint) add(["system", "auth", "oidc", "endpoint"], "is required when system.auth.mode is oidc_auth");
            if (!a.oidc.clientId) add(["system", "auth", "oidc", "clientId"], "is required when system.auth.mode is oidc_auth");
            if (v.oidcClientSecret === undefined) add(["oidcClientSecret"], "is required when system.auth.mode is oidc_auth: pulumi config set --secret oidcClientSecret");
        }
    }
    if (existingHarbor?.url && v.existingHarborPassword === undefined) {
        add(["existingHarborPassword"], "is required with existingHarbor.url: pulumi config set --secret existingHarborPassword");
    }
}

function toConfigIssues(section: string, issue: z.core.$ZodIssue, merged: Record<string, unknown>): ConfigIssue[] {
    const path = [section, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
        const parent = getPath(merged, path);
        const known = isPlainObject(parent) ? Object.keys(parent).filter((x) => !issue.keys.includes(x)) : [];
        return issue.keys.map((k) => {
            const p = [...path, k];
            return { key: keyOf(p), value: render(section, getPath(merged, p)), message: `unknown setting; known here: ${known.join(", ")}` };
        });
    }
    const value = getPath(merged, path);
    const message = value === undefined ? `is required: ${issue.message}` : `expected ${issue.message}`;
    return [{ key: keyOf(path), value: render(section, value), message }];
}

function toSettings(stack: string, env: { environment: Environment; pr?: number }, p: Parsed): Settings {
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
                  storageClass: p.storage.minio.storageClass || undefined, disableRedirect: true,
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
    };
}

// ---------------------------------------------------------------------------------------------------------------
// The thin Pulumi reader
// ---------------------------------------------------------------------------------------------------------------

/** Reads this stack's config from the Pulumi runtime (once) and parses it. */
export function loadSettings(): Settings {
    const cfg = new pulumi.Config(PROJECT);
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!key.startsWith(`${PROJECT}:`)) continue;
        const short = key.slice(PROJECT.length + 1);
        if ((SECRET_KEYS as readonly string[]).includes(short) && value !== "") {
            if (isConfigSecret(key)) secretKeys.add(key);
            raw[key] = cfg.requireSecret(short);
        } else {
            raw[key] = value;
        }
    }
    return parseSettings(pulumi.getStack(), raw, { secretKeys });
}

function isConfigSecret(key: string): boolean {
    // `isConfigSecret` exists in the runtime's config module but is not in its typings.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    return runtimeConfig.isConfigSecret ? runtimeConfig.isConfigSecret(key) : true;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** Objects merge key by key; arrays and scalars in `over` replace. Inputs are not mutated. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (over === undefined) return base;
    if (isPlainObject(base) && isPlainObject(over)) {
        const out: Record<string, unknown> = { ...base };
        for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
        return out;
    }
    return over;
}

function getPath(obj: unknown, path: string[]): unknown {
    let cur = obj;
    for (const p of path) {
        if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
}

function keyOf(path: string[]): string {
    if (path.length === 0) return `${PROJECT}:<root>`;
    const [head, ...rest] = path;
    return `${PROJECT}:${head}` + rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("");
}

function render(topKey: string | undefined, value: unknown): string {
    if (topKey && (SECRET_KEYS as readonly string[]).includes(topKey)) return "[secret]";
    if (value === undefined) return "(not set)";
    if (pulumi.Output.isInstance(value)) return "[output]";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
    const seen = new Set<string>();
    return issues.filter((i) => {
        const k = `${i.key}|${i.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
    });
}
