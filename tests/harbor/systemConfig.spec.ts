import { strict as assert } from "assert";
import { configSecretHash, SystemConfigOutputs, SystemConfigProvider } from "../../harbor/systemConfig";
import { configurationsArea } from "../emulator/areas/configurations";
import { usersArea } from "../emulator/areas/users";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { addProjectAdmin } from "../emulator/access";
import { assertNoOpDiff, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

const LDAP = { url: "ldaps://ldap.example.com", searchDn: "cn=svc,dc=example,dc=com", searchPassword: "Ld4p-Secret", baseDn: "dc=example,dc=com", uid: "uid" };
const OIDC = { name: "sso", endpoint: "https://sso.example.com/realms/harbor", clientId: "harbor", clientSecret: "0idc-Secret", scope: "openid,profile,offline_access", groupsClaim: "groups" };

describe("harbor/SystemConfig", () => {
    const h = useHarborEmulator();
    const p = new SystemConfigProvider({ client: FAST_CLIENT });
    const cfg = () => h.emu.area(configurationsArea);

    const { checked, created, check } = providerKit(h, p);
    const lastBody = () => h.emu.calls("updateConfigurations").at(-1)!.body as Record<string, unknown>;

    describe("check", () => {
        it("applies LDAP/OIDC defaults and normalises the OIDC scopes", async () => {
            const i = await checked({ authMode: "oidc_auth", oidc: OIDC });
            assert.deepEqual(i.oidc, { ...OIDC, scope: ["offline_access", "openid", "profile"], verifyCert: true, autoOnboard: false, userClaim: "", adminGroup: "", groupFilter: "", logout: false });
            const l = await checked({ ldap: { url: "ldap://ldap.example.com", baseDn: "dc=x" } });
            assert.deepEqual(l.ldap, {
                url: "ldap://ldap.example.com", searchDn: "", baseDn: "dc=x", filter: "", uid: "cn", scope: "subtree", timeoutSeconds: 5, verifyCert: true,
                groupBaseDn: "", groupFilter: "", groupAttribute: "", groupAdminDn: "", groupMembershipAttribute: "memberof", groupSearchScope: "subtree",
            });
            assert.equal(i.robotTokenExpirationDays, undefined, "unset settings stay unmanaged");
        });

        it("fails on bad inputs, naming the property (nested too), never echoing a secret", async () => {
            const r = await check({
                authMode: "ldap", robotTokenExpirationDays: 0, projectCreationRestriction: "admins", auditLogForwardEndpoint: "udp://x",
                skipAuditLogDatabase: true, oidc: { name: "sso", endpoint: "http://sso", clientId: "", clientSecret: 12345678, scope: ["profile"], colour: 1 }, readOnly: true,
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.authMode, /one of db_auth, ldap_auth, oidc_auth, got "ldap"/);
            assert.match(byProp.robotTokenExpirationDays, /at least 1, got 0 \(days\)/);
            assert.match(byProp.projectCreationRestriction, /adminonly, everyone/);
            assert.match(byProp.auditLogForwardEndpoint, /"host:port"/);
            assert.match(byProp["oidc.endpoint"], /issuer URL, https/);
            assert.match(byProp["oidc.clientId"], /must not be empty/);
            assert.equal(byProp["oidc.clientSecret"], "oidc.clientSecret must be a string");
            assert.match(byProp["oidc.scope"], /must include "openid"/);
            assert.match(byProp["oidc.colour"], /not a setting/);
            assert.match(byProp.readOnly, /not a setting/);
            assert.ok(!JSON.stringify(r.failures).includes("12345678"));
            const r2 = await check({ authMode: "ldap_auth", skipAuditLogDatabase: true });
            const byProp2 = byProperty(r2.failures);
            assert.match(byProp2.ldap, /required when authMode is "ldap_auth"/);
            assert.match(byProp2.skipAuditLogDatabase, /needs auditLogForwardEndpoint/);
            const empty = await check({});
            assert.match(empty.failures![0].reason, /manages nothing/);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("what Harbor v2.15.2 would refuse, refused in check", () => {
        it("blank ldap url, baseDn or uid (lib/config/metadata NonEmptyStringType trims)", async () => {
            const byProp = byProperty((await check({ ldap: { url: "ldaps://ldap.example.com", baseDn: "   ", uid: " " } })).failures);
            assert.match(byProp["ldap.baseDn"], /must not be blank/);
            assert.match(byProp["ldap.uid"], /must not be blank/);
        });

        it("an ldap group filter without the group name or membership attribute (pkg/config/validate/ldapgroup.go)", async () => {
            const byProp = byProperty((await check({ ldap: { url: "ldaps://ldap.example.com", baseDn: "dc=x", groupFilter: "(objectclass=group)", groupMembershipAttribute: "" } })).failures);
            assert.equal(byProp["ldap.groupAttribute"], 'ldap.groupAttribute is required when ldap.groupFilter is set (Harbor: "ldap group name attribute can not be empty")');
            assert.match(byProp["ldap.groupMembershipAttribute"], /required when ldap.groupFilter is set/);
            assert.deepEqual((await check({ ldap: { url: "ldaps://ldap.example.com", baseDn: "dc=x", groupFilter: "(objectclass=group)", groupAttribute: "cn" } })).failures, []);
        });

        it("an audit endpoint port Harbor cannot dial (pkg/audit/forward.go CheckEndpointActive)", async () => {
            const byProp = byProperty((await check({ auditLogForwardEndpoint: "audit.example.com:70000" })).failures);
            assert.match(byProp.auditLogForwardEndpoint, /port must be 1-65535, got 70000/);
            assert.match(byProperty((await check({ auditLogForwardEndpoint: "audit.example.com:0" })).failures).auditLogForwardEndpoint, /got 0/);
            assert.deepEqual((await check({ auditLogForwardEndpoint: "audit.example.com:514" })).failures, []);
        });

        it("a secret of the wrong type is refused without quoting it", async () => {
            const r = await check({ ldap: { url: "ldaps://ldap.example.com", baseDn: "dc=x", searchPassword: 87654321 } });
            assert.deepEqual(r.failures, [{ property: "ldap.searchPassword", reason: "ldap.searchPassword must be a string" }]);
        });
    });

    describe("lifecycle", () => {
        it("create: GET, then one PUT of only the owned keys that differ, secrets included; outputs hold hashes, not secrets", async () => {
            const { id, outs } = await created({ authMode: "ldap_auth", ldap: LDAP, robotTokenExpirationDays: 30, projectCreationRestriction: "adminonly" });
            assert.deepEqual(h.emu.sequence(), ["getConfigurations", "updateConfigurations"]);
            const body = lastBody();
            assert.equal(body.robot_token_duration, undefined, "30 days is already Harbor's value: not sent");
            assert.deepEqual(
                Object.keys(body).sort(),
                ["auth_mode", "ldap_base_dn", "ldap_search_dn", "ldap_search_password", "ldap_uid", "ldap_url", "project_creation_restriction"],
            );
            assert.equal(cfg().values.auth_mode, "ldap_auth");
            assert.equal(cfg().values.ldap_url, "ldaps://ldap.example.com");
            assert.equal(cfg().secrets.ldap_search_password, "Ld4p-Secret");
            assert.equal(cfg().values.self_registration, false, "keys it does not own are untouched");
            assert.equal(id, "system-config");
            assert.equal(outs.ldap!.searchPassword, undefined);
            assert.ok(!JSON.stringify(outs).includes("Ld4p-Secret"));
            assert.equal(outs.ldapSearchPasswordHash, configSecretHash("ldap_search_password", "Ld4p-Secret"));
            assert.equal(outs.oidcClientSecretHash, "");
        });

        it("create when Harbor already holds every value: GET only (adopts, no PUT)", async () => {
            assert.deepEqual(await h.opsDuring(() => created({ projectCreationRestriction: "everyone", robotTokenExpirationDays: 30 })), ["getConfigurations"]);
        });

        it("diff: a no-op makes ZERO requests; password alone changes nothing; a rotated secret is a change; nothing replaces", async () => {
            const { id, outs, inputs } = await created({ authMode: "oidc_auth", oidc: OIDC });
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, oidc: { ...inputs.oidc!, clientSecret: "Rotated-0idc" } }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT of exactly what changed; a rotated secret is sent, an unchanged one never", async () => {
            const { id, outs, inputs } = await created({ authMode: "oidc_auth", oidc: OIDC, robotTokenExpirationDays: 30 });
            const news = { ...inputs, robotTokenExpirationDays: 90, oidc: { ...inputs.oidc!, autoOnboard: true } };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateConfigurations"]);
            assert.deepEqual(lastBody(), { robot_token_duration: 90, oidc_auto_onboard: true });
            const rotated = { ...news, oidc: { ...news.oidc, clientSecret: "Rotated-0idc" } };
            const r = await p.update(id, { ...outs, ...(await p.update(id, outs, news)).outs! }, rotated);
            assert.deepEqual(lastBody(), { oidc_client_secret: "Rotated-0idc" });
            assert.equal(cfg().secrets.oidc_client_secret, "Rotated-0idc");
            assert.equal(r.outs!.oidcClientSecretHash, configSecretHash("oidc_client_secret", "Rotated-0idc"));
        });

        it("read: one GET, only owned keys read back, no phantom diff, inputs returned (without secrets)", async () => {
            const { id, outs, inputs } = await created({ authMode: "ldap_auth", ldap: { ...LDAP, scope: "onelevel" }, auditLogForwardEndpoint: "audit.example.com:514", skipAuditLogDatabase: true });
            const { result, calls } = await h.during(() => p.read(id, outs));
            assert.deepEqual(calls.map((c) => c.operationId), ["getConfigurations"]);
            assert.deepEqual(plain(result.props), plain(outs));
            const { searchPassword: _pw, ...ldapNoSecret } = inputs.ldap!;
            assert.deepEqual(plain(result.inputs), plain({ ...inputs, ldap: ldapNoSecret }));
            assert.equal((await p.diff(id, result.props as SystemConfigOutputs, inputs)).changes, false);
        });

        it("read after drift (UI edits): every owned key is read back and the update puts it back", async () => {
            const { id, outs, inputs } = await created({ authMode: "ldap_auth", ldap: LDAP, projectCreationRestriction: "adminonly", robotTokenExpirationDays: 30 });
            Object.assign(cfg().values, { ldap_scope: 0, ldap_verify_cert: false, project_creation_restriction: "everyone", robot_token_duration: 7, self_registration: true });
            const read = await p.read(id, outs);
            const props = read.props as SystemConfigOutputs;
            assert.deepEqual([props.ldap!.scope, props.ldap!.verifyCert, props.projectCreationRestriction, props.robotTokenExpirationDays], ["base", false, "everyone", 7]);
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            await p.update(id, props, inputs);
            assert.deepEqual(lastBody(), { ldap_scope: 2, ldap_verify_cert: true, project_creation_restriction: "adminonly", robot_token_duration: 30 });
            assert.equal(cfg().values.self_registration, true, "a key it does not own stays as the UI set it");
            assert.equal((await p.diff(id, (await p.read(id, props)).props as SystemConfigOutputs, inputs)).changes, false);
        });

        it("delete puts back the values Harbor had before (one GET, one PUT), and leaves keys it never changed", async () => {
            Object.assign(cfg().values, { project_creation_restriction: "everyone", robot_token_duration: 30, self_registration: true });
            const { id, outs } = await created({ projectCreationRestriction: "adminonly", robotTokenExpirationDays: 30 });
            assert.deepEqual(outs.restore, { project_creation_restriction: "everyone" }, "robot_token_duration already held 30: nothing to put back");
            cfg().values.self_registration = false; // someone else's change, to a key this resource does not own
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["getConfigurations", "updateConfigurations"]);
            assert.deepEqual(lastBody(), { project_creation_restriction: "everyone" });
            assert.equal(cfg().values.self_registration, false);
            assert.equal((await p.read(id, outs)).id, id, "a singleton is never gone");
        });

        it("a key first owned in an update is remembered then (one GET), and delete puts it back too", async () => {
            Object.assign(cfg().values, { project_creation_restriction: "everyone", robot_token_duration: 30 });
            const { id, outs } = await created({ projectCreationRestriction: "adminonly" });
            const inputs = await checked({ projectCreationRestriction: "adminonly", robotTokenExpirationDays: 60 });
            const updated = (await p.update(id, outs, inputs)).outs as SystemConfigOutputs;
            assert.deepEqual(updated.restore, { project_creation_restriction: "everyone", robot_token_duration: 30 });
            const again = (await p.update(id, updated, await checked({ projectCreationRestriction: "adminonly", robotTokenExpirationDays: 90 }))).outs as SystemConfigOutputs;
            assert.deepEqual(again.restore, updated.restore, "the value before the FIRST change is what comes back");
            await p.delete(id, again);
            assert.deepEqual([cfg().values.project_creation_restriction, cfg().values.robot_token_duration], ["everyone", 30]);
        });

        it("delete leaves auth_mode when Harbor has locked it (users exist), and restores the rest", async () => {
            const { id, outs } = await created({ authMode: "oidc_auth", oidc: OIDC, projectCreationRestriction: "adminonly" });
            assert.equal(outs.restore?.auth_mode, "db_auth");
            h.emu.area(usersArea).seed("alice"); // an OIDC user signed in: Harbor locks the mode
            await p.delete(id, outs);
            assert.equal(cfg().values.auth_mode, "oidc_auth");
            assert.equal(cfg().values.project_creation_restriction, "everyone");
        });

        it("delete of a state written before restore existed: no request", async () => {
            const { id, outs } = await created({ projectCreationRestriction: "adminonly" });
            assert.deepEqual(await h.opsDuring(() => p.delete(id, { ...outs, restore: undefined })), []);
        });
    });

    describe("Harbor's refusals", () => {
        it("auth mode locked by existing users: a clear error before any PUT", async () => {
            h.emu.area(usersArea).seed("alice");
            const err = await rejection(created({ authMode: "oidc_auth", oidc: OIDC }));
            assert.match(err.message, /authMode cannot change from "db_auth" to "oidc_auth": Harbor locks the auth mode once users other than admin exist/);
            assert.deepEqual(h.emu.sequence(), ["getConfigurations"]);
            assert.ok(!err.message.includes("0idc-Secret"));
            // Keeping the current mode is fine even with users.
            await created({ authMode: "db_auth", robotTokenExpirationDays: 10 });
            assert.equal(cfg().values.robot_token_duration, 10);
        });

        it("auth mode locked between read and update (Harbor's 400): the same clear error", async () => {
            const { id, outs, inputs } = await created({ authMode: "db_auth" });
            h.emu.area(usersArea).seed("bob");
            const err = await rejection(p.update(id, outs, { ...inputs, authMode: "ldap_auth", ldap: (await checked({ ldap: LDAP })).ldap }));
            assert.match(err.message, /authMode cannot change to "ldap_auth".*Harbor said: the auth mode cannot be modified as new users have been inserted into database/);
            h.emu.takeViolations(); // Harbor's own 400 (the emulator records every 400)
        });

        it("CONFIG_OVERWRITE_JSON: keys that differ are named in a clear error; matching ones adopt without a PUT", async () => {
            cfg().overwrite = true;
            const err = await rejection(created({ projectCreationRestriction: "adminonly", robotTokenExpirationDays: 30 }));
            assert.match(err.message, /Harbor reports project_creation_restriction as not editable: core runs with CONFIG_OVERWRITE_JSON .* either in the chart values or with SystemConfig, not both/);
            assert.deepEqual(h.emu.sequence(), ["getConfigurations"]);
            await created({ projectCreationRestriction: "everyone" });
            const sec = await rejection(created({ oidc: OIDC }));
            assert.match(sec.message, /oidc_client_secret/);
        });

        it("CONFIG_OVERWRITE_JSON switched on later: the update's 403 becomes the same clear error", async () => {
            const { id, outs, inputs } = await created({ robotTokenExpirationDays: 30 });
            cfg().overwrite = true;
            const err = await rejection(p.update(id, outs, { ...inputs, robotTokenExpirationDays: 60 }));
            assert.match(err.message, /robot_token_duration as not editable: core runs with CONFIG_OVERWRITE_JSON.*Harbor said: current config is init by env variable/);
        });

        it("an unreachable audit endpoint: Harbor saved it, the create is partial and records the old endpoint, so the next up sends it again", async () => {
            cfg().unreachableEndpoints.add("audit.example.com:514");
            const err = (await rejection(created({ auditLogForwardEndpoint: "audit.example.com:514" }))) as Error & { id?: string; properties?: Record<string, unknown> };
            assert.match(err.message, /cannot connect to auditLogForwardEndpoint "audit\.example\.com:514" \(PUT \/api\/v2\.0\/configurations: 400: could not connect to the audit endpoint: audit\.example\.com:514\)/);
            assert.equal(cfg().values.audit_log_forward_endpoint, "audit.example.com:514", "Harbor kept the value (controller.go saves first)");
            assert.equal(err.properties?.auditLogForwardEndpoint, "");
            h.emu.takeViolations(); // Harbor's own 400 (the emulator records every 400)
            // Still down: the next up does not see "nothing to change"; it sends the endpoint and fails again.
            const inputs = await checked({ auditLogForwardEndpoint: "audit.example.com:514" });
            const olds = err.properties as unknown as SystemConfigOutputs;
            assert.equal((await p.diff(err.id!, olds, inputs)).changes, true);
            await rejection(p.update(err.id!, olds, inputs));
            h.emu.takeViolations();
            // Reachable now: the update sends it and succeeds. A fresh create against the saved value still dials it.
            cfg().unreachableEndpoints.clear();
            await p.update(err.id!, olds, inputs);
            assert.equal(lastBody().audit_log_forward_endpoint, "audit.example.com:514");
            cfg().unreachableEndpoints.add("audit.example.com:514");
            await rejection(created({ auditLogForwardEndpoint: "audit.example.com:514" }));
            h.emu.takeViolations();
        });

        it("/configurations needs a system admin: check refuses a robot connection; a project admin's 403 names the permission", async () => {
            const failures = byProperty((await check({ connection: h.connection({ username: "robot$ci" }), robotTokenExpirationDays: 30 })).failures);
            assert.match(failures["connection.username"], /robot account: SystemConfig .* needs a Harbor system administrator \(a robot can never hold that permission\)/);
            const lead = addProjectAdmin(h.emu, "team-lead");
            const err = await rejection(p.create(await checked({ connection: h.connection(lead), robotTokenExpirationDays: 30 })));
            assert.match(err.message, /Harbor refused GET \/api\/v2\.0\/configurations for user "team-lead" \(403 FORBIDDEN\): SystemConfig .* needs a Harbor system administrator/);
        });
    });

    describe("faults", () => {
        it("503/429 on GET, a slow and a dropped PUT are retried (PUT is idempotent); one change lands", async () => {
            h.emu.inject({ operationId: "getConfigurations" }, { kind: "status", status: 503 });
            h.emu.inject({ operationId: "getConfigurations" }, { kind: "status", status: 429, retryAfter: 1 });
            h.emu.inject({ operationId: "updateConfigurations" }, { kind: "delay", ms: 500 });
            h.emu.inject({ operationId: "updateConfigurations" }, { kind: "commitThenFail", status: "drop" });
            await created({ projectCreationRestriction: "adminonly" });
            assert.equal(h.emu.count("getConfigurations"), 3);
            assert.equal(h.emu.count("updateConfigurations"), 3);
            assert.equal(cfg().values.project_creation_restriction, "adminonly");
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "getConfigurations" }, { kind: "status", status: 502 }, () => created({ projectCreationRestriction: "adminonly" }));
            assert.match(err.message, /GET \/api\/v2\.0\/configurations failed: 502 INJECTED: injected 502 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "SystemConfig", {
            extra: { authMode: "oidc_auth", oidc: OIDC },
            afterCreate: () => assert.equal(cfg().secrets.oidc_client_secret, "0idc-Secret"),
            // delete is a no-op: Harbor's configuration stays as it is
            afterDelete: () => assert.equal(cfg().secrets.oidc_client_secret, "0idc-Secret"),
        });
    });
});
