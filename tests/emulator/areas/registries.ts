// Registries (replication / proxy-cache endpoints) and their ping.
// Server behaviours mirrored from Harbor v2.15:
// - names are unique (409), 1–64 bytes (controller/registry/controller.go validate: 400 "the max length of name is 64");
// - the type must have an adapter (pkg/reg/adapter GetFactory): an unknown one, including artifact-hub and helm-hub
//   (constants without a registered adapter in 2.15), is a plain error, so a 500 on create, update and ping;
// - create AND every update re-run validate: URL check and health check (400 "the registry is unhealthy");
// - GET masks the access secret as "*****" (write-only);
// - PUT takes the flat RegistryUpdate body; null/absent fields are left as they are;
// - ping answers 400 "the registry is unhealthy" for an endpoint it cannot reach or a credential it refuses (tests
//   declare the reachable endpoints with `addRemote`; the emulator logs every 400 as a violation, so tests that
//   provoke a failed ping call `takeViolations()`);
// - DELETE answers 412 while a proxy-cache project or a replication policy uses the registry (other areas register
//   their references with `addReferenceCheck`).
import { badRequest, conflict, created, defineArea, HarborEmulator, HarborError, notFound, ok, paginate, precondition } from "../server";
import { matches, parseQ } from "./query";
import { projectsArea } from "./projects";

/** The adapters Harbor 2.15 registers (pkg/reg/manager.go imports). */
export const REGISTRY_ADAPTERS = [
    "harbor", "docker-hub", "docker-registry", "huawei-SWR", "google-gcr", "aws-ecr", "azure-acr", "ali-acr", "jfrog-artifactory",
    "quay", "gitlab", "dtr", "tencent-tcr", "github-ghcr", "volcengine-cr",
];

export interface RegistryRecord {
    id: number;
    name: string;
    type: string;
    url: string;
    description: string;
    insecure: boolean;
    ca_certificate: string;
    credential?: { type: string; access_key: string; access_secret: string };
}

/** A remote endpoint the emulated Harbor can reach; credentials undefined = accepts anonymous. */
interface Remote {
    accessKey?: string;
    accessSecret?: string;
}

const NOW = "2026-01-01T00:00:00.000Z";
const trim = (u: string) => u.replace(/\/+$/, "");

export class RegistriesState {
    readonly registries = new Map<number, RegistryRecord>();
    readonly remotes = new Map<string, Remote>();
    private readonly referenceChecks: ((registryId: number) => string | undefined)[] = [];

    constructor(private readonly emu: HarborEmulator) {}

    /** Declare an endpoint ping can reach (and the credential it accepts). */
    addRemote(url: string, accessKey?: string, accessSecret?: string): void {
        this.remotes.set(trim(url), { accessKey, accessSecret });
    }

    /** Another area tells why a registry is in use (or undefined), for the 412 on delete. */
    addReferenceCheck(check: (registryId: number) => string | undefined): void {
        this.referenceChecks.push(check);
    }

    byName(name: string): RegistryRecord | undefined {
        for (const r of this.registries.values()) if (r.name === name) return r;
        return undefined;
    }

    must(id: number): RegistryRecord {
        const r = this.registries.get(id);
        if (!r) throw notFound(`registry ${id}`);
        return r;
    }

    /** Create directly (a seed, or a change behind the provider's back). */
    seed(r: Omit<RegistryRecord, "id" | "description" | "insecure" | "ca_certificate"> & Partial<RegistryRecord>): RegistryRecord {
        const rec: RegistryRecord = { description: "", insecure: false, ca_certificate: "", ...r, id: this.emu.nextId() };
        this.registries.set(rec.id, rec);
        return rec;
    }

    view(r: RegistryRecord): Record<string, unknown> {
        return {
            id: r.id, name: r.name, type: r.type, url: r.url, description: r.description, insecure: r.insecure,
            ...(r.ca_certificate ? { ca_certificate: r.ca_certificate } : {}),
            credential: r.credential ? { type: r.credential.type, access_key: r.credential.access_key, access_secret: "*****" } : { type: "basic", access_key: "", access_secret: "" },
            status: "healthy", creation_time: NOW, update_time: NOW,
        };
    }

    /** Why ping fails for this endpoint + credential, or undefined when it works. */
    pingProblem(url: string, accessKey: string | undefined, accessSecret: string | undefined): string | undefined {
        const remote = this.remotes.get(trim(url));
        if (!remote) return "the registry is unhealthy";
        if (remote.accessKey !== undefined && (remote.accessKey !== accessKey || remote.accessSecret !== accessSecret)) return "the registry is unhealthy";
        return undefined;
    }

    inUse(id: number): string | undefined {
        for (const p of this.emu.area(projectsArea).projects.values()) if (p.registry_id === id) return `the registry ${id} is referenced by proxy-cache project ${p.name}`;
        for (const check of this.referenceChecks) {
            const why = check(id);
            if (why) return why;
        }
        return undefined;
    }
}

function validType(type: unknown): string {
    if (typeof type !== "string" || !type) throw badRequest("type or url cannot be empty");
    if (!REGISTRY_ADAPTERS.includes(type)) throw new HarborError(500, "UNKNOWN", `adapter factory for ${type} not found`);
    return type;
}

function validName(name: unknown): string {
    if (typeof name !== "string" || !name) throw badRequest("name cannot be empty");
    if (Buffer.byteLength(name, "utf8") > 64) throw badRequest("the max length of name is 64");
    return name;
}

function validUrl(url: unknown): string {
    if (typeof url !== "string" || !/^https?:\/\/[^\s/]+/.test(url)) throw badRequest(`invalid registry URL ${JSON.stringify(url)}`);
    return trim(url);
}

export const registriesArea = defineArea<RegistriesState>({
    name: "registries",
    init: (emu) => new RegistriesState(emu),
    handlers: (state) => ({
        listRegistries: (req) => {
            let list = [...state.registries.values()];
            const name = req.query.get("name");
            if (name) list = list.filter((r) => r.name.includes(name));
            const q = parseQ(req.query.get("q"));
            list = list.filter((r) => matches(q.get("name"), r.name));
            return paginate(req, list.map((r) => state.view(r)));
        },
        createRegistry: (req) => {
            const b = req.body as { name?: string; type?: string; url?: string; description?: string; insecure?: boolean; ca_certificate?: string | null; credential?: { type?: string; access_key?: string; access_secret?: string } };
            validName(b.name);
            const why = state.pingProblem(validUrl(b.url), b.credential?.access_key, b.credential?.access_secret);
            validType(b.type);
            if (why) throw badRequest(why);
            if (state.byName(b.name!)) throw conflict(`registry ${b.name} already exists`);
            const rec = state.seed({
                name: b.name!, type: validType(b.type), url: validUrl(b.url), description: b.description ?? "", insecure: b.insecure ?? false,
                ca_certificate: b.ca_certificate ?? "",
                credential: b.credential?.access_key ? { type: b.credential.type ?? "basic", access_key: b.credential.access_key, access_secret: b.credential.access_secret ?? "" } : undefined,
            });
            return created("/registries", rec.id);
        },
        pingRegistry: (req) => {
            const b = req.body as { id?: number | null; type?: string | null; url?: string | null; access_key?: string | null; access_secret?: string | null };
            if (b.id) {
                const r = state.must(b.id);
                const why = state.pingProblem(r.url, r.credential?.access_key, r.credential?.access_secret);
                if (why) throw badRequest(why);
                return ok();
            }
            validType(b.type);
            const why = state.pingProblem(validUrl(b.url), b.access_key ?? undefined, b.access_secret ?? undefined);
            if (why) throw badRequest(why); // a 400 is also logged as a violation: tests that provoke it take them
            return ok();
        },
        getRegistry: (req) => ok(state.view(state.must(Number(req.params.id)))),
        updateRegistry: (req) => {
            const r = state.must(Number(req.params.id));
            const before = { ...r };
            const b = req.body as { name?: string | null; description?: string | null; url?: string | null; credential_type?: string | null; access_key?: string | null; access_secret?: string | null; insecure?: boolean | null; ca_certificate?: string | null };
            if (b.name != null && b.name !== r.name) {
                if (state.byName(b.name)) throw conflict(`registry ${b.name} already exists`);
                r.name = b.name;
            }
            if (b.url != null) r.url = validUrl(b.url);
            if (b.description != null) r.description = b.description;
            if (b.insecure != null) r.insecure = b.insecure;
            if (b.ca_certificate != null) r.ca_certificate = b.ca_certificate;
            if (b.access_key != null || b.access_secret != null) {
                const key = b.access_key ?? r.credential?.access_key ?? "";
                const secret = b.access_secret ?? r.credential?.access_secret ?? "";
                r.credential = key ? { type: b.credential_type ?? r.credential?.type ?? "basic", access_key: key, access_secret: secret } : undefined;
            }
            // controller.go Update → validate: name length, URL and the health check, whatever changed.
            validName(r.name);
            const why = state.pingProblem(r.url, r.credential?.access_key, r.credential?.access_secret);
            if (why) {
                Object.assign(r, before);
                throw badRequest(why);
            }
            return ok();
        },
        deleteRegistry: (req) => {
            const r = state.must(Number(req.params.id));
            const why = state.inUse(r.id);
            if (why) throw precondition(why);
            state.registries.delete(r.id);
            return ok();
        },
    }),
});
