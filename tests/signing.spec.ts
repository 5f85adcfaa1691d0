// Issue 14 items 1-2 in the program: every image a stack pushes is signed with the stack's own key (tls.PrivateKey,
// ECDSA P-256; private key a secret, public key the `imageSigningPublicKey` output), pushed as the project's robot, and
// ArtifactCheck requires a verifying signature exactly when the image's project has `cosign: true`.
import * as assert from "assert";
import { ofType, one, planStack, stackPlan } from "./helpers/pulumi";

const SIG = "pulumi-nodejs:dynamic/harbor:ImageSignature";
const CHECK = "pulumi-nodejs:dynamic/harbor:ArtifactCheck";

describe("image signing in the program (dev's plan)", () => {
    it("one ECDSA P-256 signing key per stack, its public key a stack output", async () => {
        const { plan } = await stackPlan("dev");
        const key = one(plan, "tls:index/privateKey:PrivateKey", "image-signing-key");
        assert.deepStrictEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
        assert.match(String(plan.outputs.imageSigningPublicKey), /PUBLIC KEY image-signing-key/);
    });

    it("every image gets an ImageSignature of its pushed digest, pushed by the project's robot, the private key a secret", async () => {
        const { plan } = await stackPlan("dev");
        const images = ofType(plan, "docker:index/image:Image");
        const sigs = ofType(plan, SIG);
        assert.ok(images.length > 0);
        assert.strictEqual(sigs.length, images.length);
        const sig = one(plan, SIG, "image-dev-team-go-app-signature");
        assert.deepStrictEqual([sig.inputs.project, sig.inputs.repository], ["dev-team", "go-app"]);
        assert.strictEqual(sig.inputs.privateKey, "[secret]");
        assert.strictEqual(sig.inputs.registryPassword, "[secret]");
        assert.match(String(sig.inputs.registryUsername), /dev-team\+ci|robot/);
    });

    it("ArtifactCheck requires the signature exactly when the project has cosign: true, against the stack's public key", async () => {
        const { plan } = await stackPlan("dev");
        assert.strictEqual(one(plan, CHECK, "image-dev-team-go-app-check").inputs.requireSignature, undefined, "dev-team has cosign off");
        const signed = await planStack("dev", {
            configOverride: { projects: [{ name: "dev-team", cosign: true, robots: [{ name: "ci", preset: "push" }] }] },
        });
        const check = one(signed, CHECK, "image-dev-team-go-app-check");
        assert.strictEqual(check.inputs.requireSignature, true);
        assert.match(String(check.inputs.signaturePublicKey), /PUBLIC KEY image-signing-key/);
    });
});
