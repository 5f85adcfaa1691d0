/**
 * Interoperability check of the signature format with the real cosign CLI (issue 14 item 1):
 *
 *   go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5   # with GOBIN=bin/cosign (git-ignored)
 *   COSIGN=bin/cosign/cosign npx ts-node --transpile-only scripts/cosign-interop.ts
 *
 * Starts the Harbor emulator on 127.0.0.1, pushes an image through the registry API, signs it with ImageSignature
 * (the program's code path), then runs `cosign verify --key <public key> --insecure-ignore-tlog --allow-http-registry`
 * on <host>/dev-team/go-app@<digest>, and once more with another key, which must fail. Exit 0 when cosign accepts the
 * first and rejects the second. Not part of `npm test`: it needs the cosign binary, which is never committed.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateSigningKey } from "../harbor/cosign";
import { ImageSignatureProvider } from "../harbor/imageSignature";
import { RegistryClient } from "../harbor/ociRegistry";
import { HarborEmulator, projectsArea } from "../tests/emulator";

const digestOf = (b: Buffer) => `sha256:${crypto.createHash("sha256").update(b).digest("hex")}`;

async function main(): Promise<number> {
    const cosign = process.env.COSIGN ?? path.join(__dirname, "..", "bin", "cosign", "cosign");
    if (!fs.existsSync(cosign)) {
        console.error(`no cosign binary at ${cosign}; build it with GOBIN=bin/cosign go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5`);
        return 2;
    }
    const emu = await new HarborEmulator().start();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cosign-interop-"));
    try {
        emu.area(projectsArea).seed("dev-team");
        const conn = { url: emu.url, username: emu.username, password: emu.password };
        const reg = new RegistryClient(conn);
        const layer = Buffer.from("interop layer");
        const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [digestOf(layer)] } }));
        await reg.pushBlob("dev-team/go-app", digestOf(layer), layer);
        await reg.pushBlob("dev-team/go-app", digestOf(config), config);
        const manifest = Buffer.from(JSON.stringify({
            schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: digestOf(config) },
            layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: layer.length, digest: digestOf(layer) }],
        }));
        const digest = await reg.putManifest("dev-team/go-app", "v1.0.0", manifest, "application/vnd.oci.image.manifest.v1+json");
        await reg.close();

        const key = generateSigningKey();
        const p = new ImageSignatureProvider();
        const checked = await p.check({} as never, { connection: conn, project: "dev-team", repository: "go-app", digest, privateKey: key.privateKeyPem } as never);
        await p.create(checked.inputs!);

        const host = new URL(emu.url).host;
        fs.writeFileSync(path.join(tmp, "config.json"), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${emu.username}:${emu.password}`).toString("base64") } } }));
        fs.writeFileSync(path.join(tmp, "good.pub"), key.publicKeyPem);
        fs.writeFileSync(path.join(tmp, "other.pub"), generateSigningKey().publicKeyPem);
        // Asynchronous: the emulator answers cosign from this same process.
        const verify = async (pub: string) => (await promisify(execFile)(cosign, ["verify", "--key", path.join(tmp, pub), "--insecure-ignore-tlog=true", "--allow-http-registry=true", "--offline=true", `${host}/dev-team/go-app@${digest}`], {
            env: { ...process.env, DOCKER_CONFIG: tmp, TUF_ROOT: path.join(tmp, "tuf") }, encoding: "utf8", timeout: 60_000,
        })).stdout;
        const out = await verify("good.pub");
        console.log(`cosign verify accepted ${host}/dev-team/go-app@${digest}:\n${out.trim()}`);
        try {
            await verify("other.pub");
            console.error("cosign verify accepted a signature under the wrong key");
            return 1;
        } catch (err) {
            console.log(`cosign verify with another key refused it, as it must: ${String((err as { stderr?: string }).stderr ?? err).trim().split("\n").pop()}`);
        }
        return 0;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
        await emu.stop();
    }
}

main().then((code) => process.exit(code), (err) => {
    console.error(err);
    process.exit(1);
});
