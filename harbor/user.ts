// User: a local Harbor user (db_auth only). The password is a secret input, written with PUT .../password when it
// changes (Harbor never returns it, so it cannot be read back); admin is set through PUT .../sysadmin. Replaced when
// `username` changes (Harbor cannot rename users); a replacement deletes first when the email stays (emails are
// unique), which Harbor allows because a deleted user's name and email are released.
//
// Harbor quirks handled (see harbor/README.md, User): POST /users answers 403 unless auth_mode is
// db_auth (reported as such); password rule 8–128 chars with upper, lower and digit (checked in `check`); the
// profile rules of handler/user.go validateUserProfile (username and realname 1–255 BYTES without , " ~ # % $, the
// email regex below) are checked in `check`; changing the connection user's OWN password needs old_password, admins
// included (handler/user.go UpdateUserPassword), so it is sent then.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, isConflict, qExact } from "./client";
import { boolField, refined, secretField, stringField } from "./fields";
import { adoptExisting, DeclaredProvider, partialCreateError, pick } from "./provider";
import { passwordProblem } from "./rbac";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { AdoptableArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "./schema";

// common/const.go IllegalCharsInUsername = `,"~#%$` (username and realname); no whitespace is this project's rule.
const USERNAME_RE = /^[^,"~#$%\s]+$/;
// handler/user.go validateUserProfile's email regex (Go's \s is ASCII whitespace only).
const EMAIL_RE = /^(([^<>()[\]\\.,;:\t\n\f\r @"]+(\.[^<>()[\]\\.,;:\t\n\f\r @"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$/;
const REALNAME_RE = /^[^,"~#$%]+$/;

/** Harbor counts bytes (utils.IsIllegalLength and requireValidSecret use Go's len()): 255 "é" are 510 bytes. */
const maxBytes = (max: number) => (v: string): string | undefined => {
    const bytes = Buffer.byteLength(v, "utf8");
    return bytes > max ? `is ${bytes} bytes in UTF-8; Harbor allows at most ${max} bytes` : undefined;
};

/** Harbor's password rule (handler/user.go requireValidSecret), never quoting the password. */
function passwordRule(v: string): string | undefined {
    if (v === "") return "is required";
    // requireValidSecret: len(in) <= 128 counts bytes, so 100 "é" (200 bytes) are refused though 100 characters.
    return passwordProblem(v) ?? maxBytes(128)(v);
}

/** The declaration: check, diff, types and the README table come from here. */
export const USER = declareResource({
    type: "User",
    // A same-email replacement deletes first (emails are unique in Harbor).
    deleteBeforeReplace: (o, n) => o.email === n.email,
    // The one default that depends on another field: realname is the username when unset.
    normalise: (i) => (i.realname === undefined ? { ...i, realname: i.username } : i),
    adoptable: true,
    inputs: {
        username: requiredInput(
            refined(stringField({ required: true, minLength: 1, maxLength: 255, line: true, pattern: USERNAME_RE, patternHint: `no spaces and none of , " ~ # $ %` }), { problem: maxBytes(255) }),
            "Login name, 1-255 bytes; Harbor cannot rename, so a change replaces the user (deleting first when the email stays).",
            { replaces: true },
        ),
        email: requiredInput(stringField({ required: true, maxLength: 255, pattern: EMAIL_RE, patternHint: "expected an email address such as dev@example.com" }), "Email address (unique in Harbor), Harbor's regex."),
        realname: optionalInput(
            refined(stringField({ minLength: 1, maxLength: 255, line: true, pattern: REALNAME_RE, patternHint: `none of , " ~ # $ %` }), { problem: maxBytes(255) }),
            "Full name, 1-255 bytes; unset = the username.",
        ),
        password: requiredInput(secretField({ required: true, problem: passwordRule, summary: "string (8-128 characters and at most 128 bytes, with upper, lower, digit)" }), "Applied with `PUT /users/{id}/password` when it changes (with `old_password` for the connection's own user).", { writeOnly: true }),
        admin: input(boolField(false), "System administrator (`PUT /users/{id}/sysadmin`)."),
    },
    outputs: { userId: { doc: "Harbor's numeric user id." } },
});

type Declared = InputsOf<typeof USER.spec.inputs>;
export type UserInputs = Omit<Declared, "realname"> & { /** Checked: the username when unset. */ realname: string; adopt?: boolean };
export type UserArgs = AdoptableArgsOf<typeof USER.spec.inputs>;

export interface UserOutputs extends UserInputs {
    userId: number;
}

const INPUT_KEYS = ["connection", ...USER.managed] as const;

interface ApiUser {
    user_id: number;
    username: string;
    email?: string;
    realname?: string;
    sysadmin_flag?: boolean;
}

export class UserProvider extends DeclaredProvider<UserInputs, UserOutputs> implements pulumi.dynamic.ResourceProvider<UserInputs, UserOutputs> {
    protected readonly declaration = USER;

    async create(inputs: UserInputs): Promise<pulumi.dynamic.CreateResult<UserOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            if (inputs.adopt) {
                // adopt: the password cannot be read, so it is set (one's own: from the connection's, the current one).
                const existing = await this.findByName(c, inputs.username);
                const own = inputs.connection.username === inputs.username;
                const adopted = existing && (await adoptExisting<UserInputs, UserOutputs>("user", this, String(existing.user_id), inputs, { userId: existing.user_id, password: own ? inputs.connection.password : "" }));
                if (adopted) return adopted;
            }
            let created;
            try {
                created = await c.create(
                    "/users",
                    { username: inputs.username, email: inputs.email, realname: inputs.realname, password: inputs.password },
                    { probe: async () => (await this.findByName(c, inputs.username))?.user_id },
                );
            } catch (err) {
                if (err instanceof HarborApiError && err.status === 403) {
                    throw new Error(`Harbor refused to create user "${inputs.username}" (403 ${err.code}): local users can only be created when auth_mode is db_auth and the connection is a system admin. ${err.detail}`);
                }
                if (isConflict(err)) throw new Error(`user "${inputs.username}" or email "${inputs.email}" already exists in Harbor (409: ${err instanceof HarborApiError ? err.detail : ""}); take the user over with adopt: true, delete it, or choose another`);
                throw err;
            }
            const userId = Number(created.id);
            const outs: UserOutputs = { ...inputs, userId };
            try {
                // A retry that adopted our own committed POST: the profile was sent with it, the password too.
                if (inputs.admin) await c.put(`/users/${userId}/sysadmin`, { sysadmin_flag: true });
            } catch (err) {
                throw partialCreateError(String(userId), { ...outs, admin: false } as unknown as Record<string, unknown>, err);
            }
            return { id: String(userId), outs };
        });
    }

    /** One GET: username, email, realname and the admin flag. The password is write-only (kept from state). */
    async read(id: string, state?: UserOutputs): Promise<pulumi.dynamic.ReadResult<UserOutputs>> {
        return this.readState(state, async (c, props) => {
            const u = await c.get<ApiUser>(`/users/${id}`);
            const outs: UserOutputs = {
                connection: props.connection,
                username: u.username,
                email: u.email ?? "",
                realname: u.realname ?? "",
                password: props.password,
                admin: u.sysadmin_flag === true,
                userId: u.user_id,
            };
            return { id: String(u.user_id), props: outs, inputs: pick(outs, INPUT_KEYS) as UserOutputs };
        });
    }

    /** Only what changed: profile PUT, sysadmin PUT, password PUT. */
    async update(id: string, olds: UserOutputs, news: UserInputs): Promise<pulumi.dynamic.UpdateResult<UserOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (olds.email !== news.email || olds.realname !== news.realname) {
                await c.put(`/users/${id}`, { email: news.email, realname: news.realname });
            }
            if (olds.admin !== news.admin) await c.put(`/users/${id}/sysadmin`, { sysadmin_flag: news.admin });
            if (olds.password !== news.password) {
                // handler/user.go UpdateUserPassword: one's own password (the connection's user) needs the current one.
                const own = news.connection.username === news.username;
                try {
                    await c.put(`/users/${id}/password`, { ...(own ? { old_password: olds.password } : {}), new_password: news.password });
                } catch (err) {
                    // handler/user.go UpdateUserPassword: "New password is identical to old password" (400): it already holds.
                    if (err instanceof HarborApiError && err.status === 400 && /identical to old password/i.test(err.detail)) return { outs: { ...news, userId: Number(id) } };
                    if (own && err instanceof HarborApiError && err.status === 403) {
                        throw new Error(`Harbor refused to change the password of user "${news.username}", the connection's own user (403: ${err.detail}): Harbor needs the current password, and the one in state no longer is (changed outside Pulumi?)`);
                    }
                    throw err;
                }
            }
            return { outs: { ...news, userId: Number(id) } };
        });
    }

    async delete(id: string, props: UserOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => c.delete(`/users/${id}`));
    }

    private async findByName(c: HarborClient, username: string): Promise<ApiUser | undefined> {
        const q = qExact("username", username); // Harbor unescapes q twice (src/lib/q/builder.go)
        const users = await c.list<ApiUser>("/users", q ? { query: { q } } : {});
        return users.find((u) => u.username === username);
    }
}

/** The provider every User uses, in the dynamic-provider host (harbor/hosted.ts). */
export const userProvider = new UserProvider();

/** A local Harbor user (auth_mode db_auth only). */
export class User extends HarborResource {
    /** Harbor's numeric user id. */
    declare readonly userId: pulumi.Output<number>;

    constructor(name: string, args: UserArgs, opts?: pulumi.CustomResourceOptions) {
        const props = dynamicProps({ ...args, password: pulumi.secret(args.password) }, USER.outputNames);
        super(USER.type, name, props, withSecretOutputs(opts, ["password"]));
    }
}
