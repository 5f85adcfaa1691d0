// Harbor's RBAC vocabulary that robot accounts and project members use (Harbor's src/common/rbac).
// Pure data, no imports: used by the providers and shared with the test emulator (which checks
// requests against the same table; tests/harbor/rbac.spec.ts checks the table against Harbor's lists as contract/harbor-rbac.json carries them).

/** The (resource → actions) pairs Harbor accepts in a robot permission, per permission kind (src/common/rbac/const.go). */
export const ROBOT_ACCESS: Readonly<Record<"system" | "project", Readonly<Record<string, readonly string[]>>>> = {
    system: {
        "audit-log": ["list"],
        catalog: ["read"],
        "garbage-collection": ["read", "create", "list", "update", "stop"],
        "jobservice-monitor": ["list", "stop"],
        label: ["read", "create", "delete", "update"],
        "preheat-instance": ["create", "read", "update", "delete", "list"],
        project: ["list", "create"],
        "purge-audit": ["read", "create", "list", "update", "stop"],
        quota: ["read", "list", "update"],
        registry: ["create", "read", "update", "delete", "list"],
        replication: ["read", "create", "list"],
        "replication-adapter": ["list"],
        "replication-policy": ["create", "read", "update", "delete", "list"],
        "scan-all": ["read", "update", "stop", "create"],
        scanner: ["create", "read", "update", "delete", "list"],
        "security-hub": ["read", "list"],
        "system-volumes": ["read"],
        robot: ["create", "read", "list", "delete"],
        user: ["create", "read", "update", "delete", "list"],
        "user-group": ["create", "read", "update", "delete", "list"],
        "ldap-user": ["create", "list"],
    },
    project: {
        accessory: ["list"],
        artifact: ["read", "create", "list", "delete"],
        "artifact-addition": ["read"],
        "artifact-label": ["create", "delete"],
        "immutable-tag": ["create", "delete", "list", "update"],
        label: ["create", "read", "update", "delete", "list"],
        log: ["list"],
        metadata: ["create", "read", "update", "delete", "list"],
        "notification-policy": ["create", "read", "update", "delete", "list"],
        "preheat-policy": ["create", "read", "update", "delete", "list"],
        project: ["read", "delete", "update"],
        quota: ["read"],
        repository: ["read", "update", "delete", "list", "pull", "push"],
        sbom: ["create", "stop", "read"],
        scan: ["create", "read", "stop"],
        scanner: ["create", "read"],
        tag: ["create", "list", "delete"],
        "tag-retention": ["create", "read", "update", "delete", "list"],
        robot: ["create", "read", "list", "delete"],
        "export-cve": ["create", "read"],
        member: ["create", "read", "update", "delete", "list"],
    },
};

/** Why (kind, resource, action) is not allowed, or undefined when it is. */
export function accessProblem(kind: "system" | "project", resource: string, action: string): string | undefined {
    const table = ROBOT_ACCESS[kind];
    const actions = Object.prototype.hasOwnProperty.call(table, resource) ? table[resource] : undefined;
    if (!actions) return `resource "${resource}" is not a ${kind}-level resource (allowed: ${Object.keys(table).sort().join(", ")})`;
    if (!actions.includes(action)) return `action "${action}" is not allowed on ${kind} resource "${resource}" (allowed: ${actions.join(", ")})`;
    return undefined;
}

/** Project member roles and their Harbor role ids (limitedGuest = 5 is accepted though the spec text lists 1–4). */
export const MEMBER_ROLES = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 } as const;
export type MemberRole = keyof typeof MEMBER_ROLES;

/** Group types and their Harbor ids. */
export const GROUP_TYPES = { ldap: 1, http: 2, oidc: 3 } as const;
export type GroupType = keyof typeof GROUP_TYPES;

/** Reverse lookup of a numeric id in one of the maps above. */
export function nameOfId<K extends string>(map: Readonly<Record<K, number>>, id: number | undefined): K | undefined {
    return (Object.keys(map) as K[]).find((k) => map[k] === id);
}

/** Harbor's password / secret rule: 8–128 characters with an upper-case letter, a lower-case letter and a digit. */
export function passwordProblem(value: string): string | undefined {
    if (value.length < 8 || value.length > 128) return "must be 8 to 128 characters long";
    if (!/[a-z]/.test(value) || !/[A-Z]/.test(value) || !/[0-9]/.test(value)) return "must contain an upper-case letter, a lower-case letter and a digit";
    return undefined;
}

/** One (resource, action) grant of a robot permission; `effect` absent means allow. */
export interface RobotAccessEntry {
    resource: string;
    action: string;
    effect?: "allow" | "deny";
}

/** Project-level access a robot needs to push (and pull: docker push reads the layers it mounts). */
export const PUSH_ACCESS: readonly Readonly<RobotAccessEntry>[] = [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }];
/** Project-level access of a pull-only robot. */
export const PULL_ACCESS: readonly Readonly<RobotAccessEntry>[] = [{ resource: "repository", action: "pull" }];
/** System-level access a robot needs to create projects (and find the ones that exist). */
export const PROJECT_CREATION_ACCESS: readonly Readonly<RobotAccessEntry>[] = [{ resource: "project", action: "create" }, { resource: "project", action: "list" }];

/** The project-level access of a robot preset (`push`, `pull`), each entry a fresh copy. */
export function presetAccess(preset: "push" | "pull"): RobotAccessEntry[] {
    return (preset === "push" ? PUSH_ACCESS : PULL_ACCESS).map((a) => ({ ...a }));
}

/** Whether a project-level access list lets a robot push: an allowed repository push. */
export function accessCanPush(access: readonly RobotAccessEntry[]): boolean {
    return access.some((a) => a.resource === "repository" && a.action === "push" && (a.effect ?? "allow") === "allow");
}
