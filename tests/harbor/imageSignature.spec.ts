// Image signing (issue 14 items 1-3): ImageSignature pushes a cosign-format signature through the registry API, Harbor
// (the emulator, citing Harbor's code) lists it as the artifact's signature.cosign accessory and serves the image
// from a cosign-enforcing project, and ArtifactCheck's signature gate accepts only a signature that verifies against
// the stack's public key.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { ArtifactCheckProvider } from "../../harbor/artifactCheck";
import {
    buildSignature, checkSignatureLayer, COSIGN_LAYER_MEDIA_TYPE, COSIGN_SIGNATURE_ANNOTATION, generateSigningKey, OciManifest, signatureTag, simpleSigningPayload,
} from "../../harbor/cosign";
import { ImageSignatureProvider } from "../../harbor/imageSignature";
import { RegistryClient } from "../../harbor/ociRegistry";
import { projectsArea } from "../emulator";
import { artifactsArea } from "../emulator/areas/artifacts";
import { auditLogsArea } from "../emulator/areas/auditlogs";
import { distributionArea } from "../emulator/areas/distribution";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";

const OCI = "application/vnd.oci.image.manifest.v1+json";
const digestOf = (b: Buffer) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

/** What `docker push` does, through the same registry API: a config and a layer blob, then the manifest under a tag. */
async function pushImage(conn: { url: string; username: string; password: string }, name: string, tag: string, content = "hello"): Promise<string> {
    const reg = new RegistryClient(conn);
    try {
        const layer = Buffer.from(content);
        const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [digestOf(layer)] } }));
        await reg.pushBlob(name, digestOf(layer), layer);
        await reg.pushBlob(name, digestOf(config), config);
        const manifest = Buffer.from(JSON.stringify({
            schemaVersion: 2, mediaType: OCI,
            config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: digestOf(config) },
            layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: layer.length, digest: digestOf(layer) }],
        }));
        return await reg.putManifest(name, tag, manifest, OCI);
    } finally {
        await reg.close();
    }
}

describe("image signing (cosign format, registry API, signature gate)", () => {
    const h = useHarborEmulator();
    const signer = new ImageSignatureProvider({ client: FAST_CLIENT });
    const checker = new ArtifactCheckProvider({ client: FAST_CLIENT, sleep: async () => undefined });
    const key = generateSigningKey();
    const other = generateSigningKey();
    beforeEach(() => {
        h.emu.area(projectsArea).seed("dev-team");
        h.emu.area(distributionArea).robots.set("robot$dev-team+ci", "robot-secret");
    });

    const signInputs = async (digest: string, privateKey = key.privateKeyPem) => {
        const r = await signer.check({} as never, { connection: h.connection(), project: "dev-team", repository: "go-app", digest, privateKey, registryUsername: "robot$dev-team+ci", registryPassword: "robot-secret" } as never);
        assert.deepEqual(r.failures ?? [], []);
        return r.inputs!;
    };
    const gateInputs = async (digest: string, publicKey = key.publicKeyPem) => {
        const r = await checker.check({} as never, { connection: h.connection(), project: "dev-team", repository: "go-app", digest, requireSignature: true, signaturePublicKey: publicKey } as never);
        assert.deepEqual(r.failures ?? [], []);
        return r.inputs!;
    };

    describe("the signature format (harbor/cosign.ts)", () => {
        it("signs the simple-signing payload of the digest with ECDSA P-256; the layer verifies only under the right key and digest", () => {
            const digest = `sha256:${"c".repeat(64)}`;
            const sig = buildSignature("harbor.example.com/dev-team/go-app", digest, key.privateKeyPem);
            assert.equal(sig.tag, `sha256-${"c".repeat(64)}.sig`);
            assert.deepEqual(JSON.parse(sig.payload.toString()), {
                critical: { identity: { "docker-reference": "harbor.example.com/dev-team/go-app" }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
                optional: null,
            });
            const m = JSON.parse(sig.manifest.toString()) as OciManifest;
            assert.equal(m.mediaType, OCI);
            assert.equal(m.layers.length, 1);
            assert.equal(m.layers[0].mediaType, COSIGN_LAYER_MEDIA_TYPE);
            assert.ok(m.layers[0].annotations![COSIGN_SIGNATURE_ANNOTATION]);
            assert.deepEqual(checkSignatureLayer(sig.payload, m.layers[0], digest, key.publicKeyPem), { ok: true, reason: "verified" });
            assert.match(checkSignatureLayer(sig.payload, m.layers[0], digest, other.publicKeyPem).reason, /does not verify against the stack's public key/);
            assert.match(checkSignatureLayer(sig.payload, m.layers[0], `sha256:${"d".repeat(64)}`, key.publicKeyPem).reason, /signs sha256:c+, not sha256:d+/);
            const forged = simpleSigningPayload("harbor.example.com/dev-team/go-app", `sha256:${"d".repeat(64)}`);
            assert.match(checkSignatureLayer(forged, m.layers[0], digest, key.publicKeyPem).reason, /does not match its layer digest/);
            assert.throws(() => signatureTag("v1.0.0"), /not a sha256 digest/);
        });

        it("check refuses a private key that is not ECDSA P-256 without echoing it", async () => {
            const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
            const r = await signer.check({} as never, { connection: h.connection(), project: "dev-team", repository: "go-app", digest: `sha256:${"a".repeat(64)}`, privateKey: rsa } as never);
            assert.equal(r.failures?.length, 1);
            assert.match(r.failures![0].reason, /not an ECDSA P-256 private key in PEM \(the value is not shown\)/);
            assert.ok(!r.failures![0].reason.includes("PRIVATE KEY"));
        });
        it("check never echoes a secret of the wrong type, and refuses a <project>/<repository> Harbor cannot hold (repository.name varchar(255))", async () => {
            const base = { connection: h.connection(), project: "dev-team", repository: "go-app", digest: `sha256:${"a".repeat(64)}`, privateKey: key.privateKeyPem };
            const typed = await signer.check({} as never, { ...base, privateKey: 98765432, registryPassword: 12345678 } as never);
            assert.deepEqual(typed.failures, [
                { property: "registryPassword", reason: "registryPassword must be a string" },
                { property: "privateKey", reason: "privateKey must be a string" },
            ]);
            const long = await signer.check({} as never, { ...base, project: "p".repeat(200), repository: "r".repeat(60) } as never);
            assert.deepEqual(long.failures!.map((f) => f.property), ["repository"]);
            assert.match(long.failures![0].reason, /at most 255 characters, got 261/);
        });
    });

    describe("ImageSignature against the emulator's registry API", () => {
        it("pushes payload, config and the sha256-<hex>.sig manifest; Harbor lists it as the artifact's signature.cosign accessory", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            const { result, calls } = await h.during(async () => signer.create(await signInputs(digest)));
            assert.deepEqual(calls.map((c) => c.operationId), [
                "getArtifact", "registry:getManifest",
                "registry:headBlob", "registry:startUpload", "registry:putBlob",
                "registry:headBlob", "registry:startUpload", "registry:putBlob",
                "registry:putManifest",
            ]);
            assert.equal(calls.at(-1)!.path, `/v2/dev-team/go-app/manifests/${signatureTag(digest)}`);
            assert.equal(result.outs!.signatureTag, signatureTag(digest));
            assert.equal(result.outs!.publicKey, key.publicKeyPem);
            assert.equal(result.outs!.dockerReference, `${new URL(h.emu.url).host}/dev-team/go-app`);
            const subject = h.emu.area(artifactsArea).find("dev-team", "go-app", digest)!;
            assert.deepEqual(subject.accessories!.map((a) => [a.type, a.digest]), [["signature.cosign", result.outs!.signatureDigest]]);
            const pushedBy = h.emu.area(auditLogsArea).entries.filter((e) => e.resource.endsWith(".sig")).map((e) => e.username);
            assert.deepEqual(pushedBy, ["robot$dev-team+ci"], "the signature is pushed by the push robot, not the admin");
        });

        it("signing again with the same key changes nothing (a retried create); another key appends a second signature, as cosign does", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            await signer.create(await signInputs(digest));
            const again = await h.opsDuring(async () => signer.create(await signInputs(digest)));
            assert.ok(!again.includes("registry:putManifest"), again.join(","));
            const rotated = await signer.create(await signInputs(digest, other.privateKeyPem));
            const sigArtifact = h.emu.area(artifactsArea).find("dev-team", "go-app", rotated.outs!.signatureDigest)!;
            const layers = (JSON.parse(sigArtifact.manifest!.body.toString()) as OciManifest).layers;
            assert.equal(layers.length, 2);
        });

        it("a project with cosign enforcement refuses the unsigned image (412, Harbor's message) and serves it once signed", async () => {
            const p = h.emu.area(projectsArea).seed("secure", { metadata: { enable_content_trust_cosign: "true" } });
            assert.ok(p);
            const digest = await pushImage(h.connection(), "secure/app", "v1.0.0");
            const reg = new RegistryClient(h.connection());
            try {
                const refused = await rejection(reg.getManifest("secure/app", "v1.0.0", OCI));
                assert.match(refused.message, /412: PROJECTPOLICYVIOLATION The image is not signed by cosign\./);
                const r = await signer.check({} as never, { connection: h.connection(), project: "secure", repository: "app", digest, privateKey: key.privateKeyPem } as never);
                await signer.create(r.inputs!);
                const served = await reg.getManifest("secure/app", "v1.0.0", OCI);
                assert.equal(served!.digest, digest);
            } finally {
                await reg.close();
            }
        });

        it("follows the registry's Bearer challenge to the token service with the same credentials", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            h.emu.area(distributionArea).requireToken = true;
            const ops = await h.opsDuring(async () => signer.create(await signInputs(digest)));
            assert.deepEqual(ops.slice(0, 4), ["getArtifact", "registry:unauthorized", "registry:token", "registry:getManifest"]);
            assert.ok(h.emu.area(artifactsArea).find("dev-team", "go-app", digest)!.accessories!.length === 1);
        });

        it("fails clearly when the digest is not in the registry", async () => {
            const err = await rejection(signer.create(await signInputs(`sha256:${"e".repeat(64)}`)));
            assert.match(err.message, /signing failed: Harbor has no artifact .*\/dev-team\/go-app@sha256:e+/);
        });

        it("read finds the signature among the artifact's accessories (one API GET), and reports it gone once removed behind our back", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            const created = await signer.create(await signInputs(digest));
            const { result: read, calls } = await h.during(() => signer.read(created.id, created.outs!));
            assert.deepEqual(calls.map((c) => [c.operationId, c.query.with_accessory]), [["getArtifact", "true"]]);
            assert.equal(read.props!.signatureDigest, created.outs!.signatureDigest);
            h.emu.area(artifactsArea).find("dev-team", "go-app", digest)!.accessories = [];
            assert.equal((await signer.read(created.id, created.outs!)).id, "");
        });

        it("a push and a pull are recorded in the audit log (create, pull; a HEAD is not a pull)", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            const reg = new RegistryClient(h.connection());
            await reg.manifestDigest("dev-team/go-app", "v1.0.0", OCI);
            await reg.getManifest("dev-team/go-app", digest, OCI);
            await reg.close();
            assert.deepEqual(h.emu.area(auditLogsArea).entries.map((e) => [e.operation, e.resource, e.username]), [
                ["create", "dev-team/go-app:v1.0.0", "admin"],
                ["pull", `dev-team/go-app@${digest}`, "admin"],
            ]);
        });
    });

    describe("ArtifactCheck's signature gate", () => {
        it("fails the release with a clear message when the digest has no signature", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            const err = await rejection(checker.create(await gateInputs(digest)));
            assert.match(err.message, /release gate: dev-team\/go-app@sha256:[a-f0-9]{64} has no cosign signature that verifies against the stack's public key \(no signature.cosign accessory in Harbor\)/);
            assert.match(err.message, /Project dev-team requires signed images \(cosign\)/);
        });

        it("fails when the only signature was made with another key, naming why", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            await signer.create(await signInputs(digest, other.privateKeyPem));
            const err = await rejection(checker.create(await gateInputs(digest)));
            assert.match(err.message, /does not verify against the stack's public key/);
        });

        it("passes when a signature verifies against the stack's key: accessory listed with_accessory, manifest and payload read from the registry", async () => {
            const digest = await pushImage(h.connection(), "dev-team/go-app", "v1.0.0");
            await signer.create(await signInputs(digest));
            const { calls } = await h.during(async () => checker.create(await gateInputs(digest)));
            assert.deepEqual(calls.map((c) => c.operationId), ["getArtifact", "getArtifact", "registry:getManifest", "registry:getBlob"]);
            assert.equal(calls[1].query.with_accessory, "true");
        });

        it("check requires the public key when the signature is required", async () => {
            const r = await checker.check({} as never, { connection: h.connection(), project: "dev-team", repository: "go-app", digest: `sha256:${"a".repeat(64)}`, requireSignature: true } as never);
            assert.match(r.failures![0].reason, /signaturePublicKey is required when requireSignature is true/);
        });
    });
});
