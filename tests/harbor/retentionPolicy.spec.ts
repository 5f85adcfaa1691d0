import { strict as assert } from "assert";
import { RetentionPolicyInputs, RetentionPolicyOutputs, RetentionPolicyProvider } from "../../harbor/retentionPolicy";
import { projectsArea } from "../emulator";
import { retentionsArea } from "../emulator/areas/retentions";
import { engineProvider } from "../helpers/engine";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, providerKit } from "../helpers/providerKit";

const RULES = [
    { template: "latestPushedK", value: 10, tagPattern: "{v*,release-*}" },
    { template: "nDaysSinceLastPull", value: 30, repoPattern: "tmp/**", repoDecoration: "repoExcludes", untagged: false },
    { template: "always", tagPattern: "stable", disabled: true },
];

describe("harbor/RetentionPolicy", () => {
    const h = useHarborEmulator();
    const p = new RetentionPolicyProvider({ client: FAST_CLIENT });
    const state = () => h.emu.area(retentionsArea);
    const projects = () => h.emu.area(projectsArea);
    beforeEach(() => projects().seed("web"));

    const { checked, created, check } = providerKit(h, p, { project: "web", schedule: "daily", rules: RULES });

    describe("check", () => {
        it("applies defaults to every rule (both selectors always present)", async () => {
            const i = await checked({ schedule: " 0 3 * * * ", rules: [{ template: "latestPulledN", value: 5 }] });
            assert.equal(i.schedule, "0 3 * * *");
            assert.deepEqual(i.rules, [{ template: "latestPulledN", value: 5, untagged: true, disabled: false, tagPattern: "**", tagDecoration: "matches", repoPattern: "**", repoDecoration: "repoMatches" }]);
        });

        it("fails on bad inputs, naming each property", async () => {
            const r = await check({
                project: "Web!", schedule: "0 0 0 * * *",
                rules: [
                    { template: "latestPushedK" },
                    { template: "always", value: 3 },
                    { template: "newest", value: 1 },
                    { template: "nDaysSinceLastPush", value: 0, tagPattern: "v1,v2", repoDecoration: "matches", colour: "red" },
                    "not a rule",
                ],
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.project, /"Web!" is invalid/);
            assert.match(byProp.schedule, /has 6 fields/);
            assert.match(byProp["rules[0].value"], /value is required with template "latestPushedK" \(the number of artifacts to keep\)/);
            assert.match(byProp["rules[1].value"], /not used with template "always"/);
            assert.match(byProp["rules[2].template"], /one of latestPushedK, latestPulledN, nDaysSinceLastPush, nDaysSinceLastPull, always, got "newest"/);
            assert.match(byProp["rules[3].value"], /at least 1, got 0 \(days\)/);
            assert.match(byProp["rules[3].tagPattern"], /"v1,v2" several patterns must be written as \{a,b\}/);
            assert.match(byProp["rules[3].repoDecoration"], /one of repoMatches, repoExcludes/);
            assert.match(byProp["rules[3].colour"], /not a setting/);
            assert.match(byProp["rules[4]"], /must be an object/);
        });

        it("at most 15 rules, at least one, no duplicates", async () => {
            const many = Array.from({ length: 16 }, (_, i) => ({ template: "latestPushedK", value: i + 1 }));
            const fail = async (rules: unknown) => (await check({ project: "web", rules })).failures!;
            assert.match((await fail(many))[0].reason, /rules has 16 items; at most 15/);
            assert.match((await fail([]))[0].reason, /rules needs at least 1 item/);
            assert.deepEqual(await fail([{ template: "always" }, { template: "always", tagPattern: "**" }]), [{ property: "rules[1]", reason: "rules[1] is identical to rules[0] (Harbor refuses duplicate rules)" }]);
        });

        it("refuses the values Harbor's evaluators refuse, and only Harbor's duplicates (issue 11 part C)", async () => {
            const fails = async (rules: unknown) => byProperty((await check({ project: "web", rules })).failures);
            // pkg/retention/policy/rule/latestps, latestpl Valid: a count >= math.MaxInt16 "is too large".
            const counts = await fails([{ template: "latestPushedK", value: 32767 }, { template: "latestPulledN", value: 40000 }, { template: "latestPushedK", value: 32766 }]);
            assert.match(counts["rules[0].value"], /^rules\[0\]\.value must be at most 32766, got 32767 \(the number of artifacts to keep: Harbor refuses more for latestPushedK\)$/);
            assert.match(counts["rules[1].value"], /at most 32766, got 40000/);
            assert.equal(counts["rules[2].value"], undefined);
            // dayspl, daysps Valid: more than 20190904 days "is too large".
            const days = await fails([{ template: "nDaysSinceLastPull", value: 20190905 }, { template: "nDaysSinceLastPush", value: 20190904 }]);
            assert.match(days["rules[0].value"], /at most 20190904, got 20190905 \(days: Harbor refuses more for nDaysSinceLastPull\)/);
            assert.equal(days["rules[1].value"], undefined);
            // handler/retention.go checkRuleConflict compares whole rules, disabled included: these two are not a 409.
            assert.deepEqual(await fails([{ template: "always" }, { template: "always", disabled: true }]), {});
        });
    });

    describe("lifecycle", () => {
        it("create: GET the project then POST; rules carry both selectors; retention_id is coupled", async () => {
            const inputs = await checked();
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["getProject", "createRetention"]);
            const body = calls[1].body as { rules: unknown[]; trigger: unknown; scope: unknown };
            assert.deepEqual(body.rules[0], {
                disabled: false, action: "retain", template: "latestPushedK", params: { latestPushedK: 10 },
                tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "{v*,release-*}", extras: "{\"untagged\":true}" }],
                scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
            });
            assert.deepEqual((body.rules[2] as { params: unknown }).params, {});
            assert.deepEqual(body.trigger, { kind: "Schedule", settings: { cron: "0 0 0 * * *" }, references: {} });
            const web = projects().byName("web")!;
            assert.deepEqual(body.scope, { level: "project", ref: web.project_id });
            assert.equal(web.metadata.retention_id, result.id);
            assert.equal(result.outs!.retentionId, Number(result.id));
            assert.equal(result.outs!.projectId, web.project_id);
            assert.equal(state().rulesWithoutTagSelector, 0);
        });

        it("create ADOPTS the project's existing policy (proxy cache) with a PUT instead of a failing POST", async () => {
            const auto = state().seedProxyPolicy("web");
            const { result, calls } = await h.during(async () => p.create(await checked()));
            assert.deepEqual(calls.map((c) => c.operationId), ["getProject", "updateRetention"]);
            assert.equal(result.id, String(auto.id));
            assert.equal(state().policies.size, 1);
            assert.equal(state().policies.get(auto.id)!.rules.length, 3);
            assert.equal(state().policies.get(auto.id)!.cron, "0 0 0 * * *");
        });

        it("create on a missing project fails clearly", async () => {
            const err = await rejection(created({ project: "nope" }));
            assert.match(err.message, /project "nope" does not exist in Harbor \(create it first/);
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing; project replaces", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual((await p.diff(id, outs, { ...inputs, project: "api" })).replaces, ["project"]);
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT with the new rules and schedule", async () => {
            const { id, outs } = await created();
            const news = await checked({ schedule: "", rules: [{ template: "latestPushedK", value: 3 }] });
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateRetention"]);
            const rec = state().policies.get(Number(id))!;
            assert.equal(rec.cron, "");
            assert.equal(rec.rules.length, 1);
            const read = await p.read(id, { ...outs, ...news });
            assert.equal((await p.diff(id, read.props as RetentionPolicyOutputs, news)).changes, false);
        });

        it("read: one GET, every rule field back, no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ schedule: "30 1 * * 0" }), ["getRetention"]);
        });

        it("read after drift: rules and schedule edited in the UI are found", async () => {
            const { id, outs, inputs } = await created();
            const rec = state().policies.get(Number(id))!;
            rec.cron = "0 0 5 * * *";
            rec.rules[0].params = { latestPushedK: 99 };
            rec.rules[1].tag_selectors[0].extras = "{\"untagged\":true}";
            rec.rules[2].disabled = false;
            rec.rules[2].scope_selectors.repository[0].pattern = "web/**";
            const read = await p.read(id, outs);
            const props = read.props as RetentionPolicyOutputs;
            assert.equal(props.schedule, "0 5 * * *");
            assert.deepEqual([props.rules[0].value, props.rules[1].untagged, props.rules[2].disabled, props.rules[2].repoPattern], [99, true, false, "web/**"]);
            assert.equal((read.inputs as RetentionPolicyInputs).schedule, "0 5 * * *");
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            await p.update(id, props, inputs);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as RetentionPolicyOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            state().detach(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("gone behind its back (Harbor: GET 500, DELETE 400, PUT 404, never 404 on GET): refresh is gone, destroy is done, update makes the project's policy again (issue 11.2)", async () => {
            const { id, outs, inputs } = await created();
            state().detach(Number(id));
            assert.deepEqual(await h.opsDuring(async () => assert.equal((await p.read(id, outs)).id, "")), ["getRetention", "getProject"]);
            assert.equal(h.emu.calls().find((r) => r.operationId === "getRetention")!.status, 500);
            await p.delete(id, outs);
            h.emu.resetLog();
            const u = await p.update(id, outs, { ...inputs, schedule: "weekly" });
            assert.deepEqual(h.emu.sequence(), ["updateRetention", "getProject", "getProject", "createRetention"]);
            const now = state().ofProject("web")!;
            assert.equal(u.outs!.retentionId, now.id);
            assert.equal(now.cron, "0 0 0 * * 0");
            // The next refresh follows the new id.
            assert.equal((await p.read(id, u.outs as RetentionPolicyOutputs)).id, String(now.id));
            await p.delete(id, u.outs as RetentionPolicyOutputs);
            assert.equal(state().policies.size, 0);
        });

        it("the project deleted (Harbor deletes its policy with it): refresh is gone, destroy is done, update says the project is missing (issue 11.2)", async () => {
            const { id, outs, inputs } = await created();
            projects().projects.delete(projects().byName("web")!.project_id);
            assert.equal((await p.read(id, outs)).id, "");
            await p.delete(id, outs);
            const err = await rejection(p.update(id, outs, { ...inputs, schedule: "" }));
            assert.match(err.message, /project "web" does not exist in Harbor/);
        });

        it("a policy that still exists is not taken for gone: a 500 with the coupling intact is reported (issue 11.2)", async () => {
            const { id, outs } = await created();
            h.emu.inject({ operationId: "getRetention" }, { kind: "status", status: 500 });
            const err = await rejection(p.read(id, outs));
            assert.match(err.message, /GET \/api\/v2\.0\/retentions\/\d+ failed: 500/);
        });

        it("delete REALLY deletes (DELETE /retentions/{id}) and clears retention_id; 404 counts as gone; a new create POSTs again", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteRetention"]);
            assert.equal(state().policies.size, 0);
            assert.equal(projects().byName("web")!.metadata.retention_id, undefined);
            // Deleting it again: Harbor answers 400 (not 404); the project's retention_id says it is gone.
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteRetention", "getProject"]);
            h.emu.resetLog();
            await created();
            assert.deepEqual(h.emu.sequence(), ["getProject", "createRetention"]);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes through the project's retention_id, retries, one policy", async () => {
            h.emu.inject({ operationId: "createRetention" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["getProject", "createRetention", "getProject", "createRetention"]);
            assert.equal(state().policies.size, 1);
        });

        it("POST committed then dropped: adopts it via retention_id (PUT), no duplicate, no 400", async () => {
            h.emu.inject({ operationId: "createRetention" }, { kind: "commitThenFail", status: "drop" });
            const { id } = await created();
            assert.deepEqual(h.emu.sequence(), ["getProject", "createRetention", "getProject", "updateRetention"]);
            assert.equal(state().policies.size, 1);
            assert.equal(projects().byName("web")!.metadata.retention_id, id);
        });

        it("slow and 502 reads are retried", async () => {
            const { id, outs } = await created();
            h.emu.inject({ operationId: "getRetention" }, { kind: "delay", ms: 500 });
            h.emu.inject({ operationId: "getRetention" }, { kind: "status", status: 502 });
            assert.equal((await p.read(id, outs)).id, id);
            assert.equal(h.emu.count("getRetention"), 3);
        });

        it("exhausted retries give a clear error", async () => {
            const { id, outs, inputs } = await created();
            const err = await exhaustRetries(h, { operationId: "updateRetention" }, { kind: "status", status: 504 }, () => p.update(id, outs, { ...inputs, schedule: "" }));
            assert.match(err.message, /PUT \/api\/v2\.0\/retentions\/\d+ failed: 504 INJECTED: injected 504 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "RetentionPolicy", {
            afterDelete: () => assert.equal(state().policies.size, 0),
        });
    });

    it("through the engine's host: a policy deleted behind its back reads as gone and its destroy succeeds (issue 11.2)", async () => {
        const engine = await engineProvider("RetentionPolicy");
        const inputs = await checked({}, engine as never);
        const { id, outs } = await engine.create(inputs);
        state().detach(Number(id));
        assert.equal((await engine.read(id, outs)).id, "");
        await engine.delete(id, outs);
    });
});
