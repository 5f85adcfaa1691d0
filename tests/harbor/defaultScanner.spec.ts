import { strict as assert } from "assert";
import { DefaultScannerOutputs, DefaultScannerProvider } from "../../harbor/defaultScanner";
import { UNKNOWN } from "../../harbor/provider";
import { scannersArea } from "../emulator/areas/scanners";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { engineProvider } from "../helpers/engine";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, assertSameCalls, byProperty, exhaustRetries, plain, providerKit } from "../helpers/providerKit";


describe("harbor/DefaultScanner", () => {
    const h = useHarborEmulator();
    const p = new DefaultScannerProvider({ client: FAST_CLIENT });
    const scanners = () => h.emu.area(scannersArea);
    const trivy = () => scanners().byName("Trivy")!;

    const { checked, created, check } = providerKit(h, p);

    describe("check", () => {
        it("defaults to Trivy with no schedule, and normalises presets", async () => {
            const i = await checked({ scanAllSchedule: " Daily " });
            assert.equal(i.scannerName, "Trivy");
            assert.equal(i.scanAllSchedule, "daily");
            assert.equal((await checked()).scanAllSchedule, "");
        });

        it("fails on bad inputs, naming the property, without a request", async () => {
            const r = await check({ scannerName: "", scanAllSchedule: "0 0 * * * *", extra: 1 });
            const byProp = byProperty(r.failures);
            assert.match(byProp.scannerName, /must not be empty/);
            assert.match(byProp.scanAllSchedule, /5-field cron .* it has 6 fields \(write 5 fields/);
            assert.match(byProp.extra, /not a setting/);
            assert.equal(h.emu.log.length, 0);
        });

        it("refuses a scanner name Harbor could never have registered (scanner_registration.name is VARCHAR(128))", async () => {
            const byProp = byProperty((await check({ scannerName: "s".repeat(129) })).failures);
            assert.equal(byProp.scannerName, "scannerName must be at most 128 characters, got 129");
            assert.deepEqual((await check({ scannerName: "s".repeat(128) })).failures, []);
        });

        it("passes a schedule not known yet (preview) through unvalidated", async () => {
            const r = await check({ scanAllSchedule: UNKNOWN });
            assert.deepEqual(r.failures, []);
            assert.equal(r.inputs!.scanAllSchedule, UNKNOWN);
        });
    });

    describe("lifecycle", () => {
        it("create: finds Trivy by name, skips the PATCH when it is already default, PUTs the schedule", async () => {
            const { id, outs } = await created({ scanAllSchedule: "daily" });
            assert.deepEqual(h.emu.sequence(), ["listScanners", "updateScanAllSchedule"]);
            assert.equal(id, trivy().uuid);
            assert.deepEqual(scanners().scanAll && { type: scanners().scanAll!.type, cron: scanners().scanAll!.cron }, { type: "Daily", cron: "0 0 0 * * *" });
            assert.equal(outs.registrationUuid, id);
            assert.equal(outs.isDefault, true);
        });

        it("create: makes another registration the default with one PATCH; an unknown name is a clear error", async () => {
            const other = scanners().add("Grype");
            const inputs = await checked({ scannerName: "Grype", scanAllSchedule: "30 2 * * 1" });
            // The default and the schedule are independent settings: one request each, in any order.
            assertSameCalls(await h.opsDuring(() => p.create(inputs)), ["listScanners", "setScannerAsDefault", "updateScanAllSchedule"]);
            assert.equal(other.is_default, true);
            assert.equal(trivy().is_default, false);
            assert.equal(scanners().scanAll!.cron, "0 30 2 * * 1");
            assert.equal(scanners().scanAll!.type, "Custom");
            const err = await rejection(p.create(await checked({ scannerName: "Clair" })));
            assert.match(err.message, /no scanner registration named "Clair" in Harbor \(registered: "Trivy", "Grype"\)/);
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing; scannerName replaces deleting first", async () => {
            const { id, outs, inputs } = await created({ scanAllSchedule: "daily" });
            await assertNoOpDiff(h, p, { id, outs, inputs });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, scannerName: "Grype" }), { changes: true, replaces: ["scannerName"], deleteBeforeReplace: true });
            assert.equal(h.emu.log.length, 0);
        });

        it("update: one PUT for a new schedule; none when nothing Harbor holds changed", async () => {
            const { id, outs, inputs } = await created({ scanAllSchedule: "daily" });
            const news = { ...inputs, scanAllSchedule: "weekly" };
            assert.deepEqual(await h.opsDuring(() => p.update(id, outs, news)), ["updateScanAllSchedule"]);
            assert.deepEqual({ type: scanners().scanAll!.type, cron: scanners().scanAll!.cron }, { type: "Weekly", cron: "0 0 0 * * 0" });
            assert.deepEqual(await h.opsDuring(() => p.update(id, { ...outs, ...news }, { ...news, connection: { ...news.connection, password: "Other-Passw0rd" } })), []);
            const off = { ...news, scanAllSchedule: "" };
            await p.update(id, { ...outs, ...news }, off);
            assert.equal(scanners().scanAll, undefined);
        });

        it("read: two GETs, no phantom diff, inputs returned", async () => {
            await assertReadRoundTrip(h, p, await created({ scanAllSchedule: "daily" }), ["getScanner", "getScanAllSchedule"]);
        });

        it("read after drift: schedule changed and default switched away are found, and the update puts both back", async () => {
            const { id, outs, inputs } = await created({ scanAllSchedule: "daily" });
            scanners().add("Grype", { isDefault: true });
            scanners().scanAll = { id: 99, type: "Custom", cron: "0 15 3 * * *" };
            const read = await p.read(id, outs);
            const props = read.props as DefaultScannerOutputs;
            assert.equal(props.isDefault, false);
            assert.equal(props.scanAllSchedule, "15 3 * * *");
            assert.deepEqual(plain(read.inputs), plain({ ...inputs, scanAllSchedule: "15 3 * * *" }));
            const d = await p.diff(id, props, inputs);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, []);
            assertSameCalls(await h.opsDuring(() => p.update(id, props, inputs)), ["setScannerAsDefault", "updateScanAllSchedule"]);
            assert.equal(trivy().is_default, true);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as DefaultScannerOutputs, inputs)).changes, false);
        });

        it("read: a schedule removed behind its back (empty GET body) reads as none", async () => {
            const { id, outs } = await created({ scanAllSchedule: "hourly" });
            scanners().scanAll = undefined;
            assert.equal(((await p.read(id, outs)).props as DefaultScannerOutputs).scanAllSchedule, "");
        });

        it("read after the registration is gone (scanner uninstalled): gone", async () => {
            const { id, outs } = await created();
            scanners().remove("Trivy");
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one PUT of type None; the registration stays (immutable); no default scanner left is fine", async () => {
            const { id, outs } = await created({ scanAllSchedule: "daily" });
            const ops = await h.emu.calls().length;
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["updateScanAllSchedule"]);
            assert.deepEqual(h.emu.calls().slice(ops)[0].body, { schedule: { type: "None", cron: "" } });
            assert.equal(scanners().scanAll, undefined);
            assert.ok(scanners().byName("Trivy"));
            scanners().remove("Trivy");
            await p.delete(id, outs); // 412 (no scanner): nothing to unschedule
        });
    });

    describe("faults", () => {
        it("503 and 429 on the list and the PUT are retried; nothing is duplicated", async () => {
            h.emu.inject({ operationId: "listScanners" }, { kind: "status", status: 503 });
            h.emu.inject({ operationId: "updateScanAllSchedule" }, { kind: "status", status: 429, retryAfter: 1 });
            await created({ scanAllSchedule: "daily" });
            assert.equal(h.emu.count("listScanners"), 2);
            assert.equal(h.emu.count("updateScanAllSchedule"), 2);
            assert.equal(scanners().scanAll!.cron, "0 0 0 * * *");
        });

        it("a slow read and a dropped connection are retried", async () => {
            const { id, outs } = await created({ scanAllSchedule: "daily" });
            h.emu.inject({ operationId: "getScanner" }, { kind: "delay", ms: 500 });
            h.emu.inject({ operationId: "getScanAllSchedule" }, { kind: "drop" });
            const read = await p.read(id, outs);
            assert.equal((read.props as DefaultScannerOutputs).scanAllSchedule, "daily");
            assert.equal(h.emu.count("getScanner"), 2);
        });

        it("a PATCH is never blindly retried: a failure surfaces with Harbor's words", async () => {
            scanners().add("Grype");
            h.emu.inject({ operationId: "setScannerAsDefault" }, { kind: "commitThenFail", status: 503 });
            const err = await rejection(p.create(await checked({ scannerName: "Grype" })));
            assert.match(err.message, /PATCH \/api\/v2\.0\/scanners\/[0-9a-f-]+ failed: 503/);
            assert.equal(h.emu.count("setScannerAsDefault"), 1);
            // The next attempt converges (the PATCH is idempotent in effect; Harbor already committed it).
            await p.create(await checked({ scannerName: "Grype" }));
            assert.equal(scanners().byName("Grype")!.is_default, true);
        });

        it("the PUT failing after the default was set is a partial create that keeps the uuid", async () => {
            h.emu.inject({ operationId: "updateScanAllSchedule" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ scanAllSchedule: "daily" }))) as Error & { id?: string };
            assert.equal(err.id, trivy().uuid);
            assert.match(err.message, /could not finish configuring it: .*500/);
        });

        it("a partial create records the schedule Harbor holds (none), not the one asked for: the next update PUTs it", async () => {
            h.emu.inject({ operationId: "updateScanAllSchedule" }, { kind: "status", status: 500 });
            const err = (await rejection(created({ scanAllSchedule: "daily" }))) as Error & { id?: string; properties?: Record<string, unknown> };
            assert.equal(err.properties?.scanAllSchedule, "");
            const inputs = await checked({ scanAllSchedule: "daily" });
            const olds = err.properties as unknown as DefaultScannerOutputs;
            assert.equal((await p.diff(err.id!, olds, inputs)).changes, true);
            assert.deepEqual(await h.opsDuring(() => p.update(err.id!, olds, inputs)), ["updateScanAllSchedule"]);
            assert.ok(scanners().scanAll, "Harbor now holds the schedule");
        });

        it("through the engine's host: the partial create records no schedule when its PUT failed", async () => {
            const engine = await engineProvider("DefaultScanner");
            h.emu.inject({ operationId: "updateScanAllSchedule" }, { kind: "status", status: 500 }, 10);
            const err = (await rejection(engine.create(await checked({ scanAllSchedule: "daily" }, engine as never)))) as Error & { properties?: Record<string, unknown> };
            assert.equal(err.properties?.scanAllSchedule, "");
        });

        it("exhausted retries give a clear error", async () => {
            const { id, outs, inputs } = await created({ scanAllSchedule: "daily" });
            const err = await exhaustRetries(h, { operationId: "updateScanAllSchedule" }, { kind: "status", status: 503 }, () => p.update(id, outs, { ...inputs, scanAllSchedule: "weekly" }));
            assert.match(err.message, /PUT \/api\/v2\.0\/system\/scanAll\/schedule failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "DefaultScanner", {
            extra: { scanAllSchedule: "daily" },
            afterDelete: () => assert.equal(scanners().scanAll, undefined),
        });
    });
});
