import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RobotAccount, RobotAccountOutputs, RobotAccountProvider } from "../../harbor/robotAccount";
import { projectsArea } from "../emulator";
import { robotsArea } from "../emulator/areas/robots";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, exhaustRetries, plain, providerKit, useResourceMocks, valueOf } from "../helpers/providerKit";

const PULL_PUSH = [{ resource: "repository", action: "push" }, { resource: "repository", action: "pull" }];
const projectPerm = (access: unknown[] = PULL_PUSH) => [{ kind: "project", access }];

describe("harbor/RobotAccount", () => {
    const h = useHarborEmulator();
    const p = new RobotAccountProvider({ client: FAST_CLIENT });
    const robots = () => h.emu.area(robotsArea);
    beforeEach(() => h.emu.area(projectsArea).seed("web"));

    const { checked, created, failuresOf } = providerKit(h, p, () => ({ name: "ci", project: "web", permissions: projectPerm() }));
    const SYSTEM = {
        project: undefined, level: "system",
        permissions: [
            { kind: "system", access: [{ resource: "project", action: "create" }, { resource: "registry", action: "list" }] },
            { kind: "project", namespace: "*", access: PULL_PUSH },
        ],
    };

    describe("check", () => {
        it("defaults (level from project, namespace, effect, durationDays -1) and normalises permissions", async () => {
            const i = await checked({ permissions: projectPerm([...PULL_PUSH, { resource: "artifact", action: "read", effect: "allow" }, { resource: "repository", action: "pull" }]) });
            assert.equal(i.level, "project");
            assert.equal(i.durationDays, -1);
            assert.equal(i.description, "");
            assert.deepEqual(i.permissions, [{
                kind: "project", namespace: "web",
                access: [{ resource: "artifact", action: "read", effect: "allow" }, { resource: "repository", action: "pull", effect: "allow" }, { resource: "repository", action: "push", effect: "allow" }],
            }]);
            const s = await checked(SYSTEM);
            assert.deepEqual(s.permissions.map((x) => [x.kind, x.namespace]), [["project", "*"], ["system", "/"]]);
        });

        it("fails on bad inputs, naming each property and what is allowed", async () => {
            const bad = (news: Record<string, unknown>) => failuresOf({ name: "ci", project: "web", permissions: projectPerm(), ...news });
            assert.match((await bad({ name: "web+ci" })).name, /"web\+ci" is invalid: use lower-case letters .* \(no '\+' or '\$'\)/);
            assert.match((await bad({ project: undefined, level: "project" })).project, /required for a project-level robot/);
            assert.match((await bad({ level: "system" })).project, /only for project-level robots/);
            assert.match((await bad({ permissions: [{ kind: "project", namespace: "*", access: PULL_PUSH }] }))["permissions[0].namespace"], /must be the robot's project "web", got "\*" \("\*" is for system robots only\)/);
            assert.match((await bad({ permissions: [{ kind: "project", namespace: "api", access: PULL_PUSH }] }))["permissions[0].namespace"], /got "api"/);
            assert.match((await bad({ permissions: [...projectPerm(), { kind: "system", access: [{ resource: "project", action: "create" }] }] })).permissions, /exactly one permission .* got 2/);
            assert.match((await bad({ permissions: [] })).permissions, /non-empty list/);
            const access = await bad({ permissions: projectPerm([{ resource: "repository", action: "*" }, { resource: "registry", action: "list" }, { resource: "tag", action: "list", effect: "maybe" }]) });
            assert.match(access["permissions[0].access[0]"], /action "\*" is not allowed on project resource "repository" \(allowed: read, update, delete, list, pull, push\)/);
            assert.match(access["permissions[0].access[1]"], /resource "registry" is not a project-level resource/);
            assert.match(access["permissions[0].access[2].effect"], /must be one of allow, deny/);
            assert.match((await bad({ ...SYSTEM, permissions: [{ kind: "system", namespace: "web", access: [{ resource: "project", action: "create" }] }] }))["permissions[0].namespace"], /must be "\/" for kind system/);
            assert.match((await bad({ ...SYSTEM, permissions: [{ kind: "project", namespace: "web", access: PULL_PUSH }, { kind: "project", namespace: "web", access: PULL_PUSH }] })).permissions, /twice; merge/);
            assert.match((await bad({ durationDays: 0 })).durationDays, /at least 1, got 0 \(days, -1 for never\)/);
            assert.match((await bad({ rotateTrigger: { at: 1 } })).rotateTrigger, /string or a number/);
            assert.match((await bad({ secret: "x" })).secret, /not a setting/);
            assert.equal(h.emu.log.length, 0);
        });

        it("refuses a project robot whose stored name \"<project>+<name>\" exceeds robot.name varchar(255) (controller/robot Create; issue 11 part C)", async () => {
            const project = "p".repeat(200);
            const fails = await failuresOf({ name: "n".repeat(55), project, permissions: projectPerm() });
            assert.match(fails.name, /^name: Harbor stores a project robot as "<project>\+<name>", at most 255 characters; "p{200}\+" leaves 54 for the name, got 55$/);
            assert.equal((await failuresOf({ name: "n".repeat(54), project, permissions: projectPerm() })).name, undefined);
            assert.equal((await failuresOf({ ...SYSTEM, name: "n".repeat(255) })).name, undefined, "a system robot is stored under its own name");
            assert.equal(h.emu.log.length, 0);
        });

        it("refuses a kind-project namespace that is neither \"*\" nor a project name (controller/robot toScope looks it up by name; issue 11 part C)", async () => {
            const onProject = (namespace: string) => failuresOf({ ...SYSTEM, name: "ci", permissions: [{ kind: "project", namespace, access: PULL_PUSH }] });
            for (const namespace of ["Web", "web/api", "a b", "-web", "p".repeat(256)]) {
                assert.equal((await onProject(namespace))["permissions[0].namespace"], `permissions[0].namespace must be "*" (every project) or a project name (lower-case letters and digits, separated by single '.', '_' or '-', at most 255 characters), got "${namespace}"`);
            }
            for (const namespace of ["*", "web", "p".repeat(255)]) assert.equal((await onProject(namespace))["permissions[0].namespace"], undefined, namespace);
            assert.match((await onProject(""))["permissions[0].namespace"], /must not be empty/, "one failure at a time");
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one POST; the secret captured from the 201 body; fullName with the prefix", async () => {
            const { id, outs } = await created({ description: "CI pushes" });
            assert.deepEqual(h.emu.sequence(), ["CreateRobot"]);
            const r = robots().must("web+ci");
            assert.equal(id, String(r.id));
            assert.equal(outs.secret, r.secret);
            assert.equal(outs.fullName, "robot$web+ci");
            assert.equal(outs.expiresAt, -1);
            h.emu.resetLog();
            robots().settings.namePrefix = "harbor@";
            const sys = await created({ ...SYSTEM, name: "replicator", durationDays: 30 });
            assert.equal(sys.outs.fullName, "harbor@replicator");
            assert.equal(sys.outs.expiresAt, robots().must("replicator").expiresAt);
            assert.ok(sys.outs.expiresAt > 0);
        });

        it("create disabled: POST then the PUT Harbor needs (create ignores disable)", async () => {
            await created({ disabled: true });
            assert.deepEqual(h.emu.sequence(), ["CreateRobot", "UpdateRobot"]);
            assert.equal(robots().must("web+ci").disable, true);
            assert.equal((h.emu.calls("UpdateRobot")[0].body as { name: string }).name, "robot$web+ci");
        });

        it("diff: a no-op makes ZERO requests; a connection change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created());
        });

        it("update: one PUT with the full object under the prefixed name; + a GET for the expiry when the duration changes", async () => {
            const { id, outs, inputs } = await created();
            const news = await checked({ description: "more", permissions: projectPerm([...PULL_PUSH, { resource: "tag", action: "delete" }]) });
            assert.deepEqual((await p.diff(id, outs, news)).replaces, []);
            const { result } = await h.during(() => p.update(id, outs, news));
            assert.deepEqual(h.emu.sequence().slice(-1), ["UpdateRobot"]);
            const put = h.emu.calls("UpdateRobot")[0].body as Record<string, unknown>;
            assert.deepEqual([put.name, put.level, put.disable, put.duration], ["robot$web+ci", "project", false, -1]);
            const r = robots().must("web+ci");
            assert.equal(r.description, "more");
            assert.ok(r.permissions[0].access.some((a) => a.resource === "tag"));
            assert.equal(result.outs!.secret, outs.secret, "a plain update keeps the secret");
            h.emu.resetLog();
            const longer = { ...news, durationDays: 90 };
            const u = await p.update(id, { ...outs, ...news }, longer);
            assert.deepEqual(h.emu.sequence(), ["UpdateRobot", "GetRobotByID"]);
            assert.equal(u.outs!.expiresAt, robots().must("web+ci").expiresAt);
            assert.ok(u.outs!.expiresAt > 0);
        });

        it("rotation: a rotateTrigger change is one PATCH, and the new secret is captured", async () => {
            const { id, outs, inputs } = await created({ rotateTrigger: "2026-01" });
            const news = { ...inputs, rotateTrigger: "2026-02" };
            assert.deepEqual(await p.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const { result, calls } = await h.during(() => p.update(id, outs, news));
            assert.deepEqual(calls.map((c) => c.operationId), ["RefreshSec"]);
            assert.deepEqual(calls[0].body, { secret: "" });
            assert.notEqual(result.outs!.secret, outs.secret);
            assert.equal(result.outs!.secret, robots().must("web+ci").secret);
        });

        it("replace: name, level and project", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual((await p.diff(id, outs, { ...inputs, name: "ci2" })).replaces, ["name"]);
            assert.deepEqual((await p.diff(id, outs, { ...inputs, project: "api" })).replaces, ["project"]);
            const sys = await checked({ ...SYSTEM, name: "ci" });
            assert.deepEqual((await p.diff(id, outs, sys)).replaces, ["level", "project"]);
        });

        it("read: one GET, no phantom diff (Harbor's order and filled-in effect are normalised), inputs returned", async () => {
            for (const extra of [{}, { ...SYSTEM, name: "sys", durationDays: 7, disabled: true, rotateTrigger: 3 }]) {
                await assertReadRoundTrip(h, p, await created(extra), ["GetRobotByID"]);
            }
        });

        it("read after drift: permissions, description, disabled and duration are read back; the update puts them back", async () => {
            const { id, outs, inputs } = await created();
            const r = robots().must("web+ci");
            r.permissions = [{ kind: "project", namespace: "web", access: [{ resource: "repository", action: "delete", effect: "allow" }] }];
            Object.assign(r, { description: "hacked", disable: true, duration: 5 });
            const read = await p.read(id, outs);
            const props = read.props as RobotAccountOutputs;
            assert.deepEqual(props.permissions[0].access, [{ resource: "repository", action: "delete", effect: "allow" }]);
            assert.deepEqual([props.description, props.disabled, props.durationDays], ["hacked", true, 5]);
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, permissions: props.permissions, description: "hacked", disabled: true, durationDays: 5 }));
            assert.deepEqual((await p.diff(id, props, inputs)).replaces, []);
            await p.update(id, props, inputs);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as RobotAccountOutputs, inputs)).changes, false);
            assert.equal(robots().must("web+ci").disable, false);
        });

        it("a changed robot_name_prefix: refresh shows the new fullName without a diff; a stale name in PUT is recovered", async () => {
            const { id, outs, inputs } = await created();
            robots().settings.namePrefix = "bot-";
            const read = await p.read(id, outs);
            assert.equal((read.props as RobotAccountOutputs).fullName, "bot-web+ci");
            assert.equal((await p.diff(id, read.props as RobotAccountOutputs, inputs)).changes, false);
            // Updating from the stale state (no refresh): Harbor rejects the old name, the provider re-reads it once.
            const u = await p.update(id, outs, { ...inputs, description: "x" });
            assert.deepEqual(h.emu.sequence().slice(-3), ["UpdateRobot", "GetRobotByID", "UpdateRobot"]);
            assert.equal(u.outs!.fullName, "bot-web+ci");
            assert.equal(robots().must("web+ci").description, "x");
            assert.equal(h.emu.takeViolations().length, 1, "the rejected PUT (provoked on purpose)");
        });

        it("read after a delete behind its back (robot, or its project): gone", async () => {
            const a = await created();
            robots().robots.delete(Number(a.id));
            assert.equal((await p.read(a.id, a.outs)).id, "");
            const b = await created();
            h.emu.area(projectsArea).remove("web");
            assert.equal((await p.read(b.id, b.outs)).id, "");
        });

        it("delete: one request; already gone is fine", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["DeleteRobot"]);
            assert.equal(robots().byName("web+ci"), undefined);
            await p.delete(id, outs);
        });

        it("an existing robot of that name is a clear error (its secret cannot be recovered)", async () => {
            await created();
            const err = await rejection(created());
            assert.match(err.message, /a robot named "ci" already exists in project "web" \(409: .*\); choose another name or delete it/);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes (project id, then the list), retries, exactly one robot", async () => {
            h.emu.inject({ operationId: "CreateRobot" }, { kind: "status", status: 503 });
            const { outs } = await created();
            assert.deepEqual(h.emu.sequence(), ["CreateRobot", "getProject", "ListRobot", "CreateRobot"]);
            assert.equal(robots().live().length, 1);
            assert.equal(outs.secret, robots().must("web+ci").secret);
        });

        it("POST committed then lost: adopts the robot and rotates at once to capture a valid secret", async () => {
            for (const [status, extra] of [[502, {}], ["drop", { ...SYSTEM, name: "sys" }]] as const) {
                h.emu.resetLog();
                h.emu.inject({ operationId: "CreateRobot" }, { kind: "commitThenFail", status });
                const { outs, inputs } = await created(extra);
                const stored = inputs.level === "project" ? "web+ci" : "sys";
                assert.deepEqual(h.emu.sequence().filter((o) => o !== "getProject"), ["CreateRobot", "ListRobot", "RefreshSec"]);
                assert.equal(outs.secret, robots().must(stored).secret, "the captured secret is the valid one");
                assert.equal(outs.fullName, `robot$${stored}`);
            }
            assert.equal(robots().live().length, 2);
        });

        it("the probe's q survives Harbor's second unescape: '+' is sent as %2B inside q, so the lost robot is found (issue 11.3)", async () => {
            h.emu.inject({ operationId: "CreateRobot" }, { kind: "commitThenFail", status: 502 });
            const { outs } = await created();
            const probe = h.emu.log.find((r) => r.operationId === "ListRobot")!;
            // After the query string's own decoding Harbor holds "...,name=web%2Bci" and unescapes it once more.
            assert.match(probe.query.q, /,name=web%2Bci$/);
            assert.equal(outs.secret, robots().must("web+ci").secret);
            assert.equal(robots().live().length, 1);
            // The emulator unescapes like Harbor: a bare '+' searches for a space and finds nothing.
            const bare = await fetch(`${h.emu.url}/api/v2.0/robots?q=${encodeURIComponent(`Level=project,ProjectID=${robots().must("web+ci").projectId},name=web+ci`)}`, {
                headers: { Authorization: `Basic ${Buffer.from(`${h.emu.username}:${h.emu.password}`).toString("base64")}` },
            });
            assert.deepEqual(await bare.json(), []);
        });

        it("timeouts on read and 429 on update are retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "GetRobotByID" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "UpdateRobot" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, description: "d" });
            assert.equal(robots().must("web+ci").description, "d");
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "CreateRobot" }, { kind: "status", status: 503 }, () => created({ ...SYSTEM }));
            assert.match(err.message, /POST \/api\/v2\.0\/robots failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
            assert.equal(robots().live().length, 0);
        });

        it("partial creates keep the id: a failed disable PUT records enabled; a lost secret records a pending rotation", async () => {
            h.emu.inject({ operationId: "UpdateRobot" }, { kind: "status", status: 500 });
            const e1 = (await rejection(created({ disabled: true }))) as Error & { id?: string; properties?: RobotAccountOutputs };
            assert.equal(e1.id, String(robots().must("web+ci").id));
            assert.equal(e1.properties?.disabled, false);
            assert.equal(e1.properties?.secret, robots().must("web+ci").secret);

            h.emu.inject({ operationId: "CreateRobot" }, { kind: "commitThenFail", status: 503 });
            h.emu.inject({ operationId: "RefreshSec" }, { kind: "status", status: 503 });
            const inputs = await checked({ name: "ci2" });
            const e2 = (await rejection(p.create(inputs))) as Error & { id?: string; properties?: RobotAccountOutputs };
            assert.equal(e2.properties?.secret, "");
            // The next `up` sees a change and rotates: the secret is captured after all.
            const d = await p.diff(e2.id!, e2.properties!, inputs);
            assert.deepEqual([d.changes, d.replaces], [true, []]);
            const u = await p.update(e2.id!, e2.properties!, inputs);
            assert.equal(u.outs!.secret, robots().must("web+ci2").secret);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "RobotAccount", {
            afterDelete: () => assert.equal(robots().live().length, 0),
        });
    });

    describe("resource class (mocks)", () => {
        const { connection } = useResourceMocks({ robotId: 9, fullName: "robot$web+ci", secret: "S3cretValue", expiresAt: -1 });

        it("registers pulumi-nodejs:dynamic/harbor:RobotAccount and exposes the secret as a secret", async () => {
            const r = new RobotAccount("ci", { connection, name: "ci", project: "web", permissions: projectPerm() as never });
            const urn = await valueOf(r.urn);
            assert.match(urn, /pulumi-nodejs:dynamic\/harbor:RobotAccount::ci$/);
            assert.equal(await pulumi.isSecret(r.secret), true);
            assert.equal(await valueOf(r.fullName), "robot$web+ci");
        });
    });
});
