// The Harbor providers as Pulumi's dynamic-provider host calls them (loaded by harbor/host.js, see harbor/loader.ts).
//
// Everything handed back to the host goes through protobuf's `Struct.fromJavaScript`, which accepts only null,
// booleans, numbers, strings, arrays and plain objects: one key set to `undefined` fails the whole call with
// "Unexpected struct type." (and a create that succeeded in Harbor would never be recorded). So every result, and
// the properties of a partial-create error, are made plain here, in one place, for every type.
import type * as pulumi from "@pulumi/pulumi";
import { artifactCheckProvider } from "./artifactCheck";
import { defaultScannerProvider } from "./defaultScanner";
import { garbageCollectionScheduleProvider } from "./gcSchedule";
import { groupProvider } from "./group";
import { imageSignatureProvider } from "./imageSignature";
import { immutableTagRuleProvider } from "./immutableTagRule";
import { labelProvider } from "./label";
import { projectProvider } from "./project";
import { projectMemberProvider } from "./projectMember";
import { purgeAuditScheduleProvider } from "./purgeAuditSchedule";
import { readyProvider } from "./ready";
import { registryProvider } from "./registry";
import { replicationPolicyProvider } from "./replicationPolicy";
import { retentionPolicyProvider } from "./retentionPolicy";
import { robotAccountProvider } from "./robotAccount";
import { systemConfigProvider } from "./systemConfig";
import { userProvider } from "./user";
import { webhookProvider } from "./webhook";

/** The provider surface the host drives; `update` and `delete` are absent where the type has none. */
interface EngineFacingProvider {
    check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult>;
    diff(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult>;
    create(inputs: unknown): Promise<pulumi.dynamic.CreateResult>;
    read(id: string, props?: unknown): Promise<pulumi.dynamic.ReadResult>;
    update?(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult>;
    delete?(id: string, props: unknown): Promise<void>;
}

/** Every Harbor resource type, by the name in its type token `pulumi-nodejs:dynamic/harbor:<Type>`. */
export const HARBOR_PROVIDERS = {
    ArtifactCheck: artifactCheckProvider,
    DefaultScanner: defaultScannerProvider,
    GarbageCollectionSchedule: garbageCollectionScheduleProvider,
    Group: groupProvider,
    ImageSignature: imageSignatureProvider,
    ImmutableTagRule: immutableTagRuleProvider,
    Label: labelProvider,
    Project: projectProvider,
    ProjectMember: projectMemberProvider,
    PurgeAuditSchedule: purgeAuditScheduleProvider,
    Ready: readyProvider,
    Registry: registryProvider,
    ReplicationPolicy: replicationPolicyProvider,
    RetentionPolicy: retentionPolicyProvider,
    RobotAccount: robotAccountProvider,
    SystemConfig: systemConfigProvider,
    User: userProvider,
    Webhook: webhookProvider,
} as const satisfies Record<string, EngineFacingProvider>;

export type HarborResourceType = keyof typeof HARBOR_PROVIDERS;

/**
 * `value` as protobuf's Struct accepts it: keys whose value is undefined are left out (as JSON would), and anything
 * that is not plain data is refused with the path to it, so a provider bug is named instead of the host's
 * "Unexpected struct type.".
 */
export function plainData(value: unknown, path = "result"): unknown {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new Error(`${path} is ${value}, which the engine cannot store`);
        return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => (v === undefined ? null : plainData(v, `${path}[${i}]`)));
    if (typeof value === "object") {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw new Error(`${path} is a ${proto?.constructor?.name ?? "class instance"}, not plain data`);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainData(v, `${path}.${k}`);
        return out;
    }
    throw new Error(`${path} is a ${typeof value}, not plain data`);
}

const plain = <T>(value: T, path: string): T => plainData(value, path) as T;

/** A partial-create error (`id`, `properties`, `reasons`) with its properties made plain; others pass unchanged. */
function engineError(err: unknown, type: string): unknown {
    if (!(err instanceof Error) || !("id" in err)) return err;
    const e = err as Error & { properties?: unknown };
    if (e.properties !== undefined) e.properties = plainData(e.properties, `${type} partial create properties`);
    return err;
}

/** The methods the host calls for `type`, each returning plain data. */
export function hostedProvider(type: string): EngineFacingProvider {
    if (!Object.prototype.hasOwnProperty.call(HARBOR_PROVIDERS, type)) {
        throw new Error(`unknown Harbor resource type "${type}" (known: ${Object.keys(HARBOR_PROVIDERS).join(", ")})`);
    }
    const p: EngineFacingProvider = HARBOR_PROVIDERS[type as HarborResourceType];
    const hosted: EngineFacingProvider = {
        check: async (olds, news) => plain(await p.check(olds, news), `${type}.check`),
        diff: async (id, olds, news) => plain(await p.diff(id, olds, news), `${type}.diff`),
        create: async (inputs) => {
            try {
                return plain(await p.create(inputs), `${type}.create`);
            } catch (err) {
                throw engineError(err, type);
            }
        },
        read: async (id, props) => plain(await p.read(id, props), `${type}.read`),
    };
    if (p.update) {
        const update = p.update.bind(p);
        hosted.update = async (id, olds, news) => plain(await update(id, olds, news), `${type}.update`);
    }
    if (p.delete) hosted.delete = p.delete.bind(p);
    return hosted;
}
