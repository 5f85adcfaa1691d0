// A small typed client for Harbor's REST API (v2.0), written for the dynamic providers in this folder.
//
// Rules it follows (Harbor's API conventions):
// - HTTP Basic auth on every request and never a cookie (a cookie switches on Harbor's CSRF checks).
// - `X-Is-Resource-Name: true` whenever a project is addressed by name (`byName: true`).
// - IDs of created objects come from the `Location` header.
// - Lists are paged with page_size=100 until X-Total-Count is reached.
// - Errors carry status, Harbor's code and message, method and path; never credentials or the host's userinfo.
// - Idempotent requests are retried on 429 (honouring Retry-After), 502, 503, 504, connection errors and
//   timeouts, with exponential backoff and full jitter. A POST is retried only when a caller-supplied probe
//   says the object was not created, so a retry never makes a duplicate.
//   The retrying is undici's RetryHandler (interceptors.retry): it re-sends, counts attempts and hands the caller
//   the response of the last one. What is ours is the rule it asks (retryRule: statuses, methods, the probe,
//   backoff through an injectable sleep) and a per-attempt timer (attemptTimeout: undici's timeouts tick in seconds).
//
// Nothing here holds state at module level: the undici Agent is built per client (inside provider calls) and closed
// after it, so no connection outlives the call that opened it.
import { Agent, Dispatcher, interceptors, RetryHandler } from "undici";
import type { Errors } from "./api.gen";

/** How to reach Harbor. `url` is the external URL (e.g. https://harbor.example.com), without /api/v2.0. */
export interface HarborConnection {
    url: string;
    username: string;
    password: string;
    /** PEM bundle trusted in addition to the system roots (a private CA). */
    caCert?: string;
    /** Skip TLS verification. Explicit opt-in only; never the default. */
    insecure?: boolean;
}

/** Tuning knobs. Every delay is injectable so tests run in milliseconds. */
export interface HarborClientOptions {
    /** Per-attempt timeout. Default 30 s. */
    timeoutMs?: number;
    /** Retries after the first attempt. Default 4 (5 attempts in total). */
    retries?: number;
    /** First backoff step; doubles each retry. Default 500 ms. */
    baseDelayMs?: number;
    /** Upper bound for one backoff step, and for an honoured Retry-After. Default 30 s. */
    maxDelayMs?: number;
    /** Sleep implementation (tests pass a fast or recording one). */
    sleep?: (ms: number) => Promise<void>;
    /** Random source in [0, 1) for jitter. */
    random?: () => number;
}

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
    query?: Record<string, QueryValue>;
    body?: unknown;
    /** The path addresses a project by name: send `X-Is-Resource-Name: true`. */
    byName?: boolean;
    headers?: Record<string, string>;
    /** Retry this request although its method is POST/PATCH: it changes nothing in Harbor (e.g. POST /registries/ping). */
    idempotent?: boolean;
}

export interface HarborResponse<T> {
    status: number;
    headers: Headers;
    body: T;
}

/** Result of a create: the new (or, after a lost response, the existing) object's id. */
export interface Created {
    id: string;
    /** True when a retry found the object already created by an earlier attempt. */
    adopted: boolean;
    /** Response body, for the few creates that return one (POST /robots). */
    body?: unknown;
}

/**
 * Answers "does the object this POST creates exist already?". Return its id if it does, else undefined.
 * Called only after a failed attempt, before retrying, so a retry never makes a duplicate.
 */
export type CreateProbe = () => Promise<string | number | undefined>;

/** An error from Harbor or on the way to it. Never contains credentials. */
export class HarborApiError extends Error {
    /** HTTP status; 0 when no response arrived (connection error or timeout). */
    readonly status: number;
    /** Harbor's error code (e.g. NOT_FOUND, CONFLICT), or CONNECTION / TIMEOUT. */
    readonly code: string;
    /** Harbor's error message (errors[0].message), or the transport error. */
    readonly detail: string;
    readonly method: string;
    /** Request path (with query), relative to the host: /api/v2.0/... */
    readonly path: string;
    readonly attempts: number;

    constructor(args: { status: number; code: string; detail: string; method: string; path: string; attempts: number }) {
        const where = `${args.method} ${args.path}`;
        const what = args.status > 0 ? `${args.status} ${args.code}` : args.code;
        const tries = args.attempts > 1 ? ` (after ${args.attempts} attempts)` : "";
        super(`Harbor API ${where} failed: ${what}${args.detail ? `: ${args.detail}` : ""}${tries}`);
        this.name = "HarborApiError";
        this.status = args.status;
        this.code = args.code;
        this.detail = args.detail;
        this.method = args.method;
        this.path = args.path;
        this.attempts = args.attempts;
    }
}

export function isNotFound(err: unknown): boolean {
    return err instanceof HarborApiError && err.status === 404;
}

export function isConflict(err: unknown): boolean {
    return err instanceof HarborApiError && err.status === 409;
}

export const API_PREFIX = "/api/v2.0";
export const PAGE_SIZE = 100;

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Normalise a user URL to the API base (scheme://host[:port][/prefix]/api/v2.0); rejects userinfo. */
export function apiBase(url: string): string {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") {
        throw new Error(`connection.url must be http(s), got "${u.protocol}"`);
    }
    if (u.username || u.password) {
        throw new Error("connection.url must not contain credentials; use connection.username/password");
    }
    let path = u.pathname.replace(/\/+$/, "");
    if (path.endsWith(API_PREFIX)) path = path.slice(0, -API_PREFIX.length);
    return `${u.protocol}//${u.host}${path}${API_PREFIX}`;
}

/** Options for the undici Agent: a custom CA, and verification off only when `insecure` is explicitly true. */
export function tlsOptions(conn: Pick<HarborConnection, "caCert" | "insecure">): { ca?: string; rejectUnauthorized: boolean } {
    return {
        ...(conn.caCert ? { ca: conn.caCert } : {}),
        rejectUnauthorized: conn.insecure !== true,
    };
}

/** The last path segment of a Location header, URL-decoded (Harbor: /api/v2.0/<collection>/<id>). */
export function idFromLocation(location: string | null | undefined): string | undefined {
    if (!location) return undefined;
    const path = location.split("?")[0].replace(/\/+$/, "");
    const last = path.slice(path.lastIndexOf("/") + 1);
    return last ? decodeURIComponent(last) : undefined;
}

/** Encode a path segment. Repository names with '/' must be encoded twice (a/b -> a%252Fb). */
export function seg(value: string | number): string {
    return encodeURIComponent(String(value));
}

/**
 * One exact-match term of Harbor's `q` list filter (`key=value`), or undefined when Harbor's syntax cannot express the
 * value (a `,` always splits terms; an empty value is a 400): then list without `q` and filter by hand.
 * Harbor unescapes `q` a second time after the query string's own decoding (src/lib/q/builder.go, parseKeywords:
 * url.QueryUnescape, so a bare `+` would become a space and `%41` an `A`), so the value is percent-encoded here and
 * the query string encodes it once more; a value starting with `~ [ { ( \` gets the backslash escape of escapeValue.
 */
export function qExact(key: string, value: string): string | undefined {
    if (value === "" || value.includes(",")) return undefined;
    return `${key}=${encodeURIComponent(/^[~[{(\\]/.test(value) ? `\\${value}` : value)}`;
}

export function repoSeg(repositoryName: string): string {
    return encodeURIComponent(encodeURIComponent(repositoryName));
}

/** Retry-After as milliseconds (delta-seconds or HTTP date); undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
    if (!value) return undefined;
    if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The environment variables that tune every client, and the option each sets. */
export const CLIENT_ENV = {
    HARBOR_CLIENT_TIMEOUT_MS: "timeoutMs",
    HARBOR_CLIENT_RETRIES: "retries",
    HARBOR_CLIENT_BASE_DELAY_MS: "baseDelayMs",
    HARBOR_CLIENT_MAX_DELAY_MS: "maxDelayMs",
} as const;

/**
 * Client defaults from the environment of the process running the providers (Pulumi's dynamic-provider host inherits
 * the `pulumi` command's): a slow Harbor or a flaky network can be given more time without code. A value that is not
 * a whole number >= 0 is refused, naming the variable.
 */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HarborClientOptions {
    const options: HarborClientOptions = {};
    for (const [name, option] of Object.entries(CLIENT_ENV)) {
        const raw = env[name];
        if (raw === undefined || raw.trim() === "") continue;
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got "${raw}"`);
        options[option] = value;
    }
    return options;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An attempt that got no response headers within its time (attemptTimeout). */
class AttemptTimeoutError extends Error {
    readonly code = "HARBOR_ATTEMPT_TIMEOUT";
}

/** Error codes of a timed-out attempt: ours, and undici's for connecting, headers, and a body that stalls. */
const TIMEOUT_CODES = new Set(["HARBOR_ATTEMPT_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * The one piece of transport machinery undici lacks: an interceptor, below the RetryHandler, that gives every attempt
 * `ms` from dispatch (connecting included) to its response headers. undici's own headersTimeout runs on its "fast
 * timers", which tick about once a second (lib/util/timers.js), too coarse for a limit in milliseconds; a body that
 * stalls afterwards is undici's bodyTimeout. The expired attempt ends as a transport error the RetryHandler may
 * retry, so the controller it is given does not read as aborted (the RetryHandler never retries what was aborted).
 */
function attemptTimeout(ms: number): Dispatcher.DispatcherComposeInterceptor {
    return (dispatch) => (opts, handler) => {
        let inner: Dispatcher.DispatchController | undefined;
        let state: "waiting" | "answered" | "expired" = "waiting";
        const outer: Dispatcher.DispatchController = {
            get aborted() { return state !== "expired" && (inner?.aborted ?? false); },
            get paused() { return inner?.paused ?? false; },
            get reason() { return inner?.reason ?? null; },
            get rawHeaders() { return inner?.rawHeaders; },
            get rawTrailers() { return inner?.rawTrailers; },
            abort: (reason) => inner?.abort(reason),
            pause: () => inner?.pause(),
            resume: () => inner?.resume(),
        };
        const timer = setTimeout(() => {
            if (state !== "waiting") return;
            state = "expired";
            inner?.abort(new AttemptTimeoutError(`no response within ${ms} ms`));
            handler.onResponseError?.(outer, new AttemptTimeoutError(`no response within ${ms} ms`));
        }, ms);
        return dispatch(opts, {
            onRequestStart(controller, context) {
                inner = controller;
                if (state === "expired") return controller.abort(new AttemptTimeoutError(`no response within ${ms} ms`));
                handler.onRequestStart?.(outer, context);
            },
            onRequestUpgrade: (_c, statusCode, headers, socket) => handler.onRequestUpgrade?.(outer, statusCode, headers, socket),
            onResponseStart(_c, statusCode, headers, statusMessage) {
                if (state === "expired") return;
                state = "answered";
                clearTimeout(timer);
                handler.onResponseStart?.(outer, statusCode, headers, statusMessage);
            },
            onResponseData: (_c, chunk) => void (state !== "expired" && handler.onResponseData?.(outer, chunk)),
            onResponseEnd: (_c, trailers) => void (state !== "expired" && handler.onResponseEnd?.(outer, trailers)),
            onResponseError(_c, err) {
                clearTimeout(timer);
                if (state !== "expired") handler.onResponseError?.(outer, err);
            },
        });
    };
}

/** Who decides whether a failed attempt is repeated: idempotent requests, or a create and its probe. */
type RetryRule = { idempotent: boolean } | { probe?: CreateProbe };

/** What undici's RetryHandler learned about one request, for the result and the error. */
interface RetryTrack {
    /** Attempts made when the last failure was judged. */
    attempts: number;
    /** The probe found the object an earlier attempt created. */
    adopted?: string;
    /** The probe itself failed: that error is the request's. */
    probeError?: unknown;
}

/** The response of the attempt that ended the request (a success, or a failure not retried). */
interface RawResponse {
    status: number;
    headers: Headers;
    text: string;
}

export class HarborClient {
    private readonly base: string;
    private readonly basePath: string;
    private readonly authorization: string;
    private readonly agent: Agent;
    private readonly dispatcher: Dispatcher;
    private readonly timeoutMs: number;
    private readonly retries: number;
    private readonly baseDelayMs: number;
    private readonly maxDelayMs: number;
    private readonly sleep: (ms: number) => Promise<void>;
    private readonly random: () => number;

    constructor(conn: HarborConnection, options: HarborClientOptions = {}) {
        this.base = apiBase(conn.url);
        this.basePath = new URL(this.base).pathname;
        this.authorization = "Basic " + Buffer.from(`${conn.username}:${conn.password}`, "utf8").toString("base64");
        const fromEnv = clientOptionsFromEnv();
        this.timeoutMs = options.timeoutMs ?? fromEnv.timeoutMs ?? 30_000;
        this.retries = options.retries ?? fromEnv.retries ?? 4;
        this.baseDelayMs = options.baseDelayMs ?? fromEnv.baseDelayMs ?? 500;
        this.maxDelayMs = options.maxDelayMs ?? fromEnv.maxDelayMs ?? 30_000;
        this.sleep = options.sleep ?? defaultSleep;
        this.random = options.random ?? Math.random;
        this.agent = new Agent({ connect: tlsOptions(conn), bodyTimeout: this.timeoutMs });
        // Retries are undici's RetryHandler, each request bringing its rule (retryRule); below it, each attempt's time limit.
        this.dispatcher = this.agent.compose(attemptTimeout(this.timeoutMs), interceptors.retry());
    }

    /** Release pooled connections. Call when done (see `withClient` in ./provider). */
    async close(): Promise<void> {
        await this.agent.close();
    }

    async get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
        return (await this.request<T>("GET", path, opts)).body;
    }

    /** GET that maps 404 to undefined ("gone"). */
    async find<T>(path: string, opts: RequestOptions = {}): Promise<T | undefined> {
        try {
            return await this.get<T>(path, opts);
        } catch (err) {
            if (isNotFound(err)) return undefined;
            throw err;
        }
    }

    /** HEAD or GET answering "exists?": 2xx true, 404 false, anything else throws. */
    async exists(method: "HEAD" | "GET", path: string, opts: RequestOptions = {}): Promise<boolean> {
        try {
            await this.request(method, path, opts);
            return true;
        } catch (err) {
            if (isNotFound(err)) return false;
            throw err;
        }
    }

    async put(path: string, body: unknown, opts: RequestOptions = {}): Promise<void> {
        await this.request("PUT", path, { ...opts, body });
    }

    async patch<T = unknown>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
        return (await this.request<T>("PATCH", path, { ...opts, body })).body;
    }

    /** DELETE; returns false when the object was already gone (404). */
    async delete(path: string, opts: RequestOptions = {}): Promise<boolean> {
        try {
            await this.request("DELETE", path, opts);
            return true;
        } catch (err) {
            if (isNotFound(err)) return false;
            throw err;
        }
    }

    /** Every item of a paged list (page_size 100, until X-Total-Count or a short page). */
    async list<T>(path: string, opts: RequestOptions = {}): Promise<T[]> {
        const items: T[] = [];
        for (let page = 1; ; page++) {
            const res = await this.request<T[] | null>("GET", path, { ...opts, query: { ...opts.query, page, page_size: PAGE_SIZE } });
            const batch = res.body ?? [];
            items.push(...batch);
            const total = Number(res.headers.get("x-total-count"));
            const done = Number.isFinite(total) && res.headers.has("x-total-count") ? page * PAGE_SIZE >= total : batch.length < PAGE_SIZE;
            if (done || batch.length === 0) return items;
        }
    }

    /**
     * POST that creates an object and returns its id (from Location, or from the body's `id` when there is no
     * Location). Retried only when `probe` is given and reports the object was not created; when the probe finds
     * it (the earlier attempt was committed but its response lost), that id is returned with `adopted: true`.
     * A 409 on a retry is also resolved through the probe. Without a probe a POST is never retried.
     */
    async create(path: string, body: unknown, opts: RequestOptions & { probe?: CreateProbe } = {}): Promise<Created> {
        const { probe, ...rest } = opts;
        const track: RetryTrack = { attempts: 1 };
        let res: RawResponse;
        try {
            res = await this.send("POST", path, { ...rest, body }, { probe }, track);
        } catch (err) {
            // The last attempt failed in transport, but the probe found what an earlier one created.
            if (track.adopted !== undefined) return { id: track.adopted, adopted: true };
            throw err;
        }
        if (track.adopted !== undefined) return { id: track.adopted, adopted: true };
        const result = this.result<unknown>("POST", path, rest, res, track);
        const fromBody = (result.body as { id?: unknown } | null)?.id;
        const id = idFromLocation(result.headers.get("location")) ?? (fromBody !== undefined ? String(fromBody) : undefined);
        if (id === undefined) {
            throw new HarborApiError({ status: result.status, code: "NO_ID", detail: "created, but the response had neither a Location header nor an id", method: "POST", path: this.displayPath(path, rest.query), attempts: track.attempts });
        }
        return { id, adopted: false, body: result.body ?? undefined };
    }

    /** One request; idempotent methods are retried. POST goes through `create` for retries. */
    async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<HarborResponse<T>> {
        const track: RetryTrack = { attempts: 1 };
        const res = await this.send(method, path, opts, { idempotent: opts.idempotent ?? (method !== "POST" && method !== "PATCH") }, track);
        return this.result<T>(method, path, opts, res, track);
    }

    /** Delay before retry number `attempt` (1-based): full jitter over base*2^(n-1), capped; Retry-After wins. */
    backoff(attempt: number, retryAfterMs?: number): number {
        if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.maxDelayMs);
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        // Never zero: half fixed, half jitter, so concurrent clients spread out without hammering.
        return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    }

    private displayPath(path: string, query?: Record<string, QueryValue>): string {
        const qs = this.queryString(query);
        return `${this.basePath}${path}${qs}`;
    }

    private queryString(query?: Record<string, QueryValue>): string {
        if (!query) return "";
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
        const s = params.toString();
        return s ? `?${s}` : "";
    }

    /**
     * The rule undici's RetryHandler asks after every failed attempt (a status >= 300 or a transport error; with
     * `throwOnError: false` a failure it is told not to retry reaches the caller as the response itself, body and
     * all). Retryable: 429, 502, 503, 504, a connection error or a timeout; for an idempotent request while attempts
     * remain, for a create only after its probe says the object does not exist yet (a 409 on a retry is asked of
     * the probe too). The delay is `backoff` through the injectable `sleep`.
     */
    private retryRule(rule: RetryRule, track: RetryTrack): RetryHandler.RetryCallback {
        return (err, { state }, callback) => {
            track.attempts = state.counter;
            const e = err as Error & { statusCode?: number; headers?: Record<string, string | string[] | undefined> };
            const status = e.statusCode;
            const retryable = status === undefined || RETRYABLE_STATUS.has(status);
            const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headerValue(e.headers?.["retry-after"]) ?? null) : undefined;
            const again = () => this.sleep(this.backoff(state.counter, retryAfterMs)).then(() => callback(null));
            if ("idempotent" in rule) {
                if (rule.idempotent && retryable && state.counter <= this.retries) return void again();
                return callback(err);
            }
            const conflictOnRetry = status === 409 && state.counter > 1;
            const probe = rule.probe;
            if (!probe || (!retryable && !conflictOnRetry)) return callback(err);
            probe().then(
                (existing) => {
                    if (existing !== undefined) track.adopted = String(existing);
                    if (existing !== undefined || conflictOnRetry || state.counter > this.retries) return callback(err);
                    return again();
                },
                (probeError) => {
                    track.probeError = probeError;
                    callback(err);
                },
            );
        };
    }

    /** Send through the retrying dispatcher; returns the final response, or throws a transport failure as HarborApiError. */
    private async send(method: HttpMethod, path: string, opts: RequestOptions, rule: RetryRule, track: RetryTrack): Promise<RawResponse> {
        const headers: Record<string, string> = {
            Accept: "application/json",
            Authorization: this.authorization,
            ...opts.headers,
        };
        if (opts.byName) headers["X-Is-Resource-Name"] = "true";
        let payload: string | undefined;
        if (opts.body !== undefined) {
            headers["Content-Type"] = "application/json";
            payload = JSON.stringify(opts.body);
        }
        const url = new URL(`${this.base}${path}${this.queryString(opts.query)}`);
        const retryOptions: RetryHandler.RetryOptions = { throwOnError: false, retry: this.retryRule(rule, track) };
        try {
            const res = await this.dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method, headers, body: payload, retryOptions } as Dispatcher.RequestOptions);
            const text = await res.body.text();
            if (track.probeError !== undefined) throw track.probeError;
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one);
            return { status: res.statusCode, headers: out, text: method === "HEAD" ? "" : text };
        } catch (err) {
            if (track.probeError !== undefined) throw track.probeError;
            if (err instanceof HarborApiError) throw err;
            const timedOut = TIMEOUT_CODES.has((err as { code?: string })?.code ?? "");
            throw new HarborApiError({
                status: 0,
                code: timedOut ? "TIMEOUT" : "CONNECTION",
                detail: timedOut ? `no response within ${this.timeoutMs} ms` : transportMessage(err),
                method,
                path: this.displayPath(path, opts.query),
                attempts: track.attempts,
            });
        }
    }

    /** A 2xx as the typed response; anything else as Harbor's error. */
    private result<T>(method: HttpMethod, path: string, opts: RequestOptions, res: RawResponse, track: RetryTrack): HarborResponse<T> {
        if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body: parseJson(res.text) as T };
        const { code, message } = harborError(res.text, res.status);
        throw new HarborApiError({ status: res.status, code, detail: message, method, path: this.displayPath(path, opts.query), attempts: track.attempts });
    }
}

function headerValue(v: string | string[] | undefined): string | undefined {
    return Array.isArray(v) ? v[0] : v;
}

function parseJson(text: string): unknown {
    if (!text) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Harbor's error body is {"errors":[{"code","message"}]}; fall back to the status text. */
function harborError(text: string, status: number): { code: string; message: string } {
    const body = parseJson(text) as Errors | string | undefined;
    const first = typeof body === "object" && body && Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (first) return { code: first.code ?? `HTTP_${status}`, message: first.message ?? "" };
    const raw = typeof body === "string" ? body.trim().slice(0, 200) : "";
    return { code: `HTTP_${status}`, message: raw };
}

/** The transport error's own words, without the URL (which could carry a host the user considers private). */
function transportMessage(err: unknown): string {
    const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    for (const one of [e?.cause, e]) if (one?.code) return `${one.code}${one.message ? ` (${one.message})` : ""}`;
    return e?.message ?? String(err);
}
