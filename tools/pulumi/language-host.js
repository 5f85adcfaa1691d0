// @ts-check
// The project's Node language host for the Pulumi CLI built by scripts/setup-pulumi.sh: the gRPC LanguageRuntime
// service the engine starts as `pulumi-language-nodejs <engine address>` to run a Node program. The Go module of
// Pulumi's own host is not served by the module proxy (see scripts/setup-pulumi.sh), so this one does the same
// job for this project's programs with the installed @pulumi/pulumi: `run` starts the SDK's cmd/run (what the real
// host starts, with the same flags and environment), `runPlugin` starts a policy pack through
// pulumi-analyzer-policy. It installs nothing and reports no plugins (the program's providers come from PATH, and
// the tests need none but the dynamic-provider host).
"use strict";
const path = require("path");
const { spawn } = require("child_process");

const programRoot = process.cwd();
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programRoot, __dirname] }));
/** @param {string} m */
const fromSdk = (m) => require(require.resolve(m, { paths: [sdkDir] }));
const grpc = fromSdk("@grpc/grpc-js");
const services = fromSdk(path.join(sdkDir, "proto", "language_grpc_pb"));
const messages = fromSdk(path.join(sdkDir, "proto", "language_pb"));
const pluginMessages = fromSdk(path.join(sdkDir, "proto", "plugin_pb"));
const sdkVersion = fromSdk(path.join(sdkDir, "package.json")).version;

// `pulumi-language-nodejs [flags] <engine address>`: flags first (e.g. -tracing), the address is the first non-flag.
const engineAddress = process.argv.slice(2).find((a) => !a.startsWith("-")) ?? "";
// The SDK's run entry point exits with 32 after it has already reported the error to the user.
const EXIT_ALREADY_REPORTED = 32;

/** @typedef {{ request: any }} Call */
/** @typedef {(err: unknown, value?: unknown) => void} Callback */

/** Pulumi's `Run`: start the program with the SDK's cmd/run as the real host does, report its outcome. */
function run(/** @type {Call} */ call, /** @type {Callback} */ done) {
    const req = call.request;
    const config = {};
    req.getConfigMap().forEach((/** @type {string} */ value, /** @type {string} */ key) => ((/** @type {any} */ (config))[key] = value));
    const info = req.getInfo();
    const args = [
        path.join(sdkDir, "cmd", "run"),
        `--monitor=${req.getMonitorAddress()}`,
        `--engine=${engineAddress}`,
        `--project=${req.getProject()}`,
        `--stack=${req.getStack()}`,
        `--pwd=${req.getPwd()}`,
        `--organization=${req.getOrganization()}`,
        `--parallel=${req.getParallel()}`,
        ...(req.getDryrun() ? ["--dry-run"] : []),
        ...(info ? [`--root-directory=${info.getRootDirectory()}`] : []),
        info ? info.getProgramDirectory() : req.getProgram(),
        ...req.getArgsList(),
    ];
    const env = {
        ...process.env,
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    };
    const child = spawn(process.execPath, args, { cwd: req.getPwd() || programRoot, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => done(null, runResponse(`could not start node: ${err.message}`)));
    child.on("exit", (code, signal) => {
        if (code === 0) done(null, runResponse());
        else if (code === EXIT_ALREADY_REPORTED) done(null, runResponse(undefined, true));
        else done(null, runResponse(`the program exited with ${signal ?? `code ${code}`}`));
    });
}

/** @param {string} [error] @param {boolean} [bail] */
function runResponse(error, bail) {
    const res = new messages.RunResponse();
    if (error) res.setError(error);
    if (bail) res.setBail(true);
    return res;
}

/**
 * Pulumi's `RunPlugin` (the engine's path for a policy pack when a language host exists): start the pack through
 * pulumi-analyzer-policy in the pack's folder and stream its output back; the engine reads the pack's port from it.
 */
function runPlugin(/** @type {any} */ call) {
    const req = call.request;
    const info = req.getInfo();
    const packDir = info ? info.getProgramDirectory() : req.getProgram();
    const env = Object.fromEntries(req.getEnvList().map((/** @type {string} */ kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const analyzer = path.join(__dirname, "bin", "pulumi-analyzer-policy");
    const child = spawn(analyzer, [...req.getArgsList(), "."], { cwd: packDir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const send = (/** @type {"setStdout" | "setStderr"} */ setter, /** @type {Buffer} */ chunk) => {
        const res = new messages.RunPluginResponse();
        res[setter](chunk);
        call.write(res);
    };
    child.stdout.on("data", (chunk) => send("setStdout", chunk));
    child.stderr.on("data", (chunk) => send("setStderr", chunk));
    child.on("exit", (code) => {
        const res = new messages.RunPluginResponse();
        res.setExitcode(code ?? 1);
        call.write(res);
        call.end();
    });
    call.on("cancelled", () => child.kill());
}

const unimplemented = (/** @type {Call} */ _call, /** @type {Callback} */ done) => done({ code: grpc.status.UNIMPLEMENTED, details: "not implemented by this language host" });
const reply = (/** @type {() => unknown} */ make) => (/** @type {Call} */ _call, /** @type {Callback} */ done) => done(null, make());

const implementation = {
    handshake: unimplemented, // optional: the engine falls back to the address on the command line
    getRequiredPlugins: reply(() => new messages.GetRequiredPluginsResponse()),
    getRequiredPackages: reply(() => new messages.GetRequiredPackagesResponse()),
    getProgramDependencies: reply(() => new messages.GetProgramDependenciesResponse()),
    runtimeOptionsPrompts: reply(() => new messages.RuntimeOptionsResponse()),
    getPluginInfo: reply(() => {
        const pluginInfo = new pluginMessages.PluginInfo();
        pluginInfo.setVersion(sdkVersion);
        return pluginInfo;
    }),
    about: reply(() => {
        const about = new messages.AboutResponse();
        about.setExecutable(process.execPath);
        about.setVersion(process.version);
        return about;
    }),
    installDependencies: (/** @type {any} */ call) => call.end(), // dependencies are installed by npm ci beforehand
    run,
    runPlugin,
};

const server = new grpc.Server();
server.addService(services.LanguageRuntimeService, implementation);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (/** @type {Error | null} */ err, /** @type {number} */ port) => {
    if (err) {
        process.stderr.write(`pulumi-language-nodejs: ${err.message}\n`);
        process.exit(1);
    }
    // The engine reads the port from the first line of stdout.
    process.stdout.write(`${port}\n`);
});
