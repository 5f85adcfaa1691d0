// /configurations: Harbor's system settings, as 2.15 behaves (src/controller/config/controller.go):
// - GET returns every user setting as {value, editable}; write-only secrets (ldap_search_password,
//   oidc_client_secret) are never returned;
// - PUT is a PARTIAL update: only the keys sent change;
// - with CONFIG_OVERWRITE_JSON (`overwrite = true`) every item is editable:false and any PUT is a 403;
// - auth_mode cannot change once users exist (400; GET shows auth_mode.editable:false);
// - skip_audit_log_database needs an audit_log_forward_endpoint, which must be reachable (400, AFTER saving);
// - robot_token_duration, token_expiration and session_timeout must be positive and at most 10 digits.
// auth_mode is shared with the users area (its `settings.authMode` drives onboarding), when installed.
import { badRequest, defineArea, HarborEmulator, HarborError, ok } from "../server";
import { AuthMode, usersArea, UsersState } from "./users";

export interface ConfigurationsState {
    /** Current values (what GET shows). */
    values: Record<string, string | number | boolean>;
    /** Write-only values (never returned by GET). */
    secrets: Record<string, string>;
    /** Core runs with CONFIG_OVERWRITE_JSON: everything read-only. */
    overwrite: boolean;
    /** Whether users other than admin exist (auth_mode then locked). Reads the users area; tests may replace it. */
    usersExist: () => boolean;
    /** Audit-log endpoints core cannot connect to. */
    unreachableEndpoints: Set<string>;
}

const SECRET_KEYS = ["ldap_search_password", "oidc_client_secret", "uaa_client_secret"];
const AUTH_MODES = ["db_auth", "ldap_auth", "oidc_auth", "http_auth", "uaa_auth"];
const POSITIVE = ["robot_token_duration", "token_expiration", "session_timeout"];
const MAX_NUMBER = 9_999_999_999;

/** Harbor 2.15's defaults for the settings the providers touch (and a few neighbours). */
export function defaultConfigurations(): Record<string, string | number | boolean> {
    return {
        auth_mode: "db_auth", primary_auth_mode: false, self_registration: false, read_only: false,
        project_creation_restriction: "everyone", robot_token_duration: 30, robot_name_prefix: "robot$", token_expiration: 30,
        session_timeout: 60, notification_enable: true, quota_per_project_enable: true, storage_per_project: -1,
        audit_log_forward_endpoint: "", skip_audit_log_database: false, disabled_audit_log_event_types: "",
        scanner_skip_update_pulltime: false, banner_message: "",
        ldap_url: "", ldap_search_dn: "", ldap_base_dn: "", ldap_filter: "", ldap_uid: "cn", ldap_scope: 2, ldap_timeout: 5,
        ldap_verify_cert: true, ldap_group_base_dn: "", ldap_group_search_filter: "", ldap_group_attribute_name: "",
        ldap_group_search_scope: 2, ldap_group_admin_dn: "", ldap_group_membership_attribute: "memberof", ldap_group_attach_parallel: false,
        oidc_name: "", oidc_endpoint: "", oidc_client_id: "", oidc_scope: "", oidc_verify_cert: true, oidc_auto_onboard: false,
        oidc_user_claim: "", oidc_groups_claim: "", oidc_admin_group: "", oidc_group_filter: "", oidc_extra_redirect_parms: "{}", oidc_logout: false,
        http_authproxy_endpoint: "", http_authproxy_tokenreview_endpoint: "", http_authproxy_verify_cert: true, http_authproxy_skip_search: false,
        http_authproxy_admin_groups: "", http_authproxy_admin_usernames: "", http_authproxy_server_certificate: "",
        uaa_client_id: "", uaa_endpoint: "", uaa_verify_cert: true,
    };
}

function usersOf(emu: HarborEmulator): UsersState | undefined {
    try {
        return emu.area(usersArea);
    } catch {
        return undefined;
    }
}

export const configurationsArea = defineArea<ConfigurationsState>({
    name: "configurations",
    init: (emu) => ({
        values: defaultConfigurations(),
        secrets: {},
        overwrite: false,
        // Harbor counts the users in its database other than the built-in admin.
        usersExist: () => [...(usersOf(emu)?.users.values() ?? [])].some((u) => u.username !== "admin"),
        unreachableEndpoints: new Set(),
    }),
    handlers: (state, emu) => ({
        getConfigurations: () => {
            const users = usersOf(emu);
            if (users) state.values.auth_mode = users.settings.authMode;
            const out: Record<string, { value: unknown; editable: boolean }> = {};
            for (const [k, v] of Object.entries(state.values)) out[k] = { value: v, editable: !state.overwrite };
            out.auth_mode.editable = !state.overwrite && !state.usersExist();
            return ok(out);
        },
        updateConfigurations: (req) => {
            if (state.overwrite) throw new HarborError(403, "FORBIDDEN", "current config is init by env variable: CONFIG_OVERWRITE_JSON, it cannot be updated");
            const body = (req.body ?? {}) as Record<string, unknown>;
            const users = usersOf(emu);
            if (users) state.values.auth_mode = users.settings.authMode;
            const next = { ...state.values };
            for (const [k, v] of Object.entries(body)) {
                if (v === null || v === undefined) continue;
                if (SECRET_KEYS.includes(k)) continue;
                next[k] = v as string | number | boolean;
            }
            if (body.auth_mode !== undefined && body.auth_mode !== state.values.auth_mode) {
                if (!AUTH_MODES.includes(String(body.auth_mode))) throw badRequest(`invalid auth_mode ${String(body.auth_mode)}`);
                if (state.usersExist()) throw badRequest("the auth mode cannot be modified as new users have been inserted into database");
            }
            for (const k of ["ldap_scope", "ldap_group_search_scope"]) {
                if (body[k] !== undefined && ![0, 1, 2].includes(body[k] as number)) throw badRequest(`${k} must be 0, 1 or 2`);
            }
            if (body.project_creation_restriction !== undefined && !["adminonly", "everyone"].includes(String(body.project_creation_restriction))) {
                throw badRequest(`invalid project_creation_restriction ${String(body.project_creation_restriction)}`);
            }
            for (const k of POSITIVE) {
                const v = body[k];
                if (typeof v === "number" && v <= 0) throw badRequest(`the ${k} value must be positive`);
                if (typeof v === "number" && v > MAX_NUMBER) throw badRequest(`the ${k} value is over the limit value: ${MAX_NUMBER}`);
            }
            if ("skip_audit_log_database" in body || "audit_log_forward_endpoint" in body) {
                if (next.skip_audit_log_database === true && !next.audit_log_forward_endpoint) {
                    throw badRequest("audit log forward endpoint should be configured before enable skip audit log in database");
                }
            }
            state.values = next;
            if (users) users.settings.authMode = next.auth_mode as AuthMode;
            for (const k of SECRET_KEYS) if (typeof body[k] === "string") state.secrets[k] = body[k] as string;
            // Harbor stores the settings first, then checks the audit endpoint: a 400 here has already committed.
            const endpoint = body.audit_log_forward_endpoint;
            if (typeof endpoint === "string" && endpoint && state.unreachableEndpoints.has(endpoint)) {
                throw badRequest(`could not connect to the audit endpoint: ${endpoint}`);
            }
            return ok();
        },
    }),
});
