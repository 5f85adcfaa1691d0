/**
 * Rewrite the Harbor resources of a deployed stack to the thin provider loader (see scripts/lib/migrateState.ts).
 *
 *   npm run migrate-state -- --stack dev              # export, rewrite, import (keeps the export as a backup)
 *   npm run migrate-state -- --stack dev --dry-run    # export and rewrite only: prints what would change
 *
 * Uses the `pulumi` CLI on PATH, with the same default backend as scripts/up.sh (this checkout's ./.pulumi) unless
 * PULUMI_BACKEND_URL is set. Run it once per stack, while no update of that stack is running.
 * Exit codes: 0 done (or nothing to do), 1 failure, 2 usage error.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exportText, migrateExport, StackExport } from "./lib/migrateState";

const USAGE = "usage: npm run migrate-state -- --stack <name> [--dry-run]";
const repoRoot = path.resolve(__dirname, "..");

interface Args {
    stack: string;
    dryRun: boolean;
}

function parseArgs(argv: string[]): Args | string {
    let stack: string | undefined;
    let dryRun = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack") stack = argv[++i];
        else if (a.startsWith("--stack=")) stack = a.slice("--stack=".length);
        else if (a === "--dry-run") dryRun = true;
        else return `unknown argument "${a}"`;
    }
    if (!stack) return "--stack is required";
    return { stack, dryRun };
}

/** Runs `pulumi ...args`; throws with its stderr on failure, and one clear line when there is no CLI. */
function pulumi(args: string[], env: NodeJS.ProcessEnv): void {
    const r = spawnSync("pulumi", args, { cwd: repoRoot, env, stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("the Pulumi CLI is not on PATH (install it, or build it here: see README 'End-to-end tests')");
    }
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status}): ${(r.stderr || "").trim()}`);
}

export async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv);
    if (typeof args === "string") {
        console.error(`error: ${args}\n${USAGE}`);
        return 2;
    }
    const env = { ...process.env, PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL || `file://${repoRoot}` };
    try {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `migrate-${args.stack}-`));
        const before = path.join(dir, "before.json");
        const after = path.join(dir, "after.json");
        pulumi(["stack", "export", "--stack", args.stack, "--file", before], env);
        const doc = JSON.parse(fs.readFileSync(before, "utf8")) as StackExport;
        const report = await migrateExport(doc);
        const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
        console.log(`${args.stack}: ${report.rewritten} Harbor resources rewritten, ${report.current} already current; state ${kib(report.bytesBefore)} -> ${kib(report.bytesAfter)}`);
        if (report.rewritten === 0) return 0;
        fs.writeFileSync(after, exportText(doc));
        if (args.dryRun) {
            console.log(`dry run: nothing imported. The rewritten state is ${after}`);
            return 0;
        }
        pulumi(["stack", "import", "--stack", args.stack, "--file", after], env);
        console.log(`imported. The state as it was is kept in ${before} (pulumi stack import --stack ${args.stack} --file ${before} restores it)`);
        return 0;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
