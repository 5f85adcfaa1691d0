/**
 * Rules that span settings (cross-section and content checks) and the robot rules the program shares with them.
 * Each check reports through `add(path, message)`, so parsing can collect every problem at once.
 */
import { z } from "zod";
import { accessCanPush, presetAccess, RobotAccessEntry } from "../harbor/rbac";
import { HARBOR_NAME } from "./content";
import { Environment } from "./defaults";
import { getPath, isPlainObject } from "./objects";
import { HA_PARTS } from "./platform";
import { Parsed } from "./sections";
import { ProjectSettings, RobotSettings } from "./settings";

/** Rules that span settings. Only sections that parsed are checked, so no rule trips over a bad type. */
/** Thrown when a rule reads a setting that did not parse: that rule is skipped (the setting has its own error). */
class UnparsedSetting extends Error {}

/**
 * A section that failed to parse, field by field: the fields that parse on their own (nested objects recursively),
 * and the others as traps that throw UnparsedSetting when a rule reads them. So the rules across sections still run
 * on what is valid, and a rule never reports a problem that only follows from another one.
 */
export function salvageSection(schema: z.ZodType, value: unknown): unknown {
    const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
    if (!shape || typeof value !== "object" || value === null || Array.isArray(value)) return trap();
    const fields: Record<string, unknown> = {};
    const bad = new Set<string>();
    for (const [key, fieldSchema] of Object.entries(shape)) {
        const r = fieldSchema.safeParse((value as Record<string, unknown>)[key]);
        if (r.success) fields[key] = r.data;
        else if ((fieldSchema as unknown as { shape?: unknown }).shape) fields[key] = salvageSection(fieldSchema, (value as Record<string, unknown>)[key]);
        else bad.add(key);
    }
    return new Proxy(fields, {
        get: (target, key) => {
            if (typeof key === "string" && bad.has(key)) throw new UnparsedSetting(key);
            return Reflect.get(target, key);
        },
    });
}

/** A value no rule may read. */
function trap(): unknown {
    return new Proxy({}, { get: (_t, key) => { throw new UnparsedSetting(String(key)); } });
}

/** Runs each rule on its own: one that reads an unparsed setting is skipped, the others still report. */
function eachRule(rules: (() => void)[]): void {
    for (const rule of rules) {
        try {
            rule();
        } catch (err) {
            if (!(err instanceof UnparsedSetting)) throw err;
        }
    }
}

/** A section's mode as parsed, else as written: the mode checks are reported even when the mode itself is bad. */
function modeOf(parsed: () => unknown, raw: unknown): unknown {
    try {
        return parsed() ?? raw;
    } catch {
        return raw; // the section did not parse
    }
}

/**
 * Rules across platform sections. `v` holds every section: parsed, or salvaged (salvageSection) when it did not parse.
 */
export function crossChecks(
    environment: Environment,
    v: Partial<Parsed>,
    rawModes: { data?: unknown; storage?: unknown },
    add: (path: string[], message: string) => void,
): void {
    const { data, storage, replicas, trivy, ingress, aws, metrics } = v;
    eachRule([
        () => {
            if (environment !== "prod") return;
            if (modeOf(() => data?.mode, rawModes.data) === "internal") {
                add(["data", "mode"], "internal (the chart's own PostgreSQL and Redis) is allowed only for dev and pr-<n> stacks; use aws or external in prod");
            }
        },
        () => {
            if (environment !== "prod") return;
            if (modeOf(() => storage?.mode, rawModes.storage) === "minio") {
                add(["storage", "mode"], "minio (a single in-cluster MinIO) is allowed only for dev and pr-<n> stacks; use s3 in prod");
            }
        },
        ...HA_PARTS.map((part) => () => {
            if (environment !== "prod" || !replicas) return;
            if (part === "trivy" && trivy && !trivy.enabled) return;
            if (replicas[part] < 2) add(["replicas", part], "must be at least 2 in prod (high availability)");
        }),
        () => {
            if (ingress?.tlsSource === "cert-manager" && !ingress.clusterIssuer) add(["ingress", "clusterIssuer"], "is required when ingress.tlsSource is cert-manager");
        },
        () => {
            if (ingress?.tlsSource === "secret" && !ingress.tlsSecretName) {
                add(["ingress", "tlsSecretName"], "is required when ingress.tlsSource is secret (a Secret with tls.crt and tls.key)");
            }
        },
        () => {
            if (aws && (storage?.mode === "s3" || data?.mode === "aws") && !aws.region) add(["aws", "region"], "is required when storage.mode is s3 or data.mode is aws");
        },
        () => {
            if (aws && data?.mode === "aws" && !aws.vpcId) add(["aws", "vpcId"], "is required when data.mode is aws");
        },
        () => {
            if (aws && data?.mode === "aws" && aws.subnetIds.length < 2) add(["aws", "subnetIds"], "needs at least 2 private subnets in different zones when data.mode is aws");
        },
        () => {
            if (aws && data?.mode === "aws" && aws.clusterSecurityGroupIds.length === 0 && aws.allowedCidrBlocks.length === 0) {
                add(["aws", "clusterSecurityGroupIds"], "is required (or aws.allowedCidrBlocks) when data.mode is aws: the database must be reachable only from the cluster");
            }
        },
        () => {
            if (data?.mode === "external" && !data.postgres.host) add(["data", "postgres", "host"], "is required when data.mode is external");
        },
        () => {
            if (data?.mode === "external" && !data.redis.addr) add(["data", "redis", "addr"], "is required when data.mode is external (host:port)");
        },
        () => {
            if (data?.mode === "external" && v.externalDatabasePassword === undefined) {
                add(["externalDatabasePassword"], "is required when data.mode is external: pulumi config set --secret externalDatabasePassword");
            }
        },
        () => {
            if (data && data.postgres.maxIdleConns > data.postgres.maxOpenConns) add(["data", "postgres", "maxIdleConns"], "must not exceed data.postgres.maxOpenConns");
        },
        () => {
            if (!data) return;
            // RDS rejects an autoscaling threshold less than 10% above the allocated storage ("Invalid max storage size").
            const { allocatedStorageGiB: allocated, maxAllocatedStorageGiB: max } = data.postgres;
            const minimum = minAutoscalingThresholdGiB(allocated);
            if (max !== allocated && max < minimum) {
                add(["data", "postgres", "maxAllocatedStorageGiB"],
                    `must equal data.postgres.allocatedStorageGiB (${allocated}: storage autoscaling off) or be at least ${minimum} (10% more; RDS rejects less)`);
            }
        },
        () => {
            if (metrics?.serviceMonitor && !metrics.enabled) add(["metrics", "serviceMonitor"], "needs metrics.enabled true");
        },
        () => {
            if (trivy?.enabled && trivy.dbRepositories?.length === 0 && !trivy.skipUpdate) {
                add(["trivy", "dbRepositories"], "needs at least one repository unless trivy.skipUpdate is true");
            }
        },
    ]);
}

/** The smallest storage-autoscaling threshold RDS accepts for an instance with `allocatedGiB`. */
export function minAutoscalingThresholdGiB(allocatedGiB: number): number {
    return Math.ceil((allocatedGiB * 11) / 10); // integer math: 1000 * 1.1 is 1100.0000000000002
}

/**
 * A robot's project-level access as config declares it: its preset's (harbor/rbac.ts holds Harbor's permission
 * rules), or its explicit `permissions` for preset custom.
 */
export function robotAccess(r: Pick<RobotSettings, "preset" | "permissions">): RobotAccessEntry[] {
    return r.preset === "custom" ? r.permissions.map((p) => ({ resource: p.resource, action: p.action, effect: p.effect })) : presetAccess(r.preset);
}

/** Whether a robot may push into its project. */
export function robotCanPush(r: Pick<RobotSettings, "preset" | "permissions">): boolean {
    return accessCanPush(robotAccess(r));
}

/** The robot an image pushes with: the named one, else the project's first push robot. */
export function pushRobotOf(project: Pick<ProjectSettings, "robots">, robotName: string): RobotSettings | undefined {
    return robotName ? project.robots.find((r) => r.name === robotName) : project.robots.find(robotCanPush);
}

const notDeclared = (declared: Iterable<string>) => {
    const names = [...declared];
    return `is not a project declared in projects (declared: ${names.length ? names.join(", ") : "none"})`;
};

/**
 * "Names a project config does not declare", read from the raw (merged) values, so it is reported even when
 * another field of the same section is invalid (every problem at once). A name counts as declared when a project
 * is written with it, even one whose name is itself invalid: that project's own error says what is wrong, and an
 * image using it gets no second, misleading error.
 */
export function declaredProjectChecks(merged: Record<string, unknown>, add: (path: string[], message: string) => void): void {
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    const text = (o: unknown, k: string): string | undefined => {
        const x = isPlainObject(o) ? o[k] : undefined;
        return typeof x === "string" ? x : undefined;
    };
    const on = (v: unknown) => v === true || v === "true";
    const written = list(merged.projects).map((p) => text(p, "name")).filter((n): n is string => n !== undefined);
    const declared = new Set(written);
    const valid = written.filter((n) => HARBOR_NAME.test(n));
    list(merged.images).forEach((img, i) => {
        const p = text(img, "project");
        if (p !== undefined && !declared.has(p)) add(["images", String(i), "project"], `${notDeclared(valid)}; images are pushed into a declared project, never a catch-all`);
    });
    const inbound = getPath(merged, ["replication", "inbound"]);
    if (isPlainObject(inbound) && on(inbound.enabled) && !on(inbound.allowProjectCreation)) {
        list(inbound.projects).forEach((p, i) => {
            if (typeof p === "string" && HARBOR_NAME.test(p) && !declared.has(p)) {
                add(["replication", "inbound", "projects", String(i)], `${notDeclared(valid)}; declare it so it exists before replication, or set replication.inbound.allowProjectCreation`);
            }
        });
    }
    const outbound = getPath(merged, ["replication", "outbound"]);
    const source = text(outbound, "sourceProject");
    if (isPlainObject(outbound) && on(outbound.enabled) && source && HARBOR_NAME.test(source) && !declared.has(source)) {
        add(["replication", "outbound", "sourceProject"], notDeclared(valid));
    }
}

/** Index-aligned lists of the projects and images that parsed (undefined where an element is invalid). */
export interface ParsedLists {
    projects?: (Pick<ProjectSettings, "name" | "robots"> | undefined)[];
    images?: (Pick<Parsed["images"][number], "name" | "project" | "robot"> | undefined)[];
    /** The project names as written (index-aligned with projects). */
    projectNames: unknown[];
}

/**
 * Rules across the content sections (images and their push robots, replication, authentication, required
 * secrets). Rules within one project or image live in the schema (config/content.ts), so they run even when a
 * sibling field is invalid.
 */
export function contentChecks(v: Partial<Parsed>, lists: ParsedLists, add: (path: string[], message: string) => void): void {
    const { replication, system, existingHarbor } = v;
    const { projects, images } = lists;
    if (projects && images) {
        // The first declaration of each name wins (a second is reported as a duplicate); undefined: that project
        // is invalid, and its own errors say why, so its images get no follow-on error.
        const byName = new Map<unknown, Pick<ProjectSettings, "name" | "robots"> | undefined>();
        lists.projectNames.forEach((name, i) => {
            if (!byName.has(name)) byName.set(name, projects[i]);
        });
        images.forEach((img, i) => {
            if (!img) return;
            const at = (k: string) => ["images", String(i), k];
            const project = byName.get(img.project);
            if (!project) return; // undeclared (declaredProjectChecks) or invalid (its own errors)
            const robot = pushRobotOf(project, img.robot);
            if (img.robot && !robot) add(at("robot"), `is not a robot of project ${img.project} (robots: ${project.robots.map((r) => r.name).join(", ") || "none"})`);
            else if (robot && !robotCanPush(robot)) add(at("robot"), `robot ${robot.name} cannot push (preset ${robot.preset}); use a robot with preset push`);
            else if (!robot) add(at("project"), `project ${img.project} has no robot that can push; add one with preset push (CI pushes with it)`);
        });
    }
    if (replication) {
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
