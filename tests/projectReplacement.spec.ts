// Issue 11.11 at the program level: the content component wires each project's id (the Project's projectId
// output) into everything Harbor deletes or strands with the project, so when a project is replaced the engine
// replaces them too. Under mocks: the real program for dev and prod; each dependant's projectId comes from its
// project (a dependency on it), and its provider's diff against the engine's unknown (a project being replaced)
// or a new id is a replacement; the prod inbound system robot re-sends its permissions instead (same secret).
import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "../config";
import { HARBOR_PROVIDERS } from "../harbor/hosted";
import { UNKNOWN } from "../harbor/provider";
import { program } from "../program";
import { readStackConfig } from "../scripts/plan";
import { installMocks, RecordedResource, resolveOutput, settle, unwrapSecrets } from "./helpers/pulumi";

const ROOT = path.resolve(__dirname, "..");
const H = "pulumi-nodejs:dynamic/harbor:";
const DEPENDANT_TYPES = ["ProjectMember", "RobotAccount", "RetentionPolicy", "ImmutableTagRule"];
type Raw = Record<string, unknown>;
interface AnyProvider {
    check(olds: unknown, news: unknown): Promise<{ inputs?: unknown; failures?: { property: string; reason: string }[] }>;
    diff(id: string, olds: unknown, news: unknown): Promise<{ changes?: boolean; replaces?: string[] }>;
}
const CONNECTION = { url: "https://harbor.example.com", username: "admin", password: "x" };


async function record(stack: string): Promise<RecordedResource[]> {
    const { raw, secretKeys } = readStackConfig(stack, ROOT);
    for (const k of ["existingHarborPassword", "replicationPassword"]) {
        raw[`harbor-platform:${k}`] = pulumi.secret("placeholder");
        secretKeys.add(`harbor-platform:${k}`);
    }
    const settings = parseSettings(stack, raw, { secretKeys });
    const { recorded } = installMocks(stack);
    const outputs = program(settings) as unknown as Raw;
    for (const v of Object.values(outputs)) await resolveOutput(v);
    await settle();
    return recorded;
}

describe("program: a project replacement replaces its dependants (issue 11.11, under mocks)", function () {
    this.timeout(60_000);

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every member, project robot, retention policy and immutable rule takes its project's id and is replaced with the project`, async () => {
            const all = await record(stack);
            const projects = new Map(all.filter((r) => r.type === `${H}Project`).map((r) => [r.inputs.name as string, r]));
            assert.ok(projects.size > 0);
            const dependants = all.filter((r) => DEPENDANT_TYPES.some((t) => r.type === `${H}${t}`) && r.inputs.project !== undefined);
            assert.ok(dependants.length >= projects.size, "each project has dependants");
            for (const r of dependants) {
                const project = projects.get(r.inputs.project as string)!;
                const type = r.type.slice(H.length);
                assert.equal(r.inputs.projectId, project.state.projectId, `${type} ${r.name}: projectId is the project's output`);
                assert.ok(r.dependencies.some((u) => u.endsWith(`::${project.name}`)), `${r.name} depends on its project`);
                const p = (HARBOR_PROVIDERS as unknown as Record<string, AnyProvider>)[type];
                const news = unwrapSecrets({ ...r.inputs, connection: CONNECTION }) as Raw;
                delete news.__provider;
                const olds = { ...(unwrapSecrets(r.state) as Raw), ...(await p.check({}, news)).inputs as Raw, connection: CONNECTION }; // outputs: the mocks' state, normalised as check does
                // The engine's view while the project is replaced (its id unknown), then with the new project's id.
                for (const id of [UNKNOWN, (project.state.projectId as number) + 1]) {
                    const checked = await p.check(olds, { ...news, projectId: id });
                    assert.deepEqual(checked.failures, [], r.name);
                    const d = await p.diff("1", olds, checked.inputs);
                    assert.deepEqual([d.changes, d.replaces], [true, ["projectId"]], `${type} ${r.name} with project id ${id}`);
                }
                const same = await p.diff("1", olds, (await p.check(olds, news)).inputs);
                assert.equal(same.changes, false, `${r.name}: no change while the project stays`);
            }
        });
    }

    it("prod: the inbound system robot names its target projects' ids (projectIds): a new id re-sends its permissions, no replacement", async () => {
        const all = await record("prod");
        const inbound = all.find((r) => r.type === `${H}RobotAccount` && r.inputs.level === "system");
        assert.ok(inbound, "prod has the inbound replication robot");
        const ids = unwrapSecrets(inbound.inputs.projectIds) as Record<string, number>;
        assert.ok(Object.keys(ids).length > 0);
        const p = HARBOR_PROVIDERS.RobotAccount as unknown as AnyProvider;
        const news = unwrapSecrets({ ...inbound.inputs, connection: CONNECTION }) as Raw;
        delete news.__provider;
        const olds = { ...(unwrapSecrets(inbound.state) as Raw), ...(await p.check({}, news)).inputs as Raw, connection: CONNECTION };
        const moved = Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, v + 1]));
        const d = await p.diff("1", olds, (await p.check(olds, { ...news, projectIds: moved })).inputs);
        assert.deepEqual([d.changes, d.replaces], [true, []]);
    });
});
