// Registry: a replication / proxy-cache endpoint (another Harbor, Docker Hub, ECR, ...) with its credential.
//
// Harbor quirks handled (see harbor/README.md, Registry):
// - the access secret is write-only (GET shows "*****"): a hash of it is kept as the `accessSecretHash` output, so
//   rotating the secret is a diff and is applied with PUT (the Terraform provider misses it, its issue #538);
// - the endpoint and credential are pinged BEFORE the create, so a typo or a bad credential fails with a clear
//   error instead of leaving a registry Harbor cannot use;
// - PUT takes a flat, all-nullable body: only what changed is sent;
// - every PUT re-runs Harbor's health check (controller/registry/controller.go Update → validate → IsHealthy), so
//   even a description change fails with 400 "the registry is unhealthy" while the remote is down: the error names
//   the endpoint and says so;
// - names are at most 64 bytes (controller.go validate); the types are the adapters registered in 2.15
//   (pkg/reg/manager.go imports; RegisterFactory): artifact-hub and helm-hub have none (a 500), so check refuses them;
// - DELETE answers 412 while a replication policy or a proxy-cache project uses the registry: a clear error says so.
import * as pulumi from "@pulumi/pulumi";
import { createHash, X509Certificate } from "crypto";
import { HarborApiError, HarborClient, qExact } from "./client";
import { boolField, oneOfField, refined, secretField, stringField } from "./fields";
import { adoptExisting, DeclaredProvider, deepEqual, pick } from "./provider";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { AdoptableArgsOf, declareResource, input, InputsOf, requiredInput } from "./schema";

/** The adapters Harbor 2.15 registers (pkg/reg/manager.go's imports, each adapter's RegisterFactory). */
export const REGISTRY_TYPES = [
    "harbor", "docker-hub", "docker-registry", "huawei-SWR", "google-gcr", "aws-ecr", "azure-acr", "ali-acr",
    "jfrog-artifactory", "quay", "gitlab", "dtr", "tencent-tcr", "github-ghcr", "volcengine-cr",
] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** The form Harbor stores (and check keeps): no trailing `/`. Read-back uses it too. */
export const trimUrl = (url: string): string => url.replace(/\/+$/, "");

/** The most secret bytes registry.access_secret (varchar(4096)) holds: "<enc-v1>" + base64(16-byte IV + secret) (common/utils/encrypt.go ReversibleEncrypt). */
export const MAX_ACCESS_SECRET_BYTES = 3050;

// controller/registry/controller.go validate: "the max length of name is 64" counts bytes (Go len()).
function nameBytesProblem(name: string): string | undefined {
    const bytes = Buffer.byteLength(name, "utf8");
    return bytes > 64 ? `is ${bytes} bytes in UTF-8; Harbor allows at most 64 bytes (the max length of name is 64)` : undefined;
}

// lib/endpoint.go ValidateHTTPURL stores only fmt.Sprintf("%s://%s%s", scheme, host, url.Path): a query or fragment
// is dropped and a percent-escape is stored decoded, so either would be a diff on every refresh; registry.url is
// varchar(256) (migration 0004_1.8.0).
function urlProblem(url: string): string | undefined {
    if (/[?#]/.test(url)) return `"${url}" has a query or fragment: Harbor keeps only scheme, host and path (lib/endpoint.go ValidateHTTPURL), so it would never match`;
    if (url.includes("%")) return `"${url}" has a percent-escape: Harbor stores the path decoded (lib/endpoint.go ValidateHTTPURL), so it would never match; write the character itself`;
    try {
        new URL(url);
    } catch {
        return `"${url}" is not a valid URL`;
    }
    const stored = trimUrl(url);
    return stored.length > 256 ? `is ${stored.length} characters (without a trailing /); Harbor stores at most 256 (registry.url)` : undefined;
}

// handler/registry.go Create/UpdateRegistry → common/http/transport.go ValidateCACertificate: every CERTIFICATE
// block must parse as X.509, and at least one must be there (else 400 "invalid CA certificate").
function caProblem(pem: string): string | undefined {
    if (pem.trim() === "") return undefined;
    const blocks = pem.replace(/\r\n?/g, "\n").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return "must be a PEM certificate (-----BEGIN CERTIFICATE-----), or empty for the system roots";
    for (const [i, block] of blocks.entries()) {
        try {
            new X509Certificate(block);
        } catch {
            return `certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate (Harbor refuses the CA with 400 "invalid CA certificate")`;
        }
    }
    return undefined;
}

function accessSecretProblem(secret: string): string | undefined {
    const bytes = Buffer.byteLength(secret, "utf8");
    return bytes > MAX_ACCESS_SECRET_BYTES ? `is ${bytes} bytes; Harbor stores it encrypted in a varchar(4096), which holds at most ${MAX_ACCESS_SECRET_BYTES} bytes of secret` : undefined;
}

/** The declaration: check, diff, types and the README table come from here. */
export const REGISTRY = declareResource({
    type: "Registry",
    // type replaces, deleting first when the name stays (names are unique).
    deleteBeforeReplace: (o, n) => o.name === n.name,
    adoptable: true,
    inputs: {
        name: requiredInput(refined(stringField({ required: true, minLength: 1, maxLength: 64, line: true }), { problem: nameBytesProblem }), "Unique name of the endpoint in Harbor (at most 64 bytes)."),
        type: requiredInput(oneOfField(REGISTRY_TYPES, { required: true }), "The adapter (artifact-hub and helm-hub have none in 2.15); a change replaces the registry, deleting first when the name stays.", { replaces: true }),
        url: requiredInput(
            refined(stringField({ required: true, pattern: /^https?:\/\/[^\s/@]+(\/\S*)?$/, patternHint: "expected an http(s) URL without credentials, e.g. https://harbor-prod.example.com" }), { problem: urlProblem, normalise: trimUrl }),
            "Endpoint URL (a trailing `/` is trimmed, as Harbor stores it; no query, fragment or percent-escapes).",
        ),
        accessKey: input(stringField({ default: "", maxLength: 128, line: true }), "User name / access key id; `\"\"` with no accessSecret = anonymous."),
        accessSecret: input(secretField({ default: "", problem: accessSecretProblem, summary: `string (at most ${MAX_ACCESS_SECRET_BYTES} bytes)` }), "Password / secret key, tracked by `accessSecretHash` (Harbor shows `*****`), so a rotation is applied.", { writeOnly: true }),
        insecure: input(boolField(false), "Skip TLS verification of the endpoint; prefer caCertificate."),
        caCertificate: input(refined(stringField({ default: "" }), { problem: caProblem, summary: "string: PEM certificates, or `\"\"`" }), "PEM CA for the endpoint (Harbor ≥ 2.15); `\"\"` = system roots."),
        description: input(stringField({ default: "", maxLength: 1024, text: true }), "Free text."),
    },
    outputs: {
        registryId: { doc: "Harbor's numeric registry id (ReplicationPolicy.registryId, Project.registryId)." },
        accessSecretHash: { doc: "sha256 of the access secret (domain-separated, salted with the access key): a rotation is a change.", secret: true },
    },
    rules: (i, fail, failed) => {
        if (typeof i.accessKey === "string" && typeof i.accessSecret === "string" && !failed("accessSecret") && !!i.accessKey !== !!i.accessSecret) {
            fail(i.accessKey ? "accessSecret" : "accessKey", "accessKey and accessSecret go together: set both, or neither for anonymous access");
        }
    },
});

export type RegistryInputs = InputsOf<typeof REGISTRY.spec.inputs> & { adopt?: boolean };
export type RegistryArgs = AdoptableArgsOf<typeof REGISTRY.spec.inputs>;

export interface RegistryOutputs extends RegistryInputs {
    registryId: number;
    /** sha256 of the access secret (domain-separated, salted with the access key): rotation shows as a change. */
    accessSecretHash: string;
}

/** Fields read back from Harbor. The secret is compared through its hash (see diff). */
const INPUT_KEYS = ["connection", ...REGISTRY.managed] as const;

/** Harbor's wire form (subset of the swagger's Registry). */
interface ApiRegistry {
    id: number;
    name: string;
    type: string;
    url: string;
    description?: string;
    insecure?: boolean;
    ca_certificate?: string | null;
    credential?: { type?: string; access_key?: string; access_secret?: string };
}

/** The hash kept in state for a write-only secret. Not reversible; empty secret → "". */
export function secretHash(accessKey: string, secret: string): string {
    if (!secret) return "";
    return createHash("sha256").update(`harbor-platform/registry-secret\0${accessKey}\0${secret}`, "utf8").digest("hex");
}

export class RegistryProvider extends DeclaredProvider<RegistryInputs, RegistryOutputs> implements pulumi.dynamic.ResourceProvider<RegistryInputs, RegistryOutputs> {
    protected readonly declaration = REGISTRY;

    /** The secret is compared by its hash (Harbor never shows it). Pure. */
    async diff(id: string, olds: RegistryOutputs, news: RegistryInputs): Promise<pulumi.dynamic.DiffResult> {
        const d = await super.diff(id, olds, news);
        const rotated = secretHash(news.accessKey, news.accessSecret) !== (olds.accessSecretHash ?? "");
        return rotated ? { ...d, changes: true } : d;
    }

    async create(inputs: RegistryInputs): Promise<pulumi.dynamic.CreateResult<RegistryOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            if (inputs.adopt) {
                // adopt: Harbor never shows the secret, so an empty hash makes the update send the declared credential.
                const existing = await this.findByName(c, inputs.name);
                const adopted = existing && (await adoptExisting<RegistryInputs, RegistryOutputs>("registry", this, String(existing.id), inputs, { registryId: existing.id, accessSecretHash: "" }, ["type"]));
                if (adopted) return adopted;
            }
            await this.ping(c, inputs);
            const created = await c.create(
                "/registries",
                {
                    name: inputs.name, type: inputs.type, url: inputs.url, description: inputs.description, insecure: inputs.insecure,
                    ...(inputs.caCertificate ? { ca_certificate: inputs.caCertificate } : {}),
                    ...(inputs.accessKey ? { credential: { type: "basic", access_key: inputs.accessKey, access_secret: inputs.accessSecret } } : {}),
                },
                { probe: async () => (await this.findByName(c, inputs.name))?.id },
            );
            const registryId = Number(created.id);
            if (created.adopted) {
                // The lost response's POST carried these values; a PUT makes sure (cheap, and only after a fault).
                await c.put(`/registries/${registryId}`, this.updateBody(undefined, inputs));
            }
            return { id: String(registryId), outs: { ...inputs, registryId, accessSecretHash: secretHash(inputs.accessKey, inputs.accessSecret) } };
        });
    }

    /** One GET. The secret cannot be read back (Harbor masks it); its hash stays as stored. */
    async read(id: string, state?: RegistryOutputs): Promise<pulumi.dynamic.ReadResult<RegistryOutputs>> {
        return this.readState(state, async (c, props) => {
            const r = await c.get<ApiRegistry>(`/registries/${id}`);
            const outs: RegistryOutputs = {
                ...props,
                ...fromHarbor(r),
                registryId: r.id,
            };
            return { id: String(r.id), props: outs, inputs: pick(outs, INPUT_KEYS) as RegistryOutputs };
        });
    }

    /** One PUT with only what changed (the secret is sent when its hash differs). */
    async update(id: string, olds: RegistryOutputs, news: RegistryInputs): Promise<pulumi.dynamic.UpdateResult<RegistryOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const body = this.updateBody(olds, news);
            // A new endpoint or credential is pinged first, like on create: a bad rotation fails before Harbor stores it.
            if (["url", "insecure", "ca_certificate", "access_key"].some((k) => k in body)) await this.ping(c, news);
            if (Object.keys(body).length > 0) {
                try {
                    await c.put(`/registries/${id}`, body);
                } catch (err) {
                    // Harbor health-checks the endpoint on EVERY PUT, whatever changed.
                    if (err instanceof HarborApiError && err.status === 400 && /unhealthy/i.test(err.detail)) {
                        const who = news.accessKey ? `with access key "${news.accessKey}"` : "anonymously";
                        throw new Error(
                            `registry "${news.name}": Harbor refused the update because it cannot reach ${news.type} endpoint ${news.url} ${who} (400: ${err.detail}). ` +
                                `Harbor health-checks the endpoint on every change, even of the description: bring the endpoint back (or fix url/credential) and run again.`,
                        );
                    }
                    throw err;
                }
            }
            return { outs: { ...news, registryId: Number(id), accessSecretHash: secretHash(news.accessKey, news.accessSecret) } };
        });
    }

    async delete(id: string, props: RegistryOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            try {
                await c.delete(`/registries/${id}`); // false (404) = already gone
            } catch (err) {
                if (err instanceof HarborApiError && err.status === 412) {
                    throw new Error(
                        `Harbor refuses to delete registry "${props.name}" (id ${id}) because it is still in use (${err.detail}). ` +
                            `Delete the replication policies and proxy-cache projects that use it first (with Pulumi: make them depend on this registry).`,
                    );
                }
                throw err;
            }
        });
    }

    /** POST /registries/ping with the endpoint and credential; a clear error when Harbor cannot use them. */
    private async ping(c: HarborClient, r: RegistryInputs): Promise<void> {
        try {
            await c.request("POST", "/registries/ping", {
                // A ping creates nothing: retry it on 503/429/timeouts like a GET, or one flaky answer fails the deploy.
                idempotent: true,
                body: {
                    type: r.type, url: r.url, insecure: r.insecure,
                    ...(r.caCertificate ? { ca_certificate: r.caCertificate } : {}),
                    ...(r.accessKey ? { credential_type: "basic", access_key: r.accessKey, access_secret: r.accessSecret } : {}),
                },
            });
        } catch (err) {
            // 401/403 are Harbor's answer to the connection's own user, not to the remote credential: say so.
            if (err instanceof HarborApiError && err.status === 401) {
                throw new Error(
                    `registry "${r.name}": Harbor at ${r.connection.url} rejected the credentials of user "${r.connection.username}" (401 ${err.code}) on POST /registries/ping. ` +
                        `Check connection.username and connection.password (the endpoint's accessKey/accessSecret were not tried).`,
                );
            }
            if (err instanceof HarborApiError && err.status === 403) {
                throw new Error(
                    `registry "${r.name}": Harbor at ${r.connection.url} does not allow user "${r.connection.username}" to manage registries (403 ${err.code}${err.detail ? `: ${err.detail}` : ""}). ` +
                        `Registries need a Harbor system administrator as connection.username.`,
                );
            }
            if (err instanceof HarborApiError && (err.status === 400 || err.status === 404)) {
                const who = r.accessKey ? `with access key "${r.accessKey}"` : "anonymously";
                throw new Error(
                    `registry "${r.name}": Harbor cannot reach ${r.type} endpoint ${r.url} ${who} (${err.detail || err.code}). ` +
                        `Check url, type, accessKey/accessSecret${r.insecure ? "" : ", and caCertificate/insecure for a private CA"}.`,
                );
            }
            throw err;
        }
    }

    private async findByName(c: HarborClient, name: string): Promise<ApiRegistry | undefined> {
        const q = qExact("name", name); // Harbor unescapes q twice; undefined (a ','): list all, match here
        const list = await c.list<ApiRegistry>("/registries", q ? { query: { q } } : {});
        return list.find((r) => r.name === name);
    }

    /** RegistryUpdate body: every field when `olds` is undefined, else only the changed ones. */
    private updateBody(olds: RegistryOutputs | undefined, news: RegistryInputs): Record<string, unknown> {
        const changed = (k: keyof RegistryInputs) => !olds || !deepEqual(olds[k], news[k]);
        const body: Record<string, unknown> = {};
        if (changed("name")) body.name = news.name;
        if (changed("url")) body.url = news.url;
        if (changed("description")) body.description = news.description;
        if (changed("insecure")) body.insecure = news.insecure;
        if (changed("caCertificate")) body.ca_certificate = news.caCertificate;
        const secretChanged = !olds || secretHash(news.accessKey, news.accessSecret) !== olds.accessSecretHash;
        if (changed("accessKey") || secretChanged) {
            Object.assign(body, { credential_type: "basic", access_key: news.accessKey, access_secret: news.accessSecret });
        }
        return body;
    }
}

/** Harbor registry → managed fields (secret excluded: Harbor masks it). */
function fromHarbor(r: ApiRegistry): Omit<RegistryInputs, "connection" | "accessSecret"> {
    return {
        name: r.name,
        type: r.type as RegistryType,
        url: trimUrl(r.url ?? ""),
        accessKey: r.credential?.access_key ?? "",
        insecure: r.insecure ?? false,
        caCertificate: r.ca_certificate ?? "",
        description: r.description ?? "",
    };
}

/** The provider every Registry uses, in the dynamic-provider host (harbor/hosted.ts). */
export const registryProvider = new RegistryProvider();

/** A registry endpoint (for replication or a proxy-cache project). */
export class Registry extends HarborResource {
    /** Harbor's numeric registry id (ReplicationPolicy.registryId, Project.registryId). */
    declare readonly registryId: pulumi.Output<number>;
    /** Hash of the access secret: changes when the secret is rotated. A secret (a verifier of the password). */
    declare readonly accessSecretHash: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.CustomResourceOptions) {
        const props = dynamicProps(args, REGISTRY.outputNames);
        if (args.accessSecret !== undefined) props.accessSecret = pulumi.secret(args.accessSecret);
        // The hash has no secret input twin: encrypt it in state like SystemConfig's hashes (it allows offline guessing).
        super(REGISTRY.type, name, props, withSecretOutputs(opts, REGISTRY.secretOutputs));
        this.accessSecretHash = pulumi.secret(this.accessSecretHash);
    }
}
