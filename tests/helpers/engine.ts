// The Pulumi engine's side of the dynamic-provider protocol, for tests: starts the SDK's real dynamic-provider host
// (node_modules/@pulumi/pulumi/cmd/dynamic-provider, plain node, cwd = the project root, as the engine's
// pulumi-resource-pulumi-nodejs plugin starts it) and drives it over gRPC with the SDK's own stubs, sending what the
// engine sends (pkg/resource/plugin/provider_plugin.go in pulumi/pulumi):
//   - every property as a protobuf Struct; secrets as plain values (the host answers Configure with
//     acceptSecrets: false); values not known yet (preview) as the unknown sentinel string, in Check and Diff only;
//   - Check(olds = previous inputs, news), Diff(olds = previous outputs, news = checked inputs),
//     Create(properties = checked inputs), Read(properties = stored outputs, inputs = stored inputs),
//     Update(olds = stored outputs, news = checked inputs), Delete(properties = stored outputs);
//   - `__provider` with every property set: the NEW inputs' text for Check/Diff/Create/Update, the stored one for
//     Read/Delete.
// Errors come back as the engine sees them: the gRPC message, and for a partial create the ErrorResourceInitFailed
// detail (id, properties, reasons).
import { ChildProcess, spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { HarborResourceType } from "../../harbor/hosted";
import { providerText } from "../../harbor/loader";
import type { AnyProvider } from "./fixtures";

/** The project root: the engine runs the host with it as the working directory. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The engine's placeholder for a value not known yet (rpc.unknownValue in the SDK). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The SDK's own gRPC and protobuf modules (the same instances its stubs use).
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-var-requires */
const grpc = sdkRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const structpb = sdkRequire("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provpb = require("@pulumi/pulumi/proto/provider_pb");
const statuspb = require("@pulumi/pulumi/proto/status_pb");
/* eslint-enable @typescript-eslint/no-var-requires */

type Raw = Record<string, unknown>;
type Struct = InstanceType<typeof structpb.Struct>;

/** A running dynamic-provider host and a gRPC client connected to it, as the engine holds them. */
export interface EngineHost {
    readonly port: number;
    /** Everything the host wrote to stderr so far (its own error logging). */
    stderr(): string;
    /** Send one RPC; resolves with the response message, rejects with the gRPC error. */
    rpc<T>(method: string, request: unknown): Promise<T>;
    stop(): Promise<void>;
}

/**
 * Start the host as the engine does: plain `node` on the SDK's entry point, cwd = the project root, without the test
 * process's ts-node hooks (NODE_OPTIONS, TS_NODE_*). `env` adds variables (e.g. HARBOR_CLIENT_* for fast retries);
 * `cwd` is the project root the engine would run it in; `engineAddress` is what the engine passes as the plugin's first
 * argument (its own gRPC address: a FakeEngine's to see what the providers log).
 */
export async function startEngineHost(env: Record<string, string> = {}, cwd: string = PROJECT_ROOT, engineAddress = "127.0.0.1:0"): Promise<EngineHost> {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (k !== "NODE_OPTIONS" && !k.startsWith("TS_NODE_")) clean[k] = v;
    const entry = path.join(cwd, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
    const child: ChildProcess = spawn(process.execPath, [entry, engineAddress], { cwd, env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`the dynamic-provider host did not start: ${stderr}`)), 20_000);
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const line = out.split("\n")[0];
            if (out.includes("\n")) {
                clearTimeout(timer);
                resolve(Number(line.trim()));
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the dynamic-provider host exited with ${code}: ${stderr}`));
        });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host: EngineHost = {
        port,
        stderr: () => stderr,
        rpc: (method, request) =>
            new Promise((resolve, reject) => {
                client[method](request, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res as never)));
            }),
        async stop() {
            client.close();
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.once("exit", r));
                child.kill();
                await exited;
            }
        },
    };
    // The engine configures every provider before its first resource call.
    const configure = new provpb.ConfigureRequest();
    configure.setArgs(structpb.Struct.fromJavaScript({}));
    const configured = await host.rpc<{ getAcceptsecrets(): boolean }>("configure", configure);
    if (configured.getAcceptsecrets()) throw new Error("the host accepts secrets: the engine would send them wrapped; update this harness");
    return host;
}

/** A value as the engine sends it: plain JSON data (no undefined), as a Struct. */
function toStruct(value: Raw): Struct {
    return structpb.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

const withProvider = (props: unknown, provider: string): Raw => ({ ...(props as Raw), __provider: provider });

function withoutProvider(props: Raw): Raw {
    const { __provider: _ignored, ...rest } = props;
    return rest;
}

/** The error the engine reports: the host's message; a partial create carries its ErrorResourceInitFailed detail. */
function engineError(err: Error & { details?: string; metadata?: InstanceType<typeof grpc.Metadata> }): Error {
    const message = err.details ?? err.message;
    const out = new Error(message) as Error & { id?: string; properties?: Raw; reasons?: string[] };
    const bin = err.metadata?.get("grpc-status-details-bin")?.[0];
    if (bin) {
        const status = statuspb.Status.deserializeBinary(new Uint8Array(bin as Buffer));
        for (const any of status.getDetailsList()) {
            const detail = any.unpack(provpb.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
            if (!detail) continue;
            out.id = detail.getId();
            out.properties = withoutProvider((detail.getProperties()?.toJavaScript() ?? {}) as Raw);
            out.reasons = detail.getReasonsList();
        }
    }
    return out;
}

/**
 * One Harbor resource type as the engine drives it: each method is one gRPC call to the host with `__provider` =
 * `providerText` (what a registration stores). Results are what the engine receives, `__provider` removed; the
 * shape matches a provider object's, so suites written against providers can run through the engine path.
 */
export class EngineProvider implements AnyProvider {
    private readonly urn: string;

    constructor(
        private readonly host: EngineHost,
        readonly type: string,
        readonly providerText: string,
        /** The text stored in state, for Read and Delete (defaults to the current one). */
        private readonly storedText: string = providerText,
    ) {
        this.urn = `urn:pulumi:test::harbor-platform::pulumi-nodejs:dynamic/harbor:${type}::${type.toLowerCase()}`;
    }

    private async call<T>(method: string, request: unknown): Promise<T> {
        try {
            return await this.host.rpc<T>(method, request);
        } catch (err) {
            throw engineError(err as Error);
        }
    }

    /** A Diff or Update request: the stored outputs (with the stored text) against the new inputs (with the current one). */
    private change<R extends { setId(v: string): void; setUrn(v: string): void; setOlds(v: Struct): void; setNews(v: Struct): void }>(req: R, id: string, olds: unknown, news: unknown): R {
        req.setId(id);
        req.setUrn(this.urn);
        req.setOlds(toStruct(withProvider(olds, this.storedText)));
        req.setNews(toStruct(withProvider(news, this.providerText)));
        return req;
    }

    async check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
        const req = new provpb.CheckRequest();
        req.setUrn(this.urn);
        req.setOlds(toStruct(olds && Object.keys(olds as Raw).length > 0 ? withProvider(olds, this.providerText) : {}));
        req.setNews(toStruct(withProvider(news, this.providerText)));
        const res = await this.call<{ getInputs(): Struct | undefined; getFailuresList(): { getProperty(): string; getReason(): string }[] }>("check", req);
        return {
            inputs: withoutProvider((res.getInputs()?.toJavaScript() ?? {}) as Raw),
            failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult> {
        const req = this.change(new provpb.DiffRequest(), id, olds, news);
        const res = await this.call<{ getChanges(): number; getReplacesList(): string[]; getDeletebeforereplace(): boolean }>("diff", req);
        const changes = res.getChanges();
        const Changes = provpb.DiffResponse.DiffChanges;
        return {
            changes: changes === Changes.DIFF_SOME ? true : changes === Changes.DIFF_NONE ? false : undefined,
            replaces: res.getReplacesList(),
            deleteBeforeReplace: res.getDeletebeforereplace(),
        };
    }

    async create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
        const req = new provpb.CreateRequest();
        req.setUrn(this.urn);
        req.setProperties(toStruct(withProvider(inputs, this.providerText)));
        const res = await this.call<{ getId(): string; getProperties(): Struct | undefined }>("create", req);
        return { id: res.getId(), outs: withoutProvider((res.getProperties()?.toJavaScript() ?? {}) as Raw) };
    }

    /** `props` are the stored outputs; the stored inputs default to them (as after a create from those inputs). */
    async read(id: string, props: unknown, inputs: unknown = props): Promise<pulumi.dynamic.ReadResult> {
        const req = new provpb.ReadRequest();
        req.setId(id);
        req.setUrn(this.urn);
        req.setProperties(toStruct(withProvider(props, this.storedText)));
        req.setInputs(toStruct(withProvider(inputs, this.storedText)));
        const res = await this.call<{ getId(): string; getProperties(): Struct | undefined; getInputs(): Struct | undefined }>("read", req);
        const readInputs = res.getInputs();
        return {
            id: res.getId(),
            props: withoutProvider((res.getProperties()?.toJavaScript() ?? {}) as Raw),
            ...(readInputs ? { inputs: withoutProvider(readInputs.toJavaScript() as Raw) } : {}),
        };
    }

    async update(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
        const req = this.change(new provpb.UpdateRequest(), id, olds, news);
        const res = await this.call<{ getProperties(): Struct | undefined }>("update", req);
        return { outs: withoutProvider((res.getProperties()?.toJavaScript() ?? {}) as Raw) };
    }

    async delete(id: string, props: unknown): Promise<void> {
        const req = new provpb.DeleteRequest();
        req.setId(id);
        req.setUrn(this.urn);
        req.setProperties(toStruct(withProvider(props, this.storedText)));
        await this.call("delete", req);
    }
}

let shared: Promise<{ host: EngineHost; engine: FakeEngine }> | undefined;

function sharedPair(): Promise<{ host: EngineHost; engine: FakeEngine }> {
    shared ??= (async () => {
        const engine = await startFakeEngine();
        return { engine, host: await startEngineHost(FAST_HOST_ENV, PROJECT_ROOT, engine.address) };
    })();
    return shared;
}

/**
 * One host for the whole test run (started on first use, stopped by the root hook in tests/helpers/hooks.ts), with
 * quick client retries so faults cost milliseconds, and a fake engine that records what the providers log.
 */
export async function sharedEngineHost(): Promise<EngineHost> {
    return (await sharedPair()).host;
}

/** The engine the shared host logs to. */
export async function sharedFakeEngine(): Promise<FakeEngine> {
    return (await sharedPair()).engine;
}

/** Stop the shared host and its engine, if they were started. */
export async function stopSharedEngineHost(): Promise<void> {
    const running = shared;
    shared = undefined;
    if (!running) return;
    const { host, engine } = await running;
    await host.stop();
    await engine.stop();
}

/** `type` as the engine drives it, through the shared host. */
export async function engineProvider(type: HarborResourceType): Promise<EngineProvider> {
    return new EngineProvider(await sharedEngineHost(), type, providerText(type));
}

/** Client settings for a host process: a few quick retries, so faults cost milliseconds. */
export const FAST_HOST_ENV: Readonly<Record<string, string>> = {
    HARBOR_CLIENT_TIMEOUT_MS: "2000",
    HARBOR_CLIENT_RETRIES: "3",
    HARBOR_CLIENT_BASE_DELAY_MS: "1",
    HARBOR_CLIENT_MAX_DELAY_MS: "5",
    HARBOR_READY_LOGIN_PAUSE_MS: "5",
};

/**
 * The `__provider` text of each Harbor resource type exactly as a registration sends it to the engine: one resource
 * of every type is registered under Pulumi's mock runtime and its `__provider` input recorded.
 */
export async function registeredProviderTexts(): Promise<Map<string, string>> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const harbor = require("../../harbor") as Record<string, new (name: string, args: Raw, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource>;
    const { HARBOR_PROVIDERS } = await import("../../harbor/hosted");
    const texts = new Map<string, string>();
    const registered: Promise<unknown>[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                const text = a.inputs.__provider;
                const type = a.type.split(":").pop()!;
                if (typeof text === "string") texts.set(type, text);
                return { id: `${a.name}-id`, state: a.inputs };
            },
            call: () => ({}),
        },
        "harbor-platform",
        "engine-test",
    );
    const connection = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
    for (const type of Object.keys(HARBOR_PROVIDERS)) {
        const r = new harbor[type](`registered-${type}`, { connection, name: "x", project: "x", username: "x", password: "Passw0rd-x", email: "x@example.com", digest: "sha256:" + "a".repeat(64), repository: "x" });
        registered.push(new Promise((resolve) => r.urn.apply(resolve)));
    }
    await Promise.all(registered);
    return texts;
}

/** The engine's own gRPC service as a plugin sees it (its `Log` RPC): records what providers log. */
export interface FakeEngine {
    readonly address: string;
    /** Every message logged, in order. */
    readonly messages: string[];
    stop(): Promise<void>;
}

export async function startFakeEngine(): Promise<FakeEngine> {
    /* eslint-disable @typescript-eslint/no-var-requires */
    const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
    const emptypb = sdkRequire("google-protobuf/google/protobuf/empty_pb");
    /* eslint-enable @typescript-eslint/no-var-requires */
    const messages: string[] = [];
    const server = new grpc.Server();
    server.addService(enginerpc.EngineService, {
        log: (call: { request: { getMessage(): string } }, callback: (err: null, res: unknown) => void) => {
            messages.push(call.request.getMessage());
            callback(null, new emptypb.Empty());
        },
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        messages,
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
