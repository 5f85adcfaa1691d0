/**
 * Policies on the content inside Harbor (the `pulumi-nodejs:dynamic/harbor:*` resources) and on the images the
 * program builds: robot accounts expire and are not system admins; every project has a retention policy and an
 * immutable rule for release tags; image tags are SemVer.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { globMatches, imageTag, isExactSemver, isNonEmptyString, isPlainObject, read, show, UNKNOWN, withDefaults } from "./helpers";

export const harborType = (t: string): string => `pulumi-nodejs:dynamic/harbor:${t}`;
export const ROBOT_TYPE = harborType("RobotAccount");
export const SYSTEM_CONFIG_TYPE = harborType("SystemConfig");
export const PROJECT_TYPE = harborType("Project");
export const RETENTION_TYPE = harborType("RetentionPolicy");
export const IMMUTABLE_RULE_TYPE = harborType("ImmutableTagRule");

export interface RobotExpiryConfig {
    /** Longest robot lifetime allowed, in days. */
    maxDurationDays: number;
}

export const robotAccountExpires: ResourceValidationPolicy = {
    name: "harbor-robot-expires",
    description: "Harbor robot accounts expire: durationDays is set, not -1 (never) and at most maxDurationDays (90 by default). The system-wide robot default obeys the same limit.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set durationDays (e.g. 90) and rotate the secret with rotateTrigger before it expires.",
    configSchema: { properties: { maxDurationDays: { type: "integer", minimum: 1, default: 90 } } },
    validateResource: (args, report) => {
        const cfg = withDefaults<RobotExpiryConfig>({ maxDurationDays: 90 }, args.getConfig<RobotExpiryConfig>());
        const [key, label] = args.type === ROBOT_TYPE ? ["durationDays", `Robot account "${args.name}"`]
            : args.type === SYSTEM_CONFIG_TYPE ? ["robotTokenExpirationDays", `Harbor system config "${args.name}"`]
            : [undefined, ""];
        if (!key) {
            return;
        }
        const days = read(args.props, [key]);
        if (days === UNKNOWN || (days === undefined && args.type === SYSTEM_CONFIG_TYPE)) {
            return;
        }
        if (days === -1) {
            report(`${label}: ${key} is -1 (never expires); at most ${cfg.maxDurationDays} days are allowed.`);
        } else if (typeof days !== "number" || !Number.isInteger(days) || days < 1) {
            report(`${label}: ${key} is ${show(days)}; set a whole number of days between 1 and ${cfg.maxDurationDays}.`);
        } else if (days > cfg.maxDurationDays) {
            report(`${label}: ${key} is ${days}; at most ${cfg.maxDurationDays} days are allowed (policy config maxDurationDays).`);
        }
    },
};

/** System-scope resources whose write actions administer the whole instance (users, robots, registries, config...). */
export const ADMIN_SYSTEM_RESOURCES = [
    "user", "user-group", "ldap-user", "robot", "registry", "replication-policy", "replication", "scanner",
    "scan-all", "garbage-collection", "purge-audit", "quota", "preheat-instance", "jobservice-monitor", "configuration",
];
/** Project-scope resources whose write actions on ALL projects (namespace "*") amount to admin. */
const ADMIN_ALL_PROJECTS_RESOURCES = ["member", "robot", "project", "immutable-tag", "tag-retention", "metadata"];
const READ_ACTIONS = ["read", "list", "pull"];

export interface RobotPermission {
    kind?: string;
    namespace?: string;
    access?: { resource?: string; action?: string; effect?: string }[];
}

/** The admin-level grants in a robot's permissions, as "kind namespace resource:action" strings. */
export function adminGrants(permissions: unknown): string[] {
    const out: string[] = [];
    for (const p of Array.isArray(permissions) ? (permissions as RobotPermission[]) : []) {
        if (!isPlainObject(p)) {
            continue;
        }
        for (const a of Array.isArray(p.access) ? p.access : []) {
            if (!isPlainObject(a) || a.effect === "deny") {
                continue;
            }
            const resource = String(a.resource ?? "");
            const action = String(a.action ?? "");
            const write = action === "*" || !READ_ACTIONS.includes(action);
            const admin = resource === "*"
                || (p.kind === "system" && write && ADMIN_SYSTEM_RESOURCES.includes(resource))
                || (p.kind === "project" && p.namespace === "*" && write && ADMIN_ALL_PROJECTS_RESOURCES.includes(resource));
            if (admin) {
                out.push(`${p.kind} ${p.namespace ?? ""} ${resource}:${action}`.replace(/\s+/g, " "));
            }
        }
    }
    return out;
}

export interface RobotAdminConfig {
    /** Robot names (the `name` input) allowed to hold admin permissions; "*" allows all. */
    allowedAdminRobots: string[];
}

export const robotAccountNotAdmin: ResourceValidationPolicy = {
    name: "harbor-robot-no-system-admin",
    description: "Harbor robot accounts hold no system-wide admin permissions (users, robots, registries, replication, scanners, GC, quotas, configuration, or \"*\"), unless the robot is listed in allowedAdminRobots.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: { properties: { allowedAdminRobots: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
        if (args.type !== ROBOT_TYPE) {
            return;
        }
        const cfg = withDefaults<RobotAdminConfig>({ allowedAdminRobots: [] }, args.getConfig<RobotAdminConfig>());
        const name = read(args.props, ["name"]);
        if (cfg.allowedAdminRobots.includes("*") || (typeof name === "string" && cfg.allowedAdminRobots.includes(name))) {
            return;
        }
        const permissions = read(args.props, ["permissions"]);
        if (permissions === UNKNOWN) {
            return;
        }
        const grants = adminGrants(permissions);
        if (grants.length > 0) {
            report(`Robot account "${args.name}" holds admin permissions: ${grants.join(", ")}. Narrow them, or add the robot's name to the policy config allowedAdminRobots.`);
        }
    },
};

/** Does a RetentionPolicy / ImmutableTagRule belong to this project (dependency on it, or same project name)? */
export function belongsToProject(rule: PolicyResource, project: PolicyResource): boolean {
    const deps = rule.propertyDependencies?.["project"] ?? [];
    if (deps.some((d) => d.urn === project.urn)) {
        return true;
    }
    const ref = read(rule.props, ["project"]);
    const name = read(project.props, ["name"]);
    return isNonEmptyString(ref) && ref === name;
}

/** Proxy-cache projects get Harbor's own retention policy and mirror upstream tags, so they are exempt. */
function isProxyCache(project: PolicyResource): boolean {
    const id = read(project.props, ["registryId"]);
    return id === UNKNOWN || (id !== undefined && id !== null && id !== 0 && id !== "");
}

function projectsOf(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === PROJECT_TYPE && !isProxyCache(r));
}

function projectLabel(p: PolicyResource): string {
    const name = read(p.props, ["name"]);
    return typeof name === "string" ? `"${name}"` : `"${p.name}"`;
}

export const projectHasRetention: StackValidationPolicy = {
    name: "harbor-project-retention",
    description: "Every Harbor project (except proxy caches) has a RetentionPolicy with at least one enabled rule.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, report) => {
        const policies = args.resources.filter((r) => r.type === RETENTION_TYPE);
        for (const project of projectsOf(args.resources)) {
            const mine = policies.filter((p) => belongsToProject(p, project));
            if (mine.length === 0) {
                report(`Harbor project ${projectLabel(project)} has no RetentionPolicy; storage grows without bound.`, project.urn);
                continue;
            }
            const enabled = mine.some((p) => {
                const rules = read(p.props, ["rules"]);
                return rules === UNKNOWN || (Array.isArray(rules) && rules.some((r) => read(r, ["disabled"]) !== true));
            });
            if (!enabled) {
                report(`Harbor project ${projectLabel(project)}: its RetentionPolicy has no enabled rule.`, project.urn);
            }
        }
    },
};

export interface ImmutableConfig {
    /** Example release tags; an enabled rule must make at least one of them immutable. */
    releaseTagExamples: string[];
}

/** Does an immutable-rule's props protect `tag` in a repository named `repo`? UNKNOWN when not known. */
export function ruleProtects(props: Record<string, unknown>, tag: string, repo = "app"): boolean | typeof UNKNOWN {
    const fields = ["disabled", "tagPattern", "tagDecoration", "repoPattern", "repoDecoration"].map((f) => read(props, [f]));
    if (fields.includes(UNKNOWN)) {
        return UNKNOWN;
    }
    const [disabled, tagPattern, tagDecoration, repoPattern, repoDecoration] = fields;
    if (disabled === true || typeof tagPattern !== "string") {
        return false;
    }
    const tagHit = globMatches(tagPattern, tag);
    const tagOk = tagDecoration === "excludes" ? !tagHit : tagHit;
    const repoHit = typeof repoPattern === "string" ? globMatches(repoPattern, repo) : true;
    const repoOk = repoDecoration === "repoExcludes" ? !repoHit : repoHit;
    return tagOk && repoOk;
}

export const projectHasImmutableReleaseTags: StackValidationPolicy = {
    name: "harbor-project-immutable-release-tags",
    description: "Every Harbor project (except proxy caches) has an enabled ImmutableTagRule that matches release tags (e.g. v1.2.3 or 1.2.3), so a release can never be overwritten.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { releaseTagExamples: { type: "array", items: { type: "string" }, default: ["v1.2.3", "1.2.3"] } } },
    validateStack: (args, report) => {
        const cfg = withDefaults<ImmutableConfig>({ releaseTagExamples: ["v1.2.3", "1.2.3"] }, args.getConfig<ImmutableConfig>());
        const rules = args.resources.filter((r) => r.type === IMMUTABLE_RULE_TYPE);
        for (const project of projectsOf(args.resources)) {
            const mine = rules.filter((r) => belongsToProject(r, project));
            if (mine.length === 0) {
                report(`Harbor project ${projectLabel(project)} has no ImmutableTagRule; release tags can be overwritten.`, project.urn);
                continue;
            }
            const verdicts = mine.flatMap((r) => cfg.releaseTagExamples.map((t) => ruleProtects(r.props, t)));
            if (!verdicts.some((v) => v === true || v === UNKNOWN)) {
                report(`Harbor project ${projectLabel(project)}: no enabled ImmutableTagRule matches a release tag (${cfg.releaseTagExamples.join(", ")}); use e.g. tagPattern "v*" or "{v,}[0-9]*".`, project.urn);
            }
        }
    },
};

export const DOCKER_IMAGE_TYPE = "docker:index/image:Image";
export const DOCKER_TAG_TYPE = "docker:index/tag:Tag";
export const DOCKER_REGISTRY_IMAGE_TYPE = "docker:index/registryImage:RegistryImage";
export const DOCKER_BUILD_IMAGE_TYPE = "docker-build:index:Image";

/** The image references a resource publishes (built/tagged/pushed), by type. */
export function publishedImageRefs(type: string, props: Record<string, unknown>): unknown[] {
    switch (type) {
        case DOCKER_IMAGE_TYPE:
            return [read(props, ["imageName"])];
        case DOCKER_TAG_TYPE:
            return [read(props, ["targetImage"])];
        case DOCKER_REGISTRY_IMAGE_TYPE:
            return [read(props, ["name"])];
        case DOCKER_BUILD_IMAGE_TYPE: {
            const tags = read(props, ["tags"]);
            return tags === UNKNOWN ? [UNKNOWN] : Array.isArray(tags) ? tags.map((_t, i) => read(tags, [String(i)])) : [];
        }
        default:
            return [];
    }
}

export interface ImageSemverConfig {
    /** Accept a leading "v" (v1.2.3). */
    allowVPrefix: boolean;
}

export const imageVersionSemver: ResourceValidationPolicy = {
    name: "image-version-semver",
    description: "Images the program builds or pushes carry an explicit SemVer tag (1.2.3 or v1.2.3; not latest, not a branch name, not untagged).",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: { properties: { allowVPrefix: { type: "boolean", default: true } } },
    validateResource: (args, report) => {
        const refs = publishedImageRefs(args.type, args.props);
        if (refs.length === 0) {
            return;
        }
        const cfg = withDefaults<ImageSemverConfig>({ allowVPrefix: true }, args.getConfig<ImageSemverConfig>());
        for (const ref of refs) {
            if (ref === UNKNOWN || ref === undefined) {
                continue;
            }
            if (typeof ref !== "string") {
                continue;
            }
            const tag = imageTag(ref);
            if (tag === undefined || !isExactSemver(tag, cfg.allowVPrefix)) {
                report(`Image "${ref}" (${args.name}): tag ${show(tag ?? "(none, i.e. latest)")} is not SemVer; tag releases like ${cfg.allowVPrefix ? "v1.2.3 or " : ""}1.2.3.`);
            }
        }
    },
};

export const harborContentPolicies = [
    robotAccountExpires, robotAccountNotAdmin, projectHasRetention, projectHasImmutableReleaseTags, imageVersionSemver,
];
