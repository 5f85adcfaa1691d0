import { strict as assert } from "assert";
import { ProjectMemberOutputs, ProjectMemberProvider } from "../../harbor/projectMember";
import { projectsArea } from "../emulator";
import { membersArea } from "../emulator/areas/members";
import { userGroupsArea } from "../emulator/areas/usergroups";
import { usersArea } from "../emulator/areas/users";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertEngineLifecycle, assertNoOpDiff, assertReadRoundTrip, describeProjectAdminAccess, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

const DN = "cn=devs,ou=groups,dc=example,dc=com";

describe("harbor/ProjectMember", () => {
    const h = useHarborEmulator();
    const p = new ProjectMemberProvider({ client: FAST_CLIENT });
    const members = () => h.emu.area(membersArea);
    const roleOf = (mid: string | number) => members().find("web", Number(mid))?.roleId;
    beforeEach(() => {
        h.emu.area(projectsArea).seed("web");
        h.emu.area(usersArea).seed("dev");
        h.emu.area(userGroupsArea).seed("devs", 2);
    });

    const { checked, created, failuresOf } = providerKit(h, p, { project: "web", user: "dev", role: "developer" });

    describe("check", () => {
        it("fails on bad inputs, naming each property", async () => {
            const bad = (news: Record<string, unknown>) => failuresOf({ project: "web", role: "developer", ...news });
            assert.match((await bad({})).user, /exactly one of user or group \(neither is set\)/);
            assert.match((await bad({ user: "dev", group: { name: "devs", type: "http" } })).group, /both are set/);
            assert.match((await bad({ user: "dev", role: "owner" })).role, /must be one of projectAdmin, developer, guest, maintainer, limitedGuest, got "owner"/);
            assert.match((await bad({ group: { name: "devs", type: "internal" } }))["group.type"], /must be one of ldap, http, oidc/);
            assert.match((await bad({ group: { name: "devs", type: "ldap" } }))["group.ldapDn"], /required for an ldap group/);
            assert.match((await bad({ group: { name: "devs", type: "http", dn: "x" } }))["group.dn"], /not a setting/);
            assert.match((await bad({ user: "dev", project: "Web App" })).project, /"Web App" is invalid/);
            // projectId is an input since issue 11.11 (the project's id; a new one replaces the membership): a number.
            assert.match((await bad({ user: "dev", projectId: "3" })).projectId, /projectId must be a number/);
            assert.match((await bad({ user: "dev", adopt: true })).adopt, /adopt is not a setting of ProjectMember: a membership of exactly this user or group that already exists is always taken over/);
            assert.equal(h.emu.log.length, 0);
        });

        it("normalises an LDAP group's DN", async () => {
            const i = await checked({ user: undefined, group: { name: "devs", type: "ldap", ldapDn: " CN=Devs,OU=Groups,DC=example,DC=com" } });
            assert.deepEqual(i.group, { name: "devs", type: "ldap", ldapDn: DN });
        });
    });

    describe("lifecycle", () => {
        it("create: one POST for a user; any role incl. limitedGuest (5)", async () => {
            const { id, outs } = await created({ role: "limitedGuest" });
            assert.deepEqual(h.emu.sequence(), ["createProjectMember"]);
            const m = members().find("web", Number(id))!;
            assert.deepEqual([m.entityType, m.entityId, m.roleId], ["u", h.emu.area(usersArea).must("dev").user_id, 5]);
            assert.equal(outs.memberId, Number(id));
            assert.equal(h.emu.calls("createProjectMember")[0].headers["x-is-resource-name"], "true");
        });

        it("create: http, oidc and ldap groups (the LDAP one onboarded by DN), and an LDAP user onboarded", async () => {
            const http = await created({ user: undefined, group: { name: "devs", type: "http" }, role: "maintainer" });
            assert.equal(members().find("web", Number(http.id))!.entityId, h.emu.area(userGroupsArea).find("devs", 2)!.id);
            h.emu.area(userGroupsArea).seed("devs", 3);
            const oidc = await created({ user: undefined, group: { name: "devs", type: "oidc" }, role: "guest" });
            assert.equal(members().find("web", Number(oidc.id))!.entityId, h.emu.area(userGroupsArea).find("devs", 3)!.id);
            const users = h.emu.area(usersArea);
            users.settings.authMode = "ldap_auth";
            users.directory.ldapGroups.set(DN, "developers");
            users.directory.users.add("alice");
            const ldap = await created({ user: undefined, group: { name: "ldap-devs", type: "ldap", ldapDn: DN }, role: "projectAdmin" });
            const g = h.emu.area(userGroupsArea).byDn(DN)!;
            assert.equal(g.group_name, "ldap-devs");
            assert.equal(members().find("web", Number(ldap.id))!.entityId, g.id);
            const alice = await created({ user: "alice" });
            assert.equal(members().find("web", Number(alice.id))!.entityId, users.must("alice").user_id);
        });

        it("diff: a no-op makes ZERO requests; a connection change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created());
        });

        it("update: only the role, in place, one PUT", async () => {
            const { id, outs, inputs } = await created();
            const news = { ...inputs, role: "maintainer" as const };
            assert.deepEqual(await p.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateProjectMember"]);
            assert.equal(roleOf(id), 4);
        });

        it("replace: project, user or group; the same entity again (LDAP group renamed) deletes first", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual(await p.diff(id, outs, { ...inputs, project: "api" }), { changes: true, replaces: ["project"], deleteBeforeReplace: false });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, user: "ops" }), { changes: true, replaces: ["user"], deleteBeforeReplace: false });
            const g = { ...inputs, user: undefined, group: { name: "a", type: "ldap" as const, ldapDn: DN } };
            const gOuts = { ...outs, ...g };
            assert.deepEqual(await p.diff(id, gOuts, { ...g, group: { ...g.group, name: "b" } }), { changes: true, replaces: ["group"], deleteBeforeReplace: true });
            assert.deepEqual(await p.diff(id, gOuts, { ...g, group: { name: "a", type: "http" } }), { changes: true, replaces: ["group"], deleteBeforeReplace: false });
        });

        it("read: one GET, no phantom diff, inputs returned (user and group)", async () => {
            for (const extra of [{}, { user: undefined, group: { name: "devs", type: "http" } }]) {
                await assertReadRoundTrip(h, p, await created(extra), ["getProjectMember"]);
            }
        });

        it("read after drift: a role changed behind its back is found and put back; a renamed group shows as a replace", async () => {
            const { id, outs, inputs } = await created();
            members().find("web", Number(id))!.roleId = 1;
            const read = await p.read(id, outs);
            assert.equal((read.props as ProjectMemberOutputs).role, "projectAdmin");
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, role: "projectAdmin" }));
            await p.update(id, read.props as ProjectMemberOutputs, inputs);
            assert.equal(roleOf(id), 2);

            const g = await created({ user: undefined, group: { name: "devs", type: "http" } });
            h.emu.area(userGroupsArea).find("devs", 2)!.group_name = "devs-renamed";
            const gRead = await p.read(g.id, g.outs);
            assert.equal((gRead.props as ProjectMemberOutputs).group!.name, "devs-renamed");
            assert.deepEqual((await p.diff(g.id, gRead.props as ProjectMemberOutputs, g.inputs)).replaces, ["group"]);
        });

        it("read after a delete behind its back (membership, user or project): gone", async () => {
            const a = await created();
            members().remove("web", Number(a.id));
            assert.equal((await p.read(a.id, a.outs)).id, "");
            const b = await created();
            h.emu.area(usersArea).remove("dev");
            assert.equal((await p.read(b.id, b.outs)).id, "");
            h.emu.area(usersArea).seed("dev");
            const c = await created();
            h.emu.area(projectsArea).remove("web");
            assert.equal((await p.read(c.id, c.outs)).id, "");
            await p.delete(c.id, c.outs); // project gone: nothing to do, no error
        });

        it("delete: one request; already gone is fine", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteProjectMember"]);
            assert.equal(members().find("web", Number(id)), undefined);
            await p.delete(id, outs);
        });

        it("409: the same entity (the project's creator) is adopted and its role set", async () => {
            const owner = members().of(h.emu.area(projectsArea).must("web"))[0];
            const { id, outs } = await created({ user: "admin", role: "maintainer" });
            assert.deepEqual(h.emu.sequence(), ["createProjectMember", "listProjectMembers", "updateProjectMember"]);
            assert.equal(id, String(owner.id));
            assert.equal(outs.role, "maintainer");
            assert.equal(owner.roleId, 4);
        });

        it("409 for something that is not exactly this entity is a clear error", async () => {
            h.emu.area(usersArea).seed("devs"); // a USER named like the group
            members().add("web", "u", h.emu.area(usersArea).must("devs").user_id, 2);
            h.emu.inject({ operationId: "createProjectMember" }, { kind: "status", status: 409 });
            const err = await rejection(created({ user: undefined, group: { name: "devs", type: "http" } }));
            assert.match(err.message, /http group "devs" is already a member of project "web" \(409: .*\), but no membership of exactly that group was found/);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one membership", async () => {
            h.emu.inject({ operationId: "createProjectMember" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["createProjectMember", "listProjectMembers", "createProjectMember"]);
            assert.equal(members().of(h.emu.area(projectsArea).must("web")).length, 2); // admin + dev
        });

        it("POST committed then lost: adopts the membership (user and group), no duplicate, no redundant PUT", async () => {
            h.emu.inject({ operationId: "createProjectMember" }, { kind: "commitThenFail", status: 502 });
            const u = await created();
            h.emu.inject({ operationId: "createProjectMember" }, { kind: "commitThenFail", status: "drop" });
            const g = await created({ user: undefined, group: { name: "devs", type: "http" } });
            assert.equal(h.emu.count("createProjectMember"), 2);
            assert.equal(h.emu.count("updateProjectMember"), 0);
            const list = members().of(h.emu.area(projectsArea).must("web"));
            assert.equal(list.length, 3);
            assert.ok(list.some((m) => m.id === Number(u.id)) && list.some((m) => m.id === Number(g.id)));
        });

        it("timeouts on read and 429 on update are retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "getProjectMember" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "updateProjectMember" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, role: "guest" });
            assert.equal(roleOf(id), 3);
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "createProjectMember" }, { kind: "status", status: 503 }, () => created());
            assert.match(err.message, /POST \/api\/v2\.0\/projects\/web\/members failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });

        it("adopted, but the role PUT fails: a partial create recording Harbor's role", async () => {
            h.emu.inject({ operationId: "updateProjectMember" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ user: "admin", role: "guest" }))) as Error & { id?: string; properties?: ProjectMemberOutputs };
            assert.equal(err.id, String(members().of(h.emu.area(projectsArea).must("web"))[0].id));
            assert.equal(err.properties?.role, "projectAdmin");
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "ProjectMember", {
            afterDelete: (id) => assert.equal(members().find("web", Number(id)), undefined),
        });
    });

    describeProjectAdminAccess(h, "ProjectMember", p, providerKit(h, p, { project: "web", user: "dev", role: "developer" }), { project: "web" });
});
