/**
 * What `up`, `down` and `gc` do, on top of PreviewOps. No Pulumi import here: tests run these with a fake.
 * Nothing secret is ever printed: the admin password is pointed at with a `pulumi stack output` command.
 */
import { DownCommand, GcCommand, prNumberOfStack, previewStackName, UpCommand } from "./previewArgs";
import { OutputValue, PreviewOps } from "./previewOps";

/** Output names the program exports (index.ts). */
export const URL_OUTPUT = "externalUrl";
export const ADMIN_USER_OUTPUT = "adminUsername";
export const ADMIN_PASSWORD_OUTPUT = "adminPassword";

export interface Io {
    log(line: string): void;
    /** Current time; injectable so age checks are testable. */
    now(): Date;
}

export interface UpResult {
    stack: string;
    url?: string;
    adminUser?: string;
    /** The command that reveals the admin password (never the password). */
    credentialsCommand?: string;
    markdown: string;
}

/** A plain (non-secret) string output, or undefined. Secret outputs are never rendered. */
function plainString(o: OutputValue | undefined): string | undefined {
    return o && !o.secret && typeof o.value === "string" ? o.value : undefined;
}

export async function previewUp(cmd: UpCommand, ops: PreviewOps, io: Io): Promise<UpResult> {
    const stack = previewStackName(cmd.pr);
    io.log(`Reading the config of stack ${cmd.sourceStack}...`);
    const config = await ops.getAllConfig(cmd.sourceStack);
    io.log(`Selecting stack ${stack} (created if missing)...`);
    await ops.createOrSelectStack(stack);
    // Re-set every value through the CLI so secrets are encrypted with pr-<n>'s own key (ciphertext from
    // Pulumi.<source>.yaml would not decrypt there).
    const secretCount = Object.values(config).filter((v) => v.secret).length;
    io.log(`Copying ${Object.keys(config).length} config values (${secretCount} secret) from ${cmd.sourceStack} to ${stack}...`);
    await ops.setAllConfig(stack, config);
    io.log(`Deploying ${stack}...`);
    const outputs = await ops.up(stack);

    const url = plainString(outputs[URL_OUTPUT]);
    const adminUser = plainString(outputs[ADMIN_USER_OUTPUT]);
    const credentialsCommand = outputs[ADMIN_PASSWORD_OUTPUT] !== undefined
        ? `pulumi stack output --stack ${stack} --show-secrets ${ADMIN_PASSWORD_OUTPUT}`
        : undefined;

    io.log("");
    io.log(`Preview ${stack} is up.`);
    io.log(url ? `  URL:            ${url}` : `  URL:            (no ${URL_OUTPUT} output)`);
    if (adminUser) {
        io.log(`  Admin user:     ${adminUser}`);
    }
    io.log(credentialsCommand ? `  Admin password: run \`${credentialsCommand}\`` : `  Admin password: (no ${ADMIN_PASSWORD_OUTPUT} output)`);

    const markdown = [
        `### Harbor preview \`${stack}\``,
        "",
        url ? `- URL: ${url}` : "- URL: (not exported)",
        adminUser ? `- Admin user: \`${adminUser}\`` : undefined,
        credentialsCommand ? `- Admin password: \`${credentialsCommand}\` (with the backend and passphrase of this repository)` : undefined,
        "- Destroyed automatically when the pull request closes.",
        "",
    ].filter((l): l is string => l !== undefined).join("\n");
    return { stack, url, adminUser, credentialsCommand, markdown };
}

export interface DownResult {
    stack: string;
    destroyed: boolean;
    markdown: string;
}

export async function previewDown(cmd: DownCommand, ops: PreviewOps, io: Io): Promise<DownResult> {
    const stack = previewStackName(cmd.pr);
    const existing = (await ops.listStacks()).find((s) => prNumberOfStack(s.name) === cmd.pr);
    if (!existing) {
        io.log(`Stack ${stack} does not exist; nothing to destroy.`);
        return { stack, destroyed: false, markdown: `Preview \`${stack}\` did not exist; nothing to destroy.\n` };
    }
    io.log(`Destroying ${existing.name}...`);
    await ops.destroy(existing.name);
    io.log(`Removing stack ${existing.name}...`);
    await ops.removeStack(existing.name);
    io.log(`Preview ${stack} is gone.`);
    return { stack, destroyed: true, markdown: `Preview \`${stack}\` destroyed and removed.\n` };
}

export interface GcDecision {
    stack: string;
    pr: number;
    /** Why it goes; undefined = kept. */
    reasons: string[];
    skipped?: string;
}

/** Pure: which preview stacks to collect and why. */
export function planGc(stacks: { name: string; lastUpdate?: string; updateInProgress?: boolean }[], cmd: Pick<GcCommand, "maxAgeHours" | "open">, now: Date): GcDecision[] {
    const out: GcDecision[] = [];
    for (const s of stacks) {
        const pr = prNumberOfStack(s.name);
        if (pr === undefined) {
            continue; // dev, prod, anything that is not a preview
        }
        const d: GcDecision = { stack: s.name, pr, reasons: [] };
        if (s.updateInProgress) {
            d.skipped = "an update is in progress";
            out.push(d);
            continue;
        }
        if (cmd.open !== undefined && !cmd.open.includes(pr)) {
            d.reasons.push(`pull request #${pr} is not open`);
        }
        const last = s.lastUpdate ? Date.parse(s.lastUpdate) : NaN;
        if (Number.isFinite(last)) {
            const ageHours = (now.getTime() - last) / 3_600_000;
            if (ageHours > cmd.maxAgeHours) {
                d.reasons.push(`last updated ${Math.floor(ageHours)}h ago (limit ${cmd.maxAgeHours}h)`);
            }
        } else if (d.reasons.length === 0) {
            d.skipped = "never deployed (no last update), and its pull request is not known to be closed";
        }
        out.push(d);
    }
    return out;
}

export interface GcResult {
    collected: string[];
    kept: string[];
    failed: { stack: string; error: string }[];
    markdown: string;
}

export async function previewGc(cmd: GcCommand, ops: PreviewOps, io: Io): Promise<GcResult> {
    const decisions = planGc(await ops.listStacks(), cmd, io.now());
    const result: GcResult = { collected: [], kept: [], failed: [], markdown: "" };
    for (const d of decisions) {
        if (d.skipped || d.reasons.length === 0) {
            io.log(`keep    ${d.stack}${d.skipped ? ` (${d.skipped})` : ""}`);
            result.kept.push(d.stack);
            continue;
        }
        io.log(`${cmd.dryRun ? "would collect" : "collect"} ${d.stack}: ${d.reasons.join("; ")}`);
        if (cmd.dryRun) {
            result.collected.push(d.stack);
            continue;
        }
        try {
            await ops.destroy(d.stack);
            await ops.removeStack(d.stack);
            result.collected.push(d.stack);
        } catch (e) {
            // Keep going: one stuck preview must not keep the others alive.
            const error = e instanceof Error ? e.message.split("\n")[0] : String(e);
            io.log(`failed  ${d.stack}: ${error}`);
            result.failed.push({ stack: d.stack, error });
        }
    }
    const verb = cmd.dryRun ? "Would collect" : "Collected";
    result.markdown = [
        `### Preview garbage collection${cmd.dryRun ? " (dry run)" : ""}`,
        "",
        `${verb}: ${result.collected.map((s) => `\`${s}\``).join(", ") || "none"}`,
        `Kept: ${result.kept.map((s) => `\`${s}\``).join(", ") || "none"}`,
        result.failed.length ? `Failed: ${result.failed.map((f) => `\`${f.stack}\``).join(", ")}` : "",
        "",
    ].join("\n");
    return result;
}
