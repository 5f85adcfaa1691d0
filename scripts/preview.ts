/**
 * Per-pull-request Harbor previews on the Pulumi Automation API.
 *
 *   npm run preview -- up   --pr 42            # stack pr-42 from dev's config, deployed; prints URL + where credentials are
 *   npm run preview -- down --pr 42            # destroy pr-42 and remove the stack
 *   npm run preview -- gc   --max-age 72 --open 40,42
 *
 * It needs the Pulumi CLI on PATH (without it: one line saying so and how to install it, exit 1). State goes to the
 * local file backend at the repository root (as scripts/up.sh) unless PULUMI_BACKEND_URL is set.
 *
 * Exit codes: 0 ok, 1 failure (Pulumi error, no Pulumi CLI, or some previews could not be collected), 2 usage error.
 */
import * as fs from "fs";
import * as path from "path";
import { parsePreviewArgs, PreviewCommand, USAGE, UsageError } from "./lib/previewArgs";
import { Io, previewDown, previewGc, previewUp } from "./lib/previewCommands";
import { PreviewOps } from "./lib/previewOps";

export const repoRoot = path.resolve(__dirname, "..");

export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";

/** The path of `name` on env.PATH (an executable file), without running anything. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        for (const ext of exts) {
            const file = path.join(dir, name + ext);
            try {
                fs.accessSync(file, fs.constants.X_OK);
                if (fs.statSync(file).isFile()) return file;
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

/** PULUMI_BACKEND_URL, defaulting to the local file backend at the repository root exactly as scripts/up.sh does. */
export function previewBackendUrl(env: NodeJS.ProcessEnv = process.env): string {
    return env.PULUMI_BACKEND_URL || `file://${repoRoot}`;
}

/** Runs one parsed command; returns the process exit code. */
export async function runPreview(cmd: Exclude<PreviewCommand, { kind: "help" }>, ops: PreviewOps, io: Io): Promise<number> {
    let markdown: string;
    let code = 0;
    switch (cmd.kind) {
        case "up":
            markdown = (await previewUp(cmd, ops, io)).markdown;
            break;
        case "down":
            markdown = (await previewDown(cmd, ops, io)).markdown;
            break;
        case "gc": {
            const r = await previewGc(cmd, ops, io);
            markdown = r.markdown;
            code = r.failed.length > 0 ? 1 : 0;
            break;
        }
    }
    if (cmd.summaryFile) {
        fs.appendFileSync(cmd.summaryFile, markdown + "\n");
    }
    return code;
}

/** `env`: the environment the Pulumi CLI is looked up in and the backend read from (default: process.env). */
export async function main(argv: string[], makeOps?: (cmd: PreviewCommand) => Promise<PreviewOps>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let cmd: PreviewCommand;
    try {
        cmd = parsePreviewArgs(argv);
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(`error: ${e.message}\n\n${USAGE}`);
            return 2;
        }
        throw e;
    }
    if (cmd.kind === "help") {
        console.log(USAGE);
        return 0;
    }
    const io: Io = { log: (l) => console.log(l), now: () => new Date() };
    if (!makeOps) {
        if (!findExecutable("pulumi", env)) {
            console.error(`error: the Pulumi CLI (pulumi) is not on PATH; install it: ${PULUMI_INSTALL_URL} (or: curl -fsSL https://get.pulumi.com | sh), then run this again`);
            return 1;
        }
        if (!env.PULUMI_BACKEND_URL) {
            env.PULUMI_BACKEND_URL = previewBackendUrl(env); // the CLI the Automation API runs inherits it
            io.log(`State backend: ${env.PULUMI_BACKEND_URL} (the local file backend, as scripts/up.sh; set PULUMI_BACKEND_URL for another)`);
        }
    }
    try {
        const ops = makeOps
            ? await makeOps(cmd)
            : await (await import("./lib/automationOps")).automationOps({
                workDir: repoRoot,
                secretsProvider: cmd.kind === "up" ? cmd.secretsProvider ?? process.env.PULUMI_SECRETS_PROVIDER : undefined,
            });
        return await runPreview(cmd, ops, io);
    } catch (e) {
        // The Automation API's CommandError carries the CLI's stderr, which the engine already masks.
        console.error(`error: preview ${cmd.kind} failed: ${e instanceof Error ? e.message : String(e)}`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
