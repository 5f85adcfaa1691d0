// Projects (+ metadata, summary, _deletable), their quotas and their repositories' state.
// Server behaviours mirrored from Harbor v2.15:
// - metadata values are strings; booleans must be "true"/"false"; a missing key means the server default;
// - POST ignores cve_allowlist (it must be set with a PUT); PUT merges metadata (keys left out are kept);
// - project_name, storage_limit and registry_id cannot change through PUT (Harbor ignores them; we reject them so
//   a client relying on it fails loudly);
// - quotas (src/server/v2.0/handler/project.go, CreateProject): with per-project quotas on (configuration
//   quota_per_project_enable, the `quotaPerProjectEnable` switch here), storage_limit is used when a system admin
//   sends a non-zero one, else storage_per_project applies; with them OFF storage_limit is ignored and NO quota is
//   created at all (listQuotas then finds none);
// - a non-admin may create a project only when project_creation_restriction is "everyone", never a proxy-cache
//   one (CreateProject: 403 "Only system admin can create ..."); the creator becomes its projectAdmin; the list shows
//   a non-admin only the public projects and its own (ListProjects);
// - DELETE answers 412 while repositories remain; a delete also removes the quota. What goes with the project, as in
//   Harbor (handler/project.go DeleteProject; controller/event/handler/internal/project.go onProjectDelete): its
//   robots, members, immutable rules and retention policy (each area keys them by project id: gone with it);
//   labels and webhook policies stay behind (nothing deletes them: a label stays readable by id, a policy is
//   reachable through no project); a system robot's permission on it is no longer listed (robots.ts).
// Other areas that address projects use `resolveProject(req)` from here.
import { badRequest, conflict, created, defineArea, EmuRequest, HarborEmulator, HarborError, notFound, ok, paginate, precondition } from "../server";
import { everyoneMayCreateProjects, localUser, projectAllows } from "../access";
import { configurationsArea } from "./configurations";

export interface CveAllowlistRecord {
    id: number;
    project_id: number;
    expires_at?: number | null;
    items: { cve_id: string }[];
    creation_time: string;
    update_time: string;
}

export interface RepositoryRecord {
    id: number;
    /** Name inside the project (may contain '/'), without the project prefix. */
    name: string;
    artifactCount: number;
}

export interface ProjectRecord {
    project_id: number;
    name: string;
    owner_id: number;
    owner_name: string;
    registry_id?: number;
    creation_time: string;
    update_time: string;
    metadata: Record<string, string>;
    cve_allowlist: CveAllowlistRecord;
    repositories: Map<string, RepositoryRecord>;
}

export interface QuotaRecord {
    id: number;
    projectId: number;
    /** Hard storage limit in bytes, -1 = unlimited. */
    hard: number;
    used: number;
}

const NOW = "2026-01-01T00:00:00.000Z";
const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const BOOL_META = ["public", "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "auto_scan", "auto_sbom_generation", "reuse_sys_cve_allowlist", "proxy_cache_local_on_not_found"];
const SEVERITIES = ["none", "low", "medium", "high", "critical"];
const MAX_STORAGE = 1024 * 1024 ** 4; // 1024 TiB

export class ProjectsState {
    readonly projects = new Map<number, ProjectRecord>();
    readonly quotas = new Map<number, QuotaRecord>();
    /**
     * System settings that change create behaviour. `quotaPerProjectEnable` is the configuration key
     * quota_per_project_enable: read from (and written to) the configurations area when it is installed.
     */
    readonly settings: { quotaPerProjectEnable: boolean; storagePerProject: number };
    private readonly ownSettings = { quotaPerProjectEnable: true, storagePerProject: -1 };
    /** Whether a registry id may back a proxy-cache project (the registries area can replace this). */
    registryExists: (id: number) => boolean = (id) => id > 0;

    constructor(private readonly emu: HarborEmulator) {
        const config = (): Record<string, unknown> | undefined => {
            try {
                return (emu.area(configurationsArea) as { values: Record<string, unknown> }).values;
            } catch {
                return undefined;
            }
        };
        const own = this.ownSettings;
        this.settings = {
            get quotaPerProjectEnable() {
                const v = config()?.quota_per_project_enable;
                return v === undefined ? own.quotaPerProjectEnable : v === true;
            },
            set quotaPerProjectEnable(on: boolean) {
                const c = config();
                if (c) c.quota_per_project_enable = on;
                else own.quotaPerProjectEnable = on;
            },
            get storagePerProject() {
                const v = config()?.storage_per_project;
                return typeof v === "number" ? v : own.storagePerProject;
            },
            set storagePerProject(bytes: number) {
                const c = config();
                if (c) c.storage_per_project = bytes;
                else own.storagePerProject = bytes;
            },
        };
    }

    byName(name: string): ProjectRecord | undefined {
        for (const p of this.projects.values()) if (p.name === name) return p;
        return undefined;
    }

    /** Look a project up by name or id, with Harbor's X-Is-Resource-Name rule. */
    lookup(nameOrId: string, byName: boolean): ProjectRecord | undefined {
        if (!byName && /^\d+$/.test(nameOrId)) return this.projects.get(Number(nameOrId));
        return this.byName(nameOrId);
    }

    /** Create a project directly (a seed, or a change behind the provider's back). */
    seed(name: string, opts: { metadata?: Record<string, string>; storageLimit?: number; registryId?: number; noQuota?: boolean; owner?: { id: number; name: string } } = {}): ProjectRecord {
        const id = this.emu.nextId();
        const p: ProjectRecord = {
            project_id: id, name, owner_id: opts.owner?.id ?? 1, owner_name: opts.owner?.name ?? "admin", registry_id: opts.registryId,
            creation_time: NOW, update_time: NOW,
            metadata: { public: "false", ...opts.metadata },
            cve_allowlist: { id: this.emu.nextId(), project_id: id, items: [], creation_time: NOW, update_time: NOW },
            repositories: new Map(),
        };
        this.projects.set(id, p);
        if (opts.noQuota) return p;
        const quota: QuotaRecord = { id: this.emu.nextId(), projectId: id, hard: opts.storageLimit ?? this.settings.storagePerProject, used: 0 };
        this.quotas.set(quota.id, quota);
        return p;
    }

    quotaOf(projectId: number): QuotaRecord | undefined {
        for (const q of this.quotas.values()) if (q.projectId === projectId) return q;
        return undefined;
    }

    /** Drift: set (or with undefined, remove) a metadata key behind the provider's back. */
    setMetadata(name: string, key: string, value: string | undefined): void {
        const p = this.must(name);
        if (value === undefined) delete p.metadata[key];
        else p.metadata[key] = value;
    }

    /** Drift: replace the project's CVE allowlist. */
    setAllowlist(name: string, cves: string[]): void {
        this.must(name).cve_allowlist.items = cves.map((cve_id) => ({ cve_id }));
    }

    /** Drift: change the storage quota (bytes, -1 = unlimited). */
    setQuota(name: string, bytes: number): void {
        this.quotaOf(this.must(name).project_id)!.hard = bytes;
    }

    /** Seed a repository (name without the project prefix; may contain '/'). */
    addRepository(projectName: string, repoName: string, artifactCount = 1): RepositoryRecord {
        const repo = { id: this.emu.nextId(), name: repoName, artifactCount };
        this.must(projectName).repositories.set(repoName, repo);
        return repo;
    }

    /** Delete behind the provider's back (ignores repositories, as an admin cleaning up the database would). */
    remove(name: string): void {
        const p = this.must(name);
        this.projects.delete(p.project_id);
        const q = this.quotaOf(p.project_id);
        if (q) this.quotas.delete(q.id);
    }

    must(name: string): ProjectRecord {
        const p = this.byName(name);
        if (!p) throw new Error(`emulator: no project named ${name}`);
        return p;
    }

    /** The wire form of a project (GET /projects/{p}). */
    view(p: ProjectRecord): Record<string, unknown> {
        return {
            project_id: p.project_id, name: p.name, owner_id: p.owner_id, owner_name: p.owner_name,
            ...(p.registry_id ? { registry_id: p.registry_id } : {}),
            creation_time: p.creation_time, update_time: p.update_time, deleted: false, togglable: true,
            current_user_role_id: 1, current_user_role_ids: [1],
            repo_count: p.repositories.size,
            metadata: { ...p.metadata },
            cve_allowlist: { ...p.cve_allowlist, items: p.cve_allowlist.items.map((i) => ({ ...i })) },
        };
    }

    quotaView(q: QuotaRecord): Record<string, unknown> {
        const p = this.projects.get(q.projectId);
        return {
            id: q.id, ref: { id: q.projectId, name: p?.name, owner_name: p?.owner_name },
            hard: { storage: q.hard }, used: { storage: q.used }, creation_time: NOW, update_time: NOW,
        };
    }

    /**
     * Validate and normalise metadata as Harbor's handler does. `existing` is the stored metadata on update.
     * Booleans are normalised to lower case; proxy-only keys are dropped for normal projects.
     */
    normaliseMetadata(input: Record<string, unknown> | undefined, isProxy: boolean, existing?: Record<string, string>): Record<string, string> {
        const out: Record<string, string> = {};
        for (const [k, raw] of Object.entries(input ?? {})) {
            if (raw === null || raw === undefined) continue;
            const v = String(raw);
            if (BOOL_META.includes(k)) {
                if (!/^(true|false)$/i.test(v)) throw badRequest(`metadata ${k} must be "true" or "false", got "${v}"`);
                out[k] = v.toLowerCase();
            } else if (k === "severity") {
                if (!SEVERITIES.includes(v)) throw badRequest(`metadata severity must be one of ${SEVERITIES.join(", ")}, got "${v}"`);
                out[k] = v;
            } else if (k === "retention_id") {
                if (existing === undefined ? v !== "" : v !== (existing.retention_id ?? "")) {
                    throw badRequest("metadata retention_id cannot be set or changed through the project API");
                }
            } else if (k === "proxy_speed_kb" || k === "max_upstream_conn") {
                if (!/^-?\d+$/.test(v)) throw badRequest(`metadata ${k} must be an integer, got "${v}"`);
                if (isProxy) out[k] = v;
            } else {
                out[k] = v;
            }
        }
        if (isProxy) delete out.enable_content_trust;
        return out;
    }
}

/** Resolve `{project_name_or_id}` honouring X-Is-Resource-Name; 404 when missing. For use by other areas too. */
export function resolveProject(req: EmuRequest): ProjectRecord {
    const state = req.emu.area(projectsArea);
    const value = req.params["project_name_or_id"] ?? req.params["project_name"];
    const p = req.params["project_name_or_id"] !== undefined ? state.lookup(value, req.byName) : state.byName(value);
    if (!p) throw notFound(`project ${value}`);
    return p;
}

function applyAllowlist(p: ProjectRecord, list: { project_id?: number; items?: { cve_id?: string }[]; expires_at?: number | null } | undefined): void {
    if (!list) return;
    if (list.project_id !== undefined && list.project_id !== 0 && list.project_id !== p.project_id) {
        throw badRequest(`cve_allowlist.project_id ${list.project_id} does not match project ${p.project_id}`);
    }
    p.cve_allowlist = {
        ...p.cve_allowlist,
        items: (list.items ?? []).map((i) => ({ cve_id: String(i.cve_id ?? "") })),
        expires_at: list.expires_at ?? null,
        update_time: NOW,
    };
}

export const projectsArea = defineArea<ProjectsState>({
    name: "projects",
    init: (emu) => new ProjectsState(emu),
    handlers: (state) => ({
        headProject: (req) => {
            if (!state.byName(req.query.get("project_name") ?? "")) throw notFound("project");
            return ok();
        },
        listProjects: (req) => {
            let list = [...state.projects.values()];
            if (req.user && !req.admin) list = list.filter((p) => projectAllows(req.emu, p, req.user!, "GET"));
            const name = req.query.get("name");
            if (name) list = list.filter((p) => p.name.includes(name)); // Harbor's `name` is a fuzzy match
            const q = req.query.get("q");
            const exact = q ? /^name=([^,~]+)$/.exec(q) : null;
            if (exact) list = list.filter((p) => p.name === exact[1]);
            return paginate(req, list.map((p) => state.view(p)));
        },
        createProject: (req) => {
            const body = req.body as { project_name?: string; metadata?: Record<string, string>; storage_limit?: number | null; registry_id?: number | null; public?: boolean | null };
            if (!req.admin && !everyoneMayCreateProjects(req.emu)) throw new HarborError(403, "FORBIDDEN", "Only system admin can create project");
            if (!req.admin && body.registry_id !== undefined && body.registry_id !== null) throw new HarborError(403, "FORBIDDEN", "Only system admin can create proxy cache project");
            const name = body.project_name ?? "";
            if (!NAME_RE.test(name) || name.length > 255) throw badRequest(`project name "${name}" is invalid`);
            if (state.byName(name)) throw conflict(`The project named ${name} already exists`);
            const registryId = body.registry_id ?? undefined;
            if (registryId !== undefined && registryId !== 0 && !state.registryExists(registryId)) throw badRequest(`registry ${registryId} does not exist`);
            const isProxy = !!registryId;
            const metadata = state.normaliseMetadata(body.metadata, isProxy);
            if (metadata.public === undefined) metadata.public = body.public === true ? "true" : "false";
            const limit = body.storage_limit ?? 0;
            if (limit !== 0 && limit !== -1 && (limit < 0 || limit > MAX_STORAGE)) throw badRequest(`storage_limit ${limit} is out of range`);
            // handler/project.go, CreateProject: a non-admin's storage_limit is replaced by storage_per_project; with
            // per-project quotas off it is dropped and no quota is created.
            const quotas = state.settings.quotaPerProjectEnable;
            const storage = quotas && limit !== 0 && req.admin ? limit : state.settings.storagePerProject;
            const creator = req.user ? localUser(req.emu, req.user) : undefined;
            // cve_allowlist is deliberately ignored here: Harbor's POST does not apply it.
            const p = state.seed(name, {
                metadata, storageLimit: storage, registryId: registryId || undefined, noQuota: !quotas,
                ...(creator ? { owner: { id: creator.user_id, name: creator.username } } : {}),
            });
            const inLocation = req.headers["x-resource-name-in-location"] === "true";
            return created("/projects", inLocation ? encodeURIComponent(p.name) : p.project_id);
        },
        getProject: (req) => ok(state.view(resolveProject(req))),
        updateProject: (req) => {
            const p = resolveProject(req);
            const body = req.body as { project_name?: string; metadata?: Record<string, string>; cve_allowlist?: Parameters<typeof applyAllowlist>[1]; storage_limit?: number | null; registry_id?: number | null };
            if (body.project_name !== undefined && body.project_name !== p.name) throw badRequest("project_name cannot be changed (Harbor ignores it)");
            if (body.storage_limit !== undefined && body.storage_limit !== null) throw badRequest("storage_limit cannot be changed through PUT /projects (use /quotas; Harbor ignores it)");
            if (body.registry_id !== undefined && body.registry_id !== null && body.registry_id !== (p.registry_id ?? 0)) throw badRequest("registry_id cannot be changed (Harbor ignores it)");
            const metadata = state.normaliseMetadata(body.metadata, !!p.registry_id, p.metadata);
            Object.assign(p.metadata, metadata); // merged: keys left out are kept
            applyAllowlist(p, body.cve_allowlist);
            p.update_time = NOW;
            return ok();
        },
        deleteProject: (req) => {
            const p = resolveProject(req);
            if (p.repositories.size > 0) throw precondition(`the project ${p.name} contains repositories, can not be deleted`);
            state.remove(p.name);
            return ok();
        },
        getProjectDeletable: (req) => {
            const p = resolveProject(req);
            return ok(p.repositories.size > 0 ? { deletable: false, message: "the project contains repositories, can not be deleted" } : { deletable: true });
        },
        getProjectSummary: (req) => {
            const p = resolveProject(req);
            const q = state.quotaOf(p.project_id);
            return ok({
                repo_count: p.repositories.size, project_admin_count: 1, maintainer_count: 0, developer_count: 0, guest_count: 0, limited_guest_count: 0,
                ...(q ? { quota: { hard: { storage: q.hard }, used: { storage: q.used } } } : {}),
            });
        },
        listProjectMetadatas: (req) => ok({ ...resolveProject(req).metadata }),
        getProjectMetadata: (req) => {
            const p = resolveProject(req);
            const key = req.params.meta_name;
            if (!(key in p.metadata)) throw notFound(`metadata ${key}`);
            return ok({ [key]: p.metadata[key] });
        },
        addProjectMetadatas: (req) => {
            const p = resolveProject(req);
            const entries = Object.entries((req.body ?? {}) as Record<string, string>);
            if (entries.length !== 1) throw badRequest("exactly one metadata key per request");
            if (entries[0][0] in p.metadata) throw conflict(`metadata ${entries[0][0]} already exists`);
            Object.assign(p.metadata, state.normaliseMetadata(req.body, !!p.registry_id, p.metadata));
            return ok();
        },
        updateProjectMetadata: (req) => {
            const p = resolveProject(req);
            const key = req.params.meta_name;
            const entries = Object.entries((req.body ?? {}) as Record<string, string>);
            if (entries.length !== 1 || entries[0][0] !== key) throw badRequest(`the body must hold exactly the key ${key}`);
            if (!(key in p.metadata)) throw notFound(`metadata ${key}`);
            Object.assign(p.metadata, state.normaliseMetadata(req.body, !!p.registry_id, p.metadata));
            return ok();
        },
        deleteProjectMetadata: (req) => {
            const p = resolveProject(req);
            const key = req.params.meta_name;
            if (!(key in p.metadata)) throw notFound(`metadata ${key}`);
            delete p.metadata[key];
            return ok();
        },
    }),
});
