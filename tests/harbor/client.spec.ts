import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    apiBase,
    HarborApiError,
    HarborClient,
    HarborClientOptions,
    idFromLocation,
    parseRetryAfter,
    repoSeg,
    tlsOptions,
} from "../../harbor/client";

/** A raw HTTP server whose handler decides each response; records what it saw. */
interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}
type Script = (req: Seen, res: http.ServerResponse, n: number) => void;

async function scripted(script: Script, tls?: { key: string; cert: string }) {
    const seen: Seen[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
            seen.push(s);
            script(s, res, seen.length);
        });
    };
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    const sockets = new Set<net.Socket>();
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return {
        url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        seen,
        close: () => {
            for (const s of sockets) s.destroy();
            return new Promise<void>((r) => server.close(() => r()));
        },
    };
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body === undefined ? "" : JSON.stringify(body));
};
const harborErr = (res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    json(res, status, { errors: [{ code, message }] }, headers);

const PASSWORD = "S3cret-Pa55";

function client(url: string, extra: HarborClientOptions = {}) {
    const sleeps: number[] = [];
    const c = new HarborClient(
        { url, username: "admin", password: PASSWORD },
        { timeoutMs: 500, retries: 3, baseDelayMs: 10, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), ...extra },
    );
    return { c, sleeps };
}

describe("harbor/client", () => {
    let servers: { close(): Promise<void> }[] = [];
    let clients: HarborClient[] = [];
    async function serve(script: Script, tls?: { key: string; cert: string }) {
        const s = await scripted(script, tls);
        servers.push(s);
        return s;
    }
    function mk(url: string, extra: HarborClientOptions = {}) {
        const r = client(url, extra);
        clients.push(r.c);
        return r;
    }
    afterEach(async () => {
        await Promise.all(clients.map((c) => c.close()));
        await Promise.all(servers.map((s) => s.close()));
        servers = [];
        clients = [];
    });

    describe("pure helpers", () => {
        it("normalises the URL to the API base and refuses credentials in it", () => {
            assert.equal(apiBase("https://harbor.example.com"), "https://harbor.example.com/api/v2.0");
            assert.equal(apiBase("https://harbor.example.com/"), "https://harbor.example.com/api/v2.0");
            assert.equal(apiBase("https://harbor.example.com/api/v2.0/"), "https://harbor.example.com/api/v2.0");
            assert.equal(apiBase("http://127.0.0.1:8080/sub"), "http://127.0.0.1:8080/sub/api/v2.0");
            assert.throws(() => apiBase("https://admin:pw@harbor.example.com"), /must not contain credentials/);
            assert.throws(() => apiBase("ftp://harbor.example.com"), /http\(s\)/);
        });
        it("parses ids from Location headers", () => {
            assert.equal(idFromLocation("/api/v2.0/projects/42"), "42");
            assert.equal(idFromLocation("https://h.example.com/api/v2.0/registries/7/"), "7");
            assert.equal(idFromLocation("/api/v2.0/projects/my%2Bproj"), "my+proj");
            assert.equal(idFromLocation(null), undefined);
        });
        it("parses Retry-After as seconds or a date", () => {
            assert.equal(parseRetryAfter("3"), 3000);
            assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
            assert.equal(parseRetryAfter("soon"), undefined);
            assert.equal(parseRetryAfter(null), undefined);
        });
        it("double-encodes repository names with a slash", () => {
            assert.equal(repoSeg("a/b"), "a%252Fb");
            assert.equal(repoSeg("plain"), "plain");
        });
        it("verifies TLS unless insecure is explicitly true, and passes a custom CA", () => {
            assert.deepEqual(tlsOptions({}), { rejectUnauthorized: true });
            assert.deepEqual(tlsOptions({ insecure: false, caCert: "PEM" }), { ca: "PEM", rejectUnauthorized: true });
            assert.deepEqual(tlsOptions({ insecure: true }), { rejectUnauthorized: false });
        });
        it("backs off exponentially with jitter, capped, and lets Retry-After win", () => {
            const lo = new HarborClient({ url: "http://127.0.0.1:1", username: "u", password: "p" }, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
            const hi = new HarborClient({ url: "http://127.0.0.1:1", username: "u", password: "p" }, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
            assert.deepEqual([1, 2, 3, 4, 5].map((n) => lo.backoff(n)), [50, 100, 200, 400, 500]);
            assert.deepEqual([1, 2, 3, 4, 5].map((n) => hi.backoff(n)), [100, 200, 400, 800, 1000]);
            assert.equal(lo.backoff(1, 250), 250);
            assert.equal(lo.backoff(1, 60_000), 1000, "Retry-After is capped by maxDelayMs");
            void lo.close();
            void hi.close();
        });
    });

    describe("requests", () => {
        it("sends Basic auth, JSON headers and never a cookie, even after Set-Cookie", async () => {
            const s = await serve((_req, res) => json(res, 200, { ok: true }, { "Set-Cookie": "sid=abc; Path=/" }));
            const { c } = mk(s.url);
            await c.get("/systeminfo");
            await c.put("/projects/1", { metadata: { public: "true" } });
            assert.equal(s.seen.length, 2);
            for (const r of s.seen) {
                assert.equal(r.headers.authorization, "Basic " + Buffer.from(`admin:${PASSWORD}`).toString("base64"));
                assert.equal(r.headers.cookie, undefined);
                assert.equal(r.headers.accept, "application/json");
            }
            assert.equal(s.seen[0].url, "/api/v2.0/systeminfo");
            assert.equal(s.seen[1].headers["content-type"], "application/json");
            assert.deepEqual(JSON.parse(s.seen[1].body), { metadata: { public: "true" } });
        });

        it("sends X-Is-Resource-Name only when a project is addressed by name", async () => {
            const s = await serve((_req, res) => json(res, 200, {}));
            const { c } = mk(s.url);
            await c.get("/projects/123", { byName: true });
            await c.get("/projects/7");
            assert.equal(s.seen[0].headers["x-is-resource-name"], "true");
            assert.equal(s.seen[1].headers["x-is-resource-name"], undefined);
        });

        it("pages with page_size=100 until X-Total-Count is reached", async () => {
            const all = Array.from({ length: 250 }, (_, i) => ({ id: i }));
            const s = await serve((req, res) => {
                const u = new URL(req.url, "http://x");
                const page = Number(u.searchParams.get("page"));
                const size = Number(u.searchParams.get("page_size"));
                json(res, 200, all.slice((page - 1) * size, page * size), { "X-Total-Count": String(all.length) });
            });
            const { c } = mk(s.url);
            const got = await c.list<{ id: number }>("/projects", { query: { q: "name=x" } });
            assert.equal(got.length, 250);
            assert.deepEqual(got.map((x) => x.id), all.map((x) => x.id));
            assert.equal(s.seen.length, 3);
            assert.deepEqual(s.seen.map((r) => new URL(r.url, "http://x").searchParams.get("page")), ["1", "2", "3"]);
            assert.ok(s.seen.every((r) => new URL(r.url, "http://x").searchParams.get("page_size") === "100"));
            assert.ok(s.seen.every((r) => new URL(r.url, "http://x").searchParams.get("q") === "name=x"));
        });

        it("stops paging on a short page when X-Total-Count is missing, and on an exact multiple", async () => {
            const s = await serve((req, res) => {
                const page = Number(new URL(req.url, "http://x").searchParams.get("page"));
                json(res, 200, page === 1 ? Array.from({ length: 100 }, (_, i) => i) : [], { "X-Total-Count": "100" });
            });
            const { c } = mk(s.url);
            assert.equal((await c.list("/x")).length, 100);
            assert.equal(s.seen.length, 1, "100 of 100: no second page");
            const t = await serve((_req, res) => json(res, 200, [1, 2]));
            const { c: c2 } = mk(t.url);
            assert.equal((await c2.list("/x")).length, 2);
            assert.equal(t.seen.length, 1);
        });

        it("surfaces Harbor's error (status, code, message, method, path) and no credentials", async () => {
            const s = await serve((_req, res) => harborErr(res, 412, "PRECONDITION", "the project contains repositories"));
            const { c } = mk(s.url);
            const err = await c.delete("/projects/5").then(() => undefined, (e) => e);
            assert.ok(err instanceof HarborApiError);
            assert.equal(err.status, 412);
            assert.equal(err.code, "PRECONDITION");
            assert.equal(err.detail, "the project contains repositories");
            assert.equal(err.method, "DELETE");
            assert.equal(err.path, "/api/v2.0/projects/5");
            assert.match(err.message, /DELETE \/api\/v2\.0\/projects\/5 failed: 412 PRECONDITION: the project contains repositories/);
            const everything = JSON.stringify({ m: err.message, s: err.stack, e: { ...err } });
            assert.ok(!everything.includes(PASSWORD));
            assert.ok(!everything.includes(Buffer.from(`admin:${PASSWORD}`).toString("base64")));
            assert.equal(s.seen.length, 1, "412 is not retried");
        });

        it("maps 404 to undefined/false for find, exists and delete", async () => {
            const s = await serve((_req, res) => harborErr(res, 404, "NOT_FOUND", "nope"));
            const { c } = mk(s.url);
            assert.equal(await c.find("/projects/9"), undefined);
            assert.equal(await c.exists("HEAD", "/projects", { query: { project_name: "x" } }), false);
            assert.equal(await c.delete("/projects/9"), false);
        });

        it("times out a slow request with a TIMEOUT error naming the limit", async () => {
            const s = await serve((_req, res) => setTimeout(() => json(res, 200, {}), 300));
            const { c } = mk(s.url, { timeoutMs: 40, retries: 0 });
            const err = await c.get("/health").then(() => undefined, (e) => e);
            assert.ok(err instanceof HarborApiError);
            assert.equal(err.code, "TIMEOUT");
            assert.equal(err.status, 0);
            assert.match(err.message, /GET \/api\/v2\.0\/health failed: TIMEOUT: no response within 40 ms/);
        });
    });

    describe("retries", () => {
        type Fault = (res: http.ServerResponse) => void;
        const faults: Record<string, Fault> = {
            "429 with Retry-After": (res) => harborErr(res, 429, "TOO_MANY_REQUESTS", "slow down", { "Retry-After": "2" }),
            "502": (res) => harborErr(res, 502, "BAD_GATEWAY", "upstream"),
            "503": (res) => harborErr(res, 503, "UNAVAILABLE", "busy"),
            "504": (res) => harborErr(res, 504, "GATEWAY_TIMEOUT", "slow"),
            "a dropped connection": (res) => res.socket?.destroy(),
            "a timeout": () => undefined, // never answers; the client gives up after timeoutMs
        };
        for (const method of ["GET", "PUT", "DELETE"] as const) {
            for (const [name, fault] of Object.entries(faults)) {
                it(`${method} recovers from ${name}`, async () => {
                    const s = await serve((_req, res, n) => (n === 1 ? fault(res) : json(res, 200, { ok: 1 })));
                    const { c, sleeps } = mk(s.url, { timeoutMs: 60 });
                    await c.request(method, "/projects/1", method === "PUT" ? { body: {} } : {});
                    assert.equal(s.seen.length, 2);
                    assert.equal(sleeps.length, 1);
                    if (name.startsWith("429")) assert.equal(sleeps[0], 1000, "Retry-After 2 s, capped to maxDelayMs 1 s");
                    else assert.ok(sleeps[0] >= 5 && sleeps[0] <= 10, `backoff ${sleeps[0]}`);
                });
            }
        }

        it("honours Retry-After exactly when under the cap", async () => {
            const s = await serve((_req, res, n) => (n === 1 ? harborErr(res, 429, "TOO_MANY", "x", { "Retry-After": "1" }) : json(res, 200, {})));
            const { c, sleeps } = mk(s.url, { maxDelayMs: 5000 });
            await c.get("/x");
            assert.deepEqual(sleeps, [1000]);
        });

        it("does not retry 400, 401, 403, 404, 409 or 500", async () => {
            for (const status of [400, 401, 403, 404, 409, 500]) {
                const s = await serve((_req, res) => harborErr(res, status, "X", "no"));
                const { c, sleeps } = mk(s.url);
                await assert.rejects(c.get("/x"), (e: HarborApiError) => e.status === status);
                assert.equal(s.seen.length, 1, `status ${status}`);
                assert.equal(sleeps.length, 0);
            }
        });

        it("gives a clear error when retries are exhausted, with growing backoff", async () => {
            const s = await serve((_req, res) => harborErr(res, 503, "UNAVAILABLE", "core is restarting"));
            const { c, sleeps } = mk(s.url, { retries: 3 });
            const err = await c.get("/projects/1").then(() => undefined, (e) => e);
            assert.ok(err instanceof HarborApiError);
            assert.equal(s.seen.length, 4);
            assert.equal(err.attempts, 4);
            assert.match(err.message, /GET \/api\/v2\.0\/projects\/1 failed: 503 UNAVAILABLE: core is restarting \(after 4 attempts\)/);
            assert.deepEqual(sleeps, [8, 15, 30]);
        });

        it("never retries a POST without a probe", async () => {
            const s = await serve((_req, res) => harborErr(res, 503, "UNAVAILABLE", "busy"));
            const { c, sleeps } = mk(s.url);
            await assert.rejects(c.create("/projects", { project_name: "p" }), /503/);
            assert.equal(s.seen.length, 1);
            assert.equal(sleeps.length, 0);
        });

        it("retries a POST after the probe says it was not created, returning the Location id", async () => {
            const s = await serve((_req, res, n) => (n === 1 ? res.socket?.destroy() : json(res, 201, undefined, { Location: "/api/v2.0/projects/12" })));
            const { c } = mk(s.url);
            let probes = 0;
            const created = await c.create("/projects", { project_name: "p" }, { probe: async () => void probes++ });
            assert.deepEqual(created, { id: "12", adopted: false, body: undefined });
            assert.equal(probes, 1);
            assert.equal(s.seen.filter((r) => r.method === "POST").length, 2);
        });

        it("does not repeat a POST that was committed before the failure: the probe's id is returned", async () => {
            const s = await serve((_req, res) => harborErr(res, 502, "BAD_GATEWAY", "lost"));
            const { c, sleeps } = mk(s.url);
            const created = await c.create("/projects", { project_name: "p" }, { probe: async () => 33 });
            assert.deepEqual(created, { id: "33", adopted: true });
            assert.equal(s.seen.length, 1);
            assert.equal(sleeps.length, 0);
        });

        it("adopts the object when the connection drops after Harbor committed the POST", async () => {
            const s = await serve((_req, res) => res.socket?.destroy());
            const { c, sleeps } = mk(s.url);
            let probes = 0;
            const created = await c.create("/projects", { project_name: "p" }, { probe: async () => (++probes, 21) });
            assert.deepEqual(created, { id: "21", adopted: true });
            assert.equal(probes, 1);
            assert.equal(s.seen.length, 1, "no second POST");
            assert.equal(sleeps.length, 0);
        });

        it("surfaces the probe's own failure", async () => {
            const s = await serve((_req, res) => harborErr(res, 503, "UNAVAILABLE", "busy"));
            const { c } = mk(s.url);
            await assert.rejects(c.create("/projects", {}, { probe: async () => { throw new Error("probe broke"); } }), /probe broke/);
            assert.equal(s.seen.length, 1);
        });

        it("resolves a 409 on a retried POST through the probe (the first attempt won after all)", async () => {
            let probes = 0;
            const s = await serve((_req, res, n) => (n === 1 ? harborErr(res, 504, "GW", "slow") : harborErr(res, 409, "CONFLICT", "exists")));
            const { c } = mk(s.url);
            const created = await c.create("/projects", {}, { probe: async () => (++probes === 2 ? 5 : undefined) });
            assert.deepEqual(created, { id: "5", adopted: true });
        });

        it("surfaces a 409 on the first POST as an error (name taken), without probing", async () => {
            const s = await serve((_req, res) => harborErr(res, 409, "CONFLICT", "The project named p already exists"));
            const { c } = mk(s.url);
            let probes = 0;
            await assert.rejects(c.create("/projects", {}, { probe: async () => void probes++ }), /409 CONFLICT: The project named p already exists/);
            assert.equal(probes, 0);
        });

        it("falls back to the body's id when a create has no Location (POST /robots)", async () => {
            const s = await serve((_req, res) => json(res, 201, { id: 9, name: "robot$x", secret: "s" }));
            const { c } = mk(s.url);
            const created = await c.create("/robots", {});
            assert.equal(created.id, "9");
            assert.deepEqual(created.body, { id: 9, name: "robot$x", secret: "s" });
        });

        it("reports a connection error clearly once retries are exhausted", async () => {
            const probe = net.createServer();
            await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
            const port = (probe.address() as net.AddressInfo).port;
            await new Promise<void>((r) => probe.close(() => r()));
            const { c, sleeps } = mk(`http://127.0.0.1:${port}`, { retries: 2 });
            const err = await c.get("/health").then(() => undefined, (e) => e);
            assert.ok(err instanceof HarborApiError);
            assert.equal(err.code, "CONNECTION");
            assert.match(err.message, /GET \/api\/v2\.0\/health failed: CONNECTION: ECONNREFUSED.*\(after 3 attempts\)/);
            assert.equal(sleeps.length, 2);
        });
    });

    describe("TLS", function () {
        let tls: { key: string; cert: string } | undefined;
        let dir: string | undefined;
        before(function () {
            // A throwaway self-signed certificate for 127.0.0.1, generated now; skip when openssl is missing.
            try {
                dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-tls-"));
                execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")], { stdio: "ignore" });
                tls = { key: fs.readFileSync(path.join(dir, "k.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "c.pem"), "utf8") };
            } catch {
                console.warn("    skipped: openssl is not available to make a test certificate");
                this.skip();
            }
        });
        after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

        it("rejects an untrusted certificate by default, trusts it with caCert, skips verification only with insecure", async () => {
            const s = await serve((_req, res) => json(res, 200, { status: "healthy" }), tls);
            const opts = { retries: 0 };
            const plain = new HarborClient({ url: s.url, username: "u", password: "p" }, opts);
            const withCa = new HarborClient({ url: s.url, username: "u", password: "p", caCert: tls!.cert }, opts);
            const insecure = new HarborClient({ url: s.url, username: "u", password: "p", insecure: true }, opts);
            clients.push(plain, withCa, insecure);
            await assert.rejects(plain.get("/health"), (e: HarborApiError) => e.code === "CONNECTION" && /SELF_SIGNED|self[- ]signed|verify/i.test(e.detail));
            assert.deepEqual(await withCa.get("/health"), { status: "healthy" });
            assert.deepEqual(await insecure.get("/health"), { status: "healthy" });
        });
    });
});
