// User groups (/usergroups). Server behaviours mirrored from Harbor v2.15 (handler/usergroup.go, pkg/usergroup):
// - a group is unique by (name, type): a duplicate POST gets 409;
// - an LDAP group needs ldap_auth; its DN is checked against the directory (400 when not found), stored trimmed and lower-cased, and
//   when no name is given the directory's name is used;
// - GET /usergroups/{id} returns name, type and DN but NOT the id; PUT changes only the name;
// - the list is filtered by the auth mode (ldap_auth: LDAP groups only, and only then is ldap_group_dn honoured;
//   http_auth: HTTP groups only); group_name is a fuzzy match;
// - DELETE of an unknown id still answers 200; deleting a group drops its project memberships.
import { badRequest, conflict, created, defineArea, HarborEmulator, notFound, ok, paginate } from "../server";
import { usersArea, UsersState } from "./users";

export interface GroupRecord {
    id: number;
    group_name: string;
    group_type: number;
    ldap_group_dn: string;
}

const trimLower = (s: string | undefined) => (s ?? "").trim().toLowerCase();

export class UserGroupsState {
    readonly groups = new Map<number, GroupRecord>();

    constructor(private readonly emu: HarborEmulator, private readonly users: UsersState) {}

    find(name: string, type: number): GroupRecord | undefined {
        for (const g of this.groups.values()) if (g.group_name === name && g.group_type === type) return g;
        return undefined;
    }

    byDn(dn: string): GroupRecord | undefined {
        for (const g of this.groups.values()) if (g.group_type === 1 && g.ldap_group_dn === trimLower(dn)) return g;
        return undefined;
    }

    /** Create a group directly (a seed, an onboarding, or a change behind the provider's back). */
    seed(name: string, type: number, ldapDn = ""): GroupRecord {
        const g: GroupRecord = { id: this.emu.nextId(), group_name: name, group_type: type, ldap_group_dn: trimLower(ldapDn) };
        this.groups.set(g.id, g);
        return g;
    }

    remove(id: number): void {
        this.groups.delete(id);
    }

    /**
     * Harbor's SearchAndOnBoardGroup: an LDAP group by DN (must be in the directory), an HTTP or OIDC group by name
     * (only when that is the auth mode). Undefined when the identity provider does not know it.
     */
    onboard(type: number, nameOrDn: string, name?: string): GroupRecord | undefined {
        const mode = this.users.settings.authMode;
        if (type === 1) {
            if (mode !== "ldap_auth") return undefined;
            const ldapName = this.users.directory.ldapGroups.get(trimLower(nameOrDn));
            if (ldapName === undefined) return undefined;
            const wanted = name || ldapName;
            // A name clash with another LDAP group falls back to the DN as the name (pkg/usergroup onBoardLdapUserGroup).
            return this.seed(this.find(wanted, 1) ? trimLower(nameOrDn) : wanted, 1, nameOrDn);
        }
        if ((type === 2 && mode === "http_auth") || (type === 3 && mode === "oidc_auth")) return this.seed(nameOrDn, type);
        return undefined;
    }

    view(g: GroupRecord, withId = true): Record<string, unknown> {
        return { ...(withId ? { id: g.id } : {}), group_name: g.group_name, group_type: g.group_type, ldap_group_dn: g.ldap_group_dn };
    }
}

export const userGroupsArea = defineArea<UserGroupsState>({
    name: "usergroups",
    init: (emu) => new UserGroupsState(emu, emu.area(usersArea)),
    handlers: (state, emu) => ({
        listUserGroups: (req) => {
            const mode = emu.area(usersArea).settings.authMode;
            const name = req.query.get("group_name");
            const dn = req.query.get("ldap_group_dn");
            const list = [...state.groups.values()].filter(
                (g) =>
                    (!name || g.group_name.includes(name)) &&
                    (mode !== "ldap_auth" || (g.group_type === 1 && (!dn || g.ldap_group_dn === dn))) &&
                    (mode !== "http_auth" || g.group_type === 2),
            );
            return paginate(req, list.map((g) => state.view(g)));
        },
        searchUserGroups: (req) => {
            const name = req.query.get("groupname") ?? "";
            const list = [...state.groups.values()].filter((g) => g.group_name.includes(name));
            return paginate(req, list.map((g) => ({ id: g.id, group_name: g.group_name, group_type: g.group_type })));
        },
        createUserGroup: (req) => {
            const body = req.body as { group_name?: string; group_type?: number; ldap_group_dn?: string };
            const type = body.group_type ?? 0;
            if (![1, 2, 3].includes(type)) throw badRequest(`group_type ${type} is invalid (1 LDAP, 2 HTTP, 3 OIDC)`);
            let name = body.group_name ?? "";
            if (type === 1) {
                if (emu.area(usersArea).settings.authMode !== "ldap_auth") throw badRequest("LDAP groups can only be added when auth_mode is ldap_auth");
                const ldapName = emu.area(usersArea).directory.ldapGroups.get(trimLower(body.ldap_group_dn));
                if (!body.ldap_group_dn || ldapName === undefined) throw badRequest(`LDAP Group DN is not found: ${body.ldap_group_dn ?? ""}`);
                name = name || ldapName;
            } else if (body.ldap_group_dn) {
                throw badRequest("ldap_group_dn is only for LDAP groups");
            }
            if (!name) throw badRequest("group_name is required");
            if (state.find(name, type)) throw conflict(`duplicated user group name found: ${name}`);
            return created("/usergroups", state.seed(name, type, body.ldap_group_dn).id);
        },
        getUserGroup: (req) => {
            const g = state.groups.get(Number(req.params.group_id));
            if (!g) throw notFound(`the user group with id ${req.params.group_id}`);
            return ok(state.view(g, false));
        },
        updateUserGroup: (req) => {
            const g = state.groups.get(Number(req.params.group_id));
            if (!g) throw notFound(`the user group with id ${req.params.group_id}`);
            const body = (req.body ?? {}) as { group_name?: string; group_type?: number; ldap_group_dn?: string };
            if (!body.group_name) throw badRequest("group_name is required");
            // Harbor silently ignores type and DN here; reject a change so a client relying on it fails loudly.
            if (body.group_type !== undefined && body.group_type !== g.group_type) throw badRequest("group_type cannot be changed (Harbor ignores it)");
            if (body.ldap_group_dn !== undefined && trimLower(body.ldap_group_dn) !== g.ldap_group_dn) throw badRequest("ldap_group_dn cannot be changed (Harbor ignores it)");
            g.group_name = body.group_name;
            return ok();
        },
        deleteUserGroup: (req) => {
            state.remove(Number(req.params.group_id));
            return ok();
        },
    }),
});
