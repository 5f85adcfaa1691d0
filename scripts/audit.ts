/**
 * Harbor's audit log for a stack: who did what to which artifact, when (scripts/lib/audit.ts).
 *
 *   npm run --silent audit -- --stack prod --project prod-team --operation pull --since 30d
 *   npm run --silent audit -- --stack dev --json | jq .
 *
 * Exit codes: 0 ok, 1 failure (Harbor or the stack's outputs unreachable), 2 usage error.
 */
import { runAudit } from "./lib/audit";

runAudit(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then((code) => process.exit(code));
