// Harbor's access rules for users who are NOT system administrators (a project admin, as teams without Harbor's
// admin password connect), applied by the server before any handler runs. System admins pass everything.
//
// Mirrored from Harbor v2.15.2:
// - system-level APIs answer 403 (code FORBIDDEN, message = the user name) to anyone without the system
//   permission: /quotas (src/server/v2.0/handler/quota.go, every handler: RequireSystemAccess), /configurations
//   (handler/config.go, GetConfigurations/UpdateConfigurations), scanner registrations, the scan-all/GC/purge
//   schedules, registries and replication policies (their handlers' RequireSystemAccess);
// - project-scoped APIs check the caller's role in the project (handler/base.go, RequireProjectAccess). A project
//   addressed by a name that does not exist resolves to project id 0 (HasProjectPermission: a NotFound becomes
//   an empty project), where a non-admin holds no permission: the answer is 403 "forbidden", NOT 404. Only a
//   system admin (who may do anything anywhere) gets the handler's 404;
// - a project label is checked against its project (handler/label.go, requireAccess), a global one needs the
//   system permission;
// - members of a project: projectAdmin (1) and maintainer (4) may change things in it, every role may read
//   (src/common/rbac/project/rbac_role.go, simplified to read vs write); a public project is readable by anyone.
import { HarborError, HarborEmulator, EmuRequest } from "./server";
import { configurationsArea } from "./areas/configurations";
import { labelsArea } from "./areas/labels";
import { membersArea } from "./areas/members";
import { projectsArea, ProjectRecord } from "./areas/projects";
import { UserRecord, usersArea } from "./areas/users";

/** Operations only a system admin may call (each handler starts with RequireSystemAccess). */
export const SYSTEM_ONLY = new Set([
    "listQuotas", "getQuota", "updateQuota",
    "getConfigurations", "updateConfigurations",
    "listScanners", "createScanner", "pingScanner", "deleteScanner", "getScanner", "setScannerAsDefault", "updateScanner", "getScannerMetadata",
    "getScanAllSchedule", "createScanAllSchedule", "updateScanAllSchedule", "stopScanAll",
    "getGCHistory", "getGCSchedule", "createGCSchedule", "updateGCSchedule", "getGC", "stopGC", "getGCLog",
    "getPurgeHistory", "getPurgeSchedule", "createPurgeSchedule", "updatePurgeSchedule", "getPurgeJob", "stopPurge", "getPurgeJobLog",
    "listRegistries", "createRegistry", "pingRegistry", "deleteRegistry", "getRegistry", "updateRegistry", "getRegistryInfo",
    "listReplicationPolicies", "createReplicationPolicy", "deleteReplicationPolicy", "getReplicationPolicy", "updateReplicationPolicy", "startReplication",
    "listUsers", "createUser", "deleteUser", "setUserSysAdmin",
]);

const WRITE_ROLES = new Set([1, 4]);

function area<S>(emu: HarborEmulator, a: Parameters<HarborEmulator["area"]>[0]): S | undefined {
    try {
        return emu.area(a) as S;
    } catch {
        return undefined;
    }
}

/** A local user of the users area (undefined when the area is not installed or the name is unknown). */
export function localUser(emu: HarborEmulator, username: string): UserRecord | undefined {
    return area<ReturnType<typeof usersArea.init>>(emu, usersArea)?.byName(username);
}

/** RequireSystemAccess's refusal: 403 with the user name as the message (handler/base.go). */
const systemForbidden = (user: string) => new HarborError(403, "FORBIDDEN", user);
/** RequireProjectAccess's refusal: 403 "forbidden" (handler/base.go). */
const projectForbidden = () => new HarborError(403, "FORBIDDEN", "forbidden");

/** The role ids `user` holds in project `p` (none for a missing project: Harbor's project id 0). */
function rolesIn(emu: HarborEmulator, p: ProjectRecord | undefined, user: string): number[] {
    if (!p) return [];
    const u = localUser(emu, user);
    const members = area<ReturnType<typeof membersArea.init>>(emu, membersArea);
    if (!u || !members) return [];
    return members.of(p).filter((m) => m.entityType === "u" && m.entityId === u.user_id).map((m) => m.roleId);
}

/** May `user` do `method` in project `p`? (undefined p = a name or id that does not exist) */
export function projectAllows(emu: HarborEmulator, p: ProjectRecord | undefined, user: string, method: string): boolean {
    const read = method === "GET" || method === "HEAD";
    if (p && read && p.metadata.public === "true") return true;
    const roles = rolesIn(emu, p, user);
    return read ? roles.length > 0 : roles.some((r) => WRITE_ROLES.has(r));
}

/** Throws Harbor's 403 when a non-admin may not make this request; system admins and anonymous calls pass. */
export function authorize(req: EmuRequest): void {
    if (!req.user || req.admin) return;
    const emu = req.emu;
    if (SYSTEM_ONLY.has(req.operationId)) throw systemForbidden(req.user);
    const projects = area<ReturnType<typeof projectsArea.init>>(emu, projectsArea);
    if (!projects) return;
    const nameOrId = req.params["project_name_or_id"] ?? req.params["project_name"];
    if (nameOrId !== undefined) {
        const p = req.params["project_name_or_id"] !== undefined ? projects.lookup(nameOrId, req.byName) : projects.byName(nameOrId);
        if (!projectAllows(emu, p, req.user, req.method)) throw projectForbidden();
        return;
    }
    if (["CreateLabel", "ListLabels", "GetLabelByID", "UpdateLabel", "DeleteLabel"].includes(req.operationId)) authorizeLabel(req, projects);
}

function authorizeLabel(req: EmuRequest, projects: ReturnType<typeof projectsArea.init>): void {
    const user = req.user!;
    let scope: string | null | undefined;
    let projectId: number | undefined;
    if (req.operationId === "CreateLabel") {
        scope = (req.body as { scope?: string })?.scope;
        projectId = (req.body as { project_id?: number })?.project_id;
    } else if (req.operationId === "ListLabels") {
        scope = req.query.get("scope");
        projectId = Number(req.query.get("project_id") ?? 0);
        if (scope !== "p") return; // global labels are listed for anyone signed in
    } else {
        const label = area<ReturnType<typeof labelsArea.init>>(req.emu, labelsArea)?.labels.get(Number(req.params.label_id));
        if (!label) return; // the handler's 404 comes first (GetLabelByID)
        scope = label.scope;
        projectId = label.project_id;
    }
    if (scope === "g") throw systemForbidden(user);
    const method = req.operationId === "ListLabels" ? "GET" : req.method;
    if (!projectAllows(req.emu, projects.projects.get(projectId ?? 0), user, method)) throw projectForbidden();
}

/** Whether a non-admin may create projects (configuration project_creation_restriction; handler/project.go). */
export function everyoneMayCreateProjects(emu: HarborEmulator): boolean {
    return area<ReturnType<typeof configurationsArea.init>>(emu, configurationsArea)?.values.project_creation_restriction !== "adminonly";
}

/**
 * Test helper: a local user who is NOT a system admin and is projectAdmin of `projects` (each must exist), as a
 * team without Harbor's admin password would connect. Returns the user name and password to connect with.
 */
export function addProjectAdmin(emu: HarborEmulator, username: string, projects: string[] = [], password = "Project-Adm1n"): { username: string; password: string } {
    const users = emu.area(usersArea);
    const u = users.byName(username) ?? users.seed(username, { password, sysadmin: false });
    for (const name of projects) emu.area(membersArea).add(name, "u", u.user_id, 1);
    return { username, password: u.password };
}
