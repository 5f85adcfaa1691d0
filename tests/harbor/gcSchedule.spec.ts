import { strict as assert } from "assert";
import { GarbageCollectionScheduleInputs, GarbageCollectionScheduleProvider } from "../../harbor/gcSchedule";
import { SingletonScheduleOutputs } from "../../harbor/systemSchedule";
import { systemSchedulesArea } from "../emulator/areas/systemSchedules";
import { FAST_CLIENT, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";

type Outs = GarbageCollectionScheduleInputs & SingletonScheduleOutputs;

describe("harbor/GarbageCollectionSchedule", () => {
    const h = useHarborEmulator();
    const p = new GarbageCollectionScheduleProvider({ client: FAST_CLIENT });
    const gc = () => h.emu.area(systemSchedulesArea).gc;

    const { checked, created, check } = providerKit(h, p, { schedule: "daily" });
    const lastBody = () => h.emu.calls().at(-1)!.body;

    describe("check", () => {
        it("applies defaults", async () => {
            const i = await checked({ schedule: "Weekly" });
            assert.deepEqual({ ...i, connection: undefined }, { connection: undefined, schedule: "weekly", deleteUntagged: false, workers: 1 });
        });

        it("fails on bad inputs, naming the property, without a request", async () => {
            const r = await check({ schedule: "every day", workers: 11, deleteUntagged: "yes" });
            const byProp = byProperty(r.failures);
            assert.match(byProp.schedule, /must be a 5-field cron/);
            assert.match(byProp.workers, /at most 10, got 11/);
            assert.match(byProp.deleteUntagged, /true or false/);
            const missing = await check({});
            assert.deepEqual(missing.failures, [{ property: "schedule", reason: "schedule is required" }]);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one PUT with the schedule and every parameter", async () => {
            const { id, outs } = await created({ schedule: "30 1 * * 6", deleteUntagged: true, workers: 4 });
            assert.deepEqual(h.emu.sequence(), ["updateGCSchedule"]);
            assert.deepEqual(lastBody(), { schedule: { type: "Custom", cron: "0 30 1 * * 6" }, parameters: { delete_untagged: true, workers: 4, dry_run: false } });
            assert.equal(id, "garbage-collection");
            assert.equal(outs.harborCron, "0 30 1 * * 6");
            assert.deepEqual({ type: gc()!.type, cron: gc()!.cron, workers: gc()!.parameters.workers }, { type: "Custom", cron: "0 30 1 * * 6", workers: 4 });
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing; nothing replaces", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, workers: 3, schedule: "hourly" }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT", async () => {
            const { id, outs, inputs } = await created();
            const news = { ...inputs, schedule: "hourly", workers: 2 };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateGCSchedule"]);
            assert.deepEqual({ type: gc()!.type, cron: gc()!.cron, workers: gc()!.parameters.workers }, { type: "Hourly", cron: "0 0 * * * *", workers: 2 });
        });

        it("read: one GET (parameters from Harbor's JSON string), no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ deleteUntagged: true, workers: 5 }), ["getGCSchedule"]);
        });

        it("read after drift: schedule and parameters changed in the UI are found; the update puts them back", async () => {
            const { id, outs, inputs } = await created({ deleteUntagged: true, workers: 5 });
            Object.assign(gc()!, { type: "Custom", cron: "0 0 4 * * *", parameters: { ...gc()!.parameters, workers: 1, delete_untagged: false } });
            const read = await p.read(id, outs);
            const props = read.props as Outs;
            assert.deepEqual({ schedule: props.schedule, workers: props.workers, deleteUntagged: props.deleteUntagged }, { schedule: "0 4 * * *", workers: 1, deleteUntagged: false });
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, schedule: "0 4 * * *", workers: 1, deleteUntagged: false }));
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            await p.update(id, props, inputs);
            assert.equal((await p.diff(id, (await p.read(id, props)).props as Outs, inputs)).changes, false);
        });

        it("read after the schedule was removed behind its back (empty body): gone; with schedule \"\" it stays", async () => {
            const { id, outs } = await created();
            h.emu.area(systemSchedulesArea).gc = undefined;
            assert.equal((await p.read(id, outs)).id, "");
            const none = await created({ schedule: "", workers: 3 });
            assert.equal(gc(), undefined);
            const read = await p.read(none.id, none.outs);
            assert.equal(read.id, "garbage-collection");
            assert.deepEqual(plain(read.inputs), plain(none.inputs)); // nothing stored: the parameters stand
        });

        it("delete: one PUT of type None, parameters included", async () => {
            const { id, outs } = await created({ workers: 2 });
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["updateGCSchedule"]);
            assert.deepEqual(lastBody(), { schedule: { type: "None", cron: "" }, parameters: { delete_untagged: false, workers: 2, dry_run: false } });
            assert.equal(gc(), undefined);
            await p.delete(id, outs); // nothing to remove: still fine
        });
    });

    describe("faults", () => {
        it("503, 429, a slow answer and a dropped connection are retried; a commit-then-fail PUT converges", async () => {
            h.emu.inject({ operationId: "updateGCSchedule" }, { kind: "status", status: 503 });
            h.emu.inject({ operationId: "updateGCSchedule" }, { kind: "status", status: 429, retryAfter: 1 });
            h.emu.inject({ operationId: "updateGCSchedule" }, { kind: "commitThenFail", status: 502 });
            const { id, outs } = await created({ workers: 3 });
            assert.equal(h.emu.count("updateGCSchedule"), 4);
            assert.equal(gc()!.parameters.workers, 3);
            h.emu.inject({ operationId: "getGCSchedule" }, { kind: "delay", ms: 500 });
            h.emu.inject({ operationId: "getGCSchedule" }, { kind: "drop" });
            assert.equal((await p.read(id, outs)).id, id);
            assert.equal(h.emu.count("getGCSchedule"), 3);
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "updateGCSchedule" }, { kind: "status", status: 503 }, () => created());
            assert.match(err.message, /PUT \/api\/v2\.0\/system\/gc\/schedule failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "GarbageCollectionSchedule", {
            afterDelete: () => assert.equal(gc(), undefined),
        });
    });
});
