// Local users (/users), the auth mode, and the external directory (LDAP / OIDC / HTTP auth) that users and groups
// are onboarded from. Server behaviours mirrored from Harbor v2.15:
// - POST /users works only in db_auth mode (403 otherwise); password 8–128 chars with upper, lower and digit;
//   username and email are unique (409); handler/user.go validateUserProfile: username and realname 1–255 BYTES
//   (utils.IsIllegalLength is Go's len) without any of common.IllegalCharsInUsername `,"~#%$`, email required and
//   matching its regex, comment at most 30 bytes;
// - PUT /users/{id} replaces email, realname and comment; PUT .../sysadmin sets the admin flag;
// - PUT .../password (handler/user.go UpdateUserPassword): changing one's OWN password needs old_password (admins
//   included; 403 "Current password is incorrect"), another user's does not when done by an admin; a password equal
//   to the current one is a 400;
// - DELETE marks the user removed (gone from every API) and drops its project memberships.
// The auth mode lives here (`settings.authMode`) because groups and member onboarding depend on it.
import { passwordProblem } from "../../../harbor/rbac";
import { badRequest, conflict, created, defineArea, HarborEmulator, HarborError, notFound, ok, paginate } from "../server";
import { matches, parseQ } from "./query";

export type AuthMode = "db_auth" | "ldap_auth" | "oidc_auth" | "http_auth";

export interface UserRecord {
    user_id: number;
    username: string;
    email: string;
    realname: string;
    comment: string;
    password: string;
    sysadmin: boolean;
}

const NOW = "2026-01-01T00:00:00.000Z";
const ILLEGAL = /[,"~#$%]/;
// handler/user.go validateUserProfile (Go's \s: ASCII whitespace).
const EMAIL_RE = /^(([^<>()[\]\\.,;:\t\n\f\r @"]+(\.[^<>()[\]\\.,;:\t\n\f\r @"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$/;
const bytes = (v: string | undefined) => Buffer.byteLength(v ?? "", "utf8");

export class UsersState {
    readonly users = new Map<number, UserRecord>();
    settings: { authMode: AuthMode } = { authMode: "db_auth" };
    /** Who exists in the external identity provider (onboarded on first use when the auth mode is not db_auth). */
    readonly directory = { users: new Set<string>(), ldapGroups: new Map<string, string>() /* lower-case DN -> name */ };

    constructor(private readonly emu: HarborEmulator) {
        this.seed("admin", { email: "admin@example.com", realname: "system admin", password: emu.password, sysadmin: true });
    }

    byName(username: string): UserRecord | undefined {
        for (const u of this.users.values()) if (u.username === username) return u;
        return undefined;
    }

    /** Create a user directly (a seed, an onboarding, or a change behind the provider's back). */
    seed(username: string, opts: Partial<Omit<UserRecord, "user_id" | "username">> = {}): UserRecord {
        const u: UserRecord = { user_id: this.emu.nextId(), username, email: `${username}@example.com`, realname: username, comment: "", password: "Passw0rd!", sysadmin: false, ...opts };
        this.users.set(u.user_id, u);
        return u;
    }

    must(username: string): UserRecord {
        const u = this.byName(username);
        if (!u) throw new Error(`emulator: no user named ${username}`);
        return u;
    }

    /** Delete behind the provider's back. */
    remove(username: string): void {
        this.users.delete(this.must(username).user_id);
    }

    /** Find a user, onboarding it from the directory as Harbor's SearchAndOnBoardUser does. */
    findOrOnboard(username: string): UserRecord | undefined {
        const existing = this.byName(username);
        if (existing) return existing;
        if (this.settings.authMode !== "db_auth" && this.directory.users.has(username)) return this.seed(username, { password: "" });
        return undefined;
    }

    view(u: UserRecord): Record<string, unknown> {
        return {
            user_id: u.user_id, username: u.username, email: u.email, realname: u.realname, comment: u.comment,
            sysadmin_flag: u.sysadmin, admin_role_in_auth: false, creation_time: NOW, update_time: NOW,
        };
    }
}

function validateProfile(body: { email?: string; realname?: string; comment?: string }): void {
    if (!body.email) throw badRequest("email can't be empty");
    if (!EMAIL_RE.test(body.email)) throw badRequest("email with illegal format");
    if (bytes(body.realname) < 1 || bytes(body.realname) > 255) throw badRequest("realname with illegal length");
    if (ILLEGAL.test(body.realname ?? "")) throw badRequest("realname contains illegal characters");
    if (bytes(body.comment) > 30) throw badRequest("comment with illegal length");
}

export const usersArea = defineArea<UsersState>({
    name: "users",
    init: (emu) => new UsersState(emu),
    handlers: (state) => {
        const get = (id: string) => {
            const u = state.users.get(Number(id));
            if (!u) throw notFound(`user ${id}`);
            return u;
        };
        const emailTaken = (email: string | undefined, except?: number) =>
            !!email && [...state.users.values()].some((u) => u.email === email && u.user_id !== except);
        return {
            listUsers: (req) => {
                const q = parseQ(req.query.get("q"));
                const list = [...state.users.values()].filter((u) => matches(q.get("username"), u.username) && matches(q.get("email"), u.email));
                return paginate(req, list.map((u) => state.view(u)));
            },
            searchUsers: (req) => {
                const name = req.query.get("username") ?? "";
                const list = [...state.users.values()].filter((u) => u.username.includes(name));
                return paginate(req, list.map((u) => ({ user_id: u.user_id, username: u.username })));
            },
            createUser: (req) => {
                if (state.settings.authMode !== "db_auth") throw new HarborError(403, "FORBIDDEN", "creating local users is only allowed in db_auth mode");
                const body = req.body as { username?: string; email?: string; realname?: string; comment?: string; password?: string };
                const username = body.username ?? "";
                const pw = passwordProblem(body.password ?? "");
                if (pw) throw badRequest(`password ${pw}`);
                validateProfile(body);
                if (bytes(username) < 1 || bytes(username) > 255) throw badRequest("username with illegal length");
                if (ILLEGAL.test(username)) throw badRequest("username contains illegal characters");
                if (state.byName(username)) throw conflict(`username ${username} is already used`);
                if (emailTaken(body.email)) throw conflict(`email ${body.email} is already used`);
                const u = state.seed(username, { email: body.email ?? "", realname: body.realname ?? "", comment: body.comment ?? "", password: body.password ?? "" });
                return created("/users", u.user_id);
            },
            getUser: (req) => ok(state.view(get(req.params.user_id))),
            updateUserProfile: (req) => {
                const u = get(req.params.user_id);
                const body = req.body as { email?: string; realname?: string; comment?: string };
                validateProfile(body);
                if (emailTaken(body.email, u.user_id)) throw conflict(`email ${body.email} is already used`);
                u.email = body.email ?? "";
                u.realname = body.realname ?? "";
                u.comment = body.comment ?? "";
                return ok();
            },
            deleteUser: (req) => {
                const u = get(req.params.user_id);
                state.users.delete(u.user_id);
                return ok();
            },
            setUserSysAdmin: (req) => {
                get(req.params.user_id).sysadmin = (req.body as { sysadmin_flag?: boolean }).sysadmin_flag === true;
                return ok();
            },
            updateUserPassword: (req) => {
                const u = get(req.params.user_id);
                const body = req.body as { old_password?: string; new_password?: string };
                if (req.user !== undefined && state.byName(req.user)?.user_id === u.user_id && body.old_password !== u.password) {
                    throw new HarborError(403, "FORBIDDEN", "Current password is incorrect");
                }
                const next = body.new_password ?? "";
                const pw = passwordProblem(next);
                if (pw) throw badRequest(`password ${pw}`);
                if (next === u.password) throw badRequest("New password is identical to old password");
                u.password = next;
                return ok();
            },
        };
    },
});
