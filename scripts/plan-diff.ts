/**
 * Markdown diff of two offline plans, for the pull-request comment:
 *
 *   npm run plan -- --stack dev > head-dev.json        # on the PR
 *   npm run plan -- --stack dev > base-dev.json        # on the base branch
 *   ts-node --transpile-only scripts/plan-diff.ts --base base-dev.json --head head-dev.json >> comment.md
 *
 * A missing or empty --base file means "no base plan" (first PR, or the base branch cannot be planned).
 * Exit codes: 0 ok, 2 usage or unreadable head plan.
 */
import * as fs from "fs";
import { diffPlans, parsePlan, Plan, renderDiff } from "./lib/planDiff";

export const PLAN_DIFF_USAGE = "Usage: ts-node scripts/plan-diff.ts --head <plan.json> [--base <plan.json>]";

export function planDiffMain(argv: string[], readFile: (p: string) => string | undefined = readIfPresent): { code: number; out: string; err: string } {
    const args = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) {
        const [k, v] = [argv[i], argv[i + 1]];
        if ((k !== "--base" && k !== "--head") || v === undefined || args.has(k)) {
            return { code: 2, out: "", err: `error: unexpected argument ${JSON.stringify(k)}${v === undefined ? " (missing value)" : ""}\n${PLAN_DIFF_USAGE}` };
        }
        args.set(k, v);
    }
    const headPath = args.get("--head");
    if (!headPath) {
        return { code: 2, out: "", err: `error: --head <plan.json> is required\n${PLAN_DIFF_USAGE}` };
    }
    try {
        const headText = readFile(headPath);
        if (!headText || headText.trim() === "") {
            throw new Error(`head plan ${headPath} is missing or empty`);
        }
        const head = parsePlan(headText, headPath);
        const basePath = args.get("--base");
        const baseText = basePath ? readFile(basePath) : undefined;
        let base: Plan | undefined;
        if (basePath && baseText && baseText.trim() !== "") {
            try {
                base = parsePlan(baseText, basePath);
            } catch {
                base = undefined; // an unreadable base only loses the comparison, never the comment
            }
        }
        return { code: 0, out: renderDiff(diffPlans(base, head)), err: "" };
    } catch (e) {
        return { code: 2, out: "", err: `error: ${(e as Error).message}` };
    }
}

function readIfPresent(p: string): string | undefined {
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
}

if (require.main === module) {
    const r = planDiffMain(process.argv.slice(2));
    if (r.out) {
        process.stdout.write(r.out + "\n");
    }
    if (r.err) {
        process.stderr.write(r.err + "\n");
    }
    process.exit(r.code);
}
