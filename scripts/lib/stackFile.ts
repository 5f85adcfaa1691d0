/**
 * Small edits of a stack file for scripts/up.sh, kept here so they are tested (tests/stackFile.spec.ts).
 *
 * dev replicates to prod through a StackReference (`replication.outbound.prodStack`). On a fresh machine prod does
 * not exist yet and the StackReference would fail the whole `pulumi up`, so up.sh deploys dev from a copy of its
 * stack file with outbound replication off (the checked-in file is left alone), and says so.
 *
 *   ts-node scripts/lib/stackFile.ts prod-stack Pulumi.dev.yaml            # prints the referenced prod stack, or nothing
 *   ts-node scripts/lib/stackFile.ts without-replication Pulumi.dev.yaml out.yaml
 */
import * as fs from "fs";
import * as YAML from "yaml";

const KEY = "harbor-platform:replication";

/** The prod stack a stack file replicates to through a StackReference, if outbound replication is on. */
export function referencedProdStack(stackFileText: string): string | undefined {
    const doc = YAML.parse(stackFileText) as { config?: Record<string, unknown> } | null;
    const outbound = (doc?.config?.[KEY] as { outbound?: { enabled?: unknown; prodStack?: unknown } } | undefined)?.outbound;
    const on = outbound?.enabled === true || outbound?.enabled === "true";
    return on && typeof outbound?.prodStack === "string" && outbound.prodStack !== "" ? outbound.prodStack : undefined;
}

/** The same stack file (comments, secure: values and encryption salt kept) with outbound replication off. */
export function withoutOutboundReplication(stackFileText: string): string {
    const doc = YAML.parseDocument(stackFileText);
    if (doc.getIn(["config", KEY, "outbound"]) !== undefined) doc.setIn(["config", KEY, "outbound", "enabled"], false);
    return doc.toString();
}

if (require.main === module) {
    const [cmd, input, output] = process.argv.slice(2);
    const text = fs.readFileSync(input, "utf8");
    if (cmd === "prod-stack") {
        const s = referencedProdStack(text);
        if (s) process.stdout.write(`${s}\n`);
    } else if (cmd === "without-replication" && output) {
        fs.writeFileSync(output, withoutOutboundReplication(text));
    } else {
        console.error("usage: stackFile.ts prod-stack <file> | without-replication <file> <out>");
        process.exit(2);
    }
}
