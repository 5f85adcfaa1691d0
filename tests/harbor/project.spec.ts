import { strict as assert } from "assert";
import { ProjectInputs, ProjectOutputs, ProjectProvider } from "../../harbor/project";
import { projectsArea } from "../emulator";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";
import { engineProvider } from "../helpers/engine";
import { addProjectAdmin } from "../emulator/access";

const GIB = 2 ** 30;

describe("harbor/Project", () => {
    const h = useHarborEmulator();
    const p = new ProjectProvider({ client: FAST_CLIENT });
    const state = () => h.emu.area(projectsArea);

    const { checked, created, check } = providerKit(h, p, { name: "web" });

    describe("check", () => {
        it("applies defaults and normalises the allowlist", async () => {
            const i = await checked({ cveAllowlist: [" CVE-2024-2 ", "CVE-2024-1", "CVE-2024-2"] });
            assert.deepEqual({ ...i, connection: undefined }, {
                connection: undefined, name: "web", public: false, storageQuotaGiB: -1, autoScan: false, preventVulnerable: false,
                severity: "low", cosignEnforced: false, autoSbom: false, cveAllowlist: ["CVE-2024-1", "CVE-2024-2"], forceDestroy: false,
            });
            assert.ok(!("registryId" in i), "an unset registryId stays absent (not a proxy cache)");
        });

        it("refuses what Harbor v2.15.2 refuses, before any request", async () => {
            const byProp = byProperty((await check({
                // pkg/allowlist/validator.go Validate: an empty or whitespace-only CVE id.
                cveAllowlist: ["CVE-2024-1", "   "],
                // lib/quota_storage_limit.go ValidateQuotaLimit: at most 1024 TiB (1125899906842624 bytes).
                storageQuotaGiB: 1024 * 1024 + 1,
                // handler/project.go validateProjectReq: registry_id > 0.
                registryId: 0,
                // pkg/project/manager.go Create: validProjectName, 1-255 characters.
                name: "a".repeat(256),
            })).failures);
            assert.match(byProp["cveAllowlist[1]"], /"   " is invalid: expected a CVE id/);
            assert.match(byProp.storageQuotaGiB, /at most 1048576, got 1048577/);
            assert.match(byProp.registryId, /registryId must be at least 1, got 0/);
            assert.match(byProp.name, /name must be at most 255 characters, got 256/);
            assert.equal((await checked({ storageQuotaGiB: 1024 * 1024 })).storageQuotaGiB, 1024 * 1024, "exactly 1024 TiB is Harbor's maximum");
            assert.equal(h.emu.log.length, 0);
        });

        it("fails on bad inputs, naming each property", async () => {
            const r = await p.check({} as ProjectInputs, {
                connection: { url: "harbor.example.com", username: "admin", password: "x" },
                name: "Web_App", severity: "extreme", storageQuotaGiB: 0, cveAllowlist: ["CVE-1", "bad id!"], registryId: -3,
                autoScan: "yes", forceDestroy: 1, quota: 5,
            } as unknown as ProjectInputs);
            const byProp = byProperty(r.failures);
            assert.match(byProp["connection.url"], /not a valid URL/);
            assert.match(byProp.name, /"Web_App" is invalid: use lower-case letters/);
            assert.match(byProp.severity, /must be one of low, medium, high, critical, got "extreme"/);
            assert.match(byProp.storageQuotaGiB, /at least 0.001, got 0 \(GiB, -1 for unlimited\)/);
            assert.match(byProp["cveAllowlist[1]"], /"bad id!" is invalid: expected a CVE id/);
            assert.match(byProp.registryId, /at least 1/);
            assert.match(byProp.autoScan, /true or false/);
            assert.match(byProp.forceDestroy, /true or false/);
            assert.match(byProp.quota, /not a setting of this resource/);
            assert.equal(h.emu.log.length, 0, "check makes no request");
        });

        it("requires a name", async () => {
            const r = await check({});
            assert.deepEqual(r.failures, [{ property: "name", reason: "name is required" }]);
        });
    });

    describe("lifecycle", () => {
        it("create: POST then the quota check, and Harbor holds every setting", async () => {
            const inputs = await checked({ public: true, autoScan: true, preventVulnerable: true, severity: "high", cosignEnforced: true, autoSbom: true, storageQuotaGiB: 10 });
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["createProject", "listQuotas"]);
            const proj = state().byName("web")!;
            assert.equal(result.id, String(proj.project_id));
            assert.deepEqual(proj.metadata, {
                public: "true", auto_scan: "true", prevent_vul: "true", severity: "high", enable_content_trust_cosign: "true",
                auto_sbom_generation: "true", reuse_sys_cve_allowlist: "true",
            });
            assert.equal(state().quotaOf(proj.project_id)!.hard, 10 * GIB);
            assert.equal(result.outs!.projectId, proj.project_id);
            assert.equal(result.outs!.quotaId, state().quotaOf(proj.project_id)!.id);
        });

        it("create with an allowlist PUTs it (POST ignores it)", async () => {
            const { outs } = await created({ cveAllowlist: ["CVE-2024-9", "CVE-2023-1"] });
            assert.deepEqual(h.emu.sequence(), ["createProject", "updateProject", "listQuotas"]);
            const proj = state().byName("web")!;
            assert.deepEqual(proj.cve_allowlist.items.map((i) => i.cve_id), ["CVE-2023-1", "CVE-2024-9"]);
            assert.equal(proj.metadata.reuse_sys_cve_allowlist, "false");
            assert.deepEqual(outs.cveAllowlist, ["CVE-2023-1", "CVE-2024-9"]);
        });

        // Harbor keeps NO quota when quota_per_project_enable is false (handler/project.go, CreateProject); the old
        // emulator invented one with storage_per_project and this test "corrected" it.
        it("per-project quotas off: no quota exists; the default (-1) creates and reads cleanly, a declared limit is a partial create saying why", async () => {
            state().settings.quotaPerProjectEnable = false;
            const made = await created();
            assert.deepEqual(h.emu.sequence(), ["createProject", "listQuotas"]);
            assert.equal(state().quotaOf(state().byName("web")!.project_id), undefined);
            assert.equal(made.outs.quotaId, 0);
            await assertReadRoundTrip(h, p, made, ["getProject", "listQuotas"]);
            const err = (await rejection(created({ name: "limited", storageQuotaGiB: 5 }))) as Error & { properties?: Record<string, unknown> };
            assert.match(err.message, /storageQuotaGiB is 5, but Harbor has per-project quotas switched off \(configuration quota_per_project_enable = false\)/);
            assert.equal(err.properties?.storageQuotaGiB, -1, "records what Harbor holds: no limit");
            const e2 = await rejection(p.update(String(err.properties!.projectId), err.properties as never, { ...(await checked({ name: "limited", storageQuotaGiB: 5 })) }));
            assert.match(e2.message, /per-project quotas switched off/);
        });

        it("a partial create records the allowlist Harbor does NOT hold (its PUT failed): the next update sends it", async () => {
            h.emu.inject({ operationId: "updateProject" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ cveAllowlist: ["CVE-2024-9"] }))) as Error & { id?: string; properties?: Record<string, unknown> };
            assert.deepEqual(err.properties?.cveAllowlist, [], "POST never applies an allowlist: Harbor holds an own, empty list");
            const inputs = await checked({ cveAllowlist: ["CVE-2024-9"] });
            const outs = err.properties as unknown as Parameters<typeof p.diff>[1];
            assert.equal((await p.diff(err.id!, outs, inputs)).changes, true);
            assert.deepEqual(await h.opsDuring(() => p.update(err.id!, outs, inputs)), ["updateProject"]);
            assert.deepEqual(state().byName("web")!.cve_allowlist.items.map((i) => i.cve_id), ["CVE-2024-9"]);
        });

        it("through the engine's host: the partial create's recorded allowlist is the empty one Harbor holds", async () => {
            const engine = await engineProvider("Project");
            h.emu.inject({ operationId: "updateProject" }, { kind: "status", status: 500 }, 10);
            const inputs = await checked({ cveAllowlist: ["CVE-2024-9"] }, engine as never);
            const err = (await rejection(engine.create(inputs))) as Error & { properties?: Record<string, unknown> };
            assert.deepEqual(err.properties?.cveAllowlist, []);
        });

        describe("a project-admin connection (not a system admin: /quotas answers 403)", () => {
            const admin = () => addProjectAdmin(h.emu, "team-lead");
            it("creates, reads and deletes without quota rights; the project's gone-ness is found through HEAD (a 403 is not a 404)", async () => {
                const conn = h.connection(admin());
                const inputs = await checked({ connection: conn });
                const made = await p.create(inputs);
                assert.equal(made.outs!.storageQuotaGiB, -1);
                const read = await p.read(made.id, made.outs!);
                assert.equal((await p.diff(made.id, read.props as never, inputs)).changes, false);
                state().remove("web");
                const engine = await engineProvider("Project");
                assert.equal((await engine.read(made.id, made.outs)).id, "", "gone, through the host");
                await engine.delete(made.id, made.outs);
            });

            it("a declared storageQuotaGiB is a partial create naming the missing permission", async () => {
                const inputs = await checked({ connection: h.connection(admin()), storageQuotaGiB: 5 });
                const err = (await rejection(p.create(inputs))) as Error & { properties?: Record<string, unknown> };
                assert.match(err.message, /user "team-lead" .*storageQuotaGiB \(5\).*needs a Harbor system administrator/);
                assert.equal(err.properties?.storageQuotaGiB, -1);
            });
        });

        it("proxy cache: registryId is sent on create and read back", async () => {
            const { id, outs } = await created({ registryId: 4 });
            assert.equal(state().byName("web")!.registry_id, 4);
            const read = await p.read(id, outs);
            assert.equal(read.props!.registryId, 4);
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created(), { connection: { password: "Rotated-Passw0rd", caCert: undefined } });
        });

        it("update: one PUT for metadata, one for the quota, none for forceDestroy alone", async () => {
            const { id, outs, inputs } = await created();
            const metaNews = { ...inputs, autoScan: true, preventVulnerable: true, severity: "critical" as const };
            const d = await p.diff(id, outs, metaNews);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, []);
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, metaNews)), ["updateProject"]);
            const proj = state().byName("web")!;
            assert.equal(proj.metadata.auto_scan, "true");
            assert.equal(proj.metadata.severity, "critical");

            const quotaNews = { ...metaNews, storageQuotaGiB: 2.5 };
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...metaNews }, quotaNews)), ["updateQuota"]);
            assert.equal(state().quotaOf(proj.project_id)!.hard, 2.5 * GIB);

            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...quotaNews }, { ...quotaNews, forceDestroy: true })), []);
        });

        it("update: switching back to the system allowlist clears the project's list", async () => {
            const { id, outs, inputs } = await created({ cveAllowlist: ["CVE-2024-1"] });
            const news = { ...inputs, cveAllowlist: undefined };
            await p.update(id, outs, news);
            const proj = state().byName("web")!;
            assert.equal(proj.metadata.reuse_sys_cve_allowlist, "true");
            assert.deepEqual(proj.cve_allowlist.items, []);
        });

        it("replace: name replaces (create first); registryId replaces deleting first (same name)", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual(await p.diff(id, outs, { ...inputs, name: "web2" }), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, registryId: 3 }), { changes: true, replaces: ["registryId"], deleteBeforeReplace: true });
        });

        it("read: two requests, no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ cveAllowlist: ["CVE-2024-1"], storageQuotaGiB: 1 }), ["getProject", "listQuotas"]);
        });

        it("read: missing metadata keys mean Harbor's defaults (a project made elsewhere shows no diff)", async () => {
            const proj = state().seed("web"); // only metadata.public is stored
            const inputs = await checked();
            const outs = { ...inputs, projectId: proj.project_id, quotaId: 0 } as ProjectOutputs;
            const read = await p.read(String(proj.project_id), outs);
            assert.equal((await p.diff(String(proj.project_id), read.props as ProjectOutputs, inputs)).changes, false);
        });

        it("read after drift: every managed field is read back and the diff shows it", async () => {
            const { id, outs, inputs } = await created();
            state().setMetadata("web", "auto_scan", "true");
            state().setMetadata("web", "severity", "none");
            state().setMetadata("web", "reuse_sys_cve_allowlist", "false");
            state().setAllowlist("web", ["CVE-2020-1"]);
            state().setQuota("web", 3 * GIB);
            state().setMetadata("web", "public", "true");
            const read = await p.read(id, outs);
            const props = read.props as ProjectOutputs;
            assert.equal(props.autoScan, true);
            assert.equal(props.severity, "none");
            assert.deepEqual(props.cveAllowlist, ["CVE-2020-1"]);
            assert.equal(props.storageQuotaGiB, 3);
            assert.equal(props.public, true);
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, autoScan: true, severity: "none", cveAllowlist: ["CVE-2020-1"], storageQuotaGiB: 3, public: true }));
            const d = await p.diff(id, props, inputs);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, []);
            // ...and the update puts it back.
            await p.update(id, props, inputs);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as ProjectOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            state().remove("web");
            const read = await p.read(id, outs);
            assert.equal(read.id, "");
        });

        it("delete: one request; a 404 counts as gone", async () => {
            const { id, outs } = await created();
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteProject"]);
            assert.equal(state().byName("web"), undefined);
            await p.delete(id, outs); // already gone: no error
        });

        it("delete refuses a non-empty project clearly unless forceDestroy", async () => {
            const { id, outs } = await created();
            state().addRepository("web", "app");
            const err = await rejection(p.delete(id, outs));
            assert.match(err.message, /refuses to delete project "web" because it still contains repositories .* set forceDestroy: true/);
            assert.ok(state().byName("web"));
            h.emu.takeViolations(); // none expected, but 412 is not a violation anyway
        });

        it("forceDestroy empties the repositories (double-encoding names with '/') and deletes", async () => {
            const { id, outs } = await created({ forceDestroy: true });
            state().addRepository("web", "app");
            state().addRepository("web", "team/api");
            const ops = await h.opsDuring(() => p.delete(id, outs));
            assert.deepEqual(ops, ["listRepositories", "deleteRepository", "deleteRepository", "deleteProject"]);
            assert.equal(state().byName("web"), undefined);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one project", async () => {
            h.emu.inject({ operationId: "createProject" }, { kind: "status", status: 503 });
            const { id } = await created();
            assert.deepEqual(h.emu.sequence(), ["createProject", "getProject", "createProject", "listQuotas"]);
            assert.equal(state().projects.size, 1);
            assert.equal(id, String(state().byName("web")!.project_id));
        });

        it("POST committed then 502 / dropped: adopts the project, no duplicate, settings applied", async () => {
            for (const status of [502, "drop"] as const) {
                h.emu.inject({ operationId: "createProject" }, { kind: "commitThenFail", status });
                const { id, outs } = await created({ name: `web-${status}`, autoScan: true });
                assert.equal(state().projects.size, status === 502 ? 1 : 2);
                assert.equal(id, String(state().byName(`web-${status}`)!.project_id));
                assert.equal(h.emu.count("createProject"), status === 502 ? 1 : 2);
                assert.equal(outs.autoScan, true);
            }
        });

        it("a read slower than the timeout is retried", async () => {
            const { id, outs } = await created();
            h.emu.inject({ operationId: "getProject" }, { kind: "delay", ms: 500 });
            const read = await p.read(id, outs);
            assert.equal(read.id, id);
            assert.equal(h.emu.count("getProject"), 2);
        });

        it("429 with Retry-After on update is retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "updateProject" }, { kind: "status", status: 429, retryAfter: 1 });
            await p.update(id, outs, { ...inputs, autoScan: true });
            assert.equal(state().byName("web")!.metadata.auto_scan, "true");
            assert.equal(h.emu.count("updateProject"), 2);
        });

        it("exhausted retries give a clear error", async () => {
            const err = await exhaustRetries(h, { operationId: "createProject" }, { kind: "status", status: 503 }, () => created());
            assert.match(err.message, /POST \/api\/v2\.0\/projects failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
            assert.equal(h.emu.count("createProject"), 4);
            assert.equal(state().projects.size, 0);
        });

        it("a failure after the project exists is a partial create that keeps its id", async () => {
            h.emu.inject({ operationId: "listQuotas" }, { kind: "status", status: 500 });
            const err = (await rejection(created())) as Error & { id?: string; properties?: Record<string, unknown> };
            const proj = state().byName("web")!;
            assert.equal(err.id, String(proj.project_id));
            assert.equal(err.properties?.projectId, proj.project_id);
            assert.match(err.message, new RegExp(`^created ${proj.project_id}, but could not finish configuring it: Harbor API GET /api/v2\\.0/quotas\\S* failed: 500`));
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "Project", {
            afterDelete: () => assert.equal(state().projects.size, 0),
        });
    });
});
