// A small client for the registry API Harbor serves at /v2/ (the OCI distribution spec, v1.1:
// https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md), for what signing needs: HEAD a blob,
// upload a blob (POST /v2/<name>/blobs/uploads/ then PUT <location>?digest=, "monolithic upload in two requests"),
// PUT/GET/HEAD a manifest, GET a blob.
//
// Auth: HTTP Basic first (Harbor's core accepts Basic on /v2 for users and robots); when the registry answers 401
// with a `WWW-Authenticate: Bearer realm=...,service=...` challenge (the token flow of the distribution spec and of
// Harbor's /service/token), a token is fetched from the realm with the same credentials for the challenged scope
// and the request is sent again with it. Credentials never appear in errors.
//
// Retries follow harbor/client.ts (the same options and HARBOR_CLIENT_* variables): 429 (honouring Retry-After), 502,
// 503, 504, connection errors and timeouts, with exponential backoff. Every request here is safe to repeat: HEAD/GET,
// a new upload session, a manifest PUT (same bytes, same digest); a blob PUT whose session was consumed by a lost
// attempt is resolved by asking whether the blob is there.
import { Agent, fetch } from "undici";
import { clientOptionsFromEnv, HarborClientOptions, parseRetryAfter, tlsOptions } from "./client";

export interface RegistryConnection {
    /** Harbor's external URL (https://harbor.example.com); the registry is at <url>/v2/. */
    url: string;
    username: string;
    password: string;
    caCert?: string;
    insecure?: boolean;
}

export class RegistryError extends Error {
    constructor(readonly status: number, readonly method: string, readonly path: string, detail: string) {
        super(`registry ${method} ${path} failed: ${status > 0 ? status : "no response"}${detail ? `: ${detail}` : ""}`);
        this.name = "RegistryError";
    }
}

interface Sent {
    status: number;
    headers: Headers;
    body: Buffer;
}

export class RegistryClient {
    private readonly origin: string;
    private readonly basic: string;
    private readonly agent: Agent;
    private bearer?: string;
    private readonly timeoutMs: number;
    private readonly retries: number;
    private readonly baseDelayMs: number;
    private readonly maxDelayMs: number;
    private readonly sleep: (ms: number) => Promise<void>;

    constructor(private readonly conn: RegistryConnection, options: HarborClientOptions = {}) {
        const env = clientOptionsFromEnv();
        this.timeoutMs = options.timeoutMs ?? env.timeoutMs ?? 60_000;
        this.retries = options.retries ?? env.retries ?? 4;
        this.baseDelayMs = options.baseDelayMs ?? env.baseDelayMs ?? 500;
        this.maxDelayMs = options.maxDelayMs ?? env.maxDelayMs ?? 30_000;
        this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
        const u = new URL(conn.url);
        this.origin = `${u.protocol}//${u.host}`;
        this.basic = "Basic " + Buffer.from(`${conn.username}:${conn.password}`, "utf8").toString("base64");
        this.agent = new Agent({ connect: tlsOptions(conn) });
    }

    /** The registry host as image references name it (host[:port]). */
    get host(): string {
        return new URL(this.conn.url).host;
    }

    async close(): Promise<void> {
        await this.agent.close();
    }

    async blobExists(name: string, digest: string): Promise<boolean> {
        const r = await this.send("HEAD", `/v2/${name}/blobs/${digest}`);
        if (r.status === 200) return true;
        if (r.status === 404) return false;
        throw this.fail(r, "HEAD", `/v2/${name}/blobs/${digest}`);
    }

    /** Uploads `data` unless the registry has it (POST an upload session, then PUT the bytes with ?digest=). */
    async pushBlob(name: string, digest: string, data: Buffer): Promise<void> {
        if (await this.blobExists(name, digest)) return;
        const start = await this.send("POST", `/v2/${name}/blobs/uploads/`);
        if (start.status !== 202) throw this.fail(start, "POST", `/v2/${name}/blobs/uploads/`);
        const location = start.headers.get("location");
        if (!location) throw new RegistryError(start.status, "POST", `/v2/${name}/blobs/uploads/`, "no Location header for the upload");
        const target = new URL(location, this.origin);
        target.searchParams.set("digest", digest);
        const put = await this.send("PUT", target.pathname + target.search, data, "application/octet-stream");
        if (put.status === 404 && (await this.blobExists(name, digest))) return; // an earlier attempt completed it
        if (put.status !== 201) throw this.fail(put, "PUT", target.pathname);
    }

    async getBlob(name: string, digest: string): Promise<Buffer> {
        const r = await this.send("GET", `/v2/${name}/blobs/${digest}`);
        if (r.status !== 200) throw this.fail(r, "GET", `/v2/${name}/blobs/${digest}`);
        return r.body;
    }

    /** PUT a manifest under `reference` (tag or digest); returns the digest the registry computed. */
    async putManifest(name: string, reference: string, manifest: Buffer, mediaType: string): Promise<string> {
        const r = await this.send("PUT", `/v2/${name}/manifests/${reference}`, manifest, mediaType);
        if (r.status !== 201) throw this.fail(r, "PUT", `/v2/${name}/manifests/${reference}`);
        return r.headers.get("docker-content-digest") ?? "";
    }

    /** The manifest bytes and digest, or undefined when the registry has none under `reference`. */
    async getManifest(name: string, reference: string, accept: string): Promise<{ body: Buffer; digest: string; mediaType: string } | undefined> {
        const r = await this.send("GET", `/v2/${name}/manifests/${reference}`, undefined, undefined, accept);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw this.fail(r, "GET", `/v2/${name}/manifests/${reference}`);
        return { body: r.body, digest: r.headers.get("docker-content-digest") ?? "", mediaType: r.headers.get("content-type") ?? "" };
    }

    async manifestDigest(name: string, reference: string, accept: string): Promise<string | undefined> {
        const r = await this.send("HEAD", `/v2/${name}/manifests/${reference}`, undefined, undefined, accept);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw this.fail(r, "HEAD", `/v2/${name}/manifests/${reference}`);
        return r.headers.get("docker-content-digest") ?? undefined;
    }

    private fail(r: Sent, method: string, path: string): RegistryError {
        let detail = "";
        try {
            const e = JSON.parse(r.body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
            const first = e.errors?.[0];
            if (first) detail = `${first.code ?? ""} ${first.message ?? ""}`.trim();
        } catch {
            detail = r.body.toString("utf8").slice(0, 200);
        }
        return new RegistryError(r.status, method, path.split("?")[0], detail);
    }

    /** One request with retries on 429/502/503/504, connection errors and timeouts. */
    private async send(method: string, path: string, body?: Buffer, contentType?: string, accept?: string): Promise<Sent> {
        for (let attempt = 1; ; attempt++) {
            let r: Sent | undefined;
            let failure: RegistryError | undefined;
            try {
                r = await this.once(method, path, body, contentType, accept);
            } catch (err) {
                if (!(err instanceof RegistryError) || err.status !== 0) throw err;
                failure = err;
            }
            const retryable = failure !== undefined || [429, 502, 503, 504].includes(r!.status);
            if (!retryable) return r!;
            if (attempt > this.retries) {
                if (failure) throw failure;
                throw this.fail(r!, method, path);
            }
            const retryAfter = r && (r.status === 429 || r.status === 503) ? parseRetryAfter(r.headers.get("retry-after")) : undefined;
            const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
            await this.sleep(retryAfter !== undefined ? Math.min(retryAfter, this.maxDelayMs) : Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
        }
    }

    private async once(method: string, path: string, body?: Buffer, contentType?: string, accept?: string): Promise<Sent> {
        let r = await this.raw(method, path, body, contentType, accept, this.bearer ?? this.basic);
        if (r.status === 401 && !this.bearer) {
            const challenge = r.headers.get("www-authenticate") ?? "";
            if (/^Bearer /i.test(challenge)) {
                this.bearer = await this.token(challenge);
                r = await this.raw(method, path, body, contentType, accept, this.bearer);
            }
        }
        return r;
    }

    /** A token from the challenge's realm (GET realm?service=&scope= with Basic), as `Bearer <token>`. */
    private async token(challenge: string): Promise<string> {
        const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (!params.realm) throw new RegistryError(401, "GET", "token", "the Bearer challenge has no realm");
        const realm = new URL(params.realm);
        if (params.service) realm.searchParams.set("service", params.service);
        if (params.scope) realm.searchParams.set("scope", params.scope);
        const res = await fetch(realm, { headers: { Authorization: this.basic }, dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) });
        const text = await res.text();
        if (res.status !== 200) throw new RegistryError(res.status, "GET", realm.pathname, "the token service refused the credentials");
        const t = JSON.parse(text) as { token?: string; access_token?: string };
        const token = t.token ?? t.access_token;
        if (!token) throw new RegistryError(res.status, "GET", realm.pathname, "the token service answered without a token");
        return `Bearer ${token}`;
    }

    private async raw(method: string, path: string, body: Buffer | undefined, contentType: string | undefined, accept: string | undefined, authorization: string): Promise<Sent> {
        const headers: Record<string, string> = { Authorization: authorization, "User-Agent": "harbor-platform" };
        if (contentType) headers["Content-Type"] = contentType;
        if (accept) headers.Accept = accept;
        try {
            const res = await fetch(`${this.origin}${path}`, {
                method, headers, body, dispatcher: this.agent, redirect: "follow", signal: AbortSignal.timeout(this.timeoutMs),
            });
            const buf = method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer());
            return { status: res.status, headers: res.headers as unknown as Headers, body: buf };
        } catch (err) {
            const e = err as Error & { cause?: { code?: string } };
            const cause = e.name === "TimeoutError" || e.name === "AbortError" ? `no response within ${this.timeoutMs} ms` : (e.cause?.code ?? e.name);
            throw new RegistryError(0, method, path.split("?")[0], cause);
        }
    }
}
