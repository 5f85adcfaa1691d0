// The systematic fault matrix: every operation (create, read, update, delete) of every Harbor provider, under each
// fault a real network and Harbor produce. Per resource specs test the interesting special cases; this suite proves
// the rules hold for ALL resource types:
//   - one fault (503, 429 with Retry-After, a timeout, a connection reset, a failure after Harbor committed the change)
//     is survived: the operation succeeds, Harbor ends in the intended state (read back with a clean client) and
//     nothing is duplicated (counted through Harbor's list API);
//   - a fault that never ends exhausts the retries with a clear error (status, method, API path) that carries no
//     credentials, and leaves Harbor as it was.
// The fault hits the operation's main request: its first change (POST/PUT/DELETE), else its first request.
import { strict as assert } from "assert";
import type { HarborClientOptions } from "../../harbor/client";
import type { Connection } from "../../harbor/provider";
import { Fault, loadSpec } from "../emulator";
import { AnyProvider, checkedInputs, countObjects, FIXTURES, Operation, OperationRequests, operationRequests, prepare, Raw, ResourceFixture } from "../helpers/fixtures";
import type { HarborResourceType } from "../../harbor/hosted";
import { providerText } from "../../harbor/loader";
import { EngineHost, EngineProvider, FAST_HOST_ENV, sharedEngineHost, startEngineHost } from "../helpers/engine";
import { rejection, useHarborEmulator } from "../helpers/harbor";

const SECRET = "Harbor12345"; // the emulator's admin password: must never show in an error

interface FaultCase {
    name: string;
    fault: Fault;
    /** The client gives up on a request after this long (the timeout case needs it shorter than the delay). */
    timeoutMs?: number;
}

const TIMEOUT_MS = 60;

const FAULTS: readonly FaultCase[] = [
    { name: "503", fault: { kind: "status", status: 503 } },
    { name: "429 with Retry-After", fault: { kind: "status", status: 429, retryAfter: 2 } },
    { name: "a timeout", fault: { kind: "delay", ms: 200 }, timeoutMs: TIMEOUT_MS },
    { name: "a connection reset", fault: { kind: "drop" } },
    { name: "a failure after the change was committed", fault: { kind: "commitThenFail", status: 503 } },
];

/** The host environments the engine path needs, over FAST_HOST_ENV: the same settings as `client()` gives the direct path. */
const HOST_SETTINGS: Record<"timeout" | "twoRetries", Record<string, string>> = {
    timeout: { HARBOR_CLIENT_TIMEOUT_MS: String(TIMEOUT_MS), HARBOR_CLIENT_RETRIES: "3" },
    twoRetries: { HARBOR_CLIENT_TIMEOUT_MS: "2000", HARBOR_CLIENT_RETRIES: "2" },
};

const OP_KEY: Record<Operation, keyof OperationRequests> = { create: "create", read: "read", update: "update", delete: "delete" };
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let targetsOnce: Promise<Map<string, string>> | undefined;

/** Per type and operation: the operationId the fault is injected into (found once per run, fault-free). */
function faultTargets(): Promise<Map<string, string>> {
    targetsOnce ??= (async () => {
        const spec = loadSpec();
        const targets = new Map<string, string>();
        for (const f of FIXTURES) {
            const seq = await operationRequests(f, { retries: 0, timeoutMs: 2000 });
            for (const op of f.ops) {
                const ids = seq[OP_KEY[op]];
                const main = ids.find((id) => MUTATING.has(spec.operations.get(id)?.method.toUpperCase() ?? "")) ?? ids[0];
                assert.ok(main, `${f.type}.${op} makes no request; remove it from the fixture's ops`);
                targets.set(`${f.type}.${op}`, main);
            }
        }
        return targets;
    })();
    return targetsOnce;
}

// How the operation under test reaches the provider: as the engine drives it, through Pulumi's real dynamic-provider
// host (client options from HARBOR_CLIENT_*, one host per setting), or called directly (client options injected,
// sleeps recorded).
for (const path of ["provider", "engine"] as const) describe(`fault matrix: every operation of every provider (${path === "provider" ? "called directly" : "through the engine's dynamic-provider host"})`, function () {
    this.timeout(60_000);
    const h = useHarborEmulator();
    const hosts = new Map<string, EngineHost>();
    if (path === "engine") {
        before(async () => {
            // One host per client setting the cases need, the same `client()` below gives the direct path; the
            // default one (2000 ms, 3 retries) is the run's shared host.
            hosts.set("default", await sharedEngineHost());
            const started = await Promise.all(Object.entries(HOST_SETTINGS).map(async ([key, env]) => [key, await startEngineHost({ ...FAST_HOST_ENV, ...env })] as const));
            for (const [key, host] of started) hosts.set(key, host);
            // A host loads the providers' code on its first call: warm all of them at once, not one per first test.
            await Promise.all([...hosts.values()].map((host) => new EngineProvider(host, "Ready", providerText("Ready")).check({}, {})));
        });
        after(async () => {
            for (const key of Object.keys(HOST_SETTINGS)) await hosts.get(key)?.stop();
        });
    }
    let targets = new Map<string, string>();
    before(async () => {
        targets = await faultTargets();
    });

    const sleeps: number[] = [];
    const client = (timeoutMs = 2000, retries = 3): HarborClientOptions => ({
        timeoutMs, retries, baseDelayMs: 1, maxDelayMs: 5000, sleep: async (ms) => void sleeps.push(ms),
    });
    beforeEach(() => (sleeps.length = 0));

    interface World {
        conn: Connection;
        p: AnyProvider;
        raw: Raw;
        inputs: Raw;
        /** The object made fault-free before an operation other than create. */
        existing?: { id: string; outs: Raw };
    }

    /** The provider for the operation under fault, on this path. */
    async function underTest(f: ResourceFixture, c: HarborClientOptions): Promise<AnyProvider> {
        if (path === "provider") return f.provider(c);
        const key = c.timeoutMs !== 2000 ? "timeout" : c.retries === 2 ? "twoRetries" : "default";
        return new EngineProvider(hosts.get(key)!, f.type, providerText(f.type as HarborResourceType));
    }

    async function world(f: ResourceFixture, op: Operation, c: HarborClientOptions): Promise<World> {
        const conn = h.connection();
        const p = await underTest(f, c);
        const raw = prepare(f, h.emu);
        const inputs = await checkedInputs(f, p, conn, raw);
        if (op === "create") return { conn, p, raw, inputs };
        const made = await f.provider(client()).create(inputs);
        return { conn, p, raw, inputs, existing: { id: made.id, outs: made.outs as Raw } };
    }

    /** Read back with a clean provider: Harbor holds `expected` (no diff), or the object is gone. */
    async function assertHarborHolds(f: ResourceFixture, w: World, id: string, outs: Raw, expected: Raw): Promise<void> {
        const clean = f.provider(client());
        const read = await clean.read(id, outs);
        assert.equal(read.id, id, `${f.type} is still there`);
        const d = await clean.diff(id, read.props, expected);
        assert.equal(d.changes, false, `${f.type}: Harbor holds the intended settings (diff after read: ${JSON.stringify(d)})`);
    }

    async function run(f: ResourceFixture, op: Operation, w: World, news: Raw): Promise<{ id: string; outs: Raw }> {
        const e = w.existing!;
        switch (op) {
            case "create": {
                const r = await w.p.create(w.inputs);
                return { id: r.id, outs: r.outs as Raw };
            }
            case "read": {
                const r = await w.p.read(e.id, e.outs);
                return { id: r.id!, outs: r.props as Raw };
            }
            case "update": {
                const r = await w.p.update!(e.id, e.outs, news);
                return { id: e.id, outs: { ...e.outs, ...(r.outs as Raw) } };
            }
            case "delete":
                await w.p.delete!(e.id, e.outs);
                return e;
        }
    }

    for (const f of FIXTURES) {
        describe(f.type, () => {
            for (const op of f.ops) {
                const target = () => targets.get(`${f.type}.${op}`)!;

                // The engine path is the contract and runs every case but the 429: through the host it is a 503 with a
                // capped sleep. Called directly, the 429 alone: whether Retry-After was honoured is observable only
                // in-process (the recorded sleeps).
                const retryAfter = (x: FaultCase) => x.name === "429 with Retry-After";
                for (const fc of FAULTS.filter((x) => (path === "engine" ? !retryAfter(x) : retryAfter(x)))) {
                    it(`${op} survives ${fc.name}`, async () => {
                        const w = await world(f, op, client(fc.timeoutMs));
                        const news = op === "update" ? await checkedInputs(f, w.p, w.conn, w.raw, f.change) : w.inputs;
                        const before = await countObjects(f, h.emu);
                        h.emu.inject({ operationId: target() }, fc.fault);

                        const done = await run(f, op, w, news);

                        assert.ok(h.emu.calls((r) => r.fault !== undefined).length === 1, `the fault hit ${target()}`);
                        if (path === "provider" && fc.fault.kind === "status" && fc.fault.status === 429 && !f.polls) assert.ok(sleeps.includes(2000), `Retry-After (2 s) was honoured, slept ${sleeps}`);
                        const after = await countObjects(f, h.emu);
                        if (op === "delete") {
                            if (f.deletes === "removes") {
                                assert.equal((await f.provider(client()).read(done.id, done.outs)).id, "", `${f.type} is gone`);
                                assert.equal(after, before === undefined ? undefined : before - 1, "exactly one object removed");
                            }
                            if (f.deletes === "resets") {
                                // Harbor no longer holds what was set: the singleton reads as gone, or as different from the inputs.
                                const clean = f.provider(client());
                                const read = await clean.read(done.id, done.outs);
                                const reset = read.id === "" || (await clean.diff(done.id, read.props, w.inputs)).changes;
                                assert.ok(reset, `${f.type}: the setting was reset (read back: ${JSON.stringify(read.props)})`);
                            }
                            return;
                        }
                        assert.equal(after, before === undefined ? undefined : before + (op === "create" ? 1 : 0), "nothing duplicated");
                        if (op === "read") assert.equal(done.id, w.existing!.id);
                        await assertHarborHolds(f, w, done.id, done.outs, news);
                    });
                }

                if (path === "provider") continue;
                if (f.polls && (op === "create" || op === "update")) continue; // its deadline: "Harbor unhealthy during a deploy"
                it(`${op}: exhausted retries end in a clear error without credentials, and Harbor is unchanged`, async () => {
                    const w = await world(f, op, client(2000, 2));
                    const news = op === "update" ? await checkedInputs(f, w.p, w.conn, w.raw, f.change) : w.inputs;
                    const before = await countObjects(f, h.emu);
                    // Every attempt fails (retries: 2 → 3 attempts); afterwards Harbor answers again, for the checks.
                    h.emu.inject({ operationId: target() }, { kind: "status", status: 503 }, 3);

                    const err = await rejection(run(f, op, w, news));

                    assert.equal(h.emu.calls((r) => r.fault !== undefined).length, 3, "three attempts, each failed");
                    const { method } = h.emu.spec.operations.get(target())!;
                    assert.match(err.message, new RegExp(`${method.toUpperCase()} /api/v2\\.0/\\S+ failed: 503`), `names status, method and path: ${err.message}`);
                    assert.ok(!err.message.includes(SECRET) && !/Basic [A-Za-z0-9+/=]{8,}/.test(err.message), "no credentials in the error");
                    assert.ok(!/\n\s+at /.test(err.message), "no stack trace in the message");
                    assert.equal(await countObjects(f, h.emu), before, "nothing created or removed");
                    if (op === "update" || op === "delete" || op === "read") {
                        // Harbor still holds what it held before (the failed change did not land; nothing was removed).
                        if (f.deletes !== "nothing" || op !== "delete") await assertHarborHolds(f, w, w.existing!.id, w.existing!.outs, w.inputs);
                    }
                });
            }
        });
    }
});
