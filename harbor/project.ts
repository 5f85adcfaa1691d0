// Project: a Harbor project with its metadata (public, auto scan, prevent vulnerable images at a severity, cosign,
// auto SBOM), its CVE allowlist, its storage quota (through /quotas, read back) and optionally a proxy-cache
// registry. Replaced when `name` or `registryId` changes. `forceDestroy` empties the repositories before deleting;
// without it a non-empty project is refused with a clear message.
//
// Harbor quirks handled (see harbor/README.md, Project): metadata values are strings and a missing key means
// the default (normalised both ways, so refresh shows no phantom diff); POST ignores the CVE allowlist (a PUT
// follows); PUT cannot change the quota (PUT /quotas/{id} does); storage_limit on create is ignored for a
// non-admin (storage_per_project applies) and, with per-project quotas off, dropped with NO quota created
// (src/server/v2.0/handler/project.go, CreateProject); /quotas needs a system admin (handler/quota.go), so a
// project-admin or robot connection never reads or writes quotas (storageQuotaGiB must then stay -1).
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, repoSeg, seg } from "./client";
import { boolField, numberField, oneOfField, stringField, stringListField } from "./fields";
import { isForbidden, projectExists, readInProject, deleteInProject, systemAdminRequired } from "./projectAccess";
import { adoptExisting, changedFields, DeclaredProvider, deepEqual, HARBOR_NAME_RE, partialCreateError, pick, requireState } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { AdoptableArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "./schema";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

const GIB = 2 ** 30;
/** Harbor's limit: 1024 TiB = 1125899906842624 bytes (lib/quota_storage_limit.go ValidateQuotaLimit, types.MaxLimitedValue). */
const MAX_GIB = 1024 * 1024;
const CVE_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** The declaration: check, diff, types and the README table come from here. */
export const PROJECT = declareResource({
    type: "Project",
    // A same-name replacement deletes first (project names are unique).
    deleteBeforeReplace: (o, n) => o.name === n.name,
    inputs: {
        // Harbor: pkg/project/manager.go Create (validProjectName, 1-255 characters); swagger ProjectReq maxLength 255.
        name: requiredInput(
            stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "use lower-case letters and digits, separated by single '.', '_' or '-'" }),
            "`project_name`; a new name replaces the project (deleting first: names are unique).",
            { replaces: true },
        ),
        public: input(boolField(false), "Anyone may pull (metadata `public`)."),
        // Harbor: lib/quota_storage_limit.go ValidateQuotaLimit (-1, or 1 byte to 1024 TiB), via handler/project.go validateProjectReq.
        storageQuotaGiB: input(
            numberField({ default: -1, integer: false, min: 0.001, max: MAX_GIB, allowed: [-1], hint: "GiB, -1 for unlimited" }),
            "Storage quota in GiB, -1 = unlimited: `/quotas/{id}` `hard.storage` (bytes), read back.",
        ),
        autoScan: input(boolField(false), "Scan images on push (metadata `auto_scan`)."),
        preventVulnerable: input(boolField(false), "Block pulls of images with vulnerabilities at or above `severity` (metadata `prevent_vul`)."),
        severity: input(oneOfField(SEVERITIES, { default: "low" }), "The severity `preventVulnerable` blocks from (metadata `severity`)."),
        cosignEnforced: input(boolField(false), "Only allow pulls of cosign-signed images (metadata `enable_content_trust_cosign`)."),
        autoSbom: input(boolField(false), "Generate an SBOM on push (metadata `auto_sbom_generation`)."),
        // Harbor: pkg/allowlist/validator.go Validate (no empty id, no duplicate): ids are trimmed, sorted and unique here.
        cveAllowlist: optionalInput(
            stringListField({ pattern: CVE_RE, patternHint: "expected a CVE id such as CVE-2024-12345", normalise: true }),
            "The project's own CVE allowlist (`cve_allowlist.items`, sorted, unique); unset = reuse the system allowlist, `[]` = an own empty list.",
        ),
        // Harbor: handler/project.go validateProjectReq (registry_id > 0).
        registryId: optionalInput(
            numberField({ min: 1, hint: "the id of a registry endpoint (Registry.registryId)" }),
            "Makes it a proxy-cache project of this registry endpoint (`registry_id`); a change replaces the project (deleting first).",
            { replaces: true },
        ),
        forceDestroy: input(boolField(false), "On delete, delete every repository first; without it a non-empty project is refused."),
    },
    outputs: {
        projectId: { doc: "Harbor's numeric project id." },
        quotaId: { doc: "Id of the project's quota (0 when Harbor keeps none)." },
    },
    adoptable: true,
});

export type ProjectInputs = InputsOf<typeof PROJECT.spec.inputs> & {
    /** Take over the existing object of the same identity instead of failing on it (harbor/README.md "Adoption"). */
    adopt?: boolean;
};

export interface ProjectOutputs extends ProjectInputs {
    projectId: number;
    quotaId: number;
}

const META_FIELDS = ["public", "autoScan", "preventVulnerable", "severity", "cosignEnforced", "autoSbom", "cveAllowlist"] as const;
const INPUT_KEYS = ["connection", ...PROJECT.managed] as const;

/** Wire shapes (subset of the swagger's Project / Quota). */
interface ApiProject {
    project_id: number;
    name: string;
    registry_id?: number;
    repo_count?: number;
    metadata?: Record<string, string | undefined>;
    cve_allowlist?: { items?: { cve_id?: string }[] };
}
interface ApiQuota {
    id: number;
    hard?: { storage?: number };
}
interface ApiRepository {
    name: string;
}

const bytesOf = (gib: number) => (gib === -1 ? -1 : Math.round(gib * GIB));
const gibOf = (bytes: number | undefined) => (bytes === undefined || bytes < 0 ? -1 : bytes / GIB);

/** Inputs -> Harbor metadata (every managed key, as strings). */
function toMetadata(p: ProjectInputs): Record<string, string> {
    return {
        public: String(p.public),
        auto_scan: String(p.autoScan),
        prevent_vul: String(p.preventVulnerable),
        severity: p.severity,
        enable_content_trust_cosign: String(p.cosignEnforced),
        auto_sbom_generation: String(p.autoSbom),
        reuse_sys_cve_allowlist: String(p.cveAllowlist === undefined),
    };
}

/** Harbor project + quota -> managed fields, with Harbor's defaults for missing metadata keys. */
function fromHarbor(project: ApiProject, quota: ApiQuota | undefined): Omit<ProjectInputs, "connection" | "forceDestroy"> {
    const m = project.metadata ?? {};
    const flag = (key: string, dflt: boolean) => (m[key] === undefined || m[key] === "" ? dflt : m[key]!.toLowerCase() === "true");
    const reuse = flag("reuse_sys_cve_allowlist", true);
    return {
        name: project.name,
        public: flag("public", false),
        storageQuotaGiB: gibOf(quota?.hard?.storage),
        autoScan: flag("auto_scan", false),
        preventVulnerable: flag("prevent_vul", false),
        severity: (m.severity || "low") as Severity,
        cosignEnforced: flag("enable_content_trust_cosign", false),
        autoSbom: flag("auto_sbom_generation", false),
        cveAllowlist: reuse ? undefined : [...new Set((project.cve_allowlist?.items ?? []).map((i) => i.cve_id ?? ""))].sort(),
        registryId: project.registry_id ? project.registry_id : undefined,
    };
}

/** What GET /quotas says about a project's quota: the quota, none (per-project quotas off), or not allowed to ask. */
type QuotaLookup = ApiQuota | "none" | "forbidden";

/** storageQuotaGiB cannot be honoured: per-project quotas are off (no quota exists) or the user may not set quotas. */
function quotaRefusal(what: "none" | "forbidden", gib: number, user: string, err?: HarborApiError): Error {
    if (what === "none") {
        return new Error(
            `storageQuotaGiB is ${gib}, but Harbor has per-project quotas switched off (configuration quota_per_project_enable = false): ` +
                `Harbor ignores the project's storage limit and keeps no quota for it. Switch per-project quotas on in Harbor, or remove storageQuotaGiB (-1 = unlimited).`,
        );
    }
    return systemAdminRequired(
        err ?? new HarborApiError({ status: 403, code: "FORBIDDEN", detail: user, method: "GET", path: "/api/v2.0/quotas", attempts: 1 }),
        user,
        `storageQuotaGiB (${gib}) needs to read and set the project's quota, which`,
    );
}

const allowlistBody = (projectId: number, cves: string[] | undefined) => ({ project_id: projectId, items: (cves ?? []).map((cve_id) => ({ cve_id })) });

export class ProjectProvider extends DeclaredProvider<ProjectInputs, ProjectOutputs> implements pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> {
    protected readonly declaration = PROJECT;

    async create(inputs: ProjectInputs): Promise<pulumi.dynamic.CreateResult<ProjectOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            if (inputs.adopt) {
                // adopt: the project of this name becomes this resource; its metadata, allowlist and quota converge.
                const existing = await c.find<ApiProject>(`/projects/${seg(inputs.name)}`, { byName: true });
                const adopted = existing && (await adoptExisting<ProjectInputs, ProjectOutputs>("project", this, String(existing.project_id), inputs, { projectId: existing.project_id, quotaId: 0 }, ["registryId"]));
                if (adopted) return adopted;
            }
            const created = await c.create(
                "/projects",
                {
                    project_name: inputs.name,
                    metadata: toMetadata(inputs),
                    storage_limit: bytesOf(inputs.storageQuotaGiB),
                    ...(inputs.registryId !== undefined ? { registry_id: inputs.registryId } : {}),
                },
                // A retry must not create a second project: look it up by name first.
                { probe: async () => (await c.find<ApiProject>(`/projects/${seg(inputs.name)}`, { byName: true }))?.project_id },
            );
            const projectId = Number(created.id);
            const user = inputs.connection.username;
            // What Harbor holds so far, and only that (a partial create records it, so the next update applies the
            // rest): the POST's metadata, an own allowlist still EMPTY (POST never applies one), no verified quota.
            const partial: ProjectOutputs = { ...inputs, cveAllowlist: inputs.cveAllowlist === undefined ? undefined : [], storageQuotaGiB: -1, projectId, quotaId: 0 };
            try {
                // POST ignores the allowlist; a retry that adopted the project re-applies the metadata too.
                if (created.adopted || (inputs.cveAllowlist?.length ?? 0) > 0) {
                    await c.put(`/projects/${projectId}`, {
                        metadata: toMetadata(inputs),
                        ...(inputs.cveAllowlist !== undefined ? { cve_allowlist: allowlistBody(projectId, inputs.cveAllowlist) } : {}),
                    });
                }
                partial.cveAllowlist = inputs.cveAllowlist;
                // storage_limit is ignored for non-admins and when per-project quotas are off: verify, and correct it.
                const quota = await this.lookupQuota(c, projectId);
                if (quota === "none" || quota === "forbidden") {
                    if (inputs.storageQuotaGiB !== -1) throw quotaRefusal(quota, inputs.storageQuotaGiB, user);
                } else {
                    partial.quotaId = quota.id;
                    partial.storageQuotaGiB = gibOf(quota.hard?.storage);
                    if (quota.hard?.storage !== bytesOf(inputs.storageQuotaGiB)) await this.putQuota(c, user, quota.id, inputs.storageQuotaGiB);
                    partial.storageQuotaGiB = inputs.storageQuotaGiB;
                }
                return { id: String(projectId), outs: partial };
            } catch (err) {
                throw partialCreateError(String(projectId), partial as unknown as Record<string, unknown>, err);
            }
        });
    }

    /** Two requests: the project (metadata, allowlist, registry) and its quota. */
    async read(id: string, state?: ProjectOutputs): Promise<pulumi.dynamic.ReadResult<ProjectOutputs>> {
        const props = requireState(state, "Project");
        return this.withClient(props.connection, (c) =>
            // A non-admin gets 403, not 404, for a project that is gone: readInProject asks whether it still exists.
            readInProject(c, props.connection.username, props.name, async () => {
                const project = await c.get<ApiProject>(`/projects/${seg(id)}`);
                const quota = await this.lookupQuota(c, project.project_id);
                const outs: ProjectOutputs = {
                    ...fromHarbor(project, typeof quota === "object" ? quota : undefined),
                    connection: props.connection,
                    forceDestroy: props.forceDestroy ?? false,
                    projectId: project.project_id,
                    quotaId: typeof quota === "object" ? quota.id : quota === "none" ? 0 : props.quotaId,
                };
                // Not allowed to read quotas (not a system admin): the quota is not managed, keep what state says.
                if (quota === "forbidden") outs.storageQuotaGiB = props.storageQuotaGiB;
                return { id: String(project.project_id), props: outs, inputs: pick(outs, INPUT_KEYS) as ProjectOutputs };
            }),
        );
    }

    /** Only what changed: one PUT for metadata/allowlist, one PUT for the quota; forceDestroy alone costs nothing. */
    async update(id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.UpdateResult<ProjectOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const projectId = Number(id);
            if (changedFields(olds, news, META_FIELDS).length > 0) {
                const allowlistChanged = !deepEqual(olds.cveAllowlist, news.cveAllowlist);
                await c.put(`/projects/${projectId}`, {
                    metadata: toMetadata(news),
                    ...(allowlistChanged ? { cve_allowlist: allowlistBody(projectId, news.cveAllowlist) } : {}),
                });
            }
            let quotaId = olds.quotaId;
            if (olds.storageQuotaGiB !== news.storageQuotaGiB) {
                if (!quotaId) {
                    const quota = await this.lookupQuota(c, projectId);
                    if (quota === "none" || quota === "forbidden") throw quotaRefusal(quota, news.storageQuotaGiB, news.connection.username);
                    quotaId = quota.id;
                }
                await this.putQuota(c, news.connection.username, quotaId, news.storageQuotaGiB);
            }
            return { outs: { ...news, projectId, quotaId } };
        });
    }

    async delete(id: string, props: ProjectOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            // Repositories can be pushed while we empty the project: a few rounds, then give up with Harbor's word.
            for (let round = 1; ; round++) {
                if (props.forceDestroy && !(await this.emptyRepositories(c, props.name))) return; // project already gone
                try {
                    // 404, or a non-admin's 403 for a project that no longer exists = already gone.
                    await deleteInProject(c, props.connection.username, props.name, `/projects/${seg(id)}`);
                    return;
                } catch (err) {
                    if (!(err instanceof HarborApiError) || err.status !== 412) throw err;
                    if (!props.forceDestroy) {
                        throw new Error(
                            `Harbor refuses to delete project "${props.name}" because it still contains repositories (${err.detail}). ` +
                                `Delete them first, or set forceDestroy: true to let Pulumi delete every repository in it.`,
                        );
                    }
                    if (round >= 3) throw new Error(`project "${props.name}" kept receiving repositories while being emptied: ${err.message}`);
                }
            }
        });
    }

    /** Delete every repository of the project; false when the project is already gone. */
    private async emptyRepositories(c: HarborClient, projectName: string): Promise<boolean> {
        let repos: ApiRepository[];
        try {
            repos = await c.list<ApiRepository>(`/projects/${seg(projectName)}/repositories`);
        } catch (err) {
            if (err instanceof HarborApiError && err.status === 404) return false;
            if (isForbidden(err) && !(await projectExists(c, projectName))) return false; // a non-admin's "gone"
            throw err;
        }
        for (const r of repos) {
            const short = r.name.startsWith(`${projectName}/`) ? r.name.slice(projectName.length + 1) : r.name;
            await c.delete(`/projects/${seg(projectName)}/repositories/${repoSeg(short)}`);
        }
        return true;
    }

    /** The project's quota; "none" when Harbor keeps none (per-project quotas off); "forbidden" for a non-admin. */
    private async lookupQuota(c: HarborClient, projectId: number): Promise<QuotaLookup> {
        try {
            const quotas = await c.get<ApiQuota[]>("/quotas", { query: { reference: "project", reference_id: String(projectId) } });
            return quotas?.[0] ?? "none";
        } catch (err) {
            if (isForbidden(err)) return "forbidden";
            throw err;
        }
    }

    private async putQuota(c: HarborClient, user: string, quotaId: number, gib: number): Promise<void> {
        try {
            await c.put(`/quotas/${quotaId}`, { hard: { storage: bytesOf(gib) } });
        } catch (err) {
            if (isForbidden(err)) throw quotaRefusal("forbidden", gib, user, err);
            throw err;
        }
    }
}

/** The provider every Project uses, in the dynamic-provider host (harbor/hosted.ts). */
export const projectProvider = new ProjectProvider();

export type ProjectArgs = AdoptableArgsOf<typeof PROJECT.spec.inputs>;

/** A Harbor project. */
export class Project extends HarborResource {
    /** Harbor's numeric project id. */
    declare readonly projectId: pulumi.Output<number>;
    /** Id of the project's quota object. */
    declare readonly quotaId: pulumi.Output<number>;

    constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(PROJECT.type, name, dynamicProps(args, PROJECT.outputNames), opts);
    }
}
