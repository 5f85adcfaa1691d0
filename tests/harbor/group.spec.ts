import { strict as assert } from "assert";
import { GroupOutputs, GroupProvider } from "../../harbor/group";
import { userGroupsArea } from "../emulator/areas/usergroups";
import { usersArea } from "../emulator/areas/users";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

const DN = "cn=devs,ou=groups,dc=example,dc=com";

describe("harbor/Group", () => {
    const h = useHarborEmulator();
    const p = new GroupProvider({ client: FAST_CLIENT });
    const groups = () => h.emu.area(userGroupsArea);
    const ldap = () => {
        h.emu.area(usersArea).settings.authMode = "ldap_auth";
        h.emu.area(usersArea).directory.ldapGroups.set(DN, "devs");
        h.emu.area(usersArea).directory.ldapGroups.set("cn=ops,ou=groups,dc=example,dc=com", "ops");
    };

    const { checked, created, check, failuresOf } = providerKit(h, p, { name: "devs", type: "http" });

    describe("check", () => {
        it("normalises the DN as Harbor stores it (trimmed, lower case)", async () => {
            const i = await checked({ type: "ldap", ldapDn: "  CN=Devs,OU=Groups,DC=example,DC=com " });
            assert.equal(i.ldapDn, DN);
        });

        it("fails on bad inputs, naming each property", async () => {
            assert.match((await failuresOf({ name: "g", type: "internal" })).type, /must be one of ldap, http, oidc, got "internal"/);
            assert.match((await failuresOf({ name: "g", type: "ldap" })).ldapDn, /ldapDn is required for an ldap group/);
            assert.match((await failuresOf({ name: "g", type: "ldap", ldapDn: "devs" })).ldapDn, /"devs" is not a DN/);
            assert.match((await failuresOf({ name: "g", type: "oidc", ldapDn: DN })).ldapDn, /only for ldap groups, not oidc/);
            assert.match((await failuresOf({ type: "http" })).name, /name is required/);
            assert.match((await failuresOf({ name: "g", type: "http", groupType: 2 })).groupType, /not a setting/);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("check: what Harbor v2.15.2 would refuse (issue 11 part C)", () => {
        it("ldapDn: every RDN is attribute=value (pkg/ldap SearchGroupByDN → goldap.ParseDN: 400 \"invalid DN syntax\")", async () => {
            const r = await check({ name: "devs", type: "ldap", ldapDn: "cn=devs,ou" });
            assert.deepEqual(r.failures, [{ property: "ldapDn", reason: 'ldapDn "cn=devs,ou" is not a DN: "ou" is not attribute=value (Harbor answers 400 "invalid DN syntax")' }]);
            assert.match(byProperty((await check({ name: "devs", type: "ldap", ldapDn: "cn=devs,,dc=x" })).failures).ldapDn, /"" is not attribute=value/);
            assert.deepEqual((await check({ name: "devs", type: "ldap", ldapDn: "cn=dev\\,ops+uid=1,dc=example,dc=com" })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one POST (http and ldap); Harbor holds name, type and DN", async () => {
            const { id, outs } = await created();
            assert.deepEqual(h.emu.sequence(), ["createUserGroup"]);
            assert.deepEqual(groups().groups.get(Number(id)), { id: Number(id), group_name: "devs", group_type: 2, ldap_group_dn: "" });
            assert.equal(outs.groupId, Number(id));
            ldap();
            const l = await created({ type: "ldap", ldapDn: DN });
            assert.deepEqual(groups().groups.get(Number(l.id)), { id: Number(l.id), group_name: "devs", group_type: 1, ldap_group_dn: DN });
        });

        it("diff: a no-op makes ZERO requests; a connection change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created());
        });

        it("update: a rename is one PUT, in place", async () => {
            const { id, outs, inputs } = await created();
            const news = { ...inputs, name: "developers" };
            assert.deepEqual(await p.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateUserGroup"]);
            assert.equal(groups().groups.get(Number(id))!.group_name, "developers");
        });

        it("replace: type or ldapDn; keeping name and type deletes first", async () => {
            ldap();
            const { id, outs, inputs } = await created({ type: "ldap", ldapDn: DN });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, ldapDn: "cn=ops,ou=groups,dc=example,dc=com" }), { changes: true, replaces: ["ldapDn"], deleteBeforeReplace: true });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, type: "oidc", ldapDn: undefined }), { changes: true, replaces: ["type", "ldapDn"], deleteBeforeReplace: false });
        });

        it("read: one GET, no phantom diff, inputs returned", async () => {
            ldap();
            await assertReadRoundTrip(h, p, await created({ type: "ldap", ldapDn: "CN=Devs,OU=Groups,DC=example,DC=com" }), ["getUserGroup"]);
        });

        it("read after drift (renamed behind its back): found, and the update renames it back", async () => {
            const { id, outs, inputs } = await created();
            groups().groups.get(Number(id))!.group_name = "renamed";
            const read = await p.read(id, outs);
            assert.equal((read.props as GroupOutputs).name, "renamed");
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, name: "renamed" }));
            const d = await p.diff(id, read.props as GroupOutputs, inputs);
            assert.deepEqual([d.changes, d.replaces], [true, []]);
            await p.update(id, read.props as GroupOutputs, inputs);
            assert.equal(groups().groups.get(Number(id))!.group_name, "devs");
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            groups().remove(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one request; already gone is fine", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteUserGroup"]);
            assert.equal(groups().groups.size, 0);
            await p.delete(id, outs);
        });

        it("an existing group of the same name and type is a clear error, not an adoption", async () => {
            groups().seed("devs", 2);
            const err = await rejection(created());
            assert.match(err.message, /a http group named "devs" already exists in Harbor \(409/);
            assert.equal(groups().groups.size, 1);
        });

        it("an LDAP DN unknown to LDAP surfaces Harbor's message", async () => {
            ldap();
            const err = await rejection(created({ type: "ldap", ldapDn: "cn=nobody,dc=example,dc=com" }));
            assert.match(err.message, /400 BAD_REQUEST: LDAP Group DN is not found/);
            h.emu.takeViolations(); // provoked on purpose: only LDAP can tell
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one group", async () => {
            h.emu.inject({ operationId: "createUserGroup" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["createUserGroup", "listUserGroups", "createUserGroup"]);
            assert.equal(groups().groups.size, 1);
        });

        it("POST committed then lost (503 / drop): adopts the group, no duplicate", async () => {
            for (const status of [503, "drop"] as const) {
                h.emu.inject({ operationId: "createUserGroup" }, { kind: "commitThenFail", status });
                const { id } = await created({ name: `devs-${status}` });
                assert.equal(groups().find(`devs-${status}`, 2)!.id, Number(id));
            }
            assert.equal(groups().groups.size, 2);
            assert.equal(h.emu.count("createUserGroup"), 2);
        });

        it("timeouts and 429s on read/update are retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "getUserGroup" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "updateUserGroup" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, name: "x" });
            assert.equal(groups().groups.get(Number(id))!.group_name, "x");
        });

        it("exhausted retries give a clear error", async () => {
            const { id, outs } = await created();
            const err = await exhaustRetries(h, { operationId: "deleteUserGroup" }, { kind: "status", status: 502 }, () => p.delete(id, outs));
            assert.match(err.message, /DELETE \/api\/v2\.0\/usergroups\/\d+ failed: 502 INJECTED: injected 502 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "Group", {
            afterDelete: () => assert.equal(groups().groups.size, 0),
        });
    });
});
