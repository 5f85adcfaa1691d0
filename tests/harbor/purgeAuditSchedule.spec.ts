import { strict as assert } from "assert";
import { PurgeAuditScheduleInputs, PurgeAuditScheduleProvider } from "../../harbor/purgeAuditSchedule";
import { SingletonScheduleOutputs } from "../../harbor/systemSchedule";
import { systemSchedulesArea } from "../emulator/areas/systemSchedules";
import { FAST_CLIENT, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

type Outs = PurgeAuditScheduleInputs & SingletonScheduleOutputs;

describe("harbor/PurgeAuditSchedule", () => {
    const h = useHarborEmulator();
    const p = new PurgeAuditScheduleProvider({ client: FAST_CLIENT });
    const purge = () => h.emu.area(systemSchedulesArea).purge;

    const { checked, created, check } = providerKit(h, p, { schedule: "weekly", retentionHours: 720, includeEventTypes: ["pull_artifact", "create_artifact"] });
    const lastBody = () => h.emu.calls().at(-1)!.body;

    describe("check", () => {
        it("normalises the event types (sorted, unique)", async () => {
            const i = await checked({ includeEventTypes: ["pull_artifact", "create_artifact", "pull_artifact"] });
            assert.deepEqual(i.includeEventTypes, ["create_artifact", "pull_artifact"]);
        });

        it("fails on bad inputs, naming the property, without a request", async () => {
            const r = await check({
                schedule: "0 0 * * 7 1", retentionHours: 240001, includeEventTypes: ["Pull Artifact"],
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.schedule, /6 fields/);
            assert.match(byProp.retentionHours, /at most 240000, got 240001/);
            assert.match(byProp["includeEventTypes[0]"], /"Pull Artifact" is invalid: expected an audit event type/);
            const r2 = await check({ schedule: "daily", includeEventTypes: [] });
            const byProp2 = byProperty(r2.failures);
            assert.match(byProp2.retentionHours, /required/);
            assert.match(byProp2.includeEventTypes, /at least one event type/);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one PUT with both parameters", async () => {
            const { id, outs } = await created();
            assert.deepEqual(h.emu.sequence(), ["updatePurgeSchedule"]);
            assert.deepEqual(lastBody(), {
                schedule: { type: "Weekly", cron: "0 0 0 * * 0" },
                parameters: { audit_retention_hour: 720, include_event_types: "create_artifact,pull_artifact", dry_run: false },
            });
            assert.equal(id, "purge-audit");
            assert.equal(outs.harborCron, "0 0 0 * * 0");
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing; nothing replaces", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, retentionHours: 24 }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT; read: one GET with no phantom diff and inputs returned", async () => {
            const { id, outs, inputs } = await created();
            const news = { ...inputs, retentionHours: 48, includeEventTypes: ["delete_artifact"] };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updatePurgeSchedule"]);
            const newOuts = { ...outs, ...news };
            const { result, calls } = await h.during(() => p.read(id, newOuts));
            assert.deepEqual(calls.map((c) => c.operationId), ["getPurgeSchedule"]);
            assert.deepEqual(plain(result.props), plain(newOuts));
            assert.deepEqual(plain(result.inputs), plain(news));
        });

        it("read after drift (UI edit) shows it; after removal behind its back: gone", async () => {
            const { id, outs, inputs } = await created();
            Object.assign(purge()!, { type: "Daily", cron: "0 0 0 * * *", parameters: { audit_retention_hour: 24, include_event_types: "pull_artifact,create_artifact,delete_artifact", dry_run: false } });
            const read = await p.read(id, outs);
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, schedule: "daily", retentionHours: 24, includeEventTypes: ["create_artifact", "delete_artifact", "pull_artifact"] }));
            assert.equal((await p.diff(id, read.props as Outs, inputs)).changes, true);
            h.emu.area(systemSchedulesArea).purge = undefined;
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one PUT of type None that still sends both parameters (Harbor validates them first)", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["updatePurgeSchedule"]);
            assert.deepEqual(lastBody(), { schedule: { type: "None", cron: "" }, parameters: { audit_retention_hour: 720, include_event_types: "create_artifact,pull_artifact", dry_run: false } });
            assert.equal(purge(), undefined, "the schedule is really removed (unlike the Terraform provider)");
        });
    });

    describe("faults", () => {
        it("503, 429, delay, drop and commit-then-fail are retried to one schedule", async () => {
            h.emu.inject({ operationId: "updatePurgeSchedule" }, { kind: "status", status: 503 });
            h.emu.inject({ operationId: "updatePurgeSchedule" }, { kind: "status", status: 429, retryAfter: 1 });
            h.emu.inject({ operationId: "updatePurgeSchedule" }, { kind: "commitThenFail", status: 504 });
            const { id, outs } = await created();
            assert.equal(h.emu.count("updatePurgeSchedule"), 4);
            assert.equal(purge()!.cron, "0 0 0 * * 0");
            h.emu.inject({ operationId: "getPurgeSchedule" }, { kind: "delay", ms: 500 });
            h.emu.inject({ operationId: "getPurgeSchedule" }, { kind: "drop" });
            assert.equal((await p.read(id, outs)).id, id);
            assert.equal(h.emu.count("getPurgeSchedule"), 3);
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "updatePurgeSchedule" }, { kind: "status", status: 503 }, () => created());
            assert.match(err.message, /PUT \/api\/v2\.0\/system\/purgeaudit\/schedule failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "PurgeAuditSchedule", {
            afterDelete: () => assert.equal(purge(), undefined),
        });
    });
});
