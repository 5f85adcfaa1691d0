import { strict as assert } from "assert";
import * as net from "net";
import { ReadyInputs, ReadyProvider } from "../../harbor/ready";
import { healthArea } from "../emulator";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { engineProvider } from "../helpers/engine";

/** A fake clock: sleeping advances it, and can run a hook (e.g. Harbor becoming healthy). */
function fakeTime(onSleep?: (n: number) => void) {
    let t = 0;
    let sleeps = 0;
    return {
        now: () => t,
        sleep: async (ms: number) => {
            t += ms;
            onSleep?.(++sleeps);
        },
        get sleeps() {
            return sleeps;
        },
    };
}

describe("harbor/Ready", () => {
    const h = useHarborEmulator();
    const provider = (clock = fakeTime()) => new ReadyProvider({ client: FAST_CLIENT, now: clock.now, sleep: clock.sleep });
    const inputs = async (p: ReadyProvider, extra: Record<string, unknown> = {}) => {
        const r = await p.check({} as ReadyInputs, { connection: h.connection(), ...extra } as unknown as ReadyInputs);
        assert.deepEqual(r.failures, []);
        return r.inputs!;
    };

    it("check applies defaults and keeps the connection as given", async () => {
        const i = await inputs(provider());
        assert.equal(i.timeoutSeconds, 600);
        assert.equal(i.intervalSeconds, 5);
        assert.deepEqual(i.connection, h.connection());
    });

    it("check rejects bad inputs, naming the property and never the password", async () => {
        const r = await provider().check({} as ReadyInputs, {
            connection: { url: "https://admin:pw@harbor.example.com", username: "", password: "" },
            timeoutSeconds: 0, intervalSeconds: "5", extra: true,
        } as unknown as ReadyInputs);
        const byProp = Object.fromEntries(r.failures!.map((f) => [f.property, f.reason]));
        assert.match(byProp["connection.url"], /must not contain credentials/);
        assert.match(byProp["connection.username"], /must not be empty|required/);
        assert.match(byProp["connection.password"], /password is required/);
        assert.match(byProp.timeoutSeconds, /at least 1/);
        assert.match(byProp.intervalSeconds, /must be a number/);
        assert.match(byProp.extra, /not a setting/);
        const missing = await provider().check({} as ReadyInputs, {} as ReadyInputs);
        assert.match(missing.failures![0].reason, /connection is required/);
    });

    it("check refuses an interval longer than the timeout, but only when both are valid numbers", async () => {
        const check = (extra: Record<string, unknown>) => provider().check({} as ReadyInputs, { connection: h.connection(), ...extra } as unknown as ReadyInputs);
        assert.deepEqual((await check({ timeoutSeconds: 10, intervalSeconds: 30 })).failures, [{ property: "intervalSeconds", reason: "intervalSeconds (30) must not exceed timeoutSeconds (10)" }]);
        assert.deepEqual((await check({ timeoutSeconds: 0, intervalSeconds: 30 })).failures!.map((f) => f.property), ["timeoutSeconds"], "one thing at a time");
        assert.deepEqual((await check({ timeoutSeconds: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", intervalSeconds: 30 })).failures, []);
    });

    it("check passes unknown values (preview) through", async () => {
        const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const r = await provider().check({} as ReadyInputs, { connection: UNKNOWN, timeoutSeconds: UNKNOWN } as unknown as ReadyInputs);
        assert.deepEqual(r.failures, []);
    });

    it("create on a healthy Harbor: one health check, the credentials proven, the version, nothing else", async () => {
        const p = provider();
        const i = await inputs(p);
        const { result, calls } = await h.during(() => p.create(i));
        assert.deepEqual(calls.map((c) => c.operationId), ["getHealth", "getCurrentUserInfo", "getSystemInfo"]);
        assert.equal(result.outs!.healthy, true);
        assert.equal(result.outs!.version, h.emu.area(healthArea).version);
        assert.ok(result.id);
    });

    it("create waits while Harbor is unhealthy, 503s or refuses, then succeeds", async () => {
        const health = h.emu.area(healthArea);
        health.components.set("core", "unhealthy");
        h.emu.inject({ operationId: "getHealth" }, { kind: "status", status: 503 }, 1);
        h.emu.inject({ operationId: "getHealth" }, { kind: "drop" }, 1);
        const clock = fakeTime((n) => n === 4 && health.setAll("healthy"));
        const p = provider(clock);
        const out = await p.create(await inputs(p, { intervalSeconds: 2 }));
        assert.equal(out.outs!.healthy, true);
        assert.equal(h.emu.count("getHealth"), 5);
        assert.equal(clock.now(), 8000, "slept the interval between checks");
    });

    it("times out with a clear message naming the URL and the last status", async () => {
        h.emu.area(healthArea).components.set("database", "unhealthy");
        const clock = fakeTime();
        const p = provider(clock);
        const err = await rejection(p.create(await inputs(p, { timeoutSeconds: 30, intervalSeconds: 10 })));
        assert.match(err.message, new RegExp(`Harbor at ${h.emu.url} did not become healthy within 30 s \\(4 checks of /api/v2.0/health\\); last status: unhealthy \\(not healthy: database\\)`));
        assert.equal(h.emu.count("getSystemInfo"), 0);
    });

    it("times out clearly when nothing listens", async () => {
        const srv = net.createServer();
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        const port = (srv.address() as net.AddressInfo).port;
        await new Promise<void>((r) => srv.close(() => r()));
        const p = provider();
        const i = await inputs(p, { timeoutSeconds: 3, intervalSeconds: 1 });
        const err = await rejection(p.create({ ...i, connection: { ...i.connection, url: `http://127.0.0.1:${port}` } }));
        assert.match(err.message, /did not become healthy within 3 s .* last status: CONNECTION: ECONNREFUSED/);
    });

    // Harbor answers /health and /systeminfo to a wrong password (it is an anonymous caller, basic_auth.go); the old
    // emulator answered 401 to wrong credentials everywhere, which Harbor never does.
    it("fails clearly on wrong credentials: Harbor treats them as anonymous, so /users/current proves them (a few paced tries)", async () => {
        const clock = fakeTime();
        const p = new ReadyProvider({ client: FAST_CLIENT, now: clock.now, sleep: clock.sleep, loginPauseMs: 2000 });
        const i = await inputs(p);
        const err = await rejection(p.create({ ...i, connection: { ...i.connection, password: "wrong-Passw0rd" } }));
        assert.match(err.message, /did not accept the credentials of user "admin": GET \/api\/v2\.0\/users\/current answered 401 3 times .*Check connection\.username and connection\.password/);
        assert.equal(h.emu.count("getHealth"), 1, "health answered (anonymously): no polling");
        assert.equal(h.emu.count("getCurrentUserInfo"), 3);
        assert.equal(clock.now(), 4000, "paused twice (2 s each), past Harbor's 1.5 s login lock");
        assert.equal(h.emu.count("getSystemInfo"), 0);
        assert.ok(!err.message.includes("wrong-Passw0rd"));
    });

    it("a correct login right after someone's failed one is anonymous (Harbor's 1.5 s lock): the paced retry then succeeds", async () => {
        const { HarborEmulator } = await import("../emulator"); // a short login lock, so the real pause below stays short
        const emu = await new HarborEmulator({ loginLockMs: 150 }).start();
        try {
            const p = new ReadyProvider({ client: FAST_CLIENT, loginPauseMs: 200 });
            const i = await inputs(p, { connection: { url: emu.url, username: emu.username, password: emu.password } });
            const wrong = new ReadyProvider({ client: FAST_CLIENT, loginPauseMs: 1 });
            await rejection(wrong.create({ ...i, connection: { ...i.connection, password: "wrong-Passw0rd" } })); // locks "admin"
            emu.resetLog();
            const out = await p.create(i);
            assert.equal(out.outs!.version, emu.area(healthArea).version);
            assert.ok(emu.count("getCurrentUserInfo") >= 2, "the first check fell in the lock and was retried");
        } finally {
            await emu.stop();
        }
    });

    it("the deadline bounds the credential retries (no pause that would outlast timeoutSeconds)", async () => {
        const clock = fakeTime();
        const p = new ReadyProvider({ client: FAST_CLIENT, now: clock.now, sleep: clock.sleep, loginPauseMs: 5000 });
        const i = await inputs(p, { timeoutSeconds: 3, intervalSeconds: 1 });
        const err = await rejection(p.create({ ...i, connection: { ...i.connection, password: "wrong-Passw0rd" } }));
        assert.match(err.message, /answered 401 once/);
        assert.equal(clock.now(), 0, "no pause");
    });

    it("diff: no request; the trigger re-waits; the connection never counts", async () => {
        const p = provider();
        const i = await inputs(p);
        const outs = (await p.create(i)).outs!;
        const { result, calls } = await h.during(() => p.diff("id", outs, i));
        assert.equal(calls.length, 0);
        assert.equal(result.changes, false);
        assert.equal((await p.diff("id", outs, { ...i, connection: { ...i.connection, password: "rotated-Passw0rd" } })).changes, false);
        const d = await p.diff("id", outs, { ...i, trigger: "rev-2" });
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, []);
        const upd = await h.opsDuring(() => p.update("id", outs, { ...i, trigger: "rev-2" }));
        assert.deepEqual(upd, ["getHealth", "getCurrentUserInfo", "getSystemInfo"]);
    });

    it("read refreshes the version with one request and returns inputs; delete makes none", async () => {
        const p = provider();
        const i = await inputs(p);
        const outs = (await p.create(i)).outs!;
        h.emu.area(healthArea).version = "v2.16.0";
        const { result, calls } = await h.during(() => p.read("id", outs));
        assert.equal(calls.length, 1);
        assert.equal(result.props!.version, "v2.16.0");
        assert.deepEqual(result.inputs, { connection: i.connection, timeoutSeconds: 600, intervalSeconds: 5 });
        assert.equal((await h.during(() => p.delete())).calls.length, 0);
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        const engine = await engineProvider("Ready");
        const i = await inputs(engine as never);
        const out = await engine.create(i);
        assert.equal((out.outs as { healthy: boolean }).healthy, true);
    });

    it("through the engine's dynamic-provider host: a wrong password fails Ready clearly (Harbor's anonymous fallback does not pass)", async () => {
        const engine = await engineProvider("Ready");
        const i = await inputs(engine as never, { timeoutSeconds: 1, intervalSeconds: 1 });
        const err = await rejection(engine.create({ ...i, connection: { ...(i as ReadyInputs).connection, password: "wrong-Passw0rd" } }));
        assert.match(err.message, /did not accept the credentials of user "admin": GET \/api\/v2\.0\/users\/current answered 401/);
        assert.ok(!err.message.includes("wrong-Passw0rd"));
    });
});
