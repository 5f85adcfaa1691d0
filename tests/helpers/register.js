// Tests run transpile-only (the type check is `npm run build`), and never need the Pulumi CLI.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
process.env.TS_NODE_COMPILER_OPTIONS = JSON.stringify({ module: "commonjs" });
require("ts-node/register");
