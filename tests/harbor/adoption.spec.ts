// Adoption (issue 11): `adopt: true` takes over an object that already exists in Harbor under the declared
// identity, records its id and converges it to the inputs (only what differs is sent); without it the existing
// object is still an error. Types with nothing to adopt refuse the input in check, saying why.
import { strict as assert } from "assert";
import { ArtifactCheckProvider } from "../../harbor/artifactCheck";
import { DefaultScannerProvider } from "../../harbor/defaultScanner";
import { GarbageCollectionScheduleProvider } from "../../harbor/gcSchedule";
import { GroupProvider } from "../../harbor/group";
import { ImmutableTagRuleProvider } from "../../harbor/immutableTagRule";
import { LabelProvider } from "../../harbor/label";
import { ProjectProvider } from "../../harbor/project";
import { ProjectMemberProvider } from "../../harbor/projectMember";
import { PurgeAuditScheduleProvider } from "../../harbor/purgeAuditSchedule";
import { ReadyProvider } from "../../harbor/ready";
import { RegistryProvider } from "../../harbor/registry";
import { ReplicationPolicyProvider } from "../../harbor/replicationPolicy";
import { RetentionPolicyProvider } from "../../harbor/retentionPolicy";
import { RobotAccountProvider } from "../../harbor/robotAccount";
import { SystemConfigProvider } from "../../harbor/systemConfig";
import { UserProvider } from "../../harbor/user";
import { WebhookProvider } from "../../harbor/webhook";
import { projectsArea } from "../emulator";
import { registriesArea } from "../emulator/areas/registries";
import { robotsArea } from "../emulator/areas/robots";
import { usersArea } from "../emulator/areas/users";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";

type Raw = Record<string, unknown>;
interface AnyProvider {
    check(olds: unknown, news: unknown): Promise<{ inputs?: unknown; failures?: { property: string; reason: string }[] }>;
    create(inputs: unknown): Promise<{ id: string; outs?: unknown }>;
    read(id: string, props?: unknown): Promise<{ id?: string; props?: unknown }>;
    diff(id: string, olds: unknown, news: unknown): Promise<{ changes?: boolean; replaces?: string[] }>;
}
const opts = { client: FAST_CLIENT };
const PUSH = [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }];

/** Per adoptable type: the declared inputs, and drift applied to the existing object before it is adopted. */
const CASES: { type: string; provider: AnyProvider; declared: Raw; existing?: Raw; remote?: [string, string] }[] = [
    { type: "Project", provider: new ProjectProvider(opts), declared: { name: "web", autoScan: true, public: true }, existing: { name: "web" } },
    { type: "RobotAccount", provider: new RobotAccountProvider(opts), declared: { name: "ci", project: "web", description: "CI", permissions: [{ kind: "project", access: PUSH }] }, existing: { name: "ci", project: "web", permissions: [{ kind: "project", access: [PUSH[0]] }] } },
    { type: "ImmutableTagRule", provider: new ImmutableTagRuleProvider(opts), declared: { project: "web", tagPattern: "v*" }, existing: { project: "web", tagPattern: "v*", disabled: true } },
    { type: "Label", provider: new LabelProvider(opts), declared: { name: "approved", project: "web", color: "#00FF00" }, existing: { name: "approved", project: "web" } },
    { type: "Webhook", provider: new WebhookProvider(opts), declared: { project: "web", name: "ci", address: "https://ci.example.com/b", eventTypes: ["PUSH_ARTIFACT"] }, existing: { project: "web", name: "ci", address: "https://ci.example.com/a", eventTypes: ["PULL_ARTIFACT"] } },
    // The remote's credential was rotated: adoption sends the declared one (Harbor never shows the stored secret).
    { type: "Registry", provider: new RegistryProvider(opts), declared: { name: "prod", type: "harbor", url: "https://prod.example.com", description: "prod", accessKey: "robot$r", accessSecret: "S3cret-new" }, existing: { name: "prod", type: "harbor", url: "https://prod.example.com", accessKey: "robot$r", accessSecret: "S3cret-old" }, remote: ["S3cret-old", "S3cret-new"] },
    { type: "User", provider: new UserProvider(opts), declared: { username: "alice", email: "alice@example.com", password: "Passw0rd-New", realname: "Alice" }, existing: { username: "alice", email: "alice@example.com", password: "Passw0rd-Old" } },
    { type: "Group", provider: new GroupProvider(opts), declared: { name: "devs", type: "http" } },
];

describe("harbor: adoption (adopt: true)", () => {
    const h = useHarborEmulator();
    beforeEach(() => {
        h.emu.area(usersArea).seed("dev");
    });
    const withConn = (raw: Raw) => ({ connection: h.connection(), ...raw });
    async function checked(p: AnyProvider, raw: Raw): Promise<Raw> {
        const r = await p.check({}, withConn(raw));
        assert.deepEqual(r.failures, []);
        return r.inputs as Raw;
    }
    async function make(p: AnyProvider, raw: Raw) {
        const c = await p.create(await checked(p, raw));
        return { id: c.id, outs: c.outs as Raw };
    }
    const project = new ProjectProvider(opts) as unknown as AnyProvider;

    for (const c of CASES) {
        it(`${c.type}: an existing object is an error without adopt; with adopt it is taken over (same id), converged, and a second diff is a no-op, also with adopt turned off`, async () => {
            if (c.type !== "Project") await make(project, { name: "web" });
            if (c.remote) h.emu.area(registriesArea).addRemote("https://prod.example.com", "robot$r", c.remote[0]);
            const existing = await make(c.provider, c.existing ?? c.declared);
            if (c.remote) h.emu.area(registriesArea).addRemote("https://prod.example.com", "robot$r", c.remote[1]);
            // Without adopt: Harbor's 409 (or the provider's clear error).
            await rejection(c.provider.create(await checked(c.provider, c.declared)));
            const inputs = await checked(c.provider, { ...c.declared, adopt: true });
            const adopted = await c.provider.create(inputs);
            assert.equal(adopted.id, existing.id, "the existing object's id is recorded");
            const outs = adopted.outs as Raw;
            // Converged: a read of what Harbor now holds shows no change against the declaration.
            const read = await c.provider.read(adopted.id, outs);
            assert.equal(read.id, adopted.id);
            for (const adopt of [true, false]) {
                const calls = await h.opsDuring(async () => {
                    const d = await c.provider.diff(adopted.id, read.props, await checked(c.provider, { ...c.declared, adopt }));
                    assert.deepEqual([d.changes, d.replaces], [false, []], `${c.type}: diff after adoption (adopt ${adopt})`);
                });
                assert.deepEqual(calls, []);
            }
        });
    }

    it("RobotAccount: the adopted robot gets a new secret (Harbor never returns one), captured as the output; the old one stops working", async () => {
        await make(project, { name: "web" });
        const robot = new RobotAccountProvider(opts) as unknown as AnyProvider;
        const declared = { name: "ci", project: "web", permissions: [{ kind: "project", access: PUSH }] };
        const existing = await make(robot, declared);
        const calls = await h.opsDuring(async () => {
            const adopted = await robot.create(await checked(robot, { ...declared, adopt: true }));
            const secret = (adopted.outs as Raw).secret as string;
            assert.ok(secret && secret !== existing.outs.secret);
            assert.equal(h.emu.area(robotsArea).must("web+ci").secret, secret);
        });
        assert.deepEqual(calls, ["getProject", "ListRobot", "GetRobotByID", "RefreshSec"], "find, read, nothing to update, new secret");
    });

    it("Project: a field Harbor cannot change in place (a proxy cache's registry) is a clear error, nothing changed", async () => {
        h.emu.area(projectsArea).seed("web");
        const err = await rejection(project.create(await checked(project, { name: "web", registryId: 7, adopt: true })));
        assert.match(err.message, /cannot adopt the existing project \d+: registryId is undefined in Harbor, 7 declared, and Harbor cannot change that in place/);
    });

    it("with adopt and nothing to adopt, create makes the object as usual", async () => {
        const made = await make(project, { name: "fresh", adopt: true });
        assert.ok(h.emu.area(projectsArea).byName("fresh"));
        assert.equal(made.outs.adopt, true);
    });

    it("check refuses adopt where there is nothing to adopt, or where create always takes over, saying which", async () => {
        const refusal = async (p: AnyProvider, raw: Raw) => ((await p.check({}, withConn({ ...raw, adopt: true }))).failures ?? []).find((f) => f.property === "adopt")?.reason ?? "";
        assert.match(await refusal(new ProjectMemberProvider(opts), { project: "web", user: "dev", role: "developer" }), /always taken over/);
        assert.match(await refusal(new RetentionPolicyProvider(opts), { project: "web", rules: [{ template: "always" }] }), /at most one policy and create always takes over/);
        for (const [p, raw] of [
            [new SystemConfigProvider(opts), { robotTokenExpirationDays: 30 }],
            [new GarbageCollectionScheduleProvider(opts), { schedule: "daily" }],
            [new PurgeAuditScheduleProvider(opts), { schedule: "daily", retentionHours: 24, includeEventTypes: ["pull_artifact"] }],
            [new DefaultScannerProvider(opts), {}],
            [new ReadyProvider(opts), {}],
            [new ArtifactCheckProvider(opts), { project: "web", repository: "app", digest: `sha256:${"a".repeat(64)}` }],
        ] as [AnyProvider, Raw][]) {
            assert.match(await refusal(p, raw), /nothing to adopt \(a Harbor-wide singleton .* always converges to its inputs; Ready, ArtifactCheck and ImageSignature create no Harbor object\)/, p.constructor.name);
        }
        const ok = await (new ProjectMemberProvider(opts) as unknown as AnyProvider).check({}, withConn({ project: "web", user: "dev", role: "developer", adopt: false }));
        assert.deepEqual(ok.failures, [], "adopt: false is accepted everywhere");
        assert.equal(h.emu.log.length, 0, "check makes no request");
    });

    it("ReplicationPolicy: the policy of that name is adopted and put back to the declaration; another direction is refused", async () => {
        h.emu.area(registriesArea).addRemote("https://prod.example.com");
        const registry = await make(new RegistryProvider(opts), { name: "prod", type: "harbor", url: "https://prod.example.com" });
        const rp = new ReplicationPolicyProvider(opts) as unknown as AnyProvider;
        const base = { name: "to-prod", direction: "push", registryId: registry.outs.registryId, filters: { name: "web/**" } };
        const existing = await make(rp, { ...base, description: "old" });
        const adopted = await rp.create(await checked(rp, { ...base, description: "new", adopt: true }));
        assert.equal(adopted.id, existing.id);
        const read = await rp.read(adopted.id, adopted.outs);
        assert.equal((read.props as Raw).description, "new");
        const err = await rejection(rp.create(await checked(rp, { ...base, direction: "pull", adopt: true })));
        assert.match(err.message, /direction is "push" in Harbor, "pull" declared/);
    });
});
