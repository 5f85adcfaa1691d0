// Artifacts of a repository: get by digest or tag (with the scan overview), add a tag, request a scan. Tests seed
// what a `docker push` would have made with `emu.area(artifactsArea).push(...)` and script the scan's progress.
// Server behaviours mirrored from Harbor v2.15:
// - the scan overview is keyed by the report MIME type and only present with `with_scan_overview=true`;
// - a tag name is unique in its repository (409 when it exists, on any artifact);
// - a scan request answers 202; the report then goes Pending → Running → Success/Error;
// - `with_accessory=true` adds `accessories`: the accessories whose subject is this artifact (src/controller/artifact/
//   controller.go, populateAccessories: accessory.Mgr.List by SubjectArtifactID); listAccessories pages the same list.
//   Accessories are recorded when a signature manifest is pushed (./distribution.ts).
import { badRequest, conflict, defineArea, EmuRequest, notFound, ok, paginate } from "../server";
import { projectsArea, resolveProject } from "./projects";

export const VULN_REPORT_MIME = "application/vnd.security.vulnerability.report; version=1.1";

export interface ScanScript {
    /** Status shown until `pollsLeft` reads have happened, then `final`. */
    status: "Not Scanned" | "Pending" | "Running" | "Success" | "Error";
    pollsLeft: number;
    final: "Success" | "Error" | "Stopped";
    /** Counts by Harbor severity (Critical, High, Medium, Low, Unknown). */
    summary: Record<string, number>;
}

export interface ArtifactRecord {
    id: number;
    digest: string;
    tags: string[];
    /** undefined = never scanned. */
    scan?: ScanScript;
    /** Used when a scan is requested for an unscanned artifact. */
    onScanRequest?: Omit<ScanScript, "status">;
    /** The manifest bytes and media type, when pushed through the registry API (./distribution.ts). */
    manifest?: { body: Buffer; mediaType: string };
    /** Accessories whose subject is this artifact (cosign signatures, ...). */
    accessories?: AccessoryRecord[];
    /** This artifact is the cosign signature of that digest. */
    signatureOf?: string;
}

/** Harbor's accessory (src/pkg/accessory/model/accessory.go AccessoryData, as the API shows it). */
export interface AccessoryRecord {
    id: number;
    /** The accessory's own artifact (e.g. the signature manifest). */
    artifactId: number;
    digest: string;
    size: number;
    /** e.g. signature.cosign */
    type: string;
}

export class ArtifactsState {
    /** "<project>/<repository>" → artifacts. */
    readonly repos = new Map<string, ArtifactRecord[]>();
    scanRequests = 0;

    constructor(private readonly emu: import("../server").HarborEmulator) {}

    /** What a docker push leaves behind (the project must exist). */
    push(project: string, repository: string, a: { digest: string; tags?: string[]; scan?: ScanScript; onScanRequest?: ArtifactRecord["onScanRequest"] }): ArtifactRecord {
        const projects = this.emu.area(projectsArea);
        const key = `${project}/${repository}`;
        if (!this.repos.has(key)) {
            this.repos.set(key, []);
            projects.addRepository(project, repository, 0);
        }
        const record: ArtifactRecord = { id: this.emu.nextId(), digest: a.digest, tags: [...(a.tags ?? [])], scan: a.scan, onScanRequest: a.onScanRequest };
        this.repos.get(key)!.push(record);
        const repo = projects.byName(project)!.repositories.get(repository)!;
        repo.artifactCount++;
        return record;
    }

    find(project: string, repository: string, reference: string): ArtifactRecord | undefined {
        const list = this.repos.get(`${project}/${repository}`) ?? [];
        return reference.startsWith("sha256:") ? list.find((a) => a.digest === reference) : list.find((a) => a.tags.includes(reference));
    }
}

function target(req: EmuRequest, state: ArtifactsState): { project: string; repository: string; artifact: ArtifactRecord } {
    const p = resolveProject(req);
    const once = req.params.repository_name;
    if (once.includes("/")) throw badRequest(`repository name "${once}" was encoded only once; names with "/" must be encoded twice (a%252Fb)`);
    const repository = decodeURIComponent(once);
    const artifact = state.find(p.name, repository, req.params.reference);
    if (!artifact) throw notFound(`artifact ${p.name}/${repository}@${req.params.reference}`);
    return { project: p.name, repository, artifact };
}

function accessoryView(project: string, repository: string, subject: ArtifactRecord, x: AccessoryRecord) {
    return {
        id: x.id, artifact_id: x.artifactId, subject_artifact_id: subject.id, subject_artifact_repo: `${project}/${repository}`,
        subject_artifact_digest: subject.digest, size: x.size, digest: x.digest, type: x.type, icon: "", creation_time: "2026-01-01T00:00:00.000Z",
    };
}

function view(project: string, repository: string, a: ArtifactRecord, withScan: boolean, withAccessory = false) {
    const body: Record<string, unknown> = {
        id: a.id, type: "IMAGE", digest: a.digest, repository_name: `${project}/${repository}`,
        media_type: "application/vnd.oci.image.manifest.v1+json", size: 1024, push_time: "2026-01-01T00:00:00.000Z",
        tags: a.tags.map((name, i) => ({ id: a.id * 100 + i, artifact_id: a.id, name, immutable: false })),
    };
    if (withScan && a.scan) {
        const done = a.scan.pollsLeft <= 0;
        const status = done ? a.scan.final : a.scan.status;
        const total = Object.values(a.scan.summary).reduce((x, y) => x + y, 0);
        body.scan_overview = {
            [VULN_REPORT_MIME]: {
                report_id: `report-${a.id}`, scan_status: status, complete_percent: done ? 100 : 0,
                ...(status === "Success" ? { summary: { total, fixable: 0, summary: a.scan.summary } } : {}),
            },
        };
        if (!done) a.scan.pollsLeft--;
    }
    if (withAccessory) body.accessories = (a.accessories ?? []).map((x) => accessoryView(project, repository, a, x));
    if (a.manifest) body.media_type = a.manifest.mediaType;
    return body;
}

export const artifactsArea = defineArea<ArtifactsState>({
    name: "artifacts",
    init: (emu) => {
        emu.area(projectsArea);
        return new ArtifactsState(emu);
    },
    handlers: (state) => ({
        getArtifact: (req) => {
            const { project, repository, artifact } = target(req, state);
            return ok(view(project, repository, artifact, req.query.get("with_scan_overview") === "true", req.query.get("with_accessory") === "true"));
        },
        listAccessories: (req) => {
            const { project, repository, artifact } = target(req, state);
            return paginate(req, (artifact.accessories ?? []).map((x) => accessoryView(project, repository, artifact, x)));
        },
        createTag: (req) => {
            const { project, repository, artifact } = target(req, state);
            const name = String((req.body as { name?: string }).name ?? "");
            if (state.find(project, repository, name)) throw conflict(`tag ${name} already exists in ${project}/${repository}`);
            artifact.tags.push(name);
            return { status: 201, headers: { Location: `/api/v2.0/projects/${project}/repositories/${repository}/artifacts/${artifact.digest}/tags/${name}` } };
        },
        scanArtifact: (req) => {
            const { artifact } = target(req, state);
            state.scanRequests++;
            const script = artifact.onScanRequest ?? { pollsLeft: 1, final: "Success" as const, summary: {} };
            artifact.scan = { status: "Pending", ...script };
            return { status: 202 };
        },
    }),
});
