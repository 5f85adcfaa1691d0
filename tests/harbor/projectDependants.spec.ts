// Issue 11.11: deleting or replacing a project takes what lives in it along (Harbor's handler/project.go
// DeleteProject deletes its robots; controller/event/handler/internal/project.go onProjectDelete its members,
// immutable rules and retention policy; labels and webhook policies stay behind; a system robot's permission on it
// is no longer listed, controller/robot populatePermissions). Every dependant takes the project's id as `projectId`
// (a system robot: `projectIds`), so a new id replaces it (or re-sends the system robot's permissions) instead of
// leaving a ghost in state.
import { strict as assert } from "assert";
import { ImmutableTagRuleProvider } from "../../harbor/immutableTagRule";
import { LabelProvider } from "../../harbor/label";
import { ProjectProvider } from "../../harbor/project";
import { ProjectMemberProvider } from "../../harbor/projectMember";
import { UNKNOWN } from "../../harbor/provider";
import { RetentionPolicyProvider } from "../../harbor/retentionPolicy";
import { RobotAccountProvider } from "../../harbor/robotAccount";
import { WebhookProvider } from "../../harbor/webhook";
import { usersArea } from "../emulator/areas/users";
import { robotsArea } from "../emulator/areas/robots";
import { labelsArea } from "../emulator/areas/labels";
import { webhooksArea } from "../emulator/areas/webhooks";
import { engineProvider } from "../helpers/engine";
import { FAST_CLIENT, useHarborEmulator } from "../helpers/harbor";
import { plain } from "../helpers/providerKit";

type Raw = Record<string, unknown>;
interface AnyProvider {
    check(olds: unknown, news: unknown): Promise<{ inputs?: unknown; failures?: { property: string; reason: string }[] }>;
    create(inputs: unknown): Promise<{ id: string; outs?: unknown }>;
    read(id: string, props?: unknown): Promise<{ id?: string; props?: unknown }>;
    diff(id: string, olds: unknown, news: unknown): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
    update(id: string, olds: unknown, news: unknown): Promise<{ outs?: unknown }>;
    delete(id: string, props: unknown): Promise<void>;
}
const opts = { client: FAST_CLIENT };
const PROVIDERS = {
    project: new ProjectProvider(opts), robot: new RobotAccountProvider(opts), member: new ProjectMemberProvider(opts),
    immutable: new ImmutableTagRuleProvider(opts), retention: new RetentionPolicyProvider(opts), label: new LabelProvider(opts), webhook: new WebhookProvider(opts),
} as unknown as Record<string, AnyProvider>;
const PUSH = [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }];
/** One dependant of each kind, in project "web" (projectId added per test). */
const DEPENDANTS: Record<string, Raw> = {
    robot: { name: "ci", project: "web", permissions: [{ kind: "project", access: PUSH }] },
    member: { project: "web", user: "dev", role: "developer" },
    immutable: { project: "web", tagPattern: "v*" },
    retention: { project: "web", rules: [{ template: "latestPushedK", value: 3 }] },
    label: { name: "approved", project: "web" },
    webhook: { project: "web", name: "ci", address: "https://ci.example.com/hook", eventTypes: ["PUSH_ARTIFACT"] },
};
const SYSTEM_ROBOT: Raw = { name: "replicator", level: "system", permissions: [{ kind: "project", namespace: "web", access: PUSH }] };

describe("harbor: a project's dependants follow its replacement (issue 11.11)", () => {
    const h = useHarborEmulator();
    beforeEach(() => h.emu.area(usersArea).seed("dev"));

    async function make(kind: string, raw: Raw): Promise<{ id: string; outs: Raw; inputs: Raw }> {
        const p = PROVIDERS[kind];
        const r = await p.check({}, { connection: h.connection(), ...raw });
        assert.deepEqual(r.failures, [], kind);
        const c = await p.create(r.inputs);
        return { id: c.id, outs: c.outs as Raw, inputs: r.inputs as Raw };
    }
    const checked = async (kind: string, raw: Raw) => (await PROVIDERS[kind].check({}, { connection: h.connection(), ...raw })).inputs as Raw;
    const makeProject = async () => make("project", { name: "web" });
    const systemRobotPermissions = (id: string) => (h.emu.area(robotsArea).view(h.emu.area(robotsArea).get(Number(id))!).permissions as { namespace: string }[]).map((x) => x.namespace);

    it("emulator, as Harbor: deleting a project deletes its robots, members, immutable rules and retention; labels and webhook policies stay behind; a system robot stops listing it", async () => {
        const project = await makeProject();
        const projectId = project.outs.projectId;
        const made: Record<string, { id: string; outs: Raw }> = {};
        for (const [kind, raw] of Object.entries(DEPENDANTS)) made[kind] = await make(kind, { ...raw, projectId });
        const system = await make("robot", { ...SYSTEM_ROBOT, projectIds: { web: projectId } });
        assert.deepEqual(systemRobotPermissions(system.id), ["web"]);

        await PROVIDERS.project.delete(project.id, project.outs);
        for (const kind of ["robot", "member", "immutable", "retention", "webhook"]) {
            assert.equal((await PROVIDERS[kind].read(made[kind].id, made[kind].outs)).id, "", `${kind} is gone with its project`);
        }
        // The label stays (readable by id, still naming the deleted project's id); the webhook policy stays stored.
        const label = await PROVIDERS.label.read(made.label.id, made.label.outs);
        assert.equal((label.props as Raw).projectId, projectId);
        assert.ok(h.emu.area(webhooksArea).policies.has(Number(made.webhook.id)), "the policy row stays behind");
        assert.deepEqual(systemRobotPermissions(system.id), [], "the permission on the deleted project is not listed");

        // A new project of the same name inherits none of it.
        const again = await makeProject();
        assert.notEqual(again.outs.projectId, projectId);
        assert.deepEqual(systemRobotPermissions(system.id), [], "a same-name project does not inherit the permission");
        assert.equal((await PROVIDERS.webhook.read(made.webhook.id, made.webhook.outs)).id, "", "the old policy is in no project");
        assert.equal(h.emu.area(labelsArea).labels.get(Number(made.label.id))!.project_id, projectId);
    });

    it("a new projectId replaces every dependant (also when not known yet, in preview), with no request; the replacement converges in the new project", async () => {
        const project = await makeProject();
        const made: Record<string, { id: string; outs: Raw; inputs: Raw }> = {};
        for (const [kind, raw] of Object.entries(DEPENDANTS)) made[kind] = await make(kind, { ...raw, projectId: project.outs.projectId });
        // The project is replaced (delete-first: same name, as a registryId change does).
        await PROVIDERS.project.delete(project.id, project.outs);
        const next = await makeProject();
        for (const [kind, raw] of Object.entries(DEPENDANTS)) {
            const p = PROVIDERS[kind];
            const { id, outs } = made[kind];
            const calls = await h.opsDuring(async () => {
                const preview = await p.diff(id, outs, await checked(kind, { ...raw, projectId: UNKNOWN }));
                assert.deepEqual([preview.changes, preview.replaces], [true, ["projectId"]], `${kind}: preview`);
                const d = await p.diff(id, outs, await checked(kind, { ...raw, projectId: next.outs.projectId }));
                assert.deepEqual([d.changes, d.replaces], [true, ["projectId"]], `${kind}: up`);
            });
            assert.deepEqual(calls, [], `${kind}: diff makes no request`);
            // The engine then creates the replacement and deletes the old object (already gone or left behind): no 409, no error.
            const replacement = await make(kind, { ...raw, projectId: next.outs.projectId });
            await p.delete(id, outs);
            assert.equal((await p.read(replacement.id, replacement.outs)).id, replacement.id, `${kind}: the replacement lives in the new project`);
        }
        // The stranded label was deleted with the old state; only the new project's label is left.
        assert.deepEqual([...h.emu.area(labelsArea).labels.values()].map((l) => l.project_id), [next.outs.projectId]);
        const robot = h.emu.area(robotsArea).live().filter((r) => r.level === "project");
        assert.deepEqual(robot.map((r) => r.projectId), [next.outs.projectId]);
    });

    it("a system robot keeps its secret: a new id in projectIds re-sends its permissions (one PUT), and Harbor lists the permission again", async () => {
        const project = await makeProject();
        const robot = await make("robot", { ...SYSTEM_ROBOT, projectIds: { web: project.outs.projectId } });
        await PROVIDERS.project.delete(project.id, project.outs);
        const next = await makeProject();
        const news = await checked("robot", { ...SYSTEM_ROBOT, projectIds: { web: next.outs.projectId } });
        const d = await PROVIDERS.robot.diff(robot.id, robot.outs, news);
        assert.deepEqual([d.changes, d.replaces], [true, []]);
        assert.deepEqual(await h.opsDuring(() => PROVIDERS.robot.update(robot.id, robot.outs, news)), ["UpdateRobot"]);
        assert.deepEqual(systemRobotPermissions(robot.id), ["web"]);
        assert.equal(h.emu.area(robotsArea).get(Number(robot.id))!.secret, robot.outs.secret, "same secret");
    });

    it("state written before projectId existed: the first up records it with no request; a project being replaced (unknown id) still replaces", async () => {
        const project = await makeProject();
        for (const [kind, raw] of Object.entries(DEPENDANTS)) {
            const p = PROVIDERS[kind];
            const made = await make(kind, raw);
            const legacy = { ...made.outs };
            if (kind !== "label" && kind !== "retention") delete legacy.projectId; // those two always recorded Harbor's id
            const news = await checked(kind, { ...raw, projectId: project.outs.projectId });
            const d = await p.diff(made.id, legacy, news);
            assert.deepEqual([d.changes, d.replaces], kind === "label" || kind === "retention" ? [false, []] : [true, []], `${kind}: record only`);
            if (d.changes) {
                const calls = await h.opsDuring(async () => assert.equal(((await p.update(made.id, legacy, news)).outs as Raw).projectId, project.outs.projectId));
                assert.deepEqual(calls, [], `${kind}: recording the id sends nothing`);
            }
            const preview = await p.diff(made.id, legacy, await checked(kind, { ...raw, projectId: UNKNOWN }));
            assert.deepEqual(preview.replaces, ["projectId"], `${kind}: unknown id = the project is being replaced`);
            await p.delete(made.id, made.outs);
        }
    });

    it("check: projectId is a project id; a system robot takes projectIds naming projects of its permissions", async () => {
        const failures = async (kind: string, raw: Raw) => Object.fromEntries(((await PROVIDERS[kind].check({}, { connection: h.connection(), ...raw })).failures ?? []).map((f) => [f.property, f.reason]));
        for (const [kind, raw] of Object.entries(DEPENDANTS)) {
            assert.match((await failures(kind, { ...raw, projectId: 0 })).projectId, /projectId must be at least 1, got 0 \(the project's id: the Project's projectId output\)/, kind);
        }
        assert.match((await failures("robot", { ...SYSTEM_ROBOT, projectId: 3 })).projectId, /only for project-level robots; a system robot takes projectIds/);
        assert.match((await failures("robot", { ...DEPENDANTS.robot, projectIds: { web: 3 } })).projectIds, /only for system robots/);
        assert.match((await failures("robot", { ...SYSTEM_ROBOT, projectIds: { api: 3 } }))["projectIds.api"], /no permission of kind project names project "api"/);
        assert.match((await failures("robot", { ...SYSTEM_ROBOT, projectIds: { web: "3" } }))["projectIds.web"], /must be a project id/);
        assert.match((await failures("label", { name: "x", projectId: 3 })).projectId, /only for a project label/);
        assert.equal(h.emu.log.length, 0, "check makes no request");
    });

    it("through the engine's dynamic-provider host: a new projectId is a replace for RobotAccount, Label and Webhook", async () => {
        const project = await makeProject();
        for (const [kind, type] of [["robot", "RobotAccount"], ["label", "Label"], ["webhook", "Webhook"]] as const) {
            const engine = await engineProvider(type);
            const made = await make(kind, { ...DEPENDANTS[kind], projectId: project.outs.projectId });
            const news = await checked(kind, { ...DEPENDANTS[kind], projectId: (project.outs.projectId as number) + 100 });
            const d = await engine.diff(made.id, plain(made.outs), plain(news));
            assert.deepEqual([d.changes, d.replaces], [true, ["projectId"]], type);
        }
    });
});
