// ProjectMember: a user or a group (LDAP, HTTP or OIDC) in a project, with a role (projectAdmin, maintainer,
// developer, guest, limitedGuest). Only the role changes in place; project, user and group replace the membership.
//
// Harbor quirks handled (see harbor/README.md, ProjectMember; Harbor's controller/member): POST onboards a user or
// group that Harbor does not know yet from LDAP/OIDC/HTTP auth; the same entity twice gives 409 (e.g. the project's
// creator is already a projectAdmin): the membership is adopted ONLY when it is exactly this entity (same user; same
// group type and name, or same DN for LDAP), its role then set; anything else is a clear error. limitedGuest is
// role 5, accepted though the spec text lists 1–4. An LDAP group is identified by its DN (Harbor may name it after
// the DN on a name clash), so its `name` is only the name given when Harbor onboards it.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, isConflict, seg } from "./client";
import { boolField, Field, objectField, oneOfField, projectIdField, refined, stringField, ValuesOf } from "./fields";
import { GROUP_TYPE_NAMES, normaliseDn } from "./group";
import { diffManaged, HarborProvider, partialCreateError, pick, requireState, withProjectIdDiff, HARBOR_NAME_RE } from "./provider";
import { GROUP_TYPES, MEMBER_ROLES, MemberRole, nameOfId } from "./rbac";
import { dynamicProps, HarborResource } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";
import { ArgsOf, declareResource, InputsOf, optionalInput, requiredInput } from "./schema";

export const MEMBER_ROLE_NAMES = Object.keys(MEMBER_ROLES) as MemberRole[];

/** A group member: by name + type, an LDAP group by its DN (its identity; `name` is only what Harbor calls it when onboarding). */
const GROUP_FIELDS = {
    name: stringField({ required: true, minLength: 1, maxLength: 255, line: true }),
    type: oneOfField(GROUP_TYPE_NAMES, { required: true }),
    // LDAP groups only, required there (the declaration's rules): trimmed and lower-cased as Harbor stores it.
    ldapDn: refined(stringField({ minLength: 1, maxLength: 512, line: true }), {
        problem: (dn) => (dn.includes("=") ? undefined : `${JSON.stringify(dn)} is not a DN (expected e.g. "cn=devs,ou=groups,dc=example,dc=com")`),
        normalise: normaliseDn,
    }),
};

/** A checked group: `ldapDn` only for LDAP groups. */
export type MemberGroup = ValuesOf<typeof GROUP_FIELDS>;

/** `adopt` is refused, saying why (`false` is accepted and dropped). */
const NO_ADOPT: Field<boolean> = {
    ...refined(boolField(false), {
        problem: (v) => (v ? "is not a setting of ProjectMember: a membership of exactly this user or group that already exists is always taken over (Harbor's 409), and its role set" : undefined),
        summary: "`false` only",
    }),
    default: undefined,
};

/**
 * The declaration: check, diff, types and the README table come from here. Harbor v2.15.2's rules
 * (controller/member/controller.go Create): a role of 1-5 (isValidRole, ErrInvalidRole), a non-empty username or
 * group; user_group.group_name varchar(255), ldap_group_dn varchar(512) (migration 0001); an LDAP DN is trimmed and
 * lower-cased (pkg/usergroup/manager.go onBoardLdapUserGroup, utils.TrimLower), as normaliseDn does here.
 */
export const PROJECT_MEMBER = declareResource({
    type: "ProjectMember",
    inputs: {
        project: requiredInput(
            stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "a project name: lower-case letters and digits, separated by single '.', '_' or '-'" }),
            "Project name (`X-Is-Resource-Name: true`).",
            { replaces: true },
        ),
        user: optionalInput(stringField({ minLength: 1, maxLength: 255, line: true }), "`member_user.username` (onboarded from LDAP/OIDC if Harbor does not know it). Exactly one of `user` / `group`.", { replaces: true }),
        group: optionalInput(
            objectField(GROUP_FIELDS),
            "`member_group`: an LDAP group by its DN (`ldapDn`, required there: its identity; `name` is the name Harbor gives it when onboarding), others by name + type.",
            { replaces: true },
        ),
        role: requiredInput(oneOfField(MEMBER_ROLE_NAMES, { required: true }), "`projectAdmin` 1, `developer` 2, `guest` 3, `maintainer` 4, `limitedGuest` 5; the only in-place change."),
        projectId: optionalInput(projectIdField(), "The Project's `projectId` output: another id (the project was replaced, and Harbor deleted this membership with it) replaces it.", { unmanaged: true }),
        adopt: optionalInput(NO_ADOPT, "Refused: a membership of exactly this entity is always taken over.", { unmanaged: true }),
    },
    outputs: { memberId: { doc: "Harbor's member id (the `mid`)." } },
    rules: (i, fail) => {
        if (i.user === undefined && i.group === undefined) fail("user", "set exactly one of user or group (neither is set)");
        if (i.user !== undefined && i.group !== undefined) fail("group", "set exactly one of user or group (both are set)");
        const g = i.group as Partial<MemberGroup> | undefined;
        if (g && typeof g === "object" && typeof g.type === "string" && GROUP_TYPE_NAMES.includes(g.type)) {
            if (g.type === "ldap" && g.ldapDn === undefined) fail("group.ldapDn", "group.ldapDn is required for an ldap group (its identity in Harbor)");
            if (g.type !== "ldap" && g.ldapDn !== undefined) fail("group.ldapDn", `group.ldapDn is only for ldap groups, not ${g.type}`);
        }
    },
    normalise: ({ adopt: _adopt, ...i }) => i,
});

/** The checked inputs (`adopt` is refused or dropped by check): a user or a group (MemberGroup), exactly one. */
export type ProjectMemberInputs = Omit<InputsOf<typeof PROJECT_MEMBER.spec.inputs>, "adopt">;

export interface ProjectMemberOutputs extends ProjectMemberInputs {
    memberId: number;
}

// The declaration's keys, typed for ProjectMemberInputs (without `adopt`, which is never managed).
const MANAGED = PROJECT_MEMBER.managed as (keyof ProjectMemberInputs)[];
const REPLACE_ON = PROJECT_MEMBER.replaceOn as (keyof ProjectMemberInputs)[];
const INPUT_KEYS = ["connection", ...MANAGED, "projectId"] as const;

interface ApiMember {
    id: number;
    entity_name?: string;
    entity_type?: string;
    entity_id?: number;
    role_id?: number;
}
interface ApiGroup {
    id?: number;
    group_name?: string;
    group_type?: number;
    ldap_group_dn?: string;
}

/** Two member specs name the same Harbor entity (an LDAP group by DN, others by name and type). */
function sameEntity(a: Partial<ProjectMemberInputs>, b: Partial<ProjectMemberInputs>): boolean {
    if (a.user !== undefined || b.user !== undefined) return a.user === b.user;
    if (!a.group || !b.group || a.group.type !== b.group.type) return false;
    return a.group.type === "ldap" ? a.group.ldapDn === b.group.ldapDn : a.group.name === b.group.name;
}

function describeEntity(m: ProjectMemberInputs): string {
    if (m.user !== undefined) return `user "${m.user}"`;
    return m.group!.type === "ldap" ? `ldap group "${m.group!.ldapDn}"` : `${m.group!.type} group "${m.group!.name}"`;
}

export class ProjectMemberProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<ProjectMemberInputs, ProjectMemberOutputs> {
    async check(_olds: ProjectMemberInputs, news: ProjectMemberInputs): Promise<pulumi.dynamic.CheckResult<ProjectMemberInputs>> {
        return PROJECT_MEMBER.check(news) as pulumi.dynamic.CheckResult<ProjectMemberInputs>;
    }

    /** Pure. Only the role changes in place; the same entity again (e.g. an LDAP group renamed) deletes first. */
    async diff(_id: string, olds: ProjectMemberOutputs, news: ProjectMemberInputs): Promise<pulumi.dynamic.DiffResult> {
        // Harbor deletes a project's members with it (controller/event/handler/internal/project.go onProjectDelete).
        return withProjectIdDiff(diffManaged<ProjectMemberInputs>(olds, news, {
            managed: MANAGED,
            replaceOn: REPLACE_ON,
            deleteBeforeReplace: (o, n) => o.project === n.project && sameEntity(o, n),
        }), olds.projectId, news.projectId);
    }

    async create(inputs: ProjectMemberInputs): Promise<pulumi.dynamic.CreateResult<ProjectMemberOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const path = `/projects/${seg(inputs.project)}/members`;
            let found: ApiMember | undefined;
            const probe = async () => (found = await this.findMember(c, inputs))?.id;
            let memberId: number;
            try {
                const created = await c.create(path, { role_id: MEMBER_ROLES[inputs.role], ...this.entityBody(inputs) }, { byName: true, probe });
                memberId = Number(created.id);
                if (!created.adopted) found = undefined; // our own POST: the role is as sent
            } catch (err) {
                if (!isConflict(err)) throw err;
                // Already a member: adopt only this very entity.
                if (!(await probe())) {
                    throw new Error(
                        `Harbor says ${describeEntity(inputs)} is already a member of project "${inputs.project}" (409: ${(err as HarborApiError).detail}), ` +
                            `but no membership of exactly that ${inputs.user !== undefined ? "user" : "group"} was found (a user or group of another kind with the same name?)`,
                    );
                }
                memberId = found!.id;
            }
            const outs: ProjectMemberOutputs = { ...inputs, memberId };
            // An adopted membership may hold another role.
            if (found && found.role_id !== MEMBER_ROLES[inputs.role]) {
                try {
                    await c.put(`${path}/${memberId}`, { role_id: MEMBER_ROLES[inputs.role] }, { byName: true });
                } catch (err) {
                    const recorded = { ...outs, role: nameOfId(MEMBER_ROLES, found.role_id) ?? (`custom-${found.role_id}` as MemberRole) };
                    throw partialCreateError(String(memberId), recorded as unknown as Record<string, unknown>, err);
                }
            }
            return { id: String(memberId), outs };
        });
    }

    /**
     * One GET: the role and the entity's name. A membership's entity (and a group's type and DN, which Harbor's
     * PUT /usergroups cannot change) is fixed for its id, so no further request is needed to read them back.
     */
    async read(id: string, state?: ProjectMemberOutputs): Promise<pulumi.dynamic.ReadResult<ProjectMemberOutputs>> {
        const props = requireState(state, "ProjectMember");
        return this.withClient(props.connection, (c) =>
            // 404, or a non-admin's 403 for a project that is gone (Harbor's RequireProjectAccess) = gone.
            readInProject(c, props.connection.username, props.project, async () => {
                const m = await c.get<ApiMember>(`/projects/${seg(props.project)}/members/${id}`, { byName: true });
                const outs: ProjectMemberOutputs = {
                    connection: props.connection,
                    project: props.project,
                    ...(m.entity_type === "u" ? { user: m.entity_name ?? "" } : {}),
                    ...(m.entity_type === "g" && props.group
                        ? { group: props.group.type === "ldap" ? props.group : { ...props.group, name: m.entity_name ?? "" } }
                        : {}),
                    role: nameOfId(MEMBER_ROLES, m.role_id) ?? (`custom-${m.role_id}` as MemberRole),
                    ...(props.projectId !== undefined ? { projectId: props.projectId } : {}),
                    memberId: m.id,
                };
                return { id: String(m.id), props: outs, inputs: pick(outs, INPUT_KEYS) as ProjectMemberOutputs };
            }),
        );
    }

    /** Only the role: one PUT. */
    async update(id: string, olds: ProjectMemberOutputs, news: ProjectMemberInputs): Promise<pulumi.dynamic.UpdateResult<ProjectMemberOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (olds.role !== news.role) await c.put(`/projects/${seg(news.project)}/members/${id}`, { role_id: MEMBER_ROLES[news.role] }, { byName: true });
            return { outs: { ...news, memberId: Number(id) } };
        });
    }

    /** One DELETE; a missing project or membership counts as gone (a non-admin's 403: after asking whether the project exists). */
    async delete(id: string, props: ProjectMemberOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => deleteInProject(c, props.connection.username, props.project, `/projects/${seg(props.project)}/members/${id}`, { byName: true }));
    }

    private entityBody(m: ProjectMemberInputs): Record<string, unknown> {
        if (m.user !== undefined) return { member_user: { username: m.user } };
        const g = m.group!;
        // An LDAP group goes by DN (Harbor onboards it under the given name); others by name and type.
        return { member_group: g.type === "ldap" ? { ldap_group_dn: g.ldapDn, group_name: g.name } : { group_name: g.name, group_type: GROUP_TYPES[g.type] } };
    }

    /** The membership of exactly this entity, if any (a user by name; a group by type and name, or DN for LDAP). */
    private async findMember(c: HarborClient, m: ProjectMemberInputs): Promise<ApiMember | undefined> {
        const list = (entityname: string) => c.list<ApiMember>(`/projects/${seg(m.project)}/members`, { byName: true, query: { entityname } });
        if (m.user !== undefined) return (await list(m.user)).find((x) => x.entity_type === "u" && x.entity_name === m.user);
        const g = m.group!;
        const query = g.type === "ldap" ? { ldap_group_dn: g.ldapDn } : { group_name: g.name };
        const groups = (await c.list<ApiGroup>("/usergroups", { query })).filter(
            (x) => x.group_type === GROUP_TYPES[g.type] && (g.type === "ldap" ? normaliseDn(x.ldap_group_dn ?? "") === g.ldapDn : x.group_name === g.name),
        );
        for (const group of groups) {
            const hit = (await list(group.group_name ?? "")).find((x) => x.entity_type === "g" && x.entity_id === group.id);
            if (hit) return hit;
        }
        return undefined;
    }
}

/** The provider every ProjectMember uses, in the dynamic-provider host (harbor/hosted.ts). */
export const projectMemberProvider = new ProjectMemberProvider();

/** The program's arguments (see the README table): `adopt` is refused, so not offered. */
export type ProjectMemberArgs = Omit<ArgsOf<typeof PROJECT_MEMBER.spec.inputs>, "adopt">;
/** A group as the program gives it: name and type, and (LDAP groups only, required there) the DN. */
export type ProjectMemberGroupArgs = NonNullable<ProjectMemberArgs["group"]>;

/** A user's or group's membership of a Harbor project. */
export class ProjectMember extends HarborResource {
    /** Harbor's member id (the `mid`). */
    declare readonly memberId: pulumi.Output<number>;

    constructor(name: string, args: ProjectMemberArgs, opts?: pulumi.CustomResourceOptions) {
        super(PROJECT_MEMBER.type, name, dynamicProps(args, PROJECT_MEMBER.outputNames), opts);
    }
}
