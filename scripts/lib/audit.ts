/**
 * `npm run audit -- --stack <name> [--project P] [--operation create|delete|pull] [--since 30d] [--json]`: who did
 * what to which artifact, and when, from Harbor's audit log.
 *
 * Harbor 2.15 writes every audit event to audit_log_ext (src/controller/event/handler/auditlog/auditlog.go: Handle ->
 * auditext.Mgr.Create), served by GET /auditlog-exts and GET /projects/{project_name}/auditlog-exts
 * (src/server/v2.0/handler/auditlog.go, ListAuditLogExts; the legacy GET /audit-logs and /projects/{p}/logs read the
 * old audit_log table, which nothing writes any more). Filters go into `q` (src/lib/q/builder.go):
 * resource_type=artifact, operation=<op>, op_time=[<since>~<now>] with times as "2006-01-02T15:04:05" (UTC); the list
 * is paged (page_size 100 until X-Total-Count) and sorted newest first (sort=-op_time).
 *
 * The stack's Harbor and admin credentials come from its outputs (externalUrl, adminUsername, adminPassword), as
 * scripts/preview.ts reads a stack's outputs, through `pulumi stack output --json --show-secrets`; HARBOR_URL,
 * HARBOR_USERNAME and HARBOR_PASSWORD override them (e.g. a content-only stack, or harborAdminPassword after a change).
 */
import { execFile } from "child_process";
import { promisify } from "util";
import { HarborClient, HarborClientOptions, HarborConnection, seg } from "../../harbor/client";

export const USAGE = "usage: npm run audit -- --stack <name> [--project P] [--operation create|delete|pull] [--since 30d] [--json]";
export const OPERATIONS = ["create", "delete", "pull"] as const;
export type AuditOperation = (typeof OPERATIONS)[number];

export class UsageError extends Error {}

export interface AuditArgs {
    stack: string;
    project?: string;
    operation?: AuditOperation;
    /** Look back this many milliseconds. */
    sinceMs?: number;
    /** As written, for messages. */
    since?: string;
    json: boolean;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseAuditArgs(argv: readonly string[]): AuditArgs {
    const out: Partial<AuditArgs> & { json: boolean } = { json: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--stack": out.stack = value(); break;
            case "--project": {
                const p = value();
                if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(p)) throw new UsageError(`--project "${p}" is not a Harbor project name`);
                out.project = p;
                break;
            }
            case "--operation": {
                const op = value();
                if (!(OPERATIONS as readonly string[]).includes(op)) throw new UsageError(`--operation must be one of ${OPERATIONS.join(", ")}, got "${op}"`);
                out.operation = op as AuditOperation;
                break;
            }
            case "--since": {
                const s = value();
                const m = /^(\d+)([mhdw])$/.exec(s);
                if (!m || Number(m[1]) === 0) throw new UsageError(`--since must be a positive duration like 30m, 12h, 30d or 2w, got "${s}"`);
                out.sinceMs = Number(m[1]) * UNIT_MS[m[2]];
                out.since = s;
                break;
            }
            case "--json": out.json = true; break;
            default: throw new UsageError(`unknown argument "${flag}"`);
        }
    }
    if (!out.stack) throw new UsageError("--stack is required");
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(out.stack)) throw new UsageError(`--stack "${out.stack}" is not a stack name`);
    return out as AuditArgs;
}

/** Harbor's q time layout, UTC. */
export function qTime(d: Date): string {
    return d.toISOString().slice(0, 19);
}

export function auditQuery(args: AuditArgs, now: Date): string {
    const terms = ["resource_type=artifact"];
    if (args.operation) terms.push(`operation=${args.operation}`);
    if (args.sinceMs !== undefined) terms.push(`op_time=[${qTime(new Date(now.getTime() - args.sinceMs))}~${qTime(now)}]`);
    return terms.join(",");
}

export interface AuditRow {
    time: string;
    user: string;
    operation: string;
    resource: string;
    result: boolean;
}

interface ApiAuditLogExt {
    op_time?: string;
    username?: string;
    operation?: string;
    resource?: string;
    operation_result?: boolean;
}

export async function fetchAudit(conn: HarborConnection, args: AuditArgs, now: Date, options: HarborClientOptions = {}): Promise<AuditRow[]> {
    const client = new HarborClient(conn, options);
    try {
        const path = args.project ? `/projects/${seg(args.project)}/auditlog-exts` : "/auditlog-exts";
        const rows = await client.list<ApiAuditLogExt>(path, { query: { q: auditQuery(args, now), sort: "-op_time" } });
        return rows.map((r) => ({ time: r.op_time ?? "", user: r.username ?? "", operation: r.operation ?? "", resource: r.resource ?? "", result: r.operation_result !== false }));
    } finally {
        await client.close();
    }
}

export function renderTable(rows: readonly AuditRow[]): string {
    const header = ["TIME (UTC)", "USER", "OPERATION", "ARTIFACT", "RESULT"];
    const cells = rows.map((r) => [r.time.replace(/\.\d+Z$/, "Z"), r.user, r.operation, r.resource, r.result ? "ok" : "failed"]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
    return [line(header), ...cells.map(line)].join("\n") + "\n";
}

/** A stack's Harbor: HARBOR_URL/USERNAME/PASSWORD, else its outputs externalUrl, adminUsername, adminPassword. */
export type ConnectionResolver = (stack: string) => Promise<HarborConnection>;

export const stackConnection: ConnectionResolver = async (stack) => {
    const env = process.env;
    let outputs: Record<string, unknown> = {};
    if (!(env.HARBOR_URL && env.HARBOR_PASSWORD)) {
        try {
            const { stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--stack", stack, "--json", "--show-secrets"], { maxBuffer: 16 << 20 });
            outputs = JSON.parse(stdout) as Record<string, unknown>;
        } catch (err) {
            throw new Error(`cannot read the outputs of stack ${stack} (pulumi stack output --json --show-secrets): ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n")[0]}; or set HARBOR_URL, HARBOR_USERNAME and HARBOR_PASSWORD`);
        }
    }
    const url = env.HARBOR_URL || String(outputs.externalUrl ?? "");
    const username = env.HARBOR_USERNAME || String(outputs.adminUsername ?? "admin");
    const password = env.HARBOR_PASSWORD || String(outputs.adminPassword ?? "");
    if (!url || !password) throw new Error(`stack ${stack} has no externalUrl/adminPassword outputs; set HARBOR_URL, HARBOR_USERNAME and HARBOR_PASSWORD`);
    return { url, username, password };
};

export interface AuditIo {
    out(text: string): void;
    err(text: string): void;
}

/** The whole command; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runAudit(argv: readonly string[], io: AuditIo, resolve: ConnectionResolver = stackConnection, now = new Date(), options: HarborClientOptions = {}): Promise<number> {
    let args: AuditArgs;
    try {
        args = parseAuditArgs(argv);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io.err(`${err.message}\n${USAGE}\n`);
        return 2;
    }
    try {
        const rows = await fetchAudit(await resolve(args.stack), args, now, options);
        if (args.json) io.out(JSON.stringify(rows, null, 2) + "\n");
        else if (rows.length === 0) io.out(`no artifact events${args.project ? ` in project ${args.project}` : ""}${args.operation ? ` with operation ${args.operation}` : ""}${args.since ? ` in the last ${args.since}` : ""}\n`);
        else io.out(renderTable(rows));
        return 0;
    } catch (err) {
        io.err(`audit: ${(err as Error).message}\n`);
        return 1;
    }
}
