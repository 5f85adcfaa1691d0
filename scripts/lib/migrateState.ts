// Rewrites the `__provider` of every Harbor resource in an exported stack (`pulumi stack export`) to the thin loader
// the program registers today (harbor/loader.ts). Stacks deployed before the loader carry the whole provider code,
// serialized by value, in each Harbor resource's inputs and outputs (42-62 KiB each); Read and Delete run the text
// stored in state, so until a resource is next updated, `pulumi refresh` and `destroy` would keep running that old
// code. After the rewrite every Harbor resource runs the checkout's code, and the state is a fraction of its size.
//
// The rewrite touches nothing else: ids, other inputs and outputs, secrets (still ciphertext), dependencies, and
// every resource that is not a Harbor resource stay byte for byte as exported.
import { HARBOR_PROVIDERS, HarborResourceType } from "../../harbor/hosted";
import { providerText } from "../../harbor/loader";

/** The type token prefix of every Harbor dynamic resource. */
export const HARBOR_TYPE_PREFIX = "pulumi-nodejs:dynamic/harbor:";

/** The parts of `pulumi stack export`'s document the rewrite reads (checkpoint version 3). */
export interface StackExport {
    version: number;
    deployment: {
        resources?: ExportedResource[];
        [key: string]: unknown;
    };
}

export interface ExportedResource {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    [key: string]: unknown;
}

export interface MigrationReport {
    /** Harbor resources whose `__provider` was rewritten. */
    rewritten: number;
    /** Harbor resources that already had the loader. */
    current: number;
    /** Bytes of the document before and after (as JSON, the way it is written back). */
    bytesBefore: number;
    bytesAfter: number;
}

/** Serialized the way the migration writes the document back (pulumi stack import reads any JSON). */
export const exportText = (doc: StackExport): string => JSON.stringify(doc, null, 4) + "\n";

/**
 * Rewrites `doc` in place; returns what changed. Refuses a document it does not understand, and a Harbor type this
 * checkout does not know (that state was written by other code: migrate it from that code's checkout), before
 * changing anything.
 */
export async function migrateExport(doc: StackExport): Promise<MigrationReport> {
    if (!doc || typeof doc !== "object" || typeof doc.deployment !== "object" || doc.deployment === null) {
        throw new Error("not a `pulumi stack export` document: no `deployment`");
    }
    if (doc.version !== 3) throw new Error(`checkpoint version ${doc.version} is not supported (expected 3, as Pulumi 3.x exports)`);
    const resources = doc.deployment.resources ?? [];
    const harbor = resources.filter((r) => typeof r.type === "string" && r.type.startsWith(HARBOR_TYPE_PREFIX));
    const unknown = [...new Set(harbor.map((r) => r.type.slice(HARBOR_TYPE_PREFIX.length)).filter((t) => !(t in HARBOR_PROVIDERS)))];
    if (unknown.length > 0) {
        throw new Error(`unknown Harbor resource types in the state: ${unknown.join(", ")} (known: ${Object.keys(HARBOR_PROVIDERS).join(", ")}); nothing was changed`);
    }
    const bytesBefore = Buffer.byteLength(exportText(doc));
    let rewritten = 0;
    let current = 0;
    for (const r of harbor) {
        const text = providerText(r.type.slice(HARBOR_TYPE_PREFIX.length) as HarborResourceType);
        let changed = false;
        for (const props of [r.inputs, r.outputs]) {
            if (!props || !("__provider" in props)) continue;
            if (props.__provider !== text) {
                props.__provider = text;
                changed = true;
            }
        }
        if (changed) rewritten++;
        else current++;
    }
    return { rewritten, current, bytesBefore, bytesAfter: Buffer.byteLength(exportText(doc)) };
}
