// Runs the real Pulumi CLI (built by scripts/setup-pulumi.sh) on this project in a throw-away workspace: a copy of
// the project made of symbolic links (so the repository's own stack files are never read or written), a local file
// backend and PULUMI_HOME in the same temporary folder, and the passphrase secrets provider. Used by the end-to-end
// suite (tests/e2e) and by `npm run bench` (the real state file's size).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** Top-level entries that are not linked into a workspace: the stack files, VCS data and local caches. */
const NOT_LINKED = (name: string): boolean => /^Pulumi\..+\.ya?ml$/.test(name) || [".git", ".tools", ".scratch", "bin"].includes(name);

/** The folders to put on PATH for the CLI and the project's plugins, or undefined when the CLI is not built. */
export function cliPath(): string | undefined {
    const line = execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "setup-pulumi.sh"), "--print-path"], { encoding: "utf8" }).trim();
    return fs.existsSync(path.join(line.split(":")[0], "pulumi")) ? line : undefined;
}

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface WorkspaceOptions {
    /** The stack to create (`pulumi stack init`). */
    readonly stack: string;
    /** The passphrase of the stack's secrets provider. */
    readonly passphrase?: string;
    /** Extra environment for every command (e.g. HARBOR_CLIENT_* settings for the provider host). */
    readonly env?: Readonly<Record<string, string>>;
}

/** A project copy with its own backend; every command runs with `--stack`, non-interactive. */
export class CliWorkspace {
    private constructor(
        readonly root: string,
        readonly projectDir: string,
        readonly backendDir: string,
        readonly stack: string,
        private readonly env: NodeJS.ProcessEnv,
    ) {}

    static async create(opts: WorkspaceOptions): Promise<CliWorkspace> {
        const pathLine = cliPath();
        if (!pathLine) throw new Error("the Pulumi CLI is not built: run `bash scripts/setup-pulumi.sh` first (see README, End-to-end tests)");
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-e2e-"));
        const projectDir = path.join(root, "project");
        const backendDir = path.join(root, "backend");
        for (const d of [projectDir, backendDir, path.join(root, "home")]) fs.mkdirSync(d);
        for (const name of fs.readdirSync(PROJECT_ROOT)) {
            if (!NOT_LINKED(name)) fs.symlinkSync(path.join(PROJECT_ROOT, name), path.join(projectDir, name));
        }
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            ...opts.env,
            PATH: `${pathLine}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: path.join(root, "home"),
            PULUMI_BACKEND_URL: `file://${backendDir}`,
            PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? "e2e-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
        };
        delete env.PULUMI_ACCESS_TOKEN;
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        const ws = new CliWorkspace(root, projectDir, backendDir, opts.stack, env);
        await ws.run(["stack", "init", opts.stack, "--secrets-provider", "passphrase"], { stack: false });
        return ws;
    }

    /** Run `pulumi <args>` in the project copy; throws with the command's output unless `allowFailure`. */
    run(args: readonly string[], opts: { allowFailure?: boolean; stack?: boolean } = {}): Promise<CliResult> {
        const full = [...args, ...(opts.stack === false ? [] : ["--stack", this.stack]), "--non-interactive"];
        return new Promise((resolve, reject) => {
            const child = spawn("pulumi", full, { cwd: this.projectDir, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
            const out: Buffer[] = [];
            const err: Buffer[] = [];
            child.stdout.on("data", (b: Buffer) => out.push(b));
            child.stderr.on("data", (b: Buffer) => err.push(b));
            child.on("error", reject);
            child.on("close", (code) => {
                const result = { code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
                if (result.code !== 0 && !opts.allowFailure) {
                    reject(new Error(`pulumi ${full.join(" ")} exited with ${result.code}\n${result.stdout}\n${result.stderr}`));
                } else resolve(result);
            });
        });
    }

    /** Set one config value (`--secret` for secrets), by path for structured values. */
    async setConfig(key: string, value: string, opts: { secret?: boolean } = {}): Promise<void> {
        await this.run(["config", "set", key, value, ...(opts.secret ? ["--secret"] : ["--plaintext"])]);
    }

    /** The stack's state file as the file backend writes it. */
    stateFile(): string {
        const project = path.join(this.backendDir, ".pulumi", "stacks");
        for (const dir of fs.readdirSync(project)) {
            const file = path.join(project, dir, `${this.stack}.json`);
            if (fs.existsSync(file)) return file;
        }
        const legacy = path.join(project, `${this.stack}.json`);
        if (fs.existsSync(legacy)) return legacy;
        throw new Error(`no state file for stack ${this.stack} under ${project}`);
    }

    dispose(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
