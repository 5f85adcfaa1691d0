/**
 * `npm run sync-contract`: extract the Harbor contract (contract/*.json, see scripts/lib/contract.ts) from the shared
 * folder ($HARBOR_SHARED_DIR, else ../shared): the swagger's structure, the chart's value keys, the robot access lists.
 * `npm run sync-contract -- --check`: compare instead of writing; exit 1 with a summary of what differs.
 * Without the shared folder there is nothing to compare: one line, exit 0 (with --check) or exit 1 (writing).
 */
import * as path from "path";
import { buildContract, checkContract, CONTRACT_DIR, sharedDir, SOURCES, writeContract } from "./lib/contract";

const MAX_LINES = 40;

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log, contractDir = CONTRACT_DIR): number {
    const check = argv.includes("--check");
    const shared = sharedDir(env);
    const fresh = buildContract(shared);
    if (fresh.size === 0) {
        out(`sync-contract: no Harbor sources under ${shared} (set HARBOR_SHARED_DIR); nothing to compare${check ? "" : ", nothing written"}.`);
        return check ? 0 : 1;
    }
    const missing = Object.keys(SOURCES).filter((name) => !fresh.has(name));
    if (missing.length) out(`sync-contract: sources missing for ${missing.join(", ")} (${missing.flatMap((m) => SOURCES[m]).join(", ")}); those files are left alone.`);
    const rel = path.relative(process.cwd(), contractDir) || ".";
    if (!check) {
        const written = writeContract(contractDir, fresh);
        out(written.length ? `sync-contract: wrote ${written.map((w) => path.join(rel, w)).join(", ")}` : `sync-contract: ${rel} is up to date.`);
        return 0;
    }
    const { differences, staleHeaders } = checkContract(contractDir, fresh);
    for (const name of staleHeaders) out(`sync-contract: ${path.join(rel, name)}: same facts, but its sources changed (prose only); run npm run sync-contract to update its header.`);
    if (differences.size === 0) {
        out(`sync-contract: ${rel} matches ${shared}.`);
        return 0;
    }
    out(`sync-contract: ${rel} differs from ${shared} (run npm run sync-contract, review, commit):`);
    for (const [name, lines] of differences) {
        out(`  ${name}: ${lines.length} difference${lines.length === 1 ? "" : "s"}`);
        for (const line of lines.slice(0, MAX_LINES)) out(`    ${line}`);
        if (lines.length > MAX_LINES) out(`    ... and ${lines.length - MAX_LINES} more`);
    }
    return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
