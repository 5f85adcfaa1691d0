// The entry point of the Harbor providers inside Pulumi's dynamic-provider host.
//
// The host is plain node (no ts-node, cwd = the project root). Each Harbor resource's `__provider` is a constant loader
// (harbor/loader.ts) whose `handler()` requires this file and calls `provider(type)`. This file makes the TypeScript
// sources of harbor/ loadable (ts-node, transpile only, limited to this folder) and hands over the provider, so the
// code that runs is always the checkout's current sources: no build step, nothing compiled to go stale.
//
// Never rename or move this file, and never rename `provider` or a resource type: every Harbor resource in every
// stack's state names them (harbor/README.md "How the engine runs the providers").
"use strict";

function loadTypeScript() {
    // Already loaded (the program itself, or tests, run under ts-node): nothing to do.
    if (require.extensions[".ts"]) return;
    let tsNode;
    try {
        tsNode = require("ts-node");
    } catch (err) {
        throw new Error(`the Harbor providers need ts-node to load their TypeScript sources (${err.message}): run npm ci in ${process.cwd()}`);
    }
    tsNode.register({
        transpileOnly: true,
        compilerOptions: { module: "commonjs" },
        scope: true,
        scopeDir: __dirname,
    });
}

/** The provider methods for one Harbor resource type (see harbor/hosted.ts). */
function provider(type) {
    loadTypeScript();
    return require("./hosted").hostedProvider(type);
}

module.exports = { provider };
