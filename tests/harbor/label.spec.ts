import { strict as assert } from "assert";
import { LabelOutputs, LabelProvider } from "../../harbor/label";
import { projectsArea } from "../emulator";
import { labelsArea } from "../emulator/areas/labels";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertEngineLifecycle, assertNoOpDiff, assertReadRoundTrip, byProperty, describeProjectAdminAccess, exhaustRetries, plain, providerKit } from "../helpers/providerKit";


describe("harbor/Label", () => {
    const h = useHarborEmulator();
    const p = new LabelProvider({ client: FAST_CLIENT });
    const labels = () => h.emu.area(labelsArea);

    const { checked, created, check } = providerKit(h, p, { name: "release" });

    describe("check", () => {
        it("applies defaults and upper-cases the color", async () => {
            const i = await checked({ color: "#0095d3" });
            assert.deepEqual({ ...i, connection: undefined }, { connection: undefined, name: "release", description: "", color: "#0095D3" });
            assert.ok(!("project" in i), "an unset project stays absent (a global label)");
        });

        it("refuses a name Harbor would refuse: at most 128 bytes in UTF-8 (pkg/label/model/model.go Label.Valid counts Go's len)", async () => {
            // 100 characters, 200 bytes: Harbor creates it (the column is varchar(128)) and then refuses every update.
            const r = await check({ name: "é".repeat(100) });
            assert.deepEqual(r.failures, [{ property: "name", reason: "name must be at most 128 bytes in UTF-8, got 200" }]);
            assert.deepEqual((await check({ name: "é".repeat(64) })).failures, [], "64 × 2 bytes = 128 is allowed");
            assert.deepEqual((await check({ name: "x".repeat(129) })).failures, [{ property: "name", reason: "name must be at most 128 characters, got 129" }], "one failure per property");
            assert.equal(h.emu.log.length, 0);
        });

        it("fails on bad inputs, naming the property, without a request", async () => {
            const r = await check({ name: "", color: "blue", project: "", scope: "g" });
            const byProp = byProperty(r.failures);
            assert.match(byProp.name, /must not be empty/);
            assert.match(byProp.color, /"blue" is invalid: use "#RRGGBB"/);
            assert.match(byProp.project, /must not be empty/);
            assert.match(byProp.scope, /not a setting/);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: a global label is one POST; a project label looks the project up first", async () => {
            const g = await created({ description: "shipped", color: "#00FF00" });
            assert.deepEqual(h.emu.sequence(), ["CreateLabel"]);
            assert.deepEqual(plain(labels().labels.get(Number(g.id))), { id: Number(g.id), name: "release", description: "shipped", color: "#00FF00", scope: "g", project_id: 0 });
            assert.equal(g.outs.scope, "g");
            const proj = h.emu.area(projectsArea).seed("web");
            h.emu.resetLog();
            const pl = await created({ project: "web" });
            assert.deepEqual(h.emu.sequence(), ["getProject", "CreateLabel"]);
            assert.equal(labels().labels.get(Number(pl.id))!.project_id, proj.project_id);
            assert.deepEqual([pl.outs.scope, pl.outs.projectId], ["p", proj.project_id]);
        });

        it("diff: a no-op makes ZERO requests; password alone changes nothing; project replaces; name updates in place", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, project: "web" }), { changes: true, replaces: ["project"], deleteBeforeReplace: false });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, name: "rc" }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT", async () => {
            const { id, outs, inputs } = await created();
            const news = { ...inputs, name: "rc", color: "#112233", description: "candidate" };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["UpdateLabel"]);
            assert.deepEqual([labels().labels.get(Number(id))!.name, labels().labels.get(Number(id))!.color], ["rc", "#112233"]);
        });

        it("read: one GET, no phantom diff, inputs returned; drift found", async () => {
            const made = await created({ color: "#abcdef" });
            const { id, outs, inputs } = made;
            await assertReadRoundTrip(h, p, made, ["GetLabelByID"]);
            Object.assign(labels().labels.get(Number(id))!, { name: "renamed", description: "edited in the UI", color: "#ffffff" });
            const drift = await p.read(id, outs);
            assert.deepEqual(plain(drift.inputs), plain({ ...inputs, name: "renamed", description: "edited in the UI", color: "#FFFFFF" }));
            assert.equal((await p.diff(id, drift.props as LabelOutputs, inputs)).changes, true);
        });

        it("read after a delete behind its back: gone; delete is one request and 404 counts as gone", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["DeleteLabel"]);
            assert.equal(labels().labels.size, 0);
            assert.equal((await p.read(id, outs)).id, "");
            await p.delete(id, outs);
        });

        it("a duplicate name surfaces Harbor's 409; a missing project is a clear 404", async () => {
            await created();
            const dup = await rejection(created());
            assert.match(dup.message, /POST \/api\/v2\.0\/labels failed: 409 CONFLICT: label release already exists/);
            const missing = await rejection(created({ project: "nope" }));
            assert.match(missing.message, /GET \/api\/v2\.0\/projects\/nope failed: 404/);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: looks up by name, retries, one label", async () => {
            h.emu.inject({ operationId: "CreateLabel" }, { kind: "status", status: 503 });
            const { id } = await created();
            assert.deepEqual(h.emu.sequence(), ["CreateLabel", "ListLabels", "CreateLabel"]);
            assert.equal(labels().labels.size, 1);
            assert.ok(labels().labels.has(Number(id)));
        });

        it("POST committed then failed / dropped: adopts the label (exact name, not the fuzzy match), no duplicate", async () => {
            labels().labels.set(999, { id: 999, name: "release-502-old", description: "", color: "", scope: "g", project_id: 0 });
            for (const status of [502, "drop"] as const) {
                h.emu.inject({ operationId: "CreateLabel" }, { kind: "commitThenFail", status });
                const { id } = await created({ name: `release-${status}` });
                assert.equal(labels().find(`release-${status}`, "g", 0)!.id, Number(id));
            }
            assert.equal(labels().labels.size, 3);
        });

        it("429 on update and a slow read are retried; exhausted retries give a clear error", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "UpdateLabel" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, description: "x" });
            assert.equal(h.emu.count("UpdateLabel"), 2);
            h.emu.inject({ operationId: "GetLabelByID" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            const err = await exhaustRetries(h, { operationId: "DeleteLabel" }, { kind: "status", status: 503 }, () => p.delete(id, outs));
            assert.match(err.message, /DELETE \/api\/v2\.0\/labels\/\d+ failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "Label", {
            afterDelete: () => assert.equal(labels().labels.size, 0),
        });
    });

    describeProjectAdminAccess(h, "Label", p, providerKit(h, p, { name: "release" }), { project: "team", extra: { project: "team" }, seedProject: true });
});
