// The walkthrough of docs/operations.md "Bringing an existing Harbor under code", step by step against the
// emulator: a Harbor with dozens of projects (each with a robot, a member and an immutable rule, made by hand) is
// declared in a content-only stack with `adopt: true`; the program's own resources (run under mocks, as
// `pulumi up` would register them) are created through their providers: every object is taken over (same ids) and
// converged; the next diff is a no-op; turning adopt off changes nothing.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parseSettings, RawConfig } from "../config";
import { HARBOR_PROVIDERS } from "../harbor/hosted";
import { ImmutableTagRuleProvider } from "../harbor/immutableTagRule";
import { ProjectProvider } from "../harbor/project";
import { ProjectMemberProvider } from "../harbor/projectMember";
import { RobotAccountProvider } from "../harbor/robotAccount";
import { program } from "../program";
import { projectsArea } from "./emulator";
import { membersArea } from "./emulator/areas/members";
import { robotsArea } from "./emulator/areas/robots";
import { usersArea } from "./emulator/areas/users";
import { FAST_CLIENT, useHarborEmulator } from "./helpers/harbor";
import { installMocks, RecordedResource, resolveOutput, settle, unwrapSecrets } from "./helpers/pulumi";

const ROOT = path.resolve(__dirname, "..");
const P = "harbor-platform";
const H = "pulumi-nodejs:dynamic/harbor:";
const EXAMPLE = (parseYaml(fs.readFileSync(path.join(ROOT, "examples", "content-only.yaml"), "utf8")) as { config: RawConfig }).config;
const COUNT = 24; // two dozen
const NAMES = Array.from({ length: COUNT }, (_, i) => `team-${String(i).padStart(2, "0")}`);
type Raw = Record<string, unknown>;
interface AnyProvider {
    check(olds: unknown, news: unknown): Promise<{ inputs?: unknown; failures?: { property: string; reason: string }[] }>;
    create(inputs: unknown): Promise<{ id: string; outs?: unknown }>;
    diff(id: string, olds: unknown, news: unknown): Promise<{ changes?: boolean; replaces?: string[] }>;
}


describe("docs/operations.md walkthrough: bringing an existing Harbor with dozens of projects under code (adopt)", function () {
    this.timeout(60_000);
    const h = useHarborEmulator();

    /** Step 2's stack config: the content-only example with the existing projects declared (adopt on or off). */
    function config(adopt: boolean): RawConfig {
        return {
            ...EXAMPLE,
            [`${P}:existingHarbor`]: { url: h.emu.url, username: h.emu.username },
            [`${P}:existingHarborPassword`]: pulumi.secret(h.emu.password),
            [`${P}:system`]: { manage: false },
            [`${P}:projects`]: NAMES.map((name) => ({
                name, autoScan: true, ...(adopt ? { adopt: true } : {}),
                members: [{ user: "dev", role: "maintainer" }],
                robots: [{ name: "ci", preset: "push", durationDays: -1 }],
                immutable: [{ tagPattern: "v*" }],
            })),
        };
    }

    /** The Harbor resources the program registers for that config, in registration order. */
    async function declared(adopt: boolean): Promise<RecordedResource[]> {
        const settings = parseSettings("prod", config(adopt), { secretKeys: new Set([`${P}:existingHarborPassword`]) });
        const { recorded } = installMocks("prod");
        const outputs = program(settings) as unknown as Raw;
        for (const v of Object.values(outputs)) await resolveOutput(v);
        await settle();
        return recorded.filter((r) => r.type.startsWith(H));
    }

    it("seeds dozens of hand-made projects, adopts them all (same ids, converged), then diffs are no-ops, with adopt on and off", async () => {
        // Step 0: the Harbor as it is (made by hand): projects without auto scan, a robot each, dev as a guest, a v* rule.
        h.emu.area(usersArea).seed("dev");
        const seed = { client: FAST_CLIENT };
        const conn = h.connection();
        const before: Record<string, { project: number; robot: number; secret: string; rule: number }> = {};
        for (const name of NAMES) {
            const pr = new ProjectProvider(seed);
            const project = await pr.create((await pr.check({} as never, { connection: conn, name } as never)).inputs!);
            const rp = new RobotAccountProvider(seed);
            const robot = await rp.create((await rp.check({} as never, { connection: conn, name: "ci", project: name, permissions: [{ kind: "project", access: [{ resource: "repository", action: "pull" }] }] } as never)).inputs!);
            const mp = new ProjectMemberProvider(seed);
            await mp.create((await mp.check({} as never, { connection: conn, project: name, user: "dev", role: "guest" } as never)).inputs!);
            const ip = new ImmutableTagRuleProvider(seed);
            const rule = await ip.create((await ip.check({} as never, { connection: conn, project: name, tagPattern: "v*" } as never)).inputs!);
            before[name] = { project: Number(project.id), robot: Number(robot.id), secret: robot.outs!.secret, rule: Number(rule.id) };
        }

        // Steps 2-3: declare them with adopt: true; `pulumi up` creates every resource, i.e. takes each one over.
        const resources = await declared(true);
        assert.deepEqual([...new Set(resources.map((r) => r.type.slice(H.length)))].sort(), ["ImmutableTagRule", "Project", "ProjectMember", "Ready", "RobotAccount"]);
        const state = new Map<string, { type: string; id: string; outs: Raw }>();
        const projectIds = new Map<string, number>();
        const inputsOf = (r: RecordedResource): Raw => {
            const i = unwrapSecrets(r.inputs) as Raw;
            delete i.__provider;
            i.connection = conn;
            // Under mocks every project id is the mocks' 1: the engine passes the real one.
            if (i.projectId !== undefined) i.projectId = projectIds.get(i.project as string);
            return i;
        };
        for (const r of resources) {
            const type = r.type.slice(H.length);
            const p = (HARBOR_PROVIDERS as unknown as Record<string, AnyProvider>)[type];
            const checked = await p.check({}, inputsOf(r));
            assert.deepEqual(checked.failures, [], `${type} ${r.name}`);
            const made = await p.create(checked.inputs);
            state.set(r.name, { type, id: made.id, outs: made.outs as Raw });
            if (type === "Project") projectIds.set((made.outs as Raw).name as string, Number(made.id));
        }
        // Taken over, not duplicated: the same ids; converged to the config.
        const emuProjects = h.emu.area(projectsArea);
        assert.equal(emuProjects.projects.size, COUNT);
        for (const name of NAMES) {
            const p = emuProjects.must(name);
            assert.equal(state.get(`content-${name}`)!.id, String(before[name].project));
            assert.equal(p.metadata.auto_scan, "true");
            const robot = state.get(`content-${name}-robot-ci`)!;
            assert.equal(robot.id, String(before[name].robot));
            assert.notEqual(robot.outs.secret, before[name].secret, "adopted robots get a new secret (step 4 hands them out)");
            assert.equal(h.emu.area(robotsArea).get(before[name].robot)!.secret, robot.outs.secret);
            assert.deepEqual(h.emu.area(robotsArea).get(before[name].robot)!.permissions[0].access.map((a) => a.action).sort(), ["pull", "push"]);
            assert.equal(state.get(`content-${name}-immutable-0`)!.id, String(before[name].rule));
            const member = h.emu.area(membersArea).of(p).find((m) => m.entityType === "u" && m.entityId === h.emu.area(usersArea).byName("dev")!.user_id)!;
            assert.equal(member.roleId, 4, "dev is a maintainer now");
        }
        assert.equal(h.emu.area(robotsArea).live().length, COUNT, "no duplicate robots");

        // Step 5: preview shows nothing to do; step 6: adopt turned off, still nothing to do.
        for (const adopt of [true, false]) {
            const calls = await h.opsDuring(async () => {
                for (const r of await declared(adopt)) {
                    const s = state.get(r.name)!;
                    const p = (HARBOR_PROVIDERS as unknown as Record<string, AnyProvider>)[s.type];
                    const d = await p.diff(s.id, s.outs, (await p.check(s.outs, inputsOf(r))).inputs);
                    assert.deepEqual([d.changes, d.replaces], [false, []], `${r.name} (adopt ${adopt})`);
                }
            });
            assert.deepEqual(calls, [], "check and diff make no request");
        }
    });
});
