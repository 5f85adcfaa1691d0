// Progress messages from a provider to the `pulumi` command's display. Pulumi starts each resource plugin (the
// dynamic-provider host included) with the engine's address as its first argument; the engine's `Log` RPC shows a
// message in the update's output. Used while Ready waits for Harbor (up to 15 minutes that would otherwise print
// nothing). Best effort: without an engine (tests calling providers directly) or when the engine does not answer,
// nothing is shown and nothing fails.
import { createRequire } from "module";

/** The engine's address, when this process is a Pulumi resource plugin (argv: node, host entry, engine address). */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
    const address = argv[2];
    return address && /^[\w.-]+:\d+$/.test(address) && !address.endsWith(":0") ? address : undefined;
}

export interface ProgressLog {
    /** An info line in the update's output (never throws). */
    info(message: string): Promise<void>;
    close(): void;
}

const silent: ProgressLog = { info: async () => undefined, close: () => undefined };

interface EngineClient {
    log(request: unknown, options: { deadline: number }, callback: (err: Error | null) => void): void;
    close(): void;
}

/** A log to the engine at `address` (default: this plugin's engine), or a silent one without an engine. */
export function engineLog(address: string | undefined = engineAddress()): ProgressLog {
    if (!address) return silent;
    // The SDK's own gRPC and protobuf modules: the same instances its generated stubs use.
    const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = sdkRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const rpc = sdkRequire("./proto/engine_grpc_pb") as { EngineClient: new (address: string, credentials: unknown) => EngineClient };
    const pb = sdkRequire("./proto/engine_pb") as {
        LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setEphemeral(e: boolean): void };
        LogSeverity: { INFO: number };
    };
    const client = new rpc.EngineClient(address, grpc.credentials.createInsecure());
    return {
        info: (message) =>
            new Promise<void>((resolve) => {
                const request = new pb.LogRequest();
                request.setSeverity(pb.LogSeverity.INFO);
                request.setMessage(message);
                request.setEphemeral(false);
                client.log(request, { deadline: Date.now() + 2000 }, () => resolve());
            }),
        close: () => client.close(),
    };
}
