import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as harbor from "../../harbor";
import { childOf, TOKEN_PREFIX } from "../common";

/** Arguments of {@link AppImage}. */
export interface AppImageArgs {
    /** Harbor's registry host, e.g. harbor.example.com. */
    registryHost: pulumi.Input<string>;
    /** The Harbor project (declared in config). */
    project: string;
    /** Repository inside the project, e.g. go-app. */
    repository: string;
    /** SemVer tag, e.g. v1.0.0 (validated in config). */
    version: string;
    /** Build context directory. */
    context: string;
    /** Dockerfile path relative to the context. Default "Dockerfile". */
    dockerfile?: string;
    /** Target platform, e.g. linux/amd64. */
    platform: string;
    /** Build args; VERSION and COMMIT are always passed (the example app stamps them into the binary). */
    buildArgs?: Record<string, string>;
    /** Use the image itself (and `cacheFrom`) as build cache. */
    cache: boolean;
    cacheFrom?: string[];
    /** Git commit: adds the tag `sha-<commit>` to the same artifact. */
    commit?: string;
    /** Push credentials: the project's CI robot (password secret). */
    pushRobot: { username: pulumi.Input<string>; password: pulumi.Input<string> };
    /** Admin connection to Harbor's API for the post-push check. */
    connection: pulumi.Input<harbor.ConnectionArgs>;
    /** "off" or the lowest severity that fails the deployment. */
    scanGate: harbor.ScanGate;
    scanTimeoutSeconds?: number;
    /**
     * Sign the pushed digest (cosign format, harbor.ImageSignature) with this ECDSA P-256 key, pushed as the project's
     * robot; `publicKeyPem` is what ArtifactCheck verifies against.
     */
    signing?: { privateKeyPem: pulumi.Input<string>; publicKeyPem: pulumi.Input<string> };
    /** The project serves only cosign-signed images (projects[].cosign): the release fails unless the signature verifies. */
    requireSignature?: boolean;
}

/**
 * An application image: built with @pulumi/docker (`docker.Image`: context, Dockerfile, platform, build args, registry
 * cache), named `<harbor host>/<project>/<image>:<version>` and pushed with the project's CI robot; then verified
 * through Harbor's API by digest, given its `sha-<commit>` tag on that very artifact, signed (harbor.ImageSignature,
 * cosign format, the stack's key), and gated on its signature (projects with cosign) and vulnerability scan
 * (harbor.ArtifactCheck).
 *
 * Why the sha tag goes through Harbor's API rather than a second `docker.Image` or `docker.Tag` + `RegistryImage`:
 * it lands on exactly the pushed digest (a rebuild is not guaranteed to reproduce the same digest), costs no second
 * upload, and keeps every image reference the program pushes SemVer (the image-version-semver policy).
 */
export class AppImage extends pulumi.ComponentResource {
    readonly image: docker.Image;
    readonly check: harbor.ArtifactCheck;
    readonly signature?: harbor.ImageSignature;
    /** <host>/<project>/<image>:<version>. */
    readonly imageRef: pulumi.Output<string>;
    /** sha256:... of the pushed manifest. */
    readonly digest: pulumi.Output<string>;
    /** <host>/<project>/<image>@sha256:... (pull by digest: immutable). */
    readonly repoDigest: pulumi.Output<string>;
    /** <host>/<project>/<image>:sha-<commit>, when a commit is given. */
    readonly commitRef?: pulumi.Output<string>;
    readonly pullCommand: pulumi.Output<string>;

    constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:images:AppImage`, name, {}, opts);
        const repo = pulumi.interpolate`${args.registryHost}/${args.project}/${args.repository}`;
        const imageName = pulumi.interpolate`${repo}:${args.version}`;
        const cacheImages = args.cache ? [imageName, ...(args.cacheFrom ?? [])] : (args.cacheFrom ?? []);

        this.image = new docker.Image(`${name}-image`, {
            imageName,
            build: {
                context: args.context,
                dockerfile: path.join(args.context, args.dockerfile ?? "Dockerfile"),
                platform: args.platform,
                args: {
                    ...args.buildArgs, VERSION: args.version, COMMIT: args.commit || "unknown",
                    // BuildKit only reuses a registry image as cache if it was built with its cache metadata inline.
                    ...(cacheImages.length ? { BUILDKIT_INLINE_CACHE: "1" } : {}),
                },
                ...(cacheImages.length ? { cacheFrom: { images: cacheImages } } : {}),
            },
            registry: {
                server: args.registryHost,
                username: args.pushRobot.username,
                password: pulumi.secret(args.pushRobot.password),
            },
        }, childOf(this));

        // repoDigest is <repo>@sha256:...; the digest alone addresses the artifact in Harbor's API.
        this.digest = this.image.repoDigest.apply((d) => (d ?? "").slice((d ?? "").indexOf("@") + 1));
        if (args.signing) {
            this.signature = new harbor.ImageSignature(`${name}-signature`, {
                connection: args.connection, project: args.project, repository: args.repository, digest: this.digest,
                registryUsername: args.pushRobot.username, registryPassword: args.pushRobot.password,
                privateKey: args.signing.privateKeyPem,
            }, childOf(this, { dependsOn: [this.image] }));
        }
        if (args.requireSignature && !args.signing) throw new Error(`image ${args.project}/${args.repository}: the project requires signed images but no signing key was given`);
        this.check = new harbor.ArtifactCheck(`${name}-check`, {
            connection: args.connection,
            project: args.project,
            repository: args.repository,
            digest: this.digest,
            tags: args.commit ? [`sha-${args.commit}`] : [],
            scanGate: args.scanGate,
            scanTimeoutSeconds: args.scanTimeoutSeconds,
            ...(args.requireSignature ? { requireSignature: true, signaturePublicKey: args.signing!.publicKeyPem } : {}),
        }, childOf(this, { dependsOn: [this.image, ...(this.signature ? [this.signature] : [])] }));

        this.imageRef = imageName;
        this.repoDigest = pulumi.interpolate`${repo}@${this.digest}`;
        if (args.commit) this.commitRef = pulumi.interpolate`${repo}:sha-${args.commit}`;
        this.pullCommand = pulumi.interpolate`docker pull ${this.repoDigest}`;
        this.registerOutputs({ imageRef: this.imageRef, digest: this.digest, repoDigest: this.repoDigest, scanStatus: this.check.scanStatus });
    }
}
