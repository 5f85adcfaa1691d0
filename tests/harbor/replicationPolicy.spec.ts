import { strict as assert } from "assert";
import { ReplicationPolicyOutputs, ReplicationPolicyProvider } from "../../harbor/replicationPolicy";
import { registriesArea } from "../emulator/areas/registries";
import { replicationArea } from "../emulator/areas/replication";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";


describe("harbor/ReplicationPolicy", () => {
    const h = useHarborEmulator();
    const p = new ReplicationPolicyProvider({ client: FAST_CLIENT });
    const state = () => h.emu.area(replicationArea);
    let registryId = 0;
    beforeEach(() => {
        registryId = h.emu.area(registriesArea).seed({ name: "prod", type: "harbor", url: "https://harbor-prod.example.com" }).id;
    });

    const { checked, created, check } = providerKit(h, p, () => ({ name: "to-prod", direction: "push", registryId }));
    const FULL = {
        filters: { name: "web/**", tag: { pattern: "v*" }, label: { values: ["prod", "approved", "prod"], decoration: "excludes" }, resource: "image" },
        trigger: { type: "scheduled", cron: " 30  2 * * * " },
        destNamespace: "mirror/web", destNamespaceReplaceCount: 1, override: false, replicateDeletion: true, speedKbps: 2048, enabled: false, description: "nightly",
    };

    describe("check", () => {
        it("applies defaults: manual trigger, no filters, replace count -1 (sent explicitly), unlimited speed", async () => {
            const i = await checked();
            assert.deepEqual({ ...i, connection: undefined }, {
                connection: undefined, name: "to-prod", direction: "push", registryId, filters: {}, trigger: { type: "manual" },
                destNamespace: "", destNamespaceReplaceCount: -1, override: true, replicateDeletion: false, speedKbps: 0,
                copyByChunk: false, singleActiveReplication: false, enabled: true, description: "",
            });
        });

        it("normalises filters (decorations defaulted, label values sorted) and the cron", async () => {
            const i = await checked(FULL);
            assert.deepEqual(i.filters, { name: "web/**", tag: { pattern: "v*", decoration: "matches" }, label: { values: ["approved", "prod"], decoration: "excludes" }, resource: "image" });
            assert.deepEqual(i.trigger, { type: "scheduled", cron: "30 2 * * *" });
        });

        it("fails on bad inputs, naming each property", async () => {
            const r = await check({
                name: "x", direction: "sideways", registryId: 0,
                filters: { name: "", tag: { pattern: "v*", decoration: "maybe" }, label: { values: [] }, resource: "chart", repo: "x" },
                trigger: { type: "scheduled", cron: "* 2 * * *" }, destNamespace: "Bad NS", destNamespaceReplaceCount: 7, speedKbps: -1,
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.direction, /one of push, pull, got "sideways"/);
            assert.match(byProp.registryId, /at least 1/);
            assert.match(byProp["filters.name"], /must not be empty/);
            assert.match(byProp["filters.tag.decoration"], /one of matches, excludes, got "maybe"/);
            assert.match(byProp["filters.label.values"], /at least one label/);
            assert.match(byProp["filters.resource"], /one of image, artifact, got "chart"/);
            assert.match(byProp["filters.repo"], /not a setting \(allowed: name, tag, label, resource\)/);
            assert.match(byProp["trigger.cron"], /Harbor rejects "\*" in the minutes field/);
            assert.match(byProp.destNamespace, /"Bad NS" is invalid/);
            assert.match(byProp.destNamespaceReplaceCount, /at most 3, got 7/);
            assert.match(byProp.speedKbps, /at least 0, got -1/);
        });

        it("trigger rules: scheduled needs a valid cron; cron only with scheduled; event_based only for push", async () => {
            const fail = async (extra: Record<string, unknown>) => (await check({ name: "x", registryId: 1, direction: "push", ...extra })).failures!;
            assert.match((await fail({ trigger: { type: "scheduled" } }))[0].reason, /trigger\.cron a scheduled trigger needs a cron/);
            assert.match((await fail({ trigger: { type: "scheduled", cron: "0 0 0 * * *" } }))[0].reason, /5-field cron.*has 6 fields \(write 5 fields/);
            assert.match((await fail({ trigger: { type: "manual", cron: "daily" } }))[0].reason, /only used with type "scheduled"/);
            assert.match((await fail({ direction: "pull", trigger: { type: "event_based" } }))[0].reason, /only works for push/);
            assert.deepEqual(await fail({ trigger: { type: "scheduled", cron: "*/15 * * * *" } }), []); // minutes "*/15" is fine
            assert.deepEqual(await fail({ trigger: { type: "scheduled", cron: "hourly" } }), []);
        });
    });

    describe("check: what Harbor v2.15.2 would refuse (issue 11 part C)", () => {
        const base = () => ({ name: "x", registryId: 1, direction: "push" });

        it("filters: at most 1024 characters as Harbor stores them (JSON in replication_policy.filters varchar(1024), controller/replication/model Policy.To)", async () => {
            const r = await check({ ...base(), filters: { name: `web/${"a".repeat(1010)}` } });
            assert.deepEqual(r.failures, [{ property: "filters", reason: "filters are 1042 characters as Harbor stores them (JSON); replication_policy.filters holds at most 1024" }]);
            assert.deepEqual((await check({ ...base(), filters: { name: `web/${"a".repeat(992)}` } })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });

        it("trigger: the stored trigger JSON fits replication_policy.trigger varchar(256)", async () => {
            const minutes = Array.from({ length: 60 }, (_, i) => i).join(",");
            const hours = Array.from({ length: 24 }, (_, i) => i).join(",");
            const r = await check({ ...base(), trigger: { type: "scheduled", cron: `${minutes} ${hours} * * *` } });
            assert.equal(r.failures!.length, 1);
            assert.equal(r.failures![0].property, "trigger.cron");
            assert.match(r.failures![0].reason, /^trigger\.cron ".*" is 290 characters as Harbor stores the trigger \(JSON, 6-field cron\); replication_policy\.trigger holds at most 256$/);
            assert.deepEqual((await check({ ...base(), trigger: { type: "scheduled", cron: `${minutes} 2 * * *` } })).failures, []);
        });

        it("destNamespace: at most 256 characters (replication_policy.dest_namespace varchar(256))", async () => {
            const r = await check({ ...base(), destNamespace: "a".repeat(257) });
            assert.deepEqual(r.failures, [{ property: "destNamespace", reason: "destNamespace must be at most 256 characters, got 257" }]);
        });
    });

    describe("lifecycle", () => {
        it("create: one POST carrying every field (deletion AND replicate_deletion, explicit replace count, 6-field cron)", async () => {
            const inputs = await checked(FULL);
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["createReplicationPolicy"]);
            assert.deepEqual(calls[0].body, {
                name: "to-prod", description: "nightly", dest_registry: { id: registryId }, dest_namespace: "mirror/web", dest_namespace_replace_count: 1,
                trigger: { type: "scheduled", trigger_settings: { cron: "0 30 2 * * *" } },
                filters: [
                    { type: "name", value: "web/**" }, { type: "tag", value: "v*", decoration: "matches" },
                    { type: "label", value: ["approved", "prod"], decoration: "excludes" }, { type: "resource", value: "image" },
                ],
                replicate_deletion: true, deletion: true, override: false, enabled: false, speed: 2048,
                copy_by_chunk: false, single_active_replication: false,
            });
            const rec = state().byName("to-prod")!;
            assert.equal(result.id, String(rec.id));
            assert.equal(rec.replicate_deletion, true, "Harbor reads the deprecated deletion field");
            assert.equal(rec.destRegistryId, registryId);
            assert.equal(result.outs!.policyId, rec.id);
        });

        it("the replace count is sent even at its default (-1), and pull sets src_registry", async () => {
            const { calls } = await h.during(async () => created({ direction: "pull", destNamespaceReplaceCount: 0 }));
            assert.equal((calls[0].body as Record<string, unknown>).dest_namespace_replace_count, 0);
            assert.deepEqual((calls[0].body as Record<string, unknown>).src_registry, { id: registryId });
            assert.equal(state().byName("to-prod")!.srcRegistryId, registryId);
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created(FULL));
        });

        it("update: one PUT of the whole policy", async () => {
            const { id, outs, inputs } = await created(FULL);
            const news = await checked({ ...FULL, trigger: { type: "event_based" }, filters: { name: "api/**" }, speedKbps: 0, enabled: true });
            assert.deepEqual((await p.diff(id, outs, news)).replaces, []);
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateReplicationPolicy"]);
            const rec = state().byName("to-prod")!;
            assert.deepEqual(rec.trigger, { type: "event_based" });
            assert.deepEqual(rec.filters, [{ type: "name", value: "api/**" }]);
            assert.equal(rec.enabled, true);
            const read = await p.read(id, { ...outs, ...news });
            assert.equal((await p.diff(id, read.props as ReplicationPolicyOutputs, news)).changes, false);
            void inputs;
        });

        it("copy_by_chunk and single_active_replication are sent on every PUT (Harbor resets what is left out) and read back (issue 11.10)", async () => {
            const { id, outs, inputs } = await created({ copyByChunk: true, singleActiveReplication: true });
            const rec = () => state().byName("to-prod")!;
            assert.deepEqual([rec().copy_by_chunk, rec().single_active_replication], [true, true]);
            const news = { ...inputs, description: "nightly" };
            await p.update(id, outs, news);
            assert.deepEqual([rec().description, rec().copy_by_chunk, rec().single_active_replication], ["nightly", true, true]);
            rec().copy_by_chunk = false; // changed in the UI
            const read = await p.read(id, { ...outs, ...news });
            assert.equal((read.props as ReplicationPolicyOutputs).copyByChunk, false);
            assert.equal((await p.diff(id, read.props as ReplicationPolicyOutputs, news)).changes, true);
            // State written before these inputs existed: no phantom diff.
            const old = { ...outs, ...news } as Record<string, unknown>;
            delete old.copyByChunk;
            delete old.singleActiveReplication;
            assert.equal((await p.diff(id, old as never, { ...news, copyByChunk: false, singleActiveReplication: false })).changes, false);
        });

        it("check refuses singleActiveReplication with an event_based trigger, as Harbor does (issue 11.10)", async () => {
            const r = await check({ name: "to-prod", direction: "push", registryId, trigger: { type: "event_based" }, singleActiveReplication: true });
            assert.match(byProperty(r.failures).singleActiveReplication, /not allowed with trigger\.type "event_based" \(Harbor: single active replication is not allowed for event_based triggers\)/);
            assert.equal(h.emu.log.length, 0);
        });

        it("replace: direction replaces, deleting first when the name stays", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual(await p.diff(id, outs, { ...inputs, direction: "pull" }), { changes: true, replaces: ["direction"], deleteBeforeReplace: true });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, direction: "pull", name: "from-prod" }), { changes: true, replaces: ["direction"], deleteBeforeReplace: false });
            assert.deepEqual((await p.diff(id, outs, { ...inputs, registryId: 99 })).replaces, []);
        });

        it("read: one GET, every field back, no phantom diff, inputs returned (presets and cron spelling kept)", async () => {
            for (const [name, cron] of [["a", "daily"], ["b", "15 3 * * 1-5"]]) {
                await assertReadRoundTrip(h, p, await created({ ...FULL, name, trigger: { type: "scheduled", cron } }), ["getReplicationPolicy"]);
            }
        });

        it("read after drift: filters, description, speed, trigger, deletion, namespace... all found", async () => {
            const { id, outs, inputs } = await created(FULL);
            const rec = state().byName("to-prod")!;
            Object.assign(rec, {
                description: "edited", speed: 10, replicate_deletion: false, override: true, enabled: true, dest_namespace: "other", dest_namespace_replace_count: -1,
                trigger: { type: "scheduled", trigger_settings: { cron: "0 0 4 * * *" } },
                filters: [{ type: "tag", value: "release-*", decoration: "excludes" }, { type: "label", value: ["x"], decoration: "matches" }],
            });
            const read = await p.read(id, outs);
            const props = read.props as ReplicationPolicyOutputs;
            assert.deepEqual(plain(read.inputs), plain({
                ...inputs, description: "edited", speedKbps: 10, replicateDeletion: false, override: true, enabled: true, destNamespace: "other", destNamespaceReplaceCount: -1,
                trigger: { type: "scheduled", cron: "0 4 * * *" },
                filters: { tag: { pattern: "release-*", decoration: "excludes" }, label: { values: ["x"], decoration: "matches" } },
            }));
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            await p.update(id, props, inputs);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as ReplicationPolicyOutputs, inputs)).changes, false);
        });

        it("read: an event_based trigger reads back as event_based (TF issue #180)", async () => {
            const { id, outs, inputs } = await created({ trigger: { type: "event_based" } });
            const read = await p.read(id, outs);
            assert.deepEqual((read.props as ReplicationPolicyOutputs).trigger, { type: "event_based" });
            assert.equal((await p.diff(id, read.props as ReplicationPolicyOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            state().policies.delete(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one request; 404 counts as gone; a running execution gives a clear error", async () => {
            const { id, outs } = await created();
            const exec = state().startExecution(Number(id));
            const err = await rejection(p.delete(id, outs));
            assert.match(err.message, /refuses to delete replication policy "to-prod" \(id \d+\) while an execution is running .* Stop it in Harbor/);
            exec.status = "Succeed";
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteReplicationPolicy"]);
            assert.equal(state().policies.size, 0);
            await p.delete(id, outs);
        });

        it("the registry it uses cannot be deleted while it exists (412 in the registries area)", async () => {
            await created();
            assert.match(h.emu.area(registriesArea).inUse(registryId) ?? "", /replication policy to-prod/);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one policy", async () => {
            h.emu.inject({ operationId: "createReplicationPolicy" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["createReplicationPolicy", "listReplicationPolicies", "createReplicationPolicy"]);
            assert.equal(state().policies.size, 1);
        });

        it("POST committed then 502: adopts it, re-applies with PUT, no duplicate", async () => {
            h.emu.inject({ operationId: "createReplicationPolicy" }, { kind: "commitThenFail", status: 502 });
            const { id } = await created(FULL);
            assert.deepEqual(h.emu.sequence(), ["createReplicationPolicy", "listReplicationPolicies", "updateReplicationPolicy"]);
            assert.equal(state().policies.size, 1);
            assert.equal(id, String(state().byName("to-prod")!.id));
        });

        it("a dropped GET and a slow PUT are retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "getReplicationPolicy" }, { kind: "drop" });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "updateReplicationPolicy" }, { kind: "delay", ms: 500 });
            await p.update(id, outs, { ...inputs, description: "slow" });
            assert.equal(state().byName("to-prod")!.description, "slow");
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "createReplicationPolicy" }, { kind: "status", status: 429, retryAfter: 1 }, () => created());
            assert.match(err.message, /POST \/api\/v2\.0\/replication\/policies failed: 429 INJECTED: injected 429 \(after 4 attempts\)/);
            assert.equal(state().policies.size, 0);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "ReplicationPolicy", {
            extra: FULL,
            afterDelete: () => assert.equal(state().policies.size, 0),
        });
    });
});
