// ImageSignature: a cosign-compatible signature of a pushed image, stored in Harbor the way cosign stores it.
//
// It confirms the subject through Harbor's API (GET .../artifacts/<digest>, admin connection), then, for
// <host>/<project>/<repository>@<digest>, pushes (as the project's push robot) through the registry API (./ociRegistry.ts), the simple-signing
// payload and its config as blobs and an OCI manifest tagged `sha256-<hex>.sig` whose layer carries the ECDSA P-256
// signature in `dev.cosignproject.cosign/signature` (format: ./cosign.ts). Harbor then lists it as the artifact's
// `signature.cosign` accessory (src/server/middleware/cosign/cosign.go at v2.15.2), and a project with cosign
// enforcement (`enable_content_trust_cosign`) serves the image (src/server/middleware/contenttrust/contentrust.go).
//
// As cosign does, a signature manifest that already exists keeps its layers and gets ours appended (a key rotation
// leaves the old signature until the image is pushed again); a layer that already verifies under our key is not
// added twice, so a retried create changes nothing. `read` asks the API for the artifact's accessories. Nothing is deleted with the resource: Harbor deletes accessories
// with their subject artifact (retention's job, not Pulumi's). Any input change signs again (replace).
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { buildSignature, checkSignatureLayer, COSIGN_LAYER_MEDIA_TYPE, Descriptor, HARBOR_COSIGN_ACCESSORY, OCI_MANIFEST_MEDIA_TYPE, OciManifest, publicKeyOf, sha256Digest, signatureTag } from "./cosign";
import { repoSeg, seg } from "./client";
import { fullNameRule } from "./artifactCheck";
import { secretField, stringField } from "./fields";
import { diffManaged, HarborProvider, HarborProviderOptions, pick, requireState, HARBOR_NAME_RE } from "./provider";
import { RegistryClient } from "./ociRegistry";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { ArgsOf, declareResource, input, InputsOf, requiredInput } from "./schema";

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const REPO_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/** The declaration: check, types and the README table come from here. */
export const IMAGE_SIGNATURE = declareResource({
    type: "ImageSignature",
    inputs: {
        registryUsername: input(stringField({ default: "", line: true }), "Who pushes the signature through the registry API (the project's push robot); `\"\"` = the connection's user."),
        registryPassword: input(secretField({ default: "", line: true }), "Their password or robot secret (stored as a secret; never shown in a failure)."),
        project: requiredInput(stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "a Harbor project name" }), "The project (by name).", { replaces: true }),
        repository: requiredInput(stringField({ required: true, maxLength: 255, pattern: REPO_RE, patternHint: "a repository name inside the project, e.g. go-app" }),
            "Repository inside the project, without the project prefix.", { replaces: true }),
        digest: requiredInput(stringField({ required: true, pattern: DIGEST_RE, patternHint: "the pushed manifest digest, sha256:<64 hex characters>" }), "The signed manifest digest.", { replaces: true }),
        // A secret: no message ever quotes it (secretField), not even its type.
        privateKey: requiredInput(secretField({
            required: true, text: true, summary: "ECDSA P-256 private key (PEM, PKCS#8 or SEC1)",
            problem: (v) => (isP256PrivateKey(v) ? undefined : "is not an ECDSA P-256 private key in PEM (the value is not shown)"),
        }), "The signing key, e.g. tls.PrivateKey's privateKeyPem (stored as a secret).", { replaces: true }),
    },
    outputs: {
        signatureTag: { doc: "`sha256-<hex>.sig`." },
        signatureDigest: { doc: "Digest of the signature manifest (what Harbor lists as the accessory's digest)." },
        publicKey: { doc: "The public key (SPKI PEM) that verifies it: `cosign verify --key`." },
        dockerReference: { doc: "`<host>/<project>/<repository>`, the payload's docker-reference." },
    },
    rules: (i, fail) => fullNameRule(i, fail),
});

/** Harbor's URL and admin credentials (`connection`: the API confirms the subject and reads its accessories), and the rest as declared. */
export type ImageSignatureInputs = InputsOf<typeof IMAGE_SIGNATURE.spec.inputs>;
export type ImageSignatureArgs = ArgsOf<typeof IMAGE_SIGNATURE.spec.inputs>;

export interface ImageSignatureOutputs extends ImageSignatureInputs {
    /** sha256-<hex>.sig */
    signatureTag: string;
    /** Digest of the signature manifest (what Harbor lists as the accessory's digest). */
    signatureDigest: string;
    /** The public key (SPKI PEM) that verifies it: `cosign verify --key`. */
    publicKey: string;
    /** <host>/<project>/<repository>, the payload's docker-reference. */
    dockerReference: string;
}

/** What a diff compares: the signed subject and the key (each replaces: it signs again). Like the connection, who pushes changes nothing. */
const MANAGED = IMAGE_SIGNATURE.replaceOn;
const INPUT_KEYS = ["connection", ...IMAGE_SIGNATURE.managed] as const;

export class ImageSignatureProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<ImageSignatureInputs, ImageSignatureOutputs> {
    constructor(protected readonly signOptions: HarborProviderOptions = {}) {
        super(signOptions);
    }

    async check(_olds: ImageSignatureInputs, news: ImageSignatureInputs): Promise<pulumi.dynamic.CheckResult<ImageSignatureInputs>> {
        return IMAGE_SIGNATURE.check(news);
    }

    async diff(_id: string, olds: ImageSignatureOutputs, news: ImageSignatureInputs): Promise<pulumi.dynamic.DiffResult> {
        return diffManaged<ImageSignatureInputs>(olds, news, { managed: MANAGED, replaceOn: MANAGED });
    }

    async create(inputs: ImageSignatureInputs): Promise<pulumi.dynamic.CreateResult<ImageSignatureOutputs>> {
        const name = `${inputs.project}/${inputs.repository}`;
        // The subject through Harbor's API: it answers in a project that enforces cosign too, where the registry
        // refuses the unsigned image (src/server/middleware/contenttrust/contentrust.go).
        const subject = await this.withClient(inputs.connection, (c) => c.find<{ digest: string }>(artifactPath(inputs)));
        const reg = this.registry(inputs);
        try {
            const dockerReference = `${reg.host}/${name}`;
            if (!subject) throw new Error(`signing failed: Harbor has no artifact ${dockerReference}@${inputs.digest} (the push did not land, or went elsewhere)`);
            const publicKey = publicKeyOf(inputs.privateKey);
            const sig = buildSignature(dockerReference, inputs.digest, inputs.privateKey);
            const existing = await reg.getManifest(name, sig.tag, OCI_MANIFEST_MEDIA_TYPE);
            let manifest = sig.manifest;
            if (existing) {
                const old = JSON.parse(existing.body.toString("utf8")) as OciManifest;
                const layers: Descriptor[] = (old.layers ?? []).filter((l) => l.mediaType === COSIGN_LAYER_MEDIA_TYPE);
                for (const l of layers) {
                    const payload = await reg.getBlob(name, l.digest);
                    if (checkSignatureLayer(payload, l, inputs.digest, publicKey).ok) {
                        return { id: idOf(inputs), outs: { ...inputs, signatureTag: sig.tag, signatureDigest: existing.digest || sha256Digest(existing.body), publicKey, dockerReference } };
                    }
                }
                const ours = JSON.parse(sig.manifest.toString("utf8")) as OciManifest;
                manifest = Buffer.from(JSON.stringify({ ...ours, layers: [...layers, ...ours.layers] }), "utf8");
            }
            await reg.pushBlob(name, sha256Digest(sig.payload), sig.payload);
            await reg.pushBlob(name, sha256Digest(sig.config), sig.config);
            const pushed = await reg.putManifest(name, sig.tag, manifest, OCI_MANIFEST_MEDIA_TYPE);
            return { id: idOf(inputs), outs: { ...inputs, signatureTag: sig.tag, signatureDigest: pushed || sha256Digest(manifest), publicKey, dockerReference } };
        } finally {
            await reg.close();
        }
    }

    /** One API GET: the subject still there with our signature among its accessories (else gone). */
    async read(id: string, state?: ImageSignatureOutputs): Promise<pulumi.dynamic.ReadResult<ImageSignatureOutputs>> {
        const props = requireState(state, "ImageSignature");
        return this.withClient(props.connection, async (c) => {
            const artifact = await c.find<{ accessories?: { digest: string; type: string }[] | null }>(artifactPath(props), { query: { with_accessory: true } });
            const signatures = (artifact?.accessories ?? []).filter((a) => a.type === HARBOR_COSIGN_ACCESSORY);
            // A signature manifest that gained layers since (another key appended) has a new digest; ours is still in it.
            const ours = signatures.find((a) => a.digest === props.signatureDigest) ?? signatures[0];
            if (!ours) return { id: "" };
            const outs = { ...props, signatureDigest: ours.digest };
            return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as ImageSignatureOutputs };
        });
    }

    private registry(i: ImageSignatureInputs): RegistryClient {
        const creds = i.registryUsername ? { username: i.registryUsername, password: i.registryPassword } : {};
        return new RegistryClient({ ...i.connection, ...creds }, this.signOptions.client);
    }

    /** Nothing to delete: Harbor removes a signature accessory with its subject artifact. */
    async delete(): Promise<void> {}
}

/** Image index and manifest types a pushed image may have (docker or OCI). */
const ACCEPT = [
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

function isP256PrivateKey(pem: string): boolean {
    try {
        const key = crypto.createPrivateKey(pem);
        return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
    } catch {
        return false;
    }
}

const artifactPath = (i: Pick<ImageSignatureInputs, "project" | "repository" | "digest">) =>
    `/projects/${seg(i.project)}/repositories/${repoSeg(i.repository)}/artifacts/${seg(i.digest)}`;

const idOf = (i: ImageSignatureInputs) => `${i.project}/${i.repository}@${i.digest}`;

/** The provider every ImageSignature uses, in the dynamic-provider host (harbor/hosted.ts). */
export const imageSignatureProvider = new ImageSignatureProvider();

/** Signs a pushed image with a cosign-compatible signature stored in Harbor as its `signature.cosign` accessory. */
export class ImageSignature extends HarborResource {
    declare readonly signatureTag: pulumi.Output<string>;
    declare readonly signatureDigest: pulumi.Output<string>;
    declare readonly publicKey: pulumi.Output<string>;
    declare readonly dockerReference: pulumi.Output<string>;

    constructor(name: string, args: ImageSignatureArgs, opts?: pulumi.CustomResourceOptions) {
        const secrets = { privateKey: pulumi.secret(args.privateKey), ...(args.registryPassword !== undefined ? { registryPassword: pulumi.secret(args.registryPassword) } : {}) };
        super(IMAGE_SIGNATURE.type, name, dynamicProps({ ...args, ...secrets }, IMAGE_SIGNATURE.outputNames),
            withSecretOutputs(opts, ["privateKey", "registryPassword"]));
    }
}
