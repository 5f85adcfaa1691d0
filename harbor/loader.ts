// The dynamic provider every Harbor resource registers: a thin loader, not the provider's code.
//
// `pulumi.dynamic.Resource` serializes the provider object it is given into the resource's `__provider` input, and
// the engine stores that text with the resource's inputs AND outputs in state. Serializing the real providers by
// value inlined the whole client and input checker (42-62 KiB per resource type, changed by every edit to the code)
// and broke what the closure serializer cannot carry (a module-level Set, Error subclasses, ...).
//
// So the object registered is only `{ type, configure }` (about 550 bytes of text, the same for every version of the
// provider's code). Pulumi's dynamic-provider host (plain node, cwd = the project root) calls `configure` once after
// loading it; `configure` requires `<project root>/harbor/host.js`, which loads the providers as ordinary modules
// (the TypeScript sources, through ts-node) and copies the type's methods onto the loader. From then on the host
// calls check/diff/create/read/update/delete on real code. See harbor/README.md "How the engine runs the providers"
// for what must never be renamed or moved.
import type * as pulumi from "@pulumi/pulumi";
import type { HarborResourceType } from "./hosted";

/** What is serialized into `__provider`: the type name, and the hook that loads the real provider in the host. */
export interface ProviderLoader {
    readonly type: string;
    configure(): void;
}

/**
 * Runs in the host: loads the real provider for `this.type` and takes over its methods. Keep this text stable: it is
 * stored in every Harbor resource's state. It must not capture anything (the serializer would inline it): only
 * `this`, the global `process` and the host module's `require`.
 */
function configure(this: ProviderLoader): void {
    Object.assign(this, require(process.cwd() + "/harbor/host.js").provider(this.type));
}

const loaders = new Map<string, ProviderLoader>();

/**
 * The loader for one Harbor resource type; one object per type, so the SDK serializes each type once (it caches the
 * text per provider object).
 */
export function providerLoader(type: HarborResourceType): pulumi.dynamic.ResourceProvider {
    let loader = loaders.get(type);
    if (!loader) {
        loader = { type, configure };
        loaders.set(type, loader);
    }
    return loader as unknown as pulumi.dynamic.ResourceProvider;
}
