// What every Harbor resource stores as its dynamic provider (`__provider`): a two-line loader, not the provider's code.
//
// Pulumi's dynamic-provider host (plain node, cwd = the project root) turns a resource's `__provider` text into a
// module with `require-from-string` and calls its `handler()` for the provider. `pulumi.dynamic.Resource` fills that
// text by serializing a provider object with the closure serializer: the whole client and input checker, 42-62 KiB per
// resource type, stored twice per resource (inputs and outputs), changed by every edit of the code, and broken where
// the serializer cannot carry a value (a module-level Set, Error subclasses, ...). It also hands the SDK an Output per
// resource to wait for. So the Harbor resources (harbor/resource.ts HarborResource) register this constant text
// instead: the host requires `<project root>/harbor/host.js`, which loads the providers from the checkout as ordinary
// modules. About 100 bytes, the same for every version of the code. See harbor/README.md "How the engine runs the
// providers" for what must never be renamed or moved.
import type { HarborResourceType } from "./hosted";

/** The file every Harbor resource's `__provider` requires, relative to the project root (the host's cwd). */
export const HOST_MODULE = "harbor/host.js";

/** The `__provider` text of one Harbor resource type: a module whose `handler()` returns the type's provider. */
export function providerText(type: HarborResourceType): string {
    return `exports.handler = () => require(process.cwd() + "/${HOST_MODULE}").provider(${JSON.stringify(type)});\n`;
}
