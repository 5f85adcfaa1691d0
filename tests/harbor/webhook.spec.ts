import { strict as assert } from "assert";
import { WebhookOutputs, WebhookProvider } from "../../harbor/webhook";
import { projectsArea } from "../emulator";
import { webhooksArea } from "../emulator/areas/webhooks";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";


describe("harbor/Webhook", () => {
    const h = useHarborEmulator();
    const p = new WebhookProvider({ client: FAST_CLIENT });
    const hooks = () => h.emu.area(webhooksArea);
    beforeEach(() => {
        h.emu.area(projectsArea).seed("web");
        h.emu.area(projectsArea).seed("api");
    });

    const { checked, created, check } = providerKit(h, p, { project: "web", name: "ci", address: "https://hooks.example.com/harbor", eventTypes: ["SCANNING_COMPLETED", "PUSH_ARTIFACT"] });
    const stored = (id: string) => hooks().policies.get(Number(id))!;

    describe("check", () => {
        it("applies defaults and sorts the event types", async () => {
            const i = await checked();
            assert.deepEqual({ ...i, connection: undefined }, {
                connection: undefined, project: "web", name: "ci", description: "", address: "https://hooks.example.com/harbor",
                eventTypes: ["PUSH_ARTIFACT", "SCANNING_COMPLETED"], notifyType: "http", authHeader: "", skipCertVerify: false, payloadFormat: "Default", enabled: true,
            });
        });

        it("fails on bad inputs, naming the property, never echoing the auth header", async () => {
            const r = await check({
                project: "", name: "ci", address: "https://user:pw@hooks.example.com/x?token=1", eventTypes: ["PUSH", "PULL_ARTIFACT"],
                notifyType: "teams", payloadFormat: "json", authHeader: 42, targets: [],
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.project, /must not be empty/);
            assert.match(byProp.address, /must not contain credentials \(they would be stored in plain text in state\)/);
            assert.match(byProp["eventTypes[0]"], /"PUSH" is invalid: expected one of PUSH_ARTIFACT/);
            assert.match(byProp.notifyType, /one of http, slack, got "teams"/);
            assert.match(byProp.payloadFormat, /one of Default, CloudEvents/);
            assert.equal(byProp.authHeader, "authHeader must be a string");
            assert.match(byProp.targets, /not a setting/);
            const q = await check({ project: "web", name: "ci", address: "https://h.example.com/x?token=1", eventTypes: [] });
            const byProp2 = byProperty(q.failures);
            assert.equal(byProp2.address, undefined, "a query string is a valid address: Harbor keeps it (issue 11.1)");
            assert.match(byProp2.eventTypes, /at least one event type/);
            assert.equal(h.emu.log.length, 0);
        });

        it("refuses what Harbor refuses (handler/webhook.go validateTargets/validateEventTypes): payloadFormat with slack, the 8 event types Harbor 2.15 does not support (issue 11.1)", async () => {
            const slack = byProperty((await check({ project: "web", name: "s", address: "https://hooks.slack.com/services/T", eventTypes: ["PUSH_ARTIFACT"], notifyType: "slack", payloadFormat: "Default" })).failures);
            assert.match(slack.payloadFormat, /payloadFormat is not allowed with notifyType "slack" \(Harbor: set payload format is not allowed for slack\)/);
            const events = byProperty((await check({ project: "web", name: "e", address: "https://h.example.com", eventTypes: ["CREATE_PROJECT", "DELETE_TAG", "TAG_RETENTION"] })).failures);
            assert.match(events["eventTypes[0]"], /"CREATE_PROJECT" is invalid: expected one of PUSH_ARTIFACT, PULL_ARTIFACT, DELETE_ARTIFACT, QUOTA_EXCEED, QUOTA_WARNING, SCANNING_FAILED, SCANNING_STOPPED, SCANNING_COMPLETED, REPLICATION, TAG_RETENTION$/);
            assert.match(events["eventTypes[1]"], /"DELETE_TAG" is invalid/);
            assert.equal(events["eventTypes[2]"], undefined);
            assert.equal(h.emu.log.length, 0);
        });

        it("refuses the addresses Harbor's utils.ParseEndpoint refuses: a scheme not written in lower case, a bad %-escape before the query (issue 11 part C)", async () => {
            const address = async (a: string) => byProperty((await check({ project: "web", name: "a", address: a, eventTypes: ["PUSH_ARTIFACT"] })).failures).address;
            assert.match(await address("HTTPS://hooks.example.com/harbor"), /^address must start with "http:\/\/" or "https:\/\/" exactly \(lower case, two slashes/);
            assert.match(await address("https:/hooks.example.com/harbor"), /must start with "http:\/\/" or "https:\/\/" exactly/);
            assert.match(await address("https://hooks.example.com/a%zzb"), /^address has a '%' at position 28 that is not followed by two hex digits \(Harbor refuses it: invalid URL escape\)/);
            assert.equal(await address("https://hooks.example.com/a%20b?x=%zz"), undefined, "the query is not unescaped by Harbor");
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("lifecycle", () => {
        it("create: one POST addressing the project by name; Harbor holds every setting", async () => {
            const { id, outs } = await created({ authHeader: "Bearer s3cret", skipCertVerify: true, payloadFormat: "CloudEvents", description: "to CI" });
            assert.deepEqual(h.emu.sequence(), ["CreateWebhookPolicyOfProject"]);
            assert.equal(h.emu.calls()[0].headers["x-is-resource-name"], "true");
            const s = stored(id);
            assert.deepEqual(plain({ ...s, id: undefined, project_id: undefined }), {
                name: "ci", description: "to CI", enabled: true, event_types: ["PUSH_ARTIFACT", "SCANNING_COMPLETED"],
                targets: [{ type: "http", address: "https://hooks.example.com/harbor", auth_header: "Bearer s3cret", skip_cert_verify: true, payload_format: "CloudEvents" }],
            });
            assert.equal(outs.policyId, Number(id));
        });

        it("a slack target is sent WITHOUT payload_format (Harbor answers 400 otherwise) and reads back without a diff (issue 11.1)", async () => {
            const { id, outs, inputs } = await created({ notifyType: "slack", address: "https://hooks.slack.com/services/T0/B0/x" });
            const body = h.emu.calls()[0].body as { targets: Record<string, unknown>[] };
            assert.equal("payload_format" in body.targets[0], false);
            assert.deepEqual(plain(stored(id).targets), [{ type: "slack", address: "https://hooks.slack.com/services/T0/B0/x", auth_header: "", skip_cert_verify: false }]);
            assert.equal(inputs.payloadFormat, "Default");
            assert.equal((await p.diff(id, (await p.read(id, outs)).props as WebhookOutputs, inputs)).changes, false);
            await p.update(id, outs, { ...inputs, description: "d" });
            assert.equal(stored(id).description, "d");
        });

        it("an address with a query string is kept as sent (Harbor stores it as is) and reads back without a diff (issue 11.1)", async () => {
            const address = "https://ci.example.com/hook?token=abc&x=1";
            const { id, outs, inputs } = await created({ address });
            assert.equal(stored(id).targets[0].address, address);
            assert.equal((await p.diff(id, (await p.read(id, outs)).props as WebhookOutputs, inputs)).changes, false);
        });

        it("diff: a no-op makes ZERO requests; password alone changes nothing; project replaces; a rename is in place", async () => {
            const { id, outs, inputs } = await created();
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, project: "api" }), { changes: true, replaces: ["project"], deleteBeforeReplace: false });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, name: "ci2", authHeader: "Bearer new" }), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT, rename and a rotated auth header included", async () => {
            const { id, outs, inputs } = await created({ authHeader: "Bearer old" });
            const news = { ...inputs, name: "ci-renamed", authHeader: "Bearer new", enabled: false, eventTypes: ["DELETE_ARTIFACT"] };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["UpdateWebhookPolicyOfProject"]);
            const s = stored(id);
            assert.deepEqual([s.name, s.targets[0].auth_header, s.enabled, s.event_types], ["ci-renamed", "Bearer new", false, ["DELETE_ARTIFACT"]]);
        });

        it("replace: the new project's policy is created first, then the old one deleted", async () => {
            const { id, outs, inputs } = await created();
            const next = await p.create({ ...inputs, project: "api" });
            await p.delete(id, outs);
            assert.deepEqual([...hooks().policies.values()].map((x) => [x.project_id, x.name]), [[h.emu.area(projectsArea).byName("api")!.project_id, "ci"]]);
            assert.notEqual(next.id, id);
        });

        it("read: one GET, no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ authHeader: "Bearer x" }), ["GetWebhookPolicyOfProject"]);
        });

        it("read after drift: every field is read back (auth header too); extra targets show as a change", async () => {
            const { id, outs, inputs } = await created({ authHeader: "Bearer x" });
            const s = stored(id);
            s.enabled = false;
            s.event_types = ["PULL_ARTIFACT"];
            s.targets = [{ type: "slack", address: "https://hooks.slack.com/services/T", auth_header: "", skip_cert_verify: true, payload_format: "" }, { type: "http", address: "https://b.example.com" }];
            const read = await p.read(id, outs);
            assert.deepEqual(plain(read.inputs), plain({
                ...inputs, enabled: false, eventTypes: ["PULL_ARTIFACT"], notifyType: "slack", address: "https://hooks.slack.com/services/T (+1 more targets)",
                authHeader: "", skipCertVerify: true, payloadFormat: "Default",
            }));
            assert.equal((await p.diff(id, read.props as WebhookOutputs, inputs)).changes, true);
            await p.update(id, read.props as WebhookOutputs, inputs);
            assert.equal(stored(id).targets.length, 1);
            assert.equal((await p.diff(id, (await p.read(id, outs)).props as WebhookOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back (policy, or the whole project): gone", async () => {
            const { id, outs } = await created();
            hooks().policies.delete(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
            const again = await created({ name: "ci2" });
            h.emu.area(projectsArea).remove("web");
            assert.equal((await p.read(again.id, again.outs)).id, "");
        });

        it("delete: one request; 404 counts as gone", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["DeleteWebhookPolicyOfProject"]);
            assert.equal(hooks().policies.size, 0);
            await p.delete(id, outs);
        });

        it("a duplicate name surfaces Harbor's 409", async () => {
            await created();
            const err = await rejection(created());
            assert.match(err.message, /POST \/api\/v2\.0\/projects\/web\/webhook\/policies failed: 409 CONFLICT: notification policy ci already exists/);
            assert.equal(hooks().policies.size, 1);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: looks up by name, retries, one policy", async () => {
            h.emu.inject({ operationId: "CreateWebhookPolicyOfProject" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["CreateWebhookPolicyOfProject", "ListWebhookPoliciesOfProject", "CreateWebhookPolicyOfProject"]);
            assert.equal(hooks().policies.size, 1);
        });

        it("POST committed then failed / dropped: adopts the policy (and re-applies it), no duplicate", async () => {
            for (const status of [504, "drop"] as const) {
                h.emu.inject({ operationId: "CreateWebhookPolicyOfProject" }, { kind: "commitThenFail", status });
                const { id } = await created({ name: `ci-${status}` });
                assert.equal(hooks().byName(h.emu.area(projectsArea).byName("web")!.project_id, `ci-${status}`)!.id, Number(id));
            }
            assert.equal(hooks().policies.size, 2);
            assert.equal(h.emu.count("CreateWebhookPolicyOfProject"), 2);
        });

        it("429 on update and a slow read are retried; exhausted retries give a clear error", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "UpdateWebhookPolicyOfProject" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, description: "x" });
            assert.equal(stored(id).description, "x");
            h.emu.inject({ operationId: "GetWebhookPolicyOfProject" }, { kind: "delay", ms: 500 });
            assert.equal((await p.read(id, outs)).id, id);
            const err = await exhaustRetries(h, { operationId: "GetWebhookPolicyOfProject" }, { kind: "status", status: 502 }, () => p.read(id, outs));
            assert.match(err.message, /GET \/api\/v2\.0\/projects\/web\/webhook\/policies\/\d+ failed: 502 INJECTED: injected 502 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "Webhook", {
            afterDelete: () => assert.equal(hooks().policies.size, 0),
        });
    });

    it("through the engine's host: a slack webhook is created, read back and deleted (issue 11.1)", async () => {
        await assertEngineLifecycle(h, checked, "Webhook", {
            extra: { name: "slack", notifyType: "slack", address: "https://hooks.slack.com/services/T0/B0/x?a=1" },
            afterCreate: () => assert.equal([...hooks().policies.values()][0].targets[0].payload_format, undefined),
            afterDelete: () => assert.equal(hooks().policies.size, 0),
        });
    });
});
