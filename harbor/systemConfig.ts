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
import { nested, objectInput } from "./nestedInputs";
import { Connection, diffManaged, HarborProvider, InputChecker, isUnknown, partialCreateError, pick, requireState } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource, withSecretOutputs } from "./resource";

export const AUTH_MODES = ["db_auth", "ldap_auth", "oidc_auth"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const LDAP_SCOPES = ["base", "onelevel", "subtree"] as const;
export type LdapScope = (typeof LDAP_SCOPES)[number];

export interface LdapSettings {
    url: string;
    searchDn: string;
    /** Write-only (never read back): tracked by `ldapSearchPasswordHash`. Absent in outputs. */
    searchPassword?: string;
    baseDn: string;
    filter: string;
    uid: string;
    scope: LdapScope;
    timeoutSeconds: number;
    verifyCert: boolean;
    groupBaseDn: string;
    groupFilter: string;
    groupAttribute: string;
    groupAdminDn: string;
    groupMembershipAttribute: string;
    groupSearchScope: LdapScope;
}

export interface OidcSettings {
    name: string;
    endpoint: string;
    clientId: string;
    /** Write-only (never read back): tracked by `oidcClientSecretHash`. Absent in outputs. */
    clientSecret?: string;
    /** Sorted, unique (a comma-separated string is accepted in input). */
    scope: string[];
    verifyCert: boolean;
    autoOnboard: boolean;
    userClaim: string;
    groupsClaim: string;
    adminGroup: string;
    groupFilter: string;
    logout: boolean;
}

export interface SystemConfigInputs {
    connection: Connection;
    authMode?: AuthMode;
    ldap?: LdapSettings;
    oidc?: OidcSettings;
    robotTokenExpirationDays?: number;
    projectCreationRestriction?: "adminonly" | "everyone";
    auditLogForwardEndpoint?: string;
    skipAuditLogDatabase?: boolean;
}

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

const LDAP_FIELDS = ["searchPassword", ...LDAP_KEYS.map((k) => k.field)];
const OIDC_FIELDS = ["clientSecret", ...OIDC_KEYS.map((k) => k.field)];
const MANAGED = ["authMode", "ldap", "oidc", "robotTokenExpirationDays", "projectCreationRestriction", "auditLogForwardEndpoint", "skipAuditLogDatabase", "ldapSearchPasswordHash", "oidcClientSecretHash"] as const;
const INPUT_KEYS = ["connection", "authMode", "ldap", "oidc", "robotTokenExpirationDays", "projectCreationRestriction", "auditLogForwardEndpoint", "skipAuditLogDatabase"] as const;
const MAX_NUMBER = 9_999_999_999; // Harbor: at most 10 digits

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
    if (k.kind === "list") return [...new Set(String(v ?? "").split(",").map((x) => x.trim()).filter(Boolean))].sort();
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

/** Robot accounts' names start with Harbor's robot prefix (robot_name_prefix, "robot$" by default). */
const ROBOT_USER_RE = /^robot\$/;

export class SystemConfigProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<SystemConfigInputs, SystemConfigOutputs> {
    async check(_olds: SystemConfigInputs, news: SystemConfigInputs): Promise<pulumi.dynamic.CheckResult<SystemConfigInputs>> {
        const c = new InputChecker(news);
        const inputs: SystemConfigInputs = {
            connection: c.connection(),
            authMode: c.oneOf("authMode", AUTH_MODES),
            ldap: checkLdap(c, c.value("ldap")),
            oidc: checkOidc(c, c.value("oidc")),
            robotTokenExpirationDays: c.number("robotTokenExpirationDays", { min: 1, max: MAX_NUMBER, hint: "days" }),
            projectCreationRestriction: c.oneOf("projectCreationRestriction", ["adminonly", "everyone"] as const),
            auditLogForwardEndpoint: c.string("auditLogForwardEndpoint", { pattern: /^$|^[A-Za-z0-9.-]+:\d{1,5}$/, patternHint: 'use "host:port" of a syslog endpoint (e.g. "audit.example.com:514"), or "" for none' }),
            skipAuditLogDatabase: c.bool("skipAuditLogDatabase", undefined as unknown as boolean),
        };
        if (inputs.authMode === "ldap_auth" && !inputs.ldap) c.fail("ldap", 'ldap is required when authMode is "ldap_auth"');
        if (inputs.authMode === "oidc_auth" && !inputs.oidc) c.fail("oidc", 'oidc is required when authMode is "oidc_auth"');
        if (inputs.skipAuditLogDatabase === true && !isUnknown(inputs.auditLogForwardEndpoint) && !inputs.auditLogForwardEndpoint) {
            c.fail("skipAuditLogDatabase", "skipAuditLogDatabase needs auditLogForwardEndpoint (Harbor refuses to drop audit logs that go nowhere)");
        }
        if (typeof inputs.connection?.username === "string" && ROBOT_USER_RE.test(inputs.connection.username)) {
            c.fail("connection.username", `connection.username "${inputs.connection.username}" is a robot account: SystemConfig reads and writes /configurations, which needs a Harbor system administrator (a robot can never hold that permission)`);
        }
        const keys = Object.keys(inputs).filter((k) => k !== "connection" && (inputs as unknown as Record<string, unknown>)[k] !== undefined);
        if (keys.length === 0) c.fail("authMode", "SystemConfig manages nothing: set at least one of authMode, ldap, oidc, robotTokenExpirationDays, projectCreationRestriction, auditLogForwardEndpoint, skipAuditLogDatabase");
        return c.result(inputs);
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

/** A secret string inside a nested input: type-checked without ever echoing the value. */
function secretField(sub: InputChecker, field: string): string | undefined {
    const v = sub.value(field);
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string" && !isUnknown(v)) {
        sub.fail(field, `${field} must be a string`);
        return undefined;
    }
    return v as string;
}

function checkLdap(c: InputChecker, raw: unknown): LdapSettings | undefined {
    const rec = objectInput(c, "ldap", raw, LDAP_FIELDS);
    if (!rec) return undefined;
    return nested(c, "ldap", rec, (s) => ({
        url: s.string("url", { required: true, pattern: /^ldaps?:\/\/[^\s]+$/, patternHint: "use ldap://host[:port] or ldaps://host[:port]" })!,
        searchDn: s.string("searchDn", { default: "", line: true })!,
        searchPassword: secretField(s, "searchPassword"),
        baseDn: s.string("baseDn", { required: true, minLength: 1, line: true })!,
        filter: s.string("filter", { default: "", line: true })!,
        uid: s.string("uid", { default: "cn", minLength: 1, line: true })!,
        scope: s.oneOf("scope", LDAP_SCOPES, { default: "subtree" })!,
        timeoutSeconds: s.number("timeoutSeconds", { default: 5, min: 1, max: 3600 })!,
        verifyCert: s.bool("verifyCert", true),
        groupBaseDn: s.string("groupBaseDn", { default: "", line: true })!,
        groupFilter: s.string("groupFilter", { default: "", line: true })!,
        groupAttribute: s.string("groupAttribute", { default: "", line: true })!,
        groupAdminDn: s.string("groupAdminDn", { default: "", line: true })!,
        groupMembershipAttribute: s.string("groupMembershipAttribute", { default: "memberof", line: true })!,
        groupSearchScope: s.oneOf("groupSearchScope", LDAP_SCOPES, { default: "subtree" })!,
    }));
}

/** OIDC scopes as a list or as Harbor's comma-separated string; normalised to a sorted, unique list. */
function oidcScope(s: InputChecker): string[] {
    const raw = s.value("scope");
    if (isUnknown(raw)) return raw as unknown as string[];
    if (raw === undefined || raw === null) return ["offline_access", "openid"];
    const items = typeof raw === "string" ? raw.split(/[\s,]+/) : Array.isArray(raw) ? raw : undefined;
    if (!items || items.some((x) => typeof x !== "string")) {
        s.fail("scope", "scope must be a list of scopes or a comma-separated string, e.g. \"openid,profile,email,offline_access\"");
        return [];
    }
    return [...new Set((items as string[]).map((x) => x.trim()).filter(Boolean))].sort();
}

function checkOidc(c: InputChecker, raw: unknown): OidcSettings | undefined {
    const rec = objectInput(c, "oidc", raw, OIDC_FIELDS);
    if (!rec) return undefined;
    return nested(c, "oidc", rec, (s) => {
        const o: OidcSettings = {
            name: s.string("name", { required: true, minLength: 1, line: true })!,
            endpoint: s.string("endpoint", { required: true, pattern: /^https:\/\/[^\s]+$/, patternHint: "the OIDC issuer URL, https://..." })!,
            clientId: s.string("clientId", { required: true, minLength: 1, line: true })!,
            clientSecret: secretField(s, "clientSecret"),
            scope: oidcScope(s),
            verifyCert: s.bool("verifyCert", true),
            autoOnboard: s.bool("autoOnboard", false),
            userClaim: s.string("userClaim", { default: "", line: true })!,
            groupsClaim: s.string("groupsClaim", { default: "", line: true })!,
            adminGroup: s.string("adminGroup", { default: "", line: true })!,
            groupFilter: s.string("groupFilter", { default: "", line: true })!,
            logout: s.bool("logout", false),
        };
        if (Array.isArray(o.scope) && !o.scope.includes("openid")) s.fail("scope", 'scope must include "openid"');
        return o;
    });
}

/** The provider every SystemConfig uses, in the dynamic-provider host (harbor/hosted.ts). */
export const systemConfigProvider = new SystemConfigProvider();

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export interface SystemConfigArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** "db_auth", "ldap_auth" or "oidc_auth". Harbor refuses a change once users exist. */
    authMode?: pulumi.Input<AuthMode>;
    /** LDAP settings (searchPassword is write-only and kept secret). */
    ldap?: pulumi.Input<Inputs<Partial<LdapSettings>> & { url: pulumi.Input<string>; baseDn: pulumi.Input<string> }>;
    /** OIDC settings (clientSecret is write-only and kept secret). */
    oidc?: pulumi.Input<Inputs<Partial<OidcSettings>> & { name: pulumi.Input<string>; endpoint: pulumi.Input<string>; clientId: pulumi.Input<string> }>;
    /** Default lifetime of robot account tokens, in days. */
    robotTokenExpirationDays?: pulumi.Input<number>;
    /** Who may create projects: "adminonly" or "everyone". */
    projectCreationRestriction?: pulumi.Input<"adminonly" | "everyone">;
    /** Syslog endpoint "host:port" audit logs are forwarded to; "" = none. */
    auditLogForwardEndpoint?: pulumi.Input<string>;
    /** Keep audit logs only in the forward endpoint (needs auditLogForwardEndpoint). */
    skipAuditLogDatabase?: pulumi.Input<boolean>;
}

/** The settings of Harbor's system configuration this program owns (partial; delete leaves them as they are). */
export class SystemConfig extends HarborResource {
    declare readonly ldapSearchPasswordHash: pulumi.Output<string>;
    declare readonly oidcClientSecretHash: pulumi.Output<string>;

    constructor(name: string, args: SystemConfigArgs, opts?: pulumi.CustomResourceOptions) {
        // ldap/oidc carry secrets: the whole object is secret in state and in the diff display.
        const props = dynamicProps(
            { ...args, ...(args.ldap ? { ldap: pulumi.secret(args.ldap) } : {}), ...(args.oidc ? { oidc: pulumi.secret(args.oidc) } : {}) },
            ["ldapSearchPasswordHash", "oidcClientSecretHash"],
        );
        super("SystemConfig", name, props, withSecretOutputs(opts, ["ldapSearchPasswordHash", "oidcClientSecretHash"]));
    }
}
