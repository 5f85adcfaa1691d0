/**
 * Command-line parsing for `npm run preview -- <command>`: pure, so every error message is tested.
 */

export const USAGE = `Usage:
  npm run preview -- up   --pr <n> [--source-stack dev] [--secrets-provider <url>] [--summary <file>]
  npm run preview -- down --pr <n> [--summary <file>]
  npm run preview -- gc   --max-age <hours> [--open <n,...>] [--dry-run] [--summary <file>]

  up    create or select stack pr-<n>, copy the source stack's config (secrets re-encrypted), deploy,
        print the URL and where the admin credentials are
  down  destroy stack pr-<n> and remove it
  gc    destroy and remove pr-<n> stacks last updated more than <hours> ago, or whose pull request is not
        in --open (a comma-separated list of open PR numbers; "" means none are open)`;

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

interface Common {
    /** Append a markdown summary here (e.g. $GITHUB_STEP_SUMMARY or a PR comment file). */
    summaryFile?: string;
}

export interface UpCommand extends Common {
    kind: "up";
    pr: number;
    sourceStack: string;
    /** Secrets provider for a newly created stack (e.g. awskms://...); default: the backend's passphrase provider. */
    secretsProvider?: string;
}

export interface DownCommand extends Common {
    kind: "down";
    pr: number;
}

export interface GcCommand extends Common {
    kind: "gc";
    maxAgeHours: number;
    /** Open pull requests; undefined = not checked (only age counts). */
    open?: number[];
    dryRun: boolean;
}

export interface HelpCommand {
    kind: "help";
}

export type PreviewCommand = UpCommand | DownCommand | GcCommand | HelpCommand;

const COMMANDS = ["up", "down", "gc"] as const;
type CommandName = (typeof COMMANDS)[number];

/** Options each command accepts; `true` = takes a value, `false` = a flag. */
const OPTIONS: Record<CommandName, Record<string, boolean>> = {
    up: { "--pr": true, "--source-stack": true, "--secrets-provider": true, "--summary": true },
    down: { "--pr": true, "--summary": true },
    gc: { "--max-age": true, "--open": true, "--dry-run": false, "--summary": true },
};

export const previewStackName = (pr: number): string => `pr-${pr}`;

/** `pr-12` → 12; `organization/harbor-platform/pr-12` → 12; anything else → undefined. */
export function prNumberOfStack(stackName: string): number | undefined {
    const short = stackName.split("/").pop() ?? "";
    const m = /^pr-([1-9]\d*)$/.exec(short);
    return m ? Number(m[1]) : undefined;
}

function parsePr(raw: string): number {
    if (!/^[1-9]\d{0,9}$/.test(raw)) {
        throw new UsageError(`--pr ${JSON.stringify(raw)} is not a pull request number: expected a positive integer such as 42`);
    }
    return Number(raw);
}

function parseHours(raw: string): number {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) {
        throw new UsageError(`--max-age ${JSON.stringify(raw)} is not a number of hours: expected a positive number such as 72`);
    }
    return n;
}

function parseOpen(raw: string): number[] {
    if (raw.trim() === "") {
        return [];
    }
    const parts = raw.split(/[,\s]+/).filter((p) => p !== "");
    if (!parts.every((p) => /^[1-9]\d{0,9}$/.test(p))) {
        throw new UsageError(`--open ${JSON.stringify(raw)} is not a list of pull request numbers: expected e.g. 12,15,31 (or "" when none are open)`);
    }
    return parts.map(Number);
}

function parseStackName(raw: string): string {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(raw)) {
        throw new UsageError(`--source-stack ${JSON.stringify(raw)} is not a stack name: expected e.g. dev`);
    }
    return raw;
}

export function parsePreviewArgs(argv: readonly string[]): PreviewCommand {
    if (argv.length === 0) {
        throw new UsageError(`missing command: expected one of ${COMMANDS.join(", ")}`);
    }
    const [command, ...rest] = argv;
    if (command === "-h" || command === "--help" || command === "help") {
        return { kind: "help" };
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
        throw new UsageError(`unknown command ${JSON.stringify(command)}: expected one of ${COMMANDS.join(", ")}`);
    }
    const name = command as CommandName;
    const allowed = OPTIONS[name];
    const values = new Map<string, string>();
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "-h" || arg === "--help") {
            return { kind: "help" };
        }
        if (!arg.startsWith("--")) {
            throw new UsageError(`unexpected argument ${JSON.stringify(arg)} for ${name}`);
        }
        const eq = arg.indexOf("=");
        const opt = eq >= 0 ? arg.slice(0, eq) : arg;
        if (!(opt in allowed)) {
            throw new UsageError(`unknown option ${opt} for ${name}: expected ${Object.keys(allowed).join(", ")}`);
        }
        if (values.has(opt)) {
            throw new UsageError(`option ${opt} given twice`);
        }
        if (!allowed[opt]) {
            if (eq >= 0) {
                throw new UsageError(`option ${opt} is a flag and takes no value`);
            }
            values.set(opt, "true");
            continue;
        }
        let value: string | undefined;
        if (eq >= 0) {
            value = arg.slice(eq + 1);
        } else {
            value = rest[i + 1];
            if (value === undefined || (value.startsWith("--") && value.length > 2)) {
                throw new UsageError(`option ${opt} needs a value`);
            }
            i++;
        }
        values.set(opt, value);
    }
    const summaryFile = values.get("--summary");
    const requirePr = (): number => {
        const raw = values.get("--pr");
        if (raw === undefined) {
            throw new UsageError(`${name} needs --pr <n> (the pull request number)`);
        }
        return parsePr(raw);
    };
    switch (name) {
        case "up":
            return {
                kind: "up",
                pr: requirePr(),
                sourceStack: parseStackName(values.get("--source-stack") ?? "dev"),
                secretsProvider: values.get("--secrets-provider") || undefined,
                summaryFile,
            };
        case "down":
            return { kind: "down", pr: requirePr(), summaryFile };
        case "gc": {
            const maxAge = values.get("--max-age");
            if (maxAge === undefined) {
                throw new UsageError("gc needs --max-age <hours> (previews last updated longer ago are destroyed)");
            }
            const open = values.get("--open");
            return {
                kind: "gc",
                maxAgeHours: parseHours(maxAge),
                open: open === undefined ? undefined : parseOpen(open),
                dryRun: values.has("--dry-run"),
                summaryFile,
            };
        }
    }
}
