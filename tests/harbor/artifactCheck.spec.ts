import { strict as assert } from "assert";
import { ArtifactCheckOutputs, ArtifactCheckProvider, gateFindings } from "../../harbor/artifactCheck";
import { projectsArea } from "../emulator";
import { artifactsArea } from "../emulator/areas/artifacts";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { engineProvider } from "../helpers/engine";
import { providerKit } from "../helpers/providerKit";

const DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

describe("harbor/ArtifactCheck (post-push verification and release gate)", () => {
    const h = useHarborEmulator();
    let slept: number[] = [];
    let clock = 0;
    const p = new ArtifactCheckProvider({
        client: FAST_CLIENT,
        sleep: async (ms) => { slept.push(ms); clock += ms; },
        now: () => clock,
    });
    const artifacts = () => h.emu.area(artifactsArea);
    beforeEach(() => {
        slept = [];
        clock = 0;
        h.emu.area(projectsArea).seed("dev-team");
    });

    const { checked, failuresOf } = providerKit(h, p, { project: "dev-team", repository: "go-app", digest: DIGEST });

    describe("check", () => {
        it("applies defaults (gate off, 600 s timeout, scan on request)", async () => {
            const i = await checked();
            assert.deepEqual({ ...i, connection: undefined }, {
                connection: undefined, project: "dev-team", repository: "go-app", digest: DIGEST, tags: [], scanGate: "off",
                scanTimeoutSeconds: 600, scanIntervalSeconds: 10, requestScan: true, requireSignature: false, signaturePublicKey: "",
            });
        });

        it("rejects a bad digest, gate, tag and repository, naming each; makes no request", async () => {
            const byProp = await failuresOf({ project: "Dev", repository: "Go App", digest: "v1.0.0", scanGate: "severe", tags: ["sha-1", "bad tag"] });
            assert.match(byProp.digest, /sha256:<64 hex/);
            assert.match(byProp.scanGate, /one of off, low, medium, high, critical, got "severe"/);
            assert.match(byProp["tags[1]"], /Docker tag/);
            assert.match(byProp.project, /project name/);
            assert.match(byProp.repository, /repository name/);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("Harbor's own limits (v2.15.2)", () => {
        it("refuses a <project>/<repository> longer than 255 characters (Harbor's repository.name varchar(255)), naming repository", async () => {
            const byProp = await failuresOf({ project: "p".repeat(200), repository: "r".repeat(60), digest: DIGEST });
            assert.match(byProp.repository, /"<project>\/<repository>" must be at most 255 characters, got 261/);
            assert.deepEqual(Object.keys(await failuresOf({ project: "p".repeat(200), repository: "r".repeat(54), digest: DIGEST })), []);
        });

        it("refuses a tag Harbor's tag controller refuses (isValidTag: the OCI tag grammar, at most 128)", async () => {
            const byProp = await failuresOf({ project: "dev-team", repository: "go-app", digest: DIGEST, tags: [".hidden", `v${"1".repeat(128)}`, "v1.0_rc-1"] });
            assert.match(byProp["tags[0]"], /Docker tag/);
            assert.match(byProp["tags[1]"], /Docker tag/);
            assert.deepEqual(Object.keys(byProp), ["tags[0]", "tags[1]"]);
        });
    });

    describe("post-push verification", () => {
        it("passes when the artifact with that digest is in the project: one GET, the documented path", async () => {
            artifacts().push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
            const inputs = await checked();
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["getArtifact"]);
            assert.equal(calls[0].path, `/projects/dev-team/repositories/go-app/artifacts/${encodeURIComponent(DIGEST)}`);
            assert.equal(result.outs!.artifactId, artifacts().find("dev-team", "go-app", DIGEST)!.id);
            assert.equal(result.outs!.scanStatus, "");
        });

        it("fails with a clear message when the digest is not in the project (wrong project, lost push)", async () => {
            artifacts().push("dev-team", "go-app", { digest: OTHER, tags: ["v1.0.0"] });
            const err = await rejection(p.create(await checked()));
            assert.match(err.message, /post-push check failed: Harbor has no artifact dev-team\/go-app@sha256:a{64}/);
            assert.match(err.message, /did not land in project "dev-team"/);
        });

        it("adds the sha-<commit> tag to the same artifact, once; a repeat is a no-op", async () => {
            artifacts().push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
            const inputs = await checked({ tags: ["sha-0123abc"] });
            const ops = await h.opsDuring(() => p.create(inputs));
            assert.deepEqual(ops, ["getArtifact", "createTag"]);
            assert.deepEqual(artifacts().find("dev-team", "go-app", DIGEST)!.tags, ["v1.0.0", "sha-0123abc"]);
            assert.deepEqual(await h.opsDuring(() => p.create(inputs)), ["getArtifact"]);
        });

        it("a tag already on another artifact is a tag conflict naming both digests", async () => {
            artifacts().push("dev-team", "go-app", { digest: OTHER, tags: ["sha-0123abc"] });
            artifacts().push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
            const err = await rejection(p.create(await checked({ tags: ["sha-0123abc"] })));
            assert.match(err.message, /tag conflict: dev-team\/go-app:sha-0123abc already points to sha256:b{64}, not to sha256:a{64}/);
            h.emu.takeViolations(); // the 409 is the point of this test
        });
    });

    describe("release gate", () => {
        it("waits for a running scan, then passes when nothing reaches the gate; counts are outputs", async () => {
            artifacts().push("dev-team", "go-app", {
                digest: DIGEST, tags: ["v1.0.0"], scan: { status: "Running", pollsLeft: 2, final: "Success", summary: { Medium: 3, Low: 5 } },
            });
            const inputs = await checked({ scanGate: "high", scanIntervalSeconds: 2 });
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["getArtifact", "getArtifact", "getArtifact"]);
            assert.ok(calls.every((c) => c.query.with_scan_overview === "true"));
            assert.deepEqual(slept, [2000, 2000]);
            assert.equal(result.outs!.scanStatus, "Success");
            assert.deepEqual(result.outs!.vulnerabilities, { Medium: 3, Low: 5 });
        });

        it("fails the deployment with counts by severity when vulnerabilities at or above the gate are found", async () => {
            artifacts().push("dev-team", "go-app", {
                digest: DIGEST, tags: ["v1.0.0"], scan: { status: "Success", pollsLeft: 0, final: "Success", summary: { Critical: 1, High: 2, Medium: 7, Low: 0 } },
            });
            const err = await rejection(p.create(await checked({ scanGate: "high" })));
            assert.match(err.message, /^release gate: dev-team\/go-app@sha256:a{64} has vulnerabilities at or above high: Critical 1, High 2 \(all findings: Critical 1, High 2, Medium 7\)/);
            assert.match(err.message, /cveAllowlist/);
        });

        it("the gate is inclusive and ordered: medium blocks Medium, critical does not block High", () => {
            assert.deepEqual(gateFindings({ Medium: 1 }, "medium").blocking, [["Medium", 1]]);
            assert.deepEqual(gateFindings({ High: 4, Unknown: 2 }, "critical").blocking, []);
            assert.deepEqual(gateFindings({ Low: 1, Unknown: 9 }, "low").blocking, [["Low", 1]]);
        });

        it("asks Harbor to scan an unscanned artifact (once), then gates on the result", async () => {
            artifacts().push("dev-team", "go-app", {
                digest: DIGEST, tags: ["v1.0.0"], onScanRequest: { pollsLeft: 1, final: "Success", summary: { Critical: 2 } },
            });
            const inputs = await checked({ scanGate: "critical", scanIntervalSeconds: 1 });
            const { result: err, calls } = await h.during(() => rejection(p.create(inputs)));
            assert.deepEqual(calls.map((c) => c.operationId), ["getArtifact", "scanArtifact", "getArtifact", "getArtifact"]);
            assert.deepEqual(calls[1].body, { scan_type: "vulnerability" });
            assert.equal(artifacts().scanRequests, 1);
            assert.match(err.message, /at or above critical: Critical 2/);
        });

        it("gives up after scanTimeoutSeconds with the last status", async () => {
            artifacts().push("dev-team", "go-app", {
                digest: DIGEST, tags: ["v1.0.0"], scan: { status: "Running", pollsLeft: 1000, final: "Success", summary: {} },
            });
            const err = await rejection(p.create(await checked({ scanGate: "low", scanTimeoutSeconds: 30, scanIntervalSeconds: 10 })));
            assert.match(err.message, /did not finish within 30 s \(4 checks; last status: Running\)/);
            assert.deepEqual(slept, [10_000, 10_000, 10_000]);
        });

        it("a scan that ended in Error fails with that status", async () => {
            artifacts().push("dev-team", "go-app", {
                digest: DIGEST, scan: { status: "Error", pollsLeft: 0, final: "Error", summary: {} },
            });
            const err = await rejection(p.create(await checked({ scanGate: "high" })));
            assert.match(err.message, /ended with status Error/);
        });
    });

    describe("diff, read, delete", () => {
        it("any change re-runs the check (replace); the same inputs are a free no-op", async () => {
            const olds = { ...(await checked()), artifactId: 1, scanStatus: "", vulnerabilities: {} } as ArtifactCheckOutputs;
            const { result, calls } = await h.during(async () => [
                await p.diff("x", olds, await checked()),
                await p.diff("x", olds, await checked({ digest: OTHER })),
            ]);
            assert.equal(calls.length, 0);
            assert.equal(result[0].changes, false);
            assert.deepEqual(result[1].replaces, ["digest"]);
        });

        it("read: a deleted artifact is gone; a removed extra tag shows as drift", async () => {
            artifacts().push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
            const inputs = await checked({ tags: ["sha-0123abc"] });
            const { id, outs } = await p.create(inputs);
            const rec = artifacts().find("dev-team", "go-app", DIGEST)!;
            rec.tags = ["v1.0.0"];
            const drifted = await p.read(id, outs);
            assert.deepEqual(drifted.props!.tags, []);
            artifacts().repos.set("dev-team/go-app", []);
            assert.equal((await p.read(id, outs)).id, "");
            await p.delete();
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        artifacts().push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
        const engine = await engineProvider("ArtifactCheck");
        const r = await engine.create(await checked({}, engine as never));
        assert.ok((r.outs as { artifactId: number }).artifactId > 0);
    });
});
