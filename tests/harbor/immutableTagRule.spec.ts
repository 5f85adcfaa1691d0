import { strict as assert } from "assert";
import { ImmutableTagRuleOutputs, ImmutableTagRuleProvider } from "../../harbor/immutableTagRule";
import { projectsArea } from "../emulator";
import { immutableTagRulesArea } from "../emulator/areas/immutabletagrules";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertEngineLifecycle, assertNoOpDiff, assertReadRoundTrip, byProperty, describeProjectAdminAccess, exhaustRetries, plain, providerKit } from "../helpers/providerKit";


describe("harbor/ImmutableTagRule", () => {
    const h = useHarborEmulator();
    const p = new ImmutableTagRuleProvider({ client: FAST_CLIENT });
    const state = () => h.emu.area(immutableTagRulesArea);
    const rule = () => state().ofProject("web")[0];
    beforeEach(() => h.emu.area(projectsArea).seed("web"));

    const { checked, created, check } = providerKit(h, p, { project: "web", tagPattern: "v*" });

    describe("check", () => {
        it("applies defaults", async () => {
            const i = await checked({ tagPattern: undefined });
            assert.deepEqual({ ...i, connection: undefined }, { connection: undefined, project: "web", tagPattern: "**", tagDecoration: "matches", repoPattern: "**", repoDecoration: "repoMatches", disabled: false });
        });

        it("fails on bad inputs, naming each property", async () => {
            const r = await check({
                tagPattern: "", tagDecoration: "repoMatches", repoPattern: "a, b", repoDecoration: "excludes", disabled: "yes", priority: 1,
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.project, /project is required/);
            assert.match(byProp.tagPattern, /must not be empty/);
            assert.match(byProp.tagDecoration, /one of matches, excludes, got "repoMatches"/);
            assert.match(byProp.repoPattern, /several patterns must be written as \{a,b\}/);
            assert.match(byProp.repoDecoration, /one of repoMatches, repoExcludes, got "excludes"/);
            assert.match(byProp.disabled, /true or false/);
            assert.match(byProp.priority, /not a setting/);
        });

        it("rejects patterns doublestar cannot compile (unclosed '[' or '{', empty class, trailing '\\', control characters)", async () => {
            const bad: [string, RegExp][] = [
                ["v[0-9", /tagPattern "v\[0-9" has an unmatched '\['/],
                ["release-{a,b", /tagPattern "release-\{a,b" has an unmatched '\{'/],
                ["[{a,b}", /unmatched '\['/],
                ["v[]", /empty character class "\[\]"/],
                ["v[!]", /empty character class "\[!\]"/],
                ["v\\", /ends with a lone '\\'/],
                ["v\u0000*", /tagPattern "v\\u0000\*" must not contain control characters \(found U\+0000 at position 2\)/],
                ["}v{", /unmatched '\}'/],
            ];
            for (const [tagPattern, reason] of bad) {
                const r = await check({ project: "web", tagPattern });
                assert.match(byProperty(r.failures).tagPattern ?? "", reason, `${JSON.stringify(tagPattern)}: ${JSON.stringify(r.failures)}`);
            }
            for (const good of ["v[0-9]*", "v[!a-z]*", "{a,b}-[xy]", "[,]*", "[{]*", "\\[literal", "v\\{x", "**/release-*"]) {
                const r = await check({ project: "web", tagPattern: good, repoPattern: good });
                assert.deepEqual(r.failures, [], `${good} is a valid doublestar pattern`);
            }
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create (enabled): one POST with both selectors", async () => {
            const inputs = await checked({ repoPattern: "web/**", repoDecoration: "repoExcludes" });
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["CreateImmuRule"]);
            assert.deepEqual(calls[0].body, {
                disabled: false, action: "immutable", template: "immutable_template", params: {},
                tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "v*" }],
                scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoExcludes", pattern: "web/**" }] },
            });
            assert.equal(result.id, String(rule().id));
            assert.equal(result.outs!.ruleId, rule().id);
        });

        it("create (disabled): POST then PUT, because Harbor stores every new rule enabled", async () => {
            const { outs } = await created({ disabled: true });
            assert.deepEqual(h.emu.sequence(), ["CreateImmuRule", "UpdateImmuRule"]);
            assert.equal(rule().disabled, true);
            assert.equal(outs.disabled, true);
        });

        it("create of a rule identical to an existing one fails clearly, naming it", async () => {
            const first = await created();
            const err = await rejection(created());
            assert.match(err.message, new RegExp(`project "web" already has an identical immutable tag rule \\(id ${first.id}\\) \\(tags matches "v\\*", repositories repoMatches "\\*\\*"\\)`));
            assert.equal(state().rules.size, 1);
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing; project replaces", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual((await p.diff(id, outs, { ...inputs, project: "api" })).replaces, ["project"]);
            assert.deepEqual(await p.diff(id, outs, { ...inputs, tagPattern: "release-*" }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT for selectors, one for disabled, TWO (selectors first) when both change", async () => {
            const { id, outs, inputs } = await created();
            const sel = { ...inputs, tagPattern: "release-*" };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, sel)), ["UpdateImmuRule"]);
            assert.equal(rule().tag_selectors[0].pattern, "release-*");

            const dis = { ...sel, disabled: true };
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...sel }, dis)), ["UpdateImmuRule"]);
            assert.equal(rule().disabled, true);

            const both = { ...dis, disabled: false, repoPattern: "api/**" };
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...dis }, both)), ["UpdateImmuRule", "UpdateImmuRule"]);
            assert.equal(rule().disabled, false);
            assert.equal(rule().scope_selectors.repository[0].pattern, "api/**", "the selector change was not lost to Harbor's toggle quirk");
            const read = await p.read(id, { ...outs, ...both });
            assert.equal((await p.diff(id, read.props as ImmutableTagRuleOutputs, both)).changes, false);
        });

        it("read: one list request (no GET by id), no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ disabled: true, tagDecoration: "excludes" }), ["ListImmuRules"]);
        });

        it("read after drift: selectors and disabled edited in the UI are found", async () => {
            const { id, outs, inputs } = await created();
            Object.assign(rule(), { disabled: true, tag_selectors: [{ kind: "doublestar", decoration: "excludes", pattern: "dev-*" }] });
            rule().scope_selectors.repository[0] = { kind: "doublestar", decoration: "repoExcludes", pattern: "tmp/**" };
            const read = await p.read(id, outs);
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, disabled: true, tagDecoration: "excludes", tagPattern: "dev-*", repoDecoration: "repoExcludes", repoPattern: "tmp/**" }));
            const props = read.props as ImmutableTagRuleOutputs;
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            await p.update(id, props, inputs); // both changed: two PUTs put everything back
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as ImmutableTagRuleOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back (rule, or the whole project): gone", async () => {
            const { id, outs } = await created();
            state().rules.delete(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
            h.emu.area(projectsArea).remove("web");
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one request; 404 counts as gone", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["DeleteImmuRule"]);
            assert.equal(state().rules.size, 0);
            await p.delete(id, outs);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes the list, retries, one rule", async () => {
            h.emu.inject({ operationId: "CreateImmuRule" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["CreateImmuRule", "ListImmuRules", "CreateImmuRule"]);
            assert.equal(state().rules.size, 1);
        });

        it("POST committed then 502: adopts the rule (no 409, no duplicate) and applies disabled", async () => {
            h.emu.inject({ operationId: "CreateImmuRule" }, { kind: "commitThenFail", status: 502 });
            const { id } = await created({ disabled: true });
            assert.deepEqual(h.emu.sequence(), ["CreateImmuRule", "ListImmuRules", "UpdateImmuRule"]);
            assert.equal(state().rules.size, 1);
            assert.equal(id, String(rule().id));
            assert.equal(rule().disabled, true);
        });

        it("the disabling PUT failing after the POST is a partial create that keeps the id (recorded enabled)", async () => {
            h.emu.inject({ operationId: "UpdateImmuRule" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ disabled: true }))) as Error & { id?: string; properties?: Record<string, unknown> };
            assert.equal(err.id, String(rule().id));
            assert.equal(err.properties?.disabled, false);
            assert.match(err.message, /created \d+, but could not finish configuring it/);
        });

        it("a dropped list and a slow delete are retried", async () => {
            const { id, outs } = await created();
            h.emu.inject({ operationId: "ListImmuRules" }, { kind: "drop" });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "DeleteImmuRule" }, { kind: "delay", ms: 500 });
            await p.delete(id, outs);
            assert.equal(state().rules.size, 0);
        });

        it("exhausted retries give a clear error", async () => {
            const { id, outs } = await created();
            const err = await exhaustRetries(h, { operationId: "ListImmuRules" }, { kind: "status", status: 503 }, () => p.read(id, outs));
            assert.match(err.message, /GET \/api\/v2\.0\/projects\/web\/immutabletagrules\?page=1&page_size=100 failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "ImmutableTagRule", {
            extra: { disabled: true },
            afterDelete: () => assert.equal(state().rules.size, 0),
        });
    });

    describeProjectAdminAccess(h, "ImmutableTagRule", p, providerKit(h, p, { project: "web", tagPattern: "v*" }), { project: "web" });
});
