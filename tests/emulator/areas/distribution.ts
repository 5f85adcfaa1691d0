// The registry API Harbor serves at /v2/ (not in Harbor's swagger: the OCI distribution spec v1.1,
// https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md), the part image signing uses:
// - POST /v2/<name>/blobs/uploads/ → 202 + Location of an upload session; PUT <location>?digest=<d> with the bytes →
//   201 + Location + Docker-Content-Digest; 400 DIGEST_INVALID when the bytes do not hash to <d> ("Pushing a blob
//   monolithically", POST then PUT);
// - HEAD/GET /v2/<name>/blobs/<digest> → 200 (+ bytes on GET) or 404 BLOB_UNKNOWN;
// - PUT /v2/<name>/manifests/<reference> → 201 + Docker-Content-Digest; 400 MANIFEST_BLOB_UNKNOWN when a referenced
//   blob is not in the repository ("Pushing Manifests"); a tag moves to the new manifest;
// - HEAD/GET /v2/<name>/manifests/<reference> (tag or digest) → 200 with Docker-Content-Digest and the manifest's
//   Content-Type, or 404 MANIFEST_UNKNOWN.
// Harbor's own behaviour on top (v2.15.2):
// - a manifest tagged `sha256-<hex>.sig` with a layer of media type application/vnd.dev.cosign.simplesigning.v1+json
//   becomes a `signature.cosign` accessory of the artifact <hex> (src/server/middleware/cosign/cosign.go,
//   SignatureMiddleware, after a 201);
// - in a project with enable_content_trust_cosign "true", GET/HEAD of a manifest without a cosign signature accessory
//   is refused with 412 PROJECTPOLICYVIOLATION "The image is not signed by cosign."; signature artifacts themselves
//   are served (src/server/middleware/contenttrust/contentrust.go, and util.SkipPolicyChecking: an artifact that is
//   a signature accessory bypasses the check);
// - a push records an audit "create", a GET of a manifest a "pull" (never a HEAD: src/server/registry/manifest.go,
//   getManifest returns before the pull event for HEAD) (./auditlogs.ts);
// - the project must exist (404 NAME_UNKNOWN otherwise); credentials are Basic, checked as the API checks them;
//   with `requireToken` the registry instead answers 401 with a Bearer challenge whose realm is /service/token
//   (Harbor's token service), which issues a token for Basic credentials.
import * as crypto from "crypto";
import * as http from "http";
import { defineArea, HarborEmulator, LoggedRequest } from "../server";
import { ArtifactRecord, artifactsArea } from "./artifacts";
import { auditLogsArea } from "./auditlogs";
import { projectsArea } from "./projects";

const COSIGN_LAYER = "application/vnd.dev.cosign.simplesigning.v1+json";
const SIG_TAG = /^sha256-([a-f0-9]{64})\.sig$/;
const NAME = "[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*";
const ROUTES: [string, RegExp][] = [
    ["uploads", new RegExp(`^/v2/(${NAME})/blobs/uploads/?$`)],
    ["upload", new RegExp(`^/v2/(${NAME})/blobs/uploads/([A-Za-z0-9-]+)$`)],
    ["blob", new RegExp(`^/v2/(${NAME})/blobs/(sha256:[a-f0-9]{64})$`)],
    ["manifest", new RegExp(`^/v2/(${NAME})/manifests/([A-Za-z0-9_][A-Za-z0-9_.:-]{0,127})$`)],
];

const digestOf = (b: Buffer) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

export class DistributionState {
    /** "<project>/<repository>" → digest → bytes. */
    readonly blobs = new Map<string, Map<string, Buffer>>();
    /** Open upload sessions: id → repository name. */
    readonly uploads = new Map<string, string>();
    /** Answer 401 + a Bearer challenge to Basic credentials; tokens come from /service/token. */
    requireToken = false;
    /** Robot accounts the registry accepts with Basic credentials: name → secret (tests register them). */
    readonly robots = new Map<string, string>();
    private readonly tokens = new Set<string>();

    constructor(private readonly emu: HarborEmulator) {}

    blob(name: string, digest: string): Buffer | undefined {
        return this.blobs.get(name)?.get(digest);
    }

    /** The user the request authenticates, or undefined. */
    user(header: string | undefined): string | undefined {
        if (header?.startsWith("Bearer ")) return this.tokens.has(header.slice(7)) ? "token-user" : undefined;
        if (this.requireToken) return undefined;
        return this.robot(header) ?? userOf(this.emu.principal(header));
    }

    private robot(header: string | undefined): string | undefined {
        const m = /^Basic (.+)$/.exec(header ?? "");
        if (!m) return undefined;
        const decoded = Buffer.from(m[1], "base64").toString("utf8");
        const i = decoded.indexOf(":");
        const [u, p] = [decoded.slice(0, i), decoded.slice(i + 1)];
        return this.robots.has(u) && this.robots.get(u) === p ? u : undefined;
    }

    issueToken(header: string | undefined): string | undefined {
        if (!this.robot(header) && !userOf(this.emu.principal(header))) return undefined;
        const t = crypto.randomBytes(12).toString("hex");
        this.tokens.add(t);
        return t;
    }
}

/** The user name of the emulator's principal (a name, or { user }), else undefined. */
function userOf(p: unknown): string | undefined {
    if (typeof p === "string") return p;
    if (p && typeof p === "object" && typeof (p as { user?: unknown }).user === "string") return (p as { user: string }).user;
    return undefined;
}

interface Answer {
    status: number;
    headers?: Record<string, string>;
    body?: Buffer;
}

const err = (status: number, code: string, message: string): Answer => ({
    status, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ errors: [{ code, message }] })),
});

function readBytes(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", () => resolve(Buffer.concat(chunks)));
    });
}

function serve(state: DistributionState, emu: HarborEmulator, method: string, url: URL, headers: http.IncomingHttpHeaders, body: Buffer, entry: LoggedRequest): Answer {
    if (url.pathname === "/service/token") {
        entry.operationId = "registry:token";
        const token = state.issueToken(headers.authorization);
        if (!token) return err(401, "UNAUTHORIZED", "invalid credentials");
        return { status: 200, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ token })) };
    }
    const user = state.user(headers.authorization);
    if (!user) {
        const challenge = state.requireToken
            ? `Bearer realm="${emu.url}/service/token",service="harbor-registry"`
            : `Basic realm="harbor"`;
        entry.operationId = "registry:unauthorized";
        return { ...err(401, "UNAUTHORIZED", "authentication required"), headers: { "Content-Type": "application/json", "Www-Authenticate": challenge } };
    }
    if (url.pathname === "/v2/" || url.pathname === "/v2") return { status: 200, headers: { "Docker-Distribution-Api-Version": "registry/2.0" } };
    const route = ROUTES.find(([, re]) => re.test(url.pathname));
    if (!route) return err(404, "NOT_FOUND", `emulator: no registry route for ${url.pathname}`);
    const m = route[1].exec(url.pathname)!;
    const name = m[1];
    const [project, ...rest] = name.split("/");
    const repository = rest.join("/");
    if (!repository || !emu.area(projectsArea).byName(project)) return err(404, "NAME_UNKNOWN", `repository name not known to registry: ${name}`);
    const artifacts = emu.area(artifactsArea);
    const audit = emu.area(auditLogsArea);
    const store = () => {
        if (!state.blobs.has(name)) state.blobs.set(name, new Map());
        return state.blobs.get(name)!;
    };

    switch (`${method} ${route[0]}`) {
        case "POST uploads": {
            entry.operationId = "registry:startUpload";
            const id = crypto.randomUUID();
            state.uploads.set(id, name);
            return { status: 202, headers: { Location: `/v2/${name}/blobs/uploads/${id}`, "Docker-Upload-UUID": id, Range: "0-0" } };
        }
        case "PUT upload": {
            entry.operationId = "registry:putBlob";
            const id = m[2];
            if (state.uploads.get(id) !== name) return err(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
            const digest = url.searchParams.get("digest") ?? "";
            if (digestOf(body) !== digest) return err(400, "DIGEST_INVALID", "provided digest did not match uploaded content");
            state.uploads.delete(id);
            store().set(digest, body);
            return { status: 201, headers: { Location: `/v2/${name}/blobs/${digest}`, "Docker-Content-Digest": digest } };
        }
        case "HEAD blob":
        case "GET blob": {
            entry.operationId = method === "HEAD" ? "registry:headBlob" : "registry:getBlob";
            const b = state.blob(name, m[2]);
            if (!b) return err(404, "BLOB_UNKNOWN", "blob unknown to registry");
            return { status: 200, headers: { "Content-Length": String(b.length), "Docker-Content-Digest": m[2], "Content-Type": "application/octet-stream" }, body: method === "GET" ? b : undefined };
        }
        case "PUT manifest": {
            entry.operationId = "registry:putManifest";
            const reference = m[2];
            let manifest: { config?: { digest: string }; layers?: { digest: string; mediaType: string; size: number }[] };
            try {
                manifest = JSON.parse(body.toString("utf8"));
            } catch {
                return err(400, "MANIFEST_INVALID", "manifest invalid");
            }
            const refs = [manifest.config?.digest, ...(manifest.layers ?? []).map((l) => l.digest)].filter((d): d is string => !!d);
            const missing = refs.find((d) => !state.blob(name, d));
            if (missing) return err(400, "MANIFEST_BLOB_UNKNOWN", `blob unknown to registry: ${missing}`);
            const digest = digestOf(body);
            if (reference.startsWith("sha256:") && reference !== digest) return err(400, "DIGEST_INVALID", "provided digest did not match uploaded content");
            const mediaType = String(headers["content-type"] ?? "application/vnd.oci.image.manifest.v1+json");
            let record = artifacts.find(project, repository, digest);
            if (!record) record = artifacts.push(project, repository, { digest });
            record.manifest = { body, mediaType };
            if (!reference.startsWith("sha256:")) {
                for (const a of artifacts.repos.get(`${project}/${repository}`) ?? []) a.tags = a.tags.filter((t) => t !== reference);
                record.tags.push(reference);
            }
            const sig = SIG_TAG.exec(reference);
            if (sig && (manifest.layers ?? []).some((l) => l.mediaType === COSIGN_LAYER)) {
                const subject = artifacts.find(project, repository, `sha256:${sig[1]}`);
                if (subject) {
                    subject.accessories = (subject.accessories ?? []).filter((x) => x.artifactId !== record!.id && x.digest !== digest);
                    subject.accessories.push({ id: emu.nextId(), artifactId: record.id, digest, size: body.length, type: "signature.cosign" });
                }
                record.signatureOf = `sha256:${sig[1]}`;
            }
            audit.artifact("create", project, repository, reference, user);
            return { status: 201, headers: { Location: `/v2/${name}/manifests/${digest}`, "Docker-Content-Digest": digest } };
        }
        case "HEAD manifest":
        case "GET manifest": {
            entry.operationId = method === "HEAD" ? "registry:headManifest" : "registry:getManifest";
            const record = artifacts.find(project, repository, m[2]);
            if (!record) return err(404, "MANIFEST_UNKNOWN", "manifest unknown to registry");
            const p = emu.area(projectsArea).byName(project)!;
            if (p.metadata.enable_content_trust_cosign === "true" && !record.signatureOf && !(record.accessories ?? []).some((x) => x.type === "signature.cosign")) {
                return err(412, "PROJECTPOLICYVIOLATION", "The image is not signed by cosign.");
            }
            const bytes = record.manifest?.body ?? placeholder(record);
            if (method === "GET") audit.artifact("pull", project, repository, m[2], user);
            return {
                status: 200,
                headers: { "Content-Type": record.manifest?.mediaType ?? "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": record.digest, "Content-Length": String(bytes.length) },
                body: method === "GET" ? bytes : undefined,
            };
        }
        default:
            return err(405, "UNSUPPORTED", `emulator: ${method} is not served for ${route[0]}`);
    }
}

/** A seeded artifact (`push` in tests) has no bytes; a GET still answers with its digest header. */
function placeholder(record: ArtifactRecord): Buffer {
    return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [], annotations: { seeded: record.digest } }));
}

export const distributionArea = defineArea<DistributionState>({
    name: "distribution",
    init: (emu) => {
        emu.area(artifactsArea);
        emu.area(auditLogsArea);
        return new DistributionState(emu);
    },
    handlers: () => ({}),
    raw: (state, emu) => async (req, res) => {
        const url = new URL(req.url ?? "/", "http://emulator");
        if (!url.pathname.startsWith("/v2") && url.pathname !== "/service/token") return false;
        const method = (req.method ?? "GET").toUpperCase();
        const body = await readBytes(req);
        const entry: LoggedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: undefined, status: 0 };
        emu.log.push(entry);
        const a = serve(state, emu, method, url, req.headers, body, entry);
        entry.status = a.status;
        res.writeHead(a.status, { "Docker-Distribution-Api-Version": "registry/2.0", ...a.headers });
        res.end(method === "HEAD" ? undefined : a.body);
        return true;
    },
});
