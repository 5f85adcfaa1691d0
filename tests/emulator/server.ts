// A stateful Harbor API emulator on 127.0.0.1 (random port) for testing the dynamic providers.
//
// Every request is matched against the swagger and validated (see ./swagger.ts) BEFORE any handler runs; a request
// the spec does not allow gets a 400/404/405 and is recorded in `violations`, which the test helpers assert empty
// after each test (so a client bug fails loudly even when the provider would have swallowed the error).
//
// State and handlers live in "areas" (./areas/*.ts), registered by operationId. To add an API area, write
// `defineArea({ name, init, handlers })` in its own file and list it in ./areas/index.ts.
import * as http from "http";
import * as net from "net";
import { INVALID_JSON, loadSpec, MatchedOperation, Operation, SwaggerSpec } from "./swagger";

/** A request as handlers see it: validated against the spec. */
export interface EmuRequest {
    method: string;
    /** Path relative to the API base, raw (still percent-encoded), e.g. /projects/7. */
    path: string;
    operationId: string;
    /** Path parameters, percent-decoded once. */
    params: Record<string, string>;
    query: URLSearchParams;
    headers: http.IncomingHttpHeaders;
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated JSON from the wire
    /** X-Is-Resource-Name: true was sent. */
    byName: boolean;
    /** The authenticated user name, or undefined for anonymous requests. */
    user?: string;
    /** The authenticated user is a system administrator (the emulator's admin, or a users-area user with sysadmin). */
    admin?: boolean;
    emu: HarborEmulator;
}

export interface EmuResponse {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}

export type Handler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;

/** Throw from a handler to answer with Harbor's error body. */
export class HarborError extends Error {
    constructor(readonly status: number, readonly code: string, message: string) {
        super(message);
    }
}

export const notFound = (what: string) => new HarborError(404, "NOT_FOUND", `${what} not found`);
export const conflict = (message: string) => new HarborError(409, "CONFLICT", message);
export const badRequest = (message: string) => new HarborError(400, "BAD_REQUEST", message);
export const precondition = (message: string) => new HarborError(412, "PRECONDITION", message);

export const ok = (body?: unknown, headers?: Record<string, string>): EmuResponse => ({ status: 200, body, headers });
/** 201 with Location /api/v2.0/<collectionPath>/<id>, as Harbor answers most creates. */
export const created = (collectionPath: string, id: string | number, body?: unknown): EmuResponse => ({
    status: 201,
    body,
    headers: { Location: `/api/v2.0${collectionPath}/${id}` },
});

/** Apply page/page_size to a list, with X-Total-Count and Link headers. */
export function paginate<T>(req: EmuRequest, items: T[]): EmuResponse {
    const page = Number(req.query.get("page") ?? "1");
    const size = Number(req.query.get("page_size") ?? "10");
    const slice = items.slice((page - 1) * size, page * size);
    const links: string[] = [];
    if (page > 1) links.push(`<${req.path}?page=${page - 1}&page_size=${size}>; rel="prev"`);
    if (page * size < items.length) links.push(`<${req.path}?page=${page + 1}&page_size=${size}>; rel="next"`);
    return { status: 200, body: slice, headers: { "X-Total-Count": String(items.length), ...(links.length ? { Link: links.join(" , ") } : {}) } };
}

/** One API area: its state, and handlers by operationId. */
export interface Area<S> {
    name: string;
    init(emu: HarborEmulator): S;
    handlers(state: S, emu: HarborEmulator): Record<string, Handler>;
    /**
     * Requests outside the API base path that this area serves itself (the registry's /v2/, areas/distribution.ts):
     * the handler answers on `res` and returns true, or returns false to leave the request to the API.
     */
    raw?(state: S, emu: HarborEmulator): RawHandler;
}

/** Serves a request outside the API (raw bytes in and out); true when it answered. */
export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export function defineArea<S>(area: Area<S>): Area<S> {
    return area;
}

/** What a logged request looked like, for counting calls and asserting on bodies. */
export interface LoggedRequest {
    method: string;
    path: string;
    operationId?: string;
    query: Record<string, string>;
    headers: http.IncomingHttpHeaders;
    body: unknown;
    status: number;
    /** The fault injected into this request, if any. */
    fault?: Fault["kind"];
}

export type Fault =
    /** Answer with this status without touching state (Retry-After in seconds for 429/503). */
    | { kind: "status"; status: number; retryAfter?: number }
    /** Hold the request this long, then process it only if the client is still there. */
    | { kind: "delay"; ms: number }
    /** Drop the connection without processing the request. */
    | { kind: "drop" }
    /** Process the request (the change is committed), then fail with this status (default 503) or drop. */
    | { kind: "commitThenFail"; status?: number | "drop" };

export interface FaultMatch {
    method?: string;
    operationId?: string;
    /** Matched against the path relative to the API base. */
    path?: string | RegExp;
}

interface FaultRule {
    match: FaultMatch;
    fault: Fault;
    remaining: number;
}

export interface EmulatorOptions {
    /** The spec to validate against; defaults to the carried contract (contract/harbor-api.json). */
    specFile?: string;
    username?: string;
    password?: string;
    /**
     * How long a failed login locks the user name (Harbor: 1.5 s, src/core/auth/authenticator.go `frozenTime`): a
     * correct login in that window is anonymous too. Default 1500.
     */
    loginLockMs?: number;
    /** Areas to install; defaults to every area in ./areas. */
    areas?: readonly Area<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- areas differ in state type
}

export class HarborEmulator {
    readonly spec: SwaggerSpec;
    readonly username: string;
    readonly password: string;
    /** Every request that reached the emulator, in order. */
    readonly log: LoggedRequest[] = [];
    /** Requests the spec does not allow (or that break the client rules). Asserted empty after each test. */
    readonly violations: string[] = [];
    private readonly handlers = new Map<string, Handler>();
    private readonly states = new Map<Area<unknown>, unknown>();
    private readonly faults: FaultRule[] = [];
    private readonly rawHandlers: RawHandler[] = [];
    private readonly server: http.Server;
    private readonly sockets = new Set<net.Socket>();
    private ids = 0;
    private readonly loginLockMs: number;
    /** User name -> end of its login lock (ms since epoch). */
    private readonly lockedUntil = new Map<string, number>();
    url = "";

    constructor(opts: EmulatorOptions = {}) {
        this.spec = loadSpec(opts.specFile);
        this.username = opts.username ?? "admin";
        this.password = opts.password ?? "Harbor12345";
        this.loginLockMs = opts.loginLockMs ?? 1500;
        // Required lazily so that areas can import this module's helpers without a cycle at load time.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const areas: readonly Area<unknown>[] = opts.areas ?? require("./areas").ALL_AREAS;
        for (const area of areas) {
            const state = area.init(this);
            this.states.set(area, state);
            for (const [opId, handler] of Object.entries(area.handlers(state, this))) {
                if (!this.spec.operations.has(opId)) throw new Error(`emulator area ${area.name}: ${opId} is not an operationId in the spec`);
                if (this.handlers.has(opId)) throw new Error(`emulator area ${area.name}: ${opId} is already handled by another area`);
                this.handlers.set(opId, handler);
            }
            if (area.raw) this.rawHandlers.push(area.raw(state, this));
        }
        this.server = http.createServer((req, res) => void this.handle(req, res));
        this.server.on("connection", (s) => {
            this.sockets.add(s);
            s.on("close", () => this.sockets.delete(s));
        });
    }

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
        return this;
    }

    async stop(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    /** The state object of an area (typed by the area definition). */
    area<S>(area: Area<S>): S {
        if (!this.states.has(area as Area<unknown>)) throw new Error(`emulator: area ${area.name} is not installed`);
        return this.states.get(area as Area<unknown>) as S;
    }

    /** A fresh id, unique across the emulator (so ids of different kinds never coincide by accident). */
    nextId(): number {
        return ++this.ids;
    }

    /** Fail the next `times` requests that match. Faults are consumed in the order they were added. */
    inject(match: FaultMatch, fault: Fault, times = 1): void {
        this.faults.push({ match, fault, remaining: times });
    }

    /** Logged requests, optionally filtered by operationId (or "METHOD operationId"-free predicate). */
    calls(filter?: string | ((r: LoggedRequest) => boolean)): LoggedRequest[] {
        if (filter === undefined) return [...this.log];
        if (typeof filter === "string") return this.log.filter((r) => r.operationId === filter);
        return this.log.filter(filter);
    }

    /** How many requests reached an operation (or all requests when omitted). */
    count(operationId?: string): number {
        return this.calls(operationId).length;
    }

    /** Operation ids of the logged requests, in order (handy for exact-sequence assertions). */
    sequence(): string[] {
        return this.log.map((r) => r.operationId ?? `${r.method} ${r.path}`);
    }

    resetLog(): void {
        this.log.length = 0;
    }

    /** Take (and clear) the violations; tests that provoke them on purpose call this. */
    takeViolations(): string[] {
        return this.violations.splice(0);
    }

    private takeFault(method: string, path: string, operationId?: string): Fault | undefined {
        for (const rule of this.faults) {
            if (rule.remaining <= 0) continue;
            const m = rule.match;
            if (m.method && m.method.toUpperCase() !== method) continue;
            if (m.operationId && m.operationId !== operationId) continue;
            if (m.path !== undefined && !(typeof m.path === "string" ? m.path === path : m.path.test(path))) continue;
            rule.remaining--;
            return rule.fault;
        }
        return undefined;
    }

    /** Who the Authorization header authenticates (undefined: anonymous), for areas serving raw requests. */
    principal(header: string | undefined) {
        return this.authenticate(header);
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        for (const serveRaw of this.rawHandlers) if (await serveRaw(req, res)) return;
        const raw = await readBody(req);
        const method = (req.method ?? "GET").toUpperCase();
        const url = new URL(req.url ?? "/", "http://emulator");
        const base = this.spec.basePath;
        const hasBody = raw.length > 0;
        let body: unknown = undefined;
        if (hasBody) {
            try {
                body = JSON.parse(raw);
            } catch {
                body = INVALID_JSON;
            }
        }
        const entry: LoggedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, status: 0 };
        this.log.push(entry);
        let validated: Operation | undefined; // set once a handler answers: its response is checked against the spec
        const send = (r: EmuResponse) => {
            entry.status = r.status;
            if (validated) {
                const wrong = this.spec.validateResponse(validated, r.status, r.body);
                if (wrong.length > 0) this.violations.push(`${method} ${url.pathname}${url.search}: emulator response ${r.status} does not match the spec: ${wrong.join("; ")}`);
            }
            const headers: Record<string, string> = { ...r.headers };
            let payload = "";
            if (r.body !== undefined && method !== "HEAD") {
                headers["Content-Type"] = "application/json";
                payload = JSON.stringify(r.body);
            }
            res.writeHead(r.status, headers);
            res.end(payload);
        };
        const fail = (status: number, code: string, message: string, violation = false) => {
            if (violation) this.violations.push(`${method} ${url.pathname}${url.search}: ${message}`);
            send({ status, body: { errors: [{ code, message }] } });
        };

        if (!url.pathname.startsWith(base + "/") && url.pathname !== base) {
            return fail(404, "NOT_FOUND", `emulator: ${url.pathname} is outside ${base}`, true);
        }
        const rel = url.pathname.slice(base.length) || "/";
        entry.path = rel;
        const matched = this.spec.match(method, rel);
        if ("error" in matched) return fail(matched.status, matched.status === 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND", `emulator: ${matched.error}`, true);
        const { op, params } = matched as MatchedOperation;
        entry.operationId = op.operationId;

        // Faults come first: they model the network and proxies in front of Harbor.
        const fault = this.takeFault(method, rel, op.operationId);
        if (fault) entry.fault = fault.kind;
        if (fault?.kind === "drop") return void req.socket.destroy();
        if (fault?.kind === "status") {
            return send({
                status: fault.status,
                body: { errors: [{ code: "INJECTED", message: `injected ${fault.status}` }] },
                headers: fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : undefined,
            });
        }
        if (fault?.kind === "delay") {
            await new Promise((r) => setTimeout(r, fault.ms));
            if (req.socket.destroyed || res.destroyed) return; // the client gave up: the request never reached Harbor
        }

        // Client rules: no cookies (CSRF), Basic auth.
        if (req.headers.cookie) return fail(403, "FORBIDDEN", "emulator: a Cookie was sent; Harbor then enforces CSRF and rejects non-GET calls", true);
        // Wrong credentials are NOT a 401 by themselves: Harbor's basic-auth generator returns no security context
        // and the request goes on anonymously (src/server/middleware/security/basic_auth.go, Generate), so only
        // operations that need a user answer 401.
        const principal = this.authenticate(req.headers.authorization);
        const user = principal?.user;
        if (user === undefined && !op.anonymous) return fail(401, "UNAUTHORIZED", "unauthorized: credentials required");

        // Spec validation.
        if (hasBody) {
            const ct = String(req.headers["content-type"] ?? "");
            if (!ct.startsWith("application/json")) return fail(415, "UNSUPPORTED_MEDIA_TYPE", `emulator: Content-Type must be application/json, got "${ct}"`, true);
        }
        const problems = this.spec.validateRequest(op, params, url.searchParams, req.headers, body, hasBody);
        problems.push(...this.clientRules(op, params, req.headers));
        if (problems.length > 0) return fail(400, "BAD_REQUEST", `emulator: ${op.operationId}: ${problems.join("; ")}`, true);

        const handler = this.handlers.get(op.operationId);
        if (!handler) return fail(501, "NOT_IMPLEMENTED", `emulator: ${op.operationId} has no handler (add one in tests/emulator/areas)`, true);

        let response: EmuResponse;
        validated = op;
        try {
            const emuReq: EmuRequest = {
                method, path: rel, operationId: op.operationId, params, query: url.searchParams, headers: req.headers, body,
                byName: String(req.headers["x-is-resource-name"] ?? "") === "true", user, admin: principal?.admin ?? false, emu: this,
            };
            // Harbor's RBAC (system-admin-only APIs, project membership) for users who are not system admins.
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            (require("./access") as typeof import("./access")).authorize(emuReq);
            response = await handler(emuReq);
        } catch (err) {
            if (err instanceof HarborError) return fail(err.status, err.code, err.message, err.status === 400);
            return fail(500, "UNKNOWN", `emulator handler crashed: ${(err as Error).stack ?? err}`, true);
        }
        if (fault?.kind === "commitThenFail") {
            if (fault.status === "drop") return void req.socket.destroy();
            return send({ status: fault.status ?? 503, body: { errors: [{ code: "INJECTED", message: "injected failure after commit" }] } });
        }
        send(response);
    }

    /** Rules the spec cannot express but Harbor clients must follow (the rules harbor/client.ts follows). */
    private clientRules(op: Operation, params: Record<string, string>, headers: http.IncomingHttpHeaders): string[] {
        const problems: string[] = [];
        const p = params["project_name_or_id"];
        if (p !== undefined && !/^\d+$/.test(p) && headers["x-is-resource-name"] !== "true") {
            problems.push(`project "${p}" is addressed by name without X-Is-Resource-Name: true (an all-digit name would be taken as an id)`);
        }
        if (op.parameters.every((x) => x.name !== "X-Is-Resource-Name") && headers["x-is-resource-name"] !== undefined) {
            problems.push(`X-Is-Resource-Name is not a parameter of ${op.operationId}`);
        }
        return problems;
    }

    /**
     * The authenticated principal, or undefined (anonymous: no credentials, wrong ones, or a locked user name).
     * Users: the emulator's admin, and every users-area user with its password (its `sysadmin` flag decides admin).
     * A failed login locks the name for `loginLockMs` (src/core/auth/authenticator.go, Login: lock + frozenTime).
     */
    private authenticate(header: string | undefined): { user: string; admin: boolean } | undefined {
        if (!header) return undefined;
        const m = /^Basic (.+)$/.exec(header);
        if (!m) return undefined;
        const decoded = Buffer.from(m[1], "base64").toString("utf8");
        const i = decoded.indexOf(":");
        const [u, p] = [decoded.slice(0, i), decoded.slice(i + 1)];
        if ((this.lockedUntil.get(u) ?? 0) > Date.now()) return undefined;
        if (u === this.username && p === this.password) return { user: u, admin: true };
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const known = (require("./access") as typeof import("./access")).localUser(this, u);
        if (known && known.password !== "" && known.password === p) return { user: u, admin: known.sysadmin };
        if (this.loginLockMs > 0) this.lockedUntil.set(u, Date.now() + this.loginLockMs);
        return undefined;
    }
}

function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        let data = "";
        req.setEncoding("utf8");
        req.on("data", (c) => (data += c));
        req.on("end", () => resolve(data));
        req.on("error", () => resolve(data));
    });
}
