// SystemConfig: the part of Harbor's system configuration this program owns — authentication (mode, LDAP, OIDC),
// robot token lifetime, who may create projects, and audit-log forwarding. PARTIAL by design: only the settings
// given here are sent (PUT /configurations is a partial update) and read back; every other key is left alone.
// Delete puts back the values Harbor had before this resource first changed them (`restore`), so a destroy leaves
// Harbor as it was; the write-only secrets cannot be read, so they stay, and auth_mode stays once Harbor locks it.
//
// Harbor quirks (see harbor/README.md, SystemConfig; Harbor's src/controller/config/controller.go):
// - GET returns every item as {value, editable}; the write-only secrets (ldap_search_password, oidc_client_secret)
//   are never returned, so they are tracked by a hash output: a rotated secret is a change that PUTs it again;
// - auth_mode is locked once users other than admin exist (PUT 400, auth_mode.editable false): a clear error;
// - with CONFIG_OVERWRITE_JSON (Helm core.configureUserSettings) every item is editable:false and PUT is a 403:
//   a clear error naming the keys, since the chart and this resource would fight over them;
// - skip_audit_log_database needs a forward endpoint (checked here too);
// - Harbor SAVES the whole PUT and only then dials audit_log_forward_endpoint (only when that key is in the PUT),
//   answering 400 "could not connect to the audit endpoint" with the value kept (controller.go,
//   UpdateUserConfigs -> updateLogEndpoint). So create always sends a non-empty endpoint (an equal value would
//   otherwise never be dialled), and a failed dial is a partial create recording the endpoint Harbor had before
//   (or, on update, an error that leaves the old state): the next `up` sends it again, never "nothing to change";
// - /configurations needs a system administrator (handler/config.go: RequireSystemAccess); a robot can never hold
//   that permission: check refuses a robot$ connection, and a 403 says which permission is missing.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient } from "./client";
import { isForbidden, systemAdminRequired } from "./projectAccess";
import { z } from "zod";
import { boolField, Field, numberField, objectField, oneOfField, secretField, stringField, UNKNOWN, ValuesOf } from "./fields";
import { diffManaged, HarborProvider, isUnknown, partialCreateError, pick, requireState } from "./provider";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { ArgsOf, declareResource, InputsOf, optionalInput } from "./schema";

export const AUTH_MODES = ["db_auth", "ldap_auth", "oidc_auth"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const LDAP_SCOPES = ["base", "onelevel", "subtree"] as const;
export type LdapScope = (typeof LDAP_SCOPES)[number];

/** Harbor's NonEmptyStringType (lib/config/metadata/type.go): blank after trimming is refused (ldap_url, ldap_base_dn, ldap_uid). */
const NOT_BLANK = { pattern: /\S/, patternHint: "must not be blank (Harbor refuses an empty ldap_url, ldap_base_dn or ldap_uid)" };

/** The LDAP settings (`ldap_*`); Harbor's types in lib/config/metadata/metadatalist.go. */
const LDAP_FIELDS = {
    url: stringField({ required: true, pattern: /^ldaps?:\/\/[^\s]+$/, patternHint: "use ldap://host[:port] or ldaps://host[:port]" }),
    searchDn: stringField({ default: "", line: true }),
    searchPassword: secretField({ emptyIsUnset: true }),
    baseDn: stringField({ required: true, minLength: 1, line: true, ...NOT_BLANK }),
    filter: stringField({ default: "", line: true }),
    uid: stringField({ default: "cn", minLength: 1, line: true, ...NOT_BLANK }),
    scope: oneOfField<LdapScope>(LDAP_SCOPES, { default: "subtree" }),
    timeoutSeconds: numberField({ default: 5, min: 1, max: 3600 }),
    verifyCert: boolField(true),
    groupBaseDn: stringField({ default: "", line: true }),
    groupFilter: stringField({ default: "", line: true }),
    groupAttribute: stringField({ default: "", line: true }),
    groupAdminDn: stringField({ default: "", line: true }),
    groupMembershipAttribute: stringField({ default: "memberof", line: true }),
    groupSearchScope: oneOfField<LdapScope>(LDAP_SCOPES, { default: "subtree" }),
};

/** OIDC scopes, from a list or Harbor's comma-separated string: trimmed, sorted, unique (check and read-back). */
export function normaliseScopes(raw: string | readonly string[]): string[] {
    const items = typeof raw === "string" ? raw.split(/[\s,]+/) : raw;
    return [...new Set(items.map((x) => (x === UNKNOWN ? x : x.trim())).filter(Boolean))].sort();
}

const SCOPE_HINT = 'must be a list of scopes or a comma-separated string, e.g. "openid,profile,email,offline_access"';
/** Checked: a sorted set; a program may give Harbor's comma-separated string too. */
const OIDC_SCOPE: Field<string[], "defaulted", string | string[]> = {
    schema: z
        .custom<string | string[]>((v) => typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string")), { error: SCOPE_HINT })
        .transform((v) => normaliseScopes(v))
        .refine((list) => list.includes("openid"), { error: 'must include "openid"' }) as unknown as z.ZodType<string[]>,
    default: ["offline_access", "openid"],
    summary: 'list of scopes (or a comma-separated string), must include `openid`; a set',
    recover: (raw) => (typeof raw === "string" || (Array.isArray(raw) && raw.every((x) => typeof x === "string")) ? normaliseScopes(raw as string | string[]) : []),
};

/** The OIDC settings (`oidc_*`). */
const OIDC_FIELDS = {
    name: stringField({ required: true, minLength: 1, line: true }),
    endpoint: stringField({ required: true, pattern: /^https:\/\/[^\s]+$/, patternHint: "the OIDC issuer URL, https://..." }),
    clientId: stringField({ required: true, minLength: 1, line: true }),
    clientSecret: secretField({ emptyIsUnset: true }),
    scope: OIDC_SCOPE,
    verifyCert: boolField(true),
    autoOnboard: boolField(false),
    userClaim: stringField({ default: "", line: true }),
    groupsClaim: stringField({ default: "", line: true }),
    adminGroup: stringField({ default: "", line: true }),
    groupFilter: stringField({ default: "", line: true }),
    logout: boolField(false),
};

/** `searchPassword` is write-only (never read back): tracked by `ldapSearchPasswordHash`, absent in outputs. */
export type LdapSettings = ValuesOf<typeof LDAP_FIELDS>;
/** `clientSecret` is write-only (never read back): tracked by `oidcClientSecretHash`, absent in outputs. */
export type OidcSettings = ValuesOf<typeof OIDC_FIELDS>;

const MAX_NUMBER = 9_999_999_999; // Harbor: at most 10 digits (controller/config/controller.go verifyValueLengthCfg)
const ENDPOINT_RE = /^$|^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Robot accounts' names start with Harbor's robot prefix (robot_name_prefix, "robot$" by default). */
const ROBOT_USER_RE = /^robot\$/;

/** The declaration: check, types and the README table come from here. Every setting is optional: unset = not managed. */
export const SYSTEM_CONFIG = declareResource({
    type: "SystemConfig",
    inputs: {
        authMode: optionalInput(oneOfField<AuthMode>(AUTH_MODES), "`auth_mode`; Harbor locks it once users other than admin exist (a clear error says so)."),
        ldap: optionalInput(objectField(LDAP_FIELDS), "`ldap_*` (scopes sent as 0/1/2; `searchPassword` is write-only, tracked by a hash)."),
        oidc: optionalInput(objectField(OIDC_FIELDS), "`oidc_*` (`scope` sent comma-separated; `clientSecret` is write-only, tracked by a hash)."),
        robotTokenExpirationDays: optionalInput(numberField({ min: 1, max: MAX_NUMBER, hint: "days" }), "`robot_token_duration`: default lifetime of robot tokens, in days."),
        projectCreationRestriction: optionalInput(oneOfField<"adminonly" | "everyone">(["adminonly", "everyone"]), "`project_creation_restriction`: who may create projects."),
        auditLogForwardEndpoint: optionalInput(stringField({ pattern: ENDPOINT_RE, patternHint: 'use "host:port" of a syslog endpoint (e.g. "audit.example.com:514"), or "" for none' }),
            "`audit_log_forward_endpoint`: syslog `host:port` audit logs go to (Harbor dials it after saving); `\"\"` = none."),
        skipAuditLogDatabase: optionalInput({ ...boolField(false), default: undefined }, "`skip_audit_log_database`: keep audit logs only at the endpoint (needs `auditLogForwardEndpoint`)."),
    },
    outputs: {
        ldapSearchPasswordHash: { doc: "Salted sha256 of the LDAP search password last sent (`\"\"` when none is managed).", secret: true },
        oidcClientSecretHash: { doc: "Salted sha256 of the OIDC client secret last sent (`\"\"` when none is managed).", secret: true },
        restore: { doc: "Harbor key → the value it had before this resource first changed it: what delete puts back." },
    },
    rules: (i, fail) => {
        if (i.authMode === "ldap_auth" && !i.ldap) fail("ldap", 'ldap is required when authMode is "ldap_auth"');
        if (i.authMode === "oidc_auth" && !i.oidc) fail("oidc", 'oidc is required when authMode is "oidc_auth"');
        if (i.skipAuditLogDatabase === true && !isUnknown(i.auditLogForwardEndpoint) && !i.auditLogForwardEndpoint) {
            fail("skipAuditLogDatabase", "skipAuditLogDatabase needs auditLogForwardEndpoint (Harbor refuses to drop audit logs that go nowhere)");
        }
        // Harbor: pkg/audit/forward.go CheckEndpointActive dials it (controller.go updateLogEndpoint: 400 after saving).
        const port = typeof i.auditLogForwardEndpoint === "string" && ENDPOINT_RE.test(i.auditLogForwardEndpoint) ? /:(\d+)$/.exec(i.auditLogForwardEndpoint)?.[1] : undefined;
        if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
            fail("auditLogForwardEndpoint", `auditLogForwardEndpoint port must be 1-65535, got ${port} (Harbor dials it and answers 400 "could not connect to the audit endpoint")`);
        }
        // Harbor: pkg/config/validate/ldapgroup.go LdapGroupValidateRule: with a group filter, both attributes are needed.
        const ldap = i.ldap as Partial<LdapSettings> | undefined;
        if (ldap && typeof ldap === "object" && typeof ldap.groupFilter === "string" && ldap.groupFilter !== "" && !isUnknown(ldap.groupFilter)) {
            if (ldap.groupAttribute === "") fail("ldap.groupAttribute", "ldap.groupAttribute is required when ldap.groupFilter is set (Harbor: \"ldap group name attribute can not be empty\")");
            if (ldap.groupMembershipAttribute === "") fail("ldap.groupMembershipAttribute", "ldap.groupMembershipAttribute is required when ldap.groupFilter is set (Harbor: \"ldap group membership attribute can not be empty\")");
        }
        const conn = i.connection as { username?: unknown } | undefined;
        if (conn && typeof conn === "object" && typeof conn.username === "string" && ROBOT_USER_RE.test(conn.username)) {
            fail("connection.username", `connection.username "${conn.username}" is a robot account: SystemConfig reads and writes /configurations, which needs a Harbor system administrator (a robot can never hold that permission)`);
        }
        const keys = Object.keys(i).filter((k) => k !== "connection" && (i as Record<string, unknown>)[k] !== undefined);
        if (keys.length === 0) fail("authMode", "SystemConfig manages nothing: set at least one of authMode, ldap, oidc, robotTokenExpirationDays, projectCreationRestriction, auditLogForwardEndpoint, skipAuditLogDatabase");
    },
});

export type SystemConfigInputs = InputsOf<typeof SYSTEM_CONFIG.spec.inputs>;

export interface SystemConfigOutputs extends SystemConfigInputs {
    /** sha256 of the LDAP search password last sent ("" when none is managed). */
    ldapSearchPasswordHash: string;
    /** sha256 of the OIDC client secret last sent ("" when none is managed). */
    oidcClientSecretHash: string;
    /** Harbor key -> the value it had before this resource first changed it: what delete puts back. */
    restore?: Record<string, Scalar>;
}

type Scalar = string | number | boolean;
/** A setting: where it lives in the inputs, its Harbor key, and how its value converts. */
interface KeyMap {
    group?: "ldap" | "oidc";
    field: string;
    key: string;
    kind?: "scope" | "list";
}

const TOP_KEYS: readonly KeyMap[] = [
    { field: "authMode", key: "auth_mode" },
    { field: "robotTokenExpirationDays", key: "robot_token_duration" },
    { field: "projectCreationRestriction", key: "project_creation_restriction" },
    { field: "auditLogForwardEndpoint", key: "audit_log_forward_endpoint" },
    { field: "skipAuditLogDatabase", key: "skip_audit_log_database" },
];
const LDAP_KEYS: readonly KeyMap[] = [
    ["url", "ldap_url"], ["searchDn", "ldap_search_dn"], ["baseDn", "ldap_base_dn"], ["filter", "ldap_filter"], ["uid", "ldap_uid"],
    ["scope", "ldap_scope", "scope"], ["timeoutSeconds", "ldap_timeout"], ["verifyCert", "ldap_verify_cert"], ["groupBaseDn", "ldap_group_base_dn"],
    ["groupFilter", "ldap_group_search_filter"], ["groupAttribute", "ldap_group_attribute_name"], ["groupAdminDn", "ldap_group_admin_dn"],
    ["groupMembershipAttribute", "ldap_group_membership_attribute"], ["groupSearchScope", "ldap_group_search_scope", "scope"],
].map(([field, key, kind]) => ({ group: "ldap" as const, field: field!, key: key!, kind: kind as KeyMap["kind"] }));
const OIDC_KEYS: readonly KeyMap[] = [
    ["name", "oidc_name"], ["endpoint", "oidc_endpoint"], ["clientId", "oidc_client_id"], ["scope", "oidc_scope", "list"], ["verifyCert", "oidc_verify_cert"],
    ["autoOnboard", "oidc_auto_onboard"], ["userClaim", "oidc_user_claim"], ["groupsClaim", "oidc_groups_claim"], ["adminGroup", "oidc_admin_group"],
    ["groupFilter", "oidc_group_filter"], ["logout", "oidc_logout"],
].map(([field, key, kind]) => ({ group: "oidc" as const, field: field!, key: key!, kind: kind as KeyMap["kind"] }));
const ALL_KEYS = [...TOP_KEYS, ...LDAP_KEYS, ...OIDC_KEYS];

/** What a diff compares: every setting, and the secrets by their hashes. */
const MANAGED = [...SYSTEM_CONFIG.managed, "ldapSearchPasswordHash", "oidcClientSecretHash"] as (keyof SystemConfigOutputs)[];
const INPUT_KEYS = ["connection", ...SYSTEM_CONFIG.managed] as (keyof SystemConfigOutputs)[];

/** Salted with the key name, so equal secrets in two places do not share a hash. Never reversible. */
export function configSecretHash(key: string, secret: string | undefined): string {
    return secret ? createHash("sha256").update(`harbor-platform/config/${key}\0${secret}`, "utf8").digest("hex") : "";
}

/** The comparable (stored) form of checked inputs: secrets replaced by their hashes. */
function stateOf(i: SystemConfigInputs): SystemConfigOutputs {
    const { searchPassword, ...ldap } = i.ldap ?? ({} as LdapSettings);
    const { clientSecret, ...oidc } = i.oidc ?? ({} as OidcSettings);
    return {
        ...i,
        ldap: i.ldap ? (ldap as LdapSettings) : undefined,
        oidc: i.oidc ? (oidc as OidcSettings) : undefined,
        ldapSearchPasswordHash: configSecretHash("ldap_search_password", searchPassword),
        oidcClientSecretHash: configSecretHash("oidc_client_secret", clientSecret),
    };
}

const fieldOf = (s: SystemConfigInputs, k: KeyMap): unknown => (k.group ? (s[k.group] as unknown as Record<string, unknown> | undefined)?.[k.field] : (s as unknown as Record<string, unknown>)[k.field]);

/** For each key about to be changed, the value Harbor holds now (keys Harbor does not show are skipped). */
function previousValues(changing: Record<string, Scalar>, current: ConfigResponse | undefined): Record<string, Scalar> {
    const out: Record<string, Scalar> = {};
    for (const [k, v] of Object.entries(changing)) {
        const held = current?.[k]?.value;
        if ((typeof held === "string" || typeof held === "number" || typeof held === "boolean") && held !== v) out[k] = held;
    }
    return out;
}

function pickKeys(o: Record<string, Scalar>, keys: readonly string[]): Record<string, Scalar> {
    return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** Owned settings as Harbor keys and values (secrets excluded). */
function toHarbor(s: SystemConfigInputs): Record<string, Scalar> {
    const out: Record<string, Scalar> = {};
    for (const k of ALL_KEYS) {
        const v = fieldOf(s, k);
        if (v === undefined) continue;
        out[k.key] = k.kind === "scope" ? LDAP_SCOPES.indexOf(v as LdapScope) : k.kind === "list" ? (v as string[]).join(",") : (v as Scalar);
    }
    return out;
}

/** Harbor value -> input form. */
function fromValue(k: KeyMap, v: unknown): unknown {
    if (k.kind === "scope") return LDAP_SCOPES[Number(v)] ?? String(v);
    if (k.kind === "list") return normaliseScopes(String(v ?? ""));
    return v;
}

interface ConfigItem {
    value?: Scalar;
    editable?: boolean;
}
type ConfigResponse = Record<string, ConfigItem | undefined>;

/** Secrets to send: every given secret on create; on update only the ones whose hash changed. */
function secretsToSend(news: SystemConfigInputs, olds?: SystemConfigOutputs): Record<string, string> {
    const out: Record<string, string> = {};
    const pw = news.ldap?.searchPassword;
    if (pw && (!olds || configSecretHash("ldap_search_password", pw) !== olds.ldapSearchPasswordHash)) out.ldap_search_password = pw;
    const cs = news.oidc?.clientSecret;
    if (cs && (!olds || configSecretHash("oidc_client_secret", cs) !== olds.oidcClientSecretHash)) out.oidc_client_secret = cs;
    return out;
}

/** Why Harbor refuses: auth mode locked by users, or everything locked by CONFIG_OVERWRITE_JSON. */
function lockedError(keys: string[], current: ConfigResponse | undefined, wanted: Record<string, unknown>, cause?: string): Error {
    const overwrite = current ? Object.entries(current).some(([k, v]) => k !== "auth_mode" && v?.editable === false) : /CONFIG_OVERWRITE_JSON/.test(cause ?? "");
    if (!overwrite && keys.includes("auth_mode")) {
        const from = current?.auth_mode?.value;
        return new Error(
            `SystemConfig: authMode cannot change${from !== undefined ? ` from "${String(from)}"` : ""} to "${String(wanted.auth_mode)}": Harbor locks the auth mode once users other than admin exist ` +
                `(auth_mode.editable is false). Keep authMode at the current mode, or set it before any user is created.${cause ? ` Harbor said: ${cause}` : ""}`,
        );
    }
    return new Error(
        `SystemConfig: Harbor reports ${keys.join(", ")} as not editable: core runs with CONFIG_OVERWRITE_JSON (the chart's core.configureUserSettings), ` +
            `which makes every setting read-only. Manage these settings either in the chart values or with SystemConfig, not both.${cause ? ` Harbor said: ${cause}` : ""}`,
    );
}

/** Harbor's 400 after it saved the settings but could not reach the audit-log endpoint (controller.go, updateLogEndpoint). */
const isAuditEndpointDown = (err: unknown): err is HarborApiError => err instanceof HarborApiError && err.status === 400 && /could not connect to the audit endpoint/i.test(err.detail);

function auditEndpointError(endpoint: string, err: HarborApiError): Error {
    return new Error(
        `SystemConfig: Harbor cannot connect to auditLogForwardEndpoint "${endpoint}" (${err.method} ${err.path}: 400: ${err.detail}). ` +
            `Harbor saved the settings but does not forward audit logs there; make the endpoint reachable from Harbor core (or fix it) and run up again, which sends it again.`,
    );
}

export class SystemConfigProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<SystemConfigInputs, SystemConfigOutputs> {
    async check(_olds: SystemConfigInputs, news: SystemConfigInputs): Promise<pulumi.dynamic.CheckResult<SystemConfigInputs>> {
        return SYSTEM_CONFIG.check(news) as pulumi.dynamic.CheckResult<SystemConfigInputs>;
    }

    /** Pure: compares the stored form (secrets as hashes), so a rotated secret is a change and nothing replaces. */
    async diff(_id: string, olds: SystemConfigOutputs, news: SystemConfigInputs): Promise<pulumi.dynamic.DiffResult> {
        return diffManaged<SystemConfigOutputs>(olds, stateOf(news), { managed: MANAGED });
    }

    /** GET (to find what differs and whether Harbor lets it change), then one PUT of what differs (none if nothing). */
    async create(inputs: SystemConfigInputs): Promise<pulumi.dynamic.CreateResult<SystemConfigOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const current = await this.getConfig(c, inputs.connection.username);
            const wanted = toHarbor(inputs);
            const body: Record<string, Scalar> = {};
            for (const [k, v] of Object.entries(wanted)) if (current?.[k]?.value !== v) body[k] = v;
            // Harbor dials the endpoint only when the PUT carries it: an endpoint already set must still be proven.
            if (inputs.auditLogForwardEndpoint) body.audit_log_forward_endpoint = inputs.auditLogForwardEndpoint;
            const secrets = secretsToSend(inputs);
            const locked = Object.keys(body).filter((k) => current?.[k]?.editable === false);
            // The secrets' own items are never shown; their group's URL/endpoint item tells whether they are locked.
            if (secrets.ldap_search_password !== undefined && current?.ldap_url?.editable === false) locked.push("ldap_search_password");
            if (secrets.oidc_client_secret !== undefined && current?.oidc_endpoint?.editable === false) locked.push("oidc_client_secret");
            if (locked.length > 0) throw lockedError(locked, current, wanted);
            try {
                await this.put(c, { ...body, ...secrets }, current, inputs.connection.username);
            } catch (err) {
                if (!isAuditEndpointDown(err)) throw err;
                // Saved, but not in effect: record the endpoint Harbor had before, so the next up sends it again.
                const before = current?.audit_log_forward_endpoint?.value;
                const partial = { ...stateOf(inputs), auditLogForwardEndpoint: typeof before === "string" ? before : "", restore: previousValues(body, current) };
                throw partialCreateError("system-config", partial as unknown as Record<string, unknown>, auditEndpointError(inputs.auditLogForwardEndpoint ?? "", err));
            }
            return { id: "system-config", outs: { ...stateOf(inputs), restore: previousValues(body, current) } };
        });
    }

    /** One GET; only the owned settings are read back (the secrets' hashes stand: Harbor never shows secrets). */
    async read(id: string, state?: SystemConfigOutputs): Promise<pulumi.dynamic.ReadResult<SystemConfigOutputs>> {
        const props = requireState(state, "SystemConfig");
        return this.withClient(props.connection, async (c) => {
            const current = (await this.getConfig(c, props.connection.username)) ?? {};
            const outs = JSON.parse(JSON.stringify({ ...props, connection: undefined })) as SystemConfigOutputs;
            outs.connection = props.connection;
            for (const k of ALL_KEYS) {
                if (fieldOf(props, k) === undefined || current[k.key] === undefined) continue;
                const v = fromValue(k, current[k.key]!.value);
                if (k.group) (outs[k.group] as unknown as Record<string, unknown>)[k.field] = v;
                else (outs as unknown as Record<string, unknown>)[k.field] = v;
            }
            return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as SystemConfigOutputs };
        });
    }

    /** One PUT of the settings that changed (and of a rotated secret); nothing when only ownership was dropped. */
    async update(_id: string, olds: SystemConfigOutputs, news: SystemConfigInputs): Promise<pulumi.dynamic.UpdateResult<SystemConfigOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const before = toHarbor(olds);
            const body: Record<string, Scalar> = {};
            for (const [k, v] of Object.entries(toHarbor(news))) if (before[k] !== v) body[k] = v;
            // A key this resource has not changed before: remember Harbor's value for delete (one GET, only then).
            const restore = { ...(olds.restore ?? {}) };
            const firstChanged = Object.keys(body).filter((k) => !(k in restore) && !(k in before));
            if (firstChanged.length > 0) Object.assign(restore, previousValues(pickKeys(body, firstChanged), await this.getConfig(c, news.connection.username)));
            try {
                await this.put(c, { ...body, ...secretsToSend(news, olds) }, undefined, news.connection.username);
            } catch (err) {
                // The update fails, so the engine keeps the old state and the next up sends the endpoint again.
                if (isAuditEndpointDown(err)) throw auditEndpointError(news.auditLogForwardEndpoint ?? "", err);
                throw err;
            }
            return { outs: { ...stateOf(news), restore } };
        });
    }

    /**
     * Puts back what `restore` recorded (one GET, then one PUT; none when nothing was changed): a destroy leaves
     * Harbor's settings as they were. auth_mode is left when Harbor has locked it (users exist: a PUT would be a 400).
     */
    async delete(_id: string, props: SystemConfigOutputs): Promise<void> {
        const restore = { ...(props.restore ?? {}) };
        if (Object.keys(restore).length === 0) return;
        await this.withClient(props.connection, async (c) => {
            const current = await this.getConfig(c, props.connection.username);
            if ("auth_mode" in restore && current?.auth_mode?.editable === false) delete restore.auth_mode;
            await this.put(c, restore, current, props.connection.username);
        });
    }

    /** PUT the given keys (none: no request), turning Harbor's refusals into errors that say what to do. */
    private async getConfig(c: HarborClient, user: string): Promise<ConfigResponse | undefined> {
        try {
            return await c.get<ConfigResponse>("/configurations");
        } catch (err) {
            if (isForbidden(err)) throw systemAdminRequired(err, user, "SystemConfig (reading Harbor's configuration)", { robotsNever: true });
            throw err;
        }
    }

    private async put(c: HarborClient, body: Record<string, unknown>, current: ConfigResponse | undefined, user: string): Promise<void> {
        if (Object.keys(body).length === 0) return;
        try {
            await c.put("/configurations", body);
        } catch (err) {
            if (err instanceof HarborApiError && err.status === 403 && /CONFIG_OVERWRITE_JSON/.test(err.detail)) throw lockedError(Object.keys(body), current, body, err.detail);
            if (err instanceof HarborApiError && err.status === 400 && /auth mode cannot be modified/.test(err.detail)) throw lockedError(["auth_mode"], current, body, err.detail);
            if (isForbidden(err)) throw systemAdminRequired(err, user, "SystemConfig (changing Harbor's configuration)", { robotsNever: true });
            throw err;
        }
    }
}

/** The provider every SystemConfig uses, in the dynamic-provider host (harbor/hosted.ts). */
export const systemConfigProvider = new SystemConfigProvider();

/**
 * The program's arguments (see the README table): in ldap (url, baseDn) and oidc (name, endpoint, clientId) only the
 * required settings must be given; `oidc.scope` also takes Harbor's comma-separated string. Both objects are secret.
 */
export type SystemConfigArgs = ArgsOf<typeof SYSTEM_CONFIG.spec.inputs>;

/** The settings of Harbor's system configuration this program owns (partial; delete leaves them as they are). */
export class SystemConfig extends HarborResource {
    declare readonly ldapSearchPasswordHash: pulumi.Output<string>;
    declare readonly oidcClientSecretHash: pulumi.Output<string>;

    constructor(name: string, args: SystemConfigArgs, opts?: pulumi.CustomResourceOptions) {
        // ldap/oidc carry secrets: the whole object is secret in state and in the diff display.
        const props = dynamicProps(
            { ...args, ...(args.ldap ? { ldap: pulumi.secret(args.ldap) } : {}), ...(args.oidc ? { oidc: pulumi.secret(args.oidc) } : {}) },
            SYSTEM_CONFIG.outputNames,
        );
        super(SYSTEM_CONFIG.type, name, props, withSecretOutputs(opts, SYSTEM_CONFIG.secretOutputs));
    }
}
