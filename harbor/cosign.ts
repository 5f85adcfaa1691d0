// The cosign signature format, implemented over node:crypto (no cosign binary in the deploy path).
//
// What cosign (sigstore/cosign v2, "simple signing" with a key) stores for an image <repo>@sha256:<hex>, and what
// Harbor recognises as the artifact's signature accessory (src/server/middleware/cosign/cosign.go at v2.15.2):
// - a manifest tagged `sha256-<hex>.sig` in the same repository (Harbor matches the tag with
//   `^/v2/<repo>/manifests/sha256-<hex>.sig$` and records an accessory of type `signature.cosign` for the subject);
// - an OCI image manifest whose layer has the media type `application/vnd.dev.cosign.simplesigning.v1+json` (Harbor
//   only records the accessory when a layer has that media type) and the annotation
//   `dev.cosignproject.cosign/signature`: the base64 of an ECDSA P-256 / SHA-256 signature (ASN.1 DER) over the
//   layer's bytes;
// - the layer is the simple-signing payload: {"critical":{"identity":{"docker-reference":<repo>},"image":
//   {"docker-manifest-digest":<digest>},"type":"cosign container image signature"},"optional":null}.
// `cosign verify --key <public key PEM> --insecure-ignore-tlog <repo>@<digest>` accepts it (the signature is not in
// a transparency log: this is a private registry; see docs/security.md).
import * as crypto from "crypto";

export const COSIGN_LAYER_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const OCI_CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
/** Harbor's accessory type for a cosign signature (src/pkg/accessory/model/accessory.go). */
export const HARBOR_COSIGN_ACCESSORY = "signature.cosign";

const DIGEST_RE = /^sha256:([a-f0-9]{64})$/;

export interface Descriptor {
    mediaType: string;
    size: number;
    digest: string;
    annotations?: Record<string, string>;
}

export interface OciManifest {
    schemaVersion: 2;
    mediaType: string;
    config: Descriptor;
    layers: Descriptor[];
}

export interface SimpleSigningPayload {
    critical: { identity: { "docker-reference": string }; image: { "docker-manifest-digest": string }; type: string };
    optional: Record<string, string> | null;
}

export function sha256Digest(data: Buffer): string {
    return `sha256:${crypto.createHash("sha256").update(data).digest("hex")}`;
}

/** The tag cosign stores the signature of `digest` under: sha256:<hex> → sha256-<hex>.sig. */
export function signatureTag(digest: string): string {
    const m = DIGEST_RE.exec(digest);
    if (!m) throw new Error(`not a sha256 digest: ${digest}`);
    return `sha256-${m[1]}.sig`;
}

/** The payload bytes that are signed (and stored as the layer). `dockerReference` is <host>/<project>/<repo>. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
    const payload: SimpleSigningPayload = {
        critical: { identity: { "docker-reference": dockerReference }, image: { "docker-manifest-digest": digest }, type: SIMPLE_SIGNING_TYPE },
        optional: null,
    };
    return Buffer.from(JSON.stringify(payload), "utf8");
}

/** Base64 of the ECDSA (P-256, SHA-256, DER) signature over `payload`. */
export function signPayload(payload: Buffer, privateKeyPem: string): string {
    const key = crypto.createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
        throw new Error("the signing key must be an ECDSA P-256 private key (PEM)");
    }
    return crypto.sign("sha256", payload, key).toString("base64");
}

export function verifyPayload(payload: Buffer, signatureBase64: string, publicKeyPem: string): boolean {
    try {
        return crypto.verify("sha256", payload, crypto.createPublicKey(publicKeyPem), Buffer.from(signatureBase64, "base64"));
    } catch {
        return false;
    }
}

/** The public key (SPKI PEM, as `cosign verify --key` reads it) of a private key PEM. */
export function publicKeyOf(privateKeyPem: string): string {
    return crypto.createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString();
}

/** A fresh ECDSA P-256 key pair (PKCS#8 / SPKI PEM), for tests and tools; the stack generates its own with tls.PrivateKey. */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return {
        privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
}

/** The image config blob of a signature manifest: one layer (the payload), no platform, as cosign writes it. */
export function signatureConfig(payloadDigest: string): Buffer {
    const config = {
        architecture: "", created: "0001-01-01T00:00:00Z", history: [{ created: "0001-01-01T00:00:00Z" }], os: "",
        rootfs: { type: "layers", diff_ids: [payloadDigest] }, config: {},
    };
    return Buffer.from(JSON.stringify(config), "utf8");
}

export interface SignatureArtifact {
    tag: string;
    payload: Buffer;
    config: Buffer;
    manifest: Buffer;
    manifestDigest: string;
}

/** Everything to push for one signature: the payload and config blobs, and the manifest for `sha256-<hex>.sig`. */
export function buildSignature(dockerReference: string, digest: string, privateKeyPem: string): SignatureArtifact {
    const payload = simpleSigningPayload(dockerReference, digest);
    const signature = signPayload(payload, privateKeyPem);
    const payloadDigest = sha256Digest(payload);
    const config = signatureConfig(payloadDigest);
    const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST_MEDIA_TYPE,
        config: { mediaType: OCI_CONFIG_MEDIA_TYPE, size: config.length, digest: sha256Digest(config) },
        layers: [{ mediaType: COSIGN_LAYER_MEDIA_TYPE, size: payload.length, digest: payloadDigest, annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature } }],
    };
    const bytes = Buffer.from(JSON.stringify(manifest), "utf8");
    return { tag: signatureTag(digest), payload, config, manifest: bytes, manifestDigest: sha256Digest(bytes) };
}

/** Why a signature layer does (not) verify `digest` under `publicKeyPem`; `ok` only when both signature and claims hold. */
export function checkSignatureLayer(payload: Buffer, layer: Descriptor, digest: string, publicKeyPem: string): { ok: boolean; reason: string } {
    if (layer.mediaType !== COSIGN_LAYER_MEDIA_TYPE) return { ok: false, reason: `layer media type ${layer.mediaType} is not a cosign simple-signing payload` };
    if (sha256Digest(payload) !== layer.digest) return { ok: false, reason: "the payload does not match its layer digest" };
    const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    if (!signature) return { ok: false, reason: `the layer has no ${COSIGN_SIGNATURE_ANNOTATION} annotation` };
    if (!verifyPayload(payload, signature, publicKeyPem)) return { ok: false, reason: "the signature does not verify against the stack's public key" };
    let parsed: SimpleSigningPayload;
    try {
        parsed = JSON.parse(payload.toString("utf8")) as SimpleSigningPayload;
    } catch {
        return { ok: false, reason: "the payload is not JSON" };
    }
    const signed = parsed?.critical?.image?.["docker-manifest-digest"];
    if (signed !== digest) return { ok: false, reason: `the payload signs ${signed ?? "no digest"}, not ${digest}` };
    if (parsed.critical.type !== SIMPLE_SIGNING_TYPE) return { ok: false, reason: `the payload type is ${parsed.critical.type}` };
    return { ok: true, reason: "verified" };
}
