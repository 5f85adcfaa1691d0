/**
 * Content sections (projects, images, system, existingHarbor, replication): what lives inside Harbor.
 * Values here are AFTER defaults are merged in.
 */
import { z } from "zod";
import { scheduleProblem } from "../harbor/cron";
import { accessProblem } from "../harbor/rbac";
import { GROUP_TYPE_NAMES } from "../harbor/group";
import { SEVERITIES } from "../harbor/project";
import { MEMBER_ROLE_NAMES } from "../harbor/projectMember";
import { RETENTION_TEMPLATES } from "../harbor/retentionPolicy";
import { REPO_DECORATIONS, TAG_DECORATIONS } from "../harbor/selectors";
import { bool, fromString, int, numberAsText, obj, oneOf, optStr, rule, str, strList, strMap, text } from "./validators";

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

const harborName = (what: string) => str(`${what} (${NAME_RULE}, at most 255)`, HARBOR_NAME);
const SCHEDULE_HINT = 'a 5-field cron like "0 2 * * *", or hourly, daily, weekly, or "" for none';
/** A schedule as users write it (5-field cron or preset); `extra` adds a rule (e.g. replication's). */
const schedule = (extra?: (s: string) => string | undefined) =>
    z.preprocess(numberAsText, z.string({ error: SCHEDULE_HINT }).superRefine((v, ctx) => {
        const problem = scheduleProblem(v) ?? extra?.(v);
        if (problem) ctx.addIssue({ code: "custom", message: `${SCHEDULE_HINT}; ${problem}` });
    }));
const gate = () => oneOf(["off", ...SEVERITIES] as const);
const DAYS = "a number of days from 1 to 3650, or -1 for never";
const days = () => z.preprocess(fromString, z.number({ error: DAYS }).int({ error: DAYS }).refine((n) => n === -1 || (n >= 1 && n <= 3650), { error: DAYS }));
const QUOTA = "a storage quota in GiB (more than 0, at most 1048576), or -1 for unlimited";

const memberSchema = obj({
    user: str("a Harbor user name").optional(),
    group: str("a group name").optional(),
    groupType: oneOf(GROUP_TYPE_NAMES).optional(),
    ldapDn: str("the group's LDAP DN like cn=devs,ou=groups,dc=example,dc=com").optional(),
    role: oneOf(MEMBER_ROLE_NAMES),
}).superRefine(...rule<{ user?: string; group?: string; groupType?: string; ldapDn?: string }>([["user"], ["group"], ["groupType"], ["ldapDn"]], (m, add) => {
    if ((m.user === undefined) === (m.group === undefined)) add([], "needs exactly one of user or group");
    if (m.group !== undefined && m.groupType === undefined) add(["groupType"], "is required for a group member: ldap, oidc or http");
    if (m.groupType === "ldap" && !m.ldapDn) add(["ldapDn"], "is required for an LDAP group (its DN)");
    if (m.ldapDn && m.groupType !== "ldap") add(["ldapDn"], "is only for groupType ldap");
    if (m.user !== undefined && m.groupType !== undefined) add(["groupType"], "is only for group members");
}));
const robotSchema = obj({
    name: harborName("a robot name"),
    /** push = push and pull on its own project; pull = pull only; custom = `permissions`. */
    preset: oneOf(["push", "pull", "custom"] as const).default("push"),
    permissions: z.array(obj({
        resource: str("a project-level resource like repository or artifact"),
        action: str("an action like pull, push, read or list"),
        effect: oneOf(["allow", "deny"] as const).default("allow"),
    }).superRefine(...rule<{ resource: string; action: string }>([["resource"], ["action"]], (perm, add) => {
        const problem = accessProblem("project", perm.resource, perm.action);
        if (problem) add([], problem);
    })), { error: "a list of {resource, action}" }).default([]),
    durationDays: days().default(90),
    description: text().default(""),
    /** Change it (any value) to rotate the robot's secret. */
    rotateTrigger: text().default(""),
}).superRefine(...rule<{ preset: string; permissions: unknown[] }>([["preset"], ["permissions"]], (r, add) => {
    if (r.preset === "custom" && r.permissions.length === 0) add(["permissions"], "is required for preset custom (a list of {resource, action})");
    if (r.preset !== "custom" && r.permissions.length > 0) add(["permissions"], `must be empty for preset ${r.preset} (use preset custom for explicit permissions)`);
}));
const retentionSchema = obj({
    schedule: schedule().default("daily"),
    rules: z.array(obj({
        template: oneOf(RETENTION_TEMPLATES),
        value: int(1, 100_000).optional(),
        tagPattern: str("a tag pattern like v* or **").default("**"),
        tagDecoration: oneOf(TAG_DECORATIONS).default("matches"),
        untagged: bool().default(false),
        repoPattern: str("a repository pattern like ** or go-*").default("**"),
        repoDecoration: oneOf(REPO_DECORATIONS).default("repoMatches"),
    }).superRefine(...rule<{ template: string; value?: number }>([["template"], ["value"]], (r, add) => {
        if (r.template !== "always" && r.value === undefined) add(["value"], `is required for template ${r.template} (a count or a number of days)`);
        if (r.template === "always" && r.value !== undefined) add(["value"], "must not be set for template always");
    })), { error: "a list of retention rules" }).min(1, { error: "at least 1 rule" }).max(15, { error: "at most 15 rules (Harbor's limit)" }),
});
const immutableSchema = obj({
    tagPattern: str("a tag pattern like v*"),
    tagDecoration: oneOf(TAG_DECORATIONS).default("matches"),
    repoPattern: str("a repository pattern like **").default("**"),
    repoDecoration: oneOf(REPO_DECORATIONS).default("repoMatches"),
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
    /**
     * Take over what already exists in Harbor under the declared names (the project, its robots, its immutable
     * rules) and converge it to this config, instead of failing with Harbor's 409. Adopted robots get a new secret.
     */
    adopt: bool().default(false),
}).superRefine(...rule<{ name: unknown; robots: { name: string }[] }>([["robots", "*", "name"]], (p, add) => {
    const robots = new Set<string>();
    p.robots.forEach((r, j) => {
        if (robots.has(r.name)) add(["robots", j, "name"], `is declared twice in project ${typeof p.name === "string" ? p.name : "(unnamed)"}`);
        robots.add(r.name);
    });
}));
const imageSchema = obj({
    name: str(`a repository name like go-app or team/go-app (${NAME_RULE}; '/' between parts)`, REPOSITORY),
    // Any text: whether it names a declared project is checked against projects (declaredProjectChecks), so a
    // project name that is itself invalid is reported once, at the project.
    project: str("the name of a project declared in projects"),
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

export const contentSections = {
    projects: z.array(projectSchema, { error: "a list of projects" }).superRefine(...rule<{ name: string }[]>([["*", "name"]], (list, add) => {
        const seen = new Set<string>();
        list.forEach((p, i) => {
            if (seen.has(p.name)) add([i, "name"], "is declared twice; project names are unique");
            seen.add(p.name);
        });
    })),
    images: z.array(imageSchema, { error: "a list of images" }).superRefine(...rule<{ name: string; project: string }[]>([["*", "name"], ["*", "project"]], (list, add) => {
        const seen = new Set<string>();
        list.forEach((img, i) => {
            if (seen.has(`${img.project}/${img.name}`)) add([i, "name"], `is declared twice in project ${img.project}`);
            seen.add(`${img.project}/${img.name}`);
        });
    })),
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
