/**
 * Settings → component Args: the one place config's shapes and conventions (presets, "" for not set, comma lists,
 * `off` for no gate, the environment's implications) become each component's own documented Args. Past this
 * module nothing reads config types: an Arg is absent (undefined) when not set, never "".
 *
 * Only what derives from Settings is built here; program.ts adds what comes from other components (storage and
 * database references, connections, robots) and names the resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseRef, RedisRef } from "../components/common";
import type {
    HarborContentArgs, InboundReplicationArgs, OutboundReplicationArgs, ProjectArgs, ProjectMemberArgs, ProjectRobotArgs, SystemArgs,
} from "../components/content";
import type { AwsDatabaseArgs } from "../components/data";
import type { HarborArgs } from "../components/harbor";
import type { AppImageArgs } from "../components/images";
import type { MinioStorageArgs, S3StorageArgs } from "../components/storage";
import { pushRobotOf, robotAccess } from "./rules";
import type {
    ContentSettings, ImageSettings, InboundReplicationSettings, MemberSettings, OutboundReplicationSettings, ProjectSettings, RobotSettings,
    Settings, SystemSettings,
} from "./settings";

/** Config's "empty means not set", ended here. */
const unlessEmpty = (v: string): string | undefined => (v === "" ? undefined : v);

// ---------------------------------------------------------------------------------------------------------------
// Platform
// ---------------------------------------------------------------------------------------------------------------

/** Tags on every AWS resource of the stack. */
export function awsTags(s: Settings): Record<string, string> {
    return { "app.kubernetes.io/part-of": "harbor", "harbor-platform/stack": s.stack, ...s.aws.tags };
}

/** The blob storage component's args: S3, or a single in-cluster MinIO. */
export function storageArgs(s: Settings): { kind: "s3"; args: S3StorageArgs } | { kind: "minio"; args: MinioStorageArgs } {
    const st = s.storage;
    if (st.mode === "s3") {
        return {
            kind: "s3",
            args: {
                region: st.region, bucket: st.bucket, bucketPrefix: `harbor-${s.stack}-`, kmsKeyId: st.kmsKeyId, protect: s.protect,
                disableRedirect: st.disableRedirect,
            },
        };
    }
    return {
        kind: "minio",
        args: {
            namespace: st.namespace, chartVersion: st.chartVersion, bucket: st.bucket, size: st.size, storageClass: st.storageClass,
            keyGeneration: st.keyGeneration,
            // The MinIO chart requests 16Gi by default; a single dev/preview instance needs far less.
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        },
    };
}

/** RDS PostgreSQL and ElastiCache Redis (data.mode aws); undefined in the other modes. */
export function awsDatabaseArgs(s: Settings): AwsDatabaseArgs | undefined {
    const d = s.data;
    if (d.mode !== "aws") return undefined;
    const pg = d.postgres;
    return {
        vpcId: s.aws.vpcId,
        subnetIds: s.aws.subnetIds,
        clusterSecurityGroupIds: s.aws.clusterSecurityGroupIds,
        allowedCidrBlocks: s.aws.allowedCidrBlocks,
        postgres: {
            instanceClass: pg.instanceClass, engineVersion: pg.engineVersion, allocatedStorageGiB: pg.allocatedStorageGiB,
            maxAllocatedStorageGiB: pg.maxAllocatedStorageGiB, backupRetentionDays: pg.backupRetentionDays, username: pg.username,
            database: pg.database, sslmode: pg.sslmode,
        },
        redis: { nodeType: d.redis.nodeType, engineVersion: d.redis.engineVersion, nodes: d.redis.nodes },
        protect: s.protect,
    };
}

/** The PostgreSQL and Redis a stack names (data.mode external); undefined in the other modes. */
export function externalDataRefs(s: Settings): { database: DatabaseRef; redis: RedisRef } | undefined {
    const d = s.data;
    if (d.mode !== "external") return undefined;
    return {
        database: {
            host: pulumi.output(d.postgres.host), port: pulumi.output(d.postgres.port), username: d.postgres.username,
            database: d.postgres.database, sslmode: d.postgres.sslmode, password: d.databasePassword,
        },
        redis: { addr: pulumi.output(d.redis.addr), tls: d.redis.tls, password: d.redisPassword },
    };
}

/** What the Harbor component takes from Settings (everything but the storage, database and Redis it connects to). */
export type HarborSettingsArgs = Omit<HarborArgs, "storage" | "database" | "redis" | "waitFor" | "releaseName">;

export function harborArgs(s: Settings): HarborSettingsArgs {
    const m = s.metrics;
    return {
        namespace: s.namespace,
        protect: s.protect,
        hostname: s.hostname,
        externalUrl: s.externalUrl,
        replicas: s.replicas,
        resources: s.resources,
        scheduling: {
            // Required in prod; elsewhere preferred, so single-zone dev clusters still schedule.
            spreadOverZones: s.scheduling.spreadOverZones ? (s.environment === "prod" ? "required" : "preferred") : false,
            spreadOverNodes: s.scheduling.spreadOverNodes,
            priorityClassName: s.scheduling.priorityClassName,
        },
        ingress: s.ingress,
        trivy: { ...s.trivy, storageClass: unlessEmpty(s.trivy.storageClass) },
        metrics: {
            enabled: m.enabled, serviceMonitor: m.serviceMonitor, serviceMonitorLabels: m.serviceMonitorLabels,
            scrapeInterval: unlessEmpty(m.scrapeInterval),
        },
        logLevel: s.harbor.logLevel,
        cacheEnabled: s.harbor.cacheEnabled,
        relativeUrls: s.harbor.relativeUrls,
        databasePool: { maxOpenConns: s.data.postgres.maxOpenConns, maxIdleConns: s.data.postgres.maxIdleConns },
        // The rule needs Harbor's metrics: deployed with metrics.enabled and metrics.alerts.enabled only.
        alerts: m.enabled && m.alerts.enabled
            ? {
                  ruleLabels: m.alerts.ruleLabels, storageUsagePercent: m.alerts.storageUsagePercent, p99LatencySeconds: m.alerts.p99LatencySeconds,
                  failedJobsPerHour: m.alerts.failedJobsPerHour, unhealthyForMinutes: m.alerts.unhealthyForMinutes,
              }
            : undefined,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------------------------------------------

/** What the content component takes from Settings (everything but how to connect and when to wait again). */
export type ContentSettingsArgs = Pick<HarborContentArgs, "projects" | "system" | "inboundReplication" | "outboundReplication">;

export function contentArgs(c: ContentSettings): ContentSettingsArgs {
    return {
        projects: c.projects.map(projectArgs),
        system: c.system.manage ? systemArgs(c.system, c.authSecrets) : undefined,
        inboundReplication: c.replication.inbound && inboundArgs(c.replication.inbound),
        outboundReplication: c.replication.outbound && outboundArgs(c.replication.outbound),
    };
}

export function projectArgs(p: ProjectSettings): ProjectArgs {
    return {
        name: p.name,
        public: p.public,
        storageQuotaGiB: p.storageQuotaGiB,
        autoScan: p.autoScan,
        blockPullsFrom: p.preventVulnerable === "off" ? undefined : p.preventVulnerable,
        cosignEnforced: p.cosign,
        autoSbom: p.autoSbom,
        cveAllowlist: p.cveAllowlist,
        forceDestroy: p.forceDestroy,
        adopt: p.adopt,
        members: p.members.map(memberArgs),
        robots: p.robots.map(robotArgs),
        retention: p.retention && {
            schedule: p.retention.schedule,
            rules: p.retention.rules.map((r) => ({
                template: r.template, value: r.value, tagPattern: r.tagPattern, tagDecoration: r.tagDecoration, untagged: r.untagged,
                repoPattern: r.repoPattern, repoDecoration: r.repoDecoration,
            })),
        },
        immutable: p.immutable.map((r) => ({ tagPattern: r.tagPattern, tagDecoration: r.tagDecoration, repoPattern: r.repoPattern, repoDecoration: r.repoDecoration })),
    };
}

function memberArgs(m: MemberSettings): ProjectMemberArgs {
    // Config guarantees exactly one of user or group, and a group's type.
    return m.user !== undefined
        ? { user: m.user, role: m.role }
        : { group: { name: m.group!, type: m.groupType!, ldapDn: m.ldapDn }, role: m.role };
}

function robotArgs(r: RobotSettings): ProjectRobotArgs {
    return {
        name: r.name, access: robotAccess(r), durationDays: r.durationDays, description: unlessEmpty(r.description),
        rotateTrigger: unlessEmpty(r.rotateTrigger),
    };
}

function systemArgs(s: SystemSettings, secrets: ContentSettings["authSecrets"]): SystemArgs {
    const a = s.auth;
    const auth: SystemArgs["auth"] =
        a.mode === "ldap_auth"
            ? {
                  mode: "ldap_auth",
                  ldap: {
                      url: a.ldap.url, searchDn: unlessEmpty(a.ldap.searchDn), searchPassword: secrets.ldapSearchPassword, baseDn: a.ldap.baseDn,
                      filter: unlessEmpty(a.ldap.filter), uid: a.ldap.uid, scope: a.ldap.scope, groupBaseDn: unlessEmpty(a.ldap.groupBaseDn),
                      groupFilter: unlessEmpty(a.ldap.groupFilter), groupAttribute: a.ldap.groupAttribute, groupAdminDn: unlessEmpty(a.ldap.groupAdminDn),
                      verifyCert: a.ldap.verifyCert,
                  },
              }
            : a.mode === "oidc_auth"
              ? {
                    mode: "oidc_auth",
                    oidc: {
                        name: a.oidc.name, endpoint: a.oidc.endpoint, clientId: a.oidc.clientId, clientSecret: secrets.oidcClientSecret,
                        // Config writes the scopes as one comma-separated text.
                        scope: a.oidc.scope.split(",").map((x) => x.trim()).filter(Boolean), groupsClaim: unlessEmpty(a.oidc.groupsClaim),
                        adminGroup: unlessEmpty(a.oidc.adminGroup), userClaim: unlessEmpty(a.oidc.userClaim), autoOnboard: a.oidc.autoOnboard,
                        verifyCert: a.oidc.verifyCert,
                    },
                }
              : { mode: "db_auth" };
    return {
        scanner: { name: s.scanner.name, scanAllSchedule: s.scanner.scanAllSchedule },
        gc: { schedule: s.gc.schedule, deleteUntagged: s.gc.deleteUntagged, workers: s.gc.workers },
        auditLog: {
            purgeSchedule: s.auditLog.purgeSchedule, retentionHours: s.auditLog.retentionHours, includeEventTypes: s.auditLog.includeEventTypes,
            forwardEndpoint: unlessEmpty(s.auditLog.forwardEndpoint), skipDatabase: s.auditLog.skipDatabase,
        },
        auth,
        robotTokenExpirationDays: s.robotTokenExpirationDays,
        projectCreation: s.projectCreation,
    };
}

function inboundArgs(i: InboundReplicationSettings): InboundReplicationArgs {
    return {
        robotName: i.robotName, projects: i.projects, allowProjectCreation: i.allowProjectCreation, durationDays: i.durationDays,
        rotateTrigger: unlessEmpty(i.rotateTrigger),
    };
}

function outboundArgs(o: OutboundReplicationSettings): OutboundReplicationArgs {
    return {
        endpoint: o.endpoint.kind === "stackReference"
            ? { stackReference: o.endpoint.stack }
            : { url: o.endpoint.url, username: o.endpoint.username, password: o.endpoint.password, insecure: o.insecure },
        registryName: o.registryName,
        policyName: o.policyName,
        sourceProject: o.sourceProject,
        tagPattern: o.tagPattern,
        destNamespace: unlessEmpty(o.destNamespace),
        trigger: o.trigger === "scheduled" ? { type: "scheduled", cron: o.schedule } : { type: o.trigger },
        override: o.override,
        replicateDeletion: o.replicateDeletion,
        speedKbps: o.speedKbps,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------------------------

/** What an image component takes from Settings (not where it pushes, as whom, or its signing key). */
export type ImageSettingsArgs = Omit<AppImageArgs, "registryHost" | "pushRobot" | "connection" | "signing">;

/** Each image's args and the project robot it pushes with ("<project>/<robot>"; config guarantees both exist). */
export function imageArgs(s: Settings): { image: ImageSettings; args: ImageSettingsArgs; pushRobot: string }[] {
    return s.images.map((img) => {
        const project = s.content.projects.find((p) => p.name === img.project)!;
        return {
            image: img,
            pushRobot: `${img.project}/${pushRobotOf(project, img.robot)!.name}`,
            args: {
                project: img.project, repository: img.name, version: img.version, context: img.context, dockerfile: img.dockerfile,
                platform: img.platform, buildArgs: img.buildArgs, cache: img.cache, cacheFrom: img.cacheFrom, commit: unlessEmpty(img.commit),
                scanGate: img.scanGate, scanTimeoutSeconds: img.scanTimeoutSeconds, requireSignature: project.cosign,
            },
        };
    });
}
