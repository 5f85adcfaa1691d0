// A stack checkpoint built from the registrations of a planned program (scripts/plan.ts under mocks), the way the
// engine writes it (pulumi/pulumi sdk/go/common/apitype: CheckpointV3 / ResourceV3, written indented by the file
// backend): per resource its URN, id, type, parent, provider reference, dependencies, inputs and outputs, with
// secrets encrypted (AES-256-GCM, as the passphrase secrets manager does: "v1:<nonce>:<ciphertext>") and, for a
// dynamic resource, `__provider` in both its inputs and its outputs. Used to measure state size (npm run bench) and
// as the fixture of the state migration (tests/migrateState.spec.ts).
//
// Harbor resources are stored as the engine would: inputs as their provider's `check` normalises them (run here; it
// makes no request), outputs as those plus the ids the provider computes (the mocks' answer). Other resources:
// the registered inputs and the mocks' state.
import { createCipheriv, randomBytes } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { HARBOR_PROVIDERS, HarborResourceType } from "../../harbor/hosted";
import { ExportedResource, HARBOR_TYPE_PREFIX, StackExport } from "./migrateState";
import type { RecordedResource } from "./plan-mocks";

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;
const PROJECT = "harbor-platform";

let byValueText: Promise<string> | undefined;

/**
 * A `__provider` as the code before the loader stored it: code serialized by value by the SDK's closure serializer
 * (`pulumi.runtime.serializeFunction`). Today's providers can no longer be serialized that way — the serializer
 * cannot resolve zod's package exports ("export path for zod/v4/core/util.cjs not found"), one more thing the
 * loader spares — so this serializes the part every old blob carried whole: the REST client (harbor/client.ts,
 * with undici's requires). Opaque text to the migration; a lower bound of an old blob's size.
 */
export function byValueProviderText(): Promise<string> {
    byValueText ??= (async () => {
        const { HarborClient } = await import("../../harbor/client");
        return (await pulumi.runtime.serializeFunction(() => HarborClient, { allowSecrets: true })).text;
    })();
    return byValueText;
}

/** How each dynamic resource's `__provider` is stored: the text to store, or undefined to leave it out. */
export type ProviderTextFor = (r: RecordedResource) => string | undefined;

/** Encrypts like the passphrase secrets manager; one key per checkpoint. */
function encrypter(): (value: unknown) => string {
    const key = randomBytes(32);
    return (value) => {
        const nonce = randomBytes(12);
        const cipher = createCipheriv("aes-256-gcm", key, nonce);
        const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
        return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
    };
}

/** A property value as the engine stores it: secrets as ciphertext objects, everything else as plain JSON. */
function storedValue(v: unknown, encrypt: (value: unknown) => string): unknown {
    if (Array.isArray(v)) return v.map((x) => storedValue(x, encrypt));
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === SECRET) return { [SIG]: SECRET, ciphertext: encrypt(o.value) };
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) if (x !== undefined) out[k] = storedValue(x, encrypt);
        return out;
    }
    return v;
}

/** `v` without secret wrappers, and the top-level keys that were secret. */
function unwrapSecrets(props: Record<string, unknown>): { plain: Record<string, unknown>; secretKeys: Set<string> } {
    const secretKeys = new Set<string>();
    const unwrap = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(unwrap);
        if (v && typeof v === "object") {
            const o = v as Record<string, unknown>;
            if (o[SIG] === SECRET) return unwrap(o.value);
            return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
        }
        return v;
    };
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
        if (v && typeof v === "object" && (v as Record<string, unknown>)[SIG] === SECRET) secretKeys.add(k);
        plain[k] = unwrap(v);
    }
    return { plain, secretKeys };
}

const rewrap = (props: Record<string, unknown>, secretKeys: Set<string>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(props).map(([k, v]) => [k, secretKeys.has(k) ? { [SIG]: SECRET, value: v } : v]));

/**
 * What the engine stores for a Harbor resource: its inputs as `check` normalised them (defaults filled in), and its
 * outputs as those plus what the provider computes (the mocks' ids); secret inputs stay secret in both.
 */
async function harborProps(r: RecordedResource, inputs: Record<string, unknown>, state: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; outputs: Record<string, unknown> }> {
    const provider = HARBOR_PROVIDERS[r.type.slice(HARBOR_TYPE_PREFIX.length) as HarborResourceType];
    const { plain, secretKeys } = unwrapSecrets(inputs);
    const checked = provider ? ((await provider.check({} as never, plain as never)).inputs as unknown as Record<string, unknown>) : plain;
    const computed = Object.fromEntries(Object.entries(unwrapSecrets(state).plain).filter(([k]) => !(k in plain)));
    return { inputs: rewrap(checked, secretKeys), outputs: rewrap({ ...checked, ...computed }, secretKeys) };
}

/** The type chain of a URN (`parent$child` types), read from the parent's URN. */
function urnOf(stack: string, r: RecordedResource): string {
    const parentTypes = r.parentUrn ? r.parentUrn.split("::")[2] : "";
    return `urn:pulumi:${stack}::${PROJECT}::${parentTypes ? `${parentTypes}$` : ""}${r.type}::${r.name}`;
}

/**
 * The checkpoint of `recorded` for `stack`. `providerText` decides each dynamic resource's `__provider`; the
 * registrations' own `__provider` is ignored, so the same registrations can be stored old-style, new-style or without.
 */
export async function checkpointOf(stack: string, recorded: readonly RecordedResource[], providerText: ProviderTextFor): Promise<StackExport> {
    const encrypt = encrypter();
    const defaultProvider = `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:pulumi-nodejs::default::00000000-0000-4000-8000-000000000000`;
    const now = "2026-01-01T00:00:00.000000Z";
    const resources: ExportedResource[] = [
        { urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`, custom: false, type: "pulumi:pulumi:Stack", outputs: {}, created: now, modified: now },
    ];
    for (const r of recorded) {
        const dynamic = r.type.startsWith("pulumi-nodejs:dynamic/");
        const { __provider: _registered, ...registered } = r.inputs;
        const { __provider: _state, ...answered } = r.state;
        const { inputs, outputs: state } = r.type.startsWith(HARBOR_TYPE_PREFIX) ? await harborProps(r, registered, answered) : { inputs: registered, outputs: answered };
        const text = dynamic ? providerText(r) : undefined;
        const withText = (props: Record<string, unknown>) => (text === undefined ? props : { ...props, __provider: text });
        resources.push({
            urn: urnOf(stack, r),
            custom: r.custom,
            ...(r.custom ? { id: `${r.name}-id` } : {}),
            type: r.type,
            inputs: withText(storedValue(inputs, encrypt) as Record<string, unknown>),
            outputs: withText(storedValue(r.custom ? state : {}, encrypt) as Record<string, unknown>),
            parent: r.parentUrn || resources[0].urn,
            ...(r.protect ? { protect: true } : {}),
            ...(r.custom ? { provider: dynamic ? defaultProvider : `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:${r.type.split(":")[0]}::default::00000000-0000-4000-8000-000000000001` } : {}),
            dependencies: r.dependencies,
            propertyDependencies: {},
            created: now,
            modified: now,
        });
    }
    return {
        version: 3,
        deployment: {
            manifest: { time: now, magic: "", version: "v3" },
            secrets_providers: { type: "passphrase", state: { salt: "v1:AAAAAAAAAAA=:v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } },
            resources,
        },
    };
}

/**
 * Bytes of one resource as the file backend writes it: indented JSON, three levels deep in the document
 * (deployment, resources, the entry), plus the separating ",\n".
 */
export function storedBytes(r: ExportedResource): number {
    const text = JSON.stringify(r, null, 4);
    return Buffer.byteLength(text) + text.split("\n").length * 12 + 2;
}
