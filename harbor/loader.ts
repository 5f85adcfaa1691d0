// The dynamic provider every Harbor resource registers: a thin loader, not the provider's code.
//
// `pulumi.dynamic.Resource` serializes the provider object it is given into the resource's `__provider` input, and
// the engine stores that text with the resource's inputs AND outputs in state. Serializing the real providers by
// value inlined the whole client and input checker (42-62 KiB per resource type, changed by every edit to the code)
// and broke what the closure serializer cannot carry (a module-level Set, Error subclasses, ...).
//
// So the object registered is the export of `harbor-provider-loader/<Type>.js` (harbor/provider-loader, installed
// into node_modules as a copy): the serializer writes a module from node_modules as `require("...")`, so the stored
// text is about 270 bytes and the same for every version of the provider's code. In Pulumi's dynamic-provider host
// (plain node, cwd = the project root) the loader's `configure` requires harbor/host.js, which loads the providers
// from the checkout as ordinary modules. See harbor/README.md "How the engine runs the providers" for what must never
// be renamed or moved.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { HarborResourceType } from "./hosted";

/** The package every Harbor resource's `__provider` requires. */
export const LOADER_PACKAGE = "harbor-provider-loader";

/** Where its sources live in the repository (npm installs a copy: .npmrc `install-links`). */
const SOURCE_DIR = path.join(__dirname, "provider-loader");

/**
 * Why the installed copy at `installedDir` cannot be used for the sources at `sourceDir`, or undefined when it is
 * the same: a stale copy (sources changed, `npm ci` not run since) is what every resource's state would name.
 */
export function installedCopyProblem(sourceDir: string, installedDir: string | undefined): string | undefined {
    const root = path.resolve(sourceDir, "..", "..");
    if (!installedDir || !fs.existsSync(installedDir)) return `${LOADER_PACKAGE} is not installed (it comes from harbor/provider-loader): run npm ci in ${root}`;
    const stale = fs.readdirSync(sourceDir).filter((f) => {
        const installed = path.join(installedDir, f);
        return !fs.existsSync(installed) || !fs.readFileSync(installed).equals(fs.readFileSync(path.join(sourceDir, f)));
    });
    if (stale.length === 0) return undefined;
    return `node_modules/${LOADER_PACKAGE} differs from harbor/provider-loader (${stale.join(", ")}): run npm ci (or npm install) in ${root} to refresh the installed copy`;
}

let verified = false;

/** Checked once per process, before the first registration; refuses with what to run. */
function verifyInstalledCopy(): void {
    if (verified) return;
    let installedDir: string | undefined;
    try {
        installedDir = path.dirname(require.resolve(`${LOADER_PACKAGE}/package.json`, { paths: [SOURCE_DIR] }));
    } catch {
        installedDir = undefined;
    }
    const problem = installedCopyProblem(SOURCE_DIR, installedDir);
    if (problem) throw new Error(problem);
    verified = true;
}

const loaders = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The loader for one Harbor resource type: the installed package's object for it (one per type and process). */
export function providerLoader(type: HarborResourceType): pulumi.dynamic.ResourceProvider {
    let loader = loaders.get(type);
    if (!loader) {
        verifyInstalledCopy();
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        loader = require(`${LOADER_PACKAGE}/${type}.js`) as pulumi.dynamic.ResourceProvider;
        loaders.set(type, loader);
    }
    return loader;
}

const loaderTexts = new Map<string, Promise<string>>();

/**
 * The `__provider` text a registration of `type` stores: what `pulumi.dynamic.Resource` serializes for the loader
 * (the SDK's serializeProvider, whose captured variable is named `provider`: the name is part of the text). Used to
 * rewrite old state (scripts/migrate-state.ts) and by the engine-protocol tests.
 */
export function loaderText(type: HarborResourceType): Promise<string> {
    let text = loaderTexts.get(type);
    if (!text) {
        const provider = providerLoader(type);
        text = pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }).then((sf) => sf.text);
        loaderTexts.set(type, text);
    }
    return text;
}
