// The real cosign CLI (built from Go modules by scripts/setup-cosign.sh) verifies what the program pushes: an image
// pushed through the emulator's registry API, signed by ImageSignature (the program's code path), is accepted by
// `cosign verify --key <the stack's public key>` and refused under another key (issue 14 item 1). The signature is
// not in Rekor, hence --insecure-ignore-tlog; the emulator is plain HTTP on 127.0.0.1, hence --allow-http-registry.
import { strict as assert } from "assert";
import { execFile, execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { generateSigningKey } from "../../harbor/cosign";
import { ImageSignatureProvider } from "../../harbor/imageSignature";
import { RegistryClient } from "../../harbor/ociRegistry";
import { HarborEmulator, projectsArea } from "../emulator";

const ROOT = path.resolve(__dirname, "..", "..");
const digestOf = (b: Buffer): string => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

describe("the real cosign CLI verifies the program's signatures (e2e)", function () {
    this.timeout(5 * 60_000);
    const cosign = execFileSync("bash", [path.join(ROOT, "scripts", "setup-cosign.sh"), "--print-path"], { encoding: "utf8" }).trim();
    let emu: HarborEmulator;
    let tmp: string;
    let image: string;
    let verify: (publicKeyFile: string) => Promise<string>;
    let publicKey: string;

    before(async () => {
        assert.ok(fs.existsSync(cosign), `no cosign at ${cosign}: run bash scripts/setup-cosign.sh (npm run test:e2e does)`);
        emu = await new HarborEmulator().start();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cosign-e2e-"));
        emu.area(projectsArea).seed("dev-team");
        const connection = { url: emu.url, username: emu.username, password: emu.password };
        const registry = new RegistryClient(connection);
        const layer = Buffer.from("an image layer");
        const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [digestOf(layer)] } }));
        await registry.pushBlob("dev-team/go-app", digestOf(layer), layer);
        await registry.pushBlob("dev-team/go-app", digestOf(config), config);
        const manifest = Buffer.from(JSON.stringify({
            schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: digestOf(config) },
            layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: layer.length, digest: digestOf(layer) }],
        }));
        const digest = await registry.putManifest("dev-team/go-app", "v1.0.0", manifest, "application/vnd.oci.image.manifest.v1+json");
        await registry.close();

        const key = generateSigningKey();
        publicKey = key.publicKeyPem;
        const provider = new ImageSignatureProvider();
        const checked = await provider.check({} as never, { connection, project: "dev-team", repository: "go-app", digest, privateKey: key.privateKeyPem } as never);
        assert.deepEqual(checked.failures ?? [], []);
        await provider.create(checked.inputs!);

        const host = new URL(emu.url).host;
        image = `${host}/dev-team/go-app@${digest}`;
        fs.writeFileSync(path.join(tmp, "config.json"), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${emu.username}:${emu.password}`).toString("base64") } } }));
        fs.writeFileSync(path.join(tmp, "stack.pub"), publicKey);
        fs.writeFileSync(path.join(tmp, "other.pub"), generateSigningKey().publicKeyPem);
        // Asynchronous: the emulator answers cosign from this same process.
        verify = async (file) => (await promisify(execFile)(cosign, ["verify", "--key", path.join(tmp, file), "--insecure-ignore-tlog=true", "--allow-http-registry=true", "--offline=true", image], {
            env: { ...process.env, DOCKER_CONFIG: tmp, TUF_ROOT: path.join(tmp, "tuf") }, encoding: "utf8", timeout: 60_000,
        })).stdout;
    });

    after(async () => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        await emu?.stop();
    });

    it("cosign verify --key <the stack's public key> accepts the signature of the pushed digest", async () => {
        const out = JSON.parse(await verify("stack.pub")) as { critical: { image: { "docker-manifest-digest": string } } }[];
        assert.equal(out.length, 1);
        assert.equal(out[0].critical.image["docker-manifest-digest"], image.split("@")[1]);
    });

    it("cosign verify refuses it under another key", async () => {
        await assert.rejects(verify("other.pub"), (err: { stderr?: string }) => /no matching signatures|invalid signature/i.test(err.stderr ?? ""));
    });
});
