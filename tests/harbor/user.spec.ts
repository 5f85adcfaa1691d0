import { strict as assert } from "assert";
import { UserOutputs, UserProvider } from "../../harbor/user";
import { usersArea } from "../emulator/areas/users";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

const PASSWORD = "Initial-Passw0rd";

describe("harbor/User", () => {
    const h = useHarborEmulator();
    const p = new UserProvider({ client: FAST_CLIENT });
    const users = () => h.emu.area(usersArea);

    const { checked, created, check } = providerKit(h, p, { username: "dev", email: "dev@example.com", password: PASSWORD });

    describe("check", () => {
        it("applies defaults (realname = username, admin false)", async () => {
            const i = await checked();
            assert.equal(i.realname, "dev");
            assert.equal(i.admin, false);
        });

        it("fails on bad inputs naming each property, and never echoes the password", async () => {
            const r = await check({
                username: "bad name", email: "not-an-email", realname: "a#b", password: "weakpassword", admin: "yes", role: "x",
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.username, /"bad name" is invalid: no spaces/);
            assert.match(byProp.email, /"not-an-email" is invalid: expected an email address/);
            assert.match(byProp.realname, /"a#b" is invalid/);
            assert.match(byProp.password, /must contain an upper-case letter, a lower-case letter and a digit/);
            assert.match(byProp.admin, /true or false/);
            assert.match(byProp.role, /not a setting/);
            assert.ok(!JSON.stringify(r.failures).includes("weakpassword"), "the password is never echoed");
            const missing = await check({ username: "dev", email: "dev@example.com", password: 12345678 });
            assert.deepEqual(missing.failures, [{ property: "password", reason: "password must be a string" }]);
            // handler/user.go validateUserProfile (issue 11.12): '"' is illegal, lengths are bytes, the email regex is Harbor's.
            const harbor = byProperty((await check({ username: 'say"hi', email: "dev@exa_mple.com", realname: "é".repeat(200), password: PASSWORD })).failures);
            assert.match(harbor.username, /"say\"hi" is invalid: no spaces and none of , " ~ # \$ %/);
            assert.match(harbor.email, /is invalid: expected an email address/);
            assert.match(harbor.realname, /realname is 400 bytes in UTF-8; Harbor allows at most 255 bytes/);
            assert.match(byProperty((await check({ username: "dev", email: "dev@example.c", password: PASSWORD })).failures).email, /expected an email address/);
            assert.deepEqual((await check({ username: "dev", email: "dev@[10.0.0.1]", password: PASSWORD })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("check: what Harbor v2.15.2 would refuse (issue 11 part C)", () => {
        it("password: at most 128 BYTES (handler/user.go requireValidSecret counts with Go's len()), never quoted", async () => {
            const long = `Aa1${"é".repeat(70)}`; // 73 characters, 143 bytes
            const r = await check({ username: "dev", email: "dev@example.com", password: long });
            assert.deepEqual(r.failures, [{ property: "password", reason: "password is 143 bytes in UTF-8; Harbor allows at most 128 bytes" }]);
            assert.deepEqual((await check({ username: "dev", email: "dev@example.com", password: `Aa1${"é".repeat(62)}x` })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one POST; admin adds the sysadmin PUT", async () => {
            const { id, outs } = await created();
            assert.deepEqual(h.emu.sequence(), ["createUser"]);
            const u = users().must("dev");
            assert.equal(id, String(u.user_id));
            assert.equal(outs.userId, u.user_id);
            assert.deepEqual([u.email, u.realname, u.password, u.sysadmin], ["dev@example.com", "dev", PASSWORD, false]);
            h.emu.resetLog();
            await created({ username: "boss", email: "boss@example.com", admin: true });
            assert.deepEqual(h.emu.sequence(), ["createUser", "setUserSysAdmin"]);
            assert.equal(users().must("boss").sysadmin, true);
        });

        it("diff: a no-op makes ZERO requests; a connection change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created());
        });

        it("update: only the calls for what changed", async () => {
            const { id, outs, inputs } = await created();
            const profile = { ...inputs, email: "dev2@example.com", realname: "Dev Two" };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, profile)), ["updateUserProfile"]);
            const admin = { ...profile, admin: true };
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...profile }, admin)), ["setUserSysAdmin"]);
            const pw = { ...admin, password: "Rotated-Passw0rd" };
            const d = await p.diff(id, { ...outs, ...admin }, pw);
            assert.deepEqual([d.changes, d.replaces], [true, []]);
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...admin }, pw)), ["updateUserPassword"]);
            const u = users().must("dev");
            assert.deepEqual([u.email, u.realname, u.sysadmin, u.password], ["dev2@example.com", "Dev Two", true, "Rotated-Passw0rd"]);
        });

        it("changing the connection user's OWN password sends old_password, as Harbor requires even of admins (issue 11.12)", async () => {
            const admin = users().must("admin");
            const inputs = await checked({ username: "admin", email: admin.email, realname: admin.realname, password: h.emu.password, admin: true });
            const outs = { ...inputs, userId: admin.user_id };
            const news = { ...inputs, password: "N3w-Admin-Passw0rd" };
            await p.update(String(admin.user_id), outs, news);
            assert.deepEqual(h.emu.calls().find((r) => r.operationId === "updateUserPassword")!.body, { old_password: h.emu.password, new_password: "N3w-Admin-Passw0rd" });
            assert.equal(users().must("admin").password, "N3w-Admin-Passw0rd");
            // A stale old password (changed in the UI): a clear error.
            const err = await rejection(p.update(String(admin.user_id), outs, { ...news, password: "Th1rd-Passw0rd" }));
            assert.match(err.message, /password of user "admin", the connection's own user \(403: Current password is incorrect\): Harbor needs the current password/);
            // Another user's password: no old_password sent.
            const dev = await created();
            h.emu.resetLog();
            await p.update(dev.id, dev.outs, { ...dev.inputs, password: "Rotated-Passw0rd" });
            assert.deepEqual(h.emu.calls()[0].body, { new_password: "Rotated-Passw0rd" });
        });

        it("replace: username replaces; deleting first when the email stays (emails are unique)", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual(await p.diff(id, outs, { ...inputs, username: "dev2" }), { changes: true, replaces: ["username"], deleteBeforeReplace: true });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, username: "dev2", email: "dev2@example.com" }), { changes: true, replaces: ["username"], deleteBeforeReplace: false });
        });

        it("read: one GET, no phantom diff, inputs returned (password kept from state)", async () => {
            await assertReadRoundTrip(h, p, await created({ admin: true, realname: "Dev Eloper" }), ["getUser"]);
        });

        it("read after drift: email, realname and admin are read back; the update puts them back", async () => {
            const { id, outs, inputs } = await created();
            Object.assign(users().must("dev"), { email: "x@example.com", realname: "X", sysadmin: true });
            const read = await p.read(id, outs);
            const props = read.props as UserOutputs;
            assert.deepEqual([props.email, props.realname, props.admin], ["x@example.com", "X", true]);
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, email: "x@example.com", realname: "X", admin: true }));
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            assert.deepEqual(await h.opsDuring(() => p.update(id, props, inputs)), ["updateUserProfile", "setUserSysAdmin"]);
            assert.equal((await p.diff(id, (await p.read(id, props)).props as UserOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            users().remove("dev");
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one request; a 404 counts as gone", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteUser"]);
            assert.equal(users().byName("dev"), undefined);
            await p.delete(id, outs);
        });

        it("outside db_auth, create fails with a message naming the auth mode", async () => {
            users().settings.authMode = "oidc_auth";
            const err = await rejection(created());
            assert.match(err.message, /refused to create user "dev" \(403 FORBIDDEN\): local users can only be created when auth_mode is db_auth/);
        });

        it("an existing username is a clear error, not an adoption", async () => {
            users().seed("dev");
            const err = await rejection(created());
            assert.match(err.message, /user "dev" or email "dev@example.com" already exists in Harbor \(409/);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one user", async () => {
            h.emu.inject({ operationId: "createUser" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["createUser", "listUsers", "createUser"]);
            assert.equal(users().users.size, 2); // admin + dev
        });

        it("POST committed then lost (502 / drop): adopts the user, no duplicate, admin still applied", async () => {
            for (const status of [502, "drop"] as const) {
                h.emu.inject({ operationId: "createUser" }, { kind: "commitThenFail", status });
                const name = `dev-${status}`;
                const { id } = await created({ username: name, email: `${name}@example.com`, admin: true });
                assert.equal(id, String(users().must(name).user_id));
                assert.equal(users().must(name).sysadmin, true);
            }
            assert.equal(h.emu.count("createUser"), 2);
            assert.equal(users().users.size, 3);
        });

        it("a read slower than the timeout is retried; a 429 on update is retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "getUser" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "updateUserProfile" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, email: "dev3@example.com" });
            assert.equal(users().must("dev").email, "dev3@example.com");
            assert.equal(h.emu.count("updateUserProfile"), 2);
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "createUser" }, { kind: "status", status: 503 }, () => created());
            assert.match(err.message, /POST \/api\/v2\.0\/users failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
            assert.equal(users().byName("dev"), undefined);
        });

        it("a failed sysadmin PUT is a partial create that keeps the id (admin recorded as false)", async () => {
            h.emu.inject({ operationId: "setUserSysAdmin" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ admin: true }))) as Error & { id?: string; properties?: UserOutputs };
            assert.equal(err.id, String(users().must("dev").user_id));
            assert.equal(err.properties?.admin, false);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "User", {
            afterDelete: () => assert.equal(users().byName("dev"), undefined),
        });
    });
});
