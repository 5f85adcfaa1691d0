// ArtifactCheck: the post-push verification of an image, and its release gate.
//
// After `docker push`, asks Harbor's API whether the artifact with exactly that digest is in the project
// (GET /projects/{p}/repositories/{r}/artifacts/{digest}), adds extra tags to that same artifact (e.g. `sha-<commit>`:
// same digest by construction, no second push), and, when `scanGate` is a severity, waits for the artifact's
// vulnerability scan (asking Harbor to scan it if no report exists) and fails the deployment when vulnerabilities at
// or above that severity are found, with the counts by severity in the message. With `requireSignature`, the release
// also fails unless the artifact has a cosign signature accessory (GET ...?with_accessory=true, type
// `signature.cosign`) whose signature manifest (fetched through the registry API) verifies against
// `signaturePublicKey` and signs exactly this digest (./cosign.ts).
//
// Nothing is deleted with it (the artifact belongs to the registry's lifecycle: retention, not Pulumi). Any change of
// an input re-runs the check (replace), so a new digest is always verified and gated.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, repoSeg, seg } from "./client";
import { boolField, numberField, oneOfField, stringField, stringListField } from "./fields";
import { DeclaredProvider, HARBOR_NAME_RE, HarborProviderOptions, pick } from "./provider";
import { PollClock, PollResult, pollUntil } from "./poll";
import { checkSignatureLayer, HARBOR_COSIGN_ACCESSORY, OCI_MANIFEST_MEDIA_TYPE, OciManifest } from "./cosign";
import { RegistryClient } from "./ociRegistry";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, input, InputsOf, requiredInput } from "./schema";

/** Severities in ascending order, as the gate setting names them. */
export const GATE_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type GateSeverity = (typeof GATE_SEVERITIES)[number];
export type ScanGate = GateSeverity | "off";

/** Harbor's severity names in the scan summary, ascending; each maps to the gate level it counts for. */
const HARBOR_SEVERITY_LEVEL: Record<string, number> = {
    None: -1, Unknown: -1, Negligible: -1, Low: 0, Medium: 1, High: 2, Critical: 3,
};

const IN_PROGRESS = ["Pending", "Running", "Scheduled"];
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const REPO_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Harbor: repository.name, which holds `<project>/<repository>`, is varchar(255) (migrations/postgresql/0001_initial_schema.up.sql). */
const MAX_FULL_NAME = 255;

/** The rule of a full repository name (ArtifactCheck, ImageSignature): a longer one cannot exist in Harbor. */
export function fullNameRule(i: { project?: unknown; repository?: unknown }, fail: (property: string, reason: string) => void): void {
    if (typeof i.project !== "string" || typeof i.repository !== "string") return;
    const length = `${i.project}/${i.repository}`.length;
    if (length > MAX_FULL_NAME) {
        fail("repository", `repository: "<project>/<repository>" must be at most ${MAX_FULL_NAME} characters, got ${length} (Harbor stores the full name in a varchar(255); such an artifact cannot exist)`);
    }
}

/** The declaration: check, diff, types and the README table come from here. Every input replaces (a check re-runs). */
export const ARTIFACT_CHECK = declareResource({
    type: "ArtifactCheck",
    inputs: {
        project: requiredInput(stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "a Harbor project name (lower-case letters and digits separated by '.', '_' or '-')" }),
            "The project (by name).", { replaces: true }),
        repository: requiredInput(stringField({ required: true, maxLength: 255, pattern: REPO_RE, patternHint: "a repository name inside the project, e.g. go-app or team/go-app" }),
            "Repository inside the project (e.g. `go-app`), without the project prefix.", { replaces: true }),
        digest: requiredInput(stringField({ required: true, pattern: DIGEST_RE, patternHint: "the pushed manifest digest, sha256:<64 hex characters>" }),
            "The pushed manifest digest, e.g. from docker.Image's repoDigest.", { replaces: true }),
        // Harbor: controller/tag/controller.go Create -> isValidTag (tagNamePattern, the OCI tag grammar) is TAG_RE.
        tags: input(stringListField({ default: [], pattern: TAG_RE, patternHint: "a Docker tag (letters, digits, '_', '.', '-'; at most 128)", normalise: true }),
            "Tags to add to this artifact (`POST .../tags` for each it lacks; sorted, unique).", { replaces: true }),
        scanGate: input(oneOfField<ScanGate>(["off", ...GATE_SEVERITIES], { default: "off" }),
            "Fail when `scan_overview` counts any finding at or above this severity; `off` = no scan wait.", { replaces: true }),
        scanTimeoutSeconds: input(numberField({ default: 600, integer: false, min: 0.001, max: 86_400 }), "How long to wait for the scan.", { replaces: true }),
        scanIntervalSeconds: input(numberField({ default: 10, integer: false, min: 0.001, max: 3600 }), "Seconds between scan status checks.", { replaces: true }),
        requestScan: input(boolField(true), "`POST .../scan` once when no report exists.", { replaces: true }),
        requireSignature: input(boolField(false), "Fail unless a cosign signature of `digest` verifies against `signaturePublicKey`.", { replaces: true }),
        signaturePublicKey: input(stringField({ default: "", text: true }), "SPKI PEM public key the signature must verify against (required with `requireSignature`).", { replaces: true }),
    },
    outputs: {
        artifactId: { doc: "Harbor's artifact id." },
        scanStatus: { doc: "Harbor's scan status (`Success`, ...), or `\"\"` when the gate is off and no scan ran." },
        vulnerabilities: { doc: "Vulnerability counts by Harbor severity (Critical, High, ...)." },
    },
    rules: (i, fail) => {
        if (i.requireSignature === true && i.signaturePublicKey === "") {
            fail("signaturePublicKey", "signaturePublicKey is required when requireSignature is true (the public key the signature must verify against)");
        }
        fullNameRule(i, fail);
    },
});

export type ArtifactCheckInputs = InputsOf<typeof ARTIFACT_CHECK.spec.inputs>;
export type ArtifactCheckArgs = ArgsOf<typeof ARTIFACT_CHECK.spec.inputs>;

export interface ArtifactCheckOutputs extends ArtifactCheckInputs {
    artifactId: number;
    /** Harbor's scan status ("Success", ...), or "" when the gate is off and no scan ran. */
    scanStatus: string;
    /** Vulnerability counts by Harbor severity (Critical, High, ...). */
    vulnerabilities: Record<string, number>;
}

const INPUT_KEYS = ["connection", ...ARTIFACT_CHECK.managed] as const;

interface ApiReportSummary {
    scan_status?: string;
    severity?: string;
    summary?: { total?: number; fixable?: number; summary?: Record<string, number> };
}
interface ApiArtifact {
    id: number;
    digest: string;
    tags?: { name: string }[] | null;
    scan_overview?: Record<string, ApiReportSummary> | null;
    accessories?: { digest: string; type: string }[] | null;
}

/** `sleep`/`now` are injected by tests. */
export interface ArtifactCheckProviderOptions extends HarborProviderOptions, PollClock {}

/** Blocking counts (severity at or above the gate), and every count, from a scan summary. */
export function gateFindings(counts: Record<string, number>, gate: GateSeverity): { blocking: [string, number][]; all: [string, number][] } {
    const level = GATE_SEVERITIES.indexOf(gate);
    const all = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .sort((a, b) => (HARBOR_SEVERITY_LEVEL[b[0]] ?? -1) - (HARBOR_SEVERITY_LEVEL[a[0]] ?? -1));
    return { blocking: all.filter(([s]) => (HARBOR_SEVERITY_LEVEL[s] ?? -1) >= level), all };
}

const show = (pairs: [string, number][]) => pairs.map(([s, n]) => `${s} ${n}`).join(", ");

export class ArtifactCheckProvider extends DeclaredProvider<ArtifactCheckInputs, ArtifactCheckOutputs> implements pulumi.dynamic.ResourceProvider<ArtifactCheckInputs, ArtifactCheckOutputs> {
    constructor(protected readonly checkOptions: ArtifactCheckProviderOptions = {}) {
        super(checkOptions);
    }

    // Any change re-runs the verification (every input replaces): a check, not an object to update in place.
    protected readonly declaration = ARTIFACT_CHECK;

    async create(inputs: ArtifactCheckInputs): Promise<pulumi.dynamic.CreateResult<ArtifactCheckOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const where = `${inputs.project}/${inputs.repository}@${inputs.digest}`;
            let artifact = await c.find<ApiArtifact>(this.artifactPath(inputs, inputs.digest), { query: { with_scan_overview: true } });
            if (!artifact) {
                throw new Error(
                    `post-push check failed: Harbor has no artifact ${where}. The push did not land in project "${inputs.project}" ` +
                        `(wrong project in the image name, the project was deleted, or the push went to another registry).`,
                );
            }
            for (const tag of inputs.tags) await this.ensureTag(c, inputs, artifact, tag);
            if (inputs.requireSignature) await this.verifySignature(c, inputs);
            let scanStatus = "";
            let vulnerabilities: Record<string, number> = {};
            if (inputs.scanGate !== "off") {
                const report = await this.waitForScan(c, inputs, artifact);
                artifact = report.artifact;
                scanStatus = report.summary.scan_status ?? "";
                vulnerabilities = { ...(report.summary.summary?.summary ?? {}) };
                const { blocking, all } = gateFindings(vulnerabilities, inputs.scanGate);
                if (blocking.length > 0) {
                    throw new Error(
                        `release gate: ${where} has vulnerabilities at or above ${inputs.scanGate}: ${show(blocking)} ` +
                            `(all findings: ${show(all)}). Fix them and push a new version, allowlist accepted CVEs in the project's cveAllowlist, ` +
                            `or change images[].scanGate.`,
                    );
                }
            }
            return { id: `${inputs.project}/${inputs.repository}@${inputs.digest}`, outs: { ...inputs, artifactId: artifact.id, scanStatus, vulnerabilities } };
        });
    }

    /** One GET: the artifact still there (else gone), and its current scan status and counts. */
    async read(id: string, state?: ArtifactCheckOutputs): Promise<pulumi.dynamic.ReadResult<ArtifactCheckOutputs>> {
        return this.readState(state, async (c, props) => {
            const artifact = await c.get<ApiArtifact>(this.artifactPath(props, props.digest), { query: { with_scan_overview: true } });
            const summary = firstReport(artifact);
            const present = new Set((artifact.tags ?? []).map((t) => t.name));
            const outs: ArtifactCheckOutputs = {
                ...props,
                // A tag moved or deleted behind our back shows as a diff (and re-adds it on the next up).
                tags: props.tags.filter((t) => present.has(t)),
                artifactId: artifact.id,
                scanStatus: summary?.scan_status ?? props.scanStatus,
                vulnerabilities: summary?.summary?.summary ?? props.vulnerabilities,
            };
            return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as ArtifactCheckOutputs };
        });
    }

    /** Nothing to delete: the artifact's lifecycle is retention's job. */
    async delete(): Promise<void> {}

    private artifactPath(i: Pick<ArtifactCheckInputs, "project" | "repository">, reference: string): string {
        return `/projects/${seg(i.project)}/repositories/${repoSeg(i.repository)}/artifacts/${seg(reference)}`;
    }

    /**
     * The release gate on signatures: some `signature.cosign` accessory of the artifact verifies against the key.
     * Each accessory's manifest and payload come from the registry API with the same credentials.
     */
    private async verifySignature(c: HarborClient, i: ArtifactCheckInputs): Promise<void> {
        const where = `${i.project}/${i.repository}@${i.digest}`;
        const artifact = await c.get<ApiArtifact>(this.artifactPath(i, i.digest), { query: { with_accessory: true } });
        const signatures = (artifact.accessories ?? []).filter((a) => a.type === HARBOR_COSIGN_ACCESSORY);
        const reasons: string[] = [];
        if (signatures.length > 0) {
            const reg = new RegistryClient(i.connection, this.checkOptions.client);
            const name = `${i.project}/${i.repository}`;
            try {
                for (const acc of signatures) {
                    const m = await reg.getManifest(name, acc.digest, OCI_MANIFEST_MEDIA_TYPE);
                    if (!m) {
                        reasons.push(`${acc.digest}: the signature manifest is missing`);
                        continue;
                    }
                    const manifest = JSON.parse(m.body.toString("utf8")) as OciManifest;
                    for (const layer of manifest.layers ?? []) {
                        const verdict = checkSignatureLayer(await reg.getBlob(name, layer.digest), layer, i.digest, i.signaturePublicKey);
                        if (verdict.ok) return;
                        reasons.push(`${acc.digest}: ${verdict.reason}`);
                    }
                }
            } finally {
                await reg.close();
            }
        }
        throw new Error(
            `release gate: ${where} has no cosign signature that verifies against the stack's public key ` +
                `(${signatures.length === 0 ? "no signature.cosign accessory in Harbor" : reasons.join("; ")}). ` +
                `Project ${i.project} requires signed images (cosign): sign it with the stack's key (images are signed when they are pushed; ` +
                `see docs/security.md "Image signing"), or turn off projects[].cosign.`,
        );
    }

    /** Adds `tag` to the artifact unless it has it; a tag already on another artifact is a clear error. */
    private async ensureTag(c: HarborClient, i: ArtifactCheckInputs, artifact: ApiArtifact, tag: string): Promise<void> {
        if ((artifact.tags ?? []).some((t) => t.name === tag)) return;
        try {
            await c.request("POST", `${this.artifactPath(i, i.digest)}/tags`, { body: { name: tag } });
        } catch (err) {
            if (!(err instanceof HarborApiError) || (err.status !== 409 && err.status !== 412)) throw err;
            const holder = await c.find<ApiArtifact>(this.artifactPath(i, tag));
            if (holder?.digest === i.digest) return; // an earlier attempt added it
            throw new Error(
                `tag conflict: ${i.project}/${i.repository}:${tag} ${holder ? `already points to ${holder.digest}` : "cannot be added"}, not to ${i.digest} ` +
                    `(${err.status} ${err.code}: ${err.detail}). Tags are unique per repository and may be immutable; use a new version or commit.`,
            );
        }
    }

    private async waitForScan(c: HarborClient, i: ArtifactCheckInputs, first: ApiArtifact): Promise<{ artifact: ApiArtifact; summary: ApiReportSummary }> {
        const where = `${i.project}/${i.repository}@${i.digest}`;
        let requested = false;
        let status = "Not Scanned";
        return pollUntil(
            this.checkOptions,
            { timeoutMs: i.scanTimeoutSeconds * 1000, intervalMs: i.scanIntervalSeconds * 1000 },
            async (n): Promise<PollResult<{ artifact: ApiArtifact; summary: ApiReportSummary }>> => {
                const artifact = n === 1 ? first : await c.get<ApiArtifact>(this.artifactPath(i, i.digest), { query: { with_scan_overview: true } });
                const summary = firstReport(artifact);
                status = summary?.scan_status ?? "Not Scanned";
                if (status === "Success") return { done: true, value: { artifact, summary: summary! } };
                if (status === "Error" || status === "Stopped") {
                    throw new Error(`release gate: the vulnerability scan of ${where} ended with status ${status}; see the scan log in Harbor (project ${i.project} → ${i.repository}), then re-run.`);
                }
                if (!IN_PROGRESS.includes(status) && !requested) {
                    if (!i.requestScan) {
                        throw new Error(`release gate: ${where} has no vulnerability scan report and requestScan is off; turn on autoScan for project ${i.project} or allow requestScan.`);
                    }
                    await c.request("POST", `${this.artifactPath(i, i.digest)}/scan`, { body: { scan_type: "vulnerability" } });
                    requested = true;
                }
                return { done: false };
            },
            (checks) => new Error(`release gate: the vulnerability scan of ${where} did not finish within ${i.scanTimeoutSeconds} s (${checks} checks; last status: ${status}). Raise images[].scanTimeoutSeconds or check Harbor's job service and Trivy.`),
        );
    }
}

/** The vulnerability report summary (the scan overview is keyed by report MIME type; there is one per scanner). */
function firstReport(a: ApiArtifact): ApiReportSummary | undefined {
    const overview = a.scan_overview ?? {};
    const key = Object.keys(overview).find((k) => k.includes("vulnerability") || k.includes("vuln")) ?? Object.keys(overview)[0];
    return key === undefined ? undefined : overview[key];
}

/** The provider every ArtifactCheck uses, in the dynamic-provider host (harbor/hosted.ts). */
export const artifactCheckProvider = new ArtifactCheckProvider();

/** Verifies a pushed image through Harbor's API, tags it, and gates the release on its vulnerability scan. */
export class ArtifactCheck extends HarborResource {
    declare readonly artifactId: pulumi.Output<number>;
    declare readonly scanStatus: pulumi.Output<string>;
    declare readonly vulnerabilities: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: ArtifactCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(ARTIFACT_CHECK.type, name, dynamicProps(args, ARTIFACT_CHECK.outputNames), opts);
    }
}
