import * as pulumi from "@pulumi/pulumi";
import * as harbor from "../../harbor";
import { GroupType, MemberRole, PROJECT_CREATION_ACCESS, PUSH_ACCESS, RobotAccessEntry } from "../../harbor/rbac";
import type { RetentionTemplate } from "../../harbor/retentionPolicy";
import type { RepoDecoration, TagDecoration } from "../../harbor/selectors";
import { childOf, TOKEN_PREFIX } from "../common";

/** Admin credentials of the Harbor to configure. */
export interface HarborAdminConnection {
    /** External URL, e.g. https://harbor.example.com. */
    url: pulumi.Input<string>;
    username: pulumi.Input<string>;
    /** Secret. */
    password: pulumi.Input<string>;
    caCert?: pulumi.Input<string>;
    insecure?: pulumi.Input<boolean>;
}

/** The prod endpoint dev replicates to, with the inbound robot's credentials (password secret). */
export interface ReplicationEndpoint {
    url: pulumi.Input<string>;
    username: pulumi.Input<string>;
    /** Secret. */
    password: pulumi.Input<string>;
    insecure?: boolean;
}

/** A vulnerability severity Harbor grades scans with. */
export type Severity = "low" | "medium" | "high" | "critical";

/** A project member: a Harbor user, or a directory group (LDAP, OIDC or HTTP). */
export type ProjectMemberArgs =
    | { user: string; role: MemberRole }
    | { group: { name: string; type: GroupType; /** The group's DN (LDAP groups only). */ ldapDn?: string }; role: MemberRole };

/** A project robot (level project, its own project only). */
export interface ProjectRobotArgs {
    /** Short name; Harbor's login name is robot$<project>+<name>. */
    name: string;
    /** What it may do in its project (harbor/rbac.ts: PUSH_ACCESS, PULL_ACCESS, or explicit entries). */
    access: RobotAccessEntry[];
    /** Days its secret is valid; -1 never expires. */
    durationDays: number;
    /** Default: none. */
    description?: string;
    /** Change it (any value) to rotate the robot's secret; absent: never rotated by a trigger. */
    rotateTrigger?: string;
}

/** A tag retention rule (Harbor's rule templates and selectors). */
export interface RetentionRuleArgs {
    template: RetentionTemplate;
    /** The template's count or number of days; absent for `always`. */
    value?: number;
    tagPattern: string;
    tagDecoration: TagDecoration;
    untagged: boolean;
    repoPattern: string;
    repoDecoration: RepoDecoration;
}

/** A tag immutability rule. */
export interface ImmutableRuleArgs {
    tagPattern: string;
    tagDecoration: TagDecoration;
    repoPattern: string;
    repoDecoration: RepoDecoration;
}

/** A project with its members, robots, retention and immutable rules. */
export interface ProjectArgs {
    name: string;
    public: boolean;
    /** GiB; -1 unlimited. */
    storageQuotaGiB: number;
    /** Scan every image on push. */
    autoScan: boolean;
    /** Block pulls of images with vulnerabilities at or above this severity; absent: never block. */
    blockPullsFrom?: Severity;
    /** Serve only cosign-signed images. */
    cosignEnforced: boolean;
    /** Generate an SBOM on push. */
    autoSbom: boolean;
    /** CVEs the pull gate ignores in this project; absent: the project keeps none of its own. */
    cveAllowlist?: string[];
    /** Delete the project even when it still holds repositories. */
    forceDestroy: boolean;
    /** Take over an existing project (and its robots and immutable rules) of the same name instead of failing. */
    adopt?: boolean;
    members: ProjectMemberArgs[];
    robots: ProjectRobotArgs[];
    /** Absent: Harbor keeps every tag. */
    retention?: { schedule: string; rules: RetentionRuleArgs[] };
    immutable: ImmutableRuleArgs[];
}

/** LDAP login (system.auth ldap_auth). Absent optional fields are not set in Harbor. */
export interface LdapAuthArgs {
    url: string;
    searchDn?: string;
    /** Secret: the search DN's password. */
    searchPassword?: pulumi.Input<string>;
    baseDn: string;
    filter?: string;
    uid: string;
    scope: "base" | "onelevel" | "subtree";
    groupBaseDn?: string;
    groupFilter?: string;
    groupAttribute: string;
    groupAdminDn?: string;
    verifyCert: boolean;
}

/** OIDC login (system.auth oidc_auth). Absent optional fields are not set in Harbor. */
export interface OidcAuthArgs {
    name: string;
    endpoint: string;
    clientId: string;
    /** Secret. */
    clientSecret?: pulumi.Input<string>;
    scope: string[];
    groupsClaim?: string;
    adminGroup?: string;
    userClaim?: string;
    autoOnboard: boolean;
    verifyCert: boolean;
}

/** Harbor-wide settings: default scanner, GC, audit log purge, authentication, robot expiry, project creation. */
export interface SystemArgs {
    scanner: { name: string; scanAllSchedule: string };
    gc: { schedule: string; deleteUntagged: boolean; workers: number };
    auditLog: {
        purgeSchedule: string; retentionHours: number; includeEventTypes: string[];
        /** Syslog endpoint host:port; absent: no forwarding (any forwarding set in Harbor is cleared). */
        forwardEndpoint?: string;
        skipDatabase: boolean;
    };
    auth: { mode: "db_auth" } | { mode: "ldap_auth"; ldap: LdapAuthArgs } | { mode: "oidc_auth"; oidc: OidcAuthArgs };
    robotTokenExpirationDays: number;
    projectCreation: "adminonly" | "everyone";
}

/** prod: the system robot dev's Harbor replicates (pushes) with. */
export interface InboundReplicationArgs {
    robotName: string;
    /** The projects it may push into. */
    projects: string[];
    /** Also create projects (and push into any): for replication into projects not declared here. */
    allowProjectCreation: boolean;
    durationDays: number;
    /** Change it (any value) to rotate the robot's secret. */
    rotateTrigger?: string;
}

/** dev: the prod Registry endpoint and the push ReplicationPolicy of `sourceProject`'s matching tags. */
export interface OutboundReplicationArgs {
    /** Explicit, or the prod stack's outputs (replicationEndpoint, replicationRobotName, replicationRobotSecret). */
    endpoint: ReplicationEndpoint | { stackReference: string };
    registryName: string;
    policyName: string;
    sourceProject: string;
    tagPattern: string;
    /** The project at the destination; absent: the source's name. */
    destNamespace?: string;
    trigger: { type: "manual" } | { type: "event_based" } | { type: "scheduled"; cron: string };
    override: boolean;
    replicateDeletion: boolean;
    /** 0: unlimited. */
    speedKbps: number;
}

/** Arguments of {@link HarborContent}. */
export interface HarborContentArgs {
    /** How to reach Harbor: the admin of the Harbor this stack deployed, or of an existing one. */
    connection: HarborAdminConnection;
    /** Changes with every Harbor deploy (e.g. the Helm release revision), so Ready waits again after an upgrade. */
    readyTrigger?: pulumi.Input<string>;
    /** How long to wait for Harbor to become healthy. Default 900 s (a first install pulls every image). */
    readyTimeoutSeconds?: number;
    /** Projects with their members, robots, retention and immutable rules. */
    projects: ProjectArgs[];
    /** Harbor-wide settings; absent = leave them as they are. */
    system?: SystemArgs;
    /** prod: the system robot the dev Harbor replicates with. */
    inboundReplication?: InboundReplicationArgs;
    /** dev: where to replicate to, and the push policy. */
    outboundReplication?: OutboundReplicationArgs;
}

/** A robot as the outputs show it. `secret` is a Pulumi secret. */
export interface RobotRef {
    project: string;
    name: string;
    /** Login name, e.g. robot$dev-team+ci. */
    fullName: pulumi.Output<string>;
    /** Secret. */
    secret: pulumi.Output<string>;
    /** The robot resource itself (for dependsOn). */
    resource: pulumi.Resource;
}

/** Per project, what a team needs to use it (no secrets: those are in `robotSecrets`). */
export interface ProjectAccess {
    projectId: number;
    /** Robot short name → login name. */
    robots: Record<string, string>;
    /** `docker login` with a robot (secret read from stdin; get it from the robotSecrets output). */
    dockerLogin: Record<string, string>;
    /** `docker pull <host>/<project>/<image>:<tag>` template. */
    dockerPull: string;
}

type Permission = { kind: "project" | "system"; namespace: string; access: RobotAccessEntry[] };

/** A project robot's permissions: its access, on its own project only (least privilege). */
export function robotPermissions(project: string, r: Pick<ProjectRobotArgs, "access">): Permission[] {
    return [{ kind: "project", namespace: project, access: r.access.map((a) => ({ ...a })) }];
}

/** The inbound replication robot's permissions: push (+pull) into its target projects; project creation only if allowed. */
export function inboundPermissions(inbound: Pick<InboundReplicationArgs, "projects" | "allowProjectCreation">): Permission[] {
    const push = () => PUSH_ACCESS.map((a) => ({ ...a }));
    const perms: Permission[] = inbound.projects.map((p) => ({ kind: "project", namespace: p, access: push() }));
    if (inbound.allowProjectCreation) {
        // Harbor grants rights only on projects that exist: a robot that creates projects needs push on all of them.
        perms.push({ kind: "system", namespace: "/", access: PROJECT_CREATION_ACCESS.map((a) => ({ ...a })) });
        perms.push({ kind: "project", namespace: "*", access: push() });
    }
    return perms;
}

const hostOf = (url: string) => new URL(url).host;

/** Stack output names the prod stack exports for dev's StackReference (index.ts exports them under these names). */
export const PROD_OUTPUTS = {
    endpoint: "replicationEndpoint",
    robotName: "replicationRobotName",
    robotSecret: "replicationRobotSecret",
} as const;

/**
 * Everything inside Harbor that config declares: waits for Harbor's Ready first, then projects (members, robots,
 * retention, immutable rules), system settings, and the replication pieces (prod: the inbound system robot; dev:
 * the prod Registry and the push ReplicationPolicy). Every Harbor resource connects with the admin credentials given.
 */
export class HarborContent extends pulumi.ComponentResource {
    readonly ready: harbor.Ready;
    readonly projects: Record<string, harbor.Project>;
    /** "<project>/<robot>" → robot. */
    readonly robots: Record<string, RobotRef>;
    /** Per project: id, robot login names, docker login and pull commands. */
    readonly access: pulumi.Output<Record<string, ProjectAccess>>;
    /** Secret: "<project>/<robot>" → robot secret. */
    readonly robotSecrets: pulumi.Output<Record<string, string>>;
    /** prod: the endpoint and credentials dev replicates with (secret), for dev's StackReference. */
    readonly inbound?: { endpoint: pulumi.Output<string>; robotName: pulumi.Output<string>; robotSecret: pulumi.Output<string> };
    /** dev: the prod registry endpoint and the push policy. */
    readonly replication?: { registry: harbor.Registry; policy: harbor.ReplicationPolicy };

    constructor(name: string, args: HarborContentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:content:HarborContent`, name, {}, opts);
        const connection = pulumi.secret(pulumi.output(args.connection)) as pulumi.Output<pulumi.Unwrap<HarborAdminConnection>>;

        this.ready = new harbor.Ready(`${name}-ready`, {
            connection, timeoutSeconds: args.readyTimeoutSeconds ?? 900, trigger: args.readyTrigger,
        }, childOf(this));
        const afterReady = (extra: pulumi.Resource[] = []) => childOf(this, { dependsOn: [this.ready, ...extra] });

        this.projects = {};
        this.robots = {};
        for (const p of args.projects) {
            const project = new harbor.Project(`${name}-${p.name}`, {
                connection, name: p.name, public: p.public, storageQuotaGiB: p.storageQuotaGiB, autoScan: p.autoScan,
                preventVulnerable: p.blockPullsFrom !== undefined,
                severity: p.blockPullsFrom,
                cosignEnforced: p.cosignEnforced, autoSbom: p.autoSbom, cveAllowlist: p.cveAllowlist, forceDestroy: p.forceDestroy,
                ...(p.adopt ? { adopt: true } : {}),
            }, afterReady());
            this.projects[p.name] = project;
            const inProject = () => childOf(this, { dependsOn: [project] });
            // The project's id: a replaced project (new id) replaces what Harbor deleted or stranded with it.
            const projectId = project.projectId;
            const adopt = p.adopt ? { adopt: true } : {};

            p.members.forEach((m) => {
                const [kind, who] = "user" in m ? ["user", m.user] : ["group", m.group.name];
                new harbor.ProjectMember(`${name}-${p.name}-${kind}-${who}`, {
                    connection, project: p.name, projectId, role: m.role,
                    ...("user" in m ? { user: m.user } : { group: { name: m.group.name, type: m.group.type, ldapDn: m.group.ldapDn } }),
                }, inProject());
            });
            for (const r of p.robots) {
                const robot = new harbor.RobotAccount(`${name}-${p.name}-robot-${r.name}`, {
                    connection, name: r.name, level: "project", project: p.name, description: r.description ?? "",
                    durationDays: r.durationDays, permissions: robotPermissions(p.name, r),
                    rotateTrigger: r.rotateTrigger, projectId, ...adopt,
                }, inProject());
                this.robots[`${p.name}/${r.name}`] = { project: p.name, name: r.name, fullName: robot.fullName, secret: robot.secret, resource: robot };
            }
            if (p.retention) {
                new harbor.RetentionPolicy(`${name}-${p.name}-retention`, {
                    connection, project: p.name, projectId, schedule: p.retention.schedule,
                    rules: p.retention.rules.map((rule) => ({ ...rule })),
                }, inProject());
            }
            p.immutable.forEach((rule, i) => {
                new harbor.ImmutableTagRule(`${name}-${p.name}-immutable-${i}`, { connection, project: p.name, projectId, ...rule, ...adopt }, inProject());
            });
        }

        if (args.system) this.configureSystem(name, connection, args.system, afterReady);

        if (args.inboundReplication) {
            const inb = args.inboundReplication;
            // Its target projects must exist before Harbor accepts permissions on them.
            const targets = inb.projects.map((p) => this.projects[p]).filter((x): x is harbor.Project => x !== undefined);
            const robot = new harbor.RobotAccount(`${name}-${inb.robotName}`, {
                connection, name: inb.robotName, level: "system",
                description: "Inbound replication: pushes releases into its target projects",
                durationDays: inb.durationDays, permissions: inboundPermissions(inb), rotateTrigger: inb.rotateTrigger,
                // A target project replaced: its permission is gone from the robot (controller/robot populatePermissions), re-sent.
                ...(targets.length > 0 ? { projectIds: pulumi.all(Object.fromEntries(inb.projects.filter((n) => this.projects[n]).map((n) => [n, this.projects[n].projectId]))) } : {}),
            }, afterReady(targets));
            this.inbound = { endpoint: pulumi.output(args.connection.url), robotName: robot.fullName, robotSecret: pulumi.secret(robot.secret) };
        }

        if (args.outboundReplication) {
            const out = args.outboundReplication;
            const endpoint = this.prodEndpoint(name, out.endpoint);
            const registry = new harbor.Registry(`${name}-${out.registryName}`, {
                connection, name: out.registryName, type: "harbor", url: endpoint.url, accessKey: endpoint.username,
                accessSecret: pulumi.secret(endpoint.password), insecure: endpoint.insecure ?? false,
                description: "Production Harbor (replication target)",
            }, afterReady());
            const source = this.projects[out.sourceProject];
            const policy = new harbor.ReplicationPolicy(`${name}-${out.policyName}`, {
                connection, name: out.policyName, direction: "push", registryId: registry.registryId,
                // <source>/<repo> → <destNamespace>/<repo>: replace one path component.
                filters: { name: `${out.sourceProject}/**`, tag: { pattern: out.tagPattern } },
                trigger: out.trigger,
                // Harbor's empty namespace keeps the source's.
                destNamespace: out.destNamespace ?? "", destNamespaceReplaceCount: out.destNamespace ? 1 : 0,
                override: out.override, replicateDeletion: out.replicateDeletion, speedKbps: out.speedKbps, enabled: true,
                description: `Releases (${out.tagPattern}) of ${out.sourceProject} to production`,
            }, childOf(this, { dependsOn: [registry, ...(source ? [source] : [])] }));
            this.replication = { registry, policy };
        }

        const host = pulumi.output(args.connection.url).apply(hostOf);
        const robotList = Object.values(this.robots);
        this.access = pulumi.all([
            host,
            pulumi.all(Object.fromEntries(Object.entries(this.projects).map(([k, p]) => [k, p.projectId]))),
            pulumi.all(robotList.map((r) => r.fullName)),
        ]).apply(([h, ids, fullNames]) => {
            const out: Record<string, ProjectAccess> = {};
            for (const p of args.projects) out[p.name] = { projectId: ids[p.name], robots: {}, dockerLogin: {}, dockerPull: `docker pull ${h}/${p.name}/<image>:<tag>` };
            robotList.forEach((r, i) => {
                out[r.project].robots[r.name] = fullNames[i];
                out[r.project].dockerLogin[r.name] = `docker login ${h} --username '${fullNames[i]}' --password-stdin`;
            });
            return out;
        });
        this.robotSecrets = pulumi.secret(pulumi.all(Object.fromEntries(robotList.map((r) => [`${r.project}/${r.name}`, r.secret]))));
        this.registerOutputs({ access: this.access, robotSecrets: this.robotSecrets });
    }

    /** The prod endpoint: explicit, or from the prod stack's outputs (the robot secret stays secret). */
    private prodEndpoint(name: string, e: ReplicationEndpoint | { stackReference: string }): ReplicationEndpoint {
        if (!("stackReference" in e)) return e;
        const prod = new pulumi.StackReference(`${name}-prod-stack`, { name: e.stackReference }, { parent: this });
        return {
            url: prod.requireOutput(PROD_OUTPUTS.endpoint) as pulumi.Output<string>,
            username: prod.requireOutput(PROD_OUTPUTS.robotName) as pulumi.Output<string>,
            password: pulumi.secret(prod.requireOutput(PROD_OUTPUTS.robotSecret) as pulumi.Output<string>),
        };
    }

    private configureSystem(
        name: string, connection: pulumi.Input<harbor.ConnectionArgs>, s: SystemArgs, afterReady: () => pulumi.CustomResourceOptions,
    ): void {
        new harbor.DefaultScanner(`${name}-scanner`, { connection, scannerName: s.scanner.name, scanAllSchedule: s.scanner.scanAllSchedule }, afterReady());
        new harbor.GarbageCollectionSchedule(`${name}-gc`, {
            connection, schedule: s.gc.schedule, deleteUntagged: s.gc.deleteUntagged, workers: s.gc.workers,
        }, afterReady());
        new harbor.PurgeAuditSchedule(`${name}-audit-purge`, {
            connection, schedule: s.auditLog.purgeSchedule, retentionHours: s.auditLog.retentionHours, includeEventTypes: s.auditLog.includeEventTypes,
        }, afterReady());
        const a = s.auth;
        new harbor.SystemConfig(`${name}-system`, {
            connection,
            authMode: a.mode,
            ...(a.mode === "ldap_auth" ? {
                ldap: {
                    url: a.ldap.url, searchDn: a.ldap.searchDn, searchPassword: a.ldap.searchPassword, baseDn: a.ldap.baseDn,
                    filter: a.ldap.filter, uid: a.ldap.uid, scope: a.ldap.scope, groupBaseDn: a.ldap.groupBaseDn,
                    groupFilter: a.ldap.groupFilter, groupAttribute: a.ldap.groupAttribute, groupAdminDn: a.ldap.groupAdminDn,
                    verifyCert: a.ldap.verifyCert,
                },
            } : {}),
            ...(a.mode === "oidc_auth" ? {
                oidc: {
                    name: a.oidc.name, endpoint: a.oidc.endpoint, clientId: a.oidc.clientId, clientSecret: a.oidc.clientSecret,
                    scope: a.oidc.scope, groupsClaim: a.oidc.groupsClaim, adminGroup: a.oidc.adminGroup,
                    userClaim: a.oidc.userClaim, autoOnboard: a.oidc.autoOnboard, verifyCert: a.oidc.verifyCert,
                },
            } : {}),
            robotTokenExpirationDays: s.robotTokenExpirationDays,
            projectCreationRestriction: s.projectCreation,
            // Harbor clears forwarding with an empty endpoint (left out, the one set in Harbor would stay).
            auditLogForwardEndpoint: s.auditLog.forwardEndpoint ?? "",
            skipAuditLogDatabase: s.auditLog.skipDatabase,
        }, afterReady());
    }
}
