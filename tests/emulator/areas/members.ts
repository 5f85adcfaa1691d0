// Project members (/projects/{p}/members). Server behaviours mirrored from Harbor v2.15 (controller/member):
// - the project's creator is a projectAdmin member from the start (adding it again gives 409);
// - POST takes member_user {user_id | username} or member_group {id | ldap_group_dn | group_name + group_type};
//   an entity not yet in Harbor is searched and onboarded from the identity provider (404 when it is unknown);
// - the same entity twice in a project gives 409; role ids 1–5 (5 = limitedGuest), anything else 400;
// - Location is /api/v2.0/projects/<name or id as sent>/members/<mid>; PUT changes only the role;
// - entity_name is joined live from the user / group (a renamed group shows its new name); deleting a user, a
//   group or the project drops its memberships; DELETE of an unknown member answers 200.
import { MEMBER_ROLES, nameOfId } from "../../../harbor/rbac";
import { badRequest, conflict, created, defineArea, HarborEmulator, notFound, ok, paginate } from "../server";
import { ProjectRecord, projectsArea, resolveProject } from "./projects";
import { userGroupsArea } from "./usergroups";
import { usersArea } from "./users";

export interface MemberRecord {
    id: number;
    projectId: number;
    entityType: "u" | "g";
    entityId: number;
    roleId: number;
}

export class MembersState {
    private readonly byProject = new Map<number, MemberRecord[]>();

    constructor(private readonly emu: HarborEmulator) {}

    /** The live members of a project (creator added on first use; members of deleted entities dropped). */
    of(p: ProjectRecord): MemberRecord[] {
        let list = this.byProject.get(p.project_id);
        if (!list) {
            const owner = this.emu.area(usersArea).byName(p.owner_name);
            list = owner ? [{ id: this.emu.nextId(), projectId: p.project_id, entityType: "u", entityId: owner.user_id, roleId: 1 }] : [];
            this.byProject.set(p.project_id, list);
        }
        const live = list.filter((m) => this.entityName(m) !== undefined);
        this.byProject.set(p.project_id, live);
        return live;
    }

    entityName(m: MemberRecord): string | undefined {
        if (m.entityType === "u") return this.emu.area(usersArea).users.get(m.entityId)?.username;
        return this.emu.area(userGroupsArea).groups.get(m.entityId)?.group_name;
    }

    /** Add a member directly (a change behind the provider's back). */
    add(projectName: string, entityType: "u" | "g", entityId: number, roleId: number): MemberRecord {
        const p = this.emu.area(projectsArea).must(projectName);
        const m: MemberRecord = { id: this.emu.nextId(), projectId: p.project_id, entityType, entityId, roleId };
        this.of(p).push(m);
        return m;
    }

    find(projectName: string, mid: number): MemberRecord | undefined {
        return this.of(this.emu.area(projectsArea).must(projectName)).find((m) => m.id === mid);
    }

    remove(projectName: string, mid: number): void {
        const p = this.emu.area(projectsArea).must(projectName);
        this.byProject.set(p.project_id, this.of(p).filter((m) => m.id !== mid));
    }

    view(m: MemberRecord): Record<string, unknown> {
        return {
            id: m.id, project_id: m.projectId, entity_name: this.entityName(m), entity_type: m.entityType, entity_id: m.entityId,
            role_id: m.roleId, role_name: nameOfId(MEMBER_ROLES, m.roleId) ?? `role-${m.roleId}`,
        };
    }
}

function validRole(roleId: unknown): number {
    if (typeof roleId !== "number" || !nameOfId(MEMBER_ROLES, roleId)) throw badRequest("invalid role: must be a built-in project role (1-5) or an existing custom role");
    return roleId;
}

interface MemberBody {
    role_id?: number;
    member_user?: { user_id?: number; username?: string };
    member_group?: { id?: number; group_name?: string; group_type?: number; ldap_group_dn?: string };
}

export const membersArea = defineArea<MembersState>({
    name: "members",
    init: (emu) => new MembersState(emu),
    handlers: (state, emu) => {
        const member = (p: ProjectRecord, mid: string) => {
            const m = state.of(p).find((x) => x.id === Number(mid));
            if (!m) throw notFound(`project member ${mid}`);
            return m;
        };
        /** The entity a POST names, onboarding it as Harbor does. */
        const entity = (body: MemberBody): { type: "u" | "g"; id: number } => {
            const users = emu.area(usersArea);
            const groups = emu.area(userGroupsArea);
            const u = body.member_user ?? {};
            const g = body.member_group ?? {};
            if (u.user_id) {
                if (!users.users.has(u.user_id)) throw badRequest(`User ${u.user_id} not found`);
                return { type: "u", id: u.user_id };
            }
            if (g.id) {
                if (!groups.groups.has(g.id)) throw badRequest(`Group ${g.id} not found`);
                return { type: "g", id: g.id };
            }
            if (u.username) {
                const found = users.findOrOnboard(u.username);
                if (!found) throw notFound(`user ${u.username}`);
                return { type: "u", id: found.user_id };
            }
            if (g.ldap_group_dn) {
                const found = groups.byDn(g.ldap_group_dn) ?? groups.onboard(1, g.ldap_group_dn, g.group_name);
                if (!found) throw notFound(`LDAP group ${g.ldap_group_dn}`);
                return { type: "g", id: found.id };
            }
            if (g.group_name) {
                const found = groups.find(g.group_name, g.group_type ?? 0) ?? groups.onboard(g.group_type ?? 0, g.group_name);
                if (!found) throw notFound(`group ${g.group_name}`);
                return { type: "g", id: found.id };
            }
            throw badRequest("at least one of member_user or member_group must be provided");
        };
        return {
            listProjectMembers: (req) => {
                const name = req.query.get("entityname");
                const list = state.of(resolveProject(req)).filter((m) => !name || (state.entityName(m) ?? "").includes(name));
                return paginate(req, list.map((m) => state.view(m)));
            },
            createProjectMember: (req) => {
                const p = resolveProject(req);
                const body = req.body as MemberBody;
                const e = entity(body);
                if (state.of(p).some((m) => m.entityType === e.type && m.entityId === e.id)) throw conflict("The project member specified already exist");
                const roleId = validRole(body.role_id);
                const m: MemberRecord = { id: emu.nextId(), projectId: p.project_id, entityType: e.type, entityId: e.id, roleId };
                state.of(p).push(m);
                return created(`/projects/${encodeURIComponent(req.params.project_name_or_id)}/members`, m.id);
            },
            getProjectMember: (req) => ok(state.view(member(resolveProject(req), req.params.mid))),
            updateProjectMember: (req) => {
                const m = member(resolveProject(req), req.params.mid);
                m.roleId = validRole((req.body as { role_id?: number } | undefined)?.role_id);
                return ok();
            },
            deleteProjectMember: (req) => {
                const p = resolveProject(req);
                const list = state.of(p);
                const i = list.findIndex((m) => m.id === Number(req.params.mid));
                if (i >= 0) list.splice(i, 1);
                return ok();
            },
        };
    },
});
