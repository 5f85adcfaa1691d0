// What every Harbor resource stores as its dynamic provider: this package is installed into node_modules as a copy
// (the project's .npmrc sets install-links), so Pulumi's closure serializer captures each type's object by reference,
// `require("harbor-provider-loader/<Type>.js")`, instead of serializing code: about 270 bytes of state per copy,
// the same for every version of the provider's code.
//
// In Pulumi's dynamic-provider host (plain node, cwd = the project root) the host calls `configure` once; it loads the
// real provider from the checkout (harbor/host.js) and takes over its methods. Never rename this package, its files,
// `configure`'s contract or harbor/host.js: every Harbor resource in every stack's state names them.
"use strict";

function configure() {
    Object.assign(this, require(process.cwd() + "/harbor/host.js").provider(this.type));
}

/** The loader object for one resource type. */
module.exports = (type) => ({ type, configure });
